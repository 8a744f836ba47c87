//! `taskstat dump`: the stored history as ndjson, csv or OpenMetrics.

use std::io::Write;
use std::process::ExitCode;

use serde_json::Value;
use taskstat::cli::{DumpArgs, DumpBy};
use taskstat::exit;
use taskstat::render::dump::DumpWriter;

use super::history::{Filter, samples};
use super::record::{CGROUPS, EXITED, PROCESSES, settle};

pub fn run(args: DumpArgs) -> anyhow::Result<ExitCode> {
    let filter = Filter::new(&args.filter)?;
    let samples = samples(&args.range)?;
    let mut out = super::stdout();
    let mut w = DumpWriter::new(args.format);
    for s in &samples {
        match args.by {
            DumpBy::Task => {
                // The live processes, then those that exited since the last
                // sample, each with its whole life's figures.
                for section in [PROCESSES, EXITED] {
                    let Some(records) = s.sections.get(section) else {
                        continue;
                    };
                    for r in records.values().filter(|r| filter.keeps(r)) {
                        let mut r = r.clone();
                        settle(s.time_ns, &mut r);
                        let r = &r;
                        let pid = r
                            .get("tgid")
                            .or(r.get("pid"))
                            .map(Value::to_string)
                            .unwrap_or_default();
                        let comm = r.get("comm").and_then(Value::as_str).unwrap_or_default();
                        let cgroup = r.get("cgroup").and_then(Value::as_str).unwrap_or_default();
                        w.record(
                            &mut out,
                            s.time_ns,
                            &[("pid", &pid), ("comm", comm), ("cgroup", cgroup)],
                            r,
                        )?;
                    }
                }
            }
            DumpBy::Cgroup => {
                let Some(groups) = s.sections.get(CGROUPS) else {
                    continue;
                };
                for (path, g) in groups.iter().filter(|(p, _)| filter.holds_cgroup(p)) {
                    w.record(&mut out, s.time_ns, &[("cgroup", path)], g)?;
                }
            }
        }
    }
    w.finish(&mut out)?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}
