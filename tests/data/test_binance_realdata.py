"""The archive client and parsers on real Binance files held offline in ``../shared/data``.

Skipped (with the reason) when that folder is absent. The mirror is served over loopback
HTTP and read through :func:`fetch_archive_file`, exactly as a user's local mirror would be.
Expected values are read independently from the same files with ``zipfile`` + ``csv`` here,
never hard-coded in the library.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from archive_server import ArchiveServer

from liqlib.data import columns as C
from liqlib.data.http import make_session
from liqlib.data.sources.binance import archive as B
from liqlib.errors import CorruptDataError, DataNotFoundError

pytestmark = pytest.mark.realdata

FIRST, LAST = dt.date(2025, 10, 1), dt.date(2025, 12, 30)
GAP_DAY = "2025-10-04"
MARK_DIR = "data/futures/um/daily/markPriceKlines/BTCUSDT/5m"


@pytest.fixture(scope="module")
def mirror(shared_data: Path):
    root = shared_data / "mirror"
    if not (root / MARK_DIR).is_dir():
        pytest.skip(f"no Binance mirror at {root}")
    with ArchiveServer(root) as server:
        yield server


def read_zip_rows(path: Path) -> list[dict[str, str]]:
    """The CSV rows of an archive zip, read without liqlib."""
    with zipfile.ZipFile(path) as zf:
        text = zf.read(zf.namelist()[0]).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def mark_days(mirror: ArchiveServer) -> dict[str, pd.DataFrame | DataNotFoundError]:
    """Every day 2025-10-01..2025-12-30 of BTCUSDT 5m mark-price klines, via HTTP."""
    session = make_session(retries=1, backoff=0)
    out: dict[str, pd.DataFrame | DataNotFoundError] = {}
    day = FIRST
    while day <= LAST:
        try:
            out[day.isoformat()] = B.fetch_archive_file(
                "markPriceKlines", "BTCUSDT", day, "5m", base_url=mirror.url, session=session
            )
        except DataNotFoundError as exc:
            out[day.isoformat()] = exc
        day += dt.timedelta(days=1)
    return out


def test_every_mirrored_day_loads_and_the_gap_day_is_reported(mark_days):
    missing = {d: v for d, v in mark_days.items() if isinstance(v, DataNotFoundError)}
    assert list(missing) == [GAP_DAY]
    assert missing[GAP_DAY].missing == [GAP_DAY]
    assert GAP_DAY in str(missing[GAP_DAY]) and "\n" not in str(missing[GAP_DAY])
    for day, frame in mark_days.items():
        if day == GAP_DAY:
            continue
        assert len(frame) == 288, day
        expected = pd.date_range(day, periods=288, freq="5min", tz="UTC").as_unit("ns")
        pd.testing.assert_index_equal(frame.index, expected.rename(C.TIME), check_freq=False)
        assert frame.attrs["gaps"] == [] and frame.attrs["duplicates"] == 0
        assert (frame[C.LOW] <= frame[[C.OPEN, C.CLOSE]].min(axis=1)).all()
        assert (frame[C.HIGH] >= frame[[C.OPEN, C.CLOSE]].max(axis=1)).all()
        assert (frame[C.VOLUME] == 0).all()  # mark-price klines carry no volume


def test_checksums_were_verified_over_http(mirror, mark_days):
    zips = [p for p in mirror.requests if p.endswith(".zip")]
    sums = [p for p in mirror.requests if p.endswith(".zip.CHECKSUM")]
    assert len(zips) == len(mark_days) and len(sums) == len(mark_days) - 1  # none for a 404
    frame = mark_days["2025-11-04"]
    published = (mirror.root / MARK_DIR / "BTCUSDT-5m-2025-11-04.zip.CHECKSUM").read_text()
    assert frame.attrs["sha256"] == published.split()[0]


def test_2025_11_04_low_matches_an_independent_read(mark_days, shared_data):
    frame = mark_days["2025-11-04"]
    rows = read_zip_rows(shared_data / "mirror" / MARK_DIR / "BTCUSDT-5m-2025-11-04.zip")
    lows = np.array([float(r["low"]) for r in rows])
    when = pd.Timestamp(int(rows[int(lows.argmin())]["open_time"]), unit="ms", tz="UTC")
    assert frame[C.LOW].min() == lows.min()
    assert frame[C.LOW].idxmin() == when
    assert frame[C.LOW].idxmin().strftime("%H:%M") == "21:35"


def test_monthly_funding_via_http(mirror, shared_data):
    for month, settlements in (("2025-10", 93), ("2025-11", 90), ("2025-12", 93)):
        df = B.fetch_archive_file("fundingRate", "BTCUSDT", month, base_url=mirror.url)
        assert tuple(df.columns) == C.FUNDING_COLUMNS
        assert len(df) == settlements
        assert (df.index.minute == 0).all() and (df.index.second == 0).all()
        assert set(np.diff(df.index.asi8) // 3_600_000_000_000) == {8}
        assert (df[C.FUNDING_INTERVAL_HOURS] == 8).all()
        name = f"BTCUSDT-fundingRate-{month}.zip"
        rows = read_zip_rows(
            shared_data / "mirror/data/futures/um/monthly/fundingRate/BTCUSDT" / name
        )
        np.testing.assert_array_equal(
            df[C.FUNDING_RATE].to_numpy(), [float(r["last_funding_rate"]) for r in rows]
        )


def test_real_1m_trade_kline_slices(shared_data):
    paths = sorted((shared_data / "raw" / "isda").glob("*.csv"))
    if not paths:
        pytest.skip("no 1m kline slices in raw/isda")
    for path in paths:
        df = B.parse_klines(path.read_bytes(), source=path.name)
        assert len(df) > 100, path.name
        assert set(np.diff(df.index.asi8)) == {60 * 10**9}, path.name  # contiguous 60 s steps
        assert df.attrs["gaps"] == [] and df.attrs["time_unit"] == "ms"
        assert (df[C.LOW] <= df[[C.OPEN, C.CLOSE]].min(axis=1)).all()
        assert (df[[C.OPEN, C.CLOSE]].max(axis=1) <= df[C.HIGH]).all()
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        assert len(rows) == len(df)
        assert df[C.TRADES].sum() == sum(int(r["count"]) for r in rows)


def test_btc_1m_low_of_2025_11_04_in_the_real_slice(shared_data):
    name = "BTCUSDT-1m-2025-11__extract_2025-11-04T1833-2300.csv"
    path = shared_data / "raw" / "isda" / name
    df = B.parse_klines(path.read_bytes(), source=name)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    lows = [float(r["low"]) for r in rows]
    assert df[C.LOW].min() == min(lows)
    assert df[C.LOW].idxmin().strftime("%H:%M") == "21:35"


def test_real_book_depth_with_an_edited_column_and_a_stray_space(shared_data):
    path = shared_data / "raw/TheGlory/timeline/BTCUSDT-bookDepth-2025-10-10.csv"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    df = B.parse_book_depth(path.read_bytes(), source=path.name)
    assert df.attrs["ignored_columns"] == ["weighted_avg_price"]  # documented recovery
    assert len(df) == 28_790
    assert df.index.min() == pd.Timestamp("2025-10-10 00:00:07", tz="UTC")
    assert df.index.max() == pd.Timestamp("2025-10-10 23:59:30", tz="UTC")
    assert df.index.is_monotonic_increasing and df.attrs["duplicates"] == 0
    # the line with the leading space is read, not dropped
    stray = df.loc["2025-10-10 21:34:32"]
    assert sorted(stray[B.BOOK_PERCENTAGE].tolist()) == [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]
    assert stray.loc[stray[B.BOOK_PERCENTAGE] == -4, B.BOOK_DEPTH_COIN].item() == 17.654


def test_real_book_depth_damage_beyond_recovery_names_the_line(shared_data):
    path = shared_data / "raw/TheGlory/timeline/BTCUSDT-bookDepth-2025-10-10.csv"
    lines = path.read_text().splitlines()
    lines[25_882] = lines[25_882].replace("2025-10-10", "2025-1O-10")
    with pytest.raises(CorruptDataError) as exc:
        B.parse_book_depth("\n".join(lines), source=path.name)
    assert f"{path.name} line 25883: timestamp=" in str(exc.value)
