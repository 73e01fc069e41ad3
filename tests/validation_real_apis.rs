//! Request validation on definitions nobody here wrote (tests/real-apis, as JSON in
//! tests/validation/real-apis: see gen_real_apis.py there). Every operation of every one
//! compiles (none refused, published definitions must start: access-control §6), and requests
//! against the four that carry validators get AWS's answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

use apigw_envoy::validation::{Compiler, Model, Outcome, RequestParts, Validation};
use serde_json::Value;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/validation/real-apis")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every operation's validation: (`METHOD path`, validation).
fn compile_all(doc: &Value) -> Vec<(String, Option<Validation>)> {
    let mut compiler = Compiler::new(doc).unwrap_or_else(|e| panic!("validators refused: {e:?}"));
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (key, op) in item.as_object().unwrap() {
            if !METHODS.contains(&key.to_ascii_lowercase().as_str()) {
                continue;
            }
            let name = format!("{} {path}", key.to_ascii_uppercase());
            let v = compiler.operation(path, op).unwrap_or_else(|e| panic!("{name}: refused: {e:?}"));
            out.push((name, v));
        }
    }
    out
}

fn validation(doc: &Value, name: &str) -> Validation {
    compile_all(doc)
        .into_iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v)
        .unwrap_or_else(|| panic!("{name} has no validation"))
}

// All fifteen compile; the four with validators validate something; none has an unusable model
// except where a pattern AWS's ECMA engine reads is beyond the Java translator (listed here).
#[test]
fn every_operation_of_every_real_api_compiles() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/real-apis");
    let mut sources: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".yaml").or(n.strip_suffix(".json")).map(|s| format!("{s}.json")))
        .collect();
    sources.sort();
    assert_eq!(names, sources, "one JSON per file of tests/real-apis (run gen_real_apis.py)");
    assert_eq!(names.len(), 15);
    let mut validating = Vec::new();
    let mut unusable = Vec::new();
    for file in &names {
        let doc = load(file.trim_end_matches(".json"));
        for (op, v) in compile_all(&doc) {
            let Some(v) = v else { continue };
            validating.push(format!("{file}: {op}"));
            for (content_type, why) in v.unusable_models() {
                unusable.push(format!("{file}: {op} {content_type}: {why}"));
            }
        }
    }
    let apis: std::collections::BTreeSet<&str> = validating.iter().map(|s| s.split(':').next().unwrap()).collect();
    assert_eq!(
        apis.into_iter().collect::<Vec<_>>(),
        [
            "serverless-dx-workshop--contracts-sqs-sendmessage.json",
            "serverless-patterns--dynamodb-reminders-gateway-responses.json",
            "serverless-samples--vpclink-nlb-http-proxy-gateway-responses.json",
            "url-shortener--dynamodb-cors-response-override.json",
        ]
    );
    // GET and DELETE of the bookings API use a parameters validator but require no parameter.
    assert_eq!(validating.len(), 2 + 2 + 5 + 4, "{validating:#?}");
    assert_eq!(unusable, Vec::<String>::new());
}

fn body(v: &Validation, content_type: Option<&str>, body: &str) -> Outcome {
    v.check_body(content_type, body.as_bytes())
}

fn bad_body(s: &str) -> Outcome {
    Outcome::BadBody { validation_error_string: s.to_string() }
}

