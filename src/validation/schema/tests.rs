//! The draft 4 validator: each keyword's verdict and AWS's message, the order AWS's validator
//! reports in, what is refused at load and what only makes a model unusable, and the limits.

use serde_json::{json, Value};

use super::*;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn schema(s: Value) -> Schema {
    match compile(&json!({}), &s, "s") {
        Ok(c) => c,
        Err(e) => panic!("{s} did not compile: {e:?}"),
    }
}

fn messages(s: Value, instance: Value) -> Vec<String> {
    match schema(s.clone()).validate(&instance, 1_000_000) {
        Verdict::Valid => Vec::new(),
        Verdict::Invalid(m) => m,
        Verdict::Aborted(why) => panic!("{s} on {instance}: aborted ({why})"),
    }
}

// Each row: schema, instance, AWS's messages (none: valid).
#[test]
fn keyword_table() {
    let rows: Vec<(Value, Value, Vec<&str>)> = vec![
        (json!({"type": "integer"}), json!("x"), vec![r#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#]),
        (json!({"type": "integer"}), json!(1.0), vec![r#"instance type (number) does not match any allowed primitive type (allowed: ["integer"])"#]),
        (json!({"type": "integer"}), json!(-3), vec![]),
        (json!({"type": "number"}), json!(1), vec![]),
        (json!({"type": ["string", "null"]}), json!(null), vec![]),
        (json!({"type": ["string", "null"]}), json!(true), vec![r#"instance type (boolean) does not match any allowed primitive type (allowed: ["null","string"])"#]),
        (json!({"type": "object", "required": ["email", "password"]}), json!({}), vec![r#"object has missing required properties (["email","password"])"#]),
        (json!({"required": ["a", "b"]}), json!({"b": 1}), vec![r#"object has missing required properties (["a"])"#]),
        (json!({"required": ["a"]}), json!("not an object"), vec![]),
        (json!({"enum": ["a", 1, {"k": [1]}]}), json!("b"), vec![r#"instance value ("b") not found in enum (possible values: ["a",1,{"k":[1]}])"#]),
        (json!({"enum": ["a", 1, {"k": [1]}]}), json!(1.0), vec![]),
        (json!({"enum": ["a", 1, {"k": [1]}]}), json!({"k": [1.0]}), vec![]),
        (json!({"minimum": 1}), json!(0), vec!["numeric instance is lower than the required minimum (minimum: 1, found: 0)"]),
        (json!({"minimum": 1}), json!(1), vec![]),
        (json!({"minimum": 1, "exclusiveMinimum": true}), json!(1), vec!["numeric instance is not strictly greater than the required minimum 1"]),
        (json!({"maximum": 2.5}), json!(3), vec!["numeric instance is greater than the required maximum (maximum: 2.5, found: 3)"]),
        (json!({"maximum": 2, "exclusiveMaximum": true}), json!(2.0), vec!["numeric instance is not strictly lower than the required maximum 2"]),
        (json!({"minimum": 5}), json!("3"), vec![]),
        (json!({"multipleOf": 0.1}), json!(0.3), vec![]),
        (json!({"multipleOf": 0.1}), json!(0.35), vec!["remainder of division is not zero (0.35 / 0.1)"]),
        (json!({"minLength": 3}), json!("ab"), vec![r#"string "ab" is too short (length: 2, required minimum: 3)"#]),
        (json!({"maxLength": 2}), json!("héé"), vec![r#"string "héé" is too long (length: 3, maximum allowed: 2)"#]),
        (json!({"maxLength": 1}), json!("😀"), vec![]),
        (json!({"minLength": 5}), json!("a\"b\n"), vec![r#"string "a\"b\n" is too short (length: 4, required minimum: 5)"#]),
        (json!({"pattern": "^[0-9]+$"}), json!("12a"), vec![r#"ECMA 262 regex "^[0-9]+$" does not match input string "12a""#]),
        (json!({"pattern": "b"}), json!("abc"), vec![]),
        (json!({"pattern": "^\\d"}), json!(5), vec![]),
        (json!({"minItems": 2}), json!([1]), vec!["array is too short: must have at least 2 elements but instance has 1 elements"]),
        (json!({"maxItems": 1}), json!([1, 2]), vec!["array is too long: must have at most 1 elements but instance has 2 elements"]),
        (json!({"uniqueItems": true}), json!([1, {"a": 1}, {"a": 1.0}]), vec!["array must not contain duplicate elements"]),
        (json!({"uniqueItems": true}), json!([1, "1", [1], {"a": 1}]), vec![]),
        (json!({"items": [{"type": "string"}], "additionalItems": false}), json!(["a", 1]), vec!["schema only allows 1 elements in array but instance has 2 elements"]),
        (json!({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}), json!(["a", 1, 2]), vec![]),
        (json!({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}), json!(["a", "b"]), vec![r#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#]),
        (json!({"items": {"type": "string"}}), json!(["a", 1]), vec![r#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#]),
        (json!({"additionalItems": false}), json!([1, 2]), vec![]),
        (
            json!({"properties": {"a": {}}, "patternProperties": {"^x-": {}}, "additionalProperties": false}),
            json!({"c": 1, "a": 1, "x-y": 2, "b": 3}),
            vec![r#"object instance has properties which are not allowed by the schema: ["b","c"]"#],
        ),
        (json!({"additionalProperties": {"type": "string"}, "properties": {"n": {"type": "integer"}}}), json!({"n": 1, "s": "x"}), vec![]),
        // Names in Java's order (UTF-16 units): U+1F600 (a surrogate pair) before U+FF61.
        (json!({"additionalProperties": false}), json!({"\u{ff61}": 1, "\u{1f600}": 2}), vec!["object instance has properties which are not allowed by the schema: [\"\u{1f600}\",\"\u{ff61}\"]"]),
        (json!({"patternProperties": {"^n": {"type": "integer"}}}), json!({"n1": "x"}), vec![r#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#]),
        (json!({"minProperties": 2}), json!({"a": 1}), vec!["object has too few properties (found 1 but schema requires at least 2)"]),
        (json!({"maxProperties": 1}), json!({"a": 1, "b": 2}), vec!["object has too many properties (found 2 but schema requires at most 1)"]),
        (json!({"dependencies": {"a": ["b", "c"]}}), json!({"a": 1, "c": 1}), vec![r#"property "a" of object has missing property dependencies (schema requires ["b","c"]; missing: ["b"])"#]),
        (json!({"dependencies": {"a": {"required": ["z"]}}}), json!({"a": 1}), vec![r#"object has missing required properties (["z"])"#]),
        (json!({"dependencies": {"a": ["b"]}}), json!({"b": 1}), vec![]),
        (json!({"allOf": [{"type": "string"}, {"minLength": 2}]}), json!("a"), vec!["instance failed to match all required schemas (matched only 1 out of 2)"]),
        (json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}), json!(true), vec!["instance failed to match at least one required schema among 2"]),
        (json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}), json!(3), vec![]),
        (json!({"oneOf": [{"type": "integer"}, {"type": "number"}, {"minimum": 0}]}), json!(1), vec!["instance failed to match exactly one schema (matched 3 out of 3)"]),
        (json!({"oneOf": [{"type": "integer"}, {"type": "string"}]}), json!(1), vec![]),
        (json!({"not": {"type": "string"}}), json!("x"), vec!["instance matched a schema which it should not have"]),
        (json!({"not": {"type": "string"}}), json!(1), vec![]),
        // Not draft 4, or not validated: ignored.
        (json!({"const": 1, "format": "email", "nullable": true, "example": "x", "exclusiveMinimum": true}), json!("no at sign"), vec![]),
        (json!({}), json!({"anything": [1, "x"]}), vec![]),
    ];
    for (s, instance, want) in rows {
        assert_eq!(messages(s.clone(), instance.clone()), want, "{s} on {instance}");
    }
}

// AWS's validator runs a schema's keywords in the order of their names: `required` before `type`.
#[test]
fn keywords_report_in_name_order() {
    assert_eq!(
        messages(json!({"type": "string", "required": ["a"], "maxProperties": 0}), json!({"b": 1})),
        vec![
            "object has too many properties (found 1 but schema requires at most 0)",
            r#"object has missing required properties (["a"])"#,
            r#"instance type (object) does not match any allowed primitive type (allowed: ["string"])"#,
        ]
    );
}

// Once something failed, no deeper value is visited; the values at hand still have their own
// keywords checked. Members go in name order.
#[test]
fn failures_stop_the_descent() {
    let s = json!({"type": "object", "required": ["a"], "properties": {"b": {"type": "string"}}});
    assert_eq!(messages(s, json!({"b": 1})), vec![r#"object has missing required properties (["a"])"#]);
    let s = json!({"properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
    let t = r#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#;
    assert_eq!(messages(s, json!({"b": 1, "a": 2})), vec![t, t]);
    let s = json!({"properties": {"a": {"type": "string"}, "b": {"properties": {"c": {"type": "string"}}}}});
    assert_eq!(messages(s, json!({"b": {"c": 1}, "a": 2})), vec![t]);
    let s = json!({"properties": {"a": {"minLength": 2}, "b": {"minLength": 2}}});
    assert_eq!(
        messages(s, json!({"b": "y", "a": "x"})),
        vec![
            r#"string "x" is too short (length: 1, required minimum: 2)"#,
            r#"string "y" is too short (length: 1, required minimum: 2)"#
        ]
    );
}

// Recursive models compile to a cycle of indices and validate at any (parsed) depth.
#[test]
fn recursive_references() {
    let doc = json!({"definitions": {"node": {"type": "object", "required": ["v"], "properties": {
        "v": {"type": "integer"}, "child": {"$ref": "#/definitions/node"}}}}});
    let s = compile(&doc, &json!({"$ref": "#/definitions/node"}), "s").unwrap();
    let mut body = json!({"v": 1});
    for _ in 0..40 {
        body = json!({"v": 1, "child": body});
    }
    assert_eq!(s.validate(&body, 1_000_000), Verdict::Valid);
    let bad = json!({"v": 1, "child": {"v": 1, "child": {"v": "x"}}});
    assert_eq!(
        s.validate(&bad, 1_000_000),
        Verdict::Invalid(vec![r#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#.to_string()])
    );
    // `#` is the model itself.
    let s = compile(&json!({}), &json!({"items": {"$ref": "#"}, "type": "array"}), "s").unwrap();
    assert_eq!(s.validate(&json!([[[]], []]), 1000), Verdict::Valid);
    assert!(matches!(s.validate(&json!([[1]]), 1000), Verdict::Invalid(_)));
}

// A `properties` map that is only a `$ref` shares another model's properties (as the Unicorn
// Contracts API's UpdateContractModel does).
#[test]
fn properties_by_reference() {
    let doc = json!({"components": {"schemas": {"Create": {"properties": {"n": {"type": "integer"}}}}}});
    let s = json!({"properties": {"$ref": "#/components/schemas/Create/properties"}});
    let c = compile(&doc, &s, "s").unwrap();
    assert!(matches!(c.validate(&json!({"n": "x"}), 1000), Verdict::Invalid(_)));
    assert_eq!(c.validate(&json!({"n": 1}), 1000), Verdict::Valid);
}

fn refused_field(doc: Value, s: Value) -> String {
    match compile(&doc, &s, "s") {
        Err(SchemaError::Refused { field, .. }) => field,
        other => panic!("{s}: expected a refusal, got {other:?}"),
    }
}

// What AWS's import refuses is refused at load, naming the field.
#[test]
fn refused_at_load() {
    assert_eq!(refused_field(json!({}), json!("string")), "s");
    assert_eq!(refused_field(json!({}), json!({"type": "strin"})), "s.type");
    assert_eq!(refused_field(json!({}), json!({"type": ["string", 1]})), "s.type");
    assert_eq!(refused_field(json!({}), json!({"type": "any"})), "s.type");
    assert_eq!(refused_field(json!({}), json!({"properties": {"a": {"$ref": "#/definitions/Nope"}}})), "s.properties.a.$ref");
    assert_eq!(refused_field(json!({}), json!({"properties": {"a": "string"}})), "s.properties.a");
    assert_eq!(refused_field(json!({}), json!({"items": [{}, 3]})), "s.items[1]");
    assert_eq!(refused_field(json!({}), json!({"$ref": 5})), "s.$ref");
    let doc = json!({"definitions": {"Bad": {"properties": {"x": {"type": "float"}}}}});
    assert_eq!(refused_field(doc, json!({"$ref": "#/definitions/Bad"})), "definitions.Bad.properties.x.type");
    let url = "https://apigateway.amazonaws.com/restapis/a1/models/Missing";
    assert_eq!(refused_field(json!({"definitions": {}}), json!({"$ref": url})), "s.$ref");
}

fn unusable(s: Value) -> String {
    let doc = json!({"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}});
    match compile(&doc, &s, "s") {
        Err(SchemaError::Unusable(why)) => why,
        other => panic!("{s}: expected unusable, got {other:?}"),
    }
}

// What AWS accepts but cannot validate with compiles to "unusable" (500 at request time).
#[test]
fn unusable_models() {
    assert!(unusable(json!({"pattern": "(?<=a)b"})).starts_with("s.pattern \"(?<=a)b\": "));
    assert!(unusable(json!({"patternProperties": {"(": {}}})).contains("patternProperties"));
    assert_eq!(unusable(json!({"minLength": "5"})), "s.minLength must be a non-negative integer");
    assert_eq!(unusable(json!({"properties": {"a": {"required": true}}})), "s.properties.a.required must be a list of property names");
    assert_eq!(unusable(json!({"multipleOf": 0})), "s.multipleOf must be greater than 0");
    assert_eq!(unusable(json!({"enum": []})), "s.enum must be a non-empty list");
    assert_eq!(unusable(json!({"anyOf": {}})), "s.anyOf must be a non-empty list of schemas");
    assert!(unusable(json!({"$ref": "http://json-schema.org/draft-04/schema#"})).contains("outside the definition"));
    assert!(unusable(json!({"$ref": "#/definitions/a"})).starts_with("JSON Reference loop"));
}

// Limits: schema recursion that consumes no data aborts (depth); a step budget bounds the work;
// messages are capped; quoted request values are cut.
#[test]
fn limits() {
    let doc = json!({"definitions": {"a": {"allOf": [{"$ref": "#/definitions/a"}]}}});
    let s = compile(&doc, &json!({"$ref": "#/definitions/a"}), "s").unwrap();
    assert!(matches!(s.validate(&json!(1), 1_000_000), Verdict::Aborted(w) if w.contains("MAX_VALIDATION_DEPTH")));

    let s = schema(json!({"items": {"type": "integer"}}));
    let big = Value::Array((0..1000).map(|i| json!(i)).collect());
    assert!(matches!(s.validate(&big, 100), Verdict::Aborted(w) if w.contains("100 steps")));
    assert_eq!(s.validate(&big, 10_000), Verdict::Valid);

    let s = schema(json!({"items": {"type": "string"}}));
    match s.validate(&Value::Array((0..150).map(|i| json!(i)).collect()), 1_000_000) {
        Verdict::Invalid(m) => assert_eq!(m.len(), MAX_MESSAGES),
        other => panic!("{other:?}"),
    }

    let long = "x".repeat(1000);
    let m = messages(json!({"maxLength": 3}), json!(long));
    let quoted = format!("\"{}...\"", "x".repeat(MAX_QUOTED_CHARS));
    assert_eq!(m, vec![format!("string {quoted} is too long (length: 1000, maximum allowed: 3)")]);
    let m = messages(json!({"enum": [1]}), json!({"k": long}));
    assert!(m[0].len() < MAX_QUOTED_CHARS + 120, "{}", m[0]);
}

// Nested combinators over a recursive model: a hostile body cannot make the work exponential
// beyond the step budget.
#[test]
fn combinator_blowup_is_bounded() {
    let doc = json!({"definitions": {"t": {"anyOf": [
        {"type": "object", "properties": {"a": {"$ref": "#/definitions/t"}}, "required": ["x"]},
        {"type": "object", "properties": {"a": {"$ref": "#/definitions/t"}}, "required": ["y"]},
        {"type": "integer"}
    ]}}});
    let s = compile(&doc, &json!({"$ref": "#/definitions/t"}), "s").unwrap();
    let mut body = json!("leaf");
    for _ in 0..60 {
        body = json!({"a": body, "x": 1, "y": 1});
    }
    assert!(matches!(s.validate(&body, 200_000), Verdict::Aborted(_)));
}

// A model compiled once is a table: references count once.
#[test]
fn references_compile_once() {
    let doc = json!({"definitions": {"p": {"type": "string"}}});
    let refs: Vec<Value> = (0..50).map(|_| json!({"$ref": "#/definitions/p"})).collect();
    let s = compile(&doc, &json!({"allOf": refs}), "s").unwrap();
    assert_eq!(s.len(), 52);
}

// A `properties` map shared by reference expands inline: a map that contains itself stops at
// MAX_SCHEMA_NESTING; a wide expansion stops at MAX_SCHEMA_NODES; both as unusable models.
#[test]
fn inline_expansion_is_bounded() {
    let deep = json!({"definitions": {"P": {"x": {"properties": {"$ref": "#/definitions/P"}}}}});
    let s = json!({"properties": {"$ref": "#/definitions/P"}});
    match compile(&deep, &s, "s") {
        Err(SchemaError::Unusable(why)) => assert!(why.contains("MAX_SCHEMA_NESTING"), "{why}"),
        other => panic!("{other:?}"),
    }
    let p: serde_json::Map<String, Value> = (0..200).map(|i| (format!("p{i}"), json!({}))).collect();
    let q: serde_json::Map<String, Value> =
        (0..200).map(|i| (format!("q{i}"), json!({"properties": {"$ref": "#/definitions/P"}}))).collect();
    let wide = json!({"definitions": {"P": p, "Q": q}});
    match compile(&wide, &json!({"properties": {"$ref": "#/definitions/Q"}}), "s") {
        Err(SchemaError::Unusable(why)) => assert!(why.contains("MAX_SCHEMA_NODES"), "{why}"),
        other => panic!("{other:?}"),
    }
}
