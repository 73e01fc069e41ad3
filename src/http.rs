//! Plain HTTP request/response values shared by the core modules.


/// A request as the filter sees it: Envoy gives lower-cased header names.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `:method`, as sent.
    pub method: String,
    /// `:path`, raw, including the query string.
    pub path: String,
    /// Header names lower-cased (Envoy's codecs do that), in arrival order, repeats kept.
    pub headers: Vec<(String, String)>,
    /// The whole body (empty when none was sent).
    pub body: Vec<u8>,
    /// The downstream peer address, without the port.
    pub source_ip: String,
    /// `$context.requestId`: a UUID made by the adapter.
    pub request_id: String,
    /// `$context.extendedRequestId`: the request's `x-amz-apigw-id`, which AWS sends back with the
    /// same value (README: "Behaviour"). Made by the adapter.
    pub extended_request_id: String,
    /// Milliseconds since the Unix epoch when the request arrived.
    pub now_ms: u64,
}

impl Request {
    /// First value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        match self.path.split_once('?') {
            Some((p, _)) => p,
            None => &self.path,
        }
    }

    /// The raw query string (after `?`), empty when there is none.
    pub fn raw_query(&self) -> &str {
        match self.path.split_once('?') {
            Some((_, q)) => q,
            None => "",
        }
    }
}

/// A complete response the filter sends itself (local reply).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    pub status: u16,
    /// Header names as they should go out; repeats are kept (several `set-cookie`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets a header, replacing any value of the same name (case-insensitive).
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
}
