//! `taskstat serve`: per-cgroup accounting for Prometheus.
//!
//! Three parts: a thread that hears every exit and books each exited
//! process's final figures to its group; a sweep of the live processes,
//! run for a scrape (or a textfile write) and cached briefly, on a thread
//! of its own ([`Sweeps`]); and the HTTP server ([`http`], hyper on a
//! single-threaded tokio runtime), which answers GET /metrics and /.

mod http;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hyper::body::Bytes;
use taskstat::cli::ServeArgs;
use taskstat::client::{Client, Event};
use taskstat::exit;
use taskstat::host::cgroup::{Membership, cgroup2_mount, cgroup2_of};
use taskstat::host::held::{self, HeldFiles, SweptProcess};
use taskstat::host::pressure;
use taskstat::host::procfs::{self, Stat};
use taskstat::model::distribution::{Distributions, KeyHistogram, KeyedBy};
use taskstat::model::fleet::{Counters, ExitMessage, Fleet, GroupFigures, ProcessExit, Series};
use taskstat::model::pressure::GroupPressure;
use taskstat::model::{Accounting, Record};
use taskstat::render::metrics::{Exposition, HistogramLines, Wire};
use taskstat::source;
use taskstat::wire::{self, Category, PerCategory, RecordKind};
use tokio::sync::{mpsc, oneshot};

use taskstat::listener::{ExitListener, Stop};

/// A live process the last sweeps did not see has lost its exit record.
const ABSENT_SWEEPS: u32 = 5;

fn lock<T>(books: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere cannot leave the books half-written: every update
    // is a few field additions. Keep serving what is there.
    books.lock().unwrap_or_else(|e| e.into_inner())
}

/// `serve --histograms`: the distributions of the exited processes, and
/// what they are kept by.
#[derive(Clone)]
struct Histograms {
    books: Arc<Mutex<Distributions>>,
    by: KeyedBy,
    /// User names by uid, looked up once each (a lookup can read
    /// /etc/passwd, or ask a directory service, and an exit storm brings
    /// thousands of exits a second).
    users: HashMap<u32, String>,
}

impl Histograms {
    /// Observes a process that ended, counted in the cgroup series `series`.
    fn observe(&mut self, m: &ExitMessage, series: &str) {
        let Some(sample) = &m.sample else {
            return;
        };
        let key = match self.by {
            KeyedBy::Cgroup => series,
            // The name of its last thread, which is its leader's unless the
            // leader ended first.
            KeyedBy::Comm => m.comm.as_deref().unwrap_or(Series::UNKNOWN),
            KeyedBy::User => match m.uid {
                Some(u) => self.users.entry(u).or_insert_with(|| {
                    taskstat::host::users::name_of(u).unwrap_or_else(|| u.to_string())
                }),
                None => Series::UNKNOWN,
            },
        };
        lock(&self.books).observe(key, sample);
    }
}

/// Books every exit record to the fleet, until `stop`.
fn hear_exits(
    mut listener: ExitListener,
    fleet: Arc<Mutex<Fleet>>,
    lost: Arc<AtomicU64>,
    softirq_seen: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    acct: Accounting,
    mut histograms: Option<Histograms>,
) {
    let base_drops = listener.client.drops().unwrap_or(0);
    let mut last_drop_check = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let event = match listener.client.next_event(Duration::from_millis(200)) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("taskstat: receiving exit records: {e}");
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };
        if last_drop_check.elapsed() >= Duration::from_millis(250)
            || matches!(event, Some(Event::Overrun))
        {
            if let Some(d) = listener.client.drops() {
                lost.store(d.saturating_sub(base_drops), Ordering::Relaxed);
            }
            last_drop_check = Instant::now();
        }
        let Some(Event::Exit(raws)) = event else {
            continue;
        };
        let records: Vec<Record> = wire::decode_exit_message(&raws).0;
        if records
            .iter()
            .any(|r| r.stats.delays[Category::Softirq].count.is_some())
        {
            softirq_seen.store(true, Ordering::Relaxed);
        }
        let Some(m) = ExitMessage::of(&records, &acct) else {
            continue;
        };
        if !m.last {
            lock(&fleet).thread_exited(m.tgid, &m.counters);
            continue;
        }
        let (tgid, counters) = (m.tgid, m.counters);
        let ppid = m.ppid;
        // For a process seen nowhere: a zombie still shows its group, a
        // parent usually lives on.
        let series = lock(&fleet).process_exited(
            &ProcessExit {
                tgid,
                ppid,
                start_ticks: None,
                counters,
            },
            || cgroup2_of(tgid).or_else(|| ppid.and_then(cgroup2_of)),
        );
        if let Some(h) = &mut histograms {
            h.observe(&m, &series);
        }
    }
    listener.close();
}

