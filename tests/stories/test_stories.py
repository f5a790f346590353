"""Hot zones, alerts, sweeps (liqlib.stories.zones), the story numbers and summary (liqlib.stories.story), the
beginners' calculator (liqlib.stories.calculator), the report window and the story figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.stories import calculator, story, zones
from liqlib.stories.report_window import ReportConfig, load_report_market, slice_heatmap
from liqlib.viz.story import (
    plot_hand_map,
    plot_hourly_vs_oi,
    plot_liquidation_odds,
    plot_long_share,
    plot_price_with_zones,
    plot_zones,
)


@pytest.fixture(scope="module")
def market():
    return lq.make_synthetic_market(3_000, seed=3)


@pytest.fixture(scope="module")
def hm(market):
    return lq.estimate_heatmap(market, n_bins=300, max_columns=150)


def test_hot_zones_sum_the_map_by_side_and_distance(hm):
    """The fixed tiling (``method="bands"``) shares out every USD within the distance."""
    z = zones.compute_hot_zones(hm, zone_pct=1.0, max_distance_pct=10.0, top_n=100, method="bands")
    lm = hm.liquidation_map()
    px = lm.attrs["price"]
    d = (lm.index.to_numpy() / px - 1) * 100
    below = (d < 0) & (d >= -10)
    above = (d > 0) & (d <= 10)
    # every USD within 10 % is in some zone (top_n large): totals match the map
    assert z.loc[z["side"] == "long", "usd"].sum() == pytest.approx(lm["long_usd"][below].sum())
    assert z.loc[z["side"] == "short", "usd"].sum() == pytest.approx(lm["short_usd"][above].sum())
    assert z.attrs["total_usd"] == pytest.approx(z["usd"].sum())
    assert z["share_pct"].sum() == pytest.approx(100.0)
    assert (z.loc[z["side"] == "long", "zone_hi"] <= px * (1 + 1e-12)).all()
    assert (z.loc[z["side"] == "short", "zone_lo"] >= px * (1 - 1e-12)).all()
    assert np.all(np.diff(z["distance_pct"].abs()) >= 0)  # nearest first
    top = zones.compute_hot_zones(hm, zone_pct=1.0, max_distance_pct=10.0, top_n=3, method="bands")
    assert sorted(top["usd"]) == sorted(z["usd"].nlargest(3))


def test_nearest_zones_and_alerts(hm):
    z = zones.compute_hot_zones(hm, top_n=10)
    near = zones.nearest_zones(z)
    longs = z[z["side"] == "long"]
    if len(longs):
        assert near["below"]["distance_pct"] == longs["distance_pct"].max()
    within = float(z["distance_pct"].abs().median())
    alerts = zones.proximity_alerts(z, within)
    assert len(alerts) == int((z["distance_pct"].abs() <= within).sum())
    with pytest.raises(lq.InputError, match="within_pct"):
        zones.proximity_alerts(z, 0)
    with pytest.raises(lq.InputError, match="zone_pct"):
        zones.compute_hot_zones(hm, zone_pct=-1)
    with pytest.raises(lq.InputError, match="top_n"):
        zones.compute_hot_zones(hm, top_n=0)


def test_zone_sweeps_find_the_first_touch(market, hm):
    at = hm.times[len(hm.times) // 3]
    z = zones.compute_hot_zones(hm, at, top_n=6)
    swept = zones.zone_sweeps(z, market)
    after = market.loc[market.index > at]
    low = after["mark_low"].fillna(after["low"])
    high = after["mark_high"].fillna(after["high"])
    for _, row in swept.iterrows():
        hit = low <= row["zone_mid"] if row["side"] == "long" else high >= row["zone_mid"]
        if hit.any():
            assert row["swept_at"] == hit.idxmax()
            assert row["hours_after"] == (hit.idxmax() - at) / pd.Timedelta(hours=1)
        else:
            assert pd.isna(row["swept_at"])


def test_long_share_is_bounded_and_defined_where_anything_was_liquidated():
    got = story.long_share_pct(pd.Series([30.0, 5.0, 0.0, 0.0]), pd.Series([10.0, 0.0, 4.0, 0.0]))
    assert got.iloc[:3].tolist() == [75.0, 100.0, 0.0] and np.isnan(got.iloc[3])
    # the figure news sites print, and the long share it implies, agree with each other
    r = story.reported_imbalance_pct(30.0, 10.0)
    assert r == 200.0 and story.long_share_from_reported_pct(r) == pytest.approx(75.0)
    assert np.isnan(story.reported_imbalance_pct(5.0, 0.0))
    rng = np.random.default_rng(0)
    lo, sh = rng.exponential(size=200), rng.exponential(size=200)
    share = story.long_share_pct(lo, sh)
    np.testing.assert_allclose(story.long_share_from_reported_pct(
        story.reported_imbalance_pct(lo, sh)), share)  # fmt: skip
    assert ((share > 0) & (share < 100)).all()


def test_cited_doge_figures_are_reconciled_by_window():
    from liqlib.stories import cited

    t = cited.reconcile_imbalance("nov-2025")
    totals = t[t["how"].str.startswith("computed")].iloc[0]
    stated = t[t["how"].str.startswith("stated")].iloc[0]
    c = cited.cited_table("nov-2025")
    lo = c.loc[c["what"].str.contains("DOGE long liquidations, 6"), "value"].iloc[0]
    sh = c.loc[c["what"].str.contains("DOGE short liquidations"), "value"].iloc[0]
    assert totals["as reported"] == pytest.approx(100 * (lo - sh) / sh)
    assert totals["long share %"] == pytest.approx(100 * lo / (lo + sh))
    # the stated 12,129 % cannot come from the two quoted totals: a different window
    assert stated["long share %"] - totals["long share %"] > 10
    assert set(c.columns) >= {"what", "value", "unit", "window", "source", "url"}


def test_hourly_liquidations_and_top_hours(hm):
    h = story.hourly_liquidations(hm)
    assert h["long_usd"].sum() == pytest.approx(hm.predicted_long_usd.sum())
    assert h["short_usd"].sum() == pytest.approx(hm.predicted_short_usd.sum())
    top = story.top_hours(h, n=2)
    assert top["total_usd"].tolist() == sorted(h["total_usd"], reverse=True)[:2]


def test_hourly_oi_change_and_biggest_drop(market):
    oi = story.hourly_oi_change(market)
    usd = (market["oi_coin"] * market["mark_close"].fillna(market["close"])).ffill()
    assert oi.dropna().sum() == pytest.approx(usd.resample("1h").last().diff().sum())
    drop = story.biggest_drop(market, "6h")
    low = market["mark_low"].fillna(market["low"])
    high = market["mark_high"].fillna(market["high"])
    assert drop["low_usd"] == low.loc[drop["low_time"]]
    assert drop["peak_usd"] == high.loc[drop["peak_time"]]
    assert drop["peak_time"] <= drop["low_time"] < drop["peak_time"] + pd.Timedelta("6h")
    assert drop["drop_pct"] == pytest.approx((drop["low_usd"] / drop["peak_usd"] - 1) * 100)
    # brute force over every 6 h window agrees
    worst = min(
        low.loc[t] / high.loc[t - pd.Timedelta("6h") + pd.Timedelta(1, "ns") : t].max() - 1
        for t in low.index[::7]
    )
    assert drop["drop_pct"] <= worst * 100 + 1e-9


def test_summary_is_made_from_its_arguments(hm):
    z = zones.compute_hot_zones(hm, top_n=6)
    near = zones.nearest_zones(z)
    alerts = zones.proximity_alerts(z, 50.0)
    text = story.summarize_report(
        "XYZ", 123.0, "24h", near, alerts, 50.0, story.hourly_liquidations(hm), "SIMULATED x"
    )
    assert "XYZ" in text and "SIMULATED x" in text and f"{len(alerts)} alert(s)" in text
    none = story.summarize_report(
        "XYZ", 1.0, "1h", {"below": None, "above": None}, alerts.iloc[:0], 1.0,
        story.hourly_liquidations(hm).iloc[:0].assign(total_usd=[]), "d",
    )  # fmt: skip
    assert "no alert" in none and "swept no liquidation level" in none


def test_position_and_hand_map():
    p = calculator.position(67_000.0, 10.0, "long", 67_000.0)
    assert p["liquidation_usd"] == pytest.approx(float(lq.liquidation_price(67_000, 10, "long", 1)))
    assert p["margin_usd"] == pytest.approx(6_700.0) and p["distance_pct"] < 0
    t = calculator.positions_table(
        [dict(entry_usd=100.0, leverage=10, side="long", size_usd=50.0),
         dict(entry_usd=100.0, leverage=5, side="short", size_usd=30.0),
         dict(entry_usd=101.0, leverage=10, side="long", size_usd=20.0)]
    )  # fmt: skip
    m = calculator.hand_map(t, 5.0)
    assert m["long_usd"].sum() == 70.0 and m["short_usd"].sum() == 30.0
    assert (m.index.to_numpy() % 5 == 0).all()
    with pytest.raises(lq.InputError, match="size_usd"):
        calculator.position(100.0, 10, "long", -1.0)
    with pytest.raises(lq.InputError, match="empty"):
        calculator.positions_table([])


def test_liquidation_odds_against_a_brute_force(market):
    m = market.iloc[:600]
    odds = calculator.liquidation_odds(m, [5, 50], horizon="2h")
    n = 120
    k = calculator.position(1.0, 50.0, "long", 1.0)["liquidation_usd"]
    low = m["mark_low"].fillna(m["low"]).to_numpy()
    close = m["close"].to_numpy()
    hits = [low[i + 1 : i + 1 + n].min() <= k * close[i] for i in range(len(m) - n)]
    assert odds.loc[50.0, "long_pct"] == pytest.approx(100 * np.mean(hits))
    assert odds.loc[50.0, "n_entries"] == len(hits)
    assert odds.loc[5.0, "long_pct"] <= odds.loc[50.0, "long_pct"]


def test_check_answer():
    assert calculator.check_answer(None, 1.0).startswith("not answered yet")
    assert calculator.check_answer(100.2, 100.0).startswith("correct")
    assert "too high" in calculator.check_answer(120.0, 100.0)
    assert "not a number" in calculator.check_answer("abc", 100.0)


def test_calculator_widget_updates_on_change():
    box = calculator.make_calculator_widget(100_000.0, 10.0, "long", 1_000.0)
    result = box.children[-1]
    lp = calculator.position(100_000.0, 10.0, "long", 1_000.0)["liquidation_usd"]
    assert f"{lp:,.2f}" in result.value
    box.controls["leverage"].value = 20.0
    lp20 = calculator.position(100_000.0, 20.0, "long", 1_000.0)["liquidation_usd"]
    assert f"{lp20:,.2f}" in result.value
    box.controls["entry"].value = -5.0
    assert "cannot compute" in result.value


def test_report_config_checks_once_and_slices():
    good = dict(data="synthetic", symbol="btcusdt", exchange="binance", window="6h", end="",
                warmup="6h", interval="5m", model="oi-flow", alert_pct=2.0)  # fmt: skip
    cfg = ReportConfig.from_parameters(**good)
    assert cfg.symbol == "BTCUSDT" and cfg.window == pd.Timedelta("6h")
    for key, bad, word in [("exchange", "bybit", "EXCHANGE"), ("window", "soon", "WINDOW"),
                           ("model", "magic", "MODEL"), ("alert_pct", 0, "ALERT_PCT"),
                           ("end", "not a date", "END"), ("data", "x", "DATA")]:  # fmt: skip
        with pytest.raises(lq.InputError, match=word):
            ReportConfig.from_parameters(**{**good, key: bad})
    market = load_report_market(cfg)
    assert market.index[-1] - market.index[0] == pd.Timedelta("12h") - pd.Timedelta("1min")
    hm = lq.estimate_heatmap(market, n_bins=100)
    start = market.index[-1] - pd.Timedelta("6h")
    cut = slice_heatmap(hm, start)
    assert cut.times[0] >= start and cut.long_usd.shape == (len(cut.times), 100)
    assert cut.predicted_long_usd.index[0] >= start
    assert np.array_equal(cut.long_usd[-1], hm.long_usd[-1])


def test_story_figures_name_their_data(market, hm):
    z = zones.compute_hot_zones(hm, hm.times[10], top_n=4)
    h = story.hourly_liquidations(hm)
    figs = [
        plot_zones(hm, z, market=market, within_pct=2.0, levels={"support": z.attrs["price"]}),
        plot_price_with_zones(market, zones.zone_sweeps(z, market)),
        plot_hourly_vs_oi(h, story.hourly_oi_change(market), market=market),
        plot_long_share(h, market=market),
        plot_liquidation_odds(calculator.liquidation_odds(market, [5, 50], "1h"), "1h", market),
    ]
    for fig in figs:
        assert "SYNTHETIC" in fig.get_suptitle()
    t = calculator.positions_table([dict(entry_usd=100.0, leverage=10, side="long", size_usd=5.0)])
    assert plot_hand_map(calculator.hand_map(t, 1.0), 1.0, 100.0).axes


def test_guidance_measures(market, hm):
    from liqlib.stories import guidance

    win = guidance.compare_windows(market, ("30min", "12h"), n_bins=200)
    assert win["candles"].tolist() == [30, 720]
    levels = guidance.support_resistance(market, "6h")
    recent = market.loc[market.index > market.index[-1] - pd.Timedelta("6h")]
    assert levels["support"] == recent["mark_low"].fillna(recent["low"]).min()
    assert levels["resistance"] == recent["mark_high"].fillna(recent["high"]).max()
    reach = guidance.reach_by_distance(hm, market, horizon="6h", every="2h")
    assert reach["zones"].sum() > 0 and reach["reached_pct"].dropna().between(0, 100).all()
    bias = guidance.bias_vs_direction(hm, market, horizon="6h", every="2h")
    assert int(bias.to_numpy().sum()) == bias.attrs["n_maps"] > 0
    toward = bias.loc["shorts above", "up"] + bias.loc["longs below", "down"]
    assert bias.attrs["toward_pct"] == pytest.approx(100 * toward / bias.attrs["n_maps"])
    with pytest.raises(lq.InputError, match="window"):
        guidance.compare_windows(market, ("1min",))


def test_a_report_end_before_the_listing_names_the_report_options():
    cfg = ReportConfig.from_parameters(
        data="binance", symbol="BTCUSDT", exchange="binance", window="24h", end="2019-09-09",
        warmup="3D", interval="1h", model="turnover", alert_pct=2.0,
    )  # fmt: skip
    with pytest.raises(lq.InputError, match=r"starts before BTCUSDT was listed") as exc:
        load_report_market(cfg)
    msg = str(exc.value)
    assert "\n" not in msg and "--end" in msg and "--start" not in msg and "start >=" not in msg


def test_alerts_table_reads_well_with_and_without_alerts(hm):
    z = zones.compute_hot_zones(hm, top_n=10)
    fmt = {"from (USD)": "{:,.6g}", "to (USD)": "{:,.6g}", "distance (%)": "{:+.2f} %",
           "USD at stake": "{:,.0f}", "share of nearby USD (%)": "{:.1f} %"}  # fmt: skip
    some = zones.proximity_alerts(z, 100.0)
    table = story.alerts_table(some, 100.0)
    assert len(table) == len(some) > 0
    assert table["USD at stake"].tolist() == some["usd"].tolist()
    assert set(table["side"]) <= {"longs (price falls)", "shorts (price rises)"}
    none = story.alerts_table(zones.proximity_alerts(z, 1e-9), 1e-9)
    assert len(none) == 1 and none["alert"].iloc[0].startswith("none: no hot zone within")
    for t in (table, none):  # the report formats both without error
        assert "<table" in t.style.format(fmt, na_rep="").to_html()


def test_status_banner_says_simulated_and_how_old(market):
    demo = lq.load_demo()
    text = story.status_banner(demo, now="2026-01-01")
    assert text.startswith("**SIMULATED DATA") and "not today's" in text
    last = demo.index[-1] + (demo.index[1] - demo.index[0])
    assert f"data up to {last:%Y-%m-%d %H:%M} UTC" in text
    days = (pd.Timestamp("2026-01-01", tz="UTC") - last).days
    assert f"{days} d " in text
