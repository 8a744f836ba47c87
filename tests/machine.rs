//! The tests that watch the whole machine: exit records (listen, run,
//! record files), top, run, serve against a real Prometheus, and task
//! names. Each counts every task that exits on the machine, or pins CPU
//! hogs and compares CPU time with the kernel's, so they run apart: cargo
//! runs test binaries one after another, so no other test's processes exit
//! or burn CPU while these count, and the tests here take a lock so that
//! they do not count each other's.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

use common::{Procs, example, kernel, signal, wait_until};

// taskstat serve against a real Prometheus: it counts exits and pins hogs.
mod serve;

static SERIAL: Mutex<()> = Mutex::new(());

fn storm(single: u64, threaded: u64) {
    let out = Command::new(example("storm"))
        .args([single.to_string(), threaded.to_string()])
        .output()
        .expect("run the storm");
    assert!(out.status.success(), "storm: {out:?}");
}

/// A running `taskstat listen`, ready once it said so on stderr.
struct Listener {
    child: Child,
    /// stderr, line by line, from a reader thread: the tests wait for the
    /// line they need whatever came before it (warnings come and go).
    stderr: mpsc::Receiver<String>,
    /// Lines already taken off the channel, kept for the summary and for
    /// failure messages.
    seen: Vec<String>,
}

impl Listener {
    fn start(args: &[&str]) -> Listener {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .arg("listen")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start taskstat listen");
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut l = Listener {
            child,
            stderr: rx,
            seen: Vec::new(),
        };
        l.wait_for("listening on CPUs", Duration::from_secs(10));
        l
    }

    /// Waits for a stderr line containing `needle`; fails with everything
    /// the listener said if none comes in time.
    fn wait_for(&mut self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(e) => panic!(
                    "taskstat listen never said {needle:?} ({e:?}); its stderr:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// stdout on a channel as it comes: bytes, not lines, since a JSON
    /// array's element ends its line only when the next one (or the end)
    /// comes.
    fn stdout_chunks(&mut self) -> mpsc::Receiver<String> {
        let mut stdout = self.child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                if tx
                    .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        });
        rx
    }

    fn signal(&self, sig: &str) {
        let signo = if sig == "INT" {
            libc::SIGINT
        } else {
            libc::SIGTERM
        };
        signal(self.child.id(), signo).expect("signal the listener");
    }

    /// All of stderr once the listener has closed it.
    fn drain_stderr(&mut self) -> String {
        // The reader thread ends at EOF, which comes when taskstat exits.
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(30)) {
            self.seen.push(line);
        }
        let mut all = self.seen.join("\n");
        all.push('\n');
        all
    }

    /// Waits for it to end; returns (exit code, stdout, all of stderr).
    fn finish(mut self) -> (Option<i32>, String, String) {
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut out)
            .expect("read stdout");
        let err = self.drain_stderr();
        let status = self.child.wait().expect("wait");
        (status.code(), out, err)
    }
}

/// What `output` brings until it holds `needle` or `within` has passed.
fn read_until(output: &mpsc::Receiver<String>, needle: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut got = String::new();
    while !got.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        match output.recv_timeout(left) {
            Ok(chunk) => got.push_str(&chunk),
            Err(_) => break,
        }
    }
    got
}

/// A taskstat run that must succeed: its output.
fn succeeded(args: &[&str]) -> std::process::Output {
    let o = common::taskstat()
        .args(args)
        .output()
        .expect("run taskstat");
    assert!(o.status.success(), "{args:?}: {o:?}");
    o
}

fn lines(ndjson: &str) -> Vec<Value> {
    ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// (exit messages received, exit messages lost) from the summary line.
fn summary(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains("exit messages lost"))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let num_before = |word: &str| -> u64 {
        let i = line
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {line}"));
        line[..i]
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        num_before("exit messages,"),
        num_before("exit messages lost"),
    )
}

fn storm_counts(recs: &[Value]) -> (usize, usize, usize) {
    let comm = |r: &Value| r["comm"].as_str().unwrap_or("").to_string();
    let single = recs
        .iter()
        .filter(|r| r["type"] == "pid" && comm(r) == "tsstorm-1")
        .count();
    let threaded: Vec<&Value> = recs
        .iter()
        .filter(|r| r["type"] == "pid" && comm(r).starts_with("tsstorm-3"))
        .collect();
    let groups: std::collections::HashSet<u64> =
        threaded.iter().filter_map(|r| r["tgid"].as_u64()).collect();
    let tgid = recs
        .iter()
        .filter(|r| r["type"] == "tgid" && r["id"].as_u64().is_some_and(|i| groups.contains(&i)))
        .count();
    (single, threaded.len(), tgid)
}

#[test]
fn every_record_of_a_storm_arrives() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("every_record_of_a_storm_arrives") else {
        return;
    };
    let l = Listener::start(&["--format", "ndjson"]);
    storm(2000, 700);
    std::thread::sleep(Duration::from_millis(300));
    l.signal("INT");
    let (code, out, err) = l.finish();
    assert_eq!(code, Some(130), "{err}");
    let recs = lines(&out);
    assert_eq!(storm_counts(&recs), (2000, 2100, 700));
    let (_, lost) = summary(&err);
    assert_eq!(lost, 0);
    assert!(!recs.iter().any(|r| r["type"] == "lost"));
    // Exit records carry the exit fields; group records null the per-thread ones.
    let one = recs.iter().find(|r| r["comm"] == "tsstorm-1").unwrap();
    assert_eq!(one["exit_code"], 0);
    assert_eq!(
        one["flags"].as_u64().unwrap() & 0x21,
        0x21,
        "AFORK|AGROUP: {one}"
    );
    let group = recs.iter().find(|r| r["type"] == "tgid").unwrap();
    assert!(group["comm"].is_null() && group["io"]["read_bytes"].is_null());
}

#[test]
fn overflow_is_counted_exactly() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("overflow_is_counted_exactly") else {
        return;
    };
    // A control listener reads everything; the other has a tiny buffer and a
    // stdout nobody reads for a while, so the kernel must drop messages.
    let control = Listener::start(&["--format", "ndjson"]);
    let starved = Listener::start(&["--format", "ndjson", "--rcvbuf", "4096"]);
    storm(3000, 1000);
    std::thread::sleep(Duration::from_millis(300));
    let (tx, rx) = std::sync::mpsc::channel();
    let mut starved = starved;
    let stdout = starved.child.stdout.take().unwrap();
    // Start reading only now: until here the pipe was full and taskstat blocked.
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = BufReader::new(stdout).read_to_string(&mut s);
        let _ = tx.send(s);
    });
    std::thread::sleep(Duration::from_millis(500));
    // Stop the starved listener first; the control then also sees its exit.
    starved.signal("INT");
    let s_err = starved.drain_stderr();
    let status = starved.child.wait().unwrap();
    let s_out = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("starved stdout");
    // Joined, the reader thread has exited, and the kernel has sent its record.
    reader.join().expect("reader thread");
    assert_eq!(status.code(), Some(130), "{s_err}");
    control.signal("INT");
    let (_, _, c_err) = control.finish();

    let (c_msgs, c_lost) = summary(&c_err);
    let (s_msgs, s_lost) = summary(&s_err);
    assert_eq!(c_lost, 0, "{c_err}");
    assert!(
        s_lost > 0,
        "the small buffer should have overflowed: {s_err}"
    );
    // What the starved listener was sent is at least the storm (6003 tasks:
    // 3000 + 3 x 1000, two forking workers and the storm itself) and at most
    // what the control saw, less two exits that came after the starved one
    // stopped (its own, and this test's reader thread's). On a quiet machine
    // the two bounds meet; an unrelated exit near either end of the window
    // can separate them by one.
    let sent = s_msgs + s_lost;
    assert!(
        (6003..=c_msgs - 2).contains(&sent),
        "received + lost ({sent}) must be what the kernel sent: {s_err} / {c_err}"
    );
    // The stream says so too, in lines of their own.
    let recs = lines(&s_out);
    let in_stream: u64 = recs
        .iter()
        .filter(|r| r["type"] == "lost")
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(in_stream, s_lost);
}

/// A record reaches a pipe while listen goes on listening: a reader such as
/// `taskstat listen | jq` sees each exit as it happens, not when 64 KB of
/// records have piled up or listen ends.
#[test]
fn records_reach_a_pipe_while_listening() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("records_reach_a_pipe_while_listening") else {
        return;
    };
    for format in ["ndjson", "table", "getdelays", "csv", "json"] {
        let mut l = Listener::start(&["-f", format]);
        let output = l.stdout_chunks();
        let mut child = Command::new("true").spawn().expect("run true");
        let pid = child.id();
        child.wait().expect("wait for true");
        let needle = match format {
            "ndjson" | "json" => format!("\"id\":{pid},"),
            "table" => format!("pid   {pid} "),
            "csv" => format!("pid,{pid},"),
            _ => format!("PID\t{pid}\n"),
        };
        let got = read_until(&output, &needle, Duration::from_secs(5));
        let found = got.contains(&needle);
        // Still listening: the record came before any signal.
        assert!(
            l.child.try_wait().expect("try_wait").is_none(),
            "{format}: listen ended"
        );
        l.signal("TERM");
        let _ = l.child.wait();
        assert!(
            found,
            "{format}: the exit of {pid} did not reach the pipe within 5 s; got {got:?}"
        );
    }
}

