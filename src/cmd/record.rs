//! `taskstat record`: the history store's writer.
//!
//! Every interval, a sample: every process's figures (its record as `tgid`
//! shows it, with its cgroup) and each cgroup's totals (the books `serve`
//! keeps). Between samples, every exit record: a process that exited since
//! the last sample is stored once, with its whole life's figures, in the
//! sample that follows its exit.

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use serde_json::Value;
use taskstat::cli::RecordArgs;
use taskstat::client::Event;
use taskstat::exit;
use taskstat::host::cgroup::cgroup2_of;
use taskstat::host::procfs::{self, Stat};
use taskstat::record::fleet::{Counters, ExitMessage, Fleet, ProcessExit, Series};
use taskstat::record::{Accounting, Record, RecordView, process};
use taskstat::source::{Choice, Records};
use taskstat::store::{self, Sample};
use taskstat::wire::{ExitOf, RecordKind};

use super::exits::{ExitListener, Stop};

/// The store's sections, as `replay` and `dump` read them.
pub const PROCESSES: &str = "processes";
pub const EXITED: &str = "exited";
pub const CGROUPS: &str = "cgroups";

/// A process that was not seen for this many samples has lost its exit record.
const ABSENT_SWEEPS: u32 = 5;

/// A process's key in the store: its pid and start time, so that a reused
/// pid is another process.
pub fn key(v: &RecordView) -> Option<String> {
    Some(format!("{}:{}", v.tgid.or(v.pid)?, v.start_time?))
}

/// A record and the cgroup it was in, as stored.
fn stored(v: &RecordView, cgroup: Option<&str>) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(v)?;
    if let Value::Object(m) = &mut value {
        m.insert("cgroup".into(), cgroup.map_or(Value::Null, Value::from));
    }
    Ok(value)
}

/// The exit records of processes still exiting (threads before the last).
#[derive(Default)]
struct Gathered {
    threads: Vec<Record>,
    group: Option<Record>,
}

struct Recorder {
    acct: Accounting,
    src: Records,
    fleet: Fleet,
    /// Each live process's cgroup when last seen, for its exit.
    cgroups: HashMap<u32, String>,
    exiting: HashMap<u32, Gathered>,
    /// Processes that exited since the last sample, by key.
    exited: BTreeMap<String, Value>,
}

impl Recorder {
    /// Books one exit message: its figures to the cgroup books, and a
    /// process whose last thread exited to the next sample.
    fn exit(&mut self, records: Vec<Record>) -> anyhow::Result<()> {
        let Some(m) = ExitMessage::of(&records, &self.acct) else {
            return Ok(());
        };
        if !m.last {
            self.fleet.thread_exited(m.tgid, &m.counters);
        } else {
            let ppid = m.ppid;
            let tgid = m.tgid;
            self.fleet.process_exited(
                &ProcessExit {
                    tgid,
                    ppid,
                    start_ticks: None,
                    counters: m.counters,
                },
                || cgroup2_of(tgid).or_else(|| ppid.and_then(cgroup2_of)),
            );
        }
        let Some(e) = ExitOf::of(&records) else {
            return Ok(());
        };
        let (tgid, last) = (e.tgid, e.last);
        let g = self.exiting.entry(tgid).or_default();
        for r in records {
            match r.kind {
                RecordKind::Tgid => g.group = Some(r),
                RecordKind::Pid => g.threads.push(r),
            }
        }
        if !last {
            return Ok(());
        }
        let g = self.exiting.remove(&tgid).unwrap_or_default();
        let Some(view) = process::assemble(tgid, &g.threads, g.group.as_ref(), &self.acct) else {
            return Ok(());
        };
        if let Some(k) = key(&view) {
            let cgroup = self
                .cgroups
                .remove(&tgid)
                .or_else(|| view.ppid.and_then(|p| self.cgroups.get(&p).cloned()));
            self.exited.insert(k, stored(&view, cgroup.as_deref())?);
        }
        Ok(())
    }

