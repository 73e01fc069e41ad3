"""The native programs: benches/core-time (the filter's own work per request, natively and in
wasm under node:wasi) and benches/match-time (resource matching at 10 vs 10,000 resources)."""

import json
import os
import shutil
import subprocess

from .common import BenchError, HERE, ROOT, cargo, target_dir
from .definitions import gateway_filter, generated_definition
from .proxied import proxied_definition, proxied_gateway


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


def plugin_file(filt, work, name):
    """Writes the plugin configuration of a filter built by `apigw.wasm_filter` to work/name."""
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(filt["typed_config"]["config"]["configuration"]["value"])
    return path


def core_time(wasm, work):
    """The filter's own work per request for c, d, e and H4 (`h4`: HTTP with both templates, the
    callout's answer included), natively (no Envoy, no host calls), and the same program inside V8
    (`v8`: compiled to wasm32-wasip1 with the filter's release profile, run under node:wasi), or
    {"error": why} in `v8`."""
    filt, _ = gateway_filter(wasm, generated_definition(100))
    path = plugin_file(filt, work, "plugin-100.json")
    # H4's definition and plugin configuration; nothing listens on these ports, nothing is called.
    http_filt, _ = proxied_gateway(wasm, proxied_definition("http://127.0.0.1:9"), "http://127.0.0.1:9")
    http_path = plugin_file(http_filt, work, "plugin-http.json")
    result = native("core-time", [path, http_path])
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
                          "/work/plugin-100.json", "/work/plugin-http.json", "--json"], env=dict(os.environ, WASI_PREOPEN=work),
                         capture_output=True, text=True, check=False)
    try:
        result["v8"] = json.loads(run.stdout)
    except json.JSONDecodeError:
        result["v8"] = {"error": f"core-time under node:wasi: {run.stderr.strip()[-300:]}"}
    return result
