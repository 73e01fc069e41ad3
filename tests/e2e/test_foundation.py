"""Foundation behaviour in a real Envoy: routing, MOCK, CORS preflight, gateway responses, fail-closed
auth, configuration errors. Expected values come from the README ("Behaviour")."""

import json
import re
import subprocess

import pytest

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import CHECKER, ENVOY, ROOT, WASM, Envoy, apigw, free_port

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
INTERNAL = b'{"message": "Internal server error"}'


def mock_op(response_template=None, request_template='{"statusCode": 200}', status="200", params=None):
    resp = {"statusCode": status}
    if response_template is not None:
        resp["responseTemplates"] = {"application/json": response_template}
    if params:
        resp["responseParameters"] = params
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": request_template},
        "responses": {"default": resp}}}


# The demo serves every integration type: HTTP_PROXY to the echo backend...
def test_demo_http_proxy(demo):
    r = demo.request("PUT", "/backend/things/1?x=1", data=b"payload", headers={"content-type": "text/plain"})
    assert r.status_code == 200
    e = r.json()
    assert (e["method"], e["path"], e["body"]) == ("PUT", "/things/1?x=1", "payload")
    assert ["X-Demo-Stage", "prod"] in [[k.title() if k.lower() == "x-demo-stage" else k, v] for k, v in e["headers"]]


# ...HTTP with parameter mapping and a response template...
def test_demo_http_custom(demo):
    r = demo.request("GET", "/orders/7")
    assert r.status_code == 200
    assert r.json() == {"order": "7", "backendSaw": "/orders/7?verbose=true", "stage": "prod"}
    assert r.headers["X-Backend-Method"] == "GET"


# ...and an AWS service (SQS SendMessage from a form template), read back from the queue.
def test_demo_sqs(demo):
    r = demo.request("POST", "/queue", json={"order": 7})
    assert r.status_code == 200, r.text
    assert r.json() == {"queued": True, "requestId": r.headers["x-amzn-RequestId"]}
    sqs = demo.moto.client("sqs")
    url = sqs.get_queue_url(QueueName="demo-queue")["QueueUrl"]
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert msgs[0]["Body"] == '{"order": 7}'


# The demo's AWS_PROXY route, served by envoy/functions/hello.py (what `make run` starts locally).
def test_demo_lambda(demo):
    r = demo.request("GET", "/prod/hello?name=you")
    assert r.status_code == 200
    assert r.json() == {"message": "Hello, you!", "path": "/hello"}
    assert r.raw.headers.getlist("Set-Cookie") == ["visited=1", "lang=en"]


# Unknown resource -> 403 Missing Authentication Token, with its error type (README: "Behaviour",
# Routing).
def test_unknown_resource_is_403(demo):
    r = demo.request("GET", "/no/such/thing")
    assert r.status_code == 403
    assert r.content == MISSING_TOKEN
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert r.headers["content-type"] == "application/json"
    assert UUID.match(r.headers["x-amzn-RequestId"])
    # The demo's DEFAULT_4XX adds a CORS header to every 4xx gateway response.
    assert r.headers["Access-Control-Allow-Origin"] == "*"


# A known resource without the method is the same 403.
def test_known_resource_other_method_is_403(demo):
    r = demo.request("DELETE", "/pets")
    assert (r.status_code, r.content) == (403, MISSING_TOKEN)
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_mock_static_response(demo):
    r = demo.request("GET", "/pets")
    assert r.status_code == 200
    assert r.json() == [{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}]
    assert r.headers["content-type"] == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert UUID.match(r.headers["x-amzn-RequestId"])


# Both URL forms work with stagePrefix "optional" (make run's default).
def test_stage_prefix_optional(demo):
    assert demo.request("GET", "/prod/pets").status_code == 200
    assert demo.request("GET", "/pets").status_code == 200


# selectionPattern picks the integration response from the request template's statusCode.
def test_mock_selection_by_status(demo):
    r = demo.request("GET", "/pets/7")
    assert r.status_code == 200
    assert r.content == b'{"id": "7", "type": "dog", "stage": "prod"}'
    r = demo.request("GET", "/pets/0")
    assert r.status_code == 404
    assert r.content == b'{"message": "pet 0 not found"}'


# A requestOverride set in the request template is visible to the response template (README:
# "Behaviour", MOCK and CORS).
def test_request_override_carries_body(demo):
    r = demo.request("POST", "/pets", data=b'{"name":"rex"}', headers={"content-type": "application/json"})
    assert r.status_code == 201
    rid = r.headers["x-amzn-RequestId"]
    assert r.content == b'{"created": {"name":"rex"}, "requestId": "' + rid.encode() + b'"}'


