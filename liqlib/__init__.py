"""liqlib: open, reproducible liquidation heatmaps for crypto perpetual futures.

Public API
----------
load_market      one aligned market frame from the cache or the exchange archive
describe_datasets  what each archive kind holds
verify_cache     check (and repair) every cached file: recorded sha256, schema, contract
clear_cache      delete cached files
plot_market      price, open interest and funding figure
record           record a key figure in a notebook (read back by tests and reports)
liquidation_price  exact Binance USD-M isolated liquidation price (bracket by notional)
estimate_heatmap   liquidation heatmap from a market frame (models: oi-flow, volume, fixed-offset)
make_synthetic_market  a seeded, clearly labelled synthetic market for tests and teaching
simulate_market  an agent-based SIMULATED market whose every position is known (market, truth)
load_demo        the bundled SIMULATED demo market (the offline default); serve_demo serves it
load_data        the market a notebook runs on: DATA = "demo" | "binance" | "synthetic"
resample_market  coarser bars from a market frame
"""

__version__ = "0.1.0"

from liqlib import columns
from liqlib.bars import resample_market
from liqlib.brackets import (
    BracketTable,
    bracket_tables,
    get_bracket_table,
    liquidation_price,
    load_leverage_brackets,
    lp_factors,
)
from liqlib.config import EngineParams, LeverageMix, default_mix
from liqlib.datasource import DATA_SOURCES, load_data, shared_data_file
from liqlib.demo import DEMO_SYMBOL, demo_days, load_demo, serve_demo, use_demo_mirror
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
from liqlib.models import MODELS, estimate_heatmap
from liqlib.plot import plot_market
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
    "make_synthetic_market",
    "simulate_market",
    "SimConfig",
    "LogNormalLeverage",
    "MarketTruth",
    "load_demo",
    "load_data",
    "shared_data_file",
    "DATA_SOURCES",
    "DEMO_SYMBOL",
    "demo_days",
    "use_demo_mirror",
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
    "default_cache_dir",
    "describe_datasets",
    "load_market",
    "plot_market",
    "record",
    "verify_cache",
    "versions",
]
