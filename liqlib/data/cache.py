"""The cache's files: atomic writes that record what they hold, checked reads, quarantine,
and :func:`verify_cache`.

Every cached Parquet file carries a record in its own metadata (key ``liqlib``): the kind,
period, symbol and interval it holds, the URL and sha256 of the archive zip it came from, and
the **sha256 of its content** (index and columns, in order). The record lives inside the
file, so a file and its record are written in one atomic rename and can never disagree.
Reading a cached file checks the schema, the validation contract
(:mod:`liqlib.data.contract`) and the recorded sha256; a file that fails any check is **moved
aside** into ``<cache>/quarantine/`` (named in a warning on the ``liqlib`` logger) and
downloaded again. Nothing is deleted: a quarantined file can be inspected.

What is checked on every read is what is cheap: the schema, the record's kind, period and row
count, and the times (order, repeats, the file's period). The content sha256 and the value
rules of the contract are checked in full the first time a file is read and whenever it has
changed since: a folder's ``.verified.json`` keeps the size, modification time (ns) and inode
each file had when it last passed in full. A file whose modification time is within
:data:`RACY_S` of that check is never stamped (a later edit in the same clock tick could hide
behind an equal time), and :func:`verify_cache` always checks everything.

Files written by liqlib before records existed have none: they are still checked against
the schema and the contract, reported as ``unrecorded`` by :func:`verify_cache`, and given a
record by ``verify_cache(repair=True)``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqlib.data import columns as C
from liqlib.data.contract import check_columns, check_layout
from liqlib.errors import CacheError, CorruptDataError

log = logging.getLogger(__name__)

#: Parquet metadata key of the record.
RECORD_KEY = b"liqlib"
#: Sub-folder of the cache root holding quarantined files.
QUARANTINE = "quarantine"
#: Per-folder file of the stamps of files that passed every check (name -> size, mtime, inode).
STAMPS = ".verified.json"
#: A file modified less than this before its full check is not stamped (seconds; covers file
#: systems whose clocks tick in up to 2 s).
RACY_S = 2.0
#: A temporary file older than this is a leftover of a killed process, not a write underway.
STALE_TMP_S = 3600.0

_FIX_SPACE = (
    "free disk space, or point LIQLIB_CACHE_DIR (or cache_dir=) at a folder on a disk with room"
)
_FIX_ACCESS = "make it writable, or point LIQLIB_CACHE_DIR (or cache_dir=) at a writable folder"


def cache_os_error(exc: OSError, path: Path, doing: str) -> CacheError:
    """A one-line :class:`CacheError` for an ``OSError`` met while ``doing`` ``path``."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        fix = f"the disk is full or a file-size limit was hit; {_FIX_SPACE}"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"permission denied; {_FIX_ACCESS}"
    elif code in (errno.EISDIR, errno.ENOTDIR, errno.EEXIST):
        fix = (
            "a file or folder of yours is in the way inside the cache; move it out, or point "
            "LIQLIB_CACHE_DIR (or cache_dir=) elsewhere"
        )
    else:
        fix = _FIX_ACCESS
    reason = " ".join(str(exc.strerror or exc).split())
    return CacheError(f"cannot {doing} {path} ({reason}): {fix}")


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and prove a file can be written there, or raise
    :class:`CacheError` (probed where files go, not only at the cache root)."""
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "a file sits where a folder should be")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as exc:
        reason = " ".join(str(exc.strerror or exc).split())
        raise CacheError(
            f"cache folder {folder} is not writable ({reason}): set LIQLIB_CACHE_DIR to a "
            "writable folder or pass cache_dir=..."
        ) from exc


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through ``write(tmp_path)`` then rename it into place.

    The temporary file lives in the destination folder (same file system) so ``os.replace``
    is atomic; on any failure it is removed and the destination is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def content_sha256(frame: pd.DataFrame) -> str:
    """sha256 of a frame's content: index (as UTC ns), then each column's name, type and bytes."""
    return _digest(
        np.asarray(frame.index.as_unit("ns").asi8), {c: frame[c].to_numpy() for c in frame.columns}
    )


def _digest(ns: np.ndarray, columns: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(ns, dtype=np.int64).tobytes())
    for col, values in columns.items():
        values = np.ascontiguousarray(values)
        h.update(f"|{col}:{values.dtype.str}|".encode())
        h.update(values.tobytes() if values.dtype != object else repr(values.tolist()).encode())
    return h.hexdigest()


def save_frame(frame: pd.DataFrame, path: Path, record: dict | None = None) -> None:
    """Atomically write one frame (with its UTC index) to Parquet, with its record."""
    table = pa.Table.from_pandas(frame, preserve_index=True)
    meta = dict(table.schema.metadata or {})
    meta.pop(b"PANDAS_ATTRS", None)
    if record is not None:
        full = {**record, "content_sha256": content_sha256(frame), "rows": len(frame)}
        meta[RECORD_KEY] = json.dumps(full, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


class Unusable(Exception):
    """A cached file cannot be trusted; ``str(exc)`` says why (one line)."""


def file_stamp(path: Path) -> list[int] | None:
    """``[size, mtime_ns, inode]`` of ``path``, or None when it cannot be stat'ed."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def read_stamps(folder: Path) -> dict[str, list[int]]:
    """The stamps of ``folder`` (file name -> :func:`file_stamp`); {} when none or unreadable."""
    try:
        stamps = json.loads((folder / STAMPS).read_text())
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def write_stamps(folder: Path, stamps: dict[str, list[int]]) -> None:
    """Atomically replace ``folder``'s stamps; a cache that cannot take them still works
    (every read then checks in full), so a failure here is only logged."""
    try:
        write_atomic(folder / STAMPS, lambda tmp: tmp.write_text(json.dumps(stamps)))
    except OSError as exc:
        log.debug("cannot write %s (%s): files there are checked in full on each read",
                  folder / STAMPS, exc)  # fmt: skip


