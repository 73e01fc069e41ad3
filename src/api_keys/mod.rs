//! API keys and usage plans (README: "API keys and usage plans"; access-control notes §1, §5).
//!
//! An operation requires an API key when its `security` lists a scheme `{type: apiKey, name:
//! x-api-key, in: header}` without an authorizer extension. The key comes from the `x-api-key`
//! header (source `HEADER`, the default) or from the Lambda authorizer's `usageIdentifierKey`
//! (source `AUTHORIZER`), as the root `x-amazon-apigateway-api-key-source` says. It is checked
//! after the authorizer or IAM and before throttling and request validation
//! ([`admission`]): missing, unknown, disabled, or in no usage plan attached to the deployment's
//! API (`apiId`) and stage → 403 `{"message":"Forbidden"}`, `ForbiddenException` (INVALID_API_KEY).
//!
//! Keys and plans are not in the export: the configuration carries them in AWS's own formats,
//! loaded unchanged: `apiKeys`, the text of AWS's key import CSV ([`key_file`]), and `usagePlans`,
//! what `aws apigateway get-usage-plans` prints ([`usage_plans`]). Both are parsed and checked at
//! configure time, and each deployment's keys are indexed then ([`ApiKeys::compile`]): a request
//! makes one hash lookup.

pub mod admission;
pub mod csv;
pub mod key_file;
pub mod limits;
pub mod usage_plans;

use std::collections::HashMap;

use serde_json::Value;

use crate::config::Deployment;
use crate::context::ApiKeyIdentity;
use crate::error::ConfigError;
use crate::throttle::Metered;
pub use key_file::ApiKey;
pub use usage_plans::UsagePlan;

/// `x-amazon-apigateway-api-key-source`: where a key-required method finds its key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeySource {
    /// The `x-api-key` header (any case).
    #[default]
    Header,
    /// The Lambda authorizer's `usageIdentifierKey`.
    Authorizer,
}

/// The extension's name.
pub const KEY_SOURCE_EXTENSION: &str = "x-amazon-apigateway-api-key-source";
/// The header of source `HEADER`.
pub const KEY_HEADER: &str = "x-api-key";

impl KeySource {
    /// The root extension's value: `HEADER` or `AUTHORIZER` (AWS's spelling; the case is not
    /// checked). Anything else is refused, naming the extension.
    pub fn parse(value: Option<&Value>) -> Result<KeySource, String> {
        match value {
            None | Some(Value::Null) => Ok(KeySource::Header),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("HEADER") => Ok(KeySource::Header),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("AUTHORIZER") => Ok(KeySource::Authorizer),
            Some(other) => Err(format!("{other} is neither \"HEADER\" nor \"AUTHORIZER\"")),
        }
    }
}

/// Why a key is refused (all answered alike: 403 Forbidden; the reason is for tests and logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No key, or an empty one.
    Missing,
    /// Not in `apiKeys`.
    Unknown,
    /// `Enabled` false.
    Disabled,
    /// In no usage plan attached to this deployment's API and stage.
    NotInPlan,
}

/// The keys and usage plans of the configuration, indexed per deployment.
#[derive(Debug, Default)]
pub struct ApiKeys {
    keys: Vec<ApiKey>,
    /// Key → index in `keys`.
    by_value: HashMap<String, usize>,
    /// Key id → index in `keys`.
    by_id: HashMap<String, usize>,
    pub plans: Vec<UsagePlan>,
    /// Per deployment, per key (index in `keys`): the plan (index in `plans`) attached to the
    /// deployment's API and stage that the key is in.
    stages: Vec<Vec<Option<usize>>>,
    /// By deployment, then plan: the plan's limits there, compiled at load ([`limits::PlanLimits`]).
    limits: Vec<Vec<limits::PlanLimits>>,
}

/// The `apiKeys` and `usagePlans` configuration keys' names (errors name them).
pub const KEYS_FIELD: &str = "apiKeys";
pub const PLANS_FIELD: &str = "usagePlans";

impl ApiKeys {
    /// Reads `apiKeys` (the CSV text) and `usagePlans` (absent: no plan) and indexes each
    /// deployment's keys. Refused, naming the line or field: a file AWS's import would refuse, a
    /// key naming a plan `usagePlans` does not have, a key in two plans attached to the same API
    /// stage (AWS refuses to add such a key). The warnings say what will be refused at request time.
    pub fn compile(keys: &Value, plans: Option<&Value>, deployments: &[Deployment])
        -> Result<(ApiKeys, Vec<String>), ConfigError> {
        let text = keys.as_str().ok_or_else(|| {
            ConfigError::new("", KEYS_FIELD, "must be the text of AWS's API key file (CSV: Name,Key,Description,Enabled,UsagePlanIds)")
        })?;
        let (keys, mut warnings) = key_file::parse(text).map_err(|e| {
            let field = match (e.line, e.column) {
                (0, _) => KEYS_FIELD.to_string(),
                (line, "") => format!("{KEYS_FIELD} line {line}"),
                (line, column) => format!("{KEYS_FIELD} line {line}, column {column}"),
            };
            ConfigError::new("", field, e.message)
        })?;
        warnings.iter_mut().for_each(|w| *w = format!("{KEYS_FIELD}: {w}"));
        let plans = plans.map(usage_plans::parse).transpose()?.unwrap_or_default();
        let plan_index: HashMap<&str, usize> = plans.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
        for key in &keys {
            if let Some(unknown) = key.usage_plan_ids.iter().find(|id| !plan_index.contains_key(id.as_str())) {
                return Err(ConfigError::new("", format!("{KEYS_FIELD} line {}, column UsagePlanIds", key.line),
                    format!("names the usage plan {unknown:?}, which {PLANS_FIELD} does not have")));
            }
        }
        let stages = deployments
            .iter()
            .map(|dep| stage_plans(&keys, &plans, &plan_index, dep))
            .collect::<Result<Vec<_>, _>>()?;
        for (dep, stage) in deployments.iter().zip(&stages) {
            if requires_keys(dep) && stage.iter().all(Option::is_none) {
                warnings.push(format!(
                    "deployment {:?}: no key of {KEYS_FIELD} is in a usage plan of {PLANS_FIELD} attached to API {:?} stage {:?} \
                     (apiStages; make run API_ID= and STAGE=): every key-required operation answers 403 Forbidden",
                    dep.name, dep.api_id, dep.stage));
            }
        }
        let by_value = keys.iter().enumerate().map(|(i, k)| (k.value.clone(), i)).collect();
        let by_id = keys.iter().enumerate().map(|(i, k)| (k.id.clone(), i)).collect();
        let limits = deployments
            .iter()
            .map(|dep| plans.iter().map(|plan| limits::PlanLimits::compile(plan, dep)).collect())
            .collect();
        Ok((ApiKeys { keys, by_value, by_id, plans, stages, limits }, warnings))
    }

