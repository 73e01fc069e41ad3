//! The request flow, host-independent: route the request, enforce what must be enforced, run the
//! integration, and say what the adapter must do.
//!
//! The adapter calls [`Gateway::start`] with the request headers, then (after reading the whole
//! body when [`Routed::needs_body`] says so) [`Gateway::finish`].

use crate::config::integration::IntegrationType;
use crate::config::{Auth, Config, Deployment, StagePrefix};
use crate::context::{Reads, RequestContext};
use crate::error::ConfigError;
use crate::gateway_responses::{ErrorContext, ResponseType};
use crate::http::{Request, Response};
use crate::integration::plan::{Plan, Plans};
use crate::integration::aws_proxy::{CallFailure, Callout};
use crate::sigv4::Credentials;
use crate::template_env::{self, RequestParts};

pub struct Gateway {
    pub config: Config,
    /// Each operation's upstream per deployment, compiled with the configuration.
    pub plans: Plans,
    /// AWS credentials for signing Lambda and AWS service calls; `None` sends unsigned requests
    /// (local emulators).
    pub credentials: Option<Credentials>,
    /// What the checks before the integration remember between requests (authorizer answers).
    pub admission: crate::admission::AdmissionState,
    /// The metrics each deployment records (README: "Metrics").
    pub metrics: crate::metrics::Metrics,
    /// Where the throttles and quotas count (README: "Throttling"): Envoy's shared data in the
    /// adapter, so that every worker of the process counts together; this instance's memory
    /// until the adapter sets it.
    pub counters: Box<dyn crate::throttle::Store>,
    /// This VM's leases of big buckets' tokens (README: "Throttling").
    pub leases: crate::throttle::Leases,
}

/// What to do once the request (and its body, when needed) is known.
pub enum Outcome {
    Reply(Reply),
    /// Make this HTTP call, then hand its answer (and, for HTTP and AWS, what the request side
    /// built for the response side) to [`Gateway::on_call_response`].
    Call(Callout, Option<Box<CallState>>),
    /// Let Envoy's router stream the request to this upstream (HTTP_PROXY).
    Forward(Forward),
}

/// What an HTTP or AWS integration's request side hands its response side: the template variables,
/// which carry `$context` overrides from the request template to the response template, and the
/// request's `$context`, built once per request ([`Gateway::integration_context`]).
pub struct CallState {
    pub env: crate::vtl::Env,
    pub context: RequestContext,
}

/// The rewritten request head for a streamed HTTP_PROXY request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub cluster: String,
    pub method: String,
    /// Path and query as they go on the wire.
    pub path: String,
    pub authority: String,
    /// The complete set of non-pseudo request headers to send.
    pub headers: Vec<(String, String)>,
    pub timeout_ms: u32,
}

/// `$context` with only the request id, for answers where nothing reads the rest.
fn bare_context(req: &Request) -> RequestContext {
    RequestContext { request_id: req.request_id.clone(), ..Default::default() }
}

/// One change to a header map, in the order the host must apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadEdit {
    /// Replace every value of the header with this one.
    Set(String, String),
    Remove(String),
    /// Add a value beside those already there.
    Add(String, String),
}

