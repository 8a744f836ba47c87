//! The model of `taskstat top`: records of the same tasks at two moments
//! become rows of rates, ranked by any column.

use std::collections::HashMap;

use super::RecordView;
use super::pressure::{GroupPressure, StallShares};
use super::workload::WorkloadNames;
use crate::wire::{Category, Group};

/// One task's rates over a refresh interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: u32,
    pub comm: String,
    /// CPU time over wall time, %.
    pub cpu: Option<f64>,
    /// Run-queue wait over wall time, %.
    pub runq: Option<f64>,
    /// Block I/O wait, %.
    pub io: Option<f64>,
    /// Swap-in, reclaim, thrashing, compaction and copy-on-write waits, %.
    pub mem: Option<f64>,
    /// IRQ (and soft-IRQ) time charged, %.
    pub irq: Option<f64>,
    pub switches: Option<f64>,
    pub read: Option<f64>,
    pub write: Option<f64>,
    /// With `--by cgroup`: the group's names and pressure.
    pub group: Option<GroupDetails>,
}

/// What a `--by cgroup` row shows besides its tasks' figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupDetails {
    pub names: WorkloadNames,
    /// The share of the interval some task of the group was stalled, per
    /// resource, from the group's own pressure files.
    pub stalled: StallShares,
}

impl GroupDetails {
    /// The details of the group at `path`, from its pressure at the start
    /// and at the end of `secs` (missing where the group keeps none).
    pub fn of(
        path: &str,
        before: Option<&GroupPressure>,
        after: Option<&GroupPressure>,
        secs: f64,
    ) -> GroupDetails {
        let stalled = match (before, after) {
            (Some(b), Some(a)) => StallShares::between(b, a, secs),
            _ => StallShares::default(),
        };
        GroupDetails {
            names: WorkloadNames::of(path),
            stalled,
        }
    }
}

impl Row {
    /// Whether the task did anything: ran, waited or did I/O (`top -o`).
    pub fn active(&self) -> bool {
        [
            self.cpu, self.runq, self.io, self.mem, self.irq, self.read, self.write,
        ]
        .iter()
        .any(|v| v.is_some_and(|v| v > 0.0))
    }
}

/// Columns a top view sorts by, and the sort words of every command:
/// `top -s`, `replay -s` and `threads --sort` (which adds single delay
/// categories, [`SortKey`](super::sort::SortKey)) give a word one meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopSort {
    Runq,
    Cpu,
    Io,
    Mem,
    Irq,
    Switches,
    Read,
    Write,
    Pid,
}

/// How a column is named and what it orders by.
struct Words {
    /// The sort word, in every command.
    word: &'static str,
    /// Other spellings, accepted and not listed.
    aliases: &'static [&'static str],
    /// The key that selects it in the full-screen views.
    key: char,
    /// The delay categories it sums, if it is a wait.
    wait: Option<Group>,
    /// What it orders by, for help texts that list each word's meaning.
    about: Option<&'static str>,
}

/// In [`TopSort::ALL`]'s order.
const WORDS: [Words; 9] = [
    Words {
        word: "runq",
        aliases: &[],
        key: 'r',
        wait: Some(Group::RunQueue),
        about: Some("Run-queue wait (delays.cpu)"),
    },
    Words {
        word: "cpu",
        // threads' word for it before `cpu` meant the same everywhere.
        aliases: &["cpu-time"],
        key: 'c',
        wait: None,
        about: Some("CPU time (cpu.run_virtual_ns)"),
    },
    Words {
        word: "io",
        // Its one category's key.
        aliases: &["blkio"],
        key: 'i',
        wait: Some(Group::Io),
        about: Some("Block I/O wait (delays.blkio)"),
    },
    Words {
        word: "mem",
        aliases: &[],
        key: 'm',
        wait: Some(Group::Memory),
        about: Some("Memory waits: swap-in, reclaim, thrashing, compaction, copy-on-write"),
    },
    Words {
        word: "irq",
        aliases: &[],
        key: 'n',
        wait: Some(Group::Irq),
        about: Some("IRQ and soft-IRQ time charged (delays.irq and delays.softirq)"),
    },
    Words {
        word: "switches",
        aliases: &[],
        key: 's',
        wait: None,
        about: Some("Voluntary plus involuntary context switches"),
    },
    Words {
        word: "read",
        aliases: &[],
        key: 'd',
        wait: None,
        about: None,
    },
    Words {
        word: "write",
        aliases: &[],
        key: 'w',
        wait: None,
        about: None,
    },
    Words {
        word: "pid",
        aliases: &["tid"],
        key: 'p',
        wait: None,
        about: None,
    },
];

