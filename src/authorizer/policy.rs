//! IAM policy documents, compiled once and evaluated per request: the policy a Lambda authorizer
//! returns, and an API's resource policy (`x-amazon-apigateway-policy`).
//!
//! Evaluation as IAM's (AWS docs: IAM policy evaluation logic; "Use API Gateway Lambda
//! authorizers"): a matching `Deny` wins, else a matching `Allow` allows, else the request is not
//! allowed. A statement matches when its principal (resource policies), action and resource match
//! and its `Condition` holds. `*` and `?` are wildcards ([`super::glob`]); actions ignore case.
//!
//! **Conditions off AWS.** Only `IpAddress` / `NotIpAddress` on `aws:SourceIp` can be evaluated
//! here (the client address the gateway is given). Any other operator or key (`aws:SourceVpc`,
//! `aws:SourceVpce`, `aws:PrincipalOrgID`, `...IfExists`, `ForAnyValue:...`) needs AWS's request
//! context, so its outcome is unknown, and an unknown outcome fails closed: a `Deny` that might
//! apply applies, an `Allow` that needs it does not allow. The keys of a `Condition` block all
//! must hold (IAM ANDs them), so one that is known to fail decides the block even beside an unknown
//! one. Without a source address, `aws:SourceIp` is unknown too. Ignoring such a statement would
//! serve open what AWS protects (the repository's notes, resource policies).
//!
//! Parsing is strict, as IAM's: an unknown element, an `Effect` other than `Allow`/`Deny`, or a
//! statement without its action or resource is refused (a misspelt `Condition` must not widen an
//! `Allow`). The refusal names the element: `Statement[1].Effect: ...`.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::cidr::Cidr;
use super::event::ApiArn;
use super::glob::{lower_chars, Glob};

/// The action every API call is checked for.
pub const INVOKE_ACTION: &str = "execute-api:Invoke";
/// Most characters of patterns (actions, resources, principals, ranges) one policy may hold, each
/// counted with one more: bounds the work of one evaluation (AWS bounds policies by size too).
pub const MAX_POLICY_PATTERN_CHARS: usize = 32 * 1024;

/// A compiled policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    statements: Vec<Statement>,
}

/// The outcome of evaluating a policy for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A `Deny` matched (403 "... with an explicit deny").
    ExplicitDeny,
    /// No `Allow` matched (403 "... not authorized ...").
    NotAllowed,
}

/// Who calls: nobody signed (a Lambda authorizer's caller, or a resource policy without IAM), or
/// an IAM principal (once SigV4 on incoming requests is checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'a> {
    Anonymous,
    Iam { account_id: &'a str, arn: &'a str },
}

/// What a policy is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct PolicyRequest<'a> {
    /// Usually [`INVOKE_ACTION`].
    pub action: &'a str,
    /// The method ARN ([`ApiArn::method_arn`]).
    pub resource: &'a str,
    pub caller: Caller<'a>,
    /// `aws:SourceIp`; `None` when the gateway does not know it (conditions on it are unknown).
    pub source_ip: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// `Action` / `NotAction`, `Resource` / `NotResource`, `Principal` / `NotPrincipal`: the listed
/// items, and whether the `Not` form inverts them.
#[derive(Debug, Clone, PartialEq)]
struct Items<T> {
    not: bool,
    items: Vec<T>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Principal {
    /// `"*"`, `{"AWS": "*"}`: everyone, anonymous callers included.
    Anyone,
    /// A 12-digit account id or `arn:aws:iam::{account}:root`: any principal of that account.
    Account(String),
    /// Another IAM ARN, compared exactly (IAM allows no wildcard in principals).
    Arn(String),
    /// `Service`, `Federated`, `CanonicalUser`: never an API caller.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    /// `IpAddress` (`not: false`) or `NotIpAddress` on `aws:SourceIp`.
    SourceIp { not: bool, ranges: Vec<Cidr> },
    /// Anything that needs AWS to evaluate; the operator and key, for logs.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Statement {
    effect: Effect,
    principal: Option<Items<Principal>>,
    action: Items<Glob>,
    resource: Items<Glob>,
    conditions: Vec<Condition>,
}

/// Three-valued outcome of a `Condition` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

/// What kind of policy is parsed.
#[derive(Clone, Copy)]
enum Kind<'a> {
    /// A Lambda authorizer's: no principal (it is the caller's own policy).
    Identity,
    /// An API's resource policy: a principal is required; `execute-api:/...` resources expand to
    /// this API's ARN.
    Resource(&'a ApiArn<'a>),
}

impl Policy {
    /// A Lambda authorizer's `policyDocument`.
    pub fn parse(document: &Value) -> Result<Policy, String> {
        parse_document(document, Kind::Identity)
    }

