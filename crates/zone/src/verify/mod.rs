//! # Zone verifier: does this signed zone validate?
//!
//! ## Background
//!
//! A signed zone validates only if every piece fits: each authoritative
//! RRset carries an RRSIG from a key in the apex DNSKEY RRset, for every
//! algorithm found there; signatures are inside their validity window; the
//! DNSKEY RRset is signed by the key the parent's DS points at (the key
//! with the SEP flag); and the NSEC or NSEC3 chain proves exactly which
//! names and types do not exist. A single mistake — a record edited after
//! signing, a signature that expired over the weekend, an NSEC3 record lost
//! in a copy — makes validating resolvers answer SERVFAIL for part or all
//! of the zone.
//!
//! This module checks what BIND's `dnssec-verify`, `ldns-verify-zone` and
//! Knot's `kzonecheck -d on` check, offline, and explains each problem in
//! one sentence a workshop trainee can act on: what is wrong, where, which
//! RFC section says so, and what to do.
//!
//! ## Usage
//!
//! ```no_run
//! use dnslab_zone::{parser, zone::Zone, Name};
//! use dnslab_zone::verify::{verify_zone, VerifyOptions};
//!
//! let apex = Name::parse_absolute("example.").unwrap();
//! let opts = parser::ParseOptions { origin: Some(apex.clone()), default_ttl: None };
//! let records = parser::parse_file("example.signed".as_ref(), &opts).unwrap();
//! let zone = Zone::new(apex, records).unwrap();
//! let report = verify_zone(&zone, &VerifyOptions::at(dnslab_zone::rdata::time::now()));
//! for finding in &report.findings {
//!     println!("{finding}");
//! }
//! std::process::exit(if report.is_valid() { 0 } else { 1 });
//! ```
//!
//! [`verify_zone`] never panics and never stops at the first problem: it
//! returns a [`Report`] with every [`Finding`] and some [`Stats`]. Both
//! serialize with serde (finding ids as their kebab-case text, owner
//! names and types as presentation text) for `--json` output.
//!
//! Signatures are checked in parallel (rayon): a 100,000-name NSEC3 zone
//! with about 250,000 ECDSA P-256 signatures takes a few seconds on two
//! cores.
//!
//! ## What is checked, and the finding ids
//!
//! Errors make validation fail (or break a MUST); warnings do not, yet.
//!
//! Zone and keys:
//! - `unsigned-zone` (error): no DNSKEY, RRSIG, NSEC or NSEC3 at all: the
//!   zone is not signed. Reported alone.
//! - `dnskey-missing` (error): the zone has signatures or a denial chain
//!   but no DNSKEY RRset at the apex, so nothing can be validated
//!   (RFC 4035 §2.1). Signatures are then not reported one by one.
//! - `dnskey-no-sep` (warning): an algorithm in the DNSKEY RRset has no key
//!   with the SEP flag (flags 257), the key a DS should point at
//!   (RFC 4034 §2.1.1, RFC 6781 §3.1).
//! - `dnskey-not-signed-by-sep` (error): the DNSKEY RRset has no signature
//!   from a key with the SEP flag (for an algorithm that has such a key), so
//!   the chain of trust from the parent's DS breaks (RFC 4035 §2.1).
//! - `algorithm-unsupported` (warning): the DNSKEY RRset has an algorithm
//!   dnslab cannot verify (e.g. ED448, DSA); its signatures are counted as
//!   present but not checked.
//! - `rdata-malformed` (error): a DNSKEY, RRSIG, NSEC, NSEC3 or NSEC3PARAM
//!   record whose data cannot be read, or a DNSKEY with protocol ≠ 3.
//!
//! Signatures (every authoritative RRset, [`crate::zone::is_signed_rrset`]):
//! - `rrsig-missing` (error): the RRset has no RRSIG at all (RFC 4035 §2.2).
//! - `algorithm-not-signing` (error): the RRset has RRSIGs, but none made
//!   with one of the algorithms in the DNSKEY RRset; every algorithm there
//!   must sign every RRset (RFC 4035 §2.2, RFC 6840 §5.11).
//! - `rrsig-no-key` (error): the RRSIG's key tag and algorithm match no zone
//!   key in the DNSKEY RRset (RFC 4035 §5.3.1).
//! - `rrsig-bad-signature` (error): the signature does not verify: data
//!   changed after signing, or a different key (RFC 4035 §5.3.3).
//! - `rrsig-expired` (error): the expiration is before the check time.
//! - `rrsig-not-yet-valid` (error): the inception is after the check time.
//!   Both use serial-number arithmetic (RFC 4034 §3.1.5).
//! - `rrsig-expiring` (warning): valid now but expires within
//!   [`VerifyOptions::expiring_within`] seconds (off when 0).
//! - `rrsig-validity-too-long` (warning): expiration − inception exceeds
//!   [`VerifyOptions::max_validity`] (off when `None`), RFC 6781 §4.4.2.
//! - `rrsig-labels` (error): the Labels field differs from the owner's label
//!   count without the root and a leading `*` (RFC 4034 §3.1.3).
//! - `rrsig-signer-wrong` (error): the signer name is not the zone apex
//!   (RFC 4035 §2.2, §5.3.1).
//! - `rrsig-ttl-mismatch` (error): the RRSIG's TTL or its Original TTL
//!   differs from the RRset's TTL (RFC 4034 §3, §3.1.4).
//! - `rrsig-orphan` (warning): an RRSIG covers a type the name does not
//!   have: a stale signature.
//! - `rrset-ttl-differs` (warning): records of one RRset have different
//!   TTLs (RFC 2181 §5.2).
//! - `delegation-signed` (error): an RRSIG over the NS RRset (or other
//!   non-DS data) at a delegation, which the parent must not sign
//!   (RFC 4035 §2.2).
//! - `glue-signed` (error): an RRSIG over glue or other data below a zone
//!   cut or DNAME.
//!
//! Denial of existence:
//! - `denial-missing` (error): signed, but neither NSEC nor NSEC3.
//! - `denial-mixed` (error): both NSEC and NSEC3 (or NSEC3PARAM); the NSEC3
//!   chain is then checked (RFC 5155 §10.4).
//! - `nsec-missing` (error): a name with data (not glue) has no NSEC.
//! - `nsec-chain-broken` (error): an NSEC's next name is not the next name
//!   in canonical order (a hole or a loop), a name has several NSECs, or
//!   glue has one (RFC 4034 §4.1.1, §6.1).
//! - `nsec-bitmap-wrong` (error): the NSEC bitmap differs from the types at
//!   the name plus NSEC and RRSIG; at a delegation only NS, DS, NSEC and
//!   RRSIG (RFC 4034 §4.1.2, RFC 4035 §2.3). The message names the extra
//!   and the missing types.
//! - `nsec-ttl` (warning): NSEC or NSEC3 TTL ≠ min(SOA TTL, SOA MINIMUM)
//!   (RFC 9077 §3); one finding for all such records.
//! - `nsec3-missing` (error): a name with data or an empty non-terminal has
//!   no NSEC3. With opt-out, an insecure delegation (NS without DS), or an
//!   empty non-terminal leading only to such delegations, may lack one if
//!   the NSEC3 covering its hash has the opt-out flag (RFC 5155 §6, §7.1).
//! - `nsec3-chain-broken` (error): a next hashed owner that is not the next
//!   hash in the chain, two NSEC3s at one hashed name, an NSEC3 that is not
//!   at a hashed name, or one matching no name in the zone.
//! - `nsec3-bitmap-wrong` (error): the bitmap differs from the types at the
//!   original name plus RRSIG when it has signed data (NSEC3PARAM is listed
//!   at the apex); at a delegation NS, DS if present, and RRSIG with DS;
//!   empty for empty non-terminals (RFC 5155 §3.1.8, RFC 4035 §2.3).
//! - `nsec3-param-missing` (error): NSEC3 records but no NSEC3PARAM at the
//!   apex (RFC 5155 §4); the chain is checked with the first NSEC3's
//!   parameters.
//! - `nsec3-param-mismatch` (error): an NSEC3's hash algorithm, iterations
//!   or salt differ from NSEC3PARAM; it is left out of the chain.
//! - `nsec3-hash-unknown` (error): a hash algorithm other than 1 (SHA-1).
//! - `nsec3-iterations-high` (warning): more than 0 extra iterations
//!   (RFC 9276 §3.1).
//! - `nsec3-salt-present` (warning): a non-empty salt (RFC 9276 §3.1).
//!
//! ## Limitations
//!
//! - Only the zone file is checked: not that the parent's DS matches a key
//!   (`dnslab ds` and the lab's resolver do that), and not CDS/CDNSKEY,
//!   ZONEMD or key timing metadata.
//! - A key is "active" when it is in the DNSKEY RRset; revoked keys
//!   (RFC 5011) are checked when they sign but are not required to.
//! - Only one NSEC3 chain is checked, the one NSEC3PARAM names; NSEC3
//!   records with other parameters are reported, not followed.
//! - Algorithms dnslab cannot verify (see [`crate::Algorithm::can_verify`])
//!   are trusted, with an `algorithm-unsupported` warning.
//!
//! ## RFCs
//!
//! - [RFC 4034](https://www.rfc-editor.org/rfc/rfc4034) resource records,
//!   canonical form (§6) and signed data (§3.1.8.1)
//! - [RFC 4035](https://www.rfc-editor.org/rfc/rfc4035) what a signed zone
//!   contains (§2) and how validators check it (§5)
//! - [RFC 5155](https://www.rfc-editor.org/rfc/rfc5155) NSEC3
//! - [RFC 6840](https://www.rfc-editor.org/rfc/rfc6840) clarifications
//! - [RFC 9077](https://www.rfc-editor.org/rfc/rfc9077) NSEC(3) TTLs
//! - [RFC 9276](https://www.rfc-editor.org/rfc/rfc9276) NSEC3 parameters

