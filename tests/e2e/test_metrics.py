"""The gateway's metrics in Envoy's stats (README: "Metrics"): known requests, then
`/stats/prometheus` with the labels api, stage, resource and method and the exact counts."""

import re
import time

import pytest
import requests

from conftest import apigw


def mock(request_template='{"statusCode": 200}', responses=None):
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": request_template},
        "responses": responses if responses is not None else {"default": {"statusCode": "200"}}}}


def definition(echo_origin):
    return {
        "openapi": "3.0.1", "info": {"title": "metered", "version": "1"},
        "paths": {
            "/pets": {"get": mock()},
            # 0 is not found: 404.
            "/pets/{id}": {"get": mock(
                "#if($input.params('id') == \"0\"){\"statusCode\": 404}#else{\"statusCode\": 200}#end",
                {"404": {"statusCode": "404"}, "default": {"statusCode": "200"}})},
            # No integration response matches 200 and there is no default: 500.
            "/broken": {"get": mock(responses={"400": {"statusCode": "400"}})},
            "/backend/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                "type": "http_proxy", "httpMethod": "ANY", "uri": f"{echo_origin}/{{proxy}}",
                "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}}},
            # An HTTP integration whose backend answers after 60 ms.
            "/slow": {"get": {"x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "GET", "uri": f"{echo_origin}/slow/60",
                "responses": {"default": {"statusCode": "200"}}}}},
        },
    }


LINE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)\{(.*)\} (\S+)$')


def prometheus(gateway):
    """`/stats/prometheus`: {(name, ((label, value), ...)): value} for the gateway's metrics."""
    text = requests.get(f"http://127.0.0.1:{gateway.envoy.admin}/stats/prometheus", timeout=5).text
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m and m.group(1).startswith("apigateway_"):
            labels = tuple(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2)))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def labels(resource, method, api="metered", stage="prod", **extra):
    return (("api", api), ("stage", stage), ("resource", resource), ("method", method)) + tuple(extra.items())


