//! `X-Amzn-Trace-Id` for Lambda proxy (AWS_PROXY) requests (README: "Lambda proxy (AWS_PROXY)",
//! recorded on AWS).
//!
//! - **The answer** carries `Root=<root>;Parent=<parent>;Sampled=<flag>`. A client's `Root` and
//!   `Parent` are kept; a missing `Parent` is made (16 hex digits), a missing `Root` too, in X-Ray's
//!   trace id format `1-<epoch seconds, 8 hex digits>-<24 hex digits>` (X-Ray's "Trace ID format").
//!   `Sampled` is the client's, else `0`: this gateway records no X-Ray segment. Other fields of the
//!   client's header (`Self`, `Lineage`...) are not repeated [open]. MOCK answers carry none.
//! - **The function** sees the header in its proxy event, as AWS's documented event example shows
//!   (`"X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050"`): the client's value as
//!   sent, else `Root=<root>` with the root of the answer. The Invoke call carries the same value,
//!   as API Gateway's execution logs show for the endpoint request.
//! - Made-up ids come from the SHA-256 of the request id (a v4 UUID drawn by the adapter from WASI
//!   randomness), so the event, the Invoke call and the answer agree without storing anything and
//!   without another host call.

use sha2::{Digest, Sha256};

use crate::http::Request;

/// The header's name as AWS writes it.
pub const HEADER: &str = "X-Amzn-Trace-Id";

/// The client's header, when it sent a non-empty one.
fn client(req: &Request) -> Option<&str> {
    req.header("x-amzn-trace-id").map(str::trim).filter(|v| !v.is_empty())
}

/// A `Key=value` field of a trace header (keys case-insensitive, as X-Ray reads them).
fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|part| part.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

thread_local! {
    /// The last request id hashed and its digest: one Lambda proxy request needs it three times
    /// (event, Invoke call, answer), and a SHA-256 round costs about a microsecond inside the VM.
    static LAST: std::cell::RefCell<(String, [u8; 32])> = const { std::cell::RefCell::new((String::new(), [0; 32])) };
}

fn digest(req: &Request) -> [u8; 32] {
    let id = req.request_id.as_str();
    let cached = LAST.try_with(|last| {
        let mut last = last.try_borrow_mut().ok()?;
        if last.0 != id || id.is_empty() {
            last.1 = Sha256::digest(id.as_bytes()).into();
            last.0.clear();
            last.0.push_str(id);
        }
        Some(last.1)
    });
    match cached {
        Ok(Some(d)) => d,
        // The thread is exiting or the cell is busy: hash again.
        _ => Sha256::digest(id.as_bytes()).into(),
    }
}

/// `1-<epoch seconds in hex>-<24 hex digits>`.
fn new_root(req: &Request, digest: &[u8; 32]) -> String {
    let seconds = req.now_ms.checked_div(1000).unwrap_or(0);
    // Without `format!`: this runs for every Lambda proxy request (benches/README.md, "Tuning log").
    let mut out = String::with_capacity(35);
    out.push_str("1-");
    // `{:08x}`: at least 8 hex digits, more when the seconds need them.
    let hex = hex::encode(seconds.to_be_bytes());
    let digits = hex.trim_start_matches('0').len().max(8);
    out.push_str(hex.get(hex.len().saturating_sub(digits)..).unwrap_or(""));
    out.push('-');
    out.push_str(&digest.get(..12).map(hex::encode).unwrap_or_default());
    out
}

fn root(req: &Request, digest: &[u8; 32]) -> String {
    match client(req).and_then(|c| field(c, "Root")) {
        Some(r) => r.to_string(),
        None => new_root(req, digest),
    }
}

/// The `X-Amzn-Trace-Id` value of the answer.
pub fn response_value(req: &Request) -> String {
    let d = digest(req);
    let from_client = client(req);
    let parent = match from_client.and_then(|c| field(c, "Parent")) {
        Some(p) => p.to_string(),
        None => d.get(12..20).map(hex::encode).unwrap_or_default(),
    };
    let sampled = from_client.and_then(|c| field(c, "Sampled")).unwrap_or("0");
    format!("Root={};Parent={parent};Sampled={sampled}", root(req, &d))
}

