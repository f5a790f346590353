"""The turnover model's deposit of new positions (volume pace, OHLC path) and its grid reach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.estimate.turnover import entry_range, prepare_turnover, turnover_activity
from liqlib.sim.synthetic import make_synthetic_market
from liqlib.validate import heatmap_predicted


@pytest.fixture(scope="module")
def market():
    return make_synthetic_market(2_000, seed=3, interval="5min")


def test_activity_is_volume_over_its_trailing_mean_and_flat_without_volume(market):
    act = turnover_activity(market)
    v = market["quote_volume"].to_numpy(float)
    assert act[0] == pytest.approx(1.0)
    assert act[10] == pytest.approx(v[10] / v[:11].mean())
    assert np.all(act >= 0)
    assert np.array_equal(turnover_activity(market, "flat"), np.ones(len(market)))
    no_vol = market.drop(columns=[c for c in market.columns if "volume" in c])
    assert np.array_equal(turnover_activity(no_vol), np.ones(len(market)))


def test_the_hazard_is_paced_per_candle_by_volume(market):
    p = lq.estimate.registry.resolve_params("turnover", n_bins=200, max_columns=10)
    inp = prepare_turnover(market, p)
    lam = inp.hazard_per_candle
    act = turnover_activity(market)
    assert inp.survive.shape == (len(market), lam.size)
    np.testing.assert_allclose(inp.survive, np.exp(-np.outer(act, lam)))


def test_a_busy_candle_leaves_more_new_positions_at_its_prices(market):
    """Same market, one candle's volume x20: the book holds more USD at the liquidation
    prices of positions opened in that candle (one 10x tier: 10 % below its prices)."""
    m = market.copy()
    i = 1_500
    m.iloc[i, m.columns.get_loc("quote_volume")] *= 20
    mix = lq.LeverageMix(leverages=(10.0,), weights=(1.0,))
    kw = dict(n_bins=400, max_columns=len(m), leveraged_share=1.0, mix=mix)
    base = lq.estimate_heatmap(market, **kw)
    busy = lq.estimate_heatmap(m, **kw)
    k = lq.estimate.registry.resolve_params("turnover", mix=mix).lp_factors()[0, 0]
    lo, hi = k * market["low"].iloc[i], k * market["high"].iloc[i]
    at = (base.price_edges[1:] > lo) & (base.price_edges[:-1] < hi)
    after = i + 1
    assert busy.long_usd[after, at].sum() > 1.15 * base.long_usd[after, at].sum()
    # the totals stay the open interest's share: only where the USD sits changes
    tb = base.totals().iloc[after].sum()
    tu = busy.totals().iloc[after].sum()
    assert tu == pytest.approx(tb, rel=1e-6)


def test_the_path_profile_keeps_the_middle_half_of_the_ohlc_path():
    o, h, lo, c = (np.array([x]) for x in (100.0, 110.0, 90.0, 100.0))
    a, b = entry_range(o, h, lo, c, "path")
    assert (a[0], b[0]) == pytest.approx((95.0, 105.0))
    a, b = entry_range(o, h, lo, c, "range")
    assert (a[0], b[0]) == (90.0, 110.0)
    # a candle that rose all the way: the open-to-low leg is empty, the body is the range
    a, b = entry_range(*(np.array([x]) for x in (90.0, 110.0, 90.0, 110.0)), "path")
    assert 90.0 < a[0] < b[0] < 110.0


def test_the_grid_reach_keeps_totals_and_liquidations_and_refines_the_bins(market):
    kw = dict(n_bins=600, max_columns=40, leveraged_share=1.0)
    wide = lq.estimate_heatmap(market, grid_reach=None, **kw)
    near = lq.estimate_heatmap(market, grid_reach=0.3, **kw)
    assert near.price_edges[0] > wide.price_edges[0] and near.price_edges[-1] < wide.price_edges[-1]
    assert near.price_edges[0] <= market["low"].min() * 0.7 * (1 + 1e-6)
    # every USD is kept: what leaves the grid is in the overflow (the totals differ only by
    # where a sweep cuts a bin: < 1e-5 of them)
    np.testing.assert_allclose(near.totals().to_numpy(), wide.totals().to_numpy(), rtol=1e-5)
    assert near.overflow_long_usd.sum() > wide.overflow_long_usd.sum()
    # liquidations: finer bins near the price are nearer what very fine bins give
    fine = lq.estimate_heatmap(market, grid_reach=None, **{**kw, "n_bins": 8_000})
    pw, pn, pf = (heatmap_predicted(h).sum(axis=1) for h in (wide, near, fine))
    assert abs(pn.sum() / pf.sum() - 1) < 0.5 * abs(pw.sum() / pf.sum() - 1)
    assert abs(pn.sum() / pf.sum() - 1) < 0.005
    assert np.corrcoef(pn, pf)[0, 1] > 0.999
    step_w = np.log(wide.price_edges[1] / wide.price_edges[0])
    step_n = np.log(near.price_edges[1] / near.price_edges[0])
    assert step_n < 0.6 * step_w


@pytest.mark.parametrize(
    "kw", [{"grid_reach": 1.5}, {"grid_reach": 0}, {"turnover_activity": "trades"},
           {"entry_profile": "vwap"}]
)  # fmt: skip
def test_bad_settings_are_one_line_errors(kw):
    with pytest.raises(InputError, match=next(iter(kw))):
        lq.EngineParams(**kw)


def test_the_other_models_refuse_the_turnover_settings(market):
    with pytest.raises(InputError):
        lq.estimate_heatmap(market, model="oi-flow", grid_reach=0.5)
    assert isinstance(pd.Timestamp(market.index[0]), pd.Timestamp)
