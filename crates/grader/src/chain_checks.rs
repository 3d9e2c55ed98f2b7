//! The checks of the `ds-submission` exercise: the DS at the parent and
//! the chain of trust from the lab root, read from the [`Chain`] walk and
//! the zone's own [`ZoneFacts`].

use crate::chain::{Chain, ChainState, DsFetch, ds_matches};
use crate::checks::ChainCheck;
use crate::outcome::ToolHints;
use crate::verdict::{Params, Verdict};
use crate::zone_facts::ZoneFacts;
use dnslab_zone::Rtype;
use dnslab_zone::rdata::view;

/// Runs a chain check.
pub fn run(check: ChainCheck, chain: &Chain, zone: &ZoneFacts, params: &Params) -> Verdict {
    match check {
        ChainCheck::DsPublished => ds_published(chain, zone),
        ChainCheck::DsMatchesKey => ds_matches_key(chain, zone),
        ChainCheck::DsDigestType => ds_digest_type(chain, params),
        ChainCheck::DsNoStale => ds_no_stale(chain, zone),
        ChainCheck::Secure => chain_secure(chain, zone),
    }
}

pub(crate) fn submit_hints() -> ToolHints {
    let submit = "`dnslab ds submit --trainee {trainee} --ds \"$(cat ds.txt)\"`";
    ToolHints {
        dnslab: Some(
            "`dnslab ds submit --trainee {trainee} --key keys/$(cat ksk.name).key` (the KSK's file; `dnslab key ds keys/$(cat ksk.name).key` shows its DS)"
                .into(),
        ),
        bind: Some(format!(
            "`dnssec-dsfromkey -2 keys/$(cat ksk.name).key > ds.txt`, then {submit}"
        )),
        ldns: Some(format!(
            "`ldns-key2ds -n -2 keys/$(cat ksk.name).key > ds.txt`, then {submit}"
        )),
        knot: Some(format!(
            "`keymgr -c knot.conf {{zone_name}} ds > ds.txt`, then {submit}"
        )),
        unbound: None,
    }
}

/// How each toolset makes a SHA-256 DS.
pub(crate) fn digest_hints() -> ToolHints {
    ToolHints {
        dnslab: Some("`dnslab key ds keys/$(cat ksk.name).key` (SHA-256 by default)".into()),
        bind: Some("`dnssec-dsfromkey -2 keys/$(cat ksk.name).key`".into()),
        ldns: Some("`ldns-key2ds -n -2 keys/$(cat ksk.name).key`".into()),
        knot: Some("`keymgr -c knot.conf {zone_name} ds` (SHA-256 and SHA-384)".into()),
        unbound: None,
    }
}

fn ds_records(chain: &Chain) -> Result<&[dnslab_zone::Record], Box<Verdict>> {
    match &chain.final_ds {
        DsFetch::Signed(ds) => Ok(ds),
        DsFetch::Missing(text) => Err(Box::new(
            Verdict::fail(
                text.clone(),
                "Compute the DS of your KSK and submit it to your TLD.",
            )
            .tools(submit_hints()),
        )),
        DsFetch::Bogus(text) => Err(Box::new(Verdict::fail(
            text.clone(),
            "The TLD's DS RRset does not validate: tell the instructor (this is the lab's side).",
        ))),
        DsFetch::NotReached => Err(Box::new(Verdict::skip(format!(
            "the chain of trust broke above the parent: {}",
            chain.failure.clone().unwrap_or_default()
        )))),
    }
}