/// While other exits keep coming that the filters drop, a printed record
/// still reaches the pipe within a fraction of a second.
#[test]
fn a_filtered_stream_still_reaches_the_pipe() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_filtered_stream_still_reaches_the_pipe") else {
        return;
    };
    let mut l = Listener::start(&["-f", "ndjson", "--comm", "^sleep$"]);
    let output = l.stdout_chunks();
    // Exits the filter drops, a few hundred a second, for three seconds.
    let busy = std::thread::spawn(|| {
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            let _ = Command::new("true").status();
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut child = Command::new("sleep").arg("0").spawn().expect("run sleep");
    let pid = child.id();
    child.wait().expect("wait for sleep");
    let exited = Instant::now();
    let needle = format!("\"id\":{pid},");
    let got = read_until(&output, &needle, Duration::from_secs(2));
    let waited = exited.elapsed();
    let _ = busy.join();
    l.signal("TERM");
    let _ = l.child.wait();
    assert!(
        got.contains(&needle),
        "the exit of sleep ({pid}) never came: {got}"
    );
    // Within a second and a half, not when the flood ends 2.7 s later: a
    // busy machine may keep the listener from a CPU for a few hundred ms.
    assert!(
        waited < Duration::from_millis(1500),
        "the record of sleep ({pid}) took {waited:?} to reach the pipe"
    );
}

#[test]
fn filters_count_and_duration() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("filters_count_and_duration") else {
        return;
    };
    let groups = Listener::start(&["-f", "ndjson", "--groups-only", "--comm", "tsstorm-[13]"]);
    let few = Listener::start(&["-f", "ndjson", "--comm", "^tsstorm-3", "--count", "5"]);
    let timed = Listener::start(&["-f", "ndjson", "--duration", "0.5", "--uid", "4242"]);
    storm(300, 100);
    std::thread::sleep(Duration::from_millis(300));
    groups.signal("TERM");
    let (code, out, _) = groups.finish();
    assert_eq!(code, Some(143));
    let recs = lines(&out);
    // One record per process: 300 single-threaded (pid, AGROUP) + 100 groups.
    assert_eq!(recs.len(), 400, "{}", recs.len());
    assert_eq!(recs.iter().filter(|r| r["type"] == "tgid").count(), 100);
    let (code, out, _) = few.finish();
    assert_eq!(code, Some(0));
    assert_eq!(lines(&out).len(), 5);
    let start = Instant::now();
    let (code, out, _) = timed.finish();
    assert_eq!(code, Some(0));
    assert!(out.is_empty(), "no task of uid 4242 exited");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn record_files_read_back_and_damage_ends_cleanly() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("record_files_read_back_and_damage_ends_cleanly") else {
        return;
    };
    let file: PathBuf =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("records-{}.tsk", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let l = Listener::start(&["-f", "ndjson", "--write", file.to_str().unwrap()]);
    storm(200, 50);
    std::thread::sleep(Duration::from_millis(300));
    l.signal("INT");
    let (_, listened, _) = l.finish();
    let decode = |path: &Path| {
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["decode", "-f", "ndjson"])
            .arg(path)
            .output()
            .expect("decode")
    };
    let out = decode(&file);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), listened);
    assert!(lines(&listened).len() >= 350);

    // Cut at 60 places and flip bytes: records before the damage, one
    // clear error, never a panic or a hang.
    let bytes = std::fs::read(&file).unwrap();
    let damaged = file.with_extension("bad");
    let step = (bytes.len() / 60).max(1);
    for (i, cut) in (0..bytes.len()).step_by(step).enumerate() {
        let mut b = bytes[..cut].to_vec();
        if i % 2 == 1 && cut > 40 {
            let p = cut / 2;
            b[p] ^= 0xff;
        }
        std::fs::write(&damaged, &b).unwrap();
        let start = Instant::now();
        let out = decode(&damaged);
        assert!(start.elapsed() < Duration::from_secs(5));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        if !out.status.success() {
            assert_eq!(out.status.code(), Some(1));
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let good = String::from_utf8_lossy(&out.stdout);
        assert!(
            listened.starts_with(good.as_ref()),
            "decoded records must be a prefix of what was written"
        );
    }
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&damaged);
}

#[test]
fn run_reports_the_whole_process_and_its_exit_status() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_reports_the_whole_process_and_its_exit_status") else {
        return;
    };
    let dir = env!("CARGO_TARGET_TMPDIR");
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["run", "--json", "-o", "/dev/stderr", "--threads", "--"])
        .arg(example("workload"))
        .args(["exit-threads", "3", "100", "1048576", dir, "3"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // The report goes where -o says (a json report needs -o; stderr here);
    // the command's stdout stays clean.
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_slice(&out.stderr).expect("JSON report on stderr");
    let recs = v.as_array().unwrap();
    let main = &recs[0];
    assert_eq!(main["type"], "tgid");
    assert_eq!(main["comm"], "workload");
    assert_eq!(main["exit_code"], 3 << 8);
    // Exit records' I/O is the kernel's, rounded down to 1024s, and said
    // to be.
    for r in recs
        .iter()
        .filter(|r| r["type"] == "pid" || r["type"] == "tgid")
    {
        let notes = r["notes"].to_string();
        assert!(notes.contains("rounds these figures down"), "{r}");
        assert!(!r["exit_code"].is_null(), "an exit record keeps it: {r}");
    }
    // Three threads burned 100 ms each and finished before the main thread.
    assert!(
        main["cpu"]["run_virtual_ns"].as_u64().unwrap() >= 300_000_000,
        "{main}"
    );
    assert!(
        main["io"]["write_bytes"].as_u64().unwrap() >= 3 * 1_048_576,
        "{main}"
    );
    // --threads: the main thread and three workers, whose sums the process
    // record holds; then the tree's total, of one process.
    let total = recs.last().unwrap();
    assert_eq!(total["type"], "total");
    assert_eq!(total["processes"], 1);
    assert_eq!(total["io"]["write_bytes"], main["io"]["write_bytes"]);
    let threads: Vec<&Value> = recs[1..recs.len() - 1].iter().collect();
    assert_eq!(threads.len(), 4);
    let sum: u64 = threads
        .iter()
        .map(|t| t["io"]["write_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(main["io"]["write_bytes"].as_u64().unwrap(), sum);

    // Exit statuses like a shell's.
    let code = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .arg("run")
            .args(args)
            .output()
            .expect("run")
            .status
            .code()
    };
    assert_eq!(code(&["--", "sh", "-c", "kill -9 $$"]), Some(137));
    assert_eq!(code(&["--", "/nonexistent/command"]), Some(127));
    assert_eq!(code(&["--", "/etc/passwd"]), Some(126));
    assert_eq!(code(&["-o", "/dev/null", "true"]), Some(0));
}

/// A process whose leader exits first ends with another thread, whose own
/// name ("lastthread") its exit record carries: the process keeps its
/// leader's name, as ps and top show it while it runs.
#[test]
fn a_process_keeps_its_leaders_name_when_another_thread_ends_it() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_process_keeps_its_leaders_name_when_another_thread_ends_it") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["run", "--json", "-o", "/dev/stderr", "--threads", "--"])
        .arg(example("workload"))
        .args(["leader-exits-first", "lastthread"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stderr).expect("JSON report on stderr");
    let recs = v.as_array().expect("an array");
    assert_eq!(recs[0]["type"], "tgid");
    assert_eq!(recs[0]["comm"], "workload", "{}", recs[0]);
    let names: Vec<&Value> = recs
        .iter()
        .filter(|r| r["type"] == "pid")
        .map(|r| &r["comm"])
        .collect();
    assert!(names.contains(&&Value::from("workload")), "{names:?}");
    assert!(names.contains(&&Value::from("lastthread")), "{names:?}");
}

/// `run`'s default report is time(1)'s few lines on stderr; `-v` gives the
/// full records; the command's own stdout passes through untouched.
#[test]
fn run_prints_a_short_summary_by_default_and_records_with_v() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_prints_a_short_summary_by_default_and_records_with_v") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("taskstat-run-summary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("out");
    let script = format!(
        "dd if=/dev/zero of={} bs=1M count=2 conv=fsync 2>/dev/null; echo 'the own output line'; (true); exit 3",
        file.display()
    );
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .arg("run")
            .args(extra)
            .args(["--", "sh", "-c", &script])
            .output()
            .expect("run")
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "the own output line\n"
    );
    let report = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        (6..=12).contains(&lines.len()),
        "{} lines:\n{report}",
        lines.len()
    );
    assert!(lines[0].starts_with("taskstat run: sh -c "), "{report}");
    let line = |label: &str| {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line:\n{report}"))
            .to_string()
    };
    assert!(line("ended").contains("exited 3"), "{report}");
    assert!(line("cpu").contains("user") && line("cpu").contains("system"));
    // sh, dd and the subshell at least.
    let procs: u32 = line("cpu")
        .rsplit('(')
        .next()
        .and_then(|p| p.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!(procs >= 3, "{report}");
    assert!(line("storage").contains("2.0 MiB written"), "{report}");
    assert!(line("peak rss").contains("MiB") || line("peak rss").contains("KiB"));
    assert!(line("switches").contains("voluntary"));
    assert!(line("waited").contains("cpu "), "{report}");

    // The full records: the command's and the tree's total.
    let out = run(&["-v"]);
    assert_eq!(out.status.code(), Some(3));
    let full = String::from_utf8_lossy(&out.stderr);
    assert!(full.lines().count() > 40, "{full}");
    assert!(full.contains("TOTAL OF"), "{full}");
    // A format other than the table is the records, as before.
    let out = run(&["-f", "ndjson", "-o", "/dev/stderr"]);
    let last = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .map(String::from);
    let total: Value = serde_json::from_str(&last.unwrap_or_default()).expect("ndjson total");
    assert_eq!(total["type"], "total");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_children_reports_descendants_and_a_total() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_children_reports_descendants_and_a_total") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args([
            "run",
            "--children",
            "--json",
            "-o",
            "/dev/stderr",
            "--",
            "sh",
            "-c",
            "true; (true); sh -c true; exit 0",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stderr).expect("JSON");
    let recs = v.as_array().unwrap();
    let total = recs.last().unwrap();
    assert_eq!(total["type"], "total");
    let processes = total["processes"].as_u64().unwrap();
    assert_eq!(processes as usize, recs.len() - 1);
    assert!(processes >= 3, "sh and its children: {v}");
    let sum: u64 = recs[..recs.len() - 1]
        .iter()
        .map(|r| r["cpu"]["run_virtual_ns"].as_u64().unwrap())
        .sum();
    assert_eq!(total["cpu"]["run_virtual_ns"].as_u64().unwrap(), sum);
}

