//! Validating an instance against a compiled [`Schema`], as AWS's validator (the Java
//! json-schema-validator) reports it:
//! - a schema's keywords are checked in the alphabetical order of their names, each only on the
//!   instance types it applies to (`minLength` on strings, `required` on objects...);
//! - once anything has failed, no deeper value is visited (keywords of the values at hand are
//!   still checked): a body with several problems gets the first ones, not all;
//! - object members are visited in the order of their names (Java's string order), array
//!   elements in order;
//! - `allOf`/`anyOf`/`oneOf`/`not` report one message of their own, never their branches'.
//!
//! Limits (named constants in [`super`]): depth (nesting of schemas plus values), steps (schema
//! checks and value comparisons), messages kept. Hitting depth or steps aborts the validation:
//! the request gets 500, as AWS answers a validation it cannot finish.

use serde_json::{Map, Value};

use super::messages as msg;
use super::node::{Additional, Dependency, Items, Keywords, Node};
use super::values;
use super::{Schema, MAX_MESSAGES, MAX_VALIDATION_DEPTH};

/// Why a validation stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// Nested deeper than [`MAX_VALIDATION_DEPTH`].
    Depth,
    /// More than the step budget.
    Steps,
}

/// The messages of one validation, or only whether it failed (`quiet`: a combinator's branch,
/// whose messages nobody reads).
pub struct Report {
    quiet: bool,
    failed: bool,
    pub messages: Vec<String>,
}

impl Report {
    pub fn new(quiet: bool) -> Report {
        Report { quiet, failed: false, messages: Vec::new() }
    }

    pub fn failed(&self) -> bool {
        self.failed
    }

    fn error(&mut self, message: impl FnOnce() -> String) {
        self.failed = true;
        if !self.quiet && self.messages.len() < MAX_MESSAGES {
            self.messages.push(message());
        }
    }

    /// A quiet report that failed has its answer.
    fn settled(&self) -> bool {
        self.quiet && self.failed
    }
}

/// Draft 4's validating keywords in the order AWS's validator runs them (by name, as Java sorts).
#[derive(Debug, Clone, Copy)]
enum Kw {
    AdditionalItems,
    AdditionalProperties,
    AllOf,
    AnyOf,
    Dependencies,
    Enum,
    MaxItems,
    MaxLength,
    MaxProperties,
    Maximum,
    MinItems,
    MinLength,
    MinProperties,
    Minimum,
    MultipleOf,
    Not,
    OneOf,
    Pattern,
    Required,
    Type,
    UniqueItems,
}

const ORDER: [Kw; 21] = [
    Kw::AdditionalItems,
    Kw::AdditionalProperties,
    Kw::AllOf,
    Kw::AnyOf,
    Kw::Dependencies,
    Kw::Enum,
    Kw::MaxItems,
    Kw::MaxLength,
    Kw::MaxProperties,
    Kw::Maximum,
    Kw::MinItems,
    Kw::MinLength,
    Kw::MinProperties,
    Kw::Minimum,
    Kw::MultipleOf,
    Kw::Not,
    Kw::OneOf,
    Kw::Pattern,
    Kw::Required,
    Kw::Type,
    Kw::UniqueItems,
];

/// One validation run over a schema, with its remaining step budget.
pub struct Run<'s> {
    pub schema: &'s Schema,
    pub steps: u64,
}

