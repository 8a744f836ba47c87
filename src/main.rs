//! taskstat: parse, dispatch, and turn errors into one line and an exit status.

mod cmd;

use std::io;
use std::process::ExitCode;

use taskstat::client::ClientError;
use taskstat::{cli, exit};

fn main() -> ExitCode {
    let cli = cli::Cli::parse_args();
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
    if err
        .chain()
        .any(|c| c.downcast_ref::<cmd::Usage>().is_some())
    {
        eprintln!("taskstat: {err:#}");
        return exit::code(exit::USAGE);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn errors_map_to_documented_exit_codes() {
        let kernel = |errno| ClientError::Kernel {
            op: "querying pid 1".into(),
            errno,
        };
        assert_eq!(classify(&kernel(libc::EPERM)).0, exit::PERMISSION_DENIED);
        assert!(
            classify(&kernel(libc::EPERM))
                .1
                .unwrap()
                .contains("CAP_NET_ADMIN")
        );
        assert_eq!(classify(&kernel(libc::ESRCH)).0, exit::NO_SUCH_TASK);
        assert_eq!(classify(&ClientError::FamilyMissing).0, exit::UNAVAILABLE);
        let no_netlink = ClientError::Socket(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        assert_eq!(classify(&no_netlink).0, exit::UNAVAILABLE);
        let timeout = ClientError::Timeout {
            op: "x".into(),
            timeout: Duration::from_millis(5),
        };
        assert_eq!(
            classify(&timeout),
            (
                exit::FAILURE,
                Some("the kernel did not answer; retry, or raise --timeout")
            )
        );
        assert_eq!(classify(&kernel(libc::EINVAL)).0, exit::FAILURE);
    }

    #[test]
    fn broken_pipe_anywhere_in_the_chain_is_success() {
        let err =
            anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert_eq!(report(&err), exit::code(exit::OK));
    }
}
