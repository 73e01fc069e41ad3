//! Java methods and bean properties Velocity finds on values, `$input` and `$util`.
//!
//! Resolution follows Velocity's introspection: a property `$x.name` is `getName()`, then
//! `get("name")` on a map, then `isName()`; a method must exist with parameter types the
//! arguments convert to, else the call is "not found" (null, printed as ""). A Java exception
//! (index out of range, bad number, bad regex) fails the render, as Velocity's
//! `MethodInvocationException` does.

use std::rc::Rc;
use std::sync::Arc;

use base64::Engine as _;

use super::eval::{method_error, Flow, Renderer, R};
use super::value::{java_equals, JavaObject, ListRef, MapRef, Value};
use super::{MAX_COLLECTION_LEN, MAX_OUTPUT_BYTES};
use super::json::Json;
use crate::java_regex::JavaRegex;
use crate::jsonpath::{JsonPath, Selected};

type Found = Option<Value>;

pub(crate) fn property(r: &mut Renderer, obj: &Value, name: &str) -> R<Value> {
    Ok(match obj {
        Value::Map(m) if name != "class" => m.get_str(name).unwrap_or(Value::Null),
        Value::List(l) if name != "class" => match name {
            "empty" => Value::Bool(l.is_empty()),
            _ => Value::Null,
        },
        Value::String(_) | Value::Map(_) | Value::List(_) | Value::Int(_) | Value::Long(_) | Value::Double(_) | Value::Bool(_)
            if name == "class" =>
        {
            Value::from(format!("class {}", obj.class_name()))
        }
        Value::String(s) => match name {
            "empty" => Value::Bool(s.is_empty()),
            "blank" => Value::Bool(s.chars().all(char::is_whitespace)),
            "bytes" => Value::Null,
            _ => Value::Null,
        },
        Value::Object(o) => match &**o {
            JavaObject::Input if name == "body" => call(r, obj, "getBody", &[])?.unwrap_or(Value::Null),
            JavaObject::Foreach(_) | JavaObject::Entry(..) => {
                let getter = match name {
                    "index" => "getIndex".into(),
                    "count" => "getCount".into(),
                    "hasNext" => "getHasNext".into(),
                    "parent" => "getParent".into(),
                    "topmost" => "getTopmost".into(),
                    "key" => "getKey".into(),
                    "value" => "getValue".into(),
                    "first" | "last" => std::borrow::Cow::Owned(format!("is{}", capitalize(name))),
                    _ => std::borrow::Cow::Owned(format!("get{}", capitalize(name))),
                };
                call(r, obj, &getter, &[])?.unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        _ => Value::Null,
    })
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Calls `name(args)` on `obj`. `Ok(None)`: no such method for these argument types.
pub(crate) fn call(r: &mut Renderer, obj: &Value, name: &str, args: &[Value]) -> R<Found> {
    match obj {
        Value::String(s) => string_method(r, s, name, args),
        Value::Map(m) => map_method(r, obj, m, name, args),
        Value::List(l) => list_method(r, obj, l, name, args),
        Value::Int(_) | Value::Long(_) | Value::Double(_) => number_method(obj, name, args),
        Value::Bool(b) => Ok(match (name, args) {
            ("toString", []) => Some(Value::str(if *b { "true" } else { "false" })),
            ("booleanValue", []) => Some(Value::Bool(*b)),
            ("equals", [o]) => Some(Value::Bool(java_equals(obj, o, 0))),
            _ => None,
        }),
        Value::Object(o) => object_method(r, obj, o, name, args),
        Value::Null => Ok(None),
    }
}

fn common(obj: &Value, name: &str, args: &[Value]) -> Found {
    match (name, args) {
        ("toString", []) => Some(Value::from(obj.to_java_string())),
        ("equals", [o]) => Some(Value::Bool(java_equals(obj, o, 0))),
        _ => None,
    }
}

// ---------- String ----------

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from16(u: &[u16]) -> Value {
    Value::from(String::from_utf16_lossy(u))
}

/// A Java `int` parameter: only Integer converts (not Long or Double).
fn int_arg(v: &Value) -> Option<i32> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

fn str_arg(v: &Value) -> Option<Option<&str>> {
    match v {
        Value::String(s) => Some(Some(s)),
        Value::Null => Some(None),
        _ => None,
    }
}

fn npe() -> Flow {
    method_error("NullPointerException")
}

fn oob(what: &str, i: impl std::fmt::Display, len: usize) -> Flow {
    method_error(format!("{what}IndexOutOfBoundsException: index {i}, length {len}"))
}

fn limit_len(s: &str) -> R<()> {
    if s.len() > MAX_OUTPUT_BYTES {
        return Err(super::error::RenderError::Limit("MAX_OUTPUT_BYTES").into());
    }
    Ok(())
}

/// Java `String.indexOf(String, from)` over UTF-16 units (or bytes, for ASCII strings, where
/// they are the same).
fn index_of<T: PartialEq>(h: &[T], n: &[T], from: i32) -> i32 {
    let from = usize::try_from(from.max(0)).unwrap_or(0);
    if n.is_empty() {
        return i32::try_from(from.min(h.len())).unwrap_or(-1);
    }
    if n.len() > h.len() {
        return -1;
    }
    (from..=h.len() - n.len())
        .find(|&i| h.get(i..i + n.len()) == Some(n))
        .and_then(|i| i32::try_from(i).ok())
        .unwrap_or(-1)
}

fn last_index_of<T: PartialEq>(h: &[T], n: &[T], from: i32) -> i32 {
    if from < 0 || n.len() > h.len() {
        return -1;
    }
    let start = usize::try_from(from).unwrap_or(0).min(h.len() - n.len());
    (0..=start)
        .rev()
        .find(|&i| h.get(i..i + n.len()) == Some(n))
        .and_then(|i| i32::try_from(i).ok())
        .unwrap_or(-1)
}

fn string_method(r: &mut Renderer, s: &Rc<str>, name: &str, args: &[Value]) -> R<Found> {
    let sv = Value::String(s.clone());
    r.charge(s.len())?;
    Ok(Some(match (name, args) {
        ("length", []) => {
            let n = if s.is_ascii() { s.len() } else { s.encode_utf16().count() };
            Value::Int(i32::try_from(n).unwrap_or(i32::MAX))
        }
        ("isEmpty", []) => Value::Bool(s.is_empty()),
        ("isBlank", []) => Value::Bool(s.chars().all(char::is_whitespace)),
        ("toString", []) | ("intern", []) => sv,
        ("toUpperCase", []) => Value::from(s.to_uppercase()),
        ("toLowerCase", []) => Value::from(s.to_lowercase()),
        // Java trim() strips code points <= U+0020, strip() Unicode white space.
        ("trim", []) => Value::str(s.trim_matches(|c: char| c <= ' ')),
        ("strip", []) => Value::str(s.trim()),
        ("stripLeading", []) => Value::str(s.trim_start()),
        ("stripTrailing", []) => Value::str(s.trim_end()),
        ("hashCode", []) => {
            let h = s.encode_utf16().fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
            Value::Int(h)
        }
        ("charAt", [i]) => return string_char_at(s, i),
        ("substring", [a]) | ("substring", [a, _]) | ("subSequence", [a, _]) => {
            return string_substring(s, a, args.get(1))
        }
        ("indexOf", [n]) | ("indexOf", [n, _]) | ("lastIndexOf", [n]) | ("lastIndexOf", [n, _]) => {
            return string_index_of(s, n, args.get(1), name == "lastIndexOf")
        }
        ("contains", [n]) => match str_arg(n) {
            Some(Some(n)) => Value::Bool(s.contains(n)),
            Some(None) => return Err(npe()),
            None => return Ok(None),
        },
        ("startsWith", [n]) | ("endsWith", [n]) => match str_arg(n) {
            Some(Some(n)) => Value::Bool(if name == "startsWith" { s.starts_with(n) } else { s.ends_with(n) }),
            Some(None) => return Err(npe()),
            None => return Ok(None),
        },
        ("startsWith", [n, off]) => return string_starts_with_at(s, n, off),
        ("equals", [o]) => Value::Bool(java_equals(&sv, o, 0)),
        ("equalsIgnoreCase", [o]) => return string_equals_ignore_case(s, o),
        ("compareTo", [o]) | ("compareToIgnoreCase", [o]) => return string_compare_to(s, o, name == "compareTo"),
        ("concat", [o]) => return string_concat(s, o),
        ("replace", [a, b]) => return string_replace(s, a, b),
        ("repeat", [n]) => return string_repeat(s, n),
        ("matches", [p]) | ("replaceAll", [p, _]) | ("replaceFirst", [p, _]) | ("split", [p]) | ("split", [p, _]) => {
            return string_regex_method(s, name, p, args.get(1))
        }
        ("valueOf", [v]) => Value::from(if v.is_null() { "null".to_string() } else { v.to_java_string() }),
        ("join", [d, Value::List(l)]) => return string_join(d, l),
        _ => return Ok(None),
    }))
}

/// `charAt(int)`: the UTF-16 unit at the index, out of range throws.
fn string_char_at(s: &str, i: &Value) -> R<Found> {
    let Some(i) = int_arg(i) else { return Ok(None) };
    if s.is_ascii() {
        // One byte per UTF-16 unit.
        return match usize::try_from(i).ok().and_then(|x| s.get(x..x.saturating_add(1))) {
            Some(c) => Ok(Some(Value::str(c))),
            None => Err(oob("StringIndexOutOfBoundsException: String", i, s.len())),
        };
    }
    let u = utf16(s);
    match usize::try_from(i).ok().and_then(|i| u.get(i)) {
        Some(c) => Ok(Some(from16(&[*c]))),
        None => Err(oob("StringIndexOutOfBoundsException: String", i, u.len())),
    }
}

/// `substring(begin[, end])` / `subSequence(begin, end)` over UTF-16 units; a bad range throws.
fn string_substring(s: &str, a: &Value, b: Option<&Value>) -> R<Found> {
    let Some(a) = int_arg(a) else { return Ok(None) };
    // An ASCII string is its own UTF-16 units, one byte each.
    let ascii = s.is_ascii();
    let u = if ascii { Vec::new() } else { utf16(s) };
    let len = if ascii { s.len() } else { u.len() };
    let b = match b {
        Some(b) => match int_arg(b) {
            Some(b) => b,
            None => return Ok(None),
        },
        None => i32::try_from(len).unwrap_or(i32::MAX),
    };
    match (usize::try_from(a), usize::try_from(b)) {
        (Ok(x), Ok(y)) if x <= y && y <= len && ascii => Ok(Some(Value::str(s.get(x..y).unwrap_or_default()))),
        (Ok(x), Ok(y)) if x <= y && y <= len => Ok(Some(from16(u.get(x..y).unwrap_or(&[])))),
        _ => Err(method_error(format!("StringIndexOutOfBoundsException: begin {a}, end {b}, length {len}"))),
    }
}

/// `indexOf` / `lastIndexOf` of a string or a code point (an Integer), from an optional index.
fn string_index_of(s: &str, n: &Value, from: Option<&Value>, last: bool) -> R<Found> {
    if let (true, Value::String(n)) = (s.is_ascii(), n) {
        if n.is_ascii() {
            // ASCII: byte offsets are UTF-16 indexes.
            let (h, n) = (s.as_bytes(), n.as_bytes());
            let from = match from {
                Some(f) => match int_arg(f) {
                    Some(f) => f,
                    None => return Ok(None),
                },
                None if last => i32::try_from(h.len()).unwrap_or(i32::MAX),
                None => 0,
            };
            return Ok(Some(Value::Int(if last { last_index_of(h, n, from) } else { index_of(h, n, from) })));
        }
    }
    let u = utf16(s);
    let needle = match n {
        Value::String(n) => utf16(n),
        Value::Int(c) => match u16::try_from(*c) {
            Ok(c) => vec![c],
            Err(_) => match char::from_u32(*c as u32) {
                Some(ch) => utf16(&ch.to_string()),
                None => return Ok(Some(Value::Int(-1))),
            },
        },
        Value::Null => return Err(npe()),
        _ => return Ok(None),
    };
    let from = match from {
        Some(f) => match int_arg(f) {
            Some(f) => f,
            None => return Ok(None),
        },
        None if last => i32::try_from(u.len()).unwrap_or(i32::MAX),
        None => 0,
    };
    Ok(Some(Value::Int(if last { last_index_of(&u, &needle, from) } else { index_of(&u, &needle, from) })))
}

/// `startsWith(prefix, offset)`: the prefix at a UTF-16 offset.
fn string_starts_with_at(s: &str, n: &Value, off: &Value) -> R<Found> {
    match (str_arg(n), int_arg(off)) {
        (Some(Some(n)), Some(off)) => {
            let u = utf16(s);
            let nu = utf16(n);
            let ok = usize::try_from(off).ok().and_then(|o| u.get(o..o + nu.len())) == Some(&nu[..]);
            Ok(Some(Value::Bool(ok)))
        }
        (Some(None), _) => Err(npe()),
        _ => Ok(None),
    }
}

/// `equalsIgnoreCase`: character by character, equal in upper or in lower case; null is false.
fn string_equals_ignore_case(s: &str, o: &Value) -> R<Found> {
    match o {
        Value::String(o) => Ok(Some(Value::Bool(
            s.chars().count() == o.chars().count()
                && s.chars().zip(o.chars()).all(|(a, b)| {
                    a == b || a.to_uppercase().eq(b.to_uppercase()) || a.to_lowercase().eq(b.to_lowercase())
                }),
        ))),
        Value::Null => Ok(Some(Value::Bool(false))),
        _ => Ok(None),
    }
}

/// `compareTo` (or, not `exact`, `compareToIgnoreCase`): the first differing UTF-16 units'
/// difference, else the length difference.
fn string_compare_to(s: &str, o: &Value, exact: bool) -> R<Found> {
    match o {
        Value::String(o) => {
            let (a, b) = if exact {
                (utf16(s), utf16(o))
            } else {
                (utf16(&s.to_uppercase().to_lowercase()), utf16(&o.to_uppercase().to_lowercase()))
            };
            let d = a
                .iter()
                .zip(b.iter())
                .find(|(x, y)| x != y)
                .map(|(x, y)| i32::from(*x) - i32::from(*y))
                .unwrap_or_else(|| (a.len() as i64 - b.len() as i64) as i32);
            Ok(Some(Value::Int(d)))
        }
        Value::Null => Err(npe()),
        _ => Ok(None),
    }
}

/// `concat`: null throws, the result is bounded by the output limit.
fn string_concat(s: &str, o: &Value) -> R<Found> {
    match str_arg(o) {
        Some(Some(o)) => {
            let out = format!("{s}{o}");
            limit_len(&out)?;
            Ok(Some(Value::from(out)))
        }
        Some(None) => Err(npe()),
        None => Ok(None),
    }
}

/// `replace(target, replacement)`: literal, every occurrence; a null argument throws.
fn string_replace(s: &str, a: &Value, b: &Value) -> R<Found> {
    match (str_arg(a), str_arg(b)) {
        (Some(Some(a)), Some(Some(b))) => {
            let out = s.replace(a, b);
            limit_len(&out)?;
            Ok(Some(Value::from(out)))
        }
        (Some(_), Some(_)) => Err(npe()),
        _ => Ok(None),
    }
}

/// `repeat(count)`: a negative count throws; the result is bounded before it is built.
fn string_repeat(s: &str, n: &Value) -> R<Found> {
    let Some(n) = int_arg(n) else { return Ok(None) };
    let Ok(n) = usize::try_from(n) else {
        return Err(method_error(format!("IllegalArgumentException: count is negative: {n}")));
    };
    if s.len().saturating_mul(n) > MAX_OUTPUT_BYTES {
        return Err(super::error::RenderError::Limit("MAX_OUTPUT_BYTES").into());
    }
    Ok(Some(Value::from(s.repeat(n))))
}

/// `matches`, `split`, `replaceAll`, `replaceFirst`: the pattern is a Java regex; a null pattern
/// or replacement throws.
fn string_regex_method(s: &str, name: &str, p: &Value, second: Option<&Value>) -> R<Found> {
    let pat = match str_arg(p) {
        Some(Some(p)) => p,
        Some(None) => return Err(npe()),
        None => return Ok(None),
    };
    let re = compile_regex(pat)?;
    Ok(Some(match name {
        "matches" => Value::Bool(re.full_match(s)),
        "split" => {
            let limit = match second {
                Some(l) => match int_arg(l) {
                    Some(l) => l,
                    None => return Ok(None),
                },
                None => 0,
            };
            let parts = re.split(s, limit);
            Value::List(ListRef::new(parts.into_iter().map(Value::from).collect()))
        }
        _ => {
            let repl = match second.and_then(str_arg) {
                Some(Some(x)) => x,
                Some(None) => return Err(npe()),
                None => return Ok(None),
            };
            let out = re.replace(s, repl, name == "replaceAll").map_err(method_error)?;
            limit_len(&out)?;
            Value::from(out)
        }
    }))
}

/// `String.join(delimiter, list)`: the items as `String.valueOf` writes them.
fn string_join(d: &Value, l: &ListRef) -> R<Found> {
    match str_arg(d) {
        Some(Some(d)) => {
            let parts: Vec<String> = l.snapshot().iter().map(java_str).collect();
            let out = parts.join(d);
            limit_len(&out)?;
            Ok(Some(Value::from(out)))
        }
        _ => Ok(None),
    }
}

/// `String.valueOf` inside a collection or argument: null is "null".
fn java_str(v: &Value) -> String {
    if v.is_null() {
        "null".into()
    } else {
        v.to_java_string()
    }
}

/// Compiled once per VM (bounded cache): the same template runs on every request. A refused
/// pattern fails the render as Java's `PatternSyntaxException` would (README: "Mapping templates
/// (VTL)").
fn compile_regex(pat: &str) -> R<Arc<JavaRegex>> {
    crate::java_regex::cached(pat).map_err(|e| method_error(format!("PatternSyntaxException: {e}")))
}

// ---------- Map ----------

fn check_len(n: usize) -> R<()> {
    if n > MAX_COLLECTION_LEN {
        return Err(super::error::RenderError::Limit("MAX_COLLECTION_LEN").into());
    }
    Ok(())
}

fn map_method(r: &mut Renderer, obj: &Value, m: &MapRef, name: &str, args: &[Value]) -> R<Found> {
    Ok(Some(match (name, args) {
        ("get", [k]) => m.get(k).unwrap_or(Value::Null),
        ("getOrDefault", [k, d]) => m.get(k).unwrap_or_else(|| d.clone()),
        ("put", [k, v]) => {
            check_len(m.len() + 1)?;
            m.insert(k.clone(), v.clone())
        }
        ("putIfAbsent", [k, v]) => match m.get(k) {
            Some(x) if !x.is_null() => x,
            _ => m.insert(k.clone(), v.clone()),
        },
        ("putAll", [Value::Map(o)]) => {
            let entries = o.entries();
            r.charge_elems(entries.len())?;
            check_len(m.len() + entries.len())?;
            for (k, v) in entries {
                m.insert(k, v);
            }
            return Ok(Some(Value::str("")));
        }
        ("containsKey", [k]) => Value::Bool(m.with(|jm| jm.contains_key(k)).unwrap_or(false)),
        ("containsValue", [v]) => Value::Bool(m.entries().iter().any(|(_, x)| java_equals(x, v, 0))),
        ("remove", [k]) => m.with_mut(|jm| jm.remove(k)).unwrap_or(Value::Null),
        ("size", []) => Value::Int(i32::try_from(m.len()).unwrap_or(i32::MAX)),
        ("isEmpty", []) => Value::Bool(m.is_empty()),
        ("clear", []) => {
            m.with_mut(|jm| jm.clear());
            return Ok(Some(Value::str("")));
        }
        // Views are copies here (Java's are live).
        ("keySet", []) => Value::List(ListRef::new(m.entries().into_iter().map(|(k, _)| k).collect())),
        ("values", []) => Value::List(ListRef::new(m.entries().into_iter().map(|(_, v)| v).collect())),
        ("entrySet", []) => Value::List(ListRef::new(
            m.entries().into_iter().map(|(k, v)| Value::Object(Rc::new(JavaObject::Entry(k, v)))).collect(),
        )),
        _ => return Ok(common(obj, name, args)),
    }))
}

// ---------- List ----------

fn list_method(r: &mut Renderer, obj: &Value, l: &ListRef, name: &str, args: &[Value]) -> R<Found> {
    let len = l.len();
    let idx = |i: i32, max: usize| list_index(i, max, len);
    Ok(Some(match (name, args) {
        ("get", [i]) => {
            let Some(i) = int_arg(i) else { return Ok(None) };
            l.get(idx(i, len)?).unwrap_or(Value::Null)
        }
        ("set", [i, v]) => {
            let Some(i) = int_arg(i) else { return Ok(None) };
            let i = idx(i, len)?;
            l.with_mut(|items| items.get_mut(i).map(|slot| std::mem::replace(slot, v.clone()))).flatten().unwrap_or(Value::Null)
        }
        ("add", [v]) => {
            check_len(len + 1)?;
            l.with_mut(|items| items.push(v.clone()));
            Value::Bool(true)
        }
        ("add", [i, v]) => {
            let Some(i) = int_arg(i) else { return Ok(None) };
            let i = idx(i, len + 1)?;
            check_len(len + 1)?;
            l.with_mut(|items| items.insert(i.min(items.len()), v.clone()));
            Value::str("")
        }
        ("addAll", [Value::List(o)]) => list_add_all(r, l, o)?,
        ("size", []) => Value::Int(i32::try_from(len).unwrap_or(i32::MAX)),
        ("isEmpty", []) => Value::Bool(len == 0),
        ("contains", [v]) => Value::Bool(l.snapshot().iter().any(|x| java_equals(x, v, 0))),
        ("indexOf", [v]) | ("lastIndexOf", [v]) => list_position(l, v, name == "indexOf"),
        // An Integer argument removes by index (remove(int)); anything else by equality.
        ("remove", [Value::Int(i)]) => {
            let i = idx(*i, len)?;
            l.with_mut(|items| if i < items.len() { items.remove(i) } else { Value::Null }).unwrap_or(Value::Null)
        }
        ("remove", [v]) => list_remove_equal(l, v),
        ("clear", []) => {
            l.with_mut(|items| items.clear());
            Value::str("")
        }
        ("subList", [a, b]) => return list_sub_list(l, a, b),
        _ => return Ok(common(obj, name, args)),
    }))
}

/// A Java `int` index below `max`; anything else throws IndexOutOfBounds for a list of `len`.
fn list_index(i: i32, max: usize, len: usize) -> R<usize> {
    match usize::try_from(i) {
        Ok(u) if u < max => Ok(u),
        _ => Err(oob("", i, len)),
    }
}

/// `addAll(list)`: appends a copy of the other list's items, within the collection limit;
/// true when something was added.
fn list_add_all(r: &mut Renderer, l: &ListRef, o: &ListRef) -> R<Value> {
    let more = o.snapshot();
    r.charge_elems(more.len())?;
    check_len(l.len() + more.len())?;
    let changed = !more.is_empty();
    l.with_mut(|items| items.extend(more));
    Ok(Value::Bool(changed))
}

/// `indexOf` (`first`) or `lastIndexOf`: the position of an equal item, else -1.
fn list_position(l: &ListRef, v: &Value, first: bool) -> Value {
    let items = l.snapshot();
    let pos = if first {
        items.iter().position(|x| java_equals(x, v, 0))
    } else {
        items.iter().rposition(|x| java_equals(x, v, 0))
    };
    Value::Int(pos.and_then(|p| i32::try_from(p).ok()).unwrap_or(-1))
}

/// `remove(Object)`: removes the first equal item; true if there was one.
fn list_remove_equal(l: &ListRef, v: &Value) -> Value {
    let removed = l
        .with_mut(|items| match items.iter().position(|x| java_equals(x, v, 0)) {
            Some(p) => {
                items.remove(p);
                true
            }
            None => false,
        })
        .unwrap_or(false);
    Value::Bool(removed)
}

/// `subList(from, to)`: a copy (Java's is a live view); a bad range throws.
fn list_sub_list(l: &ListRef, a: &Value, b: &Value) -> R<Found> {
    let len = l.len();
    match (int_arg(a), int_arg(b)) {
        (Some(a), Some(b)) => match (usize::try_from(a), usize::try_from(b)) {
            (Ok(x), Ok(y)) if x <= y && y <= len => {
                Ok(Some(Value::List(ListRef::new(l.snapshot().get(x..y).map(|s| s.to_vec()).unwrap_or_default()))))
            }
            _ => Err(oob("", format!("{a}..{b}"), len)),
        },
        _ => Ok(None),
    }
}

// ---------- numbers ----------

fn number_method(obj: &Value, name: &str, args: &[Value]) -> R<Found> {
    let as_f = match obj {
        Value::Int(i) => f64::from(*i),
        Value::Long(l) => *l as f64,
        Value::Double(d) => *d,
        _ => return Ok(None),
    };
    let as_l = match obj {
        Value::Int(i) => i64::from(*i),
        Value::Long(l) => *l,
        // Java's (long) cast saturates and maps NaN to 0, as Rust's `as` does.
        _ => as_f as i64,
    };
    Ok(Some(match (name, args) {
        ("intValue", []) => Value::Int(match obj {
            Value::Double(d) => *d as i32,
            _ => as_l as i32,
        }),
        ("longValue", []) => Value::Long(as_l),
        ("doubleValue", []) | ("floatValue", []) => Value::Double(as_f),
        ("isNaN", []) => Value::Bool(as_f.is_nan()),
        ("isInfinite", []) => Value::Bool(as_f.is_infinite()),
        ("compareTo", [o]) if o.class_name() == obj.class_name() => {
            let of = match o {
                Value::Int(i) => f64::from(*i),
                Value::Long(l) => *l as f64,
                Value::Double(d) => *d,
                _ => return Ok(None),
            };
            Value::Int(match as_f.partial_cmp(&of) {
                Some(std::cmp::Ordering::Less) => -1,
                Some(std::cmp::Ordering::Greater) => 1,
                _ => 0,
            })
        }
        ("parseInt", [Value::String(s)]) | ("valueOf", [Value::String(s)]) if matches!(obj, Value::Int(_)) => {
            match s.parse::<i32>() {
                Ok(i) if !s.starts_with('+') || s.len() > 1 => Value::Int(i),
                _ => return Err(method_error(format!("NumberFormatException: For input string: \"{s}\""))),
            }
        }
        ("parseLong", [Value::String(s)]) | ("valueOf", [Value::String(s)]) if matches!(obj, Value::Long(_)) => {
            match s.parse::<i64>() {
                Ok(i) => Value::Long(i),
                _ => return Err(method_error(format!("NumberFormatException: For input string: \"{s}\""))),
            }
        }
        ("parseDouble", [Value::String(s)]) | ("valueOf", [Value::String(s)]) if matches!(obj, Value::Double(_)) => {
            match s.trim().parse::<f64>() {
                Ok(d) => Value::Double(d),
                _ => return Err(method_error(format!("NumberFormatException: For input string: \"{s}\""))),
            }
        }
        _ => return Ok(common(obj, name, args)),
    }))
}

// ---------- engine objects ----------

fn object_method(r: &mut Renderer, obj: &Value, o: &Rc<JavaObject>, name: &str, args: &[Value]) -> R<Found> {
    match &**o {
        JavaObject::Foreach(s) => Ok(Some(match (name, args) {
            ("getIndex", []) => Value::Int(s.index.get() as i32),
            ("getCount", []) => Value::Int((s.index.get() + 1) as i32),
            ("getHasNext", []) | ("hasNext", []) => Value::Bool(s.has_next.get()),
            ("isFirst", []) | ("getFirst", []) => Value::Bool(s.index.get() == 0),
            ("isLast", []) | ("getLast", []) => Value::Bool(!s.has_next.get()),
            ("getParent", []) => s.parent.clone().unwrap_or(Value::Null),
            ("getTopmost", []) => {
                let mut cur = obj.clone();
                for _ in 0..super::MAX_NESTING_DEPTH {
                    let parent = match &cur {
                        Value::Object(x) => match &**x {
                            JavaObject::Foreach(sc) => sc.parent.clone(),
                            _ => None,
                        },
                        _ => None,
                    };
                    match parent {
                        Some(p) => cur = p,
                        None => break,
                    }
                }
                cur
            }
            // Velocity 1.7's ForeachScope.stop() does not end the loop when called from a
            // reference (the StopCommand is swallowed); it prints nothing.
            ("stop", []) => Value::str(""),
            _ => return Ok(None),
        })),
        JavaObject::Entry(k, v) => Ok(match (name, args) {
            ("getKey", []) => Some(k.clone()),
            ("getValue", []) => Some(v.clone()),
            _ => common(obj, name, args),
        }),
        JavaObject::Block(_) => Ok(match (name, args) {
            ("toString", []) => Some(Value::from(r.display(obj)?)),
            _ => None,
        }),
        JavaObject::Input => input_method(r, name, args),
        JavaObject::Util => util_method(name, args),
    }
}

fn input_method(r: &mut Renderer, name: &str, args: &[Value]) -> R<Found> {
    Ok(Some(match (name, args) {
        // API Gateway: an empty body reads as "{}".
        ("getBody", []) => {
            if r.env.input.body.is_empty() {
                Value::str("{}")
            } else {
                Value::str(&r.env.input.body)
            }
        }
        ("params", []) => {
            let all = MapRef::new();
            let input = &r.env.input;
            for (k, list) in [("path", &input.path), ("querystring", &input.querystring), ("header", &input.header)] {
                let m = MapRef::new();
                for (n, v) in list.iter() {
                    m.insert(Value::str(n), Value::str(v));
                }
                all.insert(Value::str(k), Value::Map(m));
            }
            Value::Map(all)
        }
        // A repeated name gives its last value, the one rule of `crate::resolver` (the map above
        // keeps the last too: a later insert replaces an earlier one).
        ("params", [Value::String(n)]) => {
            let input = &r.env.input;
            crate::resolver::last(&input.path, n, false)
                .or_else(|| crate::resolver::last(&input.querystring, n, false))
                .or_else(|| crate::resolver::last(&input.header, n, true))
                .map(Value::from)
                .unwrap_or_else(|| Value::str(""))
        }
        ("json", [Value::String(p)]) | ("path", [Value::String(p)]) => {
            let paths = r.paths;
            let parsed;
            let path = match paths.get(&**p) {
                Some(path) => path,
                None => {
                    parsed = JsonPath::parse(p).map_err(|e| method_error(format!("invalid JSONPath {p}: {e}")))?;
                    &parsed
                }
            };
            let doc = body_json(r);
            let Some(doc) = doc else {
                return Ok(Some(if name == "json" { Value::str("") } else { Value::Null }));
            };
            r.charge(r.env.input.body.len())?;
            let found = path.select(&*doc);
            match (name, found) {
                ("json", Some(Selected::One(v))) => Value::from(v.to_json_string()),
                ("json", Some(Selected::Many(vs))) => {
                    let mut out = String::from("[");
                    for (i, v) in vs.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(&v.to_json_string());
                    }
                    out.push(']');
                    Value::from(out)
                }
                ("json", Some(Selected::Length(n))) => Value::from(n.to_string()),
                ("json", None) => Value::str(""),
                (_, Some(Selected::One(v))) => v.to_value(true),
                (_, Some(Selected::Many(vs))) => {
                    Value::List(ListRef::new_json(vs.iter().map(|v| v.to_value(true)).collect()))
                }
                (_, Some(Selected::Length(n))) => json_length(n),
                (_, None) => Value::Null,
            }
        }
        _ => return Ok(None),
    }))
}

/// A `.length()` result as Jackson reads the number.
fn json_length(n: usize) -> Value {
    match i32::try_from(n) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Long(i64::try_from(n).unwrap_or(i64::MAX)),
    }
}

/// The request body as JSON, parsed once per render; `None` when it is not JSON.
fn body_json(r: &mut Renderer) -> Option<Rc<Json>> {
    if r.body_json.is_none() {
        // An empty body reads as `{}`, as `$input.body` prints it.
        let b = r.env.input.body.trim();
        let parsed = if b.is_empty() { Some(Json::Obj(Vec::new())) } else { Json::parse(b).ok() };
        r.body_json = Some(parsed.map(Rc::new));
    }
    r.body_json.clone().flatten()
}

fn util_method(name: &str, args: &[Value]) -> R<Found> {
    let arg = match args {
        [Value::String(s)] => Some(&**s),
        [Value::Null] => None,
        _ => return Ok(None),
    };
    let Some(s) = arg else {
        // A null argument: Java's encoders throw; API Gateway prints nothing for urlEncode(null).
        return Ok(Some(Value::Null));
    };
    Ok(Some(match name {
        "escapeJavaScript" => Value::from(escape_javascript(s)),
        "parseJson" => {
            // Jackson reads the first JSON value and ignores what follows.
            match Json::parse_first(s) {
                Some(Ok(v)) => v.to_value(false),
                Some(Err(e)) => return Err(method_error(format!("JsonParseException: {e}"))),
                None => return Err(method_error("MismatchedInputException: No content to map due to end-of-input")),
            }
        }
        "urlEncode" => Value::from(url_encode(s)),
        "urlDecode" => Value::from(url_decode(s).map_err(method_error)?),
        "base64Encode" => Value::from(base64::engine::general_purpose::STANDARD.encode(s.as_bytes())),
        "base64Decode" => {
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
            );
            match engine.decode(s.as_bytes()) {
                Ok(b) => Value::from(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => return Err(method_error(format!("IllegalArgumentException: {e}"))),
            }
        }
        _ => return Ok(None),
    }))
}

/// commons-lang 2 `StringEscapeUtils.escapeJavaScript`: quotes, backslash and `/` escaped,
/// control characters as `\b \n \t \f \r` or `\u00XX`, everything above 0x7F as `\uXXXX`.
pub(crate) fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    loop {
        // The longest run that needs no escape (printable ASCII and DEL, but ' " \ /), copied whole.
        let run = rest.bytes().position(|b| !(0x20..=0x7F).contains(&b) || matches!(b, b'\'' | b'"' | b'\\' | b'/'));
        let run = run.unwrap_or(rest.len());
        out.push_str(rest.get(..run).unwrap_or_default());
        rest = rest.get(run..).unwrap_or_default();
        let Some(c) = rest.chars().next() else { return out };
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
        for u in c.encode_utf16(&mut [0; 2]) {
            escape_javascript_unit(*u, &mut out);
        }
    }
}

