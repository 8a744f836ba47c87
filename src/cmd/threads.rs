//! `taskstat threads TGID`: the process record and every thread's.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use taskstat::cli::ThreadsArgs;
use taskstat::exit;
use taskstat::host::procfs;
use taskstat::render::{self, Doc, ShownRecord};
use taskstat::source::Choice;

pub fn run(args: ThreadsArgs, source: Choice, timeout: Duration) -> anyhow::Result<ExitCode> {
    let mut src = super::records(source, timeout)?;
    super::needs_kernel_record(&src, args.output.format())?;
    let acct = *src.acct();
    let tgid = args.tgid;
    let Some((process_view, group)) = src.process(tgid)? else {
        eprintln!("taskstat: no such process {tgid} in this pid namespace");
        return Ok(exit::code(exit::NO_SUCH_TASK));
    };
    // A thread id selects its process; /proc lists the threads under the leader.
    let leader = process_view.tgid.unwrap_or(process_view.id);
    let list = procfs::thread_ids(leader)
        .or_else(|_| procfs::thread_ids(tgid))
        .with_context(|| format!("listing the threads of {tgid} in /proc"))?;
    let mut threads = Vec::with_capacity(list.len());
    for tid in list {
        // A thread that ended meanwhile has no record to show.
        if let Some(t) = src.thread(tid)? {
            threads.push(t);
        }
    }
    super::needs_kernel_record(&src, args.output.format())?;
    super::warn_accounting(&acct);
    super::warn_decoding(
        group
            .iter()
            .chain(threads.iter().filter_map(|(_, r)| r.as_ref())),
    );

    let mut shown: Vec<ShownRecord> = threads
        .iter()
        .map(|(view, raw)| ShownRecord {
            view: view.clone(),
            raw: raw.as_ref(),
        })
        .collect();
    shown.sort_unstable_by_key(|s| (args.sort.key(&s.view), s.view.id));
    shown.insert(
        0,
        ShownRecord {
            view: process_view.clone(),
            raw: group.as_ref(),
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
