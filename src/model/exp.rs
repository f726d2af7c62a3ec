//! `exp` for the output transforms: the platform's own on native targets, a table-driven
//! one on wasm32.
//!
//! LightGBM calls the C library's `exp`, which a native build calls too (glibc's on Linux:
//! the default model's probabilities then equal LightGBM's to the bit). On
//! `wasm32-unknown-unknown` Rust's `f64::exp` is a port of an older libm that divides once
//! per call and differs from glibc's by one ulp in about one call in ten; in a 16-class
//! softmax its calls cost as much as scoring the trees. [`table_exp`] splits `x` as
//! `k ln2 / 128 + r`, takes `2^(k / 128)` from a table and `exp(r)` from a short
//! polynomial, and is accurate to about 0.51 ulp, as glibc's is, so the two differ (by one
//! ulp) only where the exact result lies within a hair of a rounding midpoint: about one
//! call in 1,000. Against `exp` computed to 60 digits, it rounds the wrong way in 0.08-0.09%
//! of calls and glibc's in 0.07-0.09%, in every part of the range. In Node it takes 4-6 ns
//! a call where `f64::exp` takes 10-16 ns.

/// `e^x` as the platform's libm computes it, the one LightGBM links against.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub fn exp(x: f64) -> f64 {
    x.exp()
}

/// `e^x` by [`table_exp`]: closer to glibc's, and faster, than `f64::exp` on wasm32.
#[cfg(target_arch = "wasm32")]
#[inline]
pub fn exp(x: f64) -> f64 {
    table_exp(x)
}

/// Table entries per doubling: `exp(x) = 2^(k / N) exp(r)` with `|r| <= ln2 / (2N)`.
const N: usize = 128;

/// `ln 2` split so that `k * LN2_HI` is exact for every `k` the range admits (`|k| < 2^18`):
/// the double nearest `ln 2` with its low 21 bits cleared, and the rest, including the part
/// of `ln 2` (2.319046813846299558e-17) that a double cannot hold.
const LN2_HI: f64 = f64::from_bits(core::f64::consts::LN_2.to_bits() & !((1 << 21) - 1));
const LN2_LO: f64 = (core::f64::consts::LN_2 - LN2_HI) + 2.319_046_813_846_299_6e-17;

/// `1.5 * 2^52`: adding it to a double below `2^51` in magnitude rounds it to an integer.
const ROUND_SHIFT: f64 = 6755399441055744.0;

/// `2^(i / N)` for `i` in `0..N`, each as the nearest double and what that double misses,
/// relative to it: `2^(i / N) = hi * (1 + lo)`.
static TABLE: ([f64; N], [f64; N]) = powers_of_two();

/// Above this `exp` overflows; below `MIN_X` it rounds to zero.
const MAX_X: f64 = 709.8;
const MIN_X: f64 = -745.2;

/// `e^x`, table-driven (see the module documentation).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline(always)]
pub fn table_exp(x: f64) -> f64 {
    // One comparison admits every `x` whose result, and whose result's correction term
    // `scale * tail`, are normal doubles: below about -703 that term would be subnormal and
    // lose bits (4% of results near -704 came out one ulp off). NaN, infinities and the
    // edges of the range take the careful path, which works at a scale of 2^1022.
    if x.abs() < 700.0 {
        let (scale, tail) = split(x, 0);
        scale + scale * tail
    } else {
        exp_edge(x)
    }
}

/// `exp` where the result may overflow, be subnormal, or not be a number at all.
#[cold]
#[inline(never)]
fn exp_edge(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > MAX_X {
        return f64::INFINITY;
    }
    if x < MIN_X {
        return 0.0;
    }
    if x > 0.0 {
        // Built at half scale so that `scale` stays finite, then doubled, which is exact
        // or overflows as the true result does.
        let (scale, tail) = split(x, -1);
        return (scale + scale * tail) * 2.0;
    }
    // A subnormal result lies on the fixed grid of 2^-1074. Scaled by 2^1022 it lies
    // on the grid of 2^-52, which is the grid of [1, 2): adding 1 makes the hardware round
    // to it once, and the sum of the parts is carried exactly up to that rounding.
    let (scale, tail) = split(x, 1022);
    let scaled = scale + scale * tail;
    if scaled >= 1.0 {
        return scaled * f64::from_bits(1 << 52); // 2^-1022, exactly: the result is normal
    }
    let one_plus = 1.0 + scale;
    let lost = (1.0 - one_plus) + scale;
    let rounded = one_plus + (lost + scale * tail);
    (rounded - 1.0) * f64::from_bits(1 << 52)
}

