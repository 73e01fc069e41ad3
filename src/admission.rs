//! Who may call: the checks between routing and the integration, in AWS's order (README:
//! "Authorizers"). Today that is the operation's Lambda authorizer (TOKEN or REQUEST): its
//! identity read from the request, its answer cached by identity for the authorizer's TTL (the
//! policy, evaluated again for every request's method ARN, never the verdict), or a call to its
//! function through the Lambda Invoke API, as AWS_PROXY calls a function. An IAM operation
//! (README: "IAM") has its caller's SigV4 signature verified against the configured key set
//! instead, then the resource policy and the key's identity policy evaluated for that caller. A
//! Cognito operation's token is checked first ([`cognito`]), then the resource policy must allow.
//! Then the throttles and quotas (README: "Throttling", [`Gateway::throttle`]) and the request
//! validator ([`Gateway::validate`]), both run by [`Gateway::finish`].

mod cognito;

use std::cell::RefCell;

use crate::authorizer::answer::{self, Authorized, Failure, Refusal};
use crate::authorizer::cache::AuthorizerCache;
use crate::authorizer::definition::{LambdaAuthorizer, LambdaKind};
use crate::authorizer::event::{request_event, token_event, ApiArn};
use crate::authorizer::identity::{identify, IdentityInput};
use crate::authorizer::policy::{Caller, Decision, Policy, PolicyRequest, INVOKE_ACTION};
use crate::config::Deployment;
use crate::context::{AuthorizerFacts, IamIdentity};
use crate::gateway::{Gateway, Reply, Routed};
use crate::gateway_responses::ResponseType;
use crate::http::Request;
use crate::integration::aws_proxy::{classify, Callout, Invoke};
use crate::integration::plan::LambdaPlan;
use crate::validation::{Outcome, RequestParts};

/// How long the gateway waits for an authorizer function (our choice; AWS does not document one
/// apart from the integration timeout): the integration default.
const AUTHORIZER_TIMEOUT_MS: u32 = 29_000;

/// What the adapter does before the integration.
#[derive(Debug)]
pub enum Admission {
    /// Go on, with what an authorizer granted.
    Admit(Option<AuthorizerFacts>),
    /// Go on: an IAM operation's caller, signature verified and allowed.
    AdmitIam(IamIdentity),
    /// Answer now.
    Refuse(Reply),
    /// Call the authorizer's function, then hand its answer to [`Gateway::on_authorizer_answer`].
    Call(Callout, Pending),
}

/// A call to the rate limit service (global mode): `envoy.service.ratelimit.v3.RateLimitService/
/// ShouldRateLimit` on `cluster` with this `RateLimitRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitCall {
    pub cluster: String,
    pub message: Vec<u8>,
    pub timeout_ms: u32,
}

/// An authorizer call in flight: what its answer is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    cache_key: Option<String>,
    method_arn: String,
    started_ms: u64,
}

/// Each VM's authorizer answers (README: "Authorizers": per VM, so per Envoy worker).
#[derive(Debug, Default)]
pub struct AdmissionState {
    cache: RefCell<AuthorizerCache>,
}

