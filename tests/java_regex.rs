//! Issue 12: one Java-regex dialect. Every construct is accepted or refused alike in the three
//! places API Gateway evaluates a Java pattern, and matches alike where accepted (full match,
//! Java's `matches()`): `selectionPattern`, `String.matches` in a mapping template and a JSONPath
//! filter `=~ /re/` (Jayway; README: "Mapping templates (VTL)"). Plus: translation never panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use apigw_envoy::java_regex::JavaRegex;
use apigw_envoy::jsonpath::JsonPath;
use apigw_envoy::selection::Pattern;
use apigw_envoy::vtl::{Env, Input, Template, Value};

/// Supported constructs: (pattern, [(input, Java's `input.matches(pattern)`)]).
const SUPPORTED: &[(&str, &[(&str, bool)])] = &[
    // Literals and full-match anchoring.
    ("abc", &[("abc", true), ("xabc", false), ("abcd", false)]),
    ("a|ab", &[("ab", true), ("a", true), ("b", false)]),
    // POSIX US-ASCII classes, negated too.
    (r"\p{Alpha}+", &[("Hello", true), ("héllo", false), ("a1", false)]),
    (r"\p{Digit}{3}", &[("404", true), ("4x4", false)]),
    (r"\p{Alnum}*", &[("a1B2", true), ("a-1", false)]),
    (r"\p{Upper}\p{Lower}+", &[("Hello", true), ("hello", false)]),
    (r"\p{Punct}", &[("!", true), ("~", true), ("a", false)]),
    (r"\p{XDigit}+", &[("0aF", true), ("g", false)]),
    (r"\p{Space}", &[("\t", true), ("x", false)]),
    (r"\P{Alpha}+", &[("123", true), ("1a", false)]),
    (r"[\p{Alpha}_]+", &[("a_b", true), ("a-b", false)]),
    // Perl classes, ASCII as in Java.
    (r"\d+", &[("123", true), ("٣", false)]),
    (r"\w+", &[("ab_1", true), ("é", false)]),
    (r"\s\S", &[(" x", true), ("xx", false)]),
    // A `-` right after a class escape in a class is a literal, not a range.
    (r"[\w-_]+", &[("a-_b", true), ("a.b", false)]),
    (r"[\d-x]", &[("-", true), ("5", true), ("x", true), ("y", false)]),
    (r"[\p{Alpha}-9]+", &[("a-9", true), ("5", false)]),
    (r"\D\W", &[("a-", true), ("1-", false)]),
    (r"\h\v", &[(" \n", true), ("\n ", false)]),
    (r"a\Rb", &[("a\r\nb", true), ("a\nb", true), ("ab", false)]),
    // Classes, ranges, negation, a leading `]`.
    ("[a-c0-9]+", &[("b7", true), ("d", false)]),
    ("[^a-c]", &[("d", true), ("a", false)]),
    ("[]a]+", &[("]a", true), ("b", false)]),
    ("[.]", &[(".", true), ("x", false)]),
    // Quantifiers, greedy and lazy.
    ("a{2,3}", &[("aa", true), ("aaaa", false)]),
    ("a{2}b{1,}", &[("aabb", true), ("ab", false)]),
    ("a+?b*?c??", &[("aab", true), ("", false)]),
    // Anchors and boundaries.
    (r"^ab$", &[("ab", true), ("ab\n", false)]),
    (r"\Aab\z", &[("ab", true)]),
    (r"a\b.*", &[("a b", true), ("ab", false)]),
    (r"a\Bb", &[("ab", true)]),
    // Java's dot, and (?s) scoped as in Java.
    (".", &[("x", true), ("\n", false), ("\r", false), ("\u{2028}", false), ("\u{85}", false)]),
    ("(?s).", &[("\n", true), ("\r", true)]),
    ("(?s:a.)b.", &[("a\nbx", true), ("a\nb\n", false)]),
    ("((?s).).", &[("\nx", true), ("\n\n", false)]),
    // Flags.
    ("(?i)abc", &[("ABC", true), ("AbC", true)]),
    ("a(?i:b)c", &[("aBc", true), ("aBC", false)]),
    ("(?i)é", &[("é", true), ("É", false)]),
    ("(?x) a b # comment", &[("ab", true)]),
    ("(?x)a#.\nb", &[("ab", true)]),
    ("(?x:a # one\n)b", &[("ab", true)]),
    ("(?m)a$\\nb", &[("a\nb", true)]),
    // Groups.
    ("(ab)+(?:cd)?", &[("abab", true), ("abcd", true), ("cd", false)]),
    ("(?<year>\\d{4})-\\d\\d", &[("2024-01", true)]),
    // Quoting and escapes.
    (r"\Q1+1\E", &[("1+1", true), ("11", false)]),
    (r"[\Q]\E]", &[("]", true)]),
    (r"\t\e\a\cA\0101\x41\x{42}\u0043", &[("\t\u{1b}\u{7}\u{1}AABC", true)]),
    (r"\\\.\*\{\}\[\]\(\)\|\$\^", &[("\\.*{}[]()|$^", true)]),
    (r"a\ b\#", &[("a b#", true)]),
    ("a}", &[("a}", true)]),
];