impl Forward {
    /// The edits that turn the client's request head (`current`, pseudo-headers included) into this
    /// one: only what differs, since every host call costs about a microsecond. Content-Length and
    /// the other pseudo-headers stay (the body streams through unchanged); the cluster and timeout
    /// headers for Envoy's route come last.
    pub fn edits(&self, current: &[(String, String)]) -> Vec<HeadEdit> {
        let first = |name: &str| current.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        // The values of one header (any case), in order: compared in place, copied only for an edit.
        fn values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
            headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        }
        // Whether a header of this name (any case) comes before position `i`: each name is handled once.
        let seen_before = |headers: &[(String, String)], i: usize, name: &str| {
            headers.iter().take(i).any(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        let kept = |k: &str| k.starts_with(':') || k.eq_ignore_ascii_case("content-length");
        let mut edits = Vec::new();
        for (name, value) in [(":method", &self.method), (":path", &self.path), (":authority", &self.authority)] {
            if first(name) != Some(value.as_str()) {
                edits.push(HeadEdit::Set(name.to_string(), value.clone()));
            }
        }
        for (i, (name, _)) in current.iter().enumerate() {
            if !kept(name) && !seen_before(current, i, name) && values(&self.headers, name).next().is_none() {
                edits.push(HeadEdit::Remove(name.to_ascii_lowercase()));
            }
        }
        for (i, (name, _)) in self.headers.iter().enumerate() {
            if kept(name) || seen_before(&self.headers, i, name) || values(&self.headers, name).eq(values(current, name)) {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            let mut wanted = values(&self.headers, name);
            match (wanted.next(), wanted.next()) {
                (Some(one), None) => edits.push(HeadEdit::Set(lower, one.to_string())),
                _ => {
                    edits.push(HeadEdit::Remove(lower.clone()));
                    edits.extend(values(&self.headers, name).map(|v| HeadEdit::Add(lower.clone(), v.to_string())));
                }
            }
        }
        edits.push(HeadEdit::Set(CLUSTER_HEADER.to_string(), self.cluster.clone()));
        edits.push(HeadEdit::Set("x-envoy-upstream-rq-timeout-ms".to_string(), self.timeout_ms.to_string()));
        edits
    }
}

/// The request header that names the upstream cluster to Envoy's route (`cluster_header`);
/// the route removes it before the upstream sees it.
pub const CLUSTER_HEADER: &str = "x-apigateway-cluster";

/// A request that found its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub deployment: usize,
    pub operation: usize,
    pub path_params: Vec<(String, String)>,
    /// The path without the stage prefix, leading slashes collapsed (`path` in the proxy event).
    pub path: String,
    /// The path as the client sent it, leading slashes collapsed (`$context.path`).
    pub client_path: String,
    /// Whether the integration needs the whole request body before it can run.
    pub needs_body: bool,
    /// What the operation's Lambda authorizer granted ([`Gateway::admit`]).
    pub authorizer: Option<crate::context::AuthorizerFacts>,
    /// The IAM caller whose signature [`Gateway::admit`] verified.
    pub iam: Option<crate::context::IamIdentity>,
    /// The API key [`Gateway::admit_api_key`] admitted on a key-required method.
    pub api_key: Option<crate::context::ApiKeyIdentity>,
    /// The API key and usage plan limits that meter this caller (README: "Throttling"); boxed,
    /// since most requests have none.
    pub metered: Option<Box<crate::throttle::Metered>>,
    /// A Cognito operation: the payload Envoy's `jwt_authn` verified, read by the adapter for the
    /// keys [`Gateway::verified_token_keys`] names (README: "Cognito user pool authorizers").
    pub verified: Option<Box<crate::authorizer::cognito::VerifiedPayload>>,
}

/// What to do after the request headers.
// Returned once per request and taken apart at once: boxing `Routed` would only add an allocation
// to every routed request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Start {
    /// Answer now (403 for an unknown route, closed auth...).
    Respond(Reply),
    /// Run the integration (after the body, when `needs_body`).
    Routed(Routed),
}

/// A local reply and, when it is an error worth logging, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub response: Response,
    pub log: Option<String>,
    /// A gateway response's type name and message: `$context.error.responseType` and
    /// `$context.error.message` of the access log (README: "Access logs"); `None` for an answer
    /// that is not a gateway response.
    pub error: Option<(&'static str, String)>,
}

impl Gateway {
    pub fn from_bytes(bytes: &[u8]) -> Result<Gateway, ConfigError> {
        let mut config = Config::parse(bytes)?;
        let mut plans = crate::integration::plan::compile_all(&config)?;
        config.warnings.append(&mut plans.warnings);
        let metrics = crate::metrics::Metrics::compile(&config);
        Ok(Gateway {
            config,
            plans,
            credentials: None,
            admission: Default::default(),
            counters: Box::new(crate::throttle::MemoryStore::new()),
            leases: Default::default(),
            metrics,
        })
    }

