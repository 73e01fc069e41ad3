//! Diagnostic filter: what single host calls cost. Every request gets the fixed reply of (b') after
//! the host calls its plugin configuration names (comma-separated):
//! `pairs` reads the whole request header map, `path`/`method` read one header, `miss` reads a
//! header that is absent, `clock` reads the time, `prop` reads `source.address`, `set` sets one
//! request header, `set4` sets four, `map` replaces the whole request header map with itself plus
//! two headers, `hdr3` answers with three headers instead of one, `mono` reads the monotonic clock
//! (`Instant`), `count` adds to a counter, `hist` records in a histogram (both defined at configure
//! time, as the filter's metrics are). benches/run.py compares each
//! against the empty configuration in the same Envoy.

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel, MetricType};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { calls: Rc::new(Vec::new()), metrics: (0, 0) }) });
}}

struct Root {
    calls: Rc<Vec<String>>,
    metrics: (u32, u32),
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _: usize) -> bool {
        let config = self.get_plugin_configuration().unwrap_or_default();
        let text = String::from_utf8_lossy(&config);
        self.calls = Rc::new(text.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect());
        let define = |kind, name| proxy_wasm::hostcalls::define_metric(kind, name).unwrap_or(0);
        self.metrics = (define(MetricType::Counter, "bench.count"), define(MetricType::Histogram, "bench.hist"));
        true
    }

    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(HostCalls { calls: self.calls.clone(), metrics: self.metrics }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct HostCalls {
    calls: Rc<Vec<String>>,
    metrics: (u32, u32),
}

impl Context for HostCalls {}

impl HttpContext for HostCalls {
    fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
        let mut seen = 0usize;
        let mut three_headers = false;
        for call in self.calls.iter() {
            match call.as_str() {
                "pairs" => seen += self.get_http_request_headers().len(),
                "path" => seen += self.get_http_request_header(":path").map_or(0, |s| s.len()),
                "method" => seen += self.get_http_request_header(":method").map_or(0, |s| s.len()),
                "miss" => seen += self.get_http_request_header("content-type").map_or(0, |s| s.len()),
                "clock" => seen += usize::from(std::time::SystemTime::now() > std::time::UNIX_EPOCH),
                "prop" => seen += self.get_property(vec!["source", "address"]).map_or(0, |s| s.len()),
                "set" => self.set_http_request_header("x-probe", Some("1")),
                "set4" => {
                    self.set_http_request_header(":path", Some("/elsewhere"));
                    self.set_http_request_header(":authority", Some("backend"));
                    self.set_http_request_header("x-apigateway-cluster", Some("backend"));
                    self.set_http_request_header("x-envoy-upstream-rq-timeout-ms", Some("29000"));
                }
                "map" => {
                    let mut headers = self.get_http_request_headers();
                    headers.push(("x-apigateway-cluster".into(), "backend".into()));
                    headers.push(("x-envoy-upstream-rq-timeout-ms".into(), "29000".into()));
                    self.set_http_request_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect());
                }
                "hdr3" => three_headers = true,
                "mono" => seen += std::time::Instant::now().elapsed().subsec_nanos() as usize,
                "count" => seen += usize::from(proxy_wasm::hostcalls::increment_metric(self.metrics.0, 1).is_ok()),
                "hist" => seen += usize::from(proxy_wasm::hostcalls::record_metric(self.metrics.1, 3).is_ok()),
                _ => {}
            }
        }
        std::hint::black_box(seen);
        let mut headers = vec![("content-type", "application/json")];
        if three_headers {
            headers.push(("x-amzn-ErrorType", "MissingAuthenticationTokenException"));
            headers.push(("x-amzn-RequestId", "c0ffee00-0000-4000-8000-000000000000"));
        }
        self.send_http_response(200, headers, Some(b"{}"));
        Action::Pause
    }
}
