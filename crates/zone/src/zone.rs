//! A zone: its apex and records in zone order, and what each name is.
//!
//! Signer and verifier agree on which data is authoritative through
//! [`Zone::owners`]: at a delegation only DS (and NSEC/NSEC3) is the
//! zone's own (RFC 4035 §2.2), and names below a delegation or a DNAME are
//! glue or occluded data, neither signed nor in the denial chain.

use crate::name::Name;
use crate::rdata::view::Soa;
use crate::record::Record;
use crate::rtype::Rtype;
use std::collections::HashSet;
use std::ops::Range;

/// Why a set of records is not a usable zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("no SOA record at the apex {0}: is --origin right?")]
    NoSoa(Name),
    #[error("{count} SOA records at the apex {apex}; a zone has exactly one")]
    SeveralSoa { apex: Name, count: usize },
    #[error("{owner} is outside the zone {apex}")]
    OutOfZone { owner: Name, apex: Name },
    #[error("no NS records at the apex {0}")]
    NoApexNs(Name),
    #[error("{owner} has a CNAME and other data ({other}), which RFC 1034 §3.6.2 forbids")]
    CnameAndOtherData { owner: Name, other: Rtype },
}

/// What a name is in its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Apex,
    /// Ordinary authoritative data.
    Authoritative,
    /// A zone cut: NS here, data below belongs to the child.
    Delegation,
    /// Below a zone cut or a DNAME: glue or occluded data.
    Occluded,
}

/// The records of one owner name.
#[derive(Debug, Clone)]
pub struct Owner {
    pub kind: NameKind,
    /// Index range into [`Zone::records`].
    pub records: Range<usize>,
}

/// A zone's records in zone order ([`Record::zone_cmp`]), duplicates removed.
#[derive(Debug, Clone)]
pub struct Zone {
    pub apex: Name,
    pub records: Vec<Record>,
    owners: Vec<Owner>,
}

impl Zone {
    /// Sorts, removes duplicate records and classifies names. Checks only
    /// what every later step relies on: one SOA at the apex, nothing
    /// outside the zone.
    pub fn new(apex: Name, mut records: Vec<Record>) -> Result<Zone, ZoneError> {
        if let Some(r) = records.iter().find(|r| !r.owner.is_subdomain_of(&apex)) {
            return Err(ZoneError::OutOfZone {
                owner: r.owner.clone(),
                apex,
            });
        }
        sort_records(&mut records);
        Zone::from_sorted(apex, records)
    }

    /// As [`Zone::new`] for records already in zone order without
    /// duplicates and all within the zone (the signer builds them so).
    pub fn from_sorted(apex: Name, records: Vec<Record>) -> Result<Zone, ZoneError> {
        debug_assert!(
            records.windows(2).all(|w| w[0].zone_cmp(&w[1]).is_lt()),
            "records not in zone order"
        );
        let soa_count = records
            .iter()
            .filter(|r| r.rtype == Rtype::SOA && r.owner.eq_ignore_case(&apex))
            .count();
        match soa_count {
            0 => return Err(ZoneError::NoSoa(apex)),
            1 => {}
            count => return Err(ZoneError::SeveralSoa { apex, count }),
        }
        let owners = classify(&apex, &records);
        Ok(Zone {
            apex,
            records,
            owners,
        })
    }

    pub fn owners(&self) -> &[Owner] {
        &self.owners
    }

    pub fn records_of(&self, owner: &Owner) -> &[Record] {
        &self.records[owner.records.clone()]
    }

    pub fn soa_record(&self) -> &Record {
        // `new` guarantees exactly one SOA at the apex, which sorts first.
        let apex_records = self
            .owners
            .first()
            .map(|o| self.records_of(o))
            .unwrap_or_default();
        apex_records
            .iter()
            .find(|r| r.rtype == Rtype::SOA)
            .unwrap_or(&self.records[0])
    }

    pub fn soa(&self) -> Option<Soa> {
        Soa::parse(&self.soa_record().rdata)
    }

    /// TTL for NSEC/NSEC3 records: min(SOA TTL, SOA MINIMUM), RFC 9077.
    pub fn negative_ttl(&self) -> u32 {
        let soa = self.soa_record();
        self.soa()
            .map(|s| s.minimum.min(soa.ttl))
            .unwrap_or(soa.ttl)
    }

    /// Empty non-terminals: names with no records but with names below
    /// them, not counting names below a zone cut or DNAME.
    pub fn empty_non_terminals(&self) -> Vec<Name> {
        let existing: HashSet<Name> = self
            .owners
            .iter()
            .map(|o| self.records[o.records.start].owner.to_lowercase())
            .collect();
        let mut ents: HashSet<Name> = HashSet::new();
        for owner in &self.owners {
            if owner.kind == NameKind::Occluded {
                continue;
            }
            let mut name = self.records[owner.records.start].owner.to_lowercase();
            while let Some(parent) = name.parent() {
                if !parent.is_subdomain_of(&self.apex)
                    || existing.contains(&parent)
                    || !ents.insert(parent.clone())
                {
                    break;
                }
                name = parent;
            }
        }
        let mut out: Vec<Name> = ents.into_iter().collect();
        out.sort_by(|a, b| a.canonical_cmp(b));
        out
    }
}

