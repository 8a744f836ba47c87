//! `taskstat dump`: the stored history as ndjson, csv or OpenMetrics.

use std::io::Write;
use std::process::ExitCode;

use serde_json::Value;
use taskstat::cli::{DumpArgs, DumpBy};
use taskstat::exit;
use taskstat::render::dump::local_time;
use taskstat::render::dump::{Changes, DumpWriter};

use super::history::{Filter, describe_lost, for_each_sample, lost_exits};
use super::record::{CGROUPS, EXITED, PROCESSES};

pub fn run(args: DumpArgs) -> anyhow::Result<ExitCode> {
    let filter = Filter::new(&args.filter)?;
    let mut out = super::stdout();
    let mut w = DumpWriter::new(args.format.format()).compact(args.compact);
    let mut changes = Changes::new(args.changed);
    // Sample by sample as the store is read: one sample in memory at a time.
    for_each_sample(&args.range, |time_ns, sections| {
        // Exits the interval lost are said, not silently missing: on
        // stderr, and in ndjson as a record of their own.
        if let Some(lost) = lost_exits(sections) {
            super::warn(&format!("{}: {}", local_time(time_ns), describe_lost(lost)));
            w.lost(&mut out, time_ns, lost.0, lost.1)?;
        }
        match args.by {
            DumpBy::Task => {
                // The live processes, then those that exited since the last
                // sample, each with its whole life's figures.
                for section in [PROCESSES, EXITED] {
                    let Some(records) = sections.get(section) else {
                        continue;
                    };
                    // As stored: the writer settles the elapsed times.
                    for r in records.values().filter(|r| filter.keeps(r)) {
                        let pid = r
                            .get("tgid")
                            .or(r.get("pid"))
                            .map(Value::to_string)
                            .unwrap_or_default();
                        let comm = r.get("comm").and_then(Value::as_str).unwrap_or_default();
                        let cgroup = r.get("cgroup").and_then(Value::as_str).unwrap_or_default();
                        if !changes.keep(&pid, r) {
                            continue;
                        }
                        w.record(
                            &mut out,
                            time_ns,
                            &[("pid", &pid), ("comm", comm), ("cgroup", cgroup)],
                            r,
                        )?;
                    }
                }
            }
            DumpBy::Cgroup => {
                let groups = sections.get(CGROUPS).into_iter().flatten();
                for (path, g) in groups.filter(|(p, _)| filter.holds_cgroup(p)) {
                    if !changes.keep(path, g) {
                        continue;
                    }
                    w.record(&mut out, time_ns, &[("cgroup", path)], g)?;
                }
            }
        }
        Ok(true)
    })?;
    w.finish(&mut out)?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}
