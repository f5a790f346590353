"""Notebook 00 (beginners) runs headless on the SIMULATED demo; its records match direct
computations and every exercise's solution passes its own check."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

import liqlib as lq
from liqlib.report.run import read_records, run_notebook
from liqlib.stories import calculator, guidance

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "00-liquidation-basics.ipynb"
PARAMS = {"LAST_DAYS": 2, "N_BINS": 200, "MAX_COLUMNS": 150}


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
    hm = lq.estimate_heatmap(market, n_bins=200, max_columns=150)
    bias = guidance.bias_vs_direction(hm, market, horizon="24h")
    assert rec["toward_pct"] == pytest.approx(bias.attrs["toward_pct"])
    params = lq.EngineParams(n_bins=200, max_columns=150, symbol="BTCUSDT")
    windows = guidance.compare_windows(market, ("5min", "1h", "12h", "24h"), params=params)
    assert rec["windows_usd_within"] == pytest.approx(windows["usd_within"].round(2).to_dict())
    # the default model starts from the book opened before any window: a 5-minute window
    # already holds most of what 24 hours do (an empty-start model would hold almost nothing)
    assert rec["windows_usd_within"]["5min"] > 0.5 * rec["windows_usd_within"]["24h"]

    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    widget_cells = [c for c in nb.cells if "make_calculator_widget" in c.source]
    assert widget_cells and all("nbval-ignore-output" in c.metadata["tags"] for c in widget_cells)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
