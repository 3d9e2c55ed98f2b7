//! Helpers for the lab tests: running `dnslab` against a lab's state
//! directory, a lab on its own 127.x network, Unbound pointed at the lab,
//! and recursive queries that report Extended DNS Errors.

use super::{Flags, build_query, parse_response};
use dnslab_testkit::printed;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub fn dnslab(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(args)
        .env("DNSLAB_STATE_DIR", state)
        .output()
        .expect("run dnslab")
}

pub fn ok(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        printed(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A lab on a network of its own: 127.<octet>.0.0/16.
pub struct Lab {
    /// Holds the lab file and the state until the test ends.
    _dir: tempfile::TempDir,
    pub file: PathBuf,
    pub state: PathBuf,
}

impl Lab {
    /// A lab from the text of its lab file, with its state in a temporary directory.
    pub fn from_yaml(text: &str) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lab.yaml");
        std::fs::write(&file, text).unwrap();
        let state = dir.path().join("state");
        Lab {
            _dir: dir,
            file,
            state,
        }
    }

    /// `dnslab status --format json`, parsed.
    pub fn status(&self) -> serde_json::Value {
        let text = ok(self.run(&["status", "--format", "json"]), "dnslab status");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("status JSON: {e}\n{text}"))
    }

    pub fn run(&self, args: &[&str]) -> Output {
        dnslab(&self.state, args)
    }

    pub fn up(&self) -> String {
        ok(
            self.run(&["up", self.file.to_str().unwrap(), "--detach"]),
            "dnslab up --detach",
        )
    }

    /// `dnslab image build trainee --rootfs ROOTFS` (workstations).
    pub fn build_trainee_image(&self, rootfs: &Path) -> String {
        ok(
            self.run(&[
                "image",
                "build",
                "trainee",
                "--rootfs",
                rootfs.to_str().unwrap(),
            ]),
            "image build trainee",
        )
    }

    /// `dnslab up LAB --backend docker --detach`.
    pub fn up_docker(&self) -> String {
        ok(
            self.run(&[
                "up",
                self.file.to_str().unwrap(),
                "--backend",
                "docker",
                "--detach",
            ]),
            "dnslab up --backend docker",
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.run(&["down"]);
    }
}

pub fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

/// Unbound with the lab's root hints and trust anchor, killed on drop.
pub struct Unbound {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `dnslab resolver-config --format FORMAT --listen LISTEN [extra]`
/// prints for the lab: a trainee's own resolver's whole configuration.
pub fn resolver_config(lab: &Lab, format: &str, listen: &str, extra: &[&str]) -> String {
    let mut args = vec!["resolver-config", "--format", format, "--listen", listen];
    args.extend_from_slice(extra);
    ok(lab.run(&args), "resolver-config")
}

/// Unbound as a trainee would run it: the configuration `dnslab
/// resolver-config` prints (trust anchor, stub zones at the lab's port,
/// access control), plus a log file for the test's messages.
pub fn start_unbound(unbound: &Path, dir: &Path, lab: &Lab, addr: SocketAddr) -> Unbound {
    let generated = resolver_config(lab, "unbound", &addr.to_string(), &[]);
    let log = dir.join("unbound.log");
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            "{generated}\nserver:\n  logfile: \"{l}\"\n  val-log-level: 2\n",
            l = log.display(),
        ),
    )
    .unwrap();
    let child = Command::new(unbound)
        .args(["-d", "-c", conf.to_str().unwrap()])
        .spawn()
        .expect("start unbound");
    let u = Unbound { child, addr, log };
    wait_for("unbound", || {
        resolve_within(addr, "ne.", 6, Duration::from_secs(1)).is_ok()
    });
    u
}

/// What a resolver said: the parsed response and its EDE options.
pub struct Resolved {
    pub response: super::Response,
    /// (info-code, extra text) of each Extended DNS Error option.
    pub ede: Vec<(u16, String)>,
}

/// A recursive query (RD set, DO set) to a resolver, over UDP.
pub fn resolve(addr: SocketAddr, qname: &str, qtype: u16) -> Result<Resolved, String> {
    resolve_within(addr, qname, qtype, Duration::from_secs(10))
}

