//! Accounting by cgroup, complete and monotonic: what `taskstat serve`
//! exports.
//!
//! A group's counters are the figures of its live processes, as last seen,
//! plus the final figures of its processes that exited, from their exit
//! records. A process stays among the live until its exit record arrives,
//! even once /proc no longer shows it, so no figure leaves a group's sum
//! between the moment a process ends and the moment its record is read.
//! A process that moves to another group leaves what it did so far in the
//! old one. Each exported counter only grows.
//!
//! Pure bookkeeping: the caller reads /proc and the kernel and feeds it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::RecordView;
use super::bounds::Rejected;
use super::distribution::ExitSample;
use crate::wire::PerCategory;

/// The summable figures of a process (or of a group of them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Precise run time, ns.
    pub cpu_ns: u64,
    /// Per category: (count, total ns).
    pub delays: PerCategory<(u64, u64)>,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub voluntary: u64,
    pub involuntary: u64,
    /// Delay categories not measured because they broke a bound the kernel
    /// guarantees ([`super::bounds`]): their (0, 0) is no figure.
    #[serde(skip)]
    pub rejected: Rejected,
}

impl Counters {
    /// The figures of a record; what it lacks counts as 0 (a category the
    /// kernel does not measure is exported as 0 only where it is measured
    /// nowhere: see the exporter's notes).
    pub fn of(v: &RecordView) -> Counters {
        Counters {
            cpu_ns: v.cpu.run_virtual_ns.unwrap_or(0),
            delays: v
                .delays
                .map(|_, d| (d.count.unwrap_or(0), d.total_ns.unwrap_or(0))),
            read_bytes: v.io.read_bytes.unwrap_or(0),
            write_bytes: v.io.write_bytes.unwrap_or(0),
            voluntary: v.context_switches.voluntary.unwrap_or(0),
            involuntary: v.context_switches.involuntary.unwrap_or(0),
            rejected: v.rejected,
        }
    }

    /// The rejected categories of `self` and `sticky` keep the figures of
    /// `at` (what was counted before they were rejected): a task's totals
    /// hold an impossible wait for the rest of its life.
    pub fn frozen(&self, sticky: &Rejected, at: &Counters) -> Counters {
        let mut c = *self;
        for (cat, r) in sticky.each() {
            if *r || self.rejected[cat] {
                c.delays[cat] = at.delays[cat];
                c.rejected[cat] = true;
            }
        }
        c
    }

    fn zip(&self, o: &Counters, f: impl Fn(u64, u64) -> u64) -> Counters {
        Counters {
            cpu_ns: f(self.cpu_ns, o.cpu_ns),
            delays: self
                .delays
                .map(|c, a| (f(a.0, o.delays[c].0), f(a.1, o.delays[c].1))),
            read_bytes: f(self.read_bytes, o.read_bytes),
            write_bytes: f(self.write_bytes, o.write_bytes),
            voluntary: f(self.voluntary, o.voluntary),
            involuntary: f(self.involuntary, o.involuntary),
            rejected: self.rejected.map(|c, r| *r || o.rejected[c]),
        }
    }

    pub fn plus(&self, o: &Counters) -> Counters {
        self.zip(o, u64::saturating_add)
    }

    /// `self - o`, field by field, never below 0.
    pub fn minus(&self, o: &Counters) -> Counters {
        self.zip(o, u64::saturating_sub)
    }

    /// The larger of each field: what keeps an exported counter from going down.
    pub fn max(&self, o: &Counters) -> Counters {
        self.zip(o, u64::max)
    }

    /// Context switches and I/O only: what a thread that exits takes with it
    /// from the kernel's live thread-group sums (delays and run time stay).
    pub fn thread_part(&self) -> Counters {
        Counters {
            read_bytes: self.read_bytes,
            write_bytes: self.write_bytes,
            voluntary: self.voluntary,
            involuntary: self.involuntary,
            ..Counters::default()
        }
    }
}

/// A live process as last seen.
#[derive(Clone, Debug)]
struct Live {
    series: String,
    /// Start time, clock ticks after boot (tells a reused pid apart).
    start_ticks: Option<u64>,
    /// Its figures when it came into its current group (0 if born there,
    /// or first seen there).
    base: Counters,
    /// Its figures when last seen.
    last: Counters,
    /// What its exited threads took out of the kernel's live sums.
    dead_threads: Counters,
    /// Seen by the latest sweep.
    present: bool,
}

