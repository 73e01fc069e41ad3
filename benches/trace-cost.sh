#!/bin/bash
# The execution trace's cost (README: "Execution trace"), natively: benches/core-time's MOCK (c) and
# H4 without the adapter's trace hooks, with them and the trace off, and with it on; paired times,
# then instructions per request from callgrind ((I(N) - I(0)) / N). Needs valgrind for the second part.
# Usage: benches/trace-cost.sh [ROUNDS] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
N=${2:-2000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
WASM=target/wasm32-wasip1/release/apigw_envoy.wasm
(cd benches && ../.venv/bin/python - "$WORK" "../$WASM" <<'PY'
import sys
from bench.native import plugin_file
from bench.definitions import gateway_filter, generated_definition
from bench.proxied import proxied_definition, proxied_gateway
work, wasm = sys.argv[1], sys.argv[2]
plugin_file(gateway_filter(wasm, generated_definition(100))[0], work, "plugin-100.json")
plugin_file(proxied_gateway(wasm, proxied_definition("http://127.0.0.1:9"), "http://127.0.0.1:9")[0], work,
            "plugin-http.json")
PY
)
cp Cargo.lock benches/core-time/Cargo.lock
CARGO_TARGET_DIR=target/bench cargo build --quiet --release --manifest-path benches/core-time/Cargo.toml
B=target/bench/release/bench-core-time
P=$WORK/plugin-100.json
H=$WORK/plugin-http.json
"$B" --trace "$P" "$H" "$ROUNDS"
command -v valgrind >/dev/null || { echo "no valgrind: instruction counts skipped"; exit 0; }
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B" --trace-one "$1" "$2" "$P" "$H" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "instructions per request (callgrind, N=$N):"
for c in mock-plain mock-off mock-on h4-plain h4-off h4-on; do
  echo "  $c $(( ($(count "$c" "$N") - $(count "$c" 0)) / N ))"
done
