//! What the verifier reports: findings with stable ids, and the report.

use crate::name::Name;
use crate::rtype::Rtype;
use serde::{Serialize, Serializer};
use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Validators will fail (SERVFAIL), or a standard's MUST is broken.
    Error,
    /// Works today but is against a recommendation or will fail soon.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! finding_ids {
    ($($variant:ident = $text:literal, $severity:ident;)*) => {
        /// The kind of a finding. [`FindingId::as_str`] is a stable
        /// kebab-case id for scripts, tests and the workshop material; the
        /// module documentation of [`crate::verify`] explains each one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FindingId {
            $($variant,)*
        }

        impl FindingId {
            /// Every id, in documentation order.
            pub const ALL: &'static [FindingId] = &[$(FindingId::$variant,)*];

            /// The stable kebab-case id, e.g. `rrsig-expired`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingId::$variant => $text,)*
                }
            }

            /// The severity findings of this kind have.
            pub fn severity(self) -> Severity {
                match self {
                    $(FindingId::$variant => Severity::$severity,)*
                }
            }

            /// Reads an id back from its text.
            pub fn from_text(text: &str) -> Option<FindingId> {
                match text {
                    $($text => Some(FindingId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

finding_ids! {
    UnsignedZone = "unsigned-zone", Error;
    RdataMalformed = "rdata-malformed", Error;
    DnskeyMissing = "dnskey-missing", Error;
    DnskeyNoSep = "dnskey-no-sep", Warning;
    DnskeyNotSignedBySep = "dnskey-not-signed-by-sep", Error;
    AlgorithmUnsupported = "algorithm-unsupported", Warning;
    RrsigMissing = "rrsig-missing", Error;
    AlgorithmNotSigning = "algorithm-not-signing", Error;
    RrsigNoKey = "rrsig-no-key", Error;
    RrsigBadSignature = "rrsig-bad-signature", Error;
    RrsigExpired = "rrsig-expired", Error;
    RrsigNotYetValid = "rrsig-not-yet-valid", Error;
    RrsigExpiring = "rrsig-expiring", Warning;
    RrsigValidityTooLong = "rrsig-validity-too-long", Warning;
    RrsigLabels = "rrsig-labels", Error;
    RrsigSignerWrong = "rrsig-signer-wrong", Error;
    RrsigTtlMismatch = "rrsig-ttl-mismatch", Error;
    RrsigOrphan = "rrsig-orphan", Warning;
    RrsetTtlDiffers = "rrset-ttl-differs", Warning;
    DelegationSigned = "delegation-signed", Error;
    GlueSigned = "glue-signed", Error;
    DenialMissing = "denial-missing", Error;
    DenialMixed = "denial-mixed", Error;
    NsecMissing = "nsec-missing", Error;
    NsecChainBroken = "nsec-chain-broken", Error;
    NsecBitmapWrong = "nsec-bitmap-wrong", Error;
    NsecTtl = "nsec-ttl", Warning;
    Nsec3Missing = "nsec3-missing", Error;
    Nsec3ChainBroken = "nsec3-chain-broken", Error;
    Nsec3BitmapWrong = "nsec3-bitmap-wrong", Error;
    Nsec3ParamMissing = "nsec3-param-missing", Error;
    Nsec3ParamMismatch = "nsec3-param-mismatch", Error;
    Nsec3HashUnknown = "nsec3-hash-unknown", Error;
    Nsec3IterationsHigh = "nsec3-iterations-high", Warning;
    Nsec3SaltPresent = "nsec3-salt-present", Warning;
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem found in the zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Severity,
    /// The owner name the finding is about (the apex for zone-wide ones).
    #[serde(serialize_with = "as_text")]
    pub owner: Name,
    /// The record type concerned: the type an RRSIG covers, NSEC, NSEC3...
    #[serde(serialize_with = "opt_as_text")]
    pub rtype: Option<Rtype>,
    /// The key tag of the key or signature concerned.
    pub key_tag: Option<u16>,
    /// The DNSSEC algorithm number concerned.
    pub algorithm: Option<u8>,
    /// One sentence: what, where, why (with the RFC section), what to do.
    pub message: String,
}

impl Finding {
    /// A finding with the id's severity and no type, key or algorithm.
    pub fn new(id: FindingId, owner: &Name, message: impl Into<String>) -> Finding {
        Finding {
            id,
            severity: id.severity(),
            owner: owner.clone(),
            rtype: None,
            key_tag: None,
            algorithm: None,
            message: message.into(),
        }
    }

    pub fn rtype(mut self, rtype: Rtype) -> Finding {
        self.rtype = Some(rtype);
        self
    }

    pub fn key(mut self, key_tag: u16, algorithm: u8) -> Finding {
        self.key_tag = Some(key_tag);
        self.algorithm = Some(algorithm);
        self
    }

    pub fn algorithm(mut self, algorithm: u8) -> Finding {
        self.algorithm = Some(algorithm);
        self
    }
}

/// `error rrsig-expired www.example. A: message`.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.severity, self.id, self.owner)?;
        if let Some(t) = self.rtype {
            write!(f, " {t}")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn as_text<S: Serializer, T: fmt::Display>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

fn opt_as_text<S: Serializer, T: fmt::Display>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// Which authenticated denial of existence the zone uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Denial {
    #[default]
    None,
    Nsec,
    Nsec3,
}

/// Counts, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Owner names in the zone (records' owners, not empty non-terminals).
    pub names: usize,
    /// Authoritative RRsets whose signatures were checked.
    pub rrsets_checked: usize,
    /// RRSIG records found over authoritative RRsets.
    pub signatures_found: usize,
    /// Signatures whose cryptography was checked.
    pub signatures_checked: usize,
    /// Signatures that verified and are inside their validity window.
    pub signatures_valid: usize,
    /// NSEC or NSEC3 records checked in the denial chain.
    pub denial_records: usize,
    pub denial: Denial,
    /// Whether any NSEC3 record has the opt-out flag.
    pub opt_out: bool,
    /// Algorithms in the DNSKEY RRset (zone keys, not revoked).
    pub algorithms: Vec<u8>,
}

/// The verifier's result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// True when there is no error (warnings allowed): the zone validates.
    pub fn is_valid(&self) -> bool {
        self.errors() == 0
    }

    /// Whether some finding has this id.
    pub fn has(&self, id: FindingId) -> bool {
        self.findings.iter().any(|f| f.id == id)
    }

    /// Findings per id, in id order, for a summary.
    pub fn counts(&self) -> Vec<(FindingId, usize)> {
        let mut map = std::collections::BTreeMap::new();
        for f in &self.findings {
            *map.entry(f.id).or_insert(0usize) += 1;
        }
        map.into_iter().collect()
    }
}
