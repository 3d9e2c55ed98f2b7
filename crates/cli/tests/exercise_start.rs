//! `dnslab exercise start`: a rollover exercise is judged from its start,
//! not on the trainee's earlier exercises, and `dnslab reset` starts the
//! trainee's timeline afresh.
//!
//! - A ZSK rollover after ds-submission done in a rush (the DS at once,
//!   while caches may still hold the unsigned zone: a moment a resolver
//!   could fail), run by `dnslab scenario test`
//!   on its virtual clock on 127.143.0.0/16: started after the DS, the
//!   correct pre-publish roll gets full points; never started, or started
//!   before the DS, the DS's moment fails `rollover-safe`.
//! - A running lab on 127.144.0.0/16, port 10053: the start is recorded
//!   in the state directory and used by `dnslab grade`; `dnslab reset`
//!   puts the timeline and the starts in the attic, and the lab records a
//!   new timeline from a full snapshot.

mod common;

use common::lab::{Lab, ok, wait_for};
use dnslab_testkit::printed;
use std::path::Path;
use std::process::Command;

/// ds-submission in a rush: the DS at once after signing.
const DS_SUBMISSION: &str = r#"
  - run: mkdir -p keys && dnslab key generate --zone "$ZONE" --ksk --dir keys > ksk.name && dnslab key generate --zone "$ZONE" --dir keys > zsk1.name
  - run: dnslab zone sign "$ZONE_FILE" --origin "$ZONE" --keys keys -o "$SIGNED_ZONE_FILE"
  - run: dnslab ds submit --trainee "$TRAINEE" --key "keys/$(cat ksk.name).key"
  - wait: 10s"#;

const START: &str = r#"
  - run: dnslab exercise start zsk-rollover --trainee "$TRAINEE""#;

/// A pre-publish ZSK rollover by the book.
const ROLL: &str = r#"
  - run: dnslab key generate --zone "$ZONE" --dir keys > zsk2.name && dnslab key settime "keys/$(cat zsk2.name).key" -P now -A +52w
  - run: dnslab zone sign "$ZONE_FILE" --origin "$ZONE" --keys keys -o "$SIGNED_ZONE_FILE"
  - wait: 3m
  - run: dnslab key settime "keys/$(cat zsk2.name).key" -A now && dnslab key settime "keys/$(cat zsk1.name).key" -I now
  - run: dnslab zone sign "$ZONE_FILE" --origin "$ZONE" --keys keys -o "$SIGNED_ZONE_FILE"
  - wait: 3m
  - run: dnslab key settime "keys/$(cat zsk1.name).key" -D now
  - run: dnslab zone sign "$ZONE_FILE" --origin "$ZONE" --keys keys -o "$SIGNED_ZONE_FILE"
  - wait: 3m"#;

/// A zsk-rollover exercise, written here so that the shipped one may
/// change: the rollover checks, this test's reference solution (the
/// earlier exercises, the start, the roll) and its mutants.
fn scenario() -> String {
    let indent = |steps: &str| steps.replace("\n  - ", "\n      - ");
    // The reference is the instructions' code block: `run:` steps as
    // command lines, `wait:` steps as `sleep` lines.
    let code: String = format!("{DS_SUBMISSION}{START}{ROLL}")
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            if let Some(c) = l.strip_prefix("- run: ") {
                Some(format!("      {c}\n"))
            } else {
                l.strip_prefix("- wait: ").map(|w| {
                    let secs = match w.strip_suffix('m') {
                        Some(m) => m.parse::<u32>().unwrap() * 60,
                        None => w.trim_end_matches('s').parse().unwrap(),
                    };
                    format!("      sleep {secs}\n")
                })
            }
        })
        .collect();
    format!(
        "id: zsk-rollover\ntitle: Roll your ZSK after a rushed DS\nlevel: intermediate\n\
         summary: A pre-publish ZSK rollover started after ds-submission.\n\
         instructions: |\n  Submit the DS at once, start the exercise, then roll:\n\n{code}\
         checks:\n  - id: rollover-safe\n    points: 40\n  - id: zsk-rolled\n    points: 30\n\
         \x20 - id: chain-secure\n    points: 20\n  - id: zone-verifies\n    points: 10\n\
         mutants:\n\
         \x20 - name: never-started\n    description: the same without dnslab exercise start\n    steps:{}\n    fails: [rollover-safe]\n\
         \x20 - name: started-before-the-ds\n    description: started before ds-submission\n    steps:{}\n    fails: [rollover-safe]\n",
        indent(&format!("{DS_SUBMISSION}{ROLL}")),
        indent(&format!("{START}{DS_SUBMISSION}{ROLL}")),
    )
}

