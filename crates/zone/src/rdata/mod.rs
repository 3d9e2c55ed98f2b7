//! Record data: presentation format ⇄ uncompressed wire form.
//!
//! Each known type is described once, as a list of [`Field`]s
//! ([`layout`]). The same description drives reading presentation text,
//! writing it back, checking wire data and building the canonical form
//! (RFC 4034 §6.2), so the four cannot drift apart. Types without a layout
//! are read and written in the RFC 3597 generic form (`\# len hex`), which
//! is also accepted for every known type.

mod field;
mod svcb;
pub mod time;
pub mod view;

use crate::lexer::Token;
use crate::rtype::Rtype;
pub use field::{Field, decode_hex, decode_type_bitmap, encode_type_bitmap, parse_ttl};

/// Why a record's data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdataErrorKind {
    #[error("missing {expected} (the record ends too early)")]
    Missing { expected: &'static str },
    #[error("expected {expected}, found {found:?}")]
    Invalid {
        expected: &'static str,
        found: String,
    },
    #[error("unexpected {found:?} after the end of the record data")]
    Trailing { found: String },
    #[error("generic data says {declared} octets but has {actual}")]
    GenericLength { declared: usize, actual: usize },
    #[error("the generic data is not valid {rtype} data")]
    GenericMismatch { rtype: String },
    #[error("record data is {0} octets; at most 65535 fit")]
    TooLong(usize),
}

/// An error and the index of the token it concerns (`tokens.len()` when
/// something is missing at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdataError {
    pub token: usize,
    pub kind: RdataErrorKind,
}

impl RdataError {
    pub(crate) fn invalid(token: usize, expected: &'static str, found: &[u8]) -> Self {
        RdataError {
            token,
            kind: RdataErrorKind::Invalid {
                expected,
                found: String::from_utf8_lossy(found).into_owned(),
            },
        }
    }
}

/// The fields of a known type, in wire order.
pub fn layout(rtype: Rtype) -> Option<&'static [Field]> {
    use Field::*;
    Some(match rtype {
        Rtype::A => &[Ipv4],
        Rtype::AAAA => &[Ipv6],
        Rtype::NS | Rtype::CNAME | Rtype::PTR | Rtype::DNAME => &[Name],
        Rtype::SOA => &[Name, Name, U32, Ttl, Ttl, Ttl, Ttl],
        Rtype::MX | Rtype::KX | Rtype::AFSDB => &[U16, Name],
        Rtype::RP => &[Name, Name],
        Rtype::HINFO => &[CharString, CharString],
        Rtype::TXT | Rtype::SPF => &[CharStrings],
        Rtype::SRV => &[U16, U16, U16, Name],
        Rtype::NAPTR => &[U16, U16, CharString, CharString, CharString, Name],
        Rtype::DS | Rtype::CDS => &[U16, Algorithm, U8, HexRest],
        Rtype::SSHFP => &[U8, U8, HexRest],
        Rtype::RRSIG => &[
            TypeCovered,
            Algorithm,
            U8,
            Ttl,
            Time,
            Time,
            U16,
            Name,
            Base64Rest,
        ],
        Rtype::NSEC => &[Name, TypeBitmap],
        Rtype::DNSKEY | Rtype::CDNSKEY => &[U16, U8, Algorithm, Base64Rest],
        Rtype::NSEC3 => &[U8, U8, U16, Salt, NextHashed, TypeBitmap],
        Rtype::NSEC3PARAM => &[U8, U8, U16, Salt],
        Rtype::TLSA | Rtype::SMIMEA => &[U8, U8, U8, HexRest],
        Rtype::OPENPGPKEY => &[Base64Rest],
        Rtype::CSYNC => &[U32, U16, TypeBitmap],
        Rtype::ZONEMD => &[U32, U8, U8, HexRest],
        Rtype::SVCB | Rtype::HTTPS => &[U16, Name, SvcParams],
        Rtype::CAA => &[U8, CaaTag, CaaValue],
        Rtype::URI => &[U16, U16, CaaValue],
        _ => return None,
    })
}

/// Types whose embedded names are lowercased in the canonical form
/// (RFC 4034 §6.2 as corrected by RFC 6840 §5.1: not NSEC).
fn lowercases_names(rtype: Rtype) -> bool {
    matches!(
        rtype,
        Rtype::NS
            | Rtype::CNAME
            | Rtype::SOA
            | Rtype::PTR
            | Rtype::MX
            | Rtype::RP
            | Rtype::AFSDB
            | Rtype::NAPTR
            | Rtype::KX
            | Rtype::SRV
            | Rtype::DNAME
            | Rtype::RRSIG
    )
}

