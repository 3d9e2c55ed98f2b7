//! The lab file, as written on disk.
//!
//! ## Format
//! A lab file is YAML. Every key but `workshop`, `tlds` and `trainees` is
//! optional; a key the format does not have is an error that names the
//! closest valid one.
//!
//! ```yaml
//! workshop: cctld-pilot          # [a-z0-9-]: names the state directory
//! description: "DNSSEC for ccTLD registries, pilot"   # optional
//! tlds: [ne, tg, bj]             # the lab's TLDs (labels, lowercase)
//! trainees:                      # either a list of names...
//!   names: [alice, bob]
//! # trainees: { count: 20, pattern: "t{n:02}" }   # ...or a count: t01 … t20
//! zone: "{trainee}.{tld}"        # each trainee's zone; TLDs assigned round-robin
//! nodes: { auth: true, resolver: true }   # what the lab runs for each trainee
//! timers: workshop               # workshop | classroom | standard | a table
//! # timers: { profile: classroom, ds_ttl: 10m }
//! cds_scan: { enabled: true, interval: 1m }  # TLDs poll trainee CDS/CDNSKEY
//! exercises: [sign-zone, ds-submission, resolver-validation]
//! algorithm: ECDSAP256SHA256     # of the lab keys (root, TLDs, zoo)
//! addresses: { base: 127.53.0.0/16 }  # loopback network, at least a /16
//! port: 53                       # every node listens on this port
//! zoo: true                      # the zoo. TLD of broken and odd zones
//! access:                        # trainees log in to their workstations by SSH
//!   ssh: true                    # (Docker backend; implies nodes.workstation)
//!   bind: 0.0.0.0                # host address the SSH ports are published on
//!   host: 192.0.2.10             # what the handout tells trainees to type
//!   port_base: 2200              # trainee n's workstation at port_base + n
//!   password: true               # a generated password per trainee
//!   keys:                        # public keys that may log in, per trainee
//!     alice: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... alice@laptop"]
//! ```
//!
//! | key | default | notes |
//! |---|---|---|
//! | `zone` | `{trainee}.{tld}` ([`defaults::ZONE_PATTERN`]) | `{trainee}` and `{tld}`; must end in `.{tld}` |
//! | `trainees.pattern` | `t{n:02}` ([`defaults::TRAINEE_PATTERN`]) | `{n}` or `{n:0W}` (zero-padded to W digits), n from 1 |
//! | `nodes.auth`, `nodes.resolver` | `true` | `false`: the trainee runs that server (BIND, NSD, Unbound...) on the planned address |
//! | `timers` | `workshop` ([`crate::TimerProfile::DEFAULT`]) | see [`crate::timers`] |
//! | `cds_scan.enabled` | `false` | `cds_scan.interval` default `1m` ([`defaults::CDS_SCAN_INTERVAL`]) |
//! | `exercises` | none | ids from [`crate::KNOWN_EXERCISES`] |
//! | `algorithm` | ECDSAP256SHA256 ([`defaults::ALGORITHM`]) | or ECDSAP384SHA384, ED25519 (names or numbers) |
//! | `addresses.base` | `127.53.0.0/16` ([`defaults::NETWORK`]) | see [`crate::plan`] for the scheme |
//! | `port` | 53 ([`defaults::PORT`]) | above 1023 needs no privileges |
//! | `zoo` | `true` ([`defaults::ZOO`]) | |
//! | `access.ssh` | `false` | `true`: an OpenSSH server in each trainee's workstation (Docker backend); implies `nodes.workstation` |
//! | `access.bind` | `127.0.0.1` ([`defaults::SSH_BIND`]) | `0.0.0.0` (or one of the host's addresses) for trainees' laptops |
//! | `access.host` | the bind address; for `0.0.0.0` this machine's host name | only printed: the `ssh` line of `dnslab access list` and the handout |
//! | `access.port_base` | 2200 ([`defaults::SSH_PORT_BASE`]) | trainee n (from 1) on `port_base + n` |
//! | `access.password` | `true` ([`defaults::SSH_PASSWORD`]) | `false`: keys only (every trainee then needs one) |
//! | `access.keys` | none | trainee name → OpenSSH public key lines (`authorized_keys` without options) |
//!
//! Durations are seconds or `90s`, `5m`, `1h`, `14d`, `2w`, `1h30m`.
//!
//! ## Reading
//! [`LabFile::load`] reads and parses a file. Errors name
//! `file:line:column`: serde_yaml gives the position of syntax errors, of
//! unknown keys and of values that fail their own check (a bad label, a bad
//! duration, an unknown exercise), since those checks run inside
//! deserialization. Checks that compare values (duplicates, collisions)
//! run in [`crate::plan::LabPlan::from_spec`].
//!
//! The struct keeps what was written: an absent key is `None` here, and
//! its default is applied once, in the plan, from [`defaults`].

