//! `taskstat top`: live delay rates of every task, full-screen or in batch.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use regex_lite::Regex;
use std::path::PathBuf;
use taskstat::cli::{By, TopArgs};
use taskstat::client;
use taskstat::exit;
use taskstat::exit::Usage;

use taskstat::host::cgroup::{self, Group2, Membership};
use taskstat::host::held::{self, Held};
use taskstat::host::{pressure, procfs, users};
use taskstat::model::fleet::{Counters, ExitMessage};
use taskstat::model::pressure::GroupPressure;
use taskstat::model::top::{self, Counts, GroupDetails, Row, Tally, TopSort};
use taskstat::model::{Accounting, Record, RecordView};
use taskstat::render::human;
use taskstat::render::top as screen;
use taskstat::source::{Choice, Records};
use taskstat::wire::{self, Group, RecordKind};

use super::select;
use taskstat::listener::{ExitListener, Stop};

/// Which tasks a view shows, resolved before it starts.
struct Selection {
    /// -p: these processes (or their threads); only they are listed.
    pids: Vec<u32>,
    /// -u: these uids.
    uids: HashSet<u32>,
    comm: Option<Regex>,
    /// --cgroup: tasks in the group or below; only they are listed.
    group: Option<Group2>,
}

impl Selection {
    fn new(args: &TopArgs) -> Result<Selection, Usage> {
        for &p in &args.pids {
            if !procfs::exists(p) {
                return Err(Usage(format!("--pid {p}: no such process")));
            }
        }
        Ok(Selection {
            pids: args.pids.clone(),
            uids: select::uids(&args.users)?,
            comm: args.comm.clone(),
            group: select::group(args.cgroup.as_ref())?,
        })
    }

    /// The tasks to consider: the listed ones where a filter lists them
    /// (so that a narrow view costs what it shows), else every one.
    fn candidates(&self, threads: bool) -> Vec<u32> {
        if !self.pids.is_empty() {
            let mut ids: Vec<u32> = if threads {
                self.pids
                    .iter()
                    .flat_map(|p| procfs::thread_ids(*p).unwrap_or_default())
                    .collect()
            } else {
                self.pids.clone()
            };
            ids.sort_unstable();
            ids.dedup();
            return ids;
        }
        match &self.group {
            Some(g) => g.tasks(threads).unwrap_or_default(),
            None => procfs::list_tasks(threads),
        }
    }

    /// Whether a candidate passes the filters read from /proc (user, name,
    /// and the group when the candidates came from -p).
    fn keep(&self, id: u32) -> bool {
        if !self.uids.is_empty()
            && !procfs::Status::read(id)
                .ok()
                .and_then(|s| s.uid)
                .is_some_and(|u| self.uids.contains(&u))
        {
            return false;
        }
        let named = |re: &Regex| procfs::comm(id).is_some_and(|c| re.is_match(&c));
        if self.comm.as_ref().is_some_and(|re| !named(re)) {
            return false;
        }
        // With -p the candidates came from the list, not from the group.
        let inside = |g: &Group2| cgroup::cgroup2_of(id).is_some_and(|p| g.contains(&p));
        if !self.pids.is_empty() && self.group.as_ref().is_some_and(|g| !inside(g)) {
            return false;
        }
        true
    }

    /// Whether a process that exited before any sample saw it would have
    /// been shown: by its record's uid and name, and by its parent (seen,
    /// for -p and --cgroup) or its group.
    fn keeps_unseen(&self, m: &ExitMessage, parent_seen: impl Fn(u32) -> bool) -> bool {
        if !self.uids.is_empty() && !m.uid.is_some_and(|u| self.uids.contains(&u)) {
            return false;
        }
        let named = |re: &Regex| m.comm.as_deref().is_some_and(|c| re.is_match(c));
        if self.comm.as_ref().is_some_and(|re| !named(re)) {
            return false;
        }
        if !self.pids.is_empty() {
            return false;
        }
        match &self.group {
            Some(g) => {
                m.ppid.is_some_and(&parent_seen)
                    || cgroup::cgroup2_of(m.tgid).is_some_and(|p| g.contains(&p))
            }
            None => true,
        }
    }

