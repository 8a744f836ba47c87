//! `taskstat dump`: stored samples as ndjson, csv or OpenMetrics.
//!
//! ndjson and csv write each record as it comes, with its sample's time
//! first. OpenMetrics wants each metric family in one block, so its lines
//! are kept per family until [`DumpWriter::finish`]: counters with the
//! sample's timestamp, under `serve`'s metric names, for `promtool tsdb
//! create-blocks-from openmetrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value};

use super::DumpFormat;
use crate::wire::Category;

/// The sample's time as RFC 3339, to the microsecond.
pub fn rfc3339(time_ns: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(time_ns))
        .ok()
        .and_then(|t| t.round(jiff::Unit::Microsecond).ok())
        .map_or_else(|| time_ns.to_string(), |t| t.to_string())
}

/// The sample's time as people read it: `YYYY-MM-DD HH:MM:SS` in local time.
pub fn local_time(time_ns: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(time_ns))
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| time_ns.to_string())
}

/// The families `serve` exports, in its order: name, type, help.
const FAMILIES: [(&str, &str, &str); 6] = [
    (
        "taskstat_delay_seconds",
        "counter",
        "Time spent waiting, by delay category",
    ),
    (
        "taskstat_delays",
        "counter",
        "Number of waits, by delay category",
    ),
    (
        "taskstat_cpu_seconds",
        "counter",
        "CPU time (precise run time)",
    ),
    (
        "taskstat_io_bytes",
        "counter",
        "Bytes read from and written to storage",
    ),
    (
        "taskstat_context_switches",
        "counter",
        "Context switches, voluntary and involuntary",
    ),
    ("taskstat_tasks", "gauge", "Live processes"),
];

/// Writes the records of stored samples in one format.
pub struct DumpWriter {
    format: DumpFormat,
    header_done: bool,
    /// OpenMetrics: each family's sample lines, by family name.
    families: BTreeMap<&'static str, String>,
}

impl DumpWriter {
    pub fn new(format: DumpFormat) -> DumpWriter {
        DumpWriter {
            format,
            header_done: false,
            families: BTreeMap::new(),
        }
    }

    /// One record of the sample taken at `time_ns`. `labels` name the
    /// record's series in OpenMetrics (the cgroup; for a process its pid,
    /// comm and cgroup); `record` is a stored process record or a cgroup's
    /// figures, whose key is added to it as `key_name`.
    pub fn record(
        &mut self,
        out: &mut dyn Write,
        time_ns: i64,
        labels: &[(&str, &str)],
        record: &Value,
    ) -> io::Result<()> {
        match self.format {
            DumpFormat::Ndjson => {
                let mut line = serde_json::to_vec(&with_time(time_ns, labels, record))?;
                line.push(b'\n');
                out.write_all(&line)
            }
            DumpFormat::Csv => {
                let cols = super::csv_row(&with_time(time_ns, labels, record))?;
                let mut buf = Vec::new();
                if !self.header_done {
                    super::flat::csv_line(&mut buf, cols.iter().map(|(k, _)| k.as_str()));
                    self.header_done = true;
                }
                super::flat::csv_line(&mut buf, cols.iter().map(|(_, v)| v.as_str()));
                out.write_all(&buf)
            }
            DumpFormat::Openmetrics => {
                self.metrics(time_ns, labels, record);
                Ok(())
            }
        }
    }

