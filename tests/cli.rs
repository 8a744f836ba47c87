//! The command line's error paths and exit statuses.

use std::io::Read;
use std::process::Stdio;

use assert_cmd::prelude::*;
use predicates::prelude::*;

use crate::common::{Procs, kernel, pid_max_plus_one, taskstat, unprivileged};

const NO_SUCH_TASK: i32 = 3;
const PERMISSION_DENIED: i32 = 4;

#[test]
fn bad_ids_are_usage_errors() {
    for bad in ["0", "-1", "abc", "4294967296", "12x", ""] {
        taskstat().args(["pid", bad]).assert().code(2);
        taskstat().args(["tgid", "1", bad]).assert().code(2);
    }
    taskstat()
        .arg("pid")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<ID>"));
    taskstat()
        .args(["pid", "1", "--format", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn help_and_version_need_no_kernel() {
    taskstat()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit status"));
    taskstat()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("taskstat "));
}

#[test]
fn missing_task_is_one_line_and_its_own_exit_code() {
    let Some(_acct) = kernel("missing_task_is_one_line_and_its_own_exit_code") else {
        return;
    };
    let missing = pid_max_plus_one();
    taskstat()
        .args(["pid", &missing])
        .assert()
        .code(NO_SUCH_TASK)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "no such task {missing} in this pid namespace"
        )));
    taskstat()
        .args(["tgid", &missing, "--json"])
        .assert()
        .code(NO_SUCH_TASK)
        .stderr(predicate::str::contains(format!(
            "no such process {missing}"
        )));
}

