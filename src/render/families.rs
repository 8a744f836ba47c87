//! The metric families taskstat exports: one table that `serve`'s
//! exposition and `dump -f openmetrics` both name their families from, so
//! that a family has one name, one type and one HELP text wherever it is
//! written.

/// An OpenMetrics metric type, as its `# TYPE` line spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Info,
    Histogram,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Info => "info",
            Kind::Histogram => "histogram",
        }
    }
}

/// One metric family: its name, type, HELP text (without the final period
/// that prometheus-client adds) and the unit its name ends in, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Family {
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
    pub unit: Option<&'static str>,
}

pub const DELAY_SECONDS: Family = Family {
    name: "taskstat_delay_seconds",
    kind: Kind::Counter,
    help: "Time spent waiting, by delay category (a cgroup's series count its exited tasks too)",
    unit: Some("seconds"),
};

pub const DELAYS: Family = Family {
    name: "taskstat_delays",
    kind: Kind::Counter,
    help: "Number of waits, by delay category (a cgroup's series count its exited tasks too)",
    unit: None,
};

pub const CPU_SECONDS: Family = Family {
    name: "taskstat_cpu_seconds",
    kind: Kind::Counter,
    help: "CPU time, the scheduler's precise run time (a cgroup's series count its exited tasks too)",
    unit: Some("seconds"),
};

pub const IO_BYTES: Family = Family {
    name: "taskstat_io_bytes",
    kind: Kind::Counter,
    help: "Bytes read from and written to storage (a cgroup's series count its exited tasks too)",
    unit: Some("bytes"),
};

pub const CONTEXT_SWITCHES: Family = Family {
    name: "taskstat_context_switches",
    kind: Kind::Counter,
    help: "Context switches, voluntary and involuntary (a cgroup's series count its exited tasks too)",
    unit: None,
};

pub const TASKS: Family = Family {
    name: "taskstat_tasks",
    kind: Kind::Gauge,
    help: "Live processes in a cgroup",
    unit: None,
};

pub const EXITED_TASKS: Family = Family {
    name: "taskstat_exited_tasks",
    kind: Kind::Counter,
    help: "Processes of a cgroup that exited while taskstat listened",
    unit: None,
};

pub const CGROUP_PRESSURE_SECONDS: Family = Family {
    name: "taskstat_cgroup_pressure_seconds",
    kind: Kind::Counter,
    help: "Time some (or all non-idle) tasks of a cgroup were stalled on a resource, from its cgroup2 pressure file (PSI)",
    unit: Some("seconds"),
};

pub const EXIT_RECORDS_LOST: Family = Family {
    name: "taskstat_exit_records_lost",
    kind: Kind::Counter,
    help: "Exit records the kernel dropped because taskstat's receive queue was full",
    unit: None,
};

pub const REJECTED_FIGURES: Family = Family {
    name: "taskstat_rejected_figures",
    kind: Kind::Counter,
    help: "Processes whose delay figure in a category broke a bound the kernel guarantees (a wait longer than the task's life, from the kernel's delay-accounting fault) and is left out of taskstat_delay_seconds and taskstat_delays from then on",
    unit: None,
};

pub const SCRAPE_DURATION_SECONDS: Family = Family {
    name: "taskstat_scrape_duration_seconds",
    kind: Kind::Gauge,
    help: "How long the sweep of every task behind this scrape took",
    unit: Some("seconds"),
};

pub const BUILD: Family = Family {
    name: "taskstat_build",
    kind: Kind::Info,
    help: "taskstat's version",
    unit: None,
};

// Distributions of what each process did over its life, one observation
// per exited process (model::distribution): `serve --histograms`, and
// `dump -f openmetrics --by cgroup`.

pub const PROCESS_WAIT_SECONDS: Family = Family {
    name: "taskstat_process_wait_seconds",
    kind: Kind::Histogram,
    help: "Each exited process's total wait over its life, by wait group (cpu: run queue; io: block I/O; memory: swap-in, reclaim, thrashing, compaction, copy-on-write)",
    unit: Some("seconds"),
};

pub const PROCESS_LONGEST_WAIT_SECONDS: Family = Family {
    name: "taskstat_process_longest_wait_seconds",
    kind: Kind::Histogram,
    help: "Each exited process's longest single wait, by wait group (struct version 16 and later)",
    unit: Some("seconds"),
};

pub const PROCESS_CPU_SECONDS: Family = Family {
    name: "taskstat_process_cpu_seconds",
    kind: Kind::Histogram,
    help: "Each exited process's CPU time over its life",
    unit: Some("seconds"),
};

pub const PROCESS_ELAPSED_SECONDS: Family = Family {
    name: "taskstat_process_elapsed_seconds",
    kind: Kind::Histogram,
    help: "Each exited process's wall time, from its start to its exit",
    unit: Some("seconds"),
};

/// The distribution families, in the order of [`Measure`]'s kinds.
///
/// [`Measure`]: crate::model::distribution::Measure
pub const DISTRIBUTIONS: [Family; 4] = [
    PROCESS_WAIT_SECONDS,
    PROCESS_LONGEST_WAIT_SECONDS,
    PROCESS_CPU_SECONDS,
    PROCESS_ELAPSED_SECONDS,
];

