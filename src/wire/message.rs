//! Taskstats and cgroupstats generic netlink payloads.
//!
//! Taskstats and cgroupstats reuse attribute numbers (TASKSTATS_TYPE_PID and
//! CGROUPSTATS_TYPE_CGROUP_STATS are both 1), so a payload is parsed by its
//! command first.

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, NetlinkBuffer, Nla, NlaBuffer, NlasIterator,
    ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use super::{FAMILY_NAME, GENL_VERSION, WireError, attr, cmd};

/// An attribute of a request to the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestAttr {
    Pid(u32),
    Tgid(u32),
    /// A cpulist such as "0-3,5".
    RegisterCpumask(String),
    DeregisterCpumask(String),
    /// A file descriptor of a cgroup directory, in the sender's fd table.
    CgroupFd(u32),
}

impl Nla for RequestAttr {
    fn value_len(&self) -> usize {
        match self {
            RequestAttr::Pid(_) | RequestAttr::Tgid(_) | RequestAttr::CgroupFd(_) => 4,
            // NLA_STRING, sent with its NUL as getdelays does.
            RequestAttr::RegisterCpumask(s) | RequestAttr::DeregisterCpumask(s) => s.len() + 1,
        }
    }

    fn kind(&self) -> u16 {
        match self {
            RequestAttr::Pid(_) => attr::CMD_ATTR_PID,
            RequestAttr::Tgid(_) => attr::CMD_ATTR_TGID,
            RequestAttr::RegisterCpumask(_) => attr::CMD_ATTR_REGISTER_CPUMASK,
            RequestAttr::DeregisterCpumask(_) => attr::CMD_ATTR_DEREGISTER_CPUMASK,
            RequestAttr::CgroupFd(_) => attr::CGROUPSTATS_CMD_ATTR_FD,
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match self {
            RequestAttr::Pid(v) | RequestAttr::Tgid(v) | RequestAttr::CgroupFd(v) => {
                buffer[..4].copy_from_slice(&v.to_ne_bytes())
            }
            RequestAttr::RegisterCpumask(s) | RequestAttr::DeregisterCpumask(s) => {
                buffer[..s.len()].copy_from_slice(s.as_bytes());
                buffer[s.len()] = 0;
            }
        }
    }
}

/// Whether a record describes one thread or a whole thread group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Pid,
    Tgid,
}

impl RecordKind {
    /// "pid" or "tgid", as the schema's `type` says.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Pid => "pid",
            RecordKind::Tgid => "tgid",
        }
    }
}

/// One `AGGR_PID` or `AGGR_TGID` nest: the id and the undecoded struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    pub kind: RecordKind,
    /// The PID or TGID attribute, if the kernel sent one.
    pub id: Option<u32>,
    /// The `TASKSTATS_TYPE_STATS` payload, decoded with [`super::TaskStats::decode`].
    pub stats: Vec<u8>,
}

/// What a taskstats message carries, by command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A request (`TASKSTATS_CMD_GET` or `CGROUPSTATS_CMD_GET`).
    Request(Vec<RequestAttr>),
    /// `TASKSTATS_CMD_NEW`: a query reply or an exit event, one or two records.
    Records(Vec<RawRecord>),
    /// `CGROUPSTATS_CMD_NEW`: the raw struct cgroupstats.
    CgroupStats(Vec<u8>),
    /// A command taskstat does not know; its attributes are kept as they came.
    Other(Vec<DefaultNla>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskstatsMessage {
    pub cmd: u8,
    pub body: Body,
}

impl TaskstatsMessage {
    pub fn get(attr: RequestAttr) -> Self {
        let c = match attr {
            RequestAttr::CgroupFd(_) => cmd::CGROUPSTATS_GET,
            _ => cmd::GET,
        };
        TaskstatsMessage {
            cmd: c,
            body: Body::Request(vec![attr]),
        }
    }

    fn nlas(&self) -> Vec<DefaultNla> {
        let emit = |n: &dyn Emitable| {
            let mut v = vec![0; n.buffer_len()];
            n.emit(&mut v);
            v
        };
        match &self.body {
            Body::Request(attrs) => attrs
                .iter()
                .map(|a| {
                    let mut v = vec![0; a.value_len()];
                    a.emit_value(&mut v);
                    DefaultNla::new(a.kind(), v)
                })
                .collect(),
            Body::Records(records) => records
                .iter()
                .map(|r| {
                    let (nest, id_kind) = match r.kind {
                        RecordKind::Pid => (attr::TYPE_AGGR_PID, attr::TYPE_PID),
                        RecordKind::Tgid => (attr::TYPE_AGGR_TGID, attr::TYPE_TGID),
                    };
                    let mut inner = Vec::new();
                    if let Some(id) = r.id {
                        inner.push(DefaultNla::new(id_kind, id.to_ne_bytes().to_vec()));
                    }
                    inner.push(DefaultNla::new(attr::TYPE_STATS, r.stats.clone()));
                    DefaultNla::new(nest, emit(&inner.as_slice()))
                })
                .collect(),
            Body::CgroupStats(raw) => vec![DefaultNla::new(
                attr::CGROUPSTATS_TYPE_CGROUP_STATS,
                raw.clone(),
            )],
            Body::Other(nlas) => nlas.clone(),
        }
    }
}

impl GenlFamily for TaskstatsMessage {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        GENL_VERSION
    }
}

