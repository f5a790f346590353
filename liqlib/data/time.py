"""Parsing and checking the time window a user asks for (UTC, half-open)."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd

from liqlib._compat import REMOVE_IN
from liqlib.errors import InputError, LiqlibDeprecationWarning

TimeLike = str | dt.date | dt.datetime | pd.Timestamp


def to_utc(value: TimeLike, name: str) -> pd.Timestamp:
    """Read a user-supplied time as a UTC ``Timestamp``.

    liqlib's one rule for times: **everything is UTC**. A string without a zone
    (``"2025-11-04"``, ``"2025-11-04 21:35"``) is read as UTC, a calendar day as 00:00 UTC; a
    string or datetime with a zone is converted to UTC; a timezone-naive ``datetime`` object is
    refused, because it usually comes from a local clock (``datetime.now()``): pass
    ``datetime.now(timezone.utc)`` or a string. Every function that takes a time reads it here.

    Parameters
    ----------
    value : str, datetime.date, datetime.datetime or pandas.Timestamp
        The time. Strings are ISO 8601 (``"2025-11-04"``, ``"2025-11-04T21:35Z"``).
    name : str
        The parameter name, used in error messages.

    Returns
    -------
    pandas.Timestamp
        Time-zone aware, in UTC.

    Examples
    --------
    >>> to_utc("2025-11-04", "start")
    Timestamp('2025-11-04 00:00:00+0000', tz='UTC')
    """
    example = "a date such as '2025-11-04' or an aware time such as '2025-11-04T21:35Z'"
    if _is_missing(value):
        raise InputError(f"{name} is {value!r}, not a time: pass {example}")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError(f"{name} is an empty string: pass {example}")
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError, OverflowError) as exc:
            raise InputError(
                f"{name}={value!r} is not a date or time: use ISO 8601 such as '2025-11-04' "
                "or '2025-11-04T21:35Z'"
            ) from exc
        if pd.isna(ts):
            raise InputError(f"{name}={value!r} is not a date or time: pass {example}")
    elif isinstance(value, dt.datetime | pd.Timestamp):
        ts = pd.Timestamp(value)
        if ts.tzinfo is None:
            raise InputError(
                f"{name}={value!r} is a timezone-naive datetime: pass an aware one, e.g. "
                f"pd.Timestamp('{ts.isoformat()}', tz='UTC'), or a plain date"
            )
    elif isinstance(value, dt.date):
        ts = pd.Timestamp(value)
    else:
        raise InputError(
            f"{name} must be a date string, datetime.date or aware datetime, not "
            f"{type(value).__name__} {value!r}: pass {example}"
        )
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _is_missing(value) -> bool:
    """None, NaT or NaN of any flavour (never raises, whatever ``value`` is)."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, str | dt.date):
        return False
    try:
        return bool(np.ndim(value) == 0 and pd.isna(value))
    except (TypeError, ValueError):
        return False


