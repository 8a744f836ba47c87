//! Time as people type it and as taskstat prints it, on jiff: no date
//! arithmetic of taskstat's own, and one table of duration units.
//!
//! TIME arguments (`--begin`, `--end`):
//! - `YYYY-MM-DD HH:MM[:SS]`, in local time;
//! - `HH:MM[:SS]`, today in local time;
//! - RFC 3339 (`2026-12-03T03:12:00Z`, `2026-12-03T03:12:00+01:00`);
//! - `-10m`, `-2h`, `-30s`, `-1d`: that long before now;
//! - `@UNIX`: seconds since the epoch.
//!
//! DURATION arguments (`record --max-age`): `90s`, `30m`, `12h`, `7d`.
//!
//! Only `Timestamp`, `civil` and `TimeZone` are used, never a zoned type:
//! jiff 0.2 calls that `Zoned` and jiff 1 `ZonedDateTime`, and taskstat
//! builds with both (docs/packaging.md).

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Unit};

/// What a TIME may look like, for messages.
pub const FORMS: &str =
    "YYYY-MM-DD HH:MM[:SS], HH:MM[:SS] (today), RFC 3339, -10m / -2h (before now) or @UNIX";

/// `text` as a point in time, relative forms counted back from `now` and
/// local forms read in time zone `tz`.
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

/// `10m` before `now`.
fn before(ago: &str, now: Timestamp) -> Option<Timestamp> {
    let secs = i64::try_from(seconds(ago)?).ok()?;
    Timestamp::from_second(now.as_second().checked_sub(secs)?).ok()
}

/// A DURATION argument in seconds, above 0.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    seconds(s.trim())
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{s:?}: give a duration such as 90s, 30m, 12h or 7d"))
}

/// `90s`, `30m`, `12h`, `7d` in seconds: a whole number and one of s, m, h,
/// d; None on overflow.
fn seconds(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let n: u64 = text.get(..text.len() - unit.len_utf8())?.parse().ok()?;
    let per = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(per)
}

/// `time_ns` (since the epoch) as RFC 3339 in UTC, to the microsecond; the
/// number itself beyond jiff's years (-9999 to 9999).
pub fn rfc3339(time_ns: i64) -> String {
    Timestamp::from_nanosecond(i128::from(time_ns))
        .ok()
        .and_then(|t| t.round(Unit::Microsecond).ok())
        .map_or_else(|| time_ns.to_string(), |t| t.to_string())
}

/// `time_ns` as people read it: `YYYY-MM-DD HH:MM:SS` in local time.
pub fn local_time(time_ns: i64) -> String {
    Timestamp::from_nanosecond(i128::from(time_ns))
        .map(|t| local(t, "%Y-%m-%d %H:%M:%S"))
        .unwrap_or_else(|_| time_ns.to_string())
}

/// Seconds since the epoch as getdelays prints them (`YYYY-MM-DDTHH:MM:SS`
/// in local time, localtime(3)'s), or None beyond jiff's years.
pub fn local_seconds(secs: i64) -> Option<String> {
    let t = Timestamp::from_second(secs).ok()?;
    Some(local(t, "%Y-%m-%dT%H:%M:%S"))
}

/// `t` in the system's time zone (TZ, else /etc/localtime).
fn local(t: Timestamp, form: &str) -> String {
    TimeZone::system().to_datetime(t).strftime(form).to_string()
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC`; the number itself
/// beyond the year 9999.
pub fn utc_seconds(secs: u64) -> String {
    utc(secs, "%Y-%m-%d %H:%M:%S UTC")
}

/// The time of day of `secs` since the epoch, `HH:MM:SS` in UTC.
pub fn utc_clock(secs: u64) -> String {
    utc(secs, "%H:%M:%S")
}

fn utc(secs: u64, form: &str) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok())
        .map_or_else(|| secs.to_string(), |t| t.strftime(form).to_string())
}

/// A store file's stamp: `20261203T031200Z`, the UTC second; the epoch for
/// a second beyond jiff's years.
pub fn file_stamp(secs: i64) -> String {
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime(FILE_STAMP)
        .to_string()
}

/// The second a [`file_stamp`] stands for.
pub fn parse_file_stamp(stamp: &str) -> Option<i64> {
    let civil = DateTime::strptime(FILE_STAMP, stamp).ok()?;
    Some(TimeZone::UTC.to_timestamp(civil).ok()?.as_second())
}

const FILE_STAMP: &str = "%Y%m%dT%H%M%SZ";

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

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration(" 30m "), Ok(1800));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        for bad in ["", "0s", "10", "10x", "d", "-1d", "99999999999999999999d"] {
            let e = parse_duration(bad).expect_err(bad);
            assert!(e.contains("give a duration such as"), "{bad}: {e}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(utc_seconds(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_seconds(1_795_000_000), "2026-11-18 11:06:40 UTC");
        assert_eq!(utc_seconds(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc_seconds(u64::MAX), u64::MAX.to_string());
        assert_eq!(utc_clock(1_795_000_000), "11:06:40");
        assert_eq!(
            rfc3339(1_795_000_000_123_456_789),
            "2026-11-18T11:06:40.123457Z"
        );
        assert_eq!(rfc3339(i64::MAX), "2262-04-11T23:47:16.854776Z");
        assert_eq!(file_stamp(1_795_000_000), "20261118T110640Z");
        assert_eq!(parse_file_stamp("20261118T110640Z"), Some(1_795_000_000));
        assert_eq!(parse_file_stamp("20261118T110640"), None);
    }
}
