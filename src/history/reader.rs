//! Reading the history store for `replay` and `dump`: the range asked
//! for, and its samples, typed.

use std::io;
use std::ops::Bound;
use std::path::Path;

use super::sample::{LostExits, Skipped, StoredSample};
use crate::exit::{Denied, NoHistory, Usage, warn};
use crate::store::{self, EntryRef, Sample, StoreError, Timeline};
use crate::time::local_time;

/// The part of a store asked for: its directory, and the times from and
/// until (`--dir`, `--begin`, `--end`), both ends included.
#[derive(Clone, Copy, Debug)]
pub struct Range<'a> {
    pub dir: &'a Path,
    pub begin: Option<jiff::Timestamp>,
    pub end: Option<jiff::Timestamp>,
}

/// The range's bounds in unix ns; `--begin` after `--end` is a usage error.
pub fn bounds(range: &Range<'_>) -> Result<(Bound<i64>, Bound<i64>), Usage> {
    let ns = |t: jiff::Timestamp| i64::try_from(t.as_nanosecond()).unwrap_or(i64::MAX);
    let (begin, end) = (range.begin.map(ns), range.end.map(ns));
    if let (Some(b), Some(e)) = (begin, end) {
        if b > e {
            return Err(Usage("--begin is after --end".into()));
        }
    }
    Ok((
        begin.map_or(Bound::Unbounded, Bound::Included),
        end.map_or(Bound::Unbounded, Bound::Included),
    ))
}

/// Calls `each` with every sample of the range, oldest first, typed, until
/// it returns false; warnings (a torn tail, an unreadable file) go to
/// stderr once each, and the count of stored records that could not be
/// read once at the end. No sample in the range is an error.
pub fn for_each_sample(
    range: &Range<'_>,
    mut each: impl FnMut(StoredSample) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let bounds = bounds(range)?;
    let reader = open(range)?;
    let mut samples = reader.samples(bounds);
    let mut seen = 0u64;
    let mut skipped = Skipped::default();
    let mut result = Ok(());
    while let Some(entry) = samples.next_ref() {
        match entry {
            EntryRef::Sample { time_ns, sections } => {
                seen += 1;
                match each(StoredSample::read(time_ns, sections, &mut skipped)) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            EntryRef::Warning(w) => warn(&w.to_string()),
        }
    }
    if let Some(w) = skipped.warning() {
        warn(&w);
    }
    result?;
    if seen == 0 {
        return Err(empty(range, &reader).into());
    }
    Ok(())
}

/// Sample `i` of a timeline, typed; what cannot be read is counted in
/// `skipped`.
pub fn sample_at(
    t: &mut Timeline,
    i: usize,
    skipped: &mut Skipped,
) -> Result<StoredSample, store::Warning> {
    let Sample { time_ns, sections } = t.sample(i)?;
    Ok(StoredSample::read(time_ns, &sections, skipped))
}

/// The store of `--dir`, or why there is none to read.
pub fn open(range: &Range<'_>) -> anyhow::Result<store::Reader> {
    let dir = range.dir;
    store::Reader::open(dir).map_err(|e| match &e {
        StoreError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
            NoHistory(format!(
                "{}: no history here yet: start `taskstat record` (or the taskstat-record service), or give the store's directory with --dir",
                dir.display()
            ))
            .into()
        }
        StoreError::Io { source, .. } if source.kind() == io::ErrorKind::PermissionDenied => {
            Denied(format!(
                "{}: permission denied: the history store is readable only by its owner (and the group the recorder's --group names); run as root, or ask for that group",
                dir.display()
            ))
            .into()
        }
        _ => anyhow::Error::from(NoHistory(e.to_string())),
    })
}

/// Why a range has no samples, with the span the store does cover.
pub fn empty(range: &Range<'_>, reader: &store::Reader) -> NoHistory {
    let dir = range.dir.display();
    match (reader.span(), range.begin.or(range.end)) {
        (None, _) => NoHistory(format!(
            "{dir}: no samples yet; is `taskstat record` running?"
        )),
        (Some(_), None) => NoHistory(format!(
            "{dir}: no sample could be read; see the warnings above"
        )),
        (Some((first, last)), Some(_)) => NoHistory(format!(
            "{dir}: no samples in that range; the store holds {} to {}: widen --begin/--end",
            local_time(first),
            local_time(last)
        )),
    }
}

/// An interval's lost exits as a reader says them.
pub fn describe_lost(lost: &LostExits) -> String {
    let dropped = match lost.dropped_by_kernel {
        Some(n) => n.to_string(),
        None => "an unknown number of".into(),
    };
    format!(
        "exits lost in this interval: {} not stored (more than a sample keeps), {dropped} dropped by the kernel",
        lost.not_stored
    )
}
