//! BIND's and ldns' key files: `K<zone>+<alg>+<tag>.key` and `.private`.
//!
//! # Background
//!
//! `dnssec-keygen` (BIND) and `ldns-keygen` (ldns) keep every DNSSEC key in
//! two files named after the zone, the algorithm number and the key tag:
//!
//! - `Kexample.+013+10168.key` holds the public key as one DNSKEY record in
//!   zone-file syntax. BIND puts comment lines above it that repeat the
//!   key's timing metadata (`; Publish: 20261127234040 (Fri Nov 27 …)`);
//!   ldns writes the record alone, with a `;{id = …}` comment after it.
//! - `Kexample.+013+10168.private` holds the private key as `Field: value`
//!   lines. The first line names the format: ldns writes
//!   `Private-key-format: v1.2`, BIND `v1.3`, which adds the timing fields
//!   `Created`, `Publish`, `Activate`, `Revoke`, `Inactive`, `Delete`,
//!   `SyncPublish` and `SyncDelete` (UTC, `YYYYMMDDHHMMSS`). ECDSA and
//!   Ed25519 keys have one `PrivateKey` field (the scalar, or the seed);
//!   RSA keys have the eight fields of PKCS #1 (`Modulus` … `Coefficient`).
//!
//! # Usage
//!
//! - [`Key::read`] loads a key from its `.key` file, its `.private` file or
//!   the base name without extension. The `.private` file is optional: a key
//!   without one loads with `private: None` and can only be published.
//! - [`Key::write`] writes both files the way `dnssec-keygen` does, into a
//!   directory, and returns the base path.
//! - [`load_key_dir`] loads every key of a zone from a key directory, like
//!   `dnssec-signzone -K dir -S`.
//!
//! Reading checks what BIND checks and a little more, so that a trainee
//! who copied the wrong file learns it at once, not from a failed
//! validation later: the `.private` algorithm must be the DNSKEY's, the
//! private key must sign a test message that the DNSKEY verifies, the
//! algorithm and tag in a BIND-style file name must be the key's, and the
//! DNSKEY protocol must be 3. Every error says which file, and syntax errors
//! say `file:line:column`. Errors never quote private key material.
//!
//! Timing metadata comes from the `.private` file when it has any (BIND
//! treats the `.private` file as the authority and `dnssec-settime` updates
//! both); otherwise from the `.key` comments, so a public-only key keeps
//! its schedule.
//!
//! # Limitations
//!
//! - Private keys load only for the algorithms dnslab signs with
//!   (RSASHA256, RSASHA512, ECDSAP256SHA256, ECDSAP384SHA384, ED25519);
//!   ring accepts RSA keys of 2048 to 4096 bits. A `.private` file for
//!   another algorithm is an error rather than silently ignored. The
//!   `.key` file alone loads for any algorithm.
//! - BIND's key-state fields (`DSPublish`, `Predecessor`, `Lifetime`, …),
//!   which BIND 9.16+ keeps in `.state` files, are accepted and dropped.
//!   Unknown fields are an error in formats up to v1.3 and skipped in newer
//!   ones, as BIND does.
//! - The times in `.key` comments are written in UTC; BIND writes the
//!   bracketed human-readable copy in local time. Only the `YYYYMMDDHHMMSS`
//!   part is ever read back.
//! - PKCS #11 keys (`Engine:`/`Label:` without key material) cannot load.
//! - The old `KEY` record type in `.key` files is not accepted.

use super::crypto::{self, CryptoError};
use super::{Key, KeyTiming, PrivateKey, RsaComponents};
use crate::algorithm::Algorithm;
use crate::lexer::{LexError, Lexer, Token};
use crate::name::{Name, NameError};
use crate::rdata::view::Dnskey;
use crate::rdata::{self, RdataErrorKind, time};
use crate::rtype::{Class, Rtype};
use crate::writer::write_file_atomically_with_mode;
use data_encoding::BASE64;
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// Why a key file could not be read or written. Every variant names the
/// file; syntax errors also carry the line and column (both from 1).
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Why is the `source()`.
    #[error("{}: cannot read", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Why is the `source()`.
    #[error("{}: cannot write", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: expected {expected}, found {found}", .path.display())]
    Syntax {
        path: PathBuf,
        line: u32,
        column: u32,
        expected: String,
        /// What was there instead, already quoted or described.
        found: String,
    },
    // The next three embed what is wrong at the position (their message's
    // detail, not a cause behind it): no `source()`.
    #[error("{}:{line}:{column}: {error}", .path.display())]
    Lex {
        path: PathBuf,
        line: u32,
        column: u32,
        error: LexError,
    },
    #[error("{}:{line}:{column}: bad DNSKEY data: {error}", .path.display())]
    Rdata {
        path: PathBuf,
        line: u32,
        column: u32,
        error: RdataErrorKind,
    },
    #[error("{}:{line}:{column}: bad owner name {found:?}: {error} (a .key file needs an absolute name ending in a dot)", .path.display())]
    OwnerName {
        path: PathBuf,
        line: u32,
        column: u32,
        found: String,
        error: NameError,
    },
    #[error("{}: no {field} field, which {algorithm} private keys need", .path.display())]
    MissingField {
        path: PathBuf,
        field: &'static str,
        algorithm: Algorithm,
    },
    #[error("{}:{line}:{column}: the private key is {private}, but the DNSKEY in {} is {public}", .path.display(), .public_path.display())]
    AlgorithmMismatch {
        path: PathBuf,
        line: u32,
        column: u32,
        private: Algorithm,
        public: Algorithm,
        public_path: PathBuf,
    },
    #[error("{}: this private key is not the private half of the DNSKEY in {} (a test signature does not verify)", .path.display(), .public_path.display())]
    KeyMismatch { path: PathBuf, public_path: PathBuf },
    #[error("{}: not a usable {algorithm} private key: {reason}", .path.display())]
    BadPrivateKey {
        path: PathBuf,
        algorithm: Algorithm,
        reason: String,
    },
    #[error("{}: dnslab cannot sign with {algorithm}, so it cannot load this private key (algorithms it signs with: RSASHA256, RSASHA512, ECDSAP256SHA256, ECDSAP384SHA384, ED25519)", .path.display())]
    UnsupportedAlgorithm { path: PathBuf, algorithm: Algorithm },
    #[error("{}: the file name says {expected}, but the DNSKEY inside has {found} (was the file renamed or edited?)", .path.display())]
    FileNameMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{}: the key belongs to {found}, not to the zone {expected}", .path.display())]
    OwnerMismatch {
        path: PathBuf,
        expected: Name,
        found: Name,
    },
    #[error("{}: the {field} time ({seconds} seconds since 1970) cannot be written as YYYYMMDDHHMMSS", .path.display())]
    TimeOutOfRange {
        path: PathBuf,
        field: &'static str,
        seconds: i64,
    },
}

