"""Lambda authorizers (TOKEN and REQUEST) in a real Envoy, against the local Lambda Invoke API
(scripts/local_lambda.py, checking every SigV4 signature) running tests/e2e/lambda_handlers/authorizer.py.

Expected values: README "Authorizers", and AWS's behaviour as recorded for Lambda authorizers (the
order of checks, the events, the answers, the cache): the status, `x-amzn-ErrorType` and exact body
of every refusal; the event the function gets; what an Allow passes to the integration.

The authorizer answers what its token asks for (`token(answer)`, `token(raises=...)`), and every
token is unique, so the cache (per VM, shared by the whole module) never mixes two tests. The local
Invoke API records every call it gets: that is how a test counts the authorizer's invocations."""

import base64
import hashlib
import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import LambdaServer, apigw

AK, SK = "AKIDLOCALTEST", "local-secret-key"
FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")
API_ID = "a1b2c3d4e5"
ACCOUNT = "123456789012"
ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/prod"

UNAUTHORIZED = b'{"message":"Unauthorized"}'
EXPLICIT_DENY = b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
NOT_AUTHORIZED = b'{"Message":"User is not authorized to access this resource"}'
CONFIG_ERROR = b'{"message": null}'
MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'


# --- the definitions ------------------------------------------------------------------------------

def scheme(kind, ttl=300, header="Authorization", function="authorizer", **extra):
    authorizer = {"type": kind, "authorizerUri": FN.format(function), "authorizerResultTtlInSeconds": ttl}
    authorizer.update(extra)
    return {"type": "apiKey", "name": header, "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": authorizer}


def mock(template='{"resource":"$context.resourcePath","principalId":"$context.authorizer.principalId"}'):
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}}


def secured(op, name="tok"):
    return dict(op, security=[{name: []}])


CONTEXT_TEMPLATE = ('{"principalId":"$context.authorizer.principalId","str":"$context.authorizer.str",'
                    '"num":"$context.authorizer.num","flag":"$context.authorizer.flag"}')


def swagger_api(echo_origin):
    """Swagger 2: the schemes in `securityDefinitions`."""
    return {
        "swagger": "2.0", "info": {"title": "authorizers", "version": "1"},
        "securityDefinitions": {
            "tok": scheme("token"),
            "tok2": scheme("token"),
            "tok0": scheme("token", ttl=0),
            "tok1": scheme("token", ttl=1),
            "tokmissing": scheme("token", function="no-such-authorizer"),
            "tokre": scheme("token", header="X-Auth", identityValidationExpression=r"T\.[A-Za-z0-9_-]+"),
            "req": scheme("request", header="Unused",
                          identitySource="method.request.header.X-Token, method.request.querystring.q"),
            "req0": scheme("request", ttl=0, header="Unused",
                           identitySource="method.request.header.X-Token, method.request.querystring.q"),
        },
        "paths": {
            "/": {"get": secured(mock())},
            "/a": {"get": secured(mock()), "post": secured(mock())},
            "/b": {"get": secured(mock())},
            "/things/{id}": {"get": secured(mock())},
            "/ctx": {"get": secured(mock(CONTEXT_TEMPLATE))},
            "/lambda": {method: secured({"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("echo")}}) for method in ("get", "post")},
            "/stream": {"post": secured({"x-amazon-apigateway-integration": {
                "type": "http_proxy", "httpMethod": "POST", "uri": echo_origin + "/stream"}})},
            "/http": {"get": secured({"x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "POST", "uri": echo_origin + "/echo",
                "requestTemplates": {"application/json": CONTEXT_TEMPLATE},
                "requestParameters": {"integration.request.header.x-principal": "context.authorizer.principalId",
                                      "integration.request.header.x-num": "context.authorizer.num"},
                "responses": {"default": {"statusCode": "200"}}}})},
            "/nocache": {"get": secured(mock(), "tok0")},
            "/short": {"get": secured(mock(), "tok1")},
            "/missing-function": {"get": secured(mock(), "tokmissing")},
            "/other": {"get": secured(mock(), "tok2")},
            "/validated": {"get": secured(mock(), "tokre")},
            "/req/{id}": {"get": secured(mock(), "req")},
            "/req0": {"get": secured(mock(), "req0")},
        },
    }


# OpenAPI 3: the scheme in `components.securitySchemes`, applied by the root `security`; the
# authorizer's refusals customised.
OPENAPI3_API = {
    "openapi": "3.0.1", "info": {"title": "authorizers-3", "version": "1"},
    "components": {"securitySchemes": {"tok": scheme("token")}},
    "security": [{"tok": []}],
    "paths": {"/guarded": {"get": mock()}},
    "x-amazon-apigateway-gateway-responses": {
        "UNAUTHORIZED": {
            "statusCode": "401",
            "responseParameters": {"gatewayresponse.header.x-gr": "'unauthorized'"},
            "responseTemplates": {"application/json":
                                  '{"error":"$context.error.message","type":"$context.error.responseType"}'}},
        "ACCESS_DENIED": {
            "statusCode": "403",
            "responseTemplates": {"application/json": '{"denied":$context.error.messageString}'}},
    },
}


@pytest.fixture(scope="module")
def lam():
    s = LambdaServer(AK, SK)
    yield s
    s.stop()


def envoy_env():
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


@pytest.fixture(scope="module")
def gw(gateway_factory, lam, echo):
    return gateway_factory(swagger_api(echo.origin), stage="prod", stage_prefix="optional", lambda_url=lam.url,
                           env=envoy_env(), origins={echo.origin: "echo"},
                           clusters=[apigw.cluster("echo", echo.url)], extra={"apiId": API_ID})


@pytest.fixture(scope="module")
def gw3(gateway_factory, lam):
    return gateway_factory(OPENAPI3_API, stage="prod", lambda_url=lam.url, env=envoy_env(),
                           extra={"apiId": API_ID})


# --- tokens, answers, calls ---------------------------------------------------------------------------

def token(answer=None, raises=None):
    """A token unique to its test, asking the authorizer for `answer` (or to raise `raises`)."""
    spec = {"id": uuid.uuid4().hex}
    if raises is not None:
        spec["raise"] = raises
    else:
        spec["answer"] = answer
    return "T." + base64.urlsafe_b64encode(json.dumps(spec).encode()).decode().rstrip("=")


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource} for effect, resource in statements]}