/// Splits `exp(x) * 2^shift` into `scale * (1 + tail)`: `scale` is a power of two times a
/// table entry, `tail` is small (below 0.003 in magnitude).
#[inline(always)]
fn split(x: f64, shift: i64) -> (f64, f64) {
    let scaled = x * (N as f64 / core::f64::consts::LN_2);
    let shifted = scaled + ROUND_SHIFT;
    let k = shifted - ROUND_SHIFT;
    let r = (x - k * (LN2_HI / N as f64)) - k * (LN2_LO / N as f64);
    // `k` is an integer below 2^51 in magnitude, so it sits in the low bits of `shifted`:
    // cheaper than a float-to-integer conversion.
    let k = shifted.to_bits().wrapping_sub(ROUND_SHIFT.to_bits()) as i64;
    let index = (k & (N as i64 - 1)) as usize;
    let exponent = (k >> 7) + shift;
    let (hi, lo) = (TABLE.0[index], TABLE.1[index]);
    let scale = f64::from_bits(hi.to_bits().wrapping_add((exponent as u64) << 52));
    // exp(r) - 1 as r + r^2 (C2 + C3 r + C4 r^2 + C5 r^3); see `C2`.
    let r2 = r * r;
    let poly = r2 * (C2 + r * (C3 + r * (C4 + r * C5)));
    (scale, r + (lo + poly))
}

/// The cubic in `exp(r) - 1 = r + r^2 (C2 + C3 r + C4 r^2 + C5 r^3)`, fitted to
/// `exp(r) - 1 - r` over `|r| <= ln2 / 256` by Remez's minimax algorithm in 60-digit
/// arithmetic: off by at most 2^-65.4 there, as printed here. The Taylor series needs one
/// more term (to `r^6 / 6!`) for as small an error, which costs 4% of a 16-class softmax.
const C2: f64 = 0.49999999999996786;
const C3: f64 = 0.16666666666665886;
const C4: f64 = 0.04166668084270049;
const C5: f64 = 0.008333335852508535;

/// Builds [`TABLE`] in fixed point: numbers below 4 as `u128` with 126 fractional bits.
/// `2^(2^j / N)` comes from square roots of 2; `2^(i / N)` multiplies those for the bits of
/// `i`. Each step loses at most 2^-126, so the table is exact to far beyond what a double and
/// its tail can hold. (A 63-bit version, good to about 2^-62, rounded the wrong way a
/// quarter more often than glibc.)
const fn powers_of_two() -> ([f64; N], [f64; N]) {
    // roots[j] = 2^(2^j / N); roots[6] = 2^(1/2).
    let mut roots = [0u128; 7];
    let mut j = 7;
    let mut radicand = 2 * ONE;
    while j > 0 {
        j -= 1;
        roots[j] = sqrt(radicand);
        radicand = roots[j];
    }
    let mut hi = [0.0; N];
    let mut lo = [0.0; N];
    let mut i = 0;
    while i < N {
        let mut value = ONE;
        let mut bit = 0;
        while bit < 7 {
            if i & (1 << bit) != 0 {
                value = mul(value, roots[bit]);
            }
            bit += 1;
        }
        // The nearest double keeps 53 of the 127 bits (value < 2^127 since it is below 2).
        let mantissa = (value + (1 << 73)) >> 74;
        hi[i] = f64::from_bits((1023 << 52) | (mantissa as u64 & ((1 << 52) - 1)));
        let miss = value as i128 - (mantissa << 74) as i128;
        lo[i] = (miss as f64 * f64::from_bits((1023 - 126) << 52)) / hi[i];
        i += 1;
    }
    (hi, lo)
}

/// 1 with 126 fractional bits.
const ONE: u128 = 1 << 126;

