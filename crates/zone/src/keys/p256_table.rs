//! Fast ECDSA P-256 verification for keys that check many signatures.
//!
//! # Background
//!
//! DNSSEC algorithm 13, ECDSAP256SHA256 ([RFC 6605]), signs with ECDSA over
//! the NIST P-256 curve and SHA-256. Checking a signature `(r, s)` over a
//! message with public key `Q` ([FIPS 186-4] §6.4.2, [SEC 1] §4.1.4) takes
//! `e = SHA-256(message) mod n`, `w = s⁻¹ mod n`, `u1 = e·w`, `u2 = r·w`
//! and accepts when the point `R = u1·G + u2·Q` is not the point at
//! infinity and `R.x mod n = r`.
//!
//! Nearly all of the time goes into the two scalar multiplications.
//! General-purpose libraries such as ring precompute multiples of the
//! generator `G`, so `u1·G` is cheap, but must compute `u2·Q` from scratch
//! with some 256 point doublings because `Q` changes from call to call. A
//! zone, though, has one to four keys, each checking about as many
//! signatures as the zone has names. Precomputing a table of multiples of
//! each `Q` once (a few milliseconds) makes `u2·Q` as cheap as `u1·G`.
//!
//! The table for a point `P` holds, for every row `i` and every
//! `j = 1 ..= 2^(W-1)`, the affine point `j · 2^(W·i) · P`. A scalar `k` is
//! recoded into signed base-`2^W` digits `d_i ∈ [-2^(W-1), 2^(W-1)]`
//! with `k = Σ d_i · 2^(W·i)`, so `k·P` is the sum of one table entry (or
//! its negation, which costs nothing on a Weierstrass curve) per non-zero
//! digit: about `256 / W` additions and no doublings at all. The sum is
//! kept in Jacobian coordinates and the final `x` is compared without a
//! field inversion.
//!
//! Field and scalar arithmetic come from the RustCrypto [`p256`] crate
//! (0.13, feature `expose-field`); the table, the digit recoding and the
//! point formulas are here.
//!
//! # Usage
//!
//! ```
//! use dnslab_zone::keys::p256_table::P256VerifyingKey;
//! # use dnslab_zone::{Algorithm, keys::PrivateKey};
//! # let private = PrivateKey::generate(Algorithm::ECDSAP256SHA256).unwrap();
//! # let signature = private.sign(b"data").unwrap();
//! # let public_key = private.public_key();
//! // `public_key` is the 64-byte DNSKEY public key field (x | y),
//! // `signature` the 64-byte RRSIG signature field (r | s).
//! let key = P256VerifyingKey::new(&public_key).expect("a point on P-256");
//! assert!(key.verify(b"data", &signature));
//! assert!(!key.verify(b"Data", &signature));
//! ```
//!
//! Most callers use [`super::crypto::VerifyingKey`], which picks this
//! implementation for algorithm 13 and ring for everything else.
//!
//! # Limitations
//!
//! - Building a key costs about 5 ms and 464 KiB of memory, so it only
//!   pays for keys that check more than about 150 signatures
//!   ([`super::crypto::VerifyingKey::for_checks`] decides). The table for
//!   `G` is built once per process, on first use, and kept.
//! - Not constant-time. Verification handles only public data (keys,
//!   signatures, signed data), so timing reveals nothing secret; never use
//!   this code with private keys.
//! - Only P-256 with SHA-256 and the fixed-length `r | s` signature format
//!   of RFC 6605 §4; DER-encoded signatures are not accepted.
//!
//! [RFC 6605]: https://www.rfc-editor.org/rfc/rfc6605
//! [FIPS 186-4]: https://doi.org/10.6028/NIST.FIPS.186-4
//! [SEC 1]: https://www.secg.org/sec1-v2.pdf

use p256::elliptic_curve::ff::{Field, PrimeField};
use p256::{FieldBytes, Scalar};
use std::sync::OnceLock;

/// An element of the base field, integers modulo p. p256 0.13 rather than
/// 0.14: 0.14's generic crypto-bigint field arithmetic made verification
/// about 45% slower here (39 µs against 27 µs at W = 8), and this code
/// needs nothing newer.
type Fe = p256::FieldElement;

