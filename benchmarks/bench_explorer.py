"""Benchmark of the heatmap explorer's Python-side updates (run by ``make bench``).

7 days of synthetic 1-minute candles (10,080), 5 tiers x 2 sides, per-tier output, on two
grids: 300 price bins x <= 400 columns (what notebook 03 uses) and 500 x 600 (the former
default; 593 columns of 17 candles for the 7d preset). Each figure is the
median of 25 control changes, after a warm-up (numba compilation excluded), timed around the
widget change itself: callback, re-estimate, arrays and the FigureWidget update message.

Targets: re-estimate + figure update <= 50 ms; threshold / colour / side / tier changes
without re-estimate <= 20 ms. The browser side (slider release to changed pixels) is measured
by ``tests/test_browser.py`` in Chromium and printed there.

Usage: ``python benchmarks/bench_explorer.py``
"""

from __future__ import annotations

import time

from timing import median_time

RUNS = 25


def main() -> None:
    for n_bins, max_columns in ((300, 400), (500, 600)):
        run(n_bins, max_columns)


def run(n_bins: int, max_columns: int) -> None:
    import liqlib as lq
    from liqlib.viz.plot import HEAT_CMAPS

    market = lq.make_synthetic_market(10_080, seed=7)
    t0 = time.perf_counter()
    ex = lq.make_heatmap_explorer(market, n_bins=n_bins, max_columns=max_columns)
    build = time.perf_counter() - t0
    c = ex.controls
    start = c["end"].value
    c["end"].value = start - 1  # warm-up: numba specialisations, plotly validators
    c["threshold"].value = 1.0
    i0, i1, block = ex.window()
    z = ex.values()
    print(
        f"explorer 7d of 1m candles (SYNTHETIC, {len(market):,}), {z.shape[0]} price bins x "
        f"{z.shape[1]} columns of {block} candles, {len(ex.hm.leverages)} tiers x 2 sides"
    )
    print(f"build (incl. first estimate, numba from cache): {build:.2f} s")
    cmaps = list(HEAT_CMAPS)
    sides = ["long", "short", "both"]
    scales = ["linear", "log", "percentile"]
    n_tiers = len(ex.hm.leverages)
    rows = {
        "end slider (re-estimate + figure)": lambda i: c["end"].__setattr__(
            "value", start - 17 * (i + 2)
        ),
        "mix slider (re-estimate + figure)": lambda i: c["mix_1"].__setattr__(
            "value", 0.30 + 0.01 * ((i % 10) + 1)
        ),
        "timeframe preset (re-estimate + figure)": lambda i: c["timeframe"].__setattr__(
            "value", ["3d", "24h", "7d"][i % 3]
        ),
        "threshold slider (colour scale only)": lambda i: c["threshold"].__setattr__(
            "value", float(2 + i % 20)
        ),
        "colour map (colour scale only)": lambda i: c["cmap"].__setattr__(
            "value", cmaps[i % len(cmaps)]
        ),
        "scale linear/log/percentile (colour scale only)": lambda i: c["scale"].__setattr__(
            "value", scales[i % 3]
        ),
        "side long/short/both (new z, no re-estimate)": lambda i: c["side"].__setattr__(
            "value", sides[i % 3]
        ),
        "tier toggle (new z, no re-estimate)": lambda i: c[f"tier_{i % n_tiers}"].__setattr__(
            "value", not c[f"tier_{i % n_tiers}"].value
        ),
    }
    for name, change in rows.items():
        target = 50 if "re-estimate +" in name else 20
        med = median_time(change, RUNS) * 1e3
        flag = "ok" if med <= target else "OVER"
        print(f"{name}: median {med:.1f} ms (target <= {target} ms, {flag})")


if __name__ == "__main__":
    main()
