//! Renders the compiled tree against an [`Env`], with Velocity 1.7's runtime rules and API
//! Gateway's event handler: a null or undefined reference is `""` wherever it is used.

use std::rc::Rc;

use super::ast::{BinOp, Expr, Node, Part, Reference};
use super::error::RenderError;
use super::compile::PathCache;
use super::fxhash::FxHashMap;
use super::json::Json;
use super::methods;
use super::value::{write_java, BlockValue, ForeachScope, JavaObject, ListRef, MapRef, Value};
use super::{
    Env, MAX_COLLECTION_LEN, MAX_FOREACH_ITERATIONS, MAX_NESTING_DEPTH, MAX_OUTPUT_BYTES, MAX_STEPS,
};

/// Why rendering stopped early.
pub(crate) enum Flow {
    /// `#stop`: keep what was written so far.
    Stop,
    /// `#break` (nearest loop) or `#break($foreach)` / `$foreach.stop()` (that loop).
    Break(Option<u64>),
    Error(RenderError),
}

impl From<RenderError> for Flow {
    fn from(e: RenderError) -> Flow {
        Flow::Error(e)
    }
}

pub(crate) type R<T> = Result<T, Flow>;

pub(crate) fn method_error(msg: impl Into<String>) -> Flow {
    Flow::Error(RenderError::Method(msg.into()))
}

/// What `#foreach` walks: a list, or a map's values (with the map's size when the loop started).
enum ForeachSource {
    List(ListRef),
    Values(MapRef, usize),
}

impl ForeachSource {
    fn initial_len(&self) -> usize {
        match self {
            ForeachSource::List(l) => l.len(),
            ForeachSource::Values(_, n) => *n,
        }
    }

    /// The current size and the item at `i`, if any.
    fn at(&self, i: usize) -> (usize, Option<Value>) {
        match self {
            ForeachSource::List(l) => (l.len(), l.get(i)),
            ForeachSource::Values(m, _) => (m.len(), m.with(|jm| jm.entries().get(i).map(|(_, v)| v.clone())).flatten()),
        }
    }
}

pub(crate) struct Renderer<'e> {
    pub env: &'e mut Env,
    vars: Vars,
    /// `$input` and `$util`: one object each per render.
    input_obj: Value,
    util_obj: Value,
    depth: usize,
    iterations: u64,
    steps: u64,
    next_scope: u64,
    /// `$input` body parsed once per render (`None` inside: not JSON).
    pub body_json: Option<Option<Rc<Json>>>,
    /// The template's literal JSONPaths, compiled once.
    pub paths: &'e PathCache,
}

