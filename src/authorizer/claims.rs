//! A Cognito token's claims as API Gateway passes them on (README: "Cognito user pool
//! authorizers"; the reference's AWS capture): every claim a string, in the token's order.
//!
//! - strings as they are; booleans `"true"`/`"false"`; numbers as Java prints them (`1784510079`,
//!   a fraction as `Double.toString`: `1.5`, `1.0E20`);
//! - `exp`, `iat` and `nbf` (JWT's dates) in Java's `Date.toString()` form in UTC, `"Mon Jul 20
//!   02:14:39 UTC 2026"` (Julian calendar before 15 October 1582, as `java.util.Date`; years of
//!   the era without a sign);
//! - a list: its items' texts joined by `,` (`["admin"]` → `"admin"`, recorded; several →
//!   `"admin,users"`, our choice after users' reports); an object, or a list or object inside a
//!   list: its compact JSON text (our choice);
//! - `null`, and `null` items: left out (as a Lambda authorizer's `null` context values).

use serde_json::{Map, Number, Value};

/// The claims that are dates (seconds since the epoch).
const DATE_CLAIMS: [&str; 3] = ["exp", "iat", "nbf"];

/// The claims map of a token payload.
pub fn claims_map(payload: &Map<String, Value>) -> Vec<(String, String)> {
    payload
        .iter()
        .filter_map(|(key, value)| claim_text(key, value).map(|text| (key.clone(), text)))
        .collect()
}

/// One claim's text; `None` leaves it out.
fn claim_text(key: &str, value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if DATE_CLAIMS.contains(&key) => Some(date_text(n).unwrap_or_else(|| number_text(n))),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(item_text).collect();
            Some(texts.join(","))
        }
        other => item_text(other),
    }
}

/// A value's text outside the date claims; lists and objects inside are JSON.
fn item_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(number_text(n)),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

/// A number as Java prints it: integers in full, fractions as `Double.toString`.
fn number_text(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    n.as_f64().map_or_else(|| n.to_string(), java_double)
}

/// A date claim (seconds, a fraction cut toward zero as Java's `longValue()`) as
/// `Date.toString()`; `None` when its milliseconds do not fit a Java `long`.
fn date_text(n: &Number) -> Option<String> {
    let seconds = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        (None, Some(f)) if f.is_finite() && f.abs() < 9.2e18 => f.trunc() as i64,
        _ => return None,
    };
    seconds.checked_mul(1000).map(java_date)
}

/// The instant where `java.util.Date` switches from the Julian to the Gregorian calendar
/// (1582-10-15T00:00:00Z), in milliseconds.
const GREGORIAN_CUTOVER_MS: i64 = -12_219_292_800_000;

