"""The OpenAPI definitions the local-reply scenarios serve (a MOCK, a CORS preflight, N resources),
and the filter's Envoy HTTP filter for a definition."""

import json

from .common import ACCOUNT_SETTINGS, apigw, free_port
CORS_ALLOW_HEADERS = "'Content-Type'"
CORS_ALLOW_METHODS = "'GET,OPTIONS'"
MOCK_BODY = '{"message": "hello from a mock"}'


def _mock_get():
    return {
        "responses": {"200": {"description": "200 response"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {"default": {"statusCode": "200",
                                      "responseTemplates": {"application/json": MOCK_BODY}}},
        },
    }


def _cors_options():
    """What the console's "Enable CORS" adds to a resource."""
    return {
        "responses": {"200": {"description": "200 response"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {"default": {"statusCode": "200", "responseParameters": {
                "method.response.header.Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                "method.response.header.Access-Control-Allow-Methods": CORS_ALLOW_METHODS,
                "method.response.header.Access-Control-Allow-Origin": "'*'",
            }}},
        },
    }


def resource_paths(n):
    """`n` resource templates: pairs `/resI` and `/resI/{id}`, so the tree has static and variable
    levels."""
    out = []
    i = 0
    while len(out) < n:
        out.append(f"/res{i}")
        if len(out) < n:
            out.append(f"/res{i}/{{id}}")
        i += 1
    return out


def generated_definition(n):
    """An OpenAPI 3 export with `n` resources, each a GET MOCK with a static body and a console
    CORS OPTIONS MOCK."""
    return {
        "openapi": "3.0.1",
        "info": {"title": f"bench-{n}", "version": "1"},
        "paths": {p: {"get": _mock_get(), "options": _cors_options()} for p in resource_paths(n)},
    }


def gateway_filter(wasm, doc, stage_variables=None, extra=None, name=apigw.FILTER_NAME):
    """The filter serving `doc` as `make run` configures it (`extra`: more plugin configuration
    keys), and the clusters it names. Lambda and other AWS integrations point at a local port
    nothing listens on: no scenario calls them."""
    origins = apigw.http_origins(doc, stage_variables or {})
    mapping = {o: apigw.cluster_name(o) for o in origins}
    lambda_url = f"http://127.0.0.1:{free_port()}"
    clusters = [apigw.cluster(name, origin) for origin, name in mapping.items()]
    clusters.append(apigw.cluster("lambda", lambda_url))
    aws_urls = {service: lambda_url for service, _ in apigw.aws_services(doc) if service != "lambda"}
    clusters += [apigw.cluster(f"aws_{service}", url) for service, url in aws_urls.items()]
    plugin = apigw.plugin_config(doc, stage="prod", stage_variables=stage_variables, stage_prefix="optional",
                                 origins_to_clusters=mapping, lambda_url=lambda_url, aws_urls=aws_urls,
                                 extra={"accountSettings": ACCOUNT_SETTINGS, **(extra or {})})
    return apigw.wasm_filter(wasm, json.dumps(plugin), name), clusters
