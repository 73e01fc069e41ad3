//! The request flow without Envoy: `Gateway` driven as the adapter drives it (start, finish, the
//! callout's answer, the response path), with the cases and the exact answers of the end-to-end
//! tests (tests/e2e/test_foundation.py, test_routing.py, test_upstream_failures.py,
//! test_http_integrations.py, test_context_fidelity.py). What Envoy adds itself (Content-Length,
//! Date) is not here; everything the filter decides is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use apigw_envoy::gateway::{Forward, Gateway, Outcome, Routed, Start};
use apigw_envoy::http::{Request, Response};
use apigw_envoy::integration::aws_proxy::Callout;
use apigw_envoy::response_path::{BodyStep, CallAnswer, HeadChange, ResponsePath};
use apigw_envoy::vtl::Env;
use serde_json::{json, Value};

const REQUEST_ID: &str = "11111111-2222-4333-8444-555555555555";
const APIGW_ID: &str = "AbCdEfGhIjKlMnO=";
const MISSING_TOKEN: &[u8] = b"{\"message\":\"Missing Authentication Token\"}";
const INTERNAL: &[u8] = b"{\"message\": \"Internal server error\"}";
const TIMED_OUT: &[u8] = b"{\"message\": \"Endpoint request timed out\"}";
const ECHO: &str = r#"{"resource":"$context.resourcePath","method":"$context.httpMethod","params":"$input.params().path"}"#;
const FN: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations";

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn mock(response_template: &str) -> Value {
    json!({"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200",
                                  "responseTemplates": {"application/json": response_template}}}}})
}

/// A gateway serving `paths` (flat configuration, one deployment), with `extra` top-level keys.
fn gateway(paths: Value, extra: Value) -> Gateway {
    let mut config = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "flow", "version": "1"}, "paths": paths},
        "stage": "prod",
    });
    if let (Some(c), Value::Object(e)) = (config.as_object_mut(), extra) {
        c.extend(e);
    }
    Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
}

/// A request as the adapter builds it from Envoy's header map.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    let mut all = pairs(&[(":method", method), (":path", path), (":authority", "gw.example.com")]);
    all.extend(pairs(headers));
    Request {
        method: method.into(),
        path: path.into(),
        headers: all,
        body: body.to_vec(),
        source_ip: "127.0.0.1".into(),
        request_id: REQUEST_ID.into(),
        extended_request_id: REQUEST_ID.into(),
        now_ms: 1_700_000_000_000,
    }
}

/// Where a request ended up after `start` and `finish`.
enum Flow {
    /// The filter's own answer, as sent to the host, with the response path that sent it.
    Local(Response, ResponsePath),
    Call(Callout, Option<Box<Env>>, Routed, Request),
    Forward(Forward, Routed, Request),
}

fn flow(g: &Gateway, req: Request) -> Flow {
    let mut path = ResponsePath::new(APIGW_ID.into());
    let routed = match g.start(0, &req) {
        Start::Respond(reply) => return Flow::Local(path.local_reply(reply).response, path),
        Start::Routed(routed) => routed,
    };
    // The API key step, as the adapter runs it before the integration.
    let routed = match g.admit_api_key(routed, &req) {
        Ok(routed) => routed,
        Err(reply) => return Flow::Local(path.local_reply(reply).response, path),
    };
    match g.finish(&routed, &req) {
        Outcome::Reply(reply) => Flow::Local(path.local_reply(reply).response, path),
        Outcome::Call(call, env) => Flow::Call(call, env, routed, req),
        Outcome::Forward(forward) => Flow::Forward(forward, routed, req),
    }
}

/// The local answer to a request (a callout or a proxied request fails the test).
fn answer(g: &Gateway, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    match flow(g, request(method, path, headers, body)) {
        Flow::Local(response, _) => response,
        Flow::Call(call, ..) => panic!("{method} {path}: a callout to {}", call.cluster),
        Flow::Forward(f, ..) => panic!("{method} {path}: forwarded to {}", f.cluster),
    }
}