/// The family a measure is exported in.
pub fn family_of(m: crate::model::distribution::Measure) -> Family {
    use crate::model::distribution::Measure;
    match m {
        Measure::Wait(_) => PROCESS_WAIT_SECONDS,
        Measure::Longest(_) => PROCESS_LONGEST_WAIT_SECONDS,
        Measure::Cpu => PROCESS_CPU_SECONDS,
        Measure::Elapsed => PROCESS_ELAPSED_SECONDS,
    }
}

/// Every family `serve` exports, in the order of its exposition.
pub const SERVED: [Family; 12] = [
    DELAY_SECONDS,
    DELAYS,
    CPU_SECONDS,
    IO_BYTES,
    CONTEXT_SWITCHES,
    TASKS,
    EXITED_TASKS,
    CGROUP_PRESSURE_SECONDS,
    EXIT_RECORDS_LOST,
    REJECTED_FIGURES,
    SCRAPE_DURATION_SECONDS,
    BUILD,
];

/// The families a stored sample has figures for (`dump -f openmetrics`),
/// in `serve`'s order.
pub const STORED: [Family; 6] = [
    DELAY_SECONDS,
    DELAYS,
    CPU_SECONDS,
    IO_BYTES,
    CONTEXT_SWITCHES,
    TASKS,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenMetrics: a family with a unit has a name that ends in it; and
    /// no two families share a name.
    #[test]
    fn names_end_in_their_unit_and_are_unique() {
        for f in SERVED {
            if let Some(unit) = f.unit {
                assert!(f.name.ends_with(&format!("_{unit}")), "{f:?}");
            }
            assert_eq!(SERVED.iter().filter(|g| g.name == f.name).count(), 1);
        }
        assert!(STORED.iter().all(|f| SERVED.contains(f)));
    }

    /// The distributions' families are named as the others are, apart
    /// from them, and each measure has one.
    #[test]
    fn the_distributions_families_end_in_their_unit_and_are_apart() {
        use crate::model::distribution::Measure;
        for f in DISTRIBUTIONS {
            assert_eq!(f.kind, Kind::Histogram);
            assert!(
                f.name.ends_with(&format!("_{}", f.unit.unwrap_or("?"))),
                "{f:?}"
            );
            assert!(SERVED.iter().all(|g| g.name != f.name || *g == f), "{f:?}");
            assert_eq!(DISTRIBUTIONS.iter().filter(|g| g.name == f.name).count(), 1);
        }
        for m in Measure::ALL {
            let f = family_of(m);
            assert!(DISTRIBUTIONS.contains(&f));
            assert_eq!(m.wait_label().is_some(), f.name.contains("wait"), "{m:?}");
        }
    }

    /// `dump -f openmetrics --by cgroup` says what `serve` says of each
    /// family they share, both as written by their own writers.
    #[test]
    fn dump_and_serve_write_the_same_help() {
        use crate::render::dump::DumpWriter;
        use crate::render::metrics::{Exposition, openmetrics};
        let help = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| l.starts_with("# HELP ") || l.starts_with("# TYPE "))
                .map(str::to_string)
                .collect()
        };
        let group = serde_json::json!({
            "counters": {
                "delays": {"cpu": [3, 5000]},
                "cpu_ns": 7, "read_bytes": 1, "write_bytes": 2,
                "voluntary": 3, "involuntary": 4,
            },
            "tasks": 2,
            "exited": 1,
        });
        let mut w = DumpWriter::new(crate::render::Format::Openmetrics);
        let mut dumped = Vec::new();
        let group: crate::model::fleet::GroupFigures = serde_json::from_value(group).unwrap();
        w.record(
            &mut dumped,
            1_000_000_000,
            &[("cgroup", "/a")],
            crate::render::dump::Stored::Group(&group),
        )
        .unwrap();
        // An exit of the group with its CPU time: a histogram family too.
        let record = crate::model::Record {
            kind: crate::wire::RecordKind::Pid,
            id: 7,
            stats: crate::wire::TaskStats {
                version: 16,
                payload_len: 560,
                ..Default::default()
            },
            origin: Default::default(),
        };
        let mut exit = record.view(&crate::model::Accounting::default());
        exit.cpu.run_virtual_ns = Some(3_000_000);
        w.exited("/a", &exit);
        w.exit_histograms(1_000_000_000, |_| true).unwrap();
        w.finish(&mut dumped).unwrap();
        let dumped = help(&String::from_utf8(dumped).unwrap());
        let mut distributions = crate::model::distribution::Distributions::new(10);
        distributions.observe(
            "/a",
            &crate::model::distribution::ExitSample::of(&exit, &exit),
        );

        let groups = vec![(
            "/a".to_string(),
            crate::model::fleet::GroupFigures::default(),
        )];
        let served = help(&openmetrics(&Exposition {
            groups: &groups,
            categories: &[crate::wire::Category::Cpu],
            lost: 0,
            rejected: Default::default(),
            sweep_seconds: 0.0,
            pressure: &Default::default(),
            histograms: &distributions.histograms(),
            histograms_by: Default::default(),
            histogram_lines: None,
        }));
        assert!(dumped.contains(&format!("# TYPE {} histogram", PROCESS_CPU_SECONDS.name)));
        assert_eq!(dumped.len(), 2 * (STORED.len() + 1), "{dumped:?}");
        for line in &dumped {
            assert!(served.contains(line), "{line} is not serve's: {served:?}");
        }
    }
}
