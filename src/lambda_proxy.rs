//! AWS_PROXY: the Lambda Invoke API call for a request, and the client response from its answer.

use crate::config::integration::Integration;
use crate::config::Endpoint;
use crate::event::invoke::{substitute_stage_variables, LambdaTarget};
use crate::event::ProxyInput;
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

/// Builds the signed Invoke API request for an AWS_PROXY integration.
pub fn invoke_request(
    integration: &Integration,
    input: &ProxyInput,
    endpoint: Option<&Endpoint>,
    credentials: Option<&Credentials>,
) -> Result<Callout, SetupError> {
    let method = integration.http_method.as_deref().unwrap_or("");
    if !method.eq_ignore_ascii_case("POST") {
        // AWS answers 500 for an AWS_PROXY integration whose method is not POST (reference §2).
        return Err(format!("AWS_PROXY integration httpMethod is {method:?}; Lambda is invoked with POST"));
    }
    let endpoint = endpoint.ok_or("no Lambda endpoint is configured (targets.lambda)")?;
    let uri = substitute_stage_variables(integration.uri.as_deref().unwrap_or(""), input.stage_variables);
    let target = LambdaTarget::parse(&uri)?;
    let version = payload_version(integration);
    let event = match version {
        PayloadVersion::V1 => crate::event::v1::build(input),
        PayloadVersion::V2 => crate::event::v2::build(input),
    };
    let path = target.invoke_path();
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
            event.as_bytes(),
            "lambda",
            &target.region,
            creds,
            input.request.now_ms,
        );
        headers.extend(signed);
    }
    // Envoy takes the host from `:authority`.
    headers.retain(|(k, _)| k != "host");
    // What API Gateway's execution logs show on its Invoke calls, proxy or not (reference §8),
    // unsigned as botocore leaves User-Agent and X-Amzn-Trace-Id: the trace id is the one the
    // function's runtime gets.
    let api_id = input.context.api_id.as_str();
    headers.extend([
        ("accept".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), format!("AmazonAPIGateway_{api_id}")),
        ("x-amzn-apigateway-api-id".to_string(), api_id.to_string()),
        ("x-amzn-lambda-integration-tag".to_string(), input.context.request_id.clone()),
        ("x-amzn-trace-id".to_string(), crate::trace::function_value(input.request)),
    ]);
    let mut all = vec![
        (":method".to_string(), "POST".to_string()),
        (":path".to_string(), path),
        (":authority".to_string(), endpoint.authority.clone()),
    ];
    all.extend(headers);
    Ok(Callout {
        cluster: endpoint.cluster.clone(),
        headers: all,
        body: event.into_bytes(),
        timeout_ms: integration.timeout_ms,
    })
}

pub fn payload_version(integration: &Integration) -> PayloadVersion {
    if integration.payload_format_version == "2.0" {
        PayloadVersion::V2
    } else {
        PayloadVersion::V1
    }
}

/// How a callout ended, as Envoy reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFailure {
    /// Envoy's own 504 at the callout's timeout.
    Timeout,
    /// Connection refused/reset, no healthy upstream, or a reply over Envoy's 32 MiB callout limit.
    Unreachable,
}

/// Tells an Envoy-made failure from a real upstream answer: Envoy's replies carry only
/// `:status`, `content-length` and `content-type`, with a fixed body (envoy-facts §3).
pub fn classify(status: u16, headers: &[(String, String)], body: &[u8]) -> Option<CallFailure> {
    let envoy_made = headers
        .iter()
        .all(|(k, _)| matches!(k.as_str(), ":status" | "content-length" | "content-type" | "date" | "server"));
    if !envoy_made {
        return None;
    }
    match status {
        504 if body == b"upstream request timeout" => Some(CallFailure::Timeout),
        503 if body.starts_with(b"upstream connect error") || body == b"no healthy upstream" => {
            Some(CallFailure::Unreachable)
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::test_support::Fixture;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // The Invoke call: signed content, then API Gateway's own unsigned headers (reference §8).
    #[test]
    fn invoke_headers() {
        let f = Fixture::new("GET", "/stage/x");
        let integration = Integration::parse(&serde_json::json!({
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations"
        }))
        .unwrap();
        let endpoint = Endpoint { cluster: "lambda".into(), authority: "lambda.local".into(), envoy_signs: false };
        let creds = Credentials { access_key_id: "AK".into(), secret_access_key: "SK".into(), session_token: None };
        let call = invoke_request(&integration, &f.input(), Some(&endpoint), Some(&creds)).unwrap();
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
