"""Global throttling (README: "Throttling"): two gateways — two Envoy processes, as two replicas
would be — ask one rate limit service that speaks Envoy's RLS gRPC protocol
(tests/e2e/rls_server.py, grpcio, the proto compiled at test time), so together they admit the
configured rate, not twice it; every refusal is AWS's exact 429. A service that cannot be reached
admits. Both ways are shown: the filter's own gRPC callout, and Envoy's real `ratelimit` filter
between the filter and its second instance (what `make run GLOBAL_RATE_LIMIT=` sets up)."""

import pytest

from conftest import WASM, apigw, free_port
from load import hammer
from test_throttling import api, assert_rate, assert_too_many_requests, mock, stage


@pytest.fixture(scope="module")
def rls():
    from rls_server import RateLimitService

    s = RateLimitService()
    yield s
    s.stop()


def replica(gateway_factory, address, extra=None):
    cluster, config = apigw.rate_limit_service(address)
    config["globalRateLimit"]["timeoutMs"] = 2000  # a busy test machine must not time out
    return gateway_factory(api({"/limited": {"get": mock('{"ok": true}')}, "/free": {"get": mock("{}")}}),
                           extra={"stageSettings": stage({"~1limited/GET": (40, 8)}), **config, **(extra or {})},
                           clusters=[cluster], concurrency=2)


@pytest.fixture(scope="module")
def replicas(gateway_factory, rls):
    return [replica(gateway_factory, rls.address), replica(gateway_factory, rls.address)]


# Two replicas, one service: together they admit the configured rate.
def test_two_replicas_share_the_limit(replicas, rls):
    elapsed, answers = hammer([g.port for g in replicas], ["/limited"], 3.0, connections=16)
    assert_rate(answers, "/limited", 40, 8, elapsed)
    for g in replicas:
        assert any(a.port == g.port and a.status == 200 for a in answers)
        assert any(a.port == g.port and a.status == 429 for a in answers)


# What the service is asked: domain `apigateway`, one descriptor per level in AWS's order (the
# method's stage limit, then the account's), each naming its counter and carrying its limit.
def test_descriptors(replicas, rls):
    assert replicas[0].request("GET", "/free").status_code == 200
    request = rls.recorded()[-1]
    assert request.domain == "apigateway"
    got = [([(e.key, e.value) for e in d.entries], (d.limit.requests_per_unit, d.limit.unit))
           for d in request.descriptors]
    assert got == [
        ([("apigw_throttle", "apigw/a/123456789012/us-east-1"), ("rate", "10000"), ("burst", "5000")], (10000, 1)),
    ]
    replicas[0].request("GET", "/limited")
    request = rls.recorded()[-1]
    assert [[(e.key, e.value) for e in d.entries] for d in request.descriptors] == [
        [("apigw_throttle", "apigw/s/prod/GET /limited"), ("rate", "40"), ("burst", "8")],
        [("apigw_throttle", "apigw/a/123456789012/us-east-1"), ("rate", "10000"), ("burst", "5000")],
    ]


# The service's refusal is AWS's 429, whichever replica answers.
def test_refusal_is_aws_429(replicas):
    _, answers = hammer(replicas[1].port, ["/limited"], 1.0, connections=4)
    refused = [a for a in answers if a.status != 200]
    assert refused
    for a in refused:
        assert_too_many_requests(a)


# A service that cannot be reached admits (Envoy's own ratelimit filter does the same by default)
# and says so in the log.
def test_unreachable_service_admits(gateway_factory):
    g = replica(gateway_factory, f"127.0.0.1:{free_port()}")
    assert [g.request("GET", "/limited").status_code for _ in range(12)] == [200] * 12
    assert "GET /limited: the rate limit call failed with gRPC status 14: admitted" in g.envoy.logs()


