"""Nothing of Envoy shows where API Gateway shows nothing: no `x-envoy-*` header, no x-request-id
Envoy generated, no `server: envoy`, in what clients get and in what backends, AWS services and
Lambda's Invoke API receive, for every integration type and for error answers.

What Envoy would add, and the settings every config of the project carries against it (README
"Deployments"; scripts/apigw.py): the HCM adds `server: envoy` to every answer
(`server_header_transformation: PASS_THROUGH`) and an `x-request-id` to every request
(`generate_request_id: false`); the router adds `x-envoy-expected-rq-timeout-ms` upstream and
`x-envoy-upstream-service-time` to the client (`suppress_envoy_headers`); Envoy's async client adds
`x-envoy-internal` and `x-envoy-expected-rq-timeout-ms` to every callout whatever the router says,
so each cluster drops them in an upstream `header_mutation` filter. The filter's own routing headers
(`x-apigateway-cluster`, `x-envoy-upstream-rq-timeout-ms`) are consumed by Envoy's route and router.
The upstream is tests/e2e/upstream_peer.py, which records every request head byte for byte; the
Lambda case with signatures uses scripts/local_lambda.py."""

import json
import os
import re

import pytest
import requests

import apigw
from conftest import LambdaServer

FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")
INVOKE = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Apeer-ok/invocations"
OK = b'{"statusCode": 200, "body": "ok"}'
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# x-amz-apigw-id (README: "Behaviour", Gateway responses): 11 random bytes in base64.
APIGW_ID = re.compile(r"^[A-Za-z0-9+/]{15}=$")
CLIENT = {"User-Agent": "client/1", "Accept": "*/*", "Accept-Encoding": "identity"}
# Envoy's environment without AWS credentials: the filter sends its calls unsigned, so what
# arrives does not depend on the machine's environment.
NO_CREDENTIALS = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def api(origin):
    default = {"default": {"statusCode": "200"}}
    return {"openapi": "3.0.1", "info": {"title": "invisible", "version": "1"}, "paths": {
        "/mock": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": default}}},
        "/proxy/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
            "type": "http_proxy", "httpMethod": "ANY", "uri": origin + "/{proxy}", "timeoutInMillis": 1000}}},
        "/http": {"get": {"x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": origin + "/peer-ok", "responses": default}}},
        "/aws": {"post": {"x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sqs:path/123456789012/peer-ok",
            "responses": default}}},
        "/lambda": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("peer-ok")}}},
        "/lambdac": {"post": {"x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST", "uri": FN.format("peer-ok"), "responses": default}}},
    }}


@pytest.fixture(scope="module")
def gw(gateway_factory, peer):
    targets = {"http": {peer.url: "upstream"}, "lambda": {"cluster": "upstream", "authority": peer.authority},
               "aws": {"sqs": {"cluster": "upstream", "authority": peer.authority}}}
    return gateway_factory(api(peer.url), extra={"targets": targets},
                           clusters=[apigw.cluster("upstream", peer.url)], env=NO_CREDENTIALS)


def client_headers(r):
    """The answer's headers, lower-case, after checking the request id and the date."""
    got = {k.lower(): v for k, v in r.headers.items()}
    assert UUID.match(got.pop("x-amzn-requestid"))
    assert APIGW_ID.match(got.pop("x-amz-apigw-id"))
    assert got.pop("date")
    return got