    fn deployment(&self, index: usize) -> Option<&Deployment> {
        self.config.deployments.get(index)
    }

    fn plan(&self, routed: &Routed) -> Option<&Plan> {
        self.plans.get(routed.deployment, routed.operation)
    }

    /// Whether every request of this deployment needs its time and source address (a customised
    /// gateway response or the resource policy reads them). Otherwise the adapter reads them only when
    /// [`needs_details`](Self::needs_details) says so: each host read costs microseconds.
    pub fn details_always(&self, deployment: usize) -> bool {
        // A resource policy may test the caller's address (`aws:SourceIp`) on any request.
        let policy = self.plans.resource_policies.get(deployment).is_some_and(Option::is_some);
        policy || self.deployment(deployment).is_some_and(|d| d.api.gateway_responses.uses_details())
    }

    /// The deployment's access log format, when it has one (README: "Access logs").
    pub fn access_log(&self, deployment: usize) -> Option<&crate::access_log::AccessLogFormat> {
        self.deployment(deployment).and_then(|d| d.access_log.as_ref())
    }

    /// Whether the operation's integration is AWS_PROXY (its callout is the Invoke API).
    pub fn is_lambda_proxy(&self, routed: &Routed) -> bool {
        matches!(self.plan(routed), Some(Plan::LambdaProxy(_)))
    }

    /// Whether the operation runs a Lambda authorizer (its refusals are the authorizer's).
    pub fn has_lambda_authorizer(&self, routed: &Routed) -> bool {
        self.plans.operation(routed.deployment, routed.operation).is_some_and(|p| p.authorizer.is_some())
    }

    /// `$context` of a request for its access log: the deployment's and the route's facts.
    pub fn log_context(&self, deployment: usize, req: &Request, routed: Option<&Routed>) -> RequestContext {
        match self.deployment(deployment) {
            Some(dep) => self.request_context(dep, req, routed),
            None => bare_context(req),
        }
    }

    /// Whether a routed request reads the request time or the caller's address.
    pub fn needs_details(&self, routed: &Routed) -> bool {
        let reads = self.host_reads(routed);
        reads.clock || reads.peer
    }

    /// What the adapter must read from the host for a routed request, decided with its operation's
    /// plan ([`crate::integration::plan::OperationPlan::host_reads`]): the clock and the caller's
    /// address only where something uses them.
    pub fn host_reads(&self, routed: &Routed) -> Reads {
        self.plans.operation(routed.deployment, routed.operation).map(|p| p.host_reads()).unwrap_or_default()
    }

    /// Routes a request (its body is not needed yet).
    pub fn start(&self, deployment: usize, req: &Request) -> Start {
        let Some(dep) = self.deployment(deployment) else {
            return Start::Respond(self.no_route(None, req));
        };
        let raw = req.path_only();
        let client_path = format!("/{}", raw.trim_start_matches('/'));
        let after_stage = client_path
            .get(1..)
            .and_then(|p| p.strip_prefix(dep.stage.as_str()))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'));
        let path = match (dep.stage_prefix, after_stage) {
            (StagePrefix::Off, _) | (StagePrefix::Optional, None) => client_path.clone(),
            (StagePrefix::Required | StagePrefix::Optional, Some(rest)) => {
                format!("/{}", rest.trim_start_matches('/'))
            }
            (StagePrefix::Required, None) => return Start::Respond(self.no_route(Some(dep), req)),
        };
        let api = &dep.api;
        let Some((operation, path_params)) = api.route(&path, &req.method) else {
            return Start::Respond(self.no_route(Some(dep), req));
        };
        let Some(op) = api.operations.get(operation) else {
            return Start::Respond(self.error_reply(Some(dep), req, None,
                ResponseType::ApiConfigurationError, "Internal server error", Some("operation index out of range".into())));
        };
        let routed = Routed {
            deployment,
            operation,
            path_params,
            path,
            client_path,
            needs_body: false,
            authorizer: None,
            iam: None,
            api_key: None,
            metered: None,
            verified: None,
        };
        let plan = self.plans.operation(deployment, operation);
        let enforced = plan.is_some_and(|p| p.authorizer.is_some() || p.cognito.is_some())
            || (op.iam_only && self.config.iam_keys.is_some());
        if let (Some(auth), false, false) = (op.auth, enforced, self.config.skip_unenforced_auth) {
            // Fail closed: answer what AWS answers a caller without credentials (README:
            // "Behaviour", Auth fails closed).
            let (kind, message) = match auth {
                Auth::Authorizer => (ResponseType::Unauthorized, "Unauthorized"),
                Auth::ApiKey => (ResponseType::InvalidApiKey, "Forbidden"),
                Auth::Iam => (ResponseType::MissingAuthenticationToken, "Missing Authentication Token"),
            };
            return Start::Respond(self.error_reply(Some(dep), req, Some(&routed), kind, message, None));
        }
        let needs_body = plan.is_some_and(|p| p.needs_body);
        Start::Routed(Routed { needs_body, ..routed })
    }

