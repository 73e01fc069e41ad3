#!/bin/sh
# Builds the Velocity 1.7 harness (API Gateway's setup, see Harness.java) and renders the
# differential corpus with it, writing tests/vtl/differential/velocity-output.json.
# Needs Java 17 and the Debian package `velocity` (apt-get install -y velocity).
# The Rust side: cargo test --test vtl_differential
set -eu
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CP=/usr/share/java/velocity-1.7.jar:/usr/share/java/commons-lang.jar:/usr/share/java/commons-collections3.jar
BUILD="${TMPDIR:-/tmp}/vtl-velocity-harness"
mkdir -p "$BUILD"
python3 "$ROOT/tests/vtl/differential/gen_cases.py"
javac -cp "$CP" -d "$BUILD" "$ROOT/tests/velocity/Harness.java"
java -cp "$CP:$BUILD" Harness "$ROOT/tests/vtl/differential/cases.json" "$ROOT/tests/vtl/differential/velocity-output.json"
echo "wrote tests/vtl/differential/velocity-output.json"
