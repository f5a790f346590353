"""The local Parquet cache and :func:`load_market`, the one call that assembles a market frame.

Layout: ``<cache>/<exchange>/<symbol>/<kind>/<period>.parquet``, one file per archive file
(``period`` is ``YYYY-MM-DD`` for daily kinds, ``YYYY-MM`` for monthly ones; ``kind`` carries
the interval, e.g. ``klines-1m``). Every write goes to a temporary file in the same folder and
is renamed into place, so a crash or a full disk never leaves a half-written file behind.
Days the server does not have (HTTP 404) are remembered in a small ``<period>.missing`` marker
once they are old enough that the archive will not publish them later.

The cache heals itself (see :mod:`liqlib.data.cache`): every file records the sha256 of its content
and is checked against it, its schema and the validation contract (:mod:`liqlib.data.contract`)
each time it is read; a file that fails is moved to ``<cache>/quarantine/`` (a warning on the
``liqlib`` logger names it) and downloaded again. :func:`verify_cache` checks, and with
``repair=True`` mends, a whole cache. Events (downloads, quarantines, gaps, REST fallbacks)
are logged on the ``liqlib.data.store`` logger.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
from tqdm.auto import tqdm

import liqlib
from liqlib import settings
from liqlib.data import columns as C
from liqlib.data.cache import (
    QUARANTINE,
    STAMPS,
    Unusable,
    cache_os_error,
    ensure_writable,
    file_stamp,
    is_stale_tmp,
    parse_folder,
    quarantine,
    read_cached,
    read_stamps,
    save_frame,
    stampable,
    tables_to_frame,
    write_atomic,
    write_stamps,
)
from liqlib.data.columns import SIM_PREFIX
from liqlib.data.contract import check_frame
from liqlib.data.http import make_session
from liqlib.data.sources.binance import archive as binance
from liqlib.data.sources.binance.archive import _bar
from liqlib.data.time import TimeLike, check_window, days_in, months_in, parse_interval
from liqlib.data.venue_cache import VENUE_KINDS
from liqlib.errors import (
    CacheError,
    CorruptDataError,
    DataNotFoundError,
    DownloadError,
    InputError,
    LiqlibError,
)

log = logging.getLogger(__name__)

CACHE_DIR_ENV = settings.SETTINGS["cache_dir"].env
PROGRESS_ENV = settings.SETTINGS["progress"].env

#: The archive kinds :func:`load_market` can combine, in the order their columns appear.
MARKET_KINDS = ("klines", "markPriceKlines", "metrics", "fundingRate")
#: The columns each kind contributes to the market frame.
KIND_COLUMNS = {
    "klines": C.KLINE_COLUMNS,
    "markPriceKlines": C.MARK_COLUMNS,
    "metrics": C.METRICS_COLUMNS,
    "fundingRate": C.FUNDING_COLUMNS,
}
#: A 404 for a period that ended this long ago is taken as permanent and remembered.
MISSING_IS_FINAL_AFTER = pd.Timedelta(days=3)
#: Metrics are 5-minute snapshots; a bar takes the latest snapshot less than this old.
METRICS_STEP = binance.METRICS_STEP

_UNITS = {"m": "min", "h": "h", "d": "D", "w": "W"}


def default_cache_dir() -> Path:
    """Where the cache lives: ``$LIQLIB_CACHE_DIR``; else ``data/cache`` of the checkout when
    liqlib runs from one; else the user's cache folder (``platformdirs``, e.g.
    ``~/.cache/liqlib`` on Linux). See :func:`liqlib.settings.default_cache_dir`.

    Returns
    -------
    pathlib.Path
        The cache root (created on first write).
    """
    return settings.default_cache_dir()


def resolve_cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    """The cache root for a ``cache_dir=`` argument (None: :func:`default_cache_dir`)."""
    if cache_dir is None:
        return default_cache_dir()
    if not isinstance(cache_dir, str | os.PathLike):
        raise InputError(
            f"cache_dir must be a folder path (str or pathlib.Path) or None, not "
            f"{type(cache_dir).__name__} {cache_dir!r}: e.g. cache_dir='data/cache'"
        )
    text = os.fspath(cache_dir)
    if isinstance(text, bytes) or not text.strip():
        raise InputError(
            f"cache_dir={cache_dir!r} is empty: pass a folder such as 'data/cache', or None for "
            "the default (LIQLIB_CACHE_DIR or data/cache)"
        )
    root = Path(text.strip()).expanduser()
    if root.exists() and not root.is_dir():
        raise CacheError(
            f"cache directory {root} is a file, not a folder, so it is not writable: set "
            f"{CACHE_DIR_ENV} to a writable folder or pass cache_dir=..."
        )
    return root


def _check_flag(name: str, value, *, optional: bool = False) -> bool | None:
    if optional and value is None:
        return None
    if not isinstance(value, bool | np.bool_):
        allowed = "True, False or None" if optional else "True or False"
        raise InputError(f"{name} must be {allowed}, not {value!r}: e.g. {name}=True")
    return bool(value)


def binance_interval(interval: str, name: str = "interval") -> tuple[pd.Timedelta, str]:
    """The bar length and Binance name of an interval Binance publishes klines for.

    Either spelling is accepted (``"5m"`` or ``"5min"``, ``"1h"`` or ``"1H"``; see
    :func:`liqlib.data.time.parse_interval`); returns e.g. ``(Timedelta('5min'), "5m")``.
    """
    fixed = [i for i in binance.KLINE_INTERVALS if i[-1] in _UNITS and i != "1mo"]
    try:
        td, canonical = parse_interval(interval, name)
    except InputError:
        canonical = None
    if canonical not in fixed:
        raise InputError(
            f"{name}={interval!r} is not a Binance kline interval: use one of {', '.join(fixed)} "
            "('5min', '1H' spellings work too)"
        )
    return td, canonical


def interval_offset(interval: str) -> pd.Timedelta:
    """The bar length of a Binance interval such as ``"1m"``, ``"5min"`` or ``"4h"``."""
    return binance_interval(interval)[0]


@dataclass(frozen=True)
class Partition:
    """One archive file's place in the cache: exchange/symbol/kind/period."""

    root: Path
    exchange: str
    symbol: str
    kind: str
    interval: str | None
    period: str  # YYYY-MM-DD or YYYY-MM

    @property
    def folder(self) -> Path:
        name = f"{self.kind}-{self.interval}" if self.interval else self.kind
        return self.root / self.exchange / self.symbol / name

    @property
    def path(self) -> Path:
        return self.folder / f"{self.period}.parquet"

    @property
    def missing_marker(self) -> Path:
        return self.folder / f"{self.period}.missing"

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.interval}" if self.interval else self.kind


