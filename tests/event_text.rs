//! The Lambda proxy events are always valid JSON with AWS's keys (payload 1.0; README: "Lambda
//! proxy (AWS_PROXY)") and those of the 2.0 format, whatever the input: unicode, control
//! characters, quotes and backslashes in every field, repeated and odd headers, broken query
//! escapes, any bytes as body. Parsing the text back gives exactly the values that went in (so
//! escaping is right), and each key is present, null or absent by the rules of the format.
//!
//! The exact bytes for representative inputs are golden files: `tests/event_golden.rs`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity
)]

mod common;
use common::event_case::Case;

use apigw_envoy::context::{ApiKeyIdentity, IamIdentity, RequestContext};
use apigw_envoy::event::{v1, v2};
use apigw_envoy::http::Request;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

// --- inputs ---

/// Any text: unicode, control characters, quotes and backslashes included.
fn odd_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter),
        prop::collection::vec(
            prop::sample::select(vec!["a", "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}", "\u{1f}",
                                      "\u{7f}", "é", "€", "😀", "\u{2028}", " ", ",", ";", "/"]),
            0..max,
        )
        .prop_map(|parts| parts.concat()),
        "[ -~]{0,20}",
    ]
}

/// Header names with repeats and casing variants, the special ones of the event rules, and random.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "host", "Host", ":authority", ":scheme", ":path", ":method", "user-agent", "User-Agent",
            "authorization", "AUTHORIZATION", "accept", "Accept", "cookie", "Cookie", "content-type",
            "content-length", "connection", "keep-alive", "te", "x-forwarded-for", "X-Forwarded-For",
            "x-forwarded-proto", "x-forwarded-port", "x-custom", "X-Custom", "x-amz-date",
        ])
        .prop_map(str::to_string),
        1 => "[a-zA-Z:-]{0,12}",
        1 => odd_text(6),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "", " ", "https", "http", " HTTPS ", "h.example", "h.example:8443", "[::1]:80", "[::1]",
            "9.9.9.9", "9.9.9.9, 203.0.113.7", "203.0.113.7", "4443", "a=1; b=2", ";;", "curl/8",
            "application/json", "image/png", "IMAGE/PNG", "application/octet-stream",
            "text/plain; charset=utf-8",
        ])
        .prop_map(str::to_string),
        odd_text(12),
    ]
}

/// Raw query strings: repeated keys, `+`, `%xx` (valid, invalid, non-UTF-8), empty values.
fn raw_query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(
            prop::sample::select(vec![
                "a", "A", "b", "=", "&", "+", "%2B", "%20", "%zz", "%", "%C3%A9", "%FF", "%0A", "%00",
                "%22", "%5C", "é", "\"", "\\", "1", "x+y", "?", "#",
            ]),
            0..14,
        )
        .prop_map(|parts| parts.concat()),
        1 => odd_text(16),
    ]
}

fn pair_list(keys: Vec<&'static str>) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![3 => prop::sample::select(keys).prop_map(str::to_string), 1 => odd_text(5)],
            odd_text(8),
        ),
        0..4,
    )
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        odd_text(40).prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..48),
        Just(br#"{"a":"b\n","c":[1,2]}"#.to_vec()),
        Just(b"caf\xc3\xa9 \xff\xfe \xc3".to_vec()),
    ]
}

fn binary_media_types() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec!["image/png", "image/*", "*/*", "application/octet-stream",
                                  "application~1json", "text/*"])
            .prop_map(str::to_string),
        0..3,
    )
}

