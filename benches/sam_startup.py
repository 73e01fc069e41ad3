#!/usr/bin/env python3
"""Start-up time of `make run API=<template>` for a 10-function SAM template (5 Python, 5 Node.js,
one Api event each): from the command to the first answer, and to every route answered once (each
function's first, cold invocation). README: "From `sam local start-api`".

    .venv/bin/python benches/sam_startup.py [--runs 3] [--port 18590]

Runs `make run` itself (its setup check and no-op builds included; build first with `make build
checker`), prints one line per run and the medians."""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FUNCTIONS = 10


def write_template(directory):
    os.makedirs(os.path.join(directory, "py"))
    os.makedirs(os.path.join(directory, "node"))
    with open(os.path.join(directory, "py", "app.py"), "w", encoding="utf-8") as f:
        f.write("import json, os\n\ndef handler(event, context):\n"
                "    return {'statusCode': 200, 'body': json.dumps({'fn': context.function_name})}\n")
    with open(os.path.join(directory, "node", "app.mjs"), "w", encoding="utf-8") as f:
        f.write("export const handler = async (event, context) => ({statusCode: 200, "
                "body: JSON.stringify({fn: context.functionName})});\n")
    lines = ["Transform: AWS::Serverless-2016-10-31", "Globals:", "  Function:", "    Timeout: 3", "Resources:"]
    for i in range(FUNCTIONS):
        python = i % 2 == 0
        lines += [f"  Fn{i}:", "    Type: AWS::Serverless::Function", "    Properties:",
                  f"      CodeUri: {'py' if python else 'node'}/", "      Handler: app.handler",
                  f"      Runtime: {'python3.12' if python else 'nodejs20.x'}", "      Events:", "        Get:",
                  "          Type: Api", "          Properties:", f"            Path: /fn{i}", "            Method: get"]
    path = os.path.join(directory, "template.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def answered(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def one_run(template, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    started = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", "run", f"API={template}", f"PORT={port}"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        while not answered(base + "/fn0"):
            if proc.poll() is not None or time.monotonic() - started > 120:
                raise SystemExit(f"make run did not serve (exit {proc.poll()})")
            time.sleep(0.05)
        first = time.monotonic() - started
        for i in range(1, FUNCTIONS):
            while not answered(f"{base}/fn{i}"):
                time.sleep(0.05)
        return first, time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--port", type=int, default=18590)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        template = write_template(d)
        firsts, alls = [], []
        for run in range(a.runs):
            first, every = one_run(template, a.port)
            firsts.append(first)
            alls.append(every)
            print(f"run {run + 1}: first answer {first:.2f} s, all {FUNCTIONS} functions answered {every:.2f} s",
                  flush=True)
        print(f"median of {a.runs}: first answer {statistics.median(firsts):.2f} s, "
              f"all {FUNCTIONS} answered {statistics.median(alls):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
