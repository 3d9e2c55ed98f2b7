//! Constant-time ECDSA P-256 signing, many signatures at a time.
//!
//! # Background
//!
//! Signing a zone makes one ECDSA signature per RRset: a few hundred
//! thousand for a large zone, all with the same one or two keys. An ECDSA
//! signature ([FIPS 186-4] §6.4.1, [SEC 1] §4.1.3) over a message with
//! private key `d` takes a secret nonce `k`, the point `R = k·G`,
//! `r = R.x mod n` and `s = k⁻¹·(e + r·d) mod n`, `e` being the message's
//! SHA-256 digest. Getting `R.x` out of the projective coordinates the
//! scalar multiplication works in costs a field inversion, and `k⁻¹` an
//! inversion modulo `n`: with ring, which signs one message at a time, the
//! two inversions were about 40% of its signing time (perf, 100k-name zone).
//! Signing a batch lets both inversions be shared by every signature of the
//! batch (Montgomery's trick: one inversion and three multiplications per
//! element), which is what this module does.
//!
//! `k·G` uses a fixed table of multiples of `G`: 37 rows of 64 affine
//! points `j·2^(7·i)·G`, the nonce recoded into signed 7-bit digits
//! (Booth recoding, `[−64, 64]`), one mixed addition per row and no
//! doublings. Everything that touches `d` or `k` is constant-time: each
//! row is read in full and the entry picked with masks, the sign is applied
//! with a mask, the additions run for every row whatever the digit, field
//! arithmetic has no data-dependent branches, and scalar arithmetic modulo
//! `n` is the RustCrypto [`p256`] crate's (constant-time by design).
//!
//! Nonces are deterministic: `k = SHA-512(domain ‖ d ‖ e ‖ attempt) mod n`,
//! in the spirit of RFC 6979 and EdDSA (a secret, per-message value that
//! never repeats for different messages), so signing the same data with the
//! same key gives the same signature and signed zones are reproducible.
//!
//! # Usage
//!
//! ```
//! use dnslab_zone::keys::p256_sign::P256SigningKey;
//! # use dnslab_zone::{Algorithm, keys::{PrivateKey, crypto}};
//! # let generated = PrivateKey::generate(Algorithm::ECDSAP256SHA256).unwrap();
//! # let (scalar, public_key) = match &generated {
//! #     PrivateKey::Ecdsa { scalar, .. } => (scalar.clone(), generated.public_key()),
//! #     _ => unreachable!(),
//! # };
//! // `scalar` is the 32-byte private key, `public_key` the 64-byte DNSKEY
//! // public key field (x | y).
//! let key = P256SigningKey::new(&scalar, &public_key).expect("a valid key pair");
//! let signatures = key.sign_batch(&[b"one".as_slice(), b"two".as_slice()]).expect("signed");
//! assert!(crypto::verify(Algorithm::ECDSAP256SHA256, &public_key, b"two", &signatures[1]));
//! ```
//!
//! # Limitations
//!
//! - P-256 with SHA-256 only (DNSSEC algorithm 13); other algorithms sign
//!   with ring.
//! - The mixed addition is incomplete (wrong for a point plus itself or its
//!   inverse). That never happens here: for a nonce in `1 ..= n−1` the sum
//!   before row `i` is a multiple of `G` smaller than `2^(7·i)` in size, so
//!   it is never `±` the row's entry. Only a zero nonce ends in `Z = 0`;
//!   the batch checks `Z`, `r` and `s` anyway and signs a failing message
//!   again with the next attempt's nonce (at most [`MAX_ATTEMPTS`] times).
//! - Constant time is checked in the release assembly, not guaranteed by
//!   the language: the table read relies on [`std::hint::black_box`] to
//!   keep LLVM from turning masks back into branches.
//! - Deterministic nonces make a fault during signing (a flipped bit in
//!   the computation) a risk to the key, as for RFC 6979; zone signing
//!   runs on the instructor's or trainee's own machine. Key material is
//!   not wiped from memory after use.
//!
//! [FIPS 186-4]: https://doi.org/10.6028/NIST.FIPS.186-4
//! [SEC 1]: https://www.secg.org/sec1-v2.pdf

