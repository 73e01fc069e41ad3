//! Tokens of Velocity 1.7's directive-argument states (`DIRECTIVE`, `REFMOD2`, `REFINDEX`), and a
//! character cursor shared with the parser for the text state.
//!
//! Velocity's lexer is a JavaCC state machine; text, references and directive headers are
//! scanned by the parser itself (their rules depend on the state), while the expression
//! sublanguage inside `#set(...)`, `#if(...)`, method arguments and map/list literals is tokenised
//! here, longest match first as JavaCC does (`-1` is one integer token, `1..3` is `1` `..` `3`).

use super::ast::{BinOp, Span};

pub(crate) struct Cursor<'a> {
    pub src: &'a [char],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a [char]) -> Cursor<'a> {
        Cursor { src, pos: 0 }
    }
    pub fn peek(&self) -> Option<char> {
        self.src.get(self.pos).copied()
    }
    pub fn peek_at(&self, k: usize) -> Option<char> {
        self.src.get(self.pos.saturating_add(k)).copied()
    }
    pub fn eof(&self) -> bool {
        self.pos >= self.src.len()
    }
    pub fn bump(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.src.len());
    }
    /// Does the source continue with `s` at `pos + k`?
    pub fn at_str(&self, k: usize, s: &str) -> bool {
        let start = self.pos.saturating_add(k);
        s.chars().enumerate().all(|(j, c)| self.src.get(start.saturating_add(j)) == Some(&c))
    }
    pub fn slice(&self, start: usize, end: usize) -> String {
        self.src.get(start..end.min(self.src.len())).map(|s| s.iter().collect()).unwrap_or_default()
    }
    /// Skips `[ \t]*` then one newline (`\n`, `\r\n`, `\r`) if that is what follows; otherwise
    /// nothing. Velocity's `RPAREN`, `#else` and `#end` tokens end this way.
    pub fn eat_trailing_newline(&mut self) {
        let mut k = 0;
        while matches!(self.peek_at(k), Some(' ') | Some('\t')) {
            k += 1;
        }
        match self.peek_at(k) {
            Some('\n') => self.bump(k + 1),
            Some('\r') => {
                if self.peek_at(k + 1) == Some('\n') {
                    self.bump(k + 2)
                } else {
                    self.bump(k + 1)
                }
            }
            _ => {}
        }
    }
    /// Velocity's `WHITESPACE` token: `[ \t\n\r]+`.
    pub fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(' ') | Some('\t') | Some('\n') | Some('\r')) {
            self.bump(1);
        }
        self.pos > start
    }
}

pub(crate) fn is_alpha(c: char) -> bool {
    c.is_ascii_alphabetic()
}
/// First character of a reference identifier.
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}
/// Reference identifiers may contain `-` (`$a-b` is one name).
pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}
/// Directive names (`WORD`): letters, digits, `_`, `@`.
pub(crate) fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@'
}
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '@'
}

/// Which Velocity lexical state the arguments are read in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// `#set(...)`, `#if(...)`, `#foreach(...)`: operators and words exist.
    Directive,
    /// Method arguments (`REFMOD2`): no operators; a bare identifier is a reference.
    Args,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A string literal: `double` quotes or not, the raw text between the quotes.
    Str { double: bool, raw: String },
    Int(String),
    Float(String),
    Word(String),
    /// A bare identifier in method arguments.
    Ident(String),
    True,
    False,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    DoubleDot,
    Colon,
    LCurly,
    RCurly,
    /// `$`: a reference starts here (not consumed).
    Dollar,
    Op(BinOp),
    Not,
    Equals,
    Eof,
    /// Anything Velocity has no token for here.
    Other(char),
}

pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Reads the next token after optional whitespace. An unterminated string is `Err(offset)`.
pub(crate) fn next_token(cur: &mut Cursor, mode: Mode) -> Result<Token, usize> {
    cur.skip_ws();
    let start = cur.pos;
    let tok = match cur.peek() {
        None => Tok::Eof,
        Some(c) => scan(cur, c, mode)?,
    };
    Ok(Token { tok, span: Span { start, end: cur.pos } })
}

