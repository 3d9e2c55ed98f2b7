//! `dnslab demo`: the toolbox end to end on a sample zone, for a first look.

use crate::cli::DemoArgs;
use anyhow::Context;
use dnslab_zone::keys::Key;
use dnslab_zone::rdata::time;
use dnslab_zone::sign::{Denial, Nsec3Config, SignConfig, sign_zone};
use dnslab_zone::verify::{VerifyOptions, verify_zone};
use dnslab_zone::writer::{write_file_atomically, write_zone};
use dnslab_zone::{Algorithm, Name};
use std::process::ExitCode;

const SAMPLE_ZONE: &str = "\
$TTL 300
@       IN SOA ns1 hostmaster 2026112701 1h 15m 1w 300
        IN NS  ns1
ns1     IN A   192.0.2.53
www     IN A   192.0.2.80
        IN AAAA 2001:db8::80
mail    IN MX  10 www
*.apps  IN TXT \"wildcard\"
trainee IN NS  ns1.trainee
ns1.trainee IN A 192.0.2.54
";

pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir().context("cannot create a temporary directory")?;
            tmp.path().to_path_buf()
        }
    };
    let origin = Name::parse_absolute("demo.lab.")?;
    let zone_path = dir.join("demo.lab.zone");
    write_file_atomically(&zone_path, |w| w.write_all(SAMPLE_ZONE.as_bytes()))?;
    println!("1. sample zone: {}", zone_path.display());

    let now = time::now();
    let ksk = Key::generate(origin.clone(), Algorithm::ECDSAP256SHA256, true, now)?;
    let zsk = Key::generate(origin.clone(), Algorithm::ECDSAP256SHA256, false, now)?;
    ksk.write(&dir)?;
    zsk.write(&dir)?;
    println!(
        "2. keys: KSK {} and ZSK {} (ECDSAP256SHA256) in {}",
        ksk.tag(),
        zsk.tag(),
        dir.display()
    );

    let records = super::zone::read_zone_records(&zone_path, &origin)?;
    let mut config = SignConfig::new(now);
    config.denial = Denial::Nsec3(Nsec3Config::default());
    let signed = sign_zone(&origin, records, &[ksk, zsk], &config)?;
    let signed_path = dir.join("demo.lab.zone.signed");
    write_file_atomically(&signed_path, |w| write_zone(w, &signed.zone.records))?;
    println!(
        "3. signed with NSEC3: {} RRsets, {} signatures -> {}",
        signed.rrsets,
        signed.signatures,
        signed_path.display()
    );

    let report = verify_zone(&signed.zone, &VerifyOptions::at(now));
    println!("4. verified: {} finding(s)", report.findings.len());
    print!("{}", super::zone::render_report(&origin, &report, now));
    if args.dir.is_none() {
        println!("(temporary files removed; use --dir DIR to keep them)");
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
