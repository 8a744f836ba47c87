//! What fleets need of `serve` and `top --by cgroup`: the names of the
//! workloads (systemd unit, container, pod) on each group's series, and
//! each group's own pressure (PSI), checked against the kernel's file.
//! Part of serve's tests (it uses their server and promtool helpers).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Served, get};
use crate::common::{Procs, kernel, promtool_check};

/// Groups made for one test under the cgroup2 mount, with the processes
/// put in them. On drop, also when the test fails: the processes are
/// killed, then the groups removed, deepest first.
pub(super) struct Tree {
    mount: PathBuf,
    /// In the order they were made.
    dirs: Vec<PathBuf>,
    pub(super) members: Procs,
}

impl Tree {
    /// None (the test skips, with the reason printed) without a cgroup2
    /// tree; with TASKSTAT_REQUIRE_KERNEL=1 that fails instead.
    pub(super) fn new(test: &str) -> Option<Tree> {
        match taskstat::host::cgroup::cgroup2_mount() {
            Some(mount) => Some(Tree {
                mount,
                dirs: Vec::new(),
                members: Procs(Vec::new()),
            }),
            None if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") => {
                panic!("{test}: no cgroup2 tree is mounted")
            }
            None => {
                eprintln!("skipping {test}: no cgroup2 tree is mounted");
                None
            }
        }
    }

    /// Makes the group at `path` (in the tree) and every missing group
    /// above it; returns its directory.
    pub(super) fn make(&mut self, path: &str) -> PathBuf {
        let mut dir = self.mount.clone();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            dir.push(part);
            if !dir.is_dir() {
                std::fs::create_dir(&dir)
                    .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
                self.dirs.push(dir.clone());
            }
        }
        dir
    }

    /// Starts `cmd` and moves it into the group at `dir`.
    pub(super) fn run_in(&mut self, dir: &Path, cmd: &mut Command) -> u32 {
        let child = cmd
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        let pid = child.id();
        self.members.0.push(child);
        std::fs::write(dir.join("cgroup.procs"), pid.to_string())
            .unwrap_or_else(|e| panic!("moving {pid} into {}: {e}", dir.display()));
        pid
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        // Before the groups can go.
        self.members.kill();
        for dir in self.dirs.iter().rev() {
            // Anything else that got in (a child of a member) goes too.
            let _ = std::fs::write(dir.join("cgroup.kill"), "1");
            // A killed task leaves the group a moment later.
            let deadline = Instant::now() + Duration::from_secs(5);
            while std::fs::remove_dir(dir).is_err() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// An id as container runtimes write one: 64 hex digits, unique per run.
fn container_id(salt: u32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:032x}{:08x}{:024x}", nanos, salt, std::process::id())
}

/// A sample line's name, labels and value:
/// `name{k="v",...} 1.5` (the values here hold no quotes or commas).
pub(super) fn sample(line: &str) -> Option<(&str, BTreeMap<&str, &str>, f64)> {
    let (name, rest) = line.split_once('{')?;
    let (labels, value) = rest.rsplit_once("} ")?;
    let labels = labels
        .split("\",")
        .filter_map(|kv| {
            let (k, v) = kv.split_once("=\"")?;
            Some((k, v.trim_end_matches('"')))
        })
        .collect();
    Some((name, labels, value.trim().parse().ok()?))
}

/// The labels of each series of `cgroup`, by metric name, with the
/// metric's own labels (category, direction, kind, resource) left out.
fn names_on_series<'a>(text: &'a str, cgroup: &str) -> Vec<(&'a str, BTreeMap<&'a str, &'a str>)> {
    text.lines()
        .filter_map(sample)
        .filter(|(_, l, _)| l.get("cgroup") == Some(&cgroup))
        .map(|(name, mut l, _)| {
            for own in ["cgroup", "category", "direction", "kind", "resource"] {
                l.remove(own);
            }
            (name, l)
        })
        .collect()
}

fn pressure_readable(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("cpu.pressure")).is_ok()
}

