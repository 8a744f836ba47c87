//! A cgroup's pressure (PSI): the kernel's own count of the time its tasks
//! were stalled on a CPU, on I/O and on memory. `some` is time at least one
//! task was stalled, `full` time all non-idle tasks were at once. The
//! question taskstat's delay categories answer per task, answered per group.
//!
//! Pure: the caller reads `cpu.pressure`, `io.pressure` and
//! `memory.pressure` (see `host::pressure`).

use serde::Serialize;

/// The resources a cgroup2 group keeps pressure for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resource {
    Cpu,
    Io,
    Memory,
}

impl Resource {
    pub const ALL: [Resource; 3] = [Resource::Cpu, Resource::Io, Resource::Memory];

    /// The label value, and the stem of the group's file (`cpu.pressure`).
    pub fn key(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Io => "io",
            Resource::Memory => "memory",
        }
    }
}

/// The stall totals of one pressure file, µs since the group was made.
/// A kernel before 5.13 has no `full` line in cpu.pressure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stall {
    pub some_us: Option<u64>,
    pub full_us: Option<u64>,
}

impl Stall {
    /// The `total=` of each line of a pressure file:
    /// `some avg10=0.00 avg60=0.00 avg300=0.00 total=1234`. None when the
    /// text has neither line (the file could be read but means nothing).
    pub fn parse(text: &str) -> Option<Stall> {
        let mut s = Stall::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let slot = match words.next() {
                Some("some") => &mut s.some_us,
                Some("full") => &mut s.full_us,
                _ => continue,
            };
            *slot = words.find_map(|w| w.strip_prefix("total=")?.parse().ok());
        }
        (s != Stall::default()).then_some(s)
    }
}

/// A group's pressure, per resource; `None` for a file that is missing
/// (PSI off, or the group gone) or unreadable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupPressure {
    pub cpu: Option<Stall>,
    pub io: Option<Stall>,
    pub memory: Option<Stall>,
}

impl GroupPressure {
    pub fn get(&self, r: Resource) -> Option<Stall> {
        match r {
            Resource::Cpu => self.cpu,
            Resource::Io => self.io,
            Resource::Memory => self.memory,
        }
    }

    pub fn slot(&mut self, r: Resource) -> &mut Option<Stall> {
        match r {
            Resource::Cpu => &mut self.cpu,
            Resource::Io => &mut self.io,
            Resource::Memory => &mut self.memory,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == GroupPressure::default()
    }

    /// The share of `secs` (in %) that some task of the group was stalled
    /// on `r`, from the totals at its start (`before`) and end (`self`).
    /// None where either end lacks the figure; a total that went down (the
    /// group was removed and made again) is no figure either.
    pub fn some_share(&self, before: &GroupPressure, r: Resource, secs: f64) -> Option<f64> {
        let now = self.get(r)?.some_us?;
        let then = before.get(r)?.some_us?;
        let us = now.checked_sub(then)?;
        Some(us as f64 / 1e6 / secs.max(1e-9) * 100.0)
    }
}

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
        let share = |r| after.some_share(before, r, secs);
        StallShares {
            cpu: share(Resource::Cpu),
            io: share(Resource::Io),
            memory: share(Resource::Memory),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_of_both_lines() {
        let text = "some avg10=1.50 avg60=0.30 avg300=0.06 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=17\n";
        assert_eq!(
            Stall::parse(text),
            Some(Stall {
                some_us: Some(2_500_000),
                full_us: Some(17)
            })
        );
        // Before 5.13 cpu.pressure had only a some line.
        let old = Stall::parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
        assert_eq!(old.and_then(|s| s.full_us), None);
        assert_eq!(old.and_then(|s| s.some_us), Some(5));
        for bad in ["", "\n", "garbage", "some avg10=0.00", "some total=x"] {
            assert_eq!(Stall::parse(bad), None, "{bad:?}");
        }
    }

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
