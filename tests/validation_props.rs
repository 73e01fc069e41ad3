//! Property tests: compiling arbitrary JSON schemas and definitions, and validating arbitrary
//! bodies and requests against them, never panics (a panic in the wasm VM breaks every later
//! request); a verdict is deterministic and its message list is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::validation::schema::{compile, Verdict, MAX_MESSAGES};
use apigw_envoy::validation::{Compiler, RequestParts};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const KEYWORDS: &[&str] = &[
    "type", "enum", "required", "properties", "patternProperties", "additionalProperties", "items",
    "additionalItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "allOf", "anyOf", "oneOf", "not", "$ref", "uniqueItems",
    "dependencies", "minItems", "maxItems", "minProperties", "maxProperties", "format", "a", "b",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-3i64..20).prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        prop_oneof![Just(0.1), Just(0.5), Just(-2.5), Just(1e300), Just(1e-300)].prop_map(|f| json!(f)),
        "[ -~]{0,8}".prop_map(Value::String),
        "[a-c]{0,3}".prop_map(Value::String),
    ]
}

fn type_value() -> impl Strategy<Value = Value> {
    let name = prop::sample::select(vec!["string", "integer", "number", "object", "array", "null", "boolean", "any"]);
    prop_oneof![
        name.clone().prop_map(|n| json!(n)),
        prop::collection::vec(name, 0..3).prop_map(|n| json!(n)),
    ]
}

fn reference() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        "#", "#/definitions/a", "#/definitions/b", "#/definitions/zz", "#/definitions/a/properties",
        "https://apigateway.amazonaws.com/restapis/x/models/a", "http://x/y.json",
    ])
    .prop_map(|r| json!(r))
}

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["^a+$", "b", "(", "[\\w-_]", "(?=x)", "a{2,3}", "\\d", "^[a-c]$", ""]).prop_map(str::to_string),
        "[a-c^$.*+?|()]{0,5}",
    ]
}

fn object(kv: Vec<(String, Value)>) -> Value {
    Value::Object(kv.into_iter().collect::<Map<String, Value>>())
}

/// One keyword of a schema: mostly a value of the right shape, sometimes anything.
fn keyword(inner: BoxedStrategy<Value>) -> impl Strategy<Value = (String, Value)> {
    let k = |name: &'static str| move |v: Value| (name.to_string(), v);
    let count = || (0u64..5).prop_map(|n| json!(n));
    let schemas = || prop::collection::vec(inner.clone(), 1..3).prop_map(Value::Array);
    let named = || prop::collection::vec(("[a-c]", inner.clone()), 0..3).prop_map(object);
    let additional = || prop_oneof![any::<bool>().prop_map(Value::Bool), inner.clone()];
    prop_oneof![
        prop_oneof![
            type_value().prop_map(k("type")),
            prop::collection::vec(leaf(), 1..4).prop_map(Value::Array).prop_map(k("enum")),
            prop::collection::vec("[a-c]", 0..3).prop_map(|r| json!(r)).prop_map(k("required")),
            named().prop_map(k("properties")),
            prop::collection::vec((pattern(), inner.clone()), 0..2).prop_map(object).prop_map(k("patternProperties")),
            additional().prop_map(k("additionalProperties")),
            named().prop_map(k("dependencies")),
        ],
        prop_oneof![
            inner.clone().prop_map(k("items")),
            schemas().prop_map(k("items")),
            additional().prop_map(k("additionalItems")),
            schemas().prop_map(k("allOf")),
            schemas().prop_map(k("anyOf")),
            schemas().prop_map(k("oneOf")),
            inner.clone().prop_map(k("not")),
            reference().prop_map(k("$ref")),
        ],
        prop_oneof![
            (-5i64..5).prop_map(|n| json!(n)).prop_map(k("minimum")),
            prop_oneof![Just(json!(2.5)), (-5i64..5).prop_map(|n| json!(n))].prop_map(k("maximum")),
            prop_oneof![Just(json!(0.1)), Just(json!(2)), Just(json!(0))].prop_map(k("multipleOf")),
            any::<bool>().prop_map(Value::Bool).prop_map(k("exclusiveMinimum")),
            any::<bool>().prop_map(Value::Bool).prop_map(k("exclusiveMaximum")),
            any::<bool>().prop_map(Value::Bool).prop_map(k("uniqueItems")),
            pattern().prop_map(|p| json!(p)).prop_map(k("pattern")),
        ],
        prop_oneof![
            count().prop_map(k("minLength")),
            count().prop_map(k("maxLength")),
            count().prop_map(k("minItems")),
            count().prop_map(k("maxItems")),
            count().prop_map(k("minProperties")),
            count().prop_map(k("maxProperties")),
            (prop::sample::select(KEYWORDS), leaf()).prop_map(|(name, v)| (name.to_string(), v)),
        ],
    ]
}

