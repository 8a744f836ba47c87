//! The state of replay's full-screen view: which interval of the stored
//! history is on screen and how, the time being typed at `g`, and what
//! each key does to them. [`super::view`] is the same for `top`.

use super::stored::{Held, Shown, rows};
use super::view::{Then, counts_key, switched};
use crate::cli::By;
use crate::history::filter::Filter;
use crate::history::reader::{describe_lost, sample_at};
use crate::history::sample::StoredSample;
use crate::model::top::{Counts, Row, TopSort};
use crate::store::Timeline;
use crate::time::local_time;
use crate::tui::{Action, Edit, Input};

/// What an interval's rows depend on: its end, the sort and the mode.
type Key = (usize, TopSort, Shown);

/// One interval as the screen shows it.
pub struct Interval {
    pub rows: Vec<Row>,
    /// The seconds the figures are over (since the range's first sample,
    /// with totals).
    pub secs: f64,
    pub end_ns: i64,
    /// What the interval lost, or why it could not be read: ` · why`.
    lost: String,
}

/// Where replay is in the history, and what it shows there.
pub struct ReplayView {
    timeline: Timeline,
    by: By,
    pub sort: TopSort,
    pub shown: Shown,
    /// The interval on screen ends at sample `i`, from 1.
    i: usize,
    /// The time typed at `g` so far.
    typing: Option<String>,
    /// Said after the position until the next key: ` · what`.
    note: String,
    held: Held,
    /// With totals, the range's first sample: every row counts from it.
    first: Option<StoredSample>,
    on_screen: Interval,
    /// What `on_screen` was worked out for.
    worked_out: Key,
}

/// An interval's lost exits, as a line about it ends: ` · what`, or
/// nothing when none were lost.
pub fn lost_note(s: &StoredSample) -> String {
    s.lost
        .as_ref()
        .map(|l| format!(" · {}", describe_lost(l)))
        .unwrap_or_default()
}

impl ReplayView {
    /// At the first interval of `timeline`, which holds two samples or more.
    pub fn new(timeline: Timeline, by: By, sort: TopSort, shown: Shown) -> Self {
        ReplayView {
            timeline,
            by,
            sort,
            shown,
            i: 1,
            typing: None,
            note: String::new(),
            held: Held::default(),
            first: None,
            on_screen: Interval {
                rows: Vec::new(),
                secs: 0.0,
                end_ns: 0,
                lost: String::new(),
            },
            // No interval ends at sample 0: nothing is worked out yet.
            worked_out: (0, sort, shown),
        }
    }

    /// Works out the interval on screen where what its rows depend on
    /// changed since: not for each key typed at `g`.
    pub fn update(&mut self, filter: &Filter) {
        let first = match self.shown.counts {
            Counts::Totals if self.first.is_none() => {
                self.first = sample_at(&mut self.timeline, 0, &mut self.held.skipped).ok();
                self.first.as_ref()
            }
            Counts::Totals => self.first.as_ref(),
            Counts::PerSecond => None,
        };
        let key = (self.i, self.sort, self.shown);
        if self.worked_out != key {
            self.on_screen = match self.held.interval(&mut self.timeline, self.i) {
                Ok((a, b)) => {
                    let base = first.unwrap_or(a);
                    Interval {
                        rows: rows(base, b, self.by, filter, self.shown, self.sort),
                        secs: (b.time_ns - base.time_ns) as f64 / 1e9,
                        end_ns: b.time_ns,
                        lost: lost_note(b),
                    }
                }
                Err(why) => Interval {
                    rows: Vec::new(),
                    secs: 0.0,
                    end_ns: self.timeline.time_ns(self.i).unwrap_or(0),
                    lost: format!(" · {why}"),
                },
            };
            self.worked_out = key;
        }
        if self.note.is_empty() {
            self.note.clone_from(&self.on_screen.lost);
        }
    }

    /// The interval on screen, as [`ReplayView::update`] left it.
    pub fn on_screen(&self) -> &Interval {
        &self.on_screen
    }

    /// The time typed at `g` so far, while it is being typed.
    pub fn typing(&self) -> Option<&str> {
        self.typing.as_deref()
    }

    /// Where the screen is: the interval's end, which sample of how many,
    /// and the note.
    pub fn position(&self) -> String {
        format!(
            "{} · sample {} of {}{}",
            local_time(self.on_screen.end_ns),
            self.i + 1,
            self.timeline.len(),
            self.note
        )
    }

    /// What the header says is in force.
    pub fn filters(&self) -> String {
        let mut filters = Vec::new();
        if self.shown.only {
            filters.push("only active".to_string());
        }
        if self.shown.counts == Counts::Totals {
            filters.push(format!(
                "totals since {}",
                local_time(self.timeline.time_ns(0).unwrap_or(0))
            ));
        }
        filters.join(", ")
    }

    /// The keys that work here, for the footer (no H: the store keeps no
    /// threads).
    pub fn keys(&self) -> [(&'static str, &'static str); 5] {
        [
            ("←/T", "previous"),
            ("→/t", "next"),
            ("g", "go to a time"),
            (
                "o",
                if self.shown.only {
                    "all rows"
                } else {
                    "only active"
                },
            ),
            counts_key(self.shown.counts),
        ]
    }

    /// What a key does here. Only a key pressed changes anything, and it
    /// clears the note.
    pub fn apply(&mut self, input: Input) -> Then {
        if input == Input::Other {
            return Then::Redraw;
        }
        self.note.clear();
        match input {
            Input::Edit(e) => self.edit(e),
            Input::Action(Action::Quit) => return Then::Quit,
            Input::Action(Action::Next) => {
                if self.i + 1 < self.timeline.len() {
                    self.i += 1;
                } else {
                    self.note = " · the last sample".into();
                }
            }
            Input::Action(Action::Previous) => {
                if self.i > 1 {
                    self.i -= 1;
                } else {
                    self.note = " · the first interval".into();
                }
            }
            Input::Action(Action::GoTo) => self.typing = Some(String::new()),
            Input::Action(Action::OnlyActive) => self.shown.only = !self.shown.only,
            Input::Action(Action::Accumulated) => self.shown.counts = switched(self.shown.counts),
            Input::Action(Action::Sort(s)) => self.sort = s,
            // No threads in the store.
            Input::Action(Action::Threads) | Input::Unbound | Input::Other => {}
        }
        Then::Redraw
    }

    /// A key typed into the time asked for at `g`: Enter goes there.
    fn edit(&mut self, e: Edit) {
        let Some(t) = self.typing.as_mut() else {
            return;
        };
        match e {
            Edit::Enter => {
                match crate::time::parse_now(t) {
                    Ok(ts) => {
                        let ns = i64::try_from(ts.as_nanosecond()).unwrap_or(i64::MAX);
                        self.i = self.timeline.at_or_after(ns).max(1);
                    }
                    Err(e) => self.note = format!(" · {e}"),
                }
                self.typing = None;
            }
            Edit::Cancel => self.typing = None,
            Edit::Backspace => {
                t.pop();
            }
            Edit::Char(c) => t.push(c),
        }
    }

    /// What could not be read of the store, said once the screen is closed.
    pub fn warning(&self) -> Option<String> {
        self.held.skipped.warning()
    }
}
