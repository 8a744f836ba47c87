//! The state of top's full-screen view between refreshes, and what each
//! key does to it.

use std::time::Duration;

use super::baseline::Baseline;
use super::live::{LiveSample, Sampler};
use crate::cli::By;
use crate::model::top::{Counts, Row, TopSort};
use crate::tui::Action;

/// What the screen shows, and the samples it is computed from.
pub struct LiveView {
    pub sort: TopSort,
    pub threads: bool,
    pub only: bool,
    pub baseline: Baseline,
    /// The sample the next interval starts at.
    pub prev: LiveSample,
    pub rows: Vec<Row>,
    pub status: String,
    pub refreshes: u64,
}

/// What an action needs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    Quit,
    /// Threads instead of processes, or back, or rates instead of totals:
    /// a new first sample.
    Resample,
    /// The rows already there, sorted or filtered anew: draw them.
    Redraw,
    /// Nothing top offers: keep waiting.
    Wait,
}

/// Totals instead of rates, or back: what `a` does in both views.
pub fn switched(counts: Counts) -> Counts {
    match counts {
        Counts::PerSecond => Counts::Totals,
        Counts::Totals => Counts::PerSecond,
    }
}

/// The footer's `a` in both views: what it switches to.
pub fn counts_key(counts: Counts) -> (&'static str, &'static str) {
    let to = match counts {
        Counts::PerSecond => "totals",
        Counts::Totals => "rates",
    };
    ("a", to)
}

/// The first two column titles of both views, and what the rows are, in
/// words.
pub fn columns(by: By, threads: bool) -> ([&'static str; 2], &'static str) {
    match (by, threads) {
        (By::Task, false) => (["PID", "COMMAND"], "processes"),
        (By::Task, true) => (["TID", "COMMAND"], "threads"),
        (By::Cgroup, _) => (["TASKS", "CGROUP"], "cgroups"),
        (By::User, _) => (["TASKS", "USER"], "users"),
        (By::Comm, _) => (["TASKS", "COMMAND"], "commands"),
    }
}

impl LiveView {
    pub fn new(
        sort: TopSort,
        threads: bool,
        only: bool,
        baseline: Baseline,
        first: LiveSample,
    ) -> Self {
        LiveView {
            sort,
            threads,
            only,
            baseline,
            prev: first,
            rows: Vec::new(),
            status: String::from("first sample; rates appear after one interval"),
            refreshes: 0,
        }
    }

    pub fn apply(&mut self, action: Action) -> Then {
        match action {
            Action::Quit => Then::Quit,
            Action::Threads => {
                self.threads = !self.threads;
                Then::Resample
            }
            Action::Accumulated => {
                self.baseline.counts = switched(self.baseline.counts);
                Then::Resample
            }
            Action::OnlyActive => {
                self.only = !self.only;
                if self.only {
                    self.rows.retain(Row::active);
                }
                self.status = if self.only {
                    "only active tasks".into()
                } else {
                    "all tasks from the next refresh".into()
                };
                Then::Redraw
            }
            Action::Sort(s) => {
                self.sort = s;
                self.sort.sort(&mut self.rows);
                self.status = format!("sorted by {}", self.sort.name());
                Then::Redraw
            }
            Action::Next | Action::Previous | Action::GoTo => Then::Wait,
        }
    }

    /// The keys that work here, for the footer.
    pub fn keys(&self) -> [(&'static str, &'static str); 3] {
        [
            (
                "o",
                if self.only {
                    "all tasks"
                } else {
                    "only active"
                },
            ),
            counts_key(self.baseline.counts),
            ("H", if self.threads { "processes" } else { "threads" }),
        ]
    }

    /// Starts over from a new first sample (the grouper, and the exits it
    /// listens to, carry on).
    pub fn resample(&mut self, sampler: &mut Sampler) -> anyhow::Result<()> {
        self.prev = sampler.sample(self.threads, true)?;
        let grouper = self.baseline.grouper.take();
        self.baseline = Baseline::new(self.baseline.counts, &self.prev);
        self.baseline.grouper = grouper;
        self.rows.clear();
        self.status = String::from("switched view; rates appear after one interval");
        Ok(())
    }

    /// The rows of the interval from the last sample to a new one.
    pub fn refresh(&mut self, sampler: &mut Sampler) -> anyhow::Result<()> {
        let cur = sampler.sample(self.threads, true)?;
        self.rows = self
            .baseline
            .rows(&self.prev, &cur, &sampler.filter, self.sort, self.only)?;
        self.prev = cur;
        self.refreshes += 1;
        self.status = format!("refresh {}", self.refreshes);
        Ok(())
    }

    /// When the next refresh is due.
    pub fn due(&self, period: Duration) -> std::time::Instant {
        self.prev.at + period
    }
}
