//! HTTP, HTTP_PROXY and AWS (service and Lambda custom) integrations, host-independent: the
//! request to send upstream ([`build_request`]) and the client response made of the backend's
//! answer ([`build_response`], [`proxy_response_headers`]). AWS's recorded behaviour (README: "HTTP,
//! HTTP_PROXY and AWS services") is the authority; where it is silent, AWS's documentation;
//! choices marked [open] are this gateway's.
//!
//! One module per integration type: [`mock`], [`http`], [`http_proxy`], [`aws`] (service and
//! Lambda custom), [`aws_proxy`]; this one holds what the non-proxy types share (parameter
//! mapping, request and response templates, selection). What each operation's upstream is for a
//! deployment is compiled once, at load, into its [`plan::Plan`].
//!
//! # Request
//! - **HTTP_PROXY**: the URI's `{var}`s are filled from `integration.request.path.var` mappings,
//!   else from the path parameter of that name; `${stageVariables.x}` is substituted first. The
//!   query is the URI's, then the client's (raw), then mapped `querystring` parameters. Client
//!   headers are forwarded except [`PROXY_DROPPED_REQUEST_HEADERS`] and `host` (the URI's
//!   authority replaces it); a header mapping replaces the client header. `X-Forwarded-For` gets
//!   the client address appended, as API Gateway does. The body streams unchanged
//!   ([`Upstream::body`] is `None`).
//! - **HTTP and HTTP_PROXY** send `x-amzn-apigateway-api-id: <apiId>` ([`API_ID_HEADER`]); a
//!   mapped `host` (from `method.request.header.Host`) becomes [`Upstream::authority`], the
//!   backend's Host (recorded on AWS).
//! - **HTTP** (custom): no client header is forwarded: `accept: application/json`,
//!   `user-agent: AmazonAPIGateway_<apiId>`, the client's Content-Type for methods with a body
//!   (`application/json` when it sent none; none for a GET without a body, recorded on AWS), then
//!   the mapped headers, which override those. Content-Length is the adapter's (Envoy sets it
//!   from [`Upstream::body`]), `0` for an empty body; Host is [`Upstream::authority`]. The client
//!   query is not forwarded: only the URI's query and mapped parameters.
//! - **AWS** service: `path/...` URIs use the integration's method and path; `action/Name`
//!   URIs POST to `/`: JSON-protocol services ([`target::JSON_PROTOCOL_SERVICES`]: DynamoDB,
//!   Kinesis, Step Functions...) get `x-amz-target: <Prefix>.<Name>` and
//!   `content-type: application/x-amz-json-1.x`; other (query-protocol) services get
//!   `Action=<Name>` in the query unless the rendered form body already has an `Action`, and
//!   `content-type: application/x-www-form-urlencoded; charset=utf-8`. A Content-Type mapping wins
//!   over both. The endpoint is `targets.aws["<subdomain>.<service>"]`, else
//!   `targets.aws["<service>"]`.
//! - **Lambda custom** (`type: aws`, `lambda:path/2015-03-31/functions/{fn}/invocations`): the
//!   rendered template (or passthrough body) is POSTed to the Invoke API (`targets.lambda`,
//!   else `targets.aws["lambda"]`) with `x-amz-invocation-type: RequestResponse` (a mapping may
//!   set `Event`: the Invoke API answers 202 without a payload and the default response applies),
//!   `x-amzn-lambda-integration-tag: <requestId>` and `x-amzn-apigateway-api-id: <apiId>`
//!   (recorded on AWS). Without a template the client body passes byte for byte, and without a
//!   response template the function's payload (an error payload too) is the client body.
//! - **Credentials.** An integration's `credentials` (an IAM role ARN, or
//!   `arn:aws:iam::*:user/*` for the caller's identity) is **not assumed** here: requests to AWS
//!   are signed (SigV4, for the URI's service and region) with the credentials the gateway was
//!   given from its environment (`AWS_ACCESS_KEY_ID`...), or sent unsigned when it has none
//!   (local emulators). Grant those credentials what the role would allow.
//! - S3 is signed as S3 wants: `x-amz-content-sha256` is sent and the path is encoded once.
//! - `$context.requestOverride.{path,querystring,header}` set by the request template override
//!   the mapped values (the same `Env` carries them to the response template).
//! - Request templates: chosen by Content-Type with passthroughBehavior as for MOCK
//!   ([`negotiation::request_template`]; 415 when refused). contentHandling converts the body
//!   first ([`content`], recorded on AWS), then the template reads the converted payload; the
//!   integration response's contentHandling works the same way against the client's Accept.
//!
//! # Response (HTTP and AWS custom)
//! The selection value is the backend status as a string; for Lambda custom the function's
//! `errorMessage` (empty on success). No match and no default -> 500. Backend headers are not
//! returned unless mapped; Content-Type is the chosen template's type, else `application/json`.
//! Mapped headers in [`crate::headers::REMAPPED_RESPONSE_HEADERS`] become
//! `x-amzn-Remapped-<Name>`, Transfer-Encoding is dropped. No matching response template: the
//! backend body passes as it is. `$context.responseOverride` applies last.

