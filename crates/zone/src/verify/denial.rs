//! Authenticated denial of existence: the NSEC chain (RFC 4034 §4,
//! RFC 4035 §2.3) or the NSEC3 chain (RFC 5155 §7.1), their type bitmaps,
//! NSEC3PARAM, and the TTL rule of RFC 9077.

use super::findings::{Denial, Finding, FindingId, Stats};
use crate::name::Name;
use crate::nsec3;
use crate::rdata::view;
use crate::record::Record;
use crate::rtype::Rtype;
use crate::zone::{NameKind, Zone};
use data_encoding::BASE32HEX_NOPAD;
use rayon::prelude::*;
use std::collections::HashSet;

/// Distinct types at a name, sorted, without RRSIG (added by rule) and
/// NSEC3 (which lives at hashed names).
fn types_at(records: &[Record]) -> Vec<Rtype> {
    let mut types: Vec<Rtype> = records
        .iter()
        .map(|r| r.rtype)
        .filter(|t| *t != Rtype::RRSIG && *t != Rtype::NSEC3)
        .collect();
    types.sort();
    types.dedup();
    types
}

/// Whether an owner holds only an NSEC3 RRset and its signatures: a hashed
/// name of the NSEC3 chain, not a name of the zone's data.
fn is_nsec3_owner(zone: &Zone, kind: NameKind, records: &[Record]) -> bool {
    kind == NameKind::Authoritative
        && records.iter().any(|r| r.rtype == Rtype::NSEC3)
        && records.iter().all(|r| {
            r.rtype == Rtype::NSEC3
                || (r.rtype == Rtype::RRSIG && r.covered_type() == Some(Rtype::NSEC3))
        })
        && records
            .first()
            .is_some_and(|r| r.owner.label_count() == zone.apex.label_count() + 1)
}

