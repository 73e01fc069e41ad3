//! API Gateway's header rules, each list once (issue 12, item 3). Every name is lower-case: Envoy
//! hands the filter lower-cased names (README: "Behaviour", Headers), and callers compare with
//! `eq_ignore_ascii_case` or lower-case first. Each list names the README section that states it;
//! a list that is this gateway's own choice says `[open]`.

/// Request headers API Gateway never passes on: absent from the 1.0 proxy event (README: "Lambda
/// proxy (AWS_PROXY)") and "" in templates' `$input.params` (README: "Mapping templates (VTL)";
/// Accept, Authorization, Content-Type, Host, Via and the rest stay visible).
/// Request headers Envoy's connection manager adds itself when it sees the caller's address
/// (`use_remote_address`, which the generated configs set): they were never the client's, and
/// Envoy removes client-sent ones at the edge, so the filter reads the request without them
/// (README: "Resource policies").
pub const ENVOY_ADDED_REQUEST_HEADERS: &[&str] = &["x-envoy-external-address", "x-envoy-internal"];

pub const DROPPED_REQUEST_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "www-authenticate",
];

/// Request headers left out of a payload 2.0 event: the hop-by-hop ones. HTTP APIs keep
/// `content-length` (AWS's own 2.0 examples show it), and `cookie` moves to the event's `cookies`
/// list. [open: AWS's HTTP API documentation, not recorded]
pub const EVENT_V2_DROPPED_REQUEST_HEADERS: &[&str] = &[
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "cookie",
];

/// Names a payload 1.0 event writes in AWS's casing whatever the client sent (README:
/// "Behaviour", Headers: `Authorization` and `User-Agent`); every other client header
/// keeps the name the filter received.
pub const EVENT_V1_CASED_REQUEST_HEADERS: &[(&str, &str)] = &[("authorization", "Authorization"), ("user-agent", "User-Agent")];

/// The `X-Forwarded-*` headers API Gateway adds to the event (README: "Lambda proxy (AWS_PROXY)"),
/// in the order they are written: payload 1.0 names, AWS's casing.
pub const EVENT_V1_FORWARDED_HEADERS: [&str; 3] = ["X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"];

/// The same for payload 2.0, which lower-cases every name.
pub const EVENT_V2_FORWARDED_HEADERS: [&str; 3] = ["x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"];

/// Client headers HTTP_PROXY does not forward to the backend (README: "HTTP, HTTP_PROXY and AWS
/// services").
pub const PROXY_DROPPED_REQUEST_HEADERS: &[&str] = &[
    "connection",
    "content-encoding",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "via",
    "www-authenticate",
];

/// Headers an integration response's `responseParameters` (`method.response.header.X`, MOCK
/// included) cannot set under their own name: they come out as `x-amzn-Remapped-<Name>`
/// (README: "Behaviour", Headers).
pub const REMAPPED_RESPONSE_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
];

/// The header a response mapping or a backend may never set: API Gateway drops it (README:
/// "Behaviour", Headers) and Envoy frames the body itself.
pub const DROPPED_RESPONSE_HEADER: &str = "transfer-encoding";

/// The name a mapped response header goes out under: `None` drops it (Transfer-Encoding), a name in
/// [`REMAPPED_RESPONSE_HEADERS`] becomes `x-amzn-Remapped-<Name>` (README: "Behaviour", Headers).
pub fn mapped_response_header_name(name: &str) -> Option<String> {
    if name.eq_ignore_ascii_case(DROPPED_RESPONSE_HEADER) {
        None
    } else if contains(REMAPPED_RESPONSE_HEADERS, name) {
        Some(format!("x-amzn-Remapped-{name}"))
    } else {
        Some(name.to_string())
    }
}

/// The backend response headers HTTP_PROXY returns as `x-amzn-Remapped-<Name>` (lower-case name,
/// name as AWS writes it); every other one passes as it is (README: "HTTP, HTTP_PROXY and AWS
/// services"; the longer list of mapped headers does not apply to HTTP_PROXY).
pub const PROXY_REMAPPED_RESPONSE_HEADERS: &[(&str, &str)] = &[
    ("connection", "Connection"),
    ("content-length", "Content-Length"),
    ("date", "Date"),
    ("server", "Server"),
    ("x-amzn-requestid", "x-amzn-RequestId"),
];

/// Request mapping targets (`integration.request.header.X`) that every integration type refuses:
/// AWS answers 500 at request time; this gateway refuses the definition at load (README: "HTTP,
/// HTTP_PROXY and AWS services", load-time checks).
pub const RESERVED_REQUEST_MAPPING_TARGETS: &[&str] = &["content-length", "transfer-encoding"];

/// Further request mapping targets refused for AWS (service) integrations (README: "HTTP,
/// HTTP_PROXY and AWS services").
pub const RESERVED_AWS_REQUEST_MAPPING_TARGETS: &[&str] =
    &["authorization", "connection", "expect", "proxy-authenticate", "te"];

/// Whether a request mapping may not set header `name` (README: "HTTP, HTTP_PROXY and AWS
/// services"); `aws`: the integration is of type AWS.
pub fn is_reserved_request_mapping_target(name: &str, aws: bool) -> bool {
    contains(RESERVED_REQUEST_MAPPING_TARGETS, name) || (aws && contains(RESERVED_AWS_REQUEST_MAPPING_TARGETS, name))
}