use crate::error::{LabError, UnknownWord};
use crate::exercise::Exercise;
use crate::locate::Source;
use crate::suggest::closest;
use crate::timers::{TimerProfile, parse_duration};
use dnslab_zone::Algorithm;
use ipnet::Ipv4Net;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The default of every optional key, in one place.
pub mod defaults {
    use dnslab_zone::Algorithm;
    use ipnet::Ipv4Net;
    use std::net::Ipv4Addr;

    /// `zone:`
    pub const ZONE_PATTERN: &str = "{trainee}.{tld}";
    /// `trainees.pattern:`
    pub const TRAINEE_PATTERN: &str = "t{n:02}";
    /// `nodes.auth:`, `nodes.resolver:`
    pub const AUTH_NODE: bool = true;
    pub const RESOLVER_NODE: bool = true;
    pub const WORKSTATION: bool = false;
    /// `cds_scan.enabled:`
    pub const CDS_SCAN: bool = false;
    /// `cds_scan.interval:` (seconds)
    pub const CDS_SCAN_INTERVAL: u32 = 60;
    /// `algorithm:`
    pub const ALGORITHM: Algorithm = Algorithm::ECDSAP256SHA256;
    /// `addresses.base:` 127.53.0.0/16
    pub const NETWORK: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(127, 53, 0, 0), 16);
    /// `port:`
    pub const PORT: u16 = 53;
    /// `zoo:`
    pub const ZOO: bool = true;
    /// `access.ssh:`
    pub const SSH: bool = false;
    /// `access.bind:` loopback: nothing is reachable from the classroom
    /// network unless the lab file says so.
    pub const SSH_BIND: std::net::IpAddr = std::net::IpAddr::V4(Ipv4Addr::LOCALHOST);
    /// `access.port_base:`
    pub const SSH_PORT_BASE: u16 = 2200;
    /// `access.password:`
    pub const SSH_PASSWORD: bool = true;
}

/// A lab file, as written (see the module documentation for the format).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabFile {
    pub workshop: Label,
    pub description: Option<String>,
    pub tlds: Vec<Label>,
    pub trainees: TraineesSpec,
    pub zone: Option<ZonePattern>,
    pub nodes: Option<NodesSpec>,
    pub timers: Option<TimersSpec>,
    pub cds_scan: Option<CdsScanSpec>,
    pub exercises: Option<Vec<Exercise>>,
    pub algorithm: Option<AlgorithmSpec>,
    pub addresses: Option<AddressesSpec>,
    pub port: Option<u16>,
    pub zoo: Option<bool>,
    pub access: Option<AccessSpec>,
    /// The file it was read from and its text, for locating errors found
    /// later and for the state directory's copy. Empty for a `LabFile`
    /// built in code.
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub path: PathBuf,
}

/// `trainees:` either `names` or `count` (with an optional `pattern`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraineesSpec {
    pub names: Option<Vec<Label>>,
    pub count: Option<u32>,
    pub pattern: Option<TraineePattern>,
}

/// `nodes:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodesSpec {
    pub auth: Option<bool>,
    pub resolver: Option<bool>,
    /// A workstation container per trainee with BIND's, ldns', Knot's and
    /// Unbound's tools (Docker backend only).
    pub workstation: Option<bool>,
}