/// The types an NSEC (`nsec`) or NSEC3 bitmap must list for a name.
fn expected_types(kind: NameKind, types: &[Rtype], nsec: bool) -> Vec<Rtype> {
    let mut out: Vec<Rtype> = match kind {
        // RFC 4035 §2.3: at a delegation only NS and what the parent is
        // authoritative for (DS) are listed.
        NameKind::Delegation => types
            .iter()
            .copied()
            .filter(|t| matches!(*t, Rtype::NS | Rtype::DS))
            .collect(),
        _ => types.to_vec(),
    };
    if nsec {
        out.push(Rtype::NSEC);
        out.push(Rtype::RRSIG);
    } else {
        out.retain(|t| *t != Rtype::NSEC);
        let signed = match kind {
            NameKind::Delegation => out.contains(&Rtype::DS),
            _ => !out.is_empty(),
        };
        if signed {
            out.push(Rtype::RRSIG);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn type_list(types: &[Rtype]) -> String {
    if types.is_empty() {
        return "no types".into();
    }
    types
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `None` when the bitmap is right, else "X is extra; Y is missing".
fn bitmap_difference(listed: &[Rtype], expected: &[Rtype]) -> Option<String> {
    let mut listed = listed.to_vec();
    listed.sort();
    listed.dedup();
    if listed == expected {
        return None;
    }
    let extra: Vec<Rtype> = listed
        .iter()
        .copied()
        .filter(|t| !expected.contains(t))
        .collect();
    let missing: Vec<Rtype> = expected
        .iter()
        .copied()
        .filter(|t| !listed.contains(t))
        .collect();
    let mut parts = Vec::new();
    if !extra.is_empty() {
        parts.push(format!(
            "{} listed but not present (extra)",
            type_list(&extra)
        ));
    }
    if !missing.is_empty() {
        parts.push(format!(
            "{} present but not listed (missing)",
            type_list(&missing)
        ));
    }
    Some(parts.join("; "))
}

/// Checks the zone's denial of existence.
pub(super) fn check(zone: &Zone, out: &mut Vec<Finding>, stats: &mut Stats) {
    let mut nsec_count = 0usize;
    let mut nsec3_count = 0usize;
    for owner in zone.owners() {
        if owner.kind == NameKind::Occluded {
            continue;
        }
        for r in zone.records_of(owner) {
            match r.rtype {
                Rtype::NSEC => nsec_count += 1,
                Rtype::NSEC3 => nsec3_count += 1,
                _ => {}
            }
        }
    }
    let params: Vec<&Record> = zone
        .owners()
        .first()
        .map(|o| zone.records_of(o))
        .unwrap_or_default()
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC3PARAM)
        .collect();
    if nsec_count == 0 && nsec3_count == 0 && params.is_empty() {
        out.push(
            Finding::new(
                FindingId::DenialMissing,
                &zone.apex,
                "The zone is signed but has neither NSEC nor NSEC3 records, so no answer \"this name or type does not exist\" can be proven and validators reject them (RFC 4035 §2.3, RFC 5155 §7.1); re-sign the zone with NSEC or NSEC3.",
            ),
        );
        return;
    }
    if nsec_count > 0 && (nsec3_count > 0 || !params.is_empty()) {
        out.push(Finding::new(
            FindingId::DenialMixed,
            &zone.apex,
            format!(
                "The zone has {nsec_count} NSEC and {nsec3_count} NSEC3 record(s); a zone uses one chain or the other (RFC 5155 §10.4), and validators may get the wrong proof; re-sign with only NSEC or only NSEC3 (dnslab checks the NSEC3 chain here)."
            ),
        ));
    }
    if nsec3_count > 0 || !params.is_empty() {
        stats.denial = Denial::Nsec3;
        check_nsec3(zone, &params, out, stats);
    } else {
        stats.denial = Denial::Nsec;
        check_nsec(zone, out, stats);
    }
}

/// One finding for all NSEC/NSEC3 records whose TTL breaks RFC 9077.
fn ttl_finding(zone: &Zone, rtype: Rtype, wrong: &[(&Name, u32)], out: &mut Vec<Finding>) {
    let Some((first, ttl)) = wrong.first() else {
        return;
    };
    let expected = zone.negative_ttl();
    let others = match wrong.len() {
        1 => String::new(),
        n => format!(" (and {} other {rtype} records)", n - 1),
    };
    out.push(
        Finding::new(
            FindingId::NsecTtl,
            first,
            format!(
                "The {rtype} record at {first} has TTL {ttl}{others}, but RFC 9077 §3 says {rtype} TTLs are the smaller of the SOA TTL and the SOA MINIMUM, here {expected}, or negative answers are cached too long; re-sign with a signer that follows RFC 9077."
            ),
        )
        .rtype(rtype),
    );
}

fn check_nsec(zone: &Zone, out: &mut Vec<Finding>, stats: &mut Stats) {
    // The chain: every name with data that is not glue, in canonical order.
    let chain: Vec<(NameKind, &[Record])> = zone
        .owners()
        .iter()
        .map(|o| (o.kind, zone.records_of(o)))
        .filter(|(k, recs)| *k != NameKind::Occluded && !is_nsec3_owner(zone, *k, recs))
        .collect();
    let mut wrong_ttl: Vec<(&Name, u32)> = Vec::new();
    let negative_ttl = zone.negative_ttl();
    for (i, (kind, records)) in chain.iter().enumerate() {
        let Some(first) = records.first() else {
            continue;
        };
        let owner = &first.owner;
        let nsecs: Vec<&Record> = records.iter().filter(|r| r.rtype == Rtype::NSEC).collect();
        let Some(nsec_record) = nsecs.first() else {
            out.push(
                Finding::new(
                    FindingId::NsecMissing,
                    owner,
                    format!(
                        "{owner} has no NSEC record, but in an NSEC-signed zone every name with data has one (RFC 4035 §2.3), so denials near it cannot be proven; re-sign the zone (did you add the name after signing?)."
                    ),
                )
                .rtype(Rtype::NSEC),
            );
            continue;
        };
        stats.denial_records += nsecs.len();
        if nsecs.len() > 1 {
            out.push(
                Finding::new(
                    FindingId::NsecChainBroken,
                    owner,
                    format!(
                        "{owner} has {} NSEC records, but a name has exactly one (RFC 4034 §4), so the chain is ambiguous; re-sign the zone from unsigned data.",
                        nsecs.len()
                    ),
                )
                .rtype(Rtype::NSEC),
            );
        }
        if nsec_record.ttl != negative_ttl {
            wrong_ttl.push((owner, nsec_record.ttl));
        }
        let Some(nsec) = view::Nsec::parse(&nsec_record.rdata) else {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    owner,
                    format!(
                        "The NSEC record at {owner} cannot be read (RFC 4034 §4.1), so it proves nothing; re-sign the zone."
                    ),
                )
                .rtype(Rtype::NSEC),
            );
            continue;
        };
        let expected_next = &chain[(i + 1) % chain.len()].1[0].owner;
        if !nsec.next.eq_ignore_case(expected_next) {
            out.push(
                Finding::new(
                    FindingId::NsecChainBroken,
                    owner,
                    format!(
                        "The NSEC record at {owner} points to {} as the next name, but the next name in canonical order is {expected_next} (RFC 4034 §4.1.1, §6.1), so the chain has a hole or a loop and wrong denials are provable; re-sign the zone.",
                        nsec.next
                    ),
                )
                .rtype(Rtype::NSEC),
            );
        }
        let types = types_at(records);
        let expected = expected_types(*kind, &types, true);
        if let Some(diff) = bitmap_difference(&nsec.types(), &expected) {
            out.push(
                Finding::new(
                    FindingId::NsecBitmapWrong,
                    owner,
                    format!(
                        "The NSEC type bitmap at {owner} is wrong: {diff}; it must list exactly {} (RFC 4034 §4.1.2, RFC 4035 §2.3), or validators accept false denials or reject real data; re-sign the zone.",
                        type_list(&expected)
                    ),
                )
                .rtype(Rtype::NSEC),
            );
        }
    }
    // NSEC records below a zone cut are not part of this zone's chain.
    for owner in zone.owners() {
        if owner.kind != NameKind::Occluded {
            continue;
        }
        if let Some(r) = zone
            .records_of(owner)
            .iter()
            .find(|r| r.rtype == Rtype::NSEC)
        {
            out.push(
                Finding::new(
                    FindingId::NsecChainBroken,
                    &r.owner,
                    format!(
                        "{} is below a zone cut (glue or occluded), yet it has an NSEC record; such names are not in the zone's chain (RFC 4035 §2.3), so remove it and re-sign.",
                        r.owner
                    ),
                )
                .rtype(Rtype::NSEC),
            );
        }
    }
    ttl_finding(zone, Rtype::NSEC, &wrong_ttl, out);
}

/// One NSEC3 record of the chain.
struct Link<'a> {
    hash: [u8; 20],
    record: &'a Record,
    next: &'a [u8],
    opt_out: bool,
    bitmap: Vec<Rtype>,
    used: bool,
}

