"""The explorer over several venues (checkboxes re-add the venues' estimates, no re-estimate;
the map stacked by venue) and with realized liquidations (dots by side and USD)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from venue_frames import other_venue

import liqlib as lq
from liqlib.errors import InputError
from liqlib.viz import explorer as X


@pytest.fixture(scope="module")
def markets():
    m = lq.make_synthetic_market(2_000, seed=11)
    return {"binance": m, "bybit": other_venue(m, 0.6, 5e-4), "okx": other_venue(m, 0.3, -4e-4)}


@pytest.fixture(scope="module")
def realized(markets):
    """Events every 7th candle, long at the low / short at the high, USD growing with time."""
    m = markets["binance"]
    idx = m.index[::7]
    n = len(idx)
    side = np.where(np.arange(n) % 2 == 0, "long", "short")
    price = np.where(side == "long", m.loc[idx, "low"], m.loc[idx, "high"])
    usd = 1e4 * (1 + np.arange(n))
    venue = np.array(["binance", "bybit", "okx"])[np.arange(n) % 3]
    liqs = pd.DataFrame(
        {"venue": venue, "symbol": "X", "side": side, "price": price, "qty": usd / price,
         "usd": usd},
        index=pd.DatetimeIndex(idx + pd.Timedelta("20s"), name="time"),
    )  # fmt: skip
    liqs.attrs["synthetic"] = True
    return liqs


def _explorer(markets, **kw):
    return lq.make_heatmap_explorer(markets, n_bins=120, max_columns=80, timeframe="24h", **kw)


@pytest.fixture
def ex(markets, realized):
    return _explorer(markets, realized=realized)


def test_one_checkbox_per_venue_and_none_for_one_venue(ex, markets):
    assert ex.venues == list(markets)
    assert [ex.controls[f"venue_{i}"].description for i in range(3)] == list(markets)
    assert "map_stack" in ex.controls and "venues: binance + bybit + okx" in (
        ex.figure.layout.title.text
    )
    for single in (markets["binance"], {"binance": markets["binance"]}):
        one = lq.make_heatmap_explorer(single, n_bins=60, max_columns=40)
        assert not [k for k in one.controls if k.startswith("venue") or k == "map_stack"]
        assert "realized" not in one.controls


def test_the_sum_over_venues_is_lq_estimate_heatmaps(ex, markets):
    """At the window's last column the explorer holds what lq.estimate_heatmap({...}) holds
    on the same linear grid (the same model, per venue, summed)."""
    run = next(iter(ex._runs[ex.controls["model"].value].values()))
    direct = lq.estimate_heatmap(
        markets, model=ex.hm.model, price_edges=tuple(run.inputs.edges), max_columns=80,
    )  # fmt: skip
    assert direct.times[-1] == ex.hm.times[-1]
    for side in ("long_usd", "short_usd"):
        np.testing.assert_allclose(
            getattr(ex.hm, side)[-1], getattr(direct, side)[-1], rtol=1e-9, atol=1e-6
        )


def test_unticking_a_venue_re_adds_the_others_without_re_estimating(ex, markets):
    n_est = len(ex.timings_ms["estimate"])
    all_z = ex.values().copy()
    parts = {v: ex._parts[v] for v in markets}
    ex.controls["venue_1"].value = False  # bybit out
    z = ex.values()
    assert len(ex.timings_ms["estimate"]) == n_est, "a venue toggle re-estimated"
    assert len(ex.timings_ms["venues"]) == 1
    expect = sum(p.long_usd + p.short_usd for v, p in parts.items() if v != "bybit").T
    np.testing.assert_allclose(z, expect, rtol=1e-6)
    assert (z <= all_z + 1e-3).all() and z.sum() < 0.9 * all_z.sum()
    # the heat trace received the new z; the predicted bars are the two venues' own
    np.testing.assert_allclose(np.asarray(ex.figure.data[0].z), z, rtol=1e-6)
    assert list(ex.hm.venues) == ["binance", "okx"]
    pred = parts["binance"].predicted_short_usd + parts["okx"].predicted_short_usd
    i0, i1, _ = ex.window()
    assert float(np.sum(ex.figure.data[3].y)) == pytest.approx(float(pred.iloc[i0 : i1 + 1].sum()))
    ex.controls["venue_0"].value = False
    ex.controls["venue_2"].value = False  # nothing left: a one-line message, figure unchanged
    assert "every venue is hidden" in ex.status.value
    np.testing.assert_allclose(ex.values(), parts["binance"].long_usd.T * 0 + ex.values())
    for i in range(3):
        ex.controls[f"venue_{i}"].value = True
    np.testing.assert_allclose(ex.values(), all_z, rtol=1e-6)
    assert len(ex.timings_ms["estimate"]) == n_est


def test_the_map_stacks_by_venue(ex):
    base = X.HeatmapExplorer  # trace layout: 4 + tiers + 2 cumulative, then the venues
    assert base is type(ex)
    nt = len(ex.hm.leverages)
    tiers = ex.figure.data[4 : 4 + nt]
    venues = ex.figure.data[ex._i_venue0 : ex._i_venue0 + 3]
    assert [v.name for v in venues] == ex.venues and all(v.visible is False for v in venues)
    by_tier = np.sum([np.asarray(t.x) for t in tiers], axis=0)
    ex.controls["map_stack"].value = "venue"
    assert all(t.visible is False for t in tiers) and all(v.visible is True for v in venues)
    by_venue = np.sum([np.asarray(v.x) for v in venues], axis=0)
    np.testing.assert_allclose(by_venue, by_tier, rtol=1e-9)
    ex.controls["venue_2"].value = False  # okx out: its bars leave the stack (legend only)
    assert venues[2].visible == "legendonly"
    ex.controls["map_stack"].value = "leverage"
    assert all(v.visible is False for v in venues) and tiers[0].visible in (True, "legendonly")


def test_realized_dots_by_side_and_usd_inside_the_window(ex, realized):
    dots = ex.figure.data[ex._i_dots : ex._i_dots + 2]
    assert [d.name for d in dots] == [
        "realized longs liquidated (SIMULATED)",
        "realized shorts liquidated (SIMULATED)",
    ]
    i0, i1, _ = ex.window()
    t0, t1 = ex._times[i0], ex._times[i1] + ex._step
    inside = realized[(realized.index >= t0) & (realized.index < t1)]
    assert 0 < len(inside) < len(realized)
    got = sum(len(d.x) for d in dots)
    assert got == len(inside)
    longs = inside[inside["side"] == "long"]
    np.testing.assert_allclose(np.asarray(dots[0].customdata), longs["usd"])
    np.testing.assert_allclose(np.asarray(dots[0].y), longs["price"])
    size = np.asarray(dots[0].marker.size)
    assert (np.diff(size) > 0).all(), "a larger USD must draw a larger dot"
    assert size.max() <= 3 + X.DOT_MAX_PX + 1e-9
    assert dots[0].x[0] == f"{longs.index[0]:%Y-%m-%d %H:%M:%S}"
    # unticking a venue hides its events; the toggle hides them all
    ex.controls["venue_1"].value = False
    assert sum(len(d.x) for d in dots) == int((inside["venue"] != "bybit").sum())
    ex.controls["realized"].value = False
    assert sum(len(d.x) for d in dots) == 0
    ex.controls["realized"].value = True
    ex.controls["venue_1"].value = True
    assert sum(len(d.x) for d in dots) == len(inside)
    # the window follows the end slider
    ex.controls["end"].value = ex.controls["end"].value - 300
    i0, i1, _ = ex.window()
    t0, t1 = ex._times[i0], ex._times[i1] + ex._step
    now = realized[(realized.index >= t0) & (realized.index < t1)]
    assert sum(len(d.x) for d in dots) == len(now) and len(now) != len(inside)


def test_bad_venues_or_realized_say_what_to_pass(markets):
    with pytest.raises(InputError, match="venues must map names to market frames"):
        lq.make_heatmap_explorer({"binance": "BTCUSDT"})
    shifted = markets["bybit"].iloc[1:]
    with pytest.raises(InputError, match="not on the binance time axis"):
        lq.make_heatmap_explorer({"binance": markets["binance"].iloc[:-1], "bybit": shifted})
    with pytest.raises(InputError, match="load_liquidations"):
        lq.make_heatmap_explorer(markets["binance"], realized=pd.DataFrame({"usd": [1.0]}))
    t = pd.DatetimeIndex(["2025-01-01 00:00"], name="time")
    naive = pd.DataFrame({"side": ["long"], "price": [1.0], "usd": [1.0]}, index=t)
    with pytest.raises(InputError, match="tz_localize"):
        lq.make_heatmap_explorer(markets["binance"], realized=naive)
    sell = naive.tz_localize("UTC").assign(side="SELL")
    with pytest.raises(InputError, match="'SELL'"):
        lq.make_heatmap_explorer(markets["binance"], realized=sell)


def test_the_snapshot_keeps_the_venue_sum_and_the_dots(ex):
    snap = ex.snapshot(max_bins=60, max_columns=40)
    names = [t.get("name") for t in snap.figure["data"]]
    assert "realized longs liquidated (SIMULATED)" in names and "bybit" in names
    dots = snap.figure["data"][ex._i_dots]
    assert len(dots["x"]) == int((ex.realized_in_window()["side"] == "long").sum()) > 0
    assert "venues: binance + bybit + okx" in snap.figure["layout"]["title"]["text"]
