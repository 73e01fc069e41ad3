"""AWS_PROXY in a real Envoy against a local Lambda Invoke API (scripts/local_lambda.py) that runs
real Python handlers and checks every request's SigV4 signature with botocore. Expected values are
AWS's recorded events and function answers (README: "Lambda proxy (AWS_PROXY)")."""

import base64
import json
import os

import pytest

from conftest import LambdaServer, free_port

AK, SK = "AKIDLOCALTEST", "local-secret-key"
FN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
INTERNAL = b'{"message": "Internal server error"}'
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def proxy(fn, method="POST", version=None):
    i = {"type": "aws_proxy", "httpMethod": method, "uri": FN.format(fn)}
    if version:
        i["payloadFormatVersion"] = version
    return {"x-amazon-apigateway-integration": i}


API = {
    "openapi": "3.0.1", "info": {"title": "lambda", "version": "1"},
    "paths": {
        "/{proxy+}": {"x-amazon-apigateway-any-method": proxy("echo")},
        "/hardcoded": {"get": proxy("echo")},
        "/status": {"post": proxy("status")},
        "/fail": {"get": proxy("fail")},
        "/missing": {"get": proxy("no-such-function")},
        "/binary": {"get": proxy("binary"), "post": proxy("echo")},
        "/get-method": {"get": proxy("echo", method="GET")},
        "/v2/{id}": {"get": proxy("echo", version="2.0")},
        "/alias": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": FN.format("echo:${stageVariables.alias}")}}},
    },
    "x-amazon-apigateway-binary-media-types": ["image/png"],
}


@pytest.fixture(scope="module")
def lam():
    s = LambdaServer(AK, SK)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gw(gateway_factory, lam):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK)
    env.pop("AWS_SESSION_TOKEN", None)
    return gateway_factory(API, stage="stage", stage_prefix=True, stage_variables={"alias": "live"},
                           lambda_url=lam.url, env=env)


def event_of(gw, path, **kw):
    r = gw.request(kw.pop("method", "GET"), path, **kw)
    assert r.status_code == 200, (r.status_code, r.text)
    return r, json.loads(r.text)


