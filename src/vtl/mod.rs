//! Velocity (VTL) mapping templates, API Gateway's dialect. Owned by the VTL work (issue 8).
//!
//! The engine is Apache Velocity 1.7 as API Gateway configures it (README: "Mapping templates
//! (VTL)"): a null or undefined reference is `""` everywhere (it prints nothing, is true in `#if`,
//! equals `""`), inline `#macro` is off (a definition prints nothing, a call prints as written),
//! `#evaluate` prints as written, `#define` works. Directive lines follow Velocity 1.7's whitespace
//! rules.
//!
//! Pipeline: [`lexer`] (tokens of the directive/argument states) → [`parser`] (text state,
//! references, directives; builds the [`ast`]) → [`compile`] (merged text, facts such as
//! [`Template::uses_body`]) → [`eval`] (render, with [`methods`] for Java methods, `$input`,
//! `$util`; Java regular expressions come from [`crate::java_regex`]). Values are Java-like ([`value`]).
//! Deliberate differences from Velocity 1.7 are listed in `tests/vtl/COMPATIBILITY.md`.

mod ast;
mod compile;
mod error;
mod eval;
mod fxhash;
mod json;
mod lexer;
mod methods;
mod parser;
mod value;

pub use error::{RenderError, TemplateError};
pub use value::{java_double_to_string, ListRef, MapRef, Value};

/// Largest template source accepted, in bytes (API Gateway's limit for a mapping template).
pub const MAX_TEMPLATE_BYTES: usize = 300 * 1024;
/// Deepest nesting of blocks, expressions, references and `#define` renders, in the parser and
/// in the evaluator. Keeps recursion far from the wasm stack limit.
pub const MAX_NESTING_DEPTH: usize = 64;
/// Total `#foreach` iterations in one render, all loops together.
pub const MAX_FOREACH_ITERATIONS: u64 = 100_000;
/// Largest output (and largest single string value), in bytes: API Gateway's 10 MB payload.
pub const MAX_OUTPUT_BYTES: usize = 10 * 1024 * 1024;
/// Largest list or map a template may build (ranges, `add`, `put`, `addAll`).
pub const MAX_COLLECTION_LEN: usize = 1_000_000;
/// Work budget of one render (nodes evaluated, elements copied, bytes scanned / 16), so that no
/// template can spin for long even within the other limits (well under a second natively).
pub const MAX_STEPS: u64 = 5_000_000;

/// A compiled template: parse once at configure time, render per request.
#[derive(Debug)]
pub struct Template {
    nodes: Vec<ast::Node>,
    uses_body: bool,
    paths: compile::PathCache,
    /// Bytes of text at the top level: with the body size, a first guess of the output size.
    text_len: usize,
}

/// What `$input` sees.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Raw body text, `""` when there is none (`$input.body` then renders `{}`).
    pub body: String,
    /// Path parameters.
    pub path: Vec<(String, String)>,
    /// Query parameters, decoded; the last value of a name wins for `$input.params`.
    pub querystring: Vec<(String, String)>,
    /// Request headers (looked up case-insensitively by `$input.params(name)`).
    pub header: Vec<(String, String)>,
}

/// Everything a template can see. The same `Env` is reused for the response template, so what
/// the request template wrote into `$context` (e.g. `requestOverride`) is visible there.
#[derive(Debug, Clone)]
pub struct Env {
    pub input: Input,
    /// `$context`: a map the caller fills.
    pub context: Value,
    /// `$stageVariables`: a map.
    pub stage_variables: Value,
}

impl Env {
    /// An environment with empty `$context` and `$stageVariables` maps.
    pub fn new(input: Input) -> Env {
        Env { input, context: Value::new_map(), stage_variables: Value::new_map() }
    }
}

impl Template {
    /// Parses once (at plugin configure time). The error displays as
    /// `line L, column C: message`, then the source line and a caret under the column.
    pub fn compile(source: &str) -> Result<Template, TemplateError> {
        if source.len() > MAX_TEMPLATE_BYTES {
            return Err(TemplateError::whole(format!(
                "template is {} bytes, more than {MAX_TEMPLATE_BYTES} (MAX_TEMPLATE_BYTES)",
                source.len()
            )));
        }
        let chars: Vec<char> = source.chars().collect();
        let nodes = compile::merge_text(parser::parse(&chars)?);
        let uses_body = compile::uses_body(&nodes);
        let paths = compile::literal_paths(&nodes);
        let text_len = nodes.iter().map(|n| if let ast::Node::Text(t) = n { t.len() } else { 0 }).sum();
        Ok(Template { nodes, uses_body, paths, text_len })
    }

    /// Renders with `env`; a limit exceeded or a Java exception is a [`RenderError`].
    pub fn render(&self, env: &mut Env) -> Result<String, RenderError> {
        let capacity = self.text_len.saturating_add(env.input.body.len().min(64 * 1024)).saturating_add(64);
        eval::Renderer::new(env, &self.paths).render(&self.nodes, capacity)
    }

    /// The output when the template is plain text (no references, no directives): such a template
    /// needs no variables, so a request can skip building them.
    pub fn constant_text(&self) -> Option<&str> {
        match self.nodes.as_slice() {
            [] => Some(""),
            [ast::Node::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// True if the template reads the request body (`$input.body`, `$input.json`,
    /// `$input.path`, or `$input` passed around whole). Conservative.
    pub fn uses_body(&self) -> bool {
        self.uses_body
    }
}

#[cfg(test)]
mod tests;
