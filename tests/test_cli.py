"""The report command stops with a clear, actionable message when no data can be reached."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

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