pub mod aws;
pub mod aws_proxy;
pub mod content;
pub mod http;
pub mod http_proxy;
pub mod mock;
pub mod negotiation;
pub mod plan;
pub mod target;

pub use aws::lambda_error_message;
pub use http_proxy::proxy_response_headers;

use crate::config::integration::{Integration, IntegrationResponse, IntegrationType};
use crate::config::Targets;
use crate::context::RequestContext;
use crate::event::invoke::{substitute_stage_variables, LambdaTarget};
use crate::gateway_responses::ResponseType;
use crate::http::{Request, Response};
use crate::headers::mapped_response_header_name as response_header_name;
use crate::mapping::Source;
use crate::sigv4::Credentials;
use crate::vtl::Env;
use crate::resolver::Sources;
use plan::{HttpPlan, Plan};
use target::{AwsUri, HttpUri};

/// A request the adapter must send upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The Envoy cluster.
    pub cluster: String,
    pub method: String,
    /// Path and `?query`, exactly as they go on the wire.
    pub path: String,
    /// `:authority` (and so Host).
    pub authority: String,
    /// The complete set of non-pseudo headers to send, names lower-case, repeats kept. No `host`
    /// (a mapped Host becomes `authority`) and no `content-length` (the adapter frames the body),
    /// except `content-length: 0` for an empty HTTP (custom) body.
    pub headers: Vec<(String, String)>,
    /// The new body (HTTP, AWS); `None` for HTTP_PROXY, where the client body streams unchanged.
    pub body: Option<Vec<u8>>,
    pub timeout_ms: u32,
}

/// Everything [`build_request`] needs.
pub struct RequestArgs<'a> {
    pub integration: &'a Integration,
    pub request: &'a Request,
    pub context: &'a RequestContext,
    pub path_params: &'a [(String, String)],
    pub stage_variables: &'a [(String, String)],
    /// The operation's upstream, compiled at configure time.
    pub plan: &'a Plan,
    /// The gateway's AWS credentials; `None` sends AWS requests unsigned.
    pub credentials: Option<&'a Credentials>,
    pub binary_media_types: &'a [String],
}

/// Everything [`build_response`] needs: the client request and the backend's answer.
pub struct ResponseArgs<'a> {
    pub integration: &'a Integration,
    /// The operation's upstream, compiled at configure time.
    pub plan: &'a Plan,
    pub request: &'a Request,
    pub context: &'a RequestContext,
    pub stage_variables: &'a [(String, String)],
    /// The backend status; 0 when the call failed without a response.
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub binary_media_types: &'a [String],
}

/// Why an integration could not answer: the gateway response to send and a line for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: ResponseType,
    pub message: &'static str,
    pub log: String,
}

