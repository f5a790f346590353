"""A catalogue of bad inputs and hostile network faults, each ending well.

Every case is run against the real code over real HTTP (the loopback archive server of
``archive_server.py``, never a mock), and each must end in one of two ways:

* **a clear error**: the expected class, a message on one line that names the problem and a
  fix that exists (asserted by a pattern per case), or
* **a survived fault**: the data equal the source (the frame equals what the synthetic
  archive wrote, and the cached file records the sha256 of the very zip the server holds).

After every case the cache holds only complete, valid files: ``verify_cache`` finds nothing
wrong (every Parquet file matches its recorded sha256, its schema and the contract), no
temporary file is left, and a file that broke the contract was never cached.

Sections: arguments of every public entry point (``ARGUMENTS``), environment settings
(``SETTINGS``), hostile archive files (``FILES``), a damaged cache (``CACHE_DAMAGE``) and
network faults (``NETWORK``). Counts are asserted at the bottom.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from archive_server import (
    Fault,
    build_synthetic_archive,
    read_archive_csv,
    serve_archive,
    write_archive_zip,
    write_raw_zip,
)

import liqlib as lq
from liqlib.data import columns as C
from liqlib.data.cache import RECORD_KEY, content_sha256
from liqlib.data.sources.binance import archive as B

DAY = "2025-11-04"
KLINES = "binance/BTCUSDT/klines-5m/2025-11-04.parquet"


@dataclass
class Ctx:
    arch: object
    server: object
    cache: Path
    tmp: Path

    def load(self, **kw):
        args = {
            "symbol": "BTCUSDT", "start": DAY, "end": "2025-11-05", "interval": "5m",
            "include": ["klines"], "progress": False, "cache_dir": self.cache,
        } | kw  # fmt: skip
        return lq.load_market(**args)

    def zip_path(self, kind="klines", period=DAY, interval="5m") -> str:
        return self.arch.path(kind, period, interval if kind.endswith("lines") else None)

    def zip_bytes(self, kind="klines", period=DAY, interval="5m") -> bytes:
        return (self.arch.root / self.zip_path(kind, period, interval).lstrip("/")).read_bytes()


@dataclass(frozen=True)
class Bad:
    """A bad input: ``call(ctx)`` must raise ``error`` with a message matching ``words``."""

    id: str
    call: Callable[[Ctx], object]
    error: type[Exception]
    words: str
    prepare: Callable[[Ctx], object] | None = None
    env: tuple[tuple[str, str], ...] = ()


@pytest.fixture
def ctx(archive_env, synthetic_archive, tmp_path, monkeypatch) -> Ctx:
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    monkeypatch.delenv("LIQLIB_CACHE_DIR", raising=False)
    return Ctx(synthetic_archive, archive_env, tmp_path / "cache", tmp_path)


def assert_cache_sound(cache: Path, planted: str | None = None) -> None:
    """Only complete, valid files: every Parquet file verifies, no temporary, nothing foreign
    (except a file the test ``planted`` itself, which liqlib must leave alone)."""
    if not cache.exists():
        return
    report = lq.verify_cache(cache)
    wrong = report[(report["status"] != "ok") & (report["path"] != planted)]
    assert wrong.empty, wrong.to_dict("records")
    leftovers = [p for p in cache.rglob("*.tmp")]
    assert not leftovers, leftovers


def one_line(err: BaseException) -> str:
    text = str(err)
    assert "\n" not in text, f"message spans lines: {text!r}"
    return text


# ------------------------------------------------------------------------------------------
# arguments of the public entry points
# ------------------------------------------------------------------------------------------


def _hm(ctx: Ctx):
    return lq.estimate_heatmap(lq.make_synthetic_market(300), "oi-flow", n_bins=50)


def _market_with(col: str, values) -> pd.DataFrame:
    market = lq.make_synthetic_market(300)
    market[col] = values
    return market


def _lp(**kw):
    return lq.liquidation_price(**({"entry": 67_000.0, "leverage": 10, "side": "long",
                                    "qty": 1.0} | kw))  # fmt: skip


def _fetch(**kw):
    return B.fetch_archive_file(**({"kind": "klines", "symbol": "BTCUSDT", "period": DAY,
                                    "interval": "5m"} | kw))  # fmt: skip


def _file_in_the_way(ctx: Ctx) -> Path:
    ctx.cache.mkdir(parents=True)
    target = ctx.tmp / "a-file"
    target.write_text("not a folder")
    return target


def _symbol_folder_is_a_file(ctx: Ctx) -> None:
    folder = ctx.cache / "binance" / "BTCUSDT"
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the symbol's folder goes")


ARGUMENTS = [
    # load_market: symbol
    Bad("symbol-none", lambda c: c.load(symbol=None), lq.InputError, r"symbol must be a non-empty string such as 'BTCUSDT'"),
    Bad("symbol-empty", lambda c: c.load(symbol="  "), lq.InputError, r"symbol must be a non-empty string"),
    Bad("symbol-int", lambda c: c.load(symbol=123), lq.InputError, r"not 123"),
    Bad("symbol-slash", lambda c: c.load(symbol="BTC/USDT"), lq.InputError, r"write it like 'BTCUSDT'"),
    Bad("symbol-unknown", lambda c: c.load(symbol="BTCUSDX"), lq.UnknownSymbolError, r"did you mean 'BTCUSDT'.*register_symbol"),
    # load_market: window
    Bad("start-nat", lambda c: c.load(start=pd.NaT), lq.InputError, r"start is NaT, not a time: pass a date such as '2025-11-04'"),
    Bad("start-none", lambda c: c.load(start=None), lq.InputError, r"start is None, not a time"),
    Bad("start-empty", lambda c: c.load(start=""), lq.InputError, r"start is an empty string"),
    Bad("start-garbage", lambda c: c.load(start="garbage"), lq.InputError, r"start='garbage' is not a date or time: use ISO 8601"),
    Bad("start-nan", lambda c: c.load(start=float("nan")), lq.InputError, r"start is nan, not a time"),
    Bad("start-epoch-int", lambda c: c.load(start=1762214400), lq.InputError, r"not int 1762214400: pass a date"),
    Bad("start-naive-datetime", lambda c: c.load(start=dt.datetime(2025, 11, 4, 12)), lq.InputError, r"timezone-naive.*tz='UTC'"),
    Bad("start-bad-time", lambda c: c.load(start="2025-11-04 25:00"), lq.InputError, r"not a date or time"),
    Bad("start-feb-30", lambda c: c.load(start="2025-02-30"), lq.InputError, r"'2025-02-30' is not a date"),
    Bad("start-nat-string", lambda c: c.load(start="NaT"), lq.InputError, r"start='NaT' is not a date or time: pass a date"),
    Bad("end-before-start", lambda c: c.load(start="2025-11-05", end="2025-11-04"), lq.InputError, r"not before end.*half-open"),
    Bad("end-equals-start", lambda c: c.load(end=DAY), lq.InputError, r"not before end"),
    Bad("end-future", lambda c: c.load(end="2099-01-01"), lq.InputError, r"in the future.*pass an end in the past"),
    Bad("end-datetime64", lambda c: c.load(end=np.datetime64("2025-11-05")), lq.InputError, r"not datetime64"),
    Bad("start-before-listing", lambda c: c.load(start="2019-01-01"), lq.InputError, r"before BTCUSDT was listed.*pass start >= 2019-09-08"),
    # load_market: interval, kinds, source, flags
    Bad("interval-7m", lambda c: c.load(interval="7m"), lq.InputError, r"interval='7m' is not a Binance kline interval: use one of 1m"),
    Bad("interval-none", lambda c: c.load(interval=None), lq.InputError, r"interval=None is not"),
    Bad("interval-int", lambda c: c.load(interval=5), lq.InputError, r"interval=5 is not"),
    Bad("interval-month", lambda c: c.load(interval="1mo"), lq.InputError, r"interval='1mo' is not"),
    Bad("mark-interval", lambda c: c.load(mark_interval="2m"), lq.InputError, r"mark_interval='2m' is not"),
    Bad("include-none", lambda c: c.load(include=None), lq.InputError, r"include=None is not a list of kinds: pass a list"),
    Bad("include-string", lambda c: c.load(include="klines"), lq.InputError, r"include='klines' is a string, not a list.*include=\['klines'"),
    Bad("include-empty", lambda c: c.load(include=[]), lq.InputError, r"non-empty subset"),
    Bad("include-unknown", lambda c: c.load(include=["orderbook"]), lq.InputError, r"'orderbook' is not a kind"),
    Bad("include-none-item", lambda c: c.load(include=[None]), lq.InputError, r"None is not a kind"),
    Bad("source", lambda c: c.load(source="okx"), lq.InputError, r"source='okx' is not supported yet: use source='binance'"),
    Bad("allow-gaps-string", lambda c: c.load(allow_gaps="no"), lq.InputError, r"allow_gaps must be True or False, not 'no'"),
    Bad("refresh-string", lambda c: c.load(refresh="yes"), lq.InputError, r"refresh must be True or False"),
    Bad("rest-fallback-int", lambda c: c.load(rest_fallback=1), lq.InputError, r"rest_fallback must be True or False"),
    Bad("progress-string", lambda c: c.load(progress="x"), lq.InputError, r"progress must be True, False or None"),
    # load_market: cache_dir
    Bad("cache-dir-empty", lambda c: c.load(cache_dir=""), lq.InputError, r"cache_dir='' is empty: pass a folder"),
    Bad("cache-dir-blank", lambda c: c.load(cache_dir="   "), lq.InputError, r"is empty: pass a folder"),
    Bad("cache-dir-int", lambda c: c.load(cache_dir=123), lq.InputError, r"cache_dir must be a folder path.*not int 123"),
    Bad("cache-dir-bytes", lambda c: c.load(cache_dir=b"/tmp/x"), lq.InputError, r"cache_dir must be a folder path"),
    Bad("cache-dir-is-a-file", lambda c: c.load(cache_dir=_file_in_the_way(c)), lq.CacheError, r"is a file, not a folder.*LIQLIB_CACHE_DIR"),
    Bad("cache-symbol-folder-is-a-file", lambda c: c.load(), lq.CacheError, r"klines-5m is not writable.*LIQLIB_CACHE_DIR", prepare=_symbol_folder_is_a_file),
    # liquidation_price
    Bad("lp-as-of-garbage", lambda c: _lp(as_of="garbage"), lq.InputError, r"as_of='garbage' is not a date"),
    Bad("lp-as-of-nat", lambda c: _lp(as_of=pd.NaT), lq.InputError, r"as_of is NaT, not a time"),
    Bad("lp-as-of-int", lambda c: _lp(as_of=2024), lq.InputError, r"as_of must be a date string"),
    Bad("lp-leverage-text", lambda c: _lp(leverage="10x"), lq.InputError, r"leverage='10x' is not a number"),
    Bad("lp-leverage-above-bracket", lambda c: _lp(leverage=500), lq.InputError, r"leverage 500 exceeds the maximum \d+x of the BTCUSDT bracket.*choose leverage <= \d+"),
    Bad("lp-leverage-below-1", lambda c: _lp(leverage=0.5), lq.InputError, r"below 1x: choose leverage >= 1"),
    Bad("lp-side", lambda c: _lp(side="up"), lq.InputError, r"side must be 'long' or 'short', got 'up'"),
    Bad("lp-entry-negative", lambda c: _lp(entry=-1.0), lq.InputError, r"entry must be a finite price > 0"),
    Bad("lp-entry-inf", lambda c: _lp(entry=float("inf")), lq.InputError, r"entry must be a finite price"),
    Bad("lp-qty-zero", lambda c: _lp(qty=0), lq.InputError, r"qty must be a finite size > 0"),
    Bad("lp-shapes", lambda c: _lp(entry=[1.0, 2.0, 3.0], qty=[1.0, 2.0]), lq.InputError, r"do not broadcast"),
    Bad("lp-brackets-type", lambda c: _lp(brackets="BTCUSDT"), lq.InputError, r"brackets must be a BracketTable.*load_leverage_brackets"),
    Bad("lp-symbol-unknown", lambda c: _lp(symbol="XYZUSDT"), lq.InputError, r"no bundled bracket table.*load_leverage_brackets"),
    Bad("brackets-json", lambda c: lq.load_leverage_brackets("{not json"), lq.InputError, r"not valid JSON"),
    # estimate_heatmap / Heatmap
    Bad("hm-market-none", lambda c: lq.estimate_heatmap(None), lq.InputError, r"market must be a pandas DataFrame.*lq.load_market"),
    Bad("hm-model-none", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), model=None), lq.InputError, r"model None is unknown: use one of"),
    Bad("hm-model-list", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), model=["oi-flow"]), lq.InputError, r"is unknown: use one of"),
    Bad("hm-price-strings", lambda c: lq.estimate_heatmap(_market_with(C.CLOSE, "abc")), lq.InputError, r"'close' holds values that are not numbers.*pd.to_numeric"),
    Bad("hm-price-inf", lambda c: lq.estimate_heatmap(_market_with(C.HIGH, np.inf)), lq.InputError, r"'high' has NaN, infinite or non-positive prices.*repair"),
    Bad("hm-oi-negative", lambda c: lq.estimate_heatmap(_market_with(C.OI_COIN, -1.0)), lq.InputError, r"negative or infinite open interest"),
    Bad("hm-volume-negative", lambda c: lq.estimate_heatmap(_market_with(C.QUOTE_VOLUME, -5.0)), lq.InputError, r"negative or infinite volume"),
    Bad("hm-n-bins-bool", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), n_bins=True), lq.InputError, r"must be integers, not True/False"),
    Bad("hm-n-bins-zero", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), n_bins=0), lq.InputError, r"n_bins 0 is not a positive integer"),
    Bad("hm-mix-1x", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), mix={1: 1.0}), lq.InputError, r"not above 1x"),
    Bad("hm-unknown-param", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), bins=10), lq.InputError, r"unknown parameter 'bins'"),
    Bad("hm-naive-index", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50).tz_localize(None)), lq.InputError, r"UTC DatetimeIndex"),
    Bad("hm-brackets-as-of", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), brackets_as_of="soon"), lq.InputError, r"as_of='soon' is not a date"),
    Bad("hm-calibrate-string", lambda c: lq.estimate_heatmap(lq.make_synthetic_market(50), "oi-flow", calibrate="yes"), lq.InputError, r"calibrate must be True or False"),
    Bad("hm-column-at-garbage", lambda c: _hm(c).column_at("garbage"), lq.InputError, r"at='garbage' is not a date or time"),
    # fetch_archive_file and friends
    Bad("fetch-kind", lambda c: _fetch(kind="orderbook"), lq.InputError, r"kind='orderbook' is not a Binance archive kind"),
    Bad("fetch-period-month-13", lambda c: _fetch(period="2025-13-01"), lq.InputError, r"period '2025-13-01' is not a date"),
    Bad("fetch-metrics-month", lambda c: _fetch(kind="metrics", period="2025-11", interval=None), lq.InputError, r"one file per day only"),
    Bad("fetch-metrics-interval", lambda c: _fetch(kind="metrics"), lq.InputError, r"metrics has no interval: pass interval=None"),
    Bad("fetch-verify-string", lambda c: _fetch(verify="no"), lq.InputError, r"verify must be True or False"),
    Bad("fetch-base-url-ftp", lambda c: _fetch(base_url="ftp://127.0.0.1/"), lq.InputError, r"is not an http\(s\) URL"),
    Bad("clear-cache-symbol", lambda c: lq.clear_cache("BTCUSDX", cache_dir=c.cache), lq.UnknownSymbolError, r"unknown symbol"),
    Bad("verify-cache-dir-int", lambda c: lq.verify_cache(123), lq.InputError, r"cache_dir must be a folder path"),
    Bad("verify-cache-repair-string", lambda c: lq.verify_cache(c.cache, repair="yes"), lq.InputError, r"repair must be True or False"),
    Bad("register-symbol-date", lambda c: B.register_symbol("SOLUSDT", "soon"), lq.InputError, r"onboard_date='soon'.*YYYY-MM-DD"),
    Bad("parse-not-bytes", lambda c: B.parse_klines(123), lq.InputError, r"takes the bytes or text of a CSV"),
    # one symbol across venues (liqlib.data.instruments)
    Bad("venues-not-a-perpetual", lambda c: lq.load_market("BTC", "2025-11-04", "2025-11-05", "5m", venues=("binance", "okx"), cache_dir=c.cache), lq.InputError, r"not a USDT or USDC perpetual: name it like"),
    Bad("venues-not-one-market", lambda c: lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", "5m", venues={"binance": "BTCUSDT", "okx": "ETH-USDT-SWAP"}, cache_dir=c.cache), lq.InputError, r"not one market.*name the same base"),
    Bad("venues-okx-name-for-bybit", lambda c: lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", "5m", venues={"bybit": "BTC-USDT-SWAP"}, cache_dir=c.cache), lq.InputError, r"is an OKX name.*write it like 'BTCUSDT'"),
    Bad("venues-usdc-on-okx", lambda c: lq.load_market("ETHUSDC", "2025-11-04", "2025-11-05", "5m", venues=("okx",), cache_dir=c.cache), lq.InputError, r"USDT perpetuals only"),
    Bad("venues-interval", lambda c: lq.load_market("BTCUSDT", "2025-11-04", "2025-11-05", "3m", venues=("bybit",), cache_dir=c.cache), lq.InputError, r"interval '3m' is not one of 1m, 5m"),
    Bad("binance-scaled-name", lambda c: lq.load_market("PEPEUSDT", "2025-11-04", "2025-11-05", "5m", cache_dir=c.cache), lq.InputError, r"Binance lists PEPE as 1000PEPEUSDT.*pass symbol='1000PEPEUSDT'"),
    Bad("clear-cache-venue", lambda c: lq.clear_cache(cache_dir=c.cache, venue="ftx"), lq.InputError, r"venue='ftx' is not one of binance, bybit, okx"),
]  # fmt: skip

SETTINGS = [
    Bad("env-cache-dir-blank", lambda c: lq.load_market("BTCUSDT", DAY, "2025-11-05", interval="5m", include=["klines"]), lq.InputError, r"LIQLIB_CACHE_DIR='   ' is blank: unset it", env=(("LIQLIB_CACHE_DIR", "   "),)),
    Bad("env-timeout-text", lambda c: c.load(), lq.InputError, r"LIQLIB_HTTP_TIMEOUT='abc' is not a number", env=(("LIQLIB_HTTP_TIMEOUT", "abc"),)),
    Bad("env-timeout-inf", lambda c: c.load(), lq.InputError, r"finite number > 0: set LIQLIB_HTTP_TIMEOUT", env=(("LIQLIB_HTTP_TIMEOUT", "inf"),)),
    Bad("env-retries-negative", lambda c: c.load(), lq.InputError, r"retries -1 must be an integer >= 0: set LIQLIB_HTTP_RETRIES", env=(("LIQLIB_HTTP_RETRIES", "-1"),)),
    Bad("env-deadline-zero", lambda c: c.load(), lq.InputError, r"set LIQLIB_HTTP_DEADLINE", env=(("LIQLIB_HTTP_DEADLINE", "0"),)),
    Bad("env-archive-url-no-scheme", lambda c: c.load(), lq.InputError, r"'data.binance.vision' is not an http\(s\) URL: set LIQLIB_BINANCE_ARCHIVE_URL", env=(("LIQLIB_BINANCE_ARCHIVE_URL", "data.binance.vision"),)),
    Bad("env-archive-url-ftp", lambda c: c.load(), lq.InputError, r"set LIQLIB_BINANCE_ARCHIVE_URL", env=(("LIQLIB_BINANCE_ARCHIVE_URL", "ftp://127.0.0.1"),)),
    Bad("env-zip-ratio-text", lambda c: c.load(), lq.InputError, r"LIQLIB_MAX_ZIP_RATIO='many' is not a number > 0", env=(("LIQLIB_MAX_ZIP_RATIO", "many"),)),
]  # fmt: skip


@pytest.mark.parametrize("case", ARGUMENTS + SETTINGS, ids=lambda c: c.id)
def test_bad_argument_or_setting_is_a_clear_one_line_error(ctx, monkeypatch, case):
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    if case.prepare:
        case.prepare(ctx)
    with pytest.raises(case.error, match=case.words) as err:
        case.call(ctx)
    one_line(err.value)
    monkeypatch.delenv("LIQLIB_CACHE_DIR", raising=False)
    assert_cache_sound(ctx.cache, planted="binance/BTCUSDT")


# ------------------------------------------------------------------------------------------
# hostile archive files (served with a correct checksum: only the contract stands between
# them and the cache)
# ------------------------------------------------------------------------------------------


def _edit_csv(kind: str, edit: Callable[[list[list[str]]], None], period: str = DAY):
    """A prepare step: rewrite one served CSV row by row (header kept), checksum updated."""

    def prepare(c: Ctx) -> None:
        path = c.zip_path(kind, period)
        lines = read_archive_csv(c.arch.root, path).strip("\n").split("\n")
        rows = [line.split(",") for line in lines]
        edit(rows)
        write_archive_zip(c.arch.root, path, "\n".join(",".join(r) for r in rows) + "\n")

    return prepare


K = {name: i for i, name in enumerate(B.KLINE_RAW)}
M = {name: i for i, name in enumerate(B.METRICS_RAW)}


def _set(row: int, col: int, value):
    def edit(rows):
        rows[row][col] = str(value(rows[row]) if callable(value) else value)

    return edit


def _shift_days(days: int):
    def edit(rows):
        for r in rows[1:]:
            for col in (K["open_time"], K["close_time"]):
                r[col] = str(int(r[col]) + days * 86_400_000)

    return edit


def _add_yesterday_row(rows):
    extra = list(rows[1])
    for col in (K["open_time"], K["close_time"]):
        extra[col] = str(int(extra[col]) - 86_400_000)
    rows.insert(1, extra)


def _replace_zip(members, flag_bits: int = 0):
    def prepare(c: Ctx) -> None:
        write_raw_zip(c.arch.root, c.zip_path(), members(c), flag_bits=flag_bits)

    return prepare


def _csv(c: Ctx) -> str:
    return read_archive_csv(c.arch.root, c.zip_path())


def _decoy(c: Ctx) -> str:  # the same day with every price doubled: plausible, and wrong
    rows = [r.split(",") for r in _csv(c).strip().split("\n")]
    for r in rows[1:]:
        for col in ("open", "high", "low", "close"):
            r[K[col]] = str(float(r[K[col]]) * 2)
    return "\n".join(",".join(r) for r in rows) + "\n"


def _bomb(c: Ctx) -> bytes:
    return b"0" * 30_000_000  # deflates ~1000x: a zip bomb in miniature


def _serve_bytes(body: bytes):
    def prepare(c: Ctx) -> None:
        path = c.arch.root / c.zip_path().lstrip("/")
        path.write_bytes(body)
        digest = hashlib.sha256(body).hexdigest()
        path.with_name(path.name + ".CHECKSUM").write_text(f"{digest}  {path.name}\n")

    return prepare


def _checksum_text(text: str | None):
    def prepare(c: Ctx) -> None:
        target = c.arch.root / (c.zip_path().lstrip("/") + ".CHECKSUM")
        if text is None:
            target.unlink()
        else:
            target.write_text(text)

    return prepare


def _load(**kw):
    return lambda c: c.load(**kw)


NAME = "BTCUSDT-5m-2025-11-04"
FILES = [
    Bad("price-inf", _load(), lq.CorruptDataError, rf"{NAME}.zip:{NAME}.csv: row 11 \(2025-11-04 00:50:00 UTC\): close inf is not a finite price > 0.*not cached", _edit_csv("klines", _set(11, K["close"], "inf"))),
    Bad("price-nan", _load(), lq.CorruptDataError, r"line 5: low is empty or NaN", _edit_csv("klines", _set(4, K["low"], "nan"))),
    Bad("price-zero", _load(), lq.CorruptDataError, r"a price is <= 0", _edit_csv("klines", _set(3, K["open"], 0))),
    Bad("price-text", _load(), lq.CorruptDataError, r"line 8: high='abc' is not a number", _edit_csv("klines", _set(7, K["high"], "abc"))),
    Bad("open-above-high", _load(), lq.CorruptDataError, r"row 3 .*: open [\d.]+ is above high", _edit_csv("klines", _set(3, K["open"], lambda r: float(r[K["high"]]) + 100))),
    Bad("close-below-low", _load(), lq.CorruptDataError, r"row 20 .*: close [\d.]+ is below low", _edit_csv("klines", _set(20, K["close"], lambda r: float(r[K["low"]]) - 100))),
    Bad("high-below-low", _load(), lq.CorruptDataError, r"line 6: high [\d.]+ < low", _edit_csv("klines", _set(5, K["high"], lambda r: float(r[K["low"]]) - 1))),
    Bad("volume-negative", _load(), lq.CorruptDataError, r"row 2 .*: volume -5 is not a finite number >= 0", _edit_csv("klines", _set(2, K["volume"], -5))),
    Bad("volume-inf", _load(), lq.CorruptDataError, r"quote_volume inf is not a finite number", _edit_csv("klines", _set(2, K["quote_volume"], "inf"))),
    Bad("trades-negative", _load(), lq.CorruptDataError, r"trades -3 is not a finite number >= 0", _edit_csv("klines", _set(9, K["count"], -3))),
    Bad("taker-above-volume", _load(), lq.CorruptDataError, r"taker_buy_volume [\d.]+ exceeds volume", _edit_csv("klines", _set(4, K["taker_buy_volume"], lambda r: float(r[K["volume"]]) * 2))),
    Bad("another-days-rows", _load(), lq.CorruptDataError, r"row 1 \(2025-11-05 00:00:00 UTC\): row lies outside its day 2025-11-04 \(287 more", _edit_csv("klines", _shift_days(1))),
    Bad("one-row-of-yesterday", _load(), lq.CorruptDataError, r"row 1 \(2025-11-03 00:00:00 UTC\): row lies outside its day", _edit_csv("klines", _add_yesterday_row)),
    Bad("time-in-2035", _load(), lq.CorruptDataError, r"open_time=2077\d+ is not a plausible UTC time", _edit_csv("klines", _set(1, K["open_time"], 2077000000000))),
    Bad("wrong-kind-inside", _load(), lq.CorruptDataError, r"line 1 has 8 columns, expected 12", lambda c: write_archive_zip(c.arch.root, c.zip_path(), read_archive_csv(c.arch.root, c.zip_path("metrics")))),
    Bad("csv-empty", _load(), lq.CorruptDataError, rf"{NAME}.csv is empty", lambda c: write_archive_zip(c.arch.root, c.zip_path(), "")),
    Bad("csv-header-only", _load(), lq.CorruptDataError, r"has a header but no rows", lambda c: write_archive_zip(c.arch.root, c.zip_path(), _csv(c).split("\n")[0] + "\n")),
    Bad("zip-decoy-member", _load(), lq.CorruptDataError, rf"holds 2 members \(decoy.csv, {NAME}.csv\), not exactly one {NAME}.csv", _replace_zip(lambda c: [("decoy.csv", _decoy(c)), (f"{NAME}.csv", _csv(c))])),
    Bad("zip-decoy-after", _load(), lq.CorruptDataError, r"holds 2 members", _replace_zip(lambda c: [(f"{NAME}.csv", _csv(c)), ("extra.csv", _decoy(c))])),
    Bad("zip-misnamed-member", _load(), lq.CorruptDataError, rf"holds 'data.csv', not '{NAME}.csv' as the archive names it", _replace_zip(lambda c: [("data.csv", _csv(c))])),
    Bad("zip-member-in-folder", _load(), lq.CorruptDataError, rf"holds 'x/{NAME}.csv'", _replace_zip(lambda c: [(f"x/{NAME}.csv", _csv(c))])),
    Bad("zip-no-member", _load(), lq.CorruptDataError, r"holds no file", _replace_zip(lambda c: [])),
    Bad("zip-encrypted", _load(), lq.CorruptDataError, r"is encrypted \(password-protected\)", _replace_zip(lambda c: [(f"{NAME}.csv", _csv(c))], flag_bits=0x1)),
    Bad("zip-bomb", _load(), lq.CorruptDataError, r"would unpack to 30,000,000 bytes .*refused unopened as a likely zip bomb.*LIQLIB_MAX_ZIP_RATIO", _replace_zip(lambda c: [(f"{NAME}.csv", _bomb(c))])),
    Bad("not-a-zip", _load(), lq.CorruptDataError, r"is not a readable zip", _serve_bytes(b"<html>captive portal: please log in</html>" * 20)),
    Bad("zip-crc-damaged", _load(), lq.CorruptDataError, r"is not a readable zip \(.*\): the published file is damaged", lambda c: _serve_bytes(_flip_data_byte(c.zip_bytes()))(c)),
    Bad("checksum-html", _load(), lq.ChecksumError, r"is not a sha256 checksum file.*fetch_archive_file\(\.\.\., verify=False\)", _checksum_text("<html>503</html>")),
    Bad("checksum-missing", _load(), lq.ChecksumError, r"CHECKSUM is not on the server.*load_market always verifies", _checksum_text(None)),
    Bad("checksum-wrong", _load(), lq.ChecksumError, r"does not match the published.*twice", _checksum_text("0" * 64 + "  x.zip\n")),
    Bad("mark-open-above-high", _load(include=["markPriceKlines"]), lq.CorruptDataError, r"row 5 .*open [\d.]+ is above high", _edit_csv("markPriceKlines", _set(5, K["open"], lambda r: float(r[K["high"]]) + 1))),
    Bad("metrics-oi-negative", _load(include=["metrics"]), lq.CorruptDataError, r"oi_coin -1 is not a finite number >= 0", _edit_csv("metrics", _set(7, M["sum_open_interest"], -1))),
    Bad("metrics-oi-usd-inf", _load(include=["metrics"]), lq.CorruptDataError, r"oi_usd inf is negative or infinite", _edit_csv("metrics", _set(7, M["sum_open_interest_value"], "inf"))),
    Bad("metrics-ratio-negative", _load(include=["metrics"]), lq.CorruptDataError, r"ls_account -2 is negative", _edit_csv("metrics", _set(9, M["count_long_short_ratio"], -2))),
    Bad("metrics-other-symbol", _load(include=["metrics"]), lq.CorruptDataError, r"symbol 'ETHUSDT' in a BTCUSDT file", _edit_csv("metrics", _set(3, M["symbol"], "ETHUSDT"))),
    Bad("metrics-other-day", _load(include=["metrics"]), lq.CorruptDataError, r"row lies outside its day 2025-11-04", _edit_csv("metrics", _set(5, M["create_time"], "2025-11-07 00:20:00"))),
    Bad("funding-rate-500pct", _load(include=["fundingRate"]), lq.CorruptDataError, r"funding_rate 5 is outside \[-1, 1\]", _edit_csv("fundingRate", _set(4, 2, "5.0"), "2025-11")),
    Bad("funding-interval-zero", _load(include=["fundingRate"]), lq.CorruptDataError, r"funding_interval_hours=0 is not positive", _edit_csv("fundingRate", _set(4, 1, 0), "2025-11")),
    Bad("funding-interval-99", _load(include=["fundingRate"]), lq.CorruptDataError, r"funding_interval_hours 99 is outside \[1, 24\]", _edit_csv("fundingRate", _set(4, 1, 99), "2025-11")),
    Bad("funding-interval-fraction", _load(include=["fundingRate"]), lq.CorruptDataError, r"funding_interval_hours='3.5' is not an integer", _edit_csv("fundingRate", _set(4, 1, 3.5), "2025-11")),
]  # fmt: skip


def _flip_data_byte(blob: bytes) -> bytes:
    data = bytearray(blob)
    data[60] ^= 0xFF  # inside the deflated member, past its local header
    return bytes(data)


@pytest.mark.parametrize("case", FILES, ids=lambda c: c.id)
def test_a_hostile_archive_file_is_refused_and_never_cached(ctx, case):
    case.prepare(ctx)
    with pytest.raises(case.error, match=case.words) as err:
        case.call(ctx)
    one_line(err.value)
    assert not [p for p in ctx.cache.rglob("*.parquet")], "nothing of the bad file is cached"
    assert_cache_sound(ctx.cache)


def test_the_zip_bomb_is_refused_before_it_is_unpacked(ctx):
    import tracemalloc

    _replace_zip(lambda c: [(f"{NAME}.csv", _bomb(c))])(ctx)
    blob = ctx.zip_bytes()
    tracemalloc.start()
    with pytest.raises(lq.CorruptDataError, match="zip bomb"):
        B.unzip_single_csv(blob, f"{NAME}.zip")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(blob) < 100_000 and peak < 2_000_000  # 30 MB never inflated


# ------------------------------------------------------------------------------------------
# a damaged cache heals itself: moved aside, fetched again, equal to the source
# ------------------------------------------------------------------------------------------


def _table(path: Path) -> pa.Table:
    return pq.read_table(path)


def _resign(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` with a *valid* record (as if liqlib had cached it): only the contract
    can catch what is wrong."""
    meta = dict(_table(path).schema.metadata)
    record = json.loads(meta[RECORD_KEY])
    record["content_sha256"] = content_sha256(frame)
    table = pa.Table.from_pandas(frame).replace_schema_metadata(
        {**meta, RECORD_KEY: json.dumps(record).encode()}
    )
    pq.write_table(table, path)


