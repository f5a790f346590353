"""A heatmap summed over venues: one price grid, USD conserved, a venue dimension."""

from __future__ import annotations

import numpy as np
import pytest

import liqlib as lq
from liqlib.errors import InputError


def _venues():
    """Two SYNTHETIC venues on one time axis: the second with 40 % of the first's OI."""
    a = lq.make_synthetic_market(600, seed=1)
    b = a.copy()
    for col in ("oi_coin", "oi_usd", "volume", "quote_volume"):
        b[col] = 0.4 * a[col]
    prices = [c for c in ("open", "high", "low", "close", "mark_open", "mark_high", "mark_low",
                          "mark_close") if c in a.columns]  # fmt: skip
    b[prices] = a[prices] * 1.0005  # a small basis
    b.attrs = dict(a.attrs)
    return {"binance": a, "bybit": b}


def test_sum_over_venues_on_one_grid():
    markets = _venues()
    kw = dict(n_bins=80, max_columns=40)
    hm = lq.estimate_heatmap(markets, "oi-flow", **kw)
    one = lq.estimate_heatmap(
        markets["bybit"], "oi-flow", price_edges=tuple(hm.price_edges), venue="bybit", **kw
    )  # the "bybit" key estimates with Bybit's risk limits and formula
    assert list(hm.venues) == ["binance", "bybit"]
    assert np.allclose(hm.venues["bybit"].long_usd, one.long_usd)
    assert np.allclose(hm.long_usd, hm.venues["binance"].long_usd + hm.venues["bybit"].long_usd)
    assert np.allclose(
        hm.totals().sum(axis=1), sum(h.totals().sum(axis=1) for h in hm.venues.values())
    )
    ds = hm.to_xarray()
    assert dict(ds["usd_by_venue"].sizes) == {"venue": 2, "side": 2, "time": 40, "price": 80}
    assert np.allclose(ds["usd_by_venue"].sum("venue"), ds["usd"])
    assert ds.attrs["data_source"] == "binance+bybit"
    # the smaller venue holds less: its own open interest drives it
    assert hm.venues["bybit"].long_usd.sum() < hm.venues["binance"].long_usd.sum()


def test_venues_must_share_a_time_axis():
    markets = _venues()
    markets["bybit"] = markets["bybit"].iloc[1:]
    with pytest.raises(InputError, match="time axis"):
        lq.estimate_heatmap(markets, "oi-flow", n_bins=50, max_columns=20)


def test_every_venue_shares_the_sum_s_bin_centres():
    """Venues estimated on the first venue's log grid label their bins as the sum does."""
    import warnings

    m = lq.make_synthetic_market(600, seed=5)
    other = m.copy()
    other.attrs = dict(m.attrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lq.VenueTiersWarning)
        hm = lq.estimate_heatmap({"binance": m, "bybit": other}, n_bins=120)
    for part in hm.venues.values():
        np.testing.assert_array_equal(part.bin_centers, hm.bin_centers)
