//! Records as they arrive (listen): one line per record for people, one JSON
//! document per line for scripts, flushed per record.

use std::io::{self, Write};

use serde::Serialize;

use super::human::{self, NONE};
use super::{Format, Sections};
use crate::record::{Context, Record, RecordView};

/// Writes a stream of records in one format, header first where it has one.
pub struct RecordStream {
    format: Format,
    sections: Sections,
    started: bool,
    /// One record's bytes: each record reaches the writer in one write_all,
    /// so a buffered writer only ever passes on whole records.
    scratch: Vec<u8>,
}

const TABLE_HEADER: &str = "TYPE  ID       TGID     COMM             UID     EXIT                 FLAGS          CPU      RUNQ-WAIT  IO-WAIT    MEM-WAIT   READ       WRITE";

/// The column header of [`table_row`].
pub fn stream_table_header() -> &'static str {
    TABLE_HEADER
}

fn ms_from_ns(v: Option<u64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| format!("{:.3}", v as f64 / 1e6))
}

fn sum(values: &[Option<u64>]) -> Option<u64> {
    values.iter().flatten().copied().reduce(u64::saturating_add)
}

/// One line per record, fixed columns (times in ms). `exited` says whether
/// the record is an exit record: a live task has no exit status to show.
pub fn table_row(r: &RecordView, exited: bool) -> String {
    let d = &r.delays;
    // Precise scheduler runtime, not the tick-sampled user+system.
    let cpu = ms_from_ns(r.cpu.run_virtual_ns);
    let mem = sum(&[
        d.swapin.total_ns,
        d.reclaim.total_ns,
        d.thrashing.total_ns,
        d.compact.total_ns,
        d.wpcopy.total_ns,
    ]);
    let flags = human::acct_flags(r.flags);
    let flags = flags.split_once(' ').map_or(flags.clone(), |(_, names)| {
        names.trim_matches(['(', ')']).to_string()
    });
    let exit = if exited {
        human::exit_reason(r.exit_code)
    } else {
        NONE.to_string()
    };
    format!(
        "{:<4}  {:<7}  {:<7}  {:<15}  {:<6}  {:<19}  {:<13}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
        r.kind,
        r.id,
        r.tgid.map_or_else(
            || if r.kind == "tgid" {
                r.id.to_string()
            } else {
                NONE.to_string()
            },
            |t| t.to_string()
        ),
        r.comm.as_deref().unwrap_or(NONE),
        r.uid.map_or_else(|| NONE.to_string(), |u| u.to_string()),
        exit,
        flags,
        cpu,
        ms_from_ns(d.cpu.total_ns),
        ms_from_ns(d.blkio.total_ns),
        ms_from_ns(mem),
        human::bytes(r.io.read_bytes),
        human::bytes(r.io.write_bytes),
    )
}

/// A loss notice in the stream.
#[derive(Serialize)]
struct Lost<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    /// Exit messages the kernel dropped since the last notice.
    count: u64,
    /// Dropped since listening started.
    total: u64,
    unit: &'a str,
}

impl RecordStream {
    pub fn new(format: Format, sections: Sections) -> Self {
        RecordStream {
            format,
            sections,
            started: false,
            scratch: Vec::with_capacity(4096),
        }
    }

    /// Writes one record; the caller decides when to flush (listen flushes
    /// whenever no further record is waiting, so none lingers in a buffer).
    pub fn record(&mut self, out: &mut dyn Write, rec: &Record, ctx: &Context) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        // getdelays' text comes from the raw record: no schema view needed.
        let view = if self.format == Format::Getdelays {
            None
        } else {
            Some(rec.view(ctx))
        };
        let r = self
            .render(&mut buf, rec, view.as_ref())
            .and_then(|()| out.write_all(&buf));
        self.scratch = buf;
        r
    }

    fn render(
        &mut self,
        out: &mut Vec<u8>,
        rec: &Record,
        view: Option<&RecordView>,
    ) -> io::Result<()> {
        let Some(view) = view else {
            return super::write_getdelays(out, rec, self.sections);
        };
        match self.format {
            Format::Table => {
                if !self.started {
                    writeln!(out, "{TABLE_HEADER}")?;
                }
                writeln!(out, "{}", table_row(view, true))?;
            }
            Format::Json | Format::Ndjson => {
                serde_json::to_writer(&mut *out, view)?;
                out.write_all(b"\n")?;
            }
            Format::Csv => {
                let cols = super::csv_row(view)?;
                let mut w = csv::Writer::from_writer(&mut *out);
                if !self.started {
                    w.write_record(cols.iter().map(|(k, _)| k))?;
                }
                w.write_record(cols.iter().map(|(_, v)| v))?;
                w.flush()?;
            }
            Format::Getdelays => super::write_getdelays(out, rec, self.sections)?,
        }
        self.started = true;
        Ok(())
    }

    /// Says that `count` exit messages were lost (`total` so far). Only the
    /// line formats carry it in the stream; the summary always does.
    pub fn lost(&mut self, out: &mut dyn Write, count: u64, total: u64) -> io::Result<()> {
        match self.format {
            Format::Json | Format::Ndjson => {
                let l = Lost {
                    kind: "lost",
                    count,
                    total,
                    unit: "exit messages",
                };
                serde_json::to_writer(&mut *out, &l)?;
                out.write_all(b"\n")?;
            }
            Format::Table => writeln!(
                out,
                "lost  {count} exit messages dropped by the kernel ({total} so far)"
            )?,
            Format::Csv | Format::Getdelays => return Ok(()),
        }
        out.flush()
    }
}
