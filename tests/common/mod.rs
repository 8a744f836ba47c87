//! The tests' kit, a `mod common;` of every test binary: the binaries under
//! test, workloads, the kernel gate, the one guard of the tests' processes,
//! the one way they send a signal, and the one way they wait for something.
//!
//! Each binary compiles its own copy and uses a different part of it, and
//! rustc's dead-code lint looks at one binary at a time; so it is off here
//! rather than on item after item.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use taskstat::client::Client;
use taskstat::wire::RequestAttr;

/// Child processes, killed and reaped when the guard goes (also when a test
/// fails): the tests' one guard of the processes they start.
pub struct Procs(pub Vec<Child>);

impl Procs {
    pub fn one(child: Child) -> Procs {
        Procs(vec![child])
    }

    /// The pid of the `i`th process, as taskstat's arguments take it.
    pub fn pid(&self, i: usize) -> String {
        self.0[i].id().to_string()
    }

    pub fn pids(&self) -> Vec<u32> {
        self.0.iter().map(Child::id).collect()
    }

    /// Sends `sig` to the `i`th process; fails the test if it cannot.
    pub fn signal(&self, i: usize, sig: libc::c_int) {
        let pid = self.0[i].id();
        signal(pid, sig).unwrap_or_else(|e| panic!("signal {sig} to {pid}: {e}"));
    }

    /// Kills them all, then reaps them all (so that they die at once);
    /// for an owner that must have them gone before it cleans up after them.
    pub fn kill(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
        }
        for c in &mut self.0 {
            let _ = c.wait();
        }
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends signal `sig` (a libc::SIG* number) to process `pid`, by kill(2)
/// itself: a kill(1) process would exit while the tests count exits.
pub fn signal(pid: u32, sig: libc::c_int) -> std::io::Result<()> {
    use rustix::process::{Pid, Signal, kill_process};
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or(std::io::ErrorKind::InvalidInput)?;
    let sig = Signal::from_named_raw(sig).ok_or(std::io::ErrorKind::InvalidInput)?;
    kill_process(pid, sig)?;
    Ok(())
}

// rustix 0.38 calls `Signal::from_raw` what rustix 1 calls
// `Signal::from_named_raw`, and taskstat builds with either (Cargo.toml);
// their constants differ too (`Signal::Term`, `Signal::TERM`). Each trait
// lends its name to the version that lacks it, as a call of the name that
// version has: a path call takes an inherent function before a trait's, so
// either version ends at its own. With one version, one trait goes unused.
trait FromRaw: Sized {
    fn from_raw(sig: libc::c_int) -> Option<Self>;
}

impl FromRaw for rustix::process::Signal {
    fn from_raw(sig: libc::c_int) -> Option<Self> {
        Self::from_named_raw(sig)
    }
}

trait FromNamedRaw: Sized {
    fn from_named_raw(sig: libc::c_int) -> Option<Self>;
}

impl FromNamedRaw for rustix::process::Signal {
    fn from_named_raw(sig: libc::c_int) -> Option<Self> {
        Self::from_raw(sig)
    }
}

/// Asks `done` until it holds; fails the test if it does not within
/// `within`, naming `what` it waited for. It asks again soon at first (a
/// stopped workload, a pid file) and every 100 ms at most later, as some
/// questions start a process or a scrape.
pub fn wait_until(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    let mut pause = Duration::from_millis(5);
    while !done() {
        assert!(Instant::now() < deadline, "waited {within:?} for {what}");
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// `child`'s status once it has ended, which must be within `within`.
pub fn exit_within(child: &mut Child, within: Duration, what: &str) -> std::process::ExitStatus {
    wait_until(within, what, || child.try_wait().expect("wait").is_some());
    // The status try_wait took, kept by Child.
    child.wait().expect("wait")
}

pub fn taskstat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_taskstat"))
}

/// An example program: `cargo test` builds examples beside the test binaries.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join("examples").join(name)
}

/// Whether the live kernel can be queried. With TASKSTAT_REQUIRE_KERNEL=1
/// (CI) a kernel that cannot be reached fails the test instead of skipping it.
fn reachable(test: &str) -> bool {
    let probe = Client::connect(Duration::from_secs(5))
        .and_then(|mut c| c.query(RequestAttr::Pid(std::process::id())));
    match probe {
        Ok(_) => true,
        Err(e) if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
            panic!("{test}: taskstats unreachable and TASKSTAT_REQUIRE_KERNEL=1: {e}")
        }
        Err(e) => {
            eprintln!(
                "skipping {test}: taskstats unreachable ({e}); run as root, or set TASKSTAT_REQUIRE_KERNEL=1 to fail instead"
            );
            false
        }
    }
}

