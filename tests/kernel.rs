//! Against the running kernel: workloads with known effects, and the figures
//! the kernel reports for them.

use serde_json::Value;

use crate::common::{
    Acct, Procs, Workload, json, kernel, kernel_with, taskstat, u64_at, wait_until,
};

fn one(v: Value) -> Value {
    let arr = v.as_array().expect("a JSON array");
    assert_eq!(arr.len(), 1, "{v}");
    arr[0].clone()
}

#[test]
fn burning_cpu_shows_as_cpu_time() {
    let Some(_acct) = kernel("burning_cpu_shows_as_cpu_time") else {
        return;
    };
    let w = Workload::start(&["burn", "300"]);
    let pid = w.pid().to_string();
    let r = one(json(&["pid", &pid, "--json"]));
    assert_eq!(r["type"], "pid");
    assert_eq!(r["comm"], "workload");
    assert_eq!(u64_at(&r, &["pid"]), w.pid() as u64);
    assert_eq!(u64_at(&r, &["tgid"]), w.pid() as u64);
    assert_eq!(u64_at(&r, &["version"]), 16);
    // 300 ms of thread CPU time: the scheduler's runtime is exact. utime and
    // stime are raw tick samples (taskstats does not scale them as /proc
    // does), and on a loaded machine a tick often finds another task running,
    // so they are only bounded: their sum is run_real, the burn is charged
    // to user time, and no more is charged than the time the task lived.
    let run = u64_at(&r, &["cpu", "run_virtual_ns"]);
    assert!(run >= 300_000_000, "{r}");
    let user = u64_at(&r, &["cpu", "user_us"]);
    let system = u64_at(&r, &["cpu", "system_us"]);
    let real_us = u64_at(&r, &["cpu", "run_real_ns"]) / 1000;
    assert!((user + system).abs_diff(real_us) <= 1, "{r}");
    assert!(user > system, "{r}");
    assert!(user + system <= u64_at(&r, &["elapsed_us"]) + 10_000, "{r}");
}

#[test]
fn sleeping_counts_voluntary_switches() {
    let Some(_acct) = kernel("sleeping_counts_voluntary_switches") else {
        return;
    };
    let w = Workload::start(&["sleep", "25", "4"]);
    let r = one(json(&["pid", &w.pid().to_string(), "--json"]));
    let vol = u64_at(&r, &["context_switches", "voluntary"]);
    assert!(vol >= 25, "voluntary {vol}");
    // Sleeping costs almost no CPU.
    assert!(u64_at(&r, &["cpu", "run_virtual_ns"]) < 200_000_000);
}

#[test]
fn write_and_fsync_show_as_write_bytes() {
    let Some(_acct) = kernel_with("write_and_fsync_show_as_write_bytes", Acct::On) else {
        return;
    };
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fsync-test.dat");
    let path = path.to_str().expect("utf-8 path");
    let w = Workload::start(&["write", "4194304", path]);
    let r = one(json(&["pid", &w.pid().to_string(), "--json"]));
    let wb = u64_at(&r, &["io", "write_bytes"]);
    assert!(
        (4_194_304..4_194_304 + 1_048_576).contains(&wb),
        "write_bytes {wb}"
    );
    assert!(u64_at(&r, &["io", "write_chars"]) >= 4_194_304);
    // fsync waited for the device: at least one block I/O delay, unless
    // another test switched delay accounting during that wait and the
    // kernel's figure broke the bound of the task's life (not measured).
    let rejected = crate::common::not_measured(&r, "blkio");
    if !rejected {
        assert!(u64_at(&r, &["delays", "blkio", "count"]) >= 1, "{r}");
        assert!(u64_at(&r, &["delays", "blkio", "total_ns"]) > 0);
    }
    let _ = std::fs::remove_file(path);
}

/// Fields the kernel sums over a thread group (docs/abi.md §2).
const SUMMED: &[&[&str]] = &[
    &["cpu", "run_real_ns"],
    &["cpu", "run_virtual_ns"],
    &["context_switches", "voluntary"],
    &["context_switches", "involuntary"],
    &["cpu", "user_us"],
    &["cpu", "system_us"],
    &["cpu", "run_scaled_ns"],
];