use p256::elliptic_curve::bigint::U256;
use p256::elliptic_curve::ff::{Field, PrimeField};
use p256::elliptic_curve::ops::Reduce;
use p256::{FieldBytes, Scalar};
use std::sync::OnceLock;

use super::p256_table::{GENERATOR_X, GENERATOR_Y, hex32, limbs_from_be};

mod field;
use field::Fe;

/// Window width of the generator table.
const W: usize = 7;
/// Entries a row: the digits' magnitudes 1 ..= 2^(W-1).
const ENTRIES: usize = 1 << (W - 1);
/// Rows: 37·7 = 259 bits, room for the recoding's last carry above bit 255.
const ROWS: usize = 256 / W + 1;

/// 2^256 mod n, to reduce 512-bit hashes modulo n.
const TWO_POW_256_MOD_N: [u8; 32] =
    hex32("00000000ffffffff00000000000000004319055258e8617b0c46353d039cdaaf");
/// Nonces tried for one message before giving up. Each attempt fails with
/// probability about 2⁻²⁵⁶ (a zero nonce, r or s), so reaching the limit
/// means a bug, reported as an error rather than looping.
pub const MAX_ATTEMPTS: u8 = 8;
/// Separates these nonces from any other use of SHA-512 over the key.
const NONCE_DOMAIN: &[u8] = b"dnslab ECDSA P-256 nonce v1\0";

/// A point in affine coordinates, both in the field's Montgomery form.
#[derive(Clone, Copy)]
struct Affine {
    x: Fe,
    y: Fe,
}

/// A point in Jacobian coordinates: (X, Y, Z) is (X/Z², Y/Z³).
#[derive(Clone, Copy)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Jacobian {
    fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// `self + (x2, y2)`, "madd-2004-hmv" (8M + 3S). Wrong (Z = 0) when the
    /// two points are equal, inverse, or `self` is infinity; constant-time
    /// callers mask those cases, table building avoids them.
    fn add_affine(&self, x2: &Fe, y2: &Fe) -> Jacobian {
        let z1z1 = self.z.square();
        let h = x2.mul(&z1z1).sub(&self.x);
        let r = y2.mul(&z1z1).mul(&self.z).sub(&self.y);
        let z3 = self.z.mul(&h);
        let hh = h.square();
        let hhh = hh.mul(&h);
        let v = hh.mul(&self.x);
        let x3 = r.square().sub(&v.add(&v)).sub(&hhh);
        let y3 = v.sub(&x3).mul(&r).sub(&self.y.mul(&hhh));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `2·self`, "dbl-2001-b" (a = −3). Only for building the table, where
    /// no point is infinity.
    fn double(&self) -> Jacobian {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let t = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = t.add(&t).add(&t);
        let beta2 = beta.add(&beta);
        let beta4 = beta2.add(&beta2);
        let beta8 = beta4.add(&beta4);
        let x3 = alpha.square().sub(&beta8);
        let yz = self.y.add(&self.z);
        let z3 = yz.square().sub(&gamma).sub(&delta);
        let g2 = gamma.square();
        let g4 = g2.add(&g2);
        let g8 = g4.add(&g4);
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&g8.add(&g8));
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// Picks `a` where `mask` is all ones, `self` where it is zero.
    fn select(&self, a: &Jacobian, mask: u64) -> Jacobian {
        Jacobian {
            x: self.x.select(&a.x, mask),
            y: self.y.select(&a.y, mask),
            z: self.z.select(&a.z, mask),
        }
    }
}

/// Inverts every element with one inversion (Montgomery's trick). The
/// caller has checked that none is zero.
fn batch_invert_fe(values: &[Fe]) -> Vec<Fe> {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = Fe::ONE;
    for v in values {
        acc = acc.mul(v);
        prefix.push(acc);
    }
    let mut inv = acc.invert();
    let mut out = vec![Fe::ZERO; values.len()];
    for i in (0..values.len()).rev() {
        out[i] = if i == 0 { inv } else { inv.mul(&prefix[i - 1]) };
        inv = inv.mul(&values[i]);
    }
    out
}

