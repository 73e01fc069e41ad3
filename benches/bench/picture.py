"""`make bench` as a picture (benches/results.png, shown in the README beside the tables): for each
table, every scenario's median requests per second and Envoy CPU per request, same run, same
rounds. Needs matplotlib (benches/requirements.txt; `make bench` installs it)."""

import statistics


def _medians(plan, runs):
    rows = []
    for s in plan:
        got = runs.get(s[0]) or []
        if got:
            rows.append((s[0], statistics.median(r["rps"] for r in got), statistics.median(r["cpu_us"] for r in got)))
    return rows


def draw(path, tables, title):
    """`tables`: [(name, plan, runs)]; one row of two bar charts per table."""
    import matplotlib  # noqa: PLC0415 (only make bench needs it)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    tables = [(name, _medians(plan, runs)) for name, plan, runs in tables if plan and runs]
    fig, axes = plt.subplots(len(tables), 2, figsize=(13, 1.2 + 0.32 * sum(len(r) for _, r in tables) + 0.8 * len(tables)),
                             squeeze=False, gridspec_kw={"height_ratios": [max(len(r), 1) for _, r in tables]})
    for (name, rows), (left, right) in zip(tables, axes):
        keys = [k for k, _, _ in rows][::-1]
        for ax, values, label, colour in ((left, [r for _, r, _ in rows][::-1], "requests per second (median)", "#3b75af"),
                                          (right, [c for _, _, c in rows][::-1], "Envoy CPU µs per request (median)",
                                           "#d1812b")):
            bars = ax.barh(keys, values, color=colour)
            ax.bar_label(bars, labels=[f"{v:,.0f}" if v >= 100 else f"{v:.1f}" for v in values], padding=3, fontsize=8)
            ax.set_xlabel(label)
            ax.set_title(name, fontsize=10, loc="left")
            ax.margins(x=0.15)
            ax.tick_params(axis="y", labelsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
