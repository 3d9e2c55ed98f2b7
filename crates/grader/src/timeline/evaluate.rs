//! Could any validating resolver have failed during a timeline?
//!
//! ## The cache model (RFC 7583 §3)
//! A resolver caches a response for its TTL. So at an instant `t` it may
//! hold any *version* of an RRset that a server could have served at most
//! one TTL before `t`: a version observed in snapshots `i..=j` may have
//! been served from just after snapshot `i-1` (the change happened
//! between two snapshots) until just before snapshot `j+1`, and cached
//! until then plus its TTL. Three kinds of versions matter:
//!
//! - the DS RRset at the parent (DS),
//! - the DNSKEY RRset with its RRSIGs (a DNSKEY response: keys and the
//!   signatures over them, KRRSIG),
//! - the zone data's RRSIGs (ZRRSIG), taken from the SOA response.
//!
//! A resolver may hold any combination of possibly-cached versions, each
//! fetched at a different time. Every combination must validate at every
//! instant; the state only changes when a version starts or stops being
//! possibly cached, or a signature's validity begins or ends, so those
//! instants are the ones checked.
//!
//! ## Validation of one combination (strict validator)
//! - No DS: the zone is insecure, which is not a failure.
//! - Some DS must match a key of the DNSKEY RRset that has a valid RRSIG
//!   over that RRset (RFC 4035 §5.2).
//! - For every algorithm of the DNSKEY RRset, the DNSKEY RRset and the zone
//!   data must carry a valid RRSIG made by a key of the RRset with that
//!   algorithm (RFC 4035 §2.2; strict validators enforce it, which is why
//!   RFC 6781 §4.1.4 orders an algorithm rollover signatures first).
//!
//! Signatures are judged by key tag, algorithm and validity window, not
//! by cryptography: the timeline is about timing, and the grade's other
//! checks verify the signatures themselves.
//!
//! ## Judging from an exercise's start
//! A trainee's timeline holds every exercise they did. A rollover
//! exercise is judged from its start ([`evaluate_since`], the time
//! `dnslab exercise start` recorded): instants before it are not checked,
//! and the state at the start is the initial state, so versions served
//! before it stay possibly cached for their TTL. A failure found after the
//! start is the exercise's unless it is carried over: had the trainee done
//! nothing since the start, a resolver would already have failed the same
//! way at the start. That is, each version the failure involves (the DS
//! and DNSKEY RRsets for a broken chain; the DNSKEY RRset for its own
//! signatures; the DNSKEY RRset and the data's signatures for the data)
//! that was first served after the start is replaced by one served at the
//! start, and the result fails at the start for the same reason. A DS
//! submitted just before the start while caches may still hold the
//! unsigned zone is thus not a rollover's failure, even once the rollover
//! publishes a new DNSKEY RRset; a new key used before caches have it is,
//! and so is a signature that expires after the start. Carried-over
//! failures are reported as [`Evaluation::inherited`], not as the
//! violation.

use super::file::Timeline;
use crate::chain::ds_matches;
use crate::rrset::KeyInfo;
use dnslab_zone::rdata::{time, view};
use dnslab_zone::{Algorithm, Name, Record, Rtype};
use std::collections::{BTreeSet, HashMap};

/// Which RRset a version is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Ds,
    Dnskey,
    ZoneSigs,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::Ds => "the DS RRset",
            Kind::Dnskey => "the DNSKEY RRset",
            Kind::ZoneSigs => "the zone data signed",
        }
    }
}

/// A signature, as far as timing goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sig {
    pub tag: u16,
    pub algorithm: Algorithm,
    pub inception: u32,
    pub expiration: u32,
}

impl Sig {
    fn from_record(r: &Record) -> Option<Sig> {
        let s = view::Rrsig::parse(&r.rdata)?;
        Some(Sig {
            tag: s.key_tag,
            algorithm: s.algorithm,
            inception: s.inception,
            expiration: s.expiration,
        })
    }

    fn valid_at(&self, t: i64) -> bool {
        let t = t as u32;
        !time::serial_lt(t, self.inception) && !time::serial_lt(self.expiration, t)
    }
}

