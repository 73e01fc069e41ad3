"""Issue 12: one Java-regex dialect in a real Envoy with the built .wasm. A `selectionPattern` using
`\\p{Alpha}` selects a Lambda custom error response (README: "HTTP, HTTP_PROXY and AWS services":
the selection value is the function's errorMessage, matched in full), and the same construct works
in a response template's `String.matches` and in a JSONPath filter `=~` (README: "Mapping templates
(VTL)")."""

import json

import pytest

from conftest import LambdaServer

FN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"


def custom(fn, responses):
    return {"x-amazon-apigateway-integration": {"type": "aws", "httpMethod": "POST", "uri": FN.format(fn),
                                                "responses": responses}}


TEMPLATE = ('{"alpha": $input.json(\'$.items[?(@.name =~ /\\p{Alpha}+/)].name\'), '
            '"matches": $input.path(\'$.word\').matches(\'\\p{Alpha}+\')}')

API = {
    "openapi": "3.0.1", "info": {"title": "regex", "version": "1"},
    "paths": {
        # fail.py raises "something went wrong": only the \p{Alpha} pattern matches it in full.
        "/fail": {"post": custom("fail", {
            "default": {"statusCode": "200"},
            "\\p{Digit}+": {"statusCode": "500"},
            "\\p{Alpha}+ went \\p{Alpha}+": {"statusCode": "418"},
            "\\p{Alpha}+": {"statusCode": "502"}})},
        # identity.py returns the event: the response template reads the client's body.
        "/identity": {"post": custom("identity", {
            "default": {"statusCode": "200", "responseTemplates": {"application/json": TEMPLATE}}})},
    },
}


@pytest.fixture(scope="module")
def lam():
    s = LambdaServer(None, None)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gw(gateway_factory, lam):
    return gateway_factory(API, stage="prod", stage_prefix=False, lambda_url=lam.url)


# `\p{Alpha}+ went \p{Alpha}+` matches the errorMessage in full; `\p{Alpha}+` alone does not.
def test_selection_pattern_with_posix_class(gw):
    r = gw.request("POST", "/fail", json={})
    assert r.status_code == 418, r.text
    assert r.json()["errorMessage"] == "something went wrong"


# The same construct in String.matches and in a JSONPath filter (full match, Jayway).
def test_template_and_jsonpath_with_posix_class(gw):
    body = {"word": "Hello", "items": [{"name": "abc"}, {"name": "a1"}, {"name": "Zed"}]}
    r = gw.request("POST", "/identity", json=body)
    assert r.status_code == 200, r.text
    assert json.loads(r.content) == {"alpha": ["abc", "Zed"], "matches": True}
    r = gw.request("POST", "/identity", json={"word": "he11o", "items": []})
    assert json.loads(r.content) == {"alpha": [], "matches": False}
