#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, clippy::type_complexity)]

use super::*;
use crate::config::integration::Integration;
use crate::config::Endpoint;
use crate::template_env::{self, RequestParts};
use serde_json::json;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn integ(v: serde_json::Value) -> Integration {
    match Integration::parse(&v) {
        Ok(i) => i,
        Err(e) => panic!("bad integration {v}: {e:?}"),
    }
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn ep(cluster: &str, authority: &str) -> Endpoint {
    Endpoint { cluster: cluster.into(), authority: authority.into(), envoy_signs: false }
}

const NOW: u64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

struct Fx {
    req: Request,
    ctx: RequestContext,
    path_params: Vec<(String, String)>,
    stage: Vec<(String, String)>,
    targets: Targets,
    creds: Option<Credentials>,
    binary: Vec<String>,
}

fn fx(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Fx {
    Fx {
        req: Request {
            method: method.into(),
            path: path.into(),
            headers: pairs(headers),
            body: body.to_vec(),
            source_ip: "10.0.0.9".into(),
            request_id: "rid-1".into(),
            extended_request_id: "rid-1".into(),
            now_ms: NOW,
        },
        ctx: RequestContext {
            api_id: "abc123".into(),
            request_id: "rid-1".into(),
            stage: "prod".into(),
            http_method: method.into(),
            ..Default::default()
        },
        path_params: Vec::new(),
        stage: pairs(&[("host", "backend:8080"), ("v", "sv")]),
        targets: Targets {
            http: pairs(&[("http://backend:8080", "backend"), ("https://secure.example:443", "secure")]),
            lambda: Some(ep("lambda", "lambda.us-east-1.amazonaws.com")),
            aws: vec![
                ("sqs".into(), ep("sqs", "sqs.us-east-1.amazonaws.com")),
                ("dynamodb".into(), ep("ddb", "dynamodb.us-east-1.amazonaws.com")),
                ("kinesis".into(), ep("kinesis", "kinesis.us-east-1.amazonaws.com")),
                ("states".into(), ep("sfn", "states.us-east-1.amazonaws.com")),
                ("sns".into(), ep("sns", "sns.us-east-1.amazonaws.com")),
                ("s3".into(), ep("s3", "s3.us-east-1.amazonaws.com")),
            ],
        },
        creds: None,
        binary: Vec::new(),
    }
}

impl Fx {
    fn env(&self) -> Env {
        let q = crate::query::decode(self.req.raw_query());
        template_env::env(
            &RequestParts { body: &self.req.body, path_params: &self.path_params, query: &q, headers: &self.req.headers },
            &self.ctx,
            &self.stage,
            &template_env::TemplateNeeds::all(),
        )
    }
    /// The operation's plan as the gateway compiles it at load; a target the load would refuse
    /// becomes a plan that answers 500 with that error, so the request-time answer can be checked.
    fn plan(&self, i: &Integration) -> plan::Plan {
        plan::compile(i, &self.stage, &self.targets, "us-east-1").map_or_else(|(_, e)| plan::Plan::Fail(e), |(p, _)| p)
    }
    fn args<'a>(&'a self, i: &'a Integration, plan: &'a plan::Plan) -> RequestArgs<'a> {
        RequestArgs {
            integration: i,
            request: &self.req,
            context: &self.ctx,
            path_params: &self.path_params,
            stage_variables: &self.stage,
            plan,
            credentials: self.creds.as_ref(),
            binary_media_types: &self.binary,
        }
    }
    fn request(&self, i: &Integration) -> (Result<Upstream, Failure>, Env) {
        let mut env = self.env();
        let plan = self.plan(i);
        let r = build_request(&self.args(i, &plan), &mut env);
        (r, env)
    }
    fn up(&self, i: &Integration) -> Upstream {
        match self.request(i).0 {
            Ok(u) => u,
            Err(f) => panic!("build_request failed: {f:?}"),
        }
    }
    /// The backend's answer as Envoy reports it: with the router's marker of an upstream answer.
    fn respond(&self, i: &Integration, env: &mut Env, status: u16, headers: &[(&str, &str)], body: &[u8]) -> Result<Response, Failure> {
        let mut headers = pairs(headers);
        headers.push((crate::integration::aws_proxy::UPSTREAM_ANSWER_HEADER.to_string(), "1".to_string()));
        let plan = self.plan(i);
        let args = ResponseArgs {
            integration: i,
            plan: &plan,
            request: &self.req,
            context: &self.ctx,
            stage_variables: &self.stage,
            status,
            headers: &headers,
            body,
            binary_media_types: &self.binary,
        };
        build_response(&args, env)
    }
}

fn header<'a>(u: &'a Upstream, name: &str) -> Option<&'a str> {
    u.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn names(u: &Upstream) -> Vec<&str> {
    u.headers.iter().map(|(k, _)| k.as_str()).collect()
}

// --- HTTP_PROXY -------------------------------------------------------------------------------

