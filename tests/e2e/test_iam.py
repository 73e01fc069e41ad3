"""IAM operations (`x-amazon-apigateway-auth: {type: AWS_IAM}`, an `awsSigv4` scheme) in a real Envoy,
every request signed by botocore (SigV4Auth, SigV4QueryAuth) as an AWS SDK signs execute-api calls.

Expected values: README "IAM" and AWS's answers to IAM callers (users' captures, AWS Knowledge Center
"How do I troubleshoot HTTP 403 errors from API Gateway?"): the exact status, `x-amzn-ErrorType` and
body of every refusal; the caller's `$context.identity` when admitted."""

import datetime
import json
import re
from unittest import mock

import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

API_ID = "a1b2c3d4e5"
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
DENIED = f"arn:aws:iam::{ACCOUNT}:user/denied"
METHOD_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/prod"
ALICE_KEY = Credentials("AKIDALICE", "alice-secret/+key")
DENIED_KEY = Credentials("AKIDDENIED", "denied-secret")
KEYS = [
    {"accessKeyId": "AKIDALICE", "secretAccessKey": "alice-secret/+key", "arn": ALICE},
    {"accessKeyId": "AKIDDENIED", "secretAccessKey": "denied-secret", "arn": DENIED,
     "policy": {"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{METHOD_ARN}/POST/*"}]}},
]

IDENTITY = ('{"accessKey":"$context.identity.accessKey","accountId":"$context.identity.accountId",'
            '"caller":"$context.identity.caller","user":"$context.identity.user",'
            '"userArn":"$context.identity.userArn"}')
MISSING = b'{"message":"Missing Authentication Token"}'
MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.")


