//! `dnslab key generate` and `dnslab key ds`.

use crate::cli::{AlgorithmArg, DigestArg, KeyDsArgs, KeyGenerateArgs};
use anyhow::Context;
use dnslab_zone::keys::Key;
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::rdata::time;
use dnslab_zone::{Algorithm, Record, Rtype};
use std::process::ExitCode;

fn algorithm(arg: AlgorithmArg) -> Algorithm {
    match arg {
        AlgorithmArg::Ecdsap256sha256 => Algorithm::ECDSAP256SHA256,
        AlgorithmArg::Ecdsap384sha384 => Algorithm::ECDSAP384SHA384,
        AlgorithmArg::Ed25519 => Algorithm::ED25519,
    }
}

pub fn generate(args: &KeyGenerateArgs) -> anyhow::Result<ExitCode> {
    let zone = super::parse_zone_name(&args.zone)?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let key = Key::generate(zone, algorithm(args.algorithm), args.ksk, time::now())?;
    key.write(&args.dir)?;
    println!("{}", key.base_name());
    Ok(ExitCode::SUCCESS)
}

pub fn ds(args: &KeyDsArgs) -> anyhow::Result<ExitCode> {
    let key = Key::read(&args.keyfile)?;
    let dnskey = key.dnskey_rdata();
    let ttl = key.ttl.unwrap_or(3600);
    if args.cds {
        let cds = ds_rdata(&key.owner, &dnskey, digest(args.digest));
        println!("{}", Record::new(key.owner.clone(), Rtype::CDS, ttl, cds));
        println!(
            "{}",
            Record::new(key.owner.clone(), Rtype::CDNSKEY, ttl, dnskey)
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !key.is_sep() {
        eprintln!(
            "dnslab: warning: key {} has no SEP flag (it is a ZSK); parents usually hold the DS of the KSK",
            key.tag()
        );
    }
    let ds = ds_rdata(&key.owner, &dnskey, digest(args.digest));
    println!("{}", Record::new(key.owner.clone(), Rtype::DS, ttl, ds));
    Ok(ExitCode::SUCCESS)
}

fn digest(arg: DigestArg) -> DigestType {
    if arg == DigestArg::Sha1 {
        eprintln!(
            "dnslab: warning: SHA-1 DS records must not be published any more (RFC 9904); use SHA256"
        );
    }
    match arg {
        DigestArg::Sha256 => DigestType::Sha256,
        DigestArg::Sha384 => DigestType::Sha384,
        DigestArg::Sha1 => DigestType::Sha1,
    }
}
