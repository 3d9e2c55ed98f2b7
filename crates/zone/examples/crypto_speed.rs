//! Signatures per second on one core for the algorithms dnslab generates
//! (one at a time, and in batches as the zone signer makes them), and
//! verifications per second both with ring ([`crypto::verify`], which
//! parses the key on every call) and with a key prepared once
//! ([`crypto::VerifyingKey`], which for ECDSAP256SHA256 precomputes a table
//! of multiples of the public key).
use dnslab_zone::Algorithm;
use dnslab_zone::keys::PrivateKey;
use dnslab_zone::keys::crypto::{self, VerifyingKey};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for alg in [
        Algorithm::ECDSAP256SHA256,
        Algorithm::ECDSAP384SHA384,
        Algorithm::ED25519,
    ] {
        let key = PrivateKey::generate(alg)?;
        // Distinct messages, so that verification sees varied signatures
        // as in a zone (a single one lets the branch predictor learn the
        // data-dependent branches of the prepared key's scalar inversion).
        let msgs: Vec<Vec<u8>> = (0..256u32)
            .map(|i| [&i.to_be_bytes()[..], &[7u8; 116]].concat())
            .collect();
        let n = 20_000;
        let t = Instant::now();
        let mut sigs = Vec::with_capacity(msgs.len());
        for i in 0..n {
            let sig = key.sign(&msgs[i % msgs.len()])?;
            if sigs.len() < msgs.len() {
                sigs.push(sig);
            }
        }
        let sign = n as f64 / t.elapsed().as_secs_f64();
        // In batches of 256, as the zone signer calls it.
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let t = Instant::now();
        for _ in 0..n / refs.len() {
            std::hint::black_box(key.sign_many(&refs)?);
        }
        let batched = (n / refs.len() * refs.len()) as f64 / t.elapsed().as_secs_f64();
        // ring itself, one at a time, for comparison (dnslab signs P-256
        // with its own batch signer, P-384 with ring).
        let ring_rate = match &key {
            PrivateKey::Ecdsa { pair, .. } => {
                let rng = ring::rand::SystemRandom::new();
                let t = Instant::now();
                for i in 0..n {
                    std::hint::black_box(
                        pair.sign(&rng, &msgs[i % msgs.len()])
                            .map_err(|_| "ring failed")?,
                    );
                }
                format!(
                    ", ring {:.0}/s one at a time",
                    n as f64 / t.elapsed().as_secs_f64()
                )
            }
            _ => String::new(),
        };
        let t = Instant::now();
        for i in 0..n {
            let j = i % msgs.len();
            assert!(crypto::verify(alg, &key.public_key(), &msgs[j], &sigs[j]));
        }
        let verify = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        let prepared = VerifyingKey::new(alg, &key.public_key()).ok_or("cannot verify")?;
        let setup = t.elapsed();
        let t = Instant::now();
        for i in 0..n {
            let j = i % msgs.len();
            assert!(prepared.verify(&msgs[j], &sigs[j]));
        }
        let fast = n as f64 / t.elapsed().as_secs_f64();
        println!(
            "{alg}: {sign:.0} signatures/s one at a time, {batched:.0} in batches of 256{ring_rate}, \
             {verify:.0} verifications/s with ring, \
             {fast:.0} with a prepared key ({:.2}x, set-up {:.1} ms) (one core)",
            fast / verify,
            setup.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
