//! Payload format 1.0: the REST API Lambda proxy event (README: "Lambda proxy (AWS_PROXY)").
//!
//! Keys come in AWS's order: `resource`, `path`, `httpMethod`, `headers`, `multiValueHeaders`,
//! `queryStringParameters`, `multiValueQueryStringParameters`, `pathParameters`, `stageVariables`,
//! `requestContext`, `body`, `isBase64Encoded`. Absent things are `null`, never `{}`.
//! `headers` holds the last value of a repeated header (and `queryStringParameters` the last value of
//! a repeated key); the multi-value maps hold every value in arrival order.

use serde_json::Value;

use super::{
    event_body, event_headers, json, query_pairs, same_header, same_key, write_all_values_or_null,
    write_last_values_or_null, NameStyle, ProxyInput,
};
use crate::context::{AuthorizerFacts, FactValue, RequestContext, PROXY_EVENT_ORDER};

/// The 1.0 event's keys, in AWS's order (the REQUEST authorizer's event reuses the first ten).
pub const EVENT_KEYS: [&str; 12] = [
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
];

/// Bytes of the 1.0 event that do not come from the input: keys, `null`s, punctuation.
pub(super) const FIXED_LEN: usize = 1024;

/// The 1.0 event as JSON text, written directly (see [`super::json`]).
pub fn build(input: &ProxyInput) -> String {
    let req = input.request;
    let headers = event_headers(input, NameStyle::V1);
    let query = query_pairs(req.raw_query());
    let body = event_body(input);
    let capacity = super::estimated_len(input, &headers, 2, body.as_ref(), FIXED_LEN);
    let mut out = String::with_capacity(capacity);

    out.push('{');
    json::field(&mut out, "resource");
    json::string(&mut out, input.resource);
    json::field(&mut out, "path");
    json::string(&mut out, input.path);
    json::field(&mut out, "httpMethod");
    json::string(&mut out, &req.method);

    // `headers` holds each name's last value, `multiValueHeaders` all of them.
    json::field(&mut out, "headers");
    write_last_values_or_null(&mut out, &headers, same_header);
    json::field(&mut out, "multiValueHeaders");
    write_all_values_or_null(&mut out, &headers, same_header);
    json::field(&mut out, "queryStringParameters");
    write_last_values_or_null(&mut out, &query, same_key);
    json::field(&mut out, "multiValueQueryStringParameters");
    write_all_values_or_null(&mut out, &query, same_key);

    json::field(&mut out, "pathParameters");
    write_last_values_or_null(&mut out, input.path_params, same_key);
    json::field(&mut out, "stageVariables");
    write_last_values_or_null(&mut out, input.stage_variables, same_key);
    json::field(&mut out, "requestContext");
    request_context(&mut out, input);

    json::field(&mut out, "body");
    match &body {
        Some(body) => body.write(&mut out),
        None => json::null(&mut out),
    }
    json::field(&mut out, "isBase64Encoded");
    json::bool(&mut out, body.as_ref().is_some_and(super::Body::is_base64));
    out.push('}');
    out
}

/// The 1.0 event as a JSON value (parsed from [`build`]'s text, which is always valid JSON).
pub fn event(input: &ProxyInput) -> Value {
    serde_json::from_str(&build(input)).unwrap_or(Value::Null)
}

/// `requestContext`: the facts of [`PROXY_EVENT_ORDER`], as the gateway filled them.
fn request_context(out: &mut String, input: &ProxyInput) {
    let c = input.context;
    out.push('{');
    for fact in PROXY_EVENT_ORDER {
        let value = (fact.value)(c);
        if value == FactValue::Authorizer(None) {
            continue;
        }
        json::field(out, fact.key);
        match value {
            FactValue::Authorizer(None) => {}
            FactValue::Authorizer(Some(a)) => authorizer(out, a),
            FactValue::Text(t) => json::string(out, t),
            FactValue::Number(n) => json::u64(out, n),
            FactValue::Identity => identity(out, c),
            // Not in the event (template-only maps).
            FactValue::Overrides(_) => json::null(out),
        }
    }
    out.push('}');
}

