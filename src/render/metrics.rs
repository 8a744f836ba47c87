//! Per-cgroup accounting as Prometheus metrics, encoded by the official
//! `prometheus-client` crate: OpenMetrics as it writes it, or the classic
//! text format (version 0.0.4) for scrapers that do not ask for OpenMetrics.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

use super::families::{
    BUILD, CGROUP_PRESSURE_SECONDS, CONTEXT_SWITCHES, CPU_SECONDS, DELAY_SECONDS, DELAYS,
    DISTRIBUTIONS, EXIT_RECORDS_LOST, EXITED_TASKS, IO_BYTES, REJECTED_FIGURES,
    SCRAPE_DURATION_SECONDS, TASKS, family_of,
};
use crate::model::distribution::{KeyHistogram, KeyedBy, Measure};
use crate::model::fleet::GroupFigures;
use crate::model::pressure::{GroupPressure, Resource};
use crate::model::workload::WorkloadNames;
use crate::wire::{Category, PerCategory};

type Labels = Vec<(&'static str, String)>;
type FloatCounter = Counter<f64, AtomicU64>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// Content type of the classic text format.
pub const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Content type of OpenMetrics.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Content type of Prometheus' protobuf exposition, the only one that
/// carries native histograms.
pub const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// The three expositions a scraper can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// The classic text format (0.0.4): classic buckets.
    Text,
    /// OpenMetrics text 1.0: classic buckets.
    OpenMetrics,
    /// Prometheus' delimited protobuf: native and classic buckets.
    Protobuf,
}

impl Wire {
    pub fn content_type(self) -> &'static str {
        match self {
            Wire::Text => TEXT,
            Wire::OpenMetrics => OPENMETRICS,
            Wire::Protobuf => PROTOBUF,
        }
    }

    /// The exposition an `Accept` header (each of its values) prefers: the
    /// highest q; of equal q, protobuf, then OpenMetrics, then text (what a
    /// scraper that lists several at once can read best). Text where it
    /// names none of them, or none at all.
    pub fn negotiate<'a>(accepts: impl IntoIterator<Item = &'a str>) -> Wire {
        let mut best = (0.0_f64, Wire::Text);
        for range in accepts.into_iter().flat_map(|v| v.split(',')) {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let mut q = 1.0;
            let (mut proto, mut delimited) = (false, false);
            for p in parts {
                let Some((k, v)) = p.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.parse().unwrap_or(0.0),
                    "proto" => proto = v == "io.prometheus.client.MetricFamily",
                    "encoding" => delimited = v == "delimited",
                    _ => {}
                }
            }
            let wire = match media.as_str() {
                "application/vnd.google.protobuf" if proto && delimited => Wire::Protobuf,
                "application/openmetrics-text" => Wire::OpenMetrics,
                "text/plain" | "text/*" | "*/*" => Wire::Text,
                _ => continue,
            };
            if q > best.0 || (q == best.0 && q > 0.0 && wire.index() > best.1.index()) {
                best = (q, wire);
            }
        }
        best.1
    }

    /// Its place among the three, from the least to the most a scraper can
    /// read: the order of preference at equal q, and an index per format.
    pub fn index(self) -> usize {
        match self {
            Wire::Text => 0,
            Wire::OpenMetrics => 1,
            Wire::Protobuf => 2,
        }
    }

    /// The exposition in this format; protobuf's encoder fails on a
    /// metric it has no field for (none here has), and says so.
    pub fn encode(self, e: &Exposition) -> Result<Vec<u8>, String> {
        match self {
            Wire::Text => Ok(text(e).into_bytes()),
            Wire::OpenMetrics => Ok(openmetrics(e).into_bytes()),
            Wire::Protobuf => {
                protobuf(e).map_err(|e| format!("cannot encode the protobuf exposition: {e}"))
            }
        }
    }
}

