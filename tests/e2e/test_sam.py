"""`make run API=template.yaml` as `sam local start-api` (README: "From `sam local start-api`"):
sam init's hello-world apps (tests/e2e/sam/hello-python, hello-node) and a template with implicit
and explicit APIs, Cors, Globals, Lambda and Cognito authorizers (tests/e2e/sam/full) served by
scripts/run.py as the Makefile runs it: the real Envoy and .wasm, the functions' own code in Python
and Node.js processes behind the local Invoke API, moto's Cognito. Also: a saved handler or template
is served without a restart, and the published definitions of tests/real-apis start when a template
includes them as their repositories do (AWS::Include, DefinitionUri)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(__file__))
from conftest import CHECKER, ENVOY, ROOT, WASM, free_port
from served import Served

SAM = os.path.join(ROOT, "tests/e2e/sam")


class Run(Served):
    """scripts/run.py with the Makefile's arguments for `make run API=<template> PORT=<port>`."""

    def __init__(self, template, cfn_params="", env=None, stage=""):
        port = free_port()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        environ.update(env or {})
        args = [sys.executable, "scripts/run.py", "--api", template, "--port", str(port), "--admin-port", "",
                "--stage", stage, "--stage-variables", "", "--stage-prefix", "optional", "--cfn-params", cfn_params,
                "--local-lambda", "auto", "--local-services", "auto", "--wasm", WASM, "--checker", CHECKER,
                "--envoy", ENVOY]
        super().__init__(args, port, environ, prefix="sam-run-")

    def wait(self, path, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if requests.get(self.url + path, timeout=5).status_code != 503:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise AssertionError(f"not serving (exit {self.proc.poll()}):\n{self.output()}")


@pytest.mark.parametrize("app", ["hello-python", "hello-node"])
def test_sam_init_hello_world(app):
    """sam init's hello-world, Python and Node.js: `sam local start-api` answers /hello with the
    function's body; so does make run, at /hello and at the stage's /Prod/hello."""
    run = Run(os.path.join(SAM, app, "template.yaml"))
    try:
        run.wait("/hello")
        for path in ("/hello", "/Prod/hello"):
            r = requests.get(run.url + path, timeout=10)
            assert (r.status_code, r.content) == (200, b'{"message": "hello world"}' if app == "hello-python"
                                                  else b'{"message":"hello world"}'), r.text
            assert r.headers["content-type"] == "application/json"
        r = requests.get(run.url + "/nothing", timeout=10)
        assert (r.status_code, r.content) == (403, b'{"message":"Missing Authentication Token"}')
        out = run.output()
        assert "Serving " in out and "(stage 'Prod')" in out
        runtime = "python3.12 app.lambda_handler" if app == "hello-python" else "nodejs20.x app.lambdaHandler"
        assert f"  HelloWorldFunction: {runtime} in {os.path.join(SAM, app)}" in out
    finally:
        run.stop()
    assert run.proc.returncode == 0


@pytest.fixture(scope="module")
def full():
    from conftest_http import CognitoIdp

    idp = CognitoIdp()
    run = Run(os.path.join(SAM, "full/template.yaml"), cfn_params=f"UserPool.Arn={idp.pool['Arn']}",
              env={"AWS_ENDPOINT_URL_COGNITO_IDP": idp.url})
    try:
        yield run.wait("/hello"), idp
    finally:
        run.stop()
        idp.stop()


def test_full_banner(full):
    run, _ = full
    out = run.output()
    assert "(ServerlessRestApi at stage 'Prod', SecureApi at stage 'dev')" in out
    assert ("  JavaFunction: java21 example.Handler::handleRequest in " + os.path.join(SAM, "full/java") +
            ", timeout 5 s  -- cannot run here: runtime 'java21' is not available locally (Python and Node.js are); "
            "its routes answer 502") in out


def test_full_python_function_with_globals_and_intrinsics(full):
    run, _ = full
    r = requests.get(run.url + "/hello", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"greeting": "hello", "table": "local-items", "mode": "debug", "az": "us-east-1b",
                        "parts": "a+b+c", "function": "HelloFunction", "path": "/hello", "resource": "/hello",
                        "stage": "Prod", "pathParameters": None, "query": None}
    r = requests.get(run.url + "/Prod/items/7?verbose=1", timeout=10)
    assert r.status_code == 200, r.text
    assert (r.json()["resource"], r.json()["pathParameters"], r.json()["query"]) == (
        "/items/{id}", {"id": "7"}, {"verbose": "1"})
    r = requests.delete(run.url + "/any/x/y", timeout=10)
    assert (r.status_code, r.json()["resource"], r.json()["pathParameters"]) == (200, "/any/{proxy+}", {"proxy": "x/y"})


def test_full_cors_preflight(full):
    run, _ = full
    r = requests.options(run.url + "/hello", headers={"Origin": "https://dev.example.com",
                                                     "Access-Control-Request-Method": "GET"}, timeout=10)
    assert (r.status_code, r.content) == (200, b"{}\n")
    assert (r.headers["Access-Control-Allow-Origin"], r.headers["Access-Control-Allow-Headers"],
            r.headers["Access-Control-Allow-Methods"]) == ("https://dev.example.com", "Content-Type,Authorization,X-User",
                                                           "GET,OPTIONS")
    r = requests.options(run.url + "/any/a", timeout=10)
    assert r.headers["Access-Control-Allow-Methods"] == "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
    # The explicit API's preflight is not behind its default authorizer (AddDefaultAuthorizerToCorsPreflight: false).
    r = requests.options(run.url + "/secret", timeout=10)
    assert (r.status_code, r.headers["Access-Control-Allow-Methods"]) == (200, "GET,OPTIONS")


def test_full_node_function(full):
    run, _ = full
    r = requests.post(run.url + "/node", json={"a": 1}, timeout=10)
    assert r.status_code == 201, r.text
    assert (r.headers["content-type"], r.headers["x-function"]) == ("application/json", "NodeFunction")
    assert r.content == b'{"greeting":"hello from node","echo":{"a":1},"method":"POST"}'


def test_full_timeout_and_unavailable_runtime_answer_502(full):
    run, _ = full
    started = time.time()
    r = requests.get(run.url + "/slow", timeout=10)
    assert (r.status_code, r.content) == (502, b'{"message": "Internal server error"}')
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert 0.9 < time.time() - started < 2.5  # the function's Timeout: 1 s
    r = requests.get(run.url + "/java", timeout=10)
    assert (r.status_code, r.content) == (502, b'{"message": "Internal server error"}')
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


def test_full_second_api_token_authorizer(full):
    run, _ = full
    for prefix in ("", "/dev"):
        r = requests.get(run.url + prefix + "/secret", headers={"Authorization": "allow"}, timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["resource"], body["stage"], body["stageVariables"]) == ("/secret", "dev", {"color": "blue"})
        assert (body["authorizer"]["principalId"], body["authorizer"]["kind"]) == ("token-user", "sam")
    r = requests.get(run.url + "/secret", timeout=10)
    assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
    r = requests.get(run.url + "/secret", headers={"Authorization": "other"}, timeout=10)
    assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
    r = requests.get(run.url + "/secret", headers={"Authorization": "deny"}, timeout=10)
    assert (r.status_code, r.content) == (
        403, b'{"Message":"User is not authorized to access this resource with an explicit deny"}')


def test_full_request_authorizer_and_none(full):
    run, _ = full
    r = requests.get(run.url + "/request", headers={"X-User": "bob"}, timeout=10)
    assert (r.status_code, r.json()["authorizer"]["principalId"]) == (200, "bob")
    r = requests.get(run.url + "/request", timeout=10)
    assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
    r = requests.get(run.url + "/open", timeout=10)
    assert (r.status_code, r.json()["authorizer"]) == (200, None)


def test_full_cognito_authorizer(full):
    run, idp = full
    r = requests.get(run.url + "/cognito", timeout=10)
    assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
    id_token, _ = idp.login()
    r = requests.get(run.url + "/cognito", headers={"Authorization": id_token}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["authorizer"]["claims"]["cognito:username"] == "alice"


def test_unresolvable_intrinsic_stops_make_run_with_its_place():
    r = subprocess.run([sys.executable, "scripts/run.py", "--api", os.path.join(SAM, "full/template.yaml"),
                        "--wasm", WASM, "--checker", CHECKER, "--envoy", ENVOY, "--port", str(free_port()),
                        "--generate-only", "--out", tempfile.mkdtemp()], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == (
        f"make run: {os.path.join(SAM, 'full/template.yaml')}: Resources.SecureApi (the definition SAM writes from its events, Auth and Cors)."
        "securityDefinitions.CognitoAuth.x-amazon-apigateway-authorizer.providerARNs[0].Fn::GetAtt: Fn::GetAtt "
        "UserPool.Arn (AWS::Cognito::UserPool) cannot be resolved locally (give it with "
        "CFN_PARAMS=UserPool.Arn=<value>)\n")


def wait_for(run, path, expected, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = requests.get(run.url + path, timeout=10)
        if (r.status_code, r.content) == expected:
            return r
        time.sleep(0.1)
    raise AssertionError(f"{path}: {r.status_code} {r.content!r}, not {expected}\n{run.output()}")


def test_saved_handler_and_template_served_without_restart(tmp_path):
    """The developer loop: a saved handler is what the next request runs; a saved template (a new
    event, a changed environment variable) is applied as any make run input is."""
    app = tmp_path / "app"
    shutil.copytree(os.path.join(SAM, "hello-python"), app)
    run = Run(str(app / "template.yaml"))
    try:
        run.wait("/hello")
        handler = app / "hello_world" / "app.py"
        handler.write_text(handler.read_text().replace('"hello world"', '"hello again"'))
        wait_for(run, "/hello", (200, b'{"message": "hello again"}'))
        template = app / "template.yaml"
        text = template.read_text().replace(
            "            Method: get\n",
            "            Method: get\n        Bye:\n          Type: Api\n          Properties:\n"
            "            Path: /bye\n            Method: get\n", 1)
        template.write_text(text.replace("    Timeout: 3\n", "    Timeout: 3\n    Environment:\n      Variables:\n"
                                         "        WORD: bye\n"))
        handler.write_text(handler.read_text().replace('"hello again"', 'os.environ.get("WORD", "?")')
                           .replace("import json", "import json\nimport os"))
        wait_for(run, "/bye", (200, b'{"message": "bye"}'))
        assert "reloaded: " + str(template) in run.output()
    finally:
        run.stop()


# The published definitions as their repositories serve them: serverless-patterns brings its
# api.yaml in through AWS::Include (SOURCES.md), serverless-express through DefinitionUri; the
# resources they name are declared as their own templates declare them.
INCLUDED = {
    "serverless-patterns--dynamodb-reminders-gateway-responses.yaml": {
        "RemindersTable": "AWS::DynamoDB::Table", "APIGatewayDynamoDBRole": "AWS::IAM::Role"},
    "serverless-patterns--sfn-sync-crud-any-method.yaml": {
        "StateMachine": "AWS::Serverless::StateMachine", "ApiRole": "AWS::IAM::Role"},
    "serverless-patterns--lambda-custom-response-override.yaml": {"APIFunction": "AWS::Serverless::Function"},
    "serverless-patterns--kinesis-putrecord.yaml": {"ApiGatewayRole": "AWS::IAM::Role"},
}


def names_in(path):
    """The resource names a definition's intrinsics refer to (`Ref`, `Fn::GetAtt`, `${X}`, `${X.Attr}`)."""
    import re

    import apigw
    text = json.dumps(apigw.read_document(path))
    names = set(re.findall(r'"Ref": "([A-Za-z0-9]+)"', text)) | set(re.findall(r'"Fn::GetAtt": \["([A-Za-z0-9]+)"', text))
    names |= set(re.findall(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}", text))
    return {n for n in names if not n.startswith("AWS")}


@pytest.mark.parametrize("name", sorted(INCLUDED))
def test_real_api_included_by_a_template_starts(name, tmp_path):
    import yaml

    definition = os.path.join(ROOT, "tests/real-apis", name)
    kinds = INCLUDED[name]
    assert names_in(definition) <= set(kinds), names_in(definition)
    resources = {n: {"Type": t, "Properties": {"Handler": "app.handler", "Runtime": "python3.12", "CodeUri": "."}
                     if t == "AWS::Serverless::Function" else {}} for n, t in kinds.items()}
    resources["Api"] = {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "prod", "DefinitionBody": {
        "Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": definition}}}}}
    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump({"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}))
    r = subprocess.run([sys.executable, "scripts/run.py", "--api", str(template), "--wasm", WASM, "--checker",
                        CHECKER, "--envoy", ENVOY, "--port", str(free_port()), "--generate-only", "--out",
                        str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines()[-1].startswith('ok: deployment "prod": '), r.stderr


def test_definition_uri_of_serverless_express_starts(tmp_path):
    import yaml

    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump({"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Api": {
        "Type": "AWS::Serverless::Api", "Properties": {
            "StageName": "prod", "Variables": {"ServerlessExpressLambdaFunctionName": "app"},
            "DefinitionUri": os.path.join(ROOT, "tests/real-apis/serverless-express--lambda-proxy-greedy-binary.yaml")}}}}))
    r = subprocess.run([sys.executable, "scripts/run.py", "--api", str(template), "--wasm", WASM, "--checker",
                        CHECKER, "--envoy", ENVOY, "--port", str(free_port()), "--generate-only", "--out",
                        str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "out" / "plugin-config.json", encoding="utf-8") as f:
        cfg = json.load(f)
    assert (cfg["stage"], cfg["stageVariables"]) == ("prod", {"ServerlessExpressLambdaFunctionName": "app"})
