#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
use serde_json::json;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2026-01-01T00:00:00Z, when the requests below were signed.
const SIGNED_MS: u64 = 1_767_225_600_000;
const HOST: &str = "gw.example.com:8080";

fn keys() -> KeySet {
    KeySet::parse(&json!([
        {"accessKeyId": "AKIDEXAMPLE", "secretAccessKey": SECRET, "arn": "arn:aws:iam::123456789012:user/alice"},
        {"accessKeyId": "AKIDOTHER", "secretAccessKey": "other", "arn": "arn:aws:iam::210987654321:role/r"},
    ]))
    .unwrap()
}

fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Envoy's view of a request: lower-case names, `:authority` for Host.
fn envoy_head(method: &str, path: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut h = headers(&[(":method", method), (":path", path), (":authority", HOST), (":scheme", "http")]);
    h.extend(headers(extra));
    h.push(("x-forwarded-proto".into(), "http".into()));
    h.push(("x-request-id".into(), "unsigned-by-the-client".into()));
    h
}

fn check(method: &str, path_and_query: &str, head: &[(String, String)], body: &[u8], now_ms: u64) -> Result<String, Failure> {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let req = Incoming { method, path, query, headers: head, body, now_ms, region: "us-east-1" };
    let k = keys();
    verify(&k, &req).map(|key| key.arn.clone())
}

// Requests botocore 1.44 signed (SigV4Auth, service execute-api; the path kept as sent, encoded
// once more; the query re-encoded and sorted) verify, with Envoy's extra headers around them.
const GET_PATH: &str = "/prod/pets/a%20b/c%3Ad?y=two%2Fthree&x=1&empty=";
const GET_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, \
    SignedHeaders=host;x-amz-date, Signature=7a459344a6a55ea1e716503b2c6f50417f2a4fd2189c8d948e49dbc49503aabc";
const POST_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, \
    SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=cdebccd6ebda5247bb6575491afa91ed31444315620991ff809829c0f24b4923";
const PRESIGNED: &str = "/prod/pets?x=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fexecute-api%2Faws4_request\
    &X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host\
    &X-Amz-Signature=1dc9efbf8adc86e2c4928196398d668c7fafb8560104375806b3a79edbbab98d";

fn get_head() -> Vec<(String, String)> {
    envoy_head("GET", GET_PATH, &[("x-amz-date", "20260101T000000Z"), ("authorization", GET_AUTH), ("user-agent", "botocore")])
}

fn post_head() -> Vec<(String, String)> {
    envoy_head("POST", "/prod/pets", &[("content-type", "application/json"), ("x-amz-date", "20260101T000000Z"),
        ("x-amz-security-token", "SESSION+TOKEN/abc="), ("authorization", POST_AUTH), ("content-length", "14")])
}