def read_frames(paths: Sequence[Path]) -> pd.DataFrame:
    """Read many cached Parquet files of one kind into one frame, in one pyarrow call."""
    table = pads.dataset([str(p) for p in paths], format="parquet").to_table()
    frame = table.to_pandas()
    if C.TIME in frame.columns:
        frame = frame.set_index(C.TIME)
    return frame.sort_index()


def _period_end(period: str) -> pd.Timestamp:
    start = pd.Timestamp(period, tz="UTC")
    return start + (pd.offsets.MonthBegin(1) if len(period) == 7 else pd.Timedelta(days=1))


def _known_missing(part: Partition, base_url: str | None) -> bool:
    """True if this same server already answered 404 for the period (a mirror's holes are not
    the real archive's, so a marker only counts for the server that wrote it)."""
    try:
        stamp = json.loads(part.missing_marker.read_text())
    except (OSError, ValueError):
        return False
    return stamp.get("server") == binance.archive_base_url(base_url)


def _fetch_into_cache(part: Partition, base_url: str | None, session) -> bool:
    """Download one archive file into the cache. Returns False when the server lacks it.

    The frame is checked against the contract before it is written and read back (and checked
    again) after, so what the cache holds is what was verified.
    """
    try:
        frame = binance.fetch_archive_file(
            part.kind, part.symbol, part.period, part.interval, base_url=base_url, session=session
        )
    except DataNotFoundError:
        if pd.Timestamp.now(tz="UTC") - _period_end(part.period) > MISSING_IS_FINAL_AFTER:
            stamp = {
                "checked_at": pd.Timestamp.now(tz="UTC").isoformat(),
                "server": binance.archive_base_url(base_url),
            }
            try:
                write_atomic(part.missing_marker, lambda tmp: tmp.write_text(json.dumps(stamp)))
            except OSError as exc:
                raise cache_os_error(exc, part.missing_marker, "write") from exc
        log.info("%s %s %s: not on the server (HTTP 404)", part.symbol, part.name, part.period)
        return False
    record = {
        "kind": part.kind,
        "symbol": part.symbol,
        "interval": part.interval,
        "period": part.period,
        "source_url": frame.attrs.get("url"),
        "source_sha256": frame.attrs.get("sha256"),
        "written_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "liqlib_version": liqlib.__version__,
    }
    if part.path.exists() and not part.path.is_file():
        quarantine(part.path, part.root, "a folder sits where the cached file goes")
    try:
        save_frame(frame, part.path, record)
    except OSError as exc:
        raise cache_os_error(exc, part.path, "write the cached file") from exc
    log.info("%s %s %s: downloaded and cached", part.symbol, part.name, part.period)
    return True


def _read_part(part: Partition, full: bool = True):
    """The checked table of ``part``'s cached file, or None after moving an unusable file
    aside (it is then downloaded again). ``full=False``: the cheap checks only (see
    :mod:`liqlib.data.cache`)."""
    try:
        table, _ = read_cached(part.path, part.kind, part.period, _bar(part.interval), full=full)
    except Unusable as exc:
        quarantine(part.path, part.root, str(exc))
        return None
    return table


