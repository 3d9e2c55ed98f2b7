//! The data an RRSIG signs (RFC 4034 §3.1.8.1, §6.2, §6.3).
//!
//! Signer and verifier both build it here, so they cannot disagree.

use crate::rdata;
use crate::record::Record;
use crate::rtype::Rtype;

/// Length of the fixed RRSIG fields before the signer name.
pub const FIXED_HEADER_LEN: usize = 18;

/// RRSIG data without the signature: the fields that are signed.
#[allow(clippy::too_many_arguments)]
pub fn header(
    type_covered: Rtype,
    algorithm: u8,
    labels: u8,
    original_ttl: u32,
    expiration: u32,
    inception: u32,
    key_tag: u16,
    signer_wire: &[u8],
) -> Vec<u8> {
    // Room for the signature too: the signer appends it (up to RSA-4096).
    let mut h = Vec::with_capacity(FIXED_HEADER_LEN + signer_wire.len() + 512);
    h.extend_from_slice(&type_covered.0.to_be_bytes());
    h.push(algorithm);
    h.push(labels);
    h.extend_from_slice(&original_ttl.to_be_bytes());
    h.extend_from_slice(&expiration.to_be_bytes());
    h.extend_from_slice(&inception.to_be_bytes());
    h.extend_from_slice(&key_tag.to_be_bytes());
    h.extend_from_slice(signer_wire);
    h
}

/// The RRSIG Labels value for an owner: its label count, not counting a
/// leading wildcard label (RFC 4034 §3.1.3).
pub fn labels_field(owner: &crate::Name) -> u8 {
    let n = owner.label_count();
    (if owner.is_wildcard() { n - 1 } else { n }) as u8
}

/// Fills `buf` with the signed data: `header` (its signer name lowercased)
/// followed by every RR of `rrset` in canonical form and order, each with
/// `original_ttl`. When the RRSIG's `labels` is smaller than the owner's
/// label count the answer was synthesised from a wildcard and the owner is
/// rebuilt as `*.<closest labels>` (RFC 4035 §5.3.2).
pub fn signed_data(
    header: &[u8],
    rrset: &[Record],
    labels: u8,
    original_ttl: u32,
    buf: &mut Vec<u8>,
) {
    buf.clear();
    buf.extend_from_slice(header);
    if buf.len() > FIXED_HEADER_LEN {
        buf[FIXED_HEADER_LEN..].make_ascii_lowercase();
    }
    let Some(first) = rrset.first() else { return };
    let owner_count = first.owner.label_count();
    let owner_wire: Vec<u8> = if usize::from(labels) < owner_count {
        let suffix = first
            .owner
            .strip_left(owner_count - usize::from(labels))
            .unwrap_or_else(crate::Name::root);
        let mut w = vec![1, b'*'];
        w.extend_from_slice(suffix.as_wire());
        w.make_ascii_lowercase();
        w
    } else {
        first.owner.as_wire().to_ascii_lowercase()
    };
    let mut canonical: Vec<std::borrow::Cow<'_, [u8]>> = rrset
        .iter()
        .map(|r| rdata::canonical(r.rtype, &r.rdata))
        .collect();
    // Records are normally already in canonical order; sorting again costs
    // little and makes the function correct for any input.
    canonical.sort();
    canonical.dedup();
    for data in &canonical {
        buf.extend_from_slice(&owner_wire);
        buf.extend_from_slice(&first.rtype.0.to_be_bytes());
        buf.extend_from_slice(&first.class.0.to_be_bytes());
        buf.extend_from_slice(&original_ttl.to_be_bytes());
        buf.extend_from_slice(&(data.len() as u16).to_be_bytes());
        buf.extend_from_slice(data);
    }
}
