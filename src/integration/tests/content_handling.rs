//! contentHandling and binary payloads as recorded on AWS (README: "HTTP, HTTP_PROXY and AWS
//! services") through [`build_request`] and [`build_response`] of HTTP and AWS integrations: one
//! row per cell of the matrix, the bytes that go upstream and to the client. The conversion alone
//! is tabled in `content.rs`.

use super::*;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

// Invalid UTF-8 (a gzip header, as in the AWS recording), its base64, and its UTF-8 reading.
const RAW: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0xff, b'a'];
const RAW_B64: &str = "H4sIAP9h";
const RAW_LOSSY: &str = "\u{1f}\u{fffd}\u{8}\u{0}\u{fffd}a";
const BINARY_TYPES: &[&str] = &["image/png", "application/octet-stream"];

fn binary_fx(method: &str, headers: &[(&str, &str)], body: &[u8]) -> Fx {
    let mut f = fx(method, "/", headers, body);
    f.binary = BINARY_TYPES.iter().map(|s| s.to_string()).collect();
    f
}

fn http_integration(handling: Option<&str>, templates: serde_json::Value) -> Integration {
    let mut s = json!({"type": "http", "httpMethod": "POST", "uri": "http://backend:8080/", "requestTemplates": templates});
    if let Some(h) = handling {
        s["contentHandling"] = json!(h);
    }
    integ(s)
}

// Request rows: (Content-Type, contentHandling, request templates, client body) -> the body sent
// upstream, or None for 500. image/png is binary, text/plain and application/json are text.
#[test]
fn request_matrix_through_http() {
    let t = |ct: &str, body: &str| json!({ ct: body });
    let rows: Vec<(&str, Option<&str>, serde_json::Value, &[u8], Option<Vec<u8>>)> = vec![
        // no contentHandling: text read as UTF-8 (U+FFFD), binary byte for byte
        ("text/plain", None, json!({}), b"hello", Some(b"hello".to_vec())),
        ("text/plain", None, json!({}), RAW, Some(RAW_LOSSY.as_bytes().to_vec())),
        ("image/png", None, json!({}), RAW, Some(RAW.to_vec())),
        // CONVERT_TO_TEXT: binary -> base64 text; text as above
        ("image/png", Some("CONVERT_TO_TEXT"), json!({}), RAW, Some(RAW_B64.as_bytes().to_vec())),
        ("text/plain", Some("CONVERT_TO_TEXT"), json!({}), RAW, Some(RAW_LOSSY.as_bytes().to_vec())),
        // CONVERT_TO_BINARY: text base64-decoded (not base64 -> 500), binary unchanged
        ("text/plain", Some("CONVERT_TO_BINARY"), json!({}), RAW_B64.as_bytes(), Some(RAW.to_vec())),
        ("text/plain", Some("CONVERT_TO_BINARY"), json!({}), b"not base64!", None),
        ("image/png", Some("CONVERT_TO_BINARY"), json!({}), RAW, Some(RAW.to_vec())),
        // A template reads the converted payload: base64 text of a binary body...
        ("image/png", Some("CONVERT_TO_TEXT"), t("image/png", "{\"b64\": \"$input.body\"}"), RAW,
            Some(format!("{{\"b64\": \"{RAW_B64}\"}}").into_bytes())),
        // ...the UTF-8 reading of a text body...
        ("text/plain", None, t("text/plain", "[$input.body]"), RAW, Some(format!("[{RAW_LOSSY}]").into_bytes())),
        // ...and, AWS-recorded, CONVERT_TO_BINARY + an application/json template + a base64
        // application/json body -> 500 (the decoded bytes are no text for the template).
        ("application/json", Some("CONVERT_TO_BINARY"), t("application/json", "{\"data\": \"$input.body\"}"),
            RAW_B64.as_bytes(), None),
        // A template that does not read the body renders whatever the payload [open].
        ("application/json", Some("CONVERT_TO_BINARY"), t("application/json", "{}"), RAW_B64.as_bytes(), Some(b"{}".to_vec())),
    ];
    for (ct, handling, templates, body, want) in rows {
        let f = binary_fx("POST", &[("content-type", ct)], body);
        let got = f.request(&http_integration(handling, templates.clone())).0;
        match want {
            Some(w) => {
                let u = got.unwrap_or_else(|e| panic!("{ct} {handling:?} {templates}: {e:?}"));
                assert_eq!(u.body.as_deref(), Some(w.as_slice()), "{ct} {handling:?} {templates}");
                // The client's Content-Type goes upstream whatever the conversion.
                assert_eq!(header(&u, "content-type"), Some(ct));
            }
            None => {
                let e = got.unwrap_err();
                assert_eq!((e.kind, e.message), (ResponseType::ApiConfigurationError, "Internal server error"), "{ct} {handling:?}");
            }
        }
    }
}

