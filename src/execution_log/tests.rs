//! The trace of whole requests, driven as the adapter drives the gateway (src/wasm/mod.rs): the
//! exact lines of a MOCK, an HTTP integration with templates, an AWS_PROXY and a request with an
//! authorizer and an API key (secrets masked).

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::admission::Admission;
use crate::gateway::Start;
use crate::response_path::{CallAnswer, ResponsePath};
use serde_json::{json, Value};

const FN: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations";
const KEY: &str = "0123456789abcdefghij";
const NOW: u64 = 1_700_000_000_000;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn gateway(paths: Value, extra: Value) -> Gateway {
    let mut config = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths,
            "components": {"securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "tok": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                        "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN,
                                                           "authorizerResultTtlInSeconds": 0}}}}},
        "stage": "prod", "apiId": "abc123", "trace": true,
        "targets": {"http": {"http://backend:8080": "backend"}, "lambda": {"cluster": "lambda", "authority": "lambda.local"}},
    });
    if let (Some(c), Value::Object(e)) = (config.as_object_mut(), extra) {
        c.extend(e);
    }
    Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
    let mut all = pairs(&[(":method", method), (":path", path), (":authority", "gw.example.com")]);
    all.extend(pairs(headers));
    Request {
        method: method.into(),
        path: path.into(),
        headers: all,
        body: body.to_vec(),
        source_ip: "127.0.0.1".into(),
        request_id: "rid".into(),
        extended_request_id: "ext=".into(),
        now_ms: NOW,
    }
}

/// The adapter's steps for one request: `authorizer` answers a Lambda authorizer's call, `answer`
/// the integration's callout (12 ms after it left).
fn trace(g: &Gateway, req: Request, authorizer: Option<CallAnswer>, answer: Option<CallAnswer>) -> Vec<String> {
    let mut path = ResponsePath::new("gwid".into());
    let mut routed = match g.start(0, &req) {
        Start::Routed(r) => r,
        Start::Respond(reply) => panic!("{:?}", reply.response),
    };
    let mut log = g.trace_for(0, &req).unwrap();
    let mut finish = |log: &mut ExecutionLog, reply: crate::gateway::Reply| {
        let reply = path.local_reply(reply);
        log.method_response(&reply.response, Some(&reply.response.body), reply.log.as_deref());
        log.take()
    };
    match g.admit(&routed, &req) {
        Admission::Admit(facts) => routed.authorizer = facts,
        Admission::Call(_, pending) => {
            g.trace_authorizer(&mut log, &routed);
            let a = authorizer.unwrap();
            let admitted = g.on_authorizer_answer(&routed, &req, pending, a.status, &a.headers, &a.body, NOW);
            log.authorizer_finished(admitted.is_ok());
            match admitted {
                Ok(facts) => routed.authorizer = Some(facts),
                Err(reply) => return finish(&mut log, reply),
            }
        }
        other => panic!("{}", matches!(other, Admission::Refuse(_))),
    }
    let routed = match g.admit_api_key(routed, &req) {
        Ok(r) => r,
        Err(reply) => return finish(&mut log, reply),
    };
    g.trace_execution(&mut log, &routed, &req);
    let outcome = g.finish(&routed, &req);
    g.trace_outcome(&mut log, &routed, &outcome, NOW);
    let reply = match outcome {
        Outcome::Reply(reply) => reply,
        Outcome::Call(_, state) => {
            let answer = answer.unwrap();
            log.call_answer(&answer, NOW + 12);
            g.on_call_answer(&routed, &req, state, &answer)
        }
        Outcome::Forward(f) => panic!("forwarded to {}", f.cluster),
    };
    finish(&mut log, reply)
}

fn lines(list: &[&str]) -> Vec<String> {
    list.iter().map(|l| format!("(rid) {l}")).collect()
}

fn mock() -> Value {
    json!({"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200",
            "responseTemplates": {"application/json": "{\"id\": \"$input.params('id')\"}"}}}}})
}

// MOCK: no endpoint lines (nothing is sent); the method response as the client gets it.
#[test]
fn mock_lines() {
    let g = gateway(json!({"/pets/{id}": {"get": mock()}}), json!({}));
    let got = trace(&g, request("GET", "/pets/1?q=a&q=b", &[("accept", "application/json")], b""), None, None);
    assert_eq!(got, lines(&[
        "Extended Request Id: ext=",
        "Starting execution for request: rid",
        "HTTP Method: GET, Resource Path: /pets/1",
        "Method request path: {id=1}",
        "Method request query string: {q=a,b}",
        "Method request headers: {Host=gw.example.com, accept=application/json}",
        "Method request body before transformations: ",
        "Method response body after transformations: {\"id\": \"1\"}",
        "Method response headers: {content-type=application/json, x-amzn-RequestId=rid, x-amz-apigw-id=gwid}",
        "Successfully completed execution",
        "Method completed with status: 200",
    ]));
}

