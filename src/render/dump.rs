//! `taskstat dump`: stored samples as ndjson, csv or OpenMetrics.
//!
//! ndjson and csv write each record as it comes, with its sample's time
//! first. OpenMetrics wants each metric family in one block, so its lines
//! are kept per family until [`DumpWriter::finish`]: counters with the
//! sample's timestamp, under `serve`'s metric names, for `promtool tsdb
//! create-blocks-from openmetrics`. With `--by cgroup` it also writes each
//! cgroup's classic histograms of its exited processes' figures
//! ([`ExitHistograms`]): that import takes no native histograms.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Write};

use serde_json::{Map, Value};

use super::Format;
use super::families::{
    self, CONTEXT_SWITCHES, CPU_SECONDS, DELAY_SECONDS, DELAYS, IO_BYTES, TASKS,
};
use super::sink::Csv;
use crate::history::sample::StoredProcess;
use crate::model::RecordView;
use crate::model::distribution::{CLASSIC_BOUNDS, ExitSample, Measure};
use crate::model::fleet::{Counters, GroupFigures};
use crate::time::rfc3339;
use crate::wire::Category;

/// One record of a stored sample, as dump writes it.
#[derive(Clone, Copy)]
pub enum Stored<'a> {
    /// A process, settled to its sample's time ([`StoredProcess::settle`]).
    Process(&'a StoredProcess),
    /// A cgroup's figures.
    Group(&'a GroupFigures),
}

/// Writes the records of stored samples in one format.
pub struct DumpWriter {
    format: Format,
    csv: Csv,
    /// `--compact`: ndjson without null fields, sources and notes; csv
    /// with [`compact_column`]s only.
    compact: bool,
    /// The last sample's time, and its RFC 3339 JSON string: one per
    /// sample, not per record.
    time: (i64, String),
    /// A line being written.
    line: Vec<u8>,
    /// OpenMetrics: each family's sample lines, by family name, in a file
    /// of their own until [`DumpWriter::finish`]: a day of them is tens of
    /// GB, which memory does not hold.
    families: BTreeMap<&'static str, io::BufWriter<std::fs::File>>,
    /// The first error writing a family's file, reported at the end.
    spill_error: Option<io::Error>,
    /// OpenMetrics: each cgroup's histograms of the exits written so far.
    exits: ExitHistograms,
}

impl DumpWriter {
    pub fn new(format: Format) -> DumpWriter {
        DumpWriter {
            format,
            csv: Csv::new(),
            compact: false,
            time: (i64::MIN, String::new()),
            line: Vec::with_capacity(4096),
            families: BTreeMap::new(),
            spill_error: None,
            exits: ExitHistograms::default(),
        }
    }

    /// `dump --compact` (ndjson and csv; OpenMetrics is as it is).
    pub fn compact(mut self, on: bool) -> DumpWriter {
        self.compact = on;
        self
    }

    /// One record of the sample taken at `time_ns`. `labels` name the
    /// record's series in OpenMetrics (the cgroup; for a process its pid,
    /// comm and cgroup); a cgroup's figures have theirs first in ndjson and
    /// csv.
    pub fn record(
        &mut self,
        out: &mut dyn Write,
        time_ns: i64,
        labels: &[(&str, &str)],
        record: Stored,
    ) -> io::Result<()> {
        match self.format {
            Format::Ndjson if !self.compact => {
                if self.time.0 != time_ns {
                    self.time = (time_ns, serde_json::to_string(&rfc3339(time_ns))?);
                }
                self.line.clear();
                ndjson_line(&mut self.line, &self.time.1, labels, record)?;
                out.write_all(&self.line)
            }
            Format::Openmetrics => self.metrics(time_ns, labels, record),
            Format::Csv => {
                // Flattened from the typed record itself: no JSON tree.
                let mut cols = vec![("time".to_string(), rfc3339(time_ns))];
                match record {
                    Stored::Process(p) => {
                        cols.extend(super::csv_row(p)?);
                        if self.compact {
                            cols.retain(|(k, _)| compact_column(k));
                        }
                    }
                    Stored::Group(g) => {
                        // A cgroup's figures carry no name of their own:
                        // its path first.
                        cols.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                        cols.extend(super::csv_row(g)?);
                    }
                }
                let mut buf = Vec::new();
                self.csv.columns(&mut buf, &cols);
                out.write_all(&buf)
            }
            Format::Ndjson => {
                let v = match record {
                    Stored::Process(p) => serde_json::to_value(p)?,
                    Stored::Group(g) => serde_json::to_value(g)?,
                };
                self.ndjson_value(out, time_ns, labels, &v)
            }
            Format::Table | Format::Json | Format::Getdelays => Err(self.format.not_offered()),
        }
    }

    /// An ndjson line from a JSON value: a `--compact` record (a process's
    /// or a cgroup's, without its nulls), or the exits an interval lost.
    fn ndjson_value(
        &mut self,
        out: &mut dyn Write,
        time_ns: i64,
        labels: &[(&str, &str)],
        record: &Value,
    ) -> io::Result<()> {
        let mut v = with_time(time_ns, labels, record);
        if self.compact {
            compact_json(&mut v);
        }
        self.line.clear();
        super::sink::ndjson_line(&mut self.line, &v)?;
        out.write_all(&self.line)
    }

    /// The exits the interval ending at `time_ns` lost: in ndjson a record
    /// of their own, `{"time", "type": "lost", "exits_not_stored",
    /// "exits_dropped_by_kernel"}` (null where the kernel's count is not
    /// known); the other formats have no place for it (the caller warns).
    pub fn lost(
        &mut self,
        out: &mut dyn Write,
        time_ns: i64,
        not_stored: u64,
        dropped: Option<u64>,
    ) -> io::Result<()> {
        if self.format != Format::Ndjson {
            return Ok(());
        }
        let v = serde_json::json!({
            "type": "lost",
            "exits_not_stored": not_stored,
            "exits_dropped_by_kernel": dropped,
        });
        self.ndjson_value(out, time_ns, &[], &v)
    }

    /// Ends the output (OpenMetrics: every family, then `# EOF`).
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(e) = self.spill_error.take() {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot keep the OpenMetrics lines in a temporary file (TMPDIR): {e}"),
            ));
        }
        if self.format == Format::Openmetrics {
            for f in families::STORED.iter().chain(&families::DISTRIBUTIONS) {
                let Some(lines) = self.families.remove(f.name) else {
                    continue;
                };
                // As prometheus-client writes `serve`'s.
                writeln!(out, "# HELP {} {}.", f.name, f.help)?;
                writeln!(out, "# TYPE {} {}", f.name, f.kind.name())?;
                let mut file = lines.into_inner().map_err(|e| e.into_error())?;
                io::Seek::rewind(&mut file)?;
                io::copy(&mut file, out)?;
            }
            out.write_all(b"# EOF\n")?;
        }
        out.flush()
    }

    fn metrics(&mut self, time_ns: i64, labels: &[(&str, &str)], r: Stored) -> io::Result<()> {
        let ts = om_timestamp(time_ns);
        let (families, spill_error) = (&mut self.families, &mut self.spill_error);
        let mut put = |family: &'static str, suffix: &str, extra: Option<(&str, &str)>, v: f64| {
            let Some(file) = family_file(families, spill_error, family) else {
                return;
            };
            let mut line = format!("{family}{suffix}{{");
            for (i, (k, val)) in labels.iter().copied().chain(extra).enumerate() {
                if i > 0 {
                    line.push(',');
                }
                let _ = write!(line, "{k}=\"{}\"", escape_label(val));
            }
            let _ = writeln!(line, "}} {v} {ts}");
            if let Err(err) = file.write_all(line.as_bytes()) {
                *spill_error = Some(err);
            }
        };
        let num = |n: Option<u64>| n.map(|n| n as f64);
        // A process record has the schema's figures, null where not
        // measured; a cgroup's figures serve's counters.
        let (process, view, group) = match r {
            Stored::Process(p) => (true, Some(&p.view), None),
            Stored::Group(g) => (false, None, Some(&g.counters)),
        };
        for c in Category::ALL {
            let (count, total) = match (view, group) {
                (Some(v), _) => (num(v.delays[c].count), num(v.delays[c].total_ns)),
                (_, Some(g)) => (num(Some(g.delays[c].0)), num(Some(g.delays[c].1))),
                _ => (None, None),
            };
            // Null is not zero: a category not measured has no series.
            if let (Some(count), Some(total)) = (count, total) {
                if !process && count == 0.0 && total == 0.0 && c != Category::Cpu {
                    continue;
                }
                put(
                    DELAY_SECONDS.name,
                    "_total",
                    Some(("category", c.key())),
                    total / 1e9,
                );
                put(DELAYS.name, "_total", Some(("category", c.key())), count);
            }
        }
        let field = |p: fn(&RecordView) -> Option<u64>, c: fn(&Counters) -> u64| match (view, group)
        {
            (Some(v), _) => num(p(v)),
            (_, Some(g)) => num(Some(c(g))),
            _ => None,
        };
        if let Some(ns) = field(|v| v.cpu.run_virtual_ns, |c| c.cpu_ns) {
            put(CPU_SECONDS.name, "_total", None, ns / 1e9);
        }
        for (dir, p, c) in [
            (
                "read",
                (|v| v.io.read_bytes) as fn(&RecordView) -> Option<u64>,
                (|c| c.read_bytes) as fn(&Counters) -> u64,
            ),
            ("write", |v| v.io.write_bytes, |c| c.write_bytes),
        ] {
            if let Some(b) = field(p, c) {
                put(IO_BYTES.name, "_total", Some(("direction", dir)), b);
            }
        }
        for (kind, p, c) in [
            (
                "voluntary",
                (|v| v.context_switches.voluntary) as fn(&RecordView) -> Option<u64>,
                (|c| c.voluntary) as fn(&Counters) -> u64,
            ),
            (
                "involuntary",
                |v| v.context_switches.involuntary,
                |c| c.involuntary,
            ),
        ] {
            if let Some(n) = field(p, c) {
                put(CONTEXT_SWITCHES.name, "_total", Some(("kind", kind)), n);
            }
        }
        if let Stored::Group(g) = r {
            put(TASKS.name, "", None, g.tasks as f64);
        }
        self.spilled()
    }

    /// The first error keeping a family's lines, if any, said.
    fn spilled(&mut self) -> io::Result<()> {
        match self.spill_error.take() {
            Some(e) => Err(io::Error::new(
                e.kind(),
                format!("cannot keep the OpenMetrics lines in a temporary file (TMPDIR): {e}"),
            )),
            None => Ok(()),
        }
    }

    /// A process that exited in the interval before the sample being
    /// written, stored with its whole life's figures (`view`), in `cgroup`
    /// (its path, or the group of exits placed nowhere): its figures join
    /// the cgroup's histograms (OpenMetrics; the other formats write the
    /// process's record itself).
    pub fn exited(&mut self, cgroup: &str, view: &RecordView) {
        if self.format == Format::Openmetrics {
            // A stored exit is one process's record, assembled from all
            // its exit records: its whole life and its wall time at once.
            self.exits.observe(cgroup, &ExitSample::of(view, view));
        }
    }

    /// Each cgroup's histograms as of the sample taken at `time_ns`: those
    /// of the cgroups that had an exit in its interval, and of those
    /// `written` says the sample wrote figures of (a group removed, or
    /// left out by `--changed`, has no series that sample, as its counters
    /// have none).
    pub fn exit_histograms(
        &mut self,
        time_ns: i64,
        written: impl Fn(&str) -> bool,
    ) -> io::Result<()> {
        if self.format != Format::Openmetrics {
            return Ok(());
        }
        let ts = om_timestamp(time_ns);
        let mut line = String::new();
        for (cgroup, hs) in &mut self.exits.by {
            let moved = std::mem::take(&mut hs.moved);
            if !moved && !written(cgroup) {
                continue;
            }
            for (m, h) in Measure::ALL.iter().zip(&hs.of) {
                let Some(h) = h else {
                    continue;
                };
                let family = families::family_of(*m).name;
                let Some(file) = family_file(&mut self.families, &mut self.spill_error, family)
                else {
                    return self.spilled();
                };
                line.clear();
                h.write(&mut line, family, cgroup, m.wait_label(), &ts);
                if let Err(e) = file.write_all(line.as_bytes()) {
                    self.spill_error = Some(e);
                    return self.spilled();
                }
            }
        }
        Ok(())
    }
}

