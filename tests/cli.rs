//! The command line's error paths and exit statuses.

use std::io::Read;
use std::process::Stdio;

use assert_cmd::prelude::*;
use predicates::prelude::*;

use crate::util::{kernel, pid_max_plus_one, taskstat, unprivileged};

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