def allow(resource="$methodArn", context=None, principal="user-1"):
    """An answer allowing `resource` (`$methodArn`: the method called)."""
    answer = {"principalId": principal, "policyDocument": policy(("Allow", resource))}
    if context is not None:
        answer["context"] = context
    return answer


def records(lam):
    return requests.get(lam.url + "/_recorded?detail=1", timeout=5).json()


def calls(lam, tok=None, function="authorizer"):
    """The calls `function` got (only those whose event carries `tok`, when given)."""
    return [r for r in records(lam)
            if r["function"] == function and (tok is None or tok in json.dumps(r["event"]))]


def refused(r, status, error_type, body):
    assert (r.status_code, r.content) == (status, body), (r.status_code, r.content)
    assert r.headers["x-amzn-ErrorType"] == error_type
    assert r.headers["content-type"] == "application/json"


def ok(r, resource, principal="user-1"):
    assert (r.status_code, r.content) == (200, json.dumps(
        {"resource": resource, "principalId": principal}, separators=(",", ":")).encode()), (r.status_code, r.content)


def bearer(tok):
    return {"Authorization": tok}


# --- TOKEN: the event and the call ----------------------------------------------------------------------

# The TOKEN event, keys in AWS's order: the header's whole value, the method ARN with the path as
# requested (no stage prefix, no query, not decoded; the root gives a trailing /).
@pytest.mark.parametrize("path,resource,arn_tail", [
    ("/a", "/a", "GET/a"),
    ("/prod/a?x=1", "/a", "GET/a"),
    ("/", "/", "GET/"),
    ("/things/a%20b", "/things/{id}", "GET/things/a%20b"),
])
def test_token_event(gw, lam, path, resource, arn_tail):
    tok = token(allow())
    header = "Bearer " + tok
    ok(gw.request("GET", path, headers={"Authorization": header}), resource)
    [call] = calls(lam, tok)
    assert call["event"] == {"type": "TOKEN", "authorizationToken": header, "methodArn": f"{ARN}/{arn_tail}"}
    assert list(call["event"]) == ["type", "authorizationToken", "methodArn"]


# The Invoke call is signed (the local Invoke API refuses any other) and carries API Gateway's
# User-Agent and X-Amz-Source-Arn (access-control notes, §3: recorded on AWS).
def test_invoke_call_headers(gw, lam):
    tok = token(allow())
    ok(gw.request("GET", "/a", headers=bearer(tok)), "/a")
    [call] = calls(lam, tok)
    headers = call["headers"]
    assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AK}/")
    assert headers["user-agent"] == f"AmazonAPIGateway_{API_ID}"
    prefix = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/authorizers/"
    assert headers["x-amz-source-arn"].startswith(prefix) and len(headers["x-amz-source-arn"]) > len(prefix)


