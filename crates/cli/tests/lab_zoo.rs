//! The bogus zoo end to end: `dnslab up` with the zoo, then Unbound (with
//! the lab's root hints and trust anchor) resolves every fixture of
//! `dnslab zoo --format json` and must conclude what the catalogue says:
//! secure (AD), insecure (no AD) or bogus (SERVFAIL). Extended DNS Errors
//! are reported against the accepted codes, not enforced. delv checks one
//! secure and one bogus fixture on its own.
//!
//! The lab has its own network, 127.133.0.0/16, on port 10053 (no
//! privileges; Unbound reaches it through the stub zones of `dnslab
//! resolver-config`); every query goes to loopback.

mod common;

use common::lab::{Lab, dnslab, ok, qtype_number, resolve, start_unbound};
use common::{Flags, query, rcode_name};
use dnslab_testkit::{peer, peers, printed};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::Command;

/// Whether a response is what the catalogue expects; `None` if so, else
/// why not.
fn mismatch(expect: &str, rcode: &str, r: &common::Response) -> Option<String> {
    let got = rcode_name(r.rcode);
    let problem = match expect {
        "secure" if got != rcode => Some(format!("expected {rcode} with AD")),
        "secure" if !r.ad => Some("expected AD (secure), AD not set".to_string()),
        "insecure" if got != rcode => Some(format!("expected {rcode} without AD")),
        "insecure" if r.ad => Some("expected no AD (insecure), AD set".to_string()),
        "bogus" if got != "SERVFAIL" => Some("expected SERVFAIL (bogus)".to_string()),
        "secure" | "insecure" | "bogus" => None,
        other => Some(format!("unknown expectation {other:?}")),
    };
    problem.map(|p| format!("{p}; got {}", r.header_text()))
}

