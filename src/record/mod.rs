//! The typed record and its published schema.
//!
//! A [`Record`] is what the kernel sent, decoded. [`Record::view`] turns it
//! into the schema that json, ndjson, csv and tables print: kernel units,
//! stable keys, and `None` (null) wherever the kernel did not provide a figure,
//! with a note that says why.

use serde::Serialize;

use crate::wire::{Category, KNOWN_VERSION, RawDelay, RawRecord, RecordKind, TaskStats, WireError};

/// One decoded taskstats record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordKind,
    /// The PID or TGID the kernel put in the reply.
    pub id: u32,
    pub stats: TaskStats,
}

impl Record {
    /// Decodes a raw record; `fallback_id` stands in when the kernel sent no id.
    pub fn decode(raw: &RawRecord, fallback_id: u32) -> Result<Record, WireError> {
        Ok(Record {
            kind: raw.kind,
            id: raw.id.unwrap_or(fallback_id),
            stats: TaskStats::decode(&raw.stats)?,
        })
    }
}

/// Facts about the system that decide what the kernel's figures mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// `kernel.task_delayacct`; `None` when it could not be read.
    pub delayacct: Option<bool>,
}

/// `{count, total_ns, average_ns, max_ns, min_ns, max_at}` of one category.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MaxAt {
    pub sec: i64,
    pub nsec: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DelaysView {
    pub cpu: DelayView,
    pub blkio: DelayView,
    pub swapin: DelayView,
    /// The kernel's freepages_* (direct reclaim).
    pub reclaim: DelayView,
    pub thrashing: DelayView,
    pub compact: DelayView,
    pub wpcopy: DelayView,
    pub irq: DelayView,
}

