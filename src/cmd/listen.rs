//! `taskstat listen`: every task's statistics as it exits.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use taskstat::capture::{self, CaptureHeader};
use taskstat::cli::ListenArgs;
use taskstat::client::Event;
use taskstat::exit;
use taskstat::model::{Accounting, Record};
use taskstat::render::RecordStream;
use taskstat::wire::flag::AGROUP;
use taskstat::wire::{self, RawRecord, RecordKind, Undecodable};

use taskstat::filter::TaskFilter;
use taskstat::listener::{ExitListener, Stop, is_broken_pipe};

/// Names a file of exit messages to receive first (for tests).
const INJECT_ENV: &str = "TASKSTAT_INJECT_EXIT_MESSAGES";
/// How often, at the least, the kernel's drop counter is read.
const DROP_CHECK: Duration = Duration::from_millis(250);
/// How long the stream of exits may pause before the records printed so far
/// are written out: under a storm the next exit comes sooner. The kernel
/// rounds it up to its next tick (4 ms at HZ=250).
const FLUSH_AFTER: Duration = Duration::from_millis(1);
/// The longest a printed record waits to be written out while exits keep
/// coming (the filters may print few of them).
const MAX_HOLD: Duration = Duration::from_millis(100);
/// The longest wait for an exit before the stop flag and --duration are
/// looked at again.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// --groups-only: whether a record is its process's one record (the tgid
/// record of a multi-threaded process, the pid record of a single-threaded
/// one).
fn process_record(rec: &Record, message_has_tgid: bool) -> bool {
    match rec.kind {
        RecordKind::Tgid => true,
        RecordKind::Pid => !message_has_tgid && rec.stats.ac_flag.unwrap_or(0) & AGROUP != 0,
    }
}

fn capture_file(
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
        let header = CaptureHeader {
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
            byte_order: capture::host_byte_order().to_string(),
            delayacct,
        };
        capture::write_header(&mut w, &header)?;
    }
    Ok(w)
}

#[derive(Default)]
struct ListenCounts {
    messages: u64,
    pid: u64,
    tgid: u64,
    printed: u64,
    lost: u64,
    /// Records that could not be decoded, said once in the summary.
    skipped: Undecodable,
}

/// Why the loop ended.
enum End {
    /// Signal or --duration: the queue was drained after deregistering.
    Stopped,
    /// --count records were printed.
    Counted,
    /// The reader of stdout went away.
    ReaderGone,
}

/// A running `taskstat listen`: the registered socket, where records go,
/// and what was counted.
struct Listen<'a> {
    args: &'a ListenArgs,
    filter: TaskFilter,
    acct: Accounting,
    listener: ExitListener,
    file: Option<BufWriter<File>>,
    stream: RecordStream,
    /// The kernel's drop counter when listening started.
    base_drops: u64,
    last_drop_check: Instant,
    n: ListenCounts,
    /// The records of the message being printed, each with its index
    /// among the message's raw records (one that cannot be decoded is
    /// left out).
    decoded: Vec<(usize, Record)>,
}

