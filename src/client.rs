//! The netlink client: one socket, the resolved family, and request/response
//! exchanges that always end, by reply, error, ACK or timeout.

use std::collections::VecDeque;
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
    self, Body, CgroupStats, CtrlFamily, RawRecord, Record, RecordKind, RequestAttr,
    TaskstatsMessage, WireError,
};

/// Large enough for any taskstats message (the largest, a v17 group exit, is
/// 1428 bytes) and for controller dumps; larger datagrams are detected.
const RECV_BUF: usize = 64 * 1024;

/// Exit datagrams taken per recvmmsg(2), and the room for each: an exit
/// message is at most 1,428 bytes (a v17 group exit).
const BATCH: usize = 16;
const SLOT: usize = 4096;

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

/// What one receive call brought.
enum Received {
    Bytes(usize),
    /// A signal interrupted the call.
    Interrupted,
    /// ENOBUFS: the kernel dropped messages for this socket.
    Overrun,
    /// Nothing queued (a receive that was told not to wait).
    Empty,
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
    /// Exit events that arrived while waiting for a reply, in arrival order.
    pending: VecDeque<Result<Event, ClientError>>,
    /// The socket's inode, which finds its line in /proc/net/netlink.
    inode: std::cell::OnceCell<Option<u64>>,
    /// Exit datagrams of one recvmmsg(2): BATCH slots of SLOT bytes,
    /// allocated by the first `next_event`.
    batch: Vec<u8>,
    lens: [usize; BATCH],
    /// The socket's SO_RCVTIMEO, as last set (None: never set, so blocking
    /// receives wait forever).
    rcvtimeo: Option<Duration>,
}

/// What the exit-record stream delivered.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// One exit message: the thread's record and, for the last thread of a
    /// multi-threaded process, the process's.
    Exit(Vec<RawRecord>),
    /// The socket's receive queue overflowed (ENOBUFS): messages were dropped
    /// by the kernel; [`Client::drops`] says how many.
    Overrun,
}

impl Client {
    /// How long each exchange waits for the kernel.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

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
            pending: VecDeque::new(),
            inode: std::cell::OnceCell::new(),
            batch: Vec::new(),
            lens: [0; BATCH],
            rcvtimeo: None,
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

