#!/usr/bin/env bash
# `make bench-vtl`: render speed of the VTL engine against Apache Velocity 1.7 and velocityjs, side
# by side in one run, on the six templates in templates/ (bodies in bodies/):
#   a. ours, native           (bench-vtl, this directory's crate, built for the host)
#   b. ours, wasm32-wasip1    (the same crate, run by Node's node:wasi: V8, as Envoy runs wasm)
#   c. Apache Velocity 1.7    (VtlBench.java + tests/velocity/Harness.java, JVM warmed up first)
#   d. velocityjs             (velocityjs-bench.mjs, npm package pinned in package.json)
# bodies/input-path-100k.json: 384 orders, 100 KB (the `$input.path` template); bodies/string-methods.json:
# 20 records with padded, mixed-case and accented strings (the String methods template).
# Every engine compiles each template once and renders it many times; a render includes building
# that engine's per-request context. The outputs of all four must be identical (checked).
# Prints a Markdown table and writes it to benches/vtl/results.md.
#
# Needs: cargo (+ wasm32-wasip1 target), node >= 20 with npm, javac/java 17, Debian `velocity`.
# Environment: CARGO_TARGET_DIR (default benches/vtl/target); VTL_BENCH_SAMPLE_MS (default 200)
# and VTL_BENCH_SAMPLES (default 5): timed samples per template, the median is reported.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$HERE/target}"
SAMPLE_MS="${VTL_BENCH_SAMPLE_MS:-200}"
SAMPLES="${VTL_BENCH_SAMPLES:-5}"
CP=/usr/share/java/velocity-1.7.jar:/usr/share/java/commons-lang.jar:/usr/share/java/commons-collections3.jar
OUT="$(mktemp -d "${TMPDIR:-/tmp}/vtl-bench.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

for tool in cargo node npm javac java python3; do
  command -v "$tool" >/dev/null || { echo "bench-vtl: $tool is needed" >&2; exit 1; }
done
[ -f /usr/share/java/velocity-1.7.jar ] || { echo "bench-vtl: needs Velocity 1.7: apt-get install -y velocity" >&2; exit 1; }

echo "building (native, wasm32-wasip1, Java harness, velocityjs)..." >&2
# The main crate's lock file, so the bench builds the dependency versions the filter ships with.
cp "$ROOT/Cargo.lock" "$HERE/Cargo.lock"
(cd "$HERE" && CARGO_TARGET_DIR="$TARGET" cargo build --quiet --release \
  && CARGO_TARGET_DIR="$TARGET" cargo build --quiet --release --target wasm32-wasip1)
[ -f "$HERE/node_modules/velocityjs/package.json" ] || npm install --prefix "$HERE" --no-audit --no-fund --silent
mkdir -p "$OUT/java"
javac -cp "$CP" -d "$OUT/java" "$ROOT/tests/velocity/Harness.java" "$HERE/VtlBench.java"

# Warm-up per template: short for compiled Rust, long enough for V8 and HotSpot to compile the hot paths.
echo "a. ours native" >&2
"$TARGET/release/bench-vtl" native 300 "$SAMPLE_MS" "$SAMPLES" > "$OUT/a.jsonl"
echo "b. ours wasm (node:wasi)" >&2
node --no-warnings "$HERE/wasi-run.mjs" "$TARGET/wasm32-wasip1/release/bench-vtl.wasm" wasm 1000 "$SAMPLE_MS" "$SAMPLES" > "$OUT/b.jsonl"
echo "c. Velocity 1.7 (JVM)" >&2
java -cp "$CP:$OUT/java" VtlBench "$HERE" 2000 "$SAMPLE_MS" "$SAMPLES" > "$OUT/c.jsonl"
echo "d. velocityjs (Node)" >&2
node "$HERE/velocityjs-bench.mjs" "$HERE" 1000 "$SAMPLE_MS" "$SAMPLES" > "$OUT/d.jsonl"

python3 "$HERE/report.py" "$OUT" "$HERE/results.md"
