//! The grader's own chain-of-trust validation (RFC 4035 §5): from the lab
//! trust anchor down through each parent to the trainee's zone.
//!
//! The lab's resolvers say only SECURE or BOGUS; a trainee needs to know
//! which link broke. The walk queries each zone's servers directly, so it
//! can say "the DS for t07.tg. at tld-tg matches no DNSKEY of t07.tg." or
//! "the RRSIG over t07.tg./DNSKEY made by key 40117 expired at …".

pub use crate::hop_view::{Break, DsNode, HopView, LinkStatus};
use crate::probe::{self, ProbeOptions, Response, Section};
use crate::rrset::{KeyInfo, RrsetCheck, check_rrset};
use dnslab_zone::rdata::view;
use dnslab_zone::{Name, Record, Rtype};
use std::net::SocketAddr;

/// One zone on the path and the server that answers for it.
#[derive(Debug, Clone)]
pub struct Hop {
    pub zone: Name,
    pub server: SocketAddr,
    /// The node's name in the lab (`root`, `tld-ne`, `t01-auth`), for
    /// messages.
    pub node: String,
}

/// How far the chain got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainState {
    /// Every link validated: the zone's DNSKEY RRset is trusted.
    Secure,
    /// The parent proves there is no DS: validators treat the zone as
    /// insecure (RFC 4035 §5.2).
    Insecure { at: Name },
    /// A link is broken: validators answer SERVFAIL.
    Bogus { at: Name },
    /// A server could not be asked.
    Unreachable { at: Name },
}

/// One validated (or failed) step, for the report's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkNote {
    pub ok: bool,
    pub text: String,
}

/// The walk's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub state: ChainState,
    /// What was checked, top down.
    pub notes: Vec<LinkNote>,
    /// The first failure in one sentence.
    pub failure: Option<String>,
    /// The RFC section for the failure.
    pub reference: Option<&'static str>,
    /// The last zone's DNSKEYs, as served.
    pub last_keys: Vec<KeyInfo>,
    /// What the last zone's parent serves as its DS RRset.
    pub final_ds: DsFetch,
    /// Each zone of the path as the walk saw it, top down, for the
    /// chain-of-trust picture.
    pub hops: Vec<HopView>,
}

/// The DS RRset of the last zone, as its parent serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsFetch {
    /// The walk stopped above the parent.
    NotReached,
    /// The parent has no DS for the zone (the sentence says how it knows).
    Missing(String),
    /// DS records, but not validly signed (the sentence says why).
    Bogus(String),
    /// DS records validly signed by the parent.
    Signed(Vec<Record>),
}

/// Whether `ds`, a DS record of `owner`, refers to `key`, a DNSKEY of
/// `owner`: the zone crate's one rule
/// ([`dnslab_zone::keys::ds::check_match`]: tag, algorithm field, Zone Key
/// flag, digest; the SEP flag is not required).
pub fn ds_matches(owner: &Name, ds: &view::Ds<'_>, key: &KeyInfo) -> bool {
    dnslab_zone::keys::ds::matches(owner, ds, owner, &key.rdata)
}

