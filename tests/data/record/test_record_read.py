"""Reading a recording back: filters, de-duplication, bars by side, gaps, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

import liqlib as lq
from liqlib.data.record.events import make_event
from liqlib.data.record.store import DAY_MS, EventSink
from liqlib.errors import DataNotFoundError, InputError, LiqlibDeprecationWarning

T0 = 1_775_174_400_000  # 2026-04-03 00:00 UTC


def _store(root, rows):
    sink = EventSink(root)
    for venue, symbol, minute, side, price, qty in rows:
        raw = {"long": "SELL", "short": "BUY"}[side]
        sink.add(make_event(venue, symbol, T0 + minute * 60_000, side, price, qty, raw, 0))
    sink.flush()
    return sink


ROWS = [
    ("binance", "BTCUSDT", 10, "long", 50_000.0, 0.5),
    ("binance", "BTCUSDT", 50, "short", 51_000.0, 1.0),
    ("bybit", "BTCUSDT", 70, "long", 49_000.0, 2.0),
    ("binance", "ETHUSDT", 75, "short", 2_000.0, 3.0),
    ("okx", "BTCUSDT", 24 * 60 + 5, "long", 48_000.0, 0.1),  # next UTC day
]


def test_filters_and_duplicates_across_files(tmp_path):
    _store(tmp_path, ROWS)
    _store(tmp_path, ROWS[:2])  # the same events again in new files (a crash between runs)
    liqs = lq.load_liquidations(tmp_path)
    assert len(liqs) == 5 and list(liqs.columns) == list(lq.data.record.LIQUIDATION_COLUMNS)
    assert str(liqs.index.tz) == "UTC" and liqs.index.name == "time"
    assert liqs.usd.tolist() == pytest.approx([p * q for *_, p, q in ROWS])
    assert "lower bounds" in liqs.attrs["note"]
    assert len(lq.load_liquidations(tmp_path, venue="binance")) == 3
    assert len(lq.load_liquidations(tmp_path, venue=["BYBIT", "okx"], symbol="btcusdt")) == 2
    day2 = lq.load_liquidations(tmp_path, start="2026-04-04")
    assert day2.venue.tolist() == ["okx"]
    window = lq.load_liquidations(tmp_path, start="2026-04-03 00:50", end="2026-04-03 01:15")
    assert window.index.minute.tolist() == [50, 10]  # start inclusive, end exclusive


def test_to_bars_sums_each_side_and_flags_gaps(tmp_path):
    _store(tmp_path, ROWS[:4])
    EventSink(tmp_path).add_gap("binance", ["BTCUSDT"], T0 + 65 * 60_000, T0 + 66 * 60_000, "x")
    liqs = lq.load_liquidations(tmp_path, symbol="BTCUSDT")
    bars = lq.to_bars(liqs, "1h", end="2026-04-03 03:00", gaps=lq.load_gaps(tmp_path))
    assert bars.index.tolist() == list(pd.date_range("2026-04-03", periods=3, freq="h", tz="UTC"))
    assert bars.long_usd.tolist() == pytest.approx([25_000.0, 98_000.0, 0.0])
    assert bars.short_usd.tolist() == pytest.approx([51_000.0, 0.0, 0.0])
    assert bars.long_qty.tolist() == pytest.approx([0.5, 2.0, 0.0])
    assert bars.events.tolist() == [2, 1, 0]
    assert bars.complete.tolist() == [True, False, True]
    assert bars.attrs["bar"] == "1h"
    # a bar frame sums into longer bars; the per-side totals are preserved
    daily = lq.to_bars(bars[["long_usd", "short_usd"]], "1D")
    assert daily.long_usd.iloc[0] == pytest.approx(liqs.usd[liqs.side == "long"].sum())


def test_gaps_are_read_back_in_order(tmp_path):
    sink = EventSink(tmp_path)
    sink.add_gap("bybit", ["BTCUSDT", "ETHUSDT"], T0 + DAY_MS, T0 + DAY_MS + 5000, "stall: x")
    sink.add_gap("bybit", ["BTCUSDT"], T0, T0 + 2000, "dropped: y")
    gaps = lq.load_gaps(tmp_path, symbol="BTCUSDT")
    assert gaps.reason.tolist() == ["dropped: y", "stall: x"]
    assert (gaps.end - gaps.start).dt.total_seconds().tolist() == [2.0, 5.0]


def test_bad_input_says_what_to_do(tmp_path):
    with pytest.raises(DataNotFoundError, match="liqlib record"):
        lq.load_liquidations(tmp_path / "nothing-here")
    _store(tmp_path, ROWS[:1])
    with pytest.raises(InputError, match="swap them"):
        lq.load_liquidations(tmp_path, start="2026-04-04", end="2026-04-03")
    with pytest.raises(InputError, match="not a time"):
        lq.load_liquidations(tmp_path, start="yesterday-ish")
    with pytest.raises(InputError, match="interval=.often. is not a bar length"):
        lq.to_bars(lq.load_liquidations(tmp_path), "often")
    with pytest.raises(InputError, match="load_liquidations"):
        lq.to_bars(pd.DataFrame({"x": [1]}, index=pd.DatetimeIndex(["2026-01-01"], tz="UTC")))


def test_corrupt_file_is_named(tmp_path):
    _store(tmp_path, ROWS[:1])
    f = next((tmp_path / "events").rglob("part-*.parquet"))
    f.write_bytes(b"not parquet")
    with pytest.raises(lq.CorruptDataError, match=f.name):
        lq.load_liquidations(tmp_path)


def test_memory_is_bounded(tmp_path):
    sink = EventSink(tmp_path, max_buffer=100, dedup_size=500)
    for i in range(2000):
        sink.add(make_event("bybit", "BTCUSDT", T0 + i, "long", 1.0, 1.0, "Buy", 0))
        assert sink.buffered < 100 and len(sink._seen) <= 500
    assert sink.written == 2000 - sink.buffered and sink.files == 20


def test_written_events_read_back_and_a_synthetic_store_says_so(tmp_path):
    idx = pd.to_datetime(["2026-04-03 09:10", "2026-04-03 09:50"], utc=True)
    liqs = pd.DataFrame(
        {"venue": "Bybit", "symbol": "btcusdt", "side": ["long", "short"],
         "price": [50_000.0, 51_000.0], "qty": [0.5, 1.0]},
        index=idx,
    )  # fmt: skip
    assert lq.write_liquidations(tmp_path, liqs, synthetic=True) == 2
    assert lq.write_liquidations(tmp_path, liqs, synthetic=True) == 0  # already stored
    back = lq.load_liquidations(tmp_path)
    assert back.index.equals(idx) and back.usd.tolist() == [25_000.0, 51_000.0]
    assert set(back.venue) == {"bybit"} and set(back.symbol) == {"BTCUSDT"}
    assert back.attrs["synthetic"] is True and "SIMULATED" in back.attrs["note"]
    with pytest.raises(InputError, match="long' or 'short"):
        lq.write_liquidations(tmp_path, liqs.assign(side="Buy"))


def test_bars_outside_a_clean_run_are_not_complete(tmp_path):
    _store(tmp_path, ROWS[:3])
    sink = EventSink(tmp_path)
    sink.add_run("binance", ["BTCUSDT"], T0 - 60_000, T0 + 61 * 60_000)  # 23:59 to 01:01
    cover = lq.load_coverage(tmp_path, venue="binance")
    assert len(cover) == 1
    bars = lq.to_bars(lq.load_liquidations(tmp_path, venue="binance"), "1h",
                      end="2026-04-03 03:00", coverage=cover)  # fmt: skip
    assert bars.complete.tolist() == [True, False, False]  # zeros after the run are unknown


def test_to_bars_reads_interval_and_the_old_bar_with_a_warning(tmp_path):
    _store(tmp_path, ROWS[:4])
    liqs = lq.load_liquidations(tmp_path, symbol="BTCUSDT")
    new = lq.to_bars(liqs, interval="60min")
    pd.testing.assert_frame_equal(new, lq.to_bars(liqs))  # "1h" by default
    with pytest.warns(LiqlibDeprecationWarning, match="interval=") as rec:
        old = lq.to_bars(liqs, bar="1h")
    assert rec[0].filename == __file__  # the warning points at the caller's line
    pd.testing.assert_frame_equal(new, old)
    assert new.attrs["bar"] == "1h"  # attrs["bar"] is data and keeps its name
    with pytest.raises(InputError, match="both interval") as exc:
        lq.to_bars(liqs, interval="1h", bar="1h")
    assert "\n" not in str(exc.value)