def _read_cached_parts(parts: list[Partition], max_workers: int) -> dict[str, object]:
    """Read the cached files of ``parts`` (one folder) in parallel: period -> checked table,
    or None for a file moved aside. Files unchanged since they last passed every check get
    the cheap checks only; the others are checked in full and stamped."""
    if not parts:
        return {}
    folder = parts[0].folder
    stamps = read_stamps(folder)
    before = {p.period: file_stamp(p.path) for p in parts}
    started_ns = time.time_ns()

    def read(part: Partition):
        stamp = before[part.period]
        return _read_part(part, full=stamp is None or stamps.get(part.path.name) != stamp)

    if len(parts) == 1 or max_workers <= 1:
        tables = [read(p) for p in parts]
    else:
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            tables = list(pool.map(read, parts))
    fresh = dict(stamps)
    for part, table in zip(parts, tables, strict=True):
        stamp = before[part.period]
        if table is None:
            fresh.pop(part.path.name, None)
        elif stamps.get(part.path.name) != stamp and stampable(stamp, started_ns):
            fresh[part.path.name] = stamp
    if fresh != stamps:
        write_stamps(folder, fresh)
    return {p.period: t for p, t in zip(parts, tables, strict=True)}


def load_kind(
    symbol: str,
    kind: str,
    periods: Iterable[str],
    interval: str | None = None,
    *,
    cache_dir: Path | None = None,
    base_url: str | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    max_workers: int = 4,
) -> tuple[pd.DataFrame | None, list[str]]:
    """Load one archive kind for the given periods, from the cache or the archive.

    Parameters
    ----------
    symbol : str
        Binance USD-M symbol, e.g. ``"BTCUSDT"``.
    kind : str
        Archive kind (``"klines"``, ``"markPriceKlines"``, ``"metrics"``, ``"fundingRate"``,
        ``"aggTrades"``).
    periods : iterable of str
        Days ``YYYY-MM-DD`` (daily kinds) or months ``YYYY-MM`` (monthly kinds).
    interval : str, optional
        Kline interval (``"1m"``...) for the kline kinds.
    cache_dir : pathlib.Path, optional
        Cache root (default ``$LIQLIB_CACHE_DIR``, see ``lq.show_config()``).
    base_url : str, optional
        Archive root; default ``$LIQLIB_BINANCE_ARCHIVE_URL``, else Binance's public archive.
    refresh : bool
        Ignore cached files and markers and download again.
    progress : bool, optional
        Show a download bar; default ``$LIQLIB_PROGRESS``, else only in Jupyter or a
        terminal.
    max_workers : int
        Threads that read cached files and download missing ones in parallel.

    Returns
    -------
    frame : pandas.DataFrame or None
        Rows of every period found, sorted by time; None when nothing was found.
    missing : list of str
        Periods the server does not have.
    """
    root = resolve_cache_dir(cache_dir)
    parts = [Partition(root, "binance", symbol, kind, interval, p) for p in periods]
    frames: dict = {}  # period -> checked Arrow table
    missing, todo = [], []
    cached = [] if refresh else [p for p in parts if p.path.is_file()]
    read = _read_cached_parts(cached, max_workers)
    for part in parts:
        if read.get(part.period) is not None:
            frames[part.period] = read[part.period]
            continue
        if not refresh and _known_missing(part, base_url):
            missing.append(part.period)
        else:
            todo.append(part)
    if todo:
        for folder in sorted({p.folder for p in todo}):
            ensure_writable(folder)  # probed where the files go, before any download
        session = make_session()
        show = _progress_enabled(progress)
        desc = f"{symbol} {kind}{' ' + interval if interval else ''}"
        with (
            ThreadPoolExecutor(max_workers=max_workers) as pool,
            tqdm(total=len(todo), desc=desc, unit="file", disable=not show) as bar,
        ):
            futures = [pool.submit(_fetch_into_cache, p, base_url, session) for p in todo]
            for part, fut in zip(todo, futures, strict=True):
                if fut.result():
                    frame = _read_part(part)
                    if frame is None:  # written, then unreadable: the disk lies
                        raise CacheError(
                            f"{part.path} was written but does not read back intact: the disk "
                            f"or file system is failing; set {CACHE_DIR_ENV} to another disk"
                        )
                    frames[part.period] = frame
                else:
                    missing.append(part.period)
                bar.update()
    if not frames:
        return None, sorted(missing)
    return tables_to_frame([frames[p] for p in sorted(frames)]), sorted(missing)


