"""Resource policies (`x-amazon-apigateway-policy`) in a real Envoy: the API's policy evaluated as IAM
evaluates it, after routing and before the authorizer and the integration.

Expected values: README "Resource policies", the repository's access-control notes §1 (order of the
checks) and §8 (the policy: `execute-api:/...` resources made the API's ARN, an explicit Deny wins,
else some Allow must match; with a Lambda authorizer only an explicit Deny refuses; the refusal
403 `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource:
<method ARN>"}`, type ACCESS_DENIED; conditions only AWS can evaluate fail closed). The client is
127.0.0.1, the address the policy's `aws:SourceIp` sees.

The AWS_PROXY function and the Lambda authorizer run in the local Invoke API (scripts/local_lambda.py,
tests/e2e/lambda_handlers/), which records every call: that is how a test shows a function was not
invoked. Every authorizer token is unique (see test_authorizers.py), so its cache never mixes tests."""

import base64
import json
import os
import subprocess
import uuid

import pytest
import requests

from conftest import CHECKER, LambdaServer, Envoy, WASM, apigw, free_port

AK, SK = "AKIDLOCALTEST", "local-secret-key"
FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")
API_ID = "a1b2c3d4e5"
ACCOUNT = "123456789012"
ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/prod"

MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
AUTHORIZER_DENY = b'{"Message":"User is not authorized to access this resource with an explicit deny"}'


def denied(arn_tail, explicit=False):
    """The resource policy's refusal of the method ARN `{ARN}/{arn_tail}`."""
    message = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}/{arn_tail}"
    return json.dumps({"Message": message + (" with an explicit deny" if explicit else "")},
                      separators=(",", ":")).encode()


# --- the definitions ------------------------------------------------------------------------------

def statement(effect, resource, condition=None):
    s = {"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke", "Resource": f"execute-api:/{resource}"}
    if condition:
        s["Condition"] = condition
    return s


NOT_PRIVATE = {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}
VPC = {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}
NOT_VPC = {"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}

POLICY = {"Version": "2012-10-17", "Statement": [
    statement("Allow", "*/GET/open"),
    # A Deny for every caller outside 10.0.0.0/8 (the test client is 127.0.0.1): it applies.
    statement("Allow", "*/GET/outside"),
    statement("Deny", "*/GET/outside", NOT_PRIVATE),
    # Allows that hold for 127.0.0.1, and one that does not.
    statement("Allow", "*/GET/inside", {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}}),
    statement("Allow", "*/GET/elsewhere", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    # Conditions only AWS can evaluate fail closed: an Allow that needs one does not allow, a Deny
    # that may apply applies; one condition known false beside it decides its block.
    statement("Allow", "*/GET/vpc", VPC),
    statement("Allow", "*/GET/vpc-deny"),
    statement("Deny", "*/GET/vpc-deny", NOT_VPC),
    statement("Allow", "*/GET/vpc-deny-elsewhere"),
    statement("Deny", "*/GET/vpc-deny-elsewhere", dict(NOT_VPC, IpAddress={"aws:SourceIp": "10.0.0.0/8"})),
    # The stage, the method and the path as requested are parts of the method ARN.
    statement("Allow", "dev/GET/dev-only"),
    statement("Allow", "*/GET/things/*"),
    statement("Deny", "*/GET/things/secret"),
    # A principal: AWS accounts and roles are never the anonymous caller; {"AWS": "*"} is anyone.
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*/GET/account-only"},
    # Resources as full ARNs (this API's, another's); actions with wildcards.
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "execute-api:*", "Resource": f"{ARN}/GET/full-arn"},
    {"Effect": "Allow", "Principal": "*", "Action": "*",
     "Resource": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:otherapi00/*/GET/other-api"},
    # AWS_PROXY: GET allowed, POST denied.
    statement("Allow", "*/*/lambda"),
    statement("Deny", "*/POST/lambda"),
    # With a Lambda authorizer: no statement for /authorized, a Deny, an Allow.
    statement("Deny", "*/GET/authorized/denied"),
    statement("Allow", "*/GET/authorized/allowed"),
]}


def mock(template='{"resource":"$context.resourcePath","principalId":"$context.authorizer.principalId"}'):
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}}


