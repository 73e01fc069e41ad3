"""The Markdown of benches/results.md: the local-reply, memory and match-time tables (`report`),
and the proxied, signing-share and streaming ones (`report_proxied`)."""

import os
import re
import subprocess
import time

from .common import ROOT, median
from .memory import MEMORY_SAMPLES
from .proxied import BACKEND_ANSWER, LAMBDA_ANSWER, REQUEST_TEMPLATE, RESPONSE_TEMPLATE
from .streaming import STREAM_MB
from .throughput import FIXED, NO_METRICS, PREFLIGHT, READS


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

    metrics_cost = extra("c", NO_METRICS)
    add(f"- **Metrics** (c vs c0, the same filter and definition with `metrics: \"off\"`): "
        f"{metrics_cost:+.2f} µs CPU per request, {100 * metrics_cost / median([r['cpu_us'] for r in runs['c']]):+.1f} % "
        f"of c's; req/s c/c0 {median([x['rps'] / y['rps'] for x, y in zip(runs['c'], runs[NO_METRICS])]):.3f}. "
        f"Goal: under 3 %.")
    add(f"- Extra CPU per request over (b'): c {extra('c'):+.1f} µs, d {extra('d'):+.1f} µs, "
        f"e {extra('e'):+.1f} µs; reading the request headers alone (b'+) {extra(READS):+.1f} µs. "
        f"(b) over (a): {extra('b', 'a'):+.1f} µs; (b') over (a): {extra(FIXED, 'a'):+.1f} µs.")
    if all(k in runs for k in ("f", "f'", "f0", "g")):
        nocache = "f'"

        def to_c(key):
            return median([x["rps"] / y["rps"] for x, y in zip(runs[key], runs["c"])])
        add(f"- Authorizers in front of the same MOCK (c): f/c {to_c('f'):.2f}, f'/c {to_c(nocache):.2f}, "
            f"g/c {to_c('g'):.2f} by req/s; extra CPU per request over c: Cognito (jwt_authn's cache, the "
            f"filter's checks and claims) {extra('f', 'c'):+.1f} µs, with RS256 verified every time "
            f"{extra(nocache, 'c'):+.1f} µs, a cached Lambda TOKEN authorizer {extra('g', 'c'):+.1f} µs. Of f's, "
            f"Envoy's jwt_authn (f0 over c) {extra('f0', 'c'):+.1f} µs, the filter's Cognito work (f over f0) "
            f"{extra('f', 'f0'):+.1f} µs.")
    if all(k in runs for k in ("h", "h0", "k")):
        def to(key, base):
            return median([x["rps"] / y["rps"] for x, y in zip(runs[key], runs[base])])
        add(f"- Checks before the integration (access-control notes §5, §6): a validated 1 KB POST h/c "
            f"{to('h', 'c'):.2f} by req/s ({extra('h', 'c'):+.1f} µs CPU per request over c; the validation itself, "
            f"h over h0, {extra('h', 'h0'):+.1f} µs, h/h0 {to('h', 'h0'):.2f}); a key-checked, throttled GET k/c "
            f"{to('k', 'c'):.2f} ({extra('k', 'c'):+.1f} µs: the key, its plan, four levels in shared data).")
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
    if "h4" in core:
        v8 = core.get("v8", {}).get("h4", float("nan"))
        add(f"- The filter's own work for one H4 request (benches/core-time: `start`, `admit`, `finish` to the "
            f"encoded callout, then the backend's answer through `on_call_answer` to the encoded reply headers; "
            f"no Envoy, no host calls): {core['h4']:.1f} µs natively, {v8:.1f} µs inside V8 (node:wasi).")
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