/// One distinct content of an RRset.
#[derive(Debug, Clone)]
pub struct Version {
    pub kind: Kind,
    /// DS records (Ds), keys (Dnskey).
    pub records: Vec<Record>,
    /// RRSIGs over the DNSKEY RRset (Dnskey) or over one data RRset, the
    /// SOA or a recorded probe (ZoneSigs).
    pub sigs: Vec<Sig>,
    pub ttl: u32,
    /// `(first seen, last seen)` spans of consecutive snapshots.
    pub seen: Vec<(i64, i64)>,
    /// `[from, until]`: when a resolver may hold it.
    pub cached: Vec<(i64, i64)>,
}

impl Version {
    /// Whether a resolver may hold this version at `t`.
    pub fn cached_at(&self, t: i64) -> bool {
        self.cached.iter().any(|(a, b)| *a <= t && t <= *b)
    }

    /// Key tags of the records (DS key tags, or DNSKEY tags with a K for
    /// SEP keys) or of the signatures.
    pub fn tags(&self) -> String {
        match self.kind {
            Kind::Ds => {
                let tags: Vec<String> = self
                    .records
                    .iter()
                    .filter_map(|r| view::Ds::parse(&r.rdata))
                    .map(|d| d.key_tag.to_string())
                    .collect();
                if tags.is_empty() {
                    "no DS".into()
                } else {
                    format!("DS {}", tags.join(", "))
                }
            }
            Kind::Dnskey => {
                let keys: Vec<String> = KeyInfo::from_rrset(&self.records)
                    .iter()
                    .map(|k| format!("{}{}", k.tag, if k.sep { " (KSK)" } else { "" }))
                    .collect();
                let by: BTreeSet<u16> = self.sigs.iter().map(|s| s.tag).collect();
                format!(
                    "keys {} signed by {}",
                    if keys.is_empty() {
                        "none".into()
                    } else {
                        keys.join(", ")
                    },
                    tag_list(&by)
                )
            }
            Kind::ZoneSigs => {
                let by: BTreeSet<u16> = self.sigs.iter().map(|s| s.tag).collect();
                format!("by key {}", tag_list(&by))
            }
        }
    }

    /// "the DNSKEY RRset (keys 1, 2 signed by 1) served until 10:41:00,
    /// TTL 60 s".
    fn describe(&self, t: i64) -> String {
        let last_seen = self
            .seen
            .iter()
            .filter(|(a, _)| *a <= t)
            .map(|(_, b)| *b)
            .max()
            .or_else(|| self.seen.first().map(|(_, b)| *b))
            .unwrap_or(t);
        let first_seen = self
            .seen
            .iter()
            .filter(|(a, _)| *a <= t.max(*a))
            .map(|(a, _)| *a)
            .min()
            .unwrap_or(t);
        format!(
            "{} ({}) seen from {} to {}, TTL {} s",
            self.kind.what(),
            self.tags(),
            clock(first_seen),
            clock(last_seen),
            self.ttl
        )
    }
}

fn tag_list(tags: &BTreeSet<u16>) -> String {
    if tags.is_empty() {
        "no key".into()
    } else {
        tags.iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `10:42:10` (UTC), or the full date when far from the epoch day? The
/// timeline spans hours, so the time of day reads best.
pub fn clock(t: i64) -> String {
    let h = time::format_human(t);
    // "2026-11-20 10:00:00 UTC" -> "10:00:00"
    h.get(11..19).unwrap_or(&h).to_string()
}

/// The first instant at which some resolver could have failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub at: i64,
    /// What fails, as a story a trainee can follow.
    pub story: String,
    /// The rule broken.
    pub reference: &'static str,
}

/// The outcome of evaluating a timeline.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub zone: Name,
    pub versions: Vec<Version>,
    /// Instants checked.
    pub instants: usize,
    /// Combinations checked.
    pub combinations: usize,
    pub violation: Option<Violation>,
    /// When the timeline starts and ends.
    pub span: Option<(i64, i64)>,
    /// The exercise start the evaluation judged from (`None`: the whole
    /// timeline).
    pub from: Option<i64>,
    /// The first failure after `from` that was carried over from before
    /// it, and therefore not counted as the violation.
    pub inherited: Option<Violation>,
}

