//! DS records from DNSKEYs (RFC 4034 §5.1.4, RFC 4509, RFC 6605), and
//! the one rule for whether a DS matches a DNSKEY ([`matches`]), which the
//! grader's chain walk, the TLDs' CDS scanner and the lab resolvers' trust
//! anchors all use.

use crate::name::Name;
use crate::rdata::view::{Dnskey, Ds, key_tag};
use ring::digest;

/// DS digest types (IANA "Delegation Signer (DS) Resource Record Digest Algorithms").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestType {
    /// Only on request: SHA-1 digests MUST NOT be published (RFC 9904).
    Sha1 = 1,
    Sha256 = 2,
    Sha384 = 4,
}

impl DigestType {
    pub fn from_number(n: u8) -> Option<DigestType> {
        match n {
            1 => Some(DigestType::Sha1),
            2 => Some(DigestType::Sha256),
            4 => Some(DigestType::Sha384),
            _ => None,
        }
    }

    pub fn from_text(text: &str) -> Option<DigestType> {
        match text.to_ascii_uppercase().as_str() {
            "SHA1" | "SHA-1" | "1" => Some(DigestType::Sha1),
            "SHA256" | "SHA-256" | "2" => Some(DigestType::Sha256),
            "SHA384" | "SHA-384" | "4" => Some(DigestType::Sha384),
            _ => None,
        }
    }

    fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            DigestType::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestType::Sha256 => &digest::SHA256,
            DigestType::Sha384 => &digest::SHA384,
        }
    }

    /// Digest length in octets.
    pub fn digest_len(self) -> usize {
        self.algorithm().output_len()
    }
}

/// The digest of a DNSKEY: hash(owner in canonical form | DNSKEY rdata).
pub fn digest(owner: &Name, dnskey_rdata: &[u8], digest_type: DigestType) -> Vec<u8> {
    let mut ctx = digest::Context::new(digest_type.algorithm());
    ctx.update(owner.to_lowercase().as_wire());
    ctx.update(dnskey_rdata);
    ctx.finish().as_ref().to_vec()
}

/// DS record data for a DNSKEY.
pub fn ds_rdata(owner: &Name, dnskey_rdata: &[u8], digest_type: DigestType) -> Vec<u8> {
    let tag = crate::rdata::view::key_tag(dnskey_rdata);
    let algorithm = dnskey_rdata.get(3).copied().unwrap_or(0);
    let mut d = Vec::with_capacity(4 + digest_type.digest_len());
    d.extend_from_slice(&tag.to_be_bytes());
    d.push(algorithm);
    d.push(digest_type as u8);
    d.extend_from_slice(&digest(owner, dnskey_rdata, digest_type));
    d
}

/// Why a DS record does not match a DNSKEY ([`check_match`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DsMismatch {
    #[error("the DS and the DNSKEY have different owner names")]
    Owner,
    #[error("the DNSKEY record data is too short to read")]
    MalformedDnskey,
    #[error("the DS names key tag {ds}, the DNSKEY's tag is {dnskey}")]
    KeyTag { ds: u16, dnskey: u16 },
    #[error("the DS names algorithm {ds}, the DNSKEY is of algorithm {dnskey}")]
    Algorithm { ds: u8, dnskey: u8 },
    #[error("the DNSKEY lacks the Zone Key flag (flags {flags})")]
    NotZoneKey { flags: u16 },
    #[error("the DNSKEY has protocol {protocol}, not 3")]
    Protocol { protocol: u8 },
    #[error("digest type {digest_type} is not one dnslab knows")]
    UnknownDigestType { digest_type: u8 },
    #[error("the digest differs")]
    Digest,
}

/// Whether the DS record `ds` at `ds_owner` refers to the DNSKEY with
/// data `dnskey` at `dnskey_owner`, as a validator decides it when it
/// authenticates a referral (RFC 4035 §5.2):
///
/// - same owner name (compared case-insensitively), since the digest is
///   over the DNSKEY's owner and the DS stands at the child's apex;
/// - the DS key tag is the DNSKEY's, and the DS algorithm field is the
///   DNSKEY's algorithm (a DS whose digest matches but whose algorithm
///   field names another algorithm does not match);
/// - the DNSKEY is a zone key (flags bit 7) with protocol 3: RFC 4034 §5.2
///   says a DS referring to a key without the Zone Key flag MUST NOT be
///   used, and §2.1.2 that a protocol other than 3 makes the key invalid;
/// - a digest type dnslab knows (SHA-1, SHA-256, SHA-384) and the same
///   digest.
///
/// The SEP flag is *not* required: RFC 4034 §2.1.1 makes it a hint for
/// tools only and says validators MUST NOT change behaviour on it, and RFC
/// 4035 §5.2 lists no SEP check, so a DS for a key without SEP (flags 256)
/// validates, as it does in BIND and Unbound. Whether the key is revoked
/// (RFC 5011) is not part of matching either: a revoked key has another
/// key tag than the key a DS was made for, and whether a revoked key may
/// sign is the RRSIG rule's question ([`crate::validate`]).
pub fn check_match(
    ds_owner: &Name,
    ds: &Ds<'_>,
    dnskey_owner: &Name,
    dnskey: &[u8],
) -> Result<(), DsMismatch> {
    if !ds_owner.eq_ignore_case(dnskey_owner) {
        return Err(DsMismatch::Owner);
    }
    let key = Dnskey::parse(dnskey).ok_or(DsMismatch::MalformedDnskey)?;
    let tag = key_tag(dnskey);
    if ds.key_tag != tag {
        return Err(DsMismatch::KeyTag {
            ds: ds.key_tag,
            dnskey: tag,
        });
    }
    if ds.algorithm != key.algorithm {
        return Err(DsMismatch::Algorithm {
            ds: ds.algorithm.0,
            dnskey: key.algorithm.0,
        });
    }
    if !key.is_zone_key() {
        return Err(DsMismatch::NotZoneKey { flags: key.flags });
    }
    if key.protocol != 3 {
        return Err(DsMismatch::Protocol {
            protocol: key.protocol,
        });
    }
    let digest_type =
        DigestType::from_number(ds.digest_type).ok_or(DsMismatch::UnknownDigestType {
            digest_type: ds.digest_type,
        })?;
    // Digests are public data: no need for a constant-time comparison.
    if digest(dnskey_owner, dnskey, digest_type) != ds.digest {
        return Err(DsMismatch::Digest);
    }
    Ok(())
}

