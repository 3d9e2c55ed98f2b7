//! Timer profiles: TTLs and signature lifetimes of the lab's zones.
//!
//! ## Background
//! A rollover waits for TTLs to expire: with real-world TTLs (an hour for
//! data, a day for DS) a KSK rollover takes days. The `workshop` profile
//! makes every TTL a minute so that each step of a rollover fits in a
//! class; `classroom` is a middle ground for multi-day courses; `standard`
//! is what a production ccTLD might run, for showing realistic numbers.
//!
//! | field | workshop | classroom | standard | meaning |
//! |---|---|---|---|---|
//! | `ttl` | 60s | 5m | 1h | TTL of ordinary records |
//! | `dnskey_ttl` | 60s | 5m | 1h | TTL of DNSKEY, CDS, CDNSKEY |
//! | `ds_ttl` | 60s | 5m | 1d | TTL of DS records in the parent |
//! | `negative_ttl` | 30s | 1m | 1h | SOA MINIMUM: how long NXDOMAIN is cached (RFC 2308) |
//! | `signature_validity` | 2d | 7d | 14d | RRSIG expiration − inception |
//! | `signature_refresh` | 1d | 3d | 7d | re-sign when less validity than this is left |
//! | `signature_inception_offset` | 1h | 1h | 1h | inception this long before signing (clock skew) |
//!
//! These numbers live in [`Timers::WORKSHOP`], [`Timers::CLASSROOM`] and
//! [`Timers::STANDARD`] and nowhere else. A lab file names a profile
//! (`timers: workshop`) or writes a table (`timers: { profile: classroom,
//! ds_ttl: 10m }`): the profile's values with the named ones replaced.
//!
//! ## Durations
//! Written as seconds (`300`) or with units: `90s`, `5m`, `1h`, `14d`,
//! `2w`, and combinations (`1h30m`). [`parse_duration`] reads them,
//! [`format_duration`] writes them back.

use crate::suggest::closest;
use std::fmt;
use std::str::FromStr;

/// TTLs and signature timing, all in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// TTL of ordinary records (SOA, NS, A, ...).
    pub ttl: u32,
    /// TTL of DNSKEY, CDS and CDNSKEY records.
    pub dnskey_ttl: u32,
    /// TTL of DS records (set by the parent).
    pub ds_ttl: u32,
    /// SOA MINIMUM, the negative-caching TTL (RFC 2308 §4).
    pub negative_ttl: u32,
    /// Signature expiration minus inception.
    pub signature_validity: u32,
    /// Re-sign when a signature has less than this left.
    pub signature_refresh: u32,
    /// Inception is set this long before the signing time.
    pub signature_inception_offset: u32,
}

const MINUTE: u32 = 60;
const HOUR: u32 = 3600;
const DAY: u32 = 86400;

impl Timers {
    /// Short TTLs so that rollovers fit in a class.
    pub const WORKSHOP: Timers = Timers {
        ttl: MINUTE,
        dnskey_ttl: MINUTE,
        ds_ttl: MINUTE,
        negative_ttl: 30,
        signature_validity: 2 * DAY,
        signature_refresh: DAY,
        signature_inception_offset: HOUR,
    };

    /// A few minutes: rollovers over a day of teaching.
    pub const CLASSROOM: Timers = Timers {
        ttl: 5 * MINUTE,
        dnskey_ttl: 5 * MINUTE,
        ds_ttl: 5 * MINUTE,
        negative_ttl: MINUTE,
        signature_validity: 7 * DAY,
        signature_refresh: 3 * DAY,
        signature_inception_offset: HOUR,
    };

    /// What a production zone might use.
    pub const STANDARD: Timers = Timers {
        ttl: HOUR,
        dnskey_ttl: HOUR,
        ds_ttl: DAY,
        negative_ttl: HOUR,
        signature_validity: 14 * DAY,
        signature_refresh: 7 * DAY,
        signature_inception_offset: HOUR,
    };

    /// The largest TTL of any record the lab publishes.
    pub fn max_ttl(&self) -> u32 {
        self.ttl
            .max(self.dnskey_ttl)
            .max(self.ds_ttl)
            .max(self.negative_ttl)
    }

    /// How often the lab records each trainee zone's timeline: a sixth of
    /// the shortest key-related TTL, at least 5 s (10 s with the workshop
    /// profile), so that a rollover step shows within a fraction of the
    /// time caches need to forget it.
    pub fn timeline_interval(&self) -> u32 {
        (self.ttl.min(self.dnskey_ttl).min(self.ds_ttl) / 6).max(5)
    }

