"""liqlib: open, reproducible liquidation heatmaps for crypto perpetual futures.

Public API
----------
load_market      one aligned market frame from the cache or the exchange archive
describe_datasets  what each archive kind holds
plot_market      price, open interest and funding figure
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
resample_market  coarser bars from a market frame
"""

__version__ = "0.1.0"

from liqlib import columns, evaluate
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
from liqlib.demo import load_demo, serve_demo
from liqlib.engine import Heatmap
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
from liqlib.models import DEFAULT_MODEL, MODELS, estimate_heatmap
from liqlib.plot import plot_market
from liqlib.report import record, versions
from liqlib.sim import LogNormalLeverage, SimConfig, simulate_market
from liqlib.store import clear_cache, default_cache_dir, describe_datasets, load_market
from liqlib.synthetic import make_synthetic_market
from liqlib.truth import MarketTruth

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "LeverageDensity",
    "MixCalibration",
    "calibrate_leverage_mix",
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
    "make_synthetic_market",
    "simulate_market",
    "SimConfig",
    "LogNormalLeverage",
    "MarketTruth",
    "load_demo",
    "serve_demo",
    "resample_market",
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
    "evaluate",
    "default_cache_dir",
    "describe_datasets",
    "load_market",
    "plot_market",
    "record",
    "versions",
]