impl TopSort {
    pub const ALL: [TopSort; 9] = [
        TopSort::Runq,
        TopSort::Cpu,
        TopSort::Io,
        TopSort::Mem,
        TopSort::Irq,
        TopSort::Switches,
        TopSort::Read,
        TopSort::Write,
        TopSort::Pid,
    ];

    fn words(self) -> &'static Words {
        &WORDS[self as usize]
    }

    /// The key that selects it in the interactive view.
    pub fn key(self) -> char {
        self.words().key
    }

    /// Its sort word.
    pub fn name(self) -> &'static str {
        self.words().word
    }

    /// Spellings accepted besides [`name`](Self::name).
    pub fn aliases(self) -> &'static [&'static str] {
        self.words().aliases
    }

    /// The delay categories it sums, if it is a wait.
    pub fn wait(self) -> Option<Group> {
        self.words().wait
    }

    /// What it orders by, in words.
    pub fn about(self) -> Option<&'static str> {
        self.words().about
    }

    fn value(self, r: &Row) -> f64 {
        let v = match self {
            TopSort::Runq => r.runq,
            TopSort::Cpu => r.cpu,
            TopSort::Io => r.io,
            TopSort::Mem => r.mem,
            TopSort::Irq => r.irq,
            TopSort::Switches => r.switches,
            TopSort::Read => r.read,
            TopSort::Write => r.write,
            TopSort::Pid => Some(-f64::from(r.id)),
        };
        v.unwrap_or(f64::NEG_INFINITY)
    }

    /// Largest first (pid: smallest first); ties by pid, then (grouped
    /// rows, whose id is a count of tasks) by key, so that equal rows come
    /// in the same order every time and not in a hash map's.
    pub fn sort(self, rows: &mut [Row]) {
        rows.sort_unstable_by(|a, b| {
            self.value(b)
                .total_cmp(&self.value(a))
                .then(a.id.cmp(&b.id))
                .then_with(|| a.comm.cmp(&b.comm))
        });
    }
}

/// `top -s` and `replay -s`: the columns' words, the default explained.
impl clap::ValueEnum for TopSort {
    fn value_variants<'a>() -> &'a [Self] {
        &TopSort::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let v = clap::builder::PossibleValue::new(self.name()).aliases(self.aliases());
        Some(match self {
            TopSort::Runq => v.help("Run-queue wait (the default: who waits for a CPU)"),
            _ => v,
        })
    }
}

fn diff(a: Option<u64>, b: Option<u64>) -> Option<f64> {
    Some(b?.checked_sub(a?)? as f64)
}

fn share(ns: Option<f64>, secs: f64) -> Option<f64> {
    ns.map(|v| v / 1e9 / secs * 100.0)
}

/// The wait of one group of categories over an interval: the sum of the
/// categories the kernel measured, null when it measured none of them.
fn group_wait(a: &RecordView, b: &RecordView, g: Group) -> Option<f64> {
    Category::ALL
        .iter()
        .filter(|c| c.group() == g)
        .filter_map(|&c| diff(a.delays[c].total_ns, b.delays[c].total_ns))
        .reduce(|x, y| x + y)
}

/// What the counts of a row are: per second over the interval, or totals
/// since a baseline (`top -a`). Shares of time are shares either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counts {
    PerSecond,
    Totals,
}

impl Counts {
    /// What `-a` asks for.
    pub fn of(accumulated: bool) -> Counts {
        if accumulated {
            Counts::Totals
        } else {
            Counts::PerSecond
        }
    }
}