/// A sample's time as an OpenMetrics timestamp: seconds, to the ms.
fn om_timestamp(time_ns: i64) -> String {
    format!(
        "{}.{:03}",
        time_ns.div_euclid(1_000_000_000),
        time_ns.rem_euclid(1_000_000_000) / 1_000_000
    )
}

/// The temporary file of a family's lines, made on its first line; none
/// once keeping them failed (the error is in `spill_error`).
fn family_file<'a>(
    families: &'a mut BTreeMap<&'static str, io::BufWriter<std::fs::File>>,
    spill_error: &mut Option<io::Error>,
    family: &'static str,
) -> Option<&'a mut io::BufWriter<std::fs::File>> {
    if spill_error.is_some() {
        return None;
    }
    match families.entry(family) {
        std::collections::btree_map::Entry::Occupied(f) => Some(f.into_mut()),
        std::collections::btree_map::Entry::Vacant(e) => match tempfile::tempfile() {
            Ok(f) => Some(e.insert(io::BufWriter::with_capacity(1 << 16, f))),
            Err(err) => {
                *spill_error = Some(err);
                None
            }
        },
    }
}

/// Each cgroup's classic histograms of the processes that exited in it,
/// over the samples written so far: what `dump -f openmetrics --by
/// cgroup` writes at each sample, cumulative from the dump's first sample,
/// as `serve`'s histograms are from its start. Its size is that of the
/// cgroups that had exits, whatever the number of samples.
#[derive(Debug, Default)]
pub struct ExitHistograms {
    by: BTreeMap<String, CgroupHistograms>,
}

