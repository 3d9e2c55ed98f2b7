//! Arithmetic modulo p = 2^256 − 2^224 + 2^192 + 2^96 − 1, constant-time.
//!
//! Elements are kept in Montgomery form (`a·2^256 mod p`) as four
//! little-endian 64-bit limbs, always fully reduced. Every operation runs
//! the same instructions whatever the values: carries are propagated
//! arithmetically and conditional corrections are applied with masks.
//! The `p256` crate has the same arithmetic, but its element's limbs are
//! private, and the signer needs them to read table entries with masks.

use super::super::p256_table::{limbs_from_be, limbs_to_be};

/// The modulus, little-endian limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0x0000_0000_0000_0000,
    0xffff_ffff_0000_0001,
];

/// 2^512 mod p, to move into Montgomery form.
const R2: [u64; 4] = [
    0x0000_0000_0000_0003,
    0xffff_fffb_ffff_ffff,
    0xffff_ffff_ffff_fffe,
    0x0000_0004_ffff_fffd,
];

#[derive(Clone, Copy, Debug)]
pub(super) struct Fe([u64; 4]);

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// `a − b − borrow` with `borrow` 0 or 1; returns the borrow out (0 or 1).
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = u128::from(a)
        .wrapping_sub(u128::from(b))
        .wrapping_sub(u128::from(borrow));
    (t as u64, (t >> 127) as u64)
}

/// `acc + a·b + carry`, as (low, high).
#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(acc) + u128::from(a) * u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// `w − p` if that is not negative, else `w`, for `w = (limbs, top)` < 2p.
#[inline(always)]
fn subtract_p_if_needed(w: [u64; 4], top: u64) -> [u64; 4] {
    let (t0, b) = sbb(w[0], P[0], 0);
    let (t1, b) = sbb(w[1], P[1], b);
    let (t2, b) = sbb(w[2], P[2], b);
    let (t3, b) = sbb(w[3], P[3], b);
    let (_, b) = sbb(top, 0, b);
    // b = 1: w < p, keep w.
    let keep = b.wrapping_neg();
    [
        t0 ^ ((t0 ^ w[0]) & keep),
        t1 ^ ((t1 ^ w[1]) & keep),
        t2 ^ ((t2 ^ w[2]) & keep),
        t3 ^ ((t3 ^ w[3]) & keep),
    ]
}

impl Fe {
    pub(super) const ZERO: Fe = Fe([0; 4]);
    /// 2^256 mod p: one in Montgomery form.
    pub(super) const ONE: Fe = Fe([
        0x0000_0000_0000_0001,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_fffe,
    ]);

    /// From 32 big-endian bytes, reduced modulo p if needed.
    pub(super) fn from_bytes(bytes: &[u8; 32]) -> Fe {
        let limbs = limbs_from_be(bytes);
        // Values of 32 bytes are below 2p, so one subtraction reduces them.
        Fe(subtract_p_if_needed(limbs, 0)).mul(&Fe(R2))
    }

    /// To 32 big-endian bytes of the value (out of Montgomery form).
    pub(super) fn to_bytes(self) -> [u8; 32] {
        let plain = montgomery_reduce([self.0[0], self.0[1], self.0[2], self.0[3], 0, 0, 0, 0]);
        limbs_to_be(&plain)
    }

    #[inline(always)]
    pub(super) fn add(&self, b: &Fe) -> Fe {
        let (w0, c) = adc(self.0[0], b.0[0], 0);
        let (w1, c) = adc(self.0[1], b.0[1], c);
        let (w2, c) = adc(self.0[2], b.0[2], c);
        let (w3, c) = adc(self.0[3], b.0[3], c);
        Fe(subtract_p_if_needed([w0, w1, w2, w3], c))
    }

