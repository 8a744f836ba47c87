//! `taskstat record`, `dump` and `replay` against the real kernel: a real
//! store, real processes, Debian's promtool and tmux. A test binary of its
//! own: the recorder hears every exit on the machine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{
    Procs, example, exit_within, kernel, lines, promtool_backfill, promtool_check, store_dir,
};
use taskstat::model::distribution::CLASSIC_BOUNDS;

static SERIAL: Mutex<()> = Mutex::new(());

fn sleepers(n: usize) -> Procs {
    Procs(
        (0..n)
            .map(|_| {
                Command::new("sleep")
                    .arg("600")
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("start sleep")
            })
            .collect(),
    )
}

fn taskstat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(args)
        .output()
        .expect("run taskstat")
}

fn record(dir: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["record", "--dir"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start taskstat record")
}

fn times(records: &[Value]) -> Vec<String> {
    let mut t: Vec<String> = records
        .iter()
        .map(|r| r["time"].as_str().expect("time").to_string())
        .collect();
    t.dedup();
    t
}

/// The store's files; none before the recorder made the directory.
fn store_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut f: Vec<PathBuf> = entries
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_file())
        .collect();
    f.sort();
    f
}

fn dir_size(dir: &Path) -> u64 {
    store_files(dir)
        .iter()
        .filter_map(|p| p.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// 1,000 sleeping processes and a worker, recorded every second for 20 s;
/// then the dump, its formats, a torn tail, and replay in batch and in a
/// terminal.
#[test]
fn record_dump_and_replay_a_real_history() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("record_dump_and_replay_a_real_history") else {
        return;
    };
    let dir = store_dir("history");
    let dir_arg = dir.display().to_string();
    let _sleepers = sleepers(1000);
    let mut rec = Procs(vec![record(&dir, &["-d", "1"])]);
    std::thread::sleep(Duration::from_millis(2500));
    // A worker that burns 0.4 s of CPU and exits between two samples.
    let worker = Command::new(example("workload"))
        .args(["burn-exit", "400"])
        .status()
        .expect("run the worker");
    assert!(worker.success());
    // Until the store holds 15 samples: 17 s on a quiet machine, longer on
    // a busy one, which may leave the recorder less CPU than sampling 1,000
    // processes a second takes.
    // This test's own process is in every sample: its records count them.
    std::thread::sleep(Duration::from_secs(17));
    let me = std::process::id().to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = taskstat(&["dump", "--dir", &dir_arg, "-p", &me]);
        if out.status.success() && String::from_utf8_lossy(&out.stdout).lines().count() >= 15 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "fewer than 15 samples after 140 s at 1 s: {out:?}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    rec.signal(0, libc::SIGKILL);
    let killed = jiff::Timestamp::now();
    let _ = rec.0[0].wait();

    let out = taskstat(&["dump", "--dir", &dir_arg]);
    assert!(out.status.success(), "{out:?}");
    let recs = lines(&out.stdout);
    let sample_times = times(&recs);
    assert!(sample_times.len() >= 15, "{} samples", sample_times.len());
    let stamps: Vec<jiff::Timestamp> = sample_times
        .iter()
        .map(|t| t.parse().expect("RFC 3339"))
        .collect();
    let gaps: Vec<f64> = stamps
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_secs_f64())
        .collect();
    // Never early: the n-th sample comes n s or more after the first (a
    // busy machine may make one later, and the next one then closer).
    for (n, t) in stamps.iter().enumerate() {
        let after = t.duration_since(stamps[0]).as_secs_f64();
        assert!(
            after >= n as f64 - 0.1,
            "sample {n} came {after} s after the first: every {gaps:?} s"
        );
    }
    let per_sample = recs.len() / sample_times.len();
    assert!(per_sample >= 1000, "{per_sample} processes per sample");
    // The newest sample is at most two intervals old when the recorder
    // dies: two of the longest the recorder took from one sample to the
    // next, which is 1 s unless the machine is too busy for that.
    let newest = *stamps.last().expect("a sample");
    let longest = gaps.iter().copied().fold(1.0, f64::max);
    assert!(
        killed.duration_since(newest).as_secs_f64() <= 2.0 * longest,
        "newest sample {newest}, killed at {killed}; samples came every {gaps:?} s"
    );
    // The worker, with its whole life's CPU.
    let burned: Vec<f64> = recs
        .iter()
        .filter(|r| r["comm"] == "workload" && r["exit_code"] == 0)
        .map(|r| r["cpu"]["run_virtual_ns"].as_f64().unwrap_or(0.0) / 1e9)
        .collect();
    assert!(
        burned.iter().any(|s| (0.38..0.6).contains(s)),
        "the worker's 0.4 s: {burned:?}"
    );

    // --begin narrows.
    let begin = format!(
        "@{}",
        sample_times[8]
            .parse::<jiff::Timestamp>()
            .expect("time")
            .as_second()
    );
    let out = taskstat(&["dump", "--dir", &dir_arg, "--begin", &begin]);
    assert!(out.status.success(), "{out:?}");
    let later = times(&lines(&out.stdout));
    assert!(
        later.len() < sample_times.len() && later.len() >= sample_times.len() - 10,
        "{later:?}"
    );
    assert!(later.iter().all(|t| t.as_str() >= sample_times[7].as_str()));

    // csv: a header, then a row per record; time first.
    let out = taskstat(&["dump", "--dir", &dir_arg, "-f", "csv"]);
    assert!(out.status.success(), "{out:?}");
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let header = reader.headers().expect("a csv header").clone();
    assert_eq!(&header[0], "time");
    assert!(
        header.iter().any(|h| h == "delays.cpu.total_ns"),
        "{header:?}"
    );
    let mut rows = 0;
    for r in reader.records() {
        r.expect("a csv row");
        rows += 1;
    }
    // ndjson also has a line for each sample that lost exits (the exited
    // processes beyond a sample's cap, or dropped by the kernel on a busy
    // machine); csv's columns are a record's, and dump says so on stderr.
    let records = recs.iter().filter(|r| r["type"] != "lost").count();
    assert_eq!(rows, records);

    // OpenMetrics, imported by Prometheus' own tool.
    let om = dir.with_extension("om");
    let out = taskstat(&[
        "dump",
        "--dir",
        &dir_arg,
        "-f",
        "openmetrics",
        "--by",
        "cgroup",
    ]);
    assert!(out.status.success(), "{out:?}");
    std::fs::write(&om, &out.stdout).expect("write the dump");
    let blocks = dir.with_extension("blocks");
    promtool_backfill(&om, &blocks);

    // replay -b -n 3: three sample times, ascending.
    let out = taskstat(&["replay", "--dir", &dir_arg, "-b", "-n", "3"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let stamps: Vec<&str> = text
        .lines()
        .filter(|l| l.len() > 19 && l.as_bytes()[4] == b'-' && l.as_bytes()[13] == b':')
        .map(|l| &l[..19])
        .collect();
    assert_eq!(stamps.len(), 3, "{text}");
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    assert!(text.contains("PID") && text.contains("RUNQ%"), "{text}");

    // In a terminal, Right and Left step between samples.
    let cmd = format!("{} replay --dir {dir_arg}", env!("CARGO_BIN_EXE_taskstat"));
    let tmux = common::Tmux::start("replay", 160, &cmd);
    let total = sample_times.len();
    let s = tmux.screen_with(&format!("sample 2 of {total}"));
    assert!(s.contains(&format!("sample 2 of {total}")), "{s}");
    tmux.keys("Right");
    let s = tmux.screen_with(&format!("sample 3 of {total}"));
    assert!(s.contains(&format!("sample 3 of {total}")), "Right: {s}");
    tmux.keys("Left");
    let s = tmux.screen_with(&format!("sample 2 of {total}"));
    assert!(s.contains(&format!("sample 2 of {total}")), "Left: {s}");
    tmux.keys("q");
    tmux.assert_ends("replay did not quit on q");

    // Random bytes after the newest sample: every complete sample still
    // reads, with one warning, and the dump succeeds.
    let newest_file = store_files(&dir).pop().expect("a store file");
    let junk: Vec<u8> = (0..777u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&newest_file)
        .expect("open");
    std::io::Write::write_all(&mut f, &junk).expect("append junk");
    drop(f);
    let out = taskstat(&["dump", "--dir", &dir_arg]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(times(&lines(&out.stdout)), sample_times);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one warning: {err}");
    assert!(err.contains("warning"), "{err}");

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&blocks);
    let _ = std::fs::remove_file(&om);
}

/// With --max-size 1M and a sample every 0.2 s, the store stays within
/// 1.25 MiB; SIGTERM ends the recorder with status 0 and leaves no torn
/// tail.
#[test]
fn record_keeps_its_size_and_stops_cleanly() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("record_keeps_its_size_and_stops_cleanly") else {
        return;
    };
    let dir = store_dir("history-size");
    let dir_arg = dir.display().to_string();
    let _sleepers = sleepers(1000);
    // And 300 that wake every 100 ms, so that every sample changes: the
    // store fills its 1 MiB within seconds, and the limit is tried.
    let _wakers = Procs(
        (0..300)
            .map(|_| {
                Command::new(example("workload"))
                    .args(["sleep", "1000000", "100"])
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("start a waker")
            })
            .collect(),
    );
    let mut rec = Procs(vec![record(&dir, &["-d", "0.2", "--max-size", "1M"])]);
    let start = Instant::now();
    let mut largest = 0;
    let mut removed = false;
    let mut seen = std::collections::HashSet::new();
    // Until the limit was tried and the store kept within it for 5 s more:
    // seconds on a quiet machine; a busy one may leave the recorder behind
    // its 0.2 s for minutes.
    let mut filled = None;
    while start.elapsed() < Duration::from_secs(180)
        && filled.is_none_or(|t: Instant| t.elapsed() < Duration::from_secs(5))
    {
        let files = store_files(&dir);
        for f in &files {
            seen.insert(f.clone());
        }
        removed |= seen.iter().any(|f| !f.exists());
        largest = largest.max(dir_size(&dir));
        if removed && filled.is_none() {
            filled = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(largest <= 1_310_720, "the store reached {largest} bytes");
    assert!(
        removed,
        "180 s at 0.2 s never filled 1 MiB: the limit was not tried"
    );
    rec.signal(0, libc::SIGTERM);
    // It stops once the sample in progress is written: a sweep of 1,300
    // processes can take seconds on a busy machine.
    let status = exit_within(
        &mut rec.0[0],
        Duration::from_secs(30),
        "record to stop on SIGTERM",
    );
    assert_eq!(status.code(), Some(0), "{status:?}");
    let out = taskstat(&["dump", "--dir", &dir_arg]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "a torn tail after SIGTERM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a user can get wrong gets one line and a documented status: 6
/// when there is no history to show, 2 for a usage error; a file that
/// cannot be read is a warning, and the rest of the store is read.
#[test]
fn history_commands_explain_bad_input() {
    let dir = store_dir("not-a-store");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("notes.txt"), "hello").expect("write");
    let d = dir.display().to_string();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1");

    // A store written by a newer format version: its header says 99.
    let newer = store_dir("newer-store");
    std::fs::create_dir_all(&newer).expect("mkdir");
    let tsh = || {
        store_files(Path::new(fixture))
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "tsh"))
    };
    let first = tsh().next().expect("a fixture file");
    let mut bytes = std::fs::read(&first).expect("the fixture");
    bytes[8..10].copy_from_slice(&99u16.to_le_bytes());
    let sum = crc32fast::hash(&bytes[..20]);
    bytes[20..24].copy_from_slice(&sum.to_le_bytes());
    std::fs::write(newer.join(first.file_name().expect("a name")), bytes).expect("write");
    let n = newer.display().to_string();

    // A store with a file that cannot be read (a directory by that name).
    let holed = store_dir("holed-store");
    std::fs::create_dir_all(holed.join("taskstat-20260101T020000Z-0000.tsh")).expect("mkdir");
    for f in tsh() {
        std::fs::copy(&f, holed.join(f.file_name().expect("a name"))).expect("copy");
    }
    let h = holed.display().to_string();

    for (args, code, says) in [
        (vec!["dump", "--dir", &d], 6, "not a taskstat store"),
        (
            vec!["dump", "--dir", "/nonexistent/store"],
            6,
            "/nonexistent/store",
        ),
        (vec!["replay", "-b", "--dir", &d], 6, "not a taskstat store"),
        (
            vec!["dump", "--dir", fixture, "--begin", "2030-01-01 00:00"],
            6,
            "no samples in that range",
        ),
        (vec!["dump", "--dir", &n], 6, "version 99"),
        (vec!["dump", "--dir", &n], 6, "versions up to 2"),
        (
            vec!["dump", "--dir", fixture, "--begin", "2030-01-01 00:00"],
            6,
            "the store holds 2026-01-01",
        ),
        (
            vec!["dump", "--dir", "/nonexistent/store"],
            6,
            "no history here yet",
        ),
        (vec!["dump", "--dir", &h], 0, "cannot read it"),
        (
            vec!["dump", "--dir", &d, "--begin", "yesterday"],
            2,
            "is not a time",
        ),
        (
            vec!["replay", "--dir", &d, "--end", "25:99"],
            2,
            "is not a time",
        ),
        (
            vec![
                "dump", "--dir", fixture, "--begin", "@2000", "--end", "@1000",
            ],
            2,
            "--begin is after --end",
        ),
        (
            vec!["record", "--dir", &d, "--max-size", "lots"],
            2,
            "give a size",
        ),
        (
            vec!["record", "--dir", &d, "--max-age", "7x"],
            2,
            "give a duration",
        ),
    ] {
        let out = taskstat(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        // One line, or clap's usage error with its usage and help lines.
        let most = if code == 2 && args.iter().any(|a| a.starts_with("--")) {
            5
        } else {
            1
        };
        // The v1 fixture's values are placeholders for the framing, not
        // stored processes: a read of it also says it left them out.
        let lines = err
            .trim()
            .lines()
            .filter(|l| !l.contains("stored records could not be read"))
            .count();
        assert!(lines <= most, "{args:?}: {err}");
    }
    for d in [&dir, &newer, &holed] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Records `dir` every second until it holds at least `n` samples (30 s
/// at most: a busy machine starts the recorder slowly), then stops the
/// recorder as a service manager would.
fn record_samples(dir: &Path, n: usize) {
    let mut rec = Procs(vec![record(dir, &["-d", "1"])]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let dir_arg = dir.display().to_string();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        let out = taskstat(&["dump", "--dir", &dir_arg, "--by", "cgroup"]);
        if out.status.success() && times(&lines(&out.stdout)).len() >= n {
            break;
        }
    }
    rec.signal(0, libc::SIGTERM);
    let _ = rec.0[0].wait();
}

/// Bytes as a wide table writes them ("12.0 MiB", "0 B").
fn table_bytes(value: &str, unit: &str) -> f64 {
    let v: f64 = value.parse().unwrap_or_else(|_| panic!("{value} {unit}"));
    let p = ["B", "KiB", "MiB", "GiB", "TiB"]
        .iter()
        .position(|u| *u == unit)
        .unwrap_or_else(|| panic!("{value} {unit}"));
    v * 1024f64.powi(p as i32)
}

/// A short history of a stopped process with a 15-character name and a
/// writer: replay in an 80x24 terminal shows every number whole, the name
/// whole, the footer with q, the sort keys and how to move in time (and
/// no H, which does nothing there); a bad time typed at g shows whole;
/// `a` shows totals and `o` only what did something. In batch, each table
/// has its time line, -o leaves the stopped process out and -a counts the
/// writer's bytes from the first sample on.
#[test]
fn replay_fits_an_80_by_24_terminal_with_totals_and_only_active() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("replay_fits_an_80_by_24_terminal_with_totals_and_only_active") else {
        return;
    };
    let dir = store_dir("history-80");
    let dir_arg = dir.display().to_string();
    let named = common::Workload::start(&["named", "abcdefghijklmno"]);
    let path = dir.with_extension("dat");
    let writer = Procs(vec![
        Command::new(example("workload"))
            // Past the slowest recording record_samples waits for.
            .args(["write-for", "60000"])
            .arg(&path)
            .stdout(Stdio::null())
            .spawn()
            .expect("start the writer"),
    ]);
    let (np, wp) = (named.pid().to_string(), writer.0[0].id().to_string());
    let pids = format!("{np},{wp}");
    record_samples(&dir, 4);

    let first_word = |l: &str| l.split_whitespace().next().map(str::to_string);
    let tables = |extra: &[&str]| -> Vec<Vec<String>> {
        let mut args = vec!["replay", "--dir", &dir_arg, "-b", "-p", &pids];
        args.extend_from_slice(extra);
        let out = taskstat(&args);
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .split("\n\n")
            .map(|t| t.lines().map(str::to_string).collect())
            .collect()
    };
    let rates = tables(&[]);
    assert!(rates.len() >= 2, "{rates:?}");
    for t in &rates {
        // The time line, then the header.
        assert!(
            t[0].contains(" processes · the ") && t[1].contains("WRITE/s"),
            "{t:?}"
        );
        let ids: Vec<_> = t[2..].iter().filter_map(|l| first_word(l)).collect();
        assert!(ids.contains(&np) && ids.contains(&wp), "{t:?}");
    }
    for t in tables(&["-o"]) {
        let ids: Vec<_> = t[2..].iter().filter_map(|l| first_word(l)).collect();
        assert!(!ids.contains(&np) && ids.contains(&wp), "-o: {t:?}");
    }
    let totals = tables(&["-a"]);
    let mut written = Vec::new();
    for t in &totals {
        assert!(t[0].contains(" processes · totals over the "), "{t:?}");
        assert!(t[1].ends_with("WRITE") && !t[1].contains("/s"), "{t:?}");
        let row = t[2..]
            .iter()
            .find(|l| first_word(l).as_deref() == Some(&wp))
            .unwrap_or_else(|| panic!("the writer: {t:?}"));
        let w: Vec<&str> = row.split_whitespace().collect();
        written.push(table_bytes(w[w.len() - 2], w[w.len() - 1]));
    }
    assert!(
        written.windows(2).all(|p| p[0] <= p[1]) && written[0] < written[written.len() - 1],
        "totals grow: {written:?}"
    );

    let cmd = format!(
        "{} replay --dir {dir_arg} -p {pids}",
        env!("CARGO_BIN_EXE_taskstat")
    );
    let tmux = common::Tmux::start_sized("replay80", 80, 24, &cmd);
    let s = tmux.screen_with("sample 2 of");
    let rows = common::assert_top_screen(&s);
    assert!(rows.iter().any(|r| r.contains(" abcdefghijklmno ")), "{s}");
    assert!(
        s.contains("←/T previous  →/t next  g go to a time  o only active  a totals"),
        "{s}"
    );
    assert!(
        !s.contains("H threads") && !s.contains("H processes"),
        "{s}"
    );
    tmux.keys("g");
    tmux.keys("yesterday at noon");
    tmux.keys("Enter");
    let s = tmux.screen_with("is not a time");
    let joined: Vec<&str> = s.lines().map(str::trim_end).collect();
    assert!(
        joined.join(" ").contains(
            "\"yesterday at noon\" is not a time: give YYYY-MM-DD HH:MM[:SS], \
             HH:MM[:SS] (today), RFC 3339, -10m / -2h (before now) or @UNIX"
        ),
        "the whole message:\n{s}"
    );
    tmux.keys("a");
    let s = tmux.screen_with("totals since");
    common::assert_top_screen(&s);
    assert!(s.contains(" CSW ") && !s.contains("CSW/s"), "{s}");
    assert!(s.contains("a rates"), "{s}");
    tmux.keys("o");
    // The footer now offers all rows back.
    let s = tmux.screen_with("o all rows");
    let rows = common::assert_top_screen(&s);
    assert!(!rows.iter().any(|r| r.contains("abcdefghijklmno")), "{s}");
    tmux.keys("q");
    tmux.assert_ends("replay did not quit on q");
    drop(writer);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&path);
}

/// `dump --changed` leaves out a stopped process after the sample it was
/// first seen in, and keeps every sample of one that works; `--compact`
/// ndjson has no nulls, sources or notes and every other figure as the full
/// dump has it, record for record; `--compact` csv has the same rows in
/// fewer columns. Both are smaller.
#[test]
fn dump_changed_and_compact_are_smaller_and_say_the_same() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("dump_changed_and_compact_are_smaller_and_say_the_same") else {
        return;
    };
    let dir = store_dir("history-compact");
    let dir_arg = dir.display().to_string();
    let stopped = common::Workload::start(&["named", "stoppedtask"]);
    let path = dir.with_extension("dat");
    let writer = Procs(vec![
        Command::new(example("workload"))
            // Past the slowest recording record_samples waits for.
            .args(["write-for", "60000"])
            .arg(&path)
            .stdout(Stdio::null())
            .spawn()
            .expect("start the writer"),
    ]);
    let (sp, wp) = (stopped.pid(), writer.0[0].id());
    record_samples(&dir, 4);

    let dump = |extra: &[&str]| -> Vec<u8> {
        let mut args = vec!["dump", "--dir", &dir_arg];
        args.extend_from_slice(extra);
        let out = taskstat(&args);
        assert!(out.status.success(), "{out:?}");
        out.stdout
    };
    let full = dump(&[]);
    let recs = lines(&full);
    let samples = times(&recs).len();
    assert!(samples >= 3, "{samples} samples");
    let of = |recs: &[Value], pid: u32| recs.iter().filter(|r| r["tgid"] == pid).count();
    assert_eq!(of(&recs, sp), samples);
    let changed = dump(&["--changed"]);
    let crecs = lines(&changed);
    assert_eq!(of(&crecs, sp), 1, "the stopped process, once");
    assert_eq!(of(&crecs, wp), samples, "the writer, every time");
    assert!(changed.len() < full.len());

    let compact = dump(&["--compact"]);
    let small = lines(&compact);
    assert_eq!(small.len(), recs.len());
    fn same(full: &Value, small: &Value, at: &str) {
        match full {
            Value::Null => assert!(small.is_null(), "{at}: {small}"),
            Value::Object(m) => {
                for (k, v) in m {
                    if at.is_empty() && (k == "sources" || k == "notes") {
                        assert!(small.get(k).is_none(), "{k} left in");
                        continue;
                    }
                    same(
                        v,
                        small.get(k).unwrap_or(&Value::Null),
                        &format!("{at}.{k}"),
                    );
                }
                let n = small.as_object().map_or(0, |o| o.len());
                assert!(n <= m.len(), "{at}: nothing added");
            }
            v => assert_eq!(v, small, "{at}"),
        }
    }
    for (f, s) in recs.iter().zip(&small) {
        same(f, s, "");
        assert!(!s.to_string().contains("null"), "{s}");
    }
    // How much smaller depends on how many figures are null (more with
    // delay accounting off); the records' equality above is the check.
    assert!(
        compact.len() < full.len(),
        "{} against {}",
        compact.len(),
        full.len()
    );

    let csv_full = dump(&["-f", "csv"]);
    let csv_small = dump(&["-f", "csv", "--compact"]);
    let read = |b: &[u8]| {
        let mut r = csv::Reader::from_reader(b);
        let header = r.headers().expect("a header").clone();
        (header, r.records().count())
    };
    let ((hf, nf), (hs, ns)) = (read(&csv_full), read(&csv_small));
    assert_eq!(nf, ns);
    assert!(hs.len() * 2 < hf.len(), "{hs:?}");
    assert!(hs.iter().any(|h| h == "delays.cpu.total_ns"), "{hs:?}");
    assert!(hs.iter().all(|h| hf.iter().any(|f| f == h)), "{hs:?}");
    drop(writer);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&path);
}

/// The store is its owner's: the directory 0700 and its files 0600 under
/// the usual umask 022, and `dump` as another user is refused with exit
/// status 4 and a line that says why; root reads it.
#[test]
fn the_store_is_private_and_dump_says_why_another_user_cannot_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let Some(_acct) = kernel("the_store_is_private_and_dump_says_why_another_user_cannot_read_it")
    else {
        return;
    };
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Under /tmp, which every user may search: only the store's own mode
    // keeps them out.
    let dir = std::env::temp_dir().join(format!("taskstat-private-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut rec = Command::new("sh")
        .args([
            "-c",
            "umask 022; exec \"$0\" record --dir \"$1\" --interval 1",
        ])
        .arg(env!("CARGO_BIN_EXE_taskstat"))
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start taskstat record");
    let started = Instant::now();
    while store_files(&dir).is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    common::signal(rec.id(), libc::SIGTERM).expect("SIGTERM");
    let status = rec.wait().expect("wait");
    assert!(status.success(), "{status}");
    let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o7777;
    assert_eq!(mode(&dir), 0o700);
    let files = store_files(&dir);
    assert!(!files.is_empty());
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    let d = dir.display().to_string();
    let out = common::unprivileged(&["dump", "--dir", &d])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("permission denied") && err.contains("readable only by its owner"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());
    let out = taskstat(&["dump", "--dir", &d]);
    assert!(out.status.success(), "{out:?}");
    assert!(!lines(&out.stdout).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stored process that lacks a field it needs, or has one of the wrong
/// type, is left out and counted: `replay -b` and `dump` print the rest,
/// say once how many they left out, and succeed.
#[test]
fn records_that_do_not_read_are_counted_not_dropped_silently() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-bad");
    let warned = |err: &str| {
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("could not be read"))
            .collect();
        assert_eq!(lines.len(), 1, "{err}");
        assert!(
            lines[0].starts_with("taskstat: warning: 4 stored records could not be read"),
            "{err}"
        );
        assert!(lines[0].contains("they are left out"), "{err}");
    };

    let dump = taskstat(&["dump", "--dir", fixture, "-f", "ndjson"]);
    assert!(dump.status.success(), "{dump:?}");
    let records = lines(&dump.stdout);
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records.iter().all(|r| r["tgid"] == 7 && r["comm"] == "x"));
    warned(&String::from_utf8_lossy(&dump.stderr));

    let cgroups = taskstat(&["dump", "--dir", fixture, "--by", "cgroup"]);
    assert!(cgroups.status.success(), "{cgroups:?}");
    assert_eq!(lines(&cgroups.stdout).len(), 2);
    warned(&String::from_utf8_lossy(&cgroups.stderr));

    let replay = taskstat(&["replay", "--dir", fixture, "-b"]);
    assert!(replay.status.success(), "{replay:?}");
    let table = String::from_utf8_lossy(&replay.stdout);
    assert!(table.contains("· 1 processes ·"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().next() == Some("7")),
        "{table}"
    );
    warned(&String::from_utf8_lossy(&replay.stderr));
}

/// The stored exits of processes that slept 5 to 30 ms in a cgroup2 group
/// of their own: `dump -f openmetrics --by cgroup` writes the group's
/// classic histograms, promtool imports them, and the imported buckets,
/// counts and sums are those of the kernel's figures of each process,
/// each counted once.
#[test]
fn dumped_exit_histograms_backfill_into_prometheus() {
    let test = "dumped_exit_histograms_backfill_into_prometheus";
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The waits are measured only with delay accounting on.
    let Some(_acct) = common::kernel_with(test, common::Acct::On) else {
        return;
    };
    if !common::have(test, "promtool", "prometheus") {
        return;
    }
    let Some(group) = common::Group2::new("hist") else {
        return;
    };
    let dir = store_dir("history-hist");
    let dir_arg = dir.display().to_string();
    let mut rec = Procs(vec![record(&dir, &["-d", "0.5"])]);
    common::wait_until(
        Duration::from_secs(30),
        "the recorder's first sample",
        || {
            taskstat(&["dump", "--dir", &dir_arg, "--by", "cgroup"])
                .status
                .success()
        },
    );
    // A launcher moves itself into the group, so that each sleeper is born
    // there, and never reaps them: a zombie's /proc entry names its group
    // for the recorder, which hears each exit. It does not exit itself
    // while the recorder runs.
    let sleeps_ms = [5u64, 7, 9, 11, 13, 15, 18, 21, 24, 27, 30, 30];
    let mut launcher = Command::new("sh");
    launcher
        .arg("-c")
        .arg(r#"echo 0 > "$0" || exit 1; for t in "$@"; do sleep "$t" & done; exec sleep 600"#)
        .arg(group.dir.join("cgroup.procs"));
    for ms in sleeps_ms {
        launcher.arg(format!("{}.{:03}", ms / 1000, ms % 1000));
    }
    let launcher = Procs::one(launcher.spawn().expect("start the launcher"));
    let parent = u64::from(launcher.pids()[0]);
    let ours = |records: &[Value]| -> Vec<Value> {
        records
            .iter()
            .filter(|r| !r["exit_code"].is_null() && r["ppid"] == parent)
            .cloned()
            .collect()
    };
    common::wait_until(
        Duration::from_secs(60),
        "every sleeper's exit stored",
        || {
            let out = taskstat(&["dump", "--dir", &dir_arg, "--cgroup", &group.path]);
            out.status.success() && ours(&lines(&out.stdout)).len() >= sleeps_ms.len()
        },
    );
    rec.signal(0, libc::SIGTERM);
    exit_within(&mut rec.0[0], Duration::from_secs(30), "record to stop");
    drop(launcher);

    // The kernel's figures of each, as stored: each once, in the group.
    let out = taskstat(&["dump", "--dir", &dir_arg, "--cgroup", &group.path]);
    assert!(out.status.success(), "{out:?}");
    let exits = ours(&lines(&out.stdout));
    assert_eq!(exits.len(), sleeps_ms.len(), "{exits:?}");
    assert!(
        exits.iter().all(|e| e["cgroup"] == group.path.as_str()),
        "{exits:?}"
    );

    let out = taskstat(&[
        "dump",
        "--dir",
        &dir_arg,
        "-f",
        "openmetrics",
        "--by",
        "cgroup",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let om = dir.with_extension("hist.om");
    std::fs::write(&om, &text).expect("write the dump");
    let blocks = dir.with_extension("hist.blocks");
    promtool_backfill(&om, &blocks);
    // promtool's linter reads the text format, whose timestamps are
    // integer ms, and no # EOF: it checks the histograms of the last
    // sample, without their timestamps.
    lint_last_sample(&text, "taskstat_process_");

    // What Prometheus holds of the group at the last sample.
    let held = imported_series(&blocks, &group.path);
    let series = |name: &str, wait: Option<&str>| -> Vec<(String, f64)> {
        held.iter()
            .filter(|(labels, _)| {
                labels.get("__name__").map(String::as_str) == Some(name)
                    && labels.get("wait").map(String::as_str) == wait
            })
            .map(|(labels, v)| (labels.get("le").cloned().unwrap_or_default(), *v))
            .collect()
    };
    let n = sleeps_ms.len() as f64;
    let figure = |e: &Value, path: &[&str]| -> f64 {
        let mut v = e;
        for k in path {
            v = &v[*k];
        }
        v.as_f64()
            .unwrap_or_else(|| panic!("{path:?} not measured: {e}"))
    };
    // Each measure's figure in the stored record, and its unit per second.
    for (family, wait, path, per_second) in [
        (
            "taskstat_process_wait_seconds",
            Some("cpu"),
            &["delays", "cpu", "total_ns"][..],
            1e9,
        ),
        (
            "taskstat_process_cpu_seconds",
            None,
            &["cpu", "run_virtual_ns"],
            1e9,
        ),
        (
            "taskstat_process_elapsed_seconds",
            None,
            &["group_elapsed_us"],
            1e6,
        ),
    ] {
        let values: Vec<f64> = exits.iter().map(|e| figure(e, path) / per_second).collect();
        let count = series(&format!("{family}_count"), wait);
        assert_eq!(count, [(String::new(), n)], "{family} {wait:?}");
        let sum = series(&format!("{family}_sum"), wait);
        let want: f64 = values.iter().sum();
        assert!(
            sum.len() == 1 && (sum[0].1 - want).abs() < 1e-6,
            "{family} {wait:?}: sum {sum:?}, the exits' {want}"
        );
        let buckets = series(&format!("{family}_bucket"), wait);
        assert_eq!(buckets.len(), CLASSIC_BOUNDS.len() + 1, "{buckets:?}");
        for (le, got) in buckets {
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("a bound")
            };
            let at_most = values.iter().filter(|v| **v <= bound).count() as f64;
            assert_eq!(got, at_most, "{family} {wait:?} le={le}: {values:?}");
        }
    }
    // The kernel's wall time of each covers its sleep: none is in the
    // first bucket above 5 ms's.
    let walls = series("taskstat_process_elapsed_seconds_bucket", None);
    assert!(
        walls.iter().any(|(le, n)| le == "0.005" && *n == 0.0),
        "{walls:?}"
    );

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&blocks);
    let _ = std::fs::remove_file(&om);
}

/// `promtool check metrics` on the lines of the families named `prefix...`
/// at the dump's last timestamp, with their metadata.
fn lint_last_sample(text: &str, prefix: &str) {
    let last = text
        .lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit_once(' ').map(|(_, ts)| ts))
        .max_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse().unwrap_or(0.0))
        })
        .expect("a histogram line");
    let mut lines = String::new();
    for l in text.lines() {
        if l.starts_with(&format!("# HELP {prefix}")) || l.starts_with(&format!("# TYPE {prefix}"))
        {
            lines += l;
            lines.push('\n');
        } else if l.starts_with(prefix) {
            match l.rsplit_once(' ') {
                Some((series, ts)) if ts == last => {
                    lines += series;
                    lines.push('\n');
                }
                _ => {}
            }
        }
    }
    promtool_check(&lines);
}

