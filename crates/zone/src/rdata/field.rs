//! The building blocks of record data layouts.

use super::{RdataError, RdataErrorKind, svcb, time};
use crate::Algorithm as DnssecAlgorithm;
use crate::lexer::Token;
use crate::name::{Name as DomainName, push_ddd, unescape};
use crate::rtype::Rtype;
use data_encoding::{BASE32HEX_NOPAD, BASE64, HEXUPPER};

/// One field of a record data layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    U8,
    U16,
    U32,
    /// A 32-bit number of seconds, also written with units (`1h30m`).
    Ttl,
    Ipv4,
    Ipv6,
    Name,
    CharString,
    /// One or more character strings, to the end.
    CharStrings,
    /// Base64 to the end; white space inside is allowed.
    Base64Rest,
    /// Hexadecimal to the end; white space inside is allowed.
    HexRest,
    /// NSEC3 salt: a length octet, then the octets; `-` is empty.
    Salt,
    /// NSEC3 next hashed owner: a length octet, then base32hex.
    NextHashed,
    /// NSEC/NSEC3/CSYNC type bitmap, to the end.
    TypeBitmap,
    /// A record type (RRSIG type covered).
    TypeCovered,
    /// A DNSSEC algorithm number or mnemonic.
    Algorithm,
    /// RRSIG time: YYYYMMDDHHMMSS or seconds since the epoch.
    Time,
    /// SVCB/HTTPS parameters, to the end.
    SvcParams,
    /// CAA tag: a length octet, then the tag.
    CaaTag,
    /// CAA value or URI target: one string, the rest of the data, no length.
    CaaValue,
}

fn missing(at: usize, expected: &'static str) -> RdataError {
    RdataError {
        token: at,
        kind: RdataErrorKind::Missing { expected },
    }
}

fn parse_number(text: &[u8], max: u64) -> Option<u64> {
    if text.is_empty() || text.len() > 10 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = text.iter().fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
    (v <= max).then_some(v)
}

/// Reads a TTL: plain seconds or BIND's units (`1w2d3h4m5s`).
pub fn parse_ttl(text: &[u8]) -> Option<u32> {
    if let Some(v) = parse_number(text, u64::from(u32::MAX)) {
        return Some(v as u32);
    }
    let mut total = 0u64;
    let mut current: Option<u64> = None;
    for &c in text {
        if c.is_ascii_digit() {
            current = Some(current.unwrap_or(0).checked_mul(10)? + u64::from(c - b'0'));
        } else {
            let unit = match c.to_ascii_lowercase() {
                b's' => 1,
                b'm' => 60,
                b'h' => 3600,
                b'd' => 86400,
                b'w' => 604800,
                _ => return None,
            };
            total = total.checked_add(current.take()?.checked_mul(unit)?)?;
        }
    }
    if let Some(rest) = current {
        total = total.checked_add(rest)?;
    }
    u32::try_from(total).ok()
}

/// Decodes hexadecimal digits (either case); `None` for odd lengths or
/// other characters.
pub fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 2);
    decode_hex_into(text, &mut out)?;
    Some(out)
}

pub(crate) fn decode_hex_into(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    for pair in text.chunks_exact(2) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out.push((hi * 16 + lo) as u8);
    }
    Some(())
}

/// Decodes a character string's escapes.
pub(crate) fn decode_char_string(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            let (b, used) = unescape(&text[i..])?;
            out.push(b);
            i += used;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Some(out)
}

pub(crate) fn write_char_string(bytes: &[u8], out: &mut String) {
    out.push('"');
    write_escaped(bytes, out);
    out.push('"');
}

pub(crate) fn write_escaped(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                out.push('\\');
                push_ddd(b, out);
            }
        }
    }
}

fn type_bitmap_len(wire: &[u8]) -> Option<usize> {
    let mut at = 0;
    let mut last_window: Option<u8> = None;
    while at < wire.len() {
        let window = wire[at];
        let len = *wire.get(at + 1)? as usize;
        if len == 0 || len > 32 || last_window.is_some_and(|w| w >= window) {
            return None;
        }
        last_window = Some(window);
        at += 2 + len;
    }
    (at == wire.len()).then_some(at)
}

