"""The validation contract: what every frame must satisfy before it is cached or aligned.

One :class:`Schema` per archive kind, stated once, applied everywhere a frame enters liqlib:
after an archive file is parsed (before it is cached), when a cached file is read back, and
to rows the REST API fills in. A violation is a one-line
:class:`~liqlib.errors.CorruptDataError` naming the file, the row (position and time) and the
fix, so nothing the contract forbids is ever cached or returned.

================  ==========================================================================
kind              rules (besides: UTC ``DatetimeIndex`` named ``time``, sorted, no NaT,
                  exactly the kind's columns with numeric/bool types, rows inside the
                  file's own period)
================  ==========================================================================
klines,           OHLC finite and > 0; ``low <= open, close <= high``; volumes, trade count
markPriceKlines   finite and >= 0; taker buy volume <= volume; unique bar times; a bar must
                  overlap the file's day (or month)
metrics           ``oi_coin`` finite and >= 0; ``oi_usd`` and the ratios >= 0 and finite
                  where present (the archive leaves some empty); unique snapshot times in
                  ``[day, next day]`` (a file may end on the next midnight)
fundingRate       ``funding_rate`` finite, within +-100 % per interval;
                  ``funding_interval_hours`` an integer 1..24; unique settlement times
aggTrades         price finite and > 0; quantity finite and >= 0; trade ids >= 0 and
                  ``first_trade_id <= last_trade_id``
bookDepth         percentage finite; depths finite and >= 0
candles,          Bybit/OKX REST days: OHLC finite and > 0, ``low <= open, close <= high``;
markCandles       ``volume`` (coins), ``quote_volume`` (USD) finite and >= 0; unique bar times
openInterest      Bybit/OKX: ``oi_coin`` finite and >= 0 (one side); ``oi_usd`` >= 0 or NaN
funding           Bybit/OKX: ``funding_rate`` finite, within +-100 %; unique settlement times
================  ==========================================================================

The checker is our own small one rather than pandera: the rules are a dozen vectorised
numpy comparisons, and what matters is the message (file, row, time, value, fix on one line),
which a general schema library would make us rebuild from its own report anyway; it also
keeps a heavy dependency out of a package that must install on a fresh machine.

Examples
--------
>>> import pandas as pd
>>> idx = pd.DatetimeIndex(["2025-11-04 00:00"], tz="UTC", name="time")
>>> bars = pd.DataFrame({"open": [10.0], "high": [9.0], "low": [8.0], "close": [9.0],
...     "volume": [1.0], "quote_volume": [9.0], "trades": [3], "taker_buy_volume": [0.5],
...     "taker_buy_quote_volume": [4.5]}, index=idx)
>>> check_frame(bars, "klines", source="x.csv")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
liqlib.errors.CorruptDataError: x.csv: row 1 (2025-11-04 00:00:00 UTC): open 10 is above high 9; ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import CorruptDataError

__all__ = [
    "FIX_DOWNLOAD",
    "SCHEMAS",
    "Schema",
    "check_columns",
    "check_frame",
    "check_layout",
    "ohlc_disorder",
    "ohlc_problem",
    "period_bounds",
]

#: The fix named when a downloaded file breaks the contract (nothing was cached).
FIX_DOWNLOAD = (
    "the file is wrong at the source and was not cached; retry later, use another mirror, "
    "or report the file to its publisher"
)


@dataclass(frozen=True)
class Schema:
    """What one kind of frame must satisfy.

    Attributes
    ----------
    kind : str
        Archive kind.
    dtypes : mapping of column to ``"float"``, ``"int"`` or ``"bool"``
        The columns, in order, and the type family of each.
    positive, nonneg, nonneg_or_nan, finite : tuple of str
        Columns that must be finite and > 0; finite and >= 0; >= 0 and finite or NaN; finite.
    bounds : mapping of column to (lo, hi)
        Inclusive bounds.
    ohlc : bool
        ``low <= open, close <= high`` (and ``low <= high``).
    at_most : tuple of (a, b)
        ``a <= b`` row by row (with a relative tolerance of 1e-9 for rounding).
    unique_times : bool
        Times must not repeat.
    end_inclusive : bool
        A row may sit exactly on the end of the file's period.
    bars : bool
        Rows are bars: a bar must overlap the period (its open may precede it for long bars).
    """

    kind: str
    dtypes: Mapping[str, str]
    positive: tuple[str, ...] = ()
    nonneg: tuple[str, ...] = ()
    nonneg_or_nan: tuple[str, ...] = ()
    finite: tuple[str, ...] = ()
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    ohlc: bool = False
    at_most: tuple[tuple[str, str], ...] = ()
    unique_times: bool = True
    end_inclusive: bool = False
    bars: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.dtypes)


_KLINES = Schema(
    "klines",
    dtypes={c: ("int" if c == C.TRADES else "float") for c in C.KLINE_COLUMNS},
    positive=C.PRICE_COLUMNS,
    nonneg=(C.VOLUME, C.QUOTE_VOLUME, C.TRADES, C.TAKER_BUY_VOLUME, C.TAKER_BUY_QUOTE_VOLUME),
    ohlc=True,
    at_most=((C.TAKER_BUY_VOLUME, C.VOLUME), (C.TAKER_BUY_QUOTE_VOLUME, C.QUOTE_VOLUME)),
    bars=True,
)

SCHEMAS: Mapping[str, Schema] = {
    "klines": _KLINES,
    "markPriceKlines": Schema(**{**_KLINES.__dict__, "kind": "markPriceKlines"}),
    "metrics": Schema(
        "metrics",
        dtypes={c: "float" for c in C.METRICS_COLUMNS},
        nonneg=(C.OI_COIN,),
        nonneg_or_nan=C.METRICS_COLUMNS[1:],
        end_inclusive=True,
    ),
    "fundingRate": Schema(
        "fundingRate",
        dtypes={C.FUNDING_RATE: "float", C.FUNDING_INTERVAL_HOURS: "int"},
        finite=(C.FUNDING_RATE,),
        bounds={C.FUNDING_RATE: (-1.0, 1.0), C.FUNDING_INTERVAL_HOURS: (1, 24)},
    ),
    "aggTrades": Schema(
        "aggTrades",
        dtypes={
            C.AGG_TRADE_ID: "int",
            C.PRICE: "float",
            C.QTY_COIN: "float",
            C.FIRST_TRADE_ID: "int",
            C.LAST_TRADE_ID: "int",
            C.IS_BUYER_MAKER: "bool",
        },
        positive=(C.PRICE,),
        nonneg=(C.QTY_COIN, C.AGG_TRADE_ID, C.FIRST_TRADE_ID, C.LAST_TRADE_ID),
        at_most=((C.FIRST_TRADE_ID, C.LAST_TRADE_ID),),
        unique_times=False,
    ),
    # Bybit and OKX REST answers, cached one UTC day per file (liqlib.data.venue_cache):
    # the columns those venues publish, in liqlib's units (coins, USD)
    "candles": Schema(
        "candles",
        dtypes={c: "float" for c in (*C.PRICE_COLUMNS, C.VOLUME, C.QUOTE_VOLUME)},
        positive=C.PRICE_COLUMNS,
        nonneg=(C.VOLUME, C.QUOTE_VOLUME),
        ohlc=True,
        bars=True,
    ),
    "markCandles": Schema(
        "markCandles",
        dtypes={c: "float" for c in C.PRICE_COLUMNS},
        positive=C.PRICE_COLUMNS,
        ohlc=True,
        bars=True,
    ),
    "openInterest": Schema(
        "openInterest",
        dtypes={C.OI_COIN: "float", C.OI_USD: "float"},
        nonneg=(C.OI_COIN,),
        nonneg_or_nan=(C.OI_USD,),
    ),
    "funding": Schema(
        "funding",
        dtypes={C.FUNDING_RATE: "float"},
        finite=(C.FUNDING_RATE,),
        bounds={C.FUNDING_RATE: (-1.0, 1.0)},
    ),
    "bookDepth": Schema(
        "bookDepth",
        dtypes={"percentage": "float", "depth_coin": "float", "depth_usd": "float"},
        finite=("percentage",),
        nonneg=("depth_coin", "depth_usd"),
        unique_times=False,
        end_inclusive=True,
    ),
}

_FAMILIES = {"float": "fiu", "int": "iu", "bool": "b"}


def ohlc_disorder(o, h, lo, c) -> np.ndarray:
    """Rows whose prices break ``low <= open, close <= high`` (the one OHLC ordering check).

    Parameters
    ----------
    o, c : array-like or None
        Open and close (USD/coin); None checks ``low <= high`` alone.
    h, lo : array-like
        High and low (USD/coin).

    Returns
    -------
    numpy.ndarray of bool
        True where a bar is out of order (a NaN compares as in order: NaNs are checked apart).

    Examples
    --------
    >>> ohlc_disorder([10.0, 9.0], [9.0, 10.0], [8.0, 8.0], [9.0, 9.0]).tolist()
    [True, False]
    """
    h = np.asarray(h, dtype=float)
    lo = np.asarray(lo, dtype=float)
    bad = h < lo
    for v in (o, c):
        if v is not None:
            v = np.asarray(v, dtype=float)
            bad = bad | (v > h) | (v < lo)
    return bad


def ohlc_problem(o, h, lo, c, row: int) -> str:
    """What is out of order in bar ``row`` of :func:`ohlc_disorder`'s arrays, in words.

    Examples
    --------
    >>> ohlc_problem([10.0], [9.0], [8.0], [9.0], 0)
    'open 10 is above high 9'
    """
    h = np.asarray(h, dtype=float)
    lo = np.asarray(lo, dtype=float)
    for name, v in (("open", o), ("close", c)):
        if v is None:
            continue
        x = float(np.asarray(v, dtype=float)[row])
        if x > h[row]:
            return f"{name} {x:g} is above high {h[row]:g}"
        if x < lo[row]:
            return f"{name} {x:g} is below low {lo[row]:g}"
    return f"high {h[row]:g} is below low {lo[row]:g}"


def _times_only(schema: Schema) -> Schema:
    """``schema`` without its value rules: the time rules alone."""
    return Schema(
        schema.kind,
        schema.dtypes,
        unique_times=schema.unique_times,
        end_inclusive=schema.end_inclusive,
        bars=schema.bars,
    )


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` in UTC of a day ``YYYY-MM-DD`` or a month ``YYYY-MM``."""
    start = pd.Timestamp(period, tz="UTC")
    end = start + (pd.offsets.MonthBegin(1) if len(period) == 7 else pd.Timedelta(days=1))
    return start, end


