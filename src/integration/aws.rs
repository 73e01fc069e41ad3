//! AWS service and Lambda custom integrations: the endpoint, request line and SigV4 signature of
//! the call, and the function error of a Lambda answer (module docs of [`super`]).

use crate::config::Endpoint;
use crate::headers::UNSIGNED_HEADERS;
use crate::sigv4::Credentials;

use super::plan::{self, Plan};
use super::target::{self, AwsApi};
use super::{encoded_query, internal, path_lookup, set_header, wire_path};
use super::{Failure, Mapped, RequestArgs, Upstream};

/// An AWS call's request line and where it goes.
struct AwsCall<'a> {
    endpoint: &'a Endpoint,
    /// The SigV4 region and service.
    region: &'a str,
    service: &'a str,
    method: String,
    path: String,
    query: String,
}

pub(super) fn request(
    args: &RequestArgs,
    method: String,
    mut headers: Vec<(String, String)>,
    mapped: &Mapped,
    body: Vec<u8>,
) -> Result<Upstream, Failure> {
    let call = match args.plan {
        Plan::LambdaCustom(lambda) => lambda_call(args, lambda, &mut headers, mapped),
        Plan::Aws(plan) => service_call(args, plan, method, &mut headers, mapped, &body),
        Plan::Fail(log) => return Err(internal(log.clone())),
        other => return Err(internal(format!("the plan {other:?} is not an AWS integration"))),
    };
    for (name, values) in &mapped.headers {
        set_header(&mut headers, name, values);
    }
    let s3 = call.service == "s3";
    if s3 {
        use sha2::Digest;
        set_header(&mut headers, "x-amz-content-sha256", &[hex::encode(sha2::Sha256::digest(&body))]);
    }
    if let Some(creds) = args.credentials.filter(|_| !call.endpoint.envoy_signs) {
        sign(&call, &mut headers, &body, creds, args.request.now_ms);
    }
    Ok(Upstream {
        cluster: call.endpoint.cluster.clone(),
        method: call.method,
        path: wire_path(&call.path, &[call.query]),
        authority: call.endpoint.authority.clone(),
        headers,
        body: Some(body),
        timeout_ms: args.integration.timeout_ms,
    })
}

/// Lambda custom: POST to the function's Invoke path, with API Gateway's own headers.
fn lambda_call<'a>(
    args: &RequestArgs,
    lambda: &'a plan::LambdaPlan,
    headers: &mut Vec<(String, String)>,
    mapped: &Mapped,
) -> AwsCall<'a> {
    headers.push(("x-amz-invocation-type".to_string(), "RequestResponse".to_string()));
    // API Gateway's own tags on the Invoke call (README: "Lambda proxy (AWS_PROXY)"); a mapped
    // `X-Amz-Invocation-Type: 'Event'` replaces the type below (asynchronous: 202, empty).
    set_header(headers, "x-amzn-lambda-integration-tag", std::slice::from_ref(&args.context.request_id));
    set_header(headers, "x-amzn-apigateway-api-id", std::slice::from_ref(&args.context.api_id));
    AwsCall {
        endpoint: &lambda.endpoint,
        region: &lambda.region,
        service: "lambda",
        method: "POST".to_string(),
        path: lambda.invoke_path.clone(),
        query: encoded_query(&mapped.query),
    }
}

/// An AWS service: `path/...` with the integration's method, or `action/Name` POSTed to `/`.
fn service_call<'a>(
    args: &RequestArgs,
    plan: &'a plan::AwsPlan,
    method: String,
    headers: &mut Vec<(String, String)>,
    mapped: &Mapped,
    body: &[u8],
) -> AwsCall<'a> {
    let aws = &plan.uri;
    let lookup = path_lookup(mapped, args.path_params);
    let mapped_query = encoded_query(&mapped.query);
    let join = |parts: Vec<String>| parts.into_iter().filter(|q| !q.is_empty()).collect::<Vec<_>>().join("&");
    let (method, path, query) = match &aws.api {
        AwsApi::Path { path, query } => {
            let path = target::fill_variables(path, &lookup, target::encode_path_value);
            let query = target::fill_variables(query, &lookup, target::encode_query_value);
            (method, path, join(vec![query, mapped_query]))
        }
        AwsApi::Action { name, params } => {
            let params = target::fill_variables(params, &lookup, target::encode_query_value);
            let mut query_parts = Vec::new();
            if let Some((prefix, version)) = target::json_protocol(&aws.service) {
                set_header(headers, "x-amz-target", &[format!("{prefix}.{name}")]);
                set_header(headers, "content-type", &[format!("application/x-amz-json-{version}")]);
            } else {
                let body_has_action = form_urlencoded::parse(body).any(|(k, _)| k == "Action");
                if !body_has_action {
                    query_parts.push(format!("Action={}", target::encode_query_value(name)));
                }
                set_header(headers, "content-type", &["application/x-www-form-urlencoded; charset=utf-8".to_string()]);
            }
            query_parts.push(params);
            query_parts.push(mapped_query);
            ("POST".to_string(), "/".to_string(), join(query_parts))
        }
    };
    AwsCall { endpoint: &plan.endpoint, region: &plan.region, service: &aws.service, method, path, query }
}

/// Adds the SigV4 headers for `call` with the gateway's credentials.
fn sign(call: &AwsCall, headers: &mut Vec<(String, String)>, body: &[u8], creds: &Credentials, now_ms: u64) {
    // Like botocore, leave User-Agent (and Expect, X-Amzn-Trace-Id) unsigned: intermediaries
    // rewrite it, and verifiers built on botocore (moto) ignore it when they recompute.
    let mut signed_headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !UNSIGNED_HEADERS.contains(&k.as_str()))
        .cloned()
        .collect();
    signed_headers.push(("host".to_string(), call.endpoint.authority.clone()));
    // S3 signs the path encoded once: hand the signer the decoded path (it encodes once).
    let sign_path = if call.service == "s3" {
        percent_encoding::percent_decode_str(&call.path).decode_utf8_lossy().into_owned()
    } else {
        call.path.clone()
    };
    let added = crate::sigv4::sign(
        &call.method,
        &sign_path,
        &call.query,
        &signed_headers,
        body,
        call.service,
        call.region,
        creds,
        now_ms,
    );
    for (k, v) in added {
        set_header(headers, &k, &[v]);
    }
}

/// The `errorMessage` of a Lambda function error: the Invoke API marks it with
/// `X-Amz-Function-Error`; a payload `{"errorMessage": .., "errorType": ..}` without the header
/// (some local emulators) counts too. `None`: the function succeeded.
pub fn lambda_error_message(headers: &[(String, String)], body: &[u8]) -> Option<String> {
    let marked = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-amz-function-error"));
    let doc: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let obj = doc.as_ref().and_then(|d| d.as_object());
    let message = obj.and_then(|o| o.get("errorMessage")).and_then(crate::resolver::json_text);
    if marked {
        return Some(message.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned()));
    }
    if obj.is_some_and(|o| o.contains_key("errorType")) {
        return message;
    }
    None
}