/// Walks `hops` (root first) from `anchor` (DS records for the first
/// hop's zone) at time `now`.
pub async fn walk(anchor: &[Record], hops: &[Hop], opts: &ProbeOptions, now: i64) -> Chain {
    let mut chain = Chain {
        state: ChainState::Secure,
        notes: Vec::new(),
        failure: None,
        reference: None,
        last_keys: Vec::new(),
        final_ds: DsFetch::NotReached,
        hops: hops.iter().map(HopView::new).collect(),
    };
    chain.see_ds(0, anchor, None);
    let mut ds_set: Vec<Record> = anchor.to_vec();
    for (i, hop) in hops.iter().enumerate() {
        let keys = match trusted_keys(i, hop, &ds_set, opts, now, &mut chain).await {
            Some(keys) => keys,
            None => return chain,
        };
        chain.last_keys = keys.clone();
        let Some(child) = hops.get(i + 1) else {
            break;
        };
        let last = i + 2 == hops.len();
        // The DS RRset for the child, from this hop's server.
        let response = match probe::query(hop.server, &child.zone, Rtype::DS, opts).await {
            Ok(r) => r,
            Err(e) => {
                chain.set_link(i + 1, LinkStatus::Broken(Break::Unreachable));
                fail_unreachable(&mut chain, &child.zone, e.to_string());
                return chain;
            }
        };
        let ds = response.rrset(Section::Answer, &child.zone, Rtype::DS);
        if ds.is_empty() {
            let proof = crate::denial::check_proof(
                &hop.zone,
                &child.zone,
                Rtype::DS,
                crate::denial::Negative::NoData,
                &response.authority,
                &keys,
                now,
            );
            // Before the trainee submits a DS this is the expected state,
            // and the message must say so: a valid proof (opt-out at a
            // lab TLD) is not something to fix.
            let text = match proof {
                Ok(p) => format!(
                    "no DS yet ({} proof valid) → submit your DS: {} ({}) proves that it has no DS record for {} ({}), so validators treat {} as insecure and do not check its signatures",
                    p.label(),
                    hop.zone,
                    hop.node,
                    child.zone,
                    p.case.reference(),
                    child.zone
                ),
                Err(problem) => format!(
                    "no DS for {} at {} ({}) → submit your DS; if you already have, tell the instructor: the answer that there is none carries a proof that does not validate ({problem})",
                    child.zone, hop.zone, hop.node
                ),
            };
            chain.notes.push(LinkNote {
                ok: false,
                text: text.clone(),
            });
            if last {
                chain.final_ds = DsFetch::Missing(text.clone());
            }
            chain.failure = Some(text);
            chain.reference = Some("RFC 4035 §5.2");
            chain.set_link(i + 1, LinkStatus::Insecure);
            chain.state = ChainState::Insecure {
                at: child.zone.clone(),
            };
            return chain;
        }
        let sigs = response.rrsigs_for(Section::Answer, &child.zone, Rtype::DS);
        let check = check_rrset(&hop.zone, &ds, &sigs, &keys, now);
        chain.see_ds(i + 1, &ds, check.as_ref());
        if let Some(problem) = check.as_ref().and_then(RrsetCheck::problem_if_insecure) {
            chain.set_link(i + 1, LinkStatus::Broken(Break::DsNotSigned));
            let text = format!(
                "the DS RRset for {} served by {} ({}) is not validly signed: {problem}",
                child.zone, hop.zone, hop.node
            );
            if last {
                chain.final_ds = DsFetch::Bogus(text.clone());
            }
            fail_bogus(&mut chain, &child.zone, text, "RFC 4035 §5.3");
            return chain;
        }
        if last {
            chain.final_ds = DsFetch::Signed(ds.clone());
        }
        chain.notes.push(LinkNote {
            ok: true,
            text: format!(
                "{} ({}) serves a signed DS RRset for {} ({} record(s))",
                hop.zone,
                hop.node,
                child.zone,
                ds.len()
            ),
        });
        ds_set = ds;
    }
    chain
}

impl RrsetCheck {
    /// The problem when no signature is valid; `None` when the RRset is
    /// secure (missing algorithms do not break validation).
    pub fn problem_if_insecure(&self) -> Option<String> {
        if self.is_secure() {
            None
        } else {
            self.problem()
        }
    }
}

fn fail_bogus(chain: &mut Chain, at: &Name, text: String, reference: &'static str) {
    chain.notes.push(LinkNote {
        ok: false,
        text: text.clone(),
    });
    chain.failure = Some(text);
    chain.reference = Some(reference);
    chain.state = ChainState::Bogus { at: at.clone() };
}

fn fail_unreachable(chain: &mut Chain, at: &Name, text: String) {
    chain.notes.push(LinkNote {
        ok: false,
        text: text.clone(),
    });
    chain.failure = Some(text);
    chain.reference = Some("RFC 4035 §5");
    chain.state = ChainState::Unreachable { at: at.clone() };
}

