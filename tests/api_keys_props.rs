//! Property tests: the parsers of AWS's API key file and of the usage plans (README: "API keys and
//! usage plans") never panic, whatever the text or the JSON (a panic at configure time stops
//! Envoy), and a key file written with its columns in any order and case, fields quoted or not,
//! reads back the keys written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::api_keys::{csv, key_file, usage_plans};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Text that looks like parts of a key file, or not at all.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Name".to_string()), Just("Key".to_string()), Just("enabled".to_string()), Just("UsagePlanIds".to_string()),
        Just("Description".to_string()), Just("id".to_string()), Just(",".to_string()), Just("\"".to_string()),
        Just("'".to_string()), Just("\n".to_string()), Just("\r\n".to_string()), Just("\r".to_string()),
        Just("true".to_string()), Just("FALSE".to_string()), Just("\u{feff}".to_string()), Just("é".to_string()),
        Just("apikey1234abcdefghij0123456789".to_string()), "[ -~]{0,12}", ".{0,4}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..40).prop_map(|v| v.concat())
}

/// JSON shaped like `get-usage-plans` output, with any value anywhere.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null), any::<bool>().prop_map(Value::from), any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        prop_oneof![Just("DAY"), Just("WEEK"), Just("MONTH"), Just("/pets/GET"), Just("//POST"), Just("x")]
            .prop_map(Value::from),
        "[ -~]{0,8}".prop_map(Value::from),
    ];
    let key = prop_oneof![
        Just("items".to_string()), Just("id".to_string()), Just("name".to_string()), Just("apiStages".to_string()),
        Just("apiId".to_string()), Just("stage".to_string()), Just("throttle".to_string()), Just("quota".to_string()),
        Just("rateLimit".to_string()), Just("burstLimit".to_string()), Just("limit".to_string()),
        Just("offset".to_string()), Just("period".to_string()), Just("/a/GET".to_string()), "[a-z/]{0,6}",
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A key: 20 to 128 characters a header carries unchanged.
fn key() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~-]{20,128}"
}

/// A field written as AWS's format allows: plain when it can be, else quoted with " or '.
fn write_field(value: &str, quote: Option<char>) -> String {
    let needs = value.contains([',', '\n', '\r', '"', '\'']);
    match (quote, needs) {
        (None, false) => value.to_string(),
        (Some(_), _) | (None, true) => {
            let q = quote.unwrap_or('"');
            let doubled = value.replace(q, &format!("{q}{q}"));
            format!("{q}{doubled}{q}")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Any text: keys or a located error, never a panic.
    #[test]
    fn key_file_never_panics(text in text()) {
        let _ = csv::records(&text);
        if let Err(e) = key_file::parse(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    // Any JSON, as a value or as text: plans or an error naming a field under usagePlans.
    #[test]
    fn usage_plans_never_panic(value in json_value(), wrap in any::<bool>()) {
        let value = if wrap { json!({"items": [value]}) } else { value };
        for v in [value.clone(), Value::String(value.to_string())] {
            if let Err(e) = usage_plans::parse(&v) {
                prop_assert!(e.field.starts_with("usagePlans"), "{}", e);
            }
        }
    }

    // A file written with the columns in any order and case, and any quoting, reads back as
    // written: names (with commas, quotes, line ends), keys, enabled flags, plan lists.
    #[test]
    fn written_files_read_back(
        rows in prop::collection::vec((".{0,12}", key(), prop::option::of(any::<bool>()),
                                       prop::collection::vec("[a-z0-9]{1,6}", 0..3)), 1..8),
        order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
        upper in prop::collection::vec(any::<bool>(), 4),
        quote in prop::option::of(prop_oneof![Just('"'), Just('\'')]),
        crlf in any::<bool>(),
    ) {
        let mut rows = rows;
        // One row per key (a repeated key would keep only its last row).
        rows.sort_by(|a, b| a.1.cmp(&b.1));
        rows.dedup_by(|a, b| a.1 == b.1);
        let titles = ["Name", "Key", "Enabled", "UsagePlanIds"];
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text: String = order.iter().map(|&i| {
            if upper[i] { titles[i].to_ascii_uppercase() } else { titles[i].to_ascii_lowercase() }
        }).collect::<Vec<_>>().join(",");
        text.push_str(end);
        for (name, key, enabled, plans) in &rows {
            let values = [name.clone(), key.clone(), enabled.map_or(String::new(), |e| e.to_string()), plans.join(",")];
            let line: Vec<String> = order.iter().map(|&i| write_field(&values[i], quote)).collect();
            text.push_str(&line.join(","));
            text.push_str(end);
        }
        let (keys, warnings) = key_file::parse(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        prop_assert!(warnings.is_empty());
        prop_assert_eq!(keys.len(), rows.len());
        for (k, (name, key, enabled, plans)) in keys.iter().zip(&rows) {
            prop_assert_eq!(&k.name, name);
            prop_assert_eq!(&k.value, key);
            prop_assert_eq!(k.enabled, enabled.unwrap_or(true));
            prop_assert_eq!(&k.usage_plan_ids, plans);
            prop_assert_eq!(&k.id, &key_file::derived_id(key));
        }
    }
}
