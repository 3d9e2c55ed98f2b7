//! Table tests of the zone and chain checks: a small tree (`.`, `ne.`,
//! `t1.ne.`) with the trainee's zone made in a few ways, served in process
//! by dnslab-server on 127.147.0.N, the facts gathered as `dnslab grade`
//! gathers them, and for each way the checks that must pass, fail or skip.

use crate::chain::{self, Chain, Hop};
use crate::checks::{ChainCheck, ZoneCheck};
use crate::probe::{self, ProbeOptions};
use crate::verdict::Params;
use crate::zone_facts::{self, ZoneFacts, ZoneTarget};
use crate::{chain_checks, zone_checks};
use dnslab_server::server::{self, ServerConfig, Shared, ZoneSource};
use dnslab_zone::keys::Key;
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::sign::{Denial, Nsec3Config, SignConfig, sign_zone};
use dnslab_zone::{Algorithm, Name, Record, Rtype};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86400;
const PASS: Option<bool> = Some(true);
const FAIL: Option<bool> = Some(false);
const SKIP: Option<bool> = None;

fn name(text: &str) -> Name {
    Name::parse_absolute(text).unwrap()
}

fn parse(origin: &Name, text: &str) -> Vec<Record> {
    let options = ParseOptions {
        origin: Some(origin.clone()),
        default_ttl: Some(300),
    };
    parse_bytes(text.as_bytes(), "table".as_ref(), &options).unwrap()
}

fn keys(apex: &Name) -> Vec<Key> {
    [true, false]
        .into_iter()
        .map(|ksk| Key::generate(apex.clone(), Algorithm::ECDSAP256SHA256, ksk, NOW).unwrap())
        .collect()
}

fn ds_of(owner: &Name, key: &Key) -> String {
    Record::new(
        owner.clone(),
        Rtype::DS,
        300,
        ds_rdata(owner, &key.dnskey_rdata(), DigestType::Sha256),
    )
    .to_string()
}

fn signed(apex: &Name, text: &str, keys: &[Key], config: &SignConfig) -> Vec<Record> {
    sign_zone(apex, parse(apex, text), keys, config)
        .unwrap()
        .zone
        .records
}

/// The DS the parent holds for the trainee's zone.
enum DsAtParent {
    /// Of the zone's KSK.
    OfTheKsk,
    /// Of a key the zone does not publish.
    OfAnotherKey,
    None,
}

/// How the trainee made their zone.
struct Trainee {
    /// `None`: not signed.
    denial: Option<Denial>,
    /// Seconds from now until the signatures expire.
    valid_for: i64,
    ds: DsAtParent,
}

/// What the checks read, for one way of making the zone.
struct Gathered {
    zone: ZoneFacts,
    chain: Chain,
}

