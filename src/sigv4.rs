//! AWS Signature Version 4 (header signing), pure: the clock and the credentials are passed in.
//!
//! Follows AWS's "Create a signed AWS API request" rules for every service but S3 (which we never
//! call), the same way botocore's `SigV4Auth` does:
//! - the canonical URI is the path *as sent* (already percent-encoded), with `.`/`..` segments and
//!   repeated slashes removed, then URI-encoded once more, so `%3A` in a Lambda ARN is signed as
//!   `%253A` ("double encoding");
//! - the canonical query is each `key=value` pair decoded and re-encoded with the unreserved set
//!   (`A-Z a-z 0-9 - _ . ~`), sorted by key then value; a key without `=` gets an empty value;
//! - canonical headers are the lower-cased names, values trimmed and inner runs of spaces collapsed,
//!   repeated names joined with `,` in order, sorted by name;
//! - `x-amz-security-token` is signed (AWS's `post-sts-header-before` form, what botocore does);
//! - no `x-amz-content-sha256` header is added (only S3 needs it); the payload hash is still part
//!   of the canonical request.

use std::cell::RefCell;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Long-term or temporary AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Signs one request; returns the headers to add: `x-amz-date`, `x-amz-security-token` when a
/// session token is set, and `authorization`, in that order.
///
/// `headers` are the headers that will be sent (host included); all of them are signed, so pass
/// only the ones you set yourself (Envoy adds `x-envoy-*` to a callout after signing). Any
/// `x-amz-date`, `x-amz-security-token` or `authorization` in `headers` is ignored: the returned
/// values replace them. `path` is the path exactly as sent (already percent-encoded), `query` the
/// raw query string without `?`.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
    service: &str,
    region: &str,
    creds: &Credentials,
    now_ms: u64,
) -> Vec<(String, String)> {
    let amz_date = crate::time::amz_date(now_ms);
    let date = amz_date.get(..8).unwrap_or(&amz_date).to_string();

    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !crate::headers::contains(crate::headers::SIGV4_OWN_HEADERS, k))
        .cloned()
        .collect();
    let mut added = vec![("x-amz-date".to_string(), amz_date.clone())];
    if let Some(token) = creds.session_token.as_deref().filter(|t| !t.is_empty()) {
        added.push(("x-amz-security-token".to_string(), token.to_string()));
    }
    signed.extend(added.iter().cloned());

    let payload_hash = hex::encode(Sha256::digest(body));
    let (creq, signed_headers) = canonical_request(method, path, query, &signed, &payload_hash);
    let scope = concat(&[&date, "/", region, "/", service, "/aws4_request"]);
    let sts = string_to_sign(&amz_date, &scope, &creq);
    let signature = hex::encode(keyed_hmac(&creds.secret_access_key, &date, region, service, sts.as_bytes()));

    let authorization = concat(&[ALGORITHM, " Credential=", &creds.access_key_id, "/", &scope, ", SignedHeaders=",
        &signed_headers, ", Signature=", &signature]);
    added.push(("authorization".to_string(), authorization));
    added
}

/// The parts one after the other, in one allocation: what `format!` would make, without its
/// formatting machinery (a signature per Lambda call builds a dozen such strings: benches/README.md,
/// "Tuning log").
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).fold(0, usize::saturating_add));
    for p in parts {
        out.push_str(p);
    }
    out
}

/// The canonical request and its `SignedHeaders` list (`host;x-amz-date`).
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    payload_hash: &str,
) -> (String, String) {
    let (canonical_headers, signed_headers) = canonical_headers(headers);
    let creq = concat(&[method, "\n", &canonical_uri(path), "\n", &canonical_query(query), "\n", &canonical_headers,
        "\n", &signed_headers, "\n", payload_hash]);
    (creq, signed_headers)
}

/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    concat(&[ALGORITHM, "\n", amz_date, "\n", scope, "\n", &hash])
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// Hex signature of a string to sign.
pub fn signature(secret: &str, date: &str, region: &str, service: &str, sts: &str) -> String {
    hex::encode(keyed_hmac(secret, date, region, service, sts.as_bytes()))
}