# passthroughBehavior NEVER with no template for the content type -> 415.
def test_passthrough_never_is_415(demo):
    r = demo.request("POST", "/pets", data=b"hi", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert r.content == b'{"message":"Unsupported Media Type"}'
    assert r.headers["x-amzn-ErrorType"] == "UnsupportedMediaTypeException"


# CORS preflight as the console generates it: exactly the configured headers, empty body.
def test_cors_preflight(demo):
    r = demo.request("OPTIONS", "/pets", headers={"Origin": "http://example.com",
                                                  "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert r.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Amz-Date,Authorization,X-Api-Key"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["content-type"] == "application/json"
    names = {k.lower() for k in r.headers}
    # No `server: envoy` (README "Deployments": server_header_transformation PASS_THROUGH).
    assert names == {"access-control-allow-methods", "access-control-allow-headers", "access-control-allow-origin",
                     "content-type", "content-length", "x-amzn-requestid", "x-amz-apigw-id", "date"}


# $context.responseOverride set in the request template wins (README: "Behaviour", MOCK and CORS);
# lax `{statusCode: 200}`.
def test_response_override(demo):
    r = demo.request("GET", "/teapot")
    assert r.status_code == 418
    assert r.headers["X-Brewed-By"] == "mock"
    assert r.content == b"{\"message\": \"I'm a teapot\"}"


# Fail closed: an API key operation is never served open, with or without a key.
def test_api_key_operation_fails_closed(demo):
    for headers in ({}, {"x-api-key": "anything"}):
        r = demo.request("GET", "/admin", headers=headers)
        assert r.status_code == 403
        assert r.content == b'{"message":"Forbidden"}'
        assert r.headers["x-amzn-ErrorType"] == "ForbiddenException"


# $context, $stageVariables, $input.params() and #foreach in a MOCK template.
def test_context_and_stage_variables(demo):
    r = demo.request("GET", "/whoami?color=red&size=L", headers={"User-Agent": "curl/8"})
    assert r.status_code == 200
    assert r.headers["X-Stage"] == "prod"
    assert r.json() == {"stage": "prod", "resourcePath": "/whoami", "sourceIp": "127.0.0.1",
                        "userAgent": "curl/8", "greeting": "hello", "query": {"color": "red", "size": "L"}}


GR_API = {
    "openapi": "3.0.1", "info": {"title": "gr", "version": "1"},
    "paths": {
        "/ok": {"get": mock_op('{"ok": true}')},
        "/noint": {"get": {}},
        "/cognito": {"get": dict(mock_op("{}"), security=[{"pool": []}])},
        "/iam": {"get": dict(mock_op("{}"), **{"x-amazon-apigateway-auth": {"type": "AWS_IAM"}})},
    },
    "components": {"securitySchemes": {"pool": {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
        "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:x"]}}}},
    "x-amazon-apigateway-gateway-responses": {
        "DEFAULT_4XX": {"statusCode": "400",
                        "responseParameters": {"gatewayresponse.header.x-family": "'4xx'"},
                        "responseTemplates": {"application/json": '{"family":$context.error.messageString}'}},
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": "404",
            "responseParameters": {"gatewayresponse.header.x-echo": "method.request.header.x-in",
                                   "gatewayresponse.header.x-sv": "stageVariables.v",
                                   "gatewayresponse.header.x-stage": "context.stage"},
            "responseTemplates": {"application/json":
                                  '{"msg":$context.error.messageString,"type":"$context.error.responseType",'
                                  '"stage":"$context.stage","v":"$stageVariables.v","id":"$context.requestId"} #if(1)'}},
        "DEFAULT_5XX": {"responseParameters": {"gatewayresponse.header.x-family": "'5xx'"}},
    },
}


@pytest.fixture(scope="module")
def gr(gateway_factory):
    return gateway_factory(GR_API, stage="beta", stage_variables={"v": "sv1"})


# A customised type: its status, its headers from each source, substitution-only template.
def test_custom_gateway_response(gr):
    r = gr.request("GET", "/nope", headers={"x-in": "echoed"})
    assert r.status_code == 404
    assert r.headers["x-echo"] == "echoed"
    assert r.headers["x-sv"] == "sv1"
    assert r.headers["x-stage"] == "beta"
    assert "x-family" not in r.headers
    rid = r.headers["x-amzn-RequestId"]
    assert r.text == ('{"msg":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN",'
                      f'"stage":"beta","v":"sv1","id":"{rid}"}} #if(1)')


# DEFAULT_4XX reaches UNAUTHORIZED (not customised on its own): status, header and template.
def test_default_4xx_inheritance(gr):
    r = gr.request("GET", "/cognito", headers={"Authorization": "Bearer x"})
    assert r.status_code == 400
    assert r.headers["x-family"] == "4xx"
    assert r.content == b'{"family":"Unauthorized"}'
    assert r.headers["x-amzn-ErrorType"] == "UnauthorizedException"


# IAM without SigV4 checking fails closed as AWS answers an unsigned call (customised 404 here).
def test_iam_fails_closed(gr):
    r = gr.request("GET", "/iam")
    assert r.status_code == 404
    assert '"type":"MISSING_AUTHENTICATION_TOKEN"' in r.text