/// What one exposition holds.
pub struct Exposition<'a> {
    /// By cgroup path (series name); in any order, as each is listed once.
    pub groups: &'a [(String, GroupFigures)],
    /// The delay categories measured here (cpu always; the others with
    /// delay accounting on; an optional one only where the kernel sends it).
    pub categories: &'a [Category],
    pub lost: u64,
    /// Per category, the processes whose figures broke a bound the kernel
    /// guarantees and were left out of their group's counters.
    pub rejected: PerCategory<u64>,
    /// How long the sweep behind these figures took.
    pub sweep_seconds: f64,
    /// Each group's pressure, by series, read in the same sweep; a group
    /// not here (no cgroup2 tree, PSI off, a series that is no group) has
    /// no pressure series.
    pub pressure: &'a HashMap<String, GroupPressure>,
    /// Each key's histograms of its exited processes (`serve
    /// --histograms`), in the order of their keys; none without it.
    pub histograms: &'a [KeyHistogram],
    /// What the histograms' keys are.
    pub histograms_by: KeyedBy,
    /// The histograms' lines as the text formats last wrote them, kept
    /// from one scrape to the next; none: each is encoded every time.
    pub histogram_lines: Option<&'a Mutex<HistogramLines>>,
}

/// Each histogram as the text formats last wrote its sample lines (the
/// two write a histogram's samples alike), and as protobuf last encoded its
/// metric, with its count then: one that no exit reached since is copied,
/// not encoded again. With a few hundred keys, encoding every histogram at
/// every scrape was a third of its cost (bench/histograms.py).
#[derive(Debug, Default)]
pub struct HistogramLines {
    text: HashMap<(String, Measure), (u64, String)>,
    protobuf: HashMap<(String, Measure), (u64, Vec<u8>)>,
}

/// A metric family whose series come out in the order they were added.
/// prometheus-client's `Family` keeps its series in a `HashMap`, and every
/// scrape builds a new one with a new random seed, so the same series came
/// out in a different order each time: diffs of two scrapes were noise,
/// and so was any byte-level comparison. Series are added group by group,
/// in the order of the groups' cgroup paths.
#[derive(Debug)]
struct Ordered<M>(Vec<(Labels, M)>);

impl<M> Default for Ordered<M> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<M: Default> Ordered<M> {
    /// A new series, or rather its metric: labels are never repeated here.
    fn add(&mut self, labels: Labels) -> &M {
        self.0.push((labels, M::default()));
        &self.0[self.0.len() - 1].1
    }
}

impl<M> Ordered<M> {
    /// A new series of a metric made elsewhere (a histogram kept between
    /// scrapes).
    fn push(&mut self, labels: Labels, m: M) {
        self.0.push((labels, m));
    }
}