/// One group's exported figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFigures {
    pub counters: Counters,
    /// Live processes.
    pub tasks: u64,
    /// Processes that exited.
    pub exited: u64,
}

/// Folds cgroup paths into a bounded set of series.
#[derive(Clone, Debug)]
pub struct Series {
    /// Paths deeper than this fold into their ancestor at this depth.
    depth: Option<usize>,
    /// At most this many series; later groups fold into [`Series::OTHER`].
    max: usize,
    known: HashMap<String, String>,
    count: usize,
}

impl Series {
    /// Where groups beyond the cap are counted.
    pub const OTHER: &'static str = "(other)";
    /// Where exits that could be placed nowhere are counted.
    pub const UNKNOWN: &'static str = "(unknown)";

    pub fn new(depth: Option<usize>, max: usize) -> Series {
        Series {
            depth,
            max: max.max(1),
            known: HashMap::new(),
            count: 0,
        }
    }

    /// The series a cgroup path is counted in; stable once given.
    pub fn of(&mut self, path: &str) -> String {
        if self.depth.is_none() {
            if let Some(s) = self.known.get(path) {
                return s.clone();
            }
        }
        let folded = match self.depth {
            Some(d) => {
                let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).take(d).collect();
                format!("/{}", parts.join("/"))
            }
            None => path.to_string(),
        };
        if let Some(s) = self.known.get(&folded) {
            return s.clone();
        }
        let s = if self.count < self.max {
            self.count += 1;
            folded.clone()
        } else {
            Self::OTHER.to_string()
        };
        self.known.insert(folded, s.clone());
        s
    }

    /// Forgets a series no longer counted: the paths folded into it may be
    /// given another later, and its place under the cap is free again.
    fn forget(&mut self, series: &str) {
        let before = self.known.len();
        self.known.retain(|_, s| s != series);
        if self.known.len() < before && series != Self::OTHER {
            self.count = self.count.saturating_sub(1);
        }
    }
}

/// A process's exit, as its records tell it.
#[derive(Clone, Debug)]
pub struct ProcessExit {
    pub tgid: u32,
    pub ppid: Option<u32>,
    /// Start time in clock ticks after boot, when it can be told.
    pub start_ticks: Option<u64>,
    /// Its final figures: the group record's (or the only thread's) delays
    /// and run time, the last thread's context switches and I/O.
    pub counters: Counters,
}

/// The accounting of every group.
#[derive(Clone, Debug)]
pub struct Fleet {
    series: Series,
    live: HashMap<u32, Live>,
    /// Exited (and moved-out) figures, by series.
    retired: HashMap<String, Counters>,
    exited: HashMap<String, u64>,
    /// What was last exported, so that nothing goes down.
    exported: HashMap<String, Counters>,
    /// Threads that exited from processes not seen alive (yet).
    orphan_threads: HashMap<u32, Counters>,
    /// Processes whose exit arrived since the sweep began: the sweep's view
    /// of them is older than their final figures.
    ended: std::collections::HashSet<u32>,
    /// Sweeps in a row that did not see each absent live process.
    absent: HashMap<u32, u32>,
    /// Per category, the processes whose figures broke a bound and were
    /// left out of their group's counters from then on.
    rejections: PerCategory<u64>,
    /// Whether an exit seen nowhere alive goes to its parent's group
    /// (`serve`'s counters), or only where the caller's hint places it
    /// and else to [`Series::UNKNOWN`] (`record`'s history, which stores
    /// where each process ran or that it is not known).
    by_parent: bool,
}

impl Fleet {
    pub fn new(series: Series) -> Fleet {
        Fleet {
            series,
            live: HashMap::new(),
            retired: HashMap::new(),
            exited: HashMap::new(),
            exported: HashMap::new(),
            orphan_threads: HashMap::new(),
            ended: std::collections::HashSet::new(),
            absent: HashMap::new(),
            rejections: PerCategory::default(),
            by_parent: true,
        }
    }

    /// Places an exit seen nowhere alive only by the caller's hint, never
    /// by its parent: a short-lived process often ran in a group of its
    /// own, and another group's figures would be wrong where unknown is not.
    pub fn without_parent_placement(mut self) -> Fleet {
        self.by_parent = false;
        self
    }

