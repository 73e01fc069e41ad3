//! Throttling and quotas in the request flow (README: "Throttling"), without Envoy: the stage's
//! `methodSettings` as `aws apigateway get-stage` prints them, the account's settings as
//! `get-account` prints them, the usage plan's limits as API key admission hands them over
//! ([`Metered`]), the order of the checks (after admission, before request validation, nothing
//! invoked when refused) and AWS's exact 429s. The counters live in the gateway's memory store;
//! the clock is the request's time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use apigw_envoy::gateway::{Gateway, Outcome, Routed, Start};
use apigw_envoy::http::{Request, Response};
use apigw_envoy::throttle::{BucketLimit, Metered, Period, QuotaLimit};
use serde_json::{json, Value};

const T0: u64 = 1_795_587_628_000; // 2026-11-25T06:20:28Z, a Wednesday
const TOO_MANY: &[u8] = b"{\"message\":\"Too Many Requests\"}";
const LIMIT_EXCEEDED: &[u8] = b"{\"message\":\"Limit Exceeded\"}";
const FN: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations";

fn mock() -> Value {
    json!({"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200"}}}})
}

fn paths() -> Value {
    json!({
        "/pets": {"get": mock(), "post": {
            "x-amazon-apigateway-request-validator": "all",
            "parameters": [{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}],
            "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": FN}}},
        "/pets/{id}": {"get": mock(), "delete": mock()},
        "/": {"get": mock()},
    })
}

/// The settings AWS prints for each `methodSettings` entry, with these throttles.
fn method_setting(rate: Value, burst: Value) -> Value {
    json!({"metricsEnabled": false, "loggingLevel": "INFO", "dataTraceEnabled": false,
           "throttlingBurstLimit": burst, "throttlingRateLimit": rate, "cachingEnabled": false,
           "cacheTtlInSeconds": 300, "cacheDataEncrypted": false, "requireAuthorizationForCacheControl": true,
           "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"})
}

/// `aws apigateway get-stage` output with these `methodSettings`.
fn get_stage(method_settings: Value) -> Value {
    json!({"stageName": "prod", "cacheClusterSize": "0.5", "cacheClusterEnabled": false,
           "cacheClusterStatus": "NOT_AVAILABLE", "deploymentId": "rbh1fj", "lastUpdatedDate": 1466802961,
           "createdDate": 1460682074, "methodSettings": method_settings, "variables": {"v": "1"},
           "tracingEnabled": false})
}

fn config(extra: Value) -> Value {
    let mut c = json!({
        "api": {"openapi": "3.0.1", "info": {"title": "throttled", "version": "1"}, "paths": paths(),
                "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true,
                                                                   "validateRequestParameters": true}}},
        "stage": "prod",
        "targets": {"lambda": {"cluster": "lambda", "authority": "lambda.local"}},
    });
    if let (Some(o), Value::Object(e)) = (c.as_object_mut(), extra) {
        o.extend(e);
    }
    c
}

fn gateway(extra: Value) -> Gateway {
    Gateway::from_bytes(config(extra).to_string().as_bytes()).unwrap()
}