/// Window width in bits. Nine gives 29 rows of 256 points (464 KiB per
/// table, about 5 ms to build) and at most 29 additions per scalar
/// multiplication. Measured per verification against ring's 60 µs on a
/// loaded EPYC core (`examples/crypto_speed.rs`): W = 8 took 27 µs, 9 took
/// 24 µs, 10 took 23 µs but doubles the table and its set-up time.
const W: usize = 9;
/// Entries per row: multiples 1 ..= 2^(W-1).
const HALF: usize = 1 << (W - 1);
/// Rows: enough base-2^W digits for any 256-bit scalar plus the carry out
/// of the top digit that signed recoding can produce, ⌈257 / W⌉.
const ROWS: usize = (256 + W) / W;

/// Decodes 64 hex digits at compile time.
pub(super) const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let s = s.as_bytes();
    assert!(s.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]);
        i += 1;
    }
    out
}

/// The group order n, big-endian (SP 800-186 §G.1.2).
pub(super) const ORDER: [u8; 32] =
    hex32("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
/// p − n, big-endian: an x-coordinate below it may also equal r + n.
const P_MINUS_ORDER: [u8; 32] =
    hex32("000000000000000000000000000000004319055358e8617b0c46353d039cdaae");
/// The curve coefficient b of y² = x³ − 3x + b.
const CURVE_B: [u8; 32] = hex32("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
/// The generator G.
pub(super) const GENERATOR_X: [u8; 32] =
    hex32("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
pub(super) const GENERATOR_Y: [u8; 32] =
    hex32("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");

/// A field element from 32 big-endian bytes; `None` unless below p.
fn fe(bytes: &[u8]) -> Option<Fe> {
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    Option::from(Fe::from_repr(FieldBytes::from(bytes)))
}

/// A scalar from 32 big-endian bytes; `None` unless below n.
fn scalar(bytes: [u8; 32]) -> Option<Scalar> {
    Option::from(Scalar::from_repr(FieldBytes::from(bytes)))
}

/// `a − b` for 256-bit big-endian integers with `a ≥ b`.
fn sub_be(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + (borrow << 8)) as u8;
    }
    out
}

/// 256-bit integers as four 64-bit limbs, least significant first.
pub(super) type Limbs = [u64; 4];

pub(super) fn limbs_from_be(bytes: &[u8; 32]) -> Limbs {
    let mut out = [0u64; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        let at = 32 - 8 * (i + 1);
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        *limb = u64::from_be_bytes(word);
    }
    out
}

pub(super) fn limbs_to_be(limbs: &Limbs) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        let at = 32 - 8 * (i + 1);
        out[at..at + 8].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// `a + b` and the carry out of the top limb.
fn limbs_add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let t = u128::from(a[i]) + u128::from(b[i]) + carry;
        out[i] = t as u64;
        carry = t >> 64;
    }
    (out, carry != 0)
}

/// `a − b` and whether it borrowed (a < b).
fn limbs_sub(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        out[i] = d;
        borrow = b1 || b2;
    }
    (out, borrow)
}

