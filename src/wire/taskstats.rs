//! Decoding `struct taskstats` by struct version and payload length.
//!
//! The kernel's struct is append-only, with one exception: version 15 inserted
//! the per-category max/min fields after each category's total, moving every
//! later field; version 16 moved them back to the end. So every field carries
//! two offsets (the standard layout and the v15 one) and the version that
//! introduced it. A field is decoded only when the struct version has it *and*
//! the payload is long enough; otherwise it is `None`. Nothing here can read
//! past the payload or panic on any input.

use super::WireError;
use super::category::{Category, PerCategory};

/// Newest struct version whose layout this decoder knows.
pub const KNOWN_VERSION: u16 = 17;
/// `sizeof(struct taskstats)` for version 16.
pub const SIZE_V16: usize = 560;
/// `sizeof(struct taskstats)` for version 17 (the merged series).
pub const SIZE_V17: usize = 688;
/// `sizeof(struct taskstats)` for the unmerged soft-IRQ "version 17".
pub const SIZE_V17_SOFTIRQ: usize = 592;
/// `TS_COMM_LEN`.
const COMM_LEN: usize = 32;

/// Which layout of the contested version 17 a payload has (docs/abi.md §4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Extension {
    /// Version 16 or older: nothing past the max/min block.
    #[default]
    None,
    /// The merged series: a timespec per category, when its max happened (688 bytes).
    MaxTimestamps,
    /// The unmerged series: a soft-IRQ category (592 bytes).
    Softirq,
    /// A version-17 payload of another length: only the common prefix was decoded.
    Unknown,
}

impl Extension {
    #[inline]
    fn of(version: u16, len: usize) -> Extension {
        match (version, len) {
            (..=16, _) => Extension::None,
            (17, SIZE_V17) => Extension::MaxTimestamps,
            (17, SIZE_V17_SOFTIRQ) => Extension::Softirq,
            (17, _) => Extension::Unknown,
            // Later versions build on the merged layout.
            (_, l) if l >= SIZE_V17 => Extension::MaxTimestamps,
            _ => Extension::Unknown,
        }
    }
}

/// Where a field sits and which struct version introduced it.
#[derive(Clone, Copy)]
struct Field {
    off: usize,
    off_v15: usize,
    since: u16,
    /// For fields past version 16: the layout that carries them.
    only_in: Option<Extension>,
}

const fn f(off: usize, off_v15: usize, since: u16) -> Field {
    Field {
        off,
        off_v15,
        since,
        only_in: None,
    }
}

const fn v17(off: usize, only_in: Extension) -> Field {
    Field {
        off,
        off_v15: 0,
        since: 17,
        only_in: Some(only_in),
    }
}

// Offsets in the standard layout and in v15's (docs/abi.md §2 and §3).
const AC_EXITCODE: Field = f(4, 4, 2);
const AC_FLAG: Field = f(8, 8, 2);
const AC_NICE: Field = f(9, 9, 2);
const CPU_RUN_REAL: Field = f(64, 112, 1);
const CPU_RUN_VIRTUAL: Field = f(72, 120, 1);
const AC_COMM: Field = f(80, 128, 2);
const AC_SCHED: Field = f(112, 160, 2);
const AC_UID: Field = f(120, 168, 2);
const AC_GID: Field = f(124, 172, 2);
const AC_PID: Field = f(128, 176, 2);
const AC_PPID: Field = f(132, 180, 2);
const AC_BTIME: Field = f(136, 184, 2);
const AC_ETIME: Field = f(144, 192, 2);
const AC_UTIME: Field = f(152, 200, 2);
const AC_STIME: Field = f(160, 208, 2);
const AC_MINFLT: Field = f(168, 216, 2);
const AC_MAJFLT: Field = f(176, 224, 2);
const COREMEM: Field = f(184, 232, 2);
const VIRTMEM: Field = f(192, 240, 2);
const HIWATER_RSS: Field = f(200, 248, 2);
const HIWATER_VM: Field = f(208, 256, 2);
const READ_CHAR: Field = f(216, 264, 2);
const WRITE_CHAR: Field = f(224, 272, 2);
const READ_SYSCALLS: Field = f(232, 280, 2);
const WRITE_SYSCALLS: Field = f(240, 288, 2);
const READ_BYTES: Field = f(248, 296, 3);
const WRITE_BYTES: Field = f(256, 304, 3);
const CANCELLED_WRITE_BYTES: Field = f(264, 312, 3);
const NVCSW: Field = f(272, 320, 4);
const NIVCSW: Field = f(280, 328, 4);
// The v4/v5 struct ends at 288: the scaled times arrived with v6's 312 bytes.
const AC_UTIMESCALED: Field = f(288, 336, 6);
const AC_STIMESCALED: Field = f(296, 344, 6);
const CPU_SCALED_RUN_REAL: Field = f(304, 352, 6);
const AC_BTIME64: Field = f(344, 424, 10);
const AC_TGID: Field = f(368, 464, 12);
const AC_TGETIME: Field = f(376, 472, 12);
const AC_EXE_DEV: Field = f(384, 480, 12);
const AC_EXE_INODE: Field = f(392, 488, 12);

