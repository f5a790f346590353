"""Coinglass: realized liquidations (USD per bar, aggregated across exchanges).

Realized liquidations are what a heatmap is scored against on real data. Coinglass publishes
them per coin, summed over the exchanges you name, in its v4 REST API
(``/api/futures/liquidation/aggregated-history``, API key required) and in CSV/JSON exports.

``parse_coinglass_liquidations``  pure: the bytes/text (or decoded JSON) of one export or
                                  answer -> a bar frame ``long_usd``, ``short_usd``.
``load_realized_liquidations``    a local CSV/JSON export (offline), a URL of one, or the API.
``fetch_coinglass_liquidations``  the API, paged by time window; the key comes from
                                  ``$COINGLASS_API_KEY`` (or ``api_key``).
``load_coinglass_regime_csv``     the 30-minute "regime" export: price, open interest and
                                  realized liquidations side by side -> (market, realized).

Side convention: ``long_usd`` is the USD of **long** positions liquidated (forced sells),
``short_usd`` of short positions (forced buys). Times are bar open times in UTC.

The API key is sent in the ``CG-API-KEY`` header of each request and nowhere else: it is not
stored (the session holding it is closed after the call), logged, cached, put in ``attrs``,
or shown in an error message (any text that would contain it is masked, and errors raised
while it was in use are re-raised without their chained causes). Redirects are refused so
the header cannot follow one to another host.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from liqlib import settings
from liqlib.data import columns as C
from liqlib.data.contract import ohlc_disorder
from liqlib.data.http import download, make_session
from liqlib.data.sources.csvtable import EARLIEST, LATEST_AHEAD, epoch_to_utc, find_gaps
from liqlib.data.time import TimeLike, to_utc
from liqlib.errors import (
    CorruptDataError,
    DataNotFoundError,
    DownloadError,
    InputError,
    LiqlibError,
)

__all__ = [
    "API_KEY_ENV",
    "COINGLASS_URL_ENV",
    "fetch_coinglass_liquidations",
    "coinglass_oi_series",
    "export_venues",
    "load_coinglass_regime_csv",
    "load_realized_liquidations",
    "parse_coinglass_liquidations",
]

COINGLASS_URL_ENV = "LIQLIB_COINGLASS_URL"
DEFAULT_COINGLASS_URL = "https://open-api-v4.coinglass.com"
LIQUIDATION_PATH = "/api/futures/liquidation/aggregated-history"
API_KEY_ENV = "COINGLASS_API_KEY"
API_KEY_HEADER = "CG-API-KEY"
#: Intervals the v4 endpoint accepts (finer ones need a higher API plan).
INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "4h", "6h", "8h", "12h", "1d", "1w")
DEFAULT_EXCHANGES = "Binance,OKX,Bybit"
#: Rows per request (the endpoint's maximum).
PAGE_LIMIT = 1000

# field names, lower-cased, in order of preference
_EPOCH_FIELDS = ("time", "timestamp", "t", "ts", "open_time")
_TEXT_TIME_FIELDS = ("datetime_utc", "datetime", "date", "time_utc")
_LONG_FIELDS = (
    "aggregated_long_liquidation_usd",
    "long_liquidation_usd",
    "liquidation_long_usd",
    "longusd",
    "long_usd",
)
_SHORT_FIELDS = (
    "aggregated_short_liquidation_usd",
    "short_liquidation_usd",
    "liquidation_short_usd",
    "shortusd",
    "short_usd",
)
_TOTAL_FIELDS = ("liquidation_total_usd", "totalusd", "total_usd")
_QUOTES = ("USDT", "USDC", "BUSD", "FDUSD", "USD")
_FIX = "re-export the file from Coinglass, or repair that row"
_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _coin(symbol: str) -> str:
    """The base coin of a symbol: 'BTCUSDT' -> 'BTC', 'btc' -> 'BTC', 'ETH-PERP' -> 'ETH'."""
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol {symbol!r} is not a coin or pair name: use e.g. 'BTC'")
    s = re.sub(r"[-_/ ]?(PERP|SWAP)$", "", symbol.strip().upper())
    s = s.replace("-", "").replace("_", "").replace("/", "")
    for quote in _QUOTES:
        if s.endswith(quote) and len(s) > len(quote):
            return s[: -len(quote)]
    return s


def _alias(step: pd.Timedelta) -> str:
    s = int(step.total_seconds())
    for unit, size in (("D", 86_400), ("h", 3_600), ("min", 60)):
        if s % size == 0:
            return f"{s // size}{unit}"
    return f"{s}s"


def _pick(columns: Sequence[str], names: Sequence[str]) -> str | None:
    return next((n for n in names if n in columns), None)


def _more(n: int) -> str:
    return f" ({n - 1} more such rows)" if n > 1 else ""


def _as_bytes(raw) -> bytes:
    if isinstance(raw, str):
        return raw.encode("utf-8")
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise InputError(
        "parse_coinglass_liquidations takes the bytes or text of a CSV/JSON export, or its "
        f"decoded JSON (dict or list), not {type(raw).__name__}"
    )


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------


def _records(obj, source: str) -> list:
    """The list of bar records inside a decoded v4 answer (or a bare list)."""
    if isinstance(obj, dict):
        code = obj.get("code")
        if code is not None and str(code) not in ("0", "200"):
            msg = " ".join(str(obj.get("msg", "")).split())[:160]
            raise CorruptDataError(
                f"{source} holds an error answer (code {code}: {msg!r}), not data: fetch or "
                "export it again"
            )
        if "data" not in obj:
            raise CorruptDataError(
                f"{source} is a JSON object without 'data' (keys {sorted(obj)[:6]}): not a "
                "Coinglass liquidation answer"
            )
        obj = obj["data"]
    if not isinstance(obj, list):
        raise CorruptDataError(
            f"{source}: 'data' is a {type(obj).__name__}, not a list of bars: not a Coinglass "
            "liquidation-history answer"
        )
    bad = [i for i, r in enumerate(obj) if not isinstance(r, dict)]
    if bad:
        raise CorruptDataError(f"{source} data[{bad[0]}] is not an object{_more(len(bad))}; {_FIX}")
    return obj


def _table_from_raw(raw, source: str) -> tuple[pd.DataFrame, Callable[[int], str]]:
    """A frame of text/number cells with lower-cased column names, and a row labeller."""
    if isinstance(raw, dict | list):
        records = _records(raw, source)
        return pd.DataFrame.from_records(records), lambda i: f"data[{i}]"
    data = _as_bytes(raw).lstrip(b"\xef\xbb\xbf")
    if not data.strip():
        raise CorruptDataError(f"{source} is empty: {_FIX}")
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            obj = json.loads(data)
        except ValueError as exc:
            detail = " ".join(str(exc).split())[:120]
            raise CorruptDataError(f"{source} is not valid JSON ({detail}); {_FIX}") from None
        return pd.DataFrame.from_records(_records(obj, source)), lambda i: f"data[{i}]"
    try:
        frame = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise CorruptDataError(f"{source}: {detail}; {_FIX}") from None
    return frame, lambda i: f"line {i + 2}"


def _numbers(values: pd.Series, col: str, label, source: str, *, positive: bool = False):
    x = pd.to_numeric(values.astype(str).str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(x)
    if bad.any():
        row = int(np.argmax(bad))
        raise CorruptDataError(
            f"{source} {label(row)}: {col}={values.iloc[row]!r} is missing or not a number"
            f"{_more(int(bad.sum()))}; {_FIX}"
        )
    bad = x <= 0 if positive else x < 0
    if bad.any():
        row = int(np.argmax(bad))
        what = "<= 0" if positive else "negative"
        raise CorruptDataError(
            f"{source} {label(row)}: {col}={x[row]!r} is {what}{_more(int(bad.sum()))}; {_FIX}"
        )
    return x


def _times(frame: pd.DataFrame, label, source: str) -> pd.DatetimeIndex:
    cols = list(frame.columns)
    epoch_col = _pick(cols, _EPOCH_FIELDS)
    text_col = _pick(cols, _TEXT_TIME_FIELDS)
    if epoch_col is None and text_col is None:
        raise CorruptDataError(
            f"{source} has no time column (expected one of {list(_EPOCH_FIELDS)} or "
            f"{list(_TEXT_TIME_FIELDS)}; has {cols[:8]}): not a Coinglass liquidation export"
        )
    if epoch_col is not None:
        text = frame[epoch_col].astype(str).str.strip().str.replace(r"\.0+$", "", regex=True)
        bad = ~text.str.fullmatch(r"[+-]?\d{1,19}").to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise CorruptDataError(
                f"{source} {label(row)}: {epoch_col}={frame[epoch_col].iloc[row]!r} is not an "
                f"epoch time{_more(int(bad.sum()))}; {_FIX}"
            )
        index, unit = epoch_to_utc(text.astype("int64").to_numpy())
        if unit == "mixed":
            raise CorruptDataError(
                f"{source}: {epoch_col} mixes epoch units (seconds and milliseconds); {_FIX}"
            )
    else:
        text = frame[text_col].astype(str).str.strip()
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        index = pd.DatetimeIndex(parsed).as_unit("ns")
        bad = np.asarray(index.isna())
        if bad.any():
            row = int(np.argmax(bad))
            raise CorruptDataError(
                f"{source} {label(row)}: {text_col}={text.iloc[row]!r} is not a time "
                f"(expected ISO 8601 UTC){_more(int(bad.sum()))}; {_FIX}"
            )
    latest = pd.Timestamp.now(tz="UTC") + LATEST_AHEAD
    bad = np.asarray((index < EARLIEST) | (index > latest))
    if bad.any():
        row = int(np.argmax(bad))
        raise CorruptDataError(
            f"{source} {label(row)}: time {index[row]} is not plausible (expected "
            f"{EARLIEST:%Y}..now){_more(int(bad.sum()))}; {_FIX}"
        )
    return index


def _tidy_bars(
    frame: pd.DataFrame, order_labels: np.ndarray, label, source: str
) -> tuple[pd.DataFrame, bool, int]:
    """Sort by time; drop exact duplicate bars (counted), refuse conflicting ones."""
    unsorted = not frame.index.is_monotonic_increasing
    pos = np.argsort(frame.index.as_unit("ns").asi8, kind="stable")
    frame = frame.iloc[pos]
    rows = order_labels[pos]
    dup = frame.index.duplicated(keep="first")
    if dup.any():
        first = ~frame.index.duplicated(keep="first")
        firsts = frame[first]
        ref = firsts.reindex(frame.index).to_numpy()
        differ = dup & ~np.all(np.isclose(frame.to_numpy(), ref, rtol=1e-9, atol=1e-6), axis=1)
        if differ.any():
            i = int(np.argmax(differ))
            t = frame.index[i]
            j = int(np.flatnonzero(frame.index == t)[0])
            raise CorruptDataError(
                f"{source} {label(int(rows[i]))} repeats the bar {t:%Y-%m-%d %H:%M} UTC of "
                f"{label(int(rows[j]))} with other values: keep one export per window, or "
                "remove the stale rows"
            )
        frame = frame[~dup]
    return frame, unsorted, int(dup.sum())


def _step(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    if len(index) < 2:
        return None
    diffs = np.diff(index.as_unit("ns").asi8)
    values, counts = np.unique(diffs, return_counts=True)
    return pd.Timedelta(int(values[np.argmax(counts)]), "ns")


def parse_coinglass_liquidations(
    raw: bytes | str | dict | list,
    *,
    source: str = "Coinglass liquidations",
    symbol: str | None = None,
) -> pd.DataFrame:
    """Parse a Coinglass realized-liquidation history (JSON answer or CSV export).

    Accepted shapes:

    - the v4 **aggregated-history** answer ``{"code": "0", "data": [{"time": ms,
      "aggregated_long_liquidation_usd": x, "aggregated_short_liquidation_usd": y}, ...]}``,
      or its bare ``data`` list; older field names ``longUsd``/``shortUsd`` and
      ``long_liquidation_usd``/``short_liquidation_usd`` too; numbers may be strings;
    - CSV exports with a header, a time column (``timestamp``/``time`` epoch s or ms, or
      ``datetime_utc`` ISO text) and long/short columns under any of the names above (or
      ``liquidation_long_usd``/``liquidation_short_usd``); a ``totalUsd`` column, when
      present, must equal long + short.

    Rows are sorted by time (``attrs["unsorted"]`` records that they were not). A bar that
    appears twice with the same values (overlapping exports or API pages) is kept once and
    counted in ``attrs["duplicates"]``; twice with different values is refused.

    Parameters
    ----------
    raw : bytes, str, dict or list
        The file's bytes or text, or already-decoded JSON.
    source : str
        Name of the file or URL, used in error messages and ``attrs["source"]``.
    symbol : str, optional
        The coin, when the caller knows it (a ``symbol`` column in the data also sets it).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (bar open, UTC), columns ``long_usd`` (USD of longs liquidated) and
        ``short_usd``. ``attrs``: ``symbol`` (coin or None), ``source``, ``bar`` (most common
        step, a pandas alias such as ``"1h"``; None for one row), ``synthetic`` False,
        ``duplicates``, ``unsorted``, ``gaps`` and ``missing_bars``.

    Raises
    ------
    CorruptDataError
        One line naming the source and row: empty or unreadable data, an error answer,
        missing columns, NaN, negative or non-numeric USD, implausible times, conflicting
        duplicates, a total that is not long + short.

    Examples
    --------
    >>> df = parse_coinglass_liquidations(
    ...     '{"code": "0", "data": [{"time": 1763874000000, '
    ...     '"aggregated_long_liquidation_usd": 5.0, "aggregated_short_liquidation_usd": 1.0}]}')
    >>> df.loc["2025-11-23 05:00", "long_usd"].item()
    5.0
    """
    table, label = _table_from_raw(raw, source)
    if table.empty:
        raise CorruptDataError(f"{source} has no rows: {_FIX}")
    table.columns = [str(c).strip().lower() for c in table.columns]
    cols = list(table.columns)
    long_col, short_col = _pick(cols, _LONG_FIELDS), _pick(cols, _SHORT_FIELDS)
    for col, names in ((long_col, _LONG_FIELDS), (short_col, _SHORT_FIELDS)):
        if col is None:
            raise CorruptDataError(
                f"{source} lacks a {'long' if names is _LONG_FIELDS else 'short'} liquidation "
                f"column (expected one of {list(names)}; has {cols[:8]}): not a Coinglass "
                "liquidation export"
            )
    index = _times(table, label, source)
    lg = _numbers(table[long_col], long_col, label, source)
    sh = _numbers(table[short_col], short_col, label, source)
    total_col = _pick(cols, _TOTAL_FIELDS)
    if total_col is not None:
        tot = _numbers(table[total_col], total_col, label, source)
        bad = np.abs(lg + sh - tot) > 1e-6 * np.maximum(tot, 1.0) + 1e-3
        if bad.any():
            row = int(np.argmax(bad))
            raise CorruptDataError(
                f"{source} {label(row)}: {total_col}={tot[row]!r} is not {long_col} + "
                f"{short_col} = {lg[row] + sh[row]!r}{_more(int(bad.sum()))}; {_FIX}"
            )
    if "symbol" in cols:
        named = sorted({_coin(s) for s in table["symbol"].astype(str) if s.strip()})
        if len(named) > 1:
            raise CorruptDataError(
                f"{source} mixes symbols {named[:4]}: split it into one file per coin"
            )
        if named and symbol is None:
            symbol = named[0]
    frame = pd.DataFrame({"long_usd": lg, "short_usd": sh}, index=index.rename(C.TIME))
    frame, unsorted, duplicates = _tidy_bars(frame, np.arange(len(frame)), label, source)
    step = _step(frame.index)
    gaps, missing = find_gaps(frame.index, step) if step is not None else ([], 0)
    frame.attrs = {
        "symbol": _coin(symbol) if symbol else None,
        "source": source,
        "bar": _alias(step) if step is not None else None,
        "synthetic": False,
        "duplicates": duplicates,
        "unsorted": bool(unsorted),
        "gaps": gaps,
        "missing_bars": missing,
    }
    return frame


# --------------------------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------------------------


def coinglass_base_url() -> str:
    """``$LIQLIB_COINGLASS_URL``, else https://open-api-v4.coinglass.com."""
    return settings.get("coinglass_url").rstrip("/")


