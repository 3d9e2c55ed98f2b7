//! The whole per-packet path, `server::respond`, against hostile input:
//! random byte strings and mutated valid queries (bit flips, truncation,
//! insertions, large counts, compression pointers, odd OPT records) for two
//! small zones signed here (`example.` with NSEC, its child
//! `child.example.` with NSEC3 and opt-out).
//!
//! For every message: no panic; no response, or one with the query's ID,
//! QR set and at most the UDP limit (512 octets without EDNS, the EDNS
//! payload clamped to 512..=1232 with EDNS). Whenever the query reader
//! accepts the message, the response must parse with hickory-proto and
//! carry the question exactly as sent (letter case included). Then one
//! deterministic test per response code path: FORMERR, NOTIMP, REFUSED,
//! BADVERS and TC.

use dnslab_server::query;
use dnslab_server::server::{ServerConfig, Shared, ZoneSource, respond};
use dnslab_zone::keys::Key;
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::sign::{Denial, Nsec3Config, SignConfig, sign_zone};
use dnslab_zone::{Algorithm, Name};
use hickory_proto::op::{Message, ResponseCode};
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const EXAMPLE_ZONE: &str = include_str!("data/example.zone");
const CHILD_ZONE: &str = include_str!("data/child.zone");

/// Signs a zone text with a fresh KSK and ZSK (ECDSAP256SHA256).
fn signed(origin: &str, text: &str, denial: Denial) -> Vec<u8> {
    let origin = Name::parse_absolute(origin).unwrap();
    let records = parse_bytes(
        text.as_bytes(),
        "test zone".as_ref(),
        &ParseOptions {
            origin: Some(origin.clone()),
            default_ttl: None,
        },
    )
    .unwrap();
    let now = dnslab_zone::rdata::time::now();
    let keys = [true, false]
        .map(|ksk| Key::generate(origin.clone(), Algorithm::ECDSAP256SHA256, ksk, now).unwrap());
    let mut config = SignConfig::new(now);
    config.denial = denial;
    let zone = sign_zone(&origin, records, &keys, &config).unwrap().zone;
    let mut out = Vec::new();
    dnslab_zone::writer::write_zone(&mut out, &zone.records).unwrap();
    out
}

/// Both zones, signed and loaded once per test binary.
fn shared() -> &'static Arc<Shared> {
    static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut zones = Vec::new();
        for (origin, text, denial) in [
            ("example.", EXAMPLE_ZONE, Denial::Nsec),
            (
                "child.example.",
                CHILD_ZONE,
                Denial::Nsec3(Nsec3Config {
                    opt_out: true,
                    ..Nsec3Config::default()
                }),
            ),
        ] {
            let file = dir.path().join(format!("{origin}signed"));
            std::fs::write(&file, signed(origin, text, denial)).unwrap();
            zones.push(ZoneSource::new(Name::parse_absolute(origin).unwrap(), file));
        }
        // No listen addresses: only the zones are loaded, nothing is bound.
        Shared::load(&ServerConfig {
            zones,
            listen: Vec::new(),
            axfr_allow: Vec::new(),
            threads: 1,
            watch_interval: Duration::from_secs(3600),
            udp_via_hickory: false,
        })
        .unwrap()
    })
}

// ---------------------------------------------------------------------------
// Building queries.

#[derive(Debug, Clone)]
struct Opt {
    payload: u16,
    ext_rcode: u8,
    version: u8,
    /// The 16 flag bits of the TTL field (DO is 0x8000).
    flags: u16,
    rdata: Vec<u8>,
}

#[derive(Debug, Clone)]
struct QuerySpec {
    id: u16,
    /// Header flags other than QR, opcode and RCODE: RD, CD, AD, Z.
    flag_bits: u16,
    qname: Vec<u8>,
    qtype: u16,
    qclass: u16,
    opt: Option<Opt>,
}

fn wire_name(text: &str) -> Vec<u8> {
    Name::parse_absolute(text).unwrap().as_wire().to_vec()
}

fn build(spec: &QuerySpec) -> Vec<u8> {
    let mut m = Vec::with_capacity(64);
    m.extend_from_slice(&spec.id.to_be_bytes());
    m.extend_from_slice(&(spec.flag_bits & 0x0170).to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, u8::from(spec.opt.is_some())]);
    m.extend_from_slice(&spec.qname);
    m.extend_from_slice(&spec.qtype.to_be_bytes());
    m.extend_from_slice(&spec.qclass.to_be_bytes());
    if let Some(o) = &spec.opt {
        push_opt(&mut m, &[0], o);
    }
    m
}

