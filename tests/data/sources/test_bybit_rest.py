"""Bybit REST against a loopback server speaking its JSON (synthetic values, real HTTP)."""

from __future__ import annotations

import pandas as pd
import pytest
from archive_server import ArchiveServer
from venue_rest import add_bybit_routes

from liqlib.data.sources import bybit
from liqlib.errors import CorruptDataError, InputError

T0 = 1_775_174_400_000  # 2026-04-03 00:00 UTC
MIN = 60_000


@pytest.fixture
def server(tmp_path, monkeypatch, fast_http):
    with ArchiveServer(tmp_path) as srv:
        add_bybit_routes(srv, T0)
        monkeypatch.setenv("LIQLIB_BYBIT_REST_URL", srv.url)
        yield srv


def test_klines_page_back_over_a_day(server):
    df = bybit.fetch_klines("BTCUSDT", "2026-04-03", "2026-04-04", "1m")
    assert len(df) == 1440 and df.index.is_unique and df.index.is_monotonic_increasing
    assert df.index[0] == pd.Timestamp("2026-04-03", tz="UTC")
    assert df.index[-1] == pd.Timestamp("2026-04-03 23:59", tz="UTC")
    assert (df.open.diff().dropna() == 1).all() and df.volume.eq(2).all()
    assert server.requests["/v5/market/kline"] == 2  # 1000 rows, then 440 reaching the start
    mark = bybit.fetch_klines("BTCUSDT", "2026-04-03 00:00Z", "2026-04-03 01:00Z", "5m", mark=True)
    assert list(mark.columns) == ["mark_open", "mark_high", "mark_low", "mark_close"]
    assert len(mark) == 12


def test_open_interest_uses_one_side_and_funding_pages(server):
    oi = bybit.fetch_open_interest("BTCUSDT", "2026-04-03", "2026-04-04", "5m")
    assert len(oi) == 288 and oi.oi_coin.eq(10).all()
    assert oi.attrs["oi_field"] == "singleOpenInterest"
    fund = bybit.fetch_funding("BTCUSDT", "2026-04-03", "2026-04-06")
    assert len(fund) == 9 and fund.funding_rate.eq(0.0001).all()


def test_risk_limits_and_liquidation_price(server):
    tiers = bybit.fetch_risk_limits("BTCUSDT")
    assert tiers.notional_floor.tolist() == [0.0, 2_000_000.0]
    assert tiers.mm_deduction.tolist() == [0.0, 10_000.0]
    # Bybit's own example: 1 BTC at 20,000, 50x, MMR 0.5 % -> 19,700
    assert bybit.liquidation_price(20_000, 50, "long", 1.0, tiers) == pytest.approx(19_700)
    assert bybit.liquidation_price(20_000, 50, "short", 1.0, tiers) == pytest.approx(20_300)
    # 150 BTC at 20,000 = 3 M USD: second tier, MM = 30,000 - 10,000
    lp = bybit.liquidation_price(20_000, 20, "long", 150.0, tiers)
    assert lp == pytest.approx(20_000 - (150_000 - 20_000) / 150)
    with pytest.raises(InputError, match="exceeds the tier's maximum"):
        bybit.liquidation_price(20_000, 100, "long", 150.0, tiers)


def test_venue_error_is_one_line(server):
    server.routes["/v5/market/kline"] = lambda q: (200, {"retCode": 10001, "retMsg": "bad symbol"})
    with pytest.raises(CorruptDataError, match="bad symbol"):
        bybit.fetch_klines("NOPEUSDT", "2026-04-03", "2026-04-04", "1h")
    with pytest.raises(InputError, match="interval"):
        bybit.fetch_klines("BTCUSDT", "2026-04-03", "2026-04-04", "7m")


def test_market_frame_lines_up_with_load_market_columns(server):
    from liqlib.data import columns as C

    m = bybit.fetch_market("BTCUSDT", "2026-04-03", "2026-04-04", "5m")
    assert list(m.columns) == list(C.MARKET_COLUMNS) and len(m) == 288
    assert m.index[0] == pd.Timestamp("2026-04-03", tz="UTC")
    assert m[["close", "mark_close", "oi_coin", "funding_rate"]].notna().all().all()
    assert (m.oi_usd == 10 * m.mark_close).all()  # one side x mark
    assert m.funding_interval_hours.eq(8).all() and m.trades.isna().all()
    assert m.attrs["venue"] == "bybit" and m.attrs["oi_field"] == "singleOpenInterest"
