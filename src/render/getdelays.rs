//! The text of the kernel's tools/accounting/getdelays.c (`-d -i -q`), byte
//! for byte, so that scripts written for getdelays keep working.
//!
//! getdelays prints the struct as the kernel sent it, so this renderer reads
//! the raw record, not the schema view. Absent fields print as 0, as they do
//! from getdelays' zero-initialised buffer.

use std::io::{self, Write};

use super::Sections;
use super::human;
use crate::record::Record;
use crate::wire::{Category, Extension, RecordKind, Timespec};

fn average_ms(total: u64, count: u64) -> f64 {
    // getdelays: `t / 1000000ULL / (c ? c : 1)` with t a double.
    total as f64 / 1_000_000.0 / (if count == 0 { 1 } else { count }) as f64
}

fn ms(v: u64) -> f64 {
    v as f64 / 1_000_000.0
}

/// `YYYY-MM-DDTHH:MM:SS` in local time, or `N/A`, like getdelays' format_timespec.
fn format_timespec(ts: Option<Timespec>) -> String {
    let ts = ts.unwrap_or_default();
    if ts.sec == 0 && ts.nsec == 0 {
        return "N/A".to_string();
    }
    let t: libc::time_t = ts.sec;
    // SAFETY: zeroed `tm` is a valid value for the out-parameter.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call; localtime_r is thread-safe.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return "N/A".to_string();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        tm.tm_year as i64 + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

fn write_delays(out: &mut dyn Write, r: &Record) -> io::Result<()> {
    let s = &r.stats;
    let v = s.version;
    out.write_all(b"\n\n")?;
    let timestamps = s.extension == Extension::MaxTimestamps;
    for c in Category::ALL {
        // getdelays prints RECLAIM and THRASHING on any kernel, the blocks
        // from v11 on only when the version has them, and a block only some
        // kernels send (SOFTIRQ) only when it came.
        let since = c.info().since;
        let shown = if c.info().optional {
            s.delays[c].count.is_some()
        } else {
            since < 11 || v >= since
        };
        if !shown {
            continue;
        }
        let d = &s.delays[c];
        let count = d.count.unwrap_or(0);
        let total = d.total_ns.unwrap_or(0);
        // Title line, then value line, column by column as getdelays prints them.
        write!(out, "{:<10}{:>15}", c.info().getdelays, "count")?;
        if c == Category::Cpu {
            write!(out, "{:>15}{:>15}", "real total", "virtual total")?;
        }
        write!(out, "{:>15}{:>15}", "delay total", "delay average")?;
        if v >= 16 {
            write!(out, "{:>15}{:>15}", "delay max", "delay min")?;
        }
        if timestamps {
            write!(out, "{:>25}", "delay max timestamp")?;
        }
        write!(out, "\n          {count:>15}")?;
        if c == Category::Cpu {
            write!(
                out,
                "{:>15}{:>15}",
                s.cpu_run_real_total.unwrap_or(0),
                s.cpu_run_virtual_total.unwrap_or(0)
            )?;
        }
        write!(out, "{total:>15}{:>15.3}ms", average_ms(total, count))?;
        if v >= 16 {
            write!(
                out,
                "{:>13.6}ms{:>13.6}ms",
                ms(d.max_ns.unwrap_or(0)),
                ms(d.min_ns.unwrap_or(0))
            )?;
        }
        if timestamps {
            write!(out, "{:>23}", format_timespec(d.max_ts))?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one record the way getdelays prints a received stats record.
pub fn write_getdelays(out: &mut dyn Write, r: &Record, sections: Sections) -> io::Result<()> {
    let s = &r.stats;
    if sections.delays {
        let tag = match r.kind {
            RecordKind::Pid => "PID",
            RecordKind::Tgid => "TGID",
        };
        writeln!(out, "{tag}\t{}", r.id)?;
        write_delays(out, r)?;
    }
    if sections.io {
        out.write_all(&human::name_bytes(s.ac_comm.as_deref().unwrap_or_default()))?;
        writeln!(
            out,
            ": read={}, write={}, cancelled_write={}",
            s.read_bytes.unwrap_or(0),
            s.write_bytes.unwrap_or(0),
            s.cancelled_write_bytes.unwrap_or(0)
        )?;
    }
    if sections.context_switches {
        write!(
            out,
            "\n\nTask   {:>15}{:>15}\n       {:>15}{:>15}\n",
            "voluntary",
            "nonvoluntary",
            s.nvcsw.unwrap_or(0),
            s.nivcsw.unwrap_or(0)
        )?;
    }
    Ok(())
}
