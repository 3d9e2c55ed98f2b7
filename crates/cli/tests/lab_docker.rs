//! The Docker backend against the real engine: bring-up, validation
//! through the published ports, grading, container hardening, healing a
//! killed node, two workshops side by side, `down` by label (also without
//! the state directory), and trainee workstations with BIND's tools and
//! Unbound (trainee image from a debootstrap root filesystem given in
//! DNSLAB_TRAINEE_ROOTFS).
//!
//! Every query goes to 127.0.0.1 (the published ports) or runs inside a
//! container of the lab the test made. Each test uses its own workshop
//! name, hence its own network, subnet and containers.

mod common;

use common::lab::{Lab, ok, resolve, wait_for};
use common::{Flags, query};
use dnslab_testkit::printed;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};

fn docker_cli(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker client")
}

/// The ids of every container, network and volume labelled for `workshop`.
fn labelled(workshop: &str) -> Vec<String> {
    let filter = format!("label=dnslab.workshop={workshop}");
    let mut found = Vec::new();
    for args in [
        vec!["ps", "-a", "-q", "--filter", &filter],
        vec!["network", "ls", "-q", "--filter", &filter],
        vec!["volume", "ls", "-q", "--filter", &filter],
    ] {
        let out = docker_cli(&args);
        assert!(out.status.success(), "docker {args:?}: {}", printed(&out));
        found.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| format!("{} {l}", args[0])),
        );
    }
    found
}

fn docker_lab(workshop: &str, extra: &str) -> Lab {
    let lab = Lab::from_yaml(&format!(
        "workshop: {workshop}\ntlds: [ne]\ntrainees: {{ names: [alice, bob] }}\n{extra}"
    ));
    // A lab left over by an interrupted run of this test goes first.
    let _ = lab.run(&["down", "--workshop", workshop]);
    lab
}

fn up_docker(lab: &Lab) -> String {
    lab.up_docker()
}

/// Node name → (host address, container state, healthy).
fn nodes(lab: &Lab) -> Vec<(String, String, String, bool)> {
    let status = lab.status();
    assert_eq!(status["backend"], "docker", "{status}");
    status["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_string(),
                n["host"].as_str().unwrap_or("").to_string(),
                n["container"].as_str().unwrap_or("").to_string(),
                n["healthy"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn host_of(lab: &Lab, node: &str) -> SocketAddr {
    let (_, host, _, _) = nodes(lab)
        .into_iter()
        .find(|(n, ..)| n == node)
        .unwrap_or_else(|| panic!("no node {node}"));
    host.parse()
        .unwrap_or_else(|e| panic!("{node}: host {host:?}: {e}"))
}

fn dnssec() -> Flags {
    Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    }
}

/// `dnslab grade` for one trainee and exercise: (exit code, output).
fn grade(lab: &Lab, trainee: &str, exercise: &str) -> (i32, String) {
    let out = lab.run(&["grade", "--trainee", trainee, "--exercise", exercise]);
    (out.status.code().unwrap_or(-1), printed(&out))
}

fn submit_ds(lab: &Lab, trainee: &str, ksk: &Path) {
    ok(
        lab.run(&[
            "ds",
            "submit",
            "--trainee",
            trainee,
            "--key",
            ksk.to_str().unwrap(),
        ]),
        "ds submit",
    );
}

/// The KSK's `.key` file among `dir`'s keys (flags 257).
fn ksk_in(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "key")
                && std::fs::read_to_string(p)
                    .unwrap()
                    .lines()
                    .any(|l| !l.starts_with(';') && l.contains("DNSKEY") && l.contains(" 257 "))
        })
        .unwrap_or_else(|| panic!("no KSK in {}", dir.display()))
}

