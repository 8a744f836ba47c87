//! The one task filter of `top`, `listen`, `replay` and `dump`: which
//! processes (or thread groups), users, names and cgroup a task must match.
//! It is resolved before anything starts: an unknown user, a missing
//! process for top's `-p` or a missing live group is a usage error.
//!
//! Each caller asks about what it holds: top about a live task (by /proc)
//! and about an exit it never sampled, listen about an exit record, replay
//! and dump about a stored process and a stored cgroup's path.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use regex_lite::Regex;

use crate::cli::{ListenArgs, StoredFilter, TopArgs};
use crate::exit::Usage;
use crate::history::sample::StoredProcess;
use crate::host::cgroup::{self, Group2};
use crate::host::{procfs, users};
use crate::model::Record;
use crate::model::fleet::ExitMessage;
use crate::wire::RecordKind;

/// `-p`/`--tgid`, `-u`, `--comm` and `--cgroup`: a task passes when it
/// matches every one given.
pub struct TaskFilter {
    /// Thread group ids (top's `-p`, listen's `--tgid`, the history's `-p`).
    pids: Vec<u32>,
    uids: HashSet<u32>,
    comm: Option<Regex>,
    cgroup: Option<Cgroup>,
}

/// How `--cgroup` places a task: stored paths only need the path, while a
/// live task is looked up in the group as it is now, and an exited one
/// where it was last seen.
enum Cgroup {
    /// A path in the tree: the stored history's groups may be long gone.
    Path(String),
    /// A group of this machine (top): its tasks, or a task's /proc entry.
    Live(Group2),
    /// A group of this machine whose tasks are remembered (listen): exit
    /// records come after the task has left /proc.
    Watched(CgroupWatch),
}

impl Cgroup {
    fn path(&self) -> &str {
        match self {
            Cgroup::Path(p) => p,
            Cgroup::Live(g) => &g.path,
            Cgroup::Watched(w) => &w.group.path,
        }
    }

    fn live(&self) -> Option<&Group2> {
        match self {
            Cgroup::Path(_) => None,
            Cgroup::Live(g) => Some(g),
            Cgroup::Watched(w) => Some(&w.group),
        }
    }
}

