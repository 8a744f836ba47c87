//! taskstat: parse, dispatch, and turn errors into one line and an exit status.

// A one-shot query is a few tens of µs of work; std's start-up adds more
// than that (it reads /proc/self/maps to place a stack guard, and sets up
// a signal stack), so the C `main` below starts taskstat itself and does
// only the part of that set-up taskstat relies on.
//
// That takes glibc, which hands argc and argv to std's initialiser (so
// `std::env::args` works without std's `main`); other C libraries (musl)
// do not, and there std's own `main` starts taskstat.
#![cfg_attr(all(not(test), target_env = "gnu"), no_main)]

mod cmd;

/// musl's malloc cost the static build some 15% more CPU per exit record
/// and per sweep than glibc's (bench/README.md).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOC: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

use std::io;
use std::process::ExitCode;

use taskstat::client::ClientError;
use taskstat::{cli, exit};

/// The C entry point. std's own `main` shim is left out (see the crate
/// attribute above); `std::env::args` still works, as glibc hands argv to
/// std's initialiser before `main`.
#[cfg(all(not(test), target_env = "gnu"))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    start_up();
    let code = run();
    // std flushes stdout at exit only from its own main shim.
    let _ = io::Write::flush(&mut io::stdout());
    exit_status(code)
}

/// What taskstat needs of std's runtime set-up.
#[cfg(all(not(test), target_env = "gnu"))]
fn start_up() {
    // SAFETY: signal(2) with SIG_IGN installs no handler code. A closed
    // stdout must be a write error (EPIPE) that ends taskstat quietly with
    // status 0, as std's own start-up arranges, not a kill by SIGPIPE.
    // Children started by `run` get the default back (std resets it).
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    // A closed descriptor 0, 1 or 2 would be reused by the next open(), and
    // output would go into a netlink socket or a /proc file: point it at
    // /dev/null, as std's start-up does.
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: three valid pollfds owned by this frame, for the call's duration.
    if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } > 0 {
        for p in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
            // SAFETY: a NUL-terminated path; the descriptor is the lowest
            // free one, which is p.fd since the lower ones are open.
            let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
            if fd != p.fd {
                // Cannot make the descriptors safe: refuse to run.
                std::process::abort();
            }
        }
    }
}

/// The status for exit(3). ExitCode does not give its number back on
/// stable Rust, so it is found among the 256 it can be.
#[cfg(all(not(test), target_env = "gnu"))]
fn exit_status(code: ExitCode) -> std::ffi::c_int {
    (0..=u8::MAX)
        .find(|&n| ExitCode::from(n) == code)
        .map_or(exit::FAILURE.into(), std::ffi::c_int::from)
}

/// Elsewhere than glibc, std's start-up (see the top of this file).
#[cfg(all(not(test), not(target_env = "gnu")))]
fn main() -> ExitCode {
    run()
}

// The test harness brings its own `main`; this keeps what ours calls in use.
#[cfg(test)]
const _: fn() -> ExitCode = run;

fn run() -> ExitCode {
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
        .any(|c| c.downcast_ref::<exit::Usage>().is_some())
    {
        eprintln!("taskstat: {err:#}");
        return exit::code(exit::USAGE);
    }
    let (code, hint) = match err.chain().find_map(|c| c.downcast_ref::<ClientError>()) {
        Some(e) => exit::classify(e),
        None => (exit::FAILURE, None),
    };
    match hint {
        Some(h) => eprintln!("taskstat: {err:#}; {h}"),
        None => eprintln!("taskstat: {err:#}"),
    }
    exit::code(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_anywhere_in_the_chain_is_success() {
        let err =
            anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert_eq!(report(&err), exit::code(exit::OK));
    }

    #[test]
    fn usage_errors_anywhere_in_the_chain_are_usage() {
        let err = anyhow::Error::from(exit::Usage("bad".into())).context("while starting");
        assert_eq!(report(&err), exit::code(exit::USAGE));
    }
}
