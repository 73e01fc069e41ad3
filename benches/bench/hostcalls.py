"""The cost of single host calls: benches/filters/host-calls under each configuration, one listener
each in one Envoy ("Host calls" table; `BENCH_PARTS=hostcalls` runs only this)."""

from .common import Envoy, apigw, direct_response_route, envoy_config, free_port, measure, median
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
    ("mono", "read the monotonic clock (`Instant`, twice as the metrics' latency does)"),
    ("count", "add to a counter (`increment_metric`)"),
    ("hist", "record in a histogram (`record_metric`)"),
]


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
