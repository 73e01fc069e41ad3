//! Evaluates parsed JSONPath segments over any JSON tree ([`JsonNode`]): `serde_json::Value`,
//! or the template engine's parsed body. Nodes are references into the document; nothing is
//! copied except filter operands.

use serde_json::Value;

use super::parser::{CmpOp, Filter, Operand, Segment, Selector};
use super::JsonNode;

/// Upper bound on nodes produced by one evaluation (deep scans of large documents).
const MAX_NODES: usize = 1_000_000;

pub(super) fn select<'a, N: JsonNode<'a>>(segments: &[Segment], doc: N) -> Vec<N> {
    select_from(segments, doc, doc)
}

fn select_from<'a, N: JsonNode<'a>>(segments: &[Segment], root: N, start: N) -> Vec<N> {
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
                        let from = stack.len();
                        x.push_children(&mut stack);
                        if let Some(added) = stack.get_mut(from..) {
                            added.reverse();
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

fn apply<'a, N: JsonNode<'a>>(sel: &Selector, root: N, v: N, out: &mut Vec<N>) {
    match sel {
        Selector::Name(n) => {
            if let Some(x) = v.get(n) {
                out.push(x);
            }
        }
        Selector::Names(ns) => out.extend(ns.iter().filter_map(|n| v.get(n))),
        Selector::Index(i) => {
            if let Some(len) = v.array_len() {
                if let Some(x) = norm_index(*i, len).and_then(|i| v.at(i)) {
                    out.push(x);
                }
            }
        }
        Selector::Indexes(is) => {
            if let Some(len) = v.array_len() {
                out.extend(is.iter().filter_map(|i| norm_index(*i, len).and_then(|i| v.at(i))));
            }
        }
        Selector::Wildcard => v.push_children(out),
        Selector::Slice(a, b, step) => {
            if let Some(arr_len) = v.array_len() {
                let len = i64::try_from(arr_len).unwrap_or(i64::MAX);
                let clamp = |x: i64| if x < 0 { (x + len).max(0) } else { x.min(len) };
                if *step > 0 {
                    let (s, e) = (clamp(a.unwrap_or(0)), clamp(b.unwrap_or(len)));
                    let mut i = s;
                    while i < e {
                        if let Some(x) = usize::try_from(i).ok().and_then(|i| v.at(i)) {
                            out.push(x);
                        }
                        i = i.saturating_add(*step);
                    }
                } else {
                    let s = a.map(|x| if x < 0 { x + len } else { x.min(len - 1) }).unwrap_or(len - 1);
                    let e = b.map(|x| if x < 0 { x + len } else { x }).unwrap_or(-1);
                    let mut i = s;
                    while i > e {
                        if let Some(x) = usize::try_from(i).ok().and_then(|i| v.at(i)) {
                            out.push(x);
                        }
                        i = i.saturating_add(*step);
                    }
                }
            }
        }
        Selector::Filter(f) => {
            let mut items = Vec::new();
            v.push_children(&mut items);
            out.extend(items.into_iter().filter(|x| test(f, root, *x)));
        }
    }
}

fn operand<'a, N: JsonNode<'a>>(o: &Operand, root: N, cur: N) -> Option<Value> {
    match o {
        Operand::Literal(v) => Some(v.clone()),
        Operand::Path { root: r, segments, len } => {
            let start = if *r { root } else { cur };
            let found = select_from(segments, root, start);
            let definite = segments.iter().all(Segment::is_definite);
            let v = if definite {
                found.first().map(|v| v.to_serde())
            } else {
                Some(Value::Array(found.into_iter().map(|v| v.to_serde()).collect()))
            };
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

fn test<'a, N: JsonNode<'a>>(f: &Filter, root: N, cur: N) -> bool {
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
        Filter::Regex(a, re) => {
            let Some(Value::String(s)) = operand(a, root, cur) else { return false };
            // Jayway matches the whole string (Pattern.matcher(...).matches()).
            re.full_match(&s)
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
