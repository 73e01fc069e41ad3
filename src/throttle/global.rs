//! Global mode (README: "Throttling"): instead of counting in the process, the levels are asked
//! of a rate limit service that speaks Envoy's RLS protocol
//! (`envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit`), so that every replica
//! counts in one place. The filter calls it itself, by a gRPC callout at the point where the
//! local counters would be checked (after admission, before request validation): Envoy's own
//! `ratelimit` HTTP filter placed after this filter would never see the requests this filter
//! answers itself (MOCK, Lambda, HTTP and AWS callouts), only those it forwards.
//!
//! One descriptor per level, in AWS's order, each naming its counter and carrying its limit, so
//! that the service needs no configuration of its own: a throttle is
//! `[("apigw_throttle", key), ("rate", "40"), ("burst", "8")]` with a `limit` override of
//! `ceil(rate)` per SECOND; a quota `[("apigw_quota", key), ("limit", "1000"), ("offset", "0"),
//! ("period", "DAY")]` with `limit` per DAY or MONTH. The protobuf is written and read here by
//! hand (the few fields used; `tests/e2e/rls/rls.proto` holds the same subset for the test
//! service).

use super::{Check, Period, Verdict};

/// The gRPC service and method called.
pub const SERVICE: &str = "envoy.service.ratelimit.v3.RateLimitService";
pub const METHOD: &str = "ShouldRateLimit";

/// How long the filter waits for the service by default (Envoy's `ratelimit` filter waits 20 ms;
/// more here, since a slow answer admits).
pub const DEFAULT_TIMEOUT_MS: u32 = 100;

/// The longest wait accepted.
pub const MAX_TIMEOUT_MS: u32 = 60_000;

/// `globalRateLimit` in the plugin configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalSettings {
    /// The Envoy cluster (HTTP/2) of the rate limit service.
    pub cluster: String,
    /// The RLS domain of every request (default `apigateway`).
    pub domain: String,
    pub timeout_ms: u32,
}

impl GlobalSettings {
    /// `{"cluster": "...", "domain": "apigateway", "timeoutMs": 100}`; the field and why on error.
    pub fn parse(v: &serde_json::Value) -> Result<GlobalSettings, (String, String)> {
        let field = |f: &str| format!("globalRateLimit.{f}");
        let obj = v.as_object().ok_or(("globalRateLimit".to_string(), "must be an object".to_string()))?;
        if let Some(k) = obj.keys().find(|k| !["cluster", "domain", "timeoutMs"].contains(&k.as_str())) {
            return Err((field(k), "unknown key".into()));
        }
        let text = |k: &str, default: Option<&str>| -> Result<String, (String, String)> {
            match (obj.get(k), default) {
                (None, Some(d)) => Ok(d.to_string()),
                (Some(serde_json::Value::String(s)), _) if !s.is_empty() => Ok(s.clone()),
                _ => Err((field(k), "must be a non-empty string".into())),
            }
        };
        let timeout_ms = match obj.get("timeoutMs") {
            None => DEFAULT_TIMEOUT_MS,
            Some(t) => t
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| (1..=MAX_TIMEOUT_MS).contains(n))
                .ok_or((field("timeoutMs"), format!("must be a whole number of milliseconds, 1 to {MAX_TIMEOUT_MS}")))?,
        };
        Ok(GlobalSettings { cluster: text("cluster", None)?, domain: text("domain", Some("apigateway"))?, timeout_ms })
    }
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A length-delimited field.
fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn varint_field(out: &mut Vec<u8>, field: u64, n: u64) {
    varint(out, field << 3);
    varint(out, n);
}

/// A rate in thousandths as decimal text: `40`, `0.5`, `2.125`.
fn rate_text(rate_milli: u64) -> String {
    let (whole, milli) = (rate_milli / 1000, rate_milli % 1000);
    if milli == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{milli:03}").trim_end_matches('0').to_string()
    }
}

/// One `RateLimitDescriptor`: its entries and its `limit` override (requests, RateLimitUnit).
fn descriptor(entries: &[(&str, &str)], limit: Option<(u64, u64)>) -> Vec<u8> {
    let mut d = Vec::new();
    for (k, v) in entries {
        let mut e = Vec::new();
        bytes_field(&mut e, 1, k.as_bytes());
        bytes_field(&mut e, 2, v.as_bytes());
        bytes_field(&mut d, 1, &e);
    }
    if let Some((requests, unit)) = limit {
        let mut o = Vec::new();
        varint_field(&mut o, 1, requests.min(u64::from(u32::MAX)));
        varint_field(&mut o, 2, unit);
        bytes_field(&mut d, 2, &o);
    }
    d
}

