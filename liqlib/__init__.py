"""liqlib: open, reproducible liquidation heatmaps for crypto perpetual futures.

Public API
----------
load_market      one aligned market frame from the cache or the exchange archive
describe_datasets  what each archive kind holds
plot_market      price, open interest and funding figure
plot_heatmap     the liquidation heatmap (time x, price y, colour = USD); realized= adds dots
plot_realized    realized liquidations as dots (colour = side, area = USD)
plot_liquidation_map  the liquidation map at one time: bars by price, stacked by leverage or venue
make_heatmap_explorer  the interactive heatmap explorer (ipywidgets + plotly; venues, realized dots)
record           record a key figure in a notebook (read back by tests and reports)
reading_time     minutes to read a notebook and do its exercises, counted from its text
liquidation_price  exact Binance USD-M isolated liquidation price (bracket by notional)
estimate_heatmap   liquidation heatmap from a market frame (models: turnover = default, oi-flow,
                   volume, fixed-offset)
calibrate_leverage_mix  fit the turnover model's leverage mix to realized liquidations or OI
margin_mixture_density  the default leverage prior: isolated + cross-margin positions (measured)
DEFAULT_LEVEL    the default leveraged share of open interest, with its band (level_band)
load_hyperliquid_positions  real positions with the venue's own liquidation prices
compare_to_positions  a map's USD by distance from the price vs real positions'
simulate_scenario  SIMULATED markets on forms no model uses (cross margin, added margin...)
LeverageDensity  a continuous (log-normal) leverage distribution
evaluate         every model vs realized liquidations or a simulation's truth, out of sample
make_synthetic_market  a seeded, clearly labelled synthetic market for tests and teaching
simulate_market  an agent-based SIMULATED market whose every position is known (market, truth)
load_demo        the bundled SIMULATED demo market (the offline default); serve_demo serves it
load_data        the market a notebook runs on: DATA = "demo" | "binance" | "synthetic"
resample_market  coarser bars from a market frame
load_liquidations  realized liquidations recorded by ``liqlib record`` (one row per event)
load_gaps        when a recording was disconnected; load_coverage when a recorder ran
to_bars          realized liquidations summed per bar and side (complete= from gaps/coverage)
write_liquidations  store events (an export, or SIMULATED ones) in the recorder's format
load_event_candles  real hourly BTC/ETH/DOGE/SOL perpetual candles around the 2025 events (bundled)
scan             every symbol's liquidation summary at once, one Dask task per symbol
verify_cache     check (and repair) every cached file: recorded sha256, schema, contract
list_cache       what the cache holds, per venue, instrument and kind
resolve_instrument  one user symbol's instrument on a venue (1000PEPEUSDT, PEPE-USDT-SWAP)
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
    "VenueTiersWarning": "liqlib.estimate.venue_tiers",
    "get_tier_table": "liqlib.estimate.venue_tiers",
    "refresh_tiers": "liqlib.data.venue_tiers",
    "EngineParams": "liqlib.estimate.config",
    "LeverageMix": "liqlib.estimate.config",
    "default_mix": "liqlib.estimate.config",
    "Heatmap": "liqlib.estimate.heatmap",
    "MODELS": "liqlib.estimate.registry",
    "estimate_heatmap": "liqlib.estimate.registry",
    "plot_market": "liqlib.viz.plot",
    "plot_heatmap": "liqlib.viz.plot",
    "plot_realized": "liqlib.viz.realized",
    "plot_liquidation_map": "liqlib.viz.plot",
    "make_heatmap_explorer": "liqlib.viz.explorer",
    "record": "liqlib.report.run",
    "versions": "liqlib.report.run",
    "reading_time": "liqlib.report.reading",
    "clear_cache": "liqlib.data.store",
    "default_cache_dir": "liqlib.data.store",
    "describe_datasets": "liqlib.data.store",
    "load_market": "liqlib.data.store",
    "make_synthetic_market": "liqlib.sim.synthetic",
    "verify_cache": "liqlib.data.store",
    "list_cache": "liqlib.data.store",
    "resolve_instrument": "liqlib.data.instruments",
    "resample_market": "liqlib.data.bars",
    "load_event_candles": "liqlib.data.events",
    "scan": "liqlib.stories.scan",
    "load_liquidations": "liqlib.data.record.read",
    "load_gaps": "liqlib.data.record.read",
    "load_coverage": "liqlib.data.record.read",
    "to_bars": "liqlib.data.record.read",
    "write_liquidations": "liqlib.data.record.read",
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
    "load_hyperliquid_positions": "liqlib.data.sources.hyperliquid",
    "load_coinglass_alts": "liqlib.data.sources.coinglass_alts",
    "DEFAULT_LEVEL": "liqlib.estimate.priors",
    "HYPERLIQUID_MIXTURE": "liqlib.estimate.priors",
    "HYPERLIQUID_BOOK": "liqlib.estimate.priors",
    "LevelPrior": "liqlib.estimate.priors",
    "TabulatedLeverageDensity": "liqlib.estimate.priors",
    "level_band": "liqlib.estimate.priors",
    "margin_mixture_density": "liqlib.estimate.priors",
    "measure_margin_mixture": "liqlib.estimate.priors",
    "derive_level_prior": "liqlib.estimate.level",
    "fit_share_from_oi_drops": "liqlib.estimate.level",
    "implied_share": "liqlib.estimate.level",
    "ScenarioConfig": "liqlib.sim.scenarios",
    "describe_scenarios": "liqlib.sim.scenarios",
    "simulate_scenario": "liqlib.sim.scenarios",
    "compare_to_positions": "liqlib.validate.positions",
    "evaluate_foreign_scenarios": "liqlib.validate.foreign",
    "level_ratio": "liqlib.validate.level",
    "compare_open_interest": "liqlib.validate.level",
    "model_speed": "liqlib.validate.speed",
    "recording_market": "liqlib.validate.recorded",
    "score_recording": "liqlib.validate.recorded",
    "unit_predictions": "liqlib.estimate.level",
    "oi_drop_usd": "liqlib.estimate.level",
    "period_shares": "liqlib.estimate.level",
    "LevelCurve": "liqlib.estimate.level",
    "fit_level_curve": "liqlib.estimate.level",
    "rolling_level_scores": "liqlib.validate.level",
    "summarize_level_scores": "liqlib.validate.level",
    "plot_level_ratios": "liqlib.viz.level",
}

if TYPE_CHECKING:  # static analysers see the eager imports
    from liqlib.data.bars import resample_market
    from liqlib.data.events import load_event_candles
    from liqlib.data.instruments import resolve_instrument
    from liqlib.data.record.read import (
        load_coverage,
        load_gaps,
        load_liquidations,
        to_bars,
        write_liquidations,
    )
    from liqlib.data.sources.coinglass_alts import load_coinglass_alts
    from liqlib.data.sources.hyperliquid import load_hyperliquid_positions
    from liqlib.data.store import (
        clear_cache,
        default_cache_dir,
        describe_datasets,
        list_cache,
        load_market,
        verify_cache,
    )
    from liqlib.data.venue_tiers import refresh_tiers
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
    from liqlib.estimate.level import (
        LevelCurve,
        derive_level_prior,
        fit_level_curve,
        fit_share_from_oi_drops,
        implied_share,
        oi_drop_usd,
        period_shares,
        unit_predictions,
    )
    from liqlib.estimate.priors import (
        DEFAULT_LEVEL,
        HYPERLIQUID_BOOK,
        HYPERLIQUID_MIXTURE,
        LevelPrior,
        TabulatedLeverageDensity,
        level_band,
        margin_mixture_density,
        measure_margin_mixture,
    )
    from liqlib.estimate.registry import DEFAULT_MODEL, MODELS, estimate_heatmap
    from liqlib.estimate.venue_tiers import VenueTiersWarning, get_tier_table
    from liqlib.report.reading import reading_time
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
    from liqlib.sim.scenarios import ScenarioConfig, describe_scenarios, simulate_scenario
    from liqlib.sim.synthetic import make_synthetic_market
    from liqlib.sim.truth import MarketTruth
    from liqlib.stories.scan import scan
    from liqlib.validate import evaluate
    from liqlib.validate.foreign import evaluate_foreign_scenarios
    from liqlib.validate.level import (
        compare_open_interest,
        level_ratio,
        rolling_level_scores,
        summarize_level_scores,
    )
    from liqlib.validate.positions import compare_to_positions
    from liqlib.validate.recorded import recording_market, score_recording
    from liqlib.validate.speed import model_speed
    from liqlib.viz.explorer import make_heatmap_explorer
    from liqlib.viz.level import plot_level_ratios
    from liqlib.viz.plot import plot_heatmap, plot_liquidation_map, plot_market
    from liqlib.viz.realized import plot_realized


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
    "get_tier_table",
    "refresh_tiers",
    "VenueTiersWarning",
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
    "plot_realized",
    "plot_liquidation_map",
    "plot_market",
    "reading_time",
    "record",
    "versions",
    "verify_cache",
    "list_cache",
    "resolve_instrument",
    "resample_market",
    "load_event_candles",
    "scan",
    "load_liquidations",
    "load_gaps",
    "load_coverage",
    "to_bars",
    "write_liquidations",
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
    "load_hyperliquid_positions",
    "load_coinglass_alts",
    "DEFAULT_LEVEL",
    "HYPERLIQUID_MIXTURE",
    "HYPERLIQUID_BOOK",
    "LevelPrior",
    "TabulatedLeverageDensity",
    "level_band",
    "margin_mixture_density",
    "measure_margin_mixture",
    "derive_level_prior",
    "fit_share_from_oi_drops",
    "implied_share",
    "ScenarioConfig",
    "describe_scenarios",
    "simulate_scenario",
    "compare_to_positions",
    "evaluate_foreign_scenarios",
    "level_ratio",
    "compare_open_interest",
    "model_speed",
    "recording_market",
    "score_recording",
    "unit_predictions",
    "oi_drop_usd",
    "period_shares",
    "LevelCurve",
    "fit_level_curve",
    "rolling_level_scores",
    "summarize_level_scores",
    "plot_level_ratios",
    "show_config",
    "log_to_stderr",
]
