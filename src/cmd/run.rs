//! `taskstat run -- CMD`: run a command, report its statistics when it exits.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context as _;
use serde::Serialize;
use taskstat::cli::RunArgs;
use taskstat::client::Event;
use taskstat::process;
use taskstat::record::{Context, Record, RecordView};
use taskstat::render::{self, Format};
use taskstat::system;
use taskstat::totals::Totals;
use taskstat::wire::RecordKind;

use super::exits::ExitListener;

/// Exit records of one process, gathered as they arrive.
#[derive(Default)]
struct Gathered {
    threads: Vec<Record>,
    group: Option<Record>,
}

#[derive(Serialize)]
struct Total<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    processes: u64,
    #[serde(flatten)]
    sums: &'a Totals,
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
        let stat = std::fs::read_to_string(format!("/proc/{cur}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit_once(") ")
            .and_then(|(_, r)| r.split_whitespace().nth(1)?.parse().ok());
        match ppid {
            Some(p) => cur = p,
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
    let ctx = Context {
        delayacct: system::delayacct(),
    };
    let mut report: Box<dyn Write> = match &args.output_file {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(io::stderr()),
    };
    let mut listener = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
    let me = std::process::id();
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
    let child = match Command::new(program).args(&args.command[1..]).spawn() {
        Ok(c) => c,
        Err(e) => {
            listener.close();
            let shown = program.to_string_lossy();
            let code = if e.kind() == io::ErrorKind::NotFound {
                eprintln!("taskstat: {shown}: command not found");
                127
            } else {
                eprintln!("taskstat: {shown}: cannot execute: {e}");
                126
            };
            return Ok(ExitCode::from(code));
        }
    };
    let pid = child.id();
    let mut procs: BTreeMap<u32, Gathered> = BTreeMap::new();
    let mut known = HashMap::new();
    let mut lost = false;
    let mut status = None;
    loop {
        if status.is_none() {
            status = wait_nohang(pid);
        }
        if args.children {
            reap_others(pid);
        }
        // The kernel queues a task's exit record before its parent can reap
        // it: once the command is reaped, draining the socket finds them all.
        let wait = if status.is_some() {
            Duration::ZERO
        } else {
            Duration::from_millis(20)
        };
        match listener.client.next_event(wait)? {
            None if status.is_some() => break,
            None => {}
            Some(Event::Overrun) => lost = true,
            Some(Event::Exit(raws)) => {
                for raw in &raws {
                    let Ok(rec) = Record::decode(raw, 0) else {
                        continue;
                    };
                    let tgid = match rec.kind {
                        RecordKind::Tgid => rec.id,
                        RecordKind::Pid => rec.stats.ac_tgid.unwrap_or(rec.id),
                    };
                    let ours = tgid == pid
                        || (args.children
                            && rec
                                .stats
                                .ac_ppid
                                .is_some_and(|pp| descends(pp, pid, me, &mut known)))
                        || (args.children && procs.contains_key(&tgid));
                    if !ours {
                        continue;
                    }
                    known.insert(tgid, true);
                    let g = procs.entry(tgid).or_default();
                    match rec.kind {
                        RecordKind::Tgid => g.group = Some(rec),
                        RecordKind::Pid => g.threads.push(rec),
                    }
                }
            }
        }
    }
    listener.close();
    drop(child);
    if lost {
        crate::cmd::warn("the exit-record queue overflowed: the report may miss threads");
    }
    let status = status.map_or(1, exit_status_of);

    let main_view = procs
        .get(&pid)
        .and_then(|g| process::assemble(pid, &g.threads, g.group.as_ref(), &ctx));
    let Some(main_view) = main_view else {
        // The command ran; its status still goes to the caller, as time(1) does.
        eprintln!(
            "taskstat: no exit record of process {pid} arrived, so there is no report; run taskstat in the initial pid and network namespaces"
        );
        return Ok(ExitCode::from(status));
    };
    let mut views: Vec<RecordView> = vec![main_view.clone()];
    if args.threads
        && let Some(g) = procs.get(&pid)
    {
        views.extend(g.threads.iter().map(|t| t.view(&ctx)));
    }
    let mut total = Totals::default();
    total.add_complete(&main_view);
    let mut processes = 1;
    if args.children {
        for (tgid, g) in procs.iter().filter(|(t, _)| **t != pid) {
            if let Some(v) = process::assemble(*tgid, &g.threads, g.group.as_ref(), &ctx) {
                total.add_complete(&v);
                processes += 1;
                views.push(v);
            }
        }
    }
    let total = Total {
        kind: "total",
        processes,
        sums: &total,
    };

    let out = &mut *report;
    match args.output.format() {
        Format::Table => {
            render::write_table(out, &views, args.output.sections())?;
            if args.children {
                writeln!(
                    out,
                    "\nTOTAL OF {processes} PROCESSES (the command and its descendants)\n"
                )?;
                let m = render::Measures {
                    cpu: &total.sums.cpu,
                    delays: &total.sums.delays,
                    context_switches: &total.sums.context_switches,
                    io: &total.sums.io,
                    memory: &total.sums.memory,
                };
                render::write_measures(out, &m, args.output.sections())?;
            }
        }
        Format::Json => {
            let mut items: Vec<serde_json::Value> = views
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?;
            if args.children {
                items.push(serde_json::to_value(&total)?);
            }
            render::write_json(out, &items)?;
        }
        Format::Ndjson => {
            render::write_ndjson(out, &views)?;
            if args.children {
                render::write_ndjson(out, std::slice::from_ref(&total))?;
            }
        }
        Format::Csv => render::write_csv(out, &views, &main_view)?,
        Format::Getdelays => {
            if let Some(g) = procs.get(&pid) {
                let rec = g.group.as_ref().or(g.threads.last());
                if let Some(rec) = rec {
                    render::write_getdelays(out, rec, args.output.sections())?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(status))
}
