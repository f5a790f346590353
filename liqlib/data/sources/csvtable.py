"""CSV reading shared by the parsers of every venue: reading a CSV into typed columns with
the line of each bad value in the error, epoch and text time parsing with a plausibility
check, value and price checks, sorting and de-duplication by time, and gap finding.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.data.contract import ohlc_disorder
from liqlib.errors import CorruptDataError, InputError

#: Timestamps outside [EARLIEST, now + LATEST_AHEAD] are damage, not data.
EARLIEST = pd.Timestamp("2017-01-01", tz="UTC")
LATEST_AHEAD = pd.Timedelta(days=366)

_REFETCH = (
    "the file is damaged at the source and nothing of it was cached: retry later, use another "
    "mirror, or report the file to its publisher"
)


@dataclass(frozen=True)
class _Layout:
    """What one archive CSV holds: column names in file order and the type of each used one."""

    names: tuple[str, ...]
    ints: tuple[str, ...] = ()
    floats: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    @property
    def used(self) -> tuple[str, ...]:
        wanted = set(self.ints + self.floats + self.bools + self.texts)
        return tuple(n for n in self.names if n in wanted)

    def dtypes(self) -> dict[str, str]:
        out = {c: "int64" for c in self.ints}
        out.update({c: "float64" for c in self.floats})
        out.update({c: "bool" for c in self.bools})
        out.update({c: "str" for c in self.texts})
        return out


@dataclass(frozen=True)
class _Table:
    """A CSV read into typed columns, plus what is needed to name a bad line."""

    frame: pd.DataFrame
    source: str
    first_line: int  # file line of row 0 (2 with a header row, else 1)
    ignored: tuple[str, ...] = field(default=())

    def line(self, row: int) -> int:
        return int(row) + self.first_line


_TRUE = ["true", "True", "TRUE"]
_FALSE = ["false", "False", "FALSE"]


def _as_bytes(raw: bytes | str) -> bytes:
    if isinstance(raw, str):
        return raw.encode("utf-8")
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise InputError(f"parse_* takes the bytes or text of a CSV file, not {type(raw).__name__}")


def _read_table(raw: bytes | str, layout: _Layout, source: str) -> _Table:
    """Read an archive CSV (header row optional) into the typed columns ``layout.used``."""
    data = _as_bytes(raw).lstrip(b"\xef\xbb\xbf")  # a UTF-8 BOM is not part of the header
    if not data.strip():
        raise CorruptDataError(f"{source} is empty: {_REFETCH}")
    first = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    fields = [f.strip().lower() for f in first.split(",")]
    header = fields[0] == layout.names[0] or bool(set(fields) & set(layout.names[1:]))
    if header:
        names = [f or f"unnamed_{i}" for i, f in enumerate(fields)]
        missing = [n for n in layout.used if n not in names]
        if missing:
            raise CorruptDataError(
                f"{source} header lacks {', '.join(missing)} (has {first[:120]!r}): not the "
                f"Binance archive file expected here (check the kind); {_REFETCH}"
            )
    else:
        if len(fields) < len(layout.used) or len(fields) < layout.names.index(layout.used[-1]) + 1:
            raise CorruptDataError(
                f"{source} line 1 has {len(fields)} columns, expected {len(layout.names)} "
                f"({','.join(layout.names)}): {_REFETCH}"
            )
        names = list(layout.names[: len(fields)]) + [
            f"extra_{i}" for i in range(len(fields) - len(layout.names))
        ]
    ignored = tuple(n for n in names if n not in layout.names)  # columns beyond the layout
    kwargs = dict(
        header=0 if header else None,
        names=names,  # no usecols: with it pandas would silently drop extra fields in a row
        skip_blank_lines=True,
        skipinitialspace=True,
        true_values=_TRUE,
        false_values=_FALSE,
        engine="c",
    )
    first_line = 2 if header else 1
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=layout.dtypes(), **kwargs)
    except pd.errors.ParserError as exc:
        detail = _one_line(exc).replace("Error tokenizing data. C error: ", "")
        raise CorruptDataError(f"{source}: {detail}; {_REFETCH}") from exc
    except (ValueError, TypeError, OverflowError) as exc:
        _diagnose(data, layout, kwargs, source, first_line)  # raises with the line
        raise CorruptDataError(f"{source}: {_one_line(exc)}; {_REFETCH}") from exc
    if frame.empty:
        raise CorruptDataError(f"{source} has a header but no rows: {_REFETCH}")
    return _Table(frame, source, first_line, ignored)


def _diagnose(data: bytes, layout: _Layout, kwargs: dict, source: str, first_line: int) -> None:
    """Find the first value that is not of its column's type and raise naming its line."""
    try:
        text = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, **kwargs
        )
    except (ValueError, TypeError):  # not even readable as text: the caller reports it
        return
    for col in layout.ints + layout.floats + layout.bools:
        values = text[col].str.strip()
        if col in layout.ints:
            bad, want = ~values.str.fullmatch(r"[+-]?\d+"), "an integer"
        elif col in layout.floats:
            number = pd.to_numeric(values, errors="coerce").notna()
            bad, want = ~(number | values.str.lower().isin(["", "nan"])), "a number"
        else:
            bad, want = ~values.str.lower().isin(["true", "false"]), "true/false"
        rows = np.flatnonzero(bad.to_numpy())
        if rows.size:
            row = int(rows[0])
            raise CorruptDataError(
                f"{source} line {row + first_line}: {col}={values.iloc[row]!r} is not {want}"
                f"{_more(rows.size)}; {_REFETCH}"
            )