#[test]
fn docker_lab_validates_grades_heals_and_leaves_nothing_after_down() {
    if !dnslab_testkit::docker() {
        return;
    }
    // labs/minimal.yaml itself, under a workshop name of the test's own.
    let workshop = "dnslabtest-main";
    let minimal = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../labs/minimal.yaml"),
    )
    .unwrap();
    assert!(minimal.contains("\nworkshop: minimal\n"));
    let lab = Lab::from_yaml(&minimal.replace(
        "\nworkshop: minimal\n",
        &format!("\nworkshop: {workshop}\n"),
    ));
    let _ = lab.run(&["down", "--workshop", workshop]);
    let printed_up = up_docker(&lab);
    assert!(printed_up.contains("is up on Docker"), "{printed_up}");

    // Every node runs in its container, answers, and is reached on loopback.
    let all = nodes(&lab);
    assert!(all.len() >= 8, "{all:?}");
    for (name, host, container, healthy) in &all {
        assert!(healthy, "{name} not healthy: {all:?}");
        assert_eq!(container, "running", "{name}");
        let host: SocketAddr = host.parse().unwrap();
        assert!(host.ip().is_loopback(), "{name}: {host}");
    }
    let status = lab.status();
    let address = status["nodes"][0]["address"].as_str().unwrap().to_string();
    assert!(
        address.starts_with("10."),
        "lab addresses are on the bridge: {address}"
    );

    // The node image: FROM scratch, at most 30 MB.
    let images: serde_json::Value = serde_json::from_str(&ok(
        lab.run(&["image", "ls", "--format", "json"]),
        "image ls",
    ))
    .unwrap();
    let node_image = images
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "node")
        .expect("a node image");
    let size = node_image["size"].as_i64().unwrap();
    assert!(size <= 30_000_000, "node image is {size} bytes");
    let node_image = format!("dnslab-node:{}", env!("CARGO_PKG_VERSION"));
    let shell = docker_cli(&[
        "run",
        "--rm",
        "--entrypoint",
        "/bin/sh",
        &node_image,
        "-c",
        "true",
    ]);
    assert!(!shell.status.success(), "the node image has no shell");
    assert!(
        printed(&shell).contains("no such file"),
        "it fails for that reason: {}",
        printed(&shell)
    );

    // Containers are hardened: read-only root, capabilities dropped, not
    // privileged, limits, DNS published on 127.0.0.1 only, no Docker socket.
    let root = format!("{workshop}-root");
    let root_container = format!("dnslab-{root}");
    let inspect = docker_cli(&[
        "inspect",
        "--format",
        "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.HostConfig.Privileged}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{json .HostConfig.PortBindings}} {{json .Mounts}}",
        &root_container,
    ]);
    let text = String::from_utf8_lossy(&inspect.stdout).to_string();
    assert!(inspect.status.success(), "{}", printed(&inspect));
    assert!(
        text.starts_with("true [ALL] [NET_BIND_SERVICE] false "),
        "{text}"
    );
    assert!(!text.contains("docker.sock"), "{text}");
    assert!(
        text.contains("/zones\""),
        "the root serves from zones/: {text}"
    );
    assert!(!text.contains("/keys"), "no lab keys mounted: {text}");
    assert!(
        !text.contains("0.0.0.0"),
        "published on loopback only: {text}"
    );
    assert!(text.contains("\"HostIp\":\"127.0.0.1\""), "{text}");

    // The reference resolver validates the lab's chain, through its port.
    let reference = host_of(&lab, "reference-resolver");
    let secure = resolve(reference, "ne.", 6).unwrap().response;
    assert_eq!(secure.rcode, 0);
    assert!(secure.ad, "ne. SOA validated (AD)");
    let bogus = resolve(reference, "expired.zoo.", 6).unwrap().response;
    assert_eq!(bogus.rcode, 2, "an expired fixture is SERVFAIL");

    // A trainee signs in their workspace (hot reload into the container),
    // submits the DS, and is graded over the published ports.
    let workspace = lab.state.join("trainees/alice");
    let ksk = common::lab::sign_trainee_zone(&lab, &workspace, "alice.ne.");
    submit_ds(&lab, "alice", &ksk);
    let auth = host_of(&lab, "alice-auth");
    wait_for("alice's signed zone served", || {
        query(auth, "alice.ne.", 48, dnssec()).is_ok_and(|r| !r.answer.is_empty())
    });
    let (code, out) = grade(&lab, "alice", "sign-zone");
    assert_eq!(code, 0, "{out}");
    let (code, out) = grade(&lab, "alice", "ds-submission");
    assert_eq!(code, 0, "{out}");
    let (code, out) = grade(&lab, "bob", "sign-zone");
    assert_eq!(code, 1, "bob signed nothing: {out}");

    // A killed node is reported, and `up` brings it back.
    let tld = format!("dnslab-{workshop}-tld-ne");
    let killed = docker_cli(&["kill", &tld]);
    assert!(killed.status.success(), "{}", printed(&killed));
    let after_kill = nodes(&lab);
    let (_, _, state, healthy) = after_kill.iter().find(|(n, ..)| n == "tld-ne").unwrap();
    assert_ne!(state, "running", "{after_kill:?}");
    assert!(!healthy);
    let text = ok(lab.run(&["status"]), "status");
    assert!(text.contains("`dnslab up` brings it back"), "{text}");
    let tld_line = text.lines().find(|l| l.starts_with("tld-ne ")).unwrap();
    assert!(tld_line.contains("127.0.0.1:"), "the host column: {text}");
    up_docker(&lab);
    assert!(nodes(&lab).iter().all(|(.., s, h)| s == "running" && *h));
    let (code, out) = grade(&lab, "alice", "ds-submission");
    assert_eq!(code, 0, "after healing: {out}");

    // The supervisor records alice's timeline through the published ports:
    // her DNSKEY set at her server, her DS at the TLD.
    let timeline = lab.state.join("timeline/alice.jsonl");
    wait_for("a timeline snapshot with alice's keys and DS", || {
        std::fs::read_to_string(&timeline)
            // JSON lines: the tabs of the record text are escaped.
            .is_ok_and(|t| t.contains(r"\tDNSKEY\t") && t.contains(r"\tDS\t"))
    });

    // The TLD's CDS scanner reaches alice's server the same way: a signed
    // delete request (RFC 8078) removes her DS.
    let zone_file = workspace.join("alice.ne.zone");
    let mut text = std::fs::read_to_string(&zone_file).unwrap();
    text.push_str("alice.ne. 60 IN CDS 0 0 0 00\nalice.ne. 60 IN CDNSKEY 0 3 0 AA==\n");
    std::fs::write(&zone_file, text).unwrap();
    let keys = workspace.join("keys");
    ok(
        lab.run(&[
            "zone",
            "sign",
            zone_file.to_str().unwrap(),
            "--origin",
            "alice.ne.",
            "--keys",
            keys.to_str().unwrap(),
        ]),
        "zone sign with CDS delete",
    );
    wait_for("the CDS delete request served", || {
        query(auth, "alice.ne.", 59, dnssec()).is_ok_and(|r| !r.answer.is_empty())
    });
    let scanned = ok(lab.run(&["ds", "scan", "--trainee", "alice"]), "ds scan");
    assert!(scanned.contains("delete request honoured"), "{scanned}");
    let tld_host = host_of(&lab, "tld-ne");
    wait_for("the DS gone from ne.", || {
        query(tld_host, "alice.ne.", 43, dnssec()).is_ok_and(|r| r.answer.is_empty())
    });

    // `reset` replaces the workspace; the trainee's server follows it, on
    // the same published port.
    let auth_before = host_of(&lab, "alice-auth");
    ok(lab.run(&["reset", "alice"]), "reset");
    assert_eq!(host_of(&lab, "alice-auth"), auth_before);
    wait_for("alice's zone unsigned again", || {
        query(auth_before, "alice.ne.", 48, dnssec()).is_ok_and(|r| r.answer.is_empty())
    });
    let (code, out) = grade(&lab, "alice", "sign-zone");
    assert_eq!(code, 1, "after reset: {out}");

    // `down` removes every labelled object and keeps the trainees' work.
    ok(lab.run(&["down"]), "down");
    assert!(labelled(workshop).is_empty(), "{:?}", labelled(workshop));
    assert!(workspace.join("alice.ne.zone").exists());
    assert!(
        lab.state.join("attic").exists(),
        "the old workspace is kept"
    );
}

