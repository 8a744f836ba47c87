//! `taskstat pid` and `taskstat tgid`.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use taskstat::client::Client;
use taskstat::record::{Context, Record};
use taskstat::render::{self, Format};
use taskstat::system;
use taskstat::wire::{KNOWN_VERSION, RequestAttr};

use taskstat::cli::QueryArgs;
use taskstat::exit;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pid,
    Tgid,
}

pub fn run(args: QueryArgs, kind: Kind, timeout: Duration) -> anyhow::Result<ExitCode> {
    let ctx = Context {
        delayacct: system::delayacct(),
    };
    if let Some(secs) = args.interval {
        return super::interval::run(args, kind, secs, timeout, ctx);
    }
    let mut client = Client::connect(timeout)?;
    let mut records = Vec::with_capacity(args.ids.len());
    let mut missing = false;
    for &id in &args.ids {
        let attr = match kind {
            Kind::Pid => RequestAttr::Pid(id),
            Kind::Tgid => RequestAttr::Tgid(id),
        };
        match client.record(attr)? {
            Some(raw) => {
                records.push(
                    Record::decode(&raw, id)
                        .with_context(|| format!("decoding the reply for {id}"))?,
                );
            }
            None => {
                missing = true;
                let what = match kind {
                    Kind::Pid => "task",
                    Kind::Tgid => "process",
                };
                eprintln!("taskstat: no such {what} {id} in this pid namespace");
            }
        }
    }

    // Only once something was measured: after "permission denied" the
    // warning would be noise.
    if !records.is_empty() {
        crate::cmd::warn_if_delayacct_off(&ctx);
    }
    if let Some(v) = records
        .iter()
        .map(|r| r.stats.version)
        .find(|&v| v > KNOWN_VERSION)
    {
        crate::cmd::warn(&format!(
            "the kernel's struct taskstats version {v} is newer than this taskstat knows ({KNOWN_VERSION}); only the known fields were decoded"
        ));
    }

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    write_records(&mut out, &records, &args, &ctx)?;
    out.flush()?;
    Ok(exit::code(if missing {
        exit::NO_SUCH_TASK
    } else {
        exit::OK
    }))
}

fn write_records(
    out: &mut dyn Write,
    records: &[Record],
    args: &QueryArgs,
    ctx: &Context,
) -> io::Result<()> {
    let views = || records.iter().map(|r| r.view(ctx)).collect::<Vec<_>>();
    match args.output.format() {
        Format::Table => render::write_table(out, &views(), args.output.sections()),
        Format::Json => render::write_json(out, &views()),
        Format::Ndjson => render::write_ndjson(out, &views()),
        Format::Csv => {
            let empty = Record {
                kind: taskstat::wire::RecordKind::Pid,
                id: 0,
                stats: Default::default(),
            };
            render::write_csv(out, &views(), &empty.view(ctx))
        }
        Format::Getdelays => {
            for r in records {
                render::write_getdelays(out, r, args.output.sections())?;
            }
            Ok(())
        }
    }
}
