//! Key states over a timeline, in the words of BIND's key manager
//! (draft-ietf-dnsop-dnssec-key-timing, RFC 7583's states collapsed):
//! for each key and each of its records — its DNSKEY, its DS at the
//! parent, its RRSIG over the DNSKEY RRset (KRRSIG) and its RRSIGs over the
//! zone data (ZRRSIG) — whether caches may hold it:
//!
//! - `hidden`: nobody serves it and no cache can hold it;
//! - `rumoured`: it is served, but caches may still hold versions without it;
//! - `omnipresent`: every version a cache may hold has it;
//! - `unretentive`: no longer served, but caches may still hold it.
//!
//! From when each new key's records appear, the rollover method is named.

use super::evaluate::{Evaluation, Kind, Version, clock};
use crate::rrset::KeyInfo;
use dnslab_zone::Algorithm;
use dnslab_zone::rdata::view;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Hidden,
    Rumoured,
    Omnipresent,
    Unretentive,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Hidden => "hidden",
            State::Rumoured => "rumoured",
            State::Omnipresent => "omnipresent",
            State::Unretentive => "unretentive",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A key seen anywhere in the timeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyId {
    pub tag: u16,
    pub algorithm: Algorithm,
    pub sep: bool,
}

/// One key's states from one instant on: DNSKEY, DS, KRRSIG, ZRRSIG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub t: i64,
    pub states: [State; 4],
}

/// A key's state changes.
#[derive(Debug, Clone)]
pub struct KeyHistory {
    pub key: KeyId,
    pub rows: Vec<KeyRow>,
}

/// Whether version `v` has key `k` (by record or by signature).
fn has(v: &Version, k: &KeyId) -> bool {
    match v.kind {
        Kind::Ds => v
            .records
            .iter()
            .filter_map(|r| view::Ds::parse(&r.rdata))
            .any(|d| d.key_tag == k.tag && d.algorithm == k.algorithm),
        Kind::Dnskey => KeyInfo::from_rrset(&v.records)
            .iter()
            .any(|key| key.tag == k.tag && key.algorithm == k.algorithm),
        Kind::ZoneSigs => v
            .sigs
            .iter()
            .any(|s| s.tag == k.tag && s.algorithm == k.algorithm),
    }
}

fn has_krrsig(v: &Version, k: &KeyId) -> bool {
    v.kind == Kind::Dnskey
        && v.sigs
            .iter()
            .any(|s| s.tag == k.tag && s.algorithm == k.algorithm)
}

/// Every key of the timeline.
pub fn keys(evaluation: &Evaluation) -> Vec<KeyId> {
    let mut out: BTreeSet<KeyId> = BTreeSet::new();
    for v in evaluation
        .versions
        .iter()
        .filter(|v| v.kind == Kind::Dnskey)
    {
        for k in KeyInfo::from_rrset(&v.records) {
            out.insert(KeyId {
                tag: k.tag,
                algorithm: k.algorithm,
                sep: k.sep,
            });
        }
    }
    out.into_iter().collect()
}

fn state(
    versions: &[&Version],
    t: i64,
    served_at: &dyn Fn(&Version) -> bool,
    holds: &dyn Fn(&Version) -> bool,
) -> State {
    let served = versions.iter().any(|v| served_at(v) && holds(v));
    let cached: Vec<&&Version> = versions.iter().filter(|v| v.cached_at(t)).collect();
    let all = !cached.is_empty() && cached.iter().all(|v| holds(v));
    let any = cached.iter().any(|v| holds(v));
    match (served, all, any) {
        (true, true, _) => State::Omnipresent,
        (true, false, _) => State::Rumoured,
        (false, _, true) => State::Unretentive,
        (false, _, false) => State::Hidden,
    }
}

