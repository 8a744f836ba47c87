//! The recorder: what `taskstat record` stores each interval.
//!
//! Every interval, a sample: every process's figures (its record as `tgid`
//! shows it, with its cgroup) and each cgroup's totals (the books `serve`
//! keeps). Between samples, every exit record: a process that exited since
//! the last sample is stored once, with its whole life's figures, in the
//! sample that follows its exit. What a sample holds is
//! [`super::sample`]'s.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::sample::{
    CGROUP, CGROUPS, EXITED, LOST, LOST_EXITS, LostExits, NICE, PROCESSES, StoredProcess, key,
    pid_of,
};
use crate::client::Event;
use crate::exit::warn;
use crate::host::cgroup::{Membership, cgroup2_mount, cgroup2_of};
use crate::host::procfs::{self, Stat};
use crate::listener::ExitListener;
use crate::model::fleet::{Counters, ExitMessage, Fleet, ProcessExit, Series};
use crate::model::{Accounting, Record, RecordView, process};
use crate::source::Records;
use crate::store::{self, Sample};
use crate::wire::{self, Category, RecordKind};

/// The most exits one sample stores; the rest of an interval's are counted
/// in [`LOST`]. A stored exit is 2.3-2.8 KB of JSON (measured, delay
/// accounting off, with its cgroup path; more with long paths or notes),
/// and a sample's JSON must stay within the store's frame limit
/// (`store::format::MAX_BODY`, 128 MiB) with every live process beside the
/// exits: 20,000 exits are some 55 MB, less than half of it, and
/// [`EXITS_BYTES`] bounds unusually long ones. A pending exit is held as
/// its record, about 1.7 KB (19.5 KB as JSON values before); at the sample
/// each becomes JSON values, which the store also keeps as its previous
/// sample: a sample of 20,000 exits peaked at 886 MB RSS.
/// TASKSTAT_MAX_EXITS_PER_SAMPLE lowers it, for tests.
pub const MAX_EXITS_PER_SAMPLE: usize = 20_000;

/// The most bytes of JSON the exits of one sample take: half a frame.
const EXITS_BYTES: usize = store::format::MAX_BODY / 2;

/// A process that was not seen for this many samples has lost its exit record.
const ABSENT_SWEEPS: u32 = 5;

/// A record and the cgroup it was in, as stored; `at`, for a live process,
/// when its figures were taken.
fn stored(view: RecordView, cgroup: Option<&str>, at: Option<i64>) -> anyhow::Result<Value> {
    // Through the type the readers read, so that the two cannot drift.
    let p = StoredProcess {
        view,
        cgroup: cgroup.map(str::to_string),
        at,
    };
    Ok(p.to_value()?)
}

/// The exit records of processes still exiting (threads before the last).
#[derive(Default)]
struct Gathered {
    threads: Vec<Record>,
    group: Option<Record>,
}

/// A process that exited since the last sample, held as its record (about
/// 1 KB) rather than as JSON values (some 15 KB) until the sample stores it.
struct PendingExit {
    key: String,
    view: RecordView,
    cgroup: Option<Arc<str>>,
}

/// The exits of one interval: those the next sample stores, and a count of
/// the rest.
struct Exits {
    kept: Vec<PendingExit>,
    /// The JSON bytes of `kept`.
    bytes: usize,
    /// Heard, and beyond what a sample keeps.
    not_stored: u64,
    cap: usize,
}

impl Exits {
    fn push(&mut self, e: PendingExit) {
        if self.kept.len() >= self.cap {
            self.not_stored += 1;
            return;
        }
        let mut n = Counted(0);
        // Writing to a counter cannot fail; a record that cannot be
        // serialized fails again, with its reason, when it is stored.
        let _ = serde_json::to_writer(&mut n, &e.view);
        let n = n.0 + e.key.len() + e.cgroup.as_deref().map_or(4, str::len) + 16;
        if self.bytes + n > EXITS_BYTES {
            self.not_stored += 1;
            return;
        }
        self.bytes += n;
        self.kept.push(e);
    }

