//! The published record schema: what json, ndjson, csv and tables print.
//! Key names and types are a contract (docs in [`super::schema`]).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{Accounting, Record, bounds};
use crate::wire::{
    Category, Extension, KNOWN_VERSION, PerCategory, RawDelay, RecordKind, TaskStats,
};

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

/// The published record schema. Key names and types are a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    #[serde(rename = "type")]
    pub kind: RecordKind,
    pub id: u32,
    /// Where the record came from.
    pub source: RecordSource,
    /// The kernel's struct version; null for a /proc record.
    pub version: Option<u16>,
    pub comm: Option<String>,
    pub pid: Option<u32>,
    pub tgid: Option<u32>,
    pub ppid: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub nice: Option<i8>,
    pub sched_policy: Option<u8>,
    pub flags: Option<u8>,
    pub exit_code: Option<u32>,
    /// Epoch seconds.
    pub start_time: Option<u64>,
    pub elapsed_us: Option<u64>,
    pub group_elapsed_us: Option<u64>,
    pub exe_dev: Option<u64>,
    pub exe_inode: Option<u64>,
    pub cpu: CpuView,
    pub delays: Delays,
    pub context_switches: ContextSwitchesView,
    pub io: IoView,
    pub memory: MemoryView,
    /// Where each part of the record came from.
    pub sources: Sources,
    /// Why figures are null, one sentence each.
    pub notes: Vec<Note>,
    /// The delay categories nulled because they broke a bound the kernel
    /// guarantees ([`super::bounds`]); the notes say so in words. Not part
    /// of the schema: consumers that follow a task keep them rejected.
    #[serde(skip)]
    pub rejected: super::bounds::Rejected,
}

/// One sentence on why figures are null. Most are the same few texts on
/// every record of a stream, so they are borrowed, not copied per record.
pub type Note = Cow<'static, str>;

/// The source of a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordSource {
    /// The kernel's taskstats interface: every figure it keeps.
    #[default]
    Taskstats,
    /// /proc, readable without privileges: a partial view.
    Procfs,
}

/// Where each part of a record came from; null where nothing provided it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// comm, the ids, nice, policy, flags, exit status, start time, exe.
    pub identity: Option<Source>,
    pub cpu: Option<Source>,
    pub delays: Option<Source>,
    pub context_switches: Option<Source>,
    pub io: Option<Source>,
    pub memory: Option<Source>,
}

impl Sources {
    /// Every part from one source.
    pub fn all(s: Source) -> Sources {
        Sources {
            identity: Some(s),
            cpu: Some(s),
            delays: Some(s),
            context_switches: Some(s),
            io: Some(s),
            memory: Some(s),
        }
    }

    /// The parts a thread-group record sums, from `s`; the rest from nowhere.
    pub fn summed(s: Source) -> Sources {
        Sources {
            cpu: Some(s),
            delays: Some(s),
            context_switches: Some(s),
            ..Sources::default()
        }
    }
}

/// Where a part of a record came from: the values of the schema's
/// `sources`. An enum, not strings, so that a serializer writes each name
/// as it writes a key, without looking for what to escape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A task's own record from the kernel.
    #[serde(rename = "taskstats pid record")]
    Pid,
    /// The kernel's thread-group record: sums over the threads.
    #[serde(rename = "taskstats tgid record")]
    Tgid,
    /// A process's own exit records.
    #[serde(rename = "taskstats exit records of its threads")]
    Exit,
    /// The thread group leader's own record.
    #[serde(rename = "taskstats pid record of the leader")]
    Leader,
    /// The whole process's I/O, live and exited threads, of a process that
    /// has reaped no child (whose I/O the file would add).
    #[serde(rename = "/proc/PID/io")]
    ProcIo,
    /// A thread's own I/O, exact.
    #[serde(rename = "/proc/PID/task/TID/io")]
    ProcTaskIo,
    /// A process's live threads' own I/O, summed: a process that has
    /// reaped children.
    #[serde(rename = "/proc/PID/task/*/io")]
    ProcThreadsIo,
    /// Peaks from /proc/PID/status, faults from /proc/PID/stat.
    #[serde(rename = "/proc/PID/status and /proc/PID/stat")]
    ProcMemory,
    /// comm, ids, nice, policy and start time from /proc.
    #[serde(rename = "/proc/PID/stat, /proc/PID/status and /proc/PID/comm")]
    ProcIdentity,
    /// Where each part of a /proc record came from.
    #[serde(rename = "/proc")]
    Proc,
}