def _more(n: int) -> str:
    return f" ({n - 1} more such lines)" if n > 1 else ""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def epoch_to_utc(values: np.ndarray | Sequence[int]) -> tuple[pd.DatetimeIndex, str]:
    """Epoch integers of any unit to UTC times, deciding the unit of each value on its own.

    The unit follows from the magnitude: < 1e11 seconds, < 1e14 milliseconds, < 1e17
    microseconds, else nanoseconds (each boundary is past the year 5000 in the smaller unit).

    Parameters
    ----------
    values : array of int
        Epoch timestamps.

    Returns
    -------
    index : pandas.DatetimeIndex
        UTC, nanosecond resolution (not range-checked: see :func:`_checked_times`).
    unit : str
        ``"s"``, ``"ms"``, ``"us"``, ``"ns"``, or ``"mixed"`` when the file mixes units.

    Examples
    --------
    >>> epoch_to_utc([1762214400000, 1762214700000000])[1]
    'mixed'
    """
    v = np.asarray(values, dtype=np.int64)
    code = np.searchsorted(np.array([10**11, 10**14, 10**17]), np.abs(v), side="right")
    factor = np.array([10**9, 10**6, 10**3, 1], dtype=np.int64)[code]
    safe = np.abs(v) < np.iinfo(np.int64).max // factor
    ns = np.where(safe, v * np.where(safe, factor, 1), np.iinfo(np.int64).min)
    units = np.unique(code)
    unit = ("s", "ms", "us", "ns")[units[0]] if units.size == 1 else "mixed"
    index = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC")
    return index, unit


def _checked_times(index: pd.DatetimeIndex, raw_values, table: _Table, col: str) -> None:
    """Raise naming the first line whose time is missing or outside 2017 .. now + 1 year."""
    latest = pd.Timestamp.now(tz="UTC") + LATEST_AHEAD
    bad = np.asarray(index.isna() | (index < EARLIEST) | (index > latest))
    rows = np.flatnonzero(bad)
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: {col}={_raw_at(raw_values, row)!r} is not a "
            f"plausible UTC time (expected {EARLIEST:%Y}..now){_more(rows.size)}; {_REFETCH}"
        )


def _raw_at(values, row: int):
    value = values.iloc[row] if isinstance(values, pd.Series) else np.asarray(values)[row]
    return value.item() if isinstance(value, np.generic) else value


def _text_times(values: pd.Series, table: _Table, col: str) -> tuple[pd.DatetimeIndex, str]:
    """Times written as text (``2025-11-04 00:05:00``) or as epoch numbers, to UTC."""
    text = values.astype(str).str.strip()
    if text.str.fullmatch(r"[+-]?\d+").all():
        try:
            epochs = text.astype("int64").to_numpy()
        except (OverflowError, ValueError):  # error path only: find the first offending line
            row = next(i for i, v in enumerate(text) if abs(int(v)) > np.iinfo(np.int64).max)
            raise CorruptDataError(
                f"{table.source} line {table.line(row)}: {col}={values.iloc[row]!r} is not a "
                f"time (epoch number out of range); {_REFETCH}"
            ) from None
        index, unit = epoch_to_utc(epochs)
        _checked_times(index, text, table, col)
        return index, unit
    parsed = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce", utc=True)
    retry = parsed.isna() & (text != "")
    if retry.any():  # ISO variants: a 'T', fractional seconds, an explicit offset
        parsed[retry] = pd.to_datetime(text[retry], format="ISO8601", errors="coerce", utc=True)
    index = pd.DatetimeIndex(parsed).as_unit("ns")
    rows = np.flatnonzero(np.asarray(index.isna()))
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: {col}={values.iloc[row]!r} is not a time "
            f"(expected 'YYYY-MM-DD HH:MM:SS' UTC){_more(rows.size)}; {_REFETCH}"
        )
    _checked_times(index, values, table, col)
    return index, "text"


