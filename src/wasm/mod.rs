//! The proxy-wasm adapter: reads the request from Envoy, asks the core, does what it says.

mod host;
mod shared;
mod stats;

use std::rc::Rc;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

use crate::config::{ROUTE_METADATA_KEY, ROUTE_METADATA_NAMESPACE};
use crate::admission::{Admission, Pending};
use crate::context::Reads;
use crate::execution_log::ExecutionLog;
use crate::gateway::{CallState, Forward, Gateway, HeadEdit, Outcome, Reply, Routed, Start};
use crate::request_path::request_from_head;
use crate::response_path::{BodyStep, CallAnswer, HeadChange, ResponsePath};
use crate::sigv4::Credentials;
use crate::http::Request;
use crate::metrics::Tally;
use crate::access_log::Record;
use stats::{now_ns, Stats};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    std::panic::set_hook(Box::new(|info| {
        // Critical cannot go through the `log` crate (it maps to Off).
        host::log(host::LOG_CRITICAL, &format!("apigateway panicked: {info}"));
    }));
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(Root { gateway: None, stats: Rc::new(Stats::default()), resumes: false })
    });
}}

struct Root {
    gateway: Option<Rc<Gateway>>,
    /// The metrics of `gateway` in Envoy's stats.
    stats: Rc<Stats>,
    /// The second instance of global mode's filter way, after Envoy's `ratelimit` filter: it
    /// has no configuration of its own and takes up the requests the first hands over.
    resumes: bool,
}

impl Context for Root {
    fn on_done(&mut self) -> bool {
        // The configuration is going away (a new one replaced it): what its counters added up
        // reaches Envoy before it goes.
        self.stats.flush();
        true
    }
}

impl RootContext for Root {
    fn on_vm_start(&mut self, _: usize) -> bool {
        host::log(host::LOG_INFO, concat!("apigateway filter ", env!("CARGO_PKG_VERSION"), " starting"));
        true
    }

