"""Notebook 30 runs headless; its figures, computed on Dask, equal the same code run here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqlib.report.run import read_records, run_notebook
from liqlib.stories import magnet

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "30-do-clusters-attract-price.ipynb"


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_30_answers_with_intervals(tmp_path):
    params = {"EVENT_SYMBOLS": ["BTC", "DOGE"], "SIM_SYMBOLS": 2, "SIM_DAYS": 3.0, "N_BOOT": 100}
    executed = run_notebook(NOTEBOOK, tmp_path, params, timeout_s=300)
    rec = read_records(executed)
    # the Dask run gives what the same code gives in this process
    cfg = magnet.MagnetConfig()
    direct = pd.concat([magnet.event_symbol_events(s, "events", cfg) for s in ("BTC", "DOGE")])
    assert rec["real_n_events"] == len(direct)
    hit = direct.groupby("horizon_h")["hit_cluster"].mean()
    for h, value in rec["real_hit_cluster"].items():
        assert value == pytest.approx(hit.loc[int(h)], abs=1e-6)
    assert len(rec["real_verdict"]) == 4 and "95 % CI" in rec["real_verdict"][0]
    k = sum("more often than" in line for line in rec["real_verdict"])
    assert rec["real_conclusion"].startswith(
        f"The bigger cluster's hit rate is above random at {k} of 4 horizons"
    )
    assert "SIMULATED" in rec["data_note"]
