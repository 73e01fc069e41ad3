"""Cognito user pool authorizers in a real Envoy: Envoy's jwt_authn filter (as `make run` writes it,
scripts/apigw.py `jwt_authn`) verifies the signatures against moto's Cognito (its server's
`/{poolId}/.well-known/jwks.json`), the filter does the rest. The tokens are real: a pool, an app
client and users made with boto3, logged in with `initiate_auth`/`admin_initiate_auth`.

Expected values: README "Cognito user pool authorizers" and the reference's facts: ID tokens on
methods without scopes, access tokens with a matching scope on methods with scopes; 401
`{"message":"Unauthorized"}` for a missing, garbage, forged or other pool's token, 401
`{"message":"The incoming token has expired"}` for an expired one; the integration gets
`requestContext.authorizer` = `{"claims": {...}}` (every claim a string, `exp`/`iat` as Java
dates), `$context.authorizer.claims.*` in templates and mappings."""

import base64
import gzip
import json
import os
import subprocess
import sys
import time

import pytest
import requests
from joserfc import jwk, jwt

from conftest import CHECKER, ENVOY, ROOT, WASM, Envoy, apigw, free_port
from conftest_http import PASSWORD, CognitoIdp

REGION = "us-east-1"
FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")
UNAUTHORIZED = b'{"message":"Unauthorized"}'
EXPIRED = b'{"message":"The incoming token has expired"}'
SCOPE = "aws.cognito.signin.user.admin"  # what moto's access tokens carry


def payload_of(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def java_date(seconds):
    """Java's Date.toString() in UTC."""
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(seconds))


