//! Our SigV4 signer and event/response code against the local Invoke API server
//! (`scripts/local_lambda.py`, running the handlers of `tests/e2e/lambda_handlers`), which
//! recomputes every signature with botocore's `SigV4Auth`.
//!
//! Needs a Python with botocore: `$LAMBDA_TEST_PYTHON`, else the project's `.venv/bin/python` (`make setup`), else
//! `python3`. Without one the tests print why and pass (set `LAMBDA_TEST_REQUIRE=1` to fail
//! instead).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use apigw_envoy::context::RequestContext;
use apigw_envoy::event::invoke::{substitute_stage_variables, LambdaTarget};
use apigw_envoy::event::{v1, v2, ProxyInput};
use apigw_envoy::http::Request;
use apigw_envoy::lambda_response::{convert, PayloadVersion};
use apigw_envoy::sigv4::{sign, Credentials};

const AK: &str = "AKIDLOCALTEST";
const SK: &str = "local/secret+key";

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> Option<String> {
    let candidates = [
        std::env::var("LAMBDA_TEST_PYTHON").ok(),
        Some(concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python").to_string()),
        Some("python3".to_string()),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import botocore"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn start(signed: bool) -> Option<Server> {
    let Some(py) = python() else {
        assert!(
            std::env::var("LAMBDA_TEST_REQUIRE").is_err(),
            "no python with botocore"
        );
        eprintln!("skipped: no python with botocore (set LAMBDA_TEST_PYTHON)");
        return None;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/local_lambda.py");
    let handlers = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/lambda_handlers");
    let mut cmd = Command::new(py);
    cmd.args([script, "--port", "0", "--handlers", handlers]);
    if signed {
        cmd.args(["--access-key", AK, "--secret-key", SK, "--region", "us-east-1"]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    Some(Server { child, port })
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 exchange over a fresh connection, headers sent exactly as given.
fn http(port: u16, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Invokes `function` (name or ARN) the way the gateway will: our path encoding, our signature.
fn invoke(server: &Server, function: &str, payload: &[u8], creds: Option<&Credentials>) -> Reply {
    let target = LambdaTarget::parse(&format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function}/invocations"
    ))
    .unwrap();
    let path = target.invoke_path();
    let mut headers = vec![
        ("host".to_string(), format!("127.0.0.1:{}", server.port)),
        ("content-type".to_string(), "application/json".to_string()),
        ("x-amz-invocation-type".to_string(), "RequestResponse".to_string()),
    ];
    if let Some(creds) = creds {
        let added = sign(
            "POST",
            &path,
            "",
            &headers,
            payload,
            "lambda",
            &target.region,
            creds,
            now_ms(),
        );
        headers.extend(added);
    }
    http(server.port, "POST", &path, &headers, payload)
}

fn creds(secret: &str, token: Option<&str>) -> Credentials {
    Credentials {
        access_key_id: AK.into(),
        secret_access_key: secret.into(),
        session_token: token.map(str::to_string),
    }
}

fn sample_request(body: &[u8]) -> (Request, RequestContext) {
    let request = Request {
        method: "POST".into(),
        path: "/prod/items/7?x=1&x=2".into(),
        headers: vec![
            ("host".into(), "api.example.com".into()),
            ("user-agent".into(), "it/1".into()),
            ("content-type".into(), "application/json".into()),
            ("accept".into(), "application/json".into()),
        ],
        body: body.to_vec(),
        source_ip: "192.0.2.10".into(),
        request_id: "11111111-2222-3333-4444-555555555555".into(),
        extended_request_id: "11111111-2222-3333-4444-555555555555".into(),
        now_ms: now_ms(),
    };
    let context = RequestContext {
        api_id: "api".into(),
        http_method: "POST".into(),
        path: "/prod/items/7".into(),
        protocol: "HTTP/1.1".into(),
        resource_path: "/items/{id}".into(),
        stage: "prod".into(),
        source_ip: "192.0.2.10".into(),
        user_agent: Some("it/1".into()),
        ..RequestContext::default()
    };
    (request, context)
}

// Our signature over an ARN with colons (double-encoded path) is what botocore computes.
#[test]
fn botocore_accepts_our_signature() {
    let Some(server) = start(true) else { return };
    for function in [
        "echo",
        "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "arn:aws:lambda:us-east-1:123456789012:function:echo:live",
    ] {
        let r = invoke(&server, function, b"{\"a\":1}", Some(&creds(SK, None)));
        assert_eq!(r.status, 200, "{function}: {}", String::from_utf8_lossy(&r.body));
    }
}

// A wrong secret, or no signature, is refused with 403 like the real Invoke API.
#[test]
fn botocore_rejects_bad_signatures() {
    let Some(server) = start(true) else { return };
    let r = invoke(&server, "echo", b"{}", Some(&creds("wrong", None)));
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("InvalidSignatureException"));
    let r = invoke(&server, "echo", b"{}", None);
    assert_eq!(r.status, 403);
}

// A session token is sent and signed (the server checks the signature over it).
#[test]
fn session_token_is_accepted() {
    let Some(server) = start(true) else { return };
    let r = invoke(&server, "echo", b"{}", Some(&creds(SK, Some("tok/en+=="))));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

// The whole proxy round trip: our 1.0 event reaches the function intact, and its answer converts.
#[test]
fn v1_round_trip_through_echo() {
    let Some(server) = start(true) else { return };
    let (request, context) = sample_request(b"{\"n\":1}");
    let stage_variables = vec![("fn".to_string(), "echo".to_string())];
    let params = vec![("id".to_string(), "7".to_string())];
    let input = ProxyInput {
        request: &request,
        context: &context,
        resource: "/items/{id}",
        path: "/items/7",
        path_params: &params,
        stage_variables: &stage_variables,
        binary_media_types: &[],
    };
    let event = v1::build(&input);
    let function = substitute_stage_variables("${stageVariables.fn}", &stage_variables);
    let r = invoke(&server, &function, event.as_bytes(), Some(&creds(SK, None)));
    assert_eq!(r.status, 200);
    let failed = r.header("X-Amz-Function-Error").is_some();
    let resp = convert(&r.body, failed, PayloadVersion::V1, Some("application/json"), &[]).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("x-function"), Some("echo"));
    let got: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    let sent: serde_json::Value = serde_json::from_str(&event).unwrap();
    assert_eq!(got, sent);
    assert_eq!(got["multiValueQueryStringParameters"]["x"], serde_json::json!(["1", "2"]));
}

// The same with payload 2.0.
#[test]
fn v2_round_trip_through_echo() {
    let Some(server) = start(false) else { return };
    let (request, context) = sample_request(b"hi");
    let input = ProxyInput {
        request: &request,
        context: &context,
        resource: "/items/{id}",
        path: "/items/7",
        path_params: &[],
        stage_variables: &[],
        binary_media_types: &[],
    };
    let event = v2::build(&input);
    let r = invoke(&server, "echo", event.as_bytes(), None);
    let resp = convert(&r.body, false, PayloadVersion::V2, None, &[]).unwrap();
    let got: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(got["routeKey"], "POST /items/{id}");
    assert_eq!(got["queryStringParameters"]["x"], "1,2");
}

// A raising function gives X-Amz-Function-Error, which convert turns into the 502 reason.
#[test]
fn function_error_becomes_502() {
    let Some(server) = start(false) else { return };
    let r = invoke(&server, "fail", b"{}", None);
    assert_eq!(r.header("X-Amz-Function-Error"), Some("Unhandled"));
    let err = convert(&r.body, true, PayloadVersion::V1, None, &[]).unwrap_err();
    assert!(err.contains("CustomError"), "{err}");
}

// The function-answer rules (README: "Lambda proxy (AWS_PROXY)") exercised through a real function:
// the `status` handler returns what we ask for.
#[test]
fn response_rules_through_status_function() {
    let Some(server) = start(false) else { return };
    let rows: &[(&str, Option<u16>)] = &[
        (r#"{"statusCode":"201"}"#, Some(201)),
        (r#"{"statusCode":"test"}"#, None),
        (r#"{"statusCode":200,"extra":1}"#, None),
        (r#""bare string""#, None),
        (r#"{}"#, Some(200)),
    ];
    for (ask, want) in rows {
        let event = serde_json::json!({ "body": ask, "isBase64Encoded": false }).to_string();
        let r = invoke(&server, "status", event.as_bytes(), None);
        let got = convert(&r.body, false, PayloadVersion::V1, None, &[]);
        assert_eq!(got.ok().map(|resp| resp.status), *want, "{ask}");
    }
    // The binary function: decoded for Accept image/png, base64 text otherwise.
    let r = invoke(&server, "binary", b"{}", None);
    let types = vec!["image/png".to_string()];
    let png = convert(&r.body, false, PayloadVersion::V1, Some("image/png"), &types).unwrap();
    assert_eq!(&png.body[1..4], b"PNG");
    let text = convert(&r.body, false, PayloadVersion::V1, Some("*/*"), &types).unwrap();
    assert!(text.body.starts_with(b"iVBOR"));
}
