//! Waiting for input on one descriptor (the netlink socket, the exporter's
//! listening socket).

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags};
use rustix::time::Timespec;

/// The timeout of rustix's poll, which rustix 0.38 takes in milliseconds
/// and rustix 1 as an optional `Timespec`. Cargo.toml allows both (Debian
/// 13 ships 0.38), so the argument is made by the type poll asks for.
trait PollTimeout<'a> {
    fn of(ms: i32, ts: &'a Timespec) -> Self;
}

impl PollTimeout<'_> for i32 {
    fn of(ms: i32, _: &Timespec) -> i32 {
        ms
    }
}

impl<'a> PollTimeout<'a> for Option<&'a Timespec> {
    fn of(_: i32, ts: &'a Timespec) -> Option<&'a Timespec> {
        Some(ts)
    }
}

/// poll(2) for input on `fd` for up to `timeout`: true when there is some,
/// false on timeout or when a signal interrupted the wait (the caller
/// checks whether it was asked to stop).
pub fn readable(fd: impl AsFd, timeout: Duration) -> io::Result<bool> {
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    let ts = Timespec {
        tv_sec: (ms / 1000) as _,
        tv_nsec: ((ms % 1000) * 1_000_000) as _,
    };
    let fd = fd.as_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    match rustix::event::poll(&mut fds, PollTimeout::of(ms, &ts)) {
        Ok(n) => Ok(n > 0),
        Err(e) if e == rustix::io::Errno::INTR => Ok(false),
        Err(e) => Err(e.into()),
    }
}