    /// Why these timers cannot work, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let d = format_duration;
        if self.ttl == 0 || self.dnskey_ttl == 0 || self.ds_ttl == 0 {
            return Some("TTLs must be at least 1s".to_string());
        }
        if self.signature_refresh >= self.signature_validity {
            return Some(format!(
                "signature_refresh ({}) must be shorter than signature_validity ({}), or every signature would be refreshed at once",
                d(self.signature_refresh),
                d(self.signature_validity)
            ));
        }
        if self.signature_validity - self.signature_refresh <= self.max_ttl() {
            return Some(format!(
                "signature_validity − signature_refresh ({}) must exceed the largest TTL ({}), or caches would keep expired signatures",
                d(self.signature_validity - self.signature_refresh),
                d(self.max_ttl())
            ));
        }
        None
    }
}

/// A named set of [`Timers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerProfile {
    Workshop,
    Classroom,
    Standard,
}

impl TimerProfile {
    /// The profile of a lab file without `timers:`.
    pub const DEFAULT: TimerProfile = TimerProfile::Workshop;
    pub const ALL: [TimerProfile; 3] = [
        TimerProfile::Workshop,
        TimerProfile::Classroom,
        TimerProfile::Standard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TimerProfile::Workshop => "workshop",
            TimerProfile::Classroom => "classroom",
            TimerProfile::Standard => "standard",
        }
    }

    pub fn timers(self) -> Timers {
        match self {
            TimerProfile::Workshop => Timers::WORKSHOP,
            TimerProfile::Classroom => Timers::CLASSROOM,
            TimerProfile::Standard => Timers::STANDARD,
        }
    }
}

impl fmt::Display for TimerProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that is not a profile, and the closest profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown timer profile {name:?}{}", match .suggestion {
    Some(s) => format!(", did you mean {s:?}?"),
    None => " (profiles: workshop, classroom, standard, or a table of timers)".to_string(),
})]
pub struct UnknownProfile {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

impl FromStr for TimerProfile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<TimerProfile, UnknownProfile> {
        TimerProfile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownProfile {
                name: s.to_string(),
                suggestion: closest(s, TimerProfile::ALL.map(|p| p.name())),
            })
    }
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad duration {text:?}: {reason} (write seconds, or units: 90s, 5m, 1h, 14d, 2w, 1h30m)")]
pub struct BadDuration {
    pub text: String,
    pub reason: &'static str,
}

/// Reads `300`, `90s`, `5m`, `1h`, `14d`, `2w` or combinations such as
/// `1h30m`, into seconds.
pub fn parse_duration(text: &str) -> Result<u32, BadDuration> {
    let bad = |reason| BadDuration {
        text: text.to_string(),
        reason,
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("empty"));
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| bad("too large"));
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for c in t.chars() {
        if let Some(digit) = c.to_digit(10) {
            let n = number.unwrap_or(0) * 10 + u64::from(digit);
            if n > u64::from(u32::MAX) {
                return Err(bad("too large"));
            }
            number = Some(n);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => return Err(bad("unknown unit")),
        };
        let n = number.take().ok_or(bad("a unit without a number"))?;
        total += n * unit;
        if total > u64::from(u32::MAX) {
            return Err(bad("too large"));
        }
    }
    if number.is_some() {
        return Err(bad("a number without a unit after another with one"));
    }
    Ok(total as u32)
}

/// Writes seconds the way lab files do: `2d`, `1h30m`, `45s`, `0s`.
pub fn format_duration(seconds: u32) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut rest = seconds;
    let mut out = String::new();
    for (unit, suffix) in [(DAY, 'd'), (HOUR, 'h'), (MINUTE, 'm'), (1, 's')] {
        if rest >= unit {
            out.push_str(&(rest / unit).to_string());
            out.push(suffix);
            rest %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300"), Ok(300));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("14d"), Ok(14 * 86400));
        assert_eq!(parse_duration("2w"), Ok(14 * 86400));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("1h30").is_err());
        assert!(parse_duration("99999999999").is_err());
        assert_eq!(format_duration(5400), "1h30m");
        assert_eq!(format_duration(2 * 86400), "2d");
    }

    #[test]
    fn profiles_are_sound() {
        for p in TimerProfile::ALL {
            assert_eq!(p.timers().problem(), None, "{p}");
            assert_eq!(p.name().parse::<TimerProfile>(), Ok(p));
        }
        assert_eq!(
            "workshp".parse::<TimerProfile>().unwrap_err().suggestion,
            Some("workshop")
        );
    }
}
