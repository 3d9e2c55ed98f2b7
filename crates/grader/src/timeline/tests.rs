//! Synthetic timelines: a ZSK rollover done by the book and rushed ones,
//! a KSK rollover and an algorithm rollover in the wrong order.

use super::evaluate::evaluate;
use super::file::{Point, Timeline};
use super::snapshot::{ServerView, Snapshot};
use super::states::{histories, method};
use dnslab_zone::keys::Key;
use dnslab_zone::keys::ds::{DigestType, ds_rdata};
use dnslab_zone::sign::rrsig::header;
use dnslab_zone::{Algorithm, Name, Record, Rtype};

pub(crate) const TTL: u32 = 60;
pub(crate) const T0: i64 = 1_800_000_000;

pub(crate) struct Zone {
    pub(crate) apex: Name,
}

impl Zone {
    pub(crate) fn new() -> Zone {
        Zone {
            apex: Name::parse_absolute("t1.ne.").unwrap(),
        }
    }

    pub(crate) fn key(&self, alg: Algorithm, ksk: bool) -> Key {
        Key::generate(self.apex.clone(), alg, ksk, T0).unwrap()
    }

    fn dnskey(&self, k: &Key) -> String {
        Record::new(self.apex.clone(), Rtype::DNSKEY, TTL, k.dnskey_rdata()).to_string()
    }

    fn ds(&self, k: &Key) -> String {
        let rdata = ds_rdata(&self.apex, &k.dnskey_rdata(), DigestType::Sha256);
        Record::new(self.apex.clone(), Rtype::DS, TTL, rdata).to_string()
    }

    /// An RRSIG record by `k` over `covered` (timing fields only matter).
    fn rrsig(&self, covered: Rtype, k: &Key) -> String {
        let mut rdata = header(
            covered,
            k.algorithm.0,
            2,
            TTL,
            (T0 + 86400) as u32,
            (T0 - 3600) as u32,
            k.tag(),
            self.apex.as_wire(),
        );
        rdata.extend_from_slice(&[0u8; 64]);
        Record::new(self.apex.clone(), Rtype::RRSIG, TTL, rdata).to_string()
    }

    fn soa(&self) -> String {
        format!(
            "{} {TTL} IN SOA ns.t1.ne. h.t1.ne. 1 3600 600 86400 30",
            self.apex
        )
    }

    /// A view: DS keys at the parent; DNSKEYs, who signs them, who signs
    /// the data.
    pub(crate) fn view(
        &self,
        ds: &[&Key],
        keys: &[&Key],
        key_signers: &[&Key],
        data_signers: &[&Key],
    ) -> Snapshot {
        let mut records: Vec<String> = keys.iter().map(|k| self.dnskey(k)).collect();
        records.extend(key_signers.iter().map(|k| self.rrsig(Rtype::DNSKEY, k)));
        records.push(self.soa());
        records.extend(data_signers.iter().map(|k| self.rrsig(Rtype::SOA, k)));
        Snapshot {
            t: 0,
            zone: self.apex.to_string(),
            parents: vec![ServerView {
                server: "tld-ne".into(),
                records: ds.iter().map(|k| self.ds(k)).collect(),
                error: None,
            }],
            servers: vec![ServerView {
                server: "t1-auth".into(),
                records,
                error: None,
            }],
        }
    }
}

/// A timeline sampled every 10 s: `phases` are (start offset, view).
pub(crate) fn timeline(phases: Vec<(i64, Snapshot)>, end: i64) -> Timeline {
    let mut t = Timeline::default();
    for (i, (_, view)) in phases.iter().enumerate() {
        t.views.push(Snapshot {
            t: T0 + phases[i].0,
            ..view.clone()
        });
    }
    let mut at = 0;
    while at <= end {
        let view = phases
            .iter()
            .rposition(|(start, _)| *start <= at)
            .unwrap_or(0);
        t.points.push(Point { t: T0 + at, view });
        at += 10;
    }
    t
}

#[test]
fn zsk_pre_publish_by_the_book_is_safe() {
    let z = Zone::new();
    let (ksk, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    let t = timeline(
        vec![
            (0, z.view(&[&ksk], &[&ksk, &z1], &[&ksk], &[&z1])),
            (100, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z1])),
            (200, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z2])),
            (300, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ],
        400,
    );
    let e = evaluate(&t, &z.apex);
    assert!(e.is_safe(), "{:?}", e.violation);
    assert!(e.instants > 4 && e.combinations > 4);
    let times: Vec<i64> = t.points.iter().map(|p| p.t).collect();
    let h = histories(&e, &times);
    let names = method(&h);
    assert!(
        names
            .iter()
            .any(|m| m.contains("pre-publish") && m.contains(&z2.tag().to_string())),
        "{names:?}"
    );
}