/// Zone order, and exact duplicates dropped (the same record twice is one
/// record in DNS, RFC 2181 §5).
pub fn sort_records(records: &mut Vec<Record>) {
    use rayon::slice::ParallelSliceMut;
    records.par_sort_unstable_by(|a, b| a.zone_cmp(b));
    records.dedup_by(|b, a| a.same_rrset(b) && a.rdata == b.rdata);
}

fn classify(apex: &Name, records: &[Record]) -> Vec<Owner> {
    let mut owners: Vec<Owner> = Vec::new();
    let mut cut: Option<Name> = None;
    let mut start = 0;
    while start < records.len() {
        let owner = &records[start].owner;
        let mut end = start + 1;
        while end < records.len() && records[end].owner.eq_ignore_case(owner) {
            end += 1;
        }
        let here = &records[start..end];
        let below_cut = cut
            .as_ref()
            .is_some_and(|c| owner.is_subdomain_of(c) && !owner.eq_ignore_case(c));
        let kind = if owner.eq_ignore_case(apex) {
            NameKind::Apex
        } else if below_cut {
            NameKind::Occluded
        } else if here.iter().any(|r| r.rtype == Rtype::NS) {
            NameKind::Delegation
        } else {
            NameKind::Authoritative
        };
        if !below_cut
            && kind != NameKind::Apex
            && here
                .iter()
                .any(|r| r.rtype == Rtype::NS || r.rtype == Rtype::DNAME)
        {
            cut = Some(owner.clone());
        } else if kind == NameKind::Apex && here.iter().any(|r| r.rtype == Rtype::DNAME) {
            // A DNAME at the apex occludes everything below it.
            cut = Some(owner.clone());
        }
        owners.push(Owner {
            kind,
            records: start..end,
        });
        start = end;
    }
    owners
}

/// Whether records of this type at a name of this kind are the zone's own
/// signed data (RFC 4035 §2.2).
pub fn is_signed_rrset(kind: NameKind, rtype: Rtype) -> bool {
    match kind {
        NameKind::Apex | NameKind::Authoritative => rtype != Rtype::RRSIG,
        NameKind::Delegation => matches!(rtype, Rtype::DS | Rtype::NSEC | Rtype::NSEC3),
        NameKind::Occluded => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{ParseOptions, parse_bytes};

    fn zone(text: &str) -> Zone {
        let apex = Name::parse_absolute("example.").unwrap();
        let opts = ParseOptions {
            origin: Some(apex.clone()),
            default_ttl: Some(300),
        };
        Zone::new(
            apex,
            parse_bytes(text.as_bytes(), "t".as_ref(), &opts).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn classifies_cuts_glue_and_dname() {
        let z = zone(
            "@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nsub NS ns.sub\nsub DS 1 13 2 00\nns.sub A 192.0.2.2\n\
             deep.x.sub A 192.0.2.3\nd DNAME other.\nbelow.d A 192.0.2.4\na.b.c TXT x\n",
        );
        let kinds: Vec<(String, NameKind)> = z
            .owners()
            .iter()
            .map(|o| (z.records[o.records.start].owner.to_string(), o.kind))
            .collect();
        let kind_of = |n: &str| kinds.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
        assert_eq!(kind_of("example."), Some(NameKind::Apex));
        assert_eq!(kind_of("sub.example."), Some(NameKind::Delegation));
        assert_eq!(kind_of("ns.sub.example."), Some(NameKind::Occluded));
        assert_eq!(kind_of("deep.x.sub.example."), Some(NameKind::Occluded));
        assert_eq!(kind_of("d.example."), Some(NameKind::Authoritative));
        assert_eq!(kind_of("below.d.example."), Some(NameKind::Occluded));
        let ents: Vec<String> = z
            .empty_non_terminals()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(ents, ["c.example.", "b.c.example."]);
    }

    #[test]
    fn rejects_zones_without_one_soa_or_with_foreign_names() {
        let apex = Name::parse_absolute("example.").unwrap();
        let opts = ParseOptions {
            origin: Some(apex.clone()),
            default_ttl: Some(300),
        };
        let recs = parse_bytes(b"@ NS ns\n", "t".as_ref(), &opts).unwrap();
        assert!(matches!(
            Zone::new(apex.clone(), recs),
            Err(ZoneError::NoSoa(_))
        ));
        let recs = parse_bytes(
            b"@ SOA ns h 1 2 3 4 5\nx.other. A 1.2.3.4\n",
            "t".as_ref(),
            &opts,
        )
        .unwrap();
        assert!(matches!(
            Zone::new(apex, recs),
            Err(ZoneError::OutOfZone { .. })
        ));
    }
}