    /// One sample of every live process, the cgroup books, and the
    /// processes that exited since the last one.
    fn sample(&mut self) -> anyhow::Result<Sample> {
        let time_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let mut processes = BTreeMap::new();
        self.fleet.begin_sweep();
        for pid in procfs::list_tasks(false) {
            // A zombie has exited: its exit record stores it.
            let Some(stat) = Stat::read(pid).filter(|s| s.state != 'Z') else {
                continue;
            };
            let Some(view) = self.src.group(pid)? else {
                continue;
            };
            let cgroup = cgroup2_of(pid);
            let mut c = Counters::of(&view);
            // The books take each thread's own I/O: /proc/PID/io counts
            // reaped children, whose exits the books count already.
            (c.read_bytes, c.write_bytes) = procfs::own_io(pid);
            let path = cgroup.as_deref().unwrap_or("/");
            self.fleet.observe(pid, Some(stat.start_ticks), path, c);
            if let Some(k) = key(&view) {
                processes.insert(k, stored(&view, cgroup.as_deref())?);
            }
            self.cgroups.insert(pid, path.to_string());
        }
        self.fleet.forget_absent(ABSENT_SWEEPS);
        let live: std::collections::HashSet<u32> = processes
            .keys()
            .filter_map(|k: &String| k.split(':').next()?.parse().ok())
            .collect();
        self.cgroups.retain(|pid, _| live.contains(pid));
        let cgroups = self
            .fleet
            .figures()
            .into_iter()
            .map(|(path, f)| Ok((path, serde_json::to_value(f)?)))
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
        let mut sections = BTreeMap::new();
        sections.insert(PROCESSES.to_string(), processes);
        sections.insert(EXITED.to_string(), std::mem::take(&mut self.exited));
        sections.insert(CGROUPS.to_string(), cgroups);
        Ok(Sample { time_ns, sections })
    }
}

pub fn run(args: RecordArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let stop = Stop::install()?;
    let src = super::records(Choice::Taskstats, timeout)?;
    let acct = *src.acct();
    // Heard from before the first sample, so that no process falls between.
    let mut listener = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
    let mut writer = store::Writer::open(
        &args.dir,
        store::WriterOptions {
            max_size: Some(args.max_size),
            max_age: args.max_age.map(Duration::from_secs),
            ..store::WriterOptions::default()
        },
    )
    .with_context(|| format!("cannot record into {}", args.dir.display()))?;
    super::warn_accounting(&acct);
    eprintln!(
        "taskstat: recording every {} s into {}; stop with ^C",
        args.interval,
        args.dir.display()
    );
    let mut rec = Recorder {
        acct,
        src,
        fleet: Fleet::new(Series::new(None, usize::MAX)),
        cgroups: HashMap::new(),
        exiting: HashMap::new(),
        exited: BTreeMap::new(),
    };
    let period = Duration::from_secs_f64(args.interval);
    let mut next = Instant::now();
    loop {
        let sample = rec.sample()?;
        writer.append(&sample)?;
        if stop.requested() {
            break;
        }
        next += period;
        // Behind (a slow sweep, a suspended machine): the next sample is
        // one interval from now, not a burst of the missed ones.
        let now = Instant::now();
        if next < now {
            next = now + period;
        }
        // Exit records until the next sample; a stop ends the wait, and the
        // sample written then keeps the exits heard so far.
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                break;
            }
            match listener
                .client
                .next_event(left.min(Duration::from_millis(200)))?
            {
                Some(Event::Exit(raws)) => {
                    let records: Vec<Record> = raws
                        .iter()
                        .filter_map(|r| Record::decode(r, 0).ok())
                        .collect();
                    rec.exit(records)?;
                }
                Some(Event::Overrun) => super::warn(
                    "the exit-record queue overflowed: some exited processes are not stored",
                ),
                _ => {}
            }
        }
    }
    listener.close();
    Ok(exit::code(exit::OK))
}