/// [`check_match`] as a yes or no.
pub fn matches(ds_owner: &Name, ds: &Ds<'_>, dnskey_owner: &Name, dnskey: &[u8]) -> bool {
    check_match(ds_owner, ds, dnskey_owner, dnskey).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::Lexer;
    use crate::rtype::Rtype;

    #[test]
    fn rfc4034_section_5_4_example() {
        // RFC 4034 §5.4: the DNSKEY of dskey.example.com and its DS.
        let text = b"256 3 5 ( AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw== )";
        let mut tokens = Vec::new();
        Lexer::new(text).next_entry(&mut tokens).unwrap().unwrap();
        let dnskey = crate::rdata::parse(Rtype::DNSKEY, &tokens, None).unwrap();
        assert_eq!(crate::rdata::view::key_tag(&dnskey), 60485);
        let owner = Name::parse_absolute("dskey.example.com.").unwrap();
        let ds = ds_rdata(&owner, &dnskey, DigestType::Sha1);
        let mut written = String::new();
        crate::rdata::write(Rtype::DS, &ds, &mut written);
        assert_eq!(
            written,
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"
        );
    }

    fn owner() -> Name {
        Name::parse_absolute("t01.ne.").unwrap()
    }

    /// DNSKEY data with `flags` and algorithm 13 over a fixed public key.
    fn dnskey(flags: u16) -> Vec<u8> {
        let mut d = flags.to_be_bytes().to_vec();
        d.extend_from_slice(&[3, 13]);
        d.extend_from_slice(&[0x42; 64]);
        d
    }

    fn check(ds: &[u8], ds_owner: &Name, key: &[u8]) -> Result<(), DsMismatch> {
        check_match(ds_owner, &Ds::parse(ds).unwrap(), &owner(), key)
    }

    #[test]
    fn a_ds_matches_its_key_with_or_without_sep() {
        for flags in [257, 256] {
            let key = dnskey(flags);
            let ds = ds_rdata(&owner(), &key, DigestType::Sha256);
            assert_eq!(check(&ds, &owner(), &key), Ok(()), "flags {flags}");
            let upper = Name::parse_absolute("T01.NE.").unwrap();
            assert!(matches(&upper, &Ds::parse(&ds).unwrap(), &owner(), &key));
        }
    }

    /// The grader checked the Zone Key flag, the CDS scanner did not: a DS
    /// for a key without it (flags 1, SEP only) must not match.
    #[test]
    fn a_key_without_the_zone_key_flag_matches_no_ds() {
        let key = dnskey(1);
        let ds = ds_rdata(&owner(), &key, DigestType::Sha256);
        assert_eq!(
            check(&ds, &owner(), &key),
            Err(DsMismatch::NotZoneKey { flags: 1 })
        );
        let mut bad_protocol = dnskey(257);
        bad_protocol[2] = 2;
        let ds = ds_rdata(&owner(), &bad_protocol, DigestType::Sha256);
        assert_eq!(
            check(&ds, &owner(), &bad_protocol),
            Err(DsMismatch::Protocol { protocol: 2 })
        );
    }

    /// The lab resolvers' anchors ignored the DS algorithm field: a DS
    /// whose tag and digest are right but whose algorithm field names
    /// another algorithm must not match.
    #[test]
    fn the_ds_algorithm_field_must_name_the_keys_algorithm() {
        let key = dnskey(257);
        let mut ds = ds_rdata(&owner(), &key, DigestType::Sha256);
        ds[2] = 8;
        assert_eq!(
            check(&ds, &owner(), &key),
            Err(DsMismatch::Algorithm { ds: 8, dnskey: 13 })
        );
    }

    #[test]
    fn owner_tag_digest_type_and_digest_must_agree() {
        let key = dnskey(257);
        let ds = ds_rdata(&owner(), &key, DigestType::Sha256);
        let elsewhere = Name::parse_absolute("t02.ne.").unwrap();
        assert_eq!(check(&ds, &elsewhere, &key), Err(DsMismatch::Owner));
        let mut tag = ds.clone();
        tag[1] ^= 1;
        assert!(matches!(
            check(&tag, &owner(), &key),
            Err(DsMismatch::KeyTag { .. })
        ));
        let mut unknown = ds.clone();
        unknown[3] = 3; // GOST, which dnslab does not compute
        assert_eq!(
            check(&unknown, &owner(), &key),
            Err(DsMismatch::UnknownDigestType { digest_type: 3 })
        );
        let mut digest = ds.clone();
        let last = digest.len() - 1;
        digest[last] ^= 1;
        assert_eq!(check(&digest, &owner(), &key), Err(DsMismatch::Digest));
        assert_eq!(
            check(&ds, &owner(), &key[..3]),
            Err(DsMismatch::MalformedDnskey)
        );
        let sha384 = ds_rdata(&owner(), &key, DigestType::Sha384);
        assert_eq!(check(&sha384, &owner(), &key), Ok(()));
    }
}