#[test]
fn listen_usage_errors() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let code = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(args)
            .output()
            .expect("run")
    };
    for bad in ["abc", "", "0-9999999"] {
        let out = code(&["listen", "--cpus", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    if kernel("listen_usage_errors").is_some() {
        let out = code(&["listen", "--cpus", "0-4000"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("does not exist on this machine"),
            "{out:?}"
        );
    }
}

/// Three CPU burners sharing one CPU: contention of their own. Each runs at
/// most a third of the time and waits for the CPU at least the other two
/// thirds, whatever else the machine runs (which only takes more of CPU 0).
fn start_hogs() -> Procs {
    let hogs = (0..3)
        .map(|_| {
            Command::new("taskset")
                .args(["-c", "0", "sh", "-c", "while :; do :; done"])
                .spawn()
                .expect("taskset (util-linux)")
        })
        .collect();
    // Let them settle into sharing the CPU.
    std::thread::sleep(Duration::from_millis(500));
    Procs(hogs)
}

/// Each interval's run and run-queue wait are what the kernel counted for
/// the task over that interval: /proc/PID/schedstat, read beside taskstat
/// every few ms, holds the same two counters. The hog shares CPU 0 with two
/// others, so however busy the rest of the machine is, it runs at most a
/// third of the time and waits at least two thirds.
#[test]
fn interval_shows_the_run_and_wait_the_kernel_counted() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("interval_shows_the_run_and_wait_the_kernel_counted") else {
        return;
    };
    let hogs = start_hogs();
    let hog = hogs.pids()[0];
    let log = common::SchedLog::start(hog);
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args([
            "tgid",
            &hog.to_string(),
            "--interval",
            "1",
            "--count",
            "2",
            "--format",
            "ndjson",
        ])
        .output()
        .expect("run");
    let reads = log.finish();
    assert!(out.status.success(), "{out:?}");
    let recs = lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(recs.len(), 2);
    let first_start = recs[0]["interval"]["start"].as_f64().expect("start");
    // taskstat stamps an end of an interval just before or just after it
    // asks the kernel: a busy machine may put a few ms between the two.
    const SKEW: f64 = 0.05;
    for (n, r) in recs.iter().enumerate() {
        assert_eq!(r["type"], "tgid");
        let start = r["interval"]["start"].as_f64().expect("start");
        let end = r["interval"]["end"].as_f64().expect("end");
        let secs = r["interval"]["seconds"].as_f64().expect("seconds");
        assert!((secs - (end - start)).abs() < 1e-6, "{r}");
        // A fixed schedule: an interval never ends early.
        assert!(end >= first_start + (n + 1) as f64 - 0.01, "{r}");
        let run = u64_at(r, &["cpu", "run_virtual_ns"]);
        let wait = u64_at(r, &["delays", "cpu", "total_ns"]);
        let (lo, hi) = reads.counted(start, end, SKEW, |s| s.run_ns);
        assert!(
            (lo..=hi).contains(&run),
            "interval {n}: taskstat says the hog ran {run} ns; the kernel counted {lo}..={hi} ns"
        );
        let (lo, hi) = reads.counted(start, end, SKEW, |s| s.wait_ns);
        assert!(
            (lo..=hi).contains(&wait),
            "interval {n}: taskstat says the hog waited {wait} ns; the kernel counted {lo}..={hi} ns"
        );
        // Less the wait in progress at each end, which the kernel adds
        // when the wait ends.
        let (run, wait) = (run as f64 / secs, wait as f64 / secs);
        assert!(run <= 0.42e9, "ran {run} ns/s beside two other hogs");
        assert!(wait >= 0.55e9, "waited {wait} ns/s beside two other hogs");
        let pct = r["percent"]["delays"]["cpu"].as_f64().expect("percent");
        assert!((pct - wait / 1e7).abs() < 0.01, "{pct}% of {wait} ns/s");
        assert!(r["delays"]["cpu"]["max_ns"].is_null());
    }
    assert!(recs[1]["interval"]["start"] == recs[0]["interval"]["end"]);
}

#[test]
fn a_task_that_exits_ends_its_series_with_a_note() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_task_that_exits_ends_its_series_with_a_note") else {
        return;
    };
    let mut short = Command::new("sleep").arg("0.7").spawn().expect("sleep");
    let pid = short.id().to_string();
    // Reaped as soon as it exits: a zombie would still answer queries.
    let reaper = std::thread::spawn(move || short.wait());
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args([
            "pid",
            &pid,
            "--interval",
            "0.3",
            "--count",
            "6",
            "-f",
            "ndjson",
        ])
        .output()
        .expect("run");
    let _ = reaper.join();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let n = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!((1..6).contains(&n), "{n} intervals before it exited");
    assert!(String::from_utf8_lossy(&out.stderr).contains("exited; its series ends here"));
}

/// top ranks by run-queue wait. Three hogs sharing CPU 0 each wait at least
/// two thirds of the time however busy the machine is, and a sleeper waits
/// for nothing: among these four (-p, so that the rest of the machine cannot
/// change the order) the hogs come first. A hog is always either running or
/// waiting: its CPU% and RUNQ% together are the whole interval.
#[test]
fn top_batch_lists_the_hogs_first() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_batch_lists_the_hogs_first") else {
        return;
    };
    let hogs = start_hogs();
    // Killed on drop, as the hogs are.
    let sleeper = Procs(vec![
        Command::new("sleep").arg("60").spawn().expect("sleep"),
    ]);
    let mut pids = hogs.pids();
    pids.sort();
    let sleeper_pid = sleeper.pids()[0];
    // Asleep, its start-up (which can wait behind the hogs) done: from
    // here it neither runs nor waits, and the kernel's schedstat says so.
    let state = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit(") ").next().and_then(|r| r.chars().next()))
    };
    common::wait_until(Duration::from_secs(10), "the sleeper to sleep", || {
        let a = common::schedstat(sleeper_pid);
        std::thread::sleep(Duration::from_millis(50));
        state(sleeper_pid) == Some('S') && a == common::schedstat(sleeper_pid)
    });
    let sleeper_before = common::schedstat(sleeper_pid);
    let before: Vec<(u64, u64)> = pids
        .iter()
        .map(|&p| common::schedstat(p).expect("a hog's schedstat"))
        .collect();
    let list: Vec<String> = pids
        .iter()
        .chain([&sleeper_pid])
        .map(u32::to_string)
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["top", "-b", "-n", "2", "-d", "2", "-p", &list.join(",")])
        .output()
        .expect("run");
    let after: Vec<(u64, u64)> = pids
        .iter()
        .map(|&p| common::schedstat(p).expect("a hog's schedstat"))
        .collect();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let tables: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{text}");
    // Per hog, the wait in percent of a second summed over the refreshes.
    let mut waited = vec![0.0; pids.len()];
    for t in tables {
        // After the refresh's time line.
        let mut lines = t.lines().skip(1);
        let head: Vec<&str> = lines.next().expect("a header").split_whitespace().collect();
        assert_eq!(head.first(), Some(&"PID"), "{t}");
        let col = |name: &str| head.iter().position(|h| *h == name).expect(name);
        let (cpu_col, runq_col) = (col("CPU%"), col("RUNQ%"));
        let rows: Vec<(u32, f64, f64)> = lines
            .map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                let num = |i: usize| w[i].parse::<f64>().unwrap_or_else(|_| panic!("{l}"));
                (w[0].parse().expect("a pid"), num(cpu_col), num(runq_col))
            })
            .collect();
        assert_eq!(rows.len(), 4, "{t}");
        assert!(
            rows.windows(2).all(|w| w[0].2 >= w[1].2),
            "not sorted by RUNQ%: {t}"
        );
        let mut first: Vec<u32> = rows[..3].iter().map(|r| r.0).collect();
        first.sort();
        assert_eq!(first, pids, "{t}");
        // The kernel's own count says whether the sleeper ran or waited at
        // all while top sampled it.
        if sleeper_before == common::schedstat(sleeper_pid) {
            assert_eq!(rows[3], (sleeper_pid, 0.0, 0.0), "{t}");
        } else {
            assert_eq!(rows[3].0, sleeper_pid, "{t}");
            assert!(rows[3].1 < 1.0 && rows[3].2 < 1.0, "{t}");
        }
        for &(pid, cpu, runq) in &rows[..3] {
            assert!(runq >= 55.0, "a hog beside two others waited {runq}%: {t}");
            // Give or take the wait in progress at each end of a refresh,
            // which the kernel counts when it ends: on a busy machine a hog
            // that runs a tenth of the time waits 0.1 s or more at a time.
            assert!(
                (88.0..=112.0).contains(&(cpu + runq)),
                "hog {pid}: CPU% + RUNQ% = {}: {t}",
                cpu + runq
            );
            let i = pids.iter().position(|&p| p == pid).expect("a hog");
            waited[i] += runq;
        }
    }
    // No more than the kernel counted while top ran (each refresh is at
    // least its 2 s; a figure is rounded to 0.05%).
    for (i, pid) in pids.iter().enumerate() {
        let kernel_ns = (after[i].1 - before[i].1) as f64;
        let top_ns = (waited[i] - 0.1) / 100.0 * 2e9;
        assert!(
            top_ns <= kernel_ns,
            "hog {pid}: top shows {top_ns} ns of wait; the kernel counted {kernel_ns} ns while top ran"
        );
    }
}

