//! `server::respond`, the whole per-packet path (query reader, answer
//! logic, encoder), on arbitrary bytes, against the zones of
//! crates/server/tests/packets_prop.rs: `example.` signed with NSEC and
//! `child.example.` with NSEC3 and opt-out, signed once per process.
//!
//! Beyond "no panic", it checks what every response must satisfy: the
//! query's ID, QR set, and the UDP size limit (512 without EDNS, the EDNS
//! payload clamped to 512..=1232 with it).

#![no_main]

use dnslab_server::query;
use dnslab_server::server::{ServerConfig, Shared, ZoneSource, respond};
use dnslab_zone::keys::Key;
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::sign::{Denial, Nsec3Config, SignConfig, sign_zone};
use dnslab_zone::{Algorithm, Name};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const ZONES: [(&str, &str); 2] = [
    (
        "example.",
        include_str!("../../crates/server/tests/data/example.zone"),
    ),
    (
        "child.example.",
        include_str!("../../crates/server/tests/data/child.zone"),
    ),
];

fn signed(origin: &Name, text: &str, denial: Denial) -> Vec<u8> {
    let records = parse_bytes(
        text.as_bytes(),
        "fuzz zone".as_ref(),
        &ParseOptions {
            origin: Some(origin.clone()),
            default_ttl: None,
        },
    )
    .expect("test zone parses");
    let now = dnslab_zone::rdata::time::now();
    let keys = [true, false].map(|ksk| {
        Key::generate(origin.clone(), Algorithm::ECDSAP256SHA256, ksk, now).expect("key")
    });
    let mut config = SignConfig::new(now);
    config.denial = denial;
    let zone = sign_zone(origin, records, &keys, &config)
        .expect("test zone signs")
        .zone;
    let mut out = Vec::new();
    dnslab_zone::writer::write_zone(&mut out, &zone.records).expect("write");
    out
}

fn shared() -> &'static Arc<Shared> {
    static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut zones = Vec::new();
        for (i, (origin, text)) in ZONES.into_iter().enumerate() {
            let origin = Name::parse_absolute(origin).expect("origin");
            let denial = if i == 0 {
                Denial::Nsec
            } else {
                Denial::Nsec3(Nsec3Config {
                    opt_out: true,
                    ..Nsec3Config::default()
                })
            };
            let file = dir.path().join(format!("{i}.signed"));
            std::fs::write(&file, signed(&origin, text, denial)).expect("write zone");
            zones.push(ZoneSource::new(origin, file));
        }
        Shared::load(&ServerConfig {
            zones,
            listen: Vec::new(),
            axfr_allow: Vec::new(),
            threads: 1,
            watch_interval: Duration::from_secs(3600),
            udp_via_hickory: false,
        })
        .expect("zones load")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(r) = respond(shared(), data, 0) else {
        return;
    };
    assert!(r.len() >= 12, "response shorter than a header");
    if data.len() >= 2 {
        assert_eq!(r[..2], data[..2], "response ID differs from the query's");
    }
    assert!(r[2] & 0x80 != 0, "QR not set");
    let limit = match query::parse(data) {
        Ok(q) => q
            .edns
            .map_or(512, |e| usize::from(e.payload.clamp(512, 1232))),
        Err(_) => 512,
    };
    assert!(
        r.len() <= limit,
        "{} octets over the limit {limit}",
        r.len()
    );
    // TCP: no size limit that matters; must not panic either.
    let _ = respond(shared(), data, 65535);
});