prop_compose! {
    fn context()(
        filled in any::<bool>(),
        texts in prop::collection::vec(odd_text(10), 16),
        user_agent in proptest::option::of(odd_text(10)),
        epoch in prop_oneof![Just(0u64), any::<u64>()],
    ) -> RequestContext {
        if !filled {
            // All empty: the events must stay valid JSON with every key.
            return RequestContext { user_agent, ..RequestContext::default() };
        }
        let t = |i: usize| texts[i].clone();
        RequestContext {
            account_id: t(0), api_id: t(1), deployment_id: t(2), domain_name: t(3),
            domain_prefix: t(4), extended_request_id: t(5), http_method: t(6), path: t(7),
            protocol: t(8), request_id: t(9), request_time: t(10), request_time_epoch: epoch,
            resource_id: t(11), resource_path: t(12), stage: t(13), source_ip: t(14), user_agent,
            authorizer: None,
            // An IAM caller's identity fields carry odd text too.
            iam: Some(IamIdentity { access_key: t(5), account_id: t(0), caller: t(9), user: t(12), user_arn: t(3) }),
            // So do a key-required method's API key and its id.
            api_key: Some(ApiKeyIdentity { key: t(7), id: t(8) }),
        }
    }
}

prop_compose! {
    fn request()(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), odd_text(6)],
        path in prop_oneof![Just("/stage/x".to_string()), odd_text(12)],
        query in proptest::option::of(raw_query()),
        headers in prop::collection::vec((header_name(), header_value()), 0..12),
        body in body(),
        source_ip in prop_oneof![Just("203.0.113.7".to_string()), Just(String::new()), odd_text(6)],
        request_id in odd_text(6),
        now_ms in prop_oneof![Just(1_764_000_000_000u64), 0u64..4_102_444_800_000],
    ) -> Request {
        let path = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        Request { method, path, headers, body, source_ip, extended_request_id: request_id.clone(), request_id, now_ms }
    }
}