/// Reads record data from the tokens that follow the type.
pub fn parse(
    rtype: Rtype,
    tokens: &[Token<'_>],
    origin: Option<&crate::Name>,
) -> Result<Vec<u8>, RdataError> {
    if tokens
        .first()
        .is_some_and(|t| !t.quoted && t.text == b"\\#")
    {
        let wire = parse_generic(tokens)?;
        // RFC 3597 §5: generic data for a known type must still be valid data of that type.
        if !check_wire(rtype, &wire) {
            return Err(RdataError {
                token: 0,
                kind: RdataErrorKind::GenericMismatch {
                    rtype: rtype.to_string(),
                },
            });
        }
        return Ok(wire);
    }
    let Some(fields) = layout(rtype) else {
        let found = tokens.first().map(|t| t.text).unwrap_or(b"");
        return Err(RdataError::invalid(
            0,
            "the generic form \\# <length> <hex> for a type without a known format",
            found,
        ));
    };
    let mut wire = Vec::with_capacity(32);
    let mut next = 0usize;
    for field in fields {
        next = field.parse(tokens, next, origin, &mut wire)?;
    }
    if let Some(extra) = tokens.get(next) {
        return Err(RdataError {
            token: next,
            kind: RdataErrorKind::Trailing {
                found: String::from_utf8_lossy(extra.text).into_owned(),
            },
        });
    }
    if wire.len() > 65535 {
        return Err(RdataError {
            token: 0,
            kind: RdataErrorKind::TooLong(wire.len()),
        });
    }
    Ok(wire)
}

fn parse_generic(tokens: &[Token<'_>]) -> Result<Vec<u8>, RdataError> {
    let len_token = tokens.get(1).ok_or(RdataError {
        token: 1,
        kind: RdataErrorKind::Missing {
            expected: "the data length after \\#",
        },
    })?;
    let declared: usize = std::str::from_utf8(len_token.text)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n: &usize| n <= 65535)
        .ok_or_else(|| RdataError::invalid(1, "a data length (0-65535)", len_token.text))?;
    let mut wire = Vec::with_capacity(declared);
    for (i, token) in tokens.iter().enumerate().skip(2) {
        field::decode_hex_into(token.text, &mut wire)
            .ok_or_else(|| RdataError::invalid(i, "hexadecimal digits", token.text))?;
    }
    if wire.len() != declared {
        return Err(RdataError {
            token: tokens.len().min(2),
            kind: RdataErrorKind::GenericLength {
                declared,
                actual: wire.len(),
            },
        });
    }
    Ok(wire)
}

/// Checks that wire data matches the type's layout exactly.
pub fn check_wire(rtype: Rtype, wire: &[u8]) -> bool {
    let Some(fields) = layout(rtype) else {
        return true;
    };
    let mut at = 0;
    for field in fields {
        match field.wire_len(&wire[at..]) {
            Some(n) => at += n,
            None => return false,
        }
    }
    at == wire.len()
}

/// Writes record data in presentation format. Data that does not match the
/// type's layout (possible only through the generic form) is written in the
/// generic form, so output always reads back to the same bytes.
pub fn write(rtype: Rtype, wire: &[u8], out: &mut String) {
    let Some(fields) = layout(rtype).filter(|_| check_wire(rtype, wire)) else {
        write_generic(wire, out);
        return;
    };
    let mut at = 0;
    for (i, field) in fields.iter().enumerate() {
        if i > 0 && field.writes_something(&wire[at..]) {
            out.push(' ');
        }
        at += field.write(&wire[at..], out);
    }
}

pub fn write_generic(wire: &[u8], out: &mut String) {
    out.push_str("\\# ");
    out.push_str(&wire.len().to_string());
    if !wire.is_empty() {
        out.push(' ');
        out.push_str(&data_encoding::HEXUPPER.encode(wire));
    }
}

/// The canonical form of record data (RFC 4034 §6.2): embedded names
/// lowercased for the types that need it. Borrowed when nothing changes.
pub fn canonical(rtype: Rtype, wire: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !lowercases_names(rtype) || !check_wire(rtype, wire) {
        return std::borrow::Cow::Borrowed(wire);
    }
    let Some(fields) = layout(rtype) else {
        return std::borrow::Cow::Borrowed(wire);
    };
    let mut owned = wire.to_vec();
    let mut at = 0;
    for field in fields {
        let Some(n) = field.wire_len(&wire[at..]) else {
            break;
        };
        if matches!(field, Field::Name) {
            owned[at..at + n].make_ascii_lowercase();
        }
        at += n;
    }
    std::borrow::Cow::Owned(owned)
}

#[cfg(test)]
mod tests;
