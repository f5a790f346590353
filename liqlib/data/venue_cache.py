"""Bybit and OKX market frames with the Binance source's archive quality: checked, cached by
UTC day, read back offline.

Layout, as Binance's (:mod:`liqlib.data.store`):
``<cache>/<venue>/<instrument>/<kind>[-<interval>]/<YYYY-MM-DD>.parquet``, e.g.
``bybit/1000PEPEUSDT/candles-5m/2026-04-03.parquet`` or
``okx/PEPE-USDT-SWAP/openInterest-5m/2026-04-03.parquet``. Kinds (rules in
:mod:`liqlib.data.contract`): ``candles`` (OHLC USD, ``volume`` coins, ``quote_volume`` USD),
``markCandles`` (mark OHLC), ``openInterest`` (``oi_coin`` one side, ``oi_usd`` or NaN) and
``funding`` (settled rates). Values stay in the venue's unit (as the venue publishes them);
:func:`liqlib.data.instruments.to_base_units` converts the assembled frame once.

What is cached, and what never is:

* each day is fetched whole over REST (retries on connection failures, 429 and 5xx in
  :mod:`liqlib.data.http`), checked against the contract, written atomically with its record
  (kind, day, venue, server, sha256 of the content), then read back and checked again;
* a day that has not ended at least :data:`SETTLED_AFTER` ago (today's) is fetched up to now,
  checked and used, but **never cached** (listed in ``attrs["live_days"]``);
* an answer that fails (an error body, JSON that is not, a cut body after the retries, values
  the contract forbids) raises a one-line error and **nothing is written**;
* a day the venue answers with no rows, once it ended more than three days ago, is remembered
  in a ``<day>.missing`` marker for that server (the venue keeps e.g. only a few days of OKX
  5-minute open interest); ``refresh=True`` asks again;
* a cached file that fails its checks on reading is moved to ``<cache>/quarantine/`` and
  fetched again. As for Binance's files, the content sha256 and the value rules are checked
  in full on a file's first read and whenever it changed since (the folder's
  ``.verified.json`` stamps, :mod:`liqlib.data.cache`); other reads check the schema, the
  record and the times.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pandas as pd

import liqlib
from liqlib.data import columns as C
from liqlib.data.cache import (
    Unusable,
    cache_os_error,
    ensure_writable,
    file_stamp,
    quarantine,
    read_cached,
    read_stamps,
    save_frame,
    stampable,
    tables_to_frame,
    write_atomic,
    write_stamps,
)
from liqlib.data.contract import SCHEMAS, check_frame
from liqlib.data.instruments import Instrument
from liqlib.data.time import days_in, parse_interval
from liqlib.errors import CacheError, CorruptDataError, InputError

log = logging.getLogger(__name__)

#: The REST venues cached here.
REST_VENUES = ("bybit", "okx")
#: The kinds of a venue market, in the order their columns appear.
VENUE_KINDS = ("candles", "markCandles", "openInterest", "funding")
#: A day is complete (and cached) once it ended this long ago: the venues publish the last
#: bars and open-interest snapshots of a day within minutes.
SETTLED_AFTER = pd.Timedelta(hours=1)
#: An empty answer for a day that ended this long ago is remembered (a ``.missing`` marker).
EMPTY_IS_FINAL_AFTER = pd.Timedelta(days=3)
#: Bar lengths both venues publish candles at.
VENUE_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d")

_FIX = "nothing was cached; retry later, or check that {env} points at the venue's REST server"


def rest_module(venue: str):
    """The REST module of ``venue`` (``liqlib.data.sources.bybit.rest`` or ``okx.rest``)."""
    if venue == "bybit":
        from liqlib.data.sources.bybit import rest
    elif venue == "okx":
        from liqlib.data.sources.okx import rest
    else:
        raise InputError(f"venue {venue!r} is not one of {', '.join(REST_VENUES)}")
    return rest


def _path(root: Path, inst: Instrument, kind: str, interval: str | None, day: str) -> Path:
    folder = f"{kind}-{interval}" if interval else kind
    return root / inst.venue / inst.name / folder / f"{day}.parquet"


def _fetch(rest, kind: str, name: str, interval, start, end, session, url) -> pd.DataFrame:
    """One window of ``kind`` from the venue, in the kind's cached columns (no checks yet)."""
    kw = {"session": session, "url": url}
    if kind == "candles":
        got = rest.fetch_klines(name, start, end, interval, **kw)
        cols = [*C.PRICE_COLUMNS, C.VOLUME, C.QUOTE_VOLUME]
    elif kind == "markCandles":  # stored under the OHLC names, as Binance's mark archive
        got = rest.fetch_klines(name, start, end, interval, mark=True, **kw)
        got = got.rename(columns=dict(zip(C.MARK_COLUMNS, C.PRICE_COLUMNS, strict=True)))
        cols = list(C.PRICE_COLUMNS)
    elif kind == "openInterest":
        got = rest.fetch_open_interest(name, start, end, interval, **kw)
        if C.OI_USD not in got.columns:
            got[C.OI_USD] = float("nan")
        cols = [C.OI_COIN, C.OI_USD]
    else:
        got = rest.fetch_funding(name, start, end, **kw)
        cols = [C.FUNDING_RATE]
    if got.empty:
        out = _empty_frame(kind)
    else:
        out = got[cols].astype(float)
        out.index = out.index.as_unit("ns")
        out.index.name = C.TIME
    out.attrs = dict(got.attrs)
    return out


