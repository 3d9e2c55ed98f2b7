//! SVCB/HTTPS service parameters (RFC 9460 §2.1, appendix A).

use super::field::{decode_char_string, write_escaped};
use super::{RdataError, RdataErrorKind};
use crate::lexer::Token;
use data_encoding::BASE64;

const KEYS: [&str; 9] = [
    "mandatory",
    "alpn",
    "no-default-alpn",
    "port",
    "ipv4hint",
    "ech",
    "ipv6hint",
    "dohpath",
    "ohttp",
];

fn key_number(name: &[u8]) -> Option<u16> {
    if let Some(i) = KEYS
        .iter()
        .position(|k| k.as_bytes().eq_ignore_ascii_case(name))
    {
        return Some(i as u16);
    }
    let digits = name.strip_prefix(b"key")?;
    crate::rtype::parse_u16(digits)
}

fn key_name(key: u16) -> String {
    match KEYS.get(key as usize) {
        Some(k) => (*k).to_string(),
        None => format!("key{key}"),
    }
}

/// Splits a decoded value list at commas; `\,` and `\\` stand for a
/// literal comma and backslash inside an item (RFC 9460 appendix A.1).
fn split_list(value: &[u8]) -> Vec<Vec<u8>> {
    let mut items = vec![Vec::new()];
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'\\' if i + 1 < value.len() => {
                if let Some(item) = items.last_mut() {
                    item.push(value[i + 1]);
                }
                i += 2;
            }
            b',' => {
                items.push(Vec::new());
                i += 1;
            }
            c => {
                if let Some(item) = items.last_mut() {
                    item.push(c);
                }
                i += 1;
            }
        }
    }
    items
}

pub(super) fn parse_params(
    tokens: &[Token<'_>],
    at: usize,
    wire: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut i = at;
    while i < tokens.len() {
        let token = &tokens[i];
        let bad = |expected: &'static str| RdataError::invalid(i, expected, token.text);
        let (key_text, inline_value) = match token.text.iter().position(|&b| b == b'=') {
            Some(eq) => (&token.text[..eq], Some(&token.text[eq + 1..])),
            None => (token.text, None),
        };
        let key = key_number(key_text)
            .ok_or_else(|| bad("a service parameter key (alpn, port, ipv4hint, ...)"))?;
        // `key="quoted value"` arrives as `key=` followed by a quoted token.
        let raw: Option<&[u8]> = match inline_value {
            Some(v) if v.is_empty() && tokens.get(i + 1).is_some_and(|t| t.quoted) => {
                i += 1;
                Some(tokens[i].text)
            }
            other => other,
        };
        let bad = |expected: &'static str| RdataError::invalid(i, expected, tokens[i].text);
        let value = match raw {
            Some(r) => {
                Some(decode_char_string(r).ok_or_else(|| bad("a value with valid escapes"))?)
            }
            None => None,
        };
        let mut data = Vec::new();
        match (key, value) {
            (2, None) => {}
            (2, Some(_)) => return Err(bad("no-default-alpn without a value")),
            (_, None) => return Err(bad("key=value")),
            (0, Some(v)) => {
                for item in split_list(&v) {
                    let k = key_number(&item).ok_or_else(|| bad("a list of parameter keys"))?;
                    data.extend_from_slice(&k.to_be_bytes());
                }
            }
            (1, Some(v)) => {
                for id in split_list(&v) {
                    if id.is_empty() || id.len() > 255 {
                        return Err(bad("a list of protocol ids"));
                    }
                    data.push(id.len() as u8);
                    data.extend_from_slice(&id);
                }
            }
            (3, Some(v)) => {
                let port: u16 = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("a port number"))?;
                data.extend_from_slice(&port.to_be_bytes());
            }
            (4, Some(v)) => {
                for item in split_list(&v) {
                    let a: std::net::Ipv4Addr = std::str::from_utf8(&item)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| bad("IPv4 addresses"))?;
                    data.extend_from_slice(&a.octets());
                }
            }
            (6, Some(v)) => {
                for item in split_list(&v) {
                    let a: std::net::Ipv6Addr = std::str::from_utf8(&item)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| bad("IPv6 addresses"))?;
                    data.extend_from_slice(&a.octets());
                }
            }
            (5 | 8, Some(v)) => data = BASE64.decode(&v).map_err(|_| bad("base64 data"))?,
            (_, Some(v)) => data = v,
        }
        if data.len() > 65535 {
            return Err(bad("a shorter value"));
        }
        params.push((key, data));
        i += 1;
    }
    params.sort_by_key(|p| p.0);
    if let Some(pair) = params.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(RdataError {
            token: at,
            kind: RdataErrorKind::Invalid {
                expected: "each service parameter once",
                found: key_name(pair[0].0),
            },
        });
    }
    for (key, data) in params {
        wire.extend_from_slice(&key.to_be_bytes());
        wire.extend_from_slice(&(data.len() as u16).to_be_bytes());
        wire.extend_from_slice(&data);
    }
    Ok(())
}

