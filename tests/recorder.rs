//! `taskstat record`'s side of history at scale (issue 30): attribution
//! of sleepers, short-lived processes and removed groups, bursts of exits,
//! a stop after a storm, and bad intervals and sizes. A test binary of its
//! own: a recorder hears every exit on the machine, and a storm here would
//! be heard by another binary's recorder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use taskstat::store::Sample;

mod common;

use common::{Group2, Procs, example, exit_within, kernel, lines, store_dir, wait_until};

static SERIAL: Mutex<()> = Mutex::new(());

fn taskstat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(args)
        .output()
        .expect("run taskstat")
}

fn record(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Procs {
    let c = Command::new(env!("CARGO_BIN_EXE_taskstat"))
        .args(["record", "--dir"])
        .arg(dir)
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start taskstat record");
    Procs(vec![c])
}

/// The recorder's first sample is in the store.
fn wait_for_first_sample(dir: &Path) {
    let what = format!("a sample in {}", dir.display());
    wait_until(Duration::from_secs(30), &what, || {
        std::fs::read_dir(dir).into_iter().flatten().any(|e| {
            e.ok()
                .and_then(|e| e.metadata().ok())
                .is_some_and(|m| m.is_file() && m.len() > 0)
        })
    });
}

/// SIGTERM, then the recorder's status and what it said.
fn stop(rec: &mut Procs) -> (std::process::ExitStatus, String) {
    rec.signal(0, libc::SIGTERM);
    let c = &mut rec.0[0];
    let status = exit_within(c, Duration::from_secs(30), "record to stop on SIGTERM");
    let mut err = String::new();
    if let Some(mut e) = c.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    (status, err)
}

/// Every sample in the store, as the store's reader gives it.
fn samples(dir: &Path) -> Vec<Sample> {
    let (s, warnings) = taskstat::store::read(dir, ..).expect("read the store");
    assert!(warnings.is_empty(), "{warnings:?}");
    s
}

/// Waits until the store holds `n` samples taken after `t_ns` (unix ns):
/// a loaded machine takes longer over a sweep than the interval.
fn wait_for_samples_after(dir: &Path, t_ns: i64, n: usize) {
    let what = format!("{n} samples after {t_ns}");
    wait_until(Duration::from_secs(60), &what, || {
        // The newest sample may be half written: its warning is no matter.
        taskstat::store::read(dir, ..)
            .is_ok_and(|(s, _)| s.iter().filter(|s| s.time_ns > t_ns).count() >= n)
    });
}

fn now_ns() -> i64 {
    jiff::Timestamp::now().as_nanosecond() as i64
}

/// The "lost" section's counts of a sample: (not stored, dropped by the
/// kernel), 0 when it has none.
fn lost(s: &Sample) -> (u64, Option<u64>) {
    match s.sections.get("lost").and_then(|l| l.get("exits")) {
        Some(e) => (
            e["not_stored"].as_u64().expect("not_stored is a count"),
            e["dropped_by_kernel"].as_u64(),
        ),
        None => (0, Some(0)),
    }
}

/// A sleeper moved to another cgroup2 group and reniced, without running,
/// shows its new group and nice at the next sample.
#[test]
fn a_sleeper_moved_and_reniced_shows_it_at_the_next_sample() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_sleeper_moved_and_reniced_shows_it_at_the_next_sample") else {
        return;
    };
    let Some(group) = Group2::new("rec-move") else {
        return;
    };
    let dir = store_dir("recorder-move");
    let sleeper = Procs(vec![
        Command::new("sleep")
            .arg("600")
            .spawn()
            .expect("start sleep"),
    ]);
    let pid = sleeper.0[0].id();
    let mut rec = record(&dir, &["-d", "0.5"], &[]);
    wait_for_first_sample(&dir);
    wait_for_samples_after(&dir, 0, 2);
    group.add(pid);
    let reniced = Command::new("renice")
        .args(["-n", "7", "-p", &pid.to_string()])
        .output()
        .expect("renice");
    assert!(reniced.status.success(), "{reniced:?}");
    wait_for_samples_after(&dir, now_ns(), 2);
    let (status, err) = stop(&mut rec);
    assert_eq!(status.code(), Some(0), "{err}");

    let out = taskstat(&[
        "dump",
        "--dir",
        dir.to_str().expect("utf-8"),
        "-f",
        "ndjson",
    ]);
    assert!(out.status.success(), "{out:?}");
    let mine: Vec<Value> = lines(&out.stdout)
        .into_iter()
        .filter(|r| r["pid"] == pid && r["exit_code"].is_null())
        .collect();
    assert!(mine.len() >= 4, "{} samples of the sleeper", mine.len());
    // Its first and last samples: one before the move, one after.
    let (first, last) = (&mine[0], &mine[mine.len() - 1]);
    assert_ne!(first["cgroup"], group.path.as_str(), "{first}");
    assert_eq!(first["nice"], 0, "{first}");
    assert_eq!(last["cgroup"], group.path.as_str(), "{last}");
    assert_eq!(last["nice"], 7, "{last}");
    // It slept throughout: the shortcut for processes that did not run
    // was taken, and still the group and nice are the sample time's.
    assert_eq!(
        first["context_switches"], last["context_switches"],
        "the sleeper ran"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Processes that live 50 ms in a group of their own, born to a parent in
/// another, are stored under their group or as unknown, never under the
/// parent's group or `/`.
#[test]
fn a_short_lived_process_is_stored_under_its_own_group_or_unknown() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_short_lived_process_is_stored_under_its_own_group_or_unknown")
    else {
        return;
    };
    let Some(group) = Group2::new("rec-short") else {
        return;
    };
    let mine = std::fs::read_to_string("/proc/self/cgroup").expect("my cgroup");
    let parent = mine
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .expect("a cgroup2 line")
        .to_string();
    assert_ne!(parent, group.path);
    let dir = store_dir("recorder-short");
    let mut rec = record(&dir, &["-d", "1"], &[]);
    wait_for_first_sample(&dir);
    let procs = group.dir.join("cgroup.procs");
    // The child moves itself into the group before it execs sleep: the
    // same process, with the parent it was born to.
    let children: Vec<Child> = (0..20)
        .map(|_| {
            Command::new("sh")
                .args(["-c", "echo 0 > \"$0\" && exec sleep 0.05"])
                .arg(&procs)
                .spawn()
                .expect("start sleep 0.05 in its group")
        })
        .collect();
    let pids: BTreeSet<u64> = children.iter().map(|c| u64::from(c.id())).collect();
    // Unreaped for a while, as a zombie's parent may leave them.
    std::thread::sleep(Duration::from_millis(800));
    let mut children = Procs(children);
    for c in &mut children.0 {
        assert!(c.wait().expect("wait").success());
    }
    std::thread::sleep(Duration::from_millis(1500));
    let (status, err) = stop(&mut rec);
    assert_eq!(status.code(), Some(0), "{err}");

    let exited: Vec<Value> = samples(&dir)
        .iter()
        .flat_map(|s| s.sections.get("exited").into_iter().flatten())
        .map(|(_, v)| v.clone())
        // Ours: another test on the machine may reuse a pid for its own.
        .filter(|v| v["comm"] == "sleep" && v["ppid"] == std::process::id())
        .filter(|v| v["pid"].as_u64().is_some_and(|p| pids.contains(&p)))
        .collect();
    assert_eq!(exited.len(), pids.len(), "every exit stored: {exited:?}");
    for e in &exited {
        let cg = &e["cgroup"];
        assert!(
            cg.is_null() || *cg == group.path.as_str(),
            "stored under {cg}, not its own group {} or unknown",
            group.path
        );
    }
    // A zombie's /proc entry still names its group: the exits are placed.
    assert!(
        exited.iter().any(|e| e["cgroup"] == group.path.as_str()),
        "none placed in its group: {exited:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Groups created and removed are in the samples while they live, their
/// last figures once after, and then in no later sample.
#[test]
fn a_removed_cgroup_leaves_the_samples() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_removed_cgroup_leaves_the_samples") else {
        return;
    };
    let dir = store_dir("recorder-removed");
    let mut rec = record(&dir, &["-d", "0.3"], &[]);
    wait_for_first_sample(&dir);
    let groups: Vec<Group2> = (0..5)
        .filter_map(|i| Group2::new(&format!("rec-gone{i}")))
        .collect();
    if groups.len() < 5 {
        return;
    }
    let paths: Vec<String> = groups.iter().map(|g| g.path.clone()).collect();
    let mut sleepers = Procs(Vec::new());
    for g in &groups {
        let c = Command::new("sleep")
            .arg("600")
            .spawn()
            .expect("start sleep");
        g.add(c.id());
        sleepers.0.push(c);
    }
    wait_for_samples_after(&dir, now_ns(), 2);
    drop(sleepers);
    drop(groups);
    for p in &paths {
        assert!(
            !Path::new(&format!("{}{p}", Group2::ROOT)).exists(),
            "{p} not removed"
        );
    }
    let removed = now_ns();
    wait_for_samples_after(&dir, removed, 4);
    let (status, err) = stop(&mut rec);
    assert_eq!(status.code(), Some(0), "{err}");

    let all = samples(&dir);
    let listed = |s: &Sample, p: &str| s.sections.get("cgroups").is_some_and(|c| c.contains_key(p));
    for p in &paths {
        let at: Vec<usize> = (0..all.len()).filter(|&i| listed(&all[i], p)).collect();
        assert!(!at.is_empty(), "{p} never in a sample");
        // Of the samples taken after it was removed, at most the first
        // lists it (with its last figures, if they were not given before).
        let first_after = all
            .iter()
            .position(|s| s.time_ns > removed)
            .expect("samples after the removal");
        let later: Vec<usize> = at.iter().copied().filter(|&i| i > first_after).collect();
        assert!(
            later.is_empty(),
            "{p} listed in samples {later:?} after its removal (sample {first_after} of {}): {:?}",
            all.len(),
            all.last()
                .and_then(|s| s.sections.get("cgroups"))
                .map(|c| c.keys().collect::<Vec<_>>())
        );
        // Listed in a run of samples, not again after it left.
        assert!(
            at.windows(2).all(|w| w[1] == w[0] + 1),
            "{p} came back: {at:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An interval with more exits than a sample keeps: the sample keeps as
/// many as it may, counts the rest in its "lost" section, and the
/// recorder goes on (the cap lowered to 50 through its test seam).
#[test]
fn a_burst_beyond_what_a_sample_keeps_is_counted() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("a_burst_beyond_what_a_sample_keeps_is_counted") else {
        return;
    };
    const CAP: usize = 50;
    const STORM: u64 = 600;
    let dir = store_dir("recorder-burst");
    let mut rec = record(
        &dir,
        &["-d", "2"],
        &[("TASKSTAT_MAX_EXITS_PER_SAMPLE", &CAP.to_string())],
    );
    wait_for_first_sample(&dir);
    let storm = Command::new(example("storm"))
        .args([&STORM.to_string(), "0"])
        .output()
        .expect("run the storm");
    assert!(storm.status.success(), "{storm:?}");
    // Two more samples after it, so that it is all stored.
    wait_for_samples_after(&dir, now_ns(), 2);
    assert!(
        rec.0[0].try_wait().expect("wait").is_none(),
        "the burst ended the recorder"
    );
    let (status, err) = stop(&mut rec);
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("were not stored"), "no warning: {err}");

    let all = samples(&dir);
    let mut stored = 0;
    let mut not_stored = 0;
    for s in &all {
        let exited = s.sections.get("exited").map_or(0, |e| e.len());
        assert!(exited <= CAP, "{exited} exits in one sample");
        let (n, dropped) = lost(s);
        assert_eq!(dropped, Some(0), "the kernel dropped exits");
        if n > 0 {
            assert_eq!(exited, CAP, "a sample with exits not stored kept fewer");
        }
        stored += exited as u64;
        not_stored += n;
    }
    // Every exit of the storm (and its two workers, and itself) is stored
    // or counted; others on the machine may add to both.
    assert!(not_stored >= STORM - 3 * CAP as u64, "{not_stored} counted");
    assert!(stored + not_stored >= STORM + 3, "{stored} + {not_stored}");
    // dump says it: a `lost` record per such interval in ndjson, with the
    // same counts, and a warning on stderr.
    let d = dir.display().to_string();
    let out = taskstat(&["dump", "--dir", &d, "-f", "ndjson"]);
    assert!(out.status.success(), "{out:?}");
    let dumped: u64 = lines(&out.stdout)
        .iter()
        .filter(|r| r["type"] == "lost")
        .map(|r| r["exits_not_stored"].as_u64().expect("a count"))
        .sum();
    assert_eq!(dumped, not_stored);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not stored (more than a sample keeps)"),
        "{err}"
    );
    // And replay -b in the time line of each such interval.
    let out = taskstat(&["replay", "-b", "--dir", &d, "--rows", "1"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("exits lost in this interval"),
        "{out:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM right after a storm of fork-exits: the last sample holds every
/// exit already received, 0 lost.
#[test]
fn sigterm_after_a_storm_stores_every_exit() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel("sigterm_after_a_storm_stores_every_exit") else {
        return;
    };
    const STORM: usize = 5000;
    let dir = store_dir("recorder-sigterm");
    // One interval spans the storm and the stop.
    let mut rec = record(&dir, &["-d", "30"], &[]);
    wait_for_first_sample(&dir);
    let storm = Command::new(example("storm"))
        .args([&STORM.to_string(), "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the storm");
    let storm_pid = storm.id();
    let storm = storm.wait_with_output().expect("run the storm");
    assert!(storm.status.success(), "{storm:?}");
    let (status, err) = stop(&mut rec);
    assert_eq!(status.code(), Some(0), "{err}");

    let all = samples(&dir);
    assert_eq!(all.len(), 2, "the first sample and the last");
    let last = &all[1];
    assert_eq!(lost(last), (0, Some(0)), "{err}");
    // The storm's own children (other tests may storm too): those of its
    // workers, whose parent is the storm.
    let exited = || last.sections["exited"].values();
    let workers: BTreeSet<u64> = exited()
        .filter(|v| v["comm"] == "tsstorm-w" && v["ppid"] == storm_pid)
        .filter_map(|v| v["pid"].as_u64())
        .collect();
    assert_eq!(workers.len(), 2, "the storm's workers");
    let pids: BTreeSet<u64> = exited()
        .filter(|v| v["comm"] == "tsstorm-1")
        .filter(|v| v["ppid"].as_u64().is_some_and(|p| workers.contains(&p)))
        .filter_map(|v| v["pid"].as_u64())
        .collect();
    assert_eq!(pids.len(), STORM, "stored of the storm's exits");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Intervals and sizes a recorder cannot keep are usage errors (status 2),
/// said before the store's directory is made.
#[test]
fn record_refuses_bad_intervals_and_sizes() {
    let dir = store_dir("recorder-bad");
    let d = dir.to_str().expect("utf-8");
    for (args, says) in [
        (vec!["-d", "1e300"], "from 0.1 to 86400"),
        (vec!["-d", "0.000001"], "from 0.1 to 86400"),
        (vec!["-d", "0.09"], "from 0.1 to 86400"),
        (vec!["-d", "86401"], "from 0.1 to 86400"),
        (vec!["-d", "NaN"], "from 0.1 to 86400"),
        (
            vec!["--max-size", "512K"],
            "the smallest useful store is 1M",
        ),
        (
            vec!["--max-size", "1000000"],
            "the smallest useful store is 1M",
        ),
    ] {
        let mut all = vec!["record", "--dir", d];
        all.extend(&args);
        let out = taskstat(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!dir.exists(), "{args:?} made the store directory");
    }
}

/// On a full disk (a small tmpfs, nearly filled by other data) the recorder
/// removes its oldest files to make room, keeps running, says once what
/// happened when it can free no more, and leaves no empty file; the newest
/// samples keep coming.
#[test]
fn a_full_disk_does_not_stop_the_recorder() {
    let Some(_acct) = kernel("a_full_disk_does_not_stop_the_recorder") else {
        return;
    };
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mnt = store_dir("full-disk");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    assert!(mounted, "cannot mount a tmpfs at {}", mnt.display());
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    // About 100 KB left for the store.
    std::fs::write(mnt.join("filler"), vec![1u8; 920 << 10]).expect("filler");
    let dir = mnt.join("store");
    // A file each 2 s (--max-age / 8), so that there are old files to remove.
    let mut rec = record(&dir, &["-d", "0.2", "--max-age", "16s"], &[]);
    wait_for_first_sample(&dir);
    let start = now_ns();
    std::thread::sleep(Duration::from_secs(8));
    assert!(
        rec.0[0].try_wait().expect("wait").is_none(),
        "the full disk ended the recorder"
    );
    wait_for_samples_after(&dir, start + 7_000_000_000, 1);
    let (status, err) = stop(&mut rec);
    assert_eq!(status.code(), Some(0), "{err}");
    for f in std::fs::read_dir(&dir).expect("list") {
        let f = f.expect("entry").path();
        let len = std::fs::metadata(&f).expect("stat").len();
        assert!(len > 0, "{} is empty", f.display());
    }
    let used: u64 = std::fs::read_dir(&dir)
        .expect("list")
        .map(|f| f.expect("entry").metadata().expect("stat").len())
        .sum();
    assert!(used < 200 << 10, "{used} bytes: more than the disk had");
    // It did fill the disk: retention by age alone would keep more.
    assert!(used > 40 << 10, "{used} bytes: the disk never filled");
    // The store reads without damage; its newest samples are recent.
    let all = samples(&dir);
    assert!(!all.is_empty());
    let warned = err.matches("the disk is full").count();
    assert!(warned <= 1 + err.matches("room again").count(), "{err}");
}