/// Sweeps the live processes and encodes the result; keeps the last one.
struct Sweeper {
    client: Client,
    acct: Accounting,
    max_rate: u32,
    fleet: Arc<Mutex<Fleet>>,
    lost: Arc<AtomicU64>,
    softirq_seen: Arc<AtomicBool>,
    cache: Duration,
    last: Option<(Instant, Arc<Swept>)>,
    /// Where the groups' cgroup.procs are read; without a cgroup2 tree,
    /// every process counts in `/`.
    cgroup2: Option<PathBuf>,
    /// Each process's stat and io, open from one sweep to the next.
    held: HeldFiles,
    histograms: Option<Histograms>,
    /// The histograms' text lines, from one sweep's scrapes to the next's.
    histogram_lines: Arc<Mutex<HistogramLines>>,
}

/// One sweep's figures, encoded both ways on demand.
struct Swept {
    groups: Vec<(String, GroupFigures)>,
    categories: Vec<Category>,
    lost: u64,
    rejected: PerCategory<u64>,
    seconds: f64,
    pressure: HashMap<String, GroupPressure>,
    histograms: Vec<KeyHistogram>,
    histograms_by: KeyedBy,
    histogram_lines: Arc<Mutex<HistogramLines>>,
    /// Each encoding once per sweep, however many scrapes the cache
    /// answers (by [`Wire`]: text, OpenMetrics, protobuf).
    encoded: [OnceLock<Result<Bytes, String>>; 3],
}

impl Swept {
    fn exposition(&self) -> Exposition<'_> {
        Exposition {
            groups: &self.groups,
            categories: &self.categories,
            lost: self.lost,
            rejected: self.rejected,
            sweep_seconds: self.seconds,
            pressure: &self.pressure,
            histograms: &self.histograms,
            histograms_by: self.histograms_by,
            histogram_lines: Some(&self.histogram_lines),
        }
    }

    /// The exposition in one format. A histogram goes on counting after
    /// the sweep: it is read as it is at the first scrape that asks for a
    /// format, and a cached answer holds that reading.
    fn encoded(&self, wire: Wire) -> Result<Bytes, String> {
        self.encoded[wire.index()]
            .get_or_init(|| wire.encode(&self.exposition()).map(Bytes::from))
            .clone()
    }
}

impl Sweeper {
    /// The figures now, or those of a sweep younger than the cache.
    fn figures(&mut self) -> anyhow::Result<Arc<Swept>> {
        let fresh = self
            .last
            .as_ref()
            .filter(|(at, _)| at.elapsed() < self.cache);
        if let Some((_, s)) = fresh {
            return Ok(Arc::clone(s));
        }
        let s = Arc::new(self.sweep()?);
        self.last = Some((Instant::now(), Arc::clone(&s)));
        Ok(s)
    }