// AWS integrations convert the same way: a binary upload to S3 byte for byte, a base64 text
// decoded by CONVERT_TO_BINARY, and the signature covers the converted bytes.
#[test]
fn request_conversion_through_aws() {
    let spec = |handling: Option<&str>| {
        let mut s = json!({"type": "aws", "httpMethod": "PUT", "uri": "arn:aws:apigateway:us-east-1:s3:path/b/k"});
        if let Some(h) = handling {
            s["contentHandling"] = json!(h);
        }
        integ(s)
    };
    let mut f = binary_fx("PUT", &[("content-type", "image/png")], RAW);
    f.creds = Some(Credentials { access_key_id: "AKID".into(), secret_access_key: "s".into(), session_token: None });
    let u = f.up(&spec(None));
    assert_eq!(u.body.as_deref(), Some(RAW));
    use sha2::Digest;
    assert_eq!(header(&u, "x-amz-content-sha256"), Some(hex::encode(sha2::Sha256::digest(RAW)).as_str()));
    let mut f = binary_fx("PUT", &[("content-type", "text/plain")], RAW_B64.as_bytes());
    f.creds = None;
    assert_eq!(f.up(&spec(Some("CONVERT_TO_BINARY"))).body.as_deref(), Some(RAW));
}

fn http_response_integration(handling: Option<&str>, templates: serde_json::Value) -> Integration {
    let mut r = json!({"statusCode": "200", "responseTemplates": templates});
    if let Some(h) = handling {
        r["contentHandling"] = json!(h);
    }
    integ(json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/", "responses": {"default": r}}))
}

// Response rows: (integration Content-Type, client Accept, contentHandling, response templates,
// backend body) -> the client's body, or None for 500. Only the first Accept entry counts.
#[test]
fn response_matrix_through_http() {
    let json_t = |body: &str| json!({"application/json": body});
    let rows: Vec<(&str, &str, Option<&str>, serde_json::Value, &[u8], Option<Vec<u8>>)> = vec![
        // no contentHandling
        ("text/plain", "application/json", None, json!({}), RAW, Some(RAW_LOSSY.as_bytes().to_vec())),
        ("text/plain", "image/png", None, json!({}), RAW_B64.as_bytes(), Some(RAW.to_vec())),
        ("text/plain", "image/png, text/html", None, json!({}), b"plain text", None),
        ("text/plain", "text/html, image/png", None, json!({}), b"plain text", Some(b"plain text".to_vec())),
        ("image/png", "application/json", None, json!({}), RAW, Some(RAW_B64.as_bytes().to_vec())),
        ("image/png", "image/png", None, json!({}), RAW, Some(RAW.to_vec())),
        // CONVERT_TO_TEXT
        ("image/png", "image/png", Some("CONVERT_TO_TEXT"), json!({}), RAW, Some(RAW_B64.as_bytes().to_vec())),
        ("image/png", "application/json", Some("CONVERT_TO_TEXT"), json!({}), RAW, Some(RAW_B64.as_bytes().to_vec())),
        ("text/plain", "image/png", Some("CONVERT_TO_TEXT"), json!({}), RAW, Some(RAW_LOSSY.as_bytes().to_vec())),
        ("image/png", "application/json", Some("CONVERT_TO_TEXT"), json_t("{\"data\": \"$input.body\"}"), RAW,
            Some(format!("{{\"data\": \"{RAW_B64}\"}}").into_bytes())),
        // CONVERT_TO_BINARY
        ("text/plain", "application/json", Some("CONVERT_TO_BINARY"), json!({}), RAW_B64.as_bytes(), Some(RAW.to_vec())),
        ("text/plain", "application/json", Some("CONVERT_TO_BINARY"), json!({}), b"plain text", None),
        ("image/png", "application/json", Some("CONVERT_TO_BINARY"), json!({}), RAW, Some(RAW.to_vec())),
        ("image/png", "image/png", Some("CONVERT_TO_BINARY"), json!({}), RAW, Some(RAW.to_vec())),
        // A response template reading bytes that are no text -> 500 [open].
        ("image/png", "image/png", None, json_t("$input.body"), RAW, None),
    ];
    for (ct, accept, handling, templates, body, want) in rows {
        let f = binary_fx("GET", &[("accept", accept)], b"");
        let i = http_response_integration(handling, templates.clone());
        let (up, mut env) = f.request(&i);
        assert!(up.is_ok());
        let got = f.respond(&i, &mut env, 200, &[("content-type", ct)], body);
        match want {
            Some(w) => {
                let r = got.unwrap_or_else(|e| panic!("{ct} {accept} {handling:?}: {e:?}"));
                assert_eq!(r.body, w, "{ct} {accept} {handling:?} {templates}");
                assert_eq!(r.status, 200);
            }
            None => {
                let e = got.unwrap_err();
                assert_eq!((e.kind, e.message), (ResponseType::ApiConfigurationError, "Internal server error"),
                    "{ct} {accept} {handling:?}");
            }
        }
    }
}

// A contentHandling that is neither strategy is refused at load, naming the field.
#[test]
fn unknown_content_handling_is_refused() {
    let e = Integration::parse(&json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "contentHandling": "CONVERT_TO_JSON"})).err().unwrap();
    assert_eq!(e, ("contentHandling".to_string(), "\"CONVERT_TO_JSON\" is neither CONVERT_TO_TEXT nor CONVERT_TO_BINARY".to_string()));
    let e = Integration::parse(&json!({"type": "http", "httpMethod": "GET", "uri": "http://backend:8080/",
        "responses": {"default": {"statusCode": "200", "contentHandling": "binary"}}})).err().unwrap();
    assert_eq!(e.0, "responses.default.contentHandling");
}

