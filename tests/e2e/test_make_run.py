"""`make run` twice on one machine: two gateways (scripts/run.py as the Makefile calls it, default
admin port and output directory) serve the demo at once, each with its own Envoy, files and local
services."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
from conftest import CHECKER, ENVOY, ROOT, WASM, free_port


def start_run(port, log):
    """scripts/run.py with the arguments `make run PORT=<port>` passes (ADMIN_PORT left empty), in its
    own process group so that stopping it is Ctrl-C to all it started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    args = [sys.executable, "scripts/run.py", "--api", "envoy/demo-api.yaml", "--port", str(port), "--admin-port", "",
            "--stage", "prod", "--stage-variables", "", "--stage-prefix", "optional", "--cfn-params", "",
            "--local-lambda", "auto", "--local-services", "auto", "--wasm", WASM, "--checker", CHECKER,
            "--envoy", ENVOY]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_serving(proc, url, log_path, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            r = requests.get(url + "/pets", timeout=2)
            if r.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        raise AssertionError(f"{url} not serving (exit {proc.poll()}):\n{f.read()}")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# Both serve every demo route type, with their own admin port and generated files.
def test_two_make_runs_serve_at_once():
    ports = [free_port(), free_port()]
    while ports[0] == ports[1]:
        ports[1] = free_port()
    logs = [tempfile.NamedTemporaryFile("w+", prefix=f"make-run-{p}-", suffix=".log", delete=False) for p in ports]
    procs = [start_run(p, log) for p, log in zip(ports, logs)]
    try:
        for proc, port, log in zip(procs, ports, logs):
            wait_serving(proc, f"http://127.0.0.1:{port}", log.name)
        admins = []
        for proc, port, log in zip(procs, ports, logs):
            url = f"http://127.0.0.1:{port}"
            r = requests.get(url + "/pets/7", timeout=10)
            assert (r.status_code, r.content) == (200, b'{"id": "7", "type": "dog", "stage": "prod"}')
            assert r.headers["content-type"] == "application/json"
            r = requests.get(url + "/prod/hello?name=you", timeout=10)
            assert (r.status_code, r.json()) == (200, {"message": "Hello, you!", "path": "/hello"})
            r = requests.put(url + "/backend/things/1?x=1", data=b"payload", headers={"content-type": "text/plain"},
                             timeout=10)
            assert r.status_code == 200
            assert (r.json()["method"], r.json()["path"], r.json()["body"]) == ("PUT", "/things/1?x=1", "payload")
            r = requests.get(url + "/no/such/thing", timeout=10)
            assert (r.status_code, r.content) == (403, b'{"message":"Missing Authentication Token"}')
            out = os.path.join(ROOT, "build", "run", str(port))
            assert sorted(os.listdir(out)) == ["envoy.json", "plugin-config.json"]
            with open(log.name, encoding="utf-8") as f:
                banner = f.read()
            admin = re.search(r"Envoy admin: http://127\.0\.0\.1:(\d+)", banner)
            assert admin, banner
            assert f"Serving envoy/demo-api.yaml (stage 'prod') on http://localhost:{port}" in banner
            admins.append(int(admin.group(1)))
            assert requests.get(f"http://127.0.0.1:{admins[-1]}/ready", timeout=5).text == "LIVE\n"
        assert admins[0] != admins[1]
    finally:
        for proc in procs:
            stop(proc)
        for log in logs:
            log.close()
            os.unlink(log.name)
        for port in ports:
            shutil.rmtree(os.path.join(ROOT, "build", "run", str(port)), ignore_errors=True)
    # Ctrl-C stops each cleanly, its Envoy and local services with it.
    assert [p.returncode for p in procs] == [0, 0]
    for port in ports:
        try:
            requests.get(f"http://127.0.0.1:{port}/pets", timeout=2)
            raise AssertionError(f"port {port} still answers")
        except requests.ConnectionError:
            pass