// Reminders API: the `reminder` model (required datetime, description, email; `format` not checked).
#[test]
fn reminders_api() {
    let doc = load("serverless-patterns--dynamodb-reminders-gateway-responses");
    let put = validation(&doc, "PUT /reminders/{id}");
    assert!(put.parameters.is_none(), "the validator checks only the body");
    assert_eq!(body(&put, None, "{}"), bad_body(r#"[object has missing required properties (["datetime","description","email"])]"#));
    assert_eq!(
        body(&put, Some("application/json"), r#"{"description": "x", "datetime": 5}"#),
        bad_body(r#"[object has missing required properties (["email"])]"#)
    );
    assert_eq!(
        body(&put, None, r#"{"description": "x", "datetime": 5, "email": "not an email"}"#),
        bad_body(r#"[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]"#)
    );
    assert_eq!(body(&put, None, r#"{"description": "x", "datetime": "2024", "email": "a@b"}"#), Outcome::Ok);
    assert_eq!(body(&put, None, ""), bad_body("[Unknown error parsing request body]"));
    assert_eq!(body(&put, Some("text/plain"), "anything"), Outcome::Ok);
}

// URL shortener: validators `all`, `params`, `body`; an Authorization header from
// `#/components/parameters`; a pattern on the URL.
#[test]
fn url_shortener_api() {
    let doc = load("url-shortener--dynamodb-cors-response-override");
    let delete = validation(&doc, "DELETE /app/{linkId}");
    assert!(delete.body.is_none());
    let path = vec![("linkId".to_string(), "abc".to_string())];
    assert_eq!(
        delete.check_parameters(&[], &path, &[]),
        Outcome::BadParameters("Missing required request parameters: [Authorization]".into())
    );
    let auth = vec![("authorization".to_string(), "token".to_string())];
    assert_eq!(delete.check_parameters(&auth, &path, &[]), Outcome::Ok);
    assert_eq!(
        delete.check_parameters(&[], &[], &[]),
        Outcome::BadParameters("Missing required request parameters: [Authorization, linkId]".into())
    );

    let post = validation(&doc, "POST /app");
    assert!(post.parameters.is_none(), "validator `body` does not check the Authorization header");
    let ok = RequestParts { content_type: Some("application/json"), body: br#"{"id": "a", "url": "https://aws.amazon.com/x"}"#, ..Default::default() };
    assert_eq!(post.check(&ok), Outcome::Ok);
    let pattern = r#"^https?://[-a-zA-Z0-9@:%._\\+~#=]{2,256}\\.[a-z]{2,6}\\b([-a-zA-Z0-9@:%_\\+.~#?&//=]*)"#;
    assert_eq!(
        body(&post, None, r#"{"id": "a", "url": "ftp://x"}"#),
        bad_body(&format!(r#"[ECMA 262 regex "{pattern}" does not match input string "ftp://x"]"#))
    );
    assert_eq!(body(&post, None, r#"{"url": 1}"#), bad_body(r#"[object has missing required properties (["id"])]"#));

    let put = validation(&doc, "PUT /app/{linkId}");
    assert!(matches!(put.body.as_ref().unwrap().model_for(None), Some(Model::Schema(_))));
    assert_eq!(
        body(&put, None, r#"{"id": "a", "url": "/https://x.io/", "timestamp": "t", "owner": "o"}"#),
        Outcome::Ok
    );
    assert_eq!(
        body(&put, None, r#"{"id": "a", "url": "x", "timestamp": "t", "owner": "o"}"#),
        bad_body(r#"[ECMA 262 regex "/((([A-Za-z]{3,9}:(?:\\/\\/)?)(?:[-;:&=\\+\\$,\\w]+@)?[A-Za-z0-9.-]+|(?:www.|[-;:&=\\+\\$,\\w]+@)[A-Za-z0-9.-]+)((?:\\/[\\+~%\\/.\\w-_]*)?\\??(?:[-\\+=&;%@.\\w_]*)#?(?:[\\w]*))?)/" does not match input string "x"]"#)
    );
}

// Unicorn Contracts: UpdateContractModel shares CreateContractModel's properties through
// `properties: {$ref: ".../properties"}`.
#[test]
fn contracts_api() {
    let doc = load("serverless-dx-workshop--contracts-sqs-sendmessage");
    let create = validation(&doc, "POST /contracts");
    assert_eq!(
        body(&create, None, r#"{"property_id": "p"}"#),
        bad_body(r#"[object has missing required properties (["seller_name","address"])]"#)
    );
    let address = r#"{"country": "x", "city": "y", "street": "z", "number": "12"}"#;
    assert_eq!(
        body(&create, None, &format!(r#"{{"property_id": "p", "seller_name": "s", "address": {address}}}"#)),
        bad_body(r#"[instance type (string) does not match any allowed primitive type (allowed: ["integer"])]"#)
    );
    let update = validation(&doc, "PUT /contracts");
    assert_eq!(body(&update, None, r#"{"property_id": "p"}"#), Outcome::Ok);
    assert_eq!(
        body(&update, None, r#"{"property_id": 1}"#),
        bad_body(r#"[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]"#)
    );
}

// Bookings (Swagger 2, `consumes`): an enum, a number, and a query string validator whose
// operations declare no required parameter.
#[test]
fn bookings_api() {
    let doc = load("serverless-samples--vpclink-nlb-http-proxy-gateway-responses");
    let put = validation(&doc, "PUT /locations/{locationID}/resources");
    assert_eq!(
        body(&put, None, r#"{"name": "n", "type": "garage"}"#),
        bad_body(r#"[instance value ("garage") not found in enum (possible values: ["room","demo","arena","hall"])]"#)
    );
    assert_eq!(body(&put, None, r#"{"name": "n", "type": "hall"}"#), Outcome::Ok);
    let bookings = validation(&doc, "PUT /users/{userID}/bookings");
    assert_eq!(
        body(&bookings, None, r#"{"resourceID": "r", "starttimeepochtime": "soon"}"#),
        bad_body(r#"[instance type (string) does not match any allowed primitive type (allowed: ["number"])]"#)
    );
    assert_eq!(body(&bookings, None, r#"{"resourceID": "r", "starttimeepochtime": 1.5e9}"#), Outcome::Ok);
}