impl Gateway {
    /// The checks before the integration of a routed request (its body read when needed): the
    /// API's resource policy, then the operation's Lambda authorizer.
    pub fn admit(&self, routed: &Routed, req: &Request) -> Admission {
        let Some(dep) = self.config.deployments.get(routed.deployment) else { return Admission::Admit(None) };
        let policy = self.plans.resource_policies.get(routed.deployment).and_then(Option::as_ref);
        let authorizer = self.authorizer_of(routed);
        let iam = self.iam_keys_of(routed);
        // Cognito authenticates the caller before the resource policy is evaluated, which must then
        // allow as without an authorizer (AWS docs: "How API Gateway resource policies affect
        // authorization workflow", Amazon Cognito).
        let cognito = match self.cognito_of(routed) {
            Some(c) => match self.authenticate_cognito(dep, routed, req, c) {
                Ok(facts) => Some(facts),
                Err(reply) => return Admission::Refuse(reply),
            },
            None => None,
        };
        if policy.is_none() && authorizer.is_none() && iam.is_none() {
            return Admission::Admit(cognito);
        }
        let arn = ApiArn { region: &dep.region, account_id: &dep.account_id, api_id: &dep.api_id };
        let Ok(method_arn) = arn.method_arn(&dep.stage, &req.method, &routed.path) else {
            // AWS docs (Lambda authorizer input): a method ARN over 1600 bytes is refused with 414.
            return Admission::Refuse(self.error_reply_with_status(Some(dep), req, Some(routed),
                ResponseType::Default4xx, Some(414), "Request-URI Too Long", None));
        };
        if let Some(keys) = iam {
            // The caller must be known before the resource policy can be evaluated for it.
            return self.admit_iam(dep, routed, req, keys, policy, &method_arn);
        }
        if let Some(policy) = policy {
            let decision = policy.evaluate(&PolicyRequest {
                action: INVOKE_ACTION,
                resource: &method_arn,
                caller: Caller::Anonymous,
                source_ip: source_ip(req),
            });
            // AWS docs ("How API Gateway resource policies affect authorization workflow"): with a
            // Lambda authorizer only an explicit Deny refuses here (the authorizer's policy decides
            // the rest); without one, the resource policy must allow.
            let refused = match (decision, authorizer.is_some()) {
                (Decision::ExplicitDeny, _) | (Decision::NotAllowed, false) => true,
                (Decision::Allow, _) | (Decision::NotAllowed, true) => false,
            };
            if refused {
                if let Some(r) = Refusal::from_resource_policy(decision, &Caller::Anonymous, &method_arn) {
                    return Admission::Refuse(self.refusal(dep, routed, req, &r, None));
                }
            }
        }
        match authorizer {
            Some((_, authorizer, lambda)) => self.call_authorizer(dep, routed, req, (authorizer, lambda), &arn, method_arn),
            None => Admission::Admit(cognito),
        }
    }

    /// An IAM operation: the signature verified against the key set, then the resource policy and
    /// the key's identity policy evaluated for the caller (README: "IAM").
    fn admit_iam(&self, dep: &Deployment, routed: &Routed, req: &Request, keys: &crate::iam::KeySet,
                 policy: Option<&Policy>, method_arn: &str) -> Admission {
        let incoming = crate::iam::Incoming {
            method: &req.method,
            path: req.path_only(),
            query: req.raw_query(),
            headers: &req.headers,
            body: &req.body,
            now_ms: req.now_ms,
            region: &dep.region,
        };
        let key = match crate::iam::verify(keys, &incoming) {
            Ok(key) => key,
            Err(failure) => return Admission::Refuse(self.iam_failure(dep, routed, req, failure)),
        };
        let caller = Caller::Iam { account_id: &key.account_id, arn: &key.arn };
        let request = PolicyRequest { action: INVOKE_ACTION, resource: method_arn, caller, source_ip: source_ip(req) };
        let resource = policy.map(|p| p.evaluate(&request));
        let identity = key.policy.as_ref().map_or(Decision::Allow, |p| p.evaluate(&request));
        let decision = iam_decision(resource, identity, key.account_id == dep.account_id);
        match Refusal::from_resource_policy(decision, &caller, method_arn) {
            Some(refusal) => Admission::Refuse(self.refusal(dep, routed, req, &refusal, None)),
            None => Admission::AdmitIam(crate::iam::identity(key)),
        }
    }

    /// AWS's answer to a request IAM does not authenticate (README: "IAM"). Which gateway
    /// response an unknown key or an incomplete signature is on AWS is not recorded: both are
    /// answered as INVALID_SIGNATURE, with AWS's `x-amzn-ErrorType`.
    fn iam_failure(&self, dep: &Deployment, routed: &Routed, req: &Request, failure: crate::iam::Failure) -> Reply {
        use crate::iam::Failure;
        let (kind, message, error_type) = match &failure {
            Failure::Missing => (ResponseType::MissingAuthenticationToken, "Missing Authentication Token", None),
            Failure::Incomplete(m) => (ResponseType::InvalidSignature, m.as_str(), Some("IncompleteSignatureException")),
            Failure::UnknownKey => (ResponseType::InvalidSignature, crate::iam::UNKNOWN_KEY, Some("UnrecognizedClientException")),
            Failure::Invalid(m) => (ResponseType::InvalidSignature, m.as_str(), None),
        };
        let mut reply = self.error_reply(Some(dep), req, Some(routed), kind, message, None);
        if let Some(error_type) = error_type {
            reply.response.set_header("x-amzn-ErrorType", error_type);
        }
        reply
    }

