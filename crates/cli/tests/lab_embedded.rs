//! The embedded backend end to end: `dnslab up --detach`, `status`, a
//! trainee signing and submitting DS, `ds withdraw`, `reset`, `kill -9` and
//! resume, `down`, and Unbound and delv validating through the lab.
//!
//! Each test writes its own lab file on its own 127.x network, so tests run
//! in parallel without clashing; every request goes to those loopback
//! addresses only.

mod common;

use common::lab::{Lab, ok, sign_trainee_zone, start_unbound, wait_for};
use common::{Flags, query};
use dnslab_testkit::{peers, printed};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A two-TLD lab with alice and bob on 127.<octet>.0.0/16.
fn two_trainee_lab(octet: u8, port: u16) -> Lab {
    Lab::from_yaml(&format!(
        "workshop: test-{octet}\ntlds: [ne, tg]\ntrainees:\n  names: [alice, bob]\ntimers: workshop\n\
         exercises: [sign-zone, ds-submission]\naddresses:\n  base: 127.{octet}.0.0/16\nport: {port}\n"
    ))
}

/// A recursive query through a resolver; the response only.
fn resolve(addr: SocketAddr, qname: &str, qtype: u16) -> Result<common::Response, String> {
    common::lab::resolve(addr, qname, qtype).map(|r| r.response)
}

fn addr_of(status: &serde_json::Value, node: &str) -> SocketAddr {
    let nodes = status["nodes"].as_array().unwrap();
    let n = nodes
        .iter()
        .find(|n| n["name"] == node)
        .unwrap_or_else(|| panic!("no node {node}"));
    n["address"].as_str().unwrap().parse().unwrap()
}

fn dnssec() -> Flags {
    Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    }
}

#[test]
fn up_status_ds_reset_crash_and_down() {
    let lab = two_trainee_lab(131, 10053);
    let out = lab.up();
    assert!(out.contains("is up"), "{out}");
    // Idempotent: a second `up` reports the running lab.
    assert!(lab.up().contains("already running"));

    let status = lab.status();
    assert_eq!(status["backend"], "embedded");
    assert_eq!(status["running"], true);
    for node in status["nodes"].as_array().unwrap() {
        if !node["role"].as_str().unwrap().contains("resolver") {
            assert_eq!(node["healthy"], true, "{node}");
        }
    }
    let trainees = status["trainees"].as_array().unwrap();
    let alice = trainees.iter().find(|t| t["name"] == "alice").unwrap();
    assert_eq!(
        alice["zone"], "alice.ne.",
        "round-robin TLDs: alice under ne"
    );
    let bob = trainees.iter().find(|t| t["name"] == "bob").unwrap();
    assert_eq!(bob["zone"], "bob.tg.");
    let workspace = PathBuf::from(alice["workspace"].as_str().unwrap());
    let alice_auth: SocketAddr = alice["auth"].as_str().unwrap().parse().unwrap();
    let tld = addr_of(&status, "tld-ne");
    assert!(
        std::fs::read_dir(&workspace).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('K')),
        "no key in a trainee workspace"
    );

    // The trainee signs; the node serves the signed zone; the DS goes in.
    let ksk = sign_trainee_zone(&lab, &workspace, "alice.ne.");
    wait_for("alice's signed zone", || {
        query(alice_auth, "www.alice.ne.", 1, dnssec())
            .is_ok_and(|r| r.answer.iter().any(|x| x.rtype == 46))
    });
    assert!(
        lab.status()["trainees"][0]["zone_file"]
            .as_str()
            .unwrap()
            .ends_with(".signed")
    );
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            "alice",
            "--key",
            ksk.to_str().unwrap(),
        ]),
        "ds submit",
    );
    wait_for("the DS in ne.", || {
        query(tld, "alice.ne.", 43, dnssec()).is_ok_and(|r| r.answer.iter().any(|x| x.rtype == 43))
    });
    let shown = ok(lab.run(&["ds", "show", "--trainee", "alice"]), "ds show");
    assert!(
        shown.contains("alice.ne.") && shown.contains("DS"),
        "{shown}"
    );
    ok(
        lab.run(&["ds", "withdraw", "--trainee", "alice"]),
        "ds withdraw",
    );
    wait_for("the DS gone", || {
        query(tld, "alice.ne.", 43, dnssec()).is_ok_and(|r| r.answer.is_empty() && r.rcode == 0)
    });
    let bad = lab.run(&[
        "ds",
        "submit",
        "--trainee",
        "alice",
        "--ds",
        "bob.tg. IN DS 1 13 2 00",
    ]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a DS for another zone is refused"
    );

    // Reset in under 2 s, the signed file gone, the unsigned zone served again.
    let t = Instant::now();
    ok(lab.run(&["reset", "alice"]), "reset");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "reset took {:?}",
        t.elapsed()
    );
    wait_for("the unsigned zone", || {
        query(alice_auth, "www.alice.ne.", 1, dnssec())
            .is_ok_and(|r| !r.answer.is_empty() && r.answer.iter().all(|x| x.rtype != 46))
    });

    // kill -9 of the supervisor, then `up` resumes with the same lab keys.
    let anchor = ok(lab.run(&["trust-anchor"]), "trust-anchor");
    let pid = lab.status()["pid"].as_u64().expect("running supervisor") as u32;
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    wait_for("the supervisor gone", || lab.status()["running"] == false);
    lab.up();
    assert_eq!(
        ok(lab.run(&["trust-anchor"]), "trust-anchor"),
        anchor,
        "same keys after a crash"
    );
    assert!(query(tld, "ne.", 6, dnssec()).is_ok_and(|r| r.rcode == 0 && r.aa));

    ok(lab.run(&["down"]), "down");
    assert_eq!(lab.status()["running"], false);
    assert!(
        query(
            tld,
            "ne.",
            6,
            Flags {
                tcp: false,
                ..dnssec()
            }
        )
        .is_err(),
        "nothing answers after down"
    );
    assert!(workspace.exists(), "workspaces stay after down");
    ok(lab.run(&["down", "--purge"]), "down --purge");
    assert!(!lab.state.exists(), "--purge removes the state directory");
}