impl KeyFileError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            KeyFileError::Read { path, .. }
            | KeyFileError::Write { path, .. }
            | KeyFileError::Syntax { path, .. }
            | KeyFileError::Lex { path, .. }
            | KeyFileError::Rdata { path, .. }
            | KeyFileError::OwnerName { path, .. }
            | KeyFileError::MissingField { path, .. }
            | KeyFileError::AlgorithmMismatch { path, .. }
            | KeyFileError::KeyMismatch { path, .. }
            | KeyFileError::BadPrivateKey { path, .. }
            | KeyFileError::UnsupportedAlgorithm { path, .. }
            | KeyFileError::FileNameMismatch { path, .. }
            | KeyFileError::OwnerMismatch { path, .. }
            | KeyFileError::TimeOutOfRange { path, .. } => path,
        }
    }
}

/// The two files of a key and their common base name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFilePaths {
    /// `…/Kexample.+013+10168`
    pub base: PathBuf,
    /// `…/Kexample.+013+10168.key`
    pub public: PathBuf,
    /// `…/Kexample.+013+10168.private`
    pub private: PathBuf,
}

impl KeyFilePaths {
    /// The files for an argument naming the `.key` file, the `.private`
    /// file, or their base name.
    pub fn for_argument(path: &Path) -> KeyFilePaths {
        let file_name = path.file_name().and_then(|n| n.to_str());
        let stripped = file_name.and_then(|n| {
            n.strip_suffix(".key")
                .or_else(|| n.strip_suffix(".private"))
        });
        let base = match stripped {
            Some(stem) => path.with_file_name(stem),
            None => path.to_path_buf(),
        };
        KeyFilePaths::for_base(base)
    }

    /// The files for a base name such as `dir/Kexample.+013+10168`. (Not
    /// `Path::with_extension`: the base name already contains dots.)
    pub fn for_base(base: PathBuf) -> KeyFilePaths {
        let with_suffix = |suffix: &str| {
            let mut s = base.clone().into_os_string();
            s.push(suffix);
            PathBuf::from(s)
        };
        KeyFilePaths {
            public: with_suffix(".key"),
            private: with_suffix(".private"),
            base,
        }
    }
}

impl Key {
    /// Reads a key from its `.key` file and, when it exists, the `.private`
    /// file beside it. `path` names either file or their base name.
    pub fn read(path: &Path) -> Result<Key, KeyFileError> {
        let paths = KeyFilePaths::for_argument(path);
        let public_text = read_file(&paths.public)?;
        let public = parse_public_key_file(&public_text, &paths.public)?;
        check_file_name(&paths.public, &public)?;
        let mut timing = public.timing;
        let mut private = None;
        if let Some(text) = read_file_if_present(&paths.private)? {
            let file = parse_private_key_file(&text, &paths.private)?;
            private = Some(private_key_for(&file, &public, &paths)?);
            if file.has_timing {
                timing = file.timing;
            }
        }
        Ok(Key {
            owner: public.owner,
            ttl: public.ttl,
            flags: public.flags,
            algorithm: public.algorithm,
            public_key: public.public_key,
            timing,
            private,
        })
    }

    /// Writes `<base>.private` (mode 0600 from the start) and `<base>.key`
    /// (0644) into `dir` in BIND's v1.3 format, each atomically, and returns
    /// the base path. A key without its private half gets only the `.key`
    /// (a `.private` file left there from before is not removed).
    ///
    /// The `.private` file is written first: should the second write fail,
    /// what is left is a lone `.private` file, which nothing loads, rather
    /// than a `.key` that loads as a key that cannot sign.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, KeyFileError> {
        let paths = KeyFilePaths::for_base(dir.join(self.base_name()));
        let public_text = public_key_file_text(self, &paths.public)?;
        if let Some(private) = &self.private {
            if private.algorithm() != self.algorithm || private.public_key() != self.public_key {
                return Err(KeyFileError::KeyMismatch {
                    path: paths.private,
                    public_path: paths.public,
                });
            }
            let private_text = private_key_file_text(self, private, &paths.private)?;
            write_atomically(&paths.private, 0o600, private_text.as_bytes())?;
        }
        write_atomically(&paths.public, 0o644, public_text.as_bytes())?;
        Ok(paths.base)
    }
}

/// Loads every key of `zone` in `dir`: the files `K<zone>+<alg>+<tag>.key`
/// (zone matched ignoring case, with its trailing dot as BIND writes it),
/// sorted by algorithm and tag. A file named for the zone whose DNSKEY
/// belongs to another owner is an error, as is any key that fails to load:
/// a signer must not quietly sign with fewer keys than the operator put
/// there.
pub fn load_key_dir(dir: &Path, zone: &Name) -> Result<Vec<Key>, KeyFileError> {
    let read_error = |source| KeyFileError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let zone_text = zone.to_string();
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(|n| n.strip_suffix(".key")) else {
            continue;
        };
        let Some(parsed) = BaseName::parse(stem) else {
            continue;
        };
        if !parsed.zone.eq_ignore_ascii_case(&zone_text) {
            continue;
        }
        let path = entry.path();
        let key = Key::read(&path)?;
        if !key.owner.eq_ignore_case(zone) {
            return Err(KeyFileError::OwnerMismatch {
                path,
                expected: zone.clone(),
                found: key.owner,
            });
        }
        keys.push(key);
    }
    keys.sort_by_key(|k| (k.algorithm, k.tag()));
    Ok(keys)
}

// ---------------------------------------------------------------------------
// File names

/// The parts of a BIND base name `K<zone>+<alg>+<tag>`.
struct BaseName<'a> {
    zone: &'a str,
    algorithm: u8,
    tag: u16,
}

impl<'a> BaseName<'a> {
    fn parse(stem: &'a str) -> Option<BaseName<'a>> {
        let rest = stem.strip_prefix('K')?;
        let mut parts = rest.rsplitn(3, '+');
        let tag = parts.next()?;
        let algorithm = parts.next()?;
        let zone = parts.next()?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if zone.is_empty() || !digits(tag) || !digits(algorithm) {
            return None;
        }
        Some(BaseName {
            zone,
            algorithm: algorithm.parse().ok()?,
            tag: tag.parse().ok()?,
        })
    }
}

/// A BIND-style file name states the algorithm and the tag; both must be
/// the DNSKEY's, or the file was renamed or edited by hand.
fn check_file_name(path: &Path, public: &PublicKeyFile) -> Result<(), KeyFileError> {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".key"));
    let Some(named) = stem.and_then(BaseName::parse) else {
        return Ok(());
    };
    let tag = crate::rdata::view::key_tag(&public.dnskey_rdata());
    if named.algorithm == public.algorithm.0 && named.tag == tag {
        return Ok(());
    }
    Err(KeyFileError::FileNameMismatch {
        path: path.to_path_buf(),
        expected: format!("algorithm {} and key tag {}", named.algorithm, named.tag),
        found: format!("algorithm {} and key tag {tag}", public.algorithm.0),
    })
}

