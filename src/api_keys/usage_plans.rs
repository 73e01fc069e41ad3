//! Usage plans as `aws apigateway get-usage-plans` prints them (README: "API keys and usage
//! plans"; AWS API reference: UsagePlan, ApiStage, ThrottleSettings, QuotaSettings):
//!
//! ```json
//! {"items": [{"id": "a1b2c3", "name": "Basic",
//!             "apiStages": [{"apiId": "abcdef1234", "stage": "prod",
//!                            "throttle": {"/pets/GET": {"burstLimit": 5, "rateLimit": 2.0}}}],
//!             "throttle": {"burstLimit": 10, "rateLimit": 5.0},
//!             "quota": {"limit": 1000, "offset": 0, "period": "MONTH"}}]}
//! ```
//!
//! Read unchanged: fields AWS prints that the gateway has no use for (`description`, `tags`,
//! `productCode`, `position`) are ignored; the fields read are checked, and a wrong one refuses
//! the configuration naming it (`usagePlans.items[0].quota.period`).
//!
//! What the limits mean is the throttling engine's business; for it: AWS applies a plan's throttle
//! and quota **per API key** in the plan, aggregated over every API stage of the plan
//! (access-control notes §5; AWS docs: "What is a usage plan?"), and the per-method throttle of
//! an API stage before the plan's own.

use serde_json::{Map, Value};

use crate::error::ConfigError;

/// One usage plan.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    /// The API stages the plan is attached to.
    pub api_stages: Vec<ApiStage>,
    /// Per API key, over all the plan's stages.
    pub throttle: Option<Throttle>,
    /// Per API key, over all the plan's stages.
    pub quota: Option<Quota>,
}

/// An API stage a plan is attached to, with its per-method throttles.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
    /// `throttle`: `"/pets/{id}/GET"` (resource path, `/`, method) → limits, in the file's order.
    pub methods: Vec<MethodThrottle>,
}

/// A per-method throttle of an API stage.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodThrottle {
    /// The resource path as the definition writes it (`/pets/{id}`; `/` for the root).
    pub resource_path: String,
    /// Upper case, as the key writes it (`GET`; `*` and `ANY` kept as written).
    pub method: String,
    pub throttle: Throttle,
}

/// `ThrottleSettings`: a token bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// `rateLimit`: requests per second, steady state.
    pub rate_limit: Option<f64>,
    /// `burstLimit`: the bucket's size.
    pub burst_limit: Option<u64>,
}

/// `QuotaSettings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests per period.
    pub limit: u64,
    /// As AWS prints it (0 when absent). The API reference calls it "the number of requests
    /// subtracted from the given limit in the initial time period"; older SDK docs "the day that
    /// a time period starts": the engine chooses and documents.
    pub offset: u64,
    pub period: QuotaPeriod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

impl UsagePlan {
    /// The plan's attachment to an API stage.
    pub fn stage(&self, api_id: &str, stage: &str) -> Option<&ApiStage> {
        self.api_stages.iter().find(|s| s.api_id == api_id && s.stage == stage)
    }
}

impl ApiStage {
    /// The per-method throttle of a resource path and method, if the stage has one.
    pub fn method(&self, resource_path: &str, method: &str) -> Option<&Throttle> {
        self.methods.iter().find(|m| m.resource_path == resource_path && m.method == method).map(|m| &m.throttle)
    }
}

/// The methods a per-method throttle key may name.
const METHODS: [&str; 9] = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY", "*"];

fn err(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::new("", field, message)
}

/// Parses `usagePlans`: the printed object, or its JSON text.
pub fn parse(value: &Value) -> Result<Vec<UsagePlan>, ConfigError> {
    const FIELD: &str = "usagePlans";
    let parsed;
    let value = match value {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).map_err(|e| err(FIELD, format!("not JSON: {e}")))?;
            &parsed
        }
        other => other,
    };
    let items = value.get("items").and_then(Value::as_array).ok_or_else(|| {
        err(FIELD, "must be what `aws apigateway get-usage-plans` prints: {\"items\": [{\"id\", \"apiStages\", \"throttle\", \"quota\"}]}")
    })?;
    let mut plans: Vec<UsagePlan> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{FIELD}.items[{i}]");
        let plan = plan(item, &at)?;
        if plans.iter().any(|p| p.id == plan.id) {
            return Err(err(format!("{at}.id"), format!("the usage plan id {:?} is listed twice", plan.id)));
        }
        plans.push(plan);
    }
    Ok(plans)
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, ConfigError> {
    v.as_object().ok_or_else(|| err(at, "must be an object"))
}