def stampable(stamp: list[int] | None, checked_at_ns: int) -> bool:
    """True when a file stat'ed as ``stamp`` before a full check at ``checked_at_ns`` (epoch
    ns) may be trusted next time on an equal stamp (not modified within :data:`RACY_S`)."""
    return stamp is not None and stamp[1] < checked_at_ns - int(RACY_S * 1e9)


def read_cached(
    path: Path, kind: str, period: str, bar: pd.Timedelta | None, *, full: bool = True
) -> tuple[pa.Table, dict | None]:
    """Read one cached file and check it; returns its table (``time`` as UTC ns, then the
    kind's columns, no metadata) and its record (None if it has none).

    Checked on Arrow arrays, without building a pandas frame per file. Raises
    :class:`Unusable` naming the problem.

    Parameters
    ----------
    path : pathlib.Path
        The cached Parquet file.
    kind, period : str
        What it must hold: archive kind and ``YYYY-MM-DD`` / ``YYYY-MM``.
    bar : pandas.Timedelta or None
        Bar length of kline kinds (a long bar may open before the period).
    full : bool
        True: every check, the content sha256 and the contract's value rules included. False
        (a file unchanged since it last passed in full): the schema, the record's kind,
        period and row count, and the times only.
    """
    try:
        table = pq.ParquetFile(path, memory_map=True).read(use_threads=False)
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError) as exc:
        raise Unusable(f"unreadable as Parquet: {_one_line(exc)}") from None
    names = [n for n in table.column_names if n != C.TIME]
    if C.TIME not in table.column_names:
        raise Unusable(f"has no {C.TIME!r} column (columns {', '.join(names[:6])})")
    times = table.column(C.TIME)
    if not pa.types.is_timestamp(times.type) or times.type.tz not in ("UTC", "+00:00", "Etc/UTC"):
        raise Unusable(f"its {C.TIME!r} column is {times.type}, not UTC timestamps")
    try:
        dtypes = [table.schema.field(n).type.to_pandas_dtype() for n in names]
        check_layout(names, dtypes, kind, source=path.name, fix="cached copy")
        ns = np.asarray(times.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()).fill_null(
            np.iinfo(np.int64).min))  # fmt: skip
        # the cheap checks read the times only (funding also its whole-hour interval)
        wanted = names if full or kind == "fundingRate" else []
        columns = {n: table.column(n).to_numpy() for n in wanted}
        check_columns(
            columns, ns, kind, source=path.name, period=period, bar=bar, fix="cached copy",
            values=full,
        )  # fmt: skip
    except CorruptDataError as exc:
        raise Unusable(str(exc).removesuffix("; cached copy")) from None
    except (pa.ArrowException, ValueError, TypeError, NotImplementedError) as exc:
        raise Unusable(f"unreadable values: {_one_line(exc)}") from None
    clean = pa.table(
        {
            C.TIME: pa.array(ns, pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
            **{n: table.column(n).combine_chunks() for n in names},
        }  # fmt: skip
    )
    raw = (table.schema.metadata or {}).get(RECORD_KEY)
    if raw is None:
        return clean, None
    try:
        record = json.loads(raw)
        recorded = record["content_sha256"]
    except (ValueError, KeyError, TypeError):
        raise Unusable("its liqlib record is unreadable") from None
    if record.get("kind") not in (None, kind) or record.get("period") not in (None, period):
        raise Unusable(
            f"it records {record.get('kind')} {record.get('period')}, not {kind} {period}"
        )
    if record.get("rows") not in (None, len(ns)):
        raise Unusable(f"it holds {len(ns)} rows, its record {record.get('rows')}")
    if not full:
        return clean, record
    actual = _digest(ns, columns)
    if actual != recorded:
        raise Unusable(
            f"content sha256 {actual[:12]}... does not match the recorded {recorded[:12]}..."
        )
    return clean, record


def tables_to_frame(tables: list[pa.Table]) -> pd.DataFrame:
    """Cached tables of one kind (from :func:`read_cached`) as one frame indexed by time."""
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    frame = table.to_pandas().set_index(C.TIME)
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
    return frame


def quarantine(path: Path, root: Path, reason: str) -> Path:
    """Move ``path`` (a file or a folder in the way) aside under ``<root>/quarantine/``."""
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(path.name)
    target = root / QUARANTINE / rel.parent / f"{rel.name}.{stamp}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    except FileNotFoundError:  # another process moved or replaced it first
        return target
    except OSError as exc:
        raise cache_os_error(exc, path, "move aside the unusable cached file") from exc
    log.warning(
        "cached file %s is unusable (%s): moved to %s and fetched again", path, reason, target
    )
    return target


def is_stale_tmp(path: Path, now: float | None = None) -> bool:
    """True for a liqlib temporary file older than :data:`STALE_TMP_S` (a killed write)."""
    if not (path.name.startswith(".") and path.name.endswith((".tmp",))):
        return False
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    return age > STALE_TMP_S


_FOLDER = re.compile(r"^(?P<kind>[A-Za-z]+)(?:-(?P<interval>\w+))?$")


def parse_folder(name: str) -> tuple[str, str | None] | None:
    """``"klines-1m"`` -> ``("klines", "1m")``; ``"metrics"`` -> ``("metrics", None)``."""
    m = _FOLDER.match(name)
    return (m["kind"], m["interval"]) if m else None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
