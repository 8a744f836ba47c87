//! The taskstats wire format: netlink messages and the structs they carry.
//!
//! Pure functions over bytes, no I/O, so that every decoder can be fuzzed and
//! tested on captured fixtures without a kernel.

mod category;
mod cgroupstats;
mod ctrl;
mod message;
mod taskstats;

pub use category::{Category, Group, PerCategory};
pub use cgroupstats::CgroupStats;
pub use ctrl::CtrlFamily;
pub use message::{Body, RawRecord, RecordKind, RequestAttr, TaskstatsMessage, datagram_messages};
pub use taskstats::{
    Extension, KNOWN_VERSION, RawDelay, SIZE_V16, SIZE_V17, SIZE_V17_SOFTIRQ, TaskStats, Timespec,
};

/// Generic netlink family name of taskstats.
pub const FAMILY_NAME: &str = "TASKSTATS";
/// `TASKSTATS_GENL_VERSION`.
pub const GENL_VERSION: u8 = 1;

/// `ac_flag` bits (`linux/acct.h`).
pub mod flag {
    /// Forked but did not exec.
    pub const AFORK: u8 = 0x01;
    /// Used superuser privileges.
    pub const ASU: u8 = 0x02;
    /// Dumped core.
    pub const ACORE: u8 = 0x08;
    /// Killed by a signal.
    pub const AXSIG: u8 = 0x10;
    /// The last thread of its thread group to exit.
    pub const AGROUP: u8 = 0x20;
}

/// Commands (`TASKSTATS_CMD_*`, `CGROUPSTATS_CMD_*`).
pub mod cmd {
    pub const GET: u8 = 1;
    pub const NEW: u8 = 2;
    pub const CGROUPSTATS_GET: u8 = 4;
    pub const CGROUPSTATS_NEW: u8 = 5;
}

/// Attribute types of replies and requests.
pub mod attr {
    // TASKSTATS_TYPE_* (replies and exit events)
    pub const TYPE_PID: u16 = 1;
    pub const TYPE_TGID: u16 = 2;
    pub const TYPE_STATS: u16 = 3;
    pub const TYPE_AGGR_PID: u16 = 4;
    pub const TYPE_AGGR_TGID: u16 = 5;
    /// 64-bit alignment padding on architectures without efficient unaligned access.
    pub const TYPE_NULL: u16 = 6;
    // TASKSTATS_CMD_ATTR_* (requests)
    pub const CMD_ATTR_PID: u16 = 1;
    pub const CMD_ATTR_TGID: u16 = 2;
    pub const CMD_ATTR_REGISTER_CPUMASK: u16 = 3;
    pub const CMD_ATTR_DEREGISTER_CPUMASK: u16 = 4;
    // CGROUPSTATS_CMD_ATTR_FD and CGROUPSTATS_TYPE_CGROUP_STATS
    pub const CGROUPSTATS_CMD_ATTR_FD: u16 = 1;
    pub const CGROUPSTATS_TYPE_CGROUP_STATS: u16 = 1;
}

/// What can be wrong with bytes that claim to be taskstats messages.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("taskstats payload of {0} bytes is too short to hold a struct version")]
    StatsTooShort(usize),
    #[error("struct taskstats version {0} is a pre-release layout that cannot be decoded")]
    UnsupportedVersion(u16),
    #[error("cgroupstats payload of {0} bytes is shorter than the 40 bytes of struct cgroupstats")]
    CgroupStatsTooShort(usize),
    #[error("a taskstats record carries no statistics attribute")]
    MissingStats,
    #[error("malformed netlink message: {0}")]
    Malformed(String),
}

impl From<netlink_packet_core::DecodeError> for WireError {
    fn from(e: netlink_packet_core::DecodeError) -> Self {
        WireError::Malformed(e.to_string())
    }
}

/// Why the kernel sent a record, which decides what some of its fields
/// mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// A task's exit (listen, run, record files): its final figures.
    #[default]
    Exit,
    /// The reply to a query about a task that was running (or exiting).
    Query,
}

/// One decoded taskstats record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordKind,
    /// The PID or TGID the kernel put in the reply.
    pub id: u32,
    pub stats: TaskStats,
    pub origin: Origin,
}

impl Record {
    /// Decodes a raw record; `fallback_id` stands in when the kernel sent no id.
    pub fn decode(raw: &RawRecord, fallback_id: u32) -> Result<Record, WireError> {
        Ok(Record {
            kind: raw.kind,
            id: raw.id.unwrap_or(fallback_id),
            stats: TaskStats::decode(&raw.stats)?,
            origin: Origin::Exit,
        })
    }

    /// What a run should say once on stderr about how this record was
    /// decoded, if anything: a struct newer than this taskstat, or a
    /// version-17 payload of neither known length.
    pub fn decode_warning(&self) -> Option<String> {
        let s = &self.stats;
        if s.version > KNOWN_VERSION {
            Some(format!(
                "the kernel's struct taskstats version {} is newer than this taskstat knows ({KNOWN_VERSION}); only the known fields were decoded",
                s.version
            ))
        } else if s.extension == Extension::Unknown {
            Some(format!(
                "the kernel's struct taskstats version {} is {} bytes, neither of the two known version-17 layouts (688 or 592 bytes); only the fields common to both were decoded",
                s.version, s.payload_len
            ))
        } else {
            None
        }
    }
}

/// What one exit message says of its process.
pub struct ExitOf<'a> {
    /// The exiting thread's record.
    pub thread: &'a Record,
    pub tgid: u32,
    /// The process's parent when it exited.
    pub ppid: Option<u32>,
    /// Whether the process ended with it: the last thread carries AGROUP,
    /// and a group record comes with it.
    pub last: bool,
}

impl<'a> ExitOf<'a> {
    /// Reads the records of one exit message (a thread's, and with the last
    /// thread of a multi-threaded process the group's).
    pub fn of(records: &'a [Record]) -> Option<ExitOf<'a>> {
        let thread = records.iter().find(|r| r.kind == RecordKind::Pid)?;
        Some(ExitOf {
            thread,
            tgid: thread.stats.ac_tgid.unwrap_or(thread.id),
            ppid: thread.stats.ac_ppid,
            last: records.iter().any(|r| {
                r.kind == RecordKind::Tgid || r.stats.ac_flag.is_some_and(|f| f & flag::AGROUP != 0)
            }),
        })
    }
}
