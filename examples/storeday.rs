//! Writes a synthetic history store, as `taskstat record` would have
//! written it, for the history benchmarks (bench/history.sh): a day at
//! `-d 5` of 1,000 processes takes a minute or two instead of a day.
//!
//!     storeday --dir DIR --template RECORD.json [--processes 1000]
//!              [--interval 5] [--hours 24] [--exits-per-sec 65]
//!              [--groups 50] [--ran 0.1]
//!
//! RECORD.json is one process record as `taskstat tgid PID --json` prints
//! it (the array's first element, or the array). Every process of the
//! store is a copy of it with its own identity and counters; in each
//! sample a share (`--ran`) of them ran, and their counters move; the
//! others are moved unchanged, as the recorder moves the records of
//! processes that did not run. Exits are short-lived processes, stored
//! once in the sample after them, with whole-life figures; the cgroups
//! section has each group's books, as the recorder keeps them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use taskstat::store::{Sample, Writer, WriterOptions};

const CATEGORIES: [&str; 9] = [
    "cpu",
    "blkio",
    "swapin",
    "reclaim",
    "thrashing",
    "compact",
    "wpcopy",
    "irq",
    "softirq",
];

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

struct Args {
    dir: PathBuf,
    template: PathBuf,
    processes: u64,
    interval: u64,
    hours: u64,
    exits_per_sec: u64,
    groups: u64,
    ran: f64,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        dir: PathBuf::new(),
        template: PathBuf::new(),
        processes: 1000,
        interval: 5,
        hours: 24,
        exits_per_sec: 65,
        groups: 50,
        ran: 0.1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = || v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--dir" => a.dir = v.into(),
            "--template" => a.template = v.into(),
            "--processes" => a.processes = num()?,
            "--interval" => a.interval = num()?.max(1),
            "--hours" => a.hours = num()?,
            "--exits-per-sec" => a.exits_per_sec = num()?,
            "--groups" => a.groups = num()?.max(1),
            "--ran" => a.ran = v.parse().map_err(|e| format!("--ran: {e}"))?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if a.dir.as_os_str().is_empty() || a.template.as_os_str().is_empty() {
        return Err("give --dir and --template".into());
    }
    Ok(a)
}

fn set(v: &mut Value, path: &[&str], x: Value) {
    let mut at = v;
    for k in &path[..path.len() - 1] {
        let Some(next) = at.get_mut(*k) else { return };
        at = next;
    }
    if let Some(m) = at.as_object_mut() {
        m.insert(path[path.len() - 1].to_string(), x);
    }
}

fn add(v: &mut Value, path: &[&str], by: u64) {
    let mut at = &mut *v;
    for k in path {
        let Some(next) = at.get_mut(*k) else { return };
        at = next;
    }
    if let Some(n) = at.as_u64() {
        *at = Value::from(n.saturating_add(by));
    }
}

/// A process of the store: the template with its own identity, counters
/// from zero-ish, in group `g`.
fn process(t: &Value, pid: u64, start: u64, g: u64, rng: &mut Rng, time_ns: i64) -> Value {
    let mut v = t.clone();
    for k in ["id", "pid", "tgid"] {
        set(&mut v, &[k], json!(pid));
    }
    set(&mut v, &["ppid"], json!(1 + rng.below(pid.max(2))));
    set(&mut v, &["comm"], json!(format!("svc{}-worker", g % 37)));
    set(&mut v, &["uid"], json!(rng.below(5) * 1000));
    set(&mut v, &["start_time"], json!(start));
    set(&mut v, &["cgroup"], json!(group(g)));
    set(&mut v, &["_at"], json!(time_ns));
    set(
        &mut v,
        &["cpu", "run_virtual_ns"],
        json!(rng.below(1 << 30)),
    );
    set(&mut v, &["cpu", "run_real_ns"], json!(rng.below(1 << 30)));
    set(
        &mut v,
        &["io", "read_bytes"],
        json!(rng.below(1 << 24) * 4096),
    );
    set(
        &mut v,
        &["io", "write_bytes"],
        json!(rng.below(1 << 20) * 4096),
    );
    for c in &CATEGORIES {
        set(&mut v, &["delays", c, "count"], json!(rng.below(10_000)));
        set(
            &mut v,
            &["delays", c, "total_ns"],
            json!(rng.below(1 << 34)),
        );
    }
    v
}