/// HMAC-SHA256 of `data` under the signing key of these inputs. The cache holds the HMAC already
/// keyed (its inner and outer pads hashed), so a signature costs two SHA-256 blocks fewer.
fn keyed_hmac(secret: &str, date: &str, region: &str, service: &str, data: &[u8]) -> [u8; 32] {
    let mac = cached(secret, date, region, service, |c| c.mac.clone())
        .or_else(|| <Hmac<Sha256> as KeyInit>::new_from_slice(&signing_key(secret, date, region, service)).ok());
    match mac {
        Some(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        // HMAC takes keys of any length: never reached.
        None => [0; 32],
    }
}

/// How many signing keys are kept: one per (credentials, region, service) a filter signs for,
/// and the previous day's around midnight.
const KEY_CACHE_SIZE: usize = 4;

/// A derived signing key and what it was derived from.
struct CachedKey {
    secret: String,
    date: String,
    region: String,
    service: String,
    /// Read by the tests only (signatures use `mac`).
    #[cfg_attr(not(test), allow(dead_code))]
    key: [u8; 32],
    /// An HMAC keyed with `key`, cloned for each signature.
    mac: Hmac<Sha256>,
}

thread_local! {
    /// Recently derived signing keys, newest first. A key only changes with the date (or the
    /// credentials), so consecutive requests reuse it instead of paying four HMAC rounds each.
    static KEY_CACHE: RefCell<Vec<CachedKey>> = const { RefCell::new(Vec::new()) };
}

/// [`signing_key`], from the cache when the same four inputs were seen recently.
#[cfg(test)]
fn cached_signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    cached(secret, date, region, service, |c| c.key).unwrap_or_else(|| signing_key(secret, date, region, service))
}

/// `f` of the cache entry for these inputs, derived and put first when missing; `None` when the
/// cache cannot be used (the thread is exiting, or the cache is busy) and the caller derives.
fn cached<R>(secret: &str, date: &str, region: &str, service: &str, f: impl FnOnce(&CachedKey) -> R) -> Option<R> {
    KEY_CACHE
        .try_with(|cache| {
            // Nothing here calls back into the cache, so the borrow is always free.
            let mut cache = cache.try_borrow_mut().ok()?;
            let hit = cache.iter().find(|c| {
                c.date == date && c.region == region && c.service == service && c.secret == secret
            });
            if let Some(hit) = hit {
                return Some(f(hit));
            }
            let key = signing_key(secret, date, region, service);
            let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).ok()?;
            cache.truncate(KEY_CACHE_SIZE.saturating_sub(1));
            let entry = CachedKey {
                secret: secret.to_string(),
                date: date.to_string(),
                region: region.to_string(),
                service: service.to_string(),
                key,
                mac,
            };
            let out = f(&entry);
            cache.insert(0, entry);
            Some(out)
        })
        .ok()
        .flatten()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this never fails; the match only avoids an `expect`.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

/// Path normalised as botocore does (RFC 3986 dot-segment removal, empty segments dropped, a
/// trailing slash kept), then each byte outside the unreserved set and `/` percent-encoded.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len().saturating_add(8));
    out.push('/');
    out.push_str(&segments.iter().map(|s| uri_encode(s)).collect::<Vec<_>>().join("/"));
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (uri_encode_decoded(k), uri_encode_decoded(v))
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(query.len());
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut merged: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        let name = name.trim().to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match merged.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(&value);
            }
            None => merged.push((name, value)),
        }
    }
    // Stable sort: repeated names were already merged in arrival order.
    merged.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical = String::new();
    for (n, v) in &merged {
        canonical.push_str(n);
        canonical.push(':');
        canonical.push_str(v);
        canonical.push('\n');
    }
    let signed = merged
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (canonical, signed)
}

/// Decodes `%XX` escapes (not `+`: SigV4 treats it as a literal plus), then encodes for SigV4.
fn uri_encode_decoded(s: &str) -> String {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(s).collect();
    uri_encode_bytes(&bytes)
}

/// SigV4 `UriEncode`: everything but `A-Z a-z 0-9 - _ . ~` as upper-case `%XX`.
pub fn uri_encode(s: &str) -> String {
    uri_encode_bytes(s.as_bytes())
}

fn uri_encode_bytes(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 0x0f] {
                out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        }
    }
    out
}

