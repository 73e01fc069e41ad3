//! Compiling operations (validators, parameters, body models) and checking requests.

use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn swagger() -> Value {
    json!({
        "swagger": "2.0",
        "consumes": ["application/json"],
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": true, "validateRequestParameters": true},
            "params": {"validateRequestParameters": true},
            "body": {"validateRequestBody": true}
        },
        "x-amazon-apigateway-request-validator": "all",
        "parameters": {"tenant": {"name": "X-Tenant", "in": "header", "required": true}},
        "definitions": {"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
        "paths": {
            "/pets/{petId}": {
                "parameters": [
                    {"name": "petId", "in": "path", "required": true},
                    {"name": "q", "in": "query", "required": false},
                    {"name": "divisor", "in": "query", "required": true}
                ],
                "post": {
                    "consumes": ["application/json", "application/x-pet"],
                    "parameters": [
                        {"name": "q", "in": "query", "required": true},
                        {"$ref": "#/parameters/tenant"},
                        {"name": "dividend", "in": "query", "required": true},
                        {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}
                    ]
                },
                "put": {
                    "x-amazon-apigateway-request-validator": "body",
                    "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}]
                },
                "get": {"x-amazon-apigateway-request-validator": "params"}
            }
        }
    })
}

fn op<'d>(doc: &'d Value, path: &str, method: &str) -> &'d Value {
    &doc["paths"][path][method]
}

// Names missing: headers first, then path, then query, each in definition order (path item's
// parameters first, an overridden one in its place); a `$ref` parameter is resolved.
#[test]
fn missing_parameters_in_aws_order() {
    let doc = swagger();
    let v = compile_operation(&doc, "/pets/{petId}", op(&doc, "/pets/{petId}", "post")).unwrap().unwrap();
    let p = v.parameters.as_ref().unwrap();
    assert_eq!(p.headers(), ["X-Tenant"]);
    assert_eq!(p.path(), ["petId"]);
    assert_eq!(p.query(), ["q", "divisor", "dividend"]);
    assert_eq!(
        v.check_parameters(&[], &[], &[]),
        Outcome::BadParameters("Missing required request parameters: [X-Tenant, petId, q, divisor, dividend]".into())
    );
    let headers = pairs(&[("x-tenant", "t1")]);
    let path = pairs(&[("petId", "7")]);
    // Empty or blank counts as missing; a repeated key counts by its last value.
    let query = pairs(&[("q", "1"), ("divisor", ""), ("dividend", "2"), ("dividend", " ")]);
    assert_eq!(
        v.check_parameters(&headers, &path, &query),
        Outcome::BadParameters("Missing required request parameters: [divisor, dividend]".into())
    );
    let query = pairs(&[("q", "1"), ("divisor", "3"), ("dividend", "")]);
    let query = [query, pairs(&[("dividend", "6")])].concat();
    assert_eq!(v.check_parameters(&headers, &path, &query), Outcome::Ok);
    // Header names are compared case-insensitively, query names exactly.
    let upper = pairs(&[("X-TENANT", "t1")]);
    assert_eq!(v.check_parameters(&upper, &path, &query), Outcome::Ok);
    let wrong_case = pairs(&[("Q", "1"), ("divisor", "3"), ("dividend", "6")]);
    assert_eq!(
        v.check_parameters(&headers, &path, &wrong_case),
        Outcome::BadParameters("Missing required request parameters: [q]".into())
    );
}

