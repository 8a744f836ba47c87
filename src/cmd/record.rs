//! `taskstat record`: the history store's writer. The recorder itself is
//! [`taskstat::history::recorder`]; this is its loop: a sample each
//! interval, exit records between samples, and a stop that keeps the exits
//! already heard.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use taskstat::cli::RecordArgs;
use taskstat::exit;
use taskstat::history::recorder::{DRAIN, Drops, Recorder, exits_cap};
use taskstat::history::sample::{EXITED, LOST};
use taskstat::listener::{ExitListener, Stop};
use taskstat::source::Choice;
use taskstat::store;

pub fn run(args: RecordArgs, timeout: Duration) -> anyhow::Result<ExitCode> {
    let group = match &args.group {
        None => None,
        Some(g) => Some(
            taskstat::host::users::resolve_group(g)
                .ok_or_else(|| exit::Usage(format!("--group {g}: no such group")))?,
        ),
    };
    let stop = Stop::install()?;
    let cap = exits_cap();
    let src = super::records(Choice::Taskstats, timeout)?;
    let mut acct = *src.acct();
    // Whether the group records' elapsed time bounds their delays.
    acct.tgid_counts_exited = taskstat::probe::tgid_counts_exited_once(timeout);
    // Heard from before the first sample, so that no process falls between.
    let mut listener = ExitListener::open(None, 64 * 1024 * 1024, timeout)?;
    let mut writer = store::Writer::open(
        &args.dir,
        store::WriterOptions {
            max_size: Some(args.max_size),
            max_age: args.max_age.map(Duration::from_secs),
            group,
            // Each interval's exits are new: out of the chain of deltas, so
            // that a reader seeking a time does not decode every one of them.
            transient: vec![EXITED.into(), LOST.into()],
            ..store::WriterOptions::default()
        },
    )
    .with_context(|| format!("cannot record into {}", args.dir.display()))?;
    super::warn_accounting(&acct);
    eprintln!(
        "taskstat: recording every {} s into {}; stop with ^C",
        args.interval,
        args.dir.display()
    );
    let mut rec = Recorder::new(acct, src, cap);
    let mut drops = Drops::new(&listener);
    let period = Duration::from_secs_f64(args.interval);
    let mut next = Instant::now();
    let mut disk_full = false;
    loop {
        if stop.requested() {
            // Every exit the kernel already queued goes into the last
            // sample: the socket is read until it is empty (for at most
            // DRAIN, should exits keep coming).
            let until = Instant::now() + DRAIN;
            while Instant::now() < until {
                match listener.client.next_event(Duration::ZERO)? {
                    Some(ev) => rec.event(ev, &mut drops)?,
                    None => break,
                }
            }
        }
        let dropped = drops.interval(&listener);
        let sample = rec.sample(dropped)?;
        let appended = writer.append_unless(&sample, &|section, key| rec.unchanged(section, key));
        match appended {
            Ok(()) if disk_full => {
                disk_full = false;
                super::warn("the store's disk has room again: samples are stored again");
            }
            Ok(()) => {}
            // The writer removed every older file it could: nothing more to
            // free here. Say so once, and try again at the next sample.
            Err(e) if e.is_disk_full() => {
                if !disk_full {
                    super::warn(&format!(
                        "{}: the disk is full and no older history is left to remove: samples are not stored until there is room; trying again each interval",
                        args.dir.display()
                    ));
                }
                disk_full = true;
            }
            Err(e) => return Err(e.into()),
        }
        rec.stored(sample);
        if stop.requested() {
            break;
        }
        next += period;
        // Behind (a slow sweep, a suspended machine): the next sample is
        // one interval from now, not a burst of the missed ones.
        let now = Instant::now();
        if next < now {
            next = now + period;
        }
        // Exit records until the next sample; a stop ends the wait, and the
        // sample written then keeps the exits heard so far.
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if stop.requested() {
                break;
            }
            if let Some(ev) = listener
                .client
                .next_event(left.min(Duration::from_millis(200)))?
            {
                rec.event(ev, &mut drops)?;
            }
        }
    }
    listener.close();
    Ok(exit::code(exit::OK))
}