#[test]
fn found_ids_print_and_missing_ones_set_the_exit_code() {
    let Some(_acct) = kernel("found_ids_print_and_missing_ones_set_the_exit_code") else {
        return;
    };
    let missing = pid_max_plus_one();
    let out = taskstat()
        .args(["pid", "1", &missing, "1", "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(NO_SUCH_TASK));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![1, 1]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("no such task").count(), 1, "{stderr}");
}

#[test]
fn without_cap_net_admin_the_error_says_how_to_fix_it() {
    let Some(_acct) = kernel("without_cap_net_admin_the_error_says_how_to_fix_it") else {
        return;
    };
    let mut cmd = unprivileged(&["--source", "taskstats", "pid", "1"]);
    let out = cmd.output().expect("run setpriv");
    assert_eq!(out.status.code(), Some(PERMISSION_DENIED), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("CAP_NET_ADMIN") && stderr.contains("setcap cap_net_admin+ep"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let out = unprivileged(&["check"]).output().expect("run setpriv");
    assert_eq!(out.status.code(), Some(PERMISSION_DENIED));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL  privileges"), "{stdout}");
    assert!(
        stdout.contains("warn  source") && stdout.contains("procfs"),
        "{stdout}"
    );

    // Commands that need exit records still need the capability.
    for args in [vec!["listen", "--count", "1"], vec!["run", "--", "true"]] {
        let out = unprivileged(&args).output().expect("run setpriv");
        assert_eq!(
            out.status.code(),
            Some(PERMISSION_DENIED),
            "{args:?}: {out:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("CAP_NET_ADMIN"), "{args:?}: {stderr}");
    }
}

#[test]
fn check_reports_each_item() {
    let Some(_acct) = kernel("check_reports_each_item") else {
        return;
    };
    let out = taskstat().args(["check", "--json"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["ok"], true);
    let names: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for n in [
        "taskstats",
        "privileges",
        "delay accounting",
        "struct version",
        "pid namespace",
        "network namespace",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let version = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "struct version")
        .unwrap();
    assert!(
        version["detail"]
            .as_str()
            .unwrap()
            .starts_with("16 (560 bytes)"),
        "{version}"
    );
    // Per-cgroup pressure: ok exactly where a group's file can be read;
    // else a warning that says how to turn PSI on.
    let pressure = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "cgroup pressure")
        .unwrap_or_else(|| panic!("no cgroup pressure check: {v}"));
    let readable = taskstat::host::cgroup::cgroup2_mount()
        .is_some_and(|m| std::fs::read_to_string(m.join("cpu.pressure")).is_ok());
    if readable {
        assert_eq!(pressure["status"], "ok", "{pressure}");
    } else {
        assert_eq!(pressure["status"], "warn", "{pressure}");
        assert!(
            pressure["fix"]
                .as_str()
                .is_some_and(|f| f.contains("psi=1")),
            "{pressure}"
        );
    }
}

#[test]
fn closed_stdout_ends_quietly() {
    let Some(_acct) = kernel("closed_stdout_ends_quietly") else {
        return;
    };
    // 300 table records are far more than a pipe holds, so writes hit EPIPE.
    let mut args = vec!["pid".to_string()];
    args.extend(std::iter::repeat_n("1".to_string(), 300));
    let mut child = taskstat()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// Roff's escapes in the lines clap_mangen writes, as a reader sees them.
fn unroff(line: &str) -> String {
    line.replace("\\-", "-")
        .replace("\\*(Aq", "'")
        .replace("\\(aq", "'")
        .replace("\\(ga", "`")
        .replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "")
        .replace("\\&", "")
        .replace("\\e", "\\")
}

/// Each subcommand's `--help` (and `-h`) starts with the line the README's
/// command list and the man page's section of it give, so that the three
/// cannot drift apart (issue 32: a flattened struct's doc comment had
/// become replay's and dump's description).
#[test]
fn help_readme_and_man_page_agree_on_each_command() {
    use clap::CommandFactory as _;
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let man = std::fs::read_to_string(format!("{root}/man/taskstat.1")).expect("man page");
    // The README's command list: the first code block under "## Usage",
    // `taskstat NAME [ARGS]`, two blanks or more, the first line of --help.
    let usage = readme
        .split_once("\n## Usage\n")
        .and_then(|(_, u)| u.split("```").nth(1))
        .expect("a code block under ## Usage in README.md");
    let listed: Vec<(String, String)> = usage
        .lines()
        .filter_map(|l| l.strip_prefix("taskstat "))
        .map(|l| {
            let name = l.split_whitespace().next().unwrap_or_default();
            let about = l.split_once("  ").map_or("", |(_, a)| a.trim());
            (name.to_string(), about.to_string())
        })
        .collect();
    let names: Vec<String> = taskstat::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    assert!(names.len() >= 13, "{names:?}");
    for (name, _) in &listed {
        assert!(
            names.contains(name),
            "README lists `taskstat {name}`, which is no command"
        );
    }
    for name in &names {
        let first_line = |flag: &str| {
            let out = taskstat()
                .args([name.as_str(), flag])
                .output()
                .expect("run");
            assert_eq!(out.status.code(), Some(0), "{name} {flag}: {out:?}");
            let text = String::from_utf8(out.stdout).expect("UTF-8 help");
            text.lines().next().unwrap_or_default().to_string()
        };
        let long = first_line("--help");
        assert_eq!(
            long,
            first_line("-h"),
            "{name}: --help and -h start differently"
        );
        assert!(!long.is_empty() && !long.ends_with('.'), "{name}: {long:?}");
        // The line fits a terminal: the rest of the description is below.
        assert!(
            long.chars().count() <= 75,
            "{name}: a long first line: {long}"
        );
        let in_readme: Vec<&String> = listed
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, a)| a)
            .collect();
        assert_eq!(in_readme, [&long], "{name}: README.md's command list");
        // The man page's section: its first paragraph after the synopsis.
        let heading = format!(".SH \"TASKSTAT {}\"", name.to_uppercase());
        let section = man
            .split_once(&heading)
            .unwrap_or_else(|| panic!("no {heading} in man/taskstat.1"))
            .1;
        let para = section
            .lines()
            .skip_while(|l| *l != ".PP")
            .nth(1)
            .unwrap_or_default();
        assert_eq!(unroff(para), long, "{name}: man/taskstat.1");
    }
}

/// The help says what the tool does (issue 32, section 2).
#[test]
fn help_documents_keys_columns_and_outputs() {
    let help = |args: &[&str]| {
        let out = taskstat().args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        // One line: phrases are found wherever the help wraps them.
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let top = help(&["top", "--help"]);
    for key in [
        "r c i m n s d w p sort",
        "H threads",
        "o only",
        "a totals",
        "q quits",
    ] {
        assert!(top.contains(key), "top --help lacks {key:?}:\n{top}");
    }
    for column in [
        "CPU%", "RUNQ%", "IO%", "MEM%", "IRQ%", "CSW/s", "READ/s", "WRITE/s",
    ] {
        assert!(top.contains(column), "top --help lacks {column}:\n{top}");
    }
    assert!(top.contains("pass 100%"), "{top}");
    let replay = help(&["replay", "--help"]);
    assert!(!replay.contains("Filters over stored"), "{replay}");
    for key in ["Right or t", "Left or T", "g go", "o only", "q or Esc"] {
        assert!(
            replay.contains(key),
            "replay --help lacks {key:?}:\n{replay}"
        );
    }
    let dump = help(&["dump", "--help"]);
    assert!(dump.contains("(unknown)"), "{dump}");
    let tgid = help(&["tgid", "--help"]);
    assert!(!tgid.contains("I/O and memory are null"), "{tgid}");
    assert!(tgid.contains("fills it in"), "{tgid}");
    let cgroup = help(&["cgroup-fd", "--help"]);
    assert!(cgroup.contains("one object"), "{cgroup}");
    let man = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/taskstat.1"))
        .expect("man page");
    for needle in [
        ".SH \"TOP COLUMNS\"",
        ".SH NOTES",
        "(unknown)",
        "Shares above 100%",
    ] {
        assert!(man.contains(needle), "man page lacks {needle}");
    }
}

/// A typo of a subcommand gets the nearest name, also where clap's own
/// similarity misses it (a swapped pair of letters in a short name).
#[test]
fn unknown_subcommand_suggests_the_nearest() {
    for (typo, meant) in [("tpo", "top"), ("lisen", "listen"), ("tgdi", "tgid")] {
        taskstat()
            .arg(typo)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "similar subcommand exists: '{meant}'"
            )));
    }
    taskstat()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("similar").not());
}