pub const SOURCE_PID: Source = Source::Pid;
pub const SOURCE_TGID: Source = Source::Tgid;

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
        super::process::NOTE_LIVE,
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
        super::process::NOTE_ASSEMBLED,
        "A process that exited (listen --groups-only, run, record): the kernel's group record gives delays, CPU times and context switches; ids, comm and exit status come from the last thread's exit record; I/O and faults are summed over the threads' exit records.",
    ),
    (
        super::process::NOTE_ASSEMBLED_UNVERSIONED,
        "As above, with a group record of struct version 0 (a kernel before the 2026 fix \"taskstats: set version in TGID exit notifications\"): it gives only the delays and run times; user/system time, context switches and elapsed time are summed over the threads' records, as are I/O and faults; ids, comm and exit status come from the last thread.",
    ),
    (
        super::process::NOTE_IO_LIVE_THREADS,
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
        super::interval::NOTE_INTERVAL,
        "--interval: counters are the differences over the interval; memory peaks are the values at its end; per-category max/min are null because the kernel keeps only lifetime extremes.",
    ),
    (
        super::procfs::NOTE_PROCFS,
        "Without CAP_NET_ADMIN (--source procfs, or auto): run time, run-queue wait and its count come from /proc/PID/schedstat, the block I/O delay from stat in clock ticks (no count), context switches from status; the other delay categories, per-category max/min, scaled times and the MB·µs integrals are null. Run as root, or setcap cap_net_admin+ep on the binary, for the full record.",
    ),
    (
        super::procfs::NOTE_PROCFS_PROCESS,
        "A process from /proc: run time, delays, CPU time and context switches are sums over the live threads (threads that already exited are not in them); I/O is its own threads' (never its reaped children's); memory peaks and faults are the whole process's.",
    ),
];

/// Starts the note on max_at, which tables (that never show max_at) leave out.
pub const NOTE_MAX_AT_PREFIX: &str = "max_at (the time of each category's max) needs";
/// Starts the note on softirq, which is null on every merged kernel; tables
/// leave it out and show the row as `-`.
pub const NOTE_SOFTIRQ_PREFIX: &str = "delays.softirq needs";

/// total_ns / count, rounded down; 0 when count is 0; null when either is.
pub fn average_ns(count: Option<u64>, total_ns: Option<u64>) -> Option<u64> {
    match (count?, total_ns?) {
        (0, _) => Some(0),
        (c, t) => Some(t / c),
    }
}

fn delay_view(raw: &RawDelay, with_extremes: bool) -> DelayView {
    DelayView {
        count: raw.count,
        total_ns: raw.total_ns,
        average_ns: average_ns(raw.count, raw.total_ns),
        max_ns: raw.max_ns.filter(|_| with_extremes),
        min_ns: raw.min_ns.filter(|_| with_extremes),
        // A zero timespec means "never set" (getdelays prints N/A).
        max_at: raw
            .max_ts
            .filter(|t| with_extremes && (t.sec, t.nsec) != (0, 0))
            .map(|t| MaxAt {
                sec: t.sec,
                nsec: t.nsec,
            }),
    }
}

impl Record {
    pub fn view(&self, ctx: &Accounting) -> RecordView {
        self.view_with(ctx, true)
    }

    /// The figures alone, without the notes that explain nulls: for views
    /// that only compute rates (top's samples, thousands a refresh).
    pub fn figures(&self, ctx: &Accounting) -> RecordView {
        self.view_with(ctx, false)
    }

