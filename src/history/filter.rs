//! The filters of top, over stored processes and cgroups.

use std::collections::HashSet;

use regex_lite::Regex;

use super::sample::StoredProcess;
use crate::cli::StoredFilter;
use crate::exit::Usage;
use crate::host::users;

/// `-p`, `-u`, `--comm` and `--cgroup` of `replay` and `dump`.
pub struct Filter {
    pids: Vec<u32>,
    uids: HashSet<u32>,
    comm: Option<Regex>,
    cgroup: Option<String>,
}

impl Filter {
    pub fn new(f: &StoredFilter) -> Result<Filter, Usage> {
        let uids = f
            .users
            .iter()
            .map(|u| {
                users::resolve(u).ok_or_else(|| {
                    Usage(format!(
                        "--user {u}: no such user in this system's user database"
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Filter {
            pids: f.pids.clone(),
            uids,
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

    /// Whether a stored process passes every filter.
    pub fn keeps(&self, p: &StoredProcess) -> bool {
        if !self.pids.is_empty() && !p.tgid().is_some_and(|id| self.pids.contains(&id)) {
            return false;
        }
        if !self.uids.is_empty() && !p.view.uid.is_some_and(|u| self.uids.contains(&u)) {
            return false;
        }
        if let Some(re) = &self.comm {
            if !p.view.comm.as_deref().is_some_and(|c| re.is_match(c)) {
                return false;
            }
        }
        match &p.cgroup {
            Some(path) => self.holds_cgroup(path),
            None => self.cgroup.is_none(),
        }
    }
}
