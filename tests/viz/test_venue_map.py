"""The liquidation map stacked by venue or by leverage band: stacks add up to the unstacked
total, one legend entry and colour per venue / band, drawn into the caller's axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from venue_frames import other_venue

import liqlib as lq
from liqlib.errors import InputError
from liqlib.viz import plot as P


@pytest.fixture(scope="module")
def markets():
    m = lq.make_synthetic_market(1_500, seed=3)
    return {"binance": m, "bybit": other_venue(m, 0.5, 4e-4), "okx": other_venue(m, 0.25, -3e-4)}


@pytest.fixture(scope="module")
def hm3(markets):
    return lq.estimate_heatmap(markets, n_bins=120, max_columns=60, per_tier=True)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plot function created a pyplot figure"


def _stairs(ax):
    return [p for p in ax.patches if type(p).__name__ == "StepPatch"]


@pytest.mark.parametrize("stack", ["venue", "leverage"])
def test_stacks_add_up_to_the_unstacked_total(hm3, stack):
    at = hm3.times[-7]
    j = hm3.column_at(at)
    fig = P.plot_liquidation_map(hm3, at, stack=stack)
    stairs = _stairs(fig.axes[0])
    total = hm3.long_usd[j] + hm3.short_usd[j]
    # each stair's baseline is the previous stair's top: a stack, not overlapping bars
    for below, above in zip(stairs, stairs[1:], strict=False):
        np.testing.assert_array_equal(above.get_data().baseline, below.get_data().values)
    np.testing.assert_allclose(stairs[-1].get_data().values, total, rtol=1e-12, atol=1e-6)
    assert stairs[0].get_data().baseline == pytest.approx(0.0)
    # and the unstacked map of the same heatmap draws that total as longs + shorts
    plain = _stairs(P.plot_liquidation_map(hm3, at, stack=None).axes[0])
    assert len(plain) == 2
    np.testing.assert_allclose(
        plain[0].get_data().values + plain[1].get_data().values, total, rtol=1e-12, atol=1e-6
    )


def test_venue_stack_has_one_entry_and_colour_per_venue(hm3, markets):
    fig = P.plot_liquidation_map(hm3, stack="venue", market=markets["binance"])
    ax = fig.axes[0]
    stairs = _stairs(ax)
    assert len(stairs) == 3
    j = len(hm3.times) - 1
    for name, s, below in zip(markets, stairs, [None, *stairs], strict=False):
        own = hm3.venues[name].long_usd[j] + hm3.venues[name].short_usd[j]
        base = 0 if below is None else below.get_data().values
        np.testing.assert_allclose(s.get_data().values - base, own, rtol=1e-9, atol=1e-6)
    colours = [matplotlib.colors.to_hex(s.get_facecolor()) for s in stairs]
    assert colours == P.venue_colors(3) and len(set(colours)) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()][:3]
    assert [lab.split(":")[0] for lab in labels] == list(markets)
    by_venue = P.liquidation_map_by_venue(hm3)
    # the legend's USD is each venue's own total at that time; bybit holds about half
    assert labels[1] == f"bybit: {P._usd(by_venue['bybit'].sum())} USD"
    share = by_venue.sum() / by_venue.sum().sum()
    assert share["binance"] > share["bybit"] > share["okx"] > 0
    assert "bars by venue" in fig.get_suptitle() and "SYNTHETIC" in fig.get_suptitle()


def test_leverage_bands_group_the_tiers(markets):
    hm1 = lq.estimate_heatmap(markets["binance"], n_bins=120, max_columns=60, per_tier=True)
    tiers = P.liquidation_map_by_tier(hm1)
    bands = P.liquidation_map_by_tier(hm1, bands=(10, 50))
    levs = np.asarray(hm1.leverages)
    expect = {
        "<=10x": levs <= 10,
        "10-50x": (levs > 10) & (levs <= 50),
        ">50x": levs > 50,
    }
    expect = {k: v for k, v in expect.items() if v.any()}
    assert list(bands.columns) == list(expect)
    for name, mask in expect.items():
        np.testing.assert_allclose(
            bands[name], tiers.loc[:, np.asarray(tiers.columns)[mask]].sum(axis=1), rtol=1e-12
        )
    fig = P.plot_liquidation_map(hm1, stack="leverage", bands=(10, 50))
    labels = [t.get_text().split(":")[0] for t in fig.axes[0].get_legend().get_texts()]
    assert labels[: len(expect)] == list(expect)
    with pytest.raises(InputError, match="positive leverages"):
        P.liquidation_map_by_tier(hm1, bands=(0, 10))


def test_venues_with_their_own_tiers_stack_in_common_bands(hm3):
    """When the venues' tiers differ the summed heatmap holds no per-tier USD; the leverage
    stack then adds each venue's tiers up in common bands, and still adds up to the total."""
    import dataclasses

    own = dataclasses.replace(hm3, long_usd_by_tier=None, short_usd_by_tier=None)
    at = own.times[-3]
    bands = P.liquidation_map_by_tier(own, at)
    assert set(bands.columns) <= {"<=5x", "5-10x", "10-25x", "25-50x", "50-100x", ">100x"}
    lm = own.liquidation_map(at)
    np.testing.assert_allclose(bands.sum(axis=1), lm["long_usd"] + lm["short_usd"], rtol=1e-9)
    per_venue = [P.liquidation_map_by_tier(v, at, P.DEFAULT_BANDS) for v in own.venues.values()]
    expect = sum(f["<=5x"].to_numpy() for f in per_venue)  # positions: bins are shared
    np.testing.assert_allclose(bands["<=5x"].to_numpy(), expect, rtol=1e-12)
    stairs = _stairs(P.plot_liquidation_map(own, at).axes[0])  # "auto": by leverage band
    assert len(stairs) == bands.shape[1]
    np.testing.assert_allclose(
        stairs[-1].get_data().values, lm["long_usd"] + lm["short_usd"], rtol=1e-9, atol=1e-6
    )


def test_the_map_draws_into_the_callers_axes(hm3):
    fig = Figure(figsize=(12, 8), layout="constrained")
    a, b = fig.subplots(2, 1)
    assert P.plot_liquidation_map(hm3, stack="venue", ax=a) is fig
    assert P.plot_liquidation_map(hm3, stack="leverage", ax=b) is fig
    assert len(_stairs(a)) == 3
    assert len(_stairs(b)) == P.liquidation_map_by_tier(hm3).shape[1]
    assert "bars by venue" in a.get_title(loc="left") and not fig.get_suptitle()


def test_bad_stacks_say_what_to_do(hm3, markets):
    with pytest.raises(InputError, match="unknown"):
        P.plot_liquidation_map(hm3, stack="exchange")
    one = lq.estimate_heatmap(markets["binance"], n_bins=60, max_columns=20)
    with pytest.raises(InputError, match="sums no venues"):
        P.plot_liquidation_map(one, stack="venue")
    with pytest.raises(InputError, match="per_tier=True"):
        P.plot_liquidation_map(one, stack="leverage")
    # "auto" falls back to longs and shorts when there are no tiers
    assert len(_stairs(P.plot_liquidation_map(one).axes[0])) == 2