/// The headers of a response, with the request id and the gateway id checked and taken out.
fn headers_of(r: &Response) -> Vec<(String, String)> {
    let mut h = r.headers.clone();
    for (name, value) in [("x-amzn-RequestId", REQUEST_ID), ("x-amz-apigw-id", APIGW_ID)] {
        let found: Vec<String> = h.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).collect();
        assert_eq!(found, vec![value.to_string()], "{name} in {:?}", r.headers);
        h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }
    h
}

/// AWS's error answer: status, body and exactly these headers.
fn assert_error(r: &Response, status: u16, body: &[u8], error_type: &str) {
    assert_eq!((r.status, String::from_utf8_lossy(&r.body)), (status, String::from_utf8_lossy(body)));
    assert_eq!(headers_of(r), pairs(&[("content-type", "application/json"), ("x-amzn-ErrorType", error_type)]));
}

fn routed_to(resource: &str, method: &str, params: &str) -> Vec<u8> {
    format!(r#"{{"resource":"{resource}","method":"{method}","params":"{{{params}}}"}}"#).into_bytes()
}

// --- routing -------------------------------------------------------------------------------------

// README: "Behaviour", Routing (test_routing.py::test_jobs_tree): the GET resource serves GET;
// every other (path, method) pair falls back to the greedy /{proxy+}.
#[test]
fn routing_on_resource_and_method_with_greedy_fallback() {
    let g = gateway(json!({"/{proxy+}": {"x-amazon-apigateway-any-method": mock(ECHO)}, "/jobs": {},
                           "/jobs/{operation_type}": {"get": mock(ECHO)},
                           "/cors_only": {"options": mock(ECHO)}}), json!({}));
    for (method, path, resource, params) in [
        ("GET", "/jobs/reboot", "/jobs/{operation_type}", "operation_type=reboot"),
        ("GET", "/jobs", "/{proxy+}", "proxy=jobs"),
        ("POST", "/jobs", "/{proxy+}", "proxy=jobs"),
        ("POST", "/jobs/reboot", "/{proxy+}", "proxy=jobs/reboot"),
        ("GET", "/cors_only", "/{proxy+}", "proxy=cors_only"),
        ("OPTIONS", "/cors_only", "/cors_only", ""),
    ] {
        let r = answer(&g, method, path, &[], b"");
        assert_eq!((r.status, String::from_utf8_lossy(&r.body)),
                   (200, String::from_utf8_lossy(&routed_to(resource, method, params))), "{method} {path}");
        assert_eq!(headers_of(&r), pairs(&[("content-type", "application/json")]), "{method} {path}");
    }
}

// README: "Behaviour", Routing (test_routing.py): a literal resource without the method gives way
// to its {param} sibling; no resource serving the pair is 403 Missing Authentication Token.
#[test]
fn no_resource_serves_the_pair() {
    let g = gateway(json!({"/users/me": {"patch": mock(ECHO)}, "/users/{userId}": {"get": mock(ECHO)}}), json!({}));
    assert_eq!(answer(&g, "GET", "/users/me", &[], b"").body, routed_to("/users/{userId}", "GET", "userId=me"));
    assert_eq!(answer(&g, "PATCH", "/users/me", &[], b"").body, routed_to("/users/me", "PATCH", ""));
    for (method, path) in [("POST", "/users/me"), ("DELETE", "/users/7"), ("GET", "/nothing")] {
        let r = answer(&g, method, path, &[], b"");
        assert_error(&r, 403, MISSING_TOKEN, "MissingAuthenticationTokenException");
    }
}

// --- stage prefix --------------------------------------------------------------------------------

// README: "Serving your own export", `STAGE_PREFIX` (test_foundation.py::test_path_table,
// test_wrong_stage_is_403, test_stage_prefix_optional): required strips the stage and refuses
// another first segment; optional serves both URL forms; off routes the path as it is.
#[test]
fn stage_prefix_required_optional_off() {
    let echo = r#"{"path":"$context.path","resource":"$context.resourcePath","proxy":"$input.params('proxy')"}"#;
    let paths = json!({"/{proxy+}": {"x-amazon-apigateway-any-method": mock(echo)}, "/hardcoded": {"get": mock(echo)}});
    let required = gateway(paths.clone(), json!({"stage": "stage", "stagePrefix": true}));
    for (path, ctx_path, resource, proxy) in [
        ("/stage/proxy-value", "/stage/proxy-value", "/{proxy+}", "proxy-value"),
        ("/stage/proxy-value/", "/stage/proxy-value/", "/{proxy+}", "proxy-value"),
        ("//stage/proxy-value", "/stage/proxy-value", "/{proxy+}", "proxy-value"),
        ("/stage//hardcoded", "/stage//hardcoded", "/hardcoded", ""),
    ] {
        let r = answer(&required, "GET", path, &[], b"");
        let want = format!(r#"{{"path":"{ctx_path}","resource":"{resource}","proxy":"{proxy}"}}"#);
        assert_eq!((r.status, String::from_utf8_lossy(&r.body).into_owned()), (200, want), "{path}");
    }
    assert_error(&answer(&required, "GET", "/other/hardcoded", &[], b""), 403, MISSING_TOKEN,
                 "MissingAuthenticationTokenException");

    let pets = json!({"/pets": {"get": mock("[]")}});
    let optional = gateway(pets.clone(), json!({"stagePrefix": "optional"}));
    assert_eq!(answer(&optional, "GET", "/prod/pets", &[], b"").status, 200);
    assert_eq!(answer(&optional, "GET", "/pets", &[], b"").status, 200);

    let off = gateway(pets, json!({"stagePrefix": false}));
    assert_eq!(answer(&off, "GET", "/pets", &[], b"").status, 200);
    assert_error(&answer(&off, "GET", "/prod/pets", &[], b""), 403, MISSING_TOKEN,
                 "MissingAuthenticationTokenException");
}

// --- fail-closed auth ----------------------------------------------------------------------------

// README: "Behaviour", Auth fails closed (test_foundation.py::test_api_key_operation_fails_closed
// and the GR_API cases, here with AWS's default gateway responses): an operation whose auth the
// filter cannot check answers what AWS answers a caller without credentials, whatever the request
// carries.
#[test]
fn auth_fails_closed() {
    let schemes = json!({"components": {"securitySchemes": {
        "pool": {"type": "apiKey", "name": "Authorization", "in": "header",
                 "x-amazon-apigateway-authtype": "cognito_user_pools",
                 "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:x"]}},
        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}});
    let mut cognito = mock("{}");
    cognito["security"] = json!([{"pool": []}]);
    let mut admin = mock("{}");
    admin["security"] = json!([{"api_key": []}]);
    let mut iam = mock("{}");
    iam["x-amazon-apigateway-auth"] = json!({"type": "AWS_IAM"});
    let mut config = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "auth", "version": "1"},
                "paths": {"/cognito": {"get": cognito}, "/admin": {"get": admin}, "/iam": {"get": iam}}},
    });
    config["api"]["components"] = schemes["components"].clone();
    let g = Gateway::from_bytes(config.to_string().as_bytes()).unwrap();
    for headers in [&[][..], &[("authorization", "Bearer x"), ("x-api-key", "anything")][..]] {
        assert_error(&answer(&g, "GET", "/cognito", headers, b""), 401, b"{\"message\":\"Unauthorized\"}",
                     "UnauthorizedException");
        assert_error(&answer(&g, "GET", "/admin", headers, b""), 403, b"{\"message\":\"Forbidden\"}",
                     "ForbiddenException");
        assert_error(&answer(&g, "GET", "/iam", headers, b""), 403, MISSING_TOKEN,
                     "MissingAuthenticationTokenException");
    }
}

