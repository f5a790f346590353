"""The report command: data selection (mirror, archive, bundled SIMULATED demo), typed -p
values, one-line failures that keep the other reports, HTML with code hidden and an index."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from archive_server import build_synthetic_archive

from liqlib.report.cli import typed_value
from liqlib.report.run import read_records

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_report_on_real_data_without_reachable_archive_says_how_to_get_data(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}"
    env = {"LIQLIB_BINANCE_ARCHIVE_URL": url, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "liqlib.report.cli", "report", "--data", "binance", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    message = proc.stderr.strip().splitlines()[-1]
    assert url in message and "MIRROR=" in message and "LIQLIB_BINANCE_ARCHIVE_URL" in message
    assert "--data demo" in message
    assert not list(tmp_path.iterdir()), "nothing may be written when the run cannot start"


def test_report_with_a_missing_mirror_folder_is_a_one_line_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "liqlib.report.cli", "report", "--mirror", str(tmp_path / "nope")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr


@pytest.mark.slow
@pytest.mark.notebook
def test_report_serves_a_mirror_and_writes_html(tmp_path):
    """The main job end to end: `liqlib report --mirror DIR` serves a (SYNTHETIC) archive on
    127.0.0.1, runs notebook 01 with papermill and writes its HTML report."""
    days = pd.date_range("2025-10-02", "2025-11-07").strftime("%Y-%m-%d").tolist()
    arch = build_synthetic_archive(
        tmp_path / "mirror", days=days, kinds=("markPriceKlines", "fundingRate"), interval="5m"
    )
    env = {**os.environ, "LIQLIB_CACHE_DIR": str(tmp_path / "cache"), "LIQLIB_PROGRESS": "0"}
    env.pop("LIQLIB_BINANCE_ARCHIVE_URL", None)
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "liqlib.report.cli", "report", "--mirror", str(arch.root), "--out",
         str(out), "--notebook", "notebooks/01-data-acquisition.ipynb", "--timeout", "300"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = out / "01-data-acquisition.html"
    assert f"wrote {html}" in proc.stdout
    assert read_records(out / "01-data-acquisition.ipynb")["rows"] == 7 * 288
    assert "window_low_usd" in html.read_text()


def _run(args, tmp_path, timeout=600, **env_extra):
    env = {**os.environ, "LIQLIB_CACHE_DIR": str(tmp_path / "cache"), **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "liqlib.report.cli", "report", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _notebook(path: Path, params: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {path.stem}"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "text, value",
    [("500", 500), ("0.25", 0.25), ("True", True), ("False", False), ("None", None),
     ("[10, 25, 50]", [10, 25, 50]), ("BTCUSDT", "BTCUSDT"), ("2025-11-04", "2025-11-04"),
     ("[not, closed", "[not, closed")],
)  # fmt: skip
def test_p_values_are_typed_as_papermill_types_them(text, value):
    got = typed_value(text)
    assert got == value and type(got) is type(value)


@pytest.mark.slow
@pytest.mark.notebook
def test_typed_parameters_reach_the_notebook_and_a_failure_keeps_the_other_reports(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good = _notebook(
        nbs / "01-types.ipynb",
        "N_BINS = 1\nRATE = 0.0\nFLAG = False\nTIERS = []\nNAME = ''\nDATA = 'demo'",
        "import liqlib as lq\n"
        "for k in ('N_BINS', 'RATE', 'FLAG', 'TIERS', 'NAME', 'DATA'):\n"
        "    lq.record(k, [type(globals()[k]).__name__, globals()[k]])",
    )
    bad = _notebook(
        nbs / "02-fails.ipynb", "DATA = 'demo'",
        "import liqlib as lq\nraise lq.InputError('SYMBOL \"XX\" is unknown: use BTCUSDT')",
    )  # fmt: skip
    out = tmp_path / "reports"
    proc = _run(
        ["--data", "demo", "--notebook", str(bad), "--notebook", str(good), "--out", str(out),
         "-p", "N_BINS", "500", "-p", "RATE", "0.5", "-p", "FLAG", "True",
         "-p", "TIERS", "[10, 25]", "-p", "NAME", "BTCUSDT", "--timeout", "120"],
        tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if "failed:" in line]
    assert len(errors) == 1
    assert 'InputError: SYMBOL "XX" is unknown: use BTCUSDT (full log: ' in errors[0]
    assert "Traceback" not in proc.stderr
    rec = read_records(out / "01-types.ipynb")
    assert rec == {
        "N_BINS": ["int", 500], "RATE": ["float", 0.5], "FLAG": ["bool", True],
        "TIERS": ["list", [10, 25]], "NAME": ["str", "BTCUSDT"], "DATA": ["str", "demo"],
    }  # fmt: skip
    assert (out / "01-types.html").is_file() and not (out / "02-fails.html").exists()
    assert "01-types.html" in (out / "index.html").read_text()


@pytest.mark.slow
@pytest.mark.notebook
def test_report_falls_back_to_the_demo_offline_and_writes_an_index(tmp_path):
    """No mirror, no archive: the suite runs on the bundled SIMULATED demo market."""
    url = f"http://127.0.0.1:{_closed_port()}"
    out = tmp_path / "reports"
    proc = _run(
        ["--notebook", "notebooks/01-data-acquisition.ipynb", "--out", str(out)],
        tmp_path, LIQLIB_BINANCE_ARCHIVE_URL=url,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "SIMULATED demo market" in proc.stdout
    rec = read_records(out / "01-data-acquisition.ipynb")
    assert rec["data"] == "demo" and "SIMULATED" in rec["data_note"]
    page = (out / "01-data-acquisition.html").read_text()
    assert "lq.load_market(" not in page  # code hidden in reports
    assert "Traceback" not in page and "it/s]" not in page  # no tracebacks, no progress bars
    index = (out / "index.html").read_text()
    links = [part.split('"')[0] for part in index.split('href="')[1:]]
    assert links == ["01-data-acquisition.html"]
    assert all((out / link).is_file() for link in links)
    assert "SIMULATED" in index


def test_version_and_help_list_examples_and_every_notebook_parameter(capsys):
    import liqlib
    from liqlib.report.cli import main
    from liqlib.report.suite import default_notebooks, notebook_parameters, notebooks_dir

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert (
        done.value.code == 0 and capsys.readouterr().out.strip() == f"liqlib {liqlib.__version__}"
    )
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "liqlib report --symbol BTCUSDT" in text
    names = {n for nb in default_notebooks(notebooks_dir()) for n in notebook_parameters(nb)}
    assert {"DATA", "SYMBOL", "MODEL", "N_BINS"} <= names
    for name in names:
        assert f"\n  {name} = " in text, name


def test_notebook_parameters_reads_the_parameters_cell(tmp_path):
    from liqlib.report.suite import notebook_parameters

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(
            'SYMBOL = "ETHUSDT"  # the perpetual\nN = 3\nWHEN = pd.Timestamp("2025")',
            metadata={"tags": ["parameters"]},
        ),
    ]
    path = tmp_path / "00-x.ipynb"
    nbformat.write(nb, path)
    assert notebook_parameters(path) == {
        "SYMBOL": ("ETHUSDT", "the perpetual"),
        "N": (3, ""),
        "WHEN": ('pd.Timestamp("2025")', ""),
    }


def test_without_notebooks_anywhere_report_says_where_it_looked(tmp_path, monkeypatch):
    from liqlib.report import suite
    from liqlib.report.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(suite, "_candidates", lambda: [tmp_path / "a", tmp_path / "b"])
    assert main(["report", "--out", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()


def test_an_unknown_parameter_is_refused_with_the_known_ones(tmp_path):
    """``-p SOURCE nonsense`` used to run as if nothing was passed (papermill only warns)."""
    nb = _notebook(tmp_path / "01-x.ipynb", "DATA = 'demo'\nN_BINS = 10", "x = 1")
    proc = _run(
        ["--notebook", str(nb), "--out", str(tmp_path / "o"), "-p", "SOURCE", "x"], tmp_path
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "liqlib report: -p SOURCE is not a parameter of this notebook: use one of DATA, N_BINS"
    ]
    assert not (tmp_path / "o").exists()  # nothing half-written


@pytest.mark.parametrize(
    "nb", sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")), ids=lambda p: p.stem
)
def test_every_parameter_a_notebook_assigns_is_one_papermill_reads(nb):
    """A parameter papermill cannot parse (e.g. '=' inside its comment) would be refused by -p."""
    import re

    import nbformat

    from liqlib.report.run import declared_parameters

    cell = next(
        c for c in nbformat.read(nb, as_version=4).cells
        if "parameters" in c.metadata.get("tags", [])
    )  # fmt: skip
    assigned = set(re.findall(r"(?m)^([A-Z][A-Z0-9_]*)\s*=", cell.source))
    assert assigned and assigned <= set(declared_parameters(nb)), assigned - set(
        declared_parameters(nb)
    )