/// What API Gateway says of an incoming `Authorization` header that is not a complete SigV4
/// header, when it answers with `IncompleteSignatureException` (README: "Behaviour", Routing: an
/// unknown route requested with such a header gets this instead of Missing Authentication Token).
/// `None`: the header has the shape of a SigV4 header (`AWS4-HMAC-SHA256 Credential=...,
/// SignedHeaders=..., Signature=...`).
///
/// AWS reads the header as `<algorithm> key=value, key=value...`: a part without `=` gives the
/// recorded "missing equal-sign" message with the header's SHA-256 in base64; otherwise each
/// missing parameter is named, as AWS's answers to `Basic <base64>=` headers do (users' captures).
pub fn incomplete_signature(authorization: &str, has_date: bool) -> Option<String> {
    use base64::Engine as _;
    let value = authorization.trim();
    let rest = value.split_once(' ').map(|(_, r)| r).unwrap_or("");
    let pairs: Vec<&str> = rest.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if pairs.iter().any(|p| !p.contains('=')) {
        let digest = Sha256::digest(authorization.as_bytes());
        let hashed = base64::engine::general_purpose::STANDARD.encode(digest);
        return Some(format!(
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{hashed}'."
        ));
    }
    let has = |key: &str| pairs.iter().any(|p| p.split_once('=').is_some_and(|(k, _)| k.trim() == key));
    let mut missing = String::new();
    for key in ["Credential", "Signature", "SignedHeaders"] {
        if !has(key) {
            missing.push_str(&format!("Authorization header requires '{key}' parameter. "));
        }
    }
    if !has_date {
        missing.push_str("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
    }
    if missing.is_empty() {
        return None;
    }
    Some(format!("{missing}Authorization={value}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::type_complexity)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    // 2015-08-30T12:36:00Z, the date of AWS's SigV4 test suite.
    const SUITE_MS: u64 = 1_440_938_160_000;
    const SCOPE: &str = "20150830/us-east-1/service/aws4_request";
    const EMPTY_SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    struct Vector {
        name: &'static str,
        method: &'static str,
        path: &'static str,
        query: &'static str,
        /// Request headers without X-Amz-Date (`sign` adds it).
        headers: &'static [(&'static str, &'static str)],
        body: &'static str,
        creq: &'static str,
        sts_hash: &'static str,
        signature: &'static str,
        signed_headers: &'static str,
    }

    // Cases from AWS's Signature Version 4 test suite (aws-sig-v4-test-suite, service "service",
    // region us-east-1, AKIDEXAMPLE): the request, and the expected canonical request (.creq),
    // string to sign (.sts) and signature (.authz) of each.
    const VECTORS: &[Vector] = &[
        Vector {
            name: "get-vanilla",
            method: "GET",
            path: "/",
            query: "",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "get-vanilla-query-order-key-case",
            method: "GET",
            path: "/",
            query: "Param2=value2&Param1=value1",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "get-unreserved",
            method: "GET",
            path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            query: "",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "get-vanilla-empty-query-key",
            method: "GET",
            path: "/",
            query: "Param1=value1",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "get-header-value-trim",
            method: "GET",
            path: "/",
            query: "",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("My-Header1", " value1"),
                ("My-Header2", " \"a   b   c\""),
            ],
            body: "",
            creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            signed_headers: "host;my-header1;my-header2;x-amz-date",
        },
        Vector {
            name: "get-header-key-duplicate",
            method: "GET",
            path: "/",
            query: "",
            headers: &[
                ("Host", "example.amazonaws.com"),
                ("My-Header1", "value2"),
                ("My-Header1", "value2"),
                ("My-Header1", "value1"),
            ],
            body: "",
            creq: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
            signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
            signed_headers: "host;my-header1;x-amz-date",
        },
        Vector {
            name: "post-vanilla",
            method: "POST",
            path: "/",
            query: "",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "post-x-www-form-urlencoded",
            method: "POST",
            path: "/",
            query: "",
            headers: &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Host", "example.amazonaws.com"),
            ],
            body: "Param1=value1",
            creq: "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            sts_hash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            signed_headers: "content-type;host;x-amz-date",
        },
        Vector {
            name: "get-vanilla-utf8-query",
            method: "GET",
            path: "/",
            query: "\u{1234}=bar",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "post-vanilla-query",
            method: "POST",
            path: "/",
            query: "Param1=value1",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
            signed_headers: "host;x-amz-date",
        },
        Vector {
            name: "get-slashes",
            method: "GET",
            path: "//example//",
            query: "",
            headers: &[("Host", "example.amazonaws.com")],
            body: "",
            creq: "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            sts_hash: "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
            signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
            signed_headers: "host;x-amz-date",
        },
    ];

    fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn suite_creds() -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: SECRET.into(),
            session_token: None,
        }
    }

    // Cached keys are the derived ones, per input, and the cache stays bounded.
    #[test]
    fn cached_keys_match_derivation() {
        let derive = |date: &str, region: &str| signing_key(SECRET, date, region, "service");
        let cached = |date: &str, region: &str| cached_signing_key(SECRET, date, region, "service");
        for _ in 0..2 {
            for region in ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1", "us-west-2"] {
                for date in ["20150830", "20150831"] {
                    assert_eq!(cached(date, region), derive(date, region), "{date} {region}");
                }
            }
        }
        assert_ne!(cached("20150830", "us-east-1"), cached("20150831", "us-east-1"));
        let other_secret = cached_signing_key("other", "20150830", "us-east-1", "service");
        assert_ne!(other_secret, cached("20150830", "us-east-1"));
        KEY_CACHE.with(|c| assert!(c.borrow().len() <= KEY_CACHE_SIZE));
    }

    // Canonical request, string to sign and signature each match AWS's published suite.
    #[test]
    fn aws_test_suite_vectors() {
        for v in VECTORS {
            let mut headers = owned(v.headers);
            headers.push(("X-Amz-Date".into(), "20150830T123600Z".into()));
            let payload_hash = hex::encode(Sha256::digest(v.body.as_bytes()));
            let (creq, signed) = canonical_request(v.method, v.path, v.query, &headers, &payload_hash);
            assert_eq!(creq, v.creq, "{}: canonical request", v.name);
            assert_eq!(signed, v.signed_headers, "{}", v.name);
            let sts = string_to_sign("20150830T123600Z", SCOPE, &creq);
            assert_eq!(
                sts,
                format!("AWS4-HMAC-SHA256\n20150830T123600Z\n{SCOPE}\n{}", v.sts_hash),
                "{}: string to sign",
                v.name
            );
            assert_eq!(
                signature(SECRET, "20150830", "us-east-1", "service", &sts),
                v.signature,
                "{}: signature",
                v.name
            );
        }
    }

    // `sign` adds x-amz-date itself and gives the suite's Authorization header.
    #[test]
    fn sign_produces_suite_authorization() {
        for v in VECTORS {
            let out = sign(
                v.method,
                v.path,
                v.query,
                &owned(v.headers),
                v.body.as_bytes(),
                "service",
                "us-east-1",
                &suite_creds(),
                SUITE_MS,
            );
            assert_eq!(out.len(), 2, "{}", v.name);
            assert_eq!(out[0], ("x-amz-date".into(), "20150830T123600Z".into()));
            assert_eq!(
                out[1].1,
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{SCOPE}, SignedHeaders={}, Signature={}",
                    v.signed_headers, v.signature
                ),
                "{}",
                v.name
            );
        }
    }

    // post-sts-header-before: the session token is a signed header.
    #[test]
    fn session_token_is_signed() {
        let token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
        let creds = Credentials {
            session_token: Some(token.into()),
            ..suite_creds()
        };
        let out = sign(
            "POST",
            "/",
            "",
            &owned(&[("Host", "example.amazonaws.com")]),
            b"",
            "service",
            "us-east-1",
            &creds,
            SUITE_MS,
        );
        assert_eq!(out[1], ("x-amz-security-token".into(), token.into()));
        assert_eq!(
            out[2].1,
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{SCOPE}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")
        );
    }

    // The paths of the suite's normalize-path group, and the Lambda ARN double encoding.
    #[test]
    fn canonical_uri_rules() {
        let rows = [
            ("/", "/"),
            ("", "/"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/example/", "/example/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("//example//", "/example/"),
            ("/example space/", "/example%20space/"),
            ("/ሴ", "/%E1%88%B4"),
            (
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations",
                "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Amy-fn/invocations",
            ),
        ];
        for (path, want) in rows {
            assert_eq!(canonical_uri(path), want, "{path:?}");
        }
    }

    #[test]
    fn canonical_query_rules() {
        let rows = [
            ("", ""),
            ("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"),
            ("Param1", "Param1="),
            ("Param1=", "Param1="),
            ("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
             "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            ("ሴ=bar", "%E1%88%B4=bar"),
            ("a=b%20c&a=b+c", "a=b%20c&a=b%2Bc"),
            ("Qualifier=%24LATEST", "Qualifier=%24LATEST"),
        ];
        for (q, want) in rows {
            assert_eq!(canonical_query(q), want, "{q:?}");
        }
    }

    // Caller-supplied auth headers are replaced, not signed twice.
    #[test]
    fn stale_auth_headers_are_ignored() {
        let headers = owned(&[
            ("Host", "example.amazonaws.com"),
            ("Authorization", "old"),
            ("X-Amz-Date", "19700101T000000Z"),
        ]);
        let out = sign("POST", "/", "", &headers, b"", "service", "us-east-1", &suite_creds(), SUITE_MS);
        assert!(out[1].1.ends_with("Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
        assert_eq!(EMPTY_SHA.len(), 64);
    }

    // A header that is not key=value pairs, with AWS's hash of it (README: "Behaviour", Routing).
    #[test]
    fn incomplete_signature_missing_equal_sign() {
        use base64::Engine as _;
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"Bearer x"));
        assert_eq!(
            incomplete_signature("Bearer x", false).unwrap(),
            format!("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{expected}'.")
        );
    }

    // key=value pairs that are not a SigV4 header name what is missing; a complete one is None.
    #[test]
    fn incomplete_signature_missing_parameters() {
        assert_eq!(
            incomplete_signature("Basic YWJjOmRlZg==", false).unwrap(),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. \
             Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either \
             a 'X-Amz-Date' or a 'Date' header. Authorization=Basic YWJjOmRlZg=="
        );
        let full = "AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/execute-api/aws4_request, \
                    SignedHeaders=host;x-amz-date, Signature=abcd";
        assert_eq!(incomplete_signature(full, true), None);
        assert!(incomplete_signature(full, false).unwrap().starts_with("Authorization header requires existence"));
    }
}
