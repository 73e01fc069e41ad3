//! AWS_PROXY: the Lambda Invoke API call for a request, and the client response from its answer.

use crate::config::integration::Integration;
use crate::event::ProxyInput;
use crate::integration::plan::{LambdaPlan, Plan};
use crate::lambda_response::PayloadVersion;
use crate::sigv4::Credentials;

/// API Gateway's payload limit: a larger request body gets 413.
pub const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// An HTTP call the adapter must make, and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callout {
    pub cluster: String,
    /// Pseudo-headers (`:method`, `:path`, `:authority`) first, then the rest.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout_ms: u32,
}

/// Why the call could not be made: a line for the log (the client gets 500).
pub type SetupError = String;

/// Builds the signed Invoke API request for an AWS_PROXY integration from its compiled plan
/// ([`crate::integration::plan`]: the function's Invoke path, region, endpoint and payload format).
pub fn invoke_request(
    integration: &Integration,
    plan: &Plan,
    input: &ProxyInput,
    credentials: Option<&Credentials>,
) -> Result<Callout, SetupError> {
    let (target, version) = match plan {
        Plan::LambdaProxy(p) => (&p.lambda, p.version),
        Plan::Fail(why) => return Err(why.clone()),
        other => return Err(format!("the plan {other:?} is not an AWS_PROXY integration")),
    };
    let event = match version {
        PayloadVersion::V1 => crate::event::v1::build(input),
        PayloadVersion::V2 => crate::event::v2::build(input),
    };
    // What API Gateway's execution logs show on its Invoke calls, proxy or not (README: "Lambda
    // proxy (AWS_PROXY)"), unsigned as botocore leaves User-Agent and X-Amzn-Trace-Id: the trace
    // id is the one the function's runtime gets.
    let api_id = input.context.api_id.as_str();
    let unsigned = vec![
        ("user-agent".to_string(), format!("AmazonAPIGateway_{api_id}")),
        ("x-amzn-apigateway-api-id".to_string(), api_id.to_string()),
        ("x-amzn-lambda-integration-tag".to_string(), input.context.request_id.clone()),
        ("x-amzn-trace-id".to_string(), crate::trace::function_value(input.request)),
    ];
    let call = Invoke { target, body: event, unsigned, now_ms: input.request.now_ms, timeout_ms: integration.timeout_ms };
    Ok(call.callout(credentials))
}

/// One synchronous Lambda Invoke API call (AWS_PROXY, a Lambda authorizer).
pub struct Invoke<'a> {
    pub target: &'a LambdaPlan,
    /// The event.
    pub body: String,
    /// Headers sent after the signed ones (besides `accept`), unsigned.
    pub unsigned: Vec<(String, String)>,
    /// The request's time, for the signature.
    pub now_ms: u64,
    pub timeout_ms: u32,
}

impl Invoke<'_> {
    /// The call, SigV4-signed for the function's region unless Envoy signs (or there are no
    /// credentials: local emulators).
    pub fn callout(self, credentials: Option<&Credentials>) -> Callout {
        let target = self.target;
        let endpoint = &target.endpoint;
        let path = target.invoke_path.clone();
        let mut headers = vec![
            ("host".to_string(), endpoint.authority.clone()),
            ("content-type".to_string(), "application/json".to_string()),
            ("x-amz-invocation-type".to_string(), "RequestResponse".to_string()),
        ];
        if let Some(creds) = credentials.filter(|_| !endpoint.envoy_signs) {
            let signed = crate::sigv4::sign(
                "POST",
                &path,
                "",
                &headers,
                self.body.as_bytes(),
                "lambda",
                &target.region,
                creds,
                self.now_ms,
            );
            headers.extend(signed);
        }
        // Envoy takes the host from `:authority`.
        headers.retain(|(k, _)| k != "host");
        headers.push(("accept".to_string(), "application/json".to_string()));
        headers.extend(self.unsigned);
        let mut all = vec![
            (":method".to_string(), "POST".to_string()),
            (":path".to_string(), path),
            (":authority".to_string(), endpoint.authority.clone()),
        ];
        all.extend(headers);
        Callout { cluster: endpoint.cluster.clone(), headers: all, body: self.body.into_bytes(), timeout_ms: self.timeout_ms }
    }
}

pub fn payload_version(integration: &Integration) -> PayloadVersion {
    if integration.payload_format_version == "2.0" {
        PayloadVersion::V2
    } else {
        PayloadVersion::V1
    }
}

/// How a call to an integration ended, as Envoy reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFailure {
    /// Envoy's own 504 at the integration's timeout.
    Timeout,
    /// No answer from the upstream: connection refused, closed or reset, a broken HTTP answer (an
    /// invalid Content-Length, bytes that are not HTTP), no healthy upstream, or a reply over
    /// Envoy's 32 MiB callout limit.
    Unreachable,
}

/// The header Envoy's router puts on every answer that came from the upstream of a callout
/// (`dispatch_http_call` runs on Envoy's async client, whose router config never suppresses
/// it, whatever the listener's router says). Envoy's own answers (connection failure, reset,
/// protocol error, timeout) never carry it, and a backend cannot take it away: its absence is the
/// marker a backend cannot send (README: "HTTP, HTTP_PROXY and AWS services", upstream failures).
pub const UPSTREAM_ANSWER_HEADER: &str = "x-envoy-upstream-service-time";