impl<'e> Renderer<'e> {
    pub fn new(env: &'e mut Env, paths: &'e PathCache) -> Renderer<'e> {
        Renderer {
            env,
            paths,
            vars: Vars::default(),
            input_obj: Value::Object(Rc::new(JavaObject::Input)),
            util_obj: Value::Object(Rc::new(JavaObject::Util)),
            depth: 0,
            iterations: 0,
            steps: 0,
            next_scope: 0,
            body_json: None,
        }
    }

    pub fn render(&mut self, nodes: &[Node], capacity: usize) -> Result<String, RenderError> {
        let mut out = String::with_capacity(capacity);
        match self.nodes(nodes, &mut out) {
            Ok(()) | Err(Flow::Stop) | Err(Flow::Break(_)) => Ok(out),
            Err(Flow::Error(e)) => Err(e),
        }
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(RenderError::Limit("MAX_STEPS").into());
        }
        Ok(())
    }

    /// Charges for scanning `n` bytes (one step per 16).
    pub fn charge(&mut self, n: usize) -> R<()> {
        self.charge_elems(n / 16)
    }

    /// Charges one step per element copied or created.
    pub fn charge_elems(&mut self, n: usize) -> R<()> {
        self.steps = self.steps.saturating_add(n as u64);
        if self.steps > MAX_STEPS {
            return Err(RenderError::Limit("MAX_STEPS").into());
        }
        Ok(())
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(RenderError::Limit("MAX_NESTING_DEPTH").into());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn write(&mut self, out: &mut String, s: &str) -> R<()> {
        if out.len().saturating_add(s.len()) > MAX_OUTPUT_BYTES {
            return Err(RenderError::Limit("MAX_OUTPUT_BYTES").into());
        }
        out.push_str(s);
        Ok(())
    }

    pub fn nodes(&mut self, nodes: &[Node], out: &mut String) -> R<()> {
        self.enter()?;
        let r = nodes.iter().try_for_each(|n| self.node(n, out));
        self.leave();
        r
    }

    fn node(&mut self, node: &Node, out: &mut String) -> R<()> {
        self.step()?;
        match node {
            Node::Text(t) => self.write(out, t),
            Node::Ref { reference, prefix } => self.print_ref(reference, prefix, out),
            Node::EscapedRef { reference, prefix } => {
                self.reference(reference)?;
                self.write(out, prefix)?;
                self.write(out, &reference.literal)
            }
            Node::Set { target, value } => self.set(target, value),
            Node::If { branches, otherwise } => {
                for (cond, body) in branches {
                    if self.truthy(cond)? {
                        return self.nodes(body, out);
                    }
                }
                match otherwise {
                    Some(body) => self.nodes(body, out),
                    None => Ok(()),
                }
            }
            Node::Foreach { var, iterable, body, .. } => self.foreach(var, iterable, body, out),
            Node::Define { name, body } => {
                let b = BlockValue { body: body.clone(), depth: std::cell::Cell::new(0) };
                self.set_var(name, Value::Object(Rc::new(JavaObject::Block(b))));
                Ok(())
            }
            Node::Break(None) => Err(Flow::Break(None)),
            Node::Break(Some(r)) => match self.reference(r)? {
                Value::Object(o) => match &*o {
                    JavaObject::Foreach(s) => Err(Flow::Break(Some(s.id))),
                    _ => Err(Flow::Break(None)),
                },
                _ => Err(RenderError::Other(format!("#break({}) needs a scope such as $foreach", r.literal)).into()),
            },
            Node::Stop => Err(Flow::Stop),
            Node::Unsupported { name, .. } => {
                Err(RenderError::Other(format!("#{name} is not available in API Gateway mapping templates")).into())
            }
        }
    }

    fn print_ref(&mut self, r: &Reference, prefix: &str, out: &mut String) -> R<()> {
        let v = self.reference(r)?;
        if let Value::Object(o) = &v {
            if let JavaObject::Block(b) = &**o {
                if self.render_block(b, out)? {
                    return Ok(());
                }
                // Too deep: Velocity prints the reference as written (after the prefix, twice).
                self.write(out, prefix)?;
                self.write(out, prefix)?;
                return self.write(out, if r.silent { "" } else { &r.literal });
            }
        }
        self.write(out, prefix)?;
        self.display_into(&v, out)
    }

    /// [`Renderer::display`] written straight into `out`.
    fn display_into(&mut self, v: &Value, out: &mut String) -> R<()> {
        match v {
            Value::Null => Ok(()),
            Value::String(s) => self.write(out, s),
            Value::Bool(b) => self.write(out, if *b { "true" } else { "false" }),
            Value::Int(i) => self.write(out, itoa(i64::from(*i), &mut [0; 20])),
            Value::Long(i) => self.write(out, itoa(*i, &mut [0; 20])),
            _ => {
                let s = self.display(v)?;
                self.write(out, &s)
            }
        }
    }

    /// Renders a `#define` body; `false` past Velocity's depth limit of 2 for the same block.
    fn render_block(&mut self, b: &BlockValue, out: &mut String) -> R<bool> {
        let d = b.depth.get() + 1;
        if d > 2 {
            return Ok(false);
        }
        b.depth.set(d);
        let body = b.body.clone();
        let r = self.nodes(&body, out);
        b.depth.set(d - 1);
        match r {
            Ok(()) | Err(Flow::Break(None)) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Java `toString()` of a value as printed (null prints nothing).
    pub fn display(&mut self, v: &Value) -> R<String> {
        match v {
            Value::String(s) => Ok(s.to_string()),
            Value::Object(o) => {
                if let JavaObject::Block(b) = &**o {
                    let mut s = String::new();
                    if self.render_block(b, &mut s)? {
                        return Ok(s);
                    }
                    return Ok(String::new());
                }
                Ok(v.to_java_string())
            }
            _ => {
                let mut s = String::new();
                write_java(v, &mut s, 0, true).map_err(|_| RenderError::Limit("MAX_VALUE_DEPTH"))?;
                if s.len() > MAX_OUTPUT_BYTES {
                    return Err(RenderError::Limit("MAX_OUTPUT_BYTES").into());
                }
                Ok(s)
            }
        }
    }

    /// Sets a variable, allocating its name only the first time.
    fn set_var(&mut self, name: &str, v: Value) {
        self.vars.set(name, v);
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.get(name) {
            return Some(v.clone());
        }
        match name {
            "context" => Some(self.env.context.clone()),
            "stageVariables" => Some(self.env.stage_variables.clone()),
            "input" => Some(self.input_obj.clone()),
            "util" => Some(self.util_obj.clone()),
            _ => None,
        }
    }

    /// A reference's value; null or undefined anywhere along it is `""` (API Gateway's handler).
    pub fn reference(&mut self, r: &Reference) -> R<Value> {
        if r.bare {
            return Ok(Value::Null);
        }
        let mut v = match self.lookup(&r.root) {
            Some(v) if !v.is_null() => v,
            _ => return Ok(Value::str("")),
        };
        for part in &r.parts {
            v = self.part(&v, part)?;
            if v.is_null() {
                return Ok(Value::str(""));
            }
        }
        Ok(v)
    }

    fn part(&mut self, obj: &Value, part: &Part) -> R<Value> {
        self.step()?;
        match part {
            Part::Prop(name) => methods::property(self, obj, name),
            Part::Method(name, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.value(a)?);
                }
                Ok(methods::call(self, obj, name, &vals)?.unwrap_or(Value::Null))
            }
            Part::Index(e) => {
                let key = self.value(e)?;
                index_get(obj, &key)
            }
        }
    }

    fn set(&mut self, target: &Reference, value: &Expr) -> R<()> {
        let v = self.value(value)?;
        // Velocity 1.7 leaves the left side alone when the right side is null.
        if v.is_null() {
            return Ok(());
        }
        let Some((last, init)) = target.parts.split_last() else {
            self.set_var(&target.root, v);
            return Ok(());
        };
        let mut obj = match self.lookup(&target.root) {
            Some(o) if !o.is_null() => o,
            _ => return Ok(()),
        };
        for part in init {
            obj = self.part(&obj, part)?;
            if obj.is_null() {
                return Ok(());
            }
        }
        match last {
            Part::Prop(name) => {
                if let Value::Map(m) = &obj {
                    m.insert(Value::str(name), v);
                }
                Ok(())
            }
            Part::Index(e) => {
                let key = self.value(e)?;
                match &obj {
                    Value::Map(m) => {
                        m.insert(key, v);
                        Ok(())
                    }
                    Value::List(l) => {
                        let Some(i) = list_index(l, &key) else { return Ok(()) };
                        let len = l.len();
                        match l.with_mut(|items| items.get_mut(i).map(|slot| *slot = v)) {
                            Some(Some(())) => Ok(()),
                            _ => Err(method_error(format!("IndexOutOfBoundsException: Index {i} out of bounds for length {len}"))),
                        }
                    }
                    _ => Ok(()),
                }
            }
            Part::Method(..) => Ok(()),
        }
    }

    fn foreach(&mut self, var: &str, iterable: &Expr, body: &[Node], out: &mut String) -> R<()> {
        let it = self.value(iterable)?;
        let src = match &it {
            Value::List(l) => ForeachSource::List(l.clone()),
            Value::Map(m) => ForeachSource::Values(m.clone(), m.len()),
            _ => return Ok(()),
        };
        let saved: Vec<(&str, Option<Value>)> = ["velocityCount", "velocityHasNext", "foreach", var]
            .iter()
            .map(|k| (*k, self.vars.get(k).cloned()))
            .collect();
        self.next_scope += 1;
        let id = self.next_scope;
        let scope = Rc::new(JavaObject::Foreach(ForeachScope {
            index: std::cell::Cell::new(-1),
            has_next: std::cell::Cell::new(false),
            parent: self.vars.get("foreach").cloned(),
            id,
        }));
        self.set_var("foreach", Value::Object(scope.clone()));
        let result = self.foreach_iterations(&src, var, body, &scope, id, out);
        self.restore_vars(saved);
        result
    }

    /// The iterations of a `#foreach`: the loop variables set for each item, the body rendered
    /// until the items end, a `#break` of this loop, an error or the iteration limit.
    fn foreach_iterations(
        &mut self,
        src: &ForeachSource,
        var: &str,
        body: &[Node],
        scope: &JavaObject,
        id: u64,
        out: &mut String,
    ) -> R<()> {
        let initial_len = src.initial_len();
        let mut i: usize = 0;
        loop {
            // Java's iterator: a list changed in size during the loop throws, unless the loop
            // was about to end anyway.
            let (len, item) = src.at(i);
            if len != initial_len {
                if i != len {
                    return Err(method_error("ConcurrentModificationException"));
                }
                return Ok(());
            }
            let Some(item) = item else { return Ok(()) };
            self.iterations += 1;
            if self.iterations > MAX_FOREACH_ITERATIONS {
                return Err(RenderError::Limit("MAX_FOREACH_ITERATIONS").into());
            }
            let has_next = i + 1 < len;
            let count = i32::try_from(i + 1).unwrap_or(i32::MAX);
            self.set_var("velocityCount", Value::Int(count));
            self.set_var("velocityHasNext", Value::Bool(has_next));
            self.set_var(var, item);
            if let JavaObject::Foreach(s) = scope {
                s.index.set(i as i64);
                s.has_next.set(has_next);
            }
            match self.nodes(body, out) {
                Ok(()) => {}
                Err(Flow::Break(None)) => return Ok(()),
                Err(Flow::Break(Some(b))) if b == id => return Ok(()),
                Err(e) => return Err(e),
            }
            i += 1;
        }
    }

    /// Puts back variables saved before a `#foreach`: their old value, or unset if they had none.
    fn restore_vars(&mut self, saved: Vec<(&str, Option<Value>)>) {
        for (k, v) in saved {
            match v {
                Some(v) => {
                    self.set_var(k, v);
                }
                None => {
                    self.vars.remove(k);
                }
            }
        }
    }

    /// Velocity's `evaluate()`: what `#if` sees. Only references, booleans and logic/comparison
    /// nodes can be true; a literal, list, map or arithmetic node is false.
    pub fn truthy(&mut self, e: &Expr) -> R<bool> {
        self.step()?;
        match e {
            Expr::Ref(r) => Ok(match self.reference(r)? {
                Value::Null => false,
                Value::Bool(b) => b,
                _ => true,
            }),
            Expr::Bool(b) => Ok(*b),
            Expr::Not(x) => Ok(!self.truthy(x)?),
            Expr::Bin(BinOp::And, a, b) => Ok(self.truthy(a)? && self.truthy(b)?),
            Expr::Bin(BinOp::Or, a, b) => Ok(self.truthy(a)? || self.truthy(b)?),
            Expr::Bin(op @ (BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b) => {
                let (l, r) = (self.value(a)?, self.value(b)?);
                Ok(compare(*op, &l, &r))
            }
            _ => Ok(false),
        }
    }

    pub fn value(&mut self, e: &Expr) -> R<Value> {
        self.step()?;
        Ok(match e {
            Expr::Str(s) => Value::str(s),
            Expr::Interp(nodes, strip) => {
                let mut s = String::new();
                self.nodes(nodes, &mut s)?;
                if *strip {
                    s.pop();
                }
                Value::from(s)
            }
            Expr::Int(i) => Value::Int(*i),
            Expr::Long(l) => Value::Long(*l),
            Expr::Double(d) => Value::Double(*d),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Ref(r) => self.reference(r)?,
            Expr::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for x in items {
                    v.push(self.value(x)?);
                }
                Value::List(ListRef::new(v))
            }
            Expr::Map(entries) => {
                let m = MapRef::new();
                for (k, x) in entries {
                    let k = self.value(k)?;
                    let x = self.value(x)?;
                    m.insert(k, x);
                }
                Value::Map(m)
            }
            Expr::Range(a, b) => {
                let (a, b) = (self.value(a)?, self.value(b)?);
                match (int_value(&a), int_value(&b)) {
                    (Some(a), Some(b)) => {
                        let n = (i64::from(a) - i64::from(b)).unsigned_abs().saturating_add(1);
                        if n > MAX_COLLECTION_LEN as u64 {
                            return Err(RenderError::Limit("MAX_COLLECTION_LEN").into());
                        }
                        self.charge_elems(n as usize)?;
                        let items: Vec<Value> = if a <= b {
                            (a..=b).map(Value::Int).collect()
                        } else {
                            (b..=a).rev().map(Value::Int).collect()
                        };
                        Value::List(ListRef::new(items))
                    }
                    _ => Value::Null,
                }
            }
            Expr::Not(x) => Value::Bool(!self.truthy(x)?),
            Expr::Bin(op, a, b) => match op {
                BinOp::And | BinOp::Or => Value::Bool(self.truthy(e)?),
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    let (l, r) = (self.value(a)?, self.value(b)?);
                    Value::Bool(compare(*op, &l, &r))
                }
                _ => {
                    let (l, r) = (self.value(a)?, self.value(b)?);
                    let v = arithmetic(*op, &l, &r);
                    if let Value::String(s) = &v {
                        if s.len() > MAX_OUTPUT_BYTES {
                            return Err(RenderError::Limit("MAX_OUTPUT_BYTES").into());
                        }
                    }
                    v
                }
            },
        })
    }
}

