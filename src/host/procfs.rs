//! Tasks as /proc lists and describes them.

use std::collections::HashMap;
use std::fs;
use std::io;

/// The numeric entries of a /proc directory (pids, or tids under
/// /proc/PID/task), sorted.
pub fn numeric_entries(dir: &str) -> io::Result<Vec<u32>> {
    use rustix::fs::{Dir, Mode, OFlags};
    let fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut ids = Vec::new();
    for entry in Dir::new(fd)? {
        if let Some(id) = entry?
            .file_name()
            .to_str()
            .ok()
            .and_then(|n| n.parse().ok())
        {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Whether a task (process or thread) with this id is there now.
pub fn exists(id: u32) -> bool {
    std::path::Path::new(&format!("/proc/{id}")).exists()
}

/// The thread ids of a process, from /proc/PID/task.
pub fn thread_ids(pid: u32) -> io::Result<Vec<u32>> {
    numeric_entries(&format!("/proc/{pid}/task"))
}

/// Every process id in /proc, or with `threads` every thread id.
pub fn list_tasks(threads: bool) -> Vec<u32> {
    let procs = numeric_entries("/proc").unwrap_or_default();
    if !threads {
        return procs;
    }
    // A process that exits while being listed simply has no threads.
    procs
        .iter()
        .flat_map(|p| thread_ids(*p).unwrap_or_default())
        .collect()
}

/// Reads a /proc file whole and hands its bytes to `f`: one read(2) into
/// an N-byte stack buffer when the file fits, the rest read on after it.
/// `read_to_string` adds a statx and reads in doubling steps (eight
/// syscalls for a status file), which a sweep of every process pays
/// thousands of times.
fn read_with<const N: usize, R>(path: &str, f: impl FnOnce(&[u8]) -> R) -> io::Result<R> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut buf = [0u8; N];
    let n = file.read(&mut buf)?;
    if n < N {
        return Ok(f(&buf[..n]));
    }
    let mut bytes = buf.to_vec();
    file.read_to_end(&mut bytes)?;
    Ok(f(&bytes))
}

/// A small /proc file (comm, io), its bytes as text whatever they are.
fn read_small(path: &str, f: impl FnOnce(&str) -> Option<String>) -> io::Result<Option<String>> {
    read_with::<512, _>(path, |b| f(&String::from_utf8_lossy(b)))
}

/// The `key: value` lines of a /proc file (status, io), in one pass.
fn fields(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split('\n').filter_map(|l| l.split_once(':'))
}

/// A /proc file as UTF-8 text (stat, status, io, sysctls).
pub fn read_proc(path: &str) -> io::Result<String> {
    read_with::<4096, _>(path, |b| String::from_utf8(b.to_vec()))?
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A task's name as /proc/ID/comm gives it, or None once it is gone.
pub fn comm(id: u32) -> Option<String> {
    read_small(&format!("/proc/{id}/comm"), |c| {
        Some(c.trim_end_matches('\n').to_string())
    })
    .ok()
    .flatten()
}

/// The fields of `/proc/ID/stat` that taskstat reads. For a process
/// (not /proc/ID/task/TID) the fault counts cover every thread, those that
/// already exited included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The state letter (R, S, D, T, ...).
    pub state: char,
    pub ppid: u32,
    pub minor_faults: u64,
    pub major_faults: u64,
    pub nice: i8,
    /// Live threads.
    pub threads: u64,
    /// Clock ticks after boot.
    pub start_ticks: u64,
    pub policy: u8,
    /// User and system time, clock ticks.
    pub utime_ticks: u64,
    pub stime_ticks: u64,
    /// Time waiting for block I/O (delay accounting), clock ticks.
    pub blkio_ticks: Option<u64>,
    /// What the process's reaped children (and theirs) added when they
    /// were waited for: faults and CPU ticks (cminflt, cmajflt, cutime,
    /// cstime).
    pub children: [u64; 4],
}

impl Stat {
    /// Parses a stat line. The comm in parentheses may itself contain
    /// parentheses and spaces, so the fields are counted from the last ") ".
    pub fn parse(line: &str) -> Option<Stat> {
        let (_, rest) = line.rsplit_once(") ")?;
        // proc(5) numbers the fields from 1; `rest` starts at field 3.
        let f: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| f.get(n - 3).copied();
        let num = |n: usize| field(n)?.parse::<u64>().ok();
        Some(Stat {
            state: field(3)?.chars().next()?,
            ppid: field(4)?.parse().ok()?,
            minor_faults: num(10)?,
            major_faults: num(12)?,
            nice: field(19)?.parse().ok()?,
            threads: num(20)?,
            start_ticks: num(22)?,
            policy: field(41)?.parse().ok()?,
            utime_ticks: num(14)?,
            stime_ticks: num(15)?,
            blkio_ticks: num(42),
            children: [num(11)?, num(13)?, num(16)?, num(17)?],
        })
    }

    /// Whether the process has waited for a child that ran. A child that
    /// ran faulted at least once (fork's copy-on-write, exec's new image)
    /// or used CPU time (the one exception: a child sharing its parent's
    /// memory, no exec, gone within a clock tick), and wait_task_zombie() adds the child's faults and times
    /// to these under the same lock as its I/O to the parent's
    /// signal->ioac, which /proc/PID/io reports. So while all four are 0,
    /// /proc/PID/io holds no child's I/O; read after it, a stat with all
    /// four 0 says that io file was the process's own.
    pub fn reaped_children(&self) -> bool {
        self.children.iter().any(|&c| c != 0)
    }

    /// The stat of a task, or None once it is gone.
    pub fn read(id: u32) -> Option<Stat> {
        Stat::parse(&read_proc(&format!("/proc/{id}/stat")).ok()?)
    }
}

/// An io file of /proc: a thread's own (/proc/PID/task/TID/io), or a
/// whole process's (/proc/PID/io: live and exited threads, and every child
/// it reaped, see [`Stat::reaped_children`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Io {
    pub rchar: u64,
    pub wchar: u64,
    pub syscr: u64,
    pub syscw: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub cancelled_write_bytes: u64,
}

impl Io {
    /// All seven lines, or None; one pass.
    pub fn parse(text: &str) -> Option<Io> {
        let mut v = [None; 7];
        for (key, value) in fields(text) {
            let i = match key {
                "rchar" => 0,
                "wchar" => 1,
                "syscr" => 2,
                "syscw" => 3,
                "read_bytes" => 4,
                "write_bytes" => 5,
                "cancelled_write_bytes" => 6,
                _ => continue,
            };
            if v[i].is_none() {
                v[i] = value.trim().parse::<u64>().ok();
            }
        }
        let [
            rchar,
            wchar,
            syscr,
            syscw,
            read_bytes,
            write_bytes,
            cancelled_write_bytes,
        ] = v;
        Some(Io {
            rchar: rchar?,
            wchar: wchar?,
            syscr: syscr?,
            syscw: syscw?,
            read_bytes: read_bytes?,
            write_bytes: write_bytes?,
            cancelled_write_bytes: cancelled_write_bytes?,
        })
    }

    /// The process's I/O, or why it cannot be read (gone; another user's
    /// process without CAP_SYS_PTRACE; a kernel without task I/O accounting).
    pub fn read(pid: u32) -> Result<Io, io::Error> {
        Io::read_path(&format!("/proc/{pid}/io"))
    }

    /// One thread's own I/O, exact (taskstats rounds it down to 1024s).
    pub fn read_thread(pid: u32, tid: u32) -> Result<Io, io::Error> {
        Io::read_path(&format!("/proc/{pid}/task/{tid}/io"))
    }

    fn read_path(path: &str) -> Result<Io, io::Error> {
        let mut io = None;
        read_small(path, |text| {
            io = Io::parse(text);
            None
        })?;
        io.ok_or_else(|| io::Error::other("unexpected format"))
    }

    pub fn add(&mut self, o: &Io) {
        self.rchar += o.rchar;
        self.wchar += o.wchar;
        self.syscr += o.syscr;
        self.syscw += o.syscw;
        self.read_bytes += o.read_bytes;
        self.write_bytes += o.write_bytes;
        self.cancelled_write_bytes += o.cancelled_write_bytes;
    }
}

/// Which threads a process's I/O covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoScope {
    /// Live and exited threads: /proc/PID/io of a process that has reaped
    /// no child.
    AllThreads,
    /// The live threads: the sum of their /proc/PID/task/TID/io, for a
    /// process that has reaped children, whose I/O /proc/PID/io counts too.
    LiveThreads,
}

