use super::*;
use serde_json::json;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

const API: ApiArn = ApiArn { region: "us-east-1", account_id: "123456789012", api_id: "abcdef123" };
const GET_A: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/a";
const GET_B: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/b";

fn request(resource: &str) -> PolicyRequest<'_> {
    PolicyRequest { action: INVOKE_ACTION, resource, caller: Caller::Anonymous, source_ip: None }
}

fn from<'a>(resource: &'a str, ip: &str) -> PolicyRequest<'a> {
    PolicyRequest { source_ip: Some(ip.parse().unwrap()), ..request(resource) }
}

fn allow(resource: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}]})
}

// AWS's blueprint answer: an Allow for one method ARN allows that ARN only.
#[test]
fn allow_matches_only_its_resource() {
    let p = Policy::parse(&allow(json!(GET_A))).unwrap();
    assert_eq!(p.evaluate(&request(GET_A)), Decision::Allow);
    assert_eq!(p.evaluate(&request(GET_B)), Decision::NotAllowed);
}

// An explicit Deny wins over any Allow, whatever the order.
#[test]
fn deny_wins() {
    for statements in [
        json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": GET_A}]),
        json!([{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": GET_A}, {"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    ] {
        let p = Policy::parse(&json!({"Statement": statements})).unwrap();
        assert_eq!(p.evaluate(&request(GET_A)), Decision::ExplicitDeny);
        assert_eq!(p.evaluate(&request(GET_B)), Decision::Allow);
    }
}

// Statement as one object, Resource as a list, wildcards, actions without case.
#[test]
fn shapes_and_wildcards() {
    let p = Policy::parse(&json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Action": ["Execute-API:invoke"], "Resource": ["arn:aws:execute-api:*:*:abcdef123/*/GET/?", "arn:aws:execute-api:us-east-1:*:*/prod/POST/*"]}}))
    .unwrap();
    assert_eq!(p.evaluate(&request(GET_A)), Decision::Allow);
    assert_eq!(p.evaluate(&request("arn:aws:execute-api:us-east-1:123456789012:abcdef123/dev/GET/ab")), Decision::NotAllowed);
    assert_eq!(p.evaluate(&request("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/POST/x/y")), Decision::Allow);
    let other_action = PolicyRequest { action: "execute-api:ManageConnections", ..request(GET_A) };
    assert_eq!(p.evaluate(&other_action), Decision::NotAllowed);
    let any_action = Policy::parse(&json!({"Statement": {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}})).unwrap();
    assert_eq!(any_action.evaluate(&other_action), Decision::Allow);
}

#[test]
fn not_action_and_not_resource() {
    let p = Policy::parse(&json!({"Statement": [
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "NotResource": GET_A}]}))
    .unwrap();
    assert_eq!(p.evaluate(&request(GET_A)), Decision::Allow);
    assert_eq!(p.evaluate(&request(GET_B)), Decision::ExplicitDeny);
    let none = Policy::parse(&json!({"Statement": []})).unwrap();
    assert_eq!(none.evaluate(&request(GET_A)), Decision::NotAllowed);
}

// AWS docs' resource policy example: allow everyone, deny some ranges by source address.
#[test]
fn resource_policy_source_ip_deny() {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}}]});
    let p = Policy::parse_resource_policy(&doc, &API).unwrap();
    assert_eq!(p.evaluate(&from(GET_A, "192.0.2.9")), Decision::ExplicitDeny);
    assert_eq!(p.evaluate(&from(GET_A, "::ffff:192.0.2.9")), Decision::ExplicitDeny);
    assert_eq!(p.evaluate(&from(GET_A, "2001:db8::5")), Decision::ExplicitDeny);
    assert_eq!(p.evaluate(&from(GET_A, "198.51.100.1")), Decision::Allow);
    // Unknown address: the Deny might apply, so it does.
    assert_eq!(p.evaluate(&request(GET_A)), Decision::ExplicitDeny);
    // `execute-api:/*` is this API's ARN only.
    assert_eq!(p.evaluate(&from("arn:aws:execute-api:us-east-1:123456789012:other/prod/GET/a", "198.51.100.1")), Decision::NotAllowed);
}

// An allow-list: Deny everyone outside the range (NotIpAddress).
#[test]
fn resource_policy_allow_list() {
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"NotIpAddress": {"aws:sourceip": "203.0.113.0/24"}}}]});
    let p = Policy::parse_resource_policy(&doc.to_string().into(), &API).unwrap();
    assert_eq!(p.evaluate(&from(GET_A, "203.0.113.50")), Decision::Allow);
    assert_eq!(p.evaluate(&from(GET_A, "198.51.100.1")), Decision::ExplicitDeny);
    assert_eq!(p.evaluate(&from("arn:aws:execute-api:us-east-1:123456789012:abcdef123/dev/GET/a", "203.0.113.50")), Decision::NotAllowed);
}

// Conditions only AWS can evaluate fail closed: a Deny that might apply applies, an Allow that
// needs one does not allow; a known-false condition in the same block still decides.
#[test]
fn unknown_conditions_fail_closed() {
    let deny_vpce = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]});
    let p = Policy::parse_resource_policy(&deny_vpce, &API).unwrap();
    assert_eq!(p.evaluate(&from(GET_A, "198.51.100.1")), Decision::ExplicitDeny);
    assert_eq!(p.unknown_conditions(), ["StringNotEquals aws:SourceVpce"]);

    let allow_vpc = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}, "IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}});
    let p = Policy::parse_resource_policy(&allow_vpc, &API).unwrap();
    assert_eq!(p.evaluate(&from(GET_A, "198.51.100.1")), Decision::NotAllowed);

    let deny_known_false = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}, "IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]});
    let p = Policy::parse_resource_policy(&deny_known_false, &API).unwrap();
    assert_eq!(p.evaluate(&from(GET_A, "198.51.100.1")), Decision::Allow);
    assert_eq!(p.evaluate(&from(GET_A, "192.0.2.1")), Decision::ExplicitDeny);

    let if_exists = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
        "Condition": {"IpAddressIfExists": {"aws:SourceIp": "0.0.0.0/0"}}}});
    let p = Policy::parse_resource_policy(&if_exists, &API).unwrap();
    assert_eq!(p.evaluate(&from(GET_A, "198.51.100.1")), Decision::NotAllowed);
}

// Principals: anonymous callers match only "*"; IAM callers by account or exact ARN.
#[test]
fn principals() {
    let doc = json!({"Statement": {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*",
        "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:role/r"], "Service": "lambda.amazonaws.com"}}});
    let p = Policy::parse_resource_policy(&doc, &API).unwrap();
    let as_caller = |account_id, arn| PolicyRequest { caller: Caller::Iam { account_id, arn }, ..request(GET_A) };
    assert_eq!(p.evaluate(&request(GET_A)), Decision::NotAllowed);
    assert_eq!(p.evaluate(&as_caller("111122223333", "arn:aws:iam::111122223333:user/u")), Decision::Allow);
    assert_eq!(p.evaluate(&as_caller("444455556666", "arn:aws:iam::444455556666:user/u")), Decision::Allow);
    assert_eq!(p.evaluate(&as_caller("777788889999", "arn:aws:iam::777788889999:role/r")), Decision::Allow);
    assert_eq!(p.evaluate(&as_caller("777788889999", "arn:aws:iam::777788889999:role/other")), Decision::NotAllowed);

    let not_principal = json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}]});
    let p = Policy::parse_resource_policy(&not_principal, &API).unwrap();
    assert_eq!(p.evaluate(&request(GET_A)), Decision::ExplicitDeny);
    assert_eq!(p.evaluate(&as_caller("111122223333", "arn:aws:iam::111122223333:user/u")), Decision::Allow);
}

// Each refusal names the element.
#[test]
fn refusals() {
    let rows: [(Value, &str); 14] = [
        (json!([]), "the policy document must be a JSON object"),
        (json!({"Statement": [], "Extra": 1}), "Extra: not a policy element (Version, Id, Statement)"),
        (json!({"Version": "2020-01-01", "Statement": []}), "Version: \"2020-01-01\" is not \"2012-10-17\" or \"2008-10-17\""),
        (json!({}), "Statement: required, an object or a list of objects"),
        (json!({"Statement": ["x"]}), "Statement[0]: must be an object"),
        (json!({"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}), "Statement[0].Effect: must be \"Allow\" or \"Deny\""),
        (json!({"Statement": {"Effect": "Allow", "Resource": "*"}}), "Statement[0].Action: required"),
        (json!({"Statement": {"Effect": "Allow", "Action": "*"}}), "Statement[0].Resource: required"),
        (json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}}), "Statement[0]: Action and NotAction together"),
        (json!({"Statement": {"Effect": "Allow", "Action": ["*", 1], "Resource": "*"}}), "Statement[0].Action: 1 is not a string"),
        (json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": {}}}), "Statement[0].Resource: {} is not a string or a list of strings"),
        (json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Conditon": {}}}), "Statement[0].Conditon: not a statement element"),
        (json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}),
            "Statement[0].Principal: an authorizer's policy names no principal (it is the caller's own)"),
        (json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.4/40"}}}}),
            "Statement[0].Condition.IpAddress.aws:SourceIp: \"1.2.3.4/40\" is not an IP address range (CIDR)"),
    ];
    for (doc, want) in rows {
        assert_eq!(Policy::parse(&doc), Err(want.to_string()), "{doc}");
    }
    let no_principal = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
    assert_eq!(Policy::parse_resource_policy(&no_principal, &API), Err("Statement[0].Principal: required in a resource policy".to_string()));
    let bad_principal = json!({"Statement": {"Effect": "Allow", "Principal": "me", "Action": "*", "Resource": "*"}});
    assert_eq!(
        Policy::parse_resource_policy(&bad_principal, &API),
        Err("Statement[0].Principal: \"me\" is not \"*\" or an object such as {\"AWS\": [...]}".to_string())
    );
    assert!(Policy::parse_resource_policy(&json!("{"), &API).is_err());
}

// The pattern budget: exactly full passes, one more character is refused.
#[test]
fn pattern_budget() {
    // Two patterns ("*" action, then the resource), each counted with one more character.
    let fits = "r".repeat(MAX_POLICY_PATTERN_CHARS - 2 - 1);
    let doc = |r: &str| json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": r}});
    assert!(Policy::parse(&doc(&fits)).is_ok());
    assert_eq!(
        Policy::parse(&doc(&format!("{fits}r"))),
        Err("Statement[0].Resource: the policy holds more than 32768 pattern characters (MAX_POLICY_PATTERN_CHARS)".to_string())
    );
}
