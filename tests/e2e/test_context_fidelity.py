"""AWS's recorded behaviour in a real Envoy: `$context` key sets and printing, the request headers
`$input.params` hides (README: "Mapping templates (VTL)"), and `x-amz-apigw-id` on every response of
every integration type (README: "Behaviour", Gateway responses)."""

import os
import re
import socket
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from conftest import apigw, free_port

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# AWS's shape: 16 base64 characters, the last `=` (e.g. F3mG2EhRvHcEK7w=).
APIGW_ID = re.compile(r"^[A-Za-z0-9+/]{15}=$")
INTERNAL = b'{"message": "Internal server error"}'

HIDDEN = ["Connection", "Content-Length", "Content-MD5", "Expect", "Max-Forwards", "Proxy-Authenticate", "Server",
          "TE", "Transfer-Encoding", "Trailer", "Upgrade", "WWW-Authenticate"]
VISIBLE = {"Accept": "text/plain", "Accept-Charset": "utf-8", "Accept-Encoding": "identity", "Age": "5",
           "Authorization": "Bearer t0k", "Content-Encoding": "identity", "Content-Type": "application/json",
           "Date": "Tue, 01 Dec 2026 10:00:00 GMT", "Pragma": "no-cache", "Range": "bytes=0-1",
           "Referer": "http://ref.example/", "User-Agent": "fidelity/1", "Via": "1.1 proxy", "Warn": "199 - x"}


def mock(response_template, params=None):
    resp = {"statusCode": "200", "responseTemplates": {"application/json": response_template}}
    if params:
        resp["responseParameters"] = params
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "passthroughBehavior": "when_no_match", "responses": {"default": resp}}}


CONTEXT_TEMPLATE = (
    "$context.keySet()\n$context.identity.keySet()\n$context.requestOverride.keySet()\n"
    "$context.responseOverride.keySet()\n[#foreach($k in $context.authorizer.keySet())$k#end]\n"
    "[$context.get(\"identity\")][$context.get(\"requestOverride\")][$context.requestOverride.get(\"path\")]"
    "[$context.responseOverride.get(\"header\")][$context.identity.sourceIp]")

HEADERS_TEMPLATE = ("#foreach($h in [" + ",".join(f"'{h}'" for h in HIDDEN) + "])$h=[$input.params($h)]\n#end"
                    "#foreach($h in [" + ",".join(f"'{h}'" for h in list(VISIBLE) + ["Host"]) + "])"
                    "$h=$input.params($h)\n#end"
                    "#foreach($h in $input.params().header.keySet())$h,#end")