/// A process's own I/O: its threads', never its reaped children's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnIo {
    pub io: Io,
    pub scope: IoScope,
}

impl OwnIo {
    /// From `whole` (/proc/PID/io) and a stat read after it: the whole
    /// file while the process has reaped no child, else the sum over the
    /// live threads' own files.
    fn of(pid: u32, whole: Result<Io, io::Error>, stat: Option<&Stat>) -> Result<OwnIo, io::Error> {
        let whole = whole?;
        if stat.is_some_and(|s| !s.reaped_children()) {
            return Ok(OwnIo {
                io: whole,
                scope: IoScope::AllThreads,
            });
        }
        Ok(OwnIo {
            io: live_threads_io(pid)?,
            scope: IoScope::LiveThreads,
        })
    }
}

/// The sum of a process's live threads' own io files. A thread that exits
/// meanwhile is left out, as it would be had it exited just before; the
/// threads of a process share its owner, so one refusal is every thread's.
/// An error when no thread's file could be read.
fn live_threads_io(pid: u32) -> Result<Io, io::Error> {
    let mut sum = None;
    let mut gone = None;
    for tid in thread_ids(pid)? {
        match Io::read_thread(pid, tid) {
            Ok(io) => sum.get_or_insert_with(Io::default).add(&io),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Err(e),
            Err(e) => gone = Some(e),
        }
    }
    sum.ok_or_else(|| gone.unwrap_or_else(|| io::ErrorKind::NotFound.into()))
}