#[derive(Debug, Default)]
struct CgroupHistograms {
    /// By [`Measure::ALL`]'s order; none until a process had the figure.
    of: [Option<Classic>; Measure::ALL.len()],
    /// Whether an exit came since they were last written.
    moved: bool,
}

impl ExitHistograms {
    /// One process that exited in `cgroup`.
    pub fn observe(&mut self, cgroup: &str, s: &ExitSample) {
        let hs = match self.by.get_mut(cgroup) {
            Some(h) => h,
            None => self.by.entry(cgroup.to_string()).or_default(),
        };
        hs.moved = true;
        for (m, h) in Measure::ALL.iter().zip(&mut hs.of) {
            if let Some(ns) = s.get(*m) {
                // Seconds as `serve`'s histograms observe them.
                h.get_or_insert_with(Classic::default)
                    .observe(ns as f64 / 1e9);
            }
        }
    }
}

/// One classic histogram: how many observations fell in each bucket of
/// [`CLASSIC_BOUNDS`] and above the last (not cumulative), and their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Classic {
    buckets: [u64; CLASSIC_BOUNDS.len() + 1],
    sum: f64,
}

impl Classic {
    fn observe(&mut self, seconds: f64) {
        // A bucket holds the values up to and including its bound.
        let i = CLASSIC_BOUNDS.partition_point(|b| *b < seconds);
        self.buckets[i] += 1;
        self.sum += seconds;
    }

