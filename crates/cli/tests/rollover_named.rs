//! Real ZSK rollovers done by BIND's `named`, recorded by the lab while
//! they happen and graded:
//!
//! - trainee `careful`: `dnssec-policy` with safety margins: safe,
//!   complete, recognised as a ZSK rollover;
//! - trainee `rushed`: a rushed schedule, in key timing metadata that
//!   named follows (`auto-dnssec maintain`): the new ZSK published 5 s
//!   before it takes over and the old one deleted 5 s after, with 20 s
//!   TTLs: unsafe, with the story of the first moment it fails.
//!
//! A rushed `dnssec-policy` cannot be written: named 9.18 times its
//! rollovers from the TTLs it serves itself (zero safety margins are still
//! safe, which this test's first version learnt from the grader), and a
//! `max-zone-ttl` below the zone's TTLs makes it refuse the zone.
//!
//! The lab (127.142.0.0/16, port 10053) runs with `nodes.auth` off: each
//! trainee's address is served by a `named` the test starts. TTLs are 20 s
//! so that the lab records every 5 s; `named`'s ZSK lives two minutes and
//! its signatures five, so the whole rollover takes about four minutes.

mod common;

use common::lab::{Lab, ok};
use dnslab_testkit::{peer, printed};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LAB: &str = "workshop: rollover-named\ntlds: [ne]\ntrainees:\n  names: [careful, rushed]\n\
zone: \"{trainee}.{tld}\"\ntimers:\n  profile: workshop\n  ttl: 20s\n  dnskey_ttl: 20s\n  ds_ttl: 20s\n  negative_ttl: 10s\n\
zoo: false\nnodes:\n  auth: false\n  resolver: false\nexercises: [zsk-rollover]\naddresses:\n  base: 127.142.0.0/16\nport: 10053\n";

/// The trainees whose zones named serves.
const TRAINEES: &[&str] = &["careful", "rushed"];

/// An address on the loopback interface, removed on drop: `named` listens
/// only on addresses of an interface, where dnslab's servers bind any
/// 127.0.0.0/8 address directly. Traffic stays on loopback.
struct LoopbackAddress(String);

impl LoopbackAddress {
    fn add(ip: &str) -> Option<LoopbackAddress> {
        let out = Command::new("ip")
            .args(["addr", "add", &format!("{ip}/32"), "dev", "lo"])
            .output()
            .ok()?;
        // Already there (left by a run that was killed): ours all the same.
        let present = || {
            Command::new("ip")
                .args(["-o", "addr", "show", "dev", "lo"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!(" {ip}/32 ")))
        };
        (out.status.success() || present()).then(|| LoopbackAddress(ip.to_string()))
    }
}

impl Drop for LoopbackAddress {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["addr", "del", &format!("{}/32", self.0), "dev", "lo"])
            .output();
    }
}

/// A `named` serving one trainee zone; killed on drop.
struct Named {
    child: Child,
    dir: PathBuf,
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Named {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("named.log")).unwrap_or_default()
    }
}

/// `dnssec-keygen` of one ECDSA key in `dir/keys` with BIND timing
/// options; returns its base name.
fn keygen(keygen: &Path, dir: &Path, zone: &str, args: &[String]) -> String {
    let out = Command::new(keygen)
        .args(["-q", "-a", "ECDSAP256SHA256", "-K"])
        .arg(dir.join("keys"))
        .args(args)
        .arg(zone)
        .output()
        .expect("run dnssec-keygen");
    assert!(out.status.success(), "dnssec-keygen: {}", printed(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The zone's signing statement: `dnssec-policy` for `careful`; for
/// `rushed`, keys made now with a rushed schedule that named follows.
fn zone_signing(trainee: &str, dir: &Path, zone: &str) -> String {
    if trainee != "rushed" {
        return "dnssec-policy \"fast\";".to_string();
    }
    let Some(dnssec_keygen) = peer("dnssec-keygen") else {
        panic!("dnssec-keygen is needed with named");
    };
    let at = |offset: i64| {
        dnslab_zone::rdata::time::format_timestamp(dnslab_zone::rdata::time::now() + offset)
    };
    keygen(&dnssec_keygen, dir, zone, &["-f".into(), "KSK".into()]);
    // The old ZSK stops at +75 s and is deleted at +80 s; the new one is
    // published at +70 s and signs from +75 s.
    keygen(
        &dnssec_keygen,
        dir,
        zone,
        &["-I".into(), at(75), "-D".into(), at(80)],
    );
    keygen(
        &dnssec_keygen,
        dir,
        zone,
        &["-P".into(), at(70), "-A".into(), at(75)],
    );
    "auto-dnssec maintain;\n    dnssec-loadkeys-interval 1;".to_string()
}

fn start_named(
    named: &Path,
    trainee: &str,
    dir: &Path,
    zone: &str,
    zone_file: &Path,
    ip: &str,
) -> Named {
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    let signing = zone_signing(trainee, dir, zone);
    let file = dir.join("zone.db");
    std::fs::copy(zone_file, &file).unwrap();
    let conf = format!(
        r#"options {{
    directory "{dir}";
    listen-on port 10053 {{ {ip}; }};
    listen-on-v6 {{ none; }};
    pid-file none;
    recursion no;
    dnssec-validation no;
    notify no;
    allow-transfer {{ any; }};
    key-directory "{dir}/keys";
}};
dnssec-policy "fast" {{
    keys {{
        ksk lifetime unlimited algorithm 13;
        zsk lifetime PT2M algorithm 13;
    }};
    dnskey-ttl 20;
    max-zone-ttl 20;
    publish-safety 10;
    retire-safety 10;
    zone-propagation-delay 5;
    parent-ds-ttl 20;
    parent-propagation-delay 5;
    signatures-validity PT5M;
    signatures-validity-dnskey PT5M;
    signatures-refresh PT4M;
    signatures-jitter PT10S;
}};
zone "{zone}" {{
    type primary;
    file "{file}";
    {signing}
    inline-signing yes;
}};
"#,
        dir = dir.display(),
        file = file.display(),
    );
    let conf_path = dir.join("named.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let log = std::fs::File::create(dir.join("named.log")).unwrap();
    let child = Command::new(named)
        .args(["-g", "-c"])
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start named");
    Named {
        child,
        dir: dir.to_path_buf(),
    }
}

/// The KSK `named` made: the `.key` file whose DNSKEY has flags 257.
fn named_ksk(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir.join("keys"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "key"))
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap_or_default()
                .lines()
                .any(|l| !l.starts_with(';') && l.contains("DNSKEY") && l.contains(" 257 "))
        })
}

