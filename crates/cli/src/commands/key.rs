//! `dnslab key generate` and `dnslab key ds`.

use crate::cli::{AlgorithmArg, DigestArg, KeyDsArgs, KeyGenerateArgs, KeySettimeArgs};
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

/// One timing field given on the command line: `none` clears it.
fn timing_arg(option: &str, text: &str, now: i64) -> anyhow::Result<Option<i64>> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    super::parse_time(option, text, now).map(Some)
}

pub fn settime(args: &KeySettimeArgs) -> anyhow::Result<ExitCode> {
    let mut key = Key::read(&args.keyfile)?;
    let now = time::now();
    let fields: [(&str, &Option<String>, &mut Option<i64>); 7] = [
        ("--publish", &args.publish, &mut key.timing.publish),
        ("--activate", &args.activate, &mut key.timing.activate),
        ("--revoke", &args.revoke, &mut key.timing.revoke),
        ("--inactive", &args.inactive, &mut key.timing.inactive),
        ("--delete", &args.delete, &mut key.timing.delete),
        (
            "--sync-publish",
            &args.sync_publish,
            &mut key.timing.sync_publish,
        ),
        (
            "--sync-delete",
            &args.sync_delete,
            &mut key.timing.sync_delete,
        ),
    ];
    let mut changed = false;
    for (option, given, field) in fields {
        if let Some(text) = given {
            *field = timing_arg(option, text, now)?;
            changed = true;
        }
    }
    if let (Some(a), Some(i)) = (key.timing.activate, key.timing.inactive)
        && i < a
    {
        anyhow::bail!(
            "the key would be inactive ({}) before it is active ({})",
            time::format_human(i),
            time::format_human(a)
        );
    }
    // Deleted before its Publish time: it is never published. That is how
    // an old algorithm's keys end after `-P +52w` took their DNSKEYs out
    // while they still signed, so only a warning, as dnssec-settime gives.
    if let (Some(p), Some(d)) = (key.timing.publish, key.timing.delete)
        && d < p
    {
        eprintln!(
            "dnslab: warning: key {} is deleted ({}) before its Publish time ({}): its DNSKEY will not be published again",
            key.tag(),
            time::format_human(d),
            time::format_human(p)
        );
    }
    if changed {
        let dir = args
            .keyfile
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        key.write(dir)
            .with_context(|| format!("cannot write the key files in {}", dir.display()))?;
    }
    let t = &key.timing;
    for (name, value) in [
        ("Created", t.created),
        ("Publish", t.publish),
        ("Activate", t.activate),
        ("Revoke", t.revoke),
        ("Inactive", t.inactive),
        ("Delete", t.delete),
        ("SYNC Publish", t.sync_publish),
        ("SYNC Delete", t.sync_delete),
    ] {
        match value {
            Some(v) => println!(
                "{name}: {} ({})",
                time::format_timestamp(v),
                time::format_human(v)
            ),
            None => println!("{name}: UNSET"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
