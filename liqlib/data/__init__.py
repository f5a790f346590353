"""Stage 1, data: market frames from the archive, the cache or a venue's REST API.

Columns (:mod:`.columns`), time parsing (:mod:`.time`), HTTP with retries (:mod:`.http`), the
validation contract (:mod:`.contract`), the self-healing cache (:mod:`.cache`), the aligned market
frame (:mod:`.store`, ``load_market``), Bybit/OKX day caches (:mod:`.venue_cache`), one symbol
across venues and the one unit conversion (:mod:`.instruments`), several venues on one time
axis (:mod:`.venues`), coarser bars (:mod:`.bars`), realized-liquidation bar
frames (:mod:`.realized`), the recorder of realized liquidations and its reader
(:mod:`.record`) and one subpackage per venue (:mod:`.sources`).
Submodules load on first use, so ``import liqlib.data`` stays quick.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=[
        "bars", "cache", "columns", "contract", "events", "http", "instruments", "realized", "record",
        "serve", "sources", "store", "time", "venue_cache", "venues",
    ],
    submod_attrs={
        "store": ["load_market", "describe_datasets", "verify_cache", "clear_cache",
                  "list_cache", "default_cache_dir", "MARKET_KINDS"],
        "instruments": ["resolve_instrument", "to_base_units"],
        "bars": ["resample_market"],
        "events": ["load_event_candles"],
        "record": ["load_liquidations", "load_gaps", "to_bars"],
    },
)  # fmt: skip
