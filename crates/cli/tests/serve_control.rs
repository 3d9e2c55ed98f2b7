//! `dnslab serve` control paths: AXFR only to --axfr-allow networks, and a
//! reload on SIGHUP that keeps the last good zone when the file is broken.

mod common;

use common::{Flags, axfr, free_loopback_addr, query};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const ZONE: &str = "$TTL 300\n@ SOA ns hostmaster SERIAL 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n";

fn write_zone(path: &Path, serial: u32) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, ZONE.replace("SERIAL", &serial.to_string())).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

fn serve(zone: &Path, addr: SocketAddr, extra: &[&str]) -> Serve {
    let child = Command::new(env!("CARGO_BIN_EXE_dnslab"))
        .args([
            "serve",
            "--zone",
            &format!("example.={}", zone.display()),
            "--listen",
            &addr.to_string(),
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dnslab serve");
    let s = Serve(child);
    wait_for("the server", || serial(addr).is_some());
    s
}

fn flags() -> Flags {
    Flags {
        do_bit: false,
        cd: false,
        edns_payload: Some(1232),
        tcp: false,
    }
}

fn serial(addr: SocketAddr) -> Option<u32> {
    let r = query(addr, "example.", 6, flags()).ok()?;
    let soa = r.answer.iter().find(|x| x.rtype == 6)?;
    let d = &soa.rdata;
    // The serial is the first number after the two names: read it from the end.
    d.len()
        .checked_sub(20)
        .map(|at| u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]]))
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn axfr_only_to_allowed_networks() {
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("example.zone");
    write_zone(&zone, 1);
    let allowed = free_loopback_addr();
    let _a = serve(&zone, allowed, &[]);
    let records = axfr(allowed, "example.").expect("AXFR from loopback is allowed by default");
    assert!(
        records.iter().filter(|r| r.rtype == 6).count() == 2,
        "SOA first and last"
    );
    let refused = free_loopback_addr();
    let _r = serve(&zone, refused, &["--axfr-allow", "192.0.2.0/24"]);
    let err = axfr(refused, "example.").expect_err("loopback is not in --axfr-allow");
    assert!(err.contains("REFUSED"), "{err}");
}

#[test]
fn sighup_reloads_and_a_broken_file_keeps_the_old_zone() {
    let dir = tempfile::tempdir().unwrap();
    let zone = dir.path().join("example.zone");
    write_zone(&zone, 1);
    let addr = free_loopback_addr();
    // A watch interval of an hour: only SIGHUP reloads during the test.
    let s = serve(&zone, addr, &["--watch-interval", "3600"]);
    let hup = || {
        assert!(
            Command::new("kill")
                .args(["-HUP", &s.0.id().to_string()])
                .status()
                .unwrap()
                .success()
        )
    };
    write_zone(&zone, 2);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(serial(addr), Some(1), "no reload without SIGHUP");
    hup();
    wait_for("serial 2 after SIGHUP", || serial(addr) == Some(2));
    std::fs::write(
        &zone,
        "$TTL 300\n@ SOA ns hostmaster 3 3600 900 604800 300\nwww A 192.0.2.999\n",
    )
    .unwrap();
    hup();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        serial(addr),
        Some(2),
        "a broken file keeps the last good zone"
    );
    write_zone(&zone, 4);
    hup();
    wait_for("serial 4 after the fix", || serial(addr) == Some(4));
}