def _mask(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text


def _page_rows(body: bytes, source: str) -> list:
    try:
        obj = json.loads(body)
    except ValueError:
        raise DownloadError(
            f"{source} answered with something that is not JSON ({body[:60]!r}): check "
            f"{COINGLASS_URL_ENV} points at the Coinglass v4 API"
        ) from None
    if isinstance(obj, dict) and str(obj.get("code", "0")) not in ("0", "200"):
        msg = " ".join(str(obj.get("msg", "")).split())[:160]
        raise DownloadError(
            f"Coinglass refused the request (code {obj.get('code')}: {msg!r}): check "
            f"{API_KEY_ENV}, the symbol, and that your plan allows this interval"
        )
    return _records(obj, source)


def _fetch_rows(
    coin: str, interval: str, t0_ms: int, t1_ms: int, key: str, exchange_list: str
) -> tuple[list, str]:
    base = coinglass_base_url()
    url = f"{base}{LIQUIDATION_PATH}"
    span = PAGE_LIMIT * int(interval[:-1]) * _MS[interval[-1]]
    session = make_session()
    session.max_redirects = 0  # the key header must not follow a redirect to another host
    session.headers[API_KEY_HEADER] = key
    rows: list = []
    try:
        cursor = t0_ms
        while cursor < t1_ms:
            stop = min(t1_ms, cursor + span)
            params = {
                "exchange_list": exchange_list,
                "symbol": coin,
                "interval": interval,
                "limit": PAGE_LIMIT,
                "start_time": cursor,
                "end_time": stop - 1,
            }
            rows.extend(_page_rows(download(url, session, params=params), url))
            cursor = stop
    finally:
        session.headers.pop(API_KEY_HEADER, None)
        session.close()
    return rows, base


def _fetch_frame(
    coin: str, interval: str, t0: pd.Timestamp, t1: pd.Timestamp, key: str, exchange_list: str
) -> pd.DataFrame:
    rows, base = _fetch_rows(
        coin, interval, t0.value // 10**6, t1.value // 10**6, key, exchange_list
    )
    if not rows:
        raise DataNotFoundError(
            f"Coinglass has no {coin} liquidation bars ({interval}) in "
            f"[{t0:%Y-%m-%d %H:%M}, {t1:%Y-%m-%d %H:%M}) UTC: check the symbol and window "
            "(history depth depends on the plan)"
        )
    source = f"Coinglass v4 aggregated-history {coin} {interval} ({exchange_list}; {base})"
    return parse_coinglass_liquidations({"data": rows}, source=source, symbol=coin)


def fetch_coinglass_liquidations(
    symbol: str,
    interval: str,
    start: TimeLike,
    end: TimeLike,
    api_key: str | None = None,
    *,
    exchange_list: str = DEFAULT_EXCHANGES,
) -> pd.DataFrame:
    """Realized liquidations from the Coinglass v4 API, aggregated across exchanges.

    GETs ``$LIQLIB_COINGLASS_URL`` (default https://open-api-v4.coinglass.com) +
    ``/api/futures/liquidation/aggregated-history`` in windows of at most 1,000 bars, with
    header ``CG-API-KEY``, and keeps the bars opening in ``[start, end)``.

    Parameters
    ----------
    symbol : str
        Coin (``"BTC"``; a pair such as ``"BTCUSDT"`` is reduced to its coin).
    interval : str
        Bar length, one of :data:`INTERVALS` (``"1h"``; finer bars need a higher plan).
    start, end : str, datetime.date or aware datetime
        Half-open UTC window.
    api_key : str, optional
        Coinglass API key; default ``$COINGLASS_API_KEY``. Used for the request header only:
        never stored, logged, cached, put in ``attrs`` or in an error message.
    exchange_list : str
        Exchanges to sum over, comma-separated.

    Returns
    -------
    pandas.DataFrame
        As :func:`parse_coinglass_liquidations`; ``attrs`` adds ``exchanges``, ``start``,
        ``end`` and ``interval``.

    Raises
    ------
    InputError
        No API key, unknown interval, bad window.
    DownloadError, DataNotFoundError, CorruptDataError
        The API failed, refused, returned nothing, or returned bad rows (one line, key
        masked).
    """
    coin = _coin(symbol)
    if interval not in INTERVALS:
        raise InputError(
            f"interval {interval!r} is not a Coinglass interval: use one of {INTERVALS}"
        )
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t0 >= t1:
        raise InputError(
            f"start {t0:%Y-%m-%d %H:%M} is not before end {t1:%Y-%m-%d %H:%M} (UTC): the window "
            "is half-open [start, end), so pass an end after the start"
        )
    key = (settings.raw("coinglass_api_key") or "") if api_key is None else str(api_key).strip()
    if not key:
        raise InputError(
            f"no Coinglass API key: set {API_KEY_ENV}, or pass a CSV/JSON export to "
            "load_realized_liquidations(path)"
        )
    failure: tuple[type, str] | None = None
    try:
        frame = _fetch_frame(coin, interval, t0, t1, key, exchange_list)
    except LiqlibError as exc:
        failure = (type(exc), _mask(str(exc), key))
    except Exception as exc:  # anything else may carry request headers: keep only its text
        failure = (DownloadError, _mask(f"{type(exc).__name__}: {' '.join(str(exc).split())}", key))
    if failure is not None:
        # raised outside the except block, so no chained exception (holding the request and
        # its headers) travels with it; and the key leaves this frame's locals, which
        # verbose tracebacks (IPython %xmode Verbose, pytest -l) would print
        del key, api_key
        cls, message = failure
        raise cls(message)
    frame = frame[(frame.index >= t0) & (frame.index < t1)]
    frame.attrs.update(
        exchanges=exchange_list, start=t0.isoformat(), end=t1.isoformat(), interval=interval
    )
    return frame


def _symbol_from_name(name: str) -> str | None:
    m = re.match(r"coinglass_([A-Za-z0-9]+)_", name)
    return _coin(m.group(1)) if m else None


def load_realized_liquidations(
    path_or_url: str | os.PathLike | None = None,
    *,
    symbol: str = "BTC",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    interval: str = "1h",
    expect_symbol: str | None = None,
) -> pd.DataFrame:
    """Realized liquidations per bar: from a local export, a URL of one, or the Coinglass API.

    Parameters
    ----------
    path_or_url : str or os.PathLike, optional
        A Coinglass CSV/JSON export on disk (offline), or an ``http(s)://`` URL of one
        (fetched without any key). None: fetch ``symbol`` from the API
        (:func:`fetch_coinglass_liquidations`, needs ``$COINGLASS_API_KEY``).
    symbol : str
        Coin fetched from the API. For files the symbol comes from a ``symbol`` column or a
        ``coinglass_<COIN>_...`` file name.
    start, end : str, datetime.date or aware datetime, optional
        Half-open UTC window; required online, optional for files (rows outside are dropped).
    interval : str
        Bar length fetched from the API; a file keeps its own bars (``attrs["bar"]``).
    expect_symbol : str, optional
        Refuse data of another coin (``"BTCUSDT"`` matches coin ``"BTC"``) when the data names
        its symbol.

    Returns
    -------
    pandas.DataFrame
        Bar frame ``long_usd``, ``short_usd`` (USD, UTC bar open times); see
        :func:`parse_coinglass_liquidations` for ``attrs``.

    Examples
    --------
    >>> df = load_realized_liquidations(  # doctest: +SKIP
    ...     "../shared/data/raw/btc-liquidations-analysis/data/coinglass_BTC_liquidation_1h_2y.csv",
    ...     expect_symbol="BTCUSDT")
    """
    if path_or_url is None:
        if start is None or end is None:
            raise InputError(
                "load_realized_liquidations needs start and end to fetch from Coinglass: pass "
                "start='2026-05-01', end='2026-05-08', or the path of a CSV/JSON export"
            )
        frame = fetch_coinglass_liquidations(symbol, interval, start, end)
    else:
        text = os.fspath(path_or_url)
        if re.match(r"^https?://", text):
            raw, name = download(text), Path(urlsplit(text).path).name
        else:
            path = Path(text).expanduser()
            if not path.is_file():
                raise InputError(
                    f"realized liquidations file {path} does not exist: pass the path of a "
                    "Coinglass CSV/JSON export, or None to fetch online"
                )
            raw, name = path.read_bytes(), path.name
        frame = parse_coinglass_liquidations(raw, source=text)
        if frame.attrs.get("symbol") is None:
            frame.attrs["symbol"] = _symbol_from_name(name)
        t0 = to_utc(start, "start") if start is not None else None
        t1 = to_utc(end, "end") if end is not None else None
        if t0 is not None or t1 is not None:
            keep = np.ones(len(frame), dtype=bool)
            if t0 is not None:
                keep &= frame.index >= t0
            if t1 is not None:
                keep &= frame.index < t1
            if not keep.any():
                raise InputError(
                    f"no realized bars in [{start}, {end}): {text} covers "
                    f"{frame.index[0]:%Y-%m-%d %H:%M}..{frame.index[-1]:%Y-%m-%d %H:%M} UTC; "
                    "choose a window inside it"
                )
            attrs = dict(frame.attrs)
            frame = frame[keep]
            frame.attrs = attrs
    named = frame.attrs.get("symbol")
    if expect_symbol is not None and named and _coin(expect_symbol) != _coin(named):
        raise InputError(
            f"realized liquidations are for {named} but expect_symbol={expect_symbol!r}: load "
            f"the {_coin(expect_symbol)} export (or fetch symbol={_coin(expect_symbol)!r}), or "
            "drop expect_symbol"
        )
    return frame


# --------------------------------------------------------------------------------------------
# the 30-minute regime export
# --------------------------------------------------------------------------------------------

_REGIME_PRICE = {
    C.OPEN: "price_open",
    C.HIGH: "price_high",
    C.LOW: "price_low",
    C.CLOSE: "price_close",
}
_REGIME_COLUMNS = (
    "timestamp",
    *_REGIME_PRICE.values(),
    "liquidation_long_usd",
    "liquidation_short_usd",
    "oi_close",
)
REGIME_BAR = pd.Timedelta("30min")


def _file_line(i: int) -> str:
    """The file line of data row ``i`` (the header is line 1)."""
    return f"line {i + 2}"


def _read_export(
    path: Path, missing_file: str, columns: Sequence[str], kind: str
) -> tuple[pd.DataFrame, str]:
    """A Coinglass CSV export as text cells with lower-case column names, and its name.

    One-line errors: ``missing_file`` (InputError) when there is no file; CorruptDataError
    when it does not parse, lacks one of ``columns`` (it is then not ``kind``) or has no row.
    """
    if not path.is_file():
        raise InputError(missing_file)
    source = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise CorruptDataError(f"{source}: {detail}; {_FIX}") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise CorruptDataError(f"{source} lacks column(s) {missing}: not {kind}")
    if raw.empty:
        raise CorruptDataError(f"{source} has a header but no rows: {_FIX}")
    return raw, source


def load_coinglass_regime_csv(path: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Coinglass 30-minute "regime" export: a market frame and its realized liquidations.

    The file (``coinglass_BTC_regime_30m_*.csv``) holds 30-minute BTC bars with price OHLC,
    open-interest OHLC (USD, ``oi_*``) and realized liquidations (Coinglass v4), followed by
    5-minute rows of another source (no liquidations). **The two are of different scope**:
    the liquidations are summed over the venues of the export's ``exchangeList`` (Binance,
    Bybit and OKX in the shared window's ``.meta.json``), while its open interest is Binance
    BTCUSDT's alone: where it overlaps Coinglass's Binance-only BTCUSDT export
    (``coinglass_BTC_regime_binance_5m_14d.csv``) the two series agree within 1 % (tested),
    and three venues' open interest would be about twice it. A model run on this open
    interest predicts Binance's liquidations, so against these realized counts a right model
    reads predicted / realized at Binance's share of the venues' liquidations, below 1.

    Which rows are kept:

    - the **30-minute segment**: the rows before the first one that comes less than 30 minutes
      after its predecessor (there the 5-minute rows begin; they are all dropped);
    - within it, a bar is kept only if the next row of the file starts at least 30 minutes
      later. A bar followed sooner was **still open** when the file was written (its values
      cover part of the bar) and is dropped; so is the file's final row, since nothing
      proves it had closed (Coinglass returns the bar in progress).

    Parameters
    ----------
    path : str or os.PathLike
        The CSV export.

    Returns
    -------
    market : pandas.DataFrame
        Index ``time`` (bar open, UTC); ``open``, ``high``, ``low``, ``close`` (USD/coin),
        ``oi_usd`` = Coinglass ``oi_close`` (open interest after the bar, USD: the engine's
        reading of a row's OI), ``oi_coin`` = ``oi_usd / close`` (coins). No volume or taker
        columns, so estimate with ``split="even"`` (or ``"ratio"`` given a ratio column).
        Funding is left out: the file's ``funding_*`` columns are intrabar OHLC of the
        current (predicted) rate across exchanges, apparently in % (values ~0.005 where
        Binance's own rows in the same file read ~0.000015), not the settled rate as a
        fraction that ``funding_rate`` means. ``attrs``: ``symbol`` "BTCUSDT", ``source``,
        ``interval`` "30m", ``synthetic`` False, ``start``, ``end``, ``gaps``,
        ``dropped_rows``, ``dropped_open_bar``, ``oi_timing`` "close" (a row's open interest
        is the state after its bar; the "turnover" model reads it), ``oi_venues``
        ``("binance",)`` (measured, see above).
    realized : pandas.DataFrame
        The same bars: ``long_usd``, ``short_usd`` (USD liquidated, summed over exchanges);
        ``attrs`` ``symbol`` "BTC", ``bar`` "30min", ``source``, ``synthetic`` False,
        ``venues`` (the export's ``exchangeList`` from its ``.meta.json``, lower case; None
        without one: :func:`export_venues`).

    Raises
    ------
    InputError
        The file does not exist.
    CorruptDataError
        Missing columns, unsorted times, NaN / non-positive prices or open interest, negative
        liquidations, OHLC out of order, bars off the 30-minute grid (one line, with the line).
    """
    path = Path(path).expanduser()
    raw, source = _read_export(
        path,
        f"regime file {path} does not exist: pass the path of coinglass_BTC_regime_30m_*.csv",
        _REGIME_COLUMNS,
        "a Coinglass regime export",
    )
    times = _times(raw[["timestamp"]], _file_line, source)
    ns = times.as_unit("ns").asi8
    step = np.diff(ns)
    back = np.flatnonzero(step <= 0)
    if back.size:
        raise CorruptDataError(
            f"{source} {_file_line(int(back[0]) + 1)}: time {times[back[0] + 1]} does not come after "
            f"the previous row's: the export is not in time order; {_FIX}"
        )
    bar_ns = REGIME_BAR.value
    short = np.flatnonzero(step < bar_ns)
    segment_end = int(short[0]) + 1 if short.size else len(raw)  # first 5-minute row
    keep = np.zeros(len(raw), dtype=bool)
    keep[: segment_end - 1] = step[: segment_end - 1] >= bar_ns  # the next row came later
    dropped_open = times[segment_end - 1] if not keep[segment_end - 1] else None
    off_grid = keep & (ns % bar_ns != 0)
    if off_grid.any():
        row = int(np.argmax(off_grid))
        raise CorruptDataError(
            f"{source} {_file_line(row)}: bar {times[row]} is not on the 30-minute grid; {_FIX}"
        )
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        raise CorruptDataError(f"{source} has no closed 30-minute bar: {_FIX}")
    part = raw.iloc[rows].reset_index(drop=True)

    def part_label(i: int) -> str:
        return _file_line(int(rows[i]))

    px = {
        col: _numbers(part[name], name, part_label, source, positive=True)
        for col, name in _REGIME_PRICE.items()
    }
    o, h, lo, c = px[C.OPEN], px[C.HIGH], px[C.LOW], px[C.CLOSE]
    bad = ohlc_disorder(o, h, lo, c)
    if bad.any():
        row = int(np.argmax(bad))
        raise CorruptDataError(
            f"{source} {part_label(row)}: open/close outside [low, high] "
            f"(o={o[row]}, h={h[row]}, l={lo[row]}, c={c[row]}){_more(int(bad.sum()))}; {_FIX}"
        )
    oi = _numbers(part["oi_close"], "oi_close", part_label, source, positive=True)
    lg = _numbers(part["liquidation_long_usd"], "liquidation_long_usd", part_label, source)
    sh = _numbers(part["liquidation_short_usd"], "liquidation_short_usd", part_label, source)
    index = times[rows].rename(C.TIME)
    gaps, missing_bars = find_gaps(index, REGIME_BAR)
    venues = export_venues(path)
    named = ", ".join(venues) if venues else "the export's exchanges (no .meta.json beside it)"
    market = pd.DataFrame(
        {**px, C.OI_USD: oi, C.OI_COIN: oi / c},
        index=index,
    )
    market.attrs = {
        "symbol": "BTCUSDT",
        "source": f"{path.name}: price OHLC and open interest of Binance BTCUSDT (Coinglass v4)",
        "interval": "30m",
        "synthetic": False,
        "start": index[0].isoformat(),
        "end": (index[-1] + REGIME_BAR).isoformat(),
        "gaps": gaps,
        "missing_bars": missing_bars,
        "dropped_rows": int(len(raw) - rows.size),
        "dropped_open_bar": dropped_open.isoformat() if dropped_open is not None else None,
        "oi_timing": "close",
        "oi_venues": ("binance",),
    }
    realized = pd.DataFrame({"long_usd": lg, "short_usd": sh}, index=index)
    realized.attrs = {
        "symbol": "BTC",
        "source": f"{path.name}: realized liquidations summed over {named} (Coinglass v4)",
        "venues": venues,
        "bar": "30min",
        "synthetic": False,
        "gaps": gaps,
        "missing_bars": missing_bars,
    }
    return market, realized


def export_venues(path: str | os.PathLike) -> tuple[str, ...] | None:
    """The venues a Coinglass export's liquidations are summed over, from its ``.meta.json``.

    Parameters
    ----------
    path : str or os.PathLike
        The export (``X.csv``); its metadata is ``X.meta.json`` beside it, whose
        ``requested.exchangeList`` ("Binance,Bybit,OKX") names the venues.

    Returns
    -------
    tuple of str or None
        Lower-case venue names, or None when there is no readable metadata file or it names
        none (the export then says nothing about its scope).

    Examples
    --------
    >>> export_venues("/nonexistent/coinglass_BTC_regime_30m.csv") is None
    True
    """
    path = Path(path)
    meta = path.with_name(path.name.removesuffix(path.suffix) + ".meta.json")
    try:
        listed = json.loads(meta.read_text())["requested"]["exchangeList"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    names = tuple(v.strip().lower() for v in str(listed).split(",") if v.strip())
    return names or None


def coinglass_oi_series(path: str | os.PathLike) -> pd.Series:
    """The open interest of any Coinglass export with ``timestamp`` and ``oi_close`` columns.

    Every row is kept (30-minute and 5-minute rows alike), so two exports can be compared
    where their times meet, e.g. to find which venues an export's open interest covers.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV export.

    Returns
    -------
    pandas.Series
        ``oi_usd`` (USD, after the row's bar) indexed by the row's UTC time, duplicates
        dropped (first kept), sorted.

    Raises
    ------
    InputError
        The file does not exist.
    CorruptDataError
        No ``timestamp`` / ``oi_close`` column, or a value that is not a positive number.
    """
    path = Path(path).expanduser()
    raw, source = _read_export(
        path,
        f"Coinglass export {path} does not exist: pass the path of a CSV export",
        ("timestamp", "oi_close"),
        "a Coinglass open-interest export",
    )
    times = _times(raw[["timestamp"]], _file_line, source)
    oi = _numbers(raw["oi_close"], "oi_close", _file_line, source, positive=True)
    out = pd.Series(oi, index=times.rename(C.TIME), name=C.OI_USD)
    return out[~out.index.duplicated()].sort_index()