// URI vars from path params, stage variables substituted, URI query + client query + mapped query;
// client headers forwarded except the drop list; Host = the URI's host (README: "HTTP, HTTP_PROXY
// and AWS services").
#[test]
fn http_proxy_request() {
    let mut f = fx(
        "GET",
        "/shop/a/b%20c?q=1&q=2",
        &[
            (":authority", "api.example"),
            ("host", "api.example"),
            ("x-custom", "client"),
            ("x-keep", "k"),
            ("connection", "keep-alive"),
            ("content-encoding", "gzip"),
            ("content-md5", "x"),
            ("expect", "100-continue"),
            ("max-forwards", "3"),
            ("proxy-authenticate", "x"),
            ("server", "x"),
            ("te", "trailers"),
            ("transfer-encoding", "chunked"),
            ("trailer", "x"),
            ("upgrade", "h2c"),
            ("via", "1.1 x"),
            ("www-authenticate", "x"),
            ("x-forwarded-for", "1.1.1.1"),
        ],
        b"",
    );
    f.path_params = pairs(&[("proxy", "a/b%20c")]);
    let i = integ(json!({
        "type": "http_proxy", "httpMethod": "ANY",
        "uri": "http://${stageVariables.host}/base/{proxy}?fixed=1",
        "requestParameters": {
            "integration.request.header.x-custom": "'mapped'",
            "integration.request.querystring.m": "method.request.header.x-keep",
            "integration.request.querystring.gone": "method.request.header.missing"
        }
    }));
    let u = f.up(&i);
    assert_eq!(u.cluster, "backend");
    assert_eq!(u.method, "GET");
    assert_eq!(u.authority, "backend:8080");
    assert_eq!(u.path, "/base/a/b%20c?fixed=1&q=1&q=2&m=k");
    assert_eq!(u.body, None);
    assert_eq!(u.timeout_ms, 29_000);
    assert_eq!(names(&u), vec!["x-keep", "x-forwarded-for", "x-amzn-apigateway-api-id", "x-custom"]);
    assert_eq!(header(&u, "x-custom"), Some("mapped"));
    assert_eq!(header(&u, "x-forwarded-for"), Some("1.1.1.1, 10.0.0.9"));
    assert_eq!(header(&u, "x-amzn-apigateway-api-id"), Some("abc123"));
}

// The backend gets the gateway's X-Amzn-Apigateway-Api-Id (a client's is replaced); a Host mapped
// from method.request.header.Host (Envoy's `:authority`) becomes the upstream authority, never a
// second `host` header (README: "HTTP, HTTP_PROXY and AWS services").
#[test]
fn http_proxy_api_id_and_host_mapping() {
    let f = fx("GET", "/x", &[(":authority", "api.example"), ("x-amzn-apigateway-api-id", "spoofed")], b"");
    let plain = integ(json!({"type": "http_proxy", "httpMethod": "GET", "uri": "http://backend:8080/x"}));
    let u = f.up(&plain);
    assert_eq!(u.authority, "backend:8080");
    assert_eq!(u.headers, pairs(&[("x-forwarded-for", "10.0.0.9"), ("x-amzn-apigateway-api-id", "abc123")]));
    let mapped = integ(json!({"type": "http_proxy", "httpMethod": "GET", "uri": "http://backend:8080/x",
        "requestParameters": {"integration.request.header.Host": "method.request.header.Host"}}));
    let u = f.up(&mapped);
    assert_eq!(u.cluster, "backend");
    assert_eq!(u.authority, "api.example");
    assert_eq!(header(&u, "host"), None);
}

// The integration's method wins unless it is ANY; path mappings beat path parameters.
#[test]
fn http_proxy_method_and_path_mapping() {
    let mut f = fx("POST", "/items/7?id=9", &[("content-length", "2")], b"{}");
    f.path_params = pairs(&[("id", "7")]);
    let i = integ(json!({
        "type": "http_proxy", "httpMethod": "PUT", "uri": "http://backend:8080/v/{id}/{other}",
        "requestParameters": {"integration.request.path.other": "method.request.querystring.id"},
        "timeoutInMillis": 1500
    }));
    let u = f.up(&i);
    assert_eq!(u.method, "PUT");
    assert_eq!(u.path, "/v/7/9?id=9");
    assert_eq!(header(&u, "content-length"), Some("2"));
    assert_eq!(u.timeout_ms, 1500);
}

// A missing cluster is a 500 whose log names the origin.
#[test]
fn http_proxy_missing_cluster() {
    let f = fx("GET", "/", &[], b"");
    let i = integ(json!({"type": "http_proxy", "httpMethod": "GET", "uri": "http://elsewhere:81/x"}));
    let e = f.request(&i).0.unwrap_err();
    assert_eq!(e.kind, ResponseType::ApiConfigurationError);
    assert_eq!(e.message, "Internal server error");
    assert!(e.log.contains("http://elsewhere:81"), "{}", e.log);
    // A default port may be listed with or without it.
    let i = integ(json!({"type": "http_proxy", "httpMethod": "GET", "uri": "https://secure.example/x"}));
    assert_eq!(f.up(&i).cluster, "secure");
}

// --- HTTP custom ------------------------------------------------------------------------------

// HTTP forwards no client headers: Accept, User-Agent, (Host, Content-Length by the adapter) and
// the client's Content-Type for methods with a body; no client query (README: "HTTP, HTTP_PROXY and
// AWS services").
#[test]
fn http_custom_headers_exactly() {
    let f = fx(
        "POST",
        "/p?q=1",
        &[("content-type", "text/plain"), ("x-client", "1"), ("user-agent", "curl")],
        b"raw body",
    );
    let i = integ(json!({"type": "http", "httpMethod": "POST", "uri": "http://backend:8080/echo"}));
    let u = f.up(&i);
    assert_eq!(u.path, "/echo");
    assert_eq!(
        u.headers,
        pairs(&[
            ("accept", "application/json"),
            ("user-agent", "AmazonAPIGateway_abc123"),
            ("content-type", "text/plain"),
            ("x-amzn-apigateway-api-id", "abc123"),
        ])
    );
    assert_eq!(u.body.as_deref(), Some(b"raw body".as_slice()));

    // A GET without a body: no Content-Type even though the client sent one; Content-Length 0
    // (README: "HTTP, HTTP_PROXY and AWS services").
    let f = fx("GET", "/p", &[("content-type", "text/plain")], b"");
    let i = integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/echo"}));
    let u = f.up(&i);
    assert_eq!(
        u.headers,
        pairs(&[
            ("accept", "application/json"),
            ("user-agent", "AmazonAPIGateway_abc123"),
            ("x-amzn-apigateway-api-id", "abc123"),
            ("content-length", "0"),
        ])
    );
    assert_eq!(u.body.as_deref(), Some(b"".as_slice()));
}

