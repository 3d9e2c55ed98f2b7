//! DNSSEC keys: generation, BIND's file formats, timing metadata, DS.
//!
//! A [`Key`] is a DNSKEY (flags, algorithm, public key) for a zone, with its
//! BIND timing metadata and, when the private half is at hand, a
//! [`PrivateKey`] to sign with. Files follow BIND's conventions:
//! `K<zone>+<alg>+<tag>.key` holds the DNSKEY record,
//! `K<zone>+<alg>+<tag>.private` the private key (`Private-key-format:
//! v1.3`), created with mode 0600.

pub mod bind;
pub mod crypto;
pub mod ds;
pub mod p256_table;

use crate::algorithm::Algorithm;
use crate::name::Name;
use crate::rdata::view::{Dnskey, key_tag};
pub use bind::{KeyFileError, KeyFilePaths, load_key_dir};
pub use crypto::{CryptoError, PrivateKey, RsaComponents};

/// BIND's key timing metadata (seconds since the epoch), as kept in
/// `.private` files and set by `dnssec-settime`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyTiming {
    pub created: Option<i64>,
    pub publish: Option<i64>,
    pub activate: Option<i64>,
    pub revoke: Option<i64>,
    pub inactive: Option<i64>,
    pub delete: Option<i64>,
    pub sync_publish: Option<i64>,
    pub sync_delete: Option<i64>,
}

impl KeyTiming {
    /// Whether the DNSKEY belongs in the zone at `now`, the way
    /// `dnssec-signzone -S` decides: published (or activated) and not yet
    /// deleted. A key with no metadata at all is published.
    pub fn is_published(&self, now: i64) -> bool {
        let start = self.publish.or(self.activate);
        start.is_none_or(|t| t <= now) && self.delete.is_none_or(|t| t > now)
    }

    /// Whether the key signs at `now`: activated, not yet inactive and
    /// not deleted. Publication is separate: a key whose Publish time is
    /// still ahead while its Activate time has passed signs without its
    /// DNSKEY in the zone, the order RFC 6781 §4.1.4 gives an algorithm
    /// rollover (signatures of the new algorithm before its keys, and
    /// after the old keys for the old one).
    pub fn is_active(&self, now: i64) -> bool {
        self.activate.is_none_or(|t| t <= now)
            && self.inactive.is_none_or(|t| t > now)
            && self.delete.is_none_or(|t| t > now)
    }

    /// Whether CDS/CDNSKEY for the key belong in the zone at `now`.
    pub fn is_sync_published(&self, now: i64) -> bool {
        self.sync_publish.is_some_and(|t| t <= now) && self.sync_delete.is_none_or(|t| t > now)
    }
}

/// A zone's DNSSEC key.
#[derive(Debug)]
pub struct Key {
    /// The zone the key belongs to (the DNSKEY owner).
    pub owner: Name,
    /// TTL written in the `.key` file, if any.
    pub ttl: Option<u32>,
    pub flags: u16,
    pub algorithm: Algorithm,
    pub public_key: Vec<u8>,
    pub timing: KeyTiming,
    pub private: Option<PrivateKey>,
}

impl Key {
    /// Generates a key for `owner`: a KSK (flags 257) or a ZSK (256).
    pub fn generate(
        owner: Name,
        algorithm: Algorithm,
        ksk: bool,
        now: i64,
    ) -> Result<Key, CryptoError> {
        let private = PrivateKey::generate(algorithm)?;
        Ok(Key {
            owner,
            ttl: None,
            flags: if ksk { 257 } else { 256 },
            algorithm,
            public_key: private.public_key(),
            timing: KeyTiming {
                created: Some(now),
                publish: Some(now),
                activate: Some(now),
                ..KeyTiming::default()
            },
            private: Some(private),
        })
    }

    /// DNSKEY record data.
    pub fn dnskey_rdata(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(4 + self.public_key.len());
        d.extend_from_slice(&self.flags.to_be_bytes());
        d.push(3);
        d.push(self.algorithm.0);
        d.extend_from_slice(&self.public_key);
        d
    }

    pub fn tag(&self) -> u16 {
        key_tag(&self.dnskey_rdata())
    }

    /// Secure entry point (KSK) flag set.
    pub fn is_sep(&self) -> bool {
        self.flags & Dnskey::SEP != 0
    }

    /// BIND's base name: `K<zone>+<alg>+<tag>` (zone with its trailing dot).
    pub fn base_name(&self) -> String {
        let zone = self.owner.to_string().to_ascii_lowercase();
        format!("K{zone}+{:03}+{:05}", self.algorithm.0, self.tag())
    }

    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.private {
            Some(p) => p.sign(data),
            None => Err(CryptoError::CannotSign(self.algorithm)),
        }
    }
}
