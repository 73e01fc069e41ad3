//! Errors of the VTL engine: one for compiling (with the place in the source), one for rendering.

use std::fmt;

/// A template that cannot be compiled. Displays as `line L, column C: message`, then the source
/// line and a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(Box<TemplateErrorRepr>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct TemplateErrorRepr {
    line: usize,
    column: usize,
    message: String,
    source_line: String,
}

impl TemplateError {
    /// `offset` is a character offset into `source`.
    pub(crate) fn at(source: &[char], offset: usize, message: impl Into<String>) -> TemplateError {
        let mut line = 1;
        let mut line_start = 0;
        for (i, c) in source.iter().enumerate().take(offset) {
            if *c == '\n' {
                line += 1;
                line_start = i + 1;
            }
        }
        let column = offset.saturating_sub(line_start) + 1;
        let source_line: String =
            source.iter().skip(line_start).take_while(|c| **c != '\n' && **c != '\r').take(200).collect();
        TemplateError(Box::new(TemplateErrorRepr { line, column, message: message.into(), source_line }))
    }

    pub(crate) fn whole(message: impl Into<String>) -> TemplateError {
        TemplateError(Box::new(TemplateErrorRepr {
            line: 1,
            column: 1,
            message: message.into(),
            source_line: String::new(),
        }))
    }

    pub fn line(&self) -> usize {
        self.0.line
    }
    pub fn column(&self) -> usize {
        self.0.column
    }
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.0.line, self.0.column, self.0.message)?;
        if !self.0.source_line.is_empty() {
            let caret_pad: String = self
                .0
                .source_line
                .chars()
                .take(self.0.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{}\n{}^", self.0.source_line, caret_pad)?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

/// Rendering failed: a limit was hit or a Java method threw. API Gateway answers 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// A named limit (see the `MAX_*` constants) was exceeded.
    Limit(&'static str),
    /// What Velocity reports as a `MethodInvocationException` (the Java method threw).
    Method(String),
    /// Anything else the template cannot do (`#include`, bad JSON for `$util.parseJson`, ...).
    Other(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Limit(what) => write!(f, "limit exceeded: {what}"),
            RenderError::Method(m) => write!(f, "method invocation failed: {m}"),
            RenderError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RenderError {}