def _require_values(frame: pd.DataFrame, cols: Sequence[str], table: _Table, what: str) -> None:
    """Raise naming the first line where one of ``cols`` is NaN."""
    missing = frame[list(cols)].isna().to_numpy()
    rows = np.flatnonzero(missing.any(axis=1))
    if rows.size:
        row = int(rows[0])
        col = list(cols)[int(np.argmax(missing[row]))]
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: {col} is empty or NaN ({what} must be "
            f"present){_more(rows.size)}; {_REFETCH}"
        )


def _require_prices(frame: pd.DataFrame, table: _Table, cols: Sequence[str]) -> None:
    """Prices are present, positive, and high >= low."""
    _require_values(frame, cols, table, "prices")
    values = frame[list(cols)].to_numpy()
    rows = np.flatnonzero((values <= 0).any(axis=1))
    if rows.size:
        row = int(rows[0])
        raise CorruptDataError(
            f"{table.source} line {table.line(row)}: a price is <= 0 "
            f"({dict(zip(cols, values[row].tolist(), strict=True))}){_more(rows.size)}; "
            f"{_REFETCH}"
        )
    if C.HIGH in frame and C.LOW in frame:
        rows = np.flatnonzero(ohlc_disorder(None, frame[C.HIGH], frame[C.LOW], None))
        if rows.size:
            row = int(rows[0])
            raise CorruptDataError(
                f"{table.source} line {table.line(row)}: high {frame[C.HIGH].iloc[row]} < low "
                f"{frame[C.LOW].iloc[row]}{_more(rows.size)}; {_REFETCH}"
            )


def _tidy(frame: pd.DataFrame, *, unique: bool = True) -> pd.DataFrame:
    """Sort by time (stable) and, when ``unique``, keep the last row of each timestamp."""
    unsorted = not frame.index.is_monotonic_increasing
    if unsorted:
        frame = frame.sort_index(kind="stable")
    dropped = 0
    if unique:
        dup = frame.index.duplicated(keep="last")
        dropped = int(dup.sum())
        if dropped:
            frame = frame[~dup]
    frame.attrs.update(unsorted=bool(unsorted), duplicates=dropped)
    return frame


def find_gaps(index: pd.DatetimeIndex, step: pd.Timedelta) -> tuple[list[list[str]], int]:
    """Missing slots of a regular series between its first and last stamp.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Sorted, unique times.
    step : pandas.Timedelta
        The expected spacing (e.g. 5 minutes for metrics).

    Returns
    -------
    gaps : list of [str, str]
        ``[first_missing, last_missing]`` ISO times of each run of missing slots.
    missing_slots : int
        Number of missing slots in all.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2025-11-04 00:00", "2025-11-04 00:15"], tz="UTC")
    >>> find_gaps(idx, pd.Timedelta("5min"))
    ([['2025-11-04T00:05:00+00:00', '2025-11-04T00:10:00+00:00']], 2)
    """
    if len(index) < 2:
        return [], 0
    index = pd.DatetimeIndex(index).as_unit("ns")
    step_ns = int(pd.Timedelta(step).value)
    diffs = np.diff(index.asi8)
    # a slot is missing when the distance to the next stamp exceeds 1.5 steps
    where = np.flatnonzero(diffs > step_ns * 3 // 2)
    gaps, missing = [], 0
    for i in where:  # one Python iteration per gap, not per row
        n = int(round(diffs[i] / step_ns)) - 1
        first = index[i] + pd.Timedelta(step_ns, "ns")
        last = index[i + 1] - pd.Timedelta(step_ns, "ns")
        gaps.append([first.isoformat(), max(first, last).isoformat()])
        missing += max(n, 1)
    return gaps, missing
