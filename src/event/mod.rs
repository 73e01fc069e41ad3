//! Lambda proxy (AWS_PROXY) events: payload format 1.0 ([`v1`], what REST APIs send) and 2.0
//! ([`v2`], the HTTP API format), plus the integration URI helpers in [`invoke`].
//!
//! The builders are pure: everything they need is in [`ProxyInput`], and they return JSON text.
//!
//! What the filter sees and why the events look as they do:
//! - **Header names.** Envoy lower-cases header names (HTTP/2, and its HTTP/1 codec unless a
//!   header-casing option is configured), so the client's casing is gone before the filter runs.
//!   Payload 1.0 therefore emits names as received (lower-case) except `Authorization` and
//!   `User-Agent`, which API Gateway always writes in that casing (reference §1), and the
//!   `X-Forwarded-*` trio, which API Gateway writes itself. Payload 2.0 lower-cases every name, as
//!   HTTP APIs do.
//! - **Pseudo-headers.** If the adapter passes `:authority`, `:scheme` and friends, they are not
//!   headers: `:authority` stands in for a missing `host`, `:scheme` for a missing
//!   `x-forwarded-proto`; the rest is skipped.
//! - **X-Forwarded-For** is the client's value (all its lines joined by `", "`) followed by
//!   `", " + sourceIp`, or `sourceIp` alone. Envoy with `use_remote_address: true` has already
//!   appended the peer address to it; when the list already ends with `sourceIp` it is not added a
//!   second time.
//! - **X-Forwarded-Proto** is Envoy's `x-forwarded-proto` (the HTTP connection manager sets it on
//!   every request from the downstream connection: `https` behind TLS), else `:scheme`, else
//!   `http`.
//! - **X-Forwarded-Port** is `x-forwarded-port` when present (Envoy adds it with
//!   `append_x_forwarded_port`), else the port in `Host`, else 443 for https and 80 for http.
//! - **Bodies.** An empty body is `null` (1.0) or absent (2.0). When the request's Content-Type
//!   matches `binaryMediaTypes` the body is base64 with `isBase64Encoded: true`. Otherwise it is
//!   text; bytes that are not UTF-8 are replaced by U+FFFD, as Java's `new String(bytes, UTF_8)`
//!   (API Gateway's runtime) does: the event must stay valid JSON and the function gets what AWS
//!   would give it. Configure `binaryMediaTypes` to receive such bodies intact.

use serde_json::{Map, Value};

use crate::context::RequestContext;
use crate::http::Request;

pub mod invoke;
pub mod v1;
pub mod v2;

/// Everything a proxy event is built from.
#[derive(Debug, Clone, Copy)]
pub struct ProxyInput<'a> {
    /// Method, raw `:path` with query, lower-cased headers, body bytes.
    pub request: &'a Request,
    /// `requestContext` values (`context.path` = path as the client sent it, stage prefix included).
    pub context: &'a RequestContext,
    /// The matched resource template, e.g. `/{proxy+}`.
    pub resource: &'a str,
    /// The `path` key: the request path without the stage prefix (reference §1 table).
    pub path: &'a str,
    /// Path parameters; empty gives `pathParameters: null`.
    pub path_params: &'a [(String, String)],
    /// Stage variables; empty gives `stageVariables: null`.
    pub stage_variables: &'a [(String, String)],
    pub binary_media_types: &'a [String],
}

/// Headers API Gateway never puts in a 1.0 event (reference §1).
const V1_DROPPED: &[&str] = &[
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "www-authenticate",
];

/// Headers left out of a 2.0 event: the hop-by-hop ones. HTTP APIs keep `content-length` (AWS's own
/// 2.0 examples show it), and `cookie` moves to the `cookies` list.
const V2_DROPPED: &[&str] = &[
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "cookie",
];

/// Casing rule for header names in the event.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameStyle {
    /// Payload 1.0: as received, `Authorization`/`User-Agent`/`X-Forwarded-*` in AWS's casing.
    V1,
    /// Payload 2.0: all lower-case.
    V2,
}

