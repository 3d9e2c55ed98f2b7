//! Typed views of the record data that DNSSEC code reads field by field.
//!
//! Each `parse` returns `None` when the data does not have the type's shape.

use crate::algorithm::Algorithm;
use crate::name::Name;
use crate::rtype::Rtype;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(at)?,
        *d.get(at + 1)?,
        *d.get(at + 2)?,
        *d.get(at + 3)?,
    ]))
}

/// SOA data (RFC 1035 §3.3.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Soa {
    pub mname: Name,
    pub rname: Name,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

impl Soa {
    pub fn parse(d: &[u8]) -> Option<Soa> {
        let (mname, a) = Name::read_wire(d).ok()?;
        let (rname, b) = Name::read_wire(d.get(a..)?).ok()?;
        let at = a + b;
        if d.len() != at + 20 {
            return None;
        }
        Some(Soa {
            mname,
            rname,
            serial: u32_at(d, at)?,
            refresh: u32_at(d, at + 4)?,
            retry: u32_at(d, at + 8)?,
            expire: u32_at(d, at + 12)?,
            minimum: u32_at(d, at + 16)?,
        })
    }

    pub fn to_wire(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(64);
        w.extend_from_slice(self.mname.as_wire());
        w.extend_from_slice(self.rname.as_wire());
        for v in [
            self.serial,
            self.refresh,
            self.retry,
            self.expire,
            self.minimum,
        ] {
            w.extend_from_slice(&v.to_be_bytes());
        }
        w
    }
}

/// DNSKEY, CDNSKEY data (RFC 4034 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dnskey<'a> {
    pub flags: u16,
    pub protocol: u8,
    pub algorithm: Algorithm,
    pub public_key: &'a [u8],
}

impl<'a> Dnskey<'a> {
    pub const ZONE_KEY: u16 = 0x0100;
    pub const SEP: u16 = 0x0001;
    pub const REVOKE: u16 = 0x0080;

    pub fn parse(d: &'a [u8]) -> Option<Dnskey<'a>> {
        Some(Dnskey {
            flags: u16_at(d, 0)?,
            protocol: *d.get(2)?,
            algorithm: Algorithm(*d.get(3)?),
            public_key: d.get(4..)?,
        })
    }

    pub fn is_zone_key(&self) -> bool {
        self.flags & Self::ZONE_KEY != 0
    }

    pub fn is_sep(&self) -> bool {
        self.flags & Self::SEP != 0
    }

    pub fn is_revoked(&self) -> bool {
        self.flags & Self::REVOKE != 0
    }
}

/// The key tag of DNSKEY data (RFC 4034 appendix B).
pub fn key_tag(dnskey_rdata: &[u8]) -> u16 {
    if dnskey_rdata.get(3) == Some(&1) {
        // RSA/MD5 uses the low 16 bits of the modulus (appendix B.1).
        let n = dnskey_rdata.len();
        if n >= 3 {
            return u16::from_be_bytes([dnskey_rdata[n - 3], dnskey_rdata[n - 2]]);
        }
        return 0;
    }
    let mut acc: u32 = 0;
    for (i, &b) in dnskey_rdata.iter().enumerate() {
        acc += if i & 1 == 1 {
            u32::from(b)
        } else {
            u32::from(b) << 8
        };
    }
    acc += (acc >> 16) & 0xffff;
    (acc & 0xffff) as u16
}

/// DS, CDS data (RFC 4034 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ds<'a> {
    pub key_tag: u16,
    pub algorithm: Algorithm,
    pub digest_type: u8,
    pub digest: &'a [u8],
}

impl<'a> Ds<'a> {
    pub fn parse(d: &'a [u8]) -> Option<Ds<'a>> {
        Some(Ds {
            key_tag: u16_at(d, 0)?,
            algorithm: Algorithm(*d.get(2)?),
            digest_type: *d.get(3)?,
            digest: d.get(4..)?,
        })
    }
}

/// RRSIG data (RFC 4034 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rrsig<'a> {
    pub type_covered: Rtype,
    pub algorithm: Algorithm,
    pub labels: u8,
    pub original_ttl: u32,
    pub expiration: u32,
    pub inception: u32,
    pub key_tag: u16,
    pub signer: Name,
    /// The data before the signature field: what the signature covers
    /// (with the signer name lowercased, RFC 4034 §3.1.8.1).
    pub header: &'a [u8],
    pub signature: &'a [u8],
}

impl<'a> Rrsig<'a> {
    pub fn parse(d: &'a [u8]) -> Option<Rrsig<'a>> {
        let (signer, n) = Name::read_wire(d.get(18..)?).ok()?;
        Some(Rrsig {
            type_covered: Rtype(u16_at(d, 0)?),
            algorithm: Algorithm(*d.get(2)?),
            labels: *d.get(3)?,
            original_ttl: u32_at(d, 4)?,
            expiration: u32_at(d, 8)?,
            inception: u32_at(d, 12)?,
            key_tag: u16_at(d, 16)?,
            signer,
            header: &d[..18 + n],
            signature: &d[18 + n..],
        })
    }
}

/// NSEC data (RFC 4034 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec<'a> {
    pub next: Name,
    pub bitmap: &'a [u8],
}

impl<'a> Nsec<'a> {
    pub fn parse(d: &'a [u8]) -> Option<Nsec<'a>> {
        let (next, n) = Name::read_wire(d).ok()?;
        Some(Nsec {
            next,
            bitmap: &d[n..],
        })
    }

    pub fn types(&self) -> Vec<Rtype> {
        super::field::decode_type_bitmap(self.bitmap)
    }
}

/// NSEC3 data (RFC 5155 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec3<'a> {
    pub hash_algorithm: u8,
    pub flags: u8,
    pub iterations: u16,
    pub salt: &'a [u8],
    pub next_hashed: &'a [u8],
    pub bitmap: &'a [u8],
}

impl<'a> Nsec3<'a> {
    pub const OPT_OUT: u8 = 1;

    pub fn parse(d: &'a [u8]) -> Option<Nsec3<'a>> {
        let salt_len = *d.get(4)? as usize;
        let salt = d.get(5..5 + salt_len)?;
        let hash_at = 5 + salt_len;
        let hash_len = *d.get(hash_at)? as usize;
        let next_hashed = d.get(hash_at + 1..hash_at + 1 + hash_len)?;
        Some(Nsec3 {
            hash_algorithm: d[0],
            flags: *d.get(1)?,
            iterations: u16_at(d, 2)?,
            salt,
            next_hashed,
            bitmap: &d[hash_at + 1 + hash_len..],
        })
    }

    pub fn opt_out(&self) -> bool {
        self.flags & Self::OPT_OUT != 0
    }

    pub fn types(&self) -> Vec<Rtype> {
        super::field::decode_type_bitmap(self.bitmap)
    }
}

/// NSEC3PARAM data (RFC 5155 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsec3Param<'a> {
    pub hash_algorithm: u8,
    pub flags: u8,
    pub iterations: u16,
    pub salt: &'a [u8],
}

impl<'a> Nsec3Param<'a> {
    pub fn parse(d: &'a [u8]) -> Option<Nsec3Param<'a>> {
        let salt_len = *d.get(4)? as usize;
        if d.len() != 5 + salt_len {
            return None;
        }
        Some(Nsec3Param {
            hash_algorithm: d[0],
            flags: d[1],
            iterations: u16_at(d, 2)?,
            salt: &d[5..],
        })
    }
}