fn grade(lab: &Lab, trainee: &str) -> serde_json::Value {
    let out = lab.run(&[
        "grade",
        "--exercise",
        "zsk-rollover",
        "--trainee",
        trainee,
        "--format",
        "json",
    ]);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("grade JSON: {e}\n{}", printed(&out)))[0]
        .clone()
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

#[test]
fn named_zsk_rollovers_graded_safe_and_rushed_unsafe() {
    let Some(named) = peer("named") else {
        return;
    };
    let lab = Lab::from_yaml(LAB);
    lab.up();
    let status = lab.status();
    let work = tempfile::tempdir().unwrap();
    let mut addresses = Vec::new();
    let mut servers = Vec::new();
    for &trainee in TRAINEES {
        let t = status["trainees"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == trainee))
            .unwrap_or_else(|| panic!("{trainee} not in {status}"));
        let zone = t["zone"]
            .as_str()
            .unwrap()
            .trim_end_matches('.')
            .to_string();
        let ip = t["auth"]
            .as_str()
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_string();
        let zone_file = Path::new(t["workspace"].as_str().unwrap()).join(format!("{zone}.zone"));
        let Some(address) = LoopbackAddress::add(&ip) else {
            dnslab_testkit::skip(
                "DNSLAB_REQUIRE_PEERS",
                &format!(
                    "cannot add {ip} to the loopback interface for named (`ip addr add` needs root)"
                ),
            );
            return;
        };
        addresses.push(address);
        let dir = work.path().join(trainee);
        servers.push((
            trainee,
            start_named(&named, trainee, &dir, &zone, &zone_file, &ip),
        ));
    }

    // Once named has signed, and caches can no longer hold the unsigned
    // zone (negative TTL 10 s, DNSKEY TTL 20 s), its KSK's DS goes to the TLD.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ksks = Vec::new();
    for (trainee, server) in &servers {
        let ksk = loop {
            if let Some(k) = named_ksk(&server.dir) {
                break k;
            }
            assert!(
                Instant::now() < deadline,
                "{trainee}: named made no KSK:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        ksks.push((*trainee, ksk));
    }
    std::thread::sleep(Duration::from_secs(35));
    for (trainee, ksk) in &ksks {
        ok(
            lab.run(&[
                "ds",
                "submit",
                "--trainee",
                trainee,
                "--key",
                ksk.to_str().unwrap(),
            ]),
            "dnslab ds submit",
        );
    }

    // Wait for both rollovers to finish: a new ZSK signs, the old is gone.
    let deadline = Instant::now() + Duration::from_secs(420);
    let mut reports = Vec::new();
    for (trainee, server) in &servers {
        let report = loop {
            let r = grade(&lab, trainee);
            if check(&r, "zsk-rolled")["status"] == "pass" {
                break r;
            }
            assert!(
                Instant::now() < deadline,
                "{trainee}: the ZSK rollover did not finish: {r:#}\nnamed log:\n{}\ntimeline:\n{}",
                server.log(),
                printed(&lab.run(&["timeline", "--trainee", trainee]))
            );
            std::thread::sleep(Duration::from_secs(5));
        };
        reports.push((*trainee, report));
    }
    let timeline = |t: &str| printed(&lab.run(&["timeline", "--trainee", t]));
    let (_, careful) = &reports[0];
    assert_eq!(
        check(careful, "rollover-safe")["status"],
        "pass",
        "careful policy graded unsafe: {careful:#}\n{}",
        timeline("careful")
    );
    assert!(
        check(careful, "rollover-safe")["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ZSK rollover"),
        "{careful:#}"
    );
    let (_, rushed) = &reports[1];
    let safe = check(rushed, "rollover-safe");
    assert_eq!(
        safe["status"],
        "fail",
        "rushed schedule graded safe: {rushed:#}\n{}",
        timeline("rushed")
    );
    let story = safe["message"].as_str().unwrap_or_default();
    assert!(story.contains("a resolver could hold"), "{story}");
    let timeline_out = lab.run(&["timeline", "--trainee", "rushed"]);
    assert_eq!(
        timeline_out.status.code(),
        Some(1),
        "{}",
        printed(&timeline_out)
    );
    assert!(printed(&timeline_out).contains("UNSAFE"));
}