fn scan(cur: &mut Cursor, c: char, mode: Mode) -> Result<Tok, usize> {
    let start = cur.pos;
    Ok(match c {
        '"' | '\'' => string_literal(cur, c)?,
        '$' => Tok::Dollar,
        '(' => single(cur, Tok::LParen),
        ')' => single(cur, Tok::RParen),
        '[' => single(cur, Tok::LBracket),
        ']' => single(cur, Tok::RBracket),
        ',' => single(cur, Tok::Comma),
        ':' => single(cur, Tok::Colon),
        '{' => single(cur, Tok::LCurly),
        '}' => single(cur, Tok::RCurly),
        '.' if cur.peek_at(1) == Some('.') => {
            cur.bump(2);
            Tok::DoubleDot
        }
        '-' | '.' | '0'..='9' if number_len(cur).is_some() => {
            let (len, float) = number_len(cur).unwrap_or((1, false));
            let text = cur.slice(start, start + len);
            cur.bump(len);
            if float {
                Tok::Float(text)
            } else {
                Tok::Int(text)
            }
        }
        _ if mode == Mode::Directive => directive_token(cur, c),
        _ if is_ident_start(c) => {
            let w = take_while(cur, is_ident_char);
            match w.as_str() {
                "true" => Tok::True,
                "false" => Tok::False,
                _ => Tok::Ident(w),
            }
        }
        _ => Tok::Other(c),
    })
}

/// A string literal opened by `quote`; an unterminated one is `Err(offset of the quote)`.
fn string_literal(cur: &mut Cursor, quote: char) -> Result<Tok, usize> {
    let start = cur.pos;
    cur.bump(1);
    let mut raw = String::new();
    loop {
        match cur.peek() {
            None => return Err(start),
            Some(q) if q == quote => {
                // A doubled quote stays inside the literal (`"a""b"`).
                if cur.peek_at(1) == Some(quote) {
                    raw.push(quote);
                    raw.push(quote);
                    cur.bump(2);
                } else {
                    cur.bump(1);
                    break;
                }
            }
            Some(x) => {
                raw.push(x);
                cur.bump(1);
            }
        }
    }
    Ok(Tok::Str { double: quote == '"', raw })
}

/// The operators and words that exist only in the `DIRECTIVE` state.
fn directive_token(cur: &mut Cursor, c: char) -> Tok {
    match c {
        '-' => single(cur, Tok::Op(BinOp::Sub)),
        '+' => single(cur, Tok::Op(BinOp::Add)),
        '*' => single(cur, Tok::Op(BinOp::Mul)),
        '/' => single(cur, Tok::Op(BinOp::Div)),
        '%' => single(cur, Tok::Op(BinOp::Mod)),
        '&' if cur.peek_at(1) == Some('&') => two(cur, Tok::Op(BinOp::And)),
        '|' if cur.peek_at(1) == Some('|') => two(cur, Tok::Op(BinOp::Or)),
        '<' if cur.peek_at(1) == Some('=') => two(cur, Tok::Op(BinOp::Le)),
        '>' if cur.peek_at(1) == Some('=') => two(cur, Tok::Op(BinOp::Ge)),
        '=' if cur.peek_at(1) == Some('=') => two(cur, Tok::Op(BinOp::Eq)),
        '!' if cur.peek_at(1) == Some('=') => two(cur, Tok::Op(BinOp::Ne)),
        '<' => single(cur, Tok::Op(BinOp::Lt)),
        '>' => single(cur, Tok::Op(BinOp::Gt)),
        '!' => single(cur, Tok::Not),
        '=' => single(cur, Tok::Equals),
        _ if is_word_start(c) => directive_word(take_while(cur, is_word_char)),
        _ => Tok::Other(c),
    }
}

/// A `DIRECTIVE`-state word: operators and literals win ties against WORD (declared first in
/// Velocity's grammar).
fn directive_word(w: String) -> Tok {
    match w.as_str() {
        "true" => Tok::True,
        "false" => Tok::False,
        "and" => Tok::Op(BinOp::And),
        "or" => Tok::Op(BinOp::Or),
        "eq" => Tok::Op(BinOp::Eq),
        "ne" => Tok::Op(BinOp::Ne),
        "lt" => Tok::Op(BinOp::Lt),
        "gt" => Tok::Op(BinOp::Gt),
        "le" => Tok::Op(BinOp::Le),
        "ge" => Tok::Op(BinOp::Ge),
        "not" => Tok::Not,
        _ => Tok::Word(w),
    }
}

fn single(cur: &mut Cursor, t: Tok) -> Tok {
    cur.bump(1);
    t
}

