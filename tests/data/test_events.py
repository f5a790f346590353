"""The bundled real event candles: checked, windowed, refused when asked for what they lack."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import liqlib as lq
from liqlib.data import events
from liqlib.errors import CorruptDataError, DataNotFoundError, InputError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "raw" / "finm-hourly-candles"


@pytest.mark.parametrize("symbol", events.EVENT_SYMBOLS)
@pytest.mark.parametrize("venue", events.EVENT_VENUES)
def test_every_symbol_and_venue_is_an_hourly_real_market(symbol, venue):
    m = lq.load_event_candles(symbol, venue)
    assert m.index.tz is not None and m.index.is_monotonic_increasing and m.index.is_unique
    assert (m.index.to_series().diff().dropna() == np.timedelta64(1, "h")).mean() > 0.99
    assert 6_200 < len(m) < 6_300
    assert (m["low"] <= m[["open", "close"]].min(axis=1)).all()
    assert (m["high"] >= m[["open", "close"]].max(axis=1)).all()
    assert m.attrs["synthetic"] is False and "real" in m.attrs["source"]
    assert m.attrs["symbol"] == symbol and m.attrs["interval"] == "1h"


def test_the_october_crash_low_is_in_the_file():
    m = lq.load_event_candles("BTCUSDT", start="2025-10-10", end="2025-10-12")
    assert len(m) == 48
    assert m["low"].min() == pytest.approx(101_516.5)
    assert m["low"].idxmin().strftime("%Y-%m-%d %H:%M") == "2025-10-10 21:00"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"symbol": "XRPUSDT"}, InputError, "not in the bundled"),
        ({"symbol": "BTCUSDT", "venue": "okx"}, InputError, "not bundled"),
        ({"symbol": "BTCUSDT", "start": "2025-10-12", "end": "2025-10-10"}, InputError, "swap"),
        ({"symbol": "BTCUSDT", "start": "2024-01-01", "end": "2024-02-01"}, DataNotFoundError,
         "covers 2025-03-06"),
    ],
)  # fmt: skip
def test_bad_requests_are_one_line_errors(kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        lq.load_event_candles(**kwargs)
    assert "\n" not in str(info.value)


def test_a_changed_file_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "events"
    folder.mkdir()
    real = events._folder()
    (folder / "registry.json").write_text((real / "registry.json").read_text())
    blob = bytearray((real / events.EVENT_FILE).read_bytes())
    blob[-20] ^= 0xFF
    (folder / events.EVENT_FILE).write_bytes(bytes(blob))
    monkeypatch.setattr(events, "_folder", lambda: folder)
    events._table.cache_clear()
    try:
        with pytest.raises(CorruptDataError, match="reinstall"):
            lq.load_event_candles("BTCUSDT")
    finally:
        events._table.cache_clear()


@pytest.mark.realdata
def test_bundled_file_is_byte_identical_to_its_source():
    src = SHARED / events.EVENT_FILE
    if not src.exists():
        pytest.skip(f"{src} absent: the shared data sits beside the checkout only here")
    ours = (events._folder() / events.EVENT_FILE).read_bytes()
    assert hashlib.sha256(ours).digest() == hashlib.sha256(src.read_bytes()).digest()
