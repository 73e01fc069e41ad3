//! Velocity 1.7 parser: text state, references, directives, and the expression grammar.
//!
//! It follows the JavaCC grammar's observable rules rather than its machinery:
//! - a directive's closing `)`, `#else` and `#end` swallow `[ \t]*` and one newline after them;
//! - `#set` swallows the spaces/tabs before it when they start a new token (after a directive,
//!   reference or comment), not when they continue a run of text;
//! - backslashes are literal except before references (`\$a`), before directive names
//!   (`\#if` with an odd run) and as pairs before control directives (`\\#if`);
//! - an unknown `#name(...)` (including `#evaluate` and macro calls, both off on API Gateway)
//!   prints as written; `#macro(...)...#end` prints nothing.

use std::collections::HashSet;
use std::sync::Arc;

use super::ast::{BinOp, Expr, Node, Part, Reference, Span};
use super::error::TemplateError;
use super::lexer::{is_alpha, is_ident_char, is_ident_start, is_word_char, is_word_start, next_token, Cursor, Mode, Tok, Token};
use super::MAX_NESTING_DEPTH;

/// Directives registered in Velocity 1.7 as API Gateway runs it (`#evaluate` removed).
const DIRECTIVES: &[&str] = &["foreach", "define", "macro", "break", "stop", "include", "parse", "literal"];

pub(crate) fn parse(src: &[char]) -> Result<Vec<Node>, TemplateError> {
    let mut p = Parser { cur: Cursor::new(src), depth: 0, macros: HashSet::new() };
    let (nodes, end) = p.block(false, false)?;
    match end {
        BlockEnd::Eof => Ok(nodes),
        _ => Err(p.err(p.cur.pos, "unexpected directive")),
    }
}

struct Parser<'a> {
    cur: Cursor<'a>,
    depth: usize,
    /// Names of `#macro`s seen so far: Velocity's escape rules treat them as directives.
    macros: HashSet<String>,
}

enum BlockEnd {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

/// Pending text of the current run, and whether the next character starts a new token.
struct TextRun {
    text: String,
    token_start: bool,
}

impl TextRun {
    fn flush(&mut self, nodes: &mut Vec<Node>) {
        if !self.text.is_empty() {
            nodes.push(Node::Text(std::mem::take(&mut self.text)));
        }
        self.token_start = true;
    }
}

impl<'a> Parser<'a> {
    fn err(&self, at: usize, msg: impl Into<String>) -> TemplateError {
        TemplateError::at(self.cur.src, at, msg)
    }