fn internal(log: impl Into<String>) -> Failure {
    Failure {
        kind: ResponseType::ApiConfigurationError,
        message: "Internal server error",
        log: log.into(),
    }
}

/// HTTP, HTTP_PROXY and AWS (service or Lambda custom): the request to send, or the gateway
/// response to give instead.
pub fn build_request(args: &RequestArgs, env: &mut Env) -> Result<Upstream, Failure> {
    match args.integration.kind {
        IntegrationType::HttpProxy => http_proxy::request(args),
        IntegrationType::Http | IntegrationType::Aws => custom(args, env),
        other => Err(internal(format!("integration type {other:?} is not an HTTP or AWS integration"))),
    }
}

// --- request parameters --------------------------------------------------------------------

/// Mapped request parameters, by target.
#[derive(Debug, Default)]
struct Mapped {
    /// `{var}` -> value (raw; encoded when placed).
    path: Vec<(String, String)>,
    /// Query parameters to append, in order (raw).
    query: Vec<(String, String)>,
    /// Header name (lower-case) -> values; each replaces the header of that name.
    headers: Vec<(String, Vec<String>)>,
}

impl Mapped {
    fn set_path(&mut self, name: &str, value: String) {
        self.path.retain(|(k, _)| k != name);
        self.path.push((name.to_string(), value));
    }
    fn set_header(&mut self, name: &str, values: Vec<String>) {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, values));
    }
}

/// The integration's request parameters resolved against the client's request (README: "HTTP,
/// HTTP_PROXY and AWS services").
fn map_client_request(args: &RequestArgs) -> Mapped {
    if args.integration.request_parameters.is_empty() {
        // Nothing to resolve: the query is not even decoded.
        return Mapped::default();
    }
    let req = args.request;
    let query = crate::query::decode(req.raw_query());
    let sources = Sources {
        context: Some(args.context),
        stage_variables: args.stage_variables,
        path_params: args.path_params,
        query: &query,
        headers: &req.headers,
        body: &req.body,
        ..Default::default()
    };
    map_request(args.integration, &sources)
}

fn map_request(integration: &Integration, sources: &Sources) -> Mapped {
    let mut m = Mapped::default();
    for (target, src) in &integration.request_parameters {
        let Some((place, name)) = target.strip_prefix("integration.request.").and_then(|r| r.split_once('.')) else {
            continue;
        };
        let values = crate::resolver::values(src, sources);
        if values.is_empty() {
            // A mapping whose source is missing is left out [AWS].
            continue;
        }
        match place {
            "path" => m.set_path(name, values.join(",")),
            "querystring" => m.query.push((name.to_string(), values.join(","))),
            "multivaluequerystring" => m.query.extend(values.into_iter().map(|v| (name.to_string(), v))),
            "header" => m.set_header(name, vec![values.join(",")]),
            "multivalueheader" => m.set_header(name, values),
            _ => {}
        }
    }
    m
}

/// Applies `$context.requestOverride` written by the request template.
fn apply_overrides(m: &mut Mapped, env: &Env) {
    let entries = |part: &str| {
        env.context
            .get_path(&["requestOverride", part])
            .map(|v| v.string_entries())
            .unwrap_or_default()
    };
    for (k, v) in entries("path") {
        m.set_path(&k, v);
    }
    for (k, v) in entries("querystring") {
        m.query.retain(|(n, _)| *n != k);
        m.query.push((k, v));
    }
    for (k, v) in entries("header") {
        m.set_header(&k, vec![v]);
    }
}

fn path_lookup<'a>(m: &'a Mapped, path_params: &'a [(String, String)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| {
        m.path
            .iter()
            .find(|(k, _)| k == name)
            .or_else(|| path_params.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone())
    }
}

/// `path` + `?query` from the URI's parts with variables filled, then extra query text.
fn wire_path(path: &str, query_parts: &[String]) -> String {
    let query: Vec<&str> = query_parts.iter().map(String::as_str).filter(|q| !q.is_empty()).collect();
    let path = if path.is_empty() { "/" } else { path };
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

fn encoded_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", target::encode_query_value(k), target::encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, values: &[String]) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.extend(values.iter().map(|v| (name.to_string(), v.clone())));
}

