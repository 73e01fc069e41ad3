//! Lambda proxy (AWS_PROXY) events: payload format 1.0 ([`v1`], what REST APIs send) and 2.0
//! ([`v2`], the HTTP API format), plus the integration URI helpers in [`invoke`].
//!
//! The builders are pure: everything they need is in [`ProxyInput`], and they return JSON text.
//!
//! What the filter sees and why the events look as they do:
//! - **Header names.** Envoy lower-cases header names (HTTP/2, and its HTTP/1 codec unless a
//!   header-casing option is configured), so the client's casing is gone before the filter runs.
//!   Payload 1.0 therefore emits names as received (lower-case) except `Authorization` and
//!   `User-Agent`, which API Gateway always writes in that casing (README: "Behaviour",
//!   Headers), and the `X-Forwarded-*` trio, which API Gateway writes itself. Payload 2.0
//!   lower-cases every name, as HTTP APIs do.
//! - **Pseudo-headers.** If the adapter passes `:authority`, `:scheme` and friends, they are not
//!   headers: `:authority` stands in for a missing `host`, `:scheme` for a missing
//!   `x-forwarded-proto`; the rest is skipped.
//! - **X-Forwarded-For** is the client's value (all its lines joined by `", "`) followed by
//!   `", " + sourceIp`, or `sourceIp` alone. The generated Envoy configs leave the header as the
//!   client sent it (`skip_xff_append`); in a setup where Envoy appends the peer itself, a list
//!   that already ends with `sourceIp` does not get it a second time.
//! - **X-Forwarded-Proto** is Envoy's `x-forwarded-proto` (the HTTP connection manager sets it on
//!   every request from the downstream connection: `https` behind TLS), else `:scheme`, else
//!   `http`.
//! - **X-Forwarded-Port** is `x-forwarded-port` when present (Envoy adds it with
//!   `append_x_forwarded_port`), else the port in `Host`, else 443 for https and 80 for http.
//! - **X-Amzn-Trace-Id** is always there (AWS's documented event has it): the client's value, else
//!   `Root=<new root>`, written `X-Amzn-Trace-Id` in 1.0 ([`crate::trace`]; README: "Lambda
//!   proxy (AWS_PROXY)").
//! - **Bodies.** An empty body is `null` (1.0) or absent (2.0). When the request's Content-Type
//!   matches `binaryMediaTypes` the body is base64 with `isBase64Encoded: true`. Otherwise it is
//!   text; bytes that are not UTF-8 are replaced by U+FFFD, as Java's `new String(bytes, UTF_8)`
//!   (API Gateway's runtime) does: the event must stay valid JSON and the function gets what AWS
//!   would give it. Configure `binaryMediaTypes` to receive such bodies intact.

use std::borrow::Cow;

use crate::context::RequestContext;
use crate::http::Request;

pub mod invoke;
mod json;
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
    /// The `path` key: the request path without the stage prefix (README: "Lambda proxy
    /// (AWS_PROXY)").
    pub path: &'a str,
    /// Path parameters; empty gives `pathParameters: null`.
    pub path_params: &'a [(String, String)],
    /// Stage variables; empty gives `stageVariables: null`.
    pub stage_variables: &'a [(String, String)],
    pub binary_media_types: &'a [String],
}


/// Casing rule for header names in the event.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameStyle {
    /// Payload 1.0: as received, `Authorization`/`User-Agent`/`X-Forwarded-*` in AWS's casing.
    V1,
    /// Payload 2.0: all lower-case.
    V2,
}

/// A name/value pair of the event, borrowed from the request where it can be.
type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// The headers of the event, in order, repeats kept, with `X-Forwarded-*` appended.
fn event_headers<'a>(input: &ProxyInput<'a>, style: NameStyle) -> Vec<Pair<'a>> {
    let mut out: Vec<Pair<'a>> = Vec::with_capacity(input.request.headers.len().saturating_add(3));
    let forwarding = copy_request_headers(input.request, style, &mut out);
    append_forwarded_headers(input, style, &forwarding, &mut out);
    out
}

