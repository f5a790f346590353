"""Leverage-mix calibration and the model comparison helpers (liqlib.estimate.calibrate, .evaluate)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError, LiqlibDeprecationWarning
from liqlib.estimate.calibrate import calibrate_leverage_mix, nnls
from liqlib.estimate.config import LeverageDensity, LeverageMix
from liqlib.sim.synthetic import make_synthetic_market
from liqlib.validate import heatmap_predicted, to_bars
from liqlib.validate.evaluate import (
    CALIBRATED,
    compare_on_realized,
    compare_on_simulation,
    out_of_sample,
    split_period,
)

REGIME = "raw/btc-liquidations-analysis/data/coinglass_BTC_regime_30m_0.05y.csv"


@pytest.fixture(scope="module")
def market():
    return make_synthetic_market(6_000, seed=3, interval="5min")


def _model_bars(market, **kw):
    hm = lq.estimate_heatmap(market, n_bins=400, max_columns=10, **kw)
    return to_bars(heatmap_predicted(hm), "1h")


def test_nnls_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.normal(size=(12, 4))
        b = rng.normal(size=12)
        best = np.inf
        for r in range(5):  # every active set, unconstrained solve, keep feasible ones
            for cols in itertools.combinations(range(4), r):
                x = np.zeros(4)
                if cols:
                    x[list(cols)] = np.linalg.lstsq(a[:, cols], b, rcond=None)[0]
                if np.all(x >= 0):
                    best = min(best, float(np.sum((a @ x - b) ** 2)))
        x = nnls(a, b)
        assert np.all(x >= 0)
        assert np.sum((a @ x - b) ** 2) == pytest.approx(best, rel=1e-9, abs=1e-12)


def test_recovers_a_known_density_from_its_own_liquidations(market):
    truth = LeverageDensity(median=12.0, sigma=0.6, max_leverage=200.0)
    realized = _model_bars(market, mix=truth, leveraged_share=0.5)
    cells = LeverageDensity(max_leverage=200.0)  # the truth's cells (1.5-200x)
    cal = calibrate_leverage_mix(market, realized, fit="both", density=cells, n_bins=400)
    assert cal.target == "realized" and cal.r2 > 0.99
    assert cal.mix.median == pytest.approx(12.0, rel=0.1)
    assert cal.mix.sigma == pytest.approx(0.6, rel=0.1)
    assert cal.leveraged_share == pytest.approx(0.5, rel=0.1)
    # and with the share told, the shape alone
    shape = calibrate_leverage_mix(market, realized, leveraged_share=0.5, density=cells, n_bins=400)
    assert shape.leveraged_share == 0.5
    assert shape.mix.median == pytest.approx(12.0, rel=0.1)


def test_recovers_known_tier_weights(market):
    lev = (3.0, 10.0, 25.0, 75.0)
    truth = LeverageMix(lev, (0.4, 0.3, 0.2, 0.1))
    realized = _model_bars(market, mix=truth)
    cal = calibrate_leverage_mix(market, realized, family="tiers", leverages=lev, n_bins=400)
    assert np.max(np.abs(np.array(cal.mix.weights) - truth.weights)) < 0.05
    assert cal.overrides()["mix"] == cal.mix


def test_share_only_fit_keeps_the_shape(market):
    realized = _model_bars(market, leveraged_share=0.2)
    cal = calibrate_leverage_mix(market, realized, fit="share", n_bins=400)
    assert cal.mix == lq.MODELS["turnover"].default_mix
    assert cal.leveraged_share == pytest.approx(0.2, rel=0.02)


def test_open_interest_target_runs_and_keeps_the_share(market):
    cal = calibrate_leverage_mix(market, None, n_bins=400, leveraged_share=0.7)
    assert cal.target == "open-interest" and cal.leveraged_share == 0.7
    assert isinstance(cal.mix, LeverageDensity) and cal.n_bars > 10


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"family": "spline"}, "family"),
        ({"basis": "flow"}, "basis"),
        ({"fit": "all"}, "fit"),
        ({"fit": "share", "family": "tiers"}, "needs family='density'"),
        ({"leverages": (5.0,)}, "family='tiers'"),
        ({"interval": "soon"}, "interval"),
    ],
)
def test_bad_arguments_fail_in_one_line(market, kwargs, match):
    with pytest.raises(InputError, match=match) as err:
        calibrate_leverage_mix(market, None, n_bins=100, **kwargs)
    assert "\n" not in str(err.value)


def test_realized_from_another_period_is_refused(market):
    other = _model_bars(market).shift(freq="30D")
    with pytest.raises(InputError, match="shares 0 bars"):
        calibrate_leverage_mix(market, other, n_bins=100)


def test_split_period():
    idx = pd.date_range("2025-01-01", periods=10, freq="1h", tz="UTC")
    f = pd.DataFrame({"x": range(10)}, index=idx)
    assert split_period(f) == idx[5]
    assert split_period(f, fraction=0.3) == idx[3]
    assert split_period(f, at="2025-01-01 07:00") == idx[7]
    with pytest.raises(InputError, match="fraction"):
        split_period(f, fraction=1.0)


def test_compare_on_realized_scores_every_model_and_baseline(market):
    realized = _model_bars(market, mix=LeverageDensity(median=20.0, sigma=0.5))
    card = compare_on_realized(
        market, realized, n_boot=50, score_from=realized.index[24], n_bins=300, max_columns=10
    )
    assert {"turnover", "oi-flow", "volume", "fixed-offset", "range x OI"} <= set(card.index)
    assert card["n_bars"].iloc[0] == len(realized) - 24
    assert card.loc["range x OI", "is_baseline"]


def test_compare_on_simulation_table():
    # sizes independent of leverage, so the told density is the USD density too
    m, truth = lq.simulate_market(
        2, days=1.0, live_positions=3_000, burn_in_days=1.0,
        leverage=lq.LogNormalLeverage(6.0, 0.7), size_leverage_exponent=0.0,
    )  # fmt: skip
    told = LeverageDensity(6.0, 0.7, 1.1, 150.0)
    tab = compare_on_simulation(
        m,
        truth,
        models=("turnover", "fixed-offset"),
        configs={"told": dict(model="turnover", mix=told, mix_basis="opened")},
        n_bins=500,
        max_columns=100,
    )
    assert list(tab.index) == ["turnover", "fixed-offset", "told"] and tab.attrs["synthetic"]
    assert tab.loc["fixed-offset", "pred_zero_share_total"] == 1.0  # it never sweeps
    # told the simulator's mix, the map lands where the positions are
    assert tab.loc["told", ["cosine_long", "cosine_short"]].min() > 0.75  # (a 1-day market)
    assert tab.loc["told", "skill"] > tab.loc["fixed-offset", "skill"] + 0.5


@pytest.mark.slow
def test_recovers_a_simulated_continuous_mix_from_realized_liquidations():
    m, truth = lq.simulate_market(
        1, days=8.0, live_positions=20_000, leverage=lq.LogNormalLeverage(6.0, 0.7),
        size_leverage_exponent=0.0,  # sizes independent of leverage: USD and count shares agree
    )  # fmt: skip
    half = split_period(m)
    real = truth.realized("1h")
    cal = calibrate_leverage_mix(
        m[m.index < half], real[real.index < half], basis="opened", n_bins=1000,
        leveraged_share=1.0, density=LeverageDensity(max_leverage=200.0),
    )  # fmt: skip
    # measured over seeds 1-3 after the simulator's sizes became leverage-dependent: fitted
    # medians 5.4-7.4 for a true 6.0 (the 20 % goal is met on some seeds, not all)
    assert cal.mix.median == pytest.approx(6.0, rel=0.3)
    assert cal.mix.sigma == pytest.approx(0.7, rel=0.2)
    tab = compare_on_simulation(
        m,
        truth,
        models=("oi-flow",),
        configs={CALIBRATED: dict(model="turnover", **cal.overrides())},
        score_from=half,
        n_bins=1000,
        max_columns=300,
    )
    assert tab.loc[CALIBRATED, ["cosine_long", "cosine_short"]].min() > 0.9
    assert tab.loc[CALIBRATED, "skill"] > 0.5
    assert tab.loc[CALIBRATED, "skill"] > tab.loc["oi-flow", "skill"] + 0.3


@pytest.mark.realdata
def test_out_of_sample_on_the_real_window_beats_the_naive_baseline(shared_data):
    from liqlib.data.sources.coinglass import load_coinglass_regime_csv

    market, realized = load_coinglass_regime_csv(shared_data / REGIME)
    assert market.attrs["oi_timing"] == "close"
    # calibrated on the log-normal's cells (1.5-200x): on the margin mixture's 1.1-200x cells
    # the fitted median drops to ~2x and the paired interval's lower end to -0.010 (measured)
    card, cal = out_of_sample(
        market, realized, models=("turnover", "oi-flow"), n_boot=300, n_bins=1000,
        calibrate_kwargs={"density": LeverageDensity(max_leverage=200.0)},
    )  # fmt: skip
    row = card.loc[CALIBRATED]
    assert cal.n_bars < len(realized) / 2  # fitted on the first half only
    assert card["n_bars"].iloc[0] == len(realized) - len(realized) // 2
    assert row["spearman_total"] > card.loc["range x OI", "spearman_total"]
    assert row["d_spearman_total_lo"] > 0  # paired 95 % interval above zero
    assert row["pred_zero_share_total"] <= 0.05
    assert row["spearman_total"] > card.loc["oi-flow", "spearman_total"]


@pytest.mark.parametrize("damage", ["shuffled", "duplicated"])
def test_unsorted_or_duplicated_realized_bars_are_one_line_errors(damage):
    market, truth = lq.simulate_market(2, days=1.0, live_positions=2_000, burn_in_days=0.5)
    realized = truth.realized("1h")
    bad = realized.iloc[::-1] if damage == "shuffled" else pd.concat([realized, realized.iloc[:2]])
    with pytest.raises(lq.InputError, match="not sorted|duplicated bars") as exc:
        lq.calibrate_leverage_mix(market, bad, n_bins=100)
    assert "\n" not in str(exc.value)


def test_a_fit_never_returns_more_liquidatable_usd_than_the_open_interest():
    """Counts 1e4 times too large (e.g. a unit slip) fail in words instead of a share > 1."""
    m, truth = lq.simulate_market(1, days=1.0, live_positions=3_000, burn_in_days=1.0)
    real = truth.realized("1h")
    cal = lq.calibrate_leverage_mix(m, real, n_bins=300, fit="both")
    assert 0 < cal.overrides()["leveraged_share"] <= 1.0
    with pytest.raises(lq.InputError, match="above 1"):
        lq.calibrate_leverage_mix(m, real * 1e4, n_bins=300, fit="both")


def test_calibrate_reads_the_old_bar_with_a_warning(market):
    realized = _model_bars(market, leveraged_share=0.2)
    kw = dict(fit="share", n_bins=200)
    new = calibrate_leverage_mix(market, realized, interval="1H", **kw)
    with pytest.warns(LiqlibDeprecationWarning, match="calibrate_leverage_mix.*interval=") as rec:
        old = calibrate_leverage_mix(market, realized, bar="60min", **kw)
    assert rec[0].filename == __file__
    assert (old.leveraged_share, old.n_bars, old.loss) == (
        new.leveraged_share,
        new.n_bars,
        new.loss,
    )
    assert new.bar == "1h"
    with pytest.raises(InputError, match="both interval") as err:
        calibrate_leverage_mix(market, realized, interval="1h", bar="1h", **kw)
    assert "\n" not in str(err.value)