pub(super) fn params_len(wire: &[u8]) -> Option<usize> {
    let mut at = 0;
    let mut last: Option<u16> = None;
    while at < wire.len() {
        let key = u16::from_be_bytes([*wire.get(at)?, *wire.get(at + 1)?]);
        let len = u16::from_be_bytes([*wire.get(at + 2)?, *wire.get(at + 3)?]) as usize;
        if last.is_some_and(|l| l >= key) {
            return None;
        }
        let value = wire.get(at + 4..at + 4 + len)?;
        let fixed_ok = match key {
            0 => len.is_multiple_of(2) && len > 0,
            2 => len == 0,
            3 => len == 2,
            4 => len.is_multiple_of(4) && len > 0,
            6 => len.is_multiple_of(16) && len > 0,
            1 => {
                let mut p = 0;
                while p < value.len() {
                    if value[p] == 0 {
                        return None;
                    }
                    p += 1 + value[p] as usize;
                }
                p == value.len() && len > 0
            }
            _ => true,
        };
        if !fixed_ok {
            return None;
        }
        last = Some(key);
        at += 4 + len;
    }
    Some(at)
}

fn write_list_item(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        match b {
            // List-level escape, then character-string escape of the backslash.
            b',' => out.push_str("\\\\,"),
            b'\\' => out.push_str("\\\\\\\\"),
            _ => write_escaped(&[b], out),
        }
    }
}

pub(super) fn write_params(wire: &[u8], out: &mut String) {
    let mut at = 0;
    let mut first = true;
    while at + 4 <= wire.len() {
        let key = u16::from_be_bytes([wire[at], wire[at + 1]]);
        let len = u16::from_be_bytes([wire[at + 2], wire[at + 3]]) as usize;
        let value = &wire[at + 4..at + 4 + len];
        if !first {
            out.push(' ');
        }
        first = false;
        out.push_str(&key_name(key));
        match key {
            2 => {}
            0 => {
                out.push('=');
                let names: Vec<String> = value
                    .chunks_exact(2)
                    .map(|c| key_name(u16::from_be_bytes([c[0], c[1]])))
                    .collect();
                out.push_str(&names.join(","));
            }
            1 => {
                out.push_str("=\"");
                let mut p = 0;
                while p < value.len() {
                    if p > 0 {
                        out.push(',');
                    }
                    let n = value[p] as usize;
                    write_list_item(&value[p + 1..p + 1 + n], out);
                    p += 1 + n;
                }
                out.push('"');
            }
            3 => out.push_str(&format!("={}", u16::from_be_bytes([value[0], value[1]]))),
            4 => {
                let addrs: Vec<String> = value
                    .chunks_exact(4)
                    .map(|c| std::net::Ipv4Addr::new(c[0], c[1], c[2], c[3]).to_string())
                    .collect();
                out.push('=');
                out.push_str(&addrs.join(","));
            }
            6 => {
                let addrs: Vec<String> = value
                    .chunks_exact(16)
                    .map(|c| {
                        let mut o = [0u8; 16];
                        o.copy_from_slice(c);
                        std::net::Ipv6Addr::from(o).to_string()
                    })
                    .collect();
                out.push('=');
                out.push_str(&addrs.join(","));
            }
            5 | 8 => {
                out.push('=');
                out.push_str(&BASE64.encode(value));
            }
            _ => {
                out.push_str("=\"");
                write_escaped(value, out);
                out.push('"');
            }
        }
        at += 4 + len;
    }
}
