//! The pictures parse as XML, show every key and DS, mark what is broken
//! in red with the finding's id, put the violation at its time, and
//! escape what comes from trainees.

use super::timeline::{PLOT_LEFT, PLOT_RIGHT, scale_of};
use super::{Finding, RED, chain_svg, timeline_svg};
use crate::chain::{Break, Chain, ChainState, DsNode, HopView, LinkStatus};
use crate::rrset::{KeyInfo, SigCheck};
use crate::timeline::evaluate;
use crate::timeline::states::histories;
use crate::timeline::tests::{T0, Zone, timeline};
use dnslab_zone::keys::Key;
use dnslab_zone::{Algorithm, Name};

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
}

fn texts(doc: &roxmltree::Document<'_>) -> String {
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_rushed_zsk_rollover_marks_the_violation_at_its_time() {
    let z = Zone::new();
    let (ksk, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    let t = timeline(
        vec![
            (0, z.view(&[&ksk], &[&ksk, &z1], &[&ksk], &[&z1])),
            (100, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z2])),
            (300, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ],
        400,
    );
    let e = evaluate(&t, &z.apex);
    let v = e.violation.clone().expect("unsafe");
    let times: Vec<i64> = t.points.iter().map(|p| p.t).collect();
    let svg = timeline_svg(&e, &histories(&e, &times));
    let doc = parse(&svg);
    for k in [&ksk, &z1, &z2] {
        let tag = k.tag().to_string();
        assert!(
            doc.descendants()
                .any(|n| n.attribute("data-key-tag") == Some(tag.as_str())),
            "key {tag} has no rows"
        );
    }
    let marker = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("violation"))
        .expect("violation marker");
    let line = marker
        .children()
        .find(|n| n.has_tag_name("line"))
        .expect("its line");
    assert_eq!(line.attribute("stroke"), Some(RED));
    assert!(line.attribute("stroke-dasharray").is_some());
    // The scale: the span plus the longest TTL (60 s).
    let scale = scale_of(&e).expect("span");
    assert_eq!((scale.from, scale.to), (T0, T0 + 400 + 60));
    let expected = PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (v.at - T0) as f64 / 460.0;
    let x: f64 = line.attribute("x1").unwrap().parse().unwrap();
    assert!((x - expected).abs() < 0.06, "{x} vs {expected}");
    assert!(texts(&doc).contains("a resolver could fail at"));
    assert!(texts(&doc).contains("Legend"));
}

#[test]
fn a_safe_timeline_has_no_marker_and_an_empty_one_says_so() {
    let z = Zone::new();
    let (ksk, z1) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    let t = timeline(
        vec![(0, z.view(&[&ksk], &[&ksk, &z1], &[&ksk], &[&z1]))],
        100,
    );
    let e = evaluate(&t, &z.apex);
    let svg = timeline_svg(&e, &histories(&e, &[T0]));
    let doc = parse(&svg);
    assert!(
        !doc.descendants()
            .any(|n| n.attribute("id") == Some("violation"))
    );

    let empty = evaluate(&Default::default(), &z.apex);
    let doc_text = timeline_svg(&empty, &[]);
    assert!(texts(&parse(&doc_text)).contains("No timeline recorded yet"));
}

fn key(zone: &Name, ksk: bool) -> (Key, KeyInfo) {
    let k = Key::generate(zone.clone(), Algorithm::ECDSAP256SHA256, ksk, T0).unwrap();
    let info = KeyInfo {
        tag: k.tag(),
        algorithm: k.algorithm,
        sep: ksk,
        revoked: false,
        zone_key: true,
        rdata: k.dnskey_rdata(),
    };
    (k, info)
}

fn signed_by(k: &KeyInfo) -> SigCheck {
    SigCheck {
        key_tag: k.tag,
        algorithm: k.algorithm,
        inception: 0,
        expiration: u32::MAX,
        problem: None,
    }
}