def fidelity_api(down_origin):
    return {
        "openapi": "3.0.1", "info": {"title": "fidelity", "version": "1"},
        "paths": {
            "/context": {"get": mock(CONTEXT_TEMPLATE)},
            "/headers": {"post": mock(HEADERS_TEMPLATE)},
            "/noint": {"get": {}},
            "/mapped-id": {"get": mock("{}", {"method.response.header.x-amz-apigw-id": "'mine'"})},
            "/extended-id": {"get": mock("$context.extendedRequestId|$context.requestId")},
            "/body": {"post": mock("$input.body")},
            "/down/{proxy+}": {"get": {"x-amazon-apigateway-integration": {
                "type": "http_proxy", "httpMethod": "GET", "uri": down_origin + "/{proxy}",
                "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}}},
        },
    }


@pytest.fixture(scope="module")
def fidelity(gateway_factory):
    # The HTTP_PROXY target is a cluster with nothing listening: Envoy's own 503 becomes AWS's 502.
    down = f"http://127.0.0.1:{free_port()}"
    return gateway_factory(fidelity_api(down), clusters=[apigw.cluster("down", down)],
                           extra={"targets": {"http": {down: "down"}}})


# $context.keySet() in AWS's order, identity's 12 keys, the overrides' keys, no authorizer
# keys, and whole nested maps printing "".
def test_context_key_sets_and_printing(fidelity):
    r = fidelity.request("GET", "/context")
    assert r.status_code == 200
    assert r.text == (
        "[resourceId, resourcePath, httpMethod, extendedRequestId, requestTime, path, accountId, protocol, "
        "requestOverride, stage, domainPrefix, requestTimeEpoch, requestId, identity, domainName, deploymentId, "
        "responseOverride, apiId]\n"
        "[cognitoIdentityPoolId, accountId, cognitoIdentityId, caller, sourceIp, principalOrgId, accessKey, "
        "cognitoAuthenticationType, cognitoAuthenticationProvider, userArn, userAgent, user]\n"
        "[path, header, querystring]\n[header]\n[]\n[][][][][127.0.0.1]")
    assert r.headers["content-type"] == "application/json"
    assert {k.lower() for k in r.headers} == {"content-type", "content-length", "x-amzn-requestid", "x-amz-apigw-id",
                                              "date"}


# $input.params(name) of a hidden header is "" (Envoy consumes some of them itself; the rest arrive and
# are hidden by the filter); the visible ones, Host included, read as sent, also in params().header.
def test_hidden_and_visible_request_headers(fidelity):
    headers = dict(VISIBLE, **{"Content-MD5": "Q2hlY2sgSW50ZWdyaXR5IQ==", "Max-Forwards": "3",
                               "Proxy-Authenticate": "Basic", "Server": "client", "Trailer": "x-t",
                               "WWW-Authenticate": "Basic", "Connection": "keep-alive"})
    r = fidelity.request("POST", "/headers", data=b"{}", headers=headers)
    assert r.status_code == 200, r.text
    lines = r.text.split("\n")
    assert lines[:len(HIDDEN)] == [f"{h}=[]" for h in HIDDEN]
    want = [f"{k}={v}" for k, v in VISIBLE.items()] + [f"Host=127.0.0.1:{fidelity.port}"]
    assert lines[len(HIDDEN):-1] == want
    seen = [h for h in lines[-1].split(",") if h]
    assert {h.lower() for h in VISIBLE} | {"host"} <= set(seen)
    assert not {h.lower() for h in HIDDEN} & {h.lower() for h in seen}


def assert_ids(r, *others):
    """One x-amz-apigw-id of AWS's shape, not the request id; returns it."""
    ids = r.raw.headers.getlist("x-amz-apigw-id")
    assert len(ids) == 1, r.headers
    assert APIGW_ID.match(ids[0]), ids
    assert UUID.match(r.headers["x-amzn-RequestId"])
    assert ids[0] != r.headers["x-amzn-RequestId"]
    assert ids[0] not in others
    return ids[0]


# Error answers: the 403 of an unknown route, a 500 gateway response, an HTTP_PROXY backend that Envoy
# cannot reach (the answer replaced in the response phase). Each request its own id.
def test_apigw_id_on_error_answers(fidelity):
    r = fidelity.request("GET", "/nowhere")
    assert (r.status_code, r.content) == (403, b'{"message":"Missing Authentication Token"}')
    first = assert_ids(r)
    r = fidelity.request("GET", "/nowhere")
    second = assert_ids(r, first)
    r = fidelity.request("GET", "/noint")
    assert (r.status_code, r.content) == (500, INTERNAL)
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert_ids(r, first, second)
    r = fidelity.request("GET", "/down/x")
    assert (r.status_code, r.content) == (502, INTERNAL)
    assert_ids(r, first, second)


# A response header mapped to the same name gives way to the gateway's own id (our choice).
def test_apigw_id_is_the_gateways(fidelity):
    r = fidelity.request("GET", "/mapped-id")
    assert (r.status_code, r.content) == (200, b"{}")
    assert assert_ids(r) != "mine"


# $context.extendedRequestId is the request's x-amz-apigw-id, as on AWS (AWS docs, $context:
# "the extended ID that API Gateway generates"; the id the x-amz-apigw-id header carries).
def test_extended_request_id_is_the_apigw_id(fidelity):
    r = fidelity.request("GET", "/extended-id")
    assert r.status_code == 200, r.content
    assert r.text == f"{assert_ids(r)}|{r.headers['x-amzn-RequestId']}"


def raw_post(port, path, length):
    """POSTs `length` bytes, stopping when the gateway answers early; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {length}\r\n\r\n".encode())
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < length:
                sent += s.send(chunk[:length - sent])
        except OSError:
            pass
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < int(
                re.search(rb"(?i)content-length: (\d+)", data.partition(b"\r\n\r\n")[0]).group(1)):
            c = s.recv(65536)
            if not c:
                break
            data += c
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = [tuple(x.split(": ", 1)) for x in lines[1:]]
    return int(lines[0].split(" ")[1]), headers, body


# An answer Envoy makes itself for a request the filter took (a body past the 12 MiB buffer) carries
# the id too.
def test_apigw_id_on_envoys_own_answer(fidelity):
    status, headers, body = raw_post(fidelity.port, "/body", 13 * 1024 * 1024)
    assert (status, body) == (413, b"Payload Too Large")
    ids = [v for k, v in headers if k.lower() == "x-amz-apigw-id"]
    assert len(ids) == 1 and APIGW_ID.match(ids[0]), headers


# MOCK, AWS_PROXY, HTTP_PROXY, HTTP and AWS answers all carry their own x-amz-apigw-id.
def test_apigw_id_on_every_integration(demo):
    seen = []
    r = demo.request("GET", "/pets")
    assert r.status_code == 200 and r.json()[0]["id"] == 1
    seen.append(assert_ids(r, *seen))
    r = demo.request("GET", "/hello?name=you")
    assert (r.status_code, r.json()) == (200, {"message": "Hello, you!", "path": "/hello"})
    seen.append(assert_ids(r, *seen))
    r = demo.request("PUT", "/backend/things/1", data=b"payload", headers={"content-type": "text/plain"})
    assert r.status_code == 200 and r.json()["body"] == "payload"
    seen.append(assert_ids(r, *seen))
    r = demo.request("GET", "/orders/7")
    assert (r.status_code, r.json()) == (200, {"order": "7", "backendSaw": "/orders/7?verbose=true", "stage": "prod"})
    seen.append(assert_ids(r, *seen))
    r = demo.request("POST", "/queue", json={"order": 7})
    assert (r.status_code, r.json()) == (200, {"queued": True, "requestId": r.headers["x-amzn-RequestId"]})
    seen.append(assert_ids(r, *seen))
    r = demo.request("OPTIONS", "/pets", headers={"Origin": "http://example.com",
                                                  "Access-Control-Request-Method": "POST"})
    assert (r.status_code, r.content) == (200, b"")
    assert_ids(r, *seen)