fn two(cur: &mut Cursor, t: Tok) -> Tok {
    cur.bump(2);
    t
}

fn take_while(cur: &mut Cursor, f: fn(char) -> bool) -> String {
    let mut s = String::new();
    while let Some(c) = cur.peek() {
        if !f(c) {
            break;
        }
        s.push(c);
        cur.bump(1);
    }
    s
}

/// Length of the longest integer or floating-point literal at the cursor, and whether it is a
/// float. Velocity: `-?\d+` (not swallowing `..`), `-?\d+\.\d*([eE][+-]?\d+)?`, `-?\.\d+(exp)?`,
/// `-?\d+exp`.
fn number_len(cur: &Cursor) -> Option<(usize, bool)> {
    let d = |k: usize| cur.peek_at(k).is_some_and(|c| c.is_ascii_digit());
    let mut k = 0;
    if cur.peek() == Some('-') {
        k = 1;
    }
    let int_start = k;
    while d(k) {
        k += 1;
    }
    let int_digits = k - int_start;
    let exp_len = |at: usize| -> usize {
        if !matches!(cur.peek_at(at), Some('e') | Some('E')) {
            return 0;
        }
        let mut j = at + 1;
        if matches!(cur.peek_at(j), Some('+') | Some('-')) {
            j += 1;
        }
        let ds = j;
        while d(j) {
            j += 1;
        }
        if j > ds {
            j - at
        } else {
            0
        }
    };
    if cur.peek_at(k) == Some('.') && cur.peek_at(k + 1) != Some('.') {
        let mut j = k + 1;
        let fs = j;
        while d(j) {
            j += 1;
        }
        if int_digits > 0 || j > fs {
            let e = exp_len(j);
            return Some((j + e, true));
        }
    }
    if int_digits == 0 {
        return None;
    }
    let e = exp_len(k);
    if e > 0 {
        return Some((k + e, true));
    }
    Some((k, false))
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn toks(s: &str, mode: Mode) -> Vec<Tok> {
        let chars: Vec<char> = s.chars().collect();
        let mut cur = Cursor::new(&chars);
        let mut out = Vec::new();
        loop {
            let t = next_token(&mut cur, mode).unwrap();
            if t.tok == Tok::Eof {
                return out;
            }
            if t.tok == Tok::Dollar {
                cur.bump(1);
            }
            out.push(t.tok);
        }
    }

    // Longest match as JavaCC: "-1" is one integer, "1..3" keeps the range dots, "1." is a float.
    #[test]
    fn numbers_longest_match() {
        assert_eq!(toks("-1", Mode::Directive), vec![Tok::Int("-1".into())]);
        assert_eq!(
            toks("1..3", Mode::Directive),
            vec![Tok::Int("1".into()), Tok::DoubleDot, Tok::Int("3".into())]
        );
        assert_eq!(toks("1.", Mode::Directive), vec![Tok::Float("1.".into())]);
        assert_eq!(toks(".5*.1", Mode::Directive), vec![Tok::Float(".5".into()), Tok::Op(BinOp::Mul), Tok::Float(".1".into())]);
        assert_eq!(toks("2e3", Mode::Directive), vec![Tok::Float("2e3".into())]);
        assert_eq!(toks("5 - 1", Mode::Directive), vec![Tok::Int("5".into()), Tok::Op(BinOp::Sub), Tok::Int("1".into())]);
    }

    // Word operators win over WORD; longer words stay words.
    #[test]
    fn word_operators() {
        assert_eq!(toks("a and b", Mode::Directive), vec![Tok::Word("a".into()), Tok::Op(BinOp::And), Tok::Word("b".into())]);
        assert_eq!(toks("android", Mode::Directive), vec![Tok::Word("android".into())]);
        assert_eq!(toks("x", Mode::Args), vec![Tok::Ident("x".into())]);
    }

    // Doubled quotes stay in the literal; an unterminated one is an error at its start.
    #[test]
    fn strings() {
        assert_eq!(toks(r#""a""b""#, Mode::Directive), vec![Tok::Str { double: true, raw: r#"a""b"#.into() }]);
        let chars: Vec<char> = "  'abc".chars().collect();
        let mut cur = Cursor::new(&chars);
        assert_eq!(next_token(&mut cur, Mode::Directive).err(), Some(2));
    }
}
