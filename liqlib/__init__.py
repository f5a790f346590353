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
estimate_heatmap   liquidation heatmap from a market frame (models: turnover = default, oi-flow,
                   volume, fixed-offset)
calibrate_leverage_mix  fit the turnover model's leverage mix to realized liquidations or OI
LeverageDensity  a continuous (log-normal) leverage distribution
evaluate         every model vs realized liquidations or a simulation's truth, out of sample
make_synthetic_market  a seeded, clearly labelled synthetic market for tests and teaching
simulate_market  an agent-based SIMULATED market whose every position is known (market, truth)
load_demo        the bundled SIMULATED demo market (the offline default); serve_demo serves it
load_data        the market a notebook runs on: DATA = "demo" | "binance" | "synthetic"
resample_market  coarser bars from a market frame
verify_cache     check (and repair) every cached file: recorded sha256, schema, contract

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
    "verify_cache": "liqlib.store",
    "resample_market": "liqlib.bars",
    "DATA_SOURCES": "liqlib.datasource",
    "load_data": "liqlib.datasource",
    "shared_data_file": "liqlib.datasource",
    "DEMO_SYMBOL": "liqlib.demo",
    "demo_days": "liqlib.demo",
    "load_demo": "liqlib.demo",
    "serve_demo": "liqlib.demo",
    "use_demo_mirror": "liqlib.demo",
    "LogNormalLeverage": "liqlib.sim",
    "SimConfig": "liqlib.sim",
    "simulate_market": "liqlib.sim",
    "MarketTruth": "liqlib.truth",
    "DEFAULT_MODEL": "liqlib.models",
    "LeverageDensity": "liqlib.config",
    "MixCalibration": "liqlib.calibrate",
    "calibrate_leverage_mix": "liqlib.calibrate",
}

if TYPE_CHECKING:  # static analysers see the eager imports
    from liqlib import evaluate
    from liqlib.bars import resample_market
    from liqlib.brackets import (
        BracketTable,
        bracket_tables,
        get_bracket_table,
        liquidation_price,
        load_leverage_brackets,
        lp_factors,
    )
    from liqlib.calibrate import MixCalibration, calibrate_leverage_mix
    from liqlib.config import EngineParams, LeverageDensity, LeverageMix, default_mix
    from liqlib.datasource import DATA_SOURCES, load_data, shared_data_file
    from liqlib.demo import DEMO_SYMBOL, demo_days, load_demo, serve_demo, use_demo_mirror
    from liqlib.engine import Heatmap
    from liqlib.models import DEFAULT_MODEL, MODELS, estimate_heatmap
    from liqlib.plot import plot_heatmap, plot_liquidation_map, plot_market
    from liqlib.report import record, versions
    from liqlib.sim import LogNormalLeverage, SimConfig, simulate_market
    from liqlib.store import (
        clear_cache,
        default_cache_dir,
        describe_datasets,
        load_market,
        verify_cache,
    )
    from liqlib.synthetic import make_synthetic_market
    from liqlib.truth import MarketTruth
    from liqlib.widgets import make_heatmap_explorer


#: Submodules reachable as attributes (``lq.evaluate.out_of_sample``), imported on first use.
_SUBMODULES = ("evaluate", "validate", "demo", "sim")


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"liqlib.{name}")
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
    "verify_cache",
    "resample_market",
    "DATA_SOURCES",
    "load_data",
    "shared_data_file",
    "DEMO_SYMBOL",
    "demo_days",
    "load_demo",
    "serve_demo",
    "use_demo_mirror",
    "LogNormalLeverage",
    "SimConfig",
    "simulate_market",
    "MarketTruth",
    "DEFAULT_MODEL",
    "LeverageDensity",
    "MixCalibration",
    "calibrate_leverage_mix",
    "evaluate",
]