impl DelaysView {
    /// The categories with their schema names, in the kernel's order.
    pub fn iter(&self) -> [(&'static str, &DelayView); 8] {
        [
            ("cpu", &self.cpu),
            ("blkio", &self.blkio),
            ("swapin", &self.swapin),
            ("reclaim", &self.reclaim),
            ("thrashing", &self.thrashing),
            ("compact", &self.compact),
            ("wpcopy", &self.wpcopy),
            ("irq", &self.irq),
        ]
    }

    fn slot(&mut self, c: Category) -> &mut DelayView {
        match c {
            Category::Cpu => &mut self.cpu,
            Category::Blkio => &mut self.blkio,
            Category::Swapin => &mut self.swapin,
            Category::Freepages => &mut self.reclaim,
            Category::Thrashing => &mut self.thrashing,
            Category::Compact => &mut self.compact,
            Category::Wpcopy => &mut self.wpcopy,
            Category::Irq => &mut self.irq,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CpuView {
    pub user_us: Option<u64>,
    pub system_us: Option<u64>,
    pub user_scaled_us: Option<u64>,
    pub system_scaled_us: Option<u64>,
    pub run_real_ns: Option<u64>,
    pub run_virtual_ns: Option<u64>,
    pub run_scaled_ns: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ContextSwitchesView {
    pub voluntary: Option<u64>,
    pub involuntary: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IoView {
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub cancelled_write_bytes: Option<u64>,
    pub read_chars: Option<u64>,
    pub write_chars: Option<u64>,
    pub read_syscalls: Option<u64>,
    pub write_syscalls: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
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

impl IoView {
    /// Adds another task's I/O counters.
    pub fn add(&mut self, o: &IoView) {
        add_opt(&mut self.read_bytes, o.read_bytes);
        add_opt(&mut self.write_bytes, o.write_bytes);
        add_opt(&mut self.cancelled_write_bytes, o.cancelled_write_bytes);
        add_opt(&mut self.read_chars, o.read_chars);
        add_opt(&mut self.write_chars, o.write_chars);
        add_opt(&mut self.read_syscalls, o.read_syscalls);
        add_opt(&mut self.write_syscalls, o.write_syscalls);
    }
}

impl MemoryView {
    /// Adds another task's summable figures (integrals and faults); peaks
    /// are not sums, so they are left to the caller.
    pub fn add_counters(&mut self, o: &MemoryView) {
        add_opt(&mut self.coremem_mb_us, o.coremem_mb_us);
        add_opt(&mut self.virtmem_mb_us, o.virtmem_mb_us);
        add_opt(&mut self.minor_faults, o.minor_faults);
        add_opt(&mut self.major_faults, o.major_faults);
    }
}

/// The published record schema. Key names and types are a contract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordView {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: u32,
    pub version: u16,
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
    pub delays: DelaysView,
    pub context_switches: ContextSwitchesView,
    pub io: IoView,
    pub memory: MemoryView,
    /// Why figures are null, one sentence each.
    pub notes: Vec<String>,
}

pub const NOTE_TGID: &str = "thread-group record: the kernel fills only the summed fields (delays, CPU times, context switches, elapsed time summed over threads); comm, ids, exit fields, scaled user/system time, I/O and memory are null, and per-category max/min are null because the kernel reports only the last thread's";
pub const NOTE_DELAYACCT_OFF: &str = "delay accounting is off (kernel.task_delayacct = 0): delay categories other than cpu are null; turn it on with `sysctl kernel.task_delayacct=1` (tasks started before that have no delay figures besides cpu)";

/// Starts the note on max_at, which tables (that never show max_at) leave out.
pub const NOTE_MAX_AT_PREFIX: &str = "max_at (the time of each category's max) needs";

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
    pub fn view(&self, ctx: &Context) -> RecordView {
        let s = &self.stats;
        let tgid_record = self.kind == RecordKind::Tgid;
        // For a thread group, the kernel leaves per-task fields empty.
        let task = |v: Option<u64>| if tgid_record { None } else { v };
        let task32 = |v: Option<u32>| if tgid_record { None } else { v };
        let mut notes = Vec::new();

        let mut delays = DelaysView::default();
        let delayacct_off = ctx.delayacct == Some(false);
        for c in Category::ALL {
            let v = if delayacct_off && c != Category::Cpu {
                DelayView::default()
            } else {
                delay_view(s.delay(c), !tgid_record)
            };
            *delays.slot(c) = v;
        }

        if tgid_record {
            notes.push(NOTE_TGID.to_string());
        }
        if delayacct_off {
            notes.push(NOTE_DELAYACCT_OFF.to_string());
        }
        notes.extend(version_notes(s));

        RecordView {
            kind: match self.kind {
                RecordKind::Pid => "pid",
                RecordKind::Tgid => "tgid",
            },
            id: self.id,
            version: s.version,
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
            exit_code: task32(s.ac_exitcode),
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
            notes,
        }
    }
}

/// Notes on what this struct version (and payload length) leaves out.
pub fn version_notes(s: &TaskStats) -> Vec<String> {
    let v = s.version;
    let mut notes = Vec::new();
    if v > KNOWN_VERSION {
        notes.push(format!(
            "struct taskstats version {v} is newer than this taskstat knows ({KNOWN_VERSION}): only the known fields were decoded"
        ));
    }
    if v == 15 {
        notes.push("struct version 15 (Linux 6.14's mid-struct max/min layout) was decoded with its own offsets".to_string());
    }
    let missing: Vec<&str> = [
        (9, "thrashing"),
        (11, "compact"),
        (12, "tgid, group_elapsed_us, exe_dev, exe_inode"),
        (13, "wpcopy"),
        (14, "irq"),
        (15, "per-category max_ns/min_ns"),
    ]
    .into_iter()
    .filter(|(since, _)| v < *since)
    .map(|(_, what)| what)
    .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "struct version {v} has no {}: null",
            missing.join(", ")
        ));
    }
    if v < 17 {
        notes.push(format!(
            "{NOTE_MAX_AT_PREFIX} struct version 17; this kernel sends {v}: null"
        ));
    }
    if let Some(expected) = TaskStats::expected_len(v)
        && s.payload_len < expected
    {
        notes.push(format!(
            "the kernel sent {} bytes, fewer than the {expected} of struct version {v}: fields past the end are null",
            s.payload_len
        ));
    }
    notes
}

/// Documentation of one schema key, for the man page.
pub struct FieldDoc {
    /// Dotted path; `<cat>` stands for each delay category.
    pub key: &'static str,
    pub meaning: &'static str,
    /// The struct taskstats field(s) it comes from.
    pub kernel: &'static str,
    /// The struct version that introduced it, when later than 2.
    pub since: Option<u16>,
    /// When the value is null besides "older struct version".
    pub null_when: &'static str,
}

const TGID_NULL: &str = "tgid records";

const fn doc(
    key: &'static str,
    meaning: &'static str,
    kernel: &'static str,
    since: Option<u16>,
    null_when: &'static str,
) -> FieldDoc {
    FieldDoc {
        key,
        meaning,
        kernel,
        since,
        null_when,
    }
}

/// The delay categories' schema names, in the kernel's order.
pub const CATEGORIES: [&str; 8] = [
    "cpu",
    "blkio",
    "swapin",
    "reclaim",
    "thrashing",
    "compact",
    "wpcopy",
    "irq",
];

/// Every key of the record schema (a test checks this against real records).
pub const SCHEMA_DOC: &[FieldDoc] = &[
    doc(
        "type",
        "\"pid\" (one thread) or \"tgid\" (a thread group)",
        "AGGR_PID / AGGR_TGID attribute",
        None,
        "",
    ),
    doc(
        "id",
        "the PID or TGID in the reply",
        "PID / TGID attribute",
        None,
        "",
    ),
    doc("version", "struct taskstats version", "version", None, ""),
    doc("comm", "command name", "ac_comm", None, TGID_NULL),
    doc("pid", "thread id", "ac_pid", None, TGID_NULL),
    doc("tgid", "thread group id", "ac_tgid", Some(12), TGID_NULL),
    doc("ppid", "parent's process id", "ac_ppid", None, TGID_NULL),
    doc("uid", "user id", "ac_uid", None, TGID_NULL),
    doc("gid", "group id", "ac_gid", None, TGID_NULL),
    doc("nice", "nice value (signed)", "ac_nice", None, TGID_NULL),
    doc(
        "sched_policy",
        "scheduling policy (0 normal, 1 fifo, 2 rr, 3 batch, 5 idle, 6 deadline)",
        "ac_sched",
        None,
        TGID_NULL,
    ),
    doc(
        "flags",
        "accounting flags: AFORK 0x1, ASU 0x2, ACORE 0x8, AXSIG 0x10, AGROUP 0x20",
        "ac_flag",
        None,
        TGID_NULL,
    ),
    doc(
        "exit_code",
        "exit status in wait(2) encoding (meaningful for exited tasks)",
        "ac_exitcode",
        None,
        TGID_NULL,
    ),
    doc(
        "start_time",
        "start time, seconds since the epoch",
        "ac_btime64 (v10+), else ac_btime",
        None,
        TGID_NULL,
    ),
    doc(
        "elapsed_us",
        "elapsed time, microseconds; in tgid records the sum over the threads",
        "ac_etime",
        None,
        "",
    ),
    doc(
        "group_elapsed_us",
        "elapsed time of the thread group leader, microseconds",
        "ac_tgetime",
        Some(12),
        TGID_NULL,
    ),
    doc(
        "exe_dev",
        "device of the executable",
        "ac_exe_dev",
        Some(12),
        TGID_NULL,
    ),
    doc(
        "exe_inode",
        "inode of the executable",
        "ac_exe_inode",
        Some(12),
        TGID_NULL,
    ),
    doc(
        "cpu.user_us",
        "user CPU time, microseconds",
        "ac_utime",
        None,
        "",
    ),
    doc(
        "cpu.system_us",
        "system CPU time, microseconds",
        "ac_stime",
        None,
        "",
    ),
    doc(
        "cpu.user_scaled_us",
        "user CPU time scaled by CPU frequency, microseconds",
        "ac_utimescaled",
        Some(4),
        TGID_NULL,
    ),
    doc(
        "cpu.system_scaled_us",
        "system CPU time scaled by CPU frequency, microseconds",
        "ac_stimescaled",
        Some(4),
        TGID_NULL,
    ),
    doc(
        "cpu.run_real_ns",
        "CPU time (tick-sampled user+system), nanoseconds",
        "cpu_run_real_total",
        None,
        "",
    ),
    doc(
        "cpu.run_virtual_ns",
        "CPU time (precise scheduler runtime), nanoseconds",
        "cpu_run_virtual_total",
        None,
        "",
    ),
    doc(
        "cpu.run_scaled_ns",
        "scaled CPU time, nanoseconds",
        "cpu_scaled_run_real_total",
        Some(4),
        "",
    ),
    doc(
        "delays.<cat>.count",
        "number of waits",
        "<cat>_count (reclaim: freepages_count)",
        None,
        "delay accounting off (all but cpu)",
    ),
    doc(
        "delays.<cat>.total_ns",
        "total time waited, nanoseconds",
        "<cat>_delay_total",
        None,
        "delay accounting off (all but cpu)",
    ),
    doc(
        "delays.<cat>.average_ns",
        "total_ns / count, rounded down; 0 when count is 0",
        "(computed)",
        None,
        "delay accounting off (all but cpu)",
    ),
    doc(
        "delays.<cat>.max_ns",
        "longest single wait, nanoseconds",
        "<cat>_delay_max",
        Some(15),
        "tgid records (the kernel reports only the last thread's); delay accounting off",
    ),
    doc(
        "delays.<cat>.min_ns",
        "shortest non-zero wait, nanoseconds",
        "<cat>_delay_min",
        Some(15),
        "tgid records; delay accounting off",
    ),
    doc(
        "delays.<cat>.max_at",
        "when the longest wait happened: {sec, nsec} since the epoch",
        "<cat>_delay_max_ts",
        Some(17),
        "tgid records; never set; delay accounting off",
    ),
    doc(
        "context_switches.voluntary",
        "voluntary context switches",
        "nvcsw",
        Some(4),
        "",
    ),
    doc(
        "context_switches.involuntary",
        "involuntary context switches",
        "nivcsw",
        Some(4),
        "",
    ),
    doc(
        "io.read_bytes",
        "bytes read from storage",
        "read_bytes",
        Some(3),
        TGID_NULL,
    ),
    doc(
        "io.write_bytes",
        "bytes written to storage (counted when pages are dirtied)",
        "write_bytes",
        Some(3),
        TGID_NULL,
    ),
    doc(
        "io.cancelled_write_bytes",
        "dirtied bytes that were truncated before writeback",
        "cancelled_write_bytes",
        Some(3),
        TGID_NULL,
    ),
    doc(
        "io.read_chars",
        "bytes passed to read-type syscalls (rounded down to 1024)",
        "read_char",
        None,
        TGID_NULL,
    ),
    doc(
        "io.write_chars",
        "bytes passed to write-type syscalls (rounded down to 1024)",
        "write_char",
        None,
        TGID_NULL,
    ),
    doc(
        "io.read_syscalls",
        "read syscalls (the kernel rounds down to 1024)",
        "read_syscalls",
        None,
        TGID_NULL,
    ),
    doc(
        "io.write_syscalls",
        "write syscalls (the kernel rounds down to 1024)",
        "write_syscalls",
        None,
        TGID_NULL,
    ),
    doc(
        "memory.hiwater_rss_kib",
        "peak resident set, KiB",
        "hiwater_rss",
        None,
        TGID_NULL,
    ),
    doc(
        "memory.hiwater_vm_kib",
        "peak virtual memory, KiB",
        "hiwater_vm",
        None,
        TGID_NULL,
    ),
    doc(
        "memory.coremem_mb_us",
        "resident set integrated over system time, MB x microseconds",
        "coremem",
        None,
        TGID_NULL,
    ),
    doc(
        "memory.virtmem_mb_us",
        "virtual memory integrated over system time, MB x microseconds",
        "virtmem",
        None,
        TGID_NULL,
    ),
    doc(
        "memory.minor_faults",
        "minor page faults",
        "ac_minflt",
        None,
        TGID_NULL,
    ),
    doc(
        "memory.major_faults",
        "major page faults",
        "ac_majflt",
        None,
        TGID_NULL,
    ),
    doc(
        "notes",
        "why figures are null, one sentence each",
        "",
        None,
        "",
    ),
];
