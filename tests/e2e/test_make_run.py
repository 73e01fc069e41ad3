"""`make run` twice on one machine: two gateways (scripts/run.py as the Makefile calls it, default
admin port and output directory) serve the demo at once, each with its own Envoy, files and local
services. `make run API_ID=... ACCOUNT_ID=... REGION=...`: the command the Makefile runs (`make -n`)
serves a definition whose `$context`, Lambda event and method ARNs carry them."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
from conftest import CHECKER, ENVOY, ROOT, WASM, apigw, free_port
from served import Served


def start_run(port, log):
    """scripts/run.py with the arguments `make run PORT=<port>` passes (ADMIN_PORT left empty), in its
    own process group so that stopping it is Ctrl-C to all it started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    args = [sys.executable, "scripts/run.py", "--api", "envoy/demo-api.yaml", "--port", str(port), "--admin-port", "",
            "--stage", "prod", "--stage-variables", "", "--stage-prefix", "optional", "--cfn-params", "",
            "--local-lambda", "auto", "--local-services", "auto", "--wasm", WASM, "--checker", CHECKER,
            "--envoy", ENVOY]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_serving(proc, url, log_path, timeout=90, path="/pets"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            r = requests.get(url + path, timeout=2)
            if r.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        raise AssertionError(f"{url} not serving (exit {proc.poll()}):\n{f.read()}")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# Both serve every demo route type, with their own admin port and generated files.
def test_two_make_runs_serve_at_once():
    ports = [free_port(), free_port()]
    while ports[0] == ports[1]:
        ports[1] = free_port()
    logs = [tempfile.NamedTemporaryFile("w+", prefix=f"make-run-{p}-", suffix=".log", delete=False) for p in ports]
    procs = [start_run(p, log) for p, log in zip(ports, logs)]
    try:
        for proc, port, log in zip(procs, ports, logs):
            wait_serving(proc, f"http://127.0.0.1:{port}", log.name)
        admins = []
        for proc, port, log in zip(procs, ports, logs):
            url = f"http://127.0.0.1:{port}"
            r = requests.get(url + "/pets/7", timeout=10)
            assert (r.status_code, r.content) == (200, b'{"id": "7", "type": "dog", "stage": "prod"}')
            assert r.headers["content-type"] == "application/json"
            r = requests.get(url + "/prod/hello?name=you", timeout=10)
            assert (r.status_code, r.json()) == (200, {"message": "Hello, you!", "path": "/hello"})
            r = requests.put(url + "/backend/things/1?x=1", data=b"payload", headers={"content-type": "text/plain"},
                             timeout=10)
            assert r.status_code == 200
            assert (r.json()["method"], r.json()["path"], r.json()["body"]) == ("PUT", "/things/1?x=1", "payload")
            r = requests.get(url + "/no/such/thing", timeout=10)
            assert (r.status_code, r.content) == (403, b'{"message":"Missing Authentication Token"}')
            out = os.path.join(ROOT, "build", "run", str(port))
            assert sorted(os.listdir(out)) == ["clusters.json", "envoy.json", "filter.json", "jwt-authn.json",
                                              "plugin-config.json"]
            with open(log.name, encoding="utf-8") as f:
                banner = f.read()
            # The demo's Cognito route: each run its own pool in its own moto, the token in its banner.
            token = re.search(r"-H 'Authorization: ([A-Za-z0-9_.-]+)' http://localhost:\d+/me", banner)
            assert token, banner
            r = requests.get(url + "/me", headers={"Authorization": token.group(1)}, timeout=10)
            assert r.status_code == 200, r.text
            assert (r.json()["username"], r.json()["role"]) == ("demo", "admin")
            r = requests.get(url + "/me", timeout=10)
            assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
            admin = re.search(r"Envoy admin: http://127\.0\.0\.1:(\d+)", banner)
            assert admin, banner
            assert f"Serving envoy/demo-api.yaml (stage 'prod') on http://localhost:{port}" in banner
            admins.append(int(admin.group(1)))
            assert requests.get(f"http://127.0.0.1:{admins[-1]}/ready", timeout=5).text == "LIVE\n"
        assert admins[0] != admins[1]
    finally:
        for proc in procs:
            stop(proc)
        for log in logs:
            log.close()
            os.unlink(log.name)
        for port in ports:
            shutil.rmtree(os.path.join(ROOT, "build", "run", str(port)), ignore_errors=True)
    # Ctrl-C stops each cleanly, its Envoy and local services with it.
    assert [p.returncode for p in procs] == [0, 0]
    for port in ports:
        try:
            requests.get(f"http://127.0.0.1:{port}/pets", timeout=2)
            raise AssertionError(f"port {port} still answers")
        except requests.ConnectionError:
            pass


# --- API_ID, ACCOUNT_ID, REGION ---------------------------------------------------------------------

def make_run_command(**variables):
    """The shell command `make run NAME=value ...` runs, as make prints it (`make -n`: nothing is
    built or started), with this test's WASM, CHECKER and ENVOY."""
    args = ["make", "-s", "-n", "run", f"WASM={WASM}", f"CHECKER={CHECKER}", f"ENVOY={ENVOY}", f"PY={sys.executable}"]
    out = subprocess.run(args + [f"{k}={v}" for k, v in variables.items()], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    start = next(i for i, line in enumerate(out) if "scripts/run.py" in line)
    end = start
    while out[end].endswith("\\"):
        end += 1
    return "\n".join(out[start:end + 1])


def generate(tmp_path, name, **variables):
    """`make run` with --generate-only: the plugin configuration it writes (None when it refuses)."""
    out = tmp_path / name
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    r = subprocess.run(["bash", "-c", make_run_command(**variables) + f" --generate-only --out {out}"],
                       cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return r
    with open(out / "plugin-config.json", encoding="utf-8") as f:
        return json.load(f)


# Empty is the default: the plugin configuration names no apiId or accountId (the filter's own
# defaults, local and 123456789012) and region us-east-1 (without AWS_REGION), exactly as before
# the variables existed. Set, they reach the deployment; a value that could not stand in an ARN
# stops make run with exit code 2.
def test_make_run_ids_in_the_configuration(tmp_path):
    default = generate(tmp_path, "default", LOCAL_SERVICES="no")
    assert ("apiId" not in default, "accountId" not in default, default["region"]) == (True, True, "us-east-1")
    empty = generate(tmp_path, "empty", LOCAL_SERVICES="no", API_ID="", ACCOUNT_ID="", REGION="")
    assert empty == default
    cfg = generate(tmp_path, "set", LOCAL_SERVICES="no", API_ID="abc123defg", ACCOUNT_ID="111122223333",
                   REGION="eu-west-1")
    assert (cfg["apiId"], cfg["accountId"], cfg["region"]) == ("abc123defg", "111122223333", "eu-west-1")
    assert cfg["targets"]["lambda"]["authority"] == "lambda.eu-west-1.amazonaws.com"
    for name, value in (("API_ID", "a/b"), ("ACCOUNT_ID", "1:2"), ("REGION", "eu west")):
        r = generate(tmp_path, name, LOCAL_SERVICES="no", **{name: value})
        assert r.returncode == 2 and f"{name} {value!r}: letters, digits" in r.stderr, r.stderr


IDS_API = {
    "openapi": "3.0.1", "info": {"title": "ids", "version": "1"},
    # Everything is open but GET /private, whose refusal quotes its method ARN.
    "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/private"},
    ]},
    "paths": {
        "/ctx": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": '{"apiId":"$context.apiId","accountId":"$context.accountId"}'}}}}}},
        "/private": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}}}}},
        # envoy/functions/hello.py, served by make run's local Invoke API; the function ARN in
        # CloudFormation's pseudo parameters, as exports often leave it.
        "/hello": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                   "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:hello/invocations"}}},
    },
}


