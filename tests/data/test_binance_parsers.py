"""Pure parsers of the Binance archive CSVs, on small files the tests write themselves."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqlib.data import columns as C
from liqlib.data.sources.binance import archive as B
from liqlib.data.sources.binance import symbols as binance_symbols
from liqlib.errors import CorruptDataError, InputError, UnknownSymbolError

T0 = 1762214400000  # 2025-11-04 00:00 UTC, ms
MIN = 60_000
HEADER = ",".join(B.KLINE_RAW)


def kline_row(i: int, *, unit: int = 1, low: str = "99.5", open_: str = "100.0") -> str:
    t = (T0 + i * MIN) * unit
    close_t = (T0 + (i + 1) * MIN) * unit - 1
    return f"{t},{open_},101.0,{low},100.5,12.345,{close_t},1234.5,42,6.1,610.2,0"


def klines_csv(n: int = 5, *, header: bool = True, unit: int = 1) -> str:
    rows = [kline_row(i, unit=unit) for i in range(n)]
    return "\n".join(([HEADER] if header else []) + rows) + "\n"


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text, f"error message spans lines: {text!r}"
    return text


# ------------------------------------------------------------------------------------------
# klines
# ------------------------------------------------------------------------------------------


def test_klines_columns_index_and_units():
    df = B.parse_klines(klines_csv(3))
    assert tuple(df.columns) == C.KLINE_COLUMNS
    assert df.index.name == C.TIME
    assert str(df.index.tz) == "UTC"
    assert df.index[0] == pd.Timestamp("2025-11-04 00:00", tz="UTC")
    assert (np.diff(df.index.asi8) == 60 * 10**9).all()
    assert df[C.TRADES].dtype == np.int64
    assert df[C.LOW].iloc[0] == 99.5
    assert df.attrs["bar"] == pd.Timedelta("1min").isoformat()
    assert df.attrs["gaps"] == [] and df.attrs["missing_slots"] == 0


def test_klines_with_and_without_header_are_identical():
    with_header = B.parse_klines(klines_csv(4, header=True))
    without = B.parse_klines(klines_csv(4, header=False))
    pd.testing.assert_frame_equal(with_header, without)


@pytest.mark.parametrize("unit, name", [(1, "ms"), (1000, "us")])
def test_klines_ms_and_us_timestamps_give_the_same_times(unit, name):
    df = B.parse_klines(klines_csv(4, unit=unit))
    pd.testing.assert_frame_equal(df, B.parse_klines(klines_csv(4)))
    assert df.attrs["time_unit"] == name


def test_klines_mixed_units_in_one_file_are_each_read_right():
    text = "\n".join([kline_row(0), kline_row(1, unit=1000), kline_row(2)]) + "\n"
    df = B.parse_klines(text)
    assert df.attrs["time_unit"] == "mixed"
    assert list(df.index) == list(pd.date_range("2025-11-04", periods=3, freq="1min", tz="UTC"))


def test_epoch_units_seconds_to_nanoseconds():
    values = [1762214400, 1762214400000, 1762214400000000, 1762214400000000000]
    index, unit = B.epoch_to_utc(values)
    assert unit == "mixed"
    assert (index == pd.Timestamp("2025-11-04", tz="UTC")).all()
    assert B.epoch_to_utc([1762214400000000])[1] == "us"


def test_sixteen_decimal_values_parse():
    row = kline_row(0).replace("100.0,", "100.1234567890123456,", 1)
    row = row.replace(",12.345,", ",0.0000000000000001,")
    df = B.parse_klines(row)
    assert df[C.OPEN].iloc[0] == pytest.approx(100.1234567890123456, rel=1e-15)
    assert df[C.VOLUME].iloc[0] == pytest.approx(1e-16)


def test_unsorted_rows_are_sorted_and_flagged():
    rows = [kline_row(i) for i in (2, 0, 1, 3)]
    df = B.parse_klines("\n".join([HEADER, *rows]))
    assert df.index.is_monotonic_increasing
    assert df.attrs["unsorted"] is True
    assert B.parse_klines(klines_csv(3)).attrs["unsorted"] is False


def test_duplicated_klines_keep_the_last_row():
    rows = [kline_row(0), kline_row(1), kline_row(1, low="99.0")]
    df = B.parse_klines("\n".join(rows))
    assert len(df) == 2
    assert df[C.LOW].iloc[1] == 99.0
    assert df.attrs["duplicates"] == 1


def test_kline_gaps_are_reported_not_filled():
    rows = [kline_row(i) for i in (0, 1, 4, 5)]
    df = B.parse_klines("\n".join(rows))
    assert len(df) == 4
    assert df.attrs["missing_slots"] == 2
    assert df.attrs["gaps"] == [["2025-11-04T00:02:00+00:00", "2025-11-04T00:03:00+00:00"]]


@pytest.mark.parametrize("bad", ["", "nan", "NaN"])
def test_nan_price_raises_naming_file_and_line(bad):
    rows = [kline_row(0), kline_row(1, low=bad), kline_row(2)]
    with pytest.raises(CorruptDataError) as exc:
        B.parse_klines("\n".join([HEADER, *rows]), source="BTCUSDT-1m-2025-11-04.csv")
    msg = one_line(exc)
    assert "BTCUSDT-1m-2025-11-04.csv line 3" in msg and "low" in msg


def test_non_positive_price_and_high_below_low_raise():
    with pytest.raises(CorruptDataError, match="line 2: a price is <= 0"):
        B.parse_klines("\n".join([kline_row(0), kline_row(1, open_="0")]))
    with pytest.raises(CorruptDataError, match="line 1: high 101.0 < low 102.0"):
        B.parse_klines(kline_row(0, low="102.0"))


def test_malformed_timestamp_raises_naming_file_and_line():
    rows = [kline_row(0), kline_row(1).replace(str(T0 + MIN), "2025-11-04T00:01", 1)]
    with pytest.raises(CorruptDataError) as exc:
        B.parse_klines("\n".join([HEADER, *rows]), source="X-1m-2025-11-04.csv")
    msg = one_line(exc)
    assert "X-1m-2025-11-04.csv line 3" in msg and "open_time" in msg and "integer" in msg


def test_implausible_timestamp_raises():
    row = kline_row(0).replace(str(T0), "1000", 1)
    with pytest.raises(CorruptDataError, match=r"line 1: open_time=1000 is not a plausible"):
        B.parse_klines(row, source="f.csv")


def test_text_in_a_number_column_names_the_line():
    rows = [kline_row(0), kline_row(1).replace(",12.345,", ",12.3.4,")]
    with pytest.raises(CorruptDataError, match=r"f.csv line 2: volume='12.3.4' is not a number"):
        B.parse_klines("\n".join(rows), source="f.csv")


def test_too_few_columns_and_empty_files_raise():
    with pytest.raises(CorruptDataError, match="has 5 columns, expected 12"):
        B.parse_klines("1,2,3,4,5\n")
    with pytest.raises(CorruptDataError, match="is empty"):
        B.parse_klines(b"")
    with pytest.raises(CorruptDataError, match="no rows"):
        B.parse_klines(HEADER + "\n")
    with pytest.raises(CorruptDataError, match="header lacks"):
        B.parse_klines("open_time,open,high\n1,2,3\n")


def test_a_row_with_extra_fields_raises():
    rows = [kline_row(0), kline_row(1) + ",surprise"]
    with pytest.raises(CorruptDataError) as exc:
        B.parse_klines("\n".join([HEADER, *rows]), source="f.csv")
    assert "f.csv" in one_line(exc)


def test_kline_file_without_the_ignore_column_is_fine():
    text = "\n".join(r.rsplit(",", 1)[0] for r in (kline_row(0), kline_row(1)))
    assert len(B.parse_klines(text)) == 2


def test_parser_rejects_non_text_input():
    with pytest.raises(InputError):
        B.parse_klines(12345)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 40),
    header=st.booleans(),
    unit=st.sampled_from([1, 1000]),
    seed=st.integers(0, 2**16),
)
def test_property_parse_klines_roundtrip(n, header, unit, seed):
    rng = np.random.default_rng(seed)
    low = np.round(rng.uniform(1, 1e5, n), 8)
    high = np.round(low + rng.uniform(0, 100, n), 8)
    open_ = np.round(rng.uniform(low, high), 8)
    close = np.round(rng.uniform(low, high), 8)
    t = (T0 + np.arange(n) * MIN) * unit
    raw = pd.DataFrame(
        {
            "open_time": t,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": np.round(rng.uniform(0, 1e3, n), 3),
            "close_time": t + MIN * unit - 1,
            "quote_volume": 1.5,
            "count": rng.integers(0, 1000, n),
            "taker_buy_volume": 0.5,
            "taker_buy_quote_volume": 0.25,
            "ignore": 0,
        }
    )
    shuffled = raw.sample(frac=1.0, random_state=seed)
    df = B.parse_klines(shuffled.to_csv(index=False, header=header))
    assert len(df) == n and df.index.is_monotonic_increasing
    np.testing.assert_array_equal(df[C.LOW].to_numpy(), low)
    np.testing.assert_array_equal(df[C.CLOSE].to_numpy(), close)
    assert (df.index.asi8 // 10**6 == T0 + np.arange(n) * MIN).all()


# ------------------------------------------------------------------------------------------
# metrics
# ------------------------------------------------------------------------------------------

METRICS_HEADER = ",".join(B.METRICS_RAW)


def metrics_row(ts: str, oi: str = "81234.567", symbol: str = "BTCUSDT") -> str:
    return f"{ts},{symbol},{oi},8123456789.1234567890123456,1.9876,1.5432,2.1,0.9876543210987654"


def test_metrics_columns_units_and_16_decimals():
    text = "\n".join([METRICS_HEADER, metrics_row("2025-11-04 00:05:00")])
    df = B.parse_metrics(text)
    assert tuple(df.columns) == C.METRICS_COLUMNS
    assert df.index[0] == pd.Timestamp("2025-11-04 00:05", tz="UTC")
    row = df.iloc[0]
    assert row[C.OI_COIN] == 81234.567
    assert row[C.OI_USD] == pytest.approx(8123456789.123457)
    assert row[C.TOPTRADER_LS_ACCOUNT] == 1.9876
    assert row[C.TOPTRADER_LS_POSITION] == 1.5432
    assert row[C.LS_ACCOUNT] == 2.1
    assert row[C.TAKER_LS_VOLUME] == pytest.approx(0.9876543210987654)


def test_metrics_duplicated_and_missing_slots_are_deduplicated_and_reported():
    stamps = ["00:00", "00:05", "00:05", "00:10", "00:25", "00:30"]
    rows = [metrics_row(f"2025-11-04 {s}:00", oi=str(100 + i)) for i, s in enumerate(stamps)]
    df = B.parse_metrics("\n".join([METRICS_HEADER, *rows]))
    assert len(df) == 5
    assert df.attrs["duplicates"] == 1
    assert df.loc["2025-11-04 00:05", C.OI_COIN] == 102  # the later of the two rows
    assert df.attrs["missing_slots"] == 2
    assert df.attrs["gaps"] == [["2025-11-04T00:15:00+00:00", "2025-11-04T00:20:00+00:00"]]


def test_metrics_without_header_and_with_epoch_times():
    rows = [metrics_row(str(T0 + i * 5 * MIN)) for i in range(3)]
    df = B.parse_metrics("\n".join(rows))
    assert len(df) == 3 and df.attrs["time_unit"] == "ms"
    pd.testing.assert_index_equal(
        df.index,
        pd.date_range("2025-11-04", periods=3, freq="5min", tz="UTC", name=C.TIME).as_unit("ns"),
        check_freq=False,
    )


def test_metrics_empty_ratio_stays_nan_but_empty_open_interest_raises():
    row = metrics_row("2025-11-04 00:05:00").replace(",1.9876,", ",,")
    df = B.parse_metrics("\n".join([METRICS_HEADER, row]))
    assert np.isnan(df[C.TOPTRADER_LS_ACCOUNT].iloc[0])
    bad = metrics_row("2025-11-04 00:05:00", oi="")
    with pytest.raises(CorruptDataError, match="line 2: oi_coin is empty"):
        B.parse_metrics("\n".join([METRICS_HEADER, bad]))


def test_metrics_malformed_time_raises_naming_file_and_line():
    rows = [metrics_row("2025-11-04 00:05:00"), metrics_row("2025-11-04 0O:10:00")]
    with pytest.raises(CorruptDataError) as exc:
        B.parse_metrics("\n".join([METRICS_HEADER, *rows]), source="BTCUSDT-metrics-x.csv")
    msg = one_line(exc)
    assert "BTCUSDT-metrics-x.csv line 3: create_time='2025-11-04 0O:10:00' is not a time" in msg


def test_metrics_symbol_mismatch_raises():
    text = "\n".join([METRICS_HEADER, metrics_row("2025-11-04 00:05:00", symbol="ETHUSDT")])
    with pytest.raises(CorruptDataError, match="symbol 'ETHUSDT' in a BTCUSDT file"):
        B.parse_metrics(text, symbol="BTCUSDT")


# ------------------------------------------------------------------------------------------
# funding, aggTrades, bookDepth
# ------------------------------------------------------------------------------------------


def test_funding_times_are_rounded_to_the_minute_with_or_without_header():
    body = "1761955200001,8,0.00010000\n1761984000007,8,-0.00009782\n1762012799998,8,0.00008200\n"
    for text in (body, "calc_time,funding_interval_hours,last_funding_rate\n" + body):
        df = B.parse_funding_rate(text)
        assert tuple(df.columns) == C.FUNDING_COLUMNS
        expected = pd.date_range("2025-11-01", periods=3, freq="8h", tz="UTC", name=C.TIME)
        pd.testing.assert_index_equal(df.index, expected.as_unit("ns"), check_freq=False)
        assert df[C.FUNDING_RATE].tolist() == [0.0001, -0.00009782, 0.000082]
        assert df[C.FUNDING_INTERVAL_HOURS].tolist() == [8, 8, 8]


def test_funding_bad_interval_and_nan_rate_raise():
    with pytest.raises(CorruptDataError, match="line 1: funding_interval_hours=0"):
        B.parse_funding_rate("1761955200001,0,0.0001\n")
    with pytest.raises(CorruptDataError, match="line 1: funding_rate is empty"):
        B.parse_funding_rate("1761955200001,8,\n")


AGG_HEADER = ",".join(B.AGG_TRADES_RAW)


def test_agg_trades_header_optional_bools_and_duplicate_ids():
    rows = [
        f"101,100000.1,0.005,201,202,{T0 + 5},true",
        f"100,100000.0,0.010,200,200,{T0},False",
        f"102,99999.9,1.5,203,203,{T0 + 5},false",
        f"102,99999.9,1.5,203,203,{T0 + 5},false",
    ]
    for text in ("\n".join(rows), "\n".join([AGG_HEADER, *rows])):
        df = B.parse_agg_trades(text)
        assert tuple(df.columns) == C.AGG_TRADES_COLUMNS
        assert df[C.AGG_TRADE_ID].tolist() == [100, 101, 102]
        assert df[C.IS_BUYER_MAKER].tolist() == [False, True, False]
        assert df[C.IS_BUYER_MAKER].dtype == bool
        assert df[C.QTY_COIN].tolist() == [0.01, 0.005, 1.5]
        assert df.attrs["duplicates"] == 1 and df.attrs["unsorted"] is True
        assert df.index[0] == pd.Timestamp(T0, unit="ms", tz="UTC")


def test_agg_trades_microseconds_and_bad_bool():
    df = B.parse_agg_trades(f"1,100.0,0.1,1,1,{T0 * 1000 + 5},true\n")
    assert df.index[0] == pd.Timestamp(T0 * 1000 + 5, unit="us", tz="UTC")
    assert df.attrs["time_unit"] == "us"
    with pytest.raises(CorruptDataError, match="line 1: is_buyer_maker='maybe' is not true/false"):
        B.parse_agg_trades(f"1,100.0,0.1,1,1,{T0},maybe\n")


def test_book_depth_recovery_strips_whitespace_and_ignores_extra_columns():
    text = (
        "timestamp,percentage,depth,notional,weighted_avg_price\n"
        "2025-10-10 00:00:07,-1,10.5,1250000.25,119047.64\n"
        "2025-10-10 00:00:07,1,11.0,1320000.0,120000.0\n"
        " 2025-10-10 00:00:37,-1,9.5,1130000.0,118947.37\n"
    )
    df = B.parse_book_depth(text)
    assert tuple(df.columns) == B.BOOK_DEPTH_COLUMNS
    assert df.attrs["ignored_columns"] == ["weighted_avg_price"]
    assert df.index[-1] == pd.Timestamp("2025-10-10 00:00:37", tz="UTC")
    assert df[B.BOOK_DEPTH_COIN].tolist() == [10.5, 11.0, 9.5]


def test_book_depth_unrecoverable_timestamp_raises_naming_the_line():
    text = "timestamp,percentage,depth,notional\n2025-10-10 00:00:07,-1,1,2\nyesterday,1,1,2\n"
    with pytest.raises(CorruptDataError, match=r"bd.csv line 3: timestamp='yesterday'"):
        B.parse_book_depth(text, source="bd.csv")


def test_find_gaps_on_regular_and_empty_series():
    idx = pd.date_range("2025-11-04", periods=4, freq="5min", tz="UTC")
    assert B.find_gaps(idx, pd.Timedelta("5min")) == ([], 0)
    assert B.find_gaps(idx[:1], pd.Timedelta("5min")) == ([], 0)
    assert B.find_gaps(idx.delete(1), pd.Timedelta("5min"))[1] == 1


# ------------------------------------------------------------------------------------------
# URLs, periods, symbols (no network)
# ------------------------------------------------------------------------------------------


def test_archive_urls_of_every_kind():
    base = "https://data.binance.vision"
    um = f"{base}/data/futures/um"
    day = dt.date(2025, 11, 4)
    assert B.archive_url("klines", "btcusdt", day, "1m", base) == (
        f"{um}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-11-04.zip"
    )
    assert B.archive_url("markPriceKlines", "BTCUSDT", "2025-11-04", "5m", base) == (
        f"{um}/daily/markPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2025-11-04.zip"
    )
    assert B.archive_url("metrics", "BTCUSDT", day, base_url=base) == (
        f"{um}/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-11-04.zip"
    )
    assert B.archive_url("aggTrades", "BTCUSDT", day, base_url=base) == (
        f"{um}/daily/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2025-11-04.zip"
    )
    for period in ("2025-11", "2025-11-17", day):
        assert B.archive_url("fundingRate", "BTCUSDT", period, base_url=base) == (
            f"{um}/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-11.zip"
        )
    assert B.archive_url("klines", "BTCUSDT", "2025-11", "1h", base + "/") == (
        f"{um}/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2025-11.zip"
    )


def test_archive_url_reads_the_environment_at_call_time(monkeypatch):
    monkeypatch.delenv(B.ARCHIVE_URL_ENV, raising=False)
    assert B.archive_url("metrics", "BTCUSDT", "2025-11-04").startswith(B.DEFAULT_ARCHIVE_URL)
    monkeypatch.setenv(B.ARCHIVE_URL_ENV, "http://127.0.0.1:9/mirror/")
    assert B.archive_url("metrics", "BTCUSDT", "2025-11-04").startswith(
        "http://127.0.0.1:9/mirror/data/futures/um/daily/metrics/"
    )


@pytest.mark.parametrize(
    "args, match",
    [
        (("klines", "BTCUSDT", "2025-11-04", None), "needs interval"),
        (("klines", "BTCUSDT", "2025-11-04", "7m"), "needs interval"),
        (("metrics", "BTCUSDT", "2025-11-04", "5m"), "has no interval"),
        (("metrics", "BTCUSDT", "2025-11", None), "one file per day"),
        (("trades", "BTCUSDT", "2025-11-04", None), "not a Binance archive kind"),
        (("metrics", "BTCUSDT", "2025-02-30", None), "is not a date"),
        (("metrics", "BTC USDT", "2025-11-04", None), "not a Binance symbol"),
    ],
)
def test_archive_url_input_errors(args, match):
    with pytest.raises(InputError, match=match) as exc:
        B.archive_url(*args, base_url="https://x")
    one_line(exc)


def test_known_symbols_and_listing_dates():
    assert B.validate_symbol(" btcusdt ") == "BTCUSDT"
    assert B.listing_date("BTCUSDT") == dt.date(2019, 9, 8)
    assert B.listing_date("ethusdt") == dt.date(2019, 11, 27)
    assert B.listing_date("DOGEUSDT") == dt.date(2020, 7, 10)
    table = B.known_symbols()
    assert {"BTCUSDT", "ETHUSDT", "DOGEUSDT"} <= set(table.index)
    assert table["source"].str.len().min() > 10  # every date says where it comes from


def test_unknown_symbol_error_is_one_line_with_the_fix():
    with pytest.raises(UnknownSymbolError) as exc:
        B.validate_symbol("BTCUSDX")
    msg = one_line(exc)
    assert msg.startswith("unknown symbol 'BTCUSDX': a Binance USD-M perpetual is named")
    assert "did you mean 'BTCUSDT'" in msg and "register_symbol" in msg


def test_register_symbol(monkeypatch):
    monkeypatch.setattr(binance_symbols, "_EXTRA_SYMBOLS", {})
    assert B.register_symbol("solusdt", "2020-09-14") == "SOLUSDT"
    assert B.listing_date("SOLUSDT") == dt.date(2020, 9, 14)
    with pytest.raises(InputError, match="not a date"):
        B.register_symbol("XUSDT", "soon")


def test_parse_exchange_info_keeps_perpetuals():
    doc = {
        "symbols": [
            {"symbol": "BTCUSDT", "contractType": "PERPETUAL", "onboardDate": 1569398400000,
             "status": "TRADING", "quoteAsset": "USDT", "marginAsset": "USDT"},
            {"symbol": "BTCUSDT_251226", "contractType": "CURRENT_QUARTER",
             "onboardDate": 1750000000000},
        ]
    }  # fmt: skip
    import json

    frame = B.parse_exchange_info(json.dumps(doc))
    assert list(frame.index) == ["BTCUSDT"]
    assert frame.loc["BTCUSDT", "onboard_date"] == dt.date(2019, 9, 25)
    with pytest.raises(CorruptDataError):
        B.parse_exchange_info(b"<html>")


def test_checksum_file_parsing():
    digest = "ab" * 32
    assert B.published_sha256(f"{digest.upper()}  X.zip\n") == digest
    with pytest.raises(Exception, match="not a sha256 checksum file"):
        B.published_sha256("nope")


def test_kinds_table():
    assert set(B.KINDS) >= {"klines", "markPriceKlines", "metrics", "fundingRate", "aggTrades"}
    assert B.KINDS["fundingRate"].cadence == "monthly"
    assert B.KINDS["klines"].needs_interval and not B.KINDS["metrics"].needs_interval
    assert B.KINDS["metrics"].columns == C.METRICS_COLUMNS


def test_an_epoch_beyond_int64_is_a_clear_error_naming_the_line():
    from liqlib.data.sources.binance.archive import parse_metrics

    header = (
        "create_time,symbol,sum_open_interest,sum_open_interest_value,"
        "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,"
        "count_long_short_ratio,sum_taker_long_short_vol_ratio\n"
    )
    row = "{t},BTCUSDT,80000.0,8000000000.0,1.1,1.2,1.3,0.9\n"
    raw = header + row.format(t=1762214700000) + row.format(t=99999999999999999999)
    with pytest.raises(CorruptDataError, match=r"line 3: create_time='99999999999999999999'"):
        parse_metrics(raw)


def test_any_well_formed_usdm_perpetual_is_accepted_not_just_a_whitelist():
    assert B.validate_symbol("solusdt") == "SOLUSDT"
    assert B.validate_symbol("NEWCOINUSDT") == "NEWCOINUSDT"  # not listed: the archive decides
    assert B.listing_date("NEWCOINUSDT") is None
    assert B.listing_date("SOLUSDT") in (None, dt.date(2020, 9, 14))
    table = B.known_symbols()
    assert len(table) > 300 and {"SOLUSDT", "XRPUSDT", "1000PEPEUSDT"} <= set(table.index)
    with pytest.raises(UnknownSymbolError, match="named <BASE>USDT"):
        B.validate_symbol("BTC-PERP")


def test_every_snapshot_symbol_has_its_own_bracket_table():
    from liqlib.estimate.brackets import get_bracket_table

    for sym in ("SOLUSDT", "XRPUSDT", "1000PEPEUSDT", "BTCUSDC"):
        table = get_bracket_table(sym)
        assert table.symbol == sym and table.in_force and "freqtrade" in table.source
        assert table.mmr[0] < table.mmr[-1]