/// The template's variables. Templates use few, so they are a list searched in order; past
/// [`VARS_SCANNED`] names an index (Fx: the names come from the template) takes over.
#[derive(Default)]
struct Vars {
    list: Vec<(Box<str>, Value)>,
    index: Option<FxHashMap<Box<str>, usize>>,
}

const VARS_SCANNED: usize = 16;

impl Vars {
    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(name).copied(),
            None => self.list.iter().position(|(k, _)| **k == *name),
        }
    }
    fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).and_then(|i| self.list.get(i)).map(|(_, v)| v)
    }
    fn set(&mut self, name: &str, v: Value) {
        if let Some(slot) = self.position(name).and_then(|i| self.list.get_mut(i)) {
            slot.1 = v;
            return;
        }
        if let Some(ix) = &mut self.index {
            ix.insert(Box::from(name), self.list.len());
        }
        self.list.push((Box::from(name), v));
        if self.index.is_none() && self.list.len() > VARS_SCANNED {
            self.index = Some(self.list.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
        }
    }
    fn remove(&mut self, name: &str) {
        let Some(i) = self.position(name) else { return };
        if i >= self.list.len() {
            return;
        }
        self.list.swap_remove(i);
        if let Some(ix) = &mut self.index {
            ix.remove(name);
            // The last entry moved into the hole.
            if let Some((k, _)) = self.list.get(i) {
                ix.insert(k.clone(), i);
            }
        }
    }
}

