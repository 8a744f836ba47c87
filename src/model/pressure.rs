//! A cgroup's pressure (PSI): the kernel's own count of the time its tasks
//! were stalled on a CPU, on I/O and on memory. `some` is time at least one
//! task was stalled, `full` time all non-idle tasks were at once. The
//! question taskstat's delay categories answer per task, answered per group.
//!
//! The totals are read and parsed by `host::pressure`; here is what an
//! interval makes of them.

use serde::Serialize;

pub use crate::host::pressure::{GroupPressure, Resource, Stall};

/// Each resource's share of an interval stalled ("some"), %: what `top
/// --by cgroup` shows; null where the group keeps no pressure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct StallShares {
    pub cpu: Option<f64>,
    pub io: Option<f64>,
    pub memory: Option<f64>,
}

impl StallShares {
    pub fn between(before: &GroupPressure, after: &GroupPressure, secs: f64) -> StallShares {
        let share = |r| some_share(before, after, r, secs);
        StallShares {
            cpu: share(Resource::Cpu),
            io: share(Resource::Io),
            memory: share(Resource::Memory),
        }
    }
}

/// The share of `secs` (in %) that some task of the group was stalled
/// on `r`, from the totals at its start (`before`) and end (`after`).
/// None where either end lacks the figure; a total that went down (the
/// group was removed and made again) is no figure either.
fn some_share(
    before: &GroupPressure,
    after: &GroupPressure,
    r: Resource,
    secs: f64,
) -> Option<f64> {
    let now = after.get(r)?.some_us?;
    let then = before.get(r)?.some_us?;
    let us = now.checked_sub(then)?;
    Some(us as f64 / 1e6 / secs.max(1e-9) * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_an_interval() {
        let at = |cpu: u64| GroupPressure {
            cpu: Some(Stall {
                some_us: Some(cpu),
                full_us: None,
            }),
            ..GroupPressure::default()
        };
        let s = StallShares::between(&at(1_000_000), &at(1_500_000), 2.0);
        assert_eq!(s.cpu, Some(25.0));
        assert_eq!((s.io, s.memory), (None, None));
        // A group made again starts from 0: no figure, not a negative one.
        assert_eq!(StallShares::between(&at(9), &at(3), 1.0).cpu, None);
        assert!(GroupPressure::default().is_empty() && !at(0).is_empty());
    }
}
