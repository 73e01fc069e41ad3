"""Proxied requests against a second Envoy standing in for the Lambda Invoke API and an HTTP backend:
this filter's AWS_PROXY vs Envoy's `aws_lambda` vs a plain route vs the callout floor (L1-L4, L3f),
HTTP_PROXY and an HTTP route with templates vs a plain route with and without a null wasm filter and
vs the rewrite floor (H1-H4, H3f), and the share of `aws_lambda`'s cost that is its SigV4
signature."""

import json
import os

from .common import ACCOUNT_SETTINGS, BenchError, Envoy, answer_route, apigw, envoy_config, free_port, measure, median, route_to
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:bench"
LAMBDA_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{LAMBDA_ARN}/invocations"
# A valid Lambda proxy answer, for every path (the upstream does not look at the request).
LAMBDA_ANSWER = '{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{}"}'
BACKEND_ANSWER = '{"ok":true}'
# Fixed dummy credentials: Envoy's aws_lambda filter and ours both sign every request with them.
DUMMY_AWS = {"AWS_ACCESS_KEY_ID": "AKIDBENCHEXAMPLE0000", "AWS_SECRET_ACCESS_KEY": "benchSecretKeyExample0000000000000000000",
             "AWS_REGION": "us-east-1"}
REQUEST_TEMPLATE = '{"id": "$input.params(\'id\')", "q": "$input.params(\'q\')"}'
RESPONSE_TEMPLATE = "#set($b = $input.path('$')){\"wrapped\": $input.json('$'), \"ok\": $b.ok}"
# The Invoke API path the gateway calls for LAMBDA_URI (the function's ARN URL-encoded once).
INVOKE_PATH = "/2015-03-31/functions/" + LAMBDA_ARN.replace(":", "%3A") + "/invocations"
# Each gateway row's floor (README: "Floors"): the wasm filter doing only the host work its
# integration cannot avoid, measured in the same rounds.
FLOORS = {"L3": "L3f", "L4": "L3f", "H3": "H3f"}


def floor_event(core):
    """The event of the callout floor: the one benches/core-time saw the gateway build for L3's
    request (`l3_event`), else a payload 1.0 event of the same shape padded to its usual size."""
    if isinstance(core.get("l3_event"), str):
        return core["l3_event"]
    event = {"resource": "/fn", "path": "/fn", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
             "requestContext": {"requestId": "c0ffee00-0000-4000-8000-000000000000"}, "body": None,
             "isBase64Encoded": False}
    event["headers"]["x-pad"] = "x" * max(0, 1380 - len(json.dumps(event, separators=(",", ":"))))
    return json.dumps(event, separators=(",", ":"))


def callout_floor_config(lambda_url, event):
    """benches/filters/callout's configuration: cluster, authority, path, x-amz-date, event."""
    authority = lambda_url.split("://", 1)[1]
    return "\n".join(["lambda", authority, INVOKE_PATH, "20251124T160000Z", event])


def proxied_definition(backend_url):
    """`GET /fn` AWS_PROXY, `ANY /proxy/{proxy+}` HTTP_PROXY to `backend_url`, and `GET /items/{id}`:
    HTTP (POST to the backend) with a request and a response template."""
    def param(name, where):
        return {"name": name, "in": where, "required": where == "path", "schema": {"type": "string"}}

    ok = {"200": {"description": "200 response"}}
    return {
        "openapi": "3.0.1",
        "info": {"title": "bench-proxied", "version": "1"},
        "paths": {
            "/fn": {"get": {"responses": ok, "x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": LAMBDA_URI,
                "passthroughBehavior": "when_no_match"}}},
            "/proxy/{proxy+}": {"x-amazon-apigateway-any-method": {
                "parameters": [param("proxy", "path")], "responses": ok,
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "ANY", "uri": f"{backend_url}/{{proxy}}",
                    "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
                    "passthroughBehavior": "when_no_match"}}},
            "/items/{id}": {"get": {
                "parameters": [param("id", "path"), param("q", "query")], "responses": ok,
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": f"{backend_url}/items",
                    "requestTemplates": {"application/json": REQUEST_TEMPLATE},
                    "passthroughBehavior": "when_no_templates",
                    "responses": {"default": {"statusCode": "200",
                                              "responseTemplates": {"application/json": RESPONSE_TEMPLATE}}}}}},
        },
    }


