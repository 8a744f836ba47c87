//! Regenerates the committed man pages and shell completions from the clap
//! definitions, so they cannot drift from the binary.
//!
//!     cargo run --example generate              # rewrite man/ and completions/
//!     cargo run --example generate -- --check   # exit 1 if any file is stale
//!
//! The test suite runs the --check form.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use roff::{Roff, bold, italic, roman};
use taskstat::cli::Cli;
use taskstat::exit;
use taskstat::model::notes::NOTE_DOC;
use taskstat::model::schema::SCHEMA_DOC;
use taskstat::wire::Category;

fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut buf = Vec::new();
    f(&mut buf).expect("rendering to memory cannot fail");
    String::from_utf8(buf).expect("roff is UTF-8")
}

fn section(r: &mut Roff, title: &str) {
    r.control("SH", [title]);
}

fn para(r: &mut Roff, text: &str) {
    r.control("PP", []).text([roman(text)]);
}

fn tagged(r: &mut Roff, tag: Vec<roff::Inline>, text: &str) {
    r.control("TP", []).text(tag).text([roman(text)]);
}

/// One section per subcommand: its synopsis, long description and options.
fn subcommands(cmd: &clap::Command) -> String {
    let mut out = String::new();
    for sub in cmd.get_subcommands() {
        let sub = sub.clone().bin_name(format!("taskstat {}", sub.get_name()));
        let man = clap_mangen::Man::new(sub.clone());
        let mut r = Roff::new();
        section(
            &mut r,
            &format!("TASKSTAT {}", sub.get_name().to_uppercase()),
        );
        out += &r.to_roff();
        // Reuse clap_mangen's synopsis and options, as subsections.
        out += &render(|w| man.render_synopsis_section(w)).replace(".SH SYNOPSIS", ".SS Synopsis");
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        let mut r = Roff::new();
        for p in about.split("\n\n") {
            para(&mut r, p.trim());
        }
        out += &r.to_roff();
        out += &render(|w| man.render_options_section(w)).replace(".SH OPTIONS", ".SS Options");
    }
    out
}