#[test]
fn tgid_record_is_the_sum_of_its_threads() {
    let Some(_acct) = kernel_with("tgid_record_is_the_sum_of_its_threads", Acct::On) else {
        return;
    };
    let w = Workload::start(&["threads", "3", "120"]);
    let tids = w.threads();
    assert_eq!(tids.len(), 4, "main thread + 3 workers");
    let tgid = one(json(&["tgid", &w.pid().to_string(), "--json"]));
    assert_eq!(tgid["type"], "tgid");
    assert_eq!(u64_at(&tgid, &["id"]), w.pid() as u64);
    let tid_args: Vec<String> = tids.iter().map(u32::to_string).collect();
    let mut args = vec!["pid", "--json"];
    args.extend(tid_args.iter().map(String::as_str));
    let threads = json(&args);
    let threads = threads.as_array().expect("array");
    assert_eq!(threads.len(), 4);

    let mut paths: Vec<Vec<&str>> = SUMMED.iter().map(|p| p.to_vec()).collect();
    for cat in [
        "cpu",
        "blkio",
        "swapin",
        "reclaim",
        "thrashing",
        "compact",
        "wpcopy",
        "irq",
    ] {
        paths.push(vec!["delays", cat, "count"]);
        paths.push(vec!["delays", cat, "total_ns"]);
    }
    for p in &paths {
        let sum: u64 = threads.iter().map(|t| u64_at(t, p)).sum();
        assert_eq!(u64_at(&tgid, p), sum, "{p:?}");
    }
    // 3 x 120 ms of CPU in the workers.
    assert!(u64_at(&tgid, &["cpu", "run_virtual_ns"]) >= 360_000_000);
    // What the kernel keeps only per thread is null, not 0; the process's
    // identity and I/O come from the leader and /proc.
    assert!(tgid["cpu"]["user_scaled_us"].is_null() && tgid["memory"]["coremem_mb_us"].is_null());
    assert!(tgid["delays"]["cpu"]["max_ns"].is_null());
    assert_eq!(tgid["comm"], "workload");
    assert!(tgid["io"]["write_bytes"].is_u64());
    assert!(threads[0]["delays"]["cpu"]["max_ns"].is_u64());
}

#[test]
fn two_queries_of_a_stopped_task_are_equal() {
    let Some(_acct) = kernel("two_queries_of_a_stopped_task_are_equal") else {
        return;
    };
    let w = Workload::start(&["threads", "2", "30"]);
    let pid = w.pid().to_string();
    for cmd in ["pid", "tgid"] {
        let strip = |mut v: Value| {
            let mut start = Vec::new();
            for r in v.as_array_mut().expect("array") {
                // Elapsed time keeps running while a task is stopped.
                r["elapsed_us"] = Value::Null;
                r["group_elapsed_us"] = Value::Null;
                // The kernel works the start time out at each query, from
                // the wall clock less the task's age, in whole seconds: two
                // queries either side of a second's end differ by one.
                start.push(r["start_time"].take().as_u64());
            }
            (v, start)
        };
        let (a, start_a) = strip(json(&[cmd, &pid, "--json"]));
        let (b, start_b) = strip(json(&[cmd, &pid, "--json"]));
        assert_eq!(a, b, "{cmd}");
        for (x, y) in start_a.iter().zip(&start_b) {
            let (Some(x), Some(y)) = (x, y) else {
                panic!("{cmd}: start_time missing: {start_a:?} {start_b:?}");
            };
            assert!(x.abs_diff(*y) <= 1, "{cmd}: start_time {x} then {y}");
        }
    }
}

