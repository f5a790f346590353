"""`liqlib report --symbol SYMBOL --window W`: the report notebook end to end (HTML with code
hidden, an index whose links resolve, the page rendered non-blank in headless Chromium), and
secrets: never a parameter, never in a report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from liqlib.errors import LiqlibError
from liqlib.report.cli import refuse_secrets
from liqlib.report.run import read_records

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]  # fmt: skip
SECRET = "sk-liqlib-test-7f3a9c1e-never-print-me"


def _report(args, out, **env_extra):
    env = {**os.environ, "LIQLIB_PROGRESS": "0", **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "liqlib.report.cli", "report", "--out", str(out), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def symbol_report(tmp_path_factory):
    """One run on the SIMULATED demo, with a secret in the environment."""
    out = tmp_path_factory.mktemp("reports")
    proc = _report(
        ["--data", "demo", "--symbol", "BTCUSDT", "--window", "12h",
         "-p", "WARMUP", "1D", "-p", "N_BINS", "150", "-p", "MAX_COLUMNS", "100",
         "-p", "ALERT_PCT", "3.5", "--timeout", "300"],
        out, COINGLASS_API_KEY=SECRET, LIQLIB_CACHE_DIR=str(out.parent / "cache"),
    )  # fmt: skip
    return out, proc


@pytest.mark.slow
@pytest.mark.notebook
def test_symbol_report_writes_html_and_an_index_that_resolves(symbol_report):
    out, proc = symbol_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = out / "20-report-BTCUSDT-12h.html"
    assert f"wrote {page}" in proc.stdout
    rec = read_records(page.with_suffix(".ipynb"))
    assert "(12h)" in rec["window"] and "SIMULATED" in rec["data_note"]
    assert rec["n_alerts"] >= 0 and rec["summary"].startswith("**SIM-BTCUSDT**")
    text = page.read_text()
    assert "load_report_market(" not in text  # code hidden
    for bad in ("Traceback", "it/s]", "Warning:", "WARNING"):
        assert bad not in text, bad
    index = (out / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert links == [page.name] and all((out / link).is_file() for link in links)
    assert "(12h)" in index and "SIMULATED" in index and "made " in index
    # a banner for the run: when, which DATA, what kind of data, pages written and failed
    assert re.search(r"Run of \d{4}-\d\d-\d\d \d\d:\d\d UTC &middot; DATA demo", index)
    assert "1 page(s) written, 0 failed" in index


def _text(html_text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html_text).split())


@pytest.mark.slow
@pytest.mark.notebook
def test_report_page_reads_as_a_morning_page(symbol_report):
    out, proc = symbol_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = out / "20-report-BTCUSDT-12h.html"
    raw = page.read_text()
    rec = read_records(page.with_suffix(".ipynb"))
    assert re.search(r"<title>(.*?)</title>", raw).group(1) == "20 · Liquidation report"
    # order: status (data source, SIMULATED, last time and age), summary, alerts, then figures
    pos = {k: raw.find(k) for k in ('id="Status"', "SIMULATED DATA", 'id="Summary"',
                                    'id="Alerts"', "<img")}  # fmt: skip
    assert all(v > 0 for v in pos.values()), pos
    assert list(pos.values()) == sorted(pos.values()), pos
    text = _text(raw)
    last = pd.Timestamp(rec["data_last"])
    assert f"data up to {last:%Y-%m-%d %H:%M} UTC" in text and " old" in text
    # the alerts table has rows, not headers only: one per alert, or one saying there is none
    alerts = _text(raw[pos['id="Alerts"'] : pos["<img"]])
    if rec["n_alerts"]:
        assert "USD at stake" in alerts and re.search(r"\b1 (longs|shorts) \(price", alerts)
    else:
        assert "none: no hot zone within 3.5 %" in alerts
    # plumbing stays out of the page: no parameter dump, no record lines, no versions dict
    for bad in ("Parameters and set-up", "swept_long_usd =", "'python'", "window_start ="):
        assert bad not in text, bad
    assert _text(raw).count("Checks and key figures") == 0
    # the static views: four small multiples and stacking near the price
    assert set(rec["views"]) == {"12h", "24h", "3D", "7D"}
    ends = {v[1] for v in rec["views"].values()}
    assert len(ends) == 1 and rec["near_peak_usd"] > 0
    assert raw.count("<img") >= 6


@pytest.mark.slow
@pytest.mark.notebook
def test_report_draws_the_demos_simulated_realized_liquidations(symbol_report):
    """REALIZED="auto" on the demo: the simulator's liquidations of the window, as dots over
    the heatmap, labelled SIMULATED; their USD is the demo truth's over the same minutes."""
    from liqlib.sim.demo import load_demo

    out, proc = symbol_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = out / "20-report-BTCUSDT-12h.html"
    rec = read_records(page.with_suffix(".ipynb"))
    assert rec["realized_synthetic"] is True and rec["realized_events"] > 0
    _, truth = load_demo(truth=True)
    last = pd.Timestamp(rec["data_last"])
    minutes = truth.liquidations.loc[
        (truth.liquidations.index >= last - pd.Timedelta("12h")) & (truth.liquidations.index < last)
    ]
    assert rec["realized_usd"]["long"] == pytest.approx(minutes["long_usd"].sum(), rel=1e-6)
    assert rec["realized_usd"]["short"] == pytest.approx(minutes["short_usd"].sum(), rel=1e-6)
    text = _text(page.read_text())
    assert f"{rec['realized_events']:,} realized liquidations in the window" in text
    assert "SIMULATED realized liquidations of the demo market (not real)" in text
    assert "with the realized liquidations (SIMULATED)" not in text  # a figure title, an image