/// An error's causes are printed once each, on one line.
#[test]
fn errors_print_each_cause_once() {
    // record registers for exit records before it opens its store: without
    // CAP_NET_ADMIN (a package build) it stops at that instead.
    let Some(_acct) = kernel("errors_print_each_cause_once") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("taskstat-cause-{}", std::process::id()));
    std::fs::write(&dir, b"a file, not a directory").expect("write");
    let store = dir.join("store");
    let out = taskstat()
        .args(["record", "--dir"])
        .arg(&store)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&dir);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stderr.matches("Not a directory").count(), 1, "{stderr}");
}

/// json, ndjson and csv reports of `run` never go to stderr, where the
/// command's own messages would break them: without -o they are a usage
/// error before the command starts; with -o - they go to stdout and parse.
#[test]
fn run_machine_formats_need_an_output_and_parse() {
    let marker = std::env::temp_dir().join(format!("taskstat-ran-{}", std::process::id()));
    for format in ["json", "ndjson", "csv"] {
        let out = taskstat()
            .args(["run", "-f", format, "--", "touch"])
            .arg(&marker)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{format}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("-o FILE"), "{stderr}");
        assert!(!marker.exists(), "{format}: the command ran");
    }
    let Some(_acct) = kernel("run_machine_formats_need_an_output_and_parse") else {
        return;
    };
    let out = taskstat()
        .args([
            "run",
            "--json",
            "-o",
            "-",
            "--",
            "sh",
            "-c",
            "echo noise >&2",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let own: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("taskstat: warning"))
        .collect();
    assert_eq!(own, ["noise"], "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v[0]["comm"], "sh", "{v}");
    // -o FILE: the command's stdout and stderr both stay its own.
    let file = std::env::temp_dir().join(format!("taskstat-run-{}.json", std::process::id()));
    let out = taskstat()
        .args(["run", "--json", "-o"])
        .arg(&file)
        .args(["--", "sh", "-c", "echo out; echo err >&2"])
        .output()
        .expect("run");
    let report = std::fs::read(&file);
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(out.stdout, b"out\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).ends_with("err\n"),
        "{out:?}"
    );
    let v: serde_json::Value = serde_json::from_slice(&report.expect("the report")).expect("JSON");
    assert_eq!(v[1]["type"], "total", "{v}");
    // The text summary keeps time(1)'s habit: stderr.
    let out = taskstat()
        .args(["run", "--", "true"])
        .output()
        .expect("run");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("taskstat run: true"), "{stderr}");
}

