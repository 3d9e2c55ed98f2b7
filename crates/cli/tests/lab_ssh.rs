//! Trainees log in to their own workstation by SSH (`access.ssh` in the
//! lab file, Docker backend), from outside the lab as from a laptop: with
//! Debian's OpenSSH client and sshpass, on the workstations' published
//! ports on 127.0.0.1; and, as root, from a network namespace the test
//! makes (the classroom network) to an address of its own veth pair.
//!
//! Needs the Docker engine, `ssh`, `ssh-keygen` and `sshpass` on the host,
//! and a trainee root filesystem with openssh-server in
//! DNSLAB_TRAINEE_ROOTFS (`.ci/run` makes one).

mod common;

use common::lab::{Lab, ok, wait_for};
use common::{Flags, query};
use dnslab_testkit::printed;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WORKSHOP: &str = "dnslabtest-ssh";

/// The trainee root filesystem, or `None` (skipped, reason printed).
fn rootfs_with_sshd() -> Option<PathBuf> {
    let Some(rootfs) = std::env::var_os("DNSLAB_TRAINEE_ROOTFS").map(PathBuf::from) else {
        dnslab_testkit::skip(
            "DNSLAB_REQUIRE_DOCKER",
            "DNSLAB_TRAINEE_ROOTFS is not set: give a debootstrap root filesystem with the trainee tools and openssh-server (.ci/run makes one)",
        );
        return None;
    };
    if !rootfs.join("usr/sbin/sshd").exists() {
        dnslab_testkit::skip(
            "DNSLAB_REQUIRE_DOCKER",
            &format!(
                "{} has no usr/sbin/sshd: make it with openssh-server in debootstrap's --include",
                rootfs.display()
            ),
        );
        return None;
    }
    Some(rootfs)
}

/// Two ports in a row free on 127.0.0.1 for TCP: `base + 1`, `base + 2`.
fn free_port_base() -> u16 {
    for _ in 0..100 {
        let probe = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let p = probe.local_addr().unwrap().port();
        drop(probe);
        if p < 60000
            && std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, p + 1)).is_ok()
            && std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, p + 2)).is_ok()
        {
            return p;
        }
    }
    panic!("no two free ports in a row on 127.0.0.1");
}

fn docker_cli(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker client")
}

/// The OpenSSH client, as a trainee's laptop runs it: nothing from this
/// machine's configuration or keys, this test's known_hosts file.
struct Client {
    ssh: PathBuf,
    sshpass: PathBuf,
    known_hosts: PathBuf,
}