@pytest.mark.slow
@pytest.mark.notebook
def test_report_says_what_its_hot_zones_are_worth(symbol_report):
    """The hot zones are ranked, distinct peaks; on the demo the page prints the structure
    lift of its SIMULATED liquidations, its CI and a verdict, all from the recorded numbers."""
    out, proc = symbol_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    page = out / "20-report-BTCUSDT-12h.html"
    rec = read_records(page.with_suffix(".ipynb"))
    usd = rec["hot_zones_usd"]
    assert usd == sorted(usd, reverse=True)
    text = _text(page.read_text())
    assert "Do the hot zones carry information beyond distance?" in text
    lift = rec["structure_lift"]
    assert lift is not None and lift["lift_lo"] <= lift["lift"] <= lift["lift_hi"]
    for value in (lift["lift"], lift["lift_lo"], lift["lift_hi"]):
        assert f"{value:+.3f}" in text
    assert "SIMULATED" in rec["structure_text"]
    assert rec["structure_text"].split(" (**")[0] in text  # "On N hourly bars over D day(s)"
    verdict = ("better than distance", "not distinguishable", "worse than distance")
    assert sum(v in rec["structure_text"] for v in verdict) == 1


@pytest.mark.slow
@pytest.mark.notebook
def test_a_secret_in_the_environment_never_lands_in_a_report(symbol_report):
    out, proc = symbol_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = list(out.rglob("*"))
    assert any(f.suffix == ".html" for f in files) and any(f.suffix == ".ipynb" for f in files)
    for f in files:
        if f.is_file():
            assert SECRET not in f.read_text(errors="replace"), f
    assert SECRET not in proc.stdout + proc.stderr


def test_a_secret_is_never_a_parameter(tmp_path):
    with pytest.raises(LiqlibError, match="COINGLASS_API_KEY looks like a secret"):
        refuse_secrets({"COINGLASS_API_KEY": SECRET})
    proc = _report(["--data", "demo", "-p", "COINGLASS_API_KEY", SECRET], tmp_path / "out")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "environment variable" in proc.stderr
    assert SECRET not in proc.stderr and not (tmp_path / "out").exists()


def test_window_without_symbol_is_a_one_line_error(tmp_path):
    proc = _report(["--window", "24h"], tmp_path / "out")
    assert proc.returncode == 2 and "--symbol" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.notebook
def test_report_renders_non_blank_in_headless_chromium(symbol_report, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(
            "no /usr/bin/chromium: install it with `apt-get install -y chromium` (Debian); "
            "never `playwright install`"
        )
    out, proc = symbol_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    from PIL import Image, ImageStat
    from playwright.sync_api import sync_playwright

    shots = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        for name in ("index.html", "20-report-BTCUSDT-12h.html"):
            page.goto((out / name).as_uri())
            shots[name] = tmp_path / f"{name}.png"
            page.screenshot(path=str(shots[name]), full_page=True)
        n_images = page.eval_on_selector_all(
            "img", "els => els.filter(e => e.complete && e.naturalWidth > 0).length"
        )
        page.goto((out / "index.html").as_uri())
        page.click("a")
        landed = page.url
        browser.close()
    assert n_images >= 4  # market, heatmap, map with zones, predicted liquidations
    assert landed.endswith("20-report-BTCUSDT-12h.html")
    for name, path in shots.items():
        img = Image.open(path).convert("L")
        stat = ImageStat.Stat(img)
        assert stat.stddev[0] > 5, f"{name} screenshot is blank"
    report = Image.open(shots["20-report-BTCUSDT-12h.html"])
    assert report.size[1] > 2000  # the whole page, figures included
