//! `selectionPattern`: a Java regular expression that must match the *whole* selection value
//! (`String.matches`), compiled once at configure time with regex-lite (whose `\d \w \s` are ASCII,
//! like Java's).
//!
//! Java differences handled here: a bare `.` also excludes `\r`, U+0085, U+2028 and U+2029 in Java,
//! so it is rewritten to that class outside `(?s)`; `\Q...\E` is turned into escaped literals;
//! possessive quantifiers (`*+ ++ ?+ }+`), which Rust would read differently, are refused.

/// A compiled selection pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: regex_lite::Regex,
    source: String,
}

/// Patterns longer than this are refused at load (AWS's own limit is far smaller in practice).
pub const MAX_PATTERN_LEN: usize = 4096;

const JAVA_DOT: &str = "[^\\n\\r\\x{85}\\x{2028}\\x{2029}]";

impl Pattern {
    pub fn compile(source: &str) -> Result<Pattern, String> {
        if source.len() > MAX_PATTERN_LEN {
            return Err(format!("selection pattern longer than {MAX_PATTERN_LEN} bytes"));
        }
        let translated = translate(source)?;
        let regex = regex_lite::Regex::new(&format!("\\A(?:{translated})\\z"))
            .map_err(|e| format!("selection pattern {source:?} is not a supported regular expression: {e}"))?;
        Ok(Pattern {
            regex,
            source: source.to_string(),
        })
    }

    /// Java `value.matches(pattern)`.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

fn translate(src: &str) -> Result<String, String> {
    let mut out = String::with_capacity(src.len().saturating_add(16));
    let mut chars = src.chars().peekable();
    let mut in_class = false;
    // `(?s)` anywhere makes `.` match everything, as in Java (scoped flags are rare in selection patterns).
    let dotall = src.contains("(?s") || src.contains("(?is") || src.contains("(?si");
    let mut prev_quantifier = false;
    while let Some(c) = chars.next() {
        let mut is_quantifier = false;
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    return Err("selection pattern ends with a lone backslash".to_string());
                };
                if n == 'Q' && !in_class {
                    // \Q...\E: everything literal until \E (or the end).
                    let mut literal = String::new();
                    loop {
                        match chars.next() {
                            None => break,
                            Some('\\') if chars.peek() == Some(&'E') => {
                                chars.next();
                                break;
                            }
                            Some(x) => literal.push(x),
                        }
                    }
                    out.push_str(&regex_lite::escape(&literal));
                } else {
                    out.push('\\');
                    out.push(n);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A leading `]` or `^]` is literal in Java's class syntax too.
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '.' if !in_class && !dotall => out.push_str(JAVA_DOT),
            '*' | '+' | '?' | '}' if !in_class => {
                if c == '+' && prev_quantifier {
                    return Err("possessive quantifiers (*+, ++, ?+, {n}+) are not supported".to_string());
                }
                // `(?` opens a group with flags; that `?` quantifies nothing.
                is_quantifier = !(c == '?' && out.ends_with('('));
                out.push(c);
            }
            _ => out.push(c),
        }
        prev_quantifier = is_quantifier;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn m(p: &str, v: &str) -> bool {
        Pattern::compile(p).unwrap().matches(v)
    }

    // Reference §5: `.*four hundred.*`, `.+`, `4\d{2}` as full matches.
    #[test]
    fn full_match_like_java() {
        assert!(m("4\\d{2}", "404"));
        assert!(!m("4\\d{2}", "4040"));
        assert!(!m("4\\d{2}", "x404"));
        assert!(m(".*four hundred.*", "Error: four hundred and five"));
        assert!(m(".+", "anything"));
        assert!(!m(".+", ""));
        assert!(m("", ""));
        assert!(m("2\\d{2}|3\\d{2}", "302"));
        assert!(m("-", "-"));
    }

    // Java's `.` stops at \r and U+2028 too; `(?s)` and `(\n|.)+` still span lines.
    #[test]
    fn java_dot() {
        assert!(!m(".*", "a\rb"));
        assert!(!m(".*", "a\u{2028}b"));
        assert!(m("(?s).*", "a\r\nb"));
        assert!(m("(\\n|.)+", "a\nb"));
        assert!(m("[.]", "."));
        assert!(!m("[.]", "x"));
    }

    #[test]
    fn quote_and_possessive() {
        assert!(m("\\Q1+1\\E", "1+1"));
        assert!(!m("\\Q1+1\\E", "11"));
        assert!(Pattern::compile("a*+a").is_err());
        assert!(Pattern::compile("a++").is_err());
        assert!(m("a+?", "aa"));
        assert!(Pattern::compile("(").is_err());
        assert!(Pattern::compile("\\").is_err());
        assert!(Pattern::compile(&"a".repeat(MAX_PATTERN_LEN + 1)).is_err());
    }

    #[test]
    fn ascii_classes() {
        assert!(m("\\w+", "abc_1"));
        assert!(!m("\\w", "é"));
        assert!(!m("\\d", "٣"));
    }
}
