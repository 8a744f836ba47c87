//! The figures of a record, by part: each delay category's, CPU times,
//! context switches, I/O and memory, and how two records' figures combine.

use serde::{Deserialize, Serialize};

use crate::wire::PerCategory;

/// `{count, total_ns, average_ns, max_ns, min_ns, max_at}` of one category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayView {
    pub count: Option<u64>,
    pub total_ns: Option<u64>,
    /// total_ns / count, rounded down; 0 when count is 0.
    pub average_ns: Option<u64>,
    pub max_ns: Option<u64>,
    pub min_ns: Option<u64>,
    /// When the max happened (struct v17 and later).
    pub max_at: Option<MaxAt>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxAt {
    pub sec: i64,
    pub nsec: i64,
}

impl DelayView {
    /// No figure at all: the category was not measured.
    pub fn is_null(&self) -> bool {
        *self == DelayView::default()
    }
}

/// Every category's figures, serialised as `{"cpu": {...}, "blkio": {...}, ...}`.
pub type Delays = PerCategory<DelayView>;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuView {
    pub user_us: Option<u64>,
    pub system_us: Option<u64>,
    pub user_scaled_us: Option<u64>,
    pub system_scaled_us: Option<u64>,
    pub run_real_ns: Option<u64>,
    pub run_virtual_ns: Option<u64>,
    pub run_scaled_ns: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextSwitchesView {
    pub voluntary: Option<u64>,
    pub involuntary: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoView {
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub cancelled_write_bytes: Option<u64>,
    pub read_chars: Option<u64>,
    pub write_chars: Option<u64>,
    pub read_syscalls: Option<u64>,
    pub write_syscalls: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryView {
    pub hiwater_rss_kib: Option<u64>,
    pub hiwater_vm_kib: Option<u64>,
    pub coremem_mb_us: Option<u64>,
    pub virtmem_mb_us: Option<u64>,
    pub minor_faults: Option<u64>,
    pub major_faults: Option<u64>,
}

/// Adds `v` to `acc`; null only while every value added so far was null.
pub fn add_opt(acc: &mut Option<u64>, v: Option<u64>) {
    if let Some(v) = v {
        *acc = Some(acc.unwrap_or(0).saturating_add(v));
    }
}

/// A counter of two records combined into one (a sum, a difference).
type Combine = fn(Option<u64>, Option<u64>) -> Option<u64>;

impl CpuView {
    /// Every figure of `self` and `o`, combined by `f`.
    pub fn combine(&self, o: &CpuView, f: Combine) -> CpuView {
        CpuView {
            user_us: f(self.user_us, o.user_us),
            system_us: f(self.system_us, o.system_us),
            user_scaled_us: f(self.user_scaled_us, o.user_scaled_us),
            system_scaled_us: f(self.system_scaled_us, o.system_scaled_us),
            run_real_ns: f(self.run_real_ns, o.run_real_ns),
            run_virtual_ns: f(self.run_virtual_ns, o.run_virtual_ns),
            run_scaled_ns: f(self.run_scaled_ns, o.run_scaled_ns),
        }
    }
}

impl ContextSwitchesView {
    pub fn combine(&self, o: &ContextSwitchesView, f: Combine) -> ContextSwitchesView {
        ContextSwitchesView {
            voluntary: f(self.voluntary, o.voluntary),
            involuntary: f(self.involuntary, o.involuntary),
        }
    }
}

impl ContextSwitchesView {
    /// Adds another task's context switches.
    pub fn add(&mut self, o: &ContextSwitchesView) {
        *self = self.combine(o, sum);
    }
}

impl IoView {
    pub fn combine(&self, o: &IoView, f: Combine) -> IoView {
        IoView {
            read_bytes: f(self.read_bytes, o.read_bytes),
            write_bytes: f(self.write_bytes, o.write_bytes),
            cancelled_write_bytes: f(self.cancelled_write_bytes, o.cancelled_write_bytes),
            read_chars: f(self.read_chars, o.read_chars),
            write_chars: f(self.write_chars, o.write_chars),
            read_syscalls: f(self.read_syscalls, o.read_syscalls),
            write_syscalls: f(self.write_syscalls, o.write_syscalls),
        }
    }

    /// Adds another task's I/O counters.
    pub fn add(&mut self, o: &IoView) {
        *self = self.combine(o, sum);
    }
}

impl MemoryView {
    /// The counters (integrals and faults) combined by `f`; the peaks, which
    /// are not counters, are `self`'s.
    pub fn combine_counters(&self, o: &MemoryView, f: Combine) -> MemoryView {
        MemoryView {
            coremem_mb_us: f(self.coremem_mb_us, o.coremem_mb_us),
            virtmem_mb_us: f(self.virtmem_mb_us, o.virtmem_mb_us),
            minor_faults: f(self.minor_faults, o.minor_faults),
            major_faults: f(self.major_faults, o.major_faults),
            ..self.clone()
        }
    }

    /// Adds another task's summable figures (integrals and faults); peaks
    /// are not sums, so they are left to the caller.
    pub fn add_counters(&mut self, o: &MemoryView) {
        *self = self.combine_counters(o, sum);
    }
}

/// The sum of two figures; null only when both are.
pub fn sum(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    let mut acc = a;
    add_opt(&mut acc, b);
    acc
}

/// total_ns / count, rounded down; 0 when count is 0; null when either is.
pub fn average_ns(count: Option<u64>, total_ns: Option<u64>) -> Option<u64> {
    match (count?, total_ns?) {
        (0, _) => Some(0),
        (c, t) => Some(t / c),
    }
}