#[test]
fn top_draws_resorts_and_quits_in_a_terminal() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_draws_resorts_and_quits_in_a_terminal") else {
        return;
    };
    let cmd = format!("{} top -d 0.4", env!("CARGO_BIN_EXE_taskstat"));
    let tmux = common::Tmux::start("test", 120, &cmd);
    let s = tmux.screen_with("refresh 1");
    assert!(
        s.contains("PID") && s.contains("RUNQ%") && s.contains("by runq"),
        "{s}"
    );
    assert!(s.contains("q quit"), "{s}");
    tmux.keys("c");
    let s = tmux.screen_with("sorted by cpu");
    assert!(s.contains("sorted by cpu") && s.contains("by cpu"), "{s}");
    tmux.keys("q");
    tmux.assert_ends("top did not quit on q");
}

#[test]
fn namespaces_are_explained() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("namespaces_are_explained") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_taskstat");
    // Another network namespace: registration works, records never come.
    let out = Command::new("unshare")
        .args(["-n", bin, "listen", "--duration", "0.2"])
        .output()
        .expect("unshare (util-linux)");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not the initial network namespace"),
        "{out:?}"
    );
    // Another pid namespace: the kernel refuses the registration.
    let out = Command::new("unshare")
        .args([
            "-p",
            "-f",
            "--mount-proc",
            bin,
            "listen",
            "--duration",
            "0.2",
        ])
        .output()
        .expect("unshare");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("initial pid namespace") && err.lines().count() == 1,
        "{err}"
    );
    // run still runs the command and passes its status on, without a report.
    let out = Command::new("unshare")
        .args(["-n", bin, "run", "--", "sh", "-c", "exit 5"])
        .output()
        .expect("unshare");
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no exit record"),
        "{out:?}"
    );
}

/// json is one JSON array wherever it is asked for: from a stream that ends
/// (listen --count, decode, --interval --count) as from a one-shot query.
/// A format a command cannot print is a usage error, not another format.
#[test]
fn json_streams_are_arrays_and_unfit_formats_are_usage_errors() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("json_streams_are_arrays_and_unfit_formats_are_usage_errors") else {
        return;
    };
    let file: PathBuf =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("json-{}.tsk", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let l = Listener::start(&[
        "-f",
        "json",
        "--comm",
        "tsstorm-1",
        "--count",
        "5",
        "--write",
        file.to_str().unwrap(),
    ]);
    storm(50, 0);
    let (code, out, err) = l.finish();
    assert_eq!(code, Some(0), "{err}");
    let arr: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let arr = arr.as_array().expect("an array");
    assert_eq!(arr.len(), 5);
    assert!(arr.iter().all(|r| r["comm"] == "tsstorm-1"), "{out}");

    let decoded = |format: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["decode", "-f", format])
            .arg(&file)
            .output()
            .expect("decode");
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).expect("utf-8")
    };
    let as_json: Value = serde_json::from_str(&decoded("json")).expect("decode -f json");
    assert_eq!(as_json.as_array().map(Vec::len), Some(5));
    assert_eq!(as_json, Value::Array(lines(&decoded("ndjson"))));
    let _ = std::fs::remove_file(&file);

    let me = std::process::id().to_string();
    let o = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["pid", &me, "--interval", "0.2", "--count", "2", "--json"])
        .output()
        .expect("interval");
    assert!(o.status.success(), "{o:?}");
    let iv: Value = serde_json::from_slice(&o.stdout).expect("interval --json is one document");
    let iv = iv.as_array().expect("an array");
    assert_eq!(iv.len(), 2);
    assert!(
        iv[0]["interval"]["seconds"]
            .as_f64()
            .is_some_and(|s| s > 0.1)
    );

    let o = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["pid", &me, "--interval", "1", "-f", "getdelays"])
        .output()
        .expect("interval getdelays");
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no interval form"));
}

#[test]
fn top_shows_a_processs_writes_in_its_row() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_shows_a_processs_writes_in_its_row") else {
        return;
    };
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("top-w-{}.dat", std::process::id()));
    let writer = Command::new(example("workload"))
        .args(["write-for", "8000"])
        .arg(&path)
        .stdout(Stdio::null())
        .spawn()
        .expect("start the writer");
    let writer = Procs::one(writer);
    let sleeper = Procs::one(Command::new("sleep").arg("60").spawn().expect("sleep"));
    let pid = writer.0[0].id().to_string();
    let written = || {
        std::fs::read_to_string(format!("/proc/{pid}/io"))
            .ok()
            .and_then(|io| {
                io.lines()
                    .find_map(|l| l.strip_prefix("write_bytes: ")?.trim().parse::<u64>().ok())
            })
            .expect("the writer's /proc/PID/io")
    };
    let before = written();
    // Only the writer and a sleeper (-p): on a busy machine other
    // processes (a linker, say) may write faster than the writer.
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["top", "-b", "-n", "2", "-d", "0.7", "--sort", "write"])
        .args(["-p", &format!("{pid},{}", sleeper.0[0].id())])
        .output()
        .expect("run");
    let kernel_bytes = (written() - before) as f64;
    drop(writer);
    drop(sleeper);
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut shown = 0.0;
    for table in text.split("\n\n") {
        // After the refresh's time line.
        let mut lines = table.lines().skip(1);
        let header: Vec<&str> = lines.next().expect("header").split_whitespace().collect();
        assert_eq!(header.last(), Some(&"WRITE/s"), "{table}");
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 2, "{table}");
        assert_eq!(
            rows[0].split_whitespace().next(),
            Some(pid.as_str()),
            "the writer sorts first by WRITE/s:\n{table}"
        );
        // "12.0 MiB" is two words: the rate is the last two of the row.
        let words: Vec<&str> = rows[0].split_whitespace().collect();
        let rate = &words[words.len() - 2..];
        let value = rate[0].parse::<f64>().unwrap_or(0.0);
        let unit = match rate[1] {
            "KiB" => 1024.0,
            "MiB" => 1048576.0,
            "GiB" => 1073741824.0,
            _ => 0.0,
        };
        assert!(
            value > 0.0 && unit > 0.0,
            "WRITE/s of the writer: {}",
            rows[0]
        );
        // The least the shown figure can stand for: it is rounded to the
        // digits it shows (one decimal or none, as the column has room).
        let decimals = rate[0].split_once('.').map_or(0, |(_, f)| f.len());
        let half_step = 0.5 / 10f64.powi(decimals as i32);
        shown += (value - half_step).max(0.0) * unit * 0.7;
        assert!(
            rows[1].ends_with(" 0 B"),
            "the sleeper wrote nothing: {table}"
        );
    }
    // No more than the kernel counted while top ran: each refresh is at
    // least its 0.7 s.
    assert!(
        shown <= kernel_bytes,
        "top shows {shown} bytes written; the kernel counted {kernel_bytes} while top ran"
    );
}

