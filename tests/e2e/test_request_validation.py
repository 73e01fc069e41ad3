"""Request validators in a real Envoy (README: "Request validation"; access-control notes §1 and §6),
against real peers: the local Lambda Invoke API (scripts/local_lambda.py, checking every SigV4
signature) running tests/e2e/lambda_handlers/echo.py for AWS_PROXY and authorizer.py for the
authorizer, MOCK integrations, an HTTP peer that records what it gets (tests/e2e/upstream_peer.py)
for HTTP and HTTP_PROXY, and moto's DynamoDB for a published definition.

Every refusal is checked for its status, `x-amzn-ErrorType` and exact body, and for what did not
happen: the integration's peer got nothing. Every request that passes is checked at the peer: the
body arrives unchanged."""

import base64
import json
import os
import subprocess
import uuid

import pytest
import requests

import apigw
from conftest import CHECKER, ROOT, WASM, Envoy, LambdaServer, free_port
from conftest_http import MotoServer, aws_targets

AK, SK = "AKIDLOCALTEST", "local-secret-key"
FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")

INVALID_BODY = b'{"message": "Invalid request body"}'
SERVER_ERROR = b'{"message": "Internal server error"}'
UNAUTHORIZED = b'{"message":"Unauthorized"}'


def missing(*names):
    """AWS's BAD_REQUEST_PARAMETERS body (with the space after the colon, as recorded)."""
    return b'{"message": "Missing required request parameters: [%s]"}' % ", ".join(names).encode()


# --- the definitions --------------------------------------------------------------------------------

VALIDATORS = {
    "all": {"validateRequestBody": True, "validateRequestParameters": True},
    "params-only": {"validateRequestParameters": True},  # a missing flag is false
    "body-only": {"validateRequestBody": "true", "validateRequestParameters": "false"},  # strings read as booleans
    "off": {"validateRequestBody": False, "validateRequestParameters": False},
}


def credentials_model(ref):
    return {"type": "object", "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string", "minLength": 8},
                           "profile": {"$ref": ref}}}


PROFILE_MODEL = {"type": "object", "properties": {"age": {"type": "integer", "minimum": 0}}}

# A MOCK that answers the request body it got (README "MOCK and CORS": requestOverride set in the
# request template is visible in the response template).
ECHO_MOCK = {"x-amazon-apigateway-integration": {
    "type": "mock",
    "requestTemplates": {"application/json": '#set($context.requestOverride.path.body = $input.body){"statusCode": 200}'},
    "responses": {"default": {"statusCode": "200",
                              "responseTemplates": {"application/json": "[$context.requestOverride.path.body]"}}}}}


def aws_proxy(function="echo"):
    return {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": FN.format(function)}}


def http_proxy(uri):
    return {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "PATCH", "uri": uri}}


def http(uri):
    return {"x-amazon-apigateway-integration": {"type": "http", "httpMethod": "POST", "uri": uri,
                                                "responses": {"default": {"statusCode": "200"}}}}


def header(name):
    return {"name": name, "in": "header", "required": True, "type": "string"}


def query(name):
    return {"name": name, "in": "query", "required": True, "type": "string"}


def path(name):
    return {"name": name, "in": "path", "required": True, "type": "string"}


