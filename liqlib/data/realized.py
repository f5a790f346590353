"""Realized-liquidation bar frames: USD of longs and shorts liquidated per bar (UTC), and the
checks every stage that reads them shares (calibration, validation).

A *bar frame* is a DataFrame indexed by bar open time (UTC) with columns ``long_usd`` (USD of
long positions liquidated in the bar) and ``short_usd``.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np
import pandas as pd

from liqlib.errors import InputError

SIDES = ("long", "short")


BAR_COLUMNS = ("long_usd", "short_usd")


def _fail(message: str) -> NoReturn:
    raise InputError(message)


def _timedelta(value, name: str, example: str = "'30min', '1h' or '1D'") -> pd.Timedelta:
    """A positive time span from a string such as '4h' (or a Timedelta)."""
    if isinstance(value, pd.Timedelta):
        td = value
    elif isinstance(value, str):
        try:
            td = pd.Timedelta(value.strip())
        except (ValueError, TypeError):
            _fail(f"{name}={value!r} is not a time span: use e.g. {example}")
    else:
        _fail(f"{name}={value!r} is not a time string: use e.g. {example}")
    if pd.isna(td) or td <= pd.Timedelta(0):
        _fail(f"{name}={value!r} must be a positive time span: use e.g. {example}")
    return td


def _alias(td: pd.Timedelta) -> str:
    """A pandas alias for a time span: '30min', '1h', '1D', '15s'."""
    s = int(td.total_seconds())
    if s > 0 and s * 10**9 == td.value:
        for unit, size in (("D", 86_400), ("h", 3_600), ("min", 60)):
            if s % size == 0:
                return f"{s // size}{unit}"
        return f"{s}s"
    return f"{td.value}ns"


def _utc_index(obj, name: str) -> pd.DatetimeIndex:
    idx = obj.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        _fail(f"{name} must be indexed by a UTC DatetimeIndex: use {name}.tz_localize('UTC')")
    return idx


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8


def _bar_frame(frame, name: str) -> np.ndarray:
    """Check a bar frame (long_usd, short_usd; UTC; no NaN, no negatives) -> (n, 2) floats."""
    if not isinstance(frame, pd.DataFrame):
        _fail(
            f"{name} must be a DataFrame with columns long_usd and short_usd indexed by bar "
            f"time (UTC), not {type(frame).__name__}: build one with to_bars(...)"
        )
    for col in BAR_COLUMNS:
        if col not in frame.columns:
            _fail(
                f"{name} lacks column {col!r} (has {list(frame.columns)[:6]}): give it columns "
                "long_usd and short_usd (USD liquidated per bar)"
            )
    idx = _utc_index(frame, name)
    if len(idx) == 0:
        _fail(f"{name} has no bars: choose a window that holds some")

    values = frame[list(BAR_COLUMNS)].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        _fail(
            f"{name} has NaN or infinite {BAR_COLUMNS[col]} at {idx[row]} ({int(bad.sum())} "
            "values): drop those bars from both frames, or .fillna(0) if NaN means none"
        )
    neg = values < 0
    if neg.any():
        row, col = np.argwhere(neg)[0]
        _fail(
            f"{name} has a negative {BAR_COLUMNS[col]} at {idx[row]}: USD liquidated is >= 0; "
            "repair those bars"
        )
    return values


def check_bar_series(frame: pd.DataFrame, name: str) -> None:
    """A bar frame that is a time series (calibration, realized data): sorted, no repeats."""
    idx = frame.index
    if idx.has_duplicates:
        _fail(
            f"{name} has duplicated bars (first {idx[idx.duplicated()][0]}): keep one of each, "
            f"e.g. {name}[~{name}.index.duplicated()] or {name}.groupby(level=0).sum()"
        )
    if not idx.is_monotonic_increasing:
        _fail(f"{name} is not sorted in time: use {name}.sort_index()")


def _same_bars(a: pd.DataFrame, b: pd.DataFrame, name_a: str, name_b: str) -> None:
    if a.index.equals(b.index):
        return
    common = len(a.index.intersection(b.index))

    def span(idx: pd.DatetimeIndex) -> str:
        return f"{len(idx)} bars {idx[0]:%Y-%m-%d %H:%M}..{idx[-1]:%Y-%m-%d %H:%M}"

    _fail(
        f"{name_a} ({span(a.index)}) and {name_b} ({span(b.index)}) are not on the same bars "
        f"({common} in common): resample both to the same bars, e.g. to_bars(frame, '30min') "
        "or .resample('30min').sum(), then keep the common ones with frame.loc[common_index]"
    )


def _sorted_index(idx: pd.DatetimeIndex, name: str) -> None:
    if not idx.is_monotonic_increasing:
        _fail(f"{name} is not sorted in time: use {name}.sort_index()")
