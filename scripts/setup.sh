#!/usr/bin/env bash
# Installs what building, running and testing need; safe to run again (each step checks first).
# Missing Debian packages come from apt-get: python3-venv and gcc when needed; with `--test`
# (make test) also Node (wasm-bindgen-test), Apache Velocity 1.7 and a JDK 17 (make test-vtl-diff).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages that are missing, installed in one apt-get run (as root, or through sudo).
need=()
# Debian's python3 makes venvs only with python3-venv; cargo links native code with cc.
if [ ! -x .venv/bin/python ] && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then need+=(python3-venv); fi
command -v cc >/dev/null 2>&1 || need+=(gcc)
if [ "${1:-}" = "--test" ]; then
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  for jar in velocity-1.7 commons-lang commons-collections3; do
    [ -f "/usr/share/java/$jar.jar" ] || { need+=(velocity); break; }
  done
  command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
fi
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
if ! "$VENV/bin/python" -c 'import yaml, pytest, requests, botocore, boto3, mangum, starlette, moto, grpc, grpc_tools' 2>/dev/null || [ ! -x "$VENV/bin/envoy" ]; then
  "$VENV/bin/pip" install --quiet -r scripts/requirements.txt
fi