impl Evaluation {
    pub fn is_safe(&self) -> bool {
        self.violation.is_none()
    }
}

/// One RRset content as a snapshot shows it: kind, records, signatures,
/// TTL.
type Seen = (Kind, Vec<Record>, Vec<Sig>, u32);

/// Extracts versions from a timeline.
pub fn versions(timeline: &Timeline, zone: &Name) -> Vec<Version> {
    // Per point, the version keys observed (on any server).
    type Key = (Kind, Vec<Vec<u8>>);
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<Version> = Vec::new();
    let mut observed: Vec<Vec<usize>> = Vec::new(); // version -> point indices
    let mut parsed_views: HashMap<usize, Vec<Seen>> = HashMap::new();
    for (i, point) in timeline.points.iter().enumerate() {
        let seen_here = parsed_views.entry(point.view).or_insert_with(|| {
            let Some(snapshot) = timeline.views.get(point.view) else {
                return Vec::new();
            };
            view_versions(snapshot, zone)
        });
        for (kind, records, sigs, ttl) in seen_here.iter() {
            let mut key_parts: Vec<Vec<u8>> = records.iter().map(|r| r.rdata.to_vec()).collect();
            key_parts.sort();
            let mut sig_parts: Vec<Vec<u8>> = sigs
                .iter()
                .map(|s| {
                    let mut v = s.tag.to_be_bytes().to_vec();
                    v.push(s.algorithm.0);
                    v.extend_from_slice(&s.inception.to_be_bytes());
                    v.extend_from_slice(&s.expiration.to_be_bytes());
                    v
                })
                .collect();
            sig_parts.sort();
            key_parts.push(Vec::new()); // separator
            key_parts.extend(sig_parts);
            let key = (*kind, key_parts);
            let n = *index.entry(key).or_insert_with(|| {
                out.push(Version {
                    kind: *kind,
                    records: records.clone(),
                    sigs: sigs.clone(),
                    ttl: *ttl,
                    seen: Vec::new(),
                    cached: Vec::new(),
                });
                observed.push(Vec::new());
                out.len() - 1
            });
            if observed[n].last() != Some(&i) {
                observed[n].push(i);
            }
        }
    }
    let times: Vec<i64> = timeline.points.iter().map(|p| p.t).collect();
    for (v, points) in out.iter_mut().zip(observed) {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for i in points {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == i => *end = i,
                _ => runs.push((i, i)),
            }
        }
        for (a, b) in runs {
            let from = if a == 0 { times[0] } else { times[a - 1] + 1 };
            let served_to = times.get(b + 1).map_or(times[b], |t| t - 1);
            v.seen.push((times[a], times[b]));
            v.cached.push((from, served_to + i64::from(v.ttl)));
        }
    }
    out
}

