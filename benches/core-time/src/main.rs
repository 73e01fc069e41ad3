//! The filter's own work per request, natively and without Envoy: what the adapter does between the
//! host reads and the local reply (decode the header map, `Gateway::start`, `Gateway::finish`,
//! encode the reply's headers), for the requests of the throughput scenarios c, d and e.
//! benches/run.py compares it with the CPU those scenarios cost in Envoy.
//!
//! Also the cost of one Lambda proxy event (payload 1.0, `event::v1::build`) for a typical request:
//! 10 headers, a query string, a 1 KB JSON body.
//!
//! With a second configuration (the proxied scenarios' definition), the filter's own work for
//! scenario H4 (HTTP with a request and a response template): the request head through
//! `Gateway::start`, `admit` and `finish` to the encoded callout, then the backend's answer
//! through `on_call_answer` to the encoded reply headers.
//!
//! And, against the same configuration, H3 (HTTP_PROXY: the request head's edits, then the
//! backend's head) and L3 (AWS_PROXY `GET /fn`: the event, its SigV4 signature with dummy
//! credentials, then the Lambda answer to the reply), with L3's event size.
//!
//! Usage: bench-core-time PLUGIN_CONFIG.json [HTTP_PLUGIN_CONFIG.json] [--json]
//!
//! `--trace PLUGIN_CONFIG.json HTTP_PLUGIN_CONFIG.json [ROUNDS]`: the execution trace's cost (README:
//! "Execution trace"), paired, round by round: the MOCK (c) and H4 as above without the adapter's
//! trace hooks, with them and the trace off, and with it on (lines built, not emitted: each line is
//! one more host call in Envoy). `--trace-one CASE N PLUGIN HTTP_PLUGIN` runs one case N times (for
//! callgrind's instruction counts): CASE is mock|h4 followed by -plain, -off or -on.

use std::hint::black_box;
use std::time::Instant;

use apigw_envoy::admission::Admission;
use apigw_envoy::context::RequestContext;
use apigw_envoy::event::{v1, ProxyInput};
use apigw_envoy::gateway::{Gateway, Outcome, Routed, Start};
use apigw_envoy::http::Request;
use apigw_envoy::pairs;
use apigw_envoy::response_path::{CallAnswer, ResponsePath};
use apigw_envoy::sigv4::{self, Credentials};

const ITERATIONS: usize = 200_000;

/// The request headers Envoy hands the filter for wrk's requests (wrk sends only Host; the
/// connection manager adds the rest before the filter runs).
fn header_map(method: &str, path: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut h: Vec<(&str, &str)> = vec![
        (":authority", "127.0.0.1:10000"),
        (":path", path),
        (":method", method),
        (":scheme", "http"),
        ("x-forwarded-proto", "http"),
        ("x-request-id", "0b7d6b2e-5c1a-4a57-9d0e-6f1c2b3a4d5e"),
    ];
    h.extend_from_slice(extra);
    pairs::encode(&h)
}

/// One request as the adapter handles it; returns the reply status.
fn handle(gateway: &Gateway, raw_headers: &[u8]) -> Result<u16, String> {
    handle_hooked(gateway, raw_headers, false)
}

/// [`handle`], with the adapter's execution trace hooks when `hooks` (src/wasm/mod.rs).
fn handle_hooked(gateway: &Gateway, raw_headers: &[u8], hooks: bool) -> Result<u16, String> {
    let headers = pairs::decode(raw_headers);
    let pseudo = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let request = Request {
        method: pseudo(":method"),
        path: pseudo(":path"),
        source_ip: "127.0.0.1".into(),
        request_id: "c0ffee00-0000-4000-8000-000000000000".into(),
        extended_request_id: "F3mG2EhRvHcEK7w=".into(),
        now_ms: 1_764_000_000_000,
        body: Vec::new(),
        headers,
    };
    let deployment = gateway.config.deployment_index(None).ok_or("no deployment")?;
    let mut trace = None;
    let reply = match gateway.start(deployment, &request) {
        Start::Respond(reply) => reply,
        Start::Routed(routed) => {
            if hooks {
                trace = gateway.trace_for(deployment, &request);
            }
            if let Some(t) = trace.as_mut() {
                gateway.trace_execution(t, &routed, &request);
            }
            let outcome = gateway.finish(&routed, &request);
            if let Some(t) = trace.as_mut() {
                gateway.trace_outcome(t, &routed, &outcome, request.now_ms);
            }
            match outcome {
                Outcome::Reply(reply) => reply,
                _ => return Err("not a local reply".into()),
            }
        }
    };
    if let Some(mut t) = trace {
        t.method_response(&reply.response, Some(&reply.response.body), reply.log.as_deref());
        LINES.with(|c| c.set(black_box(t.take()).len()));
    }
    black_box(pairs::encode(&reply.response.headers));
    Ok(reply.response.status)
}

