use super::*;
use crate::query::Edns;
use crate::store::{ZoneIndex, ZoneSet};
use dnslab_zone::keys::Key;
use dnslab_zone::parser::{ParseOptions, parse_bytes};
use dnslab_zone::sign::{Denial, Nsec3Config, SignConfig, sign_zone};
use dnslab_zone::{Algorithm, Name};

const PARENT: &str = "\
$TTL 3600
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.2
mail MX 10 www
alias CNAME www
alias2 CNAME alias
out CNAME www.example.net.
*.w TXT \"wild\"
a.b.c TXT \"deep\"
old DNAME lab.
secure NS ns.secure
secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.secure A 192.0.2.3
insecure NS ns.insecure
ns.insecure A 192.0.2.4
";

const CHILD: &str = "\
$TTL 300
@ SOA ns.secure.lab. hostmaster 7 3600 900 604800 300
@ NS ns.secure.lab.
host A 192.0.2.10
";

fn signed(origin: &str, text: &str, denial: Denial) -> Arc<ZoneIndex> {
    let apex = Name::parse_absolute(origin).unwrap();
    let opts = ParseOptions {
        origin: Some(apex.clone()),
        default_ttl: None,
    };
    let records = parse_bytes(text.as_bytes(), "t".as_ref(), &opts).unwrap();
    let keys = [Key::generate(apex.clone(), Algorithm::ED25519, true, 0).unwrap()];
    let mut config = SignConfig::new(1_800_000_000);
    config.denial = denial;
    let zone = sign_zone(&apex, records, &keys, &config).unwrap().zone;
    Arc::new(ZoneIndex::new(zone).unwrap())
}

fn zone_set(denial: Denial) -> ZoneSet {
    ZoneSet::new([
        signed("lab.", PARENT, denial.clone()),
        signed("secure.lab.", CHILD, denial),
    ])
}

fn q(name: &str, qtype: Rtype, dnssec_ok: bool) -> Query {
    Query {
        id: 1,
        opcode: 0,
        recursion_desired: false,
        checking_disabled: false,
        qname: Name::parse_absolute(name).unwrap(),
        qtype,
        qclass: 1,
        edns: Some(Edns {
            payload: 1232,
            version: 0,
            dnssec_ok,
        }),
    }
}