// Mappings override API Gateway's own Accept and User-Agent; a Host mapped from
// method.request.header.Host is the upstream authority; a missing source leaves API Gateway's own
// (README: "HTTP, HTTP_PROXY and AWS services").
#[test]
fn http_custom_mappings_override_own_headers() {
    let i = integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/echo",
        "requestParameters": {
            "integration.request.header.Accept": "method.request.header.Accept",
            "integration.request.header.User-Agent": "method.request.header.User-Agent",
            "integration.request.header.Host": "method.request.header.Host"
        }}));
    let f = fx("GET", "/p", &[(":authority", "api.example"), ("accept", "text/xml"), ("user-agent", "curl/8")], b"");
    let u = f.up(&i);
    assert_eq!(u.authority, "api.example");
    assert_eq!(u.cluster, "backend");
    assert_eq!(
        u.headers,
        pairs(&[
            ("x-amzn-apigateway-api-id", "abc123"),
            ("content-length", "0"),
            ("accept", "text/xml"),
            ("user-agent", "curl/8"),
        ])
    );
    let f = fx("GET", "/p", &[], b"");
    let u = f.up(&i);
    assert_eq!(u.authority, "backend:8080");
    assert_eq!(header(&u, "accept"), Some("application/json"));
    assert_eq!(header(&u, "user-agent"), Some("AmazonAPIGateway_abc123"));
    assert_eq!(header(&u, "host"), None);
}

// The passthroughBehavior table: (templates, behaviour, request content type) -> body or 415
// (README: "Behaviour", MOCK and CORS).
#[test]
fn passthrough_behaviour_table() {
    let rows: &[(Option<&str>, &str, Option<&str>, Option<&str>)] = &[
        (Some("application/json"), "WHEN_NO_MATCH", Some("application/json"), Some("T")),
        (Some("application/json"), "WHEN_NO_MATCH", None, Some("T")),
        (Some("application/json"), "WHEN_NO_MATCH", Some("text/plain"), Some("raw")),
        (Some("application/json"), "WHEN_NO_TEMPLATES", Some("text/plain"), None),
        (None, "WHEN_NO_TEMPLATES", Some("text/plain"), Some("raw")),
        (Some("application/json"), "NEVER", Some("text/plain"), None),
        (Some("application/json"), "NEVER", Some("application/json; charset=utf-8"), Some("T")),
        (None, "NEVER", Some("text/plain"), None),
    ];
    for (template, behaviour, ct, want) in rows {
        let mut headers = Vec::new();
        if let Some(ct) = ct {
            headers.push(("content-type", *ct));
        }
        let f = fx("POST", "/", &headers, b"raw");
        let mut spec = json!({"type": "http", "httpMethod": "POST", "uri": "http://backend:8080/",
            "passthroughBehavior": behaviour});
        if let Some(t) = template {
            spec["requestTemplates"] = json!({ *t: "T" });
        }
        let got = f.request(&integ(spec)).0;
        match want {
            Some(body) => assert_eq!(got.unwrap().body.unwrap(), body.as_bytes(), "{template:?} {behaviour} {ct:?}"),
            None => {
                let e = got.unwrap_err();
                assert_eq!((e.kind, e.message), (ResponseType::UnsupportedMediaType, "Unsupported Media Type"));
            }
        }
    }
}

