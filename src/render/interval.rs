//! Interval records: for people one block per interval, one part per task;
//! for scripts ndjson lines, a JSON array closed at the end, or csv rows.

use std::io::{self, Write};

use super::Format;
use super::human::{self, NONE};
use super::sink::{self, Csv, JsonArray};
use crate::exit::Usage;
use crate::model::interval::IntervalRecord;

fn clock(epoch: f64) -> String {
    crate::time::utc_clock(epoch as u64)
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| format!("{v:.1}%"))
}

fn per_s(v: Option<f64>, bytes: bool) -> String {
    match v {
        None => NONE.to_string(),
        Some(v) if bytes => format!("{}/s", human::bytes(Some(v as u64))),
        Some(v) => format!("{v:.1}/s"),
    }
}

/// Writes one interval's records under a heading.
fn write_interval_table(out: &mut dyn Write, records: &[IntervalRecord]) -> io::Result<()> {
    let Some(first) = records.first() else {
        return Ok(());
    };
    let i = &first.interval;
    writeln!(
        out,
        "INTERVAL {} – {} UTC ({:.3} s)",
        clock(i.start),
        clock(i.end),
        i.seconds
    )?;
    for r in records {
        let v = &r.record;
        let comm = v
            .comm
            .as_deref()
            .map(|c| format!(" ({})", human::name(c)))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}{comm}  CPU {}  switches {}  read {}  write {}",
            v.kind.name().to_uppercase(),
            v.id,
            pct(r.percent.cpu),
            per_s(r.rates.context_switches_per_s, false),
            per_s(r.rates.read_bytes_per_s, true),
            per_s(r.rates.write_bytes_per_s, true),
        )?;
        let mut t = super::table::delay_rows(&v.delays, &["of time"], |c, _| {
            vec![pct(r.percent.delays[c])]
        });
        writeln!(out, "{}", super::table::render(&mut t))?;
    }
    writeln!(out)
}

/// Interval records as they are sampled, in one format.
pub struct IntervalStream {
    format: Format,
    json: JsonArray,
    csv: Csv,
}

impl IntervalStream {
    /// A stream in `format`, or why that format has no interval form.
    pub fn new(format: Format) -> Result<IntervalStream, Usage> {
        if matches!(format, Format::Getdelays | Format::Openmetrics) {
            return Err(Usage(format!(
                "--format {} has no interval form; use table, json, ndjson or csv",
                format.name()
            )));
        }
        Ok(IntervalStream {
            format,
            json: JsonArray::compact(),
            csv: Csv::new(),
        })
    }

    /// Writes one interval's records and flushes them.
    pub fn write(&mut self, out: &mut dyn Write, records: &[IntervalRecord]) -> io::Result<()> {
        match self.format {
            Format::Table => write_interval_table(out, records)?,
            Format::Ndjson => sink::write_ndjson(out, records)?,
            Format::Json => {
                let mut buf = Vec::new();
                for r in records {
                    self.json.element(&mut buf, r)?;
                }
                out.write_all(&buf)?;
            }
            Format::Csv => {
                let mut buf = Vec::new();
                for r in records {
                    self.csv.row(&mut buf, r)?;
                }
                out.write_all(&buf)?;
            }
            Format::Getdelays | Format::Openmetrics => return Err(self.format.not_offered()),
        }
        out.flush()
    }

    /// Ends the stream: closes the JSON array.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.format == Format::Json {
            self.json.finish(out)?;
        }
        out.flush()
    }
}
