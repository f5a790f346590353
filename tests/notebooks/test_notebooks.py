"""Every notebook runs headless with papermill against a loopback mirror and records its figures."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from archive_server import build_synthetic_archive, serve_archive

from liqlib.data import columns as C
from liqlib.report.run import read_records, run_notebook, to_html

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SHARED_MIRROR = ROOT.parent / "shared" / "data" / "mirror"
MARK_5M = "data/futures/um/daily/markPriceKlines/BTCUSDT/5m"

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def _mark_lows(mirror: Path, days: list[str]) -> pd.Series:
    """Independent read of the mirror's mark-price lows (zipfile + csv, no liqlib)."""
    lows = {}
    for day in days:
        path = mirror / MARK_5M / f"BTCUSDT-5m-{day}.zip"
        if not path.exists():
            continue
        with zipfile.ZipFile(path) as zf:
            text = zf.read(zf.namelist()[0]).decode()
        for row in csv.reader(io.StringIO(text)):
            if row[0].isdigit():
                lows[pd.Timestamp(int(row[0]), unit="ms", tz="UTC")] = float(row[3])
    return pd.Series(lows).sort_index()


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    return tmp_path / "cache"


@pytest.mark.realdata
def test_01_data_acquisition_on_the_real_mirror(tmp_path, isolated_cache, monkeypatch):
    if not SHARED_MIRROR.is_dir():
        pytest.skip(f"real-data mirror absent ({SHARED_MIRROR}); see ../shared/data/README.md")
    from liqlib.data.serve import serve_directory

    with serve_directory(SHARED_MIRROR) as url:
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", url)
        executed = run_notebook(
            NOTEBOOKS / "01-data-acquisition.ipynb", tmp_path / "out", {"DATA": "binance"},
            timeout_s=300,
        )  # fmt: skip
    rec = read_records(executed)
    days = [d.date().isoformat() for d in pd.date_range("2025-11-01", "2025-11-07")]
    lows = _mark_lows(SHARED_MIRROR, days)
    assert rec["rows"] == 7 * 288
    assert rec["window_low_usd"] == pytest.approx(lows.min(), rel=1e-12)
    assert pd.Timestamp(rec["window_low_time"]) == lows.idxmin()
    assert rec["gap_days"] == ["2025-10-04"]
    html = to_html(executed)
    assert html.stat().st_size > 50_000 and "window_low_usd" in html.read_text()


def test_01_data_acquisition_on_a_synthetic_archive_with_every_kind(
    tmp_path, isolated_cache, monkeypatch
):
    """Runs everywhere (no real data needed): a SYNTHETIC archive with klines, mark price,
    metrics and funding, and the notebook's gap window missing one day."""
    days = pd.date_range("2025-10-02", "2025-11-07").strftime("%Y-%m-%d").tolist()
    days.remove("2025-10-04")
    arch = build_synthetic_archive(
        tmp_path / "archive", days=days, kinds=("klines", "markPriceKlines", "metrics",
        "fundingRate"), interval="5m",
    )  # fmt: skip
    with serve_archive(arch.root) as server:
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", server.url)
        executed = run_notebook(
            NOTEBOOKS / "01-data-acquisition.ipynb", tmp_path / "out", {"DATA": "binance"},
            timeout_s=300,
        )  # fmt: skip
    rec = read_records(executed)
    mark = arch.frames["markPriceKlines-5m"].loc["2025-11-01":"2025-11-07", C.LOW]
    assert rec["rows"] == 7 * 288
    assert rec["window_low_usd"] == pytest.approx(mark.min(), rel=1e-12)
    assert pd.Timestamp(rec["window_low_time"]) == mark.idxmin()
    assert rec["gap_days"] == ["2025-10-04"]


def test_01_data_acquisition_on_the_demo_by_default(tmp_path, isolated_cache, monkeypatch):
    """With no parameters and no mirror configured, notebook 01 serves the bundled SIMULATED
    demo on 127.0.0.1 and loads it through the real loader; the gap section asks past its end."""
    import liqlib as lq

    monkeypatch.delenv("LIQLIB_BINANCE_ARCHIVE_URL", raising=False)
    executed = run_notebook(
        NOTEBOOKS / "01-data-acquisition.ipynb", tmp_path / "out", timeout_s=300
    )
    rec = read_records(executed)
    demo = lq.load_demo("5m")
    days = lq.demo_days()
    week = demo.loc[days[0] : f"{days[6]} 23:59", C.MARK_LOW]
    assert rec["data"] == "demo" and rec["synthetic"] is True
    assert "SIMULATED" in rec["data_note"]
    assert rec["rows"] == 7 * 288
    assert rec["window_low_usd"] == pytest.approx(week.min(), rel=1e-12)
    assert pd.Timestamp(rec["window_low_time"]) == week.idxmin()
    beyond = pd.date_range(pd.Timestamp(days[-1]) + pd.Timedelta(days=1), periods=2)
    assert rec["gap_days"] == [d.date().isoformat() for d in beyond]
