//! The zone store: every served zone indexed for answering.
//!
//! A zone's records stay in zone order ([`Zone`]); an index maps each
//! lowercased owner name (and each empty non-terminal) to its place, the
//! NSEC records are kept in canonical order and the NSEC3 records in hash
//! order, so that every lookup, including the denial proofs of NODATA and
//! NXDOMAIN answers, is a hash probe or a binary search. A [`ZoneSet`] is
//! immutable: a reload builds a new one and swaps it in whole.

use dnslab_zone::rdata::view::{Nsec3, Nsec3Param, Soa};
use dnslab_zone::zone::{NameKind, Owner, Zone, ZoneError};
use dnslab_zone::{Name, Record, Rtype, nsec3};
use std::collections::HashMap;
use std::sync::Arc;

/// A name in the zone: one with records, or an empty non-terminal.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// Index into [`Zone::owners`]; `None` for an empty non-terminal.
    pub owner: Option<usize>,
    pub kind: NameKind,
}

/// An RRset and the RRSIGs over it, as slices of the zone's records.
#[derive(Debug, Clone, Copy)]
pub struct RrsetRef<'z> {
    pub records: &'z [Record],
    pub signatures: &'z [Record],
}

/// NSEC3 parameters of a zone's chain.
#[derive(Debug, Clone)]
pub struct Nsec3Params {
    pub salt: Vec<u8>,
    pub iterations: u16,
}

/// One zone, indexed.
#[derive(Debug)]
pub struct ZoneIndex {
    pub zone: Zone,
    nodes: HashMap<Box<[u8]>, Node>,
    /// Record indexes of the NSEC records, in canonical owner order.
    nsec: Vec<usize>,
    /// (hash, record index) of the NSEC3 records, by hash.
    nsec3: Vec<([u8; 20], usize)>,
    pub nsec3_params: Option<Nsec3Params>,
    soa: Soa,
}

/// Why a zone cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Zone(#[from] ZoneError),
    #[error("zone {0} has no NS records at its apex")]
    NoApexNs(Name),
    #[error("zone {0} has a malformed SOA record")]
    BadSoa(Name),
}

fn lower(name: &Name) -> Box<[u8]> {
    name.as_wire().to_ascii_lowercase().into_boxed_slice()
}

