use super::*;
use crate::keys::crypto;
use crate::parser::{ParseOptions, parse_bytes};
use crate::rdata::view::{Nsec, Nsec3, Rrsig};
use crate::zone::NameKind;
use crate::{Algorithm, Name};

const ZONE: &str = "\
$TTL 3600
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.2
www AAAA 2001:db8::2
*.wild TXT \"wildcard\"
a.b.c TXT \"below an empty non-terminal\"
secure NS ns.secure
secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.secure A 192.0.2.3
insecure NS ns.insecure
ns.insecure A 192.0.2.4
";

fn apex() -> Name {
    Name::parse_absolute("example.").unwrap()
}

fn records() -> Vec<Record> {
    let opts = ParseOptions {
        origin: Some(apex()),
        default_ttl: None,
    };
    parse_bytes(ZONE.as_bytes(), "test.zone".as_ref(), &opts).unwrap()
}

fn keys(alg: Algorithm) -> Vec<Key> {
    vec![
        Key::generate(apex(), alg, true, 0).unwrap(),
        Key::generate(apex(), alg, false, 0).unwrap(),
    ]
}

fn config(denial: Denial) -> SignConfig {
    SignConfig {
        denial,
        inception: 1_000_000,
        expiration: 2_000_000_000,
        serial: SerialPolicy::Keep,
        now: 1_500_000,
    }
}

/// Checks every RRSIG against the key it names, and returns (owner, type covered, key tag) for each.
fn check_signatures(zone: &Zone, keys: &[Key]) -> Vec<(String, Rtype, u16)> {
    let mut seen = Vec::new();
    let mut buf = Vec::new();
    for sig in zone.records.iter().filter(|r| r.rtype == Rtype::RRSIG) {
        let rrsig = Rrsig::parse(&sig.rdata).unwrap();
        let rrset: Vec<Record> = zone
            .records
            .iter()
            .filter(|r| r.owner.eq_ignore_case(&sig.owner) && r.rtype == rrsig.type_covered)
            .cloned()
            .collect();
        assert!(!rrset.is_empty(), "RRSIG over nothing at {}", sig.owner);
        assert_eq!(
            sig.ttl, rrset[0].ttl,
            "RRSIG TTL = RRset TTL at {}",
            sig.owner
        );
        assert_eq!(rrsig.original_ttl, rrset[0].ttl);
        let key = keys
            .iter()
            .find(|k| k.tag() == rrsig.key_tag)
            .expect("signed by a known key");
        rrsig::signed_data(
            rrsig.header,
            &rrset,
            rrsig.labels,
            rrsig.original_ttl,
            &mut buf,
        );
        assert!(
            crypto::verify(key.algorithm, &key.public_key, &buf, rrsig.signature),
            "bad signature at {} {}",
            sig.owner,
            rrsig.type_covered
        );
        seen.push((sig.owner.to_string(), rrsig.type_covered, rrsig.key_tag));
    }
    seen
}

#[test]
fn nsec_zone_signs_what_it_should_and_nothing_else() {
    let keys = keys(Algorithm::ECDSAP256SHA256);
    let (ksk, zsk) = (keys[0].tag(), keys[1].tag());
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    let sigs = check_signatures(&signed.zone, &keys);
    let has = |owner: &str, t: Rtype, tag: u16| {
        sigs.iter().any(|s| s.0 == owner && s.1 == t && s.2 == tag)
    };
    assert!(has("example.", Rtype::DNSKEY, ksk));
    assert!(
        !has("example.", Rtype::DNSKEY, zsk),
        "ZSK does not sign the key set"
    );
    assert!(has("example.", Rtype::SOA, zsk) && !has("example.", Rtype::SOA, ksk));
    assert!(has("secure.example.", Rtype::DS, zsk));
    assert!(
        !sigs.iter().any(|s| s.1 == Rtype::NS && s.0 != "example."),
        "delegation NS unsigned"
    );
    assert!(
        !sigs.iter().any(|s| s.0.starts_with("ns.")),
        "glue unsigned"
    );
    assert!(has("*.wild.example.", Rtype::TXT, zsk));

    // The NSEC chain visits every authoritative name and delegation once, in order, and loops.
    let chain: Vec<&Record> = signed
        .zone
        .records
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC)
        .collect();
    let owners: Vec<String> = chain.iter().map(|r| r.owner.to_string()).collect();
    assert_eq!(
        owners,
        [
            "example.",
            "a.b.c.example.",
            "insecure.example.",
            "ns1.example.",
            "secure.example.",
            "*.wild.example.",
            "www.example."
        ]
    );
    for (i, r) in chain.iter().enumerate() {
        let nsec = Nsec::parse(&r.rdata).unwrap();
        assert_eq!(nsec.next, chain[(i + 1) % chain.len()].owner);
        assert_eq!(r.ttl, 300, "NSEC TTL = min(SOA TTL, MINIMUM)");
    }
    let insecure = Nsec::parse(&chain[2].rdata).unwrap().types();
    assert_eq!(insecure, [Rtype::NS, Rtype::RRSIG, Rtype::NSEC]);
    let apex_types = Nsec::parse(&chain[0].rdata).unwrap().types();
    assert_eq!(
        apex_types,
        [
            Rtype::NS,
            Rtype::SOA,
            Rtype::RRSIG,
            Rtype::NSEC,
            Rtype::DNSKEY
        ]
    );
}

