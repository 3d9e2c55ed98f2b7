//! The lab's own resolvers against Unbound: for every zoo fixture and the
//! lab's zones, the reference resolver, and a trainee's resolver once its
//! `resolver.conf` turns validation on with the lab anchor, must conclude
//! what Unbound concludes (secure with AD, insecure without, bogus as
//! SERVFAIL). Before that, the trainee's resolver does not validate.
//!
//! The lab has its own network, 127.135.0.0/16, on port 10053: the lab's
//! resolvers reach its servers there, and so does Unbound, through the stub
//! zones of `dnslab resolver-config`. Every query goes to loopback.

mod common;

use common::lab::{Lab, ok, qtype_number, resolve, sign_trainee_zone, start_unbound, wait_for};
use common::rcode_name;
use dnslab_testkit::peer;
use std::net::SocketAddr;

/// What a resolver concluded: the response code and the AD flag.
fn outcome(addr: SocketAddr, qname: &str, qtype: u16) -> String {
    match resolve(addr, qname, qtype) {
        Ok(r) => format!(
            "{}{}",
            rcode_name(r.response.rcode),
            if r.response.ad { " AD" } else { "" }
        ),
        Err(e) => format!("no answer ({e})"),
    }
}

#[test]
fn lab_resolvers_agree_with_unbound() {
    let Some(unbound) = peer("unbound") else {
        return;
    };
    let lab = Lab::from_yaml(
        "workshop: test-135\ntlds: [ne]\ntrainees:\n  names: [alice]\ntimers: workshop\n\
         zoo: true\naddresses:\n  base: 127.135.0.0/16\nport: 10053\n",
    );
    lab.up();
    let status = lab.status();
    let node = |name: &str| -> SocketAddr {
        let nodes = status["nodes"].as_array().unwrap();
        let n = nodes
            .iter()
            .find(|n| n["name"] == name)
            .unwrap_or_else(|| panic!("no node {name}"));
        assert_eq!(n["healthy"], true, "{n}");
        n["address"].as_str().unwrap().parse().unwrap()
    };
    let reference = node("reference-resolver");
    let trainee = node("alice-resolver");

    let dir = tempfile::tempdir().unwrap();
    let ub = start_unbound(
        &unbound,
        dir.path(),
        &lab,
        "127.135.200.1:5353".parse().unwrap(),
    );

    let catalogue: serde_json::Value =
        serde_json::from_str(&ok(lab.run(&["zoo", "--format", "json"]), "dnslab zoo"))
            .expect("zoo JSON");
    let mut queries: Vec<(String, u16)> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["qname"].as_str().unwrap().to_string(),
                qtype_number(f["qtype"].as_str().unwrap()),
            )
        })
        .collect();
    queries.extend([
        ("nic.ne.".to_string(), 1),
        ("ne.".to_string(), 48),
        ("www.alice.ne.".to_string(), 1),
        ("nx.nsec.zoo.".to_string(), 1),
    ]);

    // Before the trainee configures anything, their resolver does not validate.
    let before = outcome(trainee, "nic.ne.", 1);
    assert_eq!(before, "NOERROR", "validation is off at the start");

    // The trainee turns validation on with the lab's trust anchor (DS form).
    let ds = ok(lab.run(&["trust-anchor", "--format", "ds"]), "trust-anchor");
    let anchors: Vec<String> = ds
        .lines()
        .map(|l| format!("  - \"{}\"", l.trim()))
        .collect();
    let workspace = std::path::PathBuf::from(status["trainees"][0]["workspace"].as_str().unwrap());
    std::fs::write(
        workspace.join("resolver.conf"),
        format!("validation: on\ntrust_anchors:\n{}\n", anchors.join("\n")),
    )
    .unwrap();
    wait_for("alice's resolver validating", || {
        outcome(trainee, "nic.ne.", 1) == "NOERROR AD"
    });

    let mut report = String::new();
    let mut differences = Vec::new();
    for (qname, qtype) in &queries {
        let expected = outcome(ub.addr, qname, *qtype);
        for (who, addr) in [("reference", reference), ("alice", trainee)] {
            let got = outcome(addr, qname, *qtype);
            if got != expected {
                differences.push(format!("{who}: {qname} {qtype}: {got}, Unbound {expected}"));
            }
        }
        report.push_str(&format!("{qname:<30} {qtype:<3} Unbound {expected}\n"));
    }
    assert!(
        differences.is_empty(),
        "{} difference(s) with Unbound:\n  {}\n\n{report}",
        differences.len(),
        differences.join("\n  ")
    );

    // The trainee signs and submits a DS: their resolver (restarted, so with
    // an empty cache, when resolver.conf is written again) and a fresh
    // Unbound both say secure; after `ds withdraw`, both say insecure.
    let ksk_file = sign_trainee_zone(&lab, &workspace, "alice.ne.");
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            "alice",
            "--key",
            ksk_file.to_str().unwrap(),
        ]),
        "ds submit",
    );
    let conf = workspace.join("resolver.conf");
    let fresh_caches = |ub: common::lab::Unbound| {
        drop(ub);
        let text = std::fs::read_to_string(&conf).unwrap();
        std::fs::write(&conf, format!("{text}\n")).unwrap();
        start_unbound(
            &unbound,
            dir.path(),
            &lab,
            "127.135.200.1:5353".parse().unwrap(),
        )
    };
    let ub = fresh_caches(ub);
    wait_for("secure www.alice.ne. through Unbound", || {
        outcome(ub.addr, "www.alice.ne.", 1) == "NOERROR AD"
    });
    wait_for("secure www.alice.ne. through alice's resolver", || {
        outcome(trainee, "www.alice.ne.", 1) == "NOERROR AD"
    });
    ok(
        lab.run(&["ds", "withdraw", "--trainee", "alice"]),
        "ds withdraw",
    );
    let ub = fresh_caches(ub);
    assert_eq!(
        outcome(ub.addr, "www.alice.ne.", 1),
        "NOERROR",
        "Unbound: insecure after withdraw"
    );
    wait_for("insecure www.alice.ne. through alice's resolver", || {
        outcome(trainee, "www.alice.ne.", 1) == "NOERROR"
    });
}
