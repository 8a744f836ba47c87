//! Waiting for input on one descriptor (the netlink socket, the exporter's
//! listening socket).

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

/// poll(2) for input on `fd` for up to `timeout`: true when there is some,
/// false on timeout or when a signal interrupted the wait (the caller
/// checks whether it was asked to stop).
pub fn readable(fd: impl AsFd, timeout: Duration) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: fd.as_fd().as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, owned by this frame, for the call's duration.
    let r = unsafe { libc::poll(&mut pfd, 1, ms) };
    if r < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(false)
        } else {
            Err(e)
        };
    }
    Ok(r > 0)
}