def _progress_enabled(progress: bool | None) -> bool:
    """A bar only where someone watches: ``progress``, else ``$LIQLIB_PROGRESS``, else only
    in a Jupyter kernel (a ``tqdm.auto`` widget) or when stderr is a terminal; never in
    notebooks run by ``liqlib report``, which sets ``LIQLIB_PROGRESS=0``, CI logs or pipes."""
    if progress is not None:
        return progress
    env = settings.get("progress")
    if env is not None:
        return env
    if _in_jupyter():
        return True  # tqdm.auto draws a widget there
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _in_jupyter() -> bool:
    """True inside a Jupyter kernel (where stderr is not a terminal but bars are seen)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def load_market(
    symbol: str,
    start: TimeLike,
    end: TimeLike,
    interval: str = "1m",
    source: str = "binance",
    *,
    include: Sequence[str] = MARKET_KINDS,
    mark_interval: str | None = None,
    allow_gaps: bool = False,
    cache_dir: str | os.PathLike | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    rest_fallback: bool = True,
    venues: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Load one aligned market frame: prices, volumes, mark price, open interest, funding.

    Data come from the local cache when present, else from the exchange's public archive
    (``$LIQLIB_BINANCE_ARCHIVE_URL`` overrides its address, e.g. for a local mirror), and are
    cached for next time. The window is half-open and in UTC: ``[start, end)``.

    Parameters
    ----------
    symbol : str
        Binance USD-M perpetual, e.g. ``"BTCUSDT"``.
    start, end : str, datetime.date or aware datetime
        Window bounds (UTC). A plain date ``"2025-11-04"`` means 00:00 UTC of that day.
    interval : str
        Bar length of the frame (``"1m"``, ``"5m"``, ``"1h"``...).
    source : str
        Exchange; only ``"binance"`` (USD-M futures) for now.
    include : sequence of str
        Archive kinds to combine: ``"klines"`` (trade OHLCV + taker volume),
        ``"markPriceKlines"`` (mark OHLC), ``"metrics"`` (open interest, long/short ratios,
        5-minute snapshots) and ``"fundingRate"``.
    mark_interval : str, optional
        Interval of the mark-price klines; defaults to ``interval``.
    allow_gaps : bool
        If False (default), a period the server lacks raises :class:`DataNotFoundError`
        naming it. If True, its rows are NaN and it is listed in ``df.attrs["gaps"]``.
    cache_dir : path, optional
        Cache root; default :func:`default_cache_dir`.
    refresh : bool
        Download again even if cached.
    progress : bool, optional
        Show a tqdm bar while downloading (default on; ``LIQLIB_PROGRESS=0`` turns it off).
    rest_fallback : bool
        Fill *recent* periods the archive has not published yet (days that ended less than
        three days ago, the current month of funding) from the exchange's REST API
        (``$LIQLIB_BINANCE_REST_URL``). Such rows are never cached: the archive file, once
        published, is the reference. Listed in ``df.attrs["from_rest"]``.
    venues : sequence of str or mapping, optional
        ``("binance", "bybit", "okx")`` or a subset: returns ``{venue: frame}`` on one time
        axis instead of one frame, ready for ``lq.estimate_heatmap``
        (:func:`liqlib.data.venues.load_venue_markets`). ``symbol`` is then one user symbol
        mapped to each venue's instrument (``"PEPEUSDT"`` or ``"1000PEPEUSDT"``: Binance and
        Bybit ``1000PEPEUSDT``, OKX ``PEPE-USDT-SWAP``; a mapping ``{venue: instrument}``
        names them explicitly), and **every frame is in coins of the base token and USD per
        coin** (:mod:`liqlib.data.instruments`). Bybit and OKX come from their REST APIs
        through the same contract and day cache as Binance (:mod:`liqlib.data.venue_cache`);
        columns they do not publish are NaN.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC bar open times, regular at ``interval``); columns from
        :mod:`liqlib.data.columns` for the kinds included (see that module for units). Open
        interest and ratios are the latest 5-minute snapshot at or before the bar open (never
        older than 5 minutes); ``funding_rate`` is the latest settled rate (fraction).
        ``df.attrs`` records ``symbol``, ``interval``, ``start``, ``end``, ``source``,
        ``archive_url``, ``gaps`` (kind -> missing periods), ``from_rest`` (kind -> periods
        taken from the REST API), ``missing_rows`` (kind -> bars without data) and
        ``liqlib_version``.

    Examples
    --------
    >>> df = lq.load_market("BTCUSDT", "2025-11-03", "2025-11-06", interval="5m")  # doctest: +SKIP
    >>> df["mark_low"].idxmin()  # doctest: +SKIP
    """
    if venues is not None:
        from liqlib.data.venues import load_venue_markets

        return load_venue_markets(
            symbol, start, end, interval, venues, load_market, source=source, include=include,
            mark_interval=mark_interval, allow_gaps=allow_gaps, cache_dir=cache_dir,
            refresh=refresh, progress=progress, rest_fallback=rest_fallback,
        )  # fmt: skip
    if source != "binance":
        raise InputError(f"source={source!r} is not supported yet: use source='binance'")
    symbol = binance.validate_symbol(symbol)
    _check_binance_name(symbol)
    step, interval = binance_interval(interval)
    mark_interval = interval if mark_interval is None else mark_interval
    _, mark_interval = binance_interval(mark_interval, "mark_interval")
    include = _check_include(include)
    allow_gaps = _check_flag("allow_gaps", allow_gaps)
    refresh = _check_flag("refresh", refresh)
    rest_fallback = _check_flag("rest_fallback", rest_fallback)
    progress = _check_flag("progress", progress, optional=True)
    root = resolve_cache_dir(cache_dir)
    t0, t1 = check_window(start, end)
    listed_day = binance.listing_date(symbol)  # None: unknown here, the archive will answer
    listed = pd.Timestamp(listed_day, tz="UTC") if listed_day else None
    if listed is not None and t0 < listed:
        raise InputError(
            f"start {t0:%Y-%m-%d} is before {symbol} was listed on Binance USD-M "
            f"({listed:%Y-%m-%d}): pass start >= {listed:%Y-%m-%d}"
        )
    archive_url = binance.archive_base_url()  # a bad $LIQLIB_BINANCE_ARCHIVE_URL fails here
    days = [d.isoformat() for d in days_in(t0, t1)]
    grid = pd.date_range(t0.ceil(step), t1, freq=step, inclusive="left", name=C.TIME, unit="ns")

    pieces: dict[str, pd.DataFrame | None] = {}
    gaps: dict[str, list[str]] = {}
    from_rest: dict[str, list[str]] = {}
    for kind in MARKET_KINDS:
        if kind not in include:
            continue
        kind_interval = {"klines": interval, "markPriceKlines": mark_interval}.get(kind)
        monthly = binance.KINDS[kind].cadence == "monthly"
        periods = months_in(t0, t1) if monthly else days
        frame, missing = load_kind(
            symbol, kind, periods, kind_interval,
            cache_dir=root, refresh=refresh, progress=progress,
        )  # fmt: skip
        if missing and rest_fallback:
            frame, missing, used = fill_recent_from_rest(
                symbol, kind, kind_interval, frame, missing, t0, t1
            )
            if used:
                from_rest[kind] = used
        pieces[kind] = frame
        if missing:
            gaps[kind] = missing
    for kind, periods in gaps.items():
        log.info("%s %s: %s not on the server", symbol, kind, _summarise(periods))
    if gaps and not allow_gaps:
        listing = "; ".join(f"{k}: {_summarise(v)}" for k, v in gaps.items())
        raise DataNotFoundError(
            f"{symbol} data missing on the server ({listing}): pass allow_gaps=True to load "
            "what exists (gaps become NaN rows, listed in df.attrs['gaps'])",
            missing=sorted({p for v in gaps.values() for p in v}),
        )
    market = align_market(pieces, grid)
    market.attrs.update(
        symbol=symbol,
        interval=interval,
        start=t0.isoformat(),
        end=t1.isoformat(),
        # a simulated instrument served as a mirror (lq.serve_demo) stays labelled as such
        source="SIMULATED (liqlib.sim), served as a Binance archive mirror"
        if symbol.startswith(SIM_PREFIX)
        else "binance-um",
        synthetic=symbol.startswith(SIM_PREFIX),
        archive_url=archive_url,
        gaps=gaps,
        from_rest=from_rest,
        missing_rows=_missing_rows(market, pieces),
        liqlib_version=liqlib.__version__,
    )
    return market


