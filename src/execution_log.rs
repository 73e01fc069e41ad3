//! The execution trace: the lines API Gateway writes per request at INFO with data tracing on
//! (README: "Execution trace"; `observability.md` §3), in its order and wording.
//!
//! - Every line starts with `(<requestId>) `, as in AWS's execution log group.
//! - Maps are written as Java writes a `Map`: `{k=v, k2=v2}`; a header sent several times is one
//!   entry, its values joined by `,` (AWS's `Set-Cookie=a,b`).
//! - Secrets are masked as AWS masks them (the `API Key: ****ReKPrb` of its usage plan line): every
//!   character but the last 6 becomes `*`, all of them for a value of 6 characters or fewer. Masked:
//!   `Authorization` (the client's token and the SigV4 signature of the endpoint request),
//!   `X-Api-Key`, `X-Amz-Security-Token` and the header an authorizer reads its token from.
//! - A body or map longer than 1024 bytes is cut there and ends with ` [TRUNCATED]` (AWS truncates
//!   log events at 1024 bytes).
//!
//! The gateway writes to an [`ExecutionLog`] only for a deployment whose `trace` is on (compiled
//! into the deployment at configure time); the adapter creates none otherwise, so tracing off costs
//! nothing. The adapter emits the lines through proxy-wasm logging ([`ExecutionLog::take`]).

use std::fmt::Write;

use crate::gateway::{Gateway, Outcome, Routed};
use crate::http::{Request, Response};
use crate::integration::plan::Plan;

/// AWS cuts log events at this many bytes.
pub const MAX_FIELD: usize = 1024;
/// How many trailing characters of a secret stay readable.
const KEPT: usize = 6;
/// Headers whose values never appear in clear.
const SECRET_HEADERS: &[&str] = &["authorization", "x-api-key", "x-amz-security-token"];

/// One request's trace lines, each already prefixed with `(<requestId>) `.
#[derive(Debug, Default)]
pub struct ExecutionLog {
    request_id: String,
    lines: Vec<String>,
    /// A header to mask besides [`SECRET_HEADERS`] (a Lambda authorizer's token header).
    token_header: Option<String>,
    /// When the endpoint request left (ms since the epoch), for "Integration latency".
    pub sent_ms: u64,
    /// Whether "Starting execution" was written (the checks before the integration all passed).
    started: bool,
}

