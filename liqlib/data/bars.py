"""Coarser bars from a market frame (pure; no I/O).

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> m = make_synthetic_market(60)
>>> len(resample_market(m, "5m"))
12
"""

from __future__ import annotations

import pandas as pd

from liqlib.data import columns as C
from liqlib.data.store import binance_interval
from liqlib.errors import InputError

__all__ = ["resample_market"]

_FIRST = (C.OPEN, C.MARK_OPEN, *C.METRICS_COLUMNS, *C.FUNDING_COLUMNS)
_SUM = (
    C.VOLUME,
    C.QUOTE_VOLUME,
    C.TRADES,
    C.TAKER_BUY_VOLUME,
    C.TAKER_BUY_QUOTE_VOLUME,
)


def resample_market(market: pd.DataFrame, interval: str) -> pd.DataFrame:
    """Aggregate a market frame into bars of ``interval`` (``"5m"``, ``"1h"``...).

    Prices: first open, highest high, lowest low, last close (trade and mark); volumes and
    trades: sums; open interest, ratios and funding: the value at the bar's open, as
    ``lq.load_market`` gives them at that interval. A bar with no input rows stays NaN.
    ``attrs`` are kept, with ``interval`` updated.

    Parameters
    ----------
    market : pandas.DataFrame
        UTC-indexed frame with liqlib's columns (any subset).
    interval : str
        A Binance interval no shorter than the frame's own bars (``"5m"`` or ``"5min"``).
    """
    step, interval = binance_interval(interval)
    if not isinstance(market.index, pd.DatetimeIndex) or market.index.tz is None:
        raise InputError("market index must be a UTC DatetimeIndex: use lq.load_market")
    if len(market.index) > 1 and (market.index[1] - market.index[0]) > step:
        raise InputError(
            f"interval={interval!r} is shorter than the market's bars: choose a longer one"
        )
    how = {}
    for col in market.columns:
        if col in _FIRST:
            how[col] = "first"
        elif col in _SUM:
            how[col] = "sum"
        elif col in (C.HIGH, C.MARK_HIGH):
            how[col] = "max"
        elif col in (C.LOW, C.MARK_LOW):
            how[col] = "min"
        else:
            how[col] = "last"
    out = market.resample(step, label="left", closed="left").agg(how)
    # a bar with no rows is unknown, not zero volume
    empty = market[market.columns[0]].resample(step).count() == 0
    out.loc[empty] = float("nan")
    out.attrs = {**market.attrs, "interval": interval}
    return out
