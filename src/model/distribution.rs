//! Distributions of what each process did over its whole life, from its
//! exit record: "how long did each job of this service wait for storage,
//! and how bad was the worst 1%?".
//!
//! Every exited process is one observation per measure ([`Measure`]); a
//! measure the kernel did not give for it (delay accounting off, a struct
//! version without maxima, a figure rejected by [`super::bounds`]) is not
//! observed, so a histogram's count is the number of processes that had
//! the figure. Observations are kept in the official client's histograms,
//! native (exponential buckets, [`NATIVE_SCHEMA`]) and classic
//! ([`CLASSIC_BOUNDS`]) at once: `serve` gives a scraper the one it asks
//! for, and `dump` writes the classic ones for a backfill.

use std::collections::HashMap;

use prometheus_client::metrics::histogram::{Histogram, NativeHistogramConfig};

use super::RecordView;
use crate::wire::{Category, Group, RecordKind};

/// The wait groups a histogram is kept for: top's RUNQ%, IO% and MEM%.
/// IRQ time is time a task was interrupted, not a wait it chose or
/// suffered in its own work, and is left out.
pub const WAIT_GROUPS: [Group; 3] = [Group::RunQueue, Group::Io, Group::Memory];

/// What one histogram measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// The process's total wait in a group of categories.
    Wait(Group),
    /// Its longest single wait in any category of the group (struct
    /// version 16 and later, and only where one record holds all of a
    /// process's waits or its threads' records were each seen).
    Longest(Group),
    /// Its CPU time (the scheduler's run time).
    Cpu,
    /// Its wall time, from its start to its end.
    Elapsed,
}

impl Measure {
    pub const ALL: [Measure; 8] = [
        Measure::Wait(Group::RunQueue),
        Measure::Wait(Group::Io),
        Measure::Wait(Group::Memory),
        Measure::Longest(Group::RunQueue),
        Measure::Longest(Group::Io),
        Measure::Longest(Group::Memory),
        Measure::Cpu,
        Measure::Elapsed,
    ];

    fn index(self) -> usize {
        Measure::ALL
            .iter()
            .position(|m| *m == self)
            .unwrap_or_default()
    }

    /// The value of the `wait` label of a wait measure.
    pub fn wait_label(self) -> Option<&'static str> {
        match self {
            Measure::Wait(g) | Measure::Longest(g) => Some(group_key(g)),
            Measure::Cpu | Measure::Elapsed => None,
        }
    }
}

/// What the histograms are kept by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyedBy {
    /// The cgroup series a process ran in (as the counters are).
    #[default]
    Cgroup,
    /// The process's command name.
    Comm,
    /// The name of the user it ran as (its uid where none is known).
    User,
}

impl KeyedBy {
    /// The label that carries the key.
    pub fn label(self) -> &'static str {
        match self {
            KeyedBy::Cgroup => "cgroup",
            KeyedBy::Comm => "comm",
            KeyedBy::User => "user",
        }
    }
}

/// A wait group's name in labels and docs.
pub fn group_key(g: Group) -> &'static str {
    match g {
        Group::RunQueue => "cpu",
        Group::Io => "io",
        Group::Memory => "memory",
        Group::Irq => "irq",
    }
}

/// The classic buckets' upper bounds, in seconds: 1, 2 and 5 of each decade
/// from 10 µs to 100 s (22 bounds, then +Inf). A quantile from them lies in
/// the bucket that holds the true one, so it is off by at most the bucket's
/// width: a factor of 2 or 2.5. Chosen once, here; the README and taskstat(1) say so.
pub const CLASSIC_BOUNDS: [f64; 22] = [
    0.000_01, 0.000_02, 0.000_05, 0.000_1, 0.000_2, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0,
];

/// The native histograms' schema: 2^4 = 16 buckets per doubling, each
/// 2^(1/16) = 1.044 times as wide as the last. A quantile from them lies in
/// the bucket that holds the true one: within 4.4% of it.
pub const NATIVE_SCHEMA: i8 = 4;