/// Refused constructs: (pattern, the construct as the message quotes it).
const REFUSED: &[(&str, &str)] = &[
    (r"(a)\1", r"`\1`"),
    (r"(?<n>a)\k<n>", r"`\k`"),
    ("a(?=b)", "`(?=`"),
    ("a(?!b)", "`(?!`"),
    ("(?<=a)b", "`(?<=`"),
    ("(?<!a)b", "`(?<!`"),
    ("(?>a)", "`(?>`"),
    ("a*+", "possessive"),
    ("a++", "possessive"),
    ("a?+", "possessive"),
    ("a{2}+", "possessive"),
    (r"\p{L}", r"`\p{L}`"),
    (r"\p{IsDigit}", r"`\p{IsDigit}`"),
    (r"\p{javaLowerCase}", r"`\p{javaLowerCase}`"),
    (r"\pL", r"`\pL`"),
    (r"[\P{Alpha}]", "negated class escape inside a character class"),
    ("[a[b]]", "nested character class"),
    ("[[:alpha:]]", "nested character class"),
    ("[a-z&&[^b]]", "intersection"),
    (r"a\Z", r"`\Z`"),
    (r"\Ga", r"`\G`"),
    (r"\X", r"`\X`"),
    (r"\N{LATIN SMALL LETTER A}", r"`\N`"),
    (r"\b{g}", r"`\b{`"),
    ("(?U)\\w", "UNICODE_CHARACTER_CLASS"),
    ("(?u)a", "UNICODE_CASE"),
    ("(?d)a", "UNIX_LINES"),
    // Not Java either.
    ("(?P<n>a)", "unknown group"),
    ("a{x}", "illegal repetition"),
    ("a{,2}", "illegal repetition"),
    (r"\y", "illegal escape"),
    (r"\u12", "illegal Unicode escape"),
    (r"\xZZ", "illegal hexadecimal escape"),
    ("(a", "invalid pattern"),
    ("[a", "invalid pattern"),
];

fn selection(p: &str, s: &str) -> Result<bool, String> {
    Pattern::compile(p).map(|re| re.matches(s))
}

fn template(p: &str, s: &str) -> Result<bool, String> {
    let t = Template::compile("$stageVariables.s.matches($stageVariables.p)").unwrap();
    let mut env = Env::new(Input::default());
    env.stage_variables.map_insert("s", Value::str(s));
    env.stage_variables.map_insert("p", Value::str(p));
    match t.render(&mut env) {
        Ok(out) => Ok(out == "true"),
        Err(e) => Err(e.to_string()),
    }
}

fn jsonpath(p: &str, s: &str) -> Result<bool, String> {
    // A `/` inside the pattern is written `\/` between the slashes.
    let path = JsonPath::parse(&format!("$[?(@.s =~ /{}/)]", p.replace('/', "\\/"))).map_err(|e| e.to_string())?;
    let doc = serde_json::json!([{ "s": s }]);
    Ok(path.eval(&doc).unwrap().as_array().unwrap().len() == 1)
}

/// `pattern.matches(input)` in one context; `Err` with the refusal.
type Matcher = fn(&str, &str) -> Result<bool, String>;

const CONTEXTS: [(&str, Matcher); 3] =
    [("selectionPattern", selection), ("template matches()", template), ("JSONPath =~", jsonpath)];

// Each supported construct compiles and matches like Java's matches() in all three places.
#[test]
fn supported_alike() {
    for (p, cases) in SUPPORTED {
        for (s, want) in *cases {
            for (name, f) in CONTEXTS {
                assert_eq!(f(p, s), Ok(*want), "{name}: {p:?}.matches({s:?})");
            }
        }
    }
}

// Each refused construct is refused in all three places, with the same message naming it.
#[test]
fn refused_alike() {
    for (p, construct) in REFUSED {
        let message = JavaRegex::compile(p).unwrap_err().to_string();
        assert!(message.contains(construct), "{p:?}: {message:?} does not name {construct:?}");
        for (name, f) in CONTEXTS {
            match f(p, "a") {
                Err(e) => assert!(e.contains(&message), "{name}: {p:?}: {e:?} lacks {message:?}"),
                Ok(m) => panic!("{name}: {p:?} accepted (matched: {m})"),
            }
        }
    }
}

// A template's String methods keep Java's semantics with the shared module.
#[test]
fn template_methods() {
    let t = Template::compile(
        "$stageVariables.s.replaceAll('\\p{Alpha}+', '<$0>')|$stageVariables.s.split('\\P{Alnum}+').size()|$stageVariables.s.replaceFirst('(\\d)', '#$1')",
    )
    .unwrap();
    let mut env = Env::new(Input::default());
    env.stage_variables.map_insert("s", Value::str("ab 12-cd"));
    assert_eq!(t.render(&mut env).unwrap(), "<ab> 12-<cd>|3|ab #12-cd");
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        // Translation and compilation never panic, whatever the pattern; a compiled pattern
        // matches, splits and replaces without panicking.
        #[test]
        fn never_panics(pattern in r"([\\\[\](){}?*+|.^$&\-~:<>=!#,0-9a-zA-Z\r\n é]|\\[pPQExuc0k]|\(\?){0,24}", s in "[ -~\\n\\ré]{0,16}") {
            let _ = apigw_envoy::java_regex::translate(&pattern);
            if let Ok(re) = JavaRegex::compile(&pattern) {
                let _ = re.full_match(&s);
                let _ = re.split(&s, 0);
                let _ = re.replace(&s, "$0", true);
            }
        }

        // Arbitrary Unicode text too.
        #[test]
        fn never_panics_any_text(pattern in "\\PC{0,32}") {
            let _ = JavaRegex::compile(&pattern);
        }
    }
}
