#!/bin/bash
# Instructions per request of the filter's own work for the proxied scenarios H3 (HTTP_PROXY), L3
# (AWS_PROXY, SigV4 with dummy credentials) and H4 (HTTP with templates): benches/core-time built
# natively at the filter's release profile (opt-level "s", LTO, one codegen unit), each run
# under callgrind (`HOT=<scenario> N=200`), minus a run that only parses the configuration.
# Deterministic, unlike Envoy's CPU on a shared machine (benches/README.md, "Tuning log").
# Usage: benches/core-time/icount.sh [extra `cargo build` arguments, e.g. --config '...']
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v valgrind >/dev/null || { echo "icount: needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/.venv/bin/python" - "$work" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.getcwd(), "benches"))
from bench.native import plugin_file
from bench.proxied import proxied_definition, proxied_gateway
filt, _ = proxied_gateway("unused.wasm", proxied_definition("http://127.0.0.1:9"), "http://127.0.0.1:9")
plugin_file(filt, sys.argv[1], "plugin-http.json")
PY
cp "$root/Cargo.lock" "$here/Cargo.lock"
target=${CARGO_TARGET_DIR:-$root/target/bench}-icount
(cd "$here" && CARGO_TARGET_DIR=$target cargo build --quiet --release --config 'profile.release.opt-level="s"' \
  --config 'profile.release.lto=true' --config 'profile.release.codegen-units=1' "$@")
bin=$target/release/bench-core-time
count() { HOT=$1 N=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" - "$work/plugin-http.json" 2>&1 |
  awk '/Collected/ {print $4}'; }
base=$(count h3 0)
for h in h3 l3 h4; do
  echo "$h $(( ($(count $h 200) - base) / 200 )) instructions per request"
done