/// Whether program `tool` (from Debian's `package`) is installed. A build
/// chroot has no prometheus, tmux or groff: there the test skips, with its
/// reason, unless TASKSTAT_REQUIRE_KERNEL=1 (CI, which installs them all)
/// makes a missing tool fail it.
pub fn have(test: &str, tool: &str, package: &str) -> bool {
    match Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => true,
        Err(e) if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
            panic!(
                "{test}: cannot run {tool} ({e}; apt-get install {package}) and TASKSTAT_REQUIRE_KERNEL=1"
            )
        }
        Err(e) => {
            eprintln!("skipping {test}: cannot run {tool} ({e}); apt-get install {package}");
            false
        }
    }
}

/// The live kernel, with delay accounting held as it is for the test's
/// duration (other tests of the binary may switch it): `None` means skip.
pub fn kernel(test: &str) -> Option<AcctGuard> {
    if !reachable(test) {
        return None;
    }
    Some(hold_delayacct(Acct::AsFound).unwrap_or(AcctGuard { counted: false }))
}

/// What a test needs of `kernel.task_delayacct`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Acct {
    /// Switched on (for the test's duration).
    On,
    /// Switched off.
    Off,
    /// Whatever it is now, unchanged while held.
    AsFound,
}

struct AcctState {
    /// The value found before any test changed it; put back by the last guard.
    found: Option<bool>,
    /// The value the holders rely on.
    current: bool,
    holders: usize,
    /// One holder switches it at will: no other may hold it meanwhile.
    exclusive: bool,
}

static ACCT: std::sync::Mutex<Option<AcctState>> = std::sync::Mutex::new(None);
static ACCT_CHANGED: std::sync::Condvar = std::sync::Condvar::new();

/// Holds `kernel.task_delayacct` at one value while alive. Tests of one
/// binary run in parallel: a test that needs the other value waits until no
/// guard holds this one. The last guard to go, even while a failed test
/// unwinds, puts back the value the machine had.
pub struct AcctGuard {
    /// False for a guard that holds nothing (the sysctl is unreadable).
    counted: bool,
}

impl Drop for AcctGuard {
    fn drop(&mut self) {
        if !self.counted {
            return;
        }
        let mut st = ACCT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = st.as_mut() {
            s.holders -= 1;
            s.exclusive = false;
            // Put back what the first holder found, if it differs.
            let restore = s.found.filter(|&f| s.holders == 0 && f != s.current);
            if let Some(found) = restore {
                if write_delayacct(found).is_ok() {
                    s.current = found;
                }
            }
        }
        ACCT_CHANGED.notify_all();
    }
}

fn write_delayacct(on: bool) -> std::io::Result<()> {
    std::fs::write(
        taskstat::host::system::DELAYACCT_SYSCTL,
        if on { "1\n" } else { "0\n" },
    )
}

/// Tests of one binary share `kernel.task_delayacct` through [`ACCT`]; two
/// test runs at once (a developer's and CI's, or two checkouts) would switch
/// it under each other. The first guard of a binary takes an exclusive flock
/// that the process keeps until it exits, so such runs take turns.
fn lock_delayacct_across_runs() {
    static HELD: std::sync::OnceLock<Option<std::fs::File>> = std::sync::OnceLock::new();
    HELD.get_or_init(|| {
        let path = std::env::temp_dir().join("taskstat-tests-delayacct.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .ok()?;
        use rustix::fs::{FlockOperation, flock};
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            eprintln!(
                "waiting for another test run that holds kernel.task_delayacct ({})",
                path.display()
            );
            flock(&file, FlockOperation::LockExclusive).ok()?;
        }
        Some(file)
    });
}