/// The header HTTP and HTTP_PROXY backends get with the API's id (README: "HTTP, HTTP_PROXY and AWS
/// services").
pub const API_ID_HEADER: &str = "x-amzn-apigateway-api-id";

/// Takes a mapped `host` header out of `headers`: a Host mapped from `method.request.header.Host`
/// reaches the backend as its Host (README: "HTTP, HTTP_PROXY and AWS services"), which Envoy sends
/// from `:authority` (a `host` header beside it would go out as a second Host). `None` (no mapping,
/// or an empty value): the URI's authority stays.
fn take_mapped_host(headers: &mut Vec<(String, String)>) -> Option<String> {
    let host = headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("host") && !v.is_empty())
        .map(|(_, v)| v.clone());
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("host"));
    host
}

fn method_of(integration: &Integration, request: &Request) -> String {
    match integration.http_method.as_deref() {
        None => request.method.clone(),
        Some(m) if m.eq_ignore_ascii_case("ANY") => request.method.clone(),
        Some(m) => m.to_ascii_uppercase(),
    }
}

/// The HTTP(S) target of an HTTP or HTTP_PROXY plan; a plan that fails answers 500.
fn http_plan(plan: &Plan) -> Result<&HttpPlan, Failure> {
    match plan {
        Plan::Http(p) => Ok(p),
        Plan::Fail(log) => Err(internal(log.clone())),
        other => Err(internal(format!("the plan {other:?} has no HTTP target"))),
    }
}

// --- HTTP and AWS custom ---------------------------------------------------------------------

fn custom(args: &RequestArgs, env: &mut Env) -> Result<Upstream, Failure> {
    let i = args.integration;
    let req = args.request;
    let content_type = req.header("content-type");
    let template = negotiation::request_template(i, content_type)?;
    // contentHandling converts the client's body first; the template reads the result (README:
    // "HTTP, HTTP_PROXY and AWS services", contentHandling).
    let body = request_payload(args, template, env)?;
    let mut mapped = map_client_request(args);
    apply_overrides(&mut mapped, env);
    let method = method_of(i, req);
    let mut headers = vec![
        ("accept".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), format!("AmazonAPIGateway_{}", args.context.api_id)),
    ];
    // A GET (or other bodiless method) without a body gets no Content-Type, even when the client
    // sent one (README: "HTTP, HTTP_PROXY and AWS services").
    let has_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH") || !body.is_empty();
    if has_body {
        headers.push((
            "content-type".to_string(),
            content_type.unwrap_or("application/json").to_string(),
        ));
    }
    if i.kind == IntegrationType::Http {
        return http::request(args, method, headers, &mapped, body);
    }
    aws::request(args, method, headers, &mapped, body)
}

/// The integration request's body: the client's body converted by contentHandling, then the
/// request template (if one applies) rendered over it.
fn request_payload(
    args: &RequestArgs,
    template: Option<&crate::config::integration::NamedTemplate>,
    env: &mut Env,
) -> Result<Vec<u8>, Failure> {
    let req = args.request;
    let binary = req
        .header("content-type")
        .is_some_and(|ct| crate::media::matches_binary(args.binary_media_types, ct));
    let payload = content::request(&req.body, binary, args.integration.content_handling).map_err(internal)?;
    let Some(t) = template else {
        return Ok(payload.into_bytes());
    };
    env.input.body = payload
        .template_text(t.template.uses_body())
        .map_err(|e| internal(format!("request template {}: {e}", t.content_type)))?;
    Ok(t.template
        .render(env)
        .map_err(|e| internal(format!("request template {} failed: {e}", t.content_type)))?
        .into_bytes())
}

// --- responses -------------------------------------------------------------------------------

