//! Property tests: what the writer writes, the reader reads back to the same
//! records; and no input, however broken, makes the reader panic.

use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::rdata::encode_type_bitmap;
use dnslab_zone::writer::write_zone;
use dnslab_zone::{Class, Name, Record, Rtype};
use proptest::prelude::*;
use std::path::Path;

/// Bytes that a zone file treats specially, to be found in labels often.
const AWKWARD: &[u8] = b". \\\"();@$\t\n\r*-_#=aZ09";

fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 1..=12),
        3 => prop::collection::vec(prop::sample::select(AWKWARD), 1..=6),
        1 => prop::collection::vec(any::<u8>(), 63..=63),
    ]
}

/// Any name: up to three labels of any bytes (at most 3 × 64 + 1 octets).
fn name() -> impl Strategy<Value = Name> {
    prop::collection::vec(label(), 0..=3).prop_map(|labels| {
        let mut wire = Vec::new();
        for l in &labels {
            wire.push(l.len() as u8);
            wire.extend_from_slice(l);
        }
        wire.push(0);
        Name::from_wire(&wire).expect("a well-formed name")
    })
}

fn bytes(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), len)
}

fn char_string() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => bytes(0..=40),
        1 => prop::collection::vec(prop::sample::select(AWKWARD), 0..=10),
        1 => bytes(255..=255),
    ]
}

fn rtype() -> impl Strategy<Value = u16> {
    prop_oneof![0u16..=300, any::<u16>()]
}

fn type_bitmap() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(rtype(), 0..=12).prop_map(|types| {
        let types: Vec<Rtype> = types.into_iter().map(Rtype).collect();
        let mut wire = Vec::new();
        encode_type_bitmap(&types, &mut wire);
        wire
    })
}

