//! Property tests of the access log format (README: "Access logs"): compiling never panics, whatever
//! the text (a panic in `on_configure` would stop Envoy); a compiled format renders any request's
//! facts without panicking, as exactly one line; and the configuration refuses a format AWS would
//! refuse, naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::access_log::{AccessLogFormat, LogFacts};
use apigw_envoy::config::Config;
use apigw_envoy::context::{AuthorizerFacts, RequestContext};
use proptest::prelude::*;
use serde_json::json;

/// Text made mostly of format pieces, so that variables, near-variables and odd characters meet.
fn format_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("$context.requestId".to_string()),
        Just("$context.".to_string()),
        Just("$".to_string()),
        Just("$context.identity.".to_string()),
        Just("$context.authorizer.".to_string()),
        Just("$context.status".to_string()),
        Just("$context.error.messageString".to_string()),
        Just(".".to_string()),
        Just("\"".to_string()),
        "[a-zA-Z.]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), any::<String>(), "[ -~\n\r\t\"\\\\]{0,16}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compile_and_render_never_panic(text in format_text(), ip in value(), agent in value(), key in value(),
                                      message in value(), status in any::<Option<u16>>(), n in any::<Option<u64>>()) {
        let Ok(format) = AccessLogFormat::compile(&text) else { return Ok(()) };
        let context = RequestContext {
            source_ip: ip,
            user_agent: Some(agent),
            request_id: "r".into(),
            authorizer: Some(AuthorizerFacts { context: vec![(key.clone(), message.clone())], ..Default::default() }),
            ..RequestContext::default()
        };
        let facts = LogFacts {
            status,
            response_length: n,
            response_latency_ms: n,
            integration_error: Some(message.clone()),
            error: Some(("DEFAULT_4XX", message)),
            ..LogFacts::default()
        };
        let line = format.render(&context, &facts);
        prop_assert!(!line.contains(['\n', '\r']), "{line:?}");
        prop_assert!(format.render(&RequestContext::default(), &LogFacts::default()).contains('-')
            || !text.contains("$context"));
    }

    #[test]
    fn configuration_never_panics(text in format_text()) {
        let doc = json!({"api": {"swagger": "2.0", "paths": {}}, "accessLog": {"format": text}});
        if let Err(e) = Config::from_value(&doc) {
            prop_assert!(e.to_string().contains("field accessLog.format"), "{e}");
        }
    }
}

// The field is named; get-stage's accessLogSettings is read when accessLog is absent, and
// accessLog wins when both are given; accessLogSettings without a format logs nothing.
#[test]
fn configuration_fields() {
    let api = json!({"swagger": "2.0", "paths": {}});
    let e = Config::from_value(&json!({"api": api, "accessLog": {"format": "$context.status"}})).err().unwrap();
    assert_eq!(e.to_string(), "invalid definition: deployment \"prod\": field accessLog.format: must contain \
        $context.requestId or $context.extendedRequestId (AWS requires one)");
    let e = Config::from_value(&json!({"api": api, "stageSettings": {"accessLogSettings": {"format": "x"}}}))
        .err().unwrap();
    assert!(e.to_string().contains("field stageSettings.accessLogSettings.format: must contain"), "{e}");
    let e = Config::from_value(&json!({"api": api, "accessLog": {"fmt": "x"}})).err().unwrap();
    assert!(e.to_string().contains("field accessLog.fmt: unknown key"), "{e}");
    let both = json!({"api": api, "accessLog": {"format": "CSV"},
                      "stageSettings": {"accessLogSettings": {"format": "$context.requestId",
                                                              "destinationArn": "arn:aws:logs:us-east-1:1:log-group:x"}}});
    let c = Config::from_value(&both).unwrap();
    assert_eq!(c.deployments[0].access_log, Some(AccessLogFormat::compile("CSV").unwrap()));
    let stage = json!({"api": api, "stageSettings": {"accessLogSettings": {"format": "$context.requestId"}}});
    let c = Config::from_value(&stage).unwrap();
    assert_eq!(c.deployments[0].access_log, Some(AccessLogFormat::compile("$context.requestId").unwrap()));
    let off = json!({"api": api, "stageSettings": {"accessLogSettings": {"destinationArn": "arn"}}});
    assert!(Config::from_value(&off).unwrap().deployments[0].access_log.is_none());
    assert!(Config::from_value(&json!({"api": api})).unwrap().deployments[0].access_log.is_none());
}
