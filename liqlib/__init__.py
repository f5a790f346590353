"""liqlib: open, reproducible liquidation heatmaps for crypto perpetual futures.

Public API
----------
load_market      one aligned market frame from the cache or the exchange archive
describe_datasets  what each archive kind holds
plot_market      price, open interest and funding figure
record           record a key figure in a notebook (read back by tests and reports)
"""

__version__ = "0.1.0"

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
from liqlib.plot import plot_market
from liqlib.report import record
from liqlib.store import clear_cache, default_cache_dir, describe_datasets, load_market

__all__ = [
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
]
