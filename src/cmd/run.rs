//! `taskstat run -- CMD`: run a command, report its statistics when it exits.
//!
//! Three steps: spawn the command with exit records already being heard,
//! gather the records of its process tree until it is reaped, report.
//!
//! Membership of the tree is decided by parentage at exit, not by pid alone:
//! a task's exit record names its parent as it was when the task exited, and
//! that parent is alive then. The parent is a member if it is the command,
//! taskstat itself (a child subreaper: the tree's orphans come to it), or a
//! member that has not exited yet: its own exit record, queued before its
//! pid could be freed and reused, takes it off the list first. Members not
//! seen yet are found by walking /proc upwards, checking that each parent
//! started before its child.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitCode};
use std::time::Duration;

use anyhow::Context as _;
use taskstat::cli::RunArgs;
use taskstat::client::Event;
use taskstat::host::procfs::{self, Stat};
use taskstat::model::process;
use taskstat::model::totals::{RunOutcome, Totals, TreeTotal};
use taskstat::model::{Accounting, Record};
use taskstat::render::{self, Doc, ShownRecord};
use taskstat::wire::{self, ExitOf, RecordKind};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use taskstat::listener::ExitListener;

/// Exit records of one process, gathered as they arrive.
#[derive(Default)]
struct ExitRecords {
    threads: Vec<Record>,
    group: Option<Record>,
}

/// The command's process tree as its exit records arrive.
struct Tree {
    /// taskstat's own pid: orphans of the tree are reparented to it.
    me: u32,
    /// Member processes (by tgid) that have not exited, with their start
    /// time in clock ticks after boot where /proc gave it.
    alive: HashMap<u32, Option<u64>>,
}

/// One exit message's records, as the tree sees them.
struct Exit {
    records: Vec<Record>,
    /// The process (tgid) the message is about.
    tgid: u32,
    /// Its parent when it exited.
    ppid: Option<u32>,
    /// Whether the process ended with it (its last thread).
    last: bool,
}

impl Exit {
    fn new(records: Vec<Record>) -> Option<Exit> {
        let e = ExitOf::of(&records)?;
        let (tgid, ppid, last) = (e.tgid, e.ppid, e.last);
        Some(Exit {
            tgid,
            ppid,
            last,
            records,
        })
    }
}

impl Tree {
    fn new(root: u32) -> Tree {
        let mut alive = HashMap::new();
        alive.insert(root, Stat::read(root).map(|s| s.start_ticks));
        Tree {
            me: std::process::id(),
            alive,
        }
    }

    /// Which exits of `batch` (in arrival order) belong to the tree.
    /// `drained` is when the batch was taken off the socket (clock ticks
    /// after boot): a process /proc shows that started since is a newcomer.
    fn members(&mut self, batch: &[Exit], drained: u64) -> Vec<bool> {
        let mut known: Vec<Option<bool>> = vec![None; batch.len()];
        let mut out = Vec::with_capacity(batch.len());
        for i in 0..batch.len() {
            let m = self.decide(batch, i, &mut known, drained);
            if m {
                self.alive.entry(batch[i].tgid).or_insert(None);
            }
            if batch[i].last {
                self.alive.remove(&batch[i].tgid);
            }
            out.push(m);
        }
        out
    }

    fn decide(
        &mut self,
        batch: &[Exit],
        i: usize,
        known: &mut [Option<bool>],
        drained: u64,
    ) -> bool {
        if let Some(k) = known[i] {
            return k;
        }
        let e = &batch[i];
        let answer = if self.alive.contains_key(&e.tgid) {
            true
        } else {
            match e.ppid {
                None => false,
                Some(p) if p == self.me || self.alive.contains_key(&p) => true,
                Some(p) => {
                    // The parent was alive when this exited. If its own exit
                    // came later in the batch, that record says whether it
                    // was a member; /proc may already show a newcomer at its pid.
                    match (i + 1..batch.len()).find(|&j| batch[j].tgid == p && batch[j].last) {
                        Some(j) => self.decide(batch, j, known, drained),
                        None => self.descends(p, drained),
                    }
                }
            }
        };
        known[i] = Some(answer);
        answer
    }

