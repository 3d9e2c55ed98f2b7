//! The one RRSIG rule: whether an RRSIG makes an RRset valid (RFC 4035
//! §5.3), for `dnslab zone verify`, the grader and the TLDs' CDS scanner.
//!
//! # Background
//! A validator accepts an RRset when one RRSIG over it passes every check
//! of RFC 4035 §5.3.1 and its signature verifies (§5.3.3). Before this
//! module dnslab had three copies of those checks that disagreed (the CDS
//! scanner skipped the signer, the label count and revoked keys, while it
//! rewrites a TLD's DS sets); now each of them asks [`check_rrsig`].
//!
//! # Usage
//! Read the zone's DNSKEY RRset into [`RuleKey`]s, then call
//! [`check_rrsig`] for each RRSIG with the time of the check and a
//! [`SignatureVerifier`]: [`WithRing`] (the grader and the CDS scanner,
//! where volumes are small and a false accept would be a wrong grade or a
//! wrong DS set), or the verifier's prepared keys (`zone verify`, where a
//! P-256 key may check a million signatures). The answer lists every
//! problem in a fixed order ([`RrsigProblem`]); the signature is valid when
//! there is none.
//!
//! # Limitations
//! Only the RRSIG itself is judged. Whether every algorithm of the key set
//! signs the RRset (RFC 4035 §2.2), TTLs, and whether the key is trusted
//! (a DS or an anchor) are the caller's.

use crate::algorithm::Algorithm;
use crate::keys::crypto;
use crate::name::Name;
use crate::rdata::{time, view};
use crate::record::Record;
use crate::sign::rrsig::signed_data;

/// A DNSKEY of the signer's DNSKEY RRset, as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleKey<'a> {
    pub tag: u16,
    pub algorithm: Algorithm,
    pub sep: bool,
    /// RFC 5011 REVOKE flag.
    pub revoked: bool,
    /// Zone Key flag set and protocol 3: usable to sign zone data
    /// (RFC 4034 §2.1.1, §2.1.2).
    pub zone_key: bool,
    pub public_key: &'a [u8],
}

impl<'a> RuleKey<'a> {
    /// Reads DNSKEY record data; `None` when it is too short.
    pub fn from_rdata(dnskey: &'a [u8]) -> Option<RuleKey<'a>> {
        let key = view::Dnskey::parse(dnskey)?;
        Some(RuleKey {
            tag: view::key_tag(dnskey),
            algorithm: key.algorithm,
            sep: key.is_sep(),
            revoked: key.is_revoked(),
            zone_key: key.is_zone_key() && key.protocol == 3,
            public_key: key.public_key,
        })
    }

    /// Whether the key may make signatures a validator uses.
    pub fn can_sign(&self) -> bool {
        self.zone_key && !self.revoked
    }
}

/// How a signature is checked: a parameter, so that each caller chooses
/// its crypto.
pub trait SignatureVerifier {
    /// Whether `signature` over `data` verifies with `key`, which is
    /// `keys[index]` of the slice given to [`check_rrsig`].
    fn verify(&self, index: usize, key: &RuleKey<'_>, data: &[u8], signature: &[u8]) -> bool;
}

/// ring, parsing the key on every call ([`crypto::verify`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct WithRing;

impl SignatureVerifier for WithRing {
    fn verify(&self, _index: usize, key: &RuleKey<'_>, data: &[u8], signature: &[u8]) -> bool {
        crypto::verify(key.algorithm, key.public_key, data, signature)
    }
}

/// Why an RRSIG does not make its RRset valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RrsigProblem {
    /// The RRSIG data is too short to read (RFC 4034 §3.1).
    Malformed,
    /// Its signer is not the zone whose keys validate it (RFC 4035 §5.3.1).
    WrongSigner { signer: Name },
    /// Its Labels field is larger than the owner's label count, not
    /// counting a leading `*` (RFC 4035 §5.3.1, RFC 4034 §3.1.3).
    LabelsTooLarge { labels: u8, owner_labels: u8 },
    /// No DNSKEY with its key tag and algorithm (RFC 4035 §5.3.1).
    NoKey,
    /// The keys with its tag and algorithm lack the Zone Key flag or have
    /// a protocol other than 3 (RFC 4034 §2.1.1, §2.1.2).
    NotZoneKey,
    /// The zone keys with its tag and algorithm are revoked (RFC 5011
    /// §2.1: used for nothing but the revocation itself).
    RevokedKey,
    /// An algorithm dnslab cannot check.
    UnsupportedAlgorithm,
    /// No usable key verifies it: the data changed, or another key signed.
    BadSignature,
    /// Its expiration is before the check time (RFC 4034 §3.1.5).
    Expired { expiration: u32 },
    /// Its inception is after the check time (RFC 4034 §3.1.5).
    NotYetValid { inception: u32 },
}

impl RrsigProblem {
    /// The RFC section the problem breaks.
    pub fn reference(&self) -> &'static str {
        match self {
            RrsigProblem::Malformed => "RFC 4034 §3.1",
            RrsigProblem::WrongSigner { .. }
            | RrsigProblem::LabelsTooLarge { .. }
            | RrsigProblem::NoKey
            | RrsigProblem::Expired { .. }
            | RrsigProblem::NotYetValid { .. } => "RFC 4035 §5.3.1",
            RrsigProblem::NotZoneKey => "RFC 4034 §2.1.1",
            RrsigProblem::RevokedKey => "RFC 5011 §2.1",
            RrsigProblem::UnsupportedAlgorithm => "RFC 4035 §5.2",
            RrsigProblem::BadSignature => "RFC 4035 §5.3.3",
        }
    }
}

