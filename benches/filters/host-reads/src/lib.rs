//! Diagnostic scenario (b'+): the fixed reply of (b') after the one host read the real filter makes
//! for every MOCK or unknown route (the whole request header map, in one call), with its
//! request-id header. Its distance from (b') is the unavoidable cost of reading the request (any
//! routing filter must read at least `:path`); the rest of the distance to (c) is the filter's own
//! work.

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
        Some(Box::new(HostReads))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct HostReads;

impl Context for HostReads {}

impl HttpContext for HostReads {
    fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
        let headers = self.get_http_request_headers();
        std::hint::black_box(&headers);
        // The filter's request ids come from a per-VM generator: no host call per request.
        let request_id = "c0ffee00-0000-4000-8000-000000000000";
        self.send_http_response(
            200,
            vec![("content-type", "application/json"), ("x-amzn-RequestId", request_id)],
            Some(b"{}"),
        );
        Action::Pause
    }
}
