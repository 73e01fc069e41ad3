//! Conformance: our payload 1.0 and 2.0 events deserialize into `aws_lambda_events`'
//! `ApiGatewayProxyRequest` / `ApiGatewayV2httpRequest` (what a Rust Lambda function receives),
//! with the values we meant and no key that the crate does not model except the allow-listed ones.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use apigw_envoy::context::RequestContext;
use apigw_envoy::event::{v1, v2, ProxyInput};
use apigw_envoy::http::Request;
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use aws_lambda_events::http::Method;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

struct Case {
    request: Request,
    context: RequestContext,
    path_params: Vec<(String, String)>,
    stage_variables: Vec<(String, String)>,
    binary: Vec<String>,
}

impl Case {
    fn new(method: &str, raw: &str, body: &[u8], headers: &[(&str, &str)]) -> Self {
        let path = raw.split('?').next().unwrap().to_string();
        Case {
            request: Request {
                method: method.into(),
                path: raw.into(),
                headers: pairs(headers),
                body: body.to_vec(),
                source_ip: "198.51.100.9".into(),
                request_id: "0b5a4c7e-1f31-4d4f-9b0e-000000000001".into(),
                extended_request_id: "e1".into(),
                now_ms: 1_700_000_000_000,
            },
            context: RequestContext {
                account_id: "123456789012".into(),
                api_id: "a1b2c3".into(),
                deployment_id: "d1".into(),
                domain_name: "a1b2c3.execute-api.eu-west-1.amazonaws.com".into(),
                domain_prefix: "a1b2c3".into(),
                extended_request_id: "e1".into(),
                http_method: method.into(),
                path,
                protocol: "HTTP/1.1".into(),
                request_id: "0b5a4c7e-1f31-4d4f-9b0e-000000000001".into(),
                request_time: apigw_envoy::time::request_time(1_700_000_000_000),
                request_time_epoch: 1_700_000_000_000,
                resource_id: "r1".into(),
                resource_path: "/pets/{id}".into(),
                stage: "prod".into(),
                source_ip: "198.51.100.9".into(),
                user_agent: Some("test-agent/1.0".into()),
                authorizer: None,
                iam: None,
                api_key: None,
            },
            path_params: pairs(&[("id", "42")]),
            stage_variables: pairs(&[("alias", "live")]),
            binary: vec!["image/png".into()],
        }
    }

    fn input(&self) -> ProxyInput<'_> {
        ProxyInput {
            request: &self.request,
            context: &self.context,
            resource: "/pets/{id}",
            path: "/pets/42",
            path_params: &self.path_params,
            stage_variables: &self.stage_variables,
            binary_media_types: &self.binary,
        }
    }
}

const HEADERS: &[(&str, &str)] = &[
    ("host", "a1b2c3.execute-api.eu-west-1.amazonaws.com"),
    ("user-agent", "test-agent/1.0"),
    ("accept", "application/json"),
    ("accept", "text/plain"),
    ("cookie", "a=1; b=2"),
    ("x-forwarded-proto", "https"),
    ("content-type", "application/json"),
];

// A 1.0 event is a valid ApiGatewayProxyRequest with the values we put in.
#[test]
fn v1_event_deserializes_as_api_gateway_proxy_request() {
    let case = Case::new("POST", "/prod/pets/42?q=1&q=2&x=a+b", b"{\"n\":1}", HEADERS);
    let json = v1::build(&case.input());
    let ev: ApiGatewayProxyRequest = serde_json::from_str(&json).unwrap();

    assert_eq!(ev.resource.as_deref(), Some("/pets/{id}"));
    assert_eq!(ev.path.as_deref(), Some("/pets/42"));
    assert_eq!(ev.http_method, Method::POST);
    assert_eq!(ev.headers.get("accept").unwrap(), "text/plain");
    let accepts: Vec<_> = ev.multi_value_headers.get_all("accept").iter().collect();
    assert_eq!(accepts, ["application/json", "text/plain"]);
    assert_eq!(ev.headers.get("user-agent").unwrap(), "test-agent/1.0");
    assert_eq!(ev.headers.get("x-forwarded-for").unwrap(), "198.51.100.9");
    assert_eq!(ev.headers.get("x-forwarded-port").unwrap(), "443");
    assert_eq!(ev.query_string_parameters.first("q"), Some("2"));
    assert_eq!(ev.multi_value_query_string_parameters.all("q"), Some(vec!["1", "2"]));
    assert_eq!(ev.query_string_parameters.first("x"), Some("a b"));
    assert_eq!(ev.path_parameters.get("id").map(String::as_str), Some("42"));
    assert_eq!(ev.stage_variables.get("alias").map(String::as_str), Some("live"));
    assert_eq!(ev.body.as_deref(), Some("{\"n\":1}"));
    assert!(!ev.is_base64_encoded);
    assert!(ev.other.is_empty(), "unmodelled top-level keys: {:?}", ev.other);

    let rc = &ev.request_context;
    assert_eq!(rc.account_id.as_deref(), Some("123456789012"));
    assert_eq!(rc.apiid.as_deref(), Some("a1b2c3"));
    assert_eq!(rc.stage.as_deref(), Some("prod"));
    assert_eq!(rc.path.as_deref(), Some("/prod/pets/42"));
    assert_eq!(rc.resource_path.as_deref(), Some("/pets/{id}"));
    assert_eq!(rc.http_method, Method::POST);
    assert_eq!(rc.request_time_epoch, 1_700_000_000_000);
    assert_eq!(rc.request_time.as_deref(), Some("14/Nov/2023:22:13:20 +0000"));
    assert_eq!(rc.identity.source_ip.as_deref(), Some("198.51.100.9"));
    assert_eq!(rc.identity.user_agent.as_deref(), Some("test-agent/1.0"));
    assert_eq!(rc.identity.access_key, None);
    let mut extra: Vec<&str> = rc.other.keys().map(String::as_str).collect();
    extra.extend(rc.identity.other.keys().map(String::as_str));
    extra.sort_unstable();
    // Keys AWS sends that the crate does not model (reference dependencies.md).
    assert_eq!(extra, ["deploymentId", "extendedRequestId", "principalOrgId"]);
}

