//! `taskstat threads TGID`: the process record and every thread's.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use taskstat::cli::ThreadsArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::host::procfs;
use taskstat::record::{Accounting, Record};
use taskstat::render::{self, Doc, Shown};
use taskstat::source;
use taskstat::wire::RecordKind;

pub fn run(args: ThreadsArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let acct = Accounting::detect();
    let mut client = Client::connect(timeout)?;
    let tgid = args.tgid;
    let Some(process) = source::process(&mut client, tgid, &acct)? else {
        eprintln!("taskstat: no such process {tgid} in this pid namespace");
        return Ok(exit::code(exit::NO_SUCH_TASK));
    };
    let group = &process.group;
    // A thread id selects its process; /proc lists the threads under the leader.
    let list = procfs::thread_ids(group.id)
        .or_else(|_| procfs::thread_ids(tgid))
        .with_context(|| format!("listing the threads of {tgid} in /proc"))?;
    let mut threads: Vec<Record> = Vec::with_capacity(list.len());
    for tid in list {
        // A thread that ended meanwhile has no record to show.
        if let Some(r) = client.fetch(RecordKind::Pid, tid)? {
            threads.push(r);
        }
    }
    super::warn_accounting(&acct);
    super::warn_decoding(std::iter::once(group).chain(&threads));

    let mut shown: Vec<Shown> = threads
        .iter()
        .map(|t| Shown {
            view: t.view(&acct),
            raw: Some(t),
        })
        .collect();
    shown.sort_by_key(|s| args.sort.key(&s.view));
    shown.insert(
        0,
        Shown {
            view: process.view.clone(),
            raw: Some(group),
        },
    );
    let mut out = super::stdout();
    render::write(
        &mut out,
        &Doc::Rows { records: &shown },
        args.output.output(),
    )?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}