impl Case {
    fn check(&self) -> Result<(), TestCaseError> {
        let input = self.input();
        let req = &self.request;
        let query = query_pairs(req.raw_query());
        let body_text = expected_body(self);

        // --- payload 1.0 ---
        let text = v1::build(&input);
        let ev: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("1.0: {e}: {text}")))?;
        prop_assert_eq!(keys(&ev), V1_KEYS.to_vec(), "1.0 top-level keys");
        prop_assert_eq!(&ev["resource"], &json!(self.resource));
        prop_assert_eq!(&ev["path"], &json!(self.path));
        prop_assert_eq!(&ev["httpMethod"], &json!(req.method));
        // Headers: never null (X-Forwarded-Port/-Proto and X-Amzn-Trace-Id are always added); the
        // single map holds the last value of each multi list.
        let (single, multi) = (object(&ev["headers"])?, object(&ev["multiValueHeaders"])?);
        prop_assert_eq!(single.keys().collect::<Vec<_>>(), multi.keys().collect::<Vec<_>>());
        for (name, values) in multi {
            prop_assert_eq!(values.as_array().and_then(|v| v.last()), Some(&single[name]), "header {}", name);
        }
        for name in ["X-Amzn-Trace-Id", "X-Forwarded-Port", "X-Forwarded-Proto"] {
            prop_assert!(single.get(name).is_some_and(Value::is_string), "1.0 header {}", name);
        }
        // Query maps: both null without a query, else decoded, repeats kept in order, last wins.
        if query.is_empty() {
            prop_assert_eq!(&ev["queryStringParameters"], &Value::Null);
            prop_assert_eq!(&ev["multiValueQueryStringParameters"], &Value::Null);
        } else {
            prop_assert_eq!(&ev["queryStringParameters"], &last_wins(&query));
            prop_assert_eq!(&ev["multiValueQueryStringParameters"], &all_values(&query));
        }
        prop_assert_eq!(&ev["pathParameters"], &null_or_last_wins(&self.path_params));
        prop_assert_eq!(&ev["stageVariables"], &null_or_last_wins(&self.stage_variables));
        let rc = &ev["requestContext"];
        prop_assert_eq!(keys(rc), V1_CONTEXT_KEYS.to_vec(), "1.0 requestContext keys");
        prop_assert!(rc["requestTimeEpoch"].is_u64());
        for key in V1_CONTEXT_KEYS.iter().filter(|k| !matches!(**k, "identity" | "requestTimeEpoch")) {
            prop_assert!(rc[*key].is_string(), "requestContext.{}", key);
        }
        let identity = &rc["identity"];
        let identity_keys: &[&str] = if self.context.api_key.is_some() { &V1_IDENTITY_KEYS_WITH_API_KEY } else { &V1_IDENTITY_KEYS };
        prop_assert_eq!(keys(identity), identity_keys.to_vec(), "identity keys");
        if let Some(k) = &self.context.api_key {
            prop_assert_eq!(&identity["apiKey"], &json!(k.key));
            prop_assert_eq!(&identity["apiKeyId"], &json!(k.id));
        }
        for key in V1_IDENTITY_KEYS.iter().filter(|k| !matches!(**k, "sourceIp" | "userAgent")) {
            // An IAM caller's fields (README: "IAM"), else null.
            let iam = self.context.iam.as_ref().and_then(|i| match *key {
                "accessKey" => Some(&i.access_key),
                "accountId" => Some(&i.account_id),
                "caller" => Some(&i.caller),
                "user" => Some(&i.user),
                "userArn" => Some(&i.user_arn),
                _ => None,
            });
            prop_assert_eq!(&identity[*key], &iam.map_or(Value::Null, |v| json!(v)), "identity.{}", key);
        }
        // The events show the context as the gateway filled it (`RequestContext::for_request`).
        let source_ip = &self.context.source_ip;
        prop_assert_eq!(&identity["sourceIp"], &json!(source_ip));
        let user_agent = self.context.user_agent.as_deref();
        prop_assert_eq!(&identity["userAgent"], &json!(user_agent));
        match &body_text {
            None => {
                prop_assert_eq!(&ev["body"], &Value::Null);
                prop_assert_eq!(&ev["isBase64Encoded"], &json!(false));
            }
            Some((body, b64)) => {
                prop_assert_eq!(&ev["body"], &json!(body));
                prop_assert_eq!(&ev["isBase64Encoded"], &json!(b64));
            }
        }

        // --- payload 2.0 ---
        let text = v2::build(&input);
        let ev: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("2.0: {e}: {text}")))?;
        let cookies: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let present = |key: &str| match key {
            "cookies" => !cookies.is_empty(),
            "queryStringParameters" => !query.is_empty(),
            "body" => body_text.is_some(),
            "pathParameters" => !self.path_params.is_empty(),
            "stageVariables" => !self.stage_variables.is_empty(),
            _ => true,
        };
        let expected: Vec<&str> = V2_KEYS.iter().copied().filter(|k| present(k)).collect();
        prop_assert_eq!(keys(&ev), expected, "2.0 top-level keys");
        prop_assert_eq!(&ev["version"], &json!("2.0"));
        let route_key = format!("{} {}", req.method, self.resource);
        prop_assert_eq!(&ev["routeKey"], &json!(route_key));
        prop_assert_eq!(&ev["rawQueryString"], &json!(req.raw_query()));
        if !cookies.is_empty() {
            prop_assert_eq!(&ev["cookies"], &json!(cookies));
        }
        let headers = object(&ev["headers"])?;
        for name in ["x-amzn-trace-id", "x-forwarded-port", "x-forwarded-proto"] {
            prop_assert!(headers.get(name).is_some_and(Value::is_string), "2.0 header {}", name);
        }
        prop_assert!(headers.keys().all(|k| k.to_ascii_lowercase() == *k && k != "cookie"), "2.0 header names");
        if !query.is_empty() {
            // Repeated keys joined with commas.
            let mut joined = Map::new();
            for (k, vs) in object(&all_values(&query))? {
                let vs: Vec<&str> = vs.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                joined.insert(k.clone(), json!(vs.join(",")));
            }
            prop_assert_eq!(&ev["queryStringParameters"], &Value::Object(joined));
        }
        let rc = &ev["requestContext"];
        prop_assert_eq!(keys(rc), V2_CONTEXT_KEYS.to_vec(), "2.0 requestContext keys");
        prop_assert_eq!(keys(&rc["http"]), V2_HTTP_KEYS.to_vec(), "2.0 requestContext.http keys");
        prop_assert_eq!(&rc["http"]["method"], &json!(req.method));
        prop_assert_eq!(&rc["http"]["sourceIp"], &json!(source_ip));
        prop_assert_eq!(&rc["http"]["userAgent"], &json!(user_agent.unwrap_or("")));
        prop_assert_eq!(&rc["routeKey"], &json!(route_key));
        prop_assert!(rc["timeEpoch"].is_u64());
        if let Some((body, _)) = &body_text {
            prop_assert_eq!(&ev["body"], &json!(body));
        }
        prop_assert_eq!(&ev["isBase64Encoded"], &json!(body_text.as_ref().is_some_and(|(_, b)| *b)));
        if !self.path_params.is_empty() {
            prop_assert_eq!(&ev["pathParameters"], &last_wins(&self.path_params));
        }
        if !self.stage_variables.is_empty() {
            prop_assert_eq!(&ev["stageVariables"], &last_wins(&self.stage_variables));
        }
        Ok(())
    }
}

