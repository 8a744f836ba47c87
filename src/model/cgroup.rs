//! What `taskstat cgroup-fd` reports: a cgroup's task-state counts and,
//! with --totals, the sums of its processes' records.

use serde::Serialize;

use super::totals::Totals;
use crate::wire::CgroupStats;

/// Where a cgroup's counts came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupSource {
    /// CGROUPSTATS_CMD_GET (cgroup v1).
    Kernel,
    /// /proc, classified like the kernel (cgroup2).
    Procfs,
}

/// What `taskstat cgroup-fd` reports for one cgroup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CgroupReport {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub path: String,
    pub source: CgroupSource,
    pub sleeping: u64,
    pub running: u64,
    pub stopped: u64,
    pub uninterruptible: u64,
    pub io_wait: u64,
    /// With --totals: how many processes were summed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<Totals>,
}

impl CgroupReport {
    pub fn new(path: String, source: CgroupSource, c: CgroupStats) -> Self {
        CgroupReport {
            kind: "cgroup",
            path,
            source,
            sleeping: c.sleeping,
            running: c.running,
            stopped: c.stopped,
            uninterruptible: c.uninterruptible,
            io_wait: c.io_wait,
            processes: None,
            totals: None,
        }
    }
}
