//! The shipped scenario files: `dnslab scenario check` accepts them and
//! `dnslab scenario test` follows every exercise's instructions as a
//! trainee reads them (which must score full points) and runs every mutant
//! on labs/minimal.yaml, the README's lab, moved to 127.136.0.0/16 (port
//! 10053, no privileges), which is what CI relies on to keep the exercises
//! honest.

use dnslab_testkit::printed;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "scenarios/ holds {} files", files.len());
    files
}

fn dnslab(args: &[&str], files: &[PathBuf]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(args)
        .args(files)
        .output()
        .expect("run dnslab")
}

#[test]
fn shipped_scenarios_pass_check() {
    let files = scenario_files();
    let out = dnslab(&["scenario", "check"], &files);
    assert!(out.status.success(), "{}", printed(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for f in &files {
        assert!(text.contains(&*f.to_string_lossy()), "{text}");
    }
}

#[test]
fn shipped_scenarios_pass_scenario_test() {
    // The instructions, followed as written, look at the lab with dig and
    // follow the chain of trust with delv.
    if dnslab_testkit::peers(["dig", "delv"]).is_none() {
        return;
    }
    let files = scenario_files();
    let expected_mutants: usize = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .filter(|l| l.starts_with("  - name: "))
                .count()
        })
        .sum();
    let minimal = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../labs/minimal.yaml");
    let minimal = minimal.to_string_lossy();
    let out = dnslab(
        &[
            "scenario",
            "test",
            "--network-octet",
            "136",
            "--lab",
            &minimal,
        ],
        &files,
    );
    let text = printed(&out);
    assert!(out.status.success(), "{text}");
    // alice, minimal.yaml's first trainee, did the exercises on its port.
    assert!(text.contains("port 10053"), "{text}");
    assert!(text.contains("alice.ne"), "{text}");
    assert!(
        text.contains("all scenario runs behave as their files say"),
        "{text}"
    );
    // Every reference scored full points and every mutant of every file
    // ran and failed what it names.
    assert_eq!(
        text.matches("ok   reference: ").count(),
        files.len(),
        "{text}"
    );
    let mutants = text.matches("ok   mutant ").count();
    assert_eq!(mutants, expected_mutants, "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

#[test]
fn scenario_check_names_the_bad_check_id() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/ds-submission.yaml"),
    )
    .unwrap();
    std::fs::write(&file, good.replace("id: zone-served", "id: zone-servd")).unwrap();
    let out = dnslab(&["scenario", "check"], std::slice::from_ref(&file));
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = good
        .lines()
        .position(|l| l.contains("id: zone-served"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("{}:{line}:", file.display())),
        "{err}"
    );
    assert!(err.contains("did you mean \"zone-served\""), "{err}");
}
