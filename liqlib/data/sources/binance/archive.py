"""Binance USD-M futures: the archive kinds, their URLs and the checked download of one
archive file, and the one import point of the Binance source, re-exporting the symbols
(:mod:`~liqlib.data.sources.binance.symbols`), the parsers (:mod:`~liqlib.data.sources.binance.parsers`),
the shared CSV helpers (:mod:`~liqlib.data.sources.csvtable`) and the REST client
(:mod:`~liqlib.data.sources.binance.rest`). Archive files live under
``<base>/data/futures/um/{daily,monthly}/<kind>/<SYMBOL>/[<interval>/]``, one zip per day (or
month) holding one CSV, each next to ``<zip>.CHECKSUM`` (``"<sha256 hex>  <zip name>"``).
:func:`fetch_archive_file` downloads both, verifies the sha256 and parses the CSV. The base
address is ``$LIQLIB_BINANCE_ARCHIVE_URL`` (read at call time, so a local mirror works), else
https://data.binance.vision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
import zlib

import numpy as np
import pandas as pd
import requests

from liqlib import settings
from liqlib.data.contract import check_frame
from liqlib.data.http import check_base_url, download, make_session
from liqlib.data.sources.binance.kinds import (
    _DAY,
    _MONTH,
    KINDS,
    KLINE_INTERVALS,
    KindSpec,
    _bar,
    _check_interval,
    _kind,
)
from liqlib.data.sources.binance.parsers import (
    AGG_TRADES_RAW,
    BOOK_DEPTH_COIN,
    BOOK_DEPTH_COLUMNS,
    BOOK_DEPTH_RAW,
    BOOK_DEPTH_USD,
    BOOK_PERCENTAGE,
    FUNDING_RAW,
    KLINE_RAW,
    METRICS_RAW,
    METRICS_STEP,
    parse_agg_trades,
    parse_book_depth,
    parse_funding_rate,
    parse_klines,
    parse_metrics,
)
from liqlib.data.sources.binance.rest import (
    DEFAULT_REST_URL,
    LONG_SHORT_ENDPOINTS,
    REST_URL_ENV,
    STAT_PERIODS,
    fetch_rest_funding_rate,
    fetch_rest_klines,
    fetch_rest_long_short_ratio,
    fetch_rest_metrics,
    fetch_rest_open_interest,
    fetch_rest_taker_ratio,
    fetch_symbols,
    rest_base_url,
)
from liqlib.data.sources.binance.symbols import (
    _normalise_symbol,
    known_symbols,
    listing_date,
    parse_exchange_info,
    register_symbol,
    validate_symbol,
)
from liqlib.data.sources.csvtable import (
    _REFETCH,
    EARLIEST,
    LATEST_AHEAD,
    _as_bytes,
    _one_line,
    epoch_to_utc,
    find_gaps,
)
from liqlib.errors import ChecksumError, CorruptDataError, DataNotFoundError, InputError

__all__ = [
    # this module: constants, archive kinds, URLs and the download
    "ARCHIVE_URL_ENV",
    "DEFAULT_ARCHIVE_URL",
    "KINDS",
    "KLINE_INTERVALS",
    "KindSpec",
    "archive_base_url",
    "archive_period",
    "archive_url",
    "fetch_archive_file",
    "published_sha256",
    "unzip_single_csv",
    # binance_symbols
    "fetch_symbols",
    "known_symbols",
    "listing_date",
    "parse_exchange_info",
    "register_symbol",
    "validate_symbol",
    # csvtable
    "EARLIEST",
    "LATEST_AHEAD",
    "epoch_to_utc",
    "find_gaps",
    # binance_parsers
    "AGG_TRADES_RAW",
    "BOOK_DEPTH_COIN",
    "BOOK_DEPTH_COLUMNS",
    "BOOK_DEPTH_RAW",
    "BOOK_DEPTH_USD",
    "BOOK_PERCENTAGE",
    "FUNDING_RAW",
    "KLINE_RAW",
    "METRICS_RAW",
    "METRICS_STEP",
    "parse_agg_trades",
    "parse_book_depth",
    "parse_funding_rate",
    "parse_klines",
    "parse_metrics",
    # binance_rest
    "DEFAULT_REST_URL",
    "LONG_SHORT_ENDPOINTS",
    "REST_URL_ENV",
    "STAT_PERIODS",
    "fetch_rest_funding_rate",
    "fetch_rest_klines",
    "fetch_rest_long_short_ratio",
    "fetch_rest_metrics",
    "fetch_rest_open_interest",
    "fetch_rest_taker_ratio",
    "rest_base_url",
]

ARCHIVE_URL_ENV = "LIQLIB_BINANCE_ARCHIVE_URL"
DEFAULT_ARCHIVE_URL = "https://data.binance.vision"


def archive_period(kind: str, period: dt.date | str) -> tuple[str, str]:
    """The cadence and label of one archive file: ``("daily", "2025-11-04")``.

    A daily kind takes a day (``datetime.date`` or ``"YYYY-MM-DD"``) or, when monthly files
    exist for it, a month ``"YYYY-MM"``; a monthly kind takes a month or any day in it.
    """
    spec = _kind(kind)
    if isinstance(period, dt.datetime | pd.Timestamp):
        period = pd.Timestamp(period).date()
    if isinstance(period, dt.date):
        text = period.isoformat()
    elif isinstance(period, str):
        text = period.strip()
    else:
        raise InputError(
            f"period must be a date or a 'YYYY-MM-DD' / 'YYYY-MM' string, not {period!r}"
        )
    day = _iso_date(text) if _DAY.match(text) else None
    month = _iso_date(f"{text}-01") if _MONTH.match(text) else None
    if day is not None:
        return ("monthly", f"{day:%Y-%m}") if spec.cadence == "monthly" else ("daily", text)
    if month is None:
        raise InputError(f"period {period!r} is not a date: pass 'YYYY-MM-DD' (or 'YYYY-MM')")
    if spec.cadence != "monthly" and not spec.monthly_files:
        raise InputError(
            f"{kind} is published one file per day only: pass a day 'YYYY-MM-DD', not the "
            f"month {text!r}"
        )
    return "monthly", text


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def archive_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$LIQLIB_BINANCE_ARCHIVE_URL``, else the real archive (no slash)."""
    url = base_url or settings.get("binance_archive_url")
    return check_base_url(url, ARCHIVE_URL_ENV)


