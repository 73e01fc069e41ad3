//! The 205 templates recorded on real API Gateway (tests/vtl-aws-recorded/cases.json), rendered
//! as AWS rendered them: a MOCK whose request template stored the request body in
//! `$context.requestOverride.path.body`, read back by the response template.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
use apigw_envoy::vtl::{Env, Input, Template, Value};

fn env_for(request_body: &str) -> Env {
    let env = Env::new(Input { body: request_body.to_string(), ..Input::default() });
    let ro = Value::new_map();
    let path = Value::new_map();
    path.map_insert("body", Value::from(request_body));
    ro.map_insert("path", path);
    ro.map_insert("header", Value::new_map());
    ro.map_insert("querystring", Value::new_map());
    env.context.map_insert("requestOverride", ro);
    let rso = Value::new_map();
    rso.map_insert("header", Value::new_map());
    env.context.map_insert("responseOverride", rso);
    env
}

/// Python's `re.sub(r"\s+", " ", s.replace("\n", " ").strip())`.
fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// Every recorded case renders exactly as AWS returned it.
#[test]
fn aws_recorded_corpus() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vtl-aws-recorded/cases.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let template = case["response_template"].as_str().unwrap();
        let body = case["request_body"].as_str().unwrap();
        let got = match Template::compile(template) {
            Ok(t) => t.render(&mut env_for(body)).map_err(|e| e.to_string()),
            Err(e) => Err(format!("compile: {e}")),
        };
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{id}: error {e}"));
                continue;
            }
        };
        let ok = if let Some(j) = case["aws_output_json"].as_object() {
            serde_json::from_str::<serde_json::Value>(&got).ok() == Some(serde_json::Value::Object(j.clone()))
        } else {
            let want = case["aws_output"].as_str().unwrap();
            if case["whitespace_normalised"].as_bool() == Some(true) {
                normalise(&got) == want
            } else {
                got == want
            }
        };
        if !ok {
            failures.push(format!(
                "{id}:\n  template: {:?}\n  want: {:?}\n  got:  {:?}",
                case["template"].as_str().unwrap(),
                case["aws_output"],
                got
            ));
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!("vtl corpus: {}/{} pass", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{} of {} corpus cases fail", failures.len(), cases.len());
}