fn validated(r: &common::Response) -> bool {
    r.ad && r.rcode == 0
}

#[test]
fn unbound_and_delv_validate_the_lab_chain() {
    let Some([unbound, delv]) = peers(["unbound", "delv"]) else {
        return;
    };
    let lab = two_trainee_lab(132, 10053);
    lab.up();
    let status = lab.status();
    let alice = &status["trainees"].as_array().unwrap()[0];
    let workspace = PathBuf::from(alice["workspace"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let resolver: SocketAddr = "127.132.200.1:5353".parse().unwrap();
    let ub = start_unbound(&unbound, dir.path(), &lab, resolver);

    let r = resolve(ub.addr, "nic.ne.", 1).unwrap();
    assert!(validated(&r), "lab zones are secure: {}", r.header_text());
    let r = resolve(ub.addr, "www.alice.ne.", 1).unwrap();
    assert!(
        r.rcode == 0 && !r.ad && !r.answer.is_empty(),
        "unsigned trainee zone is insecure: {}",
        r.header_text()
    );

    let ksk = sign_trainee_zone(&lab, &workspace, "alice.ne.");
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            "alice",
            "--key",
            ksk.to_str().unwrap(),
        ]),
        "ds submit",
    );
    drop(ub); // a fresh cache
    let ub = start_unbound(&unbound, dir.path(), &lab, resolver);
    wait_for("AD for the signed trainee zone", || {
        resolve(ub.addr, "www.alice.ne.", 1).is_ok_and(|r| validated(&r))
    });

    // delv, with the lab trust anchor, through Unbound.
    let anchor_file = dir.path().join("anchor.conf");
    std::fs::write(
        &anchor_file,
        ok(
            lab.run(&["trust-anchor", "--format", "bind"]),
            "trust-anchor",
        ),
    )
    .unwrap();
    // What delv (BIND's validator, through Unbound) says of www.alice.ne. A.
    let delv_says = || {
        printed(
            &Command::new(&delv)
                .args([
                    "@127.132.200.1",
                    "-p",
                    "5353",
                    "-a",
                    anchor_file.to_str().unwrap(),
                    "+root=.",
                    "www.alice.ne.",
                    "A",
                ])
                .output()
                .unwrap(),
        )
    };
    let text = delv_says();
    assert!(text.contains("fully validated"), "delv:\n{text}");

    ok(
        lab.run(&["ds", "withdraw", "--trainee", "alice"]),
        "ds withdraw",
    );
    drop(ub);
    let ub = start_unbound(&unbound, dir.path(), &lab, resolver);
    let r = resolve(ub.addr, "www.alice.ne.", 1).unwrap();
    assert!(
        r.rcode == 0 && !r.ad,
        "insecure again after withdraw: {}",
        r.header_text()
    );
    // delv agrees: the answer is now unsigned (insecure), not validated.
    let text = delv_says();
    assert!(
        text.contains("unsigned answer") && !text.contains("fully validated"),
        "delv after withdraw:\n{text}"
    );
    drop(ub);
}