def _marker_ok(path: Path, server: str) -> bool:
    try:
        stamp = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(stamp, dict) and stamp.get("server") == server


def load_venue_kind(
    inst: Instrument, kind: str, days: list[str], interval: str | None, *, root: Path | None,
    refresh: bool = False, session=None, now: pd.Timestamp | None = None,
    span: tuple[pd.Timestamp, pd.Timestamp] | None = None, url: str | None = None,
) -> tuple[pd.DataFrame, dict]:  # fmt: skip
    """``kind`` of ``inst`` for whole UTC ``days``, from the cache or the venue's REST API.

    Parameters
    ----------
    inst : Instrument
        The venue's instrument (``inst.venue`` is ``"bybit"`` or ``"okx"``).
    kind : str
        One of :data:`VENUE_KINDS`.
    days : list of str
        ``YYYY-MM-DD`` (UTC).
    interval : str or None
        Bar length of candles, snapshot step of open interest; None for funding.
    root : pathlib.Path or None
        Cache root; None: no cache (each day's part of ``span`` fetched and checked, nothing
        read or written).
    refresh : bool
        Ignore cached files and markers and fetch again.
    session : requests.Session, optional
        HTTP session; default :func:`liqlib.data.http.make_session`.
    now : pandas.Timestamp, optional
        The present (UTC), for tests.
    span : (start, end), optional
        Without a cache, fetch only this part of the days.
    url : str, optional
        The venue's REST root (default its ``$LIQLIB_<VENUE>_REST_URL`` or public address).

    Returns
    -------
    frame : pandas.DataFrame
        The rows of every day, sorted by time, in the venue's unit.
    info : dict
        ``empty`` (days without rows), ``live`` (days fetched but not cached: not yet over),
        ``fetched`` (days fetched this call), ``oi_field`` (Bybit's open-interest field).
    """
    rest = rest_module(inst.venue)
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    bar = parse_interval(interval)[0] if kind in ("candles", "markCandles") else None
    server = rest.base_url(url, rest.REST_URL_ENV, rest.DEFAULT_REST_URL)
    fix = _FIX.format(env=rest.REST_URL_ENV)
    tables, frames, info = [], [], {"empty": [], "live": [], "fetched": [], "oi_field": set()}
    cache = root is not None
    folder = _path(root or Path(), inst, kind, interval, "x").parent
    stamps = read_stamps(folder) if cache else {}
    fresh, started_ns = dict(stamps), time.time_ns()
    for day in days:
        path = _path(root or Path(), inst, kind, interval, day)
        marker = path.with_suffix(".missing")
        if cache and not refresh and path.is_file():
            # every check and the sha256 unless the file is unchanged since it last passed them
            stamp = file_stamp(path)
            full = stamp is None or stamps.get(path.name) != stamp
            try:
                table, record = read_cached(path, kind, day, bar, full=full)
                tables.append(table)
                if record and record.get("oi_field"):
                    info["oi_field"].add(record["oi_field"])
                if full and stampable(stamp, started_ns):
                    fresh[path.name] = stamp
                continue
            except Unusable as exc:
                fresh.pop(path.name, None)
                quarantine(path, root, str(exc))
        if cache and not refresh and _marker_ok(marker, server):
            info["empty"].append(day)
            continue
        start = pd.Timestamp(day, tz="UTC")
        end = start + pd.Timedelta(days=1)
        settled = cache and end + SETTLED_AFTER <= now
        upto = min(end, now)
        if not cache and span is not None:
            start, upto = max(start, span[0]), min(upto, span[1])
        if upto <= start:
            continue
        if settled:
            ensure_writable(path.parent)  # probed where the file goes, before any download
        if session is None:
            from liqlib.data.http import make_session

            session = make_session()
        source = f"{inst.venue} {inst.name} {kind} {day}"
        try:
            got = _fetch(rest, kind, inst.name, interval, start, upto, session, url)
        except CorruptDataError as exc:  # the venue's own error: name the instrument asked
            raise CorruptDataError(
                f"{source}: {exc}; if {inst.venue} names this market otherwise, pass "
                f"venues={{{inst.venue!r}: '<its instrument>'}}"
            ) from exc
        check_frame(got, kind, source=source, period=day if settled else None,
                    window=None if settled else (start, upto), bar=bar, allow_empty=True,
                    fix=fix)  # fmt: skip
        info["fetched"].append(day)
        if got.attrs.get("oi_field"):
            info["oi_field"].add(got.attrs["oi_field"])
        if got.empty:
            info["empty"].append(day)
            if cache and now - end > EMPTY_IS_FINAL_AFTER:
                _write_marker(marker, {"checked_at": now.isoformat(), "server": server})
            continue
        if not settled:
            if cache:
                info["live"].append(day)
                log.info("%s: day not over, used and not cached", source)
            frames.append(got)
            continue
        record = {
            "kind": kind, "venue": inst.venue, "symbol": inst.name, "interval": interval,
            "period": day, "source_url": server, "oi_field": got.attrs.get("oi_field"),
            "written_at": now.isoformat(), "liqlib_version": liqlib.__version__,
        }  # fmt: skip
        table = _save_day(got, path, record, root, bar)
        tables.append(table)
        log.info("%s: fetched and cached", source)
    if cache and fresh != stamps and folder.is_dir():
        write_stamps(folder, fresh)
    if tables:
        frames.insert(0, tables_to_frame(tables))
    frames = [f for f in frames if not f.empty]
    if not frames:
        frame = _empty_frame(kind)
    else:
        frame = pd.concat(frames).sort_index() if len(frames) > 1 else frames[0]
    return frame, info


