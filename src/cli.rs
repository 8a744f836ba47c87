//! The command line: parsing only, no system access.

use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};

use crate::history::reader::Range;
use crate::model::sort::SortKey;
use crate::model::top::TopSort;
use crate::render::format::{self as formats, Offer};
use crate::render::{Format, Output, ShownSections};

/// The long help's closing text: privileges, delay accounting, exit statuses.
pub fn after_help() -> String {
    let mut s = String::from(
        "Querying tasks needs CAP_NET_ADMIN: run as root, or give the binary the \
         capability with `setcap cap_net_admin+ep /path/to/taskstat`.\n\
         Delay figures other than CPU need delay accounting: `sysctl kernel.task_delayacct=1` \
         (it covers tasks started after it is switched on).\n\nExit status:\n",
    );
    for (code, meaning) in crate::exit::TABLE {
        s += &format!("  {code}  {meaning}\n");
    }
    s
}

/// Per-task delay, CPU, I/O and memory statistics from the Linux kernel's
/// taskstats interface: what is this process waiting on?
#[derive(Debug, Parser)]
#[command(name = "taskstat", version, about, after_help = after_help(), max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Adds "a similar subcommand exists" to an unknown subcommand's error
/// where clap found none: clap's Jaro similarity misses a swapped pair of
/// letters in a short name (`tpo` for `top`). Names within one edit (two
/// for longer names; a swap of neighbours counts as one) are offered.
pub fn suggest(mut e: clap::Error) -> clap::Error {
    use clap::CommandFactory as _;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand || e.get(ContextKind::SuggestedSubcommand).is_some()
    {
        return e;
    }
    let Some(ContextValue::String(typed)) = e.get(ContextKind::InvalidSubcommand) else {
        return e;
    };
    let near: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|name| strsim::osa_distance(name, typed) <= if name.len() < 6 { 1 } else { 2 })
        .collect();
    if !near.is_empty() {
        e.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(near),
        );
    }
    e
}

/// A subcommand's options, declared to clap only once that subcommand is
/// the one being parsed (clap's `Command::defer`). Building every
/// subcommand's options cost a one-shot `taskstat tgid P` about a fifth of
/// its instructions (bench/README.md); help, completions and the man page
/// build them all as before.
#[derive(Debug)]
pub struct Later<T>(pub T);

impl<T: Args> Args for Later<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args_for_update)
    }

    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: FromArgMatches> FromArgMatches for Later<T> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(m).map(Later)
    }

    fn from_arg_matches_mut(m: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(m).map(Later)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }

    fn update_from_arg_matches_mut(&mut self, m: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(m)
    }
}

/// The defaults of the global options.
pub const DEFAULT_TIMEOUT_MS: u64 = 5000;
pub const DEFAULT_SOURCE: crate::source::Choice = crate::source::Choice::Auto;

/// Options of every subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// How long to wait for each answer from the kernel, in milliseconds.
    // Listed after each subcommand's own options: those are declared to
    // clap later than the global ones (see `Later`).
    #[arg(long, global = true, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS, display_order = 900,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub timeout: u64,

    // Its help names the subcommands that need taskstats, from SOURCES.
    #[arg(long, global = true, value_enum, default_value_t = DEFAULT_SOURCE, display_order = 901,
          help = source_help())]
    pub source: crate::source::Choice,
}

/// What a subcommand does with `--source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceUse {
    /// Reads live records from taskstats or /proc, as chosen.
    Either,
    /// Needs taskstats (exit records, cgroup statistics): procfs is refused.
    Taskstats,
    /// Reads no live records (a file, the store, or diagnoses the sources).
    None,
}

/// Every subcommand and what it does with `--source`: the dispatcher's
/// refusal and the option's help both read it.
pub const SOURCES: [(&str, SourceUse); 13] = [
    ("pid", SourceUse::Either),
    ("tgid", SourceUse::Either),
    ("threads", SourceUse::Either),
    ("top", SourceUse::Either),
    ("cgroup-fd", SourceUse::Taskstats),
    ("listen", SourceUse::Taskstats),
    ("run", SourceUse::Taskstats),
    ("serve", SourceUse::Taskstats),
    ("record", SourceUse::Taskstats),
    ("replay", SourceUse::None),
    ("dump", SourceUse::None),
    ("decode", SourceUse::None),
    ("check", SourceUse::None),
];

/// What the subcommand `name` does with `--source`.
pub fn source_use(name: &str) -> SourceUse {
    SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(SourceUse::None, |&(_, u)| u)
}