/// The product of two fixed-point numbers (126 fractional bits) whose product is below 4,
/// rounded to nearest: the 256-bit product from four 64-bit halves, shifted back.
const fn mul(a: u128, b: u128) -> u128 {
    const LOW: u128 = u64::MAX as u128;
    let (a_hi, a_lo, b_hi, b_lo) = (a >> 64, a & LOW, b >> 64, b & LOW);
    let mut high = a_hi * b_hi;
    let mut low = a_lo * b_lo;
    let (middle_1, middle_2) = (a_hi * b_lo, a_lo * b_hi);
    let parts = [middle_1, middle_2, 1 << 61]; // the last rounds: 2^125 is 2^61 << 64
    let mut p = 0;
    while p < 3 {
        let (sum, carry) = low.overflowing_add(parts[p] << 64);
        low = sum;
        high += (parts[p] >> 64) + carry as u128;
        p += 1;
    }
    (high << 2) | (low >> 126)
}

/// The square root of a fixed-point number in `[1, 2]`: Newton's iteration for `1 / sqrt(c)`,
/// which needs no division, from 0.85 (within 0.15 of every answer), then `c / sqrt(c)`.
/// Each step doubles the correct bits; ten steps take 2 bits past the 126 there are.
const fn sqrt(c: u128) -> u128 {
    let mut y = ONE / 100 * 85;
    let mut step = 0;
    while step < 10 {
        // y <- y (3 - c y^2) / 2
        let t = mul(c, mul(y, y));
        y = mul(y, 3 * ONE - t) / 2;
        step += 1;
    }
    mul(c, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many units in the last place `ours` is from `reference`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn ulps(ours: f64, reference: f64) -> u64 {
        ours.to_bits().abs_diff(reference.to_bits())
    }

    /// A fixed-seed xorshift, so the sample is the same on every run.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn sample(count: usize, low: f64, high: f64) -> impl Iterator<Item = f64> {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        (0..count).map(move |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            low + (high - low) * ((state >> 11) as f64 / (1u64 << 53) as f64)
        })
    }

    /// How many of `count` sampled inputs in `[low, high]` give a result other than
    /// `f64::exp`'s, after checking that none is more than one ulp from it.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn differences_from_std(count: usize, low: f64, high: f64) -> usize {
        let mut differ = 0;
        for x in sample(count, low, high) {
            let (ours, reference) = (table_exp(x), x.exp());
            assert!(
                ulps(ours, reference) <= 1,
                "exp({x:e}): {ours:e} vs {reference:e}"
            );
            differ += usize::from(ours != reference);
        }
        differ
    }

    // `f64::exp` on these targets is glibc's, the one LightGBM calls on Linux.
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn agrees_with_glibc_within_one_ulp_and_almost_always_exactly() {
        let ranges = [(-40.0, 0.0), (-1.0, 1.0), (-708.0, 708.0), (-1e-6, 1e-6)];
        for (low, high) in ranges {
            let differ = differences_from_std(1_000_000, low, high);
            // Both are within about 0.51 ulp, so they round alike except near a midpoint:
            // about 0.1% of calls differ (Rust's wasm32 libm differs in about 9.6%).
            assert!(differ < 2_000, "{differ} of 1e6 differ in [{low}, {high}]");
        }
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn agrees_with_glibc_at_the_edges_of_the_range() {
        for (low, high) in [(700.0, 710.0), (-746.0, -708.4), (-708.4, -690.0)] {
            let differ = differences_from_std(200_000, low, high);
            assert!(differ < 400, "{differ} of 2e5 differ in [{low}, {high}]");
        }
    }

    #[test]
    fn special_values() {
        assert!(table_exp(f64::NAN).is_nan());
        assert_eq!(table_exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(table_exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(table_exp(0.0), 1.0);
        assert_eq!(table_exp(-0.0), 1.0);
        assert_eq!(table_exp(710.0), f64::INFINITY);
        assert_eq!(table_exp(-746.0), 0.0);
        assert_eq!(table_exp(-745.0), f64::from_bits(1)); // the smallest subnormal
        assert_eq!(table_exp(1.0), core::f64::consts::E);
    }
}
