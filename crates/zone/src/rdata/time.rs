//! Times in DNSSEC records and on the command line.
//!
//! RRSIG times are 32-bit seconds since the epoch compared with serial
//! arithmetic (RFC 4034 §3.1.5). They are written as `YYYYMMDDHHMMSS`
//! in UTC. Times beyond 2106 wrap; dnslab writes the date in 1970–2106.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Seconds since the epoch of a `YYYYMMDDHHMMSS` string.
pub fn parse_timestamp(text: &[u8]) -> Option<i64> {
    if text.len() != 14 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        text[r]
            .iter()
            .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'))
    };
    let (y, mo, d, h, mi, s) = (
        i64::from(num(0..4)),
        num(4..6),
        num(6..8),
        num(8..10),
        num(10..12),
        num(12..14),
    );
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59
    {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86400 + i64::from(h * 3600 + mi * 60 + s))
}

/// Reads an RRSIG time field: `YYYYMMDDHHMMSS` or plain seconds.
pub fn parse_rrsig_time(text: &[u8]) -> Option<u32> {
    if text.len() == 14 {
        return parse_timestamp(text).map(|t| t as u32);
    }
    if text.is_empty() || text.len() > 10 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = text.iter().fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
    u32::try_from(v).ok()
}

/// `YYYYMMDDHHMMSS` for seconds since the epoch.
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// A readable UTC time, for messages: `2026-11-20 10:00:00 UTC`.
pub fn format_human(secs: i64) -> String {
    let t = format_timestamp(secs);
    format!(
        "{}-{}-{} {}:{}:{} UTC",
        &t[0..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..14]
    )
}

/// RFC 3339 UTC, for machine-readable reports: `2026-11-20T10:00:00Z`.
pub fn format_rfc3339(secs: i64) -> String {
    let t = format_timestamp(secs);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &t[0..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..14]
    )
}

pub fn write_rrsig_time(value: u32, out: &mut String) {
    out.push_str(&format_timestamp(i64::from(value)));
}

/// Current time in seconds since the epoch, or the value of
/// `DNSLAB_NOW` (seconds since the epoch) when it is set: the virtual
/// clock `dnslab scenario test` runs rollover steps on.
pub fn now() -> i64 {
    if let Some(t) = std::env::var("DNSLAB_NOW")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        return t;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Reads a time given on the command line, relative to `now`:
/// `now`, `now+14d`, `+1h`, `-1h`, `YYYYMMDDHHMMSS`, or seconds since the epoch.
pub fn parse_time_arg(text: &str, now: i64) -> Option<i64> {
    let (base, rest) = if let Some(rest) = text.strip_prefix("now") {
        (now, rest)
    } else if text.starts_with('+') || text.starts_with('-') {
        (now, text)
    } else if text.len() == 14 {
        return parse_timestamp(text.as_bytes());
    } else {
        return text.parse::<u32>().ok().map(i64::from);
    };
    if rest.is_empty() {
        return Some(base);
    }
    let (sign, amount) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let secs = super::field::parse_ttl(amount.as_bytes())?;
    Some(base + sign * i64::from(secs))
}

/// Serial-number comparison of 32-bit times (RFC 1982): is `a` before `b`?
pub fn serial_lt(a: u32, b: u32) -> bool {
    a != b && (b.wrapping_sub(a) as i32) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(parse_timestamp(b"19700101000000"), Some(0));
        assert_eq!(parse_timestamp(b"20261120100000"), Some(1_795_168_800));
        assert_eq!(format_timestamp(1_795_168_800), "20261120100000");
        assert_eq!(parse_timestamp(b"20260230000000"), None);
        assert_eq!(
            parse_timestamp(b"20240229000000")
                .map(format_timestamp)
                .as_deref(),
            Some("20240229000000")
        );
        assert_eq!(format_human(0), "1970-01-01 00:00:00 UTC");
    }

    #[test]
    fn relative_arguments() {
        assert_eq!(parse_time_arg("now+1h", 1000), Some(4600));
        assert_eq!(parse_time_arg("-1h", 4600), Some(1000));
        assert_eq!(parse_time_arg("now", 7), Some(7));
        assert_eq!(parse_time_arg("now+14d", 0), Some(14 * 86400));
        assert_eq!(parse_time_arg("12345", 0), Some(12345));
        assert_eq!(parse_time_arg("soon", 0), None);
    }

    #[test]
    fn serial_arithmetic() {
        assert!(serial_lt(1, 2));
        assert!(serial_lt(u32::MAX, 1));
        assert!(!serial_lt(2, 1));
    }
}
