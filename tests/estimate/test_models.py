"""Named models behind lq.estimate_heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqlib.data.columns import (
    CLOSE,
    HIGH,
    LOW,
    METRICS_COLUMNS,
    OI_COIN,
    OPEN,
    QUOTE_VOLUME,
    TAKER_BUY_QUOTE_VOLUME,
)
from liqlib.errors import InputError
from liqlib.estimate.config import EngineParams
from liqlib.estimate.registry import MODELS, estimate_heatmap
from liqlib.sim.synthetic import make_synthetic_market


@pytest.fixture(scope="module")
def market():
    return make_synthetic_market(3_000, seed=11)


def _flat_market(prices, oi):
    """Candles with low == high == open == close (point entries), OI in coins."""
    p = np.asarray(prices, dtype=float)
    return pd.DataFrame(
        {
            OPEN: p,
            HIGH: p,
            LOW: p,
            CLOSE: p,
            QUOTE_VOLUME: 1e6,
            TAKER_BUY_QUOTE_VOLUME: 5e5,
            OI_COIN: np.asarray(oi, dtype=float),
        },
        index=pd.date_range("2025-03-01", periods=p.size, freq="1min", tz="UTC", name="time"),
    )


def test_registry_and_unknown_model(market):
    assert set(MODELS) == {"turnover", "oi-flow", "volume", "fixed-offset"}
    assert all(spec.description for spec in MODELS.values())
    with pytest.raises(
        InputError,
        match=r"unknown: use one of \['fixed-offset', 'oi-flow', 'turnover', 'volume'\]",
    ):
        estimate_heatmap(market, model="magic")


def test_oi_flow_by_name(market):
    hm = estimate_heatmap(market, "oi-flow", n_bins=100, max_columns=30)
    assert hm.model == "oi-flow"
    assert hm.params.flow == "oi" and hm.params.sweep and hm.params.liquidation == "binance"
    assert hm.long_usd.shape == (30, 100)
    assert hm.predicted_long_usd.sum() > 0 and hm.predicted_short_usd.sum() > 0


def test_fixed_offset_has_no_sweeping_and_plain_offsets():
    # OI rises at 100, then price falls through every long level: nothing is liquidated
    df = _flat_market([100.0, 100.0, 60.0, 60.0], [1_000.0, 1_010.0, 1_010.0, 1_010.0])
    mix = {10.0: 0.5, 4.0: 0.5}
    hm = estimate_heatmap(df, "fixed-offset", mix=mix, n_bins=2_000, max_columns=4, per_tier=True)
    assert hm.predicted_long_usd.sum() == 0.0 and hm.predicted_short_usd.sum() == 0.0
    centers = hm.bin_centers
    width = np.diff(hm.price_edges)
    for t, lev in enumerate(hm.leverages):
        for side, sign, arr in (
            ("long", -1, hm.long_usd_by_tier),
            ("short", 1, hm.short_usd_by_tier),
        ):
            col = arr[-1, t]
            b = int(np.flatnonzero(col)[0])
            assert np.count_nonzero(col) == 1, side
            assert abs(centers[b] - 100.0 * (1 + sign / lev)) <= width[b]
    # the oi-flow model on the same market sweeps the longs (price fell to 60)
    real = estimate_heatmap(df, "oi-flow", mix=mix, n_bins=2_000, max_columns=4)
    assert real.predicted_long_usd.sum() == pytest.approx(10.0 * 100.0 / 2)
    assert real.long_usd[-1].sum() == 0.0


def test_fixed_offset_differs_from_exact_liquidation_price():
    df = _flat_market([100.0, 100.0], [1_000.0, 1_010.0])
    kw = dict(mix={10.0: 1.0}, n_bins=5_000, max_columns=1)
    base = estimate_heatmap(df, "fixed-offset", **kw)
    exact = estimate_heatmap(df, "oi-flow", **kw)
    cb, ce = base.bin_centers, exact.bin_centers
    assert cb[base.long_usd[-1].argmax()] < ce[exact.long_usd[-1].argmax()]  # MMR lifts the LP
    assert cb[base.short_usd[-1].argmax()] > ce[exact.short_usd[-1].argmax()]


def test_volume_model_without_open_interest(market):
    no_oi = market.drop(columns=[c for c in METRICS_COLUMNS if c in market.columns])
    with pytest.raises(InputError, match="model='volume'"):
        estimate_heatmap(no_oi, "oi-flow")
    hm = estimate_heatmap(no_oi, "volume", n_bins=120, max_columns=25)
    assert hm.model == "volume"
    assert hm.params.fade_half_life_candles == (1440.0,) * 5
    opened = hm.flows["opened_long_usd"] + hm.flows["opened_short_usd"]
    np.testing.assert_allclose(opened, 0.05 * no_oi[QUOTE_VOLUME], rtol=1e-9)
    assert hm.long_usd.sum() > 0
    with pytest.raises(InputError, match="calibrate"):
        estimate_heatmap(no_oi, "volume", calibrate=True)


def test_parameters_are_checked(market):
    with pytest.raises(InputError, match="unknown parameter 'bins'"):
        estimate_heatmap(market, bins=10)
    with pytest.raises(InputError, match="'sweep' is set by the model"):
        estimate_heatmap(market, "fixed-offset", sweep=True)
    with pytest.raises(InputError, match="mix must be"):
        estimate_heatmap(market, mix=5)
    with pytest.raises(InputError, match="sum to"):
        estimate_heatmap(market, mix={10: 0.5, 20: 0.6})


def test_params_object_and_overrides(market):
    base = EngineParams(n_bins=64, max_columns=8, calibrate=True)
    hm = estimate_heatmap(market, "oi-flow", params=base, max_columns=4)
    assert hm.params.n_bins == 64 and hm.params.max_columns == 4 and hm.params.calibrate
    total = hm.totals().sum(axis=1).iloc[-1]
    assert total == pytest.approx(market[OI_COIN].iloc[-1] * market[CLOSE].iloc[-1], rel=1e-9)


def test_synthetic_market_is_labelled():
    df = make_synthetic_market(100, seed=3)
    assert df.attrs["synthetic"] is True
    assert "synthetic" in df.attrs["source"] and "seed=3" in df.attrs["source"]
    assert df.index.is_monotonic_increasing and df.index.tz is not None
    assert (df[HIGH] >= df[[OPEN, CLOSE]].max(axis=1)).all()
    assert (df[LOW] <= df[[OPEN, CLOSE]].min(axis=1)).all()
    pd.testing.assert_frame_equal(df, make_synthetic_market(100, seed=3))
