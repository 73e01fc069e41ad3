//! The plugin configuration: JSON text (Envoy `StringValue`, Istio `pluginConfig`) holding one or
//! more API definitions and the deployments (stages) that serve them. Parsed and compiled once,
//! in `on_configure`; the request path only reads the result.
//!
//! ```json
//! {
//!   "apis": { "pets": { "openapi": "3.0.1", "paths": { ... } } },
//!   "deployments": [
//!     { "name": "pets-prod", "api": "pets", "stage": "prod", "stagePrefix": false,
//!       "stageVariables": { "v": "1" }, "apiId": "a1b2c3d4e5", "accountId": "123456789012",
//!       "region": "us-east-1", "stageSettings": { "methodSettings": { "*/*": { "throttlingRateLimit": 10.0 } } },
//!       "accessLog": { "format": "$context.requestId $context.status" } }
//!   ],
//!   "targets": { "http": { "http://backend:8080": "backend" },
//!                "lambda": { "cluster": "lambda", "authority": "lambda.us-east-1.amazonaws.com" } },
//!   "skipUnenforcedAuth": false,
//!   "iamKeys": [ { "accessKeyId": "AKID", "secretAccessKey": "...", "arn": "arn:aws:iam::123456789012:user/a" } ],
//!   "accountSettings": { "throttleSettings": { "rateLimit": 10000.0, "burstLimit": 5000 } },
//!   "cognitoUserPools": [ "us-east-1_AbC123" ]
//! }
//! ```
//! A single deployment may also be written flat: `{"api": {...definition...}, "stage": "prod", ...}`.

pub mod integration;
pub mod openapi;

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::error::ConfigError;
pub use openapi::{Api, Auth, Operation};

/// Defaults for `$context` when the configuration gives none (documented in the README).
pub const DEFAULT_API_ID: &str = "local";
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_STAGE: &str = "prod";

/// Route metadata namespace and key that pick a deployment per Envoy route.
pub const ROUTE_METADATA_NAMESPACE: &str = "apigateway";
pub const ROUTE_METADATA_KEY: &str = "deployment";

/// An API served at one stage.
pub struct Deployment {
    pub name: String,
    pub api: Rc<Api>,
    pub stage: String,
    /// Whether request paths start with `/{stage}` (execute-api URLs do; a sidecar usually not).
    pub stage_prefix: StagePrefix,
    pub stage_variables: Vec<(String, String)>,
    pub api_id: String,
    pub account_id: String,
    pub region: String,
    pub deployment_id: String,
    /// The stage's limit for each operation and the account's (`stageSettings`,
    /// `accountSettings`), compiled (README: "Throttling").
    pub limits: crate::throttle::DeploymentLimits,
    /// `metrics`: which of the gateway's metrics this deployment records (README: "Metrics").
    pub metrics: MetricsLevel,
    /// The stage's access log format, compiled (`accessLog.format`, else `stageSettings`'
    /// `accessLogSettings.format`); `None`: nothing is rendered (README: "Access logs").
    pub access_log: Option<crate::access_log::AccessLogFormat>,
    /// `trace`: write the execution trace (README: "Execution trace"): `trace: true`, or the
    /// stage's `methodSettings."*/*"` with `dataTraceEnabled` and `loggingLevel: INFO`.
    pub trace: bool,
}

/// `metrics`: `"detailed"` (the default: per API, stage, resource and method, as CloudWatch's
/// detailed metrics), `"stage"` (per API and stage only: fewer Envoy stats for large definitions)
/// or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsLevel {
    Detailed,
    Stage,
    Off,
}

/// `stagePrefix`: `false` (default), `true`, or `"optional"` (strip `/{stage}` when the path starts
/// with it, serve the path as it is otherwise: convenient locally, where both URL forms get used).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagePrefix {
    Off,
    Required,
    Optional,
}

