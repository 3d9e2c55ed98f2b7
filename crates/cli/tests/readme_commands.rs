//! Every command line of README.md runs, here or in the test named for
//! it, so that the README cannot promise a command that does not work.
//!
//! `README_COMMANDS` maps each command line of the README's `sh` blocks
//! (continuations joined, comments cut) to what runs it. The test fails
//! when the README has a line the table does not know, so a new line in
//! the README needs a way to run it. Syntax summaries (`[--format
//! json]`, `a|b`) run in each of their forms here.
//!
//! - The Getting-started command runs as written (the binary instead of
//!   `cargo run --release --`): `dnslab up labs/minimal.yaml` in the
//!   foreground, on its own addresses (127.53.0.0/16, port 10053), until
//!   Ctrl-C (SIGINT) stops it.
//! - "Running a lab" and "Grading" run on labs/cctld-pilot.yaml, whose
//!   trainees are the README's `t01`…, moved to 127.155.0.0/16 and port
//!   10053 (port 53 needs root).
//! - "Usage" runs in a scratch directory, as a session would.

use dnslab_testkit::printed;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What runs a README command line.
enum Runs {
    /// These `dnslab` command lines, on the pilot lab, each with the exit
    /// codes it may end with (`{ksk}`: t01's KSK file, `{zsk}`: its ZSK
    /// file, `{pilot}`: the pilot lab file moved).
    Pilot(&'static [(&'static str, &'static [i32])]),
    /// These, in the scratch directory (`{ksk}`: example.'s KSK file).
    Scratch(&'static [&'static str]),
    /// The foreground lab of Getting started.
    Foreground,
    /// Another test, or CI, runs it.
    Elsewhere(&'static str),
}

const OK: &[i32] = &[0];

const README_COMMANDS: &[(&str, Runs)] = &[
    (
        "cargo run --release -- up labs/minimal.yaml",
        Runs::Foreground,
    ),
    (
        "cargo test --workspace",
        Runs::Elsewhere(".ci/run runs it, as CI"),
    ),
    (
        "dnslab up labs/cctld-pilot.yaml --detach",
        Runs::Pilot(&[("up {pilot} --detach", OK)]),
    ),
    (
        "dnslab status [--format json]",
        Runs::Pilot(&[("status", OK), ("status --format json", OK)]),
    ),
    (
        "dnslab trust-anchor [--format ds|dnskey|unbound|bind]",
        Runs::Pilot(&[
            ("trust-anchor", OK),
            ("trust-anchor --format ds", OK),
            ("trust-anchor --format dnskey", OK),
            ("trust-anchor --format unbound", OK),
            ("trust-anchor --format bind", OK),
        ]),
    ),
    ("dnslab root-hints", Runs::Pilot(&[("root-hints", OK)])),
    (
        "dnslab resolver-config --format unbound|bind [--listen IP:PORT]",
        Runs::Pilot(&[
            ("resolver-config --format unbound", OK),
            ("resolver-config --format bind", OK),
            (
                "resolver-config --format unbound --listen 127.0.0.1:5300",
                OK,
            ),
        ]),
    ),
    (
        "dnslab signer-config --format knot --trainee t01",
        Runs::Pilot(&[("signer-config --format knot --trainee t01", OK)]),
    ),
    (
        "dnslab ds submit --trainee t01 --key Kt01.ne.+013+12345.key",
        Runs::Pilot(&[("ds submit --trainee t01 --key {ksk}", OK)]),
    ),
    (
        "dnslab ds withdraw --trainee t01",
        Runs::Pilot(&[("ds withdraw --trainee t01", OK)]),
    ),
    (
        "dnslab zoo [--format json]",
        Runs::Pilot(&[("zoo", OK), ("zoo --format json", OK)]),
    ),
    ("dnslab reset t01", Runs::Pilot(&[("reset t01", OK)])),
    (
        "dnslab down [--purge]",
        Runs::Pilot(&[("down", OK), ("down --purge", OK)]),
    ),
    (
        "dnslab up labs/cctld-pilot.yaml --backend docker --detach",
        Runs::Elsewhere("lab_docker.rs (labs/minimal.yaml on Docker)"),
    ),
    (
        "dnslab status --format json",
        Runs::Pilot(&[("status --format json", OK)]),
    ),
    (
        "dnslab grade --all",
        Runs::Pilot(&[("grade --all", &[0, 1])]),
    ),
    (
        "dnslab image build|ls|rm",
        Runs::Elsewhere("lab_docker.rs (image build, ls, rm)"),
    ),
    (
        "dnslab shell t01",
        Runs::Elsewhere("lab_docker.rs (workstations)"),
    ),
    (
        "dnslab exec t01 -- dig ne. SOA",
        Runs::Elsewhere("lab_docker.rs (workstations)"),
    ),
    (
        "dnslab access list [--format json]",
        Runs::Elsewhere("lab_ssh.rs (SSH access on Docker)"),
    ),
    (
        "dnslab handout [--format text|html] [-o FILE]",
        Runs::Pilot(&[
            ("handout", OK),
            ("handout --format text", OK),
            ("handout --format html", OK),
        ]),
    ),
    (
        "dnslab down [--workshop NAME]",
        Runs::Pilot(&[("down --workshop readme-155", OK)]),
    ),
    (
        "dnslab serve --zone example.=example.zone.signed --listen 127.0.0.1:5300 [--threads N] [--axfr-allow CIDR]",
        Runs::Elsewhere(
            "serve_reload.rs, serve_control.rs, serve_differential.rs (dnslab serve on free loopback ports)",
        ),
    ),
    (
        "dnslab key generate --zone example. [--algorithm ECDSAP256SHA256|ECDSAP384SHA384|ED25519] [--ksk] [--dir DIR]",
        Runs::Scratch(&[
            "key generate --zone example.",
            "key generate --zone example. --algorithm ECDSAP256SHA256 --ksk --dir algs",
            "key generate --zone example. --algorithm ECDSAP384SHA384 --dir algs",
            "key generate --zone example. --algorithm ED25519 --dir algs",
        ]),
    ),
    (
        "dnslab key ds KEYFILE.key [--digest SHA256|SHA384|SHA1] [--cds]",
        Runs::Scratch(&[
            "key ds {ksk}",
            "key ds {ksk} --digest SHA256",
            "key ds {ksk} --digest SHA384",
            "key ds {ksk} --digest SHA1",
            "key ds {ksk} --cds",
        ]),
    ),
    (
        "dnslab zone sign ZONEFILE --origin ZONE --keys DIR [--nsec3 [--iterations N] [--salt HEX|-] [--opt-out]] [--inception T] [--expiration T] [--serial keep|increment|unixtime] -o SIGNED",
        Runs::Scratch(&[
            "zone sign example.zone --origin example. --keys keys -o s1",
            "zone sign example.zone --origin example. --keys keys --nsec3 -o s2",
            "zone sign example.zone --origin example. --keys keys --nsec3 --iterations 0 --salt - --opt-out -o s3",
            "zone sign example.zone --origin example. --keys keys --nsec3 --salt c0ffee -o s4",
            "zone sign example.zone --origin example. --keys keys --inception now-1h --expiration +14d --serial keep -o s5",
            "zone sign example.zone --origin example. --keys keys --serial increment -o s6",
            "zone sign example.zone --origin example. --keys keys --serial unixtime -o s7",
        ]),
    ),
    (
        "dnslab zone verify SIGNED --origin ZONE [--time T] [--format text|json]",
        Runs::Scratch(&[
            "zone verify s1 --origin example.",
            "zone verify s2 --origin example. --time now --format text",
            "zone verify s3 --origin example. --time +1d --format json",
        ]),
    ),
    (
        "dnslab key generate --zone example. --ksk --dir keys",
        Runs::Scratch(&["key generate --zone example. --ksk --dir keys"]),
    ),
    (
        "dnslab key generate --zone example. --dir keys",
        Runs::Scratch(&["key generate --zone example. --dir keys"]),
    ),
    (
        "dnslab zone sign example.zone --origin example. --keys keys --inception now-1h --expiration +14d -o example.zone.signed",
        Runs::Scratch(&[
            "zone sign example.zone --origin example. --keys keys --inception now-1h --expiration +14d -o example.zone.signed",
        ]),
    ),
    (
        "dnslab zone verify example.zone.signed --origin example.",
        Runs::Scratch(&["zone verify example.zone.signed --origin example."]),
    ),
    (
        "dnslab key ds keys/Kexample.+013+NNNNN.key",
        Runs::Scratch(&["key ds {ksk}"]),
    ),
    (
        "dnslab up labs/cctld-pilot.yaml --detach --web 0.0.0.0:8080",
        Runs::Elsewhere("web_class.rs (up --detach --web on a loopback port)"),
    ),
    (
        "dnslab web --listen 0.0.0.0:8080 --public-url http://10.0.0.5:8080",
        Runs::Elsewhere("web_portal.rs, web_browser.rs (dnslab web on a loopback port)"),
    ),
    ("dnslab web tokens", Runs::Pilot(&[("web tokens", OK)])),
    (
        "dnslab exercise list",
        Runs::Pilot(&[("exercise list", OK)]),
    ),
    (
        "dnslab exercise show sign-zone --trainee t01",
        Runs::Pilot(&[("exercise show sign-zone --trainee t01", OK)]),
    ),
    (
        "dnslab exercise start zsk-rollover --trainee t01",
        Runs::Pilot(&[("exercise start zsk-rollover --trainee t01", OK)]),
    ),
    (
        "dnslab grade [--exercise ID] [--trainee T | --all] [--format text|json|junit|csv] [-o FILE]",
        Runs::Pilot(&[
            ("grade", &[0, 1]),
            ("grade --exercise sign-zone --trainee t01", OK),
            ("grade --exercise sign-zone --all --format json", &[0, 1]),
            ("grade --trainee t01 --format junit", &[0, 1]),
            ("grade --trainee t01 --format csv -o grades.csv", &[0, 1]),
            ("grade --exercise sign-zone --trainee t01 --format text", OK),
        ]),
    ),
    (
        "dnslab grade --exercise resolver-validation --trainee t01 --resolver 127.0.0.1:5300",
        Runs::Elsewhere("grade_peers.rs (Unbound and named on a trainee's --resolver)"),
    ),
    (
        "dnslab grade --exercise ds-submission --trainee t01 --format svg -o t01-chain.svg",
        Runs::Pilot(&[
            (
                "grade --exercise ds-submission --trainee t01 --format svg",
                &[0, 1],
            ),
            (
                "grade --exercise ds-submission --trainee t01 --format svg -o t01-chain.svg",
                &[0, 1],
            ),
        ]),
    ),
    (
        "dnslab scenario check scenarios/*.yaml",
        Runs::Elsewhere("scenarios.rs (shipped_scenarios_pass_check)"),
    ),
    (
        "dnslab scenario test scenarios/*.yaml",
        Runs::Elsewhere("scenarios.rs, exercise_start.rs (the built-in test lab)"),
    ),
    (
        "dnslab scenario test --lab labs/minimal.yaml scenarios/*.yaml",
        Runs::Elsewhere("scenarios.rs (shipped_scenarios_pass_scenario_test)"),
    ),
    (
        "dnslab timeline --trainee t01",
        Runs::Pilot(&[("timeline --trainee t01", OK)]),
    ),
    (
        "dnslab timeline --trainee t01 --format svg -o t01-timeline.svg",
        Runs::Pilot(&[
            ("timeline --trainee t01 --format svg", OK),
            (
                "timeline --trainee t01 --format svg -o t01-timeline.svg",
                OK,
            ),
        ]),
    ),
    (
        "dnslab key settime keys/Kt01.ne.+013+NNNNN.key -P now -A +1h -I +2d -D +3d",
        Runs::Pilot(&[("key settime {zsk} -P now -A +1h -I +2d -D +3d", OK)]),
    ),
];

/// The command lines of the README's `sh` blocks.
fn readme_command_lines() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let text = std::fs::read_to_string(&path).expect("README.md");
    let mut lines = Vec::new();
    for block in text.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap_or("");
        for line in block.replace("\\\n", " ").lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
            if line.starts_with("dnslab ") || line.starts_with("cargo ") {
                lines.push(line);
            }
        }
    }
    lines
}

