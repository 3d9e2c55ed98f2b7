//! The checks of the rollover exercises, read from the trainee zone's
//! recorded timeline ([`crate::timeline`]): was every moment safe for a
//! validating resolver, and did the rollover get done?
//!
//! A trainee's timeline holds all their exercises, so a rollover exercise
//! is judged from its start, recorded by `dnslab exercise start`
//! ([`crate::timeline::start`]): the evaluation begins there, with what
//! caches held just before it still cached, and failures carried over from
//! earlier work are not counted ([`crate::timeline::evaluate_since`]); the
//! rollover is judged from the keys the zone had at the start. An
//! exercise never started is judged on the whole timeline, and
//! `rollover-safe` says so and how to start it.

use crate::checks::TimelineCheck;
use crate::outcome::ToolHints;
use crate::timeline::evaluate::{Evaluation, Kind, Version, clock};
use crate::timeline::states::{self, KeyHistory};
use crate::timeline::{ExerciseStarts, Timeline, evaluate_since};
use crate::verdict::{Params, Verdict};
use dnslab_lab::StateDir;
use dnslab_zone::rdata::view;
use dnslab_zone::{Algorithm, Name};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Which exercise, for whom, and from when it is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub exercise: String,
    pub trainee: String,
    /// When `dnslab exercise start` started it; `None`: never started,
    /// so the whole timeline is judged.
    pub start: Option<i64>,
}

impl Window {
    /// The command that starts the exercise.
    fn start_command(&self) -> String {
        format!(
            "dnslab exercise start {} --trainee {}",
            self.exercise, self.trainee
        )
    }
}

/// The timeline and what was made of it.
#[derive(Debug)]
pub struct TimelineFacts {
    pub path: PathBuf,
    /// Why there is no timeline to judge, if there is none.
    pub problem: Option<String>,
    pub window: Window,
    /// The time of the snapshot the exercise starts from: the last one at
    /// or before its start (`None`: not started, or started before the
    /// first snapshot).
    pub start_view: Option<i64>,
    /// When the recorded timeline begins.
    pub first_snapshot: Option<i64>,
    pub evaluation: Evaluation,
    /// Key states from the start on.
    pub histories: Vec<KeyHistory>,
    pub methods: Vec<String>,
}

/// Reads `trainee`'s start of `exercise` from the lab's state and
/// evaluates the timeline at `path` for `zone` from it.
pub fn gather_for(
    state: &StateDir,
    trainee: &str,
    exercise: &str,
    path: PathBuf,
    zone: &Name,
) -> TimelineFacts {
    let mut window = Window {
        exercise: exercise.to_string(),
        trainee: trainee.to_string(),
        start: None,
    };
    match ExerciseStarts::read(&crate::timeline::start::path(state, trainee)) {
        Ok(starts) => {
            window.start = starts.get(exercise);
            gather(path, zone, window)
        }
        Err(e) => {
            let mut facts = gather(path, zone, window);
            facts.problem = Some(format!(
                "{}; `dnslab exercise start` writes that file",
                dnslab_zone::ErrorChain(&e)
            ));
            facts
        }
    }
}

/// Reads and evaluates the timeline at `path` for `zone`, from the
/// window's start.
pub fn gather(path: PathBuf, zone: &Name, window: Window) -> TimelineFacts {
    let (timeline, problem) = match Timeline::read(&path) {
        Ok(t) if t.points.is_empty() => (
            t,
            Some(format!(
                "no timeline has been recorded for {zone} yet ({}); the lab records one while it runs",
                path.display()
            )),
        ),
        Ok(t) => (t, None),
        Err(e) => (
            Timeline::default(),
            Some(dnslab_zone::ErrorChain(&e).to_string()),
        ),
    };
    let evaluation = evaluate_since(&timeline, zone, window.start);
    let times: Vec<i64> = timeline.points.iter().map(|p| p.t).collect();
    let start_view = window
        .start
        .and_then(|s| times.iter().copied().filter(|&t| t <= s).max());
    // The key states from the state at the start on, so that the method
    // named is this exercise's rollover, not an earlier one.
    let from = start_view.or(window.start).unwrap_or(i64::MIN);
    let window_times: Vec<i64> = times.iter().copied().filter(|&t| t >= from).collect();
    let histories = states::histories(&evaluation, &window_times);
    let methods = states::method(&histories);
    TimelineFacts {
        path,
        problem,
        window,
        start_view,
        first_snapshot: times.first().copied(),
        evaluation,
        histories,
        methods,
    }
}

