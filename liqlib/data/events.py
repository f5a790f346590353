"""Real event data bundled with liqlib: hourly perpetual candles around the 2025 events.

The file (``liqlib/datasets/events/``, public domain, provenance in its README) holds real hourly
candles of BTC, ETH, DOGE and SOL USDT perpetuals on Binance USD-M and Bybit, 2025-03-06 to
2025-11-22 UTC: the 10-11 Oct 2025 crash and the 3-5 Nov 2025 sell-off, offline. Trade-price OHLC
and base-coin volume only: no open interest, no mark price (models that need them cannot run on it).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from importlib import resources

import pandas as pd

from liqlib.data import columns as C
from liqlib.data.time import TimeLike, to_utc
from liqlib.errors import CorruptDataError, DataNotFoundError, InputError

__all__ = ["EVENT_SOURCE", "EVENT_SYMBOLS", "EVENT_VENUES", "load_event_candles"]

EVENT_FILE = "perp_1h_binance_bybit_BTC_ETH_DOGE_SOL_20250306_20251122.csv.gz"
EVENT_SYMBOLS = ("BTCUSDT", "ETHUSDT", "DOGEUSDT", "SOLUSDT")
EVENT_VENUES = ("binance", "bybit")
#: How figures and notes name this data.
EVENT_SOURCE = (
    "real hourly perpetual candles (Binance USD-M / Bybit, public domain: "
    "0xknxwledge/group-m-finm33150-final), bundled in liqlib/datasets/events"
)


def _folder():
    return resources.files("liqlib") / "datasets" / "events"


@functools.lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    """The whole file, checked against its registry (sha256) once per process."""
    folder = _folder()
    blob = (folder / EVENT_FILE).read_bytes()
    want = json.loads((folder / "registry.json").read_text())[EVENT_FILE]
    got = hashlib.sha256(blob).hexdigest()
    if got != want:
        raise CorruptDataError(
            f"{EVENT_FILE} has sha256 {got[:12]}..., its registry says {want[:12]}...: "
            "reinstall liqlib (or git checkout liqlib/datasets/events) to restore it"
        )
    df = pd.read_csv(io.BytesIO(blob), compression="gzip")
    df["time"] = pd.to_datetime(df["timestamp"], utc=True)
    return df.drop(columns="timestamp")


def load_event_candles(
    symbol: str,
    venue: str = "binance",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
) -> pd.DataFrame:
    """Real hourly candles of one bundled perpetual, as a market frame (offline).

    Parameters
    ----------
    symbol : str
        ``"BTCUSDT"``, ``"ETHUSDT"``, ``"DOGEUSDT"`` or ``"SOLUSDT"``.
    venue : {"binance", "bybit"}
        Binance USD-M or Bybit linear.
    start, end : str or datetime-like, optional
        Half-open UTC window of bar open times (naive times are UTC); default: the whole file
        (2025-03-06 11:00 to 2025-11-22).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (bar open, UTC, hourly); columns ``open high low close`` (trade price,
        USD/coin), ``volume`` (coins) and ``quote_volume`` (USD, ``volume x close``: an
        approximation, the file has no quote volume). ``attrs`` name the symbol, ``interval``
        ``"1h"``, the venue, the source and ``synthetic=False``.

    Raises
    ------
    InputError
        Unknown symbol or venue, or ``start >= end``.
    DataNotFoundError
        The window holds no bar of the file.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.load_event_candles("BTCUSDT", start="2025-10-10", end="2025-10-12")
    >>> len(m), m.attrs["interval"], float(m["low"].min())
    (48, '1h', 101516.5)
    """
    sym = str(symbol).upper()
    if sym not in EVENT_SYMBOLS:
        raise InputError(
            f"symbol {symbol!r} is not in the bundled event candles: use one of "
            f"{list(EVENT_SYMBOLS)}, or lq.load_market for any Binance symbol online"
        )
    if venue not in EVENT_VENUES:
        raise InputError(f"venue {venue!r} is not bundled: use one of {list(EVENT_VENUES)}")
    t0 = to_utc(start, "start") if start is not None else None
    t1 = to_utc(end, "end") if end is not None else None
    if t0 is not None and t1 is not None and t0 >= t1:
        raise InputError(f"start {t0} is not before end {t1}: swap them")
    df = _table()
    rows = df[(df["venue"] == venue) & (df["coin"] == sym.removesuffix("USDT"))]
    if t0 is not None:
        rows = rows[rows["time"] >= t0]
    if t1 is not None:
        rows = rows[rows["time"] < t1]
    if rows.empty:
        first, last = df["time"].min(), df["time"].max()
        raise DataNotFoundError(
            f"no bundled {venue} {sym} candle in [{t0}, {t1}): the file covers "
            f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC; choose a window inside it"
        )
    out = pd.DataFrame(
        {
            C.OPEN: rows["o"].to_numpy(float),
            C.HIGH: rows["h"].to_numpy(float),
            C.LOW: rows["l"].to_numpy(float),
            C.CLOSE: rows["c"].to_numpy(float),
            C.VOLUME: rows["v"].to_numpy(float),
        },
        index=pd.DatetimeIndex(rows["time"], name=C.TIME),
    ).sort_index()
    out[C.QUOTE_VOLUME] = out[C.VOLUME] * out[C.CLOSE]
    out.attrs.update(
        symbol=sym,
        interval="1h",
        venue=venue,
        start=out.index[0].isoformat(),
        end=(out.index[-1] + pd.Timedelta("1h")).isoformat(),
        source=f"{EVENT_SOURCE}; {venue}",
        synthetic=False,
    )
    return out
