//! Compiling a model (a JSON Schema draft 4 object) into a [`Schema`] once, at configure time.
//!
//! Two kinds of problems (access-control §6):
//! - [`SchemaError::Refused`]: what AWS's import refuses (a schema that is not an object, a
//!   `type` that is not a JSON Schema type, a `$ref` to a model that does not exist): the
//!   definition is refused at load, naming the field;
//! - [`SchemaError::Unusable`]: what AWS accepts but cannot validate with (a pattern that does not
//!   compile, a keyword of the wrong JSON type such as `minLength: "5"` or draft 3's
//!   `required: true`, a reference loop, a reference outside the definition): the operation
//!   answers 500 for bodies of that content type, the rest of the API is served.
//!
//! References are compiled to indices into one table through a work list, so a recursive model
//! compiles to a cycle of indices and compiling never recurses along references.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};

use super::node::{Additional, Bound, Dependency, Items, Keywords, Node, Pattern, TypeSet};
use super::{Schema, MAX_SCHEMA_NESTING, MAX_SCHEMA_NODES};
use crate::validation::pointer;

/// Why a model cannot be used as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaError {
    /// AWS refuses it at import: the definition is refused, naming `field`.
    Refused { field: String, message: String },
    /// AWS accepts it but cannot validate with it: requests get 500.
    Unusable(String),
}

fn refused(field: impl Into<String>, message: impl Into<String>) -> SchemaError {
    SchemaError::Refused { field: field.into(), message: message.into() }
}

fn unusable(message: impl Into<String>) -> SchemaError {
    SchemaError::Unusable(message.into())
}

/// Compiles `schema`, found at `field` of the definition `doc` (used in errors). Local
/// references are resolved in `doc`, then in the model itself (`#` is the model).
pub fn compile(doc: &Value, schema: &Value, field: &str) -> Result<Schema, SchemaError> {
    let mut b = Builder {
        doc,
        model: schema,
        nodes: Vec::new(),
        by_ref: HashMap::new(),
        pending: Vec::new(),
    };
    let root = b.alloc()?;
    b.by_ref.insert("#".to_string(), root);
    b.pending.push((root, schema, field.to_string()));
    while let Some((slot, value, field)) = b.pending.pop() {
        let node = b.node(value, &field, 0)?;
        if let Some(s) = b.nodes.get_mut(slot) {
            *s = Some(node);
        }
    }
    b.finish(root)
}

/// A map of the definition and the field it is at.
type Located<'d> = (&'d Map<String, Value>, String);

struct Builder<'d> {
    doc: &'d Value,
    model: &'d Value,
    nodes: Vec<Option<Node>>,
    /// Reference (local form) -> node, so each referenced schema compiles once.
    by_ref: HashMap<String, usize>,
    /// Referenced schemas still to compile: (node, value, field).
    pending: Vec<(usize, &'d Value, String)>,
}

impl<'d> Builder<'d> {
    fn alloc(&mut self) -> Result<usize, SchemaError> {
        if self.nodes.len() >= MAX_SCHEMA_NODES {
            return Err(unusable(format!("model larger than {MAX_SCHEMA_NODES} schemas (MAX_SCHEMA_NODES)")));
        }
        self.nodes.push(None);
        Ok(self.nodes.len().saturating_sub(1))
    }

    /// An inline sub-schema, compiled now.
    fn sub(&mut self, value: &'d Value, field: String, depth: usize) -> Result<usize, SchemaError> {
        let index = self.alloc()?;
        let node = self.node(value, &field, depth.saturating_add(1))?;
        if let Some(s) = self.nodes.get_mut(index) {
            *s = Some(node);
        }
        Ok(index)
    }

