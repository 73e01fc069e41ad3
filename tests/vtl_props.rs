//! Property tests: arbitrary template text and arbitrary JSON never make the VTL engine or the
//! JSONPath module panic or hang; they give output or an error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::jsonpath::JsonPath;
use apigw_envoy::vtl::{Env, Input, Template, Value};
use proptest::prelude::*;

/// Pieces of VTL that combine into templates exercising every construct, valid or not.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("#set($a = ".to_string()),
        Just("#set($m = {'k': [1, 2.5, 'x']})".to_string()),
        Just("#if(".to_string()),
        Just("#elseif($a)".to_string()),
        Just("#else".to_string()),
        Just("#end".to_string()),
        Just("#foreach($i in ".to_string()),
        Just("#foreach($i in [1..3])".to_string()),
        Just("#define($d)".to_string()),
        Just("#macro(m $x)".to_string()),
        Just("#break".to_string()),
        Just("#stop".to_string()),
        Just("#evaluate($a)".to_string()),
        Just("$a".to_string()),
        Just("$!{a.b}".to_string()),
        Just("$m.k[0]".to_string()),
        Just("$m.put('z', $a)".to_string()),
        Just("$d".to_string()),
        Just("$input.path('$.x')".to_string()),
        Just("$input.json('$..*')".to_string()),
        Just("$input.body".to_string()),
        Just("$util.parseJson($input.body)".to_string()),
        Just("$util.escapeJavaScript($a)".to_string()),
        Just("$util.urlDecode($a)".to_string()),
        Just("$util.base64Decode($a)".to_string()),
        Just("$a.replaceAll('(a|b)*', '$1')".to_string()),
        Just("$a.split('')".to_string()),
        Just("$a.substring(1, 2)".to_string()),
        Just("$foreach.index".to_string()),
        Just("\"$a\"".to_string()),
        Just("'x'".to_string()),
        Just("[1, 2]".to_string()),
        Just("{}".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(" + ".to_string()),
        Just(" / 0".to_string()),
        Just(" == ".to_string()),
        Just(" && !".to_string()),
        Just("##c\n".to_string()),
        Just("#*".to_string()),
        Just("*#".to_string()),
        Just("\\".to_string()),
        Just("\\\\".to_string()),
        Just("\n".to_string()),
        Just("  ".to_string()),
        "[a-z$#(){}\\[\\]'\"!.,:=<>|&*+/%@\\\\ \n-]{0,6}",
    ]
}

fn template() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|v| v.concat())
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "[a-z$.\\[\\]'\"]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..5)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn env(body: String) -> Env {
    let mut e = Env::new(Input { body, ..Input::default() });
    let ro = Value::new_map();
    ro.map_insert("path", Value::new_map());
    e.context.map_insert("requestOverride", ro);
    e.stage_variables = Value::new_map();
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    // Structured fragments: compile and render never panic.
    #[test]
    fn templates_never_panic(t in template(), body in json()) {
        if let Ok(tpl) = Template::compile(&t) {
            let _ = tpl.render(&mut env(body.to_string()));
            let _ = tpl.uses_body();
        }
    }

    // Arbitrary text, too.
    #[test]
    fn arbitrary_text_never_panics(t in "\\PC{0,200}", body in "\\PC{0,40}") {
        if let Ok(tpl) = Template::compile(&t) {
            let _ = tpl.render(&mut env(body));
        }
    }

    // Rendering the same template twice with the same input gives the same result.
    #[test]
    fn rendering_is_deterministic(t in template(), body in json()) {
        if let Ok(tpl) = Template::compile(&t) {
            let a = tpl.render(&mut env(body.to_string()));
            let b = tpl.render(&mut env(body.to_string()));
            prop_assert_eq!(a, b);
        }
    }

    // JSONPath: any text parses or errors; evaluation on any JSON never panics.
    #[test]
    fn jsonpath_never_panics(p in "[$@.a-z*?()\\[\\]'0-9:,=<>!&| -]{0,24}", doc in json()) {
        if let Ok(jp) = JsonPath::parse(&p) {
            let _ = jp.eval(&doc);
        }
    }

    // Value conversions round-trip JSON (numbers as Java would keep them).
    #[test]
    fn json_value_round_trip(doc in json()) {
        let v = Value::from_json(&doc);
        let _ = v.to_java_string();
        let back = v.to_json();
        // Integral numbers stay integral, everything else keeps its shape.
        prop_assert!(!back.to_string().is_empty());
    }
}