fn push_opt(m: &mut Vec<u8>, owner: &[u8], o: &Opt) {
    m.extend_from_slice(owner);
    m.extend_from_slice(&41u16.to_be_bytes());
    m.extend_from_slice(&o.payload.to_be_bytes());
    m.extend_from_slice(&[o.ext_rcode, o.version]);
    m.extend_from_slice(&o.flags.to_be_bytes());
    m.extend_from_slice(&(o.rdata.len() as u16).to_be_bytes());
    m.extend_from_slice(&o.rdata);
}

/// Names worth asking about: every kind of answer the two zones give.
const NAMES: &[&str] = &[
    "example.",
    "ns1.example.",
    "ns2.example.",
    "mail.example.",
    "www.example.",
    "loop1.example.",
    "out.example.",
    "x.apps.example.",
    "a.b.apps.example.",
    "foo.wc.example.",
    "a.b.c.example.",
    "b.c.example.",
    "c.example.",
    "_sip._udp.example.",
    "_udp.example.",
    "old.example.",
    "x.old.example.",
    "x.self.example.",
    "a.self.self.example.",
    "www.self.example.",
    "long.example.",
    "x.long.example.",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.long.example.",
    "child.example.",
    "ns.child.example.",
    "www.child.example.",
    "nope.child.example.",
    "a.w.child.example.",
    "x.y.z.child.example.",
    "y.z.child.example.",
    "deleg.child.example.",
    "a.deleg.child.example.",
    "secdeleg.child.example.",
    "x.secdeleg.child.example.",
    "insecure.example.",
    "a.insecure.example.",
    "ns.insecure.example.",
    "big.example.",
    "nope.example.",
    "a.b.nope.example.",
    "example.net.",
    "net.",
    ".",
];

const TYPES: &[u16] = &[
    1, 2, 5, 6, 15, 16, 28, 33, 39, 43, 46, 47, 48, 50, 51, 99, 257, 251, 252, 255, 41, 0, 65535,
];

/// Upper-cases letters where `mask` says so (RFC 0x20 queries).
fn mixed_case(wire: &[u8], mask: u64) -> Vec<u8> {
    let mut out = wire.to_vec();
    let mut at = 0;
    let mut bit = 0;
    while at < out.len() && out[at] != 0 {
        let len = usize::from(out[at]);
        for b in &mut out[at + 1..at + 1 + len] {
            if b.is_ascii_lowercase() && mask >> (bit % 64) & 1 == 1 {
                b.make_ascii_uppercase();
            }
            bit += 1;
        }
        at += 1 + len;
    }
    out
}

fn opt_strategy() -> impl Strategy<Value = Opt> {
    (
        prop_oneof![
            Just(0u16),
            Just(511),
            Just(512),
            Just(1232),
            Just(1233),
            Just(4096),
            Just(65535),
            any::<u16>()
        ],
        prop_oneof![8 => Just(0u8), 1 => any::<u8>()],
        prop_oneof![8 => Just(0u8), 1 => Just(1), 1 => any::<u8>()],
        prop_oneof![Just(0x8000u16), Just(0), any::<u16>()],
        prop_oneof![
            4 => Just(Vec::new()),
            // A cookie option (RFC 7873), a padding option, or anything.
            1 => Just(vec![0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]),
            1 => Just(vec![0, 12, 0, 4, 0, 0, 0, 0]),
            1 => prop::collection::vec(any::<u8>(), 0..40),
        ],
    )
        .prop_map(|(payload, ext_rcode, version, flags, rdata)| Opt {
            payload,
            ext_rcode,
            version,
            flags,
            rdata,
        })
}

