//! top's rows over the stored history, as `replay` shows them: each view
//! is the interval between two samples; a process that exited in it shows
//! there with what it did since the sample before (its whole life if it
//! was born in the interval too).

use std::collections::{BTreeMap, HashMap};

use crate::cli::By;
use crate::filter::TaskFilter;
use crate::history::reader::sample_at;
use crate::history::sample::{Skipped, StoredProcess, StoredSample};
use crate::host::users;
use crate::model::RecordView;
use crate::model::figures::DelayView;
use crate::model::fleet::{Counters, GroupFigures};
use crate::model::top::{self, Counts, Row, Tally, TopSort};
use crate::store::Timeline;
use crate::wire::{Category, Group};

/// What replay shows: rates over each interval, or totals since the
/// range's first sample (`-a`, `a`); and only the rows that did something
/// (`-o`, `o`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown {
    pub counts: Counts,
    pub only: bool,
}

/// `v` with every figure of the sections top diffs at 0 (a null stays
/// null): the baseline of a process born in the interval.
fn zeroed(v: &RecordView) -> RecordView {
    fn zero(n: &mut Option<u64>) {
        if n.is_some() {
            *n = Some(0);
        }
    }
    let mut z = v.clone();
    let c = &mut z.cpu;
    for n in [
        &mut c.user_us,
        &mut c.system_us,
        &mut c.user_scaled_us,
        &mut c.system_scaled_us,
        &mut c.run_real_ns,
        &mut c.run_virtual_ns,
        &mut c.run_scaled_ns,
    ] {
        zero(n);
    }
    for c in Category::ALL {
        let DelayView {
            count,
            total_ns,
            average_ns,
            max_ns,
            min_ns,
            max_at,
        } = &mut z.delays[c];
        for n in [count, total_ns, average_ns, max_ns, min_ns] {
            zero(n);
        }
        if let Some(at) = max_at {
            (at.sec, at.nsec) = (0, 0);
        }
    }
    let s = &mut z.context_switches;
    for n in [&mut s.voluntary, &mut s.involuntary] {
        zero(n);
    }
    let io = &mut z.io;
    for n in [
        &mut io.read_bytes,
        &mut io.write_bytes,
        &mut io.cancelled_write_bytes,
        &mut io.read_chars,
        &mut io.write_chars,
        &mut io.read_syscalls,
        &mut io.write_syscalls,
    ] {
        zero(n);
    }
    z
}

/// The record, in an earlier sample's section, of the process `key`
/// (pid:start time) names. The kernel gives a start time in whole seconds
/// worked out anew each time from the time now and the task's age, so one
/// process's start time can be a second off from one record to the next:
/// the same pid a second off is the same process, not one born since.
pub fn earlier<'a, T>(prev: &'a BTreeMap<String, T>, key: &str) -> Option<&'a T> {
    if let Some(v) = prev.get(key) {
        return Some(v);
    }
    let (pid, start) = key.split_once(':')?;
    let start: u64 = start.parse().ok()?;
    [start.checked_sub(1), start.checked_add(1)]
        .into_iter()
        .flatten()
        .find_map(|s| prev.get(&format!("{pid}:{s}")))
}