/// What [`check_rrsig`] found for one RRSIG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrsigVerdict {
    /// Every problem, in the order of [`RrsigProblem`]'s variants; empty
    /// when the RRSIG makes the RRset valid.
    pub problems: Vec<RrsigProblem>,
    /// The index in `keys` of the key whose signature verified.
    pub verified_by: Option<usize>,
    /// Signature verifications made (0 when the cheap checks left none).
    pub verifications: usize,
}

impl RrsigVerdict {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problem a validator would report first.
    pub fn first_problem(&self) -> Option<&RrsigProblem> {
        self.problems.first()
    }
}

/// The RRSIG Labels value an owner name calls for: its label count without
/// the root and a leading `*` (RFC 4034 §3.1.3).
pub fn expected_labels(owner: &Name) -> usize {
    owner.label_count() - usize::from(owner.is_wildcard())
}

/// Checks the RRSIG with record data `rrsig` over `rrset` (one RRset, as
/// received: owner and type of its first record), signed by the zone
/// `signer_zone` whose DNSKEY RRset is `keys`, at `now` (seconds since the
/// epoch; compared in RFC 1982 serial arithmetic as RFC 4034 §3.1.5 says).
///
/// The signature is verified (with `verifier`) unless the RRSIG is
/// unreadable, its Labels field is too large, no usable key matches or the
/// algorithm is unknown; the time window is judged either way, so that a
/// report can say both "bad signature" and "expired".
pub fn check_rrsig(
    signer_zone: &Name,
    rrset: &[Record],
    rrsig: &[u8],
    keys: &[RuleKey<'_>],
    now: i64,
    verifier: &impl SignatureVerifier,
    buf: &mut Vec<u8>,
) -> RrsigVerdict {
    let mut verdict = RrsigVerdict {
        problems: Vec::new(),
        verified_by: None,
        verifications: 0,
    };
    let Some(sig) = view::Rrsig::parse(rrsig) else {
        verdict.problems.push(RrsigProblem::Malformed);
        return verdict;
    };
    let problems = &mut verdict.problems;
    if !sig.signer.eq_ignore_case(signer_zone) {
        problems.push(RrsigProblem::WrongSigner {
            signer: sig.signer.clone(),
        });
    }
    let owner_labels = rrset.first().map_or(0, |r| expected_labels(&r.owner));
    let labels_ok = usize::from(sig.labels) <= owner_labels;
    if !labels_ok {
        problems.push(RrsigProblem::LabelsTooLarge {
            labels: sig.labels,
            owner_labels: owner_labels.min(usize::from(u8::MAX)) as u8,
        });
    }
    let candidates = || {
        keys.iter()
            .enumerate()
            .filter(|(_, k)| k.tag == sig.key_tag && k.algorithm == sig.algorithm)
    };
    let usable: Vec<usize> = candidates()
        .filter(|(_, k)| k.can_sign())
        .map(|(i, _)| i)
        .collect();
    if candidates().next().is_none() {
        problems.push(RrsigProblem::NoKey);
    } else if usable.is_empty() {
        problems.push(if candidates().any(|(_, k)| k.zone_key) {
            RrsigProblem::RevokedKey
        } else {
            RrsigProblem::NotZoneKey
        });
    }
    let checkable = sig.algorithm.can_verify();
    if !checkable {
        problems.push(RrsigProblem::UnsupportedAlgorithm);
    }
    if labels_ok && checkable && !usable.is_empty() {
        signed_data(sig.header, rrset, sig.labels, sig.original_ttl, buf);
        for index in usable {
            verdict.verifications += 1;
            if verifier.verify(index, &keys[index], buf, sig.signature) {
                verdict.verified_by = Some(index);
                break;
            }
        }
        if verdict.verified_by.is_none() {
            problems.push(RrsigProblem::BadSignature);
        }
    }
    let now = now as u32;
    if time::serial_lt(sig.expiration, now) {
        problems.push(RrsigProblem::Expired {
            expiration: sig.expiration,
        });
    } else if time::serial_lt(now, sig.inception) {
        problems.push(RrsigProblem::NotYetValid {
            inception: sig.inception,
        });
    }
    verdict
}

#[cfg(test)]
mod tests;