/// Storage bytes (read, written) of a process's live threads, each thread's
/// own: /proc/PID/io would add the children the process reaped, which a
/// caller that also hears their exits would count twice. None when no
/// thread's io file could be read (gone, or another user's).
pub fn own_io(pid: u32) -> Option<(u64, u64)> {
    own_io_of(pid, None)
}

/// [`own_io`] for a process whose live threads the caller counted (its
/// stat's `threads`). With one, the process is its leader alone, so its
/// task directory need not be listed.
pub fn own_io_of(pid: u32, threads: Option<u64>) -> Option<(u64, u64)> {
    if threads == Some(1) {
        return thread_io(pid, pid);
    }
    live_threads_io(pid)
        .ok()
        .map(|io| (io.read_bytes, io.write_bytes))
}

/// Storage bytes (read, written) of one thread, its own; None once it is
/// gone or when it cannot be read.
pub fn thread_io(pid: u32, tid: u32) -> Option<(u64, u64)> {
    Io::read_thread(pid, tid)
        .ok()
        .map(|io| (io.read_bytes, io.write_bytes))
}

/// The lines of `/proc/PID/status` that taskstat reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Real user and group ids.
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Peak resident set (VmHWM) and peak virtual size (VmPeak), KiB; absent
    /// for kernel threads.
    pub vm_hwm_kib: Option<u64>,
    pub vm_peak_kib: Option<u64>,
    /// Context switches (of the task whose status this is).
    pub voluntary: Option<u64>,
    pub involuntary: Option<u64>,
}

