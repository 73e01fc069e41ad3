//! Payload format 2.0: the HTTP API Lambda proxy event, for integrations configured with
//! `payloadFormatVersion: "2.0"`.
//!
//! Keys in the order of AWS's documented example: `version`, `routeKey`, `rawPath`,
//! `rawQueryString`, `cookies`, `headers`, `queryStringParameters`, `requestContext`, `body`,
//! `pathParameters`, `isBase64Encoded`, `stageVariables`. As in HTTP APIs, optional keys are left
//! out when there is nothing to put in them (`cookies`, `queryStringParameters`, `body`,
//! `pathParameters`, `stageVariables`); `rawQueryString` is `""` without a query.
//!
//! - Repeated headers and query keys are joined with `,` into one value; header names are
//!   lower-case; the `Cookie` header becomes the `cookies` list (split on `;`, trimmed).
//! - `rawPath` and `requestContext.http.path` are the path as the client sent it (stage prefix
//!   included, as HTTP APIs do for a named stage).
//! - `routeKey` is `"METHOD /resource"` with the request's method.
//! - `requestContext.stage` is the stage name when the URL carried the `/<stage>` prefix, and
//!   `$default` when it did not (a deployment without stage prefix, a sidecar) or has no stage.
//!   HTTP APIs keep that invariant — `rawPath` starts with `/<stage>` exactly when the stage is not
//!   `$default` — and the frameworks that read 2.0 events rely on it: Powertools' `path` cuts
//!   `len("/" + stage)` characters off `rawPath` unless the stage is `$default`, while Mangum and
//!   serverless-http route on `rawPath` / `http.path` minus a configured base path. Naming the
//!   real stage on an unprefixed path would make Powertools cut the first characters of the path.
//! - `http.userAgent` is `""` when the client sent none (an [open] choice: HTTP APIs always send
//!   the key).
//! - Binary bodies follow `binaryMediaTypes` as in 1.0 (HTTP APIs decide by their own rules; a REST
//!   deployment has `binaryMediaTypes`, so it is the one rule used here).

use serde_json::Value;

use super::{
    event_body, event_headers, json, or_else, query_pairs, same_header, same_key, write_joined_values, write_last_values, NameStyle, ProxyInput,
};

/// Bytes of the 2.0 event that do not come from the input: keys, punctuation.
pub(super) const FIXED_LEN: usize = 512;

/// The 2.0 event as JSON text, written directly (see [`super::json`]).
pub fn build(input: &ProxyInput) -> String {
    let req = input.request;
    let c = input.context;
    let raw_path = c.path.as_str();
    let headers = event_headers(input, NameStyle::V2);
    let query = query_pairs(req.raw_query());
    let body = event_body(input);
    let capacity = super::estimated_len(input, &headers, 1, body.as_ref(), FIXED_LEN);
    let mut out = String::with_capacity(capacity);

    out.push('{');
    json::field(&mut out, "version");
    json::string(&mut out, "2.0");
    json::field(&mut out, "routeKey");
    route_key(&mut out, input);
    json::field(&mut out, "rawPath");
    json::string(&mut out, raw_path);
    json::field(&mut out, "rawQueryString");
    json::string(&mut out, req.raw_query());

    let mut cookies = cookies(req).peekable();
    if cookies.peek().is_some() {
        json::field(&mut out, "cookies");
        out.push('[');
        for cookie in cookies {
            json::element(&mut out);
            json::string(&mut out, cookie);
        }
        out.push(']');
    }
    json::field(&mut out, "headers");
    write_joined_values(&mut out, &headers, same_header);
    if !query.is_empty() {
        json::field(&mut out, "queryStringParameters");
        write_joined_values(&mut out, &query, same_key);
    }

    json::field(&mut out, "requestContext");
    request_context(&mut out, input, raw_path);

    if let Some(body) = &body {
        json::field(&mut out, "body");
        body.write(&mut out);
    }
    if !input.path_params.is_empty() {
        json::field(&mut out, "pathParameters");
        write_last_values(&mut out, input.path_params, same_key);
    }
    json::field(&mut out, "isBase64Encoded");
    json::bool(&mut out, body.as_ref().is_some_and(super::Body::is_base64));
    if !input.stage_variables.is_empty() {
        json::field(&mut out, "stageVariables");
        write_last_values(&mut out, input.stage_variables, same_key);
    }
    out.push('}');
    out
}

