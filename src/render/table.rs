//! The human tables: one block per record, sections chosen by
//! [`ShownSections`]; and the borderless columns every table of taskstat's
//! is laid out in (record sections, interval delays, `top -b`).

use std::io::{self, Write};

use comfy_table::{
    CellAlignment, ColumnConstraint, ContentArrangement, Row, Table, Width, presets,
};

use super::ShownSections;
use super::human::{self, NONE, TimeUnit};
use crate::model::notes::{NOTE_MAX_AT_PREFIX, NOTE_NO_EXIT, NOTE_SOFTIRQ_PREFIX};
use crate::model::totals::Totals;
use crate::model::{
    ContextSwitchesView, CpuView, DelayView, Delays, IoView, MemoryView, RecordView,
};
use crate::wire::{Category, RecordKind};

/// Width of the first column in every section, so that values line up
/// (the two spaces after it make it 26).
const KEY_WIDTH: u16 = 24;

/// The blanks after each column: no borders, so this is all that parts them.
const GAP: u16 = 2;

/// A borderless table under `header`: each column as wide as its widest
/// cell, measured in display width (a CJK character takes two), no
/// wrapping. Tables go to pipes as often as to terminals and must read the
/// same in both, so comfy-table neither asks the terminal for its width nor
/// styles anything: it is built without its `tty` feature (Cargo.toml), which
/// would also bring a crossterm of its own. (comfy-table makes a column with
/// no text one blank wide; every column here has a title, or is the last,
/// whose blanks are trimmed.)
pub(super) fn columns(header: impl Into<Row>) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    t
}

/// Right-aligns the columns `cols` (numbers).
pub(super) fn align_right(t: &mut Table, cols: impl IntoIterator<Item = usize>) {
    for i in cols {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Makes column `i` at least `width` wide (the gap comes after), so that
/// the sections of a record line up.
pub(super) fn min_width(t: &mut Table, i: usize, width: u16) {
    if let Some(c) = t.column_mut(i) {
        // comfy-table counts the padding in a column's width.
        c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(
            width.saturating_add(GAP),
        )));
    }
}

/// The lines, joined by newlines, without a final one. The gap is set here,
/// when every column exists: a row longer than the header adds columns.
/// The last column's gap, and the padding of short cells in it, would be
/// trailing blanks: they are trimmed.
pub(super) fn render(t: &mut Table) -> String {
    for c in t.column_iter_mut() {
        c.set_padding((0, GAP));
    }
    t.trim_fmt()
}

/// A titled section of key/value rows.
pub fn kv_section(out: &mut dyn Write, title: &str, rows: &[(&str, String)]) -> io::Result<()> {
    let mut t = columns([title, ""]);
    for (k, v) in rows {
        t.add_row([*k, v.as_str()]);
    }
    min_width(&mut t, 0, KEY_WIDTH);
    align_right(&mut t, [1]);
    writeln!(out, "{}\n", render(&mut t))
}

/// The delay categories as rows: count, total and average, then the
/// columns `more` names, filled by `extra`. A category only some kernels
/// send has a row only where the kernel sent it.
pub(super) fn delay_rows(
    delays: &Delays,
    more: &[&str],
    extra: impl Fn(Category, &DelayView) -> Vec<String>,
) -> Table {
    let mut header = vec!["DELAYS", "count", "total", "average"];
    header.extend_from_slice(more);
    let mut t = columns(header);
    let total = TimeUnit::of_ns(delays.each().map(|(_, d)| d.total_ns));
    let average = TimeUnit::of_ns(delays.each().map(|(_, d)| d.average_ns));
    for (c, d) in delays.each() {
        if c.info().optional && d.count.is_none() {
            continue;
        }
        let mut row = vec![
            c.key().to_string(),
            human::count(d.count),
            total.ns(d.total_ns),
            average.ns(d.average_ns),
        ];
        row.extend(extra(c, d));
        t.add_row(row);
    }
    align_right(&mut t, 1..4 + more.len());
    t
}

fn delays_section(out: &mut dyn Write, delays: &Delays) -> io::Result<()> {
    let max = TimeUnit::of_ns(delays.each().map(|(_, d)| d.max_ns));
    let min = TimeUnit::of_ns(delays.each().map(|(_, d)| d.min_ns));
    let mut t = delay_rows(delays, &["max", "min"], |_, d| {
        vec![max.ns(d.max_ns), min.ns(d.min_ns)]
    });
    min_width(&mut t, 0, KEY_WIDTH);
    writeln!(out, "{}\n", render(&mut t))
}

/// The measured sections of a record, or of a sum of records.
pub struct Measures<'a> {
    pub cpu: &'a CpuView,
    pub delays: &'a Delays,
    pub context_switches: &'a ContextSwitchesView,
    pub io: &'a IoView,
    pub memory: &'a MemoryView,
}