#[test]
fn new_zsk_used_before_its_dnskey_propagated_is_unsafe() {
    let z = Zone::new();
    let (ksk, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    let t = timeline(
        vec![
            (0, z.view(&[&ksk], &[&ksk, &z1], &[&ksk], &[&z1])),
            // Published and used at once: caches may lack z2.
            (100, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z2])),
            (300, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ],
        400,
    );
    let e = evaluate(&t, &z.apex);
    let v = e.violation.expect("unsafe");
    assert!(v.at >= T0 + 91 && v.at <= T0 + 100, "{}", v.at);
    assert!(v.story.contains(&z2.tag().to_string()), "{}", v.story);
    assert!(v.story.contains("lacks key"), "{}", v.story);
}

#[test]
fn old_zsk_removed_while_its_signatures_may_be_cached_is_unsafe() {
    let z = Zone::new();
    let (ksk, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    let t = timeline(
        vec![
            (0, z.view(&[&ksk], &[&ksk, &z1], &[&ksk], &[&z1])),
            (100, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z1])),
            // Switch and drop the old key at once.
            (200, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ],
        400,
    );
    let v = evaluate(&t, &z.apex).violation.expect("unsafe");
    assert!(v.story.contains(&z1.tag().to_string()), "{}", v.story);
}

#[test]
fn ksk_double_ds_and_a_ds_swapped_too_early() {
    let z = Zone::new();
    let (k1, k2, zsk) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    // Double-KSK done right: publish K2, wait, swap the DS, wait, drop K1.
    let good = timeline(
        vec![
            (0, z.view(&[&k1], &[&k1, &zsk], &[&k1], &[&zsk])),
            (100, z.view(&[&k1], &[&k1, &k2, &zsk], &[&k1, &k2], &[&zsk])),
            (200, z.view(&[&k2], &[&k1, &k2, &zsk], &[&k1, &k2], &[&zsk])),
            (300, z.view(&[&k2], &[&k2, &zsk], &[&k2], &[&zsk])),
        ],
        400,
    );
    let e = evaluate(&good, &z.apex);
    assert!(e.is_safe(), "{:?}", e.violation);
    let times: Vec<i64> = good.points.iter().map(|p| p.t).collect();
    assert!(
        method(&histories(&e, &times))
            .iter()
            .any(|m| m.contains("double-KSK"))
    );
    // The DS swapped at the moment K2 is published.
    let rushed = timeline(
        vec![
            (0, z.view(&[&k1], &[&k1, &zsk], &[&k1], &[&zsk])),
            (100, z.view(&[&k2], &[&k1, &k2, &zsk], &[&k1, &k2], &[&zsk])),
            (300, z.view(&[&k2], &[&k2, &zsk], &[&k2], &[&zsk])),
        ],
        400,
    );
    let v = evaluate(&rushed, &z.apex).violation.expect("unsafe");
    assert!(v.story.contains("chain of trust breaks"), "{}", v.story);
    // The old KSK removed before the old DS left caches.
    let early_removal = timeline(
        vec![
            (0, z.view(&[&k1], &[&k1, &zsk], &[&k1], &[&zsk])),
            (100, z.view(&[&k1], &[&k1, &k2, &zsk], &[&k1, &k2], &[&zsk])),
            (200, z.view(&[&k2], &[&k2, &zsk], &[&k2], &[&zsk])),
        ],
        400,
    );
    assert!(evaluate(&early_removal, &z.apex).violation.is_some());
}

#[test]
fn algorithm_rollover_keys_before_signatures_is_unsafe() {
    let z = Zone::new();
    let (k8, k13) = (
        z.key(Algorithm::ECDSAP384SHA384, true),
        z.key(Algorithm::ECDSAP256SHA256, true),
    );
    // RFC 6781 §4.1.4: signatures of the new algorithm first.
    let good = timeline(
        vec![
            (0, z.view(&[&k8], &[&k8], &[&k8], &[&k8])),
            (100, z.view(&[&k8], &[&k8], &[&k8, &k13], &[&k8, &k13])),
            (
                200,
                z.view(&[&k8], &[&k8, &k13], &[&k8, &k13], &[&k8, &k13]),
            ),
            (
                300,
                z.view(&[&k13], &[&k8, &k13], &[&k8, &k13], &[&k8, &k13]),
            ),
            (400, z.view(&[&k13], &[&k13], &[&k8, &k13], &[&k8, &k13])),
            (500, z.view(&[&k13], &[&k13], &[&k13], &[&k13])),
        ],
        600,
    );
    let e = evaluate(&good, &z.apex);
    assert!(e.is_safe(), "{:?}", e.violation);
    let bad = timeline(
        vec![
            (0, z.view(&[&k8], &[&k8], &[&k8], &[&k8])),
            (100, z.view(&[&k8], &[&k8, &k13], &[&k8, &k13], &[&k8])),
            (
                200,
                z.view(&[&k8], &[&k8, &k13], &[&k8, &k13], &[&k8, &k13]),
            ),
        ],
        300,
    );
    let v = evaluate(&bad, &z.apex).violation.expect("unsafe");
    assert!(v.story.contains("strict validator"), "{}", v.story);
}

