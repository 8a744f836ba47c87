//! Exit statuses: one table that --help, the man page and the README follow.

use std::process::ExitCode;

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const NO_SUCH_TASK: u8 = 3;
pub const PERMISSION_DENIED: u8 = 4;
pub const UNAVAILABLE: u8 = 5;

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
        "permission denied: CAP_NET_ADMIN is missing",
    ),
    (
        UNAVAILABLE,
        "taskstats unavailable: the kernel has no TASKSTATS family or no generic netlink",
    ),
];

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