/// What the request's headers say about how it reached the gateway: set aside while copying the
/// headers, then written once as the `X-Forwarded-*` headers.
#[derive(Default)]
struct Forwarding<'a> {
    xff: Vec<&'a str>,
    xfp: Option<&'a str>,
    xfport: Option<&'a str>,
    scheme: Option<&'a str>,
    host: Option<&'a str>,
}

/// Copies the request's headers into `out`, minus pseudo-headers (`:authority` standing in for a
/// missing `host`), dropped headers and the ones written later; returns what was set aside.
fn copy_request_headers<'a>(req: &'a Request, style: NameStyle, out: &mut Vec<Pair<'a>>) -> Forwarding<'a> {
    let dropped = match style {
        NameStyle::V1 => crate::headers::DROPPED_REQUEST_HEADERS,
        NameStyle::V2 => crate::headers::EVENT_V2_DROPPED_REQUEST_HEADERS,
    };
    let has_host = req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    let mut seen = Forwarding::default();
    for (name, value) in &req.headers {
        // Envoy's names are already lower-case: copy only when they are not.
        let lower: Cow<'a, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        match lower.as_ref() {
            ":authority" => {
                if !has_host {
                    seen.host = Some(value);
                    out.push((Cow::Borrowed("host"), Cow::Borrowed(value)));
                }
                continue;
            }
            ":scheme" => {
                seen.scheme = Some(value);
                continue;
            }
            "x-forwarded-for" => {
                seen.xff.push(value);
                continue;
            }
            "x-forwarded-proto" => {
                seen.xfp = Some(value);
                continue;
            }
            "x-forwarded-port" => {
                seen.xfport = Some(value);
                continue;
            }
            // Written once by `append_forwarded_headers`, in AWS's casing ([`crate::trace`]).
            "x-amzn-trace-id" => continue,
            "host" => seen.host = Some(value),
            _ => {}
        }
        if lower.starts_with(':') || dropped.contains(&lower.as_ref()) {
            continue;
        }
        out.push((event_header_name(style, name, lower), Cow::Borrowed(value)));
    }
    seen
}

/// A copied header's name: 1.0 keeps it as received except the few AWS writes in its own casing;
/// 2.0 lower-cases it.
fn event_header_name<'a>(style: NameStyle, name: &'a str, lower: Cow<'a, str>) -> Cow<'a, str> {
    match style {
        NameStyle::V1 => Cow::Borrowed(
            crate::headers::EVENT_V1_CASED_REQUEST_HEADERS
                .iter()
                .find(|(l, _)| *l == lower.as_ref())
                .map_or(name, |(_, cased)| *cased),
        ),
        NameStyle::V2 => lower,
    }
}

/// `X-Forwarded-For`: the client's list followed by `sourceIp`, unless the list already ends with
/// it (an Envoy that appends the peer itself put it there).
fn forwarded_for<'a>(xff: &[&'a str], source_ip: &'a str) -> Cow<'a, str> {
    let client_xff = join_forwarded_for(xff);
    let last_hop = client_xff.rsplit(',').next().unwrap_or("").trim();
    let already_last = source_ip.is_empty() || last_hop == source_ip;
    if client_xff.is_empty() {
        Cow::Borrowed(source_ip)
    } else if already_last {
        client_xff
    } else {
        Cow::Owned(format!("{client_xff}, {source_ip}"))
    }
}

