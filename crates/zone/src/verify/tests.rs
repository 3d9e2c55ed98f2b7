//! One test per check, on zones signed here with ring keys (the peer-tool
//! tests are in `tests/verify_tampering.rs`).

use super::*;
use crate::algorithm::Algorithm;
use crate::keys::crypto::PrivateKey;
use crate::name::Name;
use crate::parser::{ParseOptions, parse_bytes};
use crate::rdata::{encode_type_bitmap, view};
use crate::record::Record;
use crate::sign::rrsig::signed_data;
use crate::zone::{NameKind, is_signed_rrset};

const NOW: i64 = 1_800_000_000;

const TEXT: &str = "@ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300\n\
    @ 3600 NS ns1\n\
    ns1 3600 A 192.0.2.1\n\
    www 3600 A 192.0.2.3\n\
    www 3600 TXT hello\n\
    *.wild 3600 TXT wildcard\n\
    sub 3600 NS ns.sub\n\
    sub 3600 DS 12345 13 2 0123456789ABCDEF\n\
    ns.sub 3600 A 192.0.2.5\n";

fn apex() -> Name {
    Name::parse_absolute("example.").unwrap()
}

fn n(text: &str) -> Name {
    Name::parse_absolute(text).unwrap()
}

fn parse(text: &str) -> Vec<Record> {
    let opts = ParseOptions {
        origin: Some(apex()),
        default_ttl: Some(3600),
    };
    parse_bytes(text.as_bytes(), "t".as_ref(), &opts).unwrap()
}

struct Key {
    private: PrivateKey,
    record: Record,
}

impl Key {
    fn new(algorithm: Algorithm, flags: u16) -> Key {
        let private = PrivateKey::generate(algorithm).unwrap();
        let mut rdata = flags.to_be_bytes().to_vec();
        rdata.extend_from_slice(&[3, algorithm.0]);
        rdata.extend_from_slice(&private.public_key());
        Key {
            private,
            record: Record::new(apex(), Rtype::DNSKEY, 3600, rdata),
        }
    }

    fn tag(&self) -> u16 {
        view::key_tag(&self.record.rdata)
    }
}

/// What the test signer should do.
struct Plan {
    labels: Option<u8>,
    signer: Name,
    inception: u32,
    expiration: u32,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            labels: None,
            signer: apex(),
            inception: (NOW - 3600) as u32,
            expiration: (NOW + 14 * 86400) as u32,
        }
    }
}

fn sign_with(rrset: &[Record], key: &Key, plan: &Plan) -> Record {
    let first = &rrset[0];
    let labels = plan
        .labels
        .unwrap_or((first.owner.label_count() - usize::from(first.owner.is_wildcard())) as u8);
    let mut rdata = first.rtype.0.to_be_bytes().to_vec();
    rdata.extend_from_slice(&[key.private.algorithm().0, labels]);
    rdata.extend_from_slice(&first.ttl.to_be_bytes());
    rdata.extend_from_slice(&plan.expiration.to_be_bytes());
    rdata.extend_from_slice(&plan.inception.to_be_bytes());
    rdata.extend_from_slice(&key.tag().to_be_bytes());
    rdata.extend_from_slice(plan.signer.as_wire());
    let mut buf = Vec::new();
    let unsigned = view::Rrsig::parse(&rdata).unwrap();
    signed_data(
        unsigned.header,
        rrset,
        unsigned.labels,
        unsigned.original_ttl,
        &mut buf,
    );
    rdata.extend_from_slice(&key.private.sign(&buf).unwrap());
    Record::new(first.owner.clone(), Rtype::RRSIG, first.ttl, rdata)
}

fn sign(rrset: &[Record], key: &Key) -> Record {
    sign_with(rrset, key, &Plan::default())
}

