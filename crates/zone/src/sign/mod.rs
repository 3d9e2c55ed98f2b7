//! The zone signer.
//!
//! # Background
//! Signing adds, to an unsigned zone: the DNSKEY RRset (and CDS/CDNSKEY
//! for keys whose SyncPublish time has come), an NSEC or NSEC3 chain, and an
//! RRSIG over every authoritative RRset from every algorithm in use
//! (RFC 4035 §2). Glue and delegation NS records stay unsigned; DS records
//! at delegations are signed.
//!
//! # Usage
//! [`sign_zone`] takes the zone's records, its keys ([`crate::keys::Key`])
//! and a [`SignConfig`]. Keys are used the way `dnssec-signzone -S` does:
//! a key is published when its timing metadata says so, signs when active,
//! and its role follows its SEP flag: SEP keys (KSKs) sign DNSKEY, CDS and
//! CDNSKEY, the others (ZSKs) the rest. An algorithm with only SEP keys
//! signs everything with them (a CSK); one with only ZSKs also signs the
//! DNSKEY RRset. Several algorithms at once are signed independently
//! (algorithm rollovers need that).
//!
//! Re-signing a signed zone first strips RRSIG, NSEC, NSEC3 and
//! NSEC3PARAM records, and the DNSKEY, CDS and CDNSKEY records of the keys
//! given; DNSKEYs of other signers are kept.
//!
//! TTLs: RRSIG TTL = the RRset's TTL; NSEC/NSEC3 TTL = min(SOA TTL, SOA
//! MINIMUM) (RFC 9077).
//!
//! Signing runs on all cores (rayon), in batches of RRsets, each batch
//! filling its own slots of the output. Every signature is made by ring
//! ([`crate::keys::crypto`]); dnslab has no curve arithmetic of its own on
//! this path. The output is in zone order. Ed25519 and RSA signatures are
//! deterministic, so the same inputs and times give the same zone; ECDSA
//! signatures (ring) use fresh random nonces and differ from run to run,
//! so tests compare them by verifying, never byte for byte.
//!
//! # Limitations
//! Keys must be for the zone's apex. RSA keys can sign when imported (ring
//! cannot generate them).

pub mod denial;
pub mod rrsig;

pub use denial::{Denial, Nsec3Config};

use crate::keys::ds::{DigestType, ds_rdata};
use crate::keys::{CryptoError, Key};
use crate::name::{Name, NameError};
use crate::rdata::view::{Ds, Soa, key_tag};
use crate::record::Record;
use crate::rtype::Rtype;
use crate::zone::{Zone, ZoneError, is_signed_rrset};
use rayon::prelude::*;

/// Why a zone could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Zone(#[from] ZoneError),
    #[error(
        "no key can sign {zone} now: every key is missing its private file, or inactive by its timing metadata"
    )]
    NoActiveKey { zone: Name },
    #[error("key {tag} is for {key_owner}, not for the zone {zone}")]
    KeyForOtherZone {
        tag: u16,
        key_owner: Name,
        zone: Name,
    },
    /// The key could not sign; why is the `source()`.
    #[error("key {tag} cannot sign")]
    Crypto { tag: u16, source: CryptoError },
    #[error("NSEC3 hash collision between {first} and {second}: choose another salt")]
    Nsec3Collision { first: Name, second: Name },
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("the SOA record data is malformed")]
    BadSoa,
}

/// What to do with the SOA serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialPolicy {
    Keep,
    Increment,
    /// Seconds since the epoch, or serial + 1 if that is not larger.
    UnixTime,
}

/// How to sign.
#[derive(Debug, Clone)]
pub struct SignConfig {
    pub denial: Denial,
    /// RRSIG inception and expiration, seconds since the epoch.
    pub inception: i64,
    pub expiration: i64,
    pub serial: SerialPolicy,
    /// The time at which key timing metadata is evaluated.
    pub now: i64,
}

