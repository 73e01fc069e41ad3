"""Routing on the resource + method pair in a real Envoy, and the answer to a request no resource
serves (`IncompleteSignatureException` when it carries a non-SigV4 Authorization header); README:
"Behaviour", Routing.

Every operation is a MOCK whose response template prints the resource, the method and the path
parameters it was routed with, so each case asserts exactly which resource served the request."""

import base64
import hashlib
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
ECHO = '{"resource":"$context.resourcePath","method":"$context.httpMethod","params":"$input.params().path"}'


def op():
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": ECHO}}}}}


def api(tree):
    """`tree`: path -> methods (`ANY` for x-amazon-apigateway-any-method; [] for a parent resource)."""
    paths = {}
    for path, methods in tree.items():
        item = {}
        for m in methods:
            item["x-amazon-apigateway-any-method" if m == "ANY" else m.lower()] = op()
        paths[path] = item
    return {"openapi": "3.0.1", "info": {"title": "routing", "version": "1"}, "paths": paths}


def served(g, method, path, **kw):
    r = g.request(method, path, **kw)
    assert r.status_code == 200, (method, path, r.status_code, r.content)
    return r.json()


def routed(resource, method, params=""):
    return {"resource": resource, "method": method, "params": "{" + params + "}"}


@pytest.fixture(scope="module")
def jobs(gateway_factory):
    # The tree measured on real API Gateway, the everyday SAM/CDK shape.
    return gateway_factory(api({"/{proxy+}": ["ANY"], "/jobs": [], "/jobs/{operation_type}": ["GET"],
                                "/cors_only": ["OPTIONS"]}))


# The GET resource serves GET; every other (path, method) pair falls back to /{proxy+}.
@pytest.mark.parametrize("method,path,expected", [
    ("GET", "/jobs/reboot", routed("/jobs/{operation_type}", "GET", "operation_type=reboot")),
    ("GET", "/jobs", routed("/{proxy+}", "GET", "proxy=jobs")),
    ("POST", "/jobs", routed("/{proxy+}", "POST", "proxy=jobs")),
    ("POST", "/jobs/reboot", routed("/{proxy+}", "POST", "proxy=jobs/reboot")),
    ("GET", "/cors_only", routed("/{proxy+}", "GET", "proxy=cors_only")),
    ("OPTIONS", "/cors_only", routed("/cors_only", "OPTIONS")),
])
def test_jobs_tree(jobs, method, path, expected):
    assert served(jobs, method, path) == expected


@pytest.fixture(scope="module")
def users(gateway_factory):
    return gateway_factory(api({"/users/me": ["PATCH"], "/users/{userId}": ["GET"]}))


# A literal `/users/me` with only PATCH gives way to `/users/{userId}` for GET.
def test_literal_without_method_falls_back_to_param(users):
    assert served(users, "GET", "/users/me") == routed("/users/{userId}", "GET", "userId=me")
    assert served(users, "PATCH", "/users/me") == routed("/users/me", "PATCH")


# No resource serves the pair -> 403 Missing Authentication Token.
@pytest.mark.parametrize("method,path", [("POST", "/users/me"), ("DELETE", "/users/7"), ("GET", "/nothing")])
def test_no_resource_serves_the_pair(users, method, path):
    r = users.request(method, path)
    assert (r.status_code, r.content) == (403, MISSING_TOKEN)
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert r.headers["content-type"] == "application/json"


# The same requests with `Authorization: Bearer x` get
# IncompleteSignatureException, whose message carries the header's SHA-256 in base64.
@pytest.mark.parametrize("method,path", [("GET", "/nothing"), ("POST", "/users/me")])
def test_unknown_route_with_bearer_token(users, method, path):
    r = users.request(method, path, headers={"Authorization": "Bearer x"})
    hashed = base64.b64encode(hashlib.sha256(b"Bearer x").digest()).decode()
    message = ("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and "
               f"encoded with Base64): '{hashed}'.")
    assert r.status_code == 403
    assert r.content == json.dumps({"message": message}, separators=(",", ":")).encode()
    assert r.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    assert r.headers["content-type"] == "application/json"


# key=value pairs that are not a SigV4 header: each missing parameter is named.
def test_unknown_route_with_basic_auth(users):
    r = users.request("GET", "/nothing", headers={"Authorization": "Basic YWJjOmRlZg=="})
    assert r.status_code == 403
    assert r.json() == {"message": (
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
        "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
        "existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Basic YWJjOmRlZg==")}
    assert r.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"


# A routed request with an Authorization header is served as usual (the header is the function's business).
def test_known_route_with_bearer_token(users):
    assert served(users, "GET", "/users/7", headers={"Authorization": "Bearer x"}) == \
        routed("/users/{userId}", "GET", "userId=7")


# `OPTIONS /test` where `/test` has only POST and the greedy sibling declares OPTIONS.
def test_options_falls_back_to_greedy_sibling(gateway_factory):
    g = gateway_factory(api({"/test": ["POST"], "/{proxy+}": ["OPTIONS"]}))
    assert served(g, "OPTIONS", "/test") == routed("/{proxy+}", "OPTIONS", "proxy=test")
    assert served(g, "POST", "/test") == routed("/test", "POST")
    r = g.request("GET", "/test")
    assert (r.status_code, r.content) == (403, MISSING_TOKEN)


# A segment with no static child falls back past it to a parent's greedy resource.
def test_unknown_child_falls_back_to_root_greedy(gateway_factory):
    g = gateway_factory(api({"/part1": ["GET"], "/{param+}": ["ANY"]}))
    assert served(g, "GET", "/part1/random-value") == routed("/{param+}", "GET", "param=part1/random-value")
    assert served(g, "GET", "/part1") == routed("/part1", "GET")
    assert served(g, "DELETE", "/part1") == routed("/{param+}", "DELETE", "param=part1")


# Backtracking across several levels; the parameters of an abandoned branch do not leak.
def test_backtracking_across_levels(gateway_factory):
    g = gateway_factory(api({"/a/{x}/c": ["GET"], "/a/b/{y}": ["POST"], "/a/{x}/{more+}": ["DELETE"],
                             "/{all+}": ["PUT"]}))
    assert served(g, "POST", "/a/b/c") == routed("/a/b/{y}", "POST", "y=c")
    assert served(g, "GET", "/a/b/c") == routed("/a/{x}/c", "GET", "x=b")
    assert served(g, "DELETE", "/a/b/c") == routed("/a/{x}/{more+}", "DELETE", "x=b, more=c")
    assert served(g, "PUT", "/a/b/c") == routed("/{all+}", "PUT", "all=a/b/c")
    r = g.request("PATCH", "/a/b/c")
    assert (r.status_code, r.content) == (403, MISSING_TOKEN)
