//! Link settings that make every start of taskstat cheaper (bench/query.sh
//! measures them against getdelays). Each applies only where the build
//! machine's toolchain and C library support it, and is skipped otherwise:
//! a plainer binary, never a failed build. `TASKSTAT_PLAIN_LINK=1` skips
//! them all.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TASKSTAT_PLAIN_LINK");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let target = env::var("TARGET").unwrap_or_default();
    let host = env::var("HOST").unwrap_or_default();
    if env::var_os("TASKSTAT_PLAIN_LINK").is_some_and(|v| v != "0") {
        return;
    }
    // The static musl build (make STATIC=1) on the machine it runs on.
    if target.contains("-linux-musl") && arch(&target) == arch(&host) {
        if let Some(out) = env::var_os("OUT_DIR") {
            static_musl(Path::new(&out));
        }
        return;
    }
    // The probes below ask the host's compiler and C library, which only
    // describe the target in a native build.
    if target != host || !target.contains("-linux-gnu") {
        return;
    }
    if let Some(out) = env::var_os("OUT_DIR") {
        static_unwinder(Path::new(&out));
        fold_identical_code(Path::new(&out));
    }
    packed_relocations();
}

/// lld (rustc's default linker on x86_64 Linux) folds functions whose code
/// is identical, of which generic code has many: 20 KB of the 1.5 MB
/// budget. Other linkers reject the option, so a one-line program is
/// linked with it first, the way this build will link.
fn fold_identical_code(out: &Path) {
    const ARG: &str = "-Wl,--icf=all";
    if link_probe(out, ARG).is_some() {
        println!("cargo:rustc-link-arg-bins={ARG}");
    }
}

/// std names `libgcc_s.so` for its unwinder, and loading a second shared
/// library costs every start about 0.1 ms, as much as the whole taskstats
/// query. gcc's `-static-libgcc` links the same unwinder from `libgcc_eh.a`
/// instead; rustc passes `-lgcc_s` itself, so a `libgcc_s.so` linker script
/// in a directory searched first points that name at the archive.
fn static_unwinder(out: &Path) {
    let cc = env::var("CC").unwrap_or_else(|_| "cc".into());
    let Ok(found) = Command::new(&cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let archive = PathBuf::from(String::from_utf8_lossy(&found.stdout).trim());
    // The compiler prints the bare name back when it has no such file.
    if !archive.is_absolute() || !archive.is_file() {
        return;
    }
    let dir = out.join("unwinder");
    if fs::create_dir_all(&dir).is_err()
        || fs::write(
            dir.join("libgcc_s.so"),
            format!("INPUT({})\n", archive.display()),
        )
        .is_err()
    {
        return;
    }
    println!("cargo:rustc-link-search=native={}", dir.display());
}

/// DT_RELR packs the binary's ~2,400 relative relocations from 57 KB into
/// under 1 KB, for a smaller file and fewer pages touched at start-up. The
/// binary then needs glibc 2.36 or later, as it would anyway when built
/// against one; linkers that predate the option ignore it with a warning.
fn packed_relocations() {
    let Ok(v) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return;
    };
    // "glibc 2.36"
    let v = String::from_utf8_lossy(&v.stdout);
    let mut parts = v
        .trim()
        .trim_start_matches("glibc ")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) >= (2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn arch(triple: &str) -> &str {
    triple.split('-').next().unwrap_or_default()
}

/// The static musl build: packed relocations (the self-relocation of a
/// static PIE reads DT_RELR from musl 1.2.4 on; 52 KB smaller), and no
/// unwind tables (200 KB, a seventh of the file). With panic = "abort"
/// nothing unwinds (the release profile): a panic prints its message and
/// aborts, as before, only
/// RUST_BACKTRACE finds no frames. That keeps the binary under the 1.5 MB
/// budget. Each is kept only if a program linked with it runs.
fn static_musl(out: &Path) {
    let script = out.join("no-unwind-tables.ld");
    // crtbegin/crtend register their own frame table; theirs stays.
    let text = "SECTIONS\n{\n  /DISCARD/ : { EXCLUDE_FILE(*crtbeginS.o *crtendS.o *crtbegin.o *crtend.o) *(.eh_frame) }\n}\nINSERT AFTER .text;\n";
    let mut args = vec!["-Wl,-z,pack-relative-relocs".to_string()];
    // Cargo reports the target's panic strategy, not the profile's: the
    // release profile is the one with panic = "abort" (Cargo.toml).
    if env::var("PROFILE").as_deref() == Ok("release") && fs::write(&script, text).is_ok() {
        args.push("-Wl,--no-eh-frame-hdr".into());
        args.push(format!("-Wl,-T,{}", script.display()));
    }
    for arg in args {
        // Linked is not enough here: the start-up code must also read it.
        let runs = link_probe(out, &arg).is_some_and(|bin| {
            Command::new(bin)
                .output()
                .is_ok_and(|o| o.status.success() && o.stdout == b"ok\n")
        });
        if runs {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
    }
}

/// A one-line program (it prints "ok") linked with `link_arg` the way this
/// build links (its target, linker and flags), or None if it does not link.
fn link_probe(out: &Path, link_arg: &str) -> Option<PathBuf> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let src = out.join("probe.rs");
    let bin = out.join("probe");
    fs::write(&src, "fn main() { println!(\"ok\"); }\n").ok()?;
    let mut probe = Command::new(rustc);
    probe
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .args(["--target", &env::var("TARGET").unwrap_or_default()])
        .args(["-C", "panic=abort"])
        .arg(format!("-Clink-arg={link_arg}"));
    if let Ok(linker) = env::var("RUSTC_LINKER") {
        probe.arg(format!("-Clinker={linker}"));
    }
    // The build's own flags (a linker or -fuse-ld among them) apply too.
    if let Ok(flags) = env::var("CARGO_ENCODED_RUSTFLAGS") {
        probe.args(flags.split('\u{1f}').filter(|f| !f.is_empty()));
    }
    probe.output().ok()?.status.success().then_some(bin)
}
