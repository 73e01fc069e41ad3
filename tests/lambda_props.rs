//! Property tests: the Lambda code never panics on request or payload data, events are always
//! valid JSON with the 1.0/2.0 shape, and SigV4 output is well-formed for any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::context::RequestContext;
use apigw_envoy::event::invoke::{substitute_stage_variables, LambdaTarget};
use apigw_envoy::event::{v1, v2, ProxyInput};
use apigw_envoy::http::Request;
use apigw_envoy::lambda_response::{convert, PayloadVersion};
use apigw_envoy::sigv4::{sign, Credentials};
use proptest::prelude::*;

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("host".to_string()),
        Just("cookie".to_string()),
        Just("x-forwarded-for".to_string()),
        Just("x-forwarded-port".to_string()),
        Just(":authority".to_string()),
        Just("content-type".to_string()),
        "[a-z:-]{0,12}",
    ]
}

prop_compose! {
    fn request()(
        method in "[A-Z]{0,7}",
        path in "\\PC{0,40}",
        headers in prop::collection::vec((header_name(), "\\PC{0,20}"), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..64),
        source_ip in "[0-9a-f.:]{0,15}",
    ) -> Request {
        Request { method, path, headers, body, source_ip, ..Request::default() }
    }
}

proptest! {
    #[test]
    fn events_are_always_valid_json(
        req in request(),
        params in prop::collection::vec(("\\PC{0,5}", "\\PC{0,5}"), 0..3),
        binary in prop::collection::vec("[a-z*]{1,5}/[a-z*]{1,5}", 0..3),
    ) {
        let ctx = RequestContext::default();
        let input = ProxyInput {
            request: &req,
            context: &ctx,
            resource: "/{proxy+}",
            path: req.path_only(),
            path_params: &params,
            stage_variables: &params,
            binary_media_types: &binary,
        };
        let e1: serde_json::Value = serde_json::from_str(&v1::build(&input)).unwrap();
        prop_assert_eq!(e1.as_object().unwrap().len(), 12);
        let e2: serde_json::Value = serde_json::from_str(&v2::build(&input)).unwrap();
        prop_assert_eq!(&e2["version"], "2.0");
    }

    #[test]
    fn convert_never_panics(
        payload in prop::collection::vec(any::<u8>(), 0..64),
        error in any::<bool>(),
        accept in proptest::option::of("\\PC{0,20}"),
    ) {
        for version in [PayloadVersion::V1, PayloadVersion::V2] {
            if let Ok(r) = convert(&payload, error, version, accept.as_deref(), &["*/*".to_string()]) {
                prop_assert!((100..=599).contains(&r.status));
            }
        }
    }

    #[test]
    fn convert_json_shapes_never_panic(
        status in prop_oneof![any::<i64>().prop_map(|n| n.to_string()), "\"\\PC{0,5}\"".prop_map(|s| s), Just("null".to_string())],
        header in prop_oneof![Just("1".to_string()), Just("true".to_string()), Just("[1]".to_string()), Just("{}".to_string()), Just("\"v\"".to_string())],
        b64 in any::<bool>(),
        body in "[A-Za-z0-9+/=]{0,12}",
    ) {
        let payload = format!(
            r#"{{"statusCode":{status},"headers":{{"h":{header}}},"multiValueHeaders":{{"m":[{header}]}},"body":"{body}","isBase64Encoded":{b64}}}"#
        );
        for version in [PayloadVersion::V1, PayloadVersion::V2] {
            let _ = convert(payload.as_bytes(), false, version, Some("a/b"), &["*/*".to_string()]);
        }
    }

    #[test]
    fn sign_is_well_formed(
        method in "[A-Z]{1,7}",
        path in "\\PC{0,30}",
        query in "\\PC{0,30}",
        headers in prop::collection::vec(("[A-Za-z-]{1,10}", "\\PC{0,20}"), 0..5),
        body in prop::collection::vec(any::<u8>(), 0..32),
        now in any::<u64>(),
    ) {
        let creds = Credentials { access_key_id: "AK".into(), secret_access_key: "SK".into(), session_token: None };
        let out = sign(&method, &path, &query, &headers, &body, "lambda", "us-east-1", &creds, now);
        prop_assert_eq!(out.len(), 2);
        prop_assert!(out[1].1.starts_with("AWS4-HMAC-SHA256 Credential=AK/"));
        let sig = out[1].1.rsplit("Signature=").next().unwrap();
        prop_assert_eq!(sig.len(), 64);
    }

    #[test]
    fn uri_helpers_never_panic(uri in "\\PC{0,80}", vars in prop::collection::vec(("[a-z]{0,4}", "\\PC{0,4}"), 0..3)) {
        let _ = LambdaTarget::parse(&uri);
        let _ = substitute_stage_variables(&uri, &vars);
        let with_ref = format!("a${{stageVariables.{}}}b${{stageVariables.", uri);
        let _ = substitute_stage_variables(&with_ref, &vars);
    }
}
