//! The verifier against zones signed by BIND, ldns and Knot: each signed
//! zone verifies without errors, and each kind of tampering gives exactly
//! the finding id a trainee is meant to see.
//!
//! Tests skip when a peer tool is missing, and fail with
//! `DNSLAB_REQUIRE_PEERS=1`.

use dnslab_testkit::{peers, printed, run};
use dnslab_zone::nsec3;
use dnslab_zone::parser::{ParseOptions, parse_file};
use dnslab_zone::rdata::{time, view};
use dnslab_zone::verify::{FindingId, Report, Severity, VerifyOptions, verify_zone};
use dnslab_zone::zone::Zone;
use dnslab_zone::{Name, Record, Rtype};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn apex() -> Name {
    Name::parse_absolute("example.").unwrap()
}

fn n(text: &str) -> Name {
    Name::parse_absolute(text).unwrap()
}

fn unsigned_zone() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/verify/example.zone")
}

fn read(path: &Path) -> Vec<Record> {
    let opts = ParseOptions {
        origin: Some(apex()),
        default_ttl: None,
    };
    parse_file(path, &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn verify_at(records: Vec<Record>, now: i64) -> Report {
    let zone = Zone::new(apex(), records).unwrap();
    verify_zone(&zone, &VerifyOptions::at(now))
}

fn verify(records: Vec<Record>) -> Report {
    verify_at(records, time::now())
}

fn show(report: &Report) -> String {
    report.findings.iter().map(|f| format!("  {f}\n")).collect()
}

#[track_caller]
fn assert_no_errors(report: &Report, label: &str) {
    assert!(
        report.is_valid(),
        "{label}: expected no errors, got:\n{}",
        show(report)
    );
    assert!(
        report.stats.signatures_checked > 0,
        "{label}: nothing checked"
    );
}

#[track_caller]
fn assert_finding(report: &Report, id: FindingId, owner: &str, label: &str) {
    let owner = n(owner);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.id == id && f.owner.eq_ignore_case(&owner)),
        "{label}: expected {id} at {owner}, got:\n{}",
        show(report)
    );
}

/// Findings ids other than the allowed ones, for "exactly this" checks.
#[track_caller]
fn assert_only(report: &Report, allowed: &[FindingId], label: &str) {
    let other: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && !allowed.contains(&f.id))
        .map(|f| f.to_string())
        .collect();
    assert!(
        other.is_empty(),
        "{label}: unexpected errors:\n{}",
        other.join("\n")
    );
}

/// Signs the test zone with dnssec-signzone (new ECDSA P-256 KSK and ZSK).
fn bind_sign(extra: &[&str]) -> Option<(TempDir, Vec<Record>)> {
    let [keygen, signzone] = peers(["dnssec-keygen", "dnssec-signzone"])?;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for ksk in [true, false] {
        let mut args = vec!["-q", "-K", d, "-a", "ECDSAP256SHA256"];
        if ksk {
            args.extend(["-f", "KSK"]);
        }
        args.push("example.");
        let out = run(&keygen, &args);
        assert!(out.status.success(), "dnssec-keygen: {}", printed(&out));
    }
    let signed = dir.path().join("example.signed");
    let zone = unsigned_zone();
    let mut args = vec!["-q", "-S", "-K", d, "-d", d, "-o", "example.", "-N", "keep"];
    args.extend(["-f", signed.to_str().unwrap()]);
    args.extend(extra);
    args.push(zone.to_str().unwrap());
    let out = run(&signzone, &args);
    assert!(out.status.success(), "dnssec-signzone: {}", printed(&out));
    let records = read(&signed);
    Some((dir, records))
}

/// Signs the test zone with ldns-signzone (keys from ldns-keygen).
fn ldns_sign(extra: &[&str]) -> Option<(TempDir, Vec<Record>)> {
    let [keygen, signzone] = peers(["ldns-keygen", "ldns-signzone"])?;
    let dir = tempfile::tempdir().unwrap();
    let mut keys = Vec::new();
    for ksk in [true, false] {
        let mut args = vec!["-a", "ECDSAP256SHA256"];
        if ksk {
            args.push("-k");
        }
        args.push("example.");
        let out = std::process::Command::new(&keygen)
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "ldns-keygen: {}", printed(&out));
        let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
        keys.push(dir.path().join(base).to_str().unwrap().to_string());
    }
    let signed = dir.path().join("example.signed");
    let zone = unsigned_zone();
    let mut args = vec!["-o", "example.", "-f", signed.to_str().unwrap()];
    args.extend(extra);
    args.push(zone.to_str().unwrap());
    args.extend(keys.iter().map(String::as_str));
    let out = run(&signzone, &args);
    assert!(out.status.success(), "ldns-signzone: {}", printed(&out));
    let records = read(&signed);
    Some((dir, records))
}