    fn node(&mut self, value: &'d Value, field: &str, depth: usize) -> Result<Node, SchemaError> {
        if depth > MAX_SCHEMA_NESTING {
            return Err(unusable(format!("{field}: schema nested deeper than {MAX_SCHEMA_NESTING} (MAX_SCHEMA_NESTING)")));
        }
        let Some(o) = value.as_object() else {
            return Err(refused(field, "a schema must be a JSON object"));
        };
        match o.get("$ref") {
            Some(Value::String(r)) => return self.reference(r, field).map(Node::Ref),
            Some(_) => return Err(refused(format!("{field}.$ref"), "must be a string")),
            None => {}
        }
        let mut k = Keywords {
            types: types(o.get("type"), field)?,
            enumeration: enumeration(o.get("enum"), field)?,
            ..Keywords::default()
        };
        self.combinators(o, field, depth, &mut k)?;
        numbers(o, field, &mut k)?;
        strings(o, field, &mut k)?;
        self.arrays(o, field, depth, &mut k)?;
        self.objects(o, field, depth, &mut k)?;
        Ok(Node::Keywords(Box::new(k)))
    }

    /// The node of a referenced schema, queued for compilation the first time.
    fn reference(&mut self, r: &str, field: &str) -> Result<usize, SchemaError> {
        let (key, target, target_field) = self.resolve(r, field)?;
        if let Some(i) = self.by_ref.get(&key) {
            return Ok(*i);
        }
        let index = self.alloc()?;
        self.by_ref.insert(key, index);
        self.pending.push((index, target, target_field));
        Ok(index)
    }

    /// A reference as (key, value, field of the value).
    fn resolve(&self, r: &str, field: &str) -> Result<(String, &'d Value, String), SchemaError> {
        if r == "#" {
            return Ok(("#".to_string(), self.model, field.to_string()));
        }
        if r.starts_with('#') {
            if let Some(v) = pointer::resolve(self.doc, r) {
                return Ok((r.to_string(), v, pointer::field_of(r)));
            }
            if let Some(v) = pointer::resolve(self.model, r) {
                return Ok((format!("model{r}"), v, format!("{field}.$ref")));
            }
            return Err(refused(format!("{field}.$ref"), format!("{r:?} names no model or schema in the definition")));
        }
        if pointer::aws_model_name(r).is_some() {
            return match pointer::model(self.doc, r) {
                Some((local, v)) => Ok((local.clone(), v, pointer::field_of(&local))),
                None => Err(refused(format!("{field}.$ref"), format!("{r:?} names a model the definition does not have"))),
            };
        }
        Err(unusable(format!("{field}.$ref: {r:?} is outside the definition (only local references and API Gateway model URLs are read)")))
    }

    fn combinators(&mut self, o: &'d Map<String, Value>, field: &str, depth: usize, k: &mut Keywords) -> Result<(), SchemaError> {
        k.all_of = self.schema_list(o, "allOf", field, depth)?;
        k.any_of = self.schema_list(o, "anyOf", field, depth)?;
        k.one_of = self.schema_list(o, "oneOf", field, depth)?;
        if let Some(v) = o.get("not") {
            k.not = Some(self.sub(v, format!("{field}.not"), depth)?);
        }
        Ok(())
    }