// Every request parameter source, into every target; a missing source is left out (README: "HTTP,
// HTTP_PROXY and AWS services").
#[test]
fn request_parameters_every_source() {
    let mut f = fx(
        "POST",
        "/x/42?q=a&q=b&s=1",
        &[("content-type", "application/json"), ("x-h", "h1"), ("x-h", "h2")],
        br#"{"user":{"name":"ann"},"n":5}"#,
    );
    f.path_params = pairs(&[("id", "42")]);
    let i = integ(json!({
        "type": "http", "httpMethod": "POST", "uri": "http://backend:8080/u/{pid}?fixed={pid}",
        "requestParameters": {
            "integration.request.path.pid": "method.request.path.id",
            "integration.request.querystring.single": "method.request.querystring.q",
            "integration.request.multivaluequerystring.multi": "method.request.multivaluequerystring.q",
            "integration.request.querystring.missing": "method.request.querystring.nope",
            "integration.request.header.x-single": "method.request.header.x-h",
            "integration.request.multivalueheader.x-multi": "method.request.multivalueheader.x-h",
            "integration.request.header.x-body": "method.request.body",
            "integration.request.header.x-name": "method.request.body.user.name",
            "integration.request.header.x-n": "method.request.body.$.n",
            "integration.request.header.x-ctx": "context.requestId",
            "integration.request.header.x-stage": "stageVariables.v",
            "integration.request.header.x-static": "'lit'",
            "integration.request.header.x-none": "stageVariables.nope",
            "integration.request.header.accept": "'text/xml'"
        }
    }));
    let u = f.up(&i);
    assert_eq!(u.path, "/u/42?fixed=42&single=b&multi=a&multi=b");
    assert_eq!(header(&u, "x-single"), Some("h2"));
    let multi: Vec<&str> = u.headers.iter().filter(|(k, _)| k == "x-multi").map(|(_, v)| v.as_str()).collect();
    assert_eq!(multi, vec!["h1", "h2"]);
    assert_eq!(header(&u, "x-body"), Some(r#"{"user":{"name":"ann"},"n":5}"#));
    assert_eq!(header(&u, "x-name"), Some("ann"));
    assert_eq!(header(&u, "x-n"), Some("5"));
    assert_eq!(header(&u, "x-ctx"), Some("rid-1"));
    assert_eq!(header(&u, "x-stage"), Some("sv"));
    assert_eq!(header(&u, "x-static"), Some("lit"));
    assert_eq!(header(&u, "x-none"), None);
    // A header mapping overrides the gateway's own Accept.
    assert_eq!(header(&u, "accept"), Some("text/xml"));
    assert_eq!(u.headers.iter().filter(|(k, _)| k == "accept").count(), 1);
}

// The request template renders the body; requestOverride written there applies to the request.
#[test]
fn request_template_and_overrides() {
    let f = fx("POST", "/?a=1", &[("content-type", "application/json")], br#"{"k":"v"}"#);
    let i = integ(json!({
        "type": "http", "httpMethod": "POST", "uri": "http://backend:8080/r/{p}",
        "requestTemplates": {"application/json": concat!(
            "#set($context.requestOverride.header.x-over = \"o\")#set($context.requestOverride.querystring.qo = \"a b\")",
            "#set($context.requestOverride.path.p = \"pp\"){\"got\": $input.json('$.k')}"
        )}
    }));
    let u = f.up(&i);
    assert_eq!(u.body.as_deref(), Some(br#"{"got": "v"}"#.as_slice()));
    assert_eq!(header(&u, "x-over"), Some("o"));
    assert_eq!(u.path, "/r/pp?qo=a%20b");
}

// contentHandling on the way in: CONVERT_TO_TEXT base64-encodes a binary body for the template,
// CONVERT_TO_BINARY decodes a text body; a binary body left as bytes cannot be read by a template
// unless it is UTF-8 (README: "HTTP, HTTP_PROXY and AWS services", contentHandling; the whole
// matrix is in content.rs and content_handling.rs).
#[test]
fn request_content_handling() {
    let bytes = [0u8, 1, 2, 255];
    let mut f = fx("POST", "/", &[("content-type", "image/png")], &bytes);
    f.binary = vec!["image/png".into()];
    let spec = |handling: Option<&str>| {
        let mut s = json!({"type": "http", "httpMethod": "POST", "uri": "http://backend:8080/",
            "requestTemplates": {"image/png": "b64=$input.body"}});
        if let Some(h) = handling {
            s["contentHandling"] = json!(h);
        }
        integ(s)
    };
    assert_eq!(f.up(&spec(Some("CONVERT_TO_TEXT"))).body.unwrap(), b"b64=AAEC/w==");
    assert_eq!(f.request(&spec(None)).0.unwrap_err().kind, ResponseType::ApiConfigurationError);
    assert_eq!(f.request(&spec(Some("CONVERT_TO_BINARY"))).0.unwrap_err().kind, ResponseType::ApiConfigurationError);

    let f = fx("POST", "/", &[("content-type", "text/plain")], b"AAEC/w==");
    let i = integ(json!({"type": "http", "httpMethod": "POST", "uri": "http://backend:8080/",
        "contentHandling": "CONVERT_TO_BINARY"}));
    assert_eq!(f.up(&i).body.unwrap(), bytes);
    let f = fx("POST", "/", &[("content-type", "text/plain")], b"not base64!");
    assert_eq!(f.request(&i).0.unwrap_err().kind, ResponseType::ApiConfigurationError);
}

// --- AWS services -----------------------------------------------------------------------------

fn creds() -> Option<Credentials> {
    Some(Credentials { access_key_id: "AKID".into(), secret_access_key: "secret".into(), session_token: None })
}

// SQS path form as in the real-apis example: POST to /{account}/{queue}, mapped form
// Content-Type, template body, SigV4 for sqs in the URI's region.
#[test]
fn aws_sqs_path_form() {
    let mut f = fx("POST", "/c", &[("content-type", "application/json")], br#"{"a":1}"#);
    f.creds = creds();
    let i = integ(json!({
        "type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:eu-west-1:sqs:path/123456789012/q1",
        "credentials": "arn:aws:iam::123456789012:role/ignored",
        "requestParameters": {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"},
        "passthroughBehavior": "never"
    }));
    let u = f.up(&i);
    assert_eq!((u.cluster.as_str(), u.method.as_str(), u.path.as_str()), ("sqs", "POST", "/123456789012/q1"));
    assert_eq!(u.authority, "sqs.us-east-1.amazonaws.com");
    assert_eq!(u.body.as_deref(), Some(b"Action=SendMessage&MessageBody=%7B%22a%22%3A1%7D".as_slice()));
    assert_eq!(header(&u, "content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(header(&u, "x-amz-date"), Some("20240101T000000Z"));
    let auth = header(&u, "authorization").unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sqs/aws4_request"), "{auth}");
    assert!(auth.contains("SignedHeaders=accept;content-type;host;x-amz-date,"), "{auth}");
    assert!(!names(&u).contains(&"host"));
    // The signature covers exactly what is sent.
    let mut signed = u.headers.clone();
    signed.retain(|(k, _)| k != "authorization" && k != "x-amz-date" && k != "user-agent");
    signed.push(("host".into(), u.authority.clone()));
    let again = crate::sigv4::sign("POST", "/123456789012/q1", "", &signed, u.body.as_deref().unwrap(), "sqs",
        "eu-west-1", creds().as_ref().unwrap(), NOW);
    assert_eq!(again.last().map(|(_, v)| v.as_str()), Some(auth));
    // `"signing": "envoy"` on the endpoint: the cluster signs, so the filter sends it unsigned even
    // with credentials at hand.
    if let Some((_, ep)) = f.targets.aws.iter_mut().find(|(s, _)| s == "sqs") {
        ep.envoy_signs = true;
    }
    let u = f.up(&i);
    assert_eq!((header(&u, "authorization"), header(&u, "x-amz-date")), (None, None));
    assert_eq!(u.body.as_deref(), Some(b"Action=SendMessage&MessageBody=%7B%22a%22%3A1%7D".as_slice()));
}

// Action URIs of JSON-protocol services: POST /, X-Amz-Target, application/x-amz-json-1.x.
#[test]
fn aws_json_protocol_actions() {
    let f = fx("POST", "/", &[("content-type", "application/json")], br#"{"x":1}"#);
    let rows = [
        ("dynamodb", "PutItem", "ddb", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0"),
        ("dynamodb", "Query", "ddb", "DynamoDB_20120810.Query", "application/x-amz-json-1.0"),
        ("kinesis", "PutRecord", "kinesis", "Kinesis_20131202.PutRecord", "application/x-amz-json-1.1"),
        ("states", "StartExecution", "sfn", "AWSStepFunctions.StartExecution", "application/x-amz-json-1.0"),
    ];
    for (service, action, cluster, target, ct) in rows {
        let i = integ(json!({"type": "aws", "httpMethod": "POST",
            "uri": format!("arn:aws:apigateway:us-east-1:{service}:action/{action}"),
            "requestTemplates": {"application/json": "$input.json('$')"}}));
        let u = f.up(&i);
        assert_eq!((u.cluster.as_str(), u.method.as_str(), u.path.as_str()), (cluster, "POST", "/"));
        assert_eq!(header(&u, "x-amz-target"), Some(target));
        assert_eq!(header(&u, "content-type"), Some(ct));
        assert_eq!(u.body.as_deref(), Some(br#"{"x":1}"#.as_slice()));
        assert_eq!(header(&u, "authorization"), None, "no credentials: unsigned");
    }
    // A Content-Type mapping wins (the Kinesis example maps application/x-amz-json-1.1).
    let i = integ(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
        "requestParameters": {"integration.request.header.Content-Type": "'application/x-amz-json-1.1'"}}));
    assert_eq!(header(&f.up(&i), "content-type"), Some("application/x-amz-json-1.1"));
}

// Query-protocol actions: Action in the query unless the form body has one.
#[test]
fn aws_query_protocol_actions() {
    let f = fx("POST", "/", &[("content-type", "application/json")], b"{}");
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage&QueueUrl=http://q/1",
        "requestTemplates": {"application/json": "MessageBody=hi"}}));
    let u = f.up(&i);
    assert_eq!(u.path, "/?Action=SendMessage&QueueUrl=http://q/1");
    assert_eq!(header(&u, "content-type"), Some("application/x-www-form-urlencoded; charset=utf-8"));
    let i = integ(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sns:action/Publish",
        "requestTemplates": {"application/json": "Action=Publish&Message=hi"}}));
    assert_eq!(f.up(&i).path, "/");
}

// S3 GetObject through a path override: path vars filled from mappings, S3's payload hash header.
#[test]
fn aws_s3_path_override() {
    let mut f = fx("GET", "/files/a%20b.txt", &[], b"");
    f.path_params = pairs(&[("key", "a%20b.txt")]);
    f.creds = creds();
    let i = integ(json!({"type": "aws", "httpMethod": "GET",
        "uri": "arn:aws:apigateway:us-east-1:s3:path/{bucket}/{object}",
        "requestParameters": {
            "integration.request.path.bucket": "'my-bucket'",
            "integration.request.path.object": "method.request.path.key"
        }}));
    let u = f.up(&i);
    assert_eq!((u.cluster.as_str(), u.method.as_str(), u.path.as_str()), ("s3", "GET", "/my-bucket/a%20b.txt"));
    assert_eq!(
        header(&u, "x-amz-content-sha256"),
        Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    let auth = header(&u, "authorization").unwrap();
    assert!(auth.contains("/us-east-1/s3/aws4_request"), "{auth}");
    assert!(auth.contains("x-amz-content-sha256"), "{auth}");
}

#[test]
fn aws_missing_endpoint_and_bad_uri() {
    let f = fx("POST", "/", &[], b"");
    let i = integ(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sesv2:path/x"}));
    let e = f.request(&i).0.unwrap_err();
    assert_eq!(e.kind, ResponseType::ApiConfigurationError);
    assert!(e.log.contains("targets.aws.sesv2"), "{}", e.log);
    let i = integ(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sqs:nothing"}));
    assert!(f.request(&i).0.unwrap_err().log.contains("path/ or action/"));
}

// Lambda custom: POST the rendered template to the Invoke API, signed for lambda.
#[test]
fn lambda_custom_request() {
    let mut f = fx("GET", "/u/1", &[], b"");
    f.creds = creds();
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo:${stageVariables.v}/invocations",
        "requestTemplates": {"application/json": "{\"action\": \"get\"}"}}));
    let u = f.up(&i);
    assert_eq!(u.cluster, "lambda");
    assert_eq!(u.method, "POST");
    assert_eq!(
        u.path,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho%3Asv/invocations"
    );
    assert_eq!(u.body.as_deref(), Some(br#"{"action": "get"}"#.as_slice()));
    assert_eq!(header(&u, "x-amz-invocation-type"), Some("RequestResponse"));
    assert!(header(&u, "authorization").unwrap().contains("/us-east-1/lambda/aws4_request"));
}

// Lambda custom without templates: the client body byte for byte (a GET: an empty payload), the
// Invoke call tagged with the request id and the API id; a mapped 'Event' makes it asynchronous
// (README: "Lambda proxy (AWS_PROXY)").
#[test]
fn lambda_custom_passthrough_and_tags() {
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations";
    let body = br#"{ "a" :1,"b": [ true ] }"#;
    let f = fx("POST", "/u", &[("content-type", "application/json")], body);
    let u = f.up(&integ(json!({"type": "aws", "httpMethod": "POST", "uri": uri})));
    assert_eq!(u.body.as_deref(), Some(body.as_slice()));
    assert_eq!(header(&u, "x-amzn-lambda-integration-tag"), Some("rid-1"));
    assert_eq!(header(&u, "x-amzn-apigateway-api-id"), Some("abc123"));
    assert_eq!(header(&u, "accept"), Some("application/json"));
    assert_eq!(header(&u, "user-agent"), Some("AmazonAPIGateway_abc123"));
    assert_eq!(header(&u, "x-amz-invocation-type"), Some("RequestResponse"));
    let f = fx("GET", "/u", &[], b"");
    let i = integ(json!({"type": "aws", "httpMethod": "POST", "uri": uri,
        "requestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"}}));
    let u = f.up(&i);
    assert_eq!(u.body.as_deref(), Some(b"".as_slice()));
    assert_eq!(header(&u, "x-amz-invocation-type"), Some("Event"));
    assert_eq!(u.headers.iter().filter(|(k, _)| k == "x-amz-invocation-type").count(), 1);
}

// --- responses --------------------------------------------------------------------------------

fn respond_status(spec: serde_json::Value, status: u16) -> Result<Response, Failure> {
    let f = fx("GET", "/", &[], b"");
    let i = integ(spec);
    let mut env = f.env();
    f.respond(&i, &mut env, status, &[("content-type", "text/plain")], b"backend")
}

// HTTP with only a default response: backend 400 -> 200; `4\d{2}` -> 400 makes 404 -> 400; no match
// and no default -> 500 (README: "HTTP, HTTP_PROXY and AWS services").
#[test]
fn http_selection_table() {
    let only_default = json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"default": {"statusCode": "200"}}});
    assert_eq!(respond_status(only_default.clone(), 400).unwrap().status, 200);
    assert_eq!(respond_status(only_default, 200).unwrap().status, 200);
    let patterned = json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "400"}}});
    assert_eq!(respond_status(patterned.clone(), 404).unwrap().status, 400);
    assert_eq!(respond_status(patterned, 500).unwrap().status, 200);
    let no_default = json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"2\\d{2}": {"statusCode": "200"}}});
    let e = respond_status(no_default, 500).unwrap_err();
    assert_eq!((e.kind, e.message), (ResponseType::ApiConfigurationError, "Internal server error"));
}

