//! `taskstat check`: can taskstats queries work here, and if not, why.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use taskstat::client::{Client, ClientError, Event};
use taskstat::host::{cgroup, pressure, system};
use taskstat::model::Record;
use taskstat::model::check::{Check, CheckReport, CheckStatus};
use taskstat::model::view::version_notes;
use taskstat::wire::{RecordKind, TaskStats};

use taskstat::cli::CheckArgs;
use taskstat::exit;

pub fn run(args: CheckArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    if std::env::var_os(EXIT_PROBE).is_some() {
        return Ok(exit_probe_child());
    }
    let (mut checks, code) = kernel_checks(timeout);
    if code == exit::OK {
        checks.push(exit_record_check(timeout));
        checks.push(tgid_query_check(timeout));
    }
    if code == exit::OK && system::has_cap_net_admin() == Some(false) {
        checks.push(Check::new(
            "privileges",
            CheckStatus::Warn,
            "CAP_NET_ADMIN is not in the effective set",
            None,
        ));
    }
    checks.push(accounting_check());
    checks.extend(namespace_checks());
    checks.push(pressure_check());
    let mut out = super::stdout();
    taskstat::render::write_check(
        &mut out,
        &CheckReport {
            ok: code == exit::OK,
            checks: &checks,
        },
        args.format(),
    )?;
    out.flush()?;
    Ok(exit::code(code))
}

/// taskstats reachable, then a query of ourselves for privileges and the
/// struct version; with the exit status the first failure calls for.
fn kernel_checks(timeout: Duration) -> (Vec<Check>, u8) {
    let fail = |name, e: &ClientError| {
        let (code, hint) = exit::classify(e);
        (
            Check::new(name, CheckStatus::Fail, e.to_string(), hint),
            code,
        )
    };
    let mut client = match Client::connect(timeout) {
        Ok(c) => c,
        Err(e) => {
            let (c, code) = fail("taskstats", &e);
            return (vec![c], code);
        }
    };
    let mut checks = vec![Check::new(
        "taskstats",
        CheckStatus::Ok,
        format!(
            "generic netlink family TASKSTATS found (id {})",
            client.family_id()
        ),
        None,
    )];
    match client.fetch(RecordKind::Pid, std::process::id()) {
        Err(e) => {
            let (c, code) = fail("privileges", &e);
            checks.push(c);
            if e.errno() == Some(libc::EPERM) {
                checks.push(Check::new(
                    "source",
                    CheckStatus::Warn,
                    "procfs: pid, tgid, threads and top show a partial view from /proc (run time, run-queue wait and its count, block I/O delay in clock ticks, context switches, CPU time, ids, memory); missing: the other delay categories, per-category max/min, other users' I/O, and exit records (listen, run, serve)",
                    Some("run as root, or `setcap cap_net_admin+ep` on the taskstat binary, for taskstats"),
                ));
            }
            return (checks, code);
        }
        Ok(rec) => {
            checks.push(Check::new(
                "privileges",
                CheckStatus::Ok,
                "querying tasks works (CAP_NET_ADMIN held)",
                None,
            ));
            checks.push(version_check(rec.as_ref()));
            checks.push(Check::new(
                "source",
                CheckStatus::Ok,
                "taskstats: full records",
                None,
            ));
        }
    }
    (checks, exit::OK)
}

fn accounting_check() -> Check {
    match system::delayacct() {
        Some(true) => Check::new(
            "delay accounting",
            CheckStatus::Ok,
            "on (kernel.task_delayacct = 1)",
            None,
        ),
        Some(false) => Check::new(
            "delay accounting",
            CheckStatus::Warn,
            "off (kernel.task_delayacct = 0): only CPU delay is measured",
            Some(
                "sysctl kernel.task_delayacct=1 (or boot with `delayacct`); tasks started before that have no delay figures besides CPU",
            ),
        ),
        None => Check::new(
            "delay accounting",
            CheckStatus::Warn,
            format!("{} is not readable", system::DELAYACCT_SYSCTL),
            Some("a kernel without CONFIG_TASK_DELAY_ACCT reports no delays"),
        ),
    }
}

/// Whether `serve` can export, and `top --by cgroup` show, each group's
/// pressure (PSI): a warning, since everything else works without it.
fn pressure_check() -> Check {
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    match pressure::unavailable(cgroup::cgroup2_mount().as_deref(), &cmdline) {
        Ok(()) => Check::new(
            "cgroup pressure",
            CheckStatus::Ok,
            "each cgroup2 group's cpu, io and memory pressure (PSI) is readable",
            None,
        ),
        Err(why) => Check::new(
            "cgroup pressure",
            CheckStatus::Warn,
            format!(
                "{why}: serve exports no taskstat_cgroup_pressure_seconds_total, and top --by cgroup shows no PSI columns"
            ),
            Some(
                "boot with `psi=1` on the kernel command line (a kernel built with CONFIG_PSI=y; CONFIG_PSI_DEFAULT_DISABLED=y needs psi=1), on a cgroup2 tree",
            ),
        ),
    }
}