    fn enter(&mut self, at: usize) -> Result<(), TemplateError> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(self.err(at, format!("nesting deeper than {MAX_NESTING_DEPTH} (MAX_NESTING_DEPTH)")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Parses statements up to EOF, or up to `#end` (`in_block`), or `#else`/`#elseif` (`in_if`).
    fn block(&mut self, in_block: bool, in_if: bool) -> Result<(Vec<Node>, BlockEnd), TemplateError> {
        let block_start = self.cur.pos;
        self.enter(block_start)?;
        let mut nodes = Vec::new();
        let mut run = TextRun { text: String::new(), token_start: true };
        loop {
            let Some(c) = self.cur.peek() else {
                run.flush(&mut nodes);
                if in_block {
                    return Err(self.err(block_start.saturating_sub(1), "missing #end"));
                }
                self.leave();
                return Ok((nodes, BlockEnd::Eof));
            };
            match c {
                ' ' | '\t' if run.token_start && self.set_ahead(true) => {
                    run.flush(&mut nodes);
                    while matches!(self.cur.peek(), Some(' ') | Some('\t')) {
                        self.cur.bump(1);
                    }
                    nodes.push(self.set_directive()?);
                }
                '\\' => self.backslashes(&mut nodes, &mut run)?,
                '$' => {
                    run.flush(&mut nodes);
                    match self.reference(Mode::Directive)? {
                        Some(r) => nodes.push(Node::Ref { reference: Box::new(r), prefix: String::new() }),
                        None => self.lone_dollar(&mut run, String::new())?,
                    }
                    run.token_start = true;
                }
                '#' => {
                    if let Some(end) = self.hash(&mut nodes, &mut run, in_block, in_if)? {
                        run.flush(&mut nodes);
                        self.leave();
                        return Ok((nodes, end));
                    }
                }
                _ => {
                    run.text.push(c);
                    run.token_start = false;
                    self.cur.bump(1);
                }
            }
        }
    }

    /// `$` that starts no reference: printed; Velocity drops the `!` of a lone `$!`.
    /// At the very end of the template Velocity's lexer fails instead.
    fn lone_dollar(&mut self, run: &mut TextRun, prefix: String) -> Result<(), TemplateError> {
        let bang = usize::from(self.cur.peek_at(1) == Some('!'));
        if self.cur.peek_at(1 + bang).is_none() {
            return Err(self.err(self.cur.pos, "lone $ at the end of the template"));
        }
        run.text.push_str(&prefix);
        run.text.push('$');
        self.cur.bump(1);
        if self.cur.peek() == Some('!') {
            self.cur.bump(1);
        }
        Ok(())
    }

    /// Is `#set *(` or `#{set} *(` next (after `[ \t]*` when `spaces`)?
    fn set_ahead(&self, spaces: bool) -> bool {
        let mut k = 0;
        if spaces {
            while matches!(self.cur.peek_at(k), Some(' ') | Some('\t')) {
                k += 1;
            }
        }
        let n = if self.cur.at_str(k, "#set") {
            4
        } else if self.cur.at_str(k, "#{set}") {
            6
        } else {
            return false;
        };
        k += n;
        while self.cur.peek_at(k) == Some(' ') {
            k += 1;
        }
        self.cur.peek_at(k) == Some('(')
    }

    fn backslashes(&mut self, nodes: &mut Vec<Node>, run: &mut TextRun) -> Result<(), TemplateError> {
        let mut n = 0;
        while self.cur.peek_at(n) == Some('\\') {
            n += 1;
        }
        let half = "\\".repeat(n / 2);
        match self.cur.peek_at(n) {
            Some('$') => {
                run.flush(nodes);
                self.cur.bump(n);
                match self.reference(Mode::Directive)? {
                    Some(r) => {
                        let reference = Box::new(r);
                        if n % 2 == 1 {
                            nodes.push(Node::EscapedRef { reference, prefix: half });
                        } else {
                            nodes.push(Node::Ref { reference, prefix: half });
                        }
                    }
                    None => self.lone_dollar(run, "\\".repeat(n))?,
                }
            }
            Some('#') if n % 2 == 1 => {
                // `\#if` (odd run): an escaped directive prints with half the backslashes.
                let save = self.cur.pos;
                self.cur.bump(n + 1);
                match self.directive_word() {
                    Some((word, text)) => {
                        if self.is_directive_name(&word) {
                            run.text.push_str(&half);
                        } else {
                            run.text.push_str(&"\\".repeat(n));
                        }
                        run.text.push('#');
                        run.text.push_str(&text);
                    }
                    None => {
                        self.cur.pos = save;
                        run.text.push_str(&"\\".repeat(n));
                        self.cur.bump(n);
                    }
                }
            }
            Some('#') => {
                // `\\#if` (even run): pairs before a control directive print as one backslash each.
                self.cur.bump(n);
                let control = self.control_directive_ahead();
                run.text.push_str(&if control { half } else { "\\".repeat(n) });
            }
            _ => {
                run.text.push_str(&"\\".repeat(n));
                self.cur.bump(n);
            }
        }
        run.token_start = true;
        Ok(())
    }

    /// At `#`: is the next token one Velocity counts as a directive for its escape rule?
    fn control_directive_ahead(&mut self) -> bool {
        let save = self.cur.pos;
        self.cur.bump(1);
        let r = match self.directive_word() {
            Some((word, text)) => {
                let bracketed = text.starts_with('{');
                // `#set(` is its own token whose image is not a directive name: never control.
                matches!(word.as_str(), "if" | "else" | "elseif" | "end")
                    || (!bracketed && word != "set" && self.is_directive_name(&word))
            }
            None => false,
        };
        self.cur.pos = save;
        r
    }

    fn is_directive_name(&self, w: &str) -> bool {
        matches!(w, "if" | "else" | "elseif" | "end" | "set") || DIRECTIVES.contains(&w) || self.macros.contains(w)
    }

    /// After `#`: a `WORD` or `{WORD}`; returns (name, text as written) and consumes it.
    fn directive_word(&mut self) -> Option<(String, String)> {
        let start = self.cur.pos;
        if self.cur.peek() == Some('{') {
            let first = self.cur.peek_at(1)?;
            if !(is_alpha(first) || first == '_') {
                return None;
            }
            let mut k = 2;
            while self.cur.peek_at(k).is_some_and(is_word_char) {
                k += 1;
            }
            if self.cur.peek_at(k) != Some('}') {
                return None;
            }
            let name = self.cur.slice(start + 1, start + k);
            self.cur.bump(k + 1);
            return Some((name, self.cur.slice(start, self.cur.pos)));
        }
        if !self.cur.peek().is_some_and(is_word_start) {
            return None;
        }
        let mut k = 1;
        while self.cur.peek_at(k).is_some_and(is_word_char) {
            k += 1;
        }
        let name = self.cur.slice(start, start + k);
        self.cur.bump(k);
        Some((name.clone(), name))
    }

    /// At `#`. Returns `Some(end)` when a block terminator was read.
    fn hash(
        &mut self,
        nodes: &mut Vec<Node>,
        run: &mut TextRun,
        in_block: bool,
        in_if: bool,
    ) -> Result<Option<BlockEnd>, TemplateError> {
        let start = self.cur.pos;
        if self.cur.at_str(1, "#") {
            // `##` comment: to the end of the line, newline included.
            run.flush(nodes);
            while let Some(c) = self.cur.peek() {
                self.cur.bump(1);
                if c == '\n' {
                    break;
                }
                if c == '\r' {
                    if self.cur.peek() == Some('\n') {
                        self.cur.bump(1);
                    }
                    break;
                }
            }
            return Ok(None);
        }
        if self.cur.at_str(1, "[[") {
            run.flush(nodes);
            self.cur.bump(3);
            let body_start = self.cur.pos;
            while !self.cur.eof() && !self.cur.at_str(0, "]]#") {
                self.cur.bump(1);
            }
            if self.cur.eof() {
                return Err(self.err(start, "unterminated #[[ ]]# block"));
            }
            run.text.push_str(&self.cur.slice(body_start, self.cur.pos));
            self.cur.bump(3);
            run.flush(nodes);
            return Ok(None);
        }
        if self.cur.peek_at(1).is_none() || (self.cur.at_str(1, "*") && self.cur.peek_at(2).is_none()) {
            // Velocity's lexer fails on a `#` or `#*` that ends the template.
            return Err(self.err(start, "lone # at the end of the template"));
        }
        if self.cur.at_str(1, "*") {
            // `#* ... *#`; an unterminated comment runs to the end, as in Velocity.
            run.flush(nodes);
            self.cur.bump(2);
            while !self.cur.eof() && !self.cur.at_str(0, "*#") {
                self.cur.bump(1);
            }
            self.cur.bump(2);
            return Ok(None);
        }
        if self.set_ahead(false) {
            run.flush(nodes);
            nodes.push(self.set_directive()?);
            return Ok(None);
        }
        self.cur.bump(1);
        let Some((word, text)) = self.directive_word() else {
            // A lone `#` is text.
            run.text.push('#');
            run.token_start = true;
            return Ok(None);
        };
        let bracketed = text.starts_with('{');
        match word.as_str() {
            "end" => {
                if !in_block {
                    return Err(self.err(start, "#end without a block to close"));
                }
                self.cur.eat_trailing_newline();
                return Ok(Some(BlockEnd::End));
            }
            "else" => {
                if !in_if {
                    return Err(self.err(start, "#else outside #if"));
                }
                self.cur.eat_trailing_newline();
                return Ok(Some(BlockEnd::Else));
            }
            "elseif" => {
                if !in_if {
                    return Err(self.err(start, "#elseif outside #if"));
                }
                let cond = self.paren_expr(start)?;
                return Ok(Some(BlockEnd::ElseIf(cond)));
            }
            "if" => {
                run.flush(nodes);
                nodes.push(self.if_statement(start)?);
                return Ok(None);
            }
            _ => {}
        }
        run.flush(nodes);
        self.directive(start, word, bracketed, nodes, run)?;
        Ok(None)
    }

    /// `( expr )` after `#if`/`#elseif`; the `)` swallows a trailing newline.
    fn paren_expr(&mut self, start: usize) -> Result<Expr, TemplateError> {
        self.cur.skip_ws();
        if self.cur.peek() != Some('(') {
            return Err(self.err(start, "expected ( after the directive"));
        }
        self.cur.bump(1);
        let e = self.expr()?;
        self.expect_rparen()?;
        Ok(e)
    }

    fn expect_rparen(&mut self) -> Result<(), TemplateError> {
        let t = self.tok(Mode::Directive)?;
        if t.tok != Tok::RParen {
            return Err(self.err(t.span.start, "expected )"));
        }
        self.cur.eat_trailing_newline();
        Ok(())
    }

    fn if_statement(&mut self, start: usize) -> Result<Node, TemplateError> {
        self.enter(start)?;
        let mut cond = self.paren_expr(start)?;
        let mut branches = Vec::new();
        let otherwise;
        loop {
            let (body, end) = self.block(true, true)?;
            branches.push((cond, body));
            match end {
                BlockEnd::End => {
                    otherwise = None;
                    break;
                }
                BlockEnd::ElseIf(c) => cond = c,
                BlockEnd::Else => {
                    let (body, end) = self.block(true, false)?;
                    if !matches!(end, BlockEnd::End) {
                        return Err(self.err(self.cur.pos, "expected #end"));
                    }
                    otherwise = Some(body);
                    break;
                }
                BlockEnd::Eof => return Err(self.err(start, "missing #end")),
            }
        }
        self.leave();
        Ok(Node::If { branches, otherwise })
    }

    /// At `#set` (the leading spaces already skipped).
    fn set_directive(&mut self) -> Result<Node, TemplateError> {
        let start = self.cur.pos;
        self.enter(start)?;
        let n = if self.cur.at_str(0, "#set") { 4 } else { 6 };
        self.cur.bump(n);
        while self.cur.peek() == Some(' ') {
            self.cur.bump(1);
        }
        self.cur.bump(1); // (
        self.cur.skip_ws();
        let target = match self.reference(Mode::Directive)? {
            Some(r) => r,
            None => return Err(self.err(self.cur.pos, "#set needs a reference on the left")),
        };
        let t = self.tok(Mode::Directive)?;
        if t.tok != Tok::Equals {
            return Err(self.err(t.span.start, "expected = in #set"));
        }
        let value = self.expr()?;
        self.expect_rparen()?;
        self.leave();
        Ok(Node::Set { target: Box::new(target), value })
    }

    /// `#name`, `#name(args)`, with a body up to `#end` for block directives.
    fn directive(
        &mut self,
        start: usize,
        word: String,
        bracketed: bool,
        nodes: &mut Vec<Node>,
        run: &mut TextRun,
    ) -> Result<(), TemplateError> {
        let known = DIRECTIVES.contains(&word.as_str());
        let block_macro = word.starts_with('@');
        // Velocity looks past whitespace (newlines too) for the `(`.
        let mut k = 0;
        while matches!(self.cur.peek_at(k), Some(' ') | Some('\t') | Some('\n') | Some('\r')) {
            k += 1;
        }
        let has_paren = self.cur.peek_at(k) == Some('(');
        if !has_paren {
            match word.as_str() {
                "break" => nodes.push(Node::Break(None)),
                "stop" => nodes.push(Node::Stop),
                "include" | "parse" => nodes.push(Node::Unsupported { name: word }),
                _ if known || block_macro => {
                    return Err(self.err(start, format!("#{word} needs arguments in parentheses")));
                }
                _ => {
                    // Not a directive at all: text.
                    run.text.push_str(&self.cur.slice(start, self.cur.pos));
                    run.token_start = true;
                }
            }
            return Ok(());
        }
        self.cur.bump(k + 1);
        let args = self.directive_args(&word, known)?;
        let header_end = self.cur.pos;
        match word.as_str() {
            "foreach" => {
                let mut it = args.into_iter();
                let (var, in_word, iterable) = match (it.next(), it.next(), it.next(), it.next()) {
                    (Some(DirArg::Expr(Expr::Ref(r))), Some(DirArg::Word(w)), Some(DirArg::Expr(e)), None) => (r, w, e),
                    _ => return Err(self.err(start, "#foreach expects ($var in <list>)")),
                };
                if in_word != "in" {
                    return Err(self.err(start, "#foreach expects 'in'"));
                }
                if !var.parts.is_empty() {
                    return Err(self.err(start, "#foreach loop variable must be a plain reference"));
                }
                let body = self.block_to_end(start)?;
                nodes.push(Node::Foreach { var: var.root, iterable, body, span: Span { start, end: header_end } });
            }
            "define" => {
                let name = match args.as_slice() {
                    [DirArg::Expr(Expr::Ref(r))] if r.parts.is_empty() => r.root.clone(),
                    _ => return Err(self.err(start, "#define expects ($name)")),
                };
                let body = self.block_to_end(start)?;
                nodes.push(Node::Define { name, body: Arc::new(body) });
            }
            "macro" => {
                // Inline macros are off on API Gateway: the definition is parsed and prints nothing.
                match args.first() {
                    Some(DirArg::Word(name)) => {
                        self.macros.insert(name.clone());
                    }
                    _ => return Err(self.err(start, "#macro expects a name first")),
                }
                self.block_to_end(start)?;
            }
            "literal" => {
                let body_start = self.cur.pos;
                self.block_to_end(start)?;
                let end = self.body_end_before_end_tag();
                run.text.push_str(&self.cur.slice(body_start, end));
                run.flush(nodes);
            }
            "break" => match args.into_iter().next() {
                Some(DirArg::Expr(Expr::Ref(r))) => nodes.push(Node::Break(Some(r))),
                None => nodes.push(Node::Break(None)),
                _ => return Err(self.err(start, "#break expects a scope reference")),
            },
            "stop" => nodes.push(Node::Stop),
            "include" | "parse" => nodes.push(Node::Unsupported { name: word }),
            _ => {
                if block_macro {
                    self.block_to_end(start)?;
                }
                // Unknown directive, macro call or `#evaluate`: printed exactly as written.
                run.text.push_str(&self.cur.slice(start, self.cur.pos));
                let _ = bracketed;
                run.token_start = true;
            }
        }
        Ok(())
    }

    /// Where the body of the block just closed ends: before its `#end`/`#{end}` and whatever
    /// whitespace that token swallowed.
    fn body_end_before_end_tag(&self) -> usize {
        let mut i = self.cur.pos;
        let src = self.cur.src;
        while i > 0 {
            i -= 1;
            if src.get(i) == Some(&'#') && (src.get(i + 1) == Some(&'e') || src.get(i + 1) == Some(&'{')) {
                return i;
            }
        }
        self.cur.pos
    }

    fn block_to_end(&mut self, start: usize) -> Result<Vec<Node>, TemplateError> {
        self.enter(start)?;
        let (body, end) = self.block(true, false)?;
        if !matches!(end, BlockEnd::End) {
            return Err(self.err(start, "missing #end"));
        }
        self.leave();
        Ok(body)
    }

    /// Velocity's `DirectiveArg` list: references, words, literals, separated by whitespace or
    /// commas, up to `)` (which swallows a trailing newline).
    fn directive_args(&mut self, word: &str, known: bool) -> Result<Vec<DirArg>, TemplateError> {
        let mut args = Vec::new();
        loop {
            let save = self.cur.pos;
            let t = self.tok(Mode::Directive)?;
            match t.tok {
                Tok::RParen => {
                    self.cur.eat_trailing_newline();
                    return Ok(args);
                }
                Tok::Comma if !args.is_empty() => continue,
                Tok::Word(w) => {
                    let ok = !known || (word == "foreach" && args.len() == 1) || (word == "macro" && args.is_empty());
                    if !ok {
                        return Err(self.err(t.span.start, format!("invalid argument #{} in #{word}", args.len())));
                    }
                    args.push(DirArg::Word(w));
                }
                Tok::Eof => return Err(self.err(t.span.start, "missing ) after directive arguments")),
                _ => {
                    self.cur.pos = save;
                    let e = self.param(Mode::Directive, true)?;
                    if word == "macro" && args.is_empty() {
                        return Err(self.err(t.span.start, "#macro needs a name first"));
                    }
                    args.push(DirArg::Expr(e));
                }
            }
        }
    }

    fn tok(&mut self, mode: Mode) -> Result<Token, TemplateError> {
        next_token(&mut self.cur, mode).map_err(|at| self.err(at, "unterminated string literal"))
    }

    fn peek_tok(&mut self, mode: Mode) -> Result<Tok, TemplateError> {
        let save = self.cur.pos;
        let t = self.tok(mode)?;
        self.cur.pos = save;
        Ok(t.tok)
    }

    // ----- expressions -----

    fn expr(&mut self) -> Result<Expr, TemplateError> {
        let at = self.cur.pos;
        self.enter(at)?;
        let e = self.binary(0)?;
        self.leave();
        Ok(e)
    }

    /// Precedence climbing over Velocity's levels: or, and, ==/!=, relational, +/-, * / %.
    fn binary(&mut self, level: usize) -> Result<Expr, TemplateError> {
        const LEVELS: &[&[BinOp]] = &[
            &[BinOp::Or],
            &[BinOp::And],
            &[BinOp::Eq, BinOp::Ne],
            &[BinOp::Lt, BinOp::Gt, BinOp::Le, BinOp::Ge],
            &[BinOp::Add, BinOp::Sub],
            &[BinOp::Mul, BinOp::Div, BinOp::Mod],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        loop {
            match self.peek_tok(Mode::Directive)? {
                Tok::Op(op) if ops.contains(&op) => {
                    self.tok(Mode::Directive)?;
                    let right = self.binary(level + 1)?;
                    left = Expr::Bin(op, Box::new(left), Box::new(right));
                }
                _ => return Ok(left),
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, TemplateError> {
        if self.peek_tok(Mode::Directive)? == Tok::Not {
            self.tok(Mode::Directive)?;
            let at = self.cur.pos;
            self.enter(at)?;
            let inner = self.unary()?;
            self.leave();
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, TemplateError> {
        let save = self.cur.pos;
        let t = self.tok(Mode::Directive)?;
        if t.tok == Tok::LParen {
            let e = self.expr()?;
            let t = self.tok(Mode::Directive)?;
            if t.tok != Tok::RParen {
                return Err(self.err(t.span.start, "expected )"));
            }
            // An inner `)` is the same DIRECTIVE-state token: it swallows a newline too.
            self.cur.eat_trailing_newline();
            return Ok(e);
        }
        self.cur.pos = save;
        self.param(Mode::Directive, false)
    }

    /// Velocity's `Parameter`: a literal, list, map, range or reference (no operators).
    fn param(&mut self, mode: Mode, directive_arg: bool) -> Result<Expr, TemplateError> {
        let save = self.cur.pos;
        let t = self.tok(mode)?;
        let at = t.span.start;
        Ok(match t.tok {
            Tok::Str { double, raw } => self.string_literal(double, &raw, at)?,
            Tok::Int(s) => int_literal(&s),
            Tok::Float(s) => Expr::Double(s.parse().map_err(|_| self.err(at, "bad number"))?),
            Tok::True => Expr::Bool(true),
            Tok::False => Expr::Bool(false),
            Tok::Dollar => {
                self.cur.pos = at;
                match self.reference(mode)? {
                    Some(r) => Expr::Ref(Box::new(r)),
                    None => return Err(self.err(at, "expected a reference after $")),
                }
            }
            Tok::Ident(name) if mode == Mode::Args => {
                // A bare name in method arguments is a reference Velocity resolves to null.
                Expr::Ref(Box::new(Reference { root: name.clone(), bare: true, parts: Vec::new(), silent: false, literal: name }))
            }
            Tok::LBracket => {
                self.enter(at)?;
                let e = self.list_or_range(mode, at)?;
                self.leave();
                e
            }
            Tok::LCurly => {
                self.enter(at)?;
                let e = self.map_literal(mode, at)?;
                self.leave();
                e
            }
            _ => {
                self.cur.pos = save;
                let what = if directive_arg { "invalid directive argument" } else { "expected a value" };
                return Err(self.err(at, what));
            }
        })
    }

    fn list_or_range(&mut self, mode: Mode, at: usize) -> Result<Expr, TemplateError> {
        // Range lookahead: `[ (ref|int) .. `.
        let save = self.cur.pos;
        let first = match self.peek_tok(mode)? {
            Tok::Dollar | Tok::Int(_) => Some(self.param(mode, false)?),
            _ => None,
        };
        if let Some(first) = first {
            if self.peek_tok(mode)? == Tok::DoubleDot {
                self.tok(mode)?;
                let second = match self.peek_tok(mode)? {
                    Tok::Dollar | Tok::Int(_) => self.param(mode, false)?,
                    _ => return Err(self.err(self.cur.pos, "a range needs an integer or a reference")),
                };
                let t = self.tok(mode)?;
                if t.tok != Tok::RBracket {
                    return Err(self.err(t.span.start, "expected ] to close the range"));
                }
                return Ok(Expr::Range(Box::new(first), Box::new(second)));
            }
        }
        self.cur.pos = save;
        let mut items = Vec::new();
        if self.peek_tok(mode)? == Tok::RBracket {
            self.tok(mode)?;
            return Ok(Expr::List(items));
        }
        loop {
            items.push(self.param(mode, false)?);
            let t = self.tok(mode)?;
            match t.tok {
                Tok::Comma => {}
                Tok::RBracket => return Ok(Expr::List(items)),
                _ => return Err(self.err(t.span.start, format!("expected , or ] in the list started at {at}"))),
            }
        }
    }

    fn map_literal(&mut self, mode: Mode, _at: usize) -> Result<Expr, TemplateError> {
        let mut entries = Vec::new();
        if self.peek_tok(mode)? == Tok::RCurly {
            self.tok(mode)?;
            return Ok(Expr::Map(entries));
        }
        loop {
            let k = self.param(mode, false)?;
            let t = self.tok(mode)?;
            if t.tok != Tok::Colon {
                return Err(self.err(t.span.start, "expected : in the map"));
            }
            let v = self.param(mode, false)?;
            entries.push((k, v));
            let t = self.tok(mode)?;
            match t.tok {
                Tok::Comma => {}
                Tok::RCurly => return Ok(Expr::Map(entries)),
                _ => return Err(self.err(t.span.start, "expected , or } in the map")),
            }
        }
    }

    /// A string literal: `'...'` as written (`''` is `'`); `"..."` with `\uXXXX` decoded, `""`
    /// as `"`, and interpolated as a template when it contains `$` or `#`.
    fn string_literal(&mut self, double: bool, raw: &str, at: usize) -> Result<Expr, TemplateError> {
        if !double {
            return Ok(Expr::Str(raw.replace("''", "'")));
        }
        let text = unescape_unicode(raw).replace("\"\"", "\"");
        if !(raw.contains('$') || raw.contains('#')) {
            return Ok(Expr::Str(text));
        }
        // Velocity parses the text plus a space (so a trailing `$a` ends), then drops the last
        // character of the output; not when the text has `##`, which would swallow the space.
        let has_comment = text.contains("##");
        let mut inner: Vec<char> = text.chars().collect();
        if !has_comment {
            inner.push(' ');
        }
        self.enter(at)?;
        let mut sub = Parser { cur: Cursor::new(&inner), depth: self.depth, macros: self.macros.clone() };
        let parsed = sub.block(false, false);
        self.leave();
        match parsed {
            Ok((nodes, BlockEnd::Eof)) => Ok(Expr::Interp(nodes, !has_comment)),
            Ok(_) => Err(self.err(at, "unexpected directive in string literal")),
            Err(e) => Err(self.err(at, format!("in string literal: {}", e.message()))),
        }
    }

    // ----- references -----

    /// At `$`: `$a`, `$!a`, `${a}`, `$!{a}` with `.prop`, `.method(args)`, `[index]` parts.
    /// `None` (cursor unchanged) when no identifier follows.
    fn reference(&mut self, _mode: Mode) -> Result<Option<Reference>, TemplateError> {
        let start = self.cur.pos;
        let mut k = 1;
        let silent = self.cur.peek_at(k) == Some('!');
        if silent {
            k += 1;
        }
        let formal = self.cur.peek_at(k) == Some('{');
        if formal {
            k += 1;
        }
        if !self.cur.peek_at(k).is_some_and(is_ident_start) {
            return Ok(None);
        }
        self.enter(start)?;
        self.cur.bump(k);
        let root = self.ident();
        let mut parts = Vec::new();
        loop {
            match self.cur.peek() {
                Some('[') => {
                    self.cur.bump(1);
                    parts.push(Part::Index(self.index_param()?));
                }
                Some('.') if self.cur.peek_at(1).is_some_and(is_alpha) => {
                    self.cur.bump(1);
                    let name = self.ident();
                    if self.cur.peek() == Some('(') {
                        self.cur.bump(1);
                        let args = self.method_args()?;
                        parts.push(Part::Method(name, args));
                    } else {
                        parts.push(Part::Prop(name));
                    }
                }
                _ => break,
            }
        }
        if formal {
            if self.cur.peek() != Some('}') {
                return Err(self.err(self.cur.pos, "expected } to close ${...}"));
            }
            self.cur.bump(1);
        }
        self.leave();
        Ok(Some(Reference { root, bare: false, parts, silent, literal: self.cur.slice(start, self.cur.pos) }))
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.cur.peek() {
            if !is_ident_char(c) {
                break;
            }
            s.push(c);
            self.cur.bump(1);
        }
        s
    }

    /// `[ (string | int | true | false | $ref) ]`.
    fn index_param(&mut self) -> Result<Expr, TemplateError> {
        let t = self.tok(Mode::Args)?;
        let at = t.span.start;
        let e = match t.tok {
            Tok::Str { double, raw } => self.string_literal(double, &raw, at)?,
            Tok::Int(s) => int_literal(&s),
            Tok::True => Expr::Bool(true),
            Tok::False => Expr::Bool(false),
            Tok::Dollar => {
                self.cur.pos = at;
                match self.reference(Mode::Args)? {
                    Some(r) => Expr::Ref(Box::new(r)),
                    None => return Err(self.err(at, "expected a reference after $")),
                }
            }
            _ => return Err(self.err(at, "invalid index")),
        };
        let t = self.tok(Mode::Args)?;
        if t.tok != Tok::RBracket {
            return Err(self.err(t.span.start, "expected ]"));
        }
        Ok(e)
    }

    fn method_args(&mut self) -> Result<Vec<Expr>, TemplateError> {
        let mut args = Vec::new();
        if self.peek_tok(Mode::Args)? == Tok::RParen {
            self.tok(Mode::Args)?;
            return Ok(args);
        }
        loop {
            args.push(self.param(Mode::Args, false)?);
            let t = self.tok(Mode::Args)?;
            match t.tok {
                Tok::Comma => {}
                // A method's `)` does not swallow the newline after it.
                Tok::RParen => return Ok(args),
                _ => return Err(self.err(t.span.start, "expected , or ) in method arguments")),
            }
        }
    }
}

enum DirArg {
    Word(String),
    Expr(Expr),
}

/// Integer literals are `Integer`, then `Long`; beyond that a `Double` (Velocity: BigInteger).
fn int_literal(s: &str) -> Expr {
    if let Ok(i) = s.parse::<i32>() {
        Expr::Int(i)
    } else if let Ok(l) = s.parse::<i64>() {
        Expr::Long(l)
    } else {
        Expr::Double(s.parse().unwrap_or(0.0))
    }
}

/// Velocity 1.7 decodes only `\uXXXX` in double-quoted strings; other backslashes stay.
fn unescape_unicode(s: &str) -> String {
    if !s.contains("\\u") {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        if !units.is_empty() {
            out.push_str(&String::from_utf16_lossy(units));
            units.clear();
        }
    };
    while let Some(&c) = chars.get(i) {
        if c == '\\' && chars.get(i + 1) == Some(&'u') {
            let hex: String = chars.iter().skip(i + 2).take(4).collect();
            if hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                if let Ok(u) = u16::from_str_radix(&hex, 16) {
                    units.push(u);
                    i += 6;
                    continue;
                }
            }
        }
        flush(&mut units, &mut out);
        out.push(c);
        i += 1;
    }
    flush(&mut units, &mut out);
    out
}