/// Each series of `cgroup` in the blocks promtool made, with its value at
/// its latest time.
fn imported_series(
    blocks: &Path,
    cgroup: &str,
) -> Vec<(std::collections::BTreeMap<String, String>, f64)> {
    // promtool tsdb dump opens the directory as a database, WAL included.
    std::fs::create_dir_all(blocks.join("wal")).expect("an empty WAL");
    let out = Command::new("promtool")
        .args(["tsdb", "dump", &format!("--match={{cgroup=\"{cgroup}\"}}")])
        .arg(blocks)
        .output()
        .expect("promtool");
    assert!(out.status.success(), "promtool tsdb dump: {out:?}");
    // `{__name__="x", cgroup="/g", le="0.1"} 3 1765000000000`, each
    // series' samples in time order.
    let mut latest: std::collections::BTreeMap<String, (i64, f64)> = Default::default();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((labels, rest)) = l.rsplit_once("} ") else {
            continue;
        };
        let mut it = rest.split(' ');
        let (Some(v), Some(t)) = (it.next(), it.next()) else {
            continue;
        };
        let (v, t): (f64, i64) = (v.parse().expect("a value"), t.parse().expect("a time"));
        let e = latest.entry(labels.to_string()).or_insert((t, v));
        if t >= e.0 {
            *e = (t, v);
        }
    }
    latest
        .into_iter()
        .map(|(labels, (_, v))| {
            let m = labels
                .trim_start_matches('{')
                .split(", ")
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    Some((k.to_string(), v.trim_matches('"').to_string()))
                })
                .collect();
            (m, v)
        })
        .collect()
}
