"""API keys and usage plans in a real Envoy: AWS's key import CSV and `get-usage-plans` output loaded
unchanged, the key checked after the Lambda authorizer and before request validation, against real
peers (the local Lambda Invoke API, checking every SigV4 signature, running
tests/e2e/lambda_handlers/authorizer.py and echo.py), and `make run API_KEYS= USAGE_PLANS= API_ID=`
serving the demo with envoy/api-keys.csv and envoy/usage-plans.json.

Expected values: README "API keys and usage plans"; access-control notes §1 (order of the checks),
§2 (every listed scheme enforced), §5 (403 `{"message":"Forbidden"}`, ForbiddenException,
INVALID_API_KEY; `$context.identity.apiKey`/`apiKeyId`)."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest
import requests

from conftest import LambdaServer, ROOT, free_port
from test_make_run import make_run_command, stop, wait_serving

AK, SK = "AKIDLOCALTEST", "local-secret-key"
FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")
API_ID = "k3y5ap1d00"

FORBIDDEN = b'{"message":"Forbidden"}'
EXPLICIT_DENY = b'{"Message":"User is not authorized to access this resource with an explicit deny"}'

GOOD = "good-key-0123456789abcdef"
DISABLED = "disabled-key-0123456789ab"
LOOSE = "no-plan-key-0123456789abc"
DEV = "dev-only-key-0123456789ab"
OTHER_API = "other-api-key-0123456789a"
AUTHORIZED = "from-the-authorizer-0123456789"

# AWS's key import file with its columns in a mixed order and case (AWS: "The column header names
# aren't case sensitive, and columns can be in any order"), an unrecognised column (ignored), a
# quoted list of plans, and our optional Id column given for one key only.
KEYS_CSV = (
    "usageplanIds,KEY,Enabled,name,Description,Owner,id\r\n"
    f"\"plan-prod,plan-dev\",{GOOD},TRUE,good,\"The good key, in two plans\",ops,goodkey001\r\n"
    f"plan-prod,{DISABLED},false,off,,ops,\r\n"
    f",{LOOSE},,loose,a key in no plan,ops,\r\n"
    f"plan-dev,{DEV},true,dev,,ops,\r\n"
    f"'plan-other',{OTHER_API},true,other,,ops,\r\n"
    f"plan-prod,{AUTHORIZED},,authorized,,ops,\r\n"
)


def usage_plans(api_id):
    """What `aws apigateway get-usage-plans` prints for the plans of KEYS_CSV."""
    return {"items": [
        {"id": "plan-prod", "name": "prod", "description": "the prod stage", "apiStages": [
            {"apiId": api_id, "stage": "prod", "throttle": {"/keyed/GET": {"burstLimit": 100, "rateLimit": 50.0}}}],
         "throttle": {"burstLimit": 200, "rateLimit": 100.0}, "quota": {"limit": 100000, "offset": 0, "period": "MONTH"},
         "tags": {"team": "ops"}},
        {"id": "plan-dev", "name": "dev", "apiStages": [{"apiId": api_id, "stage": "dev"}]},
        {"id": "plan-other", "name": "another API", "apiStages": [{"apiId": "0therap1d0", "stage": "prod"}]},
    ]}


def derived_id(key):
    """The id of a key without an Id column (README: 10 base-36 digits of its SHA-256, least
    significant first), computed independently of the filter."""
    n = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    digits = []
    for _ in range(10):
        digits.append("0123456789abcdefghijklmnopqrstuvwxyz"[n % 36])
        n //= 36
    return "".join(digits)


# --- the definitions --------------------------------------------------------------------------------

IDENTITY = "$context.identity.apiKey|$context.identity.apiKeyId|#foreach($k in $context.identity.keySet())$k,#end"


def mock(template=IDENTITY, status=200):
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": json.dumps({"statusCode": status})},
        "responses": {"default": {"statusCode": str(status), "responseTemplates": {"application/json": template}}}}}


def secured(op, *schemes):
    return dict(op, security=[{s: []} for s in schemes])


def token_scheme():
    return {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN.format("authorizer"),
                                               "authorizerResultTtlInSeconds": 0}}


LAMBDA = {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("echo")}}

# Swagger 2 as AWS exports it: the key scheme and a TOKEN authorizer in securityDefinitions; the
# authorizer plus a key written as AWS's export writes them, `[{"tok": []}, {"api_key": []}]`.
SWAGGER_API = {
    "swagger": "2.0", "info": {"title": "keys", "version": "1"},
    "securityDefinitions": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}, "tok": token_scheme()},
    "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": True, "validateRequestParameters": True}},
    "paths": {
        "/keyed": {"get": secured(mock(), "api_key")},
        "/open": {"get": mock()},
        "/lambda": {"get": secured(LAMBDA, "api_key")},
        "/lambda-open": {"get": LAMBDA},
        "/both": {"get": secured(mock("$context.authorizer.principalId|" + IDENTITY), "tok", "api_key")},
        "/validated": {"post": dict(secured(mock(), "api_key"), **{
            "x-amazon-apigateway-request-validator": "all",
            "consumes": ["application/json"],
            "parameters": [{"name": "q", "in": "query", "required": True, "type": "string"},
                           {"name": "body", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Thing"}}]})},
    },
    "definitions": {"Thing": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
}

# OpenAPI 3 with the key from the authorizer (`x-amazon-apigateway-api-key-source: AUTHORIZER`),
# the authorizer and the key required by the root `security`, and INVALID_API_KEY customised.
AUTHORIZER_SOURCE_API = {
    "openapi": "3.0.1", "info": {"title": "keys-from-authorizer", "version": "1"},
    "x-amazon-apigateway-api-key-source": "AUTHORIZER",
    "components": {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                                       "tok": token_scheme()}},
    "security": [{"tok": []}, {"api_key": []}],
    "paths": {"/guarded": {"get": mock("$context.authorizer.principalId|" + IDENTITY)}},
    "x-amazon-apigateway-gateway-responses": {"INVALID_API_KEY": {
        "statusCode": "429",
        "responseParameters": {"gatewayresponse.header.x-key-error": "'invalid'"},
        "responseTemplates": {"application/json": '{"error":$context.error.messageString,"type":"$context.error.responseType"}'}}},
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


def keyed_gateway(gateway_factory, lam, definition, stage="prod"):
    return gateway_factory(definition, stage=stage, lambda_url=lam.url, env=envoy_env(),
                           extra={"apiId": API_ID, "apiKeys": KEYS_CSV, "usagePlans": usage_plans(API_ID)})


@pytest.fixture(scope="module")
def gw(gateway_factory, lam):
    return keyed_gateway(gateway_factory, lam, SWAGGER_API)


@pytest.fixture(scope="module")
def gw_dev(gateway_factory, lam):
    return keyed_gateway(gateway_factory, lam, SWAGGER_API, stage="dev")


@pytest.fixture(scope="module")
def gw_auth(gateway_factory, lam):
    return keyed_gateway(gateway_factory, lam, AUTHORIZER_SOURCE_API)


# --- helpers -------------------------------------------------------------------------------------------

def token(answer):
    """A token unique to its test, asking lambda_handlers/authorizer.py for `answer`."""
    spec = {"id": uuid.uuid4().hex, "answer": answer}
    return "T." + base64.urlsafe_b64encode(json.dumps(spec).encode()).decode().rstrip("=")


def allow(usage_identifier_key=None, effect="Allow"):
    answer = {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "execute-api:Invoke", "Resource": "$methodArn"}]}}
    if usage_identifier_key is not None:
        answer["usageIdentifierKey"] = usage_identifier_key
    return answer


def calls(lam, function):
    return [r for r in requests.get(lam.url + "/_recorded?detail=1", timeout=5).json() if r["function"] == function]


def refused(r, status=403, error_type="ForbiddenException", body=FORBIDDEN):
    assert (r.status_code, r.content) == (status, body), (r.status_code, r.content)
    assert r.headers["x-amzn-ErrorType"] == error_type
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-amzn-RequestId"]


KEYED_IDENTITY = ("cognitoIdentityPoolId,cognitoIdentityId,principalOrgId,apiKey,cognitoAuthenticationType,userArn,"
                  "apiKeyId,userAgent,accountId,caller,sourceIp,accessKey,cognitoAuthenticationProvider,user,")
PLAIN_IDENTITY = ("cognitoIdentityPoolId,accountId,cognitoIdentityId,caller,sourceIp,principalOrgId,accessKey,"
                  "cognitoAuthenticationType,cognitoAuthenticationProvider,userArn,userAgent,user,")


def served(r, key, key_id, prefix=""):
    """The MOCK's answer: the key and its id, then $context.identity's keys (README: the 14-key
    order of key-required methods)."""
    assert (r.status_code, r.text) == (200, f"{prefix}{key}|{key_id}|{KEYED_IDENTITY}"), (r.status_code, r.text)


# --- HEADER source ---------------------------------------------------------------------------------------

# Missing, empty, unknown, disabled, in no plan, in a plan of another stage, in a plan of another
# API: the exact 403 (INVALID_API_KEY), and the integration is not called.
@pytest.mark.parametrize("key", [None, "", "unknown-key-0123456789abc", DISABLED, LOOSE, DEV, OTHER_API],
                         ids=["missing", "empty", "unknown", "disabled", "not-in-a-plan", "plan-for-another-stage",
                              "plan-for-another-api"])
def test_refused_keys(gw, lam, key):
    headers = {} if key is None else {"x-api-key": key}
    refused(gw.request("GET", "/keyed", headers=headers))
    before = len(calls(lam, "echo"))
    refused(gw.request("GET", "/lambda", headers=headers))
    assert len(calls(lam, "echo")) == before


# A key of a plan attached to this API and stage: the integration, with $context.identity.apiKey
# and apiKeyId (the Id column's, or the one derived from the key); the header in any case.
@pytest.mark.parametrize("header", ["x-api-key", "X-API-Key", "X-API-KEY"])
def test_valid_key(gw, header):
    served(gw.request("GET", "/keyed", headers={header: GOOD}), GOOD, "goodkey001")
    served(gw.request("GET", "/keyed", headers={header: AUTHORIZED}), AUTHORIZED, derived_id(AUTHORIZED))


# Where no key is required, $context.identity has AWS's 12 keys, apiKey and apiKeyId null (""),
# whatever the request sends.
def test_no_key_required(gw):
    r = gw.request("GET", "/open", headers={"x-api-key": GOOD})
    assert (r.status_code, r.text) == (200, f"||{PLAIN_IDENTITY}")


# The real function's proxy event: requestContext.identity.apiKey/apiKeyId on the key-required
# method (alphabetical with the others), absent where no key is required; the header reaches it.
def test_proxy_event_identity(gw, lam):
    r = gw.request("GET", "/lambda", headers={"X-Api-Key": GOOD})
    assert r.status_code == 200, r.text
    event = r.json()
    identity = event["requestContext"]["identity"]
    assert (identity["apiKey"], identity["apiKeyId"]) == (GOOD, "goodkey001")
    assert list(identity)[:5] == ["accessKey", "accountId", "apiKey", "apiKeyId", "caller"]
    assert event["headers"]["x-api-key"] == GOOD
    r = gw.request("GET", "/lambda-open", headers={"x-api-key": GOOD})
    identity = r.json()["requestContext"]["identity"]
    assert "apiKey" not in identity and "apiKeyId" not in identity
    assert len(identity) == 12


# Another stage of the same API: its own plans decide (the dev key is in plan-dev, attached to
# dev; the good key is in plan-dev too; the other API's key still is not).
def test_other_stage(gw_dev):
    served(gw_dev.request("GET", "/keyed", headers={"x-api-key": DEV}), DEV, derived_id(DEV))
    served(gw_dev.request("GET", "/keyed", headers={"x-api-key": GOOD}), GOOD, "goodkey001")
    refused(gw_dev.request("GET", "/keyed", headers={"x-api-key": AUTHORIZED}))
    refused(gw_dev.request("GET", "/keyed", headers={"x-api-key": OTHER_API}))


# Before request validation (access-control notes §1): a bad key with a missing parameter and a
# bad body gets 403; a good key gets the validator's 400; a good request the integration.
def test_key_before_validation(gw):
    refused(gw.request("POST", "/validated", headers={"x-api-key": "nope", "content-type": "application/json"},
                       data=b"{}"))
    r = gw.request("POST", "/validated", headers={"x-api-key": GOOD, "content-type": "application/json"}, data=b"{}")
    refused(r, 400, "BadRequestException", b'{"message": "Missing required request parameters: [q]"}')
    r = gw.request("POST", "/validated?q=1", headers={"x-api-key": GOOD, "content-type": "application/json"}, data=b"{}")
    refused(r, 400, "BadRequestException", b'{"message": "Invalid request body"}')
    r = gw.request("POST", "/validated?q=1", headers={"x-api-key": GOOD, "content-type": "application/json"},
                   data=b'{"name": "x"}')
    served(r, GOOD, "goodkey001")


# --- the authorizer AND the key --------------------------------------------------------------------------

# The authorizer first: its Deny answers (the key is not looked at, good or bad); an Allow with a
# bad or missing key: 403 Forbidden; an Allow and a good key: the integration, with both.
def test_authorizer_and_key(gw, lam):
    for key in (GOOD, "nope"):
        r = gw.request("GET", "/both", headers={"Authorization": token(allow(effect="Deny")), "x-api-key": key})
        refused(r, 403, "AccessDeniedException", EXPLICIT_DENY)
    refused(gw.request("GET", "/both", headers={"Authorization": token(allow()), "x-api-key": DISABLED}))
    refused(gw.request("GET", "/both", headers={"Authorization": token(allow())}))
    tok = token(allow())
    served(gw.request("GET", "/both", headers={"Authorization": tok, "x-api-key": GOOD}), GOOD, "goodkey001", "user-1|")
    assert len([c for c in calls(lam, "authorizer") if tok in json.dumps(c["event"])]) == 1
    # No token: the authorizer's 401, no call, whatever the key.
    refused(gw.request("GET", "/both", headers={"x-api-key": GOOD}), 401, "UnauthorizedException",
            b'{"message":"Unauthorized"}')


# --- AUTHORIZER source, customised INVALID_API_KEY ------------------------------------------------------

# The key is the real authorizer's usageIdentifierKey (the x-api-key header is not read): a key of
# the plan passes, with $context.identity.apiKey/apiKeyId; none, a disabled one or one in no plan
# gets the customised INVALID_API_KEY (status, header, $context.error.*).
def test_key_from_the_authorizer(gw_auth):
    served(gw_auth.request("GET", "/guarded", headers={"Authorization": token(allow(AUTHORIZED))}),
           AUTHORIZED, derived_id(AUTHORIZED), "user-1|")
    custom = b'{"error":"Forbidden","type":"INVALID_API_KEY"}'
    for answer, headers in ((allow(), {"x-api-key": GOOD}), (allow(DISABLED), {}), (allow(LOOSE), {})):
        r = gw_auth.request("GET", "/guarded", headers={"Authorization": token(answer), **headers})
        assert (r.status_code, r.content) == (429, custom), (r.status_code, r.content)
        assert (r.headers["x-key-error"], r.headers["x-amzn-ErrorType"]) == ("invalid", "ForbiddenException")
    # The authorizer's own refusal is unchanged.
    r = gw_auth.request("GET", "/guarded", headers={"Authorization": token(allow(GOOD, effect="Deny"))})
    refused(r, 403, "AccessDeniedException", EXPLICIT_DENY)


# --- make run API_KEYS= USAGE_PLANS= API_ID= ------------------------------------------------------------

def run_demo(port, log, **variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = make_run_command(PORT=port, LOCAL_SERVICES="no", **variables)
    return subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


# `make run API_KEYS=envoy/api-keys.csv USAGE_PLANS=envoy/usage-plans.json API_ID=local` serves the
# demo's key-protected /admin to the sample keys (and prints a curl with one), and its validated
# /orders.
def test_make_run_with_the_sample_files():
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix=f"make-run-{port}-", suffix=".log", delete=False)
    proc = run_demo(port, log, API_KEYS="envoy/api-keys.csv", USAGE_PLANS="envoy/usage-plans.json", API_ID="local")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(proc, url, log.name)
        r = requests.get(url + "/admin", timeout=10)
        refused(r)
        r = requests.get(url + "/admin", headers={"X-Api-Key": "demo-basic-key-0123456789"}, timeout=10)
        assert (r.status_code, r.json()) == (200, {"admin": True, "apiKeyId": derived_id("demo-basic-key-0123456789")})
        r = requests.get(url + "/prod/admin", headers={"x-api-key": "demo-premium-key-0123456789"}, timeout=10)
        assert r.status_code == 200
        refused(requests.get(url + "/admin", headers={"x-api-key": "demo-disabled-key-0123456789"}, timeout=10))
        r = requests.post(url + "/orders", json={"item": "bone", "quantity": 0}, timeout=10)
        refused(r, 400, "BadRequestException", b'{"message": "Invalid request body"}')
        r = requests.post(url + "/orders", json={"item": "bone", "quantity": 2}, timeout=10)
        assert (r.status_code, r.json()) == (201, {"ordered": {"item": "bone", "quantity": 2}})
        with open(log.name, encoding="utf-8") as f:
            banner = f.read()
        assert f"curl -i -X GET -H 'x-api-key: demo-basic-key-0123456789' http://localhost:{port}/admin" in banner, banner
    finally:
        stop(proc)
        log.close()
        os.unlink(log.name)
        shutil.rmtree(os.path.join(ROOT, "build", "run", str(port)), ignore_errors=True)
    assert proc.returncode == 0


def generate(tmp_path, **variables):
    """`make run ... --generate-only`: (exit code, stderr, plugin configuration or None)."""
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    r = subprocess.run(["bash", "-c", make_run_command(LOCAL_SERVICES="no", **variables) + f" --generate-only --out {out}"],
                       cwd=ROOT, env=env, capture_output=True, text=True)
    cfg = json.loads((out / "plugin-config.json").read_text()) if r.returncode == 0 else None
    return r.returncode, r.stderr, cfg


# The files reach the filter unchanged (the CSV's text as apiKeys, the JSON as usagePlans); plans
# that name another API id are warned at load; without the files the load log says the key-required
# operations answer 403; a bad file stops make run, naming the file, the line and the column.
def test_make_run_files_and_load_log(tmp_path):
    rc, err, cfg = generate(tmp_path, API_KEYS="envoy/api-keys.csv", USAGE_PLANS="envoy/usage-plans.json")
    assert rc == 0, err
    with open(os.path.join(ROOT, "envoy/api-keys.csv"), encoding="utf-8", newline="") as f:
        assert cfg["apiKeys"] == f.read()
    with open(os.path.join(ROOT, "envoy/usage-plans.json"), encoding="utf-8") as f:
        assert cfg["usagePlans"] == json.load(f)
    assert "apiKeys" not in err, err
    rc, err, _ = generate(tmp_path, API_KEYS="envoy/api-keys.csv", USAGE_PLANS="envoy/usage-plans.json",
                          API_ID="0therap1d0")
    assert rc == 0 and re.search(r'warning: deployment "prod": no key of apiKeys is in a usage plan of usagePlans '
                                 r'attached to API "0therap1d0" stage "prod"', err), err
    rc, err, _ = generate(tmp_path)
    assert rc == 0 and ('warning: deployment "prod": the configuration has no apiKeys (make run API_KEYS=): '
                        'the operations that require an API key answer 403 Forbidden: GET /admin') in err, err
    bad = tmp_path / "keys.csv"
    bad.write_text("Name,Key\nshort,abc\n")
    rc, err, _ = generate(tmp_path, API_KEYS=str(bad), USAGE_PLANS="envoy/usage-plans.json")
    assert rc == 2, err
    assert "error: invalid configuration: apiKeys line 2, column Key: has 3 characters: a key has 20 to 128" in err
    assert f"(apiKeys comes from API_KEYS={bad})" in err