// --- MOCK, CORS, 413, 415 ------------------------------------------------------------------------

/// The demo's /pets (envoy/demo-api.yaml): a static MOCK GET, a POST whose passthroughBehavior is
/// NEVER, and the console's CORS preflight.
fn pets() -> Gateway {
    let get = json!({"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "passthroughBehavior": "when_no_match",
        "responses": {"default": {"statusCode": "200",
            "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"},
            "responseTemplates": {"application/json":
                "[\n  {\"id\": 1, \"type\": \"dog\", \"price\": 249.99},\n  {\"id\": 2, \"type\": \"cat\", \"price\": 124.99}\n]"}}}}});
    let post = json!({"x-amazon-apigateway-integration": {
        "type": "mock", "passthroughBehavior": "never",
        "requestTemplates": {"application/json":
            "#set($context.requestOverride.path.body = $input.body)\n{\"statusCode\": 201}"},
        "responses": {"default": {"statusCode": "201", "responseTemplates": {"application/json":
            "{\"created\": $context.requestOverride.path.body, \"requestId\": \"$context.requestId\"}"}}}}});
    let options = json!({"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "passthroughBehavior": "when_no_match",
        "responses": {"default": {"statusCode": "200", "responseParameters": {
            "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
            "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'",
            "method.response.header.Access-Control-Allow-Origin": "'*'"}}}}});
    gateway(json!({"/pets": {"get": get, "post": post, "options": options}}), json!({"stagePrefix": "optional"}))
}

