"""The size of the built .wasm Envoy loads (issue 16; benches/README.md, "Size").

Issue 16 asks for under 1,000,000 bytes unless the bytes pay for themselves. The release build is
1,181,012 bytes (`make build`, 2026-12-05); the 1 MB goal is not reached without slowing the hot path (benches/
README.md, "Size": opt-level "z" +37 % instructions on H3). BUDGET holds today's size plus room for
features in flight, so growth is noticed here; lower it as the size comes down."""

import os

from conftest import WASM

GOAL = 1_000_000
BUDGET = 1_200_000


def test_wasm_within_budget():
    size = os.path.getsize(WASM)
    assert size < BUDGET, (
        f"{WASM} is {size:,} bytes, over the budget of {BUDGET:,} (issue 16's goal: {GOAL:,}); "
        "see where the bytes go with benches/size/breakdown.py (benches/README.md, \"Size\")")