def check_frame(
    frame: pd.DataFrame,
    kind: str,
    *,
    source: str,
    period: str | None = None,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    bar: pd.Timedelta | None = None,
    fix: str = FIX_DOWNLOAD,
    allow_empty: bool = False,
    nan_ok: bool = False,
) -> None:
    """Raise :class:`CorruptDataError` unless ``frame`` satisfies the contract of ``kind``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A parsed or cached frame (index ``time``).
    kind : str
        A key of :data:`SCHEMAS`.
    source : str
        The file (or endpoint) named in the message.
    period : str, optional
        The file's day or month: every row must lie in it (see :class:`Schema`).
    window : (start, end), optional
        Instead of ``period``: rows must lie in ``[start, end)`` (REST answers).
    bar : pandas.Timedelta, optional
        Bar length of kline kinds (a bar overlapping the period's start is inside it).
    fix : str
        The fix named in the message.
    allow_empty : bool
        Accept a frame without rows (a REST window with nothing published yet).
    nan_ok : bool
        Accept NaN in every value column (REST metrics are an outer join of five series).
    """
    schema = SCHEMAS[kind]
    where = {"source": source, "fix": fix}
    if not isinstance(frame, pd.DataFrame):
        _fail(where, f"is not a table but {type(frame).__name__}")
    cols = [str(c) for c in frame.columns]
    check_layout(cols, [frame[c].dtype for c in frame.columns], kind, source=source, fix=fix)
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None or str(index.tz) != "UTC":
        _fail(
            where, f"index is not UTC times but {type(index).__name__} {getattr(index, 'tz', '')}"
        )
    nat = np.asarray(index.isna())
    if nat.any():
        _fail(where, "a time is missing (NaT)", None, int(np.argmax(nat)), int(nat.sum()))
    check_columns(
        {c: frame[c].to_numpy() for c in schema.columns},
        index.as_unit("ns").asi8,
        kind,
        source=source,
        period=period,
        window=window,
        bar=bar,
        fix=fix,
        allow_empty=allow_empty,
        nan_ok=nan_ok,
    )


