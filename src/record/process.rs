//! A whole process from its exit records.
//!
//! When a process ends, the kernel has sent one record per thread and, for a
//! multi-threaded process, a group record with the summed delays, CPU times
//! and context switches but no ids, I/O or memory. Having seen every thread's
//! record, taskstat fills those in: ids, comm and exit status from the last
//! thread's record, I/O and faults summed over the threads, memory peaks from
//! any thread (they share one address space), and each delay category's true
//! max and min over the threads.

use super::view::NOTE_TGID;
use super::{Accounting, Record, RecordView, add_opt as add};
use crate::wire::RecordKind;
use crate::wire::flag::AGROUP;

pub const NOTE_ASSEMBLED: &str = "process record assembled from the exit records of all its threads: the kernel's group record gives delays, CPU times and context switches; ids, comm and exit status come from the last thread; I/O and faults are summed over the threads";

/// The process `tgid` as one "tgid" record, from its threads' exit records
/// and the kernel's group record (absent for a single-threaded process).
pub fn assemble(
    tgid: u32,
    threads: &[Record],
    group: Option<&Record>,
    ctx: &Accounting,
) -> Option<RecordView> {
    let thread_views: Vec<RecordView> = threads.iter().map(|t| t.view(ctx)).collect();
    // The last thread to exit carries AGROUP; failing that, the leader.
    let last = threads
        .iter()
        .position(|t| t.stats.ac_flag.unwrap_or(0) & AGROUP != 0)
        .or_else(|| threads.iter().position(|t| t.id == tgid))
        .or(if threads.is_empty() { None } else { Some(0) });

    let mut v = match (group, last) {
        (Some(g), _) => g.view(ctx),
        (None, Some(i)) if threads.len() == 1 => {
            let mut v = thread_views[i].clone();
            v.kind = RecordKind::Tgid;
            v.id = tgid;
            return Some(v);
        }
        (None, Some(i)) => {
            // No group record seen: start from the last thread's.
            let mut v = thread_views[i].clone();
            v.kind = RecordKind::Tgid;
            v.id = tgid;
            v
        }
        (None, None) => return None,
    };
    let Some(i) = last else {
        return Some(v);
    };
    let l = &thread_views[i];
    v.comm.clone_from(&l.comm);
    v.pid = Some(tgid);
    v.tgid = l.tgid.or(Some(tgid));
    v.ppid = l.ppid;
    v.uid = l.uid;
    v.gid = l.gid;
    v.nice = l.nice;
    v.sched_policy = l.sched_policy;
    v.flags = l.flags;
    v.exit_code = l.exit_code;
    // The leader's start is the process's; group_elapsed_us of the last
    // thread (AGROUP) is the whole process's wall time.
    v.start_time = thread_views
        .iter()
        .find(|t| t.pid == Some(tgid))
        .map_or(l.start_time, |t| t.start_time);
    v.group_elapsed_us = l.group_elapsed_us;
    v.exe_dev = l.exe_dev;
    v.exe_inode = l.exe_inode;

    v.cpu.user_scaled_us = None;
    v.cpu.system_scaled_us = None;
    v.io = Default::default();
    v.memory = Default::default();
    for t in &thread_views {
        add(&mut v.cpu.user_scaled_us, t.cpu.user_scaled_us);
        add(&mut v.cpu.system_scaled_us, t.cpu.system_scaled_us);
        v.io.add(&t.io);
        v.memory.add_counters(&t.memory);
        v.memory.hiwater_rss_kib = v.memory.hiwater_rss_kib.max(t.memory.hiwater_rss_kib);
        v.memory.hiwater_vm_kib = v.memory.hiwater_vm_kib.max(t.memory.hiwater_vm_kib);
    }
    // The true extremes over every thread, which the kernel cannot give.
    for (c, cat) in v.delays.each_mut() {
        let per: Vec<_> = thread_views.iter().map(|t| &t.delays[c]).collect();
        if per.iter().all(|d| d.max_ns.is_some() && d.min_ns.is_some()) {
            cat.max_ns = per.iter().filter_map(|d| d.max_ns).max();
            cat.min_ns = Some(
                per.iter()
                    .filter_map(|d| d.min_ns)
                    .filter(|m| *m > 0)
                    .min()
                    .unwrap_or(0),
            );
            cat.max_at = per
                .iter()
                .filter(|d| d.max_ns == cat.max_ns)
                .find_map(|d| d.max_at);
        }
    }
    v.notes.retain(|n| n != NOTE_TGID);
    v.notes.insert(0, NOTE_ASSEMBLED.to_string());
    Some(v)
}
