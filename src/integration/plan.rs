//! One compiled plan per deployment and operation: everything about an integration's upstream
//! that depends only on the definition and the deployment (the URI with the stage's variables
//! substituted and parsed, the Envoy cluster and authority, the Lambda function's Invoke path, the
//! AWS service endpoint and signing region), built once at configure time ([`compile_all`]).
//! The request path only reads it. The load-time checks of integration targets are this
//! compilation: a plan that cannot be built is a configuration error naming the operation.

use crate::authorizer::event::ApiArn;
use crate::authorizer::policy::Policy;
use crate::config::integration::{Integration, IntegrationType};
use crate::config::{Config, Endpoint, Targets};
use crate::error::ConfigError;
use crate::event::invoke::{substitute_stage_variables, LambdaTarget};
use crate::lambda_response::PayloadVersion;

use super::target::{AwsUri, HttpUri};

/// What an operation's integration calls, compiled for one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// MOCK, or no integration: nothing upstream.
    Local,
    /// HTTP and HTTP_PROXY.
    Http(HttpPlan),
    /// An AWS service (`type: aws`, not Lambda).
    Aws(AwsPlan),
    /// Lambda custom (`type: aws`, `lambda:path/2015-03-31/functions/{fn}/invocations`).
    LambdaCustom(LambdaPlan),
    /// AWS_PROXY.
    LambdaProxy(ProxyPlan),
    /// The operation answers 500 with this log line: a URI host from a stage variable the stage
    /// lacks is a request-time error, not a load-time one (README: "HTTP, HTTP_PROXY and AWS
    /// services"), and an AWS_PROXY integration whose method is not POST fails at request time as
    /// on AWS (README: "Lambda proxy (AWS_PROXY)").
    Fail(String),
}

/// An HTTP(S) backend: its URI (path and query still hold `{var}`s, filled per request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPlan {
    pub uri: HttpUri,
    pub cluster: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsPlan {
    pub uri: AwsUri,
    pub endpoint: Endpoint,
    /// The SigV4 region: the ARN's, else the deployment's.
    pub region: String,
}

/// A Lambda Invoke API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaPlan {
    /// `/2015-03-31/functions/{url-encoded function}/invocations`.
    pub invoke_path: String,
    pub endpoint: Endpoint,
    /// The SigV4 region.
    pub region: String,
}

/// AWS_PROXY: the Invoke call and the payload format of the event and of the function's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyPlan {
    pub lambda: LambdaPlan,
    pub version: PayloadVersion,
}

/// What one operation's request path does, decided at configure time: the upstream, and what
/// the adapter must read from the host before the integration runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationPlan {
    pub target: Plan,
    /// Read the whole request body first ([`reads_body`]).
    pub needs_body: bool,
    /// Read the request time and the caller's address: every integration that calls out sends
    /// them (events, `X-Forwarded-For`, `$context`); a MOCK only when its templates read them.
    pub needs_details: bool,
    /// The operation's Lambda authorizer (index in the API's authorizers) and the Invoke call
    /// that reaches its function from this deployment. `None` with an authorizer listed: it
    /// cannot be called, and the operation answers as without credentials (fails closed).
    pub authorizer: Option<(usize, LambdaPlan)>,
    /// The operation's Cognito check; `None` with a Cognito authorizer listed: none of its pools
    /// is verified by Envoy, and the operation answers as without credentials (fails closed).
    pub cognito: Option<crate::authorizer::cognito::CognitoPlan>,
}

impl OperationPlan {
    const NOTHING: OperationPlan =
        OperationPlan { target: Plan::Local, needs_body: false, needs_details: false, authorizer: None, cognito: None };

    fn of(i: &Integration, target: Plan) -> OperationPlan {
        let needs_details = i.kind != IntegrationType::Mock || i.needs.details();
        OperationPlan { target, needs_body: reads_body(i), needs_details, authorizer: None, cognito: None }
    }
}

