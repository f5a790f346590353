"""The case studies 11 (Nov 2025) and 12 (Oct 2025): end to end on the SIMULATED demo, and on
the real data held offline (mirror + 1-minute slices), where they say what they skip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import liqlib as lq
from liqlib.report.run import read_records, run_notebook
from liqlib.stories import case

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SMALL = {"N_BINS": 150, "MAX_COLUMNS": 150}

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


def _no_errors(executed: Path) -> None:
    nb = nbformat.read(executed, as_version=4)
    outs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outs if o.get("output_type") == "error"]
    assert sum(1 for c in nb.cells if "parameters" in c.metadata.get("tags", [])) == 1


def test_11_on_the_demo_is_simulated_and_matches_direct_computation(tmp_path, monkeypatch):
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    executed = run_notebook(
        NOTEBOOKS / "11-case-nov-2025.ipynb", tmp_path / "out", {"DATA": "demo", **SMALL},
        timeout_s=300,
    )  # fmt: skip
    _no_errors(executed)
    rec = read_records(executed)
    assert rec["data"] == "demo" and "SIMULATED" in rec["data_note"]
    assert rec["window"].startswith("SIMULATED")
    (sym,) = rec["symbols_with_heatmap"]
    got = rec["cases"][sym]
    c = case.load_case("demo", "BTCUSDT", "2025-11-01", "2025-11-08")
    r = case.analyze_case(c, drop_within="48h", params=lq.EngineParams(**{
        "n_bins": 150, "max_columns": 150}))  # fmt: skip
    want = case.case_records(r)
    assert got["drop_pct"] == pytest.approx(want["drop_pct"])
    assert got["top_hours"] == want["top_hours"] and got["zones_reached"] == want["zones_reached"]
    assert got["swept_long_usd"] == pytest.approx(want["swept_long_usd"], rel=1e-9)
    html_figs = nbformat.read(executed, as_version=4)
    titles = [
        o["data"]["text/plain"] for c in html_figs.cells for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]  # fmt: skip
    assert len(titles) >= 5


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name, low_symbol, low_day",
    [("11-case-nov-2025", "BTCUSDT", "2025-11-04"), ("12-case-oct-2025", "BTCUSDT", "2025-10-10")],
)
def test_cases_on_the_real_data_held_offline(shared_data, tmp_path, monkeypatch, name, low_symbol,
                                             low_day):  # fmt: skip
    from liqlib.data.serve import serve_directory

    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    with serve_directory(shared_data / "mirror") as url:
        monkeypatch.setenv("LIQLIB_BINANCE_ARCHIVE_URL", url)
        executed = run_notebook(NOTEBOOKS / f"{name}.ipynb", tmp_path / "out", SMALL, timeout_s=300)
    _no_errors(executed)
    rec = read_records(executed)
    assert rec["data"] == "binance"
    # it says what it lacks: ETH has no trade data offline, and nothing uses open interest
    assert "ETHUSDT: full window not in the source" in rec["data_note"]
    assert "heatmap skipped" in rec["data_note"] and "open-interest comparison skipped" in rec[
        "data_note"]  # fmt: skip
    got = rec["cases"][low_symbol]
    assert got["model"] == "volume" and got["real"] is True
    assert got["sweeps_vs_oi_spearman"] is None  # no open interest offline
    # the low is the mark-price low of the mirror's 5m klines, read here without liqlib
    import zipfile

    path = (shared_data / "mirror/data/futures/um/daily/markPriceKlines/BTCUSDT/5m"
            / f"BTCUSDT-5m-{low_day}.zip")  # fmt: skip
    with zipfile.ZipFile(path) as zf:
        rows = [r for r in csv.reader(io.StringIO(zf.read(zf.namelist()[0]).decode()))
                if r[0].isdigit()]  # fmt: skip
    day_low = min(float(r[3]) for r in rows)
    assert got["low_usd"] <= day_low + 1e-9
    assert pd.Timestamp(got["low_time"]).strftime("%Y-%m-%d") == low_day