def _write_marker(marker: Path, stamp: dict) -> None:
    """Remember (atomically) that the server had no rows for a day."""
    try:
        write_atomic(marker, lambda tmp: tmp.write_text(json.dumps(stamp)))
    except OSError as exc:
        raise cache_os_error(exc, marker, "write") from exc


def _save_day(frame: pd.DataFrame, path: Path, record: dict, root: Path, bar):
    """Write one checked day atomically with its record, then read it back checked: the
    table the cache now holds (a write that does not read back intact is a failing disk)."""
    if path.exists() and not path.is_file():
        quarantine(path, root, "a folder sits where the cached file goes")
    try:
        save_frame(frame, path, record)
    except OSError as exc:
        raise cache_os_error(exc, path, "write the cached file") from exc
    try:
        table, _ = read_cached(path, record["kind"], record["period"], bar)
    except Unusable as exc:
        raise CacheError(
            f"{path} was written but does not read back intact ({exc}): the disk or file "
            "system is failing; set LIQLIB_CACHE_DIR to another disk"
        ) from None
    return table


def _empty_frame(kind: str) -> pd.DataFrame:
    """No rows, in the cached columns of ``kind``."""
    return pd.DataFrame(
        {c: pd.Series(dtype=float) for c in SCHEMAS[kind].columns},
        index=pd.DatetimeIndex([], tz="UTC", name=C.TIME).as_unit("ns"),
    )


