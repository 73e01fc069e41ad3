//! Lambda authorizers in the request flow without Envoy: `Gateway::start`, `admit`, the
//! authorizer's answer and the integration, as the adapter drives them, with AWS's answers
//! (README: "Authorizers"). The end-to-end tests (tests/e2e/test_authorizers.py) run the same
//! with real functions behind the local Lambda Invoke API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use apigw_envoy::admission::{Admission, Pending};
use apigw_envoy::gateway::{Gateway, Outcome, Routed, Start};
use apigw_envoy::http::{Request, Response};
use apigw_envoy::integration::aws_proxy::Callout;
use serde_json::{json, Value};

const FN: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod";

fn mock(template: &str) -> Value {
    json!({"security": [{"tok": []}], "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}})
}

fn gateway(ttl: u32, with_lambda: bool) -> Gateway {
    let template = "$context.authorizer.principalId/$context.authorizer.tier";
    let mut config = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "auth", "version": "1"},
                "components": {"securitySchemes": {"tok": {
                    "type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN,
                        "authorizerResultTtlInSeconds": ttl, "identityValidationExpression": "Bearer .+"}}}},
                "paths": {"/a": {"get": mock(template)}, "/b": {"get": mock(template)}}},
        "stage": "prod", "apiId": "abc123", "accountId": "123456789012", "region": "us-east-1",
    });
    if with_lambda {
        config["targets"] = json!({"lambda": {"cluster": "lambda", "authority": "lambda.local"}});
    }
    Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
}

fn request(path: &str, token: Option<&str>) -> Request {
    let mut headers = vec![(":method".to_string(), "GET".to_string()), (":path".to_string(), path.to_string()),
                           (":authority".to_string(), "gw.example.com".to_string())];
    if let Some(t) = token {
        headers.push(("authorization".to_string(), t.to_string()));
    }
    Request {
        method: "GET".into(),
        path: path.into(),
        headers,
        body: Vec::new(),
        source_ip: "127.0.0.1".into(),
        request_id: "rid".into(),
        extended_request_id: "rid".into(),
        now_ms: 1_700_000_000_000,
    }
}

fn routed(g: &Gateway, req: &Request) -> Routed {
    match g.start(0, req) {
        Start::Routed(r) => r,
        Start::Respond(reply) => panic!("answered at start: {:?}", reply.response),
    }
}

fn refused(a: Admission) -> Response {
    match a {
        Admission::Refuse(reply) => reply.response,
        other => panic!("not refused: {other:?}"),
    }
}

fn call(a: Admission) -> (Callout, Pending) {
    match a {
        Admission::Call(c, p) => (c, p),
        other => panic!("no call: {other:?}"),
    }
}

/// The headers of a function's answer as Envoy hands it over (a real upstream answer carries
/// Envoy's service-time header; an answer Envoy made itself does not).
fn upstream(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut h = vec![("x-envoy-upstream-service-time".to_string(), "3".to_string())];
    h.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    h
}

fn body(r: &Response) -> &str {
    std::str::from_utf8(&r.body).unwrap()
}

