"""``import liqlib`` stays quick: no heavy module is imported until a name that needs it is used.

(How long it takes is measured by ``benchmarks/bench_import.py``; this test checks the cause,
deterministically: which modules one import pulls in.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "numba", "matplotlib", "nbformat", "requests", "plotly", "xarray")


def _modules_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_liqlib_imports_no_heavy_module():
    loaded = _modules_after("import liqlib")
    assert not loaded & set(HEAVY), f"import liqlib pulled in {sorted(loaded & set(HEAVY))}"


def test_public_names_resolve_on_first_use():
    import liqlib as lq

    for name in lq.__all__:
        assert getattr(lq, name) is not None, name
    assert set(lq._LAZY) <= set(dir(lq))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = lq.nope


def test_estimating_does_not_import_the_notebook_or_widget_stack():
    loaded = _modules_after(
        "import liqlib as lq\nlq.estimate_heatmap(lq.make_synthetic_market(50), n_bins=10)"
    )
    assert not loaded & {"nbformat", "plotly", "ipywidgets", "matplotlib"}
