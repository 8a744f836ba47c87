//! Records from /proc, for users without CAP_NET_ADMIN: the same schema,
//! with what /proc cannot give null and a note saying so.
//!
//! /proc/PID/task/TID/schedstat holds the scheduler's own counters, the
//! very fields behind taskstats' run time, cpu delay and its count; field 42
//! of stat is the block I/O delay in clock ticks; status has the context
//! switches. The other delay categories, per-category max/min, the scaled
//! times and the MB·µs integrals are not in /proc.

use super::Accounting;
use super::figures::{
    ContextSwitchesView, CpuView, DelayView, Delays, IoView, MemoryView, add_opt, average_ns, sum,
};
use super::notes::{
    NOTE_DELAYACCT_OFF, NOTE_IO_LIVE_THREADS, NOTE_PROCFS, NOTE_PROCFS_PROCESS, Note,
};
use super::view::{RecordSource, RecordView, Sources};
use crate::host::procfs::{self, Thread};
use crate::model::view::Source;
use crate::wire::{Category, RecordKind};

pub const SOURCE_PROC: Source = Source::Proc;

fn ticks_to_ns(t: u64, hz: u64) -> u64 {
    t.saturating_mul(1_000_000_000) / hz
}

/// What one thread adds: run time, delays, CPU time, switches.
fn measures(t: &Thread, hz: u64, acct: &Accounting) -> (CpuView, Delays, ContextSwitchesView) {
    let sched = t.schedstat;
    let cpu = CpuView {
        user_us: Some(t.stat.utime_ticks.saturating_mul(1_000_000) / hz),
        system_us: Some(t.stat.stime_ticks.saturating_mul(1_000_000) / hz),
        user_scaled_us: None,
        system_scaled_us: None,
        run_real_ns: Some(ticks_to_ns(t.stat.utime_ticks + t.stat.stime_ticks, hz)),
        run_virtual_ns: sched.map(|s| s.run_ns),
        run_scaled_ns: None,
    };
    let mut delays = Delays::default();
    delays[Category::Cpu] = DelayView {
        count: sched.map(|s| s.slices),
        total_ns: sched.map(|s| s.wait_ns),
        average_ns: sched.and_then(|s| average_ns(Some(s.slices), Some(s.wait_ns))),
        ..DelayView::default()
    };
    if acct.delayacct != Some(false) {
        delays[Category::Blkio].total_ns = t.stat.blkio_ticks.map(|b| ticks_to_ns(b, hz));
    }
    let status = t.status.as_ref();
    let cs = ContextSwitchesView {
        voluntary: status.and_then(|s| s.voluntary),
        involuntary: status.and_then(|s| s.involuntary),
    };
    (cpu, delays, cs)
}

/// Why another user's I/O is null.
const IO_DENIED: &str = "another user's process (reading its I/O needs CAP_SYS_PTRACE)";

/// [`procfs::ProcFiles`]'s reason, said as [`io_of`] says it.
fn io_why(why: &str) -> &str {
    if why == procfs::DENIED {
        IO_DENIED
    } else {
        why
    }
}

fn io_of(path: &str) -> Result<IoView, String> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => IO_DENIED.to_string(),
        _ => e.to_string(),
    })?;
    let io = procfs::Io::parse(&text).ok_or("unexpected format")?;
    Ok(IoView::of_proc(&io))
}

fn base(kind: RecordKind, id: u32, acct: &Accounting) -> RecordView {
    let mut notes: Vec<Note> = vec![NOTE_PROCFS.into()];
    if acct.delayacct == Some(false) {
        notes.push(NOTE_DELAYACCT_OFF.into());
    }
    RecordView {
        kind,
        id,
        source: RecordSource::Procfs,
        version: None,
        comm: None,
        pid: None,
        tgid: None,
        ppid: None,
        uid: None,
        gid: None,
        nice: None,
        sched_policy: None,
        flags: None,
        exit_code: None,
        start_time: None,
        elapsed_us: None,
        group_elapsed_us: None,
        exe_dev: None,
        exe_inode: None,
        cpu: CpuView::default(),
        delays: Delays::default(),
        context_switches: ContextSwitchesView::default(),
        io: IoView::default(),
        memory: MemoryView::default(),
        sources: Sources {
            io: None,
            ..Sources::all(SOURCE_PROC)
        },
        notes,
        rejected: Default::default(),
    }
}

