"""Binance USD-M archive kinds: what each kind of file holds, its cadence, intervals and parser.

The lowest piece of the Binance source: the archive (:mod:`.archive`) and the REST client
(:mod:`.rest`) both read it, so neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from liqlib.data import columns as C
from liqlib.data.sources.binance.parsers import (
    BOOK_DEPTH_COLUMNS,
    parse_agg_trades,
    parse_book_depth,
    parse_funding_rate,
    parse_klines,
    parse_metrics,
)
from liqlib.errors import InputError

#: Kline intervals Binance publishes (archive and REST).
KLINE_INTERVALS = (
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1mo",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# archive kinds, URLs and the download
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    """One kind of archive file.

    Attributes
    ----------
    name : str
        Folder name in the archive, e.g. ``"markPriceKlines"``.
    cadence : str
        ``"daily"`` or ``"monthly"``: one file per day or per month (the default period).
    needs_interval : bool
        Whether the kind has an interval folder (``1m``, ``5m``...).
    monthly_files : bool
        Whether monthly files exist too (then ``period="YYYY-MM"`` fetches one).
    columns : tuple of str
        Columns of the parsed frame.
    parser : callable
        ``parser(raw, source=...) -> DataFrame``.
    description : str
        What the kind holds.
    """

    name: str
    cadence: str
    needs_interval: bool
    monthly_files: bool
    columns: tuple[str, ...]
    parser: Callable[..., pd.DataFrame]
    description: str


KINDS: Mapping[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("klines", "daily", True, True, C.KLINE_COLUMNS, parse_klines,
                 "trade-price candles: OHLC (USD), volume (coins), taker buy volume"),
        KindSpec("markPriceKlines", "daily", True, True, C.KLINE_COLUMNS, parse_klines,
                 "mark-price candles (what liquidations trigger on); volume columns are 0"),
        KindSpec("metrics", "daily", False, False, C.METRICS_COLUMNS, parse_metrics,
                 "5-minute open interest (coins, USD) and long/short ratios"),
        KindSpec("fundingRate", "monthly", False, True, C.FUNDING_COLUMNS, parse_funding_rate,
                 "funding rate at each settlement (fraction per interval)"),
        KindSpec("aggTrades", "daily", False, True, C.AGG_TRADES_COLUMNS, parse_agg_trades,
                 "aggregated trades: price (USD), quantity (coins), taker side"),
        KindSpec("bookDepth", "daily", False, False, BOOK_DEPTH_COLUMNS, parse_book_depth,
                 "cumulative order-book depth within +-1..5 % of mid, ~30 s snapshots"),
    )
}  # fmt: skip

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _kind(kind: str) -> KindSpec:
    if kind not in KINDS:
        raise InputError(f"kind={kind!r} is not a Binance archive kind: use one of {list(KINDS)}")
    return KINDS[kind]


def _bar(interval: str | None) -> pd.Timedelta | None:
    """Bar length of a kline interval (a month counts 31 days), None without one."""
    if interval is None:
        return None
    if interval == "1mo":
        return pd.Timedelta(days=31)
    units = {"m": "min", "h": "h", "d": "D", "w": "W"}
    return pd.Timedelta(f"{interval[:-1]}{units[interval[-1]]}")


def _check_interval(spec: KindSpec, interval: str | None) -> str | None:
    if spec.needs_interval:
        if interval not in KLINE_INTERVALS:
            raise InputError(
                f"{spec.name} needs interval= one of {', '.join(KLINE_INTERVALS)}, not {interval!r}"
            )
        return interval
    if interval is not None:
        raise InputError(f"{spec.name} has no interval: pass interval=None, not {interval!r}")
    return None