/// Signs the test zone with Knot's kzonesign, keys made by keymgr.
fn knot_sign(nsec3: bool) -> Option<(TempDir, Vec<Record>)> {
    let [keymgr, kzonesign] = peers(["keymgr", "kzonesign"])?;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    std::fs::copy(unsigned_zone(), dir.path().join("example.zone")).unwrap();
    let conf = dir.path().join("knot.conf");
    std::fs::write(
        &conf,
        format!(
            "database:\n  storage: {d}\n  kasp-db: {d}/kasp\n\
             policy:\n  - id: p\n    algorithm: ecdsap256sha256\n    nsec3: {}\n    nsec3-iterations: 0\n    nsec3-salt-length: 0\n\
             zone:\n  - domain: example.\n    storage: {d}\n    file: example.zone\n    dnssec-signing: on\n    dnssec-policy: p\n",
            if nsec3 { "on" } else { "off" }
        ),
    )
    .unwrap();
    let c = conf.to_str().unwrap();
    for ksk in ["ksk=yes", "ksk=no"] {
        let out = run(
            &keymgr,
            &["-c", c, "example.", "generate", ksk, "algorithm=13"],
        );
        assert!(out.status.success(), "keymgr: {}", printed(&out));
    }
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = run(
        &kzonesign,
        &["-c", c, "-o", out_dir.to_str().unwrap(), "example."],
    );
    assert!(out.status.success(), "kzonesign: {}", printed(&out));
    let records = read(&out_dir.join("example.zone"));
    Some((dir, records))
}

fn position(records: &[Record], pred: impl Fn(&Record) -> bool) -> usize {
    records
        .iter()
        .position(pred)
        .expect("the signed zone has the record the test tampers with")
}

fn is_rrsig_over(r: &Record, owner: &str, covered: Rtype) -> bool {
    r.owner.eq_ignore_case(&n(owner)) && r.covered_type() == Some(covered)
}

fn key_tags(records: &[Record]) -> (u16, u16) {
    let mut ksk = None;
    let mut zsk = None;
    for r in records.iter().filter(|r| r.rtype == Rtype::DNSKEY) {
        let key = view::Dnskey::parse(&r.rdata).unwrap();
        let tag = view::key_tag(&r.rdata);
        if key.is_sep() {
            ksk = Some(tag)
        } else {
            zsk = Some(tag)
        }
    }
    (ksk.unwrap(), zsk.unwrap())
}

fn rrsig_key_tag(r: &Record) -> u16 {
    view::Rrsig::parse(&r.rdata).unwrap().key_tag
}

/// The NSEC3 owner of a name, from the zone's NSEC3PARAM.
fn nsec3_owner(records: &[Record], name: &str) -> Name {
    let param = records
        .iter()
        .find(|r| r.rtype == Rtype::NSEC3PARAM)
        .unwrap();
    let p = view::Nsec3Param::parse(&param.rdata).unwrap();
    let h = nsec3::hash(&n(name), p.salt, p.iterations);
    nsec3::hashed_owner(&h, &apex()).unwrap()
}