def expected_claims(payload):
    """The claims map API Gateway passes on, as (key, value) pairs in the token's order (README:
    strings as they are, booleans and numbers as text, exp/iat as Java dates, lists joined)."""
    def text(key, value):
        if key in ("exp", "iat") and isinstance(value, int):
            return java_date(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ",".join(text("", v) for v in value)
        return str(value)
    return [(k, text(k, v)) for k, v in payload.items()]


def moto_key():
    """moto's own signing key (every moto pool signs with it; its JWKS publishes the public half)."""
    import moto
    path = os.path.join(os.path.dirname(moto.__file__), "cognitoidp", "resources", "jwks-private.json.gz")
    with gzip.open(path) as f:
        return jwk.RSAKey.import_key(json.load(f))


def sign(claims, key, kid="dummy"):
    return jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


# --- the definition -------------------------------------------------------------------------------

def pool_scheme(pool_arn, header="Authorization", **extra):
    ext = {"type": "cognito_user_pools", "providerARNs": [pool_arn], **extra}
    return {"type": "apiKey", "name": header, "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": ext}


MOCK_TEMPLATE = ('{"sub": "$context.authorizer.claims.sub", "role": "$context.authorizer.claims[\'custom:role\']", '
                 '"principalId": "$context.authorizer.principalId", "exp": "$context.authorizer.claims.exp"}')


def mock(security, template=MOCK_TEMPLATE):
    return {"security": security, "x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}}


def definition(idp, echo_origin):
    arn = idp.pool["Arn"]
    return {
        "swagger": "2.0", "info": {"title": "cognito", "version": "1"},
        "securityDefinitions": {
            "pool": pool_scheme(arn),
            "poolv": pool_scheme(arn, identityValidationExpression=idp.client["ClientId"]),
            "poolw": pool_scheme(arn, identityValidationExpression="another-client"),
            "poolh": pool_scheme(arn, header="X-Id-Token"),
        },
        "paths": {
            "/me": {"get": {"security": [{"pool": []}], "x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("echo")}}},
            "/mock": {"get": mock([{"pool": []}])},
            "/scoped": {"get": mock([{"pool": [SCOPE, "pets/read"]}])},
            "/other-scope": {"get": mock([{"pool": ["pets/write"]}])},
            "/validated": {"get": mock([{"poolv": []}])},
            "/unvalidated": {"get": mock([{"poolw": []}])},
            "/header": {"get": mock([{"poolh": []}])},
            "/http": {"get": {"security": [{"pool": []}], "x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "POST", "uri": echo_origin + "/echo",
                "requestParameters": {"integration.request.header.x-sub": "context.authorizer.claims.sub",
                                      "integration.request.header.x-user": "context.authorizer.claims.cognito:username"},
                "requestTemplates": {"application/json":
                                     '{"sub": "$context.authorizer.claims.sub", "groups": "$context.authorizer.claims[\'cognito:groups\']"}'},
                "responses": {"default": {"statusCode": "200"}}}}},
            "/open": {"get": mock([])},
        },
    }


def cognito_gateway(gateway_factory, idp, doc, lambda_url=None, extra=None, clusters=()):
    """`doc` served behind jwt_authn for its pools, keys from moto (AWS_ENDPOINT_URL_COGNITO_IDP)."""
    saved = os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDP")
    os.environ["AWS_ENDPOINT_URL_COGNITO_IDP"] = idp.url
    try:
        pools = apigw.cognito_pools(doc)
        jwt_filter, jwks_clusters = apigw.jwt_authn(pools)
    finally:
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL_COGNITO_IDP", None)
        else:
            os.environ["AWS_ENDPOINT_URL_COGNITO_IDP"] = saved
    extra = dict(extra or {}, cognitoUserPools=[p["id"] for p in pools])
    return gateway_factory(doc, stage="prod", stage_prefix="optional", lambda_url=lambda_url,
                           clusters=[*clusters, *jwks_clusters], extra=extra, before=[jwt_filter])


@pytest.fixture(scope="module")
def idp():
    s = CognitoIdp()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gw(gateway_factory, idp, functions, echo):
    targets = {"http": {echo.origin: "echo"}, "lambda": {"cluster": "lambda", "authority": functions.url.split("://")[1]}}
    return cognito_gateway(gateway_factory, idp, definition(idp, echo.origin), lambda_url=functions.url,
                           extra={"targets": targets}, clusters=[apigw.cluster("echo", echo.url)])


def assert_refused(r, body=UNAUTHORIZED):
    assert (r.status_code, r.content) == (401, body), r.text
    assert r.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert r.headers["content-type"] == "application/json"
    assert len(r.headers["x-amzn-RequestId"]) == 36


# --- ID tokens ------------------------------------------------------------------------------------

# An ID token on a method without scopes: the Lambda proxy event's requestContext.authorizer is
# {"claims": {...}} only, every claim a string, in the token's order; identity stays null; the
# Authorization header reaches the function.
def test_id_token_reaches_the_function(gw, idp):
    id_token, _ = idp.login()
    r = gw.request("GET", "/me", headers={"Authorization": id_token})
    assert r.status_code == 200, r.text
    event = r.json()
    payload = payload_of(id_token)
    assert list(event["requestContext"]["authorizer"].keys()) == ["claims"]
    assert list(event["requestContext"]["authorizer"]["claims"].items()) == expected_claims(payload)
    claims = event["requestContext"]["authorizer"]["claims"]
    assert claims["cognito:groups"] == "admins"
    assert claims["exp"] == java_date(payload["exp"])
    assert claims["auth_time"] == str(payload["auth_time"])
    identity = event["requestContext"]["identity"]
    for key in ("cognitoIdentityPoolId", "cognitoIdentityId", "cognitoAuthenticationType",
                "cognitoAuthenticationProvider", "accountId", "caller", "user", "userArn", "accessKey"):
        assert identity[key] is None, key
    assert event["headers"]["Authorization"] == id_token


# The same through templates: $context.authorizer.claims.sub and ['custom:role']; no principalId.
def test_mock_template_reads_the_claims(gw, idp):
    id_token = idp.admin_login()
    payload = payload_of(id_token)
    r = gw.request("GET", "/mock", headers={"Authorization": id_token})
    assert (r.status_code, r.headers["content-type"]) == (200, "application/json")
    assert r.content == json.dumps({"sub": payload["sub"], "role": "admin", "principalId": "",
                                    "exp": java_date(payload["exp"])}).encode()


# An HTTP integration: the claims in requestParameters (context.authorizer.claims.X) and the
# request template, as the backend received them.
def test_http_integration_receives_the_claims(gw, idp):
    id_token, _ = idp.login()
    payload = payload_of(id_token)
    r = gw.request("GET", "/http", headers={"Authorization": id_token})
    assert r.status_code == 200, r.text
    got = r.json()
    headers = {k.lower(): v for k, v in got["headers"]}
    assert (headers["x-sub"], headers["x-user"]) == (payload["sub"], "alice")
    assert json.loads(got["body"]) == {"sub": payload["sub"], "groups": "admins"}


# `Bearer <token>` works as the raw token does (README: our choice); a custom header name too.
def test_bearer_prefix_and_custom_header(gw, idp):
    id_token, _ = idp.login()
    r = gw.request("GET", "/mock", headers={"Authorization": "Bearer " + id_token})
    assert r.status_code == 200, r.text
    assert gw.request("GET", "/header", headers={"X-Id-Token": id_token}).status_code == 200
    assert_refused(gw.request("GET", "/header", headers={"Authorization": id_token}))


# --- access tokens and scopes ----------------------------------------------------------------------

def test_scopes_take_access_tokens(gw, idp):
    id_token, access_token = idp.login()
    r = gw.request("GET", "/scoped", headers={"Authorization": access_token})
    assert r.status_code == 200, r.text
    assert r.json()["sub"] == payload_of(access_token)["sub"]
    # An access token without the method's scope, the ID token on a scoped method, the access
    # token on a method without scopes: 401.
    assert_refused(gw.request("GET", "/other-scope", headers={"Authorization": access_token}))
    assert_refused(gw.request("GET", "/scoped", headers={"Authorization": id_token}))
    assert_refused(gw.request("GET", "/mock", headers={"Authorization": access_token}))


# identityValidationExpression against the ID token's aud (the app client id).
def test_validation_expression(gw, idp):
    id_token, _ = idp.login()
    assert gw.request("GET", "/validated", headers={"Authorization": id_token}).status_code == 200
    assert_refused(gw.request("GET", "/unvalidated", headers={"Authorization": id_token}))


# --- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Bearer "},
                                     {"Authorization": "garbage"}, {"Authorization": "a.b.c"},
                                     {"Authorization": "Bearer x.y.z"}],
                         ids=["missing", "empty", "bearer-only", "garbage", "dots", "bearer-garbage"])
def test_missing_or_garbage(gw, headers):
    assert_refused(gw.request("GET", "/mock", headers=headers))


# A token of another user pool (moto signs every pool's tokens with the same key: only the issuer
# tells them apart).
def test_other_pool(gw, idp):
    other_id, _ = idp.login("bob", client=idp.other_client)
    assert_refused(gw.request("GET", "/mock", headers={"Authorization": other_id}))


# Expired: a real token's claims, `exp` an hour ago, signed with moto's key → "The incoming token
# has expired"; the same but not signed by the pool → Unauthorized.
def test_expired(gw, idp):
    id_token, _ = idp.login()
    claims = payload_of(id_token)
    now = int(time.time())
    claims.update(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
    expired = sign(claims, moto_key())
    assert_refused(gw.request("GET", "/mock", headers={"Authorization": expired}), EXPIRED)
    stranger = jwk.RSAKey.generate_key(2048, private=True)
    assert_refused(gw.request("GET", "/mock", headers={"Authorization": sign(claims, stranger)}))


# Forged payloads never reach the integration: the real token with its payload edited (the
# signature kept), `alg: none`, a token signed with another key in the pool's name, the public key
# used as an HMAC secret; and a header no client can use to pass a payload of its own.
def test_forged_payload(gw, idp):
    id_token, _ = idp.login()
    header, payload, signature = id_token.split(".")
    claims = payload_of(id_token)
    forged = dict(claims, **{"custom:role": "root", "sub": "someone-else"})
    forged_token = ".".join([header, b64(json.dumps(forged).encode()), signature])
    none_token = ".".join([b64(b'{"alg":"none","typ":"JWT"}'), b64(json.dumps(claims).encode()), ""])
    other_key = sign(claims, jwk.RSAKey.generate_key(2048, private=True))
    public = requests.get(f"{idp.url}/{idp.pool['Id']}/.well-known/jwks.json", timeout=5).text
    hs_header = b64(json.dumps({"alg": "HS256", "kid": "dummy"}).encode())
    import hashlib
    import hmac
    signing_input = f"{hs_header}.{b64(json.dumps(claims).encode())}"
    hs_token = signing_input + "." + b64(hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest())
    for token in (forged_token, none_token, other_key, hs_token):
        assert_refused(gw.request("GET", "/mock", headers={"Authorization": token}))
        assert_refused(gw.request("GET", "/me", headers={"Authorization": token}))
    # The real token beside a forged one, in two headers: refused (which one a client meant is
    # unknowable; README).
    raw = gw.raw((f"GET /mock HTTP/1.1\r\nHost: gw\r\nAuthorization: {id_token}\r\n"
                  f"Authorization: {forged_token}\r\nConnection: close\r\n\r\n").encode())
    assert raw.startswith(b"HTTP/1.1 401 "), raw[:200]
    assert raw.endswith(UNAUTHORIZED), raw[-200:]


# An open method of the same API reads nothing of Cognito and is served with or without a token.
def test_open_method(gw, idp):
    id_token, _ = idp.login()
    for headers in ({}, {"Authorization": id_token}, {"Authorization": "garbage"}):
        r = gw.request("GET", "/open", headers=headers)
        assert r.status_code == 200
        assert r.json() == {"sub": "", "role": "", "principalId": "", "exp": ""}


# The refusals are the UNAUTHORIZED gateway response, customisable as a Lambda authorizer's are.
def test_customised_refusals(gateway_factory, idp):
    x = mock([])
    x.pop("security")
    doc = {"openapi": "3.0.1", "info": {"title": "cognito-gr", "version": "1"},
           "components": {"securitySchemes": {"pool": pool_scheme(idp.pool["Arn"])}},
           "security": [{"pool": []}],
           "paths": {"/x": {"get": x}},
           "x-amazon-apigateway-gateway-responses": {"UNAUTHORIZED": {
               "statusCode": "401", "responseParameters": {"gatewayresponse.header.x-gr": "'pool'"},
               "responseTemplates": {"application/json": '{"error": "$context.error.message"}'}}}}
    g = cognito_gateway(gateway_factory, idp, doc)
    id_token, _ = idp.login()
    assert g.request("GET", "/x", headers={"Authorization": id_token}).status_code == 200
    claims = dict(payload_of(id_token), exp=int(time.time()) - 60)
    r = g.request("GET", "/x", headers={"Authorization": sign(claims, moto_key())})
    assert (r.status_code, r.content, r.headers["x-gr"]) == (401, b'{"error": "The incoming token has expired"}', "pool")
    assert r.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    r = g.request("GET", "/x")
    assert (r.status_code, r.content) == (401, b'{"error": "Unauthorized"}')


# --- make run with a local key set (COGNITO_JWKS), offline -------------------------------------------

OFFLINE_POOL = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Offline1"
OFFLINE_ISS = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Offline1"
CLAIMS_TEMPLATE = ('{"groups": "$context.authorizer.claims[\'cognito:groups\']", '
                   '"verified": "$context.authorizer.claims.email_verified", "exp": "$context.authorizer.claims.exp", '
                   '"iat": "$context.authorizer.claims.iat", "count": "$context.authorizer.claims.count", '
                   '"ratio": "$context.authorizer.claims.ratio", "role": "$context.authorizer.claims[\'custom:role\']"}')


def offline_gateway(tmp_path, key):
    """`make run API=<file> COGNITO_JWKS=<file>` (run.py as the Makefile calls it, files only), then
    Envoy on the generated config: no key set is fetched."""
    doc = {"openapi": "3.0.1", "info": {"title": "offline", "version": "1"},
           "components": {"securitySchemes": {"pool": pool_scheme(OFFLINE_POOL)}},
           "paths": {"/claims": {"get": mock([{"pool": []}], CLAIMS_TEMPLATE)}}}
    api = tmp_path / "api.json"
    api.write_text(json.dumps(doc))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    port, admin = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/run.py"), "--api", str(api), "--wasm", WASM,
                        "--checker", CHECKER, "--envoy", ENVOY, "--port", str(port), "--admin-port", str(admin),
                        "--cognito-jwks", str(jwks), "--generate-only", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    with open(r.stdout.strip(), encoding="utf-8") as f:
        # make run's Envoy reads its filters and clusters from files it watches: as one static config.
        config = apigw.inlined(json.load(f))
    config["static_resources"]["listeners"][0]["address"]["socket_address"]["address"] = "127.0.0.1"
    assert not [c for c in config["static_resources"]["clusters"] if c["name"].startswith("jwks")]
    return Envoy(config, "offline").wait_ready(), f"http://127.0.0.1:{port}"


# Every claim type through a real Envoy: a boolean, several groups (joined by commas, our choice),
# numbers, dates; a token of another key, an expired one.
def test_make_run_with_a_local_key_set(tmp_path):
    key = jwk.RSAKey.generate_key(2048, parameters={"kid": "offline-1", "alg": "RS256", "use": "sig"}, private=True)
    envoy, url = offline_gateway(tmp_path, key)
    try:
        claims = {"sub": "u-9", "iss": OFFLINE_ISS, "aud": "app", "token_use": "id", "email_verified": True,
                  "cognito:groups": ["admins", "users"], "count": 3, "ratio": 0.5, "custom:role": "ops",
                  "iat": 4102441199, "exp": 4102444799}
        r = requests.get(url + "/claims", headers={"Authorization": sign(claims, key, "offline-1")}, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == {"groups": "admins,users", "verified": "true", "exp": "Thu Dec 31 23:59:59 UTC 2099",
                            "iat": "Thu Dec 31 22:59:59 UTC 2099", "count": "3", "ratio": "0.5", "role": "ops"}
        stranger = jwk.RSAKey.generate_key(2048, parameters={"kid": "offline-1"}, private=True)
        assert_refused(requests.get(url + "/claims", headers={"Authorization": sign(claims, stranger, "offline-1")},
                                    timeout=10))
        expired = dict(claims, iat=1700000000, exp=1700003600)
        assert_refused(requests.get(url + "/claims", headers={"Authorization": sign(expired, key, "offline-1")},
                                    timeout=10), EXPIRED)
        assert_refused(requests.get(url + "/claims", timeout=10))
    finally:
        envoy.stop()



# The demo as served without a user pool (its `${DemoUserPoolArn}` not supplied): the Cognito route
# fails closed, whatever the request carries; the rest of the demo is served.
def test_demo_without_a_pool_fails_closed(demo, idp):
    id_token, _ = idp.login()
    for headers in ({}, {"Authorization": id_token}):
        r = demo.request("GET", "/me", headers=headers)
        assert_refused(r)
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert demo.request("GET", "/pets").status_code == 200
    assert "not a user pool ARN" in demo.envoy.logs()


# Without AWS_ENDPOINT_URL_COGNITO_IDP nor COGNITO_JWKS, `make run` fetches each pool's keys from
# Cognito's public URL, through a cluster that checks the server's certificate (system CAs, host
# name); the issuer stays the pool's. Envoy accepts the config (`--mode validate`).
def test_make_run_uses_the_public_key_url(tmp_path):
    doc = {"swagger": "2.0", "info": {"title": "public", "version": "1"},
           "securityDefinitions": {"pool": pool_scheme(OFFLINE_POOL, header="X-Token")},
           "paths": {"/x": {"get": mock([{"pool": []}])}}}
    api = tmp_path / "api.json"
    api.write_text(json.dumps(doc))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/run.py"), "--api", str(api), "--wasm", WASM,
                        "--checker", CHECKER, "--envoy", ENVOY, "--port", str(free_port()), "--generate-only",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    with open(r.stdout.strip(), encoding="utf-8") as f:
        # make run's Envoy reads its filters and clusters from files it watches: as one static config.
        config = apigw.inlined(json.load(f))
    filters = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"]
    assert [f["name"] for f in filters] == ["envoy.filters.http.jwt_authn", "envoy.filters.http.wasm",
                                            "envoy.filters.http.router"]
    provider = filters[0]["typed_config"]["providers"]["cognito_eu-west-1_Offline1"]
    assert provider["issuer"] == OFFLINE_ISS and provider["payload_in_metadata"] == OFFLINE_ISS
    assert provider["from_headers"] == [{"name": "x-token"}, {"name": "x-token", "value_prefix": "Bearer "}]
    assert provider["remote_jwks"]["http_uri"]["uri"] == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Offline1/.well-known/jwks.json")
    assert filters[0]["typed_config"]["rules"] == [{"match": {"prefix": "/"}, "requires": {"allow_missing_or_failed": {}}}]
    cluster = next(c for c in config["static_resources"]["clusters"]
                   if c["name"] == provider["remote_jwks"]["http_uri"]["cluster"])
    tls = cluster["transport_socket"]["typed_config"]
    assert tls["sni"] == "cognito-idp.eu-west-1.amazonaws.com"
    assert tls["common_tls_context"]["validation_context"]["match_typed_subject_alt_names"] == [
        {"san_type": "DNS", "matcher": {"exact": "cognito-idp.eu-west-1.amazonaws.com"}}]
    plugin = json.loads(filters[1]["typed_config"]["config"]["configuration"]["value"])
    assert plugin["cognitoUserPools"] == ["eu-west-1_Offline1"]
    v = subprocess.run([ENVOY, "--mode", "validate", "-c", r.stdout.strip()], capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr


# An API without Cognito gets no jwt_authn filter at all (nothing changes for it).
def test_no_jwt_authn_without_cognito(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/run.py"), "--api",
                        os.path.join(ROOT, "tests/real-apis/localstack--simple-petstore-http-binary.json"),
                        "--wasm", WASM, "--checker", CHECKER, "--envoy", ENVOY, "--port", str(free_port()),
                        "--generate-only", "--out", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(r.stdout.strip(), encoding="utf-8") as f:
        # make run's Envoy reads its filters and clusters from files it watches: as one static config.
        config = apigw.inlined(json.load(f))
    filters = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"]
    assert [f["name"] for f in filters] == ["envoy.filters.http.wasm", "envoy.filters.http.router"]
    assert "cognitoUserPools" not in json.loads(filters[0]["typed_config"]["config"]["configuration"]["value"])
