//! `taskstat top`: live delay rates of every task, full-screen or in batch.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use taskstat::cli::{By, TopArgs};
use taskstat::exit;
use taskstat::filter::TaskFilter;
use taskstat::host::procfs;
use taskstat::listener::Stop;
use taskstat::model::top::Counts;
use taskstat::render::human;
use taskstat::render::top as screen;
use taskstat::source::Choice;
use taskstat::top::baseline::Baseline;
use taskstat::top::live::Sampler;
use taskstat::top::view::{LiveView, Then, columns};
use taskstat::tui::{FullScreen, Input};

pub fn run(args: TopArgs, source: Choice, timeout: Duration) -> anyhow::Result<ExitCode> {
    let filter = TaskFilter::top(&args)?;
    let src = super::records(source, timeout)?;
    let mut sampler = Sampler::new(src, args.max_rate, filter, args.by);
    if args.in_batch() {
        return batch(args, &mut sampler, timeout);
    }
    interactive(args, &mut sampler, timeout)
}

fn batch(args: TopArgs, sampler: &mut Sampler, timeout: Duration) -> anyhow::Result<ExitCode> {
    let stop = Stop::install()?;
    let period = Duration::from_secs_f64(args.interval);
    let mut prev = sampler.sample(args.threads, false)?;
    super::warn_accounting(&sampler.acct);
    let counts = Counts::of(args.accumulated);
    let mut baseline = Baseline::open(counts, args.by, sampler.acct, timeout, &prev)?;
    let mut out = super::stdout();
    let (cols, what) = columns(args.by, args.threads);
    let mut batch = screen::Batch::new(
        args.format(),
        cols,
        args.by == By::Cgroup,
        counts,
        args.rows,
    )
    .with_time_line(what);
    for _ in 0..args.iterations.unwrap_or(1) {
        let next = prev.at + period;
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                batch.finish(&mut out)?;
                out.flush()?;
                return Ok(exit::code(stop.exit_status().unwrap_or(exit::OK)));
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        let cur = sampler.sample(args.threads, true)?;
        let secs = match counts {
            Counts::PerSecond => cur.at.duration_since(prev.at),
            Counts::Totals => cur.at.duration_since(baseline.started),
        };
        let rows = baseline.rows(&prev, &cur, &sampler.filter, args.sort, args.only)?;
        batch.refresh(&mut out, &rows, secs.as_secs_f64())?;
        out.flush()?;
        prev = cur;
    }
    batch.finish(&mut out)?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}

/// What the header says is in force.
fn describe(filter: &TaskFilter, only: bool, counts: Counts) -> String {
    let mut parts = Vec::new();
    if !filter.pids().is_empty() {
        let p: Vec<String> = filter.pids().iter().map(u32::to_string).collect();
        parts.push(format!("pid {}", p.join(",")));
    }
    let uids = filter.uids();
    if !uids.is_empty() {
        let u: Vec<String> = uids.iter().map(u32::to_string).collect();
        parts.push(format!("uid {}", u.join(",")));
    }
    if let Some(re) = filter.comm() {
        parts.push(format!("comm /{}/", re.as_str()));
    }
    if let Some(path) = filter.cgroup() {
        parts.push(format!("cgroup {}", human::name(path)));
    }
    if only {
        parts.push("only active".into());
    }
    if counts == Counts::Totals {
        parts.push("accumulated".into());
    }
    parts.join(", ")
}

/// Waits for keys until `due`: what the first key top offers asks for,
/// None when the time came first.
fn keys_until(term: &FullScreen, due: Instant, view: &mut LiveView) -> anyhow::Result<Then> {
    while let Some(input) = term.next_input(due, false)? {
        if let Input::Action(a) = input {
            match view.apply(a) {
                Then::Wait => {}
                then => return Ok(then),
            }
        }
    }
    Ok(Then::Wait)
}

fn interactive(
    args: TopArgs,
    sampler: &mut Sampler,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    let mut term = FullScreen::open("taskstat top -b")?;
    let period = Duration::from_secs_f64(args.interval);
    let first = sampler.sample(args.threads, false)?;
    let counts = Counts::of(args.accumulated);
    let baseline = Baseline::open(counts, args.by, sampler.acct, timeout, &first)?;
    let mut view = LiveView::new(args.sort, args.threads, args.only, baseline, first);
    loop {
        let pressure = screen::pressure_lines(&procfs::pressure());
        let filters = describe(&sampler.filter, view.only, view.baseline.counts);
        let keys = view.keys();
        let (columns, what) = columns(args.by, view.threads);
        term.draw(|f| {
            screen::draw(
                f,
                &screen::Screen {
                    pressure: &pressure,
                    rows: &view.rows,
                    columns,
                    groups: args.by == By::Cgroup,
                    what,
                    counts: view.baseline.counts,
                    sort: view.sort,
                    interval: args.interval,
                    limit: args.rows,
                    filters: &filters,
                    status: &view.status,
                    keys: &keys,
                    colour: screen::colour_wanted(),
                },
            )
        })?;
        if args.iterations.is_some_and(|n| view.refreshes >= n) {
            break;
        }
        let due = view.due(period);
        match keys_until(&term, due, &mut view)? {
            Then::Quit => break,
            Then::Resample => {
                view.resample(sampler)?;
                continue;
            }
            Then::Redraw | Then::Wait => {}
        }
        if Instant::now() >= due {
            view.refresh(sampler)?;
        }
    }
    Ok(exit::code(exit::OK))
}
