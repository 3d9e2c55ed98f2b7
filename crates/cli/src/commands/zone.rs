//! `dnslab zone check|sign|verify`.

use crate::cli::{FormatArg, SerialArg, ZoneCheckArgs, ZoneSignArgs, ZoneVerifyArgs};
use anyhow::Context;
use dnslab_zone::keys::load_key_dir;
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::rdata::time;
use dnslab_zone::sign::{Denial, Nsec3Config, SerialPolicy, SignConfig, sign_zone};
use dnslab_zone::writer::{write_file_atomically, write_zone};
use dnslab_zone::zone::Zone;
use dnslab_zone::{Name, Record};
use std::path::Path;
use std::process::ExitCode;

/// Reads a zone file with `origin` as the starting origin.
pub(crate) fn read_zone_records(path: &Path, origin: &Name) -> anyhow::Result<Vec<Record>> {
    let options = ParseOptions {
        origin: Some(origin.clone()),
        default_ttl: None,
    };
    Ok(parse_file(path, &options)?)
}

pub fn check(args: &ZoneCheckArgs) -> anyhow::Result<ExitCode> {
    let origin = super::parse_zone_name(&args.origin)?;
    let records = read_zone_records(&args.zonefile, &origin)?;
    let zone =
        Zone::new(origin, records).with_context(|| format!("{}", args.zonefile.display()))?;
    if let Some(out) = &args.output {
        write_file_atomically(out, |w| write_zone(w, &zone.records))
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    eprintln!(
        "{}: zone {} has {} records, {} names",
        args.zonefile.display(),
        zone.apex,
        zone.records.len(),
        zone.owners().len()
    );
    Ok(ExitCode::SUCCESS)
}

fn salt(text: &str) -> anyhow::Result<Vec<u8>> {
    if text == "-" || text.is_empty() {
        return Ok(Vec::new());
    }
    dnslab_zone::rdata::decode_hex(text.as_bytes())
        .filter(|s| s.len() <= 255)
        .ok_or_else(|| {
            anyhow::anyhow!("invalid --salt {text:?}: give hexadecimal digits, or - for none")
        })
}

pub fn sign(args: &ZoneSignArgs) -> anyhow::Result<ExitCode> {
    let origin = super::parse_zone_name(&args.origin)?;
    let wall_clock = time::now();
    let now = super::parse_time("--now", &args.now, wall_clock)?;
    let inception = super::parse_time("--inception", &args.inception, now)?;
    let expiration = super::parse_time("--expiration", &args.expiration, now)?;
    if expiration <= inception {
        anyhow::bail!(
            "--expiration ({}) is not after --inception ({})",
            time::format_human(expiration),
            time::format_human(inception)
        );
    }
    let denial = if args.nsec3 {
        if args.iterations > 0 {
            eprintln!(
                "dnslab: warning: RFC 9276 asks for 0 extra NSEC3 iterations; validators may treat {} as insecure",
                args.iterations
            );
        }
        Denial::Nsec3(Nsec3Config {
            iterations: args.iterations,
            salt: salt(&args.salt)?,
            opt_out: args.opt_out,
        })
    } else {
        Denial::Nsec
    };
    let serial = match args.serial {
        SerialArg::Keep => SerialPolicy::Keep,
        SerialArg::Increment => SerialPolicy::Increment,
        SerialArg::Unixtime => SerialPolicy::UnixTime,
    };
    let records = read_zone_records(&args.zonefile, &origin)?;
    let keys = load_key_dir(&args.keys, &origin)?;
    if keys.is_empty() {
        anyhow::bail!(
            "no keys for {origin} in {}: make some with `dnslab key generate --zone {origin} --dir {}`",
            args.keys.display(),
            args.keys.display()
        );
    }
    let config = SignConfig {
        denial,
        inception,
        expiration,
        serial,
        now,
    };
    let signed = sign_zone(&origin, records, &keys, &config)
        .with_context(|| format!("cannot sign {}", args.zonefile.display()))?;
    let output = args.output.clone().unwrap_or_else(|| {
        let mut name = args.zonefile.clone().into_os_string();
        name.push(".signed");
        name.into()
    });
    write_file_atomically(&output, |w| write_zone(w, &signed.zone.records))
        .with_context(|| format!("cannot write {}", output.display()))?;
    for alg in &signed.unsigned_algorithms {
        eprintln!(
            "dnslab: warning: algorithm {alg} has a published DNSKEY but no active key, so it signs nothing: validators will find the zone bogus (RFC 6840 §5.11)"
        );
    }
    eprintln!(
        "{}: signed {} with {} key(s): {} RRsets, {} signatures, valid {} to {}",
        output.display(),
        origin,
        keys.len(),
        signed.rrsets,
        signed.signatures,
        time::format_human(inception),
        time::format_human(expiration)
    );
    // Half a million records are freed by the exit anyway; freeing them
    // one by one first only makes the command slower.
    std::mem::forget(signed);
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: &ZoneVerifyArgs) -> anyhow::Result<ExitCode> {
    use dnslab_zone::verify::{VerifyOptions, verify_zone};
    let origin = super::parse_zone_name(&args.origin)?;
    let at = super::parse_time("--time", &args.time, time::now())?;
    let records = read_zone_records(&args.zonefile, &origin)?;
    let zone =
        Zone::new(origin, records).with_context(|| format!("{}", args.zonefile.display()))?;
    let report = verify_zone(&zone, &VerifyOptions::at(at));
    match args.format {
        FormatArg::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        FormatArg::Text => print!("{}", render_report(&zone.apex, &report, at)),
    }
    // Warnings (RFC 9276 advice, signatures about to expire) do not make a
    // zone fail: validators still accept it.
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The report for a person: one line a finding, then a summary.
pub(crate) fn render_report(apex: &Name, report: &dnslab_zone::verify::Report, at: i64) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for finding in &report.findings {
        let _ = write!(out, "{finding}");
        if let Some(tag) = finding.key_tag {
            let _ = write!(out, " [key {tag}]");
        }
        out.push('\n');
    }
    let s = &report.stats;
    let algorithms: Vec<String> = s
        .algorithms
        .iter()
        .map(|a| dnslab_zone::Algorithm(*a).to_string())
        .collect();
    let _ = writeln!(
        out,
        "{apex}: {} error(s), {} warning(s) at {}; {} RRsets and {} signatures checked, denial {:?}{}, algorithms: {}",
        report.errors(),
        report.warnings(),
        time::format_human(at),
        s.rrsets_checked,
        s.signatures_checked,
        s.denial,
        if s.opt_out { " (opt-out)" } else { "" },
        if algorithms.is_empty() {
            "none".to_string()
        } else {
            algorithms.join(", ")
        },
    );
    out
}
