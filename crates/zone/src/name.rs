//! Domain names in uncompressed wire form.
//!
//! A [`Name`] is always absolute: its bytes are a sequence of length-prefixed
//! labels ending with the root label (a single zero byte). Letter case is
//! kept as written, because zone files and signers preserve it; comparisons
//! that DNS defines as case-insensitive (equality of owners, canonical order,
//! RFC 4034 §6.1) go through [`Name::eq_ignore_case`] and
//! [`Name::canonical_cmp`].

use std::cmp::Ordering;
use std::fmt;

/// Longest label, RFC 1035 §2.3.4.
pub const MAX_LABEL: usize = 63;
/// Longest name in wire form, RFC 1035 §2.3.4.
pub const MAX_NAME: usize = 255;

/// Why a name could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("empty label in {0:?} (two dots in a row, or a leading dot)")]
    EmptyLabel(String),
    #[error("label longer than 63 octets in {0:?}")]
    LabelTooLong(String),
    #[error("name longer than 255 octets: {0:?}")]
    NameTooLong(String),
    #[error("bad escape in {0:?}: expected \\DDD (000-255) or \\ followed by a character")]
    BadEscape(String),
    #[error("relative name {0:?} but no $ORIGIN is known")]
    NoOrigin(String),
    #[error("malformed name in wire form")]
    BadWire,
}

/// An absolute domain name in uncompressed wire form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(Box<[u8]>);

impl Name {
    /// The root name `.`.
    pub fn root() -> Self {
        Name(Box::new([0u8]))
    }

    /// Takes a name from uncompressed wire bytes, checking its shape.
    pub fn from_wire(bytes: &[u8]) -> Result<Self, NameError> {
        let len = wire_len(bytes).ok_or(NameError::BadWire)?;
        if len != bytes.len() {
            return Err(NameError::BadWire);
        }
        Ok(Name(bytes.into()))
    }

    /// Reads a name at the start of `bytes` (uncompressed), returning it and
    /// the number of bytes used.
    pub fn read_wire(bytes: &[u8]) -> Result<(Self, usize), NameError> {
        let len = wire_len(bytes).ok_or(NameError::BadWire)?;
        Ok((Name(bytes[..len].into()), len))
    }

    /// Parses presentation format. `@` is `origin`; a name without a
    /// trailing dot is relative to `origin`.
    pub fn parse(text: &[u8], origin: Option<&Name>) -> Result<Self, NameError> {
        let shown = || String::from_utf8_lossy(text).into_owned();
        if text == b"@" {
            return origin.cloned().ok_or_else(|| NameError::NoOrigin(shown()));
        }
        if text == b"." {
            return Ok(Name::root());
        }
        let mut wire = Vec::with_capacity(text.len() + 2);
        let mut label_start = 0usize;
        wire.push(0);
        let mut i = 0;
        let mut absolute = false;
        while i < text.len() {
            let c = text[i];
            match c {
                b'.' => {
                    let label_len = wire.len() - label_start - 1;
                    if label_len == 0 {
                        return Err(NameError::EmptyLabel(shown()));
                    }
                    if label_len > MAX_LABEL {
                        return Err(NameError::LabelTooLong(shown()));
                    }
                    wire[label_start] = label_len as u8;
                    if i + 1 == text.len() {
                        absolute = true;
                    } else {
                        label_start = wire.len();
                        wire.push(0);
                    }
                    i += 1;
                }
                b'\\' => {
                    let (byte, used) =
                        unescape(&text[i..]).ok_or_else(|| NameError::BadEscape(shown()))?;
                    wire.push(byte);
                    i += used;
                }
                _ => {
                    wire.push(c);
                    i += 1;
                }
            }
        }
        if !absolute {
            let label_len = wire.len() - label_start - 1;
            if label_len == 0 {
                return Err(NameError::EmptyLabel(shown()));
            }
            if label_len > MAX_LABEL {
                return Err(NameError::LabelTooLong(shown()));
            }
            wire[label_start] = label_len as u8;
            let origin = origin.ok_or_else(|| NameError::NoOrigin(shown()))?;
            wire.extend_from_slice(&origin.0);
        } else {
            wire.push(0);
        }
        if wire.len() > MAX_NAME {
            return Err(NameError::NameTooLong(shown()));
        }
        Ok(Name(wire.into_boxed_slice()))
    }

    /// Parses an absolute name given as a string (a trailing dot is added
    /// when missing), for command-line arguments such as `--origin`.
    pub fn parse_absolute(text: &str) -> Result<Self, NameError> {
        if text.ends_with('.') {
            Name::parse(text.as_bytes(), None)
        } else {
            Name::parse(text.as_bytes(), Some(&Name::root()))
        }
    }