    /// The exits of the interval, one per key, and how many it could not
    /// keep for want of room. Two exits with one key (one pid, one start
    /// second) are one process heard twice, not a process lost: the one
    /// with the longer life (the later, whole record) is kept, and the
    /// other is counted in `twice`, never as not stored.
    fn take_pending(&mut self) -> (BTreeMap<String, PendingExit>, u64, Vec<u32>) {
        let mut kept: BTreeMap<String, PendingExit> = BTreeMap::new();
        let not_stored = std::mem::take(&mut self.not_stored);
        let mut twice = Vec::new();
        for e in self.kept.drain(..) {
            let life = |p: &PendingExit| (p.view.group_elapsed_us, p.view.elapsed_us);
            match kept.get(&e.key) {
                Some(old) => {
                    twice.extend(pid_of(&e.key));
                    if life(&e) >= life(old) {
                        kept.insert(e.key.clone(), e);
                    }
                }
                None => {
                    kept.insert(e.key.clone(), e);
                }
            }
        }
        self.bytes = 0;
        (kept, not_stored, twice)
    }

    /// The exited section, and how many exits it could not keep.
    fn take(&mut self) -> anyhow::Result<(BTreeMap<String, Value>, u64)> {
        let (kept, not_stored, twice) = self.take_pending();
        if !twice.is_empty() {
            warn(&format!(
                "{} exit records in one interval were of a process already heard (pid {}): each process is stored once",
                twice.len(),
                twice
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let section = kept
            .into_iter()
            .map(|(k, e)| Ok((k, stored(e.view, e.cgroup.as_deref(), None)?)))
            .collect::<anyhow::Result<_>>()?;
        Ok((section, not_stored))
    }
}

/// A byte counter for serde_json.
struct Counted(usize);

impl std::io::Write for Counted {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The recorder's state from one sample to the next.
pub struct Recorder {
    acct: Accounting,
    src: Records,
    fleet: Fleet,
    /// Each live process as the last sample stored it, by pid: its cgroup
    /// places its exit, and its figures stand while it does not run.
    seen: HashMap<u32, Seen>,
    /// The last sample's process records, by key, once the store has it.
    last: BTreeMap<String, Value>,
    /// The pids of this sample's process records moved unchanged from the
    /// last one: the store need not compare them. By pid, not by key (no
    /// copy of each key each sample): a sample has one record per pid.
    moved: HashSet<u32>,
    exiting: HashMap<u32, Gathered>,
    /// Processes that exited since the last sample.
    exits: Exits,
    /// Each cgroup path once, shared by the processes in it.
    groups: HashSet<Arc<str>>,
    /// Where the cgroup2 tree is mounted: a group whose directory is gone
    /// was removed.
    cgroup2: Option<std::path::PathBuf>,
}

impl Recorder {
    /// Books one exit message: its figures to the cgroup books, and a
    /// process whose last thread exited to the next sample.
    fn exit(&mut self, records: Vec<Record>) -> anyhow::Result<()> {
        let Some(m) = ExitMessage::of(&records, &self.acct) else {
            return Ok(());
        };
        let tgid = m.tgid;
        let g = self.exiting.entry(tgid).or_default();
        for r in records {
            match r.kind {
                RecordKind::Tgid => g.group = Some(r),
                RecordKind::Pid => g.threads.push(r),
            }
        }
        if !m.last {
            self.fleet.thread_exited(tgid, &m.counters);
            return Ok(());
        }
        let g = self.exiting.remove(&tgid).unwrap_or_default();
        let view = process::assemble(tgid, &g.threads, g.group.as_ref(), &self.acct);
        let k = view.as_ref().and_then(key);
        // Where it ran: where the last sample saw it, or, for a process that
        // lived less than an interval, the exiting task's own /proc entry;
        // else unknown, never another group (its parent's, say).
        let seen = self
            .seen
            .remove(&tgid)
            .filter(|p| k.as_ref().is_none_or(|k| *k == p.key));
        let cgroup = match &seen {
            Some(p) => p.cgroup.clone(),
            None => exiting_cgroup(tgid, view.as_ref().and_then(|v| v.start_time))
                .map(|c| self.intern(&c)),
        };
        self.fleet.process_exited(
            &ProcessExit {
                tgid,
                ppid: m.ppid,
                start_ticks: seen.as_ref().map(|p| p.start_ticks),
                counters: m.counters,
            },
            || cgroup.as_deref().map(str::to_string),
        );
        if let (Some(view), Some(key)) = (view, k) {
            self.exits.push(PendingExit { key, view, cgroup });
        }
        Ok(())
    }

    /// The one shared copy of a cgroup path.
    fn intern(&mut self, path: &str) -> Arc<str> {
        if let Some(a) = self.groups.get(path) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(path);
        self.groups.insert(Arc::clone(&a));
        a
    }

    /// One sample of every live process, the cgroup books, the processes
    /// that exited since the last one, and what the interval lost:
    /// `dropped`, the exit messages the kernel dropped (None: some, not
    /// known how many).
    pub fn sample(&mut self, dropped: Option<u64>) -> anyhow::Result<Sample> {
        let time_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let mut processes = BTreeMap::new();
        let mut seen = HashMap::with_capacity(self.seen.len());
        self.moved.clear();
        self.fleet.begin_sweep();
        // Every process's group, one read of cgroup.procs per group rather
        // than one /proc/PID/cgroup per process; a process it does not list
        // (born since) has its own file read.
        let members = self
            .cgroup2
            .as_deref()
            .and_then(|m| Membership::read(m).ok())
            .unwrap_or_default();
        for pid in procfs::list_tasks(false) {
            // One question to the kernel first: a process whose run time and
            // context switches did not move since the last sample did not
            // run, so its figures are the ones stored then, unchanged (which
            // costs the store nothing); their AT key says when they were
            // taken, from which a reader moves the elapsed times on. Most
            // processes sleep through most samples.
            let Some(group) = self.src.group_record(pid)? else {
                continue;
            };
            let ran = Ran::of(&group);
            let last = self.seen.remove(&pid).filter(|p| p.ran == ran);
            // Its record moves from the last sample to this one, uncopied.
            let reused = last.and_then(|p| Some((self.last.remove(&p.key)?, p)));
            let (record, p) = match reused {
                Some((mut record, mut p)) => {
                    // A sleeper can be moved to another group, or reniced,
                    // without running: those two are read again (a file
                    // and a system call), and the record changes only if
                    // they did.
                    let mut changed = false;
                    let now = match members.group_of(pid) {
                        Some(g) => (Some(g) != p.cgroup.as_deref()).then(|| g.to_string()),
                        None => CgroupNow::read(pid, p.cgroup.as_deref()).map(|c| c.0),
                    };
                    if let Some(now) = now {
                        p.cgroup = Some(self.intern(&now));
                        changed = true;
                    }
                    if let Some(n) = nice_of(pid).filter(|n| Some(*n) != p.nice) {
                        p.nice = Some(n);
                        changed = true;
                    }
                    if changed {
                        if let Value::Object(m) = &mut record {
                            // The two keys in place, not the record again:
                            // the rest of it stands.
                            m.insert(
                                CGROUP.into(),
                                p.cgroup.as_deref().map_or(Value::Null, Value::from),
                            );
                            m.insert(NICE.into(), p.nice.map_or(Value::Null, Value::from));
                        }
                    } else {
                        self.moved.insert(pid);
                    }
                    (record, p)
                }
                None => {
                    // A zombie has exited: its exit record stores it.
                    let Some(stat) = Stat::read(pid).filter(|s| s.state != 'Z') else {
                        continue;
                    };
                    // The whole process, as `tgid` shows it: the thread-group
                    // record, identity from the leader's, I/O and memory from
                    // /proc.
                    let Some((view, _)) = self.src.process(pid)? else {
                        continue;
                    };
                    let Some(key) = key(&view) else {
                        continue;
                    };
                    // Unreadable (it is going): not known, never "/".
                    let cgroup = match members.group_of(pid) {
                        Some(g) => Some(self.intern(g)),
                        None => cgroup2_of(pid).map(|c| self.intern(&c)),
                    };
                    let mut counters = Counters::of(&view);
                    // The books take each thread's own I/O: /proc/PID/io counts
                    // reaped children, whose exits the books count already.
                    (counters.read_bytes, counters.write_bytes) =
                        procfs::own_io(pid).unwrap_or_default();
                    let nice = view.nice;
                    let record = stored(view, cgroup.as_deref(), Some(time_ns))?;
                    let p = Seen {
                        ran,
                        key,
                        start_ticks: stat.start_ticks,
                        cgroup,
                        nice,
                        counters,
                    };
                    (record, p)
                }
            };
            self.fleet.observe(
                pid,
                Some(p.start_ticks),
                p.cgroup.as_deref().unwrap_or(Series::UNKNOWN),
                p.counters,
            );
            processes.insert(p.key.clone(), record);
            seen.insert(pid, p);
        }
        self.fleet.forget_absent(ABSENT_SWEEPS);
        self.seen = seen;
        // What is left of the last sample's records: processes gone.
        self.last.clear();
        let cgroups = self
            .fleet
            .figures()
            .into_iter()
            .map(|(path, f)| Ok((path, serde_json::to_value(f)?)))
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
        // A removed group's figures above are its last: it leaves the
        // samples after this one. Without the cgroup2 tree none is known
        // to be removed.
        if let Some(mount) = &self.cgroup2 {
            self.fleet
                .forget_removed(|g| mount.join(g.trim_start_matches('/')).exists());
        }
        self.groups.retain(|g| Arc::strong_count(g) > 1);
        let (exited, not_stored) = self.exits.take()?;
        let mut sections = BTreeMap::new();
        sections.insert(PROCESSES.to_string(), processes);
        sections.insert(EXITED.to_string(), exited);
        sections.insert(CGROUPS.to_string(), cgroups);
        if not_stored > 0 || dropped != Some(0) {
            let counts = serde_json::to_value(LostExits {
                not_stored,
                dropped_by_kernel: dropped,
            })?;
            sections.insert(
                LOST.to_string(),
                BTreeMap::from([(LOST_EXITS.to_string(), counts)]),
            );
        }
        if not_stored > 0 {
            warn(&format!(
                "{not_stored} exited processes in one interval were not stored: a sample keeps at most {}; the sample's \"lost\" section counts them",
                self.exits.cap
            ));
        }
        Ok(Sample { time_ns, sections })
    }
}

/// A process's cgroup2 path, read again: `Some` with the new path only
/// when it is not `known` (a sleeper moved), `None` when it is the same or
/// cannot be read (the process is going: its exit record will say).
struct CgroupNow(String);

impl CgroupNow {
    fn read(pid: u32, known: Option<&str>) -> Option<CgroupNow> {
        // Most /proc/PID/cgroup files take one read(2) of a few hundred
        // bytes; a longer one is read whole.
        let mut buf = [0u8; 2048];
        let mut f = std::fs::File::open(format!("/proc/{pid}/cgroup")).ok()?;
        let mut len = 0;
        loop {
            let n = f.read(&mut buf[len..]).ok()?;
            len += n;
            if n == 0 || line0(&buf[..len]).is_some() || len == buf.len() {
                break;
            }
        }
        let now = match line0(&buf[..len]) {
            Some(l) => l,
            None if len == buf.len() => {
                return cgroup2_of(pid)
                    .filter(|c| Some(c.as_str()) != known)
                    .map(CgroupNow);
            }
            None => return None,
        };
        if known.is_some_and(|k| k.as_bytes() == now) {
            return None;
        }
        Some(CgroupNow(String::from_utf8_lossy(now).into_owned()))
    }
}

/// The path of the complete `0::` line of a /proc/PID/cgroup text.
fn line0(text: &[u8]) -> Option<&[u8]> {
    let start = if text.starts_with(b"0::") {
        0
    } else {
        text.windows(4).position(|w| w == b"\n0::")? + 1
    };
    let rest = &text[start + 3..];
    let end = rest.iter().position(|&b| b == b'\n')?;
    Some(&rest[..end])
}

/// A process's nice (its leader's, as its record has it), by one system
/// call; None if it is gone.
fn nice_of(pid: u32) -> Option<i8> {
    // Pid 0 would ask for this process's own nice.
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).ok()?)?;
    let nice = rustix::process::getpriority_process(Some(pid)).ok()?;
    i8::try_from(nice).ok()
}

/// The cgroup2 path of a process whose exit record just arrived, read from
/// its own /proc entry, which stays while it exits and until it is reaped
/// (a zombie keeps its group; " (deleted)" marks one removed since). Only
/// if the entry is still that process: the task is exiting (PF_EXITING in
/// its flags) and started when the record says (`start`, epoch seconds),
/// both read through the same open directory as the path, so that a reused
/// pid is never read for it.
fn exiting_cgroup(tgid: u32, start: Option<u64>) -> Option<String> {
    const PF_EXITING: u64 = 0x4;
    let dir = std::fs::File::open(format!("/proc/{tgid}")).ok()?;
    // The directory's own entries: they answer for the process the
    // directory was opened for, or fail once it is gone.
    let at = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&dir));
    let stat = std::fs::read(format!("{at}/stat")).ok()?;
    let after = stat.iter().rposition(|&b| b == b')')?;
    let fields: Vec<&[u8]> = stat[after + 1..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    let num = |i: usize| -> Option<u64> { std::str::from_utf8(fields.get(i)?).ok()?.parse().ok() };
    // After the comm: state, ppid, pgrp, session, tty, tpgid, flags (6),
    // ..., starttime (19).
    if num(6)? & PF_EXITING == 0 {
        return None;
    }
    if let (Some(start), Some(began)) = (start, num(19).and_then(procfs::start_epoch)) {
        // The kernel's seconds and /proc's ticks round apart by up to one.
        if start.abs_diff(began) > 1 {
            return None;
        }
    }
    let text = std::fs::read(format!("{at}/cgroup")).ok()?;
    drop(dir);
    let path = String::from_utf8_lossy(line0(&text)?).into_owned();
    Some(
        path.strip_suffix(" (deleted)")
            .map_or(path.clone(), str::to_string),
    )
}

/// What moves whenever a process runs: its run time, context switches and
/// CPU waits, summed over its threads by the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ran {
    run_ns: Option<u64>,
    voluntary: Option<u64>,
    involuntary: Option<u64>,
    cpu_waits: Option<u64>,
}

