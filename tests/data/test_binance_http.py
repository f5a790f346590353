"""The archive and REST clients over real HTTP against a loopback server with injected faults."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from archive_server import (
    Fault,
    kline_route,
    rest_window,
    stats_route,
    write_archive_zip,
    write_checksum,
)

import liqlib as lq
from liqlib.data import columns as C
from liqlib.data.http import HttpConfig, download, make_session
from liqlib.data.sources.binance import archive as B
from liqlib.errors import ChecksumError, CorruptDataError, DataNotFoundError, DownloadError

DAY = "2025-11-04"


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text, f"error message spans lines: {text!r}"
    return text


def zip_path(arch, kind="markPriceKlines", period=DAY, interval="5m"):
    return arch.path(kind, period, interval)


def expected(arch, key: str, period: str) -> pd.DataFrame:
    frame = arch.frames[key]
    fmt = "%Y-%m" if len(period) == 7 else "%Y-%m-%d"
    return frame[frame.index.strftime(fmt) == period]


# ------------------------------------------------------------------------------------------
# happy path
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, period, interval, key",
    [
        ("klines", DAY, "1m", "klines-1m"),
        ("klines", DAY, "5m", "klines-5m"),
        ("markPriceKlines", DAY, "5m", "markPriceKlines-5m"),
        ("metrics", DAY, None, "metrics"),
        ("fundingRate", "2025-11", None, "fundingRate"),
        ("aggTrades", DAY, None, "aggTrades"),
    ],
)
def test_every_kind_downloads_verifies_and_parses(
    archive_env, synthetic_archive, kind, period, interval, key
):
    df = B.fetch_archive_file(kind, "btcusdt", period, interval)
    want = expected(synthetic_archive, key, period)
    pd.testing.assert_frame_equal(df, want, check_freq=False)
    path = synthetic_archive.path(kind, period, interval)
    assert archive_env.requests == {path: 1, path + ".CHECKSUM": 1}
    assert df.attrs["url"] == archive_env.url + path
    assert df.attrs["period"] == period and len(df.attrs["sha256"]) == 64


def test_base_url_argument_beats_the_environment(archive_server, synthetic_archive, monkeypatch):
    monkeypatch.setenv(B.ARCHIVE_URL_ENV, "http://127.0.0.1:9")  # nothing listens there
    df = B.fetch_archive_file("metrics", "BTCUSDT", DAY, base_url=archive_server.url)
    assert len(df) == 288


def test_one_session_shared_by_threads(archive_env, synthetic_archive):
    session = make_session()
    days = synthetic_archive.days
    with ThreadPoolExecutor(max_workers=3) as pool:
        frames = list(
            pool.map(
                lambda d: B.fetch_archive_file("klines", "BTCUSDT", d, "1m", session=session),
                days,
            )
        )
    assert [len(f) for f in frames] == [1440] * 3
    assert archive_env.total_requests == 6


# ------------------------------------------------------------------------------------------
# transient faults are retried (request counts prove it)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, tries",
    [
        (Fault("truncate", times=2), 3),
        (Fault("reset", times=1), 2),
        (Fault("reset", times=1, partial=0), 2),  # reset before any response byte
        (Fault("500", times=2), 3),
        (Fault("503", times=1), 2),
        (Fault("timeout", times=1, delay=1.5), 2),
        (Fault("stall", times=1, delay=1.0), 2),  # read timeout in the middle of the body
    ],
    ids=lambda v: v.kind if isinstance(v, Fault) else str(v),
)
def test_transient_faults_are_retried(archive_env, synthetic_archive, monkeypatch, fault, tries):
    monkeypatch.setenv("LIQLIB_HTTP_TIMEOUT", "0.5")
    path = zip_path(synthetic_archive)
    archive_env.faults[path] = fault
    df = B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    assert len(df) == 288
    assert archive_env.requests[path] == tries
    assert archive_env.requests[path + ".CHECKSUM"] == 1


def test_429_retry_after_is_honoured(archive_env, synthetic_archive):
    path = zip_path(synthetic_archive)
    archive_env.faults[path] = Fault("429", times=1, retry_after=1)
    started = time.monotonic()
    B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    assert time.monotonic() - started >= 1.0
    assert archive_env.requests[path] == 2


@pytest.mark.parametrize(
    "fault, words",
    [
        (Fault("500", times=None), "HTTP 500"),
        (Fault("truncate", times=None), "body cut short"),
        (Fault("timeout", times=None, delay=1.0), "timeout"),
    ],
    ids=["500", "truncate", "timeout"],
)
def test_exhausted_retries_raise_download_error(
    archive_env, synthetic_archive, monkeypatch, fault, words
):
    monkeypatch.setenv("LIQLIB_HTTP_TIMEOUT", "0.3")
    path = zip_path(synthetic_archive)
    archive_env.faults[path] = fault
    with pytest.raises(DownloadError) as exc:
        B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    msg = one_line(exc)
    assert path in msg and words in msg and "3 tries" in msg and "LIQLIB_HTTP_RETRIES" in msg
    assert archive_env.requests[path] == 3  # LIQLIB_HTTP_RETRIES=2: three tries in all


def test_client_errors_are_not_retried(archive_env):
    archive_env.routes["/forbidden"] = lambda q: (451, {"code": 0, "msg": "restricted location"})
    with pytest.raises(DownloadError) as exc:
        download(archive_env.url + "/forbidden")
    msg = one_line(exc)
    assert "HTTP 451" in msg and "restricted location" in msg and "mirror" in msg
    assert archive_env.requests["/forbidden"] == 1


def test_http_settings_are_read_from_the_environment_at_call_time(monkeypatch):
    monkeypatch.setenv("LIQLIB_HTTP_TIMEOUT", "2.5")
    monkeypatch.setenv("LIQLIB_HTTP_RETRIES", "7")
    monkeypatch.setenv("LIQLIB_HTTP_BACKOFF", "0.1")
    assert HttpConfig.from_env() == HttpConfig(2.5, 7, 0.1)
    assert make_session().get_adapter("https://x").max_retries.total == 7
    monkeypatch.setenv("LIQLIB_HTTP_RETRIES", "many")
    with pytest.raises(ValueError, match="LIQLIB_HTTP_RETRIES='many' is not an integer"):
        HttpConfig.from_env()


# ------------------------------------------------------------------------------------------
# missing, damaged and unverifiable files
# ------------------------------------------------------------------------------------------


def test_404_raises_data_not_found_naming_the_day(archive_env):
    with pytest.raises(DataNotFoundError) as exc:
        B.fetch_archive_file("markPriceKlines", "BTCUSDT", "2025-11-06", "5m")
    msg = one_line(exc)
    assert "2025-11-06" in msg and "HTTP 404" in msg
    assert exc.value.missing == ["2025-11-06"]
    assert archive_env.total_requests == 1  # no retry of a 404


def test_404_of_a_month(archive_env):
    with pytest.raises(DataNotFoundError) as exc:
        B.fetch_archive_file("fundingRate", "BTCUSDT", "2025-12")
    assert exc.value.missing == ["2025-12"] and "2025-12" in one_line(exc)


def test_bad_checksum_once_is_fixed_by_one_fresh_download(archive_env, synthetic_archive):
    path = zip_path(synthetic_archive)
    archive_env.faults[path] = Fault("bad_checksum", times=1)
    df = B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    assert len(df) == 288
    assert archive_env.requests[path] == 2


def test_bad_checksum_twice_raises_checksum_error(archive_env, synthetic_archive):
    path = zip_path(synthetic_archive)
    archive_env.faults[path] = Fault("bad_checksum", times=None)
    with pytest.raises(ChecksumError) as exc:
        B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    msg = one_line(exc)
    assert "BTCUSDT-5m-2025-11-04.zip" in msg and "does not match" in msg
    assert archive_env.requests[path] == 2


def test_missing_checksum_file_raises_unless_verify_is_off(archive_env, synthetic_archive):
    path = zip_path(synthetic_archive)
    (synthetic_archive.root / (path.lstrip("/") + ".CHECKSUM")).unlink()
    with pytest.raises(ChecksumError, match="CHECKSUM is not on the server.*verify=False"):
        B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    df = B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m", verify=False)
    assert len(df) == 288


def test_corrupt_zip_with_a_matching_checksum_raises_corrupt_data(archive_env, synthetic_archive):
    file = synthetic_archive.root / zip_path(synthetic_archive).lstrip("/")
    file.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    write_checksum(file)
    with pytest.raises(CorruptDataError) as exc:
        B.fetch_archive_file("markPriceKlines", "BTCUSDT", DAY, "5m")
    assert "is not a readable zip" in one_line(exc)


def test_bad_csv_inside_a_good_zip_names_the_file_and_line(archive_env, synthetic_archive):
    path = synthetic_archive.path("metrics", DAY)
    text = "create_time,symbol,sum_open_interest\n2025-11-04 00:00:00,BTCUSDT,abc\n"
    write_archive_zip(synthetic_archive.root, path, text)
    with pytest.raises(CorruptDataError, match="BTCUSDT-metrics-2025-11-04.csv header lacks"):
        B.fetch_archive_file("metrics", "BTCUSDT", DAY)


# ------------------------------------------------------------------------------------------
# REST endpoints (served as JSON routes with Binance's paging semantics)
# ------------------------------------------------------------------------------------------


def test_rest_klines_page_through_therest_window(archive_env, synthetic_archive):
    frame = synthetic_archive.frames["klines-1m"]
    archive_env.routes["/fapi/v1/klines"] = kline_route(frame, 60_000)
    start, end = (
        pd.Timestamp("2025-11-03 12:00", tz="UTC"),
        pd.Timestamp("2025-11-05 01:00", tz="UTC"),
    )
    df = B.fetch_rest_klines("BTCUSDT", start, end, "1m")
    want = frame.loc[start : end - pd.Timedelta(1, "ns")]
    pd.testing.assert_frame_equal(df, want, check_freq=False)
    assert archive_env.requests["/fapi/v1/klines"] == 2  # 2220 bars, 1500 per page
    first = archive_env.log[0][1]
    assert first["symbol"] == "BTCUSDT" and first["interval"] == "1m"
    assert int(first["startTime"]) == start.value // 10**6


def test_rest_mark_price_klines(archive_env, synthetic_archive):
    frame = synthetic_archive.frames["markPriceKlines-5m"]
    archive_env.routes["/fapi/v1/markPriceKlines"] = kline_route(frame, 300_000)
    df = B.fetch_rest_klines("BTCUSDT", "2025-11-04", "2025-11-05", "5m", price="mark")
    pd.testing.assert_frame_equal(
        df, expected(synthetic_archive, "markPriceKlines-5m", DAY), check_freq=False
    )


def test_rest_metrics_from_the_five_statistics_endpoints(archive_env, synthetic_archive):
    metrics = synthetic_archive.frames["metrics"]
    routes = {
        "/futures/data/openInterestHist": None,
        "/futures/data/topLongShortAccountRatio": (C.TOPTRADER_LS_ACCOUNT, "longShortRatio"),
        "/futures/data/topLongShortPositionRatio": (C.TOPTRADER_LS_POSITION, "longShortRatio"),
        "/futures/data/globalLongShortAccountRatio": (C.LS_ACCOUNT, "longShortRatio"),
        "/futures/data/takerlongshortRatio": (C.TAKER_LS_VOLUME, "buySellRatio"),
    }
    for path, spec in routes.items():
        if spec:
            archive_env.routes[path] = stats_route(metrics[spec[0]], spec[1])

    def oi_route(query):
        part = rest_window(metrics, query, 500)
        ms = part.index.as_unit("ns").asi8 // 10**6
        return 200, [
            {"symbol": "BTCUSDT", "sumOpenInterest": str(a), "sumOpenInterestValue": str(b),
             "timestamp": int(t)}
            for t, a, b in zip(ms, part[C.OI_COIN], part[C.OI_USD], strict=True)
        ]  # fmt: skip

    archive_env.routes["/futures/data/openInterestHist"] = oi_route
    df = B.fetch_rest_metrics("BTCUSDT", "2025-11-04", "2025-11-05")
    pd.testing.assert_frame_equal(df, expected(synthetic_archive, "metrics", DAY), check_freq=False)
    assert all(archive_env.requests[p] == 1 for p in routes)  # 288 rows < 500 per page
    oi = B.fetch_rest_open_interest("BTCUSDT", "2025-11-03", "2025-11-06")
    assert len(oi) == 3 * 288 and archive_env.requests["/futures/data/openInterestHist"] == 3


def test_rest_funding_rows_without_their_fields_are_a_clear_error(archive_env):
    archive_env.routes["/fapi/v1/fundingRate"] = lambda q: (200, [{"symbol": "BTCUSDT"}])
    with pytest.raises(CorruptDataError, match="rows lack fundingTime, fundingRate; the API"):
        B.fetch_rest_funding_rate("BTCUSDT", "2025-11-01", "2025-11-05")


def test_rest_funding_rate_rounds_times_and_infers_the_interval(archive_env, synthetic_archive):
    funding = synthetic_archive.frames["fundingRate"]
    rng = np.random.default_rng(1)

    def route(query):
        part = rest_window(funding, query, 1000)
        ms = part.index.as_unit("ns").asi8 // 10**6 + rng.integers(0, 8, len(part))
        return 200, [
            {
                "symbol": "BTCUSDT",
                "fundingTime": int(t),
                "fundingRate": f"{r:.8f}",
                "markPrice": "1",
            }
            for t, r in zip(ms, part[C.FUNDING_RATE], strict=True)
        ]

    archive_env.routes["/fapi/v1/fundingRate"] = route
    df = B.fetch_rest_funding_rate("BTCUSDT", "2025-11-01", "2025-11-05")
    want = funding.loc["2025-11-01":"2025-11-04"]
    pd.testing.assert_frame_equal(df, want, check_freq=False)
    assert df.attrs["interval_assumed"] is False


def test_fetch_symbols_from_exchange_info(archive_env):
    archive_env.routes["/fapi/v1/exchangeInfo"] = lambda q: (
        200,
        {
            "symbols": [
                {"symbol": "ETHUSDT", "contractType": "PERPETUAL", "onboardDate": 1569398400000}
            ]
        },
    )
    frame = B.fetch_symbols()
    assert list(frame.index) == ["ETHUSDT"]


def test_rest_error_body_is_reported(archive_env):
    archive_env.routes["/fapi/v1/klines"] = lambda q: (
        400,
        {"code": -1121, "msg": "Invalid symbol."},
    )
    with pytest.raises(DownloadError, match="HTTP 400.*Invalid symbol"):
        B.fetch_rest_klines("BTCUSDX", "2025-11-04", "2025-11-05")


def test_a_symbol_the_archive_lacks_is_a_data_not_found_error_from_the_archive(
    archive_env, tmp_path
):
    """No whitelist: a well-formed symbol is asked for, and the archive's 404 answers."""
    with pytest.raises(lq.DataNotFoundError, match="NOSUCHUSDT data missing on the server") as exc:
        lq.load_market("NOSUCHUSDT", "2025-11-04", "2025-11-05", interval="5m", cache_dir=tmp_path)
    assert "\n" not in str(exc.value)
