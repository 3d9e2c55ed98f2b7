//! BIND's `delv` validates what the server under test serves: the lab
//! zones (NSEC, NSEC3, NSEC3 opt-out), the lab. KSK as a static trust
//! anchor, and one answer of each kind (positive, NODATA, NXDOMAIN,
//! wildcard, CNAME, the signed child) must print "fully validated".
//!
//! The server is `common::UNDER_TEST` (NSD proves the test; `dnslab serve`
//! is the subject). Skips with a printed reason without delv (or NSD, when
//! NSD is the server); fails instead under `DNSLAB_REQUIRE_PEERS=1`.

mod common;

use common::*;
use dnslab_testkit::peer;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Name, type, what the answer is, and a text the output must hold.
/// Positive wildcard answers are marked "wildcard" in the third field.
const CASES: &[(&str, &str, &str, &str)] = &[
    ("lab.", "SOA", "apex", "2026112801"),
    ("lab.", "DNSKEY", "apex DNSKEY", "DNSKEY"),
    ("www.lab.", "A", "positive", "192.0.2.80"),
    ("www.lab.", "MX", "NODATA", "NXRRSET"),
    (
        "b.c.lab.",
        "TXT",
        "NODATA at an empty non-terminal",
        "NXRRSET",
    ),
    ("nope.lab.", "A", "NXDOMAIN", "NXDOMAIN"),
    (
        "a.nope.lab.",
        "AAAA",
        "NXDOMAIN two labels down",
        "NXDOMAIN",
    ),
    ("foo.w.lab.", "A", "wildcard", "192.0.2.99"),
    (
        "bar.foo.w.lab.",
        "TXT",
        "wildcard, two labels down",
        "\"wildcard\"",
    ),
    ("foo.w.lab.", "MX", "wildcard NODATA", "NXRRSET"),
    ("x.w.lab.", "TXT", "NODATA beside a wildcard", "NXRRSET"),
    ("c1.lab.", "A", "CNAME chain", "192.0.2.80"),
    ("_sip._udp.lab.", "SRV", "SRV", "5060"),
    ("secure.lab.", "DS", "DS at the secure cut", "DS"),
    (
        "insecure.lab.",
        "DS",
        "no DS at the insecure cut",
        "NXRRSET",
    ),
    ("www.secure.lab.", "A", "signed child", "192.0.2.180"),
    (
        "foo.wild.secure.lab.",
        "TXT",
        "wildcard, in the child",
        "child wildcard",
    ),
    ("nx.secure.lab.", "A", "NXDOMAIN in the child", "NXDOMAIN"),
    ("www.secure.lab.", "TXT", "NODATA in the child", "NXRRSET"),
];

fn delv_validates(denial: Denial) {
    let Some(delv) = peer("delv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let lab = build_lab_zones(&dir.path().join("zones"), denial);
    let server = match under_test() {
        UnderTest::Nsd => {
            let (Some(nsd), Some(checkconf)) = (peer("nsd"), peer("nsd-checkconf")) else {
                return;
            };
            start_under_test(&nsd, &checkconf, &dir.path().join("server"), &lab.zones)
        }
        UnderTest::Dnslab => start_dnslab(&dir.path().join("server"), &lab.zones),
    };
    assert!(loopback(server.addr));
    let anchor = dir.path().join("anchor.conf");
    let (flags, rest) = lab.lab_ksk.split_once(' ').unwrap();
    let (proto, rest) = rest.split_once(' ').unwrap();
    let (alg, key) = rest.split_once(' ').unwrap();
    std::fs::write(
        &anchor,
        format!("trust-anchors {{\n    lab. static-key {flags} {proto} {alg} \"{key}\";\n}};\n"),
    )
    .unwrap();

    let mut failures = Vec::new();
    for (i, &(name, qtype, what, expect)) in CASES.iter().enumerate() {
        // Every case over UDP; every third over TCP too.
        for tcp in [false, true] {
            if tcp && i % 3 != 0 {
                continue;
            }
            let out = run_delv(&delv, dir.path(), &server, &anchor, name, qtype, tcp);
            let transport = if tcp { "tcp" } else { "udp" };
            let status = expected_status(denial, what);
            if !out.contains(status) || !out.contains(expect) {
                failures.push(format!(
                    "{name} {qtype} ({what}, {transport}): expected {status:?} and {expect:?}:\n{out}"
                ));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "delv does not validate {} of {} answers from {} ({}) with the lab. KSK as trust anchor\n\
             ({} zones; anchor file {}):\n\n{}\n{}",
            failures.len(),
            CASES.len(),
            server.name,
            server.addr,
            denial.label(),
            std::fs::read_to_string(&anchor).unwrap(),
            failures.join("\n"),
            server.logs_text()
        );
    }
    eprintln!(
        "{}: delv fully validated {} answers from {} on {}",
        denial.label(),
        CASES.len(),
        server.name,
        server.addr
    );
}

/// What delv must say about the answer.
///
/// With NSEC3 opt-out every NSEC3 of the chain has the opt-out flag, so
/// the NSEC3 that covers the next closer name of a wildcard answer (RFC
/// 5155 section 8.8) spans names where an unsigned delegation could be:
/// BIND then accepts the wildcard answer only as insecure ("unsigned
/// answer"), and does so with NSD too. (Its NODATA proof for the DS of
/// the insecure delegation still counts as fully validated.)
fn expected_status(denial: Denial, what: &str) -> &'static str {
    let wildcard_answer = what == "wildcard" || what.starts_with("wildcard,");
    if denial == Denial::Nsec3OptOut && wildcard_answer {
        "; unsigned answer"
    } else {
        "fully validated"
    }
}

/// `delv @ADDR -p PORT -a ANCHOR +root=lab. NAME TYPE`, killed after 60 s;
/// its stdout and stderr together.
fn run_delv(
    delv: &Path,
    dir: &Path,
    server: &Server,
    anchor: &Path,
    name: &str,
    qtype: &str,
    tcp: bool,
) -> String {
    let out_path = dir.join("delv.out");
    let mut cmd = Command::new(delv);
    cmd.arg(format!("@{}", server.addr.ip()))
        .args(["-4", "-p", &server.addr.port().to_string(), "-a"])
        .arg(anchor)
        .arg("+root=lab.");
    if tcp {
        cmd.arg("+tcp");
    }
    cmd.args([name, qtype]);
    let invocation = format!("{cmd:?}");
    let file = std::fs::File::create(&out_path).unwrap();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", delv.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.to_string();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break "killed after 60 s".to_string();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let printed = std::fs::read_to_string(&out_path).unwrap_or_default();
    format!("$ {invocation}\n({status})\n{printed}")
}

#[test]
fn delv_validates_nsec_answers() {
    delv_validates(Denial::Nsec);
}

#[test]
fn delv_validates_nsec3_answers() {
    delv_validates(Denial::Nsec3);
}

#[test]
fn delv_validates_nsec3_opt_out_answers() {
    delv_validates(Denial::Nsec3OptOut);
}
