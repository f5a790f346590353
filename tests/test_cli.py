"""The report command stops with a clear, actionable message when no data can be reached."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from archive_server import build_synthetic_archive

from liqlib.report import read_records

ROOT = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_report_without_reachable_archive_says_how_to_get_data(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}"
    env = {"LIQLIB_BINANCE_ARCHIVE_URL": url, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "liqlib.cli", "report", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    message = proc.stderr.strip().splitlines()[-1]
    assert url in message and "MIRROR=" in message and "LIQLIB_BINANCE_ARCHIVE_URL" in message
    assert not list(tmp_path.iterdir()), "nothing may be written when the run cannot start"


def test_report_with_a_missing_mirror_folder_is_a_one_line_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "liqlib.cli", "report", "--mirror", str(tmp_path / "nope")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr


@pytest.mark.slow
@pytest.mark.notebook
def test_report_serves_a_mirror_and_writes_html(tmp_path):
    """The main job end to end: `liqlib report --mirror DIR` serves a (SYNTHETIC) archive on
    127.0.0.1, runs notebook 01 with papermill and writes its HTML report."""
    days = pd.date_range("2025-10-02", "2025-11-07").strftime("%Y-%m-%d").tolist()
    arch = build_synthetic_archive(
        tmp_path / "mirror", days=days, kinds=("markPriceKlines", "fundingRate"), interval="5m"
    )
    env = {**os.environ, "LIQLIB_CACHE_DIR": str(tmp_path / "cache"), "LIQLIB_PROGRESS": "0"}
    env.pop("LIQLIB_BINANCE_ARCHIVE_URL", None)
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "liqlib.cli", "report", "--mirror", str(arch.root), "--out",
         str(out), "--notebook", "notebooks/01-data-acquisition.ipynb", "--timeout", "300"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = out / "01-data-acquisition.html"
    assert f"wrote {html}" in proc.stdout
    assert read_records(out / "01-data-acquisition.ipynb")["rows"] == 7 * 288
    assert "window_low_usd" in html.read_text()
