//! The netlink client: one socket, the resolved family, and request/response
//! exchanges that always end, by reply, error, ACK or timeout.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use netlink_packet_core::{
    Emitable, NLM_F_ACK, NLM_F_REQUEST, NetlinkBuffer, NetlinkMessage, NetlinkPayload,
    ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{Socket, protocols::NETLINK_GENERIC};

use crate::wire::{
    self, Body, CgroupStats, CtrlFamily, RawRecord, RequestAttr, TaskstatsMessage, WireError,
};

/// Large enough for any taskstats message (the largest, a v17 group exit, is
/// 1428 bytes) and for controller dumps; larger datagrams are detected.
const RECV_BUF: usize = 64 * 1024;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot open a generic netlink socket: {0}")]
    Socket(#[source] io::Error),
    #[error("the kernel has no TASKSTATS generic netlink family")]
    FamilyMissing,
    #[error("{op}: the kernel answered: {}", io::Error::from_raw_os_error(*.errno))]
    Kernel { op: String, errno: i32 },
    #[error("{op}: no answer from the kernel within {} ms", .timeout.as_millis())]
    Timeout { op: String, timeout: Duration },
    #[error("{op}: a {size}-byte netlink message did not fit the {cap}-byte receive buffer")]
    Truncated { op: String, size: usize, cap: usize },
    #[error("{op}: {source}")]
    Wire {
        op: String,
        #[source]
        source: WireError,
    },
    #[error("{op}: netlink I/O failed: {source}")]
    Io {
        op: String,
        #[source]
        source: io::Error,
    },
}

