//! Java regular expressions (`java.util.regex`) on the regex-lite engine: the one translator for
//! every place API Gateway evaluates a Java pattern.
//!
//! - `selectionPattern`: full match (`String.matches`), compiled at configure time (README:
//!   "Behaviour", MOCK and CORS);
//! - template methods `String.matches/replaceAll/replaceFirst/split` (Velocity calls Java's own
//!   `String` methods; README: "Mapping templates (VTL)"), compiled at render time through a
//!   bounded cache;
//! - JSONPath filters `=~ /re/` (Jayway compiles them with `Pattern.compile` when the path is
//!   parsed and tests with `matcher(..).matches()`).
//!
//! The pattern is translated once, with one set of constructs for all three (see [`translate`]):
//! supported are literals, classes `[...]` `[^...]` with ranges, `.` (Java's: it also stops at
//! `\r`, U+0085, U+2028, U+2029 unless `(?s)` is in force, scoped as in Java), `\d \D \w \W \s \S`
//! (ASCII, as Java's defaults and regex-lite's agree), `\h \H \v \V \R`, `\b \B \A \z`, `^ $`,
//! POSIX `\p{Alpha}`/`\P{Alpha}` and the other US-ASCII classes, `\Q...\E`, escapes `\t \n \r \f
//! \e \a \cX \0nn \xhh \x{h..h} \uhhhh`, groups `(..)` `(?:..)` `(?<name>..)`, `|`, greedy and
//! lazy quantifiers `* + ? {n} {n,} {n,m}`, inline flags `(?imsx-imsx)` and `(?i:..)`.
//! What regex-lite cannot do is refused with a [`RegexError`] naming the construct, never a silent
//! mismatch: back-references, look-ahead/look-behind, atomic groups, possessive quantifiers,
//! Unicode and `java.lang.Character` classes (`\p{L}`, `\p{IsDigit}`, `\p{javaLowerCase}`),
//! nested classes and `&&`, `\Z \G \X \N \b{g}`, the flags `d u U`.
//! Known differences: Java's `$` also matches before a final line terminator, ours only at the end;
//! under `(?m)` Java's `^`/`$` also see `\r`, U+0085, U+2028, U+2029 as line ends, ours only `\n`.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use regex_lite::Regex;

/// Patterns longer than this (in bytes) are refused, in every context.
pub const MAX_PATTERN_LEN: usize = 4096;
/// Patterns a template builds at render time kept compiled per VM; the oldest goes first.
pub const MAX_CACHED_PATTERNS: usize = 64;

/// Java's `.` outside `(?s)`: anything but the line terminators.
const JAVA_DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";
/// `\h` (horizontal white space) and `\v` (vertical), as sets to put inside `[...]`.
const HORIZONTAL: &str = r" \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}";
const VERTICAL: &str = r"\n\x0B\f\r\x{85}\x{2028}\x{2029}";

/// A compiled Java pattern.
#[derive(Clone)]
pub struct JavaRegex {
    source: Box<str>,
    /// Unanchored: `find`, `split`, `replaceAll`.
    find: Regex,
    /// `\A(?:..)\z`: Java `matches()`. A separate program because regex-lite's leftmost-first
    /// search would stop at `a` in `a|ab` on "ab".
    full: Regex,
    /// What the pattern always matches, when that is simpler than the engine's program.
    shape: Shape,
}

/// Patterns whose matches are found without the engine (Java's `String.split` has the same fast
/// path for one literal character): a template's `split(',')` or `replaceAll('[^0-9]', '')`
/// would otherwise run regex-lite's PikeVM at every character.
#[derive(Clone)]
enum Shape {
    /// Anything else: the engine finds the matches.
    Program,
    /// Literal text (no metacharacter, or one escaped punctuation character), never empty.
    Literal(Box<str>),
    /// One character class `[...]`: every match is one character. `ascii` holds the compiled
    /// class's answer for each ASCII character; others ask the engine.
    Class { ascii: [bool; 128] },
}

/// One match of a [`JavaRegex`]: byte offsets of its start and end.
type Span = (usize, usize);

impl fmt::Debug for JavaRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JavaRegex({:?})", self.source)
    }
}

/// Two patterns are equal when their Java text is.
impl PartialEq for JavaRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// What a [`RegexError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegexErrorKind {
    /// Valid Java, but regex-lite cannot do it.
    Unsupported,
    /// Not a valid Java pattern either (Java's own `PatternSyntaxException`).
    Invalid,
    /// Longer than [`MAX_PATTERN_LEN`].
    TooLong,
}