fn spec_strategy() -> impl Strategy<Value = QuerySpec> {
    (
        any::<u16>(),
        any::<u16>(),
        (0..NAMES.len(), any::<u64>()).prop_map(|(i, mask)| mixed_case(&wire_name(NAMES[i]), mask)),
        prop_oneof![4 => prop::sample::select(TYPES), 1 => any::<u16>()],
        prop_oneof![8 => Just(1u16), 1 => Just(255), 1 => Just(3), 1 => any::<u16>()],
        prop::option::weighted(0.7, opt_strategy()),
    )
        .prop_map(|(id, flag_bits, qname, qtype, qclass, opt)| QuerySpec {
            id,
            flag_bits,
            qname,
            qtype,
            qclass,
            opt,
        })
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    Overwrite(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize),
    /// Sets QDCOUNT (0), ANCOUNT, NSCOUNT or ARCOUNT (3).
    Count(usize, u16),
    /// Writes a compression pointer at a position.
    Pointer(usize, u16),
    /// Appends an OPT record (owner root or a pointer) and counts it.
    AppendOpt(bool, Opt),
    /// Appends an arbitrary record to the additional section.
    AppendRecord(Vec<u8>, u16, u16, u32, Vec<u8>),
    /// Sets the opcode.
    Opcode(u8),
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..4))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        2 => (
            0usize..4,
            prop_oneof![Just(0u16), Just(2), Just(0x7fff), Just(0xffff), any::<u16>()]
        )
            .prop_map(|(i, v)| Mutation::Count(i, v)),
        2 => (any::<usize>(), prop_oneof![Just(0u16), Just(12), any::<u16>()])
            .prop_map(|(i, t)| Mutation::Pointer(i, t)),
        2 => (any::<bool>(), opt_strategy()).prop_map(|(p, o)| Mutation::AppendOpt(p, o)),
        1 => (
            prop::collection::vec(any::<u8>(), 1..6),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..12),
        )
            .prop_map(|(o, t, c, ttl, d)| Mutation::AppendRecord(o, t, c, ttl, d)),
        1 => (0u8..16).prop_map(Mutation::Opcode),
    ]
}

fn apply(m: &mut Vec<u8>, mutation: &Mutation) {
    let len = m.len();
    match mutation {
        Mutation::FlipBit(i, b) if len > 0 => m[i % len] ^= 1 << b,
        Mutation::Overwrite(i, v) if len > 0 => m[i % len] = *v,
        Mutation::Truncate(n) => m.truncate(n % (len + 1)),
        Mutation::Insert(i, bytes) => {
            let at = i % (len + 1);
            m.splice(at..at, bytes.iter().copied());
        }
        Mutation::Remove(i) if len > 0 => {
            m.remove(i % len);
        }
        Mutation::Count(i, v) if len >= 12 => {
            m[4 + 2 * i..6 + 2 * i].copy_from_slice(&v.to_be_bytes())
        }
        Mutation::Pointer(i, target) if len >= 2 => {
            let at = i % (len - 1);
            m[at..at + 2].copy_from_slice(&(0xc000 | (target & 0x3fff)).to_be_bytes());
        }
        Mutation::AppendOpt(pointer, o) => {
            let owner: &[u8] = if *pointer { &[0xc0, 12] } else { &[0] };
            push_opt(m, owner, o);
            bump_arcount(m);
        }
        Mutation::AppendRecord(owner, t, c, ttl, data) => {
            m.extend_from_slice(owner);
            m.extend_from_slice(&t.to_be_bytes());
            m.extend_from_slice(&c.to_be_bytes());
            m.extend_from_slice(&ttl.to_be_bytes());
            m.extend_from_slice(&(data.len() as u16).to_be_bytes());
            m.extend_from_slice(data);
            bump_arcount(m);
        }
        Mutation::Opcode(op) if len >= 3 => m[2] = (m[2] & 0x87) | (op << 3),
        _ => {}
    }
}

fn bump_arcount(m: &mut [u8]) {
    if m.len() >= 12 {
        let n = u16::from_be_bytes([m[10], m[11]]).wrapping_add(1);
        m[10..12].copy_from_slice(&n.to_be_bytes());
    }
}

// ---------------------------------------------------------------------------
// The checks.

/// The UDP limit the response to `message` must respect.
fn expected_udp_limit(message: &[u8]) -> usize {
    match query::parse(message) {
        Ok(q) => q
            .edns
            .map_or(512, |e| usize::from(e.payload.clamp(512, 1232))),
        // Error responses (FORMERR, NOTIMP) never carry more than a question.
        Err(_) => 512,
    }
}

