"""Lambda fidelity as recorded on AWS (README: "Lambda proxy (AWS_PROXY)") in a real Envoy with the
built .wasm, against the local Lambda Invoke API (scripts/local_lambda.py) running real Python
handlers, which records what each function received and answered: Lambda custom (type AWS with a
Lambda URI) byte for byte, asynchronous invocation and response-template overrides; AWS_PROXY header
merging, X-Amzn-Trace-Id; binaryMediaTypes matching as recorded; payload 2.0 on a deployment without
stage prefix behind Mangum."""

import base64
import json
import re
import time

import pytest
import requests

import apigw
from conftest import LambdaServer

API_ID = "f1d3l1ty99"
FN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
TRACE_FULL = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"
TRACE_ROOT = "Root=1-3152b799-8954dae64eda91bc9a23a7e8"


def proxy(fn, version=None):
    i = {"type": "aws_proxy", "httpMethod": "POST", "uri": FN.format(fn)}
    if version:
        i["payloadFormatVersion"] = version
    return {"x-amazon-apigateway-integration": i}


def custom(fn, responses=None, **extra):
    i = {"type": "aws", "httpMethod": "POST", "uri": FN.format(fn),
         "responses": responses or {"default": {"statusCode": "200"}}}
    i.update(extra)
    return {"x-amazon-apigateway-integration": i}


OVERRIDE = ('#set($context.responseOverride.status = 201)'
            '#set($context.responseOverride.header.X-Over = "yes"){"over": true}')

API = {
    "openapi": "3.0.1", "info": {"title": "fidelity", "version": "1"},
    "paths": {
        # Lambda custom without templates.
        "/custom": {"post": custom("identity"), "get": custom("identity")},
        "/custom/fail": {"post": custom("fail", {"default": {"statusCode": "200"},
                                                 ".*went wrong.*": {"statusCode": "400"}})},
        "/custom/async": {"post": custom("identity", requestParameters={
            "integration.request.header.X-Amz-Invocation-Type": "'Event'"})},
        # $context.responseOverride in integration RESPONSE templates.
        "/custom/override": {"post": custom("identity", {"default": {
            "statusCode": "200", "responseTemplates": {"application/json": OVERRIDE}}})},
        "/custom/override-error": {"post": custom("fail", {
            "default": {"statusCode": "200"},
            ".+": {"statusCode": "502", "responseTemplates": {"application/json":
                   "#set($context.responseOverride.status = 409)$input.path('$.errorMessage')"}}})},
        "/mock/override": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": OVERRIDE}}}}}},
        # binaryMediaTypes on the non-proxy request side: CONVERT_TO_TEXT base64-encodes binary only.
        "/custom/binary": {"post": custom("identity", contentHandling="CONVERT_TO_TEXT", requestTemplates={
            t: '{"body": "$input.body"}' for t in ("random/test", "*/test", "font/woff2", "image/png")})},
        # AWS_PROXY.
        "/status": {"post": proxy("status")},
        "/echo": {"get": proxy("echo"), "post": proxy("echo")},
        "/binary": {"get": proxy("binary")},
        "/fail": {"get": proxy("fail")},
        "/mock": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}}}}},
        # Payload 2.0.
        "/v2/{proxy+}": {"get": proxy("echo", "2.0")},
        "/{proxy+}": {"x-amazon-apigateway-any-method": proxy("asgi", "2.0")},
    },
    "x-amazon-apigateway-binary-media-types": ["*/test", "image/png", "font/*"],
}


