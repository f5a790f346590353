"""Notebook 00 (beginners) runs headless on the SIMULATED demo; its records match direct
computations and every exercise's solution passes its own check."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import liqlib as lq
from liqlib.report.run import read_records, run_notebook, to_html
from liqlib.stories import calculator, guidance, zones

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "00-liquidation-basics.ipynb"
PARAMS = {"LAST_DAYS": 2, "N_BINS": 200, "MAX_COLUMNS": 150}


def _hand() -> pd.DataFrame:
    """The notebook's default HAND_POSITIONS as a positions table."""
    positions = (
        ("long", 100_000.0, 10, 5_000.0),
        ("long", 101_000.0, 20, 3_000.0),
        ("long", 99_500.0, 25, 4_000.0),
        ("short", 100_000.0, 10, 2_000.0),
        ("short", 98_000.0, 20, 6_000.0),
    )
    return calculator.positions_table(
        [dict(side=s, entry_usd=e, leverage=lev, size_usd=u) for s, e, lev, u in positions],
        symbol="BTCUSDT",
    )


@pytest.mark.notebook
@pytest.mark.slow
def test_00_liquidation_basics_on_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    executed = run_notebook(NOTEBOOK, tmp_path / "out", PARAMS, timeout_s=300)
    rec = read_records(executed)
    assert rec["synthetic"] is True and "SIMULATED" in rec["data_note"]
    lev = (2, 5, 10, 20, 50, 100)
    qty = 1_000.0 / 100_000.0
    assert rec["ladder_liquidation_usd"] == pytest.approx(
        [float(lq.liquidation_price(100_000.0, x, "long", qty)) for x in lev], rel=1e-9
    )
    assert rec["hand_long_usd"] == 12_000.0
    assert rec["exercises_solved"] == 4

    full = lq.load_data("demo", interval="1m")
    market = full.loc[full.index >= full.index[-1] - pd.Timedelta(days=2)].copy()
    market.attrs = dict(full.attrs)
    odds = calculator.liquidation_odds(market, lev, "24h")
    assert rec["odds_long_pct"] == pytest.approx(
        {f"{k:.1f}": round(v, 6) for k, v in odds["long_pct"].items()}
    )
    tested = full.loc[full.index >= full.index[-1] - pd.Timedelta(days=14)].copy()
    tested.attrs = dict(full.attrs)
    hm = lq.estimate_heatmap(tested, n_bins=200, max_columns=150)
    bias = guidance.bias_vs_direction(hm, tested, horizon="24h", every="24h")
    assert rec["toward_pct"] == pytest.approx(bias.attrs["toward_pct"])
    assert rec["independent_windows"] == bias.attrs["n_maps"] >= 5  # one window per day
    lo, hi = rec["toward_ci95_pct"]
    assert lo < rec["toward_pct"] < hi
    params = lq.EngineParams(n_bins=200, max_columns=150, symbol="BTCUSDT")
    windows = guidance.compare_windows(market, ("5min", "1h", "12h", "24h"), params=params)
    assert rec["windows_usd_within"] == pytest.approx(windows["usd_within"].round(2).to_dict())
    # the default model starts from the book opened before any window: a 5-minute window
    # already holds most of what 24 hours do (an empty-start model would hold almost nothing)
    assert rec["windows_usd_within"]["5min"] > 0.5 * rec["windows_usd_within"]["24h"]
    # the hot zones named are the map's distinct peaks, ranked by USD (from zones directly)
    hot = zones.compute_hot_zones(lq.estimate_heatmap(market, params=params), top_n=6)
    assert rec["hot_zones_usd"] == pytest.approx(hot.sort_values("rank")["usd"].round(2).tolist())
    assert rec["hot_zones_usd"] == sorted(rec["hot_zones_usd"], reverse=True)

    # every exercise non-trivial; each answer is the one computed here from the same inputs
    answers = calculator.exercise_answers(
        100_000.0, 1_000.0, _hand(), market, horizon="24h", symbol="BTCUSDT"
    )
    assert rec["exercise_answers"] == pytest.approx({k: answers[k] for k in "1234"})
    assert all(v != 0 for v in rec["exercise_answers"].values())
    assert rec["exercise_answers"]["1"] == pytest.approx(5_000 / 20 - 0.03 * 5_000)

    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4

    # the page: code kept, solutions folded, tables formatted, the simulator caveat said
    page = to_html(executed, show_code=False).read_text()
    assert "jp-InputArea-editor" in page and "Time to learn: about" in page
    assert page.count('<details class="liqlib-solutions">') == 1
    folded = page[page.index('<details class="liqlib-solutions">') :]
    folded = folded[: folded.index("</details>")]
    assert "verdicts" in folded and "Solution 2 uses" in folded
    assert "ANSWER_1" not in folded  # the exercises themselves stay open
    assert "independent windows" in page and "run on a simulator" in page
    assert not re.search(r">-?\d+\.\d{6}<", page), "a table lost its Styler format"
    text = page.lower()
    glossary = text.index(">glossary<")
    for term in ("turnover", "mark price", "candle", "squeeze", "colour scale"):
        assert glossary < text.index(term), f"{term!r} is used before the glossary defines it"
    widget_cells = [c for c in nb.cells if "make_calculator_widget" in c.source]
    assert widget_cells and all("nbval-ignore-output" in c.metadata["tags"] for c in widget_cells)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