# Every top-level key in AWS's order, nulls where AWS has nulls, the path table.
def test_v1_event_shape(gw):
    r, e = event_of(gw, "/stage/proxy-value?c=electronics&c=books&p=10&p=20&p=30",
                    headers={"User-Agent": "tester/1", "X-Custom": "a"})
    assert list(e) == ["resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
                       "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
                       "body", "isBase64Encoded"]
    assert e["resource"] == "/{proxy+}"
    assert e["path"] == "/proxy-value"
    assert e["httpMethod"] == "GET"
    assert e["queryStringParameters"] == {"c": "books", "p": "30"}
    assert e["multiValueQueryStringParameters"] == {"c": ["electronics", "books"], "p": ["10", "20", "30"]}
    assert e["pathParameters"] == {"proxy": "proxy-value"}
    assert e["stageVariables"] == {"alias": "live"}
    assert e["body"] is None and e["isBase64Encoded"] is False
    assert e["headers"]["User-Agent"] == "tester/1"
    assert e["headers"]["x-custom"] == "a"
    assert e["multiValueHeaders"]["x-custom"] == ["a"]
    assert e["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert "X-Forwarded-Port" in e["headers"] and "X-Forwarded-Proto" in e["headers"]
    for dropped in ("content-length", "connection", "transfer-encoding"):
        assert dropped not in {k.lower() for k in e["headers"]}
    rc = e["requestContext"]
    assert rc["resourcePath"] == "/{proxy+}"
    assert rc["path"] == "/stage/proxy-value"
    assert rc["stage"] == "stage"
    assert rc["httpMethod"] == "GET"
    assert rc["protocol"] == "HTTP/1.1"
    assert rc["requestId"] == r.headers["x-amzn-RequestId"]
    assert isinstance(rc["requestTimeEpoch"], int)
    assert "authorizer" not in rc
    ident = rc["identity"]
    assert ident["sourceIp"] == "127.0.0.1" and ident["userAgent"] == "tester/1"
    assert all(v is None for k, v in ident.items() if k not in ("sourceIp", "userAgent"))
    # The function's own answer came back as it is.
    assert r.headers["X-Function"] == "echo"
    assert r.headers["content-type"] == "application/json"


# AWS's recorded paths, through the event's path/requestContext.path/pathParameters.
@pytest.mark.parametrize("raw,path,ctx_path,params", [
    ("/stage/proxy-value/", "/proxy-value/", "/stage/proxy-value/", {"proxy": "proxy-value"}),
    ("/stage/proxy-value//double-slash", "/proxy-value//double-slash", "/stage/proxy-value//double-slash",
     {"proxy": "proxy-value//double-slash"}),
    ("//stage/proxy-value", "/proxy-value", "/stage/proxy-value", {"proxy": "proxy-value"}),
    ("/stage//hardcoded", "/hardcoded", "/stage//hardcoded", None),
    ("/stage/test%2Balias@gmail.com", "/test%2Balias@gmail.com", "/stage/test%2Balias@gmail.com",
     {"proxy": "test%2Balias@gmail.com"}),
])
def test_v1_paths(gw, raw, path, ctx_path, params):
    out = gw.raw(f"GET {raw} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    head, _, body = out.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0], out
    e = json.loads(body)
    assert (e["path"], e["requestContext"]["path"], e["pathParameters"]) == (path, ctx_path, params)


# Query decoding: %2B is "+", "+" is a space.
def test_query_decoding(gw):
    _, e = event_of(gw, "/stage/q?email=test%2Balias@x&plus=test+alias@x")
    assert e["queryStringParameters"] == {"email": "test+alias@x", "plus": "test alias@x"}


# A JSON body is passed as text; a binaryMediaTypes body as base64.
def test_bodies(gw):
    _, e = event_of(gw, "/stage/x", method="POST", data=b'{"a": 1}', headers={"content-type": "application/json"})
    assert (e["body"], e["isBase64Encoded"]) == ('{"a": 1}', False)
    _, e = event_of(gw, "/stage/binary", method="POST", data=PNG, headers={"content-type": "image/png"})
    assert e["isBase64Encoded"] is True
    assert base64.b64decode(e["body"]) == PNG


# The function's answer, exactly as AWS treats it.
@pytest.mark.parametrize("answer,status,body", [
    ({"statusCode": 200}, 200, b""),
    ({}, 200, b""),
    ({"headers": {"a": "b"}}, 200, b""),
    ({"statusCode": "201", "body": "created"}, 201, b"created"),
    ({"statusCode": "test"}, 502, INTERNAL),
    ({"statusCode": 200, "extra": 1}, 502, INTERNAL),
    ("a bare string", 502, INTERNAL),
    ({"statusCode": 200, "multiValueHeaders": {"a": "not-a-list"}}, 502, INTERNAL),
    ({"statusCode": 200, "headers": None, "body": "ok"}, 200, b"ok"),
])
def test_function_answers(gw, answer, status, body):
    r = gw.request("POST", "/stage/status", data=json.dumps(answer), headers={"content-type": "application/json"})
    assert (r.status_code, r.content) == (status, body)
    if status == 502:
        assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
        assert r.headers["content-type"] == "application/json"
    else:
        assert r.headers["content-type"] == "application/json"


# Headers and multiValueHeaders merge (multi first); several Set-Cookie survive; true stays "true".
def test_header_merge(gw):
    answer = {"statusCode": 200, "headers": {"Set-Cookie": "c=3", "X-Flag": True},
              "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}}
    r = gw.request("POST", "/stage/status", data=json.dumps(answer), headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2", "c=3"]
    assert r.headers["X-Flag"] == "true"


# A function error (X-Amz-Function-Error) is a 502.
def test_function_error(gw):
    r = gw.request("GET", "/stage/fail")
    assert (r.status_code, r.content) == (502, INTERNAL)
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


# isBase64Encoded bodies are decoded only when the first Accept entry matches binaryMediaTypes.
def test_binary_answer(gw):
    r = gw.request("GET", "/stage/binary", headers={"Accept": "image/png"})
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    r = gw.request("GET", "/stage/binary", headers={"Accept": "text/html, image/png"})
    assert r.content == base64.b64encode(PNG)
    r = gw.request("GET", "/stage/binary", headers={"Accept": "*/*"})
    assert r.content == base64.b64encode(PNG)


# Non-POST integration method and an unknown function: 500.
def test_configuration_errors(gw):
    for path in ("/stage/get-method", "/stage/missing"):
        r = gw.request("GET", path)
        assert (r.status_code, r.content) == (500, INTERNAL), path
        assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


# ${stageVariables.alias} in the URI picks the qualifier; the server saw a valid signature.
def test_alias_and_signature(gw, lam):
    lam.clear()
    event_of(gw, "/stage/alias")
    rec = json.loads(__import__("requests").get(lam.url + "/_recorded?detail=1", timeout=5).text)
    assert rec[-1]["qualifier"] == "live"
    assert rec[-1]["function"].endswith("function:echo") or rec[-1]["function"] == "echo"
    assert rec[-1]["headers"].get("Authorization", rec[-1]["headers"].get("authorization", "")).startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/")


# Payload 2.0: rawPath, rawQueryString, cookies, comma-joined headers, requestContext.http.
def test_v2_event(gw):
    _, e = event_of(gw, "/stage/v2/42?a=1&a=2", headers={"Cookie": "x=1; y=2", "X-Multi": "p"})
    assert e["version"] == "2.0"
    assert e["routeKey"] == "GET /v2/{id}"
    assert e["rawQueryString"] == "a=1&a=2"
    assert e["queryStringParameters"] == {"a": "1,2"}
    assert e["cookies"] == ["x=1", "y=2"]
    assert e["pathParameters"] == {"id": "42"}
    assert e["requestContext"]["http"]["method"] == "GET"
    assert e["requestContext"]["http"]["sourceIp"] == "127.0.0.1"


# Wrong credentials: the Invoke API refuses the signature; the client gets AWS's 500.
def test_bad_signature_is_500(gateway_factory, lam):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY="wrong")
    g = gateway_factory(API, stage="stage", stage_prefix=True, lambda_url=lam.url, env=env)
    r = g.request("GET", "/stage/anything")
    assert (r.status_code, r.content) == (500, INTERNAL)
    assert "InvalidSignatureException" in g.envoy.logs() or "403" in g.envoy.logs()


# targets.lambda.signing = "envoy": the filter sends the invoke unsigned and the cluster's
# aws_request_signing upstream filter signs it (natively, payload hash included); the server checks
# that signature with botocore. Wrong credentials in Envoy's environment: refused, AWS's 500.
def test_envoy_signs_the_invoke(gateway_factory, lam):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK)
    env.pop("AWS_SESSION_TOKEN", None)
    g = gateway_factory(API, stage="stage", stage_prefix=True, stage_variables={"alias": "live"},
                        lambda_url=lam.url, env=env, envoy_signs_lambda=True)
    lam.clear()
    _, e = event_of(g, "/stage/alias?x=1")
    assert e["queryStringParameters"] == {"x": "1"}
    rec = json.loads(__import__("requests").get(lam.url + "/_recorded?detail=1", timeout=5).text)
    headers = {k.lower(): v for k, v in rec[-1]["headers"].items()}
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/")
    # Envoy's signer sends and signs the payload hash; the filter's own signer does not.
    assert "x-amz-content-sha256" in headers
    assert "x-amz-content-sha256" in headers["authorization"]
    bad = dict(env, AWS_SECRET_ACCESS_KEY="wrong")
    g2 = gateway_factory(API, stage="stage", stage_prefix=True, lambda_url=lam.url, env=bad,
                         envoy_signs_lambda=True)
    r = g2.request("GET", "/stage/anything")
    assert (r.status_code, r.content) == (500, INTERNAL)


# Nothing listening at the Lambda endpoint: 502.
def test_unreachable_endpoint_is_502(gateway_factory):
    g = gateway_factory(API, stage="stage", stage_prefix=True, lambda_url=f"http://127.0.0.1:{free_port()}")
    r = g.request("GET", "/stage/anything")
    assert (r.status_code, r.content) == (502, INTERNAL)
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


# timeoutInMillis: 504 Endpoint request timed out.
def test_timeout_is_504(gateway_factory, lam):
    api = json.loads(json.dumps(API))
    api["paths"]["/slow"] = {"get": proxy("slow")}
    api["paths"]["/slow"]["get"]["x-amazon-apigateway-integration"]["timeoutInMillis"] = 300
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK)
    g = gateway_factory(api, stage="stage", stage_prefix=True, lambda_url=lam.url, env=env)
    r = g.request("GET", "/stage/slow")
    assert r.status_code == 504
    assert r.content == b'{"message": "Endpoint request timed out"}'
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


ASGI_API = {
    "swagger": "2.0", "info": {"title": "asgi", "version": "1"},
    "paths": {"/{proxy+}": {"x-amazon-apigateway-any-method": proxy("asgi")}},
    "x-amazon-apigateway-binary-media-types": ["image/png"],
}


@pytest.fixture(scope="module")
def asgi(gateway_factory, lam):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK)
    return gateway_factory(ASGI_API, stage="prod", stage_prefix=True, lambda_url=lam.url, env=env)