    /// The key set, when the operation is an IAM operation the gateway enforces.
    fn iam_keys_of(&self, routed: &Routed) -> Option<&crate::iam::KeySet> {
        let dep = self.config.deployments.get(routed.deployment)?;
        let op = dep.api.operations.get(routed.operation)?;
        op.iam_only.then_some(self.config.iam_keys.as_ref()).flatten()
    }

    /// The authorizer's identity, its cached answer, or the call to its function.
    fn call_authorizer(&self, dep: &Deployment, routed: &Routed, req: &Request,
                       (authorizer, lambda): (&LambdaAuthorizer, &LambdaPlan), arn: &ApiArn, method_arn: String) -> Admission {
        let query = crate::query::decode(req.raw_query());
        let context = self.request_context(dep, req, Some(routed));
        let lookup = |name: &str| context.lookup(name);
        let input = IdentityInput {
            deployment: &dep.name,
            headers: &req.headers,
            query: &query,
            stage_variables: &dep.stage_variables,
            context: &lookup,
        };
        let Ok(identity) = identify(authorizer, &input) else {
            return Admission::Refuse(self.refusal(dep, routed, req, &Refusal::unauthorized(), None));
        };
        if let Some(key) = &identity.cache_key {
            let hit = self.admission.cache.borrow_mut().lookup(key, req.now_ms, &method_arn, source_ip(req));
            if let Some(hit) = hit {
                return self.decided(dep, routed, req, &hit.authorized, &method_arn, 0);
            }
        }
        let event = match authorizer.kind {
            LambdaKind::Token => token_event(identity.token(), &method_arn),
            LambdaKind::Request => match self.request_event(dep, routed, req, &context, &method_arn) {
                Ok(event) => event,
                Err(why) => {
                    let log = format!("{}: the REQUEST authorizer event: {why}", authorizer.name);
                    return Admission::Refuse(self.refusal(dep, routed, req, &config_error(), Some(log)));
                }
            },
        };
        let unsigned = arn.invoke_headers(&authorizer.id).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let invoke = Invoke { target: lambda, body: event, unsigned, now_ms: req.now_ms, timeout_ms: AUTHORIZER_TIMEOUT_MS };
        let pending = Pending { cache_key: identity.cache_key, method_arn, started_ms: req.now_ms };
        Admission::Call(invoke.callout(self.credentials.as_ref()), pending)
    }

    /// The authorizer function's answer (`status` 0: no answer): what it grants, or the refusal.
    #[allow(clippy::too_many_arguments)]
    pub fn on_authorizer_answer(
        &self,
        routed: &Routed,
        req: &Request,
        pending: Pending,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        now_ms: u64,
    ) -> Result<AuthorizerFacts, Reply> {
        let Some((dep, authorizer, _)) = self.authorizer_of(routed) else {
            // Never admit without the authorizer that was asked (fail closed).
            return Err(self.error_reply(self.config.deployments.get(routed.deployment), req, Some(routed),
                ResponseType::AuthorizerConfigurationError, "Internal server error",
                Some("an authorizer answer for an operation without an authorizer".into())));
        };
        let parsed = if classify(status, headers).is_some() || !(200..300).contains(&status) {
            // Unreachable, timed out or refused by the Invoke API: AWS docs (gateway response
            // types) answer AUTHORIZER_CONFIGURATION_ERROR for an authorizer it cannot reach.
            Err(Failure::ConfigurationError(format!(
                "the Lambda Invoke API answered {status}: {}", String::from_utf8_lossy(body))))
        } else {
            let function_error = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-amz-function-error"));
            answer::parse(body, function_error)
        };
        let remembered = self.admission.cache.borrow_mut().remember(
            pending.cache_key.as_deref(), parsed, authorizer.ttl_seconds, pending.started_ms);
        let latency = now_ms.saturating_sub(pending.started_ms);
        match remembered {
            Err(failure) => {
                let log = match &failure {
                    Failure::ConfigurationError(why) => Some(format!("{}: authorizer {}: {why}", routed_name(dep, routed), authorizer.name)),
                    Failure::Unauthorized => None,
                };
                Err(self.refusal(dep, routed, req, &Refusal::from_failure(&failure), log))
            }
            Ok(authorized) => match self.decided(dep, routed, req, &authorized, &pending.method_arn, latency) {
                Admission::Admit(facts) => Ok(facts.unwrap_or_default()),
                Admission::Refuse(reply) => Err(reply),
                // `decided` never asks for another call nor admits an IAM caller; refuse rather than
                // admit if it did.
                Admission::Call(..) | Admission::AdmitIam(_) => Err(self.refusal(dep, routed, req, &config_error(), None)),
            },
        }
    }

