"""Naive one-line predictions a model must beat (range x OI, |return| x OI, OI fall), USD per bar."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from liqlib.data.columns import CLOSE, HIGH, LOW, OI_COIN, OI_USD, OPEN, TIME
from liqlib.data.realized import _alias, _fail, _sorted_index, _utc_index
from liqlib.data.time import interval_arg


def _market_frame(market, name: str = "market") -> pd.DataFrame:
    if not isinstance(market, pd.DataFrame):
        _fail(f"{name} must be a DataFrame (lq.load_market), not {type(market).__name__}")
    idx = _utc_index(market, name)
    if len(idx) == 0:
        _fail(f"{name} has no rows: widen the date range")
    if idx.has_duplicates:
        _fail(f"{name} index has duplicated times (first {idx[idx.duplicated()][0]}): drop them")
    _sorted_index(idx, name)
    return market


def _prices(market: pd.DataFrame, cols: Sequence[str]) -> dict[str, np.ndarray]:
    out = {}
    for col in cols:
        if col not in market.columns:
            _fail(f"market has no {col!r} column: pass a frame from lq.load_market")
        x = market[col].to_numpy(dtype=float)
        bad = ~np.isfinite(x) | (x <= 0)
        if bad.any():
            _fail(
                f"market column {col!r} has NaN or non-positive prices (first at "
                f"{market.index[np.argmax(bad)]}): drop or repair those rows"
            )
        out[col] = x
    if HIGH in out and LOW in out and (out[HIGH] < out[LOW]).any():
        i = int(np.argmax(out[HIGH] < out[LOW]))
        _fail(
            f"market has high < low at {market.index[i]} (high {out[HIGH][i]:g}, low "
            f"{out[LOW][i]:g}): repair or drop those rows (a range cannot be negative)"
        )
    return out


def _oi_usd(market: pd.DataFrame) -> pd.Series:
    if OI_USD in market.columns and market[OI_USD].notna().any():
        oi = market[OI_USD].astype(float)
    elif OI_COIN in market.columns and market[OI_COIN].notna().any():
        oi = market[OI_COIN].astype(float) * market[CLOSE].astype(float)
    else:
        _fail(
            f"market has no {OI_USD!r} or {OI_COIN!r} values: the baselines scale by open "
            "interest; load a market with metrics (lq.load_market) or add oi_usd"
        )
    if np.any(oi.to_numpy() < 0) or np.isinf(oi.to_numpy()).any():
        _fail("market open interest has negative or infinite values: repair those rows")
    return oi.ffill().bfill()


def naive_baselines(
    market: pd.DataFrame,
    interval: str | pd.Timedelta | None = None,
    *,
    bar: str | pd.Timedelta | None = None,
) -> dict[str, pd.DataFrame]:
    """One-line predictions of USD liquidated per bar: the floor any model must beat.

    Each uses only the bar's OHLC and open interest; none knows where positions are. With
    ``OI0`` the open interest (USD) at the bar's start and ``OI1`` at its end:

    - ``"range x OI"``: longs ``(open - low) / open * OI0``, shorts
      ``(high - open) / open * OI0``: the deeper the wick, the more is liquidated.
    - ``"|return| x OI"``: ``|close / open - 1| * OI0``, all to longs when the bar fell
      (close < open), all to shorts when it rose (close > open), nothing when flat.
    - ``"OI fall"``: ``max(OI0 - OI1, 0)`` (a fall of open interest in USD, which includes the
      revaluation by the price move), split 50/50 between longs and shorts.

    Open interest is the ``oi_usd`` column, else ``oi_coin * close``, forward-filled (and
    back-filled before its first value). liqlib's engine reads the open interest of a row as
    the state *after* that candle, so ``OI0`` is the value of the row before the bar
    (the bar's own first value for the very first bar) and ``OI1`` the bar's last value.

    Parameters
    ----------
    market : pandas.DataFrame
        ``open``, ``high``, ``low``, ``close`` (USD/coin) and ``oi_usd`` or ``oi_coin``; UTC
        index, sorted, unique.
    interval : str or pandas.Timedelta, optional
        When given (``"30m"``/``"30min"``, ``"1h"``...), candles are first resampled into bars
        (open first, high max, low min, close last, open interest last) and the baselines
        computed on the bars' OHLC; bars without candles predict 0. None: one row per candle.
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

    Returns
    -------
    dict of str to pandas.DataFrame
        Keys :data:`BASELINES`; each a bar frame (``long_usd``, ``short_usd``, USD).

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC")
    >>> m = pd.DataFrame({"open": [100.0, 100.0], "high": [110.0, 101.0], "low": [95.0, 90.0],
    ...                   "close": [100.0, 91.0], "oi_usd": [1000.0, 800.0]}, index=idx)
    >>> naive_baselines(m)["range x OI"]["long_usd"].tolist()
    [50.0, 100.0]
    """
    td = interval_arg(interval, bar, where="naive_baselines")
    market = _market_frame(market)
    px = _prices(market, (OPEN, HIGH, LOW, CLOSE))
    oi_end = _oi_usd(market)
    oi_start = oi_end.shift(1)
    oi_start.iloc[0] = oi_end.iloc[0]
    frame = pd.DataFrame({**px, "oi_start": oi_start.to_numpy(), "oi_end": oi_end.to_numpy()})
    frame.index = market.index.rename(TIME)
    label = "candle"
    if td is not None:
        label = _alias(td)
        how = {OPEN: "first", HIGH: "max", LOW: "min", CLOSE: "last"}
        frame = frame.resample(td, label="left", closed="left").agg(
            {**how, "oi_start": "first", "oi_end": "last"}
        )
    o, h, lo, c = (frame[k].to_numpy() for k in (OPEN, HIGH, LOW, CLOSE))
    oi0, oi1 = frame["oi_start"].to_numpy(), frame["oi_end"].to_numpy()
    ret = c / o - 1.0
    fall = np.maximum(oi0 - oi1, 0.0)
    raw = {
        "range x OI": ((o - lo) / o * oi0, (h - o) / o * oi0),
        "|return| x OI": (np.where(ret < 0, -ret, 0.0) * oi0, np.where(ret > 0, ret, 0.0) * oi0),
        "OI fall": (fall / 2.0, fall / 2.0),
    }
    out = {}
    for name, (lg, sh) in raw.items():
        df = pd.DataFrame(
            {"long_usd": np.nan_to_num(lg, nan=0.0), "short_usd": np.nan_to_num(sh, nan=0.0)},
            index=frame.index,
        )
        df.attrs = {"prediction": f"naive baseline {name!r}", "bar": label}
        out[name] = df
    return out
