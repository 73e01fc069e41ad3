use super::*;
use serde_json::json;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

const GET_A: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/a";
const GET_B: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/b";

fn answer(v: &Value) -> Result<Authorized, Failure> {
    parse(v.to_string().as_bytes(), false)
}

fn policy(effect: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]})
}

fn reason(r: Result<Authorized, Failure>) -> String {
    match r {
        Err(Failure::ConfigurationError(reason)) => reason,
        other => panic!("not a configuration error: {other:?}"),
    }
}

// AWS docs' example answer: principal, policy, context values as strings, usage key.
#[test]
fn documented_answer() {
    let a = answer(&json!({"principalId": "user", "policyDocument": policy("Allow", GET_A),
        "context": {"stringKey": "value", "numberKey": 1, "booleanKey": true, "floatKey": 1.5, "nullKey": null},
        "usageIdentifierKey": "key-1"}))
    .unwrap();
    assert_eq!(a.principal_id, "user");
    let ctx: Vec<(&str, &str)> = a.context.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(ctx, [("stringKey", "value"), ("numberKey", "1"), ("booleanKey", "true"), ("floatKey", "1.5")]);
    assert_eq!(a.usage_identifier_key.as_deref(), Some("key-1"));
    assert_eq!(a.decide(GET_A, None), Decision::Allow);
    assert_eq!(a.decide(GET_B, None), Decision::NotAllowed);
}