/// As [`batch_invert_fe`], modulo n.
fn batch_invert_scalar(values: &[Scalar]) -> Vec<Scalar> {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = Scalar::ONE;
    for v in values {
        acc *= v;
        prefix.push(acc);
    }
    // A zero product is ruled out by the caller; unwrap_or keeps this total.
    let mut inv = Option::<Scalar>::from(acc.invert()).unwrap_or(Scalar::ZERO);
    let mut out = vec![Scalar::ZERO; values.len()];
    for i in (0..values.len()).rev() {
        out[i] = if i == 0 { inv } else { inv * prefix[i - 1] };
        inv *= values[i];
    }
    out
}

/// Entry `j − 1` of row `i` is `j·2^(7·i)·G`.
struct GeneratorTable {
    rows: Vec<[Affine; ENTRIES]>,
}

impl GeneratorTable {
    fn build() -> GeneratorTable {
        let mut base = Affine {
            x: Fe::from_bytes(&GENERATOR_X),
            y: Fe::from_bytes(&GENERATOR_Y),
        };
        let mut rows = Vec::with_capacity(ROWS);
        for _ in 0..ROWS {
            // j·B for j = 1 ..= 64: 2·B by doubling, the rest by adding B.
            // None of these is infinity or equal to ±B (j < n), so the
            // incomplete formulas are exact here.
            let mut points = Vec::with_capacity(ENTRIES);
            let b = Jacobian::from_affine(&base);
            points.push(b);
            points.push(b.double());
            for j in 2..ENTRIES {
                points.push(points[j - 1].add_affine(&base.x, &base.y));
            }
            let zs: Vec<Fe> = points.iter().map(|p| p.z).collect();
            let inverses = batch_invert_fe(&zs);
            let mut row = [Affine {
                x: Fe::ZERO,
                y: Fe::ZERO,
            }; ENTRIES];
            for ((entry, p), zinv) in row.iter_mut().zip(&points).zip(&inverses) {
                let zinv2 = zinv.square();
                *entry = Affine {
                    x: p.x.mul(&zinv2),
                    y: p.y.mul(&zinv2).mul(zinv),
                };
            }
            // The next row's base: 2^7·B = 2·(64·B).
            let next = Jacobian::from_affine(&row[ENTRIES - 1]).double();
            let zinv = next.z.invert();
            let zinv2 = zinv.square();
            base = Affine {
                x: next.x.mul(&zinv2),
                y: next.y.mul(&zinv2).mul(&zinv),
            };
            rows.push(row);
        }
        GeneratorTable { rows }
    }

    fn get() -> &'static GeneratorTable {
        static TABLE: OnceLock<GeneratorTable> = OnceLock::new();
        TABLE.get_or_init(GeneratorTable::build)
    }

    /// The entry for `magnitude` (1 ..= 64) of `row`, or garbage (all zero)
    /// for 0, reading every entry so that the access pattern does not
    /// depend on `magnitude`.
    fn select(&self, row: usize, magnitude: u64) -> Affine {
        let mut masks = [0u64; ENTRIES];
        for (j, mask) in masks.iter_mut().enumerate() {
            *mask = eq_mask(j as u64 + 1, magnitude);
        }
        // Without this barrier LLVM sees that each mask is 0 or all ones
        // and turns the masked ORs below into "load the entry only if it
        // matches" (found in the release assembly): one load a row, at an
        // address given by the secret digit. Behind it the masks are
        // opaque values and every entry is loaded and combined. To check:
        // `objdump -d -C target/release/dnslab`, function
        // `GeneratorTable::mul`: its only conditional jumps are loop
        // counters, the public bit-position test of `window` and a bounds
        // check.
        let masks = std::hint::black_box(masks);
        let mut x = Fe::ZERO;
        let mut y = Fe::ZERO;
        for (entry, &mask) in self.rows[row].iter().zip(&masks) {
            x.or_masked(&entry.x, mask);
            y.or_masked(&entry.y, mask);
        }
        Affine { x, y }
    }

    /// `k·G` in Jacobian coordinates, in constant time. Z = 0 when `k` is
    /// zero or an exceptional addition happened (see the module docs).
    fn mul(&self, k: &[u64; 4]) -> Jacobian {
        let mut acc = Jacobian {
            x: Fe::ONE,
            y: Fe::ONE,
            z: Fe::ZERO,
        };
        // All ones while acc is still the point at infinity.
        let mut acc_is_infinity = u64::MAX;
        for row in 0..ROWS {
            let (negative, magnitude) = booth_digit(window(k, row));
            let entry = self.select(row, magnitude);
            let y = entry.y.select(&entry.y.neg(), negative.wrapping_neg());
            let sum = acc.add_affine(&entry.x, &y);
            let fresh = Jacobian {
                x: entry.x,
                y,
                z: Fe::ONE,
            };
            let digit_is_zero = eq_mask(magnitude, 0);
            let next = sum
                .select(&fresh, acc_is_infinity)
                .select(&acc, digit_is_zero);
            acc = next;
            acc_is_infinity &= digit_is_zero;
        }
        acc
    }
}

