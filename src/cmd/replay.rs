//! `taskstat replay`: top's view over the stored history. Each view is
//! the interval between two consecutive samples; a process that exited in
//! it shows there with what it did since the sample before (its whole life
//! if it was born in the interval too).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value;
use taskstat::cli::{By, ReplayArgs};
use taskstat::exit::{self, NoHistory};
use taskstat::host::users;
use taskstat::model::RecordView;
use taskstat::model::fleet::{Counters, GroupFigures};
use taskstat::model::top::{self, Counts, Row, Tally, TopSort};
use taskstat::render::dump::local_time;
use taskstat::render::human;
use taskstat::render::top as screen;
use taskstat::store::{Sample, Timeline};
use taskstat::tui::{Action, Edit, FullScreen, Input};
use taskstat::wire::Group;

use super::history::{Filter, describe_lost, for_each_sample, lost_exits};
use super::record::{CGROUPS, EXITED, PROCESSES};

/// A stored process record, read back.
fn view(v: &Value) -> Option<RecordView> {
    // From the tree as it is: no copy of it first.
    serde::Deserialize::deserialize(v).ok()
}

/// `v` with every figure of the sections top diffs at 0: the baseline of a
/// process born in the interval.
fn zeroed(v: &Value) -> Option<RecordView> {
    fn zero(v: &mut Value) {
        match v {
            Value::Number(_) => *v = Value::from(0),
            Value::Object(m) => m.values_mut().for_each(zero),
            _ => {}
        }
    }
    let mut z = v.clone();
    for section in ["cpu", "delays", "context_switches", "io"] {
        if let Some(s) = z.get_mut(section) {
            zero(s);
        }
    }
    view(&z)
}

fn tgid(v: &Value) -> Option<u32> {
    v.get("tgid")
        .or(v.get("pid"))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// A section of a sample; empty when the sample has none.
fn section<'a>(
    s: &'a Sample,
    name: &str,
    empty: &'a BTreeMap<String, Value>,
) -> &'a BTreeMap<String, Value> {
    s.sections.get(name).unwrap_or(empty)
}

/// The record, in an earlier sample's section, of the process `key`
/// (pid:start time) names. The kernel gives a start time in whole seconds
/// worked out anew each time from the time now and the task's age, so one
/// process's start time can be a second off from one record to the next:
/// the same pid a second off is the same process, not one born since.
fn earlier<'a>(prev: &'a BTreeMap<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(v) = prev.get(key) {
        return Some(v);
    }
    let (pid, start) = key.split_once(':')?;
    let start: u64 = start.parse().ok()?;
    [start.checked_sub(1), start.checked_add(1)]
        .into_iter()
        .flatten()
        .find_map(|s| prev.get(&format!("{pid}:{s}")))
}

/// What replay shows: rates over each interval, or totals since the
/// range's first sample (`-a`, `a`); and only the rows that did something
/// (`-o`, `o`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Shown {
    counts: Counts,
    only: bool,
}

