//! Validating one RRset received over the wire (RFC 4035 §5.3).
//!
//! A validator accepts an RRset when at least one RRSIG over it verifies
//! with a DNSKEY it trusts and is inside its validity window. The grader
//! wants more than the verdict: for every RRSIG it keeps why it was or was
//! not usable, so that a failure can name the key tag, the algorithm and
//! the expiration time, and it checks that every algorithm of the zone's
//! DNSKEY RRset signs the RRset (RFC 4035 §2.2, RFC 6840 §5.11).
//!
//! Each RRSIG is judged by the zone crate's RRSIG rule
//! ([`dnslab_zone::validate::check_rrsig`], the one `zone verify` and the
//! CDS scanner use), with ring as its crypto: the grader checks a few
//! dozen signatures per trainee, and a false accept would be a wrong grade.

use dnslab_zone::rdata::{time, view};
use dnslab_zone::validate::{RuleKey, WithRing, check_rrsig};
use dnslab_zone::{Algorithm, Name, Record, Rtype};

/// Why one RRSIG could not make the RRset valid: the zone crate's
/// [`RrsigProblem`](dnslab_zone::validate::RrsigProblem).
pub use dnslab_zone::validate::RrsigProblem as SigProblem;

/// A DNSKEY read from a DNSKEY RRset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub tag: u16,
    pub algorithm: Algorithm,
    pub sep: bool,
    pub revoked: bool,
    /// Zone Key flag set and protocol 3 (RFC 4034 §2.1.1).
    pub zone_key: bool,
    /// The record's data, for DS digests.
    pub rdata: Vec<u8>,
}

impl KeyInfo {
    /// Every well-formed key of a DNSKEY RRset.
    pub fn from_rrset(dnskeys: &[Record]) -> Vec<KeyInfo> {
        dnskeys
            .iter()
            .filter(|r| r.rtype == Rtype::DNSKEY)
            .filter_map(|r| {
                let key = view::Dnskey::parse(&r.rdata)?;
                Some(KeyInfo {
                    tag: view::key_tag(&r.rdata),
                    algorithm: key.algorithm,
                    sep: key.is_sep(),
                    revoked: key.is_revoked(),
                    zone_key: key.is_zone_key() && key.protocol == 3,
                    rdata: r.rdata.to_vec(),
                })
            })
            .collect()
    }

    /// The key as the RRSIG rule reads it.
    pub fn rule_key(&self) -> RuleKey<'_> {
        RuleKey {
            tag: self.tag,
            algorithm: self.algorithm,
            sep: self.sep,
            revoked: self.revoked,
            zone_key: self.zone_key,
            public_key: self.rdata.get(4..).unwrap_or_default(),
        }
    }

    /// `key 40117 (ECDSAP256SHA256 (13), KSK)`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "key {} ({}, {})",
            self.tag,
            self.algorithm,
            if self.sep { "KSK" } else { "ZSK" }
        )
    }
}

/// One RRSIG over the RRset and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigCheck {
    pub key_tag: u16,
    pub algorithm: Algorithm,
    pub inception: u32,
    pub expiration: u32,
    /// `None`: the signature is valid at the check time.
    pub problem: Option<SigProblem>,
}

impl SigCheck {
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }

    /// One sentence on this signature, naming the RRset, e.g. "the RRSIG
    /// over t07.tg./SOA made by key 40117 expired at 2026-11-20 10:00:00
    /// UTC".
    pub fn describe(&self, owner: &Name, rtype: Rtype) -> String {
        let by = format!(
            "the RRSIG over {owner}/{rtype} made by key {} ({})",
            self.key_tag, self.algorithm
        );
        let expiration = time::format_human(i64::from(self.expiration));
        let inception = time::format_human(i64::from(self.inception));
        match &self.problem {
            None => format!("{by} is valid until {expiration}"),
            Some(SigProblem::Malformed) => format!("an RRSIG over {owner}/{rtype} is malformed"),
            Some(SigProblem::WrongSigner { signer }) => {
                format!("{by} names {signer} as its signer, not the zone")
            }
            Some(SigProblem::LabelsTooLarge {
                labels,
                owner_labels,
            }) => {
                format!("{by} has Labels {labels}, more than the {owner_labels} of the owner name")
            }
            Some(SigProblem::NoKey) => {
                format!(
                    "{by} cannot be checked: no DNSKEY with tag {} is published",
                    self.key_tag
                )
            }
            Some(SigProblem::NotZoneKey) => {
                format!("{by} was made by a key that lacks the Zone Key flag")
            }
            Some(SigProblem::RevokedKey) => {
                format!("{by} was made by a revoked key (RFC 5011), which validates nothing")
            }
            Some(SigProblem::UnsupportedAlgorithm) => {
                format!("{by} uses an algorithm dnslab cannot check")
            }
            Some(SigProblem::BadSignature) => {
                format!("{by} does not verify: the data or the key changed after signing")
            }
            Some(SigProblem::Expired { .. }) => format!("{by} expired at {expiration}"),
            Some(SigProblem::NotYetValid { .. }) => format!("{by} is not valid before {inception}"),
        }
    }
}