/// A task names itself; its name is data: exact in JSON and csv, escaped
/// (control characters as `?`, like ps) wherever people read it.
#[test]
fn a_hostile_name_cannot_forge_lines() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_hostile_name_cannot_forge_lines") else {
        return;
    };
    const NAME: &str = "a,b\"c\nd\te;f";
    const SHOWN: &str = "a,b\"c?d?e;f";
    let l = Listener::start(&["-f", "table", "--comm", "a,b*", "--count", "1"]);
    let w = common::Workload::start(&["named", NAME]);
    let pid = w.pid().to_string();
    let run = |args: &[&str]| String::from_utf8(succeeded(args).stdout).expect("utf-8");

    let nd = run(&["pid", &pid, "-f", "ndjson"]);
    assert_eq!(nd.lines().count(), 1, "{nd}");
    let v: Value = serde_json::from_str(&nd).expect("one JSON line");
    assert_eq!(v["comm"], NAME);
    let j: Value = serde_json::from_str(&run(&["tgid", &pid, "--json"])).expect("JSON");
    assert_eq!(j[0]["comm"], NAME);

    let csv_text = run(&["pid", &pid, "-f", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1, "one csv row: {csv_text}");
    let comm = header
        .iter()
        .position(|h| h == "comm")
        .expect("comm column");
    assert_eq!(&rows[0][comm], NAME);

    for (args, at_start) in [
        (vec!["pid", &pid], format!("PID {pid} ({SHOWN})")),
        (vec!["tgid", &pid, "-d"], format!("TGID {pid} ({SHOWN})")),
        (
            vec!["pid", &pid, "-f", "getdelays", "-i"],
            format!("{SHOWN}: read="),
        ),
    ] {
        let text = run(&args);
        assert!(text.starts_with(&at_start), "{args:?}:\n{text}");
        assert!(!text.contains(NAME), "{args:?} printed the raw name");
    }
    let rows = run(&["threads", &pid]);
    assert!(rows.lines().any(|l| l.contains(SHOWN)), "{rows}");
    assert!(!rows.contains(NAME));

    drop(w);
    let (code, out, err) = l.finish();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 2, "a header and one row:\n{out}");
    assert!(
        out.lines().nth(1).is_some_and(|l| l.contains(SHOWN)),
        "{out}"
    );
}

/// A name with bytes that are not UTF-8, an escape sequence and a newline,
/// through every format of every subcommand that prints names: text
/// formats show it as ps does (`?` for each control character and each
/// run of bytes that is not UTF-8), JSON and csv carry it with U+FFFD for
/// those bytes, as documented.
#[test]
fn a_name_that_is_not_utf8_in_every_format_of_every_subcommand() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_name_that_is_not_utf8_in_every_format_of_every_subcommand") else {
        return;
    };
    // \xff a ESC [ 2 J b \n c \xfe
    const HEX: &str = "ff611b5b324a620a63fe";
    const RECORDED: &str = "\u{fffd}a\u{1b}[2Jb\nc\u{fffd}";
    const SHOWN: &str = "?a?[2Jb?c?";
    const FORMATS: [&str; 5] = ["table", "json", "ndjson", "csv", "getdelays"];

    /// What `format` must show of the name in `out` (lossily decoded: a
    /// byte that is not UTF-8 would show as U+FFFD).
    fn check(what: &str, format: &str, out: &[u8]) {
        let text = String::from_utf8_lossy(out);
        let has_comm = |v: &Value| v["comm"] == RECORDED;
        match format {
            "json" => {
                let v: Value =
                    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{what}: {e}:\n{text}"));
                let all = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
                assert!(all.iter().any(has_comm), "{what}: no exact comm:\n{text}");
            }
            "ndjson" => {
                let all = lines(&text);
                assert!(all.iter().any(has_comm), "{what}: no exact comm:\n{text}");
            }
            "csv" => {
                let mut r = csv::Reader::from_reader(out);
                let header = r.headers().expect("csv header").clone();
                let at = header
                    .iter()
                    .position(|h| h == "comm")
                    .expect("comm column");
                let rows: Vec<csv::StringRecord> =
                    r.records().map(|x| x.expect("csv row")).collect();
                assert!(
                    rows.iter().any(|row| &row[at] == RECORDED),
                    "{what}: no exact comm:\n{text}"
                );
            }
            _ => {
                assert!(
                    std::str::from_utf8(out).is_ok(),
                    "{what}: not UTF-8:\n{text}"
                );
                // getdelays prints the kernel's thread-group record, which has no name.
                let nameless = what.starts_with("tgid -f getdelays");
                assert!(
                    nameless || text.contains(SHOWN),
                    "{what}: no {SHOWN:?}:\n{text}"
                );
                assert!(!text.contains('\u{1b}'), "{what}: a raw escape:\n{text}");
                assert!(!text.contains("b\nc"), "{what}: a raw newline in the name");
            }
        }
    }

    // Listeners for each format, and one that writes the exit records for decode.
    let dir = std::env::temp_dir().join(format!("taskstat-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let tsk = dir.join("exits.tsk");
    let tsk_arg = tsk.display().to_string();
    let mut listeners: Vec<(&str, Listener)> = FORMATS
        .iter()
        .map(|f| {
            (
                *f,
                Listener::start(&["-f", f, "--comm", "2J", "--count", "1"]),
            )
        })
        .collect();
    let writer = Listener::start(&["--comm", "2J", "--count", "1", "--write", &tsk_arg]);

    let w = common::Workload::start(&["named-bytes", HEX]);
    let pid = w.pid().to_string();
    for sub in ["pid", "tgid", "threads"] {
        for f in FORMATS {
            let o = succeeded(&[sub, &pid, "-f", f]);
            check(&format!("{sub} -f {f}"), f, &o.stdout);
        }
    }
    for extra in [&[][..], &["--by", "comm"][..]] {
        let mut args = vec!["top", "-b", "-n", "1", "-d", "0.1", "-p", &pid];
        args.extend_from_slice(extra);
        let o = succeeded(&args);
        check(&format!("{args:?}"), "table", &o.stdout);
    }
    drop(w);
    for (f, l) in listeners.drain(..) {
        let (code, out, err) = l.finish();
        assert_eq!(code, Some(0), "listen -f {f}: {err}");
        check(&format!("listen -f {f}"), f, out.as_bytes());
    }
    let (code, _, err) = writer.finish();
    assert_eq!(code, Some(0), "listen --write: {err}");
    for f in FORMATS {
        let o = succeeded(&["decode", &tsk_arg, "-f", f]);
        check(&format!("decode -f {f}"), f, &o.stdout);
    }

    // run: the report goes to stderr, the full records with -v.
    let workload = example("workload").display().to_string();
    for f in FORMATS {
        let mut args = vec!["run", "-f", f];
        if f == "table" {
            args.push("-v");
        }
        // Machine formats need -o (stderr is the command's too).
        if matches!(f, "json" | "ndjson" | "csv") {
            args.extend(["-o", "/dev/stderr"]);
        }
        args.extend(["--", &workload, "named-bytes", HEX, "exit"]);
        let o = succeeded(&args);
        check(&format!("{args:?}"), f, &o.stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `run` reports the command's whole tree, like time(1): a child's writes
/// and CPU are in the total without any flag.
#[test]
fn run_totals_the_whole_tree_by_default() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_totals_the_whole_tree_by_default") else {
        return;
    };
    let dir = env!("CARGO_TARGET_TMPDIR");
    let file = format!("{dir}/tree-{}.dat", std::process::id());
    let script = format!(
        "dd if=/dev/zero of={file} bs=1M count=8 conv=fsync 2>/dev/null; {} exit-threads 1 300 0 {dir} 0; rm -f {file}",
        example("workload").display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args([
            "run",
            "-f",
            "json",
            "-o",
            "/dev/stderr",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stderr).expect("JSON report");
    let recs = v.as_array().expect("array");
    assert_eq!(recs.len(), 2, "the command's record and the total: {v}");
    assert_eq!(recs[0]["comm"], "sh");
    // The shell itself wrote and burned next to nothing.
    assert!(recs[0]["io"]["write_bytes"].as_u64().unwrap() < 1_048_576);
    let total = &recs[1];
    assert_eq!(total["type"], "total");
    assert!(
        total["processes"].as_u64().unwrap() >= 3,
        "sh, dd, workload: {total}"
    );
    assert!(
        u64_at(total, &["io", "write_bytes"]) >= 8 * 1_048_576,
        "{total}"
    );
    assert!(
        u64_at(total, &["cpu", "run_virtual_ns"]) >= 250_000_000,
        "{total}"
    );
}

fn u64_at(v: &Value, path: &[&str]) -> u64 {
    common::u64_at(v, path)
}

/// A pid reused by a process outside the tree does not bring it in: the
/// command's child exits, an outsider is made to get its pid (ns_last_pid),
/// and the outsider's child, whose parent pid is the old member's, is not
/// counted.
#[test]
fn run_does_not_count_a_newcomer_with_a_members_old_pid() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_does_not_count_a_newcomer_with_a_members_old_pid") else {
        return;
    };
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("reuse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let member_pid = dir.join("member");
    let go = dir.join("go");
    // The command: a child that exits at once (its pid is written down once
    // it is reaped), then wait until the test says go.
    let script = format!(
        "/bin/true & wait $!; echo $! > {m}.tmp; mv {m}.tmp {m}; while [ ! -e {go} ]; do sleep 0.02; done",
        m = member_pid.display(),
        go = go.display()
    );
    let taskstat = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args([
            "run",
            "--children",
            "-f",
            "json",
            "-o",
            "/dev/stderr",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("taskstat run");
    wait_until(Duration::from_secs(10), "the command's child's pid", || {
        member_pid.exists()
    });
    let n: u32 = std::fs::read_to_string(&member_pid)
        .expect("the child's pid")
        .trim()
        .parse()
        .expect("a pid");
    // The outsider takes pid n; its child (which burns 200 ms and exits)
    // names n as its parent.
    // (Not the shell's last command, so that it forks rather than execs.)
    let outsider = format!(
        "{} exit-threads 1 200 0 {} 0; exit 0",
        example("workload").display(),
        dir.display()
    );
    let mut got = None;
    for _ in 0..20 {
        std::fs::write("/proc/sys/kernel/ns_last_pid", (n - 1).to_string())
            .expect("write ns_last_pid (root)");
        let mut o = Command::new("sh")
            .args(["-c", &outsider])
            .spawn()
            .expect("the outsider");
        let pid = o.id();
        let status = o.wait().expect("wait the outsider");
        assert!(status.success());
        if pid == n {
            got = Some(pid);
            break;
        }
    }
    assert_eq!(got, Some(n), "no outsider got pid {n}");
    std::fs::write(&go, "").expect("go");
    let out = taskstat.wait_with_output().expect("taskstat");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stderr).expect("JSON report");
    let recs = v.as_array().expect("array");
    let comms: Vec<&str> = recs.iter().filter_map(|r| r["comm"].as_str()).collect();
    assert!(
        !recs
            .iter()
            .any(|r| r["comm"] == "workload" || r["ppid"] == n),
        "the outsider's child was counted: {comms:?}"
    );
    assert!(
        recs.iter().any(|r| r["pid"] == n && r["comm"] == "true"),
        "the member itself is counted: {comms:?}"
    );
    let total = recs.last().expect("total");
    assert!(
        u64_at(total, &["cpu", "run_virtual_ns"]) < 150_000_000,
        "{:?}",
        recs.iter()
            .map(|r| (r["pid"].clone(), r["ppid"].clone(), r["comm"].clone()))
            .collect::<Vec<_>>()
    );
}

/// What supervisors do to the process they started: signals sent to
/// taskstat alone reach the command, and the report is still written, with
/// the command's status.
#[test]
fn run_passes_signals_on_and_still_reports() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_passes_signals_on_and_still_reports") else {
        return;
    };
    for (sig, name, code) in [
        (libc::SIGTERM, "TERM", 143),
        (libc::SIGINT, "INT", 130),
        (libc::SIGHUP, "HUP", 129),
    ] {
        let ready = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("sig-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&ready);
        let script = format!(
            "echo $$ > {r}.tmp; mv {r}.tmp {r}; exec sleep 30",
            r = ready.display()
        );
        let child = Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args([
                "run",
                "-f",
                "json",
                "-o",
                "/dev/stderr",
                "--",
                "sh",
                "-c",
                &script,
            ])
            .stderr(Stdio::piped())
            .spawn()
            .expect("taskstat run");
        let deadline = Instant::now() + Duration::from_secs(10);
        wait_until(
            Duration::from_secs(10),
            &format!("{name}: the command"),
            || ready.exists(),
        );
        let cmd: u32 = std::fs::read_to_string(&ready)
            .expect("the command's pid")
            .trim()
            .parse()
            .expect("a pid");
        // The shell writes the file before it execs sleep: a signal sent
        // in between ends the shell, not sleep (seen on a busy machine).
        wait_until(
            deadline.saturating_duration_since(Instant::now()),
            &format!("{name}: sleep"),
            || {
                !std::fs::read_to_string(format!("/proc/{cmd}/comm"))
                    .is_ok_and(|c| c.trim() != "sleep")
            },
        );
        signal(child.id(), sig).unwrap_or_else(|e| panic!("{name}: {e}"));
        let start = Instant::now();
        let out = child.wait_with_output().expect("taskstat");
        let _ = std::fs::remove_file(&ready);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{name}: the command was not stopped"
        );
        assert_eq!(out.status.code(), Some(code), "{name}: {out:?}");
        let v: Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|e| panic!("{name}: no JSON report ({e}): {out:?}"));
        assert_eq!(v[0]["comm"], "sleep", "{name}: {v}");
        assert_eq!(u64_at(&v[0], &["pid"]), u64::from(cmd));
        assert!(
            !Path::new(&format!("/proc/{cmd}")).exists(),
            "{name}: the command {cmd} outlived taskstat"
        );
    }
}

/// ^C at a terminal reaches the whole foreground group: the command stops,
/// taskstat reports and exits 130.
#[test]
fn run_reports_after_ctrl_c_at_a_terminal() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("run_reports_after_ctrl_c_at_a_terminal") else {
        return;
    };
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ctrl-c-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (report, code, ready) = (dir.join("report"), dir.join("code"), dir.join("ready"));
    let session = format!("taskstat-ctrl-c-{}", std::process::id());
    // The outer shell traps SIGINT (a handler, which exec resets in its
    // children) so that it lives on to write taskstat's status.
    let line = format!(
        "trap 'true' INT; {} run -f json -o {} -- sh -c 'touch {}; exec sleep 30'; echo $? > {}",
        env!("CARGO_BIN_EXE_taskstat"),
        report.display(),
        ready.display(),
        code.display()
    );
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux (apt-get install tmux)")
    };
    let o = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "30",
        "bash",
        "-c",
        &line,
    ]);
    assert!(o.status.success(), "{o:?}");
    let wait_for = |p: &Path, what: &str| wait_until(Duration::from_secs(10), what, || p.exists());
    wait_for(&ready, "the command");
    std::thread::sleep(Duration::from_millis(100));
    tmux(&["send-keys", "-t", &session, "C-c"]);
    wait_for(&code, "taskstat's exit");
    std::thread::sleep(Duration::from_millis(50));
    let _ = tmux(&["kill-session", "-t", &session]);
    let status = std::fs::read_to_string(&code).expect("code");
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status.trim(), "130");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v[0]["comm"], "sleep");
    assert_eq!(v[0]["exit_code"], 2, "killed by SIGINT (wait status 2)");
}

