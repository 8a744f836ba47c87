//! Interval records for people: one block per interval, one part per task.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use super::human::{self, NONE};
use crate::interval::IntervalRecord;

fn clock(epoch: f64) -> String {
    let t = human::epoch(Some(epoch as u64));
    // "YYYY-MM-DD HH:MM:SS UTC" -> "HH:MM:SS"
    t.split(' ').nth(1).unwrap_or(&t).to_string()
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
pub fn write_interval_table(out: &mut dyn Write, records: &[IntervalRecord]) -> io::Result<()> {
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
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}{comm}  CPU {}  switches {}  read {}  write {}",
            v.kind.to_uppercase(),
            v.id,
            pct(r.percent.cpu),
            per_s(r.rates.context_switches_per_s, false),
            per_s(r.rates.read_bytes_per_s, true),
            per_s(r.rates.write_bytes_per_s, true),
        )?;
        let mut t = Table::new();
        t.load_style(presets::NOTHING);
        t.set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(vec!["DELAYS", "count", "total", "average", "of time"]);
        let p = &r.percent.delays;
        let shares = [
            p.cpu,
            p.blkio,
            p.swapin,
            p.reclaim,
            p.thrashing,
            p.compact,
            p.wpcopy,
            p.irq,
        ];
        for ((name, d), share) in v.delays.iter().into_iter().zip(shares) {
            t.add_row(vec![
                name.to_string(),
                human::count(d.count),
                human::ns(d.total_ns),
                human::ns(d.average_ns),
                pct(share),
            ]);
        }
        for c in t.column_iter_mut() {
            c.set_padding((0, 2));
        }
        for i in 1..5 {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        writeln!(out, "{}", t.trim_fmt())?;
    }
    writeln!(out)
}