def _cached_frame(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def _edit_column(path: Path, col: str, add: float) -> None:
    """Change one column but keep the file valid and its record as it was (a silent edit)."""
    table = _table(path)
    i = table.column_names.index(col)
    pq.write_table(table.set_column(i, col, pc.add(table.column(col), add)), path)


def _damage_values(path: Path) -> None:
    frame = _cached_frame(path)
    frame.iloc[10, frame.columns.get_loc(C.OPEN)] = frame[C.HIGH].iloc[10] * 2
    _resign(path, frame)


def _damage_shift(path: Path) -> None:
    frame = _cached_frame(path)
    frame.index = frame.index + pd.Timedelta(days=1)
    _resign(path, frame)


def _damage_strings(path: Path) -> None:
    frame = _cached_frame(path)
    frame[C.CLOSE] = frame[C.CLOSE].astype(str)
    pq.write_table(pa.Table.from_pandas(frame), path)


def _damage_naive(path: Path) -> None:
    frame = _cached_frame(path)
    frame.index = frame.index.tz_localize(None)
    pq.write_table(pa.Table.from_pandas(frame), path)


def _damage_other_day(path: Path) -> None:
    other = path.with_name("2025-11-03.parquet")
    path.write_bytes(other.read_bytes())


def _damage_empty(path: Path) -> None:
    frame = _cached_frame(path).iloc[:0]
    _resign(path, frame)


def _damage_bitflip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))