/// One UTF-16 unit as escapeJavaScript writes it.
fn escape_javascript_unit(u: u16, out: &mut String) {
    match u {
        0x08 => out.push_str("\\b"),
        0x0A => out.push_str("\\n"),
        0x09 => out.push_str("\\t"),
        0x0C => out.push_str("\\f"),
        0x0D => out.push_str("\\r"),
        0x27 => out.push_str("\\'"),
        0x22 => out.push_str("\\\""),
        0x5C => out.push_str("\\\\"),
        0x2F => out.push_str("\\/"),
        0..=0x1F | 0x80.. => {
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(hex_digit(u >> shift));
            }
        }
        _ => out.push(char::from(u as u8)),
    }
}

fn hex_digit(x: u16) -> char {
    char::from(b"0123456789ABCDEF".get(usize::from(x & 0xF)).copied().unwrap_or(b'0'))
}

/// Java `URLEncoder.encode(s, "UTF-8")` (= `form_urlencoded::byte_serialize`): letters, digits
/// and `*-._` as they are, space as `+`, every other byte `%XX`.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len().saturating_add(s.len() / 2));
    for &b in s.as_bytes() {
        match b {
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(hex_digit(u16::from(b >> 4)));
                out.push(hex_digit(u16::from(b)));
            }
        }
    }
    out
}

/// Java `URLDecoder.decode(s, "UTF-8")`: `+` is a space; a bad `%` escape throws.
fn url_decode(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            let h: String = [chars.next(), chars.next()].iter().flatten().collect();
            match u8::from_str_radix(&h, 16) {
                Ok(b) if h.len() == 2 && !h.starts_with('-') && !h.starts_with('+') => bytes.push(b),
                _ => return Err(format!("IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern - {h}")),
            }
            continue;
        }
        if !bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(&bytes));
            bytes.clear();
        }
        out.push(if c == '+' { ' ' } else { c });
    }
    if !bytes.is_empty() {
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    Ok(out)
}
