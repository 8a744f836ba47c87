//! A process record as the history store keeps it: the record `tgid
//! --format json` prints, with its `cgroup`, and for a live process
//! [`AT`], when its figures were taken. The recorder stores a process that
//! did not run since the last sample with the figures of then, unchanged
//! (which costs the store nothing); a reader moves its elapsed times on to
//! the sample's time ([`settle`]).

use serde_json::Value;

/// The key of a stored live process's record that says when its figures
/// were taken (unix ns).
pub const AT: &str = "_at";

/// The keys of a record whose figures move on by themselves with time.
pub const ELAPSED: [&str; 2] = ["elapsed_us", "group_elapsed_us"];

/// How far (µs) a stored record's elapsed times move on to the sample taken
/// at `time_ns`; None for a record without [`AT`] (an exited process's).
pub fn moved_us(time_ns: i64, record: &Value) -> Option<u64> {
    let at = record.get(AT)?.as_i64()?;
    Some(u64::try_from(time_ns.saturating_sub(at) / 1000).unwrap_or(0))
}

/// A stored record as of the sample taken at `time_ns`: its elapsed times
/// moved on from when its figures were taken, without the [`AT`] key.
pub fn settle(time_ns: i64, record: &mut Value) {
    let Some(moved) = moved_us(time_ns, record) else {
        return;
    };
    let Value::Object(m) = record else {
        return;
    };
    m.remove(AT);
    for k in ELAPSED {
        if let Some(v) = m.get_mut(k) {
            if let Some(us) = v.as_u64() {
                *v = Value::from(us.saturating_add(moved));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settling_moves_the_elapsed_times_on_and_drops_the_time_taken() {
        let mut r = json!({"elapsed_us": 10, "group_elapsed_us": 12, "_at": 1_000_000, "x": 1});
        assert_eq!(moved_us(3_000_000, &r), Some(2000));
        settle(3_000_000, &mut r);
        assert_eq!(
            r,
            json!({"elapsed_us": 2010, "group_elapsed_us": 2012, "x": 1})
        );
        let mut exited = json!({"elapsed_us": 10});
        settle(3_000_000, &mut exited);
        assert_eq!(exited, json!({"elapsed_us": 10}));
    }
}
