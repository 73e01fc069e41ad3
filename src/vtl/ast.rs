//! Syntax tree of a Velocity template. Spans are character offsets into the source.

use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub enum Node {
    /// Output as it is.
    Text(String),
    /// `$a.b` printed. `prefix` is what the reference prints before its value (halved backslashes).
    Ref { reference: Box<Reference>, prefix: String },
    /// `\$a`: evaluated (for its side effects), then printed as written without the backslash.
    EscapedRef { reference: Box<Reference>, prefix: String },
    Set { target: Box<Reference>, value: Expr },
    If { branches: Vec<(Expr, Vec<Node>)>, otherwise: Option<Vec<Node>> },
    Foreach { var: String, iterable: Expr, body: Vec<Node>, span: Span },
    /// `#define($name)body#end`: the body is shared with the value stored in `$name`.
    Define { name: String, body: Arc<Vec<Node>> },
    /// `#break` / `#break($foreach)`.
    Break(Option<Box<Reference>>),
    Stop,
    /// `#include`/`#parse`: no resource loader on API Gateway; an error when rendered.
    Unsupported { name: String },
}

#[derive(Debug)]
pub struct Reference {
    pub root: String,
    /// A bare identifier in method arguments (`$m.put('k', null)`): Velocity gives it `null`.
    pub bare: bool,
    pub parts: Vec<Part>,
    /// `$!a`.
    pub silent: bool,
    /// The reference as written, without leading backslashes (`$a.b`, `$!{a}`).
    pub literal: String,
}

#[derive(Debug)]
pub enum Part {
    Prop(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

#[derive(Debug)]
pub enum Expr {
    Str(String),
    /// A double-quoted string with `$` or `#`: a template rendered each time.
    Interp(Vec<Node>, /* strip the trailing space added before parsing */ bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Bool(bool),
    Ref(Box<Reference>),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}