// MOCK: contentHandling converts the body its request template reads (the recorded rules apply to
// every non-proxy integration); its integration response has no payload to convert.
#[test]
fn mock_request_template_reads_the_converted_body() {
    let spec = |handling: Option<&str>| {
        let mut s = json!({"type": "mock",
            "requestTemplates": {
                "image/png": "#set($context.requestOverride.path.body = $input.body){\"statusCode\": 200}",
                "text/plain": "#set($context.requestOverride.path.body = $input.body){\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200",
                "responseTemplates": {"application/json": "[$context.requestOverride.path.body]"}}}});
        if let Some(h) = handling {
            s["contentHandling"] = json!(h);
        }
        integ(s)
    };
    let types: Vec<String> = BINARY_TYPES.iter().map(|s| s.to_string()).collect();
    let run = |i: &Integration, ct: &str, body: &[u8]| {
        let f = binary_fx("POST", &[("content-type", ct)], body);
        let parts = RequestParts { body, path_params: &[], query: &[], headers: &f.req.headers };
        crate::integration::mock::respond(i, &parts, &f.ctx, &f.stage, Some(ct), None, &types)
    };
    let body = |r: Result<Response, Failure>| String::from_utf8(r.unwrap().body).unwrap();
    assert_eq!(body(run(&spec(Some("CONVERT_TO_TEXT")), "image/png", RAW)), format!("[{RAW_B64}]"));
    assert_eq!(body(run(&spec(None), "text/plain", RAW)), format!("[{RAW_LOSSY}]"));
    assert_eq!(body(run(&spec(Some("CONVERT_TO_BINARY")), "text/plain", b"aGk=")), "[hi]");
    let e = run(&spec(Some("CONVERT_TO_BINARY")), "text/plain", b"not base64!").unwrap_err();
    assert_eq!((e.kind, e.message), (ResponseType::ApiConfigurationError, "Internal server error"));
    // Binary bytes that are no text cannot be read by the template.
    assert!(run(&spec(None), "image/png", RAW).is_err());
}
