//! `taskstat cgroup-fd` against real cgroups: one in a v1 hierarchy, one in
//! the cgroup2 tree, the same known tasks in both.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use assert_cmd::prelude::*;
use predicates::prelude::*;
use serde_json::Value;

use crate::common::{
    Group2, Procs, Workload, json, kernel, taskstat, u64_at, unprivileged, wait_until,
};

fn wait_state(pid: u32, want: char) {
    wait_until(
        Duration::from_secs(2),
        &format!("{pid} in state {want}"),
        || taskstat::host::procfs::Stat::read(pid).map(|s| s.state) == Some(want),
    );
}

const V1: &str = "/sys/fs/cgroup/cpu";

fn counts(v: &Value) -> [u64; 5] {
    [
        "sleeping",
        "running",
        "stopped",
        "uninterruptible",
        "io_wait",
    ]
    .map(|k| u64_at(v, &[k]))
}

#[test]
fn v1_and_cgroup2_counts_agree_with_the_kernel() {
    let Some(_acct) = kernel("v1_and_cgroup2_counts_agree_with_the_kernel") else {
        return;
    };
    let (Some(v1), Some(v2)) = (Group2::new_in(V1, "counts"), Group2::new("counts")) else {
        return;
    };
    let spawn = |cmd: &str| {
        Command::new("sh")
            .args(["-c", cmd])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // Three sleepers blocked reading a pipe (plain TASK_INTERRUPTIBLE), one in
    // nanosleep (freezable: the kernel does not count it), one stopped, one busy.
    let mut tasks = Procs(Vec::new());
    for _ in 0..3 {
        tasks.0.push(spawn("exec cat"));
    }
    tasks.0.push(spawn("exec sleep 600"));
    tasks.0.push(spawn("exec sleep 601"));
    tasks.0.push(spawn("while :; do :; done"));
    let pids = tasks.pids();
    for &p in &pids {
        v1.add(p);
        v2.add(p);
    }
    tasks.signal(4, libc::SIGSTOP);
    for &p in &pids[..4] {
        wait_state(p, 'S');
    }
    wait_state(pids[4], 'T');

    let k = json(&["cgroup-fd", v1.dir_str(), "--json"]);
    assert_eq!(k["source"], "kernel");
    assert_eq!(k["type"], "cgroup");
    assert_eq!(k["path"], v1.dir_str());
    let p = json(&["cgroup-fd", v2.dir_str(), "--json"]);
    assert_eq!(p["source"], "procfs");
    // The busy loop may be between time slices: running means runnable (R).
    assert_eq!(counts(&k), [3, 1, 1, 0, 0], "kernel: {k}");
    assert_eq!(counts(&p), counts(&k), "procfs: {p}");

    // getdelays -C's line, from both sources.
    for dir in [v1.dir_str(), v2.dir_str()] {
        taskstat()
            .args(["cgroup-fd", dir, "-f", "getdelays"])
            .assert()
            .success()
            .stdout("sleeping 3, blocked 0, running 1, stopped 1, uninterruptible 0\n");
    }
    // The same through a descriptor the caller holds.
    let script = format!(
        "exec {} cgroup-fd --fd 3 --json 3<{}",
        env!("CARGO_BIN_EXE_taskstat"),
        v1.dir_str()
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let via_fd: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(counts(&via_fd), counts(&k));
}

#[test]
fn totals_are_the_sum_of_the_members_records() {
    let Some(_acct) = kernel("totals_are_the_sum_of_the_members_records") else {
        return;
    };
    let Some(cg) = Group2::new("totals") else {
        return;
    };
    let Some(sub) = cg.child("child") else {
        return;
    };
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cg-totals-{}.dat", std::process::id()));
    let a = Workload::start(&["threads", "2", "40"]);
    let b = Workload::start(&["write", "1048576", path.to_str().unwrap()]);
    cg.add(a.pid());
    sub.add(b.pid());

    let direct = json(&["cgroup-fd", cg.dir_str(), "--totals", "--json"]);
    let all = json(&[
        "cgroup-fd",
        cg.dir_str(),
        "--totals",
        "--recursive",
        "--json",
    ]);
    assert_eq!(u64_at(&direct, &["processes"]), 1);
    assert_eq!(u64_at(&all, &["processes"]), 2);

    let groups: Vec<Value> = [a.pid(), b.pid()]
        .iter()
        .map(|p| json(&["tgid", &p.to_string(), "--json"])[0].clone())
        .collect();
    let mut threads = Vec::new();
    for w in [&a, &b] {
        let tids: Vec<String> = w.threads().iter().map(u32::to_string).collect();
        let mut args = vec!["pid", "--json"];
        args.extend(tids.iter().map(String::as_str));
        threads.extend(json(&args).as_array().unwrap().clone());
    }
    let t = &all["totals"];
    for p in [
        ["cpu", "run_virtual_ns"],
        ["cpu", "user_us"],
        ["context_switches", "voluntary"],
    ] {
        let sum: u64 = groups.iter().map(|g| u64_at(g, &p)).sum();
        assert_eq!(u64_at(t, &p), sum, "{p:?}");
    }
    let sum: u64 = groups
        .iter()
        .map(|g| u64_at(g, &["delays", "cpu", "total_ns"]))
        .sum();
    assert_eq!(u64_at(t, &["delays", "cpu", "total_ns"]), sum);
    // I/O and faults are each process's whole (from /proc): the sum of the
    // process records, and, with no thread exited, of the thread records
    // (whose syscall bytes the kernel rounds down to KiB).
    for p in [
        ["io", "write_bytes"],
        ["io", "read_chars"],
        ["memory", "minor_faults"],
    ] {
        let sum: u64 = groups.iter().map(|r| u64_at(r, &p)).sum();
        assert_eq!(u64_at(t, &p), sum, "{p:?}");
        let of_threads: u64 = threads.iter().map(|r| u64_at(r, &p)).sum();
        assert!(
            (of_threads..of_threads + 2 * 1024).contains(&sum),
            "{p:?}: {sum} against the threads' {of_threads}"
        );
    }
    assert!(u64_at(t, &["io", "write_bytes"]) >= 1_048_576);
    // Peaks: each process's once (its threads share one address space), as
    // its process record gives it (VmHWM).
    let peak: u64 = groups
        .iter()
        .map(|g| u64_at(g, &["memory", "hiwater_rss_kib"]))
        .sum();
    assert_eq!(u64_at(t, &["memory", "hiwater_rss_kib"]), peak);
    assert!(t["delays"]["cpu"]["max_ns"].is_null());

    let _ = std::fs::remove_file(path);
}

#[test]
fn cgroup_errors_are_clear_and_never_hang() {
    taskstat()
        .args(["cgroup-fd", "/nonexistent/cgroup"])
        .assert()
        .code(1)
        .stderr("taskstat: /nonexistent/cgroup: no such file or directory\n");
    taskstat()
        .args(["cgroup-fd", "/proc/self/status"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a directory"));
    taskstat()
        .args(["cgroup-fd", env!("CARGO_TARGET_TMPDIR")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not a cgroup directory"));
    taskstat()
        .args(["cgroup-fd", "--fd", "97"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("file descriptor 97 is not open"));
    taskstat().args(["cgroup-fd"]).assert().code(2);
    taskstat()
        .args(["cgroup-fd", V1, "--fd", "3"])
        .assert()
        .code(2);
    taskstat()
        .args(["cgroup-fd", V1, "--recursive"])
        .assert()
        .code(2);
}

#[test]
fn o_path_descriptor_gets_an_answer_not_a_hang() {
    let Some(_acct) = kernel("o_path_descriptor_gets_an_answer_not_a_hang") else {
        return;
    };
    // The kernel sends nothing for an O_PATH fd; the ACK ends the wait.
    let script = format!(
        "python3 -c 'import os,sys; fd=os.open(\"{V1}\", os.O_PATH); os.dup2(fd, 5); os.execv(sys.argv[1], sys.argv[1:])' {} cgroup-fd --fd 5",
        env!("CARGO_BIN_EXE_taskstat")
    );
    let start = std::time::Instant::now();
    let out = Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("run");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("opened with O_PATH"),
        "{out:?}"
    );
}

#[test]
fn unreadable_cgroup_directory_is_permission_denied() {
    let Some(_acct) = kernel("unreadable_cgroup_directory_is_permission_denied") else {
        return;
    };
    let Some(cg) = Group2::new_in(V1, "perm") else {
        return;
    };
    std::fs::set_permissions(&cg.dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let out = unprivileged(&["cgroup-fd", cg.dir_str()])
        .output()
        .expect("run setpriv");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("permission denied"), "{err}");
    // cgroupstats itself needs no privilege.
    let out = unprivileged(&["cgroup-fd", V1, "-f", "getdelays"])
        .output()
        .expect("run setpriv");
    assert!(out.status.success(), "{out:?}");
}
