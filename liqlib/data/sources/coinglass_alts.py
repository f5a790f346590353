"""Read the 4-hourly Coinglass alt-coin export (realized liquidations + open interest) and join
it with hourly perpetual candles into a market frame the models take.

The export (``cg_<coin>_4h_binance_liq_oi_*.csv``, Coinglass v4 via
``FelipeODonnell/liquidity-report``) holds, per 4-hour bar (UTC open in ``time_ms``):
``liq_long_usd_binance`` / ``liq_short_usd_binance`` (USD liquidated on Binance) and
``oi_binance_stablecoin_coins_{open,high,low,close}`` (Binance USDT-margined open interest in
**coins**). Prices are not in it: they come from an hourly candle file with columns
``timestamp, venue, coin, o, h, l, c, v`` (``finm-hourly-candles``).

Examples
--------
>>> load_coinglass_alts("/nonexistent.csv", "/nonexistent.csv.gz", "ETH")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
liqlib.errors.DataNotFoundError: ...
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from liqlib.data.columns import CLOSE, HIGH, LOW, OI_COIN, OPEN, QUOTE_VOLUME, TIME, VOLUME
from liqlib.errors import CorruptDataError, DataNotFoundError

__all__ = ["load_coinglass_alts"]

_LIQ = ("liq_long_usd_binance", "liq_short_usd_binance")
_OI = "oi_binance_stablecoin_coins_close"


def _need_file(path: str | os.PathLike, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataNotFoundError(
            f"{what} {p} does not exist: point it at the file (e.g. under "
            "../shared/data/raw/coinglass-4h-alts or finm-hourly-candles)"
        )
    return p


def load_coinglass_alts(
    liquidations_csv: str | os.PathLike,
    candles_csv: str | os.PathLike,
    coin: str,
    *,
    venue: str = "binance",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An hourly market frame with open interest, and the 4-hourly realized liquidations.

    Parameters
    ----------
    liquidations_csv : str or path-like
        The ``cg_<coin>_4h_binance_liq_oi_*.csv`` export.
    candles_csv : str or path-like
        Hourly candles (``timestamp, venue, coin, o, h, l, c, v``; gzip allowed).
    coin : str
        Coin in the candle file (``"ETH"``, ``"SOL"``).
    venue : str
        Venue of the candles (``"binance"``).

    Returns
    -------
    market : pandas.DataFrame
        Hourly ``open, high, low, close`` (USD/coin), ``volume`` (coins), ``quote_volume``
        (USD, volume x close), ``oi_coin`` (coins) on the rows where a 4-hour bar closes, the
        state at the row's open (``oi_timing`` "open": a 4-hour bar's closing open interest is
        put on the hour it ends), NaN between; the window is where both files overlap.
        ``attrs``: ``symbol`` (``<COIN>USDT``), ``interval`` "1h", ``source``, ``synthetic``
        False, ``oi_timing`` "open".
    realized : pandas.DataFrame
        4-hourly ``long_usd``, ``short_usd`` (USD liquidated on Binance) over the same window,
        ``attrs["bar"]`` "4h".

    Raises
    ------
    DataNotFoundError
        A file is missing.
    CorruptDataError
        A needed column is missing, or the files do not overlap.
    """
    lp = _need_file(liquidations_csv, "liquidation export")
    cp = _need_file(candles_csv, "candle file")
    f = pd.read_csv(lp)
    missing = [c for c in ("time_ms", *_LIQ, _OI) if c not in f.columns]
    if missing:
        raise CorruptDataError(
            f"{lp.name} has no column {missing[0]!r}: give a cg_<coin>_4h_binance_liq_oi export"
        )
    f.index = pd.to_datetime(f["time_ms"], unit="ms", utc=True)
    c = pd.read_csv(cp)
    for col in ("timestamp", "venue", "coin", "o", "h", "l", "c", "v"):
        if col not in c.columns:
            raise CorruptDataError(
                f"{cp.name} has no column {col!r}: give timestamp, venue, coin, o, h, l, c, v"
            )
    c = c[(c["venue"] == venue) & (c["coin"] == coin.upper())]
    c.index = pd.to_datetime(c["timestamp"], utc=True)
    c = c.sort_index()
    m = pd.DataFrame(
        {OPEN: c["o"], HIGH: c["h"], LOW: c["l"], CLOSE: c["c"], VOLUME: c["v"]}, dtype=float
    )
    m[QUOTE_VOLUME] = m[VOLUME] * m[CLOSE]
    oi = f[_OI].astype(float)
    oi.index = oi.index + pd.Timedelta("4h")  # a bar's close = the state at the next hour's open
    m[OI_COIN] = oi.reindex(m.index)
    first = m[OI_COIN].first_valid_index()
    end = f.index[-1] + pd.Timedelta("4h")
    if first is None or first >= end:
        raise CorruptDataError(f"{lp.name} and {cp.name} do not overlap in time: pair the files")
    m = m[(m.index >= first) & (m.index < end)]
    m.index.name = TIME
    realized = pd.DataFrame(
        {"long_usd": f[_LIQ[0]].astype(float), "short_usd": f[_LIQ[1]].astype(float)}
    )
    realized = realized[(realized.index >= first) & (realized.index < m.index[-1])]
    realized.index.name = TIME
    if np.any(realized.to_numpy() < 0):
        raise CorruptDataError(f"{lp.name} holds negative liquidations: the export is damaged")
    m.attrs.update(
        symbol=f"{coin.upper()}USDT",
        interval="1h",
        source=f"{cp.name} + {lp.name}",
        synthetic=False,
        oi_timing="open",
    )
    realized.attrs.update(symbol=coin.upper(), bar="4h", source=lp.name, synthetic=False)
    return m, realized
