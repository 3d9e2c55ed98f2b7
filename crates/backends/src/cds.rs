//! CDS/CDNSKEY scanning by the parent (RFC 7344, RFC 8078).
//!
//! A TLD that scans asks each trainee's server for the zone's DNSKEY, CDS
//! and CDNSKEY RRsets (with their signatures) and decides:
//!
//! - no CDS/CDNSKEY: nothing to do;
//! - the delete form (`CDS 0 0 0 00`, `CDNSKEY 0 3 0 AA==`, RFC 8078 §4):
//!   remove the DS records;
//! - otherwise accept the new DS set only when the CDS/CDNSKEY RRset is
//!   signed by a key that the current DS set authenticates (RFC 7344 §4.1:
//!   no bootstrapping of trust here; trainees submit their first DS), and
//!   the new DS set authenticates a key that signs the DNSKEY RRset, so the
//!   chain still validates (RFC 7344 §4.1, "the DS RRset must not break the
//!   chain").
//!
//! Every decision comes with a reason, logged for the instructor. Which DS
//! matches which key, and whether an RRSIG is valid, are the zone crate's
//! rules ([`ds::check_match`], [`check_rrsig`] with ring), the same the
//! grader and `zone verify` apply: the signer, the label count, revoked
//! keys and the Zone Key flag are checked here too.

use dnslab_probe::{ProbeError, ProbeOptions};
use dnslab_zone::keys::ds::{self, DigestType};
use dnslab_zone::rdata::view::{Dnskey, Ds, key_tag};
use dnslab_zone::validate::{RuleKey, WithRing, check_rrsig};
use dnslab_zone::{Name, Record, Rtype};

/// What the parent does after a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdsDecision {
    /// The child publishes no CDS or CDNSKEY.
    NoCds,
    /// The child's CDS set equals the current DS set.
    Unchanged,
    /// Replace the DS set with these records.
    Accept(Vec<Record>),
    /// Remove the DS set (RFC 8078 §4 delete).
    Delete,
    /// Keep the DS set; the reason says why the CDS set was not taken.
    Refuse(String),
}

/// What a scan of the child's server found.
#[derive(Debug, Clone, Default)]
pub struct ChildKeys {
    pub dnskey: Vec<Record>,
    pub cds: Vec<Record>,
    pub cdnskey: Vec<Record>,
    /// Every RRSIG returned with the three RRsets.
    pub signatures: Vec<Record>,
}

fn is_delete_cds(r: &Record) -> bool {
    Ds::parse(&r.rdata).is_some_and(|d| d.key_tag == 0 && d.algorithm.0 == 0 && d.digest_type == 0)
}

fn is_delete_cdnskey(r: &Record) -> bool {
    Dnskey::parse(&r.rdata).is_some_and(|k| k.algorithm.0 == 0)
}

/// Whether some RRSIG over `rrset` is valid at `now` (the zone crate's
/// RRSIG rule, with ring) and made by one of `keys`, the DNSKEYs of `zone`.
fn signed_by(
    zone: &Name,
    rrset: &[Record],
    signatures: &[Record],
    keys: &[&Record],
    now: i64,
) -> bool {
    let Some(first) = rrset.first() else {
        return false;
    };
    let rule_keys: Vec<RuleKey<'_>> = keys
        .iter()
        .filter_map(|k| RuleKey::from_rdata(&k.rdata))
        .collect();
    let mut buf = Vec::new();
    signatures
        .iter()
        .filter(|s| s.covered_type() == Some(first.rtype) && s.owner.eq_ignore_case(&first.owner))
        .any(|sig| {
            check_rrsig(
                zone, rrset, &sig.rdata, &rule_keys, now, &WithRing, &mut buf,
            )
            .is_valid()
        })
}