    fn sweep(&mut self) -> anyhow::Result<Swept> {
        let start = Instant::now();
        lock(&self.fleet).begin_sweep();
        let mut seen = Vec::new();
        let mut pace = super::Pacer::new(self.max_rate);
        self.held.begin_sweep();
        let members = self
            .cgroup2
            .as_deref()
            .and_then(|m| Membership::read(m).ok());
        // cgroup.procs leaves zombies out, and the held files tell a reused
        // pid apart; without a cgroup2 tree, each process's stat line does.
        let mut held = Some(&mut self.held);
        let procs: Box<dyn Iterator<Item = (u32, Cow<'_, str>)>> = match &members {
            Some(m) => Box::new(m.processes().map(|(pid, g)| (pid, Cow::Borrowed(g)))),
            None => {
                held = None;
                Box::new(procfs::list_tasks(false).into_iter().map(|pid| {
                    let g = cgroup2_of(pid).unwrap_or_else(|| "/".to_string());
                    (pid, Cow::Owned(g))
                }))
            }
        };
        for (pid, cgroup) in procs {
            pace.next();
            let read = match held.as_deref_mut() {
                Some(h) => h.read(pid),
                // A zombie has exited: its record books it.
                None => Stat::read(pid)
                    .filter(|s| s.state != 'Z')
                    .map(|s| SweptProcess {
                        start_ticks: s.start_ticks,
                        io: procfs::own_io_of(pid, Some(s.threads)),
                    }),
            };
            let Some(read) = read else {
                continue;
            };
            let Some(rec) = self.client.fetch(RecordKind::Tgid, pid)? else {
                continue;
            };
            let acct = source::facts_for(&rec, &self.acct, self.client.timeout());
            let mut c = Counters::of(&rec.view(&acct));
            (c.read_bytes, c.write_bytes) = read.io.unwrap_or_default();
            seen.push((pid, read.start_ticks, cgroup, c));
        }
        self.held.end_sweep();
        let mut fleet = lock(&self.fleet);
        for (pid, start, cgroup, c) in &seen {
            fleet.observe(*pid, Some(*start), cgroup, *c);
        }
        fleet.forget_absent(ABSENT_SWEEPS);
        let groups = fleet.figures();
        let rejected = *fleet.rejections();
        drop(fleet);
        let pressure = pressure::of_groups(self.cgroup2.as_deref(), groups.iter().map(|g| &*g.0));
        let on = self.acct.delayacct != Some(false);
        let softirq = self.softirq_seen.load(Ordering::Relaxed);
        let categories = Category::ALL
            .into_iter()
            .filter(|&c| c == Category::Cpu || on)
            .filter(|c| !c.info().optional || softirq)
            .collect();
        Ok(Swept {
            groups,
            categories,
            lost: self.lost.load(Ordering::Relaxed),
            rejected,
            seconds: start.elapsed().as_secs_f64(),
            pressure,
            histograms: self
                .histograms
                .as_ref()
                .map(|h| lock(&h.books).histograms())
                .unwrap_or_default(),
            histograms_by: self.histograms.as_ref().map(|h| h.by).unwrap_or_default(),
            histogram_lines: Arc::clone(&self.histogram_lines),
            encoded: Default::default(),
        })
    }
}

/// A scrape's request to the sweeping thread: the exposition in one format.
struct Ask {
    wire: Wire,
    reply: oneshot::Sender<Result<Bytes, String>>,
}

/// The way to the thread that owns the [`Sweeper`]. A sweep is blocking
/// work (a netlink round trip and /proc reads per process, for up to
/// seconds on a busy machine): on the runtime's only thread it would stall
/// every connection, so it runs here, and the handler awaits the answer.
/// One thread and one queue: scrapes that arrive together share one sweep,
/// and those that arrive within `--cache` of it share its figures.
#[derive(Clone)]
pub(crate) struct Sweeps(mpsc::UnboundedSender<Ask>);

impl Sweeps {
    /// Starts the thread; it ends once every `Sweeps` is dropped.
    fn start(sweeper: Sweeper) -> anyhow::Result<Sweeps> {
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("sweep".into())
            .spawn(move || answer_asks(sweeper, rx))
            .context("cannot start the sweeping thread")?;
        Ok(Sweeps(tx))
    }

    /// The exposition, from a sweep made now or within `--cache`; on
    /// failure, why (already reported on stderr).
    pub(crate) async fn exposition(&self, wire: Wire) -> Result<Bytes, String> {
        let (reply, answer) = oneshot::channel();
        self.0
            .send(Ask { wire, reply })
            .map_err(|_| "the sweeping thread is gone".to_string())?;
        answer
            .await
            .map_err(|_| "the sweeping thread is gone".to_string())?
    }
}

