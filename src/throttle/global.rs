//! Global mode (README: "Throttling"): instead of counting in the process, the levels are asked
//! of a rate limit service that speaks Envoy's RLS protocol
//! (`envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit`), so that every replica
//! counts in one place. Two ways, one set of descriptors:
//!
//! - **Envoy's `ratelimit` filter** (`"via": "ratelimitFilter"`, what `make run
//!   GLOBAL_RATE_LIMIT=` sets up): this filter admits the request (routing, authorizer, API key),
//!   writes the levels as request headers ([`descriptor_headers`]) and hands the request over
//!   ([`HANDOFF_HEADER`]) to a second instance of itself placed after Envoy's `ratelimit`
//!   filter, which builds one descriptor per header group (the route's `rate_limits`, generated
//!   by `scripts/apigw.py` from [`SLOTS`] and [`ENTRY_KEYS`]) and asks the service. Admitted, the
//!   second instance runs the integration; refused, the first renders AWS's 429
//!   ([`filter_verdict`]). Envoy's filter chain stops at a filter's local reply, so a
//!   `ratelimit` filter simply placed after this one would never see the requests it answers
//!   itself (MOCK, Lambda, HTTP and AWS callouts), and one placed before it would count requests
//!   that routing, the authorizer or the API key refuse.
//! - **A gRPC callout** (`"via": "callout"`, the default when `cluster` is given): the filter
//!   asks the service itself at the same point ([`request`], [`parse`], [`verdict`]).
//!
//! One descriptor per level, in AWS's order, each naming its counter and carrying its limit, so
//! that the service needs no configuration of its own: a throttle is
//! `[("apigw_throttle", key), ("rate", "40"), ("burst", "8")]` (the callout adds a `limit`
//! override of `ceil(rate)` per SECOND); a quota `[("apigw_quota", key), ("limit", "1000"),
//! ("offset", "0"), ("period", "DAY")]` (the callout: `limit` per DAY or MONTH). The protobuf is
//! written and read here by hand (the few fields used; `tests/e2e/rls/rls.proto` holds the same
//! subset for the test service).

use super::{Check, Period, Verdict};

/// The gRPC service and method called.
pub const SERVICE: &str = "envoy.service.ratelimit.v3.RateLimitService";
pub const METHOD: &str = "ShouldRateLimit";

/// How long the filter waits for the service by default (Envoy's `ratelimit` filter waits 20 ms;
/// more here, since a slow answer admits).
pub const DEFAULT_TIMEOUT_MS: u32 = 100;

/// The longest wait accepted.
pub const MAX_TIMEOUT_MS: u32 = 60_000;

/// How the rate limit service is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// By Envoy's own `ratelimit` filter, between this filter and its second instance; its
    /// service, domain and timeout are that filter's configuration. `cluster` (the service's) is
    /// named in the cluster header of a request handed over: Envoy's filter builds no
    /// descriptor for a route whose cluster it cannot resolve (Envoy 1.40, checked).
    RateLimitFilter { cluster: String },
    /// By this filter's own gRPC callout.
    Callout { cluster: String, domain: String, timeout_ms: u32 },
}

/// `globalRateLimit` in the plugin configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalSettings {
    pub via: Via,
}