impl Ran {
    /// From the kernel's record as it came: no view built for a process
    /// that turns out not to have run.
    fn of(r: &Record) -> Ran {
        Ran {
            run_ns: r.stats.cpu_run_real_total,
            voluntary: r.stats.nvcsw,
            involuntary: r.stats.nivcsw,
            cpu_waits: r.stats.delays[Category::Cpu].count,
        }
    }
}

/// A live process as the last sample stored it.
struct Seen {
    ran: Ran,
    key: String,
    start_ticks: u64,
    /// None: not known (its /proc entry could not be read).
    cgroup: Option<Arc<str>>,
    nice: Option<i8>,
    counters: Counters,
}

/// How long a stop reads the exits already queued, at most: a full
/// receive queue (64 MiB, some 50,000 exits) takes about a second, and
/// this bounds the stop should exits keep coming (systemd waits 90 s).
pub const DRAIN: Duration = Duration::from_secs(10);

/// [`MAX_EXITS_PER_SAMPLE`], or lower from TASKSTAT_MAX_EXITS_PER_SAMPLE
/// (a test's seam: a burst beyond the cap without 20,000 exits).
pub fn exits_cap() -> usize {
    let Ok(v) = std::env::var("TASKSTAT_MAX_EXITS_PER_SAMPLE") else {
        return MAX_EXITS_PER_SAMPLE;
    };
    match v.trim().parse::<usize>() {
        Ok(n) => n.min(MAX_EXITS_PER_SAMPLE),
        Err(_) => {
            warn(&format!(
                "TASKSTAT_MAX_EXITS_PER_SAMPLE={v:?} is not a number: keeping {MAX_EXITS_PER_SAMPLE}"
            ));
            MAX_EXITS_PER_SAMPLE
        }
    }
}