#[test]
fn formats_agree_on_the_same_stopped_task() {
    let Some(_acct) = kernel("formats_agree_on_the_same_stopped_task") else {
        return;
    };
    let w = Workload::start(&["sleep", "3", "1"]);
    let pid = w.pid().to_string();
    let j = one(json(&["pid", &pid, "--json"]));
    let nd = crate::common::taskstat()
        .args(["pid", &pid, "-f", "ndjson"])
        .output()
        .expect("run");
    let nd: Value = serde_json::from_slice(&nd.stdout).expect("one ndjson line");
    let mask = |mut v: Value| {
        v["elapsed_us"] = Value::Null;
        v["group_elapsed_us"] = Value::Null;
        // Worked out at each query, in whole seconds (see above).
        let start = v["start_time"].take().as_u64();
        (v, start)
    };
    let ((a, start_a), (b, start_b)) = (mask(j.clone()), mask(nd));
    assert_eq!(a, b);
    assert!(
        start_a
            .zip(start_b)
            .is_some_and(|(x, y)| x.abs_diff(y) <= 1),
        "start_time {start_a:?} then {start_b:?}"
    );

    let csv = crate::common::taskstat()
        .args(["pid", &pid, "-f", "csv"])
        .output()
        .expect("run");
    // Notes hold commas: a real CSV reader, not a split.
    let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(header.len(), row.len());
    let col = |name: &str| &row[header.iter().position(|h| h == name).expect(name)];
    assert_eq!(
        col("context_switches.voluntary"),
        j["context_switches"]["voluntary"].to_string()
    );
    assert_eq!(
        col("delays.cpu.count"),
        j["delays"]["cpu"]["count"].to_string()
    );
    assert_eq!(col("comm"), "workload");

    let gd = crate::common::taskstat()
        .args(["pid", &pid, "-f", "getdelays", "-q"])
        .output()
        .expect("run");
    let expected = format!(
        "\n\nTask   {:>15}{:>15}\n       {:>15}{:>15}\n",
        "voluntary",
        "nonvoluntary",
        u64_at(&j, &["context_switches", "voluntary"]),
        u64_at(&j, &["context_switches", "involuntary"])
    );
    assert_eq!(String::from_utf8_lossy(&gd.stdout), expected);
}

#[test]
fn threads_prints_the_process_and_each_thread() {
    let Some(_acct) = kernel("threads_prints_the_process_and_each_thread") else {
        return;
    };
    let w = Workload::start(&["threads", "3", "30"]);
    let v = json(&[
        "threads",
        &w.pid().to_string(),
        "--json",
        "--sort",
        "cpu-time",
    ]);
    let recs = v.as_array().expect("array");
    assert_eq!(recs.len(), 5);
    assert_eq!(recs[0]["type"], "tgid");
    assert_eq!(u64_at(&recs[0], &["id"]), w.pid() as u64);
    let mut tids: Vec<u64> = recs[1..].iter().map(|r| u64_at(r, &["id"])).collect();
    let cpu: Vec<u64> = recs[1..]
        .iter()
        .map(|r| u64_at(r, &["cpu", "run_virtual_ns"]))
        .collect();
    assert!(
        cpu.windows(2).all(|w| w[0] >= w[1]),
        "sorted by CPU time: {cpu:?}"
    );
    tids.sort();
    let expected: Vec<u64> = w.threads().iter().map(|t| u64::from(*t)).collect();
    assert_eq!(tids, expected);
    for r in &recs[1..] {
        assert_eq!(r["type"], "pid");
        assert_eq!(u64_at(r, &["tgid"]), w.pid() as u64);
    }
}

/// What taskstat says of delay accounting, run once with it off and once on.
fn query_under(acct: Acct) -> Option<(Value, String, Value)> {
    let _g = kernel_with("delay_accounting_off_and_on", acct)?;
    // Started while the guard holds, so the task is accounted (or not) throughout.
    let path = tmp_file("acct");
    let w = Workload::start(&["write", "1048576", &path]);
    let out = taskstat()
        .args(["pid", &w.pid().to_string(), "--json"])
        .output()
        .expect("run taskstat");
    assert!(out.status.success(), "{out:?}");
    let rec = one(serde_json::from_slice(&out.stdout).expect("JSON"));
    let check = json(&["check", "--json"]);
    drop(w);
    let _ = std::fs::remove_file(&path);
    Some((
        rec,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        check,
    ))
}

fn tmp_file(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.dat", std::process::id()));
    p.to_str().expect("utf-8 path").to_string()
}