def secured(op):
    return dict(op, security=[{"tok": []}])


def api(policy):
    return {
        "swagger": "2.0", "info": {"title": "resource-policies", "version": "1"},
        "x-amazon-apigateway-policy": policy,
        "securityDefinitions": {"tok": {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FN.format("authorizer"),
                                               "authorizerResultTtlInSeconds": 300}}},
        "paths": dict({path: {"get": mock()} for path in (
            "/", "/closed", "/outside", "/inside", "/elsewhere", "/vpc", "/vpc-deny", "/vpc-deny-elsewhere",
            "/dev-only", "/things/{id}", "/account-only", "/full-arn", "/other-api")}, **{
            "/open": {"get": mock(), "post": mock(), "options": mock()},
            "/lambda": {method: {"x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("echo")}} for method in ("get", "post")},
            "/authorized": {"get": secured(mock())},
            "/authorized/denied": {"get": secured(mock())},
            "/authorized/allowed": {"get": secured(mock())},
        }),
    }


# ACCESS_DENIED customised: its status, a header and $context.error.* replace AWS's answer.
CUSTOM_API = {
    "openapi": "3.0.1", "info": {"title": "resource-policies-custom", "version": "1"},
    "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": [statement("Allow", "*/GET/open")]},
    "paths": {"/open": {"get": mock()}, "/closed": {"get": mock()}},
    "x-amazon-apigateway-gateway-responses": {"ACCESS_DENIED": {
        "statusCode": "401",
        "responseParameters": {"gatewayresponse.header.x-gr": "'denied'"},
        "responseTemplates": {"application/json":
                              '{"denied":$context.error.messageString,"type":"$context.error.responseType"}'}}},
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


# The policy as an object, and as the JSON text AWS's export writes: every test runs on both.
@pytest.fixture(scope="module", params=["object", "string"])
def gw(request, gateway_factory, lam):
    policy = POLICY if request.param == "object" else json.dumps(POLICY)
    return gateway_factory(api(policy), stage="prod", stage_prefix="optional", lambda_url=lam.url, env=envoy_env(),
                           extra={"apiId": API_ID})


@pytest.fixture(scope="module")
def custom(gateway_factory):
    return gateway_factory(CUSTOM_API, stage="prod", extra={"apiId": API_ID})


# --- helpers ---------------------------------------------------------------------------------------

def refused(r, status, error_type, body):
    assert (r.status_code, r.content) == (status, body), (r.status_code, r.content)
    assert r.headers["x-amzn-ErrorType"] == error_type
    assert r.headers["content-type"] == "application/json"


def ok(r, resource, principal=""):
    assert (r.status_code, r.content) == (200, json.dumps(
        {"resource": resource, "principalId": principal}, separators=(",", ":")).encode()), (r.status_code, r.content)


def calls(lam, function, tok=None):
    records = requests.get(lam.url + "/_recorded?detail=1", timeout=5).json()
    return [r for r in records if r["function"] == function and (tok is None or tok in json.dumps(r["event"]))]


def token(answer):
    """A token unique to its test asking tests/e2e/lambda_handlers/authorizer.py for `answer`."""
    spec = {"id": uuid.uuid4().hex, "answer": answer}
    return "T." + base64.urlsafe_b64encode(json.dumps(spec).encode()).decode().rstrip("=")


def authorizer_answer(effect):
    return {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "execute-api:Invoke", "Resource": "$methodArn"}]}}


# --- Allow and no Allow -------------------------------------------------------------------------------

# Principal "*" allowed on GET /open only: GET /open is served (MOCK); anything else the policy
# does not allow is refused with the method ARN of the request as made (no stage prefix, the path
# as requested; the root's ends in /).
def test_allow_only_open(gw):
    ok(gw.request("GET", "/open"), "/open")
    ok(gw.request("GET", "/prod/open"), "/open")
    for method, path, tail in (("GET", "/closed", "GET/closed"), ("GET", "/prod/closed", "GET/closed"),
                               ("POST", "/open", "POST/open"), ("OPTIONS", "/open", "OPTIONS/open"),
                               ("GET", "/", "GET/"), ("GET", "/dev-only", "GET/dev-only")):
        refused(gw.request(method, path), 403, "AccessDeniedException", denied(tail))