fn main_page() -> String {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone())
        .manual("User Commands")
        .source(format!("taskstat {}", env!("CARGO_PKG_VERSION")));
    let mut page = String::new();
    page += &render(|w| man.render_title(w));
    page += &render(|w| man.render_name_section(w));
    page += &render(|w| man.render_synopsis_section(w));

    let mut r = Roff::new();
    section(&mut r, "DESCRIPTION");
    para(
        &mut r,
        "taskstat asks the Linux kernel's taskstats generic-netlink interface for per-task statistics and prints them as tables for people, or as JSON, NDJSON or CSV for scripts. It answers \"what is this process waiting on?\": time spent runnable but waiting for a CPU, waiting for block I/O, swap-in, direct memory reclaim, thrashing, compaction, write-protect copy and IRQs, plus CPU time, context switches, I/O bytes and memory peaks.",
    );
    para(
        &mut r,
        "It decodes every struct taskstats layout by version and length (2 to 17, including the incompatible version 15), and never prints a fake zero: a figure the kernel did not provide is null in JSON and - in tables, and a note says why.",
    );
    page += &r.to_roff();
    page += &render(|w| man.render_options_section(w)).replace(".SH OPTIONS", ".SH GLOBAL OPTIONS");
    page += &subcommands(&cmd);

    let mut r = Roff::new();
    section(&mut r, "OUTPUT FORMATS");
    for (name, text) in [
        (
            "table",
            "human-readable sections (the default); -d, -i, -q, --cpu and --memory choose sections, none chooses all",
        ),
        (
            "json",
            "one JSON array of records (cgroup-fd prints one object: see CGROUP REPORT)",
        ),
        ("ndjson", "one JSON record per line, flushed per record"),
        (
            "csv",
            "a header row and one row per record; nested keys joined with dots, e.g. delays.blkio.total_ns; null is an empty cell",
        ),
        (
            "getdelays",
            "the exact text of the kernel's tools/accounting/getdelays -d -i -q (without its option echo lines), for scripts written for getdelays",
        ),
    ] {
        tagged(&mut r, vec![bold(name)], text);
    }
    para(
        &mut r,
        "The default table layout may change between releases; scripts should use json, ndjson or csv, whose keys and types are stable.",
    );

    section(&mut r, "JSON RECORD SCHEMA");
    para(
        &mut r,
        &format!(
            "Every record has every key below, with one type per key: numbers in the kernel's own units (named in the key), strings, or null. <cat> is each delay category: {}. reclaim is the kernel's freepages_* fields; softirq is filled only by kernels of an unmerged series whose version 17 is 592 bytes, and is null elsewhere. A key newer than the kernel's struct version is null.",
            Category::ALL.map(Category::key).join(", ")
        ),
    );
    for d in SCHEMA_DOC {
        let mut text = d.meaning.to_string();
        if !d.kernel.is_empty() {
            text += &format!(". Kernel field: {}", d.kernel);
        }
        if let Some(v) = d.since {
            text += &format!(". Since struct version {v}");
        }
        if !d.null_when.is_empty() {
            text += &format!(". Null in {}", d.null_when);
        }
        text += ".";
        tagged(&mut r, vec![bold(d.key)], &text);
    }
    para(
        &mut r,
        "Null, and why. In tgid records the kernel sums only the delay counts and totals, CPU times, context switches and elapsed time over the threads; the per-thread fields are null, and so are the per-category max_ns and min_ns, because the kernel's thread-group reply carries only the last thread's. With delay accounting off (kernel.task_delayacct = 0) every delay category but cpu, which comes from scheduler statistics, is null. The notes array of each record says which of these applies: one short line per note, explained in full under NOTES.",
    );
    para(
        &mut r,
        "Impossible figures. A delay figure that breaks a bound the kernel guarantees is shown as not measured (null, - in tables), with a note that starts \"not measured: delays.<cat>:\" and gives the figure and the task's life. A task's total in a category, and its longest single wait, are at most its elapsed time, plus a slack of 1 ms and 0.1%. A tgid record's totals are at most its elapsed time, but only on kernels that count exited threads in it (the 2026 fix \"taskstats: retain dead thread stats in TGID queries\"); taskstat finds that out with a probe, once per run, only when needed, and otherwise does not check a tgid record. The kernel breaks the bound when delay accounting is switched on while a task is inside a wait whose start was not stamped: it measures the wait from boot, or from a stale earlier stamp, so the wait comes out about as long as the uptime (a 2 ms rm with 1,992 s of block I/O wait). The figure stays in the task's totals for life, so top, record, replay, dump, serve and --interval keep that category not measured for the rest of the task's life once it was rejected.",
    );

    section(&mut r, "NOTES");
    para(
        &mut r,
        "Every record's notes array (and the note: lines after a table) says, one short line each, why figures are null or where they came from. What each note means in full:",
    );
    for (note, full) in NOTE_DOC {
        tagged(&mut r, vec![italic(*note)], full);
    }
    para(
        &mut r,
        "A note that starts \"not measured: delays.<cat>:\" names the category whose figure broke a bound (see Impossible figures above); notes on the struct version (\"struct version N has no ...\", \"the kernel sent N bytes, fewer than ...\") name the fields the kernel's layout lacks.",
    );

    section(&mut r, "TOP COLUMNS");
    para(
        &mut r,
        "taskstat top and taskstat replay show, per process (per thread with -H; per group, user or command name with --by), over each refresh interval:",
    );
    for (col, text) in [
        (
            "PID, TID",
            "the process or thread id; TASKS with --by: how many tasks the row sums",
        ),
        (
            "COMMAND",
            "the task's name (comm); CGROUP, USER or COMMAND with --by",
        ),
        (
            "CPU%",
            "time on a CPU (the scheduler's precise run time) as a share of the interval",
        ),
        (
            "RUNQ%",
            "time runnable but waiting for a CPU (the cpu delay category), as a share of the interval",
        ),
        (
            "IO%",
            "time waiting for block I/O (blkio), as a share of the interval",
        ),
        (
            "MEM%",
            "time waiting for memory: swap-in, reclaim, thrashing, compaction and copy-on-write together, as a share of the interval",
        ),
        (
            "IRQ%",
            "IRQ (and soft-IRQ) time charged to the task, as a share of the interval",
        ),
        (
            "CSW/s",
            "voluntary and involuntary context switches per second (CSW, the count since start, with -a)",
        ),
        (
            "READ/s, WRITE/s",
            "bytes read from and written to storage per second (READ, WRITE, since start, with -a)",
        ),
        (
            "CPU-PSI%, IO-PSI%, MEM-PSI%",
            "with --by cgroup: the share of the interval some task of the group was stalled, from its cpu.pressure, io.pressure and memory.pressure",
        ),
        (
            "UNIT, CONTAINER, POD",
            "with --by cgroup: the workload names of the group's path (see SERVE METRICS)",
        ),
    ] {
        tagged(&mut r, vec![bold(col)], text);
    }
    para(
        &mut r,
        "Shares above 100%. A process's CPU%, RUNQ%, IO%, MEM% and IRQ% add up its threads' time, and a --by row's its tasks': two threads that each waited for a CPU the whole interval make RUNQ% 200, as top(1) shows a process on two CPUs at CPU% 200. A share is - (null in --json) where the kernel did not measure it, e.g. IO% and MEM% with delay accounting off. With -a the shares are of the time since top started.",
    );

    section(&mut r, "CGROUP REPORT");
    para(
        &mut r,
        "taskstat cgroup-fd prints one object: type (\"cgroup\"), path, source (\"kernel\" for a cgroup v1 directory, counted by CGROUPSTATS_CMD_GET; \"procfs\" for cgroup2, counted from /proc), and the task-state counts sleeping, running, stopped, uninterruptible and io_wait (the kernel's nr_io_wait, which getdelays prints as \"blocked\"). With --totals it adds processes (how many were summed) and totals, an object with the record schema's cpu, delays, context_switches, io and memory sections: delays, CPU times and context switches are the sum of the processes' thread-group records (exited threads included); I/O is each process's own, as tgid shows it (its threads', never its reaped children's), and memory is summed with each process's peaks counted once; per-category max_ns and min_ns are null.",
    );
    para(
        &mut r,
        "Like the kernel, cgroup-fd counts only the tasks directly in the cgroup, not in its descendants. For cgroup2, a task whose wait channel cannot be read (another user's, without privilege) is counted from its state letter alone.",
    );

    section(&mut r, "EXIT RECORDS");
    para(
        &mut r,
        "taskstat listen and taskstat run receive the records the kernel sends when a task exits: for every thread a pid record, and when the last thread of a multi-threaded process exits, in the same message, a tgid record. Exit records carry exit_code and flags (a running task's record from pid or tgid has exit_code null: the kernel sets it only for a task that is exiting), and their I/O figures are the kernel's, rounded down to multiples of 1024. Kernels before the 2026 fix \"taskstats: set version in TGID exit notifications\" send that tgid record with struct version 0 and only the delays and run times filled: taskstat reads it with the layout of the pid record beside it, shows user and system time, context switches and elapsed time as null (that kernel never filled them), and says so in its notes. In tables, listen prints one line per record: type, id, tgid, comm, uid, exit status, flags, CPU time (precise runtime, ms), run-queue wait, block I/O wait and memory wait (swap-in, reclaim, thrashing, compaction and copy-on-write together), in ms, and storage bytes read and written.",
    );
    para(
        &mut r,
        "When taskstat cannot keep up, the kernel drops exit messages that do not fit the socket's receive queue. taskstat reads the exact number from the socket's drop counter (/proc/net/netlink) and reports it: in json and ndjson output as a line {\"type\":\"lost\",\"count\":N,\"total\":M,\"unit\":\"exit messages\"} as soon as it is known, in tables as a line of its own, and always in the summary written to stderr at the end (records received, and exit messages lost). A lost exit message held one pid record and possibly a tgid record. Remedies: a larger --rcvbuf, or several taskstat listen processes on disjoint --cpus.",
    );
    para(
        &mut r,
        "listen exits with status 0 after --count or --duration, 130 after SIGINT and 143 after SIGTERM; it deregisters first, then prints what was already queued. run exits with the command's status: 128+N when a signal N killed it, 127 when the command was not found, 126 when it could not be executed. serve, a service, exits with status 0 after SIGINT or SIGTERM, once the scrapes in flight are answered (for up to 2 s).",
    );
    section(&mut r, "SERVE METRICS");
    para(
        &mut r,
        "taskstat serve exports, per cgroup2 group (a series named by its path in the cgroup label, (other) beyond --max-series, or (unknown) for the processes that exited before they or their parent were seen and whose group could no longer be read): taskstat_delay_seconds_total and taskstat_delays_total {cgroup,category}, taskstat_cpu_seconds_total {cgroup}, taskstat_io_bytes_total {cgroup,direction}, taskstat_context_switches_total {cgroup,kind}, the gauge taskstat_tasks {cgroup}, taskstat_exited_tasks_total {cgroup}, and taskstat_cgroup_pressure_seconds_total {cgroup,resource,kind}; and once each taskstat_exit_records_lost_total, taskstat_rejected_figures_total {category}, taskstat_scrape_duration_seconds and taskstat_build_info.",
    );
    para(
        &mut r,
        "Distributions (--histograms, off by default): each process that exits is observed once, from its exit record (the group record where the kernel sends one, else its thread's), into histograms of its key: taskstat_process_wait_seconds {cgroup,wait} (its total wait over its life in a wait group: wait=\"cpu\" the run queue, \"io\" block I/O, \"memory\" swap-in, reclaim, thrashing, compaction and copy-on-write), taskstat_process_longest_wait_seconds {cgroup,wait} (its longest single wait in the group, struct version 16 and later, not for a multi-threaded process, whose group record has no maxima), taskstat_process_cpu_seconds {cgroup} (its CPU time) and taskstat_process_elapsed_seconds {cgroup} (its wall time). io and memory need delay accounting on. A figure the kernel did not give, or one rejected as impossible, is not observed, so a histogram's count is the number of processes that had the figure. --histograms-by comm or user keeps them per command name or user (a comm or user label instead of cgroup and the workload labels). A scraper that asks for Prometheus' protobuf (Prometheus with native histograms on) gets native histograms, schema 4: 16 buckets a doubling, so a quantile is within 4.4% of the true one; the text formats carry classic buckets with upper bounds 1, 2 and 5 of each decade from 10 us to 100 s, so a quantile from them lies within the bucket that holds the true one (a factor of 2 or 2.5). Series: at most --max-series keys plus (other); per key at most 8 histograms, each one series in protobuf or 25 in text (22 buckets, +Inf, _sum, _count). Example: histogram_quantile(0.99, sum by (cgroup) (rate(taskstat_process_wait_seconds{wait=\"io\"}[5m]))) is the p99 of the block-I/O wait of the processes that ended in each group in the last 5 minutes (with classic buckets: rate(taskstat_process_wait_seconds_bucket{wait=\"io\"}[5m]), summed by (cgroup, le)).",
    );
    para(
        &mut r,
        "Impossible figures: a process whose delay figure in a category breaks a bound the kernel guarantees (a wait longer than its life; see Null, and why, under JSON RECORD SCHEMA) is counted once in taskstat_rejected_figures_total {category}. What its group counted for that category before stays, and nothing more of it is added for the rest of the process's life, so taskstat_delay_seconds_total and taskstat_delays_total stay monotonic and do not jump.",
    );
    para(
        &mut r,
        "Workload names: every series of a group whose path follows a known naming also carries the labels that apply of unit, container_id and pod_uid, as cAdvisor and the kubelet name the same workloads. unit is the last systemd unit in the path (*.service, *.scope, *.slice), so that a group a service made below its own is still the service's. container_id is the 64-digit id in docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, /docker/<id>, or the group below a cgroupfs pod, /kubepods/<qos>/pod<uid>/<id>. pod_uid is the uid of kubepods-<qos>-pod<uid>.slice or kubepods-pod<uid>.slice (with the underscores of the unit name turned back into the dashes of the API's uid) or of pod<uid> below kubepods. A container's scope or a pod's slice gets no unit: its name only repeats the id. Other paths get none of these labels. top --by cgroup shows the same names (UNIT, CONTAINER with the first 12 digits of the id, POD; whole in --json).",
    );
    para(
        &mut r,
        "Pressure: taskstat_cgroup_pressure_seconds_total is the total= of the group's cpu.pressure, io.pressure and memory.pressure (resource cpu, io, memory), for kind some (time at least one of its tasks was stalled) and full (time all of its non-idle tasks were), in seconds, read once per sweep. Where the files are missing (a kernel without CONFIG_PSI, PSI off, which psi=1 on the kernel command line turns on, or no cgroup2 tree) there are no such series; taskstat check says which. top --by cgroup shows, per group, the share of the interval stalled (some) as CPU-PSI%, IO-PSI% and MEM-PSI%, - (null in JSON) where the group keeps no pressure.",
    );

    section(&mut r, "RECORD FILES");
    para(
        &mut r,
        "listen --write FILE appends the raw records of what it prints to FILE. The file starts with the 8 bytes TASKSTAT, a little-endian u16 format version (1), a u32 length and a JSON header (taskstat version, struct_version, kernel release, hostname, time in epoch seconds, byte_order). Each record follows as a frame: a kind byte (1 pid, 2 tgid), three zero bytes, the id (u32), the payload length (u32), a CRC-32 of the frame header and payload (u32), then struct taskstats exactly as the kernel sent it. taskstat decode FILE prints the records in any --format; a truncated or damaged file yields the records before the damage and a one-line error (exit status 1). A record in a sound frame that cannot be decoded (a struct version taskstat cannot read) is skipped: decode prints every other record, then one line on stderr with how many it skipped and why, and exits with status 7; listen counts such records in its closing line. A whole-process record with struct version 0 (from a kernel before the 2026 fix \"taskstats: set version in TGID exit notifications\") is decoded with the struct version the file's header names, when its length is one that version has.",
    );

    section(&mut r, "HISTORY");
    para(
        &mut r,
        "taskstat record keeps history in a store, a directory (--dir, /var/log/taskstat by default) of append-only files: every --interval (5 s), every process's record as taskstat tgid shows it, with its cgroup2 path, and each cgroup's totals as serve counts them; between samples every exit record, so that a process that lived for less than an interval is stored once, with its whole life's figures, in the sample after its exit. A whole sample (a keyframe) comes at least every 5 minutes, and in between each sample stores only what changed (a process that did not run costs nothing), compressed with zstd. Each sample is written with one write and fdatasync, so kill -9 or a power cut loses at most the sample being written; a reader skips a torn tail (zeros included) with a one-line warning, and damage costs at most the samples up to the next keyframe. replay and dump --begin start at the keyframe before the time asked for, and replay holds only the samples on screen. --max-size (1G, at least 1M) and --max-age remove whole files, oldest first. On a full disk record removes its oldest files to make room and goes on; when nothing is left to remove it says so once and tries again each interval. The directory is 0700 and its files 0600 whatever the umask (record --group GROUP: 0750 and 0640 for that group): dump or replay by a user who cannot read the store exits 4. SIGTERM or SIGINT stores the exits already heard, finishes the sample and exits 0.",
    );
    para(
        &mut r,
        "What record stores of each process is as of the sample's time: a process that did not run keeps its stored figures, but its cgroup2 path and nice are read again each sample, so a sleeper moved to another group or reniced shows it at the next sample. An exit is stored with the group the process was last sampled in, or, for a process that lived less than an interval, the group its exiting task's /proc entry names (a zombie keeps its group); where neither can be read its cgroup is null (unknown), never its parent's, and the cgroup totals count it under the group (unknown), as dump --by cgroup shows it. A removed cgroup's totals are stored in one more sample, then it leaves the samples. A sample stores at most 20,000 exits (a sample's JSON must fit the store's frame): an interval with more, or whose exit records the kernel dropped because record's receive queue was full, gets a section lost with one key, exits: {\"not_stored\": N, \"dropped_by_kernel\": M}, that interval's counts (M null if the kernel's drop counter could not be read), and a warning with the numbers. SIGTERM or SIGINT first reads every exit record already queued (for at most 10 s), so the last sample holds them. -d is 0.1 s to 86400 s (a day), --max-size at least 1M; anything else is a usage error (status 2) before the store is touched.",
    );
    para(
        &mut r,
        "taskstat replay is top's full-screen view over the stored samples, with rates between consecutive samples; a process that exited shows in the interval it exited in. Right or t steps to the next sample, Left or T to the previous one, g goes to a typed TIME; the header shows the sample's date and time. replay -b prints, before each table, a line that starts with the sample's time as YYYY-MM-DD HH:MM:SS. taskstat dump prints the samples as ndjson (one object per process per sample: the record tgid --format json prints, plus time in RFC 3339), csv (one row per process per sample, time first, then the flattened names of the csv format) or openmetrics (counters with timestamps under serve's metric names, for promtool tsdb create-blocks-from openmetrics); --by cgroup gives each cgroup's totals instead; the processes that exited before record saw them or their parent, and whose group could no longer be read, are counted in cgroup \"(unknown)\".",
    );
    para(
        &mut r,
        "dump -f openmetrics --by cgroup also writes each cgroup's classic histograms (that import takes no native ones) of what its exited processes did over their lives, under serve's names and buckets: taskstat_process_wait_seconds, a process's total wait, and taskstat_process_longest_wait_seconds, its longest single one, both with label wait (cpu: the run queue; io: block I/O; memory: swap-in, reclaim, thrashing, compaction and write-protect copy); taskstat_process_cpu_seconds, its CPU time; taskstat_process_elapsed_seconds, its wall time. The buckets are 1, 2 and 5 of each decade from 10 µs to 100 s, then +Inf. At each sample a histogram counts the exits from the dump's first sample to that one; a group's histograms are written at each sample that writes its figures or has an exit of it, and only for the measures some exit had (the waits need delay accounting). After the import, histogram_quantile(0.99, sum by (le, cgroup) (rate(taskstat_process_wait_seconds_bucket{wait=\"io\"}[1h]))) is the I/O wait that 99% of each cgroup's processes stayed within, over the hour before each point.",
    );
    para(
        &mut r,
        "TIME (--begin, --end, and g in replay) is YYYY-MM-DD HH:MM[:SS] in local time, HH:MM[:SS] today, RFC 3339, -10m or -2h before now, or @UNIX. A store written by a newer format version is refused with a message that names both versions; older versions are read. replay and dump exit with status 6 when there is nothing to show (not a store, a directory that cannot be read, a newer format, no sample in the range), and 2 for a bad TIME.",
    );

    section(&mut r, "EXIT STATUS");
    for (code, meaning) in exit::TABLE {
        tagged(&mut r, vec![bold(code.to_string())], meaning);
    }

    section(&mut r, "ENVIRONMENT");
    tagged(
        &mut r,
        vec![bold("kernel.task_delayacct")],
        "The sysctl that switches delay accounting on (1) or off (0, the default since Linux 5.14; also the delayacct boot parameter). Only tasks started after it is switched on get delay figures besides cpu. With it off, taskstat warns once on stderr and reports the other categories as null. Turn it on with: sysctl kernel.task_delayacct=1",
    );
    tagged(
        &mut r,
        vec![bold("CAP_NET_ADMIN")],
        "Querying any task, even one's own, needs this capability in the initial user namespace; the capability, not uid 0, is what counts. Run taskstat as root, or give the binary the capability: setcap cap_net_admin+ep /usr/bin/taskstat",
    );
    tagged(
        &mut r,
        vec![bold("Namespaces")],
        "Ids are looked up in taskstat's own pid namespace. Queries work in any network namespace; exit records are only delivered in the initial one.",
    );

    section(&mut r, "FILES");
    tagged(
        &mut r,
        vec![italic("/proc/sys/kernel/task_delayacct")],
        "read to tell whether delay figures are measured.",
    );
    tagged(
        &mut r,
        vec![italic("/proc/self/status")],
        "NSpid and CapEff, read by taskstat check.",
    );
    tagged(
        &mut r,
        vec![italic("/proc/net/netlink")],
        "per-socket netlink drop counters; the place to look when exit records are lost.",
    );
    tagged(
        &mut r,
        vec![italic("/var/log/taskstat/taskstat-*.tsh")],
        "the history store that record writes and replay and dump read.",
    );

    section(&mut r, "EXAMPLES");
    for (cmdline, what) in [
        (
            "taskstat tgid $(pidof postgres | cut -d' ' -f1)",
            "the whole process: where its threads waited",
        ),
        ("taskstat pid 1234 -d", "the delay table of one thread"),
        (
            "taskstat pid 1234 5678 --json | jq '.[].delays.blkio.total_ns'",
            "block I/O wait of two tasks, for a script",
        ),
        (
            "taskstat tgid 1234 -f getdelays",
            "what getdelays -d -i -q -t 1234 prints",
        ),
        (
            "taskstat check",
            "whether queries can work here, and what to fix",
        ),
        (
            "taskstat record --dir /var/log/taskstat --max-age 14d",
            "keep two weeks of history (contrib/taskstat-record.service runs it)",
        ),
        (
            "taskstat replay --begin '03:10' --end '03:20'",
            "what was waiting, and on what, between 03:10 and 03:20 today",
        ),
        (
            "taskstat dump -f openmetrics --by cgroup > h.om && promtool tsdb create-blocks-from openmetrics h.om data/",
            "the history into Prometheus",
        ),
    ] {
        tagged(&mut r, vec![bold(cmdline)], what);
    }

    section(&mut r, "SEE ALSO");
    r.text([roman("getdelays(8), pidstat(1), iotop(8), the kernel's Documentation/accounting/taskstats.rst and delay-accounting.rst")]);
    page += &r.to_roff();
    page += &render(|w| man.render_version_section(w));
    page
}

