"""Global throttling (README: "Throttling"): two gateways — two Envoy processes, as two replicas
would be — ask one rate limit service that speaks Envoy's RLS gRPC protocol
(tests/e2e/rls_server.py, grpcio, the proto compiled at test time), so together they admit the
configured rate, not twice it; every refusal is AWS's exact 429. A service that cannot be reached
admits."""

import pytest

from conftest import apigw, free_port
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