# Principals, full ARNs, wildcard actions: an account's principal does not match the anonymous
# caller (README: IAM callers are not served yet); {"AWS": "*"} and `execute-api:*` do; a
# resource ARN of another API does not.
def test_principals_and_resources(gw):
    refused(gw.request("GET", "/account-only"), 403, "AccessDeniedException", denied("GET/account-only"))
    ok(gw.request("GET", "/full-arn"), "/full-arn")
    refused(gw.request("GET", "/other-api"), 403, "AccessDeniedException", denied("GET/other-api"))


# Routing comes first: a request no resource serves gets the Missing Authentication Token answer,
# not the policy's.
def test_routing_before_the_policy(gw):
    for method, path in (("GET", "/no/such"), ("DELETE", "/closed")):
        refused(gw.request(method, path), 403, "MissingAuthenticationTokenException", MISSING_TOKEN)


# Path parameters: the ARN carries the path as requested, so a Deny on one value refuses it alone.
def test_path_in_the_arn(gw):
    ok(gw.request("GET", "/things/7"), "/things/{id}")
    refused(gw.request("GET", "/things/secret"), 403, "AccessDeniedException",
            denied("GET/things/secret", explicit=True))


# --- aws:SourceIp ----------------------------------------------------------------------------------------

# A Deny for callers NotIpAddress 10.0.0.0/8 refuses 127.0.0.1 (explicit deny, over an Allow); an
# IpAddress 127.0.0.0/8 Allow lets it in; an IpAddress 10.0.0.0/8 Allow does not.
def test_source_ip(gw):
    refused(gw.request("GET", "/outside"), 403, "AccessDeniedException", denied("GET/outside", explicit=True))
    ok(gw.request("GET", "/inside"), "/inside")
    refused(gw.request("GET", "/elsewhere"), 403, "AccessDeniedException", denied("GET/elsewhere"))


# aws:SourceIp is the connection's peer address (README "Resource policies"), never what the
# client writes in X-Forwarded-For (the HCM's use_remote_address): a client cannot get past an
# IpAddress Allow, or out of a NotIpAddress Deny, by sending `X-Forwarded-For: 10.1.2.3`.
def test_source_ip_is_not_x_forwarded_for(gw):
    spoofed = {"X-Forwarded-For": "10.1.2.3"}
    refused(gw.request("GET", "/elsewhere", headers=spoofed), 403, "AccessDeniedException", denied("GET/elsewhere"))
    refused(gw.request("GET", "/outside", headers=spoofed), 403, "AccessDeniedException",
            denied("GET/outside", explicit=True))
    ok(gw.request("GET", "/inside", headers=spoofed), "/inside")


# --- conditions only AWS can evaluate ---------------------------------------------------------------------

# aws:SourceVpc cannot be known here: an Allow that needs it does not allow, a Deny that may apply
# applies; beside a condition known false (IpAddress 10.0.0.0/8) the Deny does not apply.
def test_unknown_conditions_fail_closed(gw):
    refused(gw.request("GET", "/vpc"), 403, "AccessDeniedException", denied("GET/vpc"))
    refused(gw.request("GET", "/vpc-deny"), 403, "AccessDeniedException", denied("GET/vpc-deny", explicit=True))
    ok(gw.request("GET", "/vpc-deny-elsewhere"), "/vpc-deny-elsewhere")


# --- AWS_PROXY -------------------------------------------------------------------------------------------------

# A Deny on POST /lambda: 403 and the function is not invoked; GET /lambda (allowed) invokes it.
def test_deny_before_the_lambda_function(gw, lam):
    before = len(calls(lam, "echo"))
    refused(gw.request("POST", "/lambda", data=b"{}"), 403, "AccessDeniedException",
            denied("POST/lambda", explicit=True))
    assert len(calls(lam, "echo")) == before
    r = gw.request("GET", "/lambda")
    assert (r.status_code, r.json()["resource"], r.json()["httpMethod"]) == (200, "/lambda", "GET")
    assert len(calls(lam, "echo")) == before + 1


