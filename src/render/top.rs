//! `taskstat top`'s screens: batch tables and the full-screen view.

use std::io::{self, Write};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Paragraph, Row as TRow, Table};

use super::human::{self, NONE};
use super::table;
use crate::host::procfs::{NoPressure, Pressure};
use crate::record::top::{Counts, Row, TopSort};

fn fmt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| format!("{v:.1}"))
}

fn fmt_rate(v: Option<f64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| human::bytes(Some(v as u64)))
}

/// The column titles of a top table: the first two name what a row is
/// (PID and COMMAND, or TASKS and CGROUP for `--by cgroup`); `counts`
/// says whether the counts are per second or totals (`-a`).
pub fn header(rows: [&'static str; 2], counts: Counts) -> [&'static str; 10] {
    let totals = counts == Counts::Totals;
    [
        rows[0],
        rows[1],
        "CPU%",
        "RUNQ%",
        "IO%",
        "MEM%",
        "IRQ%",
        if totals { "CSW" } else { "CSW/s" },
        if totals { "READ" } else { "READ/s" },
        if totals { "WRITE" } else { "WRITE/s" },
    ]
}

/// A row's cells, as the header orders them.
pub fn cells(r: &Row) -> [String; 10] {
    [
        r.id.to_string(),
        human::name(&r.comm).into_owned(),
        fmt_pct(r.cpu),
        fmt_pct(r.runq),
        fmt_pct(r.io),
        fmt_pct(r.mem),
        fmt_pct(r.irq),
        r.switches
            .map_or_else(|| NONE.to_string(), |v| format!("{v:.0}")),
        fmt_rate(r.read),
        fmt_rate(r.write),
    ]
}

/// One plain table of ranked rows (`top -b`).
pub fn write_batch(
    out: &mut dyn Write,
    rows: &[Row],
    columns: [&'static str; 2],
    counts: Counts,
    limit: Option<usize>,
) -> io::Result<()> {
    let header = header(columns, counts);
    let mut t = table::columns(header);
    for r in rows.iter().take(limit.unwrap_or(usize::MAX)) {
        t.add_row(cells(r));
    }
    // Numbers right, the name (COMMAND, CGROUP, USER) left.
    table::align_right(&mut t, (0..header.len()).filter(|&i| i != 1));
    writeln!(out, "{}", table::render(&mut t))
}

/// The pressure lines, one per resource and kind.
pub fn pressure_lines(p: &Result<Vec<Pressure>, NoPressure>) -> Vec<String> {
    match p {
        Err(why) => vec![format!("PSI: {why}")],
        Ok(lines) => lines
            .iter()
            .map(|l| {
                let v = |x: &Option<String>| x.clone().unwrap_or_else(|| NONE.to_string());
                format!(
                    "{:<6} {:<4}  avg10 {:>6}%  avg60 {:>6}%  avg300 {:>6}%",
                    l.resource,
                    l.kind,
                    v(&l.avg10),
                    v(&l.avg60),
                    v(&l.avg300)
                )
            })
            .collect(),
    }
}

/// What the full-screen view shows at one moment.
pub struct Screen<'a> {
    pub pressure: &'a [String],
    pub rows: &'a [Row],
    /// What a row is: the first two column titles.
    pub columns: [&'static str; 2],
    /// processes, threads, cgroups...
    pub what: &'static str,
    pub counts: Counts,
    pub sort: TopSort,
    pub interval: f64,
    pub limit: Option<usize>,
    /// The filters in force, e.g. "user 0, only active".
    pub filters: &'a str,
    pub status: &'a str,
}

/// Draws the full-screen view: pressure and a summary line, the table, the keys.
pub fn draw(f: &mut Frame, s: &Screen) {
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(s.pressure.len() as u16 + 1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let filters = if s.filters.is_empty() {
        String::new()
    } else {
        format!(" · {}", s.filters)
    };
    // No pressure lines (replay): the summary is the first line.
    let pressure = if s.pressure.is_empty() {
        String::new()
    } else {
        s.pressure.join("\n") + "\n"
    };
    let text = format!(
        "{pressure}{} {} by {}{filters} · refresh {:.1} s · {}",
        s.rows.len(),
        s.what,
        s.sort.name(),
        s.interval,
        s.status
    );
    f.render_widget(Paragraph::new(text), head);
    let header = TRow::new(header(s.columns, s.counts).to_vec())
        .style(Style::default().add_modifier(Modifier::REVERSED));
    let visible = body.height.saturating_sub(1) as usize;
    let limit = s.limit.unwrap_or(usize::MAX).min(visible);
    let body_rows: Vec<TRow> = s
        .rows
        .iter()
        .take(limit)
        .map(|r| TRow::new(cells(r).to_vec()))
        .collect();
    let widths = [
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Length(11),
    ];
    f.render_widget(Table::new(body_rows, widths).header(header), body);
    let keys: Vec<String> = TopSort::ALL
        .iter()
        .map(|k| format!("{} {}", k.key(), k.name()))
        .collect();
    f.render_widget(
        Paragraph::new(format!(
            "q quit · H threads · o only active · a totals · sort: {}",
            keys.join("  ")
        )),
        foot,
    );
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::*;

    fn row(id: u32, comm: &str) -> Row {
        Row {
            id,
            comm: comm.into(),
            cpu: Some(12.5),
            runq: Some(0.0),
            io: None,
            mem: None,
            irq: None,
            switches: Some(3.0),
            read: Some(0.0),
            write: Some(2048.0),
        }
    }

    fn batch(rows: &[Row]) -> String {
        let mut out = Vec::new();
        write_batch(&mut out, rows, ["PID", "COMMAND"], Counts::Totals, None).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A CJK character takes two cells on a terminal: the column after a
    /// CJK name starts where it starts in the other rows, counted in cells,
    /// not in chars or bytes.
    #[test]
    fn a_cjk_name_lines_up_the_next_column() {
        let out = batch(&[row(1, "sleep"), row(25035, "名前テスト")]);
        assert_eq!(
            out,
            [
                "  PID  COMMAND     CPU%  RUNQ%  IO%  MEM%  IRQ%  CSW  READ    WRITE",
                "    1  sleep       12.5    0.0    -     -     -    3   0 B  2.0 KiB",
                "25035  名前テスト  12.5    0.0    -     -     -    3   0 B  2.0 KiB\n",
            ]
            .join("\n")
        );
        // Where the CPU% column ends, in cells: 5 + 2 + 10 + 2 + 4.
        let cpu_ends: Vec<usize> = out
            .lines()
            .zip(["CPU%", "12.5", "12.5"])
            .map(|(l, cell)| l[..l.find(cell).unwrap() + cell.len()].width())
            .collect();
        assert_eq!(cpu_ends, [23, 23, 23]);
    }

    /// Names come from tasks: a tab, newline or escape in one must neither
    /// break a row nor reach the terminal (human::name makes them `?`).
    #[test]
    fn control_characters_in_names_print_as_question_marks() {
        let out = batch(&[row(7, "ta\tb\u{1b}c\n"), row(8, "x")]);
        assert_eq!(
            out,
            [
                "PID  COMMAND  CPU%  RUNQ%  IO%  MEM%  IRQ%  CSW  READ    WRITE",
                "  7  ta?b?c?  12.5    0.0    -     -     -    3   0 B  2.0 KiB",
                "  8  x        12.5    0.0    -     -     -    3   0 B  2.0 KiB\n",
            ]
            .join("\n")
        );
    }
}
