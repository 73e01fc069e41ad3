//! Media types: API Gateway's `binaryMediaTypes` matching.
//!
//! A pattern is matched as written, with only two wildcard forms (recorded on AWS; README: "Lambda
//! proxy (AWS_PROXY)"): `type/*` matches every subtype of that type (`application/*` matches
//! `application/x`), and `*/*` matches everything (AWS documents it as the way to treat every
//! payload as binary). A `*` type with a named subtype (`*/test`) matches nothing, not even
//! `*/test` or `random/test`. The wildcard works only on the pattern side: an `Accept: */*` or
//! `image/*` entry does not match an `image/png` pattern (README: "Lambda proxy (AWS_PROXY)").
//! Parameters (`; charset=utf-8`, `;q=0.9`) are ignored and the comparison is ASCII
//! case-insensitive [open: AWS's case rule is not recorded]. API Gateway stores `/` as `~1` in a
//! REST API's `binaryMediaTypes` (JSON-Pointer style, e.g. `image~1png` in a patch operation), so
//! `~1` in a pattern is read as `/`.

/// API Gateway's binaryMediaTypes matching: `image/png`, `*/*`, `application/*` patterns vs a
/// Content-Type/Accept entry (params like `; charset=` ignored, case-insensitive).
pub fn matches_binary(binary_media_types: &[String], content_type: &str) -> bool {
    let Some((ctype, csub)) = split_type(content_type) else {
        return false;
    };
    binary_media_types.iter().any(|pattern| {
        let pattern = pattern.replace("~1", "/");
        match split_type(&pattern) {
            // `*/*` matches everything; `*/sub` nothing (README: "Lambda proxy (AWS_PROXY)").
            Some(("*", "*")) => true,
            Some(("*", _)) => false,
            Some((ptype, "*")) => ptype.eq_ignore_ascii_case(ctype),
            Some((ptype, psub)) => ptype.eq_ignore_ascii_case(ctype) && psub.eq_ignore_ascii_case(csub),
            None => false,
        }
    })
}

/// The first entry of an `Accept` header (`image/png;q=0.9, text/html` -> `image/png;q=0.9`), the
/// entry API Gateway compares with `binaryMediaTypes` when it decides whether to decode a body.
pub fn first_accept_entry(accept: &str) -> &str {
    accept.split(',').next().unwrap_or(accept).trim()
}

/// `type/subtype` without parameters, trimmed; `None` when there is no `/` or a side is empty.
fn split_type(media_type: &str) -> Option<(&str, &str)> {
    let essence = media_type.split(';').next().unwrap_or(media_type).trim();
    let (t, s) = essence.split_once('/')?;
    let (t, s) = (t.trim(), s.trim());
    if t.is_empty() || s.is_empty() {
        return None;
    }
    Some((t, s))
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn types(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    // Each row: (binaryMediaTypes, Content-Type or Accept entry, expected).
    #[test]
    fn binary_media_type_table() {
        let rows: &[(&[&str], &str, bool)] = &[
            (&["image/png"], "image/png", true),
            (&["image/png"], "IMAGE/PNG", true),
            (&["image/png"], "image/png; charset=binary", true),
            (&["image/png"], "image/jpeg", false),
            (&["image/png"], "*/*", false), // recorded on AWS: */* in Accept does not match image/png
            (&["image/png"], "image/*", false),
            (&["application/*"], "application/x", true), // recorded on AWS
            (&["application/*"], "application/octet-stream;q=0.8", true),
            (&["application/*"], "text/plain", false),
            (&["*/*"], "text/plain", true),
            (&["*/*"], "application/json; charset=utf-8", true),
            (&["image~1png"], "image/png", true),
            (&[], "image/png", false),
            (&["image/png", "application/pdf"], "application/pdf", true),
            (&["image/png"], "", false),
            (&["image/png"], "png", false),
            (&["*/*"], "", false),
            (&["bogus"], "image/png", false),
            // Recorded on AWS: a `*` type with a named subtype matches nothing; an Accept wildcard
            // selects nothing.
            (&["*/test"], "*/test", false),
            (&["*/test"], "random/test", false),
            (&["image/png"], "image/*", false),
            (&["image/*"], "image/png", true),
            (&["image/*"], "IMAGE/Webp", true),
            (&["image/*"], "text/png", false),
            (&["text/*"], "*/*", false),
        ];
        for (list, ct, want) in rows {
            assert_eq!(matches_binary(&types(list), ct), *want, "{list:?} vs {ct:?}");
        }
    }

    // Only the first Accept entry counts (README: "Lambda proxy (AWS_PROXY)").
    #[test]
    fn first_accept_entry_is_taken() {
        assert_eq!(first_accept_entry("image/png, text/html"), "image/png");
        assert_eq!(first_accept_entry(" text/html ;q=1,image/png"), "text/html ;q=1");
        assert_eq!(first_accept_entry(""), "");
    }
}