# --- TOKEN: refused without a call -------------------------------------------------------------------------

# No token header, or an empty one: 401 and the function is not called.
@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}])
def test_missing_or_empty_token(gw, lam, headers):
    before = len(calls(lam))
    refused(gw.request("GET", "/a", headers=headers), 401, "UnauthorizedException", UNAUTHORIZED)
    assert len(calls(lam)) == before


# identityValidationExpression must match the whole token (README: a choice, Java `matches()`);
# a token that does not is refused with 401 before any call.
def test_identity_validation_expression(gw, lam):
    tok = token(allow())
    for bad in ("x" + tok, tok + " x", "Bearer " + tok):
        refused(gw.request("GET", "/validated", headers={"X-Auth": bad}), 401, "UnauthorizedException", UNAUTHORIZED)
    assert calls(lam, tok) == []
    ok(gw.request("GET", "/validated", headers={"X-Auth": tok}), "/validated")
    assert len(calls(lam, tok)) == 1


# --- the function's answer ---------------------------------------------------------------------------------

# The function fails with exactly "Unauthorized": 401. A failure is not cached: a second request
# calls again.
def test_function_says_unauthorized(gw, lam):
    tok = token(raises="Unauthorized")
    for n in (1, 2):
        refused(gw.request("GET", "/a", headers=bearer(tok)), 401, "UnauthorizedException", UNAUTHORIZED)
        assert len(calls(lam, tok)) == n


# A matching Deny wins over an Allow: 403 with AWS's capital-M body; the integration is not called.
def test_explicit_deny(gw, lam):
    tok = token({"principalId": "user-1", "policyDocument": policy(("Allow", "*"), ("Deny", "$methodArn"))})
    before = len(calls(lam, function="echo"))
    refused(gw.request("GET", "/lambda", headers=bearer(tok)), 403, "AccessDeniedException", EXPLICIT_DENY)
    assert len(calls(lam, tok)) == 1
    assert len(calls(lam, function="echo")) == before


# No Allow matches the method ARN: 403 "not authorized"; the integration is not called.
def test_no_matching_allow(gw, lam):
    tok = token(allow(f"{ARN}/POST/lambda"))
    before = len(calls(lam, function="echo"))
    refused(gw.request("GET", "/lambda", headers=bearer(tok)), 403, "AccessDeniedException", NOT_AUTHORIZED)
    assert len(calls(lam, tok)) == 1
    assert len(calls(lam, function="echo")) == before


# Any other error, a null answer, no policy, no or empty principalId, a context value that is an
# object or a list: 500 `{"message": null}` (the space as AWS sends 5xx bodies). Never cached.
@pytest.mark.parametrize("spec", [
    {"raises": "boom"},
    {"raises": "unauthorized"},
    {"answer": None},
    {"answer": {"principalId": "user-1"}},
    {"answer": {"policyDocument": policy(("Allow", "$methodArn"))}},
    {"answer": {"principalId": "", "policyDocument": policy(("Allow", "$methodArn"))}},
    {"answer": {"principalId": 7, "policyDocument": policy(("Allow", "$methodArn"))}},
    {"answer": allow(context={"nested": {"a": 1}})},
    {"answer": allow(context={"list": [1]})},
], ids=["other-error", "lower-case-unauthorized", "null", "no-policy", "no-principal", "empty-principal", "number-principal",
        "context-object", "context-list"])
def test_configuration_errors(gw, lam, spec):
    tok = token(**spec)
    for n in (1, 2):
        refused(gw.request("GET", "/a", headers=bearer(tok)), 500, "AuthorizerConfigurationException", CONFIG_ERROR)
        assert len(calls(lam, tok)) == n


# The authorizer's function does not exist (the Invoke API's 404): 500, as for any other failure.
def test_unknown_function(gw, lam):
    refused(gw.request("GET", "/missing-function", headers=bearer(token(allow()))), 500,
            "AuthorizerConfigurationException", CONFIG_ERROR)


