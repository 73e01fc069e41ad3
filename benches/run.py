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

Writes the Markdown to stdout and to benches/results.md. See benches/README.md. Each part lives in its own
module of benches/bench/ (listed in bench/__init__.py); this file is the command line and the order of
the parts."""

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time

from bench.common import BenchError, HERE, build_filters
from bench.hostcalls import host_calls
from bench.memory import memory
from bench.native import core_time, native
from bench.proxied import lambda_signing_share, proxied
from bench.report import report, report_proxied
from bench.streaming import STREAM_MB, streaming
from bench.throughput import throughput


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
    from bench.picture import draw  # noqa: PLC0415 (matplotlib: full runs only)
    draw(os.path.splitext(args.out)[0] + ".png",
         [("Local replies (letters: benches/README.md)", plan, runs), ("Lambda and HTTP", pplan, pruns)],
         f"make bench, {time.strftime('%Y-%m-%d')}: same Envoy, interleaved rounds (tables: benches/results.md)")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