fn time(gateway: &Gateway, raw: &[u8], expect: u16) -> Result<f64, String> {
    let status = handle(gateway, raw)?;
    if status != expect {
        return Err(format!("status {status}, expected {expect}"));
    }
    for _ in 0..ITERATIONS / 10 {
        black_box(handle(gateway, black_box(raw))?);
    }
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        black_box(handle(gateway, black_box(raw))?);
    }
    Ok(start.elapsed().as_nanos() as f64 / ITERATIONS as f64 / 1000.0)
}

/// The request of H4 as the adapter has it after reading the request head (wrk's `GET` with the
/// connection manager's headers); the clock and the caller's address are filled in later, as the
/// adapter reads them, only when the operation's plan asks for them.
fn http_request(raw_headers: &[u8]) -> Request {
    let headers = pairs::decode(raw_headers);
    let pseudo = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    Request {
        method: pseudo(":method"),
        path: pseudo(":path"),
        source_ip: String::new(),
        request_id: "c0ffee00-0000-4000-8000-000000000000".into(),
        extended_request_id: "F3mG2EhRvHcEK7w=".into(),
        now_ms: 0,
        body: Vec::new(),
        headers,
    }
}

/// The backend's answer in H4, as `on_http_call_response` reads it (Envoy's router adds
/// `x-envoy-upstream-service-time` to an answer that came from the upstream).
fn backend_answer() -> CallAnswer {
    let headers = [(":status", "200"), ("content-type", "application/json"), ("content-length", "11"),
                   ("date", "Mon, 24 Nov 2025 16:00:00 GMT"), ("server", "envoy"),
                   ("x-envoy-upstream-service-time", "0")];
    CallAnswer {
        status: 200,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: br#"{"ok":true}"#.to_vec(),
    }
}

/// One H4 request as the adapter handles it, both halves (what the adapter does before the
/// callout and after its answer); returns the reply status and body.
fn handle_http(gateway: &Gateway, raw_headers: &[u8], answer: &CallAnswer) -> Result<(u16, Vec<u8>), String> {
    handle_http_hooked(gateway, raw_headers, answer, false)
}

/// A request head as the adapter takes it up to the integration: `start`, the host reads its
/// plan asks for (fixed values here), `admit`.
fn admitted(gateway: &Gateway, raw_headers: &[u8]) -> Result<(Routed, Request), String> {
    let mut request = http_request(raw_headers);
    let deployment = gateway.config.deployment_index(None).ok_or("no deployment")?;
    let Start::Routed(routed) = gateway.start(deployment, &request) else { return Err("not routed".into()) };
    let reads = gateway.host_reads(&routed);
    if reads.peer {
        request.source_ip = "127.0.0.1".into();
    }
    if reads.clock {
        request.now_ms = 1_764_000_000_000;
    }
    match gateway.admit(&routed, &request) {
        Admission::Admit(authorizer) => Ok((Routed { authorizer, ..routed }, request)),
        _ => Err("not admitted".into()),
    }
}

/// [`handle_http`], with the adapter's execution trace hooks when `hooks` (src/wasm/mod.rs).
fn handle_http_hooked(gateway: &Gateway, raw_headers: &[u8], answer: &CallAnswer, hooks: bool)
    -> Result<(u16, Vec<u8>), String> {
    let (routed, request) = admitted(gateway, raw_headers)?;
    let mut trace = if hooks { gateway.trace_for(routed.deployment, &request) } else { None };
    if let Some(t) = trace.as_mut() {
        gateway.trace_execution(t, &routed, &request);
    }
    let outcome = gateway.finish(&routed, &request);
    if let Some(t) = trace.as_mut() {
        gateway.trace_outcome(t, &routed, &outcome, 1_764_000_000_000);
    }
    let Outcome::Call(call, env) = outcome else { return Err("no callout".into()) };
    black_box(pairs::encode(&call.headers));
    black_box(&call.body);
    if let Some(t) = trace.as_mut() {
        t.call_answer(answer, 1_764_000_000_001);
    }
    let reply = gateway.on_call_answer(&routed, &request, env, answer);
    let reply = ResponsePath::new("AbCdEfGhIjKlMnO=".into()).local_reply(reply);
    if let Some(mut t) = trace {
        t.method_response(&reply.response, Some(&reply.response.body), reply.log.as_deref());
        LINES.with(|c| c.set(black_box(t.take()).len()));
    }
    black_box(pairs::encode(&reply.response.headers));
    Ok((reply.response.status, reply.response.body))
}