impl SignConfig {
    /// NSEC, signatures valid from an hour ago for 14 days (the defaults of
    /// `dnslab zone sign`).
    pub fn new(now: i64) -> SignConfig {
        SignConfig {
            denial: Denial::Nsec,
            inception: now - 3600,
            expiration: now + 14 * 86400,
            serial: SerialPolicy::Keep,
            now,
        }
    }
}

/// A signed zone and what the signer did.
#[derive(Debug)]
pub struct SignedZone {
    pub zone: Zone,
    pub signatures: usize,
    pub rrsets: usize,
    /// Algorithms with a published key but no active one: their DNSKEYs are
    /// in the zone but sign nothing, which validators treat as bogus
    /// (RFC 6840 §5.11).
    pub unsigned_algorithms: Vec<u8>,
}

/// Which keys sign what.
struct Signers<'k> {
    /// For DNSKEY, CDS and CDNSKEY.
    key_set: Vec<&'k Key>,
    /// For everything else.
    data: Vec<&'k Key>,
}

fn choose_signers<'k>(keys: &'k [Key], now: i64) -> (Signers<'k>, Vec<u8>) {
    let active: Vec<&Key> = keys
        .iter()
        .filter(|k| k.private.is_some() && k.timing.is_active(now))
        .collect();
    let mut algorithms: Vec<u8> = keys
        .iter()
        .filter(|k| k.timing.is_published(now))
        .map(|k| k.algorithm.0)
        .collect();
    algorithms.extend(active.iter().map(|k| k.algorithm.0));
    algorithms.sort_unstable();
    algorithms.dedup();
    let mut signers = Signers {
        key_set: Vec::new(),
        data: Vec::new(),
    };
    let mut unsigned = Vec::new();
    for alg in algorithms {
        let (sep, non_sep): (Vec<&Key>, Vec<&Key>) = active
            .iter()
            .filter(|k| k.algorithm.0 == alg)
            .partition(|k| k.is_sep());
        if sep.is_empty() && non_sep.is_empty() {
            unsigned.push(alg);
            continue;
        }
        signers
            .key_set
            .extend(if sep.is_empty() { &non_sep } else { &sep });
        signers
            .data
            .extend(if non_sep.is_empty() { &sep } else { &non_sep });
    }
    (signers, unsigned)
}

/// Removes what a previous signing added, so that signing is repeatable.
fn strip_signing_output(records: &mut Vec<Record>, apex: &Name, keys: &[Key]) {
    let ours: Vec<Vec<u8>> = keys.iter().map(Key::dnskey_rdata).collect();
    let our_tags: Vec<(u16, u8)> = ours.iter().map(|d| (key_tag(d), d[3])).collect();
    records.retain(|r| {
        if r.rtype.is_dnssec_generated() {
            return false;
        }
        if !r.owner.eq_ignore_case(apex) {
            return true;
        }
        match r.rtype {
            Rtype::DNSKEY | Rtype::CDNSKEY => !ours.iter().any(|d| d[..] == r.rdata[..]),
            Rtype::CDS => !Ds::parse(&r.rdata)
                .is_some_and(|ds| our_tags.contains(&(ds.key_tag, ds.algorithm.0))),
            _ => true,
        }
    });
}

fn apply_serial(
    records: &mut [Record],
    apex: &Name,
    policy: SerialPolicy,
    now: i64,
) -> Result<(), SignError> {
    if policy == SerialPolicy::Keep {
        return Ok(());
    }
    for r in records
        .iter_mut()
        .filter(|r| r.rtype == Rtype::SOA && r.owner.eq_ignore_case(apex))
    {
        let mut soa = Soa::parse(&r.rdata).ok_or(SignError::BadSoa)?;
        soa.serial = match policy {
            SerialPolicy::Keep => soa.serial,
            SerialPolicy::Increment => soa.serial.wrapping_add(1),
            SerialPolicy::UnixTime => {
                let t = now as u32;
                if crate::rdata::time::serial_lt(soa.serial, t) {
                    t
                } else {
                    soa.serial.wrapping_add(1)
                }
            }
        };
        r.rdata = soa.to_wire().into_boxed_slice();
    }
    Ok(())
}

