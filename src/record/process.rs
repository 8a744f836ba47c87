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
    acct: &Accounting,
) -> Option<RecordView> {
    let views: Vec<RecordView> = threads.iter().map(|t| t.view(acct)).collect();
    let last = last_thread(tgid, threads);
    let mut v = match (group, last) {
        (Some(g), _) => g.view(acct),
        (None, Some(i)) => {
            let mut v = views[i].clone();
            v.kind = RecordKind::Tgid;
            v.id = tgid;
            // One thread is the whole process; with several and no group
            // record seen, the last thread's record is the starting point.
            if threads.len() == 1 {
                return Some(v);
            }
            v
        }
        (None, None) => return None,
    };
    let Some(i) = last else {
        return Some(v);
    };
    identity(&mut v, tgid, &views[i], &views);
    sum_threads(&mut v, &views);
    extremes(&mut v, &views);
    v.notes.retain(|n| n != NOTE_TGID);
    v.notes.insert(0, NOTE_ASSEMBLED.to_string());
    Some(v)
}

/// The last thread to exit carries AGROUP; failing that, the leader.
fn last_thread(tgid: u32, threads: &[Record]) -> Option<usize> {
    threads
        .iter()
        .position(|t| t.stats.ac_flag.unwrap_or(0) & AGROUP != 0)
        .or_else(|| threads.iter().position(|t| t.id == tgid))
        .or(if threads.is_empty() { None } else { Some(0) })
}

/// Ids, comm and exit status from the last thread; the start from the leader.
fn identity(v: &mut RecordView, tgid: u32, last: &RecordView, threads: &[RecordView]) {
    v.comm.clone_from(&last.comm);
    v.pid = Some(tgid);
    v.tgid = last.tgid.or(Some(tgid));
    v.ppid = last.ppid;
    v.uid = last.uid;
    v.gid = last.gid;
    v.nice = last.nice;
    v.sched_policy = last.sched_policy;
    v.flags = last.flags;
    v.exit_code = last.exit_code;
    // The leader's start is the process's; group_elapsed_us of the last
    // thread (AGROUP) is the whole process's wall time.
    v.start_time = threads
        .iter()
        .find(|t| t.pid == Some(tgid))
        .map_or(last.start_time, |t| t.start_time);
    v.group_elapsed_us = last.group_elapsed_us;
    v.exe_dev = last.exe_dev;
    v.exe_inode = last.exe_inode;
}

/// Scaled times, I/O and faults summed over the threads; memory peaks are
/// the largest (the threads share one address space).
fn sum_threads(v: &mut RecordView, threads: &[RecordView]) {
    v.cpu.user_scaled_us = None;
    v.cpu.system_scaled_us = None;
    v.io = Default::default();
    v.memory = Default::default();
    for t in threads {
        add(&mut v.cpu.user_scaled_us, t.cpu.user_scaled_us);
        add(&mut v.cpu.system_scaled_us, t.cpu.system_scaled_us);
        v.io.add(&t.io);
        v.memory.add_counters(&t.memory);
        v.memory.hiwater_rss_kib = v.memory.hiwater_rss_kib.max(t.memory.hiwater_rss_kib);
        v.memory.hiwater_vm_kib = v.memory.hiwater_vm_kib.max(t.memory.hiwater_vm_kib);
    }
}

/// Each category's true max and min over every thread, which the kernel's
/// group record cannot give.
fn extremes(v: &mut RecordView, threads: &[RecordView]) {
    for (c, cat) in v.delays.each_mut() {
        let per: Vec<_> = threads.iter().map(|t| &t.delays[c]).collect();
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
}