fn ds_published(chain: &Chain, zone: &ZoneFacts) -> Verdict {
    match ds_records(chain) {
        Ok(ds) => Verdict::pass(format!(
            "the parent of {} serves {} signed DS record(s): key tag(s) {}",
            zone.zone,
            ds.len(),
            ds.iter()
                .filter_map(|r| view::Ds::parse(&r.rdata))
                .map(|d| d.key_tag.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Err(v) => *v,
    }
}

fn ds_matches_key(chain: &Chain, zone: &ZoneFacts) -> Verdict {
    let ds = match ds_records(chain) {
        Ok(ds) => ds,
        Err(v) => return v.into_skip_unless_fail(),
    };
    if zone.keys.is_empty() {
        return Verdict::fail(
            format!("{} publishes no DNSKEY for the DS to match", zone.zone),
            "Serve your signed zone: it carries the DNSKEY RRset.",
        );
    }
    let signing_tags: Vec<(u16, dnslab_zone::Algorithm)> = zone
        .dnskey_check
        .as_ref()
        .map(|c| {
            c.signatures
                .iter()
                .filter(|s| s.is_valid())
                .map(|s| (s.key_tag, s.algorithm))
                .collect()
        })
        .unwrap_or_default();
    let views: Vec<view::Ds<'_>> = ds
        .iter()
        .filter_map(|r| view::Ds::parse(&r.rdata))
        .collect();
    for d in &views {
        for key in zone.keys.iter().filter(|k| ds_matches(&zone.zone, d, k)) {
            if signing_tags.contains(&(key.tag, key.algorithm)) {
                return Verdict::pass(format!(
                    "DS {} matches {}, which signs the DNSKEY RRset",
                    d.key_tag,
                    key.describe()
                ));
            }
        }
    }
    let matched: Vec<String> = views
        .iter()
        .flat_map(|d| {
            zone.keys
                .iter()
                .filter(move |k| ds_matches(&zone.zone, d, k))
        })
        .map(|k| k.describe())
        .collect();
    let published: Vec<String> = zone.keys.iter().map(|k| k.describe()).collect();
    let ds_text: Vec<String> = views
        .iter()
        .map(|d| format!("{} {} {}", d.key_tag, d.algorithm.0, d.digest_type))
        .collect();
    let message = if matched.is_empty() {
        format!(
            "no DS record ({}) matches a DNSKEY of {}; it publishes {}",
            ds_text.join(", "),
            zone.zone,
            published.join(", ")
        )
    } else {
        format!(
            "the DS matches {}, but that key does not sign the DNSKEY RRset: validators start from it and fail",
            matched.join(", ")
        )
    };
    Verdict::fail(
        message,
        "Submit the DS of the KSK that signs your DNSKEY RRset (not of the ZSK, not of an old key).",
    )
    .tools(submit_hints())
}

fn ds_digest_type(chain: &Chain, params: &Params) -> Verdict {
    let ds = match ds_records(chain) {
        Ok(ds) => ds,
        Err(v) => return v.into_skip_unless_fail(),
    };
    let allowed: Vec<u8> = if params.digest_types.is_empty() {
        vec![2, 4]
    } else {
        params.digest_types.clone()
    };
    let mut bad = Vec::new();
    for d in ds.iter().filter_map(|r| view::Ds::parse(&r.rdata)) {
        if !allowed.contains(&d.digest_type) {
            let name = match d.digest_type {
                1 => "SHA-1, which RFC 9904 says MUST NOT be used for DS records".to_string(),
                3 => "GOST R 34.11-94, which MUST NOT be used".to_string(),
                n => format!("digest type {n}, not one this exercise allows"),
            };
            bad.push(format!("DS {} uses {name}", d.key_tag));
        }
    }
    if bad.is_empty() {
        Verdict::pass("every DS record uses SHA-256 or SHA-384")
    } else {
        Verdict::fail(
            bad.join("; "),
            "Create the DS with SHA-256 (digest type 2) and submit it instead.",
        )
        .tools(digest_hints())
    }
}

fn ds_no_stale(chain: &Chain, zone: &ZoneFacts) -> Verdict {
    let ds = match ds_records(chain) {
        Ok(ds) => ds,
        Err(v) => return v.into_skip_unless_fail(),
    };
    let stale: Vec<String> = ds
        .iter()
        .filter_map(|r| view::Ds::parse(&r.rdata))
        .filter(|d| !zone.keys.iter().any(|k| ds_matches(&zone.zone, d, k)))
        .map(|d| {
            format!(
                "DS {} (algorithm {}, digest type {})",
                d.key_tag, d.algorithm.0, d.digest_type
            )
        })
        .collect();
    if stale.is_empty() {
        Verdict::pass("every DS record matches a published key")
    } else {
        Verdict::fail(
            format!("{} match no key {} publishes", stale.join(", "), zone.zone),
            "Withdraw DS records of keys you no longer publish (dnslab ds withdraw).",
        )
    }
}

fn chain_secure(chain: &Chain, zone: &ZoneFacts) -> Verdict {
    let details: Vec<String> = chain
        .notes
        .iter()
        .map(|n| format!("{} {}", if n.ok { "✓" } else { "✗" }, n.text))
        .collect();
    if chain.state != ChainState::Secure {
        let reference = chain.reference.unwrap_or("RFC 4035 §5");
        return Verdict::fail(
            chain
                .failure
                .clone()
                .unwrap_or_else(|| "the chain of trust is broken".into()),
            match &chain.state {
                ChainState::Insecure { .. } => "Submit the DS of your KSK to your TLD.",
                _ => "Follow the chain from the top: the first ✗ below is the link to fix.",
            },
        )
        .details(details)
        .reference(reference);
    }
    let soa = zone
        .probed
        .iter()
        .find(|c| c.rtype == Rtype::SOA && c.owner.eq_ignore_case(&zone.zone));
    match soa.and_then(|c| c.problem_if_insecure()) {
        None if soa.is_some() => Verdict::pass(format!(
            "the chain validates from the lab root to {}/SOA",
            zone.zone
        ))
        .details(details),
        None => Verdict::fail(
            format!(
                "the keys of {} are trusted, but its SOA could not be fetched",
                zone.zone
            ),
            "Check that your server answers.",
        )
        .details(details),
        Some(problem) => Verdict::fail(
            format!("the keys of {} are trusted, but {problem}", zone.zone),
            "Re-sign the zone.",
        )
        .details(details),
    }
}

impl Verdict {
    /// For checks that build on the DS: a missing DS is reported by
    /// `ds-published`; here it is a skip, not a second failure.
    fn into_skip_unless_fail(self) -> Verdict {
        if self.passed == Some(false) {
            Verdict::skip(format!("no usable DS to check: {}", self.message))
        } else {
            self
        }
    }
}