/// Where one category's figures sit.
struct CategoryLayout {
    count: Field,
    total: Field,
    max: Field,
    min: Field,
    max_ts: Option<Field>,
}

impl CategoryLayout {
    /// A category of the common layout: count and total where its version
    /// put them, max/min from v15 (mid-struct in v15, at the end from v16),
    /// and the merged v17's timestamp at 560 + 16 * index.
    const fn common(
        count: Field,
        total: Field,
        max: (usize, usize),
        min: (usize, usize),
        index: usize,
    ) -> Self {
        CategoryLayout {
            count,
            total,
            max: f(max.0, max.1, 15),
            min: f(min.0, min.1, 15),
            max_ts: Some(v17(SIZE_V16 + 16 * index, Extension::MaxTimestamps)),
        }
    }

    #[inline]
    fn of(c: Category) -> CategoryLayout {
        match c {
            Category::Cpu => Self::common(f(16, 16, 1), f(24, 24, 1), (432, 32), (440, 40), 0),
            Category::Blkio => Self::common(f(32, 48, 1), f(40, 56, 1), (448, 64), (456, 72), 1),
            Category::Swapin => Self::common(f(48, 80, 1), f(56, 88, 1), (464, 96), (472, 104), 2),
            Category::Freepages => {
                Self::common(f(312, 360, 7), f(320, 368, 7), (480, 376), (488, 384), 3)
            }
            Category::Thrashing => {
                Self::common(f(328, 392, 9), f(336, 400, 9), (496, 408), (504, 416), 4)
            }
            Category::Compact => {
                Self::common(f(352, 432, 11), f(360, 440, 11), (512, 448), (520, 456), 5)
            }
            Category::Wpcopy => {
                Self::common(f(400, 496, 13), f(408, 504, 13), (528, 512), (536, 520), 6)
            }
            Category::Irq => {
                Self::common(f(416, 528, 14), f(424, 536, 14), (544, 544), (552, 552), 7)
            }
            Category::Softirq => CategoryLayout {
                count: v17(560, Extension::Softirq),
                total: v17(568, Extension::Softirq),
                max: v17(576, Extension::Softirq),
                min: v17(584, Extension::Softirq),
                max_ts: None,
            },
        }
    }
}

/// A `struct __kernel_timespec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

/// One delay category as the kernel reported it. Each figure is `None` when
/// the struct version (or a short payload) does not carry it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawDelay {
    pub count: Option<u64>,
    pub total_ns: Option<u64>,
    pub max_ns: Option<u64>,
    pub min_ns: Option<u64>,
    pub max_ts: Option<Timespec>,
}

/// `struct taskstats`, decoded. Names follow the kernel's; `None` means the
/// struct version or payload length does not carry the field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskStats {
    pub version: u16,
    /// Length of the payload the kernel sent.
    pub payload_len: usize,
    /// Which version-17 layout the payload has.
    pub extension: Extension,
    pub ac_exitcode: Option<u32>,
    pub ac_flag: Option<u8>,
    pub ac_nice: Option<u8>,
    pub delays: PerCategory<RawDelay>,
    pub cpu_run_real_total: Option<u64>,
    pub cpu_run_virtual_total: Option<u64>,
    /// Raw `ac_comm` bytes up to the first NUL.
    pub ac_comm: Option<Vec<u8>>,
    pub ac_sched: Option<u8>,
    pub ac_uid: Option<u32>,
    pub ac_gid: Option<u32>,
    pub ac_pid: Option<u32>,
    pub ac_ppid: Option<u32>,
    pub ac_btime: Option<u32>,
    pub ac_etime: Option<u64>,
    pub ac_utime: Option<u64>,
    pub ac_stime: Option<u64>,
    pub ac_minflt: Option<u64>,
    pub ac_majflt: Option<u64>,
    pub coremem: Option<u64>,
    pub virtmem: Option<u64>,
    pub hiwater_rss: Option<u64>,
    pub hiwater_vm: Option<u64>,
    pub read_char: Option<u64>,
    pub write_char: Option<u64>,
    pub read_syscalls: Option<u64>,
    pub write_syscalls: Option<u64>,
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub cancelled_write_bytes: Option<u64>,
    pub nvcsw: Option<u64>,
    pub nivcsw: Option<u64>,
    pub ac_utimescaled: Option<u64>,
    pub ac_stimescaled: Option<u64>,
    pub cpu_scaled_run_real_total: Option<u64>,
    pub ac_btime64: Option<u64>,
    pub ac_tgid: Option<u32>,
    pub ac_tgetime: Option<u64>,
    pub ac_exe_dev: Option<u64>,
    pub ac_exe_inode: Option<u64>,
    /// The kernel sent this record with struct version 0: a whole-process
    /// exit record from a kernel before "taskstats: set version in TGID exit
    /// notifications" (2026), decoded with the layout of `version`. Only
    /// what `delayacct_add_tsk()` fills is kept (see [`TaskStats::decode_unversioned`]).
    pub unversioned: bool,
}

