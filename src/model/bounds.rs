//! Figures that cannot be true: the bounds the kernel's own code
//! guarantees every delay figure keeps, and the rule that a figure which
//! breaks one is shown as not measured, never as a fact.
//!
//! Why the bounds hold (kernel/delayacct.c, kernel/tsacct.c):
//! - A task adds a wait to a category when the wait ends
//!   (`delayacct_end`: `local_clock() - start`), and one task has one start
//!   stamp per category, so its waits of one category never overlap. Each
//!   lies inside the task's life, which `ac_etime` measures from the same
//!   start (`ktime_get_ns() - start_time`). So a task's total in a category,
//!   and its longest single wait, are at most its elapsed time. The run-queue
//!   wait (`sched_info.run_delay`) and the IRQ time charged to it keep the
//!   same bound.
//! - A thread-group record sums its threads, so its totals are at most the
//!   sum of their elapsed times. The group record's own `ac_etime` is that
//!   sum only where the kernel counts exited threads in it (the 2026
//!   "retain dead thread stats in TGID queries" fix): before it, `ac_etime`
//!   covers the live threads while the delays cover every thread, so no
//!   bound can be read from it ([`super::Accounting::tgid_counts_exited`]).
//! - Not a bound: "growth in an interval ≤ the interval × threads". A wait
//!   that began before an interval is added whole when it ends inside it,
//!   so a true figure can grow by more than the interval. What holds for an
//!   interval is the bound above at its end.
//!
//! The kernel breaks them when delay accounting is switched on while a task
//! is inside a wait whose start was not stamped (the switch was off when it
//! began): the wait is then measured from 0, and comes out as long as the
//! uptime, or from a stale stamp of an earlier wait, and comes out longer
//! than it was. Such a figure stays in the task's totals for its whole
//! life, so a consumer that follows a task keeps the category rejected
//! once it was ([`Rejected::keep`]).

use super::figures::{DelayView, Delays};
use super::notes::Note;
use crate::wire::{Category, PerCategory};

/// Which categories of a record were rejected.
pub type Rejected = PerCategory<bool>;

/// What the bound allows beyond the elapsed time: `ac_etime` is truncated
/// to whole microseconds per thread, and the two clocks (sched_clock for
/// waits, ktime for elapsed time) may run apart by NTP's frequency
/// correction, at most 500 ppm (MAXFREQ). 1 ms and 1000 ppm cover both
/// with room, and are far below what the fault adds (seconds to days).
const SLACK_NS: u64 = 1_000_000;
const SLACK_PER_MILLE: u64 = 1;

/// The longest any category of a record can hold, in ns: its elapsed time
/// with the slack above. `elapsed_us` is the record's `ac_etime` (for a
/// thread-group record, only where it covers every thread the delays do).
pub fn budget_ns(elapsed_us: u64) -> u64 {
    let ns = elapsed_us.saturating_mul(1000);
    ns.saturating_add(ns / 1000 * SLACK_PER_MILLE)
        .saturating_add(SLACK_NS)
}

/// Nulls every category whose total or longest wait is over `budget`
/// (ns), and says why in `notes` (when `explain`). Returns which were.
pub fn enforce(
    delays: &mut Delays,
    budget: u64,
    elapsed_us: u64,
    notes: Option<&mut Vec<Note>>,
) -> Rejected {
    let rejected = delays.map(|_, d| breaks(d, budget));
    if let Some(notes) = notes {
        for (c, _) in rejected.each().filter(|(_, r)| **r) {
            notes.push(note(c, &delays[c], budget, elapsed_us).into());
        }
    }
    for (c, d) in delays.each_mut() {
        if rejected[c] {
            *d = DelayView::default();
        }
    }
    rejected
}

/// Whether a thread-group record's delays go past its elapsed time, so that
/// whether they are possible depends on what that elapsed time covers
/// ([`super::Accounting::tgid_counts_exited`]): worth asking the kernel.
pub fn hinges_on_exited(s: &crate::wire::TaskStats) -> bool {
    let Some(us) = s.ac_etime else {
        return false;
    };
    let budget = budget_ns(us);
    s.delays
        .each()
        .any(|(_, d)| d.total_ns.is_some_and(|t| t > budget))
}

/// Whether any category was rejected.
pub fn any(r: &Rejected) -> bool {
    r.each().any(|(_, r)| *r)
}

fn breaks(d: &DelayView, budget: u64) -> bool {
    d.total_ns.is_some_and(|t| t > budget) || d.max_ns.is_some_and(|m| m > budget)
}

/// Starts every note on a rejected figure: tables print notes whole, and
/// consumers can find them by it.
pub const NOTE_PREFIX: &str = "not measured: delays.";