impl<M: EncodeMetric + TypedMetric> EncodeMetric for Ordered<M> {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, m) in &self.0 {
            m.encode(encoder.encode_family(labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        M::TYPE
    }

    /// As `Family`: a family without series is left out, descriptor and all.
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The labels of a cgroup series: its path and its workload's names, so
/// that a dashboard joins them with cAdvisor's and the kubelet's.
fn cgroup_labels(group: &str) -> Labels {
    let mut own: Labels = vec![("cgroup", group.to_string())];
    own.extend(
        WorkloadNames::of(group)
            .labels()
            .map(|(k, v)| (k, v.to_string())),
    );
    own
}

/// The labels of a histogram of `key`.
fn histogram_labels(by: KeyedBy, key: &str, m: Measure) -> Labels {
    let mut labels = match by {
        KeyedBy::Cgroup => cgroup_labels(key),
        by => vec![(by.label(), key.to_string())],
    };
    if let Some(w) = m.wait_label() {
        labels.push(("wait", w.to_string()));
    }
    labels
}

fn family_index(m: Measure) -> usize {
    DISTRIBUTIONS
        .iter()
        .position(|f| *f == family_of(m))
        .unwrap_or_default()
}

/// A registry of `h` alone, in its family `f`: how a kept histogram is
/// encoded on its own, as [`distributions`] would encode it among others.
fn one_histogram(f: &super::families::Family, by: KeyedBy, h: &KeyHistogram) -> Registry {
    let mut one = Ordered::<Histogram>::default();
    one.push(histogram_labels(by, &h.key, h.measure), h.histogram.clone());
    let mut r = Registry::default();
    r.register(f.name, f.help, one);
    r
}

/// The histograms of the exited processes, one family per kind of measure.
fn distributions(r: &mut Registry, e: &Exposition) {
    let mut families: [Ordered<Histogram>; 4] = Default::default();
    for h in e.histograms {
        families[family_index(h.measure)].push(
            histogram_labels(e.histograms_by, &h.key, h.measure),
            h.histogram.clone(),
        );
    }
    for (f, series) in DISTRIBUTIONS.iter().zip(families) {
        r.register(f.name, f.help, series);
    }
}

/// The histogram families in OpenMetrics text, after the other families:
/// each histogram's lines from `e.histogram_lines` where no exit reached
/// it since they were written, else encoded by prometheus-client as
/// [`distributions`] registers it, and kept.
fn histogram_families(out: &mut String, e: &Exposition) {
    let Some(cache) = e.histogram_lines else {
        let mut r = Registry::default();
        distributions(&mut r, e);
        let _ = encode_registry(out, &r);
        return;
    };
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    for (i, f) in DISTRIBUTIONS.iter().enumerate() {
        let mut series = e
            .histograms
            .iter()
            .filter(|h| family_index(h.measure) == i)
            .peekable();
        if series.peek().is_none() {
            continue;
        }
        // As prometheus-client writes a family's head.
        let _ = writeln!(out, "# HELP {} {}.", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} histogram", f.name);
        for h in series {
            // The count was read before the lines are made: an exit
            // between the two is in the lines and makes the next count
            // differ, so the lines are made again then.
            let slot = cache
                .text
                .entry((h.key.clone(), h.measure))
                .or_insert((u64::MAX, String::new()));
            if slot.0 != h.count {
                let mut lines = String::new();
                let _ = encode_registry(&mut lines, &one_histogram(f, e.histograms_by, h));
                // Its family's HELP and TYPE lines are written above.
                let samples = lines
                    .match_indices('\n')
                    .nth(1)
                    .map_or("", |(at, _)| &lines[at + 1..]);
                *slot = (h.count, samples.to_string());
            }
            out.push_str(&slot.1);
        }
    }
}

/// Every family but the histograms' ([`histogram_families`] writes those
/// of the text formats; protobuf takes them from [`distributions`]).
/// The exposition in Prometheus' delimited protobuf: prometheus-client's
/// encoding of every family, then the histogram families, each a message
/// made of its head (name, HELP, type) and its metrics as prometheus-client
/// encodes each, kept in `e.histogram_lines` until an exit reaches the
/// histogram. A message is the concatenation of its fields, so a family's
/// metrics can be encoded one by one.
fn protobuf(e: &Exposition) -> Result<Vec<u8>, String> {
    use prometheus_client::encoding::prometheus_protobuf::{encode, encode_to_vec};
    use prost::Message as _;
    let err = |e: &dyn std::fmt::Debug| format!("{e:?}");
    let mut out = encode_to_vec(&registry(e)).map_err(|e| err(&e))?;
    let Some(cache) = e.histogram_lines else {
        let mut r = Registry::default();
        distributions(&mut r, e);
        out.extend(encode_to_vec(&r).map_err(|e| err(&e))?);
        return Ok(out);
    };
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    for (i, f) in DISTRIBUTIONS.iter().enumerate() {
        let mut family: Option<Vec<u8>> = None;
        for h in e.histograms.iter().filter(|h| family_index(h.measure) == i) {
            let slot = cache
                .protobuf
                .entry((h.key.clone(), h.measure))
                .or_insert((u64::MAX, Vec::new()));
            if slot.0 != h.count || family.is_none() {
                let mut encoded =
                    encode(&one_histogram(f, e.histograms_by, h)).map_err(|e| err(&e))?;
                let Some(mut head) = encoded.pop() else {
                    return Err(format!("{}: no family encoded", f.name));
                };
                let metric = std::mem::take(&mut head.metric);
                if family.is_none() {
                    family = Some(head.encode_to_vec());
                }
                if slot.0 != h.count {
                    let mut bytes = Vec::new();
                    for m in &metric {
                        // MetricFamily's field 4: `repeated Metric metric`.
                        prost::encoding::message::encode(4, m, &mut bytes);
                    }
                    *slot = (h.count, bytes);
                }
            }
            if let Some(f) = family.as_mut() {
                f.extend_from_slice(&slot.1);
            }
        }
        if let Some(f) = family {
            prost::encoding::encode_varint(f.len() as u64, &mut out);
            out.extend(f);
        }
    }
    Ok(out)
}

fn registry(e: &Exposition) -> Registry {
    let mut r = Registry::default();
    let mut delay_seconds = Ordered::<FloatCounter>::default();
    let mut delays = Ordered::<Counter>::default();
    let mut cpu = Ordered::<FloatCounter>::default();
    let mut io = Ordered::<Counter>::default();
    let mut switches = Ordered::<Counter>::default();
    let mut tasks = Ordered::<Gauge>::default();
    let mut exited = Ordered::<Counter>::default();
    let mut stalled = Ordered::<FloatCounter>::default();
    // Sorted here whatever the caller's order (Fleet::figures sorts too):
    // the order of the series is part of what this module promises.
    let mut groups: Vec<&(String, GroupFigures)> = e.groups.iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (group, g) in groups {
        let c = &g.counters;
        let own = cgroup_labels(group);
        let label = |k: &'static str, v: &str| {
            let mut l = own.clone();
            l.push((k, v.to_string()));
            l
        };
        for &cat in e.categories {
            let (count, total) = c.delays[cat];
            delay_seconds
                .add(label("category", cat.key()))
                .inc_by(total as f64 / 1e9);
            delays.add(label("category", cat.key())).inc_by(count);
        }
        let cg = || own.clone();
        cpu.add(cg()).inc_by(c.cpu_ns as f64 / 1e9);
        io.add(label("direction", "read")).inc_by(c.read_bytes);
        io.add(label("direction", "write")).inc_by(c.write_bytes);
        switches.add(label("kind", "voluntary")).inc_by(c.voluntary);
        switches
            .add(label("kind", "involuntary"))
            .inc_by(c.involuntary);
        tasks
            .add(cg())
            .set(i64::try_from(g.tasks).unwrap_or(i64::MAX));
        exited.add(cg()).inc_by(g.exited);
        let pressure = e.pressure.get(group).copied().unwrap_or_default();
        for r in Resource::ALL {
            let Some(stall) = pressure.get(r) else {
                continue;
            };
            for (kind, us) in [("some", stall.some_us), ("full", stall.full_us)] {
                if let Some(us) = us {
                    let mut l = label("resource", r.key());
                    l.push(("kind", kind.to_string()));
                    stalled.add(l).inc_by(us as f64 / 1e6);
                }
            }
        }
    }
    r.register(DELAY_SECONDS.name, DELAY_SECONDS.help, delay_seconds);
    r.register(DELAYS.name, DELAYS.help, delays);
    r.register(CPU_SECONDS.name, CPU_SECONDS.help, cpu);
    r.register(IO_BYTES.name, IO_BYTES.help, io);
    r.register(CONTEXT_SWITCHES.name, CONTEXT_SWITCHES.help, switches);
    r.register(TASKS.name, TASKS.help, tasks);
    r.register(EXITED_TASKS.name, EXITED_TASKS.help, exited);
    r.register(
        CGROUP_PRESSURE_SECONDS.name,
        CGROUP_PRESSURE_SECONDS.help,
        stalled,
    );
    let lost = Counter::<u64>::default();
    lost.inc_by(e.lost);
    r.register(EXIT_RECORDS_LOST.name, EXIT_RECORDS_LOST.help, lost);
    let mut rejected = Ordered::<Counter>::default();
    for &cat in e.categories {
        rejected
            .add(vec![("category", cat.key().to_string())])
            .inc_by(e.rejected[cat]);
    }
    r.register(REJECTED_FIGURES.name, REJECTED_FIGURES.help, rejected);
    let sweep = FloatGauge::default();
    sweep.set(e.sweep_seconds);
    r.register(
        SCRAPE_DURATION_SECONDS.name,
        SCRAPE_DURATION_SECONDS.help,
        sweep,
    );
    r.register(
        BUILD.name,
        BUILD.help,
        Info::new(vec![("version", env!("CARGO_PKG_VERSION").to_string())]),
    );
    r
}

/// The exposition in OpenMetrics text.
pub fn openmetrics(e: &Exposition) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = encode_registry(&mut s, &registry(e));
    histogram_families(&mut s, e);
    let _ = encode_eof(&mut s);
    s
}

