//! `taskstat pid|tgid IDS --interval SECS`: what happened in each interval.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use taskstat::cli::QueryArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::interval::{Interval, IntervalRecord};
use taskstat::record::{Context, Record, RecordView};
use taskstat::render::{self, Format};
use taskstat::wire::RequestAttr;

use super::exits::{Stop, Usage};
use super::query::Kind;

fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One sample of every id still alive; ids that are gone are reported once and dropped.
fn sample(
    client: &mut Client,
    ids: &mut Vec<u32>,
    kind: Kind,
    ctx: &Context,
) -> anyhow::Result<BTreeMap<u32, RecordView>> {
    let mut out = BTreeMap::new();
    let mut gone = Vec::new();
    for &id in ids.iter() {
        let attr = match kind {
            Kind::Pid => RequestAttr::Pid(id),
            Kind::Tgid => RequestAttr::Tgid(id),
        };
        match client.record(attr)? {
            Some(raw) => {
                out.insert(id, Record::decode(&raw, id)?.view(ctx));
            }
            None => gone.push(id),
        }
    }
    for id in gone {
        eprintln!("taskstat: {id} exited; its series ends here");
        ids.retain(|i| *i != id);
    }
    Ok(out)
}

pub fn run(
    args: QueryArgs,
    kind: Kind,
    secs: f64,
    timeout: Duration,
    ctx: Context,
) -> anyhow::Result<ExitCode> {
    let format = args.output.format();
    if format == Format::Getdelays {
        return Err(Usage(
            "--format getdelays has no interval form; use table, json, ndjson or csv".into(),
        )
        .into());
    }
    let stop = Stop::install()?;
    let mut client = Client::connect(timeout)?;
    let mut ids = args.ids.clone();
    let mut missing = false;
    let mut prev = sample(&mut client, &mut ids, kind, &ctx)?;
    if ids.len() < args.ids.len() {
        missing = true;
    }
    if ids.is_empty() {
        return Ok(exit::code(exit::NO_SUCH_TASK));
    }
    crate::cmd::warn_if_delayacct_off(&ctx);
    let period = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut prev_time = now_epoch();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut csv_header = true;
    let mut n = 0u64;
    while !ids.is_empty() && args.count.is_none_or(|c| n < c) {
        // Ticks on a fixed schedule, so intervals do not drift.
        let next = start + period * (n as u32 + 1);
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        if stop.requested() {
            break;
        }
        let now = now_epoch();
        let cur = sample(&mut client, &mut ids, kind, &ctx)?;
        let interval = Interval {
            start: prev_time,
            end: now,
            seconds: now - prev_time,
        };
        let records: Vec<IntervalRecord> = cur
            .iter()
            .filter_map(|(id, b)| {
                prev.get(id)
                    .map(|a| IntervalRecord::new(a, b, interval.clone()))
            })
            .collect();
        let written: io::Result<()> = match format {
            Format::Table => render::write_interval_table(&mut out, &records),
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut out);
                let mut r = Ok(());
                for rec in &records {
                    let cols = render::csv_row(rec)?;
                    if csv_header {
                        r = r.and(
                            w.write_record(cols.iter().map(|(k, _)| k))
                                .map_err(io::Error::from),
                        );
                        csv_header = false;
                    }
                    r = r.and(
                        w.write_record(cols.iter().map(|(_, v)| v))
                            .map_err(io::Error::from),
                    );
                }
                r.and(w.flush())
            }
            _ => render::write_ndjson(&mut out, &records),
        };
        written
            .and_then(|()| out.flush())
            .context("writing the interval records")?;
        prev = cur;
        prev_time = now;
        n += 1;
    }
    let code = stop.exit_status().unwrap_or(if missing {
        exit::NO_SUCH_TASK
    } else {
        exit::OK
    });
    Ok(exit::code(code))
}
