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
load_event_candles  real hourly BTC/ETH/DOGE/SOL perpetual candles around the 2025 events (bundled)
verify_cache     check (and repair) every cached file: recorded sha256, schema, contract
show_config      every LIQLIB_* setting, its current value and meaning
log_to_stderr    show liqlib's log messages (downloads, repairs, gaps) on stderr / in Jupyter

``import liqlib`` is quick: the modules behind these names (pandas, numba, matplotlib,
requests, plotly, nbformat...) are imported on first use of a name (PEP 562).
"""

__version__ = "0.2.0"

from typing import TYPE_CHECKING

from liqlib import _compat
from liqlib.data import columns
from liqlib.errors import (
    CacheError,
    ChecksumError,
    CorruptDataError,
    DataNotFoundError,
    DownloadError,
    InputError,
    LiqlibDeprecationWarning,
    LiqlibError,
    UnknownSymbolError,
)

_compat.install()

#: Public name -> module that defines it; imported on first attribute access.
_LAZY = {
    "BracketTable": "liqlib.estimate.brackets",
    "bracket_tables": "liqlib.estimate.brackets",
    "get_bracket_table": "liqlib.estimate.brackets",
    "liquidation_price": "liqlib.estimate.brackets",
    "load_leverage_brackets": "liqlib.estimate.brackets",
    "lp_factors": "liqlib.estimate.brackets",
    "EngineParams": "liqlib.estimate.config",
    "LeverageMix": "liqlib.estimate.config",
    "default_mix": "liqlib.estimate.config",
    "Heatmap": "liqlib.estimate.heatmap",
    "MODELS": "liqlib.estimate.registry",
    "estimate_heatmap": "liqlib.estimate.registry",
    "plot_market": "liqlib.viz.plot",
    "plot_heatmap": "liqlib.viz.plot",
    "plot_liquidation_map": "liqlib.viz.plot",
    "make_heatmap_explorer": "liqlib.viz.explorer",
    "record": "liqlib.report.run",
    "versions": "liqlib.report.run",
    "clear_cache": "liqlib.data.store",
    "default_cache_dir": "liqlib.data.store",
    "describe_datasets": "liqlib.data.store",
    "load_market": "liqlib.data.store",
    "make_synthetic_market": "liqlib.sim.synthetic",
    "verify_cache": "liqlib.data.store",
    "resample_market": "liqlib.data.bars",
    "load_event_candles": "liqlib.data.events",
    "DATA_SOURCES": "liqlib.sim.datasource",
    "load_data": "liqlib.sim.datasource",
    "shared_data_file": "liqlib.sim.datasource",
    "DEMO_SYMBOL": "liqlib.sim.demo",
    "demo_days": "liqlib.sim.demo",
    "load_demo": "liqlib.sim.demo",
    "serve_demo": "liqlib.sim.demo",
    "use_demo_mirror": "liqlib.sim.demo",
    "LogNormalLeverage": "liqlib.sim.market",
    "SimConfig": "liqlib.sim.market",
    "simulate_market": "liqlib.sim.market",
    "MarketTruth": "liqlib.sim.truth",
    "DEFAULT_MODEL": "liqlib.estimate.registry",
    "LeverageDensity": "liqlib.estimate.config",
    "MixCalibration": "liqlib.estimate.calibrate",
    "show_config": "liqlib.settings",
    "log_to_stderr": "liqlib.settings",
    "calibrate_leverage_mix": "liqlib.estimate.calibrate",
}

if TYPE_CHECKING:  # static analysers see the eager imports
    from liqlib.data.bars import resample_market
    from liqlib.data.events import load_event_candles
    from liqlib.data.store import (
        clear_cache,
        default_cache_dir,
        describe_datasets,
        load_market,
        verify_cache,
    )
    from liqlib.estimate.brackets import (
        BracketTable,
        bracket_tables,
        get_bracket_table,
        liquidation_price,
        load_leverage_brackets,
        lp_factors,
    )
    from liqlib.estimate.calibrate import MixCalibration, calibrate_leverage_mix
    from liqlib.estimate.config import EngineParams, LeverageDensity, LeverageMix, default_mix
    from liqlib.estimate.heatmap import Heatmap
    from liqlib.estimate.registry import DEFAULT_MODEL, MODELS, estimate_heatmap
    from liqlib.report.run import record, versions
    from liqlib.settings import log_to_stderr, show_config
    from liqlib.sim.datasource import DATA_SOURCES, load_data, shared_data_file
    from liqlib.sim.demo import (
        DEMO_SYMBOL,
        demo_days,
        load_demo,
        serve_demo,
        use_demo_mirror,
    )
    from liqlib.sim.market import LogNormalLeverage, SimConfig, simulate_market
    from liqlib.sim.synthetic import make_synthetic_market
    from liqlib.sim.truth import MarketTruth
    from liqlib.validate import evaluate
    from liqlib.viz.explorer import make_heatmap_explorer
    from liqlib.viz.plot import plot_heatmap, plot_liquidation_map, plot_market


#: Submodules reachable as attributes (``lq.evaluate.out_of_sample``, ``lq.viz.plot_zones``),
#: imported on first use: the seven stages and two modules users reach directly.
_SUBMODULES = {
    "data": "liqlib.data",
    "estimate": "liqlib.estimate",
    "sim": "liqlib.sim",
    "validate": "liqlib.validate",
    "viz": "liqlib.viz",
    "stories": "liqlib.stories",
    "report": "liqlib.report",
    "evaluate": "liqlib.validate.evaluate",
    "demo": "liqlib.sim.demo",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(_SUBMODULES[name])
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
    "LiqlibDeprecationWarning",
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
    "load_event_candles",
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
    "show_config",
    "log_to_stderr",
]
