//! What grading and `dnslab status` say when the lab, or a trainee's
//! file, is not in order: a signed file that stops loading (the server
//! keeps the last good zone; status and grade name the error's
//! file:line:column), a stopped lab (grade exits 2 with no score and says
//! what to run), and a trainee's server that serves nothing while the lab
//! runs (the trainee's failure: graded, exit 1). Also: the supervisor's
//! log file carries no terminal escape codes.
//!
//! The lab runs on 127.151.0.0/16, port 10053; every query goes there.

mod common;

use common::lab::{Lab, ok, sign_trainee_zone, wait_for};
use common::{Flags, query};
use dnslab_testkit::printed;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

const LAB: &str = "workshop: grade-lab-state\ntlds: [ne]\ntrainees:\n  names: [alice, bob]\n\
                   zone: \"{trainee}.{tld}\"\ntimers: workshop\nzoo: false\nnodes:\n  resolver: false\n\
                   exercises: [sign-zone]\naddresses:\n  base: 127.151.0.0/16\nport: 10053\n";

fn dnssec() -> Flags {
    Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    }
}

/// The status node of `trainee`'s authoritative server.
fn auth_node(status: &serde_json::Value, trainee: &str) -> serde_json::Value {
    status["nodes"]
        .as_array()
        .and_then(|ns| {
            ns.iter()
                .find(|n| n["trainee"] == trainee && n["role"] == "auth")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no auth node for {trainee} in {status}"))
}

/// `dnslab grade --exercise sign-zone --trainee T --format json`: the exit
/// code and the one report.
fn grade(lab: &Lab, trainee: &str) -> (Option<i32>, serde_json::Value) {
    let out = lab.run(&[
        "grade",
        "--exercise",
        "sign-zone",
        "--trainee",
        trainee,
        "--format",
        "json",
    ]);
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("grade JSON: {e}\n{}", printed(&out)));
    (out.status.code(), reports[0].clone())
}

fn check<'r>(report: &'r serde_json::Value, id: &str) -> &'r serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

/// Appends a record whose address is out of range; returns its line and
/// the column of the address.
fn append_bad_record(file: &Path, owner: &str) -> (usize, usize) {
    let mut text = std::fs::read_to_string(file).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let line = text.lines().count() + 1;
    let prefix = format!("{owner} 300 IN A ");
    text.push_str(&format!("{prefix}192.0.2.300\n"));
    std::fs::write(file, text).unwrap();
    (line, prefix.len() + 1)
}

/// The supervisor's log: no ESC byte (colour codes belong to terminals).
fn assert_plain_log(state: &Path, must_contain: &str) {
    let log = std::fs::read(state.join("supervisor.log")).expect("supervisor.log");
    let text = String::from_utf8_lossy(&log);
    assert!(
        !log.contains(&0x1b),
        "escape codes in supervisor.log:\n{text}"
    );
    assert!(
        text.contains(must_contain),
        "{must_contain:?} not in:\n{text}"
    );
}

