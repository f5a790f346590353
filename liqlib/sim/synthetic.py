"""A seeded synthetic market for tests, benchmarks and offline notebooks.

Everything this module makes is labelled synthetic: ``df.attrs["synthetic"] is True`` and
``df.attrs["source"]`` says so. Show that label wherever the data is shown.

Examples
--------
>>> df = make_synthetic_market(1_440, seed=1)
>>> df.attrs["synthetic"], len(df), df.index.tz is not None
(True, 1440, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.data.columns import (
    CLOSE,
    FUNDING_INTERVAL_HOURS,
    FUNDING_RATE,
    HIGH,
    LOW,
    LS_ACCOUNT,
    MARK_CLOSE,
    MARK_HIGH,
    MARK_LOW,
    MARK_OPEN,
    MARKET_COLUMNS,
    OI_COIN,
    OI_USD,
    OPEN,
    QUOTE_VOLUME,
    TAKER_BUY_QUOTE_VOLUME,
    TAKER_BUY_VOLUME,
    TAKER_LS_VOLUME,
    TIME,
    TOPTRADER_LS_ACCOUNT,
    TOPTRADER_LS_POSITION,
    TRADES,
    VOLUME,
)
from liqlib.data.time import parse_interval, to_utc
from liqlib.errors import InputError

__all__ = ["make_synthetic_market"]


def make_synthetic_market(
    n_candles: int,
    interval: str = "1m",
    start: str = "2025-01-01",
    seed: int = 0,
    price: float = 100_000.0,
) -> pd.DataFrame:
    """A random-walk market with every column of ``lq.load_market``.

    Prices follow a log random walk with fat-tailed jumps (about 3 % a day at 1-minute
    candles); volumes rise with the size of the move; the taker buy share leans with the move;
    open interest (coins) changes every 5 minutes, rising with taker flow and falling after
    large moves; mark prices stay within a few basis points of trade prices.

    Parameters
    ----------
    n_candles : int
        Number of candles (> 0).
    interval : str
        Bar length (``"1m"`` or ``"1min"``, ``"5m"``, ``"1h"``...).
    start : str
        Open time of the first candle (UTC).
    seed : int
        Seed of the generator; the same seed gives the same frame.
    price : float
        First open (USD/coin).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC), the columns of :data:`liqlib.data.columns.MARKET_COLUMNS`.

    Examples
    --------
    >>> float(make_synthetic_market(3, price=50.0)["open"].iloc[0])
    50.0
    """
    if not isinstance(n_candles, int | np.integer) or n_candles < 1:
        raise InputError(f"n_candles {n_candles!r} is not a positive integer: use e.g. 1440")
    if not np.isfinite(price) or price <= 0:
        raise InputError(f"price {price!r} is not a positive number: use e.g. 100000")
    step, interval = parse_interval(interval)
    index = pd.date_range(to_utc(start, "start"), periods=n_candles, freq=step, name=TIME)
    n = int(n_candles)
    rng = np.random.default_rng(seed)
    minutes = step.total_seconds() / 60.0
    sigma = 0.0008 * np.sqrt(minutes)
    ret = sigma * rng.standard_t(4, size=n) / np.sqrt(2.0)
    close = price * np.exp(np.cumsum(ret))
    open_ = np.concatenate([[price], close[:-1]])
    wick = np.abs(rng.normal(0.0, sigma * 0.6, size=(2, n)))
    high = np.maximum(open_, close) * np.exp(wick[0])
    low = np.minimum(open_, close) * np.exp(-wick[1])
    move = np.abs(ret) / sigma
    quote_volume = 2e6 * minutes * (0.5 + move) * rng.lognormal(0.0, 0.4, size=n)
    buy_share = np.clip(0.5 + 0.15 * np.tanh(ret / sigma) + rng.normal(0, 0.05, n), 0.02, 0.98)
    mark_noise = rng.normal(0.0, 5e-5, size=(4, n))
    mark_open = open_ * (1 + mark_noise[0])
    mark_close = close * (1 + mark_noise[3])
    mark_high = np.maximum(high * (1 + mark_noise[1]), np.maximum(mark_open, mark_close))
    mark_low = np.minimum(low * (1 + mark_noise[2]), np.minimum(mark_open, mark_close))
    oi0 = 8e9 / price
    shock = np.maximum(move - 2.0, 0.0)  # large moves flush positions ...
    shock -= shock.mean()  # ... but open interest has no drift over the window
    doi = (buy_share - 0.5) * 0.002 + rng.normal(0, 4e-4, n) - 3e-4 * shock
    oi_coin = oi0 * np.exp(np.cumsum(doi))
    step = max(int(round(5.0 / minutes)), 1)
    held = (np.arange(n) // step) * step
    oi_coin = oi_coin[held]
    ls = np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    df = pd.DataFrame(
        {
            OPEN: open_,
            HIGH: high,
            LOW: low,
            CLOSE: close,
            VOLUME: quote_volume / close,
            QUOTE_VOLUME: quote_volume,
            TRADES: np.maximum(1, (quote_volume / 2_000.0).astype(np.int64)),
            TAKER_BUY_VOLUME: quote_volume * buy_share / close,
            TAKER_BUY_QUOTE_VOLUME: quote_volume * buy_share,
            MARK_OPEN: mark_open,
            MARK_HIGH: mark_high,
            MARK_LOW: mark_low,
            MARK_CLOSE: mark_close,
            OI_COIN: oi_coin,
            OI_USD: oi_coin * mark_close,
            TOPTRADER_LS_ACCOUNT: 1.2 * ls,
            TOPTRADER_LS_POSITION: 1.1 * ls,
            LS_ACCOUNT: 1.5 * ls,
            TAKER_LS_VOLUME: buy_share / (1.0 - buy_share),
            FUNDING_RATE: np.where((index.hour % 8 == 0) & (index.minute == 0), 1e-4, np.nan),
            FUNDING_INTERVAL_HOURS: np.where(
                (index.hour % 8 == 0) & (index.minute == 0), 8.0, np.nan
            ),
        },
        index=index,
    )[list(MARKET_COLUMNS)]
    df.attrs["synthetic"] = True
    df.attrs["source"] = f"synthetic (liqlib.sim.synthetic, seed={seed})"
    df.attrs["symbol"] = "SYNTHETIC"
    df.attrs["interval"] = interval
    return df