/// One exited process's figures, as the histograms observe them; `None`
/// where the kernel did not give the figure.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExitSample {
    values: [Option<u64>; 8],
}

impl ExitSample {
    /// The figures of a process that ended: `process` holds its whole
    /// life's waits and run time (the group record where the kernel sent
    /// one, else its only thread's record, or a process assembled from its
    /// threads' records), `last` is its last thread's record, whose
    /// `group_elapsed_us` is the process's wall time.
    pub fn of(process: &RecordView, last: &RecordView) -> ExitSample {
        let mut values = [None; 8];
        for g in WAIT_GROUPS {
            values[Measure::Wait(g).index()] = group_total(process, g);
            values[Measure::Longest(g).index()] = group_longest(process, g);
        }
        values[Measure::Cpu.index()] = process.cpu.run_virtual_ns;
        // A single-threaded process's own elapsed time is its wall time
        // where the kernel does not give the group's.
        let own = (last.kind == RecordKind::Pid && last.pid.is_some() && last.pid == last.tgid)
            .then_some(last.elapsed_us)
            .flatten();
        values[Measure::Elapsed.index()] = last
            .group_elapsed_us
            .or(own)
            .and_then(|us| us.checked_mul(1000));
        ExitSample { values }
    }

    /// The measure's value, ns.
    pub fn get(&self, m: Measure) -> Option<u64> {
        self.values[m.index()]
    }
}

/// The sum of a group's waits; none if no category of the group was
/// measured, or if one of them broke a bound (a part is no total).
fn group_total(v: &RecordView, g: Group) -> Option<u64> {
    let mut sum: Option<u64> = None;
    for c in Category::ALL.into_iter().filter(|c| c.group() == g) {
        if v.rejected[c] {
            return None;
        }
        if let Some(t) = v.delays[c].total_ns {
            sum = Some(sum.unwrap_or(0).saturating_add(t));
        }
    }
    sum
}

/// The longest single wait of a group's categories.
fn group_longest(v: &RecordView, g: Group) -> Option<u64> {
    let mut longest: Option<u64> = None;
    for c in Category::ALL.into_iter().filter(|c| c.group() == g) {
        if v.rejected[c] {
            return None;
        }
        if let Some(m) = v.delays[c].max_ns {
            longest = Some(longest.map_or(m, |l| l.max(m)));
        }
    }
    longest
}

/// A new histogram with both kinds of buckets.
pub fn histogram() -> Histogram {
    Histogram::new_classic_and_native(
        CLASSIC_BOUNDS,
        // No bucket limit: a limit would lower the resolution or reset the
        // histogram, and a reset loses counts a scraper already has.
        NativeHistogramConfig::with_schema(NATIVE_SCHEMA),
    )
}

/// The histograms of every key (a cgroup series, a command name or a
/// user), each measure's made when its first value comes.
#[derive(Debug, Default)]
pub struct Distributions {
    /// Each measure's histogram and how many values it was given (the
    /// client keeps its count to itself).
    by: HashMap<String, [Option<(Histogram, u64)>; 8]>,
    /// At most this many keys; later ones are counted in [`OTHER`].
    max: usize,
}

/// One histogram of a key, as [`Distributions::histograms`] lists it.
#[derive(Clone, Debug)]
pub struct KeyHistogram {
    pub key: String,
    pub measure: Measure,
    pub histogram: Histogram,
    /// How many values it had when listed.
    pub count: u64,
}

/// Where keys beyond the cap are counted.
pub const OTHER: &str = "(other)";

impl Distributions {
    pub fn new(max_keys: usize) -> Distributions {
        Distributions {
            by: HashMap::new(),
            max: max_keys.max(1),
        }
    }

