//! Cgroups: which hierarchy a directory is in, its member tasks, and the
//! kernel's cgroupstats task-state counts recomputed from /proc for cgroup2
//! (where the kernel's CGROUPSTATS_CMD_GET answers EINVAL).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::procfs::Stat;
use crate::wire::CgroupStats;

const CGROUP_SUPER_MAGIC: i64 = 0x27e0eb;
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

/// The kind of filesystem a directory lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hierarchy {
    V1,
    V2,
    NotCgroup,
}

fn hierarchy_of(f_type: i64) -> Hierarchy {
    match f_type {
        CGROUP_SUPER_MAGIC => Hierarchy::V1,
        CGROUP2_SUPER_MAGIC => Hierarchy::V2,
        _ => Hierarchy::NotCgroup,
    }
}

/// statfs(2) of a path.
pub fn hierarchy(path: &Path) -> io::Result<Hierarchy> {
    let st = rustix::fs::statfs(path)?;
    Ok(hierarchy_of(st.f_type as i64))
}

/// statfs(2) of what a descriptor this process holds names, through its
/// /proc/self/fd link (which statfs follows to the open file itself): the
/// number comes from the user (`cgroup-fd N`), and a number that is not
/// open fails as EBADF, which the caller explains.
pub fn hierarchy_of_fd(fd: i32) -> io::Result<Hierarchy> {
    hierarchy(Path::new(&format!("/proc/self/fd/{fd}"))).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            io::Error::from_raw_os_error(libc::EBADF)
        } else {
            e
        }
    })
}

/// Sleeps whose task state carries TASK_FREEZABLE on top of
/// TASK_INTERRUPTIBLE (kernel/time/hrtimer.c do_nanosleep, kernel/futex,
/// kernel/signal.c do_sigtimedwait, and kernel threads that sleep with
/// wait_event_freezable). The kernel's cgroupstats compares the state for
/// equality, so it does not count these as sleeping; /proc shows them as
/// plain `S`. Each was checked on 6.18 against the kernel's own count of a
/// v1 cgroup holding only that task (kswapd, kdevtmpfs and hwrng, by
/// contrast, are counted as sleeping).
pub const FREEZABLE_WAITS: &[&str] = &[
    "hrtimer_nanosleep",
    "do_nanosleep",
    "futex_do_wait",
    "futex_wait_queue",
    "futex_wait",
    "futex_wait_multiple",
    "futex_wait_requeue_pi",
    "do_sigtimedwait",
    "kcompactd",
    "khugepaged",
    "ksm_scan_thread",
    "kauditd_thread",
    "oom_reaper",
];

/// How the kernel's cgroupstats code would count one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountedAs {
    Sleeping,
    Running,
    Stopped,
    Uninterruptible,
    /// A state the kernel counts only when the task is in iowait, which /proc
    /// does not show: idle kernel threads, freezable or killable sleeps,
    /// traced, zombie and dead tasks.
    Other,
}

/// Classifies a task from its /proc state letter and wait channel.
pub fn classify(state: char, wchan: &str) -> CountedAs {
    // wchan symbols may carry compiler suffixes such as ".isra.0".
    let wchan = wchan.split('.').next().unwrap_or(wchan);
    match state {
        'R' => CountedAs::Running,
        'S' if FREEZABLE_WAITS.contains(&wchan) => CountedAs::Other,
        'S' => CountedAs::Sleeping,
        'D' => CountedAs::Uninterruptible,
        'T' => CountedAs::Stopped,
        _ => CountedAs::Other,
    }
}

impl CountedAs {
    pub fn add_to(self, c: &mut CgroupStats) {
        match self {
            CountedAs::Sleeping => c.sleeping += 1,
            CountedAs::Running => c.running += 1,
            CountedAs::Stopped => c.stopped += 1,
            CountedAs::Uninterruptible => c.uninterruptible += 1,
            CountedAs::Other => {}
        }
    }
}

