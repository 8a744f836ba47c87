//! The command line: parsing only, no system access.

use clap::{Args, Parser, Subcommand};

use crate::render::{Format, Sections};

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
    /// How long to wait for each answer from the kernel, in milliseconds.
    #[arg(long, global = true, value_name = "MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub timeout: u64,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Statistics of single threads (task ids), one record per id.
    ///
    /// Each id is a thread id (TID) as in /proc/PID/task; for a
    /// single-threaded process it is the process id.
    Pid(QueryArgs),
    /// Statistics of whole processes: the kernel's sum over a thread group.
    ///
    /// Any thread id of the process selects it. The kernel fills only the
    /// summed fields for a thread group: delays, CPU times, context switches
    /// and elapsed time (summed over threads); comm, ids, I/O and memory are
    /// null, and so are per-category max/min (the kernel reports only the
    /// last thread's).
    Tgid(QueryArgs),
    /// Task-state counts of a cgroup, and with --totals its processes' summed statistics.
    ///
    /// For a cgroup v1 directory the kernel counts the tasks
    /// (CGROUPSTATS_CMD_GET, no privilege needed). The kernel refuses cgroup2
    /// directories, so for those taskstat counts the threads in cgroup.threads
    /// from /proc the way the kernel counts v1 ones: exactly R is running,
    /// exactly S is sleeping (freezable sleeps such as nanosleep and futex
    /// waits are not, as in the kernel), D uninterruptible, T stopped; the
    /// kernel's io_wait catch-all cannot be seen in /proc and stays 0.
    /// Only tasks directly in the cgroup are counted, as the kernel does.
    #[command(name = "cgroup-fd")]
    CgroupFd(CgroupArgs),
    /// Diagnose whether taskstats queries can work here, and how to fix them.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Task ids to query (1 to 4294967295).
    #[arg(required = true, value_name = "ID",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub ids: Vec<u32>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

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
        if self.json { Format::Json } else { self.format }
    }

    pub fn sections(&self) -> Sections {
        Sections {
            delays: self.delays,
            io: self.io,
            context_switches: self.context_switches,
            cpu: self.cpu,
            memory: self.memory,
        }
        .or_all()
    }
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
pub struct CheckArgs {
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
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
        let Command::Tgid(q) = cli.command else {
            panic!()
        };
        assert_eq!(q.output.format(), Format::Json);
        let s = q.output.sections();
        assert!(s.delays && !s.io && !s.memory);
        let cli = Cli::try_parse_from(["taskstat", "pid", "-f", "getdelays", "7"]).unwrap();
        let Command::Pid(q) = cli.command else {
            panic!()
        };
        assert_eq!(q.output.format(), Format::Getdelays);
        assert!(q.output.sections().io);
        assert!(Cli::try_parse_from(["taskstat", "pid", "--json", "-f", "csv", "1"]).is_err());
    }
}