    /// Its MetricPoint at `ts`: a `_bucket` line per bound and `+Inf`,
    /// cumulative, then `_count` and `_sum`.
    fn write(&self, out: &mut String, family: &str, cgroup: &str, wait: Option<&str>, ts: &str) {
        let mut labels = format!("cgroup=\"{}\"", escape_label(cgroup));
        if let Some(w) = wait {
            let _ = write!(labels, ",wait=\"{w}\"");
        }
        let mut below = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            below += n;
            let le = CLASSIC_BOUNDS
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| le(*b));
            let _ = writeln!(out, "{family}_bucket{{{labels},le=\"{le}\"}} {below} {ts}");
        }
        let _ = writeln!(out, "{family}_count{{{labels}}} {below} {ts}");
        let _ = writeln!(out, "{family}_sum{{{labels}}} {} {ts}", self.sum);
    }
}

/// A bucket's bound as its `le` label: as `serve`'s encoder writes it
/// (`1.0`, `0.00001`), so that a backfilled series and a scraped one are
/// one series.
fn le(bound: f64) -> String {
    let s = bound.to_string();
    if s.contains(['.', 'e', 'i', 'N']) {
        s
    } else {
        s + ".0"
    }
}

/// One ndjson line of a stored record, straight from it: `time` (given as
/// its JSON string), the labels of a cgroup's figures, then its fields. No
/// copy of the record is made: the same line as serde_json gives for
/// [`with_time`] of its value.
fn ndjson_line(
    buf: &mut Vec<u8>,
    time_json: &str,
    labels: &[(&str, &str)],
    record: Stored,
) -> io::Result<()> {
    buf.extend_from_slice(b"{\"time\":");
    buf.extend_from_slice(time_json.as_bytes());
    if let Stored::Group(_) = record {
        for (k, v) in labels {
            buf.push(b',');
            serde_json::to_writer(&mut *buf, k)?;
            buf.push(b':');
            serde_json::to_writer(&mut *buf, v)?;
        }
    }
    // The record's object, its opening brace turned into the comma after
    // what is written before it: a record always has fields.
    let open = buf.len();
    match record {
        Stored::Process(p) => serde_json::to_writer(&mut *buf, p)?,
        Stored::Group(g) => serde_json::to_writer(&mut *buf, g)?,
    }
    if buf.get(open) == Some(&b'{') && buf.len() > open + 2 {
        buf[open] = b',';
    } else {
        buf.truncate(open);
        buf.push(b'}');
    }
    buf.push(b'\n');
    Ok(())
}