// The body model applies to each type of `consumes`; parameters are checked before the body.
#[test]
fn swagger_body_and_order_of_checks() {
    let doc = swagger();
    let v = compile_operation(&doc, "/pets/{petId}", op(&doc, "/pets/{petId}", "post")).unwrap().unwrap();
    let body = v.body.as_ref().unwrap();
    let types: Vec<&str> = body.models().map(|(t, _)| t).collect();
    assert_eq!(types, ["application/json", "application/x-pet"]);
    let bad = RequestParts { content_type: Some("application/json"), body: b"{}", ..Default::default() };
    assert!(matches!(v.check(&bad), Outcome::BadParameters(_)));
    let (headers, path) = (pairs(&[("x-tenant", "t")]), pairs(&[("petId", "1")]));
    let query = pairs(&[("q", "1"), ("divisor", "1"), ("dividend", "1")]);
    let req = RequestParts { headers: &headers, path_params: &path, query: &query, ..bad };
    assert_eq!(
        v.check(&req),
        Outcome::BadBody { validation_error_string: r#"[object has missing required properties (["name"])]"#.into() }
    );
    let ok = RequestParts { body: br#"{"name": "rex"}"#, content_type: Some("APPLICATION/X-PET; charset=utf-8"), ..req };
    assert_eq!(v.check(&ok), Outcome::Ok);
    // No model for the type: not validated.
    let other = RequestParts { body: b"not json", content_type: Some("text/plain"), ..req };
    assert_eq!(v.check(&other), Outcome::Ok);
}

// A validator that checks only the body ignores parameters, and the reverse; a GET with only
// non-required parameters validates nothing.
#[test]
fn validator_flags() {
    let doc = swagger();
    let put = compile_operation(&doc, "/pets/{petId}", op(&doc, "/pets/{petId}", "put")).unwrap().unwrap();
    assert!(put.parameters.is_none());
    assert_eq!(put.check_body(None, b"[]"),
        Outcome::BadBody { validation_error_string: r#"[instance type (array) does not match any allowed primitive type (allowed: ["object"])]"#.into() });
    let get = compile_operation(&doc, "/pets/{petId}", op(&doc, "/pets/{petId}", "get")).unwrap().unwrap();
    assert!(get.body.is_none());
    assert_eq!(get.parameters.as_ref().unwrap().query(), ["divisor"]);
    assert!(!get.needs_body(None));
    assert!(put.needs_body(None));
    assert!(!put.needs_body(Some("text/plain")));
    let none = json!({"paths": {"/x": {"get": {"parameters": [{"name": "a", "in": "query", "required": true}]}}}});
    assert!(compile_operation(&none, "/x", &none["paths"]["/x"]["get"]).unwrap().is_none());
}

fn openapi() -> Value {
    json!({
        "openapi": "3.0.1",
        "x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": true}},
        "components": {
            "schemas": {"Msg": {"type": "object", "required": ["text"]}},
            "requestBodies": {"MsgBody": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Msg"}},
                "$default": {"schema": {"type": "string"}},
                "text/plain": {}
            }}}
        },
        "paths": {
            "/m": {
                "post": {"x-amazon-apigateway-request-validator": "body", "requestBody": {"$ref": "#/components/requestBodies/MsgBody"}},
                "put": {"x-amazon-apigateway-request-validator": "body", "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Msg"}}}}},
                "patch": {"x-amazon-apigateway-request-validator": "body", "requestBody": {"content": {
                    "application/json": {"schema": {"type": "string", "pattern": "(?=x)"}}}}}
            }
        }
    })
}