fn dnslab(state: &Path, cwd: &Path, line: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(line.split_whitespace())
        .current_dir(cwd)
        .env("DNSLAB_STATE_DIR", state)
        .output()
        .expect("run dnslab")
}

/// The key file of `dir` with these flags (257: a KSK, 256: a ZSK).
fn key_file(dir: &Path, flags: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "key"))
        .find(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                t.lines()
                    .any(|l| !l.starts_with(';') && l.contains(&format!("DNSKEY {flags} ")))
            })
        })
        .unwrap_or_else(|| panic!("no key with flags {flags} in {}", dir.display()))
}

#[test]
fn every_readme_command_is_run() {
    let lines = readme_command_lines();
    let unknown: Vec<&String> = lines
        .iter()
        .filter(|l| !README_COMMANDS.iter().any(|(r, _)| r == l))
        .collect();
    assert!(
        unknown.is_empty(),
        "README command lines this test does not run (add them to README_COMMANDS): {unknown:#?}"
    );
    let stale: Vec<&str> = README_COMMANDS
        .iter()
        .map(|(r, _)| *r)
        .filter(|r| !lines.iter().any(|l| l == r))
        .collect();
    assert!(stale.is_empty(), "no longer in the README: {stale:#?}");

    // What runs elsewhere names a test that exists.
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    for (readme, runs) in README_COMMANDS {
        if let Runs::Elsewhere(what) = runs {
            for file in what
                .split(|c: char| c.is_whitespace() || c == ',' || c == '(')
                .filter(|w| w.ends_with(".rs"))
            {
                assert!(tests.join(file).is_file(), "`{readme}`: no test {file}");
            }
            eprintln!("README `{readme}`: run by {what}");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    foreground_minimal_lab(dir.path());
    scratch_session(dir.path());
    pilot_lab(dir.path());
}

/// Getting started: the minimal lab in the foreground, stopped by Ctrl-C.
fn foreground_minimal_lab(dir: &Path) {
    let state = dir.join("minimal-state");
    let minimal = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../labs/minimal.yaml");
    let mut up = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .arg("up")
        .arg(&minimal)
        .env("DNSLAB_STATE_DIR", &state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dnslab up");
    // Its first line says it is up (and where its state is).
    let stdout = up.stdout.take().expect("up's stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let Ok(line) = line else { break };
            if line.contains("is up") {
                let _ = tx.send(line.clone());
            }
            lines.push(line);
        }
        lines.join("\n")
    });
    let up_line = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) => line,
        Err(_) => {
            let _ = up.kill();
            let out = up.wait_with_output().expect("up's output");
            panic!(
                "dnslab up labs/minimal.yaml did not say it is up: {}{}",
                reader.join().unwrap_or_default(),
                printed(&out)
            );
        }
    };
    assert!(up_line.contains("Ctrl-C stops it"), "{up_line}");
    assert!(up_line.contains(&state.display().to_string()), "{up_line}");
    let status =
        String::from_utf8_lossy(&dnslab(&state, dir, "status --format json").stdout).into_owned();
    assert!(status.contains("alice"), "{status}");
    // Ctrl-C.
    let pid = up.id().to_string();
    let kill = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(_)) = up.try_wait() {
            break;
        }
        assert!(Instant::now() < deadline, "Ctrl-C did not stop the lab");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = up.wait_with_output().expect("up's output");
    let text = format!("{}{}", reader.join().unwrap_or_default(), printed(&out));
    assert!(out.status.success(), "{text}");
    let status = dnslab(&state, dir, "status");
    assert!(
        !status.status.success() || printed(&status).contains("not running"),
        "{}",
        printed(&status)
    );
}

