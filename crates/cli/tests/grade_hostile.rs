//! Grading trainee servers that are down, broken or hostile: the grader
//! must finish, fail the checks with an explanation, and exit 1 — never
//! hang or crash. The lab runs on 127.139.0.0/16 with `nodes.auth` off,
//! so each trainee's address is free for the server the test plays.

mod common;

use common::lab::Lab;
use dnslab_testkit::printed;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

const LAB: &str = "workshop: grade-hostile\ntlds: [ne]\ntrainees:\n  names: [down, garbage, wrongid, silent]\n\
                   zone: \"{trainee}.{tld}\"\ntimers: workshop\nzoo: false\nnodes:\n  auth: false\n  resolver: false\n\
                   exercises: [sign-zone, ds-submission]\naddresses:\n  base: 127.139.0.0/16\nport: 10053\n";

/// Answers every UDP datagram with `reply(query)` until the test ends.
fn udp_server(addr: SocketAddr, reply: fn(&[u8]) -> Vec<Vec<u8>>) {
    let socket = UdpSocket::bind(addr).unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            for packet in reply(&buf[..n]) {
                let _ = socket.send_to(&packet, from);
            }
        }
    });
}

/// A TCP listener that accepts and never writes.
fn tcp_silent(addr: SocketAddr) {
    let listener = std::net::TcpListener::bind(addr).unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept() {
            held.push(stream);
        }
    });
}

fn garbage(_query: &[u8]) -> Vec<Vec<u8>> {
    vec![b"\xde\xad\xbe\xef not DNS at all".to_vec()]
}

/// Echoes the query as a response, with the id changed: every answer is
/// one a client must drop.
fn wrong_id(query: &[u8]) -> Vec<Vec<u8>> {
    let mut r = query.to_vec();
    if r.len() > 3 {
        r[0] ^= 0x5a;
        r[2] |= 0x80;
    }
    vec![r; 3]
}

fn silent(_query: &[u8]) -> Vec<Vec<u8>> {
    Vec::new()
}

#[test]
fn hostile_trainee_servers_fail_with_explanations() {
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let status = lab.status();
    let address = |name: &str| -> SocketAddr {
        status["trainees"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == name))
            .and_then(|t| t["auth"].as_str())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no auth address for {name} in {status}"))
    };
    udp_server(address("garbage"), garbage);
    tcp_silent(address("garbage"));
    udp_server(address("wrongid"), wrong_id);
    udp_server(address("silent"), silent);
    tcp_silent(address("silent"));

    let started = Instant::now();
    let out = lab.run(&["grade", "--format", "json"]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    // Bounded: probes have timeouts and bounded retries (a hang would
    // block here forever; this only guards against that).
    assert!(
        elapsed < Duration::from_secs(120),
        "grading took {elapsed:?}"
    );
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let reports = reports.as_array().expect("an array");
    assert_eq!(reports.len(), 8, "4 trainees x 2 exercises");
    let check = |trainee: &str, exercise: &str, id: &str| -> serde_json::Value {
        reports
            .iter()
            .find(|r| r["trainee"] == trainee && r["exercise"] == exercise)
            .and_then(|r| r["checks"].as_array())
            .and_then(|cs| cs.iter().find(|c| c["id"] == id).cloned())
            .unwrap_or_else(|| panic!("no {id} for {trainee}/{exercise}"))
    };
    for (trainee, says) in [
        ("down", "refused"),
        ("garbage", "not DNS"),
        ("wrongid", "wrong id"),
        ("silent", "no answer"),
    ] {
        for r in reports.iter().filter(|r| r["trainee"] == trainee) {
            assert_eq!(r["passed"], false, "{r}");
        }
        let served = check(trainee, "sign-zone", "zone-served");
        assert_eq!(served["status"], "fail", "{served}");
        let message = served["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(says) && message.contains(&address(trainee).to_string()),
            "{trainee}: {message:?} should say {says:?} and name the server"
        );
        assert!(!served["hint"].as_str().unwrap_or_default().is_empty());
        let chain = check(trainee, "ds-submission", "chain-secure");
        assert_eq!(chain["status"], "fail", "{chain}");
        assert!(
            chain["message"]
                .as_str()
                .unwrap_or_default()
                .contains(trainee),
            "{chain}"
        );
    }
}