#[test]
fn botocore_signed_requests_verify() {
    let alice = Ok("arn:aws:iam::123456789012:user/alice".to_string());
    assert_eq!(check("GET", GET_PATH, &get_head(), b"", SIGNED_MS), alice);
    assert_eq!(check("POST", "/prod/pets", &post_head(), br#"{"name":"rex"}"#, SIGNED_MS), alice);
    assert_eq!(check("GET", PRESIGNED, &envoy_head("GET", PRESIGNED, &[]), b"", SIGNED_MS + 299_000), alice);
}

// Anything the signature covers, changed, gives AWS's mismatch answer with the canonical request
// and string to sign the gateway computed.
#[test]
fn tampering_is_a_signature_mismatch() {
    let tampered_body = check("POST", "/prod/pets", &post_head(), br#"{"name":"max"}"#, SIGNED_MS);
    let Err(Failure::Invalid(message)) = tampered_body else { panic!("{tampered_body:?}") };
    assert!(message.starts_with(&format!("{MISMATCH}\n\nThe Canonical String for this request should have been\n'POST\n/prod/pets\n\ncontent-type:application/json\nhost:{HOST}\n")), "{message}");
    assert!(message.contains("\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/execute-api/aws4_request\n"), "{message}");
    let other_path = GET_PATH.replace("a%20b", "a%20c");
    assert!(matches!(check("GET", &other_path, &get_head(), b"", SIGNED_MS), Err(Failure::Invalid(m)) if m.starts_with(MISMATCH)));
    let other_query = GET_PATH.replace("x=1", "x=2");
    assert!(matches!(check("GET", &other_query, &get_head(), b"", SIGNED_MS), Err(Failure::Invalid(m)) if m.starts_with(MISMATCH)));
    let mut other_host = get_head();
    other_host[2].1 = "evil.example.com".into();
    assert!(matches!(check("GET", GET_PATH, &other_host, b"", SIGNED_MS), Err(Failure::Invalid(m)) if m.starts_with(MISMATCH)));
    let presigned = PRESIGNED.replace("x=1", "x=2");
    assert!(matches!(check("GET", &presigned, &envoy_head("GET", &presigned, &[]), b"", SIGNED_MS), Err(Failure::Invalid(m)) if m.starts_with(MISMATCH)));
    // A body hash header that is not the body's.
    let mut claimed = post_head();
    claimed.push(("x-amz-content-sha256".into(), "UNSIGNED-PAYLOAD".into()));
    assert!(matches!(check("POST", "/prod/pets", &claimed, br#"{"name":"rex"}"#, SIGNED_MS), Err(Failure::Invalid(_))));
}

// AWS's answers before the signature: no signature, not SigV4, unknown key, wrong scope.
#[test]
fn refusals_before_the_signature() {
    assert_eq!(check("GET", "/prod/pets", &envoy_head("GET", "/prod/pets", &[]), b"", SIGNED_MS), Err(Failure::Missing));
    let bearer = envoy_head("GET", "/prod/pets", &[("authorization", "Bearer x")]);
    let Err(Failure::Incomplete(m)) = check("GET", "/prod/pets", &bearer, b"", SIGNED_MS) else { panic!() };
    assert!(m.starts_with("Invalid key=value pair (missing equal-sign) in Authorization header"), "{m}");
    let unknown = GET_AUTH.replace("AKIDEXAMPLE", "AKIDNOBODY");
    let head = envoy_head("GET", GET_PATH, &[("x-amz-date", "20260101T000000Z"), ("authorization", &unknown)]);
    assert_eq!(check("GET", GET_PATH, &head, b"", SIGNED_MS), Err(Failure::UnknownKey));
    let rows = [
        ("us-east-1/execute-api", "us-west-2/execute-api", "Credential should be scoped to a valid region, not 'us-west-2'. "),
        ("us-east-1/execute-api", "us-east-1/lambda", "Credential should be scoped to correct service: 'execute-api'. "),
        ("20260101/us-east-1", "20251231/us-east-1",
         "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from 'X-Amz-Date'."),
        ("aws4_request", "aws4_x", "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_x'. "),
    ];
    for (from, to, want) in rows {
        let auth = GET_AUTH.replace(from, to);
        let head = envoy_head("GET", GET_PATH, &[("x-amz-date", "20260101T000000Z"), ("authorization", &auth)]);
        assert_eq!(check("GET", GET_PATH, &head, b"", SIGNED_MS), Err(Failure::Invalid(want.into())), "{to}");
    }
    let presigned = "/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z";
    let Err(Failure::Incomplete(m)) = check("GET", presigned, &envoy_head("GET", presigned, &[]), b"", SIGNED_MS) else { panic!() };
    assert_eq!(m, "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include \
        'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
}

// ±5 minutes around X-Amz-Date, in AWS's words; a presigned URL until X-Amz-Expires.
#[test]
fn date_skew() {
    let five = MAX_SKEW_MS;
    assert!(check("GET", GET_PATH, &get_head(), b"", SIGNED_MS + five).is_ok());
    assert!(check("GET", GET_PATH, &get_head(), b"", SIGNED_MS - five).is_ok());
    assert_eq!(
        check("GET", GET_PATH, &get_head(), b"", SIGNED_MS + five + 1000),
        Err(Failure::Invalid("Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T000501Z - 5 min.)".into()))
    );
    assert_eq!(
        check("GET", GET_PATH, &get_head(), b"", SIGNED_MS - five - 1000),
        Err(Failure::Invalid("Signature not yet current: 20260101T000000Z is still later than 20251231T235959Z (20251231T235459Z + 5 min.)".into()))
    );
    assert_eq!(
        check("GET", PRESIGNED, &envoy_head("GET", PRESIGNED, &[]), b"", SIGNED_MS + 301_000),
        Err(Failure::Invalid("Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T000501Z - 300 sec.)".into()))
    );
    let mut bad = get_head();
    bad.retain(|(k, _)| k != "x-amz-date");
    bad.push(("x-amz-date".into(), "2026-01-01T00:00:00Z".into()));
    assert!(matches!(check("GET", GET_PATH, &bad, b"", SIGNED_MS), Err(Failure::Incomplete(m)) if m.starts_with("Date must be in ISO-8601")));
}

#[test]
fn amz_dates() {
    assert_eq!(parse_amz_date("20260101T000000Z"), Some(SIGNED_MS));
    assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
    assert_eq!(parse_amz_date("20240229T235959Z"), Some(1_709_251_199_000));
    for bad in ["", "20261301T000000Z", "2026010100000Z", "20260101T000000", "2026010+T000000Z", "99999999T999999Z"] {
        assert_eq!(parse_amz_date(bad), None, "{bad}");
    }
    for ms in [0, SIGNED_MS, 4_102_444_799_000] {
        assert_eq!(parse_amz_date(&crate::time::amz_date(ms)), Some(ms));
    }
}

// The key set: its fields checked, the account from the ARN, errors naming the field.
#[test]
fn key_set_parsing() {
    let k = keys();
    let alice = k.find("AKIDEXAMPLE").unwrap();
    assert_eq!((alice.account_id.as_str(), alice.policy.is_none()), ("123456789012", true));
    assert!(!format!("{alice:?}").contains(SECRET));
    let err = |v: Value| KeySet::parse(&v).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err(json!({})).contains("iamKeys"));
    assert!(err(json!([{"accessKeyId": "A", "secretAccessKey": "s"}])).contains("iamKeys[0].arn"));
    assert!(err(json!([{"accessKeyId": "A", "secretAccessKey": "s", "arn": "arn:aws:iam::12:user/x"}])).contains("iamKeys[0].arn"));
    assert!(err(json!([{"accessKeyId": "A", "secretAccessKey": "s", "arn": "arn:aws:iam::123456789012:user/x", "x": 1}])).contains("iamKeys[0].x"));
    let twice = json!([{"accessKeyId": "A", "secretAccessKey": "s", "arn": "arn:aws:iam::123456789012:user/x"},
                       {"accessKeyId": "A", "secretAccessKey": "t", "arn": "arn:aws:iam::123456789012:user/y"}]);
    assert!(err(twice).contains("iamKeys[1].accessKeyId"));
    let bad_policy = json!([{"accessKeyId": "A", "secretAccessKey": "s", "arn": "arn:aws:iam::123456789012:user/x",
                             "policy": {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}}]);
    assert!(err(bad_policy).contains("iamKeys[0].policy"));
    let text_policy = json!([{"accessKeyId": "A", "secretAccessKey": "s", "arn": "arn:aws:iam::123456789012:user/x",
                              "policy": "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"execute-api:Invoke\", \"Resource\": \"*\"}}"}]);
    assert!(KeySet::parse(&text_policy).unwrap().find("A").unwrap().policy.is_some());
}

#[test]
fn constant_time_comparison() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
}

// The HTTP Date header in the string to sign: IMF-fixdate only, as yyyyMMddTHHmmssZ.
#[test]
fn date_header_forms() {
    assert_eq!(imf_fixdate_as_amz("Thu, 01 Jan 2026 00:00:00 GMT").as_deref(), Some("20260101T000000Z"));
    assert_eq!(imf_fixdate_as_amz("Wed, 25 Nov 2026 06:20:28 GMT").as_deref(), Some("20261125T062028Z"));
    for other in ["", "Thu, 1 Jan 2026 00:00:00 GMT", "Thu, 01 Jan 2026 00:00:00 UTC", "Thu, 01 Foo 2026 00:00:00 GMT",
                  "Thursday, 01-Jan-26 00:00:00 GMT", "Thu, 01 Jan 2026 0a:00:00 GMT", "Thu, 01 Jan 2026 00:00:00 GMT x"] {
        assert_eq!(imf_fixdate_as_amz(other), None, "{other}");
    }
}
