//! AWS service integrations ask for JSON (README: "HTTP, HTTP_PROXY and AWS services", recorded on
//! AWS): the Accept header, the protocol each service is called with (query `Action=` or JSON
//! `X-Amz-Target`), SSM in the query protocol, and the template chosen for a POST without
//! Content-Type.

use super::*;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn service_fx(headers: &[(&str, &str)], body: &[u8]) -> Fx {
    let mut f = fx("POST", "/", headers, body);
    f.targets.aws.push(("ssm".into(), ep("ssm", "ssm.us-east-1.amazonaws.com")));
    f.targets.aws.push(("sts".into(), ep("sts", "sts.us-east-1.amazonaws.com")));
    f.creds = creds();
    f
}

// Each row: (service, action, cluster, query, X-Amz-Target, Content-Type). Query-protocol
// services (SQS, SNS, STS, and SSM as recorded) get `Action=<name>` and a form body; JSON-only
// services get X-Amz-Target. Every call asks for JSON and is signed for its service.
#[test]
fn aws_action_protocol_table() {
    let rows: &[(&str, &str, &str, &str, Option<&str>, &str)] = &[
        ("sqs", "SendMessage", "sqs", "Action=SendMessage", None, "application/x-www-form-urlencoded; charset=utf-8"),
        ("sns", "Publish", "sns", "Action=Publish", None, "application/x-www-form-urlencoded; charset=utf-8"),
        ("sts", "GetCallerIdentity", "sts", "Action=GetCallerIdentity", None, "application/x-www-form-urlencoded; charset=utf-8"),
        ("ssm", "GetParameter", "ssm", "Action=GetParameter", None, "application/x-www-form-urlencoded; charset=utf-8"),
        ("dynamodb", "GetItem", "ddb", "", Some("DynamoDB_20120810.GetItem"), "application/x-amz-json-1.0"),
        ("kinesis", "PutRecord", "kinesis", "", Some("Kinesis_20131202.PutRecord"), "application/x-amz-json-1.1"),
        ("states", "StartExecution", "sfn", "", Some("AWSStepFunctions.StartExecution"), "application/x-amz-json-1.0"),
    ];
    let f = service_fx(&[("content-type", "application/json")], b"{}");
    for (service, action, cluster, query, target, ct) in rows {
        let i = integ(json!({"type": "aws", "httpMethod": "POST",
            "uri": format!("arn:aws:apigateway:us-east-1:{service}:action/{action}"),
            "requestTemplates": {"application/json": "Name=x"}}));
        let u = f.up(&i);
        let path = if query.is_empty() { "/".to_string() } else { format!("/?{query}") };
        assert_eq!((u.cluster.as_str(), u.method.as_str(), u.path.as_str()), (*cluster, "POST", path.as_str()), "{service}");
        assert_eq!(header(&u, "accept"), Some("application/json"), "{service}");
        assert_eq!(header(&u, "x-amz-target"), *target, "{service}");
        assert_eq!(header(&u, "content-type"), Some(*ct), "{service}");
        let auth = header(&u, "authorization").unwrap_or("");
        assert!(auth.contains(&format!("/us-east-1/{service}/aws4_request")), "{service}: {auth}");
        assert!(auth.contains("SignedHeaders=accept;"), "{service}: {auth}");
    }
}

// A mapping sets another Accept ('application/xml' asks the service for its XML); the gateway's own
// Accept is then not sent.
#[test]
fn aws_accept_mapping_overrides() {
    let f = service_fx(&[("content-type", "application/json")], b"{}");
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
        "requestParameters": {"integration.request.header.Accept": "'application/xml'"},
        "requestTemplates": {"application/json": "MessageBody=x"}}));
    let u = f.up(&i);
    let accepts: Vec<&str> = u.headers.iter().filter(|(k, _)| k == "accept").map(|(_, v)| v.as_str()).collect();
    assert_eq!(accepts, vec!["application/xml"]);
}

// SSM GetParameter as API Gateway calls it: query protocol, the template's form body; its answer
// (JSON in the query shape) reaches the response template as it came.
#[test]
fn ssm_get_parameter_in_the_query_protocol() {
    let f = service_fx(&[("content-type", "application/json")], br#"{"name":"/app/color"}"#);
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:ssm:action/GetParameter",
        "requestTemplates": {"application/json": "Name=$util.urlEncode($input.path('$.name'))"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json":
            "$input.path('$.GetParameterResponse.GetParameterResult.Parameter.Value')"}}}}));
    let (up, mut env) = f.request(&i);
    let u = up.unwrap();
    assert_eq!(u.path, "/?Action=GetParameter");
    assert_eq!(header(&u, "x-amz-target"), None);
    assert_eq!(u.body.as_deref(), Some(b"Name=%2Fapp%2Fcolor".as_slice()));
    let answer = br#"{"GetParameterResponse":{"GetParameterResult":{"Parameter":{"Name":"/app/color","Type":"String","Value":"blue","Version":1}},"ResponseMetadata":{"RequestId":"r"}}}"#;
    let r = f.respond(&i, &mut env, 200, &[("content-type", "application/json")], answer).unwrap();
    assert_eq!(r.body, b"blue");
}

// A JSON service's answer comes back unchanged through `$input.json('$')`.
#[test]
fn json_service_answer_through_input_json() {
    let f = service_fx(&[("content-type", "application/json")], b"{}");
    let i = integ(json!({"type": "aws", "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/Query",
        "requestTemplates": {"application/json": "{}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "$input.json('$')"}}}}));
    let (up, mut env) = f.request(&i);
    assert!(up.is_ok());
    let answer = br#"{"Count":1,"Items":[{"user":{"S":"ann"},"n":{"N":"1.50"}}],"ScannedCount":1}"#;
    let r = f.respond(&i, &mut env, 200, &[("content-type", "application/x-amz-json-1.0")], answer).unwrap();
    assert_eq!(r.body, answer);
    assert_eq!(r.header("content-type"), Some("application/json"));
}

// A POST without Content-Type is matched to the `application/json` template, even with
// passthroughBehavior NEVER.
#[test]
fn post_without_content_type_takes_the_json_template() {
    let f = service_fx(&[], br#"{"m":"hi"}"#);
    let i = integ(json!({"type": "aws", "httpMethod": "POST", "passthroughBehavior": "NEVER",
        "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
        "requestTemplates": {"application/json": "MessageBody=$input.path('$.m')"}}));
    let u = f.up(&i);
    assert_eq!(u.body.as_deref(), Some(b"MessageBody=hi".as_slice()));
    assert_eq!(u.path, "/?Action=SendMessage");
}