def _check_binance_name(symbol: str) -> None:
    """Refuse a name Binance lists at another scale (``PEPEUSDT``: it lists ``1000PEPEUSDT``),
    naming the fix: the archive would only answer that it has no such files."""
    from liqlib.data.instruments import resolve_instrument

    try:
        listed = resolve_instrument(symbol, "binance")
    except InputError:  # not a name the venue mapping reads (e.g. SIM-...): the archive answers
        return
    if listed.name != symbol:
        raise InputError(
            f"Binance lists {listed.base} as {listed.name} (lots of {listed.multiplier:,} "
            f"{listed.base}): pass symbol={listed.name!r} for Binance's own unit, or "
            f"venues=('binance',) for a frame in coins of {listed.base} (if Binance lists "
            f"{symbol} too, register_symbol({symbol!r}, 'YYYY-MM-DD') teaches liqlib)"
        )


def _missing_rows(market: pd.DataFrame, kinds) -> dict[str, int]:
    """Bars of ``market`` where every column of a kind is NaN, per kind (on numpy: selecting
    columns by name through pandas costs more than the rest of a warm load)."""
    where = {name: i for i, name in enumerate(market.columns)}
    nan = np.isnan(market.to_numpy(dtype=float, na_value=np.nan))
    return {
        kind: int(nan[:, [where[c] for c in KIND_COLUMNS[kind]]].all(axis=1).sum())
        for kind in kinds
    }


def _check_include(include) -> list[str]:
    fix = f"pass a list of kinds from {list(MARKET_KINDS)}, e.g. include=['klines', 'metrics']"
    if isinstance(include, str):
        raise InputError(f"include={include!r} is a string, not a list of kinds: {fix}")
    try:
        kinds = list(include)
    except TypeError:
        raise InputError(f"include={include!r} is not a list of kinds: {fix}") from None
    unknown = [k for k in kinds if not isinstance(k, str) or k not in MARKET_KINDS]
    if unknown or not kinds:
        raise InputError(
            f"include={kinds!r} must be a non-empty subset of {list(MARKET_KINDS)}"
            f"{f' ({unknown[0]!r} is not a kind)' if unknown else ''}"
        )
    return list(dict.fromkeys(kinds))


def _is_recent(period: str, now: pd.Timestamp) -> bool:
    return now - _period_end(period) <= MISSING_IS_FINAL_AFTER


def _fetch_rest(symbol: str, kind: str, interval: str | None, start, end) -> pd.DataFrame:
    if kind in ("klines", "markPriceKlines"):
        price = "trade" if kind == "klines" else "mark"
        return binance.fetch_rest_klines(symbol, start, end, interval, price=price)
    if kind == "metrics":
        return binance.fetch_rest_metrics(symbol, start, end)
    return binance.fetch_rest_funding_rate(symbol, start, end)


