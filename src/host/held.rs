//! /proc files held open from one sweep to the next.
//!
//! A sweep that opens /proc/PID/stat and the leader's io for every process
//! spends about half its CPU time walking /proc paths and opening and
//! closing files, and formatting a stat line of 52 fields costs more than
//! the netlink query itself. A held /proc file reads afresh at offset 0
//! (the kernel formats it at each read), and a held /proc/PID/task
//! directory tells the live threads in its link count (2 + threads), so a
//! sweep of held files pays an fstat(2) and a pread(2) a process, and
//! reads the stat line once in the process's life, for its start time.
//!
//! A held file belongs to the process it was opened for, not to its pid:
//! once that process is gone, its io reads fail with ESRCH and its task
//! directory counts no thread, even if a new process has the pid by then.
//! Then the files are dropped and opened again, for whatever process has
//! the pid now, so a reused pid is told apart without a start time.
//!
//! The cost is memory: the io file keeps a page-sized buffer of the
//! kernel's while it is open (some 4 KB a process), and two descriptors a
//! process. Both are bounded by `max_processes`; beyond it files are
//! opened and closed at each read, as before.
//!
//! Zombies are not told apart here: the caller lists the processes from
//! cgroup.procs, which leaves them out.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};

use super::procfs::{Io, Stat, thread_ids, thread_io};

/// A daemon's soft descriptor limit is often 1024 (systemd's default
/// LimitNOFILE=1024:524288 expects a program that needs more to raise it
/// itself), and every connection and held file takes one: raise it to the
/// hard limit.
pub fn raise_descriptor_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current == lim.maximum {
        return;
    }
    // An unlimited hard limit is not a descriptor count the kernel takes
    // (nr_open caps it); keep the soft limit then.
    if lim.maximum.is_some() {
        lim.current = lim.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, lim) {
            eprintln!("taskstat: cannot raise the descriptor limit: {e}");
        }
    }
}

/// How many processes' files may be held under the descriptor limit now:
/// two descriptors each, from a quarter of the limit (connections and the
/// rest take the others), and at most 16,384 processes (some 64 MB of the
/// kernel's buffers).
pub fn budget() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX);
    let budget = limit.saturating_sub(256) / 8;
    usize::try_from(budget.min(16_384)).unwrap_or(16_384)
}

/// The files of one process.
struct Files {
    /// /proc/PID/task: its link count is 2 + the live threads.
    task: File,
    /// The leader thread's own io (/proc/PID/task/PID/io).
    io: File,
    /// Clock ticks after boot, from the stat line read when opened.
    start_ticks: u64,
    /// Seen by the current sweep.
    seen: bool,
}

impl Files {
    /// The files of the process that has the pid now, or None if none has.
    fn open(pid: u32) -> Option<Files> {
        let task = File::open(format!("/proc/{pid}/task")).ok()?;
        let io = File::open(format!("/proc/{pid}/task/{pid}/io")).ok()?;
        // Read after the files are open: if the pid has passed to another
        // process in between, the files fail at the first read and are
        // opened again.
        let stat = Stat::read(pid)?;
        Some(Files {
            task,
            io,
            start_ticks: stat.start_ticks,
            seen: true,
        })
    }
}

/// What a sweep reads of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SweptProcess {
    /// Clock ticks after boot.
    pub start_ticks: u64,
    /// Storage bytes (read, written) of its live threads, each thread's own
    /// (see [`super::procfs::own_io`]); None when they cannot be read
    /// (another user's process, without CAP_SYS_PTRACE).
    pub io: Option<(u64, u64)>,
}

/// The held files of the processes of the latest sweeps.
pub struct HeldFiles {
    files: HashMap<u32, Files>,
    max_processes: usize,
}

/// The read and written bytes in a held io file, read from its start.
fn io_of(file: &File) -> Option<(u64, u64)> {
    let mut buf = [0u8; 512];
    let n = file.read_at(&mut buf, 0).ok()?;
    let io = Io::parse(std::str::from_utf8(&buf[..n]).ok()?)?;
    Some((io.read_bytes, io.write_bytes))
}

impl HeldFiles {
    /// Holds the files of at most `max_processes` processes.
    pub fn new(max_processes: usize) -> HeldFiles {
        HeldFiles {
            files: HashMap::new(),
            max_processes,
        }
    }

    /// Starts a sweep: processes not read before [`HeldFiles::end_sweep`] have
    /// their files closed then.
    pub fn begin_sweep(&mut self) {
        for f in self.files.values_mut() {
            f.seen = false;
        }
    }

    /// Closes the files of the processes the sweep did not read.
    pub fn end_sweep(&mut self) {
        self.files.retain(|_, f| f.seen);
    }