fn answer_asks(mut sweeper: Sweeper, mut asks: mpsc::UnboundedReceiver<Ask>) {
    while let Some(first) = asks.blocking_recv() {
        // Everything already queued is answered by the same figures.
        let mut waiting = vec![first];
        while let Ok(a) = asks.try_recv() {
            waiting.push(a);
        }
        let swept = sweeper.figures().map_err(|e| {
            let why = format!("{e:#}");
            eprintln!("taskstat: a sweep failed: {why}");
            why
        });
        for a in waiting {
            // A client that went away meanwhile drops its receiver.
            let _ = a.reply.send(
                swept
                    .as_ref()
                    .map_err(Clone::clone)
                    .and_then(|s| s.encoded(a.wire)),
            );
        }
    }
}

/// Writes the exposition to `path` through a temporary file beside it, so
/// that a reader never sees half of one.
fn write_textfile(path: &Path, body: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .context("--textfile needs a file name")?
        .to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(body)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))
}

// Not inlined into the dispatch (see cmd::run).
#[inline(never)]
pub fn run(args: ServeArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let mut acct = Accounting::detect();
    // Whether the group records' elapsed time bounds their delays.
    acct.tgid_counts_exited = taskstat::probe::tgid_counts_exited_once(timeout);
    let stop = Stop::install()?;
    // Bound before exit records are heard: a port in use is found at once.
    let socket = match &args.textfile {
        None => Some(http::Server::bind(args.listen)?),
        Some(_) => None,
    };
    let listener = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
    super::warn_accounting(&acct);
    let fleet = Arc::new(Mutex::new(Fleet::new(Series::new(
        args.depth.map(|d| d as usize),
        args.max_series as usize,
    ))));
    let lost = Arc::new(AtomicU64::new(0));
    let softirq_seen = Arc::new(AtomicBool::new(false));
    let quit = Arc::new(AtomicBool::new(false));
    let histograms = args.histograms().map(|by| Histograms {
        books: Arc::new(Mutex::new(Distributions::new(args.max_series as usize))),
        by,
        users: HashMap::new(),
    });
    let hearer = {
        let (fleet, lost, softirq_seen, quit, histograms) = (
            Arc::clone(&fleet),
            Arc::clone(&lost),
            Arc::clone(&softirq_seen),
            Arc::clone(&quit),
            histograms.clone(),
        );
        std::thread::spawn(move || {
            hear_exits(listener, fleet, lost, softirq_seen, quit, acct, histograms)
        })
    };
    held::raise_descriptor_limit();
    let mut sweeper = Sweeper {
        client: Client::connect(timeout)?,
        acct,
        max_rate: args.max_rate,
        fleet,
        lost,
        softirq_seen,
        cache: Duration::from_secs_f64(args.cache),
        last: None,
        cgroup2: cgroup2_mount(),
        held: HeldFiles::new(held::budget()),
        histograms,
        histogram_lines: Arc::default(),
    };
    // The first sweep places the processes that already run.
    sweeper.figures()?;
    let result = match (&args.textfile, socket) {
        (Some(path), _) => textfile_loop(path, args.interval, &mut sweeper, &stop),
        (None, Some(server)) => {
            Sweeps::start(sweeper).and_then(|sweeps| server.serve(sweeps, &stop))
        }
        (None, None) => Ok(()),
    };
    quit.store(true, Ordering::Relaxed);
    let _ = hearer.join();
    result?;
    // Stopping is what a service manager asks of an exporter, not a
    // failure: SIGTERM and SIGINT end it with 0, so that systemd records a
    // clean stop (listen, a command at a terminal, keeps 128+N).
    Ok(exit::code(exit::OK))
}

fn textfile_loop(
    path: &Path,
    every: f64,
    sweeper: &mut Sweeper,
    stop: &Stop,
) -> anyhow::Result<()> {
    let period = Duration::from_secs_f64(every);
    eprintln!(
        "taskstat: writing {} every {every} s; stop with ^C",
        path.display()
    );
    loop {
        let next = Instant::now() + period;
        match sweeper.figures() {
            Ok(s) => write_textfile(path, &s.encoded(Wire::Text).map_err(anyhow::Error::msg)?)?,
            Err(e) => eprintln!("taskstat: a sweep failed: {e:#}"),
        }
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                return Ok(());
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }
}