/// Where integrations go in Envoy terms.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Integration URI origin (`http://host:port`) -> Envoy cluster.
    pub http: Vec<(String, String)>,
    /// The Lambda Invoke API: cluster and `:authority`.
    pub lambda: Option<Endpoint>,
    /// AWS service name (`sqs`, `dynamodb`...) -> endpoint.
    pub aws: Vec<(String, Endpoint)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub cluster: String,
    pub authority: String,
    /// `"signing": "envoy"`: the cluster signs requests itself (Envoy's `aws_request_signing` as an
    /// upstream filter), so the filter sends them unsigned. Envoy hashes the payload with native
    /// SHA-256, several times faster than SHA-256 inside the wasm VM.
    pub envoy_signs: bool,
}

pub struct Config {
    pub deployments: Vec<Deployment>,
    by_name: HashMap<String, usize>,
    pub targets: Targets,
    /// Serve operations whose auth is not enforced yet (local use only; warned per operation).
    pub skip_unenforced_auth: bool,
    /// `iamKeys`: the callers IAM operations verify signatures against (README: "IAM"); without
    /// it IAM operations fail closed.
    pub iam_keys: Option<crate::iam::KeySet>,
    /// `apiKeys` and `usagePlans` (README: "API keys and usage plans"); without them key-required
    /// operations fail closed (every key is unknown).
    pub api_keys: Option<crate::api_keys::ApiKeys>,
    /// `globalRateLimit`: the levels are asked of a rate limit service instead of counted in the
    /// process (README: "Throttling").
    pub global_rate_limit: Option<crate::throttle::global::GlobalSettings>,
    /// `cognitoUserPools`: the user pools (ids or ARNs) whose tokens Envoy's `jwt_authn` filter
    /// verifies before this filter (README: "Cognito user pool authorizers"); operations of other
    /// pools fail closed.
    pub cognito_user_pools: Vec<String>,
    /// Lines to log once at load.
    pub warnings: Vec<String>,
}

const TOP_KEYS: &[&str] = &[
    "apis", "deployments", "targets", "skipUnenforcedAuth", "iamKeys", "apiKeys", "usagePlans", "accountSettings",
    "globalRateLimit", "cognitoUserPools",
];
const DEPLOYMENT_KEYS: &[&str] = &[
    "name",
    "api",
    "stage",
    "stagePrefix",
    "stageVariables",
    "apiId",
    "accountId",
    "region",
    "deploymentId",
    "metrics",
    "stageSettings",
    "accessLog",
    "trace",
];

