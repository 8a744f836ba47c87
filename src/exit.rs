//! Exit statuses: one table that --help, the man page and the README follow;
//! and the one form of a warning.

use std::process::ExitCode;

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const NO_SUCH_TASK: u8 = 3;
pub const PERMISSION_DENIED: u8 = 4;
pub const UNAVAILABLE: u8 = 5;
pub const NO_HISTORY: u8 = 6;
pub const SKIPPED: u8 = 7;

/// Every exit status with its meaning.
pub const TABLE: &[(u8, &str)] = &[
    (
        OK,
        "success (also when stdout is closed early, e.g. by `| head`)",
    ),
    (
        FAILURE,
        "other failure, e.g. the kernel did not answer within --timeout",
    ),
    (
        USAGE,
        "usage error: bad option, or an id outside 1..4294967295",
    ),
    (
        NO_SUCH_TASK,
        "no such task: at least one id was not found (the others are printed)",
    ),
    (
        PERMISSION_DENIED,
        "permission denied: CAP_NET_ADMIN is missing, or (replay, dump) the history store is not readable by this user",
    ),
    (
        UNAVAILABLE,
        "taskstats unavailable: the kernel has no TASKSTATS family or no generic netlink",
    ),
    (
        NO_HISTORY,
        "no history to show (replay, dump): the directory is not a store or cannot be read, a file is of a newer store format, or no sample falls in --begin..--end",
    ),
    (
        SKIPPED,
        "records skipped (decode): every record that could be read was printed, but some could not be decoded; stderr says how many and why",
    ),
];

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}

/// A usage error found after parsing (exit status [`USAGE`]): an option
/// that does not fit what was asked, e.g. a format a command cannot print.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// Nothing for `replay` or `dump` to show (exit status [`NO_HISTORY`]):
/// the store cannot be opened, or holds no sample in the range.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NoHistory(pub String);

/// Not allowed to read what was asked for (exit status
/// [`PERMISSION_DENIED`]): the history store of another user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

/// The exit status and remedy for a client error.
pub fn classify(e: &crate::client::ClientError) -> (u8, Option<&'static str>) {
    use crate::client::ClientError;
    const NEEDS_CAP: &str = "querying taskstats needs CAP_NET_ADMIN: run as root, or `setcap cap_net_admin+ep` on the taskstat binary (the capability, not uid 0, is what counts)";
    const UNAVAILABLE_HINT: &str =
        "taskstats is not available (kernel built without CONFIG_TASKSTATS?)";
    match e {
        ClientError::Kernel { errno, .. } if *errno == libc::EPERM => {
            (PERMISSION_DENIED, Some(NEEDS_CAP))
        }
        ClientError::Kernel { errno, .. } if *errno == libc::ESRCH => (NO_SUCH_TASK, None),
        ClientError::FamilyMissing => (UNAVAILABLE, Some(UNAVAILABLE_HINT)),
        ClientError::Socket(io)
            if matches!(
                io.raw_os_error(),
                Some(libc::EAFNOSUPPORT) | Some(libc::EPROTONOSUPPORT)
            ) =>
        {
            (UNAVAILABLE, Some("this kernel has no generic netlink"))
        }
        ClientError::Timeout { .. } => (
            FAILURE,
            Some("the kernel did not answer; retry, or raise --timeout"),
        ),
        _ => (FAILURE, None),
    }
}

/// Warnings go to stderr, prefixed like errors.
pub fn warn(msg: &str) {
    // One write(2), so that lines from parallel runs do not interleave.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("taskstat: warning: {msg}\n").as_bytes(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientError;
    use std::io;
    use std::time::Duration;

    #[test]
    fn errors_map_to_documented_exit_codes() {
        let kernel = |errno| ClientError::Kernel {
            op: "querying pid 1".into(),
            errno,
        };
        assert_eq!(classify(&kernel(libc::EPERM)).0, PERMISSION_DENIED);
        assert!(
            classify(&kernel(libc::EPERM))
                .1
                .is_some_and(|h| h.contains("CAP_NET_ADMIN"))
        );
        assert_eq!(classify(&kernel(libc::ESRCH)).0, NO_SUCH_TASK);
        assert_eq!(classify(&ClientError::FamilyMissing).0, UNAVAILABLE);
        let no_netlink = ClientError::Socket(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        assert_eq!(classify(&no_netlink).0, UNAVAILABLE);
        let timeout = ClientError::Timeout {
            op: "x".into(),
            timeout: Duration::from_millis(5),
        };
        assert_eq!(
            classify(&timeout),
            (
                FAILURE,
                Some("the kernel did not answer; retry, or raise --timeout")
            )
        );
        assert_eq!(classify(&kernel(libc::EINVAL)).0, FAILURE);
    }
}
