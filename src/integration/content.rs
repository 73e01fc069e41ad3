//! `contentHandling` and binary payloads of the non-proxy integrations (HTTP, AWS, MOCK's request
//! side), as recorded on AWS (README: "HTTP, HTTP_PROXY and AWS services", contentHandling).
//!
//! A payload is *binary* when its media type matches the API's `binaryMediaTypes` (request: the
//! client's Content-Type; response: the integration's Content-Type); an Accept is binary when its
//! first entry matches. Conversion happens before the mapping template, so a template sees the
//! converted payload.
//!
//! | request payload | none | CONVERT_TO_TEXT | CONVERT_TO_BINARY |
//! |---|---|---|---|
//! | text | UTF-8 text (invalid bytes -> U+FFFD) | same | base64-decoded (not base64 -> 500) |
//! | binary | bytes unchanged | base64 text | bytes unchanged |
//!
//! | response payload, Accept | none | CONVERT_TO_TEXT | CONVERT_TO_BINARY |
//! |---|---|---|---|
//! | text, text | UTF-8 text (U+FFFD) | same | base64-decoded (not base64 -> 500) |
//! | text, binary | base64-decoded (not base64 -> 500) | UTF-8 text | base64-decoded |
//! | binary, text | base64 text | base64 text | bytes unchanged |
//! | binary, binary | bytes unchanged | base64 text | bytes unchanged |
//!
//! A template is text. When it reads the body (`$input.body`, `.json`, `.path`) and the payload
//! is still bytes, those bytes must be UTF-8, else 500: AWS answers 500 for a CONVERT_TO_BINARY
//! request whose base64 body, once decoded, meets an `application/json` template (recorded). That
//! bytes which happen to be UTF-8 render is this gateway's choice [open], and so is applying the
//! same rule to response templates.

use base64::Engine;

// Parsed with the definition (configuration does not import the runtime); re-exported here,
// where the conversions live.
pub use crate::config::integration::{check_content_handling as check, Handling, CONVERT_TO_BINARY, CONVERT_TO_TEXT};

/// A payload after conversion: text (what a template reads) or bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Text(String),
    Binary(Vec<u8>),
}

impl Payload {
    /// The bytes that go on the wire when no template applies.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Payload::Text(s) => s.into_bytes(),
            Payload::Binary(b) => b,
        }
    }

    /// `$input.body` for a template; `reads_body` is whether the template reads it at all.
    /// Bytes that are not UTF-8 cannot be read (see the module comment); a template that does
    /// not read the body renders regardless.
    pub fn template_text(self, reads_body: bool) -> Result<String, String> {
        match self {
            Payload::Text(s) => Ok(s),
            Payload::Binary(b) => match String::from_utf8(b) {
                Ok(s) => Ok(s),
                Err(_) if !reads_body => Ok(String::new()),
                Err(e) => Err(format!("a binary payload is not text for the mapping template ({e})")),
            },
        }
    }
}

/// The integration request's payload from the client's body (first table above).
pub fn request(body: &[u8], binary: bool, handling: Handling) -> Result<Payload, String> {
    match (binary, handling) {
        (true, Handling::ConvertToText) => Ok(Payload::Text(encode(body))),
        (true, _) => Ok(Payload::Binary(body.to_vec())),
        (false, Handling::ConvertToBinary) => {
            decode(body).map(Payload::Binary).map_err(|e| format!("CONVERT_TO_BINARY: the request body is not base64: {e}"))
        }
        (false, _) => Ok(Payload::Text(String::from_utf8_lossy(body).into_owned())),
    }
}