/// Serves the tree on 127.147.0.`n` and gathers the facts.
async fn gather(n: u8, trainee: &Trainee) -> Gathered {
    let ip = Ipv4Addr::new(127, 147, 0, n);
    let addr = SocketAddr::from((ip, 10053));
    let (root, ne, t1) = (Name::root(), name("ne."), name("t1.ne."));
    let (root_keys, ne_keys, t1_keys) = (keys(&root), keys(&ne), keys(&t1));
    let lab = SignConfig {
        expiration: NOW + 14 * DAY,
        ..SignConfig::new(NOW)
    };

    let t1_text = format!(
        "@ SOA ns h 1 3600 600 86400 300\n@ NS ns\nns A {ip}\nwww A 192.0.2.1\n@ TXT hello\n"
    );
    let t1_records = match &trainee.denial {
        None => parse(&t1, &t1_text),
        Some(denial) => signed(
            &t1,
            &t1_text,
            &t1_keys,
            &SignConfig {
                denial: denial.clone(),
                expiration: NOW + trainee.valid_for,
                ..SignConfig::new(NOW)
            },
        ),
    };
    let t1_ds = match trainee.ds {
        DsAtParent::OfTheKsk => ds_of(&t1, &t1_keys[0]),
        DsAtParent::OfAnotherKey => ds_of(&t1, &keys(&t1)[0]),
        DsAtParent::None => String::new(),
    };
    let ne_text = format!(
        "@ SOA ns h 1 3600 600 86400 300\n@ NS ns\nns A {ip}\nt1 NS ns.t1\nns.t1 A {ip}\n{t1_ds}\n"
    );
    let root_text = format!(
        "@ SOA ns.root. h.root. 1 3600 600 86400 300\n@ NS ns.root.\nns.root. A {ip}\n\
         ne. NS ns.ne.\nns.ne. A {ip}\n{}\n",
        ds_of(&ne, &ne_keys[0])
    );
    let zones = [
        (root.clone(), signed(&root, &root_text, &root_keys, &lab)),
        (ne.clone(), signed(&ne, &ne_text, &ne_keys, &lab)),
        (t1.clone(), t1_records),
    ];

    let dir = tempfile::tempdir().unwrap();
    let mut sources = Vec::new();
    for (i, (apex, records)) in zones.iter().enumerate() {
        let file = dir.path().join(format!("{i}.zone"));
        let mut text = Vec::new();
        dnslab_zone::writer::write_zone(&mut text, records).unwrap();
        std::fs::write(&file, text).unwrap();
        sources.push(ZoneSource::new(apex.clone(), file));
    }
    let config = ServerConfig {
        zones: sources,
        listen: vec![addr],
        axfr_allow: vec!["127.0.0.0/8".parse().unwrap()],
        threads: 1,
        watch_interval: Duration::from_secs(60),
        udp_via_hickory: false,
    };
    let (shared, errors) = Shared::load_lenient(&config);
    assert!(errors.is_empty(), "{errors:?}");
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let serving = tokio::spawn(server::run(config, shared, async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));

    let opts = ProbeOptions {
        timeout: Duration::from_millis(500),
        ..ProbeOptions::default()
    };
    for _ in 0..100 {
        if probe::query(addr, &root, Rtype::SOA, &opts).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let target = ZoneTarget {
        zone: t1.clone(),
        servers: vec![("t1-auth".into(), addr)],
        zone_file: None,
        served: None,
    };
    let zone = zone_facts::gather(&target, &opts, NOW).await;
    let anchor = vec![parse(&root, &ds_of(&root, &root_keys[0])).remove(0)];
    let hop = |zone: &Name, node: &str| Hop {
        zone: zone.clone(),
        server: addr,
        node: node.into(),
    };
    let hops = [hop(&root, "root"), hop(&ne, "tld-ne"), hop(&t1, "t1-auth")];
    let chain = chain::walk(&anchor, &hops, &opts, NOW).await;
    let _ = stop.send(true);
    serving.await.unwrap().unwrap();
    Gathered { zone, chain }
}

fn params() -> Params {
    Params {
        denial: Some(Rtype::NSEC3),
        signature_margin: 3 * DAY as u32,
        ..Params::default()
    }
}

fn nsec3(iterations: u16, salt: &[u8]) -> Option<Denial> {
    Some(Denial::Nsec3(Nsec3Config {
        iterations,
        salt: salt.to_vec(),
        opt_out: false,
    }))
}

/// Runs every check of both tables on `facts` and lists the ones whose
/// outcome is not the expected one.
fn misjudged(
    facts: &Gathered,
    zone: &[(ZoneCheck, Option<bool>)],
    chain: &[(ChainCheck, Option<bool>)],
) -> Vec<String> {
    let params = params();
    let zone_verdicts = zone.iter().map(|(check, want)| {
        (
            format!("{check:?}"),
            *want,
            zone_checks::run(*check, &facts.zone, &params),
        )
    });
    let chain_verdicts = chain.iter().map(|(check, want)| {
        let verdict = chain_checks::run(*check, &facts.chain, &facts.zone, &params);
        (format!("{check:?}"), *want, verdict)
    });
    zone_verdicts
        .chain(chain_verdicts)
        .filter(|(_, want, verdict)| verdict.passed != *want)
        .map(|(check, want, verdict)| {
            format!(
                "{check}: want {want:?}, got {:?}: {}",
                verdict.passed, verdict.message
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_signed_as_asked_with_its_ds_passes_every_check() {
    let facts = gather(
        1,
        &Trainee {
            denial: nsec3(0, &[]),
            valid_for: 14 * DAY,
            ds: DsAtParent::OfTheKsk,
        },
    )
    .await;
    let zone = [
        (ZoneCheck::Served, PASS),
        (ZoneCheck::FileLoads, SKIP),
        (ZoneCheck::DnskeyPublished, PASS),
        (ZoneCheck::DnskeySignedBySep, PASS),
        (ZoneCheck::AlgorithmAllowed, PASS),
        (ZoneCheck::RrsetsSigned, PASS),
        (ZoneCheck::SignaturesMargin, PASS),
        (ZoneCheck::DenialNxdomain, PASS),
        (ZoneCheck::DenialNodata, PASS),
        (ZoneCheck::DenialMethod, PASS),
        (ZoneCheck::Nsec3Parameters, PASS),
        (ZoneCheck::Verifies, PASS),
        (ZoneCheck::ServersConsistent, PASS),
        (ZoneCheck::TcpAnswers, PASS),
    ];
    let chain = [
        (ChainCheck::DsPublished, PASS),
        (ChainCheck::DsMatchesKey, PASS),
        (ChainCheck::DsDigestType, PASS),
        (ChainCheck::DsNoStale, PASS),
        (ChainCheck::Secure, PASS),
    ];
    let wrong = misjudged(&facts, &zone, &chain);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_zone_without_ds_is_served_but_not_secure() {
    let facts = gather(
        2,
        &Trainee {
            denial: None,
            valid_for: 0,
            ds: DsAtParent::None,
        },
    )
    .await;
    let zone = [
        (ZoneCheck::Served, PASS),
        (ZoneCheck::DnskeyPublished, FAIL),
        (ZoneCheck::DnskeySignedBySep, SKIP),
        (ZoneCheck::AlgorithmAllowed, SKIP),
        (ZoneCheck::RrsetsSigned, SKIP),
        (ZoneCheck::ServersConsistent, PASS),
        (ZoneCheck::TcpAnswers, PASS),
    ];
    let chain = [(ChainCheck::DsPublished, FAIL), (ChainCheck::Secure, FAIL)];
    let wrong = misjudged(&facts, &zone, &chain);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nsec_short_signatures_and_a_ds_of_no_key_fail_their_checks() {
    let facts = gather(
        3,
        &Trainee {
            denial: Some(Denial::Nsec),
            valid_for: DAY,
            ds: DsAtParent::OfAnotherKey,
        },
    )
    .await;
    let zone = [
        (ZoneCheck::Served, PASS),
        (ZoneCheck::DnskeySignedBySep, PASS),
        (ZoneCheck::RrsetsSigned, PASS),
        (ZoneCheck::SignaturesMargin, FAIL),
        (ZoneCheck::DenialNxdomain, PASS),
        (ZoneCheck::DenialMethod, FAIL),
        (ZoneCheck::Verifies, PASS),
    ];
    let chain = [
        (ChainCheck::DsPublished, PASS),
        (ChainCheck::DsMatchesKey, FAIL),
        (ChainCheck::DsDigestType, PASS),
        (ChainCheck::DsNoStale, FAIL),
        (ChainCheck::Secure, FAIL),
    ];
    let wrong = misjudged(&facts, &zone, &chain);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_signatures_and_nsec3_iterations_fail_their_checks() {
    let facts = gather(
        4,
        &Trainee {
            denial: nsec3(10, &[0xab, 0xcd]),
            valid_for: -DAY,
            ds: DsAtParent::OfTheKsk,
        },
    )
    .await;
    let zone = [
        (ZoneCheck::Served, PASS),
        (ZoneCheck::DnskeyPublished, PASS),
        (ZoneCheck::DnskeySignedBySep, FAIL),
        (ZoneCheck::RrsetsSigned, FAIL),
        (ZoneCheck::SignaturesMargin, SKIP),
        (ZoneCheck::DenialMethod, PASS),
        (ZoneCheck::Nsec3Parameters, FAIL),
        (ZoneCheck::Verifies, FAIL),
    ];
    let chain = [
        (ChainCheck::DsPublished, PASS),
        // It matches the KSK, whose signature is no longer valid.
        (ChainCheck::DsMatchesKey, FAIL),
        (ChainCheck::Secure, FAIL),
    ];
    let wrong = misjudged(&facts, &zone, &chain);
    assert!(wrong.is_empty(), "{wrong:#?}");
}
