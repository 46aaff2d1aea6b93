//! IEEE 754 binary16, the `e` code: 1 sign bit, 5 exponent bits (bias 15),
//! 10 fraction bits. Converting from `f64` drops 42 fraction bits, so it
//! must round; like CPython's `PyFloat_Pack2`, it rounds to the nearest
//! half float and, on a tie, to the one whose last bit is 0 (half to even).
//! Done on the bits, so every step is exact.

/// The bits of the half float nearest to `x`, or `None` when `x` is finite
/// but rounds past the largest half float (65504): Python raises
/// `OverflowError` there. Infinities stay infinite; any NaN becomes the
/// quiet NaN with `x`'s sign.
pub(crate) fn encode(x: f64) -> Option<u16> {
    let sign = if x.is_sign_negative() { 0x8000 } else { 0 };
    if x.is_nan() {
        return Some(sign | 0x7e00);
    }
    if x.is_infinite() {
        return Some(sign | 0x7c00);
    }
    let bits = x.abs().to_bits();
    let exp_bits = (bits >> 52) as i32;
    if exp_bits == 0 {
        // Zero, or an f64 subnormal: far below half the smallest half float.
        return Some(sign);
    }
    // |x| = m * 2^(e - 52), with m's leading 1 at bit 52.
    let e = exp_bits - 1023;
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    if e >= 16 {
        return None;
    }
    let (shift, exponent) = if e >= -14 {
        // Normal: keep 11 significant bits (the leading 1 and 10 more).
        (42, (e + 15) as u64)
    } else if e >= -25 {
        // Subnormal: count units of 2^-24, the smallest half float.
        ((28 - e) as u32, 0)
    } else {
        // Below 2^-25, half of the smallest half float: rounds to zero.
        return Some(sign);
    };
    let kept = m >> shift;
    let rest = m & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    let rounded = if rest > half || (rest == half && kept & 1 == 1) {
        kept + 1
    } else {
        kept
    };
    // For a normal number `rounded` holds the implicit leading 1 at bit 10;
    // adding the biased exponent minus one puts it in place, and a carry
    // out of the fraction (rounded == 2048) moves into the exponent by
    // itself. A subnormal that rounds up to 1024 becomes the smallest normal
    // the same way.
    let magnitude = if exponent == 0 {
        rounded
    } else {
        ((exponent - 1) << 10) + rounded
    };
    if magnitude >= 0x7c00 {
        return None;
    }
    Some(sign | magnitude as u16)
}

/// The value of the half float with these bits, exactly.
pub(crate) fn decode(h: u16) -> f64 {
    let negative = h & 0x8000 != 0;
    let exponent = i32::from((h >> 10) & 0x1f);
    let fraction = f64::from(h & 0x3ff);
    let magnitude = match exponent {
        0 => fraction * pow2(-24),
        31 if fraction == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1024.0 + fraction) * pow2(exponent - 25),
    };
    if negative { -magnitude } else { magnitude }
}

/// 2^k, exactly, for the normal range of f64.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_half_float_round_trips() {
        for h in 0..=u16::MAX {
            let x = decode(h);
            if x.is_nan() {
                continue;
            }
            assert_eq!(encode(x), Some(h), "{h:#06x} -> {x}");
        }
    }

    #[test]
    fn ties_go_to_even() {
        assert_eq!(encode(1.0 + 2f64.powi(-11)), Some(0x3c00));
        assert_eq!(encode(1.0 + 3.0 * 2f64.powi(-11)), Some(0x3c02));
        assert_eq!(encode(2f64.powi(-25)), Some(0));
        assert_eq!(encode(65519.99), Some(0x7bff));
        assert_eq!(encode(65520.0), None);
    }
}