/// Appends `X-Amzn-Trace-Id` and the `X-Forwarded-*` trio, named in the style's casing.
fn append_forwarded_headers<'a>(
    input: &ProxyInput<'a>,
    style: NameStyle,
    seen: &Forwarding<'a>,
    out: &mut Vec<Pair<'a>>,
) {
    let forwarded_for = forwarded_for(&seen.xff, &input.context.source_ip);
    let proto = seen
        .xfp
        .or(seen.scheme)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("http");
    let port = match seen.xfport.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => host_port(seen.host.unwrap_or(""))
            .unwrap_or(if proto.eq_ignore_ascii_case("https") { "443" } else { "80" }),
    };
    let names: [&str; 3] = match style {
        NameStyle::V1 => crate::headers::EVENT_V1_FORWARDED_HEADERS,
        NameStyle::V2 => crate::headers::EVENT_V2_FORWARDED_HEADERS,
    };
    let [n_for, n_port, n_proto] = names;
    let n_trace = match style {
        NameStyle::V1 => crate::trace::HEADER,
        NameStyle::V2 => "x-amzn-trace-id",
    };
    out.push((Cow::Borrowed(n_trace), Cow::Owned(crate::trace::function_value(input.request))));
    if !forwarded_for.is_empty() {
        out.push((Cow::Borrowed(n_for), forwarded_for));
    }
    out.push((Cow::Borrowed(n_port), Cow::Borrowed(port)));
    out.push((Cow::Borrowed(n_proto), Cow::Borrowed(proto)));
}

/// The client's `X-Forwarded-For` lines, trimmed, empty ones dropped, joined by `", "`; borrowed
/// in the usual case of a single line.
fn join_forwarded_for<'a>(lines: &[&'a str]) -> Cow<'a, str> {
    let mut parts = lines.iter().map(|v| v.trim()).filter(|v| !v.is_empty());
    let Some(first) = parts.next() else {
        return Cow::Borrowed("");
    };
    let Some(second) = parts.next() else {
        return Cow::Borrowed(first);
    };
    let mut joined = format!("{first}, {second}");
    for part in parts {
        joined.push_str(", ");
        joined.push_str(part);
    }
    Cow::Owned(joined)
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

/// Query pairs decoded as API Gateway does ([`crate::query`]).
fn query_pairs(raw_query: &str) -> Vec<Pair<'_>> {
    crate::query::pairs(raw_query).collect()
}

/// The body of the event, as it will be written.
enum Body<'a> {
    /// Text (invalid UTF-8 replaced), `isBase64Encoded: false`.
    Text(Cow<'a, str>),
    /// Bytes to write as base64, `isBase64Encoded: true`.
    Base64(&'a [u8]),
}

impl Body<'_> {
    fn is_base64(&self) -> bool {
        matches!(self, Body::Base64(_))
    }

    /// The body as a JSON string.
    fn write(&self, out: &mut String) {
        use base64::Engine as _;
        match self {
            Body::Text(text) => json::string(out, text),
            Body::Base64(bytes) => {
                // Base64 needs no escaping.
                out.push('"');
                base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
                out.push('"');
            }
        }
    }

    /// Bytes the body will take in the event: base64 grows by a third; text gets room for some
    /// escapes (JSON bodies are full of quotes).
    fn estimated_len(&self) -> usize {
        match self {
            Body::Text(text) => text.len().saturating_add(text.len() / 4),
            Body::Base64(bytes) => bytes.len().div_ceil(3).saturating_mul(4),
        }
    }
}

/// The event's body: `None` when empty, base64 when the Content-Type is a binary media type.
fn event_body<'a>(input: &ProxyInput<'a>) -> Option<Body<'a>> {
    let body = &input.request.body;
    if body.is_empty() {
        return None;
    }
    let content_type = input.request.header("content-type").unwrap_or("");
    if crate::media::matches_binary(input.binary_media_types, content_type) {
        Some(Body::Base64(body))
    } else {
        Some(Body::Text(String::from_utf8_lossy(body)))
    }
}

/// `v` unless it is empty, then `fallback`.
fn or_else<'a>(v: &'a str, fallback: &'a str) -> &'a str {
    if v.is_empty() {
        fallback
    } else {
        v
    }
}