/// The 2.0 event as a JSON value (parsed from [`build`]'s text, which is always valid JSON).
pub fn event(input: &ProxyInput) -> Value {
    serde_json::from_str(&build(input)).unwrap_or(Value::Null)
}

/// `"METHOD /resource"`.
fn route_key(out: &mut String, input: &ProxyInput) {
    out.push('"');
    json::escaped(out, &input.request.method);
    out.push(' ');
    json::escaped(out, input.resource);
    out.push('"');
}

fn request_context(out: &mut String, input: &ProxyInput, raw_path: &str) {
    let c = input.context;
    let req = input.request;
    out.push('{');
    json::field(out, "accountId");
    json::string(out, &c.account_id);
    json::field(out, "apiId");
    json::string(out, &c.api_id);
    json::field(out, "domainName");
    json::string(out, &c.domain_name);
    json::field(out, "domainPrefix");
    json::string(out, &c.domain_prefix);

    json::field(out, "http");
    out.push('{');
    json::field(out, "method");
    json::string(out, &req.method);
    json::field(out, "path");
    json::string(out, raw_path);
    json::field(out, "protocol");
    json::string(out, &c.protocol);
    json::field(out, "sourceIp");
    json::string(out, &c.source_ip);
    json::field(out, "userAgent");
    json::string(out, c.user_agent.as_deref().unwrap_or(""));
    out.push('}');

    json::field(out, "requestId");
    json::string(out, &c.request_id);
    json::field(out, "routeKey");
    route_key(out, input);
    json::field(out, "stage");
    json::string(out, stage(input, raw_path));
    json::field(out, "time");
    json::string(out, &c.request_time);
    json::field(out, "timeEpoch");
    json::u64(out, c.request_time_epoch);
    out.push('}');
}

/// `$default` unless `rawPath` carries the stage prefix (the `path` key is then shorter): see the
/// module notes.
pub(super) fn stage<'a>(input: &ProxyInput<'a>, raw_path: &str) -> &'a str {
    if raw_path == input.path {
        "$default"
    } else {
        or_else(&input.context.stage, "$default")
    }
}