/// `−n⁻¹ mod 2^64`, for dividing by powers of two modulo n.
const NEG_N0_INV: u64 = {
    let n0 = 0xf3b9_cac2_fc63_2551u64; // the low limb of n
    // Newton's iteration doubles the correct low bits each round; n0 is
    // its own inverse mod 8, so six rounds give 3·2^6 ≥ 64 bits.
    let mut inv = n0;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `x / 2^k mod n` for `x < n`, `1 ≤ k ≤ 63`: adds the multiple of n that
/// clears the low k bits (as Montgomery reduction does), then shifts.
fn div_pow2_mod_n(x: &Limbs, k: u32, n: &Limbs) -> Limbs {
    let m = x[0].wrapping_mul(NEG_N0_INV) & ((1u64 << k) - 1);
    // t = x + m·n, five limbs.
    let mut t = [0u64; 5];
    let mut carry = 0u128;
    for i in 0..4 {
        let v = u128::from(x[i]) + u128::from(m) * u128::from(n[i]) + carry;
        t[i] = v as u64;
        carry = v >> 64;
    }
    t[4] = carry as u64;
    // t / 2^k < (n + 2^k·n) / 2^k < 2n: one conditional subtraction.
    let q = [
        t[0] >> k | t[1] << (64 - k),
        t[1] >> k | t[2] << (64 - k),
        t[2] >> k | t[3] << (64 - k),
        t[3] >> k | t[4] << (64 - k),
    ];
    let high = t[4] >> k != 0;
    let (d, borrow) = limbs_sub(&q, n);
    if high || !borrow { d } else { q }
}

/// `x >> k` for `1 ≤ k ≤ 63`.
fn limbs_shr(x: &Limbs, k: u32) -> Limbs {
    [
        x[0] >> k | x[1] << (64 - k),
        x[1] >> k | x[2] << (64 - k),
        x[2] >> k | x[3] << (64 - k),
        x[3] >> k,
    ]
}

/// `s⁻¹ mod n` by the binary extended Euclidean algorithm (Hankerson,
/// Menezes, Vanstone, "Guide to Elliptic Curve Cryptography", algorithm
/// 2.22), on plain limbs, removing all trailing zero bits in one step.
/// Variable-time, which is fine for public values; several times as fast
/// here as p256's `invert_vartime`, which takes the same steps one bit at
/// a time with reduced scalar arithmetic. `None` for zero.
fn invert_mod_n(s: &Scalar) -> Option<Scalar> {
    let n = limbs_from_be(&ORDER);
    let one: Limbs = [1, 0, 0, 0];
    let mut u = limbs_from_be(&s.to_repr().into());
    if u == [0; 4] {
        return None;
    }
    let mut v = n;
    // Invariants: x1·s ≡ u and x2·s ≡ v (mod n), 0 ≤ x1, x2 < n.
    let mut x1 = one;
    let mut x2 = [0u64; 4];
    // n is prime and 0 < s < n, so gcd(u, v) = 1 throughout: u = v only
    // when both are 1, and neither reaches zero before the loop ends.
    while u != one && v != one {
        // At most 63 bits a step: a zero low limb takes two steps.
        while u[0] & 1 == 0 {
            let k = u[0].trailing_zeros().min(63);
            u = limbs_shr(&u, k);
            x1 = div_pow2_mod_n(&x1, k, &n);
        }
        while v[0] & 1 == 0 {
            let k = v[0].trailing_zeros().min(63);
            v = limbs_shr(&v, k);
            x2 = div_pow2_mod_n(&x2, k, &n);
        }
        let (d, borrow) = limbs_sub(&u, &v);
        if !borrow {
            u = d;
            x1 = sub_mod(&x1, &x2, &n);
        } else {
            v = limbs_sub(&v, &u).0;
            x2 = sub_mod(&x2, &x1, &n);
        }
    }
    let inverse = if u == one { x1 } else { x2 };
    scalar(limbs_to_be(&inverse))
}

/// `a − b mod n` for `a, b < n`.
fn sub_mod(a: &Limbs, b: &Limbs, n: &Limbs) -> Limbs {
    let (d, borrow) = limbs_sub(a, b);
    if borrow { limbs_add(&d, n).0 } else { d }
}

/// A point in affine coordinates; never the point at infinity.
#[derive(Clone, Copy, Debug)]
struct Affine {
    x: Fe,
    y: Fe,
}

impl Affine {
    /// Whether the point satisfies y² = x³ − 3x + b (SEC 1 §3.2.2.1 step 3).
    fn is_on_curve(&self) -> bool {
        let Some(b) = fe(&CURVE_B) else {
            return false;
        };
        let x = self.x;
        let three_x = x.double() + x;
        self.y.square() == x.square() * x - three_x + b
    }
}

/// A point in Jacobian coordinates: (X, Y, Z) is the affine point
/// (X/Z², Y/Z³); Z = 0 is the point at infinity. Jacobian coordinates make
/// mixed additions cheaper than the complete projective formulas `p256`
/// itself uses; their exceptional cases (doubling, adding the inverse,
/// infinity) are handled by explicit branches, which is fine because every
/// input is public.
#[derive(Clone, Copy, Debug)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Jacobian {
    const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    fn is_infinity(&self) -> bool {
        self.z.is_zero_vartime()
    }

    fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// `2·self`, "dbl-2001-b" from the Explicit-Formulas Database
    /// (<https://hyperelliptic.org/EFD/g1p/auto-shortw-jacobian-3.html>),
    /// which uses a = −3: 3M + 5S.
    fn double(&self) -> Jacobian {
        if self.is_infinity() || self.y.is_zero_vartime() {
            // A point with y = 0 has order 2; P-256 has none, but stay total.
            return Jacobian::INFINITY;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x3 = alpha.square() - beta4.double();
        let z3 = (self.y + self.z).square() - gamma - delta;
        let gamma2 = gamma.square();
        let y3 = alpha * (beta4 - x3) - gamma2.double().double().double();
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `self + (x2, y2)`, "madd-2004-hmv" from the Explicit-Formulas
    /// Database: 8M + 3S. It has one multiplication more than
    /// "madd-2007-bl" but half the additions, and p256's field additions
    /// cost almost half a multiplication. `y2` is passed separately so that
    /// callers can add a negated table entry without building it.
    fn add_affine(&self, x2: &Fe, y2: &Fe) -> Jacobian {
        if self.is_infinity() {
            return Jacobian {
                x: *x2,
                y: *y2,
                z: Fe::ONE,
            };
        }
        let z1z1 = self.z.square();
        // h = x2·Z1² − X1, r = y2·Z1³ − Y1: zero when the x (or y)
        // coordinates agree.
        let h = *x2 * z1z1 - self.x;
        let r = *y2 * z1z1 * self.z - self.y;
        if h.is_zero_vartime() {
            // Same x: either the same point (double it) or its inverse.
            return if r.is_zero_vartime() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let z3 = self.z * h;
        let hh = h.square();
        let hhh = hh * h;
        let v = hh * self.x;
        let x3 = r.square() - v.double() - hhh;
        let y3 = (v - x3) * r - self.y * hhh;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn to_affine(self) -> Option<Affine> {
        let zinv: Fe = Option::from(self.z.invert())?;
        let zinv2 = zinv.square();
        Some(Affine {
            x: self.x * zinv2,
            y: self.y * zinv2 * zinv,
        })
    }
}

/// Converts many points to affine with one field inversion (Montgomery's
/// trick). `None` if any is the point at infinity.
fn batch_to_affine(points: &[Jacobian]) -> Option<Vec<Affine>> {
    // prefix[i] = z_0 · … · z_i
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        if p.is_infinity() {
            return None;
        }
        acc *= p.z;
        prefix.push(acc);
    }
    // inv = (z_0 · … · z_i)⁻¹ as i walks down.
    let mut inv: Fe = Option::from(acc.invert())?;
    let mut out = vec![
        Affine {
            x: Fe::ZERO,
            y: Fe::ZERO
        };
        points.len()
    ];
    for i in (0..points.len()).rev() {
        let zinv = if i == 0 { inv } else { inv * prefix[i - 1] };
        inv *= points[i].z;
        let zinv2 = zinv.square();
        out[i] = Affine {
            x: points[i].x * zinv2,
            y: points[i].y * zinv2 * zinv,
        };
    }
    Some(out)
}

/// Multiples `j · 2^(W·i) · P` of one point, row `i`, column `j − 1`.
struct Table {
    points: Vec<Affine>,
}

impl Table {
    /// `None` only if `base` is not of order n, which no point on P-256
    /// other than infinity is; callers check that the point is on the curve.
    fn new(base: Affine) -> Option<Table> {
        let mut jacobian = Vec::with_capacity(ROWS * HALF);
        let mut row_base = base;
        for row in 0..ROWS {
            // j · B for j = 1 ..= HALF by repeated addition of B; j · B is
            // never infinity because j · 2^(W·i) has no factor n (n is a
            // prime far above 2^(W-1)).
            let mut acc = Jacobian::from_affine(&row_base);
            jacobian.push(acc);
            for _ in 1..HALF {
                acc = acc.add_affine(&row_base.x, &row_base.y);
                jacobian.push(acc);
            }
            if row + 1 < ROWS {
                // 2 · HALF · B = 2^W · B, the next row's base.
                row_base = acc.double().to_affine()?;
            }
        }
        Some(Table {
            points: batch_to_affine(&jacobian)?,
        })
    }

    /// Adds `k·P` to `acc`, for `k` recoded by [`recode`].
    fn accumulate(&self, acc: &mut Jacobian, digits: &[i16; ROWS]) {
        for (row, &d) in digits.iter().enumerate() {
            if d == 0 {
                continue;
            }
            let p = &self.points[row * HALF + usize::from(d.unsigned_abs()) - 1];
            *acc = if d > 0 {
                acc.add_affine(&p.x, &p.y)
            } else {
                acc.add_affine(&p.x, &-p.y)
            };
        }
    }
}

/// Recodes a scalar into signed base-2^W digits, least significant first:
/// each digit is in [−2^(W−1), 2^(W−1)] and Σ dᵢ·2^(W·i) equals the
/// scalar. A window above 2^(W−1) becomes negative and carries one into
/// the next; the extra top row takes the last carry.
fn recode(k: &Scalar) -> [i16; ROWS] {
    let limbs = limbs_from_be(&k.to_repr().into());
    let bit = |i: usize| -> u64 { limbs.get(i / 64).map_or(0, |l| (l >> (i % 64)) & 1) };
    let mut digits = [0i16; ROWS];
    let mut carry = 0i16;
    for (row, digit) in digits.iter_mut().enumerate() {
        let mut window = 0i16;
        for b in (0..W).rev() {
            window = window << 1 | bit(row * W + b) as i16;
        }
        let v = window + carry;
        if v > HALF as i16 {
            *digit = v - (1 << W);
            carry = 1;
        } else {
            *digit = v;
            carry = 0;
        }
    }
    debug_assert_eq!(carry, 0, "ROWS leaves room for the last carry");
    digits
}

/// The table for the generator, built on first use and shared.
fn generator_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let g = fe(&GENERATOR_X)
            .zip(fe(&GENERATOR_Y))
            .map(|(x, y)| Affine { x, y });
        // Constants, checked by the tests; a failure here is a bug in
        // this file, not bad input.
        g.and_then(Table::new)
            .expect("the P-256 generator constants are valid")
    })
}

