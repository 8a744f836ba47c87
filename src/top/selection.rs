//! Which tasks a top view shows, resolved before it starts.

use std::collections::HashSet;

use regex_lite::Regex;

use crate::cli::TopArgs;
use crate::exit::Usage;
use crate::filter;
use crate::host::cgroup::{self, Group2};
use crate::host::procfs;
use crate::model::fleet::ExitMessage;

/// The filters of a top view, each checked against /proc as it runs.
pub struct Selection {
    /// -p: these processes (or their threads); only they are listed.
    pub pids: Vec<u32>,
    /// -u: these uids.
    pub uids: HashSet<u32>,
    pub comm: Option<Regex>,
    /// --cgroup: tasks in the group or below; only they are listed.
    pub group: Option<Group2>,
}

impl Selection {
    pub fn new(args: &TopArgs) -> Result<Selection, Usage> {
        for &p in &args.pids {
            if !procfs::exists(p) {
                return Err(Usage(format!("--pid {p}: no such process")));
            }
        }
        Ok(Selection {
            pids: args.pids.clone(),
            uids: filter::uids(&args.users)?,
            comm: args.comm.clone(),
            group: filter::group(args.cgroup.as_ref())?,
        })
    }

    /// The tasks to consider: the listed ones where a filter lists them
    /// (so that a narrow view costs what it shows), else every one.
    pub fn candidates(&self, threads: bool) -> Vec<u32> {
        if !self.pids.is_empty() {
            let mut ids: Vec<u32> = if threads {
                self.pids
                    .iter()
                    .flat_map(|p| procfs::thread_ids(*p).unwrap_or_default())
                    .collect()
            } else {
                self.pids.clone()
            };
            ids.sort_unstable();
            ids.dedup();
            return ids;
        }
        match &self.group {
            Some(g) => g.tasks(threads).unwrap_or_default(),
            None => procfs::list_tasks(threads),
        }
    }

    /// Whether a candidate passes the filters read from /proc (user, name,
    /// and the group when the candidates came from -p).
    pub fn keep(&self, id: u32) -> bool {
        if !self.uids.is_empty()
            && !procfs::Status::read(id)
                .ok()
                .and_then(|s| s.uid)
                .is_some_and(|u| self.uids.contains(&u))
        {
            return false;
        }
        let named = |re: &Regex| procfs::comm(id).is_some_and(|c| re.is_match(&c));
        if self.comm.as_ref().is_some_and(|re| !named(re)) {
            return false;
        }
        // With -p the candidates came from the list, not from the group.
        let inside = |g: &Group2| cgroup::cgroup2_of(id).is_some_and(|p| g.contains(&p));
        if !self.pids.is_empty() && self.group.as_ref().is_some_and(|g| !inside(g)) {
            return false;
        }
        true
    }

    /// Whether a process that exited before any sample saw it would have
    /// been shown: by its record's uid and name, and by its parent (seen,
    /// for -p and --cgroup) or its group.
    pub fn keeps_unseen(&self, m: &ExitMessage, parent_seen: impl Fn(u32) -> bool) -> bool {
        if !self.uids.is_empty() && !m.uid.is_some_and(|u| self.uids.contains(&u)) {
            return false;
        }
        let named = |re: &Regex| m.comm.as_deref().is_some_and(|c| re.is_match(c));
        if self.comm.as_ref().is_some_and(|re| !named(re)) {
            return false;
        }
        if !self.pids.is_empty() {
            return false;
        }
        match &self.group {
            Some(g) => {
                m.ppid.is_some_and(&parent_seen)
                    || cgroup::cgroup2_of(m.tgid).is_some_and(|p| g.contains(&p))
            }
            None => true,
        }
    }
}
