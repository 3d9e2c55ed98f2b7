//! In-process timing of parse, sign and write for one zone file, to see
//! where time goes (the recorded benchmark runs the `dnslab` binary).
//!
//! `cargo run --release -p dnslab-zone --example sign_timing -- FILE ORIGIN [nsec3]`

use dnslab_zone::keys::Key;
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::sign::{Denial, Nsec3Config, SignConfig, sign_zone};
use dnslab_zone::{Algorithm, Name};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .ok_or("usage: sign_timing FILE ORIGIN [nsec3]")?;
    let origin = Name::parse_absolute(&args.next().ok_or("origin missing")?)?;
    let nsec3 = args.next().is_some_and(|a| a == "nsec3");
    let t = Instant::now();
    let records = parse_file(
        file.as_ref(),
        &ParseOptions {
            origin: Some(origin.clone()),
            default_ttl: None,
        },
    )?;
    eprintln!("parse: {} records in {:?}", records.len(), t.elapsed());
    let now = dnslab_zone::rdata::time::now();
    let keys = vec![
        Key::generate(origin.clone(), Algorithm::ECDSAP256SHA256, true, now)?,
        Key::generate(origin.clone(), Algorithm::ECDSAP256SHA256, false, now)?,
    ];
    let mut config = SignConfig::new(now);
    if nsec3 {
        config.denial = Denial::Nsec3(Nsec3Config::default());
    }
    let t = Instant::now();
    let signed = sign_zone(&origin, records, &keys, &config)?;
    eprintln!(
        "sign: {} signatures, {} records in {:?}",
        signed.signatures,
        signed.zone.records.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let mut out = Vec::new();
    dnslab_zone::writer::write_zone(&mut out, &signed.zone.records)?;
    eprintln!("write: {} bytes in {:?}", out.len(), t.elapsed());
    if let Ok(path) = std::env::var("OUT") {
        std::fs::write(path, &out)?;
    }
    let t = Instant::now();
    let again = dnslab_zone::parser::parse_bytes(
        &out,
        "signed".as_ref(),
        &ParseOptions {
            origin: Some(origin),
            default_ttl: None,
        },
    )?;
    eprintln!("parse signed: {} records in {:?}", again.len(), t.elapsed());
    Ok(())
}
