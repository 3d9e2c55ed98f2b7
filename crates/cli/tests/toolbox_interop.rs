//! The toolbox against BIND, ldns and Knot, through the `dnslab` binary:
//! our signed zones pass their verifiers, theirs pass ours, and our files
//! load in their tools. Each test skips (with a printed reason) when a peer
//! tool is missing, and fails instead under `DNSLAB_REQUIRE_PEERS=1`.

use dnslab_testkit::{peer, peers, printed, run};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ORIGIN: &str = "example.";

/// A zone with what a ccTLD or trainee zone holds: wildcard, empty
/// non-terminal, secure and insecure delegations with glue, CNAME, DNAME
/// and assorted types.
const ZONE: &str = "\
$TTL 3600
@           IN SOA ns1 hostmaster 2026112701 3600 900 1209600 300
@           IN NS  ns1
@           IN NS  ns2
@           IN MX  10 mail
@           IN TXT \"v=spf1 -all\"
@           IN CAA 0 issue \"ca.example.net\"
ns1         IN A   192.0.2.1
ns2         IN AAAA 2001:db8::2
mail        IN A   192.0.2.25
www         IN CNAME mail
*.apps      IN TXT \"wildcard\"
a.b.c       IN TXT \"below empty non-terminals\"
_sip._udp   IN SRV 0 5 5060 mail
old         IN DNAME example.net.
secure      IN NS  ns.secure
secure      IN DS  12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.secure   IN A   192.0.2.53
insecure    IN NS  ns.insecure
insecure    IN NS  ns1.example.net.
ns.insecure IN A   192.0.2.54
";

fn dnslab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
}

fn dnslab_run(args: &[&str]) -> Output {
    dnslab().args(args).output().expect("run dnslab")
}

fn ok(output: Output, what: &str) -> Output {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        printed(&output)
    );
    output
}

fn write_zone(dir: &Path) -> PathBuf {
    let path = dir.join("example.zone");
    std::fs::write(&path, ZONE).unwrap();
    path
}