/// The subcommands that need taskstats, as a list people read ("a, b and c").
pub fn needing_taskstats() -> String {
    let names: Vec<&str> = SOURCES
        .iter()
        .filter(|(_, u)| *u == SourceUse::Taskstats)
        .map(|(n, _)| *n)
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

fn source_help() -> String {
    format!(
        "Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc \
         (auto: taskstats when it answers). {} need taskstats",
        needing_taskstats()
    )
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Statistics of single threads (task ids), one record per id
    ///
    /// Each id is a thread id (TID) as in /proc/PID/task; for a
    /// single-threaded process it is the process id.
    Pid(Later<QueryArgs>),
    /// Statistics of whole processes: the kernel's sum over a thread group
    ///
    /// Any thread id of the process selects it. Delays, CPU times and
    /// context switches come from the kernel's thread-group record: delays
    /// and run times include threads that exited; user/system time, context
    /// switches and elapsed time include them too on kernels with the 2026
    /// fix "retain dead thread stats in TGID queries", and cover only the
    /// live threads before it (`taskstat check` says which). The kernel
    /// leaves the rest of that record empty, so taskstat fills it in: comm
    /// and ids from the leader's record, I/O from /proc (the process's own
    /// threads', never its reaped children's), memory peaks and faults from
    /// /proc (the whole process's, exited threads included). Per-category
    /// max/min, scaled times and the MB·µs integrals stay null: the kernel
    /// keeps them only per thread.
    Tgid(Later<QueryArgs>),
    /// A process and each of its threads, in one call: which thread waits?
    ///
    /// Prints the process's record (the kernel's thread-group sum) and the
    /// record of every thread in /proc/TGID/task, sorted with --sort.
    Threads(Later<ThreadsArgs>),
    /// A live view of the tasks with the highest delay rates
    ///
    /// Every refresh (--interval), queries every process (every thread with
    /// -H) and ranks them by the share of the interval they spent waiting:
    /// for a CPU (the default order), for block I/O, for memory (swap-in,
    /// reclaim, thrashing, compaction, copy-on-write), or by CPU time, context
    /// switches or I/O rates. With -b it prints plain tables instead, one per
    /// refresh.
    ///
    /// Keys: r c i m n s d w p sort by RUNQ%, CPU%, IO%, MEM%, IRQ%, CSW,
    /// READ, WRITE or PID; H threads or processes; o only the tasks that did
    /// something (-o); a totals since start instead of rates (-a); q quits.
    ///
    /// Columns: CPU% time on a CPU, RUNQ% waiting for a CPU, IO% waiting for
    /// block I/O, MEM% waiting for memory, IRQ% IRQ time charged, each a
    /// share of the interval; CSW/s context switches, READ/s and WRITE/s
    /// bytes from and to storage. A process's shares add up its threads' (a
    /// group's, its tasks'), so they pass 100% when several wait or run at
    /// once: RUNQ% 300 is three threads waiting for a CPU all the time. See
    /// TOP COLUMNS in taskstat(1).
    Top(Later<TopArgs>),
    /// Task-state counts of a cgroup; --totals sums its processes' statistics
    ///
    /// For a cgroup v1 directory the kernel counts the tasks
    /// (CGROUPSTATS_CMD_GET, no privilege needed). The kernel refuses cgroup2
    /// directories, so for those taskstat counts the threads in cgroup.threads
    /// from /proc the way the kernel counts v1 ones: exactly R is running,
    /// exactly S is sleeping (freezable sleeps such as nanosleep and futex
    /// waits are not, as in the kernel), D uninterruptible, T stopped; the
    /// kernel's io_wait catch-all cannot be seen in /proc and stays 0.
    /// Only tasks directly in the cgroup are counted, as the kernel does.
    ///
    /// --format json prints one object, not an array (see CGROUP REPORT in
    /// taskstat(1)); ndjson prints it on one line.
    #[command(name = "cgroup-fd")]
    CgroupFd(Later<CgroupArgs>),
    /// Print the statistics of every task as it exits
    ///
    /// Registers for the kernel's exit records on the given CPUs (all by
    /// default) and prints each record as it arrives: the thread's ("pid")
    /// and, when the last thread of a multi-threaded process exits, the
    /// process's ("tgid"). Stops on SIGINT or SIGTERM (exit status 130 or
    /// 143), after --count records or --duration seconds, and deregisters on
    /// the way out. Records the kernel had to drop because the socket's
    /// receive queue was full are counted exactly and reported, never lost
    /// silently. Needs CAP_NET_ADMIN and the initial pid and network namespaces.
    Listen(Later<ListenArgs>),
    /// Run a command and report its statistics when it exits, like time(1)
    ///
    /// The report is the command's own process record (threads that exited
    /// early included, assembled from the kernel's exit records) and the
    /// total of its whole tree: the command and every descendant, found by
    /// parentage at exit, so that a pid reused by an unrelated process is not
    /// counted. It goes to stderr (or -o FILE), so the command's own output
    /// stays clean; json, ndjson and csv need -o FILE (- for stdout). SIGTERM, SIGHUP, and SIGINT or SIGQUIT sent to taskstat
    /// alone are passed on to the command (those a terminal sends already
    /// reach it); taskstat then still reports. If taskstat is killed, the
    /// command is killed with it. taskstat exits with the command's status
    /// (128+N when killed by signal N; 127 when the command is not found, 126
    /// when it cannot be executed).
    Run(Later<RunArgs>),
    /// Export per-cgroup delays, CPU, I/O and context switches to Prometheus
    ///
    /// Every cgroup2 group's delays by category, CPU, storage I/O and
    /// context switches, with the tasks that already exited included, from
    /// their exit records.
    ///
    /// Each group's series also carry its workload's names where its path
    /// follows a known naming (unit, container_id, pod_uid: see SERVE
    /// METRICS in the man page), and each group's pressure (PSI) is
    /// exported as taskstat_cgroup_pressure_seconds_total where the kernel
    /// keeps it.
    ///
    /// Counters only grow, so rate() works even for groups whose work is
    /// done by processes that live milliseconds. `GET /metrics` answers in
    /// the Prometheus text format, or OpenMetrics when the scraper asks for
    /// it; --textfile writes the same for node_exporter's textfile
    /// collector instead. Needs CAP_NET_ADMIN and the initial pid and
    /// network namespaces (for exit records), and CAP_SYS_PTRACE to read the
    /// I/O of other users' processes.
    Serve(Later<ServeArgs>),
    /// Keep history: every process's figures every interval, and every exit
    ///
    /// Every interval, every process's figures and each cgroup's totals,
    /// and between samples every process that exited, in a compressed store
    /// that `replay` and `dump` read.
    ///
    /// Needs CAP_NET_ADMIN and the initial pid and network namespaces (for
    /// exit records). SIGTERM or SIGINT stores the exits already queued in a
    /// last sample, then exits 0.
    Record(Later<RecordArgs>),
    /// top's view over the stored history
    ///
    /// Rates between consecutive samples, in top's columns (see TOP COLUMNS
    /// in taskstat(1)); a process that exited shows in the interval it
    /// exited in.
    ///
    /// Keys: Right or t the next sample, Left or T the previous one; g go
    /// to a time (type it, then Enter; Esc cancels); r c i m n s d w p sort
    /// as in top; o only the rows that did something (-o); q or Esc quits.
    Replay(Later<ReplayArgs>),
    /// Print the stored history as ndjson, csv or OpenMetrics
    ///
    /// OpenMetrics is for `promtool tsdb create-blocks-from openmetrics`.
    /// With --by cgroup, each cgroup2 group's totals: the processes that
    /// exited before `record` saw them or their parent, and whose group
    /// could no longer be read, are counted in cgroup "(unknown)". There
    /// OpenMetrics also has each group's classic histograms of its exited
    /// processes' waits, longest waits, CPU and wall time
    /// (taskstat_process_*_seconds), counted from the dump's first sample.
    Dump(Later<DumpArgs>),
    /// Print the records of a file written by `listen --write`
    Decode(Later<DecodeArgs>),
    /// Diagnose whether taskstats queries can work here, and how to fix them
    Check(Later<CheckArgs>),
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Pid(_) => "pid",
            Command::Tgid(_) => "tgid",
            Command::Threads(_) => "threads",
            Command::Top(_) => "top",
            Command::CgroupFd(_) => "cgroup-fd",
            Command::Listen(_) => "listen",
            Command::Run(_) => "run",
            Command::Serve(_) => "serve",
            Command::Record(_) => "record",
            Command::Replay(_) => "replay",
            Command::Dump(_) => "dump",
            Command::Decode(_) => "decode",
            Command::Check(_) => "check",
        }
    }
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Task ids to query (1 to 4294967295).
    #[arg(required = true, value_name = "ID",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub ids: Vec<u32>,

    /// Sample every SECS seconds and print what happened in each interval:
    /// the differences of every figure, each delay category's share of wall
    /// time and average wait, CPU %, context switches/s and I/O bytes/s.
    /// The first output comes after the first interval.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub interval: Option<f64>,

    /// With --interval: stop after N intervals (default: until interrupted).
    #[arg(long, value_name = "N", requires = "interval",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How a subcommand offers its output formats ([`formats::OFFERS`]).