    /// The check of a presented key for a deployment (README: "API keys and usage plans").
    pub fn check(&self, deployment: usize, presented: Option<&str>) -> Result<(&ApiKey, &UsagePlan), Refused> {
        let (key, plan) = self.find(deployment, presented)?;
        Ok((key, self.plans.get(plan).ok_or(Refused::NotInPlan)?))
    }

    /// The key presented on operation `operation` of a deployment, admitted: its identity and what
    /// its usage plan meters there (`None` when the plan sets no limit on it).
    pub fn admit(&self, deployment: usize, operation: usize, presented: Option<&str>)
        -> Result<(ApiKeyIdentity, Option<Box<Metered>>), Refused> {
        let (key, plan) = self.find(deployment, presented)?;
        let limits = self.limits.get(deployment).and_then(|l| l.get(plan));
        let metered = limits.and_then(|l| {
            let method_throttle = l.methods.get(operation).copied().flatten();
            (l.throttle.is_some() || l.quota.is_some() || method_throttle.is_some()).then(|| Box::new(Metered {
                key_id: key.id.clone(),
                plan_id: self.plans.get(plan).map(|p| p.id.clone()).unwrap_or_default(),
                throttle: l.throttle,
                method_throttle,
                quota: l.quota,
            }))
        });
        Ok((key.identity(), metered))
    }

    /// The key presented and the index of its plan on the deployment, or why it is refused.
    fn find(&self, deployment: usize, presented: Option<&str>) -> Result<(&ApiKey, usize), Refused> {
        let presented = presented.filter(|k| !k.is_empty()).ok_or(Refused::Missing)?;
        let index = *self.by_value.get(presented).ok_or(Refused::Unknown)?;
        let key = self.keys.get(index).ok_or(Refused::Unknown)?;
        if !key.enabled {
            return Err(Refused::Disabled);
        }
        let plan = self.stages.get(deployment).and_then(|s| s.get(index).copied().flatten()).ok_or(Refused::NotInPlan)?;
        Ok((key, plan))
    }

    /// The usage plan whose limits apply to a key (by id) on a deployment: what the throttling
    /// step reads once the key is admitted.
    pub fn usage_plan_of(&self, deployment: usize, key_id: &str) -> Option<&UsagePlan> {
        let index = *self.by_id.get(key_id)?;
        let plan = self.stages.get(deployment)?.get(index).copied().flatten()?;
        self.plans.get(plan)
    }

    pub fn keys(&self) -> &[ApiKey] {
        &self.keys
    }
}

impl ApiKey {
    /// `$context.identity.apiKey` and `apiKeyId`.
    pub fn identity(&self) -> ApiKeyIdentity {
        ApiKeyIdentity { key: self.value.clone(), id: self.id.clone() }
    }
}

/// Whether any operation of the deployment's API requires a key.
pub fn requires_keys(dep: &Deployment) -> bool {
    dep.api.operations.iter().any(|o| o.api_key_required)
}

/// For each key, the plan attached to the deployment's API and stage that it is in. AWS refuses a
/// key in two plans that share an API stage ("cannot reference multiple Usage Plans with the same
/// API Stage"), so this is refused at load.
fn stage_plans(keys: &[ApiKey], plans: &[UsagePlan], plan_index: &HashMap<&str, usize>, dep: &Deployment)
    -> Result<Vec<Option<usize>>, ConfigError> {
    let attached: Vec<bool> = plans.iter().map(|p| p.stage(&dep.api_id, &dep.stage).is_some()).collect();
    keys.iter()
        .map(|key| {
            let mut found: Option<usize> = None;
            for id in &key.usage_plan_ids {
                let Some(&p) = plan_index.get(id.as_str()) else { continue };
                if !attached.get(p).copied().unwrap_or(false) {
                    continue;
                }
                if let Some(first) = found.and_then(|f| plans.get(f)) {
                    return Err(ConfigError::new("", format!("{KEYS_FIELD} line {}, column UsagePlanIds", key.line),
                        format!("the key is in usage plans {:?} and {id:?}, both attached to API {:?} stage {:?}: \
                                 AWS lets a key reference one usage plan per API stage", first.id, dep.api_id, dep.stage)));
                }
                found = Some(p);
            }
            Ok(found)
        })
        .collect()
}