impl Status {
    /// One pass over the lines; the first line of each key counts.
    pub fn parse(text: &str) -> Status {
        let mut s = Status::default();
        let first = |v: &str| v.split_whitespace().next()?.parse().ok();
        let kib = |v: &str| v.trim().trim_end_matches("kB").trim().parse().ok();
        // Most of the 55 lines start with a letter no wanted key starts with.
        let wanted =
            |k: &str| matches!(k.as_bytes().first(), Some(b'U' | b'G' | b'V' | b'v' | b'n'));
        for (key, v) in fields(text).filter(|(k, _)| wanted(k)) {
            match key {
                "Uid" if s.uid.is_none() => s.uid = first(v),
                "Gid" if s.gid.is_none() => s.gid = first(v),
                "VmHWM" if s.vm_hwm_kib.is_none() => s.vm_hwm_kib = kib(v),
                "VmPeak" if s.vm_peak_kib.is_none() => s.vm_peak_kib = kib(v),
                "voluntary_ctxt_switches" if s.voluntary.is_none() => {
                    s.voluntary = v.trim().parse().ok()
                }
                "nonvoluntary_ctxt_switches" if s.involuntary.is_none() => {
                    s.involuntary = v.trim().parse().ok()
                }
                _ => {}
            }
        }
        s
    }

    pub fn read(pid: u32) -> Result<Status, io::Error> {
        Ok(Status::parse(&read_proc(&format!("/proc/{pid}/status"))?))
    }
}

/// `/proc/PID/task/TID/schedstat`: the scheduler's own counters, the very
/// ones behind taskstats' run time and cpu delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schedstat {
    /// Time on a CPU, ns (`se.sum_exec_runtime`: taskstats' cpu_run_virtual_total).
    pub run_ns: u64,
    /// Time runnable but waiting for a CPU, ns (`sched_info.run_delay`: cpu_delay_total).
    pub wait_ns: u64,
    /// Timeslices run (`sched_info.pcount`: cpu_count).
    pub slices: u64,
}

impl Schedstat {
    pub fn parse(text: &str) -> Option<Schedstat> {
        let mut f = text.split_whitespace().map(|v| v.parse::<u64>().ok());
        Some(Schedstat {
            run_ns: f.next()??,
            wait_ns: f.next()??,
            slices: f.next()??,
        })
    }
}

/// One thread as /proc shows it to anyone.
#[derive(Clone, Debug)]
pub struct Thread {
    pub tid: u32,
    pub comm: Option<String>,
    pub stat: Stat,
    pub status: Option<Status>,
    pub schedstat: Option<Schedstat>,
}

impl Thread {
    /// The thread `tid` of process `pid`, or None once it is gone.
    pub fn read(pid: u32, tid: u32) -> Option<Thread> {
        let dir = format!("/proc/{pid}/task/{tid}");
        let stat = Stat::parse(&fs::read_to_string(format!("{dir}/stat")).ok()?)?;
        Some(Thread {
            tid,
            comm: fs::read_to_string(format!("{dir}/comm"))
                .ok()
                .map(|c| c.trim_end_matches('\n').to_string()),
            stat,
            status: fs::read_to_string(format!("{dir}/status"))
                .ok()
                .map(|t| Status::parse(&t)),
            schedstat: fs::read_to_string(format!("{dir}/schedstat"))
                .ok()
                .and_then(|t| Schedstat::parse(&t)),
        })
    }

    /// The process a thread id belongs to (its Tgid line).
    pub fn tgid_of(tid: u32) -> Option<u32> {
        let status = fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("Tgid:")?.trim().parse().ok())
    }
}

/// Clock ticks per second, the unit of /proc's start times.
pub fn clock_ticks() -> u64 {
    // Linux has reported 100 on every architecture since 2.6.
    Some(rustix::param::clock_ticks_per_second())
        .filter(|h| *h > 0)
        .unwrap_or(100)
}