// HTTP with a request and a response template: the endpoint request as sent, the endpoint's answer
// before and the method response after the response template.
#[test]
fn http_lines() {
    let g = gateway(json!({"/pets/{id}": {"post": {"x-amazon-apigateway-integration": {
        "type": "http", "httpMethod": "POST", "uri": "http://backend:8080/items/{id}",
        "requestParameters": {"integration.request.path.id": "method.request.path.id"},
        "requestTemplates": {"application/json": "{\"name\": $input.json('$.name')}"},
        "responses": {"default": {"statusCode": "200",
            "responseTemplates": {"application/json": "{\"saved\": $input.json('$.ok')}"}}}}}}}), json!({}));
    let req = request("POST", "/pets/7", &[("content-type", "application/json")], br#"{"name": "rex"}"#);
    let answer = CallAnswer {
        status: 200,
        headers: pairs(&[(":status", "200"), ("content-type", "application/json"), ("x-up", "1"),
                         ("x-envoy-upstream-service-time", "3")]),
        body: br#"{"ok": true}"#.to_vec(),
    };
    let got = trace(&g, req, None, Some(answer));
    assert_eq!(got, lines(&[
        "Extended Request Id: ext=",
        "Starting execution for request: rid",
        "HTTP Method: POST, Resource Path: /pets/7",
        "Method request path: {id=7}",
        "Method request query string: {}",
        "Method request headers: {Host=gw.example.com, content-type=application/json}",
        "Method request body before transformations: {\"name\": \"rex\"}",
        "Endpoint request URI: http://backend:8080/items/7",
        "Endpoint request headers: {accept=application/json, user-agent=AmazonAPIGateway_abc123, content-type=application/json, x-amzn-apigateway-api-id=abc123}",
        "Endpoint request body after transformations: {\"name\": \"rex\"}",
        "Sending request to http://backend:8080/items/7",
        "Received response. Status: 200, Integration latency: 12 ms",
        "Endpoint response headers: {content-type=application/json, x-up=1}",
        "Endpoint response body before transformations: {\"ok\": true}",
        "Method response body after transformations: {\"saved\": true}",
        "Method response headers: {content-type=application/json, x-amzn-RequestId=rid, x-amz-apigw-id=gwid}",
        "Successfully completed execution",
        "Method completed with status: 200",
    ]));
}

// AWS_PROXY, signed: the Invoke call as sent, its SigV4 signature and session token masked.
#[test]
fn aws_proxy_lines() {
    let mut g = gateway(json!({"/fn": {"get": {"x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST", "uri": FN}}}}), json!({}));
    g.credentials = Some(crate::sigv4::Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "secret".into(),
        session_token: Some("session-token-0123456789".into()),
    });
    let answer = CallAnswer {
        status: 200,
        headers: pairs(&[(":status", "200"), ("content-type", "application/json"),
                         ("x-envoy-upstream-service-time", "3")]),
        body: br#"{"statusCode": 201, "body": "made"}"#.to_vec(),
    };
    let got = trace(&g, request("GET", "/fn", &[], b""), None, Some(answer));
    let uri = "https://lambda.local/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations";
    let trace_id = "Root=1-6553f100-81466ee3cd6cf44d7a1c4389";
    // The whole SigV4 Authorization value but its last 6 characters is masked.
    let signature = format!("{}f43fdc", "*".repeat(235));
    let event = got.get(9).unwrap();
    assert!(event.starts_with("(rid) Endpoint request body after transformations: {\"resource\":\"/fn\",\"path\":\"/fn\""), "{event}");
    assert!(event.ends_with(" [TRUNCATED]") && event.len() == "(rid) Endpoint request body after transformations: ".len() + 1024 + 12, "{event}");
    let mut want = lines(&[
        "Extended Request Id: ext=",
        "Starting execution for request: rid",
        "HTTP Method: GET, Resource Path: /fn",
        "Method request path: {}",
        "Method request query string: {}",
        "Method request headers: {Host=gw.example.com}",
        "Method request body before transformations: ",
        &format!("Endpoint request URI: {uri}"),
        &format!("Endpoint request headers: {{content-type=application/json, x-amz-invocation-type=RequestResponse, \
                  x-amz-date=20231114T221320Z, x-amz-security-token=******************456789, authorization={signature}, \
                  accept=application/json, user-agent=AmazonAPIGateway_abc123, x-amzn-apigateway-api-id=abc123, \
                  x-amzn-lambda-integration-tag=rid, x-amzn-trace-id={trace_id}}}"),
        &format!("Sending request to {uri}"),
        "Received response. Status: 200, Integration latency: 12 ms",
        "Endpoint response headers: {content-type=application/json}",
        "Endpoint response body before transformations: {\"statusCode\": 201, \"body\": \"made\"}",
        "Method response body after transformations: made",
        &format!("Method response headers: {{Content-Type=application/json, x-amzn-RequestId=rid, \
                  X-Amzn-Trace-Id={trace_id};Parent=2d58f09e6c12089a;Sampled=0, x-amz-apigw-id=gwid}}"),
        "Successfully completed execution",
        "Method completed with status: 201",
    ]);
    want.insert(9, event.clone());
    assert_eq!(got, want);
}