/// A string field: `None` when absent or null.
fn text(o: &Map<String, Value>, key: &str, at: &str) -> Result<Option<String>, ConfigError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(format!("{at}.{key}"), "must be a string")),
    }
}

fn required_text(o: &Map<String, Value>, key: &str, at: &str) -> Result<String, ConfigError> {
    text(o, key, at)?.filter(|s| !s.is_empty()).ok_or_else(|| err(format!("{at}.{key}"), "required, a non-empty string"))
}

/// A whole number ≥ 0 (AWS prints them as JSON integers).
fn count(v: &Value, at: &str) -> Result<u64, ConfigError> {
    v.as_u64().ok_or_else(|| err(at, format!("{v} is not a whole number ≥ 0")))
}

fn plan(item: &Value, at: &str) -> Result<UsagePlan, ConfigError> {
    let o = object(item, at)?;
    let mut api_stages: Vec<ApiStage> = Vec::new();
    match o.get("apiStages") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, s) in list.iter().enumerate() {
                let stage_at = format!("{at}.apiStages[{i}]");
                let stage = api_stage(s, &stage_at)?;
                if api_stages.iter().any(|a| a.api_id == stage.api_id && a.stage == stage.stage) {
                    return Err(err(stage_at, format!("API {:?} stage {:?} is listed twice", stage.api_id, stage.stage)));
                }
                api_stages.push(stage);
            }
        }
        Some(_) => return Err(err(format!("{at}.apiStages"), "must be a list")),
    }
    Ok(UsagePlan {
        id: required_text(o, "id", at)?,
        name: text(o, "name", at)?.unwrap_or_default(),
        api_stages,
        throttle: match o.get("throttle") {
            None | Some(Value::Null) => None,
            Some(t) => Some(throttle(t, &format!("{at}.throttle"))?),
        },
        quota: match o.get("quota") {
            None | Some(Value::Null) => None,
            Some(q) => Some(quota(q, &format!("{at}.quota"))?),
        },
    })
}

fn api_stage(v: &Value, at: &str) -> Result<ApiStage, ConfigError> {
    let o = object(v, at)?;
    let mut methods = Vec::new();
    match o.get("throttle") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, limits) in map {
                let key_at = format!("{at}.throttle.{key}");
                let (resource_path, method) = method_key(key).ok_or_else(|| {
                    err(key_at.clone(), "a per-method throttle is keyed by the resource path and the method: \"/pets/{id}/GET\"")
                })?;
                methods.push(MethodThrottle { resource_path, method, throttle: throttle(limits, &key_at)? });
            }
        }
        Some(_) => return Err(err(format!("{at}.throttle"), "must be an object of \"/path/METHOD\" -> limits")),
    }
    Ok(ApiStage { api_id: required_text(o, "apiId", at)?, stage: required_text(o, "stage", at)?, methods })
}

/// `/pets/{id}/GET` → (`/pets/{id}`, `GET`); `//GET` is the root's.
fn method_key(key: &str) -> Option<(String, String)> {
    let (path, method) = key.rsplit_once('/')?;
    let path = if path.is_empty() { "/" } else { path };
    (path.starts_with('/') && METHODS.contains(&method)).then(|| (path.to_string(), method.to_string()))
}

fn throttle(v: &Value, at: &str) -> Result<Throttle, ConfigError> {
    let o = object(v, at)?;
    let rate_limit = match o.get("rateLimit") {
        None | Some(Value::Null) => None,
        Some(r) => Some(r.as_f64().filter(|r| r.is_finite() && *r >= 0.0)
            .ok_or_else(|| err(format!("{at}.rateLimit"), format!("{r} is not a number ≥ 0")))?),
    };
    let burst_limit = match o.get("burstLimit") {
        None | Some(Value::Null) => None,
        Some(b) => Some(count(b, &format!("{at}.burstLimit"))?),
    };
    Ok(Throttle { rate_limit, burst_limit })
}