fn policy(effect: &str, resource: &str) -> Vec<u8> {
    json!({"principalId": "user-1", "context": {"tier": 2, "ok": true},
           "policyDocument": {"Version": "2012-10-17", "Statement": [
               {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}})
    .to_string()
    .into_bytes()
}

/// Runs the MOCK integration of an admitted request.
fn integration(g: &Gateway, routed: Routed, req: &Request) -> Response {
    match g.finish(&routed, req) {
        Outcome::Reply(reply) => reply.response,
        _ => panic!("the MOCK did not reply"),
    }
}

// Missing token, or one the validation expression refuses: 401 without calling the function.
#[test]
fn no_call_without_a_valid_token() {
    let g = gateway(300, true);
    for token in [None, Some(""), Some("Basic abc")] {
        let req = request("/a", token);
        let r = refused(g.admit(&routed(&g, &req), &req));
        assert_eq!((r.status, body(&r)), (401, r#"{"message":"Unauthorized"}"#), "{token:?}");
        assert_eq!(r.header("x-amzn-ErrorType"), Some("UnauthorizedException"));
    }
}

// The TOKEN event in AWS's key order, sent to the function's Invoke path with AWS's headers.
#[test]
fn token_event_and_invoke_call() {
    let g = gateway(300, true);
    let req = request("/a", Some("Bearer t1"));
    let (c, _) = call(g.admit(&routed(&g, &req), &req));
    assert_eq!(std::str::from_utf8(&c.body).unwrap(),
               format!(r#"{{"type":"TOKEN","authorizationToken":"Bearer t1","methodArn":"{ARN}/GET/a"}}"#));
    let h = |k: &str| c.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
    assert_eq!(c.cluster, "lambda");
    assert_eq!(h(":path"), Some("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aauth/invocations"));
    assert_eq!(h("user-agent"), Some("AmazonAPIGateway_abc123"));
    assert!(h("x-amz-source-arn").unwrap().starts_with("arn:aws:execute-api:us-east-1:123456789012:abc123/authorizers/"));
}

// Allow: the integration sees the principal and the context as strings.
#[test]
fn allow_passes_principal_and_context() {
    let g = gateway(300, true);
    let req = request("/a", Some("Bearer t1"));
    let r = routed(&g, &req);
    let (_, pending) = call(g.admit(&r, &req));
    let facts = g.on_authorizer_answer(&r, &req, pending, 200, &upstream(&[]), &policy("Allow", &format!("{ARN}/GET/a")),
                                       req.now_ms + 7).unwrap();
    assert_eq!((facts.principal_id.as_str(), facts.integration_latency), ("user-1", 7));
    assert_eq!(facts.context, vec![("tier".to_string(), "2".to_string()), ("ok".to_string(), "true".to_string())]);
    let out = integration(&g, Routed { authorizer: Some(facts), ..r }, &req);
    assert_eq!((out.status, body(&out)), (200, "user-1/2"));
}

// The cache holds the policy: a second request with the same token is decided without a call,
// and the policy that allows only GET /a denies GET /b.
#[test]
fn cached_policy_is_evaluated_per_method() {
    let g = gateway(300, true);
    let req = request("/a", Some("Bearer t1"));
    let r = routed(&g, &req);
    let (_, pending) = call(g.admit(&r, &req));
    g.on_authorizer_answer(&r, &req, pending, 200, &upstream(&[]), &policy("Allow", &format!("{ARN}/GET/a")), req.now_ms).unwrap();
    assert!(matches!(g.admit(&r, &req), Admission::Admit(Some(_))));
    let other = request("/b", Some("Bearer t1"));
    let resp = refused(g.admit(&routed(&g, &other), &other));
    assert_eq!((resp.status, body(&resp)), (403, r#"{"Message":"User is not authorized to access this resource"}"#));
    assert_eq!(resp.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
    // Another token is not in the cache.
    let fresh = request("/a", Some("Bearer t2"));
    assert!(matches!(g.admit(&routed(&g, &fresh), &fresh), Admission::Call(..)));
}

// TTL 0: every request calls the function.
#[test]
fn ttl_zero_calls_every_time() {
    let g = gateway(0, true);
    let req = request("/a", Some("Bearer t1"));
    let r = routed(&g, &req);
    let (_, pending) = call(g.admit(&r, &req));
    g.on_authorizer_answer(&r, &req, pending, 200, &upstream(&[]), &policy("Allow", "*"), req.now_ms).unwrap();
    assert!(matches!(g.admit(&r, &req), Admission::Call(..)));
}

// AWS's answers: Unauthorized, a broken answer, an unreachable function (none cached), and an
// explicit Deny (its policy cached).
#[test]
fn refusals() {
    let g = gateway(300, true);
    let req = request("/a", Some("Bearer t1"));
    let r = routed(&g, &req);
    let answer = |status: u16, headers: &[(&str, &str)], payload: &[u8]| {
        let (_, pending) = call(g.admit(&r, &req));
        g.on_authorizer_answer(&r, &req, pending, status, &upstream(headers), payload, req.now_ms).unwrap_err().response
    };
    let unauthorized = answer(200, &[("x-amz-function-error", "Unhandled")],
                              br#"{"errorMessage":"Unauthorized","errorType":"Exception"}"#);
    assert_eq!((unauthorized.status, body(&unauthorized)), (401, r#"{"message":"Unauthorized"}"#));
    for payload in [&b"null"[..], br#"{"principalId":"u"}"#, br#"{"errorMessage":"boom"}"#] {
        let broken = answer(200, &[], payload);
        assert_eq!((broken.status, body(&broken)), (500, r#"{"message": null}"#), "{payload:?}");
        assert_eq!(broken.header("x-amzn-ErrorType"), Some("AuthorizerConfigurationException"));
    }
    let (_, pending) = call(g.admit(&r, &req));
    let unreachable = g.on_authorizer_answer(&r, &req, pending, 503, &[], b"no healthy upstream", req.now_ms);
    let unreachable = unreachable.unwrap_err().response;
    assert_eq!((unreachable.status, body(&unreachable)), (500, r#"{"message": null}"#));
    // None of those was cached (each `answer` above made a call); a Deny policy is, like any policy.
    let deny = answer(200, &[], &policy("Deny", "*"));
    assert_eq!((deny.status, body(&deny)),
               (403, r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#));
    let again = refused(g.admit(&r, &req));
    assert_eq!(again.body, deny.body);
}

// Without a Lambda endpoint the authorizer cannot run: the operation stays closed (401).
#[test]
fn fails_closed_without_a_lambda_endpoint() {
    let g = gateway(300, false);
    let req = request("/a", Some("Bearer t1"));
    match g.start(0, &req) {
        Start::Respond(reply) => assert_eq!((reply.response.status, body(&reply.response)),
                                            (401, r#"{"message":"Unauthorized"}"#)),
        Start::Routed(_) => panic!("served open"),
    }
    assert!(g.config.warnings.iter().any(|w| w.contains("the authorizer cannot be called")), "{:?}", g.config.warnings);
}

// --- resource policies (x-amazon-apigateway-policy) ---------------------------------------------

fn with_policy(policy: Value, secured: bool) -> Result<Gateway, String> {
    let op = |p: &str| {
        let mut m = mock(&format!("ok {p}"));
        if !secured {
            m.as_object_mut().unwrap().remove("security");
        }
        m
    };
    let config = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "rp", "version": "1"},
                "x-amazon-apigateway-policy": policy,
                "components": {"securitySchemes": {"tok": {
                    "type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN}}}},
                "paths": {"/a": {"get": op("a")}, "/b": {"get": op("b")}}},
        "stage": "prod", "apiId": "abc123", "accountId": "123456789012", "region": "us-east-1",
        "targets": {"lambda": {"cluster": "lambda", "authority": "lambda.local"}},
    });
    Gateway::from_bytes(config.to_string().as_bytes()).map_err(|e| e.to_string())
}

fn statement(effect: &str, resource: &str, condition: Option<Value>) -> Value {
    let mut s = json!({"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke", "Resource": resource});
    if let Some(c) = condition {
        s["Condition"] = c;
    }
    s
}

fn policy_of(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

// Without an authorizer the resource policy must allow: `execute-api:/` resources are the API's,
// an explicit Deny says so, and a caller address outside an IpAddress condition is not allowed.
#[test]
fn resource_policy_alone() {
    let allow_a = policy_of(vec![statement("Allow", "execute-api:/*/GET/a", None)]);
    let g = with_policy(allow_a, false).unwrap();
    let a = request("/a", None);
    assert!(matches!(g.admit(&routed(&g, &a), &a), Admission::Admit(None)));
    let b = request("/b", None);
    let r = refused(g.admit(&routed(&g, &b), &b));
    assert_eq!((r.status, body(&r)), (403, format!(
        r#"{{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}/GET/b"}}"#).as_str()));
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));

    let deny_outside = policy_of(vec![
        statement("Allow", "execute-api:/*", None),
        statement("Deny", "execute-api:/*", Some(json!({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}))),
    ]);
    let g = with_policy(deny_outside, false).unwrap();
    let r = refused(g.admit(&routed(&g, &a), &a));
    assert_eq!(body(&r), format!(
        r#"{{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}/GET/a with an explicit deny"}}"#));
    let inside = Request { source_ip: "10.1.2.3".into(), ..request("/a", None) };
    assert!(matches!(g.admit(&routed(&g, &inside), &inside), Admission::Admit(None)));
}

// A condition only AWS can evaluate fails closed: an Allow that needs it does not allow.
#[test]
fn resource_policy_unknown_condition_fails_closed() {
    let vpc = policy_of(vec![statement("Allow", "execute-api:/*", Some(json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}})))]);
    let g = with_policy(vpc, false).unwrap();
    let a = request("/a", None);
    assert_eq!(refused(g.admit(&routed(&g, &a), &a)).status, 403);
}

// With a Lambda authorizer, only an explicit Deny refuses before the authorizer runs.
#[test]
fn resource_policy_and_authorizer() {
    let allow_a = policy_of(vec![statement("Allow", "execute-api:/*/GET/a", None)]);
    let g = with_policy(allow_a, true).unwrap();
    let b = request("/b", Some("tok"));
    assert!(matches!(g.admit(&routed(&g, &b), &b), Admission::Call(..)));
    let deny_b = policy_of(vec![statement("Deny", "execute-api:/*/GET/b", None)]);
    let g = with_policy(deny_b, true).unwrap();
    assert_eq!(refused(g.admit(&routed(&g, &b), &b)).status, 403);
}

// A policy that does not parse refuses the configuration, naming the field.
#[test]
fn resource_policy_refused_at_load() {
    let Err(err) = with_policy(json!({"Statement": [{"Effect": "Maybe", "Resource": "*", "Action": "*"}]}), false) else {
        panic!("a bad policy was accepted");
    };
    assert!(err.contains("x-amazon-apigateway-policy"), "{err}");
}
