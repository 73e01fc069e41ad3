//! From the parsed tree to the form `render` walks: adjacent text merged, and the facts the
//! gateway asks about (does the template read the request body?) computed once.

use super::ast::{Expr, Node, Part, Reference};
use super::fxhash::FxHashMap;
use crate::jsonpath::JsonPath;

/// JSONPaths written as literals in `$input.path('...')` / `$input.json('...')`, by their text.
pub(crate) type PathCache = FxHashMap<Box<str>, JsonPath>;

/// Compiles every literal argument of a `path` or `json` method call (whatever the object: the
/// render looks them up by text only when `$input` is called). Invalid paths are left out; the
/// render reports them as before.
pub(crate) fn literal_paths(nodes: &[Node]) -> PathCache {
    let mut cache = PathCache::default();
    let mut walk = Walk { cache: &mut cache };
    walk.nodes(nodes);
    cache
}

struct Walk<'c> {
    cache: &'c mut PathCache,
}

impl Walk<'_> {
    fn nodes(&mut self, nodes: &[Node]) {
        for n in nodes {
            self.node(n);
        }
    }
    fn node(&mut self, n: &Node) {
        match n {
            Node::Text(_) | Node::Stop | Node::Unsupported { .. } | Node::Break(None) => {}
            Node::Break(Some(r)) => self.reference(r),
            Node::Ref { reference, .. } | Node::EscapedRef { reference, .. } => self.reference(reference),
            Node::Set { target, value } => {
                self.reference(target);
                self.expr(value);
            }
            Node::If { branches, otherwise } => {
                for (c, b) in branches {
                    self.expr(c);
                    self.nodes(b);
                }
                if let Some(b) = otherwise {
                    self.nodes(b);
                }
            }
            Node::Foreach { iterable, body, .. } => {
                self.expr(iterable);
                self.nodes(body);
            }
            Node::Define { body, .. } => self.nodes(body),
        }
    }
    fn reference(&mut self, r: &Reference) {
        for p in &r.parts {
            match p {
                Part::Prop(_) => {}
                Part::Method(name, args) => {
                    if let ("path" | "json", [Expr::Str(p)]) = (name.as_str(), args.as_slice()) {
                        if !self.cache.contains_key(&**p) {
                            if let Ok(path) = JsonPath::parse(p) {
                                self.cache.insert(Box::from(&**p), path);
                            }
                        }
                    }
                    for a in args {
                        self.expr(a);
                    }
                }
                Part::Index(e) => self.expr(e),
            }
        }
    }
    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Str(_) | Expr::Int(_) | Expr::Long(_) | Expr::Double(_) | Expr::Bool(_) => {}
            Expr::Interp(nodes, _) => self.nodes(nodes),
            Expr::Ref(r) => self.reference(r),
            Expr::List(items) => items.iter().for_each(|x| self.expr(x)),
            Expr::Map(entries) => entries.iter().for_each(|(k, v)| {
                self.expr(k);
                self.expr(v);
            }),
            Expr::Range(a, b) | Expr::Bin(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::Not(a) => self.expr(a),
        }
    }
}

pub(crate) fn merge_text(nodes: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for n in nodes {
        let n = match n {
            Node::If { branches, otherwise } => Node::If {
                branches: branches.into_iter().map(|(c, b)| (c, merge_text(b))).collect(),
                otherwise: otherwise.map(merge_text),
            },
            Node::Foreach { var, iterable, body, span } => Node::Foreach { var, iterable, body: merge_text(body), span },
            other => other,
        };
        if let (Node::Text(t), Some(Node::Text(prev))) = (&n, out.last_mut()) {
            prev.push_str(t);
            continue;
        }
        if let Node::Text(t) = &n {
            if t.is_empty() {
                continue;
            }
        }
        out.push(n);
    }
    out
}

/// Conservative: any `$input` reference other than `$input.params(...)` counts.
pub(crate) fn uses_body(nodes: &[Node]) -> bool {
    nodes.iter().any(node_uses_body)
}

fn node_uses_body(n: &Node) -> bool {
    match n {
        Node::Text(_) | Node::Stop | Node::Unsupported { .. } => false,
        Node::Ref { reference, .. } | Node::EscapedRef { reference, .. } => ref_uses_body(reference),
        Node::Set { target, value } => ref_uses_body(target) || expr_uses_body(value),
        Node::If { branches, otherwise } => {
            branches.iter().any(|(c, b)| expr_uses_body(c) || uses_body(b)) || otherwise.as_deref().is_some_and(uses_body)
        }
        Node::Foreach { iterable, body, .. } => expr_uses_body(iterable) || uses_body(body),
        Node::Define { body, .. } => uses_body(body),
        Node::Break(r) => r.as_deref().is_some_and(ref_uses_body),
    }
}

fn ref_uses_body(r: &Reference) -> bool {
    if r.root == "input" && !r.bare {
        match r.parts.first() {
            Some(Part::Method(name, _)) if name == "params" => {}
            _ => return true,
        }
    }
    r.parts.iter().any(|p| match p {
        Part::Prop(_) => false,
        Part::Method(_, args) => args.iter().any(expr_uses_body),
        Part::Index(e) => expr_uses_body(e),
    })
}

fn expr_uses_body(e: &Expr) -> bool {
    match e {
        Expr::Str(_) | Expr::Int(_) | Expr::Long(_) | Expr::Double(_) | Expr::Bool(_) => false,
        Expr::Interp(nodes, _) => uses_body(nodes),
        Expr::Ref(r) => ref_uses_body(r),
        Expr::List(items) => items.iter().any(expr_uses_body),
        Expr::Map(entries) => entries.iter().any(|(k, v)| expr_uses_body(k) || expr_uses_body(v)),
        Expr::Range(a, b) | Expr::Bin(_, a, b) => expr_uses_body(a) || expr_uses_body(b),
        Expr::Not(a) => expr_uses_body(a),
    }
}