/// `--compact` ndjson: a field that is null is left out (missing means
/// null, where `tgid --format json` writes null), and so is an object left
/// empty by that (a delay category the kernel does not measure); so are
/// `sources` and `notes`, the same text in every record of a kind (`tgid
/// --format json` has them).
fn compact_json(v: &mut Value) {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.values_mut().for_each(strip);
                m.retain(|_, x| !x.is_null() && x.as_object().is_none_or(|o| !o.is_empty()));
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    if let Value::Object(m) = v {
        m.retain(|k, _| k != "sources" && k != "notes");
    }
    strip(v);
}

/// `--compact` csv's columns of a process record: what it is, and the
/// figures that add up (top's and a few more): a third of the full set.
fn compact_column(key: &str) -> bool {
    const KEPT: [&str; 17] = [
        "time",
        "type",
        "pid",
        "tgid",
        "comm",
        "cgroup",
        "exit_code",
        "elapsed_us",
        "cpu.user_us",
        "cpu.system_us",
        "cpu.run_virtual_ns",
        "context_switches.voluntary",
        "context_switches.involuntary",
        "io.read_bytes",
        "io.write_bytes",
        "memory.hiwater_rss_kib",
        "memory.major_faults",
    ];
    KEPT.contains(&key)
        || key
            .strip_prefix("delays.")
            .and_then(|k| k.split_once('.'))
            .is_some_and(|(_, f)| f == "count" || f == "total_ns")
}

