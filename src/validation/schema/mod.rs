//! JSON Schema draft 4, as API Gateway validates request bodies with it (AWS docs: "Data models
//! for REST APIs": models are JSON Schema draft 4), compiled once at configure time.
//!
//! - [`compile`] turns a model into a [`Schema`]: a table of checks, `$ref` compiled to indices
//!   (recursive models included), patterns compiled; see [`compile::SchemaError`] for what is
//!   refused at load and what only makes the model unusable (500 at request time).
//! - [`Schema::validate`] checks a parsed body and gives AWS's messages ([`messages`]), within the
//!   limits below, so a hostile body cannot exhaust the stack or the CPU.
//!
//! Keywords: `type` (a name or a list; an integer is also a `number`), `enum`, `allOf`, `anyOf`,
//! `oneOf`, `not`, `minimum`/`maximum` with draft 4's boolean `exclusiveMinimum`/
//! `exclusiveMaximum`, `multipleOf` (in decimal), `minLength`/`maxLength` (in code points),
//! `pattern` (unanchored), `items` (one schema or a list), `additionalItems`, `minItems`/
//! `maxItems`, `uniqueItems`, `properties`, `patternProperties`, `additionalProperties`,
//! `required`, `minProperties`/`maxProperties`, `dependencies`, `$ref`. Not validated [open]:
//! `format` (AWS's validator checks some formats; which ones AWS enables is not recorded, and a
//! stricter check than AWS's would refuse requests AWS serves), and every keyword that is not
//! draft 4 (`const`, `nullable`, `example`...), which is ignored as AWS's draft 4 validator
//! ignores unknown keywords.

mod check;
pub mod compile;
pub mod messages;
mod node;
mod values;

use serde_json::Value;

pub use compile::{compile, SchemaError};

/// Deepest nesting of schemas plus values one validation may reach. serde_json refuses bodies
/// nested deeper than 128; the rest is schema nesting (combinators, references).
pub const MAX_VALIDATION_DEPTH: usize = 256;
/// Deepest inline nesting of a schema in the definition.
pub const MAX_SCHEMA_NESTING: usize = 128;
/// Most schemas one model compiles to (references count once).
pub const MAX_SCHEMA_NODES: usize = 20_000;
/// Messages kept per validation (AWS lists them all; past this the list is cut).
pub const MAX_MESSAGES: usize = 100;
/// Characters of a request value quoted in a message.
pub const MAX_QUOTED_CHARS: usize = 200;

/// A compiled model.
#[derive(Debug)]
pub struct Schema {
    nodes: Vec<node::Node>,
    root: usize,
}

/// What validating one instance gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// AWS's messages, in AWS's order.
    Invalid(Vec<String>),
    /// The validation could not finish (depth or step limit): the request gets 500.
    Aborted(String),
}

impl Schema {
    /// Validates `instance` with at most `steps` checks.
    pub fn validate(&self, instance: &Value, steps: u64) -> Verdict {
        let mut run = check::Run { schema: self, steps };
        let mut report = check::Report::new(false);
        match run.validate(self.root, instance, 0, &mut report) {
            Err(check::Abort::Depth) => {
                Verdict::Aborted(format!("schema and body nested deeper than {MAX_VALIDATION_DEPTH} (MAX_VALIDATION_DEPTH)"))
            }
            Err(check::Abort::Steps) => Verdict::Aborted(format!("validation took more than {steps} steps")),
            Ok(()) if report.failed() => Verdict::Invalid(report.messages),
            Ok(()) => Verdict::Valid,
        }
    }

    /// How many schemas the model compiled to.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests;