    /// What the header says is in force.
    fn describe(&self, only: bool, counts: Counts) -> String {
        let mut parts = Vec::new();
        if !self.pids.is_empty() {
            let p: Vec<String> = self.pids.iter().map(u32::to_string).collect();
            parts.push(format!("pid {}", p.join(",")));
        }
        if !self.uids.is_empty() {
            let mut u: Vec<u32> = self.uids.iter().copied().collect();
            u.sort_unstable();
            let u: Vec<String> = u.iter().map(u32::to_string).collect();
            parts.push(format!("uid {}", u.join(",")));
        }
        if let Some(re) = &self.comm {
            parts.push(format!("comm /{}/", re.as_str()));
        }
        if let Some(g) = &self.group {
            parts.push(format!("cgroup {}", human::name(&g.path)));
        }
        if only {
            parts.push("only active".into());
        }
        if counts == Counts::Totals {
            parts.push("accumulated".into());
        }
        parts.join(", ")
    }
}

/// Queries the selected tasks once, at most `max_rate` queries per second.
struct Sampler {
    src: Records,
    acct: Accounting,
    max_rate: u32,
    selection: Selection,
    by: By,
    /// Each process's io files, open from one sample to the next.
    held: Held,
    /// Where the tree's membership and, with --by cgroup, each group's
    /// pressure files are read.
    cgroup2: Option<PathBuf>,
}

struct Sample {
    at: Instant,
    records: HashMap<u32, RecordView>,
    comms: HashMap<u32, String>,
    /// With --by: each process's key and summable figures (its live
    /// threads' own I/O, as every process row has it: its reaped children
    /// are counted at their own exits).
    keys: HashMap<u32, String>,
    counters: HashMap<u32, Counters>,
    /// With --by cgroup: each group's pressure, read once per sample.
    pressure: HashMap<String, GroupPressure>,
}

/// A process's key for --by, from /proc (its group from the sample's read
/// of the cgroup2 tree, if that listed it).
fn key_of(by: By, id: u32, comm: Option<&str>, members: Option<&Membership>) -> Option<String> {
    match by {
        By::Task => None,
        // A task that exits between the selection's look at it and this
        // one has no key, as under --by user; only a live task without a
        // cgroup2 line (no cgroup2 mounted) belongs to "/".
        By::Cgroup => members
            .and_then(|m| m.group_of(id))
            .map(str::to_string)
            .or_else(|| cgroup::cgroup2_of(id))
            .or_else(|| procfs::exists(id).then(|| "/".into())),
        By::User => procfs::Status::read(id).ok()?.uid.map(user_label),
        By::Comm => comm.map(str::to_string),
    }
}

fn user_label(uid: u32) -> String {
    users::name_of(uid).unwrap_or_else(|| uid.to_string())
}