# Conditions on aws:SourceIp are checked (README: the caller's address, here 127.0.0.1).
@pytest.mark.parametrize("cidr,allowed", [("127.0.0.0/8", True), ("10.0.0.0/8", False)])
def test_source_ip_condition(gw, lam, cidr, allowed):
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "$methodArn",
                 "Condition": {"IpAddress": {"aws:SourceIp": [cidr]}}}
    tok = token({"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}})
    r = gw.request("GET", "/a", headers=bearer(tok))
    if allowed:
        ok(r, "/a")
    else:
        refused(r, 403, "AccessDeniedException", NOT_AUTHORIZED)


# --- what an Allow passes on -----------------------------------------------------------------------------

# A MOCK template reads $context.authorizer.principalId and the context values, all strings.
def test_allow_reaches_mock_template(gw, lam):
    tok = token(allow(context={"str": "x", "num": 1, "flag": True}))
    r = gw.request("GET", "/ctx", headers=bearer(tok))
    assert (r.status_code, r.content) == (200, b'{"principalId":"user-1","str":"x","num":"1","flag":"true"}')


# The AWS_PROXY event's requestContext.authorizer: principalId, the context values as strings in
# the function's order (a null value left out: README), then integrationLatency (integer
# milliseconds; 0 when the answer came from the cache: README).
def test_allow_reaches_proxy_event(gw, lam):
    tok = token(allow(context={"str": "x", "num": 1, "gone": None, "flag": True}))
    for cached in (False, True):
        r = gw.request("GET", "/lambda", headers=bearer(tok))
        assert r.status_code == 200, (r.status_code, r.content)
        event = r.json()
        assert event["resource"] == "/lambda"
        assert event["headers"]["Authorization"] == tok
        authorizer = event["requestContext"]["authorizer"]
        assert list(authorizer) == ["principalId", "str", "num", "flag", "integrationLatency"]
        latency = authorizer.pop("integrationLatency")
        assert type(latency) is int and 0 <= latency < 10_000
        if cached:
            assert latency == 0
        assert authorizer == {"principalId": "user-1", "str": "x", "num": "1", "flag": "true"}
        assert len(calls(lam, tok)) == 1


# Requests waiting for their authorizers at the same time each get their own answer.
def test_concurrent_calls(gw, lam):
    def one(i):
        tok = token(allow(context={"str": f"s{i}", "num": i, "flag": i % 2 == 0}, principal=f"user-{i}"))
        r = gw.request("GET", "/ctx", headers=bearer(tok))
        return r.status_code, r.content, tok

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(24)))
    for i, (status, content, tok) in enumerate(results):
        want = {"principalId": f"user-{i}", "str": f"s{i}", "num": str(i), "flag": "true" if i % 2 == 0 else "false"}
        assert (status, json.loads(content)) == (200, want)
        assert len(calls(lam, tok)) == 1


# The request is held during the authorizer's call: its body reaches the integration whole, for a
# callout (AWS_PROXY) and for a request Envoy's router streams on (HTTP_PROXY).
def test_body_held_during_the_call(gw, lam):
    body = "0123456789abcdef" * 20_000
    r = gw.request("POST", "/lambda", data=body, headers=dict(bearer(token(allow())), **{"content-type": "text/plain"}))
    assert r.status_code == 200, (r.status_code, r.content[:200])
    assert (r.json()["body"], r.json()["isBase64Encoded"]) == (body, False)
    r = gw.request("POST", "/stream", data=body, headers=dict(bearer(token(allow())), **{"content-type": "text/plain"}))
    assert r.status_code == 200, (r.status_code, r.content[:200])
    assert (r.json()["method"], r.json()["path"], r.json()["body"]) == ("POST", "/stream", body)


# An HTTP integration's request template sees the same values.
def test_allow_reaches_http_template(gw, lam):
    tok = token(allow(context={"str": "x", "num": 1, "flag": True}))
    r = gw.request("GET", "/http", headers=bearer(tok))
    assert r.status_code == 200, (r.status_code, r.content)
    assert json.loads(r.json()["body"]) == {"principalId": "user-1", "str": "x", "num": "1", "flag": "true"}


# ...and its request parameters: `context.authorizer.*` as a mapping source (access-control notes,
# §3: "Templates and mappings").
def test_allow_reaches_http_mapping(gw, lam):
    tok = token(allow(context={"str": "x", "num": 1, "flag": True}))
    r = gw.request("GET", "/http", headers=bearer(tok))
    assert r.status_code == 200, (r.status_code, r.content)
    headers = {k.lower(): v for k, v in r.json()["headers"]}
    assert (headers["x-principal"], headers["x-num"]) == ("user-1", "1")


