//! `taskstat top`'s screens: batch tables and the full-screen view.

use std::io::{self, Write};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Paragraph, Row as TRow, Table};

use serde::Serialize;
use serde::ser::SerializeMap;

use super::Format;
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
/// says whether the counts are per second or totals (`-a`); `groups` adds
/// the columns of cgroup rows (pressure and workload names).
pub fn header(rows: [&'static str; 2], counts: Counts, groups: bool) -> Vec<&'static str> {
    let totals = counts == Counts::Totals;
    let mut h = vec![
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
    ];
    if groups {
        h.extend(GROUP_COLUMNS);
    }
    h
}

/// The share of the interval some task of the group was stalled (PSI
/// "some"), per resource; then the group's workload names.
const GROUP_COLUMNS: [&str; 6] = [
    "CPU-PSI%",
    "IO-PSI%",
    "MEM-PSI%",
    "UNIT",
    "CONTAINER",
    "POD",
];

/// How much of a container id a table shows: what `docker ps` shows (JSON
/// has it whole).
const SHORT_ID: usize = 12;

/// A row's cells, as the header orders them (`groups` as there).
pub fn cells(r: &Row, groups: bool) -> Vec<String> {
    let mut c = vec![
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
    ];
    if groups {
        let g = r.group.clone().unwrap_or_default();
        let name =
            |v: Option<&str>| v.map_or_else(|| NONE.to_string(), |v| human::name(v).into_owned());
        c.extend([
            fmt_pct(g.stalled.cpu),
            fmt_pct(g.stalled.io),
            fmt_pct(g.stalled.memory),
            name(g.names.unit.as_deref()),
            name(
                g.names
                    .container_id
                    .as_deref()
                    .map(|id| &id[..id.len().min(SHORT_ID)]),
            ),
            name(g.names.pod_uid.as_deref()),
        ]);
    }
    c
}

/// One plain table of ranked rows (`top -b`).
pub fn write_batch(
    out: &mut dyn Write,
    rows: &[Row],
    columns: [&'static str; 2],
    groups: bool,
    counts: Counts,
    limit: Option<usize>,
) -> io::Result<()> {
    let header = header(columns, counts, groups);
    let width = header.len();
    let mut t = table::columns(header);
    for r in rows.iter().take(limit.unwrap_or(usize::MAX)) {
        t.add_row(cells(r, groups));
    }
    // Numbers right; the name (COMMAND, CGROUP, USER) and the workload
    // names (the last three of a group's columns) left.
    let names_from = if groups { width - 3 } else { width };
    table::align_right(&mut t, (0..names_from).filter(|&i| i != 1));
    writeln!(out, "{}", table::render(&mut t))
}

/// `top -b`'s output, refresh after refresh: tables parted by a blank
/// line, or (--json) one JSON array with an element per refresh.
pub struct Batch {
    format: Format,
    columns: [&'static str; 2],
    groups: bool,
    counts: Counts,
    limit: Option<usize>,
    refreshes: u64,
}

impl Batch {
    pub fn new(
        format: Format,
        columns: [&'static str; 2],
        groups: bool,
        counts: Counts,
        limit: Option<usize>,
    ) -> Batch {
        Batch {
            format,
            columns,
            groups,
            counts,
            limit,
            refreshes: 0,
        }
    }

    /// One refresh: its rows, ranked, over `secs`.
    pub fn refresh(&mut self, out: &mut dyn Write, rows: &[Row], secs: f64) -> io::Result<()> {
        self.refreshes += 1;
        match self.format {
            Format::Json | Format::Ndjson => {
                out.write_all(if self.refreshes == 1 { b"[\n" } else { b",\n" })?;
                let limit = self.limit.unwrap_or(usize::MAX);
                let doc = JsonRefresh {
                    refresh: self.refreshes,
                    seconds: secs,
                    counts: match self.counts {
                        Counts::PerSecond => "per_second",
                        Counts::Totals => "totals",
                    },
                    rows: rows
                        .iter()
                        .take(limit)
                        .map(|r| JsonRow {
                            row: r,
                            batch: self,
                        })
                        .collect(),
                };
                let mut buf = serde_json::to_vec_pretty(&doc)?;
                buf.push(b'\n');
                out.write_all(&buf)
            }
            Format::Table | Format::Csv | Format::Getdelays => {
                if self.refreshes > 1 {
                    writeln!(out)?;
                }
                write_batch(
                    out,
                    rows,
                    self.columns,
                    self.groups,
                    self.counts,
                    self.limit,
                )
            }
        }
    }

    /// Closes what the refreshes opened (the JSON array, even an empty one).
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.format {
            Format::Json | Format::Ndjson if self.refreshes == 0 => out.write_all(b"[]\n"),
            Format::Json | Format::Ndjson => out.write_all(b"]\n"),
            Format::Table | Format::Csv | Format::Getdelays => Ok(()),
        }
    }

    /// The JSON key of each of the two first columns.
    fn keys(&self) -> [&'static str; 2] {
        self.columns.map(|c| match c {
            "PID" => "pid",
            "TID" => "tid",
            "TASKS" => "tasks",
            "CGROUP" => "cgroup",
            "USER" => "user",
            _ => "comm",
        })
    }
}

#[derive(Serialize)]
struct JsonRefresh<'a> {
    refresh: u64,
    seconds: f64,
    counts: &'static str,
    rows: Vec<JsonRow<'a>>,
}

/// A row as JSON: the table's columns with their exact values (null where
/// not measured), the names whole.
struct JsonRow<'a> {
    row: &'a Row,
    batch: &'a Batch,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.row;
        let [id, name] = self.batch.keys();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(id, &r.id)?;
        m.serialize_entry(name, &r.comm)?;
        let g = r.group.clone().unwrap_or_default();
        if self.batch.groups {
            m.serialize_entry("unit", &g.names.unit)?;
            m.serialize_entry("container_id", &g.names.container_id)?;
            m.serialize_entry("pod_uid", &g.names.pod_uid)?;
        }
        m.serialize_entry("cpu_percent", &r.cpu)?;
        m.serialize_entry("runq_percent", &r.runq)?;
        m.serialize_entry("io_percent", &r.io)?;
        m.serialize_entry("mem_percent", &r.mem)?;
        m.serialize_entry("irq_percent", &r.irq)?;
        let totals = self.batch.counts == Counts::Totals;
        let (sw, rd, wr) = if totals {
            ("switches", "read_bytes", "write_bytes")
        } else {
            (
                "switches_per_second",
                "read_bytes_per_second",
                "write_bytes_per_second",
            )
        };
        m.serialize_entry(sw, &r.switches)?;
        m.serialize_entry(rd, &r.read)?;
        m.serialize_entry(wr, &r.write)?;
        if self.batch.groups {
            m.serialize_entry("pressure_some_percent", &g.stalled)?;
        }
        m.end()
    }
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
    /// Rows are cgroups: their pressure and names have columns too.
    pub groups: bool,
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
    let header = TRow::new(header(s.columns, s.counts, s.groups))
        .style(Style::default().add_modifier(Modifier::REVERSED));
    let visible = body.height.saturating_sub(1) as usize;
    let limit = s.limit.unwrap_or(usize::MAX).min(visible);
    let body_rows: Vec<TRow> = s
        .rows
        .iter()
        .take(limit)
        .map(|r| TRow::new(cells(r, s.groups)))
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
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(24),
        Constraint::Length(13),
        Constraint::Length(37),
    ];
    let widths = &widths[..if s.groups { widths.len() } else { 10 }];
    f.render_widget(
        Table::new(body_rows, widths.iter().copied()).header(header),
        body,
    );
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
            group: None,
        }
    }

    fn batch(rows: &[Row]) -> String {
        let mut out = Vec::new();
        write_batch(
            &mut out,
            rows,
            ["PID", "COMMAND"],
            false,
            Counts::Totals,
            None,
        )
        .unwrap();
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

    /// A cgroup row: its share of time stalled per resource (- where the
    /// group keeps none), its names (a container id as docker ps shows it);
    /// JSON has the id whole, and null where nothing is measured or named.
    #[test]
    fn group_rows_show_pressure_and_names() {
        use crate::record::pressure::StallShares;
        use crate::record::top::GroupDetails;
        use crate::record::workload::WorkloadNames;
        let id = "0123456789abcdef".repeat(4);
        let mut r = row(2, &format!("/system.slice/docker-{id}.scope"));
        r.group = Some(GroupDetails {
            names: WorkloadNames::of(&r.comm),
            stalled: StallShares {
                cpu: Some(42.25),
                io: Some(0.0),
                memory: None,
            },
        });
        let mut out = Vec::new();
        let mut b = Batch::new(
            Format::Table,
            ["TASKS", "CGROUP"],
            true,
            Counts::PerSecond,
            None,
        );
        b.refresh(&mut out, std::slice::from_ref(&r), 1.0).unwrap();
        b.finish(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("CPU-PSI%  IO-PSI%  MEM-PSI%  UNIT  CONTAINER     POD"),
            "{text}"
        );
        assert!(
            lines[1].ends_with("    42.2      0.0         -  -     0123456789ab  -"),
            "{text}"
        );
        let mut out = Vec::new();
        let mut b = Batch::new(
            Format::Json,
            ["TASKS", "CGROUP"],
            true,
            Counts::PerSecond,
            None,
        );
        b.refresh(&mut out, std::slice::from_ref(&r), 1.0).unwrap();
        b.refresh(&mut out, &[], 1.0).unwrap();
        b.finish(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let row = &v[0]["rows"][0];
        assert_eq!(row["tasks"], 2);
        assert_eq!(row["container_id"], id.as_str());
        assert!(row["unit"].is_null() && row["pod_uid"].is_null());
        assert_eq!(row["pressure_some_percent"]["cpu"], 42.25);
        assert!(row["pressure_some_percent"]["memory"].is_null());
        assert!(row["io_percent"].is_null());
        assert_eq!(v[1]["refresh"], 2);
        // Nothing refreshed: still an array.
        let mut out = Vec::new();
        Batch::new(
            Format::Json,
            ["PID", "COMMAND"],
            false,
            Counts::Totals,
            None,
        )
        .finish(&mut out)
        .unwrap();
        assert_eq!(out, b"[]\n");
    }
}