/// The versions one snapshot shows: per server, its DS, DNSKEY and SOA
/// signature sets.
fn view_versions(snapshot: &super::snapshot::Snapshot, zone: &Name) -> Vec<Seen> {
    let mut out = Vec::new();
    for parent in &snapshot.parents {
        if parent.error.is_some() && parent.records.is_empty() {
            continue;
        }
        let records: Vec<Record> = parent
            .parsed()
            .into_iter()
            .filter(|r| r.rtype == Rtype::DS && r.owner.eq_ignore_case(zone))
            .collect();
        let ttl = records.iter().map(|r| r.ttl).max().unwrap_or(0);
        out.push((Kind::Ds, records, Vec::new(), ttl));
    }
    for server in &snapshot.servers {
        let records = server.parsed();
        let of = |t: Rtype| -> Vec<Record> {
            records
                .iter()
                .filter(|r| r.rtype == t && r.owner.eq_ignore_case(zone))
                .cloned()
                .collect()
        };
        let sigs_over_at = |owner: &Name, t: Rtype| -> Vec<Sig> {
            records
                .iter()
                .filter(|r| {
                    r.rtype == Rtype::RRSIG
                        && r.covered_type() == Some(t)
                        && r.owner.eq_ignore_case(owner)
                })
                .filter_map(Sig::from_record)
                .collect()
        };
        let sigs_over = |t: Rtype| sigs_over_at(zone, t);
        let dnskeys = of(Rtype::DNSKEY);
        let soa = of(Rtype::SOA);
        if !dnskeys.is_empty() {
            let ttl = dnskeys.iter().map(|r| r.ttl).max().unwrap_or(0);
            out.push((Kind::Dnskey, dnskeys, sigs_over(Rtype::DNSKEY), ttl));
        } else if let Some(soa) = soa.first() {
            // The server answers but has no DNSKEY: caches may hold that
            // (a NODATA answer, cached for the SOA MINIMUM at most).
            let negative = view::Soa::parse(&soa.rdata).map_or(soa.ttl, |s| s.minimum.min(soa.ttl));
            out.push((Kind::Dnskey, Vec::new(), Vec::new(), negative));
        }
        if let Some(ttl) = soa.iter().map(|r| r.ttl).max() {
            out.push((Kind::ZoneSigs, Vec::new(), sigs_over(Rtype::SOA), ttl));
        }
        // Recorded data RRsets below the apex: each one's signatures.
        let mut seen: Vec<(&Name, Rtype)> = Vec::new();
        for r in records.iter().filter(|r| {
            !r.owner.eq_ignore_case(zone)
                && !matches!(r.rtype, Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3)
        }) {
            if seen
                .iter()
                .any(|(o, t)| *t == r.rtype && o.eq_ignore_case(&r.owner))
            {
                continue;
            }
            seen.push((&r.owner, r.rtype));
            out.push((
                Kind::ZoneSigs,
                Vec::new(),
                sigs_over_at(&r.owner, r.rtype),
                r.ttl,
            ));
        }
    }
    out
}

/// Evaluates a whole timeline for `zone`.
pub fn evaluate(timeline: &Timeline, zone: &Name) -> Evaluation {
    evaluate_since(timeline, zone, None)
}

