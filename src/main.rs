//! taskstat: parse, dispatch, and turn errors into one line and an exit status.

mod cli;
mod cmd;
mod exit;

use std::io;
use std::process::ExitCode;

use clap::Parser;
use taskstat::client::ClientError;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Maps an error to its exit status and prints it as one line.
fn report(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<io::Error>()
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            // `taskstat ... | head`: the reader has all it wanted.
            return exit::code(exit::OK);
        }
    }
    let (code, hint) = match err.chain().find_map(|c| c.downcast_ref::<ClientError>()) {
        Some(e) => classify(e),
        None => (exit::FAILURE, None),
    };
    match hint {
        Some(h) => eprintln!("taskstat: {err:#}; {h}"),
        None => eprintln!("taskstat: {err:#}"),
    }
    exit::code(code)
}

/// Exit status and remedy for a client error.
pub fn classify(e: &ClientError) -> (u8, Option<&'static str>) {
    const NEEDS_CAP: &str = "querying taskstats needs CAP_NET_ADMIN: run as root, or `setcap cap_net_admin+ep` on the taskstat binary (the capability, not uid 0, is what counts)";
    const UNAVAILABLE: &str = "taskstats is not available (kernel built without CONFIG_TASKSTATS?)";
    match e {
        ClientError::Kernel { errno, .. } if *errno == libc::EPERM => {
            (exit::PERMISSION_DENIED, Some(NEEDS_CAP))
        }
        ClientError::Kernel { errno, .. } if *errno == libc::ESRCH => (exit::NO_SUCH_TASK, None),
        ClientError::FamilyMissing => (exit::UNAVAILABLE, Some(UNAVAILABLE)),
        ClientError::Socket(io)
            if matches!(
                io.raw_os_error(),
                Some(libc::EAFNOSUPPORT) | Some(libc::EPROTONOSUPPORT)
            ) =>
        {
            (
                exit::UNAVAILABLE,
                Some("this kernel has no generic netlink"),
            )
        }
        ClientError::Timeout { .. } => (
            exit::FAILURE,
            Some("the kernel did not answer; retry, or raise --timeout"),
        ),
        _ => (exit::FAILURE, None),
    }
}
