"""Hot zones are distinct peaks of the map: ranked by USD, never overlapping or touching, none
on a flat map, and their USD is the map's own USD between their bounds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import liqlib as lq
from liqlib.stories import zones


@pytest.fixture(scope="module")
def base():
    """A real heatmap object whose last column is replaced by hand-made profiles below."""
    return lq.estimate_heatmap(lq.make_synthetic_market(1_500, seed=5), n_bins=600, max_columns=20)


def _with_profile(hm, long_usd, short_usd):
    """``hm`` whose last column holds the given per-bin USD (other columns unchanged)."""
    lg, sh = hm.long_usd.copy(), hm.short_usd.copy()
    lg[-1], sh[-1] = long_usd, short_usd
    return dataclasses.replace(hm, long_usd=lg, short_usd=sh)


def _dist_pct(hm):
    return (hm.bin_centers / float(hm.price[-1]) - 1.0) * 100.0


def _bump(d, at_pct, height, width_pct=0.4):
    return height * np.exp(-0.5 * ((d - at_pct) / width_pct) ** 2)


def test_three_peaks_come_back_in_order_of_usd(base):
    d = _dist_pct(base)
    floor = np.where(d < 0, 1e4, 0.0)  # a low, flat floor of longs under the bumps
    lg = floor + _bump(d, -2.0, 3e6) + _bump(d, -6.0, 9e6) + _bump(d, -10.0, 5e6)
    lg = np.where(d < 0, lg, 0.0)
    hm = _with_profile(base, lg, np.zeros_like(lg))
    z = zones.compute_hot_zones(hm, top_n=6, max_distance_pct=15.0)
    assert len(z) == 3, z
    by_rank = z.sort_values("rank")
    # the biggest bump first, each zone's middle within one bin of its bump's top
    step = float(np.median(np.abs(np.diff(d))))
    assert np.allclose(by_rank["distance_pct"], [-6.0, -10.0, -2.0], atol=step)
    assert by_rank["usd"].is_monotonic_decreasing
    assert (by_rank["usd"].iloc[:-1].to_numpy() / by_rank["usd"].iloc[1:].to_numpy() > 1.5).all()
    assert (z["prominence_pct"] > 90).all()
    # top_n keeps the biggest ones
    top2 = zones.compute_hot_zones(hm, top_n=2)
    assert sorted(top2["distance_pct"].round(0)) == [-10.0, -6.0]


def test_zones_never_overlap_or_touch_and_hold_the_maps_usd():
    """On a real model's map: bounds disjoint with a gap, USD = the map's bins inside them."""
    m = lq.load_demo()
    hm = lq.estimate_heatmap(m, n_bins=400, max_columns=40)
    for at in hm.times[5::10]:
        z = zones.compute_hot_zones(hm, at, top_n=50, min_prominence=0.0)
        lm = hm.liquidation_map(at)
        px = lm.attrs["price"]
        c = lm.index.to_numpy()
        for side, col in (("long", "long_usd"), ("short", "short_usd")):
            rows = z[z["side"] == side].sort_values("zone_lo")
            assert (rows["zone_hi"].to_numpy()[:-1] < rows["zone_lo"].to_numpy()[1:]).all()
            mask = c < px if side == "long" else c > px
            for _, r in rows.iterrows():
                inside = mask & (c > r["zone_lo"]) & (c < r["zone_hi"])
                assert r["usd"] == pytest.approx(lm[col].to_numpy()[inside].sum(), rel=1e-9)
        assert (z.loc[z["side"] == "long", "zone_hi"] <= px).all()
        assert (z.loc[z["side"] == "short", "zone_lo"] >= px).all()
        assert sorted(z["rank"]) == list(range(1, len(z) + 1))
        ranked = z.sort_values("rank")["usd"]
        assert ranked.is_monotonic_decreasing


def test_a_flat_map_has_no_hot_zone(base):
    d = _dist_pct(base)
    lg = np.where(d < 0, 2e6, 0.0)
    sh = np.where(d > 0, 2e6, 0.0)
    z = zones.compute_hot_zones(_with_profile(base, lg, sh), top_n=6)
    assert z.empty
    assert "no hot zone" in z.attrs["note"]
    assert z.attrs["total_usd"] > 0
    # a gently noisy plateau has no peak that stands out either
    rng = np.random.default_rng(0)
    noisy = lg * (1 + 0.02 * rng.standard_normal(lg.size))
    assert zones.compute_hot_zones(_with_profile(base, noisy, sh), top_n=6).empty
    # while the same plateau with one clear bump has exactly that zone
    bumped = lg + np.where(d < 0, _bump(d, -4.0, 3e6), 0.0)
    z = zones.compute_hot_zones(_with_profile(base, bumped, sh), top_n=6)
    assert len(z) == 1 and z["distance_pct"].iloc[0] == pytest.approx(-4.0, abs=0.1)
    assert z.attrs["note"] == ""


def test_a_broad_cluster_is_one_zone_not_a_row_of_bands(base):
    """The fixed tiling splits one wide cluster into adjacent bands of near-equal USD; the
    peaks method names it once."""
    d = _dist_pct(base)
    lg = np.where(d < 0, _bump(d, -5.0, 4e6, width_pct=1.5), 0.0)
    hm = _with_profile(base, lg, np.zeros_like(lg))
    bands = zones.compute_hot_zones(hm, top_n=4, method="bands")
    lo = bands.sort_values("zone_lo")
    hi_, lo_ = lo["zone_hi"].to_numpy(), lo["zone_lo"].to_numpy()
    assert len(bands) == 4 and np.isclose(hi_[:-1], lo_[1:]).sum() >= 2  # bands that touch
    assert (bands["distance_pct"].abs() - 5.0).abs().max() < 1.5  # all in the one cluster
    peaks = zones.compute_hot_zones(hm, top_n=4)
    assert len(peaks) == 1 and peaks["distance_pct"].iloc[0] == pytest.approx(-5.0, abs=0.1)
    assert bands.attrs["total_usd"] == pytest.approx(peaks.attrs["total_usd"])


def test_bad_options_say_what_to_use(base):
    with pytest.raises(lq.InputError, match="method"):
        zones.compute_hot_zones(base, method="tiles")
    with pytest.raises(lq.InputError, match="min_prominence"):
        zones.compute_hot_zones(base, min_prominence=1.5)
    with pytest.raises(lq.InputError, match="neighbourhood_pct"):
        zones.compute_hot_zones(base, neighbourhood_pct=0)


def test_the_reports_table_ranks_zones_and_compares_each_to_the_next():
    from liqlib.stories import story

    hm = lq.estimate_heatmap(lq.load_demo(), n_bins=400, max_columns=20)
    z = zones.compute_hot_zones(hm, top_n=8, min_prominence=0.05)
    t = story.hot_zones_table(z)
    assert len(t) == len(z) >= 2
    assert t["rank"].tolist() == list(range(1, len(z) + 1))
    assert t["USD at stake"].is_monotonic_decreasing
    usd = t["USD at stake"].to_numpy()
    assert np.allclose(t["x next zone"].to_numpy()[:-1], usd[:-1] / usd[1:])
    assert np.isnan(t["x next zone"].iloc[-1])
    assert story.hot_zones_table(z.iloc[:0]).empty
