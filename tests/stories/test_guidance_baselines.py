"""The baselines and sample counts that notebook 00's advice tests are read against."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.stories import guidance
from liqlib.stories.zones import compute_hot_zones


@pytest.fixture(scope="module")
def market_hm():
    market = lq.make_synthetic_market(6_000, seed=11)
    return market, lq.estimate_heatmap(market, model="oi-flow", n_bins=300, max_columns=200)


def test_independent_windows_counts_only_windows_that_do_not_overlap():
    assert guidance.independent_windows(5, "24h", "24h") == 5
    assert guidance.independent_windows(72, "24h", "1h") == 3  # hourly maps over 3 days
    assert guidance.independent_windows(10, "6h", "2h") == 4


def test_wilson_interval_is_a_share_interval():
    lo, hi = guidance.wilson_interval(5, 10)
    assert lo == pytest.approx(100 - hi) and 20 < lo < 30
    lo0, hi0 = guidance.wilson_interval(0, 4)
    assert lo0 == pytest.approx(0.0, abs=1e-9) and 40 < hi0 < 60  # 0 of 4 is no proof
    assert all(np.isnan(guidance.wilson_interval(0, 0)))


def test_reach_baseline_is_a_random_level_in_the_same_band(market_hm):
    """The baseline equals a brute-force count: levels spread evenly over each zone's band,
    on its side, reached by the lows (longs) or highs (shorts) of the following horizon."""
    market, hm = market_hm
    edges = (0.0, 1.0, 2.0, 5.0, 10.0, 15.0)
    reach = guidance.reach_by_distance(hm, market, horizon="6h", every="6h", edges_pct=edges)
    assert reach.attrs["independent_windows"] == reach.attrs["n_maps"] > 3
    low = market["mark_low"].fillna(market["low"])
    high = market["mark_high"].fillna(market["high"])
    rows = []
    for t in guidance._sample_columns(hm, market, "6h", "6h"):
        z = compute_hot_zones(hm, t, zone_pct=0.5, max_distance_pct=edges[-1], top_n=6)
        px = z.attrs["price"]
        win = (market.index > t) & (market.index < pd.Timestamp(t) + pd.Timedelta("6h"))
        for d in z["distance_pct"]:
            k = int(np.searchsorted(edges, abs(d)) - 1)
            levels = np.linspace(edges[k], edges[k + 1], 2001)[1:]
            if d < 0:
                hit = low[win].min() <= px * (1 - levels / 100)
            else:
                hit = high[win].max() >= px * (1 + levels / 100)
            rows.append((k, hit.mean() * 100))
    brute = pd.DataFrame(rows, columns=["k", "pct"]).groupby("k")["pct"].mean()
    got = reach["baseline_pct"].to_numpy()
    for k, pct in brute.items():
        assert got[k] == pytest.approx(pct, abs=0.2), (k, got, brute)


def test_bias_reports_its_interval_and_independent_windows(market_hm):
    market, hm = market_hm
    bias = guidance.bias_vs_direction(hm, market, horizon="6h", every="6h")
    lo, hi = bias.attrs["ci95_pct"]
    assert lo <= bias.attrs["toward_pct"] <= hi
    assert bias.attrs["independent_windows"] == bias.attrs["n_maps"]
    hourly = guidance.bias_vs_direction(hm, market, horizon="6h", every="1h")
    assert hourly.attrs["independent_windows"] < hourly.attrs["n_maps"]
