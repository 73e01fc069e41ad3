"""Every upstream failure gets AWS's answer for its integration type (README: "HTTP, HTTP_PROXY and
AWS services", upstream failures: 502, or 504 for a timeout,
`x-amzn-ErrorType: InternalServerErrorException`; an unreachable or broken Invoke API is an
integration failure), never a success status carrying Envoy's own error text.

The upstream is tests/e2e/upstream_peer.py, a raw socket server that refuses nothing but closes,
resets, sleeps, or answers bytes that are not HTTP or an invalid Content-Length, by a keyword in the
request path; a refused connection is a port nobody listens on. Envoy answers such failures itself
(a 502 with `reset reason: protocol error` for a broken answer): the filter tells them from a
backend's own 502 by Envoy's response details for HTTP_PROXY, and for callouts by the router's
`x-envoy-upstream-service-time`, which only an upstream's answer carries — never by the body text,
which `peer-own502` copies word for word."""

import http.client
import re

import pytest

import apigw
from conftest import free_port
from upstream_peer import ENVOY_PROTOCOL_ERROR, OK_BODY as OK

FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")
INVOKE = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3A{}/invocations"
INTERNAL = b'{"message": "Internal server error"}'
TIMED_OUT = b'{"message": "Endpoint request timed out"}'
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# x-amz-apigw-id (README: "Behaviour", Gateway responses): 11 random bytes in base64.
APIGW_ID = re.compile(r"^[A-Za-z0-9+/]{15}=$")
FAILURES = ["peer-close", "peer-reset", "peer-garbage", "peer-badlength"]
# Integration kinds: (path prefix, client method, request line the upstream gets for `mode`).
KINDS = {
    "HTTP_PROXY": ("/proxy/", "GET", "GET /{} HTTP/1.1"),
    "HTTP": ("/http/", "GET", "GET /{} HTTP/1.1"),
    "AWS": ("/aws/", "POST", "POST /123456789012/{} HTTP/1.1"),
    "AWS_PROXY": ("/lambda/", "GET", "POST " + INVOKE + " HTTP/1.1"),
    "Lambda custom": ("/lambdac/", "POST", "POST " + INVOKE + " HTTP/1.1"),
}


def api(origin):
    """One route per integration kind and peer mode, each with a 1 s timeout."""
    paths = {"/proxy/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
        "type": "http_proxy", "httpMethod": "ANY", "uri": origin + "/{proxy}", "timeoutInMillis": 1000}}}}
    default = {"default": {"statusCode": "200"}}
    for m in FAILURES + ["peer-ok", "peer-sleep", "peer-own502"]:
        paths[f"/http/{m}"] = {"get": {"x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": f"{origin}/{m}", "timeoutInMillis": 1000,
            "responses": default}}}
        paths[f"/aws/{m}"] = {"post": {"x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST", "uri": f"arn:aws:apigateway:us-east-1:sqs:path/123456789012/{m}",
            "timeoutInMillis": 1000, "responses": default}}}
        paths[f"/lambda/{m}"] = {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format(m), "timeoutInMillis": 1000}}}
        paths[f"/lambdac/{m}"] = {"post": {"x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST", "uri": FN.format(m), "timeoutInMillis": 1000,
            "responses": default}}}
    return {"openapi": "3.0.1", "info": {"title": "failures", "version": "1"}, "paths": paths}


def start(gateway_factory, url, authority):
    """The gateway with every integration kind's upstream at `url` (HTTP origin, SQS, Lambda)."""
    targets = {"http": {url: "upstream"}, "lambda": {"cluster": "upstream", "authority": authority},
               "aws": {"sqs": {"cluster": "upstream", "authority": authority}}}
    return gateway_factory(api(url), extra={"targets": targets}, clusters=[apigw.cluster("upstream", url)])


@pytest.fixture(scope="module")
def gw(gateway_factory, peer):
    return start(gateway_factory, peer.url, peer.authority)


@pytest.fixture(scope="module")
def refused(gateway_factory):
    port = free_port()  # bound and released: nothing listens there
    return start(gateway_factory, f"http://127.0.0.1:{port}", f"127.0.0.1:{port}")


