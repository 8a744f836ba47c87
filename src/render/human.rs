//! Human units for tables. Null is "-", never 0.

pub const NONE: &str = "-";

/// A name that came from a task (comm, a path) as people see it: control
/// characters become `?`, as ps shows them, so that a task cannot forge
/// lines or move the cursor in output people read; so do bytes that are not
/// UTF-8, which the record carries as U+FFFD. JSON and csv carry the name
/// as the record has it.
pub fn name(s: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() || c == char::REPLACEMENT_CHARACTER;
    if s.chars().any(hidden) {
        s.chars()
            .map(|c| if hidden(c) { '?' } else { c })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// [`name`] for raw bytes (getdelays' text prints comm from the kernel's
/// struct): each run of bytes that is not UTF-8 becomes one `?`, as in
/// every other text format.
pub fn name_bytes(b: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match name(&String::from_utf8_lossy(b)) {
        std::borrow::Cow::Borrowed(s) if s.len() == b.len() => b.into(),
        shown => shown.into_owned().into_bytes().into(),
    }
}

/// The unit of a column of durations: ms with three decimals (the unit
/// getdelays uses), or s when every figure in the column (zeros aside) is
/// 10 s or more. One unit serves the whole column, so that a column never
/// mixes s and ms and its figures compare at a glance; a column with small
/// figures stays in ms, where s would show a 7 µs wait as 0.000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Ms,
    S,
}

impl TimeUnit {
    /// The unit for a column of nanoseconds.
    pub fn of_ns(column: impl IntoIterator<Item = Option<u64>>) -> TimeUnit {
        let mut nonzero = column.into_iter().flatten().filter(|&v| v > 0).peekable();
        if nonzero.peek().is_some() && nonzero.all(|v| v >= 10_000_000_000) {
            TimeUnit::S
        } else {
            TimeUnit::Ms
        }
    }

    /// The unit for a column of microseconds.
    pub fn of_us(column: impl IntoIterator<Item = Option<u64>>) -> TimeUnit {
        TimeUnit::of_ns(column.into_iter().map(ns_of_us))
    }

    pub fn ns(self, v: Option<u64>) -> String {
        match (v, self) {
            (None, _) => NONE.to_string(),
            (Some(v), TimeUnit::S) => format!("{:.3} s", v as f64 / 1e9),
            (Some(v), TimeUnit::Ms) => format!("{:.3} ms", v as f64 / 1e6),
        }
    }

    pub fn us(self, v: Option<u64>) -> String {
        self.ns(ns_of_us(v))
    }
}

fn ns_of_us(v: Option<u64>) -> Option<u64> {
    v.map(|v| v.saturating_mul(1000))
}

/// One duration on its own: ms, or s from 10 s.
pub fn ns(v: Option<u64>) -> String {
    TimeUnit::of_ns([v]).ns(v)
}

pub fn us(v: Option<u64>) -> String {
    ns(ns_of_us(v))
}

pub fn count(v: Option<u64>) -> String {
    v.map_or_else(|| NONE.to_string(), |v| v.to_string())
}

/// Bytes in binary units.
pub fn bytes(v: Option<u64>) -> String {
    let Some(v) = v else {
        return NONE.to_string();
    };
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut x = v as f64;
    let mut u = 0;
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

pub fn kib(v: Option<u64>) -> String {
    bytes(v.map(|v| v.saturating_mul(1024)))
}

/// Epoch seconds as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn epoch(v: Option<u64>) -> String {
    v.map_or_else(|| NONE.to_string(), crate::time::utc_seconds)
}

pub fn sched_policy(v: Option<u8>) -> String {
    match v {
        None => NONE.to_string(),
        Some(p) => {
            let name = match p {
                0 => "normal",
                1 => "fifo",
                2 => "rr",
                3 => "batch",
                5 => "idle",
                6 => "deadline",
                7 => "ext",
                _ => "?",
            };
            format!("{p} ({name})")
        }
    }
}

/// acct flags, e.g. `0x21 (AFORK|AGROUP)`.
pub fn acct_flags(v: Option<u8>) -> String {
    let Some(f) = v else {
        return NONE.to_string();
    };
    let names: Vec<&str> = [
        (0x01, "AFORK"),
        (0x02, "ASU"),
        (0x04, "ACOMPAT"),
        (0x08, "ACORE"),
        (0x10, "AXSIG"),
        (0x20, "AGROUP"),
    ]
    .into_iter()
    .filter(|(bit, _)| f & bit != 0)
    .map(|(_, n)| n)
    .collect();
    if names.is_empty() {
        format!("{f:#x}")
    } else {
        format!("{f:#x} ({})", names.join("|"))
    }
}

/// A wait(2)-style status: `exited 3`, `killed by signal 9`.
pub fn exit_status(v: Option<u32>) -> String {
    let Some(st) = v else {
        return NONE.to_string();
    };
    let sig = st & 0x7f;
    if st == 0 {
        "0".to_string()
    } else if sig == 0 {
        format!("{st} (exited {})", (st >> 8) & 0xff)
    } else {
        let core = if st & 0x80 != 0 { ", core dumped" } else { "" };
        format!("{st} (killed by signal {sig}{core})")
    }
}

/// `exited 3`, `killed by signal 9`, `killed by signal 11, core dumped`.
pub fn exit_reason(v: Option<u32>) -> String {
    let Some(st) = v else {
        return NONE.to_string();
    };
    let sig = st & 0x7f;
    if sig == 0 {
        format!("exited {}", (st >> 8) & 0xff)
    } else {
        let core = if st & 0x80 != 0 { ", core dumped" } else { "" };
        format!("killed by signal {sig}{core}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_formats_known_dates() {
        assert_eq!(epoch(Some(0)), "1970-01-01 00:00:00 UTC");
        assert_eq!(epoch(Some(1_795_000_000)), "2026-11-18 11:06:40 UTC");
        assert_eq!(epoch(Some(951_782_400)), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn units() {
        assert_eq!(ns(Some(1_500_000)), "1.500 ms");
        assert_eq!(ns(None), "-");
        assert_eq!(bytes(Some(1023)), "1023 B");
        assert_eq!(bytes(Some(1536)), "1.5 KiB");
        assert_eq!(exit_status(Some(768)), "768 (exited 3)");
        assert_eq!(exit_status(Some(9)), "9 (killed by signal 9)");
        assert_eq!(acct_flags(Some(0x21)), "0x21 (AFORK|AGROUP)");
        assert_eq!(name("a,b\"c\nd\te;f"), "a,b\"c?d?e;f");
        assert_eq!(name("\u{1b}[2Jx\u{7f}"), "?[2Jx?");
        assert_eq!(name("plain ü"), "plain ü");
        assert_eq!(&*name_bytes(b"a\nb\xff\x1b"), b"a?b??");
        assert_eq!(&*name_bytes(b"ok \xc3\xbc"), "ok ü".as_bytes());
        assert_eq!(name("x\u{fffd}y"), "x?y");
        assert_eq!(exit_reason(Some(0)), "exited 0");
        assert_eq!(exit_reason(Some(768)), "exited 3");
        assert_eq!(exit_reason(Some(0x89)), "killed by signal 9, core dumped");
    }
}