# An operation without integration: 500 with DEFAULT_5XX's header.
@pytest.mark.parametrize("path", ["/noint"])
def test_internal_error(gr, path):
    r = gr.request("GET", path)
    assert r.status_code == 500
    assert r.content == INTERNAL
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert r.headers["x-family"] == "5xx"


PATH_API = {
    "swagger": "2.0", "info": {"title": "paths", "version": "1"},
    "paths": {
        "/{proxy+}": {"x-amazon-apigateway-any-method": mock_op(
            '{"path":"$context.path","resource":"$context.resourcePath","proxy":"$input.params(\'proxy\')"}')},
        "/hardcoded": {"get": mock_op(
            '{"path":"$context.path","resource":"$context.resourcePath","proxy":"$input.params(\'proxy\')"}')},
    },
}


@pytest.fixture(scope="module")
def staged(gateway_factory):
    return gateway_factory(PATH_API, stage="stage", stage_prefix=True)


def raw_get(g, path):
    out = g.raw(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, body


# AWS's recorded paths, as $context.path / resourcePath / the proxy parameter show it (README:
# "Behaviour", Routing).
@pytest.mark.parametrize("path,ctx_path,resource,proxy", [
    ("/stage/proxy-value", "/stage/proxy-value", "/{proxy+}", "proxy-value"),
    ("/stage/proxy-value/", "/stage/proxy-value/", "/{proxy+}", "proxy-value"),
    ("/stage/proxy-value//double-slash", "/stage/proxy-value//double-slash", "/{proxy+}", "proxy-value//double-slash"),
    ("//stage/proxy-value", "/stage/proxy-value", "/{proxy+}", "proxy-value"),
    ("/stage//hardcoded", "/stage//hardcoded", "/hardcoded", ""),
    ("/stage/test%2Balias@gmail.com", "/stage/test%2Balias@gmail.com", "/{proxy+}", "test%2Balias@gmail.com"),
])
def test_path_table(staged, path, ctx_path, resource, proxy):
    status, body = raw_get(staged, path)
    assert status == 200, body
    assert json.loads(body) == {"path": ctx_path, "resource": resource, "proxy": proxy}


# With a required stage prefix, another first segment is unknown.
def test_wrong_stage_is_403(staged):
    assert raw_get(staged, "/other/hardcoded") == (403, MISSING_TOKEN)


# --- configuration errors -----------------------------------------------------------------------

def start_raw(plugin_configuration):
    port, admin = free_port(), free_port()
    cfg = apigw.envoy_config(WASM, {}, port, admin, [], address="127.0.0.1")
    wasm = cfg["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"][0]
    wasm["typed_config"]["config"]["configuration"] = plugin_configuration
    return Envoy(cfg, "bad")


# An invalid definition stops Envoy at start, with one line naming operation and field.
def test_invalid_definition_stops_envoy():
    bad = json.loads(json.dumps(PATH_API))
    bad["paths"]["/hardcoded"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"]["statusCode"] = "abc"
    e = start_raw({"@type": "type.googleapis.com/google.protobuf.StringValue", "value": json.dumps({"api": bad})})
    try:
        assert e.wait_exit() == 1
        logs = e.logs()
        assert ('invalid definition: GET /hardcoded: field x-amazon-apigateway-integration.responses.default.statusCode: '
                '"abc" is not a status code 100-599') in logs
        assert "Unable to create Wasm plugin apigateway" in logs or "Failed to configure" in logs
    finally:
        e.stop()


# A google.protobuf.Struct arrives as protobuf bytes: refused with a clear message.
def test_struct_configuration_is_refused():
    e = start_raw({"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"api": PATH_API}})
    try:
        assert e.wait_exit() == 1
        assert "must be JSON text (a google.protobuf.StringValue" in e.logs()
    finally:
        e.stop()


# `make run`'s generator refuses a bad file before Envoy starts, and accepts the demo.
def test_run_generator_checks_definitions(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"openapi": "3.0.1", "paths": {"/a/{x}.json": {"get": mock_op("{}")}}}))
    args = [sys.executable, f"{ROOT}/scripts/run.py", "--wasm", WASM, "--checker", CHECKER, "--envoy", ENVOY,
            "--generate-only", "--out", str(tmp_path / "out")]
    r = subprocess.run(args + ["--api", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "mixes text and a {variable}" in r.stderr
    r = subprocess.run(args + ["--api", str(tmp_path / "missing.yaml")], capture_output=True, text=True)
    assert r.returncode == 2 and "cannot read" in r.stderr
    r = subprocess.run(args + ["--api", f"{ROOT}/envoy/demo-api.yaml"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    v = subprocess.run([ENVOY, "--mode", "validate", "-c", r.stdout.strip()], capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr
