"""Parsing and checking the time window a user asks for (UTC, half-open)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from liqlib.errors import InputError

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TimeLike = str | dt.date | dt.datetime | pd.Timestamp


def to_utc(value: TimeLike, name: str) -> pd.Timestamp:
    """Read a user-supplied time as a UTC ``Timestamp``.

    A calendar day (``"2025-11-04"`` or a ``datetime.date``) means 00:00 UTC of that day.
    Anything with a time of day must carry a time zone: a naive ``datetime`` is ambiguous and
    is refused rather than silently read in the machine's local zone.

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
        if ts.tzinfo is None and not _DATE_ONLY.match(text):
            raise InputError(
                f"{name}={value!r} has a time of day but no time zone: append 'Z' or '+00:00' "
                "(liqlib works in UTC), or pass a plain date 'YYYY-MM-DD'"
            )
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
