//! A bound on how fast a sweep queries the kernel.

use std::time::{Duration, Instant};

/// Bounds how many netlink queries a sweep makes per second (top, serve):
/// a burst of a tenth of a second's worth goes unpaced; beyond it, n
/// queries take at least n / rate seconds.
pub struct Pacer {
    rate: u32,
    start: Instant,
    n: usize,
}

impl Pacer {
    pub fn new(rate: u32) -> Pacer {
        Pacer {
            rate: rate.max(1),
            start: Instant::now(),
            n: 0,
        }
    }

    /// Waits, if need be, before the next query.
    pub fn next(&mut self) {
        let burst = (self.rate / 10) as usize;
        let due =
            Duration::from_secs_f64(self.n.saturating_sub(burst) as f64 / f64::from(self.rate));
        if let Some(wait) = due.checked_sub(self.start.elapsed()) {
            std::thread::sleep(wait);
        }
        self.n += 1;
    }
}
