//! A whole process: from its exit records, or, while it runs, from the
//! kernel's thread-group record completed with /proc.
//!
//! When a process ends, the kernel has sent one record per thread and, for a
//! multi-threaded process, a group record with the summed delays, CPU times
//! and context switches but no ids, I/O or memory. Having seen every thread's
//! record, taskstat fills those in: ids and exit status from the last
//! thread's record, comm and start from the leader's, I/O and faults summed
//! over the threads, memory peaks from any thread (they share one address
//! space), and each delay category's true max and min over the threads.

use super::figures::{IoView, add_opt as add};
use super::notes::{
    NOTE_ASSEMBLED, NOTE_ASSEMBLED_UNVERSIONED, NOTE_IO_LIVE_THREADS, NOTE_IO_ROUNDED, NOTE_LIVE,
    NOTE_TGID, NOTE_UNVERSIONED, Note,
};
use super::view::{RecordView, SOURCE_TGID, Sources};
use super::{Accounting, Record};
use crate::host::procfs::{self, Io, IoScope, OwnIo};
use crate::model::view::Source;
use crate::wire::RecordKind;
use crate::wire::flag::AGROUP;

pub const SOURCE_EXIT: Source = Source::Exit;
pub const SOURCE_LEADER: Source = Source::Leader;
pub const SOURCE_PROC_IO: Source = Source::ProcIo;
pub const SOURCE_PROC_TASK_IO: Source = Source::ProcTaskIo;
pub const SOURCE_PROC_THREADS_IO: Source = Source::ProcThreadsIo;
pub const SOURCE_PROC_MEMORY: Source = Source::ProcMemory;
pub const SOURCE_PROC_IDENTITY: Source = Source::ProcIdentity;

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
    let unversioned = group.is_some_and(|g| g.stats.unversioned);
    if unversioned {
        // That kernel never filled these in the group record; each thread's
        // own exit record has its share.
        v.cpu.user_us = None;
        v.cpu.system_us = None;
        v.context_switches = Default::default();
        v.elapsed_us = None;
        for t in &views {
            add(&mut v.cpu.user_us, t.cpu.user_us);
            add(&mut v.cpu.system_us, t.cpu.system_us);
            v.context_switches.add(&t.context_switches);
            add(&mut v.elapsed_us, t.elapsed_us);
        }
    }
    v.notes
        .retain(|n| n != NOTE_TGID && n != NOTE_UNVERSIONED && n != NOTE_IO_ROUNDED);
    v.notes.insert(
        0,
        if unversioned {
            NOTE_ASSEMBLED_UNVERSIONED
        } else {
            NOTE_ASSEMBLED
        }
        .into(),
    );
    // Sums of the threads' rounded figures.
    v.notes.push(NOTE_IO_ROUNDED.into());
    v.sources.identity = Some(SOURCE_EXIT);
    v.sources.io = Some(SOURCE_EXIT);
    v.sources.memory = Some(SOURCE_EXIT);
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

/// comm, ids, nice, policy, flags, start and exe of one thread's record,
/// as a process's.
fn copy_identity(v: &mut RecordView, from: &RecordView) {
    v.comm.clone_from(&from.comm);
    v.tgid = from.tgid.or(from.pid);
    v.ppid = from.ppid;
    v.uid = from.uid;
    v.gid = from.gid;
    v.nice = from.nice;
    v.sched_policy = from.sched_policy;
    v.flags = from.flags;
    v.start_time = from.start_time;
    v.group_elapsed_us = from.group_elapsed_us;
    v.exe_dev = from.exe_dev;
    v.exe_inode = from.exe_inode;
}