    /// Whether the live process `pid` descends from a member, by the parent
    /// chain in /proc; the members found on the way are remembered.
    fn descends(&mut self, pid: u32, drained: u64) -> bool {
        let mut chain = Vec::new();
        let mut cur = pid;
        let mut child_start = drained;
        let answer = loop {
            if cur == self.me {
                break true;
            }
            let Some(stat) = Stat::read(cur) else {
                break false;
            };
            // A process that started after its child (or after the batch was
            // taken) has a pid that was freed and reused since. (Ticks are
            // 10 ms: a tie is no evidence.)
            if stat.start_ticks > child_start {
                break false;
            }
            if let Some(&start) = self.alive.get(&cur) {
                // The same process, not a newcomer with a member's old pid.
                break start.is_none_or(|s| s == stat.start_ticks);
            }
            if cur <= 1 || chain.len() > 64 {
                break false;
            }
            chain.push((cur, stat.start_ticks));
            child_start = stat.start_ticks;
            cur = stat.ppid;
        };
        if answer {
            for (pid, start) in chain {
                self.alive.insert(pid, Some(start));
            }
        }
        answer
    }
}

/// Now, in clock ticks after boot (the unit of /proc's start times).
fn boot_ticks() -> u64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    let hz = procfs::clock_ticks();
    ts.tv_sec as u64 * hz + ts.tv_nsec as u64 * hz / 1_000_000_000
}

fn wait_nohang(pid: u32) -> Option<i32> {
    let mut status = 0;
    // SAFETY: waitpid on our own child with a valid out-pointer. (rustix's
    // waitpid returns a different type in 0.38 and 1.)
    let r = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG) };
    (r == pid as libc::pid_t).then_some(status)
}

/// Reaps orphans reparented to taskstat (a child subreaper), so that none
/// stays a zombie while the command runs. Needs /proc/.../children; without
/// it they are reaped by init once taskstat exits.
fn reap_others(main: u32) {
    let me = std::process::id();
    let children =
        std::fs::read_to_string(format!("/proc/self/task/{me}/children")).unwrap_or_default();
    for c in children
        .split_whitespace()
        .filter_map(|c| c.parse::<u32>().ok())
        .filter(|c| *c != main)
    {
        let _ = wait_nohang(c);
    }
}

fn exit_status_of(status: i32) -> u8 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) as u8
    } else if libc::WIFSIGNALED(status) {
        128u8.saturating_add(libc::WTERMSIG(status) as u8)
    } else {
        1
    }
}

pub fn run(args: RunArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let mut report = report_to(&args)?;
    let mut acct = Accounting::detect();
    // Whether the group records' elapsed time bounds their delays.
    acct.tgid_counts_exited = taskstat::probe::tgid_counts_exited_once(timeout);
    let mut listener = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
    // Installed before the command starts, so that no signal meant for it
    // can end taskstat first.
    let signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
    let child = match spawn(&args)? {
        Ok(c) => c,
        Err(code) => {
            listener.close();
            return Ok(ExitCode::from(code));
        }
    };
    let pid = child.id();
    let started = std::time::Instant::now();
    let forwarder = Forwarder::start(signals, pid);
    let gathered = gather(&mut listener, pid);
    forwarder.stop();
    listener.close();
    drop(child);
    let gathered = gathered?;
    let wall = started.elapsed();
    if gathered.lost {
        super::warn("the exit-record queue overflowed: the report may miss threads");
    }
    let status = gathered.status.map_or(1, exit_status_of);
    let Some(main_at) = gathered.ended.iter().position(|(t, _)| *t == pid) else {
        return Ok(no_report(pid, status));
    };
    let main = &gathered.ended[main_at].1;
    let Some(main_view) = process::assemble(pid, &main.threads, main.group.as_ref(), &acct) else {
        return Ok(no_report(pid, status));
    };
    super::warn_decoding(main.threads.iter().chain(&main.group));

    let mut shown = vec![ShownRecord {
        view: main_view,
        raw: None,
    }];
    if args.threads {
        shown.extend(main.threads.iter().map(|t| ShownRecord {
            view: t.view(&acct),
            raw: None,
        }));
    }
    // getdelays' text is the kernel's group record (or the only thread's).
    shown[0].raw = main.group.as_ref().or(main.threads.last());
    // Like time(1), the report covers the whole tree; --children lists
    // each process besides.
    let mut sums = Totals::default();
    sums.add_complete(&shown[0].view);
    let mut processes = 1;
    let mut peak_rss_kib = shown[0].view.memory.hiwater_rss_kib;
    let others = gathered
        .ended
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != main_at)
        .map(|(_, (t, g))| (t, g))
        // Processes still running (a daemon the command left) with threads
        // that exited.
        .chain(&gathered.open);
    for (tgid, g) in others {
        if let Some(v) = process::assemble(*tgid, &g.threads, g.group.as_ref(), &acct) {
            sums.add_complete(&v);
            processes += 1;
            peak_rss_kib = peak_rss_kib.max(v.memory.hiwater_rss_kib);
            if args.children {
                shown.push(ShownRecord { view: v, raw: None });
            }
        }
    }
    let total = TreeTotal::new(processes, sums);
    let outcome = RunOutcome {
        command: command_line(&args.command),
        wall,
        wait_status: gathered.status.and_then(|s| u32::try_from(s).ok()),
        peak_rss_kib,
    };
    let output = args.output.output();
    // Asking for threads, children or sections asks for the records.
    let brief = !args.verbose
        && !args.threads
        && !args.children
        && args.output.sections_asked() == render::ShownSections::default();
    let out = &mut *report;
    render::write(
        out,
        &Doc::Run {
            records: &shown,
            total: Some(&total),
            outcome: &outcome,
            brief,
        },
        output,
    )?;
    out.flush()?;
    Ok(ExitCode::from(status))
}

