//! `taskstat record`: the history store's writer.
//!
//! Every interval, a sample: every process's figures (its record as `tgid`
//! shows it, with its cgroup) and each cgroup's totals (the books `serve`
//! keeps). Between samples, every exit record: a process that exited since
//! the last sample is stored once, with its whole life's figures, in the
//! sample that follows its exit.

use std::collections::{BTreeMap, HashMap, HashSet};
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
use taskstat::record::stored::AT;
use taskstat::record::{Accounting, Record, RecordView, process};
use taskstat::source::{Choice, Records};
use taskstat::store::{self, Sample};
use taskstat::wire::{self, Category, ExitOf, RecordKind};

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

/// A record and the cgroup it was in, as stored; `at`, for a live process,
/// when its figures were taken.
fn stored(v: &RecordView, cgroup: Option<&str>, at: Option<i64>) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(v)?;
    if let Value::Object(m) = &mut value {
        m.insert("cgroup".into(), cgroup.map_or(Value::Null, Value::from));
        if let Some(at) = at {
            m.insert(AT.into(), Value::from(at));
        }
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
    /// Each live process as the last sample stored it, by pid: its cgroup
    /// places its exit, and its figures stand while it does not run.
    seen: HashMap<u32, Seen>,
    /// The last sample's process records, by key, once the store has it.
    last: BTreeMap<String, Value>,
    /// The keys of this sample's process records moved unchanged from the
    /// last one: the store need not compare them.
    moved: HashSet<String>,
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
            let cgroup = self.seen.remove(&tgid).map(|p| p.cgroup).or_else(|| {
                view.ppid
                    .and_then(|p| Some(self.seen.get(&p)?.cgroup.clone()))
            });
            self.exited
                .insert(k, stored(&view, cgroup.as_deref(), None)?);
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
        let mut seen = HashMap::with_capacity(self.seen.len());
        self.moved.clear();
        self.fleet.begin_sweep();
        for pid in procfs::list_tasks(false) {
            // One question to the kernel first: a process whose run time and
            // context switches did not move since the last sample did not
            // run, so its figures are the ones stored then, unchanged (which
            // costs the store nothing); their AT key says when they were
            // taken, from which a reader moves the elapsed times on. Most
            // processes sleep through most samples.
            let Some(group) = self.src.group_record(pid)? else {
                continue;
            };
            let ran = Ran::of(&group);
            let last = self.seen.remove(&pid).filter(|p| p.ran == ran);
            // Its record moves from the last sample to this one, uncopied.
            let reused = last.and_then(|p| Some((self.last.remove(&p.key)?, p)));
            let (record, p) = match reused {
                Some(r) => {
                    self.moved.insert(r.1.key.clone());
                    r
                }
                None => {
                    // A zombie has exited: its exit record stores it.
                    let Some(stat) = Stat::read(pid).filter(|s| s.state != 'Z') else {
                        continue;
                    };
                    // The whole process, as `tgid` shows it: the thread-group
                    // record, identity from the leader's, I/O and memory from
                    // /proc.
                    let Some((view, _)) = self.src.process(pid)? else {
                        continue;
                    };
                    let Some(key) = key(&view) else {
                        continue;
                    };
                    let cgroup = cgroup2_of(pid).unwrap_or_else(|| "/".to_string());
                    let mut counters = Counters::of(&view);
                    // The books take each thread's own I/O: /proc/PID/io counts
                    // reaped children, whose exits the books count already.
                    (counters.read_bytes, counters.write_bytes) =
                        procfs::own_io(pid).unwrap_or_default();
                    let record = stored(&view, Some(&cgroup), Some(time_ns))?;
                    let p = Seen {
                        ran,
                        key,
                        start_ticks: stat.start_ticks,
                        cgroup,
                        counters,
                    };
                    (record, p)
                }
            };
            self.fleet
                .observe(pid, Some(p.start_ticks), &p.cgroup, p.counters);
            processes.insert(p.key.clone(), record);
            seen.insert(pid, p);
        }
        self.fleet.forget_absent(ABSENT_SWEEPS);
        self.seen = seen;
        // What is left of the last sample's records: processes gone.
        self.last.clear();
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

/// What moves whenever a process runs: its run time, context switches and
/// CPU waits, summed over its threads by the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ran {
    run_ns: Option<u64>,
    voluntary: Option<u64>,
    involuntary: Option<u64>,
    cpu_waits: Option<u64>,
}

impl Ran {
    /// From the kernel's record as it came: no view built for a process
    /// that turns out not to have run.
    fn of(r: &Record) -> Ran {
        Ran {
            run_ns: r.stats.cpu_run_real_total,
            voluntary: r.stats.nvcsw,
            involuntary: r.stats.nivcsw,
            cpu_waits: r.stats.delays[Category::Cpu].count,
        }
    }
}

/// A live process as the last sample stored it.
struct Seen {
    ran: Ran,
    key: String,
    start_ticks: u64,
    cgroup: String,
    counters: Counters,
}

pub fn run(args: RecordArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let stop = Stop::install()?;
    let src = super::records(Choice::Taskstats, timeout)?;
    let mut acct = *src.acct();
    // Whether the group records' elapsed time bounds their delays.
    acct.tgid_counts_exited = taskstat::probe::tgid_counts_exited_once(timeout);
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
        seen: HashMap::new(),
        last: BTreeMap::new(),
        moved: HashSet::new(),
        exiting: HashMap::new(),
        exited: BTreeMap::new(),
    };
    let period = Duration::from_secs_f64(args.interval);
    let mut next = Instant::now();
    loop {
        let mut sample = rec.sample()?;
        let moved = &rec.moved;
        writer.append_unless(&sample, &|section, key| {
            section == PROCESSES && moved.contains(key)
        })?;
        rec.last = sample.sections.remove(PROCESSES).unwrap_or_default();
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
                    let records: Vec<Record> = wire::decode_exit_message(&raws).0;
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
