//! The wording of validation messages. AWS validates with the Java json-schema-validator (its
//! messages show in `$context.error.validationErrorString`, e.g. `object has missing required
//! properties (["email","password"])`); these are that validator's messages for draft 4. Values
//! taken from the request are written as JSON (escaped) and cut at [`MAX_QUOTED_CHARS`]
//! characters, so a message never carries a raw quote, a control character or a whole body.

use std::io;

use serde_json::{Number, Value};

use super::node::TypeSet;
use super::MAX_QUOTED_CHARS;

/// A JSON array of strings: `["a","b"]`.
pub fn json_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    Value::Array(names.into_iter().map(|n| Value::String(n.to_string())).collect()).to_string()
}

/// A request value as JSON, cut after [`MAX_QUOTED_CHARS`] bytes of JSON text (`...` marks the cut).
pub fn json_value(v: &Value) -> String {
    let mut w = Limited { buf: Vec::new(), limit: MAX_QUOTED_CHARS };
    let cut = serde_json::to_writer(&mut w, v).is_err();
    let mut text = String::from_utf8_lossy(&w.buf).into_owned();
    if cut {
        text.push_str("...");
    }
    text
}

/// A request string as a JSON string, cut after [`MAX_QUOTED_CHARS`] characters.
pub fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((at, _)) => Value::String(format!("{}...", s.get(..at).unwrap_or(""))).to_string(),
        None => Value::String(s.to_string()).to_string(),
    }
}

/// A writer that takes `limit` bytes and then refuses, so serialising a huge value stops early.
struct Limited {
    buf: Vec<u8>,
    limit: usize,
}

impl io::Write for Limited {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.buf.len());
        if room == 0 {
            return Err(io::Error::other("limit"));
        }
        let take = data.get(..room.min(data.len())).unwrap_or(data);
        self.buf.extend_from_slice(take);
        Ok(take.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The type name AWS's validator gives an instance: integers (no fraction, no exponent, within
/// 64 bits) are `integer`, other numbers `number`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub fn type_mismatch(found: &str, allowed: TypeSet) -> String {
    format!(
        "instance type ({found}) does not match any allowed primitive type (allowed: {})",
        json_names(allowed.names())
    )
}

pub fn missing_required(missing: &[&str]) -> String {
    format!("object has missing required properties ({})", json_names(missing.iter().copied()))
}

pub fn not_in_enum(v: &Value, allowed: &[Value]) -> String {
    format!(
        "instance value ({}) not found in enum (possible values: {})",
        json_value(v),
        json_value(&Value::Array(allowed.to_vec()))
    )
}

pub fn unwanted_properties(names: &[&str]) -> String {
    format!("object instance has properties which are not allowed by the schema: {}", json_names(names.iter().copied()))
}

pub fn too_few_properties(found: usize, min: u64) -> String {
    format!("object has too few properties (found {found} but schema requires at least {min})")
}

pub fn too_many_properties(found: usize, max: u64) -> String {
    format!("object has too many properties (found {found} but schema requires at most {max})")
}

pub fn missing_dependencies(name: &str, requires: &[String], missing: &[&str]) -> String {
    format!(
        "property {} of object has missing property dependencies (schema requires {}; missing: {})",
        quoted(name),
        json_names(requires.iter().map(String::as_str)),
        json_names(missing.iter().copied())
    )
}

pub fn too_many_items(allowed: usize, found: usize) -> String {
    format!("schema only allows {allowed} elements in array but instance has {found} elements")
}

pub fn array_too_short(min: u64, found: usize) -> String {
    format!("array is too short: must have at least {min} elements but instance has {found} elements")
}

pub fn array_too_long(max: u64, found: usize) -> String {
    format!("array is too long: must have at most {max} elements but instance has {found} elements")
}

pub const DUPLICATE_ITEMS: &str = "array must not contain duplicate elements";

pub fn string_too_short(s: &str, length: usize, min: u64) -> String {
    format!("string {} is too short (length: {length}, required minimum: {min})", quoted(s))
}

pub fn string_too_long(s: &str, length: usize, max: u64) -> String {
    format!("string {} is too long (length: {length}, maximum allowed: {max})", quoted(s))
}

pub fn no_pattern_match(pattern: &str, s: &str) -> String {
    format!("ECMA 262 regex {} does not match input string {}", quoted(pattern), quoted(s))
}

pub fn below_minimum(min: &Number, found: &Number) -> String {
    format!("numeric instance is lower than the required minimum (minimum: {min}, found: {found})")
}

pub fn not_above_minimum(min: &Number) -> String {
    format!("numeric instance is not strictly greater than the required minimum {min}")
}

pub fn above_maximum(max: &Number, found: &Number) -> String {
    format!("numeric instance is greater than the required maximum (maximum: {max}, found: {found})")
}

pub fn not_below_maximum(max: &Number) -> String {
    format!("numeric instance is not strictly lower than the required maximum {max}")
}

pub fn not_multiple(found: &Number, divisor: &Number) -> String {
    format!("remainder of division is not zero ({found} / {divisor})")
}

pub fn all_of(matched: usize, total: usize) -> String {
    format!("instance failed to match all required schemas (matched only {matched} out of {total})")
}

pub fn any_of(total: usize) -> String {
    format!("instance failed to match at least one required schema among {total}")
}

pub fn one_of(matched: usize, total: usize) -> String {
    format!("instance failed to match exactly one schema (matched {matched} out of {total})")
}

pub const NOT: &str = "instance matched a schema which it should not have";

/// What AWS writes when the body is not JSON (access-control §6, an AWS log capture).
pub const UNPARSABLE_BODY: &str = "Unknown error parsing request body";
