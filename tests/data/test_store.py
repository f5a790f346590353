"""load_market and the Parquet cache, over real HTTP against a loopback synthetic archive."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from archive_server import Fault, build_synthetic_archive, kline_route, serve_archive

import liqlib as lq
from liqlib.data import columns as C
from liqlib.data.store import align_market, load_kind

DAYS = ["2025-11-03", "2025-11-04", "2025-11-05"]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(path))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    return path


def _cached_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file())


def test_load_market_aligns_every_kind_on_one_utc_grid(archive_env, synthetic_archive, cache):
    df = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-06", interval="1m")
    assert list(df.columns) == list(C.MARKET_COLUMNS)
    assert str(df.index.tz) == "UTC" and df.index.name == C.TIME
    assert len(df) == 3 * 1440 and (np.diff(df.index) == pd.Timedelta("1min")).all()
    klines = synthetic_archive.frames["klines-1m"]
    pd.testing.assert_frame_equal(
        df[list(C.KLINE_COLUMNS)], klines[list(C.KLINE_COLUMNS)], check_freq=False,
        check_dtype=False, check_names=False,
    )  # fmt: skip
    mark = synthetic_archive.frames["markPriceKlines-1m"]
    np.testing.assert_allclose(df[C.MARK_LOW], mark[C.LOW])
    # open interest: the latest 5-minute snapshot at or before each bar, never older
    metrics = synthetic_archive.frames["metrics"]
    bar = pd.Timestamp("2025-11-04 10:07", tz="UTC")
    snap = metrics.loc[:bar].iloc[-1]
    assert df.loc[bar, C.OI_USD] == pytest.approx(snap[C.OI_USD])
    # funding: the latest settled rate
    funding = synthetic_archive.frames["fundingRate"]
    assert df.loc[bar, C.FUNDING_RATE] == pytest.approx(funding.loc[:bar, C.FUNDING_RATE].iloc[-1])
    assert df.attrs["gaps"] == {} and df.attrs["symbol"] == "BTCUSDT"
    assert df.attrs["archive_url"] == archive_env.url
    assert df.attrs["missing_rows"]["klines"] == 0


def test_second_request_for_the_same_window_does_no_network_io(archive_env, cache):
    first = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-05", interval="5m")
    assert archive_env.total_requests > 0
    archive_env.reset_counts()
    second = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-05", interval="5m")
    assert archive_env.total_requests == 0
    pd.testing.assert_frame_equal(first, second)
    # a sub-window is served from the same daily files
    lq.load_market("BTCUSDT", "2025-11-04T06:00Z", "2025-11-04T09:00Z", interval="5m")
    assert archive_env.total_requests == 0


def test_cache_layout_is_exchange_symbol_kind_period(archive_env, cache):
    lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", interval="5m")
    rel = {p.relative_to(cache).as_posix() for p in _cached_files(cache)}
    assert {
        "binance/BTCUSDT/klines-5m/2025-11-04.parquet",
        "binance/BTCUSDT/markPriceKlines-5m/2025-11-04.parquet",
        "binance/BTCUSDT/metrics/2025-11-04.parquet",
        "binance/BTCUSDT/fundingRate/2025-11.parquet",
    } == rel


def test_missing_day_names_the_day_and_allow_gaps_loads_the_rest(
    archive_env, synthetic_archive, cache
):
    archive_env.faults[synthetic_archive.path("klines", "2025-11-04", "1m")] = Fault("404", None)
    with pytest.raises(lq.DataNotFoundError, match=r"klines: 2025-11-04 .*allow_gaps=True") as e:
        lq.load_market("BTCUSDT", "2025-11-03", "2025-11-06", interval="1m")
    assert e.value.missing == ["2025-11-04"]
    assert "\n" not in str(e.value)
    df = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-06", interval="1m", allow_gaps=True)
    assert df.attrs["gaps"] == {"klines": ["2025-11-04"]}
    assert df.attrs["missing_rows"]["klines"] == 1440
    assert df.loc["2025-11-04", C.CLOSE].isna().all()
    assert df.loc["2025-11-05", C.CLOSE].notna().all()
    assert df.loc["2025-11-04", C.MARK_CLOSE].notna().all()  # other kinds are unaffected


def test_a_permanent_404_is_remembered_so_the_next_load_stays_offline(
    archive_env, synthetic_archive, cache
):
    archive_env.faults[synthetic_archive.path("metrics", "2025-11-04")] = Fault("404", None)
    kw = {"interval": "5m", "allow_gaps": True}
    lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", **kw)
    archive_env.reset_counts()
    again = lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", **kw)
    assert archive_env.total_requests == 0
    assert again.attrs["gaps"] == {"metrics": ["2025-11-04"]}
    lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", refresh=True, **kw)
    assert archive_env.total_requests > 0


def test_transient_faults_are_retried_and_leave_no_temporary_files(
    archive_env, synthetic_archive, cache
):
    path = synthetic_archive.path("klines", "2025-11-04", "5m")
    archive_env.faults[path] = Fault("truncate", times=2)
    df = lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", interval="5m")
    assert archive_env.requests[path] == 3 and df[C.CLOSE].notna().all()
    assert not [p for p in _cached_files(cache) if p.suffix != ".parquet"]


def test_bad_checksum_raises_and_caches_nothing_for_that_day_but_keeps_the_others(
    archive_env, synthetic_archive, cache
):
    bad = synthetic_archive.path("klines", "2025-11-04", "5m")
    archive_env.faults[bad] = Fault("bad_checksum", None)
    with pytest.raises(lq.ChecksumError):
        lq.load_market("BTCUSDT", "2025-11-03", "2025-11-06", interval="5m")
    files = {p.relative_to(cache).as_posix() for p in _cached_files(cache)}
    assert "binance/BTCUSDT/klines-5m/2025-11-04.parquet" not in files
    assert "binance/BTCUSDT/klines-5m/2025-11-03.parquet" in files  # nothing lost
    assert all(name.endswith(".parquet") for name in files), files  # no partial file


def test_exhausted_retries_raise_download_error_and_write_nothing(
    archive_env, synthetic_archive, cache
):
    path = synthetic_archive.path("markPriceKlines", "2025-11-04", "5m")
    archive_env.faults[path] = Fault("500", None)
    with pytest.raises(lq.DownloadError):
        lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", interval="5m")
    assert not (cache / "binance/BTCUSDT/markPriceKlines-5m/2025-11-04.parquet").exists()
    assert not [p for p in _cached_files(cache) if p.suffix != ".parquet"]


def test_unwritable_cache_directory_is_a_clear_error(archive_env, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(lq.CacheError, match=r"not writable.*LIQLIB_CACHE_DIR"):
        lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", cache_dir=blocker / "cache")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"symbol": "BTCUSDX"}, r"unknown symbol 'BTCUSDX'.*did you mean 'BTCUSDT'"),
        ({"start": "2025-11-05", "end": "2025-11-04"}, r"not before end"),
        ({"end": "2099-01-01"}, r"in the future"),
        ({"start": "2019-01-01"}, r"before BTCUSDT was listed.*2019-09-08"),
        ({"start": dt.datetime(2025, 11, 4, 12)}, r"timezone-naive"),
        ({"start": "2025-11-04 12:61"}, r"not a date or time"),
        ({"interval": "7m"}, r"interval='7m'"),
        ({"include": ["orderbook"]}, r"include="),
        ({"source": "okx"}, r"source='okx'"),
    ],
)
def test_bad_input_is_a_one_line_error_naming_problem_and_fix(cache, kwargs, pattern):
    args = {"symbol": "BTCUSDT", "start": "2025-11-04", "end": "2025-11-05"} | kwargs
    with pytest.raises(lq.InputError, match=pattern) as err:
        lq.load_market(**args)
    assert "\n" not in str(err.value)


def test_align_market_marks_missing_kinds_as_nan_not_zero():
    grid = pd.date_range("2025-11-04", periods=3, freq="5min", tz="UTC", name=C.TIME)
    frame = align_market({"klines": None, "metrics": None}, grid)
    assert frame[list(C.KLINE_COLUMNS + C.METRICS_COLUMNS)].isna().all().all()


def test_load_kind_reads_many_days_in_order(archive_env, cache):
    frame, missing = load_kind("BTCUSDT", "metrics", DAYS)
    assert missing == [] and frame.index.is_monotonic_increasing and frame.index.is_unique
    assert frame.index[0] == pd.Timestamp("2025-11-03", tz="UTC")


def test_microsecond_and_headerless_archives_load_the_same(tmp_path, monkeypatch, fast_http):
    frames = []
    for unit, header in (("ms", True), ("us", False)):
        arch = build_synthetic_archive(
            tmp_path / unit, days=["2025-11-04"], kinds=("klines",), interval="5m",
            time_unit=unit, header=header,
        )  # fmt: skip
        with serve_archive(arch.root) as server:
            monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", server.url)
            frames.append(
                lq.load_market(
                    "BTCUSDT", "2025-11-04", "2025-11-05", interval="5m", include=["klines"],
                    cache_dir=tmp_path / f"cache-{unit}", progress=False,
                )
            )  # fmt: skip
    pd.testing.assert_frame_equal(frames[0], frames[1])


# --- real data held offline ------------------------------------------------------------


@pytest.mark.realdata
def test_real_mirror_mark_price_and_funding_through_load_market(shared_data, tmp_path, fast_http):
    mirror = shared_data / "mirror"
    kw = {
        "interval": "5m", "include": ["markPriceKlines", "fundingRate"],
        "cache_dir": tmp_path / "cache", "progress": False,
    }  # fmt: skip
    with serve_archive(mirror) as server:
        os.environ["LIQLIB_BINANCE_ARCHIVE_URL"] = server.url
        try:
            with pytest.raises(lq.DataNotFoundError, match="2025-10-04") as err:
                lq.load_market("BTCUSDT", "2025-10-01", "2025-12-31", **kw)
            assert err.value.missing == ["2025-10-04"]
            df = lq.load_market("BTCUSDT", "2025-10-01", "2025-12-31", allow_gaps=True, **kw)
        finally:
            del os.environ["LIQLIB_BINANCE_ARCHIVE_URL"]
    assert df.attrs["gaps"] == {"markPriceKlines": ["2025-10-04"]}
    assert df.attrs["missing_rows"]["markPriceKlines"] == 288
    assert df.loc["2025-10-04", C.MARK_CLOSE].isna().all()
    assert df[C.FUNDING_RATE].notna().all()
    # the 2025-11-04 low, compared with an independent read of that day's zip
    day = df.loc["2025-11-04", C.MARK_LOW]
    raw = pd.read_csv(
        mirror / "data/futures/um/daily/markPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2025-11-04.zip"
    )
    assert day.min() == raw["low"].min()
    assert day.idxmin() == pd.Timestamp(int(raw.loc[raw["low"].idxmin(), "open_time"]), unit="ms",
                                        tz="UTC")  # fmt: skip


def test_a_404_remembered_from_one_server_does_not_hide_data_on_another(
    archive_env, synthetic_archive, cache, monkeypatch
):
    """A mirror's holes are not the real archive's: markers count only for their server."""
    archive_env.faults[synthetic_archive.path("metrics", "2025-11-04")] = Fault("404", None)
    kw = {"interval": "5m", "include": ["metrics"], "allow_gaps": True}
    assert lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", **kw).attrs["gaps"]
    with serve_archive(synthetic_archive.root) as other:
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", other.url)
        df = lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", **kw)
    assert df.attrs["gaps"] == {} and df[C.OI_USD].notna().all()


def test_recent_days_the_archive_has_not_published_come_from_rest_uncached(
    tmp_path, monkeypatch, fast_http
):
    today = pd.Timestamp.now(tz="UTC").normalize()
    days = [(today - pd.Timedelta(days=k)).strftime("%Y-%m-%d") for k in (2, 1)]
    arch = build_synthetic_archive(tmp_path / "a", days=days, kinds=("klines",), interval="5m")
    published, unpublished = days
    (arch.root / arch.path("klines", unpublished, "5m").lstrip("/")).unlink()
    kw = {"interval": "5m", "include": ["klines"], "cache_dir": tmp_path / "c", "progress": False}
    with serve_archive(arch.root) as server:
        server.routes["/fapi/v1/klines"] = kline_route(arch.frames["klines-5m"], 300_000)
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", server.url)
        monkeypatch.setenv("LIQLIB_BINANCE_REST_URL", server.url)
        df = lq.load_market("BTCUSDT", published, today, **kw)
        assert server.requests["/fapi/v1/klines"] >= 1
        without = lq.load_market("BTCUSDT", published, today, rest_fallback=False,
                                 allow_gaps=True, **kw)  # fmt: skip
    pd.testing.assert_frame_equal(
        df[list(C.KLINE_COLUMNS)], arch.frames["klines-5m"], check_freq=False, check_names=False
    )
    assert df.attrs["from_rest"] == {"klines": [unpublished]} and df.attrs["gaps"] == {}
    assert without.attrs["gaps"] == {"klines": [unpublished]}
    cached = {p.name for p in (tmp_path / "c").rglob("*") if p.is_file()}
    assert cached == {f"{published}.parquet"}  # REST rows are never cached


def test_clear_cache_removes_one_symbols_files_and_forces_a_new_download(archive_env, cache):
    lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", interval="5m")
    assert lq.clear_cache("BTCUSDT", cache_dir=cache) == 4
    assert _cached_files(cache) == []
    archive_env.reset_counts()
    lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", interval="5m")
    assert archive_env.total_requests > 0


def test_one_rule_for_times_everything_is_utc():
    import pandas as pd

    from liqlib.data.time import to_utc

    utc = pd.Timestamp("2025-11-04 12:00", tz="UTC")
    assert to_utc("2025-11-04 12:00", "t") == utc  # a string without a zone is UTC
    assert to_utc("2025-11-04T13:00+01:00", "t") == utc  # a zone is converted
    assert to_utc(dt.date(2025, 11, 4), "t") == utc.normalize()
    with pytest.raises(lq.InputError, match="timezone-naive"):  # a local clock's datetime
        to_utc(dt.datetime(2025, 11, 4, 12), "t")
