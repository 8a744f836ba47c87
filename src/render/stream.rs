//! Records as they arrive (listen, decode): one line per record for people,
//! one JSON document per line for scripts, a JSON array that is closed when
//! the stream ends, csv rows, or getdelays' text.

use std::io::{self, Write};

use serde::Serialize;

use super::human::{self, NONE};
use super::sink::{self, Csv, JsonArray};
use super::{Format, ShownSections};
use crate::model::{Record, RecordView};
use crate::wire::{Group, RecordKind};

/// Writes a stream of records in one format, header first where it has one.
pub struct RecordStream {
    format: Format,
    sections: ShownSections,
    /// The table's header is written.
    started: bool,
    json: JsonArray,
    csv: Csv,
    /// One record's bytes: each record reaches the writer in one write_all,
    /// so a buffered writer only ever passes on whole records.
    scratch: Vec<u8>,
}

pub(super) const TABLE_HEADER: &str = "TYPE  ID       TGID     COMM             UID     EXIT                 FLAGS          CPU      RUNQ-WAIT  IO-WAIT    MEM-WAIT   READ       WRITE";

fn ms_from_ns(v: Option<u64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| format!("{:.3}", v as f64 / 1e6))
}

/// The summed wait of one group of categories; null when none was measured.
fn group_total(r: &RecordView, g: Group) -> Option<u64> {
    r.delays
        .each()
        .filter(|(c, _)| c.group() == g)
        .filter_map(|(_, d)| d.total_ns)
        .reduce(u64::saturating_add)
}

/// `s` padded with blanks to `width` terminal columns, measured by display
/// width (a CJK character takes two), as comfy-table lays out the other
/// tables; `format!`'s padding counts characters and would shift every
/// later column. Longer text is left whole.
fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// One line per record, fixed columns (times in ms). `exited` says whether
/// the record is an exit record: a live task has no exit status to show.
pub(super) fn table_row(r: &RecordView, exited: bool) -> String {
    // Precise scheduler runtime, not the tick-sampled user+system.
    let cpu = ms_from_ns(r.cpu.run_virtual_ns);
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
        "{:<4}  {:<7}  {:<7}  {}  {:<6}  {:<19}  {:<13}  {:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
        r.kind.name(),
        r.id,
        r.tgid.map_or_else(
            || if r.kind == RecordKind::Tgid {
                r.id.to_string()
            } else {
                NONE.to_string()
            },
            |t| t.to_string()
        ),
        pad(&human::name(r.comm.as_deref().unwrap_or(NONE)), 15),
        r.uid.map_or_else(|| NONE.to_string(), |u| u.to_string()),
        exit,
        flags,
        cpu,
        ms_from_ns(group_total(r, Group::RunQueue)),
        ms_from_ns(group_total(r, Group::Io)),
        ms_from_ns(group_total(r, Group::Memory)),
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
    pub fn new(format: Format, sections: ShownSections) -> Self {
        RecordStream {
            format,
            sections,
            started: false,
            json: JsonArray::compact(),
            csv: Csv::new(),
            scratch: Vec::with_capacity(4096),
        }
    }

    /// Writes one record; the caller decides when to flush (listen flushes
    /// whenever no further record is waiting, so none lingers in a buffer).
    /// `view` gives the record's view; it is not called for getdelays'
    /// text, which is printed from the kernel's struct alone.
    pub fn record(
        &mut self,
        out: &mut dyn Write,
        rec: &Record,
        view: impl FnOnce() -> RecordView,
    ) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        let r = self
            .render(&mut buf, rec, view)
            .and_then(|()| out.write_all(&buf));
        self.scratch = buf;
        r
    }

    fn render(
        &mut self,
        out: &mut Vec<u8>,
        rec: &Record,
        view: impl FnOnce() -> RecordView,
    ) -> io::Result<()> {
        if self.format == Format::Getdelays {
            super::write_getdelays(out, rec, self.sections.or_all());
            return Ok(());
        }
        let view = &view();
        match self.format {
            Format::Table => {
                if !self.started {
                    writeln!(out, "{TABLE_HEADER}")?;
                }
                writeln!(out, "{}", table_row(view, true))?;
            }
            Format::Json => self.json.element(out, view)?,
            Format::Ndjson => sink::ndjson_line(out, view)?,
            Format::Csv => self.csv.row(out, view)?,
            Format::Getdelays => {}
            Format::Openmetrics => return Err(self.format.not_offered()),
        }
        self.started = true;
        Ok(())
    }

    /// Says that `count` exit messages were lost (`total` so far). Only the
    /// formats that can carry a notice carry it in the stream; the summary
    /// always does.
    pub fn lost(&mut self, out: &mut dyn Write, count: u64, total: u64) -> io::Result<()> {
        let l = Lost {
            kind: "lost",
            count,
            total,
            unit: "exit messages",
        };
        match self.format {
            Format::Json => {
                let mut buf = Vec::new();
                self.json.element(&mut buf, &l)?;
                out.write_all(&buf)?;
            }
            Format::Ndjson => {
                let mut buf = Vec::new();
                sink::ndjson_line(&mut buf, &l)?;
                out.write_all(&buf)?;
            }
            Format::Table => writeln!(
                out,
                "lost  {count} exit messages dropped by the kernel ({total} so far)"
            )?,
            Format::Csv | Format::Getdelays | Format::Openmetrics => return Ok(()),
        }
        out.flush()
    }

    /// Ends the stream: closes the JSON array (an empty one when nothing came).
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.format == Format::Json {
            self.json.finish(out)?;
        }
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn names_are_padded_by_display_width() {
        assert_eq!(pad("sh", 5), "sh   ");
        // Three CJK characters are six columns wide.
        assert_eq!(pad("日本語", 8), "日本語  ");
        assert_eq!(pad("日本語", 8).width(), 8);
        assert_eq!(pad("a-longer-name", 4), "a-longer-name");
    }

    fn view(comm: &str) -> RecordView {
        let s = crate::wire::TaskStats {
            version: 16,
            ac_comm: Some(comm.as_bytes().to_vec()),
            ac_uid: Some(4242),
            ..Default::default()
        };
        crate::model::Record {
            kind: RecordKind::Pid,
            id: 7,
            stats: s,
            origin: Default::default(),
        }
        .view(&crate::model::Accounting::default())
    }

    #[test]
    fn a_wide_name_does_not_shift_later_columns() {
        // comm holds at most 15 bytes: five CJK characters, ten columns.
        for comm in ["worker", "工作者线程", "ｗｉｄｅ"] {
            let row = table_row(&view(comm), false);
            let uid = row.find("4242").expect("the uid");
            assert_eq!(
                row[..uid].width(),
                TABLE_HEADER.find("UID").unwrap(),
                "{comm}: {row}"
            );
        }
    }
}