pub trait Offered {
    const OFFER: &'static Offer;
}

/// pid, tgid, threads, cgroup-fd, listen, run and decode.
#[derive(Debug)]
pub struct RecordFormats;
impl Offered for RecordFormats {
    const OFFER: &'static Offer = &formats::RECORDS;
}

#[derive(Debug)]
pub struct DumpFormats;
impl Offered for DumpFormats {
    const OFFER: &'static Offer = &formats::DUMP;
}

#[derive(Debug)]
pub struct CheckFormats;
impl Offered for CheckFormats {
    const OFFER: &'static Offer = &formats::CHECK;
}

#[derive(Debug)]
pub struct TopFormats;
impl Offered for TopFormats {
    const OFFER: &'static Offer = &formats::TOP;
}

/// The output format, as every subcommand declares it: `-f/--format` with
/// the formats its offer lists (clap refuses any other, naming those), and
/// `--json` where the offer has it.
#[derive(Debug)]
pub struct FormatArgs<O> {
    format: Option<Format>,
    json: bool,
    offer: std::marker::PhantomData<O>,
}

impl<O: Offered> FormatArgs<O> {
    pub fn format(&self) -> Format {
        O::OFFER.chosen(self.format, self.json)
    }
}

impl<O: Offered> Args for FormatArgs<O> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        use clap::builder::{PossibleValue, PossibleValuesParser};
        use clap::{Arg, ArgAction};
        let o = O::OFFER;
        let mut cmd = cmd;
        if !o.formats.is_empty() {
            let values = o
                .formats
                .iter()
                .map(|(f, help)| PossibleValue::new(f.name()).help(*help));
            cmd = cmd.arg(
                Arg::new("format")
                    .short('f')
                    .long("format")
                    .value_name("FORMAT")
                    .action(ArgAction::Set)
                    .value_parser(PossibleValuesParser::new(values))
                    .default_value(o.default.name())
                    .help("Output format"),
            );
        }
        if let Some(help) = o.json {
            let mut json = Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help(help);
            if !o.formats.is_empty() {
                json = json.conflicts_with("format");
            }
            cmd = cmd.arg(json);
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl<O: Offered> FromArgMatches for FormatArgs<O> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let o = O::OFFER;
        let format = match o.formats.is_empty() {
            true => None,
            false => m
                .get_one::<String>("format")
                .and_then(|n| Format::from_name(n)),
        };
        Ok(FormatArgs {
            format,
            json: o.json.is_some() && m.get_flag("json"),
            offer: std::marker::PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[command(flatten)]
    pub format: FormatArgs<RecordFormats>,

    /// Show the delay section (getdelays -d).
    #[arg(short = 'd', long)]
    pub delays: bool,

    /// Show the I/O section (getdelays -i).
    #[arg(short = 'i', long)]
    pub io: bool,

    /// Show the context-switch section (getdelays -q).
    #[arg(short = 'q', long)]
    pub context_switches: bool,

    /// Show the task and CPU-time sections.
    #[arg(long)]
    pub cpu: bool,

    /// Show the memory section.
    #[arg(long)]
    pub memory: bool,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        self.format.format()
    }

    /// The format and sections together, as the renderers take them.
    pub fn output(&self) -> Output {
        Output {
            format: self.format(),
            sections: self.sections(),
        }
    }

    pub fn sections(&self) -> ShownSections {
        self.sections_asked().or_all()
    }

    /// The section letters given, none when none was.
    pub fn sections_asked(&self) -> ShownSections {
        ShownSections {
            delays: self.delays,
            io: self.io,
            context_switches: self.context_switches,
            cpu: self.cpu,
            memory: self.memory,
        }
    }
}

#[derive(Debug, Args)]
pub struct ThreadsArgs {
    /// The process (any of its thread ids selects it).
    #[arg(value_name = "TGID", value_parser = clap::value_parser!(u32).range(1..))]
    pub tgid: u32,

    /// Order of the threads: by a column of top (the words of top -s), or by
    /// one delay category's total wait (largest first), or by thread id.
    #[arg(long, value_enum, default_value_t = SortKey::TID)]
    pub sort: SortKey,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Seconds between refreshes.
    #[arg(short = 'd', long, value_name = "SECS", default_value_t = 2.0, value_parser = parse_secs)]
    pub interval: f64,

    /// Batch mode: plain tables, one per refresh, separated by a blank line.
    #[arg(short = 'b', long)]
    pub batch: bool,

    /// Stop after N refreshes (batch mode: default 1).
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,

    /// Show threads instead of processes.
    #[arg(short = 'H', long)]
    pub threads: bool,

    /// Column to sort by (largest first).
    #[arg(short = 's', long, value_enum, default_value_t = TopSort::Runq)]
    pub sort: TopSort,

    /// Show at most N tasks per refresh (batch mode: all).
    #[arg(long, value_name = "N")]
    pub rows: Option<usize>,

    /// At most this many netlink queries per second (after a burst of a
    /// tenth of a second's worth), to bound the cost on machines with many tasks.
    #[arg(long, value_name = "N", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rate: u32,

    /// Only these processes (with -H, their threads); comma-separated or
    /// repeated. Only they are queried.
    #[arg(short = 'p', long = "pid", value_name = "PID", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(1..))]
    pub pids: Vec<u32>,

    /// Only tasks of these users: names (looked up in the system's user
    /// database) or numeric uids; comma-separated or repeated.
    #[arg(short = 'u', long = "user", value_name = "USER", value_delimiter = ',',
          value_hint = clap::ValueHint::Username)]
    pub users: Vec<String>,

    /// Only tasks whose name matches this regular expression, anywhere in
    /// the name unless anchored (as pgrep matches): e.g. '^kworker'.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub comm: Option<regex_lite::Regex>,

    /// Only tasks in this cgroup2 group or below it: its path in the tree
    /// (/system.slice/ssh.service) or its directory under the cgroup2 mount.
    /// Only they are queried.
    #[arg(long, value_name = "PATH")]
    pub cgroup: Option<std::path::PathBuf>,

    /// Only tasks that did something in the interval: ran, waited or did I/O.
    #[arg(short = 'o', long)]
    pub only: bool,

    /// Totals since top started (context switches, bytes read and written;
    /// shares of the whole time) instead of rates, as iotop -a.
    #[arg(short = 'a', long)]
    pub accumulated: bool,

    /// One row per cgroup2 group, user or command name instead of per task,
    /// with the processes that exited in an interval counted in it.
    #[arg(long, value_enum, default_value_t = By::Task, conflicts_with = "threads")]
    pub by: By,

    #[command(flatten)]
    pub output: FormatArgs<TopFormats>,
}