/// The DNSKEYs (of `dnskeys`) that some DS in `ds_set` matches.
fn authenticated_keys<'a>(
    zone: &Name,
    ds_set: &[Record],
    dnskeys: &'a [Record],
) -> Vec<&'a Record> {
    let ds_views: Vec<Ds<'_>> = ds_set.iter().filter_map(|r| Ds::parse(&r.rdata)).collect();
    dnskeys
        .iter()
        .filter(|k| {
            ds_views
                .iter()
                .any(|d| ds::matches(zone, d, &k.owner, &k.rdata))
        })
        .collect()
}

/// The DS set the child asks for: its CDS records, or DS (SHA-256) of its
/// CDNSKEY records when it publishes only those.
fn requested_ds(zone: &Name, child: &ChildKeys, ttl: u32) -> Vec<Record> {
    if !child.cds.is_empty() {
        return child
            .cds
            .iter()
            .map(|r| Record {
                rtype: Rtype::DS,
                ttl,
                ..r.clone()
            })
            .collect();
    }
    child
        .cdnskey
        .iter()
        .map(|k| {
            Record::new(
                zone.clone(),
                Rtype::DS,
                ttl,
                dnslab_zone::keys::ds::ds_rdata(zone, &k.rdata, DigestType::Sha256),
            )
        })
        .collect()
}

/// Decides what to do with the child's CDS/CDNSKEY (see the module docs).
pub fn evaluate(
    zone: &Name,
    current_ds: &[Record],
    child: &ChildKeys,
    ds_ttl: u32,
    now: i64,
) -> CdsDecision {
    if child.cds.is_empty() && child.cdnskey.is_empty() {
        return CdsDecision::NoCds;
    }
    if current_ds.is_empty() {
        return CdsDecision::Refuse(format!(
            "{zone} has no DS yet: CDS cannot bootstrap trust in this lab (RFC 8078 §3 needs another channel); submit the first DS with `dnslab ds submit`"
        ));
    }
    let trusted = authenticated_keys(zone, current_ds, &child.dnskey);
    if trusted.is_empty() {
        return CdsDecision::Refuse(format!(
            "none of {zone}'s DNSKEYs matches the current DS set, so its CDS cannot be authenticated"
        ));
    }
    // The CDS (and CDNSKEY) RRsets must be signed by a key the DS set authenticates.
    for (set, name) in [(&child.cds, "CDS"), (&child.cdnskey, "CDNSKEY")] {
        if !set.is_empty() && !signed_by(zone, set, &child.signatures, &trusted, now) {
            let tags: Vec<String> = trusted
                .iter()
                .map(|k| key_tag(&k.rdata).to_string())
                .collect();
            return CdsDecision::Refuse(format!(
                "the {name} RRset of {zone} is not signed by a key the current DS set authenticates (key {}); RFC 7344 §4.1",
                tags.join(", ")
            ));
        }
    }
    let deletes =
        child.cds.iter().any(is_delete_cds) || child.cdnskey.iter().any(is_delete_cdnskey);
    if deletes {
        let only_deletes =
            child.cds.iter().all(is_delete_cds) && child.cdnskey.iter().all(is_delete_cdnskey);
        if !only_deletes {
            return CdsDecision::Refuse(format!(
                "{zone} mixes the delete form with other CDS/CDNSKEY records (RFC 8078 §4)"
            ));
        }
        return CdsDecision::Delete;
    }
    let new_ds = requested_ds(zone, child, ds_ttl);
    let same = new_ds.len() == current_ds.len()
        && new_ds
            .iter()
            .all(|n| current_ds.iter().any(|c| c.rdata == n.rdata));
    if same {
        return CdsDecision::Unchanged;
    }
    // The new DS set must authenticate a key that signs the DNSKEY RRset.
    let new_trusted = authenticated_keys(zone, &new_ds, &child.dnskey);
    if !signed_by(zone, &child.dnskey, &child.signatures, &new_trusted, now) {
        return CdsDecision::Refuse(format!(
            "the requested DS set of {zone} matches no key that signs its DNSKEY RRset: the chain would break (RFC 7344 §4.1)"
        ));
    }
    CdsDecision::Accept(new_ds)
}

