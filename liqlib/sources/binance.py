"""Binance USD-M futures: the public archive (data.binance.vision) and its REST endpoints.

Archive
-------
Files live under ``<base>/data/futures/um/{daily,monthly}/<kind>/<SYMBOL>/[<interval>/]``,
one zip per day (or month) holding one CSV, each next to ``<zip>.CHECKSUM``
(``"<sha256 hex>  <zip name>"``). :func:`fetch_archive_file` downloads both, verifies the
sha256 and parses the CSV. The base address is ``$LIQLIB_BINANCE_ARCHIVE_URL`` (read at call
time, so a local mirror works), else https://data.binance.vision.

Parsing
-------
The ``parse_*`` functions are pure and vectorised. They accept the CSV with or without its
header row (older archive files have none), detect the epoch unit of every timestamp on its
own (seconds, ms, µs or ns: Binance moved some files to µs in 2025), accept values with 16
decimals, and return a frame indexed by a UTC ``DatetimeIndex`` named ``time`` with the
columns of :mod:`liqlib.columns`.

Decisions (tested in ``tests/test_binance_parsers.py``):

* **Unsorted rows are sorted** (stable) by time; ``df.attrs["unsorted"]`` records it. Order
  carries no information in these files, so refusing them would help nobody.
* **Duplicated timestamps keep the last row**; ``df.attrs["duplicates"]`` counts the dropped
  ones (aggTrades: duplicated ``agg_trade_id``).
* **Gaps are reported, never filled**: ``df.attrs["gaps"]`` lists missing ranges
  ``[first_missing, last_missing]`` (ISO strings) between the first and last row, and
  ``df.attrs["missing_slots"]`` counts them (klines and metrics).
* **Damage raises** :class:`~liqlib.errors.CorruptDataError` naming the file and the line
  (1-based, header included): a NaN or non-positive price, ``high < low``, a value that is not
  a number, a timestamp that is not a time or lies outside 2017 .. now + 1 year.

REST
----
For recent windows the archive has not published yet: ``fetch_rest_*`` page through
``$LIQLIB_BINANCE_REST_URL`` (default https://fapi.binance.com) by ``startTime``/``endTime``
windows of at most ``limit`` rows each, so the result does not depend on which end of a
window the server fills first. The ``/futures/data/*`` statistics only cover the last 30 days.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import requests

from liqlib import columns as C
from liqlib.errors import (
    ChecksumError,
    CorruptDataError,
    DataNotFoundError,
    InputError,
    UnknownSymbolError,
)
from liqlib.http import download, make_session
from liqlib.timeutil import TimeLike, to_utc

ARCHIVE_URL_ENV = "LIQLIB_BINANCE_ARCHIVE_URL"
DEFAULT_ARCHIVE_URL = "https://data.binance.vision"
REST_URL_ENV = "LIQLIB_BINANCE_REST_URL"
DEFAULT_REST_URL = "https://fapi.binance.com"

#: Kline intervals Binance publishes (archive and REST).
KLINE_INTERVALS = (
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1mo",
)  # fmt: skip
#: Statistics periods of the ``/futures/data/*`` REST endpoints.
STAT_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")

#: Raw CSV columns of the archive files, in file order.
KLINE_RAW = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
    "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore",
)  # fmt: skip
METRICS_RAW = (
    "create_time", "symbol", "sum_open_interest", "sum_open_interest_value",
    "count_toptrader_long_short_ratio", "sum_toptrader_long_short_ratio",
    "count_long_short_ratio", "sum_taker_long_short_vol_ratio",
)  # fmt: skip
FUNDING_RAW = ("calc_time", "funding_interval_hours", "last_funding_rate")
AGG_TRADES_RAW = (
    "agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
    "is_buyer_maker",
)  # fmt: skip
BOOK_DEPTH_RAW = ("timestamp", "percentage", "depth", "notional")

#: bookDepth columns (not in :mod:`liqlib.columns` yet): signed distance from the mid price in
#: percent (negative = bid side), cumulative depth within it in coins and in USD.
BOOK_PERCENTAGE = "percentage"
BOOK_DEPTH_COIN = "depth_coin"
BOOK_DEPTH_USD = "depth_usd"
BOOK_DEPTH_COLUMNS = (BOOK_PERCENTAGE, BOOK_DEPTH_COIN, BOOK_DEPTH_USD)

METRICS_STEP = pd.Timedelta(minutes=5)
#: Timestamps outside [EARLIEST, now + LATEST_AHEAD] are damage, not data.
EARLIEST = pd.Timestamp("2017-01-01", tz="UTC")
LATEST_AHEAD = pd.Timedelta(days=366)

_REFETCH = "delete the cached copy and download it again (refresh=True), or report the file"


# --------------------------------------------------------------------------------------------
# symbols
# --------------------------------------------------------------------------------------------

_EXTRA_SYMBOLS: dict[str, dt.date] = {}


@lru_cache(maxsize=1)
def _packaged_symbols() -> dict[str, dt.date]:
    text = resources.files("liqlib").joinpath("resources/binance_um_symbols.csv").read_text()
    rows = csv.DictReader(io.StringIO(text))
    return {r["symbol"].strip(): dt.date.fromisoformat(r["onboard_date"].strip()) for r in rows}


def known_symbols() -> pd.DataFrame:
    """The USD-M perpetuals liqlib knows: packaged ones plus any :func:`register_symbol` added.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``onboard_date`` (``datetime.date``, UTC day trading opened)
        and ``source`` (where that date comes from).
    """
    text = resources.files("liqlib").joinpath("resources/binance_um_symbols.csv").read_text()
    frame = pd.read_csv(io.StringIO(text), dtype=str).set_index("symbol")
    frame["onboard_date"] = [dt.date.fromisoformat(d) for d in frame["onboard_date"]]
    extra = pd.DataFrame(
        {"onboard_date": list(_EXTRA_SYMBOLS.values()), "source": "register_symbol()"},
        index=pd.Index(list(_EXTRA_SYMBOLS), name="symbol"),
    )
    return pd.concat([frame[~frame.index.isin(extra.index)], extra])


def register_symbol(symbol: str, onboard_date: dt.date | str) -> str:
    """Teach liqlib a USD-M perpetual the packaged list lacks (for this Python process).

    Parameters
    ----------
    symbol : str
        E.g. ``"SOLUSDT"``; upper-cased.
    onboard_date : datetime.date or str
        The UTC day trading opened (``onboardDate`` of ``fetch_symbols()``), ``YYYY-MM-DD``.

    Returns
    -------
    str
        The normalised symbol.
    """
    sym = _normalise_symbol(symbol)
    try:
        day = (
            onboard_date
            if isinstance(onboard_date, dt.date)
            else dt.date.fromisoformat(str(onboard_date).strip())
        )
    except ValueError:
        raise InputError(
            f"onboard_date={onboard_date!r} for {sym} is not a date: pass 'YYYY-MM-DD'"
        ) from None
    _EXTRA_SYMBOLS[sym] = day
    return sym


def _all_symbols() -> dict[str, dt.date]:
    return {**_packaged_symbols(), **_EXTRA_SYMBOLS}


def _normalise_symbol(symbol: str) -> str:
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol must be a non-empty string such as 'BTCUSDT', not {symbol!r}")
    sym = symbol.strip().upper()
    if re.search(r"[\s/\\:?#]", sym):
        raise InputError(
            f"symbol {symbol!r} is not a Binance symbol (no spaces, '/' or ':'): write it like "
            "'BTCUSDT'"
        )
    return sym


def validate_symbol(symbol: str) -> str:
    """Normalise a symbol and check liqlib knows it as a Binance USD-M perpetual.

    Parameters
    ----------
    symbol : str
        Any case, e.g. ``"btcusdt"``.

    Returns
    -------
    str
        The upper-case symbol.

    Raises
    ------
    UnknownSymbolError
        The symbol is not in ``liqlib/resources/binance_um_symbols.csv`` nor registered.

    Examples
    --------
    >>> validate_symbol("btcusdt")
    'BTCUSDT'
    """
    sym = _normalise_symbol(symbol)
    known = _all_symbols()
    if sym in known:
        return sym
    close = difflib.get_close_matches(sym, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    listing = ", ".join(list(known)[:3])
    raise UnknownSymbolError(
        f"unknown symbol {sym!r}: not a Binance USD-M perpetual liqlib knows ({listing}, ...); "
        f"{hint}check the spelling, or add it to liqlib/resources/binance_um_symbols.csv / call "
        f"liqlib.sources.binance.register_symbol({sym!r}, 'YYYY-MM-DD')"
    )


def listing_date(symbol: str) -> dt.date:
    """The UTC day a USD-M perpetual started trading (no archive data exists before it).

    Examples
    --------
    >>> listing_date("BTCUSDT")
    datetime.date(2019, 9, 8)
    """
    return _all_symbols()[validate_symbol(symbol)]


def fetch_symbols(
    *, session: requests.Session | None = None, base_url: str | None = None
) -> pd.DataFrame:
    """Every USD-M perpetual Binance lists now, from ``/fapi/v1/exchangeInfo`` (network).

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_exchange_info`.
    """
    body = download(f"{_rest_base(base_url)}/fapi/v1/exchangeInfo", session)
    return parse_exchange_info(body)


def parse_exchange_info(raw: bytes | str) -> pd.DataFrame:
    """The perpetual contracts of an ``exchangeInfo`` JSON document.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``onboard_date`` (``datetime.date``, UTC), ``status``,
        ``quote_asset``, ``margin_asset``. Sorted by symbol.
    """
    try:
        doc = json.loads(raw)
        rows = [s for s in doc["symbols"] if s.get("contractType") == "PERPETUAL"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptDataError(
            f"exchangeInfo is not the expected JSON ({type(exc).__name__}: {exc}); retry later "
            "or report the response"
        ) from exc
    onboard = pd.to_datetime([r.get("onboardDate", 0) for r in rows], unit="ms", utc=True)
    frame = pd.DataFrame(
        {
            "onboard_date": [t.date() for t in onboard],
            "status": [r.get("status", "") for r in rows],
            "quote_asset": [r.get("quoteAsset", "") for r in rows],
            "margin_asset": [r.get("marginAsset", "") for r in rows],
        },
        index=pd.Index([r["symbol"] for r in rows], name="symbol"),
    )
    return frame.sort_index()


# --------------------------------------------------------------------------------------------
# CSV reading shared by the parsers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """What one archive CSV holds: column names in file order and the type of each used one."""

    names: tuple[str, ...]
    ints: tuple[str, ...] = ()
    floats: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    @property
    def used(self) -> tuple[str, ...]:
        wanted = set(self.ints + self.floats + self.bools + self.texts)
        return tuple(n for n in self.names if n in wanted)

    def dtypes(self) -> dict[str, str]:
        out = {c: "int64" for c in self.ints}
        out.update({c: "float64" for c in self.floats})
        out.update({c: "bool" for c in self.bools})
        out.update({c: "str" for c in self.texts})
        return out


@dataclass(frozen=True)
class _Table:
    """A CSV read into typed columns, plus what is needed to name a bad line."""

    frame: pd.DataFrame
    source: str
    first_line: int  # file line of row 0 (2 with a header row, else 1)
    ignored: tuple[str, ...] = field(default=())

    def line(self, row: int) -> int:
        return int(row) + self.first_line


_TRUE = ["true", "True", "TRUE"]
_FALSE = ["false", "False", "FALSE"]


def _as_bytes(raw: bytes | str) -> bytes:
    if isinstance(raw, str):
        return raw.encode("utf-8")
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise InputError(f"parse_* takes the bytes or text of a CSV file, not {type(raw).__name__}")


def _read_table(raw: bytes | str, layout: _Layout, source: str) -> _Table:
    """Read an archive CSV (header row optional) into the typed columns ``layout.used``."""
    data = _as_bytes(raw).lstrip(b"\xef\xbb\xbf")  # a UTF-8 BOM is not part of the header
    if not data.strip():
        raise CorruptDataError(f"{source} is empty: {_REFETCH}")
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    fields = [f.strip().lower() for f in first.split(",")]
    header = fields[0] == layout.names[0] or bool(set(fields) & set(layout.names[1:]))
    if header:
        names = [f or f"unnamed_{i}" for i, f in enumerate(fields)]
        missing = [n for n in layout.used if n not in names]
        if missing:
            raise CorruptDataError(
                f"{source} header lacks {', '.join(missing)} (has {first[:120]!r}): not the "
                f"Binance archive file expected here (check the kind); {_REFETCH}"
            )
    else:
        if len(fields) < len(layout.used) or len(fields) < layout.names.index(layout.used[-1]) + 1:
            raise CorruptDataError(
                f"{source} line 1 has {len(fields)} columns, expected {len(layout.names)} "
                f"({','.join(layout.names)}): {_REFETCH}"
            )
        names = list(layout.names[: len(fields)]) + [
            f"extra_{i}" for i in range(len(fields) - len(layout.names))
        ]
    ignored = tuple(n for n in names if n not in layout.names)  # columns beyond the layout
    kwargs = dict(
        header=0 if header else None,
        names=names,  # no usecols: with it pandas would silently drop extra fields in a row
        skip_blank_lines=True,
        skipinitialspace=True,
        true_values=_TRUE,
        false_values=_FALSE,
        engine="c",
    )
    first_line = 2 if header else 1
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=layout.dtypes(), **kwargs)
    except pd.errors.ParserError as exc:
        detail = _one_line(exc).replace("Error tokenizing data. C error: ", "")
        raise CorruptDataError(f"{source}: {detail}; {_REFETCH}") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        _diagnose(data, layout, kwargs, source, first_line)  # raises with the line
        raise CorruptDataError(f"{source}: {_one_line(exc)}; {_REFETCH}") from exc
    if frame.empty:
        raise CorruptDataError(f"{source} has a header but no rows: {_REFETCH}")
    return _Table(frame, source, first_line, ignored)


def _diagnose(data: bytes, layout: _Layout, kwargs: dict, source: str, first_line: int) -> None:
    """Find the first value that is not of its column's type and raise naming its line."""
    try:
        text = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, **kwargs
        )
    except (ValueError, TypeError):  # not even readable as text: the caller reports it
        return
    for col in layout.ints + layout.floats + layout.bools:
        values = text[col].str.strip()
        if col in layout.ints:
            bad, want = ~values.str.fullmatch(r"[+-]?\d+"), "an integer"
        elif col in layout.floats:
            number = pd.to_numeric(values, errors="coerce").notna()
            bad, want = ~(number | values.str.lower().isin(["", "nan"])), "a number"
        else:
            bad, want = ~values.str.lower().isin(["true", "false"]), "true/false"
        rows = np.flatnonzero(bad.to_numpy())
        if rows.size:
            row = int(rows[0])
            raise CorruptDataError(
                f"{source} line {row + first_line}: {col}={values.iloc[row]!r} is not {want}"
                f"{_more(rows.size)}; {_REFETCH}"
            )


def _more(n: int) -> str:
    return f" ({n - 1} more such lines)" if n > 1 else ""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def epoch_to_utc(values: np.ndarray | Sequence[int]) -> tuple[pd.DatetimeIndex, str]:
    """Epoch integers of any unit to UTC times, deciding the unit of each value on its own.

    The unit follows from the magnitude: < 1e11 seconds, < 1e14 milliseconds, < 1e17
    microseconds, else nanoseconds (each boundary is past the year 5000 in the smaller unit).

    Parameters
    ----------
    values : array of int
        Epoch timestamps.

    Returns
    -------
    index : pandas.DatetimeIndex
        UTC, nanosecond resolution (not range-checked: see :func:`_checked_times`).
    unit : str
        ``"s"``, ``"ms"``, ``"us"``, ``"ns"``, or ``"mixed"`` when the file mixes units.

    Examples
    --------
    >>> epoch_to_utc([1762214400000, 1762214700000000])[1]
    'mixed'
    """
    v = np.asarray(values, dtype=np.int64)
    code = np.searchsorted(np.array([10**11, 10**14, 10**17]), np.abs(v), side="right")
    factor = np.array([10**9, 10**6, 10**3, 1], dtype=np.int64)[code]
    safe = np.abs(v) < np.iinfo(np.int64).max // factor
    ns = np.where(safe, v * np.where(safe, factor, 1), np.iinfo(np.int64).min)
    units = np.unique(code)
    unit = ("s", "ms", "us", "ns")[units[0]] if units.size == 1 else "mixed"
    index = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC")
    return index, unit


def _checked_times(index: pd.DatetimeIndex, raw_values, table: _Table, col: str) -> None:
    """Raise naming the first line whose time is missing or outside 2017 .. now + 1 year."""
    latest = pd.Timestamp.now(tz="UTC") + LATEST_AHEAD
    bad = np.asarray(index.isna() | (index < EARLIEST) | (index > latest))
    rows = np.flatnonzero(bad)
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: {col}={_raw_at(raw_values, row)!r} is not a "
            f"plausible UTC time (expected {EARLIEST:%Y}..now){_more(rows.size)}; {_REFETCH}"
        )


def _raw_at(values, row: int):
    value = values.iloc[row] if isinstance(values, pd.Series) else np.asarray(values)[row]
    return value.item() if isinstance(value, np.generic) else value


def _text_times(values: pd.Series, table: _Table, col: str) -> tuple[pd.DatetimeIndex, str]:
    """Times written as text (``2025-11-04 00:05:00``) or as epoch numbers, to UTC."""
    text = values.astype(str).str.strip()
    if text.str.fullmatch(r"[+-]?\d+").all():
        index, unit = epoch_to_utc(text.astype("int64").to_numpy())
        _checked_times(index, text, table, col)
        return index, unit
    parsed = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce", utc=True)
    retry = parsed.isna() & (text != "")
    if retry.any():  # ISO variants: a 'T', fractional seconds, an explicit offset
        parsed[retry] = pd.to_datetime(text[retry], format="ISO8601", errors="coerce", utc=True)
    index = pd.DatetimeIndex(parsed).as_unit("ns")
    rows = np.flatnonzero(np.asarray(index.isna()))
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: {col}={values.iloc[row]!r} is not a time "
            f"(expected 'YYYY-MM-DD HH:MM:SS' UTC){_more(rows.size)}; {_REFETCH}"
        )
    _checked_times(index, values, table, col)
    return index, "text"


def _require_values(frame: pd.DataFrame, cols: Sequence[str], table: _Table, what: str) -> None:
    """Raise naming the first line where one of ``cols`` is NaN."""
    missing = frame[list(cols)].isna().to_numpy()
    rows = np.flatnonzero(missing.any(axis=1))
    if rows.size:
        row = int(rows[0])
        col = list(cols)[int(np.argmax(missing[row]))]
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: {col} is empty or NaN ({what} must be "
            f"present){_more(rows.size)}; {_REFETCH}"
        )


def _require_prices(frame: pd.DataFrame, table: _Table, cols: Sequence[str]) -> None:
    """Prices are present, positive, and high >= low."""
    _require_values(frame, cols, table, "prices")
    values = frame[list(cols)].to_numpy()
    rows = np.flatnonzero((values <= 0).any(axis=1))
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: a price is <= 0 "
            f"({dict(zip(cols, values[row].tolist(), strict=True))}){_more(rows.size)}; "
            f"{_REFETCH}"
        )
    if C.HIGH in frame and C.LOW in frame:
        rows = np.flatnonzero((frame[C.HIGH] < frame[C.LOW]).to_numpy())
        if rows.size:
            row = int(rows[0])
            raise CorruptDataError(
                f"{table.source} line {table.line(row)}: high {frame[C.HIGH].iloc[row]} < low "
                f"{frame[C.LOW].iloc[row]}{_more(rows.size)}; {_REFETCH}"
            )


def _tidy(frame: pd.DataFrame, *, unique: bool = True) -> pd.DataFrame:
    """Sort by time (stable) and, when ``unique``, keep the last row of each timestamp."""
    unsorted = not frame.index.is_monotonic_increasing
    if unsorted:
        frame = frame.sort_index(kind="stable")
    dropped = 0
    if unique:
        dup = frame.index.duplicated(keep="last")
        dropped = int(dup.sum())
        if dropped:
            frame = frame[~dup]
    frame.attrs.update(unsorted=bool(unsorted), duplicates=dropped)
    return frame


def find_gaps(index: pd.DatetimeIndex, step: pd.Timedelta) -> tuple[list[list[str]], int]:
    """Missing slots of a regular series between its first and last stamp.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Sorted, unique times.
    step : pandas.Timedelta
        The expected spacing (e.g. 5 minutes for metrics).

    Returns
    -------
    gaps : list of [str, str]
        ``[first_missing, last_missing]`` ISO times of each run of missing slots.
    missing_slots : int
        Number of missing slots in all.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2025-11-04 00:00", "2025-11-04 00:15"], tz="UTC")
    >>> find_gaps(idx, pd.Timedelta("5min"))
    ([['2025-11-04T00:05:00+00:00', '2025-11-04T00:10:00+00:00']], 2)
    """
    if len(index) < 2:
        return [], 0
    index = pd.DatetimeIndex(index).as_unit("ns")
    step_ns = int(pd.Timedelta(step).value)
    diffs = np.diff(index.asi8)
    # a slot is missing when the distance to the next stamp exceeds 1.5 steps
    where = np.flatnonzero(diffs > step_ns * 3 // 2)
    gaps, missing = [], 0
    for i in where:  # one Python iteration per gap, not per row
        n = int(round(diffs[i] / step_ns)) - 1
        first = index[i] + pd.Timedelta(step_ns, "ns")
        last = index[i + 1] - pd.Timedelta(step_ns, "ns")
        gaps.append([first.isoformat(), max(first, last).isoformat()])
        missing += max(n, 1)
    return gaps, missing


# --------------------------------------------------------------------------------------------
# parsers (pure)
# --------------------------------------------------------------------------------------------

_KLINE_LAYOUT = _Layout(
    KLINE_RAW,
    ints=("open_time", "close_time", "count"),
    floats=("open", "high", "low", "close", "volume", "quote_volume", "taker_buy_volume",
            "taker_buy_quote_volume"),
)  # fmt: skip
_KLINE_RENAME = {
    "open": C.OPEN,
    "high": C.HIGH,
    "low": C.LOW,
    "close": C.CLOSE,
    "volume": C.VOLUME,
    "quote_volume": C.QUOTE_VOLUME,
    "count": C.TRADES,
    "taker_buy_volume": C.TAKER_BUY_VOLUME,
    "taker_buy_quote_volume": C.TAKER_BUY_QUOTE_VOLUME,
}


def parse_klines(raw: bytes | str, *, source: str = "klines CSV") -> pd.DataFrame:
    """Parse an archive kline CSV (trade or mark price; any interval).

    Parameters
    ----------
    raw : bytes or str
        The CSV, with or without its header row ``open_time,open,...,ignore``.
    source : str
        Name used in error messages (the file name).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC bar open time); columns :data:`liqlib.columns.KLINE_COLUMNS`:
        OHLC in USD/coin, ``volume`` and ``taker_buy_volume`` in coins, ``quote_volume`` and
        ``taker_buy_quote_volume`` in USD, ``trades`` (count; for mark-price klines the number
        of price samples). ``attrs``: ``time_unit``, ``unsorted``, ``duplicates``, ``gaps``,
        ``missing_slots``, ``bar`` (bar length, ISO 8601 duration).

    Raises
    ------
    CorruptDataError
        Naming the line: a non-numeric value, a NaN or non-positive price, ``high < low``,
        an implausible timestamp.

    Examples
    --------
    >>> csv_text = "1762214400000,106544,106583,106378,106480.8,0,1762214699999,0,300,0,0,0\\n"
    >>> parse_klines(csv_text).loc["2025-11-04 00:00", "low"]
    np.float64(106378.0)
    """
    table = _read_table(raw, _KLINE_LAYOUT, source)
    return _klines_frame(table)


def _klines_frame(table: _Table) -> pd.DataFrame:
    raw = table.frame
    index, unit = epoch_to_utc(raw["open_time"].to_numpy())
    _checked_times(index, raw["open_time"], table, "open_time")
    closes, _ = epoch_to_utc(raw["close_time"].to_numpy())
    frame = raw[list(_KLINE_RENAME)].rename(columns=_KLINE_RENAME)[list(C.KLINE_COLUMNS)]
    frame.index = index.rename(C.TIME)
    _require_prices(frame, table, C.PRICE_COLUMNS)
    _require_values(frame, C.KLINE_COLUMNS, table, "kline values")
    # the bar length, from close_time - open_time (59999 ms for 1m bars), rounded to 1 s
    bar = pd.Timedelta(int(np.median(closes.asi8 - index.asi8)), "ns").ceil("1s")
    frame = _tidy(frame)
    regular = pd.Timedelta(0) < bar <= pd.Timedelta(days=7)  # months are not regular
    gaps, missing = find_gaps(frame.index, bar) if regular else ([], 0)
    frame.attrs.update(
        source=table.source,
        time_unit=unit,
        bar=bar.isoformat(),
        gaps=gaps,
        missing_slots=missing,
        ignored_columns=list(table.ignored),
    )
    return frame


_METRICS_LAYOUT = _Layout(
    METRICS_RAW,
    texts=("create_time", "symbol"),
    floats=METRICS_RAW[2:],
)
_METRICS_RENAME = dict(zip(METRICS_RAW[2:], C.METRICS_COLUMNS, strict=True))


def parse_metrics(
    raw: bytes | str, *, source: str = "metrics CSV", symbol: str | None = None
) -> pd.DataFrame:
    """Parse an archive ``metrics`` CSV: 5-minute open interest and long/short ratios.

    Parameters
    ----------
    raw : bytes or str
        The CSV (``create_time,symbol,sum_open_interest,...``), header row optional.
        ``create_time`` is ``YYYY-MM-DD HH:MM:SS`` UTC (epoch numbers are accepted too).
    source : str
        Name used in error messages.
    symbol : str, optional
        When given, every row's ``symbol`` must equal it.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC snapshot time); columns :data:`liqlib.columns.METRICS_COLUMNS`:
        ``oi_coin`` (coins), ``oi_usd`` (USD), ``toptrader_ls_account``,
        ``toptrader_ls_position``, ``ls_account``, ``taker_ls_volume`` (ratios). Ratio values
        the file leaves empty stay NaN. Duplicated snapshots keep the last row
        (``attrs["duplicates"]``); missing 5-minute slots are listed in ``attrs["gaps"]`` and
        counted in ``attrs["missing_slots"]``.
    """
    table = _read_table(raw, _METRICS_LAYOUT, source)
    index, unit = _text_times(table.frame["create_time"], table, "create_time")
    if symbol is not None:
        names = table.frame["symbol"].astype(str).str.strip().str.upper()
        rows = np.flatnonzero((names != symbol.upper()).to_numpy())
        if rows.size:
            row = int(rows[0])
            raise CorruptDataError(
                f"{source} line {table.line(row)}: symbol {names.iloc[row]!r} in a "
                f"{symbol.upper()} file; {_REFETCH}"
            )
    frame = table.frame[list(_METRICS_RENAME)].rename(columns=_METRICS_RENAME)
    frame.index = index.rename(C.TIME)
    _require_values(frame, (C.OI_COIN,), table, "open interest")
    frame = _tidy(frame)
    gaps, missing = find_gaps(frame.index, METRICS_STEP)
    frame.attrs.update(
        source=source,
        time_unit=unit,
        gaps=gaps,
        missing_slots=missing,
        ignored_columns=list(table.ignored),
    )
    return frame


_FUNDING_LAYOUT = _Layout(
    FUNDING_RAW, ints=("calc_time", "funding_interval_hours"), floats=("last_funding_rate",)
)


def parse_funding_rate(raw: bytes | str, *, source: str = "fundingRate CSV") -> pd.DataFrame:
    """Parse an archive monthly ``fundingRate`` CSV.

    Parameters
    ----------
    raw : bytes or str
        The CSV ``calc_time,funding_interval_hours,last_funding_rate``, header row optional.

    Returns
    -------
    pandas.DataFrame
        Index ``time``: the UTC settlement time, ``calc_time`` **rounded to the nearest
        minute** (it carries a few ms of jitter, e.g. ``...00001``). Columns
        :data:`liqlib.columns.FUNDING_COLUMNS`: ``funding_rate`` (fraction, 0.0001 = 0.01 %
        per interval) and ``funding_interval_hours`` (hours).
    """
    table = _read_table(raw, _FUNDING_LAYOUT, source)
    raw_times = table.frame["calc_time"]
    index, unit = epoch_to_utc(raw_times.to_numpy())
    _checked_times(index, raw_times, table, "calc_time")
    frame = pd.DataFrame(
        {
            C.FUNDING_RATE: table.frame["last_funding_rate"].to_numpy(),
            C.FUNDING_INTERVAL_HOURS: table.frame["funding_interval_hours"].to_numpy(),
        },
        index=index.round("1min").rename(C.TIME),
    )
    _require_values(frame, (C.FUNDING_RATE,), table, "funding rates")
    rows = np.flatnonzero((frame[C.FUNDING_INTERVAL_HOURS] <= 0).to_numpy())
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{source} line {table.line(row)}: funding_interval_hours="
            f"{frame[C.FUNDING_INTERVAL_HOURS].iloc[row]} is not positive; {_REFETCH}"
        )
    frame = _tidy(frame)
    frame.attrs.update(source=source, time_unit=unit, ignored_columns=list(table.ignored))
    return frame


_AGG_LAYOUT = _Layout(
    AGG_TRADES_RAW,
    ints=("agg_trade_id", "first_trade_id", "last_trade_id", "transact_time"),
    floats=("price", "quantity"),
    bools=("is_buyer_maker",),
)


def parse_agg_trades(raw: bytes | str, *, source: str = "aggTrades CSV") -> pd.DataFrame:
    """Parse an archive ``aggTrades`` CSV (header row optional).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC ``transact_time``; not unique: many trades share a millisecond);
        columns :data:`liqlib.columns.AGG_TRADES_COLUMNS`: ``agg_trade_id``, ``price``
        (USD/coin), ``qty_coin`` (coins), ``first_trade_id``, ``last_trade_id``,
        ``is_buyer_maker`` (True: the taker sold). Rows are sorted by ``agg_trade_id``
        (which follows time); a duplicated id keeps its last row (``attrs["duplicates"]``).
    """
    table = _read_table(raw, _AGG_LAYOUT, source)
    raw_frame = table.frame
    index, unit = epoch_to_utc(raw_frame["transact_time"].to_numpy())
    _checked_times(index, raw_frame["transact_time"], table, "transact_time")
    frame = pd.DataFrame(
        {
            C.AGG_TRADE_ID: raw_frame["agg_trade_id"].to_numpy(),
            C.PRICE: raw_frame["price"].to_numpy(),
            C.QTY_COIN: raw_frame["quantity"].to_numpy(),
            C.FIRST_TRADE_ID: raw_frame["first_trade_id"].to_numpy(),
            C.LAST_TRADE_ID: raw_frame["last_trade_id"].to_numpy(),
            C.IS_BUYER_MAKER: raw_frame["is_buyer_maker"].to_numpy(),
        },
        index=index.rename(C.TIME),
    )
    _require_prices(frame, table, (C.PRICE,))
    _require_values(frame, (C.QTY_COIN,), table, "quantities")
    steps = np.diff(frame[C.AGG_TRADE_ID].to_numpy())
    unsorted = bool((steps < 0).any())
    if unsorted:
        frame = frame.iloc[np.argsort(frame[C.AGG_TRADE_ID].to_numpy(), kind="stable")]
    dup = np.zeros(len(frame), dtype=bool)
    if unsorted or not (steps > 0).all():  # strictly increasing ids cannot repeat
        dup = frame[C.AGG_TRADE_ID].duplicated(keep="last").to_numpy()
        frame = frame[~dup]
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
        unsorted = True
    frame.attrs.update(
        source=source,
        time_unit=unit,
        unsorted=unsorted,
        duplicates=int(dup.sum()),
        ignored_columns=list(table.ignored),
    )
    return frame


_BOOK_LAYOUT = _Layout(
    BOOK_DEPTH_RAW, texts=("timestamp",), floats=("percentage", "depth", "notional")
)


def parse_book_depth(raw: bytes | str, *, source: str = "bookDepth CSV") -> pd.DataFrame:
    """Parse an archive ``bookDepth`` CSV: cumulative order-book depth around the mid price.

    Real-world copies are sometimes edited. The documented recovery: whitespace around a
    timestamp is stripped, and columns beyond ``timestamp,percentage,depth,notional`` (e.g.
    an added ``weighted_avg_price``) are ignored and listed in ``attrs["ignored_columns"]``.
    Anything else that is wrong (a timestamp that is still not a time, a value that is not a
    number) raises :class:`~liqlib.errors.CorruptDataError` naming the line.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC snapshot time, about every 30 s; one row per level, so not
        unique); columns ``percentage`` (signed distance from mid, percent; negative = bids),
        ``depth_coin`` (cumulative depth, coins) and ``depth_usd`` (the same in USD). Sorted
        by time then percentage; duplicated (time, percentage) rows keep the last.
    """
    table = _read_table(raw, _BOOK_LAYOUT, source)
    index, unit = _text_times(table.frame["timestamp"], table, "timestamp")
    frame = pd.DataFrame(
        {
            BOOK_PERCENTAGE: table.frame["percentage"].to_numpy(),
            BOOK_DEPTH_COIN: table.frame["depth"].to_numpy(),
            BOOK_DEPTH_USD: table.frame["notional"].to_numpy(),
        },
        index=index.rename(C.TIME),
    )
    _require_values(frame, BOOK_DEPTH_COLUMNS, table, "depth values")
    keyed = frame.reset_index()
    unsorted = not keyed.set_index([C.TIME, BOOK_PERCENTAGE]).index.is_monotonic_increasing
    if unsorted:
        keyed = keyed.sort_values([C.TIME, BOOK_PERCENTAGE], kind="stable")
    dup = keyed.duplicated([C.TIME, BOOK_PERCENTAGE], keep="last").to_numpy()
    frame = keyed[~dup].set_index(C.TIME)
    frame.attrs.update(
        source=source,
        time_unit=unit,
        unsorted=bool(unsorted),
        duplicates=int(dup.sum()),
        ignored_columns=list(table.ignored),
    )
    return frame


# --------------------------------------------------------------------------------------------
# archive kinds, URLs and the download
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    """One kind of archive file.

    Attributes
    ----------
    name : str
        Folder name in the archive, e.g. ``"markPriceKlines"``.
    cadence : str
        ``"daily"`` or ``"monthly"``: one file per day or per month (the default period).
    needs_interval : bool
        Whether the kind has an interval folder (``1m``, ``5m``...).
    monthly_files : bool
        Whether monthly files exist too (then ``period="YYYY-MM"`` fetches one).
    columns : tuple of str
        Columns of the parsed frame.
    parser : callable
        ``parser(raw, source=...) -> DataFrame``.
    description : str
        What the kind holds.
    """

    name: str
    cadence: str
    needs_interval: bool
    monthly_files: bool
    columns: tuple[str, ...]
    parser: Callable[..., pd.DataFrame]
    description: str


KINDS: Mapping[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("klines", "daily", True, True, C.KLINE_COLUMNS, parse_klines,
                 "trade-price candles: OHLC (USD), volume (coins), taker buy volume"),
        KindSpec("markPriceKlines", "daily", True, True, C.KLINE_COLUMNS, parse_klines,
                 "mark-price candles (what liquidations trigger on); volume columns are 0"),
        KindSpec("metrics", "daily", False, False, C.METRICS_COLUMNS, parse_metrics,
                 "5-minute open interest (coins, USD) and long/short ratios"),
        KindSpec("fundingRate", "monthly", False, True, C.FUNDING_COLUMNS, parse_funding_rate,
                 "funding rate at each settlement (fraction per interval)"),
        KindSpec("aggTrades", "daily", False, True, C.AGG_TRADES_COLUMNS, parse_agg_trades,
                 "aggregated trades: price (USD), quantity (coins), taker side"),
        KindSpec("bookDepth", "daily", False, False, BOOK_DEPTH_COLUMNS, parse_book_depth,
                 "cumulative order-book depth within +-1..5 % of mid, ~30 s snapshots"),
    )
}  # fmt: skip

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _kind(kind: str) -> KindSpec:
    if kind not in KINDS:
        raise InputError(f"kind={kind!r} is not a Binance archive kind: use one of {list(KINDS)}")
    return KINDS[kind]


def archive_period(kind: str, period: dt.date | str) -> tuple[str, str]:
    """The cadence and label of one archive file: ``("daily", "2025-11-04")``.

    A daily kind takes a day (``datetime.date`` or ``"YYYY-MM-DD"``) or, when monthly files
    exist for it, a month ``"YYYY-MM"``; a monthly kind takes a month or any day in it.
    """
    spec = _kind(kind)
    if isinstance(period, dt.datetime | pd.Timestamp):
        period = pd.Timestamp(period).date()
    if isinstance(period, dt.date):
        text = period.isoformat()
    elif isinstance(period, str):
        text = period.strip()
    else:
        raise InputError(
            f"period must be a date or a 'YYYY-MM-DD' / 'YYYY-MM' string, not {period!r}"
        )
    day = _iso_date(text) if _DAY.match(text) else None
    month = _iso_date(f"{text}-01") if _MONTH.match(text) else None
    if day is not None:
        return ("monthly", f"{day:%Y-%m}") if spec.cadence == "monthly" else ("daily", text)
    if month is None:
        raise InputError(f"period {period!r} is not a date: pass 'YYYY-MM-DD' (or 'YYYY-MM')")
    if spec.cadence != "monthly" and not spec.monthly_files:
        raise InputError(
            f"{kind} is published one file per day only: pass a day 'YYYY-MM-DD', not the "
            f"month {text!r}"
        )
    return "monthly", text


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _check_interval(spec: KindSpec, interval: str | None) -> str | None:
    if spec.needs_interval:
        if interval not in KLINE_INTERVALS:
            raise InputError(
                f"{spec.name} needs interval= one of {', '.join(KLINE_INTERVALS)}, not {interval!r}"
            )
        return interval
    if interval is not None:
        raise InputError(f"{spec.name} has no interval: pass interval=None, not {interval!r}")
    return None


def archive_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$LIQLIB_BINANCE_ARCHIVE_URL``, else the real archive (no slash)."""
    url = base_url or os.environ.get(ARCHIVE_URL_ENV, "").strip() or DEFAULT_ARCHIVE_URL
    return url.rstrip("/")


def archive_url(
    kind: str,
    symbol: str,
    period: dt.date | str,
    interval: str | None = None,
    base_url: str | None = None,
) -> str:
    """The URL of one archive zip.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    symbol : str
        E.g. ``"BTCUSDT"`` (any case).
    period : datetime.date or str
        The day (``"2025-11-04"``) or month (``"2025-11"``), see :func:`archive_period`.
    interval : str, optional
        Kline interval (``"1m"``, ``"5m"``...), required by the kline kinds only.
    base_url : str, optional
        Default ``$LIQLIB_BINANCE_ARCHIVE_URL`` or https://data.binance.vision, read now.

    Examples
    --------
    >>> archive_url("markPriceKlines", "BTCUSDT", "2025-11-04", "5m", "https://x")
    'https://x/data/futures/um/daily/markPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2025-11-04.zip'
    >>> archive_url("fundingRate", "BTCUSDT", "2025-11", base_url="https://x")
    'https://x/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-11.zip'
    """
    spec = _kind(kind)
    interval = _check_interval(spec, interval)
    sym = _normalise_symbol(symbol)
    cadence, label = archive_period(kind, period)
    folder = f"{kind}/{sym}/{interval}" if interval else f"{kind}/{sym}"
    name = f"{sym}-{interval or kind}-{label}.zip"
    return f"{archive_base_url(base_url)}/data/futures/um/{cadence}/{folder}/{name}"


def published_sha256(text: bytes | str, name: str = "CHECKSUM") -> str:
    """The sha256 hex of a ``.CHECKSUM`` file (``"<hex>  <file name>"``), lower-case."""
    words = _as_bytes(text).decode("utf-8", "replace").split()
    if not words or not re.fullmatch(r"[0-9a-fA-F]{64}", words[0]):
        raise ChecksumError(
            f"{name} is not a sha256 checksum file ({_as_bytes(text)[:80]!r}): retry later, or "
            "pass verify=False to accept the data unchecked"
        )
    return words[0].lower()


def unzip_single_csv(blob: bytes, name: str) -> tuple[bytes, str]:
    """The one CSV inside an archive zip and its member name.

    Raises
    ------
    CorruptDataError
        Not a zip, a damaged member (CRC error), or no CSV inside.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            csvs = [m for m in members if m.filename.lower().endswith(".csv")] or members
            if not csvs:
                raise CorruptDataError(f"{name} holds no file: {_REFETCH}")
            return zf.read(csvs[0]), csvs[0].filename
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise CorruptDataError(
            f"{name} is not a readable zip ({_one_line(exc)}): the published file is damaged; "
            "retry later or report it to the publisher"
        ) from exc


def fetch_archive_file(
    kind: str,
    symbol: str,
    period: dt.date | str,
    interval: str | None = None,
    *,
    base_url: str | None = None,
    session: requests.Session | None = None,
    verify: bool = True,
) -> pd.DataFrame:
    """Download one archive zip, verify its sha256 and parse it (network).

    Parameters
    ----------
    kind : str
        ``"klines"``, ``"markPriceKlines"``, ``"metrics"``, ``"fundingRate"``,
        ``"aggTrades"`` or ``"bookDepth"``.
    symbol : str
        E.g. ``"BTCUSDT"``.
    period : datetime.date or str
        Day ``"YYYY-MM-DD"`` (daily kinds) or month ``"YYYY-MM"`` (fundingRate; kline and
        aggTrades monthly files).
    interval : str, optional
        Kline interval for the kline kinds.
    base_url : str, optional
        Archive root; default ``$LIQLIB_BINANCE_ARCHIVE_URL``, else the real archive.
    session : requests.Session, optional
        A shared session from :func:`liqlib.http.make_session`.
    verify : bool
        Check the zip against its published ``.CHECKSUM`` (default). A mismatch triggers one
        fresh download of both before giving up.

    Returns
    -------
    pandas.DataFrame
        As the kind's parser returns it (see :data:`KINDS`), with ``attrs`` ``url``,
        ``kind``, ``symbol``, ``period``, ``interval`` and ``sha256`` added.

    Raises
    ------
    DataNotFoundError
        The server has no such file (HTTP 404); ``missing`` is ``[period]``.
    ChecksumError
        The zip does not match its checksum twice in a row, or no checksum is published.
    CorruptDataError
        The zip or the CSV inside is damaged.
    DownloadError
        The network failed on every retry.

    Examples
    --------
    >>> fetch_archive_file("markPriceKlines", "BTCUSDT", "2025-11-04", "5m")  # doctest: +SKIP
    """
    spec = _kind(kind)
    sym = _normalise_symbol(symbol)
    cadence, label = archive_period(kind, period)
    url = archive_url(kind, sym, label, interval, base_url)
    name = url.rsplit("/", 1)[1]
    session = make_session() if session is None else session
    what = f"{sym} {kind}{' ' + interval if interval else ''}"
    digest = ""
    for attempt in (1, 2):
        try:
            blob = download(url, session)
        except DataNotFoundError as exc:
            unit = "day" if cadence == "daily" else "month"
            raise DataNotFoundError(
                f"{what} for {label} is not on the server ({url}: HTTP 404): the archive lacks "
                f"this {unit}; choose a window it covers, or pass allow_gaps=True to load_market",
                missing=[label],
            ) from exc
        digest = hashlib.sha256(blob).hexdigest()
        if not verify:
            break
        try:
            expected = published_sha256(download(f"{url}.CHECKSUM", session), f"{name}.CHECKSUM")
        except DataNotFoundError as exc:
            raise ChecksumError(
                f"{name}.CHECKSUM is not on the server ({url}.CHECKSUM: HTTP 404): the file "
                "cannot be verified; retry later, or pass verify=False to accept it unchecked"
            ) from exc
        if digest == expected:
            break
        if attempt == 2:
            raise ChecksumError(
                f"{name}: sha256 {digest[:16]}... does not match the published "
                f"{expected[:16]}... (twice, downloaded afresh): the file is damaged on the "
                "server or in transit; retry later, or report it if it persists"
            )
    csv_bytes, member = unzip_single_csv(blob, name)
    extra = {"symbol": sym} if kind == "metrics" else {}
    frame = spec.parser(csv_bytes, source=f"{name}:{member}", **extra)
    frame.attrs.update(
        url=url, kind=kind, symbol=sym, period=label, interval=interval, sha256=digest
    )
    return frame


# --------------------------------------------------------------------------------------------
# REST (recent windows the archive does not have yet)
# --------------------------------------------------------------------------------------------

_KLINE_LIMIT = 1500
_STATS_LIMIT = 500
_FUNDING_LIMIT = 1000
_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


def rest_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$LIQLIB_BINANCE_REST_URL``, else https://fapi.binance.com."""
    url = base_url or os.environ.get(REST_URL_ENV, "").strip() or DEFAULT_REST_URL
    return url.rstrip("/")


_rest_base = rest_base_url


def _interval_ms(interval: str) -> int:
    if interval == "1mo":
        return 31 * _MS["d"]
    return int(interval[:-1]) * _MS[interval[-1]]


def _window_ms(start: TimeLike, end: TimeLike) -> tuple[int, int]:
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t0 >= t1:
        raise InputError(
            f"start {t0:%Y-%m-%d %H:%M} is not before end {t1:%Y-%m-%d %H:%M} (UTC): the window "
            "is half-open [start, end), so pass an end after the start"
        )
    return int(t0.value // 1_000_000), int(t1.value // 1_000_000)


def _rest_json(path: str, params: dict, session, base_url: str | None):
    body = download(f"{rest_base_url(base_url)}{path}", session, params=params)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise CorruptDataError(
            f"{path} answered with something that is not JSON ({body[:80]!r}); check "
            f"{REST_URL_ENV} points at a Binance USD-M REST server"
        ) from exc


def _paged(
    path: str,
    params: dict,
    start_ms: int,
    end_ms: int,
    *,
    limit: int,
    span_ms: int,
    session,
    base_url: str | None,
) -> list:
    """Every row of ``[start_ms, end_ms)``, in windows of ``span_ms`` that hold <= ``limit`` rows."""
    session = make_session() if session is None else session
    rows: list = []
    cursor = start_ms
    while cursor < end_ms:
        stop = min(end_ms, cursor + span_ms) - 1
        page = _rest_json(
            path,
            {**params, "startTime": cursor, "endTime": stop, "limit": limit},
            session,
            base_url,
        )
        if not isinstance(page, list):
            raise CorruptDataError(f"{path} answered {str(page)[:120]!r}, not a list of rows")
        rows.extend(page)
        cursor = stop + 1
    return rows


def fetch_rest_klines(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    interval: str = "1m",
    *,
    price: str = "trade",
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Klines of ``[start, end)`` from ``/fapi/v1/klines`` or ``/fapi/v1/markPriceKlines``.

    Parameters
    ----------
    symbol : str
        E.g. ``"BTCUSDT"``.
    start, end : str, datetime.date or aware datetime
        Half-open UTC window of bar open times.
    interval : str
        One of :data:`KLINE_INTERVALS`.
    price : {"trade", "mark"}
        Trade-price klines or mark-price klines (volume columns 0).

    Returns
    -------
    pandas.DataFrame
        As :func:`parse_klines`: index ``time``, columns ``KLINE_COLUMNS``.
    """
    sym = _normalise_symbol(symbol)
    _check_interval(KINDS["klines"], interval)
    paths = {"trade": "/fapi/v1/klines", "mark": "/fapi/v1/markPriceKlines"}
    if price not in paths:
        raise InputError(f"price={price!r} must be 'trade' or 'mark'")
    t0, t1 = _window_ms(start, end)
    rows = _paged(
        paths[price],
        {"symbol": sym, "interval": interval},
        t0,
        t1,
        limit=_KLINE_LIMIT,
        span_ms=_KLINE_LIMIT * _interval_ms(interval),
        session=session,
        base_url=base_url,
    )
    source = f"{paths[price]} {sym} {interval}"
    return _rest_klines_frame(rows, source, t0, t1)


def _rest_klines_frame(rows: list, source: str, t0: int, t1: int) -> pd.DataFrame:
    if not rows:
        return _empty(C.KLINE_COLUMNS)
    width = len(KLINE_RAW)
    raw = pd.DataFrame([r[:width] for r in rows], columns=list(KLINE_RAW[: len(rows[0])]))
    try:
        raw = raw.astype(_KLINE_LAYOUT.dtypes() | {"ignore": "str"})
    except (ValueError, TypeError, KeyError) as exc:
        raise CorruptDataError(f"{source}: unexpected kline rows ({_one_line(exc)})") from exc
    frame = _klines_frame(_Table(raw, source, 1))
    return _clip(frame, t0, t1)


def _clip(frame: pd.DataFrame, t0: int, t1: int) -> pd.DataFrame:
    ms = pd.DatetimeIndex(frame.index).as_unit("ns").asi8 // 1_000_000
    attrs = dict(frame.attrs)
    out = frame[(ms >= t0) & (ms < t1)]
    out.attrs.update(attrs)
    return out


def _empty(cols: Sequence[str]) -> pd.DataFrame:
    index = pd.DatetimeIndex([], tz="UTC", name=C.TIME).as_unit("ns")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}, index=index)


def _stats_frame(rows: list, fields: Mapping[str, str], source: str, t0: int, t1: int):
    """``/futures/data/*`` rows (dicts with a ms ``timestamp``) to a typed frame."""
    if not rows:
        return _empty(list(fields.values()))
    raw = pd.DataFrame(rows)
    missing = [k for k in ("timestamp", *fields) if k not in raw]
    if missing:
        raise CorruptDataError(f"{source}: rows lack {', '.join(missing)}; the API changed")
    index, _ = epoch_to_utc(raw["timestamp"].astype("int64").to_numpy())
    frame = pd.DataFrame(
        {col: pd.to_numeric(raw[key], errors="coerce").to_numpy() for key, col in fields.items()},
        index=index.rename(C.TIME),
    )
    frame = _tidy(frame)
    frame.attrs["source"] = source
    return _clip(frame, t0, t1)


def _fetch_stats(
    path: str,
    fields: Mapping[str, str],
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    period: str,
    session,
    base_url: str | None,
) -> pd.DataFrame:
    sym = _normalise_symbol(symbol)
    if period not in STAT_PERIODS:
        raise InputError(f"period={period!r} must be one of {', '.join(STAT_PERIODS)}")
    t0, t1 = _window_ms(start, end)
    rows = _paged(
        path,
        {"symbol": sym, "period": period},
        t0,
        t1,
        limit=_STATS_LIMIT,
        span_ms=_STATS_LIMIT * _interval_ms(period),
        session=session,
        base_url=base_url,
    )
    return _stats_frame(rows, fields, f"{path} {sym} {period}", t0, t1)


def fetch_rest_open_interest(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    period: str = "5m",
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Open interest of ``[start, end)`` from ``/futures/data/openInterestHist`` (last 30 days).

    Returns
    -------
    pandas.DataFrame
        Index ``time``; columns ``oi_coin`` (coins) and ``oi_usd`` (USD).
    """
    fields = {"sumOpenInterest": C.OI_COIN, "sumOpenInterestValue": C.OI_USD}
    return _fetch_stats(
        "/futures/data/openInterestHist", fields, symbol, start, end, period, session, base_url
    )


def fetch_rest_taker_ratio(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    period: str = "5m",
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Taker buy/sell volume ratio from ``/futures/data/takerlongshortRatio`` (last 30 days).

    Returns
    -------
    pandas.DataFrame
        Index ``time``; column ``taker_ls_volume`` (ratio).
    """
    fields = {"buySellRatio": C.TAKER_LS_VOLUME}
    return _fetch_stats(
        "/futures/data/takerlongshortRatio", fields, symbol, start, end, period, session, base_url
    )


#: ``which`` of :func:`fetch_rest_long_short_ratio` -> (endpoint, column).
LONG_SHORT_ENDPOINTS = {
    "top_account": ("/futures/data/topLongShortAccountRatio", C.TOPTRADER_LS_ACCOUNT),
    "top_position": ("/futures/data/topLongShortPositionRatio", C.TOPTRADER_LS_POSITION),
    "global_account": ("/futures/data/globalLongShortAccountRatio", C.LS_ACCOUNT),
}


def fetch_rest_long_short_ratio(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    which: str = "global_account",
    period: str = "5m",
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """A long/short ratio series from ``/futures/data/*LongShort*Ratio`` (last 30 days).

    Parameters
    ----------
    which : {"top_account", "top_position", "global_account"}
        Top traders by accounts, top traders by positions, or all accounts.

    Returns
    -------
    pandas.DataFrame
        Index ``time``; one column: ``toptrader_ls_account``, ``toptrader_ls_position`` or
        ``ls_account`` (ratio).
    """
    if which not in LONG_SHORT_ENDPOINTS:
        raise InputError(f"which={which!r} must be one of {list(LONG_SHORT_ENDPOINTS)}")
    path, col = LONG_SHORT_ENDPOINTS[which]
    return _fetch_stats(
        path, {"longShortRatio": col}, symbol, start, end, period, session, base_url
    )


def fetch_rest_metrics(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    period: str = "5m",
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """The archive ``metrics`` columns rebuilt from the five REST statistics endpoints.

    Returns
    -------
    pandas.DataFrame
        Index ``time``; columns :data:`liqlib.columns.METRICS_COLUMNS` (outer-joined: a
        series missing at a time is NaN there).
    """
    kw = dict(session=make_session() if session is None else session, base_url=base_url)
    parts = [
        fetch_rest_open_interest(symbol, start, end, period, **kw),
        *(
            fetch_rest_long_short_ratio(symbol, start, end, which, period, **kw)
            for which in LONG_SHORT_ENDPOINTS
        ),
        fetch_rest_taker_ratio(symbol, start, end, period, **kw),
    ]
    frame = pd.concat(parts, axis=1, join="outer").sort_index()
    return frame[list(C.METRICS_COLUMNS)]


def fetch_rest_funding_rate(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    *,
    session: requests.Session | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Funding settlements of ``[start, end)`` from ``/fapi/v1/fundingRate``.

    The endpoint does not give the interval: ``funding_interval_hours`` is the spacing to the
    neighbouring settlement (whole hours); with a single settlement it is 8 (Binance's usual
    interval), flagged in ``attrs["interval_assumed"]``.

    Returns
    -------
    pandas.DataFrame
        As :func:`parse_funding_rate`: index ``time`` (settlement, rounded to the minute);
        columns ``funding_rate`` (fraction) and ``funding_interval_hours`` (hours).
    """
    sym = _normalise_symbol(symbol)
    t0, t1 = _window_ms(start, end)
    rows = _paged(
        "/fapi/v1/fundingRate",
        {"symbol": sym},
        t0,
        t1,
        limit=_FUNDING_LIMIT,
        span_ms=_FUNDING_LIMIT * _MS["h"],  # settlements are at least 1 h apart
        session=session,
        base_url=base_url,
    )
    return _rest_funding_frame(rows, f"/fapi/v1/fundingRate {sym}", t0, t1)


def _rest_funding_frame(rows: list, source: str, t0: int, t1: int) -> pd.DataFrame:
    if not rows:
        return _empty(C.FUNDING_COLUMNS)
    raw = pd.DataFrame(rows)
    index, _ = epoch_to_utc(raw["fundingTime"].astype("int64").to_numpy())
    rate = pd.to_numeric(raw["fundingRate"], errors="coerce").to_numpy()
    frame = _tidy(pd.DataFrame({C.FUNDING_RATE: rate}, index=index.round("1min").rename(C.TIME)))
    hours = np.diff(frame.index.asi8) / 3.6e12
    assumed = len(frame) < 2
    if assumed:
        interval = np.full(len(frame), 8, dtype=np.int64)
    else:  # spacing to the previous settlement; the first row takes the next spacing
        interval = np.rint(np.concatenate([hours[:1], hours])).astype(np.int64)
    frame[C.FUNDING_INTERVAL_HOURS] = interval
    frame.attrs.update(source=source, interval_assumed=assumed)
    if frame[C.FUNDING_RATE].isna().any():
        raise CorruptDataError(f"{source}: a fundingRate is not a number; retry or report it")
    return _clip(frame, t0, t1)
