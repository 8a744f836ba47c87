//! `taskstat listen`: every task's statistics as it exits.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use taskstat::cli::ListenArgs;
use taskstat::client::Event;
use taskstat::recfile::{self, FileHeader};
use taskstat::record::{Context, Record};
use taskstat::render::RecordStream;
use taskstat::wire::{RawRecord, RecordKind, RequestAttr};
use taskstat::{exit, system};

use super::exits::{ExitListener, Stop, is_broken_pipe};

/// How often, at the least, the kernel's drop counter is read.
const DROP_CHECK: Duration = Duration::from_millis(250);
const AGROUP: u8 = 0x20;

/// What the filters look at: for a tgid record, the thread record beside it
/// in the same message (the kernel leaves comm and uid empty in tgid records).
struct Filter<'a> {
    args: &'a ListenArgs,
}

impl Filter<'_> {
    fn keep(&self, rec: &Record, peer: Option<&Record>, message_has_tgid: bool) -> bool {
        let a = self.args;
        let s = &rec.stats;
        let task = if rec.kind == RecordKind::Tgid {
            peer.map(|p| &p.stats)
        } else {
            Some(s)
        };
        if a.groups_only {
            let single_threaded_exit = rec.kind == RecordKind::Pid
                && !message_has_tgid
                && s.ac_flag.unwrap_or(0) & AGROUP != 0;
            if rec.kind != RecordKind::Tgid && !single_threaded_exit {
                return false;
            }
        }
        if !a.tgid.is_empty() {
            let tgid = match rec.kind {
                RecordKind::Tgid => Some(rec.id),
                RecordKind::Pid => s.ac_tgid,
            };
            if !tgid.is_some_and(|t| a.tgid.contains(&t)) {
                return false;
            }
        }
        if let Some(p) = &a.comm {
            let comm = task
                .and_then(|t| t.ac_comm.as_deref())
                .map(String::from_utf8_lossy);
            if !comm.is_some_and(|c| p.matches(&c)) {
                return false;
            }
        }
        if !a.uid.is_empty()
            && !task
                .and_then(|t| t.ac_uid)
                .is_some_and(|u| a.uid.contains(&u))
        {
            return false;
        }
        true
    }
}

fn record_file(
    path: &std::path::Path,
    client_version: Option<u16>,
    delayacct: Option<bool>,
) -> anyhow::Result<BufWriter<File>> {
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {} for writing", path.display()))?;
    let mut w = BufWriter::new(f);
    // A file that already has records keeps its header; append after it.
    if w.get_ref().metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        let header = FileHeader {
            taskstat: env!("CARGO_PKG_VERSION").to_string(),
            struct_version: client_version,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .unwrap_or_default()
                .trim()
                .to_string(),
            hostname: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .unwrap_or_default()
                .trim()
                .to_string(),
            time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            byte_order: recfile::host_byte_order().to_string(),
            delayacct,
        };
        recfile::write_header(&mut w, &header)?;
    }
    Ok(w)
}

#[derive(Default)]
struct Counts {
    messages: u64,
    pid: u64,
    tgid: u64,
    printed: u64,
    lost: u64,
}