def lambda_cluster(lambda_url):
    """The `lambda` cluster. Envoy's aws_lambda filter acts only on routes to a cluster marked as a
    Lambda gateway (it skips the request otherwise); the mark changes nothing for the other Lambda
    scenarios."""
    lam = apigw.cluster("lambda", lambda_url)
    lam["metadata"] = {"filter_metadata": {"com.amazonaws.lambda": {"egress_gateway": True}}}
    return lam


def proxied_gateway(wasm, doc, lambda_url):
    """The filter serving `doc`, its HTTP origins and Lambda pointing at local upstreams."""
    mapping = {o: apigw.cluster_name(o) for o in apigw.http_origins(doc, {})}
    clusters = [apigw.cluster(name, origin) for origin, name in mapping.items()]
    clusters.append(lambda_cluster(lambda_url))
    plugin = apigw.plugin_config(doc, stage="prod", stage_prefix="optional", origins_to_clusters=mapping,
                                 lambda_url=lambda_url, extra={"accountSettings": ACCOUNT_SETTINGS})
    return apigw.wasm_filter(wasm, json.dumps(plugin)), clusters


def proxied_gateway_envoy_signed(wasm, doc, lambda_url):
    """The same filter, but its Lambda target says `"signing": "envoy"` and names a cluster whose
    aws_request_signing upstream filter signs the invoke natively."""
    mapping = {o: apigw.cluster_name(o) for o in apigw.http_origins(doc, {})}
    plugin = apigw.plugin_config(doc, stage="prod", stage_prefix="optional", origins_to_clusters=mapping,
                                 lambda_url=lambda_url, envoy_signs_lambda=True,
                                 extra={"accountSettings": ACCOUNT_SETTINGS})
    plugin["targets"]["lambda"]["cluster"] = "lambda_signed"
    cluster = apigw.envoy_signing(apigw.cluster("lambda_signed", lambda_url), "lambda", "us-east-1")
    return apigw.wasm_filter(wasm, json.dumps(plugin), "apigateway_signed"), [cluster]


def native_lambda_filter():
    return {"name": "envoy.filters.http.aws_lambda", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config",
        "arn": LAMBDA_ARN, "payload_passthrough": False, "invocation_mode": "SYNCHRONOUS"}}


def upstream_envoy(args):
    """A second Envoy (`--concurrency 1`) standing in for Lambda's Invoke API and an HTTP backend:
    `direct_response` on two listeners. Returns (envoy, lambda_url, backend_url)."""
    lam, backend = free_port(), free_port()
    # The buffer filter reads the whole request before `direct_response` answers: answering a POST
    # before its body has arrived makes Envoy close the connection, i.e. one connection per request.
    buffer = [{"name": "envoy.filters.http.buffer", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer",
        "max_request_bytes": apigw.BUFFER_LIMIT_BYTES}}]
    config = envoy_config([apigw.listener("lambda_api", lam, buffer, answer_route(LAMBDA_ANSWER), "127.0.0.1"),
                           apigw.listener("backend", backend, buffer, answer_route(BACKEND_ANSWER), "127.0.0.1")])
    envoy = Envoy(args.envoy, config, name="upstream").wait_ready()
    return envoy, f"http://127.0.0.1:{lam}", f"http://127.0.0.1:{backend}"


def lambda_ok(body):
    return body == b"{}"


def template_ok(body):
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return doc == {"wrapped": {"ok": True}, "ok": True}