    /// Starts a sweep: processes not seen again are kept, as last seen,
    /// until their exit records arrive.
    pub fn begin_sweep(&mut self) {
        for l in self.live.values_mut() {
            l.present = false;
        }
        self.ended.clear();
    }

    /// A live process seen by a sweep: `tgid`, started at `start_ticks`, in
    /// the cgroup `path`, with the kernel's live figures `now` (its group
    /// record's delays and run time, its live threads' switches and I/O).
    pub fn observe(&mut self, tgid: u32, start_ticks: Option<u64>, path: &str, now: Counters) {
        if self.ended.contains(&tgid) {
            return;
        }
        self.absent.remove(&tgid);
        let series = self.series.of(path);
        let reused = self.live.get(&tgid).is_some_and(|l| {
            l.start_ticks.is_some() && start_ticks.is_some() && l.start_ticks != start_ticks
        });
        if reused {
            // The pid was reused: the old process ended without its record
            // (lost, or still queued); what it did stays where it was.
            self.close(tgid);
        }
        let orphans = &mut self.orphan_threads;
        let entry = self.live.entry(tgid).or_insert_with(|| Live {
            series: series.clone(),
            start_ticks,
            base: Counters::default(),
            last: Counters::default(),
            dead_threads: orphans.remove(&tgid).unwrap_or_default(),
            present: true,
        });
        let last = entry.last;
        let figures = now
            .plus(&entry.dead_threads)
            .frozen(&last.rejected, &last)
            .max(&last);
        count_fresh(&mut self.rejections, &last.rejected, &figures.rejected);
        // Moved: what it did so far stays in the old group.
        let moved = (entry.series != series).then(|| {
            let done = entry.last.minus(&entry.base);
            entry.base = entry.last;
            (std::mem::replace(&mut entry.series, series), done)
        });
        entry.last = figures;
        entry.present = true;
        if let Some((old, done)) = moved {
            self.retire(&old, &done);
        }
    }

    /// Counts a live process as exited with what it did when last seen.
    fn close(&mut self, tgid: u32) {
        if let Some(l) = self.live.remove(&tgid) {
            self.retire(&l.series, &l.last.minus(&l.base));
            *self.exited.entry(l.series).or_default() += 1;
        }
    }

    /// A thread of a live process exited: its switches and I/O leave the
    /// kernel's live sums, so they are kept here.
    pub fn thread_exited(&mut self, tgid: u32, thread: &Counters) {
        let part = thread.thread_part();
        match self.live.get_mut(&tgid) {
            Some(l) => l.dead_threads = l.dead_threads.plus(&part),
            None => {
                let o = self.orphan_threads.entry(tgid).or_default();
                *o = o.plus(&part);
            }
        }
    }

    /// A process exited: its final figures go to the group it was last seen
    /// in, or its parent's, or where the caller's hint places it.
    /// `hint` is asked (it reads /proc: where the zombie or its parent is)
    /// only for a process neither seen alive nor with a parent seen.
    /// Returns the series it was counted in.
    pub fn process_exited(
        &mut self,
        e: &ProcessExit,
        hint: impl FnOnce() -> Option<String>,
    ) -> String {
        let known = self.live.get(&e.tgid).filter(|l| {
            // Not a newcomer that took the pid of the process seen.
            l.start_ticks.is_none() || e.start_ticks.is_none() || l.start_ticks == e.start_ticks
        });
        // What was counted of it while it lived: its final figures are
        // never less, and a category rejected then stays as it was.
        let before = known.map(|l| l.last).unwrap_or_default();
        let orphans = self.orphan_threads.remove(&e.tgid).unwrap_or_default();
        let (series, base, dead) = match known {
            Some(l) => (l.series.clone(), l.base, l.dead_threads.plus(&orphans)),
            None => {
                let by_parent = e
                    .ppid
                    .filter(|_| self.by_parent)
                    .and_then(|p| self.live.get(&p))
                    .map(|l| l.series.clone());
                let series = match by_parent {
                    Some(s) => s,
                    None => match hint() {
                        Some(h) => self.series.of(&h),
                        None => Series::UNKNOWN.to_string(),
                    },
                };
                (series, Counters::default(), orphans)
            }
        };
        if known.is_some() {
            self.live.remove(&e.tgid);
        }
        self.ended.insert(e.tgid);
        let last = e
            .counters
            .plus(&dead.thread_part())
            .frozen(&before.rejected, &before)
            .max(&before);
        count_fresh(&mut self.rejections, &before.rejected, &last.rejected);
        self.retire(&series, &last.minus(&base));
        *self.exited.entry(series.clone()).or_default() += 1;
        series
    }