/// Sets delay accounting to `want` for as long as the guard lives, or says
/// why it cannot (not root, no sysctl): `Err` with the reason.
pub fn hold_delayacct(want: Acct) -> Result<AcctGuard, String> {
    let mut st = ACCT.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let s = st.get_or_insert_with(|| {
            lock_delayacct_across_runs();
            let found = taskstat::host::system::delayacct();
            AcctState {
                found,
                current: found.unwrap_or(false),
                holders: 0,
                exclusive: false,
            }
        });
        let want_on = match want {
            Acct::On => true,
            Acct::Off => false,
            Acct::AsFound => s.current,
        };
        if s.found.is_none() {
            return Err(format!(
                "{} is not readable",
                taskstat::host::system::DELAYACCT_SYSCTL
            ));
        }
        if s.current == want_on && !s.exclusive {
            s.holders += 1;
            return Ok(AcctGuard { counted: true });
        }
        if s.holders == 0 {
            write_delayacct(want_on).map_err(|e| {
                format!(
                    "cannot set kernel.task_delayacct={} ({e}); run the tests as root",
                    u8::from(want_on)
                )
            })?;
            s.current = want_on;
            s.holders = 1;
            return Ok(AcctGuard { counted: true });
        }
        st = ACCT_CHANGED.wait(st).unwrap_or_else(|e| e.into_inner());
    }
}

/// Holds `kernel.task_delayacct` alone, switched on, for a test that
/// switches it itself with [`set_delayacct`]; the guard leaves it on, then
/// puts back what the machine had.
pub fn hold_delayacct_alone(test: &str) -> Option<AcctGuard> {
    let g = kernel_with(test, Acct::On)?;
    let mut st = ACCT.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let s = st.as_mut()?;
        if s.holders == 1 {
            s.exclusive = true;
            return Some(g);
        }
        st = ACCT_CHANGED.wait(st).unwrap_or_else(|e| e.into_inner());
    }
}

/// Switches delay accounting, under [`hold_delayacct_alone`]'s guard.
pub fn set_delayacct(on: bool) {
    write_delayacct(on).expect("kernel.task_delayacct");
    let mut st = ACCT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = st.as_mut() {
        s.current = on;
    }
}

/// Like [`kernel`], with delay accounting held at `want` (switched as
/// needed, and put back afterwards). Without root it skips, or fails with
/// TASKSTAT_REQUIRE_KERNEL=1.
pub fn kernel_with(test: &str, want: Acct) -> Option<AcctGuard> {
    if !reachable(test) {
        return None;
    }
    match hold_delayacct(want) {
        Ok(g) => Some(g),
        Err(why) if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
            panic!("{test}: needs delay accounting {want:?}: {why} (TASKSTAT_REQUIRE_KERNEL=1)")
        }
        Err(why) => {
            eprintln!("skipping {test}: needs delay accounting {want:?}: {why}");
            None
        }
    }
}

/// A workload process, SIGSTOPped once its work is done; killed on drop.
pub struct Workload {
    proc: Procs,
}

impl Workload {
    pub fn start(args: &[&str]) -> Workload {
        let mut child = Command::new(example("workload"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start examples/workload (built by cargo test)");
        let stdout = child.stdout.take().expect("stdout");
        let w = Workload {
            proc: Procs::one(child),
        };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read ready");
        assert_eq!(line.trim(), "ready", "workload {args:?} did not get ready");
        w.wait_stopped();
        w
    }

    pub fn pid(&self) -> u32 {
        self.proc.0[0].id()
    }

    /// Until every thread is stopped: a group stop reaches each thread in
    /// its own time, and a worker still on a CPU changes the figures
    /// (tgid_record_is_the_sum_of_its_threads caught one 11 µs late).
    fn wait_stopped(&self) {
        let stopped = |tid: u32| {
            let path = format!("/proc/{}/task/{tid}/stat", self.pid());
            // The comm may be any bytes.
            let stat =
                String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            // The state follows the parenthesised comm.
            stat.rsplit_once(") ").and_then(|(_, r)| r.chars().next()) == Some('T')
        };
        let what = format!("workload {} never stopped", self.pid());
        wait_until(Duration::from_secs(10), &what, || {
            let tids = self.threads();
            !tids.is_empty() && tids.into_iter().all(stopped)
        });
    }

    pub fn threads(&self) -> Vec<u32> {
        let mut tids: Vec<u32> = std::fs::read_dir(format!("/proc/{}/task", self.pid()))
            .expect("task dir")
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        tids.sort();
        tids
    }
}

/// Runs taskstat and parses its JSON stdout; asserts it succeeded.
pub fn json(args: &[&str]) -> Value {
    let out = taskstat().args(args).output().expect("run taskstat");
    assert!(
        out.status.success(),
        "taskstat {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("taskstat printed JSON")
}

/// Whether a record shows a delay category as not measured because its
/// figure broke a bound the kernel guarantees (null, and a note that says so).
pub fn not_measured(r: &Value, category: &str) -> bool {
    let prefix = format!("not measured: delays.{category}:");
    r["delays"][category]["total_ns"].is_null()
        && r["notes"].as_array().is_some_and(|n| {
            n.iter()
                .any(|n| n.as_str().is_some_and(|n| n.starts_with(&prefix)))
        })
}

pub fn u64_at(v: &Value, path: &[&str]) -> u64 {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_u64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in {v}"))
}

/// taskstat run as uid/gid 65534 with no capabilities. setpriv needs root to
/// switch users; without root, taskstat is unprivileged already.
pub fn unprivileged(args: &[&str]) -> Command {
    let root = std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    });
    let mut c = if root {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(env!("CARGO_BIN_EXE_taskstat"));
        c
    } else {
        taskstat()
    };
    c.args(args);
    c
}

pub fn pid_max_plus_one() -> String {
    let max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4_194_304);
    (max + 1).to_string()
}