/// The headers of the event, in order, repeats kept, with `X-Forwarded-*` appended.
fn event_headers(input: &ProxyInput, style: NameStyle) -> Vec<(String, String)> {
    let req = input.request;
    let dropped = match style {
        NameStyle::V1 => V1_DROPPED,
        NameStyle::V2 => V2_DROPPED,
    };
    let has_host = req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    let mut out: Vec<(String, String)> = Vec::with_capacity(req.headers.len().saturating_add(3));
    let mut xff: Vec<&str> = Vec::new();
    let mut xfp: Option<&str> = None;
    let mut xfport: Option<&str> = None;
    let mut scheme: Option<&str> = None;
    let mut host: Option<&str> = None;

    for (name, value) in &req.headers {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            ":authority" => {
                if !has_host {
                    host = Some(value);
                    out.push(("host".to_string(), value.clone()));
                }
                continue;
            }
            ":scheme" => {
                scheme = Some(value);
                continue;
            }
            "x-forwarded-for" => {
                xff.push(value);
                continue;
            }
            "x-forwarded-proto" => {
                xfp = Some(value);
                continue;
            }
            "x-forwarded-port" => {
                xfport = Some(value);
                continue;
            }
            "host" => host = Some(value),
            _ => {}
        }
        if lower.starts_with(':') || dropped.contains(&lower.as_str()) {
            continue;
        }
        let emitted = match (style, lower.as_str()) {
            (NameStyle::V1, "authorization") => "Authorization".to_string(),
            (NameStyle::V1, "user-agent") => "User-Agent".to_string(),
            (NameStyle::V1, _) => name.clone(),
            (NameStyle::V2, _) => lower,
        };
        out.push((emitted, value.clone()));
    }

    let source_ip = source_ip(input);
    let client_xff = xff
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let last_hop = client_xff.rsplit(',').next().unwrap_or("").trim();
    let forwarded_for = if client_xff.is_empty() {
        source_ip.to_string()
    } else if source_ip.is_empty() || last_hop == source_ip {
        client_xff.clone()
    } else {
        format!("{client_xff}, {source_ip}")
    };
    let proto = xfp
        .or(scheme)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("http")
        .to_string();
    let port = match xfport.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => p.to_string(),
        None => host_port(host.unwrap_or(""))
            .unwrap_or(if proto.eq_ignore_ascii_case("https") { "443" } else { "80" })
            .to_string(),
    };
    let names: [&str; 3] = match style {
        NameStyle::V1 => ["X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"],
        NameStyle::V2 => ["x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"],
    };
    let [n_for, n_port, n_proto] = names;
    if !forwarded_for.is_empty() {
        out.push((n_for.to_string(), forwarded_for));
    }
    out.push((n_port.to_string(), port));
    out.push((n_proto.to_string(), proto));
    out
}

/// The explicit port of a `Host` value (`example.com:8443` -> `8443`, `[::1]:80` -> `80`).
fn host_port(host: &str) -> Option<&str> {
    let after_bracket = match host.rfind(']') {
        Some(i) => host.get(i..).unwrap_or(""),
        None => host,
    };
    let (_, port) = after_bracket.rsplit_once(':')?;
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(port)
}

/// `identity.sourceIp`: the context's value, else the request's peer address.
fn source_ip<'a>(input: &ProxyInput<'a>) -> &'a str {
    if input.context.source_ip.is_empty() {
        &input.request.source_ip
    } else {
        &input.context.source_ip
    }
}

/// `identity.userAgent` / `http.userAgent`: the context's value, else the request header.
fn user_agent<'a>(input: &ProxyInput<'a>) -> Option<&'a str> {
    input
        .context
        .user_agent
        .as_deref()
        .or_else(|| input.request.header("user-agent"))
}