impl TopArgs {
    pub fn format(&self) -> Format {
        self.output.format()
    }

    /// Lines rather than the full screen: -b, or a format for scripts.
    pub fn in_batch(&self) -> bool {
        self.batch || self.format() != Format::Table
    }
}

/// What a row of `top` stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// A process (or with -H a thread).
    Task,
    /// A cgroup2 group (the `0::` line of /proc/PID/cgroup).
    Cgroup,
    /// A user.
    User,
    /// A command name.
    Comm,
}

#[derive(Debug, Args)]
pub struct CgroupArgs {
    /// A cgroup directory: in a cgroup v1 hierarchy or the cgroup2 tree.
    #[arg(
        value_name = "PATH",
        required_unless_present = "fd",
        conflicts_with = "fd"
    )]
    pub path: Option<std::path::PathBuf>,

    /// Use a descriptor of a cgroup directory that the caller holds open
    /// (e.g. `taskstat cgroup-fd --fd 3 3</sys/fs/cgroup/cpu/app`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..))]
    pub fd: Option<i32>,

    /// Also sum the statistics of every process in the cgroup (needs CAP_NET_ADMIN).
    #[arg(long)]
    pub totals: bool,

    /// With --totals: include the processes of every cgroup below it.
    #[arg(long, requires = "totals")]
    pub recursive: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// CPUs to listen on, as a cpulist like 0-3,5 (default: every possible CPU).
    #[arg(long, value_name = "LIST", value_parser = parse_cpus)]
    pub cpus: Option<CpuList>,

    /// Socket receive buffer in bytes: room for records while taskstat is
    /// busy writing (SO_RCVBUFFORCE as root, else capped by net.core.rmem_max).
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=(i32::MAX as u64)))]
    pub rcvbuf: u64,

    /// Only records of this thread group (repeatable).
    #[arg(long, value_name = "TGID")]
    pub tgid: Vec<u32>,

    /// Only tasks whose name matches this regular expression, anywhere in
    /// the name unless anchored (as pgrep matches): e.g. '^nginx'.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub comm: Option<regex_lite::Regex>,

    /// Only tasks of these users: names (looked up in the system's user
    /// database) or numeric uids; comma-separated or repeated.
    #[arg(
        short = 'u',
        long = "user",
        alias = "uid",
        value_name = "USER",
        value_delimiter = ','
    )]
    pub users: Vec<String>,

    /// Only tasks in this cgroup2 group or below it: its path in the tree or
    /// its directory under the cgroup2 mount. A task is placed by where it,
    /// or for a task too short-lived to be seen its parent, was last seen
    /// (the group is read every 100 ms).
    #[arg(long, value_name = "PATH")]
    pub cgroup: Option<std::path::PathBuf>,

    /// One record per exiting process: the tgid record of a multi-threaded
    /// process, the pid record of a single-threaded one (flag AGROUP).
    #[arg(long)]
    pub groups_only: bool,

    /// Stop after printing this many records.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Stop after this many seconds.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub duration: Option<f64>,

    /// Also append the raw records to FILE, with a header that describes
    /// them; read it back with `taskstat decode FILE`.
    #[arg(long, value_name = "FILE")]
    pub write: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Write the report to FILE (- for stdout) instead of stderr. json,
    /// ndjson and csv need it: on stderr the command's own messages would
    /// break them.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output_file: Option<std::path::PathBuf>,

    /// Also print the record of each of the command's threads.
    #[arg(long)]
    pub threads: bool,

    /// Also list each descendant process that exited while the command ran
    /// (the total covers them either way).
    #[arg(long)]
    pub children: bool,

    /// Print the command's full record and the tree's total instead of the
    /// short summary (the summary is the default of the table format).
    #[arg(short = 'v', long)]
    pub verbose: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// The command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to serve /metrics on: an IP address, or a host
    /// name such as localhost, looked up once at start (its first IPv4
    /// address, else its first).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9465", value_parser = parse_listen)]
    pub listen: std::net::SocketAddr,

    /// Instead of serving, write the exposition to PATH every --interval
    /// seconds (a temporary file renamed over it), for node_exporter's
    /// textfile collector.
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<std::path::PathBuf>,

    /// Seconds between writes of --textfile.
    #[arg(long, value_name = "SECS", default_value_t = 15.0, value_parser = parse_secs)]
    pub interval: f64,

    /// Fold cgroup paths deeper than N into their ancestor at depth N
    /// (1: /system.slice, /user.slice, ...).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub depth: Option<u32>,

    /// At most this many cgroup series; groups beyond it are counted in
    /// cgroup="(other)".
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_series: u32,

    /// A scrape within this many seconds of the last sweep is answered from
    /// it, so that several scrapers do not multiply the load.
    #[arg(long, value_name = "SECS", default_value_t = 1.0, value_parser = parse_secs)]
    pub cache: f64,

    /// At most this many netlink queries per second in a sweep (as top).
    #[arg(long, value_name = "N", default_value_t = 20_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rate: u32,

    /// Also export histograms of each exited process's waits (cpu, io,
    /// memory), longest single wait, CPU time and wall time, per cgroup
    /// series: taskstat_process_*_seconds. Native histograms for a
    /// scraper that asks for protobuf, classic buckets (10 µs to 100 s)
    /// in the text formats. Off by default: each key adds up to 8 × 25
    /// series.
    #[arg(long)]
    pub histograms: bool,

    /// Keep the histograms per cgroup series, command name or user
    /// (implies --histograms). At most --max-series keys; later ones are
    /// counted in "(other)".
    #[arg(long, value_enum, value_name = "KEY")]
    pub histograms_by: Option<HistogramsBy>,
}