/// The rows of `top -b` tables: (pid, the row's words), per table.
fn top_tables(args: &[&str]) -> Vec<Vec<(String, Vec<String>)>> {
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .arg("top")
        .args(args)
        .output()
        .expect("run top");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .split("\n\n")
        .map(|t| {
            // Past the refresh's time line and the header.
            t.lines()
                .skip(2)
                .map(|l| {
                    let w: Vec<String> = l.split_whitespace().map(str::to_string).collect();
                    (w[0].clone(), w)
                })
                .collect()
        })
        .collect()
}

fn pids_of(table: &[(String, Vec<String>)]) -> Vec<String> {
    let mut p: Vec<String> = table.iter().map(|(p, _)| p.clone()).collect();
    p.sort();
    p
}

#[test]
fn top_narrows_by_pid_user_name_cgroup_activity_and_accumulates() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_narrows_by_pid_user_name_cgroup_activity_and_accumulates") else {
        return;
    };
    let spawn = |args: &[&str]| {
        Command::new(args[0])
            .args(&args[1..])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("top-a-{}.dat", std::process::id()));
    let workload = example("workload");
    let procs = Procs(vec![
        spawn(&["sleep", "60"]),
        spawn(&["sh", "-c", "while :; do :; done"]),
        spawn(&[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sleep",
            "60",
        ]),
        spawn(&[
            workload.to_str().unwrap(),
            "write-for",
            "20000",
            path.to_str().unwrap(),
        ]),
    ]);
    let (sleeper, burner, nobody, writer) =
        (procs.pid(0), procs.pid(1), procs.pid(2), procs.pid(3));
    std::thread::sleep(Duration::from_millis(200));

    // -p: exactly those processes, in every refresh.
    let both = format!("{sleeper},{burner}");
    for t in top_tables(&["-b", "-n", "2", "-d", "0.3", "-p", &both]) {
        let mut want = vec![sleeper.clone(), burner.clone()];
        want.sort();
        assert_eq!(pids_of(&t), want);
    }
    // -o: the sleeper did nothing in the interval, the burner ran.
    for t in top_tables(&["-b", "-n", "1", "-d", "0.3", "-p", &both, "-o"]) {
        assert_eq!(pids_of(&t), vec![burner.clone()]);
    }
    // -u: names through the user database, numbers as they are.
    for user in ["nobody", "65534"] {
        let t = &top_tables(&["-b", "-n", "1", "-d", "0.2", "-u", user])[0];
        assert!(t.iter().any(|(p, _)| *p == nobody), "{user}: {t:?}");
        for (p, _) in t {
            let uid = std::fs::read_to_string(format!("/proc/{p}/status"))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("Uid:"))
                        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
                });
            assert!(
                uid.is_none() || uid.as_deref() == Some("65534"),
                "{p} has uid {uid:?}"
            );
        }
    }
    // --comm: a regular expression.
    let t = &top_tables(&["-b", "-n", "1", "-d", "0.2", "--comm", "^kworker"])[0];
    assert!(!t.is_empty());
    assert!(t.iter().all(|(_, w)| w[1].starts_with("kworker")), "{t:?}");
    // -a: totals since top started grow from one refresh to the next.
    let tables = top_tables(&["-b", "-n", "3", "-d", "0.4", "-p", &writer, "-a"]);
    let written: Vec<f64> = tables
        .iter()
        .map(|t| {
            let w = &t[0].1;
            let v: f64 = w[w.len() - 2].parse().expect("a number");
            v * match w[w.len() - 1].as_str() {
                "B" => 1.0,
                "KiB" => 1024.0,
                "MiB" => 1048576.0,
                "GiB" => 1073741824.0,
                u => panic!("unit {u}"),
            }
        })
        .collect();
    assert!(
        written[0] > 0.0 && written[1] > written[0] && written[2] > written[1],
        "{written:?}"
    );
    drop(procs);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn top_narrows_to_a_cgroup_and_below() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_narrows_to_a_cgroup_and_below") else {
        return;
    };
    let Some(group) = common::Group2::new("top") else {
        return;
    };
    let Some(sub) = group.child("child") else {
        return;
    };
    let procs = Procs(vec![
        Command::new("sleep").arg("60").spawn().expect("sleep"),
        Command::new("sleep").arg("60").spawn().expect("sleep"),
        Command::new("sleep").arg("60").spawn().expect("sleep"),
    ]);
    group.add(procs.0[0].id());
    sub.add(procs.0[1].id());
    let rel = group.path.clone();
    let mut want = vec![procs.pid(0), procs.pid(1)];
    want.sort();
    // By its path in the tree, and by its directory.
    for arg in [rel.as_str(), group.dir.to_str().unwrap()] {
        let t = &top_tables(&["-b", "-n", "1", "-d", "0.2", "--cgroup", arg])[0];
        assert_eq!(pids_of(t), want, "{arg}");
    }
    // Combined with -p: the third sleeper is not in the group.
    let t = &top_tables(&[
        "-b",
        "-n",
        "1",
        "-d",
        "0.2",
        "--cgroup",
        &rel,
        "-p",
        &format!("{},{}", procs.pid(1), procs.pid(2)),
    ])[0];
    assert_eq!(pids_of(t), vec![procs.pid(1)]);
    drop(procs);
}