fn check_detail(check: &Value, name: &str) -> String {
    check["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_else(|| panic!("no {name} in {check}"))
        .to_string()
}

#[test]
fn delay_accounting_off_and_on() {
    let Some((rec, stderr, check)) = query_under(Acct::Off) else {
        return;
    };
    // Off: one warning, the categories it switches off are null with a note,
    // and the scheduler's cpu delay is still there.
    assert_eq!(
        stderr.matches("delay accounting is off").count(),
        1,
        "{stderr}"
    );
    assert!(rec["delays"]["blkio"]["count"].is_null(), "{rec}");
    assert!(rec["delays"]["cpu"]["count"].is_u64(), "{rec}");
    assert!(rec["notes"].to_string().contains("task_delayacct"), "{rec}");
    assert!(
        check_detail(&check, "delay accounting").starts_with("off"),
        "{check}"
    );

    let Some((rec, stderr, check)) = query_under(Acct::On) else {
        return;
    };
    assert!(!stderr.contains("delay accounting"), "{stderr}");
    // Measured; or, where the kernel's figure broke the bound of the task's
    // life (delay accounting switched around its wait), not measured, with
    // that note rather than the accounting-off one.
    assert!(
        rec["delays"]["blkio"]["count"].is_u64() || crate::common::not_measured(&rec, "blkio"),
        "{rec}"
    );
    assert!(
        !rec["notes"].to_string().contains("task_delayacct"),
        "{rec}"
    );
    assert!(
        check_detail(&check, "delay accounting").starts_with("on"),
        "{check}"
    );
}

/// A `Key: value` line of a /proc file.
fn proc_field(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k == key).then(|| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {key} in {text}"))
}

#[test]
fn a_process_record_is_the_whole_process_as_proc_sees_it() {
    let Some(_acct) = kernel("a_process_record_is_the_whole_process_as_proc_sees_it") else {
        return;
    };
    let dir = env!("CARGO_TARGET_TMPDIR");
    // Three threads wrote 512 KiB each with fsync, read it back and exited;
    // one thread is left, and the process is stopped.
    let w = Workload::start(&["io-threads", "3", "524288", dir]);
    let pid = w.pid();
    assert_eq!(w.threads().len(), 2, "the main thread and the one left");
    let r = one(json(&["tgid", &pid.to_string(), "--json"]));

    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let after_comm: Vec<&str> = stat
        .rsplit_once(") ")
        .expect("stat")
        .1
        .split_whitespace()
        .collect();
    let stat_field = |n: usize| after_comm[n - 3].parse::<u64>().expect("a number");
    let num = |text: &str, key: &str| -> u64 {
        proc_field(text, key)
            .trim_end_matches("kB")
            .split_whitespace()
            .next()
            .expect("a value")
            .parse()
            .expect("a number")
    };

    assert_eq!(r["type"], "tgid");
    assert_eq!(r["comm"], "workload");
    for k in ["pid", "tgid"] {
        assert_eq!(u64_at(&r, &[k]), u64::from(pid), "{k}");
    }
    assert_eq!(u64_at(&r, &["ppid"]), stat_field(4));
    assert_eq!(u64_at(&r, &["uid"]), num(&status, "Uid"));
    assert_eq!(u64_at(&r, &["gid"]), num(&status, "Gid"));
    for (key, value) in proc_io(&format!("/proc/{pid}/io")) {
        assert_eq!(u64_at(&r, &["io", key]), value, "io.{key}");
    }
    // The exited threads' writes are in it: 3 x 512 KiB.
    assert!(u64_at(&r, &["io", "write_bytes"]) >= 3 * 524_288, "{r}");
    assert!(u64_at(&r, &["io", "write_chars"]) >= 3 * 524_288, "{r}");
    assert_eq!(
        u64_at(&r, &["memory", "hiwater_rss_kib"]),
        num(&status, "VmHWM")
    );
    assert_eq!(
        u64_at(&r, &["memory", "hiwater_vm_kib"]),
        num(&status, "VmPeak")
    );
    assert_eq!(u64_at(&r, &["memory", "minor_faults"]), stat_field(10));
    assert_eq!(u64_at(&r, &["memory", "major_faults"]), stat_field(12));
    assert_eq!(r["sources"]["io"], "/proc/PID/io", "{r}");
    assert_eq!(
        r["sources"]["identity"],
        "taskstats pid record of the leader"
    );
    assert_eq!(r["sources"]["delays"], "taskstats tgid record");

    // The table has a figure wherever /proc has one.
    let out = taskstat()
        .args(["tgid", &pid.to_string()])
        .output()
        .expect("run");
    let table = String::from_utf8_lossy(&out.stdout);
    for label in [
        "pid / tgid / ppid",
        "uid / gid",
        "started",
        "read from storage",
        "written to storage",
        "read (syscall bytes)",
        "write syscalls",
        "peak RSS",
        "peak VM",
        "minor faults",
    ] {
        let line = table
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in\n{table}"));
        assert!(
            !line.split_whitespace().any(|w| w == "-"),
            "{label}: {line}"
        );
    }
    assert!(
        table.starts_with(&format!("TGID {pid} (workload)")),
        "{table}"
    );
}

/// Without CAP_NET_ADMIN, pid and tgid fall back to /proc: the scheduler's
/// own counters equal the kernel's taskstats answer, the block I/O delay
/// is within a clock tick, and what /proc lacks is null and said to be.
#[test]
fn unprivileged_users_get_a_labelled_view_from_proc() {
    let Some(_acct) = kernel_with("unprivileged_users_get_a_labelled_view_from_proc", Acct::On)
    else {
        return;
    };
    let path = tmp_file("unpriv");
    // A root process that waited for block I/O (write + fsync), stopped.
    let w = Workload::start(&["write", "2097152", &path]);
    let pid = w.pid().to_string();
    let tick_ns = 1_000_000_000 / taskstat::host::procfs::clock_ticks();
    for cmd in ["pid", "tgid"] {
        let full = one(json(&[cmd, &pid, "--json"]));
        let out = crate::common::unprivileged(&[cmd, &pid, "--json"])
            .output()
            .expect("run setpriv");
        assert!(out.status.success(), "{cmd}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.matches("partial view from /proc").count(),
            1,
            "{stderr}"
        );
        let part = one(serde_json::from_slice(&out.stdout).expect("JSON"));
        assert_eq!(full["source"], "taskstats");
        assert_eq!(part["source"], "procfs", "{part}");
        assert!(part["version"].is_null());
        for p in [["delays", "cpu", "total_ns"], ["delays", "cpu", "count"]] {
            assert_eq!(u64_at(&part, &p), u64_at(&full, &p), "{cmd} {p:?}");
        }
        assert_eq!(
            u64_at(&part, &["context_switches", "voluntary"]),
            u64_at(&full, &["context_switches", "voluntary"]),
            "{cmd}"
        );
        // Other tests switch delay accounting: a wait that spans a switch
        // comes out longer than the task's life, and taskstats shows it as
        // not measured (its note says so); /proc's ticks hold the same
        // figure, unchecked.
        let rejected = crate::common::not_measured(&full, "blkio");
        if rejected {
            assert!(full["delays"]["blkio"]["total_ns"].is_null(), "{full}");
        } else {
            let (a, b) = (
                u64_at(&part, &["delays", "blkio", "total_ns"]),
                u64_at(&full, &["delays", "blkio", "total_ns"]),
            );
            assert!(b > 0, "the fsync waited: {full}");
            assert!(
                a.abs_diff(b) <= tick_ns,
                "{cmd}: blkio {a} from /proc, {b} from taskstats"
            );
        }
        assert!(part["delays"]["swapin"]["total_ns"].is_null());
        assert!(part["delays"]["blkio"]["count"].is_null());
        assert!(part["delays"]["cpu"]["max_ns"].is_null());
        // Another user's I/O is not readable: null with the reason.
        assert!(part["io"]["write_bytes"].is_null());
        let notes = part["notes"].to_string();
        assert!(
            notes.contains("partial view from /proc") && notes.contains("io is null"),
            "{notes}"
        );
    }
    // threads and top work the same way.
    let out = crate::common::unprivileged(&["threads", &pid, "--json"])
        .output()
        .expect("run setpriv");
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let recs = v.as_array().expect("array");
    assert_eq!(recs.len(), 2, "the process and its one thread");
    assert!(recs.iter().all(|r| r["source"] == "procfs"));
    let out = crate::common::unprivileged(&["top", "-b", "-n", "1", "-d", "0.2", "-p", &pid])
        .output()
        .expect("run setpriv");
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().next() == Some(pid.as_str())),
        "{table}"
    );
    // getdelays' text is the kernel's record: not from /proc.
    let out = crate::common::unprivileged(&["pid", &pid, "-f", "getdelays"])
        .output()
        .expect("run setpriv");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    drop(w);
    let _ = std::fs::remove_file(&path);
}