    pub fn as_wire(&self) -> &[u8] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.len() == 1
    }

    /// The labels, leftmost first, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels { rest: &self.0 }
    }

    /// Number of labels not counting the root (the RRSIG Labels field
    /// counts the same way, RFC 4034 §3.1.3).
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    pub fn is_wildcard(&self) -> bool {
        self.0.len() >= 2 && self.0[0] == 1 && self.0[1] == b'*'
    }

    /// The name with its leftmost label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let skip = self.0[0] as usize + 1;
        Some(Name(self.0[skip..].into()))
    }

    /// The wire form of the name with its leftmost `n` labels removed.
    pub fn strip_left(&self, n: usize) -> Option<Name> {
        let mut at = 0;
        for _ in 0..n {
            if self.0[at] == 0 {
                return None;
            }
            at += self.0[at] as usize + 1;
        }
        Some(Name(self.0[at..].into()))
    }

    /// `label.self`.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        if label.is_empty() {
            return Err(NameError::EmptyLabel(String::from_utf8_lossy(label).into()));
        }
        if label.len() > MAX_LABEL {
            return Err(NameError::LabelTooLong(
                String::from_utf8_lossy(label).into(),
            ));
        }
        let mut wire = Vec::with_capacity(self.0.len() + label.len() + 1);
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
        wire.extend_from_slice(&self.0);
        if wire.len() > MAX_NAME {
            return Err(NameError::NameTooLong(
                String::from_utf8_lossy(&wire).into(),
            ));
        }
        Ok(Name(wire.into_boxed_slice()))
    }

    /// `*.self`.
    pub fn wildcard(&self) -> Result<Name, NameError> {
        self.prepend(b"*")
    }

    /// True when `self` equals `ancestor` or lies below it (case-insensitive).
    pub fn is_subdomain_of(&self, ancestor: &Name) -> bool {
        let (a, b) = (&self.0, &ancestor.0);
        if b.len() > a.len() {
            return false;
        }
        let offset = a.len() - b.len();
        if !a[offset..].eq_ignore_ascii_case(b) {
            return false;
        }
        // The suffix must start on a label boundary.
        let mut at = 0;
        while at < offset {
            at += a[at] as usize + 1;
        }
        at == offset
    }

    pub fn eq_ignore_case(&self, other: &Name) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }

    pub fn to_lowercase(&self) -> Name {
        Name(self.0.to_ascii_lowercase().into_boxed_slice())
    }

    /// Canonical DNS name order, RFC 4034 §6.1: labels compared from the
    /// rightmost, each as a lowercase octet string.
    pub fn canonical_cmp(&self, other: &Name) -> Ordering {
        canonical_cmp_wire(&self.0, &other.0)
    }
}

/// Canonical order of two well-formed uncompressed wire names.
pub(crate) fn canonical_cmp_wire(a: &[u8], b: &[u8]) -> Ordering {
    let mut sa = [0u8; 128];
    let mut sb = [0u8; 128];
    let na = label_offsets(a, &mut sa);
    let nb = label_offsets(b, &mut sb);
    let (mut ia, mut ib) = (na, nb);
    while ia > 0 && ib > 0 {
        ia -= 1;
        ib -= 1;
        let la = label_at(a, sa[ia]);
        let lb = label_at(b, sb[ib]);
        let common = la.len().min(lb.len());
        for k in 0..common {
            let (x, y) = (la[k].to_ascii_lowercase(), lb[k].to_ascii_lowercase());
            if x != y {
                return x.cmp(&y);
            }
        }
        if la.len() != lb.len() {
            return la.len().cmp(&lb.len());
        }
    }
    na.cmp(&nb)
}

fn label_offsets(wire: &[u8], out: &mut [u8; 128]) -> usize {
    let mut n = 0;
    let mut at = 0usize;
    while at < wire.len() && wire[at] != 0 && n < out.len() {
        out[n] = at as u8;
        n += 1;
        at += wire[at] as usize + 1;
    }
    n
}

fn label_at(wire: &[u8], offset: u8) -> &[u8] {
    let at = offset as usize;
    let len = wire[at] as usize;
    &wire[at + 1..at + 1 + len]
}

/// Length of a well-formed uncompressed name at the start of `bytes`.
fn wire_len(bytes: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    loop {
        let len = *bytes.get(at)? as usize;
        if len > MAX_LABEL {
            return None;
        }
        at += len + 1;
        if at > MAX_NAME {
            return None;
        }
        if len == 0 {
            return Some(at);
        }
    }
}

