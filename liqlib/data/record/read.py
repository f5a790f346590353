"""Read what ``liqlib record`` stored: events, gaps, and per-bar sums by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqlib.data.record.store import EVENT_SCHEMA, GAP_SCHEMA
from liqlib.data.time import interval_arg
from liqlib.errors import CorruptDataError, DataNotFoundError, InputError

#: Columns of :func:`load_liquidations` (index ``time``: the venue's trade time, UTC).
LIQUIDATION_COLUMNS = ("venue", "symbol", "side", "price", "qty", "usd")

LOWER_BOUND_NOTE = (
    "Recorded from public streams: Binance and OKX push at most one liquidation per symbol "
    "per second, so their totals are lower bounds."
)


def _names(value, what: str, upper: bool) -> set[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    if not items or not all(isinstance(v, str) and v for v in items):
        raise InputError(f"{what} must be a name or a list of names, e.g. {what}='BTCUSDT'")
    return {v.upper() if upper else v.lower() for v in items}


def _utc(value, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what}={value!r} is not a time: use e.g. '2026-04-03 12:00'") from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _files(root: Path, kind: str, venues, symbols, start, end) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise DataNotFoundError(
            f"no recording at {root}: record one with `liqlib record --venue binance "
            f"--symbols BTCUSDT --out {root}`"
        )
    lo = start.strftime("%Y-%m-%d") if start is not None else None
    hi = end.strftime("%Y-%m-%d") if end is not None else None
    out = []
    for f in sorted((root / kind).glob("venue=*/symbol=*/date=*/*.parquet")):
        if f.name.startswith("."):
            continue
        date = f.parent.name.split("=", 1)[1]
        symbol = f.parent.parent.name.split("=", 1)[1]
        venue = f.parent.parent.parent.name.split("=", 1)[1]
        if venues is not None and venue not in venues:
            continue
        if symbols is not None and symbol not in symbols:
            continue
        if (lo is not None and date < lo) or (hi is not None and date > hi):
            continue
        out.append(f)
    return out


def _read(files: list[Path], schema: pa.Schema) -> pa.Table:
    tables = []
    for f in files:
        try:
            tables.append(pq.read_table(f, schema=schema))
        except (pa.ArrowInvalid, OSError) as exc:
            raise CorruptDataError(
                f"cannot read {f} ({exc}): delete that file (the rest of the recording stays "
                "valid) and record again"
            ) from exc
    return pa.concat_tables(tables) if tables else schema.empty_table()


def load_liquidations(path, venue=None, symbol=None, start=None, end=None) -> pd.DataFrame:
    """Realized liquidations recorded by ``liqlib record``: one row per event, each once.

    Parameters
    ----------
    path : path-like
        The recorder's output folder (``--out DIR``).
    venue, symbol : str or list of str, optional
        Keep only these venues (``binance``, ``bybit``, ``okx``) / symbols (``BTCUSDT``).
    start, end : time-like, optional
        Keep events with ``start <= time < end`` (UTC when naive).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC ``DatetimeIndex``, the venue's trade time, sorted); columns
        ``venue``, ``symbol``, ``side`` (``"long"`` when a long position was liquidated),
        ``price`` (USD/coin: Binance average fill price, Bybit and OKX bankruptcy price),
        ``qty`` (coins) and ``usd`` (price x qty). Binance and OKX stream at most one
        liquidation per symbol per second: their sums are lower bounds (``attrs["note"]``).

    Raises
    ------
    DataNotFoundError
        ``path`` is not a folder.

    Examples
    --------
    >>> liqs = lq.load_liquidations("recordings", venue="binance", symbol="BTCUSDT")  # doctest: +SKIP
    >>> liqs.groupby("side")["usd"].sum()  # doctest: +SKIP
    """
    venues = _names(venue, "venue", upper=False)
    symbols = _names(symbol, "symbol", upper=True)
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    if t0 is not None and t1 is not None and t1 <= t0:
        raise InputError(f"end {t1} is not after start {t0}: swap them")
    table = _read(_files(path, "events", venues, symbols, t0, t1), EVENT_SCHEMA)
    df = table.to_pandas()
    df = df.drop_duplicates("event_id")
    time = pd.to_datetime(df["time_ms"].to_numpy(np.int64), unit="ms", utc=True).as_unit("ns")
    out = pd.DataFrame(
        {c: df[c].to_numpy() for c in LIQUIDATION_COLUMNS},
        index=pd.DatetimeIndex(time, name="time"),
    )
    out = out.astype({"price": float, "qty": float, "usd": float})
    if t0 is not None:
        out = out[out.index >= t0]
    if t1 is not None:
        out = out[out.index < t1]
    out = out.sort_index(kind="stable")
    out.attrs["note"] = LOWER_BOUND_NOTE
    if (Path(path) / SYNTHETIC_MARKER).exists():
        out.attrs["synthetic"] = True
        out.attrs["note"] = "SIMULATED events (not real liquidations)."
    return out


def load_gaps(path, venue=None, symbol=None) -> pd.DataFrame:
    """The periods a recording was disconnected (events there may be missing).

    Parameters
    ----------
    path : path-like
        The recorder's output folder (``--out DIR``).
    venue, symbol : str or list of str, optional
        Keep only these venues (``binance``, ``bybit``, ``okx``) / symbols (``BTCUSDT``).

    Returns
    -------
    pandas.DataFrame
        Columns ``venue``, ``symbol``, ``start``, ``end`` (UTC) and ``reason``, sorted by start.
    """
    return _spans(path, "gaps", venue, symbol, ("reason",))


def load_coverage(path, venue=None, symbol=None) -> pd.DataFrame:
    """The periods a recorder ran and stopped cleanly (``start``, ``end`` UTC per venue and
    symbol); hours outside them were not recorded at all (use with ``to_bars(coverage=)``).

    Parameters
    ----------
    path : path-like
        The recorder's output folder (``--out DIR``).
    venue, symbol : str or list of str, optional
        Keep only these venues (``binance``, ``bybit``, ``okx``) / symbols (``BTCUSDT``).

    Returns
    -------
    pandas.DataFrame
        Columns ``venue``, ``symbol``, ``start``, ``end`` (UTC), sorted by start.
    """
    return _spans(path, "runs", venue, symbol, ())


def to_bars(
    liqs: pd.DataFrame,
    interval: str | pd.Timedelta | None = None,
    start=None,
    end=None,
    gaps=None,
    coverage=None,
    *,
    bar: str | pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Sum realized liquidations per bar and side.

    Parameters
    ----------
    liqs : pandas.DataFrame
        Events from :func:`load_liquidations` (filter venues / symbols first: every row is
        summed), or a bar frame (``long_usd``, ``short_usd``) to sum into longer bars.
    interval : str or pandas.Timedelta, default "1h"
        Bar length, e.g. ``"5m"``/``"5min"``, ``"1h"``, ``"1d"``; bars start at multiples of it
        from midnight UTC and are labelled by their open time.
    start, end : time-like, optional
        Bars to cover (default: the span of ``liqs``); bars without events hold 0.
    gaps : pandas.DataFrame, optional
        From :func:`load_gaps`: adds ``complete`` (False for a bar that overlaps a gap, where
        events may be missing).
    coverage : pandas.DataFrame, optional
        From :func:`load_coverage`: ``complete`` is then also False for a bar not wholly
        inside a recorder run (before the recorder started, between runs, after it stopped).
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (bar open, UTC); for events ``long_usd``, ``short_usd`` (USD),
        ``long_qty``, ``short_qty`` (coins) and ``events`` (count), plus ``complete`` when
        ``gaps`` or ``coverage`` is given; for a bar frame its columns summed. ``attrs["bar"]`` is the bar.

    Examples
    --------
    >>> idx = pd.to_datetime(["2026-04-03 09:10", "2026-04-03 09:50", "2026-04-03 10:05"], utc=True)
    >>> liqs = pd.DataFrame({"side": ["long", "short", "long"], "qty": [1.0, 2.0, 0.5],
    ...                      "usd": [100.0, 200.0, 50.0]}, index=idx)
    >>> to_bars(liqs, "1h")[["long_usd", "short_usd", "events"]].to_dict("list")
    {'long_usd': [100.0, 50.0], 'short_usd': [200.0, 0.0], 'events': [2, 1]}
    """
    from liqlib.data.realized import _alias

    if not isinstance(liqs, pd.DataFrame) or not isinstance(liqs.index, pd.DatetimeIndex):
        raise InputError(
            "to_bars needs a DataFrame indexed by time: pass lq.load_liquidations(DIR)"
        )
    td = interval_arg(interval, bar, where="to_bars", default="1h")
    alias = _alias(td)
    t0, t1 = _utc(start, "start"), _utc(end, "end")
    idx = liqs.index.tz_convert("UTC") if liqs.index.tz else liqs.index.tz_localize("UTC")
    bars = idx.floor(td)
    lo = t0.floor(td) if t0 is not None else (bars.min() if len(bars) else None)
    hi = t1 if t1 is not None else (bars.max() + td if len(bars) else None)
    grid = pd.DatetimeIndex([], tz="UTC").as_unit("ns")
    if lo is not None and hi is not None and hi > lo:
        grid = pd.date_range(lo, hi, freq=td, inclusive="left").as_unit("ns")
    grid = grid.rename("time")
    if {"side", "usd", "qty"} <= set(liqs.columns):
        out = pd.DataFrame(index=grid)
        for side in ("long", "short"):
            mask = (liqs["side"] == side).to_numpy()
            for col in ("usd", "qty"):
                values = pd.Series(liqs[col].to_numpy(float)[mask], index=bars[mask])
                out[f"{side}_{col}"] = values.groupby(level=0).sum().reindex(grid, fill_value=0.0)
        counts = pd.Series(1, index=bars).groupby(level=0).sum()
        out["events"] = counts.reindex(grid, fill_value=0).astype(int)
    elif {"long_usd", "short_usd"} <= set(liqs.columns):
        out = liqs.set_axis(bars).groupby(level=0).sum().reindex(grid, fill_value=0.0)
    else:
        raise InputError(
            f"to_bars needs events (side, qty, usd) or a bar frame (long_usd, short_usd), not "
            f"columns {list(liqs.columns)[:6]}: pass lq.load_liquidations(DIR)"
        )
    out.index.name = "time"
    if gaps is not None or coverage is not None:
        complete = np.ones(len(grid), bool)
        if gaps is not None:
            for g0, g1 in zip(gaps["start"], gaps["end"], strict=True):
                complete &= ~((grid < g1) & (grid + td > g0))
        if coverage is not None:
            covered = np.zeros(len(grid), bool)
            for r0, r1 in zip(coverage["start"], coverage["end"], strict=True):
                covered |= (grid >= r0) & (grid + td <= r1)
            complete &= covered
        out["complete"] = complete
    out.attrs = {**liqs.attrs, "bar": alias}
    return out


