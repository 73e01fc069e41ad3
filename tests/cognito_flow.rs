//! Cognito user pool authorizers in the request flow without Envoy: `Gateway::start`, the payload
//! the adapter reads (built here as Envoy 1.40 serializes `jwt_authn`'s metadata), `admit` and the
//! integration, with AWS's answers (README: "Cognito user pool authorizers"). The end-to-end
//! tests (tests/e2e/test_cognito.py) run the same with Envoy's `jwt_authn` and moto's Cognito.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use apigw_envoy::admission::Admission;
use apigw_envoy::authorizer::cognito::VerifiedPayload;
use apigw_envoy::authorizer::metadata::serialize;
use apigw_envoy::gateway::{Gateway, Outcome, Routed, Start};
use apigw_envoy::http::{Request, Response};
use base64::Engine as _;
use serde_json::{json, Value};

const POOL_ARN: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc";
const NOW_MS: u64 = 1_784_510_100_000;

fn mock(template: &str, security: Value) -> Value {
    json!({"security": security, "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}})
}

fn gateway(extra: Value) -> Gateway {
    let template = "$context.authorizer.claims.sub|$context.authorizer.claims['custom:role']|$context.authorizer.principalId|$context.authorizer.claims.exp";
    let mut config = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "pool", "version": "1"},
                "components": {"securitySchemes": {"pool": {
                    "type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL_ARN]}}}},
                "paths": {"/me": {"get": mock(template, json!([{"pool": []}]))},
                          "/pets": {"get": mock(template, json!([{"pool": ["pets/read"]}]))}}},
        "stage": "prod", "apiId": "abc123", "accountId": "123456789012", "region": "us-east-1",
        "cognitoUserPools": ["us-east-1_abc"],
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            config.as_object_mut().unwrap().remove(k);
        } else if k == "api" {
            for (ak, av) in v.as_object().unwrap() {
                config["api"][ak] = av.clone();
            }
        } else {
            config[k] = v.clone();
        }
    }
    Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
}

fn id_payload() -> Value {
    json!({"sub": "u-1", "cognito:groups": ["admin"], "email_verified": true, "iss": ISS, "cognito:username": "alice",
           "custom:role": "admin", "aud": "client1", "token_use": "id", "auth_time": 1784510079,
           "exp": 1784513679, "iat": 1784510079})
}

fn token(payload: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", b64.encode(payload.to_string()))
}

fn request(path: &str, token: Option<&str>) -> Request {
    let mut headers = vec![(":method".to_string(), "GET".to_string()), (":path".to_string(), path.to_string()),
                           (":authority".to_string(), "gw.example.com".to_string())];
    if let Some(t) = token {
        headers.push(("authorization".to_string(), t.to_string()));
    }
    Request { method: "GET".into(), path: path.into(), headers, body: Vec::new(), source_ip: "127.0.0.1".into(),
              request_id: "rid".into(), extended_request_id: "ext".into(), now_ms: NOW_MS }
}

/// Routes the request and attaches what Envoy verified, as the adapter does.
fn routed(g: &Gateway, req: &Request, verified: Option<&Value>) -> Routed {
    let mut r = match g.start(0, req) {
        Start::Routed(r) => r,
        Start::Respond(reply) => panic!("answered at start: {:?}", reply.response),
    };
    assert_eq!(g.verified_token_keys(&r), [ISS.to_string()]);
    r.verified = verified.map(|p| Box::new(VerifiedPayload { issuer: ISS.into(), bytes: serialize(p).unwrap() }));
    r
}

/// Admission, then the MOCK integration of an admitted request.
fn answer(g: &Gateway, req: &Request, verified: Option<&Value>) -> Response {
    let r = routed(g, req, verified);
    match g.admit(&r, req) {
        Admission::Admit(facts) => match g.admit_api_key(Routed { authorizer: facts, ..r }, req) {
            Ok(r) => match g.finish(&r, req) {
                Outcome::Reply(reply) => reply.response,
                _ => panic!("the MOCK did not reply"),
            },
            Err(reply) => reply.response,
        },
        Admission::Refuse(reply) => reply.response,
        other => panic!("{other:?}"),
    }
}

fn body(r: &Response) -> &str {
    std::str::from_utf8(&r.body).unwrap()
}

// A valid ID token: the template reads the claims; no principalId; exp in Java's date form.
#[test]
fn id_token_reaches_the_template() {
    let g = gateway(json!({}));
    let p = id_payload();
    let out = answer(&g, &request("/me", Some(&token(&p))), Some(&p));
    assert_eq!((out.status, body(&out)), (200, "u-1|admin||Mon Jul 20 02:14:39 UTC 2026"));
}

// The proxy event's requestContext.authorizer is {"claims": {...}} only, every value a string.
#[test]
fn proxy_event_carries_the_claims_only() {
    let g = gateway(json!({}));
    let p = id_payload();
    let req = request("/me", Some(&token(&p)));
    let r = routed(&g, &req, Some(&p));
    let Admission::Admit(facts) = g.admit(&r, &req) else { panic!("refused") };
    let r = Routed { authorizer: facts, ..r };
    let ctx = g.request_context(&g.config.deployments[0], &req, Some(&r));
    let input = apigw_envoy::event::ProxyInput {
        request: &req, context: &ctx, resource: "/me", path: "/me", path_params: &[], stage_variables: &[],
        binary_media_types: &[],
    };
    let event: Value = serde_json::from_str(&apigw_envoy::event::v1::build(&input)).unwrap();
    assert_eq!(event["requestContext"]["authorizer"], json!({"claims": {
        "sub": "u-1", "cognito:groups": "admin", "email_verified": "true", "iss": ISS, "cognito:username": "alice",
        "custom:role": "admin", "aud": "client1", "token_use": "id", "auth_time": "1784510079",
        "exp": "Mon Jul 20 02:14:39 UTC 2026", "iat": "Mon Jul 20 01:14:39 UTC 2026"}}));
    let text = apigw_envoy::event::v1::build(&input);
    assert!(text.contains(r#""authorizer":{"claims":{"sub":"u-1","cognito:groups":"admin","#), "{text}");
    assert!(event["requestContext"]["identity"]["cognitoIdentityId"].is_null());
    assert!(event["requestContext"]["identity"]["user"].is_null());
}

// Missing token, nothing verified, expired: AWS's 401s with UnauthorizedException.
#[test]
fn refusals() {
    let g = gateway(json!({}));
    let p = id_payload();
    for (req, verified, want) in [
        (request("/me", None), None, r#"{"message":"Unauthorized"}"#),
        (request("/me", Some(&token(&p))), None, r#"{"message":"Unauthorized"}"#),
        (request("/pets", Some(&token(&p))), Some(&p), r#"{"message":"Unauthorized"}"#),
        (request("/me", Some("garbage")), None, r#"{"message":"Unauthorized"}"#),
    ] {
        let out = answer(&g, &req, verified);
        assert_eq!((out.status, body(&out)), (401, want), "{}", req.path);
        assert_eq!(out.header("x-amzn-ErrorType"), Some("UnauthorizedException"));
    }
    let mut expired = id_payload();
    expired["exp"] = json!(NOW_MS / 1000 - 1);
    let out = answer(&g, &request("/me", Some(&token(&expired))), Some(&expired));
    assert_eq!((out.status, body(&out)), (401, r#"{"message":"The incoming token has expired"}"#));
}

// The refusals are the UNAUTHORIZED gateway response: customised, with $context.error.message.
#[test]
fn refusals_are_customisable() {
    let responses = json!({"api": {"x-amazon-apigateway-gateway-responses": {"UNAUTHORIZED": {
        "statusCode": "419", "responseParameters": {"gatewayresponse.header.x-why": "'pool'"},
        "responseTemplates": {"application/json": "{\"why\": \"$context.error.message\"}"}}}}});
    let g = gateway(responses);
    let mut expired = id_payload();
    expired["exp"] = json!(NOW_MS / 1000);
    let out = answer(&g, &request("/me", Some(&token(&expired))), Some(&expired));
    assert_eq!((out.status, body(&out), out.header("x-why")), (419, r#"{"why": "The incoming token has expired"}"#, Some("pool")));
    let out = answer(&g, &request("/me", None), None);
    assert_eq!((out.status, body(&out)), (419, r#"{"why": "Unauthorized"}"#));
}

// With a resource policy, the token is checked first, then the policy must allow (AWS docs).
#[test]
fn resource_policy_after_the_token() {
    let deny_all = json!({"api": {"x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/pets"}]}}});
    let g = gateway(deny_all);
    let p = id_payload();
    let out = answer(&g, &request("/me", None), None);
    assert_eq!(out.status, 401);
    let out = answer(&g, &request("/me", Some(&token(&p))), Some(&p));
    assert_eq!((out.status, body(&out)), (403,
        r#"{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/me"}"#));
}

// Without the pool in cognitoUserPools the operation stays closed, and the load log says why.
#[test]
fn unverified_pool_fails_closed() {
    let g = gateway(json!({"cognitoUserPools": null}));
    assert!(g.config.warnings.iter().any(|w| w.contains("GET /me: authorizer \"pool\": user pool us-east-1_abc not in cognitoUserPools")),
            "{:?}", g.config.warnings);
    let p = id_payload();
    let req = request("/me", Some(&token(&p)));
    let Start::Respond(reply) = g.start(0, &req) else { panic!("served") };
    assert_eq!((reply.response.status, body(&reply.response)), (401, r#"{"message":"Unauthorized"}"#));
}

// The root `security` applies to operations without their own; a Cognito scheme beside a required
// API key: the token first, then the key (every listed scheme is enforced: README "Auth fails
// closed"; without `apiKeys` every key is unknown); a scopes list that is not a list is refused at
// load, naming the field.
#[test]
fn requirements_from_the_definition() {
    let both = json!({"api": {
        "security": [{"pool": []}],
        "components": {"securitySchemes": {
            "pool": {"type": "apiKey", "name": "Authorization", "in": "header",
                     "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL_ARN]}},
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
        "paths": {"/root": {"get": {"x-amazon-apigateway-integration": {"type": "mock",
                      "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                      "responses": {"default": {"statusCode": "200"}}}}},
                  "/me": {"get": mock("x", json!([{"pool": [], "api_key": []}]))},
                  "/pets": {"get": mock("x", json!([{"pool": ["pets/read"]}]))}}}});
    let g = gateway(both);
    let p = id_payload();
    let out = answer(&g, &request("/root", Some(&token(&p))), Some(&p));
    assert_eq!(out.status, 200);
    let out = answer(&g, &request("/me", Some(&token(&p))), Some(&p));
    assert_eq!((out.status, body(&out)), (403, r#"{"message":"Forbidden"}"#));
    let out = answer(&g, &request("/me", Some("garbage")), None);
    assert_eq!((out.status, body(&out)), (401, r#"{"message":"Unauthorized"}"#));

    let bad = json!({"api": {"openapi": "3.0.1", "info": {"title": "x", "version": "1"},
        "components": {"securitySchemes": {"pool": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL_ARN]}}}},
        "paths": {"/me": {"get": mock("x", json!([{"pool": "email"}]))}}}});
    let err = Gateway::from_bytes(bad.to_string().as_bytes()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("GET /me") && err.contains("security.pool") && err.contains("must be a list of scopes"), "{err}");
}