/// The hop's DNSKEY RRset, validated with `ds_set`; `None` after recording
/// the failure in `chain`.
async fn trusted_keys(
    i: usize,
    hop: &Hop,
    ds_set: &[Record],
    opts: &ProbeOptions,
    now: i64,
    chain: &mut Chain,
) -> Option<Vec<KeyInfo>> {
    let response: Response = match probe::query(hop.server, &hop.zone, Rtype::DNSKEY, opts).await {
        Ok(r) => r,
        Err(e) => {
            chain.set_link(i, LinkStatus::Broken(Break::Unreachable));
            fail_unreachable(chain, &hop.zone, e.to_string());
            return None;
        }
    };
    let dnskeys = response.rrset(Section::Answer, &hop.zone, Rtype::DNSKEY);
    let keys = KeyInfo::from_rrset(&dnskeys);
    chain.see_keys(i, &keys, ds_set);
    if keys.is_empty() {
        chain.set_link(i, LinkStatus::Broken(Break::NoDnskey));
        fail_bogus(
            chain,
            &hop.zone,
            format!(
                "{} ({}, {}) serves no DNSKEY RRset for {}, but its parent has a DS for it: validators cannot find the key the DS vouches for",
                hop.zone, hop.node, hop.server, hop.zone
            ),
            "RFC 4035 §5.2",
        );
        return None;
    }
    let ds_views: Vec<view::Ds<'_>> = ds_set
        .iter()
        .filter_map(|r| view::Ds::parse(&r.rdata))
        .collect();
    let vouched: Vec<&KeyInfo> = keys
        .iter()
        .filter(|k| ds_views.iter().any(|ds| ds_matches(&hop.zone, ds, k)))
        .collect();
    if vouched.is_empty() {
        chain.set_link(i, LinkStatus::Broken(Break::NoKeyMatchesDs));
        let tags: Vec<String> = ds_views
            .iter()
            .map(|d| {
                format!(
                    "{} (algorithm {}, digest type {})",
                    d.key_tag, d.algorithm.0, d.digest_type
                )
            })
            .collect();
        let published: Vec<String> = keys.iter().map(KeyInfo::describe).collect();
        fail_bogus(
            chain,
            &hop.zone,
            format!(
                "no DNSKEY of {} matches its DS record(s) {}; the zone publishes {}",
                hop.zone,
                tags.join(", "),
                published.join(", ")
            ),
            "RFC 4035 §5.2",
        );
        return None;
    }
    let sigs = response.rrsigs_for(Section::Answer, &hop.zone, Rtype::DNSKEY);
    // The DNSKEY RRset must be signed by a key the DS vouches for.
    let check = check_rrset(&hop.zone, &dnskeys, &sigs, &keys, now)?;
    chain.see_dnskey_signatures(i, &check);
    let by_vouched = check.signatures.iter().any(|s| {
        s.is_valid()
            && vouched
                .iter()
                .any(|k| k.tag == s.key_tag && k.algorithm == s.algorithm)
    });
    if by_vouched {
        chain.set_link(i, LinkStatus::Secure);
        let tags: Vec<String> = vouched.iter().map(|k| k.tag.to_string()).collect();
        chain.notes.push(LinkNote {
            ok: true,
            text: format!(
                "{} ({}): the DNSKEY RRset is signed by key {} that the DS vouches for",
                hop.zone,
                hop.node,
                tags.join(", ")
            ),
        });
        return Some(keys);
    }
    let vouched_text = vouched
        .iter()
        .map(|k| k.describe())
        .collect::<Vec<_>>()
        .join(", ");
    let signers: Vec<String> = check
        .signatures
        .iter()
        .filter(|s| s.is_valid())
        .map(|s| format!("key {}", s.key_tag))
        .collect();
    let text = if signers.is_empty() {
        format!(
            "the DNSKEY RRset of {} has no valid signature: {}",
            hop.zone,
            check.problem().unwrap_or_default()
        )
    } else {
        format!(
            "the DNSKEY RRset of {} is signed only by {}, but the DS points at {}: validators start from the key the DS vouches for, so that key must sign the DNSKEY RRset",
            hop.zone,
            signers.join(", "),
            vouched_text
        )
    };
    chain.set_link(i, LinkStatus::Broken(Break::DnskeyNotSignedByDsKey));
    fail_bogus(chain, &hop.zone, text, "RFC 4035 §5.2");
    None
}
