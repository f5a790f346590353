"""lq.load_market(..., venues=...) and the aggregated heatmap, all over loopback HTTP:
Binance from the synthetic archive, Bybit and OKX from their REST shapes (synthetic values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from venue_rest import add_bybit_routes, add_okx_routes

import liqlib as lq
from liqlib.data import columns as C
from liqlib.errors import InputError

T0 = int(pd.Timestamp("2025-11-03", tz="UTC").value // 1_000_000)


@pytest.fixture
def venues_env(archive_env, synthetic_archive, monkeypatch, tmp_path):
    base = float(synthetic_archive.frames["klines-1m"]["open"].iloc[0])  # Binance's level
    add_bybit_routes(archive_env, T0, base)
    add_okx_routes(archive_env, T0, base)
    monkeypatch.setenv("LIQLIB_BYBIT_REST_URL", archive_env.url)
    monkeypatch.setenv("LIQLIB_OKX_REST_URL", archive_env.url)
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    return archive_env


def test_three_venues_on_one_time_axis_and_one_heatmap(venues_env):
    markets = lq.load_market(
        "BTCUSDT", "2025-11-03", "2025-11-03 12:00Z", "5m", venues=("binance", "bybit", "okx")
    )
    assert list(markets) == ["binance", "bybit", "okx"]
    grid = markets["binance"].index
    assert len(grid) == 144
    for name, m in markets.items():
        assert m.index.equals(grid) and list(m.columns) == list(C.MARKET_COLUMNS), name
        assert m[["close", "mark_close", "oi_coin"]].notna().all().all(), name
    assert markets["okx"].volume.eq(10).all() and markets["bybit"].oi_coin.eq(10).all()
    hm = lq.estimate_heatmap(markets, "oi-flow", n_bins=60, max_columns=24)
    assert list(hm.venues) == ["binance", "bybit", "okx"]
    ds = hm.to_xarray()
    assert ds.sizes["venue"] == 3
    assert np.allclose(ds["usd_by_venue"].sum("venue"), ds["usd"])


def test_unknown_venue_is_refused(venues_env):
    with pytest.raises(InputError, match="choose from binance, bybit, okx"):
        lq.load_market("BTCUSDT", "2025-11-03", "2025-11-04", "5m", venues=("binance", "ftx"))


def test_three_venues_load_offline_from_the_cache_once_mirrored(venues_env):
    venues = ("binance", "bybit", "okx")
    first = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-03 12:00Z", "5m", venues=venues)
    assert venues_env.total_requests > 0
    venues_env.stop()
    venues_env.reset_counts()
    again = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-03 12:00Z", "5m", venues=venues)
    assert venues_env.total_requests == 0
    grid = again["binance"].index
    for name in venues:
        pd.testing.assert_frame_equal(again[name], first[name])
        assert again[name].index.equals(grid)
        assert again[name].attrs["symbol"] == "BTCUSDT"
    assert again["okx"].attrs["venue_symbol"] == "BTC-USDT-SWAP"


def test_a_1000_token_symbol_is_one_market_in_coins_of_the_token(tmp_path, monkeypatch, fast_http):
    """Binance and Bybit quote 1000PEPEUSDT in lots of 1,000 PEPE, OKX PEPE-USDT-SWAP per PEPE:
    after the one conversion every venue is in PEPE and USD per PEPE (SYNTHETIC values)."""
    from archive_server import ArchiveServer, build_synthetic_archive

    kinds = ("klines", "markPriceKlines", "metrics", "fundingRate")
    arch = build_synthetic_archive(tmp_path / "pepe", "1000PEPEUSDT", days=["2025-11-03"],
                                   kinds=kinds, interval="5m", price0=12.0)  # fmt: skip
    per_token = 0.012
    with ArchiveServer(arch.root) as srv:
        add_bybit_routes(srv, T0, per_token, unit=1000)  # 1000PEPEUSDT: lots of 1,000 PEPE
        add_okx_routes(srv, T0, per_token)  # PEPE-USDT-SWAP: coins of PEPE
        for env in ("BINANCE_ARCHIVE_URL", "BINANCE_REST_URL", "BYBIT_REST_URL", "OKX_REST_URL"):
            monkeypatch.setenv(f"LIQLIB_{env}", srv.url)
        monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("LIQLIB_PROGRESS", "0")
        markets = lq.load_market("PEPEUSDT", "2025-11-03", "2025-11-03 01:00Z", "5m",
                                 venues=("binance", "bybit", "okx"))  # fmt: skip
        asked = {p: q for p, q in srv.log}
    assert asked["/v5/market/kline"]["symbol"] == "1000PEPEUSDT"
    assert asked["/api/v5/market/history-candles"]["instId"] == "PEPE-USDT-SWAP"
    bn, by, ok = markets["binance"], markets["bybit"], markets["okx"]
    # the loopback Bybit (in lots of 1,000) and OKX (per token) serve one price path: equal
    # once converted, and the converted Bybit frame has the unit=1 values
    for col in ("open", "high", "low"):
        np.testing.assert_allclose(by[col], ok[col], rtol=1e-12, err_msg=col)
    k = np.arange(len(by)) * 5  # minutes since 00:00
    np.testing.assert_allclose(by.open, per_token * (1 + k / 100), rtol=1e-12)  # USD per PEPE
    assert np.allclose(by.volume, 2) and np.allclose(by.oi_coin, 10)  # coins of PEPE
    np.testing.assert_allclose(by.oi_usd, by.oi_coin * by.mark_close, rtol=1e-12)
    # Binance: the archive's 1000PEPE prices / 1,000, its sizes x 1,000, its USD unchanged
    raw = arch.frames["klines-5m"].reindex(bn.index)
    np.testing.assert_allclose(bn.close, raw.close / 1000, rtol=1e-12)
    np.testing.assert_allclose(bn.volume, raw.volume * 1000, rtol=1e-12)
    np.testing.assert_allclose(bn.quote_volume, raw.quote_volume, rtol=1e-12)
    assert bn.close.between(0.005, 0.03).all()
    for name, m in markets.items():
        assert m.attrs["base"] == "PEPE" and m.attrs["symbol"] == "1000PEPEUSDT", name
        assert m.attrs["unit"] == "coins of PEPE; USD per PEPE", name
    assert [markets[v].attrs["unit_multiplier"] for v in markets] == [1000, 1000, 1]
    assert ok.attrs["venue_symbol"] == "PEPE-USDT-SWAP"
    # the cache keeps each venue's own instrument and unit
    cached = lq.list_cache(tmp_path / "cache")
    assert set(zip(cached.venue, cached.symbol, strict=True)) == {
        ("binance", "1000PEPEUSDT"), ("bybit", "1000PEPEUSDT"), ("okx", "PEPE-USDT-SWAP")}  # fmt: skip
    hm = lq.estimate_heatmap(markets, "oi-flow", n_bins=40, max_columns=12)
    assert 0.001 < float(hm.price_edges[0]) < float(hm.price_edges[-1]) < 1.0  # USD per PEPE


def test_symbols_that_are_not_one_market_are_refused(venues_env):
    with pytest.raises(InputError, match="not one market"):
        lq.load_market("BTCUSDT", "2025-11-03", "2025-11-04", "5m",
                       venues={"binance": "BTCUSDT", "okx": "ETH-USDT-SWAP"})  # fmt: skip
    with pytest.raises(InputError, match="not a USDT or USDC perpetual"):
        lq.load_market("BTC", "2025-11-03", "2025-11-04", "5m", venues=("binance", "okx"))