/// The outcome for one RRset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrsetCheck {
    pub owner: Name,
    pub rtype: Rtype,
    pub signatures: Vec<SigCheck>,
    /// Algorithms of the usable keys with no valid RRSIG over the RRset.
    pub algorithms_missing: Vec<Algorithm>,
}

impl RrsetCheck {
    /// Whether a validator accepts the RRset: some RRSIG is valid.
    pub fn is_secure(&self) -> bool {
        self.signatures.iter().any(SigCheck::is_valid)
    }

    /// Valid, and signed with every algorithm of the key set.
    pub fn is_complete(&self) -> bool {
        self.is_secure() && self.algorithms_missing.is_empty()
    }

    /// The earliest expiration among the valid signatures.
    pub fn valid_until(&self) -> Option<u32> {
        self.signatures
            .iter()
            .filter(|s| s.is_valid())
            .map(|s| s.expiration)
            .min_by(|a, b| {
                if time::serial_lt(*a, *b) {
                    std::cmp::Ordering::Less
                } else if a == b {
                    std::cmp::Ordering::Equal
                } else {
                    std::cmp::Ordering::Greater
                }
            })
    }

    /// One sentence on why the RRset is not valid (or not complete), or
    /// `None` when it is both.
    pub fn problem(&self) -> Option<String> {
        if self.signatures.is_empty() {
            return Some(format!(
                "{}/{} has no RRSIG: it is not signed",
                self.owner, self.rtype
            ));
        }
        if !self.is_secure() {
            let parts: Vec<String> = self
                .signatures
                .iter()
                .map(|s| s.describe(&self.owner, self.rtype))
                .collect();
            return Some(parts.join("; "));
        }
        if !self.algorithms_missing.is_empty() {
            let algs: Vec<String> = self
                .algorithms_missing
                .iter()
                .map(ToString::to_string)
                .collect();
            return Some(format!(
                "{}/{} has no valid RRSIG of algorithm {}, which the DNSKEY RRset has: every algorithm of the key set must sign every RRset",
                self.owner,
                self.rtype,
                algs.join(", ")
            ));
        }
        None
    }
}

/// Checks `rrsigs` over `rrset` with the keys of `zone`'s DNSKEY RRset at
/// time `now` (seconds since the epoch). `rrset` must be one RRset (same
/// owner and type); `rrsigs` may hold RRSIGs over other types, which are
/// skipped.
pub fn check_rrset(
    zone: &Name,
    rrset: &[Record],
    rrsigs: &[Record],
    keys: &[KeyInfo],
    now: i64,
) -> Option<RrsetCheck> {
    let first = rrset.first()?;
    let (owner, rtype) = (first.owner.clone(), first.rtype);
    let rule_keys: Vec<RuleKey<'_>> = keys.iter().map(KeyInfo::rule_key).collect();
    let mut buf = Vec::new();
    let mut signatures = Vec::new();
    for sig in rrsigs.iter().filter(|r| r.covered_type() == Some(rtype)) {
        let verdict = check_rrsig(
            zone, rrset, &sig.rdata, &rule_keys, now, &WithRing, &mut buf,
        );
        let problem = verdict.first_problem().cloned();
        let check = match view::Rrsig::parse(&sig.rdata) {
            Some(rrsig) => SigCheck {
                key_tag: rrsig.key_tag,
                algorithm: rrsig.algorithm,
                inception: rrsig.inception,
                expiration: rrsig.expiration,
                problem,
            },
            None => SigCheck {
                key_tag: 0,
                algorithm: Algorithm(0),
                inception: 0,
                expiration: 0,
                problem,
            },
        };
        signatures.push(check);
    }
    let mut algorithms_missing: Vec<Algorithm> = keys
        .iter()
        .filter(|k| k.zone_key && !k.revoked)
        .map(|k| k.algorithm)
        .filter(|alg| {
            !signatures
                .iter()
                .any(|s| s.is_valid() && s.algorithm == *alg)
        })
        .collect();
    algorithms_missing.sort();
    algorithms_missing.dedup();
    Some(RrsetCheck {
        owner,
        rtype,
        signatures,
        algorithms_missing,
    })
}