/// Why a pattern is refused: the construct as written, its character index in the pattern (as
/// Java's "near index N") and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError {
    pub kind: RegexErrorKind,
    pub index: usize,
    pub construct: String,
    pub message: String,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            RegexErrorKind::Unsupported => {
                write!(f, "{} `{}` at index {} is not supported", self.message, self.construct, self.index)
            }
            RegexErrorKind::Invalid if self.construct.is_empty() => write!(f, "{}", self.message),
            RegexErrorKind::Invalid => write!(f, "{} `{}` at index {}", self.message, self.construct, self.index),
            RegexErrorKind::TooLong => write!(f, "pattern longer than {MAX_PATTERN_LEN} bytes (MAX_PATTERN_LEN)"),
        }
    }
}

impl std::error::Error for RegexError {}

impl JavaRegex {
    /// Translates and compiles `java`; every refusal is a [`RegexError`].
    pub fn compile(java: &str) -> Result<JavaRegex, RegexError> {
        if java.len() > MAX_PATTERN_LEN {
            return Err(RegexError {
                kind: RegexErrorKind::TooLong,
                index: 0,
                construct: String::new(),
                message: String::new(),
            });
        }
        let t = translate(java)?;
        let engine = |e: regex_lite::Error| RegexError {
            kind: RegexErrorKind::Invalid,
            index: 0,
            construct: String::new(),
            message: format!("invalid pattern: {e}"),
        };
        let find = Regex::new(&t).map_err(engine)?;
        let full = Regex::new(&format!(r"\A(?:{t})\z")).map_err(engine)?;
        let shape = shape_of(java, &full);
        Ok(JavaRegex { source: java.into(), find, full, shape })
    }

    /// The matches of `find` (leftmost-first, not overlapping), as byte spans.
    fn spans<'s>(&'s self, s: &'s str) -> Box<dyn Iterator<Item = Span> + 's> {
        match &self.shape {
            Shape::Program => Box::new(self.find.find_iter(s).map(|m| (m.start(), m.end()))),
            Shape::Literal(lit) => {
                Box::new(s.match_indices(&**lit).map(|(i, m)| (i, i.saturating_add(m.len()))))
            }
            Shape::Class { ascii } => Box::new(s.char_indices().filter_map(move |(i, c)| {
                let end = i.saturating_add(c.len_utf8());
                let hit = match ascii.get(c as usize) {
                    Some(hit) => *hit,
                    None => self.full.is_match(s.get(i..end).unwrap_or("")),
                };
                hit.then_some((i, end))
            })),
        }
    }

    /// The Java text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Java `matches()`: the whole input.
    pub fn full_match(&self, s: &str) -> bool {
        match &self.shape {
            Shape::Literal(lit) => s == &**lit,
            _ => self.full.is_match(s),
        }
    }

    /// Java `String.split(regex, limit)`: a zero-width match at 0 gives no leading empty string;
    /// with `limit == 0` trailing empty strings are removed.
    pub fn split(&self, s: &str, limit: i32) -> Vec<String> {
        let mut parts = Vec::new();
        if s.is_empty() {
            return vec![String::new()];
        }
        let mut index = 0;
        for (start, end) in self.spans(s) {
            if limit > 0 && i64::try_from(parts.len()).unwrap_or(i64::MAX) >= i64::from(limit).saturating_sub(1) {
                break;
            }
            if end == 0 {
                continue;
            }
            parts.push(s.get(index..start).unwrap_or("").to_string());
            index = end;
        }
        if parts.is_empty() && index == 0 {
            return vec![s.to_string()];
        }
        parts.push(s.get(index..).unwrap_or("").to_string());
        if limit == 0 {
            while parts.last().is_some_and(|p| p.is_empty()) {
                parts.pop();
            }
        }
        parts
    }

