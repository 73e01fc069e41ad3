//! API keys and usage plans in the request flow without Envoy: `Gateway::start`, `admit` (the
//! authorizer), `admit_api_key` and the integration, as the adapter drives them, with AWS's
//! answers (README: "API keys and usage plans"; access-control notes §1, §2, §5). The end-to-end
//! tests (tests/e2e/test_api_keys.py) run the same in a real Envoy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use apigw_envoy::admission::Admission;
use apigw_envoy::api_keys::key_file::derived_id;
use apigw_envoy::api_keys::usage_plans::{QuotaPeriod, Throttle};
use apigw_envoy::api_keys::Refused;
use apigw_envoy::gateway::{Gateway, Outcome, Routed, Start};
use apigw_envoy::http::{Request, Response};
use serde_json::{json, Value};

const FN: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod";
const GOOD: &str = "good-key-0123456789abcdef";
const OFF: &str = "disabled-key-0123456789ab";
const LOOSE: &str = "no-plan-key-0123456789abc";
const DEV: &str = "dev-only-key-0123456789ab";
const OTHER_API: &str = "other-api-key-0123456789a";
const IDENTITY: &str = "$context.identity.apiKey|$context.identity.apiKeyId";

/// AWS's key file, columns in a mixed order and case, as the import reads it.
fn key_file() -> String {
    format!("usageplanIds,KEY,Enabled,name,Description,id\n\
             \"plan-prod,plan-dev\",{GOOD},TRUE,good,,key-good\n\
             plan-prod,{OFF},false,off,,\n\
             ,{LOOSE},,loose,a key in no plan,\n\
             plan-dev,{DEV},true,dev,,\n\
             plan-other,{OTHER_API},true,other,,\n")
}

/// What `aws apigateway get-usage-plans` prints for those plans.
fn usage_plans() -> Value {
    json!({"items": [
        {"id": "plan-prod", "name": "prod", "apiStages": [
            {"apiId": "abc123", "stage": "prod", "throttle": {"/a/GET": {"burstLimit": 2, "rateLimit": 1.0}}}],
         "throttle": {"burstLimit": 10, "rateLimit": 5.0}, "quota": {"limit": 100, "offset": 0, "period": "DAY"}},
        {"id": "plan-dev", "apiStages": [{"apiId": "abc123", "stage": "dev"}]},
        {"id": "plan-other", "apiStages": [{"apiId": "zzz999", "stage": "prod"}]}]})
}

