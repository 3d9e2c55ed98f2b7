//! What an authoritative server answers (RFC 1034 §4.3.2, RFC 2308,
//! RFC 4035 §3.1, RFC 5155 §7.2, RFC 6672).
//!
//! [`answer`] turns a [`Query`] into an [`Answer`]: response code, AA flag
//! and the records of each section, borrowed from the zone store where
//! possible. It knows nothing of the wire; [`crate::wire`] encodes the
//! result, with compression and truncation.
//!
//! The lookup walks from the zone apex down the query name, one label at a
//! time, through the store's name index, stopping at a zone cut (a
//! referral), a DNAME (a synthesised CNAME) or the deepest existing name.
//! What follows is the RFC 1034 algorithm with DNSSEC's additions: RRSIGs
//! for every RRset when the query has DO set, and NSEC or NSEC3 proofs for
//! NXDOMAIN, NODATA, wildcard answers and referrals without DS.

use crate::query::Query;
use crate::store::{Node, RrsetRef, ZoneIndex, ZoneSet};
use dnslab_zone::zone::NameKind;
use dnslab_zone::{Name, Record, Rtype};
use std::sync::Arc;

/// Response codes dnslab sends (extended codes above 15 need EDNS).
pub mod rcode {
    pub const NOERROR: u16 = 0;
    pub const FORMERR: u16 = 1;
    pub const SERVFAIL: u16 = 2;
    pub const NXDOMAIN: u16 = 3;
    pub const NOTIMP: u16 = 4;
    pub const REFUSED: u16 = 5;
    pub const YXDOMAIN: u16 = 6;
    pub const BADVERS: u16 = 16;
}

/// A record in an answer: borrowed from the store, or made for this
/// answer (a wildcard expansion, a CNAME synthesised from a DNAME).
#[derive(Debug, Clone)]
pub enum Rr<'z> {
    Zone(&'z Record),
    Made(Record),
}

impl Rr<'_> {
    pub fn record(&self) -> &Record {
        match self {
            Rr::Zone(r) => r,
            Rr::Made(r) => r,
        }
    }
}

/// The content of a response, before encoding.
#[derive(Debug, Clone, Default)]
pub struct Answer<'z> {
    pub rcode: u16,
    pub authoritative: bool,
    pub answer: Vec<Rr<'z>>,
    pub authority: Vec<Rr<'z>>,
    pub additional: Vec<Rr<'z>>,
    /// The first this many additional records must fit, or the response is
    /// truncated (in-bailiwick glue, RFC 9471); the rest may be left out.
    pub required_additional: usize,
    /// The zone that answered, for logging and AXFR.
    pub zone: Option<Arc<ZoneIndex>>,
}

impl<'z> Answer<'z> {
    fn with_rcode(rcode: u16) -> Self {
        Answer {
            rcode,
            ..Answer::default()
        }
    }
}

/// The longest CNAME chain followed inside a zone.
const MAX_CNAME_HOPS: usize = 8;

/// Answers a query from the served zones.
pub fn answer<'z>(zones: &'z ZoneSet, query: &Query) -> Answer<'z> {
    if query.edns.is_some_and(|e| e.version > 0) {
        return Answer::with_rcode(rcode::BADVERS);
    }
    // Class IN only; ANY (255) is accepted as IN.
    if query.qclass != 1 && query.qclass != 255 {
        return Answer::with_rcode(rcode::REFUSED);
    }
    if matches!(query.qtype.0, 251 | 252) {
        // IXFR and AXFR are served over TCP by the transfer code.
        return Answer::with_rcode(rcode::FORMERR);
    }
    let lower = query.qname.to_lowercase();
    let Some(zone) = pick_zone(zones, lower.as_wire(), query.qtype) else {
        return Answer::with_rcode(rcode::REFUSED);
    };
    let mut out = Answer {
        authoritative: true,
        zone: Some(zone.clone()),
        ..Answer::default()
    };
    let mut name = query.qname.clone();
    let mut seen: Vec<Name> = Vec::new();
    let mut zone = zone;
    for hop in 0..MAX_CNAME_HOPS {
        let lower = name.to_lowercase();
        if hop > 0 {
            // A CNAME may lead into another zone this server holds.
            match pick_zone(zones, lower.as_wire(), query.qtype) {
                Some(z) => zone = z,
                None => break,
            }
        }
        let mut step = Lookup {
            zone,
            dnssec: query.dnssec_ok(),
            qtype: query.qtype,
            following: hop > 0,
            out: &mut out,
        };
        match step.run(&name, lower.as_wire()) {
            Some(target) if !seen.iter().any(|n| n.eq_ignore_case(&target)) => {
                seen.push(name);
                name = target;
            }
            _ => break,
        }
    }
    out
}