#[test]
fn nsec3_chain_covers_names_and_empty_non_terminals() {
    let keys = keys(Algorithm::ED25519);
    let cfg = Nsec3Config {
        iterations: 0,
        salt: vec![],
        opt_out: false,
    };
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec3(cfg))).unwrap();
    check_signatures(&signed.zone, &keys);
    let nsec3: Vec<&Record> = signed
        .zone
        .records
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC3)
        .collect();
    // 7 names (apex, a.b.c, insecure, ns1, secure, *.wild, www) + 3 ENTs (c, b.c, wild).
    assert_eq!(nsec3.len(), 10);
    let expected = crate::nsec3::hash(&Name::parse_absolute("b.c.example.").unwrap(), &[], 0);
    let ent = nsec3
        .iter()
        .find(|r| crate::nsec3::hash_of_owner(&r.owner).as_deref() == Some(&expected[..]))
        .unwrap();
    assert!(Nsec3::parse(&ent.rdata).unwrap().types().is_empty());
    assert_eq!(
        signed
            .zone
            .records
            .iter()
            .filter(|r| r.rtype == Rtype::NSEC3PARAM)
            .count(),
        1
    );

    let cfg = Nsec3Config {
        iterations: 0,
        salt: vec![0xab],
        opt_out: true,
    };
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec3(cfg))).unwrap();
    let nsec3: Vec<&Record> = signed
        .zone
        .records
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC3)
        .collect();
    assert_eq!(nsec3.len(), 9, "opt-out leaves the insecure delegation out");
    assert!(
        nsec3
            .iter()
            .all(|r| Nsec3::parse(&r.rdata).unwrap().opt_out())
    );
    // Names are sorted by hash and each points at the next.
    for (i, r) in nsec3.iter().enumerate() {
        let next = crate::nsec3::hash_of_owner(&nsec3[(i + 1) % nsec3.len()].owner).unwrap();
        assert_eq!(Nsec3::parse(&r.rdata).unwrap().next_hashed, &next[..]);
    }
}

#[test]
fn resigning_strips_old_output_and_is_stable() {
    let keys = keys(Algorithm::ED25519);
    let first = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    let second = sign_zone(
        &apex(),
        first.zone.records.clone(),
        &keys,
        &config(Denial::Nsec),
    )
    .unwrap();
    // Ed25519 is deterministic, so the same inputs give the same zone.
    assert_eq!(first.zone.records, second.zone.records);
    let to_nsec3 = sign_zone(
        &apex(),
        first.zone.records.clone(),
        &keys,
        &config(Denial::Nsec3(Nsec3Config::default())),
    )
    .unwrap();
    assert!(
        !to_nsec3.zone.records.iter().any(|r| r.rtype == Rtype::NSEC),
        "old NSEC records removed"
    );
}

/// Enough RRsets for several signing batches, so that a signature put in
/// the wrong slot or lost at a batch boundary shows.
#[test]
fn p256_zones_span_batches_and_resign_to_the_same_records() {
    let mut text = String::from(ZONE);
    for i in 0..400 {
        text.push_str(&format!(
            "host{i} A 192.0.2.{}\nhost{i} TXT \"{i}\"\n",
            i % 250
        ));
    }
    let opts = ParseOptions {
        origin: Some(apex()),
        default_ttl: None,
    };
    let records = parse_bytes(text.as_bytes(), "big.zone".as_ref(), &opts).unwrap();
    let keys = keys(Algorithm::ECDSAP256SHA256);
    let config = config(Denial::Nsec3(Nsec3Config::default()));
    let first = sign_zone(&apex(), records.clone(), &keys, &config).unwrap();
    assert!(
        first.signatures > 3 * BATCH,
        "{} signatures",
        first.signatures
    );
    let seen = check_signatures(&first.zone, &keys);
    assert_eq!(seen.len(), first.signatures);
    // ring's ECDSA nonces are random: signing again gives the same records
    // and RRSIG headers, different signatures, each of which verifies.
    let second = sign_zone(&apex(), records, &keys, &config).unwrap();
    assert_eq!(check_signatures(&second.zone, &keys), seen);
    let without_signatures = |zone: &Zone| -> Vec<Record> {
        zone.records
            .iter()
            .map(|r| match Rrsig::parse(&r.rdata) {
                Some(rrsig) if r.rtype == Rtype::RRSIG => Record {
                    rdata: rrsig.header.into(),
                    ..r.clone()
                },
                _ => r.clone(),
            })
            .collect()
    };
    assert_eq!(
        without_signatures(&first.zone),
        without_signatures(&second.zone)
    );
    assert_ne!(first.zone.records, second.zone.records, "fresh nonces");
}

