//! The proxy-wasm adapter: reads the request from Envoy, asks the core, does what it says.

mod host;

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

use crate::config::{ROUTE_METADATA_KEY, ROUTE_METADATA_NAMESPACE};
use crate::gateway::{Gateway, Reply, Start};
use crate::http::Request;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    std::panic::set_hook(Box::new(|info| {
        // Critical cannot go through the `log` crate (it maps to Off).
        host::log(host::LOG_CRITICAL, &format!("apigateway panicked: {info}"));
    }));
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root { gateway: None }) });
}}

struct Root {
    gateway: Option<Rc<Gateway>>,
}

impl Context for Root {}

impl RootContext for Root {
    fn on_vm_start(&mut self, _: usize) -> bool {
        host::log(host::LOG_INFO, concat!("apigateway filter ", env!("CARGO_PKG_VERSION"), " starting"));
        true
    }

    fn on_configure(&mut self, _: usize) -> bool {
        let bytes = host::buffer(host::BUFFER_PLUGIN_CONFIGURATION, usize::MAX).unwrap_or_default();
        match Gateway::from_bytes(&bytes) {
            Ok(gateway) => {
                for w in &gateway.config.warnings {
                    host::log(host::LOG_WARN, &format!("apigateway: {w}"));
                }
                let names: Vec<&str> = gateway.config.deployments.iter().map(|d| d.name.as_str()).collect();
                host::log(
                    host::LOG_INFO,
                    &format!("apigateway: configured deployments {names:?}"),
                );
                self.gateway = Some(Rc::new(gateway));
                true
            }
            Err(e) => {
                // Envoy refuses to start (static config) or to apply (xDS) a plugin that returns false.
                host::log(host::LOG_CRITICAL, &format!("apigateway: {e}"));
                false
            }
        }
    }

    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        // Always Some: the SDK's dispatcher panics on None.
        Some(Box::new(Filter {
            gateway: self.gateway.clone(),
            pending: None,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Filter {
    gateway: Option<Rc<Gateway>>,
    /// A routed request waiting for its body.
    pending: Option<(crate::gateway::Routed, Request)>,
}

impl Context for Filter {}

/// A v4 UUID from WASI randomness (`$context.requestId`).
fn request_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::getrandom(&mut b).is_err() {
        // Fall back to the clock: still unique enough to correlate log lines.
        let t = now_ms();
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = (t >> ((i % 8) * 8)) as u8 ^ (i as u8);
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or(""),
        h.get(8..12).unwrap_or(""),
        h.get(12..16).unwrap_or(""),
        h.get(16..20).unwrap_or(""),
        h.get(20..32).unwrap_or("")
    )
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `source.address` is `ip:port` (IPv6 as `[::1]:port`).
fn source_ip() -> String {
    let Some(raw) = host::property(&["source", "address"]) else { return String::new() };
    let text = String::from_utf8_lossy(&raw);
    let ip = match text.rsplit_once(':') {
        Some((ip, port)) if port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => &text,
    };
    ip.trim_start_matches('[').trim_end_matches(']').to_string()
}

impl Filter {
    fn reply(&self, reply: Reply) -> Action {
        if let Some(line) = &reply.log {
            host::log(host::LOG_ERROR, &format!("apigateway: {line}"));
        }
        let r = reply.response;
        let status = host::send_response(r.status, &r.headers, &r.body);
        if status != 0 {
            host::log(host::LOG_ERROR, &format!("apigateway: the host refused the local reply (status {status})"));
        }
        Action::Pause
    }
}

impl HttpContext for Filter {
    fn on_http_request_headers(&mut self, _: usize, end_of_stream: bool) -> Action {
        let Some(gateway) = self.gateway.clone() else {
            return Action::Continue;
        };
        let headers = host::header_map(host::MAP_REQUEST_HEADERS);
        let pseudo = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let request = Request {
            method: pseudo(":method"),
            path: pseudo(":path"),
            source_ip: source_ip(),
            request_id: request_id(),
            now_ms: now_ms(),
            body: Vec::new(),
            headers,
        };
        // Route metadata is read only when there is a choice to make.
        let deployment_name = if gateway.config.deployments.len() > 1 {
            host::property(&["xds", "route_metadata", "filter_metadata", ROUTE_METADATA_NAMESPACE, ROUTE_METADATA_KEY])
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        } else {
            None
        };
        let Some(deployment) = gateway.config.deployment_index(deployment_name.as_deref()) else {
            host::log(host::LOG_ERROR, &format!("apigateway: route names unknown deployment {deployment_name:?}"));
            let reply = gateway.error_reply(None, &request, None,
                crate::gateway_responses::ResponseType::MissingAuthenticationToken, "Missing Authentication Token", None);
            return self.reply(reply);
        };
        match gateway.start(deployment, &request) {
            Start::Respond(reply) => self.reply(reply),
            Start::Routed(routed) => {
                if routed.needs_body && !end_of_stream {
                    self.pending = Some((routed, request));
                    // Needs allow_on_headers_stop_iteration: the body callbacks still run.
                    Action::Pause
                } else {
                    let reply = gateway.finish(&routed, &request);
                    self.reply(reply)
                }
            }
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if self.pending.is_none() {
            return Action::Continue;
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let (Some(gateway), Some((routed, mut request))) = (self.gateway.clone(), self.pending.take()) else {
            return Action::Continue;
        };
        request.body = host::buffer(host::BUFFER_REQUEST_BODY, body_size).unwrap_or_default();
        let reply = gateway.finish(&routed, &request);
        self.reply(reply)
    }
}
