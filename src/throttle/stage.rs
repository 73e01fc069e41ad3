//! The stage's and the account's throttling, read from what AWS prints and compiled at configure
//! time into one limit per operation (README: "Throttling").
//!
//! - `stageSettings` is the output of `aws apigateway get-stage`, loaded unchanged: only its
//!   `methodSettings` throttling fields are read. Its keys are `*/*` (every method), or the
//!   resource path with each `/` written `~1` (and `~` written `~0`) then `/METHOD`
//!   (`~1pets~1{id}/GET`), as AWS writes them; `~1pets/*` and `*/GET` are accepted too. AWS
//!   applies these limits "at the API method level for a stage" (AWS docs: "Throttle requests to
//!   your REST APIs"): `*/*` is each method's default, not a bucket the methods share.
//! - The more specific key wins field by field (`path/METHOD`, `path/*`, `*/METHOD`, `*/*`), then
//!   the account's value fills a field no key sets; a method no key limits has no stage limit.
//!   A negative value (Terraform writes -1 for "not set") sets nothing.
//! - The account's limit (AWS: 10,000 requests per second, burst 5,000, per account and region)
//!   comes from `accountSettings`, the output of `aws apigateway get-account` (its
//!   `throttleSettings`); negative values turn it off.

use serde_json::{Map, Value};

use super::bucket::{BucketLimit, MAX_BURST, MAX_RATE_PER_SECOND};
use crate::config::Api;

/// AWS's default account throttle: 10,000 requests per second, burst 5,000.
pub const ACCOUNT_DEFAULT: BucketLimit = BucketLimit::new(10_000_000, 5_000);

/// The prefix of every counter's key in the store (shared data is shared by every plugin of the
/// same `vm_id`).
pub const KEY_PREFIX: &str = "apigw/";

/// A limit and the key of the counter that enforces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub key: String,
    pub limit: BucketLimit,
}

/// One deployment's stage and account limits, compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentLimits {
    /// Per operation (the API's operation order): the stage's limit for that method.
    pub methods: Vec<Option<Counted>>,
    /// The account's limit (per account and region), `None` when turned off.
    pub account: Option<Counted>,
}

/// A throttle as AWS writes it, each field possibly unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Partial {
    rate_milli: Option<u64>,
    burst: Option<u64>,
}

impl Partial {
    fn or(self, other: Partial) -> Partial {
        Partial { rate_milli: self.rate_milli.or(other.rate_milli), burst: self.burst.or(other.burst) }
    }
}

/// `throttlingRateLimit` / `rateLimit`: requests per second (a double) as thousandths; `None`
/// when unset (absent, null or negative).
fn rate(v: Option<&Value>) -> Result<Option<u64>, String> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return Ok(None) };
    let too_big = || format!("{v} is above the largest rate accepted, {MAX_RATE_PER_SECOND}");
    if let Some(n) = v.as_u64() {
        return if n <= MAX_RATE_PER_SECOND { Ok(n.checked_mul(1000)) } else { Err(too_big()) };
    }
    match v.as_f64() {
        Some(f) if f.is_finite() && f < 0.0 => Ok(None),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // in 0..=1e12 here
        Some(f) if f.is_finite() && f <= MAX_RATE_PER_SECOND as f64 => Ok(Some((f * 1000.0).round() as u64)),
        Some(_) => Err(too_big()),
        None => Err(format!("{v} is not a number")),
    }
}

/// `throttlingBurstLimit` / `burstLimit`: an integer; `None` when unset (absent, null or negative).
fn burst(v: Option<&Value>) -> Result<Option<u64>, String> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return Ok(None) };
    if let Some(n) = v.as_u64() {
        return if n <= MAX_BURST { Ok(Some(n)) } else { Err(format!("{v} is above the largest burst accepted, {MAX_BURST}")) };
    }
    match v.as_f64() {
        Some(f) if f.is_finite() && f < 0.0 => Ok(None),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a whole number in 0..=1e9
        Some(f) if f.fract() == 0.0 && f >= 0.0 && f <= MAX_BURST as f64 => Ok(Some(f as u64)),
        _ => Err(format!("{v} is not a whole number of requests")),
    }
}

/// A `methodSettings` key: the resource path and the method, `None` for `*`.
fn method_key(key: &str) -> Result<(Option<String>, Option<String>), String> {
    let (path, method) = key
        .rsplit_once('/')
        .ok_or("is not <resource path with / written ~1>/<METHOD>, nor */*")?;
    let path = match path {
        "*" => None,
        p if p.starts_with("~1") => Some(unescape(p)?),
        _ => return Err("the resource path must be * or start with ~1 (AWS writes /pets as ~1pets)".into()),
    };
    let method = match method {
        "*" => None,
        m if ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"].contains(&m) => Some(m.to_string()),
        m => return Err(format!("{m:?} is not an HTTP method (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY) nor *")),
    };
    Ok((path, method))
}

