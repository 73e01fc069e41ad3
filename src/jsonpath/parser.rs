//! JSONPath syntax (Jayway dialect) to segments.

use std::sync::Arc;

use super::{JsonPathError, MAX_FILTER_DEPTH};
use crate::java_regex::JavaRegex;

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.x`, `['x']`, `[0]`, `[*]`, `[a:b]`, `[?()]`.
    Child(Selector),
    /// `..x`, `..*`, `..[...]`.
    Descendant(Selector),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    Name(String),
    Names(Vec<String>),
    Index(i64),
    Indexes(Vec<i64>),
    Wildcard,
    Slice(Option<i64>, Option<i64>, i64),
    Filter(Filter),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Exists(Operand),
    Cmp(Operand, CmpOp, Operand),
    /// `=~ /re/` (with `i`: `(?i)` prepended), compiled once; matched in full.
    Regex(Operand, Arc<JavaRegex>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `@...` (relative) or `$...` (root), with `.length()` when `len`.
    Path { root: bool, segments: Vec<Segment>, len: bool },
    Literal(serde_json::Value),
}

impl Segment {
    pub fn is_definite(&self) -> bool {
        matches!(self, Segment::Child(Selector::Name(_)) | Segment::Child(Selector::Index(_)))
    }
}

struct P<'a> {
    s: &'a [char],
    i: usize,
    depth: usize,
}

pub(super) fn parse(path: &str) -> Result<(Vec<Segment>, bool), JsonPathError> {
    let chars: Vec<char> = path.trim().chars().collect();
    // Jayway: a path not starting with `$` or `@` is relative to the root.
    let chars = match chars.first() {
        Some('$') => chars,
        Some('[') => std::iter::once('$').chain(chars).collect(),
        _ => "$.".chars().chain(chars).collect(),
    };
    let mut p = P { s: &chars, i: 1, depth: 0 };
    let (segments, len) = p.segments(false)?;
    if p.i < chars.len() {
        return Err(p.err("unexpected character"));
    }
    Ok((segments, len))
}

impl<'a> P<'a> {
    fn err(&self, m: &str) -> JsonPathError {
        JsonPathError { position: self.i, message: m.into() }
    }
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }
    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c == ' ') {
            self.i += 1;
        }
    }

    /// Segments until the end, or (in a filter) until an operator or `)`.
    fn segments(&mut self, in_filter: bool) -> Result<(Vec<Segment>, bool), JsonPathError> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Some('.') if self.at(1) == Some('.') => {
                    self.i += 2;
                    let sel = match self.peek() {
                        Some('[') => {
                            self.i += 1;
                            self.bracket()?
                        }
                        Some('*') => {
                            self.i += 1;
                            Selector::Wildcard
                        }
                        _ => Selector::Name(self.name(in_filter)?),
                    };
                    out.push(Segment::Descendant(sel));
                }
                Some('.') => {
                    self.i += 1;
                    if self.peek() == Some('*') {
                        self.i += 1;
                        out.push(Segment::Child(Selector::Wildcard));
                        continue;
                    }
                    let n = self.name(in_filter)?;
                    if self.peek() == Some('(') && self.at(1) == Some(')') {
                        if n != "length" && n != "size" {
                            return Err(self.err("unknown function"));
                        }
                        self.i += 2;
                        return Ok((out, true));
                    }
                    out.push(Segment::Child(Selector::Name(n)));
                }
                Some('[') => {
                    self.i += 1;
                    let sel = self.bracket()?;
                    out.push(Segment::Child(sel));
                }
                _ => return Ok((out, false)),
            }
        }
    }

    fn name(&mut self, in_filter: bool) -> Result<String, JsonPathError> {
        let start = self.i;
        while let Some(c) = self.peek() {
            let stop = matches!(c, '.' | '[' | '(' | ')')
                || (in_filter && (c == ' ' || "=!<>&|".contains(c)));
            if stop {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return Err(self.err("expected a property name"));
        }
        Ok(self.s.get(start..self.i).map(|c| c.iter().collect::<String>()).unwrap_or_default().trim().to_string())
    }

    fn quoted(&mut self) -> Result<String, JsonPathError> {
        let q = self.peek().ok_or_else(|| self.err("expected a quote"))?;
        self.i += 1;
        let mut s = String::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some('\\') => {
                    let e = self.at(1).ok_or_else(|| self.err("bad escape"))?;
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        x => x,
                    });
                    self.i += 2;
                }
                Some(c) if c == q => {
                    self.i += 1;
                    return Ok(s);
                }
                Some(c) => {
                    s.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn int(&mut self) -> Option<i64> {
        let start = self.i;
        if self.peek() == Some('-') {
            self.i += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let t: String = self.s.get(start..self.i).map(|c| c.iter().collect()).unwrap_or_default();
        match t.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.i = start;
                None
            }
        }
    }

    /// After `[`.
    fn bracket(&mut self) -> Result<Selector, JsonPathError> {
        self.ws();
        let sel = match self.peek() {
            Some('*') => {
                self.i += 1;
                Selector::Wildcard
            }
            Some('\'') | Some('"') => {
                let mut names = vec![self.quoted()?];
                self.ws();
                while self.peek() == Some(',') {
                    self.i += 1;
                    self.ws();
                    names.push(self.quoted()?);
                    self.ws();
                }
                if names.len() == 1 {
                    Selector::Name(names.remove(0))
                } else {
                    Selector::Names(names)
                }
            }
            Some('?') => {
                self.i += 1;
                self.ws();
                if self.peek() != Some('(') {
                    return Err(self.err("expected ( after ?"));
                }
                self.i += 1;
                let f = self.filter_or()?;
                self.ws();
                if self.peek() != Some(')') {
                    return Err(self.err("expected ) to close the filter"));
                }
                self.i += 1;
                Selector::Filter(f)
            }
            _ => {
                let a = self.int();
                self.ws();
                if self.peek() == Some(':') {
                    self.i += 1;
                    self.ws();
                    let b = self.int();
                    self.ws();
                    let mut step = 1;
                    if self.peek() == Some(':') {
                        self.i += 1;
                        self.ws();
                        step = self.int().unwrap_or(1);
                        if step == 0 {
                            return Err(self.err("slice step cannot be 0"));
                        }
                    }
                    Selector::Slice(a, b, step)
                } else {
                    let a = a.ok_or_else(|| self.err("expected an index, name, * or filter"))?;
                    let mut idx = vec![a];
                    while self.peek() == Some(',') {
                        self.i += 1;
                        self.ws();
                        idx.push(self.int().ok_or_else(|| self.err("expected an index"))?);
                        self.ws();
                    }
                    if idx.len() == 1 {
                        Selector::Index(a)
                    } else {
                        Selector::Indexes(idx)
                    }
                }
            }
        };
        self.ws();
        if self.peek() != Some(']') {
            return Err(self.err("expected ]"));
        }
        self.i += 1;
        Ok(sel)
    }

    fn enter(&mut self) -> Result<(), JsonPathError> {
        self.depth += 1;
        if self.depth > MAX_FILTER_DEPTH {
            return Err(self.err("filter nested too deeply (MAX_FILTER_DEPTH)"));
        }
        Ok(())
    }

    fn filter_or(&mut self) -> Result<Filter, JsonPathError> {
        self.enter()?;
        let mut left = self.filter_and()?;
        loop {
            self.ws();
            if self.peek() == Some('|') && self.at(1) == Some('|') {
                self.i += 2;
                let right = self.filter_and()?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                self.depth -= 1;
                return Ok(left);
            }
        }
    }

    fn filter_and(&mut self) -> Result<Filter, JsonPathError> {
        let mut left = self.filter_unary()?;
        loop {
            self.ws();
            if self.peek() == Some('&') && self.at(1) == Some('&') {
                self.i += 2;
                let right = self.filter_unary()?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn filter_unary(&mut self) -> Result<Filter, JsonPathError> {
        self.ws();
        if self.peek() == Some('!') && self.at(1) != Some('=') {
            self.i += 1;
            self.enter()?;
            let f = self.filter_unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(f)));
        }
        if self.peek() == Some('(') {
            self.i += 1;
            let f = self.filter_or()?;
            self.ws();
            if self.peek() != Some(')') {
                return Err(self.err("expected )"));
            }
            self.i += 1;
            return Ok(f);
        }
        let left = self.operand()?;
        self.ws();
        let op = match (self.peek(), self.at(1)) {
            (Some('='), Some('=')) => Some((CmpOp::Eq, 2)),
            (Some('!'), Some('=')) => Some((CmpOp::Ne, 2)),
            (Some('<'), Some('=')) => Some((CmpOp::Le, 2)),
            (Some('>'), Some('=')) => Some((CmpOp::Ge, 2)),
            (Some('<'), _) => Some((CmpOp::Lt, 1)),
            (Some('>'), _) => Some((CmpOp::Gt, 1)),
            (Some('='), Some('~')) => {
                self.i += 2;
                self.ws();
                if self.peek() != Some('/') {
                    return Err(self.err("expected /regex/"));
                }
                self.i += 1;
                let mut re = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.err("unterminated regex")),
                        Some('\\') if self.at(1) == Some('/') => {
                            re.push('/');
                            self.i += 2;
                        }
                        Some('/') => {
                            self.i += 1;
                            break;
                        }
                        Some(c) => {
                            re.push(c);
                            self.i += 1;
                        }
                    }
                }
                let ci = self.peek() == Some('i');
                if ci {
                    self.i += 1;
                }
                // Jayway compiles the pattern (java.util.regex, flag `i` = CASE_INSENSITIVE) when
                // it parses the path, so a refused pattern is a parse error here too. Through the
                // per-VM cache: some paths are parsed per request (`$input.path($var)`).
                let java = if ci { format!("(?i){re}") } else { re };
                let compiled = crate::java_regex::cached(&java).map_err(|e| self.err(&format!("regex /{java}/: {e}")))?;
                return Ok(Filter::Regex(left, compiled));
            }
            _ => None,
        };
        match op {
            None => Ok(Filter::Exists(left)),
            Some((op, n)) => {
                self.i += n;
                self.ws();
                let right = self.operand()?;
                Ok(Filter::Cmp(left, op, right))
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, JsonPathError> {
        self.ws();
        match self.peek() {
            Some('@') | Some('$') => {
                let root = self.peek() == Some('$');
                self.i += 1;
                let (segments, len) = self.segments(true)?;
                Ok(Operand::Path { root, segments, len })
            }
            Some('\'') | Some('"') => Ok(Operand::Literal(serde_json::Value::String(self.quoted()?))),
            _ => {
                let start = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
                    self.i += 1;
                }
                let t: String = self.s.get(start..self.i).map(|c| c.iter().collect()).unwrap_or_default();
                let v = match t.as_str() {
                    "true" => serde_json::Value::Bool(true),
                    "false" => serde_json::Value::Bool(false),
                    "null" => serde_json::Value::Null,
                    _ => serde_json::from_str::<serde_json::Number>(&t)
                        .map(serde_json::Value::Number)
                        .map_err(|_| JsonPathError { position: start, message: "expected a value".into() })?,
                };
                Ok(Operand::Literal(v))
            }
        }
    }
}
