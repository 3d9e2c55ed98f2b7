//! DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers").

use std::fmt;

/// A DNSSEC algorithm number, known or not.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Algorithm(pub u8);

const NAMES: &[(u8, &str)] = &[
    (1, "RSAMD5"),
    (3, "DSA"),
    (5, "RSASHA1"),
    (6, "DSA-NSEC3-SHA1"),
    (7, "RSASHA1-NSEC3-SHA1"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
    (12, "ECC-GOST"),
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
    (23, "ECC-GOST12"),
    (252, "INDIRECT"),
    (253, "PRIVATEDNS"),
    (254, "PRIVATEOID"),
];

impl Algorithm {
    pub const RSASHA1: Algorithm = Algorithm(5);
    pub const RSASHA1_NSEC3_SHA1: Algorithm = Algorithm(7);
    pub const RSASHA256: Algorithm = Algorithm(8);
    pub const RSASHA512: Algorithm = Algorithm(10);
    pub const ECDSAP256SHA256: Algorithm = Algorithm(13);
    pub const ECDSAP384SHA384: Algorithm = Algorithm(14);
    pub const ED25519: Algorithm = Algorithm(15);
    pub const ED448: Algorithm = Algorithm(16);

    pub fn from_mnemonic(text: &[u8]) -> Option<Algorithm> {
        NAMES
            .iter()
            .find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(text))
            .map(|(v, _)| Algorithm(*v))
    }

    pub fn mnemonic(self) -> Option<&'static str> {
        NAMES.iter().find(|(v, _)| *v == self.0).map(|(_, n)| *n)
    }

    /// Whether dnslab can check signatures made with this algorithm.
    pub fn can_verify(self) -> bool {
        matches!(self.0, 5 | 7 | 8 | 10 | 13 | 14 | 15)
    }

    /// Whether dnslab can make signatures with this algorithm.
    pub fn can_sign(self) -> bool {
        matches!(self.0, 8 | 10 | 13 | 14 | 15)
    }

    /// RFC 9904's recommendation for signing: `MUST NOT`, `NOT RECOMMENDED`,
    /// `MAY` or `RECOMMENDED`, for messages that explain the choice.
    pub fn signing_advice(self) -> &'static str {
        match self.0 {
            13 | 15 => "RECOMMENDED",
            8 | 14 | 16 => "MAY",
            10 => "NOT RECOMMENDED",
            _ => "MUST NOT",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(m) => write!(f, "{m} ({})", self.0),
            None => write!(f, "algorithm {}", self.0),
        }
    }
}

impl fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
