//! `taskstat top`: live delay rates of every task, full-screen or in batch.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use taskstat::cli::TopArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::record::{Context, Record, RecordView};
use taskstat::system;
use taskstat::top::{self, Row, TopSort};
use taskstat::wire::RequestAttr;

use super::exits::Stop;

/// Queries every task once, at most `max_rate` queries per second.
struct Sampler {
    client: Client,
    ctx: Context,
    max_rate: u32,
}

struct Sample {
    at: Instant,
    records: HashMap<u32, RecordView>,
    comms: HashMap<u32, String>,
}

impl Sampler {
    fn sample(&mut self, threads: bool) -> anyhow::Result<Sample> {
        let ids = top::list_tasks(threads);
        let start = Instant::now();
        let mut records = HashMap::with_capacity(ids.len());
        let mut comms = HashMap::with_capacity(ids.len());
        // A burst of a tenth of a second's worth goes unpaced; beyond it,
        // n queries take at least n / max_rate seconds.
        let burst = (self.max_rate / 10) as usize;
        for (n, id) in ids.into_iter().enumerate() {
            let due =
                Duration::from_secs_f64(n.saturating_sub(burst) as f64 / f64::from(self.max_rate));
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            let attr = if threads {
                RequestAttr::Pid(id)
            } else {
                RequestAttr::Tgid(id)
            };
            if let Some(raw) = self.client.record(attr)? {
                records.insert(id, Record::decode(&raw, id)?.view(&self.ctx));
                if let Ok(c) = std::fs::read_to_string(format!("/proc/{id}/comm")) {
                    comms.insert(id, c.trim_end().to_string());
                }
            }
        }
        Ok(Sample {
            at: Instant::now(),
            records,
            comms,
        })
    }
}

fn ranked(prev: &Sample, cur: &Sample, sort: TopSort) -> Vec<Row> {
    let secs = cur.at.duration_since(prev.at).as_secs_f64();
    let mut rows = top::rows(&prev.records, &cur.records, &cur.comms, secs);
    sort.sort(&mut rows);
    rows
}

fn write_batch(
    out: &mut dyn Write,
    rows: &[Row],
    threads: bool,
    limit: Option<usize>,
) -> io::Result<()> {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(top::header(threads).to_vec());
    for r in rows.iter().take(limit.unwrap_or(usize::MAX)) {
        t.add_row(top::cells(r).to_vec());
    }
    for (i, c) in t.column_iter_mut().enumerate() {
        c.set_padding((0, 2));
        if i != 1 {
            c.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    writeln!(out, "{}", t.trim_fmt())
}

pub fn run(args: TopArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let ctx = Context {
        delayacct: system::delayacct(),
    };
    let mut sampler = Sampler {
        client: Client::connect(timeout)?,
        ctx,
        max_rate: args.max_rate,
    };
    if args.batch {
        return batch(args, &mut sampler);
    }
    interactive(args, &mut sampler)
}

fn batch(args: TopArgs, sampler: &mut Sampler) -> anyhow::Result<ExitCode> {
    let stop = Stop::install()?;
    crate::cmd::warn_if_delayacct_off(&sampler.ctx);
    let period = Duration::from_secs_f64(args.interval);
    let mut prev = sampler.sample(args.threads)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for n in 0..args.iterations.unwrap_or(1) {
        let next = prev.at + period;
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                return Ok(exit::code(stop.exit_status().unwrap_or(exit::OK)));
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
        let cur = sampler.sample(args.threads)?;
        if n > 0 {
            writeln!(out)?;
        }
        write_batch(
            &mut out,
            &ranked(&prev, &cur, args.sort),
            args.threads,
            args.rows,
        )?;
        out.flush()?;
        prev = cur;
    }
    Ok(exit::code(exit::OK))
}

fn interactive(args: TopArgs, sampler: &mut Sampler) -> anyhow::Result<ExitCode> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind};
    use ratatui::layout::{Constraint, Layout};
    use ratatui::style::{Modifier, Style};
    use ratatui::widgets::{Paragraph, Row as TRow, Table};

    if !io::IsTerminal::is_terminal(&io::stdout()) {
        anyhow::bail!("stdout is not a terminal: use `taskstat top -b` for plain tables");
    }
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    let result = (|| -> anyhow::Result<()> {
        let mut sort = args.sort;
        let mut threads = args.threads;
        let period = Duration::from_secs_f64(args.interval);
        let mut prev = sampler.sample(threads)?;
        let mut rows: Vec<Row> = Vec::new();
        let mut status = String::from("first sample; rates appear after one interval");
        let mut refreshes = 0u64;
        loop {
            let psi = top::psi();
            terminal.draw(|f| {
                let psi_lines = psi.as_ref().map_or(1, |l| l.len()) as u16;
                let [head, body, foot] = Layout::vertical([
                    Constraint::Length(psi_lines + 1),
                    Constraint::Min(3),
                    Constraint::Length(1),
                ])
                .areas(f.area());
                let mut text = match &psi {
                    Ok(lines) => lines.join("\n"),
                    Err(why) => format!("PSI: {why}"),
                };
                text += &format!(
                    "\n{} {} by {} · refresh {:.1} s · {status}",
                    rows.len(),
                    if threads { "threads" } else { "processes" },
                    sort.name(),
                    args.interval
                );
                f.render_widget(Paragraph::new(text), head);
                let header = TRow::new(top::header(threads).to_vec())
                    .style(Style::default().add_modifier(Modifier::REVERSED));
                let visible = body.height.saturating_sub(1) as usize;
                let limit = args.rows.unwrap_or(usize::MAX).min(visible);
                let body_rows: Vec<TRow> = rows
                    .iter()
                    .take(limit)
                    .map(|r| TRow::new(top::cells(r).to_vec()))
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
                    .map(|s| format!("{} {}", s.key(), s.name()))
                    .collect();
                f.render_widget(
                    Paragraph::new(format!("sort: {} · H threads · q quit", keys.join("  "))),
                    foot,
                );
            })?;
            if args.iterations.is_some_and(|n| refreshes >= n) {
                return Ok(());
            }
            // Keys until the next refresh is due.
            let due = prev.at + period;
            let mut resample = false;
            while let Some(left) = due.checked_duration_since(Instant::now()) {
                if !event::poll(left)? {
                    break;
                }
                if let Event::Key(k) = event::read()?
                    && k.kind == KeyEventKind::Press
                {
                    match k.code {
                        KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                        KeyCode::Char('H') => {
                            threads = !threads;
                            resample = true;
                            break;
                        }
                        KeyCode::Char(c) => {
                            if let Some(s) = TopSort::ALL.iter().find(|s| s.key() == c) {
                                sort = *s;
                                sort.sort(&mut rows);
                                status = format!("sorted by {}", sort.name());
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            if resample {
                prev = sampler.sample(threads)?;
                rows.clear();
                status = String::from("switched view; rates appear after one interval");
                continue;
            }
            if Instant::now() >= due {
                let cur = sampler.sample(threads)?;
                rows = ranked(&prev, &cur, sort);
                prev = cur;
                refreshes += 1;
                status = format!("refresh {refreshes}");
            }
        }
    })();
    ratatui::restore();
    result?;
    Ok(exit::code(exit::OK))
}
