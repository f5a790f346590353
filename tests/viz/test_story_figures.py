"""What the story figures show: the axis that holds price, limits that hold what the title
promises, every artist inside its axes; and the main figures against baseline PNGs.

A liquidation map has price on x and USD on y: hot zones, the alert band and named levels are
vertical bands and lines there. The heatmap and price paths have price on y.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from figcheck import (
    artists_outside,
    assert_matches_baseline,
    limits,
    price_axis,
    texts_outside,
    visible_bar_top,
)

import liqlib as lq
from liqlib.stories import calculator, story, views, zones
from liqlib.viz.plot import plot_heatmap, plot_liquidation_map
from liqlib.viz.story import (
    plot_hand_map,
    plot_heatmap_with_zones,
    plot_horizons,
    plot_hourly_vs_oi,
    plot_liquidation_odds,
    plot_long_share,
    plot_near_price,
    plot_price_with_zones,
    plot_zones,
)


@pytest.fixture(scope="module")
def market():
    return lq.make_synthetic_market(3_000, seed=3)


@pytest.fixture(scope="module")
def hm(market):
    return lq.estimate_heatmap(market, model="oi-flow", n_bins=300, max_columns=150)


@pytest.fixture(scope="module")
def hot(hm):
    return zones.compute_hot_zones(hm, hm.times[100], top_n=6)


def _spans(ax):
    """Patches drawn as full-height vertical bands (axvspan): x in data, y in axes fraction."""
    out = []
    for p in ax.patches:
        tr = p.get_transform()
        x_data, y_data = tr.contains_branch_seperately(ax.transData)
        if x_data and not y_data:
            out.append(p)
    return out


def _span_x(p) -> tuple[float, float]:
    pts = p.get_patch_transform().transform(p.get_path().vertices)
    return float(pts[:, 0].min()), float(pts[:, 0].max())


# ------------------------------------------------------------------------------------------
# plot_zones: the key figure of 00, 11, 12 and 20-report
# ------------------------------------------------------------------------------------------


def test_zones_are_drawn_on_the_price_axis_of_the_map(hm, hot, market):
    levels = {"support": hot.attrs["price"] * 0.97, "resistance": hot.attrs["price"] * 1.02}
    fig = plot_zones(hm, hot, market=market, within_pct=2.0, levels=levels)
    ax = fig.axes[0]
    assert price_axis(ax) == "x" and "USD" in ax.get_ylabel()
    # one vertical band per hot zone, spanning exactly the zone's prices
    bands = sorted(_span_x(p) for p in _spans(ax) if p.get_label() != "alert band ±2 %")
    want = sorted(zip(hot["zone_lo"], hot["zone_hi"], strict=True))
    assert len(bands) == len(want)
    np.testing.assert_allclose(np.array(bands), np.array(want), rtol=1e-12)
    # the alert band is ±2 % around the price, on x
    (band,) = [p for p in _spans(ax) if p.get_label() == "alert band ±2 %"]
    px = hot.attrs["price"]
    np.testing.assert_allclose(_span_x(band), (px * 0.98, px * 1.02), rtol=1e-12)
    # named levels are vertical lines at their prices
    vlines = {ln.get_label().split()[0]: ln.get_xdata()[0] for ln in ax.lines
              if ln.get_label().split()[0] in levels}  # fmt: skip
    assert vlines == pytest.approx(levels)
    # the USD axis still starts at 0 and holds the tallest bar in view (not a price range)
    ylo, yhi = limits(ax, "y")
    assert ylo == 0.0
    assert 0 < visible_bar_top(ax) <= yhi


def test_zones_view_holds_every_zone_the_figure_names(hm, hot, market):
    levels = {"support": hot.attrs["price"] * 0.9}
    fig = plot_zones(hm, hot, market=market, within_pct=3.0, levels=levels)
    ax = fig.axes[0]
    xlo, xhi = limits(ax, "x")
    px = hot.attrs["price"]
    for value in [px, *hot["zone_lo"], *hot["zone_hi"], *levels.values(), px * 0.97, px * 1.03]:
        assert xlo <= value <= xhi, value
    assert not artists_outside(ax, skip=("StepPatch",)), artists_outside(ax, skip=("StepPatch",))
    assert 0 < visible_bar_top(ax) <= limits(ax, "y")[1]
    assert not texts_outside(ax), texts_outside(ax)
    # the title says how many hot zones there are and names the data
    title = fig.get_suptitle()
    assert f"{len(hot)} hot zones" in title and "SYNTHETIC" in title


def test_zones_labels_sit_inside_the_axes_even_for_far_zones(hm, market):
    far = zones.compute_hot_zones(hm, hm.times[-1], top_n=12, max_distance_pct=15.0)
    fig = plot_zones(hm, far, market=market, within_pct=1.0)
    ax = fig.axes[0]
    assert limits(ax, "x")[0] <= far["zone_lo"].min() and far["zone_hi"].max() <= limits(ax, "x")[1]
    assert 0 < visible_bar_top(ax) <= limits(ax, "y")[1]
    assert not texts_outside(ax), texts_outside(ax)
    assert not artists_outside(ax, skip=("StepPatch",)), artists_outside(ax, skip=("StepPatch",))


def test_zones_figure_matches_its_baseline(hm, hot, market, tmp_path):
    levels = {"support": hot.attrs["price"] * 0.985}
    assert_matches_baseline(
        lambda: plot_zones(hm, hot, market=market, within_pct=2.0, levels=levels),
        "plot_zones",
        tmp_path,
    )


# ------------------------------------------------------------------------------------------
# the other story figures
# ------------------------------------------------------------------------------------------


def test_price_with_zones_holds_the_zones_on_the_price_axis(hm, hot, market):
    swept = zones.zone_sweeps(hot, market)
    fig = plot_price_with_zones(market, swept)
    ax = fig.axes[0]
    assert price_axis(ax) == "y"
    ylo, yhi = limits(ax, "y")
    assert ylo <= hot["zone_lo"].min() and hot["zone_hi"].max() <= yhi
    assert not artists_outside(ax), artists_outside(ax)
    n = int(swept["swept_at"].notna().sum())
    assert f"{n} of {len(swept)}" in fig.get_suptitle()
    # one dot per reached zone, at the zone's middle
    dots = [ln for ln in ax.lines if ln.get_marker() == "o"]
    assert sorted(d.get_ydata()[0] for d in dots) == pytest.approx(
        sorted(swept.loc[swept["swept_at"].notna(), "zone_mid"])
    )


def test_price_with_zones_matches_its_baseline(hm, hot, market, tmp_path):
    swept = zones.zone_sweeps(hot, market)
    assert_matches_baseline(lambda: plot_price_with_zones(market, swept), "price_with_zones",
                            tmp_path)  # fmt: skip


def test_hand_map_has_price_on_y_and_the_price_line_inside():
    t = calculator.positions_table(
        [dict(entry_usd=100.0, leverage=10, side="long", size_usd=5.0),
         dict(entry_usd=100.0, leverage=5, side="short", size_usd=3.0)]
    )  # fmt: skip
    hmap = calculator.hand_map(t, 1.0)
    fig = plot_hand_map(hmap, 1.0, 100.0)
    ax = fig.axes[0]
    assert price_axis(ax) == "y"
    lo, hi = limits(ax, "y")
    assert lo <= hmap.index.min() and hmap.index.max() + 1.0 <= hi and lo <= 100.0 <= hi
    assert not artists_outside(ax), artists_outside(ax)
    xlo, xhi = limits(ax, "x")
    assert xhi >= (hmap["long_usd"] + hmap["short_usd"]).max()


def test_hourly_vs_oi_bars_fit_and_say_when_open_interest_is_missing(hm, market):
    h = story.hourly_liquidations(hm)
    fig = plot_hourly_vs_oi(h, story.hourly_oi_change(market), market=market)
    ax_l, ax_o = fig.axes
    lo, hi = limits(ax_l, "y")
    assert lo <= -h["long_usd"].max() and h["short_usd"].max() <= hi
    assert not artists_outside(ax_l) and not artists_outside(ax_o)
    no_oi = market.drop(columns=["oi_usd", "oi_coin"])
    fig2 = plot_hourly_vs_oi(h, story.hourly_oi_change(no_oi), market=no_oi)
    assert any("not in this data" in t.get_text() for t in fig2.axes[1].texts)


def test_long_share_figure_is_bounded_and_defined(hm, market, tmp_path):
    h = story.hourly_liquidations(hm)
    fig = plot_long_share(h, market=market)
    ax = fig.axes[0]
    lo, hi = limits(ax, "y")
    assert (lo, hi) == (0.0, 100.0)
    assert "long share" in ax.get_ylabel() and "long / (long + short)" in ax.get_ylabel()
    assert not artists_outside(ax), artists_outside(ax)
    bars = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    shares = h["long_share_pct"].dropna()
    assert len(bars) == len(shares)
    assert all(b.get_y() == 50.0 for b in bars)  # bars rise or fall from the 50 % line
    assert sorted(b.get_y() + b.get_height() for b in bars) == pytest.approx(sorted(shares))
    assert_matches_baseline(lambda: plot_long_share(h, market=market), "long_share", tmp_path)


def test_liquidation_odds_axes(market):
    odds = calculator.liquidation_odds(market, [5, 20, 50], "1h")
    fig = plot_liquidation_odds(odds, "1h", market)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "leverage"
    lo, hi = limits(ax, "x")
    assert lo <= 5 and 50 <= hi
    assert not artists_outside(ax), artists_outside(ax)


# ------------------------------------------------------------------------------------------
# the main figures of liqlib.plot the stories use
# ------------------------------------------------------------------------------------------


def test_heatmap_has_price_on_y_and_holds_the_price_path(hm, market, tmp_path):
    fig = plot_heatmap(hm, market)
    ax = fig.axes[0]
    assert price_axis(ax) == "y"
    lo, hi = limits(ax, "y")
    assert lo <= market["mark_close"].min() and market["mark_close"].max() <= hi
    assert_matches_baseline(lambda: plot_heatmap(hm, market), "heatmap", tmp_path)


def test_liquidation_map_has_price_on_x_and_usd_on_y(hm, market, tmp_path):
    at = hm.times[100]
    fig = plot_liquidation_map(hm, at, market=market)
    ax = fig.axes[0]
    assert price_axis(ax) == "x" and limits(ax, "y")[0] == 0.0
    px = hm.liquidation_map(at).attrs["price"]
    lo, hi = limits(ax, "x")
    assert lo <= px <= hi
    assert not artists_outside(ax), artists_outside(ax)
    assert_matches_baseline(lambda: plot_liquidation_map(hm, at, market=market), "liq_map",
                            tmp_path)  # fmt: skip


def test_baseline_comparison_catches_a_zone_on_the_wrong_axis(hm, hot, market, tmp_path):
    """The comparison is not blind: shading the zones on the USD axis (the old bug) fails."""

    def wrong():
        fig = plot_zones(hm, hot, market=market, within_pct=2.0,
                         levels={"support": hot.attrs["price"] * 0.985})  # fmt: skip
        ax = fig.axes[0]
        for _, z in hot.iterrows():
            ax.axhspan(z["zone_lo"], z["zone_hi"], color="red", alpha=0.18, lw=0)
        ax.set_ylim(hot["zone_lo"].min(), hot["zone_hi"].max())
        return fig

    with pytest.raises(AssertionError, match="RMS"):
        assert_matches_baseline(wrong, "plot_zones", tmp_path, may_update=False)


def test_no_story_figure_uses_pyplot(hm, hot, market):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_zones(hm, hot, market=market)
    plot_long_share(story.hourly_liquidations(hm), market=market)
    assert plt.get_fignums() == before
    assert isinstance(pd.Timestamp(hot.attrs["time"]), pd.Timestamp)


# ------------------------------------------------------------------------------------------
# the article's static views and the report's heatmap with its named zones
# ------------------------------------------------------------------------------------------


def test_heatmap_with_zones_covers_every_zone_it_names(hm, market):
    far = zones.compute_hot_zones(hm, top_n=10)
    fig = plot_heatmap_with_zones(hm, far, market)
    ax = fig.axes[0]
    assert price_axis(ax) == "y"
    lo, hi = limits(ax, "y")
    assert lo <= far["zone_lo"].min() and far["zone_hi"].max() <= hi
    assert lo <= market["mark_close"].min() and market["mark_close"].max() <= hi
    assert not texts_outside(ax), texts_outside(ax)


def test_horizons_are_small_multiples_of_one_end(market, tmp_path):
    vs = views.horizon_heatmaps(market, ("6h", "12h", "1D"), warmup="6h", n_bins=100,
                                max_columns=60)  # fmt: skip
    fig = plot_horizons(vs, market)
    heat_axes = [a for a in fig.axes if a.get_visible() and a.get_ylabel().startswith("liq")]
    assert len(heat_axes) == 3
    ends = {a.get_xlim()[1] for a in heat_axes}
    assert len(ends) == 1  # all end at the same time
    spans = sorted(a.get_xlim()[1] - a.get_xlim()[0] for a in heat_axes)
    assert spans == pytest.approx([0.25, 0.5, 1.0], rel=0.1)  # days
    assert "6h, 12h, 1D" in fig.get_suptitle() and "SYNTHETIC" in fig.get_suptitle()
    assert_matches_baseline(lambda: plot_horizons(vs, market), "horizons", tmp_path)


def test_near_price_stacks_longs_and_shorts(hm, market, tmp_path):
    near = views.usd_near_price(hm, 2.0)
    fig = plot_near_price(near, market=market)
    ax, tw = fig.axes
    assert price_axis(tw) == "y" and "±2 %" in ax.get_ylabel()
    lo, hi = limits(ax, "y")
    assert lo == 0 and near["total_usd"].max() <= hi
    plo, phi = limits(tw, "y")
    assert plo <= near["price"].min() and near["price"].max() <= phi
    # the stack's top is longs + shorts
    top = ax.collections[1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(near["total_usd"].max(), rel=1e-9)
    assert_matches_baseline(lambda: plot_near_price(near, market=market), "near_price", tmp_path)
