"""contentHandling and binary payloads (README: "HTTP, HTTP_PROXY and AWS services", recorded on
AWS) through a real Envoy: HTTP (custom) and MOCK integrations against scripts/echo_backend.py, AWS
(S3) against moto; the exact bytes that reach the backend and the exact bytes the client gets, for
each cell of the matrix, invalid UTF-8 included.

`/echo` answers JSON describing what arrived (the body as text, or base64 with `"base64": true`
when it is not UTF-8); `/binary?type=T` answers the request's bytes with Content-Type T, which is
how the response rows choose the integration's payload and type."""

import base64
import json
import subprocess

import pytest

import apigw
from conftest import CHECKER
from conftest_http import MotoServer, aws_targets, headers_of

API_ID = "contentapi"
# Invalid UTF-8 with valid parts: a gzip header, "café", a lone 0xff 0xfe, a truncated "€".
RAW = b"\x1f\x8b\x08\x00caf\xc3\xa9 \xff\xfe end \xe2\x82"
RAW_B64 = base64.b64encode(RAW)
LOSSY = RAW.decode("utf-8", errors="replace").encode("utf-8")  # each invalid byte run -> U+FFFD
B = "http://${stageVariables.backend}"
SERVER_ERROR = {"message": "Internal server error"}


def http(uri, handling=None, templates=None, responses=None, **extra):
    i = {"type": "http", "httpMethod": "POST", "uri": uri,
         "responses": responses or {"default": {"statusCode": "200"}}}
    if handling:
        i["contentHandling"] = handling
    if templates:
        i["requestTemplates"] = templates
    i.update(extra)
    return {"post": {"x-amazon-apigateway-integration": i}}


def answering(handling=None, templates=None):
    """An HTTP integration whose backend answers the request's bytes with the Content-Type the
    client names in X-Type; `handling` and `templates` are the integration response's."""
    r = {"statusCode": "200"}
    if handling:
        r["contentHandling"] = handling
    if templates:
        r["responseTemplates"] = templates
    return http(B + "/binary", responses={"default": r},
                requestParameters={"integration.request.querystring.type": "method.request.header.X-Type"})


def mock(handling):
    i = {"type": "mock",
         "requestTemplates": {ct: '#set($context.requestOverride.path.body = $input.body){"statusCode": 200}'
                              for ct in ("image/png", "text/plain")},
         "responses": {"default": {"statusCode": "200",
                                   "responseTemplates": {"application/json": "[$context.requestOverride.path.body]"}}}}
    if handling:
        i["contentHandling"] = handling
    return {"post": {"x-amazon-apigateway-integration": i}}


API = {
    "openapi": "3.0.1", "info": {"title": "content", "version": "1"},
    "paths": {
        # request side: the echo shows what arrived
        "/req/none": http(B + "/echo"),
        "/req/text": http(B + "/echo", "CONVERT_TO_TEXT"),
        "/req/binary": http(B + "/echo", "CONVERT_TO_BINARY"),
        "/req/text/template": http(B + "/echo", "CONVERT_TO_TEXT", {"image/png": '{"b64": "$input.body"}'}),
        "/req/none/template": http(B + "/echo", None, {"text/plain": "[$input.body]"}),
        "/req/binary/template": http(B + "/echo", "CONVERT_TO_BINARY", {"application/json": '{"data": "$input.body"}'}),
        # response side: the backend answers the bytes it was sent
        "/resp/none": answering(),
        "/resp/text": answering("CONVERT_TO_TEXT"),
        "/resp/binary": answering("CONVERT_TO_BINARY"),
        "/resp/text/template": answering("CONVERT_TO_TEXT", {"application/json": '{"data": "$input.body"}'}),
        "/resp/none/template": answering(None, {"application/json": "[$input.body]"}),
        # MOCK: the request template reads the converted body
        "/mock/none": mock(None),
        "/mock/text": mock("CONVERT_TO_TEXT"),
        "/mock/binary": mock("CONVERT_TO_BINARY"),
    },
    "x-amazon-apigateway-binary-media-types": ["image/png", "application/octet-stream"],
}


@pytest.fixture(scope="module")
def gw(gateway_factory, echo):
    return gateway_factory(API, stage="prod", stage_variables={"backend": echo.authority},
                           origins={echo.origin: "echo"}, clusters=[apigw.cluster("echo", echo.url)],
                           extra={"apiId": API_ID})


def arrived(r):
    """The exact bytes the echo backend received, and its headers."""
    assert r.status_code == 200, (r.status_code, r.content)
    e = r.json()
    body = base64.b64decode(e["body"]) if e["base64"] else e["body"].encode("utf-8")
    return body, headers_of(e)


def assert_500(r):
    assert r.status_code == 500, (r.status_code, r.content)
    assert r.json() == SERVER_ERROR
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


# --- request --------------------------------------------------------------------------------------