    /// Throttles and quotas (README: "Throttling"), after the API key and the authorizer and
    /// before request validation: the answer when a level refuses the request. The levels that
    /// apply were compiled at configure time; the usage plan's come with the caller
    /// ([`Routed::metered`]).
    pub fn throttle(&self, routed: &Routed, req: &Request) -> Option<Reply> {
        if self.config.global_rate_limit.is_some() {
            // Global mode: the rate limit service was asked before ([`Gateway::rate_limit_call`],
            // or Envoy's ratelimit filter after [`Gateway::rate_limit_headers`]).
            return None;
        }
        let (dep, checks) = self.throttle_checks(routed)?;
        let verdict = crate::throttle::admit(self.counters.as_ref(), &self.leases, &checks, req.now_ms);
        self.throttle_refusal(dep, routed, req, verdict)
    }

    /// The levels that apply to a routed request, `None` when none does.
    fn throttle_checks(&self, routed: &Routed) -> Option<(&Deployment, Vec<crate::throttle::Check<'_>>)> {
        let dep = self.config.deployments.get(routed.deployment)?;
        let op = dep.api.operations.get(routed.operation)?;
        let checks = crate::throttle::checks(&dep.name, &op.name, &dep.limits, routed.operation, routed.metered.as_deref());
        (!checks.is_empty()).then_some((dep, checks))
    }

    /// AWS's 429 for a refusing verdict.
    fn throttle_refusal(&self, dep: &Deployment, routed: &Routed, req: &Request,
                        verdict: crate::throttle::Verdict) -> Option<Reply> {
        let (kind, message) = match verdict {
            crate::throttle::Verdict::Admit => return None,
            crate::throttle::Verdict::Throttled => (ResponseType::Throttled, "Too Many Requests"),
            crate::throttle::Verdict::QuotaExceeded => (ResponseType::QuotaExceeded, "Limit Exceeded"),
        };
        Some(self.error_reply(Some(dep), req, Some(routed), kind, message, None))
    }

    /// Global mode (README: "Throttling"): the gRPC call that asks the rate limit service about
    /// this request's levels, made by the adapter after admission and before
    /// [`Gateway::finish`]; `None` when the mode is off or not a callout, or no level applies.
    pub fn rate_limit_call(&self, routed: &Routed) -> Option<RateLimitCall> {
        let crate::throttle::global::Via::Callout { cluster, domain, timeout_ms } =
            &self.config.global_rate_limit.as_ref()?.via
        else {
            return None;
        };
        let (_, checks) = self.throttle_checks(routed)?;
        Some(RateLimitCall {
            cluster: cluster.clone(),
            message: crate::throttle::global::request(domain, &checks),
            timeout_ms: *timeout_ms,
        })
    }

    /// Whether Envoy's `ratelimit` filter asks the rate limit service (global mode's filter way):
    /// the adapter then hands admitted requests over to its second instance, and removes
    /// client-sent handoff headers from every request.
    pub fn rate_limited_by_envoy(&self) -> bool {
        self.config
            .global_rate_limit
            .as_ref()
            .is_some_and(|g| matches!(g.via, crate::throttle::global::Via::RateLimitFilter { .. }))
    }