/// Envoy's Lambda stand-in's answer in L3 (the proxied scenarios' upstream `direct_response`).
fn lambda_answer() -> CallAnswer {
    let body = br#"{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{}"}"#;
    let headers = [(":status", "200"), ("content-type", "application/json"), ("content-length", "76"),
                   ("date", "Mon, 24 Nov 2025 16:00:00 GMT"), ("server", "envoy"),
                   ("x-envoy-upstream-service-time", "0")];
    CallAnswer {
        status: 200,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: body.to_vec(),
    }
}

/// One L3 request (`GET /fn`, AWS_PROXY) as the adapter handles it: the head through `start`,
/// `admit` and `finish` to the encoded (signed) callout, then the Lambda answer through
/// `on_call_answer` to the encoded reply headers. Returns the reply status and body, and the event.
fn handle_lambda(gateway: &Gateway, raw_headers: &[u8], answer: &CallAnswer) -> Result<(u16, Vec<u8>, Vec<u8>), String> {
    let (routed, request) = admitted(gateway, raw_headers)?;
    let Outcome::Call(call, env) = gateway.finish(&routed, &request) else { return Err("no callout".into()) };
    black_box(pairs::encode(&call.headers));
    let event = call.body;
    let reply = gateway.on_call_answer(&routed, &request, env, answer);
    let reply = ResponsePath::new("AbCdEfGhIjKlMnO=".into()).local_reply(reply);
    black_box(pairs::encode(&reply.response.headers));
    Ok((reply.response.status, reply.response.body, event))
}

/// µs per L3 request ([`handle_lambda`], the invoke signed with dummy credentials) and its event,
/// after checking its answer.
fn time_lambda(gateway: &mut Gateway) -> Result<(f64, Vec<u8>), String> {
    gateway.credentials = Some(Credentials {
        access_key_id: "AKIDBENCHEXAMPLE0000".into(),
        secret_access_key: "benchSecretKeyExample0000000000000000000".into(),
        session_token: None,
    });
    let raw = header_map("GET", "/fn", &[]);
    let answer = lambda_answer();
    let (status, body, event) = handle_lambda(gateway, &raw, &answer)?;
    if (status, body.as_slice()) != (200, b"{}".as_slice()) {
        return Err(format!("L3: status {status}, body {}", String::from_utf8_lossy(&body)));
    }
    let n = ITERATIONS / 10;
    for _ in 0..n / 10 {
        black_box(handle_lambda(gateway, black_box(&raw), &answer)?);
    }
    let start = Instant::now();
    for _ in 0..n {
        black_box(handle_lambda(gateway, black_box(&raw), &answer)?);
    }
    Ok((start.elapsed().as_nanos() as f64 / n as f64 / 1000.0, event))
}

/// One H3 request (`GET /proxy/items/42?q=abc`, HTTP_PROXY) as the adapter handles it: the head
/// through `start`, `admit` and `finish` to the request head's edits, then the backend's head
/// through `proxied_head`.
fn handle_proxy(gateway: &Gateway, raw_headers: &[u8], received: &[(String, String)]) -> Result<usize, String> {
    let (routed, request) = admitted(gateway, raw_headers)?;
    let Outcome::Forward(forward) = gateway.finish(&routed, &request) else { return Err("not forwarded".into()) };
    let edits = forward.edits(&request.headers);
    let plan = ResponsePath::new("AbCdEfGhIjKlMnO=".into()).proxied_head(gateway, &routed, &request, received,
        String::new);
    black_box(&plan.change);
    Ok(edits.len())
}

/// µs per H3 request ([`handle_proxy`]).
fn time_proxy(gateway: &Gateway) -> Result<f64, String> {
    let raw = header_map("GET", "/proxy/items/42?q=abc", &[]);
    let received = backend_answer().headers;
    handle_proxy(gateway, &raw, &received)?;
    for _ in 0..ITERATIONS / 10 {
        black_box(handle_proxy(gateway, black_box(&raw), &received)?);
    }
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        black_box(handle_proxy(gateway, black_box(&raw), &received)?);
    }
    Ok(start.elapsed().as_nanos() as f64 / ITERATIONS as f64 / 1000.0)
}