def assert_gateway_error(r, status, body):
    """AWS's error answer, exactly these headers, framed by Content-Length as AWS frames it (for
    HTTP_PROXY too, where the body replaces Envoy's at its end)."""
    headers = {k.lower(): v for k, v in r.headers.items()}
    assert (r.status_code, r.content) == (status, body)
    assert UUID.match(headers.pop("x-amzn-requestid"))
    assert APIGW_ID.match(headers.pop("x-amz-apigw-id"))
    assert headers.pop("date")
    assert headers == {"content-type": "application/json", "content-length": str(len(body)),
                       "x-amzn-errortype": "InternalServerErrorException"}


def call(gw, kind, mode):
    prefix, method, _ = KINDS[kind]
    return gw.request(method, prefix + mode, headers={"content-type": "application/json"})


# A connection the backend closes or resets before answering, and an answer that is not HTTP or
# has an invalid Content-Length: 502 Internal server error for every kind, the request having
# reached the upstream exactly once (no retry).
@pytest.mark.parametrize("mode", FAILURES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_broken_upstream_is_502(gw, peer, kind, mode):
    peer.recorded()
    r = call(gw, kind, mode)
    assert_gateway_error(r, 502, INTERNAL)
    assert [head[0] for head, _ in peer.recorded()] == [KINDS[kind][2].format(mode)]


# Nothing listens at the upstream: 502 for every kind.
@pytest.mark.parametrize("kind", list(KINDS))
def test_refused_connection_is_502(refused, kind):
    assert_gateway_error(call(refused, kind, "peer-ok"), 502, INTERNAL)


# An upstream slower than timeoutInMillis: 504 Endpoint request timed out, at the timeout.
@pytest.mark.parametrize("kind", list(KINDS))
def test_slow_upstream_is_504(gw, peer, kind):
    r = call(gw, kind, "peer-sleep")
    assert_gateway_error(r, 504, TIMED_OUT)
    assert r.elapsed.total_seconds() < 2.5
    assert [head[0] for head, _ in peer.recorded()] == [KINDS[kind][2].format("peer-sleep")]


# The backend's own 502, whose body is Envoy's protocol-error text word for word and whose headers
# are what an Envoy-made answer has: still the backend's answer. HTTP_PROXY returns it as it is
# (reserved headers remapped); HTTP and AWS select it by status ("502" -> default, 200) and pass
# its body (recorded on AWS); the Invoke API's own 502 is a refusal: 500 (README's choice).
@pytest.mark.parametrize("kind, status, headers, body", [
    ("HTTP_PROXY", 502, {"content-type": "text/plain", "content-length": "87",
                         "x-amzn-remapped-content-length": "87"}, ENVOY_PROTOCOL_ERROR),
    ("HTTP", 200, {"content-type": "application/json", "content-length": "87"}, ENVOY_PROTOCOL_ERROR),
    ("AWS", 200, {"content-type": "application/json", "content-length": "87"}, ENVOY_PROTOCOL_ERROR),
    ("AWS_PROXY", 500, {"content-type": "application/json", "content-length": "36",
                        "x-amzn-errortype": "InternalServerErrorException"}, INTERNAL),
    ("Lambda custom", 500, {"content-type": "application/json", "content-length": "36",
                            "x-amzn-errortype": "InternalServerErrorException"}, INTERNAL),
])
def test_backend_own_502_is_its_answer(gw, peer, kind, status, headers, body):
    r = call(gw, kind, "peer-own502")
    got = {k.lower(): v for k, v in r.headers.items()}
    assert (r.status_code, r.content) == (status, body)
    assert UUID.match(got.pop("x-amzn-requestid"))
    assert APIGW_ID.match(got.pop("x-amz-apigw-id"))
    assert got.pop("date")
    assert got == headers
    assert [head[0] for head, _ in peer.recorded()] == [KINDS[kind][2].format("peer-own502")]


# HTTP_PROXY's error body replaces Envoy's at its end, with the Content-Length set for it (Envoy
# does not fix it; README: "HTTP, HTTP_PROXY and AWS services", upstream failures): the client's
# keep-alive connection stays in step, and a HEAD gets the headers alone.
def test_proxy_error_keeps_the_connection_usable(gw):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        for method, path, status, body in [("GET", "/proxy/peer-garbage", 502, INTERNAL),
                                           ("GET", "/proxy/peer-ok", 200, OK),
                                           ("HEAD", "/proxy/peer-reset", 502, b""),
                                           ("GET", "/proxy/peer-ok", 200, OK)]:
            conn.request(method, path)
            r = conn.getresponse()
            assert (r.status, r.read()) == (status, body)
            if status == 502:
                assert r.getheader("content-length") == "36"
    finally:
        conn.close()
