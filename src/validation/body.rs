//! Body models per Content-Type (AWS docs: "Request validation for REST APIs in API Gateway":
//! the payload must follow the method's model for its content type; with no model for that type
//! the body is not validated; a model for `$default` applies to every other type).
//!
//! Declared as Swagger 2's `in: body` parameter (its `schema`, for each type of the operation's
//! `consumes`, else the root's, else `application/json`) or OpenAPI 3's
//! `requestBody.content.<type>.schema` (a `requestBody` `$ref` resolved). The request's type is
//! its Content-Type's media type, parameters ignored, case-insensitive; a missing Content-Type
//! counts as `application/json` (access-control §6).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use super::parameters::Declared;
use super::pointer;
use super::schema::{self, messages, Schema, SchemaError, Verdict};
use super::Outcome;

/// The type a request without Content-Type has.
pub const DEFAULT_CONTENT_TYPE: &str = "application/json";
/// The content type whose model applies to every type without one of its own.
pub const ANY_CONTENT_TYPE: &str = "$default";
/// Validation steps every body may take, plus [`STEPS_PER_BODY_BYTE`] per byte. A JSON value
/// takes at least two bytes in a list (`1,`), and a usual schema visits each value once or twice,
/// so a legitimate body stays within the budget; a schema of nested combinators over a recursive
/// model can make the work exponential in the body's depth, and the budget stops that. Measured
/// natively (release), a step costs about 0.25 µs: at most about 60 ms for a small body and
/// 2.5 s for a 10 MB one, for the worst schema.
pub const STEPS_BASE: u64 = 250_000;
pub const STEPS_PER_BODY_BYTE: u64 = 1;
/// What AWS logs when a model cannot be used (access-control §6).
pub const BROKEN_LOG: &str = "Request body validation failed due to an unexpected error";

/// One content type's model.
#[derive(Debug, Clone)]
pub enum Model {
    Schema(Arc<Schema>),
    /// AWS accepts the model but cannot validate with it (why): the request gets 500.
    Unusable(Arc<str>),
}

/// The models of one operation.
#[derive(Debug, Clone, Default)]
pub struct BodyModels {
    /// Lower-case media type -> model.
    by_type: Vec<(String, Model)>,
    /// The `$default` model.
    fallback: Option<Model>,
}

/// The media type of a Content-Type: `Application/JSON; charset=utf-8` -> `application/json`.
pub fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

impl BodyModels {
    fn add(&mut self, content_type: &str, model: Model) {
        let key = media_type(content_type);
        if key == ANY_CONTENT_TYPE {
            self.fallback.get_or_insert(model);
        } else if !self.by_type.iter().any(|(k, _)| *k == key) {
            self.by_type.push((key, model));
        }
    }

    /// The model for a request's Content-Type (`None`: the body is not validated).
    pub fn model_for(&self, content_type: Option<&str>) -> Option<&Model> {
        let key = match content_type.map(media_type) {
            Some(t) if !t.is_empty() => t,
            _ => DEFAULT_CONTENT_TYPE.to_string(),
        };
        self.by_type.iter().find(|(k, _)| *k == key).map(|(_, m)| m).or(self.fallback.as_ref())
    }

    /// Content types with a model of their own, and the models.
    pub fn models(&self) -> impl Iterator<Item = (&str, &Model)> {
        let fallback = self.fallback.iter().map(|m| (ANY_CONTENT_TYPE, m));
        self.by_type.iter().map(|(k, m)| (k.as_str(), m)).chain(fallback)
    }

    /// Validates a body: the model of its Content-Type, if any, against the body parsed as JSON.
    /// An empty or unparsable body fails against every model.
    pub fn check(&self, content_type: Option<&str>, body: &[u8]) -> Outcome {
        let schema = match self.model_for(content_type) {
            None => return Outcome::Ok,
            Some(Model::Unusable(why)) => return Outcome::Broken(format!("{BROKEN_LOG}: {why}")),
            Some(Model::Schema(s)) => s,
        };
        let Some(instance) = parse(body) else {
            return Outcome::BadBody { validation_error_string: format!("[{}]", messages::UNPARSABLE_BODY) };
        };
        let steps = STEPS_BASE.saturating_add(STEPS_PER_BODY_BYTE.saturating_mul(body.len() as u64));
        match schema.validate(&instance, steps) {
            Verdict::Valid => Outcome::Ok,
            Verdict::Invalid(list) => Outcome::BadBody { validation_error_string: format!("[{}]", list.join(", ")) },
            Verdict::Aborted(why) => Outcome::Broken(format!("{BROKEN_LOG}: {why}")),
        }
    }
}