/// Adds DNSKEY records for published keys and CDS/CDNSKEY for keys whose
/// SyncPublish time has come, all DNSKEYs with one TTL (RFC 2181 §5.2).
fn add_key_records(records: &mut Vec<Record>, apex: &Name, keys: &[Key], now: i64) {
    let soa_ttl = records
        .iter()
        .find(|r| r.rtype == Rtype::SOA)
        .map(|r| r.ttl)
        .unwrap_or(3600);
    let existing_ttl = records
        .iter()
        .find(|r| r.rtype == Rtype::DNSKEY && r.owner.eq_ignore_case(apex))
        .map(|r| r.ttl);
    let ttl = keys
        .iter()
        .find_map(|k| k.ttl)
        .or(existing_ttl)
        .unwrap_or(soa_ttl);
    for r in records
        .iter_mut()
        .filter(|r| r.rtype == Rtype::DNSKEY && r.owner.eq_ignore_case(apex))
    {
        r.ttl = ttl;
    }
    for key in keys.iter().filter(|k| k.timing.is_published(now)) {
        let dnskey = key.dnskey_rdata();
        if key.timing.is_sync_published(now) {
            records.push(Record::new(
                apex.clone(),
                Rtype::CDS,
                ttl,
                ds_rdata(apex, &dnskey, DigestType::Sha256),
            ));
            records.push(Record::new(
                apex.clone(),
                Rtype::CDNSKEY,
                ttl,
                dnskey.clone(),
            ));
        }
        records.push(Record::new(apex.clone(), Rtype::DNSKEY, ttl, dnskey));
    }
}

/// One RRSIG to make: the RRset (an index range into the zone's records)
/// and the key.
struct Job<'k> {
    start: usize,
    end: usize,
    key: &'k Key,
    tag: u16,
}