# Why the filter calls the service itself: Envoy's own ratelimit filter placed after it sees only
# the requests the filter lets through (HTTP_PROXY), never those it answers itself (a MOCK here):
# Envoy's filter chain stops at a filter's local reply.
def test_envoys_ratelimit_filter_after_the_wasm_filter_misses_local_replies(rls):
    from conftest import WASM, Envoy
    from conftest_http import EchoBackend

    echo = EchoBackend()
    port, admin = free_port(), free_port()
    definition = api({"/mock": {"get": mock("{}")}, "/proxy": {"get": {"x-amazon-apigateway-integration": {
        "type": "http_proxy", "httpMethod": "GET", "uri": echo.url + "/proxied"}}}})
    cluster, _ = apigw.rate_limit_service(rls.address)
    plugin = apigw.plugin_config(definition, origins_to_clusters={echo.origin: "echo"}, stage_prefix=False)
    ratelimit = {"name": "envoy.filters.http.ratelimit", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
        "domain": "probe", "timeout": "2s", "rate_limit_service": {
            "grpc_service": {"envoy_grpc": {"cluster_name": cluster["name"]}}, "transport_api_version": "V3"}}}
    routes = apigw.gateway_routes()
    routes[0]["route"]["rate_limits"] = [{"actions": [{"generic_key": {"descriptor_value": "probe"}}]}]
    config = apigw.envoy_config(WASM, plugin, port, admin, [cluster, apigw.cluster("echo", echo.url)], "127.0.0.1")
    listener = config["static_resources"]["listeners"][0]
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    hcm["http_filters"].insert(1, ratelimit)
    hcm["route_config"]["virtual_hosts"][0]["routes"] = routes
    envoy = Envoy(config, name="probe").wait_ready()
    try:
        import requests

        def probes():
            return sum(1 for r in rls.recorded() if r.domain == "probe")

        before = probes()
        assert requests.get(f"http://127.0.0.1:{port}/mock", timeout=10).status_code == 200
        assert probes() == before
        assert requests.get(f"http://127.0.0.1:{port}/proxy", timeout=10).status_code == 200
        assert probes() == before + 1
    finally:
        envoy.stop()
        echo.stop()


# --- through Envoy's own ratelimit filter ------------------------------------------------------

KEYS = "Name,Key,Enabled,UsagePlanIds\na,plan-key-a-0123456789abcdef,TRUE,tiny\n"
PLANS = {"items": [{"id": "tiny", "apiStages": [{"apiId": "gl0bal0001", "stage": "prod"}],
                    "quota": {"limit": 3, "offset": 0, "period": "DAY"}}]}


def filter_api(lambda_url=None, echo_url=None):
    paths = {"/limited": {"get": mock('{"ok": true}')}, "/free": {"get": mock("{}")},
             "/quota": {"get": dict(mock('{"q": true}'), security=[{"api_key": []}])}}
    if lambda_url:
        paths["/fn"] = {"post": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                   "arn:aws:lambda:us-east-1:123456789012:function:echo/invocations"}}}
    if echo_url:
        paths["/proxy"] = {"get": {"x-amazon-apigateway-integration": {
            "type": "http_proxy", "httpMethod": "GET", "uri": echo_url + "/proxied"}}}
    definition = api(paths)
    definition["components"] = {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}
    return definition


def filter_replica(gateway_factory, address, lambda_url=None, echo=None, definition=None):
    cluster, config = apigw.rate_limit_service(address, via_filter=True)
    clusters = [cluster] + ([apigw.cluster("echo", echo.url)] if echo else [])
    return gateway_factory(
        definition or filter_api(lambda_url, echo.url if echo else None),
        extra={"stageSettings": stage({"~1limited/GET": (40, 8)}), "apiId": "gl0bal0001",
               "apiKeys": KEYS, "usagePlans": PLANS, **config},
        clusters=clusters, lambda_url=lambda_url, origins={echo.origin: "echo"} if echo else None, concurrency=2,
        edit=lambda c: apigw.place_rate_limit_filter(c, WASM, timeout="2s"))


@pytest.fixture(scope="module")
def filter_replicas(gateway_factory, rls, functions, echo):
    return [filter_replica(gateway_factory, rls.address, functions.url, echo),
            filter_replica(gateway_factory, rls.address, functions.url, echo)]


# Two replicas, one service, Envoy's ratelimit filter asking it: together they admit the
# configured rate, every refusal AWS's exact 429 (the ratelimit filter's own answer replaced).
def test_ratelimit_filter_two_replicas_share_the_limit(filter_replicas):
    elapsed, answers = hammer([g.port for g in filter_replicas], ["/limited"], 3.0, connections=16)
    assert_rate(answers, "/limited", 40, 8, elapsed)
    for g in filter_replicas:
        assert any(a.port == g.port and a.status == 200 for a in answers)
        assert any(a.port == g.port and a.status == 429 for a in answers)
    for a in answers:
        if a.status != 200:
            assert_too_many_requests(a)


