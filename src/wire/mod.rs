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
    /// A version-0 record with no layout to read it by.
    #[error("a {0}-byte whole-process record with struct version 0 has {1}")]
    NoLayout(usize, &'static str),
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
    /// A task's exit (listen, run, capture files): its final figures.
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

    /// Decodes a version-0 whole-process exit record with the layout of
    /// struct `layout` ([`TaskStats::decode_unversioned`]).
    pub fn decode_unversioned(raw: &RawRecord, layout: u16) -> Result<Record, WireError> {
        Ok(Record {
            kind: raw.kind,
            id: raw.id.unwrap_or(0),
            stats: TaskStats::decode_unversioned(&raw.stats, layout)?,
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

/// Records that could not be decoded: how many, and why the first could not.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Undecodable {
    pub count: u64,
    pub first: Option<WireError>,
}

impl Undecodable {
    pub fn add(&mut self, e: WireError) {
        self.count += 1;
        self.first.get_or_insert(e);
    }

    pub fn merge(&mut self, o: Undecodable) {
        self.count += o.count;
        if let Some(e) = o.first {
            self.first.get_or_insert(e);
        }
    }

    /// The one line to say at the end of a run, when any was skipped.
    pub fn summary(&self) -> Option<String> {
        let why = self.first.as_ref()?;
        let n = self.count;
        let records = if n == 1 { "record" } else { "records" };
        Some(format!(
            "skipped {n} {records} that cannot be decoded (the first: {why})"
        ))
    }
}

/// Decodes the records of one exit message into `out`, each with its index
/// among `raws`; returns those it could not decode. The one place exit
/// messages are decoded, so that every command reads them alike.
///
/// A thread-group record with struct version 0 (kernels before "taskstats:
/// set version in TGID exit notifications", 2026) is decoded with the
/// layout of the thread record of the same message: the kernel filled both
/// from one `struct taskstats`, so when their payloads are the same length
/// the thread record's version is the group record's layout.
pub fn decode_exit_message_into(raws: &[RawRecord], out: &mut Vec<(usize, Record)>) -> Undecodable {
    let mut skipped = Undecodable::default();
    let thread = raws
        .iter()
        .filter(|r| r.kind == RecordKind::Pid)
        .find_map(|r| {
            Some((
                TaskStats::version_of(&r.stats).filter(|&v| v >= 2)?,
                r.stats.len(),
            ))
        });
    for (i, raw) in raws.iter().enumerate() {
        let decoded = decode_record(raw, |len| match thread {
            Some((v, l)) if l == len => Ok(v),
            Some(_) => Err("a thread record of another length beside it"),
            None => Err("no thread record beside it to give its layout"),
        });
        match decoded {
            Ok(r) => out.push((i, r)),
            Err(e) => skipped.add(e),
        }
    }
    skipped
}

/// Decodes one record; a thread-group record with struct version 0 is
/// decoded with the layout `layout` gives for its payload length, or not at
/// all when it gives none (the reason). Exit messages and capture files
/// differ only in where that layout comes from.
pub fn decode_record(
    raw: &RawRecord,
    layout: impl FnOnce(usize) -> Result<u16, &'static str>,
) -> Result<Record, WireError> {
    if raw.kind == RecordKind::Tgid && TaskStats::version_of(&raw.stats) == Some(0) {
        let len = raw.stats.len();
        let v = layout(len).map_err(|why| WireError::NoLayout(len, why))?;
        Record::decode_unversioned(raw, v)
    } else {
        Record::decode(raw, 0)
    }
}

/// [`decode_exit_message_into`], into a new vector of the records alone.
pub fn decode_exit_message(raws: &[RawRecord]) -> (Vec<Record>, Undecodable) {
    let mut out = Vec::with_capacity(raws.len());
    let skipped = decode_exit_message_into(raws, &mut out);
    (out.into_iter().map(|(_, r)| r).collect(), skipped)
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