fn namespace_checks() -> [Check; 2] {
    let depth = system::pid_ns_depth();
    let pid = match depth {
        Some(0) => Check::new(
            "pid namespace",
            CheckStatus::Ok,
            "initial pid namespace",
            None,
        ),
        Some(d) => Check::new(
            "pid namespace",
            CheckStatus::Warn,
            format!(
                "nested {d} level(s) deep: ids are this namespace's, outer tasks are not visible, and listening for exits is refused (EINVAL)"
            ),
            Some("run taskstat in the host's pid namespace to see every task"),
        ),
        None => Check::new(
            "pid namespace",
            CheckStatus::Warn,
            "unknown (no NSpid in /proc/self/status)",
            None,
        ),
    };
    let net = match (depth == Some(0), system::in_initial_net_ns()) {
        (true, Some(true)) => Check::new(
            "network namespace",
            CheckStatus::Ok,
            "initial network namespace",
            None,
        ),
        (true, Some(false)) => Check::new(
            "network namespace",
            CheckStatus::Warn,
            "not the initial network namespace: queries work, but exit records are never delivered here",
            Some(
                "run taskstat in the host's network namespace (e.g. --net=host) to listen for exits",
            ),
        ),
        (false, _) => Check::new(
            "network namespace",
            CheckStatus::Warn,
            "cannot tell (not in the initial pid namespace)",
            None,
        ),
        (true, None) => Check::new(
            "network namespace",
            CheckStatus::Warn,
            "cannot tell (/proc/2/ns/net is not readable)",
            None,
        ),
    };
    [pid, net]
}

fn version_check(rec: Option<&Record>) -> Check {
    match rec {
        None => Check::new(
            "struct version",
            CheckStatus::Fail,
            "the kernel's reply had no record",
            None,
        ),
        Some(r) => {
            let v = r.stats.version;
            let size = r.stats.payload_len;
            let notes = version_notes(&r.stats);
            let status = if r.decode_warning().is_some() || TaskStats::expected_len(v).is_none() {
                CheckStatus::Warn
            } else {
                CheckStatus::Ok
            };
            let mut detail = format!("{v} ({size} bytes)");
            if !notes.is_empty() {
                detail = format!("{detail}; {}", notes.join("; "));
            }
            Check::new("struct version", status, detail, None)
        }
    }
}

/// Set in the environment of the process [`exit_record_check`] starts: an
/// environment variable, not an option, so that no completion offers it.
const EXIT_PROBE: &str = "TASKSTAT_CHECK_EXIT_PROBE";

/// The child of [`exit_record_check`]: a second thread, then the whole
/// process exits, so that the kernel sends a whole-process exit record.
fn exit_probe_child() -> ExitCode {
    std::thread::spawn(|| std::thread::sleep(Duration::from_secs(10)));
    std::thread::sleep(Duration::from_millis(20));
    // Returning from main ends every thread (exit_group).
    exit::code(exit::OK)
}

/// Whether the kernel sets the struct version of whole-process exit
/// records (the 2026 fix "taskstats: set version in TGID exit
/// notifications"): a two-threaded child exits while this listens.
fn exit_record_check(timeout: Duration) -> Check {
    const NAME: &str = "exit records";
    let cannot =
        |why: String| Check::new(NAME, CheckStatus::Warn, format!("cannot tell: {why}"), None);
    let mut listener = match taskstat::listener::ExitListener::open(None, 4 << 20, timeout) {
        Ok(l) => l,
        Err(e) => return cannot(format!("listening for exit records failed: {e:#}")),
    };
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return cannot(format!("cannot find this program to start a probe ({e})")),
    };
    let mut child = match std::process::Command::new(exe)
        .arg("check")
        .env(EXIT_PROBE, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return cannot(format!("cannot start a probe process ({e})")),
    };
    let pid = child.id();
    let until = std::time::Instant::now() + Duration::from_secs(5);
    let mut version = None;
    while version.is_none() {
        let Some(left) = until.checked_duration_since(std::time::Instant::now()) else {
            break;
        };
        match listener.client.next_event(left) {
            Ok(Some(Event::Exit(raws))) => {
                version = raws
                    .iter()
                    .find(|r| r.kind == RecordKind::Tgid && r.id == Some(pid))
                    .and_then(|r| Some(u16::from_ne_bytes([*r.stats.first()?, *r.stats.get(1)?])));
            }
            Ok(Some(Event::Overrun)) => {}
            Ok(None) => break,
            Err(e) => return cannot(format!("receiving exit records failed: {e}")),
        }
    }
    let _ = child.wait();
    match version {
        None => {
            cannot("the probe process's whole-process exit record did not arrive within 5 s".into())
        }
        Some(0) => Check::new(
            NAME,
            CheckStatus::Warn,
            "whole-process exit records come with struct version 0 (a kernel without the 2026 fix \"taskstats: set version in TGID exit notifications\"): taskstat reads them with the layout of the thread record beside them; they carry only delays and run times",
            None,
        ),
        Some(v) => Check::new(
            NAME,
            CheckStatus::Ok,
            format!("whole-process exit records carry the struct version ({v})"),
            None,
        ),
    }
}

/// Whether a `tgid` query's CPU times, context switches and elapsed time
/// include the threads that exited (the 2026 fix "taskstats: retain dead
/// thread stats in TGID queries").
fn tgid_query_check(timeout: Duration) -> Check {
    const NAME: &str = "tgid queries";
    match taskstat::probe::tgid_counts_exited_once(timeout) {
        Some(true) => Check::new(
            NAME,
            CheckStatus::Ok,
            "a process's CPU times, context switches and elapsed time include its exited threads",
            None,
        ),
        Some(false) => Check::new(
            NAME,
            CheckStatus::Warn,
            "a process's user/system time, context switches and elapsed time cover its live threads only (a kernel without the 2026 fix \"taskstats: retain dead thread stats in TGID queries\"); its delays and run times include exited threads, so its delays cannot be checked against its elapsed time",
            None,
        ),
        None => Check::new(
            NAME,
            CheckStatus::Warn,
            "cannot tell whether a process's figures include its exited threads: the probe's queries failed or gave neither answer",
            None,
        ),
    }
}