/// Groups records into RRsets (owner compared case-insensitively, then
/// type), skipping RRSIGs, in first-seen order.
pub fn rrsets(records: &[Record]) -> Vec<Vec<Record>> {
    let mut sets: Vec<Vec<Record>> = Vec::new();
    for r in records.iter().filter(|r| r.rtype != Rtype::RRSIG) {
        match sets
            .iter_mut()
            .find(|s| s[0].rtype == r.rtype && s[0].owner.eq_ignore_case(&r.owner))
        {
            Some(set) => set.push(r.clone()),
            None => sets.push(vec![r.clone()]),
        }
    }
    sets
}

/// The RRSIGs in `records` at `owner` covering `rtype`.
pub fn rrsigs_over(records: &[Record], owner: &Name, rtype: Rtype) -> Vec<Record> {
    records
        .iter()
        .filter(|r| {
            r.rtype == Rtype::RRSIG
                && r.owner.eq_ignore_case(owner)
                && r.covered_type() == Some(rtype)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dnslab_zone::keys::Key;
    use dnslab_zone::sign::{SignConfig, sign_zone};

    fn name(s: &str) -> Name {
        Name::parse_absolute(s).unwrap()
    }

    #[test]
    fn valid_expired_and_tampered_signatures_are_told_apart() {
        let apex = name("t01.ne.");
        let now = 1_800_000_000;
        let ksk = Key::generate(apex.clone(), Algorithm::ECDSAP256SHA256, true, now).unwrap();
        let zsk = Key::generate(apex.clone(), Algorithm::ECDSAP256SHA256, false, now).unwrap();
        let text = "t01.ne. 3600 IN SOA ns.t01.ne. h.t01.ne. 1 3600 600 86400 300\n\
                    t01.ne. 3600 IN NS ns.t01.ne.\nns.t01.ne. 3600 IN A 127.0.0.1\n";
        let records = dnslab_zone::parser::parse_bytes(
            text.as_bytes(),
            std::path::Path::new("t"),
            &Default::default(),
        )
        .unwrap();
        let config = SignConfig {
            expiration: now + 86400,
            ..SignConfig::new(now)
        };
        let zsk_tag = zsk.tag();
        let signed = sign_zone(&apex, records, &[ksk, zsk], &config).unwrap();
        let all = &signed.zone.records;
        let keys = KeyInfo::from_rrset(all);
        assert_eq!(keys.len(), 2);
        let soa: Vec<Record> = all
            .iter()
            .filter(|r| r.rtype == Rtype::SOA)
            .cloned()
            .collect();
        let sigs = rrsigs_over(all, &apex, Rtype::SOA);
        let ok = check_rrset(&apex, &soa, &sigs, &keys, now).unwrap();
        assert!(ok.is_complete(), "{:?}", ok.problem());
        assert_eq!(ok.signatures[0].key_tag, zsk_tag);

        let late = check_rrset(&apex, &soa, &sigs, &keys, now + 2 * 86400).unwrap();
        assert!(!late.is_secure());
        assert!(matches!(
            late.signatures[0].problem,
            Some(SigProblem::Expired { .. })
        ));
        assert!(late.problem().unwrap().contains("expired at"));

        let mut changed = soa.clone();
        changed[0].ttl = 7200; // the TTL is not signed: still valid
        assert!(
            check_rrset(&apex, &changed, &sigs, &keys, now)
                .unwrap()
                .is_secure()
        );
        let mut rdata = changed[0].rdata.to_vec();
        let last = rdata.len() - 1;
        rdata[last] ^= 1;
        changed[0].rdata = rdata.into();
        let bad = check_rrset(&apex, &changed, &sigs, &keys, now).unwrap();
        assert_eq!(bad.signatures[0].problem, Some(SigProblem::BadSignature));

        let only_ksk: Vec<KeyInfo> = keys.iter().filter(|k| k.sep).cloned().collect();
        let nokey = check_rrset(&apex, &soa, &sigs, &only_ksk, now).unwrap();
        assert_eq!(nokey.signatures[0].problem, Some(SigProblem::NoKey));
    }
}