/// Ids and exit status from the last thread; the start and the name from
/// the leader.
fn identity(v: &mut RecordView, tgid: u32, last: &RecordView, threads: &[RecordView]) {
    copy_identity(v, last);
    v.pid = Some(tgid);
    v.tgid = last.tgid.or(Some(tgid));
    v.exit_code = last.exit_code;
    let leader = threads.iter().find(|t| t.pid == Some(tgid));
    // The leader's start is the process's; group_elapsed_us of the last
    // thread (AGROUP) is the whole process's wall time.
    v.start_time = leader.map_or(last.start_time, |t| t.start_time);
    // The last thread may be one with a name of its own ("ctrl-c", a
    // worker): the process is called what its leader is, as ps and top
    // call it while it runs.
    if let Some(comm) = leader.and_then(|t| t.comm.as_ref()) {
        v.comm = Some(comm.clone());
    }
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

/// A running process as one "tgid" record: the kernel's thread-group
/// record `group` for what it sums, the leader's own record for identity
/// (or /proc when there is none), and /proc for the whole process's I/O,
/// memory peaks and faults, which include the threads that already exited.
pub fn live(
    group: &Record,
    leader: Option<&Record>,
    proc: &procfs::ProcFiles,
    acct: &Accounting,
) -> RecordView {
    let mut v = group.view(acct);
    v.notes.retain(|n| n != NOTE_TGID);
    v.sources = Sources::summed(SOURCE_TGID);
    let mut notes: Vec<Note> = vec![NOTE_LIVE.into()];
    match leader {
        Some(l) => leader_identity(&mut v, &l.view(acct)),
        None => proc_identity(&mut v, proc),
    }
    if v.sources.identity.is_none() {
        notes.push(
            format!(
                "comm and ids are null: neither the leader's record nor /proc/{} could be read",
                proc.pid
            )
            .into(),
        );
    }
    match &proc.io {
        Ok(own) => {
            with_own_io(&mut v, own);
            if own.scope == IoScope::LiveThreads {
                notes.push(NOTE_IO_LIVE_THREADS.into());
            }
        }
        Err(why) => notes.push(
            format!(
                "io is null: /proc/{}/io could not be read ({why})",
                proc.pid
            )
            .into(),
        ),
    }
    let status = proc.status.as_ref().ok();
    v.memory.hiwater_rss_kib = status.and_then(|s| s.vm_hwm_kib);
    v.memory.hiwater_vm_kib = status.and_then(|s| s.vm_peak_kib);
    v.memory.minor_faults = proc.stat.as_ref().map(|s| s.minor_faults);
    v.memory.major_faults = proc.stat.as_ref().map(|s| s.major_faults);
    if proc.stat.is_some() {
        v.sources.memory = Some(SOURCE_PROC_MEMORY);
    } else {
        notes.push(format!("memory is null: /proc/{}/stat could not be read", proc.pid).into());
    }
    if let Err(why) = &proc.status {
        notes.push(
            format!(
                "memory peaks are null: /proc/{}/status could not be read ({why})",
                proc.pid
            )
            .into(),
        );
    }
    notes.append(&mut v.notes);
    v.notes = notes;
    v
}

/// A process's own I/O from /proc in place of the kernel's (a
/// thread-group record has none).
pub fn with_own_io(v: &mut RecordView, own: &OwnIo) {
    v.io = IoView::of_proc(&own.io);
    v.sources.io = Some(match own.scope {
        IoScope::AllThreads => SOURCE_PROC_IO,
        IoScope::LiveThreads => SOURCE_PROC_THREADS_IO,
    });
}

/// A thread's exact I/O (its /proc/PID/task/TID/io) in place of the
/// kernel's rounded figures.
pub fn with_thread_io(v: &mut RecordView, io: &Io) {
    v.io = IoView::of_proc(io);
    v.sources.io = Some(SOURCE_PROC_TASK_IO);
    v.notes.retain(|n| n != NOTE_IO_ROUNDED);
}

impl IoView {
    /// A /proc io file's figures in the schema.
    pub fn of_proc(io: &Io) -> IoView {
        IoView {
            read_bytes: Some(io.read_bytes),
            write_bytes: Some(io.write_bytes),
            cancelled_write_bytes: Some(io.cancelled_write_bytes),
            read_chars: Some(io.rchar),
            write_chars: Some(io.wchar),
            read_syscalls: Some(io.syscr),
            write_syscalls: Some(io.syscw),
        }
    }
}

fn leader_identity(v: &mut RecordView, l: &RecordView) {
    copy_identity(v, l);
    v.pid = l.pid;
    v.sources.identity = Some(SOURCE_LEADER);
}

fn proc_identity(v: &mut RecordView, p: &procfs::ProcFiles) {
    let Some(stat) = &p.stat else {
        return;
    };
    v.comm = p.comm();
    v.pid = Some(p.pid);
    v.tgid = Some(p.pid);
    v.ppid = Some(stat.ppid);
    let status = p.status.as_ref().ok();
    v.uid = status.and_then(|s| s.uid);
    v.gid = status.and_then(|s| s.gid);
    v.nice = Some(stat.nice);
    v.sched_policy = Some(stat.policy);
    v.start_time = p.start_time();
    v.sources.identity = Some(SOURCE_PROC_IDENTITY);
}