# Exactly what each integration type sends upstream: API Gateway's own headers and (HTTP_PROXY)
# the client's, with no x-envoy-* and no generated x-request-id; and exactly what the client gets
# back: no server, no x-envoy-upstream-service-time.
@pytest.mark.parametrize("method, path, head, answer", [
    ("GET", "/proxy/peer-ok", ["GET /peer-ok HTTP/1.1", "host: {a}", "user-agent: client/1",
                               "accept-encoding: identity", "accept: */*", "x-forwarded-proto: http",
                               "x-forwarded-for: 127.0.0.1", "x-amzn-apigateway-api-id: local"],
     {"content-type": "application/json", "content-length": "33", "x-amzn-remapped-content-length": "33"}),
    ("GET", "/http", ["GET /peer-ok HTTP/1.1", "host: {a}", "accept: application/json",
                      "user-agent: AmazonAPIGateway_local", "x-amzn-apigateway-api-id: local", "content-length: 0"],
     {"content-type": "application/json", "content-length": "33"}),
    ("POST", "/aws", ["POST /123456789012/peer-ok HTTP/1.1", "host: {a}", "accept: application/json",
                      "user-agent: AmazonAPIGateway_local", "content-type: application/json", "content-length: 0"],
     {"content-type": "application/json", "content-length": "33"}),
    ("POST", "/lambdac", ["POST " + INVOKE + " HTTP/1.1", "host: {a}", "accept: application/json",
                          "user-agent: AmazonAPIGateway_local", "content-type: application/json",
                          "x-amz-invocation-type: RequestResponse", "x-amzn-lambda-integration-tag: {tag}",
                          "x-amzn-apigateway-api-id: local", "content-length: 0"],
     {"content-type": "application/json", "content-length": "33"}),
])
def test_what_the_upstream_and_the_client_see(gw, peer, method, path, head, answer):
    peer.recorded()
    r = gw.request(method, path, headers=CLIENT)
    assert (r.status_code, r.content) == (200, OK)
    assert client_headers(r) == answer
    [(got, _)] = peer.recorded()
    # Lambda custom's x-amzn-lambda-integration-tag is the request id (README: "Lambda proxy
    # (AWS_PROXY)").
    tag = r.headers["x-amzn-RequestId"]
    assert got == [h.format(a=peer.authority, tag=tag) for h in head]


# AWS_PROXY: the Invoke API request carries no Envoy header, and neither does the event the
# function gets (its headers are the client's and API Gateway's X-Forwarded-*; README: "Lambda
# proxy (AWS_PROXY)").
def test_lambda_invoke_and_event(gw, peer):
    peer.recorded()
    r = gw.request("GET", "/lambda", headers=CLIENT)
    assert (r.status_code, r.content) == (200, b"ok")
    got = client_headers(r)
    # AWS_PROXY answers carry X-Amzn-Trace-Id (README: "Lambda proxy (AWS_PROXY)"); the function
    # saw its Root.
    trace = got.pop("x-amzn-trace-id")
    assert got == {"content-type": "application/json", "content-length": "2"}
    [(head, body)] = peer.recorded()
    event = json.loads(body)
    root = trace.split(";")[0]
    assert head == ["POST " + INVOKE + " HTTP/1.1", f"host: {peer.authority}", "content-type: application/json",
                    "x-amz-invocation-type: RequestResponse", "accept: application/json",
                    "user-agent: AmazonAPIGateway_local", "x-amzn-apigateway-api-id: local",
                    f"x-amzn-lambda-integration-tag: {r.headers['x-amzn-RequestId']}",
                    f"x-amzn-trace-id: {root}", f"content-length: {len(body)}"]
    assert event["headers"] == {"accept": "*/*", "accept-encoding": "identity", "host": gw.url[len("http://"):],
                                "User-Agent": "client/1", "X-Forwarded-For": "127.0.0.1",
                                "X-Forwarded-Port": str(gw.port), "X-Forwarded-Proto": "http",
                                "X-Amzn-Trace-Id": root}
    assert sorted(event["multiValueHeaders"]) == sorted(event["headers"])


