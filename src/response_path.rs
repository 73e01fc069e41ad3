//! The response path, host-independent: what happens to each answer on its way to the client and
//! to each callout's answer, decided here so that it is tested natively. The adapter reads what
//! the host gives (status, headers, `response.code_details`, body sizes), calls these functions and
//! applies what they return; it decides nothing itself.
//!
//! One [`ResponsePath`] lives per request. It remembers what the later callbacks need: the
//! request's `x-amz-apigw-id`, whether the filter answered itself, the Content-Type Envoy drops
//! from an empty local reply, and a body that replaces Envoy's own on a proxied request.

use crate::context::APIGW_ID_HEADER;
use crate::gateway::{Gateway, HeadEdit, Reply, Routed};
use crate::http::{Request, Response};

/// The request id header every answer of the gateway carries (README: "Behaviour", Gateway responses).
const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// What the response path remembers of one request between the host's callbacks.
#[derive(Debug, Default)]
pub struct ResponsePath {
    /// This request's `x-amz-apigw-id`; empty when the filter did not take the request (no
    /// configuration), so that nothing is added to answers it never saw.
    apigw_id: String,
    /// Whether the filter sent a local reply (which carries the id already).
    replied: bool,
    /// Envoy drops `content-type` from a local reply without a body; AWS sends it
    /// (`application/json` on an empty MOCK or Lambda answer), so it is put back when our own
    /// reply passes through the response headers.
    empty_reply_content_type: Option<String>,
    /// A gateway response replacing an Envoy-made error on a proxied request, sent as the body.
    replacement_body: Option<Vec<u8>>,
    /// The status of the answer on its way to the client, once known (the metrics' 4XXError and
    /// 5XXError, `crate::metrics`).
    status: Option<u16>,
}

/// A local reply ready for the host, and the line to log when it is an error worth logging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReply {
    pub response: Response,
    pub log: Option<String>,
}

/// How the response head must change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadChange {
    /// A few single-header edits, in order: cheaper than rewriting the map when little changes.
    Edits(Vec<HeadEdit>),
    /// The whole head, pseudo-headers included, in one host call (most of the map changes).
    Replace(Vec<(String, String)>),
}

/// The response head's change, and the line to log when Envoy's own answer was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadPlan {
    pub change: HeadChange,
    pub log: Option<String>,
}

/// What to do with a chunk of the response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStep {
    /// Let it through.
    Continue,
    /// Hold it: the whole body is about to be replaced at its end.
    Pause,
    /// Replace the whole buffered body with this, then let it through.
    Replace(Vec<u8>),
}

/// Whether a proxied answer's `response.code_details` must be read to judge it: Envoy's own
/// answers (timeout, connection failure, broken upstream) are all 4xx/5xx, and the read is a host
/// call, so a success skips it. A status that is not a number is read to be safe.
pub fn needs_details(status: &str) -> bool {
    status.parse::<u16>().map_or(true, |s| s >= 400)
}

fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl ResponsePath {
    /// The state of a request the filter took, with its `x-amz-apigw-id`.
    pub fn new(apigw_id: String) -> ResponsePath {
        ResponsePath { apigw_id, ..ResponsePath::default() }
    }

    pub fn apigw_id(&self) -> &str {
        &self.apigw_id
    }

    /// The status the client gets, when known: the filter's own reply, or a proxied answer's head.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether an answer's status is still unknown: Envoy's own answer to a request the filter
    /// neither answered nor forwarded (413 past the buffer limit, a timeout), which the adapter
    /// then reads and gives to [`saw_status`](Self::saw_status).
    pub fn status_unknown(&self) -> bool {
        self.status.is_none() && !self.apigw_id.is_empty()
    }

    pub fn saw_status(&mut self, status: u16) {
        self.status = Some(status);
    }

    /// A reply the filter sends itself: the request's `x-amz-apigw-id` is set on it (set, not
    /// added: a mapped or function-made header of that name gives way to the gateway's), and an
    /// empty reply's Content-Type is remembered for [`local_head`](Self::local_head).
    pub fn local_reply(&mut self, reply: Reply) -> LocalReply {
        let mut response = reply.response;
        self.replied = true;
        self.status = Some(response.status);
        response.set_header(APIGW_ID_HEADER, &self.apigw_id);
        if response.body.is_empty() {
            self.empty_reply_content_type = response.header("content-type").map(str::to_string);
        }
        LocalReply { response, log: reply.log }
    }

    /// The head of an answer to a proxied (HTTP_PROXY) request. `received` is the head as the host
    /// has it, pseudo-headers included; `details` reads `response.code_details`, called only when
    /// [`needs_details`] says so.
    ///
    /// - Envoy's own answer (judged by its details, never by status or body) becomes AWS's gateway
    ///   response. Its body replaces Envoy's at the end of the stream ([`body`](Self::body));
    ///   Envoy would not fix Content-Length there, so it is set here to the replacement's length,
    ///   as AWS frames its answer (README: "HTTP, HTTP_PROXY and AWS services", upstream failures).
    /// - The backend's answer keeps its status and body; its headers go as AWS passes them
    ///   (Connection, Content-Length, Date, Server and x-amzn-RequestId remapped; README: "HTTP,
    ///   HTTP_PROXY and AWS services"), with the gateway's own x-amzn-RequestId and x-amz-apigw-id.
    pub fn proxied_head(
        &mut self,
        gateway: &Gateway,
        routed: &Routed,
        request: &Request,
        received: &[(String, String)],
        details: impl FnOnce() -> String,
    ) -> HeadPlan {
        let status = first(received, ":status").unwrap_or("");
        self.status = status.parse().ok();
        let details = if needs_details(status) { details() } else { String::new() };
        let mut log = None;
        let mut head: Vec<(String, String)>;
        if let Some(failure) = crate::integration::aws_proxy::classify_details(&details) {
            let reply = gateway.on_proxy_failure(routed, request, failure, &details);
            log = reply.log;
            head = self.replacement(reply.response);
        } else {
            let pass: Vec<(String, String)> = received.iter().filter(|(k, _)| !k.starts_with(':')).cloned().collect();
            let out = crate::integration::proxy_response_headers(&pass);
            if out == pass {
                // Nothing to remap: two single edits cost less than rewriting the map.
                let edits = vec![
                    HeadEdit::Set(REQUEST_ID_HEADER.to_string(), request.request_id.clone()),
                    HeadEdit::Set(APIGW_ID_HEADER.to_string(), self.apigw_id.clone()),
                ];
                return HeadPlan { change: HeadChange::Edits(edits), log };
            }
            head = received.iter().filter(|(k, _)| k.starts_with(':')).cloned().collect();
            head.extend(out);
            head.push((REQUEST_ID_HEADER.to_string(), request.request_id.clone()));
        }
        head.retain(|(k, _)| !k.eq_ignore_ascii_case(APIGW_ID_HEADER));
        head.push((APIGW_ID_HEADER.to_string(), self.apigw_id.clone()));
        HeadPlan { change: HeadChange::Replace(head), log }
    }

    /// Envoy's answer becomes `response`: its head (Content-Length set to the replacement's
    /// length, as Envoy would not fix it), the body kept for [`body`](Self::body).
    fn replacement(&mut self, response: Response) -> Vec<(String, String)> {
        self.status = Some(response.status);
        let mut head = vec![(":status".to_string(), response.status.to_string())];
        head.extend(response.headers.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-length")));
        head.push(("content-length".to_string(), response.body.len().to_string()));
        self.replacement_body = Some(response.body);
        head
    }

    /// Global mode by Envoy's `ratelimit` filter (README: "Throttling"): the head of the answer
    /// to a request handed over to that filter and never taken up after it. Its 429
    /// (`x-envoy-ratelimited`) becomes AWS's THROTTLED or QUOTA_EXCEEDED gateway response, whose
    /// body replaces Envoy's (the listener's local reply mapper gives Envoy's 429 a body to
    /// replace); any other answer (a stream reset, a timeout) keeps its status with the ids set.
    pub fn rate_limited_head(
        &mut self,
        gateway: &Gateway,
        routed: &Routed,
        request: &Request,
        received: &[(String, String)],
    ) -> HeadChange {
        let refused = first(received, ":status") == Some("429") && first(received, "x-envoy-ratelimited").is_some();
        let reply = if refused {
            gateway.on_rate_limited(routed, request, first(received, "x-ratelimit-limit"))
        } else {
            None
        };
        let Some(reply) = reply else {
            self.status = first(received, ":status").and_then(|s| s.parse().ok());
            self.replied = false;
            return HeadChange::Edits(self.local_head());
        };
        let mut head = self.replacement(reply.response);
        head.retain(|(k, _)| !k.eq_ignore_ascii_case(APIGW_ID_HEADER));
        head.push((APIGW_ID_HEADER.to_string(), self.apigw_id.clone()));
        HeadChange::Replace(head)
    }

    /// The head of an answer that was not proxied: the filter's own local reply (its dropped
    /// Content-Type put back), or an answer Envoy made itself for a request the filter took (413
    /// past the buffer limit, a stream timeout), which is the gateway's answer too and gets the id.
    pub fn local_head(&mut self) -> Vec<HeadEdit> {
        let mut edits = Vec::new();
        if let Some(ct) = self.empty_reply_content_type.take() {
            edits.push(HeadEdit::Set("content-type".to_string(), ct));
        }
        if !self.replied && !self.apigw_id.is_empty() {
            edits.push(HeadEdit::Set(APIGW_ID_HEADER.to_string(), self.apigw_id.clone()));
        }
        edits
    }

    /// A chunk of the response body: held until its end when a replacement is waiting, then replaced.
    pub fn body(&mut self, end_of_stream: bool) -> BodyStep {
        if self.replacement_body.is_none() {
            return BodyStep::Continue;
        }
        if !end_of_stream {
            return BodyStep::Pause;
        }
        match self.replacement_body.take() {
            Some(body) => BodyStep::Replace(body),
            None => BodyStep::Continue,
        }
    }
}

/// A callout's answer as the host delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallAnswer {
    /// 0: the call ended without a response.
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl CallAnswer {
    /// From `on_http_call_response`: `read` fetches the headers and body, and is not called when
    /// the host reports no headers, which means the call was reset (a reply over Envoy's 32 MiB
    /// callout limit; README: "HTTP, HTTP_PROXY and AWS services", upstream failures). Envoy's own
    /// failures (refused: 503, timeout: 504) arrive as answers and are judged by
    /// [`Gateway::on_call_response`].
    pub fn read(num_headers: usize, read: impl FnOnce() -> (Vec<(String, String)>, Vec<u8>)) -> CallAnswer {
        if num_headers == 0 {
            return CallAnswer { status: 0, headers: Vec::new(), body: b"the call was reset".to_vec() };
        }
        let (headers, body) = read();
        let status = first(&headers, ":status").and_then(|v| v.parse::<u16>().ok()).unwrap_or(0);
        CallAnswer { status, headers, body }
    }

    /// The host refused to dispatch the call (unknown cluster, missing pseudo-header): no response,
    /// and the reason for the log.
    pub fn not_sent(cluster: &str, why: &str) -> CallAnswer {
        CallAnswer {
            status: 0,
            headers: Vec::new(),
            body: format!("dispatch to cluster {cluster:?} failed: {why}").into_bytes(),
        }
    }
}

impl Gateway {
    /// A callout's answer (or its absence) -> the client response.
    pub fn on_call_answer(
        &self,
        routed: &Routed,
        request: &Request,
        state: Option<Box<crate::gateway::CallState>>,
        answer: &CallAnswer,
    ) -> Reply {
        self.on_call_response(routed, request, state, answer.status, &answer.headers, &answer.body)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::gateway::Start;

    const ID: &str = "AbCdEfGhIjKlMnO=";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn set(k: &str, v: &str) -> HeadEdit {
        HeadEdit::Set(k.into(), v.into())
    }

    fn gateway() -> Gateway {
        let config = serde_json::json!({
            "api": {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {
                "/proxy/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "ANY", "uri": "http://backend:8080/{proxy}",
                    "timeoutInMillis": 1000}}}}},
            "targets": {"http": {"http://backend:8080": "backend"}},
        });
        Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
    }

    fn proxied(g: &Gateway) -> (Routed, Request) {
        let request = Request {
            method: "GET".into(),
            path: "/proxy/x".into(),
            request_id: "11111111-2222-4333-8444-555555555555".into(),
            headers: pairs(&[(":method", "GET"), (":path", "/proxy/x"), (":authority", "gw")]),
            ..Request::default()
        };
        match g.start(0, &request) {
            Start::Routed(routed) => (routed, request),
            Start::Respond(r) => panic!("not routed: {r:?}"),
        }
    }

    fn envoy_made(status: &str, length: &str) -> Vec<(String, String)> {
        pairs(&[(":status", status), ("content-length", length), ("content-type", "text/plain")])
    }

    // A local reply carries the request's id, replacing one a template or function set; an empty
    // one's Content-Type comes back when the head passes, once, and no second id is added.
    #[test]
    fn local_reply_gets_the_id_and_keeps_its_empty_content_type() {
        let mut path = ResponsePath::new(ID.into());
        let reply = Reply {
            response: Response { status: 200, headers: pairs(&[("content-type", "application/json"),
                ("X-Amz-Apigw-Id", "mine")]), body: Vec::new() },
            log: Some("why".into()),
        };
        let out = path.local_reply(reply);
        assert_eq!(out.response.headers, pairs(&[("content-type", "application/json"), (APIGW_ID_HEADER, ID)]));
        assert_eq!(out.log.as_deref(), Some("why"));
        assert_eq!(path.local_head(), vec![set("content-type", "application/json")]);
        assert_eq!(path.local_head(), vec![]);
    }

    // A reply with a body keeps its Content-Type through Envoy: nothing to restore.
    #[test]
    fn local_reply_with_body_needs_no_head_edit() {
        let mut path = ResponsePath::new(ID.into());
        let reply = Reply {
            response: Response { status: 403, headers: pairs(&[("content-type", "application/json")]),
                body: b"{}".to_vec() },
            log: None,
        };
        path.local_reply(reply);
        assert_eq!(path.local_head(), vec![]);
    }

    // Envoy's own answer for a request the filter took (413 past the buffer limit) gets the id;
    // a request the filter never took (no configuration) gets nothing.
    #[test]
    fn envoys_own_answer_gets_the_id() {
        assert_eq!(ResponsePath::new(ID.into()).local_head(), vec![set(APIGW_ID_HEADER, ID)]);
        assert_eq!(ResponsePath::default().local_head(), vec![]);
    }

    // Details are read only for statuses Envoy could have made itself.
    #[test]
    fn details_only_for_errors() {
        for (status, want) in [("200", false), ("304", false), ("399", false), ("400", true), ("502", true),
                               ("", true), ("x", true)] {
            assert_eq!(needs_details(status), want, "{status}");
        }
    }

    // A backend answer with nothing to remap: two edits, and details are never read for a 200.
    #[test]
    fn proxied_success_without_remapping_is_two_edits() {
        let g = gateway();
        let (routed, request) = proxied(&g);
        let mut path = ResponsePath::new(ID.into());
        let received = pairs(&[(":status", "200"), ("content-type", "text/plain"), ("x-backend", "1")]);
        let plan = path.proxied_head(&g, &routed, &request, &received, || panic!("details read for a 200"));
        assert_eq!(plan, HeadPlan {
            change: HeadChange::Edits(vec![set("x-amzn-RequestId", &request.request_id), set(APIGW_ID_HEADER, ID)]),
            log: None,
        });
        assert_eq!(path.body(true), BodyStep::Continue);
    }

    // README: "HTTP, HTTP_PROXY and AWS services": Connection, Content-Length, Date, Server and
    // x-amzn-RequestId come back as x-amzn-Remapped-*, Content-Length stays, a missing Content-Type
    // becomes application/json, Transfer-Encoding goes; the gateway's id and request id are added,
    // a backend's apigw id gives way.
    #[test]
    fn proxied_success_remaps_reserved_headers() {
        let g = gateway();
        let (routed, request) = proxied(&g);
        let mut path = ResponsePath::new(ID.into());
        let received = pairs(&[
            (":status", "200"), ("connection", "keep-alive"), ("content-length", "5"),
            ("date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("server", "BackendServer/2"),
            ("x-amzn-requestid", "backend-request-id"), ("transfer-encoding", "chunked"), ("x-other", "o"),
            ("x-amz-apigw-id", "backend"),
        ]);
        let plan = path.proxied_head(&g, &routed, &request, &received, String::new);
        assert_eq!(plan.log, None);
        assert_eq!(plan.change, HeadChange::Replace(pairs(&[
            (":status", "200"),
            ("x-amzn-Remapped-Connection", "keep-alive"),
            ("content-length", "5"),
            ("x-amzn-Remapped-Content-Length", "5"),
            ("x-amzn-Remapped-Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
            ("x-amzn-Remapped-Server", "BackendServer/2"),
            ("x-amzn-Remapped-x-amzn-RequestId", "backend-request-id"),
            ("x-other", "o"),
            ("content-type", "application/json"),
            ("x-amzn-RequestId", &request.request_id),
            (APIGW_ID_HEADER, ID),
        ])));
        assert_eq!(path.body(true), BodyStep::Continue);
    }

    // The backend's own 502 (details via_upstream) is its answer, whatever its body says.
    #[test]
    fn proxied_backend_502_is_its_answer() {
        let g = gateway();
        let (routed, request) = proxied(&g);
        let mut path = ResponsePath::new(ID.into());
        let plan = path.proxied_head(&g, &routed, &request, &envoy_made("502", "87"), || "via_upstream".into());
        let HeadChange::Replace(head) = plan.change else { panic!("{plan:?}") };
        assert_eq!(first(&head, ":status"), Some("502"));
        assert_eq!(first(&head, "x-amzn-Remapped-Content-Length"), Some("87"));
        assert_eq!(path.body(true), BodyStep::Continue);
    }

    // Envoy's timeout and connection failure become AWS's 504 and 502, framed by the replacement's
    // Content-Length; the body waits for the end of the stream, then replaces Envoy's.
    #[test]
    fn proxied_envoy_failures_become_gateway_responses() {
        let g = gateway();
        let (routed, request) = proxied(&g);
        for (status, details, want_status, body) in [
            ("504", "upstream_response_timeout", "504", &b"{\"message\": \"Endpoint request timed out\"}"[..]),
            ("503", "upstream_reset_before_response_started{connection_failure}", "502",
             &b"{\"message\": \"Internal server error\"}"[..]),
            ("502", "upstream_reset_before_response_started{protocol_error}", "502",
             &b"{\"message\": \"Internal server error\"}"[..]),
        ] {
            let mut path = ResponsePath::new(ID.into());
            let plan = path.proxied_head(&g, &routed, &request, &envoy_made(status, "24"), || details.into());
            assert!(plan.log.is_some(), "{details}");
            let length = body.len().to_string();
            assert_eq!(plan.change, HeadChange::Replace(pairs(&[
                (":status", want_status),
                ("content-type", "application/json"),
                ("x-amzn-ErrorType", "InternalServerErrorException"),
                ("x-amzn-RequestId", &request.request_id),
                ("content-length", &length),
                (APIGW_ID_HEADER, ID),
            ])), "{details}");
            assert_eq!(path.body(false), BodyStep::Pause);
            assert_eq!(path.body(true), BodyStep::Replace(body.to_vec()));
            assert_eq!(path.body(true), BodyStep::Continue);
        }
    }

    // Another filter's own answer (ext_authz) is not the router's failure: it passes as it is.
    #[test]
    fn other_filters_answers_pass() {
        let g = gateway();
        let (routed, request) = proxied(&g);
        let mut path = ResponsePath::new(ID.into());
        let received = pairs(&[(":status", "403"), ("content-type", "text/plain")]);
        let plan = path.proxied_head(&g, &routed, &request, &received, || "ext_authz_denied".into());
        assert!(matches!(plan.change, HeadChange::Edits(_)), "{plan:?}");
    }

    // The status the client gets, for the metrics: the filter's reply's, a proxied answer's, the
    // gateway response replacing Envoy's failure, else unknown until the adapter reads Envoy's own.
    #[test]
    fn the_status_the_client_gets() {
        let g = gateway();
        let (routed, request) = proxied(&g);
        let mut path = ResponsePath::new(ID.into());
        assert!(path.status_unknown());
        path.local_reply(Reply { response: Response { status: 429, headers: Vec::new(), body: Vec::new() }, log: None });
        assert_eq!((path.status(), path.status_unknown()), (Some(429), false));
        let mut path = ResponsePath::new(ID.into());
        path.proxied_head(&g, &routed, &request, &pairs(&[(":status", "201")]), String::new);
        assert_eq!(path.status(), Some(201));
        let mut path = ResponsePath::new(ID.into());
        path.proxied_head(&g, &routed, &request, &envoy_made("503", "10"),
                          || "upstream_reset_before_response_started{connection_failure}".into());
        assert_eq!(path.status(), Some(502));
        let mut path = ResponsePath::new(ID.into());
        path.saw_status(413);
        assert_eq!(path.status(), Some(413));
        // A request the filter never took: nothing to read.
        assert!(!ResponsePath::default().status_unknown());
    }

    // No headers: the call was reset and nothing is read. Otherwise the status comes from :status
    // (0 when it is not a number).
    #[test]
    fn call_answers() {
        let reset = CallAnswer::read(0, || panic!("read after a reset"));
        assert_eq!((reset.status, reset.body.as_slice()), (0, &b"the call was reset"[..]));
        let got = CallAnswer::read(2, || (pairs(&[(":status", "504"), ("content-length", "24")]), b"upstream request timeout".to_vec()));
        assert_eq!(got.status, 504);
        assert_eq!(got.body, b"upstream request timeout");
        assert_eq!(CallAnswer::read(1, || (pairs(&[(":status", "abc")]), Vec::new())).status, 0);
        let refused = CallAnswer::not_sent("nowhere", "BadArgument");
        assert_eq!((refused.status, refused.body.as_slice()), (0, &b"dispatch to cluster \"nowhere\" failed: BadArgument"[..]));
    }
}