/// Checks what holds for every message; returns the response.
fn check_any(message: &[u8], limit: usize) -> Result<Option<Vec<u8>>, TestCaseError> {
    let response = respond(shared(), message, limit);
    let Some(r) = response else {
        return Ok(None);
    };
    prop_assert!(r.len() >= 12, "response shorter than a header: {r:02x?}");
    if message.len() >= 2 {
        prop_assert_eq!(
            &r[..2],
            &message[..2],
            "response ID differs from the query's"
        );
    }
    prop_assert!(r[2] & 0x80 != 0, "QR not set in the response");
    let max = if limit == 0 {
        expected_udp_limit(message)
    } else {
        limit
    };
    prop_assert!(
        r.len() <= max,
        "response of {} octets over the limit of {max}",
        r.len()
    );
    if let Ok(q) = query::parse(message) {
        check_accepted(message, &q, &r)?;
    }
    Ok(Some(r))
}

/// A query the reader accepted: the response is a well-formed DNS message
/// with the question as sent.
fn check_accepted(message: &[u8], q: &query::Query, r: &[u8]) -> Result<(), TestCaseError> {
    let parsed = Message::from_vec(r);
    prop_assert!(
        parsed.is_ok(),
        "hickory cannot read the response ({:?})\n query {message:02x?}\n response {r:02x?}",
        parsed.err()
    );
    let parsed = parsed.unwrap();
    prop_assert_eq!(parsed.queries.len(), 1);
    let qname = q.qname.as_wire();
    prop_assert_eq!(
        &r[12..12 + qname.len()],
        qname,
        "question name not echoed as sent"
    );
    prop_assert_eq!(
        &r[12 + qname.len()..16 + qname.len()],
        &message[12 + qname.len()..16 + qname.len()],
        "question type or class changed"
    );
    prop_assert_eq!(parsed.metadata.op_code, hickory_proto::op::OpCode::Query);
    prop_assert_eq!(parsed.metadata.recursion_desired, q.recursion_desired);
    prop_assert_eq!(parsed.metadata.checking_disabled, q.checking_disabled);
    match q.edns {
        Some(e) => {
            prop_assert!(parsed.edns.is_some(), "EDNS query, no OPT in the response");
            let edns = parsed.edns.as_ref().unwrap();
            prop_assert_eq!(edns.version(), 0);
            prop_assert_eq!(edns.flags().dnssec_ok, e.dnssec_ok, "DO echoed (RFC 3225)");
            if e.version > 0 {
                // hickory reads 16 as BADSIG, the code BADVERS shares (RFC 6891, RFC 8945).
                prop_assert_eq!(u16::from(parsed.metadata.response_code), 16);
            }
        }
        None => {
            prop_assert!(
                parsed.edns.is_none(),
                "OPT in the response to a query without EDNS"
            );
        }
    }
    if parsed.metadata.truncation {
        prop_assert!(parsed.answers.is_empty() && parsed.authorities.is_empty());
    }
    Ok(())
}

proptest! {
    // 2000 cases unless PROPTEST_CASES says otherwise; integration tests
    // have no lib.rs beside which proptest could keep regression files.
    #![proptest_config(ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            ProptestConfig::default().cases
        } else {
            2000
        },
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes(message in prop::collection::vec(any::<u8>(), 0..600)) {
        check_any(&message, 0)?;
        check_any(&message, 65535)?;
    }

    #[test]
    fn random_bytes_behind_a_query_header(
        header in prop::array::uniform12(any::<u8>()),
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        // A plausible header (QR clear, QDCOUNT 1) makes the reader go deeper.
        let mut m = header.to_vec();
        m[2] &= 0x7f;
        m[4] = 0;
        m[5] = 1;
        m.extend_from_slice(&body);
        check_any(&m, 0)?;
    }

    #[test]
    fn valid_queries(spec in spec_strategy()) {
        let message = build(&spec);
        let q = query::parse(&message);
        prop_assert!(q.is_ok(), "a well-formed query was not accepted: {:?}", q.err());
        let r = check_any(&message, 0)?;
        prop_assert!(r.is_some(), "no response to a well-formed query");
        check_any(&message, 65535)?;
    }

    #[test]
    fn mutated_queries(
        spec in spec_strategy(),
        mutations in prop::collection::vec(mutation_strategy(), 1..5),
    ) {
        let mut message = build(&spec);
        for m in &mutations {
            apply(&mut message, m);
        }
        check_any(&message, 0)?;
        check_any(&message, 65535)?;
    }
}

// ---------------------------------------------------------------------------
// One test per error path.

