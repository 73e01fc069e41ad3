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
//! - `requestContext.stage` is the stage name, `$default` when the deployment has none.
//! - `http.userAgent` is `""` when the client sent none (an [open] choice: HTTP APIs always send
//!   the key).
//! - Binary bodies follow `binaryMediaTypes` as in 1.0 (HTTP APIs decide by their own rules; a REST
//!   deployment has `binaryMediaTypes`, so it is the one rule used here).

use serde_json::{Map, Value};

use super::{
    event_headers, group, group_exact, or_else, query_pairs, source_ip, string, string_map_or_null,
    user_agent, NameStyle, ProxyInput,
};

/// The 2.0 event as JSON text.
pub fn build(input: &super::ProxyInput) -> String {
    event(input).to_string()
}

/// The 2.0 event as a JSON value.
pub fn event(input: &ProxyInput) -> Value {
    let req = input.request;
    let c = input.context;
    let route_key = format!("{} {}", req.method, input.resource);
    let raw_path = or_else(&c.path, req.path_only());

    let mut ev = Map::with_capacity(12);
    ev.insert("version".into(), string("2.0"));
    ev.insert("routeKey".into(), Value::String(route_key.clone()));
    ev.insert("rawPath".into(), string(raw_path));
    ev.insert("rawQueryString".into(), string(req.raw_query()));

    let cookies = cookies(req);
    if !cookies.is_empty() {
        ev.insert(
            "cookies".into(),
            Value::Array(cookies.into_iter().map(Value::String).collect()),
        );
    }
    ev.insert("headers".into(), joined(group(&event_headers(input, NameStyle::V2))));
    let query = query_pairs(req.raw_query());
    if !query.is_empty() {
        ev.insert("queryStringParameters".into(), joined(group_exact(&query)));
    }

    let mut http = Map::with_capacity(5);
    http.insert("method".into(), string(&req.method));
    http.insert("path".into(), string(raw_path));
    http.insert("protocol".into(), string(or_else(&c.protocol, "HTTP/1.1")));
    http.insert("sourceIp".into(), string(source_ip(input)));
    http.insert("userAgent".into(), string(user_agent(input).unwrap_or("")));

    let host = req.header("host").or_else(|| req.header(":authority")).unwrap_or("");
    let domain_name = or_else(&c.domain_name, host);
    let mut rc = Map::with_capacity(10);
    rc.insert("accountId".into(), string(&c.account_id));
    rc.insert("apiId".into(), string(&c.api_id));
    rc.insert("domainName".into(), string(domain_name));
    let prefix = if c.domain_prefix.is_empty() {
        crate::context::domain_prefix(domain_name)
    } else {
        c.domain_prefix.clone()
    };
    rc.insert("domainPrefix".into(), Value::String(prefix));
    rc.insert("http".into(), Value::Object(http));
    rc.insert("requestId".into(), string(or_else(&c.request_id, &req.request_id)));
    rc.insert("routeKey".into(), Value::String(route_key));
    rc.insert("stage".into(), string(or_else(&c.stage, "$default")));
    let time = if c.request_time.is_empty() {
        crate::time::request_time(req.now_ms)
    } else {
        c.request_time.clone()
    };
    rc.insert("time".into(), Value::String(time));
    let epoch = if c.request_time_epoch == 0 {
        req.now_ms
    } else {
        c.request_time_epoch
    };
    rc.insert("timeEpoch".into(), Value::from(epoch));
    ev.insert("requestContext".into(), Value::Object(rc));

    let body = super::event_body(input);
    if let Some((text, _)) = &body {
        ev.insert("body".into(), string(text));
    }
    if !input.path_params.is_empty() {
        ev.insert("pathParameters".into(), string_map_or_null(input.path_params));
    }
    let b64 = body.is_some_and(|(_, b)| b);
    ev.insert("isBase64Encoded".into(), Value::Bool(b64));
    if !input.stage_variables.is_empty() {
        ev.insert("stageVariables".into(), string_map_or_null(input.stage_variables));
    }
    Value::Object(ev)
}

/// Every `Cookie` header, split on `;`, trimmed, empty pieces dropped.
fn cookies(req: &crate::http::Request) -> Vec<String> {
    req.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// `{name: "v1,v2"}` from grouped values.
fn joined(grouped: Vec<(String, Vec<String>)>) -> Value {
    let mut map = Map::with_capacity(grouped.len());
    for (k, vs) in grouped {
        map.insert(k, Value::String(vs.join(",")));
    }
    Value::Object(map)
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
        let f = Fixture::new("GET", "/stage/x");
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
