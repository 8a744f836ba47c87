//! The model of `taskstat top`: which tasks exist, their records at two
//! moments, and rows of rates ranked by any column.

use std::collections::HashMap;

use crate::record::RecordView;

/// One task's rates over a refresh interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: u32,
    pub comm: String,
    /// CPU time over wall time, %.
    pub cpu: Option<f64>,
    /// Run-queue wait over wall time, %.
    pub runq: Option<f64>,
    /// Block I/O wait, %.
    pub io: Option<f64>,
    /// Swap-in, reclaim, thrashing, compaction and copy-on-write waits, %.
    pub mem: Option<f64>,
    /// IRQ time charged, %.
    pub irq: Option<f64>,
    pub switches: Option<f64>,
    pub read: Option<f64>,
    pub write: Option<f64>,
}

/// Columns a top view sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TopSort {
    /// Run-queue wait (the default: who waits for a CPU).
    Runq,
    Cpu,
    Io,
    Mem,
    Irq,
    Switches,
    Read,
    Write,
    Pid,
}

impl TopSort {
    pub const ALL: [TopSort; 9] = [
        TopSort::Runq,
        TopSort::Cpu,
        TopSort::Io,
        TopSort::Mem,
        TopSort::Irq,
        TopSort::Switches,
        TopSort::Read,
        TopSort::Write,
        TopSort::Pid,
    ];

    /// The key that selects it in the interactive view.
    pub fn key(self) -> char {
        match self {
            TopSort::Runq => 'r',
            TopSort::Cpu => 'c',
            TopSort::Io => 'i',
            TopSort::Mem => 'm',
            TopSort::Irq => 'n',
            TopSort::Switches => 's',
            TopSort::Read => 'd',
            TopSort::Write => 'w',
            TopSort::Pid => 'p',
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TopSort::Runq => "runq",
            TopSort::Cpu => "cpu",
            TopSort::Io => "io",
            TopSort::Mem => "mem",
            TopSort::Irq => "irq",
            TopSort::Switches => "switches",
            TopSort::Read => "read",
            TopSort::Write => "write",
            TopSort::Pid => "pid",
        }
    }

    fn value(self, r: &Row) -> f64 {
        let v = match self {
            TopSort::Runq => r.runq,
            TopSort::Cpu => r.cpu,
            TopSort::Io => r.io,
            TopSort::Mem => r.mem,
            TopSort::Irq => r.irq,
            TopSort::Switches => r.switches,
            TopSort::Read => r.read,
            TopSort::Write => r.write,
            TopSort::Pid => Some(-f64::from(r.id)),
        };
        v.unwrap_or(f64::NEG_INFINITY)
    }

    /// Largest first (pid: smallest first); ties by pid.
    pub fn sort(self, rows: &mut [Row]) {
        rows.sort_by(|a, b| {
            self.value(b)
                .total_cmp(&self.value(a))
                .then(a.id.cmp(&b.id))
        });
    }
}

fn diff(a: Option<u64>, b: Option<u64>) -> Option<f64> {
    Some(b?.checked_sub(a?)? as f64)
}

fn share(ns: Option<f64>, secs: f64) -> Option<f64> {
    ns.map(|v| v / 1e9 / secs * 100.0)
}

