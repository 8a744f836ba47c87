//! A stored sample, typed: what `record` writes and `replay` and `dump`
//! read. The store ([`crate::store`]) keeps a sample as sections of JSON
//! values, keyed by name; this module is the one home of what those
//! sections are and what each value holds.
//!
//! Content version 1 ([`CONTENT_VERSION`], in the store's header):
//! - [`PROCESSES`], keyed by [`key`]: each live process, a
//!   [`StoredProcess`] with its [`AT`];
//! - [`EXITED`]: the processes that exited since the last sample, each with
//!   its whole life's figures, without [`AT`];
//! - [`CGROUPS`], keyed by path: each group's [`GroupFigures`];
//! - [`LOST`], only when an interval lost exits: key [`LOST_EXITS`], a
//!   [`LostExits`].
//!
//! A reader takes each entry through its type: an entry that lacks a field
//! its type needs, or has one of another type, is left out and counted
//! ([`Skipped`]), never dropped silently. A field that may be null
//! (`Option`) may also be missing, as in content written before it existed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::RecordView;
use crate::model::fleet::GroupFigures;
use crate::store::{Sample, Sections};

/// What a sample holds; the store's header carries it.
pub use crate::store::format::CONTENT_VERSION;

/// The key of a stored live process's record that says when its figures
/// were taken (unix ns).
pub const AT: &str = "_at";

/// The live processes.
pub const PROCESSES: &str = "processes";
/// The processes that exited in the interval before the sample.
pub const EXITED: &str = "exited";
/// Each cgroup's figures.
pub const CGROUPS: &str = "cgroups";
/// What an interval could not store, written only when a count is not 0.
pub const LOST: &str = "lost";
/// The [`LOST`] entry of the exits: a [`LostExits`].
pub const LOST_EXITS: &str = "exits";

/// A process's key in the store: its pid and start time, so that a reused
/// pid is another process.
pub fn key(v: &RecordView) -> Option<String> {
    Some(format!("{}:{}", v.tgid.or(v.pid)?, v.start_time?))
}

/// The pid of a process's key.
pub fn pid_of(key: &str) -> Option<u32> {
    key.split_once(':')?.0.parse().ok()
}

/// A stored process: the record `tgid --format json` prints, then the
/// cgroup it was in (null: not known), then for a live process [`AT`],
/// when its figures were taken (unix ns). The recorder stores a process
/// that did not run since the last sample with the figures of then,
/// unchanged; [`StoredProcess::settle`] moves its elapsed times on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredProcess {
    #[serde(flatten)]
    pub view: RecordView,
    pub cgroup: Option<String>,
    #[serde(rename = "_at", skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
}

/// The keys of a stored process beside its record's.
#[derive(Deserialize)]
struct Place {
    cgroup: Option<String>,
    #[serde(rename = "_at")]
    at: Option<i64>,
}

/// The key of a stored process's cgroup, which the recorder sets again on
/// a stored value when a sleeper moved.
pub const CGROUP: &str = "cgroup";
/// The key of a stored process's nice, which the recorder sets again on a
/// stored value when a sleeper was reniced.
pub const NICE: &str = "nice";

impl StoredProcess {
    /// Read from a stored value, without a copy of it. The error names the
    /// field that broke it.
    pub fn from_value(v: &Value) -> Result<StoredProcess, String> {
        let read = |v: &Value| -> serde_json::Result<StoredProcess> {
            let view = RecordView::deserialize(v)?;
            let Place { cgroup, at } = Place::deserialize(v)?;
            Ok(StoredProcess { view, cgroup, at })
        };
        read(v).map_err(|e| culprit(v, &e, |v| read(v).map(drop)))
    }

    /// As stored.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }

    /// As of the sample taken at `time_ns`: the elapsed times moved on
    /// from when the figures were taken, and no [`AT`]. An exited
    /// process's stand as they are.
    pub fn settle(&mut self, time_ns: i64) {
        let Some(at) = self.at.take() else {
            return;
        };
        let moved = u64::try_from(time_ns.saturating_sub(at) / 1000).unwrap_or(0);
        for us in [&mut self.view.elapsed_us, &mut self.view.group_elapsed_us]
            .into_iter()
            .flatten()
        {
            *us = us.saturating_add(moved);
        }
    }

    /// Its pid: the process's (tgid), else the task's.
    pub fn tgid(&self) -> Option<u32> {
        self.view.tgid.or(self.view.pid)
    }
}

