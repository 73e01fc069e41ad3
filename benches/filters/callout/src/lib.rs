//! Benchmark floor for AWS_PROXY (scenario L3's floor, "callout"): the host work a Lambda proxy
//! integration cannot avoid and nothing else. It reads the request header map and the caller's
//! address (the event's `sourceIp`), sends one `dispatch_http_call` to the Invoke API with a fixed
//! event of the size the gateway builds for the same request (given in the configuration) and
//! signature-shaped headers of fixed values (no SHA-256 in the VM), then answers with one local
//! reply built from the answer: its body read (one host call) and the Lambda proxy answer's
//! `body` string taken out by a plain scan (no JSON parser).
//!
//! Plugin configuration: four lines, `cluster`, `:authority`, `:path`, the fixed timestamp, then
//! the event (the rest, as is).

use std::rc::Rc;
use std::time::Duration;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { call: Rc::new(Call::default()) }) });
}}

#[derive(Default)]
struct Call {
    cluster: String,
    authority: String,
    path: String,
    date: String,
    authorization: String,
    event: Vec<u8>,
}

struct Root {
    call: Rc<Call>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _: usize) -> bool {
        let config = self.get_plugin_configuration().unwrap_or_default();
        let text = String::from_utf8_lossy(&config);
        let mut parts = text.splitn(5, '\n');
        let mut next = || parts.next().unwrap_or_default().to_string();
        let (cluster, authority, path, date, event) = (next(), next(), next(), next(), next());
        // The shape of a SigV4 Authorization header for the lambda service (a fixed signature).
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE0000/{}/us-east-1/lambda/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={}",
            date.get(..8).unwrap_or("20250101"),
            "0".repeat(64)
        );
        self.call = Rc::new(Call { cluster, authority, path, date, authorization, event: event.into_bytes() });
        true
    }

    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Callout { call: self.call.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Callout {
    call: Rc<Call>,
}

impl Context for Callout {
    fn on_http_call_response(&mut self, _: u32, _: usize, body_size: usize, _: usize) {
        let answer = self.get_http_call_response_body(0, body_size).unwrap_or_default();
        let body = lambda_body(&answer).unwrap_or(b"");
        self.send_http_response(
            200,
            vec![("content-type", "application/json"), ("x-amzn-RequestId", "c0ffee00-0000-4000-8000-000000000000")],
            Some(body),
        );
    }
}

/// The `body` string of a Lambda proxy answer whose body holds no escapes (`"body":"…"` up to the
/// next quote).
fn lambda_body(answer: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"\"body\":\"";
    let start = answer.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let len = answer.get(start..)?.iter().position(|&b| b == b'"')?;
    answer.get(start..start + len)
}

impl HttpContext for Callout {
    fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
        let headers = self.get_http_request_headers();
        let source = self.get_property(vec!["source", "address"]);
        std::hint::black_box((&headers, &source));
        let c = &self.call;
        let sent = self.dispatch_http_call(
            &c.cluster,
            vec![
                (":method", "POST"),
                (":path", &c.path),
                (":authority", &c.authority),
                ("content-type", "application/json"),
                ("x-amz-date", &c.date),
                ("authorization", &c.authorization),
            ],
            Some(&c.event),
            vec![],
            Duration::from_secs(29),
        );
        if sent.is_err() {
            self.send_http_response(500, vec![("content-type", "application/json")], Some(b"{}"));
        }
        Action::Pause
    }
}
