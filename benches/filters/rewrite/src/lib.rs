//! Benchmark floor for HTTP_PROXY (scenario H3's floor, "rewrite"): the host work an HTTP_PROXY
//! rewrite cannot avoid and nothing else. It reads the request header map (one host call) and the
//! caller's address (`source.address`, which the gateway's `$context.identity.sourceIp` and
//! `X-Forwarded-For` need), sets `:path` (the first path segment dropped: `/proxy/items/42?q=abc`
//! becomes `/items/42?q=abc`, as `/proxy/{proxy+}` → `http://backend/{proxy}` does) and the
//! cluster header the route's `cluster_header` reads, then lets Envoy's router stream the request.
//! On the response it sets one header (`x-amzn-RequestId`). The plugin configuration is the
//! upstream cluster's name.

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { cluster: Rc::from("") }) });
}}

/// The header the gateway's route reads its cluster from (scripts/apigw.py `CLUSTER_HEADER`).
const CLUSTER_HEADER: &str = "x-apigateway-cluster";

struct Root {
    cluster: Rc<str>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_configure(&mut self, _: usize) -> bool {
        let config = self.get_plugin_configuration().unwrap_or_default();
        self.cluster = Rc::from(String::from_utf8_lossy(&config).trim());
        true
    }

    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Rewrite { cluster: self.cluster.clone() }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Rewrite {
    cluster: Rc<str>,
}

impl Context for Rewrite {}

impl HttpContext for Rewrite {
    fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
        let headers = self.get_http_request_headers();
        let source = self.get_property(vec!["source", "address"]);
        std::hint::black_box(&source);
        let path = headers.iter().find(|(k, _)| k == ":path").map(|(_, v)| v.as_str()).unwrap_or("/");
        // `/proxy/rest` → `/rest`: what `{proxy}` substitutes into the integration URI.
        let rest = path.get(1..).and_then(|p| p.find('/').map(|i| &p[i..])).unwrap_or("/");
        let rest = rest.to_string();
        self.set_http_request_header(":path", Some(&rest));
        self.set_http_request_header(CLUSTER_HEADER, Some(&self.cluster));
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _: usize, _: bool) -> Action {
        // The filter's request ids come from a per-VM generator: no host call per request.
        self.set_http_response_header("x-amzn-RequestId", Some("c0ffee00-0000-4000-8000-000000000000"));
        Action::Continue
    }
}