mod denial;
mod findings;
mod rrsig;

pub use findings::{Denial, Finding, FindingId, Report, Severity, Stats};

use crate::rtype::Rtype;
use crate::zone::Zone;

/// How to verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The check time, seconds since the epoch (`--time`); signature
    /// windows are compared with it in serial arithmetic.
    pub now: i64,
    /// Warn (`rrsig-expiring`) about signatures that expire within this many
    /// seconds of `now`; 0 turns the warning off.
    pub expiring_within: u32,
    /// Warn (`rrsig-validity-too-long`) about signatures valid for longer
    /// than this many seconds; `None` turns the warning off.
    pub max_validity: Option<u32>,
}

impl VerifyOptions {
    /// Checks at `now`, with the optional warnings off.
    pub fn at(now: i64) -> VerifyOptions {
        VerifyOptions {
            now,
            expiring_within: 0,
            max_validity: None,
        }
    }
}

impl Default for VerifyOptions {
    /// Checks at the current time.
    fn default() -> Self {
        VerifyOptions::at(crate::rdata::time::now())
    }
}

/// Verifies a signed zone. See the module documentation for what is
/// checked; findings come in canonical order of their owner names.
pub fn verify_zone(zone: &Zone, options: &VerifyOptions) -> Report {
    let mut findings = Vec::new();
    let mut stats = Stats {
        names: zone.owners().len(),
        ..Stats::default()
    };
    let keys = rrsig::collect_keys(zone, &mut findings);
    let has_rrsig = zone.records.iter().any(|r| r.rtype == Rtype::RRSIG);
    let has_denial = zone
        .records
        .iter()
        .any(|r| matches!(r.rtype, Rtype::NSEC | Rtype::NSEC3 | Rtype::NSEC3PARAM));
    if !keys.present && !has_rrsig && !has_denial {
        findings.push(Finding::new(
            FindingId::UnsignedZone,
            &zone.apex,
            format!(
                "The zone {} has no DNSKEY, RRSIG, NSEC or NSEC3 records, so it is not signed and validators treat it as insecure (RFC 4035 §2); sign it (dnslab zone sign, dnssec-signzone) before verifying.",
                zone.apex
            ),
        ));
        return Report { findings, stats };
    }
    if !keys.present {
        findings.push(
            Finding::new(
                FindingId::DnskeyMissing,
                &zone.apex,
                format!(
                    "The zone {} has signatures but no DNSKEY RRset at the apex, so no signature can be validated (RFC 4035 §2.1); publish the keys (dnssec-signzone -S adds them from the key directory) and re-sign.",
                    zone.apex
                ),
            )
            .rtype(Rtype::DNSKEY),
        );
    }
    stats.algorithms = keys.algorithms.iter().map(|a| a.0).collect();
    rrsig::check(zone, &keys, options, &mut findings, &mut stats);
    denial::check(zone, &mut findings, &mut stats);
    findings.sort_by(|a, b| a.owner.canonical_cmp(&b.owner));
    Report { findings, stats }
}

#[cfg(test)]
mod tests;