def archive_url(
    kind: str,
    symbol: str,
    period: dt.date | str,
    interval: str | None = None,
    base_url: str | None = None,
) -> str:
    """The URL of one archive zip.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    symbol : str
        E.g. ``"BTCUSDT"`` (any case).
    period : datetime.date or str
        The day (``"2025-11-04"``) or month (``"2025-11"``), see :func:`archive_period`.
    interval : str, optional
        Kline interval (``"1m"``, ``"5m"``...), required by the kline kinds only.
    base_url : str, optional
        Default ``$LIQLIB_BINANCE_ARCHIVE_URL`` or https://data.binance.vision, read now.

    Examples
    --------
    >>> archive_url("markPriceKlines", "BTCUSDT", "2025-11-04", "5m", "https://x")
    'https://x/data/futures/um/daily/markPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2025-11-04.zip'
    >>> archive_url("fundingRate", "BTCUSDT", "2025-11", base_url="https://x")
    'https://x/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-11.zip'
    """
    spec = _kind(kind)
    interval = _check_interval(spec, interval)
    sym = _normalise_symbol(symbol)
    cadence, label = archive_period(kind, period)
    folder = f"{kind}/{sym}/{interval}" if interval else f"{kind}/{sym}"
    name = f"{sym}-{interval or kind}-{label}.zip"
    return f"{archive_base_url(base_url)}/data/futures/um/{cadence}/{folder}/{name}"


def published_sha256(text: bytes | str, name: str = "CHECKSUM") -> str:
    """The sha256 hex of a ``.CHECKSUM`` file (``"<hex>  <file name>"``), lower-case."""
    words = _as_bytes(text).decode("utf-8", "replace").split()
    if not words or not re.fullmatch(r"[0-9a-fA-F]{64}", words[0]):
        raise ChecksumError(
            f"{name} is not a sha256 checksum file ({_as_bytes(text)[:80]!r}): retry later "
            "(load_market always verifies), or read the file unchecked with "
            "liqlib.data.sources.binance.archive.fetch_archive_file(..., verify=False)"
        )
    return words[0].lower()