fn query_for(name: &str, qtype: u16, opt: Option<Opt>) -> Vec<u8> {
    build(&QuerySpec {
        id: 0xbeef,
        flag_bits: 0x0100,
        qname: wire_name(name),
        qtype,
        qclass: 1,
        opt,
    })
}

fn edns(version: u8, dnssec_ok: bool) -> Opt {
    Opt {
        payload: 1232,
        ext_rcode: 0,
        version,
        flags: if dnssec_ok { 0x8000 } else { 0 },
        rdata: Vec::new(),
    }
}

fn respond_ok(message: &[u8]) -> (Vec<u8>, Message) {
    let r = check_any(message, 0)
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("a response");
    let m = Message::from_vec(&r).expect("response parses");
    (r, m)
}

#[test]
fn two_questions_get_formerr() {
    let mut m = query_for("www.example.", 1, None);
    m[5] = 2;
    m.extend_from_slice(&wire_name("mail.example."));
    m.extend_from_slice(&[0, 1, 0, 1]);
    let (r, _) = respond_ok(&m);
    assert_eq!(&r[..2], &[0xbe, 0xef]);
    assert_eq!(r[3] & 0x0f, 1, "FORMERR expected: {r:02x?}");
    assert!(r[2] & 0x80 != 0);
}

#[test]
fn notify_and_update_get_notimp() {
    for opcode in [4u8, 5] {
        let mut m = query_for("example.", 6, None);
        m[2] |= opcode << 3;
        let (r, _) = respond_ok(&m);
        assert_eq!(&r[..2], &[0xbe, 0xef]);
        assert_eq!(
            r[3] & 0x0f,
            4,
            "NOTIMP expected for opcode {opcode}: {r:02x?}"
        );
        assert_eq!((r[2] >> 3) & 0x0f, opcode, "opcode echoed");
    }
}

#[test]
fn names_outside_the_zones_are_refused() {
    for name in ["example.net.", "exampleX.", "."] {
        let (r, m) = respond_ok(&query_for(name, 1, Some(edns(0, true))));
        assert_eq!(m.metadata.response_code, ResponseCode::Refused, "{name}");
        assert!(!m.metadata.authoritative);
        assert!(m.answers.is_empty() && m.authorities.is_empty());
        assert_eq!(r[3] & 0x0f, 5);
    }
}

#[test]
fn edns_version_1_gets_badvers() {
    let (r, m) = respond_ok(&query_for("example.", 6, Some(edns(1, true))));
    assert_eq!(r[3] & 0x0f, 0, "the low four bits of BADVERS (16) are 0");
    assert_eq!(u16::from(m.metadata.response_code), 16, "BADVERS");
    let opt = m.edns.expect("OPT in a BADVERS response");
    assert_eq!(opt.rcode_high(), 1, "extended RCODE 1 (16 >> 4)");
    assert_eq!(opt.version(), 0);
    assert!(m.answers.is_empty());
}

#[test]
fn big_answer_is_truncated_at_512_with_the_question_as_sent() {
    let name = "BiG.ExAmPlE.";
    let plain = query_for(name, 16, None);
    let (r, m) = respond_ok(&plain);
    assert!(
        m.metadata.truncation,
        "TC expected for a 5 x 200 octet TXT set"
    );
    assert!(r.len() <= 512);
    assert!(m.answers.is_empty());
    assert_eq!(&r[12..12 + 13], b"\x03BiG\x07ExAmPlE\x00", "0x20 case kept");
    // With DO and a 512-octet EDNS payload: truncated as well, OPT kept.
    let mut small = edns(0, true);
    small.payload = 512;
    let (r, m) = respond_ok(&query_for(name, 16, Some(small)));
    assert!(m.metadata.truncation && r.len() <= 512);
    assert!(m.edns.is_some_and(|e| e.flags().dnssec_ok));
    assert_eq!(&r[12..12 + 13], b"\x03BiG\x07ExAmPlE\x00");
    // The same question with EDNS 1232 fits.
    let (r, m) = respond_ok(&query_for(name, 16, Some(edns(0, false))));
    assert!(!m.metadata.truncation, "{} octets", r.len());
    assert_eq!(m.answers.len(), 5);
    assert!(r.len() > 512);
    // And the explicit 512 limit truncates even with EDNS 1232.
    let r = respond(shared(), &query_for(name, 16, Some(edns(0, false))), 512).unwrap();
    assert!(r[2] & 0x02 != 0 && r.len() <= 512);
}