fn generate(dir: &Path, algorithm: &str, ksk: bool) -> String {
    let mut args = vec![
        "key",
        "generate",
        "--zone",
        ORIGIN,
        "--algorithm",
        algorithm,
        "--dir",
    ];
    let d = dir.to_str().unwrap();
    args.push(d);
    if ksk {
        args.push("--ksk");
    }
    let out = ok(dnslab_run(&args), "dnslab key generate");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn sign(zone: &Path, keys: &Path, extra: &[&str], out: &Path) {
    let mut args = vec![
        "zone",
        "sign",
        zone.to_str().unwrap(),
        "--origin",
        ORIGIN,
        "--keys",
        keys.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-o", out.to_str().unwrap()]);
    ok(dnslab_run(&args), "dnslab zone sign");
}

fn peer_verifiers_accept(signed: &Path, label: &str) {
    let Some([dnssec_verify, ldns_verify, kzonecheck]) =
        peers(["dnssec-verify", "ldns-verify-zone", "kzonecheck"])
    else {
        return;
    };
    let s = signed.to_str().unwrap();
    let out = run(&dnssec_verify, &["-o", ORIGIN, s]);
    assert!(
        out.status.success(),
        "dnssec-verify rejects {label}:\n{}",
        printed(&out)
    );
    let out = run(&ldns_verify, &[s]);
    assert!(
        out.status.success(),
        "ldns-verify-zone rejects {label}:\n{}",
        printed(&out)
    );
    let out = run(&kzonecheck, &["-o", ORIGIN, "-d", "on", s]);
    assert!(
        out.status.success(),
        "kzonecheck -d on rejects {label}:\n{}",
        printed(&out)
    );
}

#[test]
fn our_signed_zones_pass_bind_ldns_and_knot_verifiers() {
    for algorithm in ["ECDSAP256SHA256", "ECDSAP384SHA384", "ED25519"] {
        let dir = tempfile::tempdir().unwrap();
        let zone = write_zone(dir.path());
        let keys = dir.path().join("keys");
        generate(&keys, algorithm, true);
        generate(&keys, algorithm, false);
        for (label, extra) in [
            ("nsec", &[][..]),
            ("nsec3", &["--nsec3"][..]),
            (
                "nsec3-optout-salt",
                &[
                    "--nsec3",
                    "--opt-out",
                    "--salt",
                    "A1B2C3D4",
                    "--iterations",
                    "0",
                ][..],
            ),
        ] {
            let out = dir.path().join(format!("signed-{label}"));
            sign(&zone, &keys, extra, &out);
            peer_verifiers_accept(&out, &format!("{algorithm} {label}"));
            let verify = dnslab_run(&["zone", "verify", out.to_str().unwrap(), "--origin", ORIGIN]);
            assert!(
                verify.status.success(),
                "dnslab zone verify {algorithm} {label}:\n{}",
                printed(&verify)
            );
        }
    }
}

#[test]
fn imported_rsa_keys_from_dnssec_keygen_sign_zones_bind_accepts() {
    let Some(keygen) = peer("dnssec-keygen") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let zone = write_zone(dir.path());
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let k = keys.to_str().unwrap();
    ok(
        run(
            &keygen,
            &[
                "-q",
                "-a",
                "RSASHA256",
                "-b",
                "2048",
                "-f",
                "KSK",
                "-K",
                k,
                ORIGIN,
            ],
        ),
        "dnssec-keygen KSK",
    );
    ok(
        run(
            &keygen,
            &["-q", "-a", "RSASHA256", "-b", "2048", "-K", k, ORIGIN],
        ),
        "dnssec-keygen ZSK",
    );
    for (label, extra) in [("nsec", &[][..]), ("nsec3", &["--nsec3"][..])] {
        let out = dir.path().join(format!("signed-rsa-{label}"));
        sign(&zone, &keys, extra, &out);
        peer_verifiers_accept(&out, &format!("RSASHA256 {label}"));
    }
}

/// Signs with BIND, ldns and Knot and checks that dnslab reads, round-trips and verifies the result.
#[test]
fn zones_signed_by_bind_ldns_and_knot_pass_dnslab_verify() {
    let Some([signzone, keygen, ldns_signzone, ldns_keygen]) = peers([
        "dnssec-signzone",
        "dnssec-keygen",
        "ldns-signzone",
        "ldns-keygen",
    ]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let zone = write_zone(dir.path());
    let d = dir.path().to_str().unwrap();
    let mut signed = Vec::new();

    // BIND, NSEC and NSEC3 with opt-out.
    let keys = dir.path().join("bind-keys");
    std::fs::create_dir(&keys).unwrap();
    let k = keys.to_str().unwrap();
    ok(
        run(
            &keygen,
            &["-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "-K", k, ORIGIN],
        ),
        "dnssec-keygen",
    );
    ok(
        run(&keygen, &["-q", "-a", "ECDSAP256SHA256", "-K", k, ORIGIN]),
        "dnssec-keygen",
    );
    for (label, extra) in [
        ("bind-nsec", &[][..]),
        ("bind-nsec3", &["-3", "-", "-A"][..]),
    ] {
        let out = dir.path().join(label);
        let mut args = vec![
            "-S",
            "-K",
            k,
            "-d",
            d,
            "-N",
            "keep",
            "-o",
            ORIGIN,
            "-f",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(zone.to_str().unwrap());
        ok(run(&signzone, &args), "dnssec-signzone");
        signed.push((label.to_string(), out));
    }

    // ldns, with its own keys.
    let ldns_dir = dir.path().join("ldns-keys");
    std::fs::create_dir(&ldns_dir).unwrap();
    let ksk = Command::new(&ldns_keygen)
        .current_dir(&ldns_dir)
        .args(["-a", "ECDSAP256SHA256", "-k", ORIGIN])
        .output()
        .unwrap();
    let zsk = Command::new(&ldns_keygen)
        .current_dir(&ldns_dir)
        .args(["-a", "ECDSAP256SHA256", ORIGIN])
        .output()
        .unwrap();
    let ksk = ldns_dir.join(
        String::from_utf8(ok(ksk, "ldns-keygen").stdout)
            .unwrap()
            .trim(),
    );
    let zsk = ldns_dir.join(
        String::from_utf8(ok(zsk, "ldns-keygen").stdout)
            .unwrap()
            .trim(),
    );
    for (label, extra) in [
        ("ldns-nsec", &[][..]),
        ("ldns-nsec3", &["-n", "-t", "0", "-p"][..]),
    ] {
        let out = dir.path().join(label);
        let mut args: Vec<&str> = vec!["-o", ORIGIN, "-f", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            zone.to_str().unwrap(),
            ksk.to_str().unwrap(),
            zsk.to_str().unwrap(),
        ]);
        ok(run(&ldns_signzone, &args), "ldns-signzone");
        signed.push((label.to_string(), out));
    }

    // Knot, with keys of its own.
    if peer("kzonesign").is_some() {
        for (label, nsec3) in [("knot-nsec", false), ("knot-nsec3", true)] {
            let out = dir.path().join(label);
            dnslab_testkit::knot::kzonesign_with_new_keys(&zone, ORIGIN, nsec3, &out)
                .unwrap_or_else(|e| panic!("kzonesign: {e}"));
            signed.push((label.to_string(), out));
        }
    }

    for (label, path) in &signed {
        let p = path.to_str().unwrap();
        let verify = dnslab_run(&["zone", "verify", p, "--origin", ORIGIN]);
        assert!(
            verify.status.success(),
            "dnslab zone verify rejects the {label} zone:\n{}",
            printed(&verify)
        );
        // Round trip: parse, write in canonical order, parse again: the same records, still valid.
        let copy = dir.path().join(format!("{label}.copy"));
        ok(
            dnslab_run(&[
                "zone",
                "check",
                p,
                "--origin",
                ORIGIN,
                "-o",
                copy.to_str().unwrap(),
            ]),
            "dnslab zone check -o",
        );
        let copy_again = dir.path().join(format!("{label}.copy2"));
        ok(
            dnslab_run(&[
                "zone",
                "check",
                copy.to_str().unwrap(),
                "--origin",
                ORIGIN,
                "-o",
                copy_again.to_str().unwrap(),
            ]),
            "dnslab zone check -o (second pass)",
        );
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(&copy_again).unwrap(),
            "{label}: write is stable"
        );
        let verify = dnslab_run(&["zone", "verify", copy.to_str().unwrap(), "--origin", ORIGIN]);
        assert!(
            verify.status.success(),
            "{label} after a round trip:\n{}",
            printed(&verify)
        );
        peer_verifiers_accept(&copy, &format!("{label} written by dnslab"));
    }
}

#[test]
fn ds_output_matches_dnssec_dsfromkey_and_ldns_key2ds() {
    let Some([dsfromkey, key2ds]) = peers(["dnssec-dsfromkey", "ldns-key2ds"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = generate(dir.path(), "ECDSAP256SHA256", true);
    let keyfile = dir.path().join(format!("{base}.key"));
    let k = keyfile.to_str().unwrap();
    let field = |text: &str| {
        text.split_whitespace()
            .skip_while(|w| *w != "DS")
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ours = field(
        &String::from_utf8(ok(dnslab_run(&["key", "ds", k]), "dnslab key ds").stdout).unwrap(),
    );
    let bind = field(
        &String::from_utf8(ok(run(&dsfromkey, &["-2", k]), "dnssec-dsfromkey").stdout).unwrap(),
    );
    assert_eq!(ours.to_uppercase(), bind.to_uppercase());
    let ldns = Command::new(&key2ds)
        .current_dir(dir.path())
        .args(["-n", "-2", k])
        .output()
        .unwrap();
    let ldns = field(&String::from_utf8(ok(ldns, "ldns-key2ds").stdout).unwrap());
    assert_eq!(ours.to_uppercase(), ldns.to_uppercase());
    let ours384 = field(
        &String::from_utf8(
            ok(
                dnslab_run(&["key", "ds", k, "--digest", "SHA384"]),
                "key ds",
            )
            .stdout,
        )
        .unwrap(),
    );
    let bind384 = field(
        &String::from_utf8(ok(run(&dsfromkey, &["-a", "SHA-384", k]), "dsfromkey").stdout).unwrap(),
    );
    assert_eq!(ours384.to_uppercase(), bind384.to_uppercase());
}

#[test]
fn exit_statuses_and_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let zone = write_zone(dir.path());
    let keys = dir.path().join("keys");
    generate(&keys, "ED25519", true);
    let signed = dir.path().join("signed");
    sign(&zone, &keys, &[], &signed);

    // Clean: 0. Tampered: 1 with the finding's id. Broken file: 2 with file:line:column.
    let s = signed.to_str().unwrap();
    assert_eq!(
        dnslab_run(&["zone", "verify", s, "--origin", ORIGIN])
            .status
            .code(),
        Some(0)
    );
    let text = std::fs::read_to_string(&signed)
        .unwrap()
        .replace("192.0.2.25", "192.0.2.26");
    let tampered = dir.path().join("tampered");
    std::fs::write(&tampered, text).unwrap();
    let out = dnslab_run(&[
        "zone",
        "verify",
        tampered.to_str().unwrap(),
        "--origin",
        ORIGIN,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("rrsig-bad-signature"),
        "{}",
        printed(&out)
    );
    // Verifying far in the future: the signatures have expired.
    let out = dnslab_run(&["zone", "verify", s, "--origin", ORIGIN, "--time", "now+30d"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("rrsig-expired"),
        "{}",
        printed(&out)
    );

    let broken = dir.path().join("broken.zone");
    std::fs::write(
        &broken,
        "$TTL 300\n@ SOA ns1 hostmaster 1 2 3 4 5\nwww A 192.0.2.300\n",
    )
    .unwrap();
    let out_path = dir.path().join("never-written");
    let out = dnslab_run(&[
        "zone",
        "sign",
        broken.to_str().unwrap(),
        "--origin",
        ORIGIN,
        "--keys",
        keys.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.zone:3:7:"),
        "error names file:line:column: {err}"
    );
    assert!(!out_path.exists(), "nothing written on error");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".dnslab-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");

    let out = dnslab_run(&["zone", "verify", "/nonexistent/zone", "--origin", ORIGIN]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn private_keys_are_created_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let base = generate(dir.path(), "ECDSAP256SHA256", false);
    let mode = std::fs::metadata(dir.path().join(format!("{base}.private")))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(base.starts_with("Kexample.+013+"), "{base}");
}

#[test]
fn demo_signs_and_verifies_a_sample_zone() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(
        dnslab_run(&["demo", "--dir", dir.path().to_str().unwrap()]),
        "dnslab demo",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 finding"), "{text}");
    peer_verifiers_accept_origin(&dir.path().join("demo.lab.zone.signed"), "demo.lab.");
}

fn peer_verifiers_accept_origin(signed: &Path, origin: &str) {
    let Some(dnssec_verify) = peer("dnssec-verify") else {
        return;
    };
    let out = run(&dnssec_verify, &["-o", origin, signed.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "dnssec-verify rejects the demo zone:\n{}",
        printed(&out)
    );
}