impl Measures<'_> {
    pub fn of_record(r: &RecordView) -> Measures<'_> {
        Measures {
            cpu: &r.cpu,
            delays: &r.delays,
            context_switches: &r.context_switches,
            io: &r.io,
            memory: &r.memory,
        }
    }

    pub fn of_totals(t: &Totals) -> Measures<'_> {
        Measures {
            cpu: &t.cpu,
            delays: &t.delays,
            context_switches: &t.context_switches,
            io: &t.io,
            memory: &t.memory,
        }
    }
}

/// CPU, delays, context switches, I/O and memory, as `s` selects.
pub fn write_measures(out: &mut dyn Write, m: &Measures, s: ShownSections) -> io::Result<()> {
    if s.cpu {
        let c = m.cpu;
        // The section's values are one column: one unit for all of them.
        let unit = TimeUnit::of_ns(
            [c.user_us, c.system_us, c.user_scaled_us, c.system_scaled_us]
                .map(|v| v.map(|v| v.saturating_mul(1000)))
                .into_iter()
                .chain([c.run_real_ns, c.run_virtual_ns, c.run_scaled_ns]),
        );
        kv_section(
            out,
            "CPU",
            &[
                ("user", unit.us(c.user_us)),
                ("system", unit.us(c.system_us)),
                ("user scaled", unit.us(c.user_scaled_us)),
                ("system scaled", unit.us(c.system_scaled_us)),
                ("run real (tick sampled)", unit.ns(c.run_real_ns)),
                ("run virtual (precise)", unit.ns(c.run_virtual_ns)),
                ("run scaled", unit.ns(c.run_scaled_ns)),
            ],
        )?;
    }
    if s.delays {
        delays_section(out, m.delays)?;
    }
    if s.context_switches {
        kv_section(
            out,
            "CONTEXT SWITCHES",
            &[
                ("voluntary", human::count(m.context_switches.voluntary)),
                ("involuntary", human::count(m.context_switches.involuntary)),
            ],
        )?;
    }
    if s.io {
        kv_section(
            out,
            "I/O",
            &[
                ("read from storage", human::bytes(m.io.read_bytes)),
                ("written to storage", human::bytes(m.io.write_bytes)),
                ("cancelled writes", human::bytes(m.io.cancelled_write_bytes)),
                ("read (syscall bytes)", human::bytes(m.io.read_chars)),
                ("written (syscall bytes)", human::bytes(m.io.write_chars)),
                ("read syscalls", human::count(m.io.read_syscalls)),
                ("write syscalls", human::count(m.io.write_syscalls)),
            ],
        )?;
    }
    if s.memory {
        kv_section(
            out,
            "MEMORY",
            &[
                ("peak RSS", human::kib(m.memory.hiwater_rss_kib)),
                ("peak VM", human::kib(m.memory.hiwater_vm_kib)),
                ("RSS x time (MB·µs)", human::count(m.memory.coremem_mb_us)),
                ("VM x time (MB·µs)", human::count(m.memory.virtmem_mb_us)),
                ("minor faults", human::count(m.memory.minor_faults)),
                ("major faults", human::count(m.memory.major_faults)),
            ],
        )?;
    }
    Ok(())
}

fn heading(r: &RecordView) -> String {
    let comm = r
        .comm
        .as_deref()
        .map(|c| format!(" ({})", human::name(c)))
        .unwrap_or_default();
    let from = match r.version {
        Some(v) => format!("struct v{v}"),
        None => "from /proc (partial)".to_string(),
    };
    format!("{} {}{comm} · {from}", r.kind.name().to_uppercase(), r.id)
}

