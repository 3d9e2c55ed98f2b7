//! The bogus zoo end to end: `dnslab up` with the zoo, then Unbound (with
//! the lab's root hints and trust anchor) resolves every fixture of
//! `dnslab zoo --format json` and must conclude what the catalogue says:
//! secure (AD), insecure (no AD) or bogus (SERVFAIL). Extended DNS Errors
//! are reported against the accepted codes, not enforced. delv checks one
//! secure and one bogus fixture on its own.
//!
//! The lab has its own network, 127.133.0.0/16, on port 53 (resolvers
//! follow glue to port 53 only); every query goes to loopback.

mod common;

use common::{Flags, build_query, parse_response, query, rcode_name};
use dnslab_testkit::{peer, peers, printed};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn dnslab(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(args)
        .env("DNSLAB_STATE_DIR", state)
        .output()
        .expect("run dnslab")
}

fn ok(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        printed(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A lab on a network of its own: 127.<octet>.0.0/16.
struct Lab {
    /// Holds the lab file and the state until the test ends.
    _dir: tempfile::TempDir,
    file: PathBuf,
    state: PathBuf,
}

impl Lab {
    fn new(octet: u8, port: u16) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lab.yaml");
        let text = format!(
            "workshop: test-{octet}\ntlds: [ne]\ntrainees:\n  names: [alice]\ntimers: workshop\n\
             zoo: true\naddresses:\n  base: 127.{octet}.0.0/16\nport: {port}\n"
        );
        std::fs::write(&file, text).unwrap();
        let state = dir.path().join("state");
        Lab {
            _dir: dir,
            file,
            state,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        dnslab(&self.state, args)
    }

    fn up(&self) -> String {
        ok(
            self.run(&["up", self.file.to_str().unwrap(), "--detach"]),
            "dnslab up --detach",
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.run(&["down"]);
    }
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
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
struct Unbound {
    child: std::process::Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ede: yes` exists from Unbound 1.16.
fn unbound_has_ede(unbound: &Path) -> bool {
    let out = Command::new(unbound).arg("-V").output();
    let Ok(out) = out else { return false };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("Version "))
        .unwrap_or("");
    let mut parts = version
        .trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 16)
}

fn start_unbound(unbound: &Path, dir: &Path, lab: &Lab, addr: SocketAddr) -> Unbound {
    let hints = dir.join("root.hints");
    std::fs::write(&hints, ok(lab.run(&["root-hints"]), "root-hints")).unwrap();
    let anchor = ok(
        lab.run(&["trust-anchor", "--format", "unbound"]),
        "trust-anchor",
    );
    let ede = if unbound_has_ede(unbound) {
        "ede: yes\n  "
    } else {
        ""
    };
    let log = dir.join("unbound.log");
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            "server:\n  interface: {ip}@{port}\n  port: {port}\n  do-ip6: no\n  do-not-query-localhost: no\n  \
             access-control: 127.0.0.0/8 allow\n  chroot: \"\"\n  username: \"\"\n  directory: \"{d}\"\n  pidfile: \"{d}/unbound.pid\"\n  \
             use-syslog: no\n  logfile: \"{l}\"\n  root-hints: \"{h}\"\n  module-config: \"validator iterator\"\n  \
             val-log-level: 2\n  {ede}qname-minimisation: no\n  harden-referral-path: no\n  {anchor}\nremote-control:\n  control-enable: no\n",
            ip = addr.ip(),
            port = addr.port(),
            d = dir.display(),
            l = log.display(),
            h = hints.display(),
            anchor = anchor.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n  "),
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
struct Resolved {
    response: common::Response,
    /// (info-code, extra text) of each Extended DNS Error option.
    ede: Vec<(u16, String)>,
}

/// A recursive query (RD set, DO set) to a resolver, over UDP.
fn resolve(addr: SocketAddr, qname: &str, qtype: u16) -> Result<Resolved, String> {
    resolve_within(addr, qname, qtype, Duration::from_secs(10))
}

fn resolve_within(
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
fn skip_name(msg: &[u8], mut at: usize) -> Option<usize> {
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
fn ede_options(msg: &[u8]) -> Vec<(u16, String)> {
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

fn qtype_number(name: &str) -> u16 {
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

/// Whether a response is what the catalogue expects; `None` if so, else
/// why not.
fn mismatch(expect: &str, rcode: &str, r: &common::Response) -> Option<String> {
    let got = rcode_name(r.rcode);
    let problem = match expect {
        "secure" if got != rcode => Some(format!("expected {rcode} with AD")),
        "secure" if !r.ad => Some("expected AD (secure), AD not set".to_string()),
        "insecure" if got != rcode => Some(format!("expected {rcode} without AD")),
        "insecure" if r.ad => Some("expected no AD (insecure), AD set".to_string()),
        "bogus" if got != "SERVFAIL" => Some("expected SERVFAIL (bogus)".to_string()),
        "secure" | "insecure" | "bogus" => None,
        other => Some(format!("unknown expectation {other:?}")),
    };
    problem.map(|p| format!("{p}; got {}", r.header_text()))
}

#[test]
fn unbound_finds_every_fixture_of_the_zoo_as_catalogued() {
    let Some([unbound, delv]) = peers(["unbound", "delv"]) else {
        return;
    };
    // Resolvers follow glue to port 53 only, so this lab uses port 53 on its own network.
    let lab = Lab::new(133, 53);
    lab.up();
    let catalogue: serde_json::Value = serde_json::from_str(&ok(
        lab.run(&["zoo", "--format", "json"]),
        "dnslab zoo --format json",
    ))
    .expect("zoo JSON");
    let fixtures = catalogue.as_array().expect("a list");
    assert!(fixtures.len() >= 15, "{catalogue}");

    // The point of big-dnskey: its DNSKEY answer does not fit 1232 octets
    // over UDP, and comes whole over TCP.
    let zoo_node: SocketAddr = "127.133.2.1:53".parse().unwrap();
    let udp = Flags {
        do_bit: true,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    };
    let r = query(zoo_node, "big-dnskey.zoo.", 48, udp).unwrap();
    assert!(r.tc, "big-dnskey over UDP: {}", r.header_text());
    let r = query(zoo_node, "big-dnskey.zoo.", 48, Flags { tcp: true, ..udp }).unwrap();
    assert!(
        !r.tc && r.size > 1232 && r.answer.iter().filter(|x| x.rtype == 48).count() > 10,
        "big-dnskey over TCP: {} octets, {}",
        r.size,
        r.header_text()
    );

    let dir = tempfile::tempdir().unwrap();
    let resolver: SocketAddr = "127.133.200.1:5353".parse().unwrap();
    let ub = start_unbound(&unbound, dir.path(), &lab, resolver);

    let mut report = String::new();
    let mut mismatches = Vec::new();
    let mut ede_notes = Vec::new();
    let _ = writeln!(
        report,
        "{:<22} {:<32} {:<9} {:<30} EDE (accepted)",
        "fixture", "query", "expect", "Unbound"
    );
    for f in fixtures {
        let name = f["name"].as_str().unwrap();
        let qname = f["qname"].as_str().unwrap();
        let qtype = f["qtype"].as_str().unwrap();
        let expect = f["expect"].as_str().unwrap();
        let rcode = f["rcode"].as_str().unwrap();
        let accepted: Vec<u16> = f["ede"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as u16)
            .collect();
        let (got, ede) = match resolve(ub.addr, qname, qtype_number(qtype)) {
            Ok(r) => {
                if let Some(why) = mismatch(expect, rcode, &r.response) {
                    mismatches.push(format!("{name} ({qname} {qtype}): {why}"));
                }
                let codes: Vec<String> = r
                    .ede
                    .iter()
                    .map(|(code, text)| {
                        let verdict = if accepted.contains(code) {
                            "accepted"
                        } else {
                            ede_notes.push(format!(
                                "{name}: EDE {code} ({text}) is not in the accepted list {accepted:?}"
                            ));
                            "NOT accepted"
                        };
                        format!("{code} {verdict} \"{text}\"")
                    })
                    .collect();
                (
                    format!(
                        "{}{}",
                        rcode_name(r.response.rcode),
                        if r.response.ad { " AD" } else { "" }
                    ),
                    if codes.is_empty() {
                        "none".to_string()
                    } else {
                        codes.join("; ")
                    },
                )
            }
            Err(e) => {
                mismatches.push(format!("{name} ({qname} {qtype}): no answer: {e}"));
                ("no answer".to_string(), String::new())
            }
        };
        let _ = writeln!(
            report,
            "{name:<22} {qname:<32} {expect:<9} {got:<30} {ede} ({accepted:?})"
        );
    }

    // The NSEC baseline also proves an NXDOMAIN: the counterpart of
    // no-nxdomain-proof.
    match resolve(ub.addr, "nx.nsec.zoo.", 1) {
        Ok(r) => {
            if let Some(why) = mismatch("secure", "NXDOMAIN", &r.response) {
                mismatches.push(format!("nx.nsec.zoo. A (NSEC NXDOMAIN proof): {why}"));
            }
        }
        Err(e) => mismatches.push(format!("nx.nsec.zoo. A: no answer: {e}")),
    }

    println!("{report}");
    for note in &ede_notes {
        println!("note: {note}");
    }
    if !mismatches.is_empty() {
        let log = std::fs::read_to_string(&ub.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        panic!(
            "{} fixture(s) not as catalogued:\n  {}\n\n{report}\nUnbound log (end):\n{}",
            mismatches.len(),
            mismatches.join("\n  "),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }

    // delv validates on its own (through Unbound, with CD): one secure
    // fixture, one bogus.
    let anchor_file = dir.path().join("anchor.conf");
    std::fs::write(
        &anchor_file,
        ok(
            lab.run(&["trust-anchor", "--format", "bind"]),
            "trust-anchor",
        ),
    )
    .unwrap();
    let delv_query = |qname: &str| {
        let out = Command::new(&delv)
            .args([
                "@127.133.200.1",
                "-p",
                "5353",
                "-a",
                anchor_file.to_str().unwrap(),
                "+root=.",
                qname,
                "A",
            ])
            .output()
            .unwrap();
        printed(&out)
    };
    let secure = delv_query("www.nsec.zoo.");
    assert!(secure.contains("fully validated"), "delv:\n{secure}");
    let bogus = delv_query("www.expired.zoo.");
    assert!(
        bogus.contains("resolution failed") && !bogus.contains("fully validated"),
        "delv:\n{bogus}"
    );
    drop(ub);
    let _ = peer("unbound");
}

#[test]
fn the_catalogue_needs_no_lab() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nothing-here");
    let text = ok(dnslab(&state, &["zoo"]), "dnslab zoo");
    assert!(text.contains("www.expired.zoo."), "{text}");
    let json: serde_json::Value = serde_json::from_str(&ok(
        dnslab(&state, &["zoo", "--format", "json"]),
        "zoo json",
    ))
    .unwrap();
    for f in json.as_array().unwrap() {
        for key in ["name", "qname", "qtype", "expect", "ede"] {
            assert!(!f[key].is_null(), "{key} in {f}");
        }
        assert!(f["qname"].as_str().unwrap().ends_with(".zoo."));
        assert!(["secure", "insecure", "bogus"].contains(&f["expect"].as_str().unwrap()));
    }
}