def _fail(where: dict, detail: str, ns=None, row: int | None = None, count: int = 1):
    at = ""
    if row is not None:
        stamp = "no time"
        if ns is not None and ns[row] != np.iinfo(np.int64).min:
            stamp = f"{pd.Timestamp(int(ns[row]), tz='UTC'):%Y-%m-%d %H:%M:%S} UTC"
        at = f" row {row + 1} ({stamp})"
    more = f" ({count - 1} more such rows)" if count > 1 else ""
    raise CorruptDataError(
        f"{where['source']}:{at}: {detail}{more}; {where['fix']}".replace(":: ", ": ")
    )


def check_layout(names, dtypes, kind: str, *, source: str, fix: str = FIX_DOWNLOAD) -> None:
    """Raise unless the value columns are exactly the kind's, in order, of the right types."""
    schema = SCHEMAS[kind]
    where = {"source": source, "fix": fix}
    cols = [str(c) for c in names]
    if cols != list(schema.columns):
        missing = [c for c in schema.columns if c not in cols]
        extra = [c for c in cols if c not in schema.columns]
        what = (f"lacks {', '.join(missing)}" if missing else "") + (
            f"{'; ' if missing else ''}has unexpected {', '.join(extra)}" if extra else ""
        )
        _fail(where, f"columns are not those of {kind} ({what or 'wrong order'})")
    for col, dtype in zip(cols, dtypes, strict=True):
        family = schema.dtypes[col]
        if np.dtype(dtype).kind not in _FAMILIES[family]:
            _fail(where, f"column {col} holds {dtype} values, not {family}")