/// A cgroup made for one test, in the cgroup2 tree or in a v1 hierarchy.
/// On drop (also when the test fails) its tasks go back to the hierarchy's
/// root group and it is removed.
pub struct Group2 {
    pub dir: PathBuf,
    /// Its path in the hierarchy, as /proc/PID/cgroup names it.
    pub path: String,
    root: PathBuf,
}

impl Group2 {
    /// Where the cgroup2 tree is mounted on this machine.
    pub const ROOT: &'static str = "/sys/fs/cgroup/unified";

    /// `taskstat-NAME-PID` in the cgroup2 tree; None, with the reason
    /// printed, when it cannot be made (fails the test with
    /// TASKSTAT_REQUIRE_KERNEL=1).
    pub fn new(name: &str) -> Option<Group2> {
        Group2::new_in(Group2::ROOT, name)
    }

    /// The same in the hierarchy mounted at `root`.
    pub fn new_in(root: &str, name: &str) -> Option<Group2> {
        Group2::make(
            Path::new(root),
            format!("/taskstat-{name}-{}", std::process::id()),
        )
    }

    /// A group below this one.
    pub fn child(&self, name: &str) -> Option<Group2> {
        Group2::make(&self.root, format!("{}/{name}", self.path))
    }

    fn make(root: &Path, path: String) -> Option<Group2> {
        let dir = PathBuf::from(format!("{}{path}", root.display()));
        match std::fs::create_dir(&dir) {
            Ok(()) => Some(Group2 {
                dir,
                path,
                root: root.to_path_buf(),
            }),
            Err(e) if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
                panic!("cannot create {}: {e}", dir.display())
            }
            Err(e) => {
                eprintln!("skipping: cannot create {}: {e}", dir.display());
                None
            }
        }
    }

    /// Its directory, as taskstat's arguments take it.
    pub fn dir_str(&self) -> &str {
        self.dir.to_str().expect("utf-8 path")
    }

    pub fn add(&self, pid: u32) {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string())
            .expect("move a task into the group");
    }

    /// The kernel's CPU time of every task the group ever had, µs (cgroup2).
    pub fn usage_usec(&self) -> u64 {
        let stat = std::fs::read_to_string(self.dir.join("cpu.stat")).expect("cpu.stat");
        stat.lines()
            .find_map(|l| l.strip_prefix("usage_usec ")?.trim().parse().ok())
            .expect("usage_usec")
    }
}

