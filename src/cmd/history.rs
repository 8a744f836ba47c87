//! What `replay` and `dump` share: the stored range and the filters.

use std::collections::HashSet;
use std::io;
use std::ops::Bound;

use regex_lite::Regex;
use serde_json::Value;
use taskstat::cli::{RangeArgs, StoredFilter};
use taskstat::exit::{Denied, NoHistory, Usage};
use taskstat::render::dump::local_time;
use taskstat::store::{self, EntryRef, Sections, StoreError};

use super::record::{LOST, LOST_EXITS};

/// The filters of top, over stored records.
pub struct Filter {
    pids: Vec<u32>,
    uids: HashSet<u32>,
    comm: Option<Regex>,
    cgroup: Option<String>,
}

impl Filter {
    pub fn new(f: &StoredFilter) -> Result<Filter, Usage> {
        Ok(Filter {
            pids: f.pids.clone(),
            uids: taskstat::filter::uids(&f.users)?,
            comm: f.comm.clone(),
            cgroup: f.cgroup.as_ref().map(|c| {
                let c = c.trim_end_matches('/');
                if c.starts_with('/') {
                    c.to_string()
                } else {
                    format!("/{c}")
                }
            }),
        })
    }

    /// Whether `path` is the filter's group or below it.
    pub fn holds_cgroup(&self, path: &str) -> bool {
        match &self.cgroup {
            None => true,
            Some(g) if g == "/" => true,
            Some(g) => {
                path == g
                    || path
                        .strip_prefix(g.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            }
        }
    }

    /// Whether a stored process record passes every filter.
    pub fn keeps(&self, r: &Value) -> bool {
        let num = |k: &str| r.get(k).and_then(Value::as_u64);
        if !self.pids.is_empty()
            && !num("tgid")
                .or(num("pid"))
                .is_some_and(|p| self.pids.iter().any(|&x| u64::from(x) == p))
        {
            return false;
        }
        if !self.uids.is_empty()
            && !num("uid").is_some_and(|u| self.uids.iter().any(|&x| u64::from(x) == u))
        {
            return false;
        }
        if let Some(re) = &self.comm {
            if !r
                .get("comm")
                .and_then(Value::as_str)
                .is_some_and(|c| re.is_match(c))
            {
                return false;
            }
        }
        match r.get("cgroup").and_then(Value::as_str) {
            Some(path) => self.holds_cgroup(path),
            None => self.cgroup.is_none(),
        }
    }
}

/// The range's bounds in unix ns; `--begin` after `--end` is a usage error.
pub fn bounds(range: &RangeArgs) -> Result<(Bound<i64>, Bound<i64>), Usage> {
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

/// Calls `each` with every sample of the range, oldest first, lending its
/// sections, until it returns false; warnings (a torn tail, an unreadable
/// file) go to stderr once each. No sample in the range is an error.
pub fn for_each_sample(
    range: &RangeArgs,
    mut each: impl FnMut(i64, &Sections) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let bounds = bounds(range)?;
    let reader = open(range)?;
    let mut samples = reader.samples(bounds);
    let mut seen = 0u64;
    while let Some(entry) = samples.next_ref() {
        match entry {
            EntryRef::Sample { time_ns, sections } => {
                seen += 1;
                if !each(time_ns, sections)? {
                    break;
                }
            }
            EntryRef::Warning(w) => super::warn(&w.to_string()),
        }
    }
    if seen == 0 {
        return Err(empty(range, &reader).into());
    }
    Ok(())
}

/// The store of `--dir`, or why there is none to read.
pub fn open(range: &RangeArgs) -> anyhow::Result<store::Reader> {
    let dir = &range.dir;
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
pub fn empty(range: &RangeArgs, reader: &store::Reader) -> NoHistory {
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

/// What a sample's interval lost of the exits: (not stored for want of room
/// in the sample, dropped by the kernel; None where its counter could not
/// be read), from the recorder's `lost` section. None when nothing was lost.
pub fn lost_exits(sections: &Sections) -> Option<(u64, Option<u64>)> {
    let l = sections.get(LOST)?.get(LOST_EXITS)?;
    let not_stored = l
        .get("not_stored")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let dropped = l
        .get("dropped_by_kernel")
        .and_then(serde_json::Value::as_u64);
    Some((not_stored, dropped))
}

/// The losses of [`lost_exits`] as a reader says them.
pub fn describe_lost((not_stored, dropped): (u64, Option<u64>)) -> String {
    let dropped = match dropped {
        Some(n) => n.to_string(),
        None => "an unknown number of".into(),
    };
    format!(
        "exits lost in this interval: {not_stored} not stored (more than a sample keeps), {dropped} dropped by the kernel"
    )
}