/// An unsigned zone signed at +100 s and its DS submitted at +110 s, while
/// caches may still hold the unsigned zone's answers (the ds-submission
/// exercise done in a hurry); then, in `roll`, a ZSK rollover.
fn rushed_ds_then(roll: Vec<(i64, Snapshot)>, z: &Zone, ksk: &Key, z1: &Key) -> Timeline {
    let mut phases = vec![
        (0, z.view(&[], &[], &[], &[])),
        (100, z.view(&[], &[ksk, z1], &[ksk], &[z1])),
        (110, z.view(&[ksk], &[ksk, z1], &[ksk], &[z1])),
    ];
    let end = roll.last().map_or(400, |(t, _)| t + 100);
    phases.extend(roll);
    timeline(phases, end)
}

#[test]
fn a_ds_event_before_the_exercise_start_is_not_its_violation() {
    use super::evaluate::evaluate_since;
    let z = Zone::new();
    let (ksk, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    // A pre-publish ZSK rollover by the book from +300 s.
    let by_the_book = |from: i64| {
        vec![
            (from, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z1])),
            (
                from + 100,
                z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z2]),
            ),
            (from + 200, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ]
    };
    let t = rushed_ds_then(by_the_book(300), &z, &ksk, &z1);
    // The whole timeline: the DS came while caches could hold the
    // unsigned zone.
    let whole = evaluate(&t, &z.apex);
    let v = whole.violation.expect("the rushed DS is unsafe");
    assert!((T0 + 101..=T0 + 110).contains(&v.at), "{}", v.at);
    assert!(v.story.contains("chain of trust breaks"), "{}", v.story);
    assert_eq!(whole.from, None);
    // Started once the DS had settled: the roll alone is judged, and safe.
    let started = evaluate_since(&t, &z.apex, Some(T0 + 295));
    assert!(started.is_safe(), "{:?}", started.violation);
    assert!(started.inherited.is_none(), "{:?}", started.inherited);
    assert_eq!(started.from, Some(T0 + 295));
    assert!(started.instants > 4 && started.combinations > 4);
    // Started while the DS's failure was still possible: it is carried
    // over, told apart, and not the exercise's violation.
    let early = evaluate_since(&t, &z.apex, Some(T0 + 115));
    assert!(early.is_safe(), "{:?}", early.violation);
    let carried = early.inherited.expect("the DS failure carries over");
    assert!(carried.at >= T0 + 115, "{}", carried.at);
    assert!(
        carried.story.contains("chain of trust breaks"),
        "{}",
        carried.story
    );
    // Even when the rollover begins at once, while caches may still hold
    // the unsigned zone's data: with the DNSKEY RRset of the start, the
    // data could not have been validated either.
    let at_once = rushed_ds_then(by_the_book(120), &z, &ksk, &z1);
    let e = evaluate_since(&at_once, &z.apex, Some(T0 + 115));
    assert!(e.is_safe(), "{:?}", e.violation);
    assert!(e.inherited.is_some());
    // The same DS event after the start is the exercise's violation.
    let before = evaluate_since(&t, &z.apex, Some(T0 + 50));
    let v = before.violation.expect("a DS after the start counts");
    assert!((T0 + 101..=T0 + 110).contains(&v.at), "{}", v.at);
    assert!(before.inherited.is_none());
}

