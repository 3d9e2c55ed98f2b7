//! Project Wycheproof's ECDSA P-256 SHA-256 vectors (IEEE P1363 encoding,
//! the `r | s` form of RFC 6605 RRSIGs) through both verifiers dnslab has:
//! the precomputed tables `dnslab zone verify` uses for keys with many
//! signatures (`keys::p256_table`), and ring, which the grader and the CDS
//! scanner use and which `zone verify` uses for every other key.
//!
//! Each vector is `valid` or `invalid`, and each verifier must say so.
//! Wycheproof also has an `acceptable` verdict (legacy encodings a library
//! may accept or refuse); this file has none today, and the test accepts
//! either answer for such a vector, requiring only that the two verifiers
//! agree on it.

use data_encoding::HEXLOWER_PERMISSIVE;
use dnslab_zone::Algorithm;
use dnslab_zone::keys::crypto::{self, VerifyingKey};
use dnslab_zone::keys::p256_table::P256VerifyingKey;
use serde_json::Value;

const VECTORS: &str = include_str!("data/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json");

fn hex(value: &Value, what: &str) -> Vec<u8> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string"));
    HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .unwrap_or_else(|e| panic!("{what} is not hex: {e}"))
}

#[test]
fn every_wycheproof_p256_sha256_p1363_vector_gets_its_verdict() {
    let file: Value = serde_json::from_str(VECTORS).expect("the vector file is JSON");
    assert_eq!(file["algorithm"], "ECDSA");
    assert_eq!(file["schema"], "ecdsa_p1363_verify_schema_v1.json");
    let mut counts = [0usize; 3]; // valid, invalid, acceptable
    let groups = file["testGroups"].as_array().expect("testGroups");
    for group in groups {
        assert_eq!(group["type"], "EcdsaP1363Verify");
        assert_eq!(group["sha"], "SHA-256");
        assert_eq!(group["publicKey"]["curve"], "secp256r1");
        let point = hex(&group["publicKey"]["uncompressed"], "publicKey");
        // DNSKEY form (RFC 6605 §4): x | y, without SEC1's 0x04 prefix.
        assert_eq!((point.len(), point[0]), (65, 4), "uncompressed point");
        let dnskey = &point[1..];
        let table = P256VerifyingKey::new(dnskey).expect("a key on the curve");
        // What `zone verify` builds for a key with many signatures.
        let prepared = VerifyingKey::for_checks(
            Algorithm::ECDSAP256SHA256,
            dnskey,
            VerifyingKey::PREPARE_THRESHOLD,
        )
        .expect("algorithm 13 is checked");
        assert!(matches!(prepared, VerifyingKey::P256(_)));
        for test in group["tests"].as_array().expect("tests") {
            let id = &test["tcId"];
            let comment = test["comment"].as_str().unwrap_or_default();
            let message = hex(&test["msg"], "msg");
            let signature = hex(&test["sig"], "sig");
            let by_table = table.verify(&message, &signature);
            let by_prepared = prepared.verify(&message, &signature);
            let by_ring = crypto::verify(Algorithm::ECDSAP256SHA256, dnskey, &message, &signature);
            assert_eq!(by_table, by_prepared, "tcId {id} ({comment})");
            match test["result"].as_str() {
                Some("valid") => {
                    counts[0] += 1;
                    assert!(by_table, "p256_table refuses valid tcId {id} ({comment})");
                    assert!(by_ring, "ring refuses valid tcId {id} ({comment})");
                }
                Some("invalid") => {
                    counts[1] += 1;
                    assert!(
                        !by_table,
                        "p256_table accepts invalid tcId {id} ({comment})"
                    );
                    assert!(!by_ring, "ring accepts invalid tcId {id} ({comment})");
                }
                Some("acceptable") => {
                    counts[2] += 1;
                    assert_eq!(
                        by_table, by_ring,
                        "verifiers disagree on tcId {id} ({comment})"
                    );
                }
                other => panic!("tcId {id}: unknown result {other:?}"),
            }
        }
    }
    let total: usize = counts.iter().sum();
    assert_eq!(Some(total as u64), file["numberOfTests"].as_u64());
    // The vendored file: 173 valid, 89 invalid, none acceptable.
    assert_eq!(counts, [173, 89, 0]);
}