fn salt() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![bytes(0..=16), bytes(255..=255)].prop_map(|s| {
        let mut wire = vec![s.len() as u8];
        wire.extend_from_slice(&s);
        wire
    })
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Record data of a known type, well formed for its layout.
fn typed_rdata() -> impl Strategy<Value = (Rtype, Vec<u8>)> {
    let names = || name().prop_map(|n| n.as_wire().to_vec());
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| (Rtype::A, a.to_vec())),
        any::<[u8; 16]>().prop_map(|a| (Rtype::AAAA, a.to_vec())),
        names().prop_map(|n| (Rtype::NS, n)),
        names().prop_map(|n| (Rtype::CNAME, n)),
        (any::<u16>(), names()).prop_map(|(p, n)| (Rtype::MX, cat(&[&p.to_be_bytes(), &n]))),
        prop::collection::vec(char_string(), 1..=4).prop_map(|strings| {
            let mut wire = Vec::new();
            for s in strings {
                wire.push(s.len() as u8);
                wire.extend_from_slice(&s);
            }
            (Rtype::TXT, wire)
        }),
        (any::<[u16; 3]>(), names()).prop_map(|(v, n)| {
            let nums: Vec<u8> = v.iter().flat_map(|x| x.to_be_bytes()).collect();
            (Rtype::SRV, cat(&[&nums, &n]))
        }),
        (
            any::<u8>(),
            prop::collection::vec(
                prop::sample::select(b"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789".to_vec()),
                1..=15
            ),
            bytes(0..=60)
        )
            .prop_map(|(flags, tag, value)| {
                (Rtype::CAA, cat(&[&[flags, tag.len() as u8], &tag, &value]))
            }),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(1..=64)).prop_map(|(tag, alg, dt, d)| {
            (Rtype::DS, cat(&[&tag.to_be_bytes(), &[alg, dt], &d]))
        }),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(1..=200)).prop_map(
            |(flags, proto, alg, key)| {
                (
                    Rtype::DNSKEY,
                    cat(&[&flags.to_be_bytes(), &[proto, alg], &key]),
                )
            }
        ),
        (names(), type_bitmap()).prop_map(|(n, b)| (Rtype::NSEC, cat(&[&n, &b]))),
        (
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            salt(),
            prop_oneof![bytes(1..=32), bytes(255..=255)],
            type_bitmap()
        )
            .prop_map(|(alg, flags, iterations, salt, next, bitmap)| {
                (
                    Rtype::NSEC3,
                    cat(&[
                        &[alg, flags],
                        &iterations.to_be_bytes(),
                        &salt,
                        &[next.len() as u8],
                        &next,
                        &bitmap,
                    ]),
                )
            }),
        (any::<u8>(), any::<u8>(), any::<u16>(), salt()).prop_map(
            |(alg, flags, iterations, salt)| {
                (
                    Rtype::NSEC3PARAM,
                    cat(&[&[alg, flags], &iterations.to_be_bytes(), &salt]),
                )
            }
        ),
        (
            rtype(),
            any::<[u8; 2]>(),
            any::<[u32; 3]>(),
            any::<u16>(),
            names(),
            bytes(1..=128)
        )
            .prop_map(
                |(covered, [alg, labels], [ttl, exp, inc], tag, signer, sig)| {
                    (
                        Rtype::RRSIG,
                        cat(&[
                            &covered.to_be_bytes(),
                            &[alg, labels],
                            &ttl.to_be_bytes(),
                            &exp.to_be_bytes(),
                            &inc.to_be_bytes(),
                            &tag.to_be_bytes(),
                            &signer,
                            &sig,
                        ]),
                    )
                }
            ),
        (names(), names(), any::<[u32; 5]>()).prop_map(|(mname, rname, nums)| {
            let nums: Vec<u8> = nums.iter().flat_map(|x| x.to_be_bytes()).collect();
            (Rtype::SOA, cat(&[&mname, &rname, &nums]))
        }),
        bytes(0..=100).prop_map(|d| (Rtype(65000), d)),
        (any::<u16>(), names(), svc_params())
            .prop_map(|(p, n, params)| { (Rtype::SVCB, cat(&[&p.to_be_bytes(), &n, &params])) }),
        (any::<u16>(), names(), svc_params())
            .prop_map(|(p, n, params)| { (Rtype::HTTPS, cat(&[&p.to_be_bytes(), &n, &params])) }),
        (
            any::<[u16; 2]>(),
            prop::collection::vec(char_string(), 3),
            names()
        )
            .prop_map(|(nums, strings, n)| {
                let mut wire: Vec<u8> = nums.iter().flat_map(|x| x.to_be_bytes()).collect();
                for s in strings {
                    wire.push(s.len() as u8);
                    wire.extend_from_slice(&s);
                }
                wire.extend_from_slice(&n);
                (Rtype::NAPTR, wire)
            }),
        (char_string(), char_string()).prop_map(|(a, b)| {
            (
                Rtype::HINFO,
                cat(&[&[a.len() as u8], &a, &[b.len() as u8], &b]),
            )
        }),
        (any::<[u16; 2]>(), bytes(0..=50)).prop_map(|(nums, target)| {
            let nums: Vec<u8> = nums.iter().flat_map(|x| x.to_be_bytes()).collect();
            (Rtype::URI, cat(&[&nums, &target]))
        }),
        (any::<[u8; 3]>(), bytes(1..=64)).prop_map(|(h, d)| (Rtype::TLSA, cat(&[&h, &d]))),
        (any::<[u8; 2]>(), bytes(1..=32)).prop_map(|(h, d)| (Rtype::SSHFP, cat(&[&h, &d]))),
        (any::<u32>(), any::<[u8; 2]>(), bytes(1..=48))
            .prop_map(|(serial, h, d)| { (Rtype::ZONEMD, cat(&[&serial.to_be_bytes(), &h, &d])) }),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(1..=32)).prop_map(|(tag, alg, dt, d)| {
            (Rtype::CDS, cat(&[&tag.to_be_bytes(), &[alg, dt], &d]))
        }),
        bytes(1..=100).prop_map(|k| (Rtype::OPENPGPKEY, k)),
        (any::<u32>(), any::<u16>(), type_bitmap()).prop_map(|(serial, flags, b)| {
            (
                Rtype::CSYNC,
                cat(&[&serial.to_be_bytes(), &flags.to_be_bytes(), &b]),
            )
        }),
    ]
}