    /// Global mode by Envoy's `ratelimit` filter: this request's levels as the request headers
    /// that filter's descriptors are built from (`crate::throttle::global::descriptor_headers`),
    /// and the cluster header naming the service's cluster (see `Via::RateLimitFilter`), set by
    /// the adapter after admission and before [`Gateway::finish`]; `None` when the mode is
    /// off or a callout, or no level applies.
    pub fn rate_limit_headers(&self, routed: &Routed) -> Option<Vec<(String, String)>> {
        let crate::throttle::global::Via::RateLimitFilter { cluster } = &self.config.global_rate_limit.as_ref()?.via
        else {
            return None;
        };
        let (_, checks) = self.throttle_checks(routed)?;
        let mut headers = crate::throttle::global::descriptor_headers(&checks);
        headers.push((crate::gateway::CLUSTER_HEADER.to_string(), cluster.clone()));
        Some(headers)
    }

    /// Global mode by Envoy's `ratelimit` filter: AWS's 429 for a request that filter refused,
    /// the level told by its `x-ratelimit-limit` header (`crate::throttle::global::filter_verdict`).
    pub fn on_rate_limited(&self, routed: &Routed, req: &Request, limit_header: Option<&str>) -> Option<Reply> {
        let dep = self.config.deployments.get(routed.deployment)?;
        self.throttle_refusal(dep, routed, req, crate::throttle::global::filter_verdict(limit_header))
    }

    /// The rate limit service's answer (`grpc_status` 0 and the response message, or the call's
    /// failure status): `Err` is AWS's 429; `Ok` admits, with a line to log when the service could
    /// not decide (the request is then admitted, as Envoy's own `ratelimit` filter does by default).
    pub fn on_rate_limit_answer(&self, routed: &Routed, req: &Request, grpc_status: u32, body: &[u8])
                                -> Result<Option<String>, Reply> {
        let Some((dep, checks)) = self.throttle_checks(routed) else { return Ok(None) };
        let verdict = if grpc_status == 0 {
            crate::throttle::global::parse(body).and_then(|a| crate::throttle::global::verdict(&checks, &a))
        } else {
            Err(format!("the rate limit call failed with gRPC status {grpc_status}"))
        };
        match verdict {
            Ok(v) => self.throttle_refusal(dep, routed, req, v).map_or(Ok(None), Err),
            Err(why) => Ok(Some(format!("{}: {why}: admitted", routed_name(dep, routed)))),
        }
    }

    /// Whether a routed request is throttled in the process (a level applies): the adapter then
    /// reads the clock for it.
    pub fn throttles(&self, routed: &Routed) -> bool {
        self.config.global_rate_limit.is_none()
            && self.config.deployments.get(routed.deployment).is_some_and(|d| {
                d.limits.account.is_some()
                    || routed.metered.is_some()
                    || d.limits.methods.get(routed.operation).is_some_and(Option::is_some)
            })
    }

    /// The request validator (the last check before the integration, its body read): the
    /// answer when it refuses the request (README: "Request validation").
    pub fn validate(&self, routed: &Routed, req: &Request) -> Option<Reply> {
        let dep = self.config.deployments.get(routed.deployment)?;
        let op = dep.api.operations.get(routed.operation)?;
        let validation = op.validation.as_ref()?;
        let query = crate::query::decode(req.raw_query());
        let parts = RequestParts {
            headers: &req.headers,
            path_params: &routed.path_params,
            query: &query,
            content_type: req.header("content-type"),
            body: &req.body,
        };
        let refuse = |kind, message, validation_error_string: &str, log| {
            let response = self.error_response(Some(dep), req, Some(routed), (kind, None), message, validation_error_string);
            Some(Reply { response, log, error: Some((kind.name(), message.to_string())) })
        };
        match validation.check(&parts) {
            Outcome::Ok => None,
            Outcome::BadParameters(message) => refuse(ResponseType::BadRequestParameters, &message, "", None),
            Outcome::BadBody { validation_error_string } => {
                refuse(ResponseType::BadRequestBody, "Invalid request body", &validation_error_string, None)
            }
            // A model AWS accepts but cannot use: 500, the rest of the API served (README).
            Outcome::Broken(why) => refuse(ResponseType::ApiConfigurationError, "Internal server error", "",
                Some(format!("{}: {why}", op.name))),
        }
    }

