"""Every other static figure of liqlib.viz.plot: the axis that holds price holds the prices
drawn, and every data artist and text lies inside its axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
from figcheck import artists_outside, limits, price_axis, texts_outside

import liqlib as lq
from liqlib.viz import plot as P


@pytest.fixture(scope="module")
def market():
    return lq.make_synthetic_market(2_000, seed=11)


@pytest.fixture(scope="module")
def hm(market):
    return lq.estimate_heatmap(market, model="oi-flow", n_bins=150, max_columns=80)


def test_market_figure_holds_the_prices_it_draws(market):
    fig = P.plot_market(market)
    ax_p = fig.axes[0]
    assert price_axis(ax_p) == "y"
    lo, hi = limits(ax_p, "y")
    for col in ("close", "mark_close", "mark_low", "mark_high"):
        assert lo <= market[col].min() and market[col].max() <= hi, col
    for ax in fig.axes:
        assert not texts_outside(ax), texts_outside(ax)


def test_predicted_liquidations_bars_fit_their_axes(hm, market):
    fig = P.plot_predicted_liquidations(hm, market=market)
    ax_p, ax_l = fig.axes
    lo, hi = limits(ax_l, "y")
    assert lo <= -hm.predicted_long_usd.resample("5min").sum().max() + 1e-6
    assert hm.predicted_short_usd.resample("5min").sum().max() <= hi + 1e-6
    plo, phi = limits(ax_p, "y")
    assert plo <= market["mark_close"].min() and market["mark_close"].max() <= phi
    assert not artists_outside(ax_p) and not artists_outside(ax_l), artists_outside(ax_l)


def test_heatmap_grid_panels_hold_the_price_path(hm, market):
    hm2 = lq.estimate_heatmap(market, model="volume", n_bins=150, max_columns=80)
    fig = P.plot_heatmap_grid({"oi-flow": hm, "volume": hm2}, market)
    panels = [a for a in fig.axes if a.get_ylabel().startswith("liquidation price")]
    assert len(panels) == 2
    for ax in panels:
        lo, hi = limits(ax, "y")
        assert lo <= market["mark_close"].min() and market["mark_close"].max() <= hi
        assert not texts_outside(ax), texts_outside(ax)


def test_liquidation_price_vs_leverage_holds_entry_and_every_price():
    entry, levs = 67_000.0, [2, 5, 10, 20, 50, 100]
    fig = P.plot_liquidation_price_vs_leverage(entry, levs, 1.0)
    ax, ax_d = fig.axes[:2]
    assert price_axis(ax) == "y"
    lo, hi = limits(ax, "y")
    for s in ("long", "short"):
        prices = lq.liquidation_price(entry, levs, s, 1.0)
        assert lo <= min(prices) and max(prices) <= hi
    assert lo <= entry <= hi
    xlo, xhi = limits(ax, "x")
    assert xlo <= 2 and 100 <= xhi
    assert not artists_outside(ax) and not artists_outside(ax_d)