CACHE_DAMAGE = [
    ("garbage", lambda p: p.write_bytes(b"\x00" * 4096), r"unreadable as Parquet"),
    ("empty-file", lambda p: p.write_bytes(b""), r"unreadable"),
    ("truncated", lambda p: p.write_bytes(p.read_bytes()[:-100]), r"unreadable"),
    (
        "bit-flip",
        _damage_bitflip,
        r"unreadable|does not match the recorded|not a finite|above|below",
    ),
    ("foreign-parquet", lambda p: pd.DataFrame({"a": [1]}).to_parquet(p), r"has no 'time' column"),
    (
        "record-edited-content",
        lambda p: _edit_column(p, C.VOLUME, 1.0),
        r"does not match the recorded",
    ),
    ("values-break-contract", _damage_values, r"open [\d.]+ is above high"),
    ("rows-of-another-day", _damage_shift, r"row lies outside its day 2025-11-04"),
    ("file-of-another-day", _damage_other_day, r"outside its day 2025-11-04"),
    ("no-rows", _damage_empty, r"has no rows"),
    ("price-strings", _damage_strings, r"column close holds .* not float"),
    ("naive-times", _damage_naive, r"not UTC timestamps"),
    ("folder-in-the-way", lambda p: (p.unlink(), p.mkdir()), None),
]


