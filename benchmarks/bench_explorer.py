"""Benchmark of the heatmap explorer's Python-side updates (run by ``make bench``).

7 days of synthetic 1-minute candles (10,080), 5 tiers x 2 sides, per-tier output, on two
grids: 300 price bins x <= 400 columns (what notebook 03 uses) and 500 x 600 (the former
default; 593 columns of 17 candles for the 7d preset). Each figure is the
median of 25 control changes, after a warm-up (numba compilation excluded), timed around the
widget change itself: callback, re-estimate, arrays and the FigureWidget update message.

Targets: re-estimate + figure update <= 50 ms; threshold / colour / side / tier changes
without re-estimate <= 20 ms. Then the same market as three venues (the second and third
SIMULATED from the first: 60 % and 30 % of its open interest, a small price basis) with
~1,400 realized events: a venue checkbox re-adds the venues' estimates (target <= 20 ms, no
re-estimate), the map switches to venue stacks, the realized dots toggle, and the end slider
re-estimates the three venues (target <= 3 x 50 ms). The browser side (slider release to changed pixels) is measured
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
    run_venues(300, 400)


def _venue(market, share: float, basis: float):
    out = market.copy()
    prices = ("open", "high", "low", "close", "mark_open", "mark_high", "mark_low", "mark_close")
    for col in prices:
        if col in out:
            out[col] = market[col] * (1 + basis)
    for col in ("oi_coin", "oi_usd", "volume", "quote_volume"):
        if col in out:
            out[col] = market[col] * share
    out.attrs = dict(market.attrs)
    return out


def _events(market):
    import numpy as np
    import pandas as pd

    idx = market.index[::7]
    n = len(idx)
    side = np.where(np.arange(n) % 2 == 0, "long", "short")
    price = np.where(side == "long", market.loc[idx, "low"], market.loc[idx, "high"])
    usd = 1e4 * (1 + np.arange(n) % 50)
    venue = np.array(["binance", "bybit", "okx"])[np.arange(n) % 3]
    liqs = pd.DataFrame(
        {"venue": venue, "side": side, "price": price, "usd": usd},
        index=pd.DatetimeIndex(idx, name="time"),
    )
    liqs.attrs["synthetic"] = True
    return liqs


def run_venues(n_bins: int, max_columns: int) -> None:
    import liqlib as lq

    market = lq.make_synthetic_market(10_080, seed=7)
    markets = {
        "binance": market,
        "bybit": _venue(market, 0.6, 5e-4),
        "okx": _venue(market, 0.3, -4e-4),
    }
    liqs = _events(market)
    t0 = time.perf_counter()
    ex = lq.make_heatmap_explorer(markets, n_bins=n_bins, max_columns=max_columns, realized=liqs)
    build = time.perf_counter() - t0
    c = ex.controls
    start = c["end"].value
    c["end"].value = start - 1  # warm-up
    c["venue_1"].value = not c["venue_1"].value
    c["venue_1"].value = True
    print(
        f"explorer over 3 venues (SYNTHETIC, SIMULATED venues 2-3), {n_bins} price bins x "
        f"<= {max_columns} columns, {len(liqs):,} realized events ({len(ex.realized_in_window())} "
        f"in the window); build {build:.2f} s"
    )
    rows = {
        "venue checkbox (re-add venues, no re-estimate)": (
            lambda i: c[f"venue_{1 + i % 2}"].__setattr__(
                "value", not c[f"venue_{1 + i % 2}"].value
            ),
            20,
        ),
        "map stacked by venue / leverage": (
            lambda i: c["map_stack"].__setattr__("value", ["venue", "leverage"][i % 2]),
            20,
        ),
        "realized dots on / off": (
            lambda i: c["realized"].__setattr__("value", not c["realized"].value),
            20,
        ),
        "end slider (3 venues re-estimated + figure)": (
            lambda i: c["end"].__setattr__("value", start - 17 * (i + 2)),
            150,
        ),
    }
    for name, (change, target) in rows.items():
        med = median_time(change, RUNS) * 1e3
        flag = "ok" if med <= target else "OVER"
        print(f"{name}: median {med:.1f} ms (target <= {target} ms, {flag})")


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