/// One query to the child's server, through the shared client
/// ([`dnslab_probe::client`]): a random id, the reply's id, question and
/// source checked (a spoofed CDS set must not move the DS), bounded
/// retries, TCP when the answer is truncated (DNSKEY sets with signatures
/// often are).
fn ask(addr: std::net::SocketAddr, zone: &Name, rtype: Rtype) -> Result<Vec<Record>, ProbeError> {
    let opts = ProbeOptions {
        timeout: std::time::Duration::from_secs(2),
        attempts: 2,
        ..ProbeOptions::default()
    };
    Ok(dnslab_probe::blocking::query(addr, zone, rtype, &opts)?.answer)
}

/// Asks the child's server for its DNSKEY, CDS and CDNSKEY RRsets.
pub fn fetch(addr: std::net::SocketAddr, zone: &Name) -> Result<ChildKeys, ProbeError> {
    let mut keys = ChildKeys::default();
    for rtype in [Rtype::DNSKEY, Rtype::CDS, Rtype::CDNSKEY] {
        for r in ask(addr, zone, rtype)? {
            match r.rtype {
                Rtype::RRSIG => keys.signatures.push(r),
                t if t == rtype => match t {
                    Rtype::DNSKEY => keys.dnskey.push(r),
                    Rtype::CDS => keys.cds.push(r),
                    _ => keys.cdnskey.push(r),
                },
                _ => {}
            }
        }
    }
    Ok(keys)
}

/// Scans one trainee's zone and applies the decision to the TLD (re-signed
/// at once); every decision is logged and returned.
pub fn scan_trainee(
    state: &dnslab_lab::StateDir,
    plan: &dnslab_lab::LabPlan,
    trainee: &dnslab_lab::Trainee,
) -> Result<CdsDecision, crate::lab_zones::LabZoneError> {
    use crate::lab_zones::{parent_of, sign_lab_zone, store_ds, submitted_ds};
    let current = submitted_ds(state, trainee)?;
    let decision = match fetch(trainee.auth, &trainee.zone) {
        Ok(child) => evaluate(
            &trainee.zone,
            &current,
            &child,
            plan.timers.ds_ttl,
            dnslab_zone::rdata::time::now(),
        ),
        Err(e) => CdsDecision::Refuse(format!("cannot scan {}: {e}", trainee.zone)),
    };
    match &decision {
        CdsDecision::Accept(ds) => {
            store_ds(state, trainee, ds)?;
            sign_lab_zone(state, plan, &parent_of(trainee))?;
            tracing::info!(trainee = %trainee.name, zone = %trainee.zone, records = ds.len(), "CDS scan: DS set replaced from CDS/CDNSKEY");
        }
        CdsDecision::Delete => {
            store_ds(state, trainee, &[])?;
            sign_lab_zone(state, plan, &parent_of(trainee))?;
            tracing::info!(trainee = %trainee.name, zone = %trainee.zone, "CDS scan: delete request honoured, DS removed (RFC 8078)");
        }
        CdsDecision::Refuse(reason) => {
            tracing::info!(trainee = %trainee.name, zone = %trainee.zone, %reason, "CDS scan: refused")
        }
        CdsDecision::NoCds | CdsDecision::Unchanged => {
            tracing::debug!(trainee = %trainee.name, zone = %trainee.zone, ?decision, "CDS scan")
        }
    }
    let _ = append_log(state, trainee, &decision);
    Ok(decision)
}