/// Where the report goes: -o FILE (`-' is stdout), else stderr, as time(1)
/// writes its summary. A machine-readable report is never written to
/// stderr unasked: the command's own messages would land in the middle of
/// it, so it needs -o, checked before the command starts.
fn report_to(args: &RunArgs) -> anyhow::Result<Box<dyn Write>> {
    Ok(match &args.output_file {
        Some(p) if p.as_os_str() == "-" => Box::new(BufWriter::new(io::stdout())),
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => match args.output.format().parsed_by_scripts() {
            Some(name) => {
                return Err(taskstat::exit::Usage(format!(
                    "run --format {name} needs -o FILE (or -o - for stdout): on stderr the command's own messages would break the report"
                ))
                .into());
            }
            None => Box::new(io::stderr()),
        },
    })
}

/// The command line as people read it, quoted as a POSIX shell would
/// read it back.
fn command_line(words: &[std::ffi::OsString]) -> String {
    let words: Vec<String> = words
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    // Quoting fails only on a NUL byte, which no argument can hold.
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

/// The command ran but no record of it arrived: its status still goes to
/// the caller, as time(1) does.
fn no_report(pid: u32, status: u8) -> ExitCode {
    eprintln!(
        "taskstat: no exit record of process {pid} arrived, so there is no report; run taskstat in the initial pid and network namespaces"
    );
    ExitCode::from(status)
}

/// Starts the command, or says why it could not (with the shell's status:
/// 127 not found, 126 not executable).
fn spawn(args: &RunArgs) -> anyhow::Result<Result<Child, u8>> {
    // The tree's orphans come to taskstat, which keeps them in the report
    // and reaps them.
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    let program = &args.command[0];
    let mut command = Command::new(program);
    command.args(&args.command[1..]);
    let parent = std::process::id();
    // SAFETY: runs in the forked child before exec, and calls only
    // async-signal-safe functions (prctl, getppid, raise).
    unsafe {
        command.pre_exec(move || {
            // If taskstat itself is killed (SIGKILL cannot be passed on),
            // the command goes with it rather than running on orphaned.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() as u32 != parent {
                libc::raise(libc::SIGKILL);
            }
            Ok(())
        })
    };
    match command.spawn() {
        Ok(c) => Ok(Ok(c)),
        Err(e) => {
            let shown = program.to_string_lossy();
            if e.kind() == io::ErrorKind::NotFound {
                eprintln!("taskstat: {shown}: command not found");
                Ok(Err(127))
            } else {
                eprintln!("taskstat: {shown}: cannot execute: {e}");
                Ok(Err(126))
            }
        }
    }
}