def proxied(args, wasm, filters, core):
    """Issue 5 and 6: Lambda and HTTP scenarios side by side, one front Envoy, one upstream Envoy;
    with the floors of issue 16 (`core`: benches/core-time's output, for the callout floor's event)."""
    upstream, lambda_url, backend_url = upstream_envoy(args)
    try:
        doc = proxied_definition(backend_url)
        gateway, clusters = proxied_gateway(wasm, doc, lambda_url)
        gateway_signed, signed_clusters = proxied_gateway_envoy_signed(wasm, doc, lambda_url)
        clusters += signed_clusters
        backend_cluster = apigw.cluster_name(backend_url)
        ports = {k: free_port() for k in ("l_plain", "l_native", "h_plain", "h_null", "gateway", "signed",
                                          "l_callout", "h_rewrite")}
        listeners = [
            apigw.listener("l_plain", ports["l_plain"], [], route_to("lambda"), "127.0.0.1"),
            apigw.listener("l_native", ports["l_native"], [native_lambda_filter()], route_to("lambda"), "127.0.0.1"),
            apigw.listener("h_plain", ports["h_plain"], [], route_to(backend_cluster), "127.0.0.1"),
            apigw.listener("h_null", ports["h_null"], [apigw.wasm_filter(filters["null"], "{}", "bench_null")],
                           route_to(backend_cluster), "127.0.0.1"),
            apigw.listener("gateway", ports["gateway"], [gateway], apigw.gateway_routes(), "127.0.0.1"),
            apigw.listener("signed", ports["signed"], [gateway_signed], apigw.gateway_routes(), "127.0.0.1"),
            apigw.listener("l_callout", ports["l_callout"],
                           [apigw.wasm_filter(filters["callout"], callout_floor_config(lambda_url, floor_event(core)),
                                              "bench_callout")], apigw.gateway_routes(), "127.0.0.1"),
            apigw.listener("h_rewrite", ports["h_rewrite"],
                           [apigw.wasm_filter(filters["rewrite"], backend_cluster, "bench_rewrite")],
                           apigw.gateway_routes(), "127.0.0.1"),
        ]
        env = dict(os.environ, **DUMMY_AWS)
        env.pop("AWS_SESSION_TOKEN", None)
        envoy = Envoy(args.envoy, envoy_config(listeners, clusters), name="front", env=env).wait_ready()
        try:
            item = "/items/42?q=abc"
            plan = [
                ("L1", "(L1) plain Envoy route → Invoke API", ports["l_plain"], "GET", "/fn", None, 200,
                 LAMBDA_ANSWER.encode()),
                ("L2", "(L2) Envoy's `aws_lambda` filter", ports["l_native"], "GET", "/fn", None, 200, lambda_ok),
                ("L3f", "(L3f) callout floor: one `dispatch_http_call`, a fixed event, a local reply",
                 ports["l_callout"], "GET", "/fn", None, 200, lambda_ok),
                ("L3", "(L3) filter: AWS_PROXY `GET /fn`", ports["gateway"], "GET", "/fn", None, 200, lambda_ok),
                ("L4", "(L4) filter: AWS_PROXY, Envoy signs (`signing: envoy`)", ports["signed"], "GET", "/fn", None,
                 200, lambda_ok),
                ("H1", "(H1) plain Envoy route → backend", ports["h_plain"], "GET", item, None, 200,
                 BACKEND_ANSWER.encode()),
                ("H2", "(H2) null wasm filter + plain route", ports["h_null"], "GET", item, None, 200,
                 BACKEND_ANSWER.encode()),
                ("H3f", "(H3f) rewrite floor: header map and address read, `:path` and cluster set",
                 ports["h_rewrite"], "GET", "/proxy" + item, None, 200, BACKEND_ANSWER.encode()),
                ("H3", "(H3) filter: HTTP_PROXY `/proxy/{proxy+}`", ports["gateway"], "GET", "/proxy" + item, None,
                 200, BACKEND_ANSWER.encode()),
                ("H4", "(H4) filter: HTTP, request + response templates", ports["gateway"], "GET", item, None, 200,
                 template_ok),
            ]
            return plan, measure(args, envoy, plan, args.proxied_rounds, upstream)
        finally:
            envoy.stop()
    finally:
        upstream.stop()


def lambda_signing_share(args):
    """How much of Envoy's `aws_lambda` cost is its SigV4 signature: L1 and L2 measured again in a
    front Envoy with credentials and in one without (the filter then forwards unsigned). Returns the
    CPU per request of L2 over L1 in each, or {"error": why}."""
    upstream, lambda_url, _ = upstream_envoy(args)
    out = {}
    try:
        lam = lambda_cluster(lambda_url)
        ports = {k: free_port() for k in ("plain", "native")}
        listeners = [apigw.listener("plain", ports["plain"], [], route_to("lambda"), "127.0.0.1"),
                     apigw.listener("native", ports["native"], [native_lambda_filter()], route_to("lambda"),
                                    "127.0.0.1")]
        plan = [("L1", "L1", ports["plain"], "GET", "/fn", None, 200, LAMBDA_ANSWER.encode()),
                ("L2", "L2", ports["native"], "GET", "/fn", None, 200, lambda_ok)]
        for signed in (True, False):
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            if signed:
                env.update(DUMMY_AWS)
                env.pop("AWS_SESSION_TOKEN", None)
            front = Envoy(args.envoy, envoy_config(listeners, [lam]), name=f"lambda-signed-{signed}",
                          env=env).wait_ready()
            try:
                runs = measure(args, front, plan, args.proxied_rounds)
            finally:
                front.stop()
            out["signed" if signed else "unsigned"] = median(
                [x["cpu_us"] - y["cpu_us"] for x, y in zip(runs["L2"], runs["L1"])])
    except BenchError as e:
        out = {"error": str(e).splitlines()[0]}
    finally:
        upstream.stop()
    return out