/// Boot time (epoch seconds) and clock ticks per second: what turns a
/// /proc start time into an epoch time.
/// Both are constant while the machine runs: read once.
pub fn boot_clock() -> Option<(u64, u64)> {
    static CLOCK: std::sync::OnceLock<Option<(u64, u64)>> = std::sync::OnceLock::new();
    *CLOCK.get_or_init(|| {
        let stat = fs::read_to_string("/proc/stat").ok()?;
        let btime = stat
            .lines()
            .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())?;
        Some((btime, clock_ticks()))
    })
}

/// A start time in clock ticks after boot (/proc's), as epoch seconds.
pub fn start_epoch(start_ticks: u64) -> Option<u64> {
    let (btime, hz) = boot_clock()?;
    Some(btime + start_ticks / hz)
}

/// A whole process as /proc describes it: the files a process record
/// always needs, read in one go, each `Err` with the reason when it could
/// not be read. Its name and start time are read only when asked for.
#[derive(Debug)]
pub struct ProcFiles {
    pub pid: u32,
    pub stat: Option<Stat>,
    pub status: Result<Status, String>,
    /// Its own I/O (see [`OwnIo`]).
    pub io: Result<OwnIo, String>,
}

/// [`ProcFiles`]'s reason for a file it may not read.
pub const DENIED: &str = "permission denied";

fn why(e: io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "the process is gone".to_string(),
        io::ErrorKind::PermissionDenied => DENIED.to_string(),
        _ => e.to_string(),
    }
}

impl ProcFiles {
    pub fn read(pid: u32) -> ProcFiles {
        // The io file before the stat: children reaped in between show in
        // the stat, so the io file is never taken as the process's own
        // with a child's I/O in it.
        let whole = Io::read(pid);
        let stat = Stat::read(pid);
        ProcFiles {
            pid,
            io: OwnIo::of(pid, whole, stat.as_ref()).map_err(why),
            stat,
            status: Status::read(pid).map_err(why),
        }
    }

    pub fn comm(&self) -> Option<String> {
        comm(self.pid)
    }

    /// Start time, epoch seconds.
    pub fn start_time(&self) -> Option<u64> {
        start_epoch(self.stat.as_ref()?.start_ticks)
    }
}

/// Why the system's pressure lines cannot be shown.
#[derive(Debug, thiserror::Error)]
#[error(
    "pressure stall information is not available (kernel built without CONFIG_PSI, or booted without psi=1)"
)]
pub struct NoPressure;

/// One line of /proc/pressure/<resource>.
#[derive(Clone, Debug, PartialEq)]
pub struct Pressure {
    /// cpu, memory, io or irq.
    pub resource: &'static str,
    /// "some" or "full".
    pub kind: String,
    pub avg10: Option<String>,
    pub avg60: Option<String>,
    pub avg300: Option<String>,
}

