//! A cgroup's task-state counts (and totals) for people and for getdelays scripts.

use std::io::{self, Write};

use super::ShownSections;
use super::human;
use super::table::{Measures, kv_section, write_measures};
use crate::model::cgroup::{CgroupReport, CgroupSource};

pub fn write_cgroup_table(
    out: &mut dyn Write,
    r: &CgroupReport,
    s: ShownSections,
) -> io::Result<()> {
    let source = match r.source {
        CgroupSource::Kernel => "cgroup v1, counted by the kernel",
        CgroupSource::Procfs => "cgroup2, counted from /proc like the kernel counts v1",
    };
    writeln!(out, "CGROUP {} · {source}", human::name(&r.path))?;
    kv_section(
        out,
        "TASKS",
        &[
            ("sleeping", r.sleeping.to_string()),
            ("running", r.running.to_string()),
            ("stopped", r.stopped.to_string()),
            ("uninterruptible", r.uninterruptible.to_string()),
            ("io_wait", r.io_wait.to_string()),
        ],
    )?;
    if let (Some(n), Some(t)) = (r.processes, &r.totals) {
        writeln!(out, "TOTALS OF {n} PROCESSES\n")?;
        write_measures(out, &Measures::of_totals(t), s.or_all())?;
        writeln!(
            out,
            "note: delays and run times include threads that exited, user/system time and context switches only the live threads; I/O, peaks and faults are each process's whole, from /proc"
        )?;
    }
    Ok(())
}

/// getdelays -C's line (note "blocked" is the kernel's nr_io_wait).
pub fn write_cgroup_getdelays(out: &mut dyn Write, r: &CgroupReport) -> io::Result<()> {
    writeln!(
        out,
        "sleeping {}, blocked {}, running {}, stopped {}, uninterruptible {}",
        r.sleeping, r.io_wait, r.running, r.stopped, r.uninterruptible
    )
}