/// Usage: keys, signing and verification in a scratch directory.
fn scratch_session(dir: &Path) {
    let scratch = dir.join("scratch");
    std::fs::create_dir_all(scratch.join("keys")).unwrap();
    std::fs::write(
        scratch.join("example.zone"),
        "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n\
         @ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.80\nsub NS ns.sub\nns.sub A 192.0.2.53\n",
    )
    .unwrap();
    let state = dir.join("no-lab");
    // The session's key generation first: the others use its keys.
    let order = [
        "dnslab key generate --zone example. --ksk --dir keys",
        "dnslab key generate --zone example. --dir keys",
    ];
    let scratch_lines: Vec<(&str, &[&str])> = order
        .iter()
        .filter_map(|o| {
            README_COMMANDS.iter().find_map(|(r, runs)| match runs {
                Runs::Scratch(c) if r == o => Some((*r, *c)),
                _ => None,
            })
        })
        .chain(README_COMMANDS.iter().filter_map(|(r, runs)| match runs {
            Runs::Scratch(c) if !order.contains(r) => Some((*r, *c)),
            _ => None,
        }))
        .collect();
    for (readme, commands) in scratch_lines {
        for command in commands {
            let command = if command.contains("{ksk}") {
                let ksk = key_file(&scratch.join("keys"), "257");
                command.replace("{ksk}", &ksk.to_string_lossy())
            } else {
                command.to_string()
            };
            let out = dnslab(&state, &scratch, &command);
            assert!(
                out.status.success(),
                "README `{readme}` as `dnslab {command}`:\n{}",
                printed(&out)
            );
        }
    }
}

