//! The state of replay's full-screen view: which interval of the stored
//! history is on screen and how, the time being typed at `g`, and what
//! each key does to them. [`super::view`] is the same for `top`.

use super::stored::{Held, Shown, rows};
use super::view::{Then, counts_key, switched};
use crate::cli::By;
use crate::filter::TaskFilter;
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
    pub fn update(&mut self, filter: &TaskFilter) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::StoredFilter;
    use crate::store::Reader;

    fn view(shown: Shown) -> ReplayView {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v2");
        let store = Reader::open(dir).expect("the fixture store");
        let timeline = store.timeline(..);
        assert!(timeline.len() > 3, "{}", timeline.len());
        ReplayView::new(timeline, By::Task, TopSort::Runq, shown)
    }

    fn everything() -> TaskFilter {
        TaskFilter::stored(&StoredFilter {
            pids: Vec::new(),
            users: Vec::new(),
            comm: None,
            cgroup: None,
        })
        .expect("no filter")
    }

    fn press(v: &mut ReplayView, filter: &TaskFilter, inputs: &[Input]) {
        for &i in inputs {
            assert_eq!(v.apply(i), Then::Redraw, "{i:?}");
            v.update(filter);
        }
    }

    fn typed(text: &str) -> Vec<Input> {
        let mut keys = vec![Input::Action(Action::GoTo)];
        keys.extend(text.chars().map(|c| Input::Edit(Edit::Char(c))));
        keys.push(Input::Edit(Edit::Enter));
        keys
    }

    /// The view stops at both ends and says so until the next key; a time
    /// typed at g goes to the interval ending at or after it, and a bad
    /// one is said, not gone to.
    #[test]
    fn moves_through_the_history_and_says_where_it_stops() {
        let filter = everything();
        let shown = Shown {
            counts: Counts::PerSecond,
            only: false,
        };
        let mut v = view(shown);
        let n = v.timeline.len();
        v.update(&filter);
        assert!(
            v.position().ends_with(&format!(" · sample 2 of {n}")),
            "{}",
            v.position()
        );
        press(&mut v, &filter, &[Input::Action(Action::Previous)]);
        assert!(
            v.position()
                .ends_with(&format!(" · sample 2 of {n} · the first interval")),
            "{}",
            v.position()
        );
        press(&mut v, &filter, &[Input::Unbound]);
        assert!(
            v.position().ends_with(&format!(" · sample 2 of {n}")),
            "{}",
            v.position()
        );

        let next = vec![Input::Action(Action::Next); n];
        press(&mut v, &filter, &next);
        assert!(
            v.position()
                .ends_with(&format!(" · sample {n} of {n} · the last sample")),
            "{}",
            v.position()
        );
        let end = v.timeline.time_ns(n - 1).expect("the last sample's time");
        assert_eq!(v.on_screen().end_ns, end);

        let third = v.timeline.time_ns(2).expect("a third sample") / 1_000_000_000;
        press(&mut v, &filter, &typed(&format!("@{third}")));
        assert_eq!(v.typing(), None);
        assert!(
            v.position().ends_with(&format!(" · sample 3 of {n}")),
            "{}",
            v.position()
        );

        // Before the range: its first interval.
        press(&mut v, &filter, &typed("@0"));
        assert!(
            v.position().ends_with(&format!(" · sample 2 of {n}")),
            "{}",
            v.position()
        );

        press(&mut v, &filter, &typed("noonish"));
        assert!(v.position().contains(" · sample 2 of "), "{}", v.position());
        assert!(
            v.position().contains("\"noonish\" is not a time"),
            "{}",
            v.position()
        );

        // Esc drops what was typed; Backspace takes a character back.
        press(
            &mut v,
            &filter,
            &[
                Input::Action(Action::GoTo),
                Input::Edit(Edit::Char('x')),
                Input::Edit(Edit::Char('y')),
                Input::Edit(Edit::Backspace),
            ],
        );
        assert_eq!(v.typing(), Some("x"));
        press(&mut v, &filter, &[Input::Edit(Edit::Cancel)]);
        assert_eq!(v.typing(), None);
        assert!(
            v.position().ends_with(&format!(" · sample 2 of {n}")),
            "{}",
            v.position()
        );
        assert_eq!(v.apply(Input::Action(Action::Quit)), Then::Quit);
    }

    /// `a` and `o` change what the header and the footer say; totals
    /// count from the range's first sample.
    #[test]
    fn totals_count_from_the_first_sample() {
        let filter = everything();
        let mut v = view(Shown {
            counts: Counts::PerSecond,
            only: false,
        });
        v.update(&filter);
        assert_eq!(v.filters(), "");
        assert_eq!(v.keys()[3..], [("o", "only active"), ("a", "totals")]);
        let step = v.on_screen().secs;
        assert!(step > 0.0, "{step}");
        press(
            &mut v,
            &filter,
            &[
                Input::Action(Action::Next),
                Input::Action(Action::Accumulated),
                Input::Action(Action::OnlyActive),
            ],
        );
        assert!(
            v.filters().starts_with("only active, totals since "),
            "{}",
            v.filters()
        );
        assert_eq!(v.keys()[3..], [("o", "all rows"), ("a", "rates")]);
        let span = v.timeline.time_ns(2).expect("a third sample")
            - v.timeline.time_ns(0).expect("a first sample");
        assert_eq!(v.on_screen().secs, span as f64 / 1e9);
        press(&mut v, &filter, &[Input::Action(Action::Accumulated)]);
        assert_eq!(v.filters(), "only active");
    }
}
