//! `taskstat top`'s screens: batch tables and the full-screen view.

use std::io::{self, Write};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row as TRow, Table};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use serde::Serialize;
use serde::ser::SerializeMap;

use super::Format;
use super::human::{self, NONE};
use super::sink::JsonArray;
use super::table;
use crate::host::procfs::{NoPressure, Pressure};
use crate::model::top::{Counts, Row, TopSort};
use crate::time::{local_time, rfc3339};

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
    json: JsonArray,
    /// What the rows are (processes, cgroups...), for the line before each
    /// table: set, each table has one, as procps top's header.
    what: Option<&'static str>,
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
            json: JsonArray::pretty(),
            what: None,
        }
    }

    /// A line before each table: when it was taken, how many `what`, over
    /// what time (`--json`: each refresh's `time`).
    pub fn with_time_line(mut self, what: &'static str) -> Batch {
        self.what = Some(what);
        self
    }

    /// One refresh: its rows, ranked, over `secs`.
    pub fn refresh(&mut self, out: &mut dyn Write, rows: &[Row], secs: f64) -> io::Result<()> {
        self.refreshes += 1;
        let now_ns = i64::try_from(jiff::Timestamp::now().as_nanosecond()).unwrap_or(i64::MAX);
        match self.format {
            Format::Json | Format::Ndjson => {
                let limit = self.limit.unwrap_or(usize::MAX);
                // The rows borrow the batch: the array is taken out meanwhile.
                let mut json = std::mem::replace(&mut self.json, JsonArray::pretty());
                let doc = JsonRefresh {
                    time: self.what.map(|_| rfc3339(now_ns)),
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
                let mut buf = Vec::with_capacity(8192);
                let written = json.element(&mut buf, &doc);
                drop(doc);
                self.json = json;
                written?;
                out.write_all(&buf)
            }
            Format::Table | Format::Csv | Format::Getdelays | Format::Openmetrics => {
                if self.refreshes > 1 {
                    writeln!(out)?;
                }
                if let Some(what) = self.what {
                    let since = now_ns.saturating_sub((secs * 1e9) as i64);
                    let over = match self.counts {
                        Counts::PerSecond => "the",
                        Counts::Totals => "totals over the",
                    };
                    writeln!(
                        out,
                        "{} · {} {what} · {over} {secs:.1} s since {}",
                        local_time(now_ns),
                        rows.len(),
                        local_time(since)
                    )?;
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
            Format::Json | Format::Ndjson => self.json.finish(out),
            Format::Table | Format::Csv | Format::Getdelays | Format::Openmetrics => Ok(()),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
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
    /// The keys the footer lists after `q` and the sort keys, most
    /// important first: (key, what it does). Only keys that work there.
    pub keys: &'a [(&'a str, &'a str)],
    /// Whether colour may be used ([`colour_wanted`]).
    pub colour: bool,
}

/// A column of the full-screen view, in the order of [`header`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Id,
    Name,
    Cpu,
    Runq,
    Io,
    Mem,
    Irq,
    Csw,
    Read,
    Write,
    CpuPsi,
    IoPsi,
    MemPsi,
    Unit,
    Container,
    Pod,
}

impl Col {
    const ALL: [Col; 16] = [
        Col::Id,
        Col::Name,
        Col::Cpu,
        Col::Runq,
        Col::Io,
        Col::Mem,
        Col::Irq,
        Col::Csw,
        Col::Read,
        Col::Write,
        Col::CpuPsi,
        Col::IoPsi,
        Col::MemPsi,
        Col::Unit,
        Col::Container,
        Col::Pod,
    ];

    /// Its width where the terminal is wide, and the narrowest that still
    /// shows every number whole (a shorter unit: 613K, not 612.9 KiB).
    fn widths(self) -> (u16, u16) {
        match self {
            // pid_max is at most 4194304: 7 digits.
            Col::Id => (8, 7),
            Col::Name => (16, MIN_NAME),
            Col::Cpu | Col::Runq | Col::Io | Col::Mem | Col::Irq => (7, 5),
            Col::Csw => (8, 5),
            // human::bytes is at most 10 wide ("1023.9 KiB").
            Col::Read => (11, 6),
            Col::Write => (11, 7),
            Col::CpuPsi | Col::IoPsi | Col::MemPsi => (9, 8),
            Col::Unit => (24, 12),
            Col::Container => (13, 12),
            Col::Pod => (37, 36),
        }
    }

    /// How much it matters when the terminal is too narrow for every
    /// column: the lowest goes first, as htop and iotop drop theirs. What
    /// a row is and who waits for a CPU stay longest.
    fn keep(self) -> u8 {
        match self {
            Col::Pod => 1,
            Col::Container => 2,
            Col::Unit => 3,
            Col::Irq => 4,
            Col::Csw => 5,
            Col::MemPsi => 6,
            Col::Mem => 7,
            Col::IoPsi => 8,
            Col::Write => 9,
            Col::Read => 10,
            Col::CpuPsi => 11,
            Col::Io => 12,
            Col::Cpu => 13,
            Col::Runq => 14,
            Col::Id | Col::Name => u8::MAX,
        }
    }

    fn of_sort(s: TopSort) -> Col {
        match s {
            TopSort::Runq => Col::Runq,
            TopSort::Cpu => Col::Cpu,
            TopSort::Io => Col::Io,
            TopSort::Mem => Col::Mem,
            TopSort::Irq => Col::Irq,
            TopSort::Switches => Col::Csw,
            TopSort::Read => Col::Read,
            TopSort::Write => Col::Write,
            TopSort::Pid => Col::Id,
        }
    }

    /// A share of time spent waiting: coloured above a threshold.
    fn wait(self) -> bool {
        matches!(
            self,
            Col::Runq | Col::Io | Col::Mem | Col::Irq | Col::CpuPsi | Col::IoPsi | Col::MemPsi
        )
    }

    fn number(self) -> bool {
        !matches!(self, Col::Name | Col::Unit | Col::Container | Col::Pod)
    }

    /// Its cell of `r`, in at most `width` cells where it is a number.
    fn cell(self, r: &Row, width: u16) -> String {
        let w = usize::from(width);
        let pct = |v: Option<f64>| v.map_or_else(|| NONE.to_string(), |v| shorten(v, w, true));
        let stalled = || r.group.as_ref().map(|g| g.stalled).unwrap_or_default();
        let names = || {
            r.group
                .as_ref()
                .map(|g| g.names.clone())
                .unwrap_or_default()
        };
        let name =
            |v: Option<&str>| v.map_or_else(|| NONE.to_string(), |v| human::name(v).into_owned());
        match self {
            Col::Id => shorten(f64::from(r.id), w, false),
            Col::Name => human::name(&r.comm).into_owned(),
            Col::Cpu => pct(r.cpu),
            Col::Runq => pct(r.runq),
            Col::Io => pct(r.io),
            Col::Mem => pct(r.mem),
            Col::Irq => pct(r.irq),
            Col::Csw => r
                .switches
                .map_or_else(|| NONE.to_string(), |v| shorten(v, w, false)),
            Col::Read => fit_bytes(r.read, w),
            Col::Write => fit_bytes(r.write, w),
            Col::CpuPsi => pct(stalled().cpu),
            Col::IoPsi => pct(stalled().io),
            Col::MemPsi => pct(stalled().memory),
            Col::Unit => name(names().unit.as_deref()),
            Col::Container => name(
                names()
                    .container_id
                    .as_deref()
                    .map(|id| &id[..id.len().min(SHORT_ID)]),
            ),
            Col::Pod => name(names().pod_uid.as_deref()),
        }
    }
}

/// The narrowest the name column (COMMAND, CGROUP, USER) gets.
const MIN_NAME: u16 = 12;

/// The blank between two columns.
const SPACING: u16 = 1;

/// `v` in at most `w` characters, as exactly as fits: with one decimal
/// (`decimals`), whole, else in thousands, millions... (103745 is 104K),
/// as top shortens what does not fit. Never cut.
pub fn shorten(v: f64, w: usize, decimals: bool) -> String {
    if decimals {
        let s = format!("{v:.1}");
        if s.len() <= w {
            return s;
        }
    }
    let s = format!("{v:.0}");
    if s.len() <= w {
        return s;
    }
    in_units(v, 1000.0, w)
}

/// Bytes in at most `w` characters: as tables write them where that fits
/// ("612.9 KiB"), else in the units top uses (powers of 1024, one letter:
/// "613K"; bytes below 1 KiB as a plain number).
pub fn fit_bytes(v: Option<f64>, w: usize) -> String {
    let Some(v) = v else {
        return NONE.to_string();
    };
    // Wide columns as tables write bytes (up to "1023.9 KiB": 10).
    if w >= 10 {
        let s = human::bytes(Some(v as u64));
        if s.len() <= w {
            return s;
        }
    }
    if v < 1024.0 {
        return format!("{v:.0}");
    }
    in_units(v, 1024.0, w)
}

/// `v` in the first unit (powers of `base`) it is below `base` in, with a
/// decimal where that fits `w`; as `1e21` past the units.
fn in_units(v: f64, base: f64, w: usize) -> String {
    let mut x = v;
    for unit in ["K", "M", "G", "T", "P", "E"] {
        x /= base;
        if x.round() >= base {
            continue;
        }
        for s in [format!("{x:.1}{unit}"), format!("{x:.0}{unit}")] {
            if s.len() <= w {
                return s;
            }
        }
    }
    format!("{v:.0e}")
}

/// The columns that fit in `width`, and how wide each is: every column as
/// wide as wide tables have it where that fits; else each as narrow as
/// its numbers allow and, while that is still too wide, the least useful
/// dropped (never the sort column, nor what a row is). The name takes
/// what is left (a process's name is at most 15 bytes: 16 is room
/// enough; a cgroup's path takes all there is).
fn layout(width: u16, groups: bool, sort: TopSort) -> Vec<(Col, u16)> {
    let all = &Col::ALL[..if groups { Col::ALL.len() } else { 10 }];
    let total = |cols: &[(Col, u16)]| -> u32 {
        cols.iter().map(|(_, w)| u32::from(*w)).sum::<u32>()
            + u32::from(SPACING) * (cols.len() as u32).saturating_sub(1)
    };
    let fits = |cols: &[(Col, u16)]| total(cols) <= u32::from(width);
    let wide: Vec<(Col, u16)> = all.iter().map(|&c| (c, c.widths().0)).collect();
    let mut cols = if fits(&wide) {
        wide
    } else {
        let sorted = Col::of_sort(sort);
        let mut cols: Vec<(Col, u16)> = all.iter().map(|&c| (c, c.widths().1)).collect();
        while !fits(&cols) {
            let least = cols
                .iter()
                .enumerate()
                .filter(|(_, (c, _))| *c != sorted && c.keep() < u8::MAX)
                .min_by_key(|(_, (c, _))| c.keep())
                .map(|(i, _)| i);
            match least {
                Some(i) => {
                    cols.remove(i);
                }
                None => break,
            }
        }
        cols
    };
    let spare = u32::from(width).saturating_sub(total(&cols));
    if let Some((_, w)) = cols.iter_mut().find(|(c, _)| *c == Col::Name) {
        let grow = if groups {
            spare
        } else {
            spare.min(16u32.saturating_sub(u32::from(*w)))
        };
        *w = w.saturating_add(u16::try_from(grow).unwrap_or(u16::MAX));
    }
    cols
}

/// The end of `s` in at most `w` cells, its start made `…`: a cgroup's
/// path says most at its end.
fn tail(s: &str, w: usize) -> String {
    if s.width() <= w || w == 0 {
        return s.to_string();
    }
    let mut kept = Vec::new();
    let mut used = 1;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            break;
        }
        used += cw;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// `text` in lines of at most `width` cells, broken at blanks (a word
/// longer than a line is broken where the line ends): a message is shown
/// whole, never cut at the screen's edge.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let gap = usize::from(!line.is_empty());
            if !line.is_empty() && line.width() + gap + word.width() > width {
                lines.push(std::mem::take(&mut line));
            } else if gap == 1 {
                line.push(' ');
            }
            for c in word.chars() {
                if line.width() + c.width().unwrap_or(0) > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

/// `text` in lines of at most `width` cells, broken between its ` · `
/// parts where they fit, else within a part as [`wrap`] breaks.
fn wrap_parts(text: &str, width: usize) -> Vec<String> {
    const SEP: &str = " · ";
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in text.split(SEP) {
        if line.is_empty() {
            line = part.to_string();
        } else if line.width() + SEP.width() + part.width() <= width {
            line = line + SEP + part;
        } else {
            lines.push(std::mem::take(&mut line));
            // The next line says it goes on.
            line = format!("· {part}");
        }
    }
    lines.push(line);
    lines.iter().flat_map(|l| wrap(l, width)).collect()
}

/// Colour only where the user did not ask for none (no-color.org: set and
/// not empty).
pub fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// How a share of time waiting is drawn: past 10% worth a look, past 50%
/// the place to look (bold, for terminals without colour too).
fn wait_style(v: Option<f64>, colour: bool) -> Style {
    match v {
        Some(v) if v >= 50.0 => {
            let s = Style::default().add_modifier(Modifier::BOLD);
            if colour { s.fg(Color::Red) } else { s }
        }
        Some(v) if v >= 10.0 && colour => Style::default().fg(Color::Yellow),
        _ => Style::default(),
    }
}

/// A wait column's value, for its style.
fn wait_value(c: Col, r: &Row) -> Option<f64> {
    let stalled = || r.group.as_ref().map(|g| g.stalled).unwrap_or_default();
    match c {
        Col::Runq => r.runq,
        Col::Io => r.io,
        Col::Mem => r.mem,
        Col::Irq => r.irq,
        Col::CpuPsi => stalled().cpu,
        Col::IoPsi => stalled().io,
        Col::MemPsi => stalled().memory,
        _ => None,
    }
}

/// The short name of a sort key in the footer, as its column is titled.
fn sort_label(s: TopSort) -> &'static str {
    match s {
        TopSort::Switches => "csw",
        s => s.name(),
    }
}

/// The footer: `q`, then the sort keys (the current one marked), then
/// `keys`, in as many lines as they take (at most two; what does not fit
/// in two is left out, least important first).
fn footer(s: &Screen, width: usize) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut items: Vec<Vec<Span<'static>>> =
        vec![vec![Span::styled("q", bold), Span::raw(" quit")]];
    let mut sort = vec![Span::raw("sort:")];
    let long: usize = 5 + TopSort::ALL
        .iter()
        .map(|k| 3 + sort_label(*k).len())
        .sum::<usize>();
    for k in TopSort::ALL {
        sort.push(Span::raw(" "));
        let key = Span::styled(k.key().to_string(), bold);
        let key = if k == s.sort {
            key.style(bold.add_modifier(Modifier::REVERSED))
        } else {
            key
        };
        sort.push(key);
        // Too narrow for the names: the keys alone (the columns say the rest).
        if long <= width {
            sort.push(Span::raw(format!(" {}", sort_label(k))));
        }
    }
    items.push(sort);
    for (k, what) in s.keys {
        items.push(vec![
            Span::styled(k.to_string(), bold),
            Span::raw(format!(" {what}")),
        ]);
    }
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let width_of = |spans: &[Span]| spans.iter().map(|s| s.content.width()).sum::<usize>();
    for item in items {
        let last = lines.last_mut().expect("a line");
        let gap = if last.is_empty() { 0 } else { 2 };
        if width_of(last) + gap + width_of(&item) <= width {
            if gap > 0 {
                last.push(Span::raw("  "));
            }
            last.extend(item);
        } else if lines.len() < 2 {
            lines.push(item);
        } else {
            break;
        }
    }
    lines.into_iter().map(Line::from).collect()
}

/// Draws the full-screen view: pressure and a summary line, the table, the keys.
pub fn draw(f: &mut Frame, s: &Screen) {
    let area = f.area();
    let width = usize::from(area.width);
    let filters = if s.filters.is_empty() {
        String::new()
    } else {
        format!(" · {}", s.filters)
    };
    let summary = format!(
        "{} {} by {}{filters} · refresh {:.1} s · {}",
        s.rows.len(),
        s.what,
        s.sort.name(),
        s.interval,
        s.status
    );
    // No pressure lines (replay): the summary is the first line. Each
    // wrapped, so that no figure or message is cut at the edge.
    let head: Vec<Line> = s
        .pressure
        .iter()
        .chain(std::iter::once(&summary))
        .flat_map(|l| wrap_parts(l, width))
        .map(Line::from)
        .collect();
    let foot = footer(s, width);
    let [head_area, body, foot_area] = Layout::vertical([
        Constraint::Length(u16::try_from(head.len()).unwrap_or(u16::MAX)),
        Constraint::Min(3),
        Constraint::Length(u16::try_from(foot.len()).unwrap_or(u16::MAX)),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head), head_area);

    let cols = layout(area.width, s.groups, s.sort);
    let titles = header(s.columns, s.counts, s.groups);
    let colour = s.colour;
    let sorted = Col::of_sort(s.sort);
    let mut sort_title = Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    if colour {
        // Reversed: the header's foreground is the cell's background.
        sort_title = sort_title.fg(Color::Cyan);
    }
    let header_cells = cols.iter().map(|&(c, _)| {
        let title = titles[c as usize];
        let text = if c.number() {
            Text::from(title).right_aligned()
        } else {
            Text::from(title)
        };
        let cell = Cell::from(text);
        if c == sorted {
            cell.style(sort_title)
        } else {
            cell
        }
    });
    let header_row =
        TRow::new(header_cells).style(Style::default().add_modifier(Modifier::REVERSED));
    let visible = body.height.saturating_sub(1) as usize;
    let limit = s.limit.unwrap_or(usize::MAX).min(visible);
    let body_rows: Vec<TRow> = s
        .rows
        .iter()
        .take(limit)
        .map(|r| {
            TRow::new(cols.iter().map(|&(c, w)| {
                let mut text = c.cell(r, w);
                if c == Col::Name && s.groups {
                    text = tail(&text, usize::from(w));
                }
                let mut style = if c.wait() {
                    wait_style(wait_value(c, r), colour)
                } else {
                    Style::default()
                };
                if c == sorted {
                    style = style.add_modifier(Modifier::BOLD);
                }
                let text = if c.number() {
                    Text::from(text).right_aligned()
                } else {
                    Text::from(text)
                };
                Cell::from(text).style(style)
            }))
        })
        .collect();
    f.render_widget(
        Table::new(body_rows, cols.iter().map(|&(_, w)| Constraint::Length(w)))
            .header(header_row)
            .column_spacing(SPACING),
        body,
    );
    f.render_widget(Paragraph::new(foot), foot_area);
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
        use crate::model::pressure::StallShares;
        use crate::model::top::GroupDetails;
        use crate::model::workload::WorkloadNames;
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

    #[test]
    fn numbers_shorten_instead_of_being_cut() {
        assert_eq!(shorten(103_745.0, 5, false), "104K");
        assert_eq!(shorten(103_745.0, 7, false), "103745");
        assert_eq!(shorten(612.94, 5, true), "612.9");
        assert_eq!(shorten(1234.5, 5, true), "1234");
        assert_eq!(shorten(123_456.0, 5, true), "123K");
        assert_eq!(shorten(999_999.0, 5, false), "1.0M");
        assert_eq!(fit_bytes(Some(627_650.0), 6), "612.9K");
        assert_eq!(fit_bytes(Some(627_650.0), 5), "613K");
        assert_eq!(fit_bytes(Some(627_650.0), 11), "612.9 KiB");
        assert_eq!(fit_bytes(Some(3_485_000.0), 7), "3.3M");
        assert_eq!(fit_bytes(Some(1023.0), 6), "1023");
        assert_eq!(fit_bytes(None, 6), "-");
        for v in [0.0, 9.99, 99.96, 999.96, 1e4, 99_999.6, 1e9, 1.5e18, 1e30] {
            for w in 4..12 {
                assert!(shorten(v, w, true).len() <= w.max(5), "{v} in {w}");
                assert!(fit_bytes(Some(v), w).len() <= w.max(5), "{v} B in {w}");
            }
        }
    }

    /// At 80 columns every column of a process row fits, the name at
    /// least 12 wide; narrower, the least useful go first, never the sort
    /// column; cgroup rows drop their names and pressure first.
    #[test]
    fn columns_fit_the_terminal() {
        let width = |cols: &[(Col, u16)]| -> u16 {
            cols.iter().map(|(_, w)| w).sum::<u16>() + (cols.len() as u16 - 1) * SPACING
        };
        let name = |cols: &[(Col, u16)]| cols.iter().find(|(c, _)| *c == Col::Name).unwrap().1;
        let c = layout(80, false, TopSort::Runq);
        assert_eq!(c.len(), 10);
        assert!(width(&c) <= 80 && name(&c) >= MIN_NAME, "{c:?}");
        let c = layout(200, false, TopSort::Runq);
        assert!(c.iter().all(|&(c, w)| w == c.widths().0), "{c:?}");
        let c = layout(50, false, TopSort::Irq);
        assert!(width(&c) <= 50 && name(&c) >= MIN_NAME, "{c:?}");
        assert!(c.iter().any(|(c, _)| *c == Col::Irq), "{c:?}");
        assert!(!c.iter().any(|(c, _)| *c == Col::Csw), "{c:?}");
        let c = layout(80, true, TopSort::Runq);
        assert!(width(&c) <= 80 && name(&c) >= MIN_NAME, "{c:?}");
        assert!(!c.iter().any(|(c, _)| *c == Col::Pod), "{c:?}");
        assert_eq!(tail("/system.slice/ssh.service", 12), "…ssh.service");
    }

    #[test]
    fn messages_wrap_whole() {
        let msg =
            "\"yesterday\" is not a time: give YYYY-MM-DD HH:MM[:SS], HH:MM[:SS] (today), RFC 3339";
        let lines = wrap(msg, 30);
        assert!(lines.iter().all(|l| l.width() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), msg);
        assert_eq!(wrap(&"x".repeat(25), 10).concat(), "x".repeat(25));
        assert_eq!(
            wrap_parts("3 processes by runq · refresh 1.0 s · sample 2 of 6", 40),
            ["3 processes by runq · refresh 1.0 s", "· sample 2 of 6"]
        );
    }

    /// The whole view in an 80x24 terminal: big figures whole in their
    /// shorter units, the name 12 wide or more, right-aligned numbers, the
    /// footer with q and the sort keys.
    #[test]
    fn an_80_by_24_screen_shows_numbers_whole() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let mut big = row(4_194_304, "abcdefghijklmno");
        big.cpu = Some(1234.56);
        big.runq = Some(12_345.6);
        big.switches = Some(103_745.0);
        big.read = Some(627_650.0);
        big.write = Some(5.5e12);
        let rows = vec![big, row(1, "init")];
        let pressure =
            vec!["cpu    some  avg10   1.00%  avg60   2.00%  avg300   3.00%".to_string()];
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let keys = [("o", "only active"), ("a", "totals"), ("H", "threads")];
        term.draw(|f| {
            draw(
                f,
                &Screen {
                    pressure: &pressure,
                    rows: &rows,
                    columns: ["PID", "COMMAND"],
                    groups: false,
                    what: "processes",
                    counts: Counts::PerSecond,
                    sort: TopSort::Runq,
                    interval: 2.0,
                    limit: None,
                    filters: "",
                    status: "refresh 1",
                    keys: &keys,
                    colour: true,
                },
            )
        })
        .unwrap();
        let buf = term.backend().buffer();
        let lines: Vec<String> = (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect();
        let text = lines.join("\n");
        let row = lines
            .iter()
            .find(|l| l.contains("abcdefghijklmno"))
            .expect(&text);
        let words: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "4194304",
                "abcdefghijklmno",
                "1235",
                "12346",
                "-",
                "-",
                "-",
                "104K",
                "612.9K",
                "5.0T"
            ],
            "{text}"
        );
        let header = lines.iter().find(|l| l.contains("COMMAND")).expect(&text);
        // Numbers and their titles end at the same column.
        assert_eq!(
            header.find("RUNQ%").unwrap() + 5,
            row.find("12346").unwrap() + 5,
            "{text}"
        );
        assert!(
            lines[22].starts_with("q quit  sort: r runq c cpu"),
            "{text}"
        );
        assert!(lines[23].contains("o only active"), "{text}");
    }

    /// A wait past 50% is red and bold, past 10% yellow; the sort
    /// column's title underlined. Without colour (NO_COLOR) the same but
    /// no colour: the big wait still bold.
    #[test]
    fn waits_are_coloured_unless_no_color() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let mut a = row(10, "waiter");
        a.runq = Some(75.0);
        let mut b = row(11, "some");
        b.runq = Some(20.0);
        let rows = vec![a, b];
        for colour in [true, false] {
            let mut term = Terminal::new(TestBackend::new(80, 10)).unwrap();
            term.draw(|f| {
                draw(
                    f,
                    &Screen {
                        pressure: &[],
                        rows: &rows,
                        columns: ["PID", "COMMAND"],
                        groups: false,
                        what: "processes",
                        counts: Counts::PerSecond,
                        sort: TopSort::Cpu,
                        interval: 2.0,
                        limit: None,
                        filters: "",
                        status: "",
                        keys: &[],
                        colour,
                    },
                )
            })
            .unwrap();
            let buf = term.backend().buffer();
            let find = |text: &str| -> (u16, u16) {
                for y in 0..10u16 {
                    let line: String = (0..80u16)
                        .map(|x| buf[(x, y)].symbol().to_string())
                        .collect();
                    if let Some(x) = line.find(text) {
                        return (x as u16, y);
                    }
                }
                panic!("{text} not on screen");
            };
            let big = &buf[find("75.0")];
            let some = &buf[find("20.0")];
            let title = &buf[find("CPU%")];
            assert!(big.modifier.contains(Modifier::BOLD));
            assert!(title.modifier.contains(Modifier::UNDERLINED));
            assert!(!buf[find("RUNQ%")].modifier.contains(Modifier::UNDERLINED));
            if colour {
                assert_eq!((big.fg, some.fg), (Color::Red, Color::Yellow));
            } else {
                assert_eq!((big.fg, some.fg), (Color::Reset, Color::Reset));
            }
        }
    }
}