/// All ones if `a == b`, else zero, without a branch.
#[inline(always)]
fn eq_mask(a: u64, b: u64) -> u64 {
    let x = a ^ b;
    // (x | −x) has its top bit set exactly when x ≠ 0.
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// Bits `7·row − 1 ..= 7·row + 6` of `k` (bit −1 and bits above 255 are
/// zero): the window Booth recoding reads for `row`. Positions are public.
fn window(k: &[u64; 4], row: usize) -> u64 {
    let bit = |i: isize| -> u64 {
        if !(0..256).contains(&i) {
            0
        } else {
            (k[i as usize / 64] >> (i as usize % 64)) & 1
        }
    };
    let start = (W * row) as isize - 1;
    (0..=W as isize).fold(0, |acc, b| acc | bit(start + b) << b)
}

/// Booth recoding of an 8-bit window into a sign (1 = negative) and a
/// magnitude in 0 ..= 64, branch-free: windows 0..=127 give
/// ⌈w/2⌉, 128..=255 the negation of ⌈(255 − w)/2⌉.
#[inline(always)]
fn booth_digit(w: u64) -> (u64, u64) {
    let negative_mask = !((w >> W).wrapping_sub(1));
    let flipped = ((1 << (W + 1)) - 1 - w) & 0xff;
    let d = (flipped & negative_mask) | (w & !negative_mask);
    ((negative_mask & 1), (d >> 1) + (d & 1))
}

fn scalar_to_limbs(s: &Scalar) -> [u64; 4] {
    let bytes: [u8; 32] = s.to_repr().into();
    limbs_from_be(&bytes)
}

fn reduce_bytes(bytes: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*bytes))
}

/// A P-256 private key prepared for batch signing.
pub struct P256SigningKey {
    d: Scalar,
    d_bytes: [u8; 32],
}

impl std::fmt::Debug for P256SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str("P256SigningKey")
    }
}