impl ClientError {
    /// The kernel's errno, for errors the kernel itself returned.
    pub fn errno(&self) -> Option<i32> {
        match self {
            ClientError::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// Whether a request is answered by a reply or only by an ACK.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// One data message (errors still come back as NACKs).
    Reply,
    /// Any data messages, then the ACK (`NLM_F_ACK`).
    Ack,
}

/// An open taskstats connection. It owns its socket, which is never cloned:
/// `netlink_sys::Socket` closes its fd on drop, so a clone would close it twice.
pub struct Client {
    sock: Socket,
    port: u32,
    family: u16,
    seq: u32,
    buf: Vec<u8>,
    timeout: Duration,
}

impl Client {
    /// Opens a socket and resolves the TASKSTATS family by name.
    pub fn connect(timeout: Duration) -> Result<Client, ClientError> {
        let mut sock = Socket::new(NETLINK_GENERIC).map_err(ClientError::Socket)?;
        let addr = sock.bind_auto().map_err(ClientError::Socket)?;
        // Errors then echo only the request's header, not the whole request.
        sock.set_cap_ack(true).map_err(ClientError::Socket)?;
        let mut client = Client {
            sock,
            port: addr.port_number(),
            family: 0,
            seq: 0,
            buf: Vec::with_capacity(RECV_BUF),
            timeout,
        };
        client.family = client.resolve_family()?;
        Ok(client)
    }

    pub fn family_id(&self) -> u16 {
        self.family
    }

    fn resolve_family(&mut self) -> Result<u16, ClientError> {
        let op = "looking up the TASKSTATS netlink family";
        let msg = GenlMessage::from_payload(CtrlFamily::get(wire::FAMILY_NAME));
        match self.transact(msg, 0x10, Expect::Reply, op) {
            Ok(replies) => replies
                .into_iter()
                .find_map(|r| r.id)
                .ok_or(ClientError::FamilyMissing),
            Err(e) if e.errno() == Some(libc::ENOENT) => Err(ClientError::FamilyMissing),
            Err(e) => Err(e),
        }
    }

    /// Asks for the statistics of one task (`Pid`) or thread group (`Tgid`).
    pub fn query(&mut self, attr: RequestAttr) -> Result<Vec<RawRecord>, ClientError> {
        let op = match attr {
            RequestAttr::Pid(id) => format!("querying pid {id}"),
            RequestAttr::Tgid(id) => format!("querying tgid {id}"),
            ref other => format!("sending {other:?}"),
        };
        let mut msg = GenlMessage::from_payload(TaskstatsMessage::get(attr));
        msg.set_resolved_family_id(self.family);
        let family = self.family;
        let replies = self.transact(msg, family, Expect::Reply, &op)?;
        Ok(replies
            .into_iter()
            .flat_map(|m| match m.body {
                Body::Records(r) => r,
                _ => Vec::new(),
            })
            .collect())
    }

    /// Asks for the task-state counts of the cgroup v1 directory open as `fd`.
    ///
    /// The kernel sends nothing at all for an fd that is not open (or is an
    /// O_PATH fd), so the request asks for an ACK: no reply before the ACK
    /// means "no data".
    pub fn cgroupstats(&mut self, fd: u32) -> Result<Option<CgroupStats>, ClientError> {
        let op = format!("querying cgroupstats of fd {fd}");
        let mut msg = GenlMessage::from_payload(TaskstatsMessage::get(RequestAttr::CgroupFd(fd)));
        msg.set_resolved_family_id(self.family);
        let family = self.family;
        for m in self.transact(msg, family, Expect::Ack, &op)? {
            if let Body::CgroupStats(raw) = m.body {
                let stats = CgroupStats::decode(&raw).map_err(|source| ClientError::Wire {
                    op: op.clone(),
                    source,
                })?;
                return Ok(Some(stats));
            }
        }
        Ok(None)
    }

    fn transact<F>(
        &mut self,
        payload: GenlMessage<F>,
        family: u16,
        expect: Expect,
        op: &str,
    ) -> Result<Vec<F>, ClientError>
    where
        F: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + std::fmt::Debug,
    {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut msg = NetlinkMessage::from(payload);
        msg.header.flags = NLM_F_REQUEST | if expect == Expect::Ack { NLM_F_ACK } else { 0 };
        msg.header.sequence_number = seq;
        msg.finalize();
        let mut tx = vec![0; msg.buffer_len()];
        msg.serialize(&mut tx);
        let io_err = |source| ClientError::Io {
            op: op.to_string(),
            source,
        };
        self.sock.send(&tx, 0).map_err(io_err)?;

        let deadline = Instant::now() + self.timeout;
        let mut replies = Vec::new();
        loop {
            self.wait_readable(deadline, op)?;
            self.buf.clear();
            let n = match self.sock.recv(&mut self.buf, libc::MSG_TRUNC) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Overflow of unrelated events queued on this socket; our reply may still come.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => continue,
                Err(e) => return Err(io_err(e)),
            };
            if n > self.buf.capacity() {
                return Err(ClientError::Truncated {
                    op: op.to_string(),
                    size: n,
                    cap: self.buf.capacity(),
                });
            }
            for bytes in wire::datagram_messages(&self.buf[..n]) {
                let wire_err = |source| ClientError::Wire {
                    op: op.to_string(),
                    source,
                };
                let bytes = bytes.map_err(wire_err)?;
                let header = NetlinkBuffer::new(bytes);
                // Exit events and stale replies share the socket: only ours count.
                if header.sequence_number() != seq || header.port_number() != self.port {
                    continue;
                }
                let parsed = NetlinkMessage::<GenlMessage<F>>::deserialize(bytes)
                    .map_err(|e| wire_err(WireError::from(e)))?;
                match parsed.payload {
                    NetlinkPayload::Error(e) => match e.code {
                        None => return Ok(replies),
                        Some(code) => {
                            return Err(ClientError::Kernel {
                                op: op.to_string(),
                                errno: -code.get(),
                            });
                        }
                    },
                    NetlinkPayload::Done(_) => return Ok(replies),
                    NetlinkPayload::InnerMessage(m) if parsed.header.message_type == family => {
                        replies.push(m.payload);
                        if expect == Expect::Reply {
                            return Ok(replies);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn wait_readable(&self, deadline: Instant, op: &str) -> Result<(), ClientError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout {
                    op: op.to_string(),
                    timeout: self.timeout,
                });
            }
            let mut pfd = libc::pollfd {
                fd: self.sock.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd, owned by this frame, for the call's duration.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r > 0 {
                return Ok(());
            }
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(ClientError::Io {
                        op: op.to_string(),
                        source: e,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request the kernel silently drops (message type 0, as when the family
    /// id is forgotten) must end in a timeout, not a hang.
    #[test]
    fn unanswered_request_times_out() {
        let mut client = match Client::connect(Duration::from_millis(200)) {
            Ok(c) => c,
            Err(e) if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
                panic!("taskstats unreachable: {e}")
            }
            Err(e) => {
                eprintln!("skipping unanswered_request_times_out: {e}");
                return;
            }
        };
        let msg = GenlMessage::from_payload(TaskstatsMessage::get(RequestAttr::Pid(1)));
        let start = Instant::now();
        let err = client
            .transact(msg, 0, Expect::Reply, "a dropped request")
            .expect_err("the kernel ignores message type 0");
        assert!(matches!(err, ClientError::Timeout { .. }), "{err}");
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert!(start.elapsed() < Duration::from_secs(2));
        // The client still works after a timeout.
        let me = std::process::id();
        match client.query(RequestAttr::Pid(me)) {
            Ok(r) => assert_eq!(r.len(), 1),
            Err(e) => assert_eq!(e.errno(), Some(libc::EPERM), "{e}"),
        }
    }
}
