"""A level calibration that carries over regimes: realized = scale * unit ** exponent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError, LiqlibDeprecationWarning

REGIME = "raw/btc-liquidations-analysis/data/coinglass_BTC_regime_30m_0.05y.csv"


def _bars(n=2_000, seed=0):
    idx = pd.date_range("2025-01-01", periods=n, freq="1h", tz="UTC")
    return pd.Series(np.random.default_rng(seed).lognormal(0, 1.5, n), index=idx)


def test_the_curve_recovers_scale_and_exponent_under_noise():
    u = _bars()
    noise = np.exp(np.random.default_rng(1).normal(0, 0.3, u.size))
    c = lq.fit_level_curve(u, 0.02 * u**0.6 * noise)
    assert c.exponent == pytest.approx(0.6, abs=0.03)
    assert c.predict(u).sum() == pytest.approx((0.02 * u**0.6 * noise).sum(), rel=1e-9)


def test_a_curve_carries_over_a_change_of_regime_a_share_does_not():
    """Fitted on quiet bars, scored on bars with 4x the excursions: the share over-predicts."""
    u = _bars()
    quiet, busy = u.iloc[:1000], 4 * u.iloc[1000:]
    truth = lambda x: 0.02 * x**0.6  # noqa: E731
    t = lq.rolling_level_scores(pd.concat([quiet, busy]), truth(pd.concat([quiet, busy])), "1000h")
    row = t.iloc[0]
    assert row["curve"] == pytest.approx(1.0, rel=0.01)
    assert row["share"] > 1.5
    assert t.attrs["summary"]["curve"]["within_0.8_1.25"] == 1.0


def test_share_for_is_the_share_that_gives_the_curves_total():
    c = lq.LevelCurve(scale=0.1, exponent=0.5)
    u = pd.Series([4.0, 16.0])
    assert c.share_for(u) == pytest.approx((0.1 * 2 + 0.1 * 4) / 20)
    with pytest.raises(InputError, match="no unit prediction"):
        c.share_for(pd.Series([0.0]))


def test_curve_checks():
    u = _bars(5)
    with pytest.raises(InputError, match="fewer than 10"):
        lq.fit_level_curve(u, u)
    with pytest.raises(InputError, match=">= 0"):
        lq.fit_level_curve(_bars(), -_bars())


def test_on_the_real_window_the_model_is_steeper_than_realized(shared_data):
    """The measured reason a share fitted on the quiet first half over-predicts the second."""
    market, realized = lq.data.sources.load_coinglass_regime_csv(shared_data / REGIME)
    unit = lq.unit_predictions(market, "30min", symbol="BTCUSDT")
    half = market.index[len(market) // 2]
    real = realized.sum(axis=1)
    c = lq.fit_level_curve(unit[unit.index < half], real[real.index < half])
    assert c.exponent < 0.95
    held_u, held_r = unit[unit.index >= half], real[real.index >= half]
    share = lq.implied_share(unit[unit.index < half], real[real.index < half]).iloc[0]
    by_share = share * held_u.sum() / held_r.sum()
    by_curve = c.predict(held_u).sum() / held_r.sum()
    assert abs(np.log(by_curve)) < abs(np.log(by_share))


def test_unit_predictions_and_oi_drop_read_the_old_bar_with_a_warning():
    m = lq.make_synthetic_market(600, seed=2, interval="5m")
    unit = lq.unit_predictions(m, interval="1h", n_bins=100)
    with pytest.warns(LiqlibDeprecationWarning, match="unit_predictions.*interval="):
        pd.testing.assert_series_equal(unit, lq.unit_predictions(m, bar="60min", n_bins=100))
    drop = lq.oi_drop_usd(m, "1H")
    with pytest.warns(LiqlibDeprecationWarning, match="oi_drop_usd.*interval="):
        pd.testing.assert_series_equal(drop, lq.oi_drop_usd(m, bar="1h"))
    assert len(unit) == len(drop) == 50  # 600 five-minute candles in hourly bars
    for call in (
        lambda: lq.unit_predictions(m, "1h", bar="1h"),
        lambda: lq.oi_drop_usd(m, "1h", bar="1h"),
    ):
        with pytest.raises(InputError, match="both interval"):
            call()
    with pytest.raises(InputError, match="oi_drop_usd needs interval="):
        lq.oi_drop_usd(m)