/// A small signer: adds the keys and an NSEC chain (when `nsec_ttl` is
/// given) and signs every authoritative RRset with the ZSKs, the DNSKEY
/// RRset with every key.
fn signed(text: &str, keys: &[&Key], nsec_ttl: Option<u32>) -> Vec<Record> {
    let mut records = parse(text);
    records.extend(keys.iter().map(|k| k.record.clone()));
    if let Some(ttl) = nsec_ttl {
        let zone = Zone::new(apex(), records.clone()).unwrap();
        let chain: Vec<(NameKind, &[Record])> = zone
            .owners()
            .iter()
            .filter(|o| o.kind != NameKind::Occluded)
            .map(|o| (o.kind, zone.records_of(o)))
            .collect();
        let mut nsecs = Vec::new();
        for (i, (kind, recs)) in chain.iter().enumerate() {
            let next = &chain[(i + 1) % chain.len()].1[0].owner;
            let mut types: Vec<Rtype> = recs
                .iter()
                .map(|r| r.rtype)
                .filter(|t| *kind != NameKind::Delegation || matches!(*t, Rtype::NS | Rtype::DS))
                .collect();
            types.extend([Rtype::NSEC, Rtype::RRSIG]);
            let mut rdata = next.as_wire().to_vec();
            encode_type_bitmap(&types, &mut rdata);
            nsecs.push(Record::new(recs[0].owner.clone(), Rtype::NSEC, ttl, rdata));
        }
        records.extend(nsecs);
    }
    let zone = Zone::new(apex(), records).unwrap();
    let mut sigs = Vec::new();
    for owner in zone.owners() {
        let recs = zone.records_of(owner);
        let mut i = 0;
        while i < recs.len() {
            let mut j = i + 1;
            while j < recs.len() && recs[j].rtype == recs[i].rtype {
                j += 1;
            }
            if is_signed_rrset(owner.kind, recs[i].rtype) {
                for key in keys {
                    let sep = view::Dnskey::parse(&key.record.rdata).unwrap().is_sep();
                    if recs[i].rtype == Rtype::DNSKEY || !sep {
                        sigs.push(sign(&recs[i..j], key));
                    }
                }
            }
            i = j;
        }
    }
    let mut records = zone.records;
    records.extend(sigs);
    records
}

fn standard_keys() -> (Key, Key) {
    (
        Key::new(Algorithm::ECDSAP256SHA256, 257),
        Key::new(Algorithm::ECDSAP256SHA256, 256),
    )
}

fn check(records: Vec<Record>) -> Report {
    check_with(records, &VerifyOptions::at(NOW))
}

fn check_with(records: Vec<Record>, options: &VerifyOptions) -> Report {
    verify_zone(&Zone::new(apex(), records).unwrap(), options)
}

fn show(report: &Report) -> String {
    report.findings.iter().map(|f| format!("{f}\n")).collect()
}

#[track_caller]
fn expect(report: &Report, id: FindingId, owner: &str) {
    let owner = n(owner);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.id == id && f.owner.eq_ignore_case(&owner)),
        "expected {id} at {owner}:\n{}",
        show(report)
    );
}

/// Only these ids (errors and warnings).
#[track_caller]
fn only(report: &Report, ids: &[FindingId]) {
    assert!(
        report.findings.iter().all(|f| ids.contains(&f.id)),
        "expected only {ids:?}:\n{}",
        show(report)
    );
}

fn rrset(records: &[Record], owner: &str, rtype: Rtype) -> Vec<Record> {
    records
        .iter()
        .filter(|r| r.owner.eq_ignore_case(&n(owner)) && r.rtype == rtype)
        .cloned()
        .collect()
}

#[test]
fn a_correctly_signed_zone_has_no_findings() {
    let (ksk, zsk) = standard_keys();
    let report = check(signed(TEXT, &[&ksk, &zsk], Some(300)));
    assert!(report.findings.is_empty(), "{}", show(&report));
    assert_eq!(report.stats.denial, Denial::Nsec);
    assert_eq!(report.stats.signatures_valid, report.stats.signatures_found);
    assert_eq!(report.stats.algorithms, [13]);
    assert!(report.stats.rrsets_checked >= 10);
}

#[test]
fn an_unsigned_zone_is_one_finding() {
    let report = check(parse(TEXT));
    assert_eq!(report.findings.len(), 1, "{}", show(&report));
    expect(&report, FindingId::UnsignedZone, "example.");
}

