//! Checking authenticated denial of existence in a response: the NSEC
//! (RFC 4035 §5.4) or NSEC3 (RFC 5155 §8.4, §8.5) records a validator
//! needs to accept an NXDOMAIN or NODATA answer.
//!
//! The proof is checked as a validator would: every NSEC/NSEC3 RRset must
//! be validly signed by the zone's keys, and together they must show that
//! the name (and, for NXDOMAIN, any wildcard that could have matched) does
//! not exist, or that the name has no data of the type asked.

use crate::rrset::{KeyInfo, check_rrset, rrsets, rrsigs_over};
use dnslab_zone::rdata::view;
use dnslab_zone::{Name, Record, Rtype, nsec3};
use std::cmp::Ordering;

/// What kind of negative answer is being proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negative {
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no RRset of the type.
    NoData,
}

/// A proof that holds, and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// `NSEC` or `NSEC3`.
    pub kind: Rtype,
    /// NSEC3 parameters when `kind` is NSEC3: (iterations, salt length,
    /// opt-out seen).
    pub nsec3: Option<(u16, usize, bool)>,
    /// Records that made the proof, for details.
    pub records: usize,
}

/// Checks the proof in `authority` (the authority section of the answer)
/// for `qname`/`qtype` in `zone`, with the zone's keys at `now`.
/// `Err` says in one sentence what is missing or wrong.
pub fn check_proof(
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    negative: Negative,
    authority: &[Record],
    keys: &[KeyInfo],
    now: i64,
) -> Result<Proof, String> {
    let has_nsec = authority.iter().any(|r| r.rtype == Rtype::NSEC);
    let has_nsec3 = authority.iter().any(|r| r.rtype == Rtype::NSEC3);
    let kind = match (has_nsec, has_nsec3) {
        (true, false) => Rtype::NSEC,
        (false, true) => Rtype::NSEC3,
        (true, true) => {
            return Err(
                "the answer mixes NSEC and NSEC3 records; a zone uses one or the other".into(),
            );
        }
        (false, false) => {
            return Err(format!(
                "the {} answer for {qname}/{qtype} carries no NSEC or NSEC3 record, so a validator cannot tell it from a forged one",
                what(negative)
            ));
        }
    };
    // Every denial RRset must be signed validly (RFC 4035 §5.4).
    let denial: Vec<Vec<Record>> = rrsets(authority)
        .into_iter()
        .filter(|s| s[0].rtype == kind)
        .collect();
    for set in &denial {
        let sigs = rrsigs_over(authority, &set[0].owner, kind);
        let check = check_rrset(zone, set, &sigs, keys, now);
        if let Some(problem) = check
            .as_ref()
            .and_then(|c| if c.is_secure() { None } else { c.problem() })
        {
            return Err(format!("the proof cannot be trusted: {problem}"));
        }
    }
    let records: Vec<Record> = denial.into_iter().flatten().collect();
    let count = records.len();
    if kind == Rtype::NSEC {
        nsec_proof(zone, qname, qtype, negative, &records)?;
        Ok(Proof {
            kind,
            nsec3: None,
            records: count,
        })
    } else {
        let params = nsec3_proof(zone, qname, qtype, negative, &records)?;
        Ok(Proof {
            kind,
            nsec3: Some(params),
            records: count,
        })
    }
}

fn what(negative: Negative) -> &'static str {
    match negative {
        Negative::NxDomain => "NXDOMAIN",
        Negative::NoData => "NODATA",
    }
}

/// Whether the NSEC at `owner` with next name `next` covers `name`: it
/// lies strictly between them in canonical order (the last NSEC wraps
/// around to the apex).
fn nsec_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    let after_owner = owner.canonical_cmp(name) == Ordering::Less;
    let before_next = name.canonical_cmp(next) == Ordering::Less;
    if owner.canonical_cmp(next) == Ordering::Less {
        after_owner && before_next
    } else {
        // Last NSEC of the chain: next is the apex.
        after_owner || before_next
    }
}

fn nsec_proof(
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    negative: Negative,
    records: &[Record],
) -> Result<(), String> {
    let nsecs: Vec<(&Record, view::Nsec<'_>)> = records
        .iter()
        .filter_map(|r| view::Nsec::parse(&r.rdata).map(|n| (r, n)))
        .collect();
    match negative {
        Negative::NoData => {
            let Some((_, nsec)) = nsecs.iter().find(|(r, _)| r.owner.eq_ignore_case(qname)) else {
                return Err(format!(
                    "the NODATA answer for {qname}/{qtype} has no NSEC record owned by {qname} to show which types it has (RFC 4035 §3.1.3.1)"
                ));
            };
            let types = nsec.types();
            if types.contains(&qtype) {
                return Err(format!(
                    "the NSEC at {qname} lists {qtype} in its type bitmap, so it proves that {qtype} exists, not that it is absent"
                ));
            }
            if types.contains(&Rtype::CNAME) {
                return Err(format!(
                    "the NSEC at {qname} lists CNAME, so the answer should have been the CNAME"
                ));
            }
            Ok(())
        }
        Negative::NxDomain => {
            let Some((cover, nsec)) = nsecs
                .iter()
                .find(|(r, n)| nsec_covers(&r.owner, &n.next, qname))
            else {
                return Err(format!(
                    "no NSEC record in the NXDOMAIN answer covers {qname} (no NSEC has an owner before it and a next name after it), so nothing proves it does not exist (RFC 4035 §3.1.3.2)"
                ));
            };
            // The closest encloser is the longest ancestor of qname shared
            // with the covering NSEC's owner or next name.
            let encloser = closest_encloser_nsec(zone, qname, &cover.owner, &nsec.next);
            let wildcard = encloser
                .wildcard()
                .map_err(|e| format!("cannot build the wildcard name: {e}"))?;
            let wildcard_denied = nsecs.iter().any(|(r, n)| {
                nsec_covers(&r.owner, &n.next, &wildcard) || r.owner.eq_ignore_case(&wildcard)
            });
            if !wildcard_denied {
                return Err(format!(
                    "the NSEC records show that {qname} does not exist but not that no wildcard {wildcard} could have answered instead (RFC 4035 §3.1.3.2)"
                ));
            }
            Ok(())
        }
    }
}

fn closest_encloser_nsec(zone: &Name, qname: &Name, owner: &Name, next: &Name) -> Name {
    let mut candidate = qname.parent();
    while let Some(name) = candidate {
        if !name.is_subdomain_of(zone) {
            break;
        }
        if owner.is_subdomain_of(&name) || next.is_subdomain_of(&name) {
            return name;
        }
        candidate = name.parent();
    }
    zone.clone()
}

struct Nsec3Entry<'a> {
    hash: Vec<u8>,
    data: view::Nsec3<'a>,
}

