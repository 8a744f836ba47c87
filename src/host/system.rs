//! Facts about the running system that explain the kernel's answers:
//! the delay-accounting switch, capabilities and namespaces.

use std::fs;

pub const DELAYACCT_SYSCTL: &str = "/proc/sys/kernel/task_delayacct";
const CAP_NET_ADMIN: u32 = 12;

/// `kernel.task_delayacct`, or `None` when it cannot be read.
pub fn delayacct() -> Option<bool> {
    parse_delayacct(&super::procfs::read_proc(DELAYACCT_SYSCTL).ok()?)
}

pub fn parse_delayacct(text: &str) -> Option<bool> {
    match text.trim() {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// A `Key:\tvalue` line of /proc/self/status.
fn status_field(status: &str, key: &str) -> Option<String> {
    status.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == key).then(|| v.trim().to_string())
    })
}

/// Whether this process holds CAP_NET_ADMIN in its effective set.
pub fn has_cap_net_admin() -> Option<bool> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    cap_in(&status_field(&status, "CapEff")?, CAP_NET_ADMIN)
}

pub fn cap_in(hex: &str, cap: u32) -> Option<bool> {
    let mask = u64::from_str_radix(hex, 16).ok()?;
    Some(mask & (1 << cap) != 0)
}

/// How deep this process's pid namespace is: 0 is the initial one.
pub fn pid_ns_depth() -> Option<usize> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    Some(
        status_field(&status, "NSpid")?
            .split_whitespace()
            .count()
            .saturating_sub(1),
    )
}

/// Whether this process is in the initial network namespace, judged by
/// kthreadd's (pid 2 in the initial pid namespace; kernel threads always live
/// in the initial network namespace). Pid 1's link is often unreadable in
/// sandboxes, kthreadd's is not.
pub fn in_initial_net_ns() -> Option<bool> {
    if fs::read_to_string("/proc/2/comm").ok()?.trim() != "kthreadd" {
        return None;
    }
    let mine = fs::read_link("/proc/self/ns/net").ok()?;
    let init = fs::read_link("/proc/2/ns/net").ok()?;
    Some(mine == init)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sysctl_and_caps() {
        assert_eq!(parse_delayacct("0\n"), Some(false));
        assert_eq!(parse_delayacct("1\n"), Some(true));
        assert_eq!(parse_delayacct("x"), None);
        assert_eq!(cap_in("000001ffffffffff", 12), Some(true));
        assert_eq!(cap_in("0000000000000000", 12), Some(false));
        assert_eq!(cap_in("0000000000001000", 12), Some(true));
        assert_eq!(cap_in("zz", 12), None);
    }
}