/// `java.util.Date.toString()` in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`.
pub fn java_date(epoch_ms: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (year, month, day) = if epoch_ms >= GREGORIAN_CUTOVER_MS { crate::time::gregorian(days) } else { julian(days) };
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS.get(days.wrapping_add(4).rem_euclid(7) as usize).copied().unwrap_or("Sun");
    let month = MONTHS.get(month.saturating_sub(1) as usize).copied().unwrap_or("Jan");
    let seconds = ms_of_day / 1000;
    // Java prints the year of the era: 1 BC (astronomical year 0) is 1.
    let year = if year <= 0 { 1 - year } else { year };
    format!("{weekday} {month} {day:02} {:02}:{:02}:{:02} UTC {year}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// Days since 1970-01-01 → Julian calendar (year, month, day), astronomical years (Richards'
/// algorithm from the Julian day number).
fn julian(days: i64) -> (i64, u32, u32) {
    let c = days + 2_440_588 + 32_082;
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - (1461 * d).div_euclid(4);
    let m = (5 * e + 2).div_euclid(153);
    let day = (e - (153 * m + 2).div_euclid(5) + 1) as u32;
    let month = (m + 3 - 12 * m.div_euclid(10)) as u32;
    (d - 4800 + m.div_euclid(10), month, day)
}

/// Java's `Double.toString` (the shortest digits that read back as the same double): plain
/// decimal with at least one fraction digit from 10^-3 to 10^7, else `d.dddE±n`.
pub fn java_double(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    if !x.is_finite() {
        return if x.is_nan() { "NaN" } else if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x < 0.0 { "-" } else { "" };
    if (-3..7).contains(&exponent) {
        let (int, frac) = if exponent >= 0 {
            let cut = usize::try_from(exponent).unwrap_or(0).saturating_add(1);
            let padded = format!("{digits:0<cut$}");
            let (a, b) = padded.split_at(cut.min(padded.len()));
            (a.to_string(), b.to_string())
        } else {
            let zeros = "0".repeat(usize::try_from(-exponent - 1).unwrap_or(0));
            ("0".to_string(), format!("{zeros}{digits}"))
        };
        let frac = if frac.is_empty() { "0".to_string() } else { frac };
        format!("{sign}{int}.{frac}")
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use serde_json::json;

    // The reference's AWS capture: exp/iat as Java dates, numbers and booleans as strings, a
    // one-item group list as its item; the token's order is kept.
    #[test]
    fn cognito_id_token_claims() {
        let payload = json!({
            "sub": "7d8ca528-4931-4254-9273-ea5ee853f271", "cognito:groups": ["admin"],
            "email_verified": true, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            "cognito:username": "alice", "custom:role": "admin", "aud": "client1", "token_use": "id",
            "auth_time": 1784510079, "exp": 1784513679, "iat": 1784510079, "email": "alice@example.com",
            "nothing": null});
        let Value::Object(map) = payload else { panic!() };
        let claims = claims_map(&map);
        let want = [
            ("sub", "7d8ca528-4931-4254-9273-ea5ee853f271"), ("cognito:groups", "admin"), ("email_verified", "true"),
            ("iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"), ("cognito:username", "alice"),
            ("custom:role", "admin"), ("aud", "client1"), ("token_use", "id"), ("auth_time", "1784510079"),
            ("exp", "Mon Jul 20 02:14:39 UTC 2026"), ("iat", "Mon Jul 20 01:14:39 UTC 2026"),
            ("email", "alice@example.com"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(claims, want);
    }

    // Our choices for shapes Cognito does not issue: several groups joined by commas, objects as
    // JSON, fractions as Java doubles, a fractional date cut to its second.
    #[test]
    fn other_shapes() {
        let payload = json!({"cognito:groups": ["admin", "users", null, 3], "identities": [{"a": 1}], "address": {"formatted": "x"},
                             "f": 1.5, "big": 1e20, "small": 0.0001, "neg": -2.5, "exp": 1784513679.9, "nbf": "soon", "empty": []});
        let Value::Object(map) = payload else { panic!() };
        let claims: Vec<(String, String)> = claims_map(&map);
        let get = |k: &str| claims.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("cognito:groups"), Some("admin,users,3"));
        assert_eq!(get("identities"), Some(r#"{"a":1}"#));
        assert_eq!(get("address"), Some(r#"{"formatted":"x"}"#));
        assert_eq!((get("f"), get("big"), get("small"), get("neg")), (Some("1.5"), Some("1.0E20"), Some("1.0E-4"), Some("-2.5")));
        assert_eq!(get("exp"), Some("Mon Jul 20 02:14:39 UTC 2026"));
        assert_eq!((get("nbf"), get("empty")), (Some("soon"), Some("")));
    }

    // Java's Date.toString for instants around the epoch, leap days, the Gregorian cutover (the
    // day before 15 October 1582 is Julian 4 October), before the common era, and Java's limits:
    // each expected text printed by OpenJDK 17 (`new Date(ms).toString()`, default zone UTC).
    #[test]
    fn java_dates() {
        let rows: [(i64, &str); 12] = [
            (0, "Thu Jan 01 00:00:00 UTC 1970"),
            (-1, "Wed Dec 31 23:59:59 UTC 1969"),
            (951_782_400_000, "Tue Feb 29 00:00:00 UTC 2000"),
            (4_102_444_799_000, "Thu Dec 31 23:59:59 UTC 2099"),
            (-12_219_292_800_000, "Fri Oct 15 00:00:00 UTC 1582"),
            (-12_219_292_800_001, "Thu Oct 04 23:59:59 UTC 1582"),
            (-62_135_596_800_000, "Mon Jan 03 00:00:00 UTC 1"),
            (-62_135_596_800_001, "Sun Jan 02 23:59:59 UTC 1"),
            (-62_135_769_600_001, "Fri Dec 31 23:59:59 UTC 1"),
            (-100_000_000_000_000, "Thu Feb 26 14:13:20 UTC 1200"),
            (i64::MAX, "Sun Aug 17 07:12:55 UTC 292278994"),
            (i64::MIN, "Sun Dec 02 16:47:04 UTC 292269055"),
        ];
        for (ms, want) in rows {
            assert_eq!(java_date(ms), want, "{ms}");
        }
    }

    // Printed by OpenJDK 17's Double.toString.
    #[test]
    fn java_doubles() {
        let rows: [(f64, &str); 16] = [
            (1.0, "1.0"), (1.5, "1.5"), (0.001, "0.001"), (0.0001, "1.0E-4"), (1234567.0, "1234567.0"),
            (12345678.0, "1.2345678E7"), (1e20, "1.0E20"), (-0.5, "-0.5"), (0.0, "0.0"), (-0.0, "-0.0"),
            (123.456, "123.456"), (1.7976931348623157e308, "1.7976931348623157E308"), (0.002, "0.002"),
            (9999999.0, "9999999.0"), (1e7, "1.0E7"), (0.1 + 0.2, "0.30000000000000004"),
        ];
        for (x, want) in rows {
            assert_eq!(java_double(x), want, "{x}");
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;

    proptest! {
        // Every instant Java can hold formats without a panic, in the shape `EEE MMM dd HH:mm:ss UTC y`.
        #[test]
        fn any_instant(ms in any::<i64>()) {
            let text = super::java_date(ms);
            let parts: Vec<&str> = text.split(' ').collect();
            prop_assert_eq!(parts.len(), 6);
            prop_assert_eq!(parts[4], "UTC");
        }

        // Any double formats, and reads back as the same value.
        #[test]
        fn any_double(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let text = super::java_double(x);
            let back: f64 = text.parse().unwrap_or(f64::NAN);
            prop_assert!(back == x, "{} -> {}", x, text);
        }
    }
}
