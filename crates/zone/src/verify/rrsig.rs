//! Keys and signatures: the DNSKEY RRset, every RRSIG, and which RRsets
//! lack the signatures RFC 4035 §2.2 requires.
//!
//! Work is split in three passes so that the expensive part runs in
//! parallel without copying records: a serial pass groups the zone's
//! records into RRsets and lists one job per RRSIG; a parallel pass runs
//! the RRSIG rule ([`crate::validate::check_rrsig`], the one the grader
//! and the CDS scanner use) on each, with keys prepared once
//! ([`VerifyingKey`]); a serial pass turns the verdicts into findings in
//! zone order.

use super::VerifyOptions;
use super::findings::{Finding, FindingId, Stats};
use crate::algorithm::Algorithm;
use crate::keys::crypto::{self, VerifyingKey};
use crate::name::Name;
use crate::rdata::{time, view};
use crate::record::Record;
use crate::rtype::Rtype;
use crate::validate::{
    RrsigProblem, RrsigVerdict, RuleKey, SignatureVerifier, check_rrsig, expected_labels,
};
use crate::zone::{self, NameKind, Zone};
use rayon::prelude::*;
use std::ops::Range;

/// One DNSKEY of the apex DNSKEY RRset, as the RRSIG rule reads it.
pub(super) type Key<'a> = RuleKey<'a>;

/// The apex DNSKEY RRset, read once.
#[derive(Debug, Default)]
pub(super) struct KeySet<'a> {
    pub keys: Vec<Key<'a>>,
    /// Whether the apex has any DNSKEY record at all.
    pub present: bool,
    /// Algorithms of the usable (zone, not revoked) keys, sorted: each must
    /// sign every RRset (RFC 4035 §2.2, RFC 6840 §5.11).
    pub algorithms: Vec<Algorithm>,
    /// Algorithms that have a usable key with the SEP flag.
    pub sep_algorithms: Vec<Algorithm>,
}

impl KeySet<'_> {
    fn candidates(
        &self,
        tag: u16,
        algorithm: Algorithm,
    ) -> impl Iterator<Item = (usize, &Key<'_>)> {
        self.keys
            .iter()
            .enumerate()
            .filter(move |(_, k)| k.tag == tag && k.algorithm == algorithm && k.zone_key)
    }
}

fn key_text(tag: u16, algorithm: Algorithm) -> String {
    format!("key {tag} ({algorithm})")
}

/// Reads the apex DNSKEY RRset and reports keys that cannot be used.
pub(super) fn collect_keys<'a>(zone: &'a Zone, out: &mut Vec<Finding>) -> KeySet<'a> {
    let mut set = KeySet::default();
    let Some(apex) = zone.owners().first().filter(|o| o.kind == NameKind::Apex) else {
        return set;
    };
    for record in zone.records_of(apex) {
        if record.rtype != Rtype::DNSKEY {
            continue;
        }
        set.present = true;
        let Some(key) = view::Dnskey::parse(&record.rdata) else {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    &record.owner,
                    "A DNSKEY record at the apex is too short to hold flags, protocol, algorithm and key (RFC 4034 §2.1), so no validator can use it; regenerate the key and re-sign.",
                )
                .rtype(Rtype::DNSKEY),
            );
            continue;
        };
        let tag = view::key_tag(&record.rdata);
        if key.protocol != 3 {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    &record.owner,
                    format!(
                        "The DNSKEY {} has protocol {} but RFC 4034 §2.1.2 requires 3, so validators ignore it; publish the key with protocol 3.",
                        key_text(tag, key.algorithm),
                        key.protocol
                    ),
                )
                .rtype(Rtype::DNSKEY)
                .key(tag, key.algorithm.0),
            );
        }
        if let Some(key) = Key::from_rdata(&record.rdata) {
            set.keys.push(key);
        }
    }
    let usable = || set.keys.iter().filter(|k| k.zone_key && !k.revoked);
    let mut algorithms: Vec<Algorithm> = usable().map(|k| k.algorithm).collect();
    algorithms.sort();
    algorithms.dedup();
    let mut sep: Vec<Algorithm> = usable().filter(|k| k.sep).map(|k| k.algorithm).collect();
    sep.sort();
    sep.dedup();
    for &alg in &algorithms {
        if !alg.can_verify() {
            out.push(
                Finding::new(
                    FindingId::AlgorithmUnsupported,
                    &zone.apex,
                    format!(
                        "The DNSKEY RRset has keys of {alg}, which dnslab cannot check, so signatures made with it are counted but not verified; RFC 9904 says signing with it is {}, so prefer ECDSAP256SHA256 (13) or ED25519 (15).",
                        alg.signing_advice()
                    ),
                )
                .rtype(Rtype::DNSKEY)
                .algorithm(alg.0),
            );
        }
        if !sep.contains(&alg) {
            out.push(
                Finding::new(
                    FindingId::DnskeyNoSep,
                    &zone.apex,
                    format!(
                        "No {alg} key in the DNSKEY RRset has the SEP flag (flags 257), so there is no key marked for the DS record at the parent (RFC 4034 §2.1.1, RFC 6781 §3.1); give the key-signing key flags 257 (dnssec-keygen -f KSK)."
                    ),
                )
                .rtype(Rtype::DNSKEY)
                .algorithm(alg.0),
            );
        }
    }
    set.algorithms = algorithms;
    set.sep_algorithms = sep;
    set
}