pub fn resolve_within(
    addr: SocketAddr,
    qname: &str,
    qtype: u16,
    timeout: Duration,
) -> Result<Resolved, String> {
    let id = (std::process::id() as u16).wrapping_add(qtype);
    let flags = Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    };
    let mut wire = build_query(id, qname, qtype, flags);
    wire[2] |= 0x01;
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    socket.send_to(&wire, addr).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65535];
    let (n, _) = socket.recv_from(&mut buf).map_err(|e| e.to_string())?;
    Ok(Resolved {
        response: parse_response(&buf[..n])?,
        ede: ede_options(&buf[..n]),
    })
}

/// Skips a (possibly compressed) name; the offset after it.
pub fn skip_name(msg: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *msg.get(at)? as usize;
        match len {
            0 => return Some(at + 1),
            l if l & 0xc0 == 0xc0 => return Some(at + 2),
            l => at += 1 + l,
        }
    }
}

/// The Extended DNS Error options (option code 15, RFC 8914) of the OPT
/// record in a response.
pub fn ede_options(msg: &[u8]) -> Vec<(u16, String)> {
    let u16_at =
        |at: usize| -> Option<u16> { Some(u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?])) };
    let parse = || -> Option<Vec<(u16, String)>> {
        let counts: Vec<u16> = (0..4).map(|i| u16_at(4 + 2 * i)).collect::<Option<_>>()?;
        let mut at = 12;
        for _ in 0..counts[0] {
            at = skip_name(msg, at)? + 4;
        }
        let mut out = Vec::new();
        for (section, &count) in counts.iter().enumerate().skip(1) {
            for _ in 0..count {
                at = skip_name(msg, at)?;
                let rtype = u16_at(at)?;
                let rdlen = u16_at(at + 8)? as usize;
                let rdata = msg.get(at + 10..at + 10 + rdlen)?;
                at += 10 + rdlen;
                if section != 3 || rtype != 41 {
                    continue;
                }
                let mut o = 0;
                while o + 4 <= rdata.len() {
                    let code = u16::from_be_bytes([rdata[o], rdata[o + 1]]);
                    let len = u16::from_be_bytes([rdata[o + 2], rdata[o + 3]]) as usize;
                    let data = rdata.get(o + 4..o + 4 + len)?;
                    if code == 15 && data.len() >= 2 {
                        let info = u16::from_be_bytes([data[0], data[1]]);
                        out.push((info, String::from_utf8_lossy(&data[2..]).into_owned()));
                    }
                    o += 4 + len;
                }
            }
        }
        Some(out)
    };
    parse().unwrap_or_default()
}

/// Generates a KSK and a ZSK in `<workspace>/keys` and signs the trainee's
/// zone file there (`<zone>.zone` → `<zone>.zone.signed`); returns the KSK's `.key`.
pub fn sign_trainee_zone(lab: &Lab, workspace: &Path, zone: &str) -> PathBuf {
    let keys = workspace.join("keys");
    let k = keys.to_str().unwrap();
    let ksk = ok(
        lab.run(&["key", "generate", "--zone", zone, "--ksk", "--dir", k]),
        "key generate",
    );
    ok(
        lab.run(&["key", "generate", "--zone", zone, "--dir", k]),
        "key generate",
    );
    let zone_file = workspace.join(format!("{}zone", zone));
    ok(
        lab.run(&[
            "zone",
            "sign",
            zone_file.to_str().unwrap(),
            "--origin",
            zone,
            "--keys",
            k,
        ]),
        "zone sign",
    );
    keys.join(format!("{}.key", ksk.trim()))
}

/// The number of a query type named in `dnslab zoo --format json`.
pub fn qtype_number(name: &str) -> u16 {
    match name {
        "A" => 1,
        "NS" => 2,
        "SOA" => 6,
        "TXT" => 16,
        "AAAA" => 28,
        "DS" => 43,
        "DNSKEY" => 48,
        other => panic!("qtype {other} not known to this test"),
    }
}
