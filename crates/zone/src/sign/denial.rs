//! Authenticated denial of existence: NSEC (RFC 4034 §4) and NSEC3
//! (RFC 5155 §7.1) chains for a zone.

use super::SignError;
use crate::name::Name;
use crate::nsec3;
use crate::rdata::encode_type_bitmap;
use crate::record::Record;
use crate::rtype::Rtype;
use crate::zone::{NameKind, Zone};
use rayon::prelude::*;

/// NSEC3 parameters. Defaults follow RFC 9276: no extra iterations, no salt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nsec3Config {
    pub iterations: u16,
    pub salt: Vec<u8>,
    /// Leave insecure delegations (NS without DS) out of the chain.
    pub opt_out: bool,
}

/// How the zone proves that names and types do not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    Nsec,
    Nsec3(Nsec3Config),
}

/// The types a name's NSEC/NSEC3 bitmap lists (before NSEC/RRSIG are
/// added): all of them at authoritative names, only NS and DS at a cut.
fn types_at(kind: NameKind, records: &[Record]) -> Vec<Rtype> {
    let mut types: Vec<Rtype> = records
        .iter()
        .map(|r| r.rtype)
        .filter(|&t| kind != NameKind::Delegation || matches!(t, Rtype::NS | Rtype::DS))
        .collect();
    types.dedup();
    types
}

fn has_ds(records: &[Record]) -> bool {
    records.iter().any(|r| r.rtype == Rtype::DS)
}

/// NSEC records for every name that is not glue or occluded.
pub fn nsec_chain(zone: &Zone) -> Vec<Record> {
    let ttl = zone.negative_ttl();
    let names: Vec<(&Name, Vec<Rtype>)> = zone
        .owners()
        .iter()
        .filter(|o| o.kind != NameKind::Occluded)
        .map(|o| {
            let records = zone.records_of(o);
            let mut types = types_at(o.kind, records);
            types.push(Rtype::NSEC);
            // Every NSEC is signed, so RRSIG is present at every name.
            types.push(Rtype::RRSIG);
            (&records[0].owner, types)
        })
        .collect();
    let mut out = Vec::with_capacity(names.len());
    for (i, (owner, types)) in names.iter().enumerate() {
        let next = names.get(i + 1).map(|n| n.0).unwrap_or(&zone.apex);
        let mut rdata = next.as_wire().to_vec();
        encode_type_bitmap(types, &mut rdata);
        out.push(Record::new((*owner).clone(), Rtype::NSEC, ttl, rdata));
    }
    out
}

/// NSEC3 records (and the NSEC3PARAM) for the zone.
pub fn nsec3_chain(zone: &Zone, config: &Nsec3Config) -> Result<Vec<Record>, SignError> {
    let ttl = zone.negative_ttl();
    let mut pending: Vec<(&Name, Vec<Rtype>)> = Vec::with_capacity(zone.owners().len());
    for o in zone
        .owners()
        .iter()
        .filter(|o| o.kind != NameKind::Occluded)
    {
        let records = zone.records_of(o);
        let insecure_cut = o.kind == NameKind::Delegation && !has_ds(records);
        if insecure_cut && config.opt_out {
            continue;
        }
        let mut types = types_at(o.kind, records);
        if !insecure_cut {
            types.push(Rtype::RRSIG);
        }
        if o.kind == NameKind::Apex {
            types.push(Rtype::NSEC3PARAM);
        }
        pending.push((&records[0].owner, types));
    }
    let ents = zone.empty_non_terminals();
    pending.extend(ents.iter().map(|ent| (ent, Vec::new())));
    // Hashing is the costly part with many names: spread it over the cores.
    let mut entries: Vec<([u8; 20], &Name, Vec<Rtype>)> = pending
        .into_par_iter()
        .map(|(owner, types)| {
            (
                nsec3::hash(owner, &config.salt, config.iterations),
                owner,
                types,
            )
        })
        .collect();
    entries.sort_by_key(|e| e.0);
    if let Some(pair) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(SignError::Nsec3Collision {
            first: pair[0].1.clone(),
            second: pair[1].1.clone(),
        });
    }
    let flags = u8::from(config.opt_out);
    let mut out = Vec::with_capacity(entries.len() + 1);
    for (i, (hash, _, types)) in entries.iter().enumerate() {
        let next = &entries[(i + 1) % entries.len()].0;
        let mut rdata = Vec::with_capacity(48 + config.salt.len());
        rdata.extend_from_slice(&[nsec3::SHA1, flags]);
        rdata.extend_from_slice(&config.iterations.to_be_bytes());
        rdata.push(config.salt.len() as u8);
        rdata.extend_from_slice(&config.salt);
        rdata.push(20);
        rdata.extend_from_slice(next);
        encode_type_bitmap(types, &mut rdata);
        let owner = nsec3::hashed_owner(hash, &zone.apex)?;
        out.push(Record::new(owner, Rtype::NSEC3, ttl, rdata));
    }
    let mut param = vec![nsec3::SHA1, 0];
    param.extend_from_slice(&config.iterations.to_be_bytes());
    param.push(config.salt.len() as u8);
    param.extend_from_slice(&config.salt);
    // TTL 0 like BIND and Knot: the record is for the zone's own servers.
    out.push(Record::new(zone.apex.clone(), Rtype::NSEC3PARAM, 0, param));
    Ok(out)
}