    /// The operation's authorizer and its Invoke call, when it has one the gateway runs.
    pub(crate) fn authorizer_of(&self, routed: &Routed) -> Option<(&Deployment, &LambdaAuthorizer, &LambdaPlan)> {
        let dep = self.config.deployments.get(routed.deployment)?;
        let (index, lambda) = self.plans.operation(routed.deployment, routed.operation)?.authorizer.as_ref()?;
        Some((dep, dep.api.authorizers.get(*index)?, lambda))
    }

    /// An answer's policy evaluated for this request: admitted with its facts, or refused.
    fn decided(&self, dep: &Deployment, routed: &Routed, req: &Request, authorized: &Authorized,
               method_arn: &str, latency: u64) -> Admission {
        match Refusal::from_decision(authorized.decide(method_arn, source_ip(req))) {
            Some(refusal) => Admission::Refuse(self.refusal(dep, routed, req, &refusal, None)),
            None => Admission::Admit(Some(AuthorizerFacts {
                principal_id: authorized.principal_id.clone(),
                context: authorized.context.clone(),
                integration_latency: latency,
                usage_identifier_key: authorized.usage_identifier_key.clone(),
                claims: None,
            })),
        }
    }

    /// The REQUEST authorizer's event: the payload 1.0 event of the request, reordered.
    fn request_event(&self, dep: &Deployment, routed: &Routed, req: &Request,
                     context: &crate::context::RequestContext, method_arn: &str) -> Result<String, String> {
        let op = dep.api.operations.get(routed.operation);
        let input = crate::event::ProxyInput {
            request: req,
            context,
            resource: op.map(|o| o.resource_path.as_str()).unwrap_or(""),
            path: &routed.path,
            path_params: &routed.path_params,
            stage_variables: &dep.stage_variables,
            binary_media_types: &dep.api.binary_media_types,
        };
        request_event(&crate::event::v1::build(&input), method_arn, self.api_key_for_authorizer(dep, op, req))
    }

    /// The REQUEST authorizer event's `identity.apiKey`: the `x-api-key` header of a key-required
    /// method whose key source is `HEADER`, not checked yet (the authorizer runs first); else null
    /// (README: "API keys and usage plans").
    fn api_key_for_authorizer<'r>(&self, dep: &Deployment, op: Option<&crate::config::Operation>, req: &'r Request) -> Option<&'r str> {
        let header_key = op.is_some_and(|o| o.api_key_required) && dep.api.api_key_source == crate::api_keys::KeySource::Header;
        header_key.then(|| crate::api_keys::admission::presented_header(req)).flatten()
    }

    /// A refusal as the deployment's gateway response.
    fn refusal(&self, dep: &Deployment, routed: &Routed, req: &Request, refusal: &Refusal, log: Option<String>) -> Reply {
        let mut response = self.with_error_context(Some(dep), req, Some(routed), "", |ectx| {
            refusal.render(&dep.api.gateway_responses, ectx)
        });
        response.set_header("x-amzn-RequestId", &req.request_id);
        let message = refusal.message.clone().unwrap_or_default();
        Reply { response, log, error: Some((refusal.response_type.name(), message)) }
    }
}

/// The resource policy's and the identity policy's decisions together, as AWS documents them for
/// IAM callers ("How API Gateway resource policies affect authorization workflow"): an explicit
/// Deny in either refuses; a caller of the API's own account needs an Allow from either, a caller
/// of another account from both (no resource policy: no Allow).
fn iam_decision(resource: Option<Decision>, identity: Decision, same_account: bool) -> Decision {
    if resource == Some(Decision::ExplicitDeny) || identity == Decision::ExplicitDeny {
        return Decision::ExplicitDeny;
    }
    let by_resource = resource == Some(Decision::Allow);
    let by_identity = identity == Decision::Allow;
    let allowed = if same_account { by_resource || by_identity } else { by_resource && by_identity };
    if allowed {
        Decision::Allow
    } else {
        Decision::NotAllowed
    }
}

fn config_error() -> Refusal {
    Refusal::from_failure(&Failure::ConfigurationError(String::new()))
}

fn routed_name<'a>(dep: &'a Deployment, routed: &Routed) -> &'a str {
    dep.api.operations.get(routed.operation).map_or("?", |o| o.name.as_str())
}

fn source_ip(req: &Request) -> Option<std::net::IpAddr> {
    req.source_ip.parse().ok()
}
