//! The live sampler: the selected tasks' records, read from the kernel
//! (or /proc) once per refresh.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use crate::cli::By;
use crate::filter::TaskFilter;
use crate::host::cgroup::{self, Membership};
use crate::host::held::{self, HeldFiles};
use crate::host::{pressure, procfs, users};
use crate::model::fleet::Counters;
use crate::model::pressure::GroupPressure;
use crate::model::{Accounting, RecordView};
use crate::pacer::Pacer;
use crate::source::Records;
use crate::wire::RecordKind;

/// Queries the selected tasks once, at most `max_rate` queries per second.
pub struct Sampler {
    src: Records,
    pub acct: Accounting,
    max_rate: u32,
    pub filter: TaskFilter,
    by: By,
    /// Each process's io files, open from one sample to the next.
    held: HeldFiles,
    /// Where the tree's membership and, with --by cgroup, each group's
    /// pressure files are read.
    cgroup2: Option<PathBuf>,
}

/// One sweep of the selected tasks, at one moment.
pub struct LiveSample {
    pub at: Instant,
    pub records: HashMap<u32, RecordView>,
    pub comms: HashMap<u32, String>,
    /// With --by: each process's key and summable figures (its live
    /// threads' own I/O, as every process row has it: its reaped children
    /// are counted at their own exits).
    pub keys: HashMap<u32, String>,
    pub counters: HashMap<u32, Counters>,
    /// With --by cgroup: each group's pressure, read once per sample.
    pub pressure: HashMap<String, GroupPressure>,
}

/// A process's key for --by, from /proc (its group from the sample's read
/// of the cgroup2 tree, if that listed it).
fn key_of(by: By, id: u32, comm: Option<&str>, members: Option<&Membership>) -> Option<String> {
    match by {
        By::Task => None,
        // A task that exits between the filter's look at it and this
        // one has no key, as under --by user; only a live task without a
        // cgroup2 line (no cgroup2 mounted) belongs to "/".
        By::Cgroup => members
            .and_then(|m| m.group_of(id))
            .map(str::to_string)
            .or_else(|| cgroup::cgroup2_of(id))
            .or_else(|| procfs::exists(id).then(|| "/".into())),
        By::User => procfs::Status::read(id).ok()?.uid.map(user_label),
        By::Comm => comm.map(str::to_string),
    }
}

pub fn user_label(uid: u32) -> String {
    users::name_of(uid).unwrap_or_else(|| uid.to_string())
}

impl Sampler {
    /// A sampler of the tasks `filter` keeps, read from `src`; with
    /// `by`, each process's key too.
    pub fn new(src: Records, max_rate: u32, filter: TaskFilter, by: By) -> Sampler {
        Sampler {
            acct: *src.acct(),
            src,
            max_rate,
            filter,
            by,
            held: HeldFiles::new(held_budget()),
            cgroup2: cgroup::cgroup2_mount(),
        }
    }

    /// One sample of the selected tasks; `names`: read their names too
    /// (a sample that only serves as the start of an interval needs none).
    pub fn sample(&mut self, threads: bool, names: bool) -> anyhow::Result<LiveSample> {
        let ids = self.filter.candidates(threads);
        let kind = if threads {
            RecordKind::Pid
        } else {
            RecordKind::Tgid
        };
        let mut records = HashMap::with_capacity(ids.len());
        let mut comms = HashMap::with_capacity(ids.len());
        let (mut keys, mut counters) = (HashMap::new(), HashMap::new());
        let mut pace = Pacer::new(self.max_rate);
        let grouped = self.by != By::Task;
        // One read of the tree's cgroup.procs, not /proc/PID/cgroup per process.
        let members = match (self.by, &self.cgroup2) {
            (By::Cgroup, Some(mount)) => Membership::read(mount).ok(),
            _ => None,
        };
        self.held.begin_sweep();
        for id in ids {
            if !self.filter.keeps_task(id) {
                continue;
            }
            pace.next();
            let view = match kind {
                RecordKind::Pid => self.src.thread_figures(id)?,
                RecordKind::Tgid => self.src.group(id)?,
            };
            if let Some(mut view) = view {
                // A process's I/O is not in the kernel's group record. Its
                // own is its live threads' (held files: one read for a
                // single-threaded process); /proc/PID/io would add each
                // child it reaps, as a burst of the parent's at the reaping.
                if kind == RecordKind::Tgid {
                    if let Some((r, w)) = self.held.read(id).and_then(|s| s.io) {
                        view.io.read_bytes = Some(r);
                        view.io.write_bytes = Some(w);
                    }
                }
                // Grouped rows show no names but --by comm's.
                let comm = if (names && !grouped) || self.by == By::Comm {
                    procfs::comm(id)
                } else {
                    None
                };
                if let Some(key) = key_of(self.by, id, comm.as_deref(), members.as_ref()) {
                    keys.insert(id, key);
                    counters.insert(id, Counters::of(&view));
                }
                records.insert(id, view);
                if let Some(c) = comm {
                    comms.insert(id, c);
                }
            }
        }
        self.held.end_sweep();
        let pressure = match self.by {
            By::Cgroup => {
                let groups: BTreeSet<&str> = keys.values().map(String::as_str).collect();
                pressure::of_groups(self.cgroup2.as_deref(), groups)
            }
            By::Task | By::User | By::Comm => HashMap::new(),
        };
        Ok(LiveSample {
            at: Instant::now(),
            records,
            comms,
            keys,
            counters,
            pressure,
        })
    }
}

/// Process rows hold each process's files open from one sample to the next
/// (see host::held); a terminal's soft limit of 1024 descriptors would
/// hold few.
fn held_budget() -> usize {
    held::raise_descriptor_limit();
    held::budget()
}
