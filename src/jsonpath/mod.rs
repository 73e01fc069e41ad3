//! JSONPath as API Gateway (Jayway "JSONPath for Java") evaluates it. Owned by the VTL work
//! (issue 8).
//!
//! Supported: `$`, `.name`, `['name']` (and lists of names), `[n]` (negative from the end),
//! `[*]`, `.*`, `..name`, `..*`, slices `[a:b]` / `[a:b:step]`, filters `[?(@.a > 1)]` with
//! `== != < <= > >= =~ /re/` `&& || !` and existence, and a trailing `.length()`.
//! A path without `$` is read as `$.<path>` (Jayway does the same).
//!
//! Jayway's result shape: a *definite* path (names and single indexes only) gives the value
//! itself or nothing; any wildcard, deep scan, slice, filter or list of names gives an array
//! of the matches (possibly empty).

mod eval;
mod parser;

use std::fmt;

pub use parser::{Segment, Selector};

/// A JSON tree JSONPath can walk: `&serde_json::Value`, or another representation of the same
/// data model. Nodes are cheap handles (references).
pub trait JsonNode<'a>: Copy + 'a {
    /// The member `name` of an object; `None` for anything else.
    fn get(self, name: &str) -> Option<Self>;
    /// The length of an array; `None` for anything else.
    fn array_len(self) -> Option<usize>;
    /// Element `i` of an array.
    fn at(self, i: usize) -> Option<Self>;
    /// Appends the elements of an array or the member values of an object, in order.
    fn push_children(self, out: &mut Vec<Self>);
    /// `length()`: of an array, an object (members) or a string (characters).
    fn length(self) -> Option<usize>;
    /// A copy as a `serde_json::Value` (filter operands).
    fn to_serde(self) -> serde_json::Value;
}

impl<'a> JsonNode<'a> for &'a serde_json::Value {
    fn get(self, name: &str) -> Option<Self> {
        self.as_object().and_then(|o| o.get(name))
    }
    fn array_len(self) -> Option<usize> {
        self.as_array().map(Vec::len)
    }
    fn at(self, i: usize) -> Option<Self> {
        self.as_array().and_then(|a| a.get(i))
    }
    fn push_children(self, out: &mut Vec<Self>) {
        match self {
            serde_json::Value::Array(a) => out.extend(a.iter()),
            serde_json::Value::Object(o) => out.extend(o.values()),
            _ => {}
        }
    }
    fn length(self) -> Option<usize> {
        match self {
            serde_json::Value::Array(a) => Some(a.len()),
            serde_json::Value::Object(o) => Some(o.len()),
            serde_json::Value::String(s) => Some(s.chars().count()),
            _ => None,
        }
    }
    fn to_serde(self) -> serde_json::Value {
        self.clone()
    }
}

/// What a path selects, as references into the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected<N> {
    /// A definite path's value.
    One(N),
    /// An indefinite path's matches (possibly none).
    Many(Vec<N>),
    /// The result of a trailing `.length()`.
    Length(usize),
}

/// A compiled JSONPath; parse once (at configure time), evaluate per request.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    source: String,
    segments: Vec<Segment>,
    function_length: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPathError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for JsonPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.position, self.message)
    }
}

impl std::error::Error for JsonPathError {}

/// Deepest filter nesting, and the longest path, accepted by the parser.
pub const MAX_PATH_LEN: usize = 4096;
pub const MAX_FILTER_DEPTH: usize = 32;

impl JsonPath {
    pub fn parse(path: &str) -> Result<JsonPath, JsonPathError> {
        if path.len() > MAX_PATH_LEN {
            return Err(JsonPathError { position: MAX_PATH_LEN, message: "path too long (MAX_PATH_LEN)".into() });
        }
        let (segments, function_length) = parser::parse(path)?;
        Ok(JsonPath { source: path.to_string(), segments, function_length })
    }

    /// True when the path selects at most one value (Jayway's "definite" path).
    pub fn is_definite(&self) -> bool {
        self.segments.iter().all(Segment::is_definite)
    }

    /// The selected value; `None` when a definite path matches nothing.
    pub fn eval(&self, doc: &serde_json::Value) -> Option<serde_json::Value> {
        Some(match self.select(doc)? {
            Selected::One(v) => v.clone(),
            Selected::Many(vs) => serde_json::Value::Array(vs.into_iter().cloned().collect()),
            Selected::Length(n) => serde_json::Value::from(n),
        })
    }