fn read_file(path: &Path) -> Result<Vec<u8>, KeyFileError> {
    std::fs::read(path).map_err(|source| KeyFileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The file's contents, or `None` when there is no such file (a key may
/// come without its private half).
fn read_file_if_present(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, KeyFileError> {
    match std::fs::read(path) {
        // A `.private` file: its text is key material, wiped when dropped.
        Ok(text) => Ok(Some(Zeroizing::new(text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeyFileError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn write_atomically(path: &Path, mode: u32, contents: &[u8]) -> Result<(), KeyFileError> {
    write_file_atomically_with_mode(path, Some(mode), |out| out.write_all(contents)).map_err(
        |source| KeyFileError::Write {
            path: path.to_path_buf(),
            source,
        },
    )
}

// ---------------------------------------------------------------------------
// Timing metadata

/// The timing fields in the order BIND writes them, with their tags.
const TIMING_TAGS: [&str; 8] = [
    "Created",
    "Publish",
    "Activate",
    "Revoke",
    "Inactive",
    "Delete",
    "SyncPublish",
    "SyncDelete",
];

/// The field of `timing` that a tag names (ignoring case, as BIND does).
fn timing_slot<'t>(timing: &'t mut KeyTiming, tag: &str) -> Option<&'t mut Option<i64>> {
    let canonical = TIMING_TAGS.iter().find(|t| t.eq_ignore_ascii_case(tag))?;
    Some(match *canonical {
        "Created" => &mut timing.created,
        "Publish" => &mut timing.publish,
        "Activate" => &mut timing.activate,
        "Revoke" => &mut timing.revoke,
        "Inactive" => &mut timing.inactive,
        "Delete" => &mut timing.delete,
        "SyncPublish" => &mut timing.sync_publish,
        _ => &mut timing.sync_delete,
    })
}

/// The timing fields that are set, in BIND's order.
fn timing_entries(timing: &KeyTiming) -> impl Iterator<Item = (&'static str, i64)> {
    let values = [
        timing.created,
        timing.publish,
        timing.activate,
        timing.revoke,
        timing.inactive,
        timing.delete,
        timing.sync_publish,
        timing.sync_delete,
    ];
    TIMING_TAGS
        .into_iter()
        .zip(values)
        .filter_map(|(tag, value)| value.map(|v| (tag, v)))
}

/// The last second that `YYYYMMDDHHMMSS` can hold: 9999-12-31 23:59:59.
const LAST_WRITABLE_TIME: i64 = 253_402_300_799;

fn check_writable_time(path: &Path, field: &'static str, seconds: i64) -> Result<(), KeyFileError> {
    if (0..=LAST_WRITABLE_TIME).contains(&seconds) {
        Ok(())
    } else {
        Err(KeyFileError::TimeOutOfRange {
            path: path.to_path_buf(),
            field,
            seconds,
        })
    }
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The C `ctime` form BIND puts in brackets after a time in `.key`
/// comments: `Thu Jan  1 00:00:00 1970` (here always in UTC).
fn ctime_utc(seconds: i64) -> String {
    let stamp = time::format_timestamp(seconds);
    let field = |r: std::ops::Range<usize>| stamp.get(r).unwrap_or("?");
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(seconds.div_euclid(86400) + 4).rem_euclid(7) as usize];
    let month = field(4..6)
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("?");
    let day = field(6..8).trim_start_matches('0');
    format!(
        "{weekday} {month} {day:>2} {}:{}:{} {}",
        field(8..10),
        field(10..12),
        field(12..14),
        field(0..4)
    )
}

// ---------------------------------------------------------------------------
// Reading `.key` files

/// What a `.key` file says.
#[derive(Debug)]
struct PublicKeyFile {
    owner: Name,
    ttl: Option<u32>,
    flags: u16,
    algorithm: Algorithm,
    public_key: Vec<u8>,
    timing: KeyTiming,
}

impl PublicKeyFile {
    fn dnskey_rdata(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(4 + self.public_key.len());
        d.extend_from_slice(&self.flags.to_be_bytes());
        d.push(3);
        d.push(self.algorithm.0);
        d.extend_from_slice(&self.public_key);
        d
    }
}

fn syntax(path: &Path, (line, column): (u32, u32), expected: &str, found: String) -> KeyFileError {
    KeyFileError::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        expected: expected.to_string(),
        found,
    }
}

/// A token's text for an error message, quoted.
fn quoted(text: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(text))
}

fn position(token: &Token<'_>) -> (u32, u32) {
    (token.line, token.column)
}

/// Just after the last token, for "the record ends too early".
fn position_after(tokens: &[Token<'_>]) -> (u32, u32) {
    match tokens.last() {
        Some(t) => (t.line, t.column.saturating_add(t.text.len() as u32)),
        None => (1, 1),
    }
}

/// The line and column just past the end of the text.
fn end_of_text(text: &[u8]) -> (u32, u32) {
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    let last_line_len = text.iter().rev().take_while(|&&b| b != b'\n').count();
    (
        u32::try_from(lines + 1).unwrap_or(u32::MAX),
        u32::try_from(last_line_len + 1).unwrap_or(u32::MAX),
    )
}

fn parse_public_key_file(text: &[u8], path: &Path) -> Result<PublicKeyFile, KeyFileError> {
    let lex_error = |(error, line, column): (LexError, u32, u32)| KeyFileError::Lex {
        path: path.to_path_buf(),
        line,
        column,
        error,
    };
    let mut lexer = Lexer::new(text);
    let mut tokens = Vec::new();
    let Some(first) = lexer.next_entry(&mut tokens) else {
        let found = if text.is_empty() {
            "an empty file"
        } else {
            "no record, only comments or blank lines"
        };
        return Err(syntax(
            path,
            end_of_text(text),
            "a DNSKEY record",
            found.into(),
        ));
    };
    let first = first.map_err(lex_error)?;
    if first.blank_owner {
        let at = tokens.first().map(position).unwrap_or((first.line, 1));
        return Err(syntax(
            path,
            (at.0, 1),
            "an owner name at the start of the line",
            "white space".into(),
        ));
    }
    let mut public = parse_dnskey_entry(&tokens, path)?;
    if let Some(next) = lexer.next_entry(&mut tokens) {
        next.map_err(lex_error)?;
        let at = tokens.first().map(position).unwrap_or((1, 1));
        let found = tokens.first().map(|t| quoted(t.text)).unwrap_or_default();
        return Err(syntax(
            path,
            at,
            "the end of the file (a .key file holds one DNSKEY record)",
            found,
        ));
    }
    public.timing = timing_from_comments(text, path)?;
    Ok(public)
}

/// Reads `owner [TTL] [class] DNSKEY flags protocol algorithm key…`
/// (TTL and class in either order, as in zone files).
fn parse_dnskey_entry(tokens: &[Token<'_>], path: &Path) -> Result<PublicKeyFile, KeyFileError> {
    let Some(owner_token) = tokens.first() else {
        return Err(syntax(path, (1, 1), "a DNSKEY record", "nothing".into()));
    };
    if owner_token.text.first() == Some(&b'$') {
        return Err(syntax(
            path,
            position(owner_token),
            "a DNSKEY record (a .key file has no $ directives)",
            quoted(owner_token.text),
        ));
    }
    let owner = Name::parse(owner_token.text, None).map_err(|error| KeyFileError::OwnerName {
        path: path.to_path_buf(),
        line: owner_token.line,
        column: owner_token.column,
        found: String::from_utf8_lossy(owner_token.text).into_owned(),
        error,
    })?;
    let mut at = 1;
    let mut ttl = None;
    let mut class = None;
    while let Some(token) = tokens.get(at) {
        if class.is_none()
            && let Some(c) = Class::from_text(token.text)
        {
            class = Some((c, position(token)));
        } else if ttl.is_none()
            && let Some(t) = rdata::parse_ttl(token.text)
        {
            ttl = Some(t);
        } else {
            break;
        }
        at += 1;
    }
    if let Some((c, where_)) = class
        && c != Class::IN
    {
        return Err(syntax(path, where_, "class IN", format!("{c}")));
    }
    let Some(type_token) = tokens.get(at) else {
        return Err(syntax(
            path,
            position_after(tokens),
            "the type DNSKEY",
            "the end of the record".into(),
        ));
    };
    if Rtype::from_text(type_token.text) != Some(Rtype::DNSKEY) {
        return Err(syntax(
            path,
            position(type_token),
            "the type DNSKEY",
            quoted(type_token.text),
        ));
    }
    let data_tokens = &tokens[at + 1..];
    let wire = rdata::parse(Rtype::DNSKEY, data_tokens, None).map_err(|e| {
        let (line, column) = data_tokens
            .get(e.token)
            .map(position)
            .unwrap_or_else(|| position_after(tokens));
        KeyFileError::Rdata {
            path: path.to_path_buf(),
            line,
            column,
            error: e.kind,
        }
    })?;
    let Some(dnskey) = Dnskey::parse(&wire) else {
        return Err(syntax(
            path,
            position(type_token),
            "DNSKEY data",
            "too little data".into(),
        ));
    };
    if dnskey.protocol != 3 {
        let at = data_tokens.get(1).map(position).unwrap_or((1, 1));
        return Err(syntax(
            path,
            at,
            "protocol 3 (RFC 4034 §2.1.2)",
            dnskey.protocol.to_string(),
        ));
    }
    if let Err(expected) = check_public_key_shape(dnskey.algorithm, dnskey.public_key) {
        let at = data_tokens.get(3).map(position).unwrap_or((1, 1));
        let found = format!("{} octets", dnskey.public_key.len());
        return Err(syntax(path, at, &expected, found));
    }
    Ok(PublicKeyFile {
        owner,
        ttl,
        flags: dnskey.flags,
        algorithm: dnskey.algorithm,
        public_key: dnskey.public_key.to_vec(),
        timing: KeyTiming::default(),
    })
}

/// Public keys of fixed-size algorithms must have their size; RSA keys
/// must split into exponent and modulus (RFC 3110). Others are taken as
/// they are.
fn check_public_key_shape(algorithm: Algorithm, public_key: &[u8]) -> Result<(), String> {
    let fixed = match algorithm {
        Algorithm::ECDSAP256SHA256 => Some((64, "ECDSA P-256 public key (RFC 6605)")),
        Algorithm::ECDSAP384SHA384 => Some((96, "ECDSA P-384 public key (RFC 6605)")),
        Algorithm::ED25519 => Some((32, "Ed25519 public key (RFC 8080)")),
        _ => None,
    };
    if let Some((len, what)) = fixed {
        return if public_key.len() == len {
            Ok(())
        } else {
            Err(format!("a {len}-octet {what}"))
        };
    }
    let is_rsa = matches!(
        algorithm,
        Algorithm::RSASHA1
            | Algorithm::RSASHA1_NSEC3_SHA1
            | Algorithm::RSASHA256
            | Algorithm::RSASHA512
    );
    if is_rsa && crypto::rsa_split(public_key).is_none() {
        return Err("an RSA public key: exponent length, exponent, modulus (RFC 3110)".into());
    }
    Ok(())
}

/// Reads BIND's timing comments (`; Publish: 20261127234040 (…)`). Other
/// comments, such as `; This is a key-signing key…`, are skipped.
fn timing_from_comments(text: &[u8], path: &Path) -> Result<KeyTiming, KeyFileError> {
    let mut timing = KeyTiming::default();
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Some(comment_at) = line.iter().position(|b| !b" \t".contains(b)) else {
            continue;
        };
        if line[comment_at] != b';' {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let tag = String::from_utf8_lossy(&line[comment_at + 1..colon]);
        let Some(slot) = timing_slot(&mut timing, tag.trim()) else {
            continue;
        };
        let (value, column) = first_word(line, colon + 1);
        *slot = Some(parse_time_value(value, path, (line_number, column))?);
    }
    Ok(timing)
}

/// The first white-space-separated word at or after `from`, and its column.
fn first_word(line: &[u8], from: usize) -> (&[u8], u32) {
    let rest = line.get(from..).unwrap_or(&[]);
    let start = rest
        .iter()
        .position(|b| !b" \t\r".contains(b))
        .unwrap_or(rest.len());
    let word = &rest[start..];
    let end = word
        .iter()
        .position(|b| b" \t\r".contains(b))
        .unwrap_or(word.len());
    let column = u32::try_from(from + start + 1).unwrap_or(u32::MAX);
    (&word[..end], column)
}

fn parse_time_value(value: &[u8], path: &Path, at: (u32, u32)) -> Result<i64, KeyFileError> {
    time::parse_timestamp(value).ok_or_else(|| {
        syntax(
            path,
            at,
            "a UTC time YYYYMMDDHHMMSS",
            if value.is_empty() {
                "nothing".into()
            } else {
                quoted(value)
            },
        )
    })
}

// ---------------------------------------------------------------------------
// Reading `.private` files

/// Fields that BIND may write and that dnslab does not use: key-state
/// metadata (kept in `.state` files since BIND 9.16) and PKCS #11 labels.
const IGNORED_TAGS: [&str; 17] = [
    "DSPublish",
    "DSDelete",
    "DNSKEYChange",
    "ZRRSIGChange",
    "KRRSIGChange",
    "DSChange",
    "DSRemoved",
    "Predecessor",
    "Successor",
    "MaxTTL",
    "RollPeriod",
    "Lifetime",
    "DSPubCount",
    "DSRemCount",
    "KSK",
    "ZSK",
    "Engine",
];

/// Key material fields, for every algorithm BIND and ldns write (the ones
/// dnslab cannot use are read, then refused with a clear message).
const KEY_TAGS: [&str; 17] = [
    "PrivateKey",
    "Modulus",
    "PublicExponent",
    "PrivateExponent",
    "Prime1",
    "Prime2",
    "Exponent1",
    "Exponent2",
    "Coefficient",
    "Prime(p)",
    "Subprime(q)",
    "Base(g)",
    "Private_value(x)",
    "Public_value(y)",
    "GostAsn1",
    "Label",
    "Bits",
];

/// One `Field: value` line of a `.private` file.
struct PrivateField {
    tag: &'static str,
    /// The base64 text of the field: key material, wiped on drop.
    value: Vec<u8>,
    line: u32,
    column: u32,
}

impl Drop for PrivateField {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// What a `.private` file says, before it is turned into a key.
struct PrivateKeyFile {
    algorithm: Algorithm,
    algorithm_at: (u32, u32),
    fields: Vec<PrivateField>,
    timing: KeyTiming,
    has_timing: bool,
}

impl PrivateKeyFile {
    fn field(&self, tag: &'static str) -> Option<&PrivateField> {
        self.fields.iter().find(|f| f.tag == tag)
    }
}

/// One non-blank line split at its first colon.
struct TaggedLine<'a> {
    tag: &'a str,
    tag_at: (u32, u32),
    value: &'a [u8],
    value_at: (u32, u32),
}

/// Splits a line into tag and value. Lines that are not `Tag: value` are
/// reported without their text: they may hold key material.
fn split_tagged_line<'a>(
    line: &'a [u8],
    line_number: u32,
    path: &Path,
) -> Result<TaggedLine<'a>, KeyFileError> {
    let tag_start = line.iter().position(|b| !b" \t".contains(b)).unwrap_or(0);
    let tag_at = (
        line_number,
        u32::try_from(tag_start + 1).unwrap_or(u32::MAX),
    );
    let not_a_field =
        |found: &str| syntax(path, tag_at, "a line `Field: value`", found.to_string());
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(not_a_field("a line without a colon (not shown)"));
    };
    let tag_bytes = line.get(tag_start..colon).unwrap_or(&[]);
    let tag_is_plain = !tag_bytes.is_empty()
        && tag_bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-_()".contains(&b));
    let Some(tag) = std::str::from_utf8(tag_bytes).ok().filter(|_| tag_is_plain) else {
        return Err(not_a_field(
            "a line whose field name is not a word (not shown)",
        ));
    };
    let (value, value_column) = first_word(line, colon + 1);
    Ok(TaggedLine {
        tag,
        tag_at,
        value,
        value_at: (line_number, value_column),
    })
}

/// Lines without their `\r`, numbered from 1, blank lines skipped.
fn numbered_lines(text: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (u32::try_from(i + 1).unwrap_or(u32::MAX), line)
        })
        .filter(|(_, line)| line.iter().any(|b| !b" \t".contains(b)))
}

/// Reads `v1.<minor>`; returns the minor version.
fn parse_format_version(line: &TaggedLine<'_>, path: &Path) -> Result<u32, KeyFileError> {
    let bad = || {
        syntax(
            path,
            line.value_at,
            "format v1.2 (ldns) or v1.3 (BIND)",
            quoted(line.value),
        )
    };
    let text = std::str::from_utf8(line.value).map_err(|_| bad())?;
    let minor = text.strip_prefix("v1.").ok_or_else(bad)?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    minor.parse().map_err(|_| bad())
}

/// Reads `Algorithm: 13 (ECDSAP256SHA256)`: the number is what counts.
fn parse_algorithm_value(line: &TaggedLine<'_>, path: &Path) -> Result<Algorithm, KeyFileError> {
    let number = std::str::from_utf8(line.value)
        .ok()
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u8>().ok());
    number.map(Algorithm).ok_or_else(|| {
        syntax(
            path,
            line.value_at,
            "an algorithm number such as `13 (ECDSAP256SHA256)`",
            quoted(line.value),
        )
    })
}

