"""One rule for a repeated header (and a repeated query key) wherever a mapping reads one value:
the LAST value (src/resolver.rs; README: "Behaviour", Parameter mappings). AWS records the event's
single-valued query map keeping the last value and, for headers, emulators keep the last (our
choice); the same rule holds in an integration request mapping (HTTP custom, checked at the echo
backend), a MOCK response mapping ($input.params in the response template and a
$context.responseOverride header) and a gateway response mapping (gatewayresponse.header.*).
The multi-valued sources give every value in order."""

import http.client
import json

import pytest

import apigw
from conftest_http import headers_of

B = "http://${stageVariables.backend}"

MOCK_RESPONSE = ('#set($context.responseOverride.header.x-got = $input.params(\'x-rep\'))'
                 '{"header": "$input.params(\'x-rep\')", "map": "$input.params().header.get(\'x-rep\')",'
                 ' "query": "$input.params(\'q\')", "queryMap": "$input.params().querystring.get(\'q\')"}')

API = {
    "openapi": "3.0.1", "info": {"title": "repeated", "version": "1"},
    "paths": {
        "/integration": {"get": {"x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": B + "/echo",
            "requestParameters": {
                "integration.request.header.x-got": "method.request.header.x-rep",
                "integration.request.multivalueheader.x-all": "method.request.multivalueheader.x-rep",
                "integration.request.querystring.q": "method.request.querystring.q",
            },
            "responses": {"default": {"statusCode": "200"}}}}},
        "/mock": {"get": {"x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": MOCK_RESPONSE}}}}}},
    },
    "x-amazon-apigateway-gateway-responses": {
        "MISSING_AUTHENTICATION_TOKEN": {"responseParameters": {
            "gatewayresponse.header.x-got": "method.request.header.x-rep",
            "gatewayresponse.header.x-all": "method.request.multivalueheader.x-rep",
            "gatewayresponse.header.x-q": "method.request.querystring.q",
        }}},
}


@pytest.fixture(scope="module")
def gw(gateway_factory, echo):
    return gateway_factory(API, stage="prod", stage_variables={"backend": echo.authority},
                           origins={echo.origin: "echo"}, clusters=[apigw.cluster("echo", echo.url)])


def send(gw, path):
    """GET with `X-Rep: first` and `X-Rep: second` on two header lines (requests cannot repeat one)."""
    c = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        c.putrequest("GET", path)
        c.putheader("X-Rep", "first")
        c.putheader("X-Rep", "second")
        c.endheaders()
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


# Integration request mapping: the single-valued sources get the last value, the multi-valued ones all.
def test_integration_request_mapping_takes_the_last_value(gw):
    status, _, body = send(gw, "/integration?q=1&q=2")
    assert status == 200, body
    e = json.loads(body)
    h = headers_of(e)
    assert h["x-got"] == ["second"]
    assert h["x-all"] == ["first", "second"]
    assert e["path"].endswith("?q=2")


# MOCK response mapping: $input.params (by name and as a map) and a responseOverride header.
def test_mock_response_mapping_takes_the_last_value(gw):
    status, headers, body = send(gw, "/mock?q=1&q=2")
    assert status == 200, body
    assert json.loads(body) == {"header": "second", "map": "second", "query": "2", "queryMap": "2"}
    assert headers.get_all("x-got") == ["second"]


# Gateway response mapping: the same last value; the multi-valued source every value joined by ",".
def test_gateway_response_mapping_takes_the_last_value(gw):
    status, headers, body = send(gw, "/nope?q=1&q=2")
    assert status == 403, body
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert headers.get_all("x-got") == ["second"]
    assert headers.get_all("x-all") == ["first,second"]
    assert headers.get_all("x-q") == ["2"]
