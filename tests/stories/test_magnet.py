"""The magnet back-test: its vectorised zones and outcomes against a plain loop over the
report's own functions, and its bootstrap table (notebook 30: tests/notebooks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.stories import magnet, zones

BANDS = "bands"  # the magnet back-test bands the map as compute_hot_zones(method="bands")


@pytest.fixture(scope="module")
def btc_week():
    """Two real weeks of hourly BTC candles (bundled), the default model, constant OI."""
    m = lq.load_event_candles("BTCUSDT", start="2025-10-01", end="2025-10-15")
    m = magnet.with_constant_oi(m)
    return m, lq.estimate_heatmap(m, n_bins=1500, max_columns=len(m) // 6)


def test_biggest_zones_match_compute_hot_zones(btc_week):
    _, hm = btc_week
    z = magnet.biggest_zones(hm, zone_pct=0.5, max_distance_pct=10.0)
    for t in hm.times[::7]:
        hot = zones.compute_hot_zones(
            hm, at=t, zone_pct=0.5, max_distance_pct=10.0, top_n=10_000, method=BANDS
        )
        for side in ("long", "short"):
            rows = hot[hot["side"] == side]
            best = rows.loc[rows["usd"].idxmax()]
            assert z.loc[t, f"{side}_usd"] == pytest.approx(best["usd"], rel=1e-9)
            assert z.loc[t, f"{side}_dist_pct"] == pytest.approx(abs(best["distance_pct"]))


def test_events_match_a_plain_loop(btc_week):
    market, hm = btc_week
    cfg = magnet.MagnetConfig(horizons_h=(4,))
    ev = magnet.magnet_events(hm, market, "BTC", cfg).set_index("time")
    assert len(ev) > 30
    for t, row in ev.iloc[::5].iterrows():
        hot = zones.compute_hot_zones(
            hm, at=t, zone_pct=0.5, max_distance_pct=10.0, top_n=10_000, method=BANDS
        )
        big = hot.loc[hot["usd"].idxmax()]  # the bigger cluster is the biggest zone overall
        assert row["side"] == big["side"]
        px = hot.attrs["price"]
        after = market.loc[(market.index > t) & (market.index <= t + pd.Timedelta(hours=4))]
        assert len(after) == 4
        level = big["zone_mid"]
        # zone_sweeps: the report's own "price reached the zone's middle"
        swept = zones.zone_sweeps(
            hot.loc[[big.name]], market, until=after.index[-1] + pd.Timedelta(1, "ns")
        )
        assert row["hit_cluster"] == float(pd.notna(swept["swept_at"].iloc[0]))
        mirror = px * (2.0 - level / px)
        reached = (
            after["high"].max() >= mirror if big["side"] == "long" else after["low"].min() <= mirror
        )
        assert row["hit_mirror"] == float(reached)
        ret = (after["close"].iloc[-1] / px - 1) * 100
        assert row["move_cluster"] == pytest.approx(ret if big["side"] == "short" else -ret)
        past = market["close"].loc[:t].iloc[-5]  # the close 4 h before t
        s_m = 1.0 if px >= past else -1.0
        assert row["move_momentum"] == pytest.approx(s_m * ret)
        assert row["hit_random"] == 0.5 * (row["hit_cluster"] + row["hit_mirror"])
    # the last times, whose horizon runs past the data, are dropped
    assert ev.index.max() <= market.index[-1] - pd.Timedelta(hours=4)


def test_table_counts_and_intervals():
    rng = np.random.default_rng(3)
    n = 24 * 20
    times = pd.date_range("2025-01-01", periods=n, freq="1h", tz="UTC")
    hit_c = (rng.uniform(size=n) < 0.6).astype(float)
    hit_m = (rng.uniform(size=n) < 0.3).astype(float)
    ev = pd.DataFrame(
        {"symbol": "X", "time": times, "horizon_h": 1, "side": "long", "distance_pct": 1.5,
         "dominance": 2.0, "cluster_usd": 1.0, "hit_cluster": hit_c, "hit_mirror": hit_m,
         "hit_momentum": hit_m, "hit_reversion": hit_c, "hit_random": (hit_c + hit_m) / 2,
         "move_cluster": 0.1, "move_mirror": -0.1, "move_momentum": 0.0, "move_reversion": 0.0,
         "move_random": 0.0},
    )  # fmt: skip
    t = magnet.magnet_table(ev, n_boot=300, per_symbol=False)
    row = t[(t["by"] == "all") & (t["metric"] == "hit_cluster")].iloc[0]
    assert row["n"] == n and row["estimate"] == pytest.approx(hit_c.mean())
    assert row["ci_low"] < hit_c.mean() < row["ci_high"] and row["ci_high"] - row["ci_low"] < 0.15
    diff = t[(t["by"] == "all") & (t["metric"] == "hit_cluster_minus_random")].iloc[0]
    assert diff["estimate"] == pytest.approx((hit_c.mean() - hit_m.mean()) / 2)
    assert diff["ci_low"] > 0  # 0.6 vs 0.3 over 480 events: clearly above
    assert "more often than" in magnet.verdict(t)[1]
    band = t[(t["by"] == "distance") & (t["metric"] == "hit_cluster")]
    assert list(band["band"]) == ["1-2 %"]
    with pytest.raises(lq.InputError, match="empty"):
        magnet.magnet_table(ev.iloc[:0])


def test_zone_sweeps_keeps_the_rows_of_a_subset(btc_week):
    """zone_sweeps on a filtered table (index not 0..n-1) gives each row its own sweep time
    (it used to align by position and drop them: NaT for every row but the first ones)."""
    market, hm = btc_week
    t = hm.times[len(hm.times) // 2]
    hot = zones.compute_hot_zones(hm, at=t, top_n=8)
    whole = zones.zone_sweeps(hot, market)
    part = zones.zone_sweeps(hot.iloc[1:], market)
    assert part["swept_at"].equals(whole["swept_at"].iloc[1:])
    assert whole["swept_at"].notna().any()