impl GlobalSettings {
    /// `{"via": "ratelimitFilter", "cluster": "..."}`, or `{"cluster": "...", "domain":
    /// "apigateway", "timeoutMs": 100}` (`"via": "callout"`); the field and why on error.
    pub fn parse(v: &serde_json::Value) -> Result<GlobalSettings, (String, String)> {
        let field = |f: &str| format!("globalRateLimit.{f}");
        let obj = v.as_object().ok_or(("globalRateLimit".to_string(), "must be an object".to_string()))?;
        match obj.get("via").map(|v| v.as_str()) {
            None | Some(Some("callout")) => {}
            Some(Some("ratelimitFilter")) => {
                if let Some(k) = obj.keys().find(|k| !["via", "cluster"].contains(&k.as_str())) {
                    return Err((field(k), "is Envoy's ratelimit filter's to set with \"via\": \"ratelimitFilter\"".into()));
                }
                return match obj.get("cluster") {
                    Some(serde_json::Value::String(c)) if !c.is_empty() => {
                        Ok(GlobalSettings { via: Via::RateLimitFilter { cluster: c.clone() } })
                    }
                    _ => Err((field("cluster"), "must be a non-empty string".into())),
                };
            }
            Some(_) => return Err((field("via"), "must be \"ratelimitFilter\" or \"callout\"".into())),
        }
        if let Some(k) = obj.keys().find(|k| !["via", "cluster", "domain", "timeoutMs"].contains(&k.as_str())) {
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
        let (cluster, domain) = (text("cluster", None)?, text("domain", Some("apigateway"))?);
        Ok(GlobalSettings { via: Via::Callout { cluster, domain, timeout_ms } })
    }
}

/// Filter mode: the request header that carries the handed-over request's key to the second
/// instance (set by the first instance on every request it hands over, and removed from every
/// request it does not, so that a client cannot send one).
pub const HANDOFF_HEADER: &str = "x-apigw-handoff";

/// Filter mode: the plugin configuration of the second instance, placed after Envoy's
/// `ratelimit` filter (`scripts/apigw.py` writes the same text).
pub const RESUME_CONFIGURATION: &str = "apigateway: resume after Envoy's ratelimit filter";

/// Filter mode: the prefix of the descriptor headers, `x-apigw-ratelimit-<slot>-<entry key>`
/// with `_` written `-` (client-sent ones are removed before Envoy's filter reads them).
pub const DESCRIPTOR_HEADER_PREFIX: &str = "x-apigw-ratelimit-";

/// The most levels one request has: the plan's method throttle, the plan's throttle, the plan's
/// quota, the stage's method limit, the account's ([`super::checks`]).
pub const SLOTS: usize = 5;

/// The entry keys of a throttle's and of a quota's descriptor, in order (the route's
/// `rate_limits` read one header per key and slot).
pub const ENTRY_KEYS: [&[&str]; 2] = [&["apigw_throttle", "rate", "burst"], &["apigw_quota", "limit", "offset", "period"]];

/// Filter mode: what Envoy's `ratelimit` filter adds to every answer it lets through
/// (`enable_x_ratelimit_headers`); API Gateway sends none of them, so the first instance removes
/// them.
pub const ENVOY_RESPONSE_HEADERS: [&str; 3] = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];

/// Whether a request header is one of filter mode's own (a client's is removed).
pub fn is_handoff_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(HANDOFF_HEADER)
        || name.get(..DESCRIPTOR_HEADER_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(DESCRIPTOR_HEADER_PREFIX))
}

/// Filter mode: the levels as request headers, slot by slot in AWS's order.
pub fn descriptor_headers(checks: &[Check]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (slot, check) in checks.iter().take(SLOTS).enumerate() {
        for (key, value) in entries(check) {
            out.push((format!("{DESCRIPTOR_HEADER_PREFIX}{slot}-{}", key.replace('_', "-")), value));
        }
    }
    out
}

