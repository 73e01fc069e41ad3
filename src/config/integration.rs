//! `x-amazon-apigateway-integration`: parsed and checked once, templates compiled.

use serde_json::{Map, Value};

use crate::mapping::{Side, Source};
use crate::vtl::Template;

/// The five integration types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationType {
    Mock,
    Http,
    HttpProxy,
    Aws,
    AwsProxy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passthrough {
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

/// An integration's (or integration response's) `contentHandling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Not set: the conversion depends on the payload (and, for responses, on Accept).
    Passthrough,
    ConvertToText,
    ConvertToBinary,
}

pub const CONVERT_TO_TEXT: &str = "CONVERT_TO_TEXT";
pub const CONVERT_TO_BINARY: &str = "CONVERT_TO_BINARY";

impl Handling {
    /// The configured value; the definition check ([`check_content_handling`]) refuses anything else, so an
    /// unknown value cannot reach a request.
    pub fn of(value: Option<&str>) -> Handling {
        match value {
            Some(CONVERT_TO_TEXT) => Handling::ConvertToText,
            Some(CONVERT_TO_BINARY) => Handling::ConvertToBinary,
            _ => Handling::Passthrough,
        }
    }
}

/// Load-time check of a `contentHandling` value: API Gateway accepts only its two strategies.
pub fn check_content_handling(value: Option<&str>) -> Result<(), String> {
    match value {
        None | Some(CONVERT_TO_TEXT) | Some(CONVERT_TO_BINARY) => Ok(()),
        Some(other) => Err(format!("{other:?} is neither {CONVERT_TO_TEXT} nor {CONVERT_TO_BINARY}")),
    }
}

/// A compiled mapping template with its content type.
pub struct NamedTemplate {
    pub content_type: String,
    pub template: Template,
}

/// One entry of `responses`: its key is the selection pattern (`default` for the fallback).
pub struct IntegrationResponse {
    /// The key as written (for logs).
    pub key: String,
    /// `None` for the default response.
    pub pattern: Option<crate::selection::Pattern>,
    pub status: u16,
    /// `method.response.header.<name>` -> source.
    pub parameters: Vec<(String, Source)>,
    pub templates: Vec<NamedTemplate>,
    pub content_handling: Handling,
}

pub struct Integration {
    pub kind: IntegrationType,
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub request_templates: Vec<NamedTemplate>,
    /// `integration.request.<where>.<name>` -> source.
    pub request_parameters: Vec<(String, Source)>,
    pub passthrough: Passthrough,
    pub timeout_ms: u32,
    pub responses: Vec<IntegrationResponse>,
    pub payload_format_version: String,
    pub content_handling: Handling,
    pub credentials: Option<String>,
    pub connection_type: Option<String>,
    /// What the templates read (so requests build only that).
    pub needs: crate::template_env::TemplateNeeds,
    /// Whether anything here (templates, request or response parameters) reads `$context`: when
    /// nothing does, a request skips building it.
    pub uses_context: bool,
}

/// API Gateway's default and maximum integration timeout (29 s), and its minimum (50 ms).
pub const DEFAULT_TIMEOUT_MS: u32 = 29_000;
pub const MIN_TIMEOUT_MS: u32 = 50;

type FieldError = (String, String);

fn err(field: &str, msg: impl Into<String>) -> FieldError {
    (field.to_string(), msg.into())
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, FieldError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(key, "must be a string")),
    }
}

/// `contentHandling`: absent, `CONVERT_TO_TEXT` or `CONVERT_TO_BINARY`; anything else would
/// silently change how bodies are converted, so it is refused.
fn content_handling(obj: &Map<String, Value>) -> Result<Handling, FieldError> {
    let value = opt_str(obj, "contentHandling")?;
    check_content_handling(value.as_deref()).map_err(|e| err("contentHandling", e))?;
    Ok(Handling::of(value.as_deref()))
}

fn templates(
    obj: &Map<String, Value>,
    key: &str,
    needs: &mut crate::template_env::TemplateNeeds,
) -> Result<Vec<NamedTemplate>, FieldError> {
    let mut out = Vec::new();
    let Some(v) = obj.get(key) else { return Ok(out) };
    if v.is_null() {
        return Ok(out);
    }
    let map = v.as_object().ok_or_else(|| err(key, "must be an object"))?;
    for (ct, body) in map {
        let field = format!("{key}.{ct}");
        let text = match body {
            Value::String(s) => s.as_str(),
            // The console exports an empty template as null.
            Value::Null => "",
            _ => return Err(err(&field, "must be a string")),
        };
        let template = Template::compile(text).map_err(|e| err(&field, e.to_string()))?;
        needs.scan(text);
        out.push(NamedTemplate {
            content_type: ct.clone(),
            template,
        });
    }
    Ok(out)
}

