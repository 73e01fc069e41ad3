"""Formats benches/vtl/run.sh's measurements (a..d.jsonl in DIR) as Markdown; checks that all four
engines rendered the same output. Usage: report.py DIR RESULTS.md"""

import datetime
import json
import os
import platform
import subprocess
import sys

ENGINES = [
    ("a", "ours, native"),
    ("b", "ours, wasm (node:wasi, V8)"),
    ("c", "Velocity 1.7, JVM warmed"),
    ("d", "velocityjs (Node)"),
]
TEMPLATES = {
    "dynamodb-putitem": "DynamoDB PutItem mapping",
    "sqs-sendmessage": "SQS SendMessage form body",
    "foreach-100": "`#foreach` over 100 items to JSON",
    "response-escape": "response with `$util.escapeJavaScript`",
    "input-path-100k": "`$input.path` over a 100 KB body",
    "string-methods": "String methods over 20 records",
}


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except OSError:
        return "?"


def main():
    src, dest = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    runs = {}
    for key, _ in ENGINES:
        with open(os.path.join(src, key + ".jsonl"), encoding="utf-8") as f:
            runs[key] = {r["template"]: r for r in map(json.loads, f)}
    mismatches = []
    for t in TEMPLATES:
        outputs = {k: runs[k][t]["output"] for k, _ in ENGINES}
        if len(set(outputs.values())) != 1:
            mismatches.append(f"{t}: " + ", ".join(f"{k}={v[:80]!r}" for k, v in outputs.items()))

    def us(k, t):
        return runs[k][t]["us_per_render"]

    with open(os.path.join(here, "node_modules", "velocityjs", "package.json"), encoding="utf-8") as f:
        vjs = json.load(f)["version"]
    commit = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip() or "?"
    lines = [
        "# VTL render speed",
        "",
        f"`benches/vtl/run.sh` on {datetime.date.today()}, commit {commit} (plus the working tree), "
        f"{platform.machine()}, {os.cpu_count()} CPUs; {version(['node', '--version'])}, "
        f"{version(['java', '-version'])}, velocityjs {vjs}. Each template is compiled once; a render "
        "builds the engine's per-request context and renders. Median of the timed samples after a warm-up.",
        "",
        "µs per render (lower is better); renders/s in brackets:",
        "",
        "| template | " + " | ".join(name for _, name in ENGINES) + " |",
        "|---|" + "---:|" * len(ENGINES),
    ]
    for t, label in TEMPLATES.items():
        cells = [f"{us(k, t):.2f} ({runs[k][t]['renders_per_s']:,.0f}/s)" for k, _ in ENGINES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Speed-up of ours over the others (their µs / ours; above 1 means ours is faster):",
        "",
        "| template | native vs Velocity | wasm vs Velocity | native vs velocityjs | wasm vs velocityjs |",
        "|---|---:|---:|---:|---:|",
    ]
    for t, label in TEMPLATES.items():
        r = [us("c", t) / us("a", t), us("c", t) / us("b", t), us("d", t) / us("a", t), us("d", t) / us("b", t)]
        lines.append(f"| {label} | " + " | ".join(f"{x:.2f}×" for x in r) + " |")
    lines += ["", "Outputs: " + ("identical in all four engines." if not mismatches else
                                  "DIFFERENT: " + "; ".join(mismatches)), ""]
    text = "\n".join(lines)
    print(text)
    with open(dest, "w", encoding="utf-8") as f:
        f.write(text)
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
