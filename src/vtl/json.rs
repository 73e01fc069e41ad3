//! The request body (and `$util.parseJson` input) parsed once into a compact, immutable tree.
//!
//! Parsing goes through `serde_json`'s deserializer (same syntax, numbers, recursion limit and
//! error messages as `serde_json::Value`), but builds [`Json`]: strings and keys are `Rc<str>`,
//! so turning a part of it into template values shares them instead of copying. Objects keep
//! their first-seen key order, and a repeated key replaces the value in place (as
//! `serde_json::Map` with `preserve_order` does). Serializing gives `serde_json::to_string`'s
//! text of the equivalent `serde_json::Value`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::value::{JavaMap, ListRef, MapRef, Value, MAX_VALUE_DEPTH};
use crate::jsonpath::JsonNode;

#[derive(Debug)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(Rc<str>),
    Arr(Vec<Json>),
    Obj(Vec<(Rc<str>, Json)>),
}

/// Objects up to this size find a repeated key by scanning; larger ones through a hash index.
const SCAN_KEYS: usize = 16;

impl Json {
    /// The first JSON value of `s`, ignoring what follows (as Jackson reads).
    pub(crate) fn parse_first(s: &str) -> Option<Result<Json, serde_json::Error>> {
        serde_json::Deserializer::from_str(s).into_iter::<Json>().next()
    }

    /// The whole of `s` as one JSON value.
    pub(crate) fn parse(s: &str) -> Result<Json, serde_json::Error> {
        serde_json::from_str(s)
    }

    /// Java values as Jackson gives them (see [`Value::from_json`]); `json_lists`: lists print
    /// as JSON (results of `$input.path`).
    pub(crate) fn to_value(&self, json_lists: bool) -> Value {
        to_value_depth(self, json_lists, 0)
    }

    /// `serde_json::to_string` of the value.
    pub(crate) fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `Integer` when it fits, else `Long`, else `Double`.
pub(crate) fn number_value(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        match i32::try_from(i) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Long(i),
        }
    } else if let Some(u) = n.as_u64() {
        // Beyond i64: Jackson makes a BigInteger; the nearest we have is a Double.
        Value::Double(u as f64)
    } else {
        Value::Double(n.as_f64().unwrap_or(0.0))
    }
}

fn to_value_depth(j: &Json, json_lists: bool, depth: usize) -> Value {
    if depth > MAX_VALUE_DEPTH {
        return Value::Null;
    }
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Num(n) => number_value(n),
        Json::Str(s) => Value::String(s.clone()),
        Json::Arr(a) => {
            let items = a.iter().map(|x| to_value_depth(x, json_lists, depth + 1)).collect();
            if json_lists {
                Value::List(ListRef::new_json(items))
            } else {
                Value::List(ListRef::new(items))
            }
        }
        Json::Obj(o) => {
            let entries =
                o.iter().map(|(k, x)| (Value::String(k.clone()), to_value_depth(x, json_lists, depth + 1))).collect();
            Value::Map(MapRef::from_map(JavaMap::from_unique_entries(entries)))
        }
    }
}

/// Object keys seen so far in one document, shared instead of allocated again (arrays of records
/// repeat the same few keys). Bounded, so a hostile body costs at most a few short comparisons
/// per key.
#[derive(Default)]
struct Keys(RefCell<Vec<Rc<str>>>);

const MAX_INTERNED_KEYS: usize = 32;
const MAX_INTERNED_KEY_LEN: usize = 64;

impl Keys {
    fn get(&self, s: &str) -> Rc<str> {
        if s.len() > MAX_INTERNED_KEY_LEN {
            return Rc::from(s);
        }
        let Ok(mut keys) = self.0.try_borrow_mut() else { return Rc::from(s) };
        if let Some(k) = keys.iter().find(|k| ***k == *s) {
            return k.clone();
        }
        let k: Rc<str> = Rc::from(s);
        if keys.len() < MAX_INTERNED_KEYS {
            keys.push(k.clone());
        }
        k
    }
}

struct KeySeed<'k>(&'k Keys);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Rc<str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Rc<str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Rc<str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Rc<str>, E> {
        Ok(self.0.get(s))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        JsonVisitor(&Keys::default()).deserialize(d)
    }
}

#[derive(Clone, Copy)]
struct JsonVisitor<'k>(&'k Keys);

impl<'de> DeserializeSeed<'de> for JsonVisitor<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonVisitor<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
        Ok(Json::Num(i.into()))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Json, E> {
        Ok(Json::Num(u.into()))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(f).map_or(Json::Null, Json::Num))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(Rc::from(s)))
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(x) = seq.next_element_seed(self)? {
            items.push(x);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(Rc<str>, Json)> = Vec::new();
        // Built once the object outgrows a scan; SipHash, as the keys are the client's.
        let mut index: Option<HashMap<Rc<str>, usize>> = None;
        while let Some(k) = map.next_key_seed(KeySeed(self.0))? {
            let v: Json = map.next_value_seed(self)?;
            let found = match &index {
                Some(ix) => ix.get(&k).copied(),
                None => entries.iter().position(|(x, _)| *x == k),
            };
            if let Some(slot) = found.and_then(|i| entries.get_mut(i)) {
                slot.1 = v;
                continue;
            }
            if let Some(ix) = &mut index {
                ix.insert(k.clone(), entries.len());
            }
            entries.push((k, v));
            if index.is_none() && entries.len() > SCAN_KEYS {
                index = Some(entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
            }
        }
        Ok(Json::Obj(entries))
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Num(n) => n.serialize(s),
            Json::Str(x) => s.serialize_str(x),
            Json::Arr(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for x in a {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            Json::Obj(o) => {
                let mut m = s.serialize_map(Some(o.len()))?;
                for (k, x) in o {
                    m.serialize_entry(&**k, x)?;
                }
                m.end()
            }
        }
    }
}

impl<'a> JsonNode<'a> for &'a Json {
    fn get(self, name: &str) -> Option<Self> {
        match self {
            Json::Obj(o) => o.iter().find(|(k, _)| **k == *name).map(|(_, v)| v),
            _ => None,
        }
    }
    fn array_len(self) -> Option<usize> {
        match self {
            Json::Arr(a) => Some(a.len()),
            _ => None,
        }
    }
    fn at(self, i: usize) -> Option<Self> {
        match self {
            Json::Arr(a) => a.get(i),
            _ => None,
        }
    }
    fn push_children(self, out: &mut Vec<Self>) {
        match self {
            Json::Arr(a) => out.extend(a.iter()),
            Json::Obj(o) => out.extend(o.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    fn length(self) -> Option<usize> {
        match self {
            Json::Arr(a) => Some(a.len()),
            Json::Obj(o) => Some(o.len()),
            Json::Str(s) => Some(s.chars().count()),
            _ => None,
        }
    }
    fn to_serde(self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Num(n) => serde_json::Value::Number(n.clone()),
            Json::Str(s) => serde_json::Value::String(s.to_string()),
            Json::Arr(a) => serde_json::Value::Array(a.iter().map(|x| x.to_serde()).collect()),
            Json::Obj(o) => serde_json::Value::Object(o.iter().map(|(k, x)| (k.to_string(), x.to_serde())).collect()),
        }
    }
}