/// From when the checks judged, in words.
fn judged_from(facts: &TimelineFacts) -> String {
    match facts.window.start {
        Some(start) => format!(
            "judged from the start of exercise {} at {}",
            facts.window.exercise,
            clock(start)
        ),
        None => format!(
            "exercise {} was not started, so the whole recorded timeline (from {}, earlier exercises included) was judged; `{}` starts it",
            facts.window.exercise,
            facts
                .first_snapshot
                .map_or_else(|| "its start".to_string(), clock),
            facts.window.start_command()
        ),
    }
}

/// Runs a rollover check.
pub fn run(check: TimelineCheck, facts: &TimelineFacts, params: &Params) -> Verdict {
    let run: fn(&TimelineFacts, &Params) -> Verdict = match check {
        TimelineCheck::RolloverSafe => rollover_safe,
        TimelineCheck::ZskRolled => zsk_rolled,
        TimelineCheck::KskRolled => ksk_rolled,
        TimelineCheck::AlgorithmRolled => algorithm_rolled,
    };
    match &facts.problem {
        Some(p) => Verdict::fail(
            p.clone(),
            "Keep the lab running while you roll your keys: it records what resolvers could see.",
        ),
        None => {
            let mut verdict = run(facts, params);
            // rollover-safe says it in its own words.
            if verdict.passed == Some(false) && check != TimelineCheck::RolloverSafe {
                verdict.details.insert(0, judged_from(facts));
            }
            verdict
        }
    }
}

pub(crate) fn timing_hints() -> ToolHints {
    ToolHints {
        dnslab: Some("`dnslab key settime keys/$(cat zsk.name).key -I +10m -D +20m` (-P publish, -A activate, -I inactivate, -D delete; now, +2m or a time), then sign again; `dnslab timeline --trainee {trainee}` shows what caches may hold".into()),
        bind: Some("`dnssec-settime -I +10mi -D +20mi keys/$(cat zsk.name)` (-P, -A, -I, -D as dnslab's), then sign again with -S; or a dnssec-policy in named.conf".into()),
        ldns: Some("ldns-signzone signs with exactly the keys you name: add and remove keys by hand, waiting a TTL between steps".into()),
        knot: Some("`keymgr -c knot.conf {zone_name} list` shows each key's tag and timers; keymgr -c knot.conf {zone_name} set TAG retire=+10m remove=+20m changes them, then sign again".into()),
        unbound: None,
    }
}

fn rollover_safe(facts: &TimelineFacts, _: &Params) -> Verdict {
    let e = &facts.evaluation;
    let method = if facts.methods.is_empty() {
        "no rollover seen".to_string()
    } else {
        facts.methods.join("; ")
    };
    // Not started: the message says it, being what the trainee must see.
    let mut details = Vec::new();
    if facts.window.start.is_some() {
        details.push(judged_from(facts));
    }
    if let Some(old) = &e.inherited {
        details.push(format!(
            "not counted, as it was already possible when the exercise started: {}",
            old.story
        ));
    }
    match &e.violation {
        None => {
            details.push(format!("timeline: {}", facts.path.display()));
            let message = match facts.window.start {
                Some(start) => format!(
                    "since the exercise started at {}, at no moment could a validating resolver have failed ({} instants, {} cache combinations checked); {method}",
                    clock(start),
                    e.instants,
                    e.combinations
                ),
                None => format!(
                    "at no moment could a validating resolver have failed ({} instants, {} cache combinations checked); {method}; but {}",
                    e.instants,
                    e.combinations,
                    judged_from(facts)
                ),
            };
            Verdict::pass(message).details(details)
        }
        Some(v) => {
            let mut hint = "Wait at least the TTL (plus the time the lab takes to notice) between the steps of a rollover: publish a key before using it, keep it until the signatures it made have expired from caches, and change the DS only once the new key is known everywhere.".to_string();
            let message = match facts.window.start {
                Some(_) => v.story.clone(),
                None => {
                    hint.push_str(&format!(
                        " If this moment belongs to an earlier exercise, run `{}` and do the rollover again: only what follows the start is judged.",
                        facts.window.start_command()
                    ));
                    format!("{} ({})", v.story, judged_from(facts))
                }
            };
            details.push(format!("method: {method}"));
            details.push(format!(
                "timeline: {} (dnslab timeline --trainee … shows it)",
                facts.path.display()
            ));
            Verdict::fail(message, hint)
                .tools(timing_hints())
                .reference(v.reference)
                .details(details)
        }
    }
}