impl Listen<'_> {
    /// Reads the kernel's drop counter and reports what is new.
    fn check_drops(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.last_drop_check = Instant::now();
        if let Some(d) = self.listener.client.drops() {
            let total = d.saturating_sub(self.base_drops);
            if total > self.n.lost {
                let new = total - self.n.lost;
                self.n.lost = total;
                self.stream.lost(out, new, total)?;
            }
        }
        Ok(())
    }

    /// Receives and prints until stopped: on a signal or at --duration it
    /// deregisters, then prints what was already queued, so nothing the
    /// kernel delivered is dropped on the way out.
    fn drain(&mut self, stop: &Stop, out: &mut dyn Write) -> anyhow::Result<End> {
        let deadline = self
            .args
            .duration
            .map(|s| Instant::now() + Duration::from_secs_f64(s));
        let mut draining = false;
        // When the first record not yet written out was printed.
        let mut held_since: Option<Instant> = None;
        loop {
            if !draining && (stop.requested() || deadline.is_some_and(|d| Instant::now() >= d)) {
                self.listener.close();
                draining = true;
            }
            // Up to 100 ms, and not past --duration's end.
            let wait = deadline.map_or(IDLE_WAIT, |d| {
                d.saturating_duration_since(Instant::now()).min(IDLE_WAIT)
            });
            // Printed records are written out once no exit has come for
            // FLUSH_AFTER, or once the first has waited MAX_HOLD (filtered
            // exits also keep the stream busy): a storm's records leave in
            // few write(2)s, yet none lingers while listen waits.
            if held_since.is_some_and(|t| t.elapsed() >= MAX_HOLD) {
                out.flush()?;
                held_since = None;
            }
            let mut event = if draining {
                self.listener.client.next_event(Duration::ZERO)?
            } else if held_since.is_some() {
                self.listener.client.next_event(FLUSH_AFTER)?
            } else {
                self.listener.client.next_event(wait)?
            };
            if event.is_none() && !draining && held_since.is_some() {
                out.flush()?;
                held_since = None;
                if !stop.requested() {
                    event = self.listener.client.next_event(wait)?;
                }
            }
            if self.last_drop_check.elapsed() >= DROP_CHECK
                || matches!(event, Some(Event::Overrun) | None)
            {
                self.check_drops(out)?;
            }
            match event {
                None if draining => return Ok(End::Stopped),
                None | Some(Event::Overrun) => {}
                Some(Event::Exit(raws)) => {
                    let printed = self.n.printed;
                    if self.message(&raws, out)? {
                        return Ok(End::Counted);
                    }
                    if self.n.printed > printed && held_since.is_none() {
                        held_since = Some(Instant::now());
                    }
                }
            }
        }
    }

    /// Prints one exit message's records that pass the filters; true once
    /// --count records were printed.
    fn message(&mut self, raws: &[RawRecord], out: &mut dyn Write) -> anyhow::Result<bool> {
        self.n.messages += 1;
        // One vector for every message: thousands arrive a second.
        let mut records = std::mem::take(&mut self.decoded);
        records.clear();
        let skipped = wire::decode_exit_message_into(raws, &mut records);
        self.n.skipped.merge(skipped);
        let done = self.print(&records, raws, out);
        self.decoded = records;
        done
    }

    /// Prints the records of one message that pass the filters.
    fn print(
        &mut self,
        records: &[(usize, Record)],
        raws: &[RawRecord],
        out: &mut dyn Write,
    ) -> anyhow::Result<bool> {
        let has_tgid = records.iter().any(|(_, r)| r.kind == RecordKind::Tgid);
        let peer = records
            .iter()
            .map(|(_, r)| r)
            .find(|r| r.kind == RecordKind::Pid);
        for (i, rec) in records {
            match rec.kind {
                RecordKind::Pid => self.n.pid += 1,
                RecordKind::Tgid => self.n.tgid += 1,
            }
            // Before the filter, which forgets a task its group held.
            if self.args.groups_only && !process_record(rec, has_tgid) {
                continue;
            }
            if !self.filter.keeps_exit(rec, peer) {
                continue;
            }
            if let (Some(f), Some(raw)) = (self.file.as_mut(), raws.get(*i)) {
                capture::write_record(f, raw)?;
            }
            let acct = self.acct;
            self.stream.record(out, rec, || rec.view(&acct))?;
            self.n.printed += 1;
            if self.args.count.is_some_and(|c| self.n.printed >= c) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The closing line on stderr: what was received, printed and lost.
    fn summary(&self) {
        let n = &self.n;
        let advice = if n.lost > 0 {
            format!(
                " (receive buffer {} bytes: raise --rcvbuf, or listen on fewer CPUs per taskstat)",
                self.listener.rcvbuf
            )
        } else {
            String::new()
        };
        let skipped = n
            .skipped
            .summary()
            .map_or(String::new(), |s| format!("; {s}"));
        eprintln!(
            "taskstat: {} records ({} pid, {} tgid) from {} exit messages, {} printed{skipped}; {} exit messages lost{advice}",
            n.pid + n.tgid,
            n.pid,
            n.tgid,
            n.messages,
            n.printed,
            n.lost,
        );
    }
}

pub fn run(args: ListenArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let mut filter = TaskFilter::listen(&args)?;
    let mut acct = Accounting::detect();
    // Whether the group records' elapsed time bounds their delays.
    acct.tgid_counts_exited = taskstat::probe::tgid_counts_exited_once(timeout);
    let stop = Stop::install()?;
    let mut listener = ExitListener::open(
        args.cpus.as_ref().map(|c| c.0.as_slice()),
        args.rcvbuf,
        timeout,
    )?;
    let file = match &args.write {
        Some(path) => {
            // The struct version for the header, from a query of ourselves.
            let version = listener
                .client
                .fetch(RecordKind::Pid, std::process::id())
                .ok()
                .flatten()
                .map(|r| r.stats.version);
            Some(capture_file(path, version, acct.delayacct)?)
        }
        None => None,
    };
    // For tests: a file of netlink exit messages (nlmsg_type 0 for the
    // family) received before the socket's, through the socket's path, so
    // that a test can feed messages this kernel does not send. An
    // environment variable, not an option: completions list hidden options.
    if let Some(path) = std::env::var_os(INJECT_ENV).map(std::path::PathBuf::from) {
        let bytes = std::fs::read(&path)
            .with_context(|| format!("{INJECT_ENV}: cannot read {}", path.display()))?;
        listener.client.inject(&bytes)?;
    }
    super::warn_accounting(&acct);
    let base_drops = listener.client.drops().unwrap_or(0);
    eprintln!(
        "taskstat: listening on CPUs {} (receive buffer {} bytes); stop with ^C",
        listener.cpus, listener.rcvbuf
    );
    filter.watch_exits();
    let mut l = Listen {
        args: &args,
        filter,
        acct,
        listener,
        file,
        stream: RecordStream::new(args.output.format(), args.output.sections()),
        base_drops,
        last_drop_check: Instant::now(),
        n: ListenCounts::default(),
        decoded: Vec::new(),
    };
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let end = match l.drain(&stop, &mut out) {
        Err(e) => match e.downcast_ref::<io::Error>() {
            Some(io) if is_broken_pipe(io) => End::ReaderGone,
            _ => return Err(e),
        },
        Ok(end) => end,
    };
    l.listener.close();
    let _ = l.check_drops(&mut out);
    if let Some(f) = l.file.as_mut() {
        f.flush().context("writing the record file")?;
    }
    if !matches!(end, End::ReaderGone) {
        let _ = l.stream.finish(&mut out);
    }
    l.summary();
    Ok(exit::code(stop.exit_status().unwrap_or(exit::OK)))
}