/// Decimal text of `i`, in `buf`.
pub(crate) fn itoa(i: i64, buf: &mut [u8; 20]) -> &str {
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        if let Some(b) = buf.get_mut(pos) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        pos -= 1;
        if let Some(b) = buf.get_mut(pos) {
            *b = b'-';
        }
    }
    std::str::from_utf8(buf.get(pos..).unwrap_or_default()).unwrap_or_default()
}

/// `Number.intValue()` for range bounds.
fn int_value(v: &Value) -> Option<i32> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Long(l) => Some(*l as i32),
        Value::Double(d) => Some(*d as i32),
        _ => None,
    }
}

/// A list index from an index key: Integer only, negative counts from the end (Velocity 1.7).
fn list_index(l: &ListRef, key: &Value) -> Option<usize> {
    let i = match key {
        Value::Int(i) => i64::from(*i),
        _ => return None,
    };
    let i = if i < 0 { i + l.len() as i64 } else { i };
    usize::try_from(i).ok().or(Some(usize::MAX))
}

/// `$obj[key]`: Velocity calls `get(key)`.
fn index_get(obj: &Value, key: &Value) -> R<Value> {
    match obj {
        Value::Map(m) => Ok(m.get(key).unwrap_or(Value::Null)),
        Value::List(l) => match list_index(l, key) {
            Some(i) => match l.get(i) {
                Some(v) => Ok(v),
                None => Err(method_error(format!(
                    "IndexOutOfBoundsException: Index {} out of bounds for length {}",
                    key.to_java_string(),
                    l.len()
                ))),
            },
            None => Ok(Value::Null),
        },
        _ => Ok(Value::Null),
    }
}