/// Query pairs decoded as API Gateway does: `%XX` decoded, `+` is a space, `a` and `a=` give `""`,
/// empty pairs (`&&`) skipped. Invalid UTF-8 after decoding becomes U+FFFD.
fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The body as event text: `None` when empty, else (text, isBase64Encoded).
fn event_body(input: &ProxyInput) -> Option<(String, bool)> {
    use base64::Engine as _;
    let body = &input.request.body;
    if body.is_empty() {
        return None;
    }
    let content_type = input.request.header("content-type").unwrap_or("");
    if crate::media::matches_binary(input.binary_media_types, content_type) {
        Some((base64::engine::general_purpose::STANDARD.encode(body), true))
    } else {
        Some((String::from_utf8_lossy(body).into_owned(), false))
    }
}

/// A JSON object of string values, `null` when `pairs` is empty.
fn string_map_or_null(pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return Value::Null;
    }
    let mut map = Map::with_capacity(pairs.len());
    for (k, v) in pairs {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(map)
}

fn opt_string(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn string(v: &str) -> Value {
    Value::String(v.to_string())
}

/// `v` unless it is empty, then `fallback`.
fn or_else<'a>(v: &'a str, fallback: &'a str) -> &'a str {
    if v.is_empty() {
        fallback
    } else {
        v
    }
}

/// One of [`group`] / [`group_exact`].
type Grouper = fn(&[(String, String)]) -> Vec<(String, Vec<String>)>;

/// Groups values by name (ASCII case-insensitive), keeping the first spelling and first-seen order.
fn group(pairs: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(k)) {
            Some((_, vs)) => vs.push(v.clone()),
            None => out.push((k.clone(), vec![v.clone()])),
        }
    }
    out
}

