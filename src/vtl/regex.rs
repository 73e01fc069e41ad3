//! Java regular expressions (`String.matches/replaceAll/replaceFirst/split`) on top of
//! regex-lite, which already agrees with Java on ASCII `\d \w \s` and `(?i)`.
//!
//! The pattern is translated once: Java's `.` also excludes `\r`, U+0085, U+2028 and U+2029;
//! `\Q...\E`, `\h`, `\v`, `\R`, `\e`, `\a`, `\uXXXX`, `\0nn`, POSIX `\p{Alpha}` etc. are
//! rewritten; what regex-lite cannot do (look-around, back-references, possessive or atomic
//! groups, Unicode `\p{L}`) is a `PatternSyntaxException` here rather than a silent mismatch.
//! Known difference: Java's `$` also matches before a final line terminator.

use regex_lite::Regex;

pub(crate) struct JavaRegex {
    re: Regex,
    full: Regex,
}

const DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";

impl JavaRegex {
    pub fn new(java: &str) -> Result<JavaRegex, String> {
        let t = translate(java)?;
        let re = Regex::new(&t).map_err(|e| e.to_string())?;
        let full = Regex::new(&format!(r"\A(?:{t})\z")).map_err(|e| e.to_string())?;
        Ok(JavaRegex { re, full })
    }

    pub fn full_match(&self, s: &str) -> bool {
        self.full.is_match(s)
    }
}

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

fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let dotall = p.contains("(?s") || p.contains("(?is") || p.contains("(?si");
    let mut i = 0;
    let mut class_depth = 0usize;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        match c {
            '\\' => {
                let Some(e) = at(i + 1) else { return Err("unexpected trailing backslash".into()) };
                i += 2;
                match e {
                    'Q' => {
                        let mut lit = String::new();
                        while let Some(x) = at(i) {
                            if x == '\\' && at(i + 1) == Some('E') {
                                i += 2;
                                break;
                            }
                            lit.push(x);
                            i += 1;
                        }
                        out.push_str(&regex_lite::escape(&lit));
                    }
                    'E' => {}
                    'h' => out.push_str(if class_depth > 0 {
                        r" \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}"
                    } else {
                        r"[ \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]"
                    }),
                    'v' => out.push_str(if class_depth > 0 {
                        r"\n\x0B\f\r\x{85}\x{2028}\x{2029}"
                    } else {
                        r"[\n\x0B\f\r\x{85}\x{2028}\x{2029}]"
                    }),
                    'R' if class_depth == 0 => out.push_str(r"(?:\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])"),
                    'e' => out.push_str(r"\x1B"),
                    'a' => out.push_str(r"\x07"),
                    'c' => {
                        let Some(x) = at(i) else { return Err("bad \\c".into()) };
                        i += 1;
                        out.push_str(&format!(r"\x{{{:X}}}", (x as u32) ^ 64));
                    }
                    'u' => {
                        let hex: String = chars.iter().skip(i).take(4).collect();
                        if hex.len() != 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            return Err("illegal Unicode escape".into());
                        }
                        i += 4;
                        out.push_str(&format!(r"\x{{{hex}}}"));
                    }
                    '0' => {
                        let mut v: u32 = 0;
                        let mut n = 0;
                        while n < 3 {
                            match at(i).and_then(|d| d.to_digit(8)) {
                                Some(d) if v * 8 + d <= 0o377 => {
                                    v = v * 8 + d;
                                    i += 1;
                                    n += 1;
                                }
                                _ => break,
                            }
                        }
                        if n == 0 {
                            return Err("illegal octal escape".into());
                        }
                        out.push_str(&format!(r"\x{{{v:X}}}"));
                    }
                    'p' | 'P' => {
                        let name: String = if at(i) == Some('{') {
                            let s: String = chars.iter().skip(i + 1).take_while(|c| **c != '}').collect();
                            i += s.chars().count() + 2;
                            s
                        } else {
                            let s = at(i).map(String::from).unwrap_or_default();
                            i += 1;
                            s
                        };
                        let name = name.strip_prefix("Is").unwrap_or(&name);
                        let Some(set) = posix(name) else {
                            return Err(format!("unsupported character class \\p{{{name}}}"));
                        };
                        match (e, class_depth > 0) {
                            ('p', true) => out.push_str(set),
                            ('p', false) => out.push_str(&format!("[{set}]")),
                            ('P', false) => out.push_str(&format!("[^{set}]")),
                            _ => return Err("negated \\P inside a class is not supported".into()),
                        }
                    }
                    '1'..='9' | 'k' => return Err("back-references are not supported".into()),
                    'Z' | 'G' | 'X' | 'N' => return Err(format!("\\{e} is not supported")),
                    'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'b' | 'B' | 'A' | 'z' | 't' | 'n' | 'r' | 'f' => {
                        out.push('\\');
                        out.push(e);
                    }
                    'x' => {
                        out.push_str("\\x");
                    }
                    _ if e.is_ascii_alphanumeric() => return Err(format!("illegal escape \\{e}")),
                    _ => out.push_str(&regex_lite::escape(&e.to_string())),
                }
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                if at(i + 1) == Some('^') {
                    out.push('^');
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '&' if class_depth > 0 && at(i + 1) == Some('&') => return Err("class intersection && is not supported".into()),
            '.' if class_depth == 0 && !dotall => out.push_str(DOT),
            '(' if class_depth == 0 && at(i + 1) == Some('?') => {
                let next = at(i + 2);
                let next2 = at(i + 3);
                if matches!(next, Some('=') | Some('!') | Some('>'))
                    || (next == Some('<') && matches!(next2, Some('=') | Some('!')))
                {
                    return Err("look-around and atomic groups are not supported".into());
                }
                out.push('(');
            }
            '*' | '+' | '?' | '}' if class_depth == 0 && at(i + 1) == Some('+') => {
                return Err("possessive quantifiers are not supported".into());
            }
            // Characters regex-lite would read as set operators inside a class.
            '-' | '~' if class_depth > 0 && at(i + 1) == Some(c) => {
                out.push('\\');
                out.push(c);
                out.push('\\');
                out.push(c);
                i += 2;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// Java `String.split(regex, limit)`: a zero-width match at 0 gives no leading empty string;
/// with `limit == 0` trailing empty strings are removed.
pub(crate) fn java_split(re: &JavaRegex, s: &str, limit: i32) -> Vec<String> {
    let mut parts = Vec::new();
    if s.is_empty() {
        return vec![String::new()];
    }
    let mut index = 0;
    for m in re.re.find_iter(s) {
        if limit > 0 && parts.len() as i64 >= i64::from(limit) - 1 {
            break;
        }
        if m.end() == 0 {
            continue;
        }
        parts.push(s.get(index..m.start()).unwrap_or("").to_string());
        index = m.end();
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

/// Java `replaceAll`/`replaceFirst` with Java's replacement syntax: `$n`, `${name}`, `\x`.
pub(crate) fn java_replacement(re: &JavaRegex, s: &str, repl: &str, all: bool) -> Result<String, String> {
    let group_count = re.re.captures_len().saturating_sub(1);
    let mut out = String::new();
    let mut last = 0;
    for caps in re.re.captures_iter(s) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(s.get(last..m.start()).unwrap_or(""));
        let rc: Vec<char> = repl.chars().collect();
        let mut i = 0;
        while let Some(&c) = rc.get(i) {
            match c {
                '\\' => {
                    let Some(&n) = rc.get(i + 1) else {
                        return Err("IllegalArgumentException: character to be escaped is missing".into());
                    };
                    out.push(n);
                    i += 2;
                }
                '$' => {
                    i += 1;
                    if rc.get(i) == Some(&'{') {
                        let name: String = rc.iter().skip(i + 1).take_while(|c| **c != '}').collect();
                        if rc.get(i + 1 + name.chars().count()) != Some(&'}') {
                            return Err("IllegalArgumentException: named capturing group is missing trailing '}'".into());
                        }
                        i += name.chars().count() + 2;
                        match caps.name(&name) {
                            Some(g) => out.push_str(g.as_str()),
                            None if re.re.capture_names().flatten().any(|n| n == name) => {}
                            None => return Err(format!("IllegalArgumentException: No group with name {{{name}}}")),
                        }
                        continue;
                    }
                    let Some(d) = rc.get(i).and_then(|c| c.to_digit(10)) else {
                        return Err("IllegalArgumentException: Illegal group reference".into());
                    };
                    let mut g = d as usize;
                    i += 1;
                    if g > group_count {
                        return Err(format!("IndexOutOfBoundsException: No group {g}"));
                    }
                    while let Some(d) = rc.get(i).and_then(|c| c.to_digit(10)) {
                        let ng = g * 10 + d as usize;
                        if ng > group_count {
                            break;
                        }
                        g = ng;
                        i += 1;
                    }
                    if let Some(x) = caps.get(g) {
                        out.push_str(x.as_str());
                    }
                }
                _ => {
                    out.push(c);
                    i += 1;
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

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // matches() is a full match; Java's dot excludes \r.
    #[test]
    fn full_match_and_dot() {
        let re = JavaRegex::new("[0-9]*").unwrap();
        assert!(re.full_match("123"));
        assert!(!re.full_match("d123"));
        assert!(!JavaRegex::new("a.b").unwrap().full_match("a\rb"));
        assert!(JavaRegex::new("(?s)a.b").unwrap().full_match("a\rb"));
        assert!(JavaRegex::new(r"\Qa.b\E").unwrap().full_match("a.b"));
        assert!(!JavaRegex::new(r"\Qa.b\E").unwrap().full_match("axb"));
        assert!(JavaRegex::new(r"\p{Alpha}+").unwrap().full_match("abc"));
    }

    // What regex-lite cannot do is an error, never a different answer.
    #[test]
    fn unsupported_is_an_error() {
        for p in ["a*+", "(?=a)", r"(a)\1", r"\p{L}", "a++b", "[a&&b]"] {
            assert!(JavaRegex::new(p).is_err(), "{p}");
        }
    }

    // Java split: trailing empties dropped at limit 0, kept with a negative limit.
    #[test]
    fn split_like_java() {
        let re = JavaRegex::new(",").unwrap();
        assert_eq!(java_split(&re, "a,b,,", 0), vec!["a", "b"]);
        assert_eq!(java_split(&re, "a,b,,", -1), vec!["a", "b", "", ""]);
        assert_eq!(java_split(&re, "a,b,c", 2), vec!["a", "b,c"]);
        assert_eq!(java_split(&re, "", 0), vec![""]);
        let empty = JavaRegex::new("").unwrap();
        assert_eq!(java_split(&empty, "abc", 0), vec!["a", "b", "c"]);
    }

    // Replacement strings use $n and backslash escapes; bad group numbers throw.
    #[test]
    fn replacement_like_java() {
        let re = JavaRegex::new("(a)(b)?").unwrap();
        assert_eq!(java_replacement(&re, "xaby a", "[$1$2\\$]", true).unwrap(), "x[ab$]y [a$]");
        assert_eq!(java_replacement(&re, "aa", "-", false).unwrap(), "-a");
        assert!(java_replacement(&re, "a", "$3", true).is_err());
        assert!(java_replacement(&re, "a", "x\\", true).is_err());
    }
}
