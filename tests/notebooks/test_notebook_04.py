"""Notebook 04 (venues and realized liquidations) runs headless on SIMULATED data; its records
agree with each other and with what the parameters imply."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from liqlib.report.run import read_records, run_notebook

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04-venues-and-realized.ipynb"


@pytest.mark.notebook
@pytest.mark.slow
def test_04_venues_and_realized_on_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    share = 0.25
    params = {"LAST_DAYS": 1, "N_BINS": 200, "MAX_COLUMNS": 80, "SECOND_VENUE_OI_SHARE": share,
              "RECORD_DIR": str(tmp_path / "rec")}  # fmt: skip
    executed = run_notebook(NOTEBOOK, tmp_path / "out", params, timeout_s=300)
    rec = read_records(executed)
    assert rec["synthetic"] is True and "SIMULATED" in rec["data_note"]
    assert rec["venues"] == ["venue A (demo)", "venue B (SIMULATED)"] and " to " in rec["window"]
    pct = rec["venue_share_pct"]
    assert sum(pct.values()) == pytest.approx(100.0, abs=0.2)
    # the second venue is the first with `share` of its open interest: its part of the map
    # follows its open interest
    assert pct["venue B (SIMULATED)"] == pytest.approx(100 * share / (1 + share), abs=1.0)
    assert rec["events_read"] == rec["events_simulated"] > 0
    assert rec["bars_long_usd"] == pytest.approx(rec["realized_long_usd"], rel=1e-9)
    assert (tmp_path / "rec" / "SYNTHETIC.txt").exists()
    # the map stacked by venue: the stacks add up to the summed map, each venue its own part
    venue_usd = rec["map_venue_usd"]
    assert list(venue_usd) == rec["venues"]
    assert sum(venue_usd.values()) == pytest.approx(rec["map_total_usd"], rel=1e-9)
    assert rec["stack_gap_usd"] <= 1e-6
    b_share = venue_usd["venue B (SIMULATED)"] / rec["map_total_usd"]
    assert b_share == pytest.approx(share / (1 + share), abs=0.03)
    # the explorer: unticking venue B takes its USD off the last column; the dots are drawn
    assert 0 < rec["explorer_first_only_usd"] < rec["explorer_both_usd"]
    assert rec["explorer_first_only_usd"] == pytest.approx(
        rec["explorer_both_usd"] / (1 + share), rel=0.05
    )
    assert 0 < rec["explorer_dots"] <= rec["events_read"]

    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 3  # heatmap, map, dots
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert len([c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]) == 1
