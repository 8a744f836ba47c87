//! `taskstat replay`: top's view over the stored history, a table a
//! sample (`-b`) or a screen that moves through it. The rows are
//! [`taskstat::top::stored`]'s.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use taskstat::cli::{By, ReplayArgs};
use taskstat::exit::{self, NoHistory};
use taskstat::filter::TaskFilter;
use taskstat::history::reader::{self, describe_lost, for_each_sample, sample_at};
use taskstat::history::sample::StoredSample;
use taskstat::model::top::{Counts, Row, TopSort};
use taskstat::render::human;
use taskstat::render::top as screen;
use taskstat::store::Timeline;
use taskstat::time::local_time;
use taskstat::top::stored::{Held, Shown, rows};
use taskstat::tui::{Action, Edit, FullScreen, Input};

fn columns(by: By) -> ([&'static str; 2], &'static str) {
    match by {
        By::Task => (["PID", "COMMAND"], "processes"),
        By::Cgroup => (["TASKS", "CGROUP"], "cgroups"),
        By::User => (["TASKS", "USER"], "users"),
        By::Comm => (["TASKS", "COMMAND"], "commands"),
    }
}

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
        _ => interactive(&args, &mut timeline, &filter),
    }
}

/// What the screen shows: the interval's end, the sort and the mode.
type ViewKey = (usize, TopSort, Shown);
/// Its rows, seconds, end time and what the interval lost.
type View = (Vec<Row>, f64, i64, String);

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
    let (cols, what) = columns(args.by);
    let shown = Shown {
        counts: counts_of(args.accumulated),
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

fn counts_of(accumulated: bool) -> Counts {
    if accumulated {
        Counts::Totals
    } else {
        Counts::PerSecond
    }
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
    let lost = now
        .lost
        .as_ref()
        .map(|l| format!(" · {}", describe_lost(l)))
        .unwrap_or_default();
    format!(
        "{} · {rows} {what} · {over} {secs:.1} s since {}{lost}",
        local_time(now.time_ns),
        local_time(base.time_ns)
    )
}

fn interactive(
    args: &ReplayArgs,
    timeline: &mut Timeline,
    filter: &TaskFilter,
) -> anyhow::Result<ExitCode> {
    let mut term = FullScreen::open("taskstat replay -b")?;
    let (cols, what) = columns(args.by);
    let mut i = 1;
    let mut sort = args.sort;
    let mut shown = Shown {
        counts: counts_of(args.accumulated),
        only: args.only,
    };
    let mut typing: Option<String> = None;
    let mut note = String::new();
    let mut held = Held::default();
    let mut first: Option<StoredSample> = None;
    let mut view: Option<(ViewKey, View)> = None;
    let n = timeline.len();
    loop {
        // Totals count from the range's first sample.
        let first = match shown.counts {
            Counts::Totals if first.is_none() => {
                first = sample_at(timeline, 0, &mut held.skipped).ok();
                first.as_ref()
            }
            Counts::Totals => first.as_ref(),
            Counts::PerSecond => None,
        };
        // The rows of what is on screen are worked out again only when
        // that changes, not for each key typed at `g`.
        let key = (i, sort, shown);
        if view.as_ref().is_none_or(|(k, _)| *k != key) {
            let v = match held.interval(timeline, i) {
                Ok((a, b)) => {
                    let lost = b
                        .lost
                        .as_ref()
                        .map(|l| format!(" · {}", describe_lost(l)))
                        .unwrap_or_default();
                    let base = first.unwrap_or(a);
                    (
                        rows(base, b, args.by, filter, shown, sort),
                        (b.time_ns - base.time_ns) as f64 / 1e9,
                        b.time_ns,
                        lost,
                    )
                }
                Err(why) => (
                    Vec::new(),
                    0.0,
                    timeline.time_ns(i).unwrap_or(0),
                    format!(" · {why}"),
                ),
            };
            view = Some((key, v));
        }
        let Some((_, (rows, secs, end_ns, lost))) = view.as_ref() else {
            continue;
        };
        let (secs, end_ns) = (*secs, *end_ns);
        if note.is_empty() {
            note.clone_from(lost);
        }
        // The footer lists the keys; the status says where we are, and
        // a message (a bad time typed at g) whole: the screen wraps it.
        let status = match &typing {
            Some(t) => format!("go to time: {}_ (Enter, Esc)", human::name(t)),
            None => format!("{} · sample {} of {}{note}", local_time(end_ns), i + 1, n),
        };
        let mut filters = Vec::new();
        if shown.only {
            filters.push("only active".to_string());
        }
        if shown.counts == Counts::Totals {
            filters.push(format!(
                "totals since {}",
                local_time(timeline.time_ns(0).unwrap_or(0))
            ));
        }
        let filters = filters.join(", ");
        // Only keys that work here (no H: the store keeps no threads).
        let keys = [
            ("←/T", "previous"),
            ("→/t", "next"),
            ("g", "go to a time"),
            (
                "o",
                if shown.only {
                    "all rows"
                } else {
                    "only active"
                },
            ),
            (
                "a",
                match shown.counts {
                    Counts::PerSecond => "totals",
                    Counts::Totals => "rates",
                },
            ),
        ];
        term.draw(|f| {
            screen::draw(
                f,
                &screen::Screen {
                    pressure: &[],
                    rows,
                    columns: cols,
                    what,
                    counts: shown.counts,
                    sort,
                    interval: secs,
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
        let input = match term.next_input(hour, typing.is_some())? {
            None | Some(Input::Other) => continue,
            Some(input) => input,
        };
        note.clear();
        match input {
            Input::Edit(e) => {
                let Some(t) = typing.as_mut() else { continue };
                match e {
                    Edit::Enter => {
                        match taskstat::time::parse_now(t) {
                            Ok(ts) => {
                                let ns = i64::try_from(ts.as_nanosecond()).unwrap_or(i64::MAX);
                                i = timeline.at_or_after(ns).max(1);
                            }
                            Err(e) => note = format!(" · {e}"),
                        }
                        typing = None;
                    }
                    Edit::Cancel => typing = None,
                    Edit::Backspace => {
                        t.pop();
                    }
                    Edit::Char(c) => t.push(c),
                }
            }
            Input::Action(Action::Quit) => break,
            Input::Action(Action::Next) => {
                if i + 1 < n {
                    i += 1;
                } else {
                    note = " · the last sample".into();
                }
            }
            Input::Action(Action::Previous) => {
                if i > 1 {
                    i -= 1;
                } else {
                    note = " · the first interval".into();
                }
            }
            Input::Action(Action::GoTo) => typing = Some(String::new()),
            Input::Action(Action::OnlyActive) => shown.only = !shown.only,
            Input::Action(Action::Accumulated) => {
                shown.counts = match shown.counts {
                    Counts::PerSecond => Counts::Totals,
                    Counts::Totals => Counts::PerSecond,
                }
            }
            Input::Action(Action::Sort(s)) => sort = s,
            // No threads in the store.
            Input::Action(Action::Threads) | Input::Unbound | Input::Other => {}
        }
    }
    // The warning after the screen is closed, where it can be read.
    drop(term);
    if let Some(w) = held.skipped.warning() {
        exit::warn(&w);
    }
    Ok(exit::code(exit::OK))
}