@pytest.mark.parametrize("name, damage, words", CACHE_DAMAGE, ids=[c[0] for c in CACHE_DAMAGE])
def test_a_damaged_cached_file_is_quarantined_and_fetched_again(ctx, caplog, name, damage, words):
    ctx.load(start="2025-11-03", end="2025-11-05")
    damage(ctx.cache / KLINES)
    ctx.server.reset_counts()
    with caplog.at_level("WARNING", logger="liqlib"):
        df = ctx.load()
    expected = ctx.arch.frames["klines-5m"].loc[DAY]
    pd.testing.assert_frame_equal(df[list(C.KLINE_COLUMNS)], expected, check_freq=False,
                                  check_names=False)  # fmt: skip
    assert ctx.server.requests[ctx.zip_path()] == 1  # fetched again, once
    warnings = [r.getMessage() for r in caplog.records if "quarantine" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0]
    if words:
        assert pd.Series(warnings).str.contains(words).all(), warnings
    assert len(list((ctx.cache / "quarantine").rglob("2025-11-04.parquet.*"))) == 1
    _assert_cached_is_source(ctx)
    assert_cache_sound(ctx.cache)


def _assert_cached_is_source(ctx: Ctx) -> None:
    record = json.loads(pq.read_schema(ctx.cache / KLINES).metadata[RECORD_KEY])
    assert record["source_sha256"] == hashlib.sha256(ctx.zip_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------
# network faults: survived with the source's bytes, or a clear error, always in bounded time
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    id: str
    fault: Fault | None
    on: str = "zip"  # "zip" or "checksum"
    error: type[Exception] | None = None  # None: the fault must be survived
    words: str = ""
    env: tuple[tuple[str, str], ...] = ()
    seconds: float = 8.0  # the bound on the whole load
    retried: bool = True  # the faulty path is requested again (not so for bytes after a body)


FAST = (("LIQLIB_HTTP_TIMEOUT", "0.5"),)
NETWORK = [
    Net("timeout-once", Fault("timeout", times=1, delay=1.0), env=FAST),
    Net("429-retry-after", Fault("429", times=1, retry_after=1)),
    Net("429-retry-after-an-hour", Fault("429", times=1, retry_after=3600), env=(("LIQLIB_HTTP_MAX_RETRY_AFTER", "0.2"),)),
    Net("429-retry-after-invalid", Fault("429", times=2, retry_after="in a while")),
    Net("500-twice", Fault("500", times=2)),
    Net("503-once", Fault("503", times=1)),
    Net("truncated-twice", Fault("truncate", times=2)),
    Net("reset-mid-body", Fault("reset", times=1)),
    Net("reset-before-response", Fault("reset", times=1, partial=0)),
    Net("stall-mid-body", Fault("stall", times=1, delay=1.0), env=FAST),
    Net("drip-once", Fault("drip", times=1, delay=0.7), env=FAST),
    Net("closed-without-response", Fault("empty", times=1)),
    Net("chunked-cut", Fault("chunked_cut", times=1)),
    Net("lying-gzip-encoding", Fault("bad_encoding", times=1)),
    Net("redirect-once", Fault("redirect", times=1)),
    Net("extra-bytes-after-body", Fault("overlong", times=1), retried=False),
    Net("bit-flip-in-transit-once", Fault("bad_checksum", times=1)),
    Net("checksum-503-once", Fault("503", times=1), on="checksum"),
    Net("checksum-truncated-once", Fault("truncate", times=1), on="checksum"),
    # faults that do not go away: a clear error, counted honestly, in bounded time
    Net("drip-forever", Fault("drip", times=None, delay=0.2), error=lq.DownloadError, words=r"within the 2 s deadline.*LIQLIB_HTTP_DEADLINE", env=(("LIQLIB_HTTP_DEADLINE", "2"),)),
    Net("500-forever", Fault("500", times=None), error=lq.DownloadError, words=r"HTTP 500 .*after 3 tries.*LIQLIB_HTTP_RETRIES"),
    Net("timeout-forever", Fault("timeout", times=None, delay=0.8), error=lq.DownloadError, words=r"read timeout.*3 tries", env=FAST),
    Net("429-an-hour-forever", Fault("429", times=None, retry_after=3600), error=lq.DownloadError, words=r"within the 3 s deadline \(HTTP 429; 1 try\)", env=(("LIQLIB_HTTP_DEADLINE", "3"),)),
    Net("reset-forever", Fault("reset", times=None), error=lq.DownloadError, words=r"connection reset.*on all 3 tries"),
    Net("bit-flip-forever", Fault("bad_checksum", times=None), error=lq.ChecksumError, words=r"does not match the published .*twice"),
    Net("captive-portal-page", Fault("garbage", times=None, body=b"<html>Wi-Fi login</html>"), error=lq.ChecksumError, words=r"does not match the published"),
    Net("huge-content-length", Fault("huge_length", times=None), error=lq.DownloadError, words=r"10,000,000,000,000 bytes, above the 4096 MB limit; raise LIQLIB_MAX_DOWNLOAD_MB"),
    Net("redirect-loop", Fault("redirect", times=None), error=lq.DownloadError, words=r"too many redirects"),
    Net("checksum-403", Fault("garbage", times=None), on="checksum", error=lq.ChecksumError, words=r"is not a sha256 checksum file"),
    Net("server-down", None, error=lq.DownloadError, words=r"connection error.*3 tries.*check your connection"),
]  # fmt: skip


@pytest.mark.parametrize("case", NETWORK, ids=lambda c: c.id)
@pytest.mark.timeout(60)
def test_a_network_fault_is_survived_or_a_clear_error_in_bounded_time(ctx, monkeypatch, case):
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    path = ctx.zip_path() + (".CHECKSUM" if case.on == "checksum" else "")
    if case.fault is None:
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", "http://127.0.0.1:9")  # nothing there
    else:
        ctx.server.faults[path] = case.fault
    started = time.monotonic()
    if case.error is None:
        df = ctx.load()
        expected = ctx.arch.frames["klines-5m"].loc[DAY]
        pd.testing.assert_frame_equal(df[list(C.KLINE_COLUMNS)], expected, check_freq=False,
                                      check_names=False)  # fmt: skip
        _assert_cached_is_source(ctx)
        assert ctx.server.requests[path] >= (2 if case.retried else 1)  # the fault was met
    else:
        with pytest.raises(case.error, match=case.words) as err:
            ctx.load()
        one_line(err.value)
        assert not (ctx.cache / KLINES).exists()
    assert time.monotonic() - started < case.seconds
    assert_cache_sound(ctx.cache)


# ------------------------------------------------------------------------------------------
# concurrency: two processes filling one cache
# ------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_two_processes_filling_one_cache_leave_it_sound(tmp_path, fast_http):
    arch = build_synthetic_archive(tmp_path / "a", days=["2025-11-03", "2025-11-04"],
                                   kinds=("klines", "metrics"), interval="1m")  # fmt: skip
    cache = tmp_path / "cache"
    script = textwrap.dedent("""
        import sys, liqlib as lq
        df = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-05", interval="1m",
                            include=["klines", "metrics"], progress=False)
        print(len(df), float(df["close"].sum()))
    """)
    with serve_archive(arch.root) as server:
        env = {
            **os.environ,
            "LIQLIB_CACHE_DIR": str(cache),
            "LIQLIB_BINANCE_ARCHIVE_URL": server.url,
        }
        procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]  # fmt: skip
        outs = [p.communicate(timeout=100) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
    assert len({o[0] for o in outs}) == 1
    assert_cache_sound(cache)
    assert len(list(cache.rglob("*.parquet"))) == 4


# ------------------------------------------------------------------------------------------
# the catalogue's size (reported in the issue)
# ------------------------------------------------------------------------------------------


def test_catalogue_size():
    bad_inputs = len(ARGUMENTS) + len(SETTINGS) + len(FILES) + len(CACHE_DAMAGE)
    kinds = {c.fault.kind if c.fault else "refused" for c in NETWORK}
    assert bad_inputs >= 60 and len(kinds) >= 12, (bad_inputs, sorted(kinds))
    assert len({c.id for c in ARGUMENTS + SETTINGS + FILES}) == len(ARGUMENTS + SETTINGS + FILES)