/// Rates of every task present in both samples.
pub fn rows(
    prev: &HashMap<u32, RecordView>,
    cur: &HashMap<u32, RecordView>,
    comms: &HashMap<u32, String>,
    secs: f64,
) -> Vec<Row> {
    let secs = secs.max(1e-9);
    cur.iter()
        .filter_map(|(id, b)| {
            let a = prev.get(id)?;
            let (da, db) = (&a.delays, &b.delays);
            let mem = [
                (&da.swapin, &db.swapin),
                (&da.reclaim, &db.reclaim),
                (&da.thrashing, &db.thrashing),
                (&da.compact, &db.compact),
                (&da.wpcopy, &db.wpcopy),
            ]
            .iter()
            .map(|(x, y)| diff(x.total_ns, y.total_ns))
            .try_fold(0.0, |acc, v| v.map(|v| acc + v));
            let switches = match (
                diff(a.context_switches.voluntary, b.context_switches.voluntary),
                diff(
                    a.context_switches.involuntary,
                    b.context_switches.involuntary,
                ),
            ) {
                (Some(v), Some(i)) => Some((v + i) / secs),
                _ => None,
            };
            Some(Row {
                id: *id,
                comm: comms
                    .get(id)
                    .cloned()
                    .or_else(|| b.comm.clone())
                    .unwrap_or_default(),
                cpu: share(diff(a.cpu.run_virtual_ns, b.cpu.run_virtual_ns), secs),
                runq: share(diff(da.cpu.total_ns, db.cpu.total_ns), secs),
                io: share(diff(da.blkio.total_ns, db.blkio.total_ns), secs),
                mem: share(mem, secs),
                irq: share(diff(da.irq.total_ns, db.irq.total_ns), secs),
                switches,
                read: diff(a.io.read_bytes, b.io.read_bytes).map(|v| v / secs),
                write: diff(a.io.write_bytes, b.io.write_bytes).map(|v| v / secs),
            })
        })
        .collect()
}

/// Every process id in /proc, or with `threads` every thread id.
pub fn list_tasks(threads: bool) -> Vec<u32> {
    use crate::system::{numeric_entries, thread_ids};
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

/// The system's pressure lines (/proc/pressure), or why there are none.
pub fn psi() -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    for res in ["cpu", "memory", "io", "irq"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/pressure/{res}")) else {
            continue;
        };
        for l in text.lines() {
            // "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345" (total in µs)
            let mut f = l.split_whitespace();
            let kind = f.next().unwrap_or("");
            let vals: HashMap<&str, &str> = f.filter_map(|kv| kv.split_once('=')).collect();
            lines.push(format!(
                "{res:<6} {kind:<4}  avg10 {:>6}%  avg60 {:>6}%  avg300 {:>6}%",
                vals.get("avg10").unwrap_or(&"-"),
                vals.get("avg60").unwrap_or(&"-"),
                vals.get("avg300").unwrap_or(&"-"),
            ));
        }
    }
    if lines.is_empty() {
        Err("pressure stall information is not available (kernel built without CONFIG_PSI, or booted without psi=1)".into())
    } else {
        Ok(lines)
    }
}

fn fmt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"))
}

fn fmt_rate(v: Option<f64>) -> String {
    v.map_or_else(
        || "-".to_string(),
        |v| crate::render::human::bytes(Some(v as u64)),
    )
}

/// The column titles of a top table.
pub fn header(threads: bool) -> [&'static str; 10] {
    [
        if threads { "TID" } else { "PID" },
        "COMMAND",
        "CPU%",
        "RUNQ%",
        "IO%",
        "MEM%",
        "IRQ%",
        "CSW/s",
        "READ/s",
        "WRITE/s",
    ]
}

/// A row's cells, as the header orders them.
pub fn cells(r: &Row) -> [String; 10] {
    [
        r.id.to_string(),
        r.comm.clone(),
        fmt_pct(r.cpu),
        fmt_pct(r.runq),
        fmt_pct(r.io),
        fmt_pct(r.mem),
        fmt_pct(r.irq),
        r.switches
            .map_or_else(|| "-".to_string(), |v| format!("{v:.0}")),
        fmt_rate(r.read),
        fmt_rate(r.write),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, runq: Option<f64>, cpu: Option<f64>) -> Row {
        Row {
            id,
            comm: String::new(),
            cpu,
            runq,
            io: None,
            mem: None,
            irq: None,
            switches: None,
            read: None,
            write: None,
        }
    }

    #[test]
    fn sorting() {
        let mut rows = vec![
            row(3, Some(1.0), Some(9.0)),
            row(1, None, Some(5.0)),
            row(2, Some(7.0), None),
        ];
        TopSort::Runq.sort(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![2, 3, 1]);
        TopSort::Cpu.sort(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 1, 2]);
        TopSort::Pid.sort(&mut rows);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![1, 2, 3]);
        let keys: std::collections::HashSet<char> = TopSort::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), TopSort::ALL.len());
    }
}