/// `~1` is `/` and `~0` is `~`, as in a JSON pointer.
fn unescape(p: &str) -> Result<String, String> {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match (c, c == '~') {
            (_, false) => out.push(c),
            (_, true) => match chars.next() {
                Some('1') => out.push('/'),
                Some('0') => out.push('~'),
                _ => return Err("a ~ must be followed by 1 (for /) or 0 (for ~)".into()),
            },
        }
    }
    Ok(out)
}

/// One `methodSettings` entry: which operations it concerns, how specific it is, what it sets.
struct Setting {
    specificity: u8,
    /// Operation indices, ascending.
    operations: Vec<usize>,
    throttle: Partial,
}

fn setting(key: &str, value: &Value, api: &Api) -> Result<Setting, (String, String)> {
    let field = |f: &str| format!("stageSettings.methodSettings.{key}{f}");
    let (path, method) = method_key(key).map_err(|e| (field(""), e))?;
    let obj = value.as_object().ok_or_else(|| (field(""), "must be an object".to_string()))?;
    let throttle = Partial {
        rate_milli: rate(obj.get("throttlingRateLimit")).map_err(|e| (field(".throttlingRateLimit"), e))?,
        burst: burst(obj.get("throttlingBurstLimit")).map_err(|e| (field(".throttlingBurstLimit"), e))?,
    };
    let operations: Vec<usize> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| path.as_ref().is_none_or(|p| *p == op.resource_path))
        .filter(|(_, op)| method.as_ref().is_none_or(|m| *m == op.method))
        .map(|(i, _)| i)
        .collect();
    if operations.is_empty() && (path.is_some() || method.is_some()) {
        let what = format!("{} {}", method.as_deref().unwrap_or("*"), path.as_deref().unwrap_or("*"));
        return Err((field(""), format!("no method {what} in the definition")));
    }
    let specificity = 2 * u8::from(path.is_some()) + u8::from(method.is_some());
    Ok(Setting { specificity, operations, throttle })
}

/// `accountSettings` (the `aws apigateway get-account` output): the account's throttle, with
/// AWS's defaults for what it leaves out; `None` when a negative value turns it off.
pub fn account(settings: Option<&Value>) -> Result<Option<BucketLimit>, (String, String)> {
    let throttle = match settings {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => match o.get("throttleSettings") {
            None | Some(Value::Null) => None,
            Some(Value::Object(t)) => Some(t),
            Some(_) => return Err(("accountSettings.throttleSettings".into(), "must be an object".into())),
        },
        Some(_) => return Err(("accountSettings".into(), "must be an object (aws apigateway get-account prints one)".into())),
    };
    let Some(t) = throttle else { return Ok(Some(ACCOUNT_DEFAULT)) };
    let negative = |k: &str| t.get(k).and_then(Value::as_f64).is_some_and(|f| f < 0.0);
    if negative("rateLimit") || negative("burstLimit") {
        return Ok(None);
    }
    let rate = rate(t.get("rateLimit")).map_err(|e| ("accountSettings.throttleSettings.rateLimit".into(), e))?;
    let burst = burst(t.get("burstLimit")).map_err(|e| ("accountSettings.throttleSettings.burstLimit".into(), e))?;
    Ok(Some(BucketLimit::new(rate.unwrap_or(ACCOUNT_DEFAULT.rate_milli), burst.unwrap_or(ACCOUNT_DEFAULT.burst))))
}

/// What compiles one deployment's limits.
pub struct DeploymentInput<'a> {
    pub name: &'a str,
    pub stage: &'a str,
    pub account_id: &'a str,
    pub region: &'a str,
    pub api: &'a Api,
    /// `stageSettings`, the `aws apigateway get-stage` output.
    pub stage_settings: Option<&'a Value>,
    pub account: Option<BucketLimit>,
}