impl Config {
    /// Parses the plugin configuration bytes.
    pub fn parse(bytes: &[u8]) -> Result<Config, ConfigError> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(ConfigError::new(
                "",
                "",
                "the plugin configuration must be JSON text (a google.protobuf.StringValue holding a JSON object); \
                 a google.protobuf.Struct arrives as protobuf binary and is not accepted",
            ));
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ConfigError::new("", "", format!("the plugin configuration is not valid JSON: {e}")))?;
        Config::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Config, ConfigError> {
        let top = value
            .as_object()
            .ok_or_else(|| ConfigError::new("", "", "the plugin configuration must be a JSON object"))?;
        let flat = !top.contains_key("deployments");
        for k in top.keys() {
            let known = TOP_KEYS.contains(&k.as_str()) || (flat && DEPLOYMENT_KEYS.contains(&k.as_str()));
            if !known {
                return Err(ConfigError::new("", k.clone(), "unknown configuration key"));
            }
        }
        let mut warnings = Vec::new();
        let apis = compile_apis(top.get("apis"), &mut warnings)?;
        let deployment_values = deployment_objects(top, flat)?;
        if deployment_values.is_empty() {
            return Err(ConfigError::new("", "deployments", "at least one deployment is needed"));
        }
        // AWS's account throttle unless `accountSettings` (get-account's output) says otherwise.
        let account = crate::throttle::stage::account(top.get("accountSettings"))
            .map_err(|(field, e)| ConfigError::new("", field, e))?;
        let mut deployments = Vec::new();
        let mut by_name = HashMap::new();
        for d in deployment_values {
            let dep = parse_deployment(d, flat, &apis, account, &mut warnings)?;
            if by_name.insert(dep.name.clone(), deployments.len()).is_some() {
                return Err(ConfigError::new(
                    format!("deployment {:?}", dep.name),
                    "name",
                    "two deployments have this name",
                ));
            }
            deployments.push(dep);
        }
        let skip_unenforced_auth = match top.get("skipUnenforcedAuth") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ConfigError::new("", "skipUnenforcedAuth", "must be true or false")),
        };
        let iam_keys = top.get("iamKeys").map(crate::iam::KeySet::parse).transpose()?;
        let api_keys = api_keys(top, &deployments, skip_unenforced_auth, &mut warnings)?;
        if skip_unenforced_auth {
            skipped_auth(&deployments, iam_keys.is_some(), &mut warnings);
        }
        // The integration targets are checked by compiling each operation's plan
        // (`crate::integration::plan`), which reads this configuration.
        let targets = parse_targets(top.get("targets"))?;
        let global_rate_limit = top
            .get("globalRateLimit")
            .map(crate::throttle::global::GlobalSettings::parse)
            .transpose()
            .map_err(|(field, e)| ConfigError::new("", field, e))?;
        let cognito_user_pools = cognito_user_pools(top.get("cognitoUserPools"))?;
        Ok(Config {
            global_rate_limit,
            deployments,
            by_name,
            targets,
            skip_unenforced_auth,
            iam_keys,
            api_keys,
            cognito_user_pools,
            warnings,
        })
    }

    /// The deployment an Envoy route names (route metadata), else the first one.
    pub fn deployment_index(&self, name: Option<&str>) -> Option<usize> {
        match name {
            Some(n) => self.by_name.get(n).copied(),
            None => (!self.deployments.is_empty()).then_some(0),
        }
    }
}

/// With `skipUnenforcedAuth`, a warning per operation whose caller check is served open.
fn skipped_auth(deployments: &[Deployment], iam_keys: bool, warnings: &mut Vec<String>) {
    for dep in deployments {
        let enforced = |o: &&Operation| o.iam_only && iam_keys;
        for op in dep.api.operations.iter().filter(|o| o.auth.is_some() && !enforced(o)) {
            warnings.push(format!(
                "deployment {:?}: {} asks for {:?} auth, which is NOT enforced: served open (skipUnenforcedAuth)",
                dep.name, op.name, op.auth
            ));
        }
    }
}

/// `apiKeys` and `usagePlans` (README: "API keys and usage plans"). Without `apiKeys`, each
/// deployment's key-required operations are named at load: they answer 403 Forbidden (or, with
/// `skipUnenforcedAuth`, are served open).
fn api_keys(top: &Map<String, Value>, deployments: &[Deployment], skip: bool, warnings: &mut Vec<String>)
    -> Result<Option<crate::api_keys::ApiKeys>, ConfigError> {
    use crate::api_keys::{ApiKeys, KEYS_FIELD, PLANS_FIELD};
    match (top.get(KEYS_FIELD), top.get(PLANS_FIELD)) {
        (Some(keys), plans) => {
            let (keys, mut more) = ApiKeys::compile(keys, plans, deployments)?;
            warnings.append(&mut more);
            Ok(Some(keys))
        }
        (None, plans) => {
            if let Some(plans) = plans {
                // Checked all the same: a broken file should not wait for its keys to be refused.
                crate::api_keys::usage_plans::parse(plans)?;
            }
            for dep in deployments {
                let ops: Vec<&str> = dep.api.operations.iter().filter(|o| o.api_key_required).map(|o| o.name.as_str()).collect();
                if !ops.is_empty() {
                    let what = if skip { "are served open (skipUnenforcedAuth)" } else { "answer 403 Forbidden" };
                    warnings.push(format!(
                        "deployment {:?}: the configuration has no {KEYS_FIELD} (make run API_KEYS=): the operations that require an API key {what}: {}",
                        dep.name, ops.join(", ")));
                }
            }
            Ok(None)
        }
    }
}