/// Groups named as systemd, Docker and Kubernetes (containerd) name theirs
/// carry exactly the names their paths give, on every series of theirs,
/// and the exposition stays valid; `top --by cgroup --json` shows the same.
#[test]
fn named_cgroups_carry_unit_container_and_pod_labels() {
    let test = "named_cgroups_carry_unit_container_and_pod_labels";
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel(test) else {
        return;
    };
    let Some(mut tree) = Tree::new(test) else {
        return;
    };
    let top = format!("/taskstat-fleet-{}.slice", std::process::id());
    let (docker_id, cri_id) = (container_id(1), container_id(2));
    let uid = "2f8e5a1c-93d4-4b7e-8a6f-0c1d2e3f4a5b";
    let service = format!("{top}/x-test.service");
    let docker = format!("{top}/docker-{docker_id}.scope");
    let pod = format!(
        "{top}/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice",
        uid.replace('-', "_")
    );
    let cri = format!("{pod}/cri-containerd-{cri_id}.scope");
    let expected: Vec<(&str, BTreeMap<&str, &str>)> = vec![
        (&service, BTreeMap::from([("unit", "x-test.service")])),
        (
            &docker,
            BTreeMap::from([("container_id", docker_id.as_str())]),
        ),
        (
            cri.as_str(),
            BTreeMap::from([("container_id", cri_id.as_str()), ("pod_uid", uid)]),
        ),
    ];
    let mut psi = true;
    for (path, _) in &expected {
        let dir = tree.make(path);
        psi &= pressure_readable(&dir);
        tree.run_in(&dir, Command::new("sleep").arg("600"));
    }

    let served = Served::start(&["--cache", "0.001"]);
    let (status, text) = get(served.port, "/metrics");
    assert_eq!(status, 200, "{text}");
    for (path, names) in &expected {
        let series = names_on_series(&text, path);
        let metrics: Vec<&str> = series.iter().map(|(m, _)| *m).collect();
        let mut families = vec![
            "taskstat_delay_seconds_total",
            "taskstat_cpu_seconds_total",
            "taskstat_io_bytes_total",
            "taskstat_context_switches_total",
            "taskstat_tasks",
            "taskstat_exited_tasks_total",
        ];
        if psi {
            families.push("taskstat_cgroup_pressure_seconds_total");
        }
        for f in families {
            assert!(metrics.contains(&f), "{path}: no {f} series in\n{text}");
        }
        for (metric, labels) in &series {
            assert_eq!(labels, names, "{path}: {metric}");
        }
    }
    // The slices above them hold no process, so they have no series.
    assert!(!text.contains(&format!("cgroup=\"{top}\"")), "{text}");
    promtool_check(&text);

    // The same names in top's JSON, whole; null where the path names none.
    let out = crate::common::taskstat()
        .args(["top", "--json", "-n", "1", "-d", "0.5", "--by", "cgroup"])
        .args(["--cgroup", &top])
        .output()
        .expect("run top");
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let rows = v[0]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), expected.len(), "{v:#}");
    for (path, names) in &expected {
        let row = rows
            .iter()
            .find(|r| r["cgroup"] == *path)
            .unwrap_or_else(|| panic!("no row for {path}: {v:#}"));
        assert_eq!(row["tasks"], 1, "{row}");
        for key in ["unit", "container_id", "pod_uid"] {
            let want = names.get(key).map_or(Value::Null, |n| Value::from(*n));
            assert_eq!(row[key], want, "{path}: {key}");
        }
        let shares = &row["pressure_some_percent"];
        for r in ["cpu", "io", "memory"] {
            assert!(
                if psi {
                    shares[r].is_number()
                } else {
                    shares[r].is_null()
                },
                "{path}: {r} pressure {shares}"
            );
        }
    }
}

/// The `some` total of a pressure file, µs.
fn some_total(file: &Path) -> u64 {
    let text = std::fs::read_to_string(file).expect("the pressure file");
    text.lines()
        .find_map(|l| {
            l.strip_prefix("some ")?
                .split_whitespace()
                .find_map(|w| w.strip_prefix("total=")?.parse().ok())
        })
        .unwrap_or_else(|| panic!("no some total in {text}"))
}