    fn on_configure(&mut self, _: usize) -> bool {
        let bytes = host::buffer(host::BUFFER_PLUGIN_CONFIGURATION, usize::MAX).unwrap_or_default();
        if bytes == crate::throttle::global::RESUME_CONFIGURATION.as_bytes() {
            self.resumes = true;
            return true;
        }
        match Gateway::from_bytes(&bytes) {
            Ok(mut gateway) => {
                gateway.credentials = credentials();
                // Every worker's VM counts in the process's shared data (README: "Throttling").
                gateway.counters = Box::new(shared::SharedData::default());
                for w in &gateway.config.warnings {
                    host::log(host::LOG_WARN, &format!("apigateway: {w}"));
                }
                let names: Vec<&str> = gateway.config.deployments.iter().map(|d| d.name.as_str()).collect();
                host::log(
                    host::LOG_INFO,
                    &format!("apigateway: configured deployments {names:?}"),
                );
                self.stats = Rc::new(Stats::define(&gateway.metrics));
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

    fn on_tick(&mut self) {
        self.stats.flush();
    }

    fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
        // Always Some: the SDK's dispatcher panics on None.
        let mut filter = Filter::idle(self.stats.clone());
        filter.gateway = self.gateway.clone();
        filter.resumes = self.resumes;
        Some(Box::new(filter))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Filter {
    gateway: Option<Rc<Gateway>>,
    stats: Rc<Stats>,
    /// What this request's metrics need between callbacks.
    tally: Tally,
    /// This request's access log, when its deployment has one (README: "Access logs").
    log: Option<Box<AccessLog>>,
    /// A routed request waiting for its body.
    pending: Option<(Routed, Request)>,
    /// A request waiting for its authorizer's answer (its head, and any body, held by Envoy).
    authorizing: Option<(Routed, Request, Pending)>,
    /// A request waiting for the rate limit service's answer (global mode).
    limiting: Option<(Routed, Request)>,
    /// A request waiting for its callout, with what its response side needs.
    calling: Option<(Routed, Request, Option<Box<CallState>>)>,
    /// A request Envoy's router is streaming to its upstream (HTTP_PROXY).
    proxied: Option<(Routed, Request)>,
    /// What the response path decided and must remember (the core's per-request state).
    response: ResponsePath,
    /// Global mode's filter way: the key under which this request waits in [`HANDED_OVER`] for
    /// the second instance, after Envoy's `ratelimit` filter.
    handoff: Option<u64>,
    /// The request headers [`Filter::hand_off`] set, for [`Filter::resume`] to remove.
    handed_headers: Vec<String>,
    /// This is the second instance ([`Root::resumes`]).
    resumes: bool,
    /// The request's body is still coming.
    body_pending: bool,
    /// A local reply decided before the request's end, sent at its end ([`Filter::reply`]).
    deferred: Option<crate::http::Response>,
    /// The execution trace, only for a deployment that traces (README: "Execution trace").
    trace: Option<ExecutionLog>,
}

thread_local! {
    /// Global mode's filter way (README: "Throttling"): requests the first instance admitted and
    /// handed over, by key, for the second instance after Envoy's `ratelimit` filter. Both
    /// instances run in one VM per worker thread (the same `vm_config`), and a stream stays on its
    /// worker, so the second finds here what the first left.
    /// A list: few requests wait at once on one worker.
    static HANDED_OVER: std::cell::RefCell<Vec<(u64, Box<Filter>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Takes the request waiting under `key` out of [`HANDED_OVER`].
fn take_handed_over(key: u64) -> Option<Box<Filter>> {
    HANDED_OVER.with(|h| {
        let mut h = h.borrow_mut();
        let i = h.iter().position(|(k, _)| *k == key)?;
        Some(h.swap_remove(i).1)
    })
}

impl Filter {
    fn idle(stats: Rc<Stats>) -> Filter {
        Filter {
            gateway: None,
            stats,
            tally: Tally::default(),
            log: None,
            pending: None,
            authorizing: None,
            limiting: None,
            calling: None,
            proxied: None,
            response: ResponsePath::default(),
            handoff: None,
            handed_headers: Vec::new(),
            resumes: false,
            body_pending: false,
            deferred: None,
            trace: None,
        }
    }
}

/// A request's access log between callbacks.
struct AccessLog {
    deployment: usize,
    /// Whether the format prints a latency (the clock is read for it).
    timed: bool,
    record: Record,
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
    fn on_grpc_call_response(&mut self, _token: u32, status_code: u32, response_size: usize) {
        let (Some(gateway), Some((routed, request))) = (self.gateway.clone(), self.limiting.take()) else {
            return;
        };
        let body = if status_code == 0 {
            host::buffer(host::BUFFER_GRPC_RECEIVE, response_size).unwrap_or_default()
        } else {
            Vec::new()
        };
        let action = match gateway.on_rate_limit_answer(&routed, &request, status_code, &body) {
            Ok(log) => {
                if let Some(line) = log {
                    host::log(host::LOG_WARN, &format!("apigateway: {line}"));
                }
                self.integrate(&gateway, routed, request)
            }
            Err(reply) => self.reply(reply),
        };
        if matches!(action, Action::Continue) {
            // The request was held for the rate limit service: let it go on to Envoy's router.
            let status = host::resume_request();
            if status != 0 {
                host::log(host::LOG_ERROR, &format!("apigateway: resuming the request failed ({status})"));
            }
        }
    }

    fn on_http_call_response(&mut self, _token: u32, num_headers: usize, body_size: usize, _trailers: usize) {
        if let (Some(gateway), Some((routed, request, pending))) = (self.gateway.clone(), self.authorizing.take()) {
            let answer = CallAnswer::read(num_headers, || {
                (
                    host::header_map(host::MAP_HTTP_CALL_RESPONSE_HEADERS),
                    host::buffer(host::BUFFER_HTTP_CALL_RESPONSE_BODY, body_size).unwrap_or_default(),
                )
            });
            let admitted = gateway.on_authorizer_answer(&routed, &request, pending, answer.status,
                &answer.headers, &answer.body, now_ms());
            if let Some(log) = &mut self.log {
                let now = log.timed.then(now_ns);
                match &admitted {
                    Ok(facts) => log.record.authorized(now, None, facts.integration_latency),
                    Err(reply) => log.record.authorized(now, Some(reply), 0),
                }
            }
            if let Some(t) = self.trace.as_mut() {
                t.authorizer_finished(admitted.is_ok());
            }
            let action = match admitted {
                Ok(facts) => self.run(&gateway, Routed { authorizer: Some(facts), ..routed }, request),
                Err(reply) => self.reply(reply),
            };
            if matches!(action, Action::Continue) {
                // The request was held for the authorizer: let it go on to Envoy's router.
                let status = host::resume_request();
                if status != 0 {
                    host::log(host::LOG_ERROR, &format!("apigateway: resuming the request failed ({status})"));
                }
            }
            return;
        }
        let (Some(gateway), Some((routed, request, env))) = (self.gateway.clone(), self.calling.take()) else {
            return;
        };
        let now = self.clock();
        if let (true, Some(now)) = (self.tally.counted(), now) {
            self.tally.integration_answered(now);
        }
        let answer = CallAnswer::read(num_headers, || {
            (
                host::header_map(host::MAP_HTTP_CALL_RESPONSE_HEADERS),
                host::buffer(host::BUFFER_HTTP_CALL_RESPONSE_BODY, body_size).unwrap_or_default(),
            )
        });
        if let Some(t) = self.trace.as_mut() {
            t.call_answer(&answer, now_ms());
        }
        let reply = gateway.on_call_answer(&routed, &request, env, &answer);
        if let Some(log) = &mut self.log {
            let lambda_proxy = gateway.is_lambda_proxy(&routed);
            log.record.integration_answered(now, answer.status, &answer.headers, lambda_proxy, &reply);
        }
        self.reply(reply);
    }
}

/// Writes the trace lines to Envoy's log at INFO (README: "Execution trace").
fn emit(trace: &mut ExecutionLog) {
    for line in trace.take() {
        host::log(host::LOG_INFO, &line);
    }
}

/// The trace of a request Envoy's router streamed (HTTP_PROXY): the endpoint's head is the method
/// response's; the bodies stream and are not in the trace.
fn proxied_trace(trace: &mut ExecutionLog, received: &[(String, String)]) {
    let status = received.iter().find(|(k, _)| k == ":status").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    trace.endpoint_response(status, now_ms(), received, None);
    let headers = received.iter().filter(|(k, _)| !k.starts_with(':')).cloned().collect();
    trace.method_response(&crate::http::Response { status, headers, body: Vec::new() }, None, None);
    emit(trace);
}

/// Applies header edits in order; the names the host refused are logged at `level`, in one line.
fn apply(map: u32, edits: &[HeadEdit], level: u32) {
    let mut failed = Vec::new();
    for edit in edits {
        let (name, status) = match edit {
            HeadEdit::Set(k, v) => (k, host::set_header(map, k, v)),
            HeadEdit::Remove(k) => (k, host::remove_header(map, k)),
            HeadEdit::Add(k, v) => (k, host::add_header(map, k, v)),
        };
        if status != 0 {
            failed.push(format!("{name}: {status}"));
        }
    }
    if !failed.is_empty() {
        let what = if map == host::MAP_REQUEST_HEADERS { "request" } else { "response" };
        host::log(level, &format!("apigateway: editing the {what} head failed: {failed:?}"));
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

/// Reads the caller's address and the clock, each only when `reads` asks and not yet read.
fn fill_details(request: &mut Request, reads: Reads) {
    if reads.peer && request.source_ip.is_empty() {
        request.source_ip = source_ip();
    }
    if reads.clock && request.now_ms == 0 {
        request.now_ms = now_ms();
    }
}

/// The payload Envoy's `jwt_authn` verified under one of `issuers` (its dynamic metadata, written
/// only after verification: README "Cognito user pool authorizers"); no host call for an
/// operation without a Cognito authorizer (`issuers` empty).
fn verified_payload(issuers: &[String]) -> Option<Box<crate::authorizer::cognito::VerifiedPayload>> {
    use crate::authorizer::cognito::{VerifiedPayload, JWT_AUTHN_NAMESPACE};
    issuers.iter().find_map(|issuer| {
        host::property(&["metadata", "filter_metadata", JWT_AUTHN_NAMESPACE, issuer])
            .map(|bytes| Box::new(VerifiedPayload { issuer: issuer.clone(), bytes }))
    })
}

fn source_ip() -> String {
    host::property(&["source", "address"])
        .map(|raw| crate::request_path::source_ip(&String::from_utf8_lossy(&raw)))
        .unwrap_or_default()
}

impl Filter {
    /// The monotonic clock, when the metrics or the access log need it.
    fn clock(&self) -> Option<u64> {
        (self.tally.counted() || self.log.as_ref().is_some_and(|l| l.timed)).then(now_ns)
    }

    /// The request's access log starts (its deployment has one): the facts its format prints are
    /// read from the host now.
    fn begin_log(&mut self, gateway: &Gateway, deployment: usize, request: &mut Request) {
        let Some(format) = gateway.access_log(deployment) else { return };
        fill_details(request, format.reads);
        let timed = format.needs_timing;
        let record = Record::begin(timed.then(now_ns));
        self.log = Some(Box::new(AccessLog { deployment, timed, record }));
    }

    /// The request's line, handed to Envoy's access loggers through the filter state
    /// (README: "Access logs").
    fn end_log(&mut self) {
        let (Some(gateway), Some(mut log)) = (self.gateway.as_ref(), self.log.take()) else { return };
        let Some(format) = gateway.access_log(log.deployment) else { return };
        let length = if log.record.needs_length(format) {
            host::property(&["response", "size"])
                .and_then(|b| b.get(..8).and_then(|b| b.try_into().ok()).map(i64::from_le_bytes))
                .and_then(|n| u64::try_from(n).ok())
        } else {
            None
        };
        let now = log.timed.then(now_ns);
        let line = log.record.line(format, now, self.response.status(), length);
        let status = host::set_property(crate::access_log::PROPERTY, line.as_bytes());
        if status != 0 {
            host::log(host::LOG_DEBUG, &format!("apigateway: the access log line was refused ({status})"));
        }
    }

    /// The checks before the integration ([`Gateway::admit`]), then the integration.
    fn admit(&mut self, gateway: &Gateway, routed: Routed, request: Request) -> Action {
        match gateway.admit(&routed, &request) {
            Admission::Admit(facts) => {
                if let (Some(log), Some(f)) = (&mut self.log, &facts) {
                    log.record.authorized(None, None, f.integration_latency);
                }
                self.run(gateway, Routed { authorizer: facts, ..routed }, request)
            }
            Admission::AdmitIam(identity) => self.run(gateway, Routed { iam: Some(identity), ..routed }, request),
            Admission::Refuse(reply) => {
                // Without a call: identity missing, or a cached Deny (README: "Access logs").
                let authorizer = matches!(reply.error, Some(("UNAUTHORIZED" | "ACCESS_DENIED", _)));
                if let (Some(log), true) = (&mut self.log, authorizer && gateway.has_lambda_authorizer(&routed)) {
                    log.record.authorized(None, Some(&reply), 0);
                }
                self.reply(reply)
            }
            Admission::Call(call, pending) => {
                if let Some(t) = self.trace.as_mut() {
                    gateway.trace_authorizer(t, &routed);
                }
                match self.dispatch(&call) {
                    Ok(()) => {
                        if let Some(log) = &mut self.log {
                            log.record.authorizer_sent(log.timed.then(now_ns));
                        }
                        self.authorizing = Some((routed, request, pending));
                        Action::Pause
                    }
                    Err(status) => {
                        let reply = gateway.on_authorizer_answer(&routed, &request, pending, 0, &[],
                            format!("the call was not sent: {status}").as_bytes(), now_ms());
                        if let Some(t) = self.trace.as_mut() {
                            t.authorizer_finished(reply.is_ok());
                        }
                        match reply {
                            Ok(facts) => self.run(gateway, Routed { authorizer: Some(facts), ..routed }, request),
                            Err(reply) => self.reply(reply),
                        }
                    }
                }
            }
        }
    }

    /// Sends a callout; `Err` is the host's refusal.
    fn dispatch(&self, call: &crate::integration::aws_proxy::Callout) -> Result<(), String> {
        let headers: Vec<(&str, &str)> = call.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let timeout = std::time::Duration::from_millis(u64::from(call.timeout_ms));
        // The SDK's dispatch_http_call registers the token its dispatcher needs for the
        // callback; it returns BadArgument (unknown cluster, missing pseudo-header) or
        // InternalFailure as errors, which is all Envoy returns here.
        proxy_wasm::hostcalls::dispatch_http_call(&call.cluster, headers, Some(&call.body), vec![], timeout)
            .map(|_| ())
            .map_err(|status| format!("{status:?}"))
    }

    /// After the authorizer or IAM: the API key step ([`Gateway::admit_api_key`]); in global mode
    /// the rate limit service is asked next (README: "Throttling"), then the integration runs.
    fn run(&mut self, gateway: &Gateway, routed: Routed, mut request: Request) -> Action {
        let routed = match gateway.admit_api_key(routed, &request) {
            Ok(routed) => routed,
            Err(reply) => return self.reply(reply),
        };
        if request.now_ms == 0 && gateway.throttles(&routed) {
            // A usage plan's buckets refill by the host's clock; its key is known only now.
            request.now_ms = now_ms();
        }
        if let Some(headers) = gateway.rate_limit_headers(&routed) {
            return self.hand_off(routed, request, headers);
        }
        let Some(call) = gateway.rate_limit_call(&routed) else {
            return self.integrate(gateway, routed, request);
        };
        let timeout = std::time::Duration::from_millis(u64::from(call.timeout_ms));
        // The SDK's dispatch_grpc_call registers the token its dispatcher needs for the callback;
        // Envoy 1.40 returns only Ok, ParseFailure (unknown cluster) and InternalFailure, which
        // it maps to errors.
        let sent = proxy_wasm::hostcalls::dispatch_grpc_call(&call.cluster, crate::throttle::global::SERVICE,
            crate::throttle::global::METHOD, vec![], Some(&call.message), timeout);
        match sent {
            Ok(_) => {
                self.limiting = Some((routed, request));
                Action::Pause
            }
            Err(status) => {
                host::log(host::LOG_WARN, &format!(
                    "apigateway: the rate limit call to cluster {:?} was not sent ({status:?}): admitted", call.cluster));
                self.integrate(gateway, routed, request)
            }
        }
    }

    /// Global mode's filter way: writes the levels as the request headers Envoy's `ratelimit`
    /// filter builds its descriptors from, and lets the request go on to it with everything this
    /// request's state holds parked in [`HANDED_OVER`] for the second instance ([`Self::resume`]).
    fn hand_off(&mut self, routed: Routed, request: Request, headers: Vec<(String, String)>) -> Action {
        let key = next_random();
        let mut edits: Vec<HeadEdit> = headers.into_iter().map(|(k, v)| HeadEdit::Set(k, v)).collect();
        edits.push(HeadEdit::Set(crate::throttle::global::HANDOFF_HEADER.to_string(), format!("{key:016x}")));
        apply(host::MAP_REQUEST_HEADERS, &edits, host::LOG_ERROR);
        self.handed_headers = edits.into_iter().map(|e| match e {
            HeadEdit::Set(k, _) | HeadEdit::Add(k, _) | HeadEdit::Remove(k) => k,
        }).collect();
        self.limiting = Some((routed, request));
        let parked = std::mem::replace(self, Filter::idle(self.stats.clone()));
        self.handoff = Some(key);
        HANDED_OVER.with(|h| h.borrow_mut().push((key, Box::new(parked))));
        Action::Continue
    }

    /// The second instance: takes up the request the first handed over, Envoy's `ratelimit`
    /// filter having let it through, and runs its integration. A request the first did not hand
    /// over passes; one whose key is unknown here (never seen: the instances would not share a
    /// VM) is refused rather than served unthrottled.
    fn resume(&mut self, end_of_stream: bool) -> Action {
        let map = host::MAP_REQUEST_HEADERS;
        let Some(value) = host::header(map, crate::throttle::global::HANDOFF_HEADER) else {
            return Action::Continue;
        };
        let parked = u64::from_str_radix(&value, 16)
            .ok()
            .and_then(take_handed_over);
        let Some(parked) = parked else {
            host::log(host::LOG_CRITICAL, "apigateway: a request handed over after Envoy's ratelimit filter was not found: refused (both instances must share one vm_config)");
            let headers = [("content-type".to_string(), "application/json".to_string())];
            host::send_response(500, &headers, br#"{"message": "Internal server error"}"#);
            return Action::Pause;
        };
        *self = *parked;
        self.resumes = true;
        self.body_pending = !end_of_stream;
        let (Some(gateway), Some((routed, request))) = (self.gateway.clone(), self.limiting.take()) else {
            return Action::Continue;
        };
        // The handoff's headers go (the cluster header with them: a forwarded request sets its own).
        let edits: Vec<HeadEdit> = std::mem::take(&mut self.handed_headers).into_iter().map(HeadEdit::Remove).collect();
        apply(map, &edits, host::LOG_ERROR);
        self.integrate(&gateway, routed, request)
    }

    /// The first instance, on the way back: a request the second never took up was answered by
    /// Envoy's `ratelimit` filter (or ended before it) and gets the gateway's answer; one it took
    /// up loses the headers Envoy's filter adds to every answer.
    fn handed_back(&mut self, key: u64) {
        let map = host::MAP_RESPONSE_HEADERS;
        let Some(parked) = take_handed_over(key) else {
            let edits: Vec<HeadEdit> = crate::throttle::global::ENVOY_RESPONSE_HEADERS
                .iter()
                .map(|h| HeadEdit::Remove(h.to_string()))
                .collect();
            apply(map, &edits, host::LOG_DEBUG);
            return;
        };
        *self = *parked;
        let (Some(gateway), Some((routed, request))) = (self.gateway.clone(), self.limiting.take()) else {
            return;
        };
        let received = host::header_map(map);
        match self.response.rate_limited_head(&gateway, &routed, &request, &received) {
            HeadChange::Edits(edits) => apply(map, &edits, host::LOG_DEBUG),
            HeadChange::Replace(head) => {
                let st = host::set_header_map(map, &head);
                if st != 0 {
                    host::log(host::LOG_ERROR, &format!("apigateway: rewriting the ratelimit filter's answer failed ({st})"));
                }
            }
        }
    }

    /// Runs the integration of a routed request whose body (if any) is in `request`.
    fn integrate(&mut self, gateway: &Gateway, routed: Routed, request: Request) -> Action {
        if let Some(log) = &mut self.log {
            // Who the caller turned out to be.
            let c = &mut log.record.context;
            c.authorizer.clone_from(&routed.authorizer);
            c.iam.clone_from(&routed.iam);
            c.api_key.clone_from(&routed.api_key);
        }
        if let Some(t) = self.trace.as_mut() {
            gateway.trace_execution(t, &routed, &request);
        }
        let outcome = gateway.finish(&routed, &request);
        if let Some(t) = self.trace.as_mut() {
            gateway.trace_outcome(t, &routed, &outcome, now_ms());
        }
        match outcome {
            Outcome::Reply(reply) => self.reply(reply),
            Outcome::Forward(forward) => self.forward(routed, request, forward),
            Outcome::Call(call, env) => {
                match self.dispatch(&call) {
                    Ok(()) => {
                        self.integration_sent();
                        self.calling = Some((routed, request, env));
                        Action::Pause
                    }
                    Err(status) => {
                        let answer = CallAnswer::not_sent(&call.cluster, &status);
                        if let Some(t) = self.trace.as_mut() {
                            t.call_answer(&answer, now_ms());
                        }
                        let reply = gateway.on_call_answer(&routed, &request, env, &answer);
                        self.reply(reply)
                    }
                }
            }
        }
    }

    /// Rewrites the request head in place (only what differs: [`Forward::edits`]) and lets the
    /// router stream it to the named cluster.
    fn forward(&mut self, routed: Routed, request: Request, f: Forward) -> Action {
        apply(host::MAP_REQUEST_HEADERS, &f.edits(&request.headers), host::LOG_ERROR);
        self.integration_sent();
        self.proxied = Some((routed, request));
        Action::Continue
    }

    /// The integration's request left: the metrics' and the access log's clocks start.
    fn integration_sent(&mut self) {
        let now = self.clock();
        if let (true, Some(now)) = (self.tally.counted(), now) {
            self.tally.integration_sent(now);
        }
        if let Some(log) = &mut self.log {
            log.record.integration_sent(now);
        }
    }

    fn reply(&mut self, reply: Reply) -> Action {
        if let Some(log) = &mut self.log {
            log.record.replied(&reply);
        }
        let reply = self.response.local_reply(reply);
        if let Some(line) = &reply.log {
            host::log(host::LOG_ERROR, &format!("apigateway: {line}"));
        }
        if let Some(mut t) = self.trace.take() {
            t.method_response(&reply.response, Some(&reply.response.body), reply.log.as_deref());
            emit(&mut t);
        }
        if self.body_pending {
            // Envoy closes an HTTP/1.1 connection whose request it answers before the request's
            // end (`connection: close`); API Gateway keeps it open. The answer waits for the
            // body, which is dropped as it comes (README: "Deployments (`envoy/`)").
            self.deferred = Some(reply.response);
            return Action::Pause;
        }
        self.send(reply.response)
    }

    fn send(&mut self, r: crate::http::Response) -> Action {
        let status = host::send_response(r.status, &r.headers, &r.body);
        if status != 0 {
            host::log(host::LOG_ERROR, &format!("apigateway: the host refused the local reply (status {status})"));
        }
        Action::Pause
    }
}

impl HttpContext for Filter {
    fn on_http_request_headers(&mut self, _: usize, end_of_stream: bool) -> Action {
        if self.resumes {
            return self.resume(end_of_stream);
        }
        let Some(gateway) = self.gateway.clone() else {
            return Action::Continue;
        };
        self.body_pending = !end_of_stream;
        self.response = ResponsePath::new(apigw_id());
        // All headers in one host call: each call into the host (and each allocation it makes back
        // in the VM) costs about a microsecond, more than decoding a whole header map.
        let mut request = request_from_head(host::header_map(host::MAP_REQUEST_HEADERS), request_id(),
            self.response.apigw_id().to_string());
        if gateway.rate_limited_by_envoy() {
            // Envoy's ratelimit filter reads its descriptors from headers: a client's own go.
            let forged: Vec<HeadEdit> = request.headers.iter()
                .filter(|(k, _)| crate::throttle::global::is_handoff_header(k))
                .map(|(k, _)| HeadEdit::Remove(k.clone()))
                .collect();
            apply(host::MAP_REQUEST_HEADERS, &forged, host::LOG_ERROR);
        }
        let deployment_name = if gateway.chooses_deployment() {
            host::property(&["xds", "route_metadata", "filter_metadata", ROUTE_METADATA_NAMESPACE, ROUTE_METADATA_KEY])
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        } else {
            None
        };
        let deployment = match gateway.deployment_for(deployment_name.as_deref(), &request) {
            Ok(deployment) => deployment,
            Err(reply) => return self.reply(reply),
        };
        self.begin_log(&gateway, deployment, &mut request);
        let series = gateway.metrics.stage_series(deployment).filter(|_| self.stats.enabled());
        if series.is_some() {
            self.tally = Tally::begin(series, now_ns());
        }
        // The time and source address are read only where something uses them.
        let details_always = gateway.details_always(deployment);
        if details_always {
            fill_details(&mut request, Reads::ALL);
        }
        let start = gateway.start(deployment, &request);
        if let Some(log) = &mut self.log {
            let routed = match &start { Start::Routed(r) => Some(r), Start::Respond(_) => None };
            log.record.set_context(gateway.log_context(deployment, &request, routed));
        }
        match start {
            Start::Respond(reply) => self.reply(reply),
            Start::Routed(mut routed) => {
                self.trace = gateway.trace_for(deployment, &request);
                self.tally.routed(gateway.metrics.series(deployment, routed.operation));
                if !details_always {
                    fill_details(&mut request, gateway.host_reads(&routed));
                }
                if request.now_ms == 0 && gateway.throttles(&routed) {
                    // The buckets refill by the host's clock.
                    request.now_ms = now_ms();
                }
                let token_keys = gateway.verified_token_keys(&routed);
                if !token_keys.is_empty() {
                    routed.verified = verified_payload(token_keys);
                    // The token's expiry is checked against the request time.
                    if request.now_ms == 0 {
                        request.now_ms = now_ms();
                    }
                }
                if routed.needs_body && !end_of_stream {
                    self.pending = Some((routed, request));
                    // Needs allow_on_headers_stop_iteration: the body callbacks still run.
                    Action::Pause
                } else {
                    self.admit(&gateway, routed, request)
                }
            }
        }
    }

    fn on_http_response_headers(&mut self, _: usize, _: bool) -> Action {
        let map = host::MAP_RESPONSE_HEADERS;
        if let Some(key) = self.handoff {
            self.handed_back(key);
            return Action::Continue;
        }
        if let (Some(gateway), Some((routed, request))) = (self.gateway.clone(), self.proxied.as_ref()) {
            let received = host::header_map(map);
            let now = self.clock();
            if let (true, Some(now)) = (self.tally.counted(), now) {
                self.tally.integration_answered(now);
            }
            let details = || {
                host::property(&["response", "code_details"])
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            };
            if let Some(mut t) = self.trace.take() {
                proxied_trace(&mut t, &received);
            }
            let plan = self.response.proxied_head(&gateway, routed, request, &received, details);
            if let Some(line) = &plan.log {
                host::log(host::LOG_ERROR, &format!("apigateway: {line}"));
            }
            if let Some(log) = &mut self.log {
                let status = received.iter().find(|(k, _)| k == ":status").and_then(|(_, v)| v.parse().ok());
                log.record.proxy_answered(now, status, plan.log.as_deref());
            }
            match plan.change {
                HeadChange::Edits(edits) => apply(map, &edits, host::LOG_ERROR),
                HeadChange::Replace(head) => {
                    // One host call for the whole rewritten head.
                    let st = host::set_header_map(map, &head);
                    if st != 0 {
                        host::log(host::LOG_ERROR, &format!("apigateway: rewriting the response head failed ({st})"));
                    }
                }
            }
            return Action::Continue;
        }
        // Our own reply or Envoy's: an edit refused there only costs a header, not worth an error.
        apply(map, &self.response.local_head(), host::LOG_DEBUG);
        if (self.tally.counted() || self.log.is_some()) && self.response.status_unknown() {
            // Envoy answered itself (413, a timeout): its status, for 4XXError/5XXError.
            let head = host::header_map(map);
            if let Some(status) = head.iter().find(|(k, _)| k == ":status").and_then(|(_, v)| v.parse().ok()) {
                self.response.saw_status(status);
            }
        }
        Action::Continue
    }

    /// The request is over, its last byte sent: its metrics (README: "Metrics"), and the trace of a
    /// request that ended before its answer (README: "Execution trace").
    fn on_log(&mut self) {
        if let Some(mut t) = self.trace.take() {
            // The client went away before the answer: what was traced so far.
            emit(&mut t);
        }
        if let Some(key) = self.handoff.take() {
            // Never taken up nor answered (the client went away): nothing waits for it.
            take_handed_over(key);
        }
        self.end_log();
        if !self.tally.counted() {
            return;
        }
        self.stats.record(self.tally.finish(now_ns(), self.response.status()).into_iter().flatten());
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        match self.response.body(end_of_stream) {
            BodyStep::Continue => Action::Continue,
            BodyStep::Pause => Action::Pause,
            BodyStep::Replace(body) => {
                let status = host::set_buffer(host::BUFFER_RESPONSE_BODY, 0, body_size, &body);
                if status != 0 {
                    host::log(host::LOG_ERROR, &format!("apigateway: replacing the error body failed ({status})"));
                }
                Action::Continue
            }
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if end_of_stream {
            self.body_pending = false;
        }
        if let Some(reply) = self.deferred.take() {
            if end_of_stream {
                return self.send(reply);
            }
            // Drop what came: the answer is decided, and nothing accumulates towards the buffer limit.
            let status = host::set_buffer(host::BUFFER_REQUEST_BODY, 0, body_size, &[]);
            if status != 0 {
                host::log(host::LOG_DEBUG, &format!("apigateway: dropping the request body failed ({status})"));
            }
            self.deferred = Some(reply);
            return Action::Pause;
        }
        if self.authorizing.is_some() || self.limiting.is_some() || self.calling.is_some() {
            // Held until the authorizer, the rate limit service or the callout answers:
            // continuing here would send the head upstream (a callout is sent before the body's
            // end only by the second instance of the ratelimit filter way).
            return Action::Pause;
        }
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
        self.admit(&gateway, routed, request)
    }
}
