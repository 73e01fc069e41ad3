//! Which validator an operation uses (AWS docs: "x-amazon-apigateway-request-validators object",
//! "x-amazon-apigateway-request-validator property"): the root map names validators, the root
//! `x-amazon-apigateway-request-validator` is the API's default, and the same key on an operation
//! overrides it.

use std::collections::HashMap;

use serde_json::Value;

/// The root map of validators.
pub const VALIDATORS_KEY: &str = "x-amazon-apigateway-request-validators";
/// The validator an API (at the root) or an operation uses.
pub const VALIDATOR_KEY: &str = "x-amazon-apigateway-request-validator";

/// What a validator checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// `validateRequestBody`.
    pub body: bool,
    /// `validateRequestParameters`.
    pub parameters: bool,
}

/// The definition's validators and its default.
#[derive(Debug, Clone, Default)]
pub struct RequestValidators {
    named: HashMap<String, Flags>,
    default: Option<Flags>,
}

impl RequestValidators {
    /// Reads the root's validators. An error names the field under the root.
    pub fn parse(root: &Value) -> Result<RequestValidators, (String, String)> {
        let mut named = HashMap::new();
        match root.get(VALIDATORS_KEY) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (name, v) in map {
                    named.insert(name.clone(), flags(name, v)?);
                }
            }
            Some(_) => {
                return Err((
                    VALIDATORS_KEY.to_string(),
                    "must be an object: validator name -> {validateRequestBody, validateRequestParameters}".to_string(),
                ))
            }
        }
        let default = match root.get(VALIDATOR_KEY) {
            None | Some(Value::Null) => None,
            Some(v) => Some(lookup(&named, v)?),
        };
        Ok(RequestValidators { named, default })
    }

    /// The validator of an operation: its own, else the API's default. An unknown name is an
    /// error on the operation's `x-amazon-apigateway-request-validator`.
    pub fn for_operation(&self, op: &Value) -> Result<Option<Flags>, (String, String)> {
        match op.get(VALIDATOR_KEY) {
            None | Some(Value::Null) => Ok(self.default),
            Some(v) => lookup(&self.named, v).map(Some),
        }
    }
}

fn lookup(named: &HashMap<String, Flags>, v: &Value) -> Result<Flags, (String, String)> {
    let Some(name) = v.as_str() else {
        return Err((VALIDATOR_KEY.to_string(), "must be the name of a request validator".to_string()));
    };
    named.get(name).copied().ok_or_else(|| {
        (
            VALIDATOR_KEY.to_string(),
            format!("names request validator {name:?}, which {VALIDATORS_KEY} does not define"),
        )
    })
}

/// One validator's flags; a missing flag is false (AWS docs: both default to false).
fn flags(name: &str, v: &Value) -> Result<Flags, (String, String)> {
    let field = |key: &str| format!("{VALIDATORS_KEY}.{name}.{key}");
    if !v.is_object() {
        return Err((format!("{VALIDATORS_KEY}.{name}"), "must be an object".to_string()));
    }
    let flag = |key: &str| -> Result<bool, (String, String)> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            // CloudFormation and YAML tools sometimes quote booleans; AWS's JSON reader takes them.
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            Some(other) => Err((field(key), format!("must be true or false, not {other}"))),
        }
    };
    Ok(Flags {
        body: flag("validateRequestBody")?,
        parameters: flag("validateRequestParameters")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use serde_json::json;

    fn root() -> Value {
        json!({
            VALIDATORS_KEY: {
                "all": {"validateRequestBody": true, "validateRequestParameters": true},
                "params": {"validateRequestParameters": true},
                "body": {"validateRequestBody": "true", "validateRequestParameters": false}
            },
            VALIDATOR_KEY: "params"
        })
    }

    // The root default applies to operations without their own; an operation's own overrides it.
    #[test]
    fn default_and_override() {
        let v = RequestValidators::parse(&root()).unwrap();
        let params = Flags { body: false, parameters: true };
        assert_eq!(v.for_operation(&json!({})).unwrap(), Some(params));
        assert_eq!(v.for_operation(&json!({VALIDATOR_KEY: "body"})).unwrap(), Some(Flags { body: true, parameters: false }));
        assert_eq!(v.for_operation(&json!({VALIDATOR_KEY: "all"})).unwrap(), Some(Flags { body: true, parameters: true }));
        let none = RequestValidators::parse(&json!({VALIDATORS_KEY: {"b": {"validateRequestBody": true}}})).unwrap();
        assert_eq!(none.for_operation(&json!({})).unwrap(), None);
    }

    // An unknown validator name refuses, naming the field; so do malformed validators.
    #[test]
    fn unknown_names_and_bad_shapes_are_refused() {
        let v = RequestValidators::parse(&root()).unwrap();
        let (field, msg) = v.for_operation(&json!({VALIDATOR_KEY: "Validate body"})).unwrap_err();
        assert_eq!(field, VALIDATOR_KEY);
        assert_eq!(msg, "names request validator \"Validate body\", which x-amazon-apigateway-request-validators does not define");
        assert_eq!(v.for_operation(&json!({VALIDATOR_KEY: 3})).unwrap_err().0, VALIDATOR_KEY);
        let bad_default = json!({VALIDATORS_KEY: {}, VALIDATOR_KEY: "x"});
        assert_eq!(RequestValidators::parse(&bad_default).unwrap_err().0, VALIDATOR_KEY);
        let bad_flag = json!({VALIDATORS_KEY: {"v": {"validateRequestBody": 1}}});
        assert_eq!(
            RequestValidators::parse(&bad_flag).unwrap_err().0,
            "x-amazon-apigateway-request-validators.v.validateRequestBody"
        );
        assert!(RequestValidators::parse(&json!({VALIDATORS_KEY: []})).is_err());
        assert!(RequestValidators::parse(&json!({VALIDATORS_KEY: {"v": true}})).is_err());
    }
}