/// The `X-Amzn-Trace-Id` value the function sees (event header and Invoke call).
pub fn function_value(req: &Request) -> String {
    match client(req) {
        Some(c) => c.to_string(),
        None => {
            let mut v = String::from("Root=");
            v.push_str(&new_root(req, &digest(req)));
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn req(trace: Option<&str>, id: &str) -> Request {
        Request {
            request_id: id.into(),
            // 2020-03-10T00:03:59Z: 0x5e66d96f seconds, as in the root of AWS's documented example.
            now_ms: 1_583_798_639_123,
            headers: trace.map(|t| vec![("x-amzn-trace-id".to_string(), t.to_string())]).unwrap_or_default(),
            ..Default::default()
        }
    }

    // The root's seconds as `{:08x}` writes them: zero-padded to 8 digits, longer past 2106.
    #[test]
    fn root_seconds_digits() {
        let d = [0u8; 32];
        let at = |ms| new_root(&Request { now_ms: ms, ..Default::default() }, &d);
        assert_eq!(at(0), "1-00000000-000000000000000000000000");
        assert_eq!(at(1_583_798_639_123), "1-5e66d96f-000000000000000000000000");
        assert_eq!(at(0x1_0000_0000 * 1000), "1-100000000-000000000000000000000000");
    }

    fn is_hex(s: &str, len: usize) -> bool {
        s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    }

    // No client header: a new X-Ray root (this second, 24 hex digits), a new parent, Sampled=0;
    // the function sees the same root.
    #[test]
    fn made_up_ids() {
        let r = req(None, "4b8ae478-ac2d-4fff-96e9-870739d88db2");
        let v = response_value(&r);
        let parts: Vec<&str> = v.split(';').collect();
        assert_eq!(parts.len(), 3, "{v}");
        let root = parts[0].strip_prefix("Root=1-5e66d96f-").unwrap();
        assert!(is_hex(root, 24), "{v}");
        assert!(is_hex(parts[1].strip_prefix("Parent=").unwrap(), 16), "{v}");
        assert_eq!(parts[2], "Sampled=0");
        assert_eq!(function_value(&r), format!("Root=1-5e66d96f-{root}"));
        // Same request, same ids; another request, others.
        assert_eq!(response_value(&r), v);
        assert_ne!(response_value(&req(None, "another-id")), v);
    }

    // A client's Root and Parent are kept (and its Sampled); with only a Root a Parent is made.
    #[test]
    fn client_header_kept() {
        let full = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1";
        let r = req(Some(full), "x");
        assert_eq!(response_value(&r), full);
        assert_eq!(function_value(&r), full);
        let r = req(Some("Root=1-3152b799-8954dae64eda91bc9a23a7e8"), "x");
        let v = response_value(&r);
        let parent = v
            .strip_prefix("Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=")
            .and_then(|p| p.strip_suffix(";Sampled=0"))
            .unwrap();
        assert!(is_hex(parent, 16), "{v}");
        // Keys in any case and spacing; other fields dropped.
        let r = req(Some(" root=1-a-b ; self=1-x ;parent=0123456789abcdef"), "x");
        assert_eq!(response_value(&r), "Root=1-a-b;Parent=0123456789abcdef;Sampled=0");
        // A header without a Root gets a new one, keeping its Parent.
        let v = response_value(&req(Some("Parent=0123456789abcdef"), "x"));
        assert!(v.starts_with("Root=1-5e66d96f-") && v.ends_with(";Parent=0123456789abcdef;Sampled=0"), "{v}");
        // An empty header counts as none.
        assert!(function_value(&req(Some(" "), "x")).starts_with("Root=1-5e66d96f-"));
    }
}
