//! Lambda proxy response validation and conversion (README: "Lambda proxy (AWS_PROXY)").
//!
//! [`convert`] turns the Invoke API's answer into the response the client gets, or says why it is
//! malformed; the caller then answers 502 `{"message": "Internal server error"}` with
//! `x-amzn-ErrorType: InternalServerErrorException`, as API Gateway does.
//!
//! Payload 1.0 (REST API rules, recorded on AWS unless marked):
//! - the payload must be a JSON object whose keys are among `statusCode`, `headers`,
//!   `multiValueHeaders`, `body`, `isBase64Encoded`; anything else (an extra key, a bare string, a
//!   Lambda error `{"errorMessage": .., "errorType": ..}`, an invoke answer with
//!   `X-Amz-Function-Error`) is malformed;
//! - `statusCode` is an integer or a string of digits (`"201"`); missing or `null` means 200; it
//!   must be within 100..=599 (Envoy cannot send anything else);
//! - `headers` values may be strings, numbers or booleans, sent as their JSON text (`true`); `null`
//!   header values are left out [open]; `headers: null` is valid;
//! - `multiValueHeaders` values must be lists (of the same scalars); for a name in both maps the
//!   list comes first, then the single value unless the list already holds it; names compare
//!   ASCII case-insensitively, the list's casing kept (README: "Lambda proxy (AWS_PROXY)");
//! - `body` is a string; `null` or missing is an empty body; any other type is malformed [open];
//! - `isBase64Encoded: true` decodes the body only when the *first* entry of the client's `Accept`
//!   matches `binaryMediaTypes`; otherwise the base64 text goes out as it is. A body that does not
//!   decode is malformed. Decoding is lenient as Java's basic decoder: padding optional;
//! - `Content-Type: application/json` is added when the function set no Content-Type.
//!
//! Payload 2.0 (HTTP API rules): an object with a `statusCode` key is the structured format
//! (`statusCode`, `headers`, `multiValueHeaders`, `cookies` -> one `Set-Cookie` each, `body`,
//! `isBase64Encoded`, which always decodes; other keys are ignored). Any other JSON (an object
//! without `statusCode`, a number, a list, `null`) becomes the body as JSON text with 200 and
//! `application/json`; a JSON string becomes its string value. Invalid JSON is malformed.
//!
//! In both formats `Content-Length`, `Transfer-Encoding` and `Connection` set by the function are
//! dropped: the filter sends the body itself and Envoy frames it [open].

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::http::Response;

/// The Lambda proxy payload format of the integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PayloadVersion {
    #[default]
    V1,
    V2,
}

const V1_KEYS: &[&str] = &["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"];

/// Base64 as Java's `Base64.getDecoder()`: standard alphabet, padding optional.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Longest piece of a payload quoted in an error reason.
const QUOTE_LIMIT: usize = 200;

/// `payload` is the Invoke API response body; `function_error` is true when the invoke response
/// had X-Amz-Function-Error. `accept` is the client's Accept header. Ok(response) with the final
/// status/headers/body; Err(reason) => the gateway answers 502 {"message": "Internal server
/// error"} with x-amzn-ErrorType: InternalServerErrorException (the caller builds that; the
/// reason is for the log).
pub fn convert(
    payload: &[u8],
    function_error: bool,
    version: PayloadVersion,
    accept: Option<&str>,
    binary_media_types: &[String],
) -> Result<Response, String> {
    if function_error {
        return Err(format!("function error: {}", quote(payload)));
    }
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| format!("payload is not JSON ({e}): {}", quote(payload)))?;
    match version {
        PayloadVersion::V1 => convert_v1(value, accept, binary_media_types),
        PayloadVersion::V2 => convert_v2(value),
    }
}

fn convert_v1(
    value: Value,
    accept: Option<&str>,
    binary_media_types: &[String],
) -> Result<Response, String> {
    let Value::Object(obj) = value else {
        return Err(format!("payload is not a JSON object: {}", short(&value)));
    };
    if obj.contains_key("errorMessage") || obj.contains_key("errorType") {
        return Err(format!("function returned an error: {}", short(&Value::Object(obj))));
    }
    if let Some(key) = obj.keys().find(|k| !V1_KEYS.contains(&k.as_str())) {
        return Err(format!("unexpected key {key:?} in the proxy response"));
    }
    let status = status_code(obj.get("statusCode"))?;
    let headers = merged_headers(obj.get("multiValueHeaders"), obj.get("headers"))?;
    let text = body_text(obj.get("body"))?;
    let b64 = is_base64(obj.get("isBase64Encoded"))?;
    let decode = b64
        && accept.is_some_and(|a| {
            crate::media::matches_binary(binary_media_types, crate::media::first_accept_entry(a))
        });
    let body = if decode {
        decode_base64(&text)?
    } else {
        text.into_bytes()
    };
    Ok(finish(status, headers, body))
}

