//! Sums of records over many processes (a cgroup's members).
//!
//! The kernel's thread-group record carries the summed delays, CPU times and
//! context switches of a process, its live and its exited threads; it has no
//! I/O or memory. Those come from the process's live threads' own records, so
//! threads that already exited are not in them.

use serde::Serialize;

use super::{ContextSwitchesView, CpuView, DelayView, Delays, IoView, MemoryView, RecordView};

/// The record schema's sections, summed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub cpu: CpuView,
    pub delays: Delays,
    pub context_switches: ContextSwitchesView,
    pub io: IoView,
    pub memory: MemoryView,
}

use super::figures::sum;
use super::{add_opt as add, average_ns};

fn max(acc: &mut Option<u64>, v: Option<u64>) {
    if let Some(v) = v {
        *acc = Some(acc.map_or(v, |a| a.max(v)));
    }
}

fn add_delay(acc: &mut DelayView, d: &DelayView) {
    add(&mut acc.count, d.count);
    add(&mut acc.total_ns, d.total_ns);
    acc.average_ns = average_ns(acc.count, acc.total_ns);
}

impl Totals {
    /// Adds one process: `group` is its tgid record, `threads` its live
    /// threads' pid records.
    pub fn add_process(&mut self, group: &RecordView, threads: &[RecordView]) {
        let c = &mut self.cpu;
        add(&mut c.user_us, group.cpu.user_us);
        add(&mut c.system_us, group.cpu.system_us);
        add(&mut c.run_real_ns, group.cpu.run_real_ns);
        add(&mut c.run_virtual_ns, group.cpu.run_virtual_ns);
        add(&mut c.run_scaled_ns, group.cpu.run_scaled_ns);
        for (c, acc) in self.delays.each_mut() {
            add_delay(acc, &group.delays[c]);
        }
        self.context_switches = self.context_switches.combine(&group.context_switches, sum);

        // Threads share one address space, so the peaks are the process's:
        // the largest of its threads', added once per process.
        let (mut rss, mut vm) = (None, None);
        for t in threads {
            add(&mut self.cpu.user_scaled_us, t.cpu.user_scaled_us);
            add(&mut self.cpu.system_scaled_us, t.cpu.system_scaled_us);
            self.io.add(&t.io);
            self.memory.add_counters(&t.memory);
            max(&mut rss, t.memory.hiwater_rss_kib);
            max(&mut vm, t.memory.hiwater_vm_kib);
        }
        add(&mut self.memory.hiwater_rss_kib, rss);
        add(&mut self.memory.hiwater_vm_kib, vm);
    }

    /// Adds a record that is complete in every section (an assembled process).
    pub fn add_complete(&mut self, r: &RecordView) {
        self.add_process(r, std::slice::from_ref(r));
    }
}

/// How `taskstat run`'s command ended, beside its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// The command line, as shown to people.
    pub command: String,
    /// From the start of the command until it was reaped.
    pub wall: std::time::Duration,
    /// The wait(2) status, once reaped.
    pub wait_status: Option<u32>,
    /// The peak resident set of the largest process of the tree (as time(1)
    /// reports it; the tree's sum of peaks is in the total's memory).
    pub peak_rss_kib: Option<u64>,
}

/// The sum of a command and its descendants (`taskstat run`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeTotal {
    /// Always "total".
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub processes: u64,
    #[serde(flatten)]
    pub sums: Totals,
}

impl TreeTotal {
    pub fn new(processes: u64, sums: Totals) -> TreeTotal {
        TreeTotal {
            kind: "total",
            processes,
            sums,
        }
    }
}