impl Sampler {
    /// One sample of the selected tasks; `names`: read their names too
    /// (a sample that only serves as the start of an interval needs none).
    fn sample(&mut self, threads: bool, names: bool) -> anyhow::Result<Sample> {
        let ids = self.selection.candidates(threads);
        let kind = if threads {
            RecordKind::Pid
        } else {
            RecordKind::Tgid
        };
        let mut records = HashMap::with_capacity(ids.len());
        let mut comms = HashMap::with_capacity(ids.len());
        let (mut keys, mut counters) = (HashMap::new(), HashMap::new());
        let mut pace = super::Pacer::new(self.max_rate);
        let grouped = self.by != By::Task;
        // One read of the tree's cgroup.procs, not /proc/PID/cgroup per process.
        let members = match (self.by, &self.cgroup2) {
            (By::Cgroup, Some(mount)) => Membership::read(mount).ok(),
            _ => None,
        };
        self.held.begin_sweep();
        for id in ids {
            if !self.selection.keep(id) {
                continue;
            }
            pace.next();
            let view = match kind {
                RecordKind::Pid => self.src.thread_figures(id)?,
                RecordKind::Tgid => self.src.group(id)?,
            };
            if let Some(mut view) = view {
                // A process's I/O is not in the kernel's group record. Its
                // own is its live threads' (held files: one read for a
                // single-threaded process); /proc/PID/io would add each
                // child it reaps, as a burst of the parent's at the reaping.
                if kind == RecordKind::Tgid {
                    if let Some((r, w)) = self.held.read(id).and_then(|s| s.io) {
                        view.io.read_bytes = Some(r);
                        view.io.write_bytes = Some(w);
                    }
                }
                // Grouped rows show no names but --by comm's.
                let comm = if (names && !grouped) || self.by == By::Comm {
                    procfs::comm(id)
                } else {
                    None
                };
                if let Some(key) = key_of(self.by, id, comm.as_deref(), members.as_ref()) {
                    keys.insert(id, key);
                    counters.insert(id, Counters::of(&view));
                }
                records.insert(id, view);
                if let Some(c) = comm {
                    comms.insert(id, c);
                }
            }
        }
        self.held.end_sweep();
        let pressure = match self.by {
            By::Cgroup => {
                let groups: BTreeSet<&str> = keys.values().map(String::as_str).collect();
                pressure::of_groups(self.cgroup2.as_deref(), groups)
            }
            By::Task | By::User | By::Comm => HashMap::new(),
        };
        Ok(Sample {
            at: Instant::now(),
            records,
            comms,
            keys,
            counters,
            pressure,
        })
    }
}

/// --by: the tallies of each key, with the processes that exited counted
/// in the interval they exited in (their exit records' final figures).
struct Grouper {
    by: By,
    exits: ExitListener,
    acct: Accounting,
    /// Each process's key and figures when last seen (its exited threads'
    /// switches and I/O included).
    last_seen: HashMap<u32, (String, Counters)>,
    /// What exited threads took out of the kernel's live sums, by process.
    dead: HashMap<u32, Counters>,
    /// With -a: the tallies since top started.
    total: HashMap<String, Tally>,
    /// Where groups' pressure files are read, with --by cgroup.
    cgroup2: Option<PathBuf>,
}

impl Grouper {
    fn open(
        by: By,
        acct: Accounting,
        timeout: Duration,
        first: &Sample,
    ) -> anyhow::Result<Grouper> {
        let exits = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
        let mut acct = acct;
        // Whether the group records' elapsed time bounds their delays.
        acct.tgid_counts_exited = taskstat::probe::tgid_counts_exited_once(timeout);
        let last_seen = first
            .counters
            .iter()
            .filter_map(|(id, c)| Some((*id, (first.keys.get(id)?.clone(), *c))))
            .collect();
        Ok(Grouper {
            by,
            exits,
            acct,
            last_seen,
            dead: HashMap::new(),
            total: HashMap::new(),
            cgroup2: cgroup::cgroup2_mount(),
        })
    }

    /// The key of a process that exited without being seen: its parent's,
    /// or what its record says.
    fn key_of_exit(&self, m: &ExitMessage) -> String {
        let by_parent = m
            .ppid
            .and_then(|p| self.last_seen.get(&p))
            .map(|(k, _)| k.clone());
        match self.by {
            By::Cgroup => by_parent
                .or_else(|| cgroup::cgroup2_of(m.tgid))
                .unwrap_or_else(|| "/".into()),
            By::User => m.uid.map(user_label).unwrap_or_else(|| "?".into()),
            By::Comm | By::Task => m.comm.clone().unwrap_or_else(|| "?".into()),
        }
    }

