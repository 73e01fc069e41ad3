//! The one query-string decoder (issue 12, item 3): the proxy event's query maps, `$input.params`,
//! `method.request.querystring.*` mappings and gateway responses all read the query through it.
//!
//! API Gateway decodes as Java's `URLDecoder` (README: "Behaviour", Parameter mappings): `%XX` is
//! decoded and `+` is a space (`email=test%2Balias@x` -> `test+alias@x`, `plus=test+alias@x` ->
//! `test alias@x`) [AWS]. Where `URLDecoder` would throw, this decoder is lenient, as emulators
//! are: an invalid escape (`%zz`, a lone `%`) is kept as written, and bytes that are not UTF-8
//! after decoding become U+FFFD. `a` and `a=` give `""` [open: the usual emulator choice]; empty
//! pairs (`&&`) are skipped. Repeated keys are all kept, in order: which one a single-valued reader
//! takes is [`crate::resolver`]'s rule.

use std::borrow::Cow;

/// The decoded pairs of a raw query string (without the `?`), borrowed where nothing was escaped.
pub fn pairs(raw: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    form_urlencoded::parse(raw.as_bytes())
}

/// The decoded pairs, owned.
pub fn decode(raw: &str) -> Vec<(String, String)> {
    pairs(raw).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // Decoding rules (README: "Behaviour", Parameter mappings), one row per case (raw query,
    // decoded pairs).
    #[test]
    fn decode_table() {
        let rows: &[(&str, &[(&str, &str)])] = &[
            ("", &[]),
            ("a=1", &[("a", "1")]),
            ("c=electronics&c=books&p=10", &[("c", "electronics"), ("c", "books"), ("p", "10")]),
            ("email=test%2Balias@x", &[("email", "test+alias@x")]),
            ("plus=test+alias@x", &[("plus", "test alias@x")]),
            ("a+b=c%20d", &[("a b", "c d")]),
            ("a=", &[("a", "")]),
            ("a", &[("a", "")]),
            ("=v", &[("", "v")]),
            ("a=1&&b=2&", &[("a", "1"), ("b", "2")]),
            ("a=x=y", &[("a", "x=y")]),
            // Invalid escapes are kept as written (Java's URLDecoder would throw).
            ("a=%zz&b=%&c=%4", &[("a", "%zz"), ("b", "%"), ("c", "%4")]),
            ("a=%e2%82%ac", &[("a", "\u{20ac}")]),
            // Not UTF-8 once decoded: U+FFFD.
            ("a=%ff", &[("a", "\u{fffd}")]),
            ("%61=%62", &[("a", "b")]),
        ];
        for (raw, want) in rows {
            let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            assert_eq!(decode(raw), want, "{raw}");
            let borrowed: Vec<(String, String)> = pairs(raw).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            assert_eq!(borrowed, want, "{raw}");
        }
    }

    // Nothing escaped: nothing copied (the event builder borrows).
    #[test]
    fn borrows_plain_text() {
        assert!(pairs("a=1&b=2").all(|(k, v)| matches!((k, v), (Cow::Borrowed(_), Cow::Borrowed(_)))));
    }
}