/// The seven counts of a /proc io file, under the schema's names.
fn proc_io(path: &str) -> Vec<(&'static str, u64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    [
        ("read_bytes", "read_bytes"),
        ("write_bytes", "write_bytes"),
        ("cancelled_write_bytes", "cancelled_write_bytes"),
        ("read_chars", "rchar"),
        ("write_chars", "wchar"),
        ("read_syscalls", "syscr"),
        ("write_syscalls", "syscw"),
    ]
    .into_iter()
    .map(|(key, proc_key)| (key, proc_field(&text, proc_key).parse().expect("a number")))
    .collect()
}

fn notes(r: &Value) -> Vec<String> {
    r["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

const ROUNDED: &str = "the kernel rounds these figures down";

/// `pid` of a running thread: the exact counts of its
/// /proc/PID/task/TID/io (the kernel's record rounds them down to 1024s),
/// and no exit status (the kernel sets one only for an exiting task).
#[test]
fn a_running_thread_has_exact_io_and_no_exit_status() {
    let Some(_acct) = kernel("a_running_thread_has_exact_io_and_no_exit_status") else {
        return;
    };
    let path = tmp_file("reads");
    std::fs::write(&path, "x").expect("the file");
    // 1500 reads: not a multiple of 1024, whatever the start-up adds
    // (checked below, so the test could fail).
    let w = Workload::start(&["reads", "1500", &path]);
    let _ = std::fs::remove_file(&path);
    let pid = w.pid().to_string();
    let r = one(json(&["pid", &pid, "--json"]));
    let exact = proc_io(&format!("/proc/{pid}/task/{pid}/io"));
    for (key, want) in &exact {
        assert_eq!(u64_at(&r, &["io", key]), *want, "io.{key}: {r}");
    }
    let reads = u64_at(&r, &["io", "read_syscalls"]);
    assert!(reads >= 1500 && reads % 1024 != 0, "{reads}");
    assert_eq!(r["sources"]["io"], "/proc/PID/task/TID/io", "{r}");
    assert!(!notes(&r).iter().any(|n| n.contains(ROUNDED)), "{r}");
    assert!(r["exit_code"].is_null(), "{r}");
    assert!(notes(&r).iter().any(|n| n.starts_with("exit_code is null")));
    // The process record's identity comes from the leader's: no exit
    // status either.
    let g = one(json(&["tgid", &pid, "--json"]));
    assert!(g["exit_code"].is_null(), "{g}");
    let table = taskstat().args(["pid", &pid]).output().expect("run");
    let table = String::from_utf8_lossy(&table.stdout);
    let line = table
        .lines()
        .find(|l| l.starts_with("exit status"))
        .unwrap_or_else(|| panic!("no exit status in\n{table}"));
    assert_eq!(line.split_whitespace().last(), Some("-"), "{line}");
}

/// Where the thread's io file cannot be read (another user's task, and no
/// CAP_SYS_PTRACE), the kernel's rounded figures are shown and said to be.
#[test]
fn unreadable_thread_io_is_said_to_be_rounded() {
    let Some(_acct) = kernel("unreadable_thread_io_is_said_to_be_rounded") else {
        return;
    };
    let sleeper = Procs::one(
        std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "sleep",
                "30",
            ])
            .spawn()
            .expect("setpriv"),
    );
    let pid = sleeper.pid(0);
    // setpriv execs sleep in place: wait until the pid is nobody's.
    wait_until(
        std::time::Duration::from_secs(5),
        "sleep to run as 65534",
        || {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:\t65534")))
        },
    );
    // Root without CAP_SYS_PTRACE may query taskstats but not read the io
    // file of another user's task.
    let out = std::process::Command::new("setpriv")
        .args(["--bounding-set", "-sys_ptrace"])
        .arg(env!("CARGO_BIN_EXE_taskstat"))
        .args(["pid", &pid, "--json"])
        .output()
        .expect("run");
    drop(sleeper);
    assert!(out.status.success(), "{out:?}");
    let r = one(serde_json::from_slice(&out.stdout).expect("JSON"));
    assert_eq!(r["sources"]["io"], "taskstats pid record", "{r}");
    assert!(notes(&r).iter().any(|n| n.contains(ROUNDED)), "{r}");
    for key in ["read_chars", "read_syscalls", "read_bytes"] {
        assert_eq!(u64_at(&r, &["io", key]) % 1024, 0, "io.{key}");
    }
}

