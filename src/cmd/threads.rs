//! `taskstat threads TGID`: the process record and every thread's.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use taskstat::cli::ThreadsArgs;
use taskstat::client::Client;
use taskstat::exit;
use taskstat::record::{Context, Record, RecordView};
use taskstat::render::{self, Format};
use taskstat::system;
use taskstat::wire::RequestAttr;

pub fn run(args: ThreadsArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let ctx = Context {
        delayacct: system::delayacct(),
    };
    let mut client = Client::connect(timeout)?;
    let tgid = args.tgid;
    let Some(raw) = client.record(RequestAttr::Tgid(tgid))? else {
        eprintln!("taskstat: no such process {tgid} in this pid namespace");
        return Ok(exit::code(exit::NO_SUCH_TASK));
    };
    let group = Record::decode(&raw, tgid)?;
    // A thread id selects its process; /proc lists the threads under the leader.
    let leader = group.id;
    let list = system::thread_ids(leader)
        .or_else(|_| system::thread_ids(tgid))
        .with_context(|| format!("listing the threads of {tgid} in /proc"))?;
    let mut threads: Vec<RecordView> = Vec::with_capacity(list.len());
    let mut raw_threads = Vec::with_capacity(list.len());
    for tid in list {
        // A thread that ended meanwhile has no record to show.
        if let Some(raw) = client.record(RequestAttr::Pid(tid))? {
            let rec = Record::decode(&raw, tid)?;
            threads.push(rec.view(&ctx));
            raw_threads.push(rec);
        }
    }
    args.sort.sort(&mut threads);
    let mut all = vec![group.view(&ctx)];
    all.extend(threads);

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.output.format() {
        Format::Table => {
            writeln!(out, "{}", render::stream_table_header())?;
            for r in &all {
                writeln!(out, "{}", render::table_row(r, false))?;
            }
            writeln!(
                out,
                "\nCPU time and waits are totals since each task started, in ms."
            )?;
        }
        Format::Json => render::write_json(&mut out, &all)?,
        Format::Ndjson => render::write_ndjson(&mut out, &all)?,
        Format::Csv => render::write_csv(&mut out, &all, &all[0])?,
        Format::Getdelays => {
            render::write_getdelays(&mut out, &group, args.output.sections())?;
            for t in &raw_threads {
                render::write_getdelays(&mut out, t, args.output.sections())?;
            }
        }
    }
    out.flush()?;
    Ok(exit::code(exit::OK))
}