impl TaskStats {
    /// The size the struct version declares, when the version is known.
    pub fn expected_len(version: u16) -> Option<usize> {
        Some(match version {
            2 => 248,
            3 => 272,
            4 | 5 => 288,
            6 => 312,
            7 | 8 => 328,
            9 => 344,
            10 => 352,
            11 => 368,
            12 => 400,
            13 => 416,
            14 => 432,
            15 | 16 => SIZE_V16,
            17 => SIZE_V17,
            _ => return None,
        })
    }

    /// Whether a payload of `len` bytes can hold struct `version` as some
    /// kernel sent it: the version's size, or for version 17 either of its
    /// two layouts.
    pub fn fits_layout(version: u16, len: usize) -> bool {
        TaskStats::expected_len(version) == Some(len) || (version == 17 && len == SIZE_V17_SOFTIRQ)
    }

    /// The struct version a payload declares, if it is long enough to say.
    pub fn version_of(payload: &[u8]) -> Option<u16> {
        match payload {
            [a, b, ..] => Some(u16::from_ne_bytes([*a, *b])),
            _ => None,
        }
    }

    /// Decodes a `TASKSTATS_TYPE_STATS` payload.
    pub fn decode(payload: &[u8]) -> Result<TaskStats, WireError> {
        let version =
            TaskStats::version_of(payload).ok_or(WireError::StatsTooShort(payload.len()))?;
        TaskStats::decode_as(payload, version)
    }

    /// Decodes a payload whose version field is 0 with the layout of struct
    /// `layout`: the whole-process record of a multi-threaded process's exit
    /// on kernels before the 2026 fix. There `fill_tgid_exit()` only calls
    /// `delayacct_add_tsk()` on `signal->stats`, zeroed when allocated, so
    /// the record carries the delay categories (count, total, max, min, and
    /// the merged v17's max timestamps), `cpu_run_real_total`,
    /// `cpu_run_virtual_total` and `cpu_scaled_run_real_total`. Every other
    /// field is 0 because nothing filled it, so it is `None` here. The
    /// caller vouches for `layout` (the thread record of the same message,
    /// or a capture file's header); this checks only that the payload says
    /// version 0.
    pub fn decode_unversioned(payload: &[u8], layout: u16) -> Result<TaskStats, WireError> {
        match TaskStats::version_of(payload) {
            None => return Err(WireError::StatsTooShort(payload.len())),
            Some(0) => {}
            Some(v) => return Err(WireError::UnsupportedVersion(v)),
        }
        let full = TaskStats::decode_as(payload, layout)?;
        Ok(TaskStats {
            version: full.version,
            payload_len: full.payload_len,
            extension: full.extension,
            delays: full.delays,
            cpu_run_real_total: full.cpu_run_real_total,
            cpu_run_virtual_total: full.cpu_run_virtual_total,
            cpu_scaled_run_real_total: full.cpu_scaled_run_real_total,
            unversioned: true,
            ..TaskStats::default()
        })
    }