/// Tells an Envoy-made failure of a callout from the upstream's own answer, whatever that
/// answer's status and body: a backend's own 502 whose body is Envoy's error text word for word
/// is still the backend's (README: "HTTP, HTTP_PROXY and AWS services", upstream failures).
/// `status` 0: the call ended without a response.
pub fn classify(status: u16, headers: &[(String, String)]) -> Option<CallFailure> {
    if status != 0 && headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(UPSTREAM_ANSWER_HEADER)) {
        return None;
    }
    Some(if status == 504 { CallFailure::Timeout } else { CallFailure::Unreachable })
}

/// Tells an Envoy-made answer on a proxied (HTTP_PROXY) request from the backend's own, by the
/// `response.code_details` Envoy reports for it, never by status or body (README: "HTTP,
/// HTTP_PROXY and AWS services", upstream failures).
/// `""` (not read: a status under 400) and `via_upstream` are the backend's; the router's own
/// failures are a timeout or an unreachable/broken upstream; any other detail is another
/// filter's own answer and stays as it is.
pub fn classify_details(details: &str) -> Option<CallFailure> {
    match details {
        "" | "via_upstream" => None,
        "upstream_response_timeout" | "upstream_per_try_timeout" | "upstream_per_try_idle_timeout"
        | "upstream_max_stream_duration_reached" | "response_timeout" => Some(CallFailure::Timeout),
        "no_healthy_upstream" | "cluster_not_found" | "maintenance_mode" => Some(CallFailure::Unreachable),
        d if d.starts_with("upstream_") => Some(CallFailure::Unreachable),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::Endpoint;
    use crate::event::test_support::Fixture;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // Envoy-made callout answers have only :status, content-length and content-type (README:
    // "HTTP, HTTP_PROXY and AWS services", upstream failures): whatever their status, they are
    // failures; 504 is the timeout.
    #[test]
    fn envoy_made_callout_answers_are_failures() {
        let envoy = pairs(&[(":status", "502"), ("content-length", "87"), ("content-type", "text/plain")]);
        assert_eq!(classify(502, &envoy), Some(CallFailure::Unreachable));
        assert_eq!(classify(503, &envoy), Some(CallFailure::Unreachable));
        assert_eq!(classify(504, &envoy), Some(CallFailure::Timeout));
        assert_eq!(classify(0, &[]), Some(CallFailure::Unreachable));
    }

    // An upstream's answer carries the router's marker: its own 502, 503 or 504 (even with Envoy's
    // text as body, which classify never reads) is an answer, not a failure.
    #[test]
    fn upstream_answers_are_not_failures() {
        for status in [200, 404, 502, 503, 504] {
            let h = pairs(&[(":status", "x"), ("content-type", "text/plain"), (UPSTREAM_ANSWER_HEADER, "3")]);
            assert_eq!(classify(status, &h), None, "{status}");
        }
        assert_eq!(classify(502, &pairs(&[("X-Envoy-Upstream-Service-Time", "0")])), None);
    }

    // HTTP_PROXY: Envoy's response details decide (README: "HTTP, HTTP_PROXY and AWS services",
    // upstream failures).
    #[test]
    fn response_details_table() {
        for (details, want) in [
            ("", None),
            ("via_upstream", None),
            ("upstream_response_timeout", Some(CallFailure::Timeout)),
            ("upstream_per_try_timeout", Some(CallFailure::Timeout)),
            ("upstream_reset_before_response_started{protocol_error}", Some(CallFailure::Unreachable)),
            ("upstream_reset_before_response_started{connection_failure}", Some(CallFailure::Unreachable)),
            ("upstream_reset_before_response_started{connection_termination}", Some(CallFailure::Unreachable)),
            ("upstream_reset_before_response_started{remote_reset}", Some(CallFailure::Unreachable)),
            ("no_healthy_upstream", Some(CallFailure::Unreachable)),
            ("cluster_not_found", Some(CallFailure::Unreachable)),
            ("ext_authz_denied", None),
        ] {
            assert_eq!(classify_details(details), want, "{details}");
        }
    }

    // The Invoke call: signed content, then API Gateway's own unsigned headers (README: "Lambda
    // proxy (AWS_PROXY)").
    #[test]
    fn invoke_headers() {
        let f = Fixture::new("GET", "/stage/x");
        let integration = Integration::parse(&serde_json::json!({
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations"
        }))
        .unwrap();
        let endpoint = Endpoint { cluster: "lambda".into(), authority: "lambda.local".into(), envoy_signs: false };
        let targets = crate::config::Targets { lambda: Some(endpoint), ..Default::default() };
        let (plan, _) = crate::integration::plan::compile(&integration, &[], &targets, "us-east-1").unwrap();
        let creds = Credentials { access_key_id: "AK".into(), secret_access_key: "SK".into(), session_token: None };
        let call = invoke_request(&integration, &plan, &f.input(), Some(&creds)).unwrap();
        let get = |name: &str| call.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("accept"), Some("application/json"));
        assert_eq!(get("user-agent"), Some("AmazonAPIGateway_abc123"));
        assert_eq!(get("x-amzn-apigateway-api-id"), Some("abc123"));
        assert_eq!(get("x-amzn-lambda-integration-tag"), Some("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"));
        assert_eq!(get("x-amzn-trace-id").map(str::to_string), Some(crate::trace::function_value(&f.request)));
        let signed = get("authorization").unwrap();
        assert!(signed.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type,"), "{signed}");
    }
}
