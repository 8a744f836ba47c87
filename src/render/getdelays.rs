//! The text of the kernel's tools/accounting/getdelays.c (`-d -i -q`), byte
//! for byte, so that scripts written for getdelays keep working.
//!
//! getdelays prints the struct as the kernel sent it, so this renderer reads
//! the raw record, not the schema view. Absent fields print as 0, as they do
//! from getdelays' zero-initialised buffer.
//!
//! `listen -f getdelays` prints some 25 lines per exit record: the columns
//! are padded here from a run of spaces and integers go through itoa, as
//! core::fmt's padding writes one fill character at a time (122k
//! instructions a record; bench/listen.sh).

use std::io;

use super::ShownSections;
use super::human;
use crate::model::Record;
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
    crate::time::local_seconds(ts.sec).unwrap_or_else(|| "N/A".to_string())
}

const SPACES: &[u8; 32] = b"                                ";

/// `text` right-aligned in `width` columns (printf's `%15s`).
fn right(out: &mut Vec<u8>, text: &[u8], width: usize) {
    if let Some(pad) = width.checked_sub(text.len()) {
        out.extend_from_slice(&SPACES[..pad.min(SPACES.len())]);
    }
    out.extend_from_slice(text);
}

fn number(out: &mut Vec<u8>, v: u64, width: usize) {
    right(out, itoa::Buffer::new().format(v).as_bytes(), width);
}

/// printf's `%W.Pf` of `v`. A whole number of ns below 2^40 (18 minutes)
/// printed as ms with six decimals is exact in decimal, and the double
/// nearest to it is within 1e-9 of that: digits from integers are then
/// the same as the double's. Anything else goes through core::fmt, which
/// rounds as glibc does.
fn fixed(out: &mut Vec<u8>, v: f64, precision: usize, width: usize) {
    if v == 0.0 {
        let zero: &[u8] = if precision == 3 {
            b"0.000"
        } else {
            b"0.000000"
        };
        return right(out, zero, width);
    }
    let mut buf = [0u8; 64];
    let mut cursor = io::Cursor::new(&mut buf[..]);
    match io::Write::write_fmt(&mut cursor, format_args!("{v:.precision$}")) {
        Ok(()) => {
            let len = usize::try_from(cursor.position()).unwrap_or(0);
            right(out, &buf[..len], width);
        }
        // Longer than 64 characters: not from a u64 of ns, but not lost.
        Err(_) => right(out, format!("{v:.precision$}").as_bytes(), width),
    }
}

/// ns as ms with six decimals, exactly (see [`fixed`]).
fn ms6(out: &mut Vec<u8>, ns: u64, width: usize) {
    if ns >= 1 << 40 {
        return fixed(out, ms(ns), 6, width);
    }
    let mut text = [0u8; 24];
    let mut whole = itoa::Buffer::new();
    let w = whole.format(ns / 1_000_000).as_bytes();
    let frac = ns % 1_000_000;
    text[..w.len()].copy_from_slice(w);
    text[w.len()] = b'.';
    let mut f = frac;
    for k in (0..6).rev() {
        text[w.len() + 1 + k] = b'0' + (f % 10) as u8;
        f /= 10;
    }
    right(out, &text[..w.len() + 7], width);
}

fn write_delays(out: &mut Vec<u8>, r: &Record) {
    let s = &r.stats;
    let v = s.version;
    out.extend_from_slice(b"\n\n");
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
        let label = c.info().getdelays.as_bytes();
        out.extend_from_slice(label);
        out.extend_from_slice(&SPACES[..10usize.saturating_sub(label.len())]);
        right(out, b"count", 15);
        if c == Category::Cpu {
            right(out, b"real total", 15);
            right(out, b"virtual total", 15);
        }
        right(out, b"delay total", 15);
        right(out, b"delay average", 15);
        if v >= 16 {
            right(out, b"delay max", 15);
            right(out, b"delay min", 15);
        }
        if timestamps {
            right(out, b"delay max timestamp", 25);
        }
        out.extend_from_slice(b"\n          ");
        number(out, count, 15);
        if c == Category::Cpu {
            number(out, s.cpu_run_real_total.unwrap_or(0), 15);
            number(out, s.cpu_run_virtual_total.unwrap_or(0), 15);
        }
        number(out, total, 15);
        fixed(out, average_ms(total, count), 3, 15);
        out.extend_from_slice(b"ms");
        if v >= 16 {
            ms6(out, d.max_ns.unwrap_or(0), 13);
            out.extend_from_slice(b"ms");
            ms6(out, d.min_ns.unwrap_or(0), 13);
            out.extend_from_slice(b"ms");
        }
        if timestamps {
            right(out, format_timespec(d.max_ts).as_bytes(), 23);
        }
        out.push(b'\n');
    }
}

