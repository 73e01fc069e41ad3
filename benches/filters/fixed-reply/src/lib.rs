//! Benchmark baseline (b'): the floor cost of any wasm local reply. Every request is answered
//! from `on_http_request_headers` with one fixed `send_http_response`, nothing read from the host.

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root) });
}}

struct Root;

impl Context for Root {}

impl RootContext for Root {
    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(FixedReply))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct FixedReply;

impl Context for FixedReply {}

impl HttpContext for FixedReply {
    fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
        // Without a content type Envoy would add text/plain (README: "Behaviour", MOCK and CORS).
        self.send_http_response(200, vec![("content-type", "application/json")], Some(b"{}"));
        Action::Pause
    }
}