/// An Envoy-made failure of the upstream call (status 0, connection failure, reset, broken
/// answer, timeout: [`crate::integration::aws_proxy::classify`]): the gateway response to give and its
/// status (AWS: 504 timeout, 502 otherwise). The body only goes to the log.
pub fn upstream_failure(status: u16, headers: &[(String, String)], body: &[u8]) -> Option<(Failure, u16)> {
    use crate::integration::aws_proxy::CallFailure;
    match crate::integration::aws_proxy::classify(status, headers)? {
        CallFailure::Timeout => Some((
            Failure {
                kind: ResponseType::IntegrationTimeout,
                message: "Endpoint request timed out",
                log: "the integration endpoint timed out".into(),
            },
            504,
        )),
        CallFailure::Unreachable => Some((
            Failure {
                kind: ResponseType::IntegrationFailure,
                message: "Internal server error",
                log: format!(
                    "the integration endpoint is unreachable ({status}: {})",
                    String::from_utf8_lossy(body)
                ),
            },
            502,
        )),
    }
}

/// The selection value and the integration response it selects.
fn select<'a>(args: &ResponseArgs<'a>) -> Result<&'a IntegrationResponse, Failure> {
    let i = args.integration;
    let value = if matches!(args.plan, Plan::LambdaCustom(_)) {
        if !(200..300).contains(&args.status) {
            // The Invoke API refused (unknown function, bad signature, throttling): AWS answers 500.
            return Err(internal(format!(
                "the Lambda Invoke API answered {}: {}",
                args.status,
                String::from_utf8_lossy(args.body)
            )));
        }
        lambda_error_message(args.headers, args.body).unwrap_or_default()
    } else {
        args.status.to_string()
    };
    i.select_response(&value).ok_or_else(|| {
        internal(format!("no integration response matches {value:?} and there is no default"))
    })
}

/// HTTP and AWS custom: selection (backend status; for Lambda custom the function's
/// errorMessage), response parameters (with `x-amzn-Remapped-*`), response template by Accept,
/// contentHandling, `$context.responseOverride`.
pub fn build_response(args: &ResponseArgs, env: &mut Env) -> Result<Response, Failure> {
    if let Some((failure, _)) = upstream_failure(args.status, args.headers, args.body) {
        return Err(failure);
    }
    let selected = select(args)?;
    let backend_type = args
        .headers
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    // The integration's Content-Type says whether the payload is binary, the first Accept entry
    // whether the client wants binary; contentHandling converts before the template (README:
    // "HTTP, HTTP_PROXY and AWS services", contentHandling).
    let binary = backend_type.is_some_and(|ct| crate::media::matches_binary(args.binary_media_types, ct));
    let accept = args.request.header("accept");
    let binary_accept = accept
        .is_some_and(|a| crate::media::matches_binary(args.binary_media_types, crate::media::first_accept_entry(a)));
    let payload = content::response(args.body, binary, binary_accept, selected.content_handling).map_err(internal)?;
    let mut content_type = "application/json".to_string();
    let body = match negotiation::response_template(&selected.templates, accept) {
        Some(t) => {
            content_type = t.content_type.clone();
            // `$input` in the response template is the (converted) backend body.
            env.input.body = payload
                .template_text(t.template.uses_body())
                .map_err(|e| internal(format!("response template {}: {e}", t.content_type)))?;
            t.template
                .render(env)
                .map_err(|e| internal(format!("response template {} failed: {e}", t.content_type)))?
                .into_bytes()
        }
        None => payload.into_bytes(),
    };
    let mut response = Response {
        status: selected.status,
        headers: vec![("content-type".to_string(), content_type)],
        body,
    };
    let sources = Sources {
        context: Some(args.context),
        stage_variables: args.stage_variables,
        integration_headers: args.headers,
        integration_body: Some(args.body),
        ..Default::default()
    };
    for (name, src) in &selected.parameters {
        if let (Some(v), Some(out)) = (crate::resolver::value(src, &sources), response_header_name(name)) {
            response.set_header(&out, &v);
        }
    }
    let (status, overrides) = crate::template_env::response_override(env);
    if let Some(s) = status {
        response.status = s;
    }
    for (k, v) in overrides {
        response.set_header(&k, &v);
    }
    Ok(response)
}