fn status(v: &Value, field: &str) -> Result<u16, FieldError> {
    let n = match v {
        Value::String(s) => s.trim().parse::<u16>().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    };
    n.filter(|n| (100..=599).contains(n))
        .ok_or_else(|| err(field, format!("{v} is not a status code 100-599")))
}

/// `type`: one of the five integration types, in any case.
fn integration_type(type_text: &str) -> Result<IntegrationType, FieldError> {
    match type_text.to_ascii_lowercase().as_str() {
        "mock" => Ok(IntegrationType::Mock),
        "http" => Ok(IntegrationType::Http),
        "http_proxy" => Ok(IntegrationType::HttpProxy),
        "aws" => Ok(IntegrationType::Aws),
        "aws_proxy" => Ok(IntegrationType::AwsProxy),
        other => Err(err("type", format!("unknown integration type {other:?}"))),
    }
}

/// `passthroughBehavior`: absent means `WHEN_NO_MATCH`, any case accepted.
fn passthrough_behavior(obj: &Map<String, Value>) -> Result<Passthrough, FieldError> {
    match opt_str(obj, "passthroughBehavior")?
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("when_no_match") => Ok(Passthrough::WhenNoMatch),
        Some("when_no_templates") => Ok(Passthrough::WhenNoTemplates),
        Some("never") => Ok(Passthrough::Never),
        Some(other) => Err(err("passthroughBehavior", format!("unknown value {other:?}"))),
    }
}

/// `timeoutInMillis`: a number (or numeric string) of at least [`MIN_TIMEOUT_MS`]; absent means
/// [`DEFAULT_TIMEOUT_MS`].
fn timeout_millis(obj: &Map<String, Value>) -> Result<u32, FieldError> {
    match obj.get("timeoutInMillis") {
        None | Some(Value::Null) => Ok(DEFAULT_TIMEOUT_MS),
        Some(t) => {
            let n = t
                .as_u64()
                .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| err("timeoutInMillis", format!("{t} is not a number of milliseconds")))?;
            if n < MIN_TIMEOUT_MS {
                return Err(err("timeoutInMillis", format!("{n} is below the minimum of {MIN_TIMEOUT_MS}")));
            }
            Ok(n)
        }
    }
}

/// `requestParameters`: each target is `integration.request.<location>.<name>` with a known
/// location, and a header target must not be one API Gateway reserves.
fn request_parameters(obj: &Map<String, Value>, kind: IntegrationType) -> Result<Vec<(String, Source)>, FieldError> {
    let mut out = Vec::new();
    let Some(p) = obj.get("requestParameters").filter(|p| !p.is_null()) else {
        return Ok(out);
    };
    let p = p.as_object().ok_or_else(|| err("requestParameters", "must be an object"))?;
    for (target, src) in p {
        let field = format!("requestParameters.{target}");
        let src = src.as_str().ok_or_else(|| err(&field, "must be a string"))?;
        let rest = target
            .strip_prefix("integration.request.")
            .ok_or_else(|| err(&field, "the target must start with integration.request."))?;
        let (place, name) = rest
            .split_once('.')
            .ok_or_else(|| err(&field, "the target must be integration.request.<path|querystring|header>.<name>"))?;
        if !matches!(place, "path" | "querystring" | "header" | "multivaluequerystring" | "multivalueheader") {
            return Err(err(&field, format!("unknown target location {place:?}")));
        }
        if place == "header" || place == "multivalueheader" {
            let reserved = crate::headers::is_reserved_request_mapping_target(name, kind == IntegrationType::Aws);
            if reserved {
                return Err(err(&field, format!("the header {name} is reserved and cannot be mapped")));
            }
        }
        let source = Source::parse(src, Side::IntegrationRequest).map_err(|e| err(&field, e))?;
        out.push((target.clone(), source));
    }
    Ok(out)
}

/// `responses`: each entry parsed as an integration response, its errors prefixed by its key.
fn integration_responses(
    obj: &Map<String, Value>,
    needs: &mut crate::template_env::TemplateNeeds,
) -> Result<Vec<IntegrationResponse>, FieldError> {
    let mut out = Vec::new();
    let Some(r) = obj.get("responses").filter(|r| !r.is_null()) else {
        return Ok(out);
    };
    let r = r.as_object().ok_or_else(|| err("responses", "must be an object"))?;
    for (key, spec) in r {
        let field = format!("responses.{key}");
        out.push(IntegrationResponse::parse(key, spec, needs).map_err(|(f, m)| {
            (if f.is_empty() { field.clone() } else { format!("{field}.{f}") }, m)
        })?);
    }
    Ok(out)
}