/// Running a lab and Grading, on the pilot lab moved aside.
fn pilot_lab(dir: &Path) {
    let pilot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../labs/cctld-pilot.yaml");
    let text = std::fs::read_to_string(&pilot).unwrap();
    let on_10053 = text.replace("\nport: 53\n", "\nport: 10053\n");
    assert_ne!(on_10053, text, "the pilot lab's port line changed");
    let moved = dnslab_lab::moved::moved_lab_file(
        &on_10053,
        "readme-155",
        "127.155.0.0/16".parse().unwrap(),
    )
    .unwrap();
    let pilot_file = dir.join("pilot.yaml");
    std::fs::write(&pilot_file, moved).unwrap();
    let state = dir.join("pilot-state");
    let workspace = state.join("trainees/t01");
    let _down = Down(state.clone());
    let mut ran_up = false;
    for (readme, runs) in README_COMMANDS {
        let Runs::Pilot(commands) = runs else {
            continue;
        };
        for (command, codes) in *commands {
            // Before `reset`: t01 signs their zone as sign-zone says, so
            // that the DS, grade and settime lines have keys to work on.
            if ran_up && command.contains("{ksk}") && !workspace.join("keys").exists() {
                sign_t01(&state, &workspace);
            }
            if command.starts_with("down") && !command.contains("--workshop") {
                // `down` and `down --purge` end the lab: run them last.
                continue;
            }
            let command = command
                .replace("{pilot}", &pilot_file.to_string_lossy())
                .replace("{ksk}", &key_path(&workspace, "257"))
                .replace("{zsk}", &key_path(&workspace, "256"));
            if command.starts_with("down --workshop") {
                continue;
            }
            run_expecting(
                &state,
                &workspace_or(&workspace, dir),
                readme,
                &command,
                codes,
            );
            if command.starts_with("up ") {
                ran_up = true;
                sign_t01(&state, &workspace);
            }
            if command == "reset t01" {
                sign_t01(&state, &workspace);
            }
        }
    }
    // The lab's end: `down --workshop`, `down`, `down --purge`.
    let dir_state = state.clone();
    run_expecting(
        &dir_state,
        dir,
        "dnslab down [--workshop NAME]",
        "down --workshop readme-155",
        OK,
    );
    run_expecting(&dir_state, dir, "dnslab down [--purge]", "down", OK);
    run_expecting(&dir_state, dir, "dnslab down [--purge]", "down --purge", OK);
    assert!(
        !state.join("trainees").exists(),
        "--purge removed the workspaces"
    );
}