    fn decode_as(payload: &[u8], version: u16) -> Result<TaskStats, WireError> {
        if version < 2 {
            // Version 1 put the delay block at offset 8: a pre-release layout
            // no shipped kernel sends. Version 0 is handled by
            // decode_unversioned, given a layout from elsewhere.
            return Err(WireError::UnsupportedVersion(version));
        }
        let extension = Extension::of(version, payload.len());
        let r = FieldReader {
            buf: payload,
            version,
            extension,
        };
        let delays = PerCategory::from_fn(|c| {
            let l = CategoryLayout::of(c);
            RawDelay {
                count: r.u64(l.count),
                total_ns: r.u64(l.total),
                max_ns: r.u64(l.max),
                min_ns: r.u64(l.min),
                max_ts: l.max_ts.and_then(|f| r.timespec(f)),
            }
        });
        Ok(TaskStats {
            version,
            payload_len: payload.len(),
            extension,
            ac_exitcode: r.u32(AC_EXITCODE),
            ac_flag: r.u8(AC_FLAG),
            ac_nice: r.u8(AC_NICE),
            delays,
            cpu_run_real_total: r.u64(CPU_RUN_REAL),
            cpu_run_virtual_total: r.u64(CPU_RUN_VIRTUAL),
            ac_comm: r.bytes(AC_COMM, COMM_LEN).map(|b| {
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                b[..end].to_vec()
            }),
            ac_sched: r.u8(AC_SCHED),
            ac_uid: r.u32(AC_UID),
            ac_gid: r.u32(AC_GID),
            ac_pid: r.u32(AC_PID),
            ac_ppid: r.u32(AC_PPID),
            ac_btime: r.u32(AC_BTIME),
            ac_etime: r.u64(AC_ETIME),
            ac_utime: r.u64(AC_UTIME),
            ac_stime: r.u64(AC_STIME),
            ac_minflt: r.u64(AC_MINFLT),
            ac_majflt: r.u64(AC_MAJFLT),
            coremem: r.u64(COREMEM),
            virtmem: r.u64(VIRTMEM),
            hiwater_rss: r.u64(HIWATER_RSS),
            hiwater_vm: r.u64(HIWATER_VM),
            read_char: r.u64(READ_CHAR),
            write_char: r.u64(WRITE_CHAR),
            read_syscalls: r.u64(READ_SYSCALLS),
            write_syscalls: r.u64(WRITE_SYSCALLS),
            read_bytes: r.u64(READ_BYTES),
            write_bytes: r.u64(WRITE_BYTES),
            cancelled_write_bytes: r.u64(CANCELLED_WRITE_BYTES),
            nvcsw: r.u64(NVCSW),
            nivcsw: r.u64(NIVCSW),
            ac_utimescaled: r.u64(AC_UTIMESCALED),
            ac_stimescaled: r.u64(AC_STIMESCALED),
            cpu_scaled_run_real_total: r.u64(CPU_SCALED_RUN_REAL),
            ac_btime64: r.u64(AC_BTIME64),
            ac_tgid: r.u32(AC_TGID),
            ac_tgetime: r.u64(AC_TGETIME),
            ac_exe_dev: r.u64(AC_EXE_DEV),
            ac_exe_inode: r.u64(AC_EXE_INODE),
            unversioned: false,
        })
    }
}

/// Bounds- and version-checked field reads over one payload.
struct FieldReader<'a> {
    buf: &'a [u8],
    version: u16,
    extension: Extension,
}

impl FieldReader<'_> {
    #[inline(always)]
    fn bytes(&self, field: Field, len: usize) -> Option<&[u8]> {
        if self.version < field.since {
            return None;
        }
        if field.only_in.is_some_and(|e| e != self.extension) {
            return None;
        }
        let off = if self.version == 15 {
            field.off_v15
        } else {
            field.off
        };
        self.buf.get(off..off.checked_add(len)?)
    }

    #[inline(always)]
    fn array<const N: usize>(&self, field: Field) -> Option<[u8; N]> {
        self.bytes(field, N)?.try_into().ok()
    }

    #[inline(always)]
    fn u8(&self, field: Field) -> Option<u8> {
        self.array::<1>(field).map(|b| b[0])
    }

    #[inline(always)]
    fn u32(&self, field: Field) -> Option<u32> {
        self.array(field).map(u32::from_ne_bytes)
    }

    #[inline(always)]
    fn u64(&self, field: Field) -> Option<u64> {
        self.array(field).map(u64::from_ne_bytes)
    }

    #[inline(always)]
    fn timespec(&self, field: Field) -> Option<Timespec> {
        let b: [u8; 16] = self.array(field)?;
        let (sec, nsec) = b.split_at(8);
        Some(Timespec {
            sec: i64::from_ne_bytes(sec.try_into().ok()?),
            nsec: i64::from_ne_bytes(nsec.try_into().ok()?),
        })
    }
}
