"""The layout by stage: imports run one way, down the pipeline; old paths warn, then go."""

from __future__ import annotations

import ast
import importlib
import warnings
from pathlib import Path

import pytest

import liqlib
from liqlib import _compat
from liqlib.errors import LiqlibDeprecationWarning

PKG = Path(liqlib.__file__).resolve().parent
#: The stages in pipeline order; a module may import from its own stage or an earlier one.
STAGES = (
    "errors",
    "_compat",
    "settings",
    "data",
    "estimate",
    "sim",
    "validate",
    "viz",
    "stories",
    "report",
)


def _stage(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "liqlib" or len(parts) == 1:
        return -1
    return STAGES.index(parts[1])


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every liqlib module imported by ``path`` (at any depth, lazy imports included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("liqlib"):
            out.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.startswith("liqlib")]
    return out


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        if name != "liqlib":
            yield name, path


def test_every_module_belongs_to_a_stage():
    for name, _ in _modules():
        assert name.split(".")[1] in STAGES, f"{name} is outside the stages {STAGES}"


def test_imports_run_one_way_down_the_pipeline():
    upward = []
    for name, path in _modules():
        me = _stage(name)
        for target, line in _imports(path):
            if target != "liqlib" and _stage(target) > me:
                upward.append(f"{path.relative_to(PKG.parent)}:{line} imports {target}")
    assert not upward, "imports from a later stage:\n" + "\n".join(upward)


def test_no_import_circle_inside_the_binance_source():
    """kinds/parsers/symbols <- rest <- archive: no module imports one above it."""
    order = ["kinds", "parsers", "symbols", "rest", "archive"]
    base = PKG / "data" / "sources" / "binance"
    for i, mod in enumerate(order):
        for target, line in _imports(base / f"{mod}.py"):
            if target.startswith("liqlib.data.sources.binance."):
                other = target.rsplit(".", 1)[1]
                assert other in order[:i] or (mod, other) == ("kinds", "parsers"), (
                    f"{mod}.py:{line} imports {other} (above it)"
                )


@pytest.mark.parametrize("old", sorted(_compat.OLD_PATHS))
def test_old_import_paths_warn_and_give_the_new_objects(old):
    new = _compat.OLD_PATHS[old]
    import sys

    sys.modules.pop(old, None)
    with pytest.warns(LiqlibDeprecationWarning, match="moved to"):
        mod = importlib.import_module(old)
    if isinstance(new, str):
        assert mod is importlib.import_module(new)
    else:  # a split module: every name of every part is reachable under the old path
        for part in new:
            real = importlib.import_module(part)
            for name in [n for n in vars(real) if not n.startswith("__")][:20]:
                assert getattr(mod, name) is getattr(real, name)


def test_old_paths_are_removed_on_schedule():
    from packaging.version import Version

    assert Version(liqlib.__version__) < Version(_compat.REMOVE_IN), (
        f"liqlib {liqlib.__version__} reached {_compat.REMOVE_IN}: delete liqlib/_compat.py and "
        "its table, as the deprecation warnings promised"
    )


def test_stage_front_doors_are_lazy_and_complete():
    import subprocess
    import sys

    code = (
        "import sys, liqlib as lq; assert 'pandas' not in sys.modules, 'import liqlib is eager';"
        "lq.viz; lq.stories; lq.report; lq.data; lq.estimate; lq.sim;"
        "assert 'pandas' not in sys.modules, 'a stage front door is eager';"
        "print(lq.viz.plot_zones.__module__, lq.estimate.estimate_heatmap.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["liqlib.viz.story", "liqlib.estimate.registry"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for stage in STAGES[2:]:
            mod = importlib.import_module(f"liqlib.{stage}")
            assert mod.__doc__ and mod.__doc__.strip(), f"liqlib.{stage} states no job"