fn convert_v2(value: Value) -> Result<Response, String> {
    let obj = match value {
        Value::Object(obj) if obj.contains_key("statusCode") => obj,
        Value::String(s) => return Ok(finish(200, Vec::new(), s.into_bytes())),
        other => return Ok(finish(200, Vec::new(), other.to_string().into_bytes())),
    };
    let status = status_code(obj.get("statusCode"))?;
    let mut headers = merged_headers(obj.get("multiValueHeaders"), obj.get("headers"))?;
    match obj.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for c in list {
                match c {
                    Value::String(s) => headers.push(("Set-Cookie".to_string(), s.clone())),
                    other => return Err(format!("cookies entry is not a string: {}", short(other))),
                }
            }
        }
        Some(other) => return Err(format!("cookies is not a list: {}", short(other))),
    }
    let text = body_text(obj.get("body"))?;
    let body = if is_base64(obj.get("isBase64Encoded"))? {
        decode_base64(&text)?
    } else {
        text.into_bytes()
    };
    Ok(finish(status, headers, body))
}

/// Drops framing headers, adds the default Content-Type.
fn finish(status: u16, mut headers: Vec<(String, String)>, body: Vec<u8>) -> Response {
    headers.retain(|(k, _)| !crate::headers::contains(crate::headers::LAMBDA_FRAMING_HEADERS, k));
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    Response {
        status,
        headers,
        body,
    }
}

fn status_code(v: Option<&Value>) -> Result<u16, String> {
    let code: Option<u64> = match v {
        None | Some(Value::Null) => return Ok(200),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(_) => None,
    };
    match code.and_then(|c| u16::try_from(c).ok()) {
        Some(c) if (100..=599).contains(&c) => Ok(c),
        _ => Err(format!(
            "statusCode {} is not an HTTP status",
            v.map(short).unwrap_or_default()
        )),
    }
}

/// A header value as API Gateway prints it: strings as they are, numbers and booleans as JSON.
/// `Ok(None)` for `null`.
fn scalar(name: &str, v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(_) | Value::Bool(_) => Ok(Some(v.to_string())),
        Value::Array(_) | Value::Object(_) => {
            Err(format!("header {name:?} has a non-scalar value: {}", short(v)))
        }
    }
}

/// `multiValueHeaders` first, then `headers`: for a name in both, the list then the single value.
/// Names compare ASCII case-insensitively and the `multiValueHeaders` casing is kept (`tesT-Multi`
/// and `test-multi` are one header; README: "Lambda proxy (AWS_PROXY)"). A `headers` value that
/// the list of that name already holds is not repeated: AWS documents that for a key-value pair in
/// both maps "only the values from multiValueHeaders" appear (Express behind serverless-http sends
/// exactly that for `res.append(name, [value])`). Repeats inside the list itself are kept: they
/// are the function's own choice.
fn merged_headers(
    multi: Option<&Value>,
    single: Option<&Value>,
) -> Result<Vec<(String, String)>, String> {
    let multi = object_or_empty("multiValueHeaders", multi)?;
    let single = object_or_empty("headers", single)?;
    // Groups by name, case-insensitively, in the casing first seen in `multiValueHeaders`.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (name, values) in multi {
        let Value::Array(list) = values else {
            if values.is_null() {
                continue;
            }
            return Err(format!(
                "multiValueHeaders {name:?} is not a list: {}",
                short(values)
            ));
        };
        let mut scalars = Vec::with_capacity(list.len());
        for v in list {
            if let Some(s) = scalar(name, v)? {
                scalars.push(s);
            }
        }
        match groups.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some((_, values)) => values.extend(scalars),
            None => groups.push((name.clone(), scalars)),
        }
    }
    let mut alone: Vec<(String, String)> = Vec::new();
    for (name, v) in single {
        let Some(s) = scalar(name, v)? else { continue };
        match groups.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            // The pair is already in the list: only the list's values appear.
            Some((_, values)) if values.contains(&s) => {}
            Some((_, values)) => values.push(s),
            None => alone.push((name.clone(), s)),
        }
    }
    let mut out: Vec<(String, String)> = Vec::with_capacity(groups.len().saturating_add(alone.len()));
    for (name, values) in groups {
        out.extend(values.into_iter().map(|v| (name.clone(), v)));
    }
    out.extend(alone);
    Ok(out)
}

