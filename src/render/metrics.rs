//! Per-cgroup accounting as Prometheus metrics, encoded by the official
//! `prometheus-client` crate: OpenMetrics as it writes it, or the classic
//! text format (version 0.0.4) for scrapers that do not ask for OpenMetrics.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::{encode, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::record::fleet::GroupFigures;
use crate::wire::Category;

type Labels = Vec<(&'static str, String)>;
type FloatCounter = Counter<f64, AtomicU64>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// Content type of the classic text format.
pub const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Content type of OpenMetrics.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What one exposition holds.
pub struct Exposition<'a> {
    pub groups: &'a [(String, GroupFigures)],
    /// The delay categories measured here (cpu always; the others with
    /// delay accounting on; an optional one only where the kernel sends it).
    pub categories: &'a [Category],
    pub lost: u64,
    /// How long the sweep behind these figures took.
    pub sweep_seconds: f64,
}

fn registry(e: &Exposition) -> Registry {
    let mut r = Registry::default();
    let delay_seconds = Family::<Labels, FloatCounter>::default();
    let delays = Family::<Labels, Counter>::default();
    let cpu = Family::<Labels, FloatCounter>::default();
    let io = Family::<Labels, Counter>::default();
    let switches = Family::<Labels, Counter>::default();
    let tasks = Family::<Labels, Gauge>::default();
    let exited = Family::<Labels, Counter>::default();
    for (group, g) in e.groups {
        let c = &g.counters;
        let label = |k: &'static str, v: &str| vec![("cgroup", group.clone()), (k, v.to_string())];
        for &cat in e.categories {
            let (count, total) = c.delays[cat];
            delay_seconds
                .get_or_create(&label("category", cat.key()))
                .inc_by(total as f64 / 1e9);
            delays
                .get_or_create(&label("category", cat.key()))
                .inc_by(count);
        }
        let cg = vec![("cgroup", group.clone())];
        cpu.get_or_create(&cg).inc_by(c.cpu_ns as f64 / 1e9);
        io.get_or_create(&label("direction", "read"))
            .inc_by(c.read_bytes);
        io.get_or_create(&label("direction", "write"))
            .inc_by(c.write_bytes);
        switches
            .get_or_create(&label("kind", "voluntary"))
            .inc_by(c.voluntary);
        switches
            .get_or_create(&label("kind", "involuntary"))
            .inc_by(c.involuntary);
        tasks
            .get_or_create(&cg)
            .set(i64::try_from(g.tasks).unwrap_or(i64::MAX));
        exited.get_or_create(&cg).inc_by(g.exited);
    }
    r.register(
        "taskstat_delay_seconds",
        "Time the tasks of a cgroup spent waiting, by delay category (exited tasks included)",
        delay_seconds,
    );
    r.register(
        "taskstat_delays",
        "Waits of the tasks of a cgroup, by delay category (exited tasks included)",
        delays,
    );
    r.register(
        "taskstat_cpu_seconds",
        "CPU time of the tasks of a cgroup, precise scheduler run time (exited tasks included)",
        cpu,
    );
    r.register(
        "taskstat_io_bytes",
        "Bytes the tasks of a cgroup read from and wrote to storage (exited tasks included)",
        io,
    );
    r.register(
        "taskstat_context_switches",
        "Context switches of the tasks of a cgroup (exited tasks included)",
        switches,
    );
    r.register("taskstat_tasks", "Live processes in a cgroup", tasks);
    r.register(
        "taskstat_exited_tasks",
        "Processes of a cgroup that exited while taskstat listened",
        exited,
    );
    let lost = Counter::<u64>::default();
    lost.inc_by(e.lost);
    r.register(
        "taskstat_exit_records_lost",
        "Exit records the kernel dropped because taskstat's receive queue was full",
        lost,
    );
    let sweep = FloatGauge::default();
    sweep.set(e.sweep_seconds);
    r.register(
        "taskstat_scrape_duration_seconds",
        "How long the sweep of every task behind this scrape took",
        sweep,
    );
    r.register(
        "taskstat_build",
        "taskstat's version",
        Info::new(vec![("version", env!("CARGO_PKG_VERSION").to_string())]),
    );
    r
}

/// The exposition in OpenMetrics text.
pub fn openmetrics(e: &Exposition) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut s, &registry(e));
    s
}

/// The exposition in the classic text format: the same samples, with the
/// family names the classic format gives them (a counter's TYPE and HELP
/// name its `_total` sample, an info metric is a gauge) and no `# EOF`.
pub fn text(e: &Exposition) -> String {
    let mut om = String::new();
    let _ = encode_registry(&mut om, &registry(e));
    classic(&om)
}

/// `(name, rest)` of a `# TYPE name kind` or `# HELP name text` line.
fn metadata<'a>(line: &'a str, what: &str) -> Option<(&'a str, &'a str)> {
    line.strip_prefix(what)?.split_once(' ')
}

fn classic(om: &str) -> String {
    let kinds: std::collections::HashMap<&str, &str> =
        om.lines().filter_map(|l| metadata(l, "# TYPE ")).collect();
    let rename = |name: &str| match kinds.get(name).copied() {
        Some("counter") => format!("{name}_total"),
        Some("info") => format!("{name}_info"),
        _ => name.to_string(),
    };
    let mut out = String::with_capacity(om.len());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fleet::Counters;

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
            sweep_seconds: 0.01,
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
}
