"""OKX REST against a loopback server speaking its JSON (synthetic values, real HTTP)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from archive_server import ArchiveServer
from venue_rest import add_okx_routes

from liqlib.data.sources import okx
from liqlib.errors import CorruptDataError, InputError

T0 = 1_775_174_400_000  # 2026-04-03 00:00 UTC
MIN = 60_000
BAR_MS = {"1m": MIN, "5m": 5 * MIN, "1H": 60 * MIN}


@pytest.fixture
def server(tmp_path, monkeypatch, fast_http):
    with ArchiveServer(tmp_path) as srv:
        add_okx_routes(srv, T0)
        monkeypatch.setenv("LIQLIB_OKX_REST_URL", srv.url)
        yield srv


def test_candles_page_back_and_use_coins(server):
    df = okx.fetch_klines("BTCUSDT", "2026-04-03 00:00Z", "2026-04-03 04:10Z", "1m")
    assert len(df) == 250 and df.index.is_unique and df.index.is_monotonic_increasing
    assert df.index[0] == pd.Timestamp("2026-04-03", tz="UTC")
    assert (df.open.diff().dropna() == 1).all()
    assert df.volume.eq(10).all()  # volCcy coins, not the 1,000 contracts
    assert (df.quote_volume == 10 * df.close).all()
    assert server.log[0][1]["instId"] == "BTC-USDT-SWAP"
    mark = okx.fetch_klines("BTCUSDT", "2026-04-03", "2026-04-03 02:00Z", "1h", mark=True)
    assert len(mark) == 2 and list(mark.columns)[0] == "mark_open"


def test_open_interest_and_funding(server):
    oi = okx.fetch_open_interest("BTCUSDT", "2026-04-03", "2026-04-04", "5m")
    assert len(oi) == 288 and oi.oi_coin.eq(3000).all()
    assert (oi.oi_usd == 3000 * (100 + np.arange(288) * 5)).all()  # oiUsd: coins x the price
    fund = okx.fetch_funding("BTCUSDT", "2026-04-03", "2026-04-10")
    assert len(fund) == 21 and fund.funding_rate.eq(0.0001).all()  # the settled rate


def test_tiers_in_coins_and_liquidation_price(server):
    tiers = okx.fetch_position_tiers("BTCUSDT")
    assert tiers.qty_cap.tolist() == pytest.approx([100.0, 200.0])  # contracts x 0.01 BTC
    assert tiers.attrs["ct_val"] == 0.01
    lp = okx.liquidation_price(50_000, 10, "long", 1.0, tiers, fee=0.0005)
    assert lp == pytest.approx(50_000 * 0.9 / (1 - 0.004 - 0.0005))
    # at that price the margin ratio is exactly 100 %: equity = MM + fee
    q = 1.0
    equity = q * 50_000 / 10 + q * (lp - 50_000)
    assert equity == pytest.approx(q * lp * (0.004 + 0.0005))
    short = okx.liquidation_price(50_000, 10, "short", 150.0, tiers)
    equity = 150 * 50_000 / 10 + 150 * (50_000 - short)
    assert equity == pytest.approx(150 * short * (0.005 + 0.0005))
    with pytest.raises(InputError, match="exceeds this tier"):
        okx.liquidation_price(50_000, 100, "long", 150.0, tiers)


def test_units_and_errors(server):
    assert okx.contracts_to_coins(10_000, 0.01) == pytest.approx(100.0)
    with pytest.raises(InputError):
        okx.contracts_to_coins(1, 0)
    with pytest.raises(InputError, match="USDT perpetual"):
        okx.inst_id("BTCUSD")
    server.routes["/api/v5/market/history-candles"] = lambda q: (
        200, {"code": "51001", "msg": "Instrument ID does not exist", "data": []})  # fmt: skip
    with pytest.raises(CorruptDataError, match="does not exist"):
        okx.fetch_klines("NOPEUSDT", "2026-04-03", "2026-04-04", "1h")


def test_market_frame_lines_up_with_load_market_columns(server):
    from liqlib.data import columns as C

    m = okx.fetch_market("BTCUSDT", "2026-04-03", "2026-04-03 06:00Z", "5m")
    assert list(m.columns) == list(C.MARKET_COLUMNS) and len(m) == 72
    assert m[["close", "mark_close", "oi_coin", "oi_usd", "funding_rate"]].notna().all().all()
    assert m.volume.eq(10).all() and m.oi_coin.eq(3000).all()
    assert m.attrs["venue"] == "okx"