    /// Observes one process that ended, under `key`.
    pub fn observe(&mut self, key: &str, s: &ExitSample) {
        let key = if self.by.contains_key(key) || self.by.len() < self.max {
            key
        } else {
            OTHER
        };
        let hs = match self.by.get_mut(key) {
            Some(h) => h,
            None => self.by.entry(key.to_string()).or_default(),
        };
        for m in Measure::ALL {
            let Some(ns) = s.get(m) else {
                continue;
            };
            let (h, count) = hs[m.index()].get_or_insert_with(|| (histogram(), 0));
            h.observe(ns as f64 / 1e9);
            *count += 1;
        }
    }

    /// Each key's histograms, keys in order; a handle shares its
    /// histogram, so an encoder reads it as it is then, with at least
    /// `count` values in it.
    pub fn histograms(&self) -> Vec<KeyHistogram> {
        let mut keys: Vec<&String> = self.by.keys().collect();
        keys.sort_unstable();
        let mut out = Vec::new();
        for k in keys {
            for (m, h) in Measure::ALL.iter().zip(&self.by[k]) {
                if let Some((h, count)) = h {
                    out.push(KeyHistogram {
                        key: k.clone(),
                        measure: *m,
                        histogram: h.clone(),
                        count: *count,
                    });
                }
            }
        }
        out
    }

    /// How many keys are kept.
    pub fn keys(&self) -> usize {
        self.by.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DelayView;

    fn view() -> RecordView {
        let s = crate::wire::TaskStats {
            version: 16,
            payload_len: 560,
            ..Default::default()
        };
        let r = crate::model::Record {
            kind: RecordKind::Pid,
            id: 7,
            stats: s,
            origin: Default::default(),
        };
        let mut v = r.view(&crate::model::Accounting::default());
        v.pid = Some(7);
        v.tgid = Some(7);
        v.delays = Default::default();
        v.cpu = Default::default();
        v.elapsed_us = None;
        v.group_elapsed_us = None;
        v
    }

    #[test]
    fn a_group_total_sums_its_categories_and_a_rejected_one_voids_it() {
        let mut v = view();
        v.delays[Category::Swapin] = DelayView {
            total_ns: Some(5),
            max_ns: Some(4),
            ..DelayView::default()
        };
        v.delays[Category::Thrashing] = DelayView {
            total_ns: Some(7),
            max_ns: Some(6),
            ..DelayView::default()
        };
        v.elapsed_us = Some(3);
        let s = ExitSample::of(&v, &v);
        assert_eq!(s.get(Measure::Wait(Group::Memory)), Some(12));
        assert_eq!(s.get(Measure::Longest(Group::Memory)), Some(6));
        assert_eq!(s.get(Measure::Wait(Group::Io)), None);
        assert_eq!(s.get(Measure::Elapsed), Some(3000));
        v.rejected[Category::Thrashing] = true;
        let s = ExitSample::of(&v, &v);
        assert_eq!(s.get(Measure::Wait(Group::Memory)), None);
    }

    #[test]
    fn a_threads_own_elapsed_time_is_no_process_wall_time() {
        let mut v = view();
        v.pid = Some(8);
        v.elapsed_us = Some(3);
        assert_eq!(ExitSample::of(&v, &v).get(Measure::Elapsed), None);
        v.group_elapsed_us = Some(9);
        assert_eq!(ExitSample::of(&v, &v).get(Measure::Elapsed), Some(9000));
    }

    #[test]
    fn keys_beyond_the_cap_are_counted_in_other() {
        let mut d = Distributions::new(2);
        let mut v = view();
        v.cpu.run_virtual_ns = Some(1_000);
        let s = ExitSample::of(&v, &v);
        for k in ["a", "b", "c", "d", "a"] {
            d.observe(k, &s);
        }
        let keys: Vec<String> = d.histograms().into_iter().map(|h| h.key).collect();
        assert_eq!(keys, ["(other)", "a", "b"]);
        assert_eq!(d.keys(), 3);
    }
}
