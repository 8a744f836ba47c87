//! What `taskstat threads --sort` orders records by. The delay categories'
//! keys come from [`Category`], so a new category is a new sort value.

use clap::builder::PossibleValue;

use super::RecordView;
use crate::wire::Category;

/// A sort key: largest first, but for tid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Tid,
    /// Total wait in one delay category.
    Delay(Category),
    CpuTime,
    Switches,
    Read,
    Write,
}

const fn all() -> [SortKey; Category::COUNT + 5] {
    let mut a = [SortKey::Tid; Category::COUNT + 5];
    let mut i = 0;
    while i < Category::COUNT {
        a[1 + i] = SortKey::Delay(Category::ALL[i]);
        i += 1;
    }
    a[Category::COUNT + 1] = SortKey::CpuTime;
    a[Category::COUNT + 2] = SortKey::Switches;
    a[Category::COUNT + 3] = SortKey::Read;
    a[Category::COUNT + 4] = SortKey::Write;
    a
}

impl SortKey {
    pub const ALL: [SortKey; Category::COUNT + 5] = all();

    /// The value a record is sorted by (None sorts last).
    pub fn value(self, r: &RecordView) -> Option<u64> {
        match self {
            SortKey::Tid => Some(u64::from(r.pid.unwrap_or(r.id))),
            SortKey::Delay(c) => r.delays[c].total_ns,
            SortKey::CpuTime => r.cpu.run_virtual_ns,
            SortKey::Switches => {
                match (r.context_switches.voluntary, r.context_switches.involuntary) {
                    (Some(v), Some(i)) => Some(v + i),
                    _ => None,
                }
            }
            SortKey::Read => r.io.read_bytes,
            SortKey::Write => r.io.write_bytes,
        }
    }

    /// The key that orders records: ascending by tid, otherwise largest
    /// first (null last).
    pub fn key(self, r: &RecordView) -> (bool, std::cmp::Reverse<u64>, u64) {
        let v = self.value(r);
        if self == SortKey::Tid {
            (false, std::cmp::Reverse(0), v.unwrap_or(0))
        } else {
            (v.is_none(), std::cmp::Reverse(v.unwrap_or(0)), 0)
        }
    }

    /// Sorts records: ascending by tid, otherwise largest first, ties by
    /// id (an unstable sort, with one instance less of the stable one's code).
    pub fn sort(self, records: &mut [RecordView]) {
        records.sort_unstable_by_key(|r| (self.key(r), r.id));
    }
}

impl clap::ValueEnum for SortKey {
    fn value_variants<'a>() -> &'a [Self] {
        &SortKey::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            SortKey::Tid => PossibleValue::new("tid"),
            SortKey::Delay(c) => PossibleValue::new(c.key()).help(c.info().about),
            SortKey::CpuTime => {
                PossibleValue::new("cpu-time").help("Precise CPU time (cpu.run_virtual_ns)")
            }
            SortKey::Switches => {
                PossibleValue::new("switches").help("Voluntary plus involuntary context switches")
            }
            SortKey::Read => PossibleValue::new("read"),
            SortKey::Write => PossibleValue::new("write"),
        })
    }
}