    /// Ends the output (OpenMetrics: every family, then `# EOF`).
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.format == DumpFormat::Openmetrics {
            let mut text = String::new();
            for (name, kind, help) in FAMILIES {
                let Some(lines) = self.families.get(name) else {
                    continue;
                };
                let _ = writeln!(text, "# HELP {name} {help}.");
                let _ = writeln!(text, "# TYPE {name} {kind}");
                text += lines;
            }
            text += "# EOF\n";
            out.write_all(text.as_bytes())?;
        }
        out.flush()
    }

    fn metrics(&mut self, time_ns: i64, labels: &[(&str, &str)], r: &Value) {
        let ts = format!(
            "{}.{:03}",
            time_ns.div_euclid(1_000_000_000),
            time_ns.rem_euclid(1_000_000_000) / 1_000_000
        );
        let mut put = |family: &'static str, suffix: &str, extra: Option<(&str, &str)>, v: f64| {
            let lines = self.families.entry(family).or_default();
            let _ = write!(lines, "{family}{suffix}{{");
            for (i, (k, val)) in labels.iter().copied().chain(extra).enumerate() {
                if i > 0 {
                    lines.push(',');
                }
                let _ = write!(lines, "{k}=\"{}\"", escape_label(val));
            }
            let _ = writeln!(lines, "}} {v} {ts}");
        };
        let num =
            |path: &[&str]| -> Option<f64> { path.iter().try_fold(r, |v, k| v.get(k))?.as_f64() };
        // A process record has the schema's keys; a cgroup's figures
        // serve's counters.
        let process = r.get("delays").is_some();
        for c in Category::ALL {
            let (count, total) = if process {
                (
                    num(&["delays", c.key(), "count"]),
                    num(&["delays", c.key(), "total_ns"]),
                )
            } else {
                let pair = r
                    .get("counters")
                    .and_then(|x| x.get("delays"))
                    .and_then(|d| d.get(c.key()));
                (
                    pair.and_then(|p| p.get(0)).and_then(Value::as_f64),
                    pair.and_then(|p| p.get(1)).and_then(Value::as_f64),
                )
            };
            // Null is not zero: a category not measured has no series.
            if let (Some(count), Some(total)) = (count, total) {
                if !process && count == 0.0 && total == 0.0 && c != Category::Cpu {
                    continue;
                }
                put(
                    "taskstat_delay_seconds",
                    "_total",
                    Some(("category", c.key())),
                    total / 1e9,
                );
                put(
                    "taskstat_delays",
                    "_total",
                    Some(("category", c.key())),
                    count,
                );
            }
        }
        let field = |p: &[&str], c: &[&str]| if process { num(p) } else { num(c) };
        if let Some(ns) = field(&["cpu", "run_virtual_ns"], &["counters", "cpu_ns"]) {
            put("taskstat_cpu_seconds", "_total", None, ns / 1e9);
        }
        for (dir, p, c) in [
            ("read", ["io", "read_bytes"], ["counters", "read_bytes"]),
            ("write", ["io", "write_bytes"], ["counters", "write_bytes"]),
        ] {
            if let Some(b) = field(&p, &c) {
                put("taskstat_io_bytes", "_total", Some(("direction", dir)), b);
            }
        }
        for (kind, p, c) in [
            (
                "voluntary",
                ["context_switches", "voluntary"],
                ["counters", "voluntary"],
            ),
            (
                "involuntary",
                ["context_switches", "involuntary"],
                ["counters", "involuntary"],
            ),
        ] {
            if let Some(n) = field(&p, &c) {
                put(
                    "taskstat_context_switches",
                    "_total",
                    Some(("kind", kind)),
                    n,
                );
            }
        }
        if let Some(n) = r.get("tasks").and_then(Value::as_f64) {
            put("taskstat_tasks", "", None, n);
        }
    }
}

/// `{"time": ..., labels..., record's keys...}`.
fn with_time(time_ns: i64, labels: &[(&str, &str)], record: &Value) -> Value {
    let mut m = Map::new();
    m.insert("time".into(), Value::from(rfc3339(time_ns)));
    if let Value::Object(fields) = record {
        // A cgroup's figures carry no name of their own: its path first.
        if !fields.contains_key("type") {
            for (k, v) in labels {
                m.insert((*k).into(), Value::from(*v));
            }
        }
        m.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(m)
}

/// A label value as OpenMetrics quotes it.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