/// A process that ran and reaped a child which wrote 64 MiB: /proc/PID/io
/// counts them (wait_task_zombie adds the child's I/O to the parent's),
/// its record does not.
#[test]
fn a_process_does_not_own_its_reaped_childs_io() {
    let Some(_acct) = kernel("a_process_does_not_own_its_reaped_childs_io") else {
        return;
    };
    const MIB64: u64 = 64 << 20;
    let path = tmp_file("reaped");
    let w = Workload::start(&["reap-writer", &MIB64.to_string(), &path]);
    let pid = w.pid().to_string();
    let whole: std::collections::HashMap<_, _> =
        proc_io(&format!("/proc/{pid}/io")).into_iter().collect();
    assert!(whole["write_bytes"] >= MIB64, "/proc/PID/io: {whole:?}");
    assert!(whole["write_chars"] >= MIB64, "/proc/PID/io: {whole:?}");
    let r = one(json(&["tgid", &pid, "--json"]));
    for key in ["write_bytes", "write_chars"] {
        assert!(u64_at(&r, &["io", key]) < 1 << 20, "io.{key}: {r}");
    }
    assert_eq!(r["sources"]["io"], "/proc/PID/task/*/io", "{r}");
    assert!(
        notes(&r).iter().any(|n| n.contains("reaped children")),
        "{r}"
    );
    // Its one thread's own file is exactly what the record shows.
    for (key, want) in proc_io(&format!("/proc/{pid}/task/{pid}/io")) {
        assert_eq!(u64_at(&r, &["io", key]), want, "io.{key}");
    }
    // The same from /proc alone (no taskstats).
    let p = one(json(&["tgid", &pid, "--json", "--source", "procfs"]));
    assert!(u64_at(&p, &["io", "write_bytes"]) < 1 << 20, "{p}");
    // threads' process record agrees.
    let t = json(&["threads", &pid, "--json"]);
    assert_eq!(t[0]["type"], "tgid", "{t}");
    assert!(u64_at(&t[0], &["io", "write_bytes"]) < 1 << 20, "{t}");
}

