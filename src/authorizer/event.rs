//! What a Lambda authorizer is sent: the method ARN, the TOKEN and REQUEST events, and the headers
//! of the Invoke call (AWS docs: "Input to an API Gateway Lambda authorizer"; the repository's
//! notes record the key orders and headers from AWS's logs).
//!
//! The REQUEST event is the payload 1.0 proxy event ([`crate::event::v1::build`]) without `body`
//! and `isBase64Encoded`, with `type` and `methodArn` first, so both events stay one builder.
//! **Empty maps** [open, chosen]: `{}`, not the proxy event's `null`, on every call. AWS's test
//! invoke writes `{}` (the one recorded authorizer event) and a function written against the
//! console's test then works here; the proxy event's `null` stays for integrations.
//! `requestContext.identity.apiKey` is always there (recorded in the test-invoke event), `null`
//! when the caller gives no key.

use serde_json::{Map, Value};

/// Longest method ARN (AWS docs: Amazon API Gateway quotas, "Length of the method's ARN: 1600
/// bytes"; longer → 414 Request URI too long).
pub const METHOD_ARN_MAX_LEN: usize = 1600;

/// The API an ARN is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiArn<'a> {
    pub region: &'a str,
    pub account_id: &'a str,
    pub api_id: &'a str,
}

/// The method ARN would be longer than [`METHOD_ARN_MAX_LEN`]: the gateway answers 414 without
/// calling the authorizer. Holds the length it would have had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodArnTooLong(pub usize);

impl ApiArn<'_> {
    /// The ARN partition of the region (`aws-cn` in China, `aws-us-gov` in GovCloud).
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// `arn:aws:execute-api:{region}:{accountId}:{apiId}`.
    pub fn prefix(&self) -> String {
        format!("arn:{}:execute-api:{}:{}:{}", self.partition(), self.region, self.account_id, self.api_id)
    }

    /// `{prefix}/{stage}/{METHOD}/{path without its leading /}`: the root gives a trailing `/`.
    /// `path` is the request path without the stage prefix, as requested (not decoded); `method`
    /// the request's (never `ANY`).
    pub fn method_arn(&self, stage: &str, method: &str, path: &str) -> Result<String, MethodArnTooLong> {
        let prefix = self.prefix();
        let path = path.trim_start_matches('/');
        let len = [prefix.len(), stage.len(), method.len(), path.len(), 3]
            .iter()
            .fold(0usize, |n, l| n.saturating_add(*l));
        if len > METHOD_ARN_MAX_LEN {
            return Err(MethodArnTooLong(len));
        }
        Ok(format!("{prefix}/{stage}/{method}/{path}"))
    }

    /// `X-Amz-Source-Arn` of the Invoke call: `{prefix}/authorizers/{id}`.
    pub fn authorizer_source_arn(&self, authorizer_id: &str) -> String {
        format!("{}/authorizers/{authorizer_id}", self.prefix())
    }

    /// The headers API Gateway adds to the authorizer's Invoke call, besides the signature.
    pub fn invoke_headers(&self, authorizer_id: &str) -> [(&'static str, String); 2] {
        [
            ("X-Amz-Source-Arn", self.authorizer_source_arn(authorizer_id)),
            ("User-Agent", format!("AmazonAPIGateway_{}", self.api_id)),
        ]
    }
}

/// The TOKEN event: `{"type":"TOKEN","authorizationToken":…,"methodArn":…}`, in that order.
pub fn token_event(token: &str, method_arn: &str) -> String {
    let token = Value::String(token.to_string());
    let arn = Value::String(method_arn.to_string());
    format!("{{\"type\":\"TOKEN\",\"authorizationToken\":{token},\"methodArn\":{arn}}}")
}

/// The event's keys after `type` and `methodArn`, in AWS's order: the proxy event's without
/// `body` and `isBase64Encoded`.
const REQUEST_KEYS: &[&str] = crate::event::v1::EVENT_KEYS.split_at(10).0;

/// The keys whose `null` (nothing there) becomes `{}`.
const MAP_KEYS: [&str; 6] = [
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
];

/// The REQUEST event from the 1.0 proxy event's text (built for the same request, before its body
/// is read: the authorizer runs first). `api_key`: the caller's API key, if any. The error says
/// the text was not a JSON object (never the case for [`crate::event::v1::build`]'s output).
pub fn request_event(proxy_event_v1: &str, method_arn: &str, api_key: Option<&str>) -> Result<String, String> {
    let mut proxy: Map<String, Value> =
        serde_json::from_str(proxy_event_v1).map_err(|e| format!("the proxy event is not a JSON object: {e}"))?;
    let mut out = Map::new();
    out.insert("type".to_string(), Value::String("REQUEST".to_string()));
    out.insert("methodArn".to_string(), Value::String(method_arn.to_string()));
    for &key in REQUEST_KEYS {
        let value = match proxy.remove(key) {
            None | Some(Value::Null) if MAP_KEYS.contains(&key) => Value::Object(Map::new()),
            Some(Value::Object(context)) if key == "requestContext" => Value::Object(with_api_key(context, api_key)),
            other => other.unwrap_or(Value::Null),
        };
        out.insert(key.to_string(), value);
    }
    Ok(Value::Object(out).to_string())
}