# Each row: (path, client Content-Type, client body, bytes the backend must receive or None for
# 500). image/png is in binaryMediaTypes, text/plain and application/json are not.
REQUEST_ROWS = [
    # no contentHandling: text is read as UTF-8 (each invalid byte run -> U+FFFD), binary passes
    ("/req/none", "text/plain", b"hello", b"hello"),
    ("/req/none", "text/plain", RAW, LOSSY),
    ("/req/none", "image/png", RAW, RAW),
    # CONVERT_TO_TEXT: binary -> base64 text; text as without contentHandling
    ("/req/text", "image/png", RAW, RAW_B64),
    ("/req/text", "text/plain", RAW, LOSSY),
    # CONVERT_TO_BINARY: text is base64-decoded (not base64 -> 500); binary is unchanged
    ("/req/binary", "text/plain", RAW_B64, RAW),
    ("/req/binary", "text/plain", b"not base64!", None),
    ("/req/binary", "image/png", RAW, RAW),
    # templates read the converted payload
    ("/req/text/template", "image/png", RAW, b'{"b64": "' + RAW_B64 + b'"}'),
    ("/req/none/template", "text/plain", RAW, b"[" + LOSSY + b"]"),
    # AWS-recorded: CONVERT_TO_BINARY + an application/json template + a base64 JSON body -> 500
    ("/req/binary/template", "application/json", RAW_B64, None),
    # a binary type with no template passes (WHEN_NO_MATCH), unchanged under CONVERT_TO_BINARY
    ("/req/binary/template", "image/png", RAW, RAW),
]


@pytest.mark.parametrize("path,ctype,body,want", REQUEST_ROWS)
def test_request_matrix(gw, path, ctype, body, want):
    r = gw.request("POST", path, data=body, headers={"Content-Type": ctype})
    if want is None:
        assert_500(r)
        return
    got, h = arrived(r)
    assert got == want
    assert h["content-type"] == [ctype]
    assert h["content-length"] == [str(len(want))]


# --- response -------------------------------------------------------------------------------------

# Each row: (path, integration Content-Type, client Accept, backend body, client body or None for
# 500). Only the first Accept entry counts.
RESPONSE_ROWS = [
    # no contentHandling
    ("/resp/none", "text/plain", "application/json", RAW, LOSSY),
    ("/resp/none", "text/plain", "image/png", RAW_B64, RAW),
    ("/resp/none", "text/plain", "image/png, application/json", b"plain text", None),
    ("/resp/none", "text/plain", "application/json, image/png", b"plain text", b"plain text"),
    ("/resp/none", "image/png", "application/json", RAW, RAW_B64),
    ("/resp/none", "image/png", "image/png", RAW, RAW),
    # CONVERT_TO_TEXT: binary -> base64 even for a binary Accept; text stays text (U+FFFD)
    ("/resp/text", "image/png", "image/png", RAW, RAW_B64),
    ("/resp/text", "image/png", "application/json", RAW, RAW_B64),
    ("/resp/text", "text/plain", "image/png", RAW, LOSSY),
    ("/resp/text", "text/plain", "application/json", RAW, LOSSY),
    # CONVERT_TO_BINARY: text is base64-decoded (not base64 -> 500); binary unchanged, even for a text Accept
    ("/resp/binary", "text/plain", "application/json", RAW_B64, RAW),
    ("/resp/binary", "text/plain", "application/json", b"plain text", None),
    ("/resp/binary", "text/plain", "image/png", RAW_B64, RAW),
    ("/resp/binary", "image/png", "application/json", RAW, RAW),
    ("/resp/binary", "image/png", "image/png", RAW, RAW),
    # a response template sees the converted (text) payload
    ("/resp/text/template", "image/png", "application/json", RAW, b'{"data": "' + RAW_B64 + b'"}'),
    ("/resp/none/template", "text/plain", "application/json", RAW, b"[" + LOSSY + b"]"),
]


@pytest.mark.parametrize("path,ctype,accept,body,want", RESPONSE_ROWS)
def test_response_matrix(gw, path, ctype, accept, body, want):
    # application/octet-stream is binary: the request bytes reach the backend unchanged.
    r = gw.request("POST", path, data=body, headers={
        "Content-Type": "application/octet-stream", "Accept": accept, "X-Type": ctype})
    if want is None:
        assert_500(r)
        return
    assert r.status_code == 200, (r.status_code, r.content)
    assert r.content == want
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Content-Length"] == str(len(want))


# --- MOCK -----------------------------------------------------------------------------------------

# The MOCK request template reads the converted body (its response has no payload to convert).
@pytest.mark.parametrize("path,ctype,body,want", [
    ("/mock/text", "image/png", RAW, b"[" + RAW_B64 + b"]"),
    ("/mock/none", "text/plain", RAW, b"[" + LOSSY + b"]"),
    ("/mock/binary", "text/plain", base64.b64encode(b"hi"), b"[hi]"),
    ("/mock/binary", "text/plain", b"not base64!", None),
    ("/mock/none", "image/png", RAW, None),  # bytes that are no text cannot be read by a template
])
def test_mock_request_conversion(gw, path, ctype, body, want):
    r = gw.request("POST", path, data=body, headers={"Content-Type": ctype})
    if want is None:
        assert_500(r)
        return
    assert r.status_code == 200, (r.status_code, r.content)
    assert r.content == want