/// The deployment's limits, or the field that cannot be used and why; `warnings` gets what is
/// accepted but worth a line at load.
pub fn compile(input: &DeploymentInput, warnings: &mut Vec<String>) -> Result<DeploymentLimits, (String, String)> {
    let api = input.api;
    let mut levels: Vec<Setting> = Vec::new();
    match input.stage_settings {
        None | Some(Value::Null) => {}
        Some(Value::Object(stage)) => {
            if let Some(name) = stage.get("stageName").and_then(Value::as_str).filter(|n| *n != input.stage) {
                warnings.push(format!(
                    "deployment {:?}: stageSettings are stage {name:?}'s, served as stage {:?}",
                    input.name, input.stage
                ));
            }
            for (key, value) in method_settings(stage)? {
                levels.push(setting(key, value, api)?);
            }
        }
        Some(_) => return Err(("stageSettings".into(), "must be an object (aws apigateway get-stage prints one)".into())),
    }
    // Most specific first, so that `or` keeps the most specific value of each field.
    levels.sort_by_key(|s| std::cmp::Reverse(s.specificity));
    let account = input.account.unwrap_or(ACCOUNT_DEFAULT);
    let methods = api
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let set = levels
                .iter()
                .filter(|s| s.operations.binary_search(&i).is_ok())
                .fold(Partial::default(), |acc, s| acc.or(s.throttle));
            (set != Partial::default()).then(|| Counted {
                key: format!("{KEY_PREFIX}s/{}/{}", input.name, op.name),
                limit: BucketLimit::new(set.rate_milli.unwrap_or(account.rate_milli), set.burst.unwrap_or(account.burst)),
            })
        })
        .collect();
    let account = input.account.map(|limit| Counted {
        key: format!("{KEY_PREFIX}a/{}/{}", input.account_id, input.region),
        limit,
    });
    Ok(DeploymentLimits { methods, account })
}

fn method_settings(stage: &Map<String, Value>) -> Result<Vec<(&String, &Value)>, (String, String)> {
    match stage.get("methodSettings") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m.iter().collect()),
        Some(_) => Err(("stageSettings.methodSettings".into(), "must be an object".into())),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use serde_json::json;

    // Keys as AWS writes them.
    #[test]
    fn method_keys() {
        assert_eq!(method_key("*/*"), Ok((None, None)));
        assert_eq!(method_key("~1pets~1{id}/GET"), Ok((Some("/pets/{id}".into()), Some("GET".into()))));
        assert_eq!(method_key("~1/POST"), Ok((Some("/".into()), Some("POST".into()))));
        assert_eq!(method_key("~1a~0b/*"), Ok((Some("/a~b".into()), None)));
        assert!(method_key("pets/GET").is_err());
        assert!(method_key("~1pets/get").is_err());
        assert!(method_key("~1pets").is_err());
        assert!(method_key("~1pets~2/GET").is_err());
        assert!(method_key("~1pets~/GET").is_err());
    }

    // Rates are doubles (milli precision), bursts whole numbers; negative or null is unset.
    #[test]
    fn numbers() {
        assert_eq!(rate(Some(&json!(500.0))), Ok(Some(500_000)));
        assert_eq!(rate(Some(&json!(0.5))), Ok(Some(500)));
        assert_eq!(rate(Some(&json!(10000))), Ok(Some(10_000_000)));
        assert_eq!(rate(Some(&json!(-1.0))), Ok(None));
        assert_eq!(rate(Some(&json!(-1))), Ok(None));
        assert_eq!(rate(Some(&Value::Null)), Ok(None));
        assert!(rate(Some(&json!("10"))).is_err());
        assert!(rate(Some(&json!(1e300))).is_err());
        assert!(rate(Some(&json!(u64::MAX))).is_err());
        assert_eq!(burst(Some(&json!(1000))), Ok(Some(1000)));
        assert_eq!(burst(Some(&json!(5.0))), Ok(Some(5)));
        assert_eq!(burst(Some(&json!(-1))), Ok(None));
        assert!(burst(Some(&json!(5.5))).is_err());
        assert!(burst(Some(&json!(true))).is_err());
        assert!(burst(Some(&json!(2_000_000_000u64))).is_err());
    }

    // get-account's throttleSettings; AWS's defaults when absent; negative turns it off.
    #[test]
    fn account_settings() {
        assert_eq!(account(None), Ok(Some(ACCOUNT_DEFAULT)));
        let printed = json!({"cloudwatchRoleArn": "arn:aws:iam::123456789012:role/x",
            "throttleSettings": {"burstLimit": 100, "rateLimit": 50.0}, "features": ["UsagePlans"], "apiKeyVersion": "4"});
        assert_eq!(account(Some(&printed)), Ok(Some(BucketLimit::new(50_000, 100))));
        assert_eq!(account(Some(&json!({"throttleSettings": {"rateLimit": -1}}))), Ok(None));
        assert_eq!(account(Some(&json!({"throttleSettings": {"burstLimit": 7}}))),
                   Ok(Some(BucketLimit::new(10_000_000, 7))));
        let err = account(Some(&json!({"throttleSettings": {"burstLimit": "x"}}))).unwrap_err();
        assert_eq!(err.0, "accountSettings.throttleSettings.burstLimit");
        assert!(account(Some(&json!([]))).is_err());
    }
}