fn hash_text(hash: &[u8]) -> String {
    BASE32HEX_NOPAD.encode(hash).to_ascii_lowercase()
}

fn check_nsec3(zone: &Zone, params: &[&Record], out: &mut Vec<Finding>, stats: &mut Stats) {
    let apex = &zone.apex;
    // The parameters: from NSEC3PARAM, else from the first NSEC3.
    let mut chosen: Option<(u8, u16, Vec<u8>)> = None;
    for p in params {
        match view::Nsec3Param::parse(&p.rdata) {
            Some(v) => {
                if chosen.is_none() {
                    chosen = Some((v.hash_algorithm, v.iterations, v.salt.to_vec()));
                }
            }
            None => out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    apex,
                    "The NSEC3PARAM record at the apex cannot be read (RFC 5155 §4.2); re-sign the zone.",
                )
                .rtype(Rtype::NSEC3PARAM),
            ),
        }
    }
    let nsec3_records: Vec<&Record> = zone
        .owners()
        .iter()
        .filter(|o| o.kind != NameKind::Occluded)
        .flat_map(|o| zone.records_of(o))
        .filter(|r| r.rtype == Rtype::NSEC3)
        .collect();
    if params.is_empty() {
        out.push(
            Finding::new(
                FindingId::Nsec3ParamMissing,
                apex,
                "The zone has NSEC3 records but no NSEC3PARAM at the apex, so authoritative servers cannot find the chain's parameters to answer (RFC 5155 §4, §7.3); re-sign the zone with NSEC3 so that the signer adds NSEC3PARAM.",
            )
            .rtype(Rtype::NSEC3PARAM),
        );
        chosen = nsec3_records.iter().find_map(|r| {
            view::Nsec3::parse(&r.rdata).map(|v| (v.hash_algorithm, v.iterations, v.salt.to_vec()))
        });
    }
    let Some((algorithm, iterations, salt)) = chosen else {
        return;
    };
    if algorithm != nsec3::SHA1 {
        out.push(
            Finding::new(
                FindingId::Nsec3HashUnknown,
                apex,
                format!(
                    "The NSEC3 chain uses hash algorithm {algorithm}, but only 1 (SHA-1) is defined (RFC 5155 §11), so no validator can use it; re-sign with hash algorithm 1."
                ),
            )
            .rtype(Rtype::NSEC3PARAM),
        );
        return;
    }
    if iterations > 0 {
        out.push(
            Finding::new(
                FindingId::Nsec3IterationsHigh,
                apex,
                format!(
                    "The NSEC3 chain uses {iterations} extra hash iterations; RFC 9276 §3.1 says to use 0, because more only costs servers and validators CPU, and many validators treat high counts as insecure (RFC 9276 §3.2); re-sign with 0 iterations (dnssec-signzone -3 - -H 0)."
                ),
            )
            .rtype(Rtype::NSEC3PARAM),
        );
    }
    if !salt.is_empty() {
        out.push(
            Finding::new(
                FindingId::Nsec3SaltPresent,
                apex,
                format!(
                    "The NSEC3 chain uses a salt ({} octets); RFC 9276 §3.1 says not to, because a salt adds nothing against zone walking and costs cache space; re-sign with an empty salt (\"-\").",
                    salt.len()
                ),
            )
            .rtype(Rtype::NSEC3PARAM),
        );
    }

    // The chain, in hash order.
    let negative_ttl = zone.negative_ttl();
    let mut wrong_ttl: Vec<(&Name, u32)> = Vec::new();
    let mut links: Vec<Link<'_>> = Vec::with_capacity(nsec3_records.len());
    for r in &nsec3_records {
        stats.denial_records += 1;
        let Some(v) = view::Nsec3::parse(&r.rdata) else {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    &r.owner,
                    format!(
                        "The NSEC3 record at {} cannot be read (RFC 5155 §3.2), so it proves nothing; re-sign the zone.",
                        r.owner
                    ),
                )
                .rtype(Rtype::NSEC3),
            );
            continue;
        };
        if v.hash_algorithm != algorithm || v.iterations != iterations || v.salt != salt.as_slice()
        {
            out.push(
                Finding::new(
                    FindingId::Nsec3ParamMismatch,
                    &r.owner,
                    format!(
                        "The NSEC3 record at {} has hash algorithm {}, {} iterations and a {}-octet salt, but the zone's NSEC3PARAM says {algorithm}, {iterations} and {} octets, so validators cannot use it in the chain (RFC 5155 §4, §7.1); re-sign the zone so all NSEC3 records use the NSEC3PARAM values.",
                        r.owner,
                        v.hash_algorithm,
                        v.iterations,
                        v.salt.len(),
                        salt.len()
                    ),
                )
                .rtype(Rtype::NSEC3),
            );
            continue;
        }
        if r.ttl != negative_ttl {
            wrong_ttl.push((&r.owner, r.ttl));
        }
        let hash = nsec3::hash_of_owner(&r.owner).and_then(|h| <[u8; 20]>::try_from(h).ok());
        let owner_ok = r.owner.parent().is_some_and(|p| p.eq_ignore_case(apex));
        let (Some(hash), true) = (hash, owner_ok) else {
            out.push(
                Finding::new(
                    FindingId::Nsec3ChainBroken,
                    &r.owner,
                    format!(
                        "The NSEC3 record at {} is not at a hashed name (one base32hex SHA-1 label directly below {apex}, RFC 5155 §3), so it cannot be part of the chain; remove it and re-sign.",
                        r.owner
                    ),
                )
                .rtype(Rtype::NSEC3),
            );
            continue;
        };
        if v.next_hashed.len() != 20 {
            out.push(
                Finding::new(
                    FindingId::RdataMalformed,
                    &r.owner,
                    format!(
                        "The NSEC3 record at {} has a {}-octet next hashed owner, but SHA-1 hashes have 20 (RFC 5155 §3.1.7); re-sign the zone.",
                        r.owner,
                        v.next_hashed.len()
                    ),
                )
                .rtype(Rtype::NSEC3),
            );
            continue;
        }
        links.push(Link {
            hash,
            record: r,
            next: v.next_hashed,
            opt_out: v.opt_out(),
            bitmap: v.types(),
            used: false,
        });
    }
    links.sort_by_key(|l| l.hash);
    stats.opt_out = links.iter().any(|l| l.opt_out);
    for pair in links.windows(2) {
        if pair[0].hash == pair[1].hash {
            out.push(
                Finding::new(
                    FindingId::Nsec3ChainBroken,
                    &pair[1].record.owner,
                    format!(
                        "{} has more than one NSEC3 record, but each hashed name has one (RFC 5155 §7.1); re-sign the zone from unsigned data.",
                        pair[1].record.owner
                    ),
                )
                .rtype(Rtype::NSEC3),
            );
        }
    }
    links.dedup_by(|b, a| a.hash == b.hash);
    for (i, link) in links.iter().enumerate() {
        let expected = &links[(i + 1) % links.len()].hash;
        if link.next != expected.as_slice() {
            out.push(
                Finding::new(
                    FindingId::Nsec3ChainBroken,
                    &link.record.owner,
                    format!(
                        "The NSEC3 record at {} says the next hashed name is {}, but the next NSEC3 in hash order is {}, so the chain has a hole or a loop and wrong denials are provable (RFC 5155 §3.1.7, §7.1); re-sign the zone.",
                        link.record.owner,
                        hash_text(link.next),
                        hash_text(expected)
                    ),
                )
                .rtype(Rtype::NSEC3),
            );
        }
    }

    // The names that need an NSEC3: names with data (not glue, not the
    // hashed names themselves) and empty non-terminals. With opt-out,
    // insecure delegations, and empty non-terminals that only lead to
    // them, may go without one (RFC 5155 §6, §7.1).
    struct Wanted<'a> {
        name: Name,
        kind: NameKind,
        records: &'a [Record],
        mandatory: bool,
    }
    let mut wanted: Vec<Wanted<'_>> = Vec::new();
    for o in zone.owners() {
        let records = zone.records_of(o);
        if o.kind == NameKind::Occluded || is_nsec3_owner(zone, o.kind, records) {
            continue;
        }
        let Some(first) = records.first() else {
            continue;
        };
        let insecure =
            o.kind == NameKind::Delegation && !records.iter().any(|r| r.rtype == Rtype::DS);
        wanted.push(Wanted {
            name: first.owner.to_lowercase(),
            kind: o.kind,
            records,
            mandatory: !insecure,
        });
    }
    let ents = zone.empty_non_terminals();
    let ent_set: HashSet<&Name> = ents.iter().collect();
    let mut needed_ents: HashSet<&Name> = HashSet::new();
    for w in wanted.iter().filter(|w| w.mandatory) {
        let mut name = w.name.parent();
        while let Some(n) = name {
            match ent_set.get(&n) {
                Some(ent) if needed_ents.insert(ent) => name = n.parent(),
                _ => break,
            }
        }
    }
    for ent in &ents {
        wanted.push(Wanted {
            name: ent.clone(),
            kind: NameKind::Authoritative,
            records: &[],
            mandatory: needed_ents.contains(ent),
        });
    }
    let hashes: Vec<[u8; 20]> = wanted
        .par_iter()
        .map(|w| nsec3::hash(&w.name, &salt, iterations))
        .collect();
    for (w, hash) in wanted.iter().zip(&hashes) {
        let position = links.binary_search_by_key(hash, |l| l.hash);
        let shown = |name: &Name| {
            if w.records.is_empty() {
                format!("{name} (an empty non-terminal)")
            } else {
                name.to_string()
            }
        };
        match position {
            Ok(at) => {
                links[at].used = true;
                let types = types_at(w.records);
                let expected = expected_types(w.kind, &types, false);
                if let Some(diff) = bitmap_difference(&links[at].bitmap, &expected) {
                    out.push(
                        Finding::new(
                            FindingId::Nsec3BitmapWrong,
                            &w.name,
                            format!(
                                "The NSEC3 type bitmap for {} (at {}) is wrong: {diff}; it must list exactly {} (RFC 5155 §3.1.8, RFC 4035 §2.3), or validators accept false denials or reject real data; re-sign the zone.",
                                shown(&w.name),
                                links[at].record.owner,
                                type_list(&expected)
                            ),
                        )
                        .rtype(Rtype::NSEC3),
                    );
                }
            }
            Err(at) => {
                // The NSEC3 whose interval covers the hash: the previous one,
                // wrapping around the end of the chain.
                let covering = if links.is_empty() {
                    None
                } else {
                    Some(&links[(at + links.len() - 1) % links.len()])
                };
                let covered_by_opt_out = covering.is_some_and(|l| l.opt_out);
                if w.mandatory || !stats.opt_out || !covered_by_opt_out {
                    let why = if w.mandatory || !stats.opt_out {
                        "every name with authoritative data and every empty non-terminal needs one (RFC 5155 §7.1)"
                    } else {
                        "an insecure delegation may go without one only if the NSEC3 covering its hash has the opt-out flag, and this one has not (RFC 5155 §6)"
                    };
                    out.push(
                        Finding::new(
                            FindingId::Nsec3Missing,
                            &w.name,
                            format!(
                                "{} has no NSEC3 record (its hash would be {}.{apex}), but {why}, so denials for it cannot be proven; re-sign the zone (did you add it after signing?).",
                                shown(&w.name),
                                hash_text(hash)
                            ),
                        )
                        .rtype(Rtype::NSEC3),
                    );
                }
            }
        }
    }
    for link in links.iter().filter(|l| !l.used) {
        out.push(
            Finding::new(
                FindingId::Nsec3ChainBroken,
                &link.record.owner,
                format!(
                    "The NSEC3 record at {} matches no name in the zone (a removed name, glue, or a name hashed with other parameters), so it claims data that does not exist (RFC 5155 §7.1); re-sign the zone from unsigned data.",
                    link.record.owner
                ),
            )
            .rtype(Rtype::NSEC3),
        );
    }
    ttl_finding(zone, Rtype::NSEC3, &wrong_ttl, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_bitmaps_follow_rfc4035_and_rfc5155() {
        let t = [Rtype::A, Rtype::TXT];
        assert_eq!(
            expected_types(NameKind::Authoritative, &t, true),
            [Rtype::A, Rtype::TXT, Rtype::RRSIG, Rtype::NSEC]
        );
        assert_eq!(
            expected_types(NameKind::Authoritative, &t, false),
            [Rtype::A, Rtype::TXT, Rtype::RRSIG]
        );
        let cut = [Rtype::A, Rtype::NS];
        assert_eq!(
            expected_types(NameKind::Delegation, &cut, false),
            [Rtype::NS]
        );
        assert_eq!(
            expected_types(NameKind::Delegation, &[Rtype::NS, Rtype::DS], false),
            [Rtype::NS, Rtype::DS, Rtype::RRSIG]
        );
        assert_eq!(
            expected_types(NameKind::Delegation, &cut, true),
            [Rtype::NS, Rtype::RRSIG, Rtype::NSEC]
        );
        assert!(expected_types(NameKind::Authoritative, &[], false).is_empty());
    }

    #[test]
    fn bitmap_difference_names_extra_and_missing() {
        let diff = bitmap_difference(&[Rtype::A, Rtype::MX], &[Rtype::A, Rtype::TXT]).unwrap();
        assert!(diff.contains("MX listed but not present"), "{diff}");
        assert!(diff.contains("TXT present but not listed"), "{diff}");
        assert_eq!(
            bitmap_difference(&[Rtype::TXT, Rtype::A], &[Rtype::A, Rtype::TXT]),
            None
        );
    }
}