@pytest.fixture(scope="module")
def lam():
    s = LambdaServer(None, None)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gw(gateway_factory, lam, echo):
    api = json.loads(json.dumps(API))
    # HTTP (custom) runs response templates too: the same override against the echo backend.
    api["paths"]["/http/override"] = {"post": {"x-amazon-apigateway-integration": {
        "type": "http", "httpMethod": "POST", "uri": echo.origin + "/echo",
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": OVERRIDE}}}}}}
    # Non-proxy response side: the backend's Content-Type decides binary; CONVERT_TO_TEXT encodes it.
    for name, ctype in (("text", "random%2Ftest"), ("font", "font%2Fwoff2")):
        api["paths"][f"/http/binary-{name}"] = {"post": {"x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "POST", "uri": f"{echo.origin}/binary?type={ctype}",
            "responses": {"default": {"statusCode": "200", "contentHandling": "CONVERT_TO_TEXT"}}}}}
    # A sidecar deployment: no stage prefix in any URL.
    return gateway_factory(api, stage="prod", stage_prefix=False, lambda_url=lam.url, extra={"apiId": API_ID},
                           origins={echo.origin: "echo"}, clusters=[apigw.cluster("echo", echo.url)])


@pytest.fixture(scope="module")
def prefixed(gateway_factory, lam):
    # The same API served through execute-api style URLs (`/prod/...`).
    return gateway_factory(API, stage="prod", stage_prefix=True, lambda_url=lam.url, extra={"apiId": API_ID})


def last(lam):
    rec = requests.get(lam.url + "/_recorded?detail=1", timeout=5).json()
    assert rec, "the function was not invoked"
    r = rec[-1]
    r["body"] = base64.b64decode(r["body"])
    if r.get("answer") is not None:
        r["answer"] = base64.b64decode(r["answer"])
    return r


# --- 1. Lambda custom -------------------------------------------------------------------------

# Without templates the function receives the client body byte for byte and the client the
# function's payload byte for byte, Content-Type application/json; the Invoke call is tagged.
def test_custom_passthrough_byte_for_byte(gw, lam):
    lam.clear()
    sent = b'{ "a" :1,\n  "b": [ true, null ], "s": "\\u00e9t\xc3\xa9" }'
    r = gw.request("POST", "/custom", data=sent, headers={"Content-Type": "application/json"})
    rec = last(lam)
    assert rec["body"] == sent
    assert rec["event"] == json.loads(sent)
    assert r.status_code == 200
    assert r.content == rec["answer"]
    assert r.headers["Content-Type"] == "application/json"
    h = rec["headers"]
    assert h["x-amzn-lambda-integration-tag"] == r.headers["x-amzn-RequestId"]
    assert h["x-amzn-apigateway-api-id"] == API_ID
    assert h["accept"] == "application/json"
    assert h["user-agent"] == f"AmazonAPIGateway_{API_ID}"
    assert h["x-amz-invocation-type"] == "RequestResponse"


# A GET without body sends an empty payload.
def test_custom_get_sends_empty_payload(gw, lam):
    lam.clear()
    r = gw.request("GET", "/custom")
    rec = last(lam)
    assert rec["body"] == b""
    assert (r.status_code, r.content) == (200, rec["answer"])
    assert r.headers["Content-Type"] == "application/json"


# An error selected by selectionPattern returns the function's error payload unchanged.
def test_custom_error_payload_unchanged(gw, lam):
    lam.clear()
    r = gw.request("POST", "/custom/fail", json={"x": 1})
    rec = last(lam)
    assert r.status_code == 400
    assert r.content == rec["answer"]
    err = json.loads(r.content)
    assert (err["errorMessage"], err["errorType"]) == ("something went wrong", "CustomError")
    assert set(err) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert r.headers["Content-Type"] == "application/json"


# A mapped X-Amz-Invocation-Type 'Event' invokes asynchronously (the Invoke API answers 202);
# the client gets the default response, 200 with an empty body.
def test_custom_event_invocation(gw, lam):
    lam.clear()
    r = gw.request("POST", "/custom/async", json={"job": 7})
    rec = last(lam)
    assert rec["headers"]["x-amz-invocation-type"] == "Event"
    assert rec["status"] == 202 and rec["event"] == {"job": 7}
    assert (r.status_code, r.content) == (200, b"")
    assert r.headers["Content-Type"] == "application/json"


# $context.responseOverride in an integration RESPONSE template sets the final status and
# headers: Lambda custom (success and selected error), MOCK and HTTP.
@pytest.mark.parametrize("method,path", [
    ("POST", "/custom/override"), ("GET", "/mock/override"), ("POST", "/http/override")])
def test_response_template_override(gw, method, path):
    r = gw.request(method, path, json={"k": "v"})
    assert (r.status_code, r.content) == (201, b'{"over": true}')
    assert r.headers["X-Over"] == "yes"
    assert r.headers["Content-Type"] == "application/json"


def test_response_template_override_on_error(gw):
    r = gw.request("POST", "/custom/override-error", json={})
    assert (r.status_code, r.content) == (409, b"something went wrong")


# API Gateway's execution logs show the same headers on AWS_PROXY Invoke calls.
def test_proxy_invoke_headers(gw, lam):
    lam.clear()
    r = gw.request("GET", "/echo")
    h = last(lam)["headers"]
    assert h["x-amzn-lambda-integration-tag"] == r.headers["x-amzn-RequestId"]
    assert h["x-amzn-apigateway-api-id"] == API_ID
    assert h["accept"] == "application/json"
    assert h["user-agent"] == f"AmazonAPIGateway_{API_ID}"


# --- 2. AWS_PROXY header merging -------------------------------------------------------------

def answer(gw, payload, **kw):
    return gw.request("POST", "/status", data=json.dumps(payload), headers={"Content-Type": "application/json"}, **kw)


# Names merge case-insensitively (one header, multi values first); a pair in both maps appears
# once (AWS docs; Express's res.append(name, [value]) behind serverless-http); both rules at once.
@pytest.mark.parametrize("payload,name,lines", [
    ({"multiValueHeaders": {"tesT-Multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}},
     "test-multi", ["value-multi", "value-solo"]),
    ({"multiValueHeaders": {"x-tag": ["a"]}, "headers": {"x-tag": "a"}}, "x-tag", ["a"]),
    ({"multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "headers": {"set-cookie": "b=2"}},
     "set-cookie", ["a=1", "b=2"]),
    ({"multiValueHeaders": {"X-Tag": ["a", "b"]}, "headers": {"x-TAG": "c"}}, "x-tag", ["a", "b", "c"]),
    ({"multiValueHeaders": {"X-Tag": ["a"]}, "headers": {"x-tag": "A"}}, "x-tag", ["a", "A"]),
])
def test_proxy_header_merge(gw, payload, name, lines):
    r = answer(gw, dict(payload, statusCode=200, body="ok"))
    assert (r.status_code, r.content) == (200, b"ok")
    assert r.raw.headers.getlist(name) == lines
    if name != "set-cookie":
        assert r.headers[name] == ", ".join(lines)


# --- 3. binaryMediaTypes as recorded ---------------------------------------------------------

# Request side (AWS_PROXY event): `*/test` matches neither `*/test` nor `random/test`; `font/*`
# matches `font/woff2`; `image/png` only itself.
@pytest.mark.parametrize("ctype,binary", [
    ("random/test", False), ("*/test", False), ("font/woff2", True), ("image/png", True), ("image/jpeg", False)])
def test_binary_request_event(gw, ctype, binary):
    r = gw.request("POST", "/echo", data=b"hello", headers={"Content-Type": ctype})
    e = json.loads(r.content)
    assert e["isBase64Encoded"] is binary
    assert e["body"] == ("aGVsbG8=" if binary else "hello")


# Response side (isBase64Encoded answer): only the first Accept entry, matched as recorded.
@pytest.mark.parametrize("accept,decoded", [
    ("image/png", True), ("image/*", False), ("*/test", False), ("random/test", False),
    ("font/woff2", True), ("*/*", False), ("text/html, image/png", False)])
def test_binary_answer(gw, accept, decoded):
    r = gw.request("GET", "/binary", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.content == (PNG if decoded else base64.b64encode(PNG))
    assert r.headers["Content-Type"] == "image/png"


# Non-proxy request side: CONVERT_TO_TEXT base64-encodes a binary payload only.
@pytest.mark.parametrize("ctype,binary", [
    ("random/test", False), ("*/test", False), ("font/woff2", True), ("image/png", True)])
def test_binary_custom_request(gw, lam, ctype, binary):
    lam.clear()
    r = gw.request("POST", "/custom/binary", data=b"hello", headers={"Content-Type": ctype})
    assert r.status_code == 200, r.text
    assert last(lam)["event"] == {"body": "aGVsbG8=" if binary else "hello"}


# Non-proxy response side: a `random/test` answer is text (`*/test` matches nothing), a
# `font/woff2` one binary (`font/*`), so CONVERT_TO_TEXT base64-encodes only the latter.
@pytest.mark.parametrize("name,body", [("text", b"hello"), ("font", b"aGVsbG8=")])
def test_binary_http_response(gw, name, body):
    r = gw.request("POST", f"/http/binary-{name}", data=b"hello", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.content) == (200, body)


# --- 4. X-Amzn-Trace-Id ----------------------------------------------------------------------

TRACE = re.compile(r"^Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$")


# No client header: a new X-Ray root (this second), a new parent; the function sees the root in
# its event and on the Invoke call.
def test_trace_made(gw, lam):
    lam.clear()
    r = gw.request("GET", "/echo")
    m = TRACE.match(r.headers["X-Amzn-Trace-Id"])
    assert m, r.headers["X-Amzn-Trace-Id"]
    assert abs(int(m.group(1), 16) - time.time()) < 120
    root = r.headers["X-Amzn-Trace-Id"].split(";")[0]
    e = json.loads(r.content)
    assert e["headers"]["X-Amzn-Trace-Id"] == root
    assert e["multiValueHeaders"]["X-Amzn-Trace-Id"] == [root]
    assert last(lam)["headers"]["x-amzn-trace-id"] == root
    assert gw.request("GET", "/echo").headers["X-Amzn-Trace-Id"] != r.headers["X-Amzn-Trace-Id"]


# A client's Root and Parent are kept; with only a Root a Parent is made.
def test_trace_from_client(gw, lam):
    r = gw.request("GET", "/echo", headers={"X-Amzn-Trace-Id": TRACE_FULL})
    assert r.headers["X-Amzn-Trace-Id"] == TRACE_FULL
    assert json.loads(r.content)["headers"]["X-Amzn-Trace-Id"] == TRACE_FULL
    r = gw.request("GET", "/echo", headers={"X-Amzn-Trace-Id": TRACE_ROOT})
    root, parent, sampled = r.headers["X-Amzn-Trace-Id"].split(";")
    assert root == TRACE_ROOT and sampled == "Sampled=0"
    assert re.fullmatch(r"Parent=[0-9a-f]{16}", parent) and parent != "Parent=7fa8c0f79203be72"
    assert json.loads(r.content)["headers"]["X-Amzn-Trace-Id"] == TRACE_ROOT


# MOCK answers carry none, nor do error answers (a function error's 502).
def test_trace_absent(gw):
    for path in ("/mock", "/fail"):
        for headers in ({}, {"X-Amzn-Trace-Id": TRACE_FULL}):
            r = gw.request("GET", path, headers=headers)
            assert r.status_code in (200, 502)
            assert "X-Amzn-Trace-Id" not in r.headers, path


# --- 5. Payload 2.0 without stage prefix -----------------------------------------------------

def powertools_path(event):
    # Powertools' APIGatewayProxyEventV2.path: strips len("/" + stage) unless the stage is $default.
    stage = event["requestContext"]["stage"]
    return event["rawPath"] if stage == "$default" else event["rawPath"][len("/" + stage):]


# A sidecar URL has no `/prod`: the 2.0 event says `$default`, so a Starlette app behind Mangum
# (which routes on rawPath) and Powertools' rule both see the route path.
def test_v2_without_prefix_mangum(gw):
    r = gw.request("GET", "/items/42?tag=a&tag=b")
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "42", "tags": ["a", "b"], "path": "/items/42"}
    e = json.loads(gw.request("GET", "/v2/items/42").content)
    assert (e["rawPath"], e["requestContext"]["stage"]) == ("/v2/items/42", "$default")
    assert e["requestContext"]["http"]["path"] == "/v2/items/42"
    assert powertools_path(e) == "/v2/items/42"


# Through a `/prod/...` URL the stage is named and rawPath carries it, as on an HTTP API stage.
def test_v2_with_prefix(prefixed):
    e = json.loads(prefixed.request("GET", "/prod/v2/items/42").content)
    assert (e["rawPath"], e["requestContext"]["stage"]) == ("/prod/v2/items/42", "prod")
    assert powertools_path(e) == "/v2/items/42"
