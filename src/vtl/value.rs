//! Java-like values as Velocity sees them: `Integer`/`Long`/`Double`, `String`, `ArrayList`,
//! `LinkedHashMap`, plus a few engine objects (`$foreach`, `#define` blocks, `$input`, `$util`).
//!
//! Lists and maps are shared and mutable, like Java references: `#set($b = $a)$b.add(1)` changes
//! `$a` too. Interior mutability goes through `try_borrow*` only, so a re-entrant access can never
//! panic; it degrades to "no value" instead.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use super::ast::Node;

/// Deepest nesting that printing, comparing or converting a value follows. Java would overflow its
/// stack somewhere in the thousands; we stop earlier and say so.
pub const MAX_VALUE_DEPTH: usize = 128;

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    String(Rc<str>),
    List(ListRef),
    Map(MapRef),
    /// Engine objects with Java methods of their own.
    Object(Rc<JavaObject>),
}

/// A Java `List`. `json` marks the lists `$input.path` returns, which API Gateway prints as JSON.
#[derive(Clone, Debug)]
pub struct ListRef(pub(crate) Rc<ListObj>);

#[derive(Debug)]
pub struct ListObj {
    pub(crate) items: RefCell<Vec<Value>>,
    pub(crate) json: bool,
}

/// A Java `LinkedHashMap`.
#[derive(Clone, Debug)]
pub struct MapRef(pub(crate) Rc<RefCell<JavaMap>>);

/// Insertion-ordered map with Java `equals` on keys. Small maps (the usual case) are a plain
/// list searched in order; past [`INDEX_THRESHOLD`] entries the string keys are also indexed
/// (SipHash with a random key: map keys may come from the request body).
#[derive(Debug, Default)]
pub struct JavaMap {
    entries: Vec<(Value, Value)>,
    // Boxed: most maps never have one, and the map stays small without it.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Rc<str>, usize>>>,
    /// Prints as nothing: API Gateway's nested `$context` maps (`identity`, `requestOverride`...)
    /// are not Java maps there, and printing one gives "" (README: "Mapping templates (VTL)").
    opaque: bool,
}

/// Size above which a map indexes its string keys.
const INDEX_THRESHOLD: usize = 16;

#[derive(Debug)]
pub enum JavaObject {
    Input,
    Util,
    Foreach(ForeachScope),
    Block(BlockValue),
    Entry(Value, Value),
}

/// `$foreach` of one loop (Velocity 1.7 `ForeachScope`).
#[derive(Debug)]
pub struct ForeachScope {
    pub(crate) index: Cell<i64>,
    pub(crate) has_next: Cell<bool>,
    pub(crate) parent: Option<Value>,
    pub(crate) id: u64,
}

/// What `#define($x)...#end` stores in `$x`: the body, rendered each time it is printed.
#[derive(Debug)]
pub struct BlockValue {
    pub(crate) body: Arc<Vec<Node>>,
    /// Velocity's `Block.Reference` depth guard (`directive.define.max.depth` = 2).
    pub(crate) depth: Cell<u32>,
}

// Dropping a long chain of nested lists/maps recursively could overflow the stack (a template can
// build one in a loop), so containers hand their children to an explicit work list instead.
impl Drop for ListObj {
    fn drop(&mut self) {
        let mut work = Vec::new();
        take_containers(self.items.get_mut().iter_mut(), &mut work);
        drain_values(&mut work);
    }
}

impl Drop for JavaMap {
    fn drop(&mut self) {
        let mut work = Vec::new();
        take_containers(self.entries.iter_mut().flat_map(|(k, v)| [k, v]), &mut work);
        drain_values(&mut work);
    }
}

/// Moves the lists and maps among `values` to `work` (leaving null); the rest drop in place.
fn take_containers<'a>(values: impl Iterator<Item = &'a mut Value>, work: &mut Vec<Value>) {
    for v in values {
        if matches!(v, Value::List(_) | Value::Map(_)) {
            work.push(std::mem::replace(v, Value::Null));
        }
    }
}