/// Decodes one escape (`\DDD` or `\X`) at the start of `text`, returning the
/// byte and the number of input bytes used.
pub(crate) fn unescape(text: &[u8]) -> Option<(u8, usize)> {
    debug_assert_eq!(text.first(), Some(&b'\\'));
    let next = *text.get(1)?;
    if next.is_ascii_digit() {
        let digits = text.get(1..4)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
        let byte = u8::try_from(value).ok()?;
        Some((byte, 4))
    } else {
        Some((next, 2))
    }
}

/// Iterator over the labels of a name, leftmost first.
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.rest.first()? as usize;
        if len == 0 {
            return None;
        }
        let label = &self.rest[1..1 + len];
        self.rest = &self.rest[1 + len..];
        Some(label)
    }
}

/// Writes one label in presentation format, escaping what a zone file
/// would otherwise read differently.
pub(crate) fn write_label(label: &[u8], out: &mut String) {
    for &b in label {
        match b {
            b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                out.push('\\');
                out.push(b as char);
            }
            0x21..=0x7e => out.push(b as char),
            _ => {
                out.push('\\');
                push_ddd(b, out);
            }
        }
    }
}

pub(crate) fn push_ddd(b: u8, out: &mut String) {
    out.push((b'0' + b / 100) as char);
    out.push((b'0' + (b / 10) % 10) as char);
    out.push((b'0' + b % 10) as char);
}

impl Name {
    /// Appends the presentation form to `out` (what `Display` writes),
    /// without an intermediate string: the zone writer's hot path.
    pub fn write_to(&self, out: &mut String) {
        if self.is_root() {
            out.push('.');
            return;
        }
        for label in self.labels() {
            write_label(label, out);
            out.push('.');
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(self.0.len() + 1);
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `Ord` is the canonical order, with raw bytes breaking ties between names
/// that differ only in case so that `Ord` stays consistent with `Eq`.
impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        self.canonical_cmp(other).then_with(|| self.0.cmp(&other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse_absolute(s).unwrap()
    }

    #[test]
    fn parses_relative_absolute_and_at() {
        let origin = n("example.");
        assert_eq!(
            Name::parse(b"www", Some(&origin)).unwrap(),
            n("www.example.")
        );
        assert_eq!(Name::parse(b"@", Some(&origin)).unwrap(), origin);
        assert_eq!(Name::parse(b"a.b.", Some(&origin)).unwrap(), n("a.b"));
        assert!(matches!(
            Name::parse(b"a..b.", None),
            Err(NameError::EmptyLabel(_))
        ));
        assert!(matches!(
            Name::parse(b"www", None),
            Err(NameError::NoOrigin(_))
        ));
    }

    #[test]
    fn escapes_round_trip() {
        let name = Name::parse(br"a\.b\032c\\.example.", None).unwrap();
        assert_eq!(name.label_count(), 2);
        assert_eq!(name.labels().next().unwrap(), b"a.b c\\");
        assert_eq!(name.to_string(), r"a\.b\032c\\.example.");
        assert_eq!(
            Name::parse(name.to_string().as_bytes(), None).unwrap(),
            name
        );
        assert!(Name::parse(br"a\256.", None).is_err());
    }

    #[test]
    fn canonical_order_matches_rfc4034_example() {
        // RFC 4034 §6.1 example, in order.
        let ordered = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        let names: Vec<Name> = ordered
            .iter()
            .map(|s| Name::parse(s.as_bytes(), None).unwrap())
            .collect();
        for pair in names.windows(2) {
            assert_eq!(
                pair[0].canonical_cmp(&pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn subdomain_respects_label_boundaries() {
        assert!(n("a.example.").is_subdomain_of(&n("EXAMPLE.")));
        assert!(n("example.").is_subdomain_of(&n("example.")));
        assert!(!n("aexample.").is_subdomain_of(&n("example.")));
        assert!(n("x.").is_subdomain_of(&Name::root()));
    }

    #[test]
    fn limits_are_enforced() {
        let long = "a".repeat(64);
        assert!(matches!(
            Name::parse(long.as_bytes(), Some(&Name::root())),
            Err(NameError::LabelTooLong(_))
        ));
        let many = "abcdefghi.".repeat(26);
        assert!(matches!(
            Name::parse(many.as_bytes(), None),
            Err(NameError::NameTooLong(_))
        ));
    }
}