    /// The answer when no resource serves the path and method (README: "Behaviour", Routing): 403
    /// Missing Authentication Token, or, when the request carries an `Authorization` header that is
    /// not a SigV4 header, 403 `IncompleteSignatureException` with AWS's message. Which gateway
    /// response that is on AWS is not recorded: it is answered as INVALID_SIGNATURE (a customised
    /// MISSING_AUTHENTICATION_TOKEN, often a 404, does not apply to it), with the recorded
    /// `x-amzn-ErrorType`.
    fn no_route(&self, dep: Option<&Deployment>, req: &Request) -> Reply {
        if let Some(authorization) = req.header("authorization") {
            let has_date = req.header("x-amz-date").is_some() || req.header("date").is_some();
            if let Some(message) = crate::sigv4::incomplete_signature(authorization, has_date) {
                let mut reply = self.error_reply(dep, req, None, ResponseType::InvalidSignature, &message, None);
                reply.response.set_header("x-amzn-ErrorType", "IncompleteSignatureException");
                return reply;
            }
        }
        self.error_reply(dep, req, None, ResponseType::MissingAuthenticationToken, "Missing Authentication Token", None)
    }

    /// Runs the integration of a routed request (`req.body` filled in when `needs_body`).
    pub fn finish(&self, routed: &Routed, req: &Request) -> Outcome {
        let Some(dep) = self.deployment(routed.deployment) else {
            return Outcome::Reply(self.error_reply(None, req, None, ResponseType::ApiConfigurationError,
                "Internal server error", Some("deployment index out of range".into())));
        };
        if req.body.len() > crate::integration::aws_proxy::MAX_REQUEST_BODY {
            return Outcome::Reply(self.error_reply(Some(dep), req, Some(routed), ResponseType::RequestTooLarge,
                "Request Too Long", None));
        }
        // AWS's order (access-control notes §1): throttles and quotas, then request validation.
        if let Some(reply) = self.throttle(routed, req) {
            return Outcome::Reply(reply);
        }
        if let Some(reply) = self.validate(routed, req) {
            return Outcome::Reply(reply);
        }
        let op = dep.api.operations.get(routed.operation);
        if let (Some(integration), Some(plan)) = (op.and_then(|o| o.integration.as_ref()), self.plan(routed)) {
            if integration.kind == IntegrationType::AwsProxy {
                let ctx = self.request_context(dep, req, Some(routed));
                let input = crate::event::ProxyInput {
                    request: req,
                    context: &ctx,
                    resource: op.map(|o| o.resource_path.as_str()).unwrap_or(""),
                    path: &routed.path,
                    path_params: &routed.path_params,
                    stage_variables: &dep.stage_variables,
                    binary_media_types: &dep.api.binary_media_types,
                };
                return match crate::integration::aws_proxy::invoke_request(integration, plan, &input, self.credentials.as_ref()) {
                    Ok(call) => Outcome::Call(call, None),
                    Err(why) => Outcome::Reply(self.error_reply(Some(dep), req, Some(routed),
                        ResponseType::ApiConfigurationError, "Internal server error",
                        Some(format!("{}: {why}", op.map(|o| o.name.as_str()).unwrap_or("?"))))),
                };
            }
        }
        if let (Some(op), Some(integration)) = (op, op.and_then(|o| o.integration.as_ref())) {
            if matches!(integration.kind, IntegrationType::Http | IntegrationType::HttpProxy | IntegrationType::Aws) {
                return self.finish_http(dep, op, integration, routed, req);
            }
        }
        Outcome::Reply(self.finish_local(dep, routed, req))
    }