fn arb_schema() -> impl Strategy<Value = Value> {
    let base = prop_oneof![Just(json!({})), type_value().prop_map(|t| json!({"type": t})), leaf()];
    base.prop_recursive(4, 48, 5, |inner| {
        prop::collection::vec(keyword(inner.boxed()), 0..5).prop_map(object)
    })
}

fn arb_body() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-c]{1,2}|x-[a-z]", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    // Any schema compiles or is refused or unusable; a compiled one validates any body.
    #[test]
    fn schemas_and_bodies_never_panic(s in arb_schema(), a in arb_schema(), b in arb_schema(), body in arb_body()) {
        let doc = json!({"definitions": {"a": a, "b": b}});
        if let Ok(schema) = compile(&doc, &s, "s") {
            let first = schema.validate(&body, 50_000);
            if let Verdict::Invalid(m) = &first {
                prop_assert!(!m.is_empty() && m.len() <= MAX_MESSAGES);
            }
            prop_assert_eq!(first, schema.validate(&body, 50_000));
        }
    }

    // Any operation of any definition compiles or is refused; a compiled one checks any request.
    #[test]
    fn operations_and_requests_never_panic(
        model in arb_schema(),
        params in prop::collection::vec(("[a-c]", prop::sample::select(vec!["header", "path", "query", "body", "x"]), any::<bool>()), 0..5),
        validator in prop::sample::select(vec!["all", "body", "params", "none", "missing"]),
        content_type in prop::option::of(prop_oneof![Just("application/json".to_string()), Just("text/plain; q=1".to_string()), "[ -~]{0,12}"]),
        body in prop::collection::vec(any::<u8>(), 0..64),
        json_body in arb_body(),
        query in prop::collection::vec(("[a-c]", "[ a-z]{0,2}"), 0..4),
    ) {
        let parameters: Vec<Value> = params
            .iter()
            .map(|(name, location, required)| json!({"name": name, "in": location, "required": required, "schema": model}))
            .collect();
        let doc = json!({
            "swagger": "2.0",
            "definitions": {"M": model},
            "x-amazon-apigateway-request-validators": {
                "all": {"validateRequestBody": true, "validateRequestParameters": true},
                "body": {"validateRequestBody": true},
                "params": {"validateRequestParameters": true},
                "none": {}
            },
            "paths": {"/p/{a}": {
                "parameters": parameters,
                "post": {"x-amazon-apigateway-request-validator": validator,
                         "parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/M"}}]},
                "put": {"x-amazon-apigateway-request-validator": validator,
                        "requestBody": {"content": {"application/json": {"schema": model}, "$default": {"schema": {"$ref": "#/definitions/M"}}}}}
            }}
        });
        let Ok(mut compiler) = Compiler::new(&doc) else { return Ok(()) };
        let json_text = json_body.to_string();
        for method in ["post", "put"] {
            let Ok(Some(v)) = compiler.operation("/p/{a}", &doc["paths"]["/p/{a}"][method]) else { continue };
            let headers = vec![("a".to_string(), "1".to_string())];
            let query: Vec<(String, String)> = query.clone();
            for bytes in [&body[..], json_text.as_bytes()] {
                let req = RequestParts { headers: &headers, path_params: &[], query: &query, content_type: content_type.as_deref(), body: bytes };
                let _ = v.check(&req);
                let _ = v.needs_body(content_type.as_deref());
            }
            let _ = v.unusable_models().count();
        }
    }
}
