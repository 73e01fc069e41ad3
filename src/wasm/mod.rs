//! The proxy-wasm adapter: reads the request from Envoy, asks the core, does what it says.

mod host;

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

use crate::config::{ROUTE_METADATA_KEY, ROUTE_METADATA_NAMESPACE};
use crate::context::APIGW_ID_HEADER;
use crate::gateway::{Forward, Gateway, HeadEdit, Outcome, Reply, Routed, Start};
use crate::vtl::Env;
use crate::sigv4::Credentials;
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
            Ok(mut gateway) => {
                gateway.credentials = credentials();
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
            calling: None,
            proxied: None,
            replacement_body: None,
            empty_reply_content_type: None,
            apigw_id: String::new(),
            replied: false,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Filter {
    gateway: Option<Rc<Gateway>>,
    /// A routed request waiting for its body.
    pending: Option<(Routed, Request)>,
    /// A request waiting for its callout, with the template variables its response needs.
    calling: Option<(Routed, Request, Option<Box<Env>>)>,
    /// A request Envoy's router is streaming to its upstream (HTTP_PROXY).
    proxied: Option<(Routed, Request)>,
    /// A gateway response replacing an Envoy-made error on a proxied request, sent as the body.
    replacement_body: Option<Vec<u8>>,
    /// Envoy drops `content-type` from a local reply without a body; AWS sends it
    /// (`application/json` on an empty MOCK or Lambda answer), so it is put back when our own
    /// reply passes through `on_http_response_headers`.
    empty_reply_content_type: Option<String>,
    /// This request's `x-amz-apigw-id`, put on whatever answer goes out: a local reply in
    /// [`Filter::reply`], a proxied one or one Envoy made in `on_http_response_headers` (reference §8).
    apigw_id: String,
    /// Whether this filter sent a local reply (which carries the id already).
    replied: bool,
}

/// Credentials from the VM's environment (`vm_config.environment_variables.host_env_keys`).
fn credentials() -> Option<Credentials> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret_access_key)) => Some(Credentials {
            access_key_id,
            secret_access_key,
            session_token: get("AWS_SESSION_TOKEN"),
        }),
        _ => {
            host::log(
                host::LOG_INFO,
                "apigateway: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: Lambda and AWS calls are sent unsigned (fine for local emulators)",
            );
            None
        }
    }
}

impl Context for Filter {
    fn on_http_call_response(&mut self, _token: u32, num_headers: usize, body_size: usize, _trailers: usize) {
        let (Some(gateway), Some((routed, request, env))) = (self.gateway.clone(), self.calling.take()) else {
            return;
        };
        // num_headers 0: the call was reset (e.g. a reply over Envoy's 32 MiB callout limit).
        let (status, headers, body) = if num_headers == 0 {
            (0, Vec::new(), b"the call was reset".to_vec())
        } else {
            let headers = host::header_map(host::MAP_HTTP_CALL_RESPONSE_HEADERS);
            let status = headers
                .iter()
                .find(|(k, _)| k == ":status")
                .and_then(|(_, v)| v.parse::<u16>().ok())
                .unwrap_or(0);
            let body = host::buffer(host::BUFFER_HTTP_CALL_RESPONSE_BODY, body_size).unwrap_or_default();
            (status, headers, body)
        };
        let reply = gateway.on_call_response(&routed, &request, env, status, &headers, &body);
        self.reply(reply);
    }
}

thread_local! {
    /// splitmix64 state, seeded once per VM from WASI randomness: a request id then costs no host call.
    static ID_STATE: std::cell::Cell<u64> = std::cell::Cell::new(seed());
}

fn seed() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        // Fall back to the clock: ids stay unique enough to correlate log lines.
        return now_ms() ^ 0x9e37_79b9_7f4a_7c15;
    }
    u64::from_le_bytes(b)
}