#[derive(Clone, Copy)]
enum Num {
    I(i64, bool), // value, is Long
    D(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(i64::from(*i), false)),
        Value::Long(l) => Some(Num::I(*l, true)),
        Value::Double(d) => Some(Num::D(*d)),
        _ => None,
    }
}

/// Velocity's `MathUtils.wrapPrimitive`: the wider operand type, widened further if needed.
fn wrap(v: i64, long: bool) -> Value {
    match (long, i32::try_from(v)) {
        (false, Ok(i)) => Value::Int(i),
        _ => Value::Long(v),
    }
}

/// `+ - * / %` as Velocity 1.7: a String on either side of `+` concatenates; integers widen
/// from Integer to Long instead of overflowing; division or modulo by zero gives null.
pub(crate) fn arithmetic(op: BinOp, l: &Value, r: &Value) -> Value {
    if op == BinOp::Add && (matches!(l, Value::String(_)) || matches!(r, Value::String(_))) {
        let mut s = l.to_java_string();
        s.push_str(&r.to_java_string());
        return Value::from(s);
    }
    let (Some(a), Some(b)) = (num(l), num(r)) else {
        return Value::Null;
    };
    match (a, b) {
        (Num::I(x, lx), Num::I(y, ly)) => {
            let long = lx || ly;
            let res = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div => {
                    if y == 0 {
                        return Value::Null;
                    }
                    Some(x.wrapping_div(y))
                }
                BinOp::Mod => {
                    if y == 0 {
                        return Value::Null;
                    }
                    Some(x.wrapping_rem(y))
                }
                _ => return Value::Null,
            };
            match res {
                Some(v) => wrap(v, long),
                // Velocity goes to BigInteger here; we have no arbitrary precision.
                None => {
                    let (x, y) = (x as f64, y as f64);
                    Value::Double(match op {
                        BinOp::Add => x + y,
                        BinOp::Sub => x - y,
                        _ => x * y,
                    })
                }
            }
        }
        _ => {
            let x = match a {
                Num::I(i, _) => i as f64,
                Num::D(d) => d,
            };
            let y = match b {
                Num::I(i, _) => i as f64,
                Num::D(d) => d,
            };
            match op {
                BinOp::Add => Value::Double(x + y),
                BinOp::Sub => Value::Double(x - y),
                BinOp::Mul => Value::Double(x * y),
                BinOp::Div if y == 0.0 => Value::Null,
                BinOp::Div => Value::Double(x / y),
                BinOp::Mod if y == 0.0 => Value::Null,
                BinOp::Mod => Value::Double(x % y),
                _ => Value::Null,
            }
        }
    }
}