/// The body's first JSON value [open: what follows it is ignored, as Jackson's `readTree`, which
/// AWS's validator reads with, ignores trailing content]. Bodies nested deeper than serde_json's
/// limit (128) are unparsable.
fn parse(body: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Value::deserialize(&mut de).ok()
}

/// The definition's models, each compiled once however many operations use it.
pub(super) struct Models<'d> {
    pub doc: &'d Value,
    cache: HashMap<String, Model>,
}

impl<'d> Models<'d> {
    pub fn new(doc: &'d Value) -> Models<'d> {
        Models { doc, cache: HashMap::new() }
    }

    /// The model of a schema found at `field`; a schema that is only a `$ref` is cached by it.
    fn model(&mut self, schema_value: &Value, field: &str) -> Result<Model, (String, String)> {
        let key = schema_value.get("$ref").and_then(Value::as_str).map(str::to_string);
        if let Some(m) = key.as_ref().and_then(|k| self.cache.get(k)) {
            return Ok(m.clone());
        }
        let model = match schema::compile(self.doc, schema_value, field) {
            Ok(s) => Model::Schema(Arc::new(s)),
            Err(SchemaError::Unusable(why)) => Model::Unusable(why.into()),
            Err(SchemaError::Refused { field, message }) => return Err((field, message)),
        };
        if let Some(k) = key {
            self.cache.insert(k, model.clone());
        }
        Ok(model)
    }

    /// The body models of an operation (`declared`: its parameters, for Swagger 2's body).
    pub fn operation(&mut self, declared: &[Declared<'_>], op: &Value) -> Result<Option<BodyModels>, (String, String)> {
        let mut out = BodyModels::default();
        if let Some(request_body) = op.get("requestBody").filter(|v| !v.is_null()) {
            let (request_body, field) = match request_body.get("$ref") {
                Some(Value::String(r)) => (
                    pointer::resolve(self.doc, r).ok_or_else(|| {
                        ("requestBody.$ref".to_string(), format!("{r:?} names no request body in the definition"))
                    })?,
                    pointer::field_of(r),
                ),
                _ => (request_body, "requestBody".to_string()),
            };
            let content = match request_body.get("content") {
                None | Some(Value::Null) => return Ok(None),
                Some(Value::Object(c)) => c,
                Some(_) => return Err((format!("{field}.content"), "must be an object".to_string())),
            };
            for (content_type, media) in content {
                if let Some(schema_value) = media.get("schema") {
                    let model = self.model(schema_value, &format!("{field}.content.{content_type}.schema"))?;
                    out.add(content_type, model);
                }
            }
        } else if let Some(body) = declared.iter().find(|d| d.location() == Some("body")) {
            if let Some(schema_value) = body.value.get("schema") {
                let model = self.model(schema_value, &format!("{}.schema", body.field))?;
                for content_type in consumes(self.doc, op) {
                    out.add(content_type, model.clone());
                }
            }
        }
        Ok((!out.by_type.is_empty() || out.fallback.is_some()).then_some(out))
    }
}

/// Swagger 2's `consumes`: the operation's, else the root's, else `application/json`.
fn consumes<'v>(root: &'v Value, op: &'v Value) -> Vec<&'v str> {
    let list = |v: Option<&'v Value>| -> Vec<&'v str> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let own = list(op.get("consumes"));
    if !own.is_empty() {
        return own;
    }
    let global = list(root.get("consumes"));
    if !global.is_empty() {
        return global;
    }
    vec![DEFAULT_CONTENT_TYPE]
}
