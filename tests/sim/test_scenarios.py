"""Simulated scenarios on forms no model uses (liqlib.sim.scenarios): SIMULATED data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.sim.scenarios import SCENARIOS, ScenarioConfig, simulate_scenario

SMALL = dict(days=0.5, live_positions=3_000, burn_in_days=1.0)


def _near_share(truth, within=0.10):
    c = truth.bin_centers
    near = np.abs(c[None, :] / truth.price[:, None] - 1) <= within
    usd = truth.long_usd.sum(axis=1) + truth.short_usd.sum(axis=1)
    total = usd.sum() + truth.overflow_long_usd.sum() + truth.overflow_short_usd.sum()
    return float((usd * near).sum() / total)


def test_same_seed_same_market_and_a_market_frame_models_take():
    a, ta = simulate_scenario("cross margin", 3, **SMALL)
    b, tb = simulate_scenario("cross margin", 3, **SMALL)
    c, _ = simulate_scenario("cross margin", 4, **SMALL)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ta.liquidations, tb.liquidations)
    assert not a["close"].equals(c["close"])
    assert a.attrs["synthetic"] and "SIMULATED" in a.attrs["source"]
    assert len(a) == 720 and a["oi_coin"].notna().all()  # 5-minute metrics, carried forward
    hm = lq.estimate_heatmap(a, "oi-flow", n_bins=200, max_columns=10)
    assert hm.long_usd.shape == (10, 200)


def test_cross_margin_puts_the_book_farther_from_the_price():
    iso = ScenarioConfig("iso", cross_share=0.0)
    cross = ScenarioConfig("cross", cross_share=1.0, equity_multiple_median=4.0)
    _, t_iso = simulate_scenario(iso, 1, **SMALL)
    _, t_cross = simulate_scenario(cross, 1, **SMALL)
    assert _near_share(t_cross) < 0.6 * _near_share(t_iso)


def test_stops_and_added_margin_prevent_liquidations():
    base = ScenarioConfig("base", leverage_median=25.0)
    stops = ScenarioConfig("stops", leverage_median=25.0, stop_share=1.0)
    adds = ScenarioConfig("adds", leverage_median=25.0, add_share=1.0, add_max=3)
    liq = {}
    for cfg in (base, stops, adds):
        _, t = simulate_scenario(cfg, 2, **SMALL)
        liq[cfg.description] = float(t.liquidations.sum().sum())
    assert liq["base"] > 0
    assert liq["stops"] < 0.2 * liq["base"]  # only gaps past both the stop and the price
    assert liq["adds"] < 0.7 * liq["base"]


def test_liquidations_happen_where_the_candle_went():
    m, t = simulate_scenario("added margin + stops", 5, **SMALL)
    liq = t.liquidations
    assert (liq >= 0).all().all() and liq.sum().sum() > 0
    ret = np.log(m["close"] / m["open"])
    longs, shorts = liq["long_usd"] > 0, liq["short_usd"] > 0
    # long liquidations come with falling candles, short ones with rising candles
    assert ret[longs & ~shorts].mean() < 0 < ret[shorts & ~longs].mean()


def test_every_scenario_is_described_and_bad_input_is_one_line():
    table = lq.describe_scenarios()
    assert list(table.index) == list(SCENARIOS) and table["description"].str.len().min() > 40
    with pytest.raises(InputError, match="unknown: use one of"):
        simulate_scenario("nope")
    with pytest.raises(InputError, match="must start with 'SIM-'"):
        simulate_scenario("cross margin", symbol="BTCUSDT", **SMALL)
    with pytest.raises(InputError, match="cross_share"):
        ScenarioConfig(cross_share=2.0)
    with pytest.raises(InputError, match="live_positions"):
        simulate_scenario("cross margin", live_positions=0)