    /// One task's (or thread group's) record, or `None` when the kernel has
    /// no such task (ESRCH): tasks come and go between listing and querying.
    pub fn fetch(&mut self, kind: RecordKind, id: u32) -> Result<Option<Record>, ClientError> {
        let attr = match kind {
            RecordKind::Pid => RequestAttr::Pid(id),
            RecordKind::Tgid => RequestAttr::Tgid(id),
        };
        let raw = match self.query(attr) {
            Ok(raws) => raws.into_iter().next(),
            Err(e) if e.errno() == Some(libc::ESRCH) => None,
            Err(e) => return Err(e),
        };
        raw.map(|r| {
            Record::decode(&r, id).map(|rec| Record {
                origin: crate::wire::Origin::Query,
                ..rec
            })
        })
        .transpose()
        .map_err(|source| ClientError::Wire {
            op: format!("decoding the reply for {} {id}", kind.name()),
            source,
        })
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

    /// Registers for the exit records of tasks exiting on `cpus` (a cpulist).
    pub fn register(&mut self, cpus: &str) -> Result<(), ClientError> {
        self.cpumask(
            RequestAttr::RegisterCpumask(cpus.to_string()),
            format!("registering for exits on CPUs {cpus}"),
        )
    }

    /// Undoes [`Client::register`].
    pub fn deregister(&mut self, cpus: &str) -> Result<(), ClientError> {
        self.cpumask(
            RequestAttr::DeregisterCpumask(cpus.to_string()),
            format!("deregistering CPUs {cpus}"),
        )
    }

    fn cpumask(&mut self, attr: RequestAttr, op: String) -> Result<(), ClientError> {
        let mut msg = GenlMessage::from_payload(TaskstatsMessage::get(attr));
        msg.set_resolved_family_id(self.family);
        let family = self.family;
        // No reply comes for (de)registration: only the ACK tells success.
        self.transact(msg, family, Expect::Ack, &op).map(|_| ())
    }

    /// Sets the receive buffer: SO_RCVBUFFORCE where permitted (root may pass
    /// net.core.rmem_max), else SO_RCVBUF. Returns the size the kernel granted.
    pub fn set_receive_buffer(&mut self, bytes: usize) -> Result<usize, ClientError> {
        let v = i32::try_from(bytes).unwrap_or(i32::MAX);
        let forced = set_socket_option(&self.sock, libc::SO_RCVBUFFORCE, &v).is_ok();
        if !forced {
            self.sock.set_rx_buf_sz(v).map_err(ClientError::Socket)?;
        }
        self.sock.get_rx_buf_sz().map_err(ClientError::Socket)
    }

    /// The kernel's count of messages it dropped for this socket
    /// (the Drops column of /proc/net/netlink, matched by socket inode).
    pub fn drops(&self) -> Option<u64> {
        let inode = *self.inode.get_or_init(|| {
            let fd = self.sock.as_raw_fd();
            std::fs::metadata(format!("/proc/self/fd/{fd}"))
                .ok()
                .map(|m| {
                    use std::os::unix::fs::MetadataExt;
                    m.ino()
                })
        });
        let table = crate::host::procfs::read_proc("/proc/net/netlink").ok()?;
        parse_netlink_drops(&table, inode?)
    }

    /// Waits up to `timeout` for the next exit message (`None` on timeout).
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<Event>, ClientError> {
        let op = "receiving exit records";
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return ev.map(Some);
            }
            // Up to BATCH datagrams per system call. A listener mostly
            // waits for the next exit, so the wait is the receive itself,
            // bounded by SO_RCVTIMEO: one system call where a poll(2)
            // between two receives took three.
            let wait = (!timeout.is_zero()).then(|| timeout.max(Duration::from_millis(1)));
            if let Some(w) = wait {
                self.set_rcvtimeo(w, op)?;
            }
            let count = match self.recv_batch(wait.is_some(), op)? {
                Received::Bytes(count) => count,
                // Timed out, or a signal arrived: the caller decides.
                Received::Empty | Received::Interrupted => return Ok(None),
                Received::Overrun => return Ok(Some(Event::Overrun)),
            };
            for (slot, &len) in self.batch.chunks(SLOT).zip(&self.lens[..count]) {
                take_datagram(&mut self.pending, self.family, &slot[..len])?;
            }
        }
    }

    /// Queues the exit messages of `datagram` as if the socket had received
    /// it, for tests (listen's TASKSTAT_INJECT_EXIT_MESSAGES): they then take the socket's path
    /// through next_event. A fixture cannot know the family id the kernel
    /// assigned at boot, so a message with type 0 is given it, as the
    /// kernel would have.
    pub fn inject(&mut self, datagram: &[u8]) -> Result<(), ClientError> {
        let mut bytes = datagram.to_vec();
        let mut at = 0;
        // nlmsghdr: len u32, type u16 (host byte order).
        while let Some(head) = bytes.get_mut(at..at + 6) {
            let len = u32::from_ne_bytes([head[0], head[1], head[2], head[3]]) as usize;
            if head[4..6] == [0, 0] {
                head[4..6].copy_from_slice(&self.family.to_ne_bytes());
            }
            // NLMSG_ALIGN
            match len.checked_add(3) {
                Some(l) if len >= 16 => at += l & !3,
                _ => break,
            }
        }
        take_datagram(&mut self.pending, self.family, &bytes)
    }

    /// poll(2) for input: false on timeout or on a signal.
    fn readable(&self, timeout: Duration, op: &str) -> Result<bool, ClientError> {
        crate::host::poll::readable(&self.sock, timeout).map_err(|source| ClientError::Io {
            op: op.to_string(),
            source,
        })
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
            // The kernel answers within send(2), so the reply is usually
            // queued already: poll(2) only when it is not.
            let n = match self.recv_datagram(op)? {
                Received::Bytes(n) => n,
                Received::Empty => {
                    self.wait_readable(deadline, op)?;
                    continue;
                }
                // Overflow of exit events queued on this socket: our reply may still come.
                Received::Interrupted | Received::Overrun => continue,
            };
            for bytes in wire::datagram_messages(&self.buf[..n]) {
                let wire_err = |source| ClientError::Wire {
                    op: op.to_string(),
                    source,
                };
                let bytes = bytes.map_err(wire_err)?;
                let header = NetlinkBuffer::new(bytes);
                // Exit events share the socket with replies: keep them for
                // next_event, so that a request never loses one.
                if header.port_number() == 0 {
                    keep_event(&mut self.pending, self.family, bytes);
                    continue;
                }
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
            if self.readable(left.max(Duration::from_millis(1)), op)? {
                return Ok(());
            }
        }
    }

    /// Sets SO_RCVTIMEO, if it is not `wait` already.
    fn set_rcvtimeo(&mut self, wait: Duration, op: &str) -> Result<(), ClientError> {
        if self.rcvtimeo == Some(wait) {
            return Ok(());
        }
        // Field types by inference: libc marks musl's time_t deprecated.
        let tv = libc::timeval {
            tv_sec: wait.as_secs().try_into().unwrap_or(i32::MAX.into()),
            tv_usec: wait.subsec_micros().into(),
        };
        set_socket_option(&self.sock, libc::SO_RCVTIMEO, &tv).map_err(|source| {
            ClientError::Io {
                op: op.to_string(),
                source,
            }
        })?;
        self.rcvtimeo = Some(wait);
        Ok(())
    }

    /// Receives up to [`BATCH`] queued datagrams with one recvmmsg(2), each
    /// into its slot of `batch`, their lengths in `lens`; `Bytes(n)` says
    /// how many. With `block`, waits up to SO_RCVTIMEO for the first (then
    /// `Empty`, or `Interrupted` on a signal, as SO_RCVTIMEO makes receives
    /// return EINTR whatever SA_RESTART says); otherwise never waits. A
    /// datagram larger than its slot is an error, never a silent truncation.
    fn recv_batch(&mut self, block: bool, op: &str) -> Result<Received, ClientError> {
        if self.batch.is_empty() {
            self.batch = vec![0; BATCH * SLOT];
        }
        let mut slots = self.batch.chunks_mut(SLOT);
        let mut iovs: [libc::iovec; BATCH] = std::array::from_fn(|_| {
            let slot = slots.next().unwrap_or_default();
            libc::iovec {
                iov_base: slot.as_mut_ptr().cast(),
                iov_len: slot.len(),
            }
        });
        let mut msgs: [libc::mmsghdr; BATCH] = std::array::from_fn(|_| {
            // SAFETY: an all-zero mmsghdr is valid (null name and control,
            // no flags); its iovec is set below.
            unsafe { std::mem::zeroed() }
        });
        for (m, iov) in msgs.iter_mut().zip(iovs.iter_mut()) {
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: `msgs` holds BATCH headers, each pointing at one iovec of
        // `iovs`, each of which points into its own SLOT bytes of
        // `self.batch`; all three live, unmoved, until the call returns.
        // MSG_TRUNC makes msg_len the datagram's whole length.
        let n = unsafe {
            libc::recvmmsg(
                self.sock.as_raw_fd(),
                msgs.as_mut_ptr(),
                BATCH as libc::c_uint,
                // c_int on glibc, c_uint on musl.
                (libc::MSG_TRUNC
                    | if block {
                        libc::MSG_WAITFORONE
                    } else {
                        libc::MSG_DONTWAIT
                    }) as _,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EAGAIN) => Ok(Received::Empty),
                Some(libc::EINTR) => Ok(Received::Interrupted),
                Some(libc::ENOBUFS) => Ok(Received::Overrun),
                _ => Err(ClientError::Io {
                    op: op.to_string(),
                    source: e,
                }),
            };
        }
        let count = usize::try_from(n).unwrap_or(0).min(BATCH);
        for (len, m) in self.lens.iter_mut().zip(&msgs[..count]) {
            let size = m.msg_len as usize;
            if size > SLOT {
                return Err(ClientError::Truncated {
                    op: op.to_string(),
                    size,
                    cap: SLOT,
                });
            }
            *len = size;
        }
        Ok(Received::Bytes(count))
    }

    /// Receives one datagram into the buffer; a datagram larger than the
    /// buffer is an error, never a silent truncation. Never waits: the
    /// callers poll(2) when the socket is empty.
    fn recv_datagram(&mut self, op: &str) -> Result<Received, ClientError> {
        self.buf.clear();
        let n = match self
            .sock
            .recv(&mut self.buf, libc::MSG_TRUNC | libc::MSG_DONTWAIT)
        {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Received::Empty),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(Received::Interrupted),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => return Ok(Received::Overrun),
            Err(e) => {
                return Err(ClientError::Io {
                    op: op.to_string(),
                    source: e,
                });
            }
        };
        if n > self.buf.capacity() {
            return Err(ClientError::Truncated {
                op: op.to_string(),
                size: n,
                cap: self.buf.capacity(),
            });
        }
        Ok(Received::Bytes(n))
    }
}