def mock_op(**extra):
    op = {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": IDENTITY}}}}}
    op.update(extra)
    return op


IAM = {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}}
API = {
    "openapi": "3.0.1", "info": {"title": "iam", "version": "1"},
    "components": {"securitySchemes": {"sigv4": {
        "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}},
    "paths": {
        "/pets": {"get": mock_op(**IAM), "post": mock_op(**IAM)},
        "/items/{id}": {"get": mock_op(security=[{"sigv4": []}])},
        "/open": {"get": mock_op()},
    },
}


@pytest.fixture(scope="module")
def gw(gateway_factory):
    return gateway_factory(API, stage="prod", stage_prefix="optional", extra={"apiId": API_ID, "iamKeys": KEYS})


@pytest.fixture(scope="module")
def closed(gateway_factory):
    """The same API without iamKeys: IAM operations fail closed."""
    return gateway_factory(API, stage="prod", stage_prefix="optional", extra={"apiId": API_ID})


REAL_DATETIME = datetime.datetime


class FixedClock(datetime.datetime):
    """botocore's clock, moved by `offset`."""
    offset = datetime.timedelta(0)

    @classmethod
    def utcnow(cls):
        return REAL_DATETIME.utcnow() + cls.offset

    @classmethod
    def now(cls, tz=None):
        return REAL_DATETIME.now(tz) + cls.offset


def signed(gw, method, path, creds=ALICE_KEY, body=b"", headers=None, skew=None, send_body=None):
    """Signs with botocore (clock moved by `skew`), sends with requests (`send_body` instead of the
    signed body when given)."""
    url = gw.url + path
    req = AWSRequest(method, url, data=body, headers=dict(headers or {}))
    with mock.patch.object(botocore.auth.datetime, "datetime", FixedClock):
        FixedClock.offset = skew or datetime.timedelta(0)
        SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
    return requests.request(method, url, headers=dict(req.headers),
                            data=body if send_body is None else send_body, timeout=10)


def presigned(gw, path, creds=ALICE_KEY, expires=60):
    req = AWSRequest("GET", gw.url + path)
    SigV4QueryAuth(creds, "execute-api", "us-east-1", expires=expires).add_auth(req)
    return req.url


def refused(r, error_type, body):
    assert (r.status_code, r.content) == (403, body), (r.status_code, r.content)
    assert r.headers["x-amzn-ErrorType"] == error_type
    assert r.headers["content-type"] == "application/json"


def identity(key="AKIDALICE", arn=ALICE):
    """The MOCK's answer: the caller's $context.identity."""
    return {"accessKey": key, "accountId": ACCOUNT, "caller": key, "user": key, "userArn": arn}


# A request botocore signed with a configured key is served, with the caller's $context.identity.
def test_signed_request_is_served(gw):
    r = signed(gw, "GET", "/prod/pets")
    assert r.status_code == 200, r.content
    assert r.json() == identity()


# A body is signed: a POST with one is served; the same signature with another body is refused.
def test_body_is_signed(gw):
    body = json.dumps({"name": "rex"}).encode()
    r = signed(gw, "POST", "/pets", body=body, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (200, identity()), r.content
    r = signed(gw, "POST", "/pets", body=body, headers={"Content-Type": "application/json"},
               send_body=b'{"name":"max"}')
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "InvalidSignatureException", r.content
    message = r.json()["message"]
    assert message.startswith(MISMATCH + "\n\nThe Canonical String for this request should have been\n'POST\n/pets\n"), message
    assert "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in message


# The path as the client sent it (%20 kept, encoded once more for the canonical request, as botocore
# does) and the query; a session token header is signed and accepted.
def test_path_query_and_session_token(gw):
    r = signed(gw, "GET", "/prod/items/a%20b%3Ac?b=two%2Fthree&a=1&a=0&empty=")
    assert r.status_code == 200, r.content
    token = Credentials("AKIDALICE", "alice-secret/+key", "SESSION/TOKEN+x=")
    r = signed(gw, "GET", "/prod/pets?x=1", creds=token)
    assert r.status_code == 200, r.content


# No signature: Missing Authentication Token; not SigV4: IncompleteSignatureException.
def test_unsigned_and_not_sigv4(gw):
    refused(gw.request("GET", "/prod/pets"), "MissingAuthenticationTokenException", MISSING)
    r = gw.request("GET", "/prod/pets", headers={"Authorization": "Bearer x"})
    assert (r.status_code, r.headers["x-amzn-ErrorType"]) == (403, "IncompleteSignatureException")
    assert r.json()["message"].startswith(
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '")
    # An operation without auth stays open.
    assert gw.request("GET", "/open").status_code == 200


# An access key the key set does not have.
def test_unknown_key(gw):
    r = signed(gw, "GET", "/prod/pets", creds=Credentials("AKIDNOBODY", "x"))
    refused(r, "UnrecognizedClientException", b'{"message":"The security token included in the request is invalid."}')


# A client clock 10 minutes behind: AWS's "Signature expired" with the gateway's time.
def test_skewed_clock(gw):
    r = signed(gw, "GET", "/prod/pets", skew=datetime.timedelta(minutes=-10))
    assert (r.status_code, r.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException"), r.content
    m = re.fullmatch(r'\{"message":"Signature expired: (\d{8}T\d{6}Z) is now earlier than (\d{8}T\d{6}Z) '
                     r'\((\d{8}T\d{6}Z) - 5 min\.\)"\}', r.content.decode())
    assert m, r.content
    signed_at, limit, now = (datetime.datetime.strptime(g, "%Y%m%dT%H%M%SZ") for g in m.groups())
    assert now - limit == datetime.timedelta(minutes=5)
    assert datetime.timedelta(minutes=9) < now - signed_at < datetime.timedelta(minutes=11)
    r = signed(gw, "GET", "/prod/pets", skew=datetime.timedelta(minutes=10))
    assert r.json()["message"].startswith("Signature not yet current: "), r.content


# A presigned URL (botocore's SigV4QueryAuth) is served; its query changed, refused.
def test_presigned_url(gw):
    url = presigned(gw, "/prod/pets?x=1")
    r = requests.get(url, timeout=10)
    assert (r.status_code, r.json()) == (200, identity()), r.content
    r = requests.get(url.replace("x=1", "x=2"), timeout=10)
    assert (r.status_code, r.headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException"), r.content
    assert r.json()["message"].startswith(MISMATCH)


# A key whose identity policy does not allow the method: AWS's ACCESS_DENIED with the caller's ARN.
def test_policy_denies(gw):
    r = signed(gw, "GET", "/prod/pets", creds=DENIED_KEY)
    refused(r, "AccessDeniedException", (
        f'{{"Message":"User: {DENIED} is not authorized to perform: execute-api:Invoke on resource: '
        f'{METHOD_ARN}/GET/pets"}}').encode())
    r = signed(gw, "POST", "/prod/pets", creds=DENIED_KEY, body=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.content


# Without iamKeys, a correctly signed request still gets Missing Authentication Token.
def test_without_keys_fails_closed(closed):
    refused(signed(closed, "GET", "/prod/pets"), "MissingAuthenticationTokenException", MISSING)


def signed_with_date_header(gw, path, creds=ALICE_KEY, skew=datetime.timedelta(0)):
    """A GET signed by botocore's SigV4 steps with the time in an HTTP `Date` header and no
    `X-Amz-Date` (AWS SigV4: either one dates the request)."""
    when = REAL_DATETIME.now(datetime.timezone.utc) + skew
    url = gw.url + path
    req = AWSRequest("GET", url, headers={"Date": when.strftime("%a, %d %b %Y %H:%M:%S GMT")})
    req.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
    auth = SigV4Auth(creds, "execute-api", "us-east-1")
    req.headers["Host"] = url.split("://")[1].split("/")[0]
    canonical = auth.canonical_request(req)
    signature = auth.signature(auth.string_to_sign(req, canonical), req)
    req.headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={auth.scope(req)}, "
                                    f"SignedHeaders={auth.signed_headers(auth.headers_to_sign(req))}, "
                                    f"Signature={signature}")
    return requests.get(url, headers=dict(req.headers), timeout=10)


# The `Date` header dates a signature that has no `X-Amz-Date`: served; 6 minutes off is refused as
# X-Amz-Date is, the date quoted in ISO-8601 basic form.
def test_date_header_signature(gw):
    r = signed_with_date_header(gw, "/prod/pets")
    assert (r.status_code, r.json()) == (200, identity()), r.content
    r = signed_with_date_header(gw, "/prod/pets", skew=datetime.timedelta(minutes=-6))
    assert r.status_code == 403 and r.headers["x-amzn-ErrorType"] == "InvalidSignatureException", r.content
    assert re.fullmatch(r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
                        r"\(\d{8}T\d{6}Z - 5 min\.\)", r.json()["message"]), r.content