# A client's own x-request-id is a client header like any other: HTTP_PROXY forwards it as sent
# (README: "HTTP, HTTP_PROXY and AWS services"), and the client gets none back.
def test_client_request_id_passes_unchanged(gw, peer):
    peer.recorded()
    r = gw.request("GET", "/proxy/peer-ok", headers=dict(CLIENT, **{"X-Request-Id": "mine"}))
    assert r.status_code == 200
    assert "x-request-id" not in client_headers(r)
    [(head, _)] = peer.recorded()
    assert [h for h in head if h.lower().startswith(("x-request-id", "x-envoy"))] == ["x-request-id: mine"]


# Local answers — a MOCK, the 403 of an unknown route, an upstream failure — carry no server header
# and nothing else of Envoy's.
@pytest.mark.parametrize("path, status, answer", [
    ("/mock", 200, {"content-type": "application/json", "content-length": "0"}),
    ("/nowhere", 403, {"content-type": "application/json", "content-length": "42",
                       "x-amzn-errortype": "MissingAuthenticationTokenException"}),
    ("/proxy/peer-close", 502, {"content-type": "application/json", "content-length": "36",
                                "x-amzn-errortype": "InternalServerErrorException"}),
    ("/proxy/peer-sleep", 504, {"content-type": "application/json", "content-length": "41",
                                "x-amzn-errortype": "InternalServerErrorException"}),
])
def test_local_answers(gw, peer, path, status, answer):
    r = gw.request("GET", path, headers=CLIENT)
    assert r.status_code == status
    assert client_headers(r) == answer
    peer.recorded()


# Signed Invoke API calls, by the filter and by Envoy's own signer (an upstream filter after the one
# that drops Envoy's headers): the real local Lambda server checks every signature and records
# exactly the headers it got, none of them Envoy's.
@pytest.mark.parametrize("envoy_signs", [False, True])
def test_signed_invoke_carries_nothing_of_envoy(gateway_factory, envoy_signs):
    lam = LambdaServer("AKIDINVISIBLE", "invisible-secret")
    try:
        env = dict(NO_CREDENTIALS, AWS_ACCESS_KEY_ID="AKIDINVISIBLE", AWS_SECRET_ACCESS_KEY="invisible-secret")
        definition = {"openapi": "3.0.1", "info": {"title": "signed", "version": "1"}, "paths": {
            "/echo": {"get": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("echo")}}}}}
        g = gateway_factory(definition, lambda_url=lam.url, env=env, envoy_signs_lambda=envoy_signs)
        r = g.request("GET", "/echo", headers=CLIENT)
        assert r.status_code == 200
        assert client_headers(r)["content-type"] == "application/json"
        [rec] = requests.get(lam.url + "/_recorded?detail=1", timeout=5).json()
        signed = ["authorization", "x-amz-date"] + (["x-amz-content-sha256"] if envoy_signs else [])
        assert sorted(rec["headers"]) == sorted(["host", "content-type", "x-amz-invocation-type", "content-length",
                                                 "accept", "user-agent", "x-amzn-apigateway-api-id",
                                                 "x-amzn-lambda-integration-tag", "x-amzn-trace-id"] + signed)
    finally:
        lam.stop()


# A request with a body the filter answers itself (a MOCK that never reads it, the 403 of an
# unknown route) keeps its connection, as API Gateway does: Envoy would close an HTTP/1.1
# connection whose request it answered before the request's end (`connection: close`), so the
# answer waits for the body (dropped as it comes, even past the buffer limit). Three requests,
# one connection, each answer exact.
def test_answers_before_the_body_keep_the_connection(gw):
    import http.client
    import socket

    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    sockets = set()
    for method, path, body, status, length in [
            ("GET", "/mock", b'{"a": 1}' * 1000, 200, "0"),
            ("POST", "/nowhere", b"x" * 100_000, 403, "42"),
            ("GET", "/mock", b"y" * (13 << 20), 200, "0")]:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        assert (r.status, r.getheader("content-length"), r.getheader("connection")) == (status, length, None), path
        sockets.add(conn.sock.getsockname() if isinstance(conn.sock, socket.socket) else None)
    assert len(sockets) == 1
    conn.close()