def load_venue_market(
    inst: Instrument, start, end, interval: str = "5m", *, cache_dir=None, refresh: bool = False,
    cache: bool = True, session=None, url: str | None = None, now: pd.Timestamp | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One Bybit or OKX market frame in ``lq.load_market``'s columns, from the cache or REST.

    Parameters
    ----------
    inst : Instrument
        The venue's instrument (:func:`liqlib.data.instruments.resolve_instrument`).
    start, end : str or datetime-like
        Half-open UTC window ``[start, end)``.
    interval : str
        Bar length, one of :data:`VENUE_INTERVALS` (``"5min"`` spellings work too).
    cache_dir : path, optional
        Cache root (default ``$LIQLIB_CACHE_DIR``, see ``lq.show_config()``).
    refresh : bool
        Fetch again even if cached.
    cache : bool
        False: fetch only the window, checked against the contract, and cache nothing
        (``bybit.fetch_market`` / ``okx.fetch_market``).
    session, url
        A ``requests`` session (default :func:`liqlib.data.http.make_session`) and the venue's
        REST root (default ``$LIQLIB_<VENUE>_REST_URL``, else its public address).
    now : pandas.Timestamp, optional
        The present (UTC), for tests.

    Returns
    -------
    pandas.DataFrame
        In the **venue's unit** (see :mod:`liqlib.data.instruments`): candles and mark candles
        at ``interval``, open interest at 5 minutes (1 hour for bars of an hour or more, the
        latest snapshot at or before the bar open), funding in force; columns the venue does
        not publish are NaN. ``attrs``: ``venue``, ``symbol`` (the venue's instrument),
        ``interval``, ``start``, ``end``, ``oi_field``, ``gaps`` (kind -> days without rows),
        ``live_days`` (days not cached because not yet over), ``missing_rows``.

    Examples
    --------
    >>> from liqlib.data.instruments import resolve_instrument
    >>> m = load_venue_market(resolve_instrument("BTCUSDT", "bybit"), "2026-04-03",
    ...                       "2026-04-04", "5m")  # doctest: +SKIP
    """
    from liqlib.data.sources.venue_market import assemble_market
    from liqlib.data.store import resolve_cache_dir
    from liqlib.data.time import check_window

    step, interval = parse_interval(interval)
    if interval not in VENUE_INTERVALS:
        raise InputError(
            f"interval {interval!r} is not one of {', '.join(VENUE_INTERVALS)}: use e.g. '5m'"
        )
    root = resolve_cache_dir(cache_dir) if cache else None
    t0, t1 = check_window(start, end, now=now)
    oi_interval = "5m" if step < pd.Timedelta("1h") else "1h"
    oi_step = pd.Timedelta(oi_interval)
    spans = {
        "candles": (t0, interval), "markCandles": (t0, interval),
        "openInterest": (t0 - oi_step, oi_interval), "funding": (t0 - pd.Timedelta(days=1), None),
    }  # fmt: skip
    pieces, infos = {}, {}
    for kind in VENUE_KINDS:
        first, kind_interval = spans[kind]
        days = [d.isoformat() for d in days_in(first, t1)]
        pieces[kind], infos[kind] = load_venue_kind(
            inst, kind, days, kind_interval, root=root, refresh=refresh, now=now,
            span=(first, t1), session=session, url=url,
        )  # fmt: skip
    candles = pieces["candles"][(pieces["candles"].index >= t0) & (pieces["candles"].index < t1)]
    mark = pieces["markCandles"].rename(
        columns=dict(zip(C.PRICE_COLUMNS, C.MARK_COLUMNS, strict=True))
    )
    grid = pd.date_range(t0.ceil(step), t1, freq=step, inclusive="left", name=C.TIME, unit="ns")
    market = assemble_market(candles, mark, pieces["openInterest"], pieces["funding"], grid,
                             oi_step=oi_step, venue=inst.venue, symbol=inst.name)  # fmt: skip
    window_days = {d.isoformat() for d in days_in(t0, t1)}  # a day before is not a gap
    fields = sorted(infos["openInterest"]["oi_field"])
    oi_field = fields[0] if len(fields) == 1 else ("mixed" if fields else None)
    market.attrs.update(
        start=t0.isoformat(), end=t1.isoformat(), interval=interval,
        oi_field=oi_field or ("oiCcy" if inst.venue == "okx" else None),
        gaps={k: [d for d in v["empty"] if d in window_days]
              for k, v in infos.items() if set(v["empty"]) & window_days},
        live_days=sorted({d for v in infos.values() for d in v["live"]}),
        liqlib_version=liqlib.__version__,
    )  # fmt: skip
    return market