fn object_or_empty<'a>(what: &str, v: Option<&'a Value>) -> Result<&'a Map<String, Value>, String> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match v {
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(format!("{what} is not an object: {}", short(other))),
    }
}

fn body_text(v: Option<&Value>) -> Result<String, String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("body is not a string: {}", short(other))),
    }
}

fn is_base64(v: Option<&Value>) -> Result<bool, String> {
    match v {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(format!("isBase64Encoded is not a boolean: {}", short(other))),
    }
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    LENIENT_B64
        .decode(text.trim())
        .map_err(|e| format!("body is not valid base64: {e}"))
}

/// The start of a JSON value, for error reasons.
fn short(v: &Value) -> String {
    quote(v.to_string().as_bytes())
}

/// The start of a payload, lossily decoded, for error reasons.
fn quote(payload: &[u8]) -> String {
    let text = String::from_utf8_lossy(payload);
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((i, _)) => format!("{}...", text.get(..i).unwrap_or("")),
        None => text.into_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, clippy::type_complexity)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn v1(payload: &str) -> Result<Response, String> {
        convert(payload.as_bytes(), false, PayloadVersion::V1, None, &[])
    }

    fn v2(payload: &str) -> Result<Response, String> {
        convert(payload.as_bytes(), false, PayloadVersion::V2, None, &[])
    }

    fn hdrs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // AWS's recorded outcomes (README: "Lambda proxy (AWS_PROXY)"): payload -> Some((status, body)),
    // or None for 502.
    #[test]
    fn recorded_outcomes_v1() {
        let rows: &[(&str, Option<(u16, &str)>)] = &[
            (r#"{"statusCode":200}"#, Some((200, ""))),
            (r#"{"headers":{"x":"y"}}"#, Some((200, ""))),
            (r#"{}"#, Some((200, ""))),
            (r#"{"statusCode":"201"}"#, Some((201, ""))),
            (r#"{"statusCode":"test"}"#, None),
            (r#"{"statusCode":200,"extra":1}"#, None),
            (r#""just a string""#, None),
            (r#"{"errorMessage":"boom","errorType":"Error"}"#, None),
            (r#"{"errorMessage":"boom"}"#, None),
            (r#"{"multiValueHeaders":{"x":"not-a-list"}}"#, None),
            (r#"{"headers":null}"#, Some((200, ""))),
            (r#"{"statusCode":201,"body":"created"}"#, Some((201, "created"))),
            (r#"{"statusCode":404,"body":null}"#, Some((404, ""))),
            (r#"{"statusCode":null}"#, Some((200, ""))),
            (r#"{"statusCode":99}"#, None),
            (r#"{"statusCode":600}"#, None),
            (r#"{"statusCode":-1}"#, None),
            (r#"{"statusCode":200.5}"#, None),
            (r#"{"statusCode":70000}"#, None),
            (r#"{"statusCode":true}"#, None),
            (r#"{"statusCode":"599"}"#, Some((599, ""))),
            (r#"{"body":{"a":1}}"#, None),
            (r#"{"body":42}"#, None),
            (r#"{"isBase64Encoded":"yes"}"#, None),
            (r#"{"headers":"x"}"#, None),
            (r#"{"headers":{"x":{"a":1}}}"#, None),
            (r#"{"headers":{"x":[1]}}"#, None),
            (r#"{"multiValueHeaders":{"x":[{"a":1}]}}"#, None),
            (r#"{"multiValueHeaders":[]}"#, None),
            (r#"[]"#, None),
            (r#"null"#, None),
            (r#"42"#, None),
            (r#""#, None),
            (r#"{not json"#, None),
        ];
        for (payload, want) in rows {
            let got = v1(payload);
            match want {
                Some((status, body)) => {
                    let r = got.unwrap_or_else(|e| panic!("{payload}: {e}"));
                    assert_eq!(r.status, *status, "{payload}");
                    assert_eq!(r.body, body.as_bytes(), "{payload}");
                }
                None => assert!(got.is_err(), "{payload} should be malformed, got {got:?}"),
            }
        }
    }

    // X-Amz-Function-Error makes any payload malformed, in both formats.
    #[test]
    fn function_error_is_malformed() {
        for version in [PayloadVersion::V1, PayloadVersion::V2] {
            let err = convert(br#"{"statusCode":200}"#, true, version, None, &[]).unwrap_err();
            assert!(err.starts_with("function error"), "{err}");
        }
    }

    // Header values: scalars as JSON text, merge order, default Content-Type, several Set-Cookie.
    #[test]
    fn header_rules_v1() {
        let rows: &[(&str, &[(&str, &str)])] = &[
            (r#"{"headers":{"x-flag":true}}"#, &[("x-flag", "true"), ("Content-Type", "application/json")]),
            (
                r#"{"headers":{"x-n":42,"x-f":1.5,"x-no":false}}"#,
                &[("x-n", "42"), ("x-f", "1.5"), ("x-no", "false"), ("Content-Type", "application/json")],
            ),
            (
                r#"{"headers":{"Content-Type":"text/plain","x-null":null}}"#,
                &[("Content-Type", "text/plain")],
            ),
            (
                r#"{"multiValueHeaders":{"X-M":["a","b"]},"headers":{"x-m":"c","y":"d"}}"#,
                &[("X-M", "a"), ("X-M", "b"), ("X-M", "c"), ("y", "d"), ("Content-Type", "application/json")],
            ),
            (
                r#"{"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"headers":{"Set-Cookie":"c=3"}}"#,
                &[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Set-Cookie", "c=3"), ("Content-Type", "application/json")],
            ),
            (
                r#"{"multiValueHeaders":{"content-type":["text/html"]}}"#,
                &[("content-type", "text/html")],
            ),
            (
                r#"{"multiValueHeaders":{"x":null,"y":[null,"1",true]}}"#,
                &[("y", "1"), ("y", "true"), ("Content-Type", "application/json")],
            ),
            // One header whatever the casing, the list's casing kept, the single value last (README:
            // "Lambda proxy (AWS_PROXY)", header merge).
            (
                r#"{"multiValueHeaders":{"tesT-Multi":["value-multi"]},"headers":{"test-multi":"value-solo"}}"#,
                &[("tesT-Multi", "value-multi"), ("tesT-Multi", "value-solo"), ("Content-Type", "application/json")],
            ),
            // AWS docs: a pair in both maps appears once ("only the values from multiValueHeaders"),
            // whatever the name's casing; a different value still joins the list.
            (
                r#"{"multiValueHeaders":{"X-Tag":["a","b"]},"headers":{"x-tag":"a"}}"#,
                &[("X-Tag", "a"), ("X-Tag", "b"), ("Content-Type", "application/json")],
            ),
            (
                r#"{"multiValueHeaders":{"Set-Cookie":["s=1"]},"headers":{"Set-Cookie":"s=1","x":"y"}}"#,
                &[("Set-Cookie", "s=1"), ("x", "y"), ("Content-Type", "application/json")],
            ),
            // Values compare exactly; repeats inside the list are the function's and stay.
            (
                r#"{"multiValueHeaders":{"X-Tag":["a","a"]},"headers":{"X-Tag":"A"}}"#,
                &[("X-Tag", "a"), ("X-Tag", "a"), ("X-Tag", "A"), ("Content-Type", "application/json")],
            ),
            // Two list keys differing in case are one header, in the first key's casing.
            (
                r#"{"multiValueHeaders":{"X-A":["1"],"x-a":["2"]},"headers":{"x-A":"3"}}"#,
                &[("X-A", "1"), ("X-A", "2"), ("X-A", "3"), ("Content-Type", "application/json")],
            ),
            (
                r#"{"headers":{"Content-Length":"99","Transfer-Encoding":"chunked","Connection":"close","x":"1"}}"#,
                &[("x", "1"), ("Content-Type", "application/json")],
            ),
        ];
        for (payload, want) in rows {
            let r = v1(payload).unwrap_or_else(|e| panic!("{payload}: {e}"));
            assert_eq!(r.headers, hdrs(want), "{payload}");
        }
    }

    // isBase64Encoded: decoded only when the first Accept entry matches binaryMediaTypes
    // (README: "Lambda proxy (AWS_PROXY)").
    #[test]
    fn base64_body_table() {
        let payload = r#"{"body":"aGVsbG8=","isBase64Encoded":true,"headers":{"Content-Type":"image/png"}}"#;
        let rows: &[(Option<&str>, &[&str], &[u8])] = &[
            (Some("image/png"), &["image/png"], b"hello"),
            (Some("image/png, text/html"), &["image/png"], b"hello"),
            (Some("text/html, image/png"), &["image/png"], b"aGVsbG8="),
            (Some("*/*"), &["image/png"], b"aGVsbG8="),
            (Some("application/x"), &["application/*"], b"hello"),
            (Some("text/html"), &["*/*"], b"hello"),
            (None, &["*/*"], b"aGVsbG8="),
            (Some("image/png"), &[], b"aGVsbG8="),
        ];
        for (accept, types, want) in rows {
            let types: Vec<String> = types.iter().map(|s| s.to_string()).collect();
            let r = convert(payload.as_bytes(), false, PayloadVersion::V1, *accept, &types).unwrap();
            assert_eq!(r.body, *want, "{accept:?} {types:?}");
        }
    }

    #[test]
    fn base64_decoding_rules() {
        let types = vec!["*/*".to_string()];
        let decode = |body: &str| {
            let payload = format!(r#"{{"body":{},"isBase64Encoded":true}}"#, Value::String(body.into()));
            convert(payload.as_bytes(), false, PayloadVersion::V1, Some("*/*"), &types)
        };
        assert_eq!(decode("aGVsbG8=").unwrap().body, b"hello");
        assert_eq!(decode("aGVsbG8").unwrap().body, b"hello", "padding optional");
        assert_eq!(decode("").unwrap().body, b"");
        assert!(decode("not base64!").is_err());
        assert!(decode("aGVs bG8=").is_err());
        // Not decoding, bad base64 is just text.
        let payload = br#"{"body":"not base64!","isBase64Encoded":true}"#;
        let png = vec!["image/png".to_string()];
        let r = convert(payload, false, PayloadVersion::V1, Some("text/html"), &png).unwrap();
        assert_eq!(r.body, b"not base64!");
    }

    // Payload 2.0 inference rules.
    #[test]
    fn v2_inferred_format() {
        let rows: &[(&str, &str)] = &[
            (r#""Hello from Lambda!""#, "Hello from Lambda!"),
            (r#"{"message":"hi"}"#, r#"{"message":"hi"}"#),
            (r#"[1,2]"#, "[1,2]"),
            (r#"42"#, "42"),
            (r#"null"#, "null"),
            (r#"{"body":"x","headers":{"a":"b"}}"#, r#"{"body":"x","headers":{"a":"b"}}"#),
        ];
        for (payload, body) in rows {
            let r = v2(payload).unwrap();
            assert_eq!(r.status, 200, "{payload}");
            assert_eq!(r.body, body.as_bytes(), "{payload}");
            assert_eq!(r.headers, hdrs(&[("Content-Type", "application/json")]), "{payload}");
        }
        assert!(v2("{oops").is_err());
        assert!(v2("").is_err());
    }

    // Payload 2.0 structured format: cookies become Set-Cookie, base64 always decoded.
    #[test]
    fn v2_structured_format() {
        let r = v2(r#"{"statusCode":201,"headers":{"content-type":"text/plain","x":1},"cookies":["a=1","b=2"],"body":"ok","other":"ignored"}"#).unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"ok");
        assert_eq!(
            r.headers,
            hdrs(&[("content-type", "text/plain"), ("x", "1"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        );
        let r = v2(r#"{"statusCode":"200","body":"aGk=","isBase64Encoded":true}"#).unwrap();
        assert_eq!(r.body, b"hi");
        let r = v2(r#"{"statusCode":204}"#).unwrap();
        assert_eq!((r.status, r.body.len()), (204, 0));
        for bad in [
            r#"{"statusCode":"x"}"#,
            r#"{"statusCode":200,"cookies":"a=1"}"#,
            r#"{"statusCode":200,"cookies":[1]}"#,
            r#"{"statusCode":200,"body":"%%","isBase64Encoded":true}"#,
            r#"{"statusCode":200,"body":{}}"#,
        ] {
            assert!(v2(bad).is_err(), "{bad}");
        }
    }

    // Error reasons quote at most QUOTE_LIMIT characters of the payload.
    #[test]
    fn long_payloads_are_cut_in_reasons() {
        let long = format!("\"{}\"", "é".repeat(1000));
        let err = v1(&long).unwrap_err();
        assert!(err.chars().count() < QUOTE_LIMIT + 60, "{}", err.len());
        assert!(err.ends_with("..."));
    }
}