/// Puts each RRset's signatures right after it, in zone order, without
/// sorting the whole zone again: `jobs` are in zone order and
/// `signatures[i]` belongs to `jobs[i]`.
fn interleave(records: Vec<Record>, jobs: &[Job<'_>], signatures: Vec<Record>) -> Vec<Record> {
    let mut out = Vec::with_capacity(records.len() + signatures.len());
    let mut pending = jobs.iter().map(|j| j.end).zip(signatures).peekable();
    for (i, record) in records.into_iter().enumerate() {
        out.push(record);
        let group_start = out.len();
        while let Some((_, sig)) = pending.next_if(|(end, _)| *end == i + 1) {
            out.push(sig);
        }
        out[group_start..].sort_by(|a, b| a.zone_cmp(b));
    }
    out
}

/// RRsets signed by one rayon task: large enough that scheduling costs
/// nothing beside the signatures (tens of microseconds each), small enough
/// to keep every core busy until the end.
const BATCH: usize = 256;

/// Makes the RRSIG of each job, in order.
fn sign_batch(
    records: &[Record],
    jobs: &[Job<'_>],
    config: &SignConfig,
    signer_wire: &[u8],
) -> Result<Vec<Record>, SignError> {
    let mut signed_data = Vec::with_capacity(256);
    jobs.iter()
        .map(|job| {
            let rrset = &records[job.start..job.end];
            let first = &rrset[0];
            let labels = rrsig::labels_field(&first.owner);
            let header = rrsig::header(
                first.rtype,
                job.key.algorithm.0,
                labels,
                first.ttl,
                config.expiration as u32,
                config.inception as u32,
                job.tag,
                signer_wire,
            );
            rrsig::signed_data(&header, rrset, labels, first.ttl, &mut signed_data);
            let signature = job
                .key
                .sign(&signed_data)
                .map_err(|source| SignError::Crypto {
                    tag: job.tag,
                    source,
                })?;
            // Exactly sized: the zone keeps hundreds of thousands of these,
            // and shrinking a larger buffer would leave its tail as a hole.
            let mut rdata = Vec::with_capacity(header.len() + signature.len());
            rdata.extend_from_slice(&header);
            rdata.extend_from_slice(&signature);
            Ok(Record {
                owner: first.owner.clone(),
                rtype: Rtype::RRSIG,
                class: first.class,
                ttl: first.ttl,
                rdata: rdata.into(),
            })
        })
        .collect()
}

/// Signs a zone. `records` is the zone's content (signed or not); the
/// result is the complete signed zone in zone order.
pub fn sign_zone(
    apex: &Name,
    mut records: Vec<Record>,
    keys: &[Key],
    config: &SignConfig,
) -> Result<SignedZone, SignError> {
    if let Some(k) = keys.iter().find(|k| !k.owner.eq_ignore_case(apex)) {
        return Err(SignError::KeyForOtherZone {
            tag: k.tag(),
            key_owner: k.owner.clone(),
            zone: apex.clone(),
        });
    }
    let (signers, unsigned_algorithms) = choose_signers(keys, config.now);
    if signers.data.is_empty() {
        return Err(SignError::NoActiveKey { zone: apex.clone() });
    }
    for alg in &unsigned_algorithms {
        tracing::warn!(zone = %apex, algorithm = alg, "a published key of this algorithm has no active key: its DNSKEY signs nothing");
    }

    strip_signing_output(&mut records, apex, keys);
    apply_serial(&mut records, apex, config.serial, config.now)?;
    add_key_records(&mut records, apex, keys, config.now);
    let zone = Zone::new(apex.clone(), records)?;

    let chain = match &config.denial {
        Denial::Nsec => denial::nsec_chain(&zone),
        Denial::Nsec3(c) => denial::nsec3_chain(&zone, c)?,
    };
    let Zone {
        apex,
        records: mut all,
        ..
    } = zone;
    all.extend(chain);
    let zone = Zone::new(apex, all)?;

    let mut jobs: Vec<Job<'_>> = Vec::new();
    let mut rrsets = 0usize;
    let tags_data: Vec<u16> = signers.data.iter().map(|k| k.tag()).collect();
    let tags_key_set: Vec<u16> = signers.key_set.iter().map(|k| k.tag()).collect();
    for owner in zone.owners() {
        let mut start = owner.records.start;
        while start < owner.records.end {
            let rtype = zone.records[start].rtype;
            let mut end = start + 1;
            while end < owner.records.end && zone.records[end].rtype == rtype {
                end += 1;
            }
            if is_signed_rrset(owner.kind, rtype) {
                rrsets += 1;
                let at_apex = owner.kind == crate::zone::NameKind::Apex;
                let key_set =
                    at_apex && matches!(rtype, Rtype::DNSKEY | Rtype::CDS | Rtype::CDNSKEY);
                let (keys, tags) = if key_set {
                    (&signers.key_set, &tags_key_set)
                } else {
                    (&signers.data, &tags_data)
                };
                jobs.extend(keys.iter().zip(tags).map(|(key, &tag)| Job {
                    start,
                    end,
                    key,
                    tag,
                }));
            }
            start = end;
        }
    }

    let signer_wire = zone.apex.to_lowercase();
    // Each batch fills its own slots, so the signatures land in job order
    // without a second copy of them (a zone's RRSIGs are half its memory).
    let mut slots: Vec<Option<Record>> = vec![None; jobs.len()];
    slots
        .par_chunks_mut(BATCH)
        .zip(jobs.par_chunks(BATCH))
        .try_for_each(|(slots, chunk)| {
            let made = sign_batch(&zone.records, chunk, config, signer_wire.as_wire())?;
            for (slot, record) in slots.iter_mut().zip(made) {
                *slot = Some(record);
            }
            Ok::<(), SignError>(())
        })?;
    let signatures: Vec<Record> = slots
        .into_iter()
        .map(|slot| {
            slot.ok_or(SignError::Crypto {
                tag: 0,
                source: CryptoError::SigningFailed,
            })
        })
        .collect::<Result<_, _>>()?;

    let count = signatures.len();
    let Zone { apex, records, .. } = zone;
    let zone = Zone::from_sorted(apex, interleave(records, &jobs, signatures))?;
    Ok(SignedZone {
        zone,
        signatures: count,
        rrsets,
        unsigned_algorithms,
    })
}

#[cfg(test)]
mod tests;