/// What `serve --histograms-by` keeps histograms by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HistogramsBy {
    /// The cgroup series, as the counters (--depth and --max-series apply).
    Cgroup,
    /// The process's command name (comm: its last thread's, its leader's
    /// unless the leader ended first).
    Comm,
    /// The user the process ran as.
    User,
}

impl ServeArgs {
    /// What histograms are kept by, if any are.
    pub fn histograms(&self) -> Option<crate::model::distribution::KeyedBy> {
        use crate::model::distribution::KeyedBy;
        match (self.histograms, self.histograms_by) {
            (_, Some(HistogramsBy::Comm)) => Some(KeyedBy::Comm),
            (_, Some(HistogramsBy::User)) => Some(KeyedBy::User),
            (true, _) | (_, Some(HistogramsBy::Cgroup)) => Some(KeyedBy::Cgroup),
            (false, None) => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// A file written by `taskstat listen --write`.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `ADDR:PORT`, `[V6]:PORT` or `HOST:PORT`. A host name is resolved as
/// node_exporter's --web.listen-address resolves it (Go's net.Listen takes
/// the first IPv4 address), so `localhost:9465` listens on 127.0.0.1.
fn parse_listen(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs as _;
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    let Some((host, port)) = s.rsplit_once(':') else {
        return Err("give HOST:PORT, e.g. 127.0.0.1:9465 or localhost:9465".into());
    };
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err("give HOST:PORT, e.g. 127.0.0.1:9465 or localhost:9465".into());
    }
    let addrs: Vec<std::net::SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve host {host:?}: {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("host {host:?} has no address"))
}

/// CPU numbers from a cpulist (a newtype: clap would take a bare Vec for
/// many values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuList(pub Vec<u32>);

fn parse_cpus(s: &str) -> Result<CpuList, String> {
    crate::host::cpulist::parse(s).map(CpuList)
}

/// Where `record` keeps its store, and `replay` and `dump` read it.
pub const DEFAULT_STORE: &str = "/var/log/taskstat";

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The store's directory (created if missing).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STORE)]
    pub dir: std::path::PathBuf,

    /// Seconds between samples, from 0.1 to 86400 (a day).
    #[arg(short = 'd', long, value_name = "SECS", default_value_t = 5.0, value_parser = parse_record_secs)]
    pub interval: f64,

    /// The store's largest size, at least 1M: whole files go, oldest first,
    /// beyond it (K, M, G: powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_store_size)]
    pub max_size: u64,

    /// Remove files older than this (s, m, h, d; e.g. 7d).
    #[arg(long, value_name = "DURATION", value_parser = crate::time::parse_duration)]
    pub max_age: Option<u64>,

    /// Let this group read the store too (a name or a gid, e.g. adm): the
    /// directory is then 0750 and its files 0640, not 0700 and 0600.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}

// The stored history's range: `--begin` and `--end`. (Plain comments: a
// doc comment on a flattened struct would become the command's about.)
#[derive(Debug, Args)]
pub struct RangeArgs {
    /// The store's directory.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STORE)]
    pub dir: std::path::PathBuf,

    /// From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today),
    /// RFC 3339, -10m or -2h (before now), or @UNIX.
    #[arg(long, value_name = "TIME", value_parser = parse_time, allow_hyphen_values = true)]
    pub begin: Option<jiff::Timestamp>,

    /// Until this time (the same forms as --begin).
    #[arg(long, value_name = "TIME", value_parser = parse_time, allow_hyphen_values = true)]
    pub end: Option<jiff::Timestamp>,
}

impl RangeArgs {
    /// The range as the history's reader takes it.
    pub fn range(&self) -> Range<'_> {
        Range {
            dir: &self.dir,
            begin: self.begin,
            end: self.end,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub range: RangeArgs,

    /// Batch mode: plain tables, one per stored sample, each after a line
    /// that starts with the sample's time.
    #[arg(short = 'b', long)]
    pub batch: bool,

    /// Stop after N samples (batch mode: default every sample in the range).
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,

    /// Column to sort by (largest first).
    #[arg(short = 's', long, value_enum, default_value_t = TopSort::Runq)]
    pub sort: TopSort,

    /// Show at most N rows per sample (batch mode: all).
    #[arg(long, value_name = "N")]
    pub rows: Option<usize>,

    #[command(flatten)]
    pub filter: StoredFilter,

    /// Only rows that did something in the interval.
    #[arg(short = 'o', long)]
    pub only: bool,

    /// Totals since the first sample of the range (context switches,
    /// bytes read and written; shares of the whole time) instead of rates,
    /// as top -a.
    #[arg(short = 'a', long)]
    pub accumulated: bool,

    /// One row per cgroup2 group, user or command name instead of per process.
    #[arg(long, value_enum, default_value_t = By::Task)]
    pub by: By,
}

// Filters over stored processes, as top's (a plain comment, as RangeArgs').
#[derive(Debug, Args)]
pub struct StoredFilter {
    /// Only these processes; comma-separated or repeated.
    #[arg(short = 'p', long = "pid", value_name = "PID", value_delimiter = ',',
          value_parser = clap::value_parser!(u32).range(1..))]
    pub pids: Vec<u32>,

    /// Only processes of these users: names or numeric uids.
    #[arg(short = 'u', long = "user", value_name = "USER", value_delimiter = ',',
          value_hint = clap::ValueHint::Username)]
    pub users: Vec<String>,

    /// Only processes whose name matches this regular expression.
    #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
    pub comm: Option<regex_lite::Regex>,

    /// Only processes that were in this cgroup2 group or below it (its
    /// path in the tree, e.g. /system.slice/ssh.service).
    #[arg(long, value_name = "PATH")]
    pub cgroup: Option<String>,
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    #[command(flatten)]
    pub range: RangeArgs,

    #[command(flatten)]
    pub format: FormatArgs<DumpFormats>,

    /// One record per process per sample, or one per cgroup per sample.
    #[arg(long, value_enum, default_value_t = DumpBy::Task)]
    pub by: DumpBy,

    /// Only the processes (or cgroups) whose figures changed since the
    /// previous sample, those seen for the first time, and every process
    /// that exited.
    #[arg(long)]
    pub changed: bool,

    /// Smaller records: ndjson leaves out null fields (a missing field is
    /// null) and each record's sources and notes; csv has a process's
    /// identity, CPU times, each delay category's count and total, context
    /// switches, I/O bytes, peak RSS and major faults.
    #[arg(long)]
    pub compact: bool,

    #[command(flatten)]
    pub filter: StoredFilter,
}

