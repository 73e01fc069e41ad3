//! Property tests: the SigV4 verifier of IAM operations (README: "IAM") never panics, whatever the
//! headers, query, path, body and clock (a panic in the wasm VM breaks every later request), and a
//! request signed by a configured key verifies whatever its path, query, headers and body.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::iam::{verify, Failure, Incoming, KeySet};
use apigw_envoy::sigv4::{sign, Credentials};
use proptest::prelude::*;
use serde_json::json;

fn keys() -> KeySet {
    KeySet::parse(&json!([{"accessKeyId": "AKID", "secretAccessKey": "secret", "arn": "arn:aws:iam::123456789012:user/a"}]))
        .unwrap()
}

/// Text that looks like parts of a SigV4 header or query, or not at all.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("AWS4-HMAC-SHA256".to_string()), Just("Credential=AKID/20260101/us-east-1/execute-api/aws4_request".to_string()),
        Just("SignedHeaders=host;x-amz-date".to_string()), Just("Signature=00ff".to_string()),
        Just("X-Amz-Algorithm=AWS4-HMAC-SHA256".to_string()), Just("X-Amz-Credential=AKID%2F20260101%2F".to_string()),
        Just("X-Amz-Date=20260101T000000Z".to_string()), Just("X-Amz-Expires=999999999999999999999".to_string()),
        Just("X-Amz-SignedHeaders=host".to_string()), Just("X-Amz-Signature=".to_string()),
        Just("20260101T000000Z".to_string()), Just("Thu, 01 Jan 2026 00:00:00 GMT".to_string()),
        Just("Thu, 01 Jan 2026 ".to_string()), Just("%".to_string()), Just("/".to_string()), Just("=".to_string()),
        Just(",".to_string()), Just("&".to_string()), Just(" ".to_string()), Just("é".to_string()),
        "[ -~]{0,10}", ".{0,4}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..6).prop_map(|v| v.concat())
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("authorization".to_string()), Just("x-amz-date".to_string()), Just("date".to_string()),
        Just("host".to_string()), Just(":authority".to_string()), Just("x-amz-content-sha256".to_string()), Just("x-amz-security-token".to_string()),
        "[a-z-]{1,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Arbitrary requests: an answer, never a panic, and never Ok without the key's signature.
    #[test]
    fn verify_never_panics(
        method in "[A-Z]{0,6}",
        path in text(),
        query in prop::collection::vec(fragment(), 0..8).prop_map(|v| v.join("&")),
        headers in prop::collection::vec((header_name(), text()), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..32),
        now_ms in prop_oneof![Just(1_767_225_600_000u64), any::<u64>()],
    ) {
        let keys = keys();
        let req = Incoming { method: &method, path: &path, query: &query, headers: &headers, body: &body, now_ms, region: "us-east-1" };
        let outcome = verify(&keys, &req);
        prop_assert!(outcome.is_err(), "verified an unsigned request: {req:?}");
        if let Err(Failure::Invalid(m) | Failure::Incomplete(m)) = outcome {
            prop_assert!(!m.is_empty());
        }
    }

    // Whatever the path, query, headers and body, what the key signed verifies; another body not.
    #[test]
    fn signed_requests_verify(
        segments in prop::collection::vec("[A-Za-z0-9._~%-]{1,6}", 0..4),
        query in prop::collection::vec(("[A-Za-z0-9_.~-]{1,5}", "[A-Za-z0-9_.~%-]{0,5}"), 0..4),
        extra in prop::collection::vec(("x-[a-z]{1,6}", "[ -~]{0,10}"), 0..3),
        body in prop::collection::vec(any::<u8>(), 0..64),
        skew in 0u64..300_000,
    ) {
        let path = format!("/{}", segments.join("/"));
        let query: String = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let creds = Credentials { access_key_id: "AKID".into(), secret_access_key: "secret".into(), session_token: None };
        let mut signed = vec![("host".to_string(), "gw.example.com".to_string())];
        signed.extend(extra.iter().cloned());
        let now = 1_767_225_600_000u64;
        let mut headers = vec![(":authority".to_string(), "gw.example.com".to_string())];
        headers.extend(extra.iter().cloned());
        headers.extend(sign("PUT", &path, &query, &signed, &body, "execute-api", "us-east-1", &creds, now));
        let keys = keys();
        let req = Incoming { method: "PUT", path: &path, query: &query, headers: &headers, body: &body, now_ms: now + skew, region: "us-east-1" };
        prop_assert!(verify(&keys, &req).is_ok(), "{req:?}");
        let mut other = body.clone();
        other.push(b'!');
        let req = Incoming { body: &other, ..req };
        prop_assert!(matches!(verify(&keys, &req), Err(Failure::Invalid(_))));
    }
}