#[test]
fn two_workshops_run_side_by_side_and_down_of_one_leaves_the_other() {
    if !dnslab_testkit::docker() {
        return;
    }
    let first = docker_lab("dnslabtest-one", "zoo: false\n");
    let second = docker_lab("dnslabtest-two", "zoo: false\n");
    up_docker(&first);
    up_docker(&second);
    let subnet = |lab: &Lab| -> String {
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(lab.state.join("docker.json")).unwrap())
                .unwrap();
        record["subnet"].as_str().unwrap().to_string()
    };
    assert_ne!(subnet(&first), subnet(&second));
    let hosts = |lab: &Lab| -> Vec<String> { nodes(lab).into_iter().map(|n| n.1).collect() };
    let (a, b) = (hosts(&first), hosts(&second));
    assert!(a.iter().all(|h| !b.contains(h)), "{a:?} {b:?}");
    assert!(nodes(&first).iter().all(|n| n.3) && nodes(&second).iter().all(|n| n.3));

    ok(first.run(&["down"]), "down");
    assert!(labelled("dnslabtest-one").is_empty());
    assert!(!labelled("dnslabtest-two").is_empty());
    let tld = host_of(&second, "tld-ne");
    let answer = query(tld, "ne.", 6, dnssec()).unwrap();
    assert!(
        answer.aa && answer.rcode == 0,
        "the other lab still answers"
    );
    ok(second.run(&["down"]), "down");
    assert!(labelled("dnslabtest-two").is_empty());
}

