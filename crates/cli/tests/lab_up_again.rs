//! `dnslab up` on a lab that already runs: the same file is nothing to do,
//! a changed exercise list is taken live, and a change the running servers
//! cannot take (a trainee added) is refused with exit 2, saying what
//! differs and what to run; after `down` and `up` the new trainee is there
//! and the old trainees' work is kept.
//!
//! The lab has its own network, 127.152.0.0/16, port 10053; every query
//! goes to loopback.

mod common;

use common::lab::{Lab, ok};
use dnslab_testkit::printed;

fn lab_text(trainees: &str, exercises: &str) -> String {
    format!(
        "workshop: test-152\ntlds: [ne]\ntrainees:\n  names: [{trainees}]\ntimers: workshop\n\
         zoo: false\nexercises: [{exercises}]\naddresses:\n  base: 127.152.0.0/16\nport: 10053\n"
    )
}

#[test]
fn up_again_applies_or_refuses_what_changed() {
    let lab = Lab::from_yaml(&lab_text("alice, bob", "sign-zone"));
    lab.up();
    let file = lab.file.to_str().unwrap().to_string();
    let alice_notes = lab.state.join("trainees/alice/notes.txt");
    std::fs::write(&alice_notes, "my work\n").unwrap();

    // The same file: nothing to do.
    let out = lab.run(&["up", &file, "--detach"]);
    assert!(out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).contains("already running"),
        "{}",
        printed(&out)
    );

    // Another exercise: taken live, and what the commands read.
    std::fs::write(
        &lab.file,
        lab_text("alice, bob", "sign-zone, ds-submission"),
    )
    .unwrap();
    let out = lab.run(&["up", &file, "--detach"]);
    assert!(out.status.success(), "{}", printed(&out));
    assert!(
        printed(&out).contains("exercises added: ds-submission (applied)"),
        "{}",
        printed(&out)
    );
    let recorded = std::fs::read_to_string(lab.state.join("lab.yaml")).unwrap();
    assert!(recorded.contains("ds-submission"), "{recorded}");

    // A trainee added: refused, with what differs and what to run.
    std::fs::write(
        &lab.file,
        lab_text("alice, bob, carol", "sign-zone, ds-submission"),
    )
    .unwrap();
    let out = lab.run(&["up", &file, "--detach"]);
    let text = printed(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("trainees added: carol"), "{text}");
    assert!(text.contains("dnslab down"), "{text}");
    assert!(!lab.state.join("trainees/carol").exists());

    // Down and up: carol is there, alice's work is kept.
    ok(lab.run(&["down"]), "dnslab down");
    lab.up();
    let status = lab.status();
    let names: Vec<&str> = status["trainees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!(std::fs::read_to_string(&alice_notes).unwrap(), "my work\n");
}
