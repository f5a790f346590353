"""Each venue estimated with its own margin tiers and liquidation formula.

Real parts: the bundled Bybit table (Bybit's margin-parameters page), Bybit's worked example,
the refresh over real HTTP against a loopback server speaking Bybit's and OKX's JSON
(synthetic values), and the engine run on SYNTHETIC markets.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from archive_server import ArchiveServer
from venue_rest import add_bybit_routes, add_okx_routes

import liqlib as lq
from liqlib.data.venue_tiers import cached_tier_tables, refresh_tiers, tiers_folder
from liqlib.errors import CorruptDataError, InputError
from liqlib.estimate.brackets import k_factors
from liqlib.estimate.venue_tiers import VenueTiersWarning, get_tier_table, venue_tables
from liqlib.report.cli import main

T0 = 1_775_174_400_000  # 2026-04-03 00:00 UTC


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """An empty user cache: only the bundled tables unless a test refreshes some."""
    root = tmp_path / "cache"
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(root))
    return root


@pytest.fixture
def rest(tmp_path, monkeypatch, fast_http):
    with ArchiveServer(tmp_path / "srv") as srv:
        add_bybit_routes(srv, T0)
        add_okx_routes(srv, T0)
        monkeypatch.setenv("LIQLIB_BYBIT_REST_URL", srv.url)
        monkeypatch.setenv("LIQLIB_OKX_REST_URL", srv.url)
        yield srv


def _market(venue=None, symbol=None, n=600, seed=3):
    m = lq.make_synthetic_market(n, seed=seed)
    if venue is not None:
        m.attrs["venue"] = venue
    if symbol is not None:
        m.attrs["symbol"] = symbol
    return m


# --- the bundled Bybit table -------------------------------------------------------------


def test_bundled_bybit_btc_table_follows_bybits_own_deduction_rule():
    t = get_tier_table("bybit", "BTCUSDT")
    assert (t.venue, t.unit, t.n_brackets) == ("bybit", "usd", 20)
    assert "margin-parameters" in t.source and t.in_force == "undated"
    # the page's rule: deduction_n = cap_(n-1) (mmr_n - mmr_(n-1)) + deduction_(n-1)
    assert np.abs(t.continuity_errors()).max() < 1e-6
    assert t.caps_usd[0] == 2_000_000 and t.max_leverage[0] == 100 and t.mmr[0] == 0.005
    assert t.caps_usd[-1] == 80_000_000 and t.cum_usd[-1] == 1_482_000


# --- per-venue formulas ------------------------------------------------------------------


def test_bybit_docs_worked_example_and_binance_unchanged():
    # Bybit help "Liquidation Price (USDT Contract)": 1 BTC at 20,000, 50x, MMR 0.5 % -> 19,700
    long_ = lq.liquidation_price(20_000.0, 50, "long", 1.0, venue="bybit")
    short = lq.liquidation_price(20_000.0, 50, "short", 1.0, venue="bybit")
    assert float(long_) == pytest.approx(19_700.0, rel=1e-12)
    assert float(short) == pytest.approx(20_300.0, rel=1e-12)
    # Binance's exact formula where it applies (the existing doctest value)
    assert round(float(lq.liquidation_price(67_000.0, 10, "long", 1.0)), 2) == 60542.17


def test_bybit_deduction_enters_at_entry_value():
    # 150 BTC at 20,000 = 3,000,000 USD: tier 3 (MMR 0.63 %, deduction 3,020 USD)
    lp = float(lq.liquidation_price(20_000.0, 20, "long", 150.0, venue="bybit"))
    mm = 3_000_000 * 0.0063 - 3_020
    assert lp == pytest.approx(20_000 - (3_000_000 / 20 - mm) / 150)
    with pytest.raises(InputError, match="exceeds the maximum 80x"):
        lq.liquidation_price(20_000.0, 100, "long", 150.0, venue="bybit")


def test_k_factors_per_venue():
    lev, mmr, c = np.array([10.0]), np.array([0.004]), np.zeros(1)
    b_long, b_short = k_factors("binance", lev, mmr, c)
    y_long, y_short = k_factors("bybit", lev, mmr, c)
    o_long, o_short = k_factors("okx", lev, mmr, c)
    assert b_long[0] == pytest.approx(0.9 / 0.996) and b_short[0] == pytest.approx(1.1 / 1.004)
    assert y_long[0] == pytest.approx(0.904) and y_short[0] == pytest.approx(1.096)
    assert o_long[0] == pytest.approx(0.9 / (1 - 0.004 - 0.0005))  # fee = taker 0.05 %
    # below 1 / MMR, Bybit's MM at entry value puts a long's price nearer the entry
    assert y_long[0] > b_long[0] and o_long[0] > b_long[0]
    with pytest.raises(InputError, match="no liquidation formula"):
        k_factors("kraken", lev, mmr, c)


def test_cell_distances_use_the_venues_tiers():
    kw = dict(n_bins=60, max_columns=10)
    binance = lq.estimate_heatmap(_market(), **kw)
    bybit = lq.estimate_heatmap(_market("bybit"), price_edges=tuple(binance.price_edges), **kw)
    assert binance.params.bracket_table().venue == "binance"
    assert bybit.params.bracket_table().venue == "bybit"
    kb, ky = binance.params.lp_factors(), bybit.params.lp_factors()
    assert not np.allclose(kb, ky)
    assert "Bybit risk limits of BTCUSDT in force undated" in bybit.brackets_note


# --- picking the table: market attrs, conflicts, fallback --------------------------------


def test_market_venue_picks_the_table_and_a_conflicting_argument_fails():
    p = lq.estimate_heatmap(_market("bybit"), n_bins=30, max_columns=5).params
    assert p.venue == "bybit"
    with pytest.raises(InputError, match="venue='okx' but the market is bybit's"):
        lq.estimate_heatmap(_market("bybit"), venue="okx", n_bins=30, max_columns=5)
    with pytest.raises(InputError, match="brackets are binance's but venue is 'bybit'"):
        lq.estimate_heatmap(
            _market("bybit"), brackets=lq.get_bracket_table("BTCUSDT"), n_bins=30, max_columns=5
        )
    bad = _market("kraken")
    with pytest.raises(InputError, match="attrs\\['venue'\\] = 'kraken' is unknown"):
        lq.estimate_heatmap(bad, n_bins=30, max_columns=5)


def test_missing_venue_table_falls_back_to_binance_with_a_warning_naming_it():
    with pytest.warns(VenueTiersWarning, match="no okx position tiers table for ETHUSDT"):
        t = get_tier_table("okx", "ETHUSDT")
    assert t.venue == "binance" and t.symbol == "ETHUSDT"
    assert "no okx position tiers table for ETHUSDT" in t.note
    m = _market("okx", "ETHUSDT")
    with pytest.warns(VenueTiersWarning, match="ETHUSDT"):
        hm = lq.estimate_heatmap(m, n_bins=30, max_columns=5)
    assert "no okx table for ETHUSDT, so Binance's brackets and formula" in hm.brackets_note
    with pytest.raises(InputError, match="no bundled bracket table for 'NOSUCHUSDT'"):
        get_tier_table("bybit", "NOSUCHUSDT")


def cache_okx_coin_tier(symbol: str, cap: float, max_leverage: float) -> None:
    """A refreshed OKX table in the cache: one tier bounded in coins, MMR 1 %."""
    folder = tiers_folder("okx")
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"venue": "okx", "symbol": symbol, "unit": "coin", "in_force": "2026-12-01/",
           "source": "test", "tiers": [{"floor": 0, "cap": cap, "max_leverage": max_leverage,
                                        "mmr": 0.01, "deduction_usd": 0}]}  # fmt: skip
    (folder / f"{symbol}-2026-12-01.json").write_text(json.dumps(doc))


def test_a_1000pepe_symbol_never_takes_another_symbols_table(cache):
    # an OKX table for PEPEUSDT (bounds in PEPE coins) is in the cache ...
    cache_okx_coin_tier("PEPEUSDT", cap=5e9, max_leverage=50)
    assert get_tier_table("okx", "PEPEUSDT").unit == "coin"
    # ... but a market in 1000-PEPE units does not get it: Binance's 1000PEPEUSDT, with a warning
    for venue in ("okx", "bybit"):
        with pytest.warns(VenueTiersWarning, match=f"no {venue} .* table for 1000PEPEUSDT"):
            t = get_tier_table(venue, "1000PEPEUSDT")
        assert (t.venue, t.symbol) == ("binance", "1000PEPEUSDT")
    assert [t.symbol for t in venue_tables("okx", "1000PEPEUSDT")] == []


# --- aggregation ---------------------------------------------------------------------------


def _long_centroid(usd, edges):
    mid = np.sqrt(np.asarray(edges[:-1]) * np.asarray(edges[1:]))
    return float((usd[-1] * mid).sum() / usd[-1].sum())


def test_three_venues_shift_long_levels_the_way_their_formulas_say(rest):
    refresh_tiers("okx", "BTCUSDT")  # OKX's own (coin) tiers from the loopback server
    base = _market()
    markets = {v: base.copy() for v in ("binance", "bybit", "okx")}
    for v, m in markets.items():
        m.attrs = {**base.attrs, "venue": v}
    kw = dict(mix={5: 0.2, 10: 0.3, 25: 0.3, 50: 0.2}, n_bins=200, max_columns=10)
    agg = lq.estimate_heatmap(markets, "oi-flow", **kw)
    edges = tuple(agg.price_edges)
    # the same three frames, all estimated with Binance's table and formula
    all_binance = 3 * lq.estimate_heatmap(base, "oi-flow", price_edges=edges, **kw).long_usd
    # premise: at these leverages both other venues liquidate longs nearer the entry
    kb = agg.venues["binance"].params.lp_factors()[0]
    assert np.all(agg.venues["bybit"].params.lp_factors()[0] > kb)
    assert np.all(agg.venues["okx"].params.lp_factors()[0] > kb)
    # so the long mass of the three-venue map sits higher than the all-Binance map's
    assert _long_centroid(agg.long_usd, edges) > _long_centroid(all_binance, edges)
    assert not np.allclose(agg.long_usd, all_binance)
    note = agg.brackets_note
    assert "binance: BTCUSDT brackets" in note and "bybit: Bybit risk limits" in note
    assert "okx: OKX position tiers of BTCUSDT in force" in note and "converted to USD" in note


def test_aggregate_keys_name_venues_and_refuse_contradictions():
    a = _market()
    b = _market("okx")
    with pytest.raises(InputError, match="venue='bybit' but the market is okx's"):
        lq.estimate_heatmap({"binance": a, "bybit": b}, "oi-flow", n_bins=30, max_columns=5)
    with pytest.raises(InputError, match="keys name the venues"):
        lq.estimate_heatmap({"binance": a}, "oi-flow", venue="bybit", n_bins=30, max_columns=5)


# --- the REST refresh ----------------------------------------------------------------------


def test_refresh_tiers_cli_writes_a_dated_table_the_engine_prefers(rest, cache, capsys):
    assert main(["cache", "refresh-tiers", "--venue", "bybit", "--symbols", "BTCUSDT",
                 "--cache-dir", str(cache)]) == 0  # fmt: skip
    day = f"{pd.Timestamp.now('UTC'):%Y-%m-%d}"
    path = cache / "tiers" / "bybit" / f"BTCUSDT-{day}.json"
    assert path.is_file() and str(path) in capsys.readouterr().out
    t = get_tier_table("bybit", "BTCUSDT")
    assert t.in_force == f"{day}/" and t.caps_usd == (2_000_000.0, 4_000_000.0)
    assert t.cum_usd == (0.0, 10_000.0) and "GET /v5/market/risk-limit" in t.source
    # the bundled one is still chosen for a date before the refresh
    assert get_tier_table("bybit", "BTCUSDT", as_of="2020-01-01").in_force == "undated"
    hm = lq.estimate_heatmap(_market("bybit"), n_bins=30, max_columns=5)
    assert f"in force {day}/ (GET /v5/market/risk-limit" in hm.brackets_note
    assert rest.requests["/v5/market/risk-limit"] == 1


def test_refresh_okx_converts_contracts_once(rest, cache):
    (path,) = refresh_tiers("okx", ["btcusdt"])
    doc = json.loads(path.read_text())
    assert doc["unit"] == "coin" and doc["ct_val"] == 0.01
    assert [t["cap"] for t in doc["tiers"]] == pytest.approx([100.0, 200.0])
    assert [t["floor"] for t in doc["tiers"]] == pytest.approx([0.0, 100.0])
    m = _market("okx")
    hm = lq.estimate_heatmap(m, n_bins=30, max_columns=5)
    t = hm.params.bracket_table()
    price = float(np.median(m["close"]))
    assert t.venue == "okx" and t.unit == "usd"
    assert t.caps_usd == pytest.approx((100.0 * price, 200.0 * price))


def test_refresh_refuses_bad_answers_and_writes_nothing(rest, cache):
    rest.routes["/v5/market/risk-limit"] = lambda q: (200, {"retCode": 0, "result": {"list": [
        {"symbol": "BTCUSDT", "riskLimitValue": "1000000", "maintenanceMargin": "1.5",
         "initialMargin": "2", "maxLeverage": "50", "mmDeduction": "0"}]}})  # fmt: skip
    with pytest.raises(CorruptDataError, match="MMR outside .* nothing was cached"):
        refresh_tiers("bybit", "BTCUSDT,ETHUSDT")
    assert not (cache / "tiers").exists()
    with pytest.raises(InputError, match="no tier tables here"):
        refresh_tiers("binance", "BTCUSDT")
    with pytest.raises(InputError, match="not a USDT perpetual"):
        refresh_tiers("bybit", "BTC/USDT")
    assert main(["cache", "refresh-tiers", "--venue", "kraken", "--cache-dir", str(cache)]) == 2


def test_a_corrupt_cached_table_is_named(cache):
    folder = tiers_folder("bybit")
    folder.mkdir(parents=True)
    (folder / "BTCUSDT-2026-12-01.json").write_text("{not json")
    with pytest.raises(CorruptDataError, match="BTCUSDT-2026-12-01.json is unreadable"):
        cached_tier_tables("bybit")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CorruptDataError, match="refresh-tiers --venue bybit"):
            get_tier_table("bybit", "BTCUSDT")


def test_engine_formulas_agree_with_the_venue_sources():
    """The engine's per-venue formula gives the same prices as the venue modules' own."""
    from liqlib.data.sources import bybit, okx

    t = get_tier_table("bybit", "BTCUSDT")
    tiers = pd.DataFrame({"notional_cap": t.caps_usd, "mmr": t.mmr,
                          "max_leverage": t.max_leverage, "mm_deduction": t.cum_usd})  # fmt: skip
    for size, lev in ((0.5, 100), (120.0, 75), (600.0, 40), (3_500.0, 14)):  # tiers 1, 2, 10, 18
        for side in ("long", "short"):
            want = bybit.liquidation_price(20_000.0, lev, side, size, tiers)
            got = float(lq.liquidation_price(20_000.0, lev, side, size, venue="bybit"))
            assert got == pytest.approx(want, rel=1e-12)
    table = lq.BracketTable("BTCUSDT", (0.0, 100.0), (100.0, 200.0), (125.0, 75.0),
                            (0.004, 0.005), (0.0, 0.0), venue="okx", unit="coin")  # fmt: skip
    usd = table.in_usd(50_000.0)
    for qty, lev in ((1.0, 10), (150.0, 50)):
        for side in ("long", "short"):
            mmr = 0.004 if qty <= 100 else 0.005
            want = okx.liquidation_price(50_000.0, lev, side, qty, mmr=mmr)
            got = float(lq.liquidation_price(50_000.0, lev, side, qty, brackets=usd))
            assert got == pytest.approx(want, rel=1e-12)
    with pytest.raises(InputError, match="bounded in coins"):
        lq.liquidation_price(50_000.0, 10, "long", 1.0, brackets=table)


def test_okx_coin_tiers_keep_the_default_density_below_one_over_mmr(cache):
    """A 1 % MMR (1 / MMR = 100x) in coin bounds still lowers the default's 200x top."""
    cache_okx_coin_tier("BTCUSDT", cap=1e4, max_leverage=75)
    hm = lq.estimate_heatmap(_market("okx"), n_bins=30, max_columns=5)
    assert max(hm.leverages) < 100 and hm.params.bracket_table().mmr == (0.01,)
    k = hm.params.lp_factors()
    assert np.all((k[0] > 0) & (k[0] < 1)) and np.all(k[1] > 1)
