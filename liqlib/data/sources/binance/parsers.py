"""Pure parsers of the Binance USD-M archive CSVs (klines, metrics, fundingRate, aggTrades,
bookDepth), the raw column layout of each file, and the bookDepth column names. The
``parse_*`` functions are pure and vectorised. They accept the CSV with or without its
header row (older archive files have none), detect the epoch unit of every timestamp on its
own (seconds, ms, µs or ns: Binance moved some files to µs in 2025), accept values with 16
decimals, and return a frame indexed by a UTC ``DatetimeIndex`` named ``time`` with the
columns of :mod:`liqlib.data.columns`.

Decisions (tested in ``tests/test_binance_parsers.py``):

* **Unsorted rows are sorted** (stable) by time; ``df.attrs["unsorted"]`` records it. Order
  carries no information in these files, so refusing them would help nobody.
* **Duplicated timestamps keep the last row**; ``df.attrs["duplicates"]`` counts the dropped
  ones (aggTrades: duplicated ``agg_trade_id``).
* **Gaps are reported, never filled**: ``df.attrs["gaps"]`` lists missing ranges
  ``[first_missing, last_missing]`` (ISO strings) between the first and last row, and
  ``df.attrs["missing_slots"]`` counts them (klines and metrics).
* **Damage raises** :class:`~liqlib.errors.CorruptDataError` naming the file and the line
  (1-based, header included): a NaN or non-positive price, ``high < low``, a value that is not
  a number, a timestamp that is not a time or lies outside 2017 .. now + 1 year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.data.sources.csvtable import (
    _REFETCH,
    _checked_times,
    _Layout,
    _read_table,
    _require_prices,
    _require_values,
    _Table,
    _text_times,
    _tidy,
    epoch_to_utc,
    find_gaps,
)
from liqlib.errors import CorruptDataError

#: Raw CSV columns of the archive files, in file order.
KLINE_RAW = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
    "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore",
)  # fmt: skip
METRICS_RAW = (
    "create_time", "symbol", "sum_open_interest", "sum_open_interest_value",
    "count_toptrader_long_short_ratio", "sum_toptrader_long_short_ratio",
    "count_long_short_ratio", "sum_taker_long_short_vol_ratio",
)  # fmt: skip
FUNDING_RAW = ("calc_time", "funding_interval_hours", "last_funding_rate")
AGG_TRADES_RAW = (
    "agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
    "is_buyer_maker",
)  # fmt: skip
BOOK_DEPTH_RAW = ("timestamp", "percentage", "depth", "notional")

#: bookDepth columns (not in :mod:`liqlib.data.columns` yet): signed distance from the mid price in
#: percent (negative = bid side), cumulative depth within it in coins and in USD.
BOOK_PERCENTAGE = "percentage"
BOOK_DEPTH_COIN = "depth_coin"
BOOK_DEPTH_USD = "depth_usd"
BOOK_DEPTH_COLUMNS = (BOOK_PERCENTAGE, BOOK_DEPTH_COIN, BOOK_DEPTH_USD)

METRICS_STEP = pd.Timedelta(minutes=5)


_KLINE_LAYOUT = _Layout(
    KLINE_RAW,
    ints=("open_time", "close_time", "count"),
    floats=("open", "high", "low", "close", "volume", "quote_volume", "taker_buy_volume",
            "taker_buy_quote_volume"),
)  # fmt: skip
_KLINE_RENAME = {
    "open": C.OPEN,
    "high": C.HIGH,
    "low": C.LOW,
    "close": C.CLOSE,
    "volume": C.VOLUME,
    "quote_volume": C.QUOTE_VOLUME,
    "count": C.TRADES,
    "taker_buy_volume": C.TAKER_BUY_VOLUME,
    "taker_buy_quote_volume": C.TAKER_BUY_QUOTE_VOLUME,
}


def parse_klines(raw: bytes | str, *, source: str = "klines CSV") -> pd.DataFrame:
    """Parse an archive kline CSV (trade or mark price; any interval).

    Parameters
    ----------
    raw : bytes or str
        The CSV, with or without its header row ``open_time,open,...,ignore``.
    source : str
        Name used in error messages (the file name).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC bar open time); columns :data:`liqlib.data.columns.KLINE_COLUMNS`:
        OHLC in USD/coin, ``volume`` and ``taker_buy_volume`` in coins, ``quote_volume`` and
        ``taker_buy_quote_volume`` in USD, ``trades`` (count; for mark-price klines the number
        of price samples). ``attrs``: ``time_unit``, ``unsorted``, ``duplicates``, ``gaps``,
        ``missing_slots``, ``bar`` (bar length, ISO 8601 duration).

    Raises
    ------
    CorruptDataError
        Naming the line: a non-numeric value, a NaN or non-positive price, ``high < low``,
        an implausible timestamp.

    Examples
    --------
    >>> csv_text = "1762214400000,106544,106583,106378,106480.8,0,1762214699999,0,300,0,0,0\\n"
    >>> parse_klines(csv_text).loc["2025-11-04 00:00", "low"]
    np.float64(106378.0)
    """
    table = _read_table(raw, _KLINE_LAYOUT, source)
    return _klines_frame(table)


def _klines_frame(table: _Table) -> pd.DataFrame:
    raw = table.frame
    index, unit = epoch_to_utc(raw["open_time"].to_numpy())
    _checked_times(index, raw["open_time"], table, "open_time")
    closes, _ = epoch_to_utc(raw["close_time"].to_numpy())
    frame = raw[list(_KLINE_RENAME)].rename(columns=_KLINE_RENAME)[list(C.KLINE_COLUMNS)]
    frame.index = index.rename(C.TIME)
    _require_prices(frame, table, C.PRICE_COLUMNS)
    _require_values(frame, C.KLINE_COLUMNS, table, "kline values")
    # the bar length, from close_time - open_time (59999 ms for 1m bars), rounded to 1 s
    bar = pd.Timedelta(int(np.median(closes.asi8 - index.asi8)), "ns").ceil("1s")
    frame = _tidy(frame)
    regular = pd.Timedelta(0) < bar <= pd.Timedelta(days=7)  # months are not regular
    gaps, missing = find_gaps(frame.index, bar) if regular else ([], 0)
    frame.attrs.update(
        source=table.source,
        time_unit=unit,
        bar=bar.isoformat(),
        gaps=gaps,
        missing_slots=missing,
        ignored_columns=list(table.ignored),
    )
    return frame


_METRICS_LAYOUT = _Layout(
    METRICS_RAW,
    texts=("create_time", "symbol"),
    floats=METRICS_RAW[2:],
)
_METRICS_RENAME = dict(zip(METRICS_RAW[2:], C.METRICS_COLUMNS, strict=True))


def parse_metrics(
    raw: bytes | str, *, source: str = "metrics CSV", symbol: str | None = None
) -> pd.DataFrame:
    """Parse an archive ``metrics`` CSV: 5-minute open interest and long/short ratios.

    Parameters
    ----------
    raw : bytes or str
        The CSV (``create_time,symbol,sum_open_interest,...``), header row optional.
        ``create_time`` is ``YYYY-MM-DD HH:MM:SS`` UTC (epoch numbers are accepted too).
    source : str
        Name used in error messages.
    symbol : str, optional
        When given, every row's ``symbol`` must equal it.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC snapshot time); columns :data:`liqlib.data.columns.METRICS_COLUMNS`:
        ``oi_coin`` (coins), ``oi_usd`` (USD), ``toptrader_ls_account``,
        ``toptrader_ls_position``, ``ls_account``, ``taker_ls_volume`` (ratios). Ratio values
        the file leaves empty stay NaN. Duplicated snapshots keep the last row
        (``attrs["duplicates"]``); missing 5-minute slots are listed in ``attrs["gaps"]`` and
        counted in ``attrs["missing_slots"]``.
    """
    table = _read_table(raw, _METRICS_LAYOUT, source)
    index, unit = _text_times(table.frame["create_time"], table, "create_time")
    if symbol is not None:
        names = table.frame["symbol"].astype(str).str.strip().str.upper()
        rows = np.flatnonzero((names != symbol.upper()).to_numpy())
        if rows.size:
            row = int(rows[0])
            raise CorruptDataError(
                f"{source} line {table.line(row)}: symbol {names.iloc[row]!r} in a "
                f"{symbol.upper()} file; {_REFETCH}"
            )
    frame = table.frame[list(_METRICS_RENAME)].rename(columns=_METRICS_RENAME)
    frame.index = index.rename(C.TIME)
    _require_values(frame, (C.OI_COIN,), table, "open interest")
    frame = _tidy(frame)
    gaps, missing = find_gaps(frame.index, METRICS_STEP)
    frame.attrs.update(
        source=source,
        time_unit=unit,
        gaps=gaps,
        missing_slots=missing,
        ignored_columns=list(table.ignored),
    )
    return frame


_FUNDING_LAYOUT = _Layout(
    FUNDING_RAW, ints=("calc_time", "funding_interval_hours"), floats=("last_funding_rate",)
)


def parse_funding_rate(raw: bytes | str, *, source: str = "fundingRate CSV") -> pd.DataFrame:
    """Parse an archive monthly ``fundingRate`` CSV.

    Parameters
    ----------
    raw : bytes or str
        The CSV ``calc_time,funding_interval_hours,last_funding_rate``, header row optional.
    source : str
        Name used in error messages (the file name).

    Returns
    -------
    pandas.DataFrame
        Index ``time``: the UTC settlement time, ``calc_time`` **rounded to the nearest
        minute** (it carries a few ms of jitter, e.g. ``...00001``). Columns
        :data:`liqlib.data.columns.FUNDING_COLUMNS`: ``funding_rate`` (fraction, 0.0001 = 0.01 %
        per interval) and ``funding_interval_hours`` (hours).
    """
    table = _read_table(raw, _FUNDING_LAYOUT, source)
    raw_times = table.frame["calc_time"]
    index, unit = epoch_to_utc(raw_times.to_numpy())
    _checked_times(index, raw_times, table, "calc_time")
    frame = pd.DataFrame(
        {
            C.FUNDING_RATE: table.frame["last_funding_rate"].to_numpy(),
            C.FUNDING_INTERVAL_HOURS: table.frame["funding_interval_hours"].to_numpy(),
        },
        index=index.round("1min").rename(C.TIME),
    )
    _require_values(frame, (C.FUNDING_RATE,), table, "funding rates")
    rows = np.flatnonzero((frame[C.FUNDING_INTERVAL_HOURS] <= 0).to_numpy())
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{source} line {table.line(row)}: funding_interval_hours="
            f"{frame[C.FUNDING_INTERVAL_HOURS].iloc[row]} is not positive; {_REFETCH}"
        )
    frame = _tidy(frame)
    frame.attrs.update(source=source, time_unit=unit, ignored_columns=list(table.ignored))
    return frame


_AGG_LAYOUT = _Layout(
    AGG_TRADES_RAW,
    ints=("agg_trade_id", "first_trade_id", "last_trade_id", "transact_time"),
    floats=("price", "quantity"),
    bools=("is_buyer_maker",),
)


def parse_agg_trades(raw: bytes | str, *, source: str = "aggTrades CSV") -> pd.DataFrame:
    """Parse an archive ``aggTrades`` CSV (header row optional).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC ``transact_time``; not unique: many trades share a millisecond);
        columns :data:`liqlib.data.columns.AGG_TRADES_COLUMNS`: ``agg_trade_id``, ``price``
        (USD/coin), ``qty_coin`` (coins), ``first_trade_id``, ``last_trade_id``,
        ``is_buyer_maker`` (True: the taker sold). Rows are sorted by ``agg_trade_id``
        (which follows time); a duplicated id keeps its last row (``attrs["duplicates"]``).
    """
    table = _read_table(raw, _AGG_LAYOUT, source)
    raw_frame = table.frame
    index, unit = epoch_to_utc(raw_frame["transact_time"].to_numpy())
    _checked_times(index, raw_frame["transact_time"], table, "transact_time")
    frame = pd.DataFrame(
        {
            C.AGG_TRADE_ID: raw_frame["agg_trade_id"].to_numpy(),
            C.PRICE: raw_frame["price"].to_numpy(),
            C.QTY_COIN: raw_frame["quantity"].to_numpy(),
            C.FIRST_TRADE_ID: raw_frame["first_trade_id"].to_numpy(),
            C.LAST_TRADE_ID: raw_frame["last_trade_id"].to_numpy(),
            C.IS_BUYER_MAKER: raw_frame["is_buyer_maker"].to_numpy(),
        },
        index=index.rename(C.TIME),
    )
    _require_prices(frame, table, (C.PRICE,))
    _require_values(frame, (C.QTY_COIN,), table, "quantities")
    steps = np.diff(frame[C.AGG_TRADE_ID].to_numpy())
    unsorted = bool((steps < 0).any())
    if unsorted:
        frame = frame.iloc[np.argsort(frame[C.AGG_TRADE_ID].to_numpy(), kind="stable")]
    dup = np.zeros(len(frame), dtype=bool)
    if unsorted or not (steps > 0).all():  # strictly increasing ids cannot repeat
        dup = frame[C.AGG_TRADE_ID].duplicated(keep="last").to_numpy()
        frame = frame[~dup]
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
        unsorted = True
    frame.attrs.update(
        source=source,
        time_unit=unit,
        unsorted=unsorted,
        duplicates=int(dup.sum()),
        ignored_columns=list(table.ignored),
    )
    return frame


_BOOK_LAYOUT = _Layout(
    BOOK_DEPTH_RAW, texts=("timestamp",), floats=("percentage", "depth", "notional")
)


def parse_book_depth(raw: bytes | str, *, source: str = "bookDepth CSV") -> pd.DataFrame:
    """Parse an archive ``bookDepth`` CSV: cumulative order-book depth around the mid price.

    Real-world copies are sometimes edited. The documented recovery: whitespace around a
    timestamp is stripped, and columns beyond ``timestamp,percentage,depth,notional`` (e.g.
    an added ``weighted_avg_price``) are ignored and listed in ``attrs["ignored_columns"]``.
    Anything else that is wrong (a timestamp that is still not a time, a value that is not a
    number) raises :class:`~liqlib.errors.CorruptDataError` naming the line.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC snapshot time, about every 30 s; one row per level, so not
        unique); columns ``percentage`` (signed distance from mid, percent; negative = bids),
        ``depth_coin`` (cumulative depth, coins) and ``depth_usd`` (the same in USD). Sorted
        by time then percentage; duplicated (time, percentage) rows keep the last.
    """
    table = _read_table(raw, _BOOK_LAYOUT, source)
    index, unit = _text_times(table.frame["timestamp"], table, "timestamp")
    frame = pd.DataFrame(
        {
            BOOK_PERCENTAGE: table.frame["percentage"].to_numpy(),
            BOOK_DEPTH_COIN: table.frame["depth"].to_numpy(),
            BOOK_DEPTH_USD: table.frame["notional"].to_numpy(),
        },
        index=index.rename(C.TIME),
    )
    _require_values(frame, BOOK_DEPTH_COLUMNS, table, "depth values")
    keyed = frame.reset_index()
    unsorted = not keyed.set_index([C.TIME, BOOK_PERCENTAGE]).index.is_monotonic_increasing
    if unsorted:
        keyed = keyed.sort_values([C.TIME, BOOK_PERCENTAGE], kind="stable")
    dup = keyed.duplicated([C.TIME, BOOK_PERCENTAGE], keep="last").to_numpy()
    frame = keyed[~dup].set_index(C.TIME)
    frame.attrs.update(
        source=source,
        time_unit=unit,
        unsorted=bool(unsorted),
        duplicates=int(dup.sum()),
        ignored_columns=list(table.ignored),
    )
    return frame