/// Counts a cgroup2 directory's threads the way the kernel counts a v1 one.
/// Threads that exit while being read are left out.
pub fn procfs_counts(dir: &Path) -> io::Result<CgroupStats> {
    let mut counts = CgroupStats::default();
    for tid in read_ids(&dir.join("cgroup.threads"))? {
        let Some(Stat { state, .. }) = Stat::read(tid) else {
            continue;
        };
        let wchan = fs::read_to_string(format!("/proc/{tid}/wchan")).unwrap_or_default();
        classify(state, wchan.trim()).add_to(&mut counts);
    }
    Ok(counts)
}

/// The ids listed in a cgroup.procs, cgroup.threads or tasks file.
pub fn read_ids(file: &Path) -> io::Result<Vec<u32>> {
    Ok(fs::read_to_string(file)?
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect())
}

/// The directory and, with `recursive`, every cgroup below it. `dir`
/// itself must be readable; a group below it removed while the tree is
/// read is left out.
pub fn cgroup_dirs(dir: &Path, recursive: bool) -> io::Result<Vec<PathBuf>> {
    let mut out = vec![dir.to_path_buf()];
    if recursive {
        let mut i = 0;
        while i < out.len() {
            let listed = match fs::read_dir(&out[i]) {
                Ok(listed) => listed,
                Err(e) if i == 0 => return Err(e),
                Err(_) => {
                    i += 1;
                    continue;
                }
            };
            for entry in listed.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    out.push(entry.path());
                }
            }
            i += 1;
        }
    }
    Ok(out)
}

/// Where the cgroup2 tree is mounted, from /proc/self/mountinfo.
pub fn cgroup2_mount() -> Option<PathBuf> {
    let info = fs::read_to_string("/proc/self/mountinfo").ok()?;
    info.lines().find_map(|l| {
        // "36 25 0:31 / /sys/fs/cgroup/unified rw,... - cgroup2 cgroup2 rw"
        let (left, right) = l.split_once(" - ")?;
        if right.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        Some(PathBuf::from(left.split_whitespace().nth(4)?))
    })
}

/// A group in the cgroup2 tree: its directory and its path in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group2 {
    pub dir: PathBuf,
    /// As /proc/PID/cgroup's `0::` line names it, e.g. `/system.slice/x.service`.
    pub path: String,
}

impl Group2 {
    /// A group named by its path in the tree (`/system.slice/x.service`) or
    /// by its directory under the cgroup2 mount.
    pub fn resolve(arg: &Path) -> Result<Group2, String> {
        let mount = cgroup2_mount().ok_or("no cgroup2 tree is mounted on this machine")?;
        let (dir, rel) = match arg.strip_prefix(&mount) {
            Ok(rel) => (arg.to_path_buf(), rel.to_path_buf()),
            Err(_) => {
                let rel = arg.strip_prefix("/").unwrap_or(arg).to_path_buf();
                (mount.join(&rel), rel)
            }
        };
        if !dir.is_dir() || hierarchy(&dir).ok() != Some(Hierarchy::V2) {
            return Err(format!(
                "{}: no such cgroup2 group (give its path in the tree, e.g. /system.slice/ssh.service, or its directory under {})",
                arg.display(),
                mount.display()
            ));
        }
        let rel = rel.to_string_lossy();
        let path = format!("/{}", rel.trim_matches('/'));
        Ok(Group2 { dir, path })
    }

