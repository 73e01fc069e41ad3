//! A tiny JSON text writer for the proxy events: they are written straight into one `String`
//! instead of going through a `serde_json::Value` tree, which costs an allocation per key and
//! value.
//!
//! The text is exactly what `serde_json::to_string` prints for the same value: no spaces, strings
//! escaped as serde_json does (`"`, `\`, `\n` `\r` `\t` `\b` `\f`, other control characters as
//! `\u00xx` in lower-case hex, everything else as-is), integers in decimal.
//!
//! Commas are placed by looking at the last byte written: a member or element that follows `{` or
//! `[` is the first one, anything else needs a separator. Complete values never end in `{` or `[`.

use std::fmt::Write as _;

/// Starts a member: the separator if needed, then `"key":`.
pub(super) fn key(out: &mut String, key: &str) {
    separator(out);
    string(out, key);
    out.push(':');
}

/// [`key`] for the event's own key names (`httpMethod`, `requestContext`), which are plain ASCII
/// letters: copied without looking for characters to escape.
pub(super) fn field(out: &mut String, name: &'static str) {
    separator(out);
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

/// Starts an array element: the separator if needed.
pub(super) fn element(out: &mut String) {
    separator(out);
}

fn separator(out: &mut String) {
    if !matches!(out.as_bytes().last(), Some(b'{' | b'[') | None) {
        out.push(',');
    }
}

/// A whole JSON string.
pub(super) fn string(out: &mut String, s: &str) {
    out.push('"');
    escaped(out, s);
    out.push('"');
}

/// A JSON string or `null`.
pub(super) fn opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => null(out),
    }
}

pub(super) fn null(out: &mut String) {
    out.push_str("null");
}

pub(super) fn bool(out: &mut String, b: bool) {
    out.push_str(if b { "true" } else { "false" });
}

pub(super) fn u64(out: &mut String, n: u64) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{n}");
}

/// The inside of a JSON string (no quotes), so several pieces can make one string.
pub(super) fn escaped(out: &mut String, s: &str) {
    // Copy the runs between escapes in one go; only ASCII bytes are ever escaped, so every run
    // starts and ends on a character boundary.
    let mut rest = s;
    while let Some(i) = rest.bytes().position(needs_escape) {
        out.push_str(rest.get(..i).unwrap_or(""));
        // Each arm pushes a constant, which compiles to a store rather than a copy call.
        match rest.as_bytes().get(i).copied().unwrap_or(0) {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b => {
                out.push_str("\\u00");
                out.push(hex_digit(b >> 4));
                out.push(hex_digit(b & 0x0f));
            }
        }
        rest = rest.get(i.saturating_add(1)..).unwrap_or("");
    }
    out.push_str(rest);
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // Every byte value's escaping, and some non-ASCII text, as serde_json prints it.
    #[test]
    fn strings_escape_like_serde_json() {
        let mut all: String = (0u8..=0x7f).map(char::from).collect();
        all.push_str("é€😀\u{2028}\u{7f}");
        for s in [all.as_str(), "", "plain", "\"\\", "a\u{0}b\u{1f}"] {
            let mut out = String::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn separators_and_scalars() {
        let mut out = String::new();
        out.push('{');
        key(&mut out, "a");
        out.push('[');
        element(&mut out);
        u64(&mut out, u64::MAX);
        element(&mut out);
        null(&mut out);
        element(&mut out);
        bool(&mut out, true);
        out.push(']');
        key(&mut out, "b");
        out.push('{');
        out.push('}');
        field(&mut out, "c");
        opt_string(&mut out, None);
        out.push('}');
        assert_eq!(out, r#"{"a":[18446744073709551615,null,true],"b":{},"c":null}"#);
    }
}
