//! The in-process floor of one sweep: query every process (or, with -H,
//! every thread) once on one socket, and report the cost per task.
//!
//!     sweep [-H] [ROUNDS]

use std::time::{Duration, Instant};

use taskstat::client::Client;
use taskstat::host::procfs::list_tasks;
use taskstat::wire::RequestAttr;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads = args.iter().any(|a| a == "-H");
    let rounds: u32 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(20);
    let mut client = Client::connect(Duration::from_secs(5)).expect("taskstats (run as root)");
    let mut best = Duration::MAX;
    let mut tasks = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let ids = list_tasks(threads);
        tasks = ids.len();
        for id in ids {
            let attr = if threads {
                RequestAttr::Pid(id)
            } else {
                RequestAttr::Tgid(id)
            };
            let _ = client.query(attr);
        }
        best = best.min(start.elapsed());
    }
    println!(
        "{} {tasks} tasks: best sweep {:.3} ms, {:.2} µs per task (listing /proc included), best of {rounds}",
        if threads { "threads" } else { "processes" },
        best.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e6 / tasks.max(1) as f64
    );
}