/// `check` says whether whole-process exit records carry the struct version
/// and whether a process's figures keep its exited threads, and says what
/// this kernel does: its version is the one queries carry, and its answer
/// on exited threads is what a process with exited threads shows.
#[test]
fn check_says_what_this_kernel_does_with_exited_threads() {
    let Some(_acct) = kernel("check_says_what_this_kernel_does_with_exited_threads") else {
        return;
    };
    let check = json(&["check", "--json"]);
    let line = |name: &str| -> (String, String) {
        let c = check["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {check}"));
        (
            c["status"].as_str().unwrap_or_default().to_string(),
            c["detail"].as_str().unwrap_or_default().to_string(),
        )
    };
    let me = one(json(&["pid", &std::process::id().to_string(), "--json"]));
    let version = u64_at(&me, &["version"]);
    let (status, detail) = line("exit records");
    assert_eq!(status, "ok", "{detail}");
    assert!(
        detail.ends_with(&format!("carry the struct version ({version})")),
        "{detail}"
    );

    // Two threads that wrote, fsynced and exited, and one that lives.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("exited-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let w = Workload::start(&["io-threads", "2", "65536", &dir.to_string_lossy()]);
    let pid = w.pid().to_string();
    let group = one(json(&["tgid", &pid, "--json"]));
    let live: u64 = std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("its threads")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .map(|tid| {
            u64_at(
                &one(json(&["pid", &tid, "--json"])),
                &["context_switches", "voluntary"],
            )
        })
        .sum();
    let all = u64_at(&group, &["context_switches", "voluntary"]);
    let keeps = all > live;
    let (status, detail) = line("tgid queries");
    assert_eq!(
        status == "ok",
        keeps,
        "check says {status}: {detail}; the process has {all} voluntary switches, its live threads {live}"
    );
    drop(w);
    let _ = std::fs::remove_dir_all(&dir);
}
