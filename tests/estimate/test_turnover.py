"""The "turnover" model: leverage density, effective leverage, warm start, timing, flows."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.data.columns import CLOSE, HIGH, LOW, OI_COIN, OPEN
from liqlib.errors import InputError
from liqlib.estimate import calibrate, config, turnover
from liqlib.estimate.brackets import lp_factors
from liqlib.estimate.config import EngineParams, LeverageDensity, LeverageMix
from liqlib.estimate.turnover import (
    expected_lifetime,
    oi_after_candle,
    prepare_turnover,
    run_turnover,
    stationary_inventory,
)
from liqlib.sim.synthetic import make_synthetic_market
from liqlib.validate import evaluate


@pytest.fixture(scope="module")
def market():
    return make_synthetic_market(3_000, seed=5)


def _bars(prices, oi, lows=None, highs=None):
    p = np.asarray(prices, dtype=float)
    lo = p if lows is None else np.asarray(lows, dtype=float)
    hi = p if highs is None else np.asarray(highs, dtype=float)
    return pd.DataFrame(
        {OPEN: p, HIGH: hi, LOW: lo, CLOSE: p, OI_COIN: np.asarray(oi, dtype=float)},
        index=pd.date_range("2025-03-01", periods=p.size, freq="1h", tz="UTC", name="time"),
    )


@pytest.mark.parametrize("module", [turnover, calibrate, evaluate, config])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_density_is_lognormal_on_log_cells():
    d = LeverageDensity(median=10.0, sigma=0.5, min_leverage=1.5, max_leverage=200.0, n_tiers=40)
    mix = d.to_mix()
    w = np.asarray(mix.weights)
    assert math.isclose(w.sum(), 1.0, abs_tol=1e-12)
    assert 10.0 / 1.2 < mix.leverages[int(np.argmax(w))] < 10.0 * 1.2
    cdf = np.cumsum(w)  # the median cell is where the cumulative share crosses 1/2
    edges = d.cell_edges()
    assert edges[np.searchsorted(cdf, 0.5)] <= 10.0 <= edges[np.searchsorted(cdf, 0.5) + 1]
    # one sigma each side holds ~68 %
    lev = np.asarray(mix.leverages)
    inside = w[(lev > 10 * math.exp(-0.5)) & (lev < 10 * math.exp(0.5))].sum()
    assert 0.6 < inside < 0.76


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"median": 1.0}, "median leverage"),
        ({"sigma": 0.0}, "sigma"),
        ({"min_leverage": 5.0, "max_leverage": 4.0}, "min_leverage < max_leverage"),
        ({"n_tiers": 0}, "n_tiers"),
        ({"median": 1e6, "sigma": 0.1}, "no mass"),
    ],
)
def test_density_rejects_bad_values_in_one_line(kwargs, match):
    with pytest.raises(InputError, match=match) as err:
        LeverageDensity(**kwargs)
    assert "\n" not in str(err.value)


def test_effective_leverage_reaches_past_the_bracket_maximum():
    with pytest.raises(InputError, match="exceeds the maximum"):
        lp_factors((200.0,), 10_000.0)
    k = lp_factors((200.0,), 10_000.0, effective=True)
    assert 0.998 < k[0, 0] < 1.0 and 1.0 < k[1, 0] < 1.002  # 0.1 % from the entry
    # past 1 / MMR = 250x the level would sit on the wrong side of the entry: refused
    with pytest.raises(InputError, match="1 / MMR"):
        EngineParams(flow="turnover", mix=LeverageMix((300.0,), (1.0,)))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hold_hours", 0.0),
        ("leveraged_share", -1.0),
        ("intrabar_exposure", 1.5),
        ("oi_timing", "middle"),
        ("mix_basis", "flow"),
        ("warm_start", "yes"),
    ],
)
def test_turnover_params_validated(name, value):
    with pytest.raises(InputError, match=name):
        EngineParams(**{name: value})


def test_stationary_inventory_conserves_usd_and_peaks_at_the_tier_distance():
    edges = np.geomspace(50.0, 200.0, 2001)
    k = np.array([[0.9], [1.1]])
    raw, lo, hi = stationary_inventory(edges, 100.0, k, k, np.array([200.0]), np.full((2, 1), 7.0))
    assert np.isclose(raw.sum() + lo.sum() + hi.sum(), 14.0)
    centers = np.sqrt(edges[:-1] * edges[1:])
    assert np.all(raw[0, 0][centers > 100.0] == 0) and np.all(raw[1, 0][centers < 100.0] == 0)
    assert abs(centers[np.argmax(raw[0, 0])] - 90.0) < 0.5
    assert abs(centers[np.argmax(raw[1, 0])] - 110.0) < 0.6
    # right at the price the book is empty (just swept), not at its peak
    near = np.argmin(np.abs(centers - 99.9))
    assert raw[0, 0, near] < 0.01 * raw[0, 0].max()


def test_expected_lifetime_limits():
    k = np.array([[0.5, 0.999], [1.5, 1.001]])
    lam = np.array([0.01, 0.01])
    life = expected_lifetime(k, k, lam, np.array([1e3, 1.0]))
    assert math.isclose(life[0], 100.0, rel_tol=1e-9)  # far levels: closed before reached
    assert life[1] < 0.2  # a 0.1 % level with a volatile price dies at once


def test_oi_timing_conventions():
    m = _bars([100.0] * 4, [10.0, np.nan, 12.0, np.nan])
    assert oi_after_candle(m, "open").tolist() == [11.0, 12.0, 12.0, 12.0]
    assert oi_after_candle(m, "close").tolist() == [10.0, 11.0, 12.0, 12.0]
    m.attrs["oi_timing"] = "close"
    assert oi_after_candle(m, "auto").tolist() == [10.0, 11.0, 12.0, 12.0]
    with pytest.raises(InputError, match="oi_timing"):
        oi_after_candle(m, "middle")


@pytest.mark.parametrize(("timing", "rise_at"), [("open", 2), ("close", 3)])
def test_a_rise_of_open_interest_opens_in_the_candle_it_happened(timing, rise_at):
    # OI rows [100, 100, 100, 150, 150]: with "open" the rise is the state after candle 2
    m = _bars([100.0] * 5, [100.0, 100.0, 100.0, 150.0, 150.0])
    hm = lq.estimate_heatmap(
        m,
        mix={10.0: 1.0},
        leveraged_share=1.0,  # every contract's two sides (the default is the level prior)
        hold_hours=1e9,
        warm_start=False,
        oi_timing=timing,
        n_bins=200,
        max_columns=5,
    )
    opened = hm.flows["opened_long_usd"].to_numpy()
    first = 0
    assert opened[first] == pytest.approx(100.0 * 100.0)  # the empty book fills at once
    assert opened[rise_at] == pytest.approx(50.0 * 100.0)
    others = [i for i in range(1, 5) if i != rise_at]
    assert np.allclose(opened[others], 0.0, atol=1e-3)  # (what the tiny hazard closed)


def test_default_model_is_turnover_and_the_flows_add_up(market):
    hm = lq.estimate_heatmap(market, n_bins=300, max_columns=40)
    assert hm.model == "turnover" == lq.DEFAULT_MODEL
    assert isinstance(hm.params.mix, LeverageDensity) and hm.params.mix.max_leverage == 200.0
    f = hm.flows
    end = hm.totals().iloc[-1]
    for side in ("long", "short"):
        net = (
            f[f"opened_{side}_usd"]
            - f[f"closed_{side}_usd"]
            - f[f"liquidated_{side}_usd"]
            - f[f"faded_{side}_usd"]
        ).sum()
        assert np.isclose(net, end[f"{side}_usd"], rtol=1e-9)


def test_book_holds_the_leveraged_share_of_open_interest(market):
    share = 0.3
    hm = lq.estimate_heatmap(market, leveraged_share=share, n_bins=300, max_columns=50)
    oi_usd = oi_after_candle(market, "open") * market[CLOSE].to_numpy()
    cols = hm.times.get_indexer(hm.times)
    last = market.index.get_indexer(hm.times)
    target = share * oi_usd[last]
    tot = hm.totals()
    for side in ("long_usd", "short_usd"):
        ratio = tot[side].to_numpy() / target
        # target at the mark close; the intrabar sweep leaves the book a little short of it
        assert np.all(ratio <= 1.0 + 1e-3) and np.all(ratio > 0.95), side
    assert cols.size == 50


def test_warm_start_fills_the_book_before_the_first_candle(market):
    one = dict(leveraged_share=1.0, n_bins=300, max_columns=200)
    warm = lq.estimate_heatmap(market.iloc[:200], **one)
    cold = lq.estimate_heatmap(market.iloc[:200], warm_start=False, **one)
    oi0 = float(market[OI_COIN].dropna().iloc[0]) * float(market[OPEN].iloc[0])
    assert warm.flows["opened_long_usd"].iloc[0] > 0.9 * oi0  # the warm book
    # without it the book fills at the first candle's prices: every level of a tier sits at
    # one distance from that price; the warm book's levels also sit nearer and farther
    # (positions opened earlier, at other prices)
    k = lp_factors((10.0,), 10_000.0)[0, 0]
    kw = dict(mix={10.0: 1.0}, n_bins=2000, max_columns=200)
    w10 = lq.estimate_heatmap(market.iloc[:200], **kw)
    c10 = lq.estimate_heatmap(market.iloc[:200], warm_start=False, **kw)
    first = market.iloc[0]
    band = (w10.bin_centers > k * first[LOW] * 0.999) & (w10.bin_centers < k * first[HIGH] * 1.001)
    assert c10.long_usd[0][~band].sum() < 1e-6 * c10.long_usd[0].sum()
    assert w10.long_usd[0][~band].sum() > 0.5 * w10.long_usd[0].sum()
    assert cold.flows["opened_long_usd"].iloc[0] > 0.9 * oi0


def test_tiers_are_independent_and_linear(market):
    """The premise of the calibration: a mix's liquidations are the weighted tier sums."""
    mix = LeverageDensity(median=8.0, sigma=0.8, n_tiers=12, max_leverage=200.0)
    p = EngineParams(flow="turnover", mix=mix, n_bins=300, max_columns=1)
    basis = run_turnover(prepare_turnover(market, p, stock_weights=np.ones(12)), record_tiers=True)
    full, tiers = run_turnover(prepare_turnover(market, p), record_tiers=True)
    w = np.asarray(mix.to_mix().weights)
    combo = np.einsum("stn,t->sn", basis[1], w)
    assert np.allclose(combo, full.flows[0], rtol=1e-8, atol=1e-6)
    assert np.allclose(tiers.sum(axis=1), full.flows[0])