// test_foundation.py::test_mock_static_response.
#[test]
fn mock_static_response() {
    let r = answer(&pets(), "GET", "/pets", &[], b"");
    assert_eq!(r.status, 200);
    let got: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(got, json!([{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}]));
    assert_eq!(headers_of(&r), pairs(&[("content-type", "application/json"), ("Access-Control-Allow-Origin", "*")]));
}

// test_foundation.py::test_request_override_carries_body: the body reaches the response template.
#[test]
fn mock_reads_the_body() {
    let g = pets();
    let req = request("POST", "/pets", &[("content-type", "application/json")], b"{\"name\":\"rex\"}");
    let Start::Routed(routed) = g.start(0, &req) else { panic!("not routed") };
    assert!(routed.needs_body);
    let Outcome::Reply(reply) = g.finish(&routed, &req) else { panic!("not a local reply") };
    assert_eq!((reply.response.status, String::from_utf8_lossy(&reply.response.body).into_owned()),
               (201, format!("{{\"created\": {{\"name\":\"rex\"}}, \"requestId\": \"{REQUEST_ID}\"}}")));
}

// test_foundation.py::test_cors_preflight: exactly the configured headers and an empty body; Envoy
// drops the Content-Type of an empty local reply, so the response path puts it back, once.
#[test]
fn cors_preflight() {
    let req = request("OPTIONS", "/pets", &[("origin", "http://example.com"), ("access-control-request-method", "POST")], b"");
    let Flow::Local(r, mut path) = flow(&pets(), req) else { panic!("not a local reply") };
    assert_eq!((r.status, r.body.as_slice()), (200, &b""[..]));
    assert_eq!(headers_of(&r), pairs(&[
        ("content-type", "application/json"),
        ("Access-Control-Allow-Methods", "GET,POST,OPTIONS"),
        ("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key"),
        ("Access-Control-Allow-Origin", "*"),
    ]));
    assert_eq!(path.local_head(), vec![apigw_envoy::gateway::HeadEdit::Set("content-type".into(), "application/json".into())]);
    assert_eq!(path.local_head(), vec![]);
}

// test_foundation.py::test_passthrough_never_is_415.
#[test]
fn passthrough_never_is_415() {
    let r = answer(&pets(), "POST", "/pets", &[("content-type", "text/plain")], b"hi");
    assert_error(&r, 415, b"{\"message\":\"Unsupported Media Type\"}", "UnsupportedMediaTypeException");
}

// API Gateway's 10 MB payload limit: one byte more is 413 Request Too Long; exactly the limit is served.
#[test]
fn body_over_the_limit_is_413() {
    let g = gateway(json!({"/upload": {"post": {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json":
            "#if($input.body.length() > 0){\"statusCode\": 200}#end"},
        "responses": {"default": {"statusCode": "200"}}}}}}), json!({}));
    let limit = apigw_envoy::integration::aws_proxy::MAX_REQUEST_BODY;
    let mut body = vec![b'a'; limit];
    assert_eq!(answer(&g, "POST", "/upload", &[("content-type", "application/json")], &body).status, 200);
    body.push(b'a');
    let r = answer(&g, "POST", "/upload", &[("content-type", "application/json")], &body);
    assert_error(&r, 413, b"{\"message\":\"Request Too Long\"}", "RequestTooLargeException");
}