    /// An API's resource policy (`x-amazon-apigateway-policy`, an object or its JSON text).
    /// `execute-api:/{stage}/{METHOD}/{path}` resources become `{api ARN}/{stage}/...`, as AWS's
    /// import does (AWS docs: x-amazon-apigateway-policy).
    pub fn parse_resource_policy(document: &Value, api: &ApiArn) -> Result<Policy, String> {
        match document {
            Value::String(text) => {
                let parsed: Value = serde_json::from_str(text).map_err(|e| format!("not a JSON policy document: {e}"))?;
                parse_document(&parsed, Kind::Resource(api))
            }
            other => parse_document(other, Kind::Resource(api)),
        }
    }

    /// Evaluates the policy: an explicit `Deny` wins, else some `Allow` must match.
    pub fn evaluate(&self, request: &PolicyRequest) -> Decision {
        let action = lower_chars(request.action);
        let resource: Vec<char> = request.resource.chars().collect();
        let source_ip = request.source_ip.map(super::cidr::normalize);
        let mut allowed = false;
        for s in &self.statements {
            let applies = s.principal.as_ref().is_none_or(|p| p.matches(|p| p.matches(&request.caller)))
                && s.action.matches(|g| g.matches(&action))
                && s.resource.matches(|g| g.matches(&resource));
            if !applies {
                continue;
            }
            match (s.effect, conditions_hold(&s.conditions, source_ip)) {
                (Effect::Deny, Truth::True | Truth::Unknown) => return Decision::ExplicitDeny,
                (Effect::Allow, Truth::True) => allowed = true,
                _ => {}
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::NotAllowed
        }
    }

    /// Whether some statement depends on a condition that cannot be evaluated here (for a warning
    /// at load: such statements fail closed).
    pub fn unknown_conditions(&self) -> Vec<&str> {
        let all = self.statements.iter().flat_map(|s| &s.conditions);
        all.filter_map(|c| match c {
            Condition::Unknown(what) => Some(what.as_str()),
            Condition::SourceIp { .. } => None,
        })
        .collect()
    }
}

impl<T> Items<T> {
    /// Whether the element matches: one item matches, or (its `Not` form) none does.
    fn matches(&self, item_matches: impl Fn(&T) -> bool) -> bool {
        self.items.iter().any(item_matches) != self.not
    }
}

impl Principal {
    fn matches(&self, caller: &Caller) -> bool {
        match (self, caller) {
            (Principal::Anyone, _) => true,
            (Principal::Account(a), Caller::Iam { account_id, .. }) => a == account_id,
            (Principal::Arn(a), Caller::Iam { arn, .. }) => a == arn,
            _ => false,
        }
    }
}

/// A `Condition` block: every condition must hold; one known to fail decides it.
fn conditions_hold(conditions: &[Condition], source_ip: Option<IpAddr>) -> Truth {
    let mut truth = Truth::True;
    for c in conditions {
        let one = match (c, source_ip) {
            (Condition::SourceIp { not, ranges }, Some(ip)) => {
                if ranges.iter().any(|r| r.contains(ip)) != *not {
                    Truth::True
                } else {
                    Truth::False
                }
            }
            (Condition::SourceIp { .. }, None) | (Condition::Unknown(_), _) => Truth::Unknown,
        };
        match one {
            Truth::False => return Truth::False,
            Truth::Unknown => truth = Truth::Unknown,
            Truth::True => {}
        }
    }
    truth
}

/// Remaining pattern characters a policy may use.
struct Budget(usize);

impl Budget {
    fn spend(&mut self, chars: usize, at: &str) -> Result<(), String> {
        self.0 = self.0.checked_sub(chars.saturating_add(1)).ok_or_else(|| {
            format!("{at}: the policy holds more than {MAX_POLICY_PATTERN_CHARS} pattern characters (MAX_POLICY_PATTERN_CHARS)")
        })?;
        Ok(())
    }
}

fn parse_document(document: &Value, kind: Kind) -> Result<Policy, String> {
    let doc = document.as_object().ok_or("the policy document must be a JSON object")?;
    if let Some(key) = doc.keys().find(|k| !["Version", "Id", "Statement"].contains(&k.as_str())) {
        return Err(format!("{key}: not a policy element (Version, Id, Statement)"));
    }
    match doc.get("Version") {
        None => {}
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        Some(other) => return Err(format!("Version: {other} is not \"2012-10-17\" or \"2008-10-17\"")),
    }
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err("Statement: required, an object or a list of objects".to_string()),
    };
    let mut budget = Budget(MAX_POLICY_PATTERN_CHARS);
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, s)| parse_statement(s, kind, &format!("Statement[{i}]"), &mut budget))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy { statements })
}

const STATEMENT_KEYS: [&str; 9] =
    ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

