//! One test per case where the three former copies of the rule (zone
//! verify, the grader, the CDS scanner) disagreed, and the ordinary cases.

use super::*;
use crate::keys::Key;
use crate::rtype::Rtype;
use crate::sign::rrsig::{header, labels_field};

const NOW: i64 = 1_800_000_000;

fn name(text: &str) -> Name {
    Name::parse_absolute(text).unwrap()
}

fn zone() -> Name {
    name("example.")
}

fn key(flags: u16) -> Key {
    let mut key = Key::generate(zone(), Algorithm::ED25519, flags & 1 != 0, 0).unwrap();
    key.flags = flags;
    key
}

fn rrset(owner: &str) -> Vec<Record> {
    vec![Record::new(
        name(owner),
        Rtype::TXT,
        300,
        b"\x02hi".to_vec(),
    )]
}

/// How to make the RRSIG: what a correct signer would write, unless told.
struct Make {
    signer: Name,
    labels: Option<u8>,
    inception: i64,
    expiration: i64,
}

impl Default for Make {
    fn default() -> Self {
        Make {
            signer: zone(),
            labels: None,
            inception: NOW - 3600,
            expiration: NOW + 86400,
        }
    }
}

fn rrsig(rrset: &[Record], key: &Key, make: Make) -> Vec<u8> {
    let first = &rrset[0];
    let labels = make.labels.unwrap_or_else(|| labels_field(&first.owner));
    let mut rdata = header(
        first.rtype,
        key.algorithm.0,
        labels,
        first.ttl,
        make.expiration as u32,
        make.inception as u32,
        key.tag(),
        make.signer.to_lowercase().as_wire(),
    );
    let mut data = Vec::new();
    signed_data(&rdata, rrset, labels, first.ttl, &mut data);
    rdata.extend_from_slice(&key.sign(&data).unwrap());
    rdata
}

fn check(rrset: &[Record], rrsig: &[u8], keys: &[&Key], now: i64) -> RrsigVerdict {
    let rdata: Vec<Vec<u8>> = keys.iter().map(|k| k.dnskey_rdata()).collect();
    let rule_keys: Vec<RuleKey<'_>> = rdata
        .iter()
        .map(|d| RuleKey::from_rdata(d).unwrap())
        .collect();
    check_rrsig(
        &zone(),
        rrset,
        rrsig,
        &rule_keys,
        now,
        &WithRing,
        &mut Vec::new(),
    )
}

#[test]
fn a_correct_signature_is_valid() {
    let zsk = key(256);
    let set = rrset("www.example.");
    let verdict = check(&set, &rrsig(&set, &zsk, Make::default()), &[&zsk], NOW);
    assert!(verdict.is_valid(), "{verdict:?}");
    assert_eq!((verdict.verified_by, verdict.verifications), (Some(0), 1));
}

/// The CDS scanner did not check the signer name.
#[test]
fn another_signer_is_refused() {
    let zsk = key(256);
    let set = rrset("www.example.");
    let make = Make {
        signer: name("other."),
        ..Make::default()
    };
    let verdict = check(&set, &rrsig(&set, &zsk, make), &[&zsk], NOW);
    assert_eq!(
        verdict.problems,
        [RrsigProblem::WrongSigner {
            signer: name("other.")
        }]
    );
}

/// The CDS scanner did not check Labels; zone verify counted a leading
/// `*` in the owner's labels, the grader did not (nor does Unbound): an
/// RRSIG with Labels 2 over `*.example.` is refused.
#[test]
fn labels_above_the_owners_count_are_refused() {
    let zsk = key(256);
    let set = rrset("www.example.");
    let make = Make {
        labels: Some(3),
        ..Make::default()
    };
    let verdict = check(&set, &rrsig(&set, &zsk, make), &[&zsk], NOW);
    assert_eq!(
        verdict.problems,
        [RrsigProblem::LabelsTooLarge {
            labels: 3,
            owner_labels: 2
        }]
    );
    assert_eq!(verdict.verifications, 0);

    let wild = rrset("*.example.");
    let counted_star = Make {
        labels: Some(2),
        ..Make::default()
    };
    let verdict = check(&wild, &rrsig(&wild, &zsk, counted_star), &[&zsk], NOW);
    assert_eq!(
        verdict.problems,
        [RrsigProblem::LabelsTooLarge {
            labels: 2,
            owner_labels: 1
        }]
    );
    // Labels 1 over *.example. is what RFC 4034 §3.1.3 asks for; and an
    // expansion (www.example. from *.example.) validates.
    let verdict = check(&wild, &rrsig(&wild, &zsk, Make::default()), &[&zsk], NOW);
    assert!(verdict.is_valid(), "{verdict:?}");
    let expanded = rrset("www.example.");
    let from_wildcard = Make {
        labels: Some(1),
        ..Make::default()
    };
    let sig = rrsig(&wild, &zsk, from_wildcard);
    assert!(check(&expanded, &sig, &[&zsk], NOW).is_valid());
}