// The minimal 1.0 event (GET, no query, no params, no body) also deserializes; nulls become empty.
#[test]
fn v1_minimal_event_deserializes() {
    let mut case = Case::new("GET", "/prod/pets/42", b"", &[("host", "h")]);
    case.path_params.clear();
    case.stage_variables.clear();
    case.context.user_agent = None;
    let ev: ApiGatewayProxyRequest = serde_json::from_str(&v1::build(&case.input())).unwrap();
    assert!(ev.query_string_parameters.is_empty());
    assert!(ev.path_parameters.is_empty());
    assert!(ev.stage_variables.is_empty());
    assert_eq!(ev.body, None);
    assert_eq!(ev.request_context.identity.user_agent, None);
}

// Binary bodies reach the function base64-encoded.
#[test]
fn v1_binary_body() {
    let case = Case::new("PUT", "/prod/pets/42", &[0, 159, 255], &[("content-type", "image/png")]);
    let ev: ApiGatewayProxyRequest = serde_json::from_str(&v1::build(&case.input())).unwrap();
    assert!(ev.is_base64_encoded);
    assert_eq!(ev.body.as_deref(), Some("AJ//"));
}

// A 2.0 event is a valid ApiGatewayV2httpRequest with the values we put in.
#[test]
fn v2_event_deserializes_as_http_api_request() {
    let case = Case::new("POST", "/prod/pets/42?q=1&q=2", b"hello", HEADERS);
    let ev: ApiGatewayV2httpRequest = serde_json::from_str(&v2::build(&case.input())).unwrap();
    assert_eq!(ev.version.as_deref(), Some("2.0"));
    assert_eq!(ev.route_key.as_deref(), Some("POST /pets/{id}"));
    assert_eq!(ev.raw_path.as_deref(), Some("/prod/pets/42"));
    assert_eq!(ev.raw_query_string.as_deref(), Some("q=1&q=2"));
    assert_eq!(ev.cookies, Some(vec!["a=1".to_string(), "b=2".to_string()]));
    assert_eq!(ev.headers.get("accept").unwrap(), "application/json,text/plain");
    assert!(ev.headers.get("cookie").is_none());
    // The crate splits AWS's comma-joined value back into the repeats.
    assert_eq!(ev.query_string_parameters.all("q"), Some(vec!["1", "2"]));
    assert_eq!(ev.path_parameters.get("id").map(String::as_str), Some("42"));
    assert_eq!(ev.stage_variables.get("alias").map(String::as_str), Some("live"));
    assert_eq!(ev.body.as_deref(), Some("hello"));
    assert!(!ev.is_base64_encoded);
    assert!(ev.other.is_empty(), "unmodelled keys: {:?}", ev.other);
    let rc = &ev.request_context;
    assert_eq!(rc.route_key.as_deref(), Some("POST /pets/{id}"));
    assert_eq!(rc.stage.as_deref(), Some("prod"));
    assert_eq!(rc.time_epoch, 1_700_000_000_000);
    assert_eq!(rc.http.method, Method::POST);
    assert_eq!(rc.http.path.as_deref(), Some("/prod/pets/42"));
    assert_eq!(rc.http.source_ip.as_deref(), Some("198.51.100.9"));
    assert_eq!(rc.http.user_agent.as_deref(), Some("test-agent/1.0"));
    assert!(rc.other.is_empty(), "unmodelled keys: {:?}", rc.other);
    assert!(rc.http.other.is_empty(), "unmodelled keys: {:?}", rc.http.other);
}
