//! Whether a JSON value is the protobuf `Struct` value Envoy hands to a wasm filter for a dynamic
//! metadata property (`get_property(["metadata", "filter_metadata", ns, key])`), as probed on
//! Envoy 1.40 (README: "Cognito user pool authorizers"):
//!
//! - a string: its bytes; a number: the 8 little-endian bytes of an `f64` (a Struct holds every
//!   number as a double); a boolean: one byte, `1` or `0`;
//! - an object: a proxy-wasm pair list ([`crate::pairs`]) of key and serialized value, in no set
//!   order; a list: a pair list whose keys are the serialized items and whose values are empty;
//! - `null`: Envoy cannot serialize it and refuses the whole property, so it never matches.
//!
//! The serialization drops the types (eight bytes may be a string or a number), so a payload is
//! never *read* from these bytes: the gateway decodes the token it was sent and checks here that
//! Envoy verified exactly that payload. Recursion follows the JSON value, whose depth serde_json
//! bounds (128).

use serde_json::{Map, Value};

use crate::pairs::decode_raw;

/// Whether `bytes` is `value` as Envoy serializes it.
pub fn same_value(value: &Value, bytes: &[u8]) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => bytes == [u8::from(*b)],
        Value::Number(n) => n.as_f64().is_some_and(|want| same_number(want, bytes)),
        Value::String(s) => bytes == s.as_bytes(),
        Value::Array(items) => decode_raw(bytes).is_some_and(|pairs| {
            pairs.len() == items.len()
                && items.iter().zip(&pairs).all(|(item, (key, rest))| rest.is_empty() && same_value(item, key))
        }),
        Value::Object(map) => same_object(map, bytes),
    }
}

/// Whether `bytes` is the object `map`: the same keys, each once, with the same values.
pub fn same_object(map: &Map<String, Value>, bytes: &[u8]) -> bool {
    let Some(pairs) = decode_raw(bytes) else { return false };
    if pairs.len() != map.len() {
        return false;
    }
    let mut keys: Vec<&[u8]> = pairs.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.len() == pairs.len()
        && pairs.iter().all(|(key, value)| {
            std::str::from_utf8(key).ok().and_then(|k| map.get(k)).is_some_and(|v| same_value(v, value))
        })
}

/// What Envoy sends for `value` (the inverse of [`same_value`], for tests and benchmarks);
/// `None` for a `null` anywhere, which Envoy cannot serialize.
pub fn serialize(value: &Value) -> Option<Vec<u8>> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => vec![u8::from(*b)],
        Value::Number(n) => n.as_f64()?.to_le_bytes().to_vec(),
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Array(items) => {
            let keys = items.iter().map(serialize).collect::<Option<Vec<_>>>()?;
            crate::pairs::encode(&keys.iter().map(|k| (k.as_slice(), &b""[..])).collect::<Vec<_>>())
        }
        Value::Object(map) => {
            let pairs = map.iter().map(|(k, v)| serialize(v).map(|v| (k.as_bytes(), v))).collect::<Option<Vec<_>>>()?;
            crate::pairs::encode(&pairs)
        }
    })
}

/// An `f64` in 8 little-endian bytes, equal to `want` up to the last bit of precision: serde_json's
/// default float parsing may round a decimal one unit in the last place away from protobuf's.
fn same_number(want: f64, bytes: &[u8]) -> bool {
    let Ok(raw) = <[u8; 8]>::try_from(bytes) else { return false };
    let got = f64::from_le_bytes(raw);
    got == want || (got - want).abs() <= f64::EPSILON * got.abs().max(want.abs())
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::pairs::encode;
    use serde_json::json;

    fn f(x: f64) -> Vec<u8> {
        x.to_le_bytes().to_vec()
    }

    // Bytes in the layout Envoy 1.40 sent for {"sub": "abc", "exp": 1796447923, "b": true,
    // "l": ["a", 2, true], "o": {"x": "y", "z": 3}} (pairs in its own order).
    fn envoy_bytes() -> Vec<u8> {
        let list = encode(&[(b"a".to_vec(), vec![]), (f(2.0), vec![]), (vec![1u8], vec![])]);
        let object = encode(&[(b"z".to_vec(), f(3.0)), (b"x".to_vec(), b"y".to_vec())]);
        encode(&[
            (b"l".to_vec(), list),
            (b"exp".to_vec(), f(1_796_447_923.0)),
            (b"o".to_vec(), object),
            (b"b".to_vec(), vec![1u8]),
            (b"sub".to_vec(), b"abc".to_vec()),
        ])
    }

    #[test]
    fn a_payload_matches_its_serialization_in_any_order() {
        let payload = json!({"sub": "abc", "exp": 1796447923, "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}});
        let Value::Object(map) = payload else { panic!() };
        assert!(same_object(&map, &envoy_bytes()));
    }

    // Any difference (a value, a type where the bytes tell, a key more or less, list order) is a
    // mismatch.
    #[test]
    fn differences_do_not_match() {
        for other in [
            json!({"sub": "abd", "exp": 1796447923, "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}}),
            json!({"sub": "abc", "exp": 1796447924, "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}}),
            json!({"sub": "abc", "exp": 1796447923, "b": false, "l": ["a", 2, true], "o": {"x": "y", "z": 3}}),
            json!({"sub": "abc", "exp": 1796447923, "b": true, "l": [2, "a", true], "o": {"x": "y", "z": 3}}),
            json!({"sub": "abc", "exp": 1796447923, "b": true, "l": ["a", 2, true], "o": {"x": "y"}}),
            json!({"sub": "abc", "exp": 1796447923, "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}, "n": 1}),
            json!({"sub": "abc", "exp": 1796447923, "b": true, "l": ["a", 2, true]}),
            json!({"sub": "abc", "exp": "1796447923", "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}}),
            json!({"sub": null, "exp": 1796447923, "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}}),
        ] {
            let Value::Object(map) = other.clone() else { panic!() };
            assert!(!same_object(&map, &envoy_bytes()), "{other}");
        }
        let Value::Object(map) = json!({"a": "1", "b": "2"}) else { panic!() };
        assert!(!same_object(&map, &encode(&[("a", "1"), ("a", "1")])), "a repeated key");
        assert!(!same_object(&map, b"garbage"));
    }

    #[test]
    fn serialize_is_the_inverse() {
        let v = json!({"sub": "abc", "exp": 1796447923, "b": true, "l": ["a", 2, true], "o": {"x": "y", "z": 3}});
        let bytes = serialize(&v).unwrap();
        assert!(same_value(&v, &bytes));
        assert_eq!(serialize(&json!({"a": [null]})), None);
    }

    #[test]
    fn numbers_within_one_unit_of_precision() {
        assert!(same_value(&json!(0.1), &f(0.1)));
        assert!(same_value(&json!(0.1), &f(f64::from_bits(0.1f64.to_bits() + 1))));
        assert!(!same_value(&json!(0.1), &f(0.1000001)));
        assert!(!same_value(&json!(1), &[0u8; 4]));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;
    use serde_json::Value;

    proptest! {
        // Any bytes against any small JSON payload: no panic.
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512), text in "[\\[\\]{}\":,a-z0-9 .-]{0,64}") {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                let _ = super::same_value(&value, &bytes);
            }
            let _ = super::same_value(&serde_json::json!({"a": [1, {"b": "c"}]}), &bytes);
        }
    }
}
