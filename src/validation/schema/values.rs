//! JSON values as JSON Schema compares them: numbers by their mathematical value (`1` equals
//! `1.0`), objects whatever their key order, and `multipleOf` in decimal, not binary floating
//! point (`0.3` is a multiple of `0.1`, as AWS's validator, which reads numbers as decimals,
//! finds).

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde_json::{Number, Value};

use super::check::Abort;
use super::MAX_VALIDATION_DEPTH;

fn as_i128(n: &Number) -> Option<i128> {
    n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
}

/// An integral number as an exact integer (floats too, when they hold one exactly).
fn integral(n: &Number) -> Option<i128> {
    as_i128(n).or_else(|| {
        let f = n.as_f64()?;
        // 2^100 is far inside i128 and past every float that still has integer spacing of 1.
        (f.fract() == 0.0 && f.abs() < 1.0e30).then_some(f as i128)
    })
}

/// `a` against `b`: exact between integers, as doubles otherwise.
pub fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    match (as_i128(a), as_i128(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

pub fn numbers_equal(a: &Number, b: &Number) -> bool {
    compare(a, b) == Some(Ordering::Equal)
}

/// A number as `digits × 10^exponent` (sign dropped: it does not change divisibility).
fn decimal(n: &Number) -> Option<(u128, i32)> {
    let text = n.to_string();
    let text = text.trim_start_matches('-');
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (text.get(..at)?, text.get(at.saturating_add(1)..)?.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: u128 = 0;
    for c in int.chars().chain(frac.chars()) {
        digits = digits.checked_mul(10)?.checked_add(u128::from(c.to_digit(10)?))?;
    }
    let frac_len = i32::try_from(frac.len()).ok()?;
    Some((digits, exponent.checked_sub(frac_len)?))
}

/// `(x · 10^k) mod m` without overflow (m fits in 64 bits for every JSON number serde reads).
fn scaled_mod(x: u128, k: u32, m: u128) -> Option<u128> {
    let mut r = x.checked_rem(m)?;
    for _ in 0..k {
        r = r.checked_mul(10)?.checked_rem(m)?;
    }
    Some(r)
}

/// Whether `n` is a multiple of `divisor` (> 0). Undecidable cases (numbers too long) pass.
pub fn is_multiple(n: &Number, divisor: &Number) -> bool {
    if let (Some(x), Some(d)) = (as_i128(n), as_i128(divisor)) {
        return d == 0 || x.checked_rem(d) == Some(0);
    }
    let (Some((a, ea)), Some((b, eb))) = (decimal(n), decimal(divisor)) else { return true };
    if b == 0 || a == 0 {
        return true;
    }
    if ea >= eb {
        // a·10^(ea-eb) mod b; the loop is bounded by the exponent gap of two JSON numbers.
        let gap = u32::try_from(ea.saturating_sub(eb)).unwrap_or(u32::MAX).min(1000);
        scaled_mod(a, gap, b).is_none_or(|r| r == 0)
    } else {
        // a mod b·10^(eb-ea): a divisor larger than a (or too large to hold) leaves a ≠ 0.
        let gap = u32::try_from(eb.saturating_sub(ea)).unwrap_or(u32::MAX);
        match 10u128.checked_pow(gap).and_then(|p| p.checked_mul(b)) {
            Some(big) => a.checked_rem(big) == Some(0),
            None => false,
        }
    }
}

/// JSON Schema equality (`enum`, `uniqueItems`), charging one step per value visited.
pub fn equal(a: &Value, b: &Value, depth: usize, steps: &mut u64) -> Result<bool, Abort> {
    *steps = steps.checked_sub(1).ok_or(Abort::Steps)?;
    if depth > MAX_VALIDATION_DEPTH {
        return Err(Abort::Depth);
    }
    let next = depth.saturating_add(1);
    Ok(match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(y) {
                if !equal(p, q, next, steps)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, p) in x {
                let Some(q) = y.get(k) else { return Ok(false) };
                if !equal(p, q, next, steps)? {
                    return Ok(false);
                }
            }
            true
        }
        _ => a == b,
    })
}

/// A hash that agrees with [`equal`]: equal values hash alike (integral numbers by their
/// integer, object members in any order). Past the depth limit the rest is not hashed.
pub fn hash(v: &Value, depth: usize, steps: &mut u64) -> Result<u64, Abort> {
    *steps = steps.checked_sub(1).ok_or(Abort::Steps)?;
    let mut h = DefaultHasher::new();
    let next = depth.saturating_add(1);
    match v {
        Value::Null => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Number(n) => match integral(n) {
            Some(i) => (2u8, i).hash(&mut h),
            None => (3u8, n.as_f64().map(f64::to_bits)).hash(&mut h),
        },
        Value::String(s) => (4u8, s).hash(&mut h),
        Value::Array(items) => {
            (5u8, items.len()).hash(&mut h);
            if depth < MAX_VALIDATION_DEPTH {
                for item in items {
                    hash(item, next, steps)?.hash(&mut h);
                }
            }
        }
        Value::Object(map) => {
            let mut sum = 0u64;
            if depth < MAX_VALIDATION_DEPTH {
                for (k, item) in map {
                    let mut member = DefaultHasher::new();
                    (k, hash(item, next, steps)?).hash(&mut member);
                    sum = sum.wrapping_add(member.finish());
                }
            }
            (6u8, map.len(), sum).hash(&mut h);
        }
    }
    Ok(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use serde_json::json;

    fn num(v: Value) -> Number {
        match v {
            Value::Number(n) => n,
            _ => unreachable!(),
        }
    }

    // multipleOf is decided in decimal: 0.3 / 0.1, 4.5 / 1.5, 1e2 / 10 are multiples; 0.35 / 0.1 is not.
    #[test]
    fn multiple_of_in_decimal() {
        let rows = [
            (json!(10), json!(5), true),
            (json!(10), json!(3), false),
            (json!(-9), json!(3), true),
            (json!(0.3), json!(0.1), true),
            (json!(0.35), json!(0.1), false),
            (json!(4.5), json!(1.5), true),
            (json!(1e2), json!(10), true),
            (json!(7), json!(0.5), true),
            (json!(7.25), json!(0.5), false),
            (json!(1e300), json!(0.01), true),
            (json!(1e-300), json!(1), false),
            (json!(0), json!(0.7), true),
        ];
        for (n, d, want) in rows {
            assert_eq!(is_multiple(&num(n.clone()), &num(d.clone())), want, "{n} multipleOf {d}");
        }
    }

    // 1 and 1.0 are equal and hash alike; key order does not matter.
    #[test]
    fn equality_and_hash_agree() {
        let mut steps = 1000;
        let pairs = [
            (json!(1), json!(1.0)),
            (json!({"a": 1, "b": [1, 2]}), json!({"b": [1.0, 2], "a": 1})),
            (json!(-0.0), json!(0)),
        ];
        for (a, b) in pairs {
            assert!(equal(&a, &b, 0, &mut steps).unwrap(), "{a} == {b}");
            assert_eq!(hash(&a, 0, &mut steps).unwrap(), hash(&b, 0, &mut steps).unwrap(), "{a} # {b}");
        }
        assert!(!equal(&json!([1, 2]), &json!([2, 1]), 0, &mut steps).unwrap());
        assert!(!equal(&json!("1"), &json!(1), 0, &mut steps).unwrap());
        assert_eq!(compare(&num(json!(2)), &num(json!(2.5))), Some(Ordering::Less));
        let mut none = 0;
        assert_eq!(equal(&json!(1), &json!(1), 0, &mut none), Err(Abort::Steps));
    }
}