# --- the cache ---------------------------------------------------------------------------------------------

# The cache holds the policy, evaluated again for each method ARN: a policy allowing only GET /a,
# cached by the first call, refuses GET /b and POST /a without calling again.
def test_cache_holds_the_policy_not_the_verdict(gw, lam):
    tok = token(allow(f"{ARN}/GET/a"))
    ok(gw.request("GET", "/a", headers=bearer(tok)), "/a")
    refused(gw.request("GET", "/b", headers=bearer(tok)), 403, "AccessDeniedException", NOT_AUTHORIZED)
    refused(gw.request("POST", "/a", headers=bearer(tok)), 403, "AccessDeniedException", NOT_AUTHORIZED)
    ok(gw.request("GET", "/a", headers=bearer(tok)), "/a")
    assert len(calls(lam, tok)) == 1


# A cached wildcard policy: `*` in the resource covers other GET paths, not other methods.
def test_cached_wildcard_policy(gw, lam):
    tok = token(allow(f"{ARN}/GET/*"))
    ok(gw.request("GET", "/a", headers=bearer(tok)), "/a")
    ok(gw.request("GET", "/b", headers=bearer(tok)), "/b")
    ok(gw.request("GET", "/things/7", headers=bearer(tok)), "/things/{id}")
    refused(gw.request("POST", "/a", headers=bearer(tok)), 403, "AccessDeniedException", NOT_AUTHORIZED)
    assert len(calls(lam, tok)) == 1


# authorizerResultTtlInSeconds 0: no cache, every request calls.
def test_ttl_zero_calls_every_time(gw, lam):
    tok = token(allow())
    for n in (1, 2, 3):
        ok(gw.request("GET", "/nocache", headers=bearer(tok)), "/nocache")
        assert len(calls(lam, tok)) == n


# The cache entry lives authorizerResultTtlInSeconds (1 here), then the function is called again.
def test_cache_expires(gw, lam):
    tok = token(allow())
    ok(gw.request("GET", "/short", headers=bearer(tok)), "/short")
    ok(gw.request("GET", "/short", headers=bearer(tok)), "/short")
    assert len(calls(lam, tok)) == 1
    time.sleep(1.2)
    ok(gw.request("GET", "/short", headers=bearer(tok)), "/short")
    assert len(calls(lam, tok)) == 2


# The cache is per authorizer: the same token under another scheme calls again.
def test_cache_per_authorizer(gw, lam):
    tok = token(allow())
    ok(gw.request("GET", "/a", headers=bearer(tok)), "/a")
    ok(gw.request("GET", "/other", headers=bearer(tok)), "/other")
    ok(gw.request("GET", "/a", headers=bearer(tok)), "/a")
    ok(gw.request("GET", "/other", headers=bearer(tok)), "/other")
    assert len(calls(lam, tok)) == 2


# --- REQUEST ---------------------------------------------------------------------------------------------------

# The REQUEST event: keys in AWS's order, the request's headers, query, path parameters; empty maps
# are {} (README: a choice); requestContext as in the proxy event, with identity.apiKey.
def test_request_event(gw, lam):
    tok = token(allow())
    ok(gw.request("GET", "/req/42?q=one&q=two", headers={"X-Token": tok}), "/req/{id}")
    [call] = calls(lam, tok)
    e = call["event"]
    assert list(e) == ["type", "methodArn", "resource", "path", "httpMethod", "headers", "multiValueHeaders",
                       "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
                       "stageVariables", "requestContext"]
    assert (e["type"], e["methodArn"], e["resource"], e["path"], e["httpMethod"]) == (
        "REQUEST", f"{ARN}/GET/req/42", "/req/{id}", "/req/42", "GET")
    assert e["headers"]["x-token"] == tok
    assert e["multiValueHeaders"]["x-token"] == [tok]
    assert e["queryStringParameters"] == {"q": "two"}
    assert e["multiValueQueryStringParameters"] == {"q": ["one", "two"]}
    assert e["pathParameters"] == {"id": "42"}
    assert e["stageVariables"] == {}
    rc = e["requestContext"]
    assert (rc["resourcePath"], rc["httpMethod"], rc["stage"], rc["apiId"], rc["accountId"]) == (
        "/req/{id}", "GET", "prod", API_ID, ACCOUNT)
    assert "apiKey" in rc["identity"] and rc["identity"]["apiKey"] is None
    assert rc["identity"]["sourceIp"] == "127.0.0.1"
    assert "authorizer" not in rc