fn quota(v: &Value, at: &str) -> Result<Quota, ConfigError> {
    let o = object(v, at)?;
    let limit = count(o.get("limit").ok_or_else(|| err(format!("{at}.limit"), "required"))?, &format!("{at}.limit"))?;
    let offset = match o.get("offset") {
        None | Some(Value::Null) => 0,
        Some(n) => count(n, &format!("{at}.offset"))?,
    };
    let period = match o.get("period").and_then(Value::as_str) {
        Some("DAY") => QuotaPeriod::Day,
        Some("WEEK") => QuotaPeriod::Week,
        Some("MONTH") => QuotaPeriod::Month,
        _ => return Err(err(format!("{at}.period"), "required: \"DAY\", \"WEEK\" or \"MONTH\"")),
    };
    Ok(Quota { limit, offset, period })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::json;

    use super::*;

    // What `aws apigateway get-usage-plans` prints, read into plans; fields the gateway has no
    // use for ignored; the JSON text works the same.
    #[test]
    fn printed_plans() {
        let printed = json!({"items": [
            {"id": "a1b2c3", "name": "Basic", "description": "d", "tags": {"k": "v"},
             "apiStages": [{"apiId": "abcdef1234", "stage": "prod",
                            "throttle": {"/pets/GET": {"burstLimit": 5, "rateLimit": 2.0}, "//POST": {"rateLimit": 1}}},
                           {"apiId": "abcdef1234", "stage": "dev"}],
             "throttle": {"burstLimit": 10, "rateLimit": 5.0},
             "quota": {"limit": 1000, "offset": 0, "period": "MONTH"}},
            {"id": "z9", "apiStages": []}],
            "position": "x"});
        let plans = parse(&printed).unwrap();
        assert_eq!(parse(&json!(printed.to_string())).unwrap(), plans);
        let basic = &plans[0];
        assert_eq!((basic.id.as_str(), basic.name.as_str()), ("a1b2c3", "Basic"));
        assert_eq!(basic.throttle, Some(Throttle { rate_limit: Some(5.0), burst_limit: Some(10) }));
        assert_eq!(basic.quota, Some(Quota { limit: 1000, offset: 0, period: QuotaPeriod::Month }));
        let prod = basic.stage("abcdef1234", "prod").unwrap();
        assert_eq!(prod.method("/pets", "GET"), Some(&Throttle { rate_limit: Some(2.0), burst_limit: Some(5) }));
        assert_eq!(prod.method("/", "POST"), Some(&Throttle { rate_limit: Some(1.0), burst_limit: None }));
        assert_eq!(prod.method("/pets", "POST"), None);
        assert!(basic.stage("abcdef1234", "dev").unwrap().methods.is_empty());
        assert!(basic.stage("other", "prod").is_none());
        assert_eq!((plans[1].throttle, plans[1].quota), (None, None));
    }

    // A wrong field refuses the configuration, naming it.
    #[test]
    fn refusals() {
        let cases = [
            (json!([]), "usagePlans"),
            (json!("{"), "usagePlans"),
            (json!({"items": [7]}), "usagePlans.items[0]"),
            (json!({"items": [{"name": "x"}]}), "usagePlans.items[0].id"),
            (json!({"items": [{"id": "a"}, {"id": "a"}]}), "usagePlans.items[1].id"),
            (json!({"items": [{"id": "a", "apiStages": {}}]}), "usagePlans.items[0].apiStages"),
            (json!({"items": [{"id": "a", "apiStages": [{"apiId": "x"}]}]}), "usagePlans.items[0].apiStages[0].stage"),
            (json!({"items": [{"id": "a", "apiStages": [{"apiId": "x", "stage": "p"}, {"apiId": "x", "stage": "p"}]}]}),
             "usagePlans.items[0].apiStages[1]"),
            (json!({"items": [{"id": "a", "apiStages": [{"apiId": "x", "stage": "p", "throttle": {"pets": {}}}]}]}),
             "usagePlans.items[0].apiStages[0].throttle.pets"),
            (json!({"items": [{"id": "a", "apiStages": [{"apiId": "x", "stage": "p", "throttle": {"/pets/FETCH": {}}}]}]}),
             "usagePlans.items[0].apiStages[0].throttle./pets/FETCH"),
            (json!({"items": [{"id": "a", "throttle": {"rateLimit": -1}}]}), "usagePlans.items[0].throttle.rateLimit"),
            (json!({"items": [{"id": "a", "throttle": {"burstLimit": 1.5}}]}), "usagePlans.items[0].throttle.burstLimit"),
            (json!({"items": [{"id": "a", "quota": {"limit": 1, "period": "YEAR"}}]}), "usagePlans.items[0].quota.period"),
            (json!({"items": [{"id": "a", "quota": {"period": "DAY"}}]}), "usagePlans.items[0].quota.limit"),
            (json!({"items": [{"id": "a", "quota": {"limit": 1, "offset": -2, "period": "DAY"}}]}), "usagePlans.items[0].quota.offset"),
        ];
        for (value, field) in cases {
            let e = parse(&value).unwrap_err();
            assert_eq!(e.field, field, "{value}: {e}");
        }
    }
}