fn parse_private_key_file(text: &[u8], path: &Path) -> Result<PrivateKeyFile, KeyFileError> {
    let mut lines = numbered_lines(text);
    let Some((first_number, first_line)) = lines.next() else {
        return Err(syntax(
            path,
            end_of_text(text),
            "`Private-key-format: v1.3`",
            "an empty file".into(),
        ));
    };
    let format_line = split_tagged_line(first_line, first_number, path)?;
    if !format_line.tag.eq_ignore_ascii_case("Private-key-format") {
        return Err(syntax(
            path,
            format_line.tag_at,
            "`Private-key-format: v1.3` on the first line",
            quoted(format_line.tag.as_bytes()),
        ));
    }
    let minor = parse_format_version(&format_line, path)?;
    let mut algorithm = None;
    let mut fields: Vec<PrivateField> = Vec::new();
    let mut timing = KeyTiming::default();
    let mut has_timing = false;
    for (number, line) in lines {
        let line = split_tagged_line(line, number, path)?;
        if line.tag.eq_ignore_ascii_case("Algorithm") {
            if algorithm.is_some() {
                return Err(duplicate(path, &line));
            }
            algorithm = Some((parse_algorithm_value(&line, path)?, line.value_at));
        } else if let Some(slot) = timing_slot(&mut timing, line.tag) {
            if slot.is_some() {
                return Err(duplicate(path, &line));
            }
            *slot = Some(parse_time_value(line.value, path, line.value_at)?);
            has_timing = true;
        } else if let Some(tag) = KEY_TAGS.iter().find(|t| t.eq_ignore_ascii_case(line.tag)) {
            if fields.iter().any(|f| f.tag == *tag) {
                return Err(duplicate(path, &line));
            }
            fields.push(PrivateField {
                tag,
                value: line.value.to_vec(),
                line: line.value_at.0,
                column: line.value_at.1,
            });
        } else if IGNORED_TAGS
            .iter()
            .any(|t| t.eq_ignore_ascii_case(line.tag))
            || minor > 3
        {
            // BIND skips fields it does not know in formats newer than its own.
        } else {
            return Err(syntax(
                path,
                line.tag_at,
                "a key field (such as PrivateKey or Modulus) or a timing field (such as Publish)",
                quoted(line.tag.as_bytes()),
            ));
        }
    }
    let Some((algorithm, algorithm_at)) = algorithm else {
        return Err(syntax(
            path,
            end_of_text(text),
            "an `Algorithm:` line",
            "the end of the file".into(),
        ));
    };
    Ok(PrivateKeyFile {
        algorithm,
        algorithm_at,
        fields,
        timing,
        has_timing,
    })
}