/// Groups query values by exact key (query keys are case-sensitive).
fn group_exact(pairs: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| n == k) {
            Some((_, vs)) => vs.push(v.clone()),
            None => out.push((k.clone(), vec![v.clone()])),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A request/context pair shaped like reference §1's recordings (stage `stage`).
    pub struct Fixture {
        pub request: Request,
        pub context: RequestContext,
        pub resource: String,
        pub path: String,
        pub path_params: Vec<(String, String)>,
        pub stage_variables: Vec<(String, String)>,
        pub binary_media_types: Vec<String>,
    }

    impl Fixture {
        pub fn new(method: &str, raw_path: &str) -> Self {
            let request = Request {
                method: method.to_string(),
                path: raw_path.to_string(),
                headers: vec![
                    ("host".into(), "abc123.execute-api.us-east-1.amazonaws.com".into()),
                    ("user-agent".into(), "curl/8.5.0".into()),
                    ("accept".into(), "*/*".into()),
                    ("x-forwarded-proto".into(), "https".into()),
                ],
                body: Vec::new(),
                source_ip: "203.0.113.7".into(),
                request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
                now_ms: 1_795_587_628_123,
            };
            let path_only = raw_path.split('?').next().unwrap_or("").to_string();
            let context = RequestContext {
                account_id: "123456789012".into(),
                api_id: "abc123".into(),
                deployment_id: "dep1".into(),
                domain_name: "abc123.execute-api.us-east-1.amazonaws.com".into(),
                domain_prefix: "abc123".into(),
                extended_request_id: "ext-1".into(),
                http_method: method.into(),
                path: path_only.clone(),
                protocol: "HTTP/1.1".into(),
                request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
                request_time: "25/Nov/2026:06:20:28 +0000".into(),
                request_time_epoch: 1_795_587_628_123,
                resource_id: "res1".into(),
                resource_path: "/{proxy+}".into(),
                stage: "stage".into(),
                source_ip: "203.0.113.7".into(),
                user_agent: Some("curl/8.5.0".into()),
            };
            Fixture {
                request,
                context,
                resource: "/{proxy+}".into(),
                path: path_only,
                path_params: Vec::new(),
                stage_variables: Vec::new(),
                binary_media_types: Vec::new(),
            }
        }

        pub fn input(&self) -> ProxyInput<'_> {
            ProxyInput {
                request: &self.request,
                context: &self.context,
                resource: &self.resource,
                path: &self.path,
                path_params: &self.path_params,
                stage_variables: &self.stage_variables,
                binary_media_types: &self.binary_media_types,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::type_complexity)]
mod tests {
    use super::test_support::Fixture;
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn host_port_table() {
        let rows = [
            ("example.com", None),
            ("example.com:8443", Some("8443")),
            ("[::1]:80", Some("80")),
            ("[::1]", None),
            ("example.com:", None),
            ("", None),
        ];
        for (host, want) in rows {
            assert_eq!(host_port(host), want, "{host:?}");
        }
    }

    // X-Forwarded-* derivation, each row: (received headers, source ip, XFF, port, proto).
    #[test]
    fn forwarded_headers_table() {
        let rows: &[(&[(&str, &str)], &str, Option<&str>, &str, &str)] = &[
            (&[("host", "h")], "1.2.3.4", Some("1.2.3.4"), "80", "http"),
            (&[("host", "h"), ("x-forwarded-for", "9.9.9.9")], "1.2.3.4", Some("9.9.9.9, 1.2.3.4"), "80", "http"),
            // Envoy (use_remote_address) already appended the peer.
            (&[("x-forwarded-for", "9.9.9.9, 1.2.3.4")], "1.2.3.4", Some("9.9.9.9, 1.2.3.4"), "80", "http"),
            (&[("x-forwarded-for", "a"), ("x-forwarded-for", "b")], "c", Some("a, b, c"), "80", "http"),
            (&[("x-forwarded-proto", "https")], "1.2.3.4", Some("1.2.3.4"), "443", "https"),
            (&[(":scheme", "https")], "1.2.3.4", Some("1.2.3.4"), "443", "https"),
            (&[("host", "h:8080"), ("x-forwarded-proto", "https")], "1.2.3.4", Some("1.2.3.4"), "8080", "https"),
            (&[(":authority", "h:9000")], "1.2.3.4", Some("1.2.3.4"), "9000", "http"),
            (&[("x-forwarded-port", "4443"), ("host", "h:1")], "1.2.3.4", Some("1.2.3.4"), "4443", "http"),
            (&[], "", None, "80", "http"),
        ];
        for (headers, ip, want_for, want_port, want_proto) in rows {
            let mut f = Fixture::new("GET", "/");
            f.request.headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            f.request.source_ip = ip.to_string();
            f.context.source_ip = ip.to_string();
            let out = event_headers(&f.input(), NameStyle::V1);
            let get = |n: &str| out.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
            assert_eq!(get("X-Forwarded-For"), *want_for, "{headers:?}");
            assert_eq!(get("X-Forwarded-Port"), Some(*want_port), "{headers:?}");
            assert_eq!(get("X-Forwarded-Proto"), Some(*want_proto), "{headers:?}");
            assert!(out.iter().all(|(k, _)| !k.starts_with(':') && k != "x-forwarded-for"));
        }
    }

    // `:authority` stands in for a missing Host, and only then.
    #[test]
    fn authority_becomes_host() {
        let mut f = Fixture::new("GET", "/");
        f.request.headers = vec![(":authority".into(), "a.example".into()), ("accept".into(), "x".into())];
        let out = event_headers(&f.input(), NameStyle::V1);
        assert_eq!(out[0], ("host".to_string(), "a.example".to_string()));
        f.request.headers.push(("host".into(), "b.example".into()));
        let out = event_headers(&f.input(), NameStyle::V1);
        assert_eq!(out.iter().filter(|(k, _)| k == "host").count(), 1);
        assert_eq!(out.iter().find(|(k, _)| k == "host").map(|(_, v)| v.as_str()), Some("b.example"));
    }

    #[test]
    fn query_pairs_table() {
        let rows: &[(&str, &[(&str, &str)])] = &[
            ("", &[]),
            ("a=1", &[("a", "1")]),
            ("a=", &[("a", "")]),
            ("a", &[("a", "")]),
            ("a=1&&b=2", &[("a", "1"), ("b", "2")]),
            ("email=test%2Balias@x", &[("email", "test+alias@x")]),
            ("plus=test+alias@x", &[("plus", "test alias@x")]),
            ("k%20y=v%26w", &[("k y", "v&w")]),
            ("bad=%zz", &[("bad", "%zz")]),
        ];
        for (q, want) in rows {
            let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            assert_eq!(query_pairs(q), want, "{q:?}");
        }
    }
}
