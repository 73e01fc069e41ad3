"""HTTP_PROXY and HTTP (custom) integrations in a real Envoy against scripts/echo_backend.py, which
answers with exactly what it received. Expected values: README "HTTP, HTTP_PROXY and AWS services"
(recorded on AWS). Envoy's own request headers (x-envoy-*, x-request-id, x-forwarded-proto) are left
out of the header comparisons: API Gateway does not send them, Envoy does."""

import base64
import email.utils
import json
import subprocess
import time
from urllib.parse import urlencode

import pytest

import apigw
from conftest_http import gateway_headers, headers_of

API_ID = "httpapi01"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def proxy(uri, method="ANY", **extra):
    return {"x-amazon-apigateway-integration": dict({"type": "http_proxy", "httpMethod": method, "uri": uri}, **extra)}


def custom(uri, method="POST", **extra):
    i = {"type": "http", "httpMethod": method, "uri": uri,
         "responses": {"default": {"statusCode": "200"}}}
    i.update(extra)
    return {"x-amazon-apigateway-integration": i}


B = "http://${stageVariables.backend}"

API = {
    "openapi": "3.0.1", "info": {"title": "http", "version": "1"},
    "paths": {
        "/proxy/{proxy+}": {"x-amazon-apigateway-any-method": proxy(B + "/base/{proxy}?fixed=1", requestParameters={
            "integration.request.path.proxy": "method.request.path.proxy",
            "integration.request.header.x-mapped": "method.request.header.x-source",
            "integration.request.header.x-override": "'from-mapping'",
            "integration.request.querystring.mq": "stageVariables.sv",
            "integration.request.querystring.none": "method.request.header.absent",
        })},
        "/items/{id}": {"get": proxy(B + "/items/{id}", method="GET")},
        "/proxyhost/{proxy+}": {"x-amazon-apigateway-any-method": proxy(B + "/{proxy}", requestParameters={
            "integration.request.header.Host": "method.request.header.Host"})},
        "/timeout": {"get": proxy(B + "/slow/3000", method="GET", timeoutInMillis=500)},
        "/custom": {"post": custom(B + "/echo"), "get": custom(B + "/echo", method="GET")},
        "/custom/own-headers": {"get": custom(B + "/echo", method="GET", requestParameters={
            "integration.request.header.Accept": "method.request.header.Accept",
            "integration.request.header.User-Agent": "method.request.header.User-Agent",
            "integration.request.header.Host": "method.request.header.Host"})},
        "/custom/status/{code}": {"get": custom(B + "/status/{code}", method="GET", requestParameters={
            "integration.request.path.code": "method.request.path.code"})},
        "/patterned/{code}": {"get": custom(B + "/status/{code}", method="GET", requestParameters={
            "integration.request.path.code": "method.request.path.code"},
            responses={"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "400"}})},
        "/strict/{code}": {"get": custom(B + "/status/{code}", method="GET", requestParameters={
            "integration.request.path.code": "method.request.path.code"},
            responses={"2\\d{2}": {"statusCode": "200"}})},
        "/mapped/{code}": {"get": custom(B + "/status/{code}", method="GET", requestParameters={
            "integration.request.path.code": "method.request.path.code"},
            responses={"default": {"statusCode": "202", "responseParameters": {
                "method.response.header.X-From-Backend": "integration.response.header.X-Backend",
                "method.response.header.X-Cookies": "integration.response.multivalueheader.Set-Cookie",
                "method.response.header.X-Status": "integration.response.body.status",
                "method.response.header.Date": "integration.response.header.Date",
                "method.response.header.X-Static": "'s'",
            }}})},
        "/params/{id}": {"post": custom(B + "/echo/{pid}", requestParameters={
            "integration.request.path.pid": "method.request.path.id",
            "integration.request.querystring.q": "method.request.querystring.q",
            "integration.request.multivaluequerystring.mq": "method.request.multivaluequerystring.q",
            "integration.request.header.x-h": "method.request.header.x-in",
            "integration.request.multivalueheader.x-mh": "method.request.multivalueheader.x-in",
            "integration.request.header.x-name": "method.request.body.user.name",
            "integration.request.header.x-ctx": "context.stage",
            "integration.request.header.x-sv": "stageVariables.sv",
            "integration.request.header.x-static": "'lit'",
            "integration.request.header.x-missing": "method.request.header.absent",
        })},
        "/template": {"post": custom(B + "/echo", passthroughBehavior="NEVER", requestTemplates={
            "application/json": '#set($context.requestOverride.header.x-over = "o")'
                                '{"name": "$input.path(\'$.name\')", "id": "$context.requestId"}'},
            responses={"default": {"statusCode": "200", "responseTemplates": {
                "application/json": '{"sent": $input.json(\'$.body\'), "method": "$input.path(\'$.method\')"}'}}})},
        "/binary": {"post": custom(B + "/echo", contentHandling="CONVERT_TO_TEXT",
                                   requestTemplates={"image/png": '{"b64": "$input.body"}'})},
    },
    "x-amazon-apigateway-binary-media-types": ["image/png"],
}


@pytest.fixture(scope="module")
def gw(gateway_factory, echo):
    return gateway_factory(API, stage="prod", stage_variables={"backend": echo.authority, "sv": "stagev"},
                           origins={echo.origin: "echo"}, clusters=[apigw.cluster("echo", echo.url)],
                           extra={"apiId": API_ID})


def echoed(r):
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


# --- HTTP_PROXY -------------------------------------------------------------------------------

# URI vars filled, ${stageVariables} substituted, URI query + client query + mapped query,
# Host = the URI's host, client headers forwarded but the drop list, header mappings override.
# The backend gets X-Amzn-Apigateway-Api-Id (the gateway's, not one the client sent).
def test_proxy_request(gw, echo):
    r = gw.request("GET", "/proxy/a/b%20c?x=1&x=2", headers={
        "X-Source": "src", "X-Override": "client", "X-Keep": "k", "Via": "1.1 v", "Max-Forwards": "3",
        "Content-MD5": "x", "Proxy-Authenticate": "x", "WWW-Authenticate": "x", "Upgrade": "h2c",
        "X-Amzn-Apigateway-Api-Id": "spoofed"})
    e = echoed(r)
    assert e["method"] == "GET"
    assert e["path"] == "/base/a/b%20c?fixed=1&x=1&x=2&mq=stagev"
    h = headers_of(e)
    assert h["host"] == [echo.authority]
    assert h["x-amzn-apigateway-api-id"] == [API_ID]
    assert h["x-keep"] == ["k"] and h["x-source"] == ["src"]
    assert h["x-mapped"] == ["src"]
    assert h["x-override"] == ["from-mapping"]
    for dropped in ("via", "max-forwards", "content-md5", "proxy-authenticate", "www-authenticate", "upgrade"):
        assert dropped not in h, dropped
    assert "x-forwarded-for" in h


# The client's method and body pass unchanged (binary too); ANY keeps the method.
def test_proxy_method_and_body(gw):
    body = bytes(range(256)) * 4
    e = echoed(gw.request("PUT", "/proxy/upload", data=body, headers={"Content-Type": "application/octet-stream"}))
    assert e["method"] == "PUT"
    assert e["base64"] is True and base64.b64decode(e["body"]) == body


# HTTP_PROXY returns the backend's status and headers as they are; only Connection,
# Content-Length, Date, Server and x-amzn-RequestId are remapped (WWW-Authenticate passes).
def test_proxy_response_passthrough(gw):
    r = gw.request("GET", "/proxy/status/404")
    assert r.status_code == 404
    assert r.json() == {"status": 404, "path": "/base/status/404?fixed=1&mq=stagev"}
    assert r.headers["X-Backend"] == "echo"
    assert r.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert r.headers["WWW-Authenticate"] == 'Basic realm="echo"'
    assert "x-amzn-Remapped-WWW-Authenticate" not in r.headers
    assert r.headers["x-amzn-Remapped-Date"] == "Mon, 01 Jan 2024 00:00:00 GMT"


# The backend's Connection, Content-Length, Date, Server and x-amzn-RequestId come back as
# x-amzn-Remapped-<Name> with their values; the gateway sends its own x-amzn-RequestId, Date and
# Content-Length; every other backend header passes as it is.
def test_proxy_response_remapped_headers(gw):
    sent = ["Connection:keep-alive", "Server:BackendServer/2", "Date:Mon, 01 Jan 2024 00:00:00 GMT",
            "x-amzn-RequestId:backend-request-id", "X-Other:o"]
    query = urlencode([("set", v) for v in sent])
    before = time.time()
    r = gw.request("GET", "/proxy/reply-headers?" + query)
    e = echoed(r)
    assert e["path"] == f"/base/reply-headers?fixed=1&{query}&mq=stagev"
    got = [(k.lower(), v) for k, v in r.raw.headers.items()]
    names = sorted(k for k, _ in got)
    assert names == sorted([
        "content-type", "x-echo", "x-other", "content-length", "date", "x-amzn-requestid", "x-amz-apigw-id",
        "x-amzn-remapped-connection", "x-amzn-remapped-content-length", "x-amzn-remapped-date",
        "x-amzn-remapped-server", "x-amzn-remapped-x-amzn-requestid"])
    h = dict(got)
    assert h["content-type"] == "application/json" and h["x-echo"] == "1" and h["x-other"] == "o"
    assert h["x-amzn-remapped-connection"] == "keep-alive"
    assert h["x-amzn-remapped-server"] == "BackendServer/2"
    assert h["x-amzn-remapped-date"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert h["x-amzn-remapped-x-amzn-requestid"] == "backend-request-id"
    assert h["content-length"] == h["x-amzn-remapped-content-length"] == str(len(r.content))
    # The gateway's own: a request id of its own (a UUID) and the current date.
    assert len(h["x-amzn-requestid"]) == 36 and h["x-amzn-requestid"] != "backend-request-id"
    assert abs(email.utils.parsedate_to_datetime(h["date"]).timestamp() - before) < 5


# A large response streams through whole.
def test_proxy_large_response(gw):
    r = gw.request("GET", "/proxy/bytes/3000000", timeout=30)
    assert r.status_code == 200
    assert len(r.content) == 3000000


def test_proxy_path_parameter(gw):
    assert echoed(gw.request("GET", "/items/42?x=y"))["path"] == "/items/42?x=y"


# A Host mapped from method.request.header.Host reaches the backend as its Host; without the
# mapping the backend gets the URI's host (test_proxy_request).
def test_proxy_host_mapping(gw):
    e = echoed(gw.request("GET", "/proxyhost/h/1", headers={"Host": "api.example.com"}))
    assert e["path"] == "/h/1"
    assert headers_of(e)["host"] == ["api.example.com"]


# The integration timeout -> 504 Endpoint request timed out.
def test_proxy_timeout(gw):
    r = gw.request("GET", "/timeout")
    assert r.status_code == 504
    assert r.json() == {"message": "Endpoint request timed out"}


# An origin with no Envoy cluster is a configuration error, refused at load with the operation named.
def test_proxy_unlisted_origin_is_refused_at_load(tmp_path):
    import json
    import subprocess
    from conftest import CHECKER, apigw
    api = {"openapi": "3.0.1", "paths": {"/nowhere": {"get": proxy("http://unlisted.invalid:9/x", method="GET")}}}
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(apigw.plugin_config(api)))
    r = subprocess.run([CHECKER, str(cfg)], capture_output=True, text=True)
    assert r.returncode == 1
    assert ('invalid definition: deployment "prod": GET /nowhere: field x-amazon-apigateway-integration.uri: '
            'no Envoy cluster for the integration origin http://unlisted.invalid:9 (add it to targets.http)') in r.stderr


# --- HTTP custom ------------------------------------------------------------------------------

# HTTP forwards no client headers: Host, Accept, User-Agent, Content-Length and, for methods
# with a body, the client's Content-Type; the client query is not forwarded either. It sends
# X-Amzn-Apigateway-Api-Id; a GET without a body has no Content-Type (even when the client sent
# one) and Content-Length 0.
def test_custom_headers_exactly(gw, echo):
    e = echoed(gw.request("POST", "/custom?q=1", data=b"hello",
                          headers={"Content-Type": "text/plain", "X-Client": "1", "User-Agent": "curl/8"}))
    assert e["path"] == "/echo"
    assert e["body"] == "hello"
    h = headers_of(e)
    assert sorted(gateway_headers(e)) == sorted(["host", "accept", "user-agent", "content-type", "content-length",
                                                 "x-amzn-apigateway-api-id"])
    assert h["host"] == [echo.authority]
    assert h["accept"] == ["application/json"]
    assert h["user-agent"] == [f"AmazonAPIGateway_{API_ID}"]
    assert h["content-type"] == ["text/plain"]
    assert h["content-length"] == ["5"]
    assert h["x-amzn-apigateway-api-id"] == [API_ID]


# A GET without a body sends no Content-Type, even when the client sent one, and Content-Length 0.
def test_custom_get_without_body(gw, echo):
    e = echoed(gw.request("GET", "/custom", headers={"Content-Type": "text/plain", "X-Client": "1"}))
    assert (e["method"], e["path"], e["body"]) == ("GET", "/echo", "")
    assert sorted(gateway_headers(e)) == sorted(["host", "accept", "user-agent", "content-length",
                                                 "x-amzn-apigateway-api-id"])
    h = headers_of(e)
    assert h["host"] == [echo.authority]
    assert h["accept"] == ["application/json"]
    assert h["user-agent"] == [f"AmazonAPIGateway_{API_ID}"]
    assert h["content-length"] == ["0"]
    assert h["x-amzn-apigateway-api-id"] == [API_ID]


# Header mappings override API Gateway's own Accept and User-Agent, and a Host mapped from
# method.request.header.Host is the backend's Host; a mapping whose source is missing is left out
# so API Gateway's own values stay.
def test_custom_mappings_override_own_headers(gw, echo):
    e = echoed(gw.request("GET", "/custom/own-headers",
                          headers={"Accept": "text/xml", "User-Agent": "curl/8", "Host": "api.example.com"}))
    assert sorted(gateway_headers(e)) == sorted(["host", "accept", "user-agent", "content-length",
                                                 "x-amzn-apigateway-api-id"])
    h = headers_of(e)
    assert h["accept"] == ["text/xml"]
    assert h["user-agent"] == ["curl/8"]
    assert h["host"] == ["api.example.com"]
    assert h["x-amzn-apigateway-api-id"] == [API_ID]
    # requests always sends Accept and User-Agent: send the bytes without them.
    raw = gw.raw(b"GET /custom/own-headers HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), raw
    h = headers_of(json.loads(body))
    assert h["accept"] == ["application/json"]
    assert h["user-agent"] == [f"AmazonAPIGateway_{API_ID}"]
    assert h["host"] == ["api.example.com"]


# Only a default response: backend 400 -> 200; `4\d{2}` -> 400 maps 404 to 400;
# no match and no default -> 500. Backend headers are not returned unless mapped.
def test_custom_selection(gw):
    r = gw.request("GET", "/custom/status/400")
    assert r.status_code == 200
    assert r.json() == {"status": 400, "path": "/status/400"}
    assert r.headers["Content-Type"] == "application/json"
    assert "X-Backend" not in r.headers and "Set-Cookie" not in r.headers
    assert gw.request("GET", "/patterned/404").status_code == 400
    assert gw.request("GET", "/patterned/201").status_code == 200
    r = gw.request("GET", "/strict/500")
    assert r.status_code == 500
    assert r.json() == {"message": "Internal server error"}


# Response parameters: header, multivalueheader, body JSONPath, static; Date -> x-amzn-Remapped-Date.
def test_custom_response_parameters(gw):
    r = gw.request("GET", "/mapped/404")
    assert r.status_code == 202
    assert r.headers["X-From-Backend"] == "echo"
    assert r.headers["X-Cookies"] == "a=1; Path=/,b=2; Path=/"
    assert r.headers["X-Status"] == "404"
    assert r.headers["X-Static"] == "s"
    assert r.headers["x-amzn-Remapped-Date"] == "Mon, 01 Jan 2024 00:00:00 GMT"


# Request parameters from every source; a missing source is left out.
def test_custom_request_parameters(gw):
    r = gw.request("POST", "/params/7?q=a&q=b", json={"user": {"name": "ann"}},
                   headers={"X-In": "1"})
    e = echoed(r)
    assert e["path"] == "/echo/7?q=b&mq=a&mq=b"
    h = headers_of(e)
    assert h["x-h"] == ["1"]
    assert h["x-mh"] == ["1"]
    assert h["x-name"] == ["ann"]
    assert h["x-ctx"] == ["prod"]
    assert h["x-sv"] == ["stagev"]
    assert h["x-static"] == ["lit"]
    assert "x-missing" not in h


# Request template by Content-Type, requestOverride, response template reshaping the backend body.
def test_custom_templates(gw):
    r = gw.request("POST", "/template", json={"name": "zed"})
    assert r.status_code == 200, r.text
    doc = r.json()
    sent = json.loads(doc["sent"])
    assert sent["name"] == "zed" and sent["id"]
    assert doc["method"] == "POST"
    # passthroughBehavior NEVER: 415 for a type without a template.
    r = gw.request("POST", "/template", data="x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert r.json() == {"message": "Unsupported Media Type"}


# contentHandling CONVERT_TO_TEXT: a binary body reaches the template as base64.
def test_custom_convert_to_text(gw):
    e = echoed(gw.request("POST", "/binary", data=PNG, headers={"Content-Type": "image/png"}))
    assert json.loads(e["body"]) == {"b64": base64.b64encode(PNG).decode()}


# --- a URI host from a stage variable the stage lacks -------------------------------------------

MISSING_HOST_API = {
    "openapi": "3.0.1", "info": {"title": "missing-host", "version": "1"},
    "paths": {
        "/nohost/proxy": {"get": proxy("http://${stageVariables.nohost}/x", method="GET")},
        "/nohost/custom": {"get": custom("http://${stageVariables.nohost}:8080/x", method="GET")},
        "/served": {"get": proxy(B + "/served", method="GET")},
    },
}


def missing_host_config(echo):
    return apigw.plugin_config(MISSING_HOST_API, stage_variables={"backend": echo.authority},
                               origins_to_clusters={echo.origin: "echo"})


@pytest.fixture(scope="module")
def gw_missing_host(gateway_factory, echo):
    return gateway_factory(MISSING_HOST_API, stage_variables={"backend": echo.authority},
                           origins={echo.origin: "echo"}, clusters=[apigw.cluster("echo", echo.url)])


# The definition loads (the checker accepts it, warning about each such operation) and Envoy starts.
def test_missing_host_stage_variable_loads(tmp_path, echo):
    from conftest import CHECKER
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(missing_host_config(echo)))
    r = subprocess.run([CHECKER, str(cfg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for op in ("GET /nohost/proxy", "GET /nohost/custom"):
        assert (f'warning: deployment "prod": {op}: field x-amazon-apigateway-integration.uri: the host comes '
                'from stage variable nohost, which the stage lacks: requests answer 500') in r.stderr, r.stderr
    assert "/served" not in r.stderr


# Those operations answer 500 Internal server error at request time; the others are served.
def test_missing_host_stage_variable_is_a_request_time_error(gw_missing_host):
    for path in ("/nohost/proxy", "/nohost/custom"):
        r = gw_missing_host.request("GET", path)
        assert r.status_code == 500, (path, r.text)
        assert r.content == b'{"message": "Internal server error"}'
        assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
        assert r.headers["Content-Type"] == "application/json"
    e = echoed(gw_missing_host.request("GET", "/served"))
    assert e["path"] == "/served"