    /// Per category, how many processes had a figure rejected.
    pub fn rejections(&self) -> &PerCategory<u64> {
        &self.rejections
    }

    fn retire(&mut self, series: &str, c: &Counters) {
        let r = self.retired.entry(series.to_string()).or_default();
        *r = r.plus(c);
    }

    /// Every group's figures now; no counter is below what was exported before.
    pub fn figures(&mut self) -> Vec<(String, GroupFigures)> {
        // Keyed by the series' names as held: no copy per process.
        let mut by: HashMap<&str, GroupFigures> = HashMap::new();
        for (s, c) in &self.retired {
            let g = by.entry(s.as_str()).or_default();
            g.counters = g.counters.plus(c);
        }
        for (s, n) in &self.exited {
            by.entry(s.as_str()).or_default().exited = *n;
        }
        for l in self.live.values() {
            let g = by.entry(l.series.as_str()).or_default();
            g.counters = g.counters.plus(&l.last.minus(&l.base));
            if l.present {
                g.tasks += 1;
            }
        }
        let exported = &mut self.exported;
        let mut out: Vec<(String, GroupFigures)> = by
            .into_iter()
            .map(|(s, mut g)| {
                let prev = exported.entry(s.to_string()).or_default();
                g.counters = g.counters.max(prev);
                *prev = g.counters;
                (s.to_string(), g)
            })
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Forgets the groups that hold no live process and that `exists` says
    /// are gone (removed cgroups): call it after [`Fleet::figures`], so that
    /// a removed group's last figures are given once and then no more, and
    /// a host that churns groups does not keep them all. Returns how many.
    /// [`Series::UNKNOWN`] and [`Series::OTHER`] are no groups and stay.
    pub fn forget_removed(&mut self, exists: impl Fn(&str) -> bool) -> usize {
        let occupied: std::collections::HashSet<&str> =
            self.live.values().map(|l| l.series.as_str()).collect();
        let gone: Vec<String> = self
            .exported
            .keys()
            .chain(self.retired.keys())
            .filter(|s| s.starts_with('/') && !occupied.contains(s.as_str()))
            .filter(|s| !exists(s))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for s in &gone {
            self.retired.remove(s);
            self.exited.remove(s);
            self.exported.remove(s);
            self.series.forget(s);
        }
        gone.len()
    }

    /// Live processes that the last `sweeps` sweeps in a row did not see
    /// can only be waiting for an exit record that was lost: they are
    /// counted as exited, with what they did. Returns how many.
    pub fn forget_absent(&mut self, sweeps: u32) -> usize {
        let mut gone = Vec::new();
        for (t, l) in &self.live {
            if !l.present {
                let n = self.absent.entry(*t).or_default();
                *n += 1;
                if *n >= sweeps {
                    gone.push(*t);
                }
            }
        }
        for &t in &gone {
            self.absent.remove(&t);
            self.close(t);
        }
        gone.len()
    }
}

/// Counts the categories rejected in `now` that were not in `before`.
fn count_fresh(n: &mut PerCategory<u64>, before: &Rejected, now: &Rejected) {
    for (c, r) in now.each() {
        if *r && !before[c] {
            n[c] += 1;
        }
    }
}

/// One exit message, read for accounting.
#[derive(Clone, Debug)]
pub struct ExitMessage {
    pub tgid: u32,
    pub ppid: Option<u32>,
    /// The process ended with it (its last thread).
    pub last: bool,
    /// For the last thread, the process's final figures (the group
    /// record's delays and run time, when there is one, with the thread's
    /// switches and I/O); for another thread, the thread's own.
    pub counters: Counters,
    pub uid: Option<u32>,
    pub comm: Option<String>,
    /// For the last thread, the whole process's figures as distributions
    /// observe them.
    pub sample: Option<super::distribution::ExitSample>,
}

impl ExitMessage {
    /// Reads the records of one exit message (a thread's, and with the
    /// last thread of a multi-threaded process the group's).
    pub fn of(records: &[super::Record], acct: &super::Accounting) -> Option<ExitMessage> {
        use crate::wire::{ExitOf, RecordKind};
        let ExitOf {
            thread,
            tgid,
            ppid,
            last,
        } = ExitOf::of(records)?;
        let view = thread.view(acct);
        let mine = Counters::of(&view);
        let (counters, sample) = match records.iter().find(|r| r.kind == RecordKind::Tgid) {
            Some(g) if last => {
                let gv = g.view(acct);
                let g = Counters::of(&gv);
                let c = Counters {
                    cpu_ns: g.cpu_ns,
                    delays: g.delays,
                    rejected: g.rejected,
                    ..mine.thread_part()
                };
                (c, Some(ExitSample::of(&gv, &view)))
            }
            _ => (mine, last.then(|| ExitSample::of(&view, &view))),
        };
        Some(ExitMessage {
            tgid,
            ppid,
            last,
            counters,
            uid: view.uid,
            comm: view.comm,
            sample,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(cpu: u64, vol: u64) -> Counters {
        Counters {
            cpu_ns: cpu,
            voluntary: vol,
            ..Counters::default()
        }
    }

    fn cpu_of(f: &[(String, GroupFigures)], s: &str) -> u64 {
        f.iter()
            .find(|(k, _)| k == s)
            .map_or(0, |(_, g)| g.counters.cpu_ns)
    }

    #[test]
    fn exits_keep_their_figures_and_nothing_goes_down() {
        let mut f = Fleet::new(Series::new(None, 100));
        f.begin_sweep();
        f.observe(10, Some(1), "/a", c(100, 1));
        f.observe(11, Some(2), "/a", c(50, 1));
        assert_eq!(cpu_of(&f.figures(), "/a"), 150);
        // 11 vanishes from /proc before its exit record: still counted.
        f.begin_sweep();
        f.observe(10, Some(1), "/a", c(120, 1));
        assert_eq!(cpu_of(&f.figures(), "/a"), 170);
        f.process_exited(
            &ProcessExit {
                tgid: 11,
                ppid: Some(1),
                start_ticks: Some(2),
                counters: c(60, 2),
            },
            || None,
        );
        let fig = f.figures();
        assert_eq!(cpu_of(&fig, "/a"), 180);
        let a = &fig.iter().find(|(k, _)| k == "/a").unwrap().1;
        assert_eq!((a.tasks, a.exited), (1, 1));
        // Never seen alive: placed by its parent.
        f.process_exited(
            &ProcessExit {
                tgid: 12,
                ppid: Some(10),
                start_ticks: Some(3),
                counters: c(40, 0),
            },
            || None,
        );
        assert_eq!(cpu_of(&f.figures(), "/a"), 220);
    }

    #[test]
    fn moves_leave_the_past_behind_and_reuse_is_told_apart() {
        let mut f = Fleet::new(Series::new(None, 100));
        f.observe(10, Some(1), "/a", c(100, 0));
        f.figures();
        f.observe(10, Some(1), "/b", c(130, 0));
        let fig = f.figures();
        assert_eq!((cpu_of(&fig, "/a"), cpu_of(&fig, "/b")), (100, 30));
        // pid 10 reused by another process in /b.
        f.observe(10, Some(9), "/b", c(5, 0));
        let fig = f.figures();
        assert_eq!((cpu_of(&fig, "/a"), cpu_of(&fig, "/b")), (100, 35));
        // A thread's exit takes switches out of the kernel's live sums; the
        // process's figure must not go down.
        f.observe(20, Some(4), "/c", c(10, 8));
        f.thread_exited(20, &c(3, 5));
        f.observe(20, Some(4), "/c", c(12, 3));
        let fig = f.figures();
        let g = &fig.iter().find(|(k, _)| k == "/c").unwrap().1;
        assert_eq!((g.counters.cpu_ns, g.counters.voluntary), (12, 8));
    }

    fn blkio(total: u64, rejected: bool) -> Counters {
        let mut c = Counters::default();
        c.delays[crate::wire::Category::Blkio] = if rejected { (0, 0) } else { (3, total) };
        c.rejected[crate::wire::Category::Blkio] = rejected;
        c
    }

    fn blkio_of(f: &[(String, GroupFigures)], s: &str) -> u64 {
        f.iter().find(|(k, _)| k == s).map_or(0, |(_, g)| {
            g.counters.delays[crate::wire::Category::Blkio].1
        })
    }

    #[test]
    fn a_rejected_figure_never_reaches_the_counter() {
        let mut f = Fleet::new(Series::new(None, 100));
        f.observe(10, Some(1), "/a", blkio(1_000, false));
        assert_eq!(blkio_of(&f.figures(), "/a"), 1_000);
        // The kernel's fault: an uptime-long wait, rejected by the view.
        f.observe(10, Some(1), "/a", blkio(0, true));
        assert_eq!(blkio_of(&f.figures(), "/a"), 1_000);
        // Once the process has lived longer than the wait, its total passes
        // the bound again: it stays out of the counter all the same.
        f.observe(10, Some(1), "/a", blkio(86_400_000_000_000, false));
        assert_eq!(blkio_of(&f.figures(), "/a"), 1_000);
        f.process_exited(
            &ProcessExit {
                tgid: 10,
                ppid: Some(1),
                start_ticks: Some(1),
                counters: blkio(86_400_000_002_000, false),
            },
            || None,
        );
        assert_eq!(blkio_of(&f.figures(), "/a"), 1_000);
        assert_eq!(f.rejections()[crate::wire::Category::Blkio], 1);
        // Another process's true figures still count.
        f.observe(11, Some(2), "/a", blkio(500, false));
        assert_eq!(blkio_of(&f.figures(), "/a"), 1_500);
    }

    #[test]
    fn without_parent_placement_an_unplaced_exit_is_unknown() {
        let mut f = Fleet::new(Series::new(None, 100)).without_parent_placement();
        f.observe(10, Some(1), "/parent", c(100, 0));
        let exit = |tgid| ProcessExit {
            tgid,
            ppid: Some(10),
            start_ticks: None,
            counters: c(7, 0),
        };
        f.process_exited(&exit(11), || None);
        f.process_exited(&exit(12), || Some("/own".to_string()));
        let fig = f.figures();
        assert_eq!(cpu_of(&fig, "/parent"), 100);
        assert_eq!(cpu_of(&fig, Series::UNKNOWN), 7);
        assert_eq!(cpu_of(&fig, "/own"), 7);
    }

    #[test]
    fn a_removed_group_is_given_once_then_forgotten() {
        let mut f = Fleet::new(Series::new(None, 100)).without_parent_placement();
        f.observe(10, Some(1), "/keep", c(1, 0));
        f.observe(11, Some(2), "/gone", c(5, 0));
        f.process_exited(
            &ProcessExit {
                tgid: 11,
                ppid: Some(1),
                start_ticks: Some(2),
                counters: c(6, 0),
            },
            || None,
        );
        f.process_exited(
            &ProcessExit {
                tgid: 12,
                ppid: Some(1),
                start_ticks: None,
                counters: c(3, 0),
            },
            || None,
        );
        // Its last figures are given, then it goes; a group with a live
        // process, and the unknown, stay whatever `exists` says.
        let fig = f.figures();
        assert_eq!(cpu_of(&fig, "/gone"), 6);
        assert_eq!(f.forget_removed(|_| false), 1);
        let names: Vec<String> = f.figures().into_iter().map(|(s, _)| s).collect();
        assert_eq!(names, ["(unknown)", "/keep"]);
        // Made again later: counted from nothing.
        f.observe(13, Some(4), "/gone", c(2, 0));
        assert_eq!(cpu_of(&f.figures(), "/gone"), 2);
    }

    #[test]
    fn depth_and_cap_bound_the_series() {
        let mut s = Series::new(Some(1), 2);
        assert_eq!(s.of("/system.slice/ssh.service"), "/system.slice");
        assert_eq!(s.of("/user.slice/user-0.slice"), "/user.slice");
        assert_eq!(s.of("/docker/abc"), Series::OTHER);
        assert_eq!(s.of("/system.slice/cron.service"), "/system.slice");
        assert_eq!(s.of("/"), Series::OTHER);
    }
}
