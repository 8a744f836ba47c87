//! Tasks as /proc lists and describes them.

use std::collections::HashMap;
use std::fs;
use std::io;

/// The numeric entries of a /proc directory (pids, or tids under
/// /proc/PID/task), sorted.
pub fn numeric_entries(dir: &str) -> io::Result<Vec<u32>> {
    let mut ids: Vec<u32> = fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// The thread ids of a process, from /proc/PID/task.
pub fn thread_ids(pid: u32) -> io::Result<Vec<u32>> {
    numeric_entries(&format!("/proc/{pid}/task"))
}

/// Every process id in /proc, or with `threads` every thread id.
pub fn list_tasks(threads: bool) -> Vec<u32> {
    let procs = numeric_entries("/proc").unwrap_or_default();
    if !threads {
        return procs;
    }
    // A process that exits while being listed simply has no threads.
    procs
        .iter()
        .flat_map(|p| thread_ids(*p).unwrap_or_default())
        .collect()
}

/// A task's name as /proc/ID/comm gives it, or None once it is gone.
pub fn comm(id: u32) -> Option<String> {
    let c = fs::read_to_string(format!("/proc/{id}/comm")).ok()?;
    Some(c.trim_end_matches('\n').to_string())
}

/// The fields of `/proc/ID/stat` that taskstat reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stat {
    /// The state letter (R, S, D, T, ...).
    pub state: char,
    pub ppid: u32,
}

impl Stat {
    /// Parses a stat line. The comm in parentheses may itself contain
    /// parentheses and spaces, so the fields are counted from the last ") ".
    pub fn parse(line: &str) -> Option<Stat> {
        let (_, rest) = line.rsplit_once(") ")?;
        let mut f = rest.split_whitespace();
        let state = f.next()?.chars().next()?;
        let ppid = f.next()?.parse().ok()?;
        Some(Stat { state, ppid })
    }

    /// The stat of a task, or None once it is gone.
    pub fn read(id: u32) -> Option<Stat> {
        Stat::parse(&fs::read_to_string(format!("/proc/{id}/stat")).ok()?)
    }
}

/// Why the system's pressure lines cannot be shown.
#[derive(Debug, thiserror::Error)]
#[error(
    "pressure stall information is not available (kernel built without CONFIG_PSI, or booted without psi=1)"
)]
pub struct NoPressure;

/// One line of /proc/pressure/<resource>.
#[derive(Clone, Debug, PartialEq)]
pub struct Pressure {
    /// cpu, memory, io or irq.
    pub resource: &'static str,
    /// "some" or "full".
    pub kind: String,
    pub avg10: Option<String>,
    pub avg60: Option<String>,
    pub avg300: Option<String>,
}

/// The system's pressure (PSI) lines.
pub fn pressure() -> Result<Vec<Pressure>, NoPressure> {
    let mut lines = Vec::new();
    for resource in ["cpu", "memory", "io", "irq"] {
        let Ok(text) = fs::read_to_string(format!("/proc/pressure/{resource}")) else {
            continue;
        };
        for l in text.lines() {
            // "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345" (total in µs)
            let mut f = l.split_whitespace();
            let kind = f.next().unwrap_or("").to_string();
            let vals: HashMap<&str, &str> = f.filter_map(|kv| kv.split_once('=')).collect();
            let get = |k: &str| vals.get(k).map(|v| v.to_string());
            lines.push(Pressure {
                resource,
                kind,
                avg10: get("avg10"),
                avg60: get("avg60"),
                avg300: get("avg300"),
            });
        }
    }
    if lines.is_empty() {
        Err(NoPressure)
    } else {
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_survives_odd_comms() {
        let s = Stat::parse("42 (sleep) S 1 42").unwrap();
        assert_eq!((s.state, s.ppid), ('S', 1));
        let s = Stat::parse("42 (a) b) (c) T 7 42").unwrap();
        assert_eq!((s.state, s.ppid), ('T', 7));
        assert_eq!(Stat::parse("garbage"), None);
        assert_eq!(Stat::parse("1 (x) R notanumber"), None);
    }
}