    /// Java `replaceAll` (`all`) / `replaceFirst` with Java's replacement syntax: `$n`, `${name}`,
    /// `\x`. The error is the Java exception's name and message.
    pub fn replace(&self, s: &str, repl: &str, all: bool) -> Result<String, String> {
        if !repl.contains(['$', '\\']) {
            // A replacement without group references or escapes is its own text: the matches'
            // bounds are enough, which the engine finds faster than their groups.
            let mut out = String::with_capacity(s.len());
            let mut last = 0;
            for (start, end) in self.spans(s) {
                out.push_str(s.get(last..start).unwrap_or(""));
                out.push_str(repl);
                last = end;
                if !all {
                    break;
                }
            }
            out.push_str(s.get(last..).unwrap_or(""));
            return Ok(out);
        }
        let group_count = self.find.captures_len().saturating_sub(1);
        let rc: Vec<char> = repl.chars().collect();
        let mut out = String::new();
        let mut last = 0;
        for caps in self.find.captures_iter(s) {
            let Some(m) = caps.get(0) else { continue };
            out.push_str(s.get(last..m.start()).unwrap_or(""));
            let mut i = 0usize;
            while let Some(&c) = rc.get(i) {
                match c {
                    '\\' => {
                        let Some(&n) = rc.get(i.saturating_add(1)) else {
                            return Err("IllegalArgumentException: character to be escaped is missing".into());
                        };
                        out.push(n);
                        i = i.saturating_add(2);
                    }
                    '$' => {
                        i = i.saturating_add(1);
                        if rc.get(i) == Some(&'{') {
                            let name: String = rc.iter().skip(i.saturating_add(1)).take_while(|c| **c != '}').collect();
                            let len = name.chars().count();
                            if rc.get(i.saturating_add(1).saturating_add(len)) != Some(&'}') {
                                return Err("IllegalArgumentException: named capturing group is missing trailing '}'".into());
                            }
                            i = i.saturating_add(len).saturating_add(2);
                            match caps.name(&name) {
                                Some(g) => out.push_str(g.as_str()),
                                None if self.find.capture_names().flatten().any(|n| n == name) => {}
                                None => return Err(format!("IllegalArgumentException: No group with name {{{name}}}")),
                            }
                            continue;
                        }
                        let Some(d) = rc.get(i).and_then(|c| c.to_digit(10)) else {
                            return Err("IllegalArgumentException: Illegal group reference".into());
                        };
                        let mut g = d as usize;
                        i = i.saturating_add(1);
                        if g > group_count {
                            return Err(format!("IndexOutOfBoundsException: No group {g}"));
                        }
                        // Java takes more digits while the number stays a group.
                        while let Some(d) = rc.get(i).and_then(|c| c.to_digit(10)) {
                            let ng = g.saturating_mul(10).saturating_add(d as usize);
                            if ng > group_count {
                                break;
                            }
                            g = ng;
                            i = i.saturating_add(1);
                        }
                        if let Some(x) = caps.get(g) {
                            out.push_str(x.as_str());
                        }
                    }
                    _ => {
                        out.push(c);
                        i = i.saturating_add(1);
                    }
                }
            }
            last = m.end();
            if !all {
                break;
            }
        }
        out.push_str(s.get(last..).unwrap_or(""));
        Ok(out)
    }
}

/// A bounded map from pattern text to its compiled form, first in first out. Template patterns
/// may come from the request, so the cache must not grow with them.
#[derive(Debug, Default)]
pub struct RegexCache {
    map: HashMap<Box<str>, Arc<JavaRegex>>,
    order: VecDeque<Box<str>>,
}

impl RegexCache {
    pub fn get_or_compile(&mut self, pattern: &str) -> Result<Arc<JavaRegex>, RegexError> {
        if let Some(re) = self.map.get(pattern) {
            return Ok(re.clone());
        }
        let re = Arc::new(JavaRegex::compile(pattern)?);
        if self.map.len() >= MAX_CACHED_PATTERNS {
            if let Some(oldest) = self.order.pop_front() {
                self.map.remove(&oldest);
            }
        }
        self.map.insert(pattern.into(), re.clone());
        self.order.push_back(pattern.into());
        Ok(re)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

thread_local! {
    /// One cache per VM (the filter runs on one thread): a template's patterns are compiled once,
    /// not once per request.
    static CACHE: RefCell<RegexCache> = RefCell::new(RegexCache::default());
}

/// `pattern` compiled, from the per-VM cache when it was seen before.
pub fn cached(pattern: &str) -> Result<Arc<JavaRegex>, RegexError> {
    CACHE.with(|c| match c.try_borrow_mut() {
        Ok(mut c) => c.get_or_compile(pattern),
        // Not reentrant in practice; compile without the cache rather than fail.
        Err(_) => JavaRegex::compile(pattern).map(Arc::new),
    })
}

/// The [`Shape`] of `java`, already translated and compiled (so valid) as `full`.
fn shape_of(java: &str, full: &Regex) -> Shape {
    const META: &str = "\\^$.|?*+()[]{}";
    // Literal: plain characters, or a backslash before ASCII punctuation (Java: that character).
    let mut lit = String::new();
    let mut chars = java.chars();
    let mut literal = true;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if e.is_ascii_punctuation() => lit.push(e),
                _ => literal = false,
            },
            c if META.contains(c) => literal = false,
            c => lit.push(c),
        }
        if !literal {
            break;
        }
    }
    if literal && !lit.is_empty() {
        return Shape::Literal(lit.into());
    }
    // One class: `[`, then no bracket but escaped ones and no `&&` (no nesting, no intersection),
    // then the closing `]` as the pattern's last character. Its answers come from the compiled
    // class itself, so they are the engine's.
    let Some(body) = java.strip_prefix('[').and_then(|b| b.strip_suffix(']')) else { return Shape::Program };
    let mut escaped = false;
    for c in body.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' | ']' => return Shape::Program,
            _ => {}
        }
    }
    if escaped || body.is_empty() || body.contains("&&") {
        return Shape::Program;
    }
    let mut ascii = [false; 128];
    let mut buf = [0u8; 4];
    for (b, hit) in (0u8..).zip(ascii.iter_mut()) {
        *hit = full.is_match(char::from(b).encode_utf8(&mut buf));
    }
    Shape::Class { ascii }
}