/// Each key's states at every point of the timeline, changes only.
pub fn histories(evaluation: &Evaluation, times: &[i64]) -> Vec<KeyHistory> {
    let of = |kind: Kind| -> Vec<&Version> {
        evaluation
            .versions
            .iter()
            .filter(|v| v.kind == kind)
            .collect()
    };
    let (ds, dnskey, zsigs) = (of(Kind::Ds), of(Kind::Dnskey), of(Kind::ZoneSigs));
    keys(evaluation)
        .into_iter()
        .map(|key| {
            let mut rows: Vec<KeyRow> = Vec::new();
            for &t in times {
                let served_at = |v: &Version| v.seen.iter().any(|(a, b)| *a <= t && t <= *b);
                let states = [
                    state(&dnskey, t, &served_at, &|v| has(v, &key)),
                    state(&ds, t, &served_at, &|v| has(v, &key)),
                    state(&dnskey, t, &served_at, &|v| has_krrsig(v, &key)),
                    state(&zsigs, t, &served_at, &|v| has(v, &key)),
                ];
                if rows.last().is_none_or(|r| r.states != states) {
                    rows.push(KeyRow { t, states });
                }
            }
            KeyHistory { key, rows }
        })
        .collect()
}

/// When a key's record (0 DNSKEY, 1 DS, 2 KRRSIG, 3 ZRRSIG) first left
/// `hidden`.
fn first_out_of_hidden(h: &KeyHistory, record: usize) -> Option<i64> {
    h.rows
        .iter()
        .find(|r| r.states[record] != State::Hidden)
        .map(|r| r.t)
}

/// Names the rollover(s) the timeline shows. The keys published when the
/// zone first has a DNSKEY RRset are its initial keys; every key published
/// later is a new key, and when its records appeared names the method.
pub fn method(histories: &[KeyHistory]) -> Vec<String> {
    let Some(signed_at) = histories
        .iter()
        .filter_map(|h| first_out_of_hidden(h, 0))
        .min()
    else {
        return Vec::new();
    };
    let initial: Vec<&KeyHistory> = histories
        .iter()
        .filter(|h| first_out_of_hidden(h, 0) == Some(signed_at))
        .collect();
    let initial_algorithms: BTreeSet<Algorithm> = initial.iter().map(|h| h.key.algorithm).collect();
    let new_keys: Vec<&KeyHistory> = histories
        .iter()
        .filter(|h| first_out_of_hidden(h, 0).is_some_and(|t| t > signed_at))
        .collect();
    let mut out = Vec::new();
    if new_keys.is_empty() {
        return out;
    }
    if new_keys
        .iter()
        .any(|h| !initial_algorithms.contains(&h.key.algorithm))
    {
        out.push("algorithm rollover (RFC 6781 §4.1.4)".to_string());
    }
    for h in &new_keys {
        let published = first_out_of_hidden(h, 0);
        if h.key.sep {
            let ds = first_out_of_hidden(h, 1);
            let name = match (ds, published) {
                (Some(d), Some(p)) if d < p => "KSK rollover, double-DS (RFC 6781 §4.1.2)",
                (Some(d), Some(p)) if d > p => "KSK rollover, double-KSK (RFC 6781 §4.1.2)",
                (Some(_), Some(_)) => "KSK rollover, double-RRset (RFC 7583 §3.3.3)",
                _ => "new KSK published, its DS not (yet) at the parent",
            };
            out.push(format!("{name}: key {}", h.key.tag));
        } else {
            let signs = first_out_of_hidden(h, 3);
            let name = match (signs, published) {
                (Some(s), Some(p)) if s > p => "ZSK rollover, pre-publish (RFC 6781 §4.1.1.1)",
                (Some(_), Some(_)) => "ZSK rollover, double-signature (RFC 6781 §4.1.1.2)",
                _ => "new ZSK published, not (yet) signing",
            };
            out.push(format!("{name}: key {}", h.key.tag));
        }
    }
    out
}

/// The key-state table for `dnslab timeline`.
pub fn render(histories: &[KeyHistory]) -> String {
    let mut out = String::new();
    for h in histories {
        out.push_str(&format!(
            "key {} ({}, {})\n  {:<9} {:<12} {:<12} {:<12} {:<12}\n",
            h.key.tag,
            h.key.algorithm,
            if h.key.sep { "KSK" } else { "ZSK" },
            "since",
            "DNSKEY",
            "DS",
            "KRRSIG",
            "ZRRSIG"
        ));
        for r in &h.rows {
            out.push_str(&format!(
                "  {:<9} {:<12} {:<12} {:<12} {:<12}\n",
                clock(r.t),
                r.states[0],
                r.states[1],
                r.states[2],
                r.states[3]
            ));
        }
    }
    out
}
