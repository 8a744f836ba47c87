//! One module per subcommand.

mod cgroup;
mod check;
mod decode;
mod exits;
mod interval;
mod listen;
mod query;
mod run;
mod select;
mod serve;
mod threads;
mod top;

use std::io::{self, BufWriter, StdoutLock};
use std::process::ExitCode;
use std::time::Duration;

use taskstat::cli::{Cli, Command};
use taskstat::record::{Accounting, Record};
use taskstat::wire::RecordKind;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let timeout = Duration::from_millis(cli.global.timeout);
    match cli.command {
        Command::Pid(args) => query(args, RecordKind::Pid, timeout),
        Command::Tgid(args) => query(args, RecordKind::Tgid, timeout),
        Command::Top(args) => top::run(args, timeout),
        Command::Threads(args) => threads::run(args, timeout),
        Command::CgroupFd(args) => cgroup::run(args, timeout),
        Command::Listen(args) => listen::run(args, timeout),
        Command::Run(args) => run::run(args, timeout),
        Command::Serve(args) => serve::run(args, timeout),
        Command::Decode(args) => decode::run(args),
        Command::Check(args) => check::run(args, timeout),
    }
}

/// `pid` and `tgid`: once, or every --interval.
fn query(
    args: taskstat::cli::QueryArgs,
    kind: RecordKind,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    match args.interval {
        Some(secs) => interval::run(args, kind, secs, timeout),
        None => query::run(args, kind, timeout),
    }
}

/// Warnings go to stderr, prefixed like errors.
pub fn warn(msg: &str) {
    eprintln!("taskstat: warning: {msg}");
}

/// Says, once a record was had, that delay figures besides CPU are not
/// measured. (Before any, "permission denied" would follow it.)
pub fn warn_accounting(acct: &Accounting) {
    if let Some(w) = acct.warning() {
        warn(w);
    }
}

/// Says once what decoding these records left out, if anything.
pub fn warn_decoding<'a>(records: impl IntoIterator<Item = &'a Record>) {
    if let Some(w) = records.into_iter().find_map(Record::decode_warning) {
        warn(&w);
    }
}

/// Standard output, buffered: the commands flush it when they are done.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// What an id names, in messages.
pub fn noun(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Pid => "task",
        RecordKind::Tgid => "process",
    }
}