fn drain_values(work: &mut Vec<Value>) {
    while let Some(v) = work.pop() {
        match v {
            Value::List(l) => {
                if let Ok(mut obj) = Rc::try_unwrap(l.0) {
                    take_containers(obj.items.get_mut().iter_mut(), work);
                }
            }
            Value::Map(m) => {
                if let Ok(cell) = Rc::try_unwrap(m.0) {
                    let mut jm = cell.into_inner();
                    take_containers(jm.entries.iter_mut().flat_map(|(k, v)| [k, v]), work);
                }
            }
            _ => {}
        }
    }
}

impl ListRef {
    pub fn new(items: Vec<Value>) -> ListRef {
        ListRef(Rc::new(ListObj { items: RefCell::new(items), json: false }))
    }
    pub fn new_json(items: Vec<Value>) -> ListRef {
        ListRef(Rc::new(ListObj { items: RefCell::new(items), json: true }))
    }
    /// A copy of the elements (empty if the list is being mutated right now).
    pub fn snapshot(&self) -> Vec<Value> {
        self.0.items.try_borrow().map(|v| v.clone()).unwrap_or_default()
    }
    pub fn len(&self) -> usize {
        self.0.items.try_borrow().map(|v| v.len()).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<Value> {
        self.0.items.try_borrow().ok().and_then(|v| v.get(i).cloned())
    }
    pub fn is_json(&self) -> bool {
        self.0.json
    }
    /// Runs `f` on the elements; `None` if they are borrowed elsewhere.
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> Option<R> {
        self.0.items.try_borrow_mut().ok().map(|mut v| f(&mut v))
    }
    pub fn ptr_eq(&self, other: &ListRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl JavaMap {
    /// A map of entries whose keys are distinct strings (as a parsed JSON object has).
    pub(crate) fn from_unique_entries(entries: Vec<(Value, Value)>) -> JavaMap {
        let mut m = JavaMap { entries, index: None, opaque: false };
        if m.entries.len() > INDEX_THRESHOLD {
            m.build_index();
        }
        m
    }
    fn build_index(&mut self) {
        let mut ix = HashMap::with_capacity(self.entries.len());
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if let Value::String(s) = k {
                ix.insert(s.clone(), i);
            }
        }
        self.index = Some(Box::new(ix));
    }
    fn position_str(&self, key: &str) -> Option<usize> {
        if let Some(ix) = &self.index {
            return ix.get(key).copied();
        }
        self.entries.iter().position(|(k, _)| matches!(k, Value::String(s) if **s == *key))
    }
    fn position(&self, key: &Value) -> Option<usize> {
        if let Value::String(s) = key {
            return self.position_str(s);
        }
        self.entries.iter().position(|(k, _)| java_equals(k, key, 0))
    }
    pub fn get(&self, key: &Value) -> Option<Value> {
        self.position(key).and_then(|i| self.entries.get(i)).map(|(_, v)| v.clone())
    }
    pub fn get_str(&self, key: &str) -> Option<Value> {
        self.position_str(key).and_then(|i| self.entries.get(i)).map(|(_, v)| v.clone())
    }
    pub fn contains_key(&self, key: &Value) -> bool {
        self.position(key).is_some()
    }
    /// Java `put`: returns the previous value (`Null` when there was none).
    pub fn insert(&mut self, key: Value, value: Value) -> Value {
        if let Some(i) = self.position(&key) {
            if let Some(slot) = self.entries.get_mut(i) {
                return std::mem::replace(&mut slot.1, value);
            }
        }
        let i = self.entries.len();
        if let (Some(ix), Value::String(s)) = (&mut self.index, &key) {
            ix.insert(s.clone(), i);
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEX_THRESHOLD {
            self.build_index();
        }
        Value::Null
    }
    pub fn remove(&mut self, key: &Value) -> Value {
        match self.position(key) {
            Some(i) if i < self.entries.len() => {
                let (k, v) = self.entries.remove(i);
                if self.entries.len() <= INDEX_THRESHOLD {
                    self.index = None;
                } else if let Some(ix) = &mut self.index {
                    if let Value::String(s) = &k {
                        ix.remove(&**s);
                    }
                    for p in ix.values_mut() {
                        if *p > i {
                            *p -= 1;
                        }
                    }
                }
                v
            }
            _ => Value::Null,
        }
    }
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }
}

impl MapRef {
    pub fn new() -> MapRef {
        MapRef(Rc::new(RefCell::new(JavaMap::default())))
    }
    /// An empty map that prints as nothing (see [`JavaMap`]'s `opaque`).
    pub fn new_opaque() -> MapRef {
        let mut m = JavaMap::default();
        m.opaque = true;
        MapRef(Rc::new(RefCell::new(m)))
    }
    pub(crate) fn from_map(m: JavaMap) -> MapRef {
        MapRef(Rc::new(RefCell::new(m)))
    }
    pub fn get(&self, key: &Value) -> Option<Value> {
        self.0.try_borrow().ok().and_then(|m| m.get(key))
    }
    pub fn get_str(&self, key: &str) -> Option<Value> {
        self.0.try_borrow().ok().and_then(|m| m.get_str(key))
    }
    pub fn insert(&self, key: Value, value: Value) -> Value {
        self.0.try_borrow_mut().map(|mut m| m.insert(key, value)).unwrap_or(Value::Null)
    }
    pub fn entries(&self) -> Vec<(Value, Value)> {
        self.0.try_borrow().map(|m| m.entries.clone()).unwrap_or_default()
    }
    pub fn len(&self) -> usize {
        self.0.try_borrow().map(|m| m.len()).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut JavaMap) -> R) -> Option<R> {
        self.0.try_borrow_mut().ok().map(|mut m| f(&mut m))
    }
    pub fn with<R>(&self, f: impl FnOnce(&JavaMap) -> R) -> Option<R> {
        self.0.try_borrow().ok().map(|m| f(&m))
    }
    pub fn ptr_eq(&self, other: &MapRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Default for MapRef {
    fn default() -> Self {
        MapRef::new()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(Rc::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Rc::from(s))
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }

    pub fn new_map() -> Value {
        Value::Map(MapRef::new())
    }

    pub fn new_list(items: Vec<Value>) -> Value {
        Value::List(ListRef::new(items))
    }

    /// JSON to Java values as Jackson gives them to `$util.parseJson`: integral numbers are
    /// `Integer` when they fit, else `Long` (else `Double`), decimals `Double`, objects ordered maps.
    pub fn from_json(v: &serde_json::Value) -> Value {
        from_json_depth(v, false, 0)
    }

    /// Like [`Value::from_json`], but lists print as JSON, as `$input.path` results do on API Gateway.
    pub fn from_json_path_result(v: &serde_json::Value) -> Value {
        from_json_depth(v, true, 0)
    }

    /// For `Map` values: `put`. Anything else: nothing happens.
    pub fn map_insert(&self, key: &str, value: Value) {
        if let Value::Map(m) = self {
            m.insert(Value::str(key), value);
        }
    }

    /// Follows map keys: `context.get_path(&["responseOverride", "status"])`.
    pub fn get_path(&self, keys: &[&str]) -> Option<Value> {
        let mut cur = self.clone();
        for k in keys {
            cur = match &cur {
                Value::Map(m) => m.get_str(k)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// What printing the value in a template gives: Java `toString()` (`{a=b, c=d}`, `[1, 2]`),
    /// with null printing as nothing.
    pub fn to_java_string(&self) -> String {
        let mut out = String::new();
        match self {
            Value::Null => {}
            _ => {
                // Too deep a value prints truncated here; the evaluator reports it as an error.
                let _ = write_java(self, &mut out, 0, true);
            }
        }
        out
    }

    /// For `Map` values: each entry as (key, value) printed as a template would print them
    /// (e.g. `$context.responseOverride.header`). Empty for anything else.
    pub fn string_entries(&self) -> Vec<(String, String)> {
        match self {
            Value::Map(m) => m.entries().iter().map(|(k, v)| (k.to_java_string(), v.to_java_string())).collect(),
            _ => Vec::new(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Java class name, for messages and the few places Velocity compares classes.
    pub fn class_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "java.lang.Boolean",
            Value::Int(_) => "java.lang.Integer",
            Value::Long(_) => "java.lang.Long",
            Value::Double(_) => "java.lang.Double",
            Value::String(_) => "java.lang.String",
            Value::List(_) => "java.util.ArrayList",
            Value::Map(_) => "java.util.LinkedHashMap",
            Value::Object(_) => "java.lang.Object",
        }
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Long(_) | Value::Double(_))
    }

    /// Converts back to JSON (numbers, strings, lists, maps; engine objects as their string).
    pub fn to_json(&self) -> serde_json::Value {
        to_json_depth(self, 0)
    }
}

fn from_json_depth(v: &serde_json::Value, json_lists: bool, depth: usize) -> Value {
    use serde_json::Value as J;
    if depth > MAX_VALUE_DEPTH {
        return Value::Null;
    }
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
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
        J::String(s) => Value::str(s),
        J::Array(a) => {
            let items = a.iter().map(|x| from_json_depth(x, json_lists, depth + 1)).collect();
            if json_lists {
                Value::List(ListRef::new_json(items))
            } else {
                Value::List(ListRef::new(items))
            }
        }
        J::Object(o) => {
            let m = MapRef::new();
            for (k, x) in o {
                m.insert(Value::str(k), from_json_depth(x, json_lists, depth + 1));
            }
            Value::Map(m)
        }
    }
}

fn to_json_depth(v: &Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    if depth > MAX_VALUE_DEPTH {
        return J::Null;
    }
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Long(i) => J::from(*i),
        Value::Double(d) => serde_json::Number::from_f64(*d).map(J::Number).unwrap_or(J::Null),
        Value::String(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.snapshot().iter().map(|x| to_json_depth(x, depth + 1)).collect()),
        Value::Map(m) => {
            let mut o = serde_json::Map::new();
            for (k, x) in m.entries() {
                o.insert(k.to_java_string(), to_json_depth(&x, depth + 1));
            }
            J::Object(o)
        }
        Value::Object(_) => J::String(v.to_java_string()),
    }
}

/// Too deeply nested to print or compare.
#[derive(Debug)]
pub struct TooDeep;

/// Java `String.valueOf(v)` into `out`. `top` is false inside collections, where null prints `null`.
pub(crate) fn write_java(v: &Value, out: &mut String, depth: usize, top: bool) -> Result<(), TooDeep> {
    if depth > MAX_VALUE_DEPTH {
        return Err(TooDeep);
    }
    match v {
        Value::Null => {
            if !top {
                out.push_str("null");
            }
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(super::eval::itoa(i64::from(*i), &mut [0; 20])),
        Value::Long(i) => out.push_str(super::eval::itoa(*i, &mut [0; 20])),
        Value::Double(d) => write_java_double(*d, out),
        Value::String(s) => out.push_str(s),
        Value::List(l) => {
            if l.is_json() {
                out.push_str(&json_text(v));
                return Ok(());
            }
            out.push('[');
            for (i, x) in l.snapshot().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                // Java prints a collection that contains itself as "(this Collection)".
                if let Value::List(inner) = x {
                    if inner.ptr_eq(l) {
                        out.push_str("(this Collection)");
                        continue;
                    }
                }
                write_java(x, out, depth + 1, false)?;
            }
            out.push(']');
        }
        Value::Map(m) if m.with(|jm| jm.opaque).unwrap_or(false) => {}
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.entries().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_java_map_part(k, m, out, depth)?;
                out.push('=');
                write_java_map_part(x, m, out, depth)?;
            }
            out.push('}');
        }
        Value::Object(o) => match &**o {
            JavaObject::Entry(k, x) => {
                write_java(k, out, depth + 1, false)?;
                out.push('=');
                write_java(x, out, depth + 1, false)?;
            }
            JavaObject::Foreach(_) => out.push_str("org.apache.velocity.runtime.directive.ForeachScope"),
            JavaObject::Block(_) => out.push_str("org.apache.velocity.runtime.directive.Block$Reference"),
            JavaObject::Input => out.push_str("$input"),
            JavaObject::Util => out.push_str("$util"),
        },
    }
    Ok(())
}

fn write_java_map_part(x: &Value, m: &MapRef, out: &mut String, depth: usize) -> Result<(), TooDeep> {
    if let Value::Map(inner) = x {
        if inner.ptr_eq(m) {
            out.push_str("(this Map)");
            return Ok(());
        }
    }
    write_java(x, out, depth + 1, false)
}

/// JSON text of a value (used for lists from `$input.path`).
pub(crate) fn json_text(v: &Value) -> String {
    serde_json::to_string(&v.to_json()).unwrap_or_default()
}

/// Java `Double.toString` as JDK 17 prints it: plain between 10^-3 and 10^7, else `d.dddE±n`.
/// Digits are the shortest that round-trip (JDK 19+ behaviour; JDK 17 sometimes prints one more).
pub fn java_double_to_string(d: f64) -> String {
    let mut out = String::new();
    write_java_double(d, &mut out);
    out
}

/// [`java_double_to_string`] appended to `out`.
pub(crate) fn write_java_double(d: f64, out: &mut String) {
    use std::fmt::Write as _;
    let abs = d.abs();
    if d.is_finite() && (1e-3..1e7).contains(&abs) {
        // Rust prints the same shortest digits, without exponent in this range; Java always
        // has a fraction.
        let start = out.len();
        let _ = write!(out, "{d}");
        if !out.get(start..).is_some_and(|t| t.contains('.')) {
            out.push_str(".0");
        }
        return;
    }
    out.push_str(&java_double_to_string_slow(d));
}

fn java_double_to_string_slow(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let sci = format!("{:e}", d.abs()); // e.g. "1.2345e7", "5e-2"
    let (mant, exp) = match sci.split_once('e') {
        Some(p) => p,
        None => return sci,
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = if digits.is_empty() { "0".to_string() } else { digits };
    let mut out = String::new();
    if d < 0.0 {
        out.push('-');
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = usize::try_from(exp).unwrap_or(0).saturating_add(1);
            let (ip, fp) = if digits.len() > int_len {
                (digits.get(..int_len).unwrap_or("0").to_string(), digits.get(int_len..).unwrap_or("").to_string())
            } else {
                let mut ip = digits.clone();
                while ip.len() < int_len {
                    ip.push('0');
                }
                (ip, String::new())
            };
            out.push_str(&ip);
            out.push('.');
            out.push_str(if fp.is_empty() { "0" } else { &fp });
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

/// Java `a.equals(b)` (class-sensitive: `Integer(1)` is not `Long(1)`).
pub(crate) fn java_equals(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Long(x), Value::Long(y)) => x == y,
        // Double.equals compares bits (NaN equals NaN, 0.0 is not -0.0).
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (xs, ys) = (x.snapshot(), y.snapshot());
            xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(p, q)| java_equals(p, q, depth + 1))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (xs, ys) = (x.entries(), y.entries());
            xs.len() == ys.len()
                && xs.iter().all(|(k, v)| match y.get(k) {
                    Some(w) => java_equals(v, &w, depth + 1),
                    None => false,
                })
        }
        (Value::Object(x), Value::Object(y)) => match (&**x, &**y) {
            (JavaObject::Entry(k1, v1), JavaObject::Entry(k2, v2)) => {
                java_equals(k1, k2, depth + 1) && java_equals(v1, v2, depth + 1)
            }
            _ => Rc::ptr_eq(x, y),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // Java's Double.toString switches to E notation outside [10^-3, 10^7).
    #[test]
    fn double_to_string_like_java() {
        let cases = [
            (2.0, "2.0"),
            (0.05, "0.05"),
            (3.5, "3.5"),
            (1e10, "1.0E10"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1234567.0, "1234567.0"),
            (12345678.0, "1.2345678E7"),
            (100.0 / 3.0, "33.333333333333336"),
            (-0.0, "-0.0"),
            (-1.5e-7, "-1.5E-7"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
        ];
        for (d, s) in cases {
            assert_eq!(java_double_to_string(d), s, "{d}");
        }
    }

    // The fast path (plain range) prints what the general one does.
    #[test]
    fn double_fast_path_matches() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = match i % 4 {
                0 => f64::from_bits(x),
                1 => (x % 10_000_000) as f64 / 100.0,
                2 => (x % 1_000_000_000) as f64 * 1e-9 * 1e4,
                _ => -((x % 100_000) as f64) / 1000.0,
            };
            let mut fast = String::new();
            write_java_double(d, &mut fast);
            assert_eq!(fast, java_double_to_string_slow(d), "{d:e}");
        }
    }

    // Maps print as {k=v, k2=v2}, lists as [a, b]; null inside collections prints "null".
    #[test]
    fn java_to_string_of_collections() {
        let m = Value::new_map();
        m.map_insert("a", Value::Int(1));
        m.map_insert("b", Value::new_list(vec![Value::str("x"), Value::Null, Value::Double(1.0)]));
        assert_eq!(m.to_java_string(), "{a=1, b=[x, null, 1.0]}");
        m.map_insert("self", m.clone());
        assert_eq!(m.to_java_string(), "{a=1, b=[x, null, 1.0], self=(this Map)}");
        assert_eq!(Value::Null.to_java_string(), "");
    }

    // JSON numbers stay integral; objects keep their order.
    #[test]
    fn from_json_keeps_types_and_order() {
        let j: serde_json::Value = serde_json::from_str(r#"{"z":1,"a":3000000000,"f":1.5,"l":[true,null]}"#).unwrap();
        let v = Value::from_json(&j);
        assert_eq!(v.to_java_string(), "{z=1, a=3000000000, f=1.5, l=[true, null]}");
        assert!(matches!(v.get_path(&["z"]), Some(Value::Int(1))));
        assert!(matches!(v.get_path(&["a"]), Some(Value::Long(3000000000))));
        let p = Value::from_json_path_result(&j);
        assert_eq!(p.get_path(&["l"]).unwrap().to_java_string(), "[true,null]");
    }

    // Small maps scan, large ones index: both keep insertion order and Java equality of keys
    // through puts, replacements and removals across the threshold.
    #[test]
    fn map_small_and_indexed() {
        let mut m = JavaMap::default();
        let n = INDEX_THRESHOLD as i32 * 2;
        for i in 0..n {
            assert!(m.insert(Value::from(format!("k{i}")), Value::Int(i)).is_null());
            assert!(m.insert(Value::Int(i), Value::Int(-i)).is_null());
        }
        assert!(matches!(m.insert(Value::str("k3"), Value::Int(33)), Value::Int(3)));
        assert_eq!(m.len(), n as usize * 2);
        for i in (0..n).step_by(2) {
            assert!(matches!(m.remove(&Value::from(format!("k{i}"))), Value::Int(_)));
            assert!(matches!(m.remove(&Value::Int(i)), Value::Int(_)));
            for j in 0..n {
                let want = if j <= i && j % 2 == 0 { None } else { Some(if j == 3 { 33 } else { j }) };
                let got = m.get_str(&format!("k{j}")).map(|v| match v {
                    Value::Int(x) => x,
                    _ => i32::MIN,
                });
                assert_eq!(got, want, "k{j} after removing k{i}");
            }
        }
        assert!(m.get(&Value::Long(1)).is_none());
        assert!(matches!(m.get(&Value::Int(1)), Some(Value::Int(-1))));
        let keys: Vec<String> = m.entries().iter().map(|(k, _)| k.to_java_string()).take(4).collect();
        assert_eq!(keys, ["k1", "1", "k3", "3"]);
        m.clear();
        assert!(m.get_str("k1").is_none() && m.is_empty());
    }

    // A value nested deeper than MAX_VALUE_DEPTH is cut, never overflowing the stack.
    #[test]
    fn deep_values_do_not_overflow() {
        let mut v = Value::new_map();
        for _ in 0..(MAX_VALUE_DEPTH * 4) {
            let m = Value::new_map();
            m.map_insert("a", v);
            v = m;
        }
        let mut out = String::new();
        assert!(write_java(&v, &mut out, 0, true).is_err());
        let _ = v.to_java_string();
        let _ = v.to_json();
    }

    // Dropping a very long chain of nested containers must not recurse.
    #[test]
    fn deep_chain_drops_iteratively() {
        let mut v = Value::Null;
        for _ in 0..200_000 {
            let m = Value::new_map();
            m.map_insert("a", v);
            v = Value::new_list(vec![m]);
        }
        drop(v);
    }
}
