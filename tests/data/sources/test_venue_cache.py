"""Bybit and OKX market frames through the contract and the day cache, over real loopback HTTP
speaking each venue's REST JSON (synthetic values): offline second reads, nothing wrong
cached, retries, today's day never cached, Bybit's one-side open interest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from archive_server import ArchiveServer, Fault
from venue_rest import add_bybit_routes, add_okx_routes

import liqlib as lq
from liqlib.data import columns as C
from liqlib.data.instruments import resolve_instrument
from liqlib.data.venue_cache import load_venue_market
from liqlib.errors import CorruptDataError, DownloadError

T0 = 1_775_174_400_000  # 2026-04-03 00:00 UTC
DAY = "2026-04-03"
KLINE = "/v5/market/kline"
OKX_CANDLES = "/api/v5/market/history-candles"


@pytest.fixture
def server(tmp_path, monkeypatch, fast_http):
    with ArchiveServer(tmp_path / "www") as srv:
        add_bybit_routes(srv, T0)
        add_okx_routes(srv, T0)
        monkeypatch.setenv("LIQLIB_BYBIT_REST_URL", srv.url)
        monkeypatch.setenv("LIQLIB_OKX_REST_URL", srv.url)
        monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
        yield srv


def _files(tmp_path, pattern="*.parquet"):
    return sorted(p.relative_to(tmp_path / "cache").as_posix()
                  for p in (tmp_path / "cache").rglob(pattern))  # fmt: skip


@pytest.mark.parametrize("venue", ["bybit", "okx"])
def test_second_call_is_served_from_the_cache_with_the_server_stopped(server, tmp_path, venue):
    inst = resolve_instrument("BTCUSDT", venue)
    first = load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m")
    assert list(first.columns) == list(C.MARKET_COLUMNS) and len(first) == 72
    assert first[["close", "mark_close", "oi_coin", "oi_usd", "funding_rate"]].notna().all().all()
    assert first.attrs["live_days"] == []
    name = inst.name
    # one file per kind for the day; the day before (asked for open interest and funding)
    # had no rows on this server and is remembered as such, not cached as data
    assert _files(tmp_path) == [
        f"{venue}/{name}/candles-5m/{DAY}.parquet", f"{venue}/{name}/funding/{DAY}.parquet",
        f"{venue}/{name}/markCandles-5m/{DAY}.parquet",
        f"{venue}/{name}/openInterest-5m/{DAY}.parquet",
    ]  # fmt: skip
    assert _files(tmp_path, "*.missing") == [
        f"{venue}/{name}/funding/2026-04-02.missing",
        f"{venue}/{name}/openInterest-5m/2026-04-02.missing",
    ]
    assert server.total_requests > 0
    server.stop()
    server.reset_counts()
    again = load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m")
    assert server.total_requests == 0
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs["oi_field"] == first.attrs["oi_field"]
    # another window inside the cached day is offline too
    later = load_venue_market(inst, "2026-04-03 12:00Z", "2026-04-03 13:00Z", "5m")
    assert len(later) == 12 and later.close.notna().all()


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        (Fault("garbage", times=None, body=b'{"retCode": 0, "result": {"li'), CorruptDataError,
         "not JSON"),
        (Fault("truncate", times=None), DownloadError, "tries"),
        (Fault("500", times=None), DownloadError, "500"),
    ],
)  # fmt: skip
def test_a_bad_answer_is_a_clear_error_and_nothing_is_cached(server, tmp_path, fault, error,
                                                             match):  # fmt: skip
    server.faults[KLINE] = fault
    with pytest.raises(error, match=match) as info:
        load_venue_market(resolve_instrument("BTCUSDT", "bybit"), DAY, "2026-04-04", "5m")
    assert "\n" not in str(info.value)
    assert [f for f in _files(tmp_path) if "candles-5m" in f and "mark" not in f] == []
    # the next call, once the server behaves, fetches and caches the day
    server.faults.clear()
    m = load_venue_market(resolve_instrument("BTCUSDT", "bybit"), DAY, "2026-04-04", "5m")
    assert len(m) == 288 and f"bybit/BTCUSDT/candles-5m/{DAY}.parquet" in _files(tmp_path)


def test_values_the_contract_forbids_are_refused_and_not_cached(server, tmp_path):
    good = server.routes[OKX_CANDLES]

    def high_below_low(q):
        status, body = good(q)
        body["data"][3][2] = "1"  # the high of one candle below its low
        return status, body

    server.routes[OKX_CANDLES] = high_below_low
    with pytest.raises(CorruptDataError, match=r"okx BTC-USDT-SWAP candles 2026-04-03: row .*"
                       r"above high 1") as info:  # fmt: skip
        load_venue_market(resolve_instrument("BTCUSDT", "okx"), DAY, "2026-04-03 06:00Z", "5m")
    assert "nothing was cached" in str(info.value)
    assert not any("/candles-" in f for f in _files(tmp_path))


def test_retries_on_5xx_and_429(server, tmp_path):
    server.faults[KLINE] = Fault("503", times=2)
    server.faults["/v5/market/funding/history"] = Fault("429", times=1, retry_after=0)
    m = load_venue_market(resolve_instrument("BTCUSDT", "bybit"), DAY, "2026-04-04", "5m")
    assert len(m) == 288 and m.close.notna().all() and m.funding_rate.notna().all()
    assert server.requests[KLINE] == 1 + 2  # one page (288 bars), after two 503s
    assert server.requests["/v5/market/funding/history"] == 2 + 1  # two days, one 429


def test_a_day_not_over_is_used_but_never_cached(server, tmp_path):
    now = pd.Timestamp("2026-04-03 06:30", tz="UTC")
    inst = resolve_instrument("BTCUSDT", "okx")
    m = load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m", now=now)
    assert len(m) == 72 and m.close.notna().all()
    assert m.attrs["live_days"] == [DAY]
    assert not any(DAY in f for f in _files(tmp_path))
    # an hour after the day ended it is complete and cached
    done = load_venue_market(inst, DAY, "2026-04-04", "5m",
                             now=pd.Timestamp("2026-04-04 01:00", tz="UTC"))  # fmt: skip
    assert done.attrs["live_days"] == [] and f"okx/{inst.name}/candles-5m/{DAY}.parquet" in (
        _files(tmp_path)
    )


def test_bybit_open_interest_counts_one_side(server, tmp_path):
    def both_sides_only(q):  # an answer from before singleOpenInterest existed
        status, body = route(q)
        for row in body["result"]["list"]:
            row.pop("singleOpenInterest")
        return status, body

    route = server.routes["/v5/market/open-interest"]
    server.routes["/v5/market/open-interest"] = both_sides_only
    m = load_venue_market(resolve_instrument("BTCUSDT", "bybit"), DAY, "2026-04-03 06:00Z", "5m")
    assert m.oi_coin.eq(10).all()  # openInterest 20 is both sides: half of it
    assert m.attrs["oi_field"] == "openInterest/2"
    assert (m.oi_usd == m.oi_coin * m.mark_close).all()
    server.stop()
    again = load_venue_market(resolve_instrument("BTCUSDT", "bybit"), DAY, "2026-04-03 06:00Z",
                              "5m")  # fmt: skip
    assert again.attrs["oi_field"] == "openInterest/2"  # kept in the cached file's record


def test_a_cached_file_damaged_on_disk_is_quarantined_and_fetched_again(server, tmp_path):
    inst = resolve_instrument("BTCUSDT", "bybit")
    load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m")
    path = tmp_path / "cache" / "bybit" / "BTCUSDT" / "candles-5m" / f"{DAY}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    report = lq.verify_cache(tmp_path / "cache").set_index("path")
    assert report.loc[f"bybit/BTCUSDT/candles-5m/{DAY}.parquet", "status"] == "corrupt"
    assert report.attrs["problems"] == 1
    server.reset_counts()
    m = load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m")
    assert m.close.notna().all() and server.requests[KLINE] == 1  # only the damaged kind
    assert any(
        p.name.startswith(f"{DAY}.parquet.") for p in (tmp_path / "cache" / "quarantine").rglob("*")
    )
    assert lq.verify_cache(tmp_path / "cache").attrs["problems"] == 0


def test_cache_commands_list_verify_and_clear_the_venue_files(server, tmp_path, capsys):
    from liqlib.report.cli import main

    for venue in ("bybit", "okx"):
        load_venue_market(resolve_instrument("BTCUSDT", venue), DAY, "2026-04-03 06:00Z", "5m")
    table = lq.list_cache(tmp_path / "cache")
    assert set(table.venue) == {"bybit", "okx"} and table.files.sum() == 8
    assert set(table.symbol) == {"BTCUSDT", "BTC-USDT-SWAP"}
    assert main(["cache", "list"]) == 0
    out = capsys.readouterr().out
    assert "8 files" in out and "BTC-USDT-SWAP" in out and "openInterest-5m" in out
    assert main(["cache", "verify"]) == 0
    assert "12 files" in capsys.readouterr().out  # 8 days of data and 4 markers, all ok
    assert main(["cache", "clear", "--symbol", "BTCUSDT", "--venue", "okx"]) == 0
    assert "removed 6 files" in capsys.readouterr().out
    assert set(lq.list_cache(tmp_path / "cache").venue) == {"bybit"}
    assert lq.clear_cache("BTCUSDT", cache_dir=tmp_path / "cache") == 6
    assert lq.list_cache(tmp_path / "cache").empty


def test_days_without_rows_are_gaps_remembered_for_that_server(server, tmp_path, monkeypatch):
    inst = resolve_instrument("BTCUSDT", "okx")
    m = load_venue_market(inst, "2026-04-02", "2026-04-04", "1h")  # nothing before 04-03 00:00
    assert m.attrs["gaps"] == {k: ["2026-04-02"] for k in
                               ("candles", "markCandles", "openInterest", "funding")}  # fmt: skip
    assert m.close.iloc[:24].isna().all() and m.close.iloc[24:].notna().all()
    assert f"okx/{inst.name}/candles-1h/2026-04-02.missing" in _files(tmp_path, "*.missing")
    server.reset_counts()
    load_venue_market(inst, "2026-04-02", "2026-04-04", "1h")
    assert server.total_requests == 0
    # another server (a different mirror) is asked again: a marker only speaks for its own
    with ArchiveServer(tmp_path / "www2") as other:
        add_okx_routes(other, T0)
        monkeypatch.setenv("LIQLIB_OKX_REST_URL", other.url)
        load_venue_market(inst, "2026-04-02", "2026-04-04", "1h")
        assert other.requests[OKX_CANDLES] == 1 and server.total_requests == 0


def test_okx_sizes_must_be_coins_of_one_contract_value(server, tmp_path):
    """OKX gives sizes in contracts and in coins; an answer whose 'coins' are not a fixed
    number of contracts (here USD, which moves with the price) is refused, not cached."""
    good = server.routes[OKX_CANDLES]

    def volccy_in_usd(q):
        status, body = good(q)
        for row in body["data"]:
            row[6] = row[7]  # volCcy replaced by the USD turnover
        return status, body

    server.routes[OKX_CANDLES] = volccy_in_usd
    with pytest.raises(CorruptDataError, match="coins per contract vary"):
        load_venue_market(resolve_instrument("BTCUSDT", "okx"), DAY, "2026-04-04", "5m")
    assert not any("/candles-" in f for f in _files(tmp_path))


def test_refresh_fetches_again_and_replaces_the_days(server, tmp_path):
    inst = resolve_instrument("BTCUSDT", "bybit")
    load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m")
    server.reset_counts()
    m = load_venue_market(inst, DAY, "2026-04-03 06:00Z", "5m", refresh=True)
    assert server.requests[KLINE] == 1 and server.requests["/v5/market/funding/history"] == 2
    assert m.close.notna().all() and lq.verify_cache(tmp_path / "cache").attrs["problems"] == 0


def test_a_venue_that_does_not_list_the_instrument_is_named_with_the_fix(server, tmp_path):
    server.routes[KLINE] = lambda q: (200, {"retCode": 10001, "retMsg": "Not supported symbols"})
    with pytest.raises(CorruptDataError, match=r"bybit 1000FOOUSDT candles 2026-04-03: .*"
                       r"Not supported symbols.*pass venues=\{'bybit': '<its instrument>'\}") as info:  # fmt: skip
        lq.load_market("1000FOOUSDT", DAY, "2026-04-04", "5m", venues=("bybit",))
    assert "\n" not in str(info.value) and _files(tmp_path) == []


def test_a_wrong_unit_across_venues_is_refused(tmp_path, monkeypatch, fast_http):
    """A Bybit instrument quoted in lots of 1,000 tokens under a plain name (so liqlib takes
    it as 1 token) would put Bybit's prices 1,000x OKX's: refused, naming the fix."""
    with ArchiveServer(tmp_path / "www") as srv:
        add_bybit_routes(srv, T0, 0.012, unit=1000)
        add_okx_routes(srv, T0, 0.012)
        monkeypatch.setenv("LIQLIB_BYBIT_REST_URL", srv.url)
        monkeypatch.setenv("LIQLIB_OKX_REST_URL", srv.url)
        monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
        with pytest.raises(CorruptDataError, match=r"bybit: its median close is 1,00\dx okx's.*"
                           r"pass each venue's instrument explicitly, e\.g\. venues=\{'bybit'") as info:  # fmt: skip
            lq.load_market("FOOUSDT", DAY, "2026-04-03 01:00Z", "5m", venues=("okx", "bybit"))
        assert "\n" not in str(info.value)
        # named right, the same servers give one market
        markets = lq.load_market("FOOUSDT", DAY, "2026-04-03 01:00Z", "5m",
                                 venues={"okx": "FOO-USDT-SWAP", "bybit": "1000FOOUSDT"})  # fmt: skip
    np.testing.assert_allclose(markets["bybit"].open, markets["okx"].open, rtol=1e-12)


def test_unit_checks_within_a_frame():
    from liqlib.data.instruments import check_units

    idx = pd.date_range(DAY, periods=4, freq="5min", tz="UTC", name="time")
    m = pd.DataFrame({"close": 2.0, "volume": 3.0, "quote_volume": 6.0, "mark_close": 2.0,
                      "oi_coin": 5.0, "oi_usd": 10.0}, index=idx)  # fmt: skip
    check_units({"binance": m, "okx": m})
    with pytest.raises(CorruptDataError, match=r"okx: oi_usd is 1,000x oi_coin x mark_close"):
        check_units({"binance": m, "okx": m.assign(oi_coin=0.005)})
