"""Access logs in the stage's own format (README: "Access logs"), written by Envoy's own file
access logger from the line the filter leaves in the request's filter state: exact lines for a
MOCK, a 403 gateway response, an HTTP integration (the echo backend) and an AWS_PROXY integration
(the local Invoke API running a real handler), in a custom format and in AWS's CLF preset; and the
same through a real `make run ACCESS_LOG=... ACCESS_LOG_FORMAT=...`."""

import base64
import json
import os
import re
import uuid
import shutil
import sys
import tempfile
import time

import pytest
import requests

from conftest import CHECKER, ENVOY, WASM, Envoy, Gateway, LambdaServer, apigw, free_port
from served import Served

FN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REQUEST_TIME = r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000"


def api(echo_origin):
    mock = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": '{"pet": "dog"}'}}}}
    http = {"type": "http", "httpMethod": "GET", "uri": f"{echo_origin}/things",
            "responses": {"default": {"statusCode": "200"}}}
    return {
        "openapi": "3.0.1", "info": {"title": "logs", "version": "1"},
        "paths": {
            "/pets/{id}": {"get": {"x-amazon-apigateway-integration": mock}},
            "/things": {"get": {"x-amazon-apigateway-integration": http}},
            "/fn": {"post": {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("status")}}},
            "/guarded": {"get": {"security": [{"tok": []}], "x-amazon-apigateway-integration": mock}},
        },
        "components": {"securitySchemes": {"tok": {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN.format("authorizer"),
                                               "authorizerResultTtlInSeconds": 300}}}},
    }


CUSTOM = ('$context.requestId $context.extendedRequestId $context.httpMethod $context.resourcePath '
          '$context.path $context.stage $context.status $context.responseLength "$context.identity.sourceIp" '
          '$context.identity.caller ist=$context.integration.status is=$context.integrationStatus '
          'ir=$context.integration.requestId et=$context.error.responseType em="$context.error.message" '
          'lat=$context.responseLatency il=$context.integrationLatency.')