/// `dump --changed`: which records are written. A process (or cgroup)
/// whose figures did not move since the previous sample is left out: one
/// seen for the first time is written, and so is every exited process's
/// final record.
pub struct Changes {
    on: bool,
    /// Each process's (pid) or group's (path) figures when last written,
    /// hashed. Keyed by pid, so it holds at most pid_max entries: a pid
    /// reused by another process has other figures, and is written.
    last: HashMap<String, u64>,
}

impl Changes {
    pub fn new(on: bool) -> Changes {
        Changes {
            on,
            last: HashMap::new(),
        }
    }

    /// Whether the record of `key` (a pid, a cgroup path) is written.
    pub fn keep(&mut self, key: &str, record: Stored) -> bool {
        if !self.on {
            return true;
        }
        // What moves when a task does something: a process's figures, not
        // its elapsed times, which move by themselves, nor its start time,
        // which the kernel rounds anew.
        let figures = match record {
            Stored::Process(p) if p.view.exit_code.is_some() => {
                self.last.remove(key);
                return true;
            }
            Stored::Process(p) => {
                let v = &p.view;
                serde_json::to_vec(&(&v.cpu, &v.delays, &v.context_switches, &v.io, &v.memory))
            }
            // All of its figures move only when its tasks do.
            Stored::Group(g) => serde_json::to_vec(g),
        };
        let mut h = DefaultHasher::new();
        // A record that cannot be serialized is written, as it is when
        // not asked for the changes.
        let Ok(figures) = figures else {
            return true;
        };
        figures.hash(&mut h);
        let print = h.finish();
        self.last.insert(key.to_string(), print) != Some(print)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn process(cpu_ns: u64, exit_code: Option<u32>) -> Value {
        serde_json::json!({
            "type": "tgid", "tgid": 7, "comm": "x", "exit_code": exit_code,
            "elapsed_us": cpu_ns * 3,
            "cpu": {"run_virtual_ns": cpu_ns, "user_scaled_us": null},
            "delays": {"cpu": {"count": 1, "total_ns": 5, "max_ns": null},
                       "blkio": {"count": null, "total_ns": null}},
            "sources": {"cpu": "taskstats tgid record"},
            "notes": ["a long note"],
        })
    }

    /// --compact ndjson: no nulls, no empty objects, no sources or notes;
    /// what is left is as it was, in its order.
    #[test]
    fn compact_json_leaves_out_nulls_sources_and_notes() {
        let mut v = process(10, None);
        compact_json(&mut v);
        assert_eq!(
            v.to_string(),
            r#"{"type":"tgid","tgid":7,"comm":"x","elapsed_us":30,"cpu":{"run_virtual_ns":10},"delays":{"cpu":{"count":1,"total_ns":5}}}"#
        );
        assert!(compact_column("delays.blkio.total_ns") && compact_column("comm"));
        assert!(!compact_column("delays.cpu.max_at.sec") && !compact_column("notes"));
        assert!(!compact_column("sources.cpu") && !compact_column("delays.cpu.average_ns"));
    }

    fn typed(cpu_ns: u64, exit_code: Option<u32>) -> StoredProcess {
        let mut v = process(cpu_ns, exit_code);
        for (k, x) in [
            ("id", serde_json::json!(7)),
            ("source", serde_json::json!("taskstats")),
            ("context_switches", serde_json::json!({})),
            ("io", serde_json::json!({})),
            ("memory", serde_json::json!({})),
            ("sources", serde_json::json!({})),
        ] {
            v[k] = x;
        }
        StoredProcess::from_value(&v).expect("a stored process")
    }

    /// An exited process as the store holds it: a tgid record assembled
    /// from its exit records, with its CPU wait, run time and wall time
    /// (ns; null where not given).
    fn exit(cpu_wait_ns: Option<u64>, run_ns: Option<u64>, wall_us: Option<u64>) -> RecordView {
        let mut p = typed(0, Some(0));
        p.view.delays[Category::Cpu].total_ns = cpu_wait_ns;
        p.view.cpu.run_virtual_ns = run_ns;
        p.view.group_elapsed_us = wall_us;
        p.view
    }

    /// The OpenMetrics lines of `family`'s series in `cgroup` at `ts`,
    /// as (name and labels, value).
    fn series<'a>(text: &'a str, family: &str, cgroup: &str, ts: &str) -> Vec<(&'a str, &'a str)> {
        text.lines()
            .filter(|l| l.starts_with(&format!("{family}_")))
            .filter(|l| l.contains(&format!("cgroup=\"{cgroup}\"")))
            .filter_map(|l| {
                let (rest, t) = l.rsplit_once(' ')?;
                let (name, v) = rest.rsplit_once(' ')?;
                (t == ts).then_some((name, v))
            })
            .collect()
    }