/// The rows of the interval from sample `a` to sample `b`; with totals,
/// `a` is the range's first sample, and a process born since counts its
/// whole life.
fn rows(a: &Sample, b: &Sample, by: By, filter: &Filter, shown: Shown, sort: TopSort) -> Vec<Row> {
    let Shown { counts, only } = shown;
    let secs = (b.time_ns - a.time_ns) as f64 / 1e9;
    let empty = BTreeMap::new();
    let section = |s, name| section(s, name, &empty);
    let (prev, live, gone) = (
        section(a, PROCESSES),
        section(b, PROCESSES),
        section(b, EXITED),
    );
    let mut rows = match by {
        By::Task => {
            let mut before = HashMap::new();
            let mut after = HashMap::new();
            for (key, v) in live
                .iter()
                .chain(gone.iter())
                .filter(|(_, v)| filter.keeps(v))
            {
                let (Some(id), Some(now)) = (tgid(v), view(v)) else {
                    continue;
                };
                let then = match earlier(prev, key) {
                    Some(p) => view(p),
                    // Born in the interval.
                    None => zeroed(v),
                };
                if let Some(then) = then {
                    before.insert(id, then);
                    after.insert(id, now);
                }
            }
            // Exited processes not seen before show from a zero baseline;
            // live ones born in the interval show from their next interval, as in top.
            for (key, v) in live.iter() {
                if counts == Counts::PerSecond && earlier(prev, key).is_none() {
                    if let Some(id) = tgid(v) {
                        before.remove(&id);
                    }
                }
            }
            top::rows(&before, &after, &HashMap::new(), secs, counts)
        }
        By::Cgroup => {
            let figures = |s: &Sample| -> HashMap<String, GroupFigures> {
                s.sections
                    .get(CGROUPS)
                    .map(|g| {
                        g.iter()
                            .filter(|(p, _)| filter.holds_cgroup(p))
                            .filter_map(|(p, v)| {
                                Some((p.clone(), serde_json::from_value(v.clone()).ok()?))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (then, now) = (figures(a), figures(b));
            let tallies = now
                .iter()
                .map(|(p, f)| {
                    let base = then.get(p).map(|g| g.counters).unwrap_or_default();
                    let tasks = u32::try_from(f.tasks).unwrap_or(u32::MAX);
                    (
                        p.clone(),
                        Tally {
                            tasks,
                            sums: f.counters.minus(&base),
                        },
                    )
                })
                .collect();
            grouped(&tallies, secs, counts, live)
        }
        By::User | By::Comm => {
            let mut tallies: HashMap<String, Tally> = HashMap::new();
            for (key, v) in live
                .iter()
                .chain(gone.iter())
                .filter(|(_, v)| filter.keeps(v))
            {
                let Some(now) = view(v) else { continue };
                let label = match by {
                    By::User => now
                        .uid
                        .map(|u| users::name_of(u).unwrap_or_else(|| u.to_string())),
                    _ => now.comm.clone(),
                };
                let base = earlier(prev, key)
                    .and_then(view)
                    .map(|p| Counters::of(&p))
                    .unwrap_or_default();
                let t = tallies
                    .entry(label.unwrap_or_else(|| "?".into()))
                    .or_default();
                if live.contains_key(key) {
                    t.tasks += 1;
                }
                t.sums = t.sums.plus(&Counters::of(&now).minus(&base));
            }
            grouped(&tallies, secs, counts, live)
        }
    };
    if only {
        rows.retain(Row::active);
    }
    sort.sort(&mut rows);
    rows
}

/// Grouped rows, with the delay groups the stored records measured.
fn grouped(
    tallies: &HashMap<String, Tally>,
    secs: f64,
    counts: Counts,
    live: &std::collections::BTreeMap<String, Value>,
) -> Vec<Row> {
    // Delay accounting was on if any record has a measured I/O category.
    let on = live.values().any(|v| {
        v.get("delays")
            .and_then(|d| d.get("blkio"))
            .and_then(|b| b.get("total_ns"))
            .is_some_and(|t| !t.is_null())
    });
    top::grouped(tallies, secs, counts, |g| g == Group::RunQueue || on)
}

fn columns(by: By) -> ([&'static str; 2], &'static str) {
    match by {
        By::Task => (["PID", "COMMAND"], "processes"),
        By::Cgroup => (["TASKS", "CGROUP"], "cgroups"),
        By::User => (["TASKS", "USER"], "users"),
        By::Comm => (["TASKS", "COMMAND"], "commands"),
    }
}

pub fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let filter = Filter::new(&args.filter)?;
    if args.batch {
        return batch(&args, &filter);
    }
    // Listed, not read: a sample is decoded when the screen shows it.
    let reader = super::history::open(&args.range)?;
    let mut timeline = reader.timeline(super::history::bounds(&args.range)?);
    for w in timeline.take_warnings() {
        super::warn(&w.to_string());
    }
    match timeline.len() {
        0 => Err(super::history::empty(&args.range, &reader).into()),
        1 => Err(one_sample(&args)),
        _ => interactive(&args, &mut timeline, &filter),
    }
}

/// What the screen shows: the interval's end, the sort and the mode.
type ViewKey = (usize, TopSort, Shown);
/// Its rows, seconds, end time and what the interval lost.
type View = (Vec<Row>, f64, i64, String);

/// The two samples around the interval on screen, kept as the view moves.
struct Held {
    a: Option<(usize, Sample)>,
    b: Option<(usize, Sample)>,
}

impl Held {
    /// Samples `i - 1` and `i`, decoded where not already at hand.
    fn interval(&mut self, t: &mut Timeline, i: usize) -> Result<(&Sample, &Sample), String> {
        let mut take =
            |j: usize, a: &mut Option<(usize, Sample)>, b: &mut Option<(usize, Sample)>| {
                for held in [a, b] {
                    if held.as_ref().is_some_and(|(k, _)| *k == j) {
                        return held.take().map(|(_, s)| s).ok_or_else(String::new);
                    }
                }
                t.sample(j).map_err(|w| w.to_string())
            };
        let (mut a, mut b) = (self.a.take(), self.b.take());
        // The earlier one first: the decoder moves forward from it.
        let first = take(i - 1, &mut a, &mut b)?;
        let second = take(i, &mut a, &mut b)?;
        self.a = Some((i - 1, first));
        self.b = Some((i, second));
        match (&self.a, &self.b) {
            (Some((_, a)), Some((_, b))) => Ok((a, b)),
            _ => Err("no samples".into()),
        }
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
fn batch(args: &ReplayArgs, filter: &Filter) -> anyhow::Result<ExitCode> {
    let mut out = super::stdout();
    let n = args.iterations.unwrap_or(u64::MAX);
    let (cols, what) = columns(args.by);
    let shown = Shown {
        counts: counts_of(args.accumulated),
        only: args.only,
    };
    // With totals the range's first sample stays: every row counts from it.
    let mut first: Option<Sample> = None;
    let mut prev: Option<Sample> = None;
    let mut printed = 0u64;
    for_each_sample(&args.range, |time_ns, sections| {
        let now = Sample {
            time_ns,
            sections: sections.clone(),
        };
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
fn time_line(base: &Sample, now: &Sample, rows: usize, what: &str, counts: Counts) -> String {
    let secs = (now.time_ns - base.time_ns) as f64 / 1e9;
    let over = match counts {
        Counts::PerSecond => "the",
        Counts::Totals => "totals over the",
    };
    let lost = lost_exits(&now.sections)
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
    filter: &Filter,
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
    let mut held = Held { a: None, b: None };
    let mut first: Option<Sample> = None;
    let mut view: Option<(ViewKey, View)> = None;
    let n = timeline.len();
    loop {
        // Totals count from the range's first sample.
        let first = match shown.counts {
            Counts::Totals if first.is_none() => {
                first = timeline.sample(0).ok();
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
                    let lost = lost_exits(&b.sections)
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
    Ok(exit::code(exit::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same pid with a start time a second off is the same process;
    /// two seconds off, or another pid, is not.
    #[test]
    fn a_start_time_a_second_off_is_the_same_process() {
        let prev: BTreeMap<String, Value> = [
            ("105:1796545220".to_string(), Value::from(1)),
            ("7:100".to_string(), Value::from(2)),
        ]
        .into_iter()
        .collect();
        assert_eq!(earlier(&prev, "105:1796545220"), Some(&Value::from(1)));
        assert_eq!(earlier(&prev, "105:1796545221"), Some(&Value::from(1)));
        assert_eq!(earlier(&prev, "7:99"), Some(&Value::from(2)));
        assert_eq!(earlier(&prev, "7:102"), None);
        assert_eq!(earlier(&prev, "10:1796545220"), None);
        assert_eq!(earlier(&prev, "junk"), None);
    }
}