/// A cgroup's stored figures, read from a stored value.
fn group_from_value(v: &Value) -> Result<GroupFigures, String> {
    GroupFigures::deserialize(v)
        .map_err(|e| culprit(v, &e, |v| GroupFigures::deserialize(v).map(drop)))
}

/// The field of object `v` that made reading it fail with `e`: the first
/// whose absence reads, or fails for want of it. Only on failure: it reads
/// the object again once per field.
fn culprit(
    v: &Value,
    e: &serde_json::Error,
    read: impl Fn(&Value) -> serde_json::Result<()>,
) -> String {
    let said = e.to_string();
    if said.starts_with("missing field") {
        return said;
    }
    if let Value::Object(m) = v {
        for k in m.keys() {
            let mut without = m.clone();
            without.remove(k);
            let broke = match read(&Value::Object(without)) {
                Ok(()) => true,
                Err(e) => e.to_string() == format!("missing field `{k}`"),
            };
            if broke {
                return format!("field {k}: {said}");
            }
        }
    }
    said
}

/// The exits an interval lost: `not_stored`, heard beyond what a sample
/// keeps; `dropped_by_kernel`, exit messages the kernel dropped because
/// taskstat's receive queue was full (null: some, not known how many).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostExits {
    pub not_stored: u64,
    pub dropped_by_kernel: Option<u64>,
}

/// One stored sample, typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSample {
    /// When it was taken, unix ns.
    pub time_ns: i64,
    /// Live processes by [`key`].
    pub processes: BTreeMap<String, StoredProcess>,
    /// Processes that exited in the interval before it, by [`key`].
    pub exited: BTreeMap<String, StoredProcess>,
    /// Each cgroup's figures, by path.
    pub cgroups: BTreeMap<String, GroupFigures>,
    /// What the interval lost, if anything.
    pub lost: Option<LostExits>,
}

/// The stored entries a reader left out: how many, and why the first was.
#[derive(Clone, Debug, Default)]
pub struct Skipped {
    pub count: u64,
    pub first: Option<String>,
}

impl Skipped {
    fn add(&mut self, section: &str, key: &str, why: String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(format!("{section} {key}: {why}"));
        }
    }

    /// The one line a run says of them; None when none was left out.
    pub fn warning(&self) -> Option<String> {
        let first = self.first.as_deref()?;
        Some(format!(
            "{} stored records could not be read (the first, {first}); they are left out",
            self.count
        ))
    }
}

impl StoredSample {
    /// Reads a stored sample's sections; what cannot be read is counted in
    /// `skipped`. Sections of other names (a later content version's) are
    /// not read.
    pub fn read(time_ns: i64, sections: &Sections, skipped: &mut Skipped) -> StoredSample {
        let processes = |name: &str, skipped: &mut Skipped| {
            let mut out = BTreeMap::new();
            for (k, v) in sections.get(name).into_iter().flatten() {
                match StoredProcess::from_value(v) {
                    Ok(p) => {
                        out.insert(k.clone(), p);
                    }
                    Err(why) => skipped.add(name, k, why),
                }
            }
            out
        };
        let mut cgroups = BTreeMap::new();
        for (k, v) in sections.get(CGROUPS).into_iter().flatten() {
            match group_from_value(v) {
                Ok(g) => {
                    cgroups.insert(k.clone(), g);
                }
                Err(why) => skipped.add(CGROUPS, k, why),
            }
        }
        let lost = sections
            .get(LOST)
            .and_then(|l| l.get(LOST_EXITS))
            .and_then(|v| match LostExits::deserialize(v) {
                Ok(l) => Some(l),
                Err(e) => {
                    skipped.add(LOST, LOST_EXITS, e.to_string());
                    None
                }
            });
        StoredSample {
            time_ns,
            processes: processes(PROCESSES, skipped),
            exited: processes(EXITED, skipped),
            cgroups,
            lost,
        }
    }