fn workspace_or(workspace: &Path, dir: &Path) -> PathBuf {
    if workspace.exists() {
        workspace.to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

fn key_path(workspace: &Path, flags: &str) -> String {
    let keys = workspace.join("keys");
    if keys.exists() {
        key_file(&keys, flags).to_string_lossy().into_owned()
    } else {
        String::new()
    }
}

fn run_expecting(state: &Path, cwd: &Path, readme: &str, command: &str, codes: &[i32]) {
    let out = dnslab(state, cwd, command);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        codes.contains(&code),
        "README `{readme}` as `dnslab {command}` exited {code} (expected {codes:?}):\n{}",
        printed(&out)
    );
}

/// t01 follows sign-zone: keys, signed zone.
fn sign_t01(state: &Path, workspace: &Path) {
    std::fs::create_dir_all(workspace.join("keys")).unwrap();
    for command in [
        "key generate --zone t01.ne --ksk --dir keys",
        "key generate --zone t01.ne --dir keys",
        "zone sign t01.ne.zone --origin t01.ne --keys keys -o t01.ne.zone.signed",
    ] {
        run_expecting(state, workspace, "(sign-zone, for t01)", command, OK);
    }
}

/// Stops the pilot lab however the test ends.
struct Down(PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_dnslab"))
            .arg("down")
            .env("DNSLAB_STATE_DIR", &self.0)
            .output();
    }
}