// envoy.type.v3.RateLimitUnit
const SECOND: u64 = 1;
const DAY: u64 = 4;
const MONTH: u64 = 5;

/// The `RateLimitRequest` for these levels.
pub fn request(domain: &str, checks: &[Check]) -> Vec<u8> {
    let mut out = Vec::new();
    bytes_field(&mut out, 1, domain.as_bytes());
    for check in checks {
        let d = match check {
            Check::Bucket(key, limit) => descriptor(
                &[("apigw_throttle", key), ("rate", &rate_text(limit.rate_milli)), ("burst", &limit.burst.to_string())],
                Some((limit.rate_milli.div_ceil(1000), SECOND)),
            ),
            Check::Quota(key, q) => {
                let period = match q.period {
                    Period::Day => "DAY",
                    Period::Week => "WEEK",
                    Period::Month => "MONTH",
                };
                let unit = match q.period {
                    Period::Day => Some(DAY),
                    Period::Month => Some(MONTH),
                    Period::Week => None,
                };
                descriptor(
                    &[("apigw_quota", key), ("limit", &q.limit.to_string()), ("offset", &q.offset.to_string()),
                      ("period", period)],
                    unit.map(|u| (q.limit, u)),
                )
            }
        };
        bytes_field(&mut out, 2, &d);
    }
    out
}

// RateLimitResponse.Code
const OK: u64 = 1;
const OVER_LIMIT: u64 = 2;

/// A protobuf reader over the fields of one message.
struct Fields<'a> {
    rest: &'a [u8],
}

/// A field's value: a varint, or the bytes of a length-delimited field (fixed-size ones skipped).
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Skipped,
}

impl<'a> Fields<'a> {
    fn read_varint(&mut self) -> Result<u64, String> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.rest.split_first().ok_or("a varint runs past the end")?;
            self.rest = rest;
            n |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err("a varint longer than 10 bytes".into())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| "a length past the end")?;
        let (taken, rest) = self.rest.split_at_checked(n).ok_or("a length past the end")?;
        self.rest = rest;
        Ok(taken)
    }

    /// The next field number and value, `None` at the end.
    fn next(&mut self) -> Result<Option<(u64, Value<'a>)>, String> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let tag = self.read_varint()?;
        let value = match tag & 7 {
            0 => Value::Varint(self.read_varint()?),
            1 => self.take(8).map(|_| Value::Skipped)?,
            2 => {
                let n = self.read_varint()?;
                Value::Bytes(self.take(n)?)
            }
            5 => self.take(4).map(|_| Value::Skipped)?,
            w => return Err(format!("wire type {w} is not used by RateLimitResponse")),
        };
        Ok(Some((tag >> 3, value)))
    }
}

/// A `RateLimitResponse`: the overall code and each descriptor's, in the request's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub overall: u64,
    pub statuses: Vec<u64>,
}

/// Reads a `RateLimitResponse`; the other fields (headers, body, metadata) are not used.
pub fn parse(bytes: &[u8]) -> Result<Answer, String> {
    let mut answer = Answer { overall: 0, statuses: Vec::new() };
    let mut fields = Fields { rest: bytes };
    while let Some((field, value)) = fields.next()? {
        match (field, value) {
            (1, Value::Varint(code)) => answer.overall = code,
            (2, Value::Bytes(status)) => {
                let mut inner = Fields { rest: status };
                let mut code = 0;
                while let Some((f, v)) = inner.next()? {
                    if let (1, Value::Varint(c)) = (f, v) {
                        code = c;
                    }
                }
                answer.statuses.push(code);
            }
            _ => {}
        }
    }
    Ok(answer)
}