fn string_field(d: &Map<String, Value>, key: &str, place: &str) -> Result<Option<String>, ConfigError> {
    match d.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ConfigError::new(place, key, "must be a string")),
    }
}

/// `apis`: each named definition compiled once (deployments share them).
fn compile_apis(defs: Option<&Value>, warnings: &mut Vec<String>) -> Result<HashMap<String, Rc<Api>>, ConfigError> {
    let mut apis: HashMap<String, Rc<Api>> = HashMap::new();
    let Some(defs) = defs else { return Ok(apis) };
    let defs = defs
        .as_object()
        .ok_or_else(|| ConfigError::new("", "apis", "must be an object of name -> definition"))?;
    for (name, doc) in defs {
        let api = openapi::compile(doc, name)?;
        warnings.extend(api.warnings.iter().map(|w| format!("api {name:?}: {w}")));
        apis.insert(name.clone(), Rc::new(api));
    }
    Ok(apis)
}

/// The deployment objects: `deployments[]`, or the top level itself when written flat.
fn deployment_objects(top: &Map<String, Value>, flat: bool) -> Result<Vec<&Map<String, Value>>, ConfigError> {
    if flat {
        return Ok(vec![top]);
    }
    top.get("deployments")
        .and_then(Value::as_array)
        .ok_or_else(|| ConfigError::new("", "deployments", "must be a list"))?
        .iter()
        .map(|d| d.as_object().ok_or_else(|| ConfigError::new("", "deployments", "each deployment must be an object")))
        .collect()
}

/// A deployment's `api`: the name of one under `apis`, or a definition inline.
fn deployment_api(value: Option<&Value>, apis: &HashMap<String, Rc<Api>>, place: &str, warnings: &mut Vec<String>)
    -> Result<Rc<Api>, ConfigError> {
    match value {
        Some(Value::String(n)) => apis
            .get(n)
            .cloned()
            .ok_or_else(|| ConfigError::new(place, "api", format!("no definition named {n:?} under \"apis\""))),
        Some(doc @ Value::Object(_)) => {
            let api = openapi::compile(doc, "")?;
            warnings.extend(api.warnings.iter().map(|w| format!("{place}: {w}")));
            Ok(Rc::new(api))
        }
        _ => Err(ConfigError::new(place, "api", "is required: a definition object or the name of one under \"apis\"")),
    }
}

/// `stageVariables`: name → value, numbers and booleans written as text.
fn stage_variables(value: Option<&Value>, place: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = Vec::new();
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(ConfigError::new(place, format!("stageVariables.{k}"), "must be a string")),
                };
                out.push((k.clone(), v));
            }
        }
        Some(_) => return Err(ConfigError::new(place, "stageVariables", "must be an object")),
    }
    Ok(out)
}