fn num_cmp(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Num::I(x, _), Num::I(y, _)) => Some(x.cmp(&y)),
        _ => {
            let f = |n: Num| match n {
                Num::I(i, _) => i as f64,
                Num::D(d) => d,
            };
            f(a).partial_cmp(&f(b))
        }
    }
}

/// `== != < <= > >=` as Velocity 1.7: numbers by value whatever their class; same-class values
/// with `equals`; different classes by their `toString()`. Ordering needs two numbers.
pub(crate) fn compare(op: BinOp, l: &Value, r: &Value) -> bool {
    use std::cmp::Ordering::*;
    match op {
        BinOp::Eq => equals(l, r),
        BinOp::Ne => !equals(l, r),
        _ => {
            let (Some(a), Some(b)) = (num(l), num(r)) else { return false };
            let Some(o) = num_cmp(a, b) else { return false };
            match op {
                BinOp::Lt => o == Less,
                BinOp::Le => o != Greater,
                BinOp::Gt => o == Greater,
                _ => o != Less,
            }
        }
    }
}

fn equals(l: &Value, r: &Value) -> bool {
    if let (Some(a), Some(b)) = (num(l), num(r)) {
        return num_cmp(a, b) == Some(std::cmp::Ordering::Equal);
    }
    match (l, r) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Bool(_), Value::Bool(_))
        | (Value::String(_), Value::String(_))
        | (Value::List(_), Value::List(_))
        | (Value::Map(_), Value::Map(_)) => super::value::java_equals(l, r, 0),
        _ => l.to_java_string() == r.to_java_string(),
    }
}
