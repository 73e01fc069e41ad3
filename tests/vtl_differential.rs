//! Differential suite: the corpus in tests/vtl/differential/cases.json rendered by this engine
//! and by Apache Velocity 1.7 set up as API Gateway runs it (tests/velocity/run-differential.sh
//! writes velocity-output.json). Outputs must match byte for byte; where Velocity fails (parse
//! error or exception), we must fail too. Deliberate differences are listed, with their case ids,
//! in tests/vtl/differential/known-differences.txt and explained in tests/vtl/COMPATIBILITY.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
use std::collections::{BTreeMap, HashSet};

use apigw_envoy::vtl::{Env, Input, Template, Value};

fn pairs(v: &serde_json::Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

/// The same stand-ins as tests/velocity/Harness.java.
fn env_for(case: &serde_json::Value) -> Env {
    let body = case["body"].as_str().unwrap_or_default().to_string();
    let env = Env::new(Input {
        body: body.clone(),
        path: pairs(&case["path"]),
        querystring: pairs(&case["querystring"]),
        header: pairs(&case["header"]),
    });
    let ro = Value::new_map();
    let p = Value::new_map();
    p.map_insert("body", Value::from(body.as_str()));
    ro.map_insert("path", p);
    ro.map_insert("header", Value::new_map());
    ro.map_insert("querystring", Value::new_map());
    env.context.map_insert("requestOverride", ro);
    let rso = Value::new_map();
    rso.map_insert("header", Value::new_map());
    env.context.map_insert("responseOverride", rso);
    for (k, v) in [("stage", "test"), ("requestId", "req-1"), ("httpMethod", "POST"), ("resourcePath", "/")] {
        env.context.map_insert(k, Value::from(v));
    }
    if let Some(sv) = case["stageVariables"].as_object() {
        for (k, v) in sv {
            env.stage_variables.map_insert(k, Value::from(v.as_str().unwrap_or_default()));
        }
    }
    env
}

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/vtl/differential/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

// Every case matches Velocity 1.7 (as API Gateway runs it), or is a documented difference.
#[test]
fn matches_velocity_17() {
    let cases: Vec<serde_json::Value> = serde_json::from_str(&read("cases.json")).unwrap();
    let expected: BTreeMap<String, serde_json::Value> = serde_json::from_str(&read("velocity-output.json")).unwrap();
    let known: HashSet<String> = read("known-differences.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(" #").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut failures = Vec::new();
    let mut known_seen = HashSet::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let want = &expected[id];
        let got = Template::compile(case["template"].as_str().unwrap())
            .map_err(|e| e.to_string())
            .and_then(|t| t.render(&mut env_for(case)).map_err(|e| e.to_string()));
        let same = match (want.get("output").and_then(|o| o.as_str()), &got) {
            (Some(w), Ok(g)) => w == g,
            (None, Err(_)) => true,
            _ => false,
        };
        if known.contains(id) {
            known_seen.insert(id.to_string());
            if same {
                failures.push(format!("{id}: listed as a known difference but now matches; remove it"));
            }
            continue;
        }
        if !same {
            failures.push(format!(
                "{id}\n  template: {:?}\n  velocity: {}\n  ours:     {:?}",
                case["template"].as_str().unwrap(),
                want,
                got
            ));
        }
    }
    for k in known.difference(&known_seen) {
        failures.push(format!("{k}: listed in known-differences.txt but not in the corpus"));
    }
    for f in &failures {
        eprintln!("DIFF {f}");
    }
    eprintln!(
        "vtl differential: {} cases, {} identical to Velocity 1.7, {} documented differences, {} unexpected",
        cases.len(),
        cases.len().saturating_sub(known.len() + failures.len()),
        known.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} unexpected differences from Velocity 1.7", failures.len());
}