class Logged:
    """A gateway whose access log Envoy writes to a file."""

    def __init__(self, fmt, lam, echo):
        port, admin = free_port(), free_port()
        self.dir = tempfile.mkdtemp(prefix="apigw-access-log-")
        self.path = os.path.join(self.dir, "access.log")
        cfg = apigw.plugin_config(api(echo.origin), "prod", {}, False, origins_to_clusters={echo.origin: "echo"},
                                  lambda_url=lam.url, extra={"accessLog": {"format": fmt}})
        clusters = [apigw.cluster("echo", echo.url), apigw.cluster("lambda", lam.url)]
        config = apigw.envoy_config(WASM, cfg, port, admin, clusters, address="127.0.0.1", access_log_path=self.path)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.envoy = Envoy(config, name="access-log", env=env, extra_args=["--file-flush-interval-msec", "50"])
        self.envoy.wait_ready()
        self.gw = Gateway(self.envoy, port)
        self.seen = 0

    def next_line(self, timeout=5):
        """The next line Envoy wrote."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(self.path):
                with open(self.path, encoding="utf-8") as f:
                    lines = f.read().splitlines()
                if len(lines) > self.seen:
                    self.seen += 1
                    assert len(lines) == self.seen, lines
                    return lines[self.seen - 1]
            time.sleep(0.05)
        raise AssertionError(f"no access log line in {timeout}s:\n{self.envoy.logs()}")

    def stop(self):
        self.envoy.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def peers():
    from conftest_http import EchoBackend
    lam, echo = LambdaServer(), EchoBackend()
    yield lam, echo
    lam.stop()
    echo.stop()


@pytest.fixture(scope="module")
def custom(peers):
    g = Logged(CUSTOM, *peers)
    yield g
    g.stop()


def ids(r):
    return r.headers["x-amzn-RequestId"], r.headers["x-amz-apigw-id"]


def check(line, pattern):
    assert re.fullmatch(pattern, line), f"{line!r}\n !~ {pattern!r}"


# A MOCK: no integration call (its variables print `-`), the template's body length.
def test_mock_line(custom):
    r = custom.gw.request("GET", "/pets/7", headers={"content-type": "application/json"})
    assert (r.status_code, r.content) == (200, b'{"pet": "dog"}')
    rid, xid = ids(r)
    check(custom.next_line(), re.escape(
        f'{rid} {xid} GET /pets/{{id}} /pets/7 prod 200 14 "127.0.0.1" - ist=- is=- ir=- et=- em="-" lat=')
        + r"\d+ il=-\.")


# A 403 gateway response: no resource (`-`), the response type and message of AWS's answer.
def test_missing_authentication_token_line(custom):
    r = custom.gw.request("GET", "/no/such")
    assert (r.status_code, r.content) == (403, b'{"message":"Missing Authentication Token"}')
    rid, xid = ids(r)
    check(custom.next_line(), re.escape(
        f'{rid} {xid} GET - /no/such prod 403 42 "127.0.0.1" - ist=- is=- '
        f'ir=- et=MISSING_AUTHENTICATION_TOKEN em="Missing Authentication Token" lat=') + r"\d+ il=-\.")


# An HTTP integration: the backend's status as both integration statuses, its latency; no AWS id.
def test_http_integration_line(custom):
    r = custom.gw.request("GET", "/things")
    assert r.status_code == 200
    rid, xid = ids(r)
    check(custom.next_line(), re.escape(
        f'{rid} {xid} GET /things /things prod 200 {len(r.content)} "127.0.0.1" - ist=200 is=200 ir=- et=- em="-" lat=')
        + r"\d+ il=\d+\.")


# AWS_PROXY: integration.status is the function's statusCode, integrationStatus the Invoke API's,
# integration.requestId the Invoke API's x-amzn-RequestId.
def test_lambda_proxy_line(custom):
    r = custom.gw.request("POST", "/fn", data=b'{"statusCode": 201, "body": "made"}')
    assert (r.status_code, r.content) == (201, b"made")
    rid, xid = ids(r)
    check(custom.next_line(), re.escape(
        f'{rid} {xid} POST /fn /fn prod 201 4 "127.0.0.1" - ist=201 is=200 ir=') + UUID
        + re.escape(' et=- em="-" lat=') + r"\d+ il=\d+\.")
    # A broken answer: 502, the gateway response's type; the function's status is unknown.
    r = custom.gw.request("POST", "/fn", data=b'"not a proxy answer"')
    assert (r.status_code, r.content) == (502, b'{"message": "Internal server error"}')
    rid, xid = ids(r)
    check(custom.next_line(), re.escape(
        f'{rid} {xid} POST /fn /fn prod 502 36 "127.0.0.1" - ist=- is=200 ir=') + UUID
        + re.escape(' et=DEFAULT_5XX em="Internal server error" lat=') + r"\d+ il=\d+\.")


CLF = ('$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] '
       '"$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength '
       '$context.requestId')


# AWS's CLF preset, by name and as its text: the same lines.
@pytest.mark.parametrize("fmt", ["CLF", CLF])
def test_clf_preset(peers, fmt):
    g = Logged(fmt, *peers)
    try:
        r = g.gw.request("GET", "/pets/1", headers={"content-type": "application/json"})
        rid, _ = ids(r)
        check(g.next_line(), re.escape("127.0.0.1 - - [") + REQUEST_TIME
              + re.escape(f'] "GET /pets/{{id}} HTTP/1.1" 200 14 {rid}'))
        r = g.gw.request("GET", "/nope")
        check(g.next_line(), re.escape("127.0.0.1 - - [") + REQUEST_TIME
              + re.escape(f'] "GET - HTTP/1.1" 403 42 {ids(r)[0]}'))
        r = g.gw.request("POST", "/fn", data=b'{"statusCode": 200, "body": "{}"}')
        check(g.next_line(), re.escape("127.0.0.1 - - [") + REQUEST_TIME
              + re.escape(f'] "POST /fn HTTP/1.1" 200 2 {ids(r)[0]}'))
    finally:
        g.stop()


class MakeRun(Served):
    """A real `make run NAME=value ...` (as a shell passes each argument), stopped with Ctrl-C."""

    def __init__(self, **variables):
        port, admin = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("MAKEFLAGS", "MFLAGS")}
        args = ["make", "-s", "run", f"PORT={port}", f"ADMIN_PORT={admin}", f"WASM={WASM}", f"CHECKER={CHECKER}",
                f"ENVOY={ENVOY}", f"PY={sys.executable}"] + [f"{k}={v}" for k, v in variables.items()]
        super().__init__(args, port, env, prefix="make-run-access-")
        deadline = time.time() + 120
        while time.time() < deadline and self.proc.poll() is None:
            try:
                # The first request: it is logged too (its line comes first).
                self.probe = requests.get(self.url + "/pets", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.3)
        output = self.output()
        self.stop()
        raise AssertionError(f"make run did not serve:\n{output}")


def lines_of(path, count, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline and (not path.exists() or len(path.read_text().splitlines()) < count):
        time.sleep(0.05)
    return path.read_text().splitlines() if path.exists() else []


# `make run ACCESS_LOG=<file> ACCESS_LOG_FORMAT='<format>'`, as a shell passes it: the format, with
# its `$`, quotes, spaces, commas and `#`, reaches the gateway exactly as typed (make does not expand
# it) and each request appends its line. Without ACCESS_LOG_FORMAT: AWS's JSON preset.
@pytest.mark.parametrize("fmt", ['it\'s "$context.httpMethod $context.resourcePath", $context.status #1 '
                                 '{"id":"$context.requestId"}', ""])
def test_make_run_access_log(tmp_path, fmt):
    path = tmp_path / "access.log"
    run = MakeRun(ACCESS_LOG=str(path), ACCESS_LOG_FORMAT=fmt)
    try:
        r = requests.get(run.url + "/pets", timeout=5)
        r2 = requests.get(run.url + "/no/such", timeout=5)
        assert (r.status_code, r2.status_code) == (200, 403)
        lines = lines_of(path, 3)
        if fmt:
            assert lines == [f'it\'s "GET /pets", 200 #1 {{"id":"{run.probe.headers["x-amzn-RequestId"]}"}}',
                             f'it\'s "GET /pets", 200 #1 {{"id":"{r.headers["x-amzn-RequestId"]}"}}',
                             f'it\'s "GET -", 403 #1 {{"id":"{r2.headers["x-amzn-RequestId"]}"}}'], lines
        else:
            assert len(lines) == 3, lines
            check(lines[2], re.escape(f'{{ "requestId":"{r2.headers["x-amzn-RequestId"]}", "ip": "127.0.0.1", '
                                      '"caller":"-", "user":"-","requestTime":"') + REQUEST_TIME
                  + re.escape('", "httpMethod":"GET", "resourcePath":"-", "status":"403","protocol":"HTTP/1.1", '
                              '"responseLength":"42" }'))
        assert f"Access log: one line per request to {path}" in run.output(), run.output()
    finally:
        run.stop()


# The STAGE_SETTINGS file's accessLogSettings.format (get-stage output) is the format when
# ACCESS_LOG_FORMAT is empty, and a saved change applies while make run serves (README: "Changes
# while it serves"); a format AWS refuses is refused and the previous one keeps logging.
def test_make_run_stage_settings_format_reloads(tmp_path):
    path, stage = tmp_path / "access.log", tmp_path / "stage.json"
    settings = {"stageName": "prod", "accessLogSettings": {"format": "one $context.requestId",
                                                           "destinationArn": "arn:aws:logs:us-east-1:1:log-group:x"}}
    stage.write_text(json.dumps(settings))
    run = MakeRun(ACCESS_LOG=str(path), STAGE_SETTINGS=str(stage))
    try:
        r = requests.get(run.url + "/pets", timeout=5)
        assert lines_of(path, 2) == [f"one {run.probe.headers['x-amzn-RequestId']}", f"one {r.headers['x-amzn-RequestId']}"]
        for fmt, verdict in (("$context.status", "refused:"), ("two $context.requestId", "reloaded:")):
            settings["accessLogSettings"]["format"] = fmt
            tmp = tmp_path / "stage.tmp"
            tmp.write_text(json.dumps(settings))
            os.replace(tmp, stage)
            deadline = time.time() + 10
            while time.time() < deadline and run.output().count(verdict) < 1:
                time.sleep(0.1)
            assert verdict in run.output(), run.output()
        assert "field accessLog.format: must contain $context.requestId" in run.output(), run.output()
        time.sleep(0.3)
        r = requests.get(run.url + "/pets", timeout=5)
        assert lines_of(path, 3)[2:] == [f"two {r.headers['x-amzn-RequestId']}"]
    finally:
        run.stop()

def token(spec):
    """A token tests/e2e/lambda_handlers/authorizer.py answers as `spec` asks."""
    return "T." + base64.urlsafe_b64encode(json.dumps(dict(spec, id=uuid.uuid4().hex)).encode()).decode().rstrip("=")


AUTHORIZER = ('$context.requestId $context.status as=$context.authorizer.status ae="$context.authorizer.error" '
              'p=$context.authorizer.principalId r=$context.authorizer.role al=$context.authorizer.latency')


# A Lambda TOKEN authorizer: admitted (200, its principal and context, the call's latency; from the
# cache 0 ms), refused by the function (401 Unauthorized), and refused without a call (no token).
def test_authorizer_lines(peers):
    g = Logged(AUTHORIZER, *peers)
    try:
        allow = token({"answer": {"principalId": "alice", "context": {"role": "admin"}, "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "$methodArn"}]}}})
        r = g.gw.request("GET", "/guarded", headers={"Authorization": allow, "content-type": "application/json"})
        assert r.status_code == 200, r.content
        check(g.next_line(), re.escape(f'{ids(r)[0]} 200 as=200 ae="-" p=alice r=admin al=') + r"\d+")
        r = g.gw.request("GET", "/guarded", headers={"Authorization": allow, "content-type": "application/json"})
        assert r.status_code == 200
        assert g.next_line() == f'{ids(r)[0]} 200 as=200 ae="-" p=alice r=admin al=0'
        r = g.gw.request("GET", "/guarded", headers={"Authorization": token({"raise": "Unauthorized"})})
        assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
        check(g.next_line(), re.escape(f'{ids(r)[0]} 401 as=401 ae="Unauthorized" p=- r=- al=') + r"\d+")
        r = g.gw.request("GET", "/guarded")
        assert r.status_code == 401
        assert g.next_line() == f'{ids(r)[0]} 401 as=401 ae="Unauthorized" p=- r=- al=0'
    finally:
        g.stop()