/// setsockopt(2) at SOL_SOCKET with a value of type `T`, which must be the
/// type the option reads (an int for SO_RCVBUFFORCE, a timeval for
/// SO_RCVTIMEO).
fn set_socket_option<T>(sock: &Socket, name: libc::c_int, value: &T) -> io::Result<()> {
    let len = libc::socklen_t::try_from(std::mem::size_of::<T>())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: setsockopt reads `len` bytes, the size of `T`, from a value
    // borrowed for the call, on a socket this client owns.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            std::ptr::from_ref(value).cast(),
            len,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Queues the exit messages of one received datagram (those from the
/// kernel: port 0).
fn take_datagram(
    pending: &mut VecDeque<Result<Event, ClientError>>,
    family: u16,
    datagram: &[u8],
) -> Result<(), ClientError> {
    for bytes in wire::datagram_messages(datagram) {
        let bytes = bytes.map_err(|source| ClientError::Wire {
            op: "receiving exit records".to_string(),
            source,
        })?;
        if NetlinkBuffer::new(bytes).port_number() == 0 {
            keep_event(pending, family, bytes);
        }
    }
    Ok(())
}

/// Queues an exit message for next_event, decoded now, while its bytes are
/// at hand (copying them cost more than decoding them); one that cannot be
/// decoded is queued as the error next_event returns in its turn.
fn keep_event(pending: &mut VecDeque<Result<Event, ClientError>>, family: u16, bytes: &[u8]) {
    match parse_event(bytes, family) {
        Ok(Some(ev)) => pending.push_back(Ok(ev)),
        Ok(None) => {}
        Err(e) => pending.push_back(Err(e)),
    }
}

/// An exit message, if `bytes` is one (events carry port 0 and cmd NEW).
fn parse_event(bytes: &[u8], family: u16) -> Result<Option<Event>, ClientError> {
    let wire_err = |source| ClientError::Wire {
        op: "decoding an exit record".to_string(),
        source,
    };
    let msg = NetlinkMessage::<GenlMessage<TaskstatsMessage>>::deserialize(bytes)
        .map_err(|e| wire_err(WireError::from(e)))?;
    if msg.header.message_type != family {
        return Ok(None);
    }
    match msg.payload {
        NetlinkPayload::InnerMessage(m) => match m.payload.body {
            Body::Records(r) if !r.is_empty() => Ok(Some(Event::Exit(r))),
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The Drops column of the /proc/net/netlink line whose Inode is `inode`.
pub fn parse_netlink_drops(table: &str, inode: u64) -> Option<u64> {
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next()?.split_whitespace().collect();
    let drops = header.iter().position(|h| *h == "Drops")?;
    let ino = header.iter().position(|h| *h == "Inode")?;
    lines.find_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        (cols.get(ino)?.parse::<u64>().ok()? == inode).then(|| cols.get(drops)?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn drops_column_by_inode() {
        let t = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n\
                 00000000ac241ee8 0   0          00000000 0        0        0     2        0        4\n\
                 00000000970c35b7 16  4242       00000000 0        0        0     2        17       1511\n";
        assert_eq!(super::parse_netlink_drops(t, 1511), Some(17));
        assert_eq!(super::parse_netlink_drops(t, 4), Some(0));
        assert_eq!(super::parse_netlink_drops(t, 99), None);
        assert_eq!(super::parse_netlink_drops("", 4), None);
    }

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