/// The method response's payload from the integration's body (second table above).
pub fn response(body: &[u8], binary: bool, binary_accept: bool, handling: Handling) -> Result<Payload, String> {
    // Without contentHandling the client's Accept decides: a text Accept gets text.
    let to_text = match handling {
        Handling::ConvertToText => true,
        Handling::ConvertToBinary => false,
        Handling::Passthrough => !binary_accept,
    };
    match (binary, to_text) {
        (true, true) => Ok(Payload::Text(encode(body))),
        (true, false) => Ok(Payload::Binary(body.to_vec())),
        (false, true) => Ok(Payload::Text(String::from_utf8_lossy(body).into_owned())),
        (false, false) => decode(body)
            .map(Payload::Binary)
            .map_err(|e| format!("the integration response is not base64 and must be decoded to binary: {e}")),
    }
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Standard base64 with padding; whitespace (line breaks of MIME-style base64) is skipped.
fn decode(text: &[u8]) -> Result<Vec<u8>, String> {
    let cleaned: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::type_complexity)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NONE: Handling = Handling::Passthrough;
    const TEXT: Handling = Handling::ConvertToText;
    const BIN: Handling = Handling::ConvertToBinary;
    // Invalid UTF-8 (a gzip header, as in the AWS recording) and its base64.
    const RAW: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0xff, b'a'];
    const RAW_B64: &str = "H4sIAP9h";

    fn text(s: &str) -> Result<Payload, ()> {
        Ok(Payload::Text(s.to_string()))
    }
    fn bytes(b: &[u8]) -> Result<Payload, ()> {
        Ok(Payload::Binary(b.to_vec()))
    }

    // Request side as recorded on AWS (README: "HTTP, HTTP_PROXY and AWS services",
    // contentHandling), one row per cell: (payload binary?, contentHandling, body) -> payload or 500.
    #[test]
    fn request_table() {
        let rows: &[(bool, Handling, &[u8], Result<Payload, ()>)] = &[
            (false, NONE, b"hello", text("hello")),
            (false, NONE, RAW, text("\u{1f}\u{fffd}\u{8}\u{0}\u{fffd}a")),
            (false, TEXT, b"hello", text("hello")),
            (false, TEXT, RAW, text("\u{1f}\u{fffd}\u{8}\u{0}\u{fffd}a")),
            (false, BIN, RAW_B64.as_bytes(), bytes(RAW)),
            (false, BIN, b"H4sI\nAP9h", bytes(RAW)),
            (false, BIN, b"not base64!", Err(())),
            (false, BIN, b"", bytes(b"")),
            (true, NONE, RAW, bytes(RAW)),
            (true, TEXT, RAW, text(RAW_B64)),
            (true, BIN, RAW, bytes(RAW)),
            (true, BIN, RAW_B64.as_bytes(), bytes(RAW_B64.as_bytes())),
        ];
        for (binary, handling, body, want) in rows {
            let got = request(body, *binary, *handling).map_err(|_| ());
            assert_eq!(&got, want, "binary={binary} {handling:?} {body:?}");
        }
    }

    // Response side as recorded on AWS (README: "HTTP, HTTP_PROXY and AWS services",
    // contentHandling), one row per cell: (payload binary?, Accept binary?, contentHandling, body).
    #[test]
    fn response_table() {
        let rows: &[(bool, bool, Handling, &[u8], Result<Payload, ()>)] = &[
            // no contentHandling
            (false, false, NONE, b"hello", text("hello")),
            (false, false, NONE, RAW, text("\u{1f}\u{fffd}\u{8}\u{0}\u{fffd}a")),
            (false, true, NONE, RAW_B64.as_bytes(), bytes(RAW)),
            (false, true, NONE, b"plain text", Err(())),
            (true, false, NONE, RAW, text(RAW_B64)),
            (true, true, NONE, RAW, bytes(RAW)),
            // CONVERT_TO_TEXT
            (false, false, TEXT, RAW, text("\u{1f}\u{fffd}\u{8}\u{0}\u{fffd}a")),
            (false, true, TEXT, b"hello", text("hello")),
            (true, false, TEXT, RAW, text(RAW_B64)),
            (true, true, TEXT, RAW, text(RAW_B64)),
            // CONVERT_TO_BINARY
            (false, false, BIN, RAW_B64.as_bytes(), bytes(RAW)),
            (false, false, BIN, b"plain text", Err(())),
            (false, true, BIN, RAW_B64.as_bytes(), bytes(RAW)),
            (true, false, BIN, RAW, bytes(RAW)),
            (true, true, BIN, RAW, bytes(RAW)),
        ];
        for (binary, accept, handling, body, want) in rows {
            let got = response(body, *binary, *accept, *handling).map_err(|_| ());
            assert_eq!(&got, want, "binary={binary} accept={accept} {handling:?} {body:?}");
        }
    }

    // A template reads bytes only when they are UTF-8; one that does not read the body renders.
    #[test]
    fn template_text_of_a_payload() {
        assert_eq!(Payload::Text("t".into()).template_text(true), Ok("t".to_string()));
        assert_eq!(Payload::Binary(b"utf8".to_vec()).template_text(true), Ok("utf8".to_string()));
        assert!(Payload::Binary(RAW.to_vec()).template_text(true).is_err());
        assert_eq!(Payload::Binary(RAW.to_vec()).template_text(false), Ok(String::new()));
    }

    #[test]
    fn handling_values() {
        assert_eq!(Handling::of(None), Handling::Passthrough);
        assert_eq!(Handling::of(Some("CONVERT_TO_TEXT")), Handling::ConvertToText);
        assert_eq!(Handling::of(Some("CONVERT_TO_BINARY")), Handling::ConvertToBinary);
        assert!(check(Some("CONVERT_TO_BINARY")).is_ok());
        assert_eq!(check(Some("convert_to_text")).unwrap_err(),
            "\"convert_to_text\" is neither CONVERT_TO_TEXT nor CONVERT_TO_BINARY");
    }
}