#[test]
fn broken_files_and_a_stopped_lab_are_told_as_they_are() {
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let status = lab.status();
    let alice = &status["trainees"][0];
    assert_eq!(alice["name"], "alice");
    let workspace = PathBuf::from(alice["workspace"].as_str().unwrap());
    let alice_auth: SocketAddr = alice["auth"].as_str().unwrap().parse().unwrap();

    // Alice signs; her server serves the signed zone; the file loads.
    sign_trainee_zone(&lab, &workspace, "alice.ne.");
    let signed = workspace.join("alice.ne.zone.signed");
    wait_for("alice's signed zone", || {
        query(alice_auth, "www.alice.ne.", 1, dnssec())
            .is_ok_and(|r| r.answer.iter().any(|x| x.rtype == 46))
    });
    let (_, report) = grade(&lab, "alice");
    let loads = check(&report, "zone-file-loads");
    assert_eq!(loads["status"], "pass", "{report:#}");
    assert!(
        auth_node(&lab.status(), "alice")
            .get("zone_error")
            .is_none()
    );

    // She breaks the signed file. The server keeps the last good zone...
    let (line, column) = append_bad_record(&signed, "broken.alice.ne.");
    let position = format!("{}:{line}:{column}: ", signed.display());
    std::thread::sleep(Duration::from_millis(1500)); // > the 500 ms reload poll
    let www = query(alice_auth, "www.alice.ne.", 1, dnssec()).expect("www.alice.ne. A");
    assert!(www.answer.iter().any(|x| x.rtype == 46), "{www:?}");
    let broken = query(alice_auth, "broken.alice.ne.", 1, dnssec()).expect("broken A");
    assert_eq!(broken.rcode, 3, "the broken version is not served");

    // ...and status says so, for her node, in JSON and in text.
    let node = auth_node(&lab.status(), "alice");
    assert_eq!(node["healthy"], true, "{node}");
    let error = &node["zone_error"];
    assert_eq!(error["file"], signed.display().to_string(), "{node}");
    assert_eq!(error["line"], line, "{node}");
    assert_eq!(error["column"], column, "{node}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    let text = ok(lab.run(&["status"]), "dnslab status");
    let row = text
        .lines()
        .find(|l| l.starts_with(node["name"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("no row for alice's node:\n{text}"));
    assert!(row.contains("STALE"), "{text}");
    assert!(text.contains(&position), "{position:?} not in:\n{text}");
    assert!(
        !auth_node(&lab.status(), "bob")
            .as_object()
            .unwrap()
            .contains_key("zone_error"),
        "bob's file loads"
    );

    // The grade fails the file check with the position, although the
    // data served (the old zone) is still graded as good.
    let (code, report) = grade(&lab, "alice");
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["passed"], false);
    let loads = check(&report, "zone-file-loads");
    assert_eq!(loads["status"], "fail", "{loads:#}");
    assert_eq!(loads["points"], 0);
    let message = loads["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("the file you wrote does not load: {position}")),
        "{message}"
    );
    assert!(
        loads["details"][0]
            .as_str()
            .is_some_and(|d| d.contains("keeps serving the last version that loaded")),
        "{loads:#}"
    );
    assert_eq!(check(&report, "dnskey-published")["status"], "pass");
    assert_plain_log(&lab.state, "zone not reloaded");

    // Bob breaks his (unsigned) file too; then the lab is taken down.
    let bob_file = lab.state.join("trainees/bob/bob.ne.zone");
    let (bob_line, bob_column) = append_bad_record(&bob_file, "broken.bob.ne.");
    ok(lab.run(&["down"]), "dnslab down");

    // A stopped lab: exit 2, the reason and the command, no score.
    let out = lab.run(&["grade", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(
        out.stdout.is_empty(),
        "a score for a stopped lab: {}",
        printed(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lab grade-lab-state is not running")
            && stderr.contains(&format!(
                "dnslab up {} --state-dir {} --detach",
                lab.state.join("lab.yaml").display(),
                lab.state.display()
            )),
        "{stderr}"
    );
    let out = lab.run(&["grade"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("/100"),
        "{}",
        printed(&out)
    );

    // Up again: bob's file never loaded, so his server serves nothing.
    // The lab runs: that is bob's failure, graded (exit 1, not 2).
    lab.up();
    let node = auth_node(&lab.status(), "bob");
    assert_eq!(node["healthy"], false, "{node}");
    assert_eq!(node["zone_error"]["line"], bob_line, "{node}");
    let (code, report) = grade(&lab, "bob");
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(check(&report, "zone-served")["status"], "fail");
    let loads = check(&report, "zone-file-loads");
    assert_eq!(loads["status"], "fail", "{loads:#}");
    assert!(
        loads["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{}:{bob_line}:{bob_column}: ", bob_file.display())),
        "{loads:#}"
    );
    assert!(
        loads["details"][0]
            .as_str()
            .is_some_and(|d| d.contains("serves no version")),
        "{loads:#}"
    );
    for c in report["checks"].as_array().unwrap() {
        assert_ne!(c["status"], "pass", "bob's absent zone earns {c:#}");
    }
    assert_plain_log(&lab.state, "zone not loaded");
}
