//! NSEC3 owner name hashing (RFC 5155 §5).

use crate::name::{Name, NameError};
use data_encoding::BASE32HEX_NOPAD;
use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};

/// NSEC3 hash algorithm 1, the only one defined.
pub const SHA1: u8 = 1;

/// IH(salt, x, k): SHA-1 of the lowercased wire name, iterated.
pub fn hash(name: &Name, salt: &[u8], iterations: u16) -> [u8; 20] {
    let lower = name.to_lowercase();
    let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(lower.as_wire());
    ctx.update(salt);
    let mut digest = ctx.finish();
    for _ in 0..iterations {
        let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
        ctx.update(digest.as_ref());
        ctx.update(salt);
        digest = ctx.finish();
    }
    let mut out = [0u8; 20];
    out.copy_from_slice(digest.as_ref());
    out
}

/// The NSEC3 owner for a hash: `<base32hex>.<apex>`, lowercase like
/// every signer writes it.
pub fn hashed_owner(hash: &[u8], apex: &Name) -> Result<Name, NameError> {
    let label = BASE32HEX_NOPAD.encode(hash).to_ascii_lowercase();
    apex.prepend(label.as_bytes())
}

/// The hash in an NSEC3 owner's first label, if it is one.
pub fn hash_of_owner(owner: &Name) -> Option<Vec<u8>> {
    let label = owner.labels().next()?;
    BASE32HEX_NOPAD.decode(&label.to_ascii_uppercase()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5155_appendix_a_hashes() {
        // RFC 5155 appendix A: salt aabbccdd, 12 iterations.
        let salt = [0xaa, 0xbb, 0xcc, 0xdd];
        let apex = Name::parse_absolute("example.").unwrap();
        let cases = [
            ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
            ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
            ("ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"),
            ("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"),
        ];
        for (name, expected) in cases {
            let h = hash(&Name::parse_absolute(name).unwrap(), &salt, 12);
            let owner = hashed_owner(&h, &apex).unwrap();
            assert_eq!(owner.to_string(), format!("{expected}.example."), "{name}");
            assert_eq!(hash_of_owner(&owner).as_deref(), Some(&h[..]));
        }
    }
}