fn duplicate(path: &Path, line: &TaggedLine<'_>) -> KeyFileError {
    syntax(
        path,
        line.tag_at,
        &format!("one {} field", line.tag),
        "a second one".into(),
    )
}

/// Decodes a base64 field without ever quoting it: it is key material.
fn decode_field(field: &PrivateField, path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    if field.value.is_empty() {
        return Err(syntax(
            path,
            (field.line, field.column),
            "base64 data",
            "nothing".into(),
        ));
    }
    BASE64
        .decode(&field.value)
        .map(Zeroizing::new)
        .map_err(|e| {
            // Point at the offending character; describe it, never show it.
            let offset = u32::try_from(e.position).unwrap_or(0);
            let at = (field.line, field.column.saturating_add(offset));
            let found = match e.kind {
                data_encoding::DecodeKind::Length => {
                    "the end of a value whose length is not a multiple of 4 (cut short?)"
                }
                data_encoding::DecodeKind::Padding => "misplaced '=' padding",
                data_encoding::DecodeKind::Trailing => "a last character with unused bits set",
                _ => "a character that is not base64",
            };
            syntax(
                path,
                at,
                "base64 data",
                format!("{found} (key material is not shown)"),
            )
        })
}

fn required_field(
    file: &PrivateKeyFile,
    tag: &'static str,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
    let field = file.field(tag).ok_or_else(|| KeyFileError::MissingField {
        path: path.to_path_buf(),
        field: tag,
        algorithm: file.algorithm,
    })?;
    decode_field(field, path)
}