/// How names are compared when grouping: header names ignore ASCII case, query keys and
/// parameter/variable names do not.
type SameName = fn(&str, &str) -> bool;

fn same_header(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn same_key(a: &str, b: &str) -> bool {
    a == b
}

/// Pairs grouped by name without copying them: each distinct name (its first spelling, in
/// first-seen order) with its values in arrival order. Quadratic, which is cheaper than a map for
/// the handful of headers and parameters a request has.
fn groups<K, V>(
    pairs: &[(K, V)],
    same: SameName,
) -> impl Iterator<Item = (&str, impl Iterator<Item = &str>)>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    pairs.iter().enumerate().filter_map(move |(i, (name, _))| {
        let name = name.as_ref();
        let seen = pairs.get(..i).unwrap_or_default();
        if seen.iter().any(|(k, _)| same(k.as_ref(), name)) {
            return None;
        }
        let from_here = pairs.get(i..).unwrap_or_default();
        let values = from_here
            .iter()
            .filter(move |(k, _)| same(k.as_ref(), name))
            .map(|(_, v)| v.as_ref());
        Some((name, values))
    })
}

/// `{name: last value}`: each name once, where it first appeared, with its last value (what
/// inserting the pairs into an ordered map gives).
fn write_last_values<K, V>(out: &mut String, pairs: &[(K, V)], same: SameName)
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    out.push('{');
    for (name, values) in groups(pairs, same) {
        json::key(out, name);
        json::string(out, values.last().unwrap_or(""));
    }
    out.push('}');
}

/// [`write_last_values`], or `null` when there are no pairs.
fn write_last_values_or_null<K, V>(out: &mut String, pairs: &[(K, V)], same: SameName)
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    if pairs.is_empty() {
        json::null(out);
    } else {
        write_last_values(out, pairs, same);
    }
}

/// `{name: [every value]}`, or `null` when there are no pairs.
fn write_all_values_or_null(out: &mut String, pairs: &[Pair], same: SameName) {
    if pairs.is_empty() {
        json::null(out);
        return;
    }
    out.push('{');
    for (name, values) in groups(pairs, same) {
        json::key(out, name);
        out.push('[');
        for value in values {
            json::element(out);
            json::string(out, value);
        }
        out.push(']');
    }
    out.push('}');
}

/// `{name: "v1,v2"}`: each name's values joined with `,`.
fn write_joined_values(out: &mut String, pairs: &[Pair], same: SameName) {
    out.push('{');
    for (name, values) in groups(pairs, same) {
        json::key(out, name);
        out.push('"');
        for (i, value) in values.enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::escaped(out, value);
        }
        out.push('"');
    }
    out.push('}');
}

/// Room to reserve for an event so it is written without growing: the text copied from the input
/// (`copies` times for headers and query, which 1.0 writes twice), the body, and `fixed` bytes of
/// keys and punctuation.
fn estimated_len(
    input: &ProxyInput,
    headers: &[Pair],
    copies: usize,
    body: Option<&Body>,
    fixed: usize,
) -> usize {
    // Decoded query pairs are never longer than the raw query; twice covers their punctuation.
    let query_len = input.request.raw_query().len().saturating_mul(2);
    let c = input.context;
    let context = [
        &c.account_id,
        &c.api_id,
        &c.deployment_id,
        &c.domain_name,
        &c.domain_prefix,
        &c.extended_request_id,
        &c.http_method,
        &c.path,
        &c.protocol,
        &c.request_id,
        &c.request_time,
        &c.resource_id,
        &c.resource_path,
        &c.stage,
        &c.source_ip,
    ];
    let lens = [
        pairs_len(headers).saturating_add(query_len).saturating_mul(copies),
        pairs_len(input.path_params),
        pairs_len(input.stage_variables),
        context.iter().fold(0, |n, s| n.saturating_add(s.len())),
        c.user_agent.as_ref().map_or(0, String::len),
        input.request.path.len(),
        input.resource.len(),
        input.path.len(),
        body.map_or(0, Body::estimated_len),
        fixed,
    ];
    lens.iter().fold(0, |n, len| n.saturating_add(*len))
}