#[test]
fn down_finds_the_containers_by_label_when_the_state_directory_is_gone() {
    if !dnslab_testkit::docker() {
        return;
    }
    let workshop = "dnslabtest-lost";
    let lab = docker_lab(workshop, "zoo: false\n");
    up_docker(&lab);
    assert!(!labelled(workshop).is_empty());
    // The supervisor goes with its state directory.
    let pid_file = std::fs::read_to_string(lab.state.join("supervisor.pid")).unwrap();
    // The pid is the first line (then its start time and boot).
    let pid = pid_file.lines().next().unwrap_or_default();
    let _ = Command::new("kill").arg(pid.trim()).status();
    wait_for("the supervisor to exit", || {
        !Path::new(&format!("/proc/{}", pid.trim())).exists()
    });
    std::fs::remove_dir_all(&lab.state).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(["down", "--workshop", workshop, "--state-dir"])
        .arg(elsewhere.path().join("gone"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", printed(&out));
    assert!(labelled(workshop).is_empty(), "{:?}", labelled(workshop));
}

/// Runs `script` with sh in `trainee`'s workstation: (exit code, output).
fn in_workstation(lab: &Lab, trainee: &str, script: &str) -> (i32, String) {
    let out = lab.run(&["exec", trainee, "--", "sh", "-c", script]);
    (out.status.code().unwrap_or(-1), printed(&out))
}

const UNBOUND_IN_WORKSTATION: &str = r#"
cat > /tmp/unbound.conf <<'CONF'
server:
  interface: 127.0.0.1
  port: 5300
  do-daemonize: yes
  chroot: ""
  username: ""
  pidfile: "/tmp/unbound.pid"
  directory: "/tmp"
  use-syslog: no
  logfile: "/tmp/unbound.log"
  do-ip6: no
  root-hints: "/lab/root.hints"
  trust-anchor-file: "/lab/trust-anchor.dnskey"
  module-config: "validator iterator"
CONF
unbound -c /tmp/unbound.conf
for i in $(seq 50); do
    dig @127.0.0.1 -p 5300 +tries=1 +time=1 . SOA >/dev/null && break
    sleep 0.2
done
echo "secure: $(dig @127.0.0.1 -p 5300 +dnssec +tries=3 ne. SOA | grep -c 'flags:.* ad')"
echo "bogus: $(dig @127.0.0.1 -p 5300 +tries=3 expired.zoo. SOA | grep -o 'status: [A-Z]*')"
kill "$(cat /tmp/unbound.pid)"
"#;

/// sign-zone with BIND's tools, as a trainee would type it.
const BIND_SIGN_ZONE: &str = r#"
set -e
cd /workspace
mkdir -p keys
dnssec-keygen -q -K keys -a ECDSAP256SHA256 -f KSK alice.ne
dnssec-keygen -q -K keys -a ECDSAP256SHA256 alice.ne
dnssec-signzone -S -K keys -o alice.ne -f alice.ne.zone.signed alice.ne.zone
"#;

#[test]
fn workstations_have_the_dns_tools_and_see_only_their_workspace() {
    if !dnslab_testkit::docker() {
        return;
    }
    let Some(rootfs) = std::env::var_os("DNSLAB_TRAINEE_ROOTFS") else {
        if std::env::var("DNSLAB_REQUIRE_DOCKER").as_deref() == Ok("1") {
            panic!(
                "DNSLAB_REQUIRE_DOCKER=1 but DNSLAB_TRAINEE_ROOTFS is not set: give a debootstrap root filesystem with the trainee tools (.ci/run makes one)"
            );
        }
        eprintln!(
            "skipped: set DNSLAB_TRAINEE_ROOTFS to a debootstrap root filesystem to test workstations"
        );
        return;
    };
    let workshop = "dnslabtest-ws";
    let lab = docker_lab(workshop, "nodes: { workstation: true }\n");
    lab.build_trainee_image(Path::new(&rootfs));
    up_docker(&lab);

    // Only the trainee's own workspace and the lab's public files.
    let (code, out) = in_workstation(&lab, "alice", "ls /workspace");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("alice.ne.zone") && !out.contains("bob.ne.zone"),
        "{out}"
    );
    // No private key anywhere in the container (the lab's are in the
    // state directory's keys/, which is not mounted), and only two mounts
    // from the host's state: /workspace and /lab.
    let (code, out) = in_workstation(
        &lab,
        "alice",
        "find / -xdev -name '*.private' 2>/dev/null | wc -l; find /workspace /lab -name '*.private' | wc -l",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["0", "0"],
        "{out}"
    );
    let (code, out) = in_workstation(&lab, "alice", "ls /lab");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["root.hints", "trust-anchor.dnskey"]
    );
    let (code, out) = in_workstation(&lab, "alice", "touch /usr/x");
    assert_ne!(code, 0, "the root filesystem is read-only: {out}");
    // The exit code of the command comes back.
    let (code, _) = in_workstation(&lab, "alice", "exit 7");
    assert_eq!(code, 7);

    // `dnslab shell` on a TTY: what is typed runs, and its exit status
    // comes back.
    let mut shell = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(["shell", "alice"])
        .env("DNSLAB_STATE_DIR", &lab.state)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = shell.stdin.take().unwrap();
        stdin
            .write_all(b"echo marker-$((6*7)) in $(pwd); exit 5\n")
            .unwrap();
    }
    let out = shell.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", printed(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("marker-42 in /workspace"),
        "{}",
        printed(&out)
    );

    // Unbound in the workstation validates the lab's chain.
    let (code, out) = in_workstation(&lab, "alice", UNBOUND_IN_WORKSTATION);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("secure: 1"), "ne. SOA with AD: {out}");
    assert!(out.contains("bogus: status: SERVFAIL"), "{out}");

    // sign-zone with BIND's tools in alice's workstation; the reference
    // solution (dnslab's toolbox) in bob's; each then submits the KSK's DS.
    let (code, out) = in_workstation(&lab, "alice", BIND_SIGN_ZONE);
    assert_eq!(code, 0, "{out}");
    let reference = "set -e; cd /workspace; mkdir -p keys; \
        dnslab key generate --zone bob.ne --ksk --dir keys; \
        dnslab key generate --zone bob.ne --dir keys; \
        dnslab zone sign bob.ne.zone --origin bob.ne --keys keys -o bob.ne.zone.signed";
    let (code, out) = in_workstation(&lab, "bob", reference);
    assert_eq!(code, 0, "{out}");
    for trainee in ["alice", "bob"] {
        let keys = lab.state.join("trainees").join(trainee).join("keys");
        submit_ds(&lab, trainee, &ksk_in(&keys));
        let auth = host_of(&lab, &format!("{trainee}-auth"));
        wait_for("the signed zone served", || {
            query(auth, &format!("{trainee}.ne."), 48, dnssec()).is_ok_and(|r| !r.answer.is_empty())
        });
        for exercise in ["sign-zone", "ds-submission"] {
            let (code, out) = grade(&lab, trainee, exercise);
            assert_eq!(code, 0, "{trainee} {exercise}: {out}");
        }
    }
    ok(lab.run(&["down"]), "down");
    assert!(labelled(workshop).is_empty());
}