def fill_recent_from_rest(
    symbol: str,
    kind: str,
    interval: str | None,
    frame: pd.DataFrame | None,
    missing: list[str],
    t0: pd.Timestamp,
    t1: pd.Timestamp,
) -> tuple[pd.DataFrame | None, list[str], list[str]]:
    """Fetch the recent periods the archive lacks from the REST API (network; not cached).

    Returns the combined frame, the periods still missing, and the periods REST filled. A REST
    failure leaves the period missing (reported as a gap), it does not abort the load.
    """
    now = pd.Timestamp.now(tz="UTC")
    recent = [p for p in missing if _is_recent(p, now)]
    parts, used = [] if frame is None else [frame], []
    for period in recent:
        start = max(t0, pd.Timestamp(period, tz="UTC"))
        end = min(t1, _period_end(period), now)
        try:
            got = _fetch_rest(symbol, kind, interval, start, end)
            check_frame(
                got, kind, source=f"REST {kind} {symbol} {period}", window=(start, end),
                bar=_bar(interval), allow_empty=True, nan_ok=kind == "metrics",
                fix="the REST answer was not used",
            )  # fmt: skip
        except (DataNotFoundError, DownloadError, InputError, CorruptDataError) as exc:
            log.warning("%s %s %s: REST fallback failed, left as a gap (%s)", symbol, kind,
                        period, exc)  # fmt: skip
            continue
        if len(got):
            log.info("%s %s %s: filled from the REST API (not cached)", symbol, kind, period)
            parts.append(got)
            used.append(period)
    if not used:
        return frame, missing, []
    combined = pd.concat(parts).sort_index()
    return combined, [p for p in missing if p not in used], used


def _summarise(periods: list[str], show: int = 6) -> str:
    head = ", ".join(periods[:show])
    more = f" and {len(periods) - show} more" if len(periods) > show else ""
    return f"{head}{more} ({len(periods)} missing)"


def align_market(pieces: dict[str, pd.DataFrame | None], grid: pd.DatetimeIndex) -> pd.DataFrame:
    """Put the per-kind frames on one regular bar grid (pure; no I/O).

    Kline kinds match bar open times exactly; metrics take the latest snapshot at or before the
    bar open within one 5-minute step; funding takes the latest settled rate.
    """
    parts = []
    for kind, frame in pieces.items():
        cols = list(KIND_COLUMNS[kind])
        if kind == "klines":
            part = _on_grid(frame, cols, grid)
        elif kind == "markPriceKlines":  # the archive names mark OHLC like trade OHLC
            src = None if frame is None else frame[list(C.PRICE_COLUMNS)]
            part = _on_grid(src, list(C.PRICE_COLUMNS), grid).set_axis(cols, axis=1)
        elif kind == "metrics":
            part = _asof(frame, cols, grid, METRICS_STEP - pd.Timedelta(1, "ms"))
        else:
            part = _asof(frame, cols, grid, _funding_tolerance(frame))
        parts.append(part)
    if not parts:
        return pd.DataFrame(index=grid)
    return pd.concat(parts, axis=1)


def _funding_tolerance(frame: pd.DataFrame | None) -> pd.Timedelta | None:
    """A funding rate stays in force until the next settlement, never longer."""
    if frame is None or frame.empty:
        return None
    return pd.Timedelta(hours=float(frame[C.FUNDING_INTERVAL_HOURS].max()))