# A Starlette app behind Mangum answers as it would on AWS: path parameters, repeated query keys,
# cookies both ways, a JSON POST and a binary image.
def test_asgi_app(asgi):
    r = asgi.request("GET", "/prod/items/42?tag=a&tag=b")
    assert r.status_code == 200
    assert r.json() == {"id": "42", "tags": ["a", "b"], "path": "/items/42"}

    r = asgi.request("GET", "/prod/cookies", headers={"Cookie": "user=ann; lang=en"})
    assert r.status_code == 200
    assert r.json() == {"cookies": {"user": "ann", "lang": "en"}}
    set_cookies = r.raw.headers.getlist("set-cookie")
    assert [c.split(";")[0] for c in set_cookies] == ["session=abc", "theme=dark"]

    r = asgi.request("POST", "/prod/echo", json={"name": "rex", "n": [1, 2]})
    assert r.status_code == 201
    assert r.json() == {"received": {"name": "rex", "n": [1, 2]}, "content_type": "application/json"}

    r = asgi.request("GET", "/prod/image", headers={"Accept": "image/png"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content == PNG


# A body over API Gateway's 10 MB limit gets 413 (Envoy's buffer is 12 MiB, so the filter answers).
def test_body_over_10mb_is_413(gw):
    r = gw.request("POST", "/stage/anything", data=b"x" * (10 * 1024 * 1024 + 1),
                   headers={"content-type": "application/octet-stream"})
    assert r.status_code == 413
    assert r.content == b'{"message":"Request Too Long"}'
