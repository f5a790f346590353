"""What the report says its hot zones are worth: the structure lift, its verdict and text."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import liqlib as lq
from liqlib.data.record.read import to_bars
from liqlib.stories import report_window as rw
from liqlib.stories import zone_worth as zw


def _row(lift, lo, hi, days=4):
    return pd.Series(
        {"map": 0.5, "twin": 0.5 - lift, "lift": lift, "lift_lo": lo, "lift_hi": hi,
         "bars": 96, "days": days}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lo", "hi", "verdict", "words"),
    [
        (0.01, 0.09, "beats", "better than distance"),
        (-0.02, 0.09, "tie", "not distinguishable from distance"),
        (-0.09, -0.01, "worse", "worse than distance"),
        (float("nan"), 0.1, "unknown", "cannot be measured"),
    ],
)
def test_the_verdict_follows_the_interval(lo, hi, verdict, words):
    row = _row(0.05 if verdict != "worse" else -0.05, lo, hi)
    assert zw.lift_verdict(row) == verdict
    text = zw.lift_sentence(row, synthetic=False)
    assert words in text and "SIMULATED" not in text
    assert "05-validation.ipynb" in text


def test_the_sentence_prints_the_rows_numbers():
    row = _row(-0.0437, -0.0912, 0.0121, days=9)
    text = zw.lift_sentence(row, synthetic=True)
    for value in ("-0.044", "-0.091", "+0.012", "96 hourly bars", "9 day(s)"):
        assert value in text, (value, text)
    assert "SIMULATED" in text and "rough" not in text
    assert "rough" in zw.lift_sentence(_row(-0.0437, -0.0912, 0.0121, days=2), synthetic=True)


def test_without_realized_data_no_number_is_typed():
    m = lq.make_synthetic_market(600)
    hm = lq.estimate_heatmap(m, n_bins=100)
    for events in (None, pd.DataFrame(columns=["side", "qty", "usd"], index=m.index[:0])):
        w = zw.zone_worth(hm, m, events)
        assert w.row is None
        assert "05-validation.ipynb" in w.text and "distance alone" in w.text
        # the only digits are the notebook's number: no measured figure is typed
        assert re.findall(r"\d+", w.text) == ["05", "05"], w.text


@pytest.fixture(scope="module")
def demo():
    cfg = rw.ReportConfig.from_parameters(
        data="demo", symbol="BTCUSDT", exchange="binance", window="24h", end="", warmup="2D",
        interval="5m", model="oi-flow", alert_pct=2.0,
    )  # fmt: skip
    market = rw.load_report_market(cfg)
    hm = lq.estimate_heatmap(market, model="oi-flow", n_bins=200, max_columns=100)
    return market, hm, rw.load_report_realized("auto", market, "BTCUSDT")


def test_on_the_demo_the_row_is_structure_lift_of_hourly_bars(demo):
    market, hm, events = demo
    assert events.attrs.get("synthetic") and len(events) > 0
    w = zw.zone_worth(hm, market, events, n_boot=100)
    step = market.index[1] - market.index[0]
    bars = to_bars(events, "1h", start=market.index[0], end=market.index[-1] + step)
    direct = lq.validate.structure_lift(hm, market, bars, n_boot=100)
    for k in ("map", "twin", "lift", "lift_lo", "lift_hi", "bars"):
        assert w.row[k] == pytest.approx(direct[k]), k
    assert w.row["days"] == 3  # 2 days of warm-up and the window
    assert f"{direct['lift']:+.3f}" in w.text and "SIMULATED" in w.text
    assert w.row["lift_lo"] <= w.row["lift"] <= w.row["lift_hi"]


def test_too_short_a_window_says_why(demo):
    market, hm, events = demo
    short = market.iloc[:60]  # five hours: fewer than 10 bars
    w = zw.zone_worth(hm, short, events)
    assert w.row is None and "10 bars" in w.text and "05-validation.ipynb" in w.text