fn types(rrs: &[Rr<'_>]) -> Vec<(String, Rtype)> {
    rrs.iter()
        .map(|rr| {
            (
                rr.record().owner.to_string(),
                rr.record().covered_type().unwrap_or(rr.record().rtype),
            )
        })
        .collect()
}

fn has(rrs: &[Rr<'_>], owner: &str, rtype: Rtype) -> bool {
    rrs.iter().any(|rr| {
        rr.record().owner.to_string().eq_ignore_ascii_case(owner) && rr.record().rtype == rtype
    })
}

#[test]
fn positive_answers_with_and_without_signatures() {
    let zones = zone_set(Denial::Nsec);
    let a = answer(&zones, &q("WWW.lab.", Rtype::A, true));
    assert_eq!((a.rcode, a.authoritative), (rcode::NOERROR, true));
    assert!(has(&a.answer, "www.lab.", Rtype::A) && has(&a.answer, "www.lab.", Rtype::RRSIG));
    let a = answer(&zones, &q("www.lab.", Rtype::A, false));
    assert_eq!(a.answer.len(), 1, "no RRSIG without DO");
    let a = answer(&zones, &q("mail.lab.", Rtype::MX, false));
    assert!(
        a.additional.is_empty(),
        "minimal responses: no MX target addresses"
    );
    let a = answer(&zones, &q("lab.", Rtype::NS, false));
    assert!(
        has(&a.additional, "ns1.lab.", Rtype::A),
        "NS target address in additional"
    );
}

#[test]
fn cname_chains_are_followed_inside_the_zone() {
    let zones = zone_set(Denial::Nsec);
    let a = answer(&zones, &q("alias2.lab.", Rtype::A, false));
    assert_eq!(
        types(&a.answer),
        [
            ("alias2.lab.".into(), Rtype::CNAME),
            ("alias.lab.".into(), Rtype::CNAME),
            ("www.lab.".into(), Rtype::A)
        ]
    );
    let a = answer(&zones, &q("out.lab.", Rtype::A, false));
    assert_eq!(types(&a.answer), [("out.lab.".into(), Rtype::CNAME)]);
    let a = answer(&zones, &q("alias.lab.", Rtype::CNAME, false));
    assert_eq!(a.answer.len(), 1, "a CNAME query is not followed");
}

#[test]
fn nodata_and_nxdomain_with_nsec_proofs() {
    let zones = zone_set(Denial::Nsec);
    let a = answer(&zones, &q("www.lab.", Rtype::MX, true));
    assert_eq!(a.rcode, rcode::NOERROR);
    assert!(a.answer.is_empty());
    assert!(has(&a.authority, "lab.", Rtype::SOA) && has(&a.authority, "www.lab.", Rtype::NSEC));
    let soa = a
        .authority
        .iter()
        .find(|r| r.record().rtype == Rtype::SOA)
        .unwrap();
    assert_eq!(
        soa.record().ttl,
        300,
        "negative SOA TTL = min(TTL, MINIMUM), RFC 2308"
    );
    let a = answer(&zones, &q("nope.lab.", Rtype::A, true));
    assert_eq!(a.rcode, rcode::NXDOMAIN);
    assert!(
        a.authority
            .iter()
            .filter(|r| r.record().rtype == Rtype::NSEC)
            .count()
            >= 1
    );
    // Empty non-terminal: NODATA, not NXDOMAIN.
    let a = answer(&zones, &q("b.c.lab.", Rtype::A, true));
    assert_eq!(a.rcode, rcode::NOERROR);
    assert!(a.authority.iter().any(|r| r.record().rtype == Rtype::NSEC));
}

#[test]
fn wildcards_expand_with_proof() {
    for denial in [Denial::Nsec, Denial::Nsec3(Nsec3Config::default())] {
        let zones = zone_set(denial);
        let a = answer(&zones, &q("x.w.lab.", Rtype::TXT, true));
        assert_eq!(a.rcode, rcode::NOERROR);
        assert!(
            has(&a.answer, "x.w.lab.", Rtype::TXT),
            "owner is the query name"
        );
        let sig = a
            .answer
            .iter()
            .find(|r| r.record().rtype == Rtype::RRSIG)
            .unwrap();
        assert_eq!(sig.record().rdata[3], 2, "RRSIG labels count of *.w.lab.");
        assert!(
            !a.authority.is_empty(),
            "proof that x.w.lab. itself does not exist"
        );
        let a = answer(&zones, &q("x.w.lab.", Rtype::A, true));
        assert_eq!(
            (a.rcode, a.answer.len()),
            (rcode::NOERROR, 0),
            "wildcard NODATA"
        );
    }
}

#[test]
fn referrals_are_not_authoritative_and_carry_ds_or_proof_and_glue() {
    let zones = zone_set(Denial::Nsec);
    // insecure.lab. is below lab. only; secure.lab. is also served here.
    let a = answer(&zones, &q("www.insecure.lab.", Rtype::A, true));
    assert!(!a.authoritative);
    assert!(
        has(&a.authority, "insecure.lab.", Rtype::NS)
            && has(&a.authority, "insecure.lab.", Rtype::NSEC)
    );
    assert!(has(&a.additional, "ns.insecure.lab.", Rtype::A));
    assert_eq!(a.required_additional, 1);
    // DS is answered from the parent even though the child is served too.
    let a = answer(&zones, &q("secure.lab.", Rtype::DS, true));
    assert!(a.authoritative && has(&a.answer, "secure.lab.", Rtype::DS));
    assert!(
        a.zone
            .as_ref()
            .is_some_and(|z| z.apex().to_string() == "lab.")
    );
    let a = answer(&zones, &q("host.secure.lab.", Rtype::A, false));
    assert!(
        a.authoritative && has(&a.answer, "host.secure.lab.", Rtype::A),
        "the child answers its own names"
    );
    for denial in [
        Denial::Nsec3(Nsec3Config::default()),
        Denial::Nsec3(Nsec3Config {
            opt_out: true,
            ..Nsec3Config::default()
        }),
    ] {
        let zones = zone_set(denial);
        let a = answer(&zones, &q("insecure.lab.", Rtype::DS, true));
        assert_eq!(a.rcode, rcode::NOERROR);
        assert!(
            a.authority.iter().any(|r| r.record().rtype == Rtype::NSEC3),
            "NSEC3 proof of no DS"
        );
    }
}

#[test]
fn dname_synthesises_a_cname() {
    let zones = zone_set(Denial::Nsec);
    let a = answer(&zones, &q("www.old.lab.", Rtype::A, false));
    assert_eq!(
        types(&a.answer),
        [
            ("old.lab.".into(), Rtype::DNAME),
            ("www.old.lab.".into(), Rtype::CNAME),
            ("www.lab.".into(), Rtype::A)
        ]
    );
}

#[test]
fn refused_badvers_and_class() {
    let zones = zone_set(Denial::Nsec);
    assert_eq!(
        answer(&zones, &q("example.com.", Rtype::A, false)).rcode,
        rcode::REFUSED
    );
    let mut v1 = q("www.lab.", Rtype::A, false);
    v1.edns = Some(Edns {
        payload: 1232,
        version: 1,
        dnssec_ok: false,
    });
    assert_eq!(answer(&zones, &v1).rcode, rcode::BADVERS);
    let mut chaos = q("www.lab.", Rtype::A, false);
    chaos.qclass = 3;
    assert_eq!(answer(&zones, &chaos).rcode, rcode::REFUSED);
}