    /// Hand-made exits: each lands in the bucket of the first bound at or
    /// above it, the buckets are cumulative, `_count` is the `+Inf`
    /// bucket and `_sum` the figures' sum; a figure not given is not
    /// observed, and a measure no exit had has no series.
    #[test]
    fn exits_make_cumulative_classic_histograms_per_cgroup() {
        let mut w = DumpWriter::new(Format::Openmetrics);
        let mut out = Vec::new();
        // 15 µs, exactly 1 ms (a bound: in its own bucket), 3 s, 200 s
        // (above the last bound), and one without a CPU wait.
        for ns in [
            Some(15_000),
            Some(1_000_000),
            Some(3_000_000_000),
            Some(200_000_000_000),
            None,
        ] {
            w.exited("/a", &exit(ns, Some(2_000_000), None));
        }
        w.exited("/b", &exit(Some(7), None, Some(40_000)));
        w.exit_histograms(1_000_000_000, |_| false)
            .expect("written");
        // The next sample: one more exit in /a; /b had none and its
        // figures are written; /c's were, but it had no exit ever.
        w.exited("/a", &exit(Some(30_000_000), None, None));
        w.exit_histograms(2_000_000_000, |g| g == "/b" || g == "/c")
            .expect("written");
        // A third: no exit, and no group written: no series then.
        w.exit_histograms(3_000_000_000, |_| false)
            .expect("written");
        w.finish(&mut out).expect("finished");
        let text = String::from_utf8(out).expect("utf-8");

        let wait = "taskstat_process_wait_seconds";
        let a1 = series(&text, wait, "/a", "1.000");
        let bucket = |s: &[(&str, &str)], le: &str| -> u64 {
            let at = format!(",le=\"{le}\"}}");
            let l = s
                .iter()
                .find(|(n, _)| n.ends_with(&at))
                .unwrap_or_else(|| panic!("{le}: {s:?}"));
            l.1.parse().expect("a count")
        };
        let value = |s: &[(&str, &str)], suffix: &str| -> f64 {
            let l = s
                .iter()
                .find(|(n, _)| n.contains(suffix))
                .unwrap_or_else(|| panic!("{suffix}: {s:?}"));
            l.1.parse().expect("a value")
        };
        assert_eq!(a1.len(), CLASSIC_BOUNDS.len() + 3, "{a1:?}");
        assert!(a1.iter().all(|(n, _)| n.contains("wait=\"cpu\"")), "{a1:?}");
        for (le, n) in [
            ("0.00001", 0),
            ("0.00002", 1),
            ("0.0005", 1),
            ("0.001", 2),
            ("0.002", 2),
            ("2.0", 2),
            ("5.0", 3),
            ("100.0", 3),
            ("+Inf", 4),
        ] {
            assert_eq!(bucket(&a1, le), n, "le={le}: {a1:?}");
        }
        assert_eq!(value(&a1, "_count"), 4.0);
        assert!((value(&a1, "_sum") - 203.001_015).abs() < 1e-9, "{a1:?}");
        // Cumulative: the second sample's adds its one exit (30 ms).
        let a2 = series(&text, wait, "/a", "2.000");
        assert_eq!((bucket(&a2, "0.02"), bucket(&a2, "0.05")), (2, 3), "{a2:?}");
        assert_eq!(value(&a2, "_count"), 5.0);
        assert!((value(&a2, "_sum") - 203.031_015).abs() < 1e-9, "{a2:?}");
        // No io or memory wait was given: no such series.
        assert!(!text.contains("wait=\"io\"") && !text.contains("wait=\"memory\""));
        // CPU time: the five of the first sample, all in le=0.002.
        let cpu = series(&text, "taskstat_process_cpu_seconds", "/a", "2.000");
        assert_eq!(
            (bucket(&cpu, "0.001"), bucket(&cpu, "0.002")),
            (0, 5),
            "{cpu:?}"
        );
        assert!((value(&cpu, "_sum") - 0.01).abs() < 1e-12);
        // Wall time: /b's 40 ms, written again in the second sample though
        // it had no exit then, because its figures were.
        let b2 = series(&text, "taskstat_process_elapsed_seconds", "/b", "2.000");
        assert_eq!(
            (
                bucket(&b2, "0.02"),
                bucket(&b2, "0.05"),
                value(&b2, "_count")
            ),
            (0, 1, 1.0)
        );
        assert!(series(&text, "taskstat_process_elapsed_seconds", "/a", "2.000").is_empty());
        assert!(!text.contains("cgroup=\"/c\""), "/c had no exit");
        assert!(
            !text.contains(" 3.000\n"),
            "a third sample with nothing to write"
        );
        // Each family with series once; none gave a longest wait.
        for f in families::DISTRIBUTIONS {
            let head = format!("# TYPE {} histogram\n", f.name);
            let once = usize::from(f != families::PROCESS_LONGEST_WAIT_SECONDS);
            assert_eq!(text.matches(&head).count(), once, "{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }

    /// Only OpenMetrics keeps the histograms: other formats write each
    /// exit's record as it is.
    #[test]
    fn other_formats_write_no_histograms() {
        let mut w = DumpWriter::new(Format::Ndjson);
        w.exited("/a", &exit(Some(1), Some(1), Some(1)));
        assert!(w.exits.by.is_empty());
        let mut out = Vec::new();
        w.exit_histograms(1, |_| true).expect("nothing to write");
        w.finish(&mut out).expect("finished");
        assert!(out.is_empty());
    }

    /// A bucket's `le` is what `serve`'s encoder writes for the same
    /// histogram: a backfilled series and a scraped one are one series.
    #[test]
    fn bounds_are_written_as_serve_writes_them() {
        use prometheus_client::registry::Registry;
        let mut r = Registry::default();
        r.register("x", "x", crate::model::distribution::histogram());
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &r).expect("encodes");
        let served: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once("le=\"")?.1.split_once('"'))
            .map(|(le, _)| le)
            .collect();
        let mut ours: Vec<String> = CLASSIC_BOUNDS.iter().map(|b| le(*b)).collect();
        ours.push("+Inf".into());
        assert_eq!(served, ours);
    }

    /// --changed: a process is written when first seen and when its
    /// figures move, not when only its elapsed time does; its exit always.
    #[test]
    fn changes_keep_what_moved() {
        let mut c = Changes::new(true);
        let keep = |c: &mut Changes, k, p: &StoredProcess| c.keep(k, Stored::Process(p));
        assert!(keep(&mut c, "7", &typed(10, None)));
        let mut same = typed(10, None);
        same.view.elapsed_us = Some(999);
        same.view.start_time = Some(1);
        assert!(!keep(&mut c, "7", &same));
        assert!(keep(&mut c, "7", &typed(11, None)));
        assert!(keep(&mut c, "8", &typed(11, None)));
        assert!(keep(&mut c, "7", &typed(11, Some(0))));
        // Gone: a new process with its pid is new.
        assert!(keep(&mut c, "7", &typed(11, None)));
        let mut off = Changes::new(false);
        assert!(keep(&mut off, "7", &typed(10, None)) && keep(&mut off, "7", &typed(10, None)));
    }
}