/// Every `Cookie` header, split on `;`, trimmed, empty pieces dropped.
fn cookies(req: &crate::http::Request) -> impl Iterator<Item = &str> {
    req.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
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

    // A bare GET: optional keys absent, required ones present.
    #[test]
    fn minimal_event_omits_absent_keys() {
        let mut f = Fixture::new("GET", "/stage/x");
        f.path = "/x".into();
        let ev = event(&f.input());
        assert_eq!(
            keys(&ev),
            ["version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"]
        );
        assert_eq!(ev["version"], json!("2.0"));
        assert_eq!(ev["routeKey"], json!("GET /{proxy+}"));
        assert_eq!(ev["rawPath"], json!("/stage/x"));
        assert_eq!(ev["rawQueryString"], json!(""));
        assert_eq!(ev["isBase64Encoded"], json!(false));
        assert_eq!(
            ev["requestContext"],
            json!({
                "accountId": "123456789012",
                "apiId": "abc123",
                "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "abc123",
                "http": {
                    "method": "GET",
                    "path": "/stage/x",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.7",
                    "userAgent": "curl/8.5.0"
                },
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "routeKey": "GET /{proxy+}",
                "stage": "stage",
                "time": "25/Nov/2026:06:20:28 +0000",
                "timeEpoch": 1_795_587_628_123_u64
            })
        );
        assert_eq!(serde_json::from_str::<Value>(&build(&f.input())).unwrap(), ev);
    }

    // Everything present: key order, comma joins, cookies out of headers.
    #[test]
    fn full_event() {
        let mut f = Fixture::new("POST", "/stage/pets/7?a=1&a=2&b=x+y&c");
        f.resource = "/pets/{id}".into();
        f.path_params = vec![("id".into(), "7".into())];
        f.stage_variables = vec![("alias".into(), "live".into())];
        f.request.headers.extend(
            [
                ("cookie", "s=1; t=2"),
                ("cookie", "u=3"),
                ("x-multi", "a"),
                ("x-multi", "b"),
                ("content-type", "application/json"),
                ("content-length", "2"),
                ("connection", "close"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        f.request.body = b"{}".to_vec();
        let ev = event(&f.input());
        assert_eq!(
            keys(&ev),
            [
                "version",
                "routeKey",
                "rawPath",
                "rawQueryString",
                "cookies",
                "headers",
                "queryStringParameters",
                "requestContext",
                "body",
                "pathParameters",
                "isBase64Encoded",
                "stageVariables"
            ]
        );
        assert_eq!(ev["routeKey"], json!("POST /pets/{id}"));
        assert_eq!(ev["rawQueryString"], json!("a=1&a=2&b=x+y&c"));
        assert_eq!(ev["cookies"], json!(["s=1", "t=2", "u=3"]));
        assert_eq!(ev["queryStringParameters"], json!({"a": "1,2", "b": "x y", "c": ""}));
        assert_eq!(
            ev["headers"],
            json!({
                "host": "abc123.execute-api.us-east-1.amazonaws.com",
                "user-agent": "curl/8.5.0",
                "accept": "*/*",
                "x-multi": "a,b",
                "content-type": "application/json",
                "content-length": "2",
                // No client trace header: a new root, the one the answer will carry.
                "x-amzn-trace-id": crate::trace::function_value(&f.request),
                "x-forwarded-for": "203.0.113.7",
                "x-forwarded-port": "443",
                "x-forwarded-proto": "https"
            })
        );
        assert_eq!(ev["body"], json!("{}"));
        assert_eq!(ev["pathParameters"], json!({"id": "7"}));
        assert_eq!(ev["stageVariables"], json!({"alias": "live"}));
    }

    // No stage name: `$default`; no User-Agent: "".
    #[test]
    fn default_stage_and_missing_user_agent() {
        let mut f = Fixture::new("GET", "/x");
        f.context.stage = String::new();
        f.context.user_agent = None;
        f.request.headers.retain(|(k, _)| k != "user-agent");
        let ev = event(&f.input());
        assert_eq!(ev["requestContext"]["stage"], json!("$default"));
        assert_eq!(ev["requestContext"]["http"]["userAgent"], json!(""));
    }

    // `requestContext.stage` names the stage only when `rawPath` carries its prefix, so that
    // frameworks which strip `/<stage>` from `rawPath` unless the stage is `$default` (Powertools)
    // and those which route on `rawPath` as it is (Mangum, serverless-http) agree on the route.
    #[test]
    fn stage_follows_the_prefix() {
        // Through an execute-api style URL: `/stage/pets/7`, the route path `/pets/7`.
        let mut f = Fixture::new("GET", "/stage/pets/7");
        f.path = "/pets/7".into();
        let ev = event(&f.input());
        assert_eq!((ev["rawPath"].as_str(), ev["requestContext"]["stage"].as_str()), (Some("/stage/pets/7"), Some("stage")));
        // A deployment without the prefix: the same route, `$default`.
        let f = Fixture::new("GET", "/pets/7");
        let ev = event(&f.input());
        assert_eq!((ev["rawPath"].as_str(), ev["requestContext"]["stage"].as_str()), (Some("/pets/7"), Some("$default")));
        // Powertools' rule gives the route path in both cases.
        for (raw, stage) in [("/stage/pets/7", "stage"), ("/pets/7", "$default")] {
            let path = if stage == "$default" { raw } else { &raw[stage.len() + 1..] };
            assert_eq!(path, "/pets/7");
        }
    }

    #[test]
    fn binary_body_is_base64() {
        let mut f = Fixture::new("POST", "/x");
        f.request.headers.push(("content-type".into(), "image/png".into()));
        f.request.body = vec![0x89, b'P', b'N', b'G'];
        f.binary_media_types = vec!["image/*".into()];
        let ev = event(&f.input());
        assert_eq!(ev["body"], json!("iVBORw=="));
        assert_eq!(ev["isBase64Encoded"], json!(true));
    }
}
