//! DS records from DNSKEYs (RFC 4034 §5.1.4, RFC 4509, RFC 6605).

use crate::name::Name;
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
}