impl Drop for Group2 {
    fn drop(&mut self) {
        let root = self.root.join("cgroup.procs");
        if let Ok(procs) = std::fs::read_to_string(self.dir.join("cgroup.procs")) {
            for p in procs.lines() {
                let _ = std::fs::write(&root, p);
            }
        }
        // A task that just exited leaves the group a moment later.
        for _ in 0..100 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A command in a detached tmux session of `cols` x 30, a real terminal for
/// the full-screen views; the session is killed on drop, also when an
/// assertion fails.
pub struct Tmux {
    session: String,
}

impl Tmux {
    pub fn start(name: &str, cols: u16, cmd: &str) -> Tmux {
        Tmux::start_sized(name, cols, 30, cmd)
    }

    /// The same in a terminal of `cols` x `lines`.
    pub fn start_sized(name: &str, cols: u16, lines: u16, cmd: &str) -> Tmux {
        let session = format!("taskstat-{name}-{}", std::process::id());
        let cols = cols.to_string();
        let lines = lines.to_string();
        let started = Tmux::run(&[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            &cols,
            "-y",
            &lines,
            cmd,
        ]);
        assert!(started.status.success(), "{started:?}");
        Tmux { session }
    }

    fn run(args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux (apt-get install tmux)")
    }

    /// The screen once it shows `want`, or as it is after 10 s.
    pub fn screen_with(&self, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = Tmux::run(&["capture-pane", "-t", &self.session, "-p"]);
            let s = String::from_utf8_lossy(&out.stdout).to_string();
            if s.contains(want) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn keys(&self, keys: &str) {
        Tmux::run(&["send-keys", "-t", &self.session, keys]);
    }

    /// Asserts that the command ends (its session with it) within 5 s.
    pub fn assert_ends(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Tmux::run(&["has-session", "-t", &self.session])
            .status
            .success()
        {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Tmux::run(&["kill-session", "-t", &self.session]);
    }
}

/// Checks a screen of top or replay as a terminal shows it: every number
/// in the table whole (digits, at most one decimal, at most one unit
/// letter: 613K, never 612.9 Ki or 103745.), each right-aligned under its
/// title, as many as there are titles; and the footer with q and every
/// sort key first. Returns the table's rows.
pub fn assert_top_screen(s: &str) -> Vec<String> {
    let whole = |t: &str| {
        if t == "-" {
            return true;
        }
        let t = t.strip_suffix(['K', 'M', 'G', 'T', 'P', 'E']).unwrap_or(t);
        let (int, frac) = t.split_once('.').unwrap_or((t, "0"));
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        digits(int) && frac.len() == 1 && digits(frac)
    };
    let lines: Vec<&str> = s.lines().collect();
    let h = lines
        .iter()
        .position(|l| l.contains("RUNQ%") && l.contains("CPU%"))
        .unwrap_or_else(|| panic!("no table header:\n{s}"));
    let titles: Vec<(usize, &str)> = lines[h]
        .split_whitespace()
        .scan(0, |from, t| {
            let at = *from + lines[h][*from..].find(t).expect("a title");
            *from = at + t.len();
            Some((at + t.chars().count(), t))
        })
        .collect();
    assert!(titles.len() >= 4, "{s}");
    let numbers = &titles[2..];
    let mut rows = Vec::new();
    for l in &lines[h + 1..] {
        if l.trim().is_empty() || l.starts_with("q quit") {
            break;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        assert!(
            words.len() >= 2 + numbers.len(),
            "a row of too few cells: {l:?}\n{s}"
        );
        assert!(whole(words[0]), "id {:?} in {l:?}\n{s}", words[0]);
        for (w, (end, title)) in words[words.len() - numbers.len()..].iter().zip(numbers) {
            assert!(whole(w), "{title} {w:?} is not a whole number: {l:?}\n{s}");
            // Right-aligned: the number ends where its title does (in
            // cells: a CJK name's characters take two).
            let chars: Vec<char> = l
                .chars()
                .flat_map(|c| {
                    let wide = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1;
                    std::iter::once(c).chain(wide.then_some('\0'))
                })
                .collect();
            assert!(
                chars.get(end - 1).is_some_and(|c| !c.is_whitespace())
                    && chars.get(*end).is_none_or(|c| c.is_whitespace()),
                "{title} {w:?} does not end under its title: {l:?}\n{s}"
            );
        }
        rows.push(l.to_string());
    }
    assert!(
        s.contains("q quit  sort: r runq c cpu i io m mem n irq s csw d read w write p pid"),
        "the footer: q and the sort keys first:\n{s}"
    );
    rows
}

/// Seconds since the epoch, the clock taskstat stamps its intervals with.
pub fn epoch_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A task's time on a CPU and its time waiting on a run queue, in ns, from
/// /proc/PID/schedstat: the kernel's se.sum_exec_runtime and
/// sched_info.run_delay, the very counters taskstats reports as
/// cpu_run_virtual_total and cpu_delay_total. The kernel's own word on the
/// same task, read beside taskstat.
pub fn schedstat(pid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let mut f = s.split_whitespace().map(|v| v.parse::<u64>().ok());
    Some((f.next()??, f.next()??))
}

/// One read of /proc/PID/schedstat between two stamps of the wall clock.
#[derive(Clone, Copy, Debug)]
pub struct SchedRead {
    pub before: f64,
    pub after: f64,
    pub run_ns: u64,
    pub wait_ns: u64,
}

/// /proc/PID/schedstat read every 2 ms by a thread of its own, from
/// [`SchedLog::start`] to [`SchedLog::finish`], each of which takes
/// [`SchedLog::MARGIN`] to return so that the reads reach that far around
/// whatever the test did in between: what the kernel counted
/// for the task over any stretch of that time, to compare with what
/// taskstat says of the same stretch.
pub struct SchedLog {
    pid: u32,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    reader: std::thread::JoinHandle<Vec<SchedRead>>,
}

impl SchedLog {
    pub const MARGIN: Duration = Duration::from_millis(150);

    pub fn start(pid: u32) -> SchedLog {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stopped = std::sync::Arc::clone(&stop);
        // The first read is made before anything the test starts next.
        let mut reads = Vec::new();
        read_schedstat(pid, &mut reads);
        let reader = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) && read_schedstat(pid, &mut reads) {
                std::thread::sleep(Duration::from_millis(2));
            }
            reads
        });
        std::thread::sleep(SchedLog::MARGIN);
        SchedLog { pid, stop, reader }
    }

    pub fn finish(self) -> SchedReads {
        std::thread::sleep(SchedLog::MARGIN);
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut reads = self.reader.join().expect("the schedstat reader");
        // And the last one after everything the test waited for.
        read_schedstat(self.pid, &mut reads);
        SchedReads(reads)
    }
}

/// Appends one stamped read; false once the task is gone.
fn read_schedstat(pid: u32, reads: &mut Vec<SchedRead>) -> bool {
    let before = epoch_now();
    let Some((run_ns, wait_ns)) = schedstat(pid) else {
        return false;
    };
    reads.push(SchedRead {
        before,
        after: epoch_now(),
        run_ns,
        wait_ns,
    });
    true
}

/// The reads of a [`SchedLog`], oldest first.
pub struct SchedReads(pub Vec<SchedRead>);

impl SchedReads {
    /// The least and the most the kernel can have counted of `figure`
    /// between the moments `from` and `to` (epoch seconds), each moment
    /// known only within `slack` seconds: at a moment t the counter is at
    /// least the read that ended before t and at most the read that began
    /// after it. Panics when the reads do not reach around the stretch.
    pub fn counted(
        &self,
        from: f64,
        to: f64,
        slack: f64,
        figure: fn(&SchedRead) -> u64,
    ) -> (u64, u64) {
        let at_least = |t: f64| self.0.iter().rev().find(|r| r.after <= t).map(figure);
        let at_most = |t: f64| self.0.iter().find(|r| r.before >= t).map(figure);
        let span = || {
            format!(
                "{} schedstat reads from {:?} to {:?}",
                self.0.len(),
                self.0.first().map(|r| r.before),
                self.0.last().map(|r| r.after)
            )
        };
        let least = at_least(to - slack)
            .zip(at_most(from + slack))
            .map(|(end, start)| end.saturating_sub(start));
        let most = at_most(to + slack)
            .zip(at_least(from - slack))
            .map(|(end, start)| end - start);
        least
            .zip(most)
            .unwrap_or_else(|| panic!("no reads around {from}..{to}: {}", span()))
    }
}

/// A fresh directory for a store under the tests' temporary directory,
/// named for the test and this process (not created: the recorder does).
pub fn store_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// ndjson lines as values.
pub fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `promtool check metrics` on an exposition, as Prometheus's own linter
/// (Debian's prometheus package, which .ci/run installs).
pub fn promtool_check(text: &str) {
    use std::io::Write as _;
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (apt-get install prometheus; .ci/run does)");
    promtool
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feed promtool");
    let out = promtool.wait_with_output().expect("promtool");
    assert!(out.status.success(), "promtool: {out:?}\n{text}");
}

/// `promtool tsdb create-blocks-from openmetrics` of the file `om` into
/// the directory `blocks` (made afresh), which must then hold a block.
pub fn promtool_backfill(om: &Path, blocks: &Path) {
    let _ = std::fs::remove_dir_all(blocks);
    let imported = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(om)
        .arg(blocks)
        .output()
        .expect("promtool (apt-get install prometheus; .ci/run does)");
    assert!(imported.status.success(), "promtool: {imported:?}");
    assert!(std::fs::read_dir(blocks).expect("blocks").count() > 0);
}