/// Evaluates the timeline for `zone` from `from` on (an exercise's start;
/// `None` for the whole timeline): see the module documentation.
pub fn evaluate_since(timeline: &Timeline, zone: &Name, from: Option<i64>) -> Evaluation {
    let versions = versions(timeline, zone);
    let span = timeline
        .points
        .first()
        .zip(timeline.points.last())
        .map(|(a, b)| (a.t, b.t));
    let mut instants: BTreeSet<i64> = BTreeSet::new();
    for v in &versions {
        for (a, b) in &v.cached {
            instants.insert(*a);
            instants.insert(*b);
        }
        for s in &v.sigs {
            // Just after expiration, and at inception.
            instants.insert(i64::from(s.expiration) + 1);
            instants.insert(i64::from(s.inception));
        }
    }
    let mut evaluation = Evaluation {
        zone: zone.clone(),
        versions: Vec::new(),
        instants: 0,
        combinations: 0,
        violation: None,
        span,
        from,
        inherited: None,
    };
    let Some((first, end)) = span else {
        evaluation.versions = versions;
        return evaluation;
    };
    // The first instant judged: the timeline's start, or the exercise's
    // when it is later (checked itself, as what was live just before it
    // may end before the next change).
    let start = match from {
        Some(f) if f > first => {
            instants.insert(f);
            f
        }
        _ => first,
    };
    let horizon = end + versions.iter().map(|v| i64::from(v.ttl)).max().unwrap_or(0);
    let keys_of: Vec<Vec<KeyInfo>> = versions
        .iter()
        .map(|v| KeyInfo::from_rrset(&v.records))
        .collect();
    // Per DNSKEY version: its usable keys and their algorithms, sorted.
    let usable_of: Vec<Usable> = keys_of
        .iter()
        .map(|keys| {
            let keys: Vec<(u16, Algorithm)> = keys
                .iter()
                .filter(|k| k.zone_key && !k.revoked)
                .map(|k| (k.tag, k.algorithm))
                .collect();
            let mut algorithms: Vec<Algorithm> = keys.iter().map(|k| k.1).collect();
            algorithms.sort();
            algorithms.dedup();
            Usable { keys, algorithms }
        })
        .collect();
    // DS version x DNSKEY version -> keys vouched for (memoised digests).
    let mut vouched: HashMap<(usize, usize), Vec<(u16, Algorithm)>> = HashMap::new();
    // What was served at the exercise's start, to tell its failures from
    // those carried over; and combination -> its faults at the start
    // (memoised: a carried-over failure recurs at every instant it lasts).
    let start_view = from.and_then(|from| StartView::new(&versions, timeline, from));
    let mut at_start: HashMap<(usize, usize, usize), Vec<Fault>> = HashMap::new();
    // A sweep over time: versions enter the live set when they may first
    // be cached and leave after the last instant they may be, so each
    // instant sees only the few versions live around it.
    let mut starts: Vec<(i64, usize)> = Vec::new();
    let mut ends: Vec<(i64, usize)> = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        for (a, b) in &v.cached {
            starts.push((*a, i));
            ends.push((*b, i));
        }
    }
    starts.sort_unstable();
    ends.sort_unstable();
    let (mut next_start, mut next_end) = (0, 0);
    // Live interval count per version (a version may have several).
    let mut live_count: HashMap<usize, u32> = HashMap::new();
    for &t in instants.range(start..=horizon) {
        while next_start < starts.len() && starts[next_start].0 <= t {
            *live_count.entry(starts[next_start].1).or_default() += 1;
            next_start += 1;
        }
        while next_end < ends.len() && ends[next_end].0 < t {
            let i = ends[next_end].1;
            if let Some(n) = live_count.get_mut(&i) {
                *n -= 1;
                if *n == 0 {
                    live_count.remove(&i);
                }
            }
            next_end += 1;
        }
        evaluation.instants += 1;
        let live = |kind: Kind| -> Vec<usize> {
            let mut v: Vec<usize> = live_count
                .keys()
                .copied()
                .filter(|&i| versions[i].kind == kind)
                .collect();
            v.sort_unstable();
            v
        };
        let (ds_live, key_live, sig_live) =
            (live(Kind::Ds), live(Kind::Dnskey), live(Kind::ZoneSigs));
        for &d in &ds_live {
            for &k in &key_live {
                let vouched_keys: &[(u16, Algorithm)] = vouched
                    .entry((d, k))
                    .or_insert_with(|| vouched_by(zone, &versions, &keys_of, d, k));
                for &z in &sig_live {
                    evaluation.combinations += 1;
                    let combination = Combination {
                        versions: &versions,
                        usable_of: &usable_of,
                        d,
                        k,
                        z,
                        vouched: vouched_keys,
                    };
                    for fault in combination.faults(t) {
                        let carried_over = start_view.as_ref().is_some_and(|view| {
                            combination
                                .counterfactuals(fault, t, view)
                                .any(|(d, k, z)| {
                                    at_start
                                        .entry((d, k, z))
                                        .or_insert_with(|| {
                                            Combination {
                                                versions: &versions,
                                                usable_of: &usable_of,
                                                d,
                                                k,
                                                z,
                                                vouched: &vouched_by(
                                                    zone, &versions, &keys_of, d, k,
                                                ),
                                            }
                                            .faults(view.from)
                                        })
                                        .iter()
                                        .any(|f| f.same_kind(fault))
                                })
                        });
                        let (story, reference) = combination.story(fault, t);
                        let violation = Violation {
                            at: t,
                            story,
                            reference,
                        };
                        if !carried_over {
                            evaluation.violation = Some(violation);
                            evaluation.versions = versions;
                            return evaluation;
                        }
                        if evaluation.inherited.is_none() {
                            evaluation.inherited = Some(violation);
                        }
                    }
                }
            }
        }
    }
    evaluation.versions = versions;
    evaluation
}

/// The keys of DNSKEY version `k` that a DS of DS version `d` matches.
fn vouched_by(
    zone: &Name,
    versions: &[Version],
    keys_of: &[Vec<KeyInfo>],
    d: usize,
    k: usize,
) -> Vec<(u16, Algorithm)> {
    let ds: Vec<view::Ds<'_>> = versions[d]
        .records
        .iter()
        .filter_map(|r| view::Ds::parse(&r.rdata))
        .collect();
    keys_of[k]
        .iter()
        .filter(|key| ds.iter().any(|ds| ds_matches(zone, ds, key)))
        .map(|key| (key.tag, key.algorithm))
        .collect()
}