/// The system's pressure (PSI) lines.
pub fn pressure() -> Result<Vec<Pressure>, NoPressure> {
    let mut lines = Vec::new();
    for resource in ["cpu", "memory", "io", "irq"] {
        let Ok(text) = fs::read_to_string(format!("/proc/pressure/{resource}")) else {
            continue;
        };
        for l in text.lines() {
            let (kind, fields) = super::pressure::line_fields(l);
            let vals: HashMap<&str, &str> = fields.collect();
            let get = |k: &str| vals.get(k).map(|v| v.to_string());
            lines.push(Pressure {
                resource,
                kind: kind.to_string(),
                avg10: get("avg10"),
                avg60: get("avg60"),
                avg300: get("avg300"),
            });
        }
    }
    if lines.is_empty() {
        Err(NoPressure)
    } else {
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat_line(comm: &str, state: &str) -> String {
        // Fields 3..=52 of a real line, with recognisable values where read.
        let mut f: Vec<String> = (3..=52).map(|n| n.to_string()).collect();
        f[0] = state.to_string();
        f[1] = "7".into(); // ppid
        f[7] = "1234".into(); // minflt (10)
        f[9] = "56".into(); // majflt (12)
        f[16] = "-5".into(); // nice (19)
        f[17] = "3".into(); // num_threads (20)
        f[19] = "99999".into(); // starttime (22)
        f[38] = "3".into(); // policy (41)
        format!("42 ({comm}) {}", f.join(" "))
    }

    #[test]
    fn stat_survives_odd_comms() {
        for comm in ["sleep", "a) b) (c", "x y", ") ", "\n"] {
            let s = Stat::parse(&stat_line(comm, "T")).unwrap_or_else(|| panic!("{comm:?}"));
            assert_eq!(s.state, 'T');
            assert_eq!(s.ppid, 7);
            assert_eq!((s.minor_faults, s.major_faults), (1234, 56));
            assert_eq!((s.nice, s.start_ticks, s.policy), (-5, 99999, 3));
            assert_eq!(s.threads, 3);
        }
        assert_eq!(Stat::parse("garbage"), None);
        assert_eq!(Stat::parse("1 (x) R notanumber"), None);
        assert_eq!(Stat::parse("42 (sleep) S 1 42"), None, "too short");
    }

    /// /proc/PID/io is taken as the process's own only while its stat says
    /// it reaped no child; else its live threads' own files are summed.
    #[test]
    fn reaped_children_rule() {
        let zero = |line: String, fields: &[usize]| {
            let mut f: Vec<String> = line.split(' ').map(str::to_string).collect();
            // Fields are numbered from 1; "(comm)" is one word here.
            for &n in fields {
                f[n - 1] = "0".into();
            }
            f.join(" ")
        };
        let line = stat_line("sh", "S");
        let none = Stat::parse(&zero(line.clone(), &[11, 13, 16, 17])).expect("stat");
        assert_eq!(none.children, [0; 4]);
        assert!(!none.reaped_children());
        // Any one of them says a child was reaped.
        for keep in [11, 13, 16, 17] {
            let rest: Vec<usize> = [11, 13, 16, 17]
                .into_iter()
                .filter(|&n| n != keep)
                .collect();
            let s = Stat::parse(&zero(line.clone(), &rest)).expect("stat");
            assert!(s.reaped_children(), "field {keep}");
        }
        let whole = Io {
            rchar: 1 << 40,
            wchar: 1 << 40,
            ..Io::default()
        };
        let me = std::process::id();
        let own = OwnIo::of(me, Ok(whole.clone()), Some(&none)).expect("io");
        assert_eq!((own.io.rchar, own.scope), (1 << 40, IoScope::AllThreads));
        let reaped = Stat::parse(&line).expect("stat");
        let own = OwnIo::of(me, Ok(whole.clone()), Some(&reaped)).expect("io");
        assert_eq!(own.scope, IoScope::LiveThreads);
        assert!(
            own.io.rchar < 1 << 40,
            "the threads' own files, not the whole"
        );
        assert!(own.io.rchar >= Io::read_thread(me, me).expect("own").rchar);
        // No stat (the process is gone, or unreadable): not taken as own.
        assert_eq!(
            OwnIo::of(me, Ok(whole), None).map(|o| o.scope).ok(),
            Some(IoScope::LiveThreads)
        );
    }

    #[test]
    fn io_and_status() {
        let io = Io::parse("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\ncancelled_write_bytes: 7\n").unwrap();
        assert_eq!((io.rchar, io.syscw, io.cancelled_write_bytes), (1, 4, 7));
        assert_eq!(Io::parse("rchar: 1\n"), None);
        let st = Status::parse(
            "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t1\t1\t1\nVmPeak:\t    3900 kB\nVmHWM:\t    2188 kB\n",
        );
        assert_eq!((st.uid, st.gid), (Some(1000), Some(100)));
        assert_eq!((st.vm_hwm_kib, st.vm_peak_kib), (Some(2188), Some(3900)));
        let kthread = Status::parse("Name:\tkthreadd\nUid:\t0\t0\t0\t0\n");
        assert_eq!(kthread.vm_hwm_kib, None);
    }
}