#[test]
fn signatures_over_delegation_ns_and_glue() {
    let (ksk, zsk) = standard_keys();
    let mut records = signed(TEXT, &[&ksk, &zsk], Some(300));
    let ns = rrset(&records, "sub.example.", Rtype::NS);
    let glue = rrset(&records, "ns.sub.example.", Rtype::A);
    records.push(sign(&ns, &zsk));
    records.push(sign(&glue, &zsk));
    let report = check(records);
    expect(&report, FindingId::DelegationSigned, "sub.example.");
    expect(&report, FindingId::GlueSigned, "ns.sub.example.");
    only(
        &report,
        &[FindingId::DelegationSigned, FindingId::GlueSigned],
    );
}

#[test]
fn rrsig_ttls_must_match_the_rrset() {
    let (ksk, zsk) = standard_keys();
    let mut records = signed(TEXT, &[&ksk, &zsk], Some(300));
    let i = records
        .iter()
        .position(|r| r.owner == n("www.example.") && r.covered_type() == Some(Rtype::A))
        .unwrap();
    records[i].ttl = 60;
    let report = check(records);
    expect(&report, FindingId::RrsigTtlMismatch, "www.example.");
    only(&report, &[FindingId::RrsigTtlMismatch]);
}

#[test]
fn signer_name_and_labels() {
    let (ksk, zsk) = standard_keys();
    let mut records = signed(TEXT, &[&ksk, &zsk], Some(300));
    records.retain(|r| {
        let www =
            r.owner == n("www.example.") && matches!(r.covered_type(), Some(Rtype::A | Rtype::TXT));
        let wild = r.owner == n("*.wild.example.") && r.covered_type() == Some(Rtype::TXT);
        !(www || wild)
    });
    let www_a = rrset(&records, "www.example.", Rtype::A);
    let www_txt = rrset(&records, "www.example.", Rtype::TXT);
    let wild = rrset(&records, "*.wild.example.", Rtype::TXT);
    let other = Plan {
        signer: n("other."),
        ..Plan::default()
    };
    records.push(sign_with(&www_a, &zsk, &other));
    let labels = Plan {
        labels: Some(3),
        ..Plan::default()
    };
    records.push(sign_with(&www_txt, &zsk, &labels));
    // A correctly signed wildcard: Labels 2 for *.wild.example.
    records.push(sign(&wild, &zsk));
    let report = check(records);
    expect(&report, FindingId::RrsigSignerWrong, "www.example.");
    expect(&report, FindingId::RrsigLabels, "www.example.");
    only(
        &report,
        &[FindingId::RrsigSignerWrong, FindingId::RrsigLabels],
    );
}

#[test]
fn every_algorithm_must_sign_every_rrset() {
    let (ksk, zsk) = standard_keys();
    let ed = Key::new(Algorithm::ED25519, 257);
    let mut records = signed(TEXT, &[&ksk, &zsk], Some(300));
    // The Ed25519 key is published and signs the DNSKEY RRset only.
    records.retain(|r| r.rtype != Rtype::DNSKEY && r.covered_type() != Some(Rtype::DNSKEY));
    records.push(ed.record.clone());
    let mut keyset = rrset(&records, "example.", Rtype::DNSKEY);
    keyset.extend([ksk.record.clone(), zsk.record.clone()]);
    for key in [&ksk, &zsk, &ed] {
        records.push(sign(&keyset, key));
    }
    records.extend([ksk.record.clone(), zsk.record.clone()]);
    let report = check(records);
    expect(&report, FindingId::AlgorithmNotSigning, "www.example.");
    let f = report
        .findings
        .iter()
        .find(|f| f.id == FindingId::AlgorithmNotSigning)
        .unwrap();
    assert_eq!(f.algorithm, Some(15));
    only(&report, &[FindingId::AlgorithmNotSigning]);
    assert_eq!(report.stats.algorithms, [13, 15]);
}

#[test]
fn keys_without_sep_and_dnskey_without_sep_signature() {
    let a = Key::new(Algorithm::ECDSAP256SHA256, 256);
    let b = Key::new(Algorithm::ECDSAP256SHA256, 256);
    let report = check(signed(TEXT, &[&a, &b], Some(300)));
    expect(&report, FindingId::DnskeyNoSep, "example.");
    only(&report, &[FindingId::DnskeyNoSep]);
    assert!(report.is_valid());

    let (ksk, zsk) = standard_keys();
    let mut records = signed(TEXT, &[&ksk, &zsk], Some(300));
    records.retain(|r| {
        !(r.covered_type() == Some(Rtype::DNSKEY)
            && view::Rrsig::parse(&r.rdata).unwrap().key_tag == ksk.tag())
    });
    let report = check(records);
    expect(&report, FindingId::DnskeyNotSignedBySep, "example.");
    only(&report, &[FindingId::DnskeyNotSignedBySep]);
}