impl Client {
    /// The options of every connection; `checking` is
    /// StrictHostKeyChecking's value (ssh takes the first value given).
    fn options(&self, port: u16, checking: &str) -> Vec<String> {
        [
            "-F",
            "/dev/null",
            "-p",
            &port.to_string(),
            "-o",
            &format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o",
            &format!("StrictHostKeyChecking={checking}"),
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "LogLevel=ERROR",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// `script` run by `user` logged in with `password`: (exit code, output).
    /// A host not yet in known_hosts is added; a changed host key fails.
    fn with_password(&self, port: u16, user: &str, password: &str, script: &str) -> (i32, String) {
        self.password_login(port, user, password, script, "accept-new")
    }

    /// As [`Client::with_password`], the host key already known.
    fn known_host(&self, port: u16, user: &str, password: &str, script: &str) -> (i32, String) {
        self.password_login(port, user, password, script, "yes")
    }

    fn password_login(
        &self,
        port: u16,
        user: &str,
        password: &str,
        script: &str,
        checking: &str,
    ) -> (i32, String) {
        let out = Command::new(&self.sshpass)
            .arg("-e")
            .arg(&self.ssh)
            .args(self.options(port, checking))
            .args([
                "-o",
                "PubkeyAuthentication=no",
                "-o",
                "PreferredAuthentications=password",
                "-o",
                "NumberOfPasswordPrompts=1",
                &format!("{user}@127.0.0.1"),
                script,
            ])
            .env("SSHPASS", password)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run sshpass");
        (out.status.code().unwrap_or(-1), printed(&out))
    }

    /// `script` run by `user` logged in with the key `identity` only.
    fn with_key(&self, port: u16, user: &str, identity: &Path, script: &str) -> (i32, String) {
        let out = Command::new(&self.ssh)
            .args(self.options(port, "accept-new"))
            .args([
                "-o",
                "BatchMode=yes",
                "-o",
                "PasswordAuthentication=no",
                "-o",
                "IdentitiesOnly=yes",
                "-i",
                identity.to_str().unwrap(),
                &format!("{user}@127.0.0.1"),
                script,
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run ssh");
        (out.status.code().unwrap_or(-1), printed(&out))
    }
}

/// sign-zone with BIND's tools, as a trainee types it after logging in.
const BIND_SIGN_ZONE: &str = "set -e; cd; mkdir -p keys; \
    dnssec-keygen -q -K keys -a ECDSAP256SHA256 -f KSK alice.ne; \
    dnssec-keygen -q -K keys -a ECDSAP256SHA256 alice.ne; \
    dnssec-signzone -S -K keys -o alice.ne -f alice.ne.zone.signed alice.ne.zone";

/// `dnslab access list --format json`, by trainee: (command, password,
/// host key fingerprint, port).
fn logins(lab: &Lab) -> Vec<(String, String, Option<String>, String, u16)> {
    let text = ok(
        lab.run(&["access", "list", "--format", "json"]),
        "access list",
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["trainee"].as_str().unwrap().to_string(),
                l["command"].as_str().unwrap().to_string(),
                l["password"].as_str().map(str::to_string),
                l["host_key"].as_str().unwrap_or_default().to_string(),
                l["port"].as_u64().unwrap() as u16,
            )
        })
        .collect()
}

fn inspect(container: &str, format: &str) -> String {
    let out = docker_cli(&["inspect", "--format", format, container]);
    assert!(out.status.success(), "{}", printed(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn trainees_reach_their_own_workstation_by_ssh_and_nothing_else() {
    if !dnslab_testkit::docker() {
        return;
    }
    let Some([ssh, sshpass, ssh_keygen]) = dnslab_testkit::peers(["ssh", "sshpass", "ssh-keygen"])
    else {
        return;
    };
    let Some(rootfs) = rootfs_with_sshd() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // bob's laptop key, given in the lab file.
    let identity = dir.path().join("bob_key");
    let made = Command::new(&ssh_keygen)
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob@laptop", "-f"])
        .arg(&identity)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", printed(&made));
    let bob_key = std::fs::read_to_string(identity.with_extension("pub")).unwrap();
    let base = free_port_base();
    let lab = Lab::from_yaml(&format!(
        "workshop: {WORKSHOP}\ntlds: [ne]\ntrainees: {{ names: [alice, bob] }}\nzoo: false\n\
         addresses: {{ base: 127.156.0.0/16 }}\nport: 10053\nexercises: [sign-zone]\n\
         access:\n  ssh: true\n  port_base: {base}\n  keys:\n    bob: [\"{}\"]\n",
        bob_key.trim()
    ));
    let _ = lab.run(&["down", "--workshop", WORKSHOP]);
    lab.build_trainee_image(&rootfs);
    let up = lab.up_docker();
    assert!(
        up.contains(&format!(
            "trainees log in by SSH on 127.0.0.1, ports {}–{}",
            base + 1,
            base + 2
        )),
        "{up}"
    );
    let client = Client {
        ssh,
        sshpass,
        known_hosts: dir.path().join("known_hosts"),
    };

    // The instructor's list: one line per trainee, a password each.
    let before = logins(&lab);
    assert_eq!(before.len(), 2, "{before:?}");
    let (alice_port, bob_port) = (base + 1, base + 2);
    let alice = &before[0];
    let bob = &before[1];
    assert_eq!(alice.1, format!("ssh -p {alice_port} alice@127.0.0.1"));
    assert_eq!(bob.4, bob_port);
    let (alice_pw, bob_pw) = (alice.2.clone().unwrap(), bob.2.clone().unwrap());
    assert_ne!(alice_pw, bob_pw);
    assert!(
        alice.3.starts_with("SHA256:") && alice.3 != bob.3,
        "{before:?}"
    );
    let text = ok(lab.run(&["access", "list"]), "access list");
    assert!(
        text.contains(&alice_pw) && text.contains(&alice.1),
        "{text}"
    );
    // Passwords and host keys are the instructor's alone.
    let mode = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&lab.state.join("access/credentials.json")), 0o600);
    assert_eq!(
        mode(&lab.state.join("access/alice/ssh_host_ed25519_key")),
        0o600
    );
    assert_eq!(mode(&lab.state.join("access/alice/shadow")), 0o600);
    assert_eq!(mode(&lab.state.join("access")), 0o700);

    // The handout: a sheet per trainee with the ssh line and password.
    let handout = ok(lab.run(&["handout"]), "handout");
    let sheets: Vec<&str> = handout.split('\x0c').collect();
    assert_eq!(sheets.len(), 2, "{handout}");
    assert!(
        sheets[0].contains(&alice.1) && sheets[0].contains(&alice_pw),
        "{handout}"
    );
    assert!(!sheets[0].contains(&bob_pw), "alice's sheet has only hers");
    assert!(
        sheets[0].contains("alice.ne.") && sheets[0].contains("Sign your zone"),
        "{handout}"
    );
    let html = dir.path().join("handout.html");
    ok(
        lab.run(&["handout", "--format", "html", "-o", html.to_str().unwrap()]),
        "handout --format html",
    );
    assert_eq!(mode(&html), 0o600);
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("class=\"sheet\"").count(), 2, "{page}");
    assert!(page.contains("page-break-after") && page.contains(&bob_pw));

    // alice logs in with her password, signs her zone with BIND's tools in
    // her workspace, and the grader sees it over the wire.
    let (code, out) = client.with_password(alice_port, "alice", &alice_pw, "id -un; pwd; ls");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("alice\n/workspace\n"), "{out}");
    assert!(
        out.contains("alice.ne.zone") && !out.contains("bob.ne.zone"),
        "{out}"
    );
    let (code, out) = client.with_password(alice_port, "alice", &alice_pw, BIND_SIGN_ZONE);
    assert_eq!(code, 0, "{out}");
    // Her files are the instructor's on the host.
    let signed = lab.state.join("trainees/alice/alice.ne.zone.signed");
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid cannot fail and touches no memory.
    assert_eq!(std::fs::metadata(&signed).unwrap().uid(), unsafe {
        libc::getuid()
    });
    let status = lab.status();
    let auth: SocketAddr = status["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "alice-auth")
        .and_then(|n| n["host"].as_str())
        .unwrap()
        .parse()
        .unwrap();
    let dnssec = Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    };
    wait_for("alice's signed zone served", || {
        query(auth, "alice.ne.", 48, dnssec).is_ok_and(|r| !r.answer.is_empty())
    });
    let graded = lab.run(&["grade", "--trainee", "alice", "--exercise", "sign-zone"]);
    assert_eq!(graded.status.code(), Some(0), "{}", printed(&graded));

    // She reaches the lab's servers and her resolver from her workstation.
    let root_ip = status["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "root")
        .and_then(|n| n["address"].as_str())
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_string();
    let (code, out) = client.with_password(
        alice_port,
        "alice",
        &alice_pw,
        &format!(
            "dig +short +tries=3 @{root_ip} . SOA | wc -l; dig +tries=3 +dnssec alice.ne. DNSKEY | grep -c 'status: NOERROR'"
        ),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["1", "1"],
        "{out}"
    );

    // Nothing of the lab but her own: no Docker socket, /lab holds only
    // public files, no mount from the state directory but her workspace,
    // /lab and her own SSH files.
    let (code, out) = client.with_password(
        alice_port,
        "alice",
        &alice_pw,
        "ls /lab; ls /var/run/docker.sock /run/docker.sock 2>&1 | grep -c 'No such file'; ls /etc/dnslab-ssh",
    );
    assert_eq!(code, 0, "{out}");
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        &words[..3],
        ["root.hints", "trust-anchor.dnskey", "2"],
        "{out}"
    );
    assert!(
        words.contains(&"ssh_host_ed25519_key") && !out.contains("bob"),
        "{out}"
    );
    let container = format!("dnslab-{WORKSHOP}-alice-workstation");
    let mounts = inspect(
        &container,
        "{{range .Mounts}}{{.Source}} {{.Destination}} {{.RW}}\n{{end}}",
    );
    let state = std::fs::canonicalize(&lab.state).unwrap();
    for line in mounts.lines() {
        let source = line.split(' ').next().unwrap();
        let source = std::fs::canonicalize(source).unwrap_or_else(|_| PathBuf::from(source));
        if let Ok(rel) = source.strip_prefix(&state) {
            let rel = rel.to_str().unwrap();
            assert!(
                rel == "trainees/alice" || rel == "public" || rel.starts_with("access/alice"),
                "alice's workstation mounts {rel}: {mounts}"
            );
        }
        assert!(!line.contains("docker.sock"), "{mounts}");
    }
    assert!(mounts.contains(" /workspace true"), "{mounts}");
    assert!(mounts.contains(" /etc/shadow false"), "{mounts}");
    // Hardened as the nodes are: read-only root, no new privileges, memory
    // and process limits, at most privilege separation's capabilities,
    // published on loopback only.
    let hardening = inspect(
        &container,
        "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Privileged}} {{.HostConfig.SecurityOpt}} {{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{json .HostConfig.PortBindings}}",
    );
    assert!(
        hardening.starts_with("true false [no-new-privileges] [ALL] "),
        "{hardening}"
    );
    for cap in hardening
        .split('[')
        .nth(3)
        .and_then(|s| s.split(']').next())
        .unwrap_or_default()
        .split_whitespace()
    {
        assert!(
            ["SETUID", "SETGID", "SYS_CHROOT"].contains(&cap),
            "{hardening}"
        );
    }
    assert!(hardening.contains("1073741824 512 "), "{hardening}");
    assert!(
        hardening.contains(&format!(
            "\"HostIp\":\"127.0.0.1\",\"HostPort\":\"{alice_port}\""
        )),
        "{hardening}"
    );
    // The bridge does not masquerade; and nothing on it may open a
    // connection off it (the lab's firewall table, docker::egress): the
    // host listens on the bridge's own gateway address and hears nothing
    // from her workstation, while connections from the host in (her SSH
    // login) work throughout.
    let masquerade = inspect(
        &format!("dnslab-{WORKSHOP}"),
        "{{index .Options \"com.docker.network.bridge.enable_ip_masquerade\"}}",
    );
    assert_eq!(masquerade, "false");
    let gateway: std::net::Ipv4Addr = inspect(
        &format!("dnslab-{WORKSHOP}"),
        "{{(index .IPAM.Config 0).Gateway}}",
    )
    .parse()
    .expect("the lab network's gateway");
    let host_side = std::net::TcpListener::bind((gateway, 0)).unwrap();
    host_side.set_nonblocking(true).unwrap();
    let host_port = host_side.local_addr().unwrap().port();
    let (code, out) = client.with_password(
        alice_port,
        "alice",
        &alice_pw,
        &format!(
            "if timeout 3 bash -c 'echo hi > /dev/tcp/{gateway}/{host_port}'; then echo reached; else echo blocked; fi"
        ),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "blocked", "{out}");
    assert!(
        host_side.accept().is_err(),
        "the host heard alice's workstation on {gateway}:{host_port}"
    );

    // bob's password does not open alice's account, nor alice's key bob's…
    let (code, out) = client.with_password(alice_port, "alice", &bob_pw, "true");
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("Permission denied") || code == 5,
        "{code}: {out}"
    );
    let (code, out) = client.with_password(bob_port, "alice", &alice_pw, "true");
    assert_ne!(code, 0, "alice cannot log in to bob's workstation: {out}");
    // …bob's key from the lab file logs him in, and only him.
    let (code, out) = client.with_key(bob_port, "bob", &identity, "id -un");
    assert_eq!((code, out.trim()), (0, "bob"), "{out}");
    let (code, out) = client.with_key(alice_port, "alice", &identity, "true");
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("Permission denied"), "{out}");
    // From alice's workstation, bob's sshd refuses her over the bridge.
    let bob_ws = inspect(
        &format!("dnslab-{WORKSHOP}-bob-workstation"),
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    );
    let (_, out) = client.with_password(
        alice_port,
        "alice",
        &alice_pw,
        &format!(
            "ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -p 2222 bob@{bob_ws} true; echo exit=$?"
        ),
    );
    assert!(out.contains("exit=255"), "{out}");
    let logs = docker_cli(&["logs", &format!("dnslab-{WORKSHOP}-bob-workstation")]);
    assert!(
        printed(&logs).contains("not allowed because listed in DenyUsers"),
        "{}",
        printed(&logs)
    );

    // A re-created workstation keeps its host key: the known_hosts entry
    // made at the first login still holds (a changed key would fail here).
    let removed = docker_cli(&["rm", "-f", &container]);
    assert!(removed.status.success(), "{}", printed(&removed));
    lab.up_docker();
    let (code, out) = client.known_host(alice_port, "alice", &alice_pw, "true");
    assert_eq!(code, 0, "same host key after re-creation: {out}");

    // `reset` keeps the password and the host key, and gives a fresh
    // workspace.
    ok(lab.run(&["reset", "alice"]), "reset");
    assert_eq!(logins(&lab), before);
    let (code, out) = client.known_host(alice_port, "alice", &alice_pw, "true");
    assert_eq!(code, 0, "same login after reset: {out}");
    let (code, out) = client.with_password(alice_port, "alice", &alice_pw, "ls");
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("alice.ne.zone.signed"), "{out}");

    ok(lab.run(&["down"]), "down");
}