/// Writes one record the way getdelays prints a received stats record.
pub fn write_getdelays(out: &mut Vec<u8>, r: &Record, sections: ShownSections) {
    write_record(out, r, sections);
}

fn write_record(out: &mut Vec<u8>, r: &Record, sections: ShownSections) {
    let s = &r.stats;
    if sections.delays {
        out.extend_from_slice(match r.kind {
            RecordKind::Pid => b"PID\t",
            RecordKind::Tgid => b"TGID\t",
        });
        out.extend_from_slice(itoa::Buffer::new().format(r.id).as_bytes());
        out.push(b'\n');
        write_delays(out, r);
    }
    if sections.io {
        out.extend_from_slice(&human::name_bytes(s.ac_comm.as_deref().unwrap_or_default()));
        out.extend_from_slice(b": read=");
        out.extend_from_slice(
            itoa::Buffer::new()
                .format(s.read_bytes.unwrap_or(0))
                .as_bytes(),
        );
        out.extend_from_slice(b", write=");
        out.extend_from_slice(
            itoa::Buffer::new()
                .format(s.write_bytes.unwrap_or(0))
                .as_bytes(),
        );
        out.extend_from_slice(b", cancelled_write=");
        out.extend_from_slice(
            itoa::Buffer::new()
                .format(s.cancelled_write_bytes.unwrap_or(0))
                .as_bytes(),
        );
        out.push(b'\n');
    }
    if sections.context_switches {
        out.extend_from_slice(b"\n\nTask   ");
        right(out, b"voluntary", 15);
        right(out, b"nonvoluntary", 15);
        out.extend_from_slice(b"\n       ");
        number(out, s.nvcsw.unwrap_or(0), 15);
        number(out, s.nivcsw.unwrap_or(0), 15);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::TaskStats;
    use proptest::prelude::*;
    use std::io::Write;

    // The core::fmt renderer this replaced: the oracle.
    fn old_write_delays(out: &mut dyn Write, r: &Record) -> io::Result<()> {
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
    fn old_write_getdelays(
        out: &mut dyn Write,
        r: &Record,
        sections: ShownSections,
    ) -> io::Result<()> {
        let s = &r.stats;
        if sections.delays {
            let tag = match r.kind {
                RecordKind::Pid => "PID",
                RecordKind::Tgid => "TGID",
            };
            writeln!(out, "{tag}\t{}", r.id)?;
            old_write_delays(out, r)?;
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

    fn record(kind: RecordKind, version: u16, ext: Extension, v: &[u64]) -> Record {
        let mut s = TaskStats {
            version,
            extension: ext,
            ac_comm: Some(b"na\tme".to_vec()),
            ..Default::default()
        };
        let mut it = v.iter().copied().cycle();
        for c in Category::ALL {
            let d = &mut s.delays[c];
            d.count = Some(it.next().unwrap_or(0));
            d.total_ns = Some(it.next().unwrap_or(0));
            d.max_ns = Some(it.next().unwrap_or(0));
            d.min_ns = Some(it.next().unwrap_or(0));
        }
        s.cpu_run_real_total = it.next();
        s.cpu_run_virtual_total = it.next();
        s.read_bytes = it.next();
        s.nvcsw = it.next();
        Record {
            kind,
            id: 42,
            stats: s,
            origin: Default::default(),
        }
    }

    fn both(r: &Record, sections: ShownSections) -> (Vec<u8>, Vec<u8>) {
        let mut new = Vec::new();
        write_getdelays(&mut new, r, sections);
        let mut old = Vec::new();
        old_write_getdelays(&mut old, r, sections).unwrap();
        (new, old)
    }

    proptest! {
        /// Byte for byte the text of the core::fmt renderer, for figures
        /// from 0 to u64::MAX and around the 2^40 ns switch.
        #[test]
        fn same_text_as_core_fmt(
            v in proptest::collection::vec(
                prop_oneof![Just(0u64), 0u64..2_000_000, (1u64 << 40) - 5..(1u64 << 40) + 5, any::<u64>()],
                36,
            ),
            version in prop_oneof![Just(8u16), Just(15), Just(16), Just(17)],
            tgid in any::<bool>(),
        ) {
            let kind = if tgid { RecordKind::Tgid } else { RecordKind::Pid };
            for ext in [Extension::None, Extension::MaxTimestamps] {
                let r = record(kind, version, ext, &v);
                let (new, old) = both(&r, ShownSections::default().or_all());
                prop_assert_eq!(String::from_utf8_lossy(&new), String::from_utf8_lossy(&old));
            }
        }
    }
}
