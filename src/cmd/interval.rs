//! `taskstat pid|tgid IDS --interval SECS`: what happened in each interval.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use taskstat::cli::QueryArgs;
use taskstat::exit;
use taskstat::model::RecordView;
use taskstat::model::interval::{Interval, IntervalRecord};
use taskstat::render::IntervalStream;
use taskstat::source::{Choice, Records};
use taskstat::wire::RecordKind;

use taskstat::listener::Stop;

fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The ids being sampled, and how to ask for them.
struct IntervalSampler {
    src: Records,
    kind: RecordKind,
    ids: Vec<u32>,
}

impl IntervalSampler {
    /// One sample of every id still alive; ids that are gone are reported
    /// once and dropped.
    fn sample(&mut self) -> anyhow::Result<BTreeMap<u32, RecordView>> {
        let mut out = BTreeMap::new();
        let mut gone = Vec::new();
        for &id in &self.ids {
            let view = match self.kind {
                RecordKind::Pid => self.src.thread(id)?,
                RecordKind::Tgid => self.src.process(id)?,
            }
            .map(|(v, _)| v);
            match view {
                Some(v) => {
                    out.insert(id, v);
                }
                None => gone.push(id),
            }
        }
        for id in gone {
            eprintln!("taskstat: {id} exited; its series ends here");
            self.ids.retain(|i| *i != id);
        }
        Ok(out)
    }
}

pub fn run(
    args: QueryArgs,
    kind: RecordKind,
    secs: f64,
    source: Choice,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    let mut stream = IntervalStream::new(args.output.format())?;
    let stop = Stop::install()?;
    let mut series = IntervalSampler {
        src: super::records(source, timeout)?,
        kind,
        ids: args.ids.clone(),
    };
    let mut prev = series.sample()?;
    let missing = series.ids.len() < args.ids.len();
    if series.ids.is_empty() {
        return Ok(exit::code(exit::NO_SUCH_TASK));
    }
    super::warn_accounting(series.src.acct());
    let period = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut prev_time = now_epoch();
    let mut out = super::stdout();
    let mut n = 0u64;
    while !series.ids.is_empty() && args.count.is_none_or(|c| n < c) {
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
        let cur = series.sample()?;
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
        stream
            .write(&mut out, &records)
            .context("writing the interval records")?;
        prev = cur;
        prev_time = now;
        n += 1;
    }
    stream
        .finish(&mut out)
        .context("writing the interval records")?;
    let code = stop.exit_status().unwrap_or(if missing {
        exit::NO_SUCH_TASK
    } else {
        exit::OK
    });
    Ok(exit::code(code))
}
