//! The compiled form of a schema: a table of nodes, references compiled to indices.

use std::collections::HashMap;

use serde_json::{Number, Value};

/// JSON Schema's primitive types as a set, in the order AWS's validator lists them
/// (`["array","boolean","integer","null","number","object","string"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TypeSet(pub u8);

impl TypeSet {
    pub const NAMES: [&'static str; 7] = ["array", "boolean", "integer", "null", "number", "object", "string"];

    pub fn from_name(name: &str) -> Option<TypeSet> {
        let i = Self::NAMES.iter().position(|n| *n == name)?;
        Some(TypeSet(1u8 << i))
    }

    pub fn union(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 | other.0)
    }

    pub fn contains(self, name: &str) -> bool {
        TypeSet::from_name(name).is_some_and(|t| self.0 & t.0 != 0)
    }

    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1u8 << i) != 0)
            .map(|(_, n)| *n)
    }
}

/// One node of the table.
#[derive(Debug)]
pub enum Node {
    /// `$ref`: the schema is the referenced one (draft 4: keywords beside `$ref` are ignored).
    /// After compilation the target is never itself a `Ref`.
    Ref(usize),
    Keywords(Box<Keywords>),
}

/// A compiled `pattern` or `patternProperties` key.
#[derive(Debug)]
pub struct Pattern {
    pub source: String,
    /// Unanchored: JSON Schema's `pattern` matches anywhere in the string.
    pub regex: regex_lite::Regex,
}

/// `minimum`/`maximum` with draft 4's boolean `exclusiveMinimum`/`exclusiveMaximum`.
#[derive(Debug)]
pub struct Bound {
    pub limit: Number,
    pub exclusive: bool,
}

#[derive(Debug, Default)]
pub enum Items {
    #[default]
    Any,
    /// `items` as one schema: every element.
    One(usize),
    /// `items` as a list: element i against schema i; the rest against `additionalItems`.
    Tuple(Vec<usize>),
}

/// `additionalItems` / `additionalProperties`.
#[derive(Debug, Default)]
pub enum Additional {
    #[default]
    Allowed,
    Forbidden,
    Schema(usize),
}

#[derive(Debug)]
pub enum Dependency {
    Properties(Vec<String>),
    Schema(usize),
}

/// The draft 4 keywords of one schema object (the ones that validate; `title`, `description`,
/// `default`, `format`, `definitions` and unknown keywords compile to nothing).
#[derive(Debug, Default)]
pub struct Keywords {
    pub types: Option<TypeSet>,
    pub enumeration: Option<Vec<Value>>,
    pub all_of: Vec<usize>,
    pub any_of: Vec<usize>,
    pub one_of: Vec<usize>,
    pub not: Option<usize>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub multiple_of: Option<Number>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<Pattern>,
    pub items: Items,
    pub additional_items: Additional,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    pub properties: HashMap<String, usize>,
    pub pattern_properties: Vec<(Pattern, usize)>,
    pub additional_properties: Additional,
    pub required: Vec<String>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub dependencies: Vec<(String, Dependency)>,
}
