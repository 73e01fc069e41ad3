//! Required request parameters (AWS docs: "Request validation for REST APIs in API Gateway": the
//! required parameters in the URI, query string and headers are included and not blank; only
//! their existence is checked, never their type or format).
//!
//! Declared by `parameters` on the path item and on the operation, the operation's overriding the
//! path item's by `name` + `in` (OpenAPI); `$ref` entries (`#/parameters/X`,
//! `#/components/parameters/X`) are resolved. Order inside each group [open: AWS's order is not
//! recorded; a capture shows definition order, not alphabetical]: the path item's parameters in
//! their order (an overridden one keeps its place), then the operation's new ones in theirs.

use serde_json::Value;

use super::pointer;

/// A parameter declaration, resolved, with the field it was read from (for errors).
pub(super) struct Declared<'d> {
    pub value: &'d serde_json::Map<String, Value>,
    pub field: String,
}

impl Declared<'_> {
    fn key(&self) -> (Option<&str>, Option<&str>) {
        (self.location(), self.name())
    }

    pub fn location(&self) -> Option<&str> {
        self.value.get("in").and_then(Value::as_str)
    }

    pub fn name(&self) -> Option<&str> {
        self.value.get("name").and_then(Value::as_str)
    }

    fn required(&self) -> bool {
        match self.value.get("required") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        }
    }
}

/// The parameters that apply to an operation: the path item's, overridden and extended by the
/// operation's (see the module comment for the order).
pub(super) fn declared<'d>(
    root: &'d Value,
    path_item: Option<&'d Value>,
    op: &'d Value,
) -> Result<Vec<Declared<'d>>, (String, String)> {
    let mut out = read_list(root, path_item.and_then(|p| p.get("parameters")), "path item parameters")?;
    for d in read_list(root, op.get("parameters"), "parameters")? {
        match out.iter_mut().find(|e| e.key() == d.key()) {
            Some(slot) => *slot = d,
            None => out.push(d),
        }
    }
    Ok(out)
}

fn read_list<'d>(root: &'d Value, list: Option<&'d Value>, field: &str) -> Result<Vec<Declared<'d>>, (String, String)> {
    let items = match list {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err((field.to_string(), "must be a list".to_string())),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let value = match item.get("$ref") {
            Some(Value::String(r)) => pointer::resolve(root, r).ok_or_else(|| {
                (format!("{field}.$ref"), format!("{r:?} names no parameter in the definition"))
            })?,
            Some(_) => return Err((format!("{field}.$ref"), "must be a string".to_string())),
            None => item,
        };
        let Some(value) = value.as_object() else {
            return Err((field, "a parameter must be an object".to_string()));
        };
        out.push(Declared { value, field });
    }
    Ok(out)
}

/// The required header, path and query parameters of an operation, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequiredParameters {
    headers: Vec<String>,
    path: Vec<String>,
    query: Vec<String>,
}

impl RequiredParameters {
    /// The required ones among `declared`; `None` when there are none.
    pub(super) fn from_declared(declared: &[Declared<'_>]) -> Option<RequiredParameters> {
        let mut out = RequiredParameters::default();
        for d in declared.iter().filter(|d| d.required()) {
            let (Some(location), Some(name)) = (d.location(), d.name()) else { continue };
            let (group, case_insensitive) = match location {
                "header" => (&mut out.headers, true),
                "path" => (&mut out.path, false),
                "query" => (&mut out.query, false),
                // `body`, `formData`, `cookie`: not request parameters API Gateway checks.
                _ => continue,
            };
            let seen = group
                .iter()
                .any(|n| if case_insensitive { n.eq_ignore_ascii_case(name) } else { n == name });
            if !seen {
                group.push(name.to_string());
            }
        }
        let none = out.headers.is_empty() && out.path.is_empty() && out.query.is_empty();
        (!none).then_some(out)
    }

    /// The names missing or blank in the request, headers first, then path, then query string
    /// (access-control §6). `headers` have lower-case names (as Envoy gives them); `query` is the
    /// decoded query string (`crate::query::decode`). A name sent more than once counts by its
    /// last value, as every single-valued reader here does (README: "a repeated header gives its
    /// last value"). Blank is empty or only white space (AWS docs: "not blank").
    pub fn missing<'s>(
        &'s self,
        headers: &[(String, String)],
        path_params: &[(String, String)],
        query: &[(String, String)],
    ) -> Vec<&'s str> {
        let last = |pairs: &[(String, String)], name: &str, ci: bool| -> bool {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| if ci { k.eq_ignore_ascii_case(name) } else { k == name })
                .is_some_and(|(_, v)| !v.trim().is_empty())
        };
        let headers = self.headers.iter().filter(|n| !last(headers, n, true));
        let path = self.path.iter().filter(|n| !last(path_params, n, false));
        let query = self.query.iter().filter(|n| !last(query, n, false));
        headers.chain(path).chain(query).map(String::as_str).collect()
    }

    /// `Missing required request parameters: [a, b]` when some are missing (AWS's message, with
    /// the space after the colon: access-control §6).
    pub fn check(
        &self,
        headers: &[(String, String)],
        path_params: &[(String, String)],
        query: &[(String, String)],
    ) -> Option<String> {
        let missing = self.missing(headers, path_params, query);
        (!missing.is_empty()).then(|| format!("Missing required request parameters: [{}]", missing.join(", ")))
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    pub fn path(&self) -> &[String] {
        &self.path
    }

    pub fn query(&self) -> &[String] {
        &self.query
    }
}