/// The versions served when an exercise started: those of the last
/// snapshot at or before its start.
struct StartView {
    from: i64,
    /// Per kind (DS, DNSKEY, data signatures), the versions served then.
    served: [Vec<usize>; 3],
}

impl StartView {
    /// `None` when the start is before the first snapshot: everything is
    /// the exercise's.
    fn new(versions: &[Version], timeline: &Timeline, from: i64) -> Option<StartView> {
        let at = timeline
            .points
            .iter()
            .map(|p| p.t)
            .filter(|&t| t <= from)
            .max()?;
        let mut served: [Vec<usize>; 3] = Default::default();
        for (i, v) in versions.iter().enumerate() {
            if v.seen.iter().any(|(a, b)| *a <= at && at <= *b) {
                served[slot(v.kind)].push(i);
            }
        }
        Some(StartView { from, served })
    }

    /// Whether a resolver may hold version `v` at `t` from its having been
    /// served at or before the start.
    fn old(&self, v: &Version, t: i64) -> bool {
        v.seen
            .iter()
            .zip(&v.cached)
            .any(|((first, _), (a, b))| *first <= self.from && *a <= t && t <= *b)
    }
}

/// A kind's place in a (DS, DNSKEY, data signatures) triple.
fn slot(kind: Kind) -> usize {
    match kind {
        Kind::Ds => 0,
        Kind::Dnskey => 1,
        Kind::ZoneSigs => 2,
    }
}

/// A DNSKEY version's keys that can sign (zone key, not revoked), and
/// their algorithms.
struct Usable {
    keys: Vec<(u16, Algorithm)>,
    algorithms: Vec<Algorithm>,
}

/// What can be wrong with one combination of cached versions, in the
/// order a validator meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// No DS vouches for a key that signs the DNSKEY RRset.
    Chain,
    /// The DNSKEY RRset has a key of this algorithm but no valid RRSIG of
    /// it over itself.
    KeysUnsigned(Algorithm),
    /// The DNSKEY RRset has a key of this algorithm, the data no valid
    /// RRSIG of it by a key of the RRset.
    DataUnsigned(Algorithm),
}

impl Fault {
    /// The same failure, whatever the algorithm: the chain, the DNSKEY
    /// RRset's own signatures, or the data's.
    fn same_kind(&self, other: Fault) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(&other)
    }
}

/// One DS, DNSKEY and data-signature version a resolver may hold at once.
struct Combination<'a> {
    versions: &'a [Version],
    usable_of: &'a [Usable],
    d: usize,
    k: usize,
    z: usize,
    /// The DNSKEY version's keys the DS version matches.
    vouched: &'a [(u16, Algorithm)],
}

