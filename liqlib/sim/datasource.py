"""One switch for every notebook and report: which market to run on (``DATA``).

===========  =================================================================================
``DATA``     market
===========  =================================================================================
demo         the bundled **SIMULATED** demo market (``lq.load_demo``): offline, the default
binance      real Binance USD-M data through ``lq.load_market`` (the archive, or the mirror in
             ``$LIQLIB_BINANCE_ARCHIVE_URL``); if the source lacks what the notebook needs,
             the demo is used instead and ``attrs["data_note"]`` says so in one line
synthetic    a seeded random walk (``lq.make_synthetic_market``), for unit-size experiments
===========  =================================================================================

Examples
--------
>>> m = load_data("synthetic", n_candles=600)
>>> m.attrs["data_note"]
'SYNTHETIC random walk (liqlib.sim.synthetic, seed=0), 600 candles of 1min'
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from liqlib import settings
from liqlib.data.store import MARKET_KINDS, load_market
from liqlib.data.time import to_utc
from liqlib.errors import DataNotFoundError, DownloadError, InputError
from liqlib.sim.demo import load_demo
from liqlib.sim.synthetic import make_synthetic_market

__all__ = [
    "DATA_SOURCES",
    "DataFallbackWarning",
    "load_data",
    "shared_data_dir",
    "shared_data_file",
]

SHARED_DATA_ENV = "LIQLIB_SHARED_DATA"

DATA_SOURCES = ("demo", "binance", "synthetic")


class DataFallbackWarning(UserWarning):
    """Real data were asked for and could not be had: the bundled SIMULATED demo stands in."""


def _window(start, end) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    lo = None if start is None else to_utc(start, "start")
    hi = None if end is None else to_utc(end, "end")
    if lo is not None and hi is not None and lo >= hi:
        raise InputError(f"start {lo} is not before end {hi}: swap them")
    return lo, hi


def _demo(interval: str, start, end) -> pd.DataFrame:
    market = load_demo(interval)
    lo, hi = _window(start, end)
    first = market.index[0]
    last = market.index[-1] + (market.index[1] - market.index[0])
    if (lo is not None and lo >= last) or (hi is not None and hi <= first):
        raise InputError(
            f"window {lo or '...'} to {hi or '...'} is outside the demo market ({first:%Y-%m-%d} "
            f"to {last:%Y-%m-%d} UTC): pass start/end inside it, or None for the whole demo"
        )
    inside = market.loc[(market.index >= (lo or first)) & (market.index < (hi or last))]
    out = inside.copy()
    out.attrs = dict(market.attrs)
    return out


def load_data(
    data: str,
    symbol: str = "BTCUSDT",
    start: str | None = None,
    end: str | None = None,
    interval: str = "5m",
    *,
    needs: tuple[str, ...] = MARKET_KINDS,
    n_candles: int = 10_080,
    seed: int = 0,
    fallback: bool = True,
) -> pd.DataFrame:
    """The market a notebook runs on, with a one-line ``attrs["data_note"]`` saying what it is.

    Parameters
    ----------
    data : {"demo", "binance", "synthetic"}
        See the module docstring.
    symbol, start, end, interval
        The window (UTC; naive times are UTC). ``data="binance"`` needs both; for the demo they
        select part of its 14 days (None: all of it), and a window outside them is an error.
    needs : tuple of str
        Archive kinds the notebook cannot do without (``data="binance"``).
    fallback : bool
        ``data="binance"`` only: when the source lacks the window or a kind in ``needs`` (or is
        unreachable), run on the bundled SIMULATED demo with a :class:`DataFallbackWarning`
        and say so in ``attrs["data_note"]`` (True), or raise (False).
    n_candles, seed
        Size and seed of the synthetic market (``data="synthetic"``, 1-minute candles).

    Raises
    ------
    InputError
        An unknown ``data`` value, a window with start after end, a demo window outside the
        demo's days, or ``data="binance"`` without ``start`` and ``end``.
    DataNotFoundError, DownloadError
        ``data="binance"`` with ``fallback=False`` and the data cannot be had.

    Warns
    -----
    DataFallbackWarning
        ``data="binance"`` fell back to the SIMULATED demo.
    """
    if data not in DATA_SOURCES:
        raise InputError(f"DATA={data!r} is unknown: use one of {list(DATA_SOURCES)}")
    if data == "synthetic":
        market = make_synthetic_market(n_candles, seed=seed)
        market.attrs["data_note"] = (
            f"SYNTHETIC random walk (liqlib.sim.synthetic, seed={seed}), {n_candles} candles of 1min"
        )
        return market
    if data == "binance":
        if start is None or end is None:
            raise InputError(
                "DATA='binance' needs START and END (UTC), e.g. START='2025-11-03', "
                "END='2025-11-06'; or use DATA='demo'"
            )
        _window(start, end)
        try:
            market = load_market(symbol, start, end, interval=interval, include=needs)
        except (DataNotFoundError, DownloadError) as err:
            if not fallback:
                raise
            market = _demo(interval, None, None)
            note = (
                f"real {symbol} data unavailable ({str(err).split(':')[0]}): running on the "
                "bundled SIMULATED demo market instead"
            )
            market.attrs["data_note"] = note
            warnings.warn(note, DataFallbackWarning, stacklevel=2)
            return market
        market.attrs["data_note"] = (
            f"real Binance USD-M data: {symbol} {market.index[0]:%Y-%m-%d %H:%M} to "
            f"{market.index[-1]:%Y-%m-%d %H:%M} UTC, {interval} bars, from {market.attrs['archive_url']}"
        )
        return market
    market = _demo(interval, start, end)
    market.attrs["data_note"] = (
        f"SIMULATED demo market {market.attrs['symbol']} (liqlib.sim, seed="
        f"{market.attrs['sim_seed']}): {market.index[0]:%Y-%m-%d} to "
        f"{market.index[-1]:%Y-%m-%d %H:%M} UTC, {interval} bars; not real trading"
    )
    return market


def shared_data_file(relative: str) -> Path | None:
    """A file of the real data held offline beside the repository (``../shared/data``, or
    ``$LIQLIB_SHARED_DATA``), or None when it is absent (e.g. on a user's machine).

    Parameters
    ----------
    relative : str
        Path inside the data folder, e.g. ``"raw/.../file.csv"``.

    Returns
    -------
    pathlib.Path or None
        The file, or None when the folder or the file is absent.

    Examples
    --------
    >>> shared_data_file("no/such/file.csv") is None
    True
    """
    root = shared_data_dir()
    path = None if root is None else root / relative
    return path if path is not None and path.is_file() else None


def shared_data_dir() -> Path | None:
    """The folder of real data held offline (``../shared/data`` beside the repository, or
    ``$LIQLIB_SHARED_DATA``), or None when it is absent."""
    # beside the checkout: <checkout>/../shared/data (this file is <checkout>/liqlib/sim/...)
    root = settings.get("shared_data") or Path(__file__).resolve().parents[3] / "shared" / "data"
    return root if root.is_dir() else None