/// The zone that answers: the closest enclosing one, except that DS at a
/// zone's apex comes from the parent when the parent is served too
/// (RFC 4035 §3.1.4.1).
fn pick_zone<'z>(
    zones: &'z ZoneSet,
    lower_qname: &[u8],
    qtype: Rtype,
) -> Option<&'z Arc<ZoneIndex>> {
    if qtype == Rtype::DS
        && zones.get(lower_qname).is_some()
        && let Some(parent) = zones.closest(lower_qname, 1)
    {
        return Some(parent);
    }
    zones.closest(lower_qname, 0)
}

struct Lookup<'a, 'z> {
    zone: &'z ZoneIndex,
    dnssec: bool,
    qtype: Rtype,
    /// Looking up a CNAME target: the answer's AA flag is already decided.
    following: bool,
    out: &'a mut Answer<'z>,
}

/// Label start offsets of a wire name, leftmost first.
fn label_offsets(wire: &[u8]) -> Vec<usize> {
    let mut out = Vec::with_capacity(8);
    let mut at = 0;
    while at < wire.len() && wire[at] != 0 {
        out.push(at);
        at += wire[at] as usize + 1;
    }
    out
}

impl<'z> Lookup<'_, 'z> {
    /// One step of the lookup; returns a CNAME target to follow.
    fn run(&mut self, qname: &Name, lower: &[u8]) -> Option<Name> {
        let zone = self.zone;
        let offsets = label_offsets(lower);
        let q_labels = offsets.len();
        let apex_labels = zone.apex().label_count();
        let suffix = |labels: usize| {
            &lower[offsets
                .get(q_labels - labels)
                .copied()
                .unwrap_or(lower.len() - 1)..]
        };
        let apex_node = zone.node(suffix(apex_labels))?;
        let mut closest = (apex_labels, apex_node);
        for labels in apex_labels + 1..=q_labels {
            let Some(node) = zone.node(suffix(labels)) else {
                break;
            };
            closest = (labels, node);
            let at_qname = labels == q_labels;
            if node.kind == NameKind::Delegation && !(at_qname && self.qtype == Rtype::DS) {
                self.referral(node);
                return None;
            }
            if !at_qname && let Some(dname) = zone.rrset(node, Rtype::DNAME) {
                return self.dname(qname, labels, dname);
            }
        }
        let (ce_labels, node) = closest;
        if ce_labels == q_labels {
            return self.existing(qname, node);
        }
        let ce = Name::from_wire(suffix(ce_labels)).ok()?;
        let mut wildcard_wire = vec![1u8, b'*'];
        wildcard_wire.extend_from_slice(suffix(ce_labels));
        match zone.node(&wildcard_wire) {
            Some(wild) if wild.owner.is_some() => self.wildcard(qname, &ce, wild),
            _ => {
                self.nxdomain(qname, &ce);
                None
            }
        }
    }

    fn push_set(section: &mut Vec<Rr<'z>>, set: RrsetRef<'z>, dnssec: bool) {
        section.extend(set.records.iter().map(Rr::Zone));
        if dnssec {
            section.extend(set.signatures.iter().map(Rr::Zone));
        }
    }

    /// The records of a set with another owner (wildcard expansion).
    fn push_set_as(section: &mut Vec<Rr<'z>>, set: RrsetRef<'z>, owner: &Name, dnssec: bool) {
        let rename = |r: &Record| {
            Rr::Made(Record {
                owner: owner.clone(),
                ..r.clone()
            })
        };
        section.extend(set.records.iter().map(rename));
        if dnssec {
            section.extend(set.signatures.iter().map(rename));
        }
    }

    fn push_unique(&mut self, set: RrsetRef<'z>) {
        let present = self
            .out
            .authority
            .iter()
            .any(|rr| matches!(rr, Rr::Zone(r) if std::ptr::eq(*r, &set.records[0])));
        if !present {
            Self::push_set(&mut self.out.authority, set, true);
        }
    }

    /// SOA for a negative answer, with the TTL RFC 2308 §3 asks for:
    /// min(SOA TTL, SOA MINIMUM).
    fn negative_soa(&mut self) {
        let zone = self.zone;
        let Some(apex) = zone.node(zone.apex().to_lowercase().as_wire()) else {
            return;
        };
        let Some(set) = zone.rrset(apex, Rtype::SOA) else {
            return;
        };
        let ttl = zone.soa().minimum.min(set.records[0].ttl);
        let with_ttl = |r: &'z Record| {
            if r.ttl == ttl {
                Rr::Zone(r)
            } else {
                Rr::Made(Record { ttl, ..r.clone() })
            }
        };
        self.out.authority.extend(set.records.iter().map(with_ttl));
        if self.dnssec {
            // The RRSIG's TTL follows its RRset's; its original TTL field stays.
            self.out
                .authority
                .extend(set.signatures.iter().map(with_ttl));
        }
    }

    fn existing(&mut self, qname: &Name, node: Node) -> Option<Name> {
        let zone = self.zone;
        if node.owner.is_none() {
            self.nodata(qname, node);
            return None;
        }
        if self.qtype.0 == 255 {
            for set in zone.rrsets(node) {
                Self::push_set(&mut self.out.answer, set, self.dnssec);
            }
            return None;
        }
        if self.qtype == Rtype::RRSIG {
            // Every signature at the name (there is no single RRSIG RRset).
            let sigs = zone.signatures_at(node);
            if !sigs.is_empty() {
                self.out.answer.extend(
                    sigs.iter()
                        .filter(|r| r.rtype == Rtype::RRSIG)
                        .map(Rr::Zone),
                );
                return None;
            }
        } else if let Some(set) = zone.rrset(node, self.qtype) {
            Self::push_set(&mut self.out.answer, set, self.dnssec);
            if self.qtype == Rtype::NS {
                self.name_server_addresses(set);
            }
            return None;
        }
        if node.kind != NameKind::Delegation
            && let Some(cname) = zone.rrset(node, Rtype::CNAME)
        {
            Self::push_set(&mut self.out.answer, cname, self.dnssec);
            return self.follow(&cname.records[0]);
        }
        self.nodata(qname, node);
        None
    }

    /// NODATA: SOA, and the record proving the type is absent.
    fn nodata(&mut self, qname: &Name, node: Node) {
        self.negative_soa();
        if !self.dnssec {
            return;
        }
        let zone = self.zone;
        if zone.uses_nsec3() {
            match zone.nsec3_match(qname) {
                Some(m) => self.push_unique(m),
                // An insecure delegation left out by opt-out (DS query):
                // the closest provable encloser proof (RFC 5155 §7.2.4).
                None => self.closest_encloser_proof(qname),
            }
        } else {
            let own = if node.owner.is_some() {
                zone.rrset(node, Rtype::NSEC)
            } else {
                None
            };
            if let Some(set) = own.or_else(|| zone.nsec_for(qname)) {
                self.push_unique(set);
            }
        }
    }

    /// NSEC3 proof that the closest provable encloser of `name` exists and
    /// the next closer name does not.
    fn closest_encloser_proof(&mut self, name: &Name) {
        let zone = self.zone;
        let mut next_closer = name.clone();
        let mut candidate = name.parent();
        while let Some(ce) = candidate {
            if !ce.is_subdomain_of(zone.apex()) {
                return;
            }
            if let Some(m) = zone.nsec3_match(&ce) {
                self.push_unique(m);
                if let Some(c) = zone.nsec3_cover(&next_closer) {
                    self.push_unique(c);
                }
                return;
            }
            next_closer = ce.clone();
            candidate = ce.parent();
        }
    }

    fn nxdomain(&mut self, qname: &Name, ce: &Name) {
        self.out.rcode = rcode::NXDOMAIN;
        self.negative_soa();
        if !self.dnssec {
            return;
        }
        let zone = self.zone;
        let Ok(wildcard) = ce.wildcard() else { return };
        if zone.uses_nsec3() {
            self.nsec3_no_name(qname, ce);
            if let Some(c) = zone.nsec3_cover(&wildcard) {
                self.push_unique(c);
            }
        } else {
            for name in [qname, &wildcard] {
                if let Some(set) = zone.nsec_for(name) {
                    self.push_unique(set);
                }
            }
        }
    }

    /// NSEC3 closest encloser match and next closer cover.
    fn nsec3_no_name(&mut self, qname: &Name, ce: &Name) {
        let zone = self.zone;
        if let Some(m) = zone.nsec3_match(ce) {
            self.push_unique(m);
        }
        let strip = qname.label_count().saturating_sub(ce.label_count() + 1);
        if let Some(next_closer) = qname.strip_left(strip)
            && let Some(c) = zone.nsec3_cover(&next_closer)
        {
            self.push_unique(c);
        }
    }

    fn wildcard(&mut self, qname: &Name, ce: &Name, wild: Node) -> Option<Name> {
        let zone = self.zone;
        let dnssec = self.dnssec;
        if self.qtype == Rtype::RRSIG {
            let sigs = zone
                .signatures_at(wild)
                .iter()
                .filter(|r| r.rtype == Rtype::RRSIG);
            self.out.answer.extend(sigs.map(|r| {
                Rr::Made(Record {
                    owner: qname.clone(),
                    ..r.clone()
                })
            }));
            if dnssec {
                self.wildcard_answer_proof(qname, ce);
            }
            return None;
        }
        let set = zone.rrset(wild, self.qtype);
        let cname = if set.is_none() {
            zone.rrset(wild, Rtype::CNAME)
        } else {
            None
        };
        match set.or(cname) {
            Some(found) => {
                Self::push_set_as(&mut self.out.answer, found, qname, dnssec);
                if dnssec {
                    self.wildcard_answer_proof(qname, ce);
                }
                if cname.is_some() {
                    self.follow(&found.records[0])
                } else {
                    None
                }
            }
            None => {
                // Wildcard NODATA (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5).
                self.negative_soa();
                if dnssec {
                    if zone.uses_nsec3() {
                        self.nsec3_no_name(qname, ce);
                        if let Some(m) = ce.wildcard().ok().and_then(|w| zone.nsec3_match(&w)) {
                            self.push_unique(m);
                        }
                    } else {
                        if let Some(c) = zone.nsec_for(qname) {
                            self.push_unique(c);
                        }
                        if let Some(m) = zone.rrset(wild, Rtype::NSEC) {
                            self.push_unique(m);
                        }
                    }
                }
                None
            }
        }
    }

    /// With a wildcard answer, the proof that the query name itself does
    /// not exist (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6).
    fn wildcard_answer_proof(&mut self, qname: &Name, ce: &Name) {
        let zone = self.zone;
        if zone.uses_nsec3() {
            let strip = qname.label_count().saturating_sub(ce.label_count() + 1);
            if let Some(c) = qname.strip_left(strip).and_then(|nc| zone.nsec3_cover(&nc)) {
                self.push_unique(c);
            }
        } else if let Some(c) = zone.nsec_for(qname) {
            self.push_unique(c);
        }
    }

    /// A referral to the child zone (RFC 4035 §3.1.4): NS, and DS or the
    /// proof that there is none; glue in the additional section.
    fn referral(&mut self, cut: Node) {
        let zone = self.zone;
        if !self.following {
            self.out.authoritative = false;
        }
        let Some(ns) = zone.rrset(cut, Rtype::NS) else {
            return;
        };
        Self::push_set(&mut self.out.authority, ns, false);
        let cut_name = ns.records[0].owner.clone();
        if let Some(ds) = zone.rrset(cut, Rtype::DS) {
            Self::push_set(&mut self.out.authority, ds, self.dnssec);
        } else if self.dnssec {
            if zone.uses_nsec3() {
                match zone.nsec3_match(&cut_name) {
                    Some(m) => self.push_unique(m),
                    None => self.closest_encloser_proof(&cut_name),
                }
            } else if let Some(nsec) = zone.rrset(cut, Rtype::NSEC) {
                self.push_unique(nsec);
            }
        }
        // Glue: in-domain addresses must fit (RFC 9471 §2), sibling glue
        // may be dropped.
        let mut required = Vec::new();
        let mut optional = Vec::new();
        self.for_each_ns_address(ns, |target, set, signed| {
            let dest = if target.is_subdomain_of(&cut_name) {
                &mut required
            } else {
                &mut optional
            };
            Self::push_set(dest, set, signed);
        });
        self.out.required_additional = required.len();
        self.out.additional.extend(required);
        self.out.additional.extend(optional);
    }

    /// Addresses of the name servers in an NS answer, when this zone has
    /// them (RFC 1034 §4.3.2 step 6). Answers stay otherwise minimal, as
    /// NSD's with `minimal-responses: yes`: no addresses for MX or SRV.
    fn name_server_addresses(&mut self, set: RrsetRef<'z>) {
        let mut found = Vec::new();
        self.for_each_ns_address(set, |_, addrs, signed| {
            Self::push_set(&mut found, addrs, signed)
        });
        self.out.additional.extend(found);
    }

    /// Calls `f(target, addresses, signed)` for the A, then the AAAA, RRsets
    /// this zone holds for the targets of an NS RRset (A before AAAA, like
    /// NSD). Glue below a cut is unsigned; addresses of authoritative names
    /// carry their RRSIGs when DO is set.
    fn for_each_ns_address(&self, ns: RrsetRef<'z>, mut f: impl FnMut(&Name, RrsetRef<'z>, bool)) {
        let zone = self.zone;
        let targets: Vec<Name> = ns
            .records
            .iter()
            .filter_map(|r| Name::read_wire(&r.rdata).ok().map(|(n, _)| n))
            .filter(|t| t.is_subdomain_of(zone.apex()))
            .collect();
        for rtype in [Rtype::A, Rtype::AAAA] {
            for target in &targets {
                let Some(node) = zone.node(target.to_lowercase().as_wire()) else {
                    continue;
                };
                if let Some(set) = zone.rrset(node, rtype) {
                    f(target, set, node.kind != NameKind::Occluded && self.dnssec);
                }
            }
        }
    }

    /// DNAME: the DNAME, a synthesised CNAME (RFC 6672 §3.1), and the new
    /// name to follow.
    fn dname(&mut self, qname: &Name, dname_labels: usize, set: RrsetRef<'z>) -> Option<Name> {
        Self::push_set(&mut self.out.answer, set, self.dnssec);
        let dname = &set.records[0];
        let Ok((target, _)) = Name::read_wire(&dname.rdata) else {
            return None;
        };
        let keep = qname.label_count() - dname_labels;
        let prefix_len: usize = qname.labels().take(keep).map(|l| l.len() + 1).sum();
        let mut wire = qname.as_wire()[..prefix_len].to_vec();
        wire.extend_from_slice(target.as_wire());
        let Ok(new_name) = Name::from_wire(&wire) else {
            self.out.rcode = rcode::YXDOMAIN;
            return None;
        };
        let cname = Record {
            owner: qname.clone(),
            rtype: Rtype::CNAME,
            class: dname.class,
            ttl: dname.ttl,
            rdata: wire.into(),
        };
        self.out.answer.push(Rr::Made(cname));
        (self.qtype != Rtype::CNAME).then_some(new_name)
    }

    /// The target of a CNAME to look up next, unless the query asked for
    /// the CNAME itself.
    fn follow(&self, cname: &Record) -> Option<Name> {
        if self.qtype == Rtype::CNAME {
            None
        } else {
            cname_target(cname)
        }
    }
}

fn cname_target(record: &Record) -> Option<Name> {
    Name::read_wire(&record.rdata).ok().map(|(n, _)| n)
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