/// The kernel's drops of exit messages, interval by interval.
pub struct Drops {
    /// The socket's drop counter when last read (/proc/net/netlink).
    counted: Option<u64>,
    /// The socket overflowed since the last sample (ENOBUFS).
    overran: bool,
}

impl Drops {
    /// From the listener's drop counter now.
    pub fn new(listener: &ExitListener) -> Drops {
        Drops {
            counted: listener.client.drops(),
            overran: false,
        }
    }

    /// The exit messages dropped since the last sample: None if some were
    /// and the kernel's counter cannot be read. A number is warned.
    pub fn interval(&mut self, listener: &ExitListener) -> Option<u64> {
        let now = listener.client.drops();
        let overran = std::mem::take(&mut self.overran);
        let n = match (self.counted, now) {
            (Some(before), Some(now)) => Some(now.saturating_sub(before)),
            _ if overran => None,
            _ => Some(0),
        };
        if now.is_some() {
            self.counted = now;
        }
        match n {
            Some(0) => {}
            Some(n) => warn(&format!(
                "the kernel dropped {n} exit records since the last sample (taskstat's receive queue was full): their processes are not stored; the sample's \"lost\" section counts them"
            )),
            None => warn(
                "the kernel dropped exit records since the last sample (taskstat's receive queue was full), how many is not known: their processes are not stored",
            ),
        }
        n
    }
}