/// POSIX character classes (US-ASCII only, as Java's defaults), as sets to put inside `[...]`.
fn posix(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => r"\x00-\x7F",
        "Alpha" => "a-zA-Z",
        "Digit" => "0-9",
        "Alnum" => "a-zA-Z0-9",
        "Punct" => r"!-/:-@\[-`{-~",
        "Graph" => r"!-~",
        "Print" => r" -~",
        "Blank" => r" \t",
        "Cntrl" => r"\x00-\x1F\x7F",
        "XDigit" => "0-9a-fA-F",
        "Space" => r" \t\n\x0B\f\r",
        _ => return None,
    })
}

/// Java pattern syntax to regex-lite syntax (see the module comment for the constructs).
pub fn translate(java: &str) -> Result<String, RegexError> {
    let chars: Vec<char> = java.chars().collect();
    let mut t = Translator {
        chars: &chars,
        i: 0,
        out: String::with_capacity(java.len().saturating_add(16)),
        in_class: false,
        flags: Flags::default(),
        groups: Vec::new(),
    };
    t.run()?;
    Ok(t.out)
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    /// `(?s)`: `.` is any character.
    dotall: bool,
    /// `(?x)`: a `#` outside a class starts a comment to the end of the line. Comments are
    /// dropped here, else one at the end would swallow the `)\z` of the full-match wrapper.
    comments: bool,
}

struct Translator<'a> {
    chars: &'a [char],
    i: usize,
    out: String,
    in_class: bool,
    /// The flags the translation depends on, in force here: saved at each `(` and restored at
    /// its `)`, as Java scopes flags.
    flags: Flags,
    groups: Vec<Flags>,
}