#[test]
fn a_rollover_started_after_a_rushed_ds_submission_gets_full_points() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zsk-rollover.yaml");
    std::fs::write(&file, scenario()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(["scenario", "test", "--reports", "--network-octet", "143"])
        .arg(&file)
        .output()
        .expect("run dnslab");
    let text = printed(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("ok   reference: 100/100 points"), "{text}");
    assert!(
        text.contains("ok   mutant never-started: failed rollover-safe"),
        "{text}"
    );
    assert!(
        text.contains("ok   mutant started-before-the-ds: failed rollover-safe"),
        "{text}"
    );
    // The reports say from when they judged: the reference from its
    // start, the mutant that never started from the beginning, and why.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (reference, mutants) = flat.split_at(flat.find("mutant never-started").unwrap());
    assert!(
        reference.contains("since the exercise started at"),
        "{reference}"
    );
    assert!(reference.contains("pre-publish"), "{reference}");
    let (never, before) = mutants.split_at(mutants.find("mutant started-before").unwrap());
    assert!(
        never.contains("exercise zsk-rollover was not started"),
        "{never}"
    );
    assert!(
        never.contains("dnslab exercise start zsk-rollover --trainee t1"),
        "{never}"
    );
    assert!(never.contains("chain of trust breaks"), "{never}");
    assert!(before.contains("chain of trust breaks"), "{before}");
    assert!(
        before.contains("judged from the start of exercise zsk-rollover"),
        "{before}"
    );
}

const LAB: &str = "workshop: exercise-start\ntlds: [ne]\ntrainees:\n  names: [t1]\n\
zone: \"{trainee}.{tld}\"\ntimers:\n  profile: workshop\n  ttl: 30s\n  dnskey_ttl: 30s\n  ds_ttl: 30s\n\
zoo: false\nnodes:\n  resolver: false\nexercises: [zsk-rollover]\naddresses:\n  base: 127.144.0.0/16\nport: 10053\n";

/// The `rollover-safe` check of `dnslab grade --format json`.
fn rollover_safe(lab: &Lab) -> serde_json::Value {
    let out = lab.run(&[
        "grade",
        "--exercise",
        "zsk-rollover",
        "--trainee",
        "t1",
        "--format",
        "json",
    ]);
    // The zone is not signed: zsk-rolled fails, so the exit status is 1.
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    reports[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "rollover-safe")
        .cloned()
        .unwrap_or_else(|| panic!("no rollover-safe in {reports}"))
}

#[test]
fn the_start_is_recorded_and_reset_puts_the_timeline_aside() {
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let timeline = lab.state.join("timeline/t1.jsonl");
    let starts = lab.state.join("timeline/t1.starts.json");
    wait_for("the first timeline snapshot", || {
        std::fs::metadata(&timeline).is_ok_and(|m| m.len() > 0)
    });

    // Bad input: exit status 2 and what was wrong.
    let out = lab.run(&["exercise", "start", "zsk-rolover", "--trainee", "t1"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(
        printed(&out).contains("no exercise \"zsk-rolover\""),
        "{}",
        printed(&out)
    );
    let out = lab.run(&["exercise", "start", "zsk-rollover", "--trainee", "t9"]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(!starts.exists());

    let said = ok(
        lab.run(&["exercise", "start", "zsk-rollover", "--trainee", "t1"]),
        "exercise start",
    );
    assert!(
        said.contains("t1: exercise zsk-rollover started at"),
        "{said}"
    );
    assert!(said.contains("timeline from now on"), "{said}");
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&starts).unwrap()).unwrap();
    let started = recorded["zsk-rollover"].as_i64().expect("a start time");
    // Again: it starts over, and says so.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let said = ok(
        lab.run(&["exercise", "start", "zsk-rollover", "--trainee", "t1"]),
        "exercise start again",
    );
    assert!(said.contains("it starts over now"), "{said}");
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&starts).unwrap()).unwrap();
    assert!(recorded["zsk-rollover"].as_i64().unwrap() > started);

    let check = rollover_safe(&lab);
    assert_eq!(check["status"], "pass", "{check}");
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains("since the exercise started at"),
        "{check}"
    );

    let said = ok(lab.run(&["reset", "t1"]), "dnslab reset");
    let attic = said
        .lines()
        .find_map(|l| l.strip_prefix("t1: workspace reset; the old one is in "))
        .unwrap_or_else(|| panic!("{said}"))
        .trim()
        .to_string();
    let attic = Path::new(&attic);
    assert!(said.contains("put aside"), "{said}");
    assert!(!starts.exists(), "{said}");
    let old_timeline = std::fs::read_to_string(attic.join("timeline.jsonl")).unwrap();
    assert!(!old_timeline.is_empty());
    let old_starts = std::fs::read_to_string(attic.join("exercise-starts.json")).unwrap();
    assert!(old_starts.contains("zsk-rollover"), "{old_starts}");

    // The lab goes on recording into a new file, from a full snapshot,
    // and the timeline reads back, with nothing of the old one.
    let time_of = |line: &str| -> i64 {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["t"].as_i64().unwrap_or_else(|| panic!("{line}"))
    };
    let old_end = time_of(old_timeline.lines().last().unwrap());
    wait_for("a snapshot after the reset", || {
        std::fs::read_to_string(&timeline).is_ok_and(|t| !t.is_empty())
    });
    let text = std::fs::read_to_string(&timeline).unwrap();
    let first = text.lines().next().unwrap();
    assert!(!first.contains("\"same\""), "{first}");
    let shown = ok(
        lab.run(&["timeline", "--trainee", "t1", "--format", "json"]),
        "dnslab timeline",
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert!(
        shown["start"].as_i64().unwrap() > old_end,
        "{shown} (the old timeline ends at {old_end})"
    );

    // No exercise is started any more: judged from the beginning, and said.
    let check = rollover_safe(&lab);
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains("exercise zsk-rollover was not started"),
        "{check}"
    );
    assert!(
        message.contains("dnslab exercise start zsk-rollover --trainee t1"),
        "{check}"
    );
}