def check_columns(
    columns: Mapping[str, np.ndarray],
    ns: np.ndarray,
    kind: str,
    *,
    source: str,
    period: str | None = None,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    bar: pd.Timedelta | None = None,
    fix: str = FIX_DOWNLOAD,
    allow_empty: bool = False,
    nan_ok: bool = False,
    values: bool = True,
) -> None:
    """The value and time rules of :func:`check_frame`, on plain arrays (``ns``: UTC epoch
    nanoseconds of each row), so cached Arrow tables are checked without building frames.
    ``values=False`` checks the times only (a cached file already verified and unchanged
    since)."""
    schema = SCHEMAS[kind]
    where = {"source": source, "fix": fix}
    ns = np.asarray(ns, dtype=np.int64)

    def fail(detail: str, row: int | None = None, count: int = 1) -> None:
        _fail(where, detail, ns, row, count)

    if ns.size == 0:
        if allow_empty:
            return
        fail("has no rows")
    if (ns == np.iinfo(np.int64).min).any():
        nat = ns == np.iinfo(np.int64).min
        fail("a time is missing (NaT)", int(np.argmax(nat)), int(nat.sum()))
    back = np.flatnonzero(np.diff(ns) < 0)
    if back.size:
        fail("rows are not in time order", int(back[0]) + 1, back.size)
    if schema.unique_times:
        dup = np.flatnonzero(np.diff(ns) == 0)
        if dup.size:
            fail("time repeats an earlier row", int(dup[0]) + 1, dup.size)

    def first(mask: np.ndarray, detail) -> None:
        rows = np.flatnonzero(mask)
        if rows.size:
            row = int(rows[0])
            fail(detail(row) if callable(detail) else detail, row, rows.size)

    check_values = values

    def values(col: str) -> np.ndarray:
        x = np.asarray(columns[col], dtype=float)
        return np.where(np.isnan(x), 1.0, x) if nan_ok else x

    if not check_values:
        schema = _times_only(schema)

    for col in schema.positive:
        x = values(col)
        first(
            ~(np.isfinite(x) & (x > 0)),
            lambda r, c=col, x=x: f"{c} {x[r]:g} is not a finite price > 0",
        )
    for col in schema.nonneg:
        x = values(col)
        first(
            ~(np.isfinite(x) & (x >= 0)),
            lambda r, c=col, x=x: f"{c} {x[r]:g} is not a finite number >= 0",
        )
    for col in schema.nonneg_or_nan:
        x = values(col)
        first(np.isinf(x) | (x < 0), lambda r, c=col, x=x: f"{c} {x[r]:g} is negative or infinite")
    for col in schema.finite:
        x = values(col)
        first(~np.isfinite(x), lambda r, c=col, x=x: f"{c} {x[r]:g} is not finite")
    for col, (lo, hi) in schema.bounds.items():
        x = values(col)
        first(
            (x < lo) | (x > hi),
            lambda r, c=col, x=x, lo=lo, hi=hi: f"{c} {x[r]:g} is outside [{lo:g}, {hi:g}]",
        )
    if schema.kind == "fundingRate":
        x = values(C.FUNDING_INTERVAL_HOURS)
        first(x != np.round(x), lambda r: f"funding_interval_hours {x[r]:g} is not whole hours")
    if schema.ohlc:
        o, h, lo_, c = (values(k) for k in (C.OPEN, C.HIGH, C.LOW, C.CLOSE))
        first(ohlc_disorder(o, h, lo_, c), lambda r: ohlc_problem(o, h, lo_, c, r))
    for a, b in schema.at_most:
        xa, xb = values(a), values(b)
        first(
            xa > xb + 1e-9 * np.abs(xb),
            lambda r, a=a, b=b, xa=xa, xb=xb: f"{a} {xa[r]:g} exceeds {b} {xb[r]:g}",
        )
    if period is not None or window is not None:
        start, end = period_bounds(period) if period is not None else window
        label = (
            f"its {'month' if period and len(period) == 7 else 'day'} {period}"
            if period
            else (f"the window {start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M} UTC")
        )
        lo_ns, hi_ns = start.value, end.value
        if schema.bars and bar is not None:
            lo_ns -= int(pd.Timedelta(bar).value) - 1  # a long bar may open before the day
        outside = (ns < lo_ns) | ((ns > hi_ns) if schema.end_inclusive else (ns >= hi_ns))
        first(outside, f"row lies outside {label}")