/// What a dumped record stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpBy {
    /// A process.
    Task,
    /// A cgroup2 group's totals; exits placed in no group are in "(unknown)".
    Cgroup,
}

fn parse_time(s: &str) -> Result<jiff::Timestamp, String> {
    crate::time::parse_now(s)
}

/// `512K`, `100M`, `1G`, or bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("{s:?}: give a size such as 512K, 100M or 1G")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?}: give a size such as 512K, 100M or 1G"))?;
    n.checked_mul(1 << shift)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("{s:?}: give a size above 0 and below 16 EiB"))
}

/// The smallest `record --max-size` that keeps more than a sample or two:
/// the store is 8 files of `max_size / 8`, and a sample of 1,000 processes
/// (a file's first, whole) takes about 100 KiB.
pub const MIN_STORE_SIZE: u64 = 1 << 20;

fn parse_store_size(s: &str) -> Result<u64, String> {
    let n = parse_size(s)?;
    if n < MIN_STORE_SIZE {
        return Err(format!(
            "{s:?} holds at most a sample or two: the smallest useful store is 1M"
        ));
    }
    Ok(n)
}

/// `record -d`: 0.1 s to a day. Shorter spins a CPU on sweeps of every
/// process; longer is no history, and the clock's arithmetic overflows.
pub const RECORD_INTERVAL_SECS: std::ops::RangeInclusive<f64> = 0.1..=86_400.0;