/// SVCB/HTTPS parameters (RFC 9460): each key once, in ascending order.
fn svc_params() -> impl Strategy<Value = Vec<u8>> {
    let list_item =
        prop::collection::vec(prop::sample::select(b",\\\" =h23x\x00\xff".to_vec()), 1..=8);
    let param = prop_oneof![
        prop::collection::vec(prop_oneof![0u16..=8, any::<u16>()], 1..=3)
            .prop_map(|keys| (0u16, keys.iter().flat_map(|k| k.to_be_bytes()).collect())),
        prop::collection::vec(list_item, 1..=3).prop_map(|ids| {
            let mut v = Vec::new();
            for id in ids {
                v.push(id.len() as u8);
                v.extend_from_slice(&id);
            }
            (1u16, v)
        }),
        Just((2u16, Vec::new())),
        any::<u16>().prop_map(|p| (3u16, p.to_be_bytes().to_vec())),
        prop::collection::vec(any::<[u8; 4]>(), 1..=3).prop_map(|a| (4u16, a.concat())),
        bytes(0..=40).prop_map(|v| (5u16, v)),
        prop::collection::vec(any::<[u8; 16]>(), 1..=2).prop_map(|a| (6u16, a.concat())),
        bytes(0..=30).prop_map(|v| (7u16, v)),
        bytes(0..=10).prop_map(|v| (8u16, v)),
        (9u16..=65535, bytes(0..=20)),
    ];
    prop::collection::btree_map(any::<u16>(), param, 0..=5).prop_map(|params| {
        // Keyed by the generated parameter's own key, last one wins.
        let params: std::collections::BTreeMap<u16, Vec<u8>> = params.into_values().collect();
        let mut wire = Vec::new();
        for (key, value) in params {
            wire.extend_from_slice(&key.to_be_bytes());
            wire.extend_from_slice(&(value.len() as u16).to_be_bytes());
            wire.extend_from_slice(&value);
        }
        wire
    })
}

/// Any octets under a known type's number: the writer falls back to the
/// generic form when they do not fit the type's layout.
fn arbitrary_rdata() -> impl Strategy<Value = (Rtype, Vec<u8>)> {
    let types = [
        Rtype::A,
        Rtype::AAAA,
        Rtype::NS,
        Rtype::SOA,
        Rtype::MX,
        Rtype::TXT,
        Rtype::SRV,
        Rtype::NAPTR,
        Rtype::DS,
        Rtype::RRSIG,
        Rtype::NSEC,
        Rtype::DNSKEY,
        Rtype::NSEC3,
        Rtype::NSEC3PARAM,
        Rtype::TLSA,
        Rtype::SVCB,
        Rtype::HTTPS,
        Rtype::CAA,
        Rtype::URI,
        Rtype::ZONEMD,
        Rtype::CSYNC,
        Rtype(65000),
    ];
    (prop::sample::select(types.to_vec()), bytes(0..=64))
}

fn record(rdata: impl Strategy<Value = (Rtype, Vec<u8>)>) -> impl Strategy<Value = Record> {
    (name(), any::<u32>(), rdata).prop_map(|(owner, ttl, (rtype, rdata))| Record {
        owner,
        rtype,
        class: Class::IN,
        ttl,
        rdata: rdata.into_boxed_slice(),
    })
}

/// Zone order, then raw octets, so that records equal under `zone_cmp`
/// (owners differing only in case, say) still compare deterministically.
fn sorted(mut records: Vec<Record>) -> Vec<Record> {
    records.sort_by(|a, b| {
        a.zone_cmp(b)
            .then_with(|| a.owner.as_wire().cmp(b.owner.as_wire()))
            .then_with(|| a.rdata.cmp(&b.rdata))
            .then_with(|| a.ttl.cmp(&b.ttl))
    });
    records
}