# `make run API_ID=abc123defg ACCOUNT_ID=111122223333 REGION=eu-west-1` serves a definition whose
# $context.apiId/accountId, Lambda proxy event and method ARN (in a resource policy's refusal)
# carry them, and whose ${AWS::Region}/${AWS::AccountId} are them.
def test_make_run_api_id_account_id_region(tmp_path):
    api = tmp_path / "ids.json"
    api.write_text(json.dumps(IDS_API))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = make_run_command(API=str(api), PORT=port, API_ID="abc123defg", ACCOUNT_ID="111122223333",
                               REGION="eu-west-1")
    served = Served(["bash", "-c", command], port, env)
    url = served.url
    try:
        wait_serving(served.proc, url, served.log.name, path="/ctx")
        r = requests.get(url + "/prod/ctx", timeout=10)
        assert (r.status_code, r.content) == (200, b'{"apiId":"abc123defg","accountId":"111122223333"}')
        r = requests.get(url + "/private", timeout=10)
        assert (r.status_code, r.headers["x-amzn-ErrorType"], r.content) == (403, "AccessDeniedException", (
            b'{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: '
            b'arn:aws:execute-api:eu-west-1:111122223333:abc123defg/prod/GET/private with an explicit deny"}'))
        r = requests.get(url + "/hello?name=ids", timeout=10)
        assert (r.status_code, r.json()) == (200, {"message": "Hello, ids!", "path": "/hello"})
        lambda_port = re.search(r"served locally on 127\.0\.0\.1:(\d+)", served.output()).group(1)
        [call] = requests.get(f"http://127.0.0.1:{lambda_port}/_recorded?detail=1", timeout=5).json()
        assert call["path"] == ("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111122223333%3Afunction%3Ahello"
                                "/invocations")
        context = call["event"]["requestContext"]
        assert (context["apiId"], context["accountId"]) == ("abc123defg", "111122223333")
    finally:
        served.stop()
    assert served.proc.returncode == 0