// test_context_fidelity.py::test_apigw_id_on_envoys_own_answer: Envoy's own 413 past its buffer
// limit, for a request the filter took but never answered, gets the request's x-amz-apigw-id.
#[test]
fn envoys_own_413_gets_the_gateway_id() {
    let g = pets();
    let req = request("POST", "/pets", &[("content-type", "application/json")], b"");
    let Start::Routed(routed) = g.start(0, &req) else { panic!("not routed") };
    assert!(routed.needs_body, "the filter waits for the body Envoy refuses");
    let mut path = ResponsePath::new(APIGW_ID.into());
    assert_eq!(path.local_head(), vec![apigw_envoy::gateway::HeadEdit::Set("x-amz-apigw-id".into(), APIGW_ID.into())]);
}

// --- callouts ------------------------------------------------------------------------------------

/// An HTTP (custom) and an AWS_PROXY integration, both called out to, with a 1 s timeout.
fn callouts() -> Gateway {
    gateway(json!({
        "/http": {"get": {"x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": "http://backend:8080/peer", "timeoutInMillis": 1000,
            "responses": {"default": {"statusCode": "200"}}}}},
        "/lambda": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": FN, "timeoutInMillis": 1000}}},
    }), json!({"targets": {"http": {"http://backend:8080": "backend"},
                           "lambda": {"cluster": "lambda", "authority": "lambda.local"}}}))
}

/// The client's answer when the callout of `path` gets `num_headers`/`headers`/`body` back.
fn after_call(g: &Gateway, path: &str, num_headers: usize, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let Flow::Call(call, env, routed, req) = flow(g, request("GET", path, &[], b"")) else { panic!("no callout") };
    assert_eq!(call.timeout_ms, 1000);
    let answer = CallAnswer::read(num_headers, || (pairs(headers), body.to_vec()));
    let mut response_path = ResponsePath::new(APIGW_ID.into());
    response_path.local_reply(g.on_call_answer(&routed, &req, env, &answer)).response
}

const ENVOY_TIMEOUT: &[(&str, &str)] = &[(":status", "504"), ("content-length", "24"), ("content-type", "text/plain")];
const ENVOY_REFUSED: &[(&str, &str)] = &[(":status", "503"), ("content-length", "91"), ("content-type", "text/plain")];
const REFUSED_TEXT: &[u8] = b"upstream connect error or disconnect/reset before headers. reset reason: remote connection failure";

// test_upstream_failures.py::test_slow_upstream_is_504 and test_refused_connection_is_502: Envoy's
// own answers to a callout (no x-envoy-upstream-service-time) are the timeout (504) and an
// unreachable upstream (502); a reset call and a call the host refused to send are 502 too.
#[test]
fn callout_failures() {
    let g = callouts();
    for path in ["/http", "/lambda"] {
        assert_error(&after_call(&g, path, 3, ENVOY_TIMEOUT, b"upstream request timeout"), 504, TIMED_OUT,
                     "InternalServerErrorException");
        assert_error(&after_call(&g, path, 3, ENVOY_REFUSED, REFUSED_TEXT), 502, INTERNAL,
                     "InternalServerErrorException");
        assert_error(&after_call(&g, path, 0, &[], b""), 502, INTERNAL, "InternalServerErrorException");
        let Flow::Call(call, env, routed, req) = flow(&g, request("GET", path, &[], b"")) else { panic!() };
        let reply = g.on_call_answer(&routed, &req, env, &CallAnswer::not_sent(&call.cluster, "BadArgument"));
        let r = ResponsePath::new(APIGW_ID.into()).local_reply(reply).response;
        assert_error(&r, 502, INTERNAL, "InternalServerErrorException");
    }
}