#[test]
fn top_filters_that_name_nothing_are_usage_errors() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for args in [
        vec!["-p", "0"],
        vec!["-p", "abc"],
        vec!["-p", &common::pid_max_plus_one()],
        vec!["-u", "no-such-user-here"],
        vec!["--cgroup", "/no/such/group"],
        vec!["--comm", "("],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
            .args(["top", "-b", "-n", "1"])
            .args(&args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("panicked") && !err.trim().is_empty(),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// listen takes top's filters: --user, and --cgroup, which places a task
/// too short-lived to be seen in the group by its parent.
#[test]
fn listen_filters_by_user_and_cgroup() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("listen_filters_by_user_and_cgroup") else {
        return;
    };
    let Some(group) = common::Group2::new("listen") else {
        return;
    };
    let rel = group.path.clone();
    let in_group = Listener::start(&["-f", "ndjson", "--cgroup", &rel, "--comm", "^true$"]);
    let as_nobody = Listener::start(&["-f", "ndjson", "-u", "nobody", "--comm", "^true$"]);
    // A shell in the group runs 20 short children; one outside runs 5, as nobody.
    let mut inside = Command::new("sh")
        .args(["-c", "read go; for i in $(seq 20); do /bin/true; done"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("sh");
    group.add(inside.id());
    // Seen in the group before its children start.
    std::thread::sleep(Duration::from_millis(300));
    use std::io::Write as _;
    inside
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("go");
    let outside = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sh",
            "-c",
            "for i in 1 2 3 4 5; do /bin/true; done",
        ])
        .status()
        .expect("outside");
    assert!(outside.success());
    assert!(inside.wait().expect("inside").success());
    std::thread::sleep(Duration::from_millis(300));
    in_group.signal("INT");
    as_nobody.signal("INT");
    let (_, g_out, g_err) = in_group.finish();
    let (_, n_out, n_err) = as_nobody.finish();
    let g = lines(&g_out);
    let n = lines(&n_out);
    assert_eq!(
        g.iter().filter(|r| r["type"] == "pid").count(),
        20,
        "the group's 20 children: {g_err}"
    );
    assert_eq!(
        n.iter().filter(|r| r["type"] == "pid").count(),
        5,
        "nobody's 5: {n_err}"
    );
    assert!(n.iter().all(|r| r["uid"] == 65534));
}

/// `top --by cgroup`: a group whose work is all done by processes of 30 ms
/// shows that work, because the exits of an interval count in it. What top
/// shows the group used is what the kernel's own accounting of the group
/// (cgroup2 cpu.stat) counted: the work starts after top's first refresh
/// and ends refreshes before its last, so they cover all of it, however
/// long a busy machine takes.
#[test]
fn top_by_cgroup_counts_the_processes_that_exited() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_by_cgroup_counts_the_processes_that_exited") else {
        return;
    };
    let Some(group) = common::Group2::new("by") else {
        return;
    };
    let (rel, dir) = (group.path.clone(), group.dir.clone());
    let mut top = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args([
            "top", "--json", "-n", "100", "-d", "0.4", "--by", "cgroup", "--cgroup", &rel,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run top");
    // The refreshes as they come: each is printed (and flushed) after its
    // sample and before the next sample is taken.
    let stdout = BufReader::new(top.stdout.take().expect("stdout"));
    let (tx, refreshes) = mpsc::channel::<Value>();
    let reader = std::thread::spawn(move || {
        let mut element = String::new();
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            if line == "{" {
                element.clear();
            }
            element.push_str(&line);
            element.push('\n');
            if line == "}" {
                let v = serde_json::from_str(&element).expect("a refresh of JSON");
                if tx.send(v).is_err() {
                    break;
                }
            }
        }
    });
    let next = |what: &str| {
        refreshes
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    };
    let mut seen = vec![next("the first refresh")];
    let used_before = group.usage_usec();
    let script = format!(
        "echo $$ > {}/cgroup.procs; i=0; while [ $i -lt 20 ]; do {} burn-exit 30 || exit 1; i=$((i + 1)); done",
        dir.display(),
        example("workload").display()
    );
    let load = Command::new("sh")
        .args(["-c", &script])
        .status()
        .expect("the load");
    assert!(load.success(), "{load:?}");
    let used = group.usage_usec() - used_before;
    // Every refresh printed from now on was sampled after the load ended;
    // two more, for exit records still on their way to top.
    seen.extend(refreshes.try_iter());
    for _ in 0..3 {
        seen.push(next("a refresh after the load"));
    }
    let _ = signal(top.id(), libc::SIGINT);
    let _ = top.wait();
    let _ = reader.join();
    drop(group);
    let mut shown = 0.0;
    for r in &seen {
        let rows = r["rows"].as_array().expect("rows");
        assert!(rows.len() <= 1, "at most one row, the group: {r}");
        for row in rows {
            assert_eq!(row["cgroup"], rel.as_str(), "{row}");
            let secs = r["seconds"].as_f64().expect("seconds");
            shown += row["cpu_percent"].as_f64().expect("CPU%") / 100.0 * secs;
        }
    }
    let used = used as f64 / 1e6;
    assert!(
        used > 0.5,
        "20 processes burned 30 ms each: the kernel counted {used} s"
    );
    assert!(
        (shown - used).abs() <= 0.05 * used + 0.01,
        "top showed the group using {shown:.3} s of CPU; the kernel's cpu.stat counted {used:.3} s"
    );
    // By user: one row per user, its task count first.
    let t = &top_tables(&["-b", "-n", "1", "-d", "0.3", "--by", "user"])[0];
    let root = t.iter().find(|(_, w)| w[1] == "root").expect("a root row");
    assert!(root.0.parse::<u32>().is_ok_and(|n| n > 1), "{root:?}");
}

/// One netlink attribute, padded to 4 bytes.
fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
    let mut a = Vec::new();
    a.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
    a.extend_from_slice(&kind.to_ne_bytes());
    a.extend_from_slice(value);
    a.resize(a.len().next_multiple_of(4), 0);
    a
}

