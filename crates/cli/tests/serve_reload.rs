//! Zone reloads under load: `dnslab serve` answers a steady 2000 queries per
//! second from dnsperf while the zone file is replaced 50 times (atomically:
//! written beside, then renamed over), alternating between two signed
//! versions with different serials, with a broken file dropped in a few
//! times. No query may be lost, every answer must be NOERROR, a broken file
//! must leave the previous zone serving, and at the end the last good serial
//! is served.
//!
//! Needs dnsperf (skipped with a reason when missing; fails instead under
//! `DNSLAB_REQUIRE_PEERS=1`). Traffic goes to one random 127.83.x.y address
//! only. About 15 s.

use dnslab_testkit::{peer, printed};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ORIGIN: &str = "reload.test.";
const NAMES: usize = 2000;
const SERIALS: [u32; 2] = [2026010101, 2026010102];
const REPLACEMENTS: usize = 50;
/// Replacements after which a broken file is written (and then checked).
const BROKEN_AFTER: [usize; 3] = [9, 24, 39];
/// Time between replacements.
const PITCH: Duration = Duration::from_millis(200);

/// Kills and reaps a child process when dropped (test failure included).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dnslab_ok(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args(args)
        .output()
        .expect("run dnslab");
    assert!(
        out.status.success(),
        "dnslab {args:?} failed:\n{}",
        printed(&out)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn zone_text(serial: u32) -> String {
    let mut z = format!(
        "$TTL 300\n@ IN SOA ns1 hostmaster {serial} 3600 900 1209600 300\n\
         @ IN NS ns1\nns1 IN A 192.0.2.1\n@ IN TXT \"version {serial}\"\n"
    );
    for i in 0..NAMES {
        writeln!(z, "h{i} IN A 192.0.2.{}", i % 250 + 1).unwrap();
    }
    z
}

/// A random 127.83.x.y address and a port free there for UDP and TCP.
fn free_loopback_addr() -> SocketAddr {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        ^ std::process::id();
    for attempt in 0..50u32 {
        let r = seed.wrapping_mul(2654435761).wrapping_add(attempt * 7919);
        let ip = Ipv4Addr::new(127, 83, (r % 254 + 1) as u8, ((r >> 8) % 254 + 1) as u8);
        let Ok(udp) = UdpSocket::bind((ip, 0)) else {
            continue;
        };
        let addr = udp.local_addr().unwrap();
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no free UDP+TCP port on 127.83.0.0/16");
}

/// The SOA serial the server answers with, or why there is none.
fn served_serial(addr: SocketAddr) -> Result<u32, String> {
    let socket = UdpSocket::bind((addr.ip(), 0)).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let id = (Instant::now().elapsed().subsec_nanos() & 0xffff) as u16 ^ 0x5a5a;
    let mut q = id.to_be_bytes().to_vec();
    q.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    q.extend_from_slice(b"\x06reload\x04test\x00\x00\x06\x00\x01");
    socket.send_to(&q, addr).map_err(|e| e.to_string())?;
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).map_err(|e| e.to_string())?;
    let m = Message::from_vec(&buf[..n]).map_err(|e| e.to_string())?;
    if m.metadata.id != id {
        return Err(format!("response ID {} for query ID {id}", m.metadata.id));
    }
    if m.metadata.response_code != ResponseCode::NoError {
        return Err(format!("SOA query answered {}", m.metadata.response_code));
    }
    m.answers
        .iter()
        .find_map(|r| match &r.data {
            RData::SOA(soa) if r.record_type() == RecordType::SOA => Some(soa.serial),
            _ => None,
        })
        .ok_or_else(|| format!("no SOA in the answer: {m:?}"))
}

/// Waits (at most `limit`) until the server answers with `serial`.
fn wait_for_serial(addr: SocketAddr, serial: u32, limit: Duration) -> Result<Duration, String> {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        match served_serial(addr) {
            Ok(s) if s == serial => return Ok(start.elapsed()),
            Ok(s) => last = format!("serial {s}"),
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!(
        "serial {serial} not served after {limit:?} (last: {last})"
    ))
}

/// Replaces `target` atomically: write a file beside it, rename it over.
fn replace(target: &Path, content: &[u8], n: usize) {
    let tmp = target.with_extension(format!("tmp{n}"));
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, target).unwrap();
}

/// The value after `label` on dnsperf's statistics line, e.g. "Queries lost:".
fn stat_line<'a>(output: &'a str, label: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(str::trim)
}

