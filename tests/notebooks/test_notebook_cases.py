"""The case studies 11 (Nov 2025) and 12 (Oct 2025): by default offline on the real hourly
candles bundled with liqlib (all three symbols, each notebook its own event), on the SIMULATED
demo, and on the archive mirror + 1-minute slices held offline, where they say what they skip."""

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


def _bundled_lows(symbol: str, start: str, end: str) -> pd.Series:
    """Hourly Binance lows of the bundled event file, read here with pandas (not liqlib)."""
    from importlib import resources

    folder = resources.files("liqlib") / "datasets" / "events"
    (name,) = [p.name for p in folder.iterdir() if p.name.endswith(".csv.gz")]
    df = pd.read_csv(folder / name, compression="gzip")
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    rows = df[(df["venue"] == "binance") & (df["coin"] == symbol.removesuffix("USDT"))]
    rows = rows[(rows["timestamp"] >= start) & (rows["timestamp"] < end)]
    return rows.set_index("timestamp")["l"]


@pytest.fixture(scope="module")
def offline_runs(tmp_path_factory):
    """11 and 12 with their defaults (DATA="events"): offline, no shared data needed."""
    out = tmp_path_factory.mktemp("cases")
    return {
        name: read_records(run_notebook(NOTEBOOKS / f"{name}.ipynb", out, SMALL, timeout_s=300))
        for name in ("11-case-nov-2025", "12-case-oct-2025")
    } | {"_out": out}


def test_cases_run_offline_on_real_event_candles_for_all_three_symbols(offline_runs):
    for name in ("11-case-nov-2025", "12-case-oct-2025"):
        rec = offline_runs[name]
        _no_errors(offline_runs["_out"] / f"{name}.ipynb")
        assert rec["data"] == "events" and "SIMULATED" not in rec["window"]
        assert rec["symbols_with_heatmap"] == ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]
        assert "no open interest" in rec["data_note"] and "volume model" in rec["data_note"]
        for got in rec["cases"].values():
            assert got["model"] == "volume" and got["real"] is True
            assert got["sweeps_vs_oi_spearman"] is None  # hourly candles hold no open interest


def test_each_case_tells_its_own_event(offline_runs):
    nov, octo = offline_runs["11-case-nov-2025"], offline_runs["12-case-oct-2025"]
    # the lows are the bundled file's own lows, read here without liqlib, in each event's days
    for rec, start, end, day in ((nov, "2025-10-27", "2025-11-08", "2025-11-04"),
                                 (octo, "2025-10-03", "2025-10-13", "2025-10-10")):  # fmt: skip
        for sym, got in rec["cases"].items():
            lows = _bundled_lows(sym, start, end)
            assert got["low_usd"] == pytest.approx(lows.min())
            assert pd.Timestamp(got["low_time"]) == lows.idxmin()
        assert pd.Timestamp(rec["cases"]["BTCUSDT"]["low_time"]).strftime("%Y-%m-%d") == day
    assert nov["cases"]["BTCUSDT"]["top_hours"] != octo["cases"]["BTCUSDT"]["top_hours"]
    # 11: the slide below 100,000 USD, found from the hourly lows
    lows = _bundled_lows("BTCUSDT", "2025-10-27", "2025-11-08")
    assert pd.Timestamp(nov["btc_first_below_100k"]) == lows[lows < 100_000].index[0]
    assert nov["reconciled"] == pytest.approx([100 * 3.94e6 / (3.94e6 + 961.79e3),
                                               100 * 122.29 / 123.29])  # fmt: skip
    # 12: the crash hour, the same hour for all three, DOGE's fall the deepest
    hours = octo["crash_hours"]
    assert {h["time"] for h in hours.values()} == {"2025-10-10T21:00:00+00:00"}
    assert hours["DOGEUSDT"]["fall_pct"] < hours["BTCUSDT"]["fall_pct"] < 0
    assert all(0 <= v <= 100 for v in octo["longs_reached_pct"].values())


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
    c = case.load_case("demo", "BTCUSDT", "2025-10-27", "2025-11-08")
    r = case.analyze_case(c, drop_within="48h", params=lq.EngineParams(**{
        "n_bins": 150, "max_columns": 150}))  # fmt: skip
    want = case.case_records(r)
    assert got["drop_pct"] == pytest.approx(want["drop_pct"])
    assert got["top_hours"] == want["top_hours"] and got["zones_reached"] == want["zones_reached"]
    assert got["swept_long_usd"] == pytest.approx(want["swept_long_usd"], rel=1e-9)
    nb = nbformat.read(executed, as_version=4)
    figures = [
        o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert len(figures) >= 4


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
        executed = run_notebook(NOTEBOOKS / f"{name}.ipynb", tmp_path / "out",
                                {"DATA": "binance", **SMALL}, timeout_s=300)  # fmt: skip
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
