//! Evaluates parsed JSONPath segments over a `serde_json::Value`.

use serde_json::Value;

use super::parser::{CmpOp, Filter, Operand, Segment, Selector};

/// Upper bound on nodes produced by one evaluation (deep scans of large documents).
const MAX_NODES: usize = 1_000_000;

pub(super) fn select<'a>(segments: &[Segment], doc: &'a Value) -> Vec<&'a Value> {
    select_from(segments, doc, doc)
}

fn select_from<'a>(segments: &[Segment], root: &'a Value, start: &'a Value) -> Vec<&'a Value> {
    let mut cur = vec![start];
    for seg in segments {
        let mut next = Vec::new();
        for v in cur {
            match seg {
                Segment::Child(sel) => apply(sel, root, v, &mut next),
                Segment::Descendant(sel) => {
                    let mut stack = vec![v];
                    while let Some(x) = stack.pop() {
                        if next.len() > MAX_NODES {
                            break;
                        }
                        apply(sel, root, x, &mut next);
                        // Push children in reverse so they are visited in document order.
                        match x {
                            Value::Array(a) => stack.extend(a.iter().rev()),
                            Value::Object(o) => stack.extend(o.values().rev()),
                            _ => {}
                        }
                    }
                }
            }
        }
        next.truncate(MAX_NODES);
        cur = next;
    }
    cur
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len_i = i64::try_from(len).ok()?;
    let i = if i < 0 { i + len_i } else { i };
    usize::try_from(i).ok().filter(|i| *i < len)
}

fn apply<'a>(sel: &Selector, root: &'a Value, v: &'a Value, out: &mut Vec<&'a Value>) {
    match sel {
        Selector::Name(n) => {
            if let Some(x) = v.as_object().and_then(|o| o.get(n)) {
                out.push(x);
            }
        }
        Selector::Names(ns) => {
            if let Some(o) = v.as_object() {
                out.extend(ns.iter().filter_map(|n| o.get(n)));
            }
        }
        Selector::Index(i) => {
            if let Some(a) = v.as_array() {
                if let Some(x) = norm_index(*i, a.len()).and_then(|i| a.get(i)) {
                    out.push(x);
                }
            }
        }
        Selector::Indexes(is) => {
            if let Some(a) = v.as_array() {
                out.extend(is.iter().filter_map(|i| norm_index(*i, a.len()).and_then(|i| a.get(i))));
            }
        }
        Selector::Wildcard => match v {
            Value::Array(a) => out.extend(a.iter()),
            Value::Object(o) => out.extend(o.values()),
            _ => {}
        },
        Selector::Slice(a, b, step) => {
            if let Some(arr) = v.as_array() {
                let len = i64::try_from(arr.len()).unwrap_or(i64::MAX);
                let clamp = |x: i64| if x < 0 { (x + len).max(0) } else { x.min(len) };
                if *step > 0 {
                    let (s, e) = (clamp(a.unwrap_or(0)), clamp(b.unwrap_or(len)));
                    let mut i = s;
                    while i < e {
                        if let Some(x) = usize::try_from(i).ok().and_then(|i| arr.get(i)) {
                            out.push(x);
                        }
                        i = i.saturating_add(*step);
                    }
                } else {
                    let s = a.map(|x| if x < 0 { x + len } else { x.min(len - 1) }).unwrap_or(len - 1);
                    let e = b.map(|x| if x < 0 { x + len } else { x }).unwrap_or(-1);
                    let mut i = s;
                    while i > e {
                        if let Some(x) = usize::try_from(i).ok().and_then(|i| arr.get(i)) {
                            out.push(x);
                        }
                        i = i.saturating_add(*step);
                    }
                }
            }
        }
        Selector::Filter(f) => {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                Value::Object(o) => o.values().collect(),
                _ => Vec::new(),
            };
            out.extend(items.into_iter().filter(|x| test(f, root, x)));
        }
    }
}

fn operand<'a>(o: &'a Operand, root: &'a Value, cur: &'a Value) -> Option<Value> {
    match o {
        Operand::Literal(v) => Some(v.clone()),
        Operand::Path { root: r, segments, len } => {
            let start = if *r { root } else { cur };
            let found = select_from(segments, root, start);
            let definite = segments.iter().all(Segment::is_definite);
            let v = if definite { found.first().map(|v| (*v).clone()) } else { Some(Value::Array(found.into_iter().cloned().collect())) };
            if *len {
                return match v? {
                    Value::Array(a) => Some(Value::from(a.len())),
                    Value::Object(o) => Some(Value::from(o.len())),
                    Value::String(s) => Some(Value::from(s.chars().count())),
                    _ => None,
                };
            }
            v
        }
    }
}

fn test(f: &Filter, root: &Value, cur: &Value) -> bool {
    match f {
        Filter::Or(a, b) => test(a, root, cur) || test(b, root, cur),
        Filter::And(a, b) => test(a, root, cur) && test(b, root, cur),
        Filter::Not(a) => !test(a, root, cur),
        Filter::Exists(o) => match operand(o, root, cur) {
            Some(Value::Bool(b)) => b,
            Some(Value::Array(a)) if matches!(o, Operand::Path { segments, .. } if !segments.iter().all(Segment::is_definite)) => !a.is_empty(),
            Some(_) => true,
            None => false,
        },
        Filter::Cmp(a, op, b) => {
            let (Some(x), Some(y)) = (operand(a, root, cur), operand(b, root, cur)) else {
                return *op == CmpOp::Ne;
            };
            cmp(&x, *op, &y)
        }
        Filter::Regex(a, re, ci) => {
            let Some(Value::String(s)) = operand(a, root, cur) else { return false };
            let pat = if *ci { format!("(?i){re}") } else { re.clone() };
            // Jayway matches the whole string (Pattern.matcher(...).matches()).
            crate::vtl::java_regex_full_match(&pat, &s).unwrap_or_default()
        }
    }
}

fn cmp(x: &Value, op: CmpOp, y: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (x, y) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => {
            return match op {
                CmpOp::Eq => x == y,
                CmpOp::Ne => x != y,
                _ => false,
            }
        }
    };
    let Some(o) = ord else { return op == CmpOp::Ne };
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    }
}