# What Envoy's filter asks: the filter's levels as descriptors, in AWS's order; a client's own
# descriptor or handoff headers never reach the service; the answer carries none of the headers
# Envoy's filter adds (x-ratelimit-*), as API Gateway sends none.
def test_ratelimit_filter_descriptors(filter_replicas, rls):
    g = filter_replicas[0]
    forged = {"x-apigw-ratelimit-0-apigw-throttle": "forged", "x-apigw-ratelimit-0-rate": "1",
              "x-apigw-ratelimit-0-burst": "1", "x-apigw-ratelimit-4-apigw-quota": "forged",
              "x-apigw-handoff": "0000000000000001"}
    r = g.request("GET", "/free", headers=forged)
    assert (r.status_code, r.content) == (200, b"{}")
    assert not [k for k in r.headers if k.lower().startswith(("x-ratelimit", "x-envoy"))], dict(r.headers)
    request = rls.recorded()[-1]
    assert request.domain == "apigateway"
    assert [[(e.key, e.value) for e in d.entries] for d in request.descriptors] == [
        [("apigw_throttle", "apigw/a/123456789012/us-east-1"), ("rate", "10000"), ("burst", "5000")],
    ]
    g.request("GET", "/limited")
    assert [[(e.key, e.value) for e in d.entries] for d in rls.recorded()[-1].descriptors] == [
        [("apigw_throttle", "apigw/s/prod/GET /limited"), ("rate", "40"), ("burst", "8")],
        [("apigw_throttle", "apigw/a/123456789012/us-east-1"), ("rate", "10000"), ("burst", "5000")],
    ]


# A usage plan's quota, counted by the service: the fourth request of a key is AWS's
# QUOTA_EXCEEDED 429 (told from the throttle's by the refusing limit's window, a day).
def test_ratelimit_filter_quota(filter_replicas, rls):
    key = {"x-api-key": "plan-key-a-0123456789abcdef"}
    got = [filter_replicas[i % 2].request("GET", "/quota", headers=key) for i in range(4)]
    assert [r.status_code for r in got] == [200, 200, 200, 429]
    r = got[-1]
    assert (r.headers["x-amzn-ErrorType"], r.content) == ("LimitExceededException", b'{"message":"Limit Exceeded"}')
    assert r.headers["content-type"] == "application/json" and r.headers["content-length"] == "28"
    assert not [k for k in r.headers if k.lower().startswith(("x-ratelimit", "x-envoy"))], dict(r.headers)
    entries = [[(e.key, e.value) for e in d.entries] for d in rls.recorded()[-1].descriptors]
    assert entries[0] == [("apigw_quota", "apigw/q/tiny/" + entries[0][0][1].rsplit("/", 1)[-1]),
                          ("limit", "3"), ("offset", "0"), ("period", "DAY")]
    # Without a key: AWS's 403 before any level is asked.
    r = filter_replicas[0].request("GET", "/quota")
    assert (r.status_code, r.content) == (403, b'{"message":"Forbidden"}')


# Admitted requests reach every integration through the second instance: a Lambda proxy
# integration with a body (held while the service decides) and an HTTP proxy, which receives none
# of the handoff headers.
def test_ratelimit_filter_integrations(filter_replicas, functions, echo):
    g = filter_replicas[1]
    r = g.request("POST", "/fn", data=b'{"hello": "world"}', headers={"content-type": "application/json"})
    assert r.status_code == 200, r.content
    event = r.json()
    assert event["body"] == '{"hello": "world"}'
    assert not [k for k in event["headers"] if k.lower().startswith("x-apigw")], event["headers"]
    r = g.request("GET", "/proxy")
    assert r.status_code == 200, r.content
    received = [k for k, _ in r.json()["headers"]]
    assert not [k for k in received if k.lower().startswith(("x-apigw", "x-ratelimit"))], received
    assert not [k for k in r.headers if k.lower().startswith(("x-ratelimit", "x-envoy"))], dict(r.headers)


# A customised THROTTLED gateway response answers instead of AWS's default, as without the service.
def test_ratelimit_filter_customised_response(gateway_factory, rls):
    definition = filter_api()
    definition["paths"]["/slow"] = {"get": mock("x")}
    definition["x-amazon-apigateway-gateway-responses"] = {"THROTTLED": {
        "statusCode": "503", "responseParameters": {"gatewayresponse.header.Retry-After": "'1'"},
        "responseTemplates": {"application/json": '{"error":"slow down","type":"$context.error.responseType"}'}}}
    cluster, config = apigw.rate_limit_service(rls.address, via_filter=True)
    g = gateway_factory(definition, extra={"stageSettings": stage({"~1slow/GET": (1, 1)}), **config},
                        clusters=[cluster], edit=lambda c: apigw.place_rate_limit_filter(c, WASM, timeout="2s"))
    assert g.request("GET", "/slow").status_code == 200
    r = g.request("GET", "/slow")
    assert (r.status_code, r.content) == (503, b'{"error":"slow down","type":"THROTTLED"}')
    assert r.headers["Retry-After"] == "1"
    assert r.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert r.headers["content-length"] == str(len(r.content))


# A service that cannot be reached admits, as Envoy's ratelimit filter does by default.
def test_ratelimit_filter_unreachable_service_admits(gateway_factory):
    g = filter_replica(gateway_factory, f"127.0.0.1:{free_port()}", definition=filter_api())
    assert [g.request("GET", "/limited").status_code for _ in range(12)] == [200] * 12
