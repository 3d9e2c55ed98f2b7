use super::*;
use crate::lexer::Lexer;
use crate::name::Name;

/// Parses `text` as the data of `rtype`, writes it back and parses that.
fn round_trip(rtype: Rtype, text: &str) -> (Vec<u8>, String) {
    let origin = Name::parse_absolute("example.").unwrap();
    let mut tokens = Vec::new();
    let mut lexer = Lexer::new(text.as_bytes());
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let wire =
        parse(rtype, &tokens, Some(&origin)).unwrap_or_else(|e| panic!("{rtype} {text}: {e:?}"));
    let mut written = String::new();
    write(rtype, &wire, &mut written);
    let mut lexer = Lexer::new(written.as_bytes());
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let again =
        parse(rtype, &tokens, Some(&origin)).unwrap_or_else(|e| panic!("{rtype} {written}: {e:?}"));
    assert_eq!(wire, again, "{rtype}: {text} -> {written}");
    (wire, written)
}

#[test]
fn every_known_type_round_trips() {
    let cases: &[(Rtype, &str)] = &[
        (Rtype::A, "192.0.2.1"),
        (Rtype::AAAA, "2001:db8::1"),
        (Rtype::NS, "ns1"),
        (Rtype::CNAME, "www.example.net."),
        (Rtype::DNAME, "example.net."),
        (Rtype::PTR, "host.example."),
        (Rtype::SOA, "ns1 hostmaster ( 2026112701 1h 15m 1w 300 )"),
        (Rtype::MX, "10 mail"),
        (
            Rtype::TXT,
            "\"hello world\" \"a \\\"quoted\\\" \\255 byte\" plain",
        ),
        (Rtype::SPF, "\"v=spf1 -all\""),
        (Rtype::HINFO, "\"PC\" \"Linux\""),
        (Rtype::RP, "admin.example. txt.example."),
        (Rtype::SRV, "0 5 5060 sip"),
        (Rtype::NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp"),
        (Rtype::CAA, "0 issue \"ca.example; account=1\""),
        (
            Rtype::SSHFP,
            "4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789",
        ),
        (
            Rtype::TLSA,
            "3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
        ),
        (
            Rtype::SVCB,
            "1 svc.example. alpn=\"h2,h3\" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1 mandatory=alpn,port",
        ),
        (Rtype::HTTPS, "0 example.net."),
        (
            Rtype::HTTPS,
            "1 . alpn=h3 no-default-alpn ech=AEX+DQBBrAAgACAkBuvX key65000=\"x\\\\,y\"",
        ),
        (
            Rtype::DS,
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        ),
        (Rtype::CDS, "0 0 0 00"),
        (
            Rtype::DNSKEY,
            "257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+ KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )",
        ),
        (Rtype::CDNSKEY, "0 3 0 AA=="),
        (
            Rtype::RRSIG,
            "A 13 2 3600 20261201000000 20261120000000 12345 example. ( c2lnbmF0dXJl )",
        ),
        (
            Rtype::RRSIG,
            "TYPE65534 ECDSAP256SHA256 2 3600 1795168800 1795168000 12345 example. c2lnbmF0dXJl",
        ),
        (Rtype::NSEC, "host.example. A MX RRSIG NSEC TYPE1234"),
        (
            Rtype::NSEC3,
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG",
        ),
        (Rtype::NSEC3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR"),
        (Rtype::NSEC3PARAM, "1 0 0 -"),
        (Rtype::OPENPGPKEY, "AQID"),
        (Rtype::CSYNC, "66 3 A NS AAAA"),
        (
            Rtype::ZONEMD,
            "2026112701 1 1 ( FEBE3D4CE2EC2FFA4BA99D46CD69D6D29711E55217057BEE7EB1A7B641A47BA7FED2DD5B97AE499FAFA4F22C6BD647DE )",
        ),
        (Rtype::URI, "10 1 \"https://example.net/\""),
        (Rtype(65534), "\\# 4 0a000001"),
        (Rtype::A, "\\# 4 C0000201"),
    ];
    for (rtype, text) in cases {
        round_trip(*rtype, text);
    }
}

#[test]
fn written_forms_are_the_usual_ones() {
    assert_eq!(
        round_trip(Rtype::SOA, "ns1 hostmaster 1 1h 15m 1w 300").1,
        "ns1.example. hostmaster.example. 1 3600 900 604800 300"
    );
    assert_eq!(round_trip(Rtype::A, "\\# 4 C0000201").1, "192.0.2.1");
    assert_eq!(
        round_trip(Rtype(65534), "\\# 4 0a000001").1,
        "\\# 4 0A000001"
    );
    assert_eq!(round_trip(Rtype::NSEC3PARAM, "1 0 0 -").1, "1 0 0 -");
    assert_eq!(
        round_trip(Rtype::NSEC, "a.example. NSEC A RRSIG").1,
        "a.example. A RRSIG NSEC"
    );
    assert_eq!(
        round_trip(
            Rtype::RRSIG,
            "A 13 2 3600 20261201000000 20261120000000 12345 example. c2lnbmF0dXJl"
        )
        .1,
        "A 13 2 3600 20261201000000 20261120000000 12345 example. c2lnbmF0dXJl"
    );
    // Unknown types are written generically, with upper-case hex.
    assert_eq!(round_trip(Rtype(65280), "\\# 2 0a0b").1, "\\# 2 0A0B");
}

#[test]
fn errors_point_at_the_token() {
    let origin = Name::parse_absolute("example.").unwrap();
    let mut tokens = Vec::new();
    let mut lexer = Lexer::new(b"10 mail extra");
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let err = parse(Rtype::MX, &tokens, Some(&origin)).unwrap_err();
    assert_eq!(err.token, 2);
    assert!(matches!(err.kind, RdataErrorKind::Trailing { .. }));
    let mut lexer = Lexer::new(b"300.1.2.3");
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    assert_eq!(parse(Rtype::A, &tokens, None).unwrap_err().token, 0);
    let mut lexer = Lexer::new(b"\\# 3 0a0000");
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let err = parse(Rtype::A, &tokens, None).unwrap_err();
    assert!(
        matches!(err.kind, RdataErrorKind::GenericMismatch { .. }),
        "RFC 3597 §5: generic data must fit the known type"
    );
    let mut lexer = Lexer::new(b"( AAAA\n  B!B= )");
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let err = parse(Rtype::OPENPGPKEY, &tokens, None).unwrap_err();
    assert_eq!(err.token, 1, "the token with the bad character");
}

#[test]
fn canonical_form_lowercases_names_where_rfc_says() {
    let origin = Name::parse_absolute("Example.").unwrap();
    let mut tokens = Vec::new();
    let mut lexer = Lexer::new(b"10 MAIL");
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let mx = parse(Rtype::MX, &tokens, Some(&origin)).unwrap();
    assert_eq!(&canonical(Rtype::MX, &mx)[2..], b"\x04mail\x07example\x00");
    let mut lexer = Lexer::new(b"NEXT A");
    lexer.next_entry(&mut tokens).unwrap().unwrap();
    let nsec = parse(Rtype::NSEC, &tokens, Some(&origin)).unwrap();
    assert_eq!(
        canonical(Rtype::NSEC, &nsec).as_ref(),
        nsec.as_slice(),
        "RFC 6840 §5.1: NSEC keeps case"
    );
}