#[test]
fn unbound_finds_every_fixture_of_the_zoo_as_catalogued() {
    let Some([unbound, delv]) = peers(["unbound", "delv"]) else {
        return;
    };
    let lab = Lab::from_yaml(
        "workshop: test-133\ntlds: [ne]\ntrainees:\n  names: [alice]\ntimers: workshop\n\
         zoo: true\naddresses:\n  base: 127.133.0.0/16\nport: 10053\n",
    );
    lab.up();
    let catalogue: serde_json::Value = serde_json::from_str(&ok(
        lab.run(&["zoo", "--format", "json"]),
        "dnslab zoo --format json",
    ))
    .expect("zoo JSON");
    let fixtures = catalogue.as_array().expect("a list");
    assert!(fixtures.len() >= 15, "{catalogue}");

    // The point of big-dnskey: its DNSKEY answer does not fit 1232 octets
    // over UDP, and comes whole over TCP.
    let zoo_node: SocketAddr = "127.133.2.1:10053".parse().unwrap();
    let udp = Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    };
    let r = query(zoo_node, "big-dnskey.zoo.", 48, udp).unwrap();
    assert!(r.tc, "big-dnskey over UDP: {}", r.header_text());
    let r = query(zoo_node, "big-dnskey.zoo.", 48, Flags { tcp: true, ..udp }).unwrap();
    assert!(
        !r.tc && r.size > 1232 && r.answer.iter().filter(|x| x.rtype == 48).count() > 10,
        "big-dnskey over TCP: {} octets, {}",
        r.size,
        r.header_text()
    );

    let dir = tempfile::tempdir().unwrap();
    let resolver: SocketAddr = "127.133.200.1:5353".parse().unwrap();
    let ub = start_unbound(&unbound, dir.path(), &lab, resolver);

    let mut report = String::new();
    let mut mismatches = Vec::new();
    let mut ede_notes = Vec::new();
    let _ = writeln!(
        report,
        "{:<22} {:<32} {:<9} {:<30} EDE (accepted)",
        "fixture", "query", "expect", "Unbound"
    );
    for f in fixtures {
        let name = f["name"].as_str().unwrap();
        let qname = f["qname"].as_str().unwrap();
        let qtype = f["qtype"].as_str().unwrap();
        let expect = f["expect"].as_str().unwrap();
        let rcode = f["rcode"].as_str().unwrap();
        let accepted: Vec<u16> = f["ede"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as u16)
            .collect();
        let (got, ede) = match resolve(ub.addr, qname, qtype_number(qtype)) {
            Ok(r) => {
                if let Some(why) = mismatch(expect, rcode, &r.response) {
                    mismatches.push(format!("{name} ({qname} {qtype}): {why}"));
                }
                let codes: Vec<String> = r
                    .ede
                    .iter()
                    .map(|(code, text)| {
                        let verdict = if accepted.contains(code) {
                            "accepted"
                        } else {
                            ede_notes.push(format!(
                                "{name}: EDE {code} ({text}) is not in the accepted list {accepted:?}"
                            ));
                            "NOT accepted"
                        };
                        format!("{code} {verdict} \"{text}\"")
                    })
                    .collect();
                (
                    format!(
                        "{}{}",
                        rcode_name(r.response.rcode),
                        if r.response.ad { " AD" } else { "" }
                    ),
                    if codes.is_empty() {
                        "none".to_string()
                    } else {
                        codes.join("; ")
                    },
                )
            }
            Err(e) => {
                mismatches.push(format!("{name} ({qname} {qtype}): no answer: {e}"));
                ("no answer".to_string(), String::new())
            }
        };
        let _ = writeln!(
            report,
            "{name:<22} {qname:<32} {expect:<9} {got:<30} {ede} ({accepted:?})"
        );
    }

    // The NSEC baseline also proves an NXDOMAIN: the counterpart of
    // no-nxdomain-proof.
    match resolve(ub.addr, "nx.nsec.zoo.", 1) {
        Ok(r) => {
            if let Some(why) = mismatch("secure", "NXDOMAIN", &r.response) {
                mismatches.push(format!("nx.nsec.zoo. A (NSEC NXDOMAIN proof): {why}"));
            }
        }
        Err(e) => mismatches.push(format!("nx.nsec.zoo. A: no answer: {e}")),
    }

    println!("{report}");
    for note in &ede_notes {
        println!("note: {note}");
    }
    if !mismatches.is_empty() {
        let log = std::fs::read_to_string(&ub.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        panic!(
            "{} fixture(s) not as catalogued:\n  {}\n\n{report}\nUnbound log (end):\n{}",
            mismatches.len(),
            mismatches.join("\n  "),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }

    // delv validates on its own (through Unbound, with CD): one secure
    // fixture, one bogus.
    let anchor_file = dir.path().join("anchor.conf");
    std::fs::write(
        &anchor_file,
        ok(
            lab.run(&["trust-anchor", "--format", "bind"]),
            "trust-anchor",
        ),
    )
    .unwrap();
    let delv_query = |qname: &str| {
        let out = Command::new(&delv)
            .args([
                "@127.133.200.1",
                "-p",
                "5353",
                "-a",
                anchor_file.to_str().unwrap(),
                "+root=.",
                qname,
                "A",
            ])
            .output()
            .unwrap();
        printed(&out)
    };
    let secure = delv_query("www.nsec.zoo.");
    assert!(secure.contains("fully validated"), "delv:\n{secure}");
    let bogus = delv_query("www.expired.zoo.");
    assert!(
        bogus.contains("resolution failed") && !bogus.contains("fully validated"),
        "delv:\n{bogus}"
    );
    drop(ub);
    let _ = peer("unbound");
}

#[test]
fn the_catalogue_needs_no_lab() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nothing-here");
    let text = ok(dnslab(&state, &["zoo"]), "dnslab zoo");
    assert!(text.contains("www.expired.zoo."), "{text}");
    let json: serde_json::Value = serde_json::from_str(&ok(
        dnslab(&state, &["zoo", "--format", "json"]),
        "zoo json",
    ))
    .unwrap();
    for f in json.as_array().unwrap() {
        for key in ["name", "qname", "qtype", "expect", "ede"] {
            assert!(!f[key].is_null(), "{key} in {f}");
        }
        assert!(f["qname"].as_str().unwrap().ends_with(".zoo."));
        assert!(["secure", "insecure", "bogus"].contains(&f["expect"].as_str().unwrap()));
    }
}
