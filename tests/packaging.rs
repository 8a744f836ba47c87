//! What a packager relies on: fresh generated docs, completions that
//! complete, and `make install` / `make uninstall` layouts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::example;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn man_page_and_completions_are_fresh() {
    let out = Command::new(example("generate"))
        .arg("--check")
        .output()
        .expect("run examples/generate");
    assert!(
        out.status.success(),
        "{}regenerate with `cargo run --example generate` (or `make docs`)",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn man_page_renders_every_subcommand_exit_status_and_schema() {
    let test = "man_page_renders_every_subcommand_exit_status_and_schema";
    if !crate::common::have(test, "groff", "groff-base") {
        return;
    }
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-P", "-cbou"])
        .arg(root().join("man/taskstat.1"))
        .output()
        .expect("groff");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in [
        "TASKSTAT PID",
        "TASKSTAT TGID",
        "TASKSTAT CHECK",
        "EXIT STATUS",
        "JSON RECORD SCHEMA",
        "ENVIRONMENT",
        "EXAMPLES",
    ] {
        assert!(text.contains(heading), "{heading} missing");
    }
    for (code, _) in taskstat::exit::TABLE {
        assert!(
            text.contains(&format!("\n       {code}      ")),
            "exit status {code} missing"
        );
    }
    for d in taskstat::model::schema::SCHEMA_DOC {
        assert!(text.contains(d.key), "schema key {} missing", d.key);
    }
    // Every subcommand's every long option is documented.
    use clap::CommandFactory;
    for sub in taskstat::cli::Cli::command().get_subcommands() {
        for arg in sub.get_arguments() {
            if let Some(long) = arg.get_long() {
                assert!(
                    text.contains(&format!("--{long}")),
                    "{} --{long}",
                    sub.get_name()
                );
            }
        }
    }
}

fn complete(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let script = format!(
        "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _taskstat taskstat '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        root().join("completions/taskstat.bash").display(),
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &script])
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_formats() {
    let subs = complete("taskstat ");
    for s in ["pid", "tgid", "check"] {
        assert!(subs.contains(&s.to_string()), "{s} not in {subs:?}");
    }
    let formats = complete("taskstat pid --format ");
    for f in ["table", "json", "ndjson", "csv", "getdelays"] {
        assert!(formats.contains(&f.to_string()), "{f} not in {formats:?}");
    }
    assert_eq!(complete("taskstat tg"), vec!["tgid".to_string()]);
    // -u takes user names, from the system's user database.
    for line in ["taskstat top -u ro", "taskstat listen --user ro"] {
        assert!(complete(line).contains(&"root".to_string()), "{line}");
    }
}

#[test]
fn make_install_and_uninstall_honour_destdir_and_prefix() {
    let stage = tempdir("stage");
    let make = |target: &str| {
        let out = Command::new("make")
            .current_dir(root())
            .args([target, "PREFIX=/usr"])
            .arg(format!("DESTDIR={}", stage.display()))
            // The binary cargo test already built: no release build in the test suite.
            .arg(format!("BIN={}", env!("CARGO_BIN_EXE_taskstat")))
            .output()
            .expect("run make (apt-get install make)");
        assert!(
            out.status.success(),
            "make {target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    make("install");
    let files = [
        "usr/bin/taskstat",
        "usr/share/man/man1/taskstat.1",
        "usr/share/bash-completion/completions/taskstat",
        "usr/share/zsh/site-functions/_taskstat",
        "usr/share/fish/vendor_completions.d/taskstat.fish",
        "usr/lib/systemd/system/taskstat-serve.service",
        "usr/lib/systemd/system/taskstat-record.service",
    ];
    for f in files {
        assert!(stage.join(f).is_file(), "{f} not installed");
    }
    // The unit runs the installed binary, with only the capabilities it needs.
    let unit = std::fs::read_to_string(stage.join("usr/lib/systemd/system/taskstat-serve.service"))
        .expect("the unit");
    assert!(unit.contains("ExecStart=/usr/bin/taskstat serve"), "{unit}");
    assert!(!unit.contains("@BINDIR@"));
    assert!(
        unit.contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE"),
        "{unit}"
    );
    // The recorder: CAP_NET_ADMIN alone, a read-only system, the store writable.
    let unit =
        std::fs::read_to_string(stage.join("usr/lib/systemd/system/taskstat-record.service"))
            .expect("the recorder's unit");
    assert!(
        unit.contains("ExecStart=/usr/bin/taskstat record"),
        "{unit}"
    );
    assert!(!unit.contains("@BINDIR@"));
    assert!(
        unit.contains("CapabilityBoundingSet=CAP_NET_ADMIN\n"),
        "{unit}"
    );
    assert!(unit.contains("ProtectSystem=strict") && unit.contains("LogsDirectory=taskstat"));
    assert!(unit.contains("--dir /var/log/taskstat"), "{unit}");
    let installed = stage.join("usr/bin/taskstat");
    let v = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("run the installed binary");
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("taskstat "));
    make("uninstall");
    for f in files {
        assert!(!stage.join(f).exists(), "{f} left behind");
    }
    let _ = std::fs::remove_dir_all(&stage);
}

/// `make` from the source tree with `CARGO_TARGET_DIR` set, as distribution
/// packagers run it; fails the test unless make succeeds.
fn make_with_target_dir(target_dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("make")
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir)
        // BIN comes from the Makefile, not from whoever runs the tests.
        .env_remove("BIN")
        .args(args)
        .output()
        .expect("run make (apt-get install make)");
    assert!(
        out.status.success(),
        "make {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn make_install_honours_cargo_target_dir() {
    let target_dir = tempdir("cargo-target-dir");
    let stage = tempdir("stage-cargo-target-dir");
    let destdir = format!("DESTDIR={}", stage.display());
    let installed = stage.join("usr/bin/taskstat");
    // Dry runs, with nothing built yet: install builds with cargo (which puts
    // its output in CARGO_TARGET_DIR) and installs the binary from there, not
    // from target/.
    {
        let bin = target_dir.join("release/taskstat");
        let args = vec!["-n", "install", "PREFIX=/usr", destdir.as_str()];
        let out = make_with_target_dir(&target_dir, &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(" build --release --locked"),
            "make {args:?} does not build the missing binary:\n{stdout}"
        );
        let line = stdout
            .lines()
            .find(|l| l.ends_with(&format!(" {}", installed.display())))
            .unwrap_or_else(|| panic!("make {args:?} does not install the binary:\n{stdout}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            words[words.len() - 2],
            bin.display().to_string(),
            "make {args:?} installs from the wrong place:\n{stdout}"
        );
        assert!(
            !stdout.contains(" target/"),
            "make {args:?} still uses ./target:\n{stdout}"
        );
    }

    // A real install. A second release build here would add a minute or two
    // to the test suite, so the binary `cargo test` already built is copied to
    // where `cargo build --release` would leave it: the `install: $(BIN)` rule
    // then finds it and builds nothing. The dry runs above prove the build
    // goes to, and the install is taken from, CARGO_TARGET_DIR; this proves
    // the real install copies that very file.
    let built = target_dir.join("release/taskstat");
    std::fs::create_dir_all(built.parent().expect("release/")).expect("create release/");
    std::fs::copy(env!("CARGO_BIN_EXE_taskstat"), &built)
        .expect("copy the test build into CARGO_TARGET_DIR");
    let out = make_with_target_dir(&target_dir, &["install", "PREFIX=/usr", &destdir]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(" build "),
        "make install rebuilt instead of installing {}:\n{stdout}",
        built.display()
    );
    let same = std::fs::read(&installed).expect("read the installed binary")
        == std::fs::read(&built).expect("read the binary in CARGO_TARGET_DIR");
    assert!(same, "{} is not {}", installed.display(), built.display());
    let v = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("run the installed binary");
    assert!(
        v.status.success() && String::from_utf8_lossy(&v.stdout).starts_with("taskstat "),
        "{}: --version: {}",
        installed.display(),
        String::from_utf8_lossy(&v.stderr)
    );
    let _ = std::fs::remove_dir_all(&stage);
    let _ = std::fs::remove_dir_all(&target_dir);
}

/// A fresh folder for one test: tests run in parallel threads of one
/// process, so each names its own.
fn tempdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the staging folder");
    dir
}

/// The scrape configuration and alert rules in contrib/ are what promtool
/// accepts (Debian's prometheus package, installed by .ci/run).
#[test]
fn contrib_prometheus_config_and_rules_check() {
    if !crate::common::have(
        "contrib_prometheus_config_and_rules_check",
        "promtool",
        "prometheus",
    ) {
        return;
    }
    for args in [
        vec!["check", "config", "contrib/prometheus.yml"],
        vec!["check", "rules", "contrib/taskstat-alerts.yml"],
        vec!["check", "rules", "contrib/taskstat-histograms.yml"],
    ] {
        let out = Command::new("promtool")
            .current_dir(root())
            .args(&args)
            .output()
            .expect("promtool (apt-get install prometheus)");
        assert!(out.status.success(), "promtool {args:?}: {out:?}");
    }
}

/// A format is known in render/ alone: commands ask the renderer what a
/// format needs instead of naming one (the CLI's definition of the option
/// aside).
#[test]
fn no_file_outside_render_names_an_output_format() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("read src/") {
            let p = e.expect("dir entry").path();
            if p.ends_with("render") || p.ends_with("cli.rs") {
                continue;
            }
            if p.is_dir() {
                walk(&p, found);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("read source");
                for (i, line) in text.lines().enumerate() {
                    if line.contains("Format::") {
                        found.push(format!("{}:{}: {line}", p.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(&root().join("src"), &mut found);
    assert!(
        found.is_empty(),
        "formats named outside src/render/:\n{}",
        found.join("\n")
    );
}
