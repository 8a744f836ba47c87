//! `taskstat pid` and `taskstat tgid`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use taskstat::cli::QueryArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::record::{Accounting, Record};
use taskstat::render::{self, Doc, Shown};
use taskstat::source;
use taskstat::wire::{RecordKind, TaskStats};

pub fn run(args: QueryArgs, kind: RecordKind, timeout: Duration) -> anyhow::Result<ExitCode> {
    let acct = Accounting::detect();
    let mut client = Client::connect(timeout)?;
    let mut records = Vec::with_capacity(args.ids.len());
    let mut missing = false;
    for &id in &args.ids {
        // A process is shown whole: the kernel's sums, completed from /proc.
        let found = match kind {
            RecordKind::Pid => client.fetch(kind, id)?.map(|r| (r.view(&acct), r)),
            RecordKind::Tgid => source::process(&mut client, id, &acct)?.map(|p| (p.view, p.group)),
        };
        match found {
            Some(r) => records.push(r),
            None => {
                missing = true;
                eprintln!(
                    "taskstat: no such {} {id} in this pid namespace",
                    super::noun(kind)
                );
            }
        }
    }
    if !records.is_empty() {
        super::warn_accounting(&acct);
        super::warn_decoding(records.iter().map(|(_, r)| r));
    }

    let shown: Vec<Shown> = records
        .iter()
        .map(|(view, r)| Shown {
            view: view.clone(),
            raw: Some(r),
        })
        .collect();
    // csv prints its header even when no record came.
    let empty = Record {
        kind,
        id: 0,
        stats: TaskStats::default(),
    }
    .view(&acct);
    let mut out = super::stdout();
    render::write(
        &mut out,
        &Doc::Records {
            records: &shown,
            empty: &empty,
        },
        args.output.output(),
    )?;
    out.flush()?;
    Ok(exit::code(if missing {
        exit::NO_SUCH_TASK
    } else {
        exit::OK
    }))
}
