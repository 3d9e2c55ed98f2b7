use super::*;
use crate::Algorithm;
use crate::keys::PrivateKey;
use crate::keys::crypto;
use crate::keys::p256_table::{ORDER, P256VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{ProjectivePoint, elliptic_curve::Group};

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .expect("system random");
    b
}

fn generated_key() -> (P256SigningKey, Vec<u8>) {
    let private = PrivateKey::generate(Algorithm::ECDSAP256SHA256).expect("generate");
    let PrivateKey::Ecdsa { scalar, .. } = &private else {
        panic!("not ECDSA")
    };
    let public = private.public_key();
    (
        P256SigningKey::new(scalar, &public).expect("matching pair"),
        public,
    )
}

fn affine_bytes(p: &Jacobian) -> ([u8; 32], [u8; 32]) {
    let zinv = p.z.invert();
    let zinv2 = zinv.square();
    (
        p.x.mul(&zinv2).to_bytes(),
        p.y.mul(&zinv2).mul(&zinv).to_bytes(),
    )
}

fn scalar_from(bytes: [u8; 32]) -> Scalar {
    reduce_bytes(&bytes)
}

/// 2^e mod n.
fn pow2(e: u32) -> Scalar {
    (0..e).fold(Scalar::ONE, |acc, _| acc.double())
}

#[test]
fn table_multiplication_matches_p256() {
    let n_minus_1 = Scalar::ZERO - Scalar::ONE;
    let mut scalars = vec![
        Scalar::ONE,
        Scalar::from(2u64),
        Scalar::from(63u64),
        Scalar::from(64u64),
        Scalar::from(65u64),
        Scalar::from(127u64),
        Scalar::from(128u64),
        pow2(252),
        pow2(255),
        pow2(255) - Scalar::ONE,
        n_minus_1,
        n_minus_1 - Scalar::ONE,
    ];
    scalars.extend((0..200).map(|_| scalar_from(random())));
    let table = GeneratorTable::get();
    for k in scalars {
        let ours = affine_bytes(&table.mul(&scalar_to_limbs(&k)));
        let theirs = (ProjectivePoint::GENERATOR * k)
            .to_affine()
            .to_encoded_point(false);
        let (Some(x), Some(y)) = (theirs.x(), theirs.y()) else {
            panic!("p256 gave infinity for a non-zero scalar")
        };
        assert_eq!(&ours.0[..], &x[..], "x of k·G for k = {k:?}");
        assert_eq!(&ours.1[..], &y[..], "y of k·G for k = {k:?}");
    }
}

#[test]
fn zero_scalar_gives_infinity() {
    let table = GeneratorTable::get();
    assert!(table.mul(&[0; 4]).z.is_zero());
    assert!(bool::from(
        (ProjectivePoint::GENERATOR * Scalar::ZERO).is_identity()
    ));
}

#[test]
fn booth_digits_sum_to_the_scalar() {
    for _ in 0..200 {
        let k = scalar_from(random());
        let limbs = scalar_to_limbs(&k);
        let mut sum = Scalar::ZERO;
        for row in 0..ROWS {
            let (negative, magnitude) = booth_digit(window(&limbs, row));
            assert!(magnitude <= ENTRIES as u64);
            assert!(negative <= 1);
            let digit = Scalar::from(magnitude) * pow2((W * row) as u32);
            sum += if negative == 1 { -digit } else { digit };
        }
        assert_eq!(sum, k);
    }
}

#[test]
fn eq_mask_is_exact() {
    for (a, b) in [
        (0u64, 0u64),
        (1, 1),
        (64, 64),
        (0, 1),
        (1, 0),
        (u64::MAX, 0),
        (3, 64),
    ] {
        assert_eq!(eq_mask(a, b), if a == b { u64::MAX } else { 0 });
    }
}

/// RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample": with
/// the nonce the RFC derives, the signature must be the RFC's.
#[test]
fn known_answer_with_the_rfc_6979_nonce() {
    let d = hex32("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let ux = hex32("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
    let uy = hex32("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    let k = hex32("a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60");
    let r = hex32("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
    let s = hex32("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    let public = [ux, uy].concat();
    let key = P256SigningKey::new(&d, &public).expect("the RFC's key pair");
    let digest = ring::digest::digest(&ring::digest::SHA256, b"sample");
    let digest: [u8; 32] = digest.as_ref().try_into().expect("32 bytes");
    let nonce = Option::<Scalar>::from(Scalar::from_repr(k.into())).expect("k < n");
    let sig = key.sign_with_nonces(&[digest], &[nonce]);
    let sig = sig[0].expect("a signature");
    assert_eq!(&sig[..32], &r[..]);
    assert_eq!(&sig[32..], &s[..]);
}

#[test]
fn signatures_verify_with_ring_and_the_table_verifier() {
    let (key, public) = generated_key();
    let messages: Vec<Vec<u8>> = (0..300u32)
        .map(|i| [&i.to_be_bytes()[..], &random::<40>()[..]].concat())
        .collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures = key.sign_batch(&refs).expect("signed");
    assert_eq!(signatures.len(), messages.len());
    let table_verifier = P256VerifyingKey::new(&public).expect("public key");
    for (m, sig) in messages.iter().zip(&signatures) {
        assert!(crypto::verify(Algorithm::ECDSAP256SHA256, &public, m, sig));
        assert!(table_verifier.verify(m, sig));
        let mut tampered = m.clone();
        tampered[0] ^= 1;
        assert!(!crypto::verify(
            Algorithm::ECDSAP256SHA256,
            &public,
            &tampered,
            sig
        ));
    }
}

#[test]
fn signing_is_deterministic_and_batch_independent() {
    let (key, _) = generated_key();
    let messages: Vec<&[u8]> = vec![b"a", b"b", b"c", b"a"];
    let batch = key.sign_batch(&messages).expect("signed");
    let again = key.sign_batch(&messages).expect("signed");
    assert_eq!(batch, again);
    for (m, sig) in messages.iter().zip(&batch) {
        assert_eq!(key.sign_batch(&[m]).expect("signed")[0], *sig);
    }
    assert_eq!(batch[0], batch[3], "same message, same signature");
    assert_ne!(
        batch[0][..32],
        batch[1][..32],
        "different messages, different nonces"
    );
    // Another key signs the same message with another nonce.
    let (other, _) = generated_key();
    assert_ne!(
        other.sign_batch(&[b"a"]).expect("signed")[0][..32],
        batch[0][..32]
    );
    assert_eq!(key.sign_batch(&[]), Some(Vec::new()));
}

#[test]
fn bad_key_pairs_are_refused() {
    let (_, public) = generated_key();
    let (_, other_public) = generated_key();
    let private = PrivateKey::generate(Algorithm::ECDSAP256SHA256).expect("generate");
    let PrivateKey::Ecdsa { scalar, .. } = &private else {
        panic!("not ECDSA")
    };
    assert!(P256SigningKey::new(scalar, &private.public_key()).is_some());
    assert!(
        P256SigningKey::new(scalar, &public).is_none(),
        "another key's public half"
    );
    assert!(P256SigningKey::new(scalar, &other_public[..63]).is_none());
    assert!(P256SigningKey::new(&[0u8; 32], &public).is_none(), "zero");
    assert!(P256SigningKey::new(&ORDER, &public).is_none(), "n itself");
    assert!(
        P256SigningKey::new(&scalar[..31], &public).is_none(),
        "short"
    );
}
