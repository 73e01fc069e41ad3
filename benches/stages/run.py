"""Where a MOCK's time goes inside Envoy (benches/README.md, "Where the time goes"): a throwaway
build of the filter with `stages.patch` answers with b'+'s fixed reply after a given stage, picked by
`APIGW_STAGE` in each listener's VM environment, all in one Envoy with b'+ itself, in interleaved
rounds; the differences between stages are what each stage costs in Envoy.

    git worktree add /tmp/stages HEAD && (cd /tmp/stages && git apply benches/stages/stages.patch &&
        cargo build --release --target wasm32-wasip1 --lib)
    .venv/bin/python benches/stages/run.py /tmp/stages/target/wasm32-wasip1/release/apigw_envoy.wasm [OTHER.wasm ...]

Stages: `read` (the request header map read, then the fixed reply: what the module costs beyond
b'+'s), `parsed` (+ the request and its ids), `routed` (+ the deployment, the metrics' start,
routing), `full` (the filter as built), `twice` (the core's path run once more before the real
one: its warm cost). Each OTHER.wasm (any build of the filter, e.g. before and after a change) gets
a listener of its own with the filter as built, measured in the same rounds."""

import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench.common import Envoy, apigw, build_filters, direct_response_route, free_port, wrk  # noqa: E402
from bench.definitions import gateway_filter, generated_definition  # noqa: E402

STAGES = ["read", "parsed", "routed", "full", "twice"]


def main():
    wasm, others = os.path.abspath(sys.argv[1]), [os.path.abspath(a) for a in sys.argv[2:]]
    envoy_bin = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".venv", "bin", "envoy")
    rounds, seconds = int(os.environ.get("ROUNDS", "6")), int(os.environ.get("SECS", "3"))
    filters = build_filters()
    listeners, clusters, ports = [], [], {}
    ports["b'+"] = free_port()
    listeners.append(apigw.listener("reads", ports["b'+"], [apigw.wasm_filter(filters["host-reads"], "{}", "reads")],
                                    direct_response_route(), "127.0.0.1"))
    for name in STAGES:
        filt, clusters = gateway_filter(wasm, generated_definition(100), name=f"stage_{name}")
        if name != "full":
            filt["typed_config"]["config"]["vm_config"]["environment_variables"]["key_values"] = {"APIGW_STAGE": name}
        ports[name] = free_port()
        listeners.append(apigw.listener(name, ports[name], [filt], apigw.gateway_routes(), "127.0.0.1"))
    for i, other in enumerate(others):
        filt, _ = gateway_filter(other, generated_definition(100), name=f"other_{i}")
        name = f"{i + 1}: {os.path.basename(other)}"
        ports[name] = free_port()
        listeners.append(apigw.listener(f"other_{i}", ports[name], [filt], apigw.gateway_routes(), "127.0.0.1"))
    config = {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": free_port()}}},
              "stats_config": apigw.stats_config(),
              "static_resources": {"listeners": listeners, "clusters": clusters}}
    envoy = Envoy(envoy_bin, config, name="stages").wait_ready()
    cpu = {name: [] for name in ports}
    try:
        for port in ports.values():
            wrk(port, "/res25", 1, 16)
        names = list(ports)
        for r in range(rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                before = envoy.cpu_ns()
                out = wrk(ports[name], "/res25", seconds, 16)
                cpu[name].append((envoy.cpu_ns() - before) / 1000 / out["requests"])
    finally:
        envoy.stop()
    floor = statistics.median(cpu["b'+"])
    print(f"Envoy CPU µs per request, median of {rounds} rounds (`wrk -c16 -d{seconds}s`, GET /res25):")
    print("| stage | CPU µs/req | over b'+ |\n|---|---:|---:|")
    for name in names:
        value = statistics.median(cpu[name])
        print(f"| {name} | {value:.1f} | +{value - floor:.1f} |")


if __name__ == "__main__":
    main()
