//! What `taskstat threads --sort` orders records by: top's columns, by the
//! words `top -s` and `replay -s` take ([`TopSort`]), and, finer, one
//! delay category by its key from [`Category`] (so a new category is a new
//! sort value).

use clap::builder::PossibleValue;

use super::RecordView;
use super::top::TopSort;
use crate::wire::Category;

/// A sort key: largest first, but for the thread id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// What top's column of that word shows.
    Column(TopSort),
    /// Total wait in one delay category that no column stands for alone.
    Delay(Category),
}

/// Categories whose key is a column's word: `cpu` (here CPU time; the run
/// queue's category is `runq`), `blkio` (all of `io`) and `irq` (here IRQ
/// plus soft-IRQ).
const fn is_column_word(c: Category) -> bool {
    matches!(c, Category::Cpu | Category::Blkio | Category::Irq)
}

const fn count_delays() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < Category::COUNT {
        if !is_column_word(Category::ALL[i]) {
            n += 1;
        }
        i += 1;
    }
    n
}

const DELAYS: usize = count_delays();

const fn all() -> [SortKey; TopSort::ALL.len() + DELAYS] {
    // The thread id first: the default.
    let mut a = [SortKey::Column(TopSort::Pid); TopSort::ALL.len() + DELAYS];
    let mut n = 1;
    let mut i = 0;
    while i < TopSort::ALL.len() {
        if !matches!(TopSort::ALL[i], TopSort::Pid) {
            a[n] = SortKey::Column(TopSort::ALL[i]);
            n += 1;
        }
        i += 1;
    }
    i = 0;
    while i < Category::COUNT {
        if !is_column_word(Category::ALL[i]) {
            a[n] = SortKey::Delay(Category::ALL[i]);
            n += 1;
        }
        i += 1;
    }
    a
}

impl SortKey {
    pub const ALL: [SortKey; TopSort::ALL.len() + DELAYS] = all();

    /// The default: by thread id.
    pub const TID: SortKey = SortKey::Column(TopSort::Pid);

    /// The value a record is sorted by (None sorts last).
    pub fn value(self, r: &RecordView) -> Option<u64> {
        let column = match self {
            SortKey::Delay(c) => return r.delays[c].total_ns,
            SortKey::Column(s) => s,
        };
        if let Some(g) = column.wait() {
            // The categories measured; none measured is no figure, not 0.
            return Category::ALL
                .iter()
                .filter(|c| c.group() == g)
                .filter_map(|&c| r.delays[c].total_ns)
                .reduce(|x, y| x + y);
        }
        match column {
            TopSort::Pid => Some(u64::from(r.pid.unwrap_or(r.id))),
            TopSort::Cpu => r.cpu.run_virtual_ns,
            TopSort::Switches => {
                match (r.context_switches.voluntary, r.context_switches.involuntary) {
                    (Some(v), Some(i)) => Some(v + i),
                    _ => None,
                }
            }
            TopSort::Read => r.io.read_bytes,
            TopSort::Write => r.io.write_bytes,
            TopSort::Runq | TopSort::Io | TopSort::Mem | TopSort::Irq => None,
        }
    }

    /// The key that orders records: ascending by tid, otherwise largest
    /// first (null last).
    pub fn key(self, r: &RecordView) -> (bool, std::cmp::Reverse<u64>, u64) {
        let v = self.value(r);
        if self == SortKey::TID {
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
            // The rows are threads: their id is a tid, `pid` as in top.
            &SortKey::TID => PossibleValue::new("tid").alias("pid"),
            SortKey::Column(s) => {
                let v = PossibleValue::new(s.name()).aliases(s.aliases());
                match s.about() {
                    Some(about) => v.help(about),
                    None => v,
                }
            }
            SortKey::Delay(c) => PossibleValue::new(c.key()).help(c.info().about),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// A word top takes means the same column in threads; a category's own
    /// word never shadows one.
    #[test]
    fn threads_and_top_share_their_words() {
        for s in TopSort::ALL {
            for w in std::iter::once(s.name()).chain(s.aliases().iter().copied()) {
                assert_eq!(SortKey::from_str(w, false), Ok(SortKey::Column(s)), "{w}");
            }
        }
        assert_eq!(
            SortKey::from_str("blkio", false),
            Ok(SortKey::Column(TopSort::Io))
        );
        assert_eq!(
            SortKey::from_str("softirq", false),
            Ok(SortKey::Delay(Category::Softirq))
        );
        let words: std::collections::HashSet<String> = SortKey::ALL
            .iter()
            .filter_map(|k| k.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(words.len(), SortKey::ALL.len());
    }
}
