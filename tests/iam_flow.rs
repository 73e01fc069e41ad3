//! IAM operations in the request flow without Envoy: `Gateway::start`, `admit` and the integration,
//! as the adapter drives them, with AWS's answers (README: "IAM"). Requests are signed here with the
//! filter's own signer (`sigv4::sign`, checked against AWS's suite); src/iam/tests.rs verifies
//! requests botocore signed, and tests/e2e/test_iam.py has botocore sign through a real Envoy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use apigw_envoy::admission::Admission;
use apigw_envoy::gateway::{Gateway, Outcome, Routed, Start};
use apigw_envoy::http::{Request, Response};
use apigw_envoy::sigv4::{sign, Credentials};
use serde_json::{json, Value};

const NOW: u64 = 1_767_225_600_000;
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const METHOD_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/a";
const TEMPLATE: &str = "$context.identity.accessKey|$context.identity.accountId|$context.identity.caller|\
$context.identity.user|$context.identity.userArn";

fn mock() -> Value {
    json!({"x-amazon-apigateway-auth": {"type": "AWS_IAM"}, "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": TEMPLATE}}}}})
}

fn key(id: &str, arn: &str, policy: Option<Value>) -> Value {
    let mut k = json!({"accessKeyId": id, "secretAccessKey": format!("secret-{id}"), "arn": arn});
    if let Some(p) = policy {
        k["policy"] = p;
    }
    k
}

fn invoke(effect: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}]})
}

fn gateway(iam_keys: Option<Value>, resource_policy: Option<Value>) -> Gateway {
    let mut api = json!({"openapi": "3.0.1", "info": {"title": "iam", "version": "1"},
        "components": {"securitySchemes": {
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
            "key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
        "paths": {"/a": {"get": mock(), "post": mock()},
                  "/scheme": {"get": {"security": [{"sigv4": []}],
                      "x-amazon-apigateway-integration": mock()["x-amazon-apigateway-integration"]}},
                  "/with-key": {"get": {"security": [{"sigv4": []}, {"key": []}],
                      "x-amazon-apigateway-integration": mock()["x-amazon-apigateway-integration"]}}}});
    if let Some(p) = resource_policy {
        api["x-amazon-apigateway-policy"] = p;
    }
    let mut config = json!({"api": api, "stage": "prod", "apiId": "abc123", "accountId": "123456789012", "region": "us-east-1"});
    if let Some(k) = iam_keys {
        config["iamKeys"] = k;
    }
    Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
}

fn keys() -> Value {
    json!([
        key("AKIDALICE", ALICE, None),
        key("AKIDDENIED", "arn:aws:iam::123456789012:user/denied", Some(invoke("Allow", "arn:aws:execute-api:*:*:*/prod/POST/*"))),
        key("AKIDDENY", "arn:aws:iam::123456789012:user/deny", Some(invoke("Deny", "*"))),
        key("AKIDOTHER", "arn:aws:iam::210987654321:user/bob", None),
    ])
}

/// A request signed with `key` (`None`: unsigned), as Envoy hands it over.
fn request(method: &str, path: &str, key: Option<&str>, body: &[u8]) -> Request {
    let mut headers = vec![(":method".to_string(), method.to_string()), (":path".to_string(), path.to_string()),
                           (":authority".to_string(), "gw.example.com".to_string())];
    if let Some(id) = key {
        let creds = Credentials { access_key_id: id.into(), secret_access_key: format!("secret-{id}"), session_token: None };
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        let host = [("host".to_string(), "gw.example.com".to_string())];
        headers.extend(sign(method, p, q, &host, body, "execute-api", "us-east-1", &creds, NOW));
    }
    Request { method: method.into(), path: path.into(), headers, body: body.to_vec(), source_ip: "127.0.0.1".into(),
              request_id: "rid".into(), extended_request_id: "ext".into(), now_ms: NOW }
}

fn routed(g: &Gateway, req: &Request) -> Routed {
    match g.start(0, req) {
        Start::Routed(r) => r,
        Start::Respond(reply) => panic!("answered at start: {:?}", reply.response),
    }
}

fn refused(g: &Gateway, req: &Request) -> Response {
    match g.admit(&routed(g, req), req) {
        Admission::Refuse(reply) => reply.response,
        other => panic!("not refused: {other:?}"),
    }
}

fn admitted(g: &Gateway, req: &Request) -> Response {
    let r = routed(g, req);
    match g.admit(&r, req) {
        Admission::AdmitIam(identity) => match g.finish(&Routed { iam: Some(identity), ..r }, req) {
            Outcome::Reply(reply) => reply.response,
            _ => panic!("the MOCK did not reply"),
        },
        other => panic!("not admitted: {other:?}"),
    }
}

fn answer(r: &Response) -> (u16, String, String) {
    (r.status, r.header("x-amzn-ErrorType").unwrap_or("").to_string(), String::from_utf8(r.body.clone()).unwrap())
}

/// Status, `x-amzn-ErrorType` and body, exactly.
fn is(r: &Response, want: (u16, &str, &str)) {
    assert_eq!(answer(r), (want.0, want.1.to_string(), want.2.to_string()));
}

// Without iamKeys an IAM operation fails closed at start, signed or not, exactly as before.
#[test]
fn without_keys_iam_fails_closed() {
    let g = gateway(None, None);
    for key in [None, Some("AKIDALICE")] {
        let Start::Respond(reply) = g.start(0, &request("GET", "/a", key, b"")) else { panic!("served open") };
        is(&reply.response,
            (403, "MissingAuthenticationTokenException", r#"{"message":"Missing Authentication Token"}"#));
    }
}

// A signed request of a configured key reaches the integration with the caller's identity; the
// body is read first (it is signed) and the clock too.
#[test]
fn signed_request_is_served_with_its_identity() {
    let g = gateway(Some(keys()), None);
    for path in ["/a", "/scheme"] {
        let req = request("GET", path, Some("AKIDALICE"), b"");
        let r = routed(&g, &req);
        assert!(r.needs_body && g.needs_details(&r));
        let out = admitted(&g, &req);
        assert_eq!((out.status, std::str::from_utf8(&out.body).unwrap()),
            (200, "AKIDALICE|123456789012|AKIDALICE|AKIDALICE|arn:aws:iam::123456789012:user/alice"), "{path}");
    }
    let post = request("POST", "/a", Some("AKIDALICE"), br#"{"x":1}"#);
    assert_eq!(admitted(&g, &post).status, 200);
    let tampered = Request { body: br#"{"x":2}"#.to_vec(), ..post };
    let (status, error_type, body) = answer(&refused(&g, &tampered));
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"));
    assert!(body.starts_with(r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String"#), "{body}");
}

// AWS's answers: no signature, not SigV4, unknown key, skewed clock.
#[test]
fn refusals() {
    let g = gateway(Some(keys()), None);
    is(&refused(&g, &request("GET", "/a", None, b"")),
        (403, "MissingAuthenticationTokenException", r#"{"message":"Missing Authentication Token"}"#));
    let mut bearer = request("GET", "/a", None, b"");
    bearer.headers.push(("authorization".into(), "Bearer x".into()));
    let (status, error_type, body) = answer(&refused(&g, &bearer));
    assert_eq!((status, error_type.as_str()), (403, "IncompleteSignatureException"));
    assert!(body.starts_with(r#"{"message":"Invalid key=value pair (missing equal-sign) in Authorization header"#), "{body}");
    is(&refused(&g, &request("GET", "/a", Some("AKIDNOBODY"), b"")),
        (403, "UnrecognizedClientException", r#"{"message":"The security token included in the request is invalid."}"#));
    let late = Request { now_ms: NOW + 301_000, ..request("GET", "/a", Some("AKIDALICE"), b"") };
    is(&refused(&g, &late), (403, "InvalidSignatureException",
        r#"{"message":"Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T000501Z - 5 min.)"}"#));
}

// The key's identity policy: no Allow, or a Deny, refuses with the caller's ARN.
#[test]
fn identity_policies() {
    let g = gateway(Some(keys()), None);
    let denied = "arn:aws:iam::123456789012:user/denied";
    is(&refused(&g, &request("GET", "/a", Some("AKIDDENIED"), b"")), (403, "AccessDeniedException",
        &*format!(r#"{{"Message":"User: {denied} is not authorized to perform: execute-api:Invoke on resource: {METHOD_ARN}"}}"#)));
    assert_eq!(admitted(&g, &request("POST", "/a", Some("AKIDDENIED"), b"")).status, 200);
    is(&refused(&g, &request("GET", "/a", Some("AKIDDENY"), b"")), (403, "AccessDeniedException",
        &*format!(r#"{{"Message":"User: arn:aws:iam::123456789012:user/deny is not authorized to perform: execute-api:Invoke on resource: {METHOD_ARN} with an explicit deny"}}"#)));
    // Another account's caller needs the resource policy's Allow too.
    let (status, _, body) = answer(&refused(&g, &request("GET", "/a", Some("AKIDOTHER"), b"")));
    assert_eq!(status, 403);
    assert!(body.contains("User: arn:aws:iam::210987654321:user/bob is not authorized"), "{body}");
}

// A resource policy is evaluated for the IAM caller: naming its ARN allows (another account's
// caller too), an explicit Deny for it refuses.
#[test]
fn resource_policy_sees_the_caller() {
    let allow_bob = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:user/bob"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*/POST/*"}]});
    let g = gateway(Some(keys()), Some(allow_bob));
    assert_eq!(admitted(&g, &request("GET", "/a", Some("AKIDOTHER"), b"")).status, 200);
    assert_eq!(admitted(&g, &request("GET", "/a", Some("AKIDALICE"), b"")).status, 200);
    let (status, _, body) = answer(&refused(&g, &request("POST", "/a", Some("AKIDALICE"), b"")));
    assert_eq!(status, 403);
    assert!(body.ends_with("/prod/POST/a with an explicit deny\"}"), "{body}");
}

// IAM beside an API key: both are enforced, IAM first (README: "API keys and usage plans").
// Without `apiKeys` the key step refuses every key (403 Forbidden); with them, a signed request
// with a key of a plan attached to the stage reaches the integration.
#[test]
fn iam_with_an_api_key() {
    let g = gateway(Some(keys()), None);
    let req = request("GET", "/with-key", Some("AKIDALICE"), b"");
    let r = routed(&g, &req);
    let Admission::AdmitIam(identity) = g.admit(&r, &req) else { panic!("not admitted") };
    let err = g.admit_api_key(Routed { iam: Some(identity), ..r }, &req).unwrap_err();
    assert_eq!(answer(&err.response), (403, "ForbiddenException".into(), r#"{"message":"Forbidden"}"#.into()));
    // Unsigned: IAM refuses first, whatever the key.
    let (status, _, body) = answer(&refused(&g, &request("GET", "/with-key", None, b"")));
    assert_eq!((status, body.as_str()), (403, r#"{"message":"Missing Authentication Token"}"#));

    let mut config: Value = serde_json::from_str(&keyed_config()).unwrap();
    config["apiKeys"] = json!("name,key,usageplanids\nalice,alice-key-0123456789abcdef,plan1\n");
    config["usagePlans"] = json!({"items": [{"id": "plan1", "apiStages": [{"apiId": "abc123", "stage": "prod"}]}]});
    let g = Gateway::from_bytes(config.to_string().as_bytes()).unwrap();
    let mut req = request("GET", "/with-key", Some("AKIDALICE"), b"");
    req.headers.push(("x-api-key".into(), "alice-key-0123456789abcdef".into()));
    let r = routed(&g, &req);
    let Admission::AdmitIam(identity) = g.admit(&r, &req) else { panic!("not admitted") };
    let r = g.admit_api_key(Routed { iam: Some(identity), ..r }, &req).unwrap();
    assert_eq!(r.api_key.as_ref().map(|k| k.key.as_str()), Some("alice-key-0123456789abcdef"));
    let Outcome::Reply(reply) = g.finish(&r, &req) else { panic!("the MOCK did not reply") };
    assert_eq!(reply.response.status, 200);
}

/// A configuration with the IAM keys and `/with-key` only, as JSON text.
fn keyed_config() -> String {
    let api = json!({"openapi": "3.0.1", "info": {"title": "iam", "version": "1"},
        "components": {"securitySchemes": {
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
            "key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
        "paths": {"/with-key": {"get": {"security": [{"sigv4": []}, {"key": []}],
                      "x-amazon-apigateway-integration": mock()["x-amazon-apigateway-integration"]}}}});
    json!({"api": api, "stage": "prod", "apiId": "abc123", "accountId": "123456789012", "region": "us-east-1",
           "iamKeys": keys()}).to_string()
}

// The payload 1.0 event's requestContext.identity carries the IAM caller (AWS's documented event).
#[test]
fn proxy_event_identity() {
    let g = gateway(Some(keys()), None);
    let req = request("GET", "/a", Some("AKIDALICE"), b"");
    let r = routed(&g, &req);
    let Admission::AdmitIam(identity) = g.admit(&r, &req) else { panic!("not admitted") };
    let r = Routed { iam: Some(identity), ..r };
    let dep = &g.config.deployments[0];
    let context = g.request_context(dep, &req, Some(&r));
    let input = apigw_envoy::event::ProxyInput {
        request: &req, context: &context, resource: "/a", path: &r.path, path_params: &r.path_params,
        stage_variables: &dep.stage_variables, binary_media_types: &dep.api.binary_media_types,
    };
    let event: Value = serde_json::from_str(&apigw_envoy::event::v1::build(&input)).unwrap();
    let id = &event["requestContext"]["identity"];
    assert_eq!((id["accessKey"].as_str(), id["accountId"].as_str(), id["caller"].as_str(), id["user"].as_str(), id["userArn"].as_str()),
               (Some("AKIDALICE"), Some("123456789012"), Some("AKIDALICE"), Some("AKIDALICE"), Some(ALICE)));
    assert_eq!(id["cognitoIdentityId"], Value::Null);
}
