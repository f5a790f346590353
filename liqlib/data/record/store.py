"""The recorder's Parquet store: append small files atomically, de-duplicate, record gaps.

Layout under the output folder ``DIR`` (hive-style partitions, one small file per flush)::

    DIR/events/venue=binance/symbol=BTCUSDT/date=2026-04-03/part-<first ms>-<uid>.parquet
    DIR/gaps/venue=binance/symbol=BTCUSDT/date=2026-04-03/gap-<start ms>-<uid>.parquet
    DIR/runs/venue=binance/symbol=BTCUSDT/date=2026-04-03/run-<start ms>-<uid>.parquet

Every file is written to a hidden ``.tmp`` file in the same folder, fsync'ed, then renamed
(``os.replace`` is atomic on one file system): a reader never sees half a file, and a process
killed mid-write leaves at most a hidden ``.tmp`` file, which readers ignore and the next
recorder removes. ``date`` is the UTC day of the venue's trade time.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import OrderedDict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from liqlib.data.record.events import EVENT_FIELDS

log = logging.getLogger("liqlib.record")

EVENT_SCHEMA = pa.schema(
    [
        ("time_ms", pa.int64()),
        ("venue", pa.string()),
        ("symbol", pa.string()),
        ("side", pa.string()),
        ("price", pa.float64()),
        ("qty", pa.float64()),
        ("usd", pa.float64()),
        ("raw_side", pa.string()),
        ("event_id", pa.string()),
        ("recv_ms", pa.int64()),
    ]
)
assert tuple(EVENT_SCHEMA.names) == EVENT_FIELDS

GAP_SCHEMA = pa.schema(
    [
        ("venue", pa.string()),
        ("symbol", pa.string()),
        ("start_ms", pa.int64()),
        ("end_ms", pa.int64()),
        ("reason", pa.string()),
    ]
)

DAY_MS = 86_400_000


def utc_date(ms: int) -> str:
    """``YYYY-MM-DD`` of a time in ms since the epoch (UTC)."""
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d")


def partition(root: Path, kind: str, venue: str, symbol: str, date: str) -> Path:
    """The folder of one venue / symbol / UTC day."""
    return root / kind / f"venue={venue}" / f"symbol={symbol}" / f"date={date}"


def write_atomic(table: pa.Table, folder: Path, name: str) -> Path:
    """Write ``table`` to ``folder/name`` so that the file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def remove_stale_tmp(root: Path) -> int:
    """Delete the hidden ``.tmp`` files a killed recorder left; returns how many."""
    n = 0
    for kind in ("events", "gaps", "runs"):
        for tmp in (root / kind).glob("venue=*/symbol=*/date=*/.*.tmp"):
            tmp.unlink(missing_ok=True)
            n += 1
    return n


class EventSink:
    """Buffers events in memory and appends them to the store in small atomic files.

    Memory is bounded: the buffer is flushed when it holds ``max_buffer`` events, and the
    de-duplication memory keeps the ``dedup_size`` most recent event ids (an event replayed
    after a reconnect is seconds old, far inside that window).

    Parameters
    ----------
    root : Path
        The output folder ``DIR``.
    max_buffer : int
        Events held before a flush is forced.
    dedup_size : int
        Event ids remembered for de-duplication.
    """

    def __init__(self, root: Path, max_buffer: int = 5000, dedup_size: int = 200_000):
        self.root = Path(root)
        self.max_buffer = max_buffer
        self.dedup_size = dedup_size
        self._buffer: list[dict] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.written = 0
        self.duplicates = 0
        self.files = 0
        removed = remove_stale_tmp(self.root)
        if removed:
            log.warning("removed %d unfinished temporary file(s) under %s", removed, self.root)

    def remember_existing(self, venues, symbols, now_ms: int) -> int:
        """Load the ids of events already stored today and yesterday (a restarted recorder
        must not store again what a venue replays); returns how many."""
        dates = (utc_date(now_ms - DAY_MS), utc_date(now_ms))
        return self.remember_partitions([(v, s, d) for v in venues for s in symbols for d in dates])

    def remember_partitions(self, keys) -> int:
        """Load the ids of events stored under each (venue, symbol, date); returns how many."""
        n = 0
        for venue, symbol, date in keys:
            folder = partition(self.root, "events", venue, symbol, date)
            for f in sorted(folder.glob("part-*.parquet")):
                for eid in pq.read_table(f, columns=["event_id"]).column(0).to_pylist():
                    self._remember(eid)
                    n += 1
        return n

    def _remember(self, event_id: str) -> None:
        self._seen[event_id] = None
        if len(self._seen) > self.dedup_size:
            self._seen.popitem(last=False)

    def add(self, event: dict) -> bool:
        """Queue one event; False (and nothing queued) when it was seen before."""
        eid = event["event_id"]
        if eid in self._seen:
            self.duplicates += 1
            return False
        self._remember(eid)
        self._buffer.append(event)
        if len(self._buffer) >= self.max_buffer:
            self.flush()
        return True

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def flush(self) -> int:
        """Write the buffered events, one file per venue / symbol / day; returns how many."""
        if not self._buffer:
            return 0
        groups: dict[tuple[str, str, str], list[dict]] = {}
        for ev in self._buffer:
            key = (ev["venue"], ev["symbol"], utc_date(ev["time_ms"]))
            groups.setdefault(key, []).append(ev)
        n = 0
        for (venue, symbol, date), rows in groups.items():
            rows.sort(key=lambda r: r["time_ms"])
            table = pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)
            name = f"part-{rows[0]['time_ms']}-{uuid.uuid4().hex[:8]}.parquet"
            write_atomic(table, partition(self.root, "events", venue, symbol, date), name)
            n += len(rows)
            self.files += 1
        self._buffer.clear()
        self.written += n
        return n

    def add_run(self, venue: str, symbols, start_ms: int, end_ms: int) -> None:
        """Store that ``venue`` was being recorded from ``start_ms`` to ``end_ms`` (written when
        a recorder stops cleanly: a killed run leaves no record, so its hours count as not
        covered)."""
        for symbol in symbols:
            row = {"venue": venue, "symbol": symbol, "start_ms": int(start_ms),
                   "end_ms": int(end_ms), "reason": "recorded"}  # fmt: skip
            table = pa.Table.from_pylist([row], schema=GAP_SCHEMA)
            name = f"run-{int(start_ms)}-{uuid.uuid4().hex[:8]}.parquet"
            write_atomic(
                table, partition(self.root, "runs", venue, symbol, utc_date(start_ms)), name
            )

    def add_gap(self, venue: str, symbols, start_ms: int, end_ms: int, reason: str) -> None:
        """Store, at once, that ``venue`` was not recorded from ``start_ms`` to ``end_ms``."""
        for symbol in symbols:
            row = {
                "venue": venue,
                "symbol": symbol,
                "start_ms": int(start_ms),
                "end_ms": int(end_ms),
                "reason": reason[:200],
            }
            table = pa.Table.from_pylist([row], schema=GAP_SCHEMA)
            name = f"gap-{int(start_ms)}-{uuid.uuid4().hex[:8]}.parquet"
            write_atomic(
                table, partition(self.root, "gaps", venue, symbol, utc_date(start_ms)), name
            )
