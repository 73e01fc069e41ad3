"""The parts of `make bench` (benches/run.py is the entry point). One module per part:

- `common`: paths, Envoy processes, wrk runs, interleaved rounds (`measure`), Envoy config helpers,
  the builds of the baseline filters.
- `definitions`: the OpenAPI definitions the local-reply scenarios serve (MOCK, CORS, N resources).
- `throughput`: local replies, the filter against Envoy's `direct_response` and trivial wasm filters
  (a, b, b', b'o, b'+, c, d, e).
- `proxied`: AWS_PROXY and HTTP_PROXY/HTTP against an upstream Envoy (L1-L4, H1-H4), and the share
  of `aws_lambda`'s cost that is its signature.
- `streaming`: 10 MB bodies through HTTP_PROXY, Envoy's RSS and the wasm memories around them.
- `memory`: resident memory per wasm VM, with the demo and a 1,000-resource definition.
- `hostcalls`: the cost of single host calls (benches/filters/host-calls).
- `native`: the native programs benches/core-time and benches/match-time.
- `report`: the Markdown tables of benches/results.md.
"""