/// `authorizer` of a Lambda authorizer: `principalId`, the answer's context (strings), then
/// `integrationLatency` (README: "Authorizers"); of a Cognito authorizer `{"claims": {...}}` only
/// (README: "Cognito user pool authorizers").
fn authorizer(out: &mut String, a: &AuthorizerFacts) {
    out.push('{');
    if let Some(claims) = &a.claims {
        json::field(out, "claims");
        out.push('{');
        for (k, v) in claims {
            json::key(out, k);
            json::string(out, v);
        }
        out.push_str("}}");
        return;
    }
    json::field(out, "principalId");
    json::string(out, &a.principal_id);
    for (k, v) in &a.context {
        json::key(out, k);
        json::string(out, v);
    }
    json::field(out, "integrationLatency");
    json::u64(out, a.integration_latency);
    out.push('}');
}

/// `identity`, keys in [`RequestContext::identity_event_order`]: unauthenticated, everything `null` but
/// `sourceIp` and `userAgent` (README: "Lambda proxy (AWS_PROXY)").
fn identity(out: &mut String, c: &RequestContext) {
    out.push('{');
    for field in c.identity_event_order() {
        json::field(out, field.key);
        json::opt_string(out, (field.value)(c));
    }
    out.push('}');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::type_complexity)]
