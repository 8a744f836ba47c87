//! Renderers: records in, bytes out. Every renderer writes to a `dyn Write`
//! and knows nothing of where the records came from. The formats and which
//! subcommand offers which are [`format`]'s; the formats scripts parse
//! (a JSON document or array, ndjson, csv) are written by `sink` alone;
//! each renderer matches on the [`Format`] it is handed (a [`Doc`] through
//! [`write`], a [`RecordStream`], an [`IntervalStream`], top's batch,
//! `dump`'s writer), and the metric families `serve` and `dump` write are
//! [`families`]'.

mod cgroup;
mod check;
pub mod dump;
pub mod families;
mod flat;
pub mod format;
mod getdelays;
pub mod human;
mod interval;
pub mod metrics;
mod sink;
mod stream;
mod summary;
mod table;
pub mod top;

use std::io::{self, Write};

pub use format::Format;
pub use getdelays::write_getdelays;
pub use interval::IntervalStream;
pub use sink::csv_row;
pub use stream::RecordStream;

use crate::model::cgroup::CgroupReport;
use crate::model::check::CheckReport;
use crate::model::totals::{RunOutcome, TreeTotal};
use crate::model::{Record, RecordView};

/// Which sections a table (or getdelays text) shows: getdelays' -d, -i, -q,
/// plus CPU and memory; none selected means all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShownSections {
    pub delays: bool,
    pub io: bool,
    pub context_switches: bool,
    pub cpu: bool,
    pub memory: bool,
}

impl ShownSections {
    /// All sections when none was asked for.
    pub fn or_all(self) -> ShownSections {
        if self == ShownSections::default() {
            ShownSections {
                delays: true,
                io: true,
                context_switches: true,
                cpu: true,
                memory: true,
            }
        } else {
            self
        }
    }
}

/// What the user asked the output to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub sections: ShownSections,
}

/// A record as the renderers take it: its schema view, and the struct the
/// kernel sent, from which getdelays' text is printed as getdelays prints it.
pub struct ShownRecord<'a> {
    pub view: RecordView,
    pub raw: Option<&'a Record>,
}

/// What a command prints once.
pub enum Doc<'a> {
    /// `pid`, `tgid`: a block per record. `empty` gives csv its header when
    /// there are no records.
    Records {
        records: &'a [ShownRecord<'a>],
        empty: &'a RecordView,
    },
    /// `threads`: a process and its threads, a row each.
    Rows { records: &'a [ShownRecord<'a>] },
    /// `run`: the command's records, the total of its tree, and how it
    /// ended. `brief` asks for time(1)'s few lines where a format has them.
    Run {
        records: &'a [ShownRecord<'a>],
        total: Option<&'a TreeTotal>,
        outcome: &'a RunOutcome,
        brief: bool,
    },
    /// `cgroup-fd`.
    Cgroup(&'a CgroupReport),
}

fn views<'a>(records: &'a [ShownRecord<'a>]) -> Vec<&'a RecordView> {
    records.iter().map(|s| &s.view).collect()
}

fn getdelays_all(out: &mut dyn Write, records: &[ShownRecord], s: ShownSections) -> io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    for r in records.iter().filter_map(|s| s.raw) {
        write_getdelays(&mut buf, r, s);
    }
    out.write_all(&buf)
}

/// Writes a document in the chosen format.
pub fn write(out: &mut dyn Write, doc: &Doc, o: Output) -> io::Result<()> {
    let s = o.sections.or_all();
    match (doc, o.format) {
        (Doc::Records { records, .. }, Format::Table) => {
            table::write_table(out, &views(records), s)
        }
        (Doc::Rows { records }, Format::Table) => {
            writeln!(out, "{}", stream::TABLE_HEADER)?;
            for r in records.iter() {
                writeln!(out, "{}", stream::table_row(&r.view, false))?;
            }
            writeln!(
                out,
                "\nCPU time and waits are totals since each task started, in ms."
            )
        }
        (
            Doc::Run {
                total: Some(total),
                outcome,
                brief: true,
                ..
            },
            Format::Table,
        ) => summary::write_summary(out, total, outcome),
        (Doc::Run { records, total, .. }, Format::Table) => {
            table::write_table(out, &views(records), s)?;
            let Some(total) = total else {
                return Ok(());
            };
            writeln!(
                out,
                "\nTOTAL OF {} PROCESSES (the command and its descendants)\n",
                total.processes
            )?;
            table::write_measures(out, &table::Measures::of_totals(&total.sums), s)
        }
        (Doc::Cgroup(r), Format::Table) => cgroup::write_cgroup_table(out, r, s),

        (Doc::Records { records, .. } | Doc::Rows { records }, Format::Json) => {
            sink::json_document(out, &views(records))
        }
        (Doc::Run { records, total, .. }, Format::Json) => sink::json_document(
            out,
            &RunItems {
                records: &views(records),
                total: *total,
            },
        ),
        (Doc::Cgroup(r), Format::Json) => sink::json_document(out, r),

        (Doc::Records { records, .. } | Doc::Rows { records }, Format::Ndjson) => {
            sink::write_ndjson(out, &views(records))
        }
        (Doc::Run { records, total, .. }, Format::Ndjson) => {
            sink::write_ndjson(out, &views(records))?;
            match total {
                Some(t) => sink::write_ndjson(out, &[t]),
                None => Ok(()),
            }
        }
        (Doc::Cgroup(r), Format::Ndjson) => sink::write_ndjson(out, &[r]),

        (Doc::Records { records, empty }, Format::Csv) => {
            sink::write_csv(out, &views(records), empty)
        }
        // The total has other columns than the records: csv carries the records.
        (Doc::Rows { records } | Doc::Run { records, .. }, Format::Csv) => match records.first() {
            Some(first) => sink::write_csv(out, &views(records), &&first.view),
            None => Ok(()),
        },
        (Doc::Cgroup(r), Format::Csv) => sink::write_csv(out, &[*r], r),

        (
            Doc::Records { records, .. } | Doc::Rows { records } | Doc::Run { records, .. },
            Format::Getdelays,
        ) => getdelays_all(out, records, s),
        (Doc::Cgroup(r), Format::Getdelays) => cgroup::write_cgroup_getdelays(out, r),
        (_, Format::Openmetrics) => Err(o.format.not_offered()),
    }
}

/// `run`'s JSON: one array of the records and then the tree's total.
struct RunItems<'a> {
    records: &'a [&'a RecordView],
    total: Option<&'a TreeTotal>,
}

impl serde::Serialize for RunItems<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq =
            s.serialize_seq(Some(self.records.len() + usize::from(self.total.is_some())))?;
        for r in self.records {
            seq.serialize_element(r)?;
        }
        if let Some(t) = self.total {
            seq.serialize_element(t)?;
        }
        seq.end()
    }
}

/// `check`'s report: JSON for the structured formats, else aligned lines.
pub fn write_check(out: &mut dyn Write, r: &CheckReport, format: Format) -> io::Result<()> {
    match format {
        Format::Json | Format::Ndjson => sink::json_document(out, r),
        Format::Table | Format::Csv | Format::Getdelays => check::write_check_text(out, r),
        Format::Openmetrics => Err(format.not_offered()),
    }
}
