//! Signatures per second on one core for the algorithms dnslab generates.
use dnslab_zone::Algorithm;
use dnslab_zone::keys::PrivateKey;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for alg in [
        Algorithm::ECDSAP256SHA256,
        Algorithm::ECDSAP384SHA384,
        Algorithm::ED25519,
    ] {
        let key = PrivateKey::generate(alg)?;
        let msg = [7u8; 120];
        let n = 20_000;
        let t = Instant::now();
        let mut sig = Vec::new();
        for _ in 0..n {
            sig = key.sign(&msg)?;
        }
        let sign = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..n {
            assert!(dnslab_zone::keys::crypto::verify(
                alg,
                &key.public_key(),
                &msg,
                &sig
            ));
        }
        let verify = n as f64 / t.elapsed().as_secs_f64();
        println!("{alg}: {sign:.0} signatures/s, {verify:.0} verifications/s (one core)");
    }
    Ok(())
}