# An unknown contentHandling is refused at load, naming the operation and the field.
def test_unknown_content_handling_is_refused(tmp_path):
    api = {"openapi": "3.0.1", "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "contentHandling": "CONVERT_TO_JSON", "responses": {"default": {"statusCode": "200"}}}}}}}
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(apigw.plugin_config(api)))
    r = subprocess.run([CHECKER, str(cfg)], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert ('GET /x: field x-amazon-apigateway-integration.contentHandling: '
            '"CONVERT_TO_JSON" is neither CONVERT_TO_TEXT nor CONVERT_TO_BINARY') in r.stderr


# --- AWS (S3 in moto): the object stored and the object served ------------------------------------

BUCKET = "content"


def s3(handling):
    def op(method, extra):
        i = {"type": "aws", "httpMethod": method, "uri": f"arn:aws:apigateway:us-east-1:s3:path/{BUCKET}/{{object}}",
             "credentials": "arn:aws:iam::123456789012:role/api",
             "requestParameters": dict({"integration.request.path.object": "method.request.path.key"}, **extra),
             "responses": {"default": {"statusCode": "200"}}}
        return {"x-amazon-apigateway-integration": i}
    put = op("PUT", {"integration.request.header.Content-Type": "method.request.header.Content-Type"})
    get = op("GET", {})
    if handling:
        put["x-amazon-apigateway-integration"]["contentHandling"] = handling
        get["x-amazon-apigateway-integration"]["responses"]["default"]["contentHandling"] = handling
    return {"put": put, "get": get}


S3_API = {
    "openapi": "3.0.1", "info": {"title": "content-s3", "version": "1"},
    "paths": {"/s3/none/{key}": s3(None), "/s3/text/{key}": s3("CONVERT_TO_TEXT"),
              "/s3/binary/{key}": s3("CONVERT_TO_BINARY")},
    "x-amazon-apigateway-binary-media-types": ["image/png", "application/octet-stream"],
}


@pytest.fixture(scope="module")
def moto():
    m = MotoServer()
    s3c = m.client("s3")
    s3c.create_bucket(Bucket=BUCKET)
    s3c.put_object(Bucket=BUCKET, Key="png", Body=RAW, ContentType="image/png")
    s3c.put_object(Bucket=BUCKET, Key="b64", Body=RAW_B64, ContentType="text/plain")
    s3c.put_object(Bucket=BUCKET, Key="text", Body=b"plain text", ContentType="text/plain")
    yield m
    m.stop()


@pytest.fixture(scope="module")
def s3_gw(gateway_factory, moto):
    return gateway_factory(S3_API, stage="prod", clusters=[apigw.cluster("moto", moto.url)],
                           extra={"targets": aws_targets(moto.authority, ["s3"])}, env=moto.envoy_env())


# Each row: (path, client Content-Type, client body, the object S3 stores, or None for 500 with
# nothing stored). The same cells as the AWS-recorded S3 uploads.
@pytest.mark.parametrize("path,ctype,body,stored", [
    ("/s3/none/up-raw", "image/png", RAW, RAW),
    ("/s3/none/up-text", "text/plain", RAW, LOSSY),
    ("/s3/text/up-png", "image/png", RAW, RAW_B64),
    ("/s3/binary/up-b64", "text/plain", RAW_B64, RAW),
    ("/s3/binary/up-bad", "text/plain", b"not base64!", None),
    ("/s3/binary/up-png", "image/png", RAW, RAW),
])
def test_s3_upload(s3_gw, moto, path, ctype, body, stored):
    r = s3_gw.request("PUT", path, data=body, headers={"Content-Type": ctype})
    key = path.rsplit("/", 1)[1]
    s3c = moto.client("s3")
    if stored is None:
        assert_500(r)
        with pytest.raises(s3c.exceptions.NoSuchKey):
            s3c.get_object(Bucket=BUCKET, Key=key)
        return
    assert r.status_code == 200, (r.status_code, r.content)
    assert r.content == b""
    obj = s3c.get_object(Bucket=BUCKET, Key=key)
    assert obj["Body"].read() == stored
    assert obj["ContentType"] == ctype


# Each row: (path, client Accept, the body the client gets, or None for 500). Objects: `png` is
# RAW as image/png, `b64` is RAW's base64 as text/plain, `text` is "plain text" as text/plain.
@pytest.mark.parametrize("path,accept,want", [
    ("/s3/none/png", "image/png", RAW),
    ("/s3/none/png", "application/json", RAW_B64),
    ("/s3/none/b64", "image/png", RAW),
    ("/s3/none/b64", "application/json", RAW_B64),
    ("/s3/none/text", "image/png", None),
    ("/s3/text/png", "image/png", RAW_B64),
    ("/s3/text/b64", "image/png", RAW_B64),
    ("/s3/binary/b64", "application/json", RAW),
    ("/s3/binary/png", "application/json", RAW),
    ("/s3/binary/text", "application/json", None),
])
def test_s3_download(s3_gw, path, accept, want):
    r = s3_gw.request("GET", path, headers={"Accept": accept})
    if want is None:
        assert_500(r)
        return
    assert r.status_code == 200, (r.status_code, r.content)
    assert r.content == want
