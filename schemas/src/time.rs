//! Timestamps as real records write them.
//!
//! CloudTrail writes `2025-03-06T02:25:06Z`, but the same record families
//! also carry `20131102T010628Z`, fractional seconds, offsets, epoch seconds
//! or milliseconds (as numbers or quoted), and locale dates such as
//! `Aug 10, 2022, 10:38:27 PM` inside `responseElements`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::lenient::Scalar;

/// Microseconds since the Unix epoch, UTC: the unit of every `event_time`.
pub type Micros = i64;

const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y%m%dT%H%M%S",
    "%b %d, %Y, %I:%M:%S %p",
    "%b %d, %Y %I:%M:%S %p",
    "%d/%b/%Y:%H:%M:%S",
];

/// Parse a timestamp written as text. Strings without a zone are UTC.
pub fn parse_text(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Zone written as a trailing `Z` that RFC 3339 rejects (e.g. compact form).
    let (body, zulu) = match s.strip_suffix('Z') {
        Some(b) => (b, true),
        None => (s, false),
    };
    for f in NAIVE_FORMATS {
        if let Ok(t) = NaiveDateTime::parse_from_str(body, f) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    // `+0000`-style offsets (CLF, API Gateway `requestTime`).
    if !zulu {
        for f in ["%d/%b/%Y:%H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
            if let Ok(t) = DateTime::parse_from_str(s, f) {
                return Some(t.with_timezone(&Utc));
            }
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(body, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    }
    s.parse::<f64>().ok().and_then(from_epoch)
}

/// Epoch seconds, or milliseconds when the number is too large to be seconds.
pub fn from_epoch(n: f64) -> Option<DateTime<Utc>> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let secs = if n > 1e11 { n / 1000.0 } else { n };
    let whole = secs.trunc() as i64;
    let nanos = ((secs - secs.trunc()) * 1e9).round() as u32;
    Utc.timestamp_opt(whole, nanos.min(999_999_999)).single()
}

/// Parse a timestamp from any scalar JSON value.
pub fn parse_scalar(v: &Scalar<'_>) -> Option<DateTime<Utc>> {
    match v {
        Scalar::Str(s) => parse_text(s),
        Scalar::Int(i) => from_epoch(*i as f64),
        Scalar::Float(f) => from_epoch(*f),
        _ => None,
    }
}

pub fn to_micros(t: DateTime<Utc>) -> Micros {
    t.timestamp_micros()
}

pub fn from_micros(m: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}

/// Days since 1970-01-01 of the UTC date of `m`: the `date` partition value.
pub fn date32_of(m: Micros) -> i32 {
    m.div_euclid(86_400_000_000) as i32
}

/// `YYYY-MM-DD` of a Date32 value.
pub fn date32_to_string(d: i32) -> String {
    NaiveDate::from_num_days_from_ce_opt(d + 719_163)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Date32 value of `YYYY-MM-DD`.
pub fn date32_from_str(s: &str) -> Option<i32> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.signed_duration_since(NaiveDate::default()).num_days() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        parse_text(s).map(|t| t.to_rfc3339()).unwrap_or_default()
    }

    #[test]
    fn forms_seen_in_real_records() {
        assert_eq!(iso("2025-03-06T02:25:06Z"), "2025-03-06T02:25:06+00:00");
        assert_eq!(
            iso("2021-11-18T09:41:02-08:00"),
            "2021-11-18T17:41:02+00:00"
        );
        assert_eq!(iso("20131102T010628Z"), "2013-11-02T01:06:28+00:00");
        assert_eq!(
            iso("Aug 10, 2022, 10:38:27 PM"),
            "2022-08-10T22:38:27+00:00"
        );
        assert_eq!(iso("1436317441.0"), "2015-07-08T01:04:01+00:00");
        assert_eq!(iso("1436317441000"), "2015-07-08T01:04:01+00:00");
        assert_eq!(
            iso("02/Jun/2017:21:06:04 +0000"),
            "2017-06-02T21:06:04+00:00"
        );
        assert_eq!(
            iso("2022-02-14T12:00:00.123Z"),
            "2022-02-14T12:00:00.123+00:00"
        );
        assert_eq!(iso("ThisIsAWrongEventTime"), "");
    }

    #[test]
    fn dates() {
        let m = to_micros(parse_text("2025-03-06T23:59:59Z").unwrap());
        let d = date32_of(m);
        assert_eq!(date32_to_string(d), "2025-03-06");
        assert_eq!(date32_from_str("2025-03-06"), Some(d));
        assert_eq!(date32_of(-1), -1);
    }
}
