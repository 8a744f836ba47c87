//! The record schema's documentation, for the man page (a test checks it
//! against real records).

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

/// Null in the kernel's thread-group records, which `listen` and `decode`
/// show as sent; a running process's record fills it (see `sources`).
const TGID_NULL: &str =
    "tgid records as the kernel sends them (listen, decode); a running process's record fills it";
/// Null in every tgid record but a process assembled from its exit records.
const TGID_NULL_ALWAYS: &str = "tgid records of running processes and as the kernel sends them";

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
        TGID_NULL_ALWAYS,
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
        Some(6),
        TGID_NULL_ALWAYS,
    ),
    doc(
        "cpu.system_scaled_us",
        "system CPU time scaled by CPU frequency, microseconds",
        "ac_stimescaled",
        Some(6),
        TGID_NULL_ALWAYS,
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
        Some(6),
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
        TGID_NULL_ALWAYS,
    ),
    doc(
        "memory.virtmem_mb_us",
        "virtual memory integrated over system time, MB x microseconds",
        "virtmem",
        None,
        TGID_NULL_ALWAYS,
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
        "sources.identity",
        "where comm, the ids, nice, policy, flags, start time and exe came from: \"taskstats pid record\", \"taskstats pid record of the leader\", \"taskstats exit records of its threads\" or /proc",
        "",
        None,
        "the kernel's tgid records",
    ),
    doc(
        "sources.cpu",
        "where the cpu section came from",
        "",
        None,
        "",
    ),
    doc("sources.delays", "where the delays came from", "", None, ""),
    doc(
        "sources.context_switches",
        "where the context switches came from",
        "",
        None,
        "",
    ),
    doc(
        "sources.io",
        "where the io section came from: a taskstats record, or /proc/PID/io for a running process (the whole process: exited threads and the children it waited for included)",
        "",
        None,
        "the kernel's tgid records; /proc/PID/io unreadable",
    ),
    doc(
        "sources.memory",
        "where the memory section came from: a taskstats record, or /proc/PID/status (peaks) and /proc/PID/stat (faults) for a running process",
        "",
        None,
        "the kernel's tgid records",
    ),
    doc(
        "notes",
        "why figures are null, one sentence each",
        "",
        None,
        "",
    ),
];
