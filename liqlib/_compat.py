"""Old import paths (liqlib <= 0.1, one flat folder) kept working for one release, with a warning.

One table, :data:`OLD_PATHS`, maps each old module to its new home. A meta-path finder serves the
old name as the new module itself (or, for ``liqlib.engine``, which was split, as a view over its
four parts), after a :class:`~liqlib.errors.LiqlibDeprecationWarning` that names the new path.
The shim goes in :data:`REMOVE_IN`; ``tests/test_layout.py`` fails once ``liqlib.__version__``
reaches it, so the removal cannot be forgotten.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

from liqlib.errors import LiqlibDeprecationWarning

#: The release that drops the old paths.
REMOVE_IN = "0.3.0"

#: Old module -> new module (or modules, searched in order, for a module that was split).
OLD_PATHS: dict[str, str | tuple[str, ...]] = {
    "liqlib.columns": "liqlib.data.columns",
    "liqlib.timeutil": "liqlib.data.time",
    "liqlib.http": "liqlib.data.http",
    "liqlib.contract": "liqlib.data.contract",
    "liqlib.cache": "liqlib.data.cache",
    "liqlib.store": "liqlib.data.store",
    "liqlib.bars": "liqlib.data.bars",
    "liqlib.serve": "liqlib.data.serve",
    "liqlib.sources": "liqlib.data.sources",
    "liqlib.sources.csvtable": "liqlib.data.sources.csvtable",
    "liqlib.sources.coinglass": "liqlib.data.sources.coinglass",
    "liqlib.sources.binance": "liqlib.data.sources.binance.archive",
    "liqlib.sources.binance_parsers": "liqlib.data.sources.binance.parsers",
    "liqlib.sources.binance_rest": "liqlib.data.sources.binance.rest",
    "liqlib.sources.binance_symbols": "liqlib.data.sources.binance.symbols",
    "liqlib.sources.binance_writer": "liqlib.data.sources.binance.writer",
    "liqlib.brackets": "liqlib.estimate.brackets",
    "liqlib.config": "liqlib.estimate.config",
    "liqlib.calibrate": "liqlib.estimate.calibrate",
    "liqlib.turnover": "liqlib.estimate.turnover",
    "liqlib.models": "liqlib.estimate.registry",
    "liqlib.engine": (
        "liqlib.estimate.heatmap",
        "liqlib.estimate.inputs",
        "liqlib.estimate.kernels",
        "liqlib.estimate.oi_flow",
    ),
    "liqlib.truth": "liqlib.sim.truth",
    "liqlib.synthetic": "liqlib.sim.synthetic",
    "liqlib.datasource": "liqlib.sim.datasource",
    "liqlib.evaluate": "liqlib.validate.evaluate",
    "liqlib.plot": "liqlib.viz.plot",
    "liqlib.plot_accuracy": "liqlib.viz.accuracy",
    "liqlib.plot_story": "liqlib.viz.story",
    "liqlib.widgets": "liqlib.viz.explorer",
    "liqlib.zones": "liqlib.stories.zones",
    "liqlib.calculator": "liqlib.stories.calculator",
    "liqlib.guidance": "liqlib.stories.guidance",
    "liqlib.case": "liqlib.stories.case",
    "liqlib.cited": "liqlib.stories.cited",
    "liqlib.story": "liqlib.stories.story",
    "liqlib.report_window": "liqlib.stories.report_window",
    "liqlib.cli": "liqlib.report.cli",
    "liqlib.cache_cli": "liqlib.report.cache_cli",
}
# ``liqlib.sim``, ``liqlib.demo``-as-attribute, ``liqlib.report`` and ``liqlib.validate`` kept
# their names: they are now packages that expose the same functions.


def _warn(old: str, new: str) -> None:
    warnings.warn(
        f"{old} moved to {new} in liqlib 0.2: import it from there, or use the public "
        f"names (import liqlib as lq); the old path goes in liqlib {REMOVE_IN}",
        LiqlibDeprecationWarning,
        stacklevel=4,
    )


def _composite(old: str, parts: tuple[str, ...]) -> types.ModuleType:
    """A module whose attributes come from ``parts``, searched in order."""
    mods = [importlib.import_module(p) for p in parts]
    view = types.ModuleType(old, f"Old path of {', '.join(parts)} (deprecated).")

    def __getattr__(name: str):
        for m in mods:
            if hasattr(m, name):
                return getattr(m, name)
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    view.__getattr__ = __getattr__  # type: ignore[attr-defined]
    return view


class _OldPathFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in OLD_PATHS:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = OLD_PATHS[spec.name]
        _warn(spec.name, new if isinstance(new, str) else " / ".join(new))
        if isinstance(new, tuple):
            return _composite(spec.name, new)
        return importlib.import_module(new)

    def exec_module(self, module):  # the module is the new one, already executed
        return None


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _OldPathFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _OldPathFinder())  # before PathFinder: "liqlib.sources.binance"
        # would otherwise load the new binance package a second time under the old name