def test_density_cells_spread_levels_between_the_cells_leverages(market):
    one = LeverageDensity(median=10.0, sigma=0.3, min_leverage=8.0, max_leverage=12.5, n_tiers=1)
    point = LeverageMix((10.0,), (1.0,))
    kw = dict(warm_start=False, hold_hours=1e9, n_bins=2000, max_columns=1, per_tier=True)
    m = _bars([100.0, 100.0], [10.0, 10.0])
    spread = lq.estimate_heatmap(m, mix=one, **kw)
    spike = lq.estimate_heatmap(m, mix=point, **kw)
    c = spread.bin_centers
    held = spread.long_usd[0] > 0
    k8, k125 = lp_factors((8.0, 12.5), 10_000.0)[0]
    assert c[held].min() < 100.0 * k8 * 1.002 and c[held].max() > 100.0 * k125 * 0.998
    assert np.count_nonzero(spike.long_usd[0]) <= 2  # a point tier is a spike


def test_turnover_needs_open_interest(market):
    with pytest.raises(InputError, match="needs open interest"):
        lq.estimate_heatmap(market.drop(columns=["oi_coin", "oi_usd"]))


def test_fewer_zero_bars_and_a_warm_book_on_a_simulated_market():
    m, truth = lq.simulate_market(4, days=2.0, live_positions=6_000, burn_in_days=2.0)
    hm = lq.estimate_heatmap(m, leveraged_share=1.0, n_bins=600, max_columns=100)
    old = lq.estimate_heatmap(m, "oi-flow", n_bins=600, max_columns=100)
    bars = lq.validate.to_bars(lq.validate.heatmap_predicted(hm), "1h")
    old_bars = lq.validate.to_bars(lq.validate.heatmap_predicted(old), "1h")
    zero, old_zero = (bars.sum(axis=1) == 0).mean(), (old_bars.sum(axis=1) == 0).mean()
    assert zero < 0.05 and zero <= old_zero
    # the book holds the open interest from the first column on; oi-flow's only what it saw
    oi = float(m["oi_usd"].dropna().iloc[0])
    assert hm.totals().iloc[0].min() > 0.9 * oi > 3 * old.totals().iloc[0].max()