impl ZoneIndex {
    /// Indexes a zone; checks what serving needs (SOA and NS at the apex).
    pub fn new(zone: Zone) -> Result<ZoneIndex, StoreError> {
        let soa = Soa::parse(&zone.soa_record().rdata)
            .ok_or_else(|| StoreError::BadSoa(zone.apex.clone()))?;
        let mut nodes = HashMap::with_capacity(zone.owners().len() + 16);
        let mut nsec = Vec::new();
        let mut nsec3 = Vec::new();
        let mut nsec3_params = None;
        for (i, owner) in zone.owners().iter().enumerate() {
            let records = zone.records_of(owner);
            nodes.insert(
                lower(&records[0].owner),
                Node {
                    owner: Some(i),
                    kind: owner.kind,
                },
            );
            for (offset, r) in records.iter().enumerate() {
                let at = owner.records.start + offset;
                match r.rtype {
                    Rtype::NSEC if owner.kind != NameKind::Occluded => nsec.push(at),
                    Rtype::NSEC3 => {
                        if let Some(h) = nsec3::hash_of_owner(&r.owner)
                            .and_then(|h| <[u8; 20]>::try_from(h).ok())
                        {
                            nsec3.push((h, at));
                        }
                    }
                    Rtype::NSEC3PARAM if owner.kind == NameKind::Apex => {
                        if let Some(p) = Nsec3Param::parse(&r.rdata) {
                            nsec3_params = Some(Nsec3Params {
                                salt: p.salt.to_vec(),
                                iterations: p.iterations,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        let apex_has_ns = zone
            .owners()
            .first()
            .is_some_and(|o| zone.records_of(o).iter().any(|r| r.rtype == Rtype::NS));
        if !apex_has_ns {
            return Err(StoreError::NoApexNs(zone.apex.clone()));
        }
        // Without an NSEC3PARAM, take the parameters of the chain itself.
        if nsec3_params.is_none()
            && let Some(&(_, at)) = nsec3.first()
            && let Some(p) = Nsec3::parse(&zone.records[at].rdata)
        {
            nsec3_params = Some(Nsec3Params {
                salt: p.salt.to_vec(),
                iterations: p.iterations,
            });
        }
        for ent in zone.empty_non_terminals() {
            nodes.entry(lower(&ent)).or_insert(Node {
                owner: None,
                kind: NameKind::Authoritative,
            });
        }
        nsec3.sort_by_key(|e| e.0);
        Ok(ZoneIndex {
            zone,
            nodes,
            nsec,
            nsec3,
            nsec3_params,
            soa,
        })
    }

    pub fn apex(&self) -> &Name {
        &self.zone.apex
    }

    pub fn soa(&self) -> &Soa {
        &self.soa
    }

    /// The node for a lowercased wire name.
    pub fn node(&self, lower_wire: &[u8]) -> Option<Node> {
        self.nodes.get(lower_wire).copied()
    }

    pub fn owner(&self, node: Node) -> Option<&Owner> {
        node.owner.and_then(|i| self.zone.owners().get(i))
    }

    /// The RRset of `rtype` at a node, with its signatures.
    pub fn rrset(&self, node: Node, rtype: Rtype) -> Option<RrsetRef<'_>> {
        let owner = self.owner(node)?;
        let records = self.zone.records_of(owner);
        let start = records.iter().position(|r| r.rtype == rtype)?;
        let mut end = start;
        while end < records.len() && records[end].rtype == rtype {
            end += 1;
        }
        let mut sig_end = end;
        while sig_end < records.len() && records[sig_end].covered_type() == Some(rtype) {
            sig_end += 1;
        }
        Some(RrsetRef {
            records: &records[start..end],
            signatures: &records[end..sig_end],
        })
    }

    /// All records at a node (RRSIG queries take every signature there).
    pub fn signatures_at(&self, node: Node) -> &[Record] {
        self.owner(node)
            .map(|o| self.zone.records_of(o))
            .unwrap_or_default()
    }

    /// Every RRset at a node except RRSIGs, in zone order (for ANY).
    pub fn rrsets(&self, node: Node) -> Vec<RrsetRef<'_>> {
        let Some(owner) = self.owner(node) else {
            return Vec::new();
        };
        let records = self.zone.records_of(owner);
        let mut out = Vec::new();
        let mut i = 0;
        while i < records.len() {
            let rtype = records[i].rtype;
            if rtype == Rtype::RRSIG {
                i += 1;
                continue;
            }
            if let Some(set) = self.rrset(node, rtype) {
                i += set.records.len() + set.signatures.len();
                out.push(set);
            } else {
                i += 1;
            }
        }
        out
    }

    pub fn uses_nsec3(&self) -> bool {
        !self.nsec3.is_empty()
    }

    /// The NSEC record whose owner is `name` or the last one before it in
    /// canonical order: it matches or covers `name`.
    pub fn nsec_for(&self, name: &Name) -> Option<RrsetRef<'_>> {
        if self.nsec.is_empty() {
            return None;
        }
        let records = &self.zone.records;
        let pos = self
            .nsec
            .partition_point(|&at| records[at].owner.canonical_cmp(name).is_le());
        let at = self.nsec[if pos == 0 {
            self.nsec.len() - 1
        } else {
            pos - 1
        }];
        Some(self.single_with_sigs(at))
    }

    /// The NSEC3 record matching `name`'s hash, if any.
    pub fn nsec3_match(&self, name: &Name) -> Option<RrsetRef<'_>> {
        let params = self.nsec3_params.as_ref()?;
        let hash = nsec3::hash(name, &params.salt, params.iterations);
        let i = self.nsec3.binary_search_by(|e| e.0.cmp(&hash)).ok()?;
        Some(self.single_with_sigs(self.nsec3[i].1))
    }

    /// The NSEC3 record covering `name`'s hash (the one before it, wrapping).
    pub fn nsec3_cover(&self, name: &Name) -> Option<RrsetRef<'_>> {
        let params = self.nsec3_params.as_ref()?;
        if self.nsec3.is_empty() {
            return None;
        }
        let hash = nsec3::hash(name, &params.salt, params.iterations);
        let pos = self.nsec3.partition_point(|e| e.0 < hash);
        let i = if pos == 0 {
            self.nsec3.len() - 1
        } else {
            pos - 1
        };
        Some(self.single_with_sigs(self.nsec3[i].1))
    }

    /// A one-record RRset (NSEC, NSEC3) at a record index with its RRSIGs.
    fn single_with_sigs(&self, at: usize) -> RrsetRef<'_> {
        let records = &self.zone.records;
        let rtype = records[at].rtype;
        let mut end = at + 1;
        while end < records.len()
            && records[end].rtype == rtype
            && records[end].owner == records[at].owner
        {
            end += 1;
        }
        let mut sig_end = end;
        while sig_end < records.len() && records[sig_end].covered_type() == Some(rtype) {
            sig_end += 1;
        }
        RrsetRef {
            records: &records[at..end],
            signatures: &records[end..sig_end],
        }
    }
}

/// All served zones, found by the closest enclosing apex.
#[derive(Debug, Default)]
pub struct ZoneSet {
    zones: HashMap<Box<[u8]>, Arc<ZoneIndex>>,
}

impl ZoneSet {
    pub fn new(zones: impl IntoIterator<Item = Arc<ZoneIndex>>) -> ZoneSet {
        ZoneSet {
            zones: zones.into_iter().map(|z| (lower(z.apex()), z)).collect(),
        }
    }

    pub fn zones(&self) -> impl Iterator<Item = &Arc<ZoneIndex>> {
        self.zones.values()
    }

    /// The zone with exactly this (lowercased wire) apex.
    pub fn get(&self, lower_apex: &[u8]) -> Option<&Arc<ZoneIndex>> {
        self.zones.get(lower_apex)
    }

    /// The zone whose apex is the longest suffix of `lower_qname`, skipping
    /// the first `skip_labels` labels (1 to look from the parent, for DS).
    pub fn closest(&self, lower_qname: &[u8], skip_labels: usize) -> Option<&Arc<ZoneIndex>> {
        let mut at = 0usize;
        let mut skipped = 0;
        loop {
            if skipped >= skip_labels
                && let Some(z) = self.zones.get(&lower_qname[at..])
            {
                return Some(z);
            }
            let len = *lower_qname.get(at)? as usize;
            if len == 0 {
                return None;
            }
            at += len + 1;
            skipped += 1;
        }
    }
}
