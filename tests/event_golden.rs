//! Golden files of the Lambda proxy events: for each fixed input below, `v1::build` and `v2::build`
//! must print exactly the bytes in `tests/golden/events/<case>.v1.json` and `<case>.v2.json` (key
//! order, escaping, null/absent rules; no trailing newline).
//!
//! The files were first written from the event writer and checked equal, byte for byte, to what the
//! original `serde_json::Value` builders printed for the same inputs (the oracle `tests/event_text.rs`
//! used to carry; it now checks, over random inputs, that every event is valid JSON with the format's
//! keys). After a deliberate change to the events, rewrite the files and review the diff:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test event_golden
//! ```
//!
//! A case added below without its files fails until they are written the same way; files left
//! behind by a removed case fail too.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

mod common;
use common::event_case::Case;

use apigw_envoy::context::RequestContext;
use apigw_envoy::event::{v1, v2, ProxyInput};
use apigw_envoy::http::Request;

/// An event writer: `v1::build` or `v2::build`.
type Build = fn(&ProxyInput) -> String;

/// The payload versions, with the suffix of their golden files.
const PAYLOADS: [(&str, Build); 2] = [("v1", v1::build), ("v2", v2::build)];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/events")
}

fn golden_file(case: &str, payload: &str) -> PathBuf {
    golden_dir().join(format!("{case}.{payload}.json"))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A request with `host` only, at a fixed time, from a fixed address.
fn request(method: &str, raw_path: &str, headers: &[(&str, &str)]) -> Request {
    Request {
        method: method.into(),
        path: raw_path.into(),
        headers: pairs(headers),
        body: Vec::new(),
        source_ip: "203.0.113.7".into(),
        request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
        extended_request_id: "ext-1".into(),
        now_ms: 1_764_000_000_000,
    }
}

/// The `requestContext` the filter fills for stage `prod` of API `a1b2c3` (client path `path`).
fn context(method: &str, path: &str, resource: &str) -> RequestContext {
    RequestContext {
        account_id: "123456789012".into(),
        api_id: "a1b2c3".into(),
        deployment_id: "dep1".into(),
        domain_name: "a1b2c3.execute-api.eu-west-1.amazonaws.com".into(),
        domain_prefix: "a1b2c3".into(),
        extended_request_id: "ext-1".into(),
        http_method: method.into(),
        path: path.into(),
        protocol: "HTTP/1.1".into(),
        request_id: "0b5a4c7e-1f31-4d4f-9b0e-000000000001".into(),
        request_time: apigw_envoy::time::request_time(1_700_000_000_000),
        request_time_epoch: 1_700_000_000_000,
        resource_id: "res1".into(),
        resource_path: resource.into(),
        stage: "prod".into(),
        source_ip: "198.51.100.9".into(),
        user_agent: Some("test-agent/1.0".into()),
        authorizer: None,
        iam: None,
        api_key: None,
    }
}

const HOST: (&str, &str) = ("host", "a1b2c3.execute-api.eu-west-1.amazonaws.com");

/// A case whose `requestContext` holds only the request's own facts
/// ([`RequestContext::for_request`]: host, prefix, time, method, path) and the resource; no path
/// parameters, stage variables or binary media types.
fn plain(name: &'static str, request: Request, resource: &str, path: &str) -> Case {
    let context = RequestContext { resource_path: resource.into(), ..RequestContext::for_request(&request) };
    Case {
        name,
        request,
        context,
        resource: resource.into(),
        path: path.into(),
        path_params: Vec::new(),
        stage_variables: Vec::new(),
        binary: Vec::new(),
    }
}

/// The representative inputs: methods, paths, query strings, headers, bodies, stage variables, path
/// parameters, with and without a stage prefix. Each gives a payload 1.0 and a 2.0 file.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    // Nothing but a host: null maps (1.0), absent keys (2.0), every requestContext fallback.
    out.push(plain("get_minimal", request("GET", "/pets", &[HOST]), "/pets", "/pets"));

    // Stage prefix in the client's path: `path` without it, requestContext.path and 2.0's rawPath with
    // it, 2.0 stage `prod`; one path parameter; a filled requestContext.
    let mut c = plain("get_stage_prefix", request("GET", "/prod/pets/42", &[HOST, ("accept", "application/json")]),
                      "/pets/{id}", "/pets/42");
    c.context = context("GET", "/prod/pets/42", "/pets/{id}");
    c.path_params = pairs(&[("id", "42")]);
    c.stage_variables = pairs(&[("alias", "live")]);
    out.push(c);

    // The same request where the deployment has no stage prefix: path == requestContext.path,
    // 2.0 stage `$default`.
    let mut c = plain("get_no_stage_prefix", request("GET", "/pets/42", &[HOST, ("accept", "application/json")]),
                      "/pets/{id}", "/pets/42");
    c.context = context("GET", "/pets/42", "/pets/{id}");
    c.path_params = pairs(&[("id", "42")]);
    c.stage_variables = pairs(&[("alias", "live")]);
    out.push(c);

    // AWS's recorded paths: `{proxy+}` with a double slash, segments not URL-decoded (README:
    // "Behaviour", Routing).
    let mut c = plain("proxy_double_slash", request("GET", "/stage/proxy-value//test%2Balias@gmail.com", &[HOST]),
                      "/{proxy+}", "/proxy-value//test%2Balias@gmail.com");
    c.context = context("GET", "/stage/proxy-value//test%2Balias@gmail.com", "/{proxy+}");
    c.context.stage = "stage".into();
    c.path_params = pairs(&[("proxy", "proxy-value//test%2Balias@gmail.com")]);
    out.push(c);

    // Repeated query keys (last wins in the single map, 2.0 joins with commas), keys case-sensitive.
    out.push(plain("query_repeats",
                   request("GET", "/search?c=electronics&c=books&p=10&p=20&p=30&C=upper", &[HOST]),
                   "/search", "/search"));

    // Query decoding: `%2B` is `+`, `+` is a space, empty values, invalid and non-UTF-8 escapes,
    // escapes of quotes, backslashes and control characters; `?` alone is no query.
    out.push(plain("query_encodings",
                   request("GET", "/q?email=test%2Balias@x&plus=test+alias@x&a=&b&%C3%A9=%E2%82%AC&bad=%zz&pct=%&%FF=1&nl=%0A&nul=%00&q=%22%5C&=v&&x=1=2",
                           &[HOST]),
                   "/q", "/q"));
    out.push(plain("query_empty", request("GET", "/q?", &[HOST]), "/q", "/q"));

    // Repeated headers and casing: single map keeps the last, multi keeps all; names differing only
    // by case group together; Authorization and User-Agent in AWS's casing (1.0), all lower-case
    // (2.0); several X-Forwarded-For lines joined and the source address appended; cookies (2.0's
    // `cookies` list, split on `;`).
    out.push(plain("headers_repeats", request("GET", "/h", &[
        HOST,
        ("accept", "application/json"),
        ("accept", "text/plain"),
        ("x-custom", "one"),
        ("X-Custom", "two"),
        ("authorization", "Bearer abc"),
        ("USER-AGENT", "curl/8"),
        ("x-forwarded-for", "9.9.9.9"),
        ("x-forwarded-for", " 10.0.0.1 "),
        ("x-forwarded-proto", "https"),
        ("cookie", "a=1; b=2"),
        ("cookie", " ; c=3"),
        ("x-empty", ""),
    ]), "/h", "/h"));

    // Headers API Gateway never passes on (1.0 drops its list, 2.0 the hop-by-hop ones), the client's
    // trace id (kept, in AWS's casing), pseudo-headers (`:authority` stands in for the missing host
    // with its port, `:scheme` for X-Forwarded-Proto), X-Forwarded-For already ending with the source.
    out.push(plain("headers_hidden", request("PUT", "/h", &[
        (":authority", "h.example:8443"),
        (":scheme", "https"),
        (":path", "/h"),
        (":method", "PUT"),
        ("connection", "keep-alive"),
        ("content-length", "0"),
        ("content-md5", "Q2hlY2sgSW50ZWdyaXR5IQ=="),
        ("expect", "100-continue"),
        ("max-forwards", "10"),
        ("proxy-authenticate", "Basic"),
        ("server", "x"),
        ("te", "trailers"),
        ("transfer-encoding", "chunked"),
        ("trailer", "x-t"),
        ("upgrade", "h2c"),
        ("www-authenticate", "Basic"),
        ("keep-alive", "timeout=5"),
        ("proxy-connection", "close"),
        ("x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793"),
        ("x-forwarded-for", "9.9.9.9, 203.0.113.7"),
        ("x-kept", "yes"),
    ]), "/h", "/h"));

    // Host with a port in brackets (IPv6), X-Forwarded-Port from the client, no source address.
    let mut r = request("DELETE", "/items/7", &[("host", "[::1]:8443"), ("x-forwarded-port", "4443")]);
    r.source_ip = String::new();
    out.push(plain("ipv6_host_no_source", r, "/items/{id}", "/items/7"));

    // Binary body: Content-Type matches binaryMediaTypes, so base64 and isBase64Encoded.
    let mut r = request("POST", "/upload", &[HOST, ("content-type", "IMAGE/PNG")]);
    r.body = b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary".to_vec();
    let mut c = plain("body_binary", r, "/upload", "/upload");
    c.binary = vec!["image/png".into(), "application/octet-stream".into()];
    out.push(c);

    // The same bytes as text (no matching media type): invalid UTF-8 becomes U+FFFD.
    let mut r = request("POST", "/upload", &[HOST, ("content-type", "text/plain; charset=utf-8")]);
    r.body = b"caf\xc3\xa9 \xff\xfe \xc3".to_vec();
    let mut c = plain("body_text_not_utf8", r, "/upload", "/upload");
    c.binary = vec!["image/*".into()];
    out.push(c);

    // A JSON text body with everything JSON must escape, and a wildcard media type not matching it.
    let mut r = request("PATCH", "/doc", &[HOST, ("content-type", "application/json")]);
    r.body = "{\"a\":\"b\\n\",\"q\":\"\"\"\\\"}\t\r\n\u{0}\u{1f}\u{7f}\u{2028}é€😀".as_bytes().to_vec();
    let mut c = plain("body_json_escapes", r, "/doc", "/doc");
    c.binary = vec!["text/*".into()];
    out.push(c);

    // Stage variables and path parameters with repeated names (last wins), odd text in values.
    let mut c = plain("stage_variables_params", request("GET", "/prod/a/b", &[HOST]), "/{x}/{y}", "/a/b");
    c.context = context("GET", "/prod/a/b", "/{x}/{y}");
    c.path_params = pairs(&[("x", "a"), ("y", "b"), ("x", "again")]);
    c.stage_variables = pairs(&[("alias", "live"), ("url", "http://h.example/p?a=1&b=\"2\""), ("alias", "beta"),
                                ("ctl", "\u{1}\n\\")]);
    out.push(c);

    // A requestContext with fallbacks of its own: the domain prefix derived from domainName, the
    // user agent from the header, protocol and stage empty.
    let mut c = plain("context_fallbacks", request("OPTIONS", "/opt", &[HOST, ("user-agent", "ua/2")]), "/opt", "/opt");
    c.context = context("OPTIONS", "/opt", "");
    c.context.domain_prefix = String::new();
    c.context.domain_name = "api.example.com".into();
    c.context.user_agent = None;
    c.context.protocol = String::new();
    c.context.stage = String::new();
    c.context.request_time = String::new();
    c.context.request_time_epoch = 0;
    out.push(c);

    // Escaping in every position: method, resource, path, header names and values.
    out.push(plain("odd_text",
                   request("GET\"\\", "/p\u{1}?k\"=v\\", &[HOST, ("x-\"q\"", "tab\there\u{8}\u{c}"), ("x-u", "é😀\u{2028}")]),
                   "/r\"{p}", "/p\u{1}"));

    // The benchmark's request (benches/core-time): a 1 KB JSON body, then as binary.
    let mut body = String::from(r#"{"order":"o-123456","items":["#);
    while body.len() < 1000 {
        body.push_str(r#"{"sku":"A-1000","name":"bench item","qty":3,"price":12.5,"tags":["x","y","z"]},"#);
    }
    body.push_str("]}");
    let mut r = request("POST", "/orders/o-123456/items?expand=true&limit=20&tag=a&tag=b", &[
        ("host", "abc123.execute-api.us-east-1.amazonaws.com"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
        ("accept", "application/json"),
        ("accept-encoding", "gzip, deflate, br"),
        ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"),
        ("content-type", "application/json"),
        ("content-length", "1000"),
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
        ("cookie", "a=1; b=2"),
        ("cookie", " ; c=3"),
    ]);
    r.body = body.into_bytes();
    let mut c = plain("bench_post_json", r, "/orders/{id}/items", "/orders/o-123456/items");
    c.path_params = pairs(&[("id", "o-123456"), ("x", "1"), ("id", "again")]);
    c.stage_variables = pairs(&[("a", "1"), ("a", "2")]);
    out.push(c.clone());
    c.name = "bench_post_binary";
    c.binary = vec!["application/*".into()];
    out.push(c);

    out
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count);
}

/// Every case's events are the bytes of its golden files, and there is no golden file without a case.
#[test]
fn events_match_golden_files() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut expected_files = Vec::new();
    let mut mismatches = Vec::new();
    if update {
        std::fs::create_dir_all(golden_dir()).unwrap();
    }
    for case in cases() {
        let input = case.input();
        for (payload, build) in PAYLOADS {
            let path = golden_file(case.name, payload);
            expected_files.push(path.file_name().unwrap().to_string_lossy().into_owned());
            let text = build(&input);
            if update {
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(golden) if golden == text => {}
                Ok(golden) => mismatches.push(format!("{}:\n  golden: {golden}\n  writer: {text}", path.display())),
                Err(e) => mismatches.push(format!("{}: {e}", path.display())),
            }
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort_unstable();
    expected_files.sort_unstable();
    if update {
        for stale in on_disk.iter().filter(|f| !expected_files.contains(f)) {
            std::fs::remove_file(golden_dir().join(stale)).unwrap();
        }
        return;
    }
    assert!(
        mismatches.is_empty(),
        "{} event(s) differ from their golden files (after a deliberate change: UPDATE_GOLDEN=1 cargo test --test event_golden, then review the diff):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(on_disk, expected_files, "golden files without a case, or cases without files");
}
