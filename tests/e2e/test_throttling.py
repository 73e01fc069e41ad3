"""Throttling under real load (README: "Throttling"): a real Envoy with two worker threads, the
counters in Envoy's shared data, a loopback load generator (tests/e2e/load.py) sending far more
than the configured rates. The admitted rate must be within 10 % of the configured one across
both workers, and every other answer exactly AWS's 429."""

import re

import pytest
import requests

from load import hammer

RATE_TOLERANCE = 0.10
SECONDS = 3.0
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
APIGW_ID = re.compile(r"^[A-Za-z0-9+/]{15}=$")
FN = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
      "arn:aws:lambda:us-east-1:123456789012:function:{}/invocations")


def mock(body):
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": body}}}}}


def api(paths):
    return {"openapi": "3.0.1", "info": {"title": "throttled", "version": "1"}, "paths": paths}


def stage(method_settings):
    """What `aws apigateway get-stage` prints, with the settings AWS adds to each entry."""
    printed = {}
    for key, (rate, burst) in method_settings.items():
        printed[key] = {"metricsEnabled": False, "loggingLevel": "OFF", "dataTraceEnabled": False,
                        "throttlingBurstLimit": burst, "throttlingRateLimit": float(rate), "cachingEnabled": False,
                        "cacheTtlInSeconds": 300, "cacheDataEncrypted": False,
                        "requireAuthorizationForCacheControl": True,
                        "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER"}
    return {"deploymentId": "rbh1fj", "stageName": "prod", "cacheClusterEnabled": False,
            "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": printed, "tracingEnabled": False,
            "createdDate": 1460682074, "lastUpdatedDate": 1466802961}


def assert_too_many_requests(a):
    """Exactly AWS's THROTTLED answer (access-control notes §5)."""
    assert a.status == 429, (a.status, a.body)
    assert a.body == b'{"message":"Too Many Requests"}'
    headers = dict(a.headers)
    assert UUID.match(headers.pop("x-amzn-requestid"))
    assert APIGW_ID.match(headers.pop("x-amz-apigw-id"))
    assert headers.pop("date")
    assert headers == {"content-type": "application/json", "content-length": "31",
                       "x-amzn-errortype": "TooManyRequestsException"}


def admitted_rate(answers, path, burst, elapsed):
    """Requests per second admitted after the first burst, and the count; every refusal checked."""
    mine = [a for a in answers if a.path == path]
    ok = [a for a in mine if a.status == 200]
    for a in mine:
        if a.status != 200:
            assert_too_many_requests(a)
    assert len(mine) > len(ok) > 0, f"{path}: the load never exceeded the limit ({len(mine)} sent)"
    return (len(ok) - burst) / elapsed, len(ok)


def assert_rate(answers, path, rate, burst, elapsed):
    got, count = admitted_rate(answers, path, burst, elapsed)
    sent = sum(1 for a in answers if a.path == path)
    print(f"{path}: {sent} sent, {count} admitted in {elapsed:.2f} s: {got:.1f}/s after the burst, configured {rate}/s")
    assert abs(got - rate) <= RATE_TOLERANCE * rate, (
        f"{path}: {count} admitted in {elapsed:.2f} s: {got:.1f}/s after the burst of {burst}, configured {rate}/s")


def worker_connections(gateway):
    """Downstream connections each Envoy worker accepted on the gateway's listener."""
    stats = requests.get(f"http://127.0.0.1:{gateway.envoy.admin}/stats?filter=downstream_cx_total", timeout=5).text
    found = re.findall(rf"listener\.127\.0\.0\.1_{gateway.port}\.worker_(\d+)\.downstream_cx_total: (\d+)", stats)
    return {int(w): int(n) for w, n in found}


@pytest.fixture(scope="module")
def gw(gateway_factory, functions):
    paths = {
        "/limited": {"get": mock('{"ok": true}')},
        "/other": {"get": mock('{"other": true}')},
        "/fast": {"get": mock('{"fast": true}')},
        "/lambda": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": FN.format("echo")}}},
    }
    settings = stage({"*/*": (40, 8), "~1fast/GET": (120, 20), "~1lambda/GET": (20, 4)})
    return gateway_factory(api(paths), extra={"stageSettings": settings}, lambda_url=functions.url,
                           concurrency=2)


# The stage limit across both workers: one bucket in the process's shared data, so the two
# workers together admit the configured rate (each counting alone would admit about twice it);
# every refusal is AWS's exact 429.
def test_stage_rate_across_two_workers(gw):
    elapsed, answers = hammer(gw.port, ["/limited"], SECONDS)
    assert_rate(answers, "/limited", 40, 8, elapsed)
    workers = worker_connections(gw)
    assert len(workers) == 2 and all(n > 0 for n in workers.values()), workers


# A method's own setting (~1fast/GET) overrides `*/*`, and `*/*` is each method's default, not a
# bucket the methods share (AWS: stage limits apply "at the API method level"): /limited and
# /other each get the full `*/*` rate at the same time.
def test_method_setting_overrides_the_stage(gw):
    elapsed, answers = hammer(gw.port, ["/fast", "/limited", "/other"], SECONDS, connections=24)
    assert_rate(answers, "/fast", 120, 20, elapsed)
    assert_rate(answers, "/limited", 40, 8, elapsed)
    assert_rate(answers, "/other", 40, 8, elapsed)


