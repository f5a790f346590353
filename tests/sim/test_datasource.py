"""The notebooks' DATA switch: nothing substituted silently."""

from __future__ import annotations

import socket
import warnings

import pytest

import liqlib as lq
from liqlib.sim.datasource import DataFallbackWarning


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_archive_falls_back_to_the_demo_with_a_visible_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", _closed_url())
    monkeypatch.setenv("LIQLIB_BINANCE_REST_URL", _closed_url())
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LIQLIB_HTTP_RETRIES", "0")
    with pytest.warns(DataFallbackWarning, match="running on the bundled SIMULATED demo"):
        m = lq.load_data("binance", "BTCUSDT", "2025-11-03", "2025-11-04", interval="1h")
    assert m.attrs["synthetic"] is True and "SIMULATED" in m.attrs["data_note"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((lq.DownloadError, lq.DataNotFoundError)):
            lq.load_data(
                "binance", "BTCUSDT", "2025-11-03", "2025-11-04", interval="1h", fallback=False
            )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"data": "demo", "start": "2025-11-01", "end": "2025-11-08"}, "outside the demo market"),
        ({"data": "demo", "start": "2025-03-05", "end": "2025-03-02"}, "swap them"),
        ({"data": "binance", "start": None, "end": None}, "needs START and END"),
        ({"data": "binance", "start": "2025-11-05", "end": "2025-11-01"}, "swap them"),
        ({"data": "archive"}, "DATA='archive' is unknown"),
    ],
)
def test_bad_windows_are_one_line_errors_not_the_whole_demo(kwargs, match):
    with pytest.raises(lq.InputError, match=match) as exc:
        lq.load_data(**kwargs)
    assert "\n" not in str(exc.value)


def test_a_demo_window_inside_the_demo_is_that_window():
    m = lq.load_data("demo", start="2025-03-05", end="2025-03-06", interval="1h")
    assert len(m) == 24 and str(m.index[0]) == "2025-03-05 00:00:00+00:00"
    assert len(lq.load_data("demo", interval="1h")) == 14 * 24
