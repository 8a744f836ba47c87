//! Differences of two records of the same task: what happened in an interval.

use serde::Serialize;

use super::figures::{DelayView, average_ns};
use super::notes::NOTE_INTERVAL;
use super::view::RecordView;
use crate::wire::PerCategory;

fn d(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    // A counter that went backwards (the kernel resets a wrapped total to 0)
    // gives no honest difference.
    b?.checked_sub(a?)
}

fn delay(a: &DelayView, b: &DelayView) -> DelayView {
    let count = d(a.count, b.count);
    let total_ns = d(a.total_ns, b.total_ns);
    DelayView {
        count,
        total_ns,
        average_ns: average_ns(count, total_ns),
        // The extremes of the interval alone are not known.
        max_ns: None,
        min_ns: None,
        max_at: None,
    }
}

/// The record `b` minus the record `a` (taken earlier, of the same task).
pub fn delta(a: &RecordView, b: &RecordView) -> RecordView {
    let mut r = b.clone();
    r.elapsed_us = d(a.elapsed_us, b.elapsed_us);
    r.group_elapsed_us = d(a.group_elapsed_us, b.group_elapsed_us);
    r.cpu = a.cpu.combine(&b.cpu, d);
    r.delays = b.delays.map(|c, y| delay(&a.delays[c], y));
    r.context_switches = a.context_switches.combine(&b.context_switches, d);
    r.io = a.io.combine(&b.io, d);
    // Peaks are the values at the interval's end.
    r.memory = b
        .memory
        .combine_counters(&a.memory, |later, earlier| d(earlier, later));
    r.notes.insert(0, NOTE_INTERVAL.into());
    r
}

/// Shares of the interval's wall time, in percent. A thread group's can
/// exceed 100: they are summed over its threads.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Percent {
    /// CPU time (precise runtime) over wall time.
    pub cpu: Option<f64>,
    /// Time spent waiting, per delay category, over wall time.
    pub delays: PerCategory<Option<f64>>,
}

/// Per-second rates over the interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rates {
    pub context_switches_per_s: Option<f64>,
    pub read_bytes_per_s: Option<f64>,
    pub write_bytes_per_s: Option<f64>,
}

/// When an interval ran: epoch seconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub start: f64,
    pub end: f64,
    pub seconds: f64,
}

/// One task's interval: the delta record plus shares and rates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntervalRecord {
    #[serde(flatten)]
    pub record: RecordView,
    pub interval: Interval,
    pub percent: Percent,
    pub rates: Rates,
}

fn pct(ns: Option<u64>, secs: f64) -> Option<f64> {
    ns.map(|v| (v as f64 / 1e9 / secs * 100.0 * 100.0).round() / 100.0)
}

fn rate(v: Option<u64>, secs: f64) -> Option<f64> {
    v.map(|v| (v as f64 / secs * 100.0).round() / 100.0)
}

impl IntervalRecord {
    pub fn new(a: &RecordView, b: &RecordView, interval: Interval) -> Self {
        let record = delta(a, b);
        let s = interval.seconds.max(1e-9);
        let percent = Percent {
            cpu: pct(record.cpu.run_virtual_ns, s),
            delays: record.delays.map(|_, d| pct(d.total_ns, s)),
        };
        let switches = match (
            record.context_switches.voluntary,
            record.context_switches.involuntary,
        ) {
            (Some(v), Some(i)) => Some(v + i),
            _ => None,
        };
        let rates = Rates {
            context_switches_per_s: rate(switches, s),
            read_bytes_per_s: rate(record.io.read_bytes, s),
            write_bytes_per_s: rate(record.io.write_bytes, s),
        };
        IntervalRecord {
            record,
            interval,
            percent,
            rates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Accounting, Record};
    use crate::wire::{Category::Blkio, RecordKind, TaskStats};

    fn view(run_ns: u64, blkio: (u64, u64)) -> RecordView {
        let mut s = TaskStats {
            version: 16,
            payload_len: 560,
            ..Default::default()
        };
        s.cpu_run_virtual_total = Some(run_ns);
        s.delays[Blkio].count = Some(blkio.0);
        s.delays[Blkio].total_ns = Some(blkio.1);
        s.delays[Blkio].max_ns = Some(7);
        Record {
            kind: RecordKind::Pid,
            id: 1,
            stats: s,
            origin: Default::default(),
        }
        .view(&Accounting::default())
    }

    #[test]
    fn deltas_shares_and_rates() {
        let a = view(1_000_000_000, (10, 5_000_000));
        let b = view(1_500_000_000, (14, 205_000_000));
        let r = IntervalRecord::new(
            &a,
            &b,
            Interval {
                start: 10.0,
                end: 12.0,
                seconds: 2.0,
            },
        );
        assert_eq!(r.record.cpu.run_virtual_ns, Some(500_000_000));
        assert_eq!(r.record.delays[Blkio].count, Some(4));
        assert_eq!(r.record.delays[Blkio].total_ns, Some(200_000_000));
        assert_eq!(r.record.delays[Blkio].average_ns, Some(50_000_000));
        assert_eq!(r.record.delays[Blkio].max_ns, None);
        assert_eq!(r.percent.cpu, Some(25.0));
        assert_eq!(r.percent.delays[Blkio], Some(10.0));
        // A counter that went backwards gives null, not a huge number.
        let back = delta(&b, &a);
        assert_eq!(back.cpu.run_virtual_ns, None);
    }
}
