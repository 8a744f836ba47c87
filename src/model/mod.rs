//! The model: typed records and what is computed from them.
//!
//! A [`Record`] is what the kernel sent, decoded. [`Record::view`] turns it
//! into the published schema ([`view`]): kernel units, stable keys, and `None`
//! (null) wherever the kernel did not provide a figure, with a note that says
//! why. The other modules derive from views: interval deltas, sums over
//! processes, a process assembled from its threads' exit records, sort keys
//! and top's rates.

pub mod bounds;
pub mod cgroup;
pub mod check;
pub mod distribution;
pub mod figures;
pub mod fleet;
pub mod interval;
pub mod notes;
pub mod pressure;
pub mod process;
pub mod procfs;
pub mod schema;
pub mod sort;
pub mod top;
pub mod totals;
pub mod view;
pub mod workload;

pub use figures::{
    ContextSwitchesView, CpuView, DelayView, Delays, IoView, MaxAt, MemoryView, add_opt, average_ns,
};
pub use view::{RecordSource, RecordView};

pub use crate::wire::Record;

/// Facts about the system that decide what the kernel's figures mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accounting {
    /// `kernel.task_delayacct`; `None` when it could not be read.
    pub delayacct: Option<bool>,
    /// Whether a thread-group record's elapsed time (and CPU times and
    /// context switches) include the threads that exited, as they do since
    /// the 2026 fix "retain dead thread stats in TGID queries" (found by
    /// [`crate::probe::tgid_counts_exited`]); None when not known. Only then
    /// does its elapsed time bound its delays ([`bounds`]).
    pub tgid_counts_exited: Option<bool>,
}

impl Accounting {
    /// Reads the switches as they are now.
    pub fn detect() -> Accounting {
        Accounting {
            delayacct: crate::host::system::delayacct(),
            tgid_counts_exited: None,
        }
    }

    /// The warning a run prints once when delay figures are not measured.
    pub fn warning(&self) -> Option<&'static str> {
        (self.delayacct == Some(false)).then_some(
            "delay accounting is off (kernel.task_delayacct = 0): only CPU delay is measured; \
             turn it on with `sysctl kernel.task_delayacct=1` or boot with `delayacct`; \
             tasks started before that have no delay figures besides CPU",
        )
    }
}