/// µs per H4 request ([`handle_http`]), after checking its answer.
fn time_http(gateway: &Gateway) -> Result<f64, String> {
    let raw = header_map("GET", "/items/42?q=abc", &[]);
    let answer = backend_answer();
    let (status, body) = handle_http(gateway, &raw, &answer)?;
    let doc: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("H4 body: {e}"))?;
    if status != 200 || doc != serde_json::json!({"wrapped": {"ok": true}, "ok": true}) {
        return Err(format!("H4: status {status}, body {}", String::from_utf8_lossy(&body)));
    }
    for _ in 0..ITERATIONS / 10 {
        black_box(handle_http(gateway, black_box(&raw), &answer)?);
    }
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        black_box(handle_http(gateway, black_box(&raw), &answer)?);
    }
    Ok(start.elapsed().as_nanos() as f64 / ITERATIONS as f64 / 1000.0)
}

/// A typical AWS_PROXY request: 10 headers, a query string, a 1 KB JSON body.
fn event_request() -> (Request, RequestContext) {
    let item = r#"{"sku":"A-1000","name":"bench item","qty":3,"price":12.5,"tags":["x","y","z"]}"#;
    let mut body = String::from(r#"{"order":"o-123456","items":["#);
    while body.len() < 1000 {
        if !body.ends_with('[') {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str("]}");
    let headers: Vec<(String, String)> = [
        ("host", "abc123.execute-api.us-east-1.amazonaws.com"),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
        ("accept", "application/json"),
        ("accept-encoding", "gzip, deflate, br"),
        ("accept-language", "en-US,en;q=0.9"),
        ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"),
        ("content-type", "application/json"),
        ("content-length", "1000"),
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let request = Request {
        method: "POST".into(),
        path: "/orders/o-123456/items?expand=true&limit=20&tag=a&tag=b".into(),
        headers,
        body: body.into_bytes(),
        source_ip: "203.0.113.7".into(),
        request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
        extended_request_id: "F3mG2EhRvHcEK7w=".into(),
        now_ms: 1_764_000_000_000,
    };
    let context = RequestContext {
        account_id: "123456789012".into(),
        api_id: "abc123".into(),
        deployment_id: "dep1".into(),
        domain_name: "abc123.execute-api.us-east-1.amazonaws.com".into(),
        domain_prefix: "abc123".into(),
        extended_request_id: "ext-1".into(),
        http_method: "POST".into(),
        path: "/prod/orders/o-123456/items".into(),
        protocol: "HTTP/1.1".into(),
        request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
        request_time: "24/Nov/2025:16:00:00 +0000".into(),
        request_time_epoch: 1_764_000_000_000,
        resource_id: "res1".into(),
        resource_path: "/orders/{id}/items".into(),
        stage: "prod".into(),
        source_ip: "203.0.113.7".into(),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36".into()),
        authorizer: None,
        iam: None,
        api_key: None,
    };
    (request, context)
}

/// µs per `event::v1::build` of [`event_request`], and the event's size in bytes.
/// Runs `f` with the proxy input of [`event_request`] (resource `/orders/{id}/items`).
fn with_event_input<R>(f: impl FnOnce(&ProxyInput) -> R) -> R {
    let (request, context) = event_request();
    let path_params = vec![("id".to_string(), "o-123456".to_string())];
    f(&ProxyInput {
        request: &request,
        context: &context,
        resource: "/orders/{id}/items",
        path: "/orders/o-123456/items",
        path_params: &path_params,
        stage_variables: &[],
        binary_media_types: &[],
    })
}

fn time_event() -> (f64, usize) {
    with_event_input(|input| {
        let size = v1::build(input).len();
        for _ in 0..ITERATIONS / 10 {
            black_box(v1::build(black_box(input)));
        }
        let start = Instant::now();
        for _ in 0..ITERATIONS {
            black_box(v1::build(black_box(input)));
        }
        (start.elapsed().as_nanos() as f64 / ITERATIONS as f64 / 1000.0, size)
    })
}

/// µs per SigV4 signature (service `lambda`) of that event as the Invoke API body: SHA-256 of the
/// body dominates, and inside the VM it runs without the CPU's SHA instructions.
fn time_sign() -> f64 {
    let body = with_event_input(v1::build);
    let creds = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
    };
    let headers = vec![
        ("host".to_string(), "lambda.us-east-1.amazonaws.com".to_string()),
        ("content-type".to_string(), "application/json".to_string()),
    ];
    let path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afn/invocations";
    let sign = || sigv4::sign("POST", path, "", &headers, body.as_bytes(), "lambda", "us-east-1", &creds, 1_764_000_000_000);
    for _ in 0..ITERATIONS / 100 {
        black_box(sign());
    }
    let n = ITERATIONS / 10;
    let start = Instant::now();
    for _ in 0..n {
        black_box(sign());
    }
    start.elapsed().as_nanos() as f64 / n as f64 / 1000.0
}

/// `HOT=h3|l3|h4 N=200 bench-core-time PLUGIN_CONFIG.json HTTP_PLUGIN_CONFIG.json`: only `N` requests
/// of one proxied scenario, untimed, for instruction counts under `valgrind --tool=callgrind`
/// (subtract a run with `N=0`, the configuration's parse): benches/README.md, "Tuning log".
fn hot(which: &str, http_config: &str) -> Result<(), String> {
    let bytes = std::fs::read(http_config).map_err(|e| format!("{http_config}: {e}"))?;
    let mut gateway = Gateway::from_bytes(&bytes).map_err(|e| e.to_string())?;
    gateway.credentials = Some(Credentials {
        access_key_id: "AKIDBENCHEXAMPLE0000".into(),
        secret_access_key: "benchSecretKeyExample0000000000000000000".into(),
        session_token: None,
    });
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let (received, lambda, backend) = (backend_answer().headers, lambda_answer(), backend_answer());
    for _ in 0..n {
        match which {
            "h3" => drop(black_box(handle_proxy(&gateway, &header_map("GET", "/proxy/items/42?q=abc", &[]), &received)?)),
            "l3" => drop(black_box(handle_lambda(&gateway, &header_map("GET", "/fn", &[]), &lambda)?)),
            "h4" => drop(black_box(handle_http(&gateway, &header_map("GET", "/items/42?q=abc", &[]), &backend)?)),
            other => return Err(format!("HOT={other}: h3, l3 or h4")),
        }
    }
    Ok(())
}

thread_local! {
    /// The trace lines of the last traced request.
    static LINES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A gateway from `path`, its deployments tracing when `trace`.
fn gateway_from(path: &str, trace: bool) -> Result<Gateway, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let mut gateway = Gateway::from_bytes(&bytes).map_err(|e| e.to_string())?;
    for d in &mut gateway.config.deployments {
        d.trace = trace;
    }
    Ok(gateway)
}

/// One trace case: (µs per request, trace lines per request).
fn trace_case(case: &str, gateways: &[Gateway; 2], http: &[Gateway; 2], n: usize) -> Result<(f64, usize), String> {
    let mock = header_map("GET", "/res25", &[]);
    let h4 = header_map("GET", "/items/42?q=abc", &[]);
    let answer = backend_answer();
    let (is_h4, hooks, on) = match case {
        "mock-plain" => (false, false, false),
        "mock-off" => (false, true, false),
        "mock-on" => (false, true, true),
        "h4-plain" => (true, false, false),
        "h4-off" => (true, true, false),
        "h4-on" => (true, true, true),
        other => return Err(format!("unknown case {other}")),
    };
    let g = if is_h4 { &http[usize::from(on)] } else { &gateways[usize::from(on)] };
    let one = || -> Result<(), String> {
        if is_h4 {
            black_box(handle_http_hooked(g, black_box(&h4), &answer, hooks)?);
        } else {
            black_box(handle_hooked(g, black_box(&mock), hooks)?);
        }
        Ok(())
    };
    let start = Instant::now();
    for _ in 0..n {
        one()?;
    }
    let us = start.elapsed().as_nanos() as f64 / n.max(1) as f64 / 1000.0;
    let lines = if on { LINES.with(std::cell::Cell::get) } else { 0 };
    Ok((us, lines))
}

/// `--trace` and `--trace-one` (module comment).
fn trace_main(args: &[String]) -> Result<(), String> {
    let arg = |i: usize| args.get(i).cloned().ok_or("usage: see the module comment");
    if arg(1)? == "--trace-one" {
        let (case, n) = (arg(2)?, arg(3)?.parse::<usize>().map_err(|e| e.to_string())?);
        let gateways = [gateway_from(&arg(4)?, false)?, gateway_from(&arg(4)?, true)?];
        let http = [gateway_from(&arg(5)?, false)?, gateway_from(&arg(5)?, true)?];
        trace_case(&case, &gateways, &http, n)?;
        return Ok(());
    }
    let gateways = [gateway_from(&arg(2)?, false)?, gateway_from(&arg(2)?, true)?];
    let http = [gateway_from(&arg(3)?, false)?, gateway_from(&arg(3)?, true)?];
    let rounds = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(5usize);
    let cases = ["mock-plain", "mock-off", "mock-on", "h4-plain", "h4-off", "h4-on"];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut lines = vec![0; cases.len()];
    for round in 0..rounds {
        for k in 0..cases.len() {
            // The order rotates each round, so that no case always runs first.
            let i = (k + round) % cases.len();
            trace_case(cases[i], &gateways, &http, ITERATIONS / 10)?;
            let (us, n) = trace_case(cases[i], &gateways, &http, ITERATIONS)?;
            times[i].push(us);
            lines[i] = n;
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!("µs per request, native, median of {rounds} rounds (trace lines per request):");
    for (i, case) in cases.iter().enumerate() {
        println!("  {case:10} {:8.2}  ({} lines)", median(&mut times[i]), lines[i]);
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Ok(which) = std::env::var("HOT") {
        if let Err(e) = hot(&which, args.get(2).map_or("", String::as_str)) {
            eprintln!("core-time: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.get(1).is_some_and(|a| a.starts_with("--trace")) {
        if let Err(e) = trace_main(&args) {
            eprintln!("core-time: {e}");
            std::process::exit(1);
        }
        return;
    }
    let Some(path) = args.get(1) else {
        eprintln!("usage: bench-core-time PLUGIN_CONFIG.json [HTTP_PLUGIN_CONFIG.json] [--json]");
        std::process::exit(2);
    };
    let result = std::fs::read(path)
        .map_err(|e| format!("{path}: {e}"))
        .and_then(|bytes| Gateway::from_bytes(&bytes).map_err(|e| e.to_string()))
        .and_then(|gateway| {
            let preflight = [("origin", "https://example.com"), ("access-control-request-method", "GET"),
                             ("access-control-request-headers", "content-type")];
            Ok((
                time(&gateway, &header_map("GET", "/res25", &[]), 200)?,
                time(&gateway, &header_map("OPTIONS", "/res25", &preflight), 200)?,
                time(&gateway, &header_map("GET", "/no/such/resource", &[]), 403)?,
            ))
        });
    let http = match args.get(2).filter(|a| !a.starts_with("--")) {
        Some(path) => std::fs::read(path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|bytes| Gateway::from_bytes(&bytes).map_err(|e| e.to_string()))
            .and_then(|mut gateway| {
                let h4 = time_http(&gateway)?;
                let h3 = time_proxy(&gateway)?;
                let (l3, l3_event) = time_lambda(&mut gateway)?;
                let event = serde_json::to_string(&String::from_utf8_lossy(&l3_event)).map_err(|e| e.to_string())?;
                Ok(format!(", \"h4\": {h4:.2}, \"h3\": {h3:.2}, \"l3\": {l3:.2}, \"l3_event\": {event}"))
            })
            .map(Some),
        None => Ok(None),
    };
    let result = result.and_then(|r| http.map(|h| (r, h)));
    let (event_us, event_bytes) = time_event();
    let sign_us = time_sign();
    match result {
        Ok(((c, d, e), h4)) if args.iter().any(|a| a == "--json") => {
            let h4 = h4.unwrap_or_default();
            println!("{{\"c\": {c:.2}, \"d\": {d:.2}, \"e\": {e:.2}{h4}, \"event_v1\": {event_us:.2}, \"event_v1_bytes\": {event_bytes}, \"sign_v1\": {sign_us:.2}}}");
        }
        Ok(((c, d, e), h4)) => println!(
            "µs per request, native: MOCK {c:.2}, CORS preflight {d:.2}, 403 {e:.2}{}; \
             one Lambda proxy event (v1, {event_bytes} bytes) {event_us:.2}, its SigV4 signature {sign_us:.2}",
            h4.map(|h| format!(", proxied (JSON) {h}")).unwrap_or_default()
        ),
        Err(e) => {
            eprintln!("core-time: {e}");
            std::process::exit(1);
        }
    }
}
