//! Property tests: the execution trace (README: "Execution trace") never panics on what a client or
//! an endpoint can send (any header, query, body bytes), keeps every field within AWS's 1024 bytes
//! (plus the ` [TRUNCATED]` mark), and never writes a masked secret in clear.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::execution_log::{java_map, mask, text, ExecutionLog, MAX_FIELD};
use apigw_envoy::http::{Request, Response};
use proptest::prelude::*;

const MARK: usize = " [TRUNCATED]".len();

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[a-zA-Z:-]{0,12}|x-api-key|authorization", any::<String>()), 0..12)
}

proptest! {
    #[test]
    fn fields_are_bounded(body in prop::collection::vec(any::<u8>(), 0..3000), p in pairs()) {
        prop_assert!(text(&body).len() <= MAX_FIELD * 3 + MARK);
        prop_assert!(java_map(p.iter(), |_| false).len() <= MAX_FIELD + MARK);
    }

    #[test]
    fn secrets_never_in_clear(secret in "[a-zA-Z0-9]{7,40}") {
        let m = mask(&secret);
        prop_assert_eq!(m.chars().count(), secret.chars().count());
        prop_assert!(m.ends_with(&secret[secret.len() - 6..]));
        prop_assert!(m[..secret.len() - 6].bytes().all(|b| b == b'*'));
    }

    #[test]
    fn whole_trace_never_panics(method in "[A-Z]{0,8}", path in any::<String>(), headers in pairs(),
                                body in prop::collection::vec(any::<u8>(), 0..2000), status in any::<u16>()) {
        let req = Request { method, path, headers: headers.clone(), body: body.clone(), request_id: "r".into(),
                            ..Default::default() };
        let mut log = ExecutionLog::new(&req);
        log.mask_header("x-token");
        log.authorizer_started("abc123");
        log.authorizer_finished(status % 2 == 0);
        log.usage_plan(&req.path, "api/stage", &req.method, &req.path);
        log.method_request(&req, &headers);
        log.endpoint_response(status, u64::from(status), &headers, Some(&body));
        let response = Response { status, headers, body };
        log.method_response(&response, Some(&response.body), Some("why"));
        for line in log.take() {
            prop_assert!(line.starts_with("(r) "));
        }
    }
}