/// An RRset the zone must sign and the RRSIGs that follow it.
struct SignedRrset {
    data: Range<usize>,
    sigs: Range<usize>,
}

/// One RRSIG to check: the RRSIG record `sig` over the RRset `rrset`.
struct Job {
    rrset: u32,
    sig: u32,
}

/// The verifier's crypto for the RRSIG rule: each key prepared once for
/// all its checks ([`VerifyingKey::for_checks`]: for ECDSAP256SHA256 keys
/// with many signatures, precomputed multiples of the public key, several
/// times cheaper a check than ring; ring otherwise).
struct PreparedKeys<'k>(&'k [Option<VerifyingKey>]);

impl SignatureVerifier for PreparedKeys<'_> {
    fn verify(&self, index: usize, key: &RuleKey<'_>, data: &[u8], signature: &[u8]) -> bool {
        match self.0.get(index) {
            Some(Some(prepared)) => prepared.verify(data, signature),
            // Not prepared (the count said no check would need it): ring.
            _ => crypto::verify(key.algorithm, key.public_key, data, signature),
        }
    }
}

/// Checks every RRSIG and that every authoritative RRset is signed.
pub(super) fn check(
    zone: &Zone,
    keys: &KeySet<'_>,
    options: &VerifyOptions,
    out: &mut Vec<Finding>,
    stats: &mut Stats,
) {
    let records = &zone.records;
    let mut rrsets: Vec<SignedRrset> = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    // Signatures each key is expected to check, to decide what to prepare.
    let mut checks = vec![0usize; keys.keys.len()];
    for owner in zone.owners() {
        let range = owner.records.clone();
        let mut i = range.start;
        while i < range.end {
            let first = &records[i];
            if first.rtype == Rtype::RRSIG {
                // RRSIGs not right after the RRset they cover: no such RRset.
                let covered = first.covered_type();
                let mut k = i + 1;
                while k < range.end
                    && records[k].rtype == Rtype::RRSIG
                    && records[k].covered_type() == covered
                {
                    k += 1;
                }
                orphan_signatures(owner.kind, &records[i..k], covered, out);
                i = k;
                continue;
            }
            let mut j = i + 1;
            while j < range.end
                && records[j].rtype == first.rtype
                && records[j].class == first.class
            {
                j += 1;
            }
            let mut k = j;
            while k < range.end
                && records[k].rtype == Rtype::RRSIG
                && records[k].covered_type() == Some(first.rtype)
            {
                k += 1;
            }
            if zone::is_signed_rrset(owner.kind, first.rtype) {
                let index = rrsets.len() as u32;
                for (s, sig) in records[j..k].iter().enumerate() {
                    jobs.push(Job {
                        rrset: index,
                        sig: (j + s) as u32,
                    });
                    let Some(rrsig) = view::Rrsig::parse(&sig.rdata) else {
                        continue;
                    };
                    for (count, _) in checks.iter_mut().zip(&keys.keys).filter(|(_, k)| {
                        k.tag == rrsig.key_tag && k.algorithm == rrsig.algorithm && k.can_sign()
                    }) {
                        *count += 1;
                    }
                }
                rrsets.push(SignedRrset {
                    data: i..j,
                    sigs: j..k,
                });
            } else if k > j {
                unsigned_but_signed(owner.kind, first, out);
            }
            i = k;
        }
    }

    // Prepare each key once for all its checks (keys::p256_table for
    // ECDSAP256SHA256 keys with many signatures).
    let prepared: Vec<Option<VerifyingKey>> = keys
        .keys
        .par_iter()
        .zip(&checks)
        .map(|(key, &n)| {
            (n > 0)
                .then(|| VerifyingKey::for_checks(key.algorithm, key.public_key, n))
                .flatten()
        })
        .collect();
    let verifier = PreparedKeys(&prepared);
    let now = options.now;
    let verdicts: Vec<RrsigVerdict> = jobs
        .par_iter()
        .map_init(
            || Vec::with_capacity(512),
            |buf, job| {
                let set = &rrsets[job.rrset as usize];
                let sig = &records[job.sig as usize];
                check_rrsig(
                    &zone.apex,
                    &records[set.data.clone()],
                    &sig.rdata,
                    &keys.keys,
                    now,
                    &verifier,
                    buf,
                )
            },
        )
        .collect();
    stats.signatures_checked = verdicts.iter().map(|v| v.verifications).sum();

    let mut cursor = 0usize;
    for set in &rrsets {
        stats.rrsets_checked += 1;
        stats.signatures_found += set.sigs.len();
        let end = cursor + set.sigs.len();
        evaluate(zone, keys, options, set, &verdicts[cursor..end], out, stats);
        cursor = end;
    }
}