/// Headers a Lambda proxy function may not set on the client response: the filter sends the body
/// itself and Envoy frames it. [open: AWS records nothing; `lambda_response` documents it]
pub const LAMBDA_FRAMING_HEADERS: &[&str] = &["content-length", "transfer-encoding", "connection"];

/// Headers sent to AWS but left out of the SigV4 signature, as botocore does: intermediaries
/// rewrite them, and verifiers built on botocore (moto) ignore them when they recompute.
pub const UNSIGNED_HEADERS: &[&str] = &["user-agent", "expect", "x-amzn-trace-id"];

/// Headers the SigV4 signer writes itself (`x-amz-date`, the session token, the signature): any a
/// caller passes are ignored, never signed twice (AWS's "Create a signed AWS API request").
pub const SIGV4_OWN_HEADERS: &[&str] = &["x-amz-date", "x-amz-security-token", "authorization"];

/// Whether `name` is in `list` (a list of this module), whatever its casing.
pub fn contains(list: &[&str], name: &str) -> bool {
    list.iter().any(|h| h.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // Every list is lower-case (callers compare lower-cased names with `==`) and has no repeats.
    #[test]
    fn lists_are_lower_case_and_unique() {
        let lists: [&[&str]; 7] = [
            DROPPED_REQUEST_HEADERS,
            EVENT_V2_DROPPED_REQUEST_HEADERS,
            PROXY_DROPPED_REQUEST_HEADERS,
            REMAPPED_RESPONSE_HEADERS,
            RESERVED_REQUEST_MAPPING_TARGETS,
            RESERVED_AWS_REQUEST_MAPPING_TARGETS,
            LAMBDA_FRAMING_HEADERS,
        ];
        for list in lists.iter().chain([&UNSIGNED_HEADERS, &SIGV4_OWN_HEADERS]) {
            for (i, name) in list.iter().enumerate() {
                assert_eq!(*name, name.to_ascii_lowercase());
                assert!(!list.iter().skip(i + 1).any(|n| n == name), "{name} twice");
            }
        }
        for (lower, cased) in PROXY_REMAPPED_RESPONSE_HEADERS.iter().chain(EVENT_V1_CASED_REQUEST_HEADERS) {
            assert_eq!(*lower, cased.to_ascii_lowercase());
        }
    }

    // Which request headers the event and `$input.params` hide, which they show (README: "Lambda
    // proxy (AWS_PROXY)", "Mapping templates (VTL)").
    #[test]
    fn dropped_request_headers_table() {
        for (name, dropped) in [
            ("Connection", true),
            ("Content-Length", true),
            ("Content-MD5", true),
            ("Expect", true),
            ("Max-Forwards", true),
            ("Proxy-Authenticate", true),
            ("Server", true),
            ("TE", true),
            ("Transfer-Encoding", true),
            ("Trailer", true),
            ("Upgrade", true),
            ("WWW-Authenticate", true),
            ("Accept", false),
            ("Authorization", false),
            ("Content-Encoding", false),
            ("Content-Type", false),
            ("Host", false),
            ("User-Agent", false),
            ("Via", false),
        ] {
            assert_eq!(contains(DROPPED_REQUEST_HEADERS, name), dropped, "{name}");
        }
    }

    // HTTP_PROXY drops Via and Content-Encoding too, but forwards Content-Length
    // (README: "HTTP, HTTP_PROXY and AWS services").
    #[test]
    fn proxy_dropped_request_headers_table() {
        for (name, dropped) in [("Via", true), ("Content-Encoding", true), ("Connection", true), ("Content-Length", false), ("Authorization", false)] {
            assert_eq!(contains(PROXY_DROPPED_REQUEST_HEADERS, name), dropped, "{name}");
        }
    }

    // Mapped response headers, remapped, dropped or kept (README: "Behaviour", Headers).
    #[test]
    fn mapped_response_header_names() {
        for (name, out) in [
            ("Date", Some("x-amzn-Remapped-Date")),
            ("content-length", Some("x-amzn-Remapped-content-length")),
            ("WWW-Authenticate", Some("x-amzn-Remapped-WWW-Authenticate")),
            ("Host", Some("x-amzn-Remapped-Host")),
            ("Transfer-Encoding", None),
            ("transfer-encoding", None),
            ("X-Custom", Some("X-Custom")),
            ("Content-Type", Some("Content-Type")),
            ("Access-Control-Allow-Origin", Some("Access-Control-Allow-Origin")),
        ] {
            assert_eq!(mapped_response_header_name(name).as_deref(), out, "{name}");
        }
    }

    // Reserved request mapping targets, by integration type (README: "HTTP, HTTP_PROXY and AWS
    // services").
    #[test]
    fn reserved_request_mapping_targets_table() {
        for (name, any, aws) in [
            ("Content-Length", true, true),
            ("Transfer-Encoding", true, true),
            ("Authorization", false, true),
            ("Connection", false, true),
            ("Expect", false, true),
            ("Proxy-Authenticate", false, true),
            ("TE", false, true),
            ("X-Amz-Invocation-Type", false, false),
            ("Accept", false, false),
        ] {
            assert_eq!(is_reserved_request_mapping_target(name, false), any, "{name}");
            assert_eq!(is_reserved_request_mapping_target(name, true), aws, "{name} (AWS)");
        }
    }
}