fn write_one(out: &mut dyn Write, r: &RecordView, s: ShownSections) -> io::Result<()> {
    writeln!(out, "{}", heading(r))?;
    if s.cpu {
        let elapsed = if r.kind == RecordKind::Tgid {
            "elapsed (sum of threads)"
        } else {
            "elapsed"
        };
        let unit = TimeUnit::of_us([r.elapsed_us, r.group_elapsed_us]);
        kv_section(
            out,
            "TASK",
            &[
                ("pid / tgid / ppid", ids(&[r.pid, r.tgid, r.ppid])),
                ("uid / gid", ids(&[r.uid, r.gid])),
                (
                    "nice",
                    r.nice.map_or_else(|| NONE.to_string(), |n| n.to_string()),
                ),
                ("policy", human::sched_policy(r.sched_policy)),
                ("started", human::epoch(r.start_time)),
                (elapsed, unit.us(r.elapsed_us)),
                ("group elapsed", unit.us(r.group_elapsed_us)),
                ("flags", human::acct_flags(r.flags)),
                ("exit status", human::exit_status(r.exit_code)),
            ],
        )?;
    }
    write_measures(out, &Measures::of_record(r), s)?;
    // Tables show neither max_at nor an absent softirq row: their notes
    // would only explain what is not there. A running task's exit status
    // of `-` needs no note.
    for n in r.notes.iter().filter(|n| {
        !n.starts_with(NOTE_MAX_AT_PREFIX)
            && !n.starts_with(NOTE_SOFTIRQ_PREFIX)
            && *n != NOTE_NO_EXIT
    }) {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

fn ids(v: &[Option<u32>]) -> String {
    v.iter()
        .map(|i| i.map_or_else(|| NONE.to_string(), |i| i.to_string()))
        .collect::<Vec<_>>()
        .join(" / ")
}

pub fn write_table(
    out: &mut dyn Write,
    records: &[&RecordView],
    s: ShownSections,
) -> io::Result<()> {
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_one(out, r, s.or_all())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_pad_and_trim() {
        let mut t = columns(["DELAYS", "count", "total"]);
        t.add_row(["cpu", "2", "1.179 ms"]);
        t.add_row(["blkio", "-", "-"]);
        t.add_row(["é名", "12345", ""]);
        align_right(&mut t, [1, 2]);
        min_width(&mut t, 0, 8);
        assert_eq!(
            render(&mut t),
            "DELAYS    count     total\n\
             cpu           2  1.179 ms\n\
             blkio         -         -\n\
             é名       12345"
        );
    }

    #[test]
    fn an_empty_table_is_its_header() {
        assert_eq!(render(&mut columns(["TASK", ""])), "TASK");
    }

    /// Whatever stdout is, comfy-table must not look at it: a terminal
    /// would get its width and styles, a pipe not. Without its `tty`
    /// feature it has no means to.
    #[test]
    fn the_terminal_is_never_consulted() {
        let t = columns(["A"]);
        assert!(t.width().is_none());
    }

    /// Values start at column 26 in every section, whether its keys are
    /// short or long, and a longer key widens only its own section.
    #[test]
    fn sections_line_up() {
        let mut out = Vec::new();
        kv_section(&mut out, "CPU", &[("user", "1.000 ms".into())]).unwrap();
        kv_section(&mut out, "I/O", &[("read", "12.5 KiB".into())]).unwrap();
        let long = "a key longer than twenty-four";
        kv_section(&mut out, "X", &[(long, "7".into())]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "CPU\n\
             user                      1.000 ms\n\
             \n\
             I/O\n\
             read                      12.5 KiB\n\
             \n\
             X\n\
             a key longer than twenty-four  7\n\
             \n"
        );
    }

    /// A column is in s only where all its figures (zeros aside) are 10 s
    /// or more; else every figure in it is in ms, so that none of them
    /// rounds to nothing and the column never mixes units.
    #[test]
    fn one_unit_per_column() {
        use crate::model::{Accounting, Record};
        use crate::wire::TaskStats;
        let mut s = TaskStats {
            version: 16,
            payload_len: 560,
            ac_etime: Some(100_000_000),
            ac_utime: Some(12_000_000),
            ac_stime: Some(5_000),
            ..Default::default()
        };
        s.delays[Category::Cpu].count = Some(2);
        s.delays[Category::Cpu].total_ns = Some(24_000_000_000);
        s.delays[Category::Cpu].max_ns = Some(20_000_000_000);
        s.delays[Category::Blkio].count = Some(1);
        s.delays[Category::Blkio].total_ns = Some(5_000_000);
        s.delays[Category::Blkio].max_ns = Some(5_000_000);
        s.delays[Category::Swapin].count = Some(1);
        s.delays[Category::Swapin].total_ns = Some(0);
        s.delays[Category::Swapin].max_ns = Some(0);
        let view = Record {
            kind: RecordKind::Pid,
            id: 7,
            stats: s,
            origin: Default::default(),
        }
        .view(&Accounting {
            delayacct: Some(true),
            ..Accounting::default()
        });
        let mut out = Vec::new();
        write_table(&mut out, &[&view], ShownSections::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = |key: &str| {
            let found = text.lines().find(|l| l.starts_with(key));
            let line = found.unwrap_or_else(|| panic!("no {key} line in\n{text}"));
            line.split_whitespace()
                .map(String::from)
                .collect::<Vec<_>>()
        };
        // total and max mix 24 s and 5 ms: ms; average is 12 s, 5 ms: ms.
        assert_eq!(
            line("cpu "),
            [
                "cpu",
                "2",
                "24000.000",
                "ms",
                "12000.000",
                "ms",
                "20000.000",
                "ms",
                "-"
            ],
            "{text}"
        );
        assert_eq!(
            line("blkio "),
            [
                "blkio", "1", "5.000", "ms", "5.000", "ms", "5.000", "ms", "-"
            ],
            "{text}"
        );
        // CPU: user's 12 s beside system's 5 ms, in ms.
        assert_eq!(line("user "), ["user", "12000.000", "ms"], "{text}");
        assert_eq!(line("system "), ["system", "5.000", "ms"], "{text}");
        // TASK: elapsed alone, 100 s: s.
        assert_eq!(line("elapsed "), ["elapsed", "100.000", "s"], "{text}");
        // Every figure of 10 s or more, zeros aside: s.
        assert_eq!(
            TimeUnit::of_ns([Some(0), None, Some(10_000_000_000)]),
            TimeUnit::S
        );
        assert_eq!(TimeUnit::of_ns([None, None]), TimeUnit::Ms);
        assert_eq!(
            TimeUnit::of_ns([Some(1), Some(10_000_000_000)]),
            TimeUnit::Ms
        );
    }
}
