//! Helpers: the binaries under test, workloads, and the kernel gate.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use taskstat::client::Client;
use taskstat::wire::RequestAttr;

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
pub fn kernel(test: &str) -> bool {
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

/// Like [`kernel`], and delay accounting must be on (CI turns it on).
pub fn kernel_with_delayacct(test: &str) -> bool {
    if !kernel(test) {
        return false;
    }
    match taskstat::system::delayacct() {
        Some(true) => true,
        _ if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
            panic!("{test}: needs kernel.task_delayacct=1 (TASKSTAT_REQUIRE_KERNEL=1)")
        }
        _ => {
            eprintln!("skipping {test}: needs `sysctl kernel.task_delayacct=1`");
            false
        }
    }
}

/// A workload process, SIGSTOPped once its work is done; killed on drop.
pub struct Workload {
    child: Child,
}

impl Workload {
    pub fn start(args: &[&str]) -> Workload {
        let mut child = Command::new(example("workload"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start examples/workload (built by cargo test)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read ready");
        assert_eq!(line.trim(), "ready", "workload {args:?} did not get ready");
        let w = Workload { child };
        w.wait_stopped();
        w
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_stopped(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let path = format!("/proc/{}/stat", self.pid());
        loop {
            let stat = std::fs::read_to_string(&path).unwrap_or_default();
            // The state follows the parenthesised comm.
            let state = stat.rsplit_once(") ").and_then(|(_, r)| r.chars().next());
            if state == Some('T') {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "workload {} never stopped",
                self.pid()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
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

impl Drop for Workload {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
