//! `taskstat pid` and `taskstat tgid`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use taskstat::cli::QueryArgs;
use taskstat::exit;
use taskstat::model::Record;
use taskstat::render::{self, Doc, ShownRecord};
use taskstat::source::Choice;
use taskstat::wire::{RecordKind, TaskStats};

pub fn run(
    args: QueryArgs,
    kind: RecordKind,
    source: Choice,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    let mut src = super::records(source, timeout)?;
    super::needs_kernel_record(&src, args.output.format())?;
    let acct = *src.acct();
    let mut records = Vec::with_capacity(args.ids.len());
    let mut missing = false;
    for &id in &args.ids {
        // A process is shown whole: the kernel's sums, completed from /proc.
        let found = match kind {
            RecordKind::Pid => src.thread(id)?,
            RecordKind::Tgid => src.process(id)?,
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
        super::needs_kernel_record(&src, args.output.format())?;
        super::warn_accounting(&acct);
        super::warn_decoding(records.iter().filter_map(|(_, r)| r.as_ref()));
    }

    let shown: Vec<ShownRecord> = records
        .iter()
        .map(|(view, r)| ShownRecord {
            view: view.clone(),
            raw: r.as_ref(),
        })
        .collect();
    // csv prints its header even when no record came.
    let empty = Record {
        kind,
        id: 0,
        stats: TaskStats::default(),
        origin: Default::default(),
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