/// `serve --listen` takes a host name, as node_exporter does, and refuses
/// one that does not resolve with a usage error that says so.
#[test]
fn serve_listens_on_a_host_name() {
    taskstat()
        .args(["serve", "--listen", "no-such-host.invalid:9465"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot resolve host \"no-such-host.invalid\"",
        ));
    taskstat()
        .args(["serve", "--listen", "localhost"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("HOST:PORT"));
    let Some(_acct) = kernel("serve_listens_on_a_host_name") else {
        return;
    };
    // Port 0: the kernel picks a free one, and serve says which.
    let mut serve = Procs::one(
        taskstat()
            .args(["serve", "--listen", "localhost:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve"),
    );
    let stderr = serve.0[0].stderr.take().expect("stderr");
    let mut serving = String::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
        let line = line.expect("read stderr");
        if line.contains("serving http://") {
            serving = line;
            break;
        }
    }
    let addr = serving
        .split("http://")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .unwrap_or_default()
        .to_string();
    let answer = (|| -> std::io::Result<String> {
        use std::io::Write as _;
        let mut s = std::net::TcpStream::connect(&addr)?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
        s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut text = String::new();
        s.read_to_string(&mut text)?;
        Ok(text)
    })();
    drop(serve);
    assert!(addr.starts_with("127.0.0.1:"), "{serving}");
    let answer = answer.expect("an answer from serve");
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    assert!(answer.contains("taskstat_build_info"), "{answer}");
}

/// Notes after a table are one line each; what they mean in full is in
/// the man page (issue 32: a 540-character note followed every tgid table).
#[test]
fn table_notes_are_one_line_each() {
    let Some(_acct) = kernel("table_notes_are_one_line_each") else {
        return;
    };
    let me = std::process::id().to_string();
    for args in [
        vec!["tgid", &me],
        vec!["pid", &me],
        vec!["tgid", "1"],
        vec!["--source", "procfs", "tgid", &me],
    ] {
        let out = taskstat().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let notes: Vec<&str> = text.lines().filter(|l| l.starts_with("note: ")).collect();
        assert!(
            !notes.is_empty() || args[0] == "pid",
            "{args:?}: no notes in\n{text}"
        );
        for n in notes {
            assert!(
                n.chars().count() <= 100,
                "{args:?}: {} characters: {n}",
                n.chars().count()
            );
        }
    }
}

/// The stream layout (threads, listen, decode) pads a name by its display
/// width: a CJK name does not shift the columns after it.
#[test]
fn threads_table_pads_wide_names_by_display_width() {
    let Some(_acct) = kernel("threads_table_pads_wide_names_by_display_width") else {
        return;
    };
    // 工作者线程: five CJK characters, 15 bytes (comm's most), ten columns.
    let w = crate::common::Workload::start(&["named-bytes", "e5b7a5e4bd9ce88085e7babfe7a88b"]);
    let out = taskstat()
        .args(["threads", &w.pid().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let uid_at = header.find("UID").expect("a UID column");
    let mut rows = 0;
    for row in lines.filter(|l| l.contains("工作者线程")) {
        // The uid column starts where the header's does, in display columns.
        let uid = row
            .char_indices()
            .map(|(i, _)| i)
            .find(|&i| unicode_width::UnicodeWidthStr::width(&row[..i]) == uid_at)
            .unwrap_or_else(|| panic!("no character at column {uid_at}:\n{header}\n{row}"));
        assert!(
            row[uid..].starts_with(|c: char| c.is_ascii_digit()),
            "the uid is not at column {uid_at}:\n{header}\n{row}"
        );
        assert!(row[..uid].ends_with("  "), "{header}\n{row}");
        rows += 1;
    }
    assert!(rows >= 2, "the process and its thread rows:\n{text}");
}

/// `top -b` says before each table when it was taken, how many rows and
/// over what time, as procps top's header (the /proc source needs no
/// privilege); `--json` has each refresh's time.
#[test]
fn top_batch_has_a_time_line_per_refresh() {
    let out = taskstat()
        .args([
            "top", "-b", "-n", "2", "-d", "0.2", "--source", "procfs", "--rows", "2",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let tables: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{text}");
    for t in tables {
        let mut lines = t.lines();
        let time = lines.next().expect("a time line");
        // 2026-12-06 08:45:20 · 131 processes · the 0.2 s since 2026-12-06 08:45:19
        let b = time.as_bytes();
        assert!(b.len() > 19 && b[4] == b'-' && b[13] == b':', "{t}");
        assert!(
            time.contains(" processes · the ") && time.contains(" s since "),
            "{t}"
        );
        assert!(
            lines
                .next()
                .expect("a header")
                .trim_start()
                .starts_with("PID"),
            "{t}"
        );
    }
    let out = taskstat()
        .args([
            "top", "-b", "-n", "1", "-d", "0.2", "--source", "procfs", "--json",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let time = v[0]["time"].as_str().expect("a time");
    assert!(time.parse::<jiff::Timestamp>().is_ok(), "{time}");
}