/// Builds the private key a `.private` file describes and checks that it
/// is the private half of the DNSKEY.
fn private_key_for(
    file: &PrivateKeyFile,
    public: &PublicKeyFile,
    paths: &KeyFilePaths,
) -> Result<PrivateKey, KeyFileError> {
    let path = &paths.private;
    if file.algorithm != public.algorithm {
        return Err(KeyFileError::AlgorithmMismatch {
            path: path.clone(),
            line: file.algorithm_at.0,
            column: file.algorithm_at.1,
            private: file.algorithm,
            public: public.algorithm,
            public_path: paths.public.clone(),
        });
    }
    let key = match file.algorithm {
        Algorithm::ECDSAP256SHA256 | Algorithm::ECDSAP384SHA384 => {
            ecdsa_private_key(file, public, path)
        }
        Algorithm::ED25519 => ed25519_private_key(file, path),
        Algorithm::RSASHA256 | Algorithm::RSASHA512 => rsa_private_key(file, path),
        algorithm => Err(BuildError::File(KeyFileError::UnsupportedAlgorithm {
            path: path.clone(),
            algorithm,
        })),
    };
    let key = key.map_err(|e| crypto_error_in(e, file.algorithm, paths))?;
    check_key_pair(&key, public, paths)?;
    Ok(key)
}

/// The two ways of building a key fail: a file error, or ring refusing the
/// material.
enum BuildError {
    File(KeyFileError),
    Crypto(CryptoError),
}

impl From<KeyFileError> for BuildError {
    fn from(e: KeyFileError) -> Self {
        BuildError::File(e)
    }
}

impl From<CryptoError> for BuildError {
    fn from(e: CryptoError) -> Self {
        BuildError::Crypto(e)
    }
}

fn crypto_error_in(error: BuildError, algorithm: Algorithm, paths: &KeyFilePaths) -> KeyFileError {
    let path = paths.private.clone();
    match error {
        BuildError::File(e) => e,
        // ring checks that an ECDSA scalar matches the public point it is
        // given and says "InconsistentComponents" when it does not.
        BuildError::Crypto(CryptoError::BadPrivateKey { reason, .. })
            if reason.contains("InconsistentComponents") =>
        {
            KeyFileError::KeyMismatch {
                path,
                public_path: paths.public.clone(),
            }
        }
        BuildError::Crypto(CryptoError::BadPrivateKey { reason, .. }) => {
            KeyFileError::BadPrivateKey {
                path,
                algorithm,
                reason,
            }
        }
        BuildError::Crypto(CryptoError::CannotSign(_) | CryptoError::CannotGenerate(_)) => {
            KeyFileError::UnsupportedAlgorithm { path, algorithm }
        }
        BuildError::Crypto(e) => KeyFileError::BadPrivateKey {
            path,
            algorithm,
            reason: e.to_string(),
        },
    }
}

fn ecdsa_private_key(
    file: &PrivateKeyFile,
    public: &PublicKeyFile,
    path: &Path,
) -> Result<PrivateKey, BuildError> {
    let scalar_len = if file.algorithm == Algorithm::ECDSAP256SHA256 {
        32
    } else {
        48
    };
    let scalar = required_field(file, "PrivateKey", path)?;
    if scalar.len() > scalar_len {
        let at = file
            .field("PrivateKey")
            .map(|f| (f.line, f.column))
            .unwrap_or((1, 1));
        return Err(syntax(
            path,
            at,
            &format!("a {scalar_len}-octet ECDSA private key"),
            format!("{} octets", scalar.len()),
        )
        .into());
    }
    // ldns writes the scalar as a big number, without leading zero octets;
    // ring wants it at full length.
    let mut padded = Zeroizing::new(Vec::with_capacity(scalar_len));
    padded.resize(scalar_len - scalar.len(), 0);
    padded.extend_from_slice(&scalar);
    Ok(PrivateKey::ecdsa_from_scalar(
        file.algorithm,
        &padded,
        &public.public_key,
    )?)
}

fn ed25519_private_key(file: &PrivateKeyFile, path: &Path) -> Result<PrivateKey, BuildError> {
    let seed = required_field(file, "PrivateKey", path)?;
    let Ok(seed) = <[u8; 32]>::try_from(seed.as_slice()) else {
        let at = file
            .field("PrivateKey")
            .map(|f| (f.line, f.column))
            .unwrap_or((1, 1));
        return Err(syntax(
            path,
            at,
            "a 32-octet Ed25519 private key (RFC 8080)",
            format!("{} octets", seed.len()),
        )
        .into());
    };
    Ok(PrivateKey::ed25519_from_seed(seed)?)
}

fn rsa_private_key(file: &PrivateKeyFile, path: &Path) -> Result<PrivateKey, BuildError> {
    let components = RsaComponents {
        modulus: std::mem::take(&mut *required_field(file, "Modulus", path)?),
        public_exponent: std::mem::take(&mut *required_field(file, "PublicExponent", path)?),
        private_exponent: std::mem::take(&mut *required_field(file, "PrivateExponent", path)?),
        prime1: std::mem::take(&mut *required_field(file, "Prime1", path)?),
        prime2: std::mem::take(&mut *required_field(file, "Prime2", path)?),
        exponent1: std::mem::take(&mut *required_field(file, "Exponent1", path)?),
        exponent2: std::mem::take(&mut *required_field(file, "Exponent2", path)?),
        coefficient: std::mem::take(&mut *required_field(file, "Coefficient", path)?),
    };
    Ok(PrivateKey::rsa_from_components(file.algorithm, components)?)
}

/// The message signed to check that a private key belongs to its DNSKEY.
const KEY_PAIR_CHECK_MESSAGE: &[u8] = b"dnslab: does this private key belong to its DNSKEY?";

/// Signs a test message and verifies it with the DNSKEY's public key: the
/// one check that holds for every algorithm, whatever the file format.
fn check_key_pair(
    key: &PrivateKey,
    public: &PublicKeyFile,
    paths: &KeyFilePaths,
) -> Result<(), KeyFileError> {
    let signature = key
        .sign(KEY_PAIR_CHECK_MESSAGE)
        .map_err(|e| KeyFileError::BadPrivateKey {
            path: paths.private.clone(),
            algorithm: public.algorithm,
            reason: e.to_string(),
        })?;
    if crypto::verify(
        public.algorithm,
        &public.public_key,
        KEY_PAIR_CHECK_MESSAGE,
        &signature,
    ) {
        Ok(())
    } else {
        Err(KeyFileError::KeyMismatch {
            path: paths.private.clone(),
            public_path: paths.public.clone(),
        })
    }
}

// ---------------------------------------------------------------------------
// Writing

/// BIND splits base64 in `.key` files into words of 56 characters.
const BASE64_WORD: usize = 56;

fn base64_words(data: &[u8]) -> String {
    let encoded = BASE64.encode(data);
    let words: Vec<&str> = encoded
        .as_bytes()
        .chunks(BASE64_WORD)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    words.join(" ")
}