/// The rows of the interval from sample `a` to sample `b`; with totals,
/// `a` is the range's first sample, and a process born since counts its
/// whole life.
pub fn rows(
    a: &StoredSample,
    b: &StoredSample,
    by: By,
    filter: &TaskFilter,
    shown: Shown,
    sort: TopSort,
) -> Vec<Row> {
    let Shown { counts, only } = shown;
    let secs = (b.time_ns - a.time_ns) as f64 / 1e9;
    let (prev, live, gone) = (&a.processes, &b.processes, &b.exited);
    let kept = || {
        live.iter()
            .chain(gone.iter())
            .filter(|(_, p)| filter.keeps_stored(p))
    };
    let mut rows = match by {
        By::Task => {
            let mut before = HashMap::new();
            let mut after = HashMap::new();
            for (key, p) in kept() {
                let Some(id) = p.tgid() else {
                    continue;
                };
                let then = match earlier(prev, key) {
                    Some(e) => e.view.clone(),
                    // Born in the interval.
                    None => zeroed(&p.view),
                };
                before.insert(id, then);
                after.insert(id, p.view.clone());
            }
            // Exited processes not seen before show from a zero baseline;
            // live ones born in the interval show from their next interval, as in top.
            for (key, p) in live.iter() {
                if counts == Counts::PerSecond && earlier(prev, key).is_none() {
                    if let Some(id) = p.tgid() {
                        before.remove(&id);
                    }
                }
            }
            top::rows(&before, &after, &HashMap::new(), secs, counts)
        }
        By::Cgroup => {
            let figures = |s: &'_ StoredSample| -> HashMap<String, GroupFigures> {
                s.cgroups
                    .iter()
                    .filter(|(p, _)| filter.holds_cgroup(p))
                    .map(|(p, g)| (p.clone(), g.clone()))
                    .collect()
            };
            let (then, now) = (figures(a), figures(b));
            let tallies = now
                .iter()
                .map(|(p, f)| {
                    let base = then.get(p).map(|g| g.counters).unwrap_or_default();
                    let tasks = u32::try_from(f.tasks).unwrap_or(u32::MAX);
                    (
                        p.clone(),
                        Tally {
                            tasks,
                            sums: f.counters.minus(&base),
                        },
                    )
                })
                .collect();
            grouped(&tallies, secs, counts, live)
        }
        By::User | By::Comm => {
            let mut tallies: HashMap<String, Tally> = HashMap::new();
            for (key, p) in kept() {
                let now = &p.view;
                let label = match by {
                    By::User => now
                        .uid
                        .map(|u| users::name_of(u).unwrap_or_else(|| u.to_string())),
                    _ => now.comm.clone(),
                };
                let base = earlier(prev, key)
                    .map(|e| Counters::of(&e.view))
                    .unwrap_or_default();
                let t = tallies
                    .entry(label.unwrap_or_else(|| "?".into()))
                    .or_default();
                if live.contains_key(key) {
                    t.tasks += 1;
                }
                t.sums = t.sums.plus(&Counters::of(now).minus(&base));
            }
            grouped(&tallies, secs, counts, live)
        }
    };
    if only {
        rows.retain(Row::active);
    }
    sort.sort(&mut rows);
    rows
}

/// Grouped rows, with the delay groups the stored records measured.
fn grouped(
    tallies: &HashMap<String, Tally>,
    secs: f64,
    counts: Counts,
    live: &BTreeMap<String, StoredProcess>,
) -> Vec<Row> {
    // Delay accounting was on if any record has a measured I/O category.
    let on = live
        .values()
        .any(|p| p.view.delays[Category::Blkio].total_ns.is_some());
    top::grouped(tallies, secs, counts, |g| g == Group::RunQueue || on)
}

/// The two samples around the interval on screen, kept as the view moves,
/// and the count of stored records they could not read.
#[derive(Default)]
pub struct Held {
    a: Option<(usize, StoredSample)>,
    b: Option<(usize, StoredSample)>,
    pub skipped: Skipped,
}

impl Held {
    /// Samples `i - 1` and `i`, decoded where not already at hand.
    pub fn interval(
        &mut self,
        t: &mut Timeline,
        i: usize,
    ) -> Result<(&StoredSample, &StoredSample), String> {
        let skipped = &mut self.skipped;
        let mut take = |j: usize,
                        a: &mut Option<(usize, StoredSample)>,
                        b: &mut Option<(usize, StoredSample)>| {
            for held in [a, b] {
                if held.as_ref().is_some_and(|(k, _)| *k == j) {
                    return held.take().map(|(_, s)| s).ok_or_else(String::new);
                }
            }
            sample_at(t, j, skipped).map_err(|w| w.to_string())
        };
        let (mut a, mut b) = (self.a.take(), self.b.take());
        // The earlier one first: the decoder moves forward from it.
        let first = take(i - 1, &mut a, &mut b)?;
        let second = take(i, &mut a, &mut b)?;
        self.a = Some((i - 1, first));
        self.b = Some((i, second));
        match (&self.a, &self.b) {
            (Some((_, a)), Some((_, b))) => Ok((a, b)),
            _ => Err("no samples".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same pid with a start time a second off is the same process;
    /// two seconds off, or another pid, is not.
    #[test]
    fn a_start_time_a_second_off_is_the_same_process() {
        let prev: BTreeMap<String, u32> =
            [("105:1796545220".to_string(), 1), ("7:100".to_string(), 2)]
                .into_iter()
                .collect();
        assert_eq!(earlier(&prev, "105:1796545220"), Some(&1));
        assert_eq!(earlier(&prev, "105:1796545221"), Some(&1));
        assert_eq!(earlier(&prev, "7:99"), Some(&2));
        assert_eq!(earlier(&prev, "7:102"), None);
        assert_eq!(earlier(&prev, "10:1796545220"), None);
        assert_eq!(earlier(&prev, "junk"), None);
    }
}