pub fn run(args: ListenArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let ctx = Context {
        delayacct: system::delayacct(),
    };
    let stop = Stop::install()?;
    let mut listener = ExitListener::open(
        args.cpus.as_ref().map(|c| c.0.as_slice()),
        args.rcvbuf,
        timeout,
    )?;
    let mut file = match &args.write {
        Some(path) => {
            // The struct version for the header, from a query of ourselves.
            let me = std::process::id();
            let version = listener
                .client
                .query(RequestAttr::Pid(me))
                .ok()
                .and_then(|r| r.first().and_then(|r| Record::decode(r, me).ok()))
                .map(|r| r.stats.version);
            Some(record_file(path, version, ctx.delayacct)?)
        }
        None => None,
    };
    crate::cmd::warn_if_delayacct_off(&ctx);
    let base_drops = listener.client.drops().unwrap_or(0);
    eprintln!(
        "taskstat: listening on CPUs {} (receive buffer {} bytes); stop with ^C",
        listener.cpus, listener.rcvbuf
    );

    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut stream = RecordStream::new(args.output.format(), args.output.sections());
    let filter = Filter { args: &args };
    let mut n = Counts::default();
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    let mut last_drop_check = Instant::now();
    let mut reader_gone = false;

    // Reads the kernel's drop counter; reports what is new.
    let check_drops = |listener: &ExitListener,
                       stream: &mut RecordStream,
                       out: &mut dyn Write,
                       n: &mut Counts|
     -> io::Result<()> {
        if let Some(d) = listener.client.drops() {
            let total = d.saturating_sub(base_drops);
            if total > n.lost {
                let new = total - n.lost;
                n.lost = total;
                stream.lost(out, new, total)?;
            }
        }
        Ok(())
    };

    let mut draining = false;
    let result: anyhow::Result<()> = (|| {
        loop {
            if !draining && (stop.requested() || deadline.is_some_and(|d| Instant::now() >= d)) {
                // Deregister, then print what was already queued: nothing the
                // kernel delivered is dropped on the way out.
                listener.close();
                draining = true;
            }
            let wait = if draining {
                Duration::ZERO
            } else {
                Duration::from_millis(100)
            };
            let event = listener.client.next_event(wait)?;
            if last_drop_check.elapsed() >= DROP_CHECK
                || matches!(event, Some(Event::Overrun) | None)
            {
                check_drops(&listener, &mut stream, &mut out, &mut n)?;
                last_drop_check = Instant::now();
            }
            let raws: Vec<RawRecord> = match event {
                None if draining => return Ok(()),
                None | Some(Event::Overrun) => continue,
                Some(Event::Exit(raws)) => raws,
            };
            n.messages += 1;
            let records: Vec<Record> = raws
                .iter()
                .filter_map(|r| match Record::decode(r, 0) {
                    Ok(rec) => Some(rec),
                    Err(e) => {
                        crate::cmd::warn(&format!(
                            "skipped an exit record that cannot be decoded: {e}"
                        ));
                        None
                    }
                })
                .collect();
            let has_tgid = records.iter().any(|r| r.kind == RecordKind::Tgid);
            let peer = records.iter().find(|r| r.kind == RecordKind::Pid);
            for (rec, raw) in records.iter().zip(&raws) {
                match rec.kind {
                    RecordKind::Pid => n.pid += 1,
                    RecordKind::Tgid => n.tgid += 1,
                }
                if !filter.keep(rec, peer, has_tgid) {
                    continue;
                }
                if let Some(f) = file.as_mut() {
                    recfile::write_record(f, raw)?;
                }
                stream.record(&mut out, rec, &ctx)?;
                n.printed += 1;
                if args.count.is_some_and(|c| n.printed >= c) {
                    return Ok(());
                }
            }
        }
    })();
    listener.close();
    let _ = check_drops(&listener, &mut stream, &mut out, &mut n);
    if let Err(e) = result {
        match e.downcast_ref::<io::Error>() {
            Some(io) if is_broken_pipe(io) => reader_gone = true,
            _ => return Err(e),
        }
    }
    if let Some(mut f) = file {
        f.flush().context("writing the record file")?;
    }
    if !reader_gone {
        let _ = out.flush();
    }
    eprintln!(
        "taskstat: {} records ({} pid, {} tgid) from {} exit messages, {} printed; {} exit messages lost{}",
        n.pid + n.tgid,
        n.pid,
        n.tgid,
        n.messages,
        n.printed,
        n.lost,
        if n.lost > 0 {
            format!(
                " (receive buffer {} bytes: raise --rcvbuf, or listen on fewer CPUs per taskstat)",
                listener.rcvbuf
            )
        } else {
            String::new()
        }
    );
    Ok(exit::code(stop.exit_status().unwrap_or(exit::OK)))
}