/// A P-256 public key prepared to check many ECDSA signatures quickly.
pub struct P256VerifyingKey {
    table: Table,
}

impl std::fmt::Debug for P256VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P256VerifyingKey")
    }
}

impl P256VerifyingKey {
    /// Prepares the key from the DNSKEY public key field, the 64-byte
    /// `x | y` of RFC 6605 §4. `None` unless it is a point on the curve
    /// with both coordinates below p (SEC 1 §3.2.2.1), the same keys ring
    /// refuses.
    pub fn new(public_key: &[u8]) -> Option<P256VerifyingKey> {
        if public_key.len() != 64 {
            return None;
        }
        let q = Affine {
            x: fe(&public_key[..32])?,
            y: fe(&public_key[32..])?,
        };
        if !q.is_on_curve() {
            return None;
        }
        Some(P256VerifyingKey {
            table: Table::new(q)?,
        })
    }

    /// Checks an ECDSA P-256 SHA-256 signature, `r | s` as RFC 6605 §4
    /// encodes it, over `message` (FIPS 186-4 §6.4.2).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
            return false;
        };
        let mut r_bytes = [0u8; 32];
        let mut s_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&signature[..32]);
        s_bytes.copy_from_slice(&signature[32..]);
        // r, s ∈ [1, n − 1].
        let (Some(r), Some(s)) = (scalar(r_bytes), scalar(s_bytes)) else {
            return false;
        };
        if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
            return false;
        }
        // e: the whole 256-bit hash (the curve's bit length), reduced mod
        // n. The hash is below 2^256 < 2n, so one subtraction suffices.
        let mut hash = [0u8; 32];
        hash.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, message).as_ref());
        let e = match scalar(hash) {
            Some(e) => e,
            None => match scalar(sub_be(&hash, &ORDER)) {
                Some(e) => e,
                None => return false,
            },
        };
        // All inputs are public, so variable-time inversion is fine.
        let Some(w) = invert_mod_n(&s) else {
            return false;
        };
        let u1 = e * w;
        let u2 = r * w;
        let mut acc = Jacobian::INFINITY;
        generator_table().accumulate(&mut acc, &recode(&u1));
        self.table.accumulate(&mut acc, &recode(&u2));
        if acc.is_infinity() {
            return false;
        }
        // R.x = X / Z². Rather than invert Z, check X = r·Z²; R.x is below
        // p, and p > n, so R.x mod n = r also when R.x = r + n < p.
        let z2 = acc.z.square();
        let Some(r_fe) = fe(&r_bytes) else {
            return false;
        };
        if acc.x == r_fe * z2 {
            return true;
        }
        if r_bytes < P_MINUS_ORDER {
            let Some(n) = fe(&ORDER) else {
                return false;
            };
            return acc.x == (r_fe + n) * z2;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::Algorithm;
    use crate::keys::crypto::{PrivateKey, verify as ring_verify};
    use p256::EncodedPoint;
    use p256::elliptic_curve::Group;
    use p256::elliptic_curve::ops::Invert;
    use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
    use p256::{AffinePoint, ProjectivePoint};
    use proptest::prelude::*;
    use ring::rand::{SecureRandom, SystemRandom};

    const P256: Algorithm = Algorithm::ECDSAP256SHA256;

    fn random<const N: usize>() -> [u8; N] {
        let mut out = [0u8; N];
        SystemRandom::new().fill(&mut out).unwrap();
        out
    }

    /// Both verdicts, asserting they agree.
    fn agree(public_key: &[u8], message: &[u8], sig: &[u8]) -> bool {
        agree_prepared(
            P256VerifyingKey::new(public_key).as_ref(),
            public_key,
            message,
            sig,
        )
    }

    /// [`agree`] with the key already prepared (`None`: refused).
    fn agree_prepared(
        key: Option<&P256VerifyingKey>,
        public_key: &[u8],
        message: &[u8],
        sig: &[u8],
    ) -> bool {
        let ring = ring_verify(P256, public_key, message, sig);
        let ours = key.is_some_and(|k| k.verify(message, sig));
        assert_eq!(
            ours, ring,
            "key {public_key:02x?} message {message:02x?} sig {sig:02x?}"
        );
        ours
    }

    /// x | y of a p256 point, for keys made with p256's own arithmetic.
    fn encode(p: &ProjectivePoint) -> Vec<u8> {
        p.to_affine().to_encoded_point(false).as_bytes()[1..].to_vec()
    }

    fn p256_scalar(bytes: [u8; 32]) -> Scalar {
        // Random 256-bit values are below n with overwhelming probability.
        scalar(bytes).unwrap()
    }

    #[test]
    fn constants() {
        let n = fe(&ORDER).unwrap();
        let p_minus_n = fe(&P_MINUS_ORDER).unwrap();
        assert!(bool::from((n + p_minus_n).is_zero()), "n + (p − n) = p");
        assert!(scalar(ORDER).is_none());
        assert!(scalar(sub_be(&ORDER, &hex32(&format!("{:064x}", 1)))).is_some());
        let g = encode(&ProjectivePoint::GENERATOR);
        assert_eq!(g, [GENERATOR_X, GENERATOR_Y].concat());
        let g = Affine {
            x: fe(&GENERATOR_X).unwrap(),
            y: fe(&GENERATOR_Y).unwrap(),
        };
        assert!(g.is_on_curve());
        assert!(
            !Affine {
                x: g.x,
                y: g.y + Fe::ONE
            }
            .is_on_curve()
        );
    }

    #[test]
    fn tables_match_p256_multiples() {
        let table = generator_table();
        let g = ProjectivePoint::GENERATOR;
        for row in [0, 1, 2, ROWS / 2, ROWS - 2, ROWS - 1] {
            for j in [1, 2, 3, HALF - 1, HALF] {
                let mut k = Scalar::from(j as u64);
                for _ in 0..row * W {
                    k = k.double();
                }
                let want = encode(&(g * k));
                let got = &table.points[row * HALF + j - 1];
                assert_eq!(
                    [got.x.to_repr().to_vec(), got.y.to_repr().to_vec()].concat(),
                    want,
                    "row {row} j {j}"
                );
            }
        }
    }

    #[test]
    fn scalar_multiplication_matches_p256() {
        let n_minus_1 = sub_be(&ORDER, &hex32(&format!("{:064x}", 1)));
        let mut scalars: Vec<Scalar> = [0u64, 1, 2, 127, 128, 129, 255, 256, u64::MAX]
            .into_iter()
            .map(Scalar::from)
            .collect();
        scalars.push(scalar(n_minus_1).unwrap());
        scalars.push(scalar(hex32(&format!("{:064x}", 1u128 << 127))).unwrap());
        scalars.extend((0..50).map(|_| p256_scalar(random())));
        let d = p256_scalar(random());
        let q = ProjectivePoint::GENERATOR * d;
        let key = P256VerifyingKey::new(&encode(&q)).unwrap();
        for k in scalars {
            for (table, point) in [
                (generator_table(), ProjectivePoint::GENERATOR),
                (&key.table, q),
            ] {
                let mut acc = Jacobian::INFINITY;
                table.accumulate(&mut acc, &recode(&k));
                let want = point * k;
                match acc.to_affine() {
                    None => assert!(bool::from(want.is_identity()), "{k:?}"),
                    Some(a) => assert_eq!(
                        [a.x.to_repr().to_vec(), a.y.to_repr().to_vec()].concat(),
                        encode(&want),
                        "{k:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn inversion_matches_p256() {
        let one = hex32(&format!("{:064x}", 1));
        let edges = [one, sub_be(&ORDER, &one), hex32(&format!("{:064x}", 2))];
        for s in edges
            .into_iter()
            .chain((0..2000).map(|_| random()))
            .filter_map(scalar)
        {
            let inverse = invert_mod_n(&s).unwrap();
            assert_eq!(inverse * s, Scalar::ONE, "{s:?}");
            assert_eq!(Some(inverse), Option::from(s.invert()));
        }
        assert!(invert_mod_n(&Scalar::ZERO).is_none());
        assert_eq!(
            limbs_from_be(&ORDER)[0].wrapping_mul(NEG_N0_INV),
            u64::MAX,
            "n · (−n⁻¹) = −1 mod 2^64"
        );
        // Scalars with long runs of zero bits take the multi-limb steps.
        for bits in [1u32, 63, 64, 65, 127, 128, 200, 255] {
            let mut bytes = [0u8; 32];
            bytes[31 - (bits as usize / 8)] = 1 << (bits % 8);
            let s = scalar(bytes).unwrap();
            assert_eq!(invert_mod_n(&s).unwrap() * s, Scalar::ONE, "2^{bits}");
        }
    }

    #[test]
    fn recoding_sums_to_the_scalar() {
        for k in (0..200)
            .map(|_| p256_scalar(random()))
            .chain([Scalar::ZERO])
        {
            let mut sum = Scalar::ZERO;
            let mut weight = Scalar::ONE;
            for d in recode(&k) {
                assert!(d.unsigned_abs() as usize <= HALF);
                let term = weight * Scalar::from(u64::from(d.unsigned_abs()));
                sum = if d < 0 { sum - term } else { sum + term };
                for _ in 0..W {
                    weight = weight.double();
                }
            }
            assert_eq!(sum, k);
        }
    }

    #[test]
    fn valid_and_tampered_signatures_agree_with_ring() {
        for round in 0..40 {
            let private = PrivateKey::generate(P256).unwrap();
            let public_key = private.public_key();
            let key = P256VerifyingKey::new(&public_key).unwrap();
            let agree_q =
                |message: &[u8], sig: &[u8]| agree_prepared(Some(&key), &public_key, message, sig);
            for len in [0, 1, 55, 64, 200] {
                let message: Vec<u8> = (0..len).map(|i| (i * 7 + round) as u8).collect();
                let sig = private.sign(&message).unwrap();
                assert!(key.verify(&message, &sig));
                assert!(agree_q(&message, &sig));
                // A flipped bit anywhere in r or s.
                for bit in [0, 7, 100, 255, 256, 300, 511] {
                    let mut bad = sig.clone();
                    bad[bit / 8] ^= 1 << (bit % 8);
                    assert!(!agree_q(&message, &bad));
                }
                // A flipped bit in the message.
                if !message.is_empty() {
                    let mut bad = message.clone();
                    bad[len / 2] ^= 0x10;
                    assert!(!agree_q(&bad, &sig));
                }
                // A flipped bit in the key: usually off the curve, so both
                // refuse the key.
                let mut bad = public_key.clone();
                bad[(round * 13) % 64] ^= 1 << (round % 8);
                assert!(!agree(&bad, &message, &sig));
                // Truncated or extended signatures.
                assert!(!agree_q(&message, &sig[..63]));
                assert!(!agree_q(&message, &[&sig[..], &[0]].concat()));
            }
        }
    }

    #[test]
    fn out_of_range_r_and_s_are_refused() {
        let private = PrivateKey::generate(P256).unwrap();
        let public_key = private.public_key();
        let sig = private.sign(b"edge").unwrap();
        let one = hex32(&format!("{:064x}", 1));
        let edges: [[u8; 32]; 5] = [[0; 32], ORDER, sub_be(&ORDER, &one), [0xff; 32], one];
        for value in edges {
            for half in [0, 32] {
                let mut bad = sig.clone();
                bad[half..half + 32].copy_from_slice(&value);
                assert!(!agree(&public_key, b"edge", &bad));
            }
        }
        assert!(!agree(&public_key, b"edge", &[0; 64]));
    }

    #[test]
    fn bad_keys_are_refused() {
        let private = PrivateKey::generate(P256).unwrap();
        let sig = private.sign(b"k").unwrap();
        let mut off_curve = private.public_key();
        off_curve[63] ^= 1;
        let mut x_too_big = [0xffu8; 64];
        x_too_big[32..].copy_from_slice(&private.public_key()[32..]);
        for key in [
            &[0u8; 64][..],
            &[0xff; 64],
            &off_curve,
            &x_too_big,
            &[4; 65],
            &[],
        ] {
            assert!(P256VerifyingKey::new(key).is_none());
            assert!(!agree(key, b"k", &sig));
        }
    }

    /// SHA-256 of the message, reduced mod n, as p256 arithmetic sees it.
    fn hash_scalar(message: &[u8]) -> Scalar {
        let mut hash = [0u8; 32];
        hash.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, message).as_ref());
        scalar(hash)
            .or_else(|| scalar(sub_be(&hash, &ORDER)))
            .unwrap()
    }

    /// Signatures whose R has an x-coordinate in [n, p), so that r = R.x − n:
    /// the rare case the projective comparison must handle. Made by picking
    /// R and (r, s) and solving for the key, Q = r⁻¹(s·R − e·G).
    #[test]
    fn x_coordinate_above_the_order() {
        let n = fe(&ORDER).unwrap();
        let mut found = 0;
        for t in 1u64..200 {
            // x = n + t, with t < p − n.
            let x = n + Fe::from(t);
            let b = fe(&CURVE_B).unwrap();
            let rhs = x.square() * x - (x.double() + x) + b;
            let Some(y) = Option::<Fe>::from(rhs.sqrt()) else {
                continue;
            };
            let point_bytes = [x.to_repr().to_vec(), y.to_repr().to_vec()].concat();
            let r_point = ProjectivePoint::from(
                Option::<AffinePoint>::from(AffinePoint::from_encoded_point(
                    &EncodedPoint::from_affine_coordinates(&x.to_repr(), &y.to_repr(), false),
                ))
                .unwrap(),
            );
            assert_eq!(encode(&r_point), point_bytes);
            let r = Scalar::from(t);
            let s = p256_scalar(random());
            let message = t.to_be_bytes();
            let e = hash_scalar(&message);
            let q = (r_point * s - ProjectivePoint::GENERATOR * e) * r.invert_vartime().unwrap();
            let public_key = encode(&q);
            let sig = [r.to_repr().to_vec(), s.to_repr().to_vec()].concat();
            assert!(agree(&public_key, &message, &sig), "t = {t}");
            // The same r with R.x itself rejected: r' = r + n is not a scalar.
            let mut bad = sig.clone();
            bad[31] ^= 1;
            assert!(!agree(&public_key, &message, &bad));
            found += 1;
        }
        assert!(found > 50);
    }

    /// A key made so that u1·G + u2·Q is the point at infinity: Q = d·G
    /// with e + r·d = 0 mod n. Both must refuse whatever s is.
    #[test]
    fn point_at_infinity_is_refused() {
        for round in 0..10u8 {
            let message = [round; 20];
            let e = hash_scalar(&message);
            let r = p256_scalar(random());
            let d = -(e * r.invert_vartime().unwrap());
            let public_key = encode(&(ProjectivePoint::GENERATOR * d));
            let s = p256_scalar(random());
            let sig = [r.to_repr().to_vec(), s.to_repr().to_vec()].concat();
            assert!(!agree(&public_key, &message, &sig));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random signatures and messages against random keys.
        #[test]
        fn random_signatures_agree_with_ring(
            sig in proptest::collection::vec(any::<u8>(), 64),
            message in proptest::collection::vec(any::<u8>(), 0..300),
            d in any::<[u8; 32]>(),
        ) {
            let d = scalar(d).unwrap_or(Scalar::ONE);
            let public_key = encode(&(ProjectivePoint::GENERATOR * d));
            agree(&public_key, &message, &sig);
        }

        /// Random (nearly always invalid) key bytes.
        #[test]
        fn random_keys_agree_with_ring(
            key in proptest::collection::vec(any::<u8>(), 64),
            sig in proptest::collection::vec(any::<u8>(), 64),
        ) {
            agree(&key, b"m", &sig);
        }

        /// Valid signatures over random messages, and the same signature
        /// checked against a random other message.
        #[test]
        fn signed_random_messages_agree_with_ring(
            message in proptest::collection::vec(any::<u8>(), 0..300),
            other in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let private = PrivateKey::generate(P256).unwrap();
            let sig = private.sign(&message).unwrap();
            prop_assert!(agree(&private.public_key(), &message, &sig));
            prop_assert_eq!(agree(&private.public_key(), &other, &sig), other == message);
        }
    }
}
