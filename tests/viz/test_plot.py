"""Static figures of liqlib.viz.plot: right axes, labels, data and titles; no pyplot state."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

import liqlib as lq
from liqlib.errors import InputError
from liqlib.viz import plot as P


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


@pytest.fixture(scope="module")
def hm_tiers(market):
    return lq.estimate_heatmap(market, model="oi-flow", n_bins=120, max_columns=80, per_tier=True)


def _stairs(ax):
    return [p for p in ax.patches if type(p).__name__ == "StepPatch"]


def test_liquidation_map_without_tiers_shows_longs_and_shorts(hm, market):
    at = hm.times[len(hm.times) // 2]
    fig = P.plot_liquidation_map(hm, at, market=market)
    assert isinstance(fig, Figure)
    ax, cum = fig.axes
    assert ax.get_xlabel() == "liquidation price (USD)"
    assert ax.get_ylabel() == "USD per price bin" and "cumulative" in cum.get_ylabel()
    lm = hm.liquidation_map(at)
    long_vals, short_vals = (s.get_data().values for s in _stairs(ax))
    np.testing.assert_array_equal(long_vals, lm["long_usd"].to_numpy())
    np.testing.assert_array_equal(short_vals, lm["short_usd"].to_numpy())
    cum_long, cum_short = cum.get_lines()
    assert cum_long.get_ydata().max() == pytest.approx(lm["cum_long_usd"].max())
    assert cum_short.get_ydata().max() == pytest.approx(lm["cum_short_usd"].max())
    # cumulative longs left of (below) the price, shorts right of (above) it
    assert cum_long.get_xdata().max() < lm.attrs["price"] < cum_short.get_xdata().min()
    price_line = [ln for ln in ax.get_lines() if ln.get_label().startswith("current price")]
    assert price_line and price_line[0].get_xdata()[0] == pytest.approx(lm.attrs["price"])
    assert "SYNTHETIC" in fig.get_suptitle() and f"{lm.attrs['time']:%Y-%m-%d %H:%M}" in (
        fig.get_suptitle()
    )


def test_liquidation_map_bars_are_stacked_and_coloured_by_tier(hm_tiers, market):
    at = hm_tiers.times[-10]
    fig = P.plot_liquidation_map(hm_tiers, at, market=market)
    ax = fig.axes[0]
    stairs = _stairs(ax)
    n_tiers = len(hm_tiers.leverages)
    assert len(stairs) == n_tiers
    j = hm_tiers.column_at(at)
    per_tier = hm_tiers.long_usd_by_tier[j] + hm_tiers.short_usd_by_tier[j]
    stacked = np.cumsum(per_tier, axis=0)
    for t, s in enumerate(stairs):
        np.testing.assert_allclose(s.get_data().values, stacked[t], rtol=1e-12)
        np.testing.assert_allclose(s.get_data().baseline, stacked[t] - per_tier[t], rtol=1e-12)
    # the top of the stack is the liquidation map's total
    lm = hm_tiers.liquidation_map(at)
    np.testing.assert_allclose(stacked[-1], lm["long_usd"] + lm["short_usd"], rtol=1e-12)
    # one colour and one legend entry per tier, named by leverage, low -> high
    colours = [matplotlib.colors.to_hex(s.get_facecolor()) for s in stairs]
    assert colours == P.tier_colors(n_tiers) and len(set(colours)) == n_tiers
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for lev, text in zip(hm_tiers.leverages, labels, strict=False):
        assert text.startswith(f"{lev:g}x: ")
    by_tier = P.liquidation_map_by_tier(hm_tiers, at)
    assert list(by_tier.columns) == [f"{lev:g}x" for lev in hm_tiers.leverages]
    with pytest.raises(InputError, match="per_tier=True"):
        P.liquidation_map_by_tier(dataclasses.replace(hm_tiers, long_usd_by_tier=None))


def test_colour_bar_ticks_are_dollars(hm, market):
    fig = P.plot_heatmap(hm, market)
    cbar = fig.axes[1]
    fig.canvas.draw()
    labels = [t.get_text() for t in cbar.get_yticklabels() if t.get_text()]
    assert labels and all(lab.startswith("$") for lab in labels), labels
    assert any(lab[-1] in "kMB" for lab in labels), labels
    assert P.usd_label(1.2e6) == "$1.2M" and P.usd_label(950) == "$950"
    assert P.usd_label(3.4e9) == "$3.4B" and P.usd_label(-12e3) == "-$12k"


def _image(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)


def test_figures_are_not_blank(hm_tiers, market):
    for fig in (P.plot_heatmap(hm_tiers, market), P.plot_liquidation_map(hm_tiers)):
        FigureCanvasAgg(fig)
        img = _image(fig)
        assert img.std() > 20, "the figure is (nearly) one colour"
        assert len(np.unique(img.reshape(-1, 3), axis=0)) > 200


def test_synthetic_data_is_marked_on_the_axes(hm, market):
    for fig in (P.plot_heatmap(hm), P.plot_liquidation_map(hm)):
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert "SYNTHETIC" in texts
    real = dataclasses.replace(hm, source={"symbol": "BTCUSDT", "source": "archive"})
    assert "SYNTHETIC" not in [t.get_text() for t in P.plot_heatmap(real).axes[0].texts]


def test_plots_compose_on_axes_and_figures_of_the_caller(hm_tiers, market):
    fig = Figure(figsize=(12, 8), layout="constrained")
    ax_heat, ax_map = fig.subplots(2, 1)
    assert P.plot_heatmap(hm_tiers, market, ax=ax_heat) is fig
    assert P.plot_liquidation_map(hm_tiers, ax=ax_map) is fig
    assert isinstance(_mesh_of(ax_heat), QuadMesh)
    assert "SYNTHETIC" in ax_heat.get_title(loc="left") and not fig.get_suptitle()
    sub_a, sub_b, sub_c, sub_d = Figure(figsize=(12, 12)).subfigures(4, 1)
    assert P.plot_market(market, fig=sub_a) is sub_a and len(sub_a.axes) == 3
    assert P.plot_predicted_liquidations(hm_tiers, fig=sub_b) is sub_b
    assert P.plot_heatmap_grid({"a": hm_tiers}, fig=sub_c) is sub_c
    assert P.plot_liquidation_price_vs_leverage(67_000.0, [5, 10], 1.0, fig=sub_d) is sub_d
    with pytest.raises(InputError, match="already has axes"):
        P.plot_market(market, fig=fig)
    with pytest.raises(InputError, match="ax must be a matplotlib Axes"):
        P.plot_heatmap(hm_tiers, ax="left")
    # the common ones are public at the top level
    assert lq.plot_heatmap is P.plot_heatmap and lq.plot_liquidation_map is P.plot_liquidation_map


def _mesh_of(ax) -> QuadMesh:
    return next(c for c in ax.collections if isinstance(c, QuadMesh))


@pytest.mark.parametrize("name", sorted(P.HEAT_CMAPS) + ["viridis"])
def test_heat_colour_maps(hm, name):
    fig = P.plot_heatmap(hm, cmap=name)
    assert _mesh_of(fig.axes[0]).get_cmap().name == name
    with pytest.raises(InputError, match="cmap 'nope' is unknown"):
        P.plot_heatmap(hm, cmap="nope")


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


def test_titles_name_whose_tiers_placed_the_levels(market):
    """One venue's own tiers, or every venue's when the map sums venues, never 'brackets' alone."""
    import warnings

    small = market.iloc[:300]
    assert "BTCUSDT brackets" in P._model_label(lq.estimate_heatmap(small, n_bins=100))
    other = small.copy()
    other.attrs = dict(small.attrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lq.VenueTiersWarning)
        both = lq.estimate_heatmap({"binance": small, "bybit": other}, n_bins=100)
    label = P._model_label(both)
    assert "tiers of binance, bybit" in label and "brackets" not in label