    /// Each key's tally over the interval that ended with `cur`; exits of
    /// processes the selection would not show are left out.
    fn tally(&mut self, cur: &Sample, sel: &Selection) -> anyhow::Result<HashMap<String, Tally>> {
        let mut t: HashMap<String, Tally> = HashMap::new();
        for (id, c) in &cur.counters {
            let Some(key) = cur.keys.get(id) else {
                continue;
            };
            let c = c.plus(&self.dead.get(id).copied().unwrap_or_default());
            // Born in the interval: everything it did is new.
            let before = self.last_seen.get(id).map(|(_, b)| *b).unwrap_or_default();
            let e = t.entry(key.clone()).or_default();
            e.tasks += 1;
            e.sums = e.sums.plus(&c.minus(&before));
            self.last_seen.insert(*id, (key.clone(), c));
        }
        while let Some(ev) = self.exits.client.next_event(Duration::ZERO)? {
            let client::Event::Exit(raws) = ev else {
                continue;
            };
            let records: Vec<Record> = wire::decode_exit_message(&raws).0;
            let Some(m) = ExitMessage::of(&records, &self.acct) else {
                continue;
            };
            if !m.last {
                let d = self.dead.entry(m.tgid).or_default();
                *d = d.plus(&m.counters.thread_part());
                continue;
            }
            let dead = self.dead.remove(&m.tgid).unwrap_or_default();
            let (key, before) = match self.last_seen.remove(&m.tgid) {
                Some(seen) => seen,
                None if sel.keeps_unseen(&m, |p| self.last_seen.contains_key(&p)) => {
                    (self.key_of_exit(&m), Counters::default())
                }
                None => continue,
            };
            // A category rejected while it lived stays as it was counted.
            let done = m
                .counters
                .plus(&dead.thread_part())
                .frozen(&before.rejected, &before)
                .minus(&before);
            let e = t.entry(key).or_default();
            e.sums = e.sums.plus(&done);
        }
        Ok(t)
    }
}

/// What rows are computed against: the previous sample (rates), or, for
/// `-a`, each task's first sample and when top started.
struct Baseline {
    counts: Counts,
    started: Instant,
    first: HashMap<u32, RecordView>,
    /// With --by cgroup: each group's pressure at the start of the coming
    /// interval (with -a, when it was first seen).
    stall_since: HashMap<String, GroupPressure>,
    grouper: Option<Grouper>,
}

impl Baseline {
    fn new(counts: Counts, first: &Sample) -> Baseline {
        Baseline {
            counts,
            started: first.at,
            // Rates need only the previous sample; totals need the first.
            first: match counts {
                Counts::Totals => first.records.clone(),
                Counts::PerSecond => HashMap::new(),
            },
            stall_since: first.pressure.clone(),
            grouper: None,
        }
    }

    fn rows(
        &mut self,
        prev: &Sample,
        cur: &Sample,
        sel: &Selection,
        sort: TopSort,
        only: bool,
    ) -> anyhow::Result<Vec<Row>> {
        if let Some(g) = self.grouper.as_mut() {
            let interval = g.tally(cur, sel)?;
            let (tallies, secs) = match self.counts {
                Counts::PerSecond => (interval, cur.at.duration_since(prev.at).as_secs_f64()),
                Counts::Totals => {
                    for (k, t) in interval {
                        let e = g.total.entry(k).or_default();
                        e.tasks = t.tasks;
                        e.sums = e.sums.plus(&t.sums);
                    }
                    (
                        g.total.clone(),
                        cur.at.duration_since(self.started).as_secs_f64(),
                    )
                }
            };
            let on = g.acct.delayacct != Some(false);
            let mut rows = top::grouped(&tallies, secs, self.counts, |grp| {
                grp == Group::RunQueue || on
            });
            if g.by == By::Cgroup {
                let mut after = cur.pressure.clone();
                // A group whose processes all lived less than an interval
                // had none in the sample: its pressure is read now, so that
                // from its next row on it has a share.
                for r in &rows {
                    if !after.contains_key(&r.comm) {
                        after.extend(pressure::of_groups(g.cgroup2.as_deref(), [&*r.comm]));
                    }
                }
                for r in &mut rows {
                    let (b, a) = (self.stall_since.get(&r.comm), after.get(&r.comm));
                    r.group = Some(GroupDetails::of(&r.comm, b, a, secs));
                }
                match self.counts {
                    Counts::PerSecond => self.stall_since = after,
                    Counts::Totals => {
                        for (k, p) in after {
                            self.stall_since.entry(k).or_insert(p);
                        }
                    }
                }
            }
            if only {
                rows.retain(Row::active);
            }
            sort.sort(&mut rows);
            return Ok(rows);
        }
        let mut rows = match self.counts {
            Counts::PerSecond => top::rows(
                &prev.records,
                &cur.records,
                &cur.comms,
                cur.at.duration_since(prev.at).as_secs_f64(),
                Counts::PerSecond,
            ),
            Counts::Totals => {
                // A task that appeared since is counted from when it was first seen.
                for (id, v) in &prev.records {
                    self.first.entry(*id).or_insert_with(|| v.clone());
                }
                top::rows(
                    &self.first,
                    &cur.records,
                    &cur.comms,
                    cur.at.duration_since(self.started).as_secs_f64(),
                    Counts::Totals,
                )
            }
        };
        if only {
            rows.retain(Row::active);
        }
        sort.sort(&mut rows);
        Ok(rows)
    }
}

