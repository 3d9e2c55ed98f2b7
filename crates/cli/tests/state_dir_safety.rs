//! What `dnslab` deletes, moves and signals: only a directory `up` marked
//! as a state directory (`dnslab_lab::ownership`), only the entries dnslab
//! made, never while its lab runs, and only the lab's own supervisor
//! (`dnslab_lab::supervisor`), not a process that got its pid later.
//!
//! The lab here has its own network, 127.153.0.0/16, port 10053; every
//! query goes to loopback.

mod common;

use common::lab::{Lab, dnslab, ok};
use dnslab_testkit::printed;
use std::path::Path;
use std::process::{Command, Output};

fn lab_text(workshop: &str) -> String {
    format!(
        "workshop: {workshop}\ntlds: [ne]\ntrainees:\n  names: [alice]\ntimers: workshop\n\
         zoo: false\nexercises: [sign-zone]\naddresses:\n  base: 127.153.0.0/16\nport: 10053\n"
    )
}

/// `dnslab ARGS` with no state directory in the environment.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(args)
        .env_remove("DNSLAB_STATE_DIR")
        .output()
        .expect("run dnslab")
}

fn refused(out: &Output, says: &[&str]) {
    let text = printed(out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    for s in says {
        assert!(text.contains(s), "{s:?} not in: {text}");
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_foreign_directory_is_refused_and_left_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let foreign = tmp.path().join("thesis");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.txt"), "four years\n").unwrap();
    let dir = foreign.to_str().unwrap();

    let out = run(&["down", "--state-dir", dir, "--purge"]);
    refused(&out, &[dir, "not a dnslab state directory"]);
    assert_eq!(names_in(&foreign), ["thesis.txt"]);

    // `up` keeps no state among someone else's files either.
    let lab = tmp.path().join("lab.yaml");
    std::fs::write(&lab, lab_text("test-153-foreign")).unwrap();
    let out = run(&["up", lab.to_str().unwrap(), "--state-dir", dir]);
    refused(&out, &[dir, "thesis.txt", "new or empty directory"]);
    assert_eq!(names_in(&foreign), ["thesis.txt"]);
}

#[test]
fn purge_spares_a_running_lab_and_what_dnslab_did_not_make() {
    let lab = Lab::from_yaml(&lab_text("test-153"));
    lab.up();
    let parent = lab.state.parent().unwrap().to_str().unwrap().to_string();

    // The parent of the running lab's state directory: refused, and the
    // lab serves on with its keys.
    let out = run(&["down", "--state-dir", &parent, "--purge"]);
    refused(&out, &[&parent, "not a dnslab state directory"]);
    assert!(lab.state.join("keys").is_dir());
    assert_eq!(lab.status()["running"], true);

    // Another lab pointed at this running lab's state directory: refused.
    let other = Path::new(&parent).join("other.yaml");
    std::fs::write(&other, lab_text("test-153-other")).unwrap();
    let out = dnslab(&lab.state, &["up", other.to_str().unwrap(), "--detach"]);
    refused(&out, &["test-153", "test-153-other"]);
    assert_eq!(lab.status()["running"], true);

    // Its own state directory: stopped, then dnslab's entries removed and
    // a file of the instructor's kept and reported.
    std::fs::write(lab.state.join("notes.txt"), "mine\n").unwrap();
    let out = lab.run(&["down", "--purge"]);
    let text = ok(out, "down --purge");
    assert!(text.contains("lab stopped"), "{text}");
    assert_eq!(names_in(&lab.state), ["dnslab-state", "notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(lab.state.join("notes.txt")).unwrap(),
        "mine\n"
    );

    // Once the file is gone, the directory goes too.
    std::fs::remove_file(lab.state.join("notes.txt")).unwrap();
    ok(lab.run(&["down", "--purge"]), "down --purge again");
    assert!(!lab.state.exists());
}

/// The boot id as the kernel gives it.
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn a_reused_pid_is_not_the_lab() {
    if !Path::new("/proc/self/stat").exists() {
        eprintln!("SKIPPED a_reused_pid_is_not_the_lab: no /proc");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::write(state.join("lab.yaml"), lab_text("test-153-reuse")).unwrap();
    // An unrelated process with `up` in its arguments (as `docker compose
    // up` has), holding the pid the lab's pid file names.
    let mut stranger = Command::new("sh")
        .args(["-c", "sleep 30; :", "up"])
        .spawn()
        .expect("start sh");
    let pid = stranger.id();

    // The pid file of an earlier dnslab (the pid alone), and one naming the
    // pid with another start time: neither is the lab.
    for text in [
        format!("{pid}\n"),
        format!("{pid}\nstart 1\nboot {}\n", boot_id()),
    ] {
        std::fs::write(state.join("supervisor.pid"), &text).unwrap();
        let status = ok(dnslab(&state, &["status", "--format", "json"]), "status");
        let status: serde_json::Value = serde_json::from_str(&status).unwrap();
        assert_eq!(status["running"], false, "{text:?}: {status}");

        let out = dnslab(&state, &["down"]);
        let said = ok(out, "down");
        assert!(
            said.contains("not running") && said.contains(&format!("pid {pid}")),
            "{said}"
        );
        assert!(
            stranger.try_wait().unwrap().is_none(),
            "down signalled an unrelated process ({text:?})"
        );
    }
    let _ = stranger.kill();
    let _ = stranger.wait();
}
