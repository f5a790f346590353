"""The Binance USD-M REST endpoints, for recent windows the archive has not published yet:
klines, open interest, long/short and taker ratios, the archive ``metrics`` rebuilt from them,
and funding settlements. ``fetch_rest_*`` page through ``$LIQLIB_BINANCE_REST_URL`` (default
https://fapi.binance.com) by ``startTime``/``endTime`` windows of at most ``limit`` rows each,
so the result does not depend on which end of a window the server fills first. The
``/futures/data/*`` statistics only cover the last 30 days.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import requests

from liqlib import settings
from liqlib.data import columns as C
from liqlib.data.http import check_base_url, download, make_session
from liqlib.data.sources.binance.kinds import KINDS, _check_interval
from liqlib.data.sources.binance.parsers import _KLINE_LAYOUT, KLINE_RAW, _klines_frame
from liqlib.data.sources.binance.symbols import _normalise_symbol, parse_exchange_info
from liqlib.data.sources.csvtable import _one_line, _Table, _tidy, epoch_to_utc
from liqlib.data.time import TimeLike, to_utc
from liqlib.errors import CorruptDataError, InputError

REST_URL_ENV = "LIQLIB_BINANCE_REST_URL"
DEFAULT_REST_URL = "https://fapi.binance.com"

#: Statistics periods of the ``/futures/data/*`` REST endpoints.
STAT_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")


_KLINE_LIMIT = 1500
_STATS_LIMIT = 500
_FUNDING_LIMIT = 1000
_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}


def rest_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$LIQLIB_BINANCE_REST_URL``, else https://fapi.binance.com."""
    url = base_url or settings.get("binance_rest_url")
    return check_base_url(url, REST_URL_ENV)


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
    session : requests.Session, optional
        HTTP session; default :func:`liqlib.data.http.make_session`.
    base_url : str, optional
        REST root; default ``$LIQLIB_BINANCE_REST_URL``, else https://fapi.binance.com.

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
    symbol : str
        E.g. ``"BTCUSDT"``.
    start, end : str, datetime.date or aware datetime
        Half-open UTC window of the snapshot times.
    which : {"top_account", "top_position", "global_account"}
        Top traders by accounts, top traders by positions, or all accounts.
    period : str
        Snapshot step, one of :data:`STAT_PERIODS` (``"5m"`` ... ``"1d"``).
    session : requests.Session, optional
        HTTP session; default :func:`liqlib.data.http.make_session`.
    base_url : str, optional
        REST root; default ``$LIQLIB_BINANCE_REST_URL``, else https://fapi.binance.com.

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
        Index ``time``; columns :data:`liqlib.data.columns.METRICS_COLUMNS` (outer-joined: a
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
    missing = [k for k in ("fundingTime", "fundingRate") if k not in raw]
    if missing:
        raise CorruptDataError(f"{source}: rows lack {', '.join(missing)}; the API changed")
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


def fetch_symbols(
    *, session: requests.Session | None = None, base_url: str | None = None
) -> pd.DataFrame:
    """Every USD-M perpetual Binance lists now, from ``/fapi/v1/exchangeInfo`` (network).

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_exchange_info`.
    """
    body = download(f"{rest_base_url(base_url)}/fapi/v1/exchangeInfo", session)
    return parse_exchange_info(body)