/// What the service's answer means for these levels: OVER_LIMIT is a quota's refusal when the
/// first level over its limit is a quota, else a throttle's. `Err`: an answer that says neither
/// OK nor OVER_LIMIT (the request is then admitted, and the reason logged).
pub fn verdict(checks: &[Check], answer: &Answer) -> Result<Verdict, String> {
    match answer.overall {
        OK => Ok(Verdict::Admit),
        OVER_LIMIT => {
            let first = checks.iter().zip(&answer.statuses).find(|(_, code)| **code == OVER_LIMIT);
            Ok(match first {
                Some((Check::Quota(..), _)) => Verdict::QuotaExceeded,
                _ => Verdict::Throttled,
            })
        }
        other => Err(format!("the rate limit service answered code {other} (neither OK nor OVER_LIMIT)")),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::borrow::Cow;

    use super::*;
    use crate::throttle::{BucketLimit, QuotaLimit};

    // The request's bytes, field by field (checked against the proto with grpc_tools in
    // tests/e2e/test_global_throttling.py).
    #[test]
    fn request_bytes() {
        let checks = [Check::Bucket(Cow::Borrowed("k"), BucketLimit::new(500, 2))];
        let got = request("d", &checks);
        let want: Vec<u8> = [
            &[0x0a, 1, b'd'][..],
            &[0x12, 52],
            &[0x0a, 19, 0x0a, 14], b"apigw_throttle", &[0x12, 1, b'k'],
            &[0x0a, 11, 0x0a, 4], b"rate", &[0x12, 3], b"0.5",
            &[0x0a, 10, 0x0a, 5], b"burst", &[0x12, 1, b'2'],
            &[0x12, 4, 0x08, 1, 0x10, 1],
        ]
        .concat();
        assert_eq!(got, want);
    }

    #[test]
    fn rates_as_text() {
        assert_eq!(rate_text(40_000), "40");
        assert_eq!(rate_text(500), "0.5");
        assert_eq!(rate_text(2_125), "2.125");
        assert_eq!(rate_text(1_010), "1.01");
        assert_eq!(rate_text(0), "0");
    }

    // OVER_LIMIT is the first refusing level's; other codes are errors.
    #[test]
    fn verdicts() {
        let q = QuotaLimit { limit: 1, offset: 0, period: Period::Week };
        let checks = [Check::Quota(Cow::Borrowed("q"), q), Check::Bucket(Cow::Borrowed("b"), BucketLimit::new(1, 1))];
        let v = |overall, statuses: &[u64]| verdict(&checks, &Answer { overall, statuses: statuses.to_vec() });
        assert_eq!(v(1, &[]), Ok(Verdict::Admit));
        assert_eq!(v(2, &[2, 2]), Ok(Verdict::QuotaExceeded));
        assert_eq!(v(2, &[1, 2]), Ok(Verdict::Throttled));
        assert_eq!(v(2, &[]), Ok(Verdict::Throttled));
        assert!(v(0, &[]).is_err());
    }

    // A response with every kind of field; truncated or odd bytes are errors, not panics.
    #[test]
    fn responses() {
        let mut r = Vec::new();
        varint_field(&mut r, 1, 2);
        let mut s = Vec::new();
        varint_field(&mut s, 1, 1);
        bytes_field(&mut s, 2, &[0x08, 5]);
        bytes_field(&mut r, 2, &s);
        let mut s2 = Vec::new();
        varint_field(&mut s2, 1, 2);
        bytes_field(&mut r, 2, &s2);
        bytes_field(&mut r, 5, b"raw body");
        r.extend_from_slice(&[0x0d, 1, 2, 3, 4, 0x09, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(parse(&r), Ok(Answer { overall: 2, statuses: vec![1, 2] }));
        assert!(parse(&r[..r.len() - 1]).is_err());
        assert!(parse(&[0x0b]).is_err());
        assert!(parse(&[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        assert_eq!(parse(&[]), Ok(Answer { overall: 0, statuses: vec![] }));
    }

    #[test]
    fn settings() {
        let s = GlobalSettings::parse(&serde_json::json!({"cluster": "rls"})).unwrap();
        assert_eq!(s, GlobalSettings { cluster: "rls".into(), domain: "apigateway".into(), timeout_ms: 100 });
        assert!(GlobalSettings::parse(&serde_json::json!({})).is_err());
        assert!(GlobalSettings::parse(&serde_json::json!({"cluster": "rls", "timeoutMs": 0})).is_err());
        assert!(GlobalSettings::parse(&serde_json::json!({"cluster": "rls", "x": 1})).is_err());
        let e = GlobalSettings::parse(&serde_json::json!({"cluster": "rls", "domain": 5})).unwrap_err();
        assert_eq!(e.0, "globalRateLimit.domain");
    }
}