fn parse_deployment(
    d: &Map<String, Value>,
    flat: bool,
    apis: &HashMap<String, Rc<Api>>,
    account: Option<crate::throttle::BucketLimit>,
    warnings: &mut Vec<String>,
) -> Result<Deployment, ConfigError> {
    if !flat {
        if let Some(k) = d.keys().find(|k| !DEPLOYMENT_KEYS.contains(&k.as_str())) {
            return Err(ConfigError::new("deployment", k.clone(), "unknown deployment key"));
        }
    }
    let stage = string_field(d, "stage", "deployment")?.unwrap_or_else(|| DEFAULT_STAGE.to_string());
    let name = string_field(d, "name", "deployment")?.unwrap_or_else(|| stage.clone());
    let place = format!("deployment {name:?}");
    if stage.is_empty() || stage.contains('/') {
        return Err(ConfigError::new(place, "stage", "must be a non-empty name without '/'"));
    }
    let api = deployment_api(d.get("api"), apis, &place, warnings)?;
    let stage_prefix = match d.get("stagePrefix") {
        None | Some(Value::Bool(false)) => StagePrefix::Off,
        Some(Value::Bool(true)) => StagePrefix::Required,
        Some(Value::String(s)) if s == "optional" => StagePrefix::Optional,
        Some(_) => return Err(ConfigError::new(place, "stagePrefix", "must be true, false or \"optional\"")),
    };
    let metrics = match d.get("metrics") {
        None => MetricsLevel::Detailed,
        Some(Value::String(s)) if s == "detailed" => MetricsLevel::Detailed,
        Some(Value::String(s)) if s == "stage" => MetricsLevel::Stage,
        Some(Value::String(s)) if s == "off" => MetricsLevel::Off,
        Some(_) => return Err(ConfigError::new(place, "metrics", "must be \"detailed\", \"stage\" or \"off\"")),
    };
    let trace = trace(d, &place)?;
    let stage_variables = stage_variables(d.get("stageVariables"), &place)?;
    let access_log = access_log(d, &place)?;
    let account_id = string_field(d, "accountId", &place)?.unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_string());
    let region = string_field(d, "region", &place)?.unwrap_or_else(|| DEFAULT_REGION.to_string());
    let limits = crate::throttle::stage::compile(
        &crate::throttle::stage::DeploymentInput {
            name: &name,
            stage: &stage,
            account_id: &account_id,
            region: &region,
            api: &api,
            stage_settings: d.get("stageSettings"),
            account,
        },
        warnings,
    )
    .map_err(|(field, e)| ConfigError::new(place.clone(), field, e))?;
    Ok(Deployment {
        api_id: string_field(d, "apiId", &place)?.unwrap_or_else(|| DEFAULT_API_ID.to_string()),
        account_id,
        region,
        deployment_id: string_field(d, "deploymentId", &place)?.unwrap_or_else(|| "local".to_string()),
        metrics,
        access_log,
        trace,
        limits,
        name,
        api,
        stage,
        stage_prefix,
        stage_variables,
    })
}

/// The deployment's access log format (README: "Access logs"): `accessLog` (`{"format": ...}`, the
/// shape of get-stage's `accessLogSettings`, whose `destinationArn` is accepted and unused), else
/// `stageSettings.accessLogSettings`; compiled once, here.
fn access_log(d: &Map<String, Value>, place: &str) -> Result<Option<crate::access_log::AccessLogFormat>, ConfigError> {
    let (settings, field) = match (d.get("accessLog"), d.get("stageSettings").and_then(|s| s.get("accessLogSettings"))) {
        (Some(v), _) => (v, "accessLog"),
        (None, Some(v)) => (v, "stageSettings.accessLogSettings"),
        (None, None) => return Ok(None),
    };
    let Some(settings) = settings.as_object() else {
        return Err(ConfigError::new(place, field, "must be an object: {\"format\": \"...\"}"));
    };
    if let Some(k) = settings.keys().find(|k| !matches!(k.as_str(), "format" | "destinationArn")) {
        return Err(ConfigError::new(place, format!("{field}.{k}"), "unknown key (format, destinationArn)"));
    }
    match settings.get("format") {
        // get-stage prints accessLogSettings without a format when access logging is off.
        None => Ok(None),
        Some(Value::String(text)) => crate::access_log::AccessLogFormat::compile(text)
            .map(Some)
            .map_err(|e| ConfigError::new(place, format!("{field}.format"), e)),
        Some(_) => Err(ConfigError::new(place, format!("{field}.format"), "must be a string")),
    }
}

/// Whether the deployment writes the execution trace: `trace` (a boolean), else what the stage's
/// settings say for every method (`methodSettings."*/*"`: `dataTraceEnabled` with `loggingLevel`
/// `INFO`, as API Gateway writes data traces only at INFO).
fn trace(d: &Map<String, Value>, place: &str) -> Result<bool, ConfigError> {
    match d.get("trace") {
        Some(Value::Bool(b)) => return Ok(*b),
        Some(_) => return Err(ConfigError::new(place, "trace", "must be true or false")),
        None => {}
    }
    let all = d.get("stageSettings").and_then(|s| s.get("methodSettings")).and_then(|m| m.get("*/*"));
    let data_trace = all.and_then(|a| a.get("dataTraceEnabled")).and_then(Value::as_bool) == Some(true);
    let info = all.and_then(|a| a.get("loggingLevel")).and_then(Value::as_str) == Some("INFO");
    Ok(data_trace && info)
}