    fn view_with(&self, ctx: &Accounting, explain: bool) -> RecordView {
        let s = &self.stats;
        let tgid_record = self.kind == RecordKind::Tgid;
        // For a thread group, the kernel leaves per-task fields empty.
        let task = |v: Option<u64>| if tgid_record { None } else { v };
        let task32 = |v: Option<u32>| if tgid_record { None } else { v };
        let mut notes = Vec::new();

        let delayacct_off = ctx.delayacct == Some(false);
        // The cpu delay comes from scheduler statistics, kept either way.
        let delays = s.delays.map(|c, raw| {
            if delayacct_off && c != Category::Cpu {
                DelayView::default()
            } else {
                delay_view(raw, !tgid_record)
            }
        });

        let mut delays = delays;
        // A thread's waits lie inside its life; a group's inside its
        // threads' lives, which its elapsed time sums only where the
        // kernel counts exited threads in it.
        let bound = s
            .ac_etime
            .filter(|_| !tgid_record || ctx.tgid_counts_exited == Some(true));
        let rejected = match bound {
            Some(us) => bounds::enforce(
                &mut delays,
                bounds::budget_ns(us),
                us,
                explain.then_some(&mut notes),
            ),
            None => bounds::Rejected::default(),
        };

        if explain && s.unversioned {
            notes.push(Note::Borrowed(NOTE_UNVERSIONED));
        } else if tgid_record && explain {
            notes.push(Note::Borrowed(NOTE_TGID));
        }
        if delayacct_off && explain {
            notes.push(Note::Borrowed(NOTE_DELAYACCT_OFF));
        }
        if explain {
            notes.extend(version_notes_cached(s));
        }
        // bacct_add_tsk() sets ac_exitcode only for a task that is exiting
        // (PF_EXITING): a query's 0 is no exit status, and any other value
        // is that of a task caught exiting.
        let exit_code =
            task32(s.ac_exitcode).filter(|&c| self.origin == crate::wire::Origin::Exit || c != 0);
        if explain && exit_code.is_none() && task32(s.ac_exitcode).is_some() {
            notes.push(Note::Borrowed(NOTE_NO_EXIT));
        }
        if explain && task(s.read_syscalls).is_some() {
            notes.push(Note::Borrowed(NOTE_IO_ROUNDED));
        }

        RecordView {
            kind: self.kind,
            id: self.id,
            source: RecordSource::Taskstats,
            version: Some(s.version),
            comm: s
                .ac_comm
                .as_ref()
                .filter(|_| !tgid_record)
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            pid: task32(s.ac_pid),
            tgid: task32(s.ac_tgid),
            ppid: task32(s.ac_ppid),
            uid: task32(s.ac_uid),
            gid: task32(s.ac_gid),
            nice: s.ac_nice.filter(|_| !tgid_record).map(|n| n as i8),
            sched_policy: s.ac_sched.filter(|_| !tgid_record),
            flags: s.ac_flag.filter(|_| !tgid_record),
            exit_code,
            start_time: task(s.ac_btime64.or(s.ac_btime.map(u64::from))),
            elapsed_us: s.ac_etime,
            group_elapsed_us: task(s.ac_tgetime),
            exe_dev: task(s.ac_exe_dev),
            exe_inode: task(s.ac_exe_inode),
            cpu: CpuView {
                user_us: s.ac_utime,
                system_us: s.ac_stime,
                user_scaled_us: task(s.ac_utimescaled),
                system_scaled_us: task(s.ac_stimescaled),
                run_real_ns: s.cpu_run_real_total,
                run_virtual_ns: s.cpu_run_virtual_total,
                run_scaled_ns: s.cpu_scaled_run_real_total,
            },
            delays,
            context_switches: ContextSwitchesView {
                voluntary: s.nvcsw,
                involuntary: s.nivcsw,
            },
            io: IoView {
                read_bytes: task(s.read_bytes),
                write_bytes: task(s.write_bytes),
                cancelled_write_bytes: task(s.cancelled_write_bytes),
                read_chars: task(s.read_char),
                write_chars: task(s.write_char),
                read_syscalls: task(s.read_syscalls),
                write_syscalls: task(s.write_syscalls),
            },
            memory: MemoryView {
                hiwater_rss_kib: task(s.hiwater_rss),
                hiwater_vm_kib: task(s.hiwater_vm),
                coremem_mb_us: task(s.coremem),
                virtmem_mb_us: task(s.virtmem),
                minor_faults: task(s.ac_minflt),
                major_faults: task(s.ac_majflt),
            },
            sources: if tgid_record {
                Sources::summed(SOURCE_TGID)
            } else {
                Sources::all(SOURCE_PID)
            },
            notes,
            rejected,
        }
    }
}

/// Notes on what this struct version (and payload length) leaves out:
/// [`version_notes`], formatted once per layout and kept for the life of
/// the process (a stream of exit records has one layout; formatting and
/// copying its notes cost 1.3k instructions a record). One table for the
/// whole process (serve views records on a thread per connection), of the
/// first few layouts only, so a record file of many odd lengths cannot
/// grow it without bound; the rest are formatted each time.
fn version_notes_cached(s: &TaskStats) -> Vec<Note> {
    type Key = (u16, Extension, usize);
    const KEPT: usize = 8;
    static KNOWN: std::sync::Mutex<Vec<(Key, Vec<&'static str>)>> =
        std::sync::Mutex::new(Vec::new());
    let key = (s.version, s.extension, s.payload_len);
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, notes)) = known.iter().find(|(k, _)| *k == key) {
        return notes.iter().map(|&n| Note::Borrowed(n)).collect();
    }
    let notes = version_notes(s);
    if known.len() >= KEPT {
        return notes.into_iter().map(Note::Owned).collect();
    }
    let kept: Vec<&'static str> = notes
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect();
    let out = kept.iter().map(|&n| Note::Borrowed(n)).collect();
    known.push((key, kept));
    out
}