#[test]
fn what_caches_held_before_the_start_still_counts_after_it() {
    use super::evaluate::evaluate_since;
    let z = Zone::new();
    let (ksk, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    // Started at +115 s, during the failure carried over from the rushed
    // DS; the new ZSK published at +200 s and used at +210 s, 10 s later
    // with a 60 s TTL: caches may still lack it, a new failure.
    let t = rushed_ds_then(
        vec![
            (200, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z1])),
            (210, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z2])),
            (400, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ],
        &z,
        &ksk,
        &z1,
    );
    let e = evaluate_since(&t, &z.apex, Some(T0 + 115));
    let v = e.violation.expect("a rushed switch after the start");
    assert!((T0 + 201..=T0 + 210).contains(&v.at), "{}", v.at);
    assert!(v.story.contains("lacks key"), "{}", v.story);
    assert!(v.story.contains(&z2.tag().to_string()), "{}", v.story);
    // The key published just before a start at +205 s: the DNSKEY RRset
    // without it, served until +190 s, is still cached after the start.
    let e = evaluate_since(&t, &z.apex, Some(T0 + 205));
    let v = e.violation.expect("the old DNSKEY RRset is still cached");
    assert!((T0 + 201..=T0 + 210).contains(&v.at), "{}", v.at);
    assert!(v.story.contains("lacks key"), "{}", v.story);
}

#[test]
fn signatures_expiring_after_the_start_are_the_exercises_failure() {
    use super::evaluate::evaluate_since;
    let z = Zone::new();
    let (ksk, zsk) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    // Signed and secure from the first snapshot; the signatures expire a
    // day after T0 and nobody re-signs.
    let t = timeline(
        vec![(0, z.view(&[&ksk], &[&ksk, &zsk], &[&ksk], &[&zsk]))],
        86400 + 600,
    );
    let e = evaluate_since(&t, &z.apex, Some(T0 + 600));
    let v = e.violation.expect("expired signatures");
    assert_eq!(v.at, T0 + 86401);
    assert!(e.inherited.is_none());
}

#[test]
fn rollover_checks_judge_from_the_start_and_say_when_it_was_not_started() {
    use crate::checks::TimelineCheck;
    use crate::rollover_checks::{Window, gather, run};
    use crate::timeline::Recorder;
    use crate::verdict::Params;
    let z = Zone::new();
    let (ksk, z0, z1, z2) = (
        z.key(Algorithm::ECDSAP256SHA256, true),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
        z.key(Algorithm::ECDSAP256SHA256, false),
    );
    // Earlier exercises: signed with z0, re-signed with z1 in a hurry, the
    // DS submitted at once. Then, from +400 s, a ZSK rollover by the book.
    let t = timeline(
        vec![
            (0, z.view(&[], &[], &[], &[])),
            (100, z.view(&[], &[&ksk, &z0], &[&ksk], &[&z0])),
            (200, z.view(&[], &[&ksk, &z1], &[&ksk], &[&z1])),
            (210, z.view(&[&ksk], &[&ksk, &z1], &[&ksk], &[&z1])),
            (400, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z1])),
            (500, z.view(&[&ksk], &[&ksk, &z1, &z2], &[&ksk], &[&z2])),
            (600, z.view(&[&ksk], &[&ksk, &z2], &[&ksk], &[&z2])),
        ],
        700,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t1.jsonl");
    let mut recorder = Recorder::open(&path).unwrap();
    for p in &t.points {
        let view = t.views[p.view].clone();
        recorder.append(&Snapshot { t: p.t, ..view }).unwrap();
    }
    let window = |start| Window {
        exercise: "zsk-rollover".into(),
        trainee: "t1".into(),
        start,
    };
    let params = Params::default();

    let not_started = gather(path.clone(), &z.apex, window(None));
    let safe = run(TimelineCheck::RolloverSafe, &not_started, &params);
    assert_eq!(safe.passed, Some(false), "{safe:?}");
    assert!(safe.message.contains("was not started"), "{}", safe.message);
    assert!(
        safe.hint
            .contains("dnslab exercise start zsk-rollover --trainee t1"),
        "{}",
        safe.hint
    );

    let started = gather(path, &z.apex, window(Some(T0 + 395)));
    let safe = run(TimelineCheck::RolloverSafe, &started, &params);
    assert_eq!(safe.passed, Some(true), "{safe:?}");
    assert!(
        safe.message.contains("since the exercise started"),
        "{}",
        safe.message
    );
    assert!(safe.message.contains("pre-publish"), "{}", safe.message);
    // The rollover is z1 to z2, the keys of the start: z0 belongs to an
    // earlier exercise.
    let rolled = run(TimelineCheck::ZskRolled, &started, &params);
    assert_eq!(rolled.passed, Some(true), "{rolled:?}");
    assert!(
        rolled.message.contains(&format!(
            "started with ZSK {} and ends signed by ZSK {}",
            z1.tag(),
            z2.tag()
        )),
        "{}",
        rolled.message
    );
    assert_eq!(started.methods.len(), 1, "{:?}", started.methods);
}
