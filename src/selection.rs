//! `selectionPattern`: a Java regular expression that must match the *whole* selection value
//! (`String.matches`; README: "Behaviour", MOCK and CORS), compiled once at configure time by
//! [`crate::java_regex`], the same translator template methods and JSONPath filters use, so one
//! pattern is accepted or refused alike everywhere.

use crate::java_regex::JavaRegex;

/// A compiled selection pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: JavaRegex,
}

/// Patterns longer than this are refused at load (AWS's own limit is far smaller in practice).
pub const MAX_PATTERN_LEN: usize = crate::java_regex::MAX_PATTERN_LEN;

impl Pattern {
    /// The error names the pattern and the refused construct, e.g. `selection pattern "(?=a)":
    /// look-ahead `(?=` at index 0 is not supported`.
    pub fn compile(source: &str) -> Result<Pattern, String> {
        let regex = JavaRegex::compile(source).map_err(|e| format!("selection pattern {source:?}: {e}"))?;
        Ok(Pattern { regex })
    }

    /// Java `value.matches(pattern)`.
    pub fn matches(&self, value: &str) -> bool {
        self.regex.full_match(value)
    }

    pub fn source(&self) -> &str {
        self.regex.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn m(p: &str, v: &str) -> bool {
        Pattern::compile(p).unwrap().matches(v)
    }

    // AWS's recorded patterns `.*four hundred.*`, `.+`, `4\d{2}`, as full matches (README:
    // "Behaviour", MOCK and CORS).
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

    // Issue 12: the template translator's constructs are selection constructs too, and a refusal
    // names the pattern and the construct instead of regex-lite's view of it.
    #[test]
    fn same_constructs_as_templates() {
        assert!(m("\\p{Alpha}+ went \\p{Alpha}+", "something went wrong"));
        assert!(!m("\\p{Alpha}+", "a1"));
        assert!(m("\\P{Digit}*", "abc"));
        assert_eq!(
            Pattern::compile("(?<=x)a").unwrap_err(),
            "selection pattern \"(?<=x)a\": look-behind `(?<=` at index 0 is not supported"
        );
    }
}