fn note(c: Category, d: &DelayView, budget: u64, elapsed_us: u64) -> String {
    let secs = |ns: u64| ns as f64 / 1e9;
    let (what, ns) = match (d.total_ns, d.max_ns) {
        (Some(t), _) if t > budget => ("a total", t),
        (_, Some(m)) => ("a single wait", m),
        (t, None) => ("a total", t.unwrap_or(0)),
    };
    format!(
        "{NOTE_PREFIX}{}: the kernel reported {what} of {:.3} s in {:.3} s of life",
        c.key(),
        secs(ns),
        elapsed_us as f64 / 1e6,
    )
}

/// A note for a category rejected earlier in a task's life: its total
/// still holds the impossible wait.
pub fn kept_note(c: Category) -> String {
    format!(
        "{NOTE_PREFIX}{}: an earlier figure broke the bound of this task's life",
        c.key()
    )
}

/// Keeps a task's categories rejected once they were: its totals hold the
/// impossible wait for the rest of its life, and would pass the bound again
/// once the task has lived longer than the wait, with a step that is not
/// true. Returns the categories rejected for the first time by `now`.
pub fn keep(
    before: &mut Rejected,
    now: Rejected,
    delays: &mut Delays,
    notes: Option<&mut Vec<Note>>,
) -> Rejected {
    let fresh = now.map(|c, r| *r && !before[c]);
    let mut notes = notes;
    for (c, d) in delays.each_mut() {
        if before[c] && !now[c] {
            *d = DelayView::default();
            if let Some(n) = notes.as_deref_mut() {
                n.push(kept_note(c).into());
            }
        }
        before[c] |= now[c];
    }
    fresh
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(c: Category, total: u64, max: Option<u64>) -> Delays {
        let mut d = Delays::default();
        d[c] = DelayView {
            count: Some(1),
            total_ns: Some(total),
            average_ns: Some(total),
            max_ns: max,
            min_ns: max,
            max_at: None,
        };
        d
    }

    #[test]
    fn a_total_up_to_the_life_and_its_slack_is_kept() {
        let life_us = 2_000_000;
        let b = budget_ns(life_us);
        assert_eq!(b, 2_000_000_000 + 2_000_000 + 1_000_000);
        let mut d = with(Category::Blkio, b, Some(b));
        let mut notes = Vec::new();
        assert!(!enforce(&mut d, b, life_us, Some(&mut notes))[Category::Blkio]);
        assert_eq!(d[Category::Blkio].total_ns, Some(b));
        assert!(notes.is_empty());
    }

    #[test]
    fn a_total_longer_than_the_life_is_not_measured() {
        // A 2 ms `rm` with 1,992 s of block-I/O wait.
        let life_us = 2_000;
        let mut d = with(Category::Blkio, 1_992_000_000_000, None);
        d[Category::Cpu] = with(Category::Cpu, 1_000_000, Some(1_000_000))[Category::Cpu].clone();
        let mut notes = Vec::new();
        let r = enforce(&mut d, budget_ns(life_us), life_us, Some(&mut notes));
        assert!(r[Category::Blkio] && !r[Category::Cpu]);
        assert!(d[Category::Blkio].is_null());
        assert_eq!(d[Category::Cpu].total_ns, Some(1_000_000));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with(
            "not measured: delays.blkio: the kernel reported a total of 1992.000 s in 0.002 s"
        ));
    }

    #[test]
    fn a_single_wait_longer_than_the_life_is_not_measured() {
        let life_us = 1_000_000;
        // A total within the life, but its max is the uptime: a stale stamp.
        let mut d = with(Category::Swapin, 500_000_000, Some(86_400_000_000_000));
        let mut notes = Vec::new();
        let r = enforce(&mut d, budget_ns(life_us), life_us, Some(&mut notes));
        assert!(r[Category::Swapin]);
        assert!(notes[0].contains("a single wait of 86400.000 s"));
    }

    #[test]
    fn a_group_of_many_threads_all_waiting_is_kept() {
        // 64 threads of 10 s each, each waiting 99 % of its life: the group
        // record's elapsed time is the sum of theirs.
        let group_elapsed_us = 64 * 10_000_000;
        let total = 64 * 9_900_000_000;
        let mut d = with(Category::Cpu, total, None);
        let r = enforce(&mut d, budget_ns(group_elapsed_us), group_elapsed_us, None);
        assert!(!r[Category::Cpu]);
    }

    #[test]
    fn a_rejected_category_stays_rejected_for_the_tasks_life() {
        let mut before = Rejected::default();
        let mut d = with(Category::Blkio, 5, None);
        let mut r = Rejected::default();
        r[Category::Blkio] = true;
        let fresh = keep(&mut before, r, &mut d, None);
        assert!(fresh[Category::Blkio]);
        // Later the task has lived longer than the wait: the bound holds
        // again, and the figure is still not shown.
        let mut d = with(Category::Blkio, 5, None);
        let mut notes = Vec::new();
        let fresh = keep(&mut before, Rejected::default(), &mut d, Some(&mut notes));
        assert!(!fresh[Category::Blkio]);
        assert!(d[Category::Blkio].is_null());
        assert!(notes[0].starts_with(NOTE_PREFIX));
    }
}