// --- configuration checks --------------------------------------------------------------------

fn placeholder_stage_variables(text: &str) -> String {
    // Any value will do to check the shape; a variable may stand for a whole host.
    const OPEN: &str = "${stageVariables.";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        match from.split_once('}') {
            Some((_, tail)) => {
                out.push_str("stagevar");
                rest = tail;
            }
            None => {
                out.push_str(from);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Load-time checks of an HTTP, HTTP_PROXY or AWS integration that need no deployment: its URI
/// has the right shape, and every `...body.<JSONPath>` mapping compiles. Other types: `Ok`.
pub fn check(integration: &Integration) -> Result<(), String> {
    let kind = integration.kind;
    if !matches!(kind, IntegrationType::Http | IntegrationType::HttpProxy | IntegrationType::Aws) {
        return Ok(());
    }
    let uri = placeholder_stage_variables(integration.uri.as_deref().unwrap_or(""));
    match kind {
        IntegrationType::Aws => {
            let parsed = AwsUri::parse(&uri)?;
            if parsed.is_lambda_invoke() {
                LambdaTarget::parse(&uri)?;
            }
        }
        _ => {
            HttpUri::parse(&uri)?;
        }
    }
    let body_paths = integration
        .request_parameters
        .iter()
        .map(|(t, s)| (t, s))
        .chain(integration.responses.iter().flat_map(|r| r.parameters.iter().map(|(t, s)| (t, s))));
    for (target, src) in body_paths {
        if let Source::MethodRequestBody(Some(p)) | Source::IntegrationBody(Some(p)) = src {
            if let Err(e) = &p.compiled {
                return Err(format!("{target}: the JSONPath {:?} does not compile: {e}", p.text));
            }
        }
    }
    Ok(())
}

/// The stage variables that an HTTP or HTTP_PROXY integration URI's host (its authority) names and
/// the deployment lacks, each once. Such a URI is a request-time error, not a load-time one
/// (README: "HTTP, HTTP_PROXY and AWS services"): the operation answers 500 and the rest of the API
/// is served, so [`check_targets`] must not be run on it.
pub fn missing_host_stage_variables(integration: &Integration, stage_variables: &[(String, String)]) -> Vec<String> {
    const OPEN: &str = "${stageVariables.";
    if !matches!(integration.kind, IntegrationType::Http | IntegrationType::HttpProxy) {
        return Vec::new();
    }
    let Some((_, rest)) = integration.uri.as_deref().unwrap_or("").split_once("://") else {
        return Vec::new();
    };
    // A reference `${stageVariables.name}` holds no `/`, `?` or `#`: the first one ends the authority.
    let mut authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let mut missing: Vec<String> = Vec::new();
    while let Some((_, after)) = authority.split_once(OPEN) {
        let Some((name, tail)) = after.split_once('}') else { break };
        if !stage_variables.iter().any(|(k, _)| k == name) && !missing.iter().any(|m| m == name) {
            missing.push(name.to_string());
        }
        authority = tail;
    }
    missing
}

/// Load-time check against a deployment: the integration's upstream is configured in `targets`
/// (HTTP origin cluster, AWS service endpoint, Lambda endpoint) once its stage variables are
/// substituted. The error names what to add.
pub fn check_targets(
    integration: &Integration,
    stage_variables: &[(String, String)],
    targets: &Targets,
) -> Result<(), String> {
    let uri = substitute_stage_variables(integration.uri.as_deref().unwrap_or(""), stage_variables);
    match integration.kind {
        IntegrationType::Http | IntegrationType::HttpProxy => plan::http(&uri, targets).map(|_| ()),
        IntegrationType::Aws => plan::aws(&uri, targets, "").map(|_| ()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