    /// A live process's start and own io, or None once it is gone.
    pub fn read(&mut self, pid: u32) -> Option<SweptProcess> {
        if let Some(seen) = self.read_held(pid) {
            return Some(seen);
        }
        // Not held yet, or held for a process that has gone (its pid
        // perhaps taken by another since).
        self.files.remove(&pid);
        if self.files.len() < self.max_processes {
            if let Some(f) = Files::open(pid) {
                self.files.insert(pid, f);
                return self.read_held(pid);
            }
        }
        // Beyond the budget, or out of descriptors: open, read and close,
        // as without holding.
        let stat = Stat::read(pid)?;
        Some(SweptProcess {
            start_ticks: stat.start_ticks,
            io: super::procfs::own_io_of(pid, Some(stat.threads)),
        })
    }

    fn read_held(&mut self, pid: u32) -> Option<SweptProcess> {
        let f = self.files.get_mut(&pid)?;
        let threads = f.task.metadata().ok()?.nlink().checked_sub(2)?;
        // The leader's io fails (ESRCH) once the process is gone.
        let leader = io_of(&f.io)?;
        let io = match threads {
            0 => return None,
            // The one live thread is the leader, but for a process whose
            // leader called pthread_exit before its last thread: that
            // thread's I/O is then counted at its exit, from its record.
            1 => leader,
            // Threads come and go: each one's file is read afresh.
            _ => thread_ids(pid)
                .unwrap_or_default()
                .into_iter()
                .filter(|&t| t != pid)
                // One that is gone meanwhile counts as exited just before.
                .filter_map(|tid| thread_io(pid, tid))
                .fold(leader, |(r, w), (r1, w1)| (r + r1, w + w1)),
        };
        f.seen = true;
        Some(SweptProcess {
            start_ticks: f.start_ticks,
            io: Some(io),
        })
    }

    /// Processes whose files are held.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_held_and_beyond_the_budget() {
        let me = std::process::id();
        let mut held = HeldFiles::new(1);
        held.begin_sweep();
        let first = held.read(me).expect("this process");
        assert_eq!(held.len(), 1);
        let stat = Stat::read(me).expect("stat");
        assert_eq!(first.start_ticks, stat.start_ticks);
        // Held: the same start, read again through the open files, and
        // this test's threads counted (the harness runs tests in threads).
        let again = held.read(me).expect("again");
        assert_eq!(again.start_ticks, first.start_ticks);
        let (a, f) = (again.io.expect("own io"), first.io.expect("own io"));
        assert!(a.0 >= f.0 && a.1 >= f.1);
        // Beyond the budget: read without holding.
        let parent = std::os::unix::process::parent_id();
        assert!(held.read(parent).is_some());
        assert_eq!(held.len(), 1);
        held.end_sweep();
        assert_eq!(held.len(), 1);
        held.begin_sweep();
        held.end_sweep();
        assert!(held.is_empty(), "a process not read is let go");
    }

    #[test]
    fn a_process_that_has_gone_reads_as_none() {
        let mut child = std::process::Command::new("true").spawn().expect("true");
        let pid = child.id();
        let mut held = HeldFiles::new(8);
        held.begin_sweep();
        // It may be gone already; once reaped, it must read as gone.
        let _ = held.read(pid);
        child.wait().expect("wait");
        assert_eq!(held.read(pid), None);
        assert!(held.is_empty());
    }

    /// A pid that passes to a new process: the held files of the old one
    /// fail, and the new one is read with its own start.
    #[test]
    fn a_reused_pid_is_read_as_the_new_process() {
        use std::process::{Command, Stdio};
        let sleeper = || {
            Command::new("sleep")
                .arg("30")
                .stdout(Stdio::null())
                .spawn()
                .expect("sleep")
        };
        let mut held = HeldFiles::new(8);
        // Other processes fork too: try until the new sleeper gets the pid.
        for _ in 0..50 {
            let mut old = sleeper();
            let pid = old.id();
            let first = held.read(pid).expect("the first sleeper");
            old.kill().expect("kill");
            old.wait().expect("reap");
            // Start times are in clock ticks: let one pass.
            std::thread::sleep(std::time::Duration::from_millis(30));
            if std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).is_err() {
                eprintln!("skipped: writing ns_last_pid needs root");
                return;
            }
            let mut new = sleeper();
            if new.id() != pid {
                let _ = new.kill();
                let _ = new.wait();
                continue;
            }
            let second = held.read(pid).expect("the second sleeper");
            let stat = Stat::read(pid).expect("its stat");
            let _ = new.kill();
            let _ = new.wait();
            assert_eq!(second.start_ticks, stat.start_ticks);
            assert!(second.start_ticks > first.start_ticks);
            return;
        }
        panic!("no sleeper got the pid it was given in 50 tries");
    }
}