/// Text length of name/value pairs, plus what each costs in quotes, colon, comma and brackets.
fn pairs_len<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> usize {
    pairs.iter().fold(0, |n, (k, v)| {
        n.saturating_add(k.as_ref().len())
            .saturating_add(v.as_ref().len())
            .saturating_add(10)
    })
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A request/context pair shaped like AWS's recorded events (stage `stage`; README: "Lambda
    /// proxy (AWS_PROXY)").
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
                extended_request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
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
                authorizer: None,
                iam: None,
                api_key: None,
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
            let get = |n: &str| out.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_ref());
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
        assert_eq!((out[0].0.as_ref(), out[0].1.as_ref()), ("host", "a.example"));
        f.request.headers.push(("host".into(), "b.example".into()));
        let out = event_headers(&f.input(), NameStyle::V1);
        assert_eq!(out.iter().filter(|(k, _)| k == "host").count(), 1);
        assert_eq!(out.iter().find(|(k, _)| k == "host").map(|(_, v)| v.as_ref()), Some("b.example"));
    }

    // A typical request (headers, a query, a 1 KB JSON body full of quotes) fits in the reserved
    // room, so each event is written into one allocation.
    #[test]
    fn estimate_covers_typical_events() {
        let mut f = Fixture::new("POST", "/stage/orders/7?expand=true&limit=20&tag=a&tag=b");
        f.path_params = vec![("id".into(), "7".into())];
        f.request.headers.extend(
            [
                ("accept-encoding", "gzip, deflate, br"),
                ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"),
                ("content-type", "application/json"),
                ("content-length", "1000"),
                ("x-forwarded-for", "203.0.113.7"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let item = r#"{"sku":"A-1000","name":"bench item","qty":3,"price":12.5,"tags":["x","y","z"]},"#;
        f.request.body = item.repeat(13).into_bytes();
        let input = f.input();
        let headers = event_headers(&input, NameStyle::V1);
        let body = event_body(&input);
        let v1_room = estimated_len(&input, &headers, 2, body.as_ref(), v1::FIXED_LEN);
        assert!(v1::build(&input).len() <= v1_room);
        let headers = event_headers(&input, NameStyle::V2);
        let v2_room = estimated_len(&input, &headers, 1, body.as_ref(), v2::FIXED_LEN);
        assert!(v2::build(&input).len() <= v2_room);
    }

    // Grouping keeps first spellings and first-seen order, and every value in arrival order.
    #[test]
    fn groups_by_name() {
        let pairs = [("a", "1"), ("B", "2"), ("A", "3"), ("b", "4"), ("c", "5")];
        let grouped = |same: SameName| -> Vec<(String, Vec<String>)> {
            groups(&pairs, same)
                .map(|(n, vs)| (n.to_string(), vs.map(str::to_string).collect()))
                .collect()
        };
        let strings = |l: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
            l.iter().map(|(n, vs)| (n.to_string(), vs.iter().map(|v| v.to_string()).collect())).collect()
        };
        assert_eq!(grouped(same_header), strings(&[("a", &["1", "3"]), ("B", &["2", "4"]), ("c", &["5"])]));
        assert_eq!(
            grouped(same_key),
            strings(&[("a", &["1"]), ("B", &["2"]), ("A", &["3"]), ("b", &["4"]), ("c", &["5"])])
        );
        let mut out = String::new();
        write_last_values(&mut out, &pairs, same_header);
        assert_eq!(out, r#"{"a":"3","B":"4","c":"5"}"#);
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
            let got = query_pairs(q);
            let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
            assert_eq!(got, *want, "{q:?}");
        }
    }
}