/// Moves a process's counters on, as a process that ran does.
fn run(v: &mut Value, rng: &mut Rng, secs: u64, time_ns: i64) {
    let cpu = rng.below(secs * 200_000_000);
    add(v, &["cpu", "run_virtual_ns"], cpu);
    add(v, &["cpu", "run_real_ns"], cpu);
    add(v, &["cpu", "user_us"], cpu / 2000);
    add(v, &["cpu", "system_us"], cpu / 4000);
    add(v, &["context_switches", "voluntary"], rng.below(500));
    add(v, &["context_switches", "involuntary"], rng.below(50));
    add(v, &["io", "read_chars"], rng.below(1 << 20));
    add(v, &["io", "write_chars"], rng.below(1 << 18));
    add(v, &["io", "read_syscalls"], rng.below(300));
    add(v, &["io", "write_syscalls"], rng.below(100));
    if rng.chance(0.3) {
        add(v, &["io", "write_bytes"], rng.below(256) * 4096);
        add(v, &["delays", "blkio", "count"], rng.below(20));
        add(v, &["delays", "blkio", "total_ns"], rng.below(50_000_000));
    }
    add(v, &["delays", "cpu", "count"], rng.below(500));
    add(v, &["delays", "cpu", "total_ns"], rng.below(20_000_000));
    set(v, &["_at"], json!(time_ns));
}

/// The figures of a process that lived milliseconds: a few waits for a
/// CPU, rarely one for storage, little I/O.
fn short_lived(v: &mut Value, rng: &mut Rng) {
    let cpu = 200_000 + rng.below(5_000_000);
    set(v, &["cpu", "run_virtual_ns"], json!(cpu));
    set(v, &["cpu", "run_real_ns"], json!(cpu));
    set(v, &["cpu", "user_us"], json!(cpu / 4000 * 4));
    set(v, &["cpu", "system_us"], json!(cpu / 8000 * 4));
    set(v, &["elapsed_us"], json!(cpu / 1000 + rng.below(20_000)));
    set(v, &["context_switches", "voluntary"], json!(rng.below(8)));
    set(v, &["context_switches", "involuntary"], json!(rng.below(3)));
    set(v, &["io", "read_bytes"], json!(rng.below(4) * 4096));
    set(v, &["io", "write_bytes"], json!(0));
    set(v, &["io", "read_chars"], json!(rng.below(40_000)));
    set(v, &["io", "write_chars"], json!(rng.below(2_000)));
    set(v, &["io", "read_syscalls"], json!(rng.below(40)));
    set(v, &["io", "write_syscalls"], json!(rng.below(10)));
    for c in &CATEGORIES {
        set(v, &["delays", c, "count"], json!(0));
        set(v, &["delays", c, "total_ns"], json!(0));
    }
    let waits = 1 + rng.below(6);
    set(v, &["delays", "cpu", "count"], json!(waits));
    set(
        v,
        &["delays", "cpu", "total_ns"],
        json!(waits * rng.below(40_000)),
    );
    if rng.chance(0.1) {
        set(v, &["delays", "blkio", "count"], json!(1));
        set(
            v,
            &["delays", "blkio", "total_ns"],
            json!(rng.below(2_000_000)),
        );
    }
}

fn group(g: u64) -> String {
    format!("/system.slice/svc{g}.service")
}

