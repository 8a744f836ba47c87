//! TIME arguments (`--begin`, `--end`): a point in time as people type it.
//!
//! - `YYYY-MM-DD HH:MM[:SS]`, in local time;
//! - `HH:MM[:SS]`, today in local time;
//! - RFC 3339 (`2026-12-03T03:12:00Z`, `2026-12-03T03:12:00+01:00`);
//! - `-10m`, `-2h`, `-30s`, `-1d`: that long before now;
//! - `@UNIX`: seconds since the epoch.

use jiff::Timestamp;
use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;

/// What a TIME may look like, for messages.
pub const FORMS: &str =
    "YYYY-MM-DD HH:MM[:SS], HH:MM[:SS] (today), RFC 3339, -10m / -2h (before now) or @UNIX";

/// `text` as a point in time, relative forms counted back from `now` and
/// local forms read in time zone `tz`.
///
/// Only `Timestamp`, `civil` and `TimeZone` are used, never a zoned type:
/// jiff 0.2 calls that `Zoned` and jiff 1 `ZonedDateTime`, and taskstat
/// builds with both (docs/packaging.md).
pub fn parse(text: &str, now: Timestamp, tz: &TimeZone) -> Result<Timestamp, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a time: give {FORMS}");
    if let Some(secs) = t.strip_prefix('@') {
        let secs: i64 = secs.parse().map_err(|_| bad())?;
        return Timestamp::from_second(secs).map_err(|_| bad());
    }
    if let Some(ago) = t.strip_prefix('-') {
        return before(ago, now).ok_or_else(bad);
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let local = |dt: DateTime| tz.to_timestamp(dt).map_err(|_| bad());
    for form in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = DateTime::strptime(form, t) {
            return local(dt);
        }
    }
    for form in ["%H:%M:%S", "%H:%M"] {
        if let Ok(time) = Time::strptime(form, t) {
            return local(tz.to_datetime(now).date().to_datetime(time));
        }
    }
    Err(bad())
}

/// `text` against the system's time zone and clock.
pub fn parse_now(text: &str) -> Result<Timestamp, String> {
    parse(text, Timestamp::now(), &TimeZone::system())
}

/// `10m` before `now`: a whole number and one of s, m, h, d.
fn before(ago: &str, now: Timestamp) -> Option<Timestamp> {
    let unit = ago.chars().last()?;
    let n: i64 = ago.get(..ago.len() - unit.len_utf8())?.parse().ok()?;
    let secs = match unit {
        's' => n,
        'm' => n.checked_mul(60)?,
        'h' => n.checked_mul(3600)?,
        'd' => n.checked_mul(86_400)?,
        _ => return None,
    };
    Timestamp::from_second(now.as_second().checked_sub(secs)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Result<String, String> {
        let now = "2026-12-03T10:20:30Z"
            .parse::<Timestamp>()
            .expect("a timestamp");
        let tz = TimeZone::fixed(jiff::tz::offset(1));
        parse(text, now, &tz).map(|t| t.to_string())
    }

    #[test]
    fn every_form() {
        // Local time is UTC+1 here.
        assert_eq!(at("2026-12-01 03:12").unwrap(), "2026-12-01T02:12:00Z");
        assert_eq!(at("2026-12-01 03:12:09").unwrap(), "2026-12-01T02:12:09Z");
        assert_eq!(at("03:12").unwrap(), "2026-12-03T02:12:00Z");
        assert_eq!(at("03:12:05").unwrap(), "2026-12-03T02:12:05Z");
        assert_eq!(at("2026-12-01T03:12:00Z").unwrap(), "2026-12-01T03:12:00Z");
        assert_eq!(
            at("2026-12-01T03:12:00+02:00").unwrap(),
            "2026-12-01T01:12:00Z"
        );
        assert_eq!(at("-10m").unwrap(), "2026-12-03T10:10:30Z");
        assert_eq!(at("-2h").unwrap(), "2026-12-03T08:20:30Z");
        assert_eq!(at("-30s").unwrap(), "2026-12-03T10:20:00Z");
        assert_eq!(at("-1d").unwrap(), "2026-12-02T10:20:30Z");
        assert_eq!(at("@0").unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(at(" @1796300000 ").unwrap(), "2026-12-03T12:13:20Z");
    }

    #[test]
    fn bad_times_say_what_is_accepted() {
        for bad in [
            "",
            "yesterday",
            "25:00",
            "2026-13-01 00:00",
            "-10",
            "-10x",
            "-m",
            "@x",
            "@",
            "-99999999999999999999d",
            "12:3x",
        ] {
            let e = at(bad).expect_err(bad);
            assert!(
                e.contains("is not a time") && e.contains("@UNIX"),
                "{bad}: {e}"
            );
        }
    }
}
