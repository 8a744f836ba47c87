//! taskstat: parse, dispatch, and turn errors into one line and an exit status.

mod cmd;

use std::io;
use std::process::ExitCode;

use clap::Parser as _;
use taskstat::client::ClientError;
use taskstat::{cli, exit};

fn main() -> ExitCode {
    let cli = cli::Cli::try_parse().unwrap_or_else(|e| cli::suggest(e).exit());
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// The error and its causes as one line, each cause once. Many errors
/// already end with their source's text (`cannot create X: Not a
/// directory`, from `io::Error`s wrapped by `thiserror` or by hand), and
/// anyhow's `{:#}` would print that source again after them.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    let mut last = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || last.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line += ": ";
        }
        line += &text;
        last = text;
    }
    line
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
        eprintln!("taskstat: {}", one_line(err));
        return exit::code(exit::USAGE);
    }
    if err
        .chain()
        .any(|c| c.downcast_ref::<exit::NoHistory>().is_some())
    {
        eprintln!("taskstat: {}", one_line(err));
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
        Some(h) => eprintln!("taskstat: {}; {h}", one_line(err)),
        None => eprintln!("taskstat: {}", one_line(err)),
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
    fn each_cause_is_printed_once() {
        // A cause whose text its context already ends with, as thiserror's
        // `#[error("...: {0}")]` with `#[source]` gives.
        #[derive(Debug, thiserror::Error)]
        #[error("cannot create /x: {0}")]
        struct Create(#[source] io::Error);
        let io = io::Error::from_raw_os_error(libc::ENOTDIR);
        let text = io.to_string();
        let err = anyhow::Error::from(Create(io)).context("cannot record into /x");
        let line = one_line(&err);
        assert_eq!(line.matches(&text).count(), 1, "{line}");
        assert!(
            line.starts_with("cannot record into /x: cannot create /x: "),
            "{line}"
        );
        // Causes that do not repeat are all kept, in order.
        let err = anyhow::anyhow!("inner").context("middle").context("outer");
        assert_eq!(one_line(&err), "outer: middle: inner");
    }

    #[test]
    fn usage_errors_anywhere_in_the_chain_are_usage() {
        let err = anyhow::Error::from(exit::Usage("bad".into())).context("while starting");
        assert_eq!(report(&err), exit::code(exit::USAGE));
    }
}