/// The CDS scanner and zone verify accepted signatures by revoked keys.
#[test]
fn a_revoked_key_signs_nothing_valid() {
    let revoked = key(257 | 0x0080);
    let set = rrset("example.");
    let verdict = check(
        &set,
        &rrsig(&set, &revoked, Make::default()),
        &[&revoked],
        NOW,
    );
    assert_eq!(verdict.problems, [RrsigProblem::RevokedKey]);
    assert_eq!(verdict.verifications, 0);
}

/// The CDS scanner used keys without the Zone Key flag; zone verify called
/// them missing, the grader unusable.
#[test]
fn a_key_without_the_zone_key_flag_signs_nothing_valid() {
    let not_zone = key(1);
    let set = rrset("example.");
    let verdict = check(
        &set,
        &rrsig(&set, &not_zone, Make::default()),
        &[&not_zone],
        NOW,
    );
    assert_eq!(verdict.problems, [RrsigProblem::NotZoneKey]);
}

#[test]
fn unknown_keys_bad_signatures_and_time_windows() {
    let zsk = key(256);
    let other = key(256);
    let set = rrset("www.example.");
    let sig = rrsig(&set, &zsk, Make::default());
    assert_eq!(
        check(&set, &sig, &[&other], NOW).problems,
        [RrsigProblem::NoKey]
    );
    let changed = vec![Record::new(
        name("www.example."),
        Rtype::TXT,
        300,
        b"\x02ho".to_vec(),
    )];
    // Both problems are listed; the bad signature comes first, as the
    // grader reports it.
    let late = NOW + 2 * 86400;
    let verdict = check(&changed, &sig, &[&zsk], late);
    assert_eq!(
        verdict.problems,
        [
            RrsigProblem::BadSignature,
            RrsigProblem::Expired {
                expiration: (NOW + 86400) as u32
            }
        ]
    );
    let early = check(&set, &sig, &[&zsk], NOW - 7200);
    assert_eq!(
        early.problems,
        [RrsigProblem::NotYetValid {
            inception: (NOW - 3600) as u32
        }]
    );
    assert_eq!(
        check(&set, &sig[..10], &[&zsk], NOW).problems,
        [RrsigProblem::Malformed]
    );
}

/// The crypto is a parameter: a verifier that refuses everything turns a
/// good signature into a bad one, and is asked with the key's index.
#[test]
fn the_verifier_decides_the_signature() {
    struct Refuse(std::cell::Cell<Option<usize>>);
    impl SignatureVerifier for Refuse {
        fn verify(&self, index: usize, _: &RuleKey<'_>, _: &[u8], _: &[u8]) -> bool {
            self.0.set(Some(index));
            false
        }
    }
    let zsk = key(256);
    let other = key(256);
    let set = rrset("www.example.");
    let sig = rrsig(&set, &zsk, Make::default());
    let rdata = [other.dnskey_rdata(), zsk.dnskey_rdata()];
    let keys: Vec<RuleKey<'_>> = rdata
        .iter()
        .filter_map(|d| RuleKey::from_rdata(d))
        .collect();
    let refuse = Refuse(std::cell::Cell::new(None));
    let verdict = check_rrsig(&zone(), &set, &sig, &keys, NOW, &refuse, &mut Vec::new());
    assert_eq!(verdict.problems, [RrsigProblem::BadSignature]);
    assert_eq!(refuse.0.get(), Some(1));
    let verdict = check_rrsig(&zone(), &set, &sig, &keys, NOW, &WithRing, &mut Vec::new());
    assert_eq!(verdict.verified_by, Some(1));
}