impl Emitable for TaskstatsMessage {
    fn buffer_len(&self) -> usize {
        self.nlas().as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.nlas().as_slice().emit(buffer)
    }
}

fn parse_record(kind: RecordKind, value: &[u8]) -> Result<RawRecord, DecodeError> {
    let mut id = None;
    let mut stats = None;
    for nla in NlasIterator::new(value) {
        let nla = nla?;
        match nla.kind() {
            attr::TYPE_PID | attr::TYPE_TGID => {
                let v: [u8; 4] = nla
                    .value()
                    .get(..4)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| DecodeError::from("PID/TGID attribute shorter than 4 bytes"))?;
                id = Some(u32::from_ne_bytes(v));
            }
            attr::TYPE_STATS => stats = Some(nla.value().to_vec()),
            // TYPE_NULL is padding; anything else is from a newer kernel.
            _ => {}
        }
    }
    let stats = stats.ok_or_else(|| DecodeError::from(WireError::MissingStats.to_string()))?;
    Ok(RawRecord { kind, id, stats })
}

impl ParseableParametrized<[u8], GenlHeader> for TaskstatsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let nlas = NlasIterator::new(buf);
        let body = match header.cmd {
            cmd::NEW => {
                let mut records = Vec::new();
                for nla in nlas {
                    let nla: NlaBuffer<&[u8]> = nla?;
                    let kind = match nla.kind() {
                        attr::TYPE_AGGR_PID => RecordKind::Pid,
                        attr::TYPE_AGGR_TGID => RecordKind::Tgid,
                        _ => continue,
                    };
                    records.push(parse_record(kind, nla.value())?);
                }
                Body::Records(records)
            }
            cmd::CGROUPSTATS_NEW => {
                let mut raw = None;
                for nla in nlas {
                    let nla = nla?;
                    if nla.kind() == attr::CGROUPSTATS_TYPE_CGROUP_STATS {
                        raw = Some(nla.value().to_vec());
                    }
                }
                Body::CgroupStats(
                    raw.ok_or_else(|| DecodeError::from("cgroupstats reply without CGROUP_STATS"))?,
                )
            }
            _ => {
                let mut other = Vec::new();
                for nla in nlas {
                    let nla = nla?;
                    other.push(DefaultNla::new(nla.kind(), nla.value().to_vec()));
                }
                Body::Other(other)
            }
        };
        Ok(TaskstatsMessage {
            cmd: header.cmd,
            body,
        })
    }
}

/// Splits one received datagram into its netlink messages.
///
/// Dumps and some replies pack several messages into a datagram; each item is
/// one message's bytes (header included) or the reason the walk stopped.
pub fn datagram_messages(datagram: &[u8]) -> impl Iterator<Item = Result<&[u8], WireError>> {
    let mut rest = datagram;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match NetlinkBuffer::new_checked(rest) {
            Ok(b) => {
                let len = b.length() as usize;
                let msg = &rest[..len];
                // Messages are 4-byte aligned; the last one may lack its padding.
                let next = len.div_ceil(4) * 4;
                rest = rest.get(next..).unwrap_or(&[]);
                Some(Ok(msg))
            }
            Err(e) => {
                rest = &[];
                Some(Err(WireError::from(e)))
            }
        }
    })
}
