//! Exit statuses, documented in --help, the man page and the README.

use std::process::ExitCode;

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const NO_SUCH_TASK: u8 = 3;
pub const PERMISSION_DENIED: u8 = 4;
pub const UNAVAILABLE: u8 = 5;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