fn refused(extra: Value) -> String {
    match Gateway::from_bytes(config(extra).to_string().as_bytes()) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

fn request(method: &str, path: &str, now_ms: u64) -> Request {
    Request {
        method: method.into(),
        path: path.into(),
        headers: vec![(":method".into(), method.into()), (":path".into(), path.into())],
        body: Vec::new(),
        source_ip: "127.0.0.1".into(),
        request_id: "11111111-2222-4333-8444-555555555555".into(),
        extended_request_id: "ext".into(),
        now_ms,
    }
}

fn routed(g: &Gateway, req: &Request) -> Routed {
    match g.start(0, req) {
        Start::Routed(r) => r,
        Start::Respond(r) => panic!("not routed: {:?}", r.response.status),
    }
}

/// What the flow does with a request at `now_ms`, with `metered` as API key admission found it.
fn run(g: &Gateway, method: &str, path: &str, now_ms: u64, metered: Option<&Metered>) -> Outcome {
    let req = request(method, path, now_ms);
    let r = Routed { metered: metered.cloned().map(Box::new), ..routed(g, &req) };
    g.finish(&r, &req)
}

fn status(o: &Outcome) -> u16 {
    match o {
        Outcome::Reply(r) => r.response.status,
        Outcome::Call(..) => 1,
        Outcome::Forward(..) => 2,
    }
}

/// The statuses of `n` requests at the same time.
fn statuses(g: &Gateway, method: &str, path: &str, n: usize, now_ms: u64, m: Option<&Metered>) -> Vec<u16> {
    (0..n).map(|_| status(&run(g, method, path, now_ms, m))).collect()
}

fn reply(o: Outcome) -> Response {
    match o {
        Outcome::Reply(r) => r.response,
        _ => panic!("not a local reply"),
    }
}

/// AWS's 429: status, body and exactly these headers (the adapter adds x-amz-apigw-id).
fn assert_429(r: &Response, body: &[u8], error_type: &str) {
    assert_eq!((r.status, String::from_utf8_lossy(&r.body)), (429, String::from_utf8_lossy(body)));
    let headers: Vec<(&str, &str)> = r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(headers, [("content-type", "application/json"), ("x-amzn-ErrorType", error_type),
                         ("x-amzn-RequestId", "11111111-2222-4333-8444-555555555555")]);
}

fn metered(throttle: Option<(u64, u64)>, method: Option<(u64, u64)>, quota: Option<QuotaLimit>) -> Metered {
    let limit = |(rate, burst): (u64, u64)| BucketLimit::new(rate * 1000, burst);
    Metered {
        key_id: "k1".into(),
        plan_id: "p1".into(),
        throttle: throttle.map(limit),
        method_throttle: method.map(limit),
        quota,
    }
}

// `*/*` limits each method: a burst at once, then the rate; the refusal is AWS's exact THROTTLED.
#[test]
fn stage_limit_burst_then_rate() {
    let g = gateway(json!({"stageSettings": get_stage(json!({"*/*": method_setting(json!(2.0), json!(3))}))}));
    assert_eq!(statuses(&g, "GET", "/pets", 4, T0, None), [200, 200, 200, 429]);
    assert_429(&reply(run(&g, "GET", "/pets", T0, None)), TOO_MANY, "TooManyRequestsException");
    // 2 per second: one more after 500 ms, not before.
    assert_eq!(status(&run(&g, "GET", "/pets", T0 + 499, None)), 429);
    assert_eq!(statuses(&g, "GET", "/pets", 2, T0 + 500, None), [200, 429]);
    // Each method its own bucket (AWS applies stage limits at the method level).
    assert_eq!(statuses(&g, "GET", "/pets/1", 4, T0, None), [200, 200, 200, 429]);
    assert_eq!(statuses(&g, "GET", "/", 4, T0, None), [200, 200, 200, 429]);
}

// A method's own key wins over `*/*` field by field; `~1pets~1{id}/*` covers every method of the
// resource; a field no key sets comes from the account (AWS's 5,000 burst here).
#[test]
fn method_settings_override_the_stage() {
    let g = gateway(json!({"stageSettings": get_stage(json!({
        "*/*": method_setting(json!(1.0), json!(1)),
        "~1pets/GET": method_setting(json!(100.0), json!(5)),
        "~1pets~1{id}/*": {"throttlingRateLimit": 0.5},
        "~1/GET": {"loggingLevel": "ERROR", "throttlingBurstLimit": -1, "throttlingRateLimit": -1.0},
    }))}));
    assert_eq!(statuses(&g, "GET", "/pets", 6, T0, None), [200, 200, 200, 200, 200, 429]);
    // burst 1 (from */*), rate 0.5: one now, one two seconds later.
    assert_eq!(statuses(&g, "DELETE", "/pets/7", 2, T0, None), [200, 429]);
    assert_eq!(status(&run(&g, "DELETE", "/pets/7", T0 + 1_999, None)), 429);
    assert_eq!(status(&run(&g, "DELETE", "/pets/7", T0 + 2_000, None)), 200);
    // -1 sets nothing: `*/*` applies.
    assert_eq!(statuses(&g, "GET", "/", 2, T0, None), [200, 429]);
    let only_rate = gateway(json!({"stageSettings": get_stage(json!({"*/*": {"throttlingRateLimit": 1}}))}));
    assert_eq!(statuses(&only_rate, "GET", "/pets", 5_001, T0, None).iter().filter(|s| **s == 200).count(), 5_000);
}

// The account's limit (get-account's throttleSettings) is one bucket for every method; AWS's
// default is 10,000 per second with a burst of 5,000; negative values turn it off.
#[test]
fn account_limit() {
    let account = json!({"accountSettings": {"throttleSettings": {"burstLimit": 3, "rateLimit": 1.0},
                                             "features": ["UsagePlans"], "apiKeyVersion": "4"}});
    let g = gateway(account);
    let mixed: Vec<u16> = ["/pets", "/pets/1", "/", "/pets"].iter().map(|p| status(&run(&g, "GET", p, T0, None))).collect();
    assert_eq!(mixed, [200, 200, 200, 429]);
    let defaults = gateway(json!({}));
    let s = statuses(&defaults, "GET", "/pets", 5_001, T0, None);
    assert_eq!((s.iter().filter(|s| **s == 200).count(), s[5_000]), (5_000, 429));
    assert_eq!(status(&run(&defaults, "GET", "/pets", T0 + 1, None)), 200); // 10 per ms
    let off = gateway(json!({"accountSettings": {"throttleSettings": {"burstLimit": -1, "rateLimit": -1.0}}}));
    assert!(statuses(&off, "GET", "/pets", 6_000, T0, None).iter().all(|s| *s == 200));
}

// A usage plan's limits apply per API key: the plan's method throttle, then the plan's throttle,
// then its quota, each with AWS's answer; another key has its own counters.
#[test]
fn usage_plan_levels() {
    let g = gateway(json!({}));
    let m = metered(Some((10, 3)), Some((1, 1)), None);
    assert_eq!(statuses(&g, "GET", "/pets", 2, T0, Some(&m)), [200, 429]);
    // Another method without a method throttle: the plan's 3 (1 already used) apply.
    let plain = Metered { method_throttle: None, ..m.clone() };
    assert_eq!(statuses(&g, "GET", "/pets/1", 3, T0, Some(&plain)), [200, 200, 429]);
    let other = Metered { key_id: "k2".into(), ..plain };
    assert_eq!(statuses(&g, "GET", "/pets/1", 4, T0, Some(&other)), [200, 200, 200, 429]);
    let q = metered(None, None, Some(QuotaLimit { limit: 2, offset: 0, period: Period::Day }));
    assert_eq!(statuses(&g, "GET", "/", 2, T0, Some(&q)), [200, 200]);
    assert_429(&reply(run(&g, "GET", "/", T0, Some(&q))), LIMIT_EXCEEDED, "LimitExceededException");
    // The next UTC day starts a new period.
    let midnight = T0 - T0 % 86_400_000 + 86_400_000;
    assert_eq!(statuses(&g, "GET", "/", 3, midnight, Some(&q)), [200, 200, 429]);
}

// AWS's order: the plan (throttle, then quota) before the stage; a request the stage refuses
// gives its quota count back, so it does not use up the quota.
#[test]
fn quota_before_stage_and_given_back() {
    let g = gateway(json!({"stageSettings": get_stage(json!({"~1pets/GET": method_setting(json!(0), json!(1))}))}));
    let q = metered(None, None, Some(QuotaLimit { limit: 2, offset: 0, period: Period::Week }));
    assert_eq!(statuses(&g, "GET", "/pets", 3, T0, Some(&q)), [200, 429, 429]);
    assert_429(&reply(run(&g, "GET", "/pets", T0, Some(&q))), TOO_MANY, "TooManyRequestsException");
    // The quota has 1 left: the stage refusals gave theirs back.
    assert_eq!(statuses(&g, "GET", "/", 2, T0, Some(&q)), [200, 429]);
    assert_429(&reply(run(&g, "GET", "/", T0, Some(&q))), LIMIT_EXCEEDED, "LimitExceededException");
}

// The offset comes off the limit in the initial period only.
#[test]
fn quota_offset() {
    let g = gateway(json!({}));
    let q = metered(None, None, Some(QuotaLimit { limit: 3, offset: 2, period: Period::Month }));
    assert_eq!(statuses(&g, "GET", "/", 2, T0, Some(&q)), [200, 429]);
    let december = 1_796_083_200_000; // 2026-12-01T00:00:00Z
    assert_eq!(statuses(&g, "GET", "/", 4, december, Some(&q)), [200, 200, 200, 429]);
}

// Throttling comes before request validation (access-control notes §1) and a refused request
// invokes nothing; an admitted one goes on to the validator, then the integration.
#[test]
fn throttle_before_validation_and_nothing_invoked() {
    let g = gateway(json!({"stageSettings": get_stage(json!({"~1pets/POST": method_setting(json!(0), json!(1))}))}));
    // Admitted, then refused by the validator (q missing).
    assert_eq!(status(&run(&g, "POST", "/pets", T0, None)), 400);
    // Throttled: the 429, not the validator's 400, and no Lambda call.
    assert_429(&reply(run(&g, "POST", "/pets", T0, None)), TOO_MANY, "TooManyRequestsException");
    let g = gateway(json!({"stageSettings": get_stage(json!({"~1pets/POST": method_setting(json!(0), json!(1))}))}));
    assert!(matches!(run(&g, "POST", "/pets?q=1", T0, None), Outcome::Call(..)));
    assert_eq!(status(&run(&g, "POST", "/pets?q=1", T0, None)), 429);
}

// A customised THROTTLED gateway response answers instead of AWS's default.
#[test]
fn customised_throttled_response() {
    let mut c = config(json!({"stageSettings": get_stage(json!({"*/*": method_setting(json!(0), json!(0))}))}));
    c["api"]["x-amazon-apigateway-gateway-responses"] = json!({"DEFAULT_4XX": {
        "responseTemplates": {"application/json": "{\"error\":\"$context.error.responseType\"}"}}});
    let g = Gateway::from_bytes(c.to_string().as_bytes()).unwrap();
    let r = reply(run(&g, "GET", "/pets", T0, None));
    assert_eq!((r.status, r.body.as_slice()), (429, b"{\"error\":\"THROTTLED\"}".as_slice()));
}

// A file that cannot be used is refused at load, naming the key and the field.
#[test]
fn bad_stage_settings_refused() {
    let cases = [
        (json!({"~1pets/GET": method_setting(json!("fast"), json!(1))}),
         "field stageSettings.methodSettings.~1pets/GET.throttlingRateLimit: \"fast\" is not a number"),
        (json!({"~1pets/GET": method_setting(json!(1), json!(2.5))}),
         "field stageSettings.methodSettings.~1pets/GET.throttlingBurstLimit: 2.5 is not a whole number of requests"),
        (json!({"~1cats/GET": method_setting(json!(1), json!(1))}),
         "field stageSettings.methodSettings.~1cats/GET: no method GET /cats in the definition"),
        (json!({"~1pets/PUT": method_setting(json!(1), json!(1))}),
         "field stageSettings.methodSettings.~1pets/PUT: no method PUT /pets in the definition"),
        (json!({"/pets/GET": method_setting(json!(1), json!(1))}),
         "field stageSettings.methodSettings./pets/GET: the resource path must be * or start with ~1"),
        (json!({"~1pets/get": method_setting(json!(1), json!(1))}),
         "field stageSettings.methodSettings.~1pets/get: \"get\" is not an HTTP method"),
        (json!({"*/*": "fast"}), "field stageSettings.methodSettings.*/*: must be an object"),
        (json!({"*/*": method_setting(json!(1e12), json!(1))}),
         "field stageSettings.methodSettings.*/*.throttlingRateLimit: 1000000000000.0 is above the largest rate accepted"),
        (json!([]), "field stageSettings.methodSettings: must be an object"),
    ];
    for (settings, want) in cases {
        let got = refused(json!({"stageSettings": get_stage(settings)}));
        assert!(got.starts_with("invalid definition: deployment \"prod\": "), "{got}");
        assert!(got.contains(want), "{got}\n  wanted: {want}");
    }
    assert!(refused(json!({"stageSettings": "prod"})).contains("field stageSettings: must be an object"));
    assert!(refused(json!({"accountSettings": {"throttleSettings": {"rateLimit": "x"}}}))
        .contains("accountSettings.throttleSettings.rateLimit: \"x\" is not a number"));
}

// Settings for another stage name are used, with a warning at load.
#[test]
fn other_stage_name_warns() {
    let mut settings = get_stage(json!({}));
    settings["stageName"] = json!("dev");
    let g = gateway(json!({"stageSettings": settings}));
    assert!(g.config.warnings.iter().any(|w| w.contains("stageSettings are stage \"dev\"'s, served as stage \"prod\"")),
            "{:?}", g.config.warnings);
}

// --- global mode ---------------------------------------------------------------------------------

/// A `RateLimitResponse`: the overall code and each descriptor's.
fn rls_answer(overall: u8, statuses: &[u8]) -> Vec<u8> {
    let mut out = vec![0x08, overall];
    for s in statuses {
        out.extend_from_slice(&[0x12, 2, 0x08, *s]);
    }
    out
}

// With `globalRateLimit`, nothing is counted in the process: the adapter asks the service with
// the levels that apply (README: "Throttling"), and its answer is admitted or AWS's 429.
#[test]
fn global_mode() {
    let g = gateway(json!({"globalRateLimit": {"cluster": "rls", "domain": "d", "timeoutMs": 50},
                           "stageSettings": get_stage(json!({"~1pets/GET": method_setting(json!(0), json!(0))}))}));
    let req = request("GET", "/pets", T0);
    let r = Routed { metered: Some(Box::new(metered(None, None, Some(QuotaLimit { limit: 1, offset: 0, period: Period::Day })))),
                     ..routed(&g, &req) };
    // The local counters are not used: burst 0 would refuse.
    assert!(g.throttle(&r, &req).is_none());
    assert!(!g.throttles(&r));
    let call = g.rate_limit_call(&r).unwrap();
    assert_eq!((call.cluster.as_str(), call.timeout_ms), ("rls", 50));
    assert!(call.message.starts_with(&[0x0a, 1, b'd', 0x12]));
    for key in ["apigw/q/p1/k1", "apigw/s/prod/GET /pets", "apigw/a/123456789012/us-east-1"] {
        assert!(call.message.windows(key.len()).any(|w| w == key.as_bytes()), "{key}");
    }
    assert_eq!(g.on_rate_limit_answer(&r, &req, 0, &rls_answer(1, &[1, 1, 1])), Ok(None));
    // The first level over its limit decides the answer: the quota, then a throttle.
    let refusal = |body: Vec<u8>| g.on_rate_limit_answer(&r, &req, 0, &body).unwrap_err().response;
    assert_429(&refusal(rls_answer(2, &[2, 2, 1])), LIMIT_EXCEEDED, "LimitExceededException");
    assert_429(&refusal(rls_answer(2, &[1, 2, 1])), TOO_MANY, "TooManyRequestsException");
    // A failed call or an answer that says nothing admits, with a line for the log.
    let failed = g.on_rate_limit_answer(&r, &req, 14, &[]).unwrap().unwrap();
    assert_eq!(failed, "GET /pets: the rate limit call failed with gRPC status 14: admitted");
    assert!(g.on_rate_limit_answer(&r, &req, 0, &[0x08, 0]).unwrap().is_some());
    assert!(g.on_rate_limit_answer(&r, &req, 0, &[0x12, 9]).unwrap().is_some());
    // Without any level (account off, no stage limit, no plan) there is nothing to ask.
    let none = gateway(json!({"globalRateLimit": {"cluster": "rls"},
                              "accountSettings": {"throttleSettings": {"rateLimit": -1}}}));
    let req = request("GET", "/", T0);
    assert!(none.rate_limit_call(&routed(&none, &req)).is_none());
    assert!(refused(json!({"globalRateLimit": {"cluster": ""}})).contains("globalRateLimit.cluster: must be a non-empty string"));
}