/// Whether the gateway must read the whole request body before the integration runs: always for
/// AWS_PROXY, HTTP and AWS (the body is sent on or transformed), for HTTP_PROXY only when a
/// request parameter maps from the body (the body streams through otherwise), for a MOCK only
/// when a template reads it.
pub fn reads_body(i: &Integration) -> bool {
    match i.kind {
        IntegrationType::AwsProxy | IntegrationType::Http | IntegrationType::Aws => true,
        IntegrationType::HttpProxy => i
            .request_parameters
            .iter()
            .any(|(_, s)| matches!(s, crate::mapping::Source::MethodRequestBody(_))),
        IntegrationType::Mock => i.templates_use_body(),
    }
}

/// Plans for every deployment (outer) and operation (inner, in the API's operation order), and
/// the warnings to log once.
pub struct Plans {
    pub plans: Vec<Vec<OperationPlan>>,
    /// Each deployment's resource policy, its `execute-api:/...` resources made ARNs of the
    /// deployment's API.
    pub resource_policies: Vec<Option<Policy>>,
    pub warnings: Vec<String>,
}

impl Plans {
    pub fn get(&self, deployment: usize, operation: usize) -> Option<&Plan> {
        self.operation(deployment, operation).map(|p| &p.target)
    }

    pub fn operation(&self, deployment: usize, operation: usize) -> Option<&OperationPlan> {
        self.plans.get(deployment).and_then(|d| d.get(operation))
    }
}