// Function errors: exactly "Unauthorized" is a 401, anything else a 500.
#[test]
fn function_errors() {
    let unauthorized = br#"{"errorMessage":"Unauthorized","errorType":"Error","stackTrace":[]}"#;
    assert_eq!(parse(unauthorized, true), Err(Failure::Unauthorized));
    // Without the header (a local emulator), the error object still counts.
    assert_eq!(parse(unauthorized, false), Err(Failure::Unauthorized));
    assert_eq!(parse(br#"{"errorMessage":"Unauthorized"}"#, true), Err(Failure::Unauthorized));
    for (payload, want) in [
        (&br#"{"errorMessage":"unauthorized"}"#[..], "function error: unauthorized"),
        (br#"{"errorMessage":"Unauthorized "}"#, "function error: Unauthorized "),
        (br#"{"errorMessage":"boom","errorType":"Error"}"#, "function error: boom"),
        (br#""Unauthorized""#, "function error: \"Unauthorized\""),
    ] {
        assert_eq!(parse(payload, true), Err(Failure::ConfigurationError(want.to_string())));
    }
    // A function error whose body is not JSON.
    assert!(matches!(parse(b"Task timed out", true), Err(Failure::ConfigurationError(_))));
}

// Every malformed answer is a configuration error, with a reason for the log.
#[test]
fn malformed_answers() {
    let p = policy("Allow", "*");
    let rows = [
        (json!(null), "the answer is not a JSON object but null"),
        (json!("allow"), "the answer is not a JSON object but a string"),
        (json!({"policyDocument": p}), "no principalId"),
        (json!({"principalId": "", "policyDocument": p}), "principalId is empty"),
        (json!({"principalId": 7, "policyDocument": p}), "principalId is not a string but a number"),
        (json!({"principalId": "u"}), "no policyDocument"),
        (json!({"principalId": "u", "policyDocument": null}), "no policyDocument"),
        (json!({"principalId": "u", "policyDocument": {"Statement": {"Effect": "Maybe", "Action": "*", "Resource": "*"}}}),
            "policyDocument: Statement[0].Effect: must be \"Allow\" or \"Deny\""),
        (json!({"principalId": "u", "policyDocument": p, "context": {"o": {"a": 1}}}), "context.o is an object: only strings, numbers and booleans"),
        (json!({"principalId": "u", "policyDocument": p, "context": {"l": [1]}}), "context.l is a list: only strings, numbers and booleans"),
        (json!({"principalId": "u", "policyDocument": p, "context": "x"}), "context is not an object but a string"),
        (json!({"principalId": "u", "policyDocument": p, "usageIdentifierKey": 1}), "usageIdentifierKey is not a string but a number"),
    ];
    for (v, want) in rows {
        assert_eq!(reason(answer(&v)), want, "{v}");
    }
    assert!(reason(parse(b"", false)).starts_with("the answer is not JSON"));
    assert!(reason(parse(b"{\"principalId\":", false)).starts_with("the answer is not JSON"));
}

// Status, body, x-amzn-ErrorType and type of each outcome, uncustomised (AWS's bytes).
#[test]
fn refusals_as_aws_sends_them() {
    let deny = answer(&json!({"principalId": "u", "policyDocument": policy("Deny", GET_A)})).unwrap();
    let rows = [
        (Refusal::unauthorized(), 401, "UnauthorizedException", "UNAUTHORIZED", r#"{"message":"Unauthorized"}"#),
        (Refusal::from_failure(&Failure::Unauthorized), 401, "UnauthorizedException", "UNAUTHORIZED", r#"{"message":"Unauthorized"}"#),
        (
            Refusal::from_failure(&Failure::ConfigurationError("x".into())),
            500,
            "AuthorizerConfigurationException",
            "AUTHORIZER_CONFIGURATION_ERROR",
            r#"{"message": null}"#,
        ),
        (
            Refusal::from_decision(deny.decide(GET_A, None)).unwrap(),
            403,
            "AccessDeniedException",
            "ACCESS_DENIED",
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
        ),
        (
            Refusal::from_decision(deny.decide(GET_B, None)).unwrap(),
            403,
            "AccessDeniedException",
            "ACCESS_DENIED",
            r#"{"Message":"User is not authorized to access this resource"}"#,
        ),
    ];
    let ctx_values = crate::context::RequestContext { request_id: "rid".into(), ..Default::default() };
    let ctx = ErrorContext { context: Some(&ctx_values), ..Default::default() };
    for (refusal, status, error_type, name, body) in rows {
        let r = refusal.render(&GatewayResponses::default(), &ctx);
        assert_eq!(r.status, status, "{name}");
        assert_eq!(String::from_utf8(r.body.clone()).unwrap(), body);
        assert_eq!(r.header("x-amzn-ErrorType"), Some(error_type), "{name}");
        assert_eq!(r.header("x-amzn-RequestId"), Some("rid"));
        assert_eq!(refusal.response().0.name(), name);
    }
    assert_eq!(Refusal::from_decision(Decision::Allow), None);
}

// A customised type renders its own template; a null message reads as "".
#[test]
fn customised_refusals() {
    let gr = GatewayResponses::parse(Some(&json!({
        "ACCESS_DENIED": {"statusCode": "401", "responseTemplates": {"application/json": "{\"why\":$context.error.messageString}"}},
        "AUTHORIZER_CONFIGURATION_ERROR": {"responseTemplates": {"application/json": "{\"m\":$context.error.messageString}"}}})))
    .unwrap();
    let ctx = ErrorContext::default();
    let r = Refusal::from_decision(Decision::NotAllowed).unwrap().render(&gr, &ctx);
    assert_eq!((r.status, r.body), (401, br#"{"why":"User is not authorized to access this resource"}"#.to_vec()));
    let r = Refusal::from_failure(&Failure::ConfigurationError(String::new())).render(&gr, &ctx);
    assert_eq!((r.status, r.body), (500, br#"{"m":""}"#.to_vec()));
}

// Resource policy refusals name the caller and the method ARN.
#[test]
fn resource_policy_refusals() {
    let r = Refusal::from_resource_policy(Decision::NotAllowed, &Caller::Anonymous, GET_A).unwrap();
    assert_eq!(
        r.default_body(),
        r#"{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/a"}"#
    );
    let r = Refusal::from_resource_policy(Decision::ExplicitDeny, &Caller::Anonymous, GET_A).unwrap();
    assert_eq!(
        r.message.as_deref(),
        Some("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/a with an explicit deny")
    );
    let iam = Caller::Iam { account_id: "1", arn: "arn:aws:iam::111122223333:user/u" };
    let r = Refusal::from_resource_policy(Decision::NotAllowed, &iam, GET_A).unwrap();
    assert!(r.message.unwrap().starts_with("User: arn:aws:iam::111122223333:user/u is not authorized"));
    assert_eq!(Refusal::from_resource_policy(Decision::Allow, &Caller::Anonymous, GET_A), None);
}

#[test]
fn long_reasons_are_cut() {
    let long = "x".repeat(500);
    let payload = json!({"errorMessage": long}).to_string();
    let r = reason(parse(payload.as_bytes(), true));
    assert_eq!(r, format!("function error: {}...", "x".repeat(200)));
}