pub fn version_notes(s: &TaskStats) -> Vec<String> {
    let v = s.version;
    let mut notes = Vec::new();
    if v > KNOWN_VERSION {
        notes.push(format!(
            "struct version {v} is newer than this taskstat knows ({KNOWN_VERSION}): only known fields decoded"
        ));
    }
    if v == 15 {
        notes.push("struct version 15 (Linux 6.14's mid-struct max/min layout) was decoded with its own offsets".to_string());
    }
    if s.extension == Extension::Unknown {
        notes.push(format!(
            "a version-{v} struct of {} bytes matches neither version-17 layout: only common fields decoded",
            s.payload_len
        ));
    }
    let mut missing: Vec<&str> = Category::ALL
        .iter()
        // A category only some kernels send has its own note below.
        .filter(|c| !c.info().optional && v < c.info().since)
        .map(|c| c.key())
        .collect();
    // Named by the version that brought them, to keep the note one line
    // (the schema in taskstat(1) lists each field's version).
    if v < 12 {
        missing.push("the v12 ids");
    }
    if v < 15 {
        missing.push("max/min (v15)");
    }
    if !missing.is_empty() {
        let note = format!("struct version {v} has no {}: null", missing.join(", "));
        // The oldest versions lack too much to name on one line.
        notes.push(if note.chars().count() <= NOTE_MAX_LEN {
            note
        } else {
            format!("struct version {v} has none of the later versions' fields: null")
        });
    }
    match s.extension {
        Extension::None | Extension::Unknown => notes.push(format!(
            "{NOTE_MAX_AT_PREFIX} struct version 17 (688 bytes), and delays.softirq the unmerged 592-byte version 17; this kernel sends version {v} ({} bytes): null",
            s.payload_len
        )),
        Extension::MaxTimestamps => notes.push(format!(
            "{NOTE_SOFTIRQ_PREFIX} the unmerged 592-byte version-17 layout; this kernel sends the {}-byte version {v}: null",
            s.payload_len
        )),
        Extension::Softirq => notes.push(format!(
            "{NOTE_MAX_AT_PREFIX} the 688-byte struct version 17; this kernel sends the unmerged 592-byte one: null"
        )),
    }
    let expected = TaskStats::expected_len(v)
        .filter(|&e| s.payload_len < e && s.extension != Extension::Softirq);
    if let Some(expected) = expected {
        notes.push(format!(
            "the kernel sent {} bytes, fewer than the {expected} of struct version {v}: the rest is null",
            s.payload_len
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Extension, TaskStats};

    fn fits(note: &str) {
        assert!(
            note.chars().count() <= NOTE_MAX_LEN,
            "{} characters, more than {NOTE_MAX_LEN}: {note}",
            note.chars().count()
        );
    }

    /// Notes follow every table: each fits one line; the long story is in
    /// NOTE_DOC (the man page).
    #[test]
    fn every_note_is_one_short_line() {
        for (note, full) in NOTE_DOC {
            fits(note);
            assert!(full.len() > note.len(), "{note}");
        }
        for n in [NOTE_NO_EXIT, NOTE_IO_ROUNDED, NOTE_DELAYACCT_OFF] {
            fits(n);
        }
        // The notes on the struct's version, for every layout a kernel may
        // send, old and new, short and long.
        for version in 1..=18 {
            for extension in [
                Extension::None,
                Extension::MaxTimestamps,
                Extension::Softirq,
                Extension::Unknown,
            ] {
                let s = TaskStats {
                    version,
                    payload_len: 300,
                    extension,
                    ..Default::default()
                };
                for n in version_notes(&s) {
                    // Tables leave out the notes on max_at and softirq.
                    if !n.starts_with(NOTE_MAX_AT_PREFIX) && !n.starts_with(NOTE_SOFTIRQ_PREFIX) {
                        fits(&n);
                    }
                }
            }
        }
    }
}
