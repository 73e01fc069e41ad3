//! A Lambda authorizer's answer (AWS docs: "Output from an API Gateway Lambda authorizer"), and
//! what the client gets when it refuses.
//!
//! The answer is `{"principalId": .., "policyDocument": {..}, "context": {..},
//! "usageIdentifierKey": ..}`. Outcomes (the repository's notes on authorizers):
//! - a function error (`X-Amz-Function-Error` on the Invoke answer, as [`crate::lambda_response`]
//!   reads it) whose `errorMessage` is exactly `Unauthorized` → 401 `{"message":"Unauthorized"}`
//!   (UNAUTHORIZED). An object with `errorMessage` and no `policyDocument` counts as a function
//!   error too: local Invoke emulators do not all set the header;
//! - any other function error, an answer that is not a JSON object, no `policyDocument` or one IAM
//!   would refuse ([`Policy::parse`]), no `principalId` or an empty one, a `context` value that is
//!   an object or a list → 500 `{"message": null}` (AUTHORIZER_CONFIGURATION_ERROR);
//! - otherwise the policy decides per request ([`Authorized::decide`]): an explicit Deny → 403
//!   `{"Message":"User is not authorized to access this resource with an explicit deny"}`, no
//!   Allow → 403 `{"Message":"User is not authorized to access this resource"}` (ACCESS_DENIED,
//!   capital `M` as AWS sends it).
//!
//! Choices where AWS documents nothing: `principalId` must be a string (AWS documents one; a
//! number is refused rather than silently accepted here and refused on AWS); a `context` value
//! `null` is left out; `usageIdentifierKey` must be a string when present.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::policy::{Caller, Decision, Policy, PolicyRequest, INVOKE_ACTION};
use crate::gateway_responses::{ErrorContext, GatewayResponses, ResponseType};
use crate::http::Response;

/// What a successful answer grants: kept in the cache as it is (the policy, never a verdict).
#[derive(Debug, Clone, PartialEq)]
pub struct Authorized {
    /// `$context.authorizer.principalId`.
    pub principal_id: String,
    pub policy: Policy,
    /// `$context.authorizer.<key>` and the proxy event's `requestContext.authorizer`: every value a
    /// string (`1` → `"1"`, `true` → `"true"`), in the answer's order.
    pub context: Vec<(String, String)>,
    /// The API key for usage plans when the API's key source is `AUTHORIZER`.
    pub usage_identifier_key: Option<String>,
}

/// Why the answer grants nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The function failed with the message `Unauthorized`: 401.
    Unauthorized,
    /// Anything else wrong with the function or its answer: 500. The reason is for the log.
    ConfigurationError(String),
}

impl Authorized {
    /// Evaluates the cached or fresh policy for one request's method ARN.
    pub fn decide(&self, method_arn: &str, source_ip: Option<IpAddr>) -> Decision {
        self.policy.evaluate(&PolicyRequest {
            action: INVOKE_ACTION,
            resource: method_arn,
            caller: Caller::Anonymous,
            source_ip,
        })
    }
}

fn config(reason: impl Into<String>) -> Failure {
    Failure::ConfigurationError(reason.into())
}

/// Parses the Invoke API's answer. `function_error`: the answer had `X-Amz-Function-Error`.
pub fn parse(payload: &[u8], function_error: bool) -> Result<Authorized, Failure> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| config(format!("the answer is not JSON ({e})")))?;
    let is_error_object = value
        .as_object()
        .is_some_and(|o| o.contains_key("errorMessage") && !o.contains_key("policyDocument"));
    if function_error || is_error_object {
        return Err(function_failure(&value));
    }
    let Value::Object(answer) = value else {
        return Err(config(format!("the answer is not a JSON object but {}", kind(&value))));
    };
    let principal_id = match answer.get("principalId") {
        Some(Value::String(p)) if !p.is_empty() => p.clone(),
        Some(Value::String(_)) => return Err(config("principalId is empty")),
        None | Some(Value::Null) => return Err(config("no principalId")),
        Some(other) => return Err(config(format!("principalId is not a string but {}", kind(other)))),
    };
    let policy = match answer.get("policyDocument") {
        None | Some(Value::Null) => return Err(config("no policyDocument")),
        Some(doc) => Policy::parse(doc).map_err(|e| config(format!("policyDocument: {e}")))?,
    };
    let context = match answer.get("context") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => context_values(map)?,
        Some(other) => return Err(config(format!("context is not an object but {}", kind(other)))),
    };
    let usage_identifier_key = match answer.get("usageIdentifierKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(other) => return Err(config(format!("usageIdentifierKey is not a string but {}", kind(other)))),
    };
    Ok(Authorized { principal_id, policy, context, usage_identifier_key })
}