# With caching on, a missing or empty identity source: 401, no call.
@pytest.mark.parametrize("query,headers", [
    ("", {"X-Token": "T.x"}),
    ("?q=1", {}),
    ("?q=", {"X-Token": "T.x"}),
    ("?q=1", {"X-Token": ""}),
], ids=["no-query", "no-header", "empty-query", "empty-header"])
def test_request_missing_identity_source(gw, lam, query, headers):
    before = len(calls(lam))
    refused(gw.request("GET", "/req/1" + query, headers=headers), 401, "UnauthorizedException", UNAUTHORIZED)
    assert len(calls(lam)) == before


# Keyed by the identity values: the same values hit the cache (whose policy is evaluated again for
# each method ARN), another value calls again.
def test_request_cache(gw, lam):
    tok = token(allow(f"{ARN}/GET/req/1"))
    ok(gw.request("GET", "/req/1?q=a", headers={"X-Token": tok}), "/req/{id}")
    ok(gw.request("GET", "/req/1?q=a", headers={"X-Token": tok}), "/req/{id}")
    assert len(calls(lam, tok)) == 1
    refused(gw.request("GET", "/req/2?q=a", headers={"X-Token": tok}), 403, "AccessDeniedException", NOT_AUTHORIZED)
    assert len(calls(lam, tok)) == 1
    ok(gw.request("GET", "/req/1?q=b", headers={"X-Token": tok}), "/req/{id}")
    assert len(calls(lam, tok)) == 2


# TTL 0: called even with an identity source missing (README: a choice), every time; the event's
# empty maps are {}.
def test_request_ttl_zero(gw, lam):
    tok = token(allow())
    for n in (1, 2):
        ok(gw.request("GET", "/req0", headers={"X-Token": tok}), "/req0")
        assert len(calls(lam, tok)) == n
    e = calls(lam, tok)[0]["event"]
    assert (e["queryStringParameters"], e["multiValueQueryStringParameters"], e["pathParameters"],
            e["stageVariables"]) == ({}, {}, {}, {})


# --- order of the checks -------------------------------------------------------------------------------

# Routing comes first: a request no resource serves is refused before any authorizer call.
def test_no_call_for_unrouted_requests(gw, lam):
    tok = token(allow())
    before = len(calls(lam))
    for method, path in (("GET", "/nothing"), ("DELETE", "/a"), ("GET", "/req/1/x?q=1")):
        r = gw.request(method, path, headers={"X-Token": tok})
        refused(r, 403, "MissingAuthenticationTokenException", MISSING_TOKEN)
    # With the token in Authorization, AWS's answer to a non-SigV4 header on an unknown route.
    r = gw.request("GET", "/nothing", headers={"Authorization": "Bearer " + tok})
    hashed = base64.b64encode(hashlib.sha256(("Bearer " + tok).encode()).digest()).decode()
    message = ("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and "
               f"encoded with Base64): '{hashed}'.")
    refused(r, 403, "IncompleteSignatureException", json.dumps({"message": message}, separators=(",", ":")).encode())
    assert len(calls(lam)) == before


# --- OpenAPI 3, customised gateway responses --------------------------------------------------------------

# components.securitySchemes with a root `security`; the customised UNAUTHORIZED replaces the body
# (status, header, $context.error.*) for a missing token and for the function's "Unauthorized".
def test_custom_unauthorized(gw3, lam):
    want = b'{"error":"Unauthorized","type":"UNAUTHORIZED"}'
    for headers in ({}, bearer(token(raises="Unauthorized"))):
        r = gw3.request("GET", "/guarded", headers=headers)
        assert (r.status_code, r.content) == (401, want), (r.status_code, r.content)
        assert r.headers["x-amzn-ErrorType"] == "UnauthorizedException"
        assert r.headers["x-gr"] == "unauthorized"
    ok(gw3.request("GET", "/guarded", headers=bearer(token(allow()))), "/guarded")


# The customised ACCESS_DENIED: $context.error.messageString is the quoted message.
def test_custom_access_denied(gw3, lam):
    tok = token({"principalId": "user-1", "policyDocument": policy(("Deny", "$methodArn"))})
    r = gw3.request("GET", "/guarded", headers=bearer(tok))
    assert (r.status_code, r.content) == (
        403, b'{"denied":"User is not authorized to access this resource with an explicit deny"}'), (
        r.status_code, r.content)
    assert r.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert len(calls(lam, tok)) == 1