impl Combination<'_> {
    /// Every fault at `t`; none when a strict validator accepts it. A
    /// broken chain ends validation, so nothing is looked at after it.
    fn faults(&self, t: i64) -> Vec<Fault> {
        let (ds, dnskey, zsigs) = (
            &self.versions[self.d],
            &self.versions[self.k],
            &self.versions[self.z],
        );
        if ds.records.is_empty() {
            return Vec::new(); // insecure: not validated, cannot fail
        }
        // The DS must vouch for a key that signs the DNSKEY RRset.
        let chain_ok = dnskey
            .sigs
            .iter()
            .any(|s| s.valid_at(t) && self.vouched.contains(&(s.tag, s.algorithm)));
        if !chain_ok {
            return vec![Fault::Chain];
        }
        let usable = &self.usable_of[self.k];
        let signed_with = |sigs: &[Sig], alg: Algorithm| {
            sigs.iter().any(|s| {
                s.algorithm == alg && s.valid_at(t) && usable.keys.contains(&(s.tag, s.algorithm))
            })
        };
        let mut out = Vec::new();
        for &alg in &usable.algorithms {
            if !signed_with(&dnskey.sigs, alg) {
                out.push(Fault::KeysUnsigned(alg));
            }
            if !signed_with(&zsigs.sigs, alg) {
                out.push(Fault::DataUnsigned(alg));
            }
        }
        out
    }

    /// The combinations a resolver would hold at the exercise's start had
    /// the trainee done nothing since: each version `fault` involves (the
    /// DS and DNSKEY RRsets for the chain, the DNSKEY RRset for its own
    /// signatures, the DNSKEY RRset and the data's signatures for the
    /// data) that was first served after the start is replaced by one
    /// served at the start. `fault` is carried over when one of them fails
    /// the same way at the start.
    fn counterfactuals<'v>(
        &self,
        fault: Fault,
        t: i64,
        view: &'v StartView,
    ) -> impl Iterator<Item = (usize, usize, usize)> + 'v {
        let involved = match fault {
            Fault::Chain => [true, true, false],
            Fault::KeysUnsigned(_) => [false, true, false],
            Fault::DataUnsigned(_) => [false, true, true],
        };
        let options: Vec<Vec<usize>> = [self.d, self.k, self.z]
            .into_iter()
            .enumerate()
            .map(|(n, i)| {
                if involved[n] && !view.old(&self.versions[i], t) {
                    view.served[n].clone()
                } else {
                    vec![i]
                }
            })
            .collect();
        let (ds, keys, sigs) = (options[0].clone(), options[1].clone(), options[2].clone());
        ds.into_iter().flat_map(move |d| {
            let sigs = sigs.clone();
            keys.clone()
                .into_iter()
                .flat_map(move |k| sigs.clone().into_iter().map(move |z| (d, k, z)))
        })
    }

    /// `fault` at `t` as a story a trainee can follow, and the rule it
    /// breaks. Built only for a fault: formatting is most of the cost
    /// otherwise.
    fn story(&self, fault: Fault, t: i64) -> (String, &'static str) {
        let (ds, dnskey, zsigs) = (
            &self.versions[self.d],
            &self.versions[self.k],
            &self.versions[self.z],
        );
        let intro = format!(
            "At {} a resolver could hold {}, {} and {}",
            clock(t),
            ds.describe(t),
            dnskey.describe(t),
            zsigs.describe(t)
        );
        let usable = &self.usable_of[self.k];
        match fault {
            Fault::Chain => {
                let why = if self.vouched.is_empty() {
                    "no DS of that DS RRset matches any key of that DNSKEY RRset".to_string()
                } else {
                    format!(
                        "the key(s) the DS vouches for ({}) do not sign that DNSKEY RRset",
                        self.vouched
                            .iter()
                            .map(|(t, _)| t.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                (
                    format!(
                        "{intro}: {why}, so the chain of trust breaks and the resolver answers SERVFAIL."
                    ),
                    "RFC 7583 §3.3.2, RFC 4035 §5.2",
                )
            }
            Fault::KeysUnsigned(alg) => (
                format!(
                    "{intro}: that DNSKEY RRset has a key of algorithm {alg} but no valid RRSIG of that algorithm over itself; a strict validator rejects it."
                ),
                "RFC 6781 §4.1.4, RFC 4035 §2.2",
            ),
            Fault::DataUnsigned(alg) => {
                let has_any = zsigs
                    .sigs
                    .iter()
                    .any(|s| s.valid_at(t) && usable.keys.iter().any(|k| k.0 == s.tag));
                let why = if zsigs.sigs.is_empty() {
                    "the zone data carries no signature at all, while the DS says the zone is signed"
                        .to_string()
                } else if has_any {
                    format!(
                        "that DNSKEY RRset has a key of algorithm {alg}, but the data carries no valid signature of that algorithm; a strict validator rejects it (publish new-algorithm signatures before the new keys)"
                    )
                } else {
                    let tags: BTreeSet<u16> = zsigs.sigs.iter().map(|s| s.tag).collect();
                    format!(
                        "that DNSKEY RRset lacks key {} that made the signatures, so the data cannot be validated",
                        tag_list(&tags)
                    )
                };
                (format!("{intro}: {why}."), "RFC 7583 §3.2, RFC 4035 §5.3")
            }
        }
    }
}