fn main() {
    let a = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("storeday: {e}");
            std::process::exit(2);
        }
    };
    let text = std::fs::read_to_string(&a.template).unwrap_or_else(|e| {
        eprintln!("storeday: {}: {e}", a.template.display());
        std::process::exit(1);
    });
    let mut template: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("storeday: {}: {e}", a.template.display());
        std::process::exit(1);
    });
    if let Value::Array(mut v) = template {
        template = v.swap_remove(0);
    }
    let mut writer = Writer::open(
        &a.dir,
        WriterOptions {
            sync: false,
            // As `taskstat record` stores them.
            transient: vec!["exited".into(), "lost".into()],
            ..WriterOptions::default()
        },
    )
    .unwrap_or_else(|e| {
        eprintln!("storeday: {e}");
        std::process::exit(1);
    });
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // 2026-11-01T00:00:00Z
    let t0: i64 = 1_793_491_200 * 1_000_000_000;
    let step = a.interval as i64 * 1_000_000_000;
    let samples = a.hours * 3600 / a.interval;
    let mut next_pid = 10_000u64;
    let mut procs: BTreeMap<String, Value> = BTreeMap::new();
    for _ in 0..a.processes {
        let (pid, start) = (next_pid, next_pid * 7);
        next_pid += 1;
        let g = rng.below(a.groups);
        procs.insert(
            format!("{pid}:{start}"),
            process(&template, pid, start, g, &mut rng, t0),
        );
    }
    let mut books: BTreeMap<String, Value> = (0..a.groups)
        .map(|g| {
            let mut delays = serde_json::Map::new();
            for c in &CATEGORIES {
                delays.insert((*c).into(), json!([0, 0]));
            }
            (
                group(g),
                json!({"counters": {"cpu_ns": 0, "delays": delays, "read_bytes": 0,
                    "write_bytes": 0, "voluntary": 0, "involuntary": 0},
                    "tasks": a.processes / a.groups, "exited": 0}),
            )
        })
        .collect();
    let exits_per_sample = a.exits_per_sec * a.interval;
    let mut ran = std::collections::HashSet::new();
    for i in 0..samples {
        let time_ns = t0 + i as i64 * step;
        ran.clear();
        if i > 0 {
            for (k, v) in procs.iter_mut() {
                if rng.chance(a.ran) {
                    run(v, &mut rng, a.interval, time_ns);
                    ran.insert(k.clone());
                }
            }
        }
        let mut exited = BTreeMap::new();
        if i > 0 {
            for _ in 0..exits_per_sample {
                let (pid, start) = (next_pid, next_pid * 7);
                next_pid = if next_pid > 4_000_000 {
                    10_000 + a.processes
                } else {
                    next_pid + 1
                };
                let g = rng.below(a.groups);
                let mut v = process(&template, pid, start, g, &mut rng, time_ns);
                if let Some(m) = v.as_object_mut() {
                    m.remove("_at");
                    m.insert("exit_code".into(), json!(0));
                }
                short_lived(&mut v, &mut rng);
                exited.insert(format!("{pid}:{start}"), v);
                if let Some(b) = books.get_mut(&group(g)) {
                    add(b, &["counters", "cpu_ns"], rng.below(5_000_000));
                    add(b, &["exited"], 1);
                }
            }
            for b in books.values_mut() {
                if rng.chance(0.5) {
                    add(b, &["counters", "cpu_ns"], rng.below(1_000_000_000));
                    add(b, &["counters", "voluntary"], rng.below(5000));
                }
            }
        }
        let mut sections = BTreeMap::new();
        sections.insert("processes".to_string(), std::mem::take(&mut procs));
        sections.insert("exited".to_string(), exited);
        sections.insert("cgroups".to_string(), books.clone());
        let sample = Sample { time_ns, sections };
        let r = writer.append_unless(&sample, &|section, key| {
            section == "processes" && i > 0 && !ran.contains(key)
        });
        if let Err(e) = r {
            eprintln!("storeday: sample {i}: {e}");
            std::process::exit(1);
        }
        let mut sections = sample.sections;
        procs = sections.remove("processes").unwrap_or_default();
        if i % 720 == 0 {
            eprintln!("storeday: {} of {samples} samples", i);
        }
    }
    eprintln!(
        "storeday: {samples} samples of {} processes, {exits_per_sample} exits each, into {}",
        a.processes,
        a.dir.display()
    );
}