/// A row for every task present in both samples: `prev` is the earlier
/// sample (or the baseline), `secs` the time between them.
pub fn rows(
    prev: &HashMap<u32, RecordView>,
    cur: &HashMap<u32, RecordView>,
    comms: &HashMap<u32, String>,
    secs: f64,
    counts: Counts,
) -> Vec<Row> {
    let secs = secs.max(1e-9);
    let per = match counts {
        Counts::PerSecond => secs,
        Counts::Totals => 1.0,
    };
    cur.iter()
        .filter_map(|(id, b)| {
            let a = prev.get(id)?;
            let switches = match (
                diff(a.context_switches.voluntary, b.context_switches.voluntary),
                diff(
                    a.context_switches.involuntary,
                    b.context_switches.involuntary,
                ),
            ) {
                (Some(v), Some(i)) => Some((v + i) / per),
                _ => None,
            };
            let wait = |g| share(group_wait(a, b, g), secs);
            Some(Row {
                id: *id,
                comm: comms
                    .get(id)
                    .cloned()
                    .or_else(|| b.comm.clone())
                    .unwrap_or_default(),
                cpu: share(diff(a.cpu.run_virtual_ns, b.cpu.run_virtual_ns), secs),
                runq: wait(Group::RunQueue),
                io: wait(Group::Io),
                mem: wait(Group::Memory),
                irq: wait(Group::Irq),
                switches,
                read: diff(a.io.read_bytes, b.io.read_bytes).map(|v| v / per),
                write: diff(a.io.write_bytes, b.io.write_bytes).map(|v| v / per),
                group: None,
            })
        })
        .collect()
}

/// What happened in a group of tasks over an interval: sums of counter
/// differences (see [`Counters`](super::fleet::Counters)).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub tasks: u32,
    pub sums: super::fleet::Counters,
}

/// One row per key (a cgroup, a user, a name): each key's tally over `secs`.
/// `measured` says which delay groups the kernel measures (the others are
/// null, not 0).
pub fn grouped(
    tallies: &HashMap<String, Tally>,
    secs: f64,
    counts: Counts,
    measured: impl Fn(Group) -> bool,
) -> Vec<Row> {
    let secs = secs.max(1e-9);
    let per = match counts {
        Counts::PerSecond => secs,
        Counts::Totals => 1.0,
    };
    let pct = |ns: u64| ns as f64 / 1e9 / secs * 100.0;
    tallies
        .iter()
        .map(|(key, t)| {
            let c = &t.sums;
            let wait = |g: Group| {
                measured(g).then(|| {
                    pct(Category::ALL
                        .iter()
                        .filter(|k| k.group() == g)
                        .map(|&k| c.delays[k].1)
                        .sum())
                })
            };
            Row {
                id: t.tasks,
                comm: key.clone(),
                cpu: Some(pct(c.cpu_ns)),
                runq: wait(Group::RunQueue),
                io: wait(Group::Io),
                mem: wait(Group::Memory),
                irq: wait(Group::Irq),
                switches: Some((c.voluntary + c.involuntary) as f64 / per),
                read: Some(c.read_bytes as f64 / per),
                write: Some(c.write_bytes as f64 / per),
                group: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, runq: Option<f64>, cpu: Option<f64>) -> Row {
        Row {
            id,
            comm: String::new(),
            cpu,
            runq,
            io: None,
            mem: None,
            irq: None,
            switches: None,
            read: None,
            write: None,
            group: None,
        }
    }

    #[test]
    fn sorting() {
        let mut rows = vec![
            row(3, Some(1.0), Some(9.0)),
            row(1, None, Some(5.0)),
            row(2, Some(7.0), None),
        ];
        TopSort::Runq.sort(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![2, 3, 1]);
        TopSort::Cpu.sort(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 1, 2]);
        TopSort::Pid.sort(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(rows[0].active());
        // Grouped rows of one task each, all alike: by key.
        let mut grouped: Vec<Row> = ["b", "c", "a"]
            .iter()
            .map(|k| Row {
                comm: k.to_string(),
                ..row(1, Some(0.0), None)
            })
            .collect();
        TopSort::Cpu.sort(&mut grouped);
        let keys: Vec<&str> = grouped.iter().map(|r| r.comm.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(!row(4, Some(0.0), None).active());
        let keys: std::collections::HashSet<char> = TopSort::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), TopSort::ALL.len());
    }

    /// Each column's words are its own: the table is in ALL's order and no
    /// spelling names two columns.
    #[test]
    fn each_word_names_one_column() {
        let mut seen = std::collections::HashSet::new();
        for (i, s) in TopSort::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i);
            for w in std::iter::once(s.name()).chain(s.aliases().iter().copied()) {
                assert!(seen.insert(w), "{w} names two columns");
                let parsed = <TopSort as clap::ValueEnum>::from_str(w, false);
                assert_eq!(parsed, Ok(s));
            }
        }
    }
}