#[test]
fn single_key_signs_everything_and_timing_is_followed() {
    let mut keys = keys(Algorithm::ECDSAP256SHA256);
    keys.truncate(1);
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    let sigs = check_signatures(&signed.zone, &keys);
    assert!(sigs.iter().any(|s| s.1 == Rtype::SOA) && sigs.iter().any(|s| s.1 == Rtype::DNSKEY));

    // A second KSK of another algorithm that is published but not active: published, signs nothing.
    let mut extra = Key::generate(apex(), Algorithm::ED25519, true, 0).unwrap();
    extra.timing.activate = Some(1_600_000);
    extra.timing.publish = Some(1_000_000);
    let extra_tag = extra.tag();
    keys.push(extra);
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    assert_eq!(signed.unsigned_algorithms, [15]);
    let sigs = check_signatures(&signed.zone, &keys);
    assert!(!sigs.iter().any(|s| s.2 == extra_tag));
    assert_eq!(
        signed
            .zone
            .records
            .iter()
            .filter(|r| r.rtype == Rtype::DNSKEY)
            .count(),
        2
    );

    // Active before it is published: it signs, its DNSKEY stays out
    // (RFC 6781 §4.1.4, signatures of a new algorithm first).
    keys[1].timing.activate = Some(1_000_000);
    keys[1].timing.publish = Some(1_600_000);
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    let sigs = check_signatures(&signed.zone, &keys);
    assert!(sigs.iter().any(|s| s.2 == extra_tag && s.1 == Rtype::SOA));
    assert_eq!(
        signed
            .zone
            .records
            .iter()
            .filter(|r| r.rtype == Rtype::DNSKEY)
            .count(),
        1
    );
    keys[1].timing.publish = Some(1_000_000);

    // Deleted keys are not published.
    keys[1].timing.delete = Some(1_400_000);
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    assert_eq!(
        signed
            .zone
            .records
            .iter()
            .filter(|r| r.rtype == Rtype::DNSKEY)
            .count(),
        1
    );
}

#[test]
fn sync_published_keys_get_cds_and_cdnskey() {
    let mut keys = keys(Algorithm::ECDSAP256SHA256);
    keys[0].timing.sync_publish = Some(1_000_000);
    let signed = sign_zone(&apex(), records(), &keys, &config(Denial::Nsec)).unwrap();
    let sigs = check_signatures(&signed.zone, &keys);
    assert!(
        sigs.iter()
            .any(|s| s.1 == Rtype::CDS && s.2 == keys[0].tag())
    );
    assert!(
        sigs.iter()
            .any(|s| s.1 == Rtype::CDNSKEY && s.2 == keys[0].tag())
    );
}

#[test]
fn serial_policies_and_errors() {
    let keys = keys(Algorithm::ED25519);
    let mut cfg = config(Denial::Nsec);
    cfg.serial = SerialPolicy::Increment;
    let signed = sign_zone(&apex(), records(), &keys, &cfg).unwrap();
    assert_eq!(signed.zone.soa().unwrap().serial, 2);
    cfg.serial = SerialPolicy::UnixTime;
    let signed = sign_zone(&apex(), records(), &keys, &cfg).unwrap();
    assert_eq!(signed.zone.soa().unwrap().serial, 1_500_000);

    let other = vec![
        Key::generate(
            Name::parse_absolute("other.").unwrap(),
            Algorithm::ED25519,
            true,
            0,
        )
        .unwrap(),
    ];
    assert!(matches!(
        sign_zone(&apex(), records(), &other, &cfg),
        Err(SignError::KeyForOtherZone { .. })
    ));
    let mut inactive = keys;
    for k in &mut inactive {
        k.timing.inactive = Some(1);
    }
    assert!(matches!(
        sign_zone(&apex(), records(), &inactive, &cfg),
        Err(SignError::NoActiveKey { .. })
    ));
    let kinds: Vec<NameKind> = Zone::new(apex(), records())
        .unwrap()
        .owners()
        .iter()
        .map(|o| o.kind)
        .collect();
    assert!(kinds.contains(&NameKind::Delegation));
}
