//! IAM's wildcards in `Action`, `Resource` and the like: `*` any run of characters (`/` and `:`
//! included, as IAM matches ARNs), `?` exactly one character (AWS docs: IAM JSON policy elements,
//! Resource: "you can use wildcard characters (* and ?) within any ARN segment").
//!
//! No regex: the pattern is split at `*` once, at parse time. A match checks the first piece as a
//! prefix, the last as a suffix, and finds the middle ones left to right, each at its leftmost
//! place (taking the leftmost place never loses a match, so there is no backtracking). The cost is
//! at most the text's length times the pattern's, and never a panic.

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    /// The pattern's pieces between `*`s (one piece: no `*`). Empty pieces are kept: they mark
    /// where the pattern starts or ends with `*`.
    pieces: Vec<Vec<char>>,
}

impl Glob {
    /// Compiles `pattern`; `ignore_case` lower-cases it (IAM action names ignore case), and the
    /// text matched must then be lower-cased the same way ([`lower_chars`]).
    pub fn new(pattern: &str, ignore_case: bool) -> Glob {
        let pattern = if ignore_case { pattern.to_lowercase() } else { pattern.to_string() };
        Glob { pieces: pattern.split('*').map(|p| p.chars().collect()).collect() }
    }

    /// Whether the whole of `text` (as characters) matches.
    pub fn matches(&self, text: &[char]) -> bool {
        let Some((first, rest)) = self.pieces.split_first() else { return text.is_empty() };
        let Some((last, middle)) = rest.split_last() else {
            return same(first, text);
        };
        let Some(end) = text.len().checked_sub(last.len()) else { return false };
        if first.len() > end {
            return false;
        }
        let (Some(head), Some(tail)) = (text.get(..first.len()), text.get(end..)) else { return false };
        if !same(first, head) || !same(last, tail) {
            return false;
        }
        let mut at = first.len();
        for piece in middle.iter().filter(|p| !p.is_empty()) {
            let Some(window) = text.get(at..end) else { return false };
            // `windows` needs a non-zero size: empty pieces were filtered out.
            match window.windows(piece.len()).position(|w| same(piece, w)) {
                Some(i) => at = at.saturating_add(i).saturating_add(piece.len()),
                None => return false,
            }
        }
        true
    }
}

/// A piece against text of the same length, `?` matching any one character.
fn same(piece: &[char], text: &[char]) -> bool {
    piece.len() == text.len() && piece.iter().zip(text).all(|(p, t)| *p == '?' || p == t)
}

/// `text` as characters, lower-cased when matched against case-insensitive patterns.
pub fn lower_chars(text: &str) -> Vec<char> {
    text.chars().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn m(pattern: &str, text: &str) -> bool {
        Glob::new(pattern, false).matches(&text.chars().collect::<Vec<_>>())
    }

    #[test]
    fn wildcard_table() {
        let rows = [
            ("", "", true),
            ("", "a", false),
            ("*", "", true),
            ("*", "anything/at:all", true),
            ("**", "x", true),
            ("a", "a", true),
            ("a", "A", false),
            ("?", "", false),
            ("?", "é", true),
            ("??", "é", false),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("*c", "abd", false),
            ("a*c", "ac", true),
            ("a*c", "abbbc", true),
            ("a*c", "abcd", false),
            ("ab*ba", "aba", false),
            ("ab*ba", "abba", true),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxcxxbxxaxx", false),
            ("a?c*", "abcdef", true),
            ("*?", "", false),
            ("*b?d", "abcbxd", true),
            ("arn:aws:execute-api:*:*:abc/*/GET/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/", true),
            ("arn:aws:execute-api:*:*:abc/*/GET/*", "arn:aws:execute-api:us-east-1:1:abc/prod/POST/a", false),
            ("arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets/7/x", true),
            ("arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets", false),
        ];
        for (p, t, want) in rows {
            assert_eq!(m(p, t), want, "{p:?} on {t:?}");
        }
    }

    #[test]
    fn case_insensitive_actions() {
        let g = Glob::new("Execute-API:*", true);
        assert!(g.matches(&lower_chars("execute-api:Invoke")));
        assert!(!Glob::new("execute-api:Invoke", false).matches(&lower_chars("execute-api:Invoke")));
    }

    // The worst shape for a naive backtracking matcher stays fast.
    #[test]
    fn no_exponential_backtracking() {
        let text: Vec<char> = "a".repeat(1600).chars().collect();
        let pattern = format!("{}b", "*a".repeat(200));
        assert!(!Glob::new(&pattern, false).matches(&text));
    }
}
