//! `taskstat replay`: top's view over the stored history, a table a
//! sample (`-b`) or a screen that moves through it. The rows are
//! [`taskstat::top::stored`]'s.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use taskstat::cli::ReplayArgs;
use taskstat::exit::{self, NoHistory};
use taskstat::filter::TaskFilter;
use taskstat::history::reader::{self, for_each_sample};
use taskstat::history::sample::StoredSample;
use taskstat::model::top::Counts;
use taskstat::render::human;
use taskstat::render::top as screen;
use taskstat::store::Timeline;
use taskstat::time::local_time;
use taskstat::top::replay_view::{ReplayView, lost_note};
use taskstat::top::stored::{Shown, rows};
use taskstat::top::view::{Then, columns};
use taskstat::tui::FullScreen;

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let filter = TaskFilter::stored(&args.filter)?;
    if args.batch {
        return batch(&args, &filter);
    }
    // Listed, not read: a sample is decoded when the screen shows it.
    let store = reader::open(&args.range.range())?;
    let mut timeline = store.timeline(reader::bounds(&args.range.range())?);
    for w in timeline.take_warnings() {
        super::warn(&w.to_string());
    }
    match timeline.len() {
        0 => Err(reader::empty(&args.range.range(), &store).into()),
        1 => Err(one_sample(&args)),
        _ => interactive(&args, timeline, &filter),
    }
}

fn one_sample(args: &ReplayArgs) -> anyhow::Error {
    NoHistory(format!(
        "{}: one sample in that range: replay shows the intervals between two",
        args.range.dir.display()
    ))
    .into()
}

/// Batch mode reads the store as it prints: two samples in memory at a time.
fn batch(args: &ReplayArgs, filter: &TaskFilter) -> anyhow::Result<ExitCode> {
    let mut out = super::stdout();
    let n = args.iterations.unwrap_or(u64::MAX);
    let (cols, what) = columns(args.by, false);
    let shown = Shown {
        counts: Counts::of(args.accumulated),
        only: args.only,
    };
    // With totals the range's first sample stays: every row counts from it.
    let mut first: Option<StoredSample> = None;
    let mut prev: Option<StoredSample> = None;
    let mut printed = 0u64;
    for_each_sample(&args.range.range(), |now| {
        if let Some(a) = prev.take() {
            if shown.counts == Counts::Totals && first.is_none() {
                first = Some(a.clone());
            }
            let base = first.as_ref().unwrap_or(&a);
            let rows = rows(base, &now, args.by, filter, shown, args.sort);
            if printed > 0 {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{}",
                time_line(base, &now, rows.len(), what, shown.counts)
            )?;
            // No pressure or workload names are stored: a group's row has the
            // columns of a process's.
            screen::write_batch(&mut out, &rows, cols, false, shown.counts, args.rows)?;
            printed += 1;
        }
        prev = Some(now);
        Ok(printed < n)
    })?;
    if printed == 0 {
        return Err(one_sample(args));
    }
    out.flush()?;
    Ok(exit::code(exit::OK))
}

/// What a batch table covers, before it: when, how many rows, since when.
fn time_line(
    base: &StoredSample,
    now: &StoredSample,
    rows: usize,
    what: &str,
    counts: Counts,
) -> String {
    let secs = (now.time_ns - base.time_ns) as f64 / 1e9;
    let over = match counts {
        Counts::PerSecond => "the",
        Counts::Totals => "totals over the",
    };
    let lost = lost_note(now);
    format!(
        "{} · {rows} {what} · {over} {secs:.1} s since {}{lost}",
        local_time(now.time_ns),
        local_time(base.time_ns)
    )
}

fn interactive(
    args: &ReplayArgs,
    timeline: Timeline,
    filter: &TaskFilter,
) -> anyhow::Result<ExitCode> {
    let mut term = FullScreen::open("taskstat replay -b")?;
    let (columns, what) = columns(args.by, false);
    let shown = Shown {
        counts: Counts::of(args.accumulated),
        only: args.only,
    };
    let mut view = ReplayView::new(timeline, args.by, args.sort, shown);
    loop {
        view.update(filter);
        // The status says where we are, and a message (a bad time typed
        // at g) whole: the screen wraps it.
        let status = match view.typing() {
            Some(t) => format!("go to time: {}_ (Enter, Esc)", human::name(t)),
            None => view.position(),
        };
        let (filters, keys, on_screen) = (view.filters(), view.keys(), view.on_screen());
        term.draw(|f| {
            screen::draw(
                f,
                &screen::Screen {
                    pressure: &[],
                    rows: &on_screen.rows,
                    columns,
                    what,
                    counts: view.shown.counts,
                    sort: view.sort,
                    interval: on_screen.secs,
                    limit: args.rows,
                    filters: &filters,
                    status: &status,
                    groups: false,
                    keys: &keys,
                    colour: screen::colour_wanted(),
                },
            )
        })?;
        // Nothing on screen changes but by a key.
        let hour = Instant::now() + Duration::from_secs(3600);
        if let Some(input) = term.next_input(hour, view.typing().is_some())? {
            if view.apply(input) == Then::Quit {
                break;
            }
        }
    }
    // The warning after the screen is closed, where it can be read.
    drop(term);
    if let Some(w) = view.warning() {
        exit::warn(&w);
    }
    Ok(exit::code(exit::OK))
}
