//! Signatures per second for the algorithms dnslab generates, all made by
//! ring: on one core, and on all cores (rayon, as the zone signer runs),
//! which is the vetted-crypto limit a signer on this machine cannot beat;
//! and verifications per second with ring ([`crypto::verify`], which parses
//! the key on every call) and with a key prepared once
//! ([`crypto::VerifyingKey`], which for ECDSAP256SHA256 precomputes a table
//! of multiples of the public key).
//!
//! `cargo run --release -p dnslab-zone --example crypto_speed -- [SIGNATURES]`
//!
//! With SIGNATURES (a signed zone's RRSIG count, as `dnslab zone sign`
//! reports it), it also prints the time ring needs for that many
//! signatures on all cores: the floor for signing that zone.
use dnslab_zone::Algorithm;
use dnslab_zone::keys::PrivateKey;
use dnslab_zone::keys::crypto::{self, VerifyingKey};
use rayon::prelude::*;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let zone_signatures: Option<usize> = std::env::args().nth(1).map(|a| a.parse()).transpose()?;
    let cores = rayon::current_num_threads();
    for alg in [
        Algorithm::ECDSAP256SHA256,
        Algorithm::ECDSAP384SHA384,
        Algorithm::ED25519,
    ] {
        let key = PrivateKey::generate(alg)?;
        // Distinct messages of an RRset's typical size, so that verification
        // sees varied signatures as in a zone (a single one lets the branch
        // predictor learn the data-dependent branches of the prepared key's
        // scalar inversion).
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
        let one_core = n as f64 / t.elapsed().as_secs_f64();
        // All cores: the rate the signer's parallel pipeline is bounded by.
        let all_n = n * cores;
        let t = Instant::now();
        (0..all_n).into_par_iter().try_for_each(|i| {
            key.sign(&msgs[i % msgs.len()])
                .map(|s| drop(std::hint::black_box(s)))
        })?;
        let all_cores = all_n as f64 / t.elapsed().as_secs_f64();
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
            "{alg}: ring {one_core:.0} signatures/s on one core, {all_cores:.0}/s on {cores} cores; \
             {verify:.0} verifications/s with ring, \
             {fast:.0} with a prepared key ({:.2}x, set-up {:.1} ms) (one core)",
            fast / verify,
            setup.as_secs_f64() * 1e3
        );
        if let Some(count) = zone_signatures {
            println!(
                "  ring limit for {count} signatures: {:.2} s on {cores} cores",
                count as f64 / all_cores
            );
        }
    }
    Ok(())
}
