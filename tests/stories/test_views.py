"""The article's static views: heatmaps over 12h / 24h / 3d / 7d ending together, and the USD
stacking within +-2 % of the price over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.stories import views


@pytest.fixture(scope="module")
def market():
    return lq.make_synthetic_market(3_000, seed=5)  # a little over 2 days of 1m candles


def test_views_end_together_and_cover_their_span(market):
    got = views.horizon_heatmaps(market, ("6h", "12h", "1D"), warmup="12h", n_bins=80,
                                 max_columns=40)  # fmt: skip
    end = market.index[-1] + pd.Timedelta("1min")
    assert list(got) == ["6h", "12h", "1D"]
    for name, hm in got.items():
        span = pd.Timedelta(name)
        assert hm.times[0] >= end - span and hm.times[-1] == got["6h"].times[-1]
        assert hm.predicted_long_usd.index[0] >= end - span
        # columns start near the view's start: the view is the whole span, not a corner of it
        assert hm.times[0] - (end - span) <= span / 10


def test_views_need_enough_data_and_real_durations(market):
    with pytest.raises(lq.InputError, match="longest view needs"):
        views.horizon_heatmaps(market, ("7D",), warmup="1D", n_bins=50)
    with pytest.raises(lq.InputError, match="not a positive duration"):
        views.horizon_heatmaps(market, ("soon",), n_bins=50)


def test_usd_near_price_sums_the_bins_in_the_band(market):
    hm = lq.estimate_heatmap(market, n_bins=200, max_columns=30)
    near = views.usd_near_price(hm, 2.0)
    assert len(near) == len(hm.times) and near.attrs["within_pct"] == 2.0
    j = 17  # one column by hand
    px, c = hm.price[j], hm.bin_centers
    want_l = hm.long_usd[j][(c >= px * 0.98) & (c <= px)].sum()
    want_s = hm.short_usd[j][(c >= px) & (c <= px * 1.02)].sum()
    assert near["long_usd"].iloc[j] == pytest.approx(want_l)
    assert near["short_usd"].iloc[j] == pytest.approx(want_s)
    wider = views.usd_near_price(hm, 5.0)
    assert (wider["total_usd"].to_numpy() >= near["total_usd"].to_numpy() - 1e-6).all()
    assert np.all(near["total_usd"] <= (hm.long_usd + hm.short_usd).sum(axis=1) + 1e-6)
    with pytest.raises(lq.InputError, match="within_pct"):
        views.usd_near_price(hm, 0)