/// Four CPU burners on two CPUs keep a task of their group waiting for a
/// CPU nearly all the time: the exported cpu/some pressure grows as the
/// group's own cpu.pressure does over the same seconds, and top shows the
/// group's share of time stalled.
#[test]
fn a_groups_cpu_pressure_is_its_own_psi_total() {
    let test = "a_groups_cpu_pressure_is_its_own_psi_total";
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel(test) else {
        return;
    };
    let Some(mut tree) = Tree::new(test) else {
        return;
    };
    let path = format!("/taskstat-fleet-psi-{}", std::process::id());
    let dir = tree.make(&path);
    let file = dir.join("cpu.pressure");
    if !file.exists() {
        if std::env::var("TASKSTAT_REQUIRE_KERNEL").as_deref() == Ok("1") {
            panic!("{test}: {} is missing (boot with psi=1)", file.display());
        }
        eprintln!("skipping {test}: no cpu.pressure (PSI off)");
        return;
    }
    for _ in 0..4 {
        tree.run_in(
            &dir,
            Command::new("taskset").args(["-c", "0,1", "sh", "-c", "while :; do :; done"]),
        );
    }
    let served = Served::start(&["--cache", "0.001"]);
    let series = |text: &str| {
        text.lines()
            .filter_map(sample)
            .find(|(name, l, _)| {
                *name == "taskstat_cgroup_pressure_seconds_total"
                    && l.get("cgroup") == Some(&path.as_str())
                    && l.get("resource") == Some(&"cpu")
                    && l.get("kind") == Some(&"some")
            })
            .map(|(_, _, v)| v)
            .unwrap_or_else(|| panic!("no cpu/some pressure series for {path} in\n{text}"))
    };
    // Each scrape's sweep reads the file; the test reads it right after
    // the answer, so both ends of the window are a sweep's length apart
    // at most, over a window of seconds.
    std::thread::sleep(Duration::from_secs(1));
    let scrape = || {
        let (status, text) = get(served.port, "/metrics");
        assert_eq!(status, 200, "{text}");
        (series(&text), some_total(&file) as f64 / 1e6)
    };
    let (exported0, file0) = scrape();
    std::thread::sleep(Duration::from_secs(6));
    let (exported1, file1) = scrape();
    let (exported, kernel) = (exported1 - exported0, file1 - file0);
    assert!(
        kernel > 1.0,
        "four burners on two CPUs stalled only {kernel:.3} s in 6 s"
    );
    assert!(
        (exported - kernel).abs() <= 0.15 * kernel,
        "exported {exported:.3} s of cpu/some pressure, the group's cpu.pressure {kernel:.3} s"
    );
    assert!(
        (exported1 - file1).abs() <= 0.15 * file1,
        "totals: exported {exported1:.3} s, the file {file1:.3} s"
    );

    // top's column: the share of its interval the group was stalled.
    let out = crate::common::taskstat()
        .args(["top", "-b", "-n", "1", "-d", "2", "--by", "cgroup"])
        .args(["--cgroup", &path])
        .output()
        .expect("run top");
    assert!(out.status.success(), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    // After the refresh's time line.
    let mut lines = table.lines().skip(1);
    let header = lines.next().expect("a header");
    // Numbers are right-aligned under their titles (and a byte count is
    // two words, "0 B"): the cell is the word that ends where the title does.
    let end = header
        .find("CPU-PSI%")
        .unwrap_or_else(|| panic!("no CPU-PSI% column in\n{table}"))
        + "CPU-PSI%".len();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "one row, the group:\n{table}");
    assert_eq!(
        rows[0].split_whitespace().nth(1),
        Some(path.as_str()),
        "{table}"
    );
    let cell = rows[0]
        .get(..end)
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_default();
    let share: f64 = cell
        .parse()
        .unwrap_or_else(|e| panic!("CPU-PSI% {cell:?}: {e}\n{table}"));
    assert!(share > 0.0, "the burners' group stalled: {table}");
}