/// A compilation error: the field it concerns and why.
type FieldError = (&'static str, String);

const URI_FIELD: &str = "x-amazon-apigateway-integration.uri";
const TYPE_FIELD: &str = "x-amazon-apigateway-integration.type";

/// Compiles the plan of every operation of every deployment. AWS_PROXY operations are compiled
/// first, so that the error reported for a configuration with several is the one it always was.
pub fn compile_all(config: &Config) -> Result<Plans, ConfigError> {
    let mut plans: Vec<Vec<OperationPlan>> = config
        .deployments
        .iter()
        .map(|d| vec![OperationPlan::NOTHING; d.api.operations.len()])
        .collect();
    let mut warnings = Vec::new();
    for proxy_pass in [true, false] {
        for (dep, out) in config.deployments.iter().zip(plans.iter_mut()) {
            for (op, slot) in dep.api.operations.iter().zip(out.iter_mut()) {
                let Some(i) = op.integration.as_ref() else { continue };
                if (i.kind == IntegrationType::AwsProxy) != proxy_pass {
                    continue;
                }
                let place = format!("deployment {:?}: {}", dep.name, op.name);
                let (plan, warning) = compile(i, &dep.stage_variables, &config.targets, &dep.region)
                    .map_err(|(field, e)| ConfigError::new(place.clone(), field, e))?;
                warnings.extend(warning.map(|w| format!("{place}: field {URI_FIELD}: {w}")));
                *slot = OperationPlan::of(i, plan);
                // The request validator reads the body when the operation has a model for it.
                slot.needs_body |= op.validation.as_ref().is_some_and(|v| v.body.is_some());
            }
        }
    }
    for (dep, out) in config.deployments.iter().zip(plans.iter_mut()) {
        for (op, slot) in dep.api.operations.iter().zip(out.iter_mut()) {
            let Some(index) = op.authorizer else { continue };
            match authorizer(dep, index, &config.targets) {
                Ok(lambda) => {
                    slot.authorizer = Some((index, lambda));
                    // The authorizer's time and the caller's address (policy conditions).
                    slot.needs_details = true;
                }
                Err(why) => warnings.push(format!(
                    "deployment {:?}: {}: the authorizer cannot be called ({why}): requests answer as without credentials",
                    dep.name, op.name
                )),
            }
        }
    }
    cognito_plans(config, &mut plans, &mut warnings);
    if config.iam_keys.is_some() {
        for (dep, out) in config.deployments.iter().zip(plans.iter_mut()) {
            for (_, slot) in dep.api.operations.iter().zip(out.iter_mut()).filter(|(op, _)| op.iam_only) {
                // The signature covers the body and is checked against the request time; policies
                // may test the caller's address (README: "IAM").
                slot.needs_body = true;
                slot.needs_details = true;
            }
        }
    }
    let resource_policies = config.deployments.iter().map(resource_policy).collect::<Result<_, _>>()?;
    Ok(Plans { plans, resource_policies, warnings })
}

/// Each Cognito operation's check (README: "Cognito user pool authorizers"); one whose pools Envoy
/// does not verify stays closed, with a warning.
fn cognito_plans(config: &Config, plans: &mut [Vec<OperationPlan>], warnings: &mut Vec<String>) {
    for (dep, out) in config.deployments.iter().zip(plans.iter_mut()) {
        for (op, slot) in dep.api.operations.iter().zip(out.iter_mut()) {
            let Some(requirement) = &op.cognito else { continue };
            let Some(authorizer) = dep.api.cognito_authorizers.get(requirement.authorizer) else { continue };
            match crate::authorizer::cognito::CognitoPlan::compile(requirement, authorizer, &config.cognito_user_pools) {
                // The adapter reads the clock for the token's expiry itself (no need for the
                // caller's address: a resource policy makes every request read it anyway).
                Ok(plan) => slot.cognito = Some(plan),
                Err(why) => warnings.push(format!(
                    "deployment {:?}: {}: {why}: requests answer 401 Unauthorized", dep.name, op.name)),
            }
        }
    }
}

/// A deployment's resource policy; one that does not parse refuses the configuration, as AWS's
/// import refuses it (AWS docs: x-amazon-apigateway-policy).
fn resource_policy(dep: &crate::config::Deployment) -> Result<Option<Policy>, ConfigError> {
    let Some(document) = &dep.api.resource_policy else { return Ok(None) };
    let arn = ApiArn { region: &dep.region, account_id: &dep.account_id, api_id: &dep.api_id };
    Policy::parse_resource_policy(document, &arn)
        .map(Some)
        .map_err(|e| ConfigError::new(format!("deployment {:?}", dep.name), "x-amazon-apigateway-policy", e))
}

/// The Invoke call of a Lambda authorizer for one deployment (its URI may name stage variables).
fn authorizer(dep: &crate::config::Deployment, index: usize, targets: &Targets) -> Result<LambdaPlan, String> {
    let a = dep.api.authorizers.get(index).ok_or("authorizer index out of range")?;
    let target = a.function(&dep.stage_variables)?;
    let endpoint = lambda_endpoint(targets).ok_or("no targets.lambda {\"cluster\", \"authority\"}")?;
    Ok(LambdaPlan { invoke_path: target.invoke_path(), endpoint: endpoint.clone(), region: target.region })
}

/// One operation's plan for a deployment, and a warning to log when the plan answers 500.
pub fn compile(
    i: &Integration,
    stage_variables: &[(String, String)],
    targets: &Targets,
    region: &str,
) -> Result<(Plan, Option<String>), FieldError> {
    let uri = || substitute_stage_variables(i.uri.as_deref().unwrap_or(""), stage_variables);
    match i.kind {
        IntegrationType::Mock => Ok((Plan::Local, None)),
        IntegrationType::AwsProxy => lambda_proxy(i, &uri(), targets).map(|p| (p, None)),
        IntegrationType::Http | IntegrationType::HttpProxy => {
            super::check(i).map_err(|e| (URI_FIELD, e))?;
            let missing = super::missing_host_stage_variables(i, stage_variables);
            if missing.is_empty() {
                let plan = http(&uri(), targets).map_err(|e| (URI_FIELD, e))?;
                return Ok((Plan::Http(plan), None));
            }
            // The operation answers 500 (unless the URI happens to work without the variable) and
            // the rest of the API is served (README: "HTTP, HTTP_PROXY and AWS services").
            let plural = if missing.len() > 1 { "s" } else { "" };
            let warning = format!(
                "the host comes from stage variable{plural} {}, which the stage lacks: requests answer 500",
                missing.join(", ")
            );
            let plan = http(&uri(), targets).map_or_else(Plan::Fail, Plan::Http);
            Ok((plan, Some(warning)))
        }
        IntegrationType::Aws => {
            super::check(i).map_err(|e| (URI_FIELD, e))?;
            aws(&uri(), targets, region).map(|p| (p, None)).map_err(|e| (URI_FIELD, e))
        }
    }
}

/// An HTTP(S) URI and the cluster its origin is listed under in `targets.http`.
pub fn http(uri: &str, targets: &Targets) -> Result<HttpPlan, String> {
    let uri = HttpUri::parse(uri)?;
    let origins = uri.origins();
    let cluster = origins
        .iter()
        .find_map(|o| targets.http.iter().find(|(k, _)| k == o).map(|(_, c)| c.clone()))
        .ok_or_else(|| {
            format!(
                "no Envoy cluster for the integration origin {} (add it to targets.http)",
                origins.first().map(String::as_str).unwrap_or("")
            )
        })?;
    Ok(HttpPlan { uri, cluster })
}

pub(super) fn aws(uri: &str, targets: &Targets, region: &str) -> Result<Plan, String> {
    let aws = AwsUri::parse(uri)?;
    // The ARN always names a region (the parser requires one); the deployment's is a fallback.
    let region = if aws.region.is_empty() { region } else { aws.region.as_str() }.to_string();
    if aws.is_lambda_invoke() {
        let target = LambdaTarget::parse(uri)?;
        let endpoint = lambda_endpoint(targets)
            .ok_or_else(|| "a Lambda custom integration needs targets.lambda {\"cluster\", \"authority\"}".to_string())?;
        return Ok(Plan::LambdaCustom(LambdaPlan {
            invoke_path: target.invoke_path(),
            endpoint: endpoint.clone(),
            region,
        }));
    }
    let endpoint = aws_endpoint(&aws, targets).ok_or_else(|| {
        format!("AWS service {:?} needs targets.aws.{} {{\"cluster\", \"authority\"}}", aws.service, aws.service)
    })?;
    Ok(Plan::Aws(AwsPlan { endpoint: endpoint.clone(), uri: aws, region }))
}

/// AWS_PROXY: the Lambda endpoint and a URI that names a function once the stage variables are
/// substituted; the function's own region signs.
fn lambda_proxy(i: &Integration, uri: &str, targets: &Targets) -> Result<Plan, FieldError> {
    let endpoint = targets.lambda.as_ref().ok_or((
        TYPE_FIELD,
        "AWS_PROXY needs the Lambda endpoint: set targets.lambda {\"cluster\", \"authority\"}".to_string(),
    ))?;
    let target = LambdaTarget::parse(uri).map_err(|e| (URI_FIELD, e))?;
    let method = i.http_method.as_deref().unwrap_or("");
    if !method.eq_ignore_ascii_case("POST") {
        // AWS answers 500 for an AWS_PROXY integration whose method is not POST (README: "Lambda
        // proxy (AWS_PROXY)").
        return Ok(Plan::Fail(format!("AWS_PROXY integration httpMethod is {method:?}; Lambda is invoked with POST")));
    }
    Ok(Plan::LambdaProxy(ProxyPlan {
        lambda: LambdaPlan { invoke_path: target.invoke_path(), endpoint: endpoint.clone(), region: target.region },
        version: super::aws_proxy::payload_version(i),
    }))
}

fn lambda_endpoint(targets: &Targets) -> Option<&Endpoint> {
    targets
        .lambda
        .as_ref()
        .or_else(|| targets.aws.iter().find(|(k, _)| k == "lambda").map(|(_, e)| e))
}

fn aws_endpoint<'a>(aws: &AwsUri, targets: &'a Targets) -> Option<&'a Endpoint> {
    let full = aws.subdomain.as_ref().map(|s| format!("{s}.{}", aws.service));
    full.and_then(|f| targets.aws.iter().find(|(k, _)| *k == f))
        .or_else(|| targets.aws.iter().find(|(k, _)| *k == aws.service))
        .map(|(_, e)| e)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::Plan;

    // A URI host from a stage variable the stage lacks loads with a warning naming the operation
    // (the request answers 500); a variable the stage has is still checked at load (README: "HTTP,
    // HTTP_PROXY and AWS services").
    #[test]
    fn missing_host_stage_variable_is_not_a_load_error() {
        let config = |stage_variables: &str| {
            let text = format!(
                r#"{{"api": {{"openapi": "3.0.1", "paths": {{"/x": {{"get": {{"x-amazon-apigateway-integration":
                    {{"type": "http_proxy", "httpMethod": "GET", "uri": "http://${{stageVariables.host}}/x"}}}}}}}}}},
                    "stageVariables": {stage_variables}, "targets": {{"http": {{"http://b:80": "b"}}}}}}"#
            );
            crate::gateway::Gateway::from_bytes(text.as_bytes())
        };
        let warnings = config("{}").map(|g| g.config.warnings).unwrap_or_default();
        assert_eq!(warnings, vec![
            "deployment \"prod\": GET /x: field x-amazon-apigateway-integration.uri: the host comes from stage variable host, which the stage lacks: requests answer 500".to_string(),
        ]);
        assert!(config(r#"{"host": "b"}"#).is_ok_and(|g| g.config.warnings.is_empty()));
        let err = config(r#"{"host": "other"}"#).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("GET /x") && err.contains("no Envoy cluster for the integration origin http://other:80"), "{err}");
    }

    // Each integration's plan is built at load with the stage's variables substituted: the
    // cluster, authority, Invoke path and signing region a request reads.
    #[test]
    fn plans_are_compiled_per_deployment() {
        let text = r#"{"apis": {"a": {"openapi": "3.0.1", "paths": {
            "/h": {"get": {"x-amazon-apigateway-integration":
                {"type": "http", "httpMethod": "GET", "uri": "http://${stageVariables.host}/h/{id}"}}},
            "/l": {"post": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:f:${stageVariables.alias}/invocations"}}},
            "/g": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "GET",
                "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/f/invocations"}}},
            "/m": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}},
            "deployments": [
                {"name": "one", "api": "a", "stage": "one", "stageVariables": {"host": "b1", "alias": "live"}},
                {"name": "two", "api": "a", "stage": "two", "stageVariables": {"host": "b2:81", "alias": "beta"}}],
            "targets": {"http": {"http://b1": "c1", "http://b2:81": "c2"},
                        "lambda": {"cluster": "lambda", "authority": "lambda.local"}}}"#;
        let g = crate::gateway::Gateway::from_bytes(text.as_bytes()).unwrap();
        let plans = |d: usize| -> Vec<&Plan> {
            let ops = &g.config.deployments[d].api.operations;
            let at = |name: &str| ops.iter().position(|o| o.name == name).unwrap();
            ["GET /h", "POST /l", "GET /g", "GET /m"].iter().map(|n| g.plans.get(d, at(n)).unwrap()).collect()
        };
        let one = plans(0);
        let Plan::Http(h) = one[0] else { panic!("{:?}", one[0]) };
        assert_eq!((h.cluster.as_str(), h.uri.authority.as_str(), h.uri.path.as_str()), ("c1", "b1", "/h/{id}"));
        let Plan::LambdaProxy(p) = one[1] else { panic!("{:?}", one[1]) };
        let l = &p.lambda;
        assert_eq!(p.version, crate::lambda_response::PayloadVersion::V1);
        assert_eq!(l.invoke_path, "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af%3Alive/invocations");
        assert_eq!((l.region.as_str(), l.endpoint.cluster.as_str()), ("eu-west-1", "lambda"));
        assert!(matches!(one[2], Plan::Fail(why) if why.contains("httpMethod is \"GET\"")), "{:?}", one[2]);
        assert_eq!(one[3], &Plan::Local);
        let two = plans(1);
        assert!(matches!(two[0], Plan::Http(h) if h.cluster == "c2" && h.uri.authority == "b2:81"), "{:?}", two[0]);
        assert!(matches!(two[1], Plan::LambdaProxy(p) if p.lambda.invoke_path.ends_with("%3Abeta/invocations")), "{:?}", two[1]);
    }
}