    /// Like [`JsonPath::eval`], without copying: references into `doc`.
    pub fn select<'a, N: JsonNode<'a>>(&self, doc: N) -> Option<Selected<N>> {
        let mut nodes = eval::select(&self.segments, doc);
        let definite = self.is_definite();
        if self.function_length {
            return if definite { nodes.into_iter().next()?.length() } else { Some(nodes.len()) }.map(Selected::Length);
        }
        if definite {
            nodes.truncate(1);
            nodes.pop().map(Selected::One)
        } else {
            Some(Selected::Many(nodes))
        }
    }

    /// Every matching node, in document order (what RFC-style libraries return).
    pub fn nodes<'a>(&self, doc: &'a serde_json::Value) -> Vec<&'a serde_json::Value> {
        eval::select(&self.segments, doc)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// One-shot helper: parse `path` and evaluate it on `doc`.
pub fn select(doc: &serde_json::Value, path: &str) -> Result<Option<serde_json::Value>, JsonPathError> {
    Ok(JsonPath::parse(path)?.eval(doc))
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use serde_json::json;

    fn doc() -> serde_json::Value {
        json!({
            "store": {
                "book": [
                    {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                    {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                    {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99}
                ],
                "bicycle": {"color": "red", "price": 19.95}
            },
            "k-1": "dash",
            "a b": 1
        })
    }

    fn sel(p: &str) -> Option<serde_json::Value> {
        select(&doc(), p).unwrap()
    }

    // Definite paths give the value itself; missing gives None.
    #[test]
    fn definite_paths() {
        assert_eq!(sel("$.store.bicycle.color"), Some(json!("red")));
        assert_eq!(sel("$['store']['bicycle']['price']"), Some(json!(19.95)));
        assert_eq!(sel("$.store.book[1].author"), Some(json!("Evelyn Waugh")));
        assert_eq!(sel("$.store.book[-1].title"), Some(json!("Moby Dick")));
        assert_eq!(sel("$.k-1"), Some(json!("dash")));
        assert_eq!(sel("$['a b']"), Some(json!(1)));
        assert_eq!(sel("$.nope"), None);
        assert_eq!(sel("$.store.book[7]"), None);
        assert_eq!(sel("store.bicycle.color"), Some(json!("red")));
        assert_eq!(sel("$"), Some(doc()));
    }

    // Wildcards, deep scan, slices, filters give arrays.
    #[test]
    fn indefinite_paths() {
        assert_eq!(sel("$.store.book[*].author").unwrap().as_array().unwrap().len(), 3);
        assert_eq!(sel("$..price").unwrap().as_array().unwrap().len(), 4);
        assert_eq!(sel("$.store.book[0:2].title"), Some(json!(["Sayings", "Sword"])));
        assert_eq!(sel("$.store.book[-2:].title"), Some(json!(["Sword", "Moby Dick"])));
        assert_eq!(sel("$.store.book[?(@.price < 10)].title"), Some(json!(["Sayings", "Moby Dick"])));
        assert_eq!(sel("$.store.book[?(@.isbn)].title"), Some(json!(["Moby Dick"])));
        assert_eq!(
            sel("$.store.book[?(@.category == 'fiction' && @.price > 10)].title"),
            Some(json!(["Sword"]))
        );
        assert_eq!(sel("$.store.book[?(@.author =~ /.*Rees/)].title"), Some(json!(["Sayings"])));
        assert_eq!(sel("$.store.book[?(!(@.price < 10))].title"), Some(json!(["Sword"])));
        assert_eq!(sel("$.nope[*]"), Some(json!([])));
        assert_eq!(sel("$.store.book.length()"), Some(json!(3)));
        assert_eq!(sel("$.store['bicycle','nope'].color"), Some(json!(["red"])));
    }

    // Bad syntax is an error with a position, never a panic.
    #[test]
    fn errors() {
        for p in ["$.", "$[", "$['a'", "$[?(@.a >)]", "$.a[1:2:0]", "$x"] {
            assert!(JsonPath::parse(p).is_err(), "{p}");
        }
        let deep = format!("$[?({}@.a{})]", "(".repeat(100), ")".repeat(100));
        assert!(JsonPath::parse(&deep).is_err());
    }
}