# A throttled request invokes nothing: the function ran once per admitted request.
def test_throttled_requests_invoke_nothing(gw, functions):
    functions.clear()
    elapsed, answers = hammer(gw.port, ["/lambda"], 2.0, connections=8)
    admitted = [a for a in answers if a.path == "/lambda" and a.status == 200]
    assert_rate(answers, "/lambda", 20, 4, elapsed)
    assert len(functions.recorded()) == len(admitted)


# The account's limit (accountSettings: what `aws apigateway get-account` prints) is one bucket
# for every method of every stage of the account, counted across both workers.
def test_account_limit_is_shared_by_all_methods(gateway_factory):
    account = {"cloudwatchRoleArn": "arn:aws:iam::123456789012:role/logs", "features": ["UsagePlans"],
               "throttleSettings": {"burstLimit": 10, "rateLimit": 60.0}, "apiKeyVersion": "4"}
    g = gateway_factory(api({"/a": {"get": mock("a")}, "/b": {"get": mock("b")}}),
                        extra={"accountSettings": account}, concurrency=2)
    elapsed, answers = hammer(g.port, ["/a", "/b"], SECONDS)
    ok = [a for a in answers if a.status == 200]
    for a in answers:
        if a.status != 200:
            assert_too_many_requests(a)
    got = (len(ok) - 10) / elapsed
    assert abs(got - 60) <= RATE_TOLERANCE * 60, (len(ok), elapsed, got)
    assert {a.path for a in ok} == {"/a", "/b"}


# A customised THROTTLED gateway response answers instead of AWS's default.
def test_customised_throttled_response(gateway_factory):
    definition = api({"/x": {"get": mock("x")}})
    definition["x-amazon-apigateway-gateway-responses"] = {"THROTTLED": {
        "statusCode": "503", "responseParameters": {"gatewayresponse.header.Retry-After": "'1'"},
        "responseTemplates": {"application/json": '{"error":"slow down","type":"$context.error.responseType"}'}}}
    g = gateway_factory(definition, extra={"stageSettings": stage({"~1x/GET": (1, 1)})})
    assert g.request("GET", "/x").status_code == 200
    r = g.request("GET", "/x")
    assert r.status_code == 503
    assert r.content == b'{"error":"slow down","type":"THROTTLED"}'
    assert r.headers["Retry-After"] == "1"
    assert r.headers["x-amzn-ErrorType"] == "TooManyRequestsException"


# --- usage plans: the limits of an admitted API key (access-control notes §5) -----------------------

KEY_A, KEY_B = "plan-key-a-0123456789abcdef", "plan-key-b-0123456789abcdef"


def keyed_api():
    definition = api({"/metered": {"get": mock('{"metered": true}')}, "/quota": {"get": mock('{"q": true}')}})
    definition["components"] = {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}
    definition["security"] = [{"api_key": []}]
    return definition


# A usage plan's throttle applies to each key of the plan on its own (AWS docs: "per API key"),
# across both workers: two keys of one plan each get the plan's rate at the same time.
def test_usage_plan_throttle_per_key(gateway_factory):
    plans = {"items": [{"id": "gold", "name": "gold", "apiStages": [{"apiId": "thr0ttle01", "stage": "prod"}],
                        "throttle": {"burstLimit": 6, "rateLimit": 30.0}}]}
    keys = f"Name,Key,Enabled,UsagePlanIds\na,{KEY_A},TRUE,gold\nb,{KEY_B},TRUE,gold\n"
    g = gateway_factory(keyed_api(), extra={"apiId": "thr0ttle01", "apiKeys": keys, "usagePlans": plans},
                        concurrency=2)
    elapsed, answers = hammer(g.port, [("a", "/metered", {"x-api-key": KEY_A}), ("b", "/metered", {"x-api-key": KEY_B})],
                              SECONDS)
    assert_rate(answers, "a", 30, 6, elapsed)
    assert_rate(answers, "b", 30, 6, elapsed)


# A plan's quota: its limit of requests per key in the period, then AWS's QUOTA_EXCEEDED 429.
def test_usage_plan_quota_runs_out(gateway_factory):
    plans = {"items": [{"id": "tiny", "apiStages": [{"apiId": "thr0ttle01", "stage": "prod"}],
                        "quota": {"limit": 5, "offset": 0, "period": "DAY"}}]}
    keys = f"Name,Key,Enabled,UsagePlanIds\na,{KEY_A},TRUE,tiny\nb,{KEY_B},TRUE,tiny\n"
    g = gateway_factory(keyed_api(), extra={"apiId": "thr0ttle01", "apiKeys": keys, "usagePlans": plans})
    got = [g.request("GET", "/quota", headers={"x-api-key": KEY_A}).status_code for _ in range(5)]
    assert got == [200] * 5
    r = g.request("GET", "/quota", headers={"x-api-key": KEY_A})
    assert (r.status_code, r.headers["x-amzn-ErrorType"], r.content) == (
        429, "LimitExceededException", b'{"message":"Limit Exceeded"}')
    # The other key of the plan has its own quota.
    assert g.request("GET", "/quota", headers={"x-api-key": KEY_B}).status_code == 200
