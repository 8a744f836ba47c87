//! The output formats, and which subcommand offers which: the CLI builds
//! each subcommand's `--format` (or `--json`) from [`OFFERS`], so that a
//! subcommand refuses, as a usage error that lists its own, a format it
//! does not write.

/// Every output format taskstat writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
    Getdelays,
    Openmetrics,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Table,
        Format::Json,
        Format::Ndjson,
        Format::Csv,
        Format::Getdelays,
        Format::Openmetrics,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Getdelays => "getdelays",
            Format::Openmetrics => "openmetrics",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The name of a format that scripts parse (json, ndjson, csv), which
    /// must not share its stream with other text; None for text for people.
    pub fn parsed_by_scripts(self) -> Option<&'static str> {
        match self {
            Format::Json | Format::Ndjson | Format::Csv => Some(self.name()),
            Format::Table | Format::Getdelays | Format::Openmetrics => None,
        }
    }

    /// Why the format cannot print a record that is not the struct the
    /// kernel sent (a /proc view), if it cannot: getdelays' text prints
    /// that struct, the others the schema view.
    pub fn refusal_without_kernel_record(self) -> Option<&'static str> {
        match self {
            Format::Getdelays => Some(
                "--format getdelays prints the kernel's own record (use table, json, ndjson or csv)",
            ),
            Format::Table | Format::Json | Format::Ndjson | Format::Csv | Format::Openmetrics => {
                None
            }
        }
    }

    /// The error of a writer handed a format its subcommand does not offer
    /// (the CLI refuses it before).
    pub(super) fn not_offered(self) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("--format {} is not written here", self.name()),
        )
    }
}

/// How a subcommand offers its formats on the command line.
#[derive(Debug)]
pub struct Offer {
    /// The formats `-f/--format` takes, each with its help, in the order
    /// the help lists them; empty when the subcommand has no `--format`.
    pub formats: &'static [(Format, &'static str)],
    pub default: Format,
    /// `--json` and its help, where the subcommand has it.
    pub json: Option<&'static str>,
}

impl Offer {
    /// The format chosen: `--json`, else `--format`, else the default.
    pub fn chosen(&self, format: Option<Format>, json: bool) -> Format {
        match (json, format) {
            (true, _) => Format::Json,
            (false, Some(f)) => f,
            (false, None) => self.default,
        }
    }

    /// Whether the subcommand writes `f`.
    pub fn offers(&self, f: Format) -> bool {
        f == self.default
            || (f == Format::Json && self.json.is_some())
            || self.formats.iter().any(|(g, _)| *g == f)
    }
}

/// The record-printing subcommands: pid, tgid, threads, cgroup-fd, listen,
/// run, decode.
pub const RECORDS: Offer = Offer {
    formats: &[
        (Format::Table, "Human-readable sections (the default)"),
        (
            Format::Json,
            "One JSON array of records (cgroup-fd: one object)",
        ),
        (
            Format::Ndjson,
            "One JSON record per line, flushed per record",
        ),
        (
            Format::Csv,
            "A header row and one row per record; nested keys joined with dots",
        ),
        (
            Format::Getdelays,
            "The exact text of the kernel's getdelays -d -i -q",
        ),
    ],
    default: Format::Table,
    json: Some("Same as --format json"),
};

/// `dump`: the stored history for scripts and for Prometheus.
pub const DUMP: Offer = Offer {
    formats: &[
        (
            Format::Ndjson,
            "One JSON object per line: a record and its `time`",
        ),
        (
            Format::Csv,
            "A header row and one row per record; `time` first",
        ),
        (
            Format::Openmetrics,
            "Counters with timestamps, under `serve`'s metric names; with --by cgroup also each \
             group's histograms of its exited processes",
        ),
    ],
    default: Format::Ndjson,
    json: None,
};

/// `top`: tables, or with --json one JSON array of refreshes.
pub const TOP: Offer = Offer {
    formats: &[],
    default: Format::Table,
    json: Some(
        "Print the refreshes as JSON instead of tables (implies -b): one array, an element per \
         refresh with its rows; null where a figure is not measured. With --by cgroup, each row \
         has the group's unit, container_id and pod_uid and its share of time stalled (PSI)",
    ),
};

/// `check`: aligned lines, or with --json one JSON document.
pub const CHECK: Offer = Offer {
    formats: &[],
    default: Format::Table,
    json: Some("Print the checks as JSON"),
};

/// `serve`, `record` and `replay` have no format to choose.
pub const NONE: Offer = Offer {
    formats: &[],
    default: Format::Table,
    json: None,
};

/// Which subcommand offers which formats.
pub const OFFERS: [(&str, &Offer); 13] = [
    ("pid", &RECORDS),
    ("tgid", &RECORDS),
    ("threads", &RECORDS),
    ("top", &TOP),
    ("cgroup-fd", &RECORDS),
    ("listen", &RECORDS),
    ("run", &RECORDS),
    ("serve", &NONE),
    ("record", &NONE),
    ("replay", &NONE),
    ("dump", &DUMP),
    ("decode", &RECORDS),
    ("check", &CHECK),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_offers_hold_their_default() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        for (name, o) in OFFERS {
            assert!(o.offers(o.default), "{name}");
        }
        assert!(DUMP.offers(Format::Openmetrics) && !DUMP.offers(Format::Json));
        assert!(!RECORDS.offers(Format::Openmetrics));
        assert_eq!(TOP.chosen(None, true), Format::Json);
        assert_eq!(DUMP.chosen(None, false), Format::Ndjson);
    }
}
