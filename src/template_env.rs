//! The variables a mapping template sees (`$input`, `$context`, `$stageVariables`), built from the
//! request once per integration call.

use crate::context::RequestContext;
use crate::vtl::{Env, Input, Value};

/// Decodes a raw query string the way API Gateway does (`+` is a space, `%xx` decoded, `?a` is "").
pub fn decode_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn string_map(pairs: &[(String, String)]) -> Value {
    let m = Value::new_map();
    for (k, v) in pairs {
        m.map_insert(k, Value::from(v.as_str()));
    }
    m
}

/// `$context` as a template map. `requestOverride` and `responseOverride` start empty and writable.
pub fn context_value(c: &RequestContext) -> Value {
    let m = Value::new_map();
    let s = |v: &str| Value::from(v);
    m.map_insert("accountId", s(&c.account_id));
    m.map_insert("apiId", s(&c.api_id));
    m.map_insert("deploymentId", s(&c.deployment_id));
    m.map_insert("domainName", s(&c.domain_name));
    m.map_insert("domainPrefix", s(&c.domain_prefix));
    m.map_insert("extendedRequestId", s(&c.extended_request_id));
    m.map_insert("httpMethod", s(&c.http_method));
    let identity = Value::new_map();
    for key in [
        "accessKey",
        "accountId",
        "apiKey",
        "apiKeyId",
        "caller",
        "cognitoAuthenticationProvider",
        "cognitoAuthenticationType",
        "cognitoIdentityId",
        "cognitoIdentityPoolId",
        "principalOrgId",
        "user",
        "userArn",
    ] {
        identity.map_insert(key, Value::Null);
    }
    identity.map_insert("sourceIp", s(&c.source_ip));
    identity.map_insert(
        "userAgent",
        c.user_agent.as_deref().map(Value::from).unwrap_or(Value::Null),
    );
    m.map_insert("identity", identity);
    m.map_insert("path", s(&c.path));
    m.map_insert("protocol", s(&c.protocol));
    let request_override = Value::new_map();
    request_override.map_insert("header", Value::new_map());
    request_override.map_insert("path", Value::new_map());
    request_override.map_insert("querystring", Value::new_map());
    m.map_insert("requestOverride", request_override);
    m.map_insert("requestId", s(&c.request_id));
    m.map_insert("requestTime", s(&c.request_time));
    m.map_insert(
        "requestTimeEpoch",
        Value::from_json(&serde_json::Value::from(c.request_time_epoch)),
    );
    m.map_insert("resourceId", s(&c.resource_id));
    m.map_insert("resourcePath", s(&c.resource_path));
    let response_override = Value::new_map();
    response_override.map_insert("header", Value::new_map());
    m.map_insert("responseOverride", response_override);
    m.map_insert("stage", s(&c.stage));
    m
}

/// The request parts `$input` exposes.
pub struct RequestParts<'a> {
    pub body: &'a [u8],
    pub path_params: &'a [(String, String)],
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
}

/// Headers API Gateway drops before templates see them (reference §6).
const DROPPED_HEADERS: &[&str] = &["connection", "content-length", "expect", "te", "transfer-encoding"];

pub fn env(parts: &RequestParts, context: &RequestContext, stage_variables: &[(String, String)]) -> Env {
    Env {
        input: Input {
            body: String::from_utf8_lossy(parts.body).into_owned(),
            path: parts.path_params.to_vec(),
            querystring: parts.query.to_vec(),
            header: parts
                .headers
                .iter()
                .filter(|(k, _)| !DROPPED_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
                .filter(|(k, _)| !k.starts_with(':'))
                .cloned()
                .collect(),
        },
        context: context_value(context),
        stage_variables: string_map(stage_variables),
    }
}

/// Reads `$context.responseOverride` after rendering: the status and headers a template set.
pub fn response_override(env: &Env) -> (Option<u16>, Vec<(String, String)>) {
    let status = env
        .context
        .get_path(&["responseOverride", "status"])
        .and_then(|v| v.to_java_string().trim().parse::<u16>().ok())
        .filter(|s| (100..=599).contains(s));
    let headers = env
        .context
        .get_path(&["responseOverride", "header"])
        .map(|h| h.string_entries())
        .unwrap_or_default();
    (status, headers)
}