impl Translator<'_> {
    fn at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i.saturating_add(k)).copied()
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars.iter().skip(from).take(to.saturating_sub(from)).collect()
    }

    fn refuse(&self, kind: RegexErrorKind, from: usize, len: usize, message: &str) -> RegexError {
        RegexError { kind, index: from, construct: self.text(from, from.saturating_add(len)), message: message.into() }
    }

    fn unsupported(&self, len: usize, message: &str) -> RegexError {
        self.refuse(RegexErrorKind::Unsupported, self.i, len, message)
    }

    fn invalid(&self, len: usize, message: &str) -> RegexError {
        self.refuse(RegexErrorKind::Invalid, self.i, len, message)
    }

    fn run(&mut self) -> Result<(), RegexError> {
        while let Some(c) = self.at(0) {
            if self.in_class {
                self.class_char(c)?;
                continue;
            }
            match c {
                '\\' => self.escape()?,
                '[' => {
                    self.in_class = true;
                    self.out.push('[');
                    self.i = self.i.saturating_add(1);
                    if self.at(0) == Some('^') {
                        self.out.push('^');
                        self.i = self.i.saturating_add(1);
                    }
                    // A `]` first in a class is a literal, in Java as in regex-lite.
                    if self.at(0) == Some(']') {
                        self.out.push_str(r"\]");
                        self.i = self.i.saturating_add(1);
                    }
                }
                '.' => {
                    self.out.push_str(if self.flags.dotall { "." } else { JAVA_DOT });
                    self.i = self.i.saturating_add(1);
                }
                '#' if self.flags.comments => {
                    while self.at(0).is_some_and(|c| c != '\n') {
                        self.i = self.i.saturating_add(1);
                    }
                }
                '(' => self.group()?,
                ')' => {
                    if let Some(f) = self.groups.pop() {
                        self.flags = f;
                    }
                    self.out.push(')');
                    self.i = self.i.saturating_add(1);
                }
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.i = self.i.saturating_add(1);
                    self.after_quantifier()?;
                }
                '{' => self.repetition()?,
                // Literal in Java when nothing opened them.
                '}' | ']' => {
                    self.out.push('\\');
                    self.out.push(c);
                    self.i = self.i.saturating_add(1);
                }
                _ => {
                    self.out.push(c);
                    self.i = self.i.saturating_add(1);
                }
            }
        }
        Ok(())
    }

    fn class_char(&mut self, c: char) -> Result<(), RegexError> {
        match c {
            '\\' => return self.escape(),
            ']' => {
                self.in_class = false;
                self.out.push(']');
            }
            // Java reads `[` inside a class as a nested class (a union); regex-lite has none.
            '[' => return Err(self.unsupported(1, "a nested character class (union)")),
            '&' if self.at(1) == Some('&') => return Err(self.unsupported(2, "character class intersection")),
            // Characters regex-lite would read as set operators when doubled.
            '-' | '~' if self.at(1) == Some(c) => {
                self.out.push('\\');
                self.out.push(c);
                self.out.push('\\');
                self.out.push(c);
                self.i = self.i.saturating_add(2);
                return Ok(());
            }
            _ => self.out.push(c),
        }
        self.i = self.i.saturating_add(1);
        Ok(())
    }

    /// After `* + ? {..}`: a lazy `?` is kept; a possessive `+` is refused.
    fn after_quantifier(&mut self) -> Result<(), RegexError> {
        match self.at(0) {
            Some('?') => {
                self.out.push('?');
                self.i = self.i.saturating_add(1);
            }
            Some('+') => return Err(self.unsupported(1, "a possessive quantifier")),
            _ => {}
        }
        Ok(())
    }

    /// `{n}`, `{n,}`, `{n,m}`; anything else after `{` is Java's "Illegal repetition".
    fn repetition(&mut self) -> Result<(), RegexError> {
        let start = self.i;
        let mut k = 1usize;
        let digits = |t: &Self, k: &mut usize| {
            let from = *k;
            while t.at(*k).is_some_and(|c| c.is_ascii_digit()) {
                *k = k.saturating_add(1);
            }
            *k > from
        };
        let mut ok = digits(self, &mut k);
        if ok && self.at(k) == Some(',') {
            k = k.saturating_add(1);
            digits(self, &mut k);
        }
        ok = ok && self.at(k) == Some('}');
        if !ok {
            return Err(self.refuse(RegexErrorKind::Invalid, start, k.saturating_add(1), "illegal repetition"));
        }
        k = k.saturating_add(1);
        let q = self.text(start, start.saturating_add(k));
        self.out.push_str(&q);
        self.i = start.saturating_add(k);
        self.after_quantifier()
    }

    /// `(`, `(?:`, `(?<name>`, `(?flags)`, `(?flags:`; look-around and atomic groups refused.
    fn group(&mut self) -> Result<(), RegexError> {
        if self.at(1) != Some('?') {
            self.groups.push(self.flags);
            self.out.push('(');
            self.i = self.i.saturating_add(1);
            return Ok(());
        }
        match (self.at(2), self.at(3)) {
            (Some(':'), _) => {
                self.groups.push(self.flags);
                self.out.push_str("(?:");
                self.i = self.i.saturating_add(3);
                Ok(())
            }
            (Some('=' | '!'), _) => Err(self.unsupported(3, "look-ahead")),
            (Some('<'), Some('=' | '!')) => Err(self.unsupported(4, "look-behind")),
            (Some('>'), _) => Err(self.unsupported(3, "an atomic group")),
            (Some('<'), _) => {
                // Java group names: an ASCII letter, then ASCII letters and digits.
                let mut k = 3usize;
                while self.at(k).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    k = k.saturating_add(1);
                }
                let named = k > 3 && self.at(3).is_some_and(|c| c.is_ascii_alphabetic()) && self.at(k) == Some('>');
                if !named {
                    return Err(self.invalid(k.saturating_add(1), "a bad group name"));
                }
                k = k.saturating_add(1);
                self.groups.push(self.flags);
                let g = self.text(self.i, self.i.saturating_add(k));
                self.out.push_str(&g);
                self.i = self.i.saturating_add(k);
                Ok(())
            }
            _ => self.flags(),
        }
    }

    /// `(?imsx-imsx)` for the rest of the enclosing group, or `(?imsx-imsx:...)`.
    fn flags(&mut self) -> Result<(), RegexError> {
        let mut k = 2usize;
        let mut on = true;
        let mut flags = self.flags;
        loop {
            match self.at(k) {
                Some('i' | 'm') => {}
                Some('s') => flags.dotall = on,
                Some('x') => flags.comments = on,
                Some('-') if on => on = false,
                Some(f @ ('d' | 'u' | 'U')) => {
                    let what = match f {
                        'd' => "the UNIX_LINES flag",
                        'u' => "the UNICODE_CASE flag",
                        _ => "the UNICODE_CHARACTER_CLASS flag",
                    };
                    return Err(self.refuse(RegexErrorKind::Unsupported, self.i.saturating_add(k), 1, what));
                }
                Some(')' | ':') => break,
                Some(_) => {
                    return Err(self.refuse(RegexErrorKind::Invalid, self.i, k.saturating_add(1), "an unknown group or inline flag"))
                }
                None => return Err(self.invalid(k, "an unclosed group")),
            }
            k = k.saturating_add(1);
        }
        let scoped = self.at(k) == Some(':');
        k = k.saturating_add(1);
        let g = self.text(self.i, self.i.saturating_add(k));
        self.out.push_str(&g);
        self.i = self.i.saturating_add(k);
        if scoped {
            self.groups.push(self.flags);
        }
        self.flags = flags;
        Ok(())
    }

    /// A set (from [`posix`], `\h`, `\v`): itself inside a class, else in brackets.
    fn set(&mut self, set: &str, negated: bool) -> Result<(), RegexError> {
        match (self.in_class, negated) {
            (true, false) => self.out.push_str(set),
            (true, true) => return Err(self.unsupported(2, "a negated class escape inside a character class")),
            (false, false) => {
                self.out.push('[');
                self.out.push_str(set);
                self.out.push(']');
            }
            (false, true) => {
                self.out.push_str("[^");
                self.out.push_str(set);
                self.out.push(']');
            }
        }
        Ok(())
    }

    /// A backslash escape at `self.i`: translated for regex_lite, or refused when Java would
    /// refuse it or regex_lite cannot do what Java does.
    fn escape(&mut self) -> Result<(), RegexError> {
        let Some(e) = self.at(1) else {
            return Err(self.invalid(1, "a trailing backslash"));
        };
        let start = self.i;
        let mut next = self.i.saturating_add(2);
        match e {
            'Q' => next = self.quoted_literal(next),
            'E' => {}
            'h' | 'H' => self.set(HORIZONTAL, e == 'H')?,
            'v' | 'V' => self.set(VERTICAL, e == 'V')?,
            'R' if !self.in_class => self.out.push_str(r"(?:\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])"),
            'e' => self.out.push_str(r"\x1B"),
            'a' => self.out.push_str(r"\x07"),
            'c' => next = self.control_escape(next)?,
            'u' => next = self.unicode_escape(next)?,
            'x' => next = self.hex_escape(start, next)?,
            '0' => next = self.octal_escape(next)?,
            'p' | 'P' => next = self.property_escape(e == 'P', start, next)?,
            '1'..='9' | 'k' => return Err(self.unsupported(2, "a back-reference")),
            'Z' => return Err(self.unsupported(2, "the end-before-terminator anchor")),
            'G' => return Err(self.unsupported(2, "the end-of-previous-match anchor")),
            'X' => return Err(self.unsupported(2, "the grapheme cluster escape")),
            'N' => return Err(self.unsupported(2, "the named character escape")),
            'b' if !self.in_class && self.chars.get(next) == Some(&'{') => {
                return Err(self.unsupported(3, "the grapheme boundary"))
            }
            'd' | 'D' | 's' | 'S' | 'w' | 'W' | 't' | 'n' | 'r' | 'f' => {
                self.out.push('\\');
                self.out.push(e);
            }
            'b' | 'B' | 'A' | 'z' if !self.in_class => {
                self.out.push('\\');
                self.out.push(e);
            }
            _ if e.is_ascii_alphanumeric() => return Err(self.invalid(2, "an illegal escape")),
            // An escaped white space or `#` stays literal in `(?x)` too.
            _ if e.is_whitespace() || e == '#' => self.out.push_str(&format!(r"\x{{{:X}}}", u32::from(e))),
            _ => self.out.push_str(&regex_lite::escape(&e.to_string())),
        }
        // Java reads a `-` right after a class escape inside `[...]` as a literal (`[\w-_]` is
        // `\w`, `-`, `_`); regex-lite would read a range from a class and refuse it.
        let class_escape = matches!(e, 'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'h' | 'H' | 'v' | 'V' | 'p' | 'P');
        if self.in_class && class_escape && self.chars.get(next) == Some(&'-') {
            self.out.push_str(r"\-");
            next = next.saturating_add(1);
        }
        self.i = next;
        Ok(())
    }

    /// `\Q...\E`: a literal up to `\E` or the end. Returns where the pattern resumes.
    fn quoted_literal(&mut self, mut next: usize) -> usize {
        let mut lit = String::new();
        while let Some(&x) = self.chars.get(next) {
            if x == '\\' && self.chars.get(next.saturating_add(1)) == Some(&'E') {
                next = next.saturating_add(2);
                break;
            }
            lit.push(x);
            next = next.saturating_add(1);
        }
        self.out.push_str(&regex_lite::escape(&lit));
        next
    }

    /// `\cX`: the control character of the letter that follows (its code XOR 64).
    fn control_escape(&mut self, next: usize) -> Result<usize, RegexError> {
        let Some(&x) = self.chars.get(next) else {
            return Err(self.invalid(2, "a control escape without its letter"));
        };
        self.out.push_str(&format!(r"\x{{{:X}}}", u32::from(x) ^ 64));
        Ok(next.saturating_add(1))
    }

    /// `\uXXXX`: exactly four hexadecimal digits.
    fn unicode_escape(&mut self, next: usize) -> Result<usize, RegexError> {
        let hex = self.text(next, next.saturating_add(4));
        if hex.chars().count() != 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
            return Err(self.invalid(6, "an illegal Unicode escape"));
        }
        self.out.push_str(&format!(r"\x{{{hex}}}"));
        Ok(next.saturating_add(4))
    }

    /// `\xhh` or `\x{h...h}`: the digits must name a Unicode scalar value.
    fn hex_escape(&mut self, start: usize, mut next: usize) -> Result<usize, RegexError> {
        let hex = if self.chars.get(next) == Some(&'{') {
            let h: String = self.chars.iter().skip(next.saturating_add(1)).take_while(|c| **c != '}').collect();
            let len = h.chars().count();
            if self.chars.get(next.saturating_add(1).saturating_add(len)) != Some(&'}') {
                return Err(self.invalid(3, "an illegal hexadecimal escape"));
            }
            next = next.saturating_add(len).saturating_add(2);
            h
        } else {
            let h = self.text(next, next.saturating_add(2));
            next = next.saturating_add(2);
            h
        };
        let valid = !hex.is_empty() && hex.len() <= 8 && hex.chars().all(|h| h.is_ascii_hexdigit());
        if !valid || u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).is_none() {
            return Err(self.refuse(RegexErrorKind::Invalid, start, next.saturating_sub(start), "an illegal hexadecimal escape"));
        }
        self.out.push_str(&format!(r"\x{{{hex}}}"));
        Ok(next)
    }

    /// Java: `\0` then one to three octal digits, at most 0377.
    fn octal_escape(&mut self, mut next: usize) -> Result<usize, RegexError> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < 3 {
            match self.chars.get(next).and_then(|d| d.to_digit(8)) {
                Some(d) if v.saturating_mul(8).saturating_add(d) <= 0o377 => {
                    v = v.saturating_mul(8).saturating_add(d);
                    next = next.saturating_add(1);
                    n += 1;
                }
                _ => break,
            }
        }
        if n == 0 {
            return Err(self.invalid(2, "an illegal octal escape"));
        }
        self.out.push_str(&format!(r"\x{{{v:X}}}"));
        Ok(next)
    }

    /// `\p{Name}`, `\pL` (and `\P` negated): only the POSIX US-ASCII classes are supported.
    fn property_escape(&mut self, negated: bool, start: usize, mut next: usize) -> Result<usize, RegexError> {
        let name: String = if self.chars.get(next) == Some(&'{') {
            let s: String = self.chars.iter().skip(next.saturating_add(1)).take_while(|c| **c != '}').collect();
            let len = s.chars().count();
            if self.chars.get(next.saturating_add(1).saturating_add(len)) != Some(&'}') {
                return Err(self.invalid(3, "an unclosed character family"));
            }
            next = next.saturating_add(len).saturating_add(2);
            s
        } else {
            let s = self.chars.get(next).map(|c| c.to_string()).unwrap_or_default();
            next = next.saturating_add(1);
            s
        };
        let len = next.saturating_sub(start);
        let Some(set) = posix(&name) else {
            return Err(self.unsupported(len, "a Unicode or java.lang.Character class (only the POSIX US-ASCII ones are)"));
        };
        if self.in_class && negated {
            return Err(self.unsupported(len, "a negated class escape inside a character class"));
        }
        self.set(set, negated)?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn full(p: &str, s: &str) -> bool {
        JavaRegex::compile(p).unwrap().full_match(s)
    }

    // Literal patterns and single classes, found without the engine, match where the engine's
    // program matches: split (every limit), replaceAll/replaceFirst and matches agree on inputs
    // with ASCII, accented and astral characters.
    #[test]
    fn shapes_agree_with_the_program() {
        let cases = [
            (",", true),
            ("\\.", true),
            ("ab", true),
            ("é", true),
            ("[^0-9]", false),
            ("[a-c\\]x]", false),
            ("[\\d\\s]", false),
            ("[^a]", false),
            ("[é-ü]", false),
            ("[\\p{Punct}]", false),
        ];
        let inputs = ["", ",", "a,b,,c,,", "+1 (555) 100-1000", "ab.abab.", "éüa😀b c\n]", ",,,"];
        for (pattern, literal) in cases {
            let fast = JavaRegex::compile(pattern).unwrap();
            assert_eq!(matches!(fast.shape, Shape::Literal(_)), literal, "{pattern}");
            assert!(!matches!(fast.shape, Shape::Program), "{pattern}");
            let program = JavaRegex { shape: Shape::Program, ..fast.clone() };
            for s in inputs {
                for limit in [-1, 0, 1, 2] {
                    assert_eq!(fast.split(s, limit), program.split(s, limit), "{pattern} {s:?} {limit}");
                }
                for all in [true, false] {
                    assert_eq!(fast.replace(s, "<>", all), program.replace(s, "<>", all), "{pattern} {s:?}");
                }
                assert_eq!(fast.full_match(s), program.full_match(s), "{pattern} {s:?}");
            }
            assert!(fast.full_match(pattern.trim_start_matches('\\')) || !literal, "{pattern}");
        }
        for pattern in ["a+", "[a]+", "[a][b]", "(,)", "\\d", "\\Qa\\E", "[a]|b", "[a]|[b]"] {
            assert!(matches!(JavaRegex::compile(pattern).unwrap().shape, Shape::Program), "{pattern}");
        }
    }

    // matches() is a full match; Java's dot excludes \r unless (?s) is in force, scoped as in Java.
    #[test]
    fn full_match_and_dot() {
        assert!(full("[0-9]*", "123"));
        assert!(!full("[0-9]*", "d123"));
        assert!(full("a|ab", "ab"));
        assert!(!full("a.b", "a\rb"));
        assert!(full("(?s)a.b", "a\rb"));
        assert!(full("(?is)A.B", "a\nb"));
        assert!(!full("(?s:a).", "a\n"));
        assert!(full("a(?s:.)", "a\n"));
        assert!(!full("(?s)(?-s).", "\n"));
        assert!(!full("((?s)a).", "a\n"));
        assert!(full(r"\Qa.b\E", "a.b"));
        assert!(!full(r"\Qa.b\E", "axb"));
        assert!(full(r"\p{Alpha}+", "abc"));
        assert!(full(r"\x{41}+", "AA"));
        assert!(full(r"[]a]+", "]a"));
        // A trailing `(?x)` comment does not swallow the full-match wrapper.
        assert!(full("(?x) a b # comment", "ab"));
    }

    // Java split: trailing empties dropped at limit 0, kept with a negative limit.
    #[test]
    fn split_like_java() {
        let re = JavaRegex::compile(",").unwrap();
        assert_eq!(re.split("a,b,,", 0), vec!["a", "b"]);
        assert_eq!(re.split("a,b,,", -1), vec!["a", "b", "", ""]);
        assert_eq!(re.split("a,b,c", 2), vec!["a", "b,c"]);
        assert_eq!(re.split("", 0), vec![""]);
        let empty = JavaRegex::compile("").unwrap();
        assert_eq!(empty.split("abc", 0), vec!["a", "b", "c"]);
    }

    // Replacement strings use $n and backslash escapes; bad group numbers throw.
    #[test]
    fn replacement_like_java() {
        let re = JavaRegex::compile("(a)(b)?").unwrap();
        assert_eq!(re.replace("xaby a", "[$1$2\\$]", true).unwrap(), "x[ab$]y [a$]");
        assert_eq!(re.replace("aa", "-", false).unwrap(), "-a");
        assert!(re.replace("a", "$3", true).is_err());
        assert!(re.replace("a", "x\\", true).is_err());
    }

    // Errors name the construct and its index.
    #[test]
    fn error_messages() {
        let e = |p: &str| JavaRegex::compile(p).unwrap_err().to_string();
        assert_eq!(e("ab(?=c)"), "look-ahead `(?=` at index 2 is not supported");
        assert_eq!(e(r"(a)\1"), "a back-reference `\\1` at index 3 is not supported");
        assert_eq!(
            e(r"\p{L}"),
            "a Unicode or java.lang.Character class (only the POSIX US-ASCII ones are) `\\p{L}` at index 0 is not supported"
        );
        assert_eq!(e("a*+"), "a possessive quantifier `+` at index 2 is not supported");
        assert_eq!(e("a{x}"), "illegal repetition `{x` at index 1");
        assert_eq!(e("(?U)a"), "the UNICODE_CHARACTER_CLASS flag `U` at index 2 is not supported");
        assert!(e("(").starts_with("invalid pattern: "));
        assert_eq!(e("a\\"), "a trailing backslash `\\` at index 1");
        assert_eq!(e(&"a".repeat(MAX_PATTERN_LEN + 1)), "pattern longer than 4096 bytes (MAX_PATTERN_LEN)");
        assert!(JavaRegex::compile(&"a".repeat(MAX_PATTERN_LEN)).is_ok());
    }

    // The cache keeps at most MAX_CACHED_PATTERNS, oldest out first, and hands back the same program.
    #[test]
    fn cache_is_bounded() {
        let mut c = RegexCache::default();
        let first = c.get_or_compile("p0").unwrap();
        assert!(Arc::ptr_eq(&first, &c.get_or_compile("p0").unwrap()));
        for i in 1..=MAX_CACHED_PATTERNS {
            c.get_or_compile(&format!("p{i}")).unwrap();
        }
        assert_eq!(c.len(), MAX_CACHED_PATTERNS);
        assert!(!Arc::ptr_eq(&first, &c.get_or_compile("p0").unwrap()));
        assert!(c.get_or_compile("(?=x)").is_err());
        assert_eq!(c.len(), MAX_CACHED_PATTERNS);
    }
}
