//! One module per subcommand.

mod cgroup;
mod check;
mod decode;
mod exits;
mod interval;
mod listen;
mod query;
mod run;
mod threads;
mod top;

use std::process::ExitCode;
use std::time::Duration;

use taskstat::cli::{Cli, Command};

pub use exits::Usage;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let timeout = Duration::from_millis(cli.global.timeout);
    match cli.command {
        Command::Pid(args) => query::run(args, query::Kind::Pid, timeout),
        Command::Tgid(args) => query::run(args, query::Kind::Tgid, timeout),
        Command::Top(args) => top::run(args, timeout),
        Command::Threads(args) => threads::run(args, timeout),
        Command::CgroupFd(args) => cgroup::run(args, timeout),
        Command::Listen(args) => listen::run(args, timeout),
        Command::Run(args) => run::run(args, timeout),
        Command::Decode(args) => decode::run(args),
        Command::Check(args) => check::run(args, timeout),
    }
}

/// Says once, on stderr, that delay figures besides CPU are not measured.
pub fn warn_if_delayacct_off(ctx: &taskstat::record::Context) {
    if ctx.delayacct == Some(false) {
        warn(
            "delay accounting is off (kernel.task_delayacct = 0): only CPU delay is measured; \
             turn it on with `sysctl kernel.task_delayacct=1` or boot with `delayacct`; \
             tasks started before that have no delay figures besides CPU",
        );
    }
}

/// Warnings go to stderr once per run, prefixed like errors.
pub fn warn(msg: &str) {
    eprintln!("taskstat: warning: {msg}");
}