BODY_PARAM = {"name": "credentials", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Credentials"}}


def swagger_api(peer_url):
    """Swagger 2: validators at the root, `all` the default; `in: body` schemas by `$ref`."""
    return {
        "swagger": "2.0", "info": {"title": "validation", "version": "1"},
        "x-amazon-apigateway-request-validators": VALIDATORS,
        "x-amazon-apigateway-request-validator": "all",
        "definitions": {"Credentials": credentials_model("#/definitions/Profile"), "Profile": PROFILE_MODEL},
        "paths": {
            "/users/{id}": {
                # The path item's parameters apply to every operation below.
                "parameters": [header("X-Tenant"), path("id"), query("q")],
                # The root default (`all`): parameters and body; AWS_PROXY.
                "post": dict(aws_proxy(), parameters=[header("x-trace"), BODY_PARAM]),
                # Parameters only: a MOCK answering the body it got.
                "put": dict(ECHO_MOCK, parameters=[BODY_PARAM], **{"x-amazon-apigateway-request-validator": "params-only"}),
                # Body only: HTTP_PROXY to the recording peer.
                "patch": dict(http_proxy(peer_url + "/patched"), parameters=[BODY_PARAM],
                              **{"x-amazon-apigateway-request-validator": "body-only"}),
                # A validator that checks nothing.
                "delete": dict(ECHO_MOCK, parameters=[BODY_PARAM], **{"x-amazon-apigateway-request-validator": "off"}),
            },
            # HTTP (custom): parameters declared out of group order, and not alphabetically inside
            # the groups; an inline body schema.
            "/things/{id}": {"post": dict(http(peer_url + "/things"), parameters=[
                query("b"), header("X-Two"), query("a"), path("id"), header("X-One"),
                {"name": "thing", "in": "body", "schema": {"type": "object", "required": ["x"]}}])},
            # A required path parameter the resource path does not have: the only way a routed
            # request can miss one, to show where the path group goes.
            "/ghost/{id}": {"get": dict(ECHO_MOCK, parameters=[query("q"), path("ghost"), header("h")])},
        },
    }


def scheme():
    return {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN.format("authorizer"),
                                               "authorizerResultTtlInSeconds": 0}}


def oas3_body(ref):
    return {"content": {"application/json": {"schema": {"$ref": ref}}}, "required": True}


TENANT = {"$ref": "#/components/parameters/Tenant"}