/// Process rows hold each process's files open from one sample to the next
/// (see host::held); a terminal's soft limit of 1024 descriptors would
/// hold few.
fn held_budget() -> usize {
    held::raise_descriptor_limit();
    held::budget()
}

pub fn run(args: TopArgs, source: Choice, timeout: Duration) -> anyhow::Result<ExitCode> {
    let selection = Selection::new(&args)?;
    let src = super::records(source, timeout)?;
    let acct = *src.acct();
    let mut sampler = Sampler {
        src,
        acct,
        max_rate: args.max_rate,
        selection,
        by: args.by,
        held: Held::new(held_budget()),
        cgroup2: cgroup::cgroup2_mount(),
    };
    if args.batch || args.json {
        return batch(args, &mut sampler, timeout);
    }
    interactive(args, &mut sampler, timeout)
}

fn batch(args: TopArgs, sampler: &mut Sampler, timeout: Duration) -> anyhow::Result<ExitCode> {
    let stop = Stop::install()?;
    let period = Duration::from_secs_f64(args.interval);
    let mut prev = sampler.sample(args.threads, false)?;
    super::warn_accounting(&sampler.acct);
    let counts = counts_of(args.accumulated);
    let mut baseline = Baseline::new(counts, &prev);
    if args.by != By::Task {
        baseline.grouper = Some(Grouper::open(args.by, sampler.acct, timeout, &prev)?);
    }
    let mut out = super::stdout();
    let mut batch = screen::Batch::new(
        args.format(),
        columns(args.by, args.threads).0,
        args.by == By::Cgroup,
        counts,
        args.rows,
    )
    .with_time_line(columns(args.by, args.threads).1);
    for _ in 0..args.iterations.unwrap_or(1) {
        let next = prev.at + period;
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                batch.finish(&mut out)?;
                out.flush()?;
                return Ok(exit::code(stop.exit_status().unwrap_or(exit::OK)));
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        let cur = sampler.sample(args.threads, true)?;
        let secs = match counts {
            Counts::PerSecond => cur.at.duration_since(prev.at),
            Counts::Totals => cur.at.duration_since(baseline.started),
        };
        let rows = baseline.rows(&prev, &cur, &sampler.selection, args.sort, args.only)?;
        batch.refresh(&mut out, &rows, secs.as_secs_f64())?;
        out.flush()?;
        prev = cur;
    }
    batch.finish(&mut out)?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}