def wait_for(gateway, name, label_set, value, timeout=15):
    """Envoy merges histograms into /stats/prometheus at its stats flush (every 5 s)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = prometheus(gateway)
        if got.get((name, label_set)) == value:
            return got
        time.sleep(0.2)
    raise AssertionError(f"{name}{label_set} never reached {value}: {got.get((name, label_set))}\n"
                         + "\n".join(f"{k}: {v}" for k, v in sorted(got.items()) if v))


@pytest.fixture(scope="module")
def metered(gateway_factory, echo):
    return gateway_factory(definition(echo.origin), stage="prod", clusters=[apigw.cluster("echo", echo.url)],
                           origins={echo.origin: "echo"})


# Each operation has its own series (detailed metrics, the default), requests no operation serves
# count with an empty resource and method; 4XXError and 5XXError count the answers the client
# got, the gateway's own (404 from a MOCK, 403 for an unknown route, 500 for a broken MOCK) and
# the backend's (a 503 passed through); Latency is recorded for every request, IntegrationLatency
# only where a backend was called (HTTP_PROXY, HTTP), and both hold the backend's 60 ms.
def test_counts_and_labels(metered):
    sent = [("/pets", 200)] * 3 + [("/pets/0", 404)] * 2 + [("/pets/1", 200)] + [("/broken", 500)] \
        + [("/backend/status/503", 503), ("/backend/ok", 200), ("/backend/ok", 200)] + [("/slow", 200)] \
        + [("/nope", 403), ("/pets/1/x", 403)]
    for path, status in sent:
        assert metered.request("GET", path).status_code == status, path
    assert metered.request("POST", "/pets").status_code == 403
    want = {
        # resource, method: Count, 4XXError, 5XXError, Latency count, IntegrationLatency count
        ("/pets", "GET"): (3, 0, 0, 3, 0),
        ("/pets/{id}", "GET"): (3, 2, 0, 3, 0),
        ("/broken", "GET"): (1, 0, 1, 1, 0),
        ("/backend/{proxy+}", "ANY"): (3, 0, 1, 3, 3),
        ("/slow", "GET"): (1, 0, 0, 1, 1),
        ("", ""): (3, 3, 0, 3, 0),
    }
    names = ("apigateway_Count", "apigateway_4XXError", "apigateway_5XXError", "apigateway_Latency_count",
             "apigateway_IntegrationLatency_count")

    def table(got):
        return {key: tuple(got.get((name, labels(*key))) for name in names) for key in want}

    # Counters reach Envoy within a second, histograms at its next stats flush (every 5 s).
    deadline = time.time() + 15
    while table(got := prometheus(metered)) != want and time.time() < deadline:
        time.sleep(0.2)
    assert table(got) == want
    # Every operation is defined at configure time: one never called shows zeros.
    assert sorted({dict(ls)["resource"] for (name, ls) in got if name == "apigateway_Count"}) == \
        ["", "/backend/{proxy+}", "/broken", "/pets", "/pets/{id}", "/slow"]
    # The backend's 60 ms are in both latencies: nothing under 50 ms, the one request by 250 ms.
    slow = labels("/slow", "GET")
    for name in ("apigateway_Latency_bucket", "apigateway_IntegrationLatency_bucket"):
        assert got[(name, slow + (("le", "50"),))] == 0
        assert got[(name, slow + (("le", "250"),))] == 1
    assert got[("apigateway_Latency_sum", slow)] >= got[("apigateway_IntegrationLatency_sum", slow)] >= 60


# `metrics: "stage"`: one series per API and stage; `"off"`: none.
@pytest.mark.parametrize("level", ["stage", "off"])
def test_levels(gateway_factory, echo, level):
    g = gateway_factory(definition(echo.origin), stage="beta", clusters=[apigw.cluster("echo", echo.url)],
                        origins={echo.origin: "echo"}, extra={"metrics": level})
    for path in ("/pets", "/pets/0", "/nope"):
        g.request("GET", path)
    if level == "off":
        assert prometheus(g) == {}
        return
    got = wait_for(g, "apigateway_Latency_count", labels("", "", stage="beta"), 3)
    got = wait_for(g, "apigateway_4XXError", labels("", "", stage="beta"), 2)
    assert {k: v for k, v in got.items() if k[0] in ("apigateway_Count", "apigateway_4XXError")} == {
        ("apigateway_Count", labels("", "", stage="beta")): 3,
        ("apigateway_4XXError", labels("", "", stage="beta")): 2,
    }


# The Grafana dashboard (envoy/grafana-dashboard.json) reads series the gateway really writes: every
# metric its queries name is in /stats/prometheus after known requests, every label it groups or
# selects by is one the series carry, and each variable's query names a real metric and label.
def test_grafana_dashboard_reads_real_series(metered):
    import json
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "envoy", "grafana-dashboard.json")
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    variables = [v for v in dashboard["templating"]["list"] if v["type"] == "query"]
    assert [v["name"] for v in variables] == ["api", "stage", "resource", "method"]
    assert metered.request("GET", "/slow").status_code == 200
    deadline = time.time() + 15
    while not any(n == "apigateway_IntegrationLatency_bucket" for n, _ in prometheus(metered)) and time.time() < deadline:
        time.sleep(0.2)
    got = prometheus(metered)
    names = {n for n, _ in got}
    carried = {k for _, ls in got for k, _ in ls}
    assert carried == {"api", "stage", "resource", "method", "le"}
    used = set()
    for expr in exprs + [v["query"]["query"] for v in variables]:
        used |= set(re.findall(r"\bapigateway_\w+", expr))
        for group in re.findall(r"by \(([^)]*)\)", expr):
            assert {g.strip() for g in group.split(",")} <= carried, expr
        for selector in re.findall(r"\{([^}]*)\}", expr):
            assert {m.split("=")[0].strip() for m in selector.split(",") if "=" in m} <= carried, expr
        for label in re.findall(r"label_values\([^,]*, (\w+)\)", expr):
            assert label in carried, expr
    assert used, "the dashboard names no metric"
    missing = {u for u in used if u not in names}
    assert not missing, f"the dashboard names series the gateway does not write: {missing}"
    assert {"apigateway_Count", "apigateway_4XXError", "apigateway_5XXError", "apigateway_Latency_bucket",
            "apigateway_IntegrationLatency_bucket"} <= used