/// The exposition in the classic text format: the same samples, with the
/// family names the classic format gives them (a counter's TYPE and HELP
/// name its `_total` sample, an info metric is a gauge) and no `# EOF`.
pub fn text(e: &Exposition) -> String {
    let mut om = String::new();
    let _ = encode_registry(&mut om, &registry(e));
    // A histogram family's lines are the same in both formats: they are
    // written after the rewrite, not copied through it (with histograms,
    // most of the exposition).
    let mut out = classic(&om);
    histogram_families(&mut out, e);
    out
}

/// `(name, rest)` of a `# TYPE name kind` or `# HELP name text` line.
fn metadata<'a>(line: &'a str, what: &str) -> Option<(&'a str, &'a str)> {
    line.strip_prefix(what)?.split_once(' ')
}

/// The comment lines of an exposition, newline and all. A label value's
/// newline is escaped, so a '#' starts a comment only at a line's start;
/// one in a label value is passed over. '#' is rare in samples: a search
/// for it skips them whole.
fn comment_lines(om: &str) -> Vec<std::ops::Range<usize>> {
    let mut lines = Vec::new();
    let mut from = 0;
    while let Some(at) = om[from..].find('#').map(|i| from + i) {
        if at == 0 || om.as_bytes()[at - 1] == b'\n' {
            let end = om[at..].find('\n').map_or(om.len(), |i| at + i + 1);
            lines.push(at..end);
            from = end;
        } else {
            from = at + 1;
        }
    }
    lines
}