/// A function error: `Unauthorized` exactly, or a configuration error.
fn function_failure(value: &Value) -> Failure {
    match value.get("errorMessage") {
        Some(Value::String(m)) if m == "Unauthorized" => Failure::Unauthorized,
        Some(Value::String(m)) => config(format!("function error: {}", short(m))),
        _ => config(format!("function error: {}", short(&value.to_string()))),
    }
}

/// Context values as strings; objects and lists are refused, `null` left out.
fn context_values(map: &Map<String, Value>) -> Result<Vec<(String, String)>, Failure> {
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            Value::Array(_) | Value::Object(_) => {
                return Err(config(format!("context.{key} is {}: only strings, numbers and booleans", kind(value))))
            }
        };
        out.push((key.clone(), text));
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// At most 200 characters of a text, for a log line.
fn short(text: &str) -> String {
    const LIMIT: usize = 200;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", text.get(..cut).unwrap_or("")),
        None => text.to_string(),
    }
}

/// A refusal as a gateway response: its type and `$context.error.message` (`None`: JSON null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub response_type: ResponseType,
    pub message: Option<String>,
}

impl Refusal {
    /// 401 `{"message":"Unauthorized"}`: identity missing or not valid ([`super::identity::NotCalled`]),
    /// or the function said `Unauthorized`.
    pub fn unauthorized() -> Refusal {
        Refusal { response_type: ResponseType::Unauthorized, message: Some("Unauthorized".to_string()) }
    }

    /// The refusal for a failed answer.
    pub fn from_failure(failure: &Failure) -> Refusal {
        match failure {
            Failure::Unauthorized => Refusal::unauthorized(),
            Failure::ConfigurationError(_) => {
                Refusal { response_type: ResponseType::AuthorizerConfigurationError, message: None }
            }
        }
    }

    /// The refusal for an authorizer policy's decision; `None` for Allow.
    pub fn from_decision(decision: Decision) -> Option<Refusal> {
        let message = match decision {
            Decision::Allow => return None,
            Decision::ExplicitDeny => "User is not authorized to access this resource with an explicit deny",
            Decision::NotAllowed => "User is not authorized to access this resource",
        };
        Some(Refusal { response_type: ResponseType::AccessDenied, message: Some(message.to_string()) })
    }

    /// The refusal for a resource policy's decision (`None` for Allow): "User: anonymous is not
    /// authorized to perform: execute-api:Invoke on resource: <arn>", with " with an explicit
    /// deny" after an explicit Deny (AWS Knowledge Center: "How do I troubleshoot HTTP 403
    /// Forbidden errors when using a Lambda authorizer with an API Gateway REST API?").
    pub fn from_resource_policy(decision: Decision, caller: &Caller, method_arn: &str) -> Option<Refusal> {
        let user = match caller {
            Caller::Anonymous => "anonymous",
            Caller::Iam { arn, .. } => arn,
        };
        let explicit = match decision {
            Decision::Allow => return None,
            Decision::ExplicitDeny => " with an explicit deny",
            Decision::NotAllowed => "",
        };
        let message = format!("User: {user} is not authorized to perform: {INVOKE_ACTION} on resource: {method_arn}{explicit}");
        Some(Refusal { response_type: ResponseType::AccessDenied, message: Some(message) })
    }

    /// `(type, message)` for [`GatewayResponses::render`]; `None` is JSON null.
    pub fn response(&self) -> (ResponseType, Option<&str>) {
        (self.response_type, self.message.as_deref())
    }

    /// AWS's body when the type is not customised: ACCESS_DENIED writes `Message` (capital M),
    /// 5xx bodies have a space after the colon, a missing message is `null`.
    pub fn default_body(&self) -> String {
        let message = self.message.as_ref().map_or(Value::Null, |m| Value::String(m.clone()));
        match self.response_type {
            ResponseType::AccessDenied => format!("{{\"Message\":{message}}}"),
            t if t.default_status() >= 500 => format!("{{\"message\": {message}}}"),
            _ => format!("{{\"message\":{message}}}"),
        }
    }

    /// The response: [`GatewayResponses::render`]'s status and headers, with [`Self::default_body`]
    /// when the type is not customised. `render` takes a message as text, so a customised template
    /// sees a null message as `""` (its `$context.error.messageString` is `""`, AWS's `null`).
    pub fn render(&self, responses: &GatewayResponses, ctx: &ErrorContext) -> Response {
        let mut response = responses.render(self.response_type, self.message.as_deref().unwrap_or(""), ctx);
        if responses.is_default(self.response_type) {
            response.body = self.default_body().into_bytes();
        }
        response
    }

    /// `x-amzn-ErrorType`: [`ResponseType::error_type`].
    pub fn error_type(&self) -> &'static str {
        self.response_type.error_type()
    }
}

#[cfg(test)]
mod tests;
