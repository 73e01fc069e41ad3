//! Diagnostic scenario (b'+): the fixed reply of (b') after the host reads the real filter makes
//! for every request (all request headers, `source.address`, 16 random bytes for the request id,
//! the clock), with its request-id header. Its distance from (b') is the cost of those host calls;
//! the rest of the distance to (c) is the filter's own work.

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
        let source = self.get_property(vec!["source", "address"]).unwrap_or_default();
        let mut id = [0u8; 16];
        let _ = getrandom::getrandom(&mut id);
        let now = std::time::SystemTime::now();
        let request_id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        std::hint::black_box((headers, source, now));
        self.send_http_response(
            200,
            vec![("content-type", "application/json"), ("x-amzn-RequestId", &request_id)],
            Some(b"{}"),
        );
        Action::Pause
    }
}
