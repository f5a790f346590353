"""liqlib: open, reproducible liquidation heatmaps for crypto perpetual futures.

Public API
----------
load_market      one aligned market frame from the cache or the exchange archive
describe_datasets  what each archive kind holds
plot_market      price, open interest and funding figure
plot_heatmap     the liquidation heatmap (time x, price y, colour = USD)
plot_liquidation_map  the liquidation map at one time: bars by price and leverage tier
make_heatmap_explorer  the interactive heatmap explorer (ipywidgets + plotly)
record           record a key figure in a notebook (read back by tests and reports)
liquidation_price  exact Binance USD-M isolated liquidation price (bracket by notional)
estimate_heatmap   liquidation heatmap from a market frame (models: oi-flow, volume, fixed-offset)
make_synthetic_market  a seeded, clearly labelled synthetic market for tests and teaching

``import liqlib`` is quick: the modules behind these names (pandas, numba, matplotlib,
requests, plotly, nbformat...) are imported on first use of a name (PEP 562).
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from liqlib import columns
from liqlib.errors import (
    CacheError,
    ChecksumError,
    CorruptDataError,
    DataNotFoundError,
    DownloadError,
    InputError,
    LiqlibError,
    UnknownSymbolError,
)

#: Public name -> module that defines it; imported on first attribute access.
_LAZY = {
    "BracketTable": "liqlib.brackets",
    "bracket_tables": "liqlib.brackets",
    "get_bracket_table": "liqlib.brackets",
    "liquidation_price": "liqlib.brackets",
    "load_leverage_brackets": "liqlib.brackets",
    "lp_factors": "liqlib.brackets",
    "EngineParams": "liqlib.config",
    "LeverageMix": "liqlib.config",
    "default_mix": "liqlib.config",
    "Heatmap": "liqlib.engine",
    "MODELS": "liqlib.models",
    "estimate_heatmap": "liqlib.models",
    "plot_market": "liqlib.plot",
    "plot_heatmap": "liqlib.plot",
    "plot_liquidation_map": "liqlib.plot",
    "make_heatmap_explorer": "liqlib.widgets",
    "record": "liqlib.report",
    "versions": "liqlib.report",
    "clear_cache": "liqlib.store",
    "default_cache_dir": "liqlib.store",
    "describe_datasets": "liqlib.store",
    "load_market": "liqlib.store",
    "make_synthetic_market": "liqlib.synthetic",
}

if TYPE_CHECKING:  # static analysers see the eager imports
    from liqlib.brackets import (
        BracketTable,
        bracket_tables,
        get_bracket_table,
        liquidation_price,
        load_leverage_brackets,
        lp_factors,
    )
    from liqlib.config import EngineParams, LeverageMix, default_mix
    from liqlib.engine import Heatmap
    from liqlib.models import MODELS, estimate_heatmap
    from liqlib.plot import plot_heatmap, plot_liquidation_map, plot_market
    from liqlib.report import record, versions
    from liqlib.store import clear_cache, default_cache_dir, describe_datasets, load_market
    from liqlib.synthetic import make_synthetic_market
    from liqlib.widgets import make_heatmap_explorer


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'liqlib' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "MODELS",
    "BracketTable",
    "EngineParams",
    "Heatmap",
    "LeverageMix",
    "bracket_tables",
    "default_mix",
    "estimate_heatmap",
    "get_bracket_table",
    "liquidation_price",
    "load_leverage_brackets",
    "lp_factors",
    "make_heatmap_explorer",
    "make_synthetic_market",
    "CacheError",
    "ChecksumError",
    "CorruptDataError",
    "DataNotFoundError",
    "DownloadError",
    "InputError",
    "LiqlibError",
    "UnknownSymbolError",
    "__version__",
    "clear_cache",
    "columns",
    "default_cache_dir",
    "describe_datasets",
    "load_market",
    "plot_heatmap",
    "plot_liquidation_map",
    "plot_market",
    "record",
    "versions",
]