/// Only the comment lines change; the samples between them are copied in
/// runs. Looking at every line (with histograms, 25 a series) cost as much
/// again as a third of encoding them.
fn classic(om: &str) -> String {
    let comments = comment_lines(om);
    let line = |r: &std::ops::Range<usize>| om[r.clone()].trim_end_matches('\n');
    let kinds: std::collections::HashMap<&str, &str> = comments
        .iter()
        .filter_map(|r| metadata(line(r), "# TYPE "))
        .collect();
    let rename = |name: &str| match kinds.get(name).copied() {
        Some("counter") => format!("{name}_total"),
        Some("info") => format!("{name}_info"),
        _ => name.to_string(),
    };
    let mut out = String::with_capacity(om.len());
    let mut copied = 0;
    for r in &comments {
        out += &om[copied..r.start];
        copied = r.end;
        let l = line(r);
        if l.starts_with("# UNIT ") || l == "# EOF" {
            continue;
        }
        if let Some((name, kind)) = metadata(l, "# TYPE ") {
            let kind = if kind == "info" { "gauge" } else { kind };
            out += &format!("# TYPE {} {kind}\n", rename(name));
        } else if let Some((name, help)) = metadata(l, "# HELP ") {
            out += &format!("# HELP {} {help}\n", rename(name));
        } else {
            out += l;
            out.push('\n');
        }
    }
    out += &om[copied..];
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fleet::Counters;

    #[test]
    fn both_formats_name_counters_the_way_each_expects() {
        let mut c = Counters {
            cpu_ns: 1_500_000_000,
            write_bytes: 4096,
            ..Counters::default()
        };
        c.delays[Category::Cpu] = (3, 2_000_000_000);
        let groups = vec![(
            "/a\"b".to_string(),
            GroupFigures {
                counters: c,
                tasks: 2,
                exited: 5,
            },
        )];
        let e = Exposition {
            groups: &groups,
            categories: &[Category::Cpu],
            lost: 7,
            rejected: PerCategory::default(),
            sweep_seconds: 0.01,
            pressure: &HashMap::new(),
            histograms: &[],
            histograms_by: KeyedBy::Cgroup,
            histogram_lines: None,
        };
        let om = openmetrics(&e);
        assert!(om.ends_with("# EOF\n"), "{om}");
        assert!(om.contains("# TYPE taskstat_cpu_seconds counter"), "{om}");
        let t = text(&e);
        assert!(!t.contains("# EOF") && !t.contains("# UNIT"), "{t}");
        assert!(
            t.contains("# TYPE taskstat_cpu_seconds_total counter"),
            "{t}"
        );
        assert!(
            t.contains("taskstat_cpu_seconds_total{cgroup=\"/a\\\"b\"} 1.5"),
            "{t}"
        );
        assert!(
            t.contains("taskstat_delay_seconds_total{cgroup=\"/a\\\"b\",category=\"cpu\"} 2.0"),
            "{t}"
        );
        assert!(t.contains("taskstat_exit_records_lost_total 7"), "{t}");
        assert!(t.contains("# TYPE taskstat_build_info gauge"), "{t}");
        assert!(t.contains("taskstat_tasks{cgroup=\"/a\\\"b\"} 2"), "{t}");
    }

    /// Every family of the table comes out with the table's HELP and type
    /// (a group with pressure, so that every family has a series).
    #[test]
    fn the_exposition_names_its_families_from_the_table() {
        use crate::model::pressure::Stall;
        let groups = vec![("/a".to_string(), GroupFigures::default())];
        let stall = Some(Stall {
            some_us: Some(1),
            full_us: Some(1),
        });
        let pressure = HashMap::from([(
            "/a".to_string(),
            GroupPressure {
                cpu: stall,
                io: stall,
                memory: stall,
            },
        )]);
        let e = Exposition {
            groups: &groups,
            categories: &[Category::Cpu],
            lost: 0,
            rejected: PerCategory::default(),
            sweep_seconds: 0.0,
            pressure: &pressure,
            histograms: &[],
            histograms_by: KeyedBy::Cgroup,
            histogram_lines: None,
        };
        let om = openmetrics(&e);
        let meta: Vec<&str> = om.lines().filter(|l| l.starts_with("# ")).collect();
        let mut want = Vec::new();
        for f in super::super::families::SERVED {
            want.push(format!("# HELP {} {}.", f.name, f.help));
            want.push(format!("# TYPE {} {}", f.name, f.kind.name()));
        }
        want.push("# EOF".to_string());
        assert_eq!(meta, want);
    }

    /// The rewrite to the classic format, line by line, as it was before it
    /// copied the samples in runs.
    fn classic_line_by_line(om: &str) -> String {
        let kinds: HashMap<&str, &str> =
            om.lines().filter_map(|l| metadata(l, "# TYPE ")).collect();
        let rename = |name: &str| match kinds.get(name).copied() {
            Some("counter") => format!("{name}_total"),
            Some("info") => format!("{name}_info"),
            _ => name.to_string(),
        };
        let mut out = String::new();
        for l in om.lines() {
            if l.starts_with("# UNIT ") || l == "# EOF" {
                continue;
            }
            if let Some((name, kind)) = metadata(l, "# TYPE ") {
                let kind = if kind == "info" { "gauge" } else { kind };
                out += &format!("# TYPE {} {kind}\n", rename(name));
            } else if let Some((name, help)) = metadata(l, "# HELP ") {
                out += &format!("# HELP {} {help}\n", rename(name));
            } else {
                out += l;
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn the_classic_rewrite_changes_only_the_comment_lines() {
        use crate::model::distribution::histogram;
        // A '#' and an escaped newline in a label value start no comment.
        let groups: Vec<(String, GroupFigures)> = ["/a", "/b#c", "/d\n# TYPE x counter"]
            .into_iter()
            .map(|g| (g.to_string(), GroupFigures::default()))
            .collect();
        let histograms: Vec<KeyHistogram> = groups
            .iter()
            .flat_map(|(g, _)| {
                Measure::ALL.map(|m| {
                    let h = histogram();
                    h.observe(0.003);
                    KeyHistogram {
                        key: g.clone(),
                        measure: m,
                        histogram: h,
                        count: 1,
                    }
                })
            })
            .collect();
        let e = Exposition {
            groups: &groups,
            categories: &[Category::Cpu, Category::Blkio],
            lost: 1,
            rejected: PerCategory::default(),
            sweep_seconds: 0.0,
            pressure: &HashMap::new(),
            histograms: &histograms,
            histograms_by: KeyedBy::Cgroup,
            histogram_lines: None,
        };
        let mut om = String::new();
        encode_registry(&mut om, &registry(&e)).expect("a String takes any write");
        histogram_families(&mut om, &e);
        assert!(
            om.contains("_bucket{le=\"0.00001\",cgroup=\"/b#c\""),
            "{om}"
        );
        assert_eq!(classic(&om), classic_line_by_line(&om));
        assert_eq!(text(&e), classic_line_by_line(&om));
    }

    #[test]
    fn series_come_out_by_cgroup_path_every_time() {
        let groups: Vec<(String, GroupFigures)> = (0..40)
            .rev()
            .map(|i| (format!("/g{i:02}"), GroupFigures::default()))
            .collect();
        let e = Exposition {
            groups: &groups,
            categories: &[Category::Cpu],
            lost: 0,
            rejected: PerCategory::default(),
            sweep_seconds: 0.0,
            pressure: &HashMap::new(),
            histograms: &[],
            histograms_by: KeyedBy::Cgroup,
            histogram_lines: None,
        };
        let first = text(&e);
        // Forty series in a HashMap come out in the same order twice by
        // chance about once in 40! tries.
        for _ in 0..3 {
            assert_eq!(text(&e), first);
            assert_eq!(openmetrics(&e), openmetrics(&e));
        }
        let order: Vec<&str> = first
            .lines()
            .filter(|l| l.starts_with("taskstat_cpu_seconds_total{"))
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order.len(), 40);
        assert_eq!(order, sorted);
    }

    #[test]
    fn named_groups_carry_their_names_and_pressure_on_every_series() {
        use crate::model::pressure::Stall;
        let id = "ab".repeat(32);
        let service = "/system.slice/ssh.service".to_string();
        let container = format!("/system.slice/docker-{id}.scope");
        let groups: Vec<(String, GroupFigures)> = [&service, &container, &"/plain".to_string()]
            .into_iter()
            .map(|g| (g.clone(), GroupFigures::default()))
            .collect();
        let pressure = HashMap::from([(
            service.clone(),
            GroupPressure {
                cpu: Some(Stall {
                    some_us: Some(2_500_000),
                    full_us: Some(0),
                }),
                io: None,
                memory: Some(Stall {
                    some_us: Some(1),
                    full_us: None,
                }),
            },
        )]);
        let e = Exposition {
            groups: &groups,
            categories: &[Category::Cpu],
            lost: 0,
            rejected: PerCategory::default(),
            sweep_seconds: 0.0,
            pressure: &pressure,
            histograms: &[],
            histograms_by: KeyedBy::Cgroup,
            histogram_lines: None,
        };
        let t = text(&e);
        let samples: Vec<&str> = t.lines().filter(|l| !l.starts_with('#')).collect();
        for l in samples.iter().filter(|l| l.contains("ssh.service")) {
            assert!(
                l.contains("{cgroup=\"/system.slice/ssh.service\",unit=\"ssh.service\""),
                "{l}"
            );
        }
        for l in samples.iter().filter(|l| l.contains("docker-")) {
            assert!(l.contains(&format!(",container_id=\"{id}\"")), "{l}");
            assert!(!l.contains("unit=") && !l.contains("pod_uid="), "{l}");
        }
        for l in samples.iter().filter(|l| l.contains("/plain")) {
            assert!(!l.contains("unit=") && !l.contains("container_id="), "{l}");
        }
        assert!(
            t.contains("# TYPE taskstat_cgroup_pressure_seconds_total counter"),
            "{t}"
        );
        let stalls: Vec<&&str> = samples
            .iter()
            .filter(|l| l.starts_with("taskstat_cgroup_pressure_seconds_total{"))
            .collect();
        assert_eq!(
            stalls,
            [
                &"taskstat_cgroup_pressure_seconds_total{cgroup=\"/system.slice/ssh.service\",unit=\"ssh.service\",resource=\"cpu\",kind=\"some\"} 2.5",
                &"taskstat_cgroup_pressure_seconds_total{cgroup=\"/system.slice/ssh.service\",unit=\"ssh.service\",resource=\"cpu\",kind=\"full\"} 0.0",
                &"taskstat_cgroup_pressure_seconds_total{cgroup=\"/system.slice/ssh.service\",unit=\"ssh.service\",resource=\"memory\",kind=\"some\"} 0.000001",
            ]
        );
        // Without any group's pressure, no family at all.
        let none = Exposition {
            pressure: &HashMap::new(),
            ..e
        };
        assert!(!text(&none).contains("pressure"));
    }

    /// The histograms' lines kept from a scrape are what encoding them
    /// afresh writes, and a histogram an exit reached since is written anew.
    #[test]
    fn kept_histogram_lines_are_the_fresh_ones() {
        use crate::model::distribution::{Distributions, ExitSample};
        use prometheus_client::encoding::prometheus_protobuf::prometheus_data_model::MetricFamily;
        use prost::Message as _;
        let mut d = Distributions::new(10);
        let r = crate::model::Record {
            kind: crate::wire::RecordKind::Pid,
            id: 7,
            stats: crate::wire::TaskStats {
                version: 16,
                payload_len: 560,
                cpu_run_virtual_total: Some(2_000_000),
                ..Default::default()
            },
            origin: Default::default(),
        };
        let v = r.view(&crate::model::Accounting::default());
        let s = ExitSample::of(&v, &v);
        d.observe("/a", &s);
        d.observe("/b\"x", &s);
        let kept = Mutex::new(HistogramLines::default());
        let pressure = HashMap::new();
        let both = |d: &Distributions| {
            let hs = d.histograms();
            let e = |lines| Exposition {
                groups: &[],
                categories: &[Category::Cpu],
                lost: 0,
                rejected: PerCategory::default(),
                sweep_seconds: 0.0,
                pressure: &pressure,
                histograms: &hs,
                histograms_by: KeyedBy::Cgroup,
                histogram_lines: lines,
            };
            let families = |lines| {
                let bytes = Wire::Protobuf.encode(&e(lines)).expect("protobuf");
                let mut buf = bytes.as_slice();
                let mut out = Vec::new();
                while !buf.is_empty() {
                    out.push(MetricFamily::decode_length_delimited(&mut buf).expect("a family"));
                }
                out
            };
            let (kept_pb, fresh_pb) = (families(Some(&kept)), families(None));
            assert_eq!(kept_pb, fresh_pb);
            assert!(kept_pb.iter().any(|f| {
                f.name == "taskstat_process_cpu_seconds"
                    && f.metric.len() == 2
                    && f.metric[0]
                        .histogram
                        .as_ref()
                        .is_some_and(|h| h.schema == 4)
            }));
            (
                (openmetrics(&e(Some(&kept))), text(&e(Some(&kept)))),
                (openmetrics(&e(None)), text(&e(None))),
            )
        };
        let (k, fresh) = both(&d);
        assert_eq!(k, fresh);
        assert!(
            k.1.contains("taskstat_process_cpu_seconds_count{cgroup=\"/a\"} 1"),
            "{}",
            k.1
        );
        d.observe("/a", &s);
        let (k, fresh) = both(&d);
        assert_eq!(k, fresh);
        assert!(
            k.1.contains("taskstat_process_cpu_seconds_count{cgroup=\"/a\"} 2"),
            "{}",
            k.1
        );
        assert!(k.0.ends_with("# EOF\n") && !k.1.contains("# EOF"));
    }
}