#: Largest CSV accepted inside an archive zip (MB, 10**6 bytes); ``$LIQLIB_MAX_UNZIPPED_MB``.
DEFAULT_MAX_UNZIPPED_MB = 4096.0
MAX_UNZIPPED_ENV = "LIQLIB_MAX_UNZIPPED_MB"
#: Largest uncompressed/compressed size ratio accepted. Real archive CSVs deflate 3-6x; a
#: zip bomb reaches ~1000x. ``$LIQLIB_MAX_ZIP_RATIO`` overrides it.
DEFAULT_MAX_ZIP_RATIO = 100.0
MAX_ZIP_RATIO_ENV = "LIQLIB_MAX_ZIP_RATIO"


def _zip_limits() -> tuple[int, float]:
    values = []
    for name in ("max_unzipped_mb", "max_zip_ratio"):
        env, default = settings.SETTINGS[name].env, settings.SETTINGS[name].default
        value = settings.get(name)
        text = settings.raw(name)
        if not (value > 0 and value != float("inf")):
            raise InputError(
                f"{env}={text!r} is not a number > 0: unset it or set e.g. {default:g}"
            )
        values.append(value)
    return int(values[0] * 1e6), values[1]


def unzip_single_csv(blob: bytes, name: str) -> tuple[bytes, str]:
    """The one CSV inside an archive zip and its member name.

    The archive puts exactly one member in each zip, named like the zip (``X.zip`` holds
    ``X.csv``). Anything else is refused rather than guessed at: a second member could be a
    decoy, and reading "the first CSV" would cache it as the real file.

    Sizes are checked from the zip's directory **before** anything is decompressed: a member
    larger than ``$LIQLIB_MAX_UNZIPPED_MB`` (4096) or compressed more than
    ``$LIQLIB_MAX_ZIP_RATIO`` (100) times is refused (zip bombs). ``zipfile`` never inflates
    past the declared size (a lying header fails its CRC), so the check also bounds memory.

    Raises
    ------
    CorruptDataError
        Not a zip, a damaged member (CRC error), no member, several members, a member not
        named as the archive names it, an encrypted member, or a member too large.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]  # a path or URL names the zip too
    expected = base[:-4] + ".csv" if base.lower().endswith(".zip") else None
    limit, max_ratio = _zip_limits()
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            members = zf.infolist()
            if not members:
                raise CorruptDataError(f"{name} holds no file: {_REFETCH}")
            shown = ", ".join(m.filename for m in members[:4]) + (
                f" and {len(members) - 4} more" if len(members) > 4 else ""
            )
            if len(members) != 1:
                raise CorruptDataError(
                    f"{name} holds {len(members)} members ({shown}), not exactly one "
                    f"{expected or 'CSV'}: it is not the published file; delete it from the "
                    "mirror or retry later, and report it if it persists"
                )
            info = members[0]
            if expected is not None and info.filename != expected:
                raise CorruptDataError(
                    f"{name} holds {info.filename!r}, not {expected!r} as the archive names it: "
                    "it is not the published file; replace it in the mirror or report it"
                )
            if info.flag_bits & 0x1:
                raise CorruptDataError(
                    f"{name}: member {info.filename} is encrypted (password-protected); the "
                    "archive never encrypts: replace the file in the mirror or report it"
                )
            ratio = info.file_size / max(1, info.compress_size)
            if info.file_size > limit or ratio > max_ratio:
                raise CorruptDataError(
                    f"{name}: member {info.filename} would unpack to {info.file_size:,} bytes "
                    f"({ratio:,.0f}x its {info.compress_size:,} compressed bytes; limits "
                    f"{limit:,} bytes, {max_ratio:g}x): refused unopened as a likely zip bomb; "
                    f"raise {MAX_UNZIPPED_ENV} / {MAX_ZIP_RATIO_ENV} if the file is genuine"
                )
            return zf.read(info), info.filename
    except CorruptDataError:
        raise
    except (
        zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, RuntimeError,
        ValueError,
    ) as exc:  # fmt: skip
        raise CorruptDataError(
            f"{name} is not a readable zip ({_one_line(exc)}): the published file is damaged; "
            "retry later or report it to the publisher"
        ) from exc


def fetch_archive_file(
    kind: str,
    symbol: str,
    period: dt.date | str,
    interval: str | None = None,
    *,
    base_url: str | None = None,
    session: requests.Session | None = None,
    verify: bool = True,
) -> pd.DataFrame:
    """Download one archive zip, verify its sha256 and parse it (network).

    Parameters
    ----------
    kind : str
        ``"klines"``, ``"markPriceKlines"``, ``"metrics"``, ``"fundingRate"``,
        ``"aggTrades"`` or ``"bookDepth"``.
    symbol : str
        E.g. ``"BTCUSDT"``.
    period : datetime.date or str
        Day ``"YYYY-MM-DD"`` (daily kinds) or month ``"YYYY-MM"`` (fundingRate; kline and
        aggTrades monthly files).
    interval : str, optional
        Kline interval for the kline kinds.
    base_url : str, optional
        Archive root; default ``$LIQLIB_BINANCE_ARCHIVE_URL``, else the real archive.
    session : requests.Session, optional
        A shared session from :func:`liqlib.data.http.make_session`.
    verify : bool
        Check the zip against its published ``.CHECKSUM`` (default). A mismatch triggers one
        fresh download of both before giving up.

    Returns
    -------
    pandas.DataFrame
        As the kind's parser returns it (see :data:`KINDS`), with ``attrs`` ``url``,
        ``kind``, ``symbol``, ``period``, ``interval`` and ``sha256`` added.

    Raises
    ------
    DataNotFoundError
        The server has no such file (HTTP 404); ``missing`` is ``[period]``.
    ChecksumError
        The zip does not match its checksum twice in a row, or no checksum is published.
    CorruptDataError
        The zip or the CSV inside is damaged.
    DownloadError
        The network failed on every retry.

    Examples
    --------
    >>> fetch_archive_file("markPriceKlines", "BTCUSDT", "2025-11-04", "5m")  # doctest: +SKIP
    """
    spec = _kind(kind)
    sym = _normalise_symbol(symbol)
    cadence, label = archive_period(kind, period)
    if not isinstance(verify, bool | np.bool_):
        raise InputError(f"verify must be True or False, not {verify!r}")
    url = archive_url(kind, sym, label, interval, base_url)
    name = url.rsplit("/", 1)[1]
    session = make_session() if session is None else session
    what = f"{sym} {kind}{' ' + interval if interval else ''}"
    digest = ""
    for attempt in (1, 2):
        try:
            blob = download(url, session)
        except DataNotFoundError as exc:
            unit = "day" if cadence == "daily" else "month"
            raise DataNotFoundError(
                f"{what} for {label} is not on the server ({url}: HTTP 404): the archive lacks "
                f"this {unit}; choose a window it covers, or pass allow_gaps=True to load_market",
                missing=[label],
            ) from exc
        digest = hashlib.sha256(blob).hexdigest()
        if not verify:
            break
        try:
            expected = published_sha256(download(f"{url}.CHECKSUM", session), f"{name}.CHECKSUM")
        except DataNotFoundError as exc:
            raise ChecksumError(
                f"{name}.CHECKSUM is not on the server ({url}.CHECKSUM: HTTP 404): the file "
                "cannot be verified; retry later (load_market always verifies), or read it "
                "unchecked with liqlib.data.sources.binance.archive.fetch_archive_file(..., verify=False)"
            ) from exc
        if digest == expected:
            break
        if attempt == 2:
            raise ChecksumError(
                f"{name}: sha256 {digest[:16]}... does not match the published "
                f"{expected[:16]}... (twice, downloaded afresh): the file is damaged on the "
                "server or in transit; retry later, or report it if it persists"
            )
    csv_bytes, member = unzip_single_csv(blob, name)
    extra = {"symbol": sym} if kind == "metrics" else {}
    frame = spec.parser(csv_bytes, source=f"{name}:{member}", **extra)
    check_frame(frame, kind, source=f"{name}:{member}", period=label, bar=_bar(interval))
    frame.attrs.update(
        url=url, kind=kind, symbol=sym, period=label, interval=interval, sha256=digest
    )
    return frame
