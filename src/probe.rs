//! What the running kernel does where its struct version does not say,
//! found out by trying it: two 2026 fixes changed what records mean
//! without a version bump (docs/abi.md §8 and §9).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::wire::RecordKind;

/// [`tgid_counts_exited`] asked once per run, on a socket of its own (a
/// listener's socket also carries exit records). Later calls return the
/// first answer.
pub fn tgid_counts_exited_once(timeout: Duration) -> Option<bool> {
    static ANSWER: OnceLock<Option<bool>> = OnceLock::new();
    *ANSWER.get_or_init(|| {
        let mut client = Client::connect(timeout).ok()?;
        tgid_counts_exited(&mut client)
    })
}

/// Sleeps of the probe's thread: each is one voluntary context switch.
const SLEEPS: u64 = 32;

/// Whether a thread-group query's CPU times, context switches and elapsed
/// time include the threads that already exited (the fix "taskstats:
/// retain dead thread stats in TGID queries"), or cover the live threads
/// only. None when it cannot be told (the queries failed, or the figures
/// fell between the two answers).
///
/// A thread of this process sleeps 32 times and exits; a query of this
/// process before and after shows its 32 voluntary switches only where the
/// kernel keeps exited threads' figures. This thread adds about one switch
/// (the join) and yields, not sleeps, while it waits for the exited thread
/// to leave the thread list, where a query would still count it as live.
/// Costs about 2 ms of wall time and 0.1 ms of CPU.
pub fn tgid_counts_exited(client: &mut Client) -> Option<bool> {
    let me = std::process::id();
    let switches =
        |c: &mut Client| -> Option<u64> { c.fetch(RecordKind::Tgid, me).ok()??.stats.nvcsw };
    let before = switches(client)?;
    let worker = std::thread::spawn(|| {
        // "PID/task/TID": where this thread shows in /proc until it is gone.
        let me = std::fs::read_link("/proc/thread-self").ok();
        for _ in 0..SLEEPS {
            std::thread::sleep(Duration::from_micros(1));
        }
        me
    });
    let task = worker.join().ok()??;
    let gone = std::path::Path::new("/proc").join(task);
    let since = Instant::now();
    while gone.exists() {
        if since.elapsed() > Duration::from_secs(1) {
            return None;
        }
        std::thread::yield_now();
    }
    let after = switches(client)?;
    let grew = after.saturating_sub(before);
    if grew >= SLEEPS {
        Some(true)
    } else if grew < SLEEPS / 4 {
        Some(false)
    } else {
        None
    }
}