impl Recorder {
    /// A recorder with nothing seen yet; `cap`, the most exits a sample
    /// keeps ([`exits_cap`]).
    pub fn new(acct: Accounting, src: Records, cap: usize) -> Recorder {
        Recorder {
            acct,
            src,
            fleet: Fleet::new(Series::new(None, usize::MAX)).without_parent_placement(),
            seen: HashMap::new(),
            last: BTreeMap::new(),
            moved: HashSet::new(),
            exiting: HashMap::new(),
            exits: Exits {
                kept: Vec::new(),
                bytes: 0,
                not_stored: 0,
                cap,
            },
            groups: HashSet::new(),
            cgroup2: cgroup2_mount(),
        }
    }

    /// Whether the store need not compare an entry of the sample just
    /// taken with the last one: a process record moved over unchanged.
    pub fn unchanged(&self, section: &str, key: &str) -> bool {
        section == PROCESSES && pid_of(key).is_some_and(|p| self.moved.contains(&p))
    }

    /// Takes back the process records of a sample once the store has it:
    /// the next sample moves over those of processes that did not run.
    pub fn stored(&mut self, mut sample: Sample) {
        self.last = sample.sections.remove(PROCESSES).unwrap_or_default();
    }

    /// Books one event of the exit listener.
    pub fn event(&mut self, ev: Event, drops: &mut Drops) -> anyhow::Result<()> {
        match ev {
            Event::Exit(raws) => {
                let records: Vec<Record> = wire::decode_exit_message(&raws).0;
                self.exit(records)
            }
            Event::Overrun => {
                drops.overran = true;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit(tgid: u32, start: u64, elapsed: u64) -> PendingExit {
        let mut view: RecordView = serde_json::from_value(serde_json::json!({
            "type": "tgid", "id": tgid, "source": "taskstats", "pid": tgid, "tgid": tgid,
            "start_time": start, "elapsed_us": elapsed, "group_elapsed_us": elapsed,
            "cpu": {}, "delays": {}, "context_switches": {}, "io": {}, "memory": {},
            "sources": {}, "notes": [],
        }))
        .expect("a record");
        view.exit_code = Some(0);
        PendingExit {
            key: key(&view).expect("a key"),
            view,
            cgroup: None,
        }
    }

    /// One process heard twice is stored once, with its longer record,
    /// and is not counted as an exit a sample had no room for; the cap
    /// still counts what is beyond it.
    #[test]
    fn an_exit_heard_twice_is_stored_once_and_not_counted_lost() {
        let mut exits = Exits {
            kept: Vec::new(),
            bytes: 0,
            not_stored: 0,
            cap: 3,
        };
        exits.push(exit(10, 100, 5));
        exits.push(exit(10, 100, 9));
        exits.push(exit(11, 100, 1));
        exits.push(exit(12, 100, 1));
        let (kept, not_stored, twice) = exits.take_pending();
        assert_eq!(not_stored, 1);
        assert_eq!(twice, [10]);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept["10:100"].view.elapsed_us, Some(9));
    }
}