    #[inline(always)]
    pub(super) fn sub(&self, b: &Fe) -> Fe {
        let (w0, borrow) = sbb(self.0[0], b.0[0], 0);
        let (w1, borrow) = sbb(self.0[1], b.0[1], borrow);
        let (w2, borrow) = sbb(self.0[2], b.0[2], borrow);
        let (w3, borrow) = sbb(self.0[3], b.0[3], borrow);
        // Went below zero: add p back.
        let mask = borrow.wrapping_neg();
        let (w0, c) = adc(w0, P[0] & mask, 0);
        let (w1, c) = adc(w1, P[1] & mask, c);
        let (w2, c) = adc(w2, P[2] & mask, c);
        let (w3, _) = adc(w3, P[3] & mask, c);
        Fe([w0, w1, w2, w3])
    }

    pub(super) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    #[inline(always)]
    pub(super) fn mul(&self, b: &Fe) -> Fe {
        let a = &self.0;
        let b = &b.0;
        let (w0, c) = mac(0, a[0], b[0], 0);
        let (w1, c) = mac(0, a[0], b[1], c);
        let (w2, c) = mac(0, a[0], b[2], c);
        let (w3, w4) = mac(0, a[0], b[3], c);

        let (w1, c) = mac(w1, a[1], b[0], 0);
        let (w2, c) = mac(w2, a[1], b[1], c);
        let (w3, c) = mac(w3, a[1], b[2], c);
        let (w4, w5) = mac(w4, a[1], b[3], c);

        let (w2, c) = mac(w2, a[2], b[0], 0);
        let (w3, c) = mac(w3, a[2], b[1], c);
        let (w4, c) = mac(w4, a[2], b[2], c);
        let (w5, w6) = mac(w5, a[2], b[3], c);

        let (w3, c) = mac(w3, a[3], b[0], 0);
        let (w4, c) = mac(w4, a[3], b[1], c);
        let (w5, c) = mac(w5, a[3], b[2], c);
        let (w6, w7) = mac(w6, a[3], b[3], c);

        Fe(montgomery_reduce([w0, w1, w2, w3, w4, w5, w6, w7]))
    }

    #[inline(always)]
    pub(super) fn square(&self) -> Fe {
        self.mul(self)
    }

    /// `self^(p−2)`, the inverse (zero for zero), by a fixed sequence of
    /// squarings and multiplications.
    pub(super) fn invert(&self) -> Fe {
        // p − 2, most significant bit first; the exponent is public.
        let exponent = [P[3], P[2], P[1], P[0] - 2];
        let mut acc = Fe::ONE;
        for limb in exponent {
            for bit in (0..64).rev() {
                acc = acc.square();
                if (limb >> bit) & 1 == 1 {
                    acc = acc.mul(self);
                }
            }
        }
        acc
    }

    /// Whether the element is zero (constant-time up to the returned bool).
    pub(super) fn is_zero(&self) -> bool {
        let any = self.0[0] | self.0[1] | self.0[2] | self.0[3];
        eq_zero_mask(any) != 0
    }

    /// `other` where `mask` is all ones, `self` where it is zero.
    #[inline(always)]
    pub(super) fn select(&self, other: &Fe, mask: u64) -> Fe {
        Fe([
            self.0[0] ^ ((self.0[0] ^ other.0[0]) & mask),
            self.0[1] ^ ((self.0[1] ^ other.0[1]) & mask),
            self.0[2] ^ ((self.0[2] ^ other.0[2]) & mask),
            self.0[3] ^ ((self.0[3] ^ other.0[3]) & mask),
        ])
    }

    /// `self |= other & mask`, limb by limb.
    #[inline(always)]
    pub(super) fn or_masked(&mut self, other: &Fe, mask: u64) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b & mask;
        }
    }
}

