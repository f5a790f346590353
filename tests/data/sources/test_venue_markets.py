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