#: A file at the root of a store whose events are not real (simulated or synthetic).
SYNTHETIC_MARKER = "SYNTHETIC.txt"


def write_liquidations(path, liqs: pd.DataFrame, *, synthetic: bool = False) -> int:
    """Store liquidation events in the recorder's format (e.g. an export from elsewhere, or a
    SIMULATED set for teaching), so ``load_liquidations`` reads them like a recording.

    Parameters
    ----------
    path : path-like
        The store folder (created if needed).
    liqs : pandas.DataFrame
        UTC time index; columns ``venue``, ``symbol``, ``side`` (long/short liquidated),
        ``price`` (USD/coin) and ``qty`` (coins); ``usd`` is recomputed as price x qty.
    synthetic : bool
        Mark the store as holding non-real events (``load_liquidations`` then says so in
        ``attrs["synthetic"]`` and its note).

    Returns
    -------
    int
        Events written (events already in the store are not written again).
    """
    from pathlib import Path

    from liqlib.data.record.events import make_event
    from liqlib.data.record.store import EventSink

    need = {"venue", "symbol", "side", "price", "qty"}
    if not isinstance(liqs, pd.DataFrame) or not need <= set(liqs.columns):
        raise InputError(f"liqs needs columns {sorted(need)} and a UTC time index")
    if not isinstance(liqs.index, pd.DatetimeIndex) or liqs.index.tz is None:
        raise InputError("liqs must have a UTC DatetimeIndex: use liqs.tz_localize('UTC')")
    if not liqs["side"].isin(["long", "short"]).all():
        raise InputError("side must be 'long' or 'short' (the side whose position was liquidated)")
    price, qty = liqs["price"].to_numpy(float), liqs["qty"].to_numpy(float)
    if not (
        np.isfinite(price).all()
        and (price > 0).all()
        and np.isfinite(qty).all()
        and (qty > 0).all()
    ):
        raise InputError("price and qty must be positive finite numbers (USD/coin, coins)")
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    if synthetic:
        (root / SYNTHETIC_MARKER).write_text("These events are SIMULATED/SYNTHETIC, not real.\n")
    sink = EventSink(root)
    ms = liqs.index.as_unit("ns").asi8 // 1_000_000
    venues = liqs["venue"].astype(str).str.lower().to_numpy()
    symbols = liqs["symbol"].astype(str).str.upper().to_numpy()
    dates = liqs.index.strftime("%Y-%m-%d")
    sink.remember_partitions(set(zip(venues, symbols, dates, strict=True)))
    n = 0
    for t, venue, symbol, side, p, q in zip(
        ms, liqs["venue"], liqs["symbol"], liqs["side"], price, qty, strict=True
    ):
        n += sink.add(make_event(str(venue).lower(), str(symbol).upper(), int(t), side, float(p),
                                 float(q), "import", 0))  # fmt: skip
    sink.flush()
    return n


def _spans(path, kind: str, venue, symbol, extra: tuple[str, ...]) -> pd.DataFrame:
    """The recorder's span records of ``kind`` ("gaps" or "runs") as a frame: ``venue``,
    ``symbol``, ``start``, ``end`` (UTC) and the ``extra`` columns, sorted by start."""
    venues = _names(venue, "venue", upper=False)
    symbols = _names(symbol, "symbol", upper=True)
    df = _read(_files(path, kind, venues, symbols, None, None), GAP_SCHEMA).to_pandas()

    def utc(col: str) -> pd.DatetimeIndex:
        return pd.to_datetime(df[col].to_numpy(np.int64), unit="ms", utc=True).as_unit("ns")

    out = {"venue": df["venue"].to_numpy(), "symbol": df["symbol"].to_numpy(),
           "start": utc("start_ms"), "end": utc("end_ms")}  # fmt: skip
    out.update({col: df[col].to_numpy() for col in extra})
    return pd.DataFrame(out).sort_values("start", kind="stable", ignore_index=True)