#[test]
fn validity_windows_use_the_check_time() {
    let (ksk, zsk) = standard_keys();
    let records = signed(TEXT, &[&ksk, &zsk], Some(300));
    let before = check_with(records.clone(), &VerifyOptions::at(NOW - 7200));
    expect(&before, FindingId::RrsigNotYetValid, "www.example.");
    only(&before, &[FindingId::RrsigNotYetValid]);
    let after = check_with(records.clone(), &VerifyOptions::at(NOW + 15 * 86400));
    expect(&after, FindingId::RrsigExpired, "www.example.");
    only(&after, &[FindingId::RrsigExpired]);
    let options = VerifyOptions {
        now: NOW,
        expiring_within: 20 * 86400,
        max_validity: Some(7 * 86400),
    };
    let warned = check_with(records, &options);
    expect(&warned, FindingId::RrsigExpiring, "www.example.");
    expect(&warned, FindingId::RrsigValidityTooLong, "www.example.");
    only(
        &warned,
        &[FindingId::RrsigExpiring, FindingId::RrsigValidityTooLong],
    );
    assert!(warned.is_valid());
}

#[test]
fn windows_across_the_2106_wrap_use_serial_arithmetic() {
    let (ksk, zsk) = standard_keys();
    let mut records = parse(TEXT);
    records.extend([ksk.record.clone(), zsk.record.clone()]);
    let plan = Plan {
        inception: u32::MAX - 3600,
        expiration: 86400,
        ..Plan::default()
    };
    let soa = rrset(&records, "example.", Rtype::SOA);
    records.push(sign_with(&soa, &zsk, &plan));
    let report = check_with(records, &VerifyOptions::at(i64::from(u32::MAX) + 10));
    assert!(
        !report.has(FindingId::RrsigExpired) && !report.has(FindingId::RrsigNotYetValid),
        "{}",
        show(&report)
    );
}

#[test]
fn stale_signatures_and_uneven_ttls_warn() {
    let (ksk, zsk) = standard_keys();
    let mut records = signed(TEXT, &[&ksk, &zsk], Some(300));
    let mut fake = rrset(&records, "www.example.", Rtype::A);
    fake[0].rtype = Rtype::MX;
    records.push(sign(&fake, &zsk));
    records.push(Record::new(
        n("www.example."),
        Rtype::A,
        60,
        vec![192, 0, 2, 4],
    ));
    let report = check(records);
    expect(&report, FindingId::RrsigOrphan, "www.example.");
    expect(&report, FindingId::RrsetTtlDiffers, "www.example.");
    // The added A record also breaks the A signature.
    only(
        &report,
        &[
            FindingId::RrsigOrphan,
            FindingId::RrsetTtlDiffers,
            FindingId::RrsigBadSignature,
        ],
    );
}

#[test]
fn denial_missing_mixed_and_ttl() {
    let (ksk, zsk) = standard_keys();
    let report = check(signed(TEXT, &[&ksk, &zsk], None));
    expect(&report, FindingId::DenialMissing, "example.");
    only(&report, &[FindingId::DenialMissing]);

    let report = check(signed(TEXT, &[&ksk, &zsk], Some(3600)));
    expect(&report, FindingId::NsecTtl, "example.");
    assert_eq!(report.findings.len(), 1, "{}", show(&report));
    assert!(report.findings[0].message.contains("other NSEC records"));

    let text = format!("{TEXT}@ 0 NSEC3PARAM 1 0 0 -\n");
    let report = check(signed(&text, &[&ksk, &zsk], Some(300)));
    expect(&report, FindingId::DenialMixed, "example.");
}