/// What arrived while the command ran.
struct Run {
    /// Member processes whose last thread has exited, in the order they
    /// ended: a pid can stand for two of them over a long run.
    ended: Vec<(u32, ExitRecords)>,
    /// Members some of whose threads have exited, by tgid.
    open: BTreeMap<u32, ExitRecords>,
    /// The command's wait status, once reaped.
    status: Option<i32>,
    lost: bool,
}

/// Collects the exit records of the command's process tree until the
/// command is reaped and the socket holds no more.
fn gather(listener: &mut ExitListener, pid: u32) -> anyhow::Result<Run> {
    let mut run = Run {
        ended: Vec::new(),
        open: BTreeMap::new(),
        status: None,
        lost: false,
    };
    let mut tree = Tree::new(pid);
    loop {
        if run.status.is_none() {
            run.status = wait_nohang(pid);
        }
        reap_others(pid);
        // The kernel queues a task's exit record before its parent can reap
        // it: once the command is reaped, draining the socket finds them all.
        let draining = run.status.is_some();
        let wait = if draining {
            Duration::ZERO
        } else {
            Duration::from_millis(20)
        };
        // Everything queued now, in order: a parent's exit that came after
        // its child's is in the same batch, which decides both.
        let mut batch = Vec::new();
        let mut next = listener.client.next_event(wait)?;
        // A signal can end a wait early: an empty drain is tried twice.
        if next.is_none() && draining {
            next = listener.client.next_event(Duration::ZERO)?;
        }
        while let Some(ev) = next {
            match ev {
                Event::Overrun => run.lost = true,
                Event::Exit(raws) => {
                    let records = wire::decode_exit_message(&raws).0;
                    batch.extend(Exit::new(records));
                }
            }
            next = listener.client.next_event(Duration::ZERO)?;
        }
        if batch.is_empty() {
            if draining {
                return Ok(run);
            }
            continue;
        }
        let members = tree.members(&batch, boot_ticks());
        for (exit, member) in batch.into_iter().zip(members) {
            if !member {
                continue;
            }
            let g = run.open.entry(exit.tgid).or_default();
            for rec in exit.records {
                match rec.kind {
                    RecordKind::Tgid => g.group = Some(rec),
                    RecordKind::Pid => g.threads.push(rec),
                }
            }
            if exit.last {
                if let Some(g) = run.open.remove(&exit.tgid) {
                    run.ended.push((exit.tgid, g));
                }
            }
        }
    }
}

/// Passes the signals taskstat receives on to the command, as a supervisor
/// expects of the process it started: SIGTERM, SIGHUP, and SIGINT or
/// SIGQUIT sent to taskstat alone. Those the terminal sends (^C, ^\) reach
/// the whole foreground group, the command included, and are not sent twice.
/// taskstat itself keeps waiting, to report what ran.
struct Forwarder {
    handle: signal_hook::iterator::Handle,
    thread: std::thread::JoinHandle<()>,
}

impl Forwarder {
    fn start(mut signals: SignalsInfo<WithOrigin>, pid: u32) -> Forwarder {
        let handle = signals.handle();
        // A pidfd names the command itself: once it is reaped, a signal
        // cannot reach a newcomer that took its pid.
        let pidfd = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
            .and_then(|p| {
                rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok()
            });
        let thread = std::thread::spawn(move || {
            for origin in signals.forever() {
                if matches!(origin.cause, Cause::Kernel) {
                    continue;
                }
                // The signal goes on as a number: rustix 0.38 and 1 build a
                // Signal from one differently, so these calls stay on libc.
                // Without pidfds (Linux before 5.3), kill(2) while the
                // command is our unreaped child, whose pid cannot be reused.
                // SAFETY: plain system calls on integers: a live pidfd (or
                // our child's pid), a signal number and no siginfo.
                unsafe {
                    match &pidfd {
                        Some(fd) => libc::syscall(
                            libc::SYS_pidfd_send_signal,
                            fd.as_raw_fd(),
                            origin.signal,
                            std::ptr::null::<libc::siginfo_t>(),
                            0,
                        ),
                        None => libc::c_long::from(libc::kill(pid as libc::pid_t, origin.signal)),
                    }
                };
            }
        });
        Forwarder { handle, thread }
    }

    fn stop(self) {
        self.handle.close();
        let _ = self.thread.join();
    }
}
