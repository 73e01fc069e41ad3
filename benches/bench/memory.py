"""Resident memory per wasm VM: separate Envoys with and without the filter (demo API, 1,000
resources), at one and two workers, measured after warm-up requests; and the size of each V8 wasm
memory of a process."""

import sys
import time

from .common import BenchError, DEMO_API, Envoy, apigw, direct_response_route, free_port, median, wrk
from .definitions import gateway_filter, generated_definition
MEMORY_SAMPLES = 3  # Envoy starts per memory case; the median is reported
WASM_RESERVATION = 8 << 30  # V8 reserves 8 GiB of address space per 32-bit wasm memory


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