#[test]
fn reloads_under_dnsperf_load_lose_nothing() {
    let Some(dnsperf) = peer("dnsperf") else {
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = d.join("keys");
    std::fs::create_dir(&keys).unwrap();
    let keys_s = keys.to_str().unwrap();
    dnslab_ok(&[
        "key", "generate", "--zone", ORIGIN, "--ksk", "--dir", keys_s,
    ]);
    dnslab_ok(&["key", "generate", "--zone", ORIGIN, "--dir", keys_s]);
    let mut versions: Vec<Vec<u8>> = Vec::new();
    for serial in SERIALS {
        let zone = d.join(format!("v{serial}.zone"));
        let out = d.join(format!("v{serial}.signed"));
        std::fs::write(&zone, zone_text(serial)).unwrap();
        dnslab_ok(&[
            "zone",
            "sign",
            zone.to_str().unwrap(),
            "--origin",
            ORIGIN,
            "--keys",
            keys_s,
            "-o",
            out.to_str().unwrap(),
        ]);
        versions.push(std::fs::read(&out).unwrap());
    }
    // Three ways to be broken: not a zone file, a bad record at the end of
    // a good zone, and an empty file (no SOA).
    let mut bad_record = versions[1].clone();
    bad_record.extend_from_slice(b"h7.reload.test. 300 IN A not-an-address\n");
    let broken: [Vec<u8>; 3] = [
        b"this is not a zone file {\n".to_vec(),
        bad_record,
        Vec::new(),
    ];

    let served: PathBuf = d.join("served.zone");
    std::fs::write(&served, &versions[0]).unwrap();
    let addr = free_loopback_addr();
    let log = std::fs::File::create(d.join("serve.log")).unwrap();
    let zone_arg = format!("{ORIGIN}={}", served.display());
    let server = Guard(
        Command::new(env!("CARGO_BIN_EXE_dnslab"))
            .args(["serve", "--zone", &zone_arg, "--listen"])
            .arg(addr.to_string())
            .args(["--threads", "2", "--watch-interval", "0.1"])
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dnslab serve"),
    );
    let serve_log = || std::fs::read_to_string(d.join("serve.log")).unwrap_or_default();
    if let Err(e) = wait_for_serial(addr, SERIALS[0], Duration::from_secs(10)) {
        panic!("dnslab serve did not come up: {e}\n{}", serve_log());
    }

    let queries = d.join("queries");
    let mut text = String::new();
    for i in 0..NAMES {
        writeln!(text, "h{i}.{ORIGIN} A").unwrap();
    }
    std::fs::write(&queries, text).unwrap();
    let perf_out = d.join("dnsperf.out");
    let perf_file = std::fs::File::create(&perf_out).unwrap();
    let mut perf = Guard(
        Command::new(&dnsperf)
            .args(["-s", &addr.ip().to_string(), "-p", &addr.port().to_string()])
            .arg("-d")
            .arg(&queries)
            .args(["-l", "12", "-Q", "2000", "-t", "3"])
            .stdin(Stdio::null())
            .stdout(perf_file.try_clone().unwrap())
            .stderr(perf_file)
            .spawn()
            .expect("start dnsperf"),
    );
    let perf_started = Instant::now();

    // 50 replacements, one every 0.2 s (10 s in all, inside dnsperf's 12),
    // every 10th waited for until served (the watcher polls every 0.1 s);
    // a broken file after the good one it follows is served.
    let mut last_good = SERIALS[0];
    let mut reload_times = Vec::new();
    let mut broken_written = 0;
    for n in 0..REPLACEMENTS {
        let slot = perf_started + PITCH * n as u32;
        if let Some(wait) = slot.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let v = (n + 1) % 2;
        replace(&served, &versions[v], n);
        last_good = SERIALS[v];
        let broken_index = BROKEN_AFTER.iter().position(|&b| b == n);
        if n % 10 == 9 || broken_index.is_some() {
            match wait_for_serial(addr, last_good, Duration::from_secs(3)) {
                Ok(t) => reload_times.push(t),
                Err(e) => panic!("replacement {n}: {e}\n{}", serve_log()),
            }
        }
        if let Some(k) = broken_index {
            replace(&served, &broken[k], 1000 + n);
            broken_written += 1;
            // Three watcher periods: the broken file has been tried.
            std::thread::sleep(Duration::from_millis(300));
            match served_serial(addr) {
                Ok(s) => assert_eq!(
                    s, last_good,
                    "after broken file {k}, the previous zone must keep serving"
                ),
                Err(e) => panic!(
                    "after broken file {k}, the zone is no longer served: {e}\n{}",
                    serve_log()
                ),
            }
        }
    }
    assert_eq!(broken_written, BROKEN_AFTER.len());
    let replacements_done = perf_started.elapsed();
    if replacements_done > Duration::from_secs(12) {
        eprintln!(
            "warning: the replacements took {replacements_done:?}, longer than dnsperf's 12 s (slow machine?)"
        );
    }

    // dnsperf stops after 12 s of sending (plus up to 3 s for late answers).
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = perf.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "dnsperf did not finish in time");
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&perf_out).unwrap();
    assert!(status.success(), "dnsperf failed ({status}):\n{output}");
    let lost = stat_line(&output, "Queries lost:")
        .unwrap_or_else(|| panic!("no 'Queries lost' in dnsperf's output:\n{output}"));
    assert!(
        lost.starts_with("0 "),
        "queries lost during reloads: {lost}\n{output}"
    );
    let completed: u64 = stat_line(&output, "Queries completed:")
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no 'Queries completed' in dnsperf's output:\n{output}"));
    assert!(completed > 10_000, "too few queries completed:\n{output}");
    let codes = stat_line(&output, "Response codes:")
        .unwrap_or_else(|| panic!("no 'Response codes' in dnsperf's output:\n{output}"));
    assert!(
        codes.starts_with("NOERROR ") && codes.ends_with("(100.00%)") && !codes.contains(','),
        "answers other than NOERROR during reloads: {codes}\n{output}"
    );

    // The last good version is what is served now.
    if let Err(e) = wait_for_serial(addr, last_good, Duration::from_secs(3)) {
        panic!("at the end: {e}\n{}", serve_log());
    }
    let log = serve_log();
    assert!(
        log.contains("zone not reloaded"),
        "the broken files were not reported:\n{log}"
    );
    drop(server);
    reload_times.sort();
    eprintln!(
        "{REPLACEMENTS} replacements in {replacements_done:?} (checked reloads served after median {:?}, max {:?}), {} broken; dnsperf: {completed} queries, {lost} lost, {codes}; whole test {:?}",
        reload_times[reload_times.len() / 2],
        reload_times.last().unwrap(),
        broken_written,
        started.elapsed()
    );
}
