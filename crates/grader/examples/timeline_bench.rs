//! Benchmark: evaluating a day of timelines. Writes, for each of N
//! trainees, 24 hours of snapshots at 10 s (8,640 points) through the
//! recorder — re-signed every hour, a ZSK rollover (pre-publish) from
//! hour 6 and a KSK rollover (double-KSK) from hour 14 — then reads every
//! file back and evaluates it, and prints the time that took.
//!
//!     cargo run --release -p dnslab-grader --example timeline_bench [-- TRAINEES] [--worst]

use dnslab_grader::timeline::{Recorder, ServerView, Snapshot, Timeline, evaluate};
use dnslab_zone::keys::Key;
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::sign::rrsig::header;
use dnslab_zone::{Algorithm, Name, Record, Rtype};
use std::time::Instant;

const TTL: u32 = 60;
const HOUR: i64 = 3600;

fn rrsig(apex: &Name, covered: Rtype, k: &Key, signed_at: i64) -> String {
    let mut rdata = header(
        covered,
        k.algorithm.0,
        2,
        TTL,
        (signed_at + 2 * 86400) as u32,
        (signed_at - HOUR) as u32,
        k.tag(),
        apex.as_wire(),
    );
    rdata.extend_from_slice(&[7u8; 64]);
    Record::new(apex.clone(), Rtype::RRSIG, TTL, rdata).to_string()
}

fn snapshot(
    apex: &Name,
    t: i64,
    signed_at: i64,
    ds: &[&Key],
    keys: &[&Key],
    ksigs: &[&Key],
    zsigs: &[&Key],
) -> Snapshot {
    let mut records: Vec<String> = keys
        .iter()
        .map(|k| Record::new(apex.clone(), Rtype::DNSKEY, TTL, k.dnskey_rdata()).to_string())
        .collect();
    records.extend(
        ksigs
            .iter()
            .map(|k| rrsig(apex, Rtype::DNSKEY, k, signed_at)),
    );
    records.push(format!(
        "{apex} {TTL} IN SOA ns.{apex} h.{apex} {signed_at} 3600 600 86400 30"
    ));
    records.extend(zsigs.iter().map(|k| rrsig(apex, Rtype::SOA, k, signed_at)));
    Snapshot {
        t,
        zone: apex.to_string(),
        parents: vec![ServerView {
            server: "tld".into(),
            records: ds
                .iter()
                .map(|k| {
                    Record::new(
                        apex.clone(),
                        Rtype::DS,
                        TTL,
                        ds_rdata(apex, &k.dnskey_rdata(), DigestType::Sha256),
                    )
                    .to_string()
                })
                .collect(),
            error: None,
        }],
        servers: vec![ServerView {
            server: "auth".into(),
            records,
            error: None,
        }],
    }
}

fn main() {
    let trainees: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    // `--worst`: the zone is re-signed before every snapshot, so every
    // line is a full snapshot and every point a new signature version.
    let worst = std::env::args().any(|a| a == "--worst");
    let dir = tempfile::tempdir().expect("temp dir");
    let t0: i64 = 1_800_000_000;
    let written = Instant::now();
    let mut zones = Vec::new();
    for n in 0..trainees {
        let apex = Name::parse_absolute(&format!("t{n}.ne.")).expect("name");
        let g =
            |ksk| Key::generate(apex.clone(), Algorithm::ECDSAP256SHA256, ksk, t0).expect("key");
        let (k1, k2, z1, z2) = (g(true), g(true), g(false), g(false));
        let path = dir.path().join(format!("t{n}.jsonl"));
        let mut r = Recorder::open(&path).expect("recorder");
        for i in 0..8640i64 {
            let t = t0 + i * 10;
            let h = (t - t0) / HOUR;
            let signed_at = if worst { t } else { t0 + h * HOUR };
            let s = match h {
                0..6 => snapshot(&apex, t, signed_at, &[&k1], &[&k1, &z1], &[&k1], &[&z1]),
                6..8 => snapshot(
                    &apex,
                    t,
                    signed_at,
                    &[&k1],
                    &[&k1, &z1, &z2],
                    &[&k1],
                    &[&z1],
                ),
                8..10 => snapshot(
                    &apex,
                    t,
                    signed_at,
                    &[&k1],
                    &[&k1, &z1, &z2],
                    &[&k1],
                    &[&z2],
                ),
                10..14 => snapshot(&apex, t, signed_at, &[&k1], &[&k1, &z2], &[&k1], &[&z2]),
                14..16 => snapshot(
                    &apex,
                    t,
                    signed_at,
                    &[&k1],
                    &[&k1, &k2, &z2],
                    &[&k1, &k2],
                    &[&z2],
                ),
                16..18 => snapshot(
                    &apex,
                    t,
                    signed_at,
                    &[&k2],
                    &[&k1, &k2, &z2],
                    &[&k1, &k2],
                    &[&z2],
                ),
                _ => snapshot(&apex, t, signed_at, &[&k2], &[&k2, &z2], &[&k2], &[&z2]),
            };
            r.append(&s).expect("append");
        }
        zones.push((path, apex));
    }
    let write_s = written.elapsed().as_secs_f64();
    let bytes: u64 = zones
        .iter()
        .map(|(p, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let started = Instant::now();
    let mut safe = 0;
    let mut instants = 0;
    let mut points = 0;
    let mut read_s = 0.0;
    for (path, apex) in &zones {
        let r = Instant::now();
        let t = Timeline::read(path).expect("read");
        read_s += r.elapsed().as_secs_f64();
        points += t.points.len();
        let e = evaluate(&t, apex);
        instants += e.instants;
        if e.is_safe() {
            safe += 1;
        }
    }
    let eval_s = started.elapsed().as_secs_f64();
    println!(
        "{trainees} trainees x 24 h at 10 s: {points} points, {:.1} MB of timeline (written in {write_s:.2} s)",
        bytes as f64 / 1e6
    );
    println!(
        "read + evaluate: {eval_s:.3} s (reading {read_s:.3} s); {instants} instants checked; {safe}/{trainees} safe"
    );
}
