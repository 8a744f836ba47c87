//! `--by`: the live samples' processes summed per key (a cgroup, a user, a
//! name), with the processes that exited between two samples counted from
//! their exit records.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::live::{LiveSample, user_label};
use crate::cli::By;
use crate::client;
use crate::filter::TaskFilter;
use crate::host::cgroup;
use crate::listener::ExitListener;
use crate::model::fleet::{Counters, ExitMessage};
use crate::model::top::Tally;
use crate::model::{Accounting, Record};
use crate::wire;

/// --by: the tallies of each key, with the processes that exited counted
/// in the interval they exited in (their exit records' final figures).
pub struct Grouper {
    pub by: By,
    exits: ExitListener,
    pub acct: Accounting,
    /// Each process's key and figures when last seen (its exited threads'
    /// switches and I/O included).
    last_seen: HashMap<u32, (String, Counters)>,
    /// What exited threads took out of the kernel's live sums, by process.
    dead: HashMap<u32, Counters>,
    /// With -a: the tallies since top started.
    pub total: HashMap<String, Tally>,
    /// Where groups' pressure files are read, with --by cgroup.
    pub cgroup2: Option<PathBuf>,
}

impl Grouper {
    pub fn open(
        by: By,
        acct: Accounting,
        timeout: Duration,
        first: &LiveSample,
    ) -> anyhow::Result<Grouper> {
        let exits = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
        let mut acct = acct;
        // Whether the group records' elapsed time bounds their delays.
        acct.tgid_counts_exited = crate::probe::tgid_counts_exited_once(timeout);
        let last_seen = first
            .counters
            .iter()
            .filter_map(|(id, c)| Some((*id, (first.keys.get(id)?.clone(), *c))))
            .collect();
        Ok(Grouper {
            by,
            exits,
            acct,
            last_seen,
            dead: HashMap::new(),
            total: HashMap::new(),
            cgroup2: cgroup::cgroup2_mount(),
        })
    }

    /// The key of a process that exited without being seen: its parent's,
    /// or what its record says.
    fn key_of_exit(&self, m: &ExitMessage) -> String {
        let by_parent = m
            .ppid
            .and_then(|p| self.last_seen.get(&p))
            .map(|(k, _)| k.clone());
        match self.by {
            By::Cgroup => by_parent
                .or_else(|| cgroup::cgroup2_of(m.tgid))
                .unwrap_or_else(|| "/".into()),
            By::User => m.uid.map(user_label).unwrap_or_else(|| "?".into()),
            By::Comm | By::Task => m.comm.clone().unwrap_or_else(|| "?".into()),
        }
    }

    /// Each key's tally over the interval that ended with `cur`; exits of
    /// processes the selection would not show are left out.
    pub fn tally(
        &mut self,
        cur: &LiveSample,
        sel: &TaskFilter,
    ) -> anyhow::Result<HashMap<String, Tally>> {
        let mut t: HashMap<String, Tally> = HashMap::new();
        for (id, c) in &cur.counters {
            let Some(key) = cur.keys.get(id) else {
                continue;
            };
            let c = c.plus(&self.dead.get(id).copied().unwrap_or_default());
            // Born in the interval: everything it did is new.
            let before = self.last_seen.get(id).map(|(_, b)| *b).unwrap_or_default();
            let e = t.entry(key.clone()).or_default();
            e.tasks += 1;
            e.sums = e.sums.plus(&c.minus(&before));
            self.last_seen.insert(*id, (key.clone(), c));
        }
        while let Some(ev) = self.exits.client.next_event(Duration::ZERO)? {
            let client::Event::Exit(raws) = ev else {
                continue;
            };
            let records: Vec<Record> = wire::decode_exit_message(&raws).0;
            let Some(m) = ExitMessage::of(&records, &self.acct) else {
                continue;
            };
            if !m.last {
                let d = self.dead.entry(m.tgid).or_default();
                *d = d.plus(&m.counters.thread_part());
                continue;
            }
            let dead = self.dead.remove(&m.tgid).unwrap_or_default();
            let (key, before) = match self.last_seen.remove(&m.tgid) {
                Some(seen) => seen,
                None if sel.keeps_unseen(&m, |p| self.last_seen.contains_key(&p)) => {
                    (self.key_of_exit(&m), Counters::default())
                }
                None => continue,
            };
            // A category rejected while it lived stays as it was counted.
            let done = m
                .counters
                .plus(&dead.thread_part())
                .frozen(&before.rejected, &before)
                .minus(&before);
            let e = t.entry(key).or_default();
            e.sums = e.sums.plus(&done);
        }
        Ok(t)
    }
}