    fn schema_list(&mut self, o: &'d Map<String, Value>, key: &str, field: &str, depth: usize) -> Result<Vec<usize>, SchemaError> {
        match o.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .enumerate()
                .map(|(i, v)| self.sub(v, format!("{field}.{key}[{i}]"), depth))
                .collect(),
            Some(_) => Err(unusable(format!("{field}.{key} must be a non-empty list of schemas"))),
        }
    }

    fn arrays(&mut self, o: &'d Map<String, Value>, field: &str, depth: usize, k: &mut Keywords) -> Result<(), SchemaError> {
        k.items = match o.get("items") {
            None => Items::Any,
            Some(Value::Array(list)) => Items::Tuple(
                list.iter()
                    .enumerate()
                    .map(|(i, v)| self.sub(v, format!("{field}.items[{i}]"), depth))
                    .collect::<Result<_, _>>()?,
            ),
            Some(v) => Items::One(self.sub(v, format!("{field}.items"), depth)?),
        };
        k.additional_items = self.additional(o.get("additionalItems"), format!("{field}.additionalItems"), depth)?;
        k.min_items = count(o, "minItems", field)?;
        k.max_items = count(o, "maxItems", field)?;
        k.unique_items = boolean(o, "uniqueItems", field)?;
        Ok(())
    }

    fn additional(&mut self, v: Option<&'d Value>, field: String, depth: usize) -> Result<Additional, SchemaError> {
        Ok(match v {
            None | Some(Value::Bool(true)) => Additional::Allowed,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(v) => Additional::Schema(self.sub(v, field, depth)?),
        })
    }

    fn objects(&mut self, o: &'d Map<String, Value>, field: &str, depth: usize, k: &mut Keywords) -> Result<(), SchemaError> {
        if let Some((map, at)) = self.keyword_map(o, "properties", field)? {
            for (name, v) in map {
                let index = self.sub(v, format!("{at}.{name}"), depth)?;
                k.properties.insert(name.clone(), index);
            }
        }
        if let Some((map, at)) = self.keyword_map(o, "patternProperties", field)? {
            for (source, v) in map {
                let pattern = compile_pattern(source, &format!("{at} key"))?;
                k.pattern_properties.push((pattern, self.sub(v, format!("{at}.{source}"), depth)?));
            }
        }
        k.additional_properties = self.additional(o.get("additionalProperties"), format!("{field}.additionalProperties"), depth)?;
        k.required = match o.get("required") {
            None => Vec::new(),
            Some(v) => names(v).ok_or_else(|| unusable(format!("{field}.required must be a list of property names")))?,
        };
        k.min_properties = count(o, "minProperties", field)?;
        k.max_properties = count(o, "maxProperties", field)?;
        if let Some((map, at)) = self.keyword_map(o, "dependencies", field)? {
            for (name, v) in map {
                let dep = match v {
                    Value::Array(_) => Dependency::Properties(
                        names(v).ok_or_else(|| unusable(format!("{at}.{name} must be a list of property names")))?,
                    ),
                    _ => Dependency::Schema(self.sub(v, format!("{at}.{name}"), depth)?),
                };
                k.dependencies.push((name.clone(), dep));
            }
        }
        Ok(())
    }

    /// A keyword whose value is a map of names (`properties`, `patternProperties`,
    /// `dependencies`), and where it is. A map that is only `{"$ref": "..."}` is read as a JSON
    /// Reference to the map (published definitions write
    /// `properties: {$ref: "#/components/schemas/X/properties"}` to share another model's
    /// properties).
    fn keyword_map(&self, o: &'d Map<String, Value>, key: &str, field: &str) -> Result<Option<Located<'d>>, SchemaError> {
        let at = format!("{field}.{key}");
        match o.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => match map.get("$ref") {
                Some(Value::String(r)) if map.len() == 1 => {
                    let (_, target, target_field) = self.resolve(r, &at)?;
                    let target = target.as_object().ok_or_else(|| refused(format!("{at}.$ref"), format!("{r:?} does not name an object")))?;
                    Ok(Some((target, target_field)))
                }
                _ => Ok(Some((map, at))),
            },
            Some(_) => Err(unusable(format!("{at} must be an object"))),
        }
    }

    /// The table, every reference pointing straight at a schema with keywords.
    fn finish(self, root: usize) -> Result<Schema, SchemaError> {
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in self.nodes {
            nodes.push(n.ok_or_else(|| unusable("a reference was left unresolved"))?);
        }
        let limit = nodes.len();
        for i in 0..limit {
            let Some(Node::Ref(first)) = nodes.get(i) else { continue };
            let mut target = *first;
            let mut hops = 0usize;
            while let Some(Node::Ref(next)) = nodes.get(target) {
                target = *next;
                hops = hops.saturating_add(1);
                if hops > limit {
                    return Err(unusable("JSON Reference loop: references that only name each other"));
                }
            }
            if let Some(n) = nodes.get_mut(i) {
                *n = Node::Ref(target);
            }
        }
        Ok(Schema { nodes, root })
    }
}