/// `access:` how trainees reach their workstations from their own
/// machines.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSpec {
    pub ssh: Option<bool>,
    pub bind: Option<BindAddress>,
    pub host: Option<HostName>,
    pub port_base: Option<u16>,
    pub password: Option<bool>,
    /// Trainee name → the public keys that may log in as that trainee.
    pub keys: Option<std::collections::BTreeMap<Label, Vec<PublicKeyLine>>>,
}

/// `access.bind`: an IP address of the host (`0.0.0.0` for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindAddress(pub std::net::IpAddr);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not an IP address (write 127.0.0.1, 0.0.0.0 or one of this machine's addresses)"
)]
pub struct BadBindAddress {
    pub text: String,
}

impl FromStr for BindAddress {
    type Err = BadBindAddress;
    fn from_str(s: &str) -> Result<BindAddress, BadBindAddress> {
        s.parse().map(BindAddress).map_err(|_| BadBindAddress {
            text: s.to_string(),
        })
    }
}

/// `access.host`: a host name or address, as trainees type it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostName(pub String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a host name or address: letters, digits, '.', '-' and ':' only")]
pub struct BadHostName {
    pub text: String,
}

impl FromStr for HostName {
    type Err = BadHostName;
    fn from_str(s: &str) -> Result<HostName, BadHostName> {
        // Printed into a command line trainees copy: nothing a shell
        // would read as more than one word.
        let ok = !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
        if ok {
            Ok(HostName(s.to_string()))
        } else {
            Err(BadHostName {
                text: s.to_string(),
            })
        }
    }
}

/// An OpenSSH public key line (`ssh-ed25519 AAAA… comment`), as in
/// `authorized_keys` but without options: checked to be one line whose
/// key type is one OpenSSH accepts and whose base64 blob decodes and
/// names the same type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyLine {
    /// The key type (`ssh-ed25519`).
    pub kind: String,
    /// The base64 key blob.
    pub blob: String,
    /// The comment, possibly empty.
    pub comment: String,
}

/// The key types `access.keys` takes (what OpenSSH 9 accepts for users).
pub const SSH_KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

impl PublicKeyLine {
    /// The line as `authorized_keys` takes it.
    pub fn line(&self) -> String {
        if self.comment.is_empty() {
            format!("{} {}", self.kind, self.blob)
        } else {
            format!("{} {} {}", self.kind, self.blob, self.comment)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not an OpenSSH public key line: {reason} (write it as in a .pub file: ssh-ed25519 AAAA… comment)"
)]
pub struct BadPublicKey {
    pub reason: String,
}

impl FromStr for PublicKeyLine {
    type Err = BadPublicKey;
    fn from_str(s: &str) -> Result<PublicKeyLine, BadPublicKey> {
        let bad = |reason: String| BadPublicKey { reason };
        if s.contains(['\n', '\r', '\0']) {
            return Err(bad("one key per line".to_string()));
        }
        let mut words = s.split_whitespace();
        let kind = words.next().unwrap_or_default();
        if !SSH_KEY_TYPES.contains(&kind) {
            return Err(bad(format!(
                "{kind:?} is not a key type OpenSSH takes ({})",
                SSH_KEY_TYPES.join(", ")
            )));
        }
        let blob = words.next().unwrap_or_default();
        let bytes = data_encoding::BASE64
            .decode(blob.as_bytes())
            .map_err(|_| bad("the key is not base64".to_string()))?;
        // The blob starts with the key type as an SSH string (RFC 4251).
        let named = bytes
            .get(..4)
            .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
            .and_then(|n| bytes.get(4..4 + n));
        if named != Some(kind.as_bytes()) {
            return Err(bad(format!("the key data is not of type {kind}")));
        }
        Ok(PublicKeyLine {
            kind: kind.to_string(),
            blob: blob.to_string(),
            comment: words.collect::<Vec<_>>().join(" "),
        })
    }
}

/// `cds_scan:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdsScanSpec {
    pub enabled: Option<bool>,
    pub interval: Option<Duration>,
}

/// `addresses:`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressesSpec {
    pub base: Option<Network>,
}

/// `timers:` a profile name or a table.
#[derive(Debug, Clone)]
pub enum TimersSpec {
    Profile(TimerProfile),
    Table(TimersTable),
}