/// One thread's record.
pub fn thread(pid: u32, t: &Thread, acct: &Accounting) -> RecordView {
    let hz = procfs::clock_ticks();
    let mut v = base(RecordKind::Pid, t.tid, acct);
    let status = t.status.as_ref();
    v.comm.clone_from(&t.comm);
    v.pid = Some(t.tid);
    v.tgid = Some(pid);
    v.ppid = Some(t.stat.ppid);
    v.uid = status.and_then(|s| s.uid);
    v.gid = status.and_then(|s| s.gid);
    v.nice = Some(t.stat.nice);
    v.sched_policy = Some(t.stat.policy);
    v.start_time = procfs::start_epoch(t.stat.start_ticks);
    (v.cpu, v.delays, v.context_switches) = measures(t, hz, acct);
    v.memory = MemoryView {
        hiwater_rss_kib: status.and_then(|s| s.vm_hwm_kib),
        hiwater_vm_kib: status.and_then(|s| s.vm_peak_kib),
        minor_faults: Some(t.stat.minor_faults),
        major_faults: Some(t.stat.major_faults),
        ..MemoryView::default()
    };
    match io_of(&format!("/proc/{pid}/task/{}/io", t.tid)) {
        Ok(io) => {
            v.io = io;
            v.sources.io = Some(SOURCE_PROC);
        }
        Err(why) => v.notes.push(format!("io is null: {why}").into()),
    }
    v
}

/// A process's record: its live threads' sums, and the whole process's
/// identity, I/O, peaks and faults.
pub fn process(proc: &procfs::ProcFiles, threads: &[Thread], acct: &Accounting) -> RecordView {
    let hz = procfs::clock_ticks();
    let mut v = base(RecordKind::Tgid, proc.pid, acct);
    v.notes.insert(1, NOTE_PROCFS_PROCESS.into());
    let status = proc.status.as_ref().ok();
    v.comm = proc.comm();
    v.pid = Some(proc.pid);
    v.tgid = Some(proc.pid);
    if let Some(stat) = &proc.stat {
        v.ppid = Some(stat.ppid);
        v.nice = Some(stat.nice);
        v.sched_policy = Some(stat.policy);
        v.memory.minor_faults = Some(stat.minor_faults);
        v.memory.major_faults = Some(stat.major_faults);
    }
    v.uid = status.and_then(|s| s.uid);
    v.gid = status.and_then(|s| s.gid);
    v.start_time = proc.start_time();
    v.memory.hiwater_rss_kib = status.and_then(|s| s.vm_hwm_kib);
    v.memory.hiwater_vm_kib = status.and_then(|s| s.vm_peak_kib);
    for t in threads {
        let (cpu, delays, cs) = measures(t, hz, acct);
        v.cpu = v.cpu.combine(&cpu, sum);
        for (c, d) in v.delays.each_mut() {
            add_opt(&mut d.count, delays[c].count);
            add_opt(&mut d.total_ns, delays[c].total_ns);
        }
        v.context_switches = v.context_switches.combine(&cs, sum);
    }
    let cpu = &mut v.delays[Category::Cpu];
    cpu.average_ns = average_ns(cpu.count, cpu.total_ns);
    // Its own threads' I/O, as a kernel record's process has it.
    match &proc.io {
        Ok(own) => {
            super::process::with_own_io(&mut v, own);
            if own.scope == procfs::IoScope::LiveThreads {
                v.notes.push(NOTE_IO_LIVE_THREADS.into());
            }
        }
        Err(why) => v.notes.push(format!("io is null: {}", io_why(why)).into()),
    }
    v
}