/// The `.key` file: BIND's description comment, the timing comments, then
/// the DNSKEY record.
fn public_key_file_text(key: &Key, path: &Path) -> Result<String, KeyFileError> {
    use std::fmt::Write as _;
    let mut text = String::new();
    let revoked = if key.flags & Dnskey::REVOKE != 0 {
        "revoked "
    } else {
        ""
    };
    let role = if key.is_sep() { "key" } else { "zone" };
    let _ = writeln!(
        text,
        "; This is a {revoked}{role}-signing key, keyid {}, for {}",
        key.tag(),
        key.owner
    );
    for (tag, seconds) in timing_entries(&key.timing) {
        check_writable_time(path, tag, seconds)?;
        let _ = writeln!(
            text,
            "; {tag}: {} ({})",
            time::format_timestamp(seconds),
            ctime_utc(seconds)
        );
    }
    let ttl = key.ttl.map(|t| format!("{t} ")).unwrap_or_default();
    let _ = writeln!(
        text,
        "{} {ttl}IN DNSKEY {} 3 {} {}",
        key.owner,
        key.flags,
        key.algorithm.0,
        base64_words(&key.public_key)
    );
    Ok(text)
}

/// The `.private` file in BIND's v1.3 format.
fn private_key_file_text(
    key: &Key,
    private: &PrivateKey,
    path: &Path,
) -> Result<Zeroizing<String>, KeyFileError> {
    use std::fmt::Write as _;
    // Room for the largest key (RSA-4096) up front: a String that grows
    // frees its old buffer without wiping it.
    let mut text = Zeroizing::new(String::with_capacity(8192));
    text.push_str("Private-key-format: v1.3\n");
    let mnemonic = key.algorithm.mnemonic().unwrap_or("UNKNOWN");
    let _ = writeln!(text, "Algorithm: {} ({mnemonic})", key.algorithm.0);
    for (tag, value) in private_key_fields(private) {
        let _ = writeln!(text, "{tag}: {}", *Zeroizing::new(BASE64.encode(value)));
    }
    for (tag, seconds) in timing_entries(&key.timing) {
        check_writable_time(path, tag, seconds)?;
        let _ = writeln!(text, "{tag}: {}", time::format_timestamp(seconds));
    }
    Ok(text)
}