impl<'s> Run<'s> {
    /// The keywords of a node, through its reference when it is one.
    fn keywords(&self, node: usize) -> Option<&'s Keywords> {
        let nodes = &self.schema.nodes;
        match nodes.get(node)? {
            Node::Keywords(k) => Some(k),
            Node::Ref(target) => match nodes.get(*target)? {
                Node::Keywords(k) => Some(k),
                Node::Ref(_) => None,
            },
        }
    }

    fn step(&mut self) -> Result<(), Abort> {
        self.steps = self.steps.checked_sub(1).ok_or(Abort::Steps)?;
        Ok(())
    }

    /// Validates `value` against `node`, adding to `report`.
    pub fn validate(&mut self, node: usize, value: &Value, depth: usize, report: &mut Report) -> Result<(), Abort> {
        self.step()?;
        if depth > MAX_VALIDATION_DEPTH {
            return Err(Abort::Depth);
        }
        let Some(k) = self.keywords(node) else { return Ok(()) };
        for kw in ORDER {
            self.keyword(kw, k, value, depth, report)?;
            if report.settled() {
                return Ok(());
            }
        }
        if report.failed() {
            return Ok(());
        }
        match value {
            Value::Object(map) => self.members(k, map, depth, report),
            Value::Array(items) => self.elements(k, items, depth, report),
            _ => Ok(()),
        }
    }

    fn keyword(&mut self, kw: Kw, k: &'s Keywords, value: &Value, depth: usize, report: &mut Report) -> Result<(), Abort> {
        match (kw, value) {
            (Kw::AllOf | Kw::AnyOf | Kw::OneOf | Kw::Not, _) => self.combinator(kw, k, value, depth, report),
            (Kw::Enum, _) => self.enumeration(k, value, report),
            (Kw::Type, _) => {
                check_type(k, value, report);
                Ok(())
            }
            (_, Value::Object(map)) => self.object_keyword(kw, k, map, value, depth, report),
            (_, Value::Array(items)) => self.array_keyword(kw, k, items, report),
            (_, Value::String(s)) => {
                string_keyword(kw, k, s, report);
                Ok(())
            }
            (_, Value::Number(n)) => {
                number_keyword(kw, k, n, report);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether `value` is valid against `node`, in a report of its own.
    fn branch(&mut self, node: usize, value: &Value, depth: usize) -> Result<bool, Abort> {
        let mut sub = Report::new(true);
        self.validate(node, value, depth.saturating_add(1), &mut sub)?;
        Ok(!sub.failed())
    }

    fn combinator(&mut self, kw: Kw, k: &'s Keywords, value: &Value, depth: usize, report: &mut Report) -> Result<(), Abort> {
        // anyOf has its answer at the first match; oneOf at the second, unless its message
        // (which counts every match) is wanted.
        let (list, stop_after): (&[usize], Option<usize>) = match kw {
            Kw::AllOf => (&k.all_of, None),
            Kw::AnyOf => (&k.any_of, Some(1)),
            Kw::OneOf => (&k.one_of, report.quiet.then_some(2)),
            _ => match &k.not {
                Some(n) => {
                    if self.branch(*n, value, depth)? {
                        report.error(|| msg::NOT.to_string());
                    }
                    return Ok(());
                }
                None => return Ok(()),
            },
        };
        if list.is_empty() {
            return Ok(());
        }
        let mut matched = 0usize;
        for node in list {
            if self.branch(*node, value, depth)? {
                matched = matched.saturating_add(1);
            } else if matches!(kw, Kw::AllOf) && report.quiet {
                break;
            }
            if stop_after.is_some_and(|s| matched >= s) {
                break;
            }
        }
        let total = list.len();
        match kw {
            Kw::AllOf if matched < total => report.error(|| msg::all_of(matched, total)),
            Kw::AnyOf if matched == 0 => report.error(|| msg::any_of(total)),
            Kw::OneOf if matched != 1 => report.error(|| msg::one_of(matched, total)),
            _ => {}
        }
        Ok(())
    }

    fn enumeration(&mut self, k: &Keywords, value: &Value, report: &mut Report) -> Result<(), Abort> {
        let Some(allowed) = &k.enumeration else { return Ok(()) };
        for candidate in allowed {
            if values::equal(candidate, value, 0, &mut self.steps)? {
                return Ok(());
            }
        }
        report.error(|| msg::not_in_enum(value, allowed));
        Ok(())
    }

    fn object_keyword(
        &mut self,
        kw: Kw,
        k: &'s Keywords,
        map: &Map<String, Value>,
        value: &Value,
        depth: usize,
        report: &mut Report,
    ) -> Result<(), Abort> {
        match kw {
            Kw::AdditionalProperties if matches!(k.additional_properties, Additional::Forbidden) => {
                let allowed = |name: &str| {
                    k.properties.contains_key(name) || k.pattern_properties.iter().any(|(p, _)| p.regex.is_match(name))
                };
                // The list is built only for the message.
                if map.keys().any(|name| !allowed(name)) {
                    report.error(|| {
                        let mut unwanted: Vec<&str> = map.keys().map(String::as_str).filter(|n| !allowed(n)).collect();
                        sort_java(&mut unwanted);
                        msg::unwanted_properties(&unwanted)
                    });
                }
            }
            Kw::Dependencies => return self.dependencies(k, map, value, depth, report),
            Kw::MaxProperties => {
                if let Some(max) = k.max_properties.filter(|m| (map.len() as u64) > *m) {
                    report.error(|| msg::too_many_properties(map.len(), max));
                }
            }
            Kw::MinProperties => {
                if let Some(min) = k.min_properties.filter(|m| (map.len() as u64) < *m) {
                    report.error(|| msg::too_few_properties(map.len(), min));
                }
            }
            Kw::Required if k.required.iter().any(|name| !map.contains_key(name)) => {
                report.error(|| {
                    let missing = k.required.iter().map(String::as_str).filter(|n| !map.contains_key(*n));
                    msg::missing_required(&dedup(missing.collect()))
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn dependencies(&mut self, k: &'s Keywords, map: &Map<String, Value>, value: &Value, depth: usize, report: &mut Report) -> Result<(), Abort> {
        for (name, dep) in &k.dependencies {
            if !map.contains_key(name) {
                continue;
            }
            match dep {
                Dependency::Properties(requires) => {
                    let missing: Vec<&str> =
                        requires.iter().filter(|r| !map.contains_key(*r)).map(String::as_str).collect();
                    if !missing.is_empty() {
                        report.error(|| msg::missing_dependencies(name, requires, &missing));
                    }
                }
                // A schema dependency validates the object itself, into the same report.
                Dependency::Schema(node) => self.validate(*node, value, depth.saturating_add(1), report)?,
            }
            if report.settled() {
                break;
            }
        }
        Ok(())
    }

    fn array_keyword(&mut self, kw: Kw, k: &Keywords, items: &[Value], report: &mut Report) -> Result<(), Abort> {
        let len = items.len();
        match kw {
            Kw::AdditionalItems => {
                if let (Items::Tuple(schemas), Additional::Forbidden) = (&k.items, &k.additional_items) {
                    if len > schemas.len() {
                        report.error(|| msg::too_many_items(schemas.len(), len));
                    }
                }
            }
            Kw::MaxItems => {
                if let Some(max) = k.max_items.filter(|m| (len as u64) > *m) {
                    report.error(|| msg::array_too_long(max, len));
                }
            }
            Kw::MinItems => {
                if let Some(min) = k.min_items.filter(|m| (len as u64) < *m) {
                    report.error(|| msg::array_too_short(min, len));
                }
            }
            Kw::UniqueItems if k.unique_items && has_duplicates(items, &mut self.steps)? => {
                report.error(|| msg::DUPLICATE_ITEMS.to_string());
            }
            _ => {}
        }
        Ok(())
    }

    /// Each member against `properties[name]` and every matching `patternProperties`, else
    /// against `additionalProperties` when it is a schema. In name order when messages are kept;
    /// a quiet report's verdict does not depend on the order, so it skips the sort.
    fn members(&mut self, k: &'s Keywords, map: &Map<String, Value>, depth: usize, report: &mut Report) -> Result<(), Abort> {
        let next = depth.saturating_add(1);
        if report.quiet {
            for (name, member) in map {
                self.member(k, name, member, next, report)?;
                if report.settled() {
                    break;
                }
            }
            return Ok(());
        }
        let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
        sort_java(&mut names);
        for name in names {
            if let Some(member) = map.get(name) {
                self.member(k, name, member, next, report)?;
            }
        }
        Ok(())
    }

    fn member(&mut self, k: &'s Keywords, name: &str, member: &Value, depth: usize, report: &mut Report) -> Result<(), Abort> {
        let mut any = false;
        if let Some(node) = k.properties.get(name) {
            any = true;
            self.validate(*node, member, depth, report)?;
        }
        for (pattern, node) in &k.pattern_properties {
            self.step()?;
            if pattern.regex.is_match(name) {
                any = true;
                self.validate(*node, member, depth, report)?;
            }
        }
        if let (false, Additional::Schema(node)) = (any, &k.additional_properties) {
            self.validate(*node, member, depth, report)?;
        }
        Ok(())
    }

    fn elements(&mut self, k: &'s Keywords, items: &[Value], depth: usize, report: &mut Report) -> Result<(), Abort> {
        let next = depth.saturating_add(1);
        for (i, item) in items.iter().enumerate() {
            let node = match &k.items {
                Items::Any => return Ok(()),
                Items::One(node) => Some(*node),
                Items::Tuple(list) => match (list.get(i), &k.additional_items) {
                    (Some(node), _) => Some(*node),
                    (None, Additional::Schema(node)) => Some(*node),
                    (None, _) => None,
                },
            };
            let Some(node) = node else { return Ok(()) };
            self.validate(node, item, next, report)?;
            if report.settled() {
                break;
            }
        }
        Ok(())
    }
}

fn check_type(k: &Keywords, value: &Value, report: &mut Report) {
    let Some(allowed) = k.types else { return };
    let found = msg::type_name(value);
    let ok = allowed.contains(found) || (found == "integer" && allowed.contains("number"));
    if !ok {
        report.error(|| msg::type_mismatch(found, allowed));
    }
}

fn string_keyword(kw: Kw, k: &Keywords, s: &str, report: &mut Report) {
    match kw {
        Kw::MaxLength => {
            if let Some(max) = k.max_length {
                // Lengths in Unicode code points, as Java's codePointCount.
                let len = s.chars().count();
                if (len as u64) > max {
                    report.error(|| msg::string_too_long(s, len, max));
                }
            }
        }
        Kw::MinLength => {
            if let Some(min) = k.min_length {
                let len = s.chars().count();
                if (len as u64) < min {
                    report.error(|| msg::string_too_short(s, len, min));
                }
            }
        }
        Kw::Pattern => {
            if let Some(p) = k.pattern.as_ref().filter(|p| !p.regex.is_match(s)) {
                report.error(|| msg::no_pattern_match(&p.source, s));
            }
        }
        _ => {}
    }
}

fn number_keyword(kw: Kw, k: &Keywords, n: &serde_json::Number, report: &mut Report) {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (kw, kw_bound(kw, k)) {
        (Kw::Maximum, Some(b)) => match values::compare(n, &b.limit) {
            Some(Greater) => report.error(|| msg::above_maximum(&b.limit, n)),
            Some(Equal) if b.exclusive => report.error(|| msg::not_below_maximum(&b.limit)),
            _ => {}
        },
        (Kw::Minimum, Some(b)) => match values::compare(n, &b.limit) {
            Some(Less) => report.error(|| msg::below_minimum(&b.limit, n)),
            Some(Equal) if b.exclusive => report.error(|| msg::not_above_minimum(&b.limit)),
            _ => {}
        },
        (Kw::MultipleOf, _) => {
            if let Some(d) = k.multiple_of.as_ref().filter(|d| !values::is_multiple(n, d)) {
                report.error(|| msg::not_multiple(n, d));
            }
        }
        _ => {}
    }
}

fn kw_bound(kw: Kw, k: &Keywords) -> Option<&super::node::Bound> {
    match kw {
        Kw::Maximum => k.maximum.as_ref(),
        Kw::Minimum => k.minimum.as_ref(),
        _ => None,
    }
}

/// Member names in Java's `String.compareTo` order: UTF-16 code units, which differs from Rust's
/// byte order only past U+FFFF. Names of one object are unique, so an unstable sort gives the
/// same order (and one sort in the binary: each instantiation costs kilobytes of wasm).
fn sort_java(names: &mut [&str]) {
    names.sort_unstable_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
}

/// `required` names once each, first place kept (AWS's validator reads them as a set).
fn dedup(names: Vec<&str>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(names.len());
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// Whether two elements are equal: hashed into buckets, compared only within a bucket, so a long
/// array costs about its size, not its square.
fn has_duplicates(items: &[Value], steps: &mut u64) -> Result<bool, Abort> {
    let mut buckets: std::collections::HashMap<u64, Vec<&Value>> = std::collections::HashMap::new();
    for item in items {
        let bucket = buckets.entry(values::hash(item, 0, steps)?).or_default();
        for seen in bucket.iter() {
            if values::equal(seen, item, 0, steps)? {
                return Ok(true);
            }
        }
        bucket.push(item);
    }
    Ok(false)
}