def _empty(cols: list[str], grid: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(float("nan"), index=grid, columns=cols)


def _on_grid(frame: pd.DataFrame | None, cols: list[str], grid) -> pd.DataFrame:
    if frame is None:
        return _empty(cols, grid)
    frame = frame[~frame.index.duplicated(keep="last")]
    return frame[cols].reindex(grid)


def _asof(frame: pd.DataFrame | None, cols: list[str], grid, tolerance) -> pd.DataFrame:
    if frame is None or frame.empty:
        return _empty(cols, grid)
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    return frame[cols].reindex(grid, method="ffill", tolerance=tolerance)


#: The venues whose files the cache holds, one folder each.
CACHE_VENUES = ("binance", "bybit", "okx")


def _symbol_folders(root: Path, symbol: str, venue: str | None) -> list[Path]:
    """The cache folders of one user symbol: its instrument on each venue (or one venue)."""
    from liqlib.data.instruments import resolve_instrument

    venues = CACHE_VENUES if venue is None else (venue,)
    folders = []
    if "binance" in venues:  # Binance's name as given (validated), and the resolved one
        folders.append(root / "binance" / binance.validate_symbol(symbol))
    for name in venues:
        try:
            folders.append(root / name / resolve_instrument(symbol, name).name)
        except InputError:
            if venue is not None:
                raise
    return list(dict.fromkeys(folders))


def _check_venue(venue: str | None) -> str | None:
    if venue is None:
        return None
    name = str(venue).strip().lower()
    if name not in CACHE_VENUES:
        raise InputError(f"venue={venue!r} is not one of {', '.join(CACHE_VENUES)}")
    return name


def clear_cache(
    symbol: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    *,
    venue: str | None = None,
) -> int:
    """Delete cached files (all, or one symbol's, or one venue's). Returns the number removed.

    Removes the Parquet files, the ``.missing`` markers, stale temporary files and the
    refreshed tier tables (``liqlib cache refresh-tiers``); without a symbol or venue, the
    quarantine too. Files liqlib did not write are left alone.

    Parameters
    ----------
    symbol : str, optional
        Only this symbol's files (e.g. ``"BTCUSDT"``, or ``"PEPEUSDT"``: Binance's and Bybit's
        ``1000PEPEUSDT`` and OKX's ``PEPE-USDT-SWAP``); None: every symbol.
    cache_dir : path, optional
        Cache root; default :func:`default_cache_dir`.
    venue : str, optional
        Only this venue's files (``"binance"``, ``"bybit"``, ``"okx"``).

    Returns
    -------
    int
        Files removed (the read stamps not counted).

    Examples
    --------
    >>> lq.clear_cache("BTCUSDT")  # doctest: +SKIP
    12
    """
    root = resolve_cache_dir(cache_dir)
    venue = _check_venue(venue)
    if symbol:
        bases = _symbol_folders(root, symbol, venue)
    else:
        bases = [root / venue] if venue else [root]
    removed = 0
    for base in bases:
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            quarantined = QUARANTINE in path.relative_to(root).parts[:1]
            ours = (
                path.suffix in (".parquet", ".missing")
                or path.name == STAMPS
                or quarantined
                or is_stale_tmp(path)
            )
            if path.is_file() and ours:
                try:
                    path.unlink()
                except OSError as exc:
                    raise cache_os_error(exc, path, "delete") from exc
                removed += path.name != STAMPS  # stamps are bookkeeping, not cached data
    for path in _tier_files(root, venue, symbol):  # refreshed tier tables, same scope
        try:
            path.unlink()
        except OSError as exc:
            raise cache_os_error(exc, path, "delete") from exc
        removed += 1
    log.info("cleared %d cached files under %s", removed, bases[0])
    return removed


def verify_cache(
    cache_dir: str | os.PathLike | None = None,
    *,
    repair: bool = False,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Check every cached file against its recorded sha256, its schema and the contract.

    Covers every venue's folder (``binance/``, ``bybit/``, ``okx/``). A Bybit or OKX file that
    fails is quarantined by ``repair`` and fetched again by the next load of its day.

    Parameters
    ----------
    cache_dir : path, optional
        Cache root; default :func:`default_cache_dir`.
    repair : bool
        Mend what is wrong: move unusable files to ``<cache>/quarantine/`` and download them
        again, give unrecorded (older) files their record, delete unreadable ``.missing``
        markers and stale temporary files (older than an hour: a killed write).
    base_url : str, optional
        Archive to download repaired files from (default ``$LIQLIB_BINANCE_ARCHIVE_URL``).

    Returns
    -------
    pandas.DataFrame
        One row per file: ``path`` (relative to the cache), ``status`` (``ok``,
        ``unrecorded``, ``corrupt``, ``bad-marker``, ``stale-tmp``, ``in-progress``,
        ``foreign``; after a repair also ``repaired``, ``quarantined``, ``deleted``), ``detail`` and ``action`` (what ``repair`` did, "" otherwise).
        ``attrs["problems"]`` counts the rows still wrong after the call.

    Examples
    --------
    >>> report = lq.verify_cache()  # doctest: +SKIP
    >>> report[report.status != "ok"]  # doctest: +SKIP
    """
    root = resolve_cache_dir(cache_dir)
    repair = _check_flag("repair", repair)
    rows: list[dict] = []
    session = None
    now = time.time()
    paths = [
        (venue, root / venue, path)
        for venue in CACHE_VENUES
        if (root / venue).is_dir()
        for path in sorted((root / venue).rglob("*"))
    ]
    for venue, tree, path in paths:
        rel = path.relative_to(root).as_posix()
        depth = len(path.relative_to(tree).parts)
        if path.is_dir() and not (depth == 3 and path.suffix == ".parquet"):
            continue
        if path.name == STAMPS and depth == 3:  # the read stamps (liqlib.data.cache), not data
            continue
        row = {"path": rel, "status": "ok", "detail": "", "action": ""}
        rows.append(row)
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            stale = is_stale_tmp(path, now)
            row.update(status="stale-tmp" if stale else "in-progress",
                       detail="temporary file of a write" + (" killed midway" if stale else ""))  # fmt: skip
            if repair and stale:
                path.unlink(missing_ok=True)
                row.update(status="deleted", action="deleted")
            continue
        where = parse_folder(path.parent.name) if depth == 3 else None
        if where is None or path.suffix not in (".parquet", ".missing"):
            row.update(status="foreign", detail="not a file liqlib writes; left alone")
            continue
        kind, interval = where
        period = path.name.split(".")[0]
        if path.suffix == ".missing":
            try:
                json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                row.update(status="bad-marker", detail=f"unreadable marker ({exc})")
                if repair:
                    path.unlink(missing_ok=True)
                    row.update(status="deleted", action="deleted")
            continue
        part = Partition(root, venue, path.parts[-3], kind, interval, period)
        try:
            if not path.is_file():
                raise Unusable("a folder sits where the cached file goes")
            if kind not in (binance.KINDS if venue == "binance" else VENUE_KINDS):
                raise Unusable(f"{kind!r} is not a {venue} kind")
            table, record = read_cached(path, kind, period, _bar(interval))
        except Unusable as exc:
            row.update(status="corrupt", detail=str(exc))
            if repair and venue != "binance":  # fetched again by the next load of that day
                quarantine(path, root, str(exc))
                row.update(status="quarantined",
                           action="quarantined; fetched again by the next load")  # fmt: skip
            elif repair:
                quarantine(path, root, str(exc))
                session = session or make_session()
                try:
                    found = _fetch_into_cache(part, base_url, session)
                    row["action"] = (
                        "quarantined, downloaded again"
                        if found
                        else ("quarantined; the server no longer has it")
                    )
                    row["status"] = "repaired" if found else "quarantined"
                except LiqlibError as err:
                    row.update(status="quarantined",
                               action=f"quarantined; download failed: {err}")  # fmt: skip
            continue
        if record is None:
            row.update(status="unrecorded", detail="written before liqlib recorded sha256s")
            if repair:
                rec = {"kind": kind, "venue": venue, "symbol": part.symbol, "interval": interval,
                       "period": period, "source_url": None, "source_sha256": None,
                       "written_at": pd.Timestamp.now(tz="UTC").isoformat(),
                       "liqlib_version": liqlib.__version__}  # fmt: skip
                save_frame(tables_to_frame([table]), path, rec)
                row.update(status="ok", action="record written")
    rows += _verify_tier_tables(root, repair)
    report = pd.DataFrame(rows, columns=["path", "status", "detail", "action"])
    bad = ~report["status"].isin(
        ["ok", "repaired", "quarantined", "deleted", "unrecorded", "in-progress"]
    )
    report.attrs["problems"] = int(bad.sum())
    report.attrs["cache_dir"] = str(root)
    return report


def _tier_files(root: Path, venue: str | None = None, symbol: str | None = None) -> list[Path]:
    """Refreshed tier tables (``<cache>/tiers/<venue>/<SYMBOL>-<day>.json``), all or one
    venue's or symbol's."""
    from liqlib.data.venue_tiers import TIER_VENUES, TIERS_FOLDER

    pattern = f"{symbol.strip().upper()}-*.json" if symbol else "*.json"
    venues = [venue] if venue else list(TIER_VENUES)
    return sorted(
        path for v in venues if v in TIER_VENUES for path in (root / TIERS_FOLDER / v).glob(pattern)
    )


def _verify_tier_tables(root: Path, repair: bool) -> list[dict]:
    """One :func:`verify_cache` row per refreshed tier table; ``repair`` deletes a bad one
    (``liqlib cache refresh-tiers`` fetches it again)."""
    import json

    from liqlib.data.venue_tiers import check_table

    rows = []
    for path in _tier_files(root):
        row = {"path": path.relative_to(root).as_posix(), "status": "ok", "detail": "",
               "action": ""}  # fmt: skip
        try:
            check_table(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, LiqlibError) as exc:
            row.update(status="corrupt", detail=f"not a usable tier table ({exc})")
            if repair:
                path.unlink(missing_ok=True)
                row.update(status="deleted",
                           action="deleted; run `liqlib cache refresh-tiers` again")  # fmt: skip
        rows.append(row)
    return rows


def list_cache(cache_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """What the cache holds: one row per venue, instrument and kind folder.

    Parameters
    ----------
    cache_dir : path, optional
        Cache root; default :func:`default_cache_dir`.

    Returns
    -------
    pandas.DataFrame
        Columns ``venue``, ``symbol`` (the venue's instrument), ``kind`` (with its interval,
        e.g. ``candles-5m``), ``files`` (cached days or months), ``first`` and ``last``
        (periods), ``missing`` (periods remembered as absent on the server) and ``mb`` (size
        on disk, MB). Empty when nothing is cached. Nothing is read or checked:
        :func:`verify_cache` does that.

    Examples
    --------
    >>> lq.list_cache()  # doctest: +SKIP
    """
    root = resolve_cache_dir(cache_dir)
    rows = []
    for venue in CACHE_VENUES:
        tree = root / venue
        folders = sorted(p for p in tree.glob("*/*") if p.is_dir()) if tree.is_dir() else []
        for folder in folders:
            files = sorted(folder.glob("*.parquet"))
            missing = list(folder.glob("*.missing"))
            if not files and not missing:
                continue
            periods = [f.name.split(".")[0] for f in files]
            rows.append({
                "venue": venue, "symbol": folder.parent.name, "kind": folder.name,
                "files": len(files), "first": periods[0] if periods else "",
                "last": periods[-1] if periods else "", "missing": len(missing),
                "mb": round(sum(f.stat().st_size for f in files) / 1e6, 3),
            })  # fmt: skip
    columns = ["venue", "symbol", "kind", "files", "first", "last", "missing", "mb"]
    out = pd.DataFrame(rows, columns=columns)
    out.attrs["cache_dir"] = str(root)
    return out


def describe_datasets() -> pd.DataFrame:
    """What each archive kind :func:`load_market` combines holds, its files and its columns."""
    specs = [binance.KINDS[kind] for kind in MARKET_KINDS]
    return pd.DataFrame(
        {
            "what": [spec.description for spec in specs],
            "files": [spec.cadence for spec in specs],
            "columns": [", ".join(KIND_COLUMNS[spec.name]) for spec in specs],
        },
        index=pd.Index(MARKET_KINDS, name="kind"),
    )
