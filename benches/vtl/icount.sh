#!/usr/bin/env bash
# Instructions per render of each bench template (benches/vtl/templates), natively, at the
# filter's release profile (this crate's Cargo.toml): `bench-vtl --count N TEMPLATE` under
# callgrind, minus the same run with N = 0 (the template's compile and the process start).
# Deterministic, unlike timings on a shared machine (benches/README.md, "Tuning log").
# Usage: benches/vtl/icount.sh [N] [TEMPLATE...]   (N defaults to 50; templates to all six)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$HERE/target}"
command -v valgrind >/dev/null || { echo "icount: needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
N="${1:-50}"
shift || true
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(dynamodb-putitem sqs-sendmessage foreach-100 response-escape input-path-100k string-methods)
cp "$ROOT/Cargo.lock" "$HERE/Cargo.lock"
(cd "$HERE" && CARGO_TARGET_DIR="$TARGET" cargo build --quiet --release)
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$TARGET/release/bench-vtl" --count "$1" "$2" 2>&1 |
  awk '/Collected/ {print $4}'; }
for name in "${NAMES[@]}"; do
  base=$(count 0 "$name")
  echo "$name $(( ($(count "$N" "$name") - base) / N )) instructions per render"
done
