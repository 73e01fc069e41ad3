"""The committed deployment files: fresh, valid for Envoy, and serving what they say."""

import os
import subprocess
import sys

import pytest
import requests
import yaml

from conftest import ENVOY, ROOT, WASM, Envoy, LambdaServer, free_port

CONTAINER_WASM = "/etc/envoy/apigw_envoy.wasm"


def local_copy(rel, port=None, admin=None, lambda_port=None):
    """The committed config with the container's wasm path, ports and Lambda host replaced for this machine."""
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    text = yaml.safe_dump(cfg).replace(CONTAINER_WASM, WASM)
    cfg = yaml.safe_load(text)
    cfg["admin"]["address"]["socket_address"]["port_value"] = admin or free_port()
    listener = cfg["static_resources"]["listeners"][0]
    listener["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": port or free_port()}
    for c in cfg["static_resources"]["clusters"]:
        if c["name"] == "lambda":
            addr = c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
            addr.update({"address": "127.0.0.1", "port_value": lambda_port or free_port()})
    return cfg


# The generator's output is what is committed.
def test_generated_files_are_fresh():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen_deploy.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# `envoy --mode validate` accepts every Envoy config the project ships.
@pytest.mark.parametrize("rel", ["envoy/envoy.yaml", "envoy/multi-api.yaml"])
def test_envoy_validates(rel, tmp_path):
    path = tmp_path / "envoy.yaml"
    path.write_text(yaml.safe_dump(local_copy(rel)))
    r = subprocess.run([ENVOY, "--mode", "validate", "-c", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "configuration '" in r.stdout and "OK" in r.stdout


# The Istio WasmPlugin carries the same plugin configuration as the standalone config.
def test_istio_plugin_config_matches():
    import json
    with open(os.path.join(ROOT, "envoy/istio/wasmplugin.yaml"), encoding="utf-8") as f:
        plugin = yaml.safe_load(f)
    standalone = local_copy("envoy/envoy.yaml")
    wasm = standalone["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"][0]
    cfg = json.loads(wasm["typed_config"]["config"]["configuration"]["value"])
    assert plugin["spec"]["pluginConfig"]["api"] == cfg["api"]
    assert plugin["kind"] == "WasmPlugin"


# One filter, two APIs: each Envoy route names its deployment in route metadata.
def test_multi_api_routes_by_metadata():
    port = free_port()
    functions = LambdaServer(handlers=os.path.join(ROOT, "envoy/functions"))
    e = Envoy(local_copy("envoy/multi-api.yaml", port=port, lambda_port=functions.port), "multi").wait_ready()
    try:
        r = requests.get(f"http://127.0.0.1:{port}/hello?name=multi", timeout=5)
        assert r.status_code == 200 and r.json()["message"] == "Hello, multi!"
        r = requests.get(f"http://127.0.0.1:{port}/v1/items", timeout=5)
        assert r.status_code == 200
        assert r.content == b'{"api": "inventory", "stage": "v1"}'
        r = requests.get(f"http://127.0.0.1:{port}/pets/5", timeout=5)
        assert r.status_code == 200
        assert r.content == b'{"id": "5", "type": "dog", "stage": "prod"}'
        # /items is not a resource of the pets API, which serves "/".
        r = requests.get(f"http://127.0.0.1:{port}/items", timeout=5)
        assert r.status_code == 403
    finally:
        e.stop()
        functions.stop()