/// `type`: a type name or a list of them; anything else is what AWS's import refuses.
fn types(v: Option<&Value>, field: &str) -> Result<Option<TypeSet>, SchemaError> {
    let one = |name: &Value| -> Result<TypeSet, SchemaError> {
        let Some(name) = name.as_str() else {
            return Err(refused(format!("{field}.type"), "must be a type name or a list of type names"));
        };
        TypeSet::from_name(name).ok_or_else(|| {
            refused(
                format!("{field}.type"),
                format!("{name:?} is not a JSON Schema type (array, boolean, integer, null, number, object, string)"),
            )
        })
    };
    match v {
        None => Ok(None),
        Some(Value::Array(list)) if list.is_empty() => Err(unusable(format!("{field}.type is an empty list"))),
        Some(Value::Array(list)) => list.iter().try_fold(TypeSet::default(), |acc, n| Ok(acc.union(one(n)?))).map(Some),
        Some(name) => one(name).map(Some),
    }
}

fn enumeration(v: Option<&Value>, field: &str) -> Result<Option<Vec<Value>>, SchemaError> {
    match v {
        None => Ok(None),
        Some(Value::Array(list)) if !list.is_empty() => Ok(Some(list.clone())),
        Some(_) => Err(unusable(format!("{field}.enum must be a non-empty list"))),
    }
}

fn numbers(o: &Map<String, Value>, field: &str, k: &mut Keywords) -> Result<(), SchemaError> {
    let number = |key: &str| -> Result<Option<Number>, SchemaError> {
        match o.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.clone())),
            Some(_) => Err(unusable(format!("{field}.{key} must be a number"))),
        }
    };
    let bound = |key: &str, exclusive: &str| -> Result<Option<Bound>, SchemaError> {
        let exclusive = boolean(o, exclusive, field)?;
        Ok(number(key)?.map(|limit| Bound { limit, exclusive }))
    };
    k.minimum = bound("minimum", "exclusiveMinimum")?;
    k.maximum = bound("maximum", "exclusiveMaximum")?;
    k.multiple_of = number("multipleOf")?;
    if k.multiple_of.as_ref().is_some_and(|n| n.as_f64().is_none_or(|f| f <= 0.0)) {
        return Err(unusable(format!("{field}.multipleOf must be greater than 0")));
    }
    Ok(())
}

fn strings(o: &Map<String, Value>, field: &str, k: &mut Keywords) -> Result<(), SchemaError> {
    k.min_length = count(o, "minLength", field)?;
    k.max_length = count(o, "maxLength", field)?;
    k.pattern = match o.get("pattern") {
        None => None,
        Some(Value::String(p)) => Some(compile_pattern(p, &format!("{field}.pattern"))?),
        Some(_) => return Err(unusable(format!("{field}.pattern must be a string"))),
    };
    Ok(())
}

/// A non-negative integer keyword (`minLength`, `maxItems`...); `5.0` counts as 5.
fn count(o: &Map<String, Value>, key: &str, field: &str) -> Result<Option<u64>, SchemaError> {
    let Some(v) = o.get(key) else { return Ok(None) };
    let n = v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
            .map(|f| f as u64)
    });
    n.map(Some).ok_or_else(|| unusable(format!("{field}.{key} must be a non-negative integer")))
}

fn boolean(o: &Map<String, Value>, key: &str, field: &str) -> Result<bool, SchemaError> {
    match o.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(unusable(format!("{field}.{key} must be true or false"))),
    }
}

/// A list of strings (`required`, property dependencies).
fn names(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|n| n.as_str().map(str::to_string)).collect()
}

/// A `pattern` through the repository's Java-regex translator (`crate::java_regex`), unanchored
/// as JSON Schema's `pattern` is. AWS's validator reads ECMA 262 patterns: the constructs both
/// dialects share behave alike; a construct the translator refuses makes the model unusable.
fn compile_pattern(source: &str, field: &str) -> Result<Pattern, SchemaError> {
    if source.len() > crate::java_regex::MAX_PATTERN_LEN {
        return Err(unusable(format!("{field}: pattern longer than {} bytes", crate::java_regex::MAX_PATTERN_LEN)));
    }
    let translated = crate::java_regex::translate(source).map_err(|e| unusable(format!("{field} {source:?}: {e}")))?;
    let regex = regex_lite::Regex::new(&translated).map_err(|e| unusable(format!("{field} {source:?}: {e}")))?;
    Ok(Pattern { source: source.to_string(), regex })
}
