//! Property tests: the authorizer core never panics on what a client, a definition or an
//! authorizer function can send (a panic in the wasm VM breaks every later request), and the
//! policy's wildcard matcher agrees with a regex oracle.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::authorizer::answer;
use apigw_envoy::authorizer::definition::{Authorizer, IdentitySource};
use apigw_envoy::authorizer::event::{request_event, token_event, ApiArn};
use apigw_envoy::authorizer::identity::{identify, IdentityInput};
use apigw_envoy::authorizer::policy::{Caller, Decision, Policy, PolicyRequest, INVOKE_ACTION};
use proptest::prelude::*;
use serde_json::{json, Value};

const API: ApiArn = ApiArn { region: "us-east-1", account_id: "123456789012", api_id: "abc" };

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Version".to_string()), Just("Statement".to_string()), Just("Effect".to_string()),
        Just("Action".to_string()), Just("NotAction".to_string()), Just("Resource".to_string()),
        Just("NotResource".to_string()), Just("Principal".to_string()), Just("NotPrincipal".to_string()),
        Just("Condition".to_string()), Just("IpAddress".to_string()), Just("NotIpAddress".to_string()),
        Just("aws:SourceIp".to_string()), Just("AWS".to_string()), Just("principalId".to_string()),
        Just("policyDocument".to_string()), Just("context".to_string()), Just("usageIdentifierKey".to_string()),
        Just("errorMessage".to_string()), Just("type".to_string()), Just("authorizerUri".to_string()),
        Just("identitySource".to_string()), Just("identityValidationExpression".to_string()),
        Just("authorizerResultTtlInSeconds".to_string()), Just("x-amazon-apigateway-authorizer".to_string()),
        Just("name".to_string()), Just("in".to_string()), Just("providerARNs".to_string()),
        "[A-Za-z:]{0,8}",
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("Allow"), Just("Deny"), Just("*"), Just("execute-api:Invoke"), Just("execute-api:/*"),
            Just("2012-10-17"), Just("192.0.2.0/24"), Just("2001:db8::/32"), Just("Unauthorized"), Just("token"),
            Just("request"), Just("cognito_user_pools"), Just("header"), Just("method.request.header.a,context.x"),
            Just("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations"),
            Just("arn:aws:execute-api:*:*:abc/*/GET/?"),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// The regex a wildcard pattern means: `*` any run, `?` one character, the rest literal.
fn oracle(pattern: &str) -> regex_lite::Regex {
    let mut re = String::from("(?s)\\A");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex_lite::escape(&c.to_string())),
        }
    }
    re.push_str("\\z");
    regex_lite::Regex::new(&re).unwrap()
}

fn anonymous(resource: &str) -> PolicyRequest<'_> {
    PolicyRequest { action: INVOKE_ACTION, resource, caller: Caller::Anonymous, source_ip: None }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // Any bytes or JSON as the function's answer: a result, never a panic; a success's context
    // values are all strings and its principal is never empty.
    #[test]
    fn answer_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), v in arb_json(),
                                  function_error in any::<bool>()) {
        let _ = answer::parse(&bytes, function_error);
        let wrapped = json!({"principalId": "p", "policyDocument": v.clone(), "context": v.clone()});
        for doc in [v, wrapped] {
            if let Ok(a) = answer::parse(doc.to_string().as_bytes(), function_error) {
                prop_assert!(!function_error);
                prop_assert!(!a.principal_id.is_empty());
                let _ = a.decide("arn:aws:execute-api:us-east-1:1:abc/prod/GET/", None);
            }
        }
    }

    // Any document as an authorizer or resource policy, evaluated for any caller and address.
    #[test]
    fn policy_parser_never_panics(doc in arb_json(), statements in prop::collection::vec(arb_json(), 0..4),
                                  resource in "[ -~]{0,40}", ip in prop::option::of(any::<[u8; 4]>())) {
        let listed = json!({"Version": "2012-10-17", "Statement": statements});
        for d in [doc, listed] {
            let caller = Caller::Iam { account_id: "123456789012", arn: "arn:aws:iam::123456789012:user/u" };
            let source_ip = ip.map(std::net::IpAddr::from);
            let request = PolicyRequest { source_ip, ..anonymous(&resource) };
            if let Ok(p) = Policy::parse(&d) {
                let _ = p.evaluate(&request);
            }
            if let Ok(p) = Policy::parse_resource_policy(&d, &API) {
                let _ = p.evaluate(&request);
                let _ = p.evaluate(&PolicyRequest { caller, ..request });
            }
        }
    }

    // The wildcard matcher agrees with the regex oracle on any pattern and resource.
    #[test]
    fn wildcards_match_like_the_oracle(pattern in "[ab*?/:é]{0,10}", text in "[ab/:é]{0,12}") {
        let p = Policy::parse(&json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": pattern}})).unwrap();
        let allowed = p.evaluate(&anonymous(&text)) == Decision::Allow;
        prop_assert_eq!(allowed, oracle(&pattern).is_match(&text), "{:?} on {:?}", pattern, text);
    }

    // Identity sources, whole schemes and the identity read from any request.
    #[test]
    fn identity_parsers_never_panic(text in "[ -~]{0,48}", scheme in arb_json(),
                                    headers in prop::collection::vec(("[a-z:]{0,6}", "[ -~]{0,8}"), 0..6),
                                    query in prop::collection::vec(("[a-z]{0,3}", "[ -~]{0,6}"), 0..4)) {
        let _ = IdentitySource::parse_list(&text);
        let sources = format!("method.request.header.{text},method.request.querystring.{text},context.{text}");
        let scheme_with = |kind: &str| json!({"name": text.clone(), "x-amazon-apigateway-authorizer": {
            "type": kind, "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
            "identitySource": sources.clone(), "identityValidationExpression": text.clone()}});
        let headers: Vec<(String, String)> = headers;
        let query: Vec<(String, String)> = query;
        let context = |n: &str| n.len().is_multiple_of(2).then(|| n.to_string());
        for s in [scheme, scheme_with("token"), scheme_with("request")] {
            if let Ok(Some(Authorizer::Lambda(a))) = Authorizer::parse("s", &s) {
                let input = IdentityInput { deployment: "prod", headers: &headers, query: &query,
                    stage_variables: &[], context: &context };
                if let Ok(id) = identify(&a, &input) {
                    prop_assert_eq!(id.cache_key.is_some(), a.ttl_seconds > 0);
                }
            }
        }
    }

    // Events from any request values: valid JSON, or the method ARN's length error.
    #[test]
    fn events_never_panic(stage in "[ -~]{0,8}", method in "[A-Z]{0,7}", path in "\\PC{0,40}", token in "\\PC{0,20}",
                          text in "[ -~]{0,40}") {
        if let Ok(arn) = API.method_arn(&stage, &method, &path) {
            prop_assert!(arn.len() <= 1600);
            let ev: Value = serde_json::from_str(&token_event(&token, &arn)).unwrap();
            prop_assert_eq!(ev["authorizationToken"].as_str(), Some(token.as_str()));
        }
        if let Ok(ev) = request_event(&text, &token, Some(&token)) {
            prop_assert!(serde_json::from_str::<Value>(&ev).is_ok());
        }
    }
}
