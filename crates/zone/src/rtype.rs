//! Record types and their mnemonics.

use std::fmt;

/// A resource record type (RFC 1035 §3.2.2 and the IANA registry).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rtype(pub u16);

macro_rules! rtypes {
    ($($name:ident = $value:expr),* $(,)?) => {
        impl Rtype {
            $(pub const $name: Rtype = Rtype($value);)*

            /// The mnemonic, when the type has one dnslab knows.
            pub fn mnemonic(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// Reads a mnemonic (case-insensitive) or the RFC 3597 `TYPEnnn` form.
            pub fn from_text(text: &[u8]) -> Option<Rtype> {
                $(if text.eq_ignore_ascii_case(stringify!($name).as_bytes()) {
                    return Some(Rtype::$name);
                })*
                let digits = strip_prefix_ignore_case(text, b"TYPE")?;
                parse_u16(digits).map(Rtype)
            }
        }
    };
}

rtypes! {
    A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15, TXT = 16,
    RP = 17, AFSDB = 18, AAAA = 28, LOC = 29, SRV = 33, NAPTR = 35, KX = 36, CERT = 37,
    DNAME = 39, OPT = 41, DS = 43, SSHFP = 44, RRSIG = 46, NSEC = 47, DNSKEY = 48,
    NSEC3 = 50, NSEC3PARAM = 51, TLSA = 52, SMIMEA = 53, CDS = 59, CDNSKEY = 60,
    OPENPGPKEY = 61, CSYNC = 62, ZONEMD = 63, SVCB = 64, HTTPS = 65, SPF = 99,
    URI = 256, CAA = 257,
}

impl Rtype {
    /// Types that only a signer produces; re-signing strips them first.
    pub fn is_dnssec_generated(self) -> bool {
        matches!(
            self,
            Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3 | Rtype::NSEC3PARAM
        )
    }
}

pub(crate) fn strip_prefix_ignore_case<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    if text.len() > prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix) {
        Some(&text[prefix.len()..])
    } else {
        None
    }
}

pub(crate) fn parse_u16(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    u16::try_from(v).ok()
}

impl fmt::Display for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(m) => f.write_str(m),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

impl fmt::Debug for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A record class. Zone files for dnslab are class IN; others are read in
/// the RFC 3597 form and kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Class(pub u16);

impl Class {
    pub const IN: Class = Class(1);
    pub const CH: Class = Class(3);
    pub const HS: Class = Class(4);

    pub fn from_text(text: &[u8]) -> Option<Class> {
        if text.eq_ignore_ascii_case(b"IN") {
            Some(Class::IN)
        } else if text.eq_ignore_ascii_case(b"CH") {
            Some(Class::CH)
        } else if text.eq_ignore_ascii_case(b"HS") {
            Some(Class::HS)
        } else {
            parse_u16(strip_prefix_ignore_case(text, b"CLASS")?).map(Class)
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Class::IN => f.write_str("IN"),
            Class::CH => f.write_str("CH"),
            Class::HS => f.write_str("HS"),
            Class(n) => write!(f, "CLASS{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_generic_form() {
        assert_eq!(Rtype::from_text(b"nsec3param"), Some(Rtype::NSEC3PARAM));
        assert_eq!(Rtype::from_text(b"TYPE65534"), Some(Rtype(65534)));
        assert_eq!(Rtype::from_text(b"TYPE65536"), None);
        assert_eq!(Rtype::from_text(b"TYPE"), None);
        assert_eq!(Rtype(65534).to_string(), "TYPE65534");
        assert_eq!(Rtype::ZONEMD.to_string(), "ZONEMD");
        assert_eq!(Class::from_text(b"CLASS1"), Some(Class::IN));
    }
}