/// What the endpoint request looked like, for the `Endpoint request ...` lines.
pub struct EndpointRequest<'a> {
    /// `https://host/path?query` as AWS writes it.
    pub uri: &'a str,
    /// Without pseudo-headers.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl ExecutionLog {
    /// A trace for `req`, starting with its `Extended Request Id` line.
    pub fn new(req: &Request) -> ExecutionLog {
        let mut log = ExecutionLog { request_id: req.request_id.clone(), ..Default::default() };
        log.push(format_args!("Extended Request Id: {}", req.extended_request_id));
        log
    }

    /// Also mask this header (an authorizer's identity source).
    pub fn mask_header(&mut self, name: &str) {
        self.token_header = Some(name.to_ascii_lowercase());
    }

    fn push(&mut self, line: std::fmt::Arguments<'_>) {
        let mut s = String::with_capacity(self.request_id.len() + 64);
        let _ = write!(s, "({}) {line}", self.request_id);
        self.lines.push(s);
    }

    /// The lines written so far, leaving none.
    pub fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }

    /// The lines written so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// A Lambda authorizer is called (`access-control.md` §1: before "Starting execution").
    pub fn authorizer_started(&mut self, authorizer: &str) {
        let id = self.request_id.clone();
        self.push(format_args!("Starting authorizer: {authorizer} for request: {id}"));
    }

    /// The authorizer's verdict.
    pub fn authorizer_finished(&mut self, allowed: bool) {
        if allowed {
            self.push(format_args!("Successfully completed authorizer execution"));
        } else {
            let id = self.request_id.clone();
            self.push(format_args!("Unauthorized request: {id}"));
        }
    }

    /// The usage plan lines of a request metered by an API key.
    pub fn usage_plan(&mut self, key: &str, api_stage: &str, method: &str, resource: &str) {
        let (id, key) = (self.request_id.clone(), mask(key));
        self.push(format_args!("Verifying Usage Plan for request: {id}. API Key: {key} API Stage: {api_stage}"));
        self.push(format_args!(
            "API Key {key} authorized because method '{method} {resource}' requires API Key. Request will be \
             counted against usage plan's throttle and quota limits"
        ));
        self.push(format_args!("Usage Plan check succeeded for API Key {key} and API Stage {api_stage}"));
    }

    /// `Starting execution` and the method request lines.
    pub fn method_request(&mut self, req: &Request, path_params: &[(String, String)]) {
        let id = self.request_id.clone();
        self.started = true;
        self.push(format_args!("Starting execution for request: {id}"));
        self.push(format_args!("HTTP Method: {}, Resource Path: {}", req.method, req.path_only()));
        self.push(format_args!("Method request path: {}", java_map(path_params.iter(), |_| false)));
        let query = crate::query::decode(req.raw_query());
        self.push(format_args!("Method request query string: {}", java_map(query.iter(), |_| false)));
        // The client's Host is Envoy's `:authority`.
        let host = req.header(":authority").map(|h| ("Host".to_string(), h.to_string()));
        let headers = self.header_map(host.iter().chain(req.headers.iter()));
        self.push(format_args!("Method request headers: {headers}"));
        self.push(format_args!("Method request body before transformations: {}", text(&req.body)));
    }

    fn header_map<'a>(&self, headers: impl IntoIterator<Item = &'a (String, String)>) -> String {
        let token = self.token_header.as_deref();
        java_map(headers.into_iter().filter(|(k, _)| !k.starts_with(':')), |k| {
            SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)) || token.is_some_and(|t| k.eq_ignore_ascii_case(t))
        })
    }

    /// The endpoint request lines, ending with `Sending request to`.
    pub fn endpoint_request(&mut self, e: &EndpointRequest<'_>) {
        self.push(format_args!("Endpoint request URI: {}", e.uri));
        let headers = self.header_map(e.headers);
        self.push(format_args!("Endpoint request headers: {headers}"));
        self.push(format_args!("Endpoint request body after transformations: {}", text(e.body)));
        self.push(format_args!("Sending request to {}", e.uri));
    }

    /// The endpoint's answer; `body` is `None` when it streams to the client (HTTP_PROXY).
    pub fn endpoint_response(&mut self, status: u16, now_ms: u64, headers: &[(String, String)], body: Option<&[u8]>) {
        let latency = now_ms.saturating_sub(self.sent_ms);
        self.push(format_args!("Received response. Status: {status}, Integration latency: {latency} ms"));
        let headers = self.header_map(headers);
        self.push(format_args!("Endpoint response headers: {headers}"));
        if let Some(body) = body {
            self.push(format_args!("Endpoint response body before transformations: {}", text(body)));
        }
    }

    /// The method response and the closing lines. An answer of the gateway's own (a gateway
    /// response, `x-amzn-ErrorType`) after the execution started ends with why (`log`, when the
    /// gateway logs one) instead of the method response; one before it (a refused key, a throttled
    /// request) writes only `Method completed with status`.
    pub fn method_response(&mut self, response: &Response, body: Option<&[u8]>, log: Option<&str>) {
        if self.started {
            if response.header("x-amzn-ErrorType").is_some() {
                if let Some(why) = log {
                    self.push(format_args!("Execution failed due to configuration error: {why}"));
                }
            } else {
                if let Some(body) = body {
                    self.push(format_args!("Method response body after transformations: {}", text(body)));
                }
                let headers = self.header_map(&response.headers);
                self.push(format_args!("Method response headers: {headers}"));
                self.push(format_args!("Successfully completed execution"));
            }
        }
        self.push(format_args!("Method completed with status: {}", response.status));
    }

    /// A callout's answer (none when the call was not made: status 0).
    pub fn call_answer(&mut self, answer: &crate::response_path::CallAnswer, now_ms: u64) {
        if answer.status != 0 {
            // The header by which the filter knows Envoy relayed the endpoint's own answer is Envoy's,
            // not the endpoint's (README: "Behaviour").
            let marker = crate::integration::aws_proxy::UPSTREAM_ANSWER_HEADER;
            let headers: Vec<(String, String)> =
                answer.headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case(marker)).cloned().collect();
            self.endpoint_response(answer.status, now_ms, &headers, Some(&answer.body));
        }
    }
}