#[test]
fn a_foreground_docker_lab_is_removed_when_stopped() {
    if !dnslab_testkit::docker() {
        return;
    }
    let workshop = "dnslabtest-fg";
    let lab = docker_lab(workshop, "zoo: false\n");
    let mut up = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(["up", lab.file.to_str().unwrap(), "--backend", "docker"])
        .env("DNSLAB_STATE_DIR", &lab.state)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the foreground lab's supervisor", || {
        lab.state.join("ready").exists()
    });
    assert!(nodes(&lab).iter().all(|n| n.3), "{:?}", nodes(&lab));
    // SIGTERM, as Ctrl-C or a service manager would stop it.
    let _ = Command::new("kill").arg(up.id().to_string()).status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = up.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "up did not stop");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    assert!(labelled(workshop).is_empty(), "{:?}", labelled(workshop));
    assert!(!lab.state.join("docker.json").exists());
}

#[test]
fn up_resumes_a_lab_whose_containers_all_stopped() {
    if !dnslab_testkit::docker() {
        return;
    }
    // What an engine restart leaves: every container stopped, the network
    // and the state still there.
    let workshop = "dnslabtest-resume";
    let lab = docker_lab(workshop, "zoo: false\n");
    up_docker(&lab);
    let before: Vec<(String, String)> = nodes(&lab).into_iter().map(|n| (n.0, n.1)).collect();
    let ids = docker_cli(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=dnslab.workshop={workshop}"),
    ]);
    let ids: Vec<String> = String::from_utf8_lossy(&ids.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(ids.len(), before.len(), "{ids:?}");
    let mut stop = vec!["stop".to_string(), "-t".to_string(), "1".to_string()];
    stop.extend(ids);
    let args: Vec<&str> = stop.iter().map(String::as_str).collect();
    let stopped = docker_cli(&args);
    assert!(stopped.status.success(), "{}", printed(&stopped));
    assert!(
        nodes(&lab).iter().all(|n| n.2 == "exited" && !n.3),
        "{:?}",
        nodes(&lab)
    );
    let text = up_docker(&lab);
    assert!(text.contains("is up on Docker"), "{text}");
    let after: Vec<(String, String)> = nodes(&lab).into_iter().map(|n| (n.0, n.1)).collect();
    assert_eq!(before, after, "the same containers, on the same ports");
    assert!(nodes(&lab).iter().all(|n| n.2 == "running" && n.3));
    ok(lab.run(&["down"]), "down");
    assert!(labelled(workshop).is_empty());
}