def signed_get(url, access_key, secret):
    """A GET signed by botocore as an AWS SDK signs an execute-api call (us-east-1, the demo's region)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(access_key, secret), "execute-api", "us-east-1").add_auth(req)
    return requests.get(url, headers=dict(req.headers), timeout=10)


# `make run IAM_KEYS=envoy/iam-keys.example.json` on the demo API: its protected routes as the README
# shows them. /secret runs the demo's Lambda TOKEN authorizer (envoy/functions/token_authorizer.py) on
# the local Invoke API; /iam verifies botocore's signature against the key file.
def test_make_run_demo_protected_routes():
    with open(os.path.join(ROOT, "envoy/iam-keys.example.json"), encoding="utf-8") as f:
        [demo_key] = json.load(f)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = make_run_command(API="envoy/demo-api.yaml", PORT=port, IAM_KEYS="envoy/iam-keys.example.json")
    served = Served(["bash", "-c", command], port, env)
    url = served.url
    try:
        wait_serving(served.proc, url, served.log.name)
        r = requests.get(url + "/secret", headers={"Authorization": "allow"}, timeout=10)
        assert (r.status_code, r.content) == (200, b'{"principalId": "demo-user", "plan": "gold"}')
        # The demo customises DEFAULT_4XX (a header only), so ACCESS_DENIED takes its default
        # template, `{"message":$context.error.messageString}`: lower-case, unlike AWS's own default.
        r = requests.get(url + "/secret", headers={"Authorization": "deny"}, timeout=10)
        assert (r.status_code, r.headers["x-amzn-ErrorType"], r.content) == (
            403, "AccessDeniedException",
            b'{"message":"User is not authorized to access this resource with an explicit deny"}')
        for headers in ({}, {"Authorization": "nobody"}):
            r = requests.get(url + "/secret", headers=headers, timeout=10)
            assert (r.status_code, r.headers["x-amzn-ErrorType"], r.content) == (
                401, "UnauthorizedException", b'{"message":"Unauthorized"}')
        r = signed_get(url + "/iam", demo_key["accessKeyId"], demo_key["secretAccessKey"])
        assert (r.status_code, r.content) == (200, b'{"caller": "arn:aws:iam::123456789012:user/demo"}')
        r = signed_get(url + "/iam", "AKIAUNKNOWNEXAMPLE01", "whatever")
        assert (r.status_code, r.headers["x-amzn-ErrorType"], r.content) == (
            403, "UnrecognizedClientException", b'{"message":"The security token included in the request is invalid."}')
        r = requests.get(url + "/iam", timeout=10)
        assert (r.status_code, r.headers["x-amzn-ErrorType"], r.content) == (
            403, "MissingAuthenticationTokenException", b'{"message":"Missing Authentication Token"}')
    finally:
        served.stop()
    assert served.proc.returncode == 0


# --- STAGE_SETTINGS -------------------------------------------------------------------------------

GET_STAGE = {"stageName": "prod", "deploymentId": "rbh1fj", "cacheClusterEnabled": False,
             "methodSettings": {"*/*": {"throttlingBurstLimit": 1000, "throttlingRateLimit": 500.0,
                                        "loggingLevel": "INFO", "metricsEnabled": True},
                                "~1pets~1{petId}/GET": {"throttlingBurstLimit": 5, "throttlingRateLimit": 2.5}},
             "tracingEnabled": False, "createdDate": 1460682074, "lastUpdatedDate": 1466802961}


# `make run STAGE_SETTINGS=<file>` (or the JSON itself) passes the `aws apigateway get-stage` output
# unchanged as the plugin configuration's stageSettings; empty is none; a file the filter cannot
# use stops make run with exit code 2 and the checker's line naming the key and the field.
def test_make_run_stage_settings(tmp_path):
    path = tmp_path / "stage.json"
    path.write_text(json.dumps(GET_STAGE))
    assert generate(tmp_path, "file", LOCAL_SERVICES="no", STAGE_SETTINGS=str(path))["stageSettings"] == GET_STAGE
    assert generate(tmp_path, "text", LOCAL_SERVICES="no",
                    STAGE_SETTINGS=json.dumps(GET_STAGE))["stageSettings"] == GET_STAGE
    assert "stageSettings" not in generate(tmp_path, "none", LOCAL_SERVICES="no", STAGE_SETTINGS="")
    bad = dict(GET_STAGE, methodSettings={"~1pets~1{id}/GET": {"throttlingRateLimit": 1}})
    path.write_text(json.dumps(bad))
    r = generate(tmp_path, "bad", LOCAL_SERVICES="no", STAGE_SETTINGS=str(path))
    assert r.returncode == 2, r.stderr
    assert ('error: invalid definition: deployment "prod": field stageSettings.methodSettings.~1pets~1{id}/GET: '
            'no method GET /pets/{id} in the definition') in r.stderr
    r = generate(tmp_path, "missing", LOCAL_SERVICES="no", STAGE_SETTINGS=str(tmp_path / "none.json"))
    assert r.returncode == 2 and "make run: STAGE_SETTINGS: [Errno 2] No such file or directory" in r.stderr, r.stderr


# `make run GLOBAL_RATE_LIMIT=<host:port>`: an HTTP/2 cluster for the rate limit service, Envoy's
# ratelimit filter asking it between the filter and its second instance, and the plugin
# configuration's globalRateLimit saying so; a value that is not host:port stops make run.
def test_make_run_global_rate_limit(tmp_path):
    cfg = generate(tmp_path, "global", LOCAL_SERVICES="no", GLOBAL_RATE_LIMIT="127.0.0.1:8081")
    assert cfg["globalRateLimit"] == {"via": "ratelimitFilter", "cluster": "apigw_ratelimit"}
    with open(tmp_path / "global" / "envoy.json", encoding="utf-8") as f:
        inlined = apigw.inlined(json.load(f))
    clusters = {c["name"]: c for c in inlined["static_resources"]["clusters"]}
    hcm = inlined["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    chain = [(f["name"], f["typed_config"].get("config", {}).get("configuration", {}).get("value", ""))
             for f in hcm["http_filters"]]
    assert [name for name, _ in chain][-4:] == ["envoy.filters.http.wasm", "envoy.filters.http.ratelimit",
                                                "envoy.filters.http.wasm", "envoy.filters.http.router"]
    assert chain[-2][1] == apigw.RESUME_CONFIGURATION
    ratelimit = hcm["http_filters"][-3]["typed_config"]
    assert ratelimit["rate_limit_service"]["grpc_service"] == {"envoy_grpc": {"cluster_name": "apigw_ratelimit"}}
    assert hcm["route_config"]["virtual_hosts"][0]["routes"][0]["route"]["rate_limits"] == apigw.rate_limit_actions()
    rls = clusters["apigw_ratelimit"]
    assert rls["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"] == {
        "socket_address": {"address": "127.0.0.1", "port_value": 8081}}
    options = rls["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert options["explicit_http_config"] == {"http2_protocol_options": {}}
    assert "globalRateLimit" not in generate(tmp_path, "local", LOCAL_SERVICES="no")
    r = generate(tmp_path, "bad", LOCAL_SERVICES="no", GLOBAL_RATE_LIMIT="nowhere")
    assert r.returncode == 2 and "make run: GLOBAL_RATE_LIMIT 'nowhere' is not host:port" in r.stderr, r.stderr


# --- ENVOY_FLAGS ----------------------------------------------------------------------------------

PING_API = {"openapi": "3.0.1", "info": {"title": "ping", "version": "1"}, "paths": {"/ping": {"get": {
    "responses": {"200": {"description": "200 response"}},
    "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                                        "responses": {"default": {"statusCode": "200"}}}}}}}


# `make run ENVOY_FLAGS='--concurrency 1 --drain-time-s 3'` passes the words to Envoy after its own
# flags (benchmarks outside the repository pin the worker count this way): Envoy's /server_info
# shows them; the gateway serves as without them.
def test_make_run_envoy_flags(tmp_path):
    api = tmp_path / "ping.json"
    api.write_text(json.dumps(PING_API))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = make_run_command(API=str(api), PORT=port, LOCAL_SERVICES="no", LOCAL_LAMBDA="no",
                               ENVOY_FLAGS="--concurrency 1 --drain-time-s 3")
    assert "--envoy-flags '--concurrency 1 --drain-time-s 3'" in command, command
    served = Served(["bash", "-c", command], port, env)
    url = served.url
    try:
        wait_serving(served.proc, url, served.log.name, path="/ping")
        r = requests.get(url + "/ping", timeout=10)
        assert (r.status_code, r.content) == (200, b"")
        admin = re.search(r"Envoy admin: http://127\.0\.0\.1:(\d+)", served.output())
        assert admin
        options = requests.get(f"http://127.0.0.1:{admin.group(1)}/server_info", timeout=5).json()[
            "command_line_options"]
        assert (options["concurrency"], options["drain_time"]) == (1, "3s")
    finally:
        served.stop()
    assert served.proc.returncode == 0
