//! `taskstat run`'s default report: a few lines about the whole tree, as
//! time(1) prints them, on stderr beside the command's own output.

use std::io::{self, Write};

use super::human;
use crate::model::totals::{RunOutcome, TreeTotal};
use crate::wire::Category;

/// Categories per `waited` line, so that all nine fit in three lines.
const PER_LINE: usize = 3;

fn secs_us(v: Option<u64>) -> String {
    v.map_or_else(
        || human::NONE.to_string(),
        |us| format!("{:.3} s", us as f64 / 1e6),
    )
}

/// At most 12 lines: the command, how it ended, CPU, peak memory, storage
/// I/O, context switches, and each delay category that was not zero.
pub fn write_summary(out: &mut dyn Write, total: &TreeTotal, o: &RunOutcome) -> io::Result<()> {
    let s = &total.sums;
    let mut text = String::new();
    let processes = match total.processes {
        1 => "1 process".to_string(),
        n => format!("{n} processes"),
    };
    text += &format!("taskstat run: {}\n", human::name(&o.command));
    text += &format!(
        "  ended     {}, after {:.3} s\n",
        human::exit_reason(o.wait_status),
        o.wall.as_secs_f64()
    );
    text += &format!(
        "  cpu       {} user, {} system ({processes})\n",
        secs_us(s.cpu.user_us),
        secs_us(s.cpu.system_us)
    );
    text += &format!(
        "  peak rss  {} (the largest process)\n",
        human::kib(o.peak_rss_kib)
    );
    text += &format!(
        "  storage   {} read, {} written\n",
        human::bytes(s.io.read_bytes),
        human::bytes(s.io.write_bytes)
    );
    text += &format!(
        "  switches  {} voluntary, {} involuntary\n",
        human::count(s.context_switches.voluntary),
        human::count(s.context_switches.involuntary)
    );
    let waited: Vec<String> = Category::ALL
        .into_iter()
        .filter_map(|c| {
            let d = &s.delays[c];
            let count = d.count.filter(|&n| n > 0)?;
            Some(format!(
                "{} {} ({count} times)",
                c.key(),
                human::ns(d.total_ns)
            ))
        })
        .collect();
    for (i, line) in waited.chunks(PER_LINE).enumerate() {
        let label = if i == 0 { "waited" } else { "" };
        text += &format!("  {label:<8}  {}\n", line.join(", "));
    }
    if s.delays[Category::Blkio].count.is_none() {
        text += "  (delay accounting is off: only the CPU wait is measured)\n";
    }
    out.write_all(text.as_bytes())
}
