//! `dnslab` on failing input: exit status 2, one `dnslab: error:` line that
//! names what failed and why, and says each cause once (errors keep their
//! cause as `source()` and out of their message; docs/architecture.md,
//! "Errors").
//!
//! A message is split on ": " into its parts (context, cause, root cause);
//! no part may come twice, and an OS error ("(os error N)") at most once.
//! Each case also checks that the cause is there at all, so that a fix of
//! the repetition cannot drop it.
//!
//! Sockets: 127.0.0.1 and 127.145.0.0/16, ports chosen by the system
//! (never below 1024).

use dnslab_testkit::{dnslab_bin, printed};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ZONE: &str = "$ORIGIN example.\n$TTL 3600\n\
    @ IN SOA ns hostmaster 1 7200 3600 1209600 3600\n\
    @ IN NS ns\n\
    ns IN A 127.0.0.1\n";

/// Runs `dnslab args` in `dir` with its own state directory; kills it after
/// `limit` (a command that should fail must not hang the test run).
fn dnslab(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(dnslab_bin())
        .args(args)
        .current_dir(dir)
        .env("DNSLAB_STATE_DIR", dir.join("no-state-here"))
        .env_remove("DNSLAB_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dnslab");
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("wait for dnslab").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("collect dnslab's output");
            panic!(
                "`dnslab {}` still ran after {limit:?}; it should have failed:\n{}",
                args.join(" "),
                printed(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect dnslab's output")
}

/// The `dnslab: error:` message of a failed run, checked against the rule;
/// `expected` are texts it must contain (what failed, and why).
fn error_message(args: &[&str], out: &Output, expected: &[&str]) -> String {
    let command = format!("dnslab {}", args.join(" "));
    assert_eq!(
        out.status.code(),
        Some(2),
        "`{command}` should fail with exit status 2:\n{}",
        printed(out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("dnslab: error: "))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "`{command}`: one `dnslab: error:` line expected:\n{stderr}"
    );
    let message = lines[0];
    assert_no_repeated_cause(&command, message);
    for text in expected {
        assert!(
            message.contains(text),
            "`{command}`: the error should say {text:?}:\n{message}"
        );
    }
    message.to_string()
}

fn assert_no_repeated_cause(command: &str, message: &str) {
    let parts: Vec<&str> = message.split(": ").map(str::trim).collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[..i].contains(part),
            "`{command}`: {part:?} is said twice in\n{message}"
        );
    }
    assert!(
        message.matches("(os error").count() <= 1,
        "`{command}`: an OS error is said twice in\n{message}"
    );
}

fn run(dir: &Path, args: &[&str], expected: &[&str]) -> String {
    let out = dnslab(dir, args, Duration::from_secs(30));
    error_message(args, &out, expected)
}

const NOT_FOUND: &str = "No such file or directory (os error 2)";

#[test]
fn missing_zone_file() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["check", "sign"] {
        run(
            dir.path(),
            &["zone", command, "--origin", "example.", "missing.zone"],
            &["missing.zone", "cannot read the file", NOT_FOUND],
        );
    }
}

#[test]
fn missing_key_directory_for_signing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.zone"), ZONE).unwrap();
    run(
        dir.path(),
        &[
            "zone",
            "sign",
            "--origin",
            "example.",
            "--keys",
            "no-keys-dir",
            "example.zone",
        ],
        &["no-keys-dir", NOT_FOUND],
    );
}

#[test]
fn missing_lab_file() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &["up", "missing.yaml"],
        &["missing.yaml: cannot read", NOT_FOUND],
    );
}

#[test]
fn lab_file_with_a_yaml_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "workshop: broken\ntlds: [ne\ntrainees:\n  names: [alice]\n",
    )
    .unwrap();
    let message = run(dir.path(), &["up", "broken.yaml"], &["broken.yaml:"]);
    assert!(!message.contains("(os error"), "{message}");
}

#[test]
fn unreadable_keys() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &["key", "ds", "Kmissing.+013+12345.key"],
        &["Kmissing.+013+12345.key: cannot read", NOT_FOUND],
    );
    // A directory where the key file should be.
    std::fs::create_dir(dir.path().join("Kdir.+013+12345.key")).unwrap();
    run(
        dir.path(),
        &["key", "ds", "Kdir.+013+12345.key"],
        &["Kdir.+013+12345.key", "(os error"],
    );
    // A key file whose owner name is not one.
    std::fs::write(
        dir.path().join("Kbad.+013+12345.key"),
        "bad IN DNSKEY 257 3 13 AAAA\n",
    )
    .unwrap();
    run(
        dir.path(),
        &["key", "ds", "Kbad.+013+12345.key"],
        &["Kbad.+013+12345.key:1:1: bad owner name", "relative name"],
    );
}

#[test]
fn missing_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nothing");
    let state = state.to_str().unwrap();
    run(
        dir.path(),
        &["status", "--state-dir", state],
        &["lab.yaml: cannot read", NOT_FOUND],
    );
}

#[test]
fn serve_on_an_address_in_use() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.zone"), ZONE).unwrap();
    // UDP taken.
    let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let listen = udp.local_addr().unwrap().to_string();
    run(
        dir.path(),
        &[
            "serve",
            "--zone",
            "example.=example.zone",
            "--listen",
            &listen,
        ],
        &[
            &format!("cannot listen on {listen} (UDP)"),
            "another program uses this address",
            "(os error",
        ],
    );
    // TCP taken (UDP on the same port free, or taken too: either fails).
    let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let listen = tcp.local_addr().unwrap().to_string();
    run(
        dir.path(),
        &[
            "serve",
            "--zone",
            "example.=example.zone",
            "--listen",
            &listen,
        ],
        &[&format!("cannot listen on {listen}"), "(os error"],
    );
    drop((udp, tcp));
}

#[test]
fn serve_a_missing_zone_file() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "serve",
            "--zone",
            "example.=missing.zone",
            "--listen",
            "127.0.0.1:0",
        ],
        &["missing.zone", "cannot read the file", NOT_FOUND],
    );
}

/// A lab whose root server's address is taken: the error comes up through
/// the node, the server and the socket, each saying its part once.
#[test]
fn lab_node_on_an_address_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let root = Ipv4Addr::new(127, 145, 0, 1);
    // The root's UDP port, held for the whole run.
    let taken = UdpSocket::bind((root, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    std::fs::write(
        dir.path().join("lab.yaml"),
        format!(
            "workshop: test-145\ntlds: [ne]\ntrainees:\n  names: [alice]\ntimers: workshop\n\
             zoo: false\nexercises: [sign-zone]\naddresses:\n  base: 127.145.0.0/16\nport: {port}\n"
        ),
    )
    .unwrap();
    let state = dir.path().join("state");
    let args = ["up", "lab.yaml", "--state-dir", state.to_str().unwrap()];
    let out = dnslab(dir.path(), &args, Duration::from_secs(60));
    error_message(
        &args,
        &out,
        &[
            "node root",
            &format!("cannot listen on {root}:{port}"),
            "another program uses this address",
            "(os error",
        ],
    );
    drop(taken);
}