// OpenAPI 3: the model of the Content-Type (a missing one is application/json), `$default` for
// the others, a request body `$ref` resolved; an empty or unparsable body is invalid.
#[test]
fn openapi_models_by_content_type() {
    let doc = openapi();
    let v = compile_operation(&doc, "/m", op(&doc, "/m", "post")).unwrap().unwrap();
    let missing = Outcome::BadBody { validation_error_string: r#"[object has missing required properties (["text"])]"#.into() };
    assert_eq!(v.check_body(None, b"{}"), missing);
    assert_eq!(v.check_body(Some(""), b"{}"), missing);
    assert_eq!(v.check_body(Some("application/json"), br#"{"text": 1}"#), Outcome::Ok);
    let unparsable = Outcome::BadBody { validation_error_string: "[Unknown error parsing request body]".into() };
    assert_eq!(v.check_body(None, b""), unparsable);
    assert_eq!(v.check_body(None, b"{\"text\""), unparsable);
    // Jackson reads the first value and ignores what follows.
    assert_eq!(v.check_body(None, br#"{"text": 1} trailing"#), Outcome::Ok);
    // text/plain has no schema: the $default model applies to it as to every other type.
    assert_eq!(v.check_body(Some("text/plain"), b"\"x\""), Outcome::Ok);
    assert!(matches!(v.check_body(Some("application/xml"), b"<x/>"), Outcome::BadBody { .. }));
}

// A model used by several operations compiles once.
#[test]
fn models_are_shared() {
    let doc = openapi();
    let mut c = Compiler::new(&doc).unwrap();
    let post = c.operation("/m", op(&doc, "/m", "post")).unwrap().unwrap();
    let put = c.operation("/m", op(&doc, "/m", "put")).unwrap().unwrap();
    let model = |v: &Validation| match v.body.as_ref().unwrap().model_for(None) {
        Some(Model::Schema(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    assert!(Arc::ptr_eq(&model(&post), &model(&put)));
}

// A model AWS accepts but cannot use makes that operation's bodies 500, with AWS's log text, and
// is listed for a warning at load; parameters are still checked first.
#[test]
fn unusable_model_answers_500() {
    let doc = openapi();
    let v = compile_operation(&doc, "/m", op(&doc, "/m", "patch")).unwrap().unwrap();
    let unusable: Vec<(&str, &str)> = v.unusable_models().collect();
    assert_eq!(unusable.len(), 1);
    assert_eq!(unusable[0].0, "application/json");
    assert!(unusable[0].1.contains("requestBody.content.application/json.schema.pattern"), "{}", unusable[0].1);
    match v.check_body(None, b"\"x\"") {
        Outcome::Broken(log) => assert!(log.starts_with("Request body validation failed due to an unexpected error: "), "{log}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(v.check_body(Some("text/plain"), b"x"), Outcome::Ok);
}

// Load-time refusals name the field of the operation (or the model's place).
#[test]
fn refusals_name_the_field() {
    let field = |doc: Value, path: &str, method: &str| -> String {
        let doc = doc;
        compile_operation(&doc, path, &doc["paths"][path][method]).unwrap_err().0
    };
    let mut doc = swagger();
    doc["paths"]["/pets/{petId}"]["post"]["x-amazon-apigateway-request-validator"] = json!("nope");
    assert_eq!(field(doc, "/pets/{petId}", "post"), "x-amazon-apigateway-request-validator");
    let mut doc = swagger();
    doc["paths"]["/pets/{petId}"]["post"]["parameters"][1] = json!({"$ref": "#/parameters/missing"});
    assert_eq!(field(doc, "/pets/{petId}", "post"), "parameters[1].$ref");
    let mut doc = swagger();
    doc["definitions"]["Pet"]["properties"]["name"]["type"] = json!("text");
    assert_eq!(field(doc, "/pets/{petId}", "post"), "definitions.Pet.properties.name.type");
    let mut doc = openapi();
    doc["paths"]["/m"]["put"]["requestBody"]["content"]["application/json"]["schema"] = json!({"items": 5});
    assert_eq!(field(doc, "/m", "put"), "requestBody.content.application/json.schema.items");
    let mut doc = openapi();
    doc["paths"]["/m"]["post"]["requestBody"] = json!({"$ref": "#/components/requestBodies/Nope"});
    assert_eq!(field(doc, "/m", "post"), "requestBody.$ref");
    // A broken model of an operation that does not validate bodies is not read.
    let mut doc = swagger();
    doc["definitions"]["Pet"]["type"] = json!("text");
    assert!(compile_operation(&doc, "/pets/{petId}", &doc["paths"]["/pets/{petId}"]["get"]).is_ok());
    let bad_root = json!({"x-amazon-apigateway-request-validators": {"v": {"validateRequestBody": "yes"}}});
    assert_eq!(
        Compiler::new(&bad_root).err().unwrap().0,
        "x-amazon-apigateway-request-validators.v.validateRequestBody"
    );
}

#[test]
fn media_types() {
    assert_eq!(media_type("Application/JSON; charset=UTF-8"), "application/json");
    assert_eq!(media_type("  text/plain  "), "text/plain");
    assert_eq!(media_type(""), "");
}

// A body that makes a schema of nested combinators work exponentially is stopped by the step
// budget (STEPS_BASE + STEPS_PER_BODY_BYTE per byte): 500, with AWS's log text.
#[test]
fn body_step_budget() {
    let doc = json!({
        "x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": true}},
        "x-amazon-apigateway-request-validator": "body",
        "definitions": {"t": {"anyOf": [
            {"type": "object", "properties": {"a": {"$ref": "#/definitions/t"}}, "required": ["x"]},
            {"type": "object", "properties": {"a": {"$ref": "#/definitions/t"}}, "required": ["y"]},
            {"type": "integer"}
        ]}},
        "paths": {"/t": {"post": {"parameters": [{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/t"}}]}}}
    });
    let v = compile_operation(&doc, "/t", &doc["paths"]["/t"]["post"]).unwrap().unwrap();
    let mut body = json!("leaf");
    for _ in 0..40 {
        body = json!({"a": body, "x": 1, "y": 1});
    }
    let text = body.to_string();
    let budget = body::STEPS_BASE + body::STEPS_PER_BODY_BYTE * text.len() as u64;
    match v.check_body(None, text.as_bytes()) {
        Outcome::Broken(log) => assert_eq!(log, format!("{BROKEN_LOG}: validation took more than {budget} steps")),
        other => panic!("{other:?}"),
    }
}

// The densest legitimate body (one-digit numbers, two bytes a value), each value visited by two
// schemas, stays within the step budget.
#[test]
fn dense_body_fits_the_budget() {
    let doc = json!({
        "x-amazon-apigateway-request-validators": {"body": {"validateRequestBody": true}},
        "x-amazon-apigateway-request-validator": "body",
        "definitions": {"n": {"type": "integer", "minimum": 0}},
        "paths": {"/t": {"post": {"parameters": [{"in": "body", "name": "b",
            "schema": {"type": "array", "items": {"allOf": [{"$ref": "#/definitions/n"}]}}}]}}}
    });
    let v = compile_operation(&doc, "/t", &doc["paths"]["/t"]["post"]).unwrap().unwrap();
    let text = format!("[{}1]", "1,".repeat(100_000));
    assert_eq!(v.check_body(None, text.as_bytes()), Outcome::Ok);
    let text = format!("[{}-1]", "1,".repeat(100_000));
    assert_eq!(
        v.check_body(None, text.as_bytes()),
        Outcome::BadBody { validation_error_string: "[instance failed to match all required schemas (matched only 0 out of 1)]".into() }
    );
}