/// The key material fields, in the order BIND writes them.
fn private_key_fields(private: &PrivateKey) -> Vec<(&'static str, &[u8])> {
    match private {
        PrivateKey::Ecdsa { scalar, .. } => vec![("PrivateKey", scalar.as_slice())],
        PrivateKey::Ed25519 { seed, .. } => vec![("PrivateKey", seed.as_slice())],
        PrivateKey::Rsa { components: c, .. } => vec![
            ("Modulus", c.modulus.as_slice()),
            ("PublicExponent", c.public_exponent.as_slice()),
            ("PrivateExponent", c.private_exponent.as_slice()),
            ("Prime1", c.prime1.as_slice()),
            ("Prime2", c.prime2.as_slice()),
            ("Exponent1", c.exponent1.as_slice()),
            ("Exponent2", c.exponent2.as_slice()),
            ("Coefficient", c.coefficient.as_slice()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_795_311_000; // 2026-11-22 01:30:00 UTC, a Sunday

    fn zone() -> Name {
        Name::parse_absolute("example.").unwrap()
    }

    fn full_timing() -> KeyTiming {
        KeyTiming {
            created: Some(NOW),
            publish: Some(NOW + 1),
            activate: Some(NOW + 2),
            revoke: Some(NOW + 3),
            inactive: Some(NOW + 4),
            delete: Some(NOW + 5),
            sync_publish: Some(NOW + 6),
            sync_delete: Some(NOW + 7),
        }
    }

    fn assert_same_key(read: &Key, written: &Key) {
        assert_eq!(read.owner, written.owner);
        assert_eq!(read.ttl, written.ttl);
        assert_eq!(read.flags, written.flags);
        assert_eq!(read.algorithm, written.algorithm);
        assert_eq!(read.public_key, written.public_key);
        assert_eq!(read.timing, written.timing);
        assert_eq!(read.tag(), written.tag());
        let private = read.private.as_ref().expect("private key loaded");
        let signature = private.sign(b"round trip").unwrap();
        assert!(crypto::verify(
            read.algorithm,
            &written.public_key,
            b"round trip",
            &signature
        ));
    }

    #[test]
    fn write_then_read_round_trips_for_algorithms_13_14_15() {
        let dir = tempfile::tempdir().unwrap();
        for (algorithm, ksk) in [
            (Algorithm::ECDSAP256SHA256, true),
            (Algorithm::ECDSAP384SHA384, false),
            (Algorithm::ED25519, true),
        ] {
            let key = Key::generate(zone(), algorithm, ksk, NOW).unwrap();
            let base = key.write(dir.path()).unwrap();
            assert_eq!(base, dir.path().join(key.base_name()));
            let read = Key::read(&KeyFilePaths::for_base(base).public).unwrap();
            assert_same_key(&read, &key);
        }
    }

    #[test]
    fn timing_and_ttl_round_trip_through_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut key = Key::generate(zone(), Algorithm::ED25519, false, NOW).unwrap();
        key.timing = full_timing();
        key.ttl = Some(3600);
        let base = key.write(dir.path()).unwrap();
        let paths = KeyFilePaths::for_base(base.clone());
        assert_same_key(&Key::read(&paths.private).unwrap(), &key);
        assert_same_key(&Key::read(&base).unwrap(), &key);
        // Without the .private file the .key comments carry the schedule.
        std::fs::remove_file(&paths.private).unwrap();
        let public_only = Key::read(&paths.public).unwrap();
        assert_eq!(public_only.timing, key.timing);
        assert!(public_only.private.is_none());
    }

    #[test]
    fn files_are_written_like_dnssec_keygen() {
        let dir = tempfile::tempdir().unwrap();
        let mut key = Key::generate(zone(), Algorithm::ECDSAP256SHA256, false, NOW).unwrap();
        key.timing.revoke = None;
        let paths = KeyFilePaths::for_base(key.write(dir.path()).unwrap());
        let public = std::fs::read_to_string(&paths.public).unwrap();
        let lines: Vec<&str> = public.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "; This is a zone-signing key, keyid {}, for example.",
                key.tag()
            )
        );
        assert_eq!(
            lines[1],
            "; Created: 20261122013000 (Sun Nov 22 01:30:00 2026)"
        );
        assert!(lines[4].starts_with("example. IN DNSKEY 256 3 13 "));
        let private = std::fs::read_to_string(&paths.private).unwrap();
        let tags: Vec<&str> = private
            .lines()
            .filter_map(|l| l.split(':').next())
            .collect();
        assert_eq!(
            tags,
            [
                "Private-key-format",
                "Algorithm",
                "PrivateKey",
                "Created",
                "Publish",
                "Activate"
            ]
        );
        assert!(private.starts_with("Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\n"));
    }

    #[test]
    fn ctime_matches_bind_comments() {
        assert_eq!(ctime_utc(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(
            ctime_utc(time::parse_timestamp(b"20260102000000").unwrap()),
            "Fri Jan  2 00:00:00 2026"
        );
        assert_eq!(
            ctime_utc(time::parse_timestamp(b"20261127234040").unwrap()),
            "Fri Nov 27 23:40:40 2026"
        );
    }

    #[cfg(unix)]
    #[test]
    fn private_file_is_0600_and_public_file_0644() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = Key::generate(zone(), Algorithm::ECDSAP256SHA256, true, NOW).unwrap();
        let paths = KeyFilePaths::for_base(key.write(dir.path()).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&paths.private), 0o600);
        // The umask may take bits away from 0644, never add them.
        assert_eq!(mode(&paths.public) & !0o644, 0);
        assert_ne!(mode(&paths.public) & 0o400, 0);
    }

    #[test]
    fn debug_output_shows_no_key_material() {
        let key = Key::generate(zone(), Algorithm::ED25519, true, NOW).unwrap();
        let Some(PrivateKey::Ed25519 { seed, .. }) = &key.private else {
            panic!("generated an Ed25519 key")
        };
        let shown = format!("{key:?}");
        assert!(!shown.contains(&BASE64.encode(seed.as_slice())));
        assert!(!shown.contains(&format!("{seed:?}")));
    }

    #[test]
    fn reads_ldns_format_without_timing_or_final_newline() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::generate(zone(), Algorithm::ED25519, false, NOW).unwrap();
        let Some(PrivateKey::Ed25519 { seed, .. }) = &key.private else {
            panic!("generated an Ed25519 key")
        };
        let paths = KeyFilePaths::for_base(dir.path().join(key.base_name()));
        let dnskey = format!(
            "example.\tIN\tDNSKEY\t256 3 15 ( {} ) ;{{id = {} (zsk), size = 256b}}\n",
            BASE64.encode(&key.public_key),
            key.tag()
        );
        let private = format!(
            "Private-key-format: v1.2\nAlgorithm: 15 (ED25519)\nPrivateKey: {}",
            BASE64.encode(seed.as_slice())
        );
        std::fs::write(&paths.public, dnskey).unwrap();
        std::fs::write(&paths.private, private).unwrap();
        let read = Key::read(&paths.base).unwrap();
        assert_eq!(read.timing, KeyTiming::default());
        assert_eq!(read.tag(), key.tag());
        assert!(read.private.is_some());
    }

    #[test]
    fn short_ecdsa_scalars_are_padded() {
        // A P-256 scalar with a leading zero octet, as ldns writes it.
        let public = PublicKeyFile {
            owner: zone(),
            ttl: None,
            flags: 256,
            algorithm: Algorithm::ECDSAP256SHA256,
            public_key: vec![0; 64],
            timing: KeyTiming::default(),
        };
        let file = PrivateKeyFile {
            algorithm: Algorithm::ECDSAP256SHA256,
            algorithm_at: (2, 12),
            fields: vec![PrivateField {
                tag: "PrivateKey",
                value: BASE64.encode(&[7u8; 33]).into_bytes(),
                line: 3,
                column: 13,
            }],
            timing: KeyTiming::default(),
            has_timing: false,
        };
        let Err(BuildError::File(e)) = ecdsa_private_key(&file, &public, Path::new("x.private"))
        else {
            panic!("a 33-octet scalar must be refused")
        };
        assert_eq!(
            e.to_string(),
            "x.private:3:13: expected a 32-octet ECDSA private key, found 33 octets"
        );
    }

    #[test]
    fn argument_forms_name_the_same_files() {
        let expected = KeyFilePaths::for_base(PathBuf::from("d/Kexample.+013+10168"));
        for arg in [
            "d/Kexample.+013+10168",
            "d/Kexample.+013+10168.key",
            "d/Kexample.+013+10168.private",
        ] {
            assert_eq!(KeyFilePaths::for_argument(Path::new(arg)), expected);
        }
    }

    #[test]
    fn load_key_dir_sorts_and_checks_owners() {
        let dir = tempfile::tempdir().unwrap();
        let mut written = Vec::new();
        for algorithm in [
            Algorithm::ED25519,
            Algorithm::ECDSAP256SHA256,
            Algorithm::ECDSAP256SHA256,
        ] {
            let key = Key::generate(zone(), algorithm, false, NOW).unwrap();
            key.write(dir.path()).unwrap();
            written.push((key.algorithm, key.tag()));
        }
        let other = Name::parse_absolute("other.example.").unwrap();
        Key::generate(other, Algorithm::ED25519, false, NOW)
            .unwrap()
            .write(dir.path())
            .unwrap();
        written.sort();
        let upper = Name::parse_absolute("EXAMPLE.").unwrap();
        let loaded = load_key_dir(dir.path(), &upper).unwrap();
        let got: Vec<_> = loaded.iter().map(|k| (k.algorithm, k.tag())).collect();
        assert_eq!(got, written);

        // A file named for the zone but holding another owner's key.
        let stray = Key::generate(
            Name::parse_absolute("example.net.").unwrap(),
            Algorithm::ED25519,
            false,
            NOW,
        )
        .unwrap();
        let stray_paths = KeyFilePaths::for_base(stray.write(dir.path()).unwrap());
        let renamed = dir
            .path()
            .join(format!("Kexample.+015+{:05}.key", stray.tag()));
        std::fs::rename(&stray_paths.public, &renamed).unwrap();
        let err = load_key_dir(dir.path(), &zone()).unwrap_err();
        assert!(matches!(err, KeyFileError::OwnerMismatch { .. }), "{err}");
        assert!(err.to_string().contains(&renamed.display().to_string()));
    }

    #[test]
    fn syntax_errors_point_at_line_and_column() {
        let path = Path::new("K.key");
        let err = parse_public_key_file(b"; c\nexample. IN DS 1 2 3 AA\n", path).unwrap_err();
        assert_eq!(
            err.to_string(),
            "K.key:2:13: expected the type DNSKEY, found \"DS\""
        );
        let err = parse_private_key_file(b"Private-key-format: v2.0\n", path)
            .err()
            .expect("v2.0 is refused");
        assert_eq!(
            err.to_string(),
            "K.key:1:21: expected format v1.2 (ldns) or v1.3 (BIND), found \"v2.0\""
        );
    }

    proptest! {
        #[test]
        fn public_key_parser_never_panics(text in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_public_key_file(&text, Path::new("fuzz.key"));
        }

        #[test]
        fn private_key_parser_never_panics(text in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_private_key_file(&text, Path::new("fuzz.private"));
        }

        #[test]
        fn key_file_like_text_never_panics(
            owner in "[a-z.]{0,6}",
            middle in "[ 0-9A-Za-z()+/=;:\n]{0,80}",
        ) {
            let text = format!("{owner} IN DNSKEY {middle}");
            let _ = parse_public_key_file(text.as_bytes(), Path::new("fuzz.key"));
            let private = format!("Private-key-format: v1.3\nAlgorithm: 13\n{middle}");
            let _ = parse_private_key_file(private.as_bytes(), Path::new("fuzz.private"));
        }
    }
}
