//! What a packager relies on: fresh generated docs, completions that
//! complete, and `make install` / `make uninstall` layouts.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::example;

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
    let Ok(out) = Command::new("groff")
        .args(["-man", "-Tutf8", "-P", "-cbou"])
        .arg(root().join("man/taskstat.1"))
        .output()
    else {
        panic!("groff is needed to render the man page (apt-get install groff-base)");
    };
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
    for d in taskstat::record::SCHEMA_DOC {
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
}

#[test]
fn make_install_and_uninstall_honour_destdir_and_prefix() {
    let stage = tempdir();
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
    ];
    for f in files {
        assert!(stage.join(f).is_file(), "{f} not installed");
    }
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

fn tempdir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("stage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the staging folder");
    dir
}
