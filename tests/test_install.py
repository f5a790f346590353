"""liqlib installed from its wheel (not editable), used from a folder outside the checkout:
the wheel holds the package data and the notebooks, and an installed copy loads the demo,
estimates it and finds its notebooks.

The wheel is installed with ``--no-deps`` into a fresh virtual environment whose dependencies
come from this test environment's site-packages (appended through a ``.pth`` line, after the
fresh environment's own): a real non-editable install of liqlib in ~30 s instead of minutes
of resolving. The full resolve is measured apart (see the install figures in the README).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    # a clean copy of the tracked files: the checkout's caches and venv stay out of the build
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in files:
        src = ROOT / name
        if src.is_file() and not name.startswith(("data/cache/", ".venv/")):
            dst = build / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(build)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = out.glob("liqlib-*.whl")
    return path


def test_the_wheel_holds_the_package_data_and_the_notebooks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "liqlib/py.typed" in names
    assert "liqlib/datasets/demo/registry.json" in names
    assert any(n.startswith("liqlib/datasets/events/") for n in names)
    assert any(n.startswith("liqlib/data/sources/binance/resources/") for n in names)
    assert "liqlib/data/sources/bybit/resources/tiers_bybit_linear.json" in names
    assert "liqlib/data/sources/okx/resources/tiers_okx_swap.json" in names
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    expected = {f"share/liqlib/notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert expected and data == expected
    assert not any(n.startswith(("tests/", "benchmarks/", "data/cache")) for n in names)


def test_an_installed_copy_loads_the_demo_estimates_and_finds_its_notebooks(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
         "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # dependencies from this environment, searched after the fresh one's own site-packages
    (Path(site) / "zz_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = """
import json, liqlib as lq
from liqlib.report.suite import default_notebooks, notebooks_dir
market = lq.load_demo()
hm = lq.estimate_heatmap(market, n_bins=50, max_columns=20)
print(json.dumps({
    "file": lq.__file__, "rows": len(market), "symbol": market.attrs["symbol"],
    "columns": len(hm.times), "usd": float(hm.totals().iloc[-1].sum()),
    "notebooks": [str(p) for p in default_notebooks(notebooks_dir())],
    "cache": str(lq.default_cache_dir()),
}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIQLIB_")}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    env.pop("PYTHONPATH", None)
    run = subprocess.run(
        [str(py), "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["file"].startswith(str(venv)) and str(ROOT) not in got["file"]
    assert got["rows"] > 1000 and got["symbol"].startswith("SIM-")
    assert got["columns"] == 20 and got["usd"] > 0
    names = [Path(p).name for p in got["notebooks"]]
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert all(p.startswith(str(venv / "share" / "liqlib" / "notebooks")) for p in got["notebooks"])
    assert got["cache"] == str(tmp_path / "xdg" / "liqlib")  # platformdirs, not a checkout
    cli = subprocess.run(
        [str(venv / "bin" / "liqlib"), "report", "--help"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 0 and "\n  SYMBOL = " in cli.stdout, cli.stderr[-2000:]