fn parse_record_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if RECORD_INTERVAL_SECS.contains(&v) => Ok(v),
        _ => Err("give a number of seconds from 0.1 to 86400 (a day)".into()),
    }
}

fn parse_regex(s: &str) -> Result<regex_lite::Regex, String> {
    regex_lite::Regex::new(s).map_err(|e| format!("not a regular expression: {e}"))
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err("give a positive number of seconds".into()),
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub output: FormatArgs<CheckFormats>,
}

impl CheckArgs {
    pub fn format(&self) -> Format {
        self.output.format()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every subcommand has its line in SOURCES, under the name clap
    /// parses, and the name `Command::name` gives.
    #[test]
    fn every_subcommand_says_what_it_does_with_source() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let listed: Vec<&str> = SOURCES.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, listed);
        let cli = Cli::try_parse_from(["taskstat", "cgroup-fd", "/x"]).unwrap();
        assert_eq!(cli.command.name(), "cgroup-fd");
        assert_eq!(
            needing_taskstats(),
            "cgroup-fd, listen, run, serve and record"
        );
    }

    /// Each subcommand's `--format` takes exactly the formats its line in
    /// OFFERS lists, and it has `--json` exactly where that line says.
    #[test]
    fn every_subcommand_offers_the_formats_of_its_table_line() {
        let cli = Cli::command();
        let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
        let listed: Vec<&str> = formats::OFFERS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, listed);
        for (name, offer) in formats::OFFERS {
            let mut sub = cli.find_subcommand(name).unwrap().clone();
            sub.build();
            let arg = |id: &str| sub.get_arguments().find(|a| a.get_id() == id);
            let values: Vec<String> = arg("format")
                .map(|a| {
                    a.get_possible_values()
                        .iter()
                        .map(|v| v.get_name().to_string())
                        .collect()
                })
                .unwrap_or_default();
            let want: Vec<&str> = offer.formats.iter().map(|(f, _)| f.name()).collect();
            assert_eq!(values, want, "{name}");
            assert_eq!(arg("json").is_some(), offer.json.is_some(), "{name}");
        }
    }

    #[test]
    fn ids_must_be_positive_u32() {
        assert!(Cli::try_parse_from(["taskstat", "pid", "1", "2"]).is_ok());
        for bad in ["0", "-1", "abc", "4294967296", "1.5"] {
            assert!(
                Cli::try_parse_from(["taskstat", "pid", bad]).is_err(),
                "{bad}"
            );
        }
        assert!(Cli::try_parse_from(["taskstat", "tgid"]).is_err());
    }

    #[test]
    fn json_flag_and_letters() {
        let cli = Cli::try_parse_from(["taskstat", "tgid", "--json", "-d", "7"]).unwrap();
        let Command::Tgid(Later(q)) = cli.command else {
            panic!()
        };
        assert_eq!(q.output.format(), Format::Json);
        let s = q.output.sections();
        assert!(s.delays && !s.io && !s.memory);
        let cli = Cli::try_parse_from(["taskstat", "pid", "-f", "getdelays", "7"]).unwrap();
        let Command::Pid(Later(q)) = cli.command else {
            panic!()
        };
        assert_eq!(q.output.format(), Format::Getdelays);
        assert!(q.output.sections().io);
        assert!(Cli::try_parse_from(["taskstat", "pid", "--json", "-f", "csv", "1"]).is_err());
    }

    #[test]
    fn serve_listens_on_an_address_or_a_host_name() {
        let listen = |s: &str| parse_listen(s);
        assert_eq!(listen("0.0.0.0:9465").unwrap().to_string(), "0.0.0.0:9465");
        assert_eq!(listen("[::1]:80").unwrap().to_string(), "[::1]:80");
        // The first IPv4 address, as Go's net.Listen takes it.
        assert_eq!(
            listen("localhost:9465").unwrap().to_string(),
            "127.0.0.1:9465"
        );
        for bad in ["localhost", ":9465", "localhost:http", "localhost:70000"] {
            assert!(listen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn listen_and_run_arguments() {
        for bad in ["abc", "", "3-1", "0-99999999"] {
            assert!(
                Cli::try_parse_from(["taskstat", "listen", "--cpus", bad]).is_err(),
                "{bad}"
            );
        }
        let cli = Cli::try_parse_from([
            "taskstat", "listen", "--cpus", "0-1", "--comm", "sh*", "--count", "3",
        ])
        .unwrap();
        let Command::Listen(Later(l)) = cli.command else {
            panic!()
        };
        assert_eq!(l.cpus, Some(CpuList(vec![0, 1])));
        assert!(l.comm.unwrap().is_match("shell"));
        assert!(Cli::try_parse_from(["taskstat", "listen", "--duration", "-1"]).is_err());
        assert!(Cli::try_parse_from(["taskstat", "listen", "--rcvbuf", "10"]).is_err());
        let cli =
            Cli::try_parse_from(["taskstat", "run", "--json", "--", "ls", "-l", "--all"]).unwrap();
        let Command::Run(Later(r)) = cli.command else {
            panic!()
        };
        assert_eq!(r.command, vec!["ls", "-l", "--all"]);
        assert_eq!(r.output.format(), Format::Json);
        // Options after the command belong to the command.
        let cli = Cli::try_parse_from(["taskstat", "run", "sh", "-c", "exit 3"]).unwrap();
        let Command::Run(Later(r)) = cli.command else {
            panic!()
        };
        assert_eq!(r.command, vec!["sh", "-c", "exit 3"]);
        assert!(Cli::try_parse_from(["taskstat", "run"]).is_err());
    }
}