/// Replaces a record's data by reading new presentation text.
fn set_rdata(record: &mut Record, text: &str) {
    let line = format!(
        "{} {} IN {} {text}\n",
        record.owner, record.ttl, record.rtype
    );
    let opts = ParseOptions {
        origin: Some(apex()),
        default_ttl: None,
    };
    let parsed = dnslab_zone::parser::parse_bytes(line.as_bytes(), "edit".as_ref(), &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    record.rdata = parsed[0].rdata.clone();
}

// --- Clean zones from each signer -------------------------------------

#[test]
fn bind_signed_zones_verify() {
    for (label, extra) in [
        ("bind nsec", &[][..]),
        ("bind nsec3", &["-3", "-", "-H", "0"][..]),
        ("bind nsec3 opt-out", &["-3", "-", "-H", "0", "-A"][..]),
    ] {
        let Some((_dir, records)) = bind_sign(extra) else {
            return;
        };
        let report = verify(records);
        assert_no_errors(&report, label);
        assert!(report.findings.is_empty(), "{label}:\n{}", show(&report));
        if label.ends_with("opt-out") {
            assert!(report.stats.opt_out, "{label}");
        }
    }
}

#[test]
fn bind_nsec3_with_salt_and_iterations_warns() {
    let Some((_dir, records)) = bind_sign(&["-3", "abcd", "-H", "5"]) else {
        return;
    };
    let report = verify(records);
    assert_no_errors(&report, "salted");
    assert!(
        report.has(FindingId::Nsec3IterationsHigh),
        "{}",
        show(&report)
    );
    assert!(report.has(FindingId::Nsec3SaltPresent), "{}", show(&report));
}

#[test]
fn ldns_signed_zones_verify() {
    for (label, extra) in [
        ("ldns nsec", &[][..]),
        ("ldns nsec3", &["-n", "-t", "0"][..]),
        ("ldns nsec3 opt-out", &["-n", "-t", "0", "-p"][..]),
    ] {
        let Some((_dir, records)) = ldns_sign(extra) else {
            return;
        };
        let report = verify(records);
        eprintln!(
            "{label}: {} warning(s)\n{}",
            report.warnings(),
            show(&report)
        );
        assert_no_errors(&report, label);
    }
}

#[test]
fn knot_signed_zones_verify() {
    for nsec3 in [false, true] {
        let Some((_dir, records)) = knot_sign(nsec3) else {
            return;
        };
        let report = verify(records);
        let label = if nsec3 { "knot nsec3" } else { "knot nsec" };
        eprintln!(
            "{label}: {} warning(s)\n{}",
            report.warnings(),
            show(&report)
        );
        assert_no_errors(&report, label);
    }
}

// --- Tampering, NSEC zone ------------------------------------------------

#[test]
fn data_changed_after_signing_is_a_bad_signature() {
    let Some((_dir, mut records)) = bind_sign(&[]) else {
        return;
    };
    let i = position(&records, |r| {
        r.owner == n("www.example.") && r.rtype == Rtype::A && r.rdata[..] == [192, 0, 2, 3]
    });
    records[i].rdata = vec![192, 0, 2, 99].into();
    let report = verify(records);
    assert_finding(
        &report,
        FindingId::RrsigBadSignature,
        "www.example.",
        "edited A",
    );
    assert_only(&report, &[FindingId::RrsigBadSignature], "edited A");
}

#[test]
fn removed_rrsig_is_missing() {
    let Some((_dir, mut records)) = bind_sign(&[]) else {
        return;
    };
    let i = position(&records, |r| is_rrsig_over(r, "example.", Rtype::MX));
    records.remove(i);
    let report = verify(records);
    assert_finding(&report, FindingId::RrsigMissing, "example.", "no RRSIG");
    assert_only(&report, &[FindingId::RrsigMissing], "no RRSIG");
}

#[test]
fn record_added_after_signing_lacks_rrsig_and_nsec() {
    let Some((_dir, mut records)) = bind_sign(&[]) else {
        return;
    };
    records.push(Record::new(
        n("new.example."),
        Rtype::A,
        3600,
        vec![192, 0, 2, 7],
    ));
    let report = verify(records);
    assert_finding(&report, FindingId::RrsigMissing, "new.example.", "added");
    assert_finding(&report, FindingId::NsecMissing, "new.example.", "added");
}

#[test]
fn signatures_in_the_past_are_expired() {
    let Some((_dir, records)) = bind_sign(&["-P", "-s", "20200101000000", "-e", "20200201000000"])
    else {
        return;
    };
    let report = verify(records);
    assert_finding(&report, FindingId::RrsigExpired, "www.example.", "-e past");
    assert_only(&report, &[FindingId::RrsigExpired], "-e past");
}

#[test]
fn signatures_from_the_future_are_not_yet_valid() {
    let Some((_dir, records)) = bind_sign(&["-P", "-s", "now+86400", "-e", "now+2592000"]) else {
        return;
    };
    let report = verify(records.clone());
    assert_finding(
        &report,
        FindingId::RrsigNotYetValid,
        "www.example.",
        "-s future",
    );
    assert_only(&report, &[FindingId::RrsigNotYetValid], "-s future");
    // The same zone checked at a time inside the window is fine, and after
    // it, expired (--time).
    assert_no_errors(
        &verify_at(records.clone(), time::now() + 2 * 86400),
        "--time inside",
    );
    let late = verify_at(records, time::now() + 40 * 86400);
    assert_finding(&late, FindingId::RrsigExpired, "example.", "--time after");
}

#[test]
fn removed_dnskeys() {
    let Some((_dir, records)) = bind_sign(&[]) else {
        return;
    };
    let (_ksk, zsk) = key_tags(&records);
    let mut all_gone = records.clone();
    all_gone.retain(|r| r.rtype != Rtype::DNSKEY);
    let report = verify(all_gone);
    assert_finding(&report, FindingId::DnskeyMissing, "example.", "no DNSKEY");

    let mut zsk_gone = records;
    zsk_gone.retain(|r| !(r.rtype == Rtype::DNSKEY && view::key_tag(&r.rdata) == zsk));
    let report = verify(zsk_gone);
    assert_finding(&report, FindingId::RrsigNoKey, "www.example.", "no ZSK");
    assert!(!report.has(FindingId::RrsigMissing), "{}", show(&report));
}

#[test]
fn dnskey_rrset_signed_only_by_the_zsk() {
    let Some((_dir, mut records)) = bind_sign(&[]) else {
        return;
    };
    let (ksk, _zsk) = key_tags(&records);
    let i = position(&records, |r| {
        is_rrsig_over(r, "example.", Rtype::DNSKEY) && rrsig_key_tag(r) == ksk
    });
    records.remove(i);
    let report = verify(records);
    assert_finding(
        &report,
        FindingId::DnskeyNotSignedBySep,
        "example.",
        "no KSK sig",
    );
    assert_only(&report, &[FindingId::DnskeyNotSignedBySep], "no KSK sig");
}

#[test]
fn edited_nsec_bitmap_and_next_name() {
    let Some((_dir, records)) = bind_sign(&[]) else {
        return;
    };
    let i = position(&records, |r| {
        r.owner == n("www.example.") && r.rtype == Rtype::NSEC
    });
    let mut bitmap = records.clone();
    let text = bitmap[i].rdata_text().replace(" TXT", " MX TXT");
    set_rdata(&mut bitmap[i], &text);
    let report = verify(bitmap);
    assert_finding(
        &report,
        FindingId::NsecBitmapWrong,
        "www.example.",
        "bitmap",
    );
    assert_finding(
        &report,
        FindingId::RrsigBadSignature,
        "www.example.",
        "bitmap",
    );
    let wrong = report
        .findings
        .iter()
        .find(|f| f.id == FindingId::NsecBitmapWrong)
        .unwrap();
    assert!(
        wrong.message.contains("MX listed but not present"),
        "{wrong}"
    );

    let mut next = records.clone();
    let text = next[i].rdata_text();
    let rest = text.split_once(' ').unwrap().1;
    set_rdata(&mut next[i], &format!("zzz.example. {rest}"));
    let report = verify(next);
    assert_finding(&report, FindingId::NsecChainBroken, "www.example.", "next");

    let mut gone = records;
    gone.retain(|r| {
        !(r.owner == n("mail.example.")
            && (r.rtype == Rtype::NSEC || r.covered_type() == Some(Rtype::NSEC)))
    });
    let report = verify(gone);
    assert_finding(&report, FindingId::NsecMissing, "mail.example.", "no NSEC");
}

// --- Tampering, NSEC3 zone -----------------------------------------------

#[test]
fn removed_nsec3_record() {
    let Some((_dir, mut records)) = bind_sign(&["-3", "-", "-H", "0"]) else {
        return;
    };
    let hashed = nsec3_owner(&records, "www.example.");
    let before = records.len();
    records.retain(|r| !r.owner.eq_ignore_case(&hashed));
    assert!(records.len() < before);
    let report = verify(records);
    assert_finding(&report, FindingId::Nsec3Missing, "www.example.", "no NSEC3");
    assert!(report.has(FindingId::Nsec3ChainBroken), "{}", show(&report));
    assert_only(
        &report,
        &[FindingId::Nsec3Missing, FindingId::Nsec3ChainBroken],
        "no NSEC3",
    );
}

#[test]
fn removed_nsec3_of_an_empty_non_terminal() {
    let Some((_dir, mut records)) = bind_sign(&["-3", "-", "-H", "0"]) else {
        return;
    };
    let hashed = nsec3_owner(&records, "ent.example.");
    records.retain(|r| !r.owner.eq_ignore_case(&hashed));
    let report = verify(records);
    assert_finding(
        &report,
        FindingId::Nsec3Missing,
        "ent.example.",
        "no ENT NSEC3",
    );
}

#[test]
fn edited_nsec3_bitmap() {
    let Some((_dir, mut records)) = bind_sign(&["-3", "-", "-H", "0"]) else {
        return;
    };
    let hashed = nsec3_owner(&records, "www.example.");
    let i = position(&records, |r| {
        r.owner.eq_ignore_case(&hashed) && r.rtype == Rtype::NSEC3
    });
    let text = records[i].rdata_text().replace(" TXT", " MX TXT");
    set_rdata(&mut records[i], &text);
    let report = verify(records);
    assert_finding(
        &report,
        FindingId::Nsec3BitmapWrong,
        "www.example.",
        "bitmap",
    );
    assert!(
        report.has(FindingId::RrsigBadSignature),
        "{}",
        show(&report)
    );
    assert_only(
        &report,
        &[FindingId::Nsec3BitmapWrong, FindingId::RrsigBadSignature],
        "bitmap",
    );
}

#[test]
fn nsec3param_removed_or_changed() {
    let Some((_dir, records)) = bind_sign(&["-3", "-", "-H", "0"]) else {
        return;
    };
    let mut gone = records.clone();
    gone.retain(|r| r.rtype != Rtype::NSEC3PARAM && r.covered_type() != Some(Rtype::NSEC3PARAM));
    let report = verify(gone);
    assert_finding(
        &report,
        FindingId::Nsec3ParamMissing,
        "example.",
        "no param",
    );
    // The apex NSEC3 bitmap still lists the NSEC3PARAM that is gone.
    assert_only(
        &report,
        &[FindingId::Nsec3ParamMissing, FindingId::Nsec3BitmapWrong],
        "no param",
    );

    let mut changed = records;
    let i = position(&changed, |r| r.rtype == Rtype::NSEC3PARAM);
    set_rdata(&mut changed[i], "1 0 3 abcd");
    let report = verify(changed);
    assert!(
        report.has(FindingId::Nsec3ParamMismatch),
        "{}",
        show(&report)
    );
    assert_finding(&report, FindingId::RrsigBadSignature, "example.", "param");
}

#[test]
fn json_report_uses_text_ids_and_names() {
    let Some((_dir, mut records)) = bind_sign(&[]) else {
        return;
    };
    let i = position(&records, |r| is_rrsig_over(r, "www.example.", Rtype::TXT));
    records.remove(i);
    let report = verify(records);
    let json = serde_json::to_value(&report).unwrap();
    let f = &json["findings"][0];
    assert_eq!(f["id"], "rrsig-missing");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["owner"], "www.example.");
    assert_eq!(f["rtype"], "TXT");
    assert!(json["stats"]["signatures_checked"].as_u64().unwrap() > 10);
}

#[test]
fn opt_out_chain_without_the_flag_misses_insecure_delegations() {
    let Some((_dir, mut records)) = bind_sign(&["-3", "-", "-H", "0", "-A"]) else {
        return;
    };
    let mut cleared = 0;
    for r in records.iter_mut().filter(|r| r.rtype == Rtype::NSEC3) {
        let mut data = r.rdata.to_vec();
        data[1] &= !1;
        r.rdata = data.into();
        cleared += 1;
    }
    assert!(cleared > 0);
    let report = verify(records);
    // BIND leaves out the insecure delegations and the empty non-terminal
    // that only leads to one; without opt-out they need NSEC3 records.
    for name in [
        "insecure.example.",
        "optent.example.",
        "deleg.optent.example.",
    ] {
        assert_finding(&report, FindingId::Nsec3Missing, name, "opt-out cleared");
    }
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.id == FindingId::Nsec3Missing
                && (f.owner == n("www.example.") || f.owner == n("secure.example.")))
    );
    assert_only(
        &report,
        &[FindingId::Nsec3Missing, FindingId::RrsigBadSignature],
        "opt-out cleared",
    );
}