/// root and TLD secure; the trainee zone hostile-named, its DS a key it
/// does not serve.
fn broken_chain(trainee: &str) -> (Chain, Vec<u16>) {
    let root = Name::root();
    let tld = Name::parse_absolute("ne.").unwrap();
    let zone = Name::parse_absolute(trainee).unwrap();
    let (_, root_ksk) = key(&root, true);
    let (_, tld_ksk) = key(&tld, true);
    let (_, tld_zsk) = key(&tld, false);
    let (_, ksk) = key(&zone, true);
    let (_, zsk) = key(&zone, false);
    let ds = |k: &KeyInfo, matches| DsNode {
        key_tag: k.tag,
        algorithm: k.algorithm,
        digest_type: 2,
        matches,
    };
    let hop = |zone: &Name, node: &str, keys: Vec<KeyInfo>| HopView {
        zone: zone.clone(),
        node: node.into(),
        keys,
        ds_at_parent: Vec::new(),
        ds_signers: Vec::new(),
        dnskey_signers: Vec::new(),
        link: LinkStatus::Secure,
    };
    let mut h0 = hop(&root, "root", vec![root_ksk.clone()]);
    h0.ds_at_parent = vec![ds(&root_ksk, Some(0))];
    h0.dnskey_signers = vec![signed_by(&root_ksk)];
    let mut h1 = hop(&tld, "tld-ne", vec![tld_ksk.clone(), tld_zsk.clone()]);
    h1.ds_at_parent = vec![ds(&tld_ksk, Some(0))];
    h1.ds_signers = vec![signed_by(&root_ksk)];
    h1.dnskey_signers = vec![signed_by(&tld_ksk)];
    let mut h2 = hop(&zone, "t01-auth", vec![ksk.clone(), zsk.clone()]);
    // The DS of a key the zone does not serve.
    let (_, other) = key(&zone, true);
    h2.ds_at_parent = vec![ds(&other, None)];
    h2.ds_signers = vec![signed_by(&tld_zsk)];
    h2.dnskey_signers = vec![signed_by(&ksk)];
    h2.link = LinkStatus::Broken(Break::NoKeyMatchesDs);
    let tags = vec![
        root_ksk.tag,
        tld_ksk.tag,
        tld_zsk.tag,
        ksk.tag,
        zsk.tag,
        other.tag,
    ];
    let chain = Chain {
        state: ChainState::Bogus { at: zone.clone() },
        notes: Vec::new(),
        failure: Some(format!("no DNSKEY of {zone} matches its DS record(s)")),
        reference: Some("RFC 4035 §5.2"),
        last_keys: vec![ksk, zsk],
        final_ds: crate::chain::DsFetch::NotReached,
        hops: vec![h0, h1, h2],
    };
    (chain, tags)
}

#[test]
fn a_broken_chain_shows_every_key_and_ds_and_the_red_link_with_the_finding() {
    let (chain, tags) = broken_chain("t01.ne.");
    let finding = Finding {
        id: "ds-matches-key".into(),
        message: "no DS record matches a DNSKEY of t01.ne.".into(),
    };
    let svg = chain_svg(&chain, Some(&finding));
    let doc = parse(&svg);
    for tag in &tags {
        let tag = tag.to_string();
        assert!(
            doc.descendants()
                .any(|n| n.attribute("data-key-tag") == Some(tag.as_str())),
            "key tag {tag} not drawn"
        );
    }
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("ds"))
            .count(),
        2,
        "the TLD's DS and the trainee's"
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("trust-anchor"))
            .count(),
        1
    );
    let broken = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("broken-link"))
        .expect("a broken link");
    assert_eq!(broken.attribute("data-finding"), Some("ds-matches-key"));
    assert!(
        broken.descendants().any(
            |n| n.attribute("stroke") == Some(RED) && n.attribute("stroke-dasharray").is_some()
        ),
        "red and dashed"
    );
    let text: String = broken
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("ds-matches-key"), "{text}");
    assert!(text.contains("matches no key"), "{text}");
}

#[test]
fn a_secure_chain_has_no_red_link() {
    let (mut chain, _) = broken_chain("t01.ne.");
    let last = chain.hops.last_mut().unwrap();
    last.ds_at_parent[0].matches = Some(0);
    last.link = LinkStatus::Secure;
    chain.state = ChainState::Secure;
    chain.failure = None;
    let svg = chain_svg(&chain, None);
    let doc = parse(&svg);
    assert!(
        !doc.descendants()
            .any(|n| n.attribute("id") == Some("broken-link"))
    );
    assert!(texts(&doc).contains("secure"));
}

#[test]
fn hostile_names_and_messages_are_escaped() {
    let (chain, _) = broken_chain("<script>x\\&\\\"'.ne.");
    let finding = Finding {
        id: "ds-matches-key".into(),
        message: "</text><script>alert(1)</script> & \"'".into(),
    };
    let svg = chain_svg(&chain, Some(&finding));
    let doc = parse(&svg);
    assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
    assert!(!svg.contains("<script"));
    let all = texts(&doc);
    assert!(all.contains("<script>alert(1)</script> & \"'"), "{all}");
    assert!(all.contains("Chain of trust of <script>x&"), "{all}");
}
