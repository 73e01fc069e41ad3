//! Property tests: configuration parsing, routing, selection patterns and the whole request flow
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]
//! never panic, whatever the input (a panic in the wasm VM breaks every later request).

use apigw_envoy::gateway::{Gateway, Outcome, Start};
use apigw_envoy::http::Request;
use proptest::prelude::*;
use serde_json::{json, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![Just("mock"), Just("aws_proxy"), Just("http"), Just("default"), Just("200"), Just("'x'"),
                    Just("context.stage"), Just("{\"statusCode\": 200}"), Just("#if($a)x#end")]
            .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (prop_oneof![
                    Just("type".to_string()), Just("responses".to_string()), Just("statusCode".to_string()),
                    Just("requestTemplates".to_string()), Just("responseTemplates".to_string()),
                    Just("responseParameters".to_string()), Just("selectionPattern".to_string()),
                    Just("x-amazon-apigateway-integration".to_string()), Just("get".to_string()),
                    Just("/{proxy+}".to_string()), Just("/a/{b}".to_string()), Just("security".to_string()),
                    "[a-z/{}+]{0,6}",
                ], inner),
                0..5,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn demo_gateway() -> Gateway {
    let def = json!({
        "openapi": "3.0.1",
        "paths": {
            "/pets": {"get": {"x-amazon-apigateway-integration": {"type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": $input.params('s')}"},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "$input.params()"}},
                              "4\\d{2}": {"statusCode": "400"}}}}},
            "/pets/{id}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {"type": "mock",
                "requestTemplates": {"application/json": "{statusCode: 200}"},
                "responses": {"default": {"statusCode": "200",
                    "responseParameters": {"method.response.header.X": "context.path"},
                    "responseTemplates": {"application/json": "$context.path $input.body"}}}}}},
            "/{proxy+}": {"post": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"}}}
        }
    });
    let cfg = json!({"api": def, "stagePrefix": "optional",
        "targets": {"lambda": {"cluster": "lambda", "authority": "lambda.local"}}});
    match Gateway::from_bytes(cfg.to_string().as_bytes()) {
        Ok(g) => g,
        Err(e) => panic!("demo config rejected: {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Arbitrary plugin configuration bytes and definitions are refused or accepted, never a panic.
    #[test]
    fn config_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200), def in arb_json()) {
        let _ = Gateway::from_bytes(&bytes);
        let _ = Gateway::from_bytes(json!({"api": {"openapi": "3.0.1", "paths": def.clone()}}).to_string().as_bytes());
        let _ = Gateway::from_bytes(json!({"api": {"swagger": "2.0", "paths": {"/x": def.clone()},
            "x-amazon-apigateway-gateway-responses": def}}).to_string().as_bytes());
    }

    // Arbitrary requests through the whole flow.
    #[test]
    fn requests_never_panic(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), "[A-Z]{0,7}"],
        path in "(/|/pets|/pets/[ -~]{0,8}|//prod/[ -~]{0,12}|[ -~]{0,24})(\\?[ -~]{0,16})?",
        headers in prop::collection::vec(("[a-z:-]{0,10}", "[ -~]{0,16}"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let g = demo_gateway();
        let req = Request { method, path, headers, body, source_ip: "127.0.0.1".into(),
            request_id: "id".into(), extended_request_id: "ext".into(), now_ms: 1_795_587_628_123 };
        match g.start(0, &req) {
            Start::Respond(r) => prop_assert!((100..=599).contains(&r.response.status)),
            Start::Routed(routed) => match g.finish(&routed, &req) {
                Outcome::Reply(r) => prop_assert!((100..=599).contains(&r.response.status)),
                Outcome::Call(c, env) => {
                    prop_assert_eq!(c.cluster.as_str(), "lambda");
                    let r = g.on_call_response(&routed, &req, env, 200, &[], &req.body);
                    prop_assert!((100..=599).contains(&r.response.status));
                }
                Outcome::Forward(f) => prop_assert!(!f.cluster.is_empty()),
            },
        }
    }

    // Routing arbitrary paths against arbitrary resource sets, each resource serving the method or
    // not; a match is always a resource that serves it.
    #[test]
    fn routing_never_panics(templates in prop::collection::vec("(/[a-z{}+]{0,5}){0,4}", 0..12),
                            serving in prop::collection::vec(any::<bool>(), 12), path in "[ -~]{0,40}") {
        let mut r = apigw_envoy::routing::Router::default();
        for (i, t) in templates.iter().enumerate() {
            let _ = r.insert(t, i);
        }
        let serves = |id: usize| serving.get(id).copied().unwrap_or(false);
        if let Some(m) = r.find(&path, &serves) {
            prop_assert!(serves(m.resource));
        }
        let _ = r.find(&path, &|_| true);
    }

    // Any selection pattern compiles or is refused; matching never panics.
    #[test]
    fn selection_never_panics(pattern in "[ -~]{0,16}", value in "[ -~]{0,16}") {
        if let Ok(p) = apigw_envoy::selection::Pattern::compile(&pattern) {
            let _ = p.matches(&value);
        }
    }

    // Gateway-response substitution and the MOCK statusCode scan on arbitrary text.
    #[test]
    fn text_scanners_never_panic(text in "[ -~\\n$é{}]{0,64}") {
        let _ = apigw_envoy::gateway_responses::substitute(&text, &|n| n.to_string());
        let _ = apigw_envoy::integration::mock::status_code(&text);
    }
}