fn where_text(owner: &Name, rtype: Rtype) -> String {
    format!("{owner} {rtype}")
}

/// RRSIGs whose covered type has no RRset at this name.
fn orphan_signatures(
    kind: NameKind,
    sigs: &[Record],
    covered: Option<Rtype>,
    out: &mut Vec<Finding>,
) {
    let Some(first) = sigs.first() else { return };
    let Some(covered) = covered else {
        for sig in sigs {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    &sig.owner,
                    format!(
                        "An RRSIG record at {} is too short to say which type it covers (RFC 4034 §3.1), so it is unusable; remove it and re-sign the zone.",
                        sig.owner
                    ),
                )
                .rtype(Rtype::RRSIG),
            );
        }
        return;
    };
    for sig in sigs {
        if view::Rrsig::parse(&sig.rdata).is_none() {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    &sig.owner,
                    format!(
                        "An RRSIG record at {} covering {covered} cannot be read (its data is shorter than RFC 4034 §3.1 requires), so it is unusable; remove it and re-sign the zone.",
                        sig.owner
                    ),
                )
                .rtype(covered),
            );
        }
    }
    match kind {
        NameKind::Occluded => out.push(glue_finding(first, covered)),
        _ => out.push(
            Finding::new(
                FindingId::RrsigOrphan,
                &first.owner,
                format!(
                    "{} RRSIG record(s) at {} cover type {covered}, but the name has no {covered} records, so they prove nothing and only waste space; re-sign the zone so that stale signatures are dropped.",
                    sigs.len(),
                    first.owner
                ),
            )
            .rtype(covered),
        ),
    }
}

fn glue_finding(first: &Record, rtype: Rtype) -> Finding {
    Finding::new(
        FindingId::GlueSigned,
        &first.owner,
        format!(
            "{} is glue or occluded data below a zone cut, yet it has an RRSIG; RFC 4035 §2.2 says only authoritative data is signed, so remove the signature (a correct signer never makes it).",
            where_text(&first.owner, rtype)
        ),
    )
    .rtype(rtype)
}

/// RRSIGs over data the zone must not sign: delegation NS and glue.
fn unsigned_but_signed(kind: NameKind, first: &Record, out: &mut Vec<Finding>) {
    match kind {
        NameKind::Delegation => out.push(
            Finding::new(
                FindingId::DelegationSigned,
                &first.owner,
                format!(
                    "{} is at a delegation, where only DS and NSEC/NSEC3 belong to this zone, yet it has an RRSIG; RFC 4035 §2.2 says the delegation NS RRset and glue are not signed, so remove that signature (re-sign with a correct signer).",
                    where_text(&first.owner, first.rtype)
                ),
            )
            .rtype(first.rtype),
        ),
        NameKind::Occluded => out.push(glue_finding(first, first.rtype)),
        _ => {}
    }
}

