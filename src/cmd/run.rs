//! `taskstat run -- CMD`: run a command, report its statistics when it exits.
//!
//! Three steps: spawn the command with exit records already being heard,
//! gather the records of its processes until it is reaped, report.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::{Child, Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context as _;
use taskstat::cli::RunArgs;
use taskstat::client::Event;
use taskstat::host::procfs::Stat;
use taskstat::record::process;
use taskstat::record::totals::{Totals, TreeTotal};
use taskstat::record::{Accounting, Record};
use taskstat::render::{self, Doc, Shown};
use taskstat::wire::RecordKind;

use super::exits::ExitListener;

/// Exit records of one process, gathered as they arrive.
#[derive(Default)]
struct Gathered {
    threads: Vec<Record>,
    group: Option<Record>,
}

/// Whether `pid` descends from `root`, by the parent chain in /proc.
/// Orphans reparented to taskstat (a child subreaper) count as descendants.
fn descends(pid: u32, root: u32, me: u32, known: &mut HashMap<u32, bool>) -> bool {
    let mut chain = Vec::new();
    let mut cur = pid;
    let answer = loop {
        if cur == root || cur == me {
            break true;
        }
        if let Some(&k) = known.get(&cur) {
            break k;
        }
        if cur <= 1 || chain.len() > 64 {
            break false;
        }
        chain.push(cur);
        match Stat::read(cur) {
            Some(s) => cur = s.ppid,
            None => break false,
        }
    };
    for c in chain {
        known.insert(c, answer);
    }
    answer
}

fn wait_nohang(pid: u32) -> Option<i32> {
    let mut status = 0;
    // SAFETY: waitpid on our own child with a valid out-pointer.
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
    let acct = Accounting::detect();
    let mut report: Box<dyn Write> = match &args.output_file {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(io::stderr()),
    };
    let mut listener = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
    let child = match spawn(&args)? {
        Ok(c) => c,
        Err(code) => {
            listener.close();
            return Ok(ExitCode::from(code));
        }
    };
    let pid = child.id();
    let gathered = gather(&mut listener, pid, args.children)?;
    listener.close();
    drop(child);
    if gathered.lost {
        super::warn("the exit-record queue overflowed: the report may miss threads");
    }
    let status = gathered.status.map_or(1, exit_status_of);
    let Some(main) = gathered.procs.get(&pid) else {
        return Ok(no_report(pid, status));
    };
    let Some(main_view) = process::assemble(pid, &main.threads, main.group.as_ref(), &acct) else {
        return Ok(no_report(pid, status));
    };
    super::warn_decoding(main.threads.iter().chain(&main.group));

    let mut shown = vec![Shown {
        view: main_view,
        raw: None,
    }];
    if args.threads {
        shown.extend(main.threads.iter().map(|t| Shown {
            view: t.view(&acct),
            raw: None,
        }));
    }
    // getdelays' text is the kernel's group record (or the only thread's).
    shown[0].raw = main.group.as_ref().or(main.threads.last());
    let mut sums = Totals::default();
    sums.add_complete(&shown[0].view);
    let mut processes = 1;
    if args.children {
        for (tgid, g) in gathered.procs.iter().filter(|(t, _)| **t != pid) {
            if let Some(v) = process::assemble(*tgid, &g.threads, g.group.as_ref(), &acct) {
                sums.add_complete(&v);
                processes += 1;
                shown.push(Shown { view: v, raw: None });
            }
        }
    }
    let total = TreeTotal::new(processes, sums);
    let out = &mut *report;
    render::write(
        out,
        &Doc::Run {
            records: &shown,
            total: args.children.then_some(&total),
        },
        args.output.output(),
    )?;
    out.flush()?;
    Ok(ExitCode::from(status))
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
    if args.children {
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    }
    // Like time(1): the terminal's ^C and ^\ go to the command; taskstat
    // keeps waiting so that it can report. Handlers (unlike SIG_IGN) are
    // reset in the command by exec.
    let ignored = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGQUIT] {
        signal_hook::flag::register(sig, Arc::clone(&ignored))?;
    }
    let program = &args.command[0];
    match Command::new(program).args(&args.command[1..]).spawn() {
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
    procs: BTreeMap<u32, Gathered>,
    /// The command's wait status, once reaped.
    status: Option<i32>,
    lost: bool,
}

/// Collects the exit records of the command's processes until it is
/// reaped and the socket holds no more.
fn gather(listener: &mut ExitListener, pid: u32, children: bool) -> anyhow::Result<Run> {
    let me = std::process::id();
    let mut run = Run {
        procs: BTreeMap::new(),
        status: None,
        lost: false,
    };
    let mut known = HashMap::new();
    loop {
        if run.status.is_none() {
            run.status = wait_nohang(pid);
        }
        if children {
            reap_others(pid);
        }
        // The kernel queues a task's exit record before its parent can reap
        // it: once the command is reaped, draining the socket finds them all.
        let wait = if run.status.is_some() {
            Duration::ZERO
        } else {
            Duration::from_millis(20)
        };
        let raws = match listener.client.next_event(wait)? {
            None if run.status.is_some() => return Ok(run),
            None => continue,
            Some(Event::Overrun) => {
                run.lost = true;
                continue;
            }
            Some(Event::Exit(raws)) => raws,
        };
        for raw in &raws {
            let Ok(rec) = Record::decode(raw, 0) else {
                continue;
            };
            let tgid = match rec.kind {
                RecordKind::Tgid => rec.id,
                RecordKind::Pid => rec.stats.ac_tgid.unwrap_or(rec.id),
            };
            let ours = tgid == pid
                || (children
                    && rec
                        .stats
                        .ac_ppid
                        .is_some_and(|pp| descends(pp, pid, me, &mut known)))
                || (children && run.procs.contains_key(&tgid));
            if !ours {
                continue;
            }
            known.insert(tgid, true);
            let g = run.procs.entry(tgid).or_default();
            match rec.kind {
                RecordKind::Tgid => g.group = Some(rec),
                RecordKind::Pid => g.threads.push(rec),
            }
        }
    }
}