/// Filter mode: which level refused, from the `x-ratelimit-limit` header Envoy's `ratelimit`
/// filter writes on its 429 (`enable_x_ratelimit_headers: DRAFT_VERSION_03`): the limit of the
/// descriptor with the fewest requests remaining — the refusing one — then each descriptor's
/// `limit;w=window`. A day or longer is a quota's window (QUOTA_EXCEEDED), anything else a
/// throttle's; without the header (a service that sends no `current_limit`) a throttle's.
pub fn filter_verdict(limit_header: Option<&str>) -> Verdict {
    let Some(header) = limit_header else { return Verdict::Throttled };
    let mut parts = header.split(',').map(str::trim);
    let first = parts.next().unwrap_or("");
    let windows: Vec<u64> = parts
        .filter_map(|policy| {
            let mut fields = policy.split(';').map(str::trim);
            (fields.next() == Some(first)).then_some(())?;
            fields.find_map(|f| f.strip_prefix("w=")).and_then(|w| w.parse().ok())
        })
        .collect();
    if !windows.is_empty() && windows.iter().all(|w| *w >= 86_400) {
        Verdict::QuotaExceeded
    } else {
        Verdict::Throttled
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

/// A level's descriptor entries ([`ENTRY_KEYS`]).
fn entries(check: &Check) -> Vec<(&'static str, String)> {
    match check {
        Check::Bucket(key, limit) => vec![
            ("apigw_throttle", key.to_string()),
            ("rate", rate_text(limit.rate_milli)),
            ("burst", limit.burst.to_string()),
        ],
        Check::Quota(key, q) => vec![
            ("apigw_quota", key.to_string()),
            ("limit", q.limit.to_string()),
            ("offset", q.offset.to_string()),
            ("period", q.period.name().to_string()),
        ],
    }
}

/// The `RateLimitRequest` for these levels (callout mode).
pub fn request(domain: &str, checks: &[Check]) -> Vec<u8> {
    let mut out = Vec::new();
    bytes_field(&mut out, 1, domain.as_bytes());
    for check in checks {
        let limit = match check {
            Check::Bucket(_, limit) => Some((limit.rate_milli.div_ceil(1000), SECOND)),
            Check::Quota(_, q) => match q.period {
                Period::Day => Some((q.limit, DAY)),
                Period::Month => Some((q.limit, MONTH)),
                Period::Week => None,
            },
        };
        let entries = entries(check);
        let pairs: Vec<(&str, &str)> = entries.iter().map(|(k, v)| (*k, v.as_str())).collect();
        bytes_field(&mut out, 2, &descriptor(&pairs, limit));
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
        let callout = Via::Callout { cluster: "rls".into(), domain: "apigateway".into(), timeout_ms: 100 };
        assert_eq!(s, GlobalSettings { via: callout });
        let s = GlobalSettings::parse(&serde_json::json!({"via": "ratelimitFilter", "cluster": "rls"})).unwrap();
        assert_eq!(s, GlobalSettings { via: Via::RateLimitFilter { cluster: "rls".into() } });
        let e = GlobalSettings::parse(&serde_json::json!({"via": "ratelimitFilter", "domain": "d"})).unwrap_err();
        assert_eq!(e.0, "globalRateLimit.domain");
        let e = GlobalSettings::parse(&serde_json::json!({"via": "ratelimitFilter"})).unwrap_err();
        assert_eq!(e.0, "globalRateLimit.cluster");
        assert_eq!(GlobalSettings::parse(&serde_json::json!({"via": "x"})).unwrap_err().0, "globalRateLimit.via");
        assert!(GlobalSettings::parse(&serde_json::json!({})).is_err());
        assert!(GlobalSettings::parse(&serde_json::json!({"cluster": "rls", "timeoutMs": 0})).is_err());
        assert!(GlobalSettings::parse(&serde_json::json!({"cluster": "rls", "x": 1})).is_err());
        let e = GlobalSettings::parse(&serde_json::json!({"cluster": "rls", "domain": 5})).unwrap_err();
        assert_eq!(e.0, "globalRateLimit.domain");
    }

    // Filter mode: the levels as headers, slot by slot; a client's own are recognised.
    #[test]
    fn headers() {
        let q = QuotaLimit { limit: 5, offset: 1, period: Period::Month };
        let checks = [Check::Quota(Cow::Borrowed("q1"), q), Check::Bucket(Cow::Borrowed("s/GET /"), BucketLimit::new(500, 2))];
        let got = descriptor_headers(&checks);
        let want = [
            ("x-apigw-ratelimit-0-apigw-quota", "q1"), ("x-apigw-ratelimit-0-limit", "5"),
            ("x-apigw-ratelimit-0-offset", "1"), ("x-apigw-ratelimit-0-period", "MONTH"),
            ("x-apigw-ratelimit-1-apigw-throttle", "s/GET /"), ("x-apigw-ratelimit-1-rate", "0.5"),
            ("x-apigw-ratelimit-1-burst", "2"),
        ];
        assert_eq!(got, want.map(|(k, v)| (k.to_string(), v.to_string())));
        assert!(is_handoff_header("X-Apigw-Ratelimit-0-rate"));
        assert!(is_handoff_header("x-apigw-handoff"));
        assert!(!is_handoff_header("x-apigw"));
        assert!(!is_handoff_header("x-api-key"));
    }

    // Filter mode: the refusing level from Envoy's x-ratelimit-limit.
    #[test]
    fn filter_verdicts() {
        assert_eq!(filter_verdict(None), Verdict::Throttled);
        assert_eq!(filter_verdict(Some("40, 40;w=1, 10000;w=1")), Verdict::Throttled);
        assert_eq!(filter_verdict(Some("5, 40;w=1, 5;w=86400")), Verdict::QuotaExceeded);
        assert_eq!(filter_verdict(Some("5, 5;w=2592000;name=\"q\"")), Verdict::QuotaExceeded);
        assert_eq!(filter_verdict(Some("5, 5;w=1, 5;w=86400")), Verdict::Throttled);
        assert_eq!(filter_verdict(Some("")), Verdict::Throttled);
        assert_eq!(filter_verdict(Some(",,;;w=,")), Verdict::Throttled);
    }
}