/// The 1.0 event's top-level keys, in AWS's order (README: "Lambda proxy (AWS_PROXY)").
const V1_KEYS: [&str; 12] = [
    "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
    "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
    "isBase64Encoded",
];

/// `requestContext` without an authorizer (README: "Lambda proxy (AWS_PROXY)").
const V1_CONTEXT_KEYS: [&str; 16] = [
    "accountId", "apiId", "deploymentId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod",
    "identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId",
    "resourcePath", "stage",
];

/// `identity` of an unauthenticated call (README: "Lambda proxy (AWS_PROXY)").
const V1_IDENTITY_KEYS: [&str; 12] = [
    "accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
    "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent", "userArn",
];

/// `identity` on a key-required method (README: "API keys and usage plans"): alphabetical too.
const V1_IDENTITY_KEYS_WITH_API_KEY: [&str; 14] = [
    "accessKey", "accountId", "apiKey", "apiKeyId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
    "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent", "userArn",
];

/// The 2.0 event's keys in order; `cookies`, `queryStringParameters`, `body`, `pathParameters` and
/// `stageVariables` only when there is something to put in them.
const V2_KEYS: [&str; 12] = [
    "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
    "requestContext", "body", "pathParameters", "isBase64Encoded", "stageVariables",
];

const V2_CONTEXT_KEYS: [&str; 10] = [
    "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time",
    "timeEpoch",
];

const V2_HTTP_KEYS: [&str; 5] = ["method", "path", "protocol", "sourceIp", "userAgent"];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
}

fn object(v: &Value) -> Result<&Map<String, Value>, TestCaseError> {
    v.as_object().ok_or_else(|| TestCaseError::fail(format!("not an object: {v}")))
}

fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// One key per name, in first-seen order, holding the last value.
fn last_wins(pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.clone(), json!(v));
    }
    Value::Object(map)
}

fn null_or_last_wins(pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() { Value::Null } else { last_wins(pairs) }
}

/// One key per name, in first-seen order, holding every value in order.
fn all_values(pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.entry(k.clone()).or_insert_with(|| json!([])).as_array_mut().into_iter().for_each(|a| a.push(json!(v)));
    }
    Value::Object(map)
}

/// The body as the event carries it: none when empty, base64 when its Content-Type matches
/// `binaryMediaTypes`, else text with invalid UTF-8 replaced by U+FFFD.
fn expected_body(case: &Case) -> Option<(String, bool)> {
    use base64::Engine as _;
    let body = &case.request.body;
    if body.is_empty() {
        return None;
    }
    let content_type = case.request.header("content-type").unwrap_or("");
    if apigw_envoy::media::matches_binary(&case.binary, content_type) {
        Some((base64::engine::general_purpose::STANDARD.encode(body), true))
    } else {
        Some((String::from_utf8_lossy(body).into_owned(), false))
    }
}

prop_compose! {
    fn case()(
        request in request(),
        context in context(),
        resource in prop_oneof![Just("/{proxy+}".to_string()), odd_text(8)],
        path in odd_text(10),
        path_params in pair_list(vec!["id", "proxy", "Id"]),
        stage_variables in pair_list(vec!["alias", "env", "Alias"]),
        binary in binary_media_types(),
    ) -> Case {
        Case { name: "", request, context, resource, path, path_params, stage_variables, binary }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn events_are_json_with_the_format_keys(case in case()) {
        case.check()?;
    }
}
