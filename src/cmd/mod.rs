//! One module per subcommand.

mod cgroup;
mod check;
mod decode;
mod dump;
mod interval;
mod listen;
mod query;
mod record;
mod replay;
mod run;
mod serve;
mod threads;
mod top;

use std::io::{self, BufWriter, StdoutLock};
use std::process::ExitCode;
use std::time::Duration;

use taskstat::cli::{Cli, Command, Later, SourceUse, needing_taskstats, source_use};
use taskstat::model::{Accounting, Record};
use taskstat::source::{Choice, Records};
use taskstat::wire::RecordKind;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let timeout = Duration::from_millis(cli.global.timeout);
    let source = cli.global.source;
    if source == Choice::Procfs && source_use(cli.command.name()) == SourceUse::Taskstats {
        return Err(taskstat::exit::Usage(format!(
            "--source procfs: {} needs the kernel's taskstats (exit records, cgroup statistics), as {} do; use --source auto or taskstats",
            cli.command.name(),
            needing_taskstats()
        ))
        .into());
    }
    match cli.command {
        Command::Pid(Later(args)) => query(args, RecordKind::Pid, source, timeout),
        Command::Tgid(Later(args)) => query(args, RecordKind::Tgid, source, timeout),
        Command::Top(Later(args)) => top::run(args, source, timeout),
        Command::Threads(Later(args)) => threads::run(args, source, timeout),
        Command::CgroupFd(Later(args)) => cgroup::run(args, timeout),
        Command::Listen(Later(args)) => listen::run(args, timeout),
        Command::Run(Later(args)) => run::run(args, timeout),
        Command::Serve(Later(args)) => serve::run(args, timeout),
        Command::Record(Later(args)) => record::run(args, timeout),
        Command::Dump(Later(args)) => dump::run(args),
        Command::Replay(Later(args)) => replay::run(args),
        Command::Decode(Later(args)) => decode::run(args),
        Command::Check(Later(args)) => check::run(args, timeout),
    }
}

/// `pid` and `tgid`: once, or every --interval.
fn query(
    args: taskstat::cli::QueryArgs,
    kind: RecordKind,
    source: Choice,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    match args.interval {
        Some(secs) => interval::run(args, kind, secs, source, timeout),
        None => query::run(args, kind, source, timeout),
    }
}

/// Opens the records' source; says once when the view is a partial one from
/// /proc, and why.
pub fn records(source: Choice, timeout: Duration) -> anyhow::Result<Records> {
    Ok(Records::open(
        source,
        timeout,
        Accounting::detect(),
        |why| {
            warn(&format!(
                "{why}: showing a partial view from /proc (run time, run-queue wait, block I/O delay in clock ticks, context switches, CPU time, ids, memory; the other delay categories are null); run as root, or `setcap cap_net_admin+ep` on the binary, for the full record"
            ))
        },
    )?)
}

/// getdelays' text is the kernel's record: a /proc view cannot give it.
pub fn needs_kernel_record(r: &Records, format: taskstat::render::Format) -> anyhow::Result<()> {
    let refused = format
        .refusal_without_kernel_record()
        .filter(|_| r.fallback().is_some());
    if let Some(why) = refused {
        return Err(taskstat::exit::Usage(format!(
            "{why}, and records come from /proc here (CAP_NET_ADMIN missing)"
        ))
        .into());
    }
    Ok(())
}

pub use taskstat::exit::warn;

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

/// serve paces its sweeps as top does.
pub use taskstat::pacer::Pacer;
