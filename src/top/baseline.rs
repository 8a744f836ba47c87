//! What a top view's rows are computed against: the previous sample, or
//! the first one (`-a`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::grouper::Grouper;
use super::live::LiveSample;
use crate::cli::By;
use crate::filter::TaskFilter;
use crate::host::pressure;
use crate::model::pressure::GroupPressure;
use crate::model::top::{self, Counts, GroupDetails, Row, TopSort};
use crate::model::{Accounting, RecordView};
use crate::wire::Group;

/// What rows are computed against: the previous sample (rates), or, for
/// `-a`, each task's first sample and when top started.
pub struct Baseline {
    pub counts: Counts,
    pub started: Instant,
    first: HashMap<u32, RecordView>,
    /// With --by cgroup: each group's pressure at the start of the coming
    /// interval (with -a, when it was first seen).
    stall_since: HashMap<String, GroupPressure>,
    pub grouper: Option<Grouper>,
}

impl Baseline {
    /// The baseline of a view that starts at `first`; with `--by`, one
    /// that sums processes per key, exits included.
    pub fn open(
        counts: Counts,
        by: By,
        acct: Accounting,
        timeout: Duration,
        first: &LiveSample,
    ) -> anyhow::Result<Baseline> {
        let mut baseline = Baseline::new(counts, first);
        if by != By::Task {
            baseline.grouper = Some(Grouper::open(by, acct, timeout, first)?);
        }
        Ok(baseline)
    }

    pub fn new(counts: Counts, first: &LiveSample) -> Baseline {
        Baseline {
            counts,
            started: first.at,
            // Rates need only the previous sample; totals need the first.
            first: match counts {
                Counts::Totals => first.records.clone(),
                Counts::PerSecond => HashMap::new(),
            },
            stall_since: first.pressure.clone(),
            grouper: None,
        }
    }

    pub fn rows(
        &mut self,
        prev: &LiveSample,
        cur: &LiveSample,
        sel: &TaskFilter,
        sort: TopSort,
        only: bool,
    ) -> anyhow::Result<Vec<Row>> {
        if let Some(g) = self.grouper.as_mut() {
            let interval = g.tally(cur, sel)?;
            let (tallies, secs) = match self.counts {
                Counts::PerSecond => (interval, cur.at.duration_since(prev.at).as_secs_f64()),
                Counts::Totals => {
                    for (k, t) in interval {
                        let e = g.total.entry(k).or_default();
                        e.tasks = t.tasks;
                        e.sums = e.sums.plus(&t.sums);
                    }
                    (
                        g.total.clone(),
                        cur.at.duration_since(self.started).as_secs_f64(),
                    )
                }
            };
            let on = g.acct.delayacct != Some(false);
            let mut rows = top::grouped(&tallies, secs, self.counts, |grp| {
                grp == Group::RunQueue || on
            });
            if g.by == By::Cgroup {
                let mut after = cur.pressure.clone();
                // A group whose processes all lived less than an interval
                // had none in the sample: its pressure is read now, so that
                // from its next row on it has a share.
                for r in &rows {
                    if !after.contains_key(&r.comm) {
                        after.extend(pressure::of_groups(g.cgroup2.as_deref(), [&*r.comm]));
                    }
                }
                for r in &mut rows {
                    let (b, a) = (self.stall_since.get(&r.comm), after.get(&r.comm));
                    r.group = Some(GroupDetails::of(&r.comm, b, a, secs));
                }
                match self.counts {
                    Counts::PerSecond => self.stall_since = after,
                    Counts::Totals => {
                        for (k, p) in after {
                            self.stall_since.entry(k).or_insert(p);
                        }
                    }
                }
            }
            if only {
                rows.retain(Row::active);
            }
            sort.sort(&mut rows);
            return Ok(rows);
        }
        let mut rows = match self.counts {
            Counts::PerSecond => top::rows(
                &prev.records,
                &cur.records,
                &cur.comms,
                cur.at.duration_since(prev.at).as_secs_f64(),
                Counts::PerSecond,
            ),
            Counts::Totals => {
                // A task that appeared since is counted from when it was first seen.
                for (id, v) in &prev.records {
                    self.first.entry(*id).or_insert_with(|| v.clone());
                }
                top::rows(
                    &self.first,
                    &cur.records,
                    &cur.comms,
                    cur.at.duration_since(self.started).as_secs_f64(),
                    Counts::Totals,
                )
            }
        };
        if only {
            rows.retain(Row::active);
        }
        sort.sort(&mut rows);
        Ok(rows)
    }
}