fn parse_statement(value: &Value, kind: Kind, at: &str, budget: &mut Budget) -> Result<Statement, String> {
    let s = value.as_object().ok_or_else(|| format!("{at}: must be an object"))?;
    if let Some(key) = s.keys().find(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
        return Err(format!("{at}.{key}: not a statement element"));
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(format!("{at}.Effect: must be \"Allow\" or \"Deny\"")),
    };
    let principal = match (kind, pair(s, "Principal", at)?) {
        (Kind::Identity, None) => None,
        (Kind::Identity, Some(_)) => {
            return Err(format!("{at}.Principal: an authorizer's policy names no principal (it is the caller's own)"))
        }
        (Kind::Resource(_), None) => return Err(format!("{at}.Principal: required in a resource policy")),
        (Kind::Resource(_), Some((not, v, name))) => Some(principals(v, not, &format!("{at}.{name}"), budget)?),
    };
    let (not, v, name) = pair(s, "Action", at)?.ok_or_else(|| format!("{at}.Action: required"))?;
    let action = globs(v, not, true, None, &format!("{at}.{name}"), budget)?;
    let (not, v, name) = pair(s, "Resource", at)?.ok_or_else(|| format!("{at}.Resource: required"))?;
    let api = match kind {
        Kind::Resource(api) => Some(api),
        Kind::Identity => None,
    };
    let resource = globs(v, not, false, api, &format!("{at}.{name}"), budget)?;
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => conditions(c, &format!("{at}.Condition"), budget)?,
    };
    Ok(Statement { effect, principal, action, resource, conditions })
}

/// `X` or `NotX` (never both): `(is Not, value, element name)`.
fn pair<'v>(s: &'v Map<String, Value>, name: &str, at: &str) -> Result<Option<(bool, &'v Value, String)>, String> {
    let not_name = format!("Not{name}");
    match (s.get(name), s.get(&not_name)) {
        (Some(_), Some(_)) => Err(format!("{at}: {name} and {not_name} together")),
        (Some(v), None) => Ok(Some((false, v, name.to_string()))),
        (None, Some(v)) => Ok(Some((true, v, not_name))),
        (None, None) => Ok(None),
    }
}

/// A string or a list of strings.
fn strings<'v>(value: &'v Value, at: &str) -> Result<Vec<&'v str>, String> {
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(list) => list
            .iter()
            .map(|v| v.as_str().ok_or_else(|| format!("{at}: {v} is not a string")))
            .collect(),
        other => Err(format!("{at}: {other} is not a string or a list of strings")),
    }
}

/// Action or resource patterns; `api` expands `execute-api:/...` resources.
fn globs(value: &Value, not: bool, ignore_case: bool, api: Option<&ApiArn>, at: &str, budget: &mut Budget) -> Result<Items<Glob>, String> {
    let mut items = Vec::new();
    for text in strings(value, at)? {
        let expanded = match (api, text.strip_prefix("execute-api:")) {
            (Some(api), Some(rest)) if rest.starts_with('/') => format!("{}{rest}", api.prefix()),
            _ => text.to_string(),
        };
        let glob = Glob::new(&expanded, ignore_case);
        budget.spend(expanded.chars().count(), at)?;
        items.push(glob);
    }
    Ok(Items { not, items })
}

fn principals(value: &Value, not: bool, at: &str, budget: &mut Budget) -> Result<Items<Principal>, String> {
    let mut items = Vec::new();
    match value {
        Value::String(s) if s == "*" => items.push(Principal::Anyone),
        Value::Object(map) => {
            for (kind, list) in map {
                for p in strings(list, &format!("{at}.{kind}"))? {
                    budget.spend(p.len(), at)?;
                    items.push(if kind == "AWS" { aws_principal(p) } else { Principal::Other });
                }
            }
        }
        other => return Err(format!("{at}: {other} is not \"*\" or an object such as {{\"AWS\": [...]}}")),
    }
    Ok(Items { not, items })
}

fn aws_principal(p: &str) -> Principal {
    if p == "*" {
        return Principal::Anyone;
    }
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Principal::Account(p.to_string());
    }
    let root_account = p
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":iam::"))
        .and_then(|(_, r)| r.strip_suffix(":root"));
    match root_account {
        Some(account) => Principal::Account(account.to_string()),
        None => Principal::Arn(p.to_string()),
    }
}

/// `{"Operator": {"key": value or [values]}}`.
fn conditions(value: &Value, at: &str, budget: &mut Budget) -> Result<Vec<Condition>, String> {
    let ops = value.as_object().ok_or_else(|| format!("{at}: must be an object"))?;
    let mut out = Vec::new();
    for (op, keys) in ops {
        let keys = keys.as_object().ok_or_else(|| format!("{at}.{op}: must be an object"))?;
        for (key, values) in keys {
            let here = format!("{at}.{op}.{key}");
            let values = strings(values, &here)?;
            let not = match op.as_str() {
                "IpAddress" => false,
                "NotIpAddress" => true,
                _ => {
                    out.push(Condition::Unknown(format!("{op} {key}")));
                    continue;
                }
            };
            if !key.eq_ignore_ascii_case("aws:SourceIp") {
                out.push(Condition::Unknown(format!("{op} {key}")));
                continue;
            }
            let mut ranges = Vec::with_capacity(values.len());
            for v in values {
                budget.spend(v.len(), &here)?;
                ranges.push(Cidr::parse(v).map_err(|e| format!("{here}: {e}"))?);
            }
            out.push(Condition::SourceIp { not, ranges });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
