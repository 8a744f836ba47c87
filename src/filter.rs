//! The task filters `top` and `listen` share, resolved before anything
//! starts: an unknown user or a missing group is a usage error.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::exit::Usage;
use crate::host::cgroup::Group2;
use crate::host::users;

/// `-u USER,...`: the uids of names (through the user database) and numbers.
pub fn uids(users: &[String]) -> Result<HashSet<u32>, Usage> {
    users
        .iter()
        .map(|u| {
            users::resolve(u).ok_or_else(|| {
                Usage(format!(
                    "--user {u}: no such user in this system's user database"
                ))
            })
        })
        .collect()
}

/// `--cgroup PATH`: the group, which must exist.
pub fn group(path: Option<&PathBuf>) -> Result<Option<Group2>, Usage> {
    path.map(|p| Group2::resolve(p).map_err(|e| Usage(format!("--cgroup {e}"))))
        .transpose()
}

/// The tasks seen in a cgroup2 group (and below), read again whenever the
/// last read is older than [`CgroupWatch::EVERY`]: exit records come after
/// the task has left /proc, so a task is placed where it was last seen, and
/// one too short-lived to be seen by where its parent was.
pub struct CgroupWatch {
    group: Group2,
    seen: HashSet<u32>,
    read_at: Option<Instant>,
}

impl CgroupWatch {
    pub const EVERY: Duration = Duration::from_millis(100);

    pub fn new(group: Group2) -> CgroupWatch {
        let mut w = CgroupWatch {
            group,
            seen: HashSet::new(),
            read_at: None,
        };
        w.refresh();
        w
    }

    fn refresh(&mut self) {
        if self.read_at.is_some_and(|t| t.elapsed() < Self::EVERY) {
            return;
        }
        self.read_at = Some(Instant::now());
        self.seen.extend(self.group.tasks(true).unwrap_or_default());
    }

    /// Whether a task (by its tid, tgid and parent) was last seen in the group.
    pub fn holds(&mut self, tid: Option<u32>, tgid: Option<u32>, ppid: Option<u32>) -> bool {
        self.refresh();
        [tid, tgid, ppid]
            .into_iter()
            .flatten()
            .any(|id| self.seen.contains(&id))
    }

    /// A task that exited: its id may be reused outside the group.
    pub fn forget(&mut self, tid: u32) {
        self.seen.remove(&tid);
    }
}