// Lambda custom selects on errorMessage: `.*four hundred.*` -> 405, `.+` -> 502, default -> 200
// (README: "HTTP, HTTP_PROXY and AWS services").
#[test]
fn lambda_custom_selection_table() {
    let f = fx("GET", "/", &[], b"");
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations",
        "responses": {"default": {"statusCode": "200"}, ".*four hundred.*": {"statusCode": "405"}, ".+": {"statusCode": "502"}}}));
    let err = |m: &str| format!(r#"{{"errorMessage":"{m}","errorType":"Error"}}"#);
    let rows: Vec<(Vec<(&str, &str)>, String, u16)> = vec![
        (vec![("x-amz-function-error", "Unhandled")], err("Error: four hundred and five"), 405),
        (vec![("x-amz-function-error", "Unhandled")], err("boom"), 502),
        (vec![], err("four hundred"), 405),
        (vec![], r#"{"ok":true}"#.into(), 200),
        (vec![], r#""just a string""#.into(), 200),
        (vec![("x-amz-function-error", "Unhandled")], "not json".into(), 502),
    ];
    for (headers, body, want) in rows {
        let mut env = f.env();
        let got = f.respond(&i, &mut env, 200, &headers, body.as_bytes()).unwrap();
        assert_eq!(got.status, want, "{body}");
        assert_eq!(got.body, body.as_bytes(), "no template: the payload passes");
    }
    // The Invoke API refusing (404 unknown function) -> 500.
    let mut env = f.env();
    let e = f.respond(&i, &mut env, 404, &[("x-amzn-requestid", "1")], b"{}").unwrap_err();
    assert_eq!(e.kind, ResponseType::ApiConfigurationError);
    // Asynchronous call: the Invoke API's 202 without payload -> the default response, empty
    // (README: "Lambda proxy (AWS_PROXY)").
    let mut env = f.env();
    let got = f.respond(&i, &mut env, 202, &[("x-amzn-requestid", "1")], b"").unwrap();
    assert_eq!((got.status, got.body.as_slice()), (200, b"".as_slice()));
    assert_eq!(got.headers, vec![("content-type".to_string(), "application/json".to_string())]);
}

// `$context.responseOverride` set by an integration RESPONSE template sets the final status and
// headers, for a selected error as for a success; a non-numeric status is ignored (README: "Lambda
// proxy (AWS_PROXY)").
#[test]
fn response_template_overrides_status() {
    let f = fx("GET", "/", &[], b"");
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations",
        "responses": {
            "default": {"statusCode": "200", "responseTemplates": {"application/json":
                "#set($context.responseOverride.status = $input.path('$.code'))#set($context.responseOverride.header.X-Over = 'o')$input.path('$.code')"}},
            ".+": {"statusCode": "502", "responseTemplates": {"application/json":
                "#set($context.responseOverride.status = 418)$input.path('$.errorMessage')"}}}}));
    let mut env = f.env();
    let got = f.respond(&i, &mut env, 200, &[], br#"{"code": 201}"#).unwrap();
    assert_eq!((got.status, got.body.as_slice()), (201, b"201".as_slice()));
    assert_eq!(got.header("X-Over"), Some("o"));
    let mut env = f.env();
    let got = f.respond(&i, &mut env, 200, &[], br#"{"code": "soon"}"#).unwrap();
    assert_eq!(got.status, 200);
    let mut env = f.env();
    let got = f.respond(&i, &mut env, 200, &[("x-amz-function-error", "Unhandled")],
        br#"{"errorMessage":"boom","errorType":"Error"}"#).unwrap();
    assert_eq!((got.status, got.body.as_slice()), (418, b"boom".as_slice()));
}

// Responses: backend headers only when mapped; Content-Type default; x-amzn-Remapped-*;
// Transfer-Encoding dropped; every response source; template by Accept with the backend body as
// $input; responseOverride last (README: "HTTP, HTTP_PROXY and AWS services").
#[test]
fn response_mapping() {
    let f = fx("GET", "/", &[("accept", "application/xml, application/json")], b"");
    let i = integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"default": {"statusCode": "201",
            "responseParameters": {
                "method.response.header.X-From-Header": "integration.response.header.X-Backend",
                "method.response.header.X-Cookies": "integration.response.multivalueheader.Set-Cookie",
                "method.response.header.X-Body": "integration.response.body",
                "method.response.header.X-Id": "integration.response.body.item.id",
                "method.response.header.X-Ctx": "context.requestId",
                "method.response.header.X-Stage": "stageVariables.v",
                "method.response.header.X-Static": "'s'",
                "method.response.header.X-Missing": "integration.response.header.Nope",
                "method.response.header.Date": "integration.response.header.Date",
                "method.response.header.Server": "'srv'",
                "method.response.header.Transfer-Encoding": "'chunked'"
            },
            "responseTemplates": {
                "application/json": "{\"json\": $input.json('$.item')}",
                "application/xml": "<id>$input.path('$.item.id')</id>#set($context.responseOverride.header.X-Over = 'o')"
            }}}}));
    let mut env = f.env();
    let backend_headers = [
        ("content-type", "application/json"),
        ("x-backend", "echo"),
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("date", "Mon, 01 Jan 2024 00:00:00 GMT"),
        ("x-unmapped", "1"),
    ];
    let body = br#"{"item":{"id":"i-1"}}"#;
    let r = f.respond(&i, &mut env, 200, &backend_headers, body).unwrap();
    assert_eq!(r.status, 201);
    assert_eq!(r.body, b"<id>i-1</id>");
    assert_eq!(
        r.headers,
        pairs(&[
            ("content-type", "application/xml"),
            ("X-From-Header", "echo"),
            ("X-Cookies", "a=1,b=2"),
            ("X-Body", r#"{"item":{"id":"i-1"}}"#),
            ("X-Id", "i-1"),
            ("X-Ctx", "rid-1"),
            ("X-Stage", "sv"),
            ("X-Static", "s"),
            ("x-amzn-Remapped-Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ("x-amzn-Remapped-Server", "srv"),
            ("X-Over", "o"),
        ])
    );
    // Without Accept: application/json's template; no template at all: body passes, JSON type.
    let f = fx("GET", "/", &[], b"");
    let mut env = f.env();
    let r = f.respond(&i, &mut env, 200, &backend_headers, body).unwrap();
    assert_eq!(r.body, br#"{"json": {"id":"i-1"}}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let plain = integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"default": {"statusCode": "200"}}}));
    let mut env = f.env();
    let r = f.respond(&plain, &mut env, 200, &[("content-type", "text/html"), ("x-a", "1")], b"<p>").unwrap();
    assert_eq!(r.headers, pairs(&[("content-type", "application/json")]));
    assert_eq!(r.body, b"<p>");
}

// The same Env carries requestOverride and responseOverride from the request template.
#[test]
fn overrides_carry_over_to_the_response() {
    let f = fx("POST", "/", &[("content-type", "application/json")], b"{}");
    let i = integ(json!({"type": "http", "httpMethod": "POST", "uri": "http://backend:8080/",
        "requestTemplates": {"application/json":
            "#set($context.responseOverride.status = 444)#set($context.responseOverride.header.X-R = 'r')#set($context.requestOverride.header.X-Q = 'q'){}"},
        "responses": {"default": {"statusCode": "200",
            "responseTemplates": {"application/json": "$context.requestOverride.header.X-Q"}}}}));
    let (up, mut env) = f.request(&i);
    assert!(up.is_ok());
    let r = f.respond(&i, &mut env, 200, &[], b"{}").unwrap();
    assert_eq!(r.status, 444);
    assert_eq!(r.header("X-R"), Some("r"));
    assert_eq!(r.body, b"q");
}

#[test]
fn response_content_handling() {
    let bytes = [0u8, 1, 2, 255];
    let mut f = fx("GET", "/", &[], b"");
    f.binary = vec!["image/png".into()];
    let spec = |handling: &str, template: bool| {
        let mut r = json!({"statusCode": "200", "contentHandling": handling});
        if template {
            r["responseTemplates"] = json!({"application/json": "{\"data\": \"$input.body\"}"});
        }
        integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/", "responses": {"default": r}}))
    };
    let mut env = f.env();
    let r = f.respond(&spec("CONVERT_TO_TEXT", true), &mut env, 200, &[("content-type", "image/png")], &bytes).unwrap();
    assert_eq!(r.body, br#"{"data": "AAEC/w=="}"#);
    let mut env = f.env();
    let r = f.respond(&spec("CONVERT_TO_TEXT", false), &mut env, 200, &[("content-type", "image/png")], &bytes).unwrap();
    assert_eq!(r.body, b"AAEC/w==");
    let mut env = f.env();
    let r = f.respond(&spec("CONVERT_TO_BINARY", false), &mut env, 200, &[("content-type", "text/plain")], b"AAEC/w==").unwrap();
    assert_eq!(r.body, bytes);
}

// Envoy-made failures: timeout -> 504 "Endpoint request timed out", unreachable -> 502.
#[test]
fn upstream_failures() {
    let envoy = pairs(&[(":status", "504"), ("content-length", "24"), ("content-type", "text/plain")]);
    let (f, status) = upstream_failure(504, &envoy, b"upstream request timeout").unwrap();
    assert_eq!((f.kind, f.message, status), (ResponseType::IntegrationTimeout, "Endpoint request timed out", 504));
    let (f, status) = upstream_failure(0, &[], b"").unwrap();
    assert_eq!((f.kind, status), (ResponseType::IntegrationFailure, 502));
    // A broken answer (protocol error) is Envoy's 502: an integration failure, never selected.
    let envoy_502 = pairs(&[(":status", "502"), ("content-length", "87"), ("content-type", "text/plain")]);
    let (f, status) = upstream_failure(502, &envoy_502, b"upstream connect error or disconnect/reset before headers. reset reason: protocol error").unwrap();
    assert_eq!((f.kind, f.message, status), (ResponseType::IntegrationFailure, "Internal server error", 502));
    // The backend's own 504 and 502, Envoy's texts included, are answers (the router's marker).
    let real = pairs(&[("content-type", "text/plain"), ("x-envoy-upstream-service-time", "1")]);
    assert!(upstream_failure(504, &real, b"upstream request timeout").is_none());
    assert!(upstream_failure(502, &real, b"upstream connect error or disconnect/reset before headers. reset reason: protocol error").is_none());
    assert_eq!(respond_status(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"default": {"statusCode": "200"}}}), 0).unwrap_err().kind, ResponseType::IntegrationFailure);
}

