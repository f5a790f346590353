"""The report's realized liquidations: the demo's SIMULATED ones (the simulator's truth as
events) or a recording's, cut to the report's window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.sim.demo import demo_liquidations
from liqlib.stories.report_window import load_report_realized, realized_summary


@pytest.fixture(scope="module")
def demo():
    market, truth = lq.load_demo(truth=True)
    return market, truth


def test_demo_liquidations_are_the_truth_per_minute_at_the_mark_extremes(demo):
    market, truth = demo
    liqs = demo_liquidations("2025-03-10", "2025-03-11")
    assert liqs.attrs["synthetic"] is True and "SIMULATED" in liqs.attrs["note"]
    assert list(liqs.columns) == ["venue", "symbol", "side", "price", "qty", "usd"]
    day = truth.liquidations.loc["2025-03-10"]
    for side in ("long", "short"):
        mine = liqs[liqs["side"] == side]
        assert len(mine) == int((day[f"{side}_usd"] > 0).sum()) > 0
        assert mine["usd"].sum() == pytest.approx(day[f"{side}_usd"].sum(), rel=1e-12)
    longs = liqs[liqs["side"] == "long"]
    np.testing.assert_allclose(longs["price"], market.loc[longs.index, "mark_low"])
    np.testing.assert_allclose(longs["qty"] * longs["price"], longs["usd"], rtol=1e-12)
    assert liqs.index.min() >= pd.Timestamp("2025-03-10", tz="UTC")
    assert liqs.index.max() < pd.Timestamp("2025-03-11", tz="UTC")


def _window(market, hours=12):
    out = market.iloc[-hours * 60 :].copy()
    out.attrs = dict(market.attrs)
    return out


def test_auto_is_the_demos_on_the_demo_and_none_on_real_data(demo):
    market, _ = demo
    win = _window(market)
    liqs = load_report_realized("auto", win, "BTCUSDT")
    assert len(liqs) > 0 and liqs.attrs["synthetic"] is True
    assert liqs.index.min() >= win.index[0] and liqs.index.max() <= win.index[-1]
    assert load_report_realized("", win, "BTCUSDT") is None
    assert load_report_realized(None, win, "BTCUSDT") is None
    real = win.copy()
    real.attrs = {"symbol": "BTCUSDT", "source": "archive"}
    assert load_report_realized("auto", real, "BTCUSDT") is None
    with pytest.raises(InputError, match="recording folder"):
        load_report_realized("demo", real, "BTCUSDT")


def test_a_recording_folder_gives_the_symbols_events_of_the_window(demo, tmp_path):
    market, _ = demo
    win = _window(market)
    real = win.copy()
    real.attrs = {"symbol": "BTCUSDT", "source": "archive"}
    t = [win.index[0] - pd.Timedelta("1h"), win.index[10], win.index[20], win.index[30]]
    events = pd.DataFrame(
        {"venue": ["binance", "binance", "bybit", "binance"],
         "symbol": ["BTCUSDT", "BTCUSDT", "BTCUSDT", "ETHUSDT"],
         "side": ["long", "long", "short", "short"],
         "price": [60_000.0, 61_000.0, 62_000.0, 3_000.0], "qty": [1.0, 0.5, 0.25, 2.0]},
        index=pd.DatetimeIndex(t, name="time"),
    )  # fmt: skip
    lq.write_liquidations(tmp_path, events)
    liqs = load_report_realized(str(tmp_path), real, "BTCUSDT")
    assert len(liqs) == 2 and set(liqs["venue"]) == {"binance", "bybit"}  # window, symbol
    assert not liqs.attrs.get("synthetic")
    assert realized_summary(liqs).startswith(
        "2 realized liquidations in the window: longs 30.5k USD, shorts 15.5k USD."
    )