impl P256SigningKey {
    /// `scalar` is the private key (32 bytes, big-endian), `public_key` the
    /// DNSKEY public key (x | y). `None` unless the scalar is in 1 ..= n−1
    /// and its public key is `public_key`.
    pub fn new(scalar: &[u8], public_key: &[u8]) -> Option<P256SigningKey> {
        let d_bytes: [u8; 32] = scalar.try_into().ok()?;
        let d = Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(d_bytes)))?;
        if bool::from(d.is_zero()) {
            return None;
        }
        let q = GeneratorTable::get().mul(&scalar_to_limbs(&d));
        let zinv = q.z.invert();
        let zinv2 = zinv.square();
        let x = q.x.mul(&zinv2).to_bytes();
        let y = q.y.mul(&zinv2).mul(&zinv).to_bytes();
        if public_key.len() != 64 || public_key[..32] != x || public_key[32..] != y {
            return None;
        }
        Some(P256SigningKey { d, d_bytes })
    }

    /// The nonce for a message digest and attempt number.
    fn nonce(&self, digest: &[u8; 32], attempt: u8) -> Scalar {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA512);
        ctx.update(NONCE_DOMAIN);
        ctx.update(&self.d_bytes);
        ctx.update(digest);
        ctx.update(&[attempt]);
        let wide = ctx.finish();
        let wide = wide.as_ref();
        let mut hi = [0u8; 32];
        let mut lo = [0u8; 32];
        hi.copy_from_slice(&wide[..32]);
        lo.copy_from_slice(&wide[32..]);
        // (hi·2^256 + lo) mod n: bias below 2^-250.
        reduce_bytes(&hi) * reduce_bytes(&TWO_POW_256_MOD_N) + reduce_bytes(&lo)
    }

    /// Signs every message (SHA-256, then ECDSA), returning the signatures
    /// in RRSIG form (r | s, 64 bytes), in the order of `messages`; `None`
    /// only if some message found no nonce in [`MAX_ATTEMPTS`] tries.
    pub fn sign_batch(&self, messages: &[&[u8]]) -> Option<Vec<[u8; 64]>> {
        let digests: Vec<[u8; 32]> = messages
            .iter()
            .map(|m| {
                let d = ring::digest::digest(&ring::digest::SHA256, m);
                let mut out = [0u8; 32];
                out.copy_from_slice(d.as_ref());
                out
            })
            .collect();
        let mut out = vec![[0u8; 64]; messages.len()];
        let mut pending: Vec<usize> = (0..messages.len()).collect();
        // Each round signs what the previous could not (a zero nonce, r or
        // s): practically never more than one round.
        for attempt in 0..MAX_ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            let digests_now: Vec<[u8; 32]> = pending.iter().map(|&i| digests[i]).collect();
            let results = self.try_sign(&digests_now, attempt);
            let mut failed = Vec::new();
            for (i, result) in pending.into_iter().zip(results) {
                match result {
                    Some(sig) => out[i] = sig,
                    None => failed.push(i),
                }
            }
            pending = failed;
        }
        pending.is_empty().then_some(out)
    }

    /// One round of signing: `None` for a message whose nonce did not give
    /// a signature.
    fn try_sign(&self, digests: &[[u8; 32]], attempt: u8) -> Vec<Option<[u8; 64]>> {
        let nonces: Vec<Scalar> = digests.iter().map(|e| self.nonce(e, attempt)).collect();
        self.sign_with_nonces(digests, &nonces)
    }

    /// Signs each digest with its nonce; `None` where that nonce gives no
    /// signature.
    fn sign_with_nonces(&self, digests: &[[u8; 32]], nonces: &[Scalar]) -> Vec<Option<[u8; 64]>> {
        let table = GeneratorTable::get();
        let points: Vec<Jacobian> = nonces
            .iter()
            .map(|k| table.mul(&scalar_to_limbs(k)))
            .collect();
        // A zero Z (or a zero nonce) would make the shared inversions zero
        // for the whole batch: sign such a batch one by one instead, so
        // that only the failing message goes without a signature.
        let usable = |k: &Scalar, p: &Jacobian| !bool::from(k.is_zero()) && !p.z.is_zero();
        if !nonces.iter().zip(&points).all(|(k, p)| usable(k, p)) {
            if digests.len() == 1 {
                return vec![None];
            }
            return digests
                .iter()
                .zip(nonces)
                .flat_map(|(e, k)| {
                    self.sign_with_nonces(std::slice::from_ref(e), std::slice::from_ref(k))
                })
                .collect();
        }
        let zs: Vec<Fe> = points.iter().map(|p| p.z).collect();
        let z_inverses = batch_invert_fe(&zs);
        let k_inverses = batch_invert_scalar(nonces);
        digests
            .iter()
            .zip(&points)
            .zip(z_inverses.iter().zip(&k_inverses))
            .map(|((digest, point), (zinv, kinv))| {
                let x = point.x.mul(&zinv.square()).to_bytes();
                let r = reduce_bytes(&x);
                let e = reduce_bytes(digest);
                let s = *kinv * (e + r * self.d);
                if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
                    return None;
                }
                let mut sig = [0u8; 64];
                sig[..32].copy_from_slice(&r.to_repr());
                sig[32..].copy_from_slice(&s.to_repr());
                Some(sig)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