/// `timers: { profile: ..., ttl: ..., ... }`: the profile's values (the
/// default profile's when `profile` is absent) with the named ones
/// replaced.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimersTable {
    pub profile: Option<TimerProfile>,
    pub ttl: Option<Duration>,
    pub dnskey_ttl: Option<Duration>,
    pub ds_ttl: Option<Duration>,
    pub negative_ttl: Option<Duration>,
    pub signature_validity: Option<Duration>,
    pub signature_refresh: Option<Duration>,
    pub signature_inception_offset: Option<Duration>,
}

impl LabFile {
    /// Reads and parses a lab file.
    pub fn load(path: &Path) -> Result<LabFile, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        LabFile::parse(&text, path)
    }

    /// Parses lab-file text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<LabFile, LabError> {
        let mut lab: LabFile =
            serde_yaml::from_str(text).map_err(|e| yaml_error(&e, Source::new(path, text)))?;
        lab.text = text.to_string();
        lab.path = path.to_path_buf();
        Ok(lab)
    }
}

/// Turns a serde_yaml error into a [`LabError`] with `file:line:column`,
/// recognising unknown keys to suggest the closest valid one.
pub(crate) fn yaml_error(error: &serde_yaml::Error, source: Source<'_>) -> LabError {
    let position = error
        .location()
        .map(|l| (l.line() as u32, l.column() as u32));
    let at = crate::error::Location::new(source.file, position);
    let mut message = error.to_string();
    if let Some((line, column)) = position {
        message = message.replace(&format!(" at line {line} column {column}"), "");
    }
    // serde_yaml writes `path: message` for errors below the top level.
    let (section, body) = match message.find(": unknown ") {
        Some(i) => (Some(message[..i].to_string()), message[i + 2..].to_string()),
        None => (None, message.clone()),
    };
    for (prefix, is_key) in [("unknown field `", true), ("unknown variant `", false)] {
        let Some(rest) = body.strip_prefix(prefix) else {
            continue;
        };
        let Some(end) = rest.find('`') else { break };
        let word = rest[..end].to_string();
        let expected: Vec<String> = rest[end + 1..]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let suggestion = closest(&word, expected.iter().map(String::as_str)).map(str::to_string);
        let word = Box::new(UnknownWord {
            at,
            word,
            section,
            expected,
            suggestion,
        });
        return if is_key {
            LabError::UnknownKey(word)
        } else {
            LabError::UnknownValue(word)
        };
    }
    LabError::Syntax { at, message }
}

/// A DNS label as lab files use them (workshop, TLDs, trainee names):
/// lowercase letters, digits and hyphens, not starting or ending with a
/// hyphen, at most 63 characters. Trainee names also name directories.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub String);

