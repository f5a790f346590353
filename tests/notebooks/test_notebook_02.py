"""Notebook 02 runs headless on small synthetic data; its records match direct computations."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import liqlib as lq
from liqlib.report.run import read_records, run_notebook, to_html

NOTEBOOK = (
    Path(__file__).resolve().parents[2] / "notebooks" / "02-estimating-liquidation-levels.ipynb"
)
PARAMS = {"DATA": "synthetic", "N_CANDLES": 3_000, "N_BINS": 300, "MAX_COLUMNS": 200, "SEED": 5}


@pytest.mark.notebook
@pytest.mark.slow
def test_02_estimating_liquidation_levels_records_match_direct_computation(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    executed = run_notebook(NOTEBOOK, tmp_path / "out", PARAMS, timeout_s=300)
    rec = read_records(executed)

    # the worked example: 1 BTC long/short at 67,000 USD, 10x, bracket 1 (MMR 0.4 %, cum 0)
    assert rec["lp_long_usd"] == pytest.approx(60_542.17, abs=0.01)
    assert rec["lp_long_usd"] == pytest.approx(67_000 * (1 - 1 / 10) / (1 - 0.004), rel=1e-12)
    assert rec["lp_short_usd"] == pytest.approx(67_000 * (1 + 1 / 10) / (1 + 0.004), rel=1e-12)
    # 10 coins = 670,000 USD: bracket 2 (MMR 0.5 %, cum 300 USD)
    assert rec["lp_long_by_qty_usd"][1] == pytest.approx((60_300 - 300 / 10) / 0.995, abs=1e-5)
    assert rec["lp_long_by_qty_usd"] == sorted(rec["lp_long_by_qty_usd"])

    # the same estimates, made here directly
    market = lq.make_synthetic_market(PARAMS["N_CANDLES"], seed=PARAMS["SEED"])
    assert rec["synthetic"] is True and rec["n_candles"] == PARAMS["N_CANDLES"]
    oi_end = float(market["oi_coin"].ffill().iloc[-1] * market["close"].iloc[-1])
    assert rec["oi_end_usd"] == pytest.approx(oi_end, rel=1e-12)
    kw = dict(n_bins=PARAMS["N_BINS"], max_columns=PARAMS["MAX_COLUMNS"], symbol="BTCUSDT")
    assert set(rec["inventory_end_usd"]) == set(lq.MODELS)
    for model in lq.MODELS:
        hm = lq.estimate_heatmap(market, model=model, **kw)
        end = hm.totals().iloc[-1].sum()
        assert rec["inventory_end_usd"][model] == pytest.approx(end, rel=1e-12, abs=1e-6)
        assert rec["predicted_long_usd"][model] == pytest.approx(
            hm.predicted_long_usd.sum(), rel=1e-12, abs=1e-6
        )
        assert rec["predicted_short_usd"][model] == pytest.approx(
            hm.predicted_short_usd.sum(), rel=1e-12, abs=1e-6
        )
    assert (
        rec["predicted_long_usd"]["fixed-offset"] == 0 == rec["predicted_short_usd"]["fixed-offset"]
    )
    assert rec["predicted_long_usd"]["oi-flow"] > 0
    assert rec["crossed_levels_usd"]["oi-flow"] == 0 == rec["crossed_levels_usd"]["volume"]
    assert rec["crossed_levels_usd"]["fixed-offset"] >= 0
    assert rec["inventory_end_calibrated_usd"] == pytest.approx(oi_end, rel=1e-9)

    # turnover: each side holds the open interest (leveraged_share 1.0), both sides twice it
    assert rec["turnover_sides_over_oi"] == pytest.approx(2.0, rel=0.01)
    assert rec["turnover_churn"] > 1  # the book opens more than the rises of open interest

    # no cell failed, and every figure was drawn (8 figures)
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 8

    # the page keeps its code and its formats, and its math needs no MathJax
    page = to_html(executed, show_code=False).read_text()
    assert "jp-InputArea-editor" in page and "Time to learn: about" in page
    assert "LP(long)  = ( EP·(1 − 1/L) − cum/Q ) / (1 − MMR)" in page
    prose = "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "$" not in prose and "\\frac" not in page  # no TeX: MathJax comes from a CDN
    assert not re.search(r">\d+\.\d{6}<", page), "a table lost its Styler format"