/// The first two column titles, and what the rows are, in words.
fn columns(by: By, threads: bool) -> ([&'static str; 2], &'static str) {
    match (by, threads) {
        (By::Task, false) => (["PID", "COMMAND"], "processes"),
        (By::Task, true) => (["TID", "COMMAND"], "threads"),
        (By::Cgroup, _) => (["TASKS", "CGROUP"], "cgroups"),
        (By::User, _) => (["TASKS", "USER"], "users"),
        (By::Comm, _) => (["TASKS", "COMMAND"], "commands"),
    }
}

fn counts_of(accumulated: bool) -> Counts {
    if accumulated {
        Counts::Totals
    } else {
        Counts::PerSecond
    }
}

/// The full-screen view's state between refreshes.
struct View {
    sort: TopSort,
    threads: bool,
    only: bool,
    baseline: Baseline,
    prev: Sample,
    rows: Vec<Row>,
    status: String,
    refreshes: u64,
}

/// What a key asked for.
enum Key {
    Quit,
    /// Show threads instead of processes, or back, or switch between rates
    /// and totals: needs a new first sample.
    Switch,
    /// Sort or filter the rows already there.
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
            KeyCode::Char('a') => {
                let counts = match view.baseline.counts {
                    Counts::PerSecond => Counts::Totals,
                    Counts::Totals => Counts::PerSecond,
                };
                view.baseline.counts = counts;
                return Ok(Some(Key::Switch));
            }
            KeyCode::Char('o') => {
                view.only = !view.only;
                if view.only {
                    view.rows.retain(Row::active);
                }
                view.status = if view.only {
                    "only active tasks".into()
                } else {
                    "all tasks from the next refresh".into()
                };
                return Ok(Some(Key::Resorted));
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

fn interactive(
    args: TopArgs,
    sampler: &mut Sampler,
    timeout: Duration,
) -> anyhow::Result<ExitCode> {
    if !io::IsTerminal::is_terminal(&io::stdout()) {
        anyhow::bail!("stdout is not a terminal: use `taskstat top -b` for plain tables");
    }
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    let result = (|| -> anyhow::Result<()> {
        let period = Duration::from_secs_f64(args.interval);
        let first = sampler.sample(args.threads, false)?;
        let mut baseline = Baseline::new(counts_of(args.accumulated), &first);
        if args.by != By::Task {
            baseline.grouper = Some(Grouper::open(args.by, sampler.acct, timeout, &first)?);
        }
        let mut view = View {
            sort: args.sort,
            threads: args.threads,
            only: args.only,
            baseline,
            prev: first,
            rows: Vec::new(),
            status: String::from("first sample; rates appear after one interval"),
            refreshes: 0,
        };
        loop {
            let pressure = screen::pressure_lines(&procfs::pressure());
            let filters = sampler.selection.describe(view.only, view.baseline.counts);
            let keys = [
                (
                    "o",
                    if view.only {
                        "all tasks"
                    } else {
                        "only active"
                    },
                ),
                (
                    "a",
                    match view.baseline.counts {
                        Counts::PerSecond => "totals",
                        Counts::Totals => "rates",
                    },
                ),
                ("H", if view.threads { "processes" } else { "threads" }),
            ];
            terminal.draw(|f| {
                screen::draw(
                    f,
                    &screen::Screen {
                        pressure: &pressure,
                        rows: &view.rows,
                        columns: columns(args.by, view.threads).0,
                        groups: args.by == By::Cgroup,
                        what: columns(args.by, view.threads).1,
                        counts: view.baseline.counts,
                        sort: view.sort,
                        interval: args.interval,
                        limit: args.rows,
                        filters: &filters,
                        status: &view.status,
                        keys: &keys,
                        colour: screen::colour_wanted(),
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
                    view.prev = sampler.sample(view.threads, true)?;
                    let grouper = view.baseline.grouper.take();
                    view.baseline = Baseline::new(view.baseline.counts, &view.prev);
                    view.baseline.grouper = grouper;
                    view.rows.clear();
                    view.status = String::from("switched view; rates appear after one interval");
                    continue;
                }
                Some(Key::Resorted) | None => {}
            }
            if Instant::now() >= due {
                let cur = sampler.sample(view.threads, true)?;
                view.rows = view.baseline.rows(
                    &view.prev,
                    &cur,
                    &sampler.selection,
                    view.sort,
                    view.only,
                )?;
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