impl Label {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why `text` is not a usable label, if it is not.
pub fn label_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("it is empty")
    } else if text.len() > 63 {
        Some("longer than 63 characters")
    } else if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Some("use lowercase letters")
    } else if !text
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only letters a-z, digits and hyphens are allowed")
    } else if text.starts_with('-') || text.ends_with('-') {
        Some("it cannot start or end with a hyphen")
    } else {
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a usable DNS label: {reason}")]
pub struct BadLabel {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for Label {
    type Err = BadLabel;
    fn from_str(s: &str) -> Result<Label, BadLabel> {
        match label_problem(s) {
            Some(reason) => Err(BadLabel {
                text: s.to_string(),
                reason,
            }),
            None => Ok(Label(s.to_string())),
        }
    }
}

/// `trainees.pattern`: a name with one `{n}` or `{n:0W}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraineePattern {
    pub text: String,
    prefix: String,
    /// Zero-padded to this many digits (`{n:02}` → 2).
    width: usize,
    suffix: String,
}

impl TraineePattern {
    /// The name of trainee `n` (from 1).
    pub fn render(&self, n: usize) -> String {
        format!(
            "{}{:0width$}{}",
            self.prefix,
            n,
            self.suffix,
            width = self.width
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad trainee name pattern {text:?}: {reason}")]
pub struct BadPattern {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for TraineePattern {
    type Err = BadPattern;
    fn from_str(s: &str) -> Result<TraineePattern, BadPattern> {
        let bad = |reason| BadPattern {
            text: s.to_string(),
            reason,
        };
        let open = s.find('{').ok_or(bad(
            "it needs {n} (or {n:02}) where the trainee's number goes",
        ))?;
        let close = s[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or(bad("a { without its }"))?;
        let (prefix, inner, suffix) = (&s[..open], &s[open + 1..close], &s[close + 1..]);
        if suffix.contains(['{', '}']) || prefix.contains('}') {
            return Err(bad("only one {n} is allowed"));
        }
        let width = match inner {
            "n" => 0,
            _ => match inner.strip_prefix("n:0") {
                Some(w) if w.len() == 1 && (b'1'..=b'9').contains(&w.as_bytes()[0]) => {
                    usize::from(w.as_bytes()[0] - b'0')
                }
                _ => return Err(bad("write {n} or {n:0W} with W a digit, as in {n:02}")),
            },
        };
        Ok(TraineePattern {
            text: s.to_string(),
            prefix: prefix.to_string(),
            width,
            suffix: suffix.to_string(),
        })
    }
}

/// `zone:` a trainee's zone name from `{trainee}` and `{tld}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonePattern(pub String);

impl ZonePattern {
    /// The zone text (no trailing dot) for a trainee and TLD.
    pub fn render(&self, trainee: &str, tld: &str) -> String {
        self.0.replace("{trainee}", trainee).replace("{tld}", tld)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad zone pattern {text:?}: {reason}")]
pub struct BadZonePattern {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for ZonePattern {
    type Err = BadZonePattern;
    fn from_str(s: &str) -> Result<ZonePattern, BadZonePattern> {
        let bad = |reason| BadZonePattern {
            text: s.to_string(),
            reason,
        };
        let t = s.strip_suffix('.').unwrap_or(s);
        if !t.contains("{trainee}") {
            return Err(bad(
                "it needs {trainee}, or every trainee would get the same zone",
            ));
        }
        if !t.ends_with(".{tld}") {
            return Err(bad(
                "it must end in .{tld}: trainee zones are delegated from a lab TLD",
            ));
        }
        let rest = t.replace("{trainee}", "").replace("{tld}", "");
        if rest.contains(['{', '}']) {
            return Err(bad("the only placeholders are {trainee} and {tld}"));
        }
        Ok(ZonePattern(t.to_string()))
    }
}

/// A duration in seconds, written as seconds or with units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub u32);

/// A signing algorithm dnslab can generate lab keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlgorithmSpec(pub Algorithm);

/// The algorithms lab keys can use (those dnslab generates keys for).
pub const LAB_KEY_ALGORITHMS: [Algorithm; 3] = [
    Algorithm::ECDSAP256SHA256,
    Algorithm::ECDSAP384SHA384,
    Algorithm::ED25519,
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "algorithm {text:?}: lab keys can be ECDSAP256SHA256 (13), ECDSAP384SHA384 (14) or ED25519 (15)"
)]
pub struct BadAlgorithm {
    pub text: String,
}

impl FromStr for AlgorithmSpec {
    type Err = BadAlgorithm;
    fn from_str(s: &str) -> Result<AlgorithmSpec, BadAlgorithm> {
        let algorithm = match s.parse::<u8>() {
            Ok(n) => Some(Algorithm(n)),
            Err(_) => Algorithm::from_mnemonic(s.as_bytes()),
        };
        algorithm
            .filter(|a| LAB_KEY_ALGORITHMS.contains(a))
            .map(AlgorithmSpec)
            .ok_or_else(|| BadAlgorithm {
                text: s.to_string(),
            })
    }
}

/// `addresses.base`: an IPv4 loopback network of at least a /16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(pub Ipv4Net);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("addresses: bad base network {text:?}: {reason}")]
pub struct BadNetwork {
    pub text: String,
    pub reason: &'static str,
}

impl FromStr for Network {
    type Err = BadNetwork;
    fn from_str(s: &str) -> Result<Network, BadNetwork> {
        let bad = |reason| BadNetwork {
            text: s.to_string(),
            reason,
        };
        let net: Ipv4Net = s
            .parse()
            .map_err(|_| bad("write an IPv4 network such as 127.53.0.0/16"))?;
        if !net.addr().is_loopback() {
            return Err(bad(
                "the embedded backend listens on loopback addresses: use 127.x.0.0/16",
            ));
        }
        if net.prefix_len() > 16 {
            return Err(bad("the address plan needs a /16 (or larger)"));
        }
        Ok(Network(net.trunc()))
    }
}

/// Deserializes a type from a string through its `FromStr`, inside the
/// visitor, so that serde_yaml attaches the value's position to the error.
struct FromStrVisitor<T>(&'static str, PhantomData<T>);

impl<T> Visitor<'_> for FromStrVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.visit_str(&v.to_string())
    }
}

macro_rules! deserialize_from_str {
    ($ty:ty, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(FromStrVisitor::<$ty>($expecting, PhantomData))
            }
        }
    };
}

deserialize_from_str!(Label, "a DNS label (a-z, 0-9, -)");
deserialize_from_str!(TraineePattern, "a name pattern such as \"t{n:02}\"");
deserialize_from_str!(ZonePattern, "a zone pattern such as \"{trainee}.{tld}\"");
deserialize_from_str!(AlgorithmSpec, "an algorithm name or number");
deserialize_from_str!(Network, "an IPv4 network such as 127.53.0.0/16");
deserialize_from_str!(Exercise, "an exercise id");
deserialize_from_str!(TimerProfile, "a timer profile");
deserialize_from_str!(BindAddress, "an IP address such as 127.0.0.1 or 0.0.0.0");
deserialize_from_str!(HostName, "a host name or address");
deserialize_from_str!(PublicKeyLine, "an OpenSSH public key line");

impl FromStr for Duration {
    type Err = crate::timers::BadDuration;
    fn from_str(s: &str) -> Result<Duration, Self::Err> {
        parse_duration(s).map(Duration)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FromStrVisitor::<Duration>(
            "a duration: seconds, or 90s, 5m, 1h, 14d",
            PhantomData,
        ))
    }
}

impl<'de> Deserialize<'de> for TimersSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TimersSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timer profile (workshop, classroom, standard) or a table of timers")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TimersSpec, E> {
                v.parse().map(TimersSpec::Profile).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TimersSpec, A::Error> {
                TimersTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(TimersSpec::Table)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p: TraineePattern = "t{n:02}".parse().unwrap();
        assert_eq!(p.render(7), "t07");
        assert_eq!(p.render(123), "t123");
        let p: TraineePattern = "team-{n}-x".parse().unwrap();
        assert_eq!(p.render(3), "team-3-x");
        for bad in ["t", "t{m}", "t{n:2}", "t{n}{n}", "t{n", "t{n:0}"] {
            assert!(bad.parse::<TraineePattern>().is_err(), "{bad}");
        }
        let z: ZonePattern = "{trainee}.lab.{tld}.".parse().unwrap();
        assert_eq!(z.render("t01", "ne"), "t01.lab.ne");
        for bad in [
            "{tld}",
            "{trainee}",
            "{trainee}.{tld}.x",
            "{trainee}.{zone}.{tld}",
        ] {
            assert!(bad.parse::<ZonePattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_and_values() {
        assert!("ne".parse::<Label>().is_ok());
        assert!("xn--p1ai".parse::<Label>().is_ok());
        for bad in ["", "Ne", "a_b", "-a", "a-", &"a".repeat(64)] {
            assert!(bad.parse::<Label>().is_err(), "{bad}");
        }
        assert_eq!(
            "13".parse::<AlgorithmSpec>().unwrap().0,
            Algorithm::ECDSAP256SHA256
        );
        assert_eq!(
            "ed25519".parse::<AlgorithmSpec>().unwrap().0,
            Algorithm::ED25519
        );
        assert!("RSASHA256".parse::<AlgorithmSpec>().is_err());
        assert!("10.0.0.0/16".parse::<Network>().is_err());
        assert!("127.53.0.0/24".parse::<Network>().is_err());
        assert!("127.0.0.0/8".parse::<Network>().is_ok());
    }
}