/// `cognitoUserPools`: a list of non-empty strings (user pool ids or ARNs).
fn cognito_user_pools(v: Option<&Value>) -> Result<Vec<String>, ConfigError> {
    const FIELD: &str = "cognitoUserPools";
    let Some(v) = v else { return Ok(Vec::new()) };
    let invalid = || ConfigError::new("", FIELD, "must be a list of user pool ids or ARNs (\"us-east-1_AbC123\")");
    v.as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|p| p.as_str().filter(|p| !p.is_empty()).map(str::to_string).ok_or_else(invalid))
        .collect()
}

fn endpoint(v: &Value, field: &str) -> Result<Endpoint, ConfigError> {
    let cluster = v.get("cluster").and_then(Value::as_str);
    let authority = v.get("authority").and_then(Value::as_str);
    let envoy_signs = match v.get("signing") {
        None => false,
        Some(Value::String(s)) if s == "filter" => false,
        Some(Value::String(s)) if s == "envoy" => true,
        Some(other) => {
            return Err(ConfigError::new(
                "",
                format!("{field}.signing"),
                format!("{other} is neither \"filter\" (the default: the filter signs with SigV4) nor \"envoy\" (the cluster's aws_request_signing filter signs)"),
            ))
        }
    };
    match (cluster, authority) {
        (Some(c), Some(a)) if !c.is_empty() && !a.is_empty() => Ok(Endpoint {
            cluster: c.to_string(),
            authority: a.to_string(),
            envoy_signs,
        }),
        _ => Err(ConfigError::new(
            "",
            field,
            "must be {\"cluster\": \"<envoy cluster>\", \"authority\": \"<host[:port]>\"}",
        )),
    }
}

fn parse_targets(v: Option<&Value>) -> Result<Targets, ConfigError> {
    let mut t = Targets::default();
    let Some(v) = v else { return Ok(t) };
    let obj = v
        .as_object()
        .ok_or_else(|| ConfigError::new("", "targets", "must be an object"))?;
    for (k, v) in obj {
        match k.as_str() {
            "http" => {
                let m = v
                    .as_object()
                    .ok_or_else(|| ConfigError::new("", "targets.http", "must be an object of origin -> cluster"))?;
                for (origin, cluster) in m {
                    let cluster = cluster.as_str().ok_or_else(|| {
                        ConfigError::new("", format!("targets.http.{origin}"), "must be a cluster name")
                    })?;
                    t.http.push((origin.trim_end_matches('/').to_ascii_lowercase(), cluster.to_string()));
                }
            }
            "lambda" => t.lambda = Some(endpoint(v, "targets.lambda")?),
            "aws" => {
                let m = v
                    .as_object()
                    .ok_or_else(|| ConfigError::new("", "targets.aws", "must be an object of service -> endpoint"))?;
                for (service, e) in m {
                    t.aws.push((service.clone(), endpoint(e, &format!("targets.aws.{service}"))?));
                }
            }
            other => return Err(ConfigError::new("", format!("targets.{other}"), "unknown target kind")),
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::parse_targets;

    // `signing` says who signs requests to an endpoint: the filter (default) or the cluster's
    // aws_request_signing filter; anything else is refused, naming the field.
    #[test]
    fn endpoint_signing() {
        let parse = |signing: &str| {
            let text = format!(r#"{{"lambda": {{"cluster": "l", "authority": "a"{signing}}}}}"#);
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            parse_targets(Some(&v)).map(|t| t.lambda.map(|e| e.envoy_signs))
        };
        assert_eq!(parse("").ok(), Some(Some(false)));
        assert_eq!(parse(r#", "signing": "filter""#).ok(), Some(Some(false)));
        assert_eq!(parse(r#", "signing": "envoy""#).ok(), Some(Some(true)));
        let err = parse(r#", "signing": "aws""#).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("targets.lambda.signing"), "{err}");
    }
}
