//! `taskstat top`: live delay rates of every task, full-screen or in batch.

use std::collections::HashMap;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::event::{self, Event, KeyCode, KeyEventKind};
use taskstat::cli::TopArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::host::procfs;
use taskstat::record::process;
use taskstat::record::top::{self, Row, TopSort};
use taskstat::record::{Accounting, RecordView};
use taskstat::render::top as screen;
use taskstat::wire::RecordKind;

use super::exits::Stop;

/// Queries every task once, at most `max_rate` queries per second.
struct Sampler {
    client: Client,
    acct: Accounting,
    max_rate: u32,
}

struct Sample {
    at: Instant,
    records: HashMap<u32, RecordView>,
    comms: HashMap<u32, String>,
}

impl Sampler {
    fn sample(&mut self, threads: bool) -> anyhow::Result<Sample> {
        let ids = procfs::list_tasks(threads);
        let kind = if threads {
            RecordKind::Pid
        } else {
            RecordKind::Tgid
        };
        let start = Instant::now();
        let mut records = HashMap::with_capacity(ids.len());
        let mut comms = HashMap::with_capacity(ids.len());
        // A burst of a tenth of a second's worth goes unpaced; beyond it,
        // n queries take at least n / max_rate seconds.
        let burst = (self.max_rate / 10) as usize;
        for (n, id) in ids.into_iter().enumerate() {
            let due =
                Duration::from_secs_f64(n.saturating_sub(burst) as f64 / f64::from(self.max_rate));
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            if let Some(r) = self.client.fetch(kind, id)? {
                let mut view = r.view(&self.acct);
                // A process's I/O is not in the kernel's group record:
                // /proc has the whole process's.
                if !threads && let Ok(io) = procfs::Io::read(id) {
                    process::with_proc_io(&mut view, &io);
                }
                records.insert(id, view);
                if let Some(c) = procfs::comm(id) {
                    comms.insert(id, c);
                }
            }
        }
        Ok(Sample {
            at: Instant::now(),
            records,
            comms,
        })
    }
}

fn ranked(prev: &Sample, cur: &Sample, sort: TopSort) -> Vec<Row> {
    let secs = cur.at.duration_since(prev.at).as_secs_f64();
    let mut rows = top::rows(&prev.records, &cur.records, &cur.comms, secs);
    sort.sort(&mut rows);
    rows
}

pub fn run(args: TopArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let mut sampler = Sampler {
        client: Client::connect(timeout)?,
        acct: Accounting::detect(),
        max_rate: args.max_rate,
    };
    if args.batch {
        return batch(args, &mut sampler);
    }
    interactive(args, &mut sampler)
}

fn batch(args: TopArgs, sampler: &mut Sampler) -> anyhow::Result<ExitCode> {
    let stop = Stop::install()?;
    let period = Duration::from_secs_f64(args.interval);
    let mut prev = sampler.sample(args.threads)?;
    super::warn_accounting(&sampler.acct);
    let mut out = super::stdout();
    for n in 0..args.iterations.unwrap_or(1) {
        let next = prev.at + period;
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                return Ok(exit::code(stop.exit_status().unwrap_or(exit::OK)));
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        let cur = sampler.sample(args.threads)?;
        if n > 0 {
            writeln!(out)?;
        }
        screen::write_batch(
            &mut out,
            &ranked(&prev, &cur, args.sort),
            args.threads,
            args.rows,
        )?;
        out.flush()?;
        prev = cur;
    }
    Ok(exit::code(exit::OK))
}

/// The full-screen view's state between refreshes.
struct View {
    sort: TopSort,
    threads: bool,
    prev: Sample,
    rows: Vec<Row>,
    status: String,
    refreshes: u64,
}

/// What a key asked for.
enum Key {
    Quit,
    /// Show threads instead of processes, or back: needs a new first sample.
    Switch,
    Resorted,
}

/// Waits for keys until `due`; None when the time came first.
fn keys_until(due: Instant, view: &mut View) -> anyhow::Result<Option<Key>> {
    while let Some(left) = due.checked_duration_since(Instant::now()) {
        if !event::poll(left)? {
            break;
        }
        let Event::Key(k) = event::read()? else {
            continue;
        };
        if k.kind != KeyEventKind::Press {
            continue;
        }
        match k.code {
            KeyCode::Char('q') | KeyCode::Esc => return Ok(Some(Key::Quit)),
            KeyCode::Char('H') => {
                view.threads = !view.threads;
                return Ok(Some(Key::Switch));
            }
            KeyCode::Char(c) => {
                if let Some(s) = TopSort::ALL.iter().find(|s| s.key() == c) {
                    view.sort = *s;
                    view.sort.sort(&mut view.rows);
                    view.status = format!("sorted by {}", view.sort.name());
                    return Ok(Some(Key::Resorted));
                }
            }
            _ => {}
        }
    }
    Ok(None)
}

fn interactive(args: TopArgs, sampler: &mut Sampler) -> anyhow::Result<ExitCode> {
    if !io::IsTerminal::is_terminal(&io::stdout()) {
        anyhow::bail!("stdout is not a terminal: use `taskstat top -b` for plain tables");
    }
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    let result = (|| -> anyhow::Result<()> {
        let period = Duration::from_secs_f64(args.interval);
        let mut view = View {
            sort: args.sort,
            threads: args.threads,
            prev: sampler.sample(args.threads)?,
            rows: Vec::new(),
            status: String::from("first sample; rates appear after one interval"),
            refreshes: 0,
        };
        loop {
            let pressure = screen::pressure_lines(&procfs::pressure());
            terminal.draw(|f| {
                screen::draw(
                    f,
                    &screen::Screen {
                        pressure: &pressure,
                        rows: &view.rows,
                        threads: view.threads,
                        sort: view.sort,
                        interval: args.interval,
                        limit: args.rows,
                        status: &view.status,
                    },
                )
            })?;
            if args.iterations.is_some_and(|n| view.refreshes >= n) {
                return Ok(());
            }
            let due = view.prev.at + period;
            match keys_until(due, &mut view)? {
                Some(Key::Quit) => return Ok(()),
                Some(Key::Switch) => {
                    view.prev = sampler.sample(view.threads)?;
                    view.rows.clear();
                    view.status = String::from("switched view; rates appear after one interval");
                    continue;
                }
                Some(Key::Resorted) | None => {}
            }
            if Instant::now() >= due {
                let cur = sampler.sample(view.threads)?;
                view.rows = ranked(&view.prev, &cur, view.sort);
                view.prev = cur;
                view.refreshes += 1;
                view.status = format!("refresh {}", view.refreshes);
            }
        }
    })();
    ratatui::restore();
    result?;
    Ok(exit::code(exit::OK))
}