    /// HTTP, HTTP_PROXY and AWS: HTTP_PROXY streams through Envoy's router; the others are a
    /// callout whose answer goes through selection, parameters and templates.
    fn finish_http(
        &self,
        dep: &Deployment,
        op: &crate::config::Operation,
        integration: &crate::config::integration::Integration,
        routed: &Routed,
        req: &Request,
    ) -> Outcome {
        // HTTP_PROXY has no templates: no template variables at all.
        let proxy = integration.kind == IntegrationType::HttpProxy;
        let ctx = self.integration_context(dep, req, routed, integration);
        let mut env = if proxy {
            crate::vtl::Env::new(crate::vtl::Input::default())
        } else {
            // The decoded query only for templates that read `$input`.
            let query = if integration.needs.input { crate::query::decode(req.raw_query()) } else { Vec::new() };
            let parts = RequestParts {
                body: &req.body,
                path_params: &routed.path_params,
                query: &query,
                headers: &req.headers,
            };
            template_env::env(&parts, &ctx, &dep.stage_variables, &integration.needs)
        };
        let args = crate::integration::RequestArgs {
            integration,
            request: req,
            context: &ctx,
            path_params: &routed.path_params,
            stage_variables: &dep.stage_variables,
            plan: self.plan(routed).unwrap_or(&Plan::Local),
            credentials: self.credentials.as_ref(),
            binary_media_types: &dep.api.binary_media_types,
        };
        let upstream = match crate::integration::build_request(&args, &mut env) {
            Ok(u) => u,
            Err(f) => {
                return Outcome::Reply(self.error_reply(Some(dep), req, Some(routed), f.kind, f.message,
                    Some(format!("{}: {}", op.name, f.log))))
            }
        };
        match upstream.body {
            None => Outcome::Forward(Forward {
                cluster: upstream.cluster,
                method: upstream.method,
                path: upstream.path,
                authority: upstream.authority,
                headers: upstream.headers,
                timeout_ms: upstream.timeout_ms,
            }),
            Some(body) => {
                let mut headers = vec![
                    (":method".to_string(), upstream.method),
                    (":path".to_string(), upstream.path),
                    (":authority".to_string(), upstream.authority),
                ];
                headers.extend(upstream.headers);
                Outcome::Call(
                    Callout {
                        cluster: upstream.cluster,
                        headers,
                        body,
                        timeout_ms: upstream.timeout_ms,
                    },
                    Some(Box::new(CallState { env, context: ctx })),
                )
            }
        }
    }

