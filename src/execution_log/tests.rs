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
        "api": {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths},
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
