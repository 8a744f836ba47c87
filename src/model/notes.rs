//! The notes a record carries: one sentence each on why figures are null,
//! and what each fixed one means in full (the man page's NOTES). Every
//! module that writes a note takes its text from here.

use std::borrow::Cow;

/// One sentence on why figures are null. Most are the same few texts on
/// every record of a stream, so they are borrowed, not copied per record.
pub type Note = Cow<'static, str>;

/// A process while it runs ([`super::process`]).
pub const NOTE_LIVE: &str = "process record: the kernel's thread-group sums; ids from the leader, I/O and memory from /proc";

/// Why a process's I/O leaves out its exited threads.
pub const NOTE_IO_LIVE_THREADS: &str =
    "io is the live threads' own: the process reaped children, so exited threads are left out";

pub const NOTE_ASSEMBLED: &str =
    "process record assembled from its threads' exit records and the kernel's group record";

pub const NOTE_ASSEMBLED_UNVERSIONED: &str =
    "process record assembled from its threads' exit records (group record of struct version 0)";

/// A record from /proc ([`super::procfs`]).
pub const NOTE_PROCFS: &str =
    "partial view from /proc (no CAP_NET_ADMIN): most delays are null; run as root for all";
pub const NOTE_PROCFS_PROCESS: &str =
    "process record from /proc: sums over the live threads; I/O is its own threads'";

/// A record of an interval ([`super::interval`]).
pub const NOTE_INTERVAL: &str =
    "interval record: differences over the interval; peaks at its end; max/min are null";

pub const NOTE_TGID: &str =
    "thread-group record: the kernel's sums over the threads; ids, I/O, memory, max/min are null";
/// In place of [`NOTE_TGID`] on a whole-process exit record that came with
/// struct version 0 (`TaskStats::unversioned`), whose other fields the wire
/// decoder already left null.
pub const NOTE_UNVERSIONED: &str =
    "whole-process exit record from a kernel before the 2026 fix: only delays and run times";
/// Why a thread's I/O from the kernel is not exact (xacct_add_tsk masks
/// each figure with KB_MASK).
pub const NOTE_IO_ROUNDED: &str = "io: the kernel rounds these figures down to multiples of 1024";
/// Why a running task's exit_code is null.
pub const NOTE_NO_EXIT: &str = "exit_code is null: the task has not exited";
pub const NOTE_DELAYACCT_OFF: &str =
    "delay accounting is off: only cpu delay is measured (sysctl kernel.task_delayacct=1)";

/// The longest a note may be: notes follow every table, one line each
/// ("note: " and the note within 100 columns); what a note means in full is
/// in [`NOTE_DOC`], which the man page prints once.
pub const NOTE_MAX_LEN: usize = 94;

/// Each fixed note, and what it means in full (the man page's NOTES).
pub const NOTE_DOC: &[(&str, &str)] = &[
    (
        NOTE_LIVE,
        "A running process (tgid, threads, top, record): delays, CPU times and context switches come from the kernel's thread-group record. Delays and run times include threads that exited; user/system time, context switches and elapsed time include them too on kernels with the 2026 fix \"retain dead thread stats in TGID queries\" and cover only the live threads before it (taskstat check says which). Identity comes from the leader's record; I/O is the process's own threads' from /proc (never its reaped children's); memory peaks and faults are the whole process's from /proc, exited threads included. Per-category max/min, scaled times and the MB·µs integrals are null because the kernel keeps them only per thread.",
    ),
    (
        NOTE_TGID,
        "The kernel's thread-group record as it came (a tgid exit record, or with --source taskstats where /proc cannot complete it): the kernel fills only the summed fields (delays, CPU times, context switches, elapsed time summed over threads); comm, ids, exit fields, scaled user/system time, I/O and memory are null, and per-category max/min are null because the kernel reports only the last thread's.",
    ),
    (
        NOTE_UNVERSIONED,
        "A whole-process exit record from a kernel before the 2026 fix \"taskstats: set version in TGID exit notifications\" (struct version 0, read with the layout of the thread record of the same exit message, or of the struct version a record file's header names): it carries only the delays and the run times (cpu.run_real_ns, run_virtual_ns, run_scaled_ns); user/system time, context switches and elapsed time are null because that kernel never filled them, and comm, ids, exit fields, I/O, memory and per-category max/min are null as in every thread-group record.",
    ),
    (
        NOTE_ASSEMBLED,
        "A process that exited (run, record): the kernel's group record gives delays, CPU times and context switches; ids and exit status come from the last thread's exit record, comm and start time from the leader's; I/O and faults are summed over the threads' exit records.",
    ),
    (
        NOTE_ASSEMBLED_UNVERSIONED,
        "As above, with a group record of struct version 0 (a kernel before the 2026 fix \"taskstats: set version in TGID exit notifications\"): it gives only the delays and run times; user/system time, context switches and elapsed time are summed over the threads' records, as are I/O and faults; ids and exit status come from the last thread, comm and start time from the leader.",
    ),
    (
        NOTE_IO_LIVE_THREADS,
        "The process reaped children, whose I/O /proc/PID/io would add to its own, so taskstat sums its live threads' /proc/PID/task/TID/io instead, and threads that already exited are not in it.",
    ),
    (
        NOTE_IO_ROUNDED,
        "The kernel's record rounds every io figure down to a multiple of 1024 (bytes to whole KiB, syscalls to 1024s). A running thread's figures are exact, from /proc/PID/task/TID/io, where that file can be read; exit records always carry this note.",
    ),
    (
        NOTE_DELAYACCT_OFF,
        "With kernel.task_delayacct = 0 every delay category but cpu, which comes from scheduler statistics, is null. Turn it on with sysctl kernel.task_delayacct=1; tasks started before that have no delay figures besides cpu.",
    ),
    (
        NOTE_INTERVAL,
        "--interval: counters are the differences over the interval; memory peaks are the values at its end; per-category max/min are null because the kernel keeps only lifetime extremes.",
    ),
    (
        NOTE_PROCFS,
        "Without CAP_NET_ADMIN (--source procfs, or auto): run time, run-queue wait and its count come from /proc/PID/schedstat, the block I/O delay from stat in clock ticks (no count), context switches from status; the other delay categories, per-category max/min, scaled times and the MB·µs integrals are null. Run as root, or setcap cap_net_admin+ep on the binary, for the full record.",
    ),
    (
        NOTE_PROCFS_PROCESS,
        "A process from /proc: run time, delays, CPU time and context switches are sums over the live threads (threads that already exited are not in them); I/O is its own threads' (never its reaped children's); memory peaks and faults are the whole process's.",
    ),
];

/// Starts the note on max_at, which tables (that never show max_at) leave out.
pub const NOTE_MAX_AT_PREFIX: &str = "max_at (the time of each category's max) needs";
/// Starts the note on softirq, which is null on every merged kernel; tables
/// leave it out and show the row as `-`.
pub const NOTE_SOFTIRQ_PREFIX: &str = "delays.softirq needs";