fn mock(security: Value, template: &str) -> Value {
    json!({"security": security, "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}})
}

fn api(extra_root: Value) -> Value {
    let mut api = json!({"openapi": "3.0.1", "info": {"title": "keys", "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN, "authorizerResultTtlInSeconds": 0}},
            "tok2": {"type": "apiKey", "name": "X-Other", "in": "header", "x-amazon-apigateway-authtype": "custom",
                     "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN}}}},
        "paths": {
            "/a": {"get": mock(json!([{"api_key": []}]), IDENTITY)},
            "/open": {"get": mock(json!([]), IDENTITY)},
            "/both": {"get": mock(json!([{"tok": []}, {"api_key": []}]), IDENTITY)},
            "/two": {"get": mock(json!([{"tok": []}, {"tok2": []}]), IDENTITY)},
            "/root": {"get": {"x-amazon-apigateway-integration": mock(json!([]), IDENTITY)["x-amazon-apigateway-integration"]}},
            "/validated": {"post": {"security": [{"api_key": []}], "parameters": [{"name": "q", "in": "query", "required": true}],
                "x-amazon-apigateway-request-validator": "all",
                "x-amazon-apigateway-integration": mock(json!([]), IDENTITY)["x-amazon-apigateway-integration"]}}},
        "security": [{"api_key": []}],
        "x-amazon-apigateway-request-validators": {"all": {"validateRequestParameters": true, "validateRequestBody": true}}});
    for (k, v) in extra_root.as_object().unwrap() {
        api[k] = v.clone();
    }
    api
}

fn config(extra_root: Value, stage: &str, with_keys: bool) -> Value {
    let mut config = json!({"api": api(extra_root), "stage": stage, "apiId": "abc123", "accountId": "123456789012",
                            "region": "us-east-1", "targets": {"lambda": {"cluster": "lambda", "authority": "lambda.local"}}});
    if with_keys {
        config["apiKeys"] = json!(key_file());
        config["usagePlans"] = usage_plans();
    }
    config
}

fn gateway_of(config: &Value) -> Gateway {
    Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
}

fn gateway() -> Gateway {
    gateway_of(&config(json!({}), "prod", true))
}

fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
    let mut h = vec![(":method".to_string(), method.to_string()), (":path".to_string(), path.to_string()),
                     (":authority".to_string(), "gw.example.com".to_string())];
    h.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Request { method: method.into(), path: path.into(), headers: h, body: Vec::new(), source_ip: "127.0.0.1".into(),
              request_id: "rid".into(), extended_request_id: "ext".into(), now_ms: 1_700_000_000_000 }
}

fn routed(g: &Gateway, req: &Request) -> Routed {
    match g.start(0, req) {
        Start::Routed(r) => r,
        Start::Respond(reply) => panic!("answered at start: {:?}", reply.response),
    }
}

/// The adapter's flow for an operation without an authorizer: admission, the key step, the MOCK.
fn serve(g: &Gateway, req: &Request) -> Response {
    let r = routed(g, req);
    let r = match g.admit(&r, req) {
        Admission::Admit(facts) => Routed { authorizer: facts, ..r },
        other => panic!("not admitted: {other:?}"),
    };
    let r = match g.admit_api_key(r, req) {
        Ok(r) => r,
        Err(reply) => return reply.response,
    };
    match g.finish(&r, req) {
        Outcome::Reply(reply) => reply.response,
        _ => panic!("the MOCK did not reply"),
    }
}

fn answer(r: &Response) -> (u16, &str, &str) {
    (r.status, r.header("x-amzn-ErrorType").unwrap_or(""), std::str::from_utf8(&r.body).unwrap())
}

const FORBIDDEN: (u16, &str, &str) = (403, "ForbiddenException", r#"{"message":"Forbidden"}"#);

// Missing, empty, unknown, disabled, in no plan, in a plan of another stage or of another API:
// 403 Forbidden (AWS's INVALID_API_KEY). A key of a plan attached to this API and stage: the
// integration, with the key and its id in $context.identity.
#[test]
fn the_key_check() {
    let g = gateway();
    for key in [None, Some(""), Some("unknown-key-0123456789abc"), Some(OFF), Some(LOOSE), Some(DEV), Some(OTHER_API)] {
        let headers: Vec<(&str, &str)> = key.map(|k| ("x-api-key", k)).into_iter().collect();
        assert_eq!(answer(&serve(&g, &request("GET", "/a", &headers))), FORBIDDEN, "{key:?}");
    }
    let ok = serve(&g, &request("GET", "/a", &[("x-api-key", GOOD)]));
    assert_eq!((ok.status, answer(&ok).2), (200, format!("{GOOD}|key-good").as_str()));
}

// The reasons, as the core reports them (all answered alike).
#[test]
fn refusal_reasons() {
    let g = gateway();
    let keys = g.config.api_keys.as_ref().unwrap();
    for (key, why) in [(None, Refused::Missing), (Some(""), Refused::Missing), (Some("nope"), Refused::Unknown),
                       (Some(OFF), Refused::Disabled), (Some(LOOSE), Refused::NotInPlan), (Some(DEV), Refused::NotInPlan),
                       (Some(OTHER_API), Refused::NotInPlan)] {
        assert_eq!(keys.check(0, key).err(), Some(why), "{key:?}");
    }
    let (key, plan) = keys.check(0, Some(GOOD)).unwrap();
    assert_eq!((key.name.as_str(), plan.id.as_str()), ("good", "plan-prod"));
    // On the dev stage the dev key is in a plan, and the good key in plan-dev.
    let dev = gateway_of(&config(json!({}), "dev", true));
    let keys = dev.config.api_keys.as_ref().unwrap();
    assert_eq!(keys.check(0, Some(DEV)).map(|(k, _)| k.id.clone()), Ok(derived_id(DEV)));
    assert_eq!(keys.check(0, Some(GOOD)).map(|(_, p)| p.id.clone()), Ok("plan-dev".to_string()));
}

// The header in any case; sent twice, its last value (README: "Parameter mappings").
#[test]
fn header_case_and_repeats() {
    let g = gateway();
    // (/root, whose plan throttle has room for all of these at once; /a's admits two.)
    for name in ["X-API-Key", "X-Api-Key", "x-api-key"] {
        assert_eq!(serve(&g, &request("GET", "/root", &[(name, GOOD)])).status, 200, "{name}");
    }
    assert_eq!(serve(&g, &request("GET", "/root", &[("x-api-key", "bad"), ("x-api-key", GOOD)])).status, 200);
    assert_eq!(answer(&serve(&g, &request("GET", "/root", &[("x-api-key", GOOD), ("x-api-key", "bad")]))), FORBIDDEN);
}

// A root-level `security` applies to operations without their own; `security: []` opts out, and
// there $context.identity has no API key.
#[test]
fn root_security() {
    let g = gateway();
    assert_eq!(answer(&serve(&g, &request("GET", "/root", &[]))), FORBIDDEN);
    assert_eq!(serve(&g, &request("GET", "/root", &[("x-api-key", GOOD)])).status, 200);
    let open = serve(&g, &request("GET", "/open", &[("x-api-key", GOOD)]));
    assert_eq!((open.status, answer(&open).2), (200, "|"));
}

// The key is refused before request validation: a bad key with a missing parameter gets 403;
// a good key gets the validator's 400.
#[test]
fn key_before_validation() {
    let g = gateway();
    assert_eq!(answer(&serve(&g, &request("POST", "/validated", &[("x-api-key", "bad")]))), FORBIDDEN);
    let r = serve(&g, &request("POST", "/validated", &[("x-api-key", GOOD)]));
    assert_eq!(answer(&r), (400, "BadRequestException", r#"{"message": "Missing required request parameters: [q]"}"#));
    assert_eq!(serve(&g, &request("POST", "/validated?q=1", &[("x-api-key", GOOD)])).status, 200);
}

// Without `apiKeys` a key-required operation fails closed (every key unknown), and the load log
// says why; with `skipUnenforcedAuth` it is served open (warned).
#[test]
fn without_keys() {
    let g = gateway_of(&config(json!({}), "prod", false));
    assert_eq!(answer(&serve(&g, &request("GET", "/a", &[("x-api-key", GOOD)]))), FORBIDDEN);
    assert!(g.config.warnings.iter().any(|w| w.contains("the configuration has no apiKeys (make run API_KEYS=): the operations that require an API key answer 403 Forbidden: GET /a")), "{:?}", g.config.warnings);
    let mut skip = config(json!({}), "prod", false);
    skip["skipUnenforcedAuth"] = json!(true);
    let g = gateway_of(&skip);
    let r = serve(&g, &request("GET", "/a", &[]));
    assert_eq!((r.status, answer(&r).2), (200, "|"));
    assert!(g.config.warnings.iter().any(|w| w.contains("served open")), "{:?}", g.config.warnings);
    // With apiKeys, skipUnenforcedAuth does not open key-required operations.
    let mut enforced = config(json!({}), "prod", true);
    enforced["skipUnenforcedAuth"] = json!(true);
    assert_eq!(answer(&serve(&gateway_of(&enforced), &request("GET", "/a", &[]))), FORBIDDEN);
}

// No plan attached to the deployment's API and stage: a load warning naming them.
#[test]
fn no_plan_for_the_stage_is_warned() {
    let mut c = config(json!({}), "test", true);
    c["apiId"] = json!("abc123");
    let g = gateway_of(&c);
    assert!(g.config.warnings.iter().any(|w| w.contains("attached to API \"abc123\" stage \"test\"")), "{:?}", g.config.warnings);
    assert!(!gateway().config.warnings.iter().any(|w| w.contains("attached to API")));
}

/// An authorizer answer allowing `GET /both`, with `usageIdentifierKey` when given.
fn allow(usage_identifier_key: Option<&str>) -> Vec<u8> {
    let mut a = json!({"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": format!("{ARN}/GET/both")}]}});
    if let Some(k) = usage_identifier_key {
        a["usageIdentifierKey"] = json!(k);
    }
    a.to_string().into_bytes()
}

/// An authorizer plus a key: the authorizer is called first (its answer `answer`), then the key.
fn serve_both(g: &Gateway, req: &Request, answer: &[u8]) -> Response {
    let r = routed(g, req);
    let Admission::Call(_, pending) = g.admit(&r, req) else { panic!("the authorizer was not called") };
    // A real upstream answer carries Envoy's service-time header (one Envoy made itself does not).
    let upstream = [("x-envoy-upstream-service-time".to_string(), "3".to_string())];
    let facts = match g.on_authorizer_answer(&r, req, pending, 200, &upstream, answer, req.now_ms) {
        Ok(facts) => facts,
        Err(reply) => return reply.response,
    };
    match g.admit_api_key(Routed { authorizer: Some(facts), ..r }, req) {
        Ok(r) => match g.finish(&r, req) {
            Outcome::Reply(reply) => reply.response,
            _ => panic!("the MOCK did not reply"),
        },
        Err(reply) => reply.response,
    }
}

// AWS's export writes `[{"tok": []}, {"api_key": []}]`: both enforced, the authorizer first. A
// Deny answers for the authorizer (the key is not looked at); an Allow with a bad key: 403
// Forbidden; an Allow with a good key: the integration.
#[test]
fn authorizer_and_key() {
    let g = gateway();
    let deny = json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]}}).to_string();
    let r = serve_both(&g, &request("GET", "/both", &[("authorization", "t"), ("x-api-key", GOOD)]), deny.as_bytes());
    assert_eq!(answer(&r), (403, "AccessDeniedException",
        r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#));
    let r = serve_both(&g, &request("GET", "/both", &[("authorization", "t"), ("x-api-key", "bad")]), &allow(None));
    assert_eq!(answer(&r), FORBIDDEN);
    let r = serve_both(&g, &request("GET", "/both", &[("authorization", "t"), ("x-api-key", GOOD)]), &allow(None));
    assert_eq!((r.status, answer(&r).2), (200, format!("{GOOD}|key-good").as_str()));
    // No token: 401 from the authorizer's identity check, before anything else.
    let req = request("GET", "/both", &[("x-api-key", GOOD)]);
    let r = routed(&g, &req);
    let Admission::Refuse(reply) = g.admit(&r, &req) else { panic!("not refused") };
    assert_eq!(reply.response.status, 401);
}

// Source AUTHORIZER: the key is the authorizer's usageIdentifierKey; the header is not read.
#[test]
fn key_source_authorizer() {
    let g = gateway_of(&config(json!({"x-amazon-apigateway-api-key-source": "AUTHORIZER"}), "prod", true));
    let req = request("GET", "/both", &[("authorization", "t"), ("x-api-key", GOOD)]);
    assert_eq!(answer(&serve_both(&g, &req, &allow(None))), FORBIDDEN);
    assert_eq!(answer(&serve_both(&g, &req, &allow(Some(OFF)))), FORBIDDEN);
    let req = request("GET", "/both", &[("authorization", "t")]);
    let r = serve_both(&g, &req, &allow(Some(GOOD)));
    assert_eq!((r.status, answer(&r).2), (200, format!("{GOOD}|key-good").as_str()));
    // A key-required operation without an authorizer can get no key: 403, warned at load.
    assert_eq!(answer(&serve(&g, &request("GET", "/a", &[("x-api-key", GOOD)]))), FORBIDDEN);
    assert!(g.config.warnings.iter().any(|w| w.contains("GET /a: its API key is the Lambda authorizer's usageIdentifierKey")),
            "{:?}", g.config.warnings);
}

// The REQUEST-style event of the authorizer's call carries the header's key, unchecked; the
// TOKEN event has no place for it.
#[test]
fn request_authorizer_event_api_key() {
    let mut c = config(json!({}), "prod", true);
    c["api"]["components"]["securitySchemes"]["tok"]["x-amazon-apigateway-authorizer"]["type"] = json!("request");
    c["api"]["components"]["securitySchemes"]["tok"]["x-amazon-apigateway-authorizer"]["identitySource"] =
        json!("method.request.header.Authorization");
    let g = gateway_of(&c);
    let req = request("GET", "/both", &[("authorization", "t"), ("x-api-key", "whatever-was-sent")]);
    let r = routed(&g, &req);
    let Admission::Call(call, _) = g.admit(&r, &req) else { panic!("the authorizer was not called") };
    let event: Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(event["requestContext"]["identity"]["apiKey"], json!("whatever-was-sent"));
}

// Two authorizers on one operation cannot exist on AWS: closed (401 without a call), warned.
#[test]
fn two_authorizers_fail_closed() {
    let g = gateway();
    let Start::Respond(reply) = g.start(0, &request("GET", "/two", &[("authorization", "t"), ("x-other", "t")])) else {
        panic!("served")
    };
    assert_eq!(answer(&reply.response), (401, "UnauthorizedException", r#"{"message":"Unauthorized"}"#));
    assert!(g.config.warnings.iter().any(|w| w.contains("GET /two: lists several authorizers or IAM (tok, tok2)")),
            "{:?}", g.config.warnings);
}

// The proxy event's identity on a key-required method: apiKey and apiKeyId (alphabetical, as the
// rest); a customised INVALID_API_KEY answers with its own status, headers and template.
#[test]
fn event_identity_and_customised_refusal() {
    let customised = json!({"x-amazon-apigateway-gateway-responses": {"INVALID_API_KEY": {
        "statusCode": "401", "responseParameters": {"gatewayresponse.header.x-why": "'key'"},
        "responseTemplates": {"application/json": "{\"why\":$context.error.messageString,\"type\":\"$context.error.responseType\"}"}}}});
    let g = gateway_of(&config(customised, "prod", true));
    let r = serve(&g, &request("GET", "/a", &[("x-api-key", "nope")]));
    assert_eq!((r.status, r.header("x-why"), answer(&r).2), (401, Some("key"), r#"{"why":"Forbidden","type":"INVALID_API_KEY"}"#));

    let req = request("GET", "/a", &[("x-api-key", GOOD)]);
    let r = g.admit_api_key(routed(&g, &req), &req).unwrap();
    let context = g.request_context(&g.config.deployments[0], &req, Some(&r));
    let input = apigw_envoy::event::ProxyInput { request: &req, context: &context, resource: "/a", path: "/a",
        path_params: &[], stage_variables: &[], binary_media_types: &[] };
    let event: Value = serde_json::from_str(&apigw_envoy::event::v1::build(&input)).unwrap();
    let identity = event["requestContext"]["identity"].as_object().unwrap();
    let keys: Vec<&str> = identity.keys().map(String::as_str).collect();
    assert_eq!(&keys[..5], ["accessKey", "accountId", "apiKey", "apiKeyId", "caller"]);
    assert_eq!((&identity["apiKey"], &identity["apiKeyId"]), (&json!(GOOD), &json!("key-good")));
}

// What the throttling step reads: the plan of an admitted key, its limits and per-method limits.
#[test]
fn usage_plan_of_an_admitted_key() {
    let g = gateway();
    let req = request("GET", "/a", &[("x-api-key", GOOD)]);
    let r = g.admit_api_key(routed(&g, &req), &req).unwrap();
    let plan = g.usage_plan_of(&r).unwrap();
    assert_eq!(plan.id, "plan-prod");
    assert_eq!(plan.throttle, Some(Throttle { rate_limit: Some(5.0), burst_limit: Some(10) }));
    assert_eq!(plan.quota.map(|q| (q.limit, q.period)), Some((100, QuotaPeriod::Day)));
    let stage = plan.stage("abc123", "prod").unwrap();
    assert_eq!(stage.method("/a", "GET"), Some(&Throttle { rate_limit: Some(1.0), burst_limit: Some(2) }));
    let open = request("GET", "/open", &[]);
    assert!(g.usage_plan_of(&g.admit_api_key(routed(&g, &open), &open).unwrap()).is_none());
}

// Refused at load, naming the place: a bad key file row, a plan id no plan has, a key in two
// plans attached to the same API stage, a bad key source.
#[test]
fn refused_at_load() {
    let refuse = |c: Value| Gateway::from_bytes(c.to_string().as_bytes()).err().map(|e| e.to_string()).unwrap_or_default();
    let mut c = config(json!({}), "prod", true);
    c["apiKeys"] = json!("name,key\nok,0123456789abcdefghij\nshort,abc\n");
    assert_eq!(refuse(c), "invalid configuration: apiKeys line 3, column Key: has 3 characters: a key has 20 to 128");
    let mut c = config(json!({}), "prod", true);
    c["apiKeys"] = json!(format!("name,key,usagePlanIds\nx,{GOOD},nope\n"));
    assert_eq!(refuse(c), "invalid configuration: apiKeys line 2, column UsagePlanIds: names the usage plan \"nope\", which usagePlans does not have");
    let mut c = config(json!({}), "prod", true);
    c["usagePlans"]["items"][1]["apiStages"][0]["stage"] = json!("prod");
    let e = refuse(c);
    assert!(e.starts_with("invalid configuration: apiKeys line 2, column UsagePlanIds: the key is in usage plans \"plan-prod\" and \"plan-dev\""), "{e}");
    assert!(!e.contains(GOOD));
    let mut c = config(json!({"x-amazon-apigateway-api-key-source": "QUERY"}), "prod", true);
    c["apiKeys"] = json!(key_file());
    assert!(refuse(c).contains("x-amazon-apigateway-api-key-source: \"QUERY\" is neither \"HEADER\" nor \"AUTHORIZER\""));
    let mut c = config(json!({}), "prod", false);
    c["usagePlans"] = json!({"items": [{"id": "p", "quota": {"limit": 1, "period": "YEAR"}}]});
    assert_eq!(refuse(c), "invalid configuration: usagePlans.items[0].quota.period: required: \"DAY\", \"WEEK\" or \"MONTH\"");
    let mut c = config(json!({}), "prod", false);
    c["apiKeys"] = json!(7);
    assert!(refuse(c).starts_with("invalid configuration: apiKeys: must be the text of AWS's API key file"));
}

const TOO_MANY: (u16, &str, &str) = (429, "TooManyRequestsException", r#"{"message":"Too Many Requests"}"#);
const LIMIT_EXCEEDED: (u16, &str, &str) = (429, "LimitExceededException", r#"{"message":"Limit Exceeded"}"#);

// The admitted key's usage plan meters it (README: "Throttling"): plan-prod's throttle for GET /a
// (burst 2) refuses the third request at once; its own throttle (burst 10, per key, over every
// method) then admits the 8 tokens the two /a requests left, on GET /root.
#[test]
fn the_usage_plan_throttles_the_key() {
    let g = gateway();
    let a = |_| answer(&serve(&g, &request("GET", "/a", &[("x-api-key", GOOD)]))).0;
    assert_eq!((0..3).map(a).collect::<Vec<_>>(), [200, 200, 429]);
    assert_eq!(answer(&serve(&g, &request("GET", "/a", &[("x-api-key", GOOD)]))), TOO_MANY);
    let root: Vec<u16> = (0..9).map(|_| answer(&serve(&g, &request("GET", "/root", &[("x-api-key", GOOD)]))).0).collect();
    assert_eq!(root, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
}

// A plan's quota counts each key's requests in its period; the next is AWS's Limit Exceeded.
#[test]
fn the_usage_plan_quota() {
    let mut c = config(json!({}), "prod", true);
    c["usagePlans"] = json!({"items": [{"id": "plan-prod", "apiStages": [{"apiId": "abc123", "stage": "prod"}],
                                        "quota": {"limit": 3, "offset": 0, "period": "MONTH"}},
                                       {"id": "plan-dev", "apiStages": []}, {"id": "plan-other", "apiStages": []}]});
    let g = gateway_of(&c);
    for _ in 0..3 {
        assert_eq!(answer(&serve(&g, &request("GET", "/a", &[("x-api-key", GOOD)]))).0, 200);
    }
    assert_eq!(answer(&serve(&g, &request("GET", "/root", &[("x-api-key", GOOD)]))), LIMIT_EXCEEDED);
}