/// A new KSK for alice.ne. in `dir` with SyncPublish in the past, so that
/// signing publishes CDS and CDNSKEY for it; returns its base name.
fn sync_published_ksk(lab: &Lab, dir: &Path) -> String {
    let d = dir.to_str().unwrap();
    let base = ok(
        lab.run(&[
            "key",
            "generate",
            "--zone",
            "alice.ne.",
            "--ksk",
            "--dir",
            d,
        ]),
        "key generate",
    );
    let private = dir.join(format!("{}.private", base.trim()));
    let mut text = std::fs::read_to_string(&private).unwrap();
    text.push_str("SyncPublish: 20200101000000\n");
    std::fs::write(&private, text).unwrap();
    base
}

/// RFC 7344 / RFC 8078 scanning by the TLD: a CDS for a new KSK replaces
/// the DS, a CDS signed by a key the DS set does not cover is refused (and
/// the reason logged), and the delete form removes the DS.
#[test]
fn cds_scanning_follows_the_child() {
    let lab = Lab::from_yaml(
        "workshop: cds-test\ntlds: [ne]\ntrainees:\n  names: [alice]\ntimers: workshop\n\
         cds_scan:\n  enabled: true\n  interval: 1s\naddresses:\n  base: 127.134.0.0/16\nport: 10053\n",
    );
    lab.up();
    let status = lab.status();
    let tld = addr_of(&status, "tld-ne");
    let workspace = PathBuf::from(status["trainees"][0]["workspace"].as_str().unwrap());
    let zone_file = workspace.join("alice.ne.zone");
    let sign = |keys: &Path| {
        ok(
            lab.run(&[
                "zone",
                "sign",
                zone_file.to_str().unwrap(),
                "--origin",
                "alice.ne.",
                "--keys",
                keys.to_str().unwrap(),
            ]),
            "zone sign",
        )
    };
    let ds_in_tld = || -> Vec<String> {
        query(tld, "alice.ne.", 43, dnssec())
            .map(|r| {
                r.answer
                    .iter()
                    .filter(|x| x.rtype == 43)
                    .map(|x| common::rdata_text(43, &x.rdata))
                    .collect()
            })
            .unwrap_or_default()
    };
    let tag_of = |base: &str| {
        base.trim()
            .rsplit('+')
            .next()
            .unwrap()
            .trim_start_matches('0')
            .to_string()
    };

    // KSK1 + ZSK, DS submitted by hand.
    let keys = workspace.join("keys");
    let k = keys.to_str().unwrap();
    let ksk1 = ok(
        lab.run(&[
            "key",
            "generate",
            "--zone",
            "alice.ne.",
            "--ksk",
            "--dir",
            k,
        ]),
        "key generate",
    );
    ok(
        lab.run(&["key", "generate", "--zone", "alice.ne.", "--dir", k]),
        "key generate",
    );
    sign(&keys);
    let ksk1_file = keys.join(format!("{}.key", ksk1.trim()));
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            "alice",
            "--key",
            ksk1_file.to_str().unwrap(),
        ]),
        "ds submit",
    );
    wait_for("the first DS", || {
        ds_in_tld()
            .iter()
            .any(|d| d.starts_with(&format!("{} ", tag_of(&ksk1))))
    });

    // KSK2 published with SyncPublish: the zone now carries CDS/CDNSKEY for it.
    let ksk2 = sync_published_ksk(&lab, &keys);
    sign(&keys);
    wait_for("the DS of KSK2 from its CDS", || {
        let ds = ds_in_tld();
        ds.len() == 1 && ds[0].starts_with(&format!("{} ", tag_of(&ksk2)))
    });

    // A CDS signed only by a key the DS set does not cover: refused, logged.
    let stranger = workspace.join("stranger-keys");
    sync_published_ksk(&lab, &stranger);
    sign(&stranger);
    wait_for("the refusal in cds.log", || {
        std::fs::read_to_string(lab.state.join("cds.log")).is_ok_and(|log| log.contains("refused"))
    });
    assert!(
        ds_in_tld()[0].starts_with(&format!("{} ", tag_of(&ksk2))),
        "the DS stays"
    );

    // The delete form, signed by the trusted KSK2 (no longer sync-published): the DS goes.
    let ksk2_private = keys.join(format!("{}.private", ksk2.trim()));
    let text = std::fs::read_to_string(&ksk2_private).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("SyncPublish"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&ksk2_private, text).unwrap();
    let mut source = std::fs::read_to_string(&zone_file).unwrap();
    source.push_str("\n@ IN CDS 0 0 0 00\n@ IN CDNSKEY 0 3 0 AA==\n");
    std::fs::write(&zone_file, source).unwrap();
    sign(&keys);
    wait_for("no DS after the delete CDS", || ds_in_tld().is_empty());
    let log = std::fs::read_to_string(lab.state.join("cds.log")).unwrap();
    assert!(log.contains("delete"), "{log}");
}