fn next_random() -> u64 {
    ID_STATE.with(|s| {
        let mut z = s.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        s.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// A v4 UUID (`$context.requestId`), written out digit by digit (no formatting machinery).
fn request_id() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&next_random().to_le_bytes());
    b[8..].copy_from_slice(&next_random().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    crate::context::uuid_text(&b)
}

/// An `x-amz-apigw-id` value from the same generator as the request id.
fn apigw_id() -> String {
    let mut b = [0u8; 11];
    b[..8].copy_from_slice(&next_random().to_le_bytes());
    b[8..].copy_from_slice(&next_random().to_le_bytes()[..3]);
    crate::context::apigw_id_text(&b)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn fill_details(request: &mut Request) {
    request.source_ip = source_ip();
    request.now_ms = now_ms();
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
    /// Runs the integration of a routed request whose body (if any) is in `request`.
    fn run(&mut self, gateway: &Gateway, routed: Routed, request: Request) -> Action {
        match gateway.finish(&routed, &request) {
            Outcome::Reply(reply) => self.reply(reply),
            Outcome::Forward(forward) => self.forward(routed, request, forward),
            Outcome::Call(call, env) => {
                let headers: Vec<(&str, &str)> = call.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let timeout = std::time::Duration::from_millis(u64::from(call.timeout_ms));
                // The SDK's dispatch_http_call registers the token its dispatcher needs for the
                // callback; it returns BadArgument (unknown cluster, missing pseudo-header) or
                // InternalFailure as errors, which is all Envoy returns here.
                match proxy_wasm::hostcalls::dispatch_http_call(&call.cluster, headers, Some(&call.body), vec![], timeout) {
                    Ok(_) => {
                        self.calling = Some((routed, request, env));
                        Action::Pause
                    }
                    Err(status) => {
                        let reply = gateway.on_call_response(&routed, &request, env, 0, &[],
                            format!("dispatch to cluster {:?} failed: {status:?}", call.cluster).as_bytes());
                        self.reply(reply)
                    }
                }
            }
        }
    }

    /// Rewrites the request head in place (only what differs: [`Forward::edits`]) and lets the
    /// router stream it to the named cluster.
    fn forward(&mut self, routed: Routed, request: Request, f: Forward) -> Action {
        let map = host::MAP_REQUEST_HEADERS;
        let mut failed = Vec::new();
        for edit in f.edits(&request.headers) {
            let (name, status) = match &edit {
                HeadEdit::Set(k, v) => (k, host::set_header(map, k, v)),
                HeadEdit::Remove(k) => (k, host::remove_header(map, k)),
                HeadEdit::Add(k, v) => (k, host::add_header(map, k, v)),
            };
            if status != 0 {
                failed.push(format!("{name}: {status}"));
            }
        }
        if !failed.is_empty() {
            host::log(host::LOG_ERROR, &format!("apigateway: rewriting the request failed: {failed:?}"));
        }
        self.proxied = Some((routed, request));
        Action::Continue
    }

    fn reply(&mut self, reply: Reply) -> Action {
        if let Some(line) = &reply.log {
            host::log(host::LOG_ERROR, &format!("apigateway: {line}"));
        }
        let mut r = reply.response;
        self.replied = true;
        // Set, not added: a mapped or function-made header of that name gives way to the gateway's.
        r.set_header(APIGW_ID_HEADER, &self.apigw_id);
        if r.body.is_empty() {
            self.empty_reply_content_type = r.header("content-type").map(str::to_string);
        }
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
        self.apigw_id = apigw_id();
        // All headers in one host call: each call into the host (and each allocation it makes back
        // in the VM) costs about a microsecond, more than decoding a whole header map.
        let headers = host::header_map(host::MAP_REQUEST_HEADERS);
        let pseudo = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let mut request = Request {
            method: pseudo(":method"),
            path: pseudo(":path"),
            source_ip: String::new(),
            request_id: request_id(),
            now_ms: 0,
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
        // The time and source address are read only where something uses them.
        let details_always = gateway.details_always(deployment);
        if details_always {
            fill_details(&mut request);
        }
        match gateway.start(deployment, &request) {
            Start::Respond(reply) => self.reply(reply),
            Start::Routed(routed) => {
                if !details_always && gateway.needs_details(&routed) {
                    fill_details(&mut request);
                }
                if routed.needs_body && !end_of_stream {
                    self.pending = Some((routed, request));
                    // Needs allow_on_headers_stop_iteration: the body callbacks still run.
                    Action::Pause
                } else {
                    self.run(&gateway, routed, request)
                }
            }
        }
    }

    fn on_http_response_headers(&mut self, _: usize, _: bool) -> Action {
        if let (Some(gateway), Some((routed, request))) = (self.gateway.clone(), self.proxied.as_ref()) {
            let map = host::MAP_RESPONSE_HEADERS;
            let received = host::header_map(map);
            let status = received.iter().find(|(k, _)| k == ":status").map(|(_, v)| v.as_str()).unwrap_or("");
            // Envoy's own answers (timeout, connect failure) are all 4xx/5xx: only those need the
            // response's details (a host read) to tell them from the backend's.
            let details = if status.parse::<u16>().map_or(true, |s| s >= 400) {
                host::property(&["response", "code_details"])
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let failure = crate::integration::aws_proxy::classify_details(&details);
            let mut head: Vec<(String, String)>;
            if let Some(failure) = failure {
                // Envoy's own answer becomes AWS's gateway response.
                let reply = gateway.on_proxy_failure(routed, request, failure, &details);
                if let Some(line) = &reply.log {
                    host::log(host::LOG_ERROR, &format!("apigateway: {line}"));
                }
                let r = reply.response;
                // The body is replaced at its end and Envoy would not fix content-length: it is
                // set here to the replacement's length, as AWS frames its answer (envoy-facts §4).
                head = vec![(":status".to_string(), r.status.to_string())];
                head.extend(r.headers.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-length")));
                head.push(("content-length".to_string(), r.body.len().to_string()));
                self.replacement_body = Some(r.body);
            } else {
                // HTTP_PROXY: the backend's status and body as they are; headers as AWS passes them.
                let pass: Vec<(String, String)> =
                    received.iter().filter(|(k, _)| !k.starts_with(':')).cloned().collect();
                let out = crate::integration::proxy_response_headers(&pass);
                if out == pass {
                    for (name, value) in [("x-amzn-RequestId", &request.request_id), (APIGW_ID_HEADER, &self.apigw_id)] {
                        let st = host::set_header(map, name, value);
                        if st != 0 {
                            host::log(host::LOG_ERROR, &format!("apigateway: setting {name} failed ({st})"));
                        }
                    }
                    return Action::Continue;
                }
                head = received.into_iter().filter(|(k, _)| k.starts_with(':')).collect();
                head.extend(out);
                head.push(("x-amzn-RequestId".to_string(), request.request_id.clone()));
            }
            head.retain(|(k, _)| !k.eq_ignore_ascii_case(APIGW_ID_HEADER));
            head.push((APIGW_ID_HEADER.to_string(), self.apigw_id.clone()));
            // One host call for the whole rewritten head.
            let st = host::set_header_map(map, &head);
            if st != 0 {
                host::log(host::LOG_ERROR, &format!("apigateway: rewriting the response head failed ({st})"));
            }
            return Action::Continue;
        }
        if let Some(ct) = self.empty_reply_content_type.take() {
            let status = host::set_header(host::MAP_RESPONSE_HEADERS, "content-type", &ct);
            if status != 0 {
                host::log(host::LOG_DEBUG, &format!("apigateway: could not restore content-type ({status})"));
            }
        }
        if !self.replied && !self.apigw_id.is_empty() {
            // An answer Envoy made itself for a request the filter took (413 past the buffer limit,
            // a stream timeout) is the gateway's answer too.
            let status = host::set_header(host::MAP_RESPONSE_HEADERS, APIGW_ID_HEADER, &self.apigw_id);
            if status != 0 {
                host::log(host::LOG_DEBUG, &format!("apigateway: could not set {APIGW_ID_HEADER} ({status})"));
            }
        }
        Action::Continue
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if self.replacement_body.is_none() {
            return Action::Continue;
        }
        if !end_of_stream {
            return Action::Pause;
        }
        if let Some(body) = self.replacement_body.take() {
            let status = host::set_buffer(host::BUFFER_RESPONSE_BODY, 0, body_size, &body);
            if status != 0 {
                host::log(host::LOG_ERROR, &format!("apigateway: replacing the error body failed ({status})"));
            }
        }
        Action::Continue
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
        self.run(&gateway, routed, request)
    }
}