    /// The processes (or, with `threads`, the threads) of the group and of
    /// every group below it. Groups removed while being read are skipped.
    pub fn tasks(&self, threads: bool) -> io::Result<Vec<u32>> {
        let file = if threads {
            "cgroup.threads"
        } else {
            "cgroup.procs"
        };
        let mut ids = Vec::new();
        for d in cgroup_dirs(&self.dir, true)? {
            ids.extend(read_ids(&d.join(file)).unwrap_or_default());
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }
}

/// Every process in the cgroup2 tree and the group it is in, read from
/// each group's cgroup.procs: one read per group, where /proc/PID/cgroup
/// costs one per process (and the kernel builds the path each time).
/// cgroup.procs lists no process whose every thread has exited, so zombies
/// are left out as well.
#[derive(Clone, Debug, Default)]
pub struct Membership {
    /// Group paths as /proc/PID/cgroup's `0::` line names them.
    groups: Vec<String>,
    /// (pid, index into `groups`), by pid.
    procs: Vec<(u32, usize)>,
}

impl Membership {
    /// The tree under `mount`. A group removed while it is read is skipped;
    /// a process that moves while the tree is read is placed once, in the
    /// first group it is found in.
    pub fn read(mount: &Path) -> io::Result<Membership> {
        let mut m = Membership::default();
        for dir in cgroup_dirs(mount, true)? {
            // A group removed since it was listed has no cgroup.procs.
            let Ok(pids) = read_ids(&dir.join("cgroup.procs")) else {
                continue;
            };
            let rel = dir.strip_prefix(mount).unwrap_or(Path::new(""));
            let group = m.groups.len();
            m.procs.extend(pids.into_iter().map(|pid| (pid, group)));
            m.groups.push(format!("/{}", rel.to_string_lossy()));
        }
        // Stable: a process found twice keeps the group it was found in first.
        m.procs.sort_by_key(|&(pid, _)| pid);
        m.procs.dedup_by_key(|&mut (pid, _)| pid);
        Ok(m)
    }

    /// The processes and their groups, by pid.
    pub fn processes(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.procs
            .iter()
            .map(|&(pid, g)| (pid, self.groups[g].as_str()))
    }

    /// The group of a process, if the tree listed it.
    pub fn group_of(&self, pid: u32) -> Option<&str> {
        let i = self.procs.binary_search_by_key(&pid, |&(p, _)| p).ok()?;
        Some(self.groups[self.procs[i].1].as_str())
    }

    pub fn len(&self) -> usize {
        self.procs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }
}

/// A task's cgroup2 path (the `0::` line of /proc/ID/cgroup).
pub fn cgroup2_of(id: u32) -> Option<String> {
    let text = fs::read_to_string(format!("/proc/{id}/cgroup")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("0::").map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree's cgroup.procs place this process where /proc/self/cgroup
    /// says it is.
    #[test]
    fn membership_agrees_with_proc_pid_cgroup() {
        let Some(mount) = cgroup2_mount() else {
            eprintln!("skipped: no cgroup2 tree is mounted");
            return;
        };
        let m = Membership::read(&mount).expect("the cgroup2 tree");
        let me = std::process::id();
        assert_eq!(m.group_of(me).map(str::to_string), cgroup2_of(me));
        assert!(m.processes().any(|(pid, _)| pid == 1));
    }

    #[test]
    fn classification_follows_the_kernel() {
        assert_eq!(classify('R', "0"), CountedAs::Running);
        assert_eq!(classify('S', "anon_pipe_read"), CountedAs::Sleeping);
        assert_eq!(classify('S', "do_wait"), CountedAs::Sleeping);
        assert_eq!(classify('S', "hrtimer_nanosleep"), CountedAs::Other);
        assert_eq!(classify('S', "do_sigtimedwait.isra.0"), CountedAs::Other);
        assert_eq!(
            classify('D', "folio_wait_bit_common"),
            CountedAs::Uninterruptible
        );
        assert_eq!(classify('T', "do_signal_stop"), CountedAs::Stopped);
        for s in ['t', 'Z', 'X', 'I', 'P', '?'] {
            assert_eq!(classify(s, ""), CountedAs::Other, "{s}");
        }
    }

    #[test]
    fn filesystem_types() {
        assert_eq!(hierarchy_of(0x27e0eb), Hierarchy::V1);
        assert_eq!(hierarchy_of(0x63677270), Hierarchy::V2);
        assert_eq!(hierarchy_of(0x9fa0), Hierarchy::NotCgroup);
    }
}