/// `payloadFormatVersion`: `1.0` (the default) or `2.0`.
fn payload_format_version(obj: &Map<String, Value>) -> Result<String, FieldError> {
    let version = opt_str(obj, "payloadFormatVersion")?.unwrap_or_else(|| "1.0".to_string());
    if !matches!(version.as_str(), "1.0" | "2.0") {
        return Err(err("payloadFormatVersion", format!("{version:?} is neither 1.0 nor 2.0")));
    }
    Ok(version)
}

impl Integration {
    pub fn parse(v: &Value) -> Result<Integration, FieldError> {
        let obj = v.as_object().ok_or_else(|| err("", "must be an object"))?;
        let type_text = opt_str(obj, "type")?.ok_or_else(|| err("type", "is required"))?;
        let kind = integration_type(&type_text)?;
        let http_method = opt_str(obj, "httpMethod")?;
        let uri = opt_str(obj, "uri")?;
        if kind != IntegrationType::Mock && uri.is_none() {
            return Err(err("uri", format!("is required for type {type_text}")));
        }
        let passthrough = passthrough_behavior(obj)?;
        let timeout_ms = timeout_millis(obj)?;
        let request_parameters = request_parameters(obj, kind)?;
        let mut needs = crate::template_env::TemplateNeeds::default();
        let request_templates = templates(obj, "requestTemplates", &mut needs)?;
        let responses = integration_responses(obj, &mut needs)?;
        let payload_format_version = payload_format_version(obj)?;
        let uses_context = needs.all_context
            || !needs.context_keys.is_empty()
            || responses
                .iter()
                .flat_map(|r| r.parameters.iter())
                .chain(request_parameters.iter())
                .any(|(_, s)| matches!(s, Source::Context(_)));
        Ok(Integration {
            kind,
            http_method,
            uri,
            request_templates,
            needs,
            uses_context,
            request_parameters,
            passthrough,
            timeout_ms,
            responses,
            payload_format_version,
            content_handling: content_handling(obj)?,
            credentials: opt_str(obj, "credentials")?,
            connection_type: opt_str(obj, "connectionType")?,
        })
    }

    /// The integration response for a selection value: the first pattern that matches the whole
    /// value, else the default one.
    pub fn select_response(&self, value: &str) -> Option<&IntegrationResponse> {
        self.responses
            .iter()
            .find(|r| r.pattern.as_ref().is_some_and(|p| p.matches(value)))
            .or_else(|| self.responses.iter().find(|r| r.pattern.is_none()))
    }

    /// Whether any template of this integration reads the request body.
    pub fn templates_use_body(&self) -> bool {
        self.request_templates.iter().any(|t| t.template.uses_body())
            || self
                .responses
                .iter()
                .flat_map(|r| r.templates.iter())
                .any(|t| t.template.uses_body())
    }
}

impl IntegrationResponse {
    fn parse(
        key: &str,
        v: &Value,
        needs: &mut crate::template_env::TemplateNeeds,
    ) -> Result<IntegrationResponse, FieldError> {
        let obj = v.as_object().ok_or_else(|| err("", "must be an object"))?;
        let status_value = obj.get("statusCode").ok_or_else(|| err("statusCode", "is required"))?;
        let status = status(status_value, "statusCode")?;
        // Exports key responses by their selection pattern; an explicit selectionPattern wins.
        let pattern_text = match opt_str(obj, "selectionPattern")? {
            Some(p) => Some(p),
            None if key == "default" => None,
            None => Some(key.to_string()),
        };
        let pattern = match pattern_text {
            None => None,
            Some(p) => Some(crate::selection::Pattern::compile(&p).map_err(|e| err("selectionPattern", e))?),
        };
        let mut parameters = Vec::new();
        if let Some(p) = obj.get("responseParameters").filter(|p| !p.is_null()) {
            let p = p.as_object().ok_or_else(|| err("responseParameters", "must be an object"))?;
            for (target, src) in p {
                let field = format!("responseParameters.{target}");
                let name = target
                    .strip_prefix("method.response.header.")
                    .ok_or_else(|| err(&field, "the target must be method.response.header.<name>"))?;
                let src = src.as_str().ok_or_else(|| err(&field, "must be a string"))?;
                let source = Source::parse(src, Side::IntegrationResponse).map_err(|e| err(&field, e))?;
                parameters.push((name.to_string(), source));
            }
        }
        Ok(IntegrationResponse {
            key: key.to_string(),
            pattern,
            status,
            parameters,
            templates: templates(obj, "responseTemplates", needs)?,
            content_handling: content_handling(obj)?,
        })
    }
}