fn round_trip(records: Vec<Record>) -> Result<(), TestCaseError> {
    let mut text = Vec::new();
    write_zone(&mut text, &records).expect("writing to memory");
    let parsed =
        parse_bytes(&text, Path::new("written.zone"), &ParseOptions::default()).map_err(|e| {
            TestCaseError::fail(format!(
                "written zone does not read back: {e}\n{}",
                String::from_utf8_lossy(&text)
            ))
        })?;
    prop_assert_eq!(
        sorted(records),
        sorted(parsed),
        "written as:\n{}",
        String::from_utf8_lossy(&text)
    );
    Ok(())
}

proptest! {
    // No regression files: a failure prints its minimal input instead.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn written_records_read_back(
        mut records in prop::collection::vec(record(typed_rdata()), 1..=20),
        class in prop::sample::select(vec![Class::IN, Class::CH, Class::HS, Class(0), Class(65535)]),
    ) {
        // A zone file has one class throughout.
        for r in &mut records {
            r.class = class;
        }
        round_trip(records)?;
    }

    #[test]
    fn any_octets_of_known_types_read_back(records in prop::collection::vec(record(arbitrary_rdata()), 1..=10)) {
        // Octets that are not valid data of their type cannot be written so
        // that a reader accepts them (RFC 3597 §5), so only valid ones must
        // round-trip; for unknown types every octet string is valid.
        let records: Vec<Record> =
            records.into_iter().filter(|r| dnslab_zone::rdata::check_wire(r.rtype, &r.rdata)).collect();
        if !records.is_empty() {
            round_trip(records)?;
        }
    }

    #[test]
    fn random_bytes_never_panic(text in bytes(0..=600)) {
        let _ = parse_bytes(&text, Path::new("random.zone"), &ParseOptions::default());
    }

    #[test]
    fn random_zone_like_text_never_panics(
        pieces in prop::collection::vec(prop::sample::select(ZONE_PIECES), 0..=60),
        origin in prop::option::of(name()),
        default_ttl in prop::option::of(any::<u32>()),
    ) {
        let text = pieces.concat();
        let options = ParseOptions { origin, default_ttl };
        let _ = parse_bytes(text.as_bytes(), Path::new("pieces.zone"), &options);
    }
}

/// Fragments of zone files, glued at random. No file names: `$INCLUDE`
/// followed by these can only name files that do not exist.
const ZONE_PIECES: &[&str] = &[
    " ",
    " ",
    "\t",
    "\n",
    "\n",
    "\r\n",
    "(",
    ")",
    "\"",
    "\\",
    "\\0",
    "\\255",
    "\\256",
    ";",
    "; c\n",
    "@",
    ".",
    "..",
    "*",
    "www",
    "example.",
    "$ORIGIN",
    "$TTL",
    "$INCLUDE",
    "$GENERATE",
    "IN",
    "CH",
    "CLASS255",
    "3600",
    "1h",
    "1w2d",
    "0",
    "65535",
    "65536",
    "4294967296",
    "A",
    "AAAA",
    "NS",
    "MX",
    "TXT",
    "SOA",
    "SRV",
    "CAA",
    "DS",
    "DNSKEY",
    "RRSIG",
    "NSEC",
    "NSEC3",
    "NSEC3PARAM",
    "SVCB",
    "HTTPS",
    "TYPE65000",
    "TYPE0",
    "\\#",
    "192.0.2.1",
    "2001:db8::1",
    "AwEAAQ==",
    "ABCDEF",
    "-",
    "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
    "20261201000000",
    "alpn=h2,h3",
    "port=",
    "ipv4hint=1.2.3.4",
    "mandatory=alpn",
    "key65000=\"x\"",
    "no-default-alpn",
    "issue",
    "13",
    "8",
    "257",
];
