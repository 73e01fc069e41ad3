//! Payload format 1.0: the REST API Lambda proxy event (reference §1).
//!
//! Keys come in AWS's order: `resource`, `path`, `httpMethod`, `headers`, `multiValueHeaders`,
//! `queryStringParameters`, `multiValueQueryStringParameters`, `pathParameters`, `stageVariables`,
//! `requestContext`, `body`, `isBase64Encoded`. Absent things are `null`, never `{}`.
//! `headers` holds the last value of a repeated header (and `queryStringParameters` the last value of
//! a repeated key); the multi-value maps hold every value in arrival order.

use serde_json::{Map, Value};

use super::{
    event_headers, group, group_exact, opt_string, or_else, query_pairs, source_ip,
    string, string_map_or_null, user_agent, NameStyle, ProxyInput,
};

/// The 1.0 event as JSON text.
pub fn build(input: &super::ProxyInput) -> String {
    event(input).to_string()
}

/// The 1.0 event as a JSON value.
pub fn event(input: &ProxyInput) -> Value {
    let req = input.request;
    let mut ev = Map::with_capacity(12);
    ev.insert("resource".into(), string(input.resource));
    ev.insert("path".into(), string(input.path));
    ev.insert("httpMethod".into(), string(&req.method));

    let (single, multi) = maps(&event_headers(input, NameStyle::V1), group);
    ev.insert("headers".into(), single);
    ev.insert("multiValueHeaders".into(), multi);

    let (single, multi) = maps(&query_pairs(req.raw_query()), group_exact);
    ev.insert("queryStringParameters".into(), single);
    ev.insert("multiValueQueryStringParameters".into(), multi);

    ev.insert("pathParameters".into(), string_map_or_null(input.path_params));
    ev.insert("stageVariables".into(), string_map_or_null(input.stage_variables));
    ev.insert("requestContext".into(), request_context(input));

    match super::event_body(input) {
        Some((body, b64)) => {
            ev.insert("body".into(), Value::String(body));
            ev.insert("isBase64Encoded".into(), Value::Bool(b64));
        }
        None => {
            ev.insert("body".into(), Value::Null);
            ev.insert("isBase64Encoded".into(), Value::Bool(false));
        }
    }
    Value::Object(ev)
}

/// The single-value map (last value wins) and the multi-value map, both `null` when empty.
fn maps(
    pairs: &[(String, String)],
    grouper: super::Grouper,
) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let grouped = grouper(pairs);
    let mut single = Map::with_capacity(grouped.len());
    let mut multi = Map::with_capacity(grouped.len());
    for (name, values) in grouped {
        let last = values.last().cloned().unwrap_or_default();
        single.insert(name.clone(), Value::String(last));
        multi.insert(
            name,
            Value::Array(values.into_iter().map(Value::String).collect()),
        );
    }
    (Value::Object(single), Value::Object(multi))
}

fn request_context(input: &ProxyInput) -> Value {
    let c = input.context;
    let req = input.request;
    let mut rc = Map::with_capacity(16);
    rc.insert("accountId".into(), string(&c.account_id));
    rc.insert("apiId".into(), string(&c.api_id));
    rc.insert("deploymentId".into(), string(&c.deployment_id));
    let host = req.header("host").or_else(|| req.header(":authority")).unwrap_or("");
    let domain_name = or_else(&c.domain_name, host);
    rc.insert("domainName".into(), string(domain_name));
    let prefix = if c.domain_prefix.is_empty() {
        crate::context::domain_prefix(domain_name)
    } else {
        c.domain_prefix.clone()
    };
    rc.insert("domainPrefix".into(), Value::String(prefix));
    rc.insert("extendedRequestId".into(), string(&c.extended_request_id));
    rc.insert("httpMethod".into(), string(or_else(&c.http_method, &req.method)));
    rc.insert("identity".into(), identity(input));
    rc.insert("path".into(), string(or_else(&c.path, req.path_only())));
    rc.insert("protocol".into(), string(or_else(&c.protocol, "HTTP/1.1")));
    rc.insert("requestId".into(), string(or_else(&c.request_id, &req.request_id)));
    let time = if c.request_time.is_empty() {
        crate::time::request_time(req.now_ms)
    } else {
        c.request_time.clone()
    };
    rc.insert("requestTime".into(), Value::String(time));
    let epoch = if c.request_time_epoch == 0 {
        req.now_ms
    } else {
        c.request_time_epoch
    };
    rc.insert("requestTimeEpoch".into(), Value::from(epoch));
    rc.insert("resourceId".into(), string(&c.resource_id));
    rc.insert("resourcePath".into(), string(or_else(&c.resource_path, input.resource)));
    rc.insert("stage".into(), string(&c.stage));
    Value::Object(rc)
}

/// Unauthenticated caller: everything `null` but `sourceIp` and `userAgent` (reference §1).
fn identity(input: &ProxyInput) -> Value {
    let mut id = Map::with_capacity(12);
    for key in [
        "accessKey",
        "accountId",
        "caller",
        "cognitoAuthenticationProvider",
        "cognitoAuthenticationType",
        "cognitoIdentityId",
        "cognitoIdentityPoolId",
        "principalOrgId",
    ] {
        id.insert(key.into(), Value::Null);
    }
    id.insert("sourceIp".into(), string(source_ip(input)));
    id.insert("user".into(), Value::Null);
    id.insert("userAgent".into(), opt_string(user_agent(input)));
    id.insert("userArn".into(), Value::Null);
    Value::Object(id)
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

    // Top-level keys in AWS's order, and every absent thing null (§1).
    #[test]
    fn keys_in_aws_order_and_nulls() {
        let f = Fixture::new("GET", "/hardcoded");
        let ev = event(&f.input());
        assert_eq!(
            keys(&ev),
            [
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
                "isBase64Encoded"
            ]
        );
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

    // requestContext and identity keys (§1), no authorizer key.
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

    // Reference §1 paths table (stage `stage`, resources `/{proxy+}` and `/hardcoded`). The router
    // works out `path` and the parameters; the event must carry them unchanged, with
    // requestContext.path as sent (after the leading `//` collapse AWS does).
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

    // Reference §1 query strings: repeated keys, last wins in the single map, `+` is a space.
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

    // Reference §1 headers: single and multi maps, dropped headers, AWS casing, X-Forwarded-*.
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