/// What the gateway writes to a trace at each step of the flow the adapter drives (start, the
/// checks, the integration, the answer): one place, so that the adapter only creates, feeds and
/// emits the trace.
impl Gateway {
    /// A trace for a request of `deployment` when the deployment traces, `None` otherwise (no
    /// string built, no host call).
    pub fn trace_for(&self, deployment: usize, req: &Request) -> Option<ExecutionLog> {
        self.config.deployments.get(deployment).filter(|d| d.trace).map(|_| ExecutionLog::new(req))
    }

    /// A Lambda authorizer is called for `routed` (its token header is masked from now on).
    pub fn trace_authorizer(&self, log: &mut ExecutionLog, routed: &Routed) {
        if let Some((_, authorizer, _)) = self.authorizer_of(routed) {
            for source in &authorizer.identity_sources {
                if let crate::authorizer::definition::IdentitySource::Header(h) = source {
                    log.mask_header(h);
                }
            }
            log.authorizer_started(&authorizer.id);
        }
    }

    /// The checks passed: the usage plan lines (a metered key) and the method request lines.
    pub fn trace_execution(&self, log: &mut ExecutionLog, routed: &Routed, req: &Request) {
        let Some(dep) = self.config.deployments.get(routed.deployment) else { return };
        let resource = dep.api.operations.get(routed.operation).map(|o| o.resource_path.as_str()).unwrap_or("");
        if let Some(key) = &routed.api_key {
            let api_stage = format!("{}/{}", dep.api_id, dep.stage);
            log.usage_plan(&key.key, &api_stage, &req.method, resource);
        }
        log.method_request(req, &routed.path_params);
    }

    /// The endpoint request lines of a callout or a proxied request (none for a local answer).
    pub fn trace_outcome(&self, log: &mut ExecutionLog, routed: &Routed, outcome: &Outcome, now_ms: u64) {
        let scheme = match self.plans.get(routed.deployment, routed.operation) {
            Some(Plan::Http(p)) => p.uri.scheme.as_str(),
            _ => "https",
        };
        let (authority, path, headers, body): (&str, &str, &[(String, String)], &[u8]) = match outcome {
            Outcome::Reply(_) => return,
            Outcome::Forward(f) => (&f.authority, &f.path, &f.headers, &[]),
            Outcome::Call(c, _) => {
                let pseudo = |n: &str| c.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str()).unwrap_or("");
                (pseudo(":authority"), pseudo(":path"), &c.headers, &c.body)
            }
        };
        let uri = format!("{scheme}://{authority}{path}");
        log.sent_ms = now_ms;
        log.endpoint_request(&EndpointRequest { uri: &uri, headers, body });
    }
}

/// `value` with every character but the last 6 replaced by `*` (all of them when it is short).
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    let hidden = if n > KEPT { n.saturating_sub(KEPT) } else { n };
    let mut s = String::with_capacity(value.len());
    s.extend(std::iter::repeat_n('*', hidden));
    s.extend(value.chars().skip(hidden));
    s
}

/// `{k=v, k2=v2}`: a repeated key (Envoy lower-cases header names) once, at its first place, its values joined by `,`; the values of
/// keys `secret` says are masked ([`mask`]). Cut at [`MAX_FIELD`] bytes.
pub fn java_map<'a>(pairs: impl Iterator<Item = &'a (String, String)>, secret: impl Fn(&str) -> bool) -> String {
    let mut merged: Vec<(&str, String)> = Vec::new();
    for (k, v) in pairs {
        let v = if secret(k) { mask(v) } else { v.clone() };
        match merged.iter_mut().find(|(m, _)| *m == k.as_str()) {
            Some((_, all)) => {
                all.push(',');
                all.push_str(&v);
            }
            None => merged.push((k.as_str(), v)),
        }
    }
    let mut s = String::from("{");
    for (i, (k, v)) in merged.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{k}={v}");
    }
    s.push('}');
    truncate(s)
}

/// A body as text (invalid UTF-8 replaced), cut at [`MAX_FIELD`] bytes.
pub fn text(body: &[u8]) -> String {
    let cut = body.get(..MAX_FIELD.min(body.len())).unwrap_or(body);
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > MAX_FIELD {
        s.push_str(" [TRUNCATED]");
    }
    s
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_FIELD {
        let mut at = MAX_FIELD;
        while !s.is_char_boundary(at) {
            at = at.saturating_sub(1);
        }
        s.truncate(at);
        s.push_str(" [TRUNCATED]");
    }
    s
}

#[cfg(test)]
mod tests;
