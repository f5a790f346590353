"""Static figures of liqlib.plot: right axes, labels, data and titles; no pyplot state."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

import liqlib as lq
from liqlib import plot as P
from liqlib.errors import InputError


@pytest.fixture(scope="module")
def market():
    return lq.make_synthetic_market(1_500, seed=3)


@pytest.fixture(scope="module")
def hm(market):
    return lq.estimate_heatmap(market, model="oi-flow", n_bins=120, max_columns=80)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before == [], "a plot function created a pyplot figure"


def _real(market):
    real = market.copy()
    real.attrs = {"symbol": "BTCUSDT", "source": "test archive", "interval": "1m"}
    return real


def _mesh(fig) -> QuadMesh:
    meshes = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    return meshes[0]


@pytest.mark.parametrize(
    "side, values",
    [
        ("both", lambda h: h.long_usd + h.short_usd),
        ("long", lambda h: h.long_usd),
        ("short", lambda h: h.short_usd),
    ],
)
def test_heatmap_draws_the_heatmap_values(hm, market, side, values):
    fig = P.plot_heatmap(hm, market, side=side)
    assert isinstance(fig, Figure)
    arr = np.asarray(_mesh(fig).get_array()).reshape(hm.price_edges.size - 1, len(hm.times))
    np.testing.assert_allclose(arr, values(hm).T, rtol=0, atol=0)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "liquidation price (USD)"
    assert ax.get_xlabel() == "time (UTC)"
    cbar_label = fig.axes[1].get_ylabel()
    assert P.HEAT_LABEL in cbar_label
    assert "oi-flow" in fig.get_suptitle() and "SYNTHETIC" in fig.get_suptitle()
    # the price path is drawn on top: the market's mark close at full resolution
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), market["mark_close"].to_numpy())


def test_heatmap_colour_scale_is_clipped_at_the_quantile(hm, market):
    fig = P.plot_heatmap(hm, market, vmax_quantile=0.9)
    vals = hm.long_usd + hm.short_usd
    assert _mesh(fig).norm.vmax == pytest.approx(np.quantile(vals[vals > 0], 0.9))
    assert _mesh(fig).norm.vmin == 0.0
    with pytest.raises(InputError, match="vmax_quantile"):
        P.plot_heatmap(hm, market, vmax_quantile=0)
    with pytest.raises(InputError, match="side"):
        P.plot_heatmap(hm, market, side="both sides")


def test_titles_name_real_data_and_missing_source(hm, market):
    real = _real(market)
    for fig in (
        P.plot_heatmap(hm, real),
        P.plot_liquidation_map(hm, market=real),
        P.plot_predicted_liquidations(hm, market=real),
    ):
        title = fig.get_suptitle()
        assert "SYNTHETIC" not in title and "BTCUSDT" in title and "test archive" in title
    assert "SYNTHETIC" in P.plot_heatmap(hm).get_suptitle()  # the heatmap remembers its data
    assert "not given" in P.plot_heatmap(dataclasses.replace(hm, source={})).get_suptitle()
    assert P.plot_heatmap(hm, market, title="mine").get_suptitle() == "mine"


def test_heatmap_without_market_draws_the_column_closes(hm):
    fig = P.plot_heatmap(hm)
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_allclose(line.get_ydata(), hm.price)


def test_liquidation_map(hm, market):
    at = hm.times[len(hm.times) // 2]
    fig = P.plot_liquidation_map(hm, at, market=market)
    assert isinstance(fig, Figure)
    ax, top = fig.axes
    assert ax.get_ylabel() == "liquidation price (USD)"
    assert "USD" in ax.get_xlabel() and "cumulative" in top.get_xlabel()
    lm = hm.liquidation_map(at)
    stairs = [p for p in ax.patches if type(p).__name__ == "StepPatch"]
    assert len(stairs) == 2
    long_vals, short_vals = (s.get_data().values for s in stairs)
    np.testing.assert_array_equal(long_vals, lm["long_usd"].to_numpy())
    np.testing.assert_array_equal(short_vals, lm["short_usd"].to_numpy())
    cum_long, cum_short = top.get_lines()
    assert cum_long.get_xdata().max() == pytest.approx(lm["cum_long_usd"].max())
    assert cum_short.get_xdata().max() == pytest.approx(lm["cum_short_usd"].max())
    price_line = [ln for ln in ax.get_lines() if ln.get_label().startswith("price")]
    assert price_line and price_line[0].get_ydata()[0] == pytest.approx(lm.attrs["price"])
    assert "SYNTHETIC" in fig.get_suptitle() and f"{lm.attrs['time']:%Y-%m-%d %H:%M}" in (
        fig.get_suptitle()
    )


def test_predicted_liquidations_longs_down_shorts_up(hm, market):
    fig = P.plot_predicted_liquidations(hm, market=market, max_bars=50)
    ax_p, ax_l = fig.axes
    heights = np.array([r.get_height() for r in ax_l.patches])
    assert heights[heights > 0].sum() == pytest.approx(hm.predicted_short_usd.sum())
    assert -heights[heights < 0].sum() == pytest.approx(hm.predicted_long_usd.sum())
    assert len(ax_l.patches) <= 2 * 50
    assert "longs down, shorts up" in ax_l.get_ylabel() and "USD per" in ax_l.get_ylabel()
    assert ax_l.get_xlabel() == "time (UTC)" and "USD" in ax_p.get_ylabel()
    assert "SYNTHETIC" in fig.get_suptitle()
    with pytest.raises(InputError, match="max_bars"):
        P.plot_predicted_liquidations(hm, max_bars=0)


def test_predicted_liquidations_one_bar_per_candle_when_short(market):
    hm = lq.estimate_heatmap(market.iloc[:60], n_bins=40)
    fig = P.plot_predicted_liquidations(hm, market=market.iloc[:60])
    assert len(fig.axes[1].patches) == 2 * 60


def test_liquidation_price_vs_leverage():
    fig = P.plot_liquidation_price_vs_leverage(67_000.0, [1.5, 2, 5, 10, 50, 100, 125], 1.0)
    ax, ax_d = fig.axes
    assert ax.get_xlabel() == ax_d.get_xlabel() == "leverage (x)"
    assert ax.get_ylabel() == "liquidation price (USD)"
    assert "% of entry" in ax_d.get_ylabel()
    exact_long = next(ln for ln in ax.get_lines() if ln.get_label() == "long: exact")
    i = list(exact_long.get_xdata()).index(10.0)
    assert exact_long.get_ydata()[i] == pytest.approx(60_542.17, abs=0.01)
    labels = {ln.get_label() for ln in ax_d.get_lines()}
    assert {"no maintenance margin: 1/L", "MMR divided by L: (1 - MMR)/L"} <= labels
    assert "bracket 1" in fig.get_suptitle() and "0.40%" in fig.get_suptitle()


def test_liquidation_price_vs_leverage_leaves_out_leverage_above_the_bracket():
    # 6.7M USD notional: BTCUSDT bracket 4 (max 50x)
    fig = P.plot_liquidation_price_vs_leverage(67_000.0, [10, 50, 100], 100.0)
    exact = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "long: exact")
    assert list(exact.get_xdata()) == [10.0, 50.0]
    assert "1 leverage(s) above 50x left out" in fig.get_suptitle()
    with pytest.raises(InputError, match="no leverage"):
        P.plot_liquidation_price_vs_leverage(67_000.0, [100, 125], 100.0)


def test_heatmap_remembers_its_data_so_figures_say_synthetic_without_market():
    market = lq.make_synthetic_market(400, seed=3)
    hm = lq.estimate_heatmap(market, n_bins=60, max_columns=40)
    assert hm.source["synthetic"] is True
    for fig in (P.plot_heatmap(hm), P.plot_liquidation_map(hm), P.plot_predicted_liquidations(hm)):
        assert "SYNTHETIC" in fig._suptitle.get_text()