OPENAPI3_API = {
    "openapi": "3.0.1", "info": {"title": "validation-3", "version": "1"},
    "x-amazon-apigateway-request-validators": VALIDATORS,  # and no default: operations name theirs
    "components": {
        "schemas": {
            "Credentials": credentials_model("#/components/schemas/Profile"),
            "Profile": PROFILE_MODEL,
            "Order": {"type": "object", "required": ["item", "quantity"],
                      "properties": {"item": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}},
            # A look-behind: AWS accepts the model, the Java translator cannot compile it
            # (src/java_regex.rs refuses look-around).
            "Coded": {"type": "object", "properties": {"code": {"type": "string", "pattern": "(?<=a)b"}}},
        },
        "parameters": {"Tenant": {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}},
        "requestBodies": {"Order": oas3_body("#/components/schemas/Order")},
        "securitySchemes": {"tok": scheme()},
    },
    "x-amazon-apigateway-gateway-responses": {
        "BAD_REQUEST_BODY": {
            "statusCode": "422",
            "responseParameters": {"gatewayresponse.header.x-gr": "'bad-body'"},
            "responseTemplates": {"application/json":
                                  "$context.error.responseType: $context.error.message $context.error.validationErrorString"}},
        "BAD_REQUEST_PARAMETERS": {
            "responseTemplates": {"application/json": '{"problem":"$context.error.message"}'}},
    },
    "paths": {
        "/signup": {"post": dict(ECHO_MOCK, parameters=[TENANT], requestBody=oas3_body("#/components/schemas/Credentials"),
                                 **{"x-amazon-apigateway-request-validator": "all"})},
        "/orders": {
            # A requestBody `$ref`; AWS_PROXY.
            "post": dict(aws_proxy(), requestBody={"$ref": "#/components/requestBodies/Order"},
                         **{"x-amazon-apigateway-request-validator": "body-only"}),
            # No validator of its own and no default: nothing is checked.
            "get": dict(ECHO_MOCK, parameters=[TENANT, {"name": "q", "in": "query", "required": True}]),
        },
        "/coded": {"post": dict(ECHO_MOCK, requestBody=oas3_body("#/components/schemas/Coded"),
                                **{"x-amazon-apigateway-request-validator": "body-only"})},
        "/secure": {"post": dict(ECHO_MOCK, parameters=[TENANT], requestBody={"$ref": "#/components/requestBodies/Order"},
                                 security=[{"tok": []}], **{"x-amazon-apigateway-request-validator": "all"})},
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
def gw(gateway_factory, lam, peer):
    return gateway_factory(swagger_api(peer.url), lambda_url=lam.url, env=envoy_env(),
                           origins={peer.url: "peer"}, clusters=[apigw.cluster("peer", peer.url)])


@pytest.fixture(scope="module")
def gw3(gateway_factory, lam):
    return gateway_factory(OPENAPI3_API, lambda_url=lam.url, env=envoy_env())


# --- helpers ------------------------------------------------------------------------------------------

def calls(lam, function="echo"):
    return [r for r in requests.get(lam.url + "/_recorded?detail=1", timeout=5).json() if r["function"] == function]


def refused(r, status, error_type, body):
    assert (r.status_code, r.content) == (status, body), (r.status_code, r.content)
    assert r.headers["x-amzn-ErrorType"] == error_type
    assert r.headers["content-type"] == "application/json"


def bad_request(r, body):
    refused(r, 400, "BadRequestException", body)


GOOD = b'{ "email" : "ann@example.com",\n  "password": "correct horse", "profile": {"age": 7}}'
HEADERS = {"X-Tenant": "t1", "x-trace": "abc", "Content-Type": "application/json"}


def post_user(gw, query="?q=1", headers=HEADERS, body=GOOD):
    return gw.request("POST", "/users/42" + query, headers=headers, data=body)


# --- required parameters -----------------------------------------------------------------------------

# Missing, empty or repeated-with-an-empty-last-value: 400 BAD_REQUEST_PARAMETERS naming them,
# headers first (the path item's, then the operation's), then the query string; header names
# matched case-insensitively and reported as declared. The function is not called.
@pytest.mark.parametrize("query,headers,names", [
    ("", {}, ("X-Tenant", "x-trace", "q")),
    ("?q=", {"X-Tenant": "t1"}, ("x-trace", "q")),
    ("?q=1&q=", {"X-Tenant": "t1", "x-trace": "abc"}, ("q",)),
    ("?q=1", {"X-Tenant": "", "X-Trace": "abc"}, ("X-Tenant",)),
    ("?q=%20%09", {"X-Tenant": "t1", "x-trace": "abc"}, ("q",)),
    ("?Q=1", {"x-tenant": "t1", "X-TRACE": "abc"}, ("q",)),
], ids=["nothing", "empty-query", "last-query-empty", "empty-header", "blank-query", "query-names-are-exact"])
def test_missing_required_parameters(gw, lam, query, headers, names):
    before = len(calls(lam))
    r = post_user(gw, query, dict(headers, **{"Content-Type": "application/json"}))
    bad_request(r, missing(*names))
    assert len(calls(lam)) == before


# The groups in AWS's order whatever the declaration order; inside a group, definition order (a
# choice: README). The HTTP backend is not called for a refused request (parameters or body); with
# everything right it gets the body unchanged.
def test_parameter_groups_and_order(gw, peer):
    peer.recorded()
    bad_request(gw.request("POST", "/things/1", data=b"{}"), missing("X-Two", "X-One", "b", "a"))
    bad_request(gw.request("POST", "/things/1?a=1&b=", headers={"X-One": "1", "X-Two": "2"}), missing("b"))
    bad_request(gw.request("POST", "/things/1?a=1&b=2", headers={"X-One": "1", "X-Two": "2"}, data=b'{"y": 1}'),
                INVALID_BODY)
    assert peer.recorded() == []
    body = b'{"x": 1,\n "y": [true]}'
    r = gw.request("POST", "/things/1?a=1&b=2", headers={"X-One": "1", "X-Two": "2"}, data=body)
    assert r.status_code == 200, (r.status_code, r.content)
    [(head, got)] = peer.recorded()
    assert head[0] == "POST /things HTTP/1.1" and got == body.decode()
    # The path group sits between headers and query.
    bad_request(gw.request("GET", "/ghost/1"), missing("h", "ghost", "q"))


# Parameters are checked before the body: a request with both problems gets the parameters'
# answer (recorded on AWS).
def test_parameters_before_body(gw, lam):
    before = len(calls(lam))
    bad_request(post_user(gw, "", {"X-Tenant": "t1", "Content-Type": "application/json"}, b"{}"), missing("x-trace", "q"))
    bad_request(post_user(gw, "", {"X-Tenant": "t1"}, b"not json"), missing("x-trace", "q"))
    assert len(calls(lam)) == before


# --- the body ------------------------------------------------------------------------------------------

# Invalid (nested `$ref` models included), empty and unparsable bodies: 400 BAD_REQUEST_BODY, the
# function not called. A missing Content-Type counts as application/json; the media type is read
# case-insensitively, its parameters ignored.
@pytest.mark.parametrize("content_type", ["application/json", None, "Application/JSON; charset=utf-8"],
                         ids=["json", "no-content-type", "json-with-charset"])
@pytest.mark.parametrize("body", [
    b"{}",
    b'{"email": "ann@example.com"}',
    b'{"email": "ann@example.com", "password": "short"}',
    b'{"email": "ann@example.com", "password": "correct horse", "profile": {"age": -1}}',
    b'{"email": 7, "password": "correct horse"}',
    b"[]",
    b"",
    b'{"email":',
    b"not json",
], ids=["empty-object", "no-password", "short-password", "nested-ref", "wrong-type", "array", "empty", "truncated",
        "not-json"])
def test_invalid_bodies(gw, lam, content_type, body):
    headers = {k: v for k, v in HEADERS.items() if k != "Content-Type"}
    if content_type:
        headers["Content-Type"] = content_type
    before = len(calls(lam))
    bad_request(post_user(gw, headers=headers, body=body), INVALID_BODY)
    assert len(calls(lam)) == before


# A valid body reaches the function unchanged, byte for byte in the event, with or without a
# Content-Type; only the first JSON value is read (a choice: README), so trailing text passes.
@pytest.mark.parametrize("content_type", ["application/json", None])
@pytest.mark.parametrize("body", [GOOD, b'{"email": "a", "password": "12345678", "extra": [1, {"x": null}]}',
                                  b'{"email": "a", "password": "12345678"} trailing'], ids=["good", "extra", "trailing"])
def test_valid_body_reaches_the_function(gw, lam, content_type, body):
    headers = dict(HEADERS)
    if content_type is None:
        del headers["Content-Type"]
    before = len(calls(lam))
    r = post_user(gw, headers=headers, body=body)
    assert r.status_code == 200, (r.status_code, r.content)
    event = r.json()
    assert (event["body"], event["isBase64Encoded"], event["resource"]) == (body.decode(), False, "/users/{id}")
    assert len(calls(lam)) == before + 1


# A content type without a model is not validated: the body goes through as sent.
def test_content_type_without_model(gw, lam):
    r = post_user(gw, headers=dict(HEADERS, **{"Content-Type": "text/plain"}), body=b"not json at all")
    assert r.status_code == 200, (r.status_code, r.content)
    assert r.json()["body"] == "not json at all"


# --- which validator ---------------------------------------------------------------------------------

# `params-only` on PUT (a MOCK): a missing parameter is refused, a body the model refuses is not
# (the MOCK answers the body it got).
def test_parameters_only_validator(gw):
    bad_request(gw.request("PUT", "/users/1", headers={"Content-Type": "application/json"}, data=b"{}"),
                missing("X-Tenant", "q"))
    r = gw.request("PUT", "/users/1?q=1", headers={"X-Tenant": "t", "Content-Type": "application/json"}, data=b'{"a": 1}')
    assert (r.status_code, r.content) == (200, b'[{"a": 1}]')


# `body-only` on PATCH (HTTP_PROXY): the required parameters are not checked; a bad body is refused
# before the backend, a good one reaches it unchanged.
def test_body_only_validator(gw, peer):
    peer.recorded()
    bad_request(gw.request("PATCH", "/users/1", headers={"Content-Type": "application/json"}, data=b'{"email": "a"}'),
                INVALID_BODY)
    bad_request(gw.request("PATCH", "/users/1", data=b""), INVALID_BODY)
    assert peer.recorded() == []
    r = gw.request("PATCH", "/users/1", headers={"Content-Type": "application/json"}, data=GOOD)
    assert (r.status_code, r.content) == (200, b'{"statusCode": 200, "body": "ok"}')
    [(head, body)] = peer.recorded()
    assert head[0] == "PATCH /patched HTTP/1.1" and body == GOOD.decode()


# A validator with both flags false (DELETE): nothing is checked.
def test_validator_checking_nothing(gw):
    r = gw.request("DELETE", "/users/1", headers={"Content-Type": "application/json"}, data=b"{}")
    assert (r.status_code, r.content) == (200, b"[{}]")


# OpenAPI 3 without a root default: an operation naming no validator is not validated.
def test_no_validator(gw3):
    r = gw3.request("GET", "/orders", headers={"Content-Type": "application/json"}, data=b"[]")
    assert (r.status_code, r.content) == (200, b"[[]]")


# --- OpenAPI 3, customised gateway responses ---------------------------------------------------------------

# BAD_REQUEST_BODY customised (status, header, template): `$context.error.validationErrorString`
# is the validator's bracketed messages (AWS's wording), `$context.error.message` "Invalid request
# body"; x-amzn-ErrorType stays AWS's.
@pytest.mark.parametrize("body,errors", [
    (b"{}", b'[object has missing required properties (["email","password"])]'),
    (b'{"email": "a"}', b'[object has missing required properties (["password"])]'),
    (b'{"email": "a", "password": "short"}', b'[string "short" is too short (length: 5, required minimum: 8)]'),
    (b'{"email": "a", "password": "12345678", "profile": {"age": "x"}}',
     b'[instance type (string) does not match any allowed primitive type (allowed: ["integer"])]'),
    (b"", b"[Unknown error parsing request body]"),
    (b"{oops}", b"[Unknown error parsing request body]"),
], ids=["empty-object", "no-password", "short", "nested-ref", "empty", "unparsable"])
def test_custom_bad_request_body(gw3, body, errors):
    r = gw3.request("POST", "/signup", headers={"X-Tenant": "t", "Content-Type": "application/json"}, data=body)
    refused(r, 422, "BadRequestException", b"BAD_REQUEST_BODY: Invalid request body " + errors)
    assert r.headers["x-gr"] == "bad-body"


# BAD_REQUEST_PARAMETERS customised (template only: AWS's status kept); the header comes from a
# `#/components/parameters` reference. A good request reaches the MOCK.
def test_custom_bad_request_parameters(gw3):
    r = gw3.request("POST", "/signup", headers={"Content-Type": "application/json"}, data=GOOD)
    refused(r, 400, "BadRequestException", b'{"problem":"Missing required request parameters: [X-Tenant]"}')
    r = gw3.request("POST", "/signup", headers={"X-Tenant": "t", "Content-Type": "application/json"}, data=GOOD)
    assert (r.status_code, r.content) == (200, b"[" + GOOD + b"]")


# A `requestBody` `$ref` (components.requestBodies) on AWS_PROXY: refused before the function, or
# passed to it unchanged.
def test_request_body_ref_on_aws_proxy(gw3, lam):
    before = len(calls(lam))
    r = gw3.request("POST", "/orders", headers={"Content-Type": "application/json"}, data=b'{"item": "x", "quantity": 0}')
    refused(r, 422, "BadRequestException",
            b"BAD_REQUEST_BODY: Invalid request body [numeric instance is lower than the required minimum (minimum: 1, found: 0)]")
    assert len(calls(lam)) == before
    body = b'{"item": "x",   "quantity": 3}'
    r = gw3.request("POST", "/orders", data=body)
    assert r.status_code == 200, (r.status_code, r.content)
    assert r.json()["body"] == body.decode()
    assert len(calls(lam)) == before + 1


# --- the authorizer comes first -------------------------------------------------------------------------

def token(answer):
    spec = {"id": uuid.uuid4().hex, "answer": answer}
    return "T." + base64.urlsafe_b64encode(json.dumps(spec).encode()).decode().rstrip("=")


def allow():
    return token({"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "$methodArn"}]}})


# Order of the checks (access-control notes §1): the authorizer before the validator. Without a
# token the answer is the authorizer's 401 however bad the parameters and body; once allowed, the
# validator answers.
def test_authorizer_before_validation(gw3, lam):
    before = len(calls(lam, "authorizer"))
    for body in (b"", b"{}", b'{"item": "x", "quantity": 2}'):
        refused(gw3.request("POST", "/secure", data=body), 401, "UnauthorizedException", UNAUTHORIZED)
    assert len(calls(lam, "authorizer")) == before
    r = gw3.request("POST", "/secure", headers={"Authorization": allow()}, data=b"{}")
    refused(r, 400, "BadRequestException", b'{"problem":"Missing required request parameters: [X-Tenant]"}')
    r = gw3.request("POST", "/secure", headers={"Authorization": allow(), "X-Tenant": "t"}, data=b"{}")
    refused(r, 422, "BadRequestException",
            b'BAD_REQUEST_BODY: Invalid request body [object has missing required properties (["item","quantity"])]')
    assert len(calls(lam, "authorizer")) == before + 2
    body = b'{"item": "x", "quantity": 2}'
    r = gw3.request("POST", "/secure", headers={"Authorization": allow(), "X-Tenant": "t"}, data=body)
    assert (r.status_code, r.content) == (200, b"[" + body + b"]")


# --- models that cannot be used, models refused at load -------------------------------------------------

# A model AWS accepts but the gateway cannot use (a look-behind `pattern`): a warning at load,
# that operation answers 500 (the log says why), the rest of the API is served.
def test_unusable_model_answers_500(gw3):
    logs = gw3.envoy.logs()
    assert ('POST /coded: the application/json model cannot validate bodies (components.schemas.Coded.properties.code'
            '.pattern "(?<=a)b": look-behind `(?<=` at index 0 is not supported): those requests answer 500') in logs
    for body in (b'{"code": "ab"}', b"{}", b"not json"):
        r = gw3.request("POST", "/coded", headers={"Content-Type": "application/json"}, data=body)
        refused(r, 500, "InternalServerErrorException", SERVER_ERROR)
    assert "POST /coded: Request body validation failed due to an unexpected error" in gw3.envoy.logs()
    r = gw3.request("POST", "/signup", headers={"X-Tenant": "t", "Content-Type": "application/json"}, data=GOOD)
    assert r.status_code == 200


def check(definition, tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(apigw.plugin_config(definition)))
    return subprocess.run([CHECKER, str(cfg)], capture_output=True, text=True)


def broken_definitions():
    missing_model = json.loads(json.dumps(OPENAPI3_API))
    missing_model["paths"]["/signup"]["post"]["requestBody"] = oas3_body("#/components/schemas/Nope")
    unknown_validator = swagger_api("http://127.0.0.1:1")
    unknown_validator["paths"]["/ghost/{id}"]["get"]["x-amazon-apigateway-request-validator"] = "everything"
    missing_parameter = swagger_api("http://127.0.0.1:1")
    missing_parameter["paths"]["/ghost/{id}"]["get"]["parameters"].append({"$ref": "#/parameters/Nope"})
    return [
        (missing_model, 'POST /signup: field requestBody.content.application/json.schema.$ref: '
                        '"#/components/schemas/Nope" names no model or schema in the definition'),
        (unknown_validator, 'GET /ghost/{id}: field x-amazon-apigateway-request-validator: names request validator '
                            '"everything", which x-amazon-apigateway-request-validators does not define'),
        (missing_parameter, 'GET /ghost/{id}: field parameters[3].$ref: "#/parameters/Nope" names no parameter in the definition'),
    ]


# What AWS's import refuses is refused at load, naming the operation and the field: by
# `apigw-check` (exit 1) and by Envoy, which does not start.
@pytest.mark.parametrize("definition,error", broken_definitions(), ids=["missing-model", "unknown-validator",
                                                                        "missing-parameter"])
def test_refused_at_load(tmp_path, definition, error):
    r = check(definition, tmp_path)
    assert r.returncode == 1, r.stderr
    assert f"error: invalid definition: {error}" in r.stderr


def test_envoy_refuses_a_missing_model():
    definition, error = broken_definitions()[0]
    port, admin = free_port(), free_port()
    config = apigw.envoy_config(WASM, apigw.plugin_config(definition), port, admin, [], address="127.0.0.1")
    e = Envoy(config, "bad-model")
    try:
        assert e.wait_exit() == 1
        logs = e.logs()
        assert f"invalid definition: {error}" in logs
        assert "Unable to create Wasm plugin apigateway" in logs or "Failed to configure" in logs
    finally:
        e.stop()


# --- a published definition -------------------------------------------------------------------------------

REMINDERS = os.path.join(ROOT, "tests/real-apis/serverless-patterns--dynamodb-reminders-gateway-responses.yaml")
TABLE = "reminders"


@pytest.fixture(scope="module")
def reminders(gateway_factory):
    moto = MotoServer()
    moto.client("dynamodb").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    g = gateway_factory(apigw.load_definition(REMINDERS, {"RemindersTable": TABLE}),
                        clusters=[apigw.cluster("moto", moto.url)], env=moto.envoy_env(),
                        extra={"targets": aws_targets(moto.authority, ["dynamodb"])})
    g.moto = moto
    yield g
    moto.stop()


# The reminders API (aws-samples/serverless-patterns, SOURCES.md): its `Validate body` validator and
# its BAD_REQUEST_BODY template printing `$context.error.validationErrorString`; DynamoDB is not
# called for a refused body, and gets the accepted one.
def test_published_reminders_api(reminders):
    dynamodb = reminders.moto.client("dynamodb")
    r = reminders.request("POST", "/reminders", json={"description": "dentist"})
    assert (r.status_code, r.content) == (
        400, b'{\n"Invalid Request Body": "[object has missing required properties (["datetime","email"])]"\n}'), r.content
    assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    r = reminders.request("PUT", "/reminders/r1", data=b"{", headers={"Content-Type": "application/json"})
    assert (r.status_code, r.content) == (400, b'{\n"Invalid Request Body": "[Unknown error parsing request body]"\n}')
    assert dynamodb.scan(TableName=TABLE)["Count"] == 0

    reminder = {"description": "dentist", "datetime": "2024-05-01T09:00:00Z", "email": "ann@example.com"}
    r = reminders.request("POST", "/reminders", json=reminder)
    assert r.status_code == 200, (r.status_code, r.content)
    request_id = r.headers["x-amzn-RequestId"]
    assert r.json() == {"message": "Reminder created successfully", "data": dict(reminder, id=request_id)}
    [item] = dynamodb.scan(TableName=TABLE)["Items"]
    assert item == {"id": {"S": request_id}, "description": {"S": "dentist"},
                    "datetime": {"S": "2024-05-01T09:00:00Z"}, "email": {"S": "ann@example.com"}}