// A TOKEN authorizer and an API key: the authorizer and usage plan lines before "Starting
// execution"; the token and the key masked wherever they appear.
#[test]
fn authorized_lines() {
    let paths = json!({"/pets": {"get": {"security": [{"tok": []}, {"api_key": []}],
        "x-amazon-apigateway-integration": mock()["x-amazon-apigateway-integration"]}}});
    let g = gateway(paths, json!({
        "apiKeys": format!("name,key,usagePlanIds\nk,{KEY},plan\n"),
        "usagePlans": {"items": [{"id": "plan", "apiStages": [{"apiId": "abc123", "stage": "prod"}]}]},
    }));
    let allow = CallAnswer {
        status: 200,
        headers: pairs(&[(":status", "200"), ("x-envoy-upstream-service-time", "1")]),
        body: br#"{"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}"#.to_vec(),
    };
    let req = request("GET", "/pets", &[("authorization", "Bearer secret-token-abcdef"), ("x-api-key", KEY)], b"");
    let got = trace(&g, req, Some(allow), None);
    assert_eq!(got, lines(&[
        "Extended Request Id: ext=",
        "Starting authorizer: 91vty8 for request: rid",
        "Successfully completed authorizer execution",
        "Verifying Usage Plan for request: rid. API Key: **************efghij API Stage: abc123/prod",
        "API Key **************efghij authorized because method 'GET /pets' requires API Key. Request will \
         be counted against usage plan's throttle and quota limits",
        "Usage Plan check succeeded for API Key **************efghij and API Stage abc123/prod",
        "Starting execution for request: rid",
        "HTTP Method: GET, Resource Path: /pets",
        "Method request path: {}",
        "Method request query string: {}",
        "Method request headers: {Host=gw.example.com, authorization=********************abcdef, \
         x-api-key=**************efghij}",
        "Method request body before transformations: ",
        "Method response body after transformations: {\"id\": \"\"}",
        "Method response headers: {content-type=application/json, x-amzn-RequestId=rid, x-amz-apigw-id=gwid}",
        "Successfully completed execution",
        "Method completed with status: 200",
    ]));
    // Denied: the authorizer lines, then only the status (the execution never started).
    let deny = CallAnswer {
        status: 200,
        headers: pairs(&[(":status", "200"), ("x-envoy-upstream-service-time", "1")]),
        body: br#"{"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]}}"#.to_vec(),
    };
    let req = request("GET", "/pets", &[("authorization", "Bearer secret-token-abcdef"), ("x-api-key", KEY)], b"");
    assert_eq!(trace(&g, req, Some(deny), None), lines(&[
        "Extended Request Id: ext=",
        "Starting authorizer: 91vty8 for request: rid",
        "Unauthorized request: rid",
        "Method completed with status: 403",
    ]));
}

// Masking, Java maps and truncation on their own.
#[test]
fn formatting() {
    assert_eq!(mask("abcdefgh"), "**cdefgh");
    assert_eq!(mask("abcdef"), "******");
    assert_eq!(mask(""), "");
    assert_eq!(mask("ééééééé"), "*éééééé");
    let p = pairs(&[("a", "1"), ("b", "2"), ("a", "3"), ("x-api-key", "0123456789")]);
    assert_eq!(java_map(p.iter(), |k| k == "x-api-key"), "{a=1,3, b=2, x-api-key=****456789}");
    assert_eq!(java_map([].iter(), |_| false), "{}");
    let long = "é".repeat(600);
    let t = text(long.as_bytes());
    assert!(t.ends_with(" [TRUNCATED]") && t.len() <= MAX_FIELD + 12, "{t}");
    let p = [("k".to_string(), long)];
    let m = java_map(p.iter(), |_| false);
    assert!(m.starts_with("{k=é") && m.ends_with("é [TRUNCATED]") && m.len() <= MAX_FIELD + 12, "{m}");
    // Off by default.
    let g = Gateway::from_bytes(br#"{"api": {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}}}"#).unwrap();
    assert!(g.trace_for(0, &request("GET", "/", &[], b"")).is_none());
}

// The stage's settings switch it on as AWS's do: data tracing at INFO for every method.
#[test]
fn stage_settings_switch_it_on() {
    let on = |settings: Value| {
        let config = json!({"api": {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}},
                            "stageSettings": {"methodSettings": {"*/*": settings}}});
        Gateway::from_bytes(config.to_string().as_bytes()).unwrap().config.deployments[0].trace
    };
    assert!(on(json!({"dataTraceEnabled": true, "loggingLevel": "INFO"})));
    assert!(!on(json!({"dataTraceEnabled": true, "loggingLevel": "ERROR"})));
    assert!(!on(json!({"dataTraceEnabled": false, "loggingLevel": "INFO"})));
    assert!(!on(json!({"loggingLevel": "INFO"})));
    let refused = Gateway::from_bytes(br#"{"api": {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}}, "trace": "yes"}"#);
    assert_eq!(refused.err().map(|e| e.to_string()).unwrap_or_default(),
               "invalid definition: deployment \"prod\": field trace: must be true or false");
}