def check_window(
    start: TimeLike, end: TimeLike, *, now: pd.Timestamp | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Validate a half-open UTC window ``[start, end)``.

    Raises
    ------
    InputError
        If ``start >= end`` or ``end`` lies in the future.
    """
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t0 >= t1:
        raise InputError(
            f"start {t0:%Y-%m-%d %H:%M} is not before end {t1:%Y-%m-%d %H:%M} (UTC): the window "
            "is half-open [start, end), so pass an end after the start"
        )
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    if t1 > now:
        raise InputError(
            f"end {t1:%Y-%m-%d %H:%M} UTC is in the future (now {now:%Y-%m-%d %H:%M}): "
            "pass an end in the past; the archive publishes each day after it ends"
        )
    return t0, t1


def days_in(t0: pd.Timestamp, t1: pd.Timestamp) -> list[dt.date]:
    """The UTC calendar days that intersect ``[t0, t1)``."""
    last = (t1 - pd.Timedelta(1, "ns")).normalize()
    return [d.date() for d in pd.date_range(t0.normalize(), last, freq="D")]


def months_in(t0: pd.Timestamp, t1: pd.Timestamp) -> list[str]:
    """The UTC calendar months (``YYYY-MM``) that intersect ``[t0, t1)``."""
    last = t1 - pd.Timedelta(1, "ns")
    periods = pd.period_range(t0.tz_localize(None), last.tz_localize(None), freq="M")
    return [str(p) for p in periods]


#: Unit spellings an interval may use -> (seconds, the canonical Binance-style unit).
_INTERVAL_UNITS = {
    "s": (1, "s"), "sec": (1, "s"),
    "m": (60, "m"), "min": (60, "m"), "t": (60, "m"),
    "h": (3_600, "h"), "hr": (3_600, "h"),
    "d": (86_400, "d"), "w": (604_800, "w"),
}  # fmt: skip
_INTERVAL = re.compile(r"^\s*(\d+)\s*([a-zA-Z]+)\s*$")


def parse_interval(value: str | pd.Timedelta, name: str = "interval") -> tuple[pd.Timedelta, str]:
    """A bar length in either vocabulary: ``"5m"`` (Binance) or ``"5min"`` (pandas).

    The one reader of a bar's length in liqlib (``interval=`` everywhere): ``"1m"``, ``"1min"``
    and ``"1T"`` are one minute, ``"4h"``/``"4H"`` four hours, ``"1d"``/``"1D"`` a day. Months
    (``"1M"``, ``"1mo"``) are refused: they have no fixed length.

    Parameters
    ----------
    value : str or pandas.Timedelta
        The bar length.
    name : str
        The parameter name, used in error messages.

    Returns
    -------
    (pandas.Timedelta, str)
        The length, and its canonical name in Binance's spelling (``"5m"``, ``"1h"``, ``"1d"``).

    Raises
    ------
    InputError
        Not a positive whole number of seconds, minutes, hours, days or weeks.

    Examples
    --------
    >>> parse_interval("5min") == parse_interval("5m")
    True
    >>> parse_interval("1H")
    (Timedelta('0 days 01:00:00'), '1h')
    """
    example = "e.g. '1m', '5m', '1h' or '1d' ('5min' and '1H' work too)"
    if isinstance(value, pd.Timedelta):
        td = value
    elif isinstance(value, str):
        m = _INTERVAL.match(value)
        unit = m.group(2) if m else ""
        key = unit if unit in ("M", "MS", "ME") else unit.lower()
        if not m or key not in _INTERVAL_UNITS:
            raise InputError(f"{name}={value!r} is not a bar length: use {example}")
        td = pd.Timedelta(seconds=int(m.group(1)) * _INTERVAL_UNITS[key][0])
    else:
        raise InputError(f"{name}={value!r} is not a bar length: use {example}")
    seconds = td.total_seconds()
    if not seconds > 0 or seconds != int(seconds):
        raise InputError(f"{name}={value!r} must be a positive whole number of seconds: {example}")
    s = int(seconds)
    for size, unit in ((604_800, "w"), (86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")):
        if s % size == 0:
            return td, f"{s // size}{unit}"
    raise AssertionError("unreachable")  # every whole number of seconds divides by 1


def interval_arg(
    interval: str | pd.Timedelta | None,
    bar: str | pd.Timedelta | None = None,
    *,
    where: str,
    default: str | None = None,
    required: bool = False,
) -> pd.Timedelta | None:
    """A public function's ``interval=`` as a Timedelta, accepting its old name ``bar=`` for a while.

    liqlib 0.2 calls a bar's length ``interval=`` everywhere; functions that took ``bar=`` keep it
    until :data:`liqlib._compat.REMOVE_IN`, with a
    :class:`~liqlib.errors.LiqlibDeprecationWarning`. Both are read by :func:`parse_interval`, so
    ``"1h"``, ``"1H"`` and ``"60min"`` are the same bar.

    Parameters
    ----------
    interval : str or pandas.Timedelta or None
        The value passed as ``interval=``.
    bar : str or pandas.Timedelta or None
        The value passed as the deprecated ``bar=``.
    where : str
        The public function's name, for the warning and errors (``"lq.to_bars"``).
    default : str, optional
        The length when neither is given; None (the default) returns None then.
    required : bool
        Neither given (and no ``default``) is an InputError rather than None.

    Returns
    -------
    pandas.Timedelta or None
        The bar length, or None when neither argument nor ``default`` is given.

    Raises
    ------
    InputError
        Both ``interval=`` and ``bar=`` given, neither when ``required``, or a value that is not
        a bar length.

    Examples
    --------
    >>> interval_arg("60min", where="to_bars")
    Timedelta('0 days 01:00:00')
    >>> interval_arg(None, where="naive_baselines") is None
    True
    """
    if bar is not None:
        if interval is not None:
            raise InputError(
                f"{where} got both interval={interval!r} and bar={bar!r}: pass interval= only "
                "(bar= is its old name)"
            )
        warnings.warn(
            f"{where}(bar=...) is renamed interval= in liqlib 0.2 (same meaning, e.g. "
            f"interval={bar!r}); bar= goes in liqlib {REMOVE_IN}",
            LiqlibDeprecationWarning,
            stacklevel=3,
        )
        interval = bar
    if interval is None:
        interval = default
    if interval is None and required:
        raise InputError(f"{where} needs interval=, the bar length: e.g. interval='1h'")
    return None if interval is None else parse_interval(interval, "interval")[0]