/// Encodes a set of types as an NSEC-style bitmap (RFC 4034 §4.1.2).
pub fn encode_type_bitmap(types: &[Rtype], out: &mut Vec<u8>) {
    let mut sorted: Vec<u16> = types.iter().map(|t| t.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut i = 0;
    while i < sorted.len() {
        let window = (sorted[i] >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut used = 0;
        while i < sorted.len() && (sorted[i] >> 8) as u8 == window {
            let low = (sorted[i] & 0xff) as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            used = low / 8 + 1;
            i += 1;
        }
        out.push(window);
        out.push(used as u8);
        out.extend_from_slice(&bits[..used]);
    }
}

/// The types in an NSEC-style bitmap, ascending.
pub fn decode_type_bitmap(wire: &[u8]) -> Vec<Rtype> {
    let mut types = Vec::new();
    let mut at = 0;
    while at + 2 <= wire.len() {
        let window = u16::from(wire[at]);
        let len = wire[at + 1] as usize;
        let Some(bits) = wire.get(at + 2..at + 2 + len) else {
            break;
        };
        for (byte_index, &byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(Rtype((window << 8) | (byte_index * 8 + bit) as u16));
                }
            }
        }
        at += 2 + len;
    }
    types
}

impl Field {
    /// Reads this field from `tokens[at..]` into `wire`, returning the index
    /// of the next unread token.
    pub fn parse(
        self,
        tokens: &[Token<'_>],
        at: usize,
        origin: Option<&DomainName>,
        wire: &mut Vec<u8>,
    ) -> Result<usize, RdataError> {
        let token = tokens.get(at);
        let text = token.map(|t| t.text).unwrap_or_default();
        let need = |expected: &'static str| token.map(|_| ()).ok_or_else(|| missing(at, expected));
        let bad = |expected: &'static str| RdataError::invalid(at, expected, text);
        match self {
            Field::U8 => {
                need("a number (0-255)")?;
                wire.push(parse_number(text, 255).ok_or_else(|| bad("a number (0-255)"))? as u8);
            }
            Field::U16 => {
                need("a number (0-65535)")?;
                let v = parse_number(text, 65535).ok_or_else(|| bad("a number (0-65535)"))? as u16;
                wire.extend_from_slice(&v.to_be_bytes());
            }
            Field::U32 => {
                need("a number (0-4294967295)")?;
                let v = parse_number(text, u64::from(u32::MAX))
                    .ok_or_else(|| bad("a number (0-4294967295)"))? as u32;
                wire.extend_from_slice(&v.to_be_bytes());
            }
            Field::Ttl => {
                need("a time in seconds or with units (1h30m)")?;
                let v = parse_ttl(text)
                    .ok_or_else(|| bad("a time in seconds or with units (1h30m)"))?;
                wire.extend_from_slice(&v.to_be_bytes());
            }
            Field::Ipv4 => {
                need("an IPv4 address")?;
                let addr: std::net::Ipv4Addr = std::str::from_utf8(text)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("an IPv4 address"))?;
                wire.extend_from_slice(&addr.octets());
            }
            Field::Ipv6 => {
                need("an IPv6 address")?;
                let addr: std::net::Ipv6Addr = std::str::from_utf8(text)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("an IPv6 address"))?;
                wire.extend_from_slice(&addr.octets());
            }
            Field::Name => {
                need("a domain name")?;
                let name = DomainName::parse(text, origin).map_err(|e| RdataError {
                    token: at,
                    kind: RdataErrorKind::Invalid {
                        expected: "a domain name",
                        found: e.to_string(),
                    },
                })?;
                wire.extend_from_slice(name.as_wire());
            }
            Field::CharString => {
                need("a character string")?;
                push_char_string(text, at, wire)?;
            }
            Field::CharStrings => {
                need("one or more character strings")?;
                for (i, t) in tokens.iter().enumerate().skip(at) {
                    push_char_string(t.text, i, wire)?;
                }
                return Ok(tokens.len());
            }
            Field::Base64Rest | Field::HexRest => {
                let what = if self == Field::HexRest {
                    "hexadecimal digits"
                } else {
                    "base64 data"
                };
                need(what)?;
                let joined: Vec<u8> = tokens[at..]
                    .iter()
                    .flat_map(|t| t.text.iter().copied())
                    .collect();
                let valid_char = |c: &u8| {
                    if self == Field::HexRest {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')
                    }
                };
                // Point at the token with the bad character, else the last one
                // (the data as a whole has the wrong length).
                let culprit = || {
                    let i = tokens[at..]
                        .iter()
                        .position(|t| !t.text.iter().all(valid_char))
                        .map_or(tokens.len() - 1, |i| at + i);
                    RdataError::invalid(i, what, tokens[i].text)
                };
                if self == Field::HexRest {
                    // CDS delete (RFC 8078) and friends write a lone `0`.
                    if joined != b"0" {
                        decode_hex_into(&joined, wire).ok_or_else(culprit)?;
                    } else {
                        wire.push(0);
                    }
                } else {
                    let decoded = BASE64.decode(&joined).map_err(|_| culprit())?;
                    wire.extend_from_slice(&decoded);
                }
                return Ok(tokens.len());
            }
            Field::Salt => {
                need("a salt in hexadecimal, or - for none")?;
                if text == b"-" {
                    wire.push(0);
                } else {
                    let mut salt = Vec::new();
                    decode_hex_into(text, &mut salt)
                        .filter(|_| salt.len() <= 255)
                        .ok_or_else(|| bad("a salt in hexadecimal, or - for none"))?;
                    wire.push(salt.len() as u8);
                    wire.extend_from_slice(&salt);
                }
            }
            Field::NextHashed => {
                need("the next hashed owner name in base32hex")?;
                let upper = text.to_ascii_uppercase();
                let hash = BASE32HEX_NOPAD
                    .decode(&upper)
                    .ok()
                    .filter(|h| !h.is_empty() && h.len() <= 255)
                    .ok_or_else(|| bad("the next hashed owner name in base32hex"))?;
                wire.push(hash.len() as u8);
                wire.extend_from_slice(&hash);
            }
            Field::TypeBitmap => {
                let mut types = Vec::with_capacity(tokens.len().saturating_sub(at));
                for (i, t) in tokens.iter().enumerate().skip(at) {
                    types.push(
                        Rtype::from_text(t.text)
                            .ok_or_else(|| RdataError::invalid(i, "a record type", t.text))?,
                    );
                }
                encode_type_bitmap(&types, wire);
                return Ok(tokens.len());
            }
            Field::TypeCovered => {
                need("a record type")?;
                let t = Rtype::from_text(text).ok_or_else(|| bad("a record type"))?;
                wire.extend_from_slice(&t.0.to_be_bytes());
            }
            Field::Algorithm => {
                need("a DNSSEC algorithm")?;
                let alg = parse_number(text, 255)
                    .map(|n| n as u8)
                    .or_else(|| DnssecAlgorithm::from_mnemonic(text).map(|a| a.0))
                    .ok_or_else(|| bad("a DNSSEC algorithm number or name"))?;
                wire.push(alg);
            }
            Field::Time => {
                need("a time as YYYYMMDDHHMMSS")?;
                let v =
                    time::parse_rrsig_time(text).ok_or_else(|| bad("a time as YYYYMMDDHHMMSS"))?;
                wire.extend_from_slice(&v.to_be_bytes());
            }
            Field::SvcParams => {
                svcb::parse_params(tokens, at, wire)?;
                return Ok(tokens.len());
            }
            Field::CaaTag => {
                need("a property tag")?;
                if text.is_empty()
                    || text.len() > 255
                    || !text.iter().all(u8::is_ascii_alphanumeric)
                {
                    return Err(bad("a property tag (letters and digits)"));
                }
                wire.push(text.len() as u8);
                wire.extend_from_slice(text);
            }
            Field::CaaValue => {
                need("a value")?;
                let value = decode_char_string(text).ok_or_else(|| bad("a value"))?;
                wire.extend_from_slice(&value);
            }
        }
        Ok(at + 1)
    }

    /// Length of this field at the start of `wire`, if well formed.
    pub fn wire_len(self, wire: &[u8]) -> Option<usize> {
        let fixed = |n: usize| (wire.len() >= n).then_some(n);
        match self {
            Field::U8 | Field::Algorithm => fixed(1),
            Field::U16 | Field::TypeCovered => fixed(2),
            Field::U32 | Field::Ttl | Field::Time | Field::Ipv4 => fixed(4),
            Field::Ipv6 => fixed(16),
            Field::Name => DomainName::read_wire(wire).ok().map(|(_, n)| n),
            Field::CharString | Field::Salt => {
                let len = *wire.first()? as usize;
                fixed(1 + len)
            }
            Field::CaaTag => {
                // RFC 8659 §4.1: a non-empty tag of letters and digits.
                let len = *wire.first()? as usize;
                let tag = wire.get(1..1 + len)?;
                (len > 0 && tag.iter().all(u8::is_ascii_alphanumeric)).then_some(1 + len)
            }
            Field::NextHashed => {
                let len = *wire.first()? as usize;
                (len > 0).then_some(())?;
                fixed(1 + len)
            }
            Field::CharStrings => {
                let mut at = 0;
                while at < wire.len() {
                    at += 1 + wire[at] as usize;
                }
                (at == wire.len() && !wire.is_empty()).then_some(at)
            }
            // Empty key, signature or digest data is written in the generic form.
            Field::Base64Rest | Field::HexRest => (!wire.is_empty()).then_some(wire.len()),
            Field::CaaValue => Some(wire.len()),
            Field::TypeBitmap => type_bitmap_len(wire),
            Field::SvcParams => svcb::params_len(wire),
        }
    }

    /// Whether writing this field produces text (an empty bitmap does not).
    pub(super) fn writes_something(self, wire: &[u8]) -> bool {
        !(matches!(self, Field::TypeBitmap | Field::SvcParams) && wire.is_empty())
    }

    /// Writes this field from checked wire data; returns the bytes used.
    pub fn write(self, wire: &[u8], out: &mut String) -> usize {
        use std::fmt::Write;
        let n = self.wire_len(wire).unwrap_or(wire.len());
        let data = &wire[..n];
        match self {
            Field::U8 | Field::Algorithm => {
                let _ = write!(out, "{}", data[0]);
            }
            Field::U16 => {
                let _ = write!(out, "{}", u16::from_be_bytes([data[0], data[1]]));
            }
            Field::U32 | Field::Ttl => {
                let _ = write!(
                    out,
                    "{}",
                    u32::from_be_bytes([data[0], data[1], data[2], data[3]])
                );
            }
            Field::Time => time::write_rrsig_time(
                u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
                out,
            ),
            Field::Ipv4 => {
                let _ = write!(
                    out,
                    "{}",
                    std::net::Ipv4Addr::new(data[0], data[1], data[2], data[3])
                );
            }
            Field::Ipv6 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(data);
                let _ = write!(out, "{}", std::net::Ipv6Addr::from(octets));
            }
            Field::Name => {
                if let Ok((name, _)) = DomainName::read_wire(data) {
                    let _ = write!(out, "{name}");
                }
            }
            Field::CharString => write_char_string(&data[1..], out),
            Field::CharStrings => {
                let mut at = 0;
                while at < data.len() {
                    if at > 0 {
                        out.push(' ');
                    }
                    let len = data[at] as usize;
                    write_char_string(&data[at + 1..at + 1 + len], out);
                    at += 1 + len;
                }
            }
            Field::Base64Rest => out.push_str(&BASE64.encode(data)),
            Field::HexRest => out.push_str(&HEXUPPER.encode(data)),
            Field::Salt => {
                if data.len() == 1 {
                    out.push('-');
                } else {
                    out.push_str(&HEXUPPER.encode(&data[1..]));
                }
            }
            Field::NextHashed => out.push_str(&BASE32HEX_NOPAD.encode(&data[1..])),
            Field::TypeBitmap => {
                for (i, t) in decode_type_bitmap(data).into_iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    let _ = write!(out, "{t}");
                }
            }
            Field::TypeCovered => {
                let _ = write!(out, "{}", Rtype(u16::from_be_bytes([data[0], data[1]])));
            }
            Field::SvcParams => svcb::write_params(data, out),
            Field::CaaTag => out.push_str(&String::from_utf8_lossy(&data[1..])),
            Field::CaaValue => write_char_string(data, out),
        }
        n
    }
}

fn push_char_string(text: &[u8], at: usize, wire: &mut Vec<u8>) -> Result<(), RdataError> {
    let bytes = decode_char_string(text)
        .ok_or_else(|| RdataError::invalid(at, "a character string with valid escapes", text))?;
    if bytes.len() > 255 {
        return Err(RdataError::invalid(
            at,
            "a character string of at most 255 octets",
            text,
        ));
    }
    wire.push(bytes.len() as u8);
    wire.extend_from_slice(&bytes);
    Ok(())
}