mod tests {
    use super::super::test_support::Fixture;
    use super::*;
    use serde_json::json;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
    }

    // Top-level keys in AWS's order, and every absent thing null (README: "Lambda proxy
    // (AWS_PROXY)").
    #[test]
    fn keys_in_aws_order_and_nulls() {
        let f = Fixture::new("GET", "/hardcoded");
        let ev = event(&f.input());
        assert_eq!(keys(&ev), EVENT_KEYS);
        for k in [
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "body",
        ] {
            assert_eq!(ev[k], Value::Null, "{k}");
        }
        assert_eq!(ev["isBase64Encoded"], json!(false));
        // build() is the same JSON as text.
        assert_eq!(serde_json::from_str::<Value>(&build(&f.input())).unwrap(), ev);
    }

    // requestContext and identity keys, no authorizer key (README: "Lambda proxy (AWS_PROXY)").
    #[test]
    fn request_context_keys() {
        let f = Fixture::new("POST", "/stage/x");
        let ev = event(&f.input());
        let rc = &ev["requestContext"];
        assert_eq!(
            keys(rc),
            [
                "accountId",
                "apiId",
                "deploymentId",
                "domainName",
                "domainPrefix",
                "extendedRequestId",
                "httpMethod",
                "identity",
                "path",
                "protocol",
                "requestId",
                "requestTime",
                "requestTimeEpoch",
                "resourceId",
                "resourcePath",
                "stage"
            ]
        );
        assert_eq!(rc["requestTimeEpoch"], json!(1_795_587_628_123_u64));
        assert_eq!(rc["requestTime"], json!("25/Nov/2026:06:20:28 +0000"));
        assert_eq!(rc["protocol"], json!("HTTP/1.1"));
        assert_eq!(rc["httpMethod"], json!("POST"));
        assert_eq!(rc["domainPrefix"], json!("abc123"));
        let id = &rc["identity"];
        assert_eq!(
            keys(id),
            [
                "accessKey",
                "accountId",
                "caller",
                "cognitoAuthenticationProvider",
                "cognitoAuthenticationType",
                "cognitoIdentityId",
                "cognitoIdentityPoolId",
                "principalOrgId",
                "sourceIp",
                "user",
                "userAgent",
                "userArn"
            ]
        );
        for (k, v) in id.as_object().unwrap() {
            match k.as_str() {
                "sourceIp" => assert_eq!(v, &json!("203.0.113.7")),
                "userAgent" => assert_eq!(v, &json!("curl/8.5.0")),
                _ => assert_eq!(v, &Value::Null, "{k}"),
            }
        }
    }

    // AWS's recorded paths (README: "Lambda proxy (AWS_PROXY)"; stage `stage`, resources
    // `/{proxy+}` and `/hardcoded`). The router works out `path` and the parameters; the event must
    // carry them unchanged, with requestContext.path as sent (after the leading `//` collapse AWS
    // does).
    #[test]
    fn paths_table() {
        let rows: &[(&str, &str, &str, &str, Option<&str>)] = &[
            // (resource, path, requestContext.path, resourcePath, proxy param)
            ("/{proxy+}", "/proxy-value", "/stage/proxy-value", "/{proxy+}", Some("proxy-value")),
            ("/{proxy+}", "/proxy-value/", "/stage/proxy-value/", "/{proxy+}", Some("proxy-value")),
            (
                "/{proxy+}",
                "/proxy-value//double-slash",
                "/stage/proxy-value//double-slash",
                "/{proxy+}",
                Some("proxy-value//double-slash"),
            ),
            ("/{proxy+}", "/proxy-value", "/stage/proxy-value", "/{proxy+}", Some("proxy-value")),
            ("/hardcoded", "/hardcoded", "/stage//hardcoded", "/hardcoded", None),
            // Path segments are not URL-decoded.
            (
                "/{proxy+}",
                "/test%2Balias@gmail.com",
                "/stage/test%2Balias@gmail.com",
                "/{proxy+}",
                Some("test%2Balias@gmail.com"),
            ),
        ];
        for (resource, path, ctx_path, resource_path, proxy) in rows {
            let mut f = Fixture::new("GET", ctx_path);
            f.resource = resource.to_string();
            f.context.resource_path = resource_path.to_string();
            f.path = path.to_string();
            f.path_params = proxy.map(|p| vec![("proxy".to_string(), p.to_string())]).unwrap_or_default();
            let ev = event(&f.input());
            assert_eq!(ev["resource"], json!(resource));
            assert_eq!(ev["path"], json!(path));
            assert_eq!(ev["requestContext"]["path"], json!(ctx_path));
            assert_eq!(ev["requestContext"]["resourcePath"], json!(resource_path));
            match proxy {
                Some(p) => assert_eq!(ev["pathParameters"], json!({ "proxy": p })),
                None => assert_eq!(ev["pathParameters"], Value::Null),
            }
        }
    }

    // Query strings: repeated keys, last wins in the single map, `+` is a space (README:
    // "Behaviour", Parameter mappings).
    #[test]
    fn query_string_table() {
        let rows: &[(&str, Value, Value)] = &[
            (
                "?c=electronics&c=books&p=10&p=20&p=30",
                json!({"c": "books", "p": "30"}),
                json!({"c": ["electronics", "books"], "p": ["10", "20", "30"]}),
            ),
            ("?email=test%2Balias@x", json!({"email": "test+alias@x"}), json!({"email": ["test+alias@x"]})),
            ("?plus=test+alias@x", json!({"plus": "test alias@x"}), json!({"plus": ["test alias@x"]})),
            ("?a=", json!({"a": ""}), json!({"a": [""]})),
            ("?a", json!({"a": ""}), json!({"a": [""]})),
            ("?A=1&a=2", json!({"A": "1", "a": "2"}), json!({"A": ["1"], "a": ["2"]})),
            ("", Value::Null, Value::Null),
            ("?", Value::Null, Value::Null),
            ("?&", Value::Null, Value::Null),
        ];
        for (q, single, multi) in rows {
            let f = Fixture::new("GET", &format!("/stage/x{q}"));
            let ev = event(&f.input());
            assert_eq!(&ev["queryStringParameters"], single, "{q}");
            assert_eq!(&ev["multiValueQueryStringParameters"], multi, "{q}");
            assert_eq!(ev["requestContext"]["path"], json!("/stage/x"));
        }
    }

    // Headers: single and multi maps, dropped headers, AWS casing, X-Forwarded-* (README: "Lambda
    // proxy (AWS_PROXY)").
    #[test]
    fn headers_rules() {
        let mut f = Fixture::new("POST", "/stage/x");
        f.request.headers = [
            ("host", "abc123.execute-api.us-east-1.amazonaws.com"),
            ("user-agent", "curl/8.5.0"),
            ("authorization", "Bearer t"),
            ("accept", "text/html"),
            ("accept", "application/json"),
            ("x-custom", "a, b"),
            ("cookie", "a=1; b=2"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", "198.51.100.1"),
            ("x-amzn-trace-id", "Root=1-5e66d96f-7491f09xmpl79d18acf3d050"),
            ("connection", "keep-alive"),
            ("content-length", "2"),
            ("content-md5", "x"),
            ("expect", "100-continue"),
            ("max-forwards", "3"),
            ("proxy-authenticate", "x"),
            ("server", "x"),
            ("te", "trailers"),
            ("transfer-encoding", "chunked"),
            ("trailer", "x"),
            ("upgrade", "h2c"),
            ("www-authenticate", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let ev = event(&f.input());
        assert_eq!(
            ev["headers"],
            json!({
                "host": "abc123.execute-api.us-east-1.amazonaws.com",
                "User-Agent": "curl/8.5.0",
                "Authorization": "Bearer t",
                "accept": "application/json",
                "x-custom": "a, b",
                "cookie": "a=1; b=2",
                "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
                "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
                "X-Forwarded-Port": "443",
                "X-Forwarded-Proto": "https"
            })
        );
        assert_eq!(
            ev["multiValueHeaders"],
            json!({
                "host": ["abc123.execute-api.us-east-1.amazonaws.com"],
                "User-Agent": ["curl/8.5.0"],
                "Authorization": ["Bearer t"],
                "accept": ["text/html", "application/json"],
                "x-custom": ["a, b"],
                "cookie": ["a=1; b=2"],
                "X-Amzn-Trace-Id": ["Root=1-5e66d96f-7491f09xmpl79d18acf3d050"],
                "X-Forwarded-For": ["198.51.100.1, 203.0.113.7"],
                "X-Forwarded-Port": ["443"],
                "X-Forwarded-Proto": ["https"]
            })
        );
        assert_eq!(
            keys(&ev["headers"]),
            keys(&ev["multiValueHeaders"]),
            "both maps list the same names in the same order"
        );
    }

    // Stage variables and path parameters become maps; empty lists stay null.
    #[test]
    fn stage_variables_and_path_parameters() {
        let mut f = Fixture::new("GET", "/stage/pets/7");
        f.resource = "/pets/{id}".into();
        f.path_params = vec![("id".into(), "7".into())];
        f.stage_variables = vec![("alias".into(), "live".into()), ("x".into(), "".into())];
        let ev = event(&f.input());
        assert_eq!(ev["pathParameters"], json!({"id": "7"}));
        assert_eq!(ev["stageVariables"], json!({"alias": "live", "x": ""}));
    }

    // Bodies: text, binary by Content-Type, non-UTF-8 text with U+FFFD, empty -> null.
    #[test]
    fn body_table() {
        let rows: &[(&[u8], Option<&str>, &[&str], Value, bool)] = &[
            (b"{\"a\":1}", Some("application/json"), &[], json!("{\"a\":1}"), false),
            (b"", Some("application/json"), &[], Value::Null, false),
            (b"\x89PNG", Some("image/png"), &["image/png"], json!("iVBORw=="), true),
            (b"hi", Some("application/octet-stream"), &["application/*"], json!("aGk="), true),
            (b"hi", Some("text/plain"), &["image/png"], json!("hi"), false),
            (b"hi", None, &["image/png"], json!("hi"), false),
            (b"a\xffb", Some("text/plain"), &[], json!("a\u{fffd}b"), false),
            (b"caf\xc3\xa9", None, &[], json!("café"), false),
        ];
        for (body, ct, types, want, b64) in rows {
            let mut f = Fixture::new("POST", "/stage/x");
            f.request.body = body.to_vec();
            if let Some(ct) = ct {
                f.request.headers.push(("content-type".into(), ct.to_string()));
            }
            f.binary_media_types = types.iter().map(|s| s.to_string()).collect();
            let ev = event(&f.input());
            assert_eq!(&ev["body"], want, "{body:?}");
            assert_eq!(ev["isBase64Encoded"], json!(b64), "{body:?}");
        }
    }

    // A request without User-Agent: identity.userAgent null, no User-Agent header.
    #[test]
    fn no_user_agent() {
        let mut f = Fixture::new("GET", "/stage/x");
        f.request.headers.retain(|(k, _)| k != "user-agent");
        f.context.user_agent = None;
        let ev = event(&f.input());
        assert_eq!(ev["requestContext"]["identity"]["userAgent"], Value::Null);
        assert!(ev["headers"].get("User-Agent").is_none());
    }
}