fn nsec3_covers(entry: &Nsec3Entry<'_>, hash: &[u8]) -> bool {
    let owner = entry.hash.as_slice();
    let next = entry.data.next_hashed;
    if owner < next {
        owner < hash && hash < next
    } else {
        // The last NSEC3 of the chain wraps around.
        hash > owner || hash < next
    }
}

fn nsec3_proof(
    zone: &Name,
    qname: &Name,
    qtype: Rtype,
    negative: Negative,
    records: &[Record],
) -> Result<(u16, usize, bool), String> {
    let entries: Vec<Nsec3Entry<'_>> = records
        .iter()
        .filter_map(|r| {
            Some(Nsec3Entry {
                hash: nsec3::hash_of_owner(&r.owner)?,
                data: view::Nsec3::parse(&r.rdata)?,
            })
        })
        .collect();
    let Some(first) = entries.first() else {
        return Err("the NSEC3 records in the answer cannot be read".into());
    };
    let (salt, iterations) = (first.data.salt.to_vec(), first.data.iterations);
    if first.data.hash_algorithm != nsec3::SHA1 {
        return Err(format!(
            "the NSEC3 records use hash algorithm {}, which validators do not know (RFC 5155 §8.1)",
            first.data.hash_algorithm
        ));
    }
    if entries
        .iter()
        .any(|e| e.data.salt != salt.as_slice() || e.data.iterations != iterations)
    {
        return Err("the NSEC3 records in the answer disagree on salt or iterations".into());
    }
    let opt_out = entries.iter().any(|e| e.data.opt_out());
    let hash = |name: &Name| nsec3::hash(name, &salt, iterations).to_vec();
    let matching = |name: &Name| {
        let h = hash(name);
        entries.iter().find(|e| e.hash == h)
    };
    let covering = |name: &Name| {
        let h = hash(name);
        entries.iter().find(|e| nsec3_covers(e, &h))
    };
    match negative {
        Negative::NoData => {
            let Some(entry) = matching(qname) else {
                return Err(format!(
                    "the NODATA answer for {qname}/{qtype} has no NSEC3 record matching the hash of {qname} (RFC 5155 §8.5)"
                ));
            };
            let types = entry.data.types();
            if types.contains(&qtype) {
                return Err(format!(
                    "the NSEC3 for {qname} lists {qtype} in its type bitmap, so it proves that {qtype} exists, not that it is absent"
                ));
            }
            if types.contains(&Rtype::CNAME) {
                return Err(format!(
                    "the NSEC3 for {qname} lists CNAME, so the answer should have been the CNAME"
                ));
            }
        }
        Negative::NxDomain => {
            // Closest encloser proof (RFC 5155 §7.2.1, §8.4).
            let mut encloser = None;
            let mut next_closer = qname.clone();
            let mut candidate = qname.parent();
            while let Some(name) = candidate {
                if !name.is_subdomain_of(zone) {
                    break;
                }
                if matching(&name).is_some() {
                    encloser = Some(name);
                    break;
                }
                next_closer = name.clone();
                candidate = name.parent();
            }
            let Some(encloser) = encloser else {
                return Err(format!(
                    "no NSEC3 record in the NXDOMAIN answer matches an ancestor of {qname}, so the closest encloser is not proved (RFC 5155 §7.2.1)"
                ));
            };
            if covering(&next_closer).is_none() {
                return Err(format!(
                    "no NSEC3 record covers the hash of {next_closer}, so nothing proves that {qname} does not exist (RFC 5155 §8.4)"
                ));
            }
            let wildcard = encloser
                .wildcard()
                .map_err(|e| format!("cannot build the wildcard name: {e}"))?;
            if covering(&wildcard).is_none() {
                return Err(format!(
                    "no NSEC3 record covers the hash of {wildcard}, so nothing proves that no wildcard could have answered for {qname} (RFC 5155 §8.4)"
                ));
            }
        }
    }
    Ok((iterations, salt.len(), opt_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::parse_absolute(s).unwrap()
    }

    #[test]
    fn nsec_cover_wraps_at_the_end_of_the_chain() {
        let (a, m, z) = (name("a.t.ne."), name("m.t.ne."), name("z.t.ne."));
        assert!(nsec_covers(&a, &z, &m));
        assert!(!nsec_covers(&a, &m, &z));
        // Last NSEC: z -> apex covers names after z.
        assert!(nsec_covers(&z, &name("t.ne."), &name("zz.t.ne.")));
        assert!(!nsec_covers(&z, &name("t.ne."), &m));
    }
}
