"""Notebook 03 runs headless on small synthetic data; its records match direct computations."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.report.run import read_records, run_notebook, to_html

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03-heatmap-explorer.ipynb"
PARAMS = {
    "DATA": "synthetic",
    "N_CANDLES": 3_000,
    "N_BINS": 200,
    "MAX_COLUMNS": 150,
    "EXPLORER_BINS": 120,
    "EXPLORER_COLUMNS": 100,
    "SEED": 5,
}


@pytest.mark.notebook
@pytest.mark.slow
def test_03_heatmap_explorer_records_match_direct_computation(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    executed = run_notebook(NOTEBOOK, tmp_path / "out", PARAMS, timeout_s=300)
    rec = read_records(executed)

    market = lq.make_synthetic_market(PARAMS["N_CANDLES"], seed=PARAMS["SEED"])
    params = lq.EngineParams(
        n_bins=PARAMS["N_BINS"], max_columns=PARAMS["MAX_COLUMNS"], per_tier=True
    )
    hm = lq.estimate_heatmap(market, params=params)  # the notebook's MODEL: the default
    assert rec["synthetic"] is True and rec["n_candles"] == PARAMS["N_CANDLES"]
    end = hm.totals().iloc[-1]
    assert rec["end_usd"]["long_usd"] == pytest.approx(end["long_usd"], rel=1e-12)
    assert rec["price_now_usd"] == pytest.approx(hm.price[-1], rel=1e-12)
    # nearest large clusters lie on their own side of the price
    assert rec["clusters"]["long"]["price_usd"] < rec["price_now_usd"]
    assert rec["clusters"]["short"]["price_usd"] > rec["price_now_usd"]

    ex = lq.make_heatmap_explorer(
        market,
        params=params,
        n_bins=PARAMS["EXPLORER_BINS"],
        max_columns=PARAMS["EXPLORER_COLUMNS"],
    )
    assert rec["explorer_columns"] == len(ex.hm.times)
    assert rec["explorer_window"] == list(ex.window())
    hot = ex.hottest_cell()
    assert rec["hottest_cell"]["usd"] == pytest.approx(hot["usd"], rel=1e-6)
    assert pd.Timestamp(rec["hottest_cell"]["time"]) == hot["time"]
    assert np.isclose(rec["hottest_cell"]["price_usd"], hot["price"])

    # no cell failed; two static figures; the explorer is a widget view (blank in HTML)
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)

    # the page: its code shown, the snapshot in place of dead widget state, under 5 MB
    page = to_html(executed, show_code=False)  # the suite's default; the notebook overrides it
    text = page.read_text()
    assert "SYNTHETIC" in text
    assert "jp-InputArea-editor" in text and "make_heatmap_explorer" in text  # code kept
    assert text.count('class="liqlib-snapshot"') == 1 and "DecompressionStream" in text
    assert "application/vnd.jupyter.widget-state+json" not in text
    assert page.stat().st_size < 5_000_000, page.stat().st_size
    assert rec["snapshot_bytes"] < page.stat().st_size
    assert "Time to learn: about" in text