/// The exit message of the last thread of a multi-threaded process on a
/// v16 kernel before "taskstats: set version in TGID exit notifications"
/// (the seed's kernel/taskstats.c): the thread's record, then a 560-byte
/// group record with version 0 where only delayacct_add_tsk() wrote
/// (delays, cpu_run_real_total, cpu_run_virtual_total). Family id 0:
/// listen's TASKSTAT_INJECT_EXIT_MESSAGES stamps the kernel's.
fn v0_exit_message(pid: u32, tgid: u32, group_len: usize) -> Vec<u8> {
    let put = |buf: &mut [u8], off: usize, v: &[u8]| buf[off..off + v.len()].copy_from_slice(v);
    let mut thread = vec![0u8; 560];
    put(&mut thread, 0, &16u16.to_ne_bytes());
    put(&mut thread, 8, &[0x20]); // AGROUP
    put(&mut thread, 72, &1_000_000u64.to_ne_bytes()); // cpu_run_virtual_total
    put(&mut thread, 80, b"v0-last-thread");
    put(&mut thread, 128, &pid.to_ne_bytes());
    put(&mut thread, 368, &tgid.to_ne_bytes());
    put(&mut thread, 152, &900u64.to_ne_bytes()); // ac_utime
    let mut group = vec![0u8; group_len];
    put(&mut group, 16, &40u64.to_ne_bytes()); // cpu_count
    put(&mut group, 24, &5_000_000u64.to_ne_bytes()); // cpu_delay_total
    put(&mut group, 32, &3u64.to_ne_bytes()); // blkio_count
    put(&mut group, 40, &9_000_000u64.to_ne_bytes()); // blkio_delay_total
    put(&mut group, 64, &250_000_000u64.to_ne_bytes()); // cpu_run_real_total
    put(&mut group, 72, &240_000_000u64.to_ne_bytes()); // cpu_run_virtual_total
    let mut attrs = nla(
        4, // TASKSTATS_TYPE_AGGR_PID
        &[nla(1, &pid.to_ne_bytes()), nla(3, &thread)].concat(),
    );
    attrs.extend(nla(
        5, // TASKSTATS_TYPE_AGGR_TGID
        &[nla(2, &tgid.to_ne_bytes()), nla(3, &group)].concat(),
    ));
    let mut msg = Vec::new();
    msg.extend_from_slice(&((16 + 4 + attrs.len()) as u32).to_ne_bytes());
    msg.extend_from_slice(&0u16.to_ne_bytes()); // nlmsg_type: the family
    msg.extend_from_slice(&[0; 10]); // flags, seq, port 0 (the kernel)
    msg.extend_from_slice(&[2, 1, 0, 0]); // TASKSTATS_CMD_NEW, version 1
    msg.extend(attrs);
    msg
}

/// `listen --groups-only` prints the process's own record from a version-0
/// group record, not its last thread's, with no warning: the message goes
/// through the socket's path (TASKSTAT_INJECT_EXIT_MESSAGES queues it as a received datagram).
#[test]
fn groups_only_prints_a_version_0_group_record_as_the_process() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("groups_only_prints_a_version_0_group_record_as_the_process") else {
        return;
    };
    // Ids no live task has, so that a real exit cannot pass --tgid.
    let (pid, tgid) = (4_000_000_001u32, 4_000_000_000u32);
    let fixture =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("v0-exit-{}.bin", std::process::id()));
    // Three exits in one datagram, as a receive can hold them: first one
    // whose group record has a length its thread record does not (so no
    // layout to read it by; another process, so nothing of it is printed),
    // then two version-0 exits of the process.
    let datagram = [
        v0_exit_message(pid + 2, tgid + 2, 552),
        v0_exit_message(pid, tgid, 560),
        v0_exit_message(pid, tgid, 560),
    ]
    .concat();
    std::fs::write(&fixture, datagram).expect("write the fixture");
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["listen", "--groups-only", "--tgid", &tgid.to_string()])
        .args(["--count", "2", "--duration", "10", "-f", "ndjson"])
        .env("TASKSTAT_INJECT_EXIT_MESSAGES", &fixture)
        .output()
        .expect("taskstat listen");
    let _ = std::fs::remove_file(&fixture);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{out:?}");
    let records = lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(records.len(), 2, "{out:?}");
    for r in &records {
        assert_eq!(r["type"], "tgid", "{r}");
        assert_eq!(r["id"], tgid);
        assert_eq!(r["version"], 16);
        // The process's figures, not the last thread's.
        assert_eq!(r["cpu"]["run_virtual_ns"], 240_000_000u64);
        assert_eq!(r["delays"]["cpu"]["total_ns"], 5_000_000u64);
        assert!(r["cpu"]["user_us"].is_null(), "{r}");
        assert!(r["comm"].is_null(), "{r}");
        assert!(
            r["notes"][0]
                .as_str()
                .is_some_and(|n| n.starts_with("whole-process exit record from a kernel before")),
            "{r}"
        );
    }
    for line in stderr.lines() {
        // The accounting warning depends on the machine, not the record.
        assert!(
            !line.contains("warning") || line.contains("kernel.task_delayacct"),
            "{stderr}"
        );
    }
    // Only the record that cannot be decoded is mentioned, once, at the end.
    assert!(
        stderr.contains(
            "(3 pid, 2 tgid) from 3 exit messages, 2 printed; skipped 1 record that cannot be decoded (the first: a 552-byte whole-process record with struct version 0 has a thread record of another length beside it); 0 exit messages lost"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("skipped").count(), 1, "{stderr}");
}

/// A process row's I/O is its own threads': a shell that reaps a child
/// which wrote 32 MiB shows no burst of writes when it reaps it (its
/// /proc/PID/io takes the child's in at that moment).
#[test]
fn top_shows_no_burst_when_a_parent_reaps_a_writer() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_shows_no_burst_when_a_parent_reaps_a_writer") else {
        return;
    };
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("top-reap-{}.dat", std::process::id()));
    let script = format!(
        "sleep 0.5; '{}' write-exit 33554432 '{}'; sleep 5",
        example("workload").display(),
        path.display()
    );
    let sh = Procs::one(
        Command::new("sh")
            .args(["-c", &script])
            .spawn()
            .expect("start the shell"),
    );
    let pid = sh.pid(0);
    let out = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["top", "-b", "--json", "-n", "2", "-d", "1.5", "-p", &pid])
        .output()
        .expect("run");
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    drop(sh);
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{out:?}");
    let reaped = io
        .lines()
        .find_map(|l| l.strip_prefix("write_bytes: ")?.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        reaped >= 32 << 20,
        "the child's writes are in /proc/PID/io: {io}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let refreshes = v.as_array().expect("refreshes");
    assert_eq!(refreshes.len(), 2, "{v}");
    for r in refreshes {
        let row = &r["rows"][0];
        assert_eq!(row["pid"].to_string(), pid, "{r}");
        let rate = row["write_bytes_per_second"].as_f64().unwrap_or(0.0);
        assert!(rate < 1_048_576.0, "no burst at the reaping: {r}");
    }
}

/// In an 80x24 terminal (the default of many), top shows every number
/// whole in a shorter unit (a writer's MiB/s as 12.0M), a 15-character
/// name whole, right-aligned numbers, and the footer with q and the sort
/// keys first; then the same for a screen of every process.
#[test]
fn top_fits_an_80_by_24_terminal() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("top_fits_an_80_by_24_terminal") else {
        return;
    };
    let named = common::Workload::start(&["named", "abcdefghijklmno"]);
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("top-80-{}.dat", std::process::id()));
    let writer = Procs::one(
        Command::new(example("workload"))
            .args(["write-for", "8000"])
            .arg(&path)
            .stdout(Stdio::null())
            .spawn()
            .expect("start the writer"),
    );
    let bin = env!("CARGO_BIN_EXE_taskstat");
    let cmd = format!(
        "{bin} top -d 0.5 -s write -p {},{}",
        named.pid(),
        writer.0[0].id()
    );
    let tmux = common::Tmux::start_sized("top80", 80, 24, &cmd);
    let s = tmux.screen_with("refresh 2");
    let rows = common::assert_top_screen(&s);
    assert_eq!(rows.len(), 2, "{s}");
    assert!(rows.iter().any(|r| r.contains(" abcdefghijklmno ")), "{s}");
    // The writer's fsynced MiBs a second, in a unit short enough to fit.
    let w = rows
        .iter()
        .find(|r| r.split_whitespace().next() == Some(&writer.0[0].id().to_string()))
        .unwrap_or_else(|| panic!("the writer's row:\n{s}"));
    let rate = w.split_whitespace().last().expect("WRITE/s");
    assert!(rate.ends_with(['K', 'M', 'G']), "WRITE/s {rate}:\n{s}");
    assert!(s.contains("o only active  a totals  H threads"), "{s}");
    tmux.keys("q");
    tmux.assert_ends("top did not quit on q");
    drop(tmux);

    // Every process, as many as fit.
    let tmux = common::Tmux::start_sized("top80all", 80, 24, &format!("{bin} top -d 0.5"));
    let s = tmux.screen_with("refresh 2");
    let rows = common::assert_top_screen(&s);
    assert!(rows.len() >= 5, "{s}");
    tmux.keys("q");
    tmux.assert_ends("top did not quit on q");
    drop(writer);
    let _ = std::fs::remove_file(&path);
}
