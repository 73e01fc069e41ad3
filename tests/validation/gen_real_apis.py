"""Writes tests/validation/real-apis/<name>.json: each definition of tests/real-apis as JSON, read
the way `make run` reads it (scripts/apigw.py `load_definition`: YAML, CloudFormation intrinsics
and placeholders resolved), so the native Rust tests (tests/validation_real_apis.rs), which have
no YAML reader, can load them. Run with the venv's Python after a change to tests/real-apis:

    .venv/bin/python tests/validation/gen_real_apis.py
"""

import glob
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import apigw  # noqa: E402


def main():
    out_dir = os.path.join(ROOT, "tests", "validation", "real-apis")
    os.makedirs(out_dir, exist_ok=True)
    sources = sorted(glob.glob(os.path.join(ROOT, "tests", "real-apis", "*.json"))
                     + glob.glob(os.path.join(ROOT, "tests", "real-apis", "*.yaml")))
    for path in sources:
        doc = apigw.load_definition(path)
        name = os.path.splitext(os.path.basename(path))[0] + ".json"
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            # default=str: YAML timestamps (unquoted dates) become their text.
            json.dump(doc, f, indent=1, ensure_ascii=False, default=str)
            f.write("\n")
    print(f"{len(sources)} definitions written to {out_dir}")


if __name__ == "__main__":
    main()