/// Whether `path` is the group `group` or below it: "/a" holds "/a/b" but
/// not "/ab".
fn below(group: &str, path: &str) -> bool {
    group == "/"
        || path == group
        || path
            .strip_prefix(group)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `-u USER,...`: the uids of names (through the user database) and numbers.
fn uids(users: &[String]) -> Result<HashSet<u32>, Usage> {
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

/// `--cgroup PATH` of a live command: the group, which must exist.
fn group(path: Option<&PathBuf>) -> Result<Option<Group2>, Usage> {
    path.map(|p| Group2::resolve(p).map_err(|e| Usage(format!("--cgroup {e}"))))
        .transpose()
}

impl TaskFilter {
    /// top's filters: every `-p` process must exist now.
    pub fn top(args: &TopArgs) -> Result<TaskFilter, Usage> {
        for &p in &args.pids {
            if !procfs::exists(p) {
                return Err(Usage(format!("--pid {p}: no such process")));
            }
        }
        Ok(TaskFilter {
            pids: args.pids.clone(),
            uids: uids(&args.users)?,
            comm: args.comm.clone(),
            cgroup: group(args.cgroup.as_ref())?.map(Cgroup::Live),
        })
    }

    /// listen's filters; see [`TaskFilter::watch_exits`].
    pub fn listen(args: &ListenArgs) -> Result<TaskFilter, Usage> {
        Ok(TaskFilter {
            pids: args.tgid.clone(),
            uids: uids(&args.users)?,
            comm: args.comm.clone(),
            cgroup: group(args.cgroup.as_ref())?.map(Cgroup::Live),
        })
    }

    /// From now on, remember the tasks of the live group, so that an exit
    /// is placed where its task was last seen: listen calls it once it is
    /// listening, as the group is read at once.
    pub fn watch_exits(&mut self) {
        self.cgroup = self.cgroup.take().map(|c| match c {
            Cgroup::Live(g) => Cgroup::Watched(CgroupWatch::new(g)),
            c => c,
        });
    }

    /// The filters of `replay` and `dump`: the group is a path, which need
    /// not exist any more (a missing leading '/' is taken as meant).
    pub fn stored(args: &StoredFilter) -> Result<TaskFilter, Usage> {
        Ok(TaskFilter {
            pids: args.pids.clone(),
            uids: uids(&args.users)?,
            comm: args.comm.clone(),
            cgroup: args.cgroup.as_ref().map(|c| {
                let c = c.trim_end_matches('/');
                Cgroup::Path(if c.starts_with('/') {
                    c.to_string()
                } else {
                    format!("/{c}")
                })
            }),
        })
    }

    /// The process ids given, as given.
    pub fn pids(&self) -> &[u32] {
        &self.pids
    }

    /// The uids given, in order.
    pub fn uids(&self) -> Vec<u32> {
        let mut u: Vec<u32> = self.uids.iter().copied().collect();
        u.sort_unstable();
        u
    }

    pub fn comm(&self) -> Option<&Regex> {
        self.comm.as_ref()
    }

    /// The group's path in the tree.
    pub fn cgroup(&self) -> Option<&str> {
        self.cgroup.as_ref().map(Cgroup::path)
    }

    fn keeps_uid(&self, uid: Option<u32>) -> bool {
        self.uids.is_empty() || uid.is_some_and(|u| self.uids.contains(&u))
    }

    /// `comm` is read only when a pattern asks for it.
    fn keeps_comm<S: AsRef<str>>(&self, comm: impl FnOnce() -> Option<S>) -> bool {
        self.comm
            .as_ref()
            .is_none_or(|re| comm().is_some_and(|c| re.is_match(c.as_ref())))
    }

    /// Whether a cgroup's path is the filter's group or below it (every
    /// path, without `--cgroup`).
    pub fn holds_cgroup(&self, path: &str) -> bool {
        self.cgroup.as_ref().is_none_or(|g| below(g.path(), path))
    }

    /// The live tasks to consider: the listed ones where a filter lists
    /// them (so that a narrow view costs what it shows), else every one.
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
        match self.cgroup.as_ref().and_then(Cgroup::live) {
            Some(g) => g.tasks(threads).unwrap_or_default(),
            None => procfs::list_tasks(threads),
        }
    }

    /// Whether a live candidate passes the filters read from /proc (user,
    /// name, and the group unless the candidates came from it).
    pub fn keeps_task(&self, id: u32) -> bool {
        if !self.uids.is_empty()
            && !self.keeps_uid(procfs::Status::read(id).ok().and_then(|s| s.uid))
        {
            return false;
        }
        if !self.keeps_comm(|| procfs::comm(id)) {
            return false;
        }
        let from_group =
            self.pids.is_empty() && self.cgroup.as_ref().is_some_and(|g| g.live().is_some());
        if !from_group
            && self.cgroup.is_some()
            && !cgroup::cgroup2_of(id).is_some_and(|p| self.holds_cgroup(&p))
        {
            return false;
        }
        true
    }

    /// Whether a process that exited before any sample of top's saw it
    /// would have been shown: by its record's uid and name, and by its
    /// parent (seen, for -p and --cgroup) or its group.
    pub fn keeps_unseen(&self, m: &ExitMessage, parent_seen: impl Fn(u32) -> bool) -> bool {
        if !self.keeps_uid(m.uid) || !self.keeps_comm(|| m.comm.as_deref()) {
            return false;
        }
        if !self.pids.is_empty() {
            return false;
        }
        match &self.cgroup {
            Some(_) => {
                m.ppid.is_some_and(&parent_seen)
                    || cgroup::cgroup2_of(m.tgid).is_some_and(|p| self.holds_cgroup(&p))
            }
            None => true,
        }
    }

    /// Whether an exit record passes; `peer` is the thread record beside a
    /// tgid record in the same message, as the kernel leaves comm and uid
    /// empty in tgid records. A task the group held is forgotten here, as
    /// its id may be reused outside the group.
    pub fn keeps_exit(&mut self, rec: &Record, peer: Option<&Record>) -> bool {
        let s = &rec.stats;
        let task = if rec.kind == RecordKind::Tgid {
            peer.map(|p| &p.stats)
        } else {
            Some(s)
        };
        if !self.pids.is_empty() {
            let tgid = match rec.kind {
                RecordKind::Tgid => Some(rec.id),
                RecordKind::Pid => s.ac_tgid,
            };
            if !tgid.is_some_and(|t| self.pids.contains(&t)) {
                return false;
            }
        }
        let comm = || {
            task.and_then(|t| t.ac_comm.as_deref())
                .map(String::from_utf8_lossy)
        };
        if !self.keeps_comm(comm) || !self.keeps_uid(task.and_then(|t| t.ac_uid)) {
            return false;
        }
        let (tid, tgid, ppid) = (
            task.and_then(|t| t.ac_pid),
            task.and_then(|t| t.ac_tgid).or(Some(rec.id)),
            task.and_then(|t| t.ac_ppid),
        );
        match self.cgroup.as_mut() {
            None => true,
            Some(Cgroup::Watched(w)) => {
                let held = w.holds(tid, tgid, ppid);
                if let Some(tid) = tid {
                    w.forget(tid);
                }
                held
            }
            // Without a watch only a task still in /proc (most often the
            // parent) can be placed.
            Some(g) => [tid, tgid, ppid]
                .into_iter()
                .flatten()
                .filter_map(cgroup::cgroup2_of)
                .any(|p| below(g.path(), &p)),
        }
    }

    /// Whether a stored process passes every filter; one whose group is
    /// not known passes only without `--cgroup`.
    pub fn keeps_stored(&self, p: &StoredProcess) -> bool {
        if !self.pids.is_empty() && !p.tgid().is_some_and(|id| self.pids.contains(&id)) {
            return false;
        }
        if !self.keeps_uid(p.view.uid) || !self.keeps_comm(|| p.view.comm.as_deref()) {
            return false;
        }
        match &p.cgroup {
            Some(path) => self.holds_cgroup(path),
            None => self.cgroup.is_none(),
        }
    }
}

/// The tasks seen in a cgroup2 group (and below), read again whenever the
/// last read is older than [`CgroupWatch::EVERY`]: exit records come after
/// the task has left /proc, so a task is placed where it was last seen, and
/// one too short-lived to be seen by where its parent was.
struct CgroupWatch {
    group: Group2,
    seen: HashSet<u32>,
    read_at: Option<Instant>,
}

impl CgroupWatch {
    const EVERY: Duration = Duration::from_millis(100);

    fn new(group: Group2) -> CgroupWatch {
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
    fn holds(&mut self, tid: Option<u32>, tgid: Option<u32>, ppid: Option<u32>) -> bool {
        self.refresh();
        [tid, tgid, ppid]
            .into_iter()
            .flatten()
            .any(|id| self.seen.contains(&id))
    }

    /// A task that exited: its id may be reused outside the group.
    fn forget(&mut self, tid: u32) {
        self.seen.remove(&tid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::TaskStats;

    fn stored(
        pids: &[u32],
        users: &[&str],
        comm: Option<&str>,
        cgroup: Option<&str>,
    ) -> TaskFilter {
        TaskFilter::stored(&StoredFilter {
            pids: pids.to_vec(),
            users: users.iter().map(|u| u.to_string()).collect(),
            comm: comm.map(|c| Regex::new(c).expect("a pattern")),
            cgroup: cgroup.map(str::to_string),
        })
        .expect("a filter")
    }

    fn process(tgid: u32, uid: u32, comm: &str, cgroup: Option<&str>) -> StoredProcess {
        let v = serde_json::json!({
            "type": "tgid", "id": tgid, "tgid": tgid, "uid": uid, "comm": comm,
            "source": "taskstats", "context_switches": {}, "io": {},
            "memory": {}, "sources": {}, "cpu": {}, "delays": {}, "notes": [],
            "cgroup": cgroup,
        });
        StoredProcess::from_value(&v).expect("a stored process")
    }

    fn exit(kind: RecordKind, id: u32, tgid: u32, uid: u32, comm: &str) -> Record {
        Record {
            kind,
            id,
            stats: TaskStats {
                ac_pid: Some(id),
                ac_tgid: Some(tgid),
                ac_uid: Some(uid),
                ac_comm: Some(comm.as_bytes().to_vec()),
                ..TaskStats::default()
            },
            origin: crate::wire::Origin::Exit,
        }
    }

    #[test]
    fn pids_keep_only_their_processes() {
        let f = stored(&[7, 9], &[], None, None);
        assert!(f.keeps_stored(&process(7, 0, "a", None)));
        assert!(f.keeps_stored(&process(9, 0, "a", None)));
        assert!(!f.keeps_stored(&process(8, 0, "a", None)));
        assert!(stored(&[], &[], None, None).keeps_stored(&process(8, 0, "a", None)));
    }

    #[test]
    fn users_by_number_or_name() {
        let f = stored(&[], &["1000"], None, None);
        assert!(f.keeps_stored(&process(7, 1000, "a", None)));
        assert!(!f.keeps_stored(&process(7, 0, "a", None)));
        // root is in every user database, and is uid 0.
        let f = stored(&[], &["root"], None, None);
        assert_eq!(f.uids(), [0]);
        assert!(f.keeps_stored(&process(7, 0, "a", None)));
        let unknown = TaskFilter::stored(&StoredFilter {
            pids: vec![],
            users: vec!["no-such-user-here".into()],
            comm: None,
            cgroup: None,
        });
        assert!(unknown.is_err());
    }

    #[test]
    fn comm_matches_anywhere_unless_anchored() {
        let f = stored(&[], &[], Some("work"), None);
        assert!(f.keeps_stored(&process(7, 0, "kworker/0:1", None)));
        assert!(!f.keeps_stored(&process(7, 0, "bash", None)));
        let f = stored(&[], &[], Some("^work"), None);
        assert!(!f.keeps_stored(&process(7, 0, "kworker/0:1", None)));
    }

    #[test]
    fn cgroup_holds_its_path_and_below_only() {
        for given in ["/a", "a", "/a/"] {
            let f = stored(&[], &[], None, Some(given));
            assert!(f.holds_cgroup("/a") && f.holds_cgroup("/a/b"), "{given}");
            assert!(!f.holds_cgroup("/ab") && !f.holds_cgroup("/"), "{given}");
            assert!(f.keeps_stored(&process(7, 0, "x", Some("/a/b"))));
            assert!(!f.keeps_stored(&process(7, 0, "x", Some("/ab"))));
            // Where a process was is not known: only no --cgroup keeps it.
            assert!(!f.keeps_stored(&process(7, 0, "x", None)));
        }
        assert!(below("/a/b", "/a/b/c") && !below("/a/b", "/a/bc") && !below("/a/b", "/a"));
        let root = stored(&[], &[], None, Some("/"));
        assert!(root.holds_cgroup("/ab") && root.holds_cgroup("/"));
        assert!(stored(&[], &[], None, None).holds_cgroup("/ab"));
    }

    /// listen: a tgid record is matched by its own id, and by the name and
    /// user of the thread record beside it.
    #[test]
    fn exit_records_by_tgid_name_and_user() {
        let mut f = TaskFilter {
            pids: vec![7],
            uids: HashSet::from([1000]),
            comm: Some(Regex::new("^sh$").expect("a pattern")),
            cgroup: None,
        };
        let thread = exit(RecordKind::Pid, 8, 7, 1000, "sh");
        let mut group = exit(RecordKind::Tgid, 7, 7, 0, "");
        group.stats.ac_comm = None;
        group.stats.ac_uid = None;
        assert!(f.keeps_exit(&thread, None));
        assert!(f.keeps_exit(&group, Some(&thread)));
        assert!(!f.keeps_exit(&group, None));
        assert!(!f.keeps_exit(&exit(RecordKind::Pid, 9, 9, 1000, "sh"), None));
        assert!(!f.keeps_exit(&exit(RecordKind::Pid, 8, 7, 0, "sh"), None));
        assert!(!f.keeps_exit(&exit(RecordKind::Pid, 8, 7, 1000, "bash"), None));
    }

    /// top: an exit no sample saw is shown by its own uid and name; with
    /// -p it was never listed, and with --cgroup its parent places it.
    #[test]
    fn unseen_exits() {
        let m = ExitMessage {
            tgid: u32::MAX,
            ppid: Some(1),
            last: true,
            counters: Default::default(),
            uid: Some(1000),
            comm: Some("make".into()),
            sample: None,
        };
        let none = stored(&[], &[], None, None);
        assert!(none.keeps_unseen(&m, |_| false));
        assert!(stored(&[], &["1000"], Some("^ma"), None).keeps_unseen(&m, |_| false));
        assert!(!stored(&[], &["0"], None, None).keeps_unseen(&m, |_| false));
        assert!(!stored(&[], &[], Some("cc"), None).keeps_unseen(&m, |_| false));
        assert!(!stored(&[7], &[], None, None).keeps_unseen(&m, |_| true));
        let group = stored(&[], &[], None, Some("/no/such/group"));
        assert!(group.keeps_unseen(&m, |p| p == 1));
        assert!(!group.keeps_unseen(&m, |_| false));
    }
}
