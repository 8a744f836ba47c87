//! `taskstat dump`: the stored history as ndjson, csv or OpenMetrics.

use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;

use taskstat::cli::{DumpArgs, DumpBy};
use taskstat::exit;
use taskstat::filter::TaskFilter;
use taskstat::history::reader::{describe_lost, for_each_sample};
use taskstat::model::fleet::Series;
use taskstat::render::dump::{Changes, DumpWriter, Stored};
use taskstat::time::local_time;

pub fn run(args: DumpArgs) -> anyhow::Result<ExitCode> {
    let filter = TaskFilter::stored(&args.filter)?;
    let mut out = super::stdout();
    let mut w = DumpWriter::new(args.format.format()).compact(args.compact);
    let mut changes = Changes::new(args.changed);
    // Sample by sample as the store is read: one sample in memory at a time.
    for_each_sample(&args.range.range(), |mut sample| {
        let time_ns = sample.time_ns;
        // Exits the interval lost are said, not silently missing: on
        // stderr, and in ndjson as a record of their own.
        if let Some(lost) = &sample.lost {
            super::warn(&format!("{}: {}", local_time(time_ns), describe_lost(lost)));
            w.lost(&mut out, time_ns, lost.not_stored, lost.dropped_by_kernel)?;
        }
        match args.by {
            DumpBy::Task => {
                // The live processes, then those that exited since the last
                // sample, each with its whole life's figures.
                let (live, exited) = (&mut sample.processes, &mut sample.exited);
                for p in live.values_mut().chain(exited.values_mut()) {
                    if !filter.keeps_stored(p) {
                        continue;
                    }
                    p.settle(time_ns);
                    // As `tgid --format json` has it: null when not known.
                    let pid = p.view.tgid.map_or_else(|| "null".into(), |t| t.to_string());
                    if !changes.keep(&pid, Stored::Process(p)) {
                        continue;
                    }
                    let comm = p.view.comm.as_deref().unwrap_or_default();
                    let cgroup = p.cgroup.as_deref().unwrap_or_default();
                    w.record(
                        &mut out,
                        time_ns,
                        &[("pid", &pid), ("comm", comm), ("cgroup", cgroup)],
                        Stored::Process(p),
                    )?;
                }
            }
            DumpBy::Cgroup => {
                let mut written = HashSet::new();
                for (path, g) in sample
                    .cgroups
                    .iter()
                    .filter(|(p, _)| filter.holds_cgroup(p))
                {
                    if !changes.keep(path, Stored::Group(g)) {
                        continue;
                    }
                    w.record(&mut out, time_ns, &[("cgroup", path)], Stored::Group(g))?;
                    written.insert(path.as_str());
                }
                // Each exit into its group's distributions, under the name
                // the group's figures count it under.
                for p in sample.exited.values() {
                    let cgroup = p.cgroup.as_deref().unwrap_or(Series::UNKNOWN);
                    if filter.holds_cgroup(cgroup) {
                        w.exited(cgroup, &p.view);
                    }
                }
                w.exit_histograms(time_ns, |path| written.contains(path))?;
            }
        }
        Ok(true)
    })?;
    w.finish(&mut out)?;
    out.flush()?;
    Ok(exit::code(exit::OK))
}
