# Amazon API Gateway data plane for Envoy (proxy-wasm). See README.md.
SHELL := /bin/bash

API ?= envoy/demo-api.yaml
PORT ?= 8080
ADMIN_PORT ?=
STAGE ?=
STAGE_VARIABLES ?=
STAGE_PREFIX ?= optional
# Empty: the defaults (apiId local, account 123456789012, region AWS_REGION/AWS_DEFAULT_REGION/us-east-1).
API_ID ?=
ACCOUNT_ID ?=
REGION ?=
CFN_PARAMS ?=
LOCAL_LAMBDA ?= auto
LOCAL_SERVICES ?= auto
IAM_KEYS ?=
# AWS's API key import CSV and `aws apigateway get-usage-plans` output (README: "API keys and usage plans").
API_KEYS ?=
USAGE_PLANS ?=
# The `aws apigateway get-stage` output (a file, or the JSON itself): the stage's throttling.
STAGE_SETTINGS ?=
# host:port of a rate limit service speaking Envoy's RLS gRPC protocol: throttle across replicas.
GLOBAL_RATE_LIMIT ?=
COGNITO_JWKS ?=
# Extra command-line flags for Envoy, appended to the ones make run passes (e.g. '--concurrency 1').
ENVOY_FLAGS ?=
# Access logs (README: "Access logs"): a file (`-`: standard output) and the stage's format, passed
# exactly as typed ($(value ...): make does not expand its `$context...`).
ACCESS_LOG ?=
ACCESS_LOG_FORMAT ?=
# 1: every request's execution trace on standard output (README: "Execution trace").
TRACE ?=

VENV := .venv
PY := $(VENV)/bin/python
ENVOY := $(VENV)/bin/envoy
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
WASM := $(TARGET_DIR)/wasm32-wasip1/release/apigw_envoy.wasm
CHECKER := $(TARGET_DIR)/release/apigw-check
WASM_BINDGEN_VERSION := 0.2.130

.PHONY: setup setup-test build checker run test test-native test-wasm test-vtl-diff test-sam test-e2e bench bench-vtl validate-configs clean

setup:
	@scripts/setup.sh

# make test's extra needs (Node, Velocity 1.7, a JDK 17): apt-get installs them when missing.
setup-test:
	@scripts/setup.sh --test

build: setup
	@cargo build --quiet --release --target wasm32-wasip1 --lib
	@echo "$(WASM) ($$(stat -c %s $(WASM)) bytes)"

checker:
	@cargo build --quiet --release --bin apigw-check

run: build checker
	@$(PY) scripts/run.py --api "$(API)" --port "$(PORT)" --admin-port "$(ADMIN_PORT)" --stage "$(STAGE)" \
	  --stage-variables "$(STAGE_VARIABLES)" --stage-prefix "$(STAGE_PREFIX)" \
	  --api-id "$(API_ID)" --account-id "$(ACCOUNT_ID)" --region "$(REGION)" --cfn-params "$(CFN_PARAMS)" --local-lambda "$(LOCAL_LAMBDA)" --local-services "$(LOCAL_SERVICES)" \
	  --wasm $(WASM) --checker $(CHECKER) --envoy $(ENVOY) --iam-keys "$(IAM_KEYS)" --cognito-jwks "$(COGNITO_JWKS)" \
	  --api-keys "$(API_KEYS)" --usage-plans "$(USAGE_PLANS)" \
	  --stage-settings '$(subst ','\'',$(STAGE_SETTINGS))' --global-rate-limit "$(GLOBAL_RATE_LIMIT)" \
	  --envoy-flags '$(subst ','\'',$(ENVOY_FLAGS))' \
	  --access-log '$(subst ','\'',$(ACCESS_LOG))' --access-log-format '$(subst ','\'',$(value ACCESS_LOG_FORMAT))' \
	  --trace "$(TRACE)"

test: test-native test-wasm test-vtl-diff test-sam test-e2e

# LAMBDA_TEST_REQUIRE: the signed-invoke round trips must run (the venv has botocore), not skip.
test-native: setup-test
	LAMBDA_TEST_REQUIRE=1 cargo test --quiet

# The core's unit tests again, compiled to wasm32 and run under wasm-bindgen-test (Node).
test-wasm: setup-test
	@if ! wasm-bindgen-test-runner --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
	  cargo install --quiet wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi
	cargo test --lib --target wasm32-unknown-unknown

# The VTL engine against Apache Velocity 1.7 set up as API Gateway runs it: Velocity renders the
# differential corpus afresh (rewrites tests/vtl/differential/velocity-output.json, deterministic:
# git shows no change unless the corpus or the harness changed), then ours must match it.
# Needs Java 17 and the Debian package `velocity` (setup-test installs both).
test-vtl-diff: setup-test
	tests/velocity/run-differential.sh
	cargo test --quiet --test vtl_differential

# make run's SAM/CloudFormation translator and intrinsics (scripts/sam.py, scripts/cfn.py).
test-sam: setup
	$(PY) -m pytest -q tests/sam

test-e2e: setup-test build checker
	WASM=$(abspath $(WASM)) ENVOY=$(abspath $(ENVOY)) CHECKER=$(abspath $(CHECKER)) \
	  $(PY) -m pytest -q tests/e2e

bench: build
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@$(PY) -c "import matplotlib" 2>/dev/null || $(PY) -m pip install -q -r benches/requirements.txt
	$(PY) benches/run.py --wasm $(WASM) --envoy $(ENVOY)
	benches/vtl/run.sh

# Render speed of the VTL engine (native and wasm) against Velocity 1.7 (JVM) and velocityjs;
# writes benches/vtl/results.md. See benches/vtl/run.sh.
bench-vtl: setup
	benches/vtl/run.sh

clean:
	cargo clean
	rm -rf build