/// The DNSKEY versions of the signed zone the rollover is judged
/// between: the one served when the exercise started (else the first one
/// after it, or the first of all when it was never started), and the last.
fn first_and_last(facts: &TimelineFacts) -> Option<(&Version, &Version)> {
    let versions: Vec<&Version> = facts
        .evaluation
        .versions
        .iter()
        .filter(|v| v.kind == Kind::Dnskey && !v.records.is_empty())
        .collect();
    let first_seen = |v: &&&Version| v.seen.first().map(|s| s.0);
    let first = match facts.start_view.or(facts.window.start) {
        Some(t0) => versions
            .iter()
            .filter(|v| v.seen.iter().any(|(a, b)| *a <= t0 && t0 <= *b))
            .min_by_key(first_seen)
            .or_else(|| {
                versions
                    .iter()
                    .filter(|v| v.seen.iter().any(|(a, _)| *a > t0))
                    .min_by_key(|v| v.seen.iter().map(|s| s.0).find(|a| *a > t0))
            }),
        None => versions.iter().min_by_key(first_seen),
    }?;
    let last = versions.iter().max_by_key(|v| v.seen.last().map(|s| s.1))?;
    Some((first, last))
}

/// Tags of keys in a DNSKEY version: (SEP keys, other keys).
fn tags(v: &Version) -> (BTreeSet<u16>, BTreeSet<u16>) {
    let keys = crate::rrset::KeyInfo::from_rrset(&v.records);
    (
        keys.iter().filter(|k| k.sep).map(|k| k.tag).collect(),
        keys.iter().filter(|k| !k.sep).map(|k| k.tag).collect(),
    )
}

/// Tags of the keys that signed the zone data in the last signature
/// version.
fn last_data_signers(facts: &TimelineFacts) -> BTreeSet<u16> {
    facts
        .evaluation
        .versions
        .iter()
        .filter(|v| v.kind == Kind::ZoneSigs)
        .max_by_key(|v| v.seen.last().map(|s| s.1))
        .map(|v| v.sigs.iter().map(|s| s.tag).collect())
        .unwrap_or_default()
}

