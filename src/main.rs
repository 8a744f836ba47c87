//! taskstat: parse, dispatch, and turn errors into one line and an exit status.

mod cmd;

use std::io;
use std::process::ExitCode;

use clap::Parser as _;
use taskstat::client::ClientError;
use taskstat::{cli, exit};

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
        let pipe = cause.downcast_ref::<io::Error>();
        if pipe.is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
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
    if err
        .chain()
        .any(|c| c.downcast_ref::<exit::NoHistory>().is_some())
    {
        eprintln!("taskstat: {err:#}");
        return exit::code(exit::NO_HISTORY);
    }
    if err
        .chain()
        .any(|c| c.downcast_ref::<exit::Denied>().is_some())
    {
        eprintln!("taskstat: {err:#}");
        return exit::code(exit::PERMISSION_DENIED);
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
