//! Request validation: API Gateway's request validators (AWS docs: "Request validation for REST
//! APIs in API Gateway"; access-control §6), the host-independent core.
//!
//! At configure time a [`Compiler`] reads the definition's validators once, then compiles each
//! operation into a [`Validation`]: the required parameters and the body models per content type
//! (JSON Schema draft 4, [`schema`]). At request time, after the route, auth, API keys and
//! throttling (access-control §1), [`Validation::check_parameters`] runs on the request head and,
//! when it passes, [`Validation::check_body`] on the whole body; the first that refuses answers,
//! and nothing after it runs.
//!
//! Refused at load (an error naming the operation and field, like the rest of the definition): an
//! unknown validator name, a malformed validators map, a parameter or request body `$ref` that
//! names nothing, a model AWS's import refuses ([`schema::SchemaError::Refused`]). Only what an
//! operation's validator checks is compiled: a model of an operation that does not validate its
//! body is not read.

mod body;
mod parameters;
pub mod pointer;
pub mod schema;
mod validators;

use serde_json::Value;

pub use body::{media_type, BodyModels, Model, ANY_CONTENT_TYPE, BROKEN_LOG, DEFAULT_CONTENT_TYPE};
pub use parameters::RequiredParameters;
pub use validators::{Flags, RequestValidators, VALIDATORS_KEY, VALIDATOR_KEY};

/// What a request's validation says; the gateway maps each to its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// 400, gateway response BAD_REQUEST_PARAMETERS, this message
    /// (`Missing required request parameters: [a, b]`).
    BadParameters(String),
    /// 400, gateway response BAD_REQUEST_BODY, message `Invalid request body`;
    /// `$context.error.validationErrorString` is this (`[msg1, msg2]`).
    BadBody { validation_error_string: String },
    /// 500: the model cannot be used, or the validation could not finish. The text is for the
    /// log (`Request body validation failed due to an unexpected error: ...`).
    Broken(String),
}

/// An operation's compiled validation.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    /// Present when the validator checks parameters and some are required.
    pub parameters: Option<RequiredParameters>,
    /// Present when the validator checks the body and the operation has a model.
    pub body: Option<BodyModels>,
}

impl Validation {
    /// Checks the required parameters. `headers`: lower-case names; `query`: decoded pairs
    /// (`crate::query::decode`); `path_params`: as routed.
    pub fn check_parameters(
        &self,
        headers: &[(String, String)],
        path_params: &[(String, String)],
        query: &[(String, String)],
    ) -> Outcome {
        match self.parameters.as_ref().and_then(|p| p.check(headers, path_params, query)) {
            Some(message) => Outcome::BadParameters(message),
            None => Outcome::Ok,
        }
    }

    /// Whether a request with this Content-Type needs its whole body read for validation.
    pub fn needs_body(&self, content_type: Option<&str>) -> bool {
        self.body.as_ref().is_some_and(|b| b.model_for(content_type).is_some())
    }

    /// Checks the body against the model of its Content-Type.
    pub fn check_body(&self, content_type: Option<&str>, body: &[u8]) -> Outcome {
        match &self.body {
            Some(models) => models.check(content_type, body),
            None => Outcome::Ok,
        }
    }

    /// Parameters, then body (access-control §6: a request with both problems gets the
    /// parameters' answer).
    pub fn check(&self, request: &RequestParts<'_>) -> Outcome {
        match self.check_parameters(request.headers, request.path_params, request.query) {
            Outcome::Ok => self.check_body(request.content_type, request.body),
            refused => refused,
        }
    }

    /// The models that cannot be used (content type, why): worth a warning at load, since those
    /// requests will get 500.
    pub fn unusable_models(&self) -> impl Iterator<Item = (&str, &str)> {
        self.body.iter().flat_map(BodyModels::models).filter_map(|(t, m)| match m {
            Model::Unusable(why) => Some((t, &**why)),
            Model::Schema(_) => None,
        })
    }
}

/// What validation reads of a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestParts<'a> {
    /// Lower-case names, as Envoy gives them.
    pub headers: &'a [(String, String)],
    pub path_params: &'a [(String, String)],
    /// Decoded query pairs, in order, repeats kept.
    pub query: &'a [(String, String)],
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// Compiles the validation of every operation of one definition, each model once.
pub struct Compiler<'d> {
    root: &'d Value,
    validators: RequestValidators,
    models: body::Models<'d>,
}

impl<'d> Compiler<'d> {
    /// Reads the definition's validators. An error names a field at the definition's root.
    pub fn new(root: &'d Value) -> Result<Compiler<'d>, (String, String)> {
        Ok(Compiler {
            root,
            validators: RequestValidators::parse(root)?,
            models: body::Models::new(root),
        })
    }

    /// The validation of the operation `op` under `paths.<path>` (whose `parameters` apply too);
    /// `None` when it validates nothing. An error names a field of the operation (or, for a
    /// model reached through `$ref`, the model's place, e.g. `components.schemas.Pet.type`).
    pub fn operation(&mut self, path: &str, op: &'d Value) -> Result<Option<Validation>, (String, String)> {
        let Some(flags) = self.validators.for_operation(op)? else { return Ok(None) };
        if !flags.body && !flags.parameters {
            return Ok(None);
        }
        let path_item = self.root.get("paths").and_then(|p| p.get(path));
        let declared = parameters::declared(self.root, path_item, op)?;
        let parameters = if flags.parameters { RequiredParameters::from_declared(&declared) } else { None };
        let body = if flags.body { self.models.operation(&declared, op)? } else { None };
        if parameters.is_none() && body.is_none() {
            return Ok(None);
        }
        Ok(Some(Validation { parameters, body }))
    }
}

/// One operation's validation, for a caller with a single operation (each call reads the
/// validators again and compiles its models afresh: use [`Compiler`] for a whole definition).
pub fn compile_operation(root: &Value, path: &str, op: &Value) -> Result<Option<Validation>, (String, String)> {
    Compiler::new(root)?.operation(path, op)
}

#[cfg(test)]
mod tests;