/// `requestContext` with `identity.apiKey` right after `identity.accountId` (the identity keys
/// are in alphabetical order), unless the proxy event already has one.
fn with_api_key(mut context: Map<String, Value>, api_key: Option<&str>) -> Map<String, Value> {
    let Some(Value::Object(identity)) = context.get_mut("identity") else { return context };
    if identity.contains_key("apiKey") {
        return context;
    }
    let key = api_key.map_or(Value::Null, |k| Value::String(k.to_string()));
    let mut rebuilt = Map::with_capacity(identity.len().saturating_add(1));
    let mut placed = false;
    for (name, value) in std::mem::take(identity) {
        let after = name == "accountId";
        rebuilt.insert(name, value);
        if after {
            rebuilt.insert("apiKey".to_string(), key.clone());
            placed = true;
        }
    }
    if !placed {
        rebuilt.insert("apiKey".to_string(), key);
    }
    *identity = rebuilt;
    context
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::test_support::Fixture;
    use serde_json::json;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const API: ApiArn = ApiArn { region: "us-east-1", account_id: "123456789012", api_id: "abcdef123" };

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
    }

    // The method ARN's shape; the root gives a trailing `/`; the path is kept as requested.
    #[test]
    fn method_arns() {
        let rows = [
            ("test", "GET", "/request", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"),
            ("prod", "GET", "/", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/"),
            ("prod", "POST", "", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/POST/"),
            ("prod", "DELETE", "/pets/a%20b/x", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/DELETE/pets/a%20b/x"),
        ];
        for (stage, method, path, want) in rows {
            assert_eq!(API.method_arn(stage, method, path).as_deref(), Ok(want), "{path:?}");
        }
        let china = ApiArn { region: "cn-north-1", ..API };
        assert_eq!(china.method_arn("s", "GET", "/").unwrap(), "arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef123/s/GET/");
        assert_eq!(ApiArn { region: "us-gov-west-1", ..API }.partition(), "aws-us-gov");
    }

    // 1600 bytes pass, 1601 are refused (414).
    #[test]
    fn method_arn_limit() {
        let fixed = API.method_arn("prod", "GET", "/").unwrap().len();
        let fits = format!("/{}", "a".repeat(METHOD_ARN_MAX_LEN - fixed));
        assert_eq!(API.method_arn("prod", "GET", &fits).unwrap().len(), 1600);
        let over = format!("{fits}b");
        assert_eq!(API.method_arn("prod", "GET", &over), Err(MethodArnTooLong(1601)));
    }

    // Exactly AWS's key order; the token escaped as JSON.
    #[test]
    fn token_event_text() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request";
        assert_eq!(
            token_event("allow", arn),
            r#"{"type":"TOKEN","authorizationToken":"allow","methodArn":"arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"}"#
        );
        assert_eq!(token_event("a\"b\\", "m"), r#"{"type":"TOKEN","authorizationToken":"a\"b\\","methodArn":"m"}"#);
    }

    #[test]
    fn invoke_headers() {
        assert_eq!(
            API.invoke_headers("x1y2z3"),
            [
                ("X-Amz-Source-Arn", "arn:aws:execute-api:us-east-1:123456789012:abcdef123/authorizers/x1y2z3".to_string()),
                ("User-Agent", "AmazonAPIGateway_abcdef123".to_string()),
            ]
        );
    }

    // AWS's key order, no body; empty maps are `{}`; apiKey in the identity.
    #[test]
    fn request_event_from_the_proxy_event() {
        let f = Fixture::new("GET", "/stage/request");
        let proxy = crate::event::v1::build(&f.input());
        let text = request_event(&proxy, "arn:m", None).unwrap();
        let ev: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            keys(&ev),
            [
                "type", "methodArn", "resource", "path", "httpMethod", "headers", "multiValueHeaders",
                "queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables",
                "requestContext"
            ]
        );
        assert_eq!((&ev["type"], &ev["methodArn"]), (&json!("REQUEST"), &json!("arn:m")));
        for k in MAP_KEYS.iter().skip(2) {
            assert_eq!(ev[*k], json!({}), "{k}");
        }
        let proxy_ev: Value = serde_json::from_str(&proxy).unwrap();
        assert_eq!(ev["headers"], proxy_ev["headers"]);
        assert_eq!(ev["path"], proxy_ev["path"]);
        let identity = &ev["requestContext"]["identity"];
        assert_eq!(&keys(identity)[..3], ["accessKey", "accountId", "apiKey"]);
        assert_eq!(identity["apiKey"], Value::Null);
        // Everything else of requestContext is the proxy event's.
        let mut rc = ev["requestContext"].clone();
        rc["identity"].as_object_mut().unwrap().remove("apiKey");
        assert_eq!(rc, proxy_ev["requestContext"]);
    }

    // Filled maps pass as they are; a caller's key is written.
    #[test]
    fn request_event_with_values() {
        let mut f = Fixture::new("GET", "/stage/pets/7?q=1&q=2");
        f.path_params = vec![("id".into(), "7".into())];
        f.stage_variables = vec![("v".into(), "x".into())];
        let text = request_event(&crate::event::v1::build(&f.input()), "m", Some("key-1")).unwrap();
        let ev: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(ev["queryStringParameters"], json!({"q": "2"}));
        assert_eq!(ev["multiValueQueryStringParameters"], json!({"q": ["1", "2"]}));
        assert_eq!(ev["pathParameters"], json!({"id": "7"}));
        assert_eq!(ev["stageVariables"], json!({"v": "x"}));
        assert_eq!(ev["requestContext"]["identity"]["apiKey"], json!("key-1"));
    }

    #[test]
    fn request_event_refuses_other_text() {
        assert!(request_event("[]", "m", None).is_err());
        assert!(request_event("{", "m", None).is_err());
        // A bare object still gives every key.
        let ev: Value = serde_json::from_str(&request_event("{}", "m", None).unwrap()).unwrap();
        assert_eq!(ev["requestContext"], Value::Null);
        assert_eq!(ev["headers"], json!({}));
    }
}