fn files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![(root.join("man/taskstat.1"), main_page().into_bytes())];
    let mut cmd = Cli::command();
    cmd.build();
    for (shell, name) in [
        (Shell::Bash, "taskstat.bash"),
        (Shell::Zsh, "_taskstat"),
        (Shell::Fish, "taskstat.fish"),
        (Shell::Elvish, "taskstat.elv"),
        (Shell::PowerShell, "_taskstat.ps1"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "taskstat", &mut buf);
        if shell == Shell::Bash {
            buf = bash_users(&buf);
        }
        out.push((root.join("completions").join(name), buf));
    }
    out
}

/// clap's bash script completes every value as a file name; -u/--user take
/// user names, which bash can list (`compgen -u`).
fn bash_users(script: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(script);
    let mut out = String::with_capacity(text.len());
    let mut user_case = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t == "--user)" || t == "-u)" {
            user_case = true;
        } else if user_case && t.starts_with("COMPREPLY=($(compgen -f") {
            out += &line.replace("compgen -f", "compgen -u");
            user_case = false;
            continue;
        } else if t == ";;" {
            user_case = false;
        }
        out += line;
    }
    out.into_bytes()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let check = std::env::args().any(|a| a == "--check");
    let mut stale = Vec::new();
    for (path, content) in files(root) {
        let current = std::fs::read(&path).ok();
        if current.as_deref() == Some(&content[..]) {
            continue;
        }
        if check {
            stale.push(path);
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create the output folder");
            }
            std::fs::write(&path, &content).expect("write the generated file");
            println!("wrote {}", path.display());
        }
    }
    if !stale.is_empty() {
        for p in &stale {
            eprintln!(
                "stale: {} (run `cargo run --example generate`)",
                p.display()
            );
        }
        std::process::exit(1);
    }
}
