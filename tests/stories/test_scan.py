"""liqlib scan: the summary row, the SIMULATED universe, the page, the CLI's one-line errors,
and real Dask clusters (a LocalCluster; a `dask scheduler` / `dask worker` pair on 127.0.0.1)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.report.cli import main
from liqlib.report.scan_page import render_scan_page
from liqlib.stories import magnet, zones
from liqlib.stories.scan import (
    MAP_EDGES_PCT,
    SCAN_COLUMNS,
    ScanConfig,
    default_mix_for,
    estimate,
    resolve_symbols,
    scan,
    scan_symbol,
    summarize_heatmap,
)
from liqlib.stories.universe import load_universe_market, universe_table

#: the columns that must agree between two runs (not the task's own timing)
SAME = [c for c in SCAN_COLUMNS if c != "seconds"]


# ---- one-line errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--window", "0h", "--n-symbols", "3"], "window='0h' must be a positive duration"),
        (["--n-symbols", "0"], "--n-symbols '0' must be an integer >= 1"),
        (["--n-symbols", "-4"], "--n-symbols '-4' must be an integer >= 1"),
        (["--data", "nasdaq", "--n-symbols", "3"], "--data 'nasdaq' is unknown"),
        (["--data", "sim"], "say which symbols"),
        (["--n-symbols", "2", "--workers", "0"], "--workers '0' must be an integer >= 1"),
        (["--n-symbols", "2", "--model", "magic"], "--model 'magic' is unknown"),
    ],
)
def test_bad_arguments_are_one_line_errors(argv, needle, capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["scan", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("liqlib scan: ") and needle in err
    assert not out.exists()  # nothing written on bad input


def test_resolve_symbols():
    assert resolve_symbols(None, "sim", 2) == ["SIM-000", "SIM-001"]
    assert resolve_symbols("btcusdt, ETHUSDT", "binance", None) == ["BTCUSDT", "ETHUSDT"]
    assert "BTCUSDT" in resolve_symbols("all", "binance", None)
    with pytest.raises(lq.InputError, match="twice"):
        resolve_symbols("A,A", "binance", None)


# ---- the SIMULATED universe ---------------------------------------------------------------------


def test_universe_members_differ_and_are_labelled_simulated():
    t = universe_table(12)
    assert t["seed"].is_unique and t["price0"].is_unique and t["leverage_median"].is_unique
    assert set(t["bracket_symbol"]) == {"BTCUSDT", "ETHUSDT"}
    assert universe_table(12).equals(t)  # same seed, same universe
    assert universe_table(5).equals(t.iloc[:5])  # a member does not depend on N
    m = load_universe_market("SIM-003", "2h")
    assert len(m) == 120
    assert m.attrs["member"] == "SIM-003" and "SIMULATED" in m.attrs["data_note"]
    assert m.attrs["symbol"] == "SIM-" + t.loc["SIM-003", "bracket_symbol"]  # picks brackets
    assert m.attrs["synthetic"] is True
    # the member's price starts near its drawn price0 (1 day of burn-in: within a factor 2)
    assert 0.5 < m["close"].iloc[0] / t.loc["SIM-003", "price0"] < 2.0
    with pytest.raises(lq.DataNotFoundError, match="not in the simulated universe"):
        load_universe_market("BTCUSDT")


# ---- the summary row ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_hm():
    m = load_universe_market("SIM-001", "6h")
    return m, lq.estimate_heatmap(m, n_bins=400, max_columns=12)


def test_row_matches_the_reports_hot_zones_and_sums(sim_hm):
    market, hm = sim_hm
    cfg = ScanConfig(window="6h")
    row = summarize_heatmap(hm, market, cfg)
    hot = zones.compute_hot_zones(hm, zone_pct=0.5, top_n=8)  # the report's settings
    near = zones.nearest_zones(hot)
    assert row["nearest_long_zone_price"] == pytest.approx(near["below"]["zone_mid"])
    assert row["nearest_long_zone_usd"] == pytest.approx(near["below"]["usd"])
    assert row["nearest_short_zone_price"] == pytest.approx(near["above"]["zone_mid"])
    assert row["nearest_long_zone_price"] < row["price"] < row["nearest_short_zone_price"]
    # USD within 1/2/5 % from the liquidation map's cumulative columns, independently
    lm = hm.liquidation_map()
    px = lm.attrs["price"]
    for p in (1, 2, 5):
        below = lm.loc[(lm.index >= px * (1 - p / 100)) & (lm.index < px), "long_usd"].sum()
        above = lm.loc[(lm.index > px) & (lm.index < px * (1 + p / 100)), "short_usd"].sum()
        assert row[f"long_usd_{p}pct"] == pytest.approx(below, rel=1e-9, abs=1e-6)
        assert row[f"short_usd_{p}pct"] == pytest.approx(above, rel=1e-9, abs=1e-6)
    assert row["long_usd_1pct"] <= row["long_usd_2pct"] <= row["long_usd_5pct"]
    assert 0.0 < row["long_share"] < 1.0
    since = hm.predicted_long_usd.index[-1] - pd.Timedelta(hours=4)
    swept = hm.predicted_long_usd[hm.predicted_long_usd.index > since].sum()
    assert row["swept_long_usd"] == pytest.approx(swept)
    assert len(row["map_long_usd"]) == len(MAP_EDGES_PCT) - 1
    within = lm.loc[(lm.index >= px * 0.9) & (lm.index < px), "long_usd"].sum()
    assert sum(row["map_long_usd"]) == pytest.approx(within, rel=1e-9)


def test_default_mix_is_capped_at_the_symbols_bracket():
    btc = lq.get_bracket_table("BTCUSDT")
    first = btc.max_leverage[int(np.searchsorted(btc.caps_usd, 10_000.0, side="right"))]
    assert default_mix_for("BTCUSDT").max_leverage == first < 200  # the default's top: 200x
    doge = default_mix_for("DOGEUSDT")
    table = lq.get_bracket_table("DOGEUSDT")
    assert doge.max_leverage == 50.0 and 10_000.0 in table.floors_usd  # 10,000 USD: 2nd bracket
    m = magnet.with_constant_oi(
        lq.load_event_candles("DOGEUSDT", start="2025-10-01", end="2025-10-03")
    )
    with pytest.raises(lq.InputError, match="liquidation price"):
        lq.estimate_heatmap(m, n_bins=200)  # the uncapped default cannot
    hm, top = estimate(m, None, 200, 10)
    assert top == 50.0 and hm.long_usd.sum() > 0


def test_a_failing_symbol_is_a_row_with_its_error():
    row = scan_symbol("SIM-NOPE", ScanConfig(window="1h"))
    assert row["error"].startswith("DataNotFoundError: ") and "\n" not in row["error"]
    assert np.isnan(row["price"]) and set(row) == set(SCAN_COLUMNS)


def test_page_ranks_by_usd_near_price_and_lists_failures():
    rows = []
    for sym, usd in (("SIM-A", 1.0), ("SIM-B", 5.0)):
        r = {c: 1.0 for c in SCAN_COLUMNS}
        r.update(symbol=sym, long_usd_2pct=usd, short_usd_2pct=0.0, error=None, model="turnover")
        r.update(map_long_usd=[1.0] * 40, map_short_usd=[0.0] * 40, data_note="SIMULATED x")
        r.update(window_start=pd.Timestamp("2025-01-01", tz="UTC"))
        r.update(window_end=pd.Timestamp("2025-01-02", tz="UTC"))
        rows.append(r)
    rows.append({c: None for c in SCAN_COLUMNS} | {"symbol": "BAD", "error": "E: <no data>"})
    html = render_scan_page(pd.DataFrame(rows))
    assert html.index(">SIM-B<") < html.index(">SIM-A<")  # more USD within 2 % ranks first
    assert "E: &lt;no data&gt;" in html and "SIMULATED" in html
    assert html.count("<svg") == 2 and "<script" in html and "http" not in html.split("<svg")[0]


# ---- real Dask clusters -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_pair(tmp_path):
    """A `dask scheduler` and one `dask worker` (2 processes) on 127.0.0.1, stopped after."""
    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    if dask is None:
        pytest.skip("the dask CLI is not installed: pip install -e '.[scan]'")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "dask.log", "w")
    common = dict(stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ)
    sched = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address",
         ":0", "--no-show"], **common,
    )  # fmt: skip
    worker = subprocess.Popen(
        [dask, "worker", addr, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1",
         "--no-dashboard"], **common,
    )  # fmt: skip
    try:
        from distributed import Client

        deadline = time.monotonic() + 30
        while True:
            try:
                with Client(addr, timeout="2s") as c:
                    c.wait_for_workers(2, timeout=20)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield addr
    finally:
        for p in (worker, sched):
            os.killpg(p.pid, 15)
        for p in (worker, sched):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()
        log.close()


@pytest.mark.slow
def test_same_table_on_a_localcluster_and_on_a_scheduler_worker_pair(dask_pair, tmp_path):
    symbols = ["SIM-000", "SIM-001", "SIM-NOPE", "SIM-002"]
    tables = {}
    for name, extra in (("local", []), ("remote", ["--scheduler", dask_pair])):
        out = tmp_path / name
        rc = main(
            ["scan", "--data", "sim", "--symbols", ",".join(symbols), "--window", "3h",
             "--out", str(out), *extra],
        )  # fmt: skip
        assert rc == 1  # one symbol failed, the others finished
        tables[name] = pd.read_parquet(out / "scan.parquet")
        html = (out / "index.html").read_text()
        assert "SIM-NOPE" in html and html.count("<svg") == 3 and "SIMULATED" in html
        assert not list(out.glob("*.tmp"))
    local = tables["local"]
    assert list(local["symbol"]) == symbols  # rows in the order asked
    assert local["error"].notna().tolist() == [False, False, True, False]
    assert "SIM-NOPE" in local.loc[2, "error"]
    ok = local[local["error"].isna()]
    assert (ok["price"] > 0).all() and (ok["nearest_long_zone_price"] < ok["price"]).all()
    assert (ok["nearest_short_zone_price"] > ok["price"]).all()
    assert ok["price"].is_unique  # distinct members, distinct markets
    pd.testing.assert_frame_equal(tables["remote"][SAME], local[SAME])


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_one_line_error(capsys, tmp_path):
    rc = main(
        ["scan", "--n-symbols", "1", "--window", "1h", "--out", str(tmp_path),
         "--scheduler", f"tcp://127.0.0.1:{_free_port()}"],
    )  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "no Dask scheduler answers" in err


@pytest.mark.slow
def test_binance_scan_reads_through_the_cache(archive_env, tmp_path, monkeypatch):
    """Real HTTP against the loopback archive; the rerun does no network I/O."""
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIQLIB_PROGRESS", "0")
    cfg = ScanConfig(data="binance", window="24h", end="2025-11-05", n_bins=300)
    first = scan(["BTCUSDT", "NOSUCHUSDT"], cfg, n_workers=1)
    assert pd.isna(first.loc[0, "error"]), first.loc[0, "error"]
    assert "NOSUCHUSDT" in first.loc[1, "error"]
    assert first.loc[0, "window_start"] == pd.Timestamp("2025-11-04", tz="UTC")
    hits = sum(archive_env.requests.values())
    assert hits > 0
    second = scan(["BTCUSDT"], cfg, n_workers=1)
    assert sum(archive_env.requests.values()) == hits  # warm cache: no request at all
    pd.testing.assert_frame_equal(second[SAME].iloc[[0]], first[SAME].iloc[[0]])