fn list(tags: &BTreeSet<u16>) -> String {
    if tags.is_empty() {
        "none".into()
    } else {
        tags.iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn zsk_rolled(facts: &TimelineFacts, _: &Params) -> Verdict {
    let Some((first, last)) = first_and_last(facts) else {
        return Verdict::fail(
            "the zone was never signed in the timeline judged",
            "Sign the zone first (exercise sign-zone).",
        );
    };
    let (_, old) = tags(first);
    let (_, now) = tags(last);
    let signers = last_data_signers(facts);
    let still_old: BTreeSet<u16> = old.intersection(&now).copied().collect();
    let new_signing: BTreeSet<u16> = signers.difference(&old).copied().collect();
    if !new_signing.is_empty() && still_old.is_empty() {
        Verdict::pass(format!(
            "the zone started with ZSK {} and ends signed by ZSK {}, the old one removed",
            list(&old),
            list(&new_signing)
        ))
    } else if new_signing.is_empty() {
        Verdict::fail(
            format!(
                "the zone data is still signed by the first ZSK ({}): no new ZSK took over",
                list(&old)
            ),
            "Generate a new ZSK, publish it, wait, let it sign, wait, then remove the old one.",
        )
        .tools(timing_hints())
    } else {
        Verdict::fail(
            format!(
                "the new ZSK {} signs, but the old ZSK {} is still published: the rollover is not finished",
                list(&new_signing),
                list(&still_old)
            ),
            "Once the old ZSK's signatures can no longer be in caches, remove it (settime -D) and re-sign.",
        )
        .tools(timing_hints())
    }
}

fn ksk_rolled(facts: &TimelineFacts, _: &Params) -> Verdict {
    let Some((first, last)) = first_and_last(facts) else {
        return Verdict::fail(
            "the zone was never signed in the timeline judged",
            "Sign the zone first (exercise sign-zone).",
        );
    };
    let (old, _) = tags(first);
    let (now, _) = tags(last);
    let final_ds: BTreeSet<u16> = facts
        .evaluation
        .versions
        .iter()
        .filter(|v| v.kind == Kind::Ds)
        .max_by_key(|v| v.seen.last().map(|s| s.1))
        .map(|v| {
            v.records
                .iter()
                .filter_map(|r| view::Ds::parse(&r.rdata))
                .map(|d| d.key_tag)
                .collect()
        })
        .unwrap_or_default();
    let new_ksks: BTreeSet<u16> = now.difference(&old).copied().collect();
    let old_left: BTreeSet<u16> = old.intersection(&now).copied().collect();
    let ds_on_new = !final_ds.is_empty() && final_ds.iter().all(|t| new_ksks.contains(t));
    if !new_ksks.is_empty() && old_left.is_empty() && ds_on_new {
        Verdict::pass(format!(
            "the KSK changed from {} to {}, and the parent's DS now points at {}",
            list(&old),
            list(&new_ksks),
            list(&final_ds)
        ))
    } else {
        let mut missing = Vec::new();
        if new_ksks.is_empty() {
            missing.push(format!("no new KSK is published (still {})", list(&now)));
        }
        if !old_left.is_empty() {
            missing.push(format!(
                "the old KSK {} is still published",
                list(&old_left)
            ));
        }
        if !ds_on_new {
            missing.push(format!(
                "the parent's DS points at {} rather than the new KSK only",
                list(&final_ds)
            ));
        }
        Verdict::fail(
            missing.join("; "),
            "Publish the new KSK, wait, swap the DS at the parent (dnslab ds submit, or CDS), wait for the old DS to expire from caches, then remove the old KSK.",
        )
        .tools(timing_hints())
    }
}

fn algorithm_rolled(facts: &TimelineFacts, params: &Params) -> Verdict {
    let Some((first, last)) = first_and_last(facts) else {
        return Verdict::fail(
            "the zone was never signed in the timeline judged",
            "Sign the zone first.",
        );
    };
    let algs = |v: &Version| -> BTreeSet<Algorithm> {
        crate::rrset::KeyInfo::from_rrset(&v.records)
            .iter()
            .map(|k| k.algorithm)
            .collect()
    };
    let (before, after) = (algs(first), algs(last));
    let target_ok =
        params.algorithms.is_empty() || after.iter().all(|a| params.algorithms.contains(a));
    let show = |s: &BTreeSet<Algorithm>| {
        s.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if after.is_disjoint(&before) && !after.is_empty() && target_ok {
        Verdict::pass(format!(
            "the zone moved from {} to {}",
            show(&before),
            show(&after)
        ))
    } else {
        Verdict::fail(
            format!(
                "the zone started with {} and ends with {}",
                show(&before),
                show(&after)
            ),
            "Add keys of the new algorithm and signatures with them, then the new DNSKEYs, then the new DS; remove the old algorithm in the reverse order (RFC 6781 §4.1.4).",
        )
        .tools(timing_hints())
    }
}
