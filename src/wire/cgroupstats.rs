//! `struct cgroupstats` (five u64 counters, 40 bytes).

use super::WireError;

/// Task-state counts of one cgroup v1 directory, as the kernel reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CgroupStats {
    pub sleeping: u64,
    pub running: u64,
    pub stopped: u64,
    pub uninterruptible: u64,
    pub io_wait: u64,
}

impl CgroupStats {
    pub const SIZE: usize = 40;

    pub fn decode(payload: &[u8]) -> Result<CgroupStats, WireError> {
        let field = |i: usize| -> Result<u64, WireError> {
            payload
                .get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_ne_bytes)
                .ok_or(WireError::CgroupStatsTooShort(payload.len()))
        };
        Ok(CgroupStats {
            sleeping: field(0)?,
            running: field(1)?,
            stopped: field(2)?,
            uninterruptible: field(3)?,
            io_wait: field(4)?,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        [
            self.sleeping,
            self.running,
            self.stopped,
            self.uninterruptible,
            self.io_wait,
        ]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect()
    }
}