# --- with a Lambda authorizer -----------------------------------------------------------------------------

# No statement matches GET /authorized: with an authorizer that does not refuse; the authorizer
# decides (its Allow serves, its Deny refuses with its own answer).
def test_authorizer_decides_without_a_matching_allow(gw, lam):
    tok = token(authorizer_answer("Allow"))
    ok(gw.request("GET", "/authorized", headers={"Authorization": tok}), "/authorized", "user-1")
    tok = token(authorizer_answer("Deny"))
    refused(gw.request("GET", "/authorized", headers={"Authorization": tok}), 403, "AccessDeniedException",
            AUTHORIZER_DENY)
    assert len(calls(lam, "authorizer", tok)) == 1


# The policy's Allow does not bypass the authorizer: its Deny still refuses.
def test_policy_allow_still_asks_the_authorizer(gw, lam):
    tok = token(authorizer_answer("Allow"))
    ok(gw.request("GET", "/authorized/allowed", headers={"Authorization": tok}), "/authorized/allowed", "user-1")
    tok = token(authorizer_answer("Deny"))
    refused(gw.request("GET", "/authorized/allowed", headers={"Authorization": tok}), 403, "AccessDeniedException",
            AUTHORIZER_DENY)
    assert len(calls(lam, "authorizer", tok)) == 1


# An explicit Deny refuses before the authorizer: it is not called, with a token or without one
# (403 from the policy, not the authorizer's 401).
def test_explicit_deny_before_the_authorizer(gw, lam):
    tok = token(authorizer_answer("Allow"))
    for headers in ({"Authorization": tok}, {}):
        refused(gw.request("GET", "/authorized/denied", headers=headers), 403, "AccessDeniedException",
                denied("GET/authorized/denied", explicit=True))
    assert calls(lam, "authorizer", tok) == []


# --- a customised ACCESS_DENIED ----------------------------------------------------------------------------

# The gateway response replaces status and body, adds its header; $context.error.messageString is
# the quoted message; the error type stays.
def test_custom_access_denied(custom):
    ok(custom.request("GET", "/open"), "/open")
    message = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}/GET/closed"
    refused(custom.request("GET", "/closed"), 401, "AccessDeniedException",
            json.dumps({"denied": message, "type": "ACCESS_DENIED"}, separators=(",", ":")).encode())
    assert custom.request("GET", "/closed").headers["x-gr"] == "denied"


# --- a policy that does not parse ----------------------------------------------------------------------------

BAD_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Maybe", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}
BAD_POLICY_ERROR = ('invalid definition: deployment "prod": field x-amazon-apigateway-policy: '
                    'Statement[0].Effect: must be "Allow" or "Deny"')


def checked(tmp_path, policy):
    """apigw-check (what make run runs first) on a definition with `policy`."""
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(apigw.plugin_config(dict(CUSTOM_API, **{"x-amazon-apigateway-policy": policy}))))
    return subprocess.run([CHECKER, str(path)], capture_output=True, text=True)


# Refused at load, naming the extension and the element: as an object, as JSON text; JSON text
# that is not JSON too.
@pytest.mark.parametrize("policy,error", [
    (BAD_POLICY, BAD_POLICY_ERROR),
    (json.dumps(BAD_POLICY), BAD_POLICY_ERROR),
    ("{not json", 'invalid definition: deployment "prod": field x-amazon-apigateway-policy: not a JSON policy document'),
], ids=["object", "string", "not-json"])
def test_unparsable_policy_is_refused_at_load(tmp_path, policy, error):
    r = checked(tmp_path, policy)
    assert r.returncode == 1, r.stderr
    assert error in r.stderr


# The filter in Envoy refuses it the same way, and Envoy does not start.
def test_unparsable_policy_stops_envoy():
    plugin_config = apigw.plugin_config(dict(CUSTOM_API, **{"x-amazon-apigateway-policy": BAD_POLICY}))
    e = Envoy(apigw.envoy_config(WASM, plugin_config, free_port(), free_port(), [], address="127.0.0.1"), "bad-policy")
    try:
        assert e.wait_exit() == 1
        assert BAD_POLICY_ERROR in e.logs()
    finally:
        e.stop()