/// A veth pair to a network namespace of the test's own, standing in for
/// the classroom network; removed when dropped.
struct Classroom {
    ns: String,
    host_if: String,
}

impl Drop for Classroom {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .output();
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
    }
}

/// A trainee's laptop on the classroom network (a network namespace this
/// test makes, behind a veth pair: root only) logs in on the address the
/// lab publishes SSH on. The connection comes in through Docker's DNAT and
/// its replies leave the lab's bridge for another interface: the lab's
/// firewall (docker::egress) must let replies out while it drops every
/// connection opened from the bridge.
#[test]
fn a_laptop_on_the_classroom_network_logs_in_through_the_lab_firewall() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        // Not a missing tool: making a network namespace takes root, which
        // `cargo test` as an ordinary user does not have (CI runs as root).
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a_laptop_on_the_classroom_network_logs_in_through_the_lab_firewall: needs root for a network namespace"
        );
        return;
    }
    if !dnslab_testkit::docker() {
        return;
    }
    let Some([ssh, sshpass, ip]) = dnslab_testkit::peers(["ssh", "sshpass", "ip"]) else {
        return;
    };
    let Some(rootfs) = rootfs_with_sshd() else {
        return;
    };
    let tag = std::process::id() % 10000;
    let net = Classroom {
        ns: format!("dnslab-lan-{tag}"),
        host_if: format!("dlh{tag}"),
    };
    let peer_if = format!("dln{tag}");
    let (host_addr, laptop_addr) = ("198.18.251.1", "198.18.251.2");
    for args in [
        vec!["netns", "add", &net.ns],
        vec![
            "link",
            "add",
            &net.host_if,
            "type",
            "veth",
            "peer",
            "name",
            &peer_if,
        ],
        vec!["link", "set", &peer_if, "netns", &net.ns],
        vec!["addr", "add", "198.18.251.1/30", "dev", &net.host_if],
        vec!["link", "set", &net.host_if, "up"],
        vec![
            "-n",
            &net.ns,
            "addr",
            "add",
            "198.18.251.2/30",
            "dev",
            &peer_if,
        ],
        vec!["-n", &net.ns, "link", "set", &peer_if, "up"],
        vec!["-n", &net.ns, "link", "set", "lo", "up"],
    ] {
        let out = Command::new(&ip).args(&args).output().unwrap();
        assert!(out.status.success(), "ip {args:?}: {}", printed(&out));
    }
    let workshop = "dnslabtest-ssh-lan";
    let lab = Lab::from_yaml(&format!(
        "workshop: {workshop}\ntlds: [ne]\ntrainees: {{ names: [alice] }}\nzoo: false\n\
         addresses: {{ base: 127.157.0.0/16 }}\nport: 10053\nexercises: [sign-zone]\n\
         access:\n  ssh: true\n  bind: {host_addr}\n  port_base: 2200\n"
    ));
    let _ = lab.run(&["down", "--workshop", workshop]);
    lab.build_trainee_image(&rootfs);
    lab.up_docker();
    let (_, _, password, _, port) = logins(&lab)
        .into_iter()
        .find(|l| l.0 == "alice")
        .expect("alice's login");
    let password = password.expect("alice's password");
    let known_hosts = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(&ip)
        .args(["netns", "exec", &net.ns])
        .arg(&sshpass)
        .arg("-e")
        .arg(&ssh)
        .args(["-F", "/dev/null", "-p", &port.to_string(), "-o"])
        .arg(format!(
            "UserKnownHostsFile={}",
            known_hosts.path().display()
        ))
        .args([
            "-o",
            "StrictHostKeyChecking=accept-new",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "LogLevel=ERROR",
            &format!("alice@{host_addr}"),
            "echo logged-in-from; echo $SSH_CLIENT",
        ])
        .env("SSHPASS", &password)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", printed(&out));
    assert!(said.contains("logged-in-from"), "{said}");
    // Through Docker's DNAT the workstation sees the laptop's address
    // (docker-proxy would show the gateway's).
    assert!(said.contains(laptop_addr), "{said}");
    ok(lab.run(&["down"]), "dnslab down");
}