/// `<state>/cds.log`: one line per decision that changes or refuses something.
fn append_log(
    state: &dnslab_lab::StateDir,
    trainee: &dnslab_lab::Trainee,
    decision: &CdsDecision,
) -> std::io::Result<()> {
    use std::io::Write;
    let text = match decision {
        CdsDecision::Accept(ds) => format!("accepted: DS set replaced by {} record(s)", ds.len()),
        CdsDecision::Delete => "accepted: delete (DS removed)".to_string(),
        CdsDecision::Refuse(reason) => format!("refused: {reason}"),
        _ => return Ok(()),
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.join("cds.log"))?;
    writeln!(
        f,
        "{} {} {}: {text}",
        dnslab_zone::rdata::time::format_human(dnslab_zone::rdata::time::now()),
        trainee.name,
        trainee.zone
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use dnslab_zone::Algorithm;
    use dnslab_zone::keys::Key;
    use dnslab_zone::keys::ds::ds_rdata;
    use dnslab_zone::parser::{ParseOptions, parse_bytes};
    use dnslab_zone::sign::{SignConfig, sign_zone};

    const NOW: i64 = 1_800_000_000;

    fn zone() -> Name {
        Name::parse_absolute("t01.ne.").unwrap()
    }

    fn child(keys: &[Key], extra: &str) -> ChildKeys {
        let text = format!("$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n{extra}");
        let records = parse_bytes(
            text.as_bytes(),
            "t".as_ref(),
            &ParseOptions {
                origin: Some(zone()),
                default_ttl: None,
            },
        )
        .unwrap();
        let signed = sign_zone(&zone(), records, keys, &SignConfig::new(NOW))
            .unwrap()
            .zone
            .records;
        let pick = |t: Rtype| {
            signed
                .iter()
                .filter(|r| r.rtype == t)
                .cloned()
                .collect::<Vec<_>>()
        };
        ChildKeys {
            dnskey: pick(Rtype::DNSKEY),
            cds: pick(Rtype::CDS),
            cdnskey: pick(Rtype::CDNSKEY),
            signatures: pick(Rtype::RRSIG),
        }
    }

    fn ds_of(key: &Key) -> Record {
        Record::new(
            zone(),
            Rtype::DS,
            60,
            ds_rdata(&zone(), &key.dnskey_rdata(), DigestType::Sha256),
        )
    }

    fn keys() -> (Key, Key) {
        let old = Key::generate(zone(), Algorithm::ED25519, true, 0).unwrap();
        let new = Key::generate(zone(), Algorithm::ED25519, true, 0).unwrap();
        (old, new)
    }

    #[test]
    fn a_rollover_through_cds_is_accepted() {
        let (old, mut new) = keys();
        new.timing.sync_publish = Some(0);
        let (old_ds, new_ds) = (ds_of(&old), ds_of(&new));
        let c = child(&[old, new], "");
        match evaluate(&zone(), &[old_ds], &c, 60, NOW) {
            CdsDecision::Accept(ds) => assert_eq!(ds[0].rdata, new_ds.rdata),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_signer_delete_and_bootstrap() {
        let (old, _) = keys();
        let old_ds = ds_of(&old);
        let stranger = Key::generate(zone(), Algorithm::ED25519, true, 0).unwrap();
        let mut c = child(std::slice::from_ref(&old), "@ CDS 1 15 2 00");
        // Replace the CDS signature by one from a key the DS set does not cover.
        let foreign = child(&[stranger], "@ CDS 1 15 2 00");
        c.signatures
            .retain(|s| s.covered_type() != Some(Rtype::CDS));
        c.signatures.extend(
            foreign
                .signatures
                .into_iter()
                .filter(|s| s.covered_type() == Some(Rtype::CDS)),
        );
        let refused = evaluate(&zone(), std::slice::from_ref(&old_ds), &c, 60, NOW);
        assert!(
            matches!(&refused, CdsDecision::Refuse(r) if r.contains("not signed")),
            "{refused:?}"
        );

        let c = child(
            std::slice::from_ref(&old),
            "@ CDS 0 0 0 00\n@ CDNSKEY 0 3 0 AA==",
        );
        assert_eq!(
            evaluate(&zone(), std::slice::from_ref(&old_ds), &c, 60, NOW),
            CdsDecision::Delete
        );
        let bootstrap = evaluate(&zone(), &[], &c, 60, NOW);
        assert!(
            matches!(&bootstrap, CdsDecision::Refuse(r) if r.contains("no DS yet")),
            "{bootstrap:?}"
        );
        let c = child(std::slice::from_ref(&old), "");
        assert_eq!(
            evaluate(&zone(), &[old_ds], &c, 60, NOW),
            CdsDecision::NoCds
        );
    }

    #[test]
    fn a_cds_that_would_break_the_chain_is_refused() {
        let (old, new) = keys();
        let old_ds = ds_of(&old);
        // The child asks for the DS of a key that is not in its DNSKEY set.
        let ds = ds_of(&new).rdata_text();
        let c = child(&[old], &format!("@ CDS {ds}"));
        let d = evaluate(&zone(), &[old_ds], &c, 60, NOW);
        assert!(
            matches!(&d, CdsDecision::Refuse(r) if r.contains("chain would break")),
            "{d:?}"
        );
    }

    /// The scanner used to skip the signer name, the label count and
    /// revoked keys: a CDS RRset whose only RRSIG is by the trusted key but
    /// names another signer, has too many labels, or is by that key once
    /// revoked, is now refused.
    #[test]
    fn cds_signatures_follow_the_one_rrsig_rule() {
        use dnslab_zone::sign::rrsig::{header, signed_data};
        let (old, new) = keys();
        let old_ds = ds_of(&old);
        let cds_text = ds_of(&new).rdata_text();
        let resign = |c: &mut ChildKeys, key: &Key, signer: &Name, labels: u8| {
            let first = &c.cds[0];
            let mut rdata = header(
                Rtype::CDS,
                key.algorithm.0,
                labels,
                first.ttl,
                (NOW + 86400) as u32,
                (NOW - 3600) as u32,
                key.tag(),
                signer.to_lowercase().as_wire(),
            );
            let mut data = Vec::new();
            signed_data(&rdata, &c.cds, labels, first.ttl, &mut data);
            rdata.extend_from_slice(&key.sign(&data).unwrap());
            c.signatures
                .retain(|s| s.covered_type() != Some(Rtype::CDS));
            c.signatures
                .push(Record::new(zone(), Rtype::RRSIG, first.ttl, rdata));
        };
        let base = child(std::slice::from_ref(&old), &format!("@ CDS {cds_text}"));
        let refused = |c: &ChildKeys| {
            matches!(
                evaluate(&zone(), std::slice::from_ref(&old_ds), c, 60, NOW),
                CdsDecision::Refuse(r) if r.contains("not signed")
            )
        };
        // The control: the same signature made correctly passes this step.
        let mut control = base.clone();
        resign(&mut control, &old, &zone(), 2);
        assert!(!refused(&control), "a correct CDS signature is accepted");

        let mut other_signer = base.clone();
        resign(
            &mut other_signer,
            &old,
            &Name::parse_absolute("ne.").unwrap(),
            2,
        );
        assert!(refused(&other_signer), "another signer name");

        let mut labels = base.clone();
        resign(&mut labels, &old, &zone(), 3);
        assert!(refused(&labels), "Labels above the owner's");

        // The same key revoked (flags | 0x80): its DNSKEY in the set, the DS
        // made for it as revoked so that the DS still matches it.
        let mut revoked = Key::generate(zone(), Algorithm::ED25519, true, 0).unwrap();
        revoked.flags |= 0x0080;
        let revoked_ds = ds_of(&revoked);
        let mut c = child(std::slice::from_ref(&revoked), &format!("@ CDS {cds_text}"));
        resign(&mut c, &revoked, &zone(), 2);
        let d = evaluate(&zone(), std::slice::from_ref(&revoked_ds), &c, 60, NOW);
        assert!(
            matches!(&d, CdsDecision::Refuse(r) if r.contains("not signed")),
            "{d:?}"
        );
    }
}