    /// The store's sample of it, as the recorder writes it.
    pub fn to_sample(&self) -> serde_json::Result<Sample> {
        let processes = |m: &BTreeMap<String, StoredProcess>| {
            m.iter()
                .map(|(k, p)| Ok((k.clone(), p.to_value()?)))
                .collect::<serde_json::Result<BTreeMap<_, _>>>()
        };
        let mut sections = Sections::new();
        sections.insert(PROCESSES.into(), processes(&self.processes)?);
        sections.insert(EXITED.into(), processes(&self.exited)?);
        sections.insert(
            CGROUPS.into(),
            self.cgroups
                .iter()
                .map(|(k, g)| Ok((k.clone(), serde_json::to_value(g)?)))
                .collect::<serde_json::Result<_>>()?,
        );
        if let Some(l) = &self.lost {
            sections.insert(
                LOST.into(),
                BTreeMap::from([(LOST_EXITS.into(), serde_json::to_value(l)?)]),
            );
        }
        Ok(Sample {
            time_ns: self.time_ns,
            sections,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(tgid: u32, at: Option<i64>) -> StoredProcess {
        let view: RecordView = serde_json::from_value(serde_json::json!({
            "type": "tgid", "id": tgid, "source": "taskstats", "version": 16,
            "comm": "x", "pid": tgid, "tgid": tgid, "ppid": 1, "uid": 0, "gid": 0,
            "nice": 0, "sched_policy": 0, "flags": 0, "exit_code": null,
            "start_time": 100, "elapsed_us": 10, "group_elapsed_us": 12,
            "exe_dev": 0, "exe_inode": 0,
            "cpu": {}, "delays": {"cpu": {"count": 1, "total_ns": 5}},
            "context_switches": {}, "io": {}, "memory": {},
            "sources": {}, "notes": ["a note"],
        }))
        .expect("a record");
        StoredProcess {
            view,
            cgroup: Some("/a".into()),
            at,
        }
    }

    /// What the writer stores reads back the same, section by section;
    /// the keys beside the record's are where the readers look.
    #[test]
    fn a_sample_round_trips() {
        let mut s = StoredSample {
            time_ns: 5_000_000,
            ..StoredSample::default()
        };
        s.processes
            .insert("7:100".into(), process(7, Some(3_000_000)));
        s.exited.insert("8:100".into(), process(8, None));
        s.cgroups.insert("/a".into(), GroupFigures::default());
        s.lost = Some(LostExits {
            not_stored: 2,
            dropped_by_kernel: None,
        });
        let stored = s.to_sample().expect("serializes");
        let live = &stored.sections[PROCESSES]["7:100"];
        assert_eq!(live[CGROUP], Value::from("/a"));
        assert_eq!(live[NICE], Value::from(0));
        assert_eq!(live[AT], Value::from(3_000_000));
        assert!(stored.sections[EXITED]["8:100"].get(AT).is_none());
        let mut skipped = Skipped::default();
        let back = StoredSample::read(stored.time_ns, &stored.sections, &mut skipped);
        assert_eq!(skipped.count, 0);
        assert_eq!(back, s);
    }

    /// A missing required field and a field of another type each leave
    /// their entry out, counted and named; the rest read.
    #[test]
    fn an_entry_that_does_not_read_is_counted() {
        let good = process(7, Some(1)).to_value().expect("serializes");
        let mut no_id = good.clone();
        no_id.as_object_mut().expect("object").remove("id");
        let mut bad_pid = good.clone();
        bad_pid["pid"] = Value::from("seven");
        let sections: Sections = BTreeMap::from([(
            PROCESSES.to_string(),
            BTreeMap::from([
                ("7:100".to_string(), good),
                ("8:100".to_string(), no_id),
                ("9:100".to_string(), bad_pid),
            ]),
        )]);
        let mut skipped = Skipped::default();
        let s = StoredSample::read(1, &sections, &mut skipped);
        assert_eq!(s.processes.len(), 1);
        assert_eq!(skipped.count, 2);
        let w = skipped.warning().expect("a warning");
        assert!(w.starts_with("2 stored records could not be read"), "{w}");
        assert!(w.contains("missing field `id`"), "{w}");
        let mut one = Skipped::default();
        let only_bad = BTreeMap::from([(
            PROCESSES.to_string(),
            BTreeMap::from([("9:100".to_string(), sections[PROCESSES]["9:100"].clone())]),
        )]);
        StoredSample::read(1, &only_bad, &mut one);
        assert!(one.warning().is_some_and(|w| w.contains("field pid:")));
    }

    #[test]
    fn settling_moves_the_elapsed_times_on_and_drops_the_time_taken() {
        let mut p = process(7, Some(1_000_000));
        p.settle(3_000_000);
        assert_eq!(
            (p.view.elapsed_us, p.view.group_elapsed_us, p.at),
            (Some(2010), Some(2012), None)
        );
        let mut exited = process(8, None);
        exited.settle(3_000_000);
        assert_eq!(exited.view.elapsed_us, Some(10));
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    /// Every sample of a checked-in store, typed, and what was left out.
    fn read_all(dir: &std::path::Path) -> (Vec<(Sample, StoredSample)>, Skipped) {
        let reader = crate::store::Reader::open(dir).expect("the fixture opens");
        let mut skipped = Skipped::default();
        let mut out = Vec::new();
        let mut samples = reader.samples(..);
        while let Some(e) = samples.next_ref() {
            if let crate::store::EntryRef::Sample { time_ns, sections } = e {
                let typed = StoredSample::read(time_ns, sections, &mut skipped);
                let raw = Sample {
                    time_ns,
                    sections: sections.clone(),
                };
                out.push((raw, typed));
            }
        }
        (out, skipped)
    }

    /// A store today's recorder wrote reads whole, and each process and
    /// cgroup written back through the types is the value stored: a field
    /// renamed in the record, or a key beside it, fails here.
    #[test]
    fn the_recorded_fixture_reads_typed_and_writes_back_the_same() {
        let (samples, skipped) = read_all(&fixture("store-content-v1"));
        assert!(samples.len() >= 2);
        assert_eq!(skipped.count, 0, "{:?}", skipped.warning());
        for (raw, typed) in &samples {
            assert!(!typed.processes.is_empty());
            let back = typed.to_sample().expect("serializes");
            for name in [PROCESSES, EXITED, CGROUPS, LOST] {
                assert_eq!(back.sections.get(name), raw.sections.get(name), "{name}");
            }
        }
    }

    /// The framing fixtures of store versions 1 and 2 hold placeholder
    /// values, not stored processes: none of them reads as one, and each
    /// is counted, none dropped silently.
    #[test]
    fn the_framing_fixtures_are_counted_not_read() {
        for name in ["store-v1", "store-v2"] {
            let (samples, skipped) = read_all(&fixture(name));
            let entries: usize = samples
                .iter()
                .map(|(raw, _)| raw.sections.values().map(BTreeMap::len).sum::<usize>())
                .sum();
            assert!(samples.iter().all(|(_, t)| t.processes.is_empty()));
            assert_eq!(skipped.count, entries as u64, "{name}");
        }
    }

    /// The samples of tests/fixtures/store-bad: in each, one good process,
    /// one without `id` and one whose `pid` is a string, and a cgroup.
    fn bad_samples() -> Vec<Sample> {
        (0..2i64)
            .map(|i| {
                let mut good = process(7, Some(1_767_225_600_000_000_000 + i));
                good.view.cpu.run_virtual_ns = Some(1_000_000 * (i as u64 + 1));
                let good = good.to_value().expect("serializes");
                let mut no_id = process(8, None).to_value().expect("serializes");
                no_id.as_object_mut().expect("object").remove("id");
                let mut bad_pid = process(9, None).to_value().expect("serializes");
                bad_pid["pid"] = Value::from("nine");
                let sections: Sections = BTreeMap::from([
                    (
                        PROCESSES.to_string(),
                        BTreeMap::from([
                            ("7:100".to_string(), good),
                            ("8:100".to_string(), no_id),
                            ("9:100".to_string(), bad_pid),
                        ]),
                    ),
                    (
                        CGROUPS.to_string(),
                        BTreeMap::from([(
                            "/a".to_string(),
                            serde_json::to_value(GroupFigures::default()).expect("serializes"),
                        )]),
                    ),
                ]);
                Sample {
                    time_ns: 1_767_225_600_000_000_000 + i * 10_000_000_000,
                    sections,
                }
            })
            .collect()
    }

    /// tests/fixtures/store-bad, written anew with
    /// TASKSTAT_WRITE_BAD_FIXTURE=1: each sample reads its good process
    /// and cgroup, and counts the two it cannot read.
    #[test]
    fn the_bad_fixture_counts_what_it_cannot_read() {
        let dir = fixture("store-bad");
        if std::env::var("TASKSTAT_WRITE_BAD_FIXTURE").as_deref() == Ok("1") {
            for f in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if f.path().extension().is_some_and(|e| e == "tsh") {
                    std::fs::remove_file(f.path()).expect("removes the old fixture");
                }
            }
            let mut w = crate::store::Writer::open(&dir, crate::store::WriterOptions::default())
                .expect("opens");
            for s in bad_samples() {
                w.append(&s).expect("appends");
            }
        }
        let (samples, skipped) = read_all(&dir);
        assert_eq!(samples.len(), 2);
        assert_eq!(skipped.count, 4);
        for (_, t) in &samples {
            assert_eq!(t.processes.keys().collect::<Vec<_>>(), ["7:100"]);
            assert_eq!(t.cgroups.len(), 1);
        }
    }
}