    /// A callout's answer (`status` 0: the call failed without a response) -> the client response.
    pub fn on_call_response(
        &self,
        routed: &Routed,
        req: &Request,
        state: Option<Box<CallState>>,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Reply {
        let dep = self.deployment(routed.deployment);
        let op = dep.and_then(|d| d.api.operations.get(routed.operation));
        let integration = op.and_then(|o| o.integration.as_ref());
        let (Some(dep), Some(op), Some(integration), Some(state)) = (dep, op, integration, state) else {
            return self.on_lambda_response(routed, req, status, headers, body);
        };
        if let Some((f, status_out)) = crate::integration::upstream_failure(status, headers, body) {
            return self.error_reply_with_status(Some(dep), req, Some(routed), f.kind, Some(status_out), f.message,
                Some(format!("{}: {}", op.name, f.log)));
        }
        let CallState { mut env, context } = *state;
        let args = crate::integration::ResponseArgs {
            integration,
            plan: self.plan(routed).unwrap_or(&Plan::Local),
            request: req,
            context: &context,
            stage_variables: &dep.stage_variables,
            status,
            headers,
            body,
            binary_media_types: &dep.api.binary_media_types,
        };
        match crate::integration::build_response(&args, &mut env) {
            Ok(mut response) => {
                response.set_header("x-amzn-RequestId", &req.request_id);
                Reply { response, log: None, error: None }
            }
            Err(f) => self.error_reply(Some(dep), req, Some(routed), f.kind, f.message,
                Some(format!("{}: {}", op.name, f.log))),
        }
    }

    /// An HTTP_PROXY request that Envoy itself answered (timeout, unreachable upstream): AWS's answer.
    pub fn on_proxy_failure(&self, routed: &Routed, req: &Request, failure: CallFailure, details: &str) -> Reply {
        let dep = self.deployment(routed.deployment);
        let name = dep
            .and_then(|d| d.api.operations.get(routed.operation))
            .map(|o| o.name.as_str())
            .unwrap_or("?");
        match failure {
            CallFailure::Timeout => self.error_reply(dep, req, Some(routed), ResponseType::IntegrationTimeout,
                "Endpoint request timed out", Some(format!("{name}: the backend timed out"))),
            CallFailure::Unreachable => self.error_reply_with_status(dep, req, Some(routed),
                ResponseType::IntegrationFailure, Some(502), "Internal server error",
                Some(format!("{name}: the backend is unreachable ({details})"))),
        }
    }

    /// The Invoke API's answer (`status` 0: the call failed without a response) -> the client response.
    pub fn on_lambda_response(
        &self,
        routed: &Routed,
        req: &Request,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Reply {
        let dep = self.deployment(routed.deployment);
        let op = dep.and_then(|d| d.api.operations.get(routed.operation));
        let name = op.map(|o| o.name.as_str()).unwrap_or("?");
        let fail = |kind, status, message, log: String| {
            self.error_reply_with_status(dep, req, Some(routed), kind, status, message, Some(format!("{name}: {log}")))
        };
        match crate::integration::aws_proxy::classify(status, headers) {
            Some(CallFailure::Timeout) => {
                return fail(ResponseType::IntegrationTimeout, None, "Endpoint request timed out",
                    "the Lambda invocation timed out".into())
            }
            Some(CallFailure::Unreachable) => {
                return fail(ResponseType::IntegrationFailure, Some(502), "Internal server error",
                    format!("the Lambda endpoint is unreachable ({status}: {})", String::from_utf8_lossy(body)))
            }
            None => {}
        }
        if !(200..300).contains(&status) {
            // The Invoke API refused (unknown function, bad signature, throttling...): AWS answers 500.
            return fail(ResponseType::ApiConfigurationError, None, "Internal server error",
                format!("the Lambda Invoke API answered {status}: {}", String::from_utf8_lossy(body)));
        }
        let function_error = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-amz-function-error"));
        let version = match self.plan(routed) {
            Some(Plan::LambdaProxy(p)) => p.version,
            _ => Default::default(),
        };
        let binary = dep.map(|d| d.api.binary_media_types.as_slice()).unwrap_or(&[]);
        match crate::lambda_response::convert(body, function_error, version, req.header("accept"), binary) {
            Ok(mut response) => {
                response.set_header("x-amzn-RequestId", &req.request_id);
                // AWS_PROXY answers carry the trace id; MOCK and error answers do not (README:
                // "Lambda proxy (AWS_PROXY)").
                response.set_header(crate::trace::HEADER, &crate::trace::response_value(req));
                Reply { response, log: None, error: None }
            }
            Err(why) => fail(ResponseType::Default5xx, Some(502), "Internal server error",
                format!("malformed Lambda proxy response: {why}")),
        }
    }

    fn finish_local(&self, dep: &Deployment, routed: &Routed, req: &Request) -> Reply {
        let op = dep.api.operations.get(routed.operation);
        let Some(integration) = op.and_then(|o| o.integration.as_ref()) else {
            return self.error_reply(Some(dep), req, Some(routed), ResponseType::ApiConfigurationError,
                "Internal server error", Some(format!("{}: no integration is defined",
                    op.map(|o| o.name.as_str()).unwrap_or("?"))));
        };
        // `$context` and the decoded query only where the MOCK reads them.
        let ctx = if integration.uses_context {
            self.request_context(dep, req, Some(routed))
        } else {
            bare_context(req)
        };
        let query = if integration.needs.input { crate::query::decode(req.raw_query()) } else { Vec::new() };
        match integration.kind {
            IntegrationType::Mock => {
                let parts = RequestParts {
                    body: &req.body,
                    path_params: &routed.path_params,
                    query: &query,
                    headers: &req.headers,
                };
                match crate::integration::mock::respond(integration, &parts, &ctx, &dep.stage_variables,
                    req.header("content-type"), req.header("accept"), &dep.api.binary_media_types)
                {
                    Ok(mut response) => {
                        response.set_header("x-amzn-RequestId", &ctx.request_id);
                        Reply { response, log: None, error: None }
                    }
                    Err(f) => {
                        let name = op.map(|o| o.name.as_str()).unwrap_or("?");
                        self.error_reply(Some(dep), req, Some(routed), f.kind, f.message,
                            Some(format!("{name}: {}", f.log)))
                    }
                }
            }
            other => self.error_reply(Some(dep), req, Some(routed), ResponseType::ApiConfigurationError,
                "Internal server error", Some(format!("{}: integration type {other:?} is not implemented yet",
                    op.map(|o| o.name.as_str()).unwrap_or("?")))),
        }
    }

    /// `$context` for an HTTP, HTTP_PROXY or AWS integration: the whole table when its templates or
    /// mappings read it, else only what the integration sends itself, the API id
    /// (`X-Amzn-Apigateway-Api-Id`, the User-Agent; README: "HTTP, HTTP_PROXY and AWS services")
    /// and the request id (a Lambda's integration tag). Built once per request: the response side
    /// reads the same ([`CallState`]).
    fn integration_context(
        &self,
        dep: &Deployment,
        req: &Request,
        routed: &Routed,
        integration: &crate::config::integration::Integration,
    ) -> RequestContext {
        if integration.uses_context {
            self.request_context(dep, req, Some(routed))
        } else {
            RequestContext { api_id: dep.api_id.clone(), ..bare_context(req) }
        }
    }

    /// `$context` for this request: the request's own facts ([`RequestContext::for_request`]) and
    /// those of the deployment and the matched route.
    pub fn request_context(&self, dep: &Deployment, req: &Request, routed: Option<&Routed>) -> RequestContext {
        let op = routed.and_then(|r| dep.api.operations.get(r.operation));
        let mut c = RequestContext::for_request(req);
        c.account_id.clone_from(&dep.account_id);
        c.api_id.clone_from(&dep.api_id);
        c.deployment_id.clone_from(&dep.deployment_id);
        c.stage.clone_from(&dep.stage);
        if let Some(r) = routed {
            c.path.clone_from(&r.client_path);
        }
        if let Some(op) = op {
            c.resource_id.clone_from(&op.resource_id);
            c.resource_path.clone_from(&op.resource_path);
        }
        c.authorizer = routed.and_then(|r| r.authorizer.clone());
        c.iam = routed.and_then(|r| r.iam.clone());
        c.api_key = routed.and_then(|r| r.api_key.clone());
        c
    }

    /// A gateway response of `kind`, customised by the deployment's definition when it has one.
    pub fn error_reply(
        &self,
        dep: Option<&Deployment>,
        req: &Request,
        routed: Option<&Routed>,
        kind: ResponseType,
        message: &str,
        log: Option<String>,
    ) -> Reply {
        self.error_reply_with_status(dep, req, routed, kind, None, message, log)
    }

    /// [`error_reply`](Self::error_reply) with AWS's status for this case when it is not the type's default.
    #[allow(clippy::too_many_arguments)]
    pub fn error_reply_with_status(
        &self,
        dep: Option<&Deployment>,
        req: &Request,
        routed: Option<&Routed>,
        kind: ResponseType,
        status: Option<u16>,
        message: &str,
        log: Option<String>,
    ) -> Reply {
        let response = self.error_response(dep, req, routed, (kind, status), message, "");
        Reply { response, log, error: Some((kind.name(), message.to_string())) }
    }

    /// A gateway response of `kind` (with `status` when not the type's default);
    /// `validation_error_string` is `$context.error.validationErrorString`.
    pub fn error_response(
        &self,
        dep: Option<&Deployment>,
        req: &Request,
        routed: Option<&Routed>,
        (kind, status): (ResponseType, Option<u16>),
        message: &str,
        validation_error_string: &str,
    ) -> Response {
        let empty = crate::gateway_responses::GatewayResponses::default();
        let responses = dep.map(|d| &d.api.gateway_responses).unwrap_or(&empty);
        if responses.is_default(kind) {
            // AWS's default answer needs only the request id: skip building $context.
            let ectx = ErrorContext {
                context: None,
                ..Default::default()
            };
            let mut response = responses.render_with_status(kind, status, message, &ectx);
            response.headers.push(("x-amzn-RequestId".to_string(), req.request_id.clone()));
            return response;
        }
        self.with_error_context(dep, req, routed, validation_error_string, |ectx| {
            responses.render_with_status(kind, status, message, ectx)
        })
    }

    /// Runs `render` with this request's gateway-response variables (`$context` built, the query
    /// decoded): what a customised gateway response reads.
    pub fn with_error_context<R>(
        &self,
        dep: Option<&Deployment>,
        req: &Request,
        routed: Option<&Routed>,
        validation_error_string: &str,
        render: impl FnOnce(&ErrorContext) -> R,
    ) -> R {
        let query = crate::query::decode(req.raw_query());
        let ctx = match dep {
            Some(d) => self.request_context(d, req, routed),
            None => bare_context(req),
        };
        render(&ErrorContext {
            context: Some(&ctx),
            stage_variables: dep.map(|d| d.stage_variables.as_slice()).unwrap_or(&[]),
            path_params: routed.map(|r| r.path_params.as_slice()).unwrap_or(&[]),
            query: &query,
            headers: &req.headers,
            validation_error_string,
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{Forward, HeadEdit, CLUSTER_HEADER};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn set(k: &str, v: &str) -> HeadEdit {
        HeadEdit::Set(k.into(), v.into())
    }

    // Only what differs is sent: unchanged pseudo-headers and headers cost no host call; dropped
    // headers go, changed and new ones are set, several values are replaced as a group;
    // Content-Length and :scheme stay; the route's cluster and timeout headers come last.
    #[test]
    fn forward_edits_are_the_differences() {
        let current = pairs(&[
            (":method", "GET"), (":path", "/p/a?x=1"), (":authority", "gw"), (":scheme", "http"),
            ("content-length", "3"), ("x-keep", "k"), ("connection", "close"), ("x-forwarded-for", "1.1.1.1"),
            ("x-multi", "a"),
        ]);
        let f = Forward {
            cluster: "backend".into(),
            method: "GET".into(),
            path: "/a?x=1".into(),
            authority: "backend:8080".into(),
            headers: pairs(&[("x-keep", "k"), ("x-forwarded-for", "1.1.1.1, 10.0.0.1"), ("x-multi", "a"),
                             ("x-multi", "b"), ("x-new", "n")]),
            timeout_ms: 29000,
        };
        assert_eq!(f.edits(&current), vec![
            set(":path", "/a?x=1"),
            set(":authority", "backend:8080"),
            HeadEdit::Remove("connection".into()),
            set("x-forwarded-for", "1.1.1.1, 10.0.0.1"),
            HeadEdit::Remove("x-multi".into()),
            HeadEdit::Add("x-multi".into(), "a".into()),
            HeadEdit::Add("x-multi".into(), "b".into()),
            set("x-new", "n"),
            set(CLUSTER_HEADER, "backend"),
            set("x-envoy-upstream-rq-timeout-ms", "29000"),
        ]);
    }
}