fn eq_zero_mask(x: u64) -> u64 {
    ((x | x.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// `w · 2^−256 mod p` for `w < p·2^256`. −p⁻¹ mod 2^64 is 1 for this p, so
/// each round's multiplier is the lowest limb itself.
#[inline(always)]
fn montgomery_reduce(w: [u64; 8]) -> [u64; 4] {
    let [w0, w1, w2, w3, w4, w5, w6, w7] = w;

    let (_, c) = mac(w0, w0, P[0], 0);
    let (w1, c) = mac(w1, w0, P[1], c);
    let (w2, c) = mac(w2, w0, P[2], c);
    let (w3, c) = mac(w3, w0, P[3], c);
    let (w4, top) = adc(w4, 0, c);

    let (_, c) = mac(w1, w1, P[0], 0);
    let (w2, c) = mac(w2, w1, P[1], c);
    let (w3, c) = mac(w3, w1, P[2], c);
    let (w4, c) = mac(w4, w1, P[3], c);
    let (w5, top) = adc(w5, top, c);

    let (_, c) = mac(w2, w2, P[0], 0);
    let (w3, c) = mac(w3, w2, P[1], c);
    let (w4, c) = mac(w4, w2, P[2], c);
    let (w5, c) = mac(w5, w2, P[3], c);
    let (w6, top) = adc(w6, top, c);

    let (_, c) = mac(w3, w3, P[0], 0);
    let (w4, c) = mac(w4, w3, P[1], c);
    let (w5, c) = mac(w5, w3, P[2], c);
    let (w6, c) = mac(w6, w3, P[3], c);
    let (w7, top) = adc(w7, top, c);

    subtract_p_if_needed([w4, w5, w6, w7], top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::ff::PrimeField;

    fn random_bytes() -> [u8; 32] {
        let mut b = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
            .expect("system random");
        b
    }

    /// A random value below p, as (our element, p256's element).
    fn pair(bytes: [u8; 32]) -> Option<(Fe, p256::FieldElement)> {
        let theirs = Option::from(p256::FieldElement::from_repr(bytes.into()))?;
        Some((Fe::from_bytes(&bytes), theirs))
    }

    fn same(ours: Fe, theirs: p256::FieldElement) -> bool {
        ours.to_bytes()[..] == theirs.to_repr()[..]
    }

    #[test]
    fn constants() {
        assert_eq!(Fe::ONE.to_bytes()[31], 1);
        assert!(Fe::ONE.to_bytes()[..31].iter().all(|&b| b == 0));
        let p_minus_1 =
            super::super::hex32("ffffffff00000001000000000000000000000000fffffffffffffffffffffffe");
        let m1 = Fe::from_bytes(&p_minus_1);
        assert!(m1.add(&Fe::ONE).is_zero(), "(p − 1) + 1 = 0");
        assert!(same(m1.mul(&m1), p256::FieldElement::ONE), "(−1)² = 1");
        // p itself reduces to zero.
        let p =
            super::super::hex32("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        assert!(Fe::from_bytes(&p).is_zero());
    }

    #[test]
    fn operations_agree_with_p256() {
        let mut checked = 0;
        let edge = [
            [0u8; 32],
            {
                let mut b = [0u8; 32];
                b[31] = 1;
                b
            },
            super::super::hex32("ffffffff00000001000000000000000000000000fffffffffffffffffffffffe"),
            super::super::hex32("ffffffff00000000ffffffffffffffffffffffffffffffffffffffffffffffff"),
        ];
        let inputs: Vec<[u8; 32]> = edge
            .iter()
            .copied()
            .chain((0..400).map(|_| random_bytes()))
            .collect();
        for pair_of in inputs.windows(2) {
            let (Some((a, a2)), Some((b, b2))) = (pair(pair_of[0]), pair(pair_of[1])) else {
                continue;
            };
            assert!(same(a, a2), "round trip");
            assert!(same(a.add(&b), a2 + b2), "add");
            assert!(same(a.sub(&b), a2 - b2), "sub");
            assert!(same(b.sub(&a), b2 - a2), "sub");
            assert!(same(a.neg(), -a2), "neg");
            assert!(same(a.mul(&b), a2 * b2), "mul");
            assert!(same(a.square(), a2.square()), "square");
            let inv = Option::from(a2.invert()).unwrap_or(p256::FieldElement::ZERO);
            assert!(same(a.invert(), inv), "invert");
            assert!(same(a.select(&b, u64::MAX), b2) && same(a.select(&b, 0), a2));
            assert_eq!(a.is_zero(), bool::from(a2.is_zero()));
            checked += 1;
        }
        assert!(checked > 350, "only {checked} pairs below p");
    }
}