// HTTP_PROXY responses (README: "HTTP, HTTP_PROXY and AWS services"): Connection, Content-Length,
// Date, Server and x-amzn-RequestId remapped (Content-Length also kept), Transfer-Encoding dropped,
// everything else (WWW-Authenticate included) as it is.
#[test]
fn proxy_response_header_table() {
    let got = proxy_response_headers(&pairs(&[
        (":status", "404"),
        ("content-type", "application/json"),
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("connection", "keep-alive"),
        ("date", "D"),
        ("server", "S"),
        ("content-length", "10"),
        ("x-amzn-requestid", "backend-id"),
        ("transfer-encoding", "chunked"),
        ("www-authenticate", "Basic"),
        ("x-backend", "echo"),
    ]));
    assert_eq!(
        got,
        pairs(&[
            ("content-type", "application/json"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
            ("x-amzn-Remapped-Connection", "keep-alive"),
            ("x-amzn-Remapped-Date", "D"),
            ("x-amzn-Remapped-Server", "S"),
            ("content-length", "10"),
            ("x-amzn-Remapped-Content-Length", "10"),
            ("x-amzn-Remapped-x-amzn-RequestId", "backend-id"),
            ("www-authenticate", "Basic"),
            ("x-backend", "echo"),
        ])
    );
    assert_eq!(proxy_response_headers(&[]), pairs(&[("content-type", "application/json")]));
}

#[test]
fn load_time_checks() {
    let ok = [
        json!({"type": "http", "httpMethod": "GET", "uri": "http://${stageVariables.host}/x"}),
        json!({"type": "http_proxy", "httpMethod": "ANY", "uri": "https://h/{proxy}"}),
        json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/Query"}),
        json!({"type": "mock"}),
    ];
    for spec in ok {
        assert_eq!(check(&integ(spec.clone())), Ok(()), "{spec}");
    }
    let bad = [
        (json!({"type": "http", "httpMethod": "GET", "uri": "ftp://h/x"}), "http(s)"),
        (json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sqs:x/y"}), "path/ or action/"),
        (json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations"}), "function"),
        (json!({"type": "http", "httpMethod": "GET", "uri": "http://h/",
            "requestParameters": {"integration.request.header.x": "method.request.body.$[?("}}), "JSONPath"),
        (json!({"type": "http", "httpMethod": "GET", "uri": "http://h/",
            "responses": {"default": {"statusCode": "200",
                "responseParameters": {"method.response.header.x": "integration.response.body.$..["}}}}), "JSONPath"),
    ];
    for (spec, word) in bad {
        let e = check(&integ(spec.clone())).unwrap_err();
        assert!(e.contains(word), "{spec}: {e}");
    }
    let f = fx("GET", "/", &[], b"");
    let t = &f.targets;
    let sv = &f.stage;
    // A host from a stage variable the stage lacks is not checked at load (request-time 500)
    // (README: "HTTP, HTTP_PROXY and AWS services").
    let missing = |uri: &str| missing_host_stage_variables(&integ(json!({"type": "http", "httpMethod": "GET", "uri": uri})), sv);
    assert_eq!(missing("http://${stageVariables.host}/x"), Vec::<String>::new());
    assert_eq!(missing("http://${stageVariables.nohost}/x/${stageVariables.other}"), vec!["nohost"]);
    assert_eq!(missing("https://${stageVariables.a}.${stageVariables.b}.${stageVariables.a}:8080?q"), vec!["a", "b"]);
    assert_eq!(missing("http://backend:8080/${stageVariables.nope}"), Vec::<String>::new());
    assert_eq!(missing("http://${stageVariables.unterminated"), Vec::<String>::new());
    let aws = integ(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:${stageVariables.x}:path/q"}));
    assert_eq!(missing_host_stage_variables(&aws, sv), Vec::<String>::new());
    let c = |spec: serde_json::Value| check_targets(&integ(spec), sv, t);
    assert_eq!(c(json!({"type": "http", "httpMethod": "GET", "uri": "http://${stageVariables.host}/x"})), Ok(()));
    assert!(c(json!({"type": "http", "httpMethod": "GET", "uri": "http://other/x"})).unwrap_err().contains("http://other:80"));
    assert!(c(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sesv2:path/x"}))
        .unwrap_err()
        .contains("targets.aws.sesv2"));
    assert_eq!(c(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations"})), Ok(()));
}

#[test]
fn body_needed() {
    assert!(plan::reads_body(&integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://h/"}))));
    assert!(plan::reads_body(&integ(json!({"type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:r:sqs:path/x"}))));
    assert!(!plan::reads_body(&integ(json!({"type": "http_proxy", "httpMethod": "GET", "uri": "http://h/"}))));
    assert!(plan::reads_body(&integ(json!({"type": "http_proxy", "httpMethod": "GET", "uri": "http://h/",
        "requestParameters": {"integration.request.header.x": "method.request.body.a"}}))));
}

mod aws_protocols;
mod content_handling;