/// Findings for one RRset from the RRSIG rule's verdict on each of its
/// signatures ([`check_rrsig`]), and the checks that are the verifier's
/// own (TTLs, Labels smaller than the owner's, validity length, every
/// algorithm signing).
fn evaluate(
    zone: &Zone,
    keys: &KeySet<'_>,
    options: &VerifyOptions,
    set: &SignedRrset,
    verdicts: &[RrsigVerdict],
    out: &mut Vec<Finding>,
    stats: &mut Stats,
) {
    let data = &zone.records[set.data.clone()];
    let sigs = &zone.records[set.sigs.clone()];
    let Some(first) = data.first() else { return };
    let owner = &first.owner;
    let rtype = first.rtype;
    let here = where_text(owner, rtype);
    let ttl = first.ttl;
    if data.iter().any(|r| r.ttl != ttl) {
        let (lo, hi) = data
            .iter()
            .fold((u32::MAX, 0), |(lo, hi), r| (lo.min(r.ttl), hi.max(r.ttl)));
        out.push(
            Finding::new(
                FindingId::RrsetTtlDiffers,
                owner,
                format!(
                    "The records of {here} have different TTLs ({lo} to {hi}), but an RRset has one TTL (RFC 2181 §5.2) and servers and signers pick one differently; give all of them the same TTL."
                ),
            )
            .rtype(rtype),
        );
    }
    let now = options.now as u32;
    let expected_labels = expected_labels(owner);
    let mut tried_algs: Vec<Algorithm> = Vec::new();
    let mut sep_tried: Vec<Algorithm> = Vec::new();
    let mut parsed = 0usize;

    for (sig, verdict) in sigs.iter().zip(verdicts) {
        let Some(rrsig) = view::Rrsig::parse(&sig.rdata) else {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    owner,
                    format!(
                        "An RRSIG over {here} cannot be read (its data is shorter than RFC 4034 §3.1 requires), so validators ignore it; re-sign the zone."
                    ),
                )
                .rtype(rtype),
            );
            continue;
        };
        parsed += 1;
        let alg = rrsig.algorithm;
        let tag = rrsig.key_tag;
        let who = key_text(tag, alg);
        let finding = |id: FindingId, message: String| {
            Finding::new(id, owner, message)
                .rtype(rtype)
                .key(tag, alg.0)
        };
        if !tried_algs.contains(&alg) {
            tried_algs.push(alg);
        }
        if keys.candidates(tag, alg).any(|(_, k)| k.sep) && !sep_tried.contains(&alg) {
            sep_tried.push(alg);
        }
        // Labels smaller than the owner's is a wildcard answer to a
        // validator, not an error of the RRSIG: the rule accepts it, the
        // verifier still says the zone's own RRset is mislabelled.
        let labels = usize::from(rrsig.labels);
        if labels != expected_labels {
            out.push(finding(
                FindingId::RrsigLabels,
                format!(
                    "The RRSIG over {here} by {who} has Labels {labels}, but the owner has {expected_labels} label(s) (not counting the root or a leading *), as RFC 4034 §3.1.3 requires; validators reject it or treat it as a wildcard answer, so re-sign the zone."
                ),
            ));
        }
        if rrsig.original_ttl != ttl || sig.ttl != ttl {
            out.push(finding(
                FindingId::RrsigTtlMismatch,
                format!(
                    "The RRSIG over {here} by {who} has TTL {} and Original TTL {}, but the RRset's TTL is {ttl}; RFC 4034 §3 and §3.1.4 require both to match it, so re-sign the zone after changing TTLs.",
                    sig.ttl, rrsig.original_ttl
                ),
            ));
        }
        let mut in_window = true;
        for problem in &verdict.problems {
            match problem {
                // Reported above from the parse, or by the Labels finding.
                RrsigProblem::Malformed | RrsigProblem::LabelsTooLarge { .. } => {}
                RrsigProblem::WrongSigner { signer } => out.push(finding(
                    FindingId::RrsigSignerWrong,
                    format!(
                        "The RRSIG over {here} by {who} names {signer} as signer, but data in this zone must be signed by the zone apex {} (RFC 4035 §2.2, §5.3.1), so validators reject it; re-sign the zone with its own keys.",
                        zone.apex
                    ),
                )),
                RrsigProblem::NoKey | RrsigProblem::NotZoneKey => {
                    if keys.present {
                        out.push(finding(
                            FindingId::RrsigNoKey,
                            format!(
                                "The RRSIG over {here} was made by {who}, but the apex DNSKEY RRset has no zone key with that tag and algorithm, so validators cannot check it (RFC 4035 §5.3.1); publish the key, or re-sign with the keys that are published."
                            ),
                        ));
                    }
                }
                // A revoked key signs the DNSKEY RRset to announce its
                // revocation (RFC 5011 §2.1); validators use that
                // signature for nothing else, and neither does the count
                // of valid signatures. Not a defect of the zone.
                RrsigProblem::RevokedKey => {}
                // Counted, not checked: the key set finding says so.
                RrsigProblem::UnsupportedAlgorithm => {}
                RrsigProblem::BadSignature => out.push(finding(
                    FindingId::RrsigBadSignature,
                    format!(
                        "The RRSIG over {here} by {who} does not verify: the records were changed after signing, or were signed with another key (RFC 4035 §5.3.3); re-sign the zone after every edit."
                    ),
                )),
                RrsigProblem::Expired { expiration } => {
                    in_window = false;
                    out.push(finding(
                        FindingId::RrsigExpired,
                        format!(
                            "The RRSIG over {here} by {who} expired at {}, before the check time {}, so validators treat the data as bogus (RFC 4034 §3.1.5); re-sign the zone and re-sign well before signatures expire.",
                            time::format_human(i64::from(*expiration)),
                            time::format_human(i64::from(now))
                        ),
                    ));
                }
                RrsigProblem::NotYetValid { inception } => {
                    in_window = false;
                    out.push(finding(
                        FindingId::RrsigNotYetValid,
                        format!(
                            "The RRSIG over {here} by {who} is valid only from {}, after the check time {}, so validators treat the data as bogus until then (RFC 4034 §3.1.5); sign with an inception in the past (allow for clock skew) or check the signer's clock.",
                            time::format_human(i64::from(*inception)),
                            time::format_human(i64::from(now))
                        ),
                    ));
                }
            }
        }
        if in_window
            && options.expiring_within > 0
            && time::serial_lt(rrsig.expiration, now.wrapping_add(options.expiring_within))
        {
            out.push(finding(
                FindingId::RrsigExpiring,
                format!(
                    "The RRSIG over {here} by {who} expires at {}, less than {} seconds after the check time, and then validators will fail (RFC 4034 §3.1.5); re-sign the zone soon.",
                    time::format_human(i64::from(rrsig.expiration)),
                    options.expiring_within
                ),
            ));
        }
        if let Some(max) = options.max_validity {
            let span = rrsig.expiration.wrapping_sub(rrsig.inception);
            if span > max {
                out.push(finding(
                    FindingId::RrsigValidityTooLong,
                    format!(
                        "The RRSIG over {here} by {who} is valid for {} days, more than the {} days allowed, which widens the window for replaying old data (RFC 6781 §4.4.2); sign with a shorter validity.",
                        span / 86400,
                        max / 86400
                    ),
                ));
            }
        }
        if verdict.is_valid() {
            stats.signatures_valid += 1;
        }
    }

    if rtype == Rtype::DNSKEY && owner.eq_ignore_case(&zone.apex) {
        for &alg in &keys.sep_algorithms {
            if alg.can_verify() && !sep_tried.contains(&alg) {
                out.push(
                    Finding::new(
                        FindingId::DnskeyNotSignedBySep,
                        owner,
                        format!(
                            "The DNSKEY RRset has no valid RRSIG from a {alg} key with the SEP flag, so the chain of trust from the parent's DS (which points at that key) breaks (RFC 4035 §2.1, RFC 6781 §3.1); sign the DNSKEY RRset with the key-signing key."
                        ),
                    )
                    .rtype(Rtype::DNSKEY)
                    .algorithm(alg.0),
                );
            }
        }
    }
    if parsed == 0 {
        out.push(
            Finding::new(
                FindingId::RrsigMissing,
                owner,
                format!(
                    "{here} has no RRSIG, but every authoritative RRset of a signed zone must be signed (RFC 4035 §2.2), so validators treat it as bogus; re-sign the zone (did you add it after signing?)."
                ),
            )
            .rtype(rtype),
        );
        return;
    }
    for &alg in &keys.algorithms {
        if !tried_algs.contains(&alg) {
            out.push(
                Finding::new(
                    FindingId::AlgorithmNotSigning,
                    owner,
                    format!(
                        "{here} has no RRSIG made with {alg}, but the DNSKEY RRset has a key of that algorithm and RFC 4035 §2.2 (and RFC 6840 §5.11) require a signature by every algorithm there; sign with that algorithm's key too, or remove the key (algorithm rollovers add signatures before keys)."
                    ),
                )
                .rtype(rtype)
                .algorithm(alg.0),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::crypto::PrivateKey;
    use crate::sign::rrsig::signed_data;

    #[test]
    fn signed_data_is_canonical() {
        let owner = Name::parse_absolute("WWW.Example.").unwrap();
        let rrset = vec![
            Record::new(owner.clone(), Rtype::A, 300, vec![192, 0, 2, 2]),
            Record::new(owner.clone(), Rtype::A, 300, vec![192, 0, 2, 1]),
        ];
        let mut rdata = vec![0, 1, 13, 2, 0, 0, 1, 44, 0, 0, 0, 9, 0, 0, 0, 1, 0, 7];
        rdata.extend_from_slice(Name::parse_absolute("EXAMPLE.").unwrap().as_wire());
        rdata.extend_from_slice(&[1, 2, 3]);
        let rrsig = view::Rrsig::parse(&rdata).unwrap();
        let mut buf = Vec::new();
        signed_data(
            rrsig.header,
            &rrset,
            rrsig.labels,
            rrsig.original_ttl,
            &mut buf,
        );
        let mut expected = rdata[..18].to_vec();
        expected.extend_from_slice(b"\x07example\x00");
        for last in [1u8, 2] {
            expected.extend_from_slice(
                b"\x03www\x07example\x00\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04",
            );
            expected.extend_from_slice(&[192, 0, 2, last]);
        }
        assert_eq!(buf, expected);
    }

    #[test]
    fn wildcard_expansion_uses_the_wildcard_owner() {
        let owner = Name::parse_absolute("a.b.example.").unwrap();
        let rrset = vec![Record::new(owner, Rtype::A, 300, vec![192, 0, 2, 1])];
        let mut rdata = vec![0, 1, 13, 2, 0, 0, 1, 44, 0, 0, 0, 9, 0, 0, 0, 1, 0, 7];
        rdata.extend_from_slice(Name::parse_absolute("example.").unwrap().as_wire());
        let rrsig = view::Rrsig::parse(&rdata).unwrap();
        let mut buf = Vec::new();
        signed_data(
            rrsig.header,
            &rrset,
            rrsig.labels,
            rrsig.original_ttl,
            &mut buf,
        );
        assert!(
            buf.windows(13)
                .any(|w| w == b"\x01*\x01b\x07example\x00".as_slice()),
            "{buf:?}"
        );
    }

    #[test]
    fn verifies_what_ring_signed() {
        let key = PrivateKey::generate(Algorithm::ECDSAP256SHA256).unwrap();
        let owner = Name::parse_absolute("example.").unwrap();
        let rrset = vec![Record::new(
            owner.clone(),
            Rtype::TXT,
            60,
            b"\x02hi".to_vec(),
        )];
        let mut rdata = vec![0, 16, 13, 1, 0, 0, 0, 60, 0, 0, 0, 9, 0, 0, 0, 1, 0, 7];
        rdata.extend_from_slice(owner.as_wire());
        let header_len = rdata.len();
        let mut buf = Vec::new();
        let unsigned = view::Rrsig::parse(&rdata).unwrap();
        signed_data(
            unsigned.header,
            &rrset,
            unsigned.labels,
            unsigned.original_ttl,
            &mut buf,
        );
        let sig = key.sign(&buf).unwrap();
        rdata.extend_from_slice(&sig);
        let rrsig = view::Rrsig::parse(&rdata).unwrap();
        assert_eq!(rrsig.header.len(), header_len);
        signed_data(
            rrsig.header,
            &rrset,
            rrsig.labels,
            rrsig.original_ttl,
            &mut buf,
        );
        assert!(crypto::verify(
            Algorithm::ECDSAP256SHA256,
            &key.public_key(),
            &buf,
            rrsig.signature
        ));
    }
}
