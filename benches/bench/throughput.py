"""Local replies: the filter (MOCK, CORS preflight, 403) against Envoy's `direct_response` and
trivial wasm filters, one listener each in one Envoy (scenarios a, b, b', b'o, b'+, c, d, e), and the
same MOCK behind authorizers (f, f', g: bench/auth.py), a validated POST and a key-checked,
throttled GET (h, h0, k: bench/admission.py)."""

import os

from .admission import AdmissionScenarios
from .auth import AuthScenarios
from .common import Envoy, apigw, direct_response_route, free_port, measure
from .definitions import CORS_ALLOW_METHODS, MOCK_BODY, gateway_filter, generated_definition
FIXED, READS, PREFLIGHT, NO_METRICS = "b'", "b'+", "b'o", "c0"  # scenario keys


def scenarios(ports, wrk_dir):
    options = os.path.join(wrk_dir, "preflight.lua")
    with open(options, "w", encoding="utf-8") as f:
        f.write('wrk.method = "OPTIONS"\n'
                'wrk.headers["Origin"] = "https://example.com"\n'
                'wrk.headers["Access-Control-Request-Method"] = "GET"\n'
                'wrk.headers["Access-Control-Request-Headers"] = "content-type"\n')
    path = "/res25"
    return [
        # key, label, port, method, path, wrk script, expected status, check
        ("a", "(a) native `direct_response`", ports["native"], "GET", path, None, 200, None),
        ("b", "(b) null wasm filter + `direct_response`", ports["null"], "GET", path, None, 200, None),
        ("b'", "(b') wasm fixed `send_http_response`", ports["fixed"], "GET", path, None, 200, b"{}"),
        ("b'o", "(b'o) b' answering d's preflight request (`OPTIONS`, 3 CORS headers)", ports["fixed"], "OPTIONS",
         path, options, 200, b"{}"),
        ("b'+", "(b'+) b' after reading the request headers (one host call)", ports["reads"], "GET", path, None, 200, b"{}"),
        ("c", "(c) filter: MOCK, 100 resources", ports["gateway"], "GET", path, None, 200, MOCK_BODY.encode()),
        (NO_METRICS, "(c0) c with `metrics: \"off\"` (no metrics recorded)", ports["no-metrics"], "GET", path, None, 200,
         MOCK_BODY.encode()),
        ("d", "(d) filter: CORS preflight (OPTIONS MOCK)", ports["gateway"], "OPTIONS", path, options, 200,
         ("access-control-allow-methods", CORS_ALLOW_METHODS.strip("'"))),
        ("e", "(e) filter: 403 unknown route", ports["gateway"], "GET", "/no/such/resource", None, 403, None),
    ]


def throughput(args, wasm, filters, work):
    ports = {k: free_port() for k in ("native", "null", "fixed", "reads", "gateway", "no-metrics")}
    admin = free_port()
    gateway, clusters = gateway_filter(wasm, generated_definition(100))
    # The same filter and definition recording no metrics: the metrics' cost is c − c0, same run.
    unmetered, _ = gateway_filter(wasm, generated_definition(100), extra={"metrics": "off"}, name="unmetered")
    listeners = [
        apigw.listener("native", ports["native"], [], direct_response_route(), "127.0.0.1"),
        apigw.listener("null", ports["null"], [apigw.wasm_filter(filters["null"], "{}", "bench_null")],
                       direct_response_route(), "127.0.0.1"),
        apigw.listener("fixed", ports["fixed"],
                       [apigw.wasm_filter(filters["fixed-reply"], "{}", "bench_fixed_reply")],
                       direct_response_route(), "127.0.0.1"),
        apigw.listener("reads", ports["reads"],
                       [apigw.wasm_filter(filters["host-reads"], "{}", "bench_host_reads")],
                       direct_response_route(), "127.0.0.1"),
        apigw.listener("gateway", ports["gateway"], [gateway], apigw.gateway_routes(), "127.0.0.1"),
        apigw.listener("no-metrics", ports["no-metrics"], [unmetered], apigw.gateway_routes(), "127.0.0.1"),
    ]
    auth = AuthScenarios(args, wasm, work)
    admission = AdmissionScenarios(wasm, work)
    try:
        config = {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
                  "stats_config": apigw.stats_config(),
                  "static_resources": {"listeners": listeners + auth.listeners + admission.listeners,
                                       "clusters": clusters + auth.clusters}}
        envoy = Envoy(args.envoy, config, name="bench").wait_ready()
        try:
            plan = scenarios(ports, work) + auth.plan + admission.plan
            return plan, measure(args, envoy, plan, args.rounds)
        finally:
            envoy.stop()
    finally:
        auth.stop()
