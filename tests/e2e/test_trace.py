"""The execution trace (README: "Execution trace") from a real `make run TRACE=1`: the command the
Makefile runs (`make -n run TRACE=1 ...`), its standard output read line by line. One MOCK and one
HTTP request (templates on both sides, against the echo backend's fixed /status/200 answer) are
asserted line by line, exactly; only the integration latency is a pattern. Without TRACE nothing
of the trace is written anywhere."""

import json
import os
import platform
import re
import signal
import subprocess
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
from conftest import ROOT, free_port
from conftest_http import EchoBackend
from test_make_run import make_run_command, stop, wait_serving

API = {
    "openapi": "3.0.1",
    "info": {"title": "trace", "version": "1"},
    "paths": {
        "/pets/{id}": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": "{\"id\": \"$input.params('id')\"}"}}}}}},
        "/orders": {"post": {"x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "POST", "uri": "http://${stageVariables.backend}/status/200",
            "requestTemplates": {"application/json": "{\"name\": $input.json('$.name')}"},
            "passthroughBehavior": "never",
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": "{\"saved\": $input.json('$.status')}"}}}}}},
    },
}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def start(tmp_path, echo, trace):
    """`make run` serving API (its command as make prints it), standard output and error apart."""
    api = tmp_path / "trace-api.json"
    api.write_text(json.dumps(API))
    port = free_port()
    variables = dict(API=str(api), PORT=port, STAGE_VARIABLES=f"backend={echo.authority}", LOCAL_SERVICES="no",
                     LOCAL_LAMBDA="no")
    if trace:
        variables["TRACE"] = "1"
    out, err = tmp_path / f"stdout-{port}", tmp_path / f"stderr-{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(["bash", "-c", make_run_command(**variables) + f" --out {tmp_path / str(port)}"],
                            cwd=ROOT, env=env, stdout=open(out, "w"), stderr=open(err, "w"), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_serving(proc, url, err, path="/pets/1")
    return proc, url, out, err


def lines_of(path, request_id, count, timeout=10):
    """The `count` lines of `request_id` in `path` (Envoy writes them as the request ends)."""
    prefix = f"({request_id}) "
    deadline = time.time() + timeout
    while True:
        with open(path, encoding="utf-8") as f:
            got = [line.rstrip("\n")[len(prefix):] for line in f if line.startswith(prefix)]
        if len(got) >= count or time.time() > deadline:
            return got
        time.sleep(0.1)


def test_trace_lines_on_make_run_stdout(tmp_path):
    echo = EchoBackend()
    proc, url, out, err = start(tmp_path, echo, trace=True)
    try:
        ua = requests.utils.default_user_agent()
        host = url.removeprefix("http://")
        r = requests.get(url + "/pets/7?q=a", headers={"Accept": "application/json", "X-Api-Key": "0123456789abcdefghij"},
                         timeout=10)
        assert (r.status_code, r.content) == (200, b'{"id": "7"}')
        rid, ext = r.headers["x-amzn-RequestId"], r.headers["x-amz-apigw-id"]
        assert re.fullmatch(UUID, rid), rid
        assert lines_of(out, rid, 11) == [
            f"Extended Request Id: {ext}",
            f"Starting execution for request: {rid}",
            "HTTP Method: GET, Resource Path: /pets/7",
            "Method request path: {id=7}",
            "Method request query string: {q=a}",
            f"Method request headers: {{Host={host}, user-agent={ua}, accept-encoding=gzip, deflate, "
            f"accept=application/json, x-api-key=**************efghij, x-forwarded-proto=http}}",
            "Method request body before transformations: ",
            'Method response body after transformations: {"id": "7"}',
            f"Method response headers: {{content-type=application/json, x-amzn-RequestId={rid}, x-amz-apigw-id={ext}}}",
            "Successfully completed execution",
            "Method completed with status: 200",
        ]

        r = requests.post(url + "/orders", json={"name": "rex"}, timeout=10)
        assert (r.status_code, r.content) == (200, b'{"saved": 200}')
        rid, ext = r.headers["x-amzn-RequestId"], r.headers["x-amz-apigw-id"]
        got = lines_of(out, rid, 18)
        latency = got[11] if len(got) > 11 else ""
        assert re.fullmatch(r"Received response\. Status: 200, Integration latency: \d+ ms", latency), got
        backend = f"http://{echo.authority}/status/200"
        server = f"EchoBackend/1 Python/{platform.python_version()}"
        assert got == [
            f"Extended Request Id: {ext}",
            f"Starting execution for request: {rid}",
            "HTTP Method: POST, Resource Path: /orders",
            "Method request path: {}",
            "Method request query string: {}",
            f"Method request headers: {{Host={host}, user-agent={ua}, accept-encoding=gzip, deflate, accept=*/*, "
            f"content-length=15, content-type=application/json, x-forwarded-proto=http}}",
            'Method request body before transformations: {"name": "rex"}',
            f"Endpoint request URI: {backend}",
            "Endpoint request headers: {accept=application/json, user-agent=AmazonAPIGateway_local, "
            "content-type=application/json, x-amzn-apigateway-api-id=local}",
            'Endpoint request body after transformations: {"name": "rex"}',
            f"Sending request to {backend}",
            latency,
            f"Endpoint response headers: {{server={server}, content-type=application/json, set-cookie=a=1; Path=/,b=2; "
            f"Path=/, date=Mon, 01 Jan 2024 00:00:00 GMT, x-backend=echo, www-authenticate=Basic realm=\"echo\", "
            f"content-length=38}}",
            'Endpoint response body before transformations: {"status": 200, "path": "/status/200"}',
            'Method response body after transformations: {"saved": 200}',
            f"Method response headers: {{content-type=application/json, x-amzn-RequestId={rid}, x-amz-apigw-id={ext}}}",
            "Successfully completed execution",
            "Method completed with status: 200",
        ]
        # Envoy's own log lines stay on standard error; no trace line goes there.
        assert f"({rid})" not in err.read_text()
    finally:
        stop(proc)
        echo.stop()


def test_no_trace_without_trace(tmp_path):
    echo = EchoBackend()
    proc, url, out, err = start(tmp_path, echo, trace=False)
    try:
        r = requests.get(url + "/pets/7", timeout=10)
        r2 = requests.post(url + "/orders", json={"name": "rex"}, timeout=10)
        assert (r.status_code, r2.status_code) == (200, 200)
        time.sleep(1)
        written = out.read_text() + err.read_text()
        for rid in (r.headers["x-amzn-RequestId"], r2.headers["x-amzn-RequestId"]):
            assert rid not in written
        assert not re.search(r"\(" + UUID + r"\) ", written), written
        assert "Execution trace on" not in written
    finally:
        stop(proc)
        echo.stop()