// test_upstream_failures.py::test_backend_own_502_is_its_answer: the same 502 and body from the
// upstream itself (the router's marker present) is the backend's answer, selected by status.
#[test]
fn backend_own_502_is_its_answer() {
    let text = b"upstream connect error or disconnect/reset before headers. reset reason: protocol error";
    let headers = [(":status", "502"), ("content-type", "text/plain"), ("content-length", "87"),
                   ("x-envoy-upstream-service-time", "1")];
    let r = after_call(&callouts(), "/http", 4, &headers, text);
    assert_eq!((r.status, r.body.as_slice()), (200, &text[..]));
    assert_eq!(headers_of(&r), pairs(&[("content-type", "application/json")]));
}

// --- HTTP_PROXY ----------------------------------------------------------------------------------

fn proxy() -> (Gateway, Routed, Request) {
    let g = gateway(json!({"/proxy/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
        "type": "http_proxy", "httpMethod": "ANY", "uri": "http://backend:8080/{proxy}", "timeoutInMillis": 1000}}}}),
        json!({"targets": {"http": {"http://backend:8080": "backend"}}}));
    let Flow::Forward(f, routed, req) = flow(&g, request("GET", "/proxy/peer-ok", &[("user-agent", "client/1")], b""))
    else {
        panic!("not forwarded")
    };
    assert_eq!((f.cluster.as_str(), f.method.as_str(), f.path.as_str(), f.timeout_ms), ("backend", "GET", "/peer-ok", 1000));
    (g, routed, req)
}

// test_http_integrations.py::test_proxy_response_remapped_headers and
// test_envoy_invisible.py::test_what_the_upstream_and_the_client_see: the backend's status and
// headers, Connection/Content-Length/Date/Server/x-amzn-RequestId remapped, the gateway's ids.
#[test]
fn proxy_response_head() {
    let (g, routed, req) = proxy();
    let mut path = ResponsePath::new(APIGW_ID.into());
    let received = pairs(&[(":status", "200"), ("content-type", "application/json"), ("content-length", "33"),
                           ("server", "BackendServer/2"), ("x-other", "o")]);
    let plan = path.proxied_head(&g, &routed, &req, &received, || panic!("details read for a 200"));
    assert_eq!(plan.change, HeadChange::Replace(pairs(&[
        (":status", "200"), ("content-type", "application/json"), ("content-length", "33"),
        ("x-amzn-Remapped-Content-Length", "33"), ("x-amzn-Remapped-Server", "BackendServer/2"), ("x-other", "o"),
        ("x-amzn-RequestId", REQUEST_ID), ("x-amz-apigw-id", APIGW_ID),
    ])));
    assert_eq!(path.body(true), BodyStep::Continue);
}

// test_upstream_failures.py (HTTP_PROXY rows) and test_envoy_invisible.py::test_local_answers:
// Envoy's own answers, told by response.code_details, become 504/502 with AWS's body, framed by its
// own Content-Length; the body replaces Envoy's at the end of the stream.
#[test]
fn proxy_failures_by_details() {
    let (g, routed, req) = proxy();
    for (status, details, want, body) in [
        ("504", "upstream_response_timeout", 504, TIMED_OUT),
        ("503", "upstream_reset_before_response_started{connection_failure}", 502, INTERNAL),
        ("502", "upstream_reset_before_response_started{protocol_error}", 502, INTERNAL),
        ("503", "no_healthy_upstream", 502, INTERNAL),
    ] {
        let mut path = ResponsePath::new(APIGW_ID.into());
        let received = pairs(&[(":status", status), ("content-length", "24"), ("content-type", "text/plain")]);
        let plan = path.proxied_head(&g, &routed, &req, &received, || details.to_string());
        let HeadChange::Replace(head) = plan.change else { panic!("{details}: {plan:?}") };
        let response = Response { status: head[0].1.parse().unwrap(), headers: head[1..].to_vec(), body: Vec::new() };
        assert_eq!(head[0].0, ":status");
        let mut rest = headers_of(&response);
        rest.sort();
        assert_eq!((response.status, rest), (want, pairs(&[
            ("content-length", &body.len().to_string()), ("content-type", "application/json"),
            ("x-amzn-ErrorType", "InternalServerErrorException")])), "{details}");
        assert!(plan.log.is_some());
        assert_eq!(path.body(false), BodyStep::Pause);
        assert_eq!(path.body(true), BodyStep::Replace(body.to_vec()));
    }
}