#[test]
fn missing_dnskeys_and_unknown_keys() {
    let (ksk, zsk) = standard_keys();
    let records = signed(TEXT, &[&ksk, &zsk], Some(300));
    let mut none = records.clone();
    none.retain(|r| r.rtype != Rtype::DNSKEY);
    let report = check(none);
    expect(&report, FindingId::DnskeyMissing, "example.");
    assert!(!report.has(FindingId::RrsigNoKey), "{}", show(&report));

    let mut zsk_gone = records;
    zsk_gone.retain(|r| r.rdata != zsk.record.rdata);
    let report = check(zsk_gone);
    expect(&report, FindingId::RrsigNoKey, "www.example.");
    // Removing a key changes the DNSKEY RRset, so its signature breaks too.
    only(
        &report,
        &[FindingId::RrsigNoKey, FindingId::RrsigBadSignature],
    );
}

#[test]
fn malformed_dnssec_records_are_findings_not_panics() {
    let (ksk, zsk) = standard_keys();
    let records = signed(TEXT, &[&ksk, &zsk], Some(300));
    let garbage: [&[u8]; 6] = [
        b"",
        b"\x00",
        b"\x00\x01\x0d",
        b"\x00\x01\x0d\x02\x00",
        &[0xff; 20],
        &[0x3f; 40],
    ];
    for rtype in [
        Rtype::RRSIG,
        Rtype::NSEC,
        Rtype::NSEC3,
        Rtype::DNSKEY,
        Rtype::NSEC3PARAM,
    ] {
        for data in garbage {
            for owner in ["example.", "www.example.", "ns.sub.example."] {
                let mut tampered = records.clone();
                tampered.push(Record::new(n(owner), rtype, 300, data.to_vec()));
                let report = check(tampered);
                // Below the cut the record is occluded: never served, so
                // only "no panic" is required there.
                if owner != "ns.sub.example." {
                    assert!(!report.is_valid(), "{rtype} {data:?} at {owner}");
                }
            }
        }
    }
    let mut bad = records;
    bad.push(Record::new(
        n("www.example."),
        Rtype::RRSIG,
        3600,
        vec![0, 1, 13],
    ));
    let report = check(bad);
    expect(&report, FindingId::RdataMalformed, "www.example.");
}

#[test]
fn every_finding_id_is_documented_and_round_trips() {
    let docs = include_str!("mod.rs");
    for id in FindingId::ALL {
        assert!(
            docs.contains(&format!("`{}` (", id.as_str())),
            "{id} is not documented in verify/mod.rs"
        );
        assert_eq!(FindingId::from_text(id.as_str()), Some(*id));
    }
}

/// Enough signatures per key that the verifier prepares the P-256 keys
/// (precomputed tables, keys::p256_table) instead of calling ring per
/// signature: the verdicts must be the same, good and bad.
#[test]
fn many_signatures_use_prepared_keys_with_the_same_verdicts() {
    use crate::keys::crypto::VerifyingKey;
    let mut text = TEXT.to_string();
    for i in 0..VerifyingKey::PREPARE_THRESHOLD {
        text.push_str(&format!("h{i} 3600 A 192.0.2.{}\n", i % 250 + 1));
    }
    let (ksk, zsk) = standard_keys();
    let mut records = signed(&text, &[&ksk, &zsk], Some(300));
    let report = check(records.clone());
    assert!(report.findings.is_empty(), "{}", show(&report));
    assert!(report.stats.signatures_checked > VerifyingKey::PREPARE_THRESHOLD);
    assert_eq!(report.stats.signatures_valid, report.stats.signatures_found);
    // Damage one signature (last byte of s) and one signed record.
    let h7 = n("h7.example.");
    let sig = records
        .iter_mut()
        .find(|r| r.rtype == Rtype::RRSIG && r.owner.eq_ignore_case(&h7))
        .unwrap();
    *sig.rdata.last_mut().unwrap() ^= 1;
    let h99 = n("h99.example.");
    let a = records
        .iter_mut()
        .find(|r| r.rtype == Rtype::A && r.owner.eq_ignore_case(&h99))
        .unwrap();
    a.rdata[3] ^= 0x40;
    let report = check(records);
    expect(&report, FindingId::RrsigBadSignature, "h7.example.");
    expect(&report, FindingId::RrsigBadSignature, "h99.example.");
    assert_eq!(
        report.stats.signatures_valid + 2,
        report.stats.signatures_found,
        "{}",
        show(&report)
    );
}
