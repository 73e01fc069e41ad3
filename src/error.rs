//! Configuration errors: each names the place (deployment, `METHOD /path`, field) and the problem.

use std::fmt;

/// A definition or plugin configuration that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: `deployment "prod"`, `GET /pets/{id}`, `x-amazon-apigateway-gateway-responses`...
    pub place: String,
    /// The field inside that place, e.g. `x-amazon-apigateway-integration.responses.default.statusCode`.
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(place: impl Into<String>, field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            place: place.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.place.is_empty(), self.field.is_empty()) {
            (true, true) => write!(f, "invalid configuration: {}", self.message),
            (true, false) => write!(f, "invalid configuration: {}: {}", self.field, self.message),
            (false, true) => write!(f, "invalid definition: {}: {}", self.place, self.message),
            (false, false) => write!(
                f,
                "invalid definition: {}: field {}: {}",
                self.place, self.field, self.message
            ),
        }
    }
}

impl std::error::Error for ConfigError {}
