"""Named heatmap models, one interface: ``lq.estimate_heatmap(market, model=..., **params)``.

=============  ==========================================================================
model          what it does
=============  ==========================================================================
turnover       the default: a warm-started book that holds a share of open interest at
               every leverage of a continuous distribution (exact bracket prices), churns
               (positions close at random and reopen at the candle's prices) and is swept
               by price; see :mod:`liqlib.estimate.turnover`. Fit its mix with
               ``lq.calibrate_leverage_mix``
oi-flow        rises in open interest open positions (split by taker flow or a long/short
               ratio), placed at their exact Binance liquidation price; price sweeps levels;
               unexplained falls in open interest close positions proportionally
volume         the same, but positions are seeded from traded volume (a fraction of quote
               volume each candle) when no open interest is available; levels fade with a
               1,440-candle half-life unless told otherwise
fixed-offset   the common public baseline: liquidation at entry * (1 -/+ 1/L), no maintenance
               margin, no sweeping; a floor for every comparison
=============  ==========================================================================

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> hm = estimate_heatmap(make_synthetic_market(1_000), model="oi-flow", n_bins=100)
>>> hm.model
'oi-flow'
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from liqlib.errors import InputError, LiqlibError
from liqlib.estimate.brackets import FORMULAS, real_symbol
from liqlib.estimate.config import EngineParams, LeverageDensity, LeverageMix
from liqlib.estimate.heatmap import Heatmap
from liqlib.estimate.inputs import check_volumes
from liqlib.estimate.oi_flow import estimate
from liqlib.estimate.priors import (
    DEFAULT_LEVEL,
    LevelPrior,
    density_within_bracket,
    margin_mixture_density,
)
from liqlib.estimate.turnover import estimate_turnover

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ModelSpec",
    "estimate_heatmap",
    "market_symbol",
    "market_venue",
    "resolve_params",
]

_MODEL_FIELDS = ("flow", "liquidation", "sweep")


@dataclass(frozen=True)
class ModelSpec:
    """A named model: its description and the engine settings it fixes."""

    name: str
    description: str
    flow: str
    liquidation: str
    sweep: bool
    default_fade_half_life_candles: float | None = None
    default_mix: LeverageMix | LeverageDensity | None = None
    #: EngineParams fields this model does not read: setting one is an error, not a no-op.
    ignores: frozenset[str] = frozenset()
    #: Binance archive kinds the model cannot do without (a report checks its source has them).
    needs: tuple[str, ...] = ("klines", "markPriceKlines", "metrics")
    #: The level prior used when ``leveraged_share`` is left at None ("turnover").
    level_prior: LevelPrior | None = None


#: The "turnover" model's default leverage distribution (share of liquidatable USD by
#: *effective* leverage, 1.1-200x in 24 cells): the margin mixture measured on real positions
#: (:func:`liqlib.estimate.priors.margin_mixture_density`): isolated positions at their
#: leverage setting (exact bracket price) and cross-margin positions at the effective leverage
#: of their account's equity, weighted by the measured cross share (84 % of the USD in the
#: shared Hyperliquid samples). Calibrate it for a market with ``lq.calibrate_leverage_mix``.
TURNOVER_DEFAULT_MIX = margin_mixture_density()

#: The log-normal prior the "turnover" model used before the margin mixture (median 10x, sigma
#: 0.9, 1.5-200x): pass ``mix=TURNOVER_LOGNORMAL_MIX`` to reproduce older results.
TURNOVER_LOGNORMAL_MIX = LeverageDensity(
    median=10.0, sigma=0.9, min_leverage=1.5, max_leverage=200.0
)

#: Fields only the "turnover" model reads.
_TURNOVER_ONLY = frozenset(
    {"hold_hours", "hold_leverage_exponent", "leveraged_share", "warm_start", "oi_timing",
     "intrabar_exposure", "mix_basis", "turnover_activity", "entry_profile", "grid_reach"}
)  # fmt: skip
#: Fields only the inventory-flow models ("oi-flow", "volume", "fixed-offset") read.
_FLOW_ONLY = frozenset({"split", "ratio_column", "calibrate", "fade_half_life_candles"})

MODELS: dict[str, ModelSpec] = {
    "turnover": ModelSpec(
        "turnover",
        "warm-started churning inventory: each leverage cell holds a share of open interest "
        "(a continuous leverage distribution, exact bracket prices), positions close at "
        "random and reopen at the candle's prices, price sweeps levels; starts from the "
        "stationary book of positions opened before the window",
        flow="turnover",
        liquidation="binance",
        sweep=True,
        default_mix=TURNOVER_DEFAULT_MIX,
        ignores=_FLOW_ONLY | {"volume_open_fraction"},
        level_prior=DEFAULT_LEVEL,
    ),
    "oi-flow": ModelSpec(
        "oi-flow",
        "open-interest flow: OI rises open positions at their exact liquidation price "
        "(bracket MMR and cum), price sweeps levels, unexplained OI falls close positions",
        flow="oi",
        liquidation="binance",
        sweep=True,
        ignores=_TURNOVER_ONLY | {"volume_open_fraction"},
    ),
    "volume": ModelSpec(
        "volume",
        "volume-seeded: a fraction of each candle's quote volume opens positions (for windows "
        "without open interest); exact liquidation prices, sweeping, 1,440-candle fade",
        flow="volume",
        liquidation="binance",
        sweep=True,
        default_fade_half_life_candles=1440.0,
        ignores=_TURNOVER_ONLY,
        needs=("klines", "markPriceKlines"),
    ),
    "fixed-offset": ModelSpec(
        "fixed-offset",
        "public baseline: liquidation at entry*(1-/+1/L), no maintenance margin, no sweeping",
        flow="oi",
        liquidation="fixed-offset",
        sweep=False,
        ignores=_TURNOVER_ONLY | {"volume_open_fraction"},
    ),
}


def _coerce_mix(mix) -> LeverageMix | None:
    if mix is None or isinstance(mix, LeverageMix):
        return mix
    if isinstance(mix, LeverageDensity):
        return mix
    if isinstance(mix, dict):
        return LeverageMix(tuple(mix), tuple(mix.values()))
    if isinstance(mix, tuple | list) and len(mix) == 2:
        return LeverageMix(tuple(mix[0]), tuple(mix[1]))
    raise InputError(
        "mix must be a LeverageMix, a {leverage: weight} dict or (leverages, weights): "
        "e.g. mix={10: 0.5, 25: 0.5}"
    )


#: The model ``lq.estimate_heatmap`` uses when none is named.
DEFAULT_MODEL = "turnover"


def estimate_heatmap(
    market: pd.DataFrame,
    model: str = DEFAULT_MODEL,
    params: EngineParams | None = None,
    **overrides,
) -> Heatmap:
    """Estimate a liquidation heatmap with a named model.

    Parameters
    ----------
    market : pandas.DataFrame or mapping of str to pandas.DataFrame
        A frame from ``lq.load_market`` (or :func:`liqlib.sim.synthetic.make_synthetic_market`);
        or ``{venue: frame}`` on one time axis (``lq.load_market(..., venues=...)``): each venue
        is estimated on its own frame, on one price grid, and the USD summed
        (:mod:`liqlib.estimate.aggregate`; ``hm.venues`` keeps each venue's heatmap).
    model : str
        One of :data:`MODELS`; default :data:`DEFAULT_MODEL` ("turnover"). "oi-flow" is kept
        unchanged under its name for reproducibility.
    params : EngineParams, optional
        A full parameter set; ``overrides`` replace single fields of it.
    **overrides
        Any :class:`~liqlib.estimate.config.EngineParams` field (``n_bins``, ``mix``, ``calibrate``,
        ``split``, ``fade_half_life_candles``, ``position_notional_usd``, ``symbol``...).
        ``mix`` may also be a ``{leverage: weight}`` dict.

    Returns
    -------
    Heatmap
        When the model has a level prior ("turnover") and ``leveraged_share`` is left at None
        (the default, in ``params`` and ``overrides``), the prior's share is used and
        ``heatmap.source["level_prior"]`` holds it with its band (``share``, ``low``,
        ``high`` as multipliers of every USD figure, ``basis``):
        ``lq.level_band(heatmap)`` reads it.

    Raises
    ------
    InputError
        On an unknown model or parameter, or any bad input (naming it).

    Examples
    --------
    >>> from liqlib.sim.synthetic import make_synthetic_market
    >>> m = make_synthetic_market(500)
    >>> hm = estimate_heatmap(m, "fixed-offset", mix={10: 0.6, 20: 0.4}, n_bins=50)
    >>> hm.leverages
    (10.0, 20.0)
    """
    if isinstance(market, Mapping):  # {venue: market}: one heatmap summed over venues
        from liqlib.estimate.aggregate import estimate_by_venue

        return estimate_by_venue(
            market, lambda m, **kw: estimate_heatmap(m, model, params, **kw), **overrides
        )
    p = resolve_params(market, model, params, **overrides)
    if p.flow == "turnover":
        hm = estimate_turnover(market, p, model=model)
    else:
        hm = estimate(market, p, model=model)
    base = params if isinstance(params, EngineParams) else _DEFAULTS
    prior = _level_prior(MODELS[model], base, overrides)
    if prior is not None:
        low, high = prior.multipliers()
        info = {"share": prior.share, "low": low, "high": high, "basis": prior.basis}
        object.__setattr__(hm, "source", {**hm.source, "level_prior": info})
    return hm


def market_symbol(market) -> str | None:
    """The market's own symbol (``attrs["symbol"]``), or None for a market that names none.

    A synthetic walk (``"SYNTHETIC"``) names none; a simulated one (``"SIM-BTCUSDT"``) names
    the real symbol whose brackets it imitates.
    """
    attrs = getattr(market, "attrs", None) or {}
    sym = attrs.get("symbol")
    if not isinstance(sym, str) or not sym.strip() or sym.strip().upper() == "SYNTHETIC":
        return None
    return sym.strip().upper()


def market_venue(market) -> str | None:
    """The market's venue (``attrs["venue"]``, lower case), or None when it names none.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(10)
    >>> m.attrs["venue"] = "Bybit"
    >>> market_venue(m)
    'bybit'
    """
    attrs = getattr(market, "attrs", None) or {}
    v = attrs.get("venue")
    if not isinstance(v, str) or not v.strip():
        return None
    v = v.strip().lower()
    if v not in FORMULAS:
        raise InputError(
            f"market.attrs['venue'] = {attrs['venue']!r} is unknown: set it to one of "
            f"{list(FORMULAS)}, or delete it (Binance's tiers are used)"
        )
    return v


def _own_settings(market, base: EngineParams, overrides: dict) -> dict:
    """``symbol`` and ``venue`` from the market, refusing an explicit one that differs."""
    out = {}
    for name, own in (("symbol", market_symbol(market)), ("venue", market_venue(market))):
        given = overrides.get(name, getattr(base, name))
        if own is None:
            continue
        if given is None:
            out[name] = own
            continue
        same = (
            real_symbol(given) == real_symbol(own)
            if name == "symbol"
            else str(given).strip().lower() == own
        )
        if not same:
            raise InputError(
                f"{name}={given!r} but the market is {own}'s: its tiers would be {given}'s; "
                f"drop {name}= (the market's own is used) or load {given}'s market"
            )
    return out


def _median_close(market) -> float:
    """The market's median close (USD/coin), NaN when it has none."""
    if not isinstance(market, pd.DataFrame) or "close" not in market or market.empty:
        return float("nan")
    with warnings.catch_warnings():  # an all-NaN column is reported as NaN, not warned
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(market["close"].to_numpy(float)))


def _coin_tiers_in_usd(market, base: EngineParams, merged: dict) -> dict:
    """``brackets=`` for a venue table bounded in coins (OKX): converted to USD at the market's
    median close; {} when the table is in USD, given, or not a venue table."""
    get = lambda name: merged.get(name, getattr(base, name))  # noqa: E731
    venue = str(get("venue") or "binance").strip().lower()
    if get("brackets") is not None or venue not in ("bybit", "okx"):
        return {}
    from liqlib.estimate.venue_tiers import get_tier_table

    sym = get("symbol") or "BTCUSDT"
    with warnings.catch_warnings():  # a fallback warns when the params are made
        warnings.simplefilter("ignore")
        table = get_tier_table(venue, sym, get("brackets_as_of"))
    if table.unit == "usd":
        return {}
    price = _median_close(market)
    if not np.isfinite(price) or price <= 0:
        raise InputError(
            f"the {venue} {sym} tiers are bounded in coins and the market has no close price to "
            "convert them at: give a market with 'close', or brackets=table.in_usd(price)"
        )
    return {"brackets": table.in_usd(price)}


def resolve_params(
    market: pd.DataFrame | None,
    model: str = DEFAULT_MODEL,
    params: EngineParams | None = None,
    **overrides,
) -> EngineParams:
    """The full parameter set a model runs with: the one place every entry point resolves it.

    ``lq.estimate_heatmap``, the explorer, the report notebook, the stories and the evaluation
    all call this, so the same model with the same arguments gives the same numbers everywhere.

    Parameters
    ----------
    market : pandas.DataFrame or None
        The market to estimate; its ``attrs["symbol"]`` picks the brackets and default mix
        unless ``symbol`` is given (None: no market yet, the symbol is left as given).
    model : str
        One of :data:`MODELS`.
    params : EngineParams, optional
        A full parameter set; ``overrides`` replace single fields of it.
    **overrides
        :class:`~liqlib.estimate.config.EngineParams` fields.

    Returns
    -------
    EngineParams
        With the model's fixed settings, its defaults for what was left unset and the market's
        symbol.

    Raises
    ------
    InputError
        An unknown model or field; a field the model sets itself or does not read (e.g.
        ``split`` for "turnover"); a ``symbol`` other than the market's.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(200)
    >>> m.attrs["symbol"] = "DOGEUSDT"
    >>> resolve_params(m, "oi-flow").symbol
    'DOGEUSDT'
    """
    spec = MODELS.get(model) if isinstance(model, str) else None
    if spec is None:
        raise InputError(f"model {model!r} is unknown: use one of {sorted(MODELS)}")
    valid = {f.name for f in fields(EngineParams) if not f.name.startswith("_")}
    unknown = sorted(set(overrides) - valid)
    if unknown:
        raise InputError(
            f"unknown parameter {unknown[0]!r}: use one of {sorted(valid - set(_MODEL_FIELDS))}"
        )
    fixed = sorted(set(overrides) & set(_MODEL_FIELDS))
    if fixed:
        raise InputError(
            f"parameter {fixed[0]!r} is set by the model: choose another model from "
            f"{sorted(MODELS)} instead"
        )
    if "mix" in overrides:
        overrides["mix"] = _coerce_mix(overrides["mix"])
    base = params if params is not None else EngineParams()
    if not isinstance(base, EngineParams):
        raise InputError("params must be an EngineParams: build one with lq.EngineParams(...)")
    settings = dict(flow=spec.flow, liquidation=spec.liquidation, sweep=spec.sweep)
    fade = overrides.get("fade_half_life_candles", base.fade_half_life_candles)
    if fade is None and spec.default_fade_half_life_candles is not None:
        settings["fade_half_life_candles"] = spec.default_fade_half_life_candles
    mix = overrides.get("mix", base.mix)
    if mix is None and spec.default_mix is not None:
        settings["mix"] = _default_mix_for(spec.default_mix, market, base, overrides)
    unused = sorted(
        name
        for name in spec.ignores
        if name in overrides or getattr(base, name) != getattr(_DEFAULTS, name)
    )
    if unused:
        users = sorted(m for m, s in MODELS.items() if unused[0] not in s.ignores)
        raise InputError(
            f"model {model!r} does not use {unused[0]!r} (it would be ignored): drop it, or "
            f"use a model that reads it: {users}"
        )
    prior = _level_prior(spec, base, overrides)
    if prior is not None:
        settings["leveraged_share"] = prior.share
    settings.update(_own_settings(market, base, overrides))
    merged = {**overrides, **settings}
    if "brackets" not in merged:
        merged.update(_coin_tiers_in_usd(market, base, merged))
    p = replace(base, **merged)
    if isinstance(market, pd.DataFrame):
        check_volumes(market)
    return p


def _default_mix_for(mix, market, base: EngineParams, overrides: dict):
    """The model's default density, its top kept below ``1 / MMR`` of the symbol's bracket.

    The default reaches 200x effective leverage, where a 0.5 % MMR (SOLUSDT, DOGEUSDT) puts
    the liquidation price on the entry; there the top is lowered (:func:`density_within_bracket`).
    A symbol or table that cannot be read is left to the parameter check to name.
    """
    if not isinstance(mix, LeverageDensity):
        return mix
    try:
        table = overrides.get("brackets", base.brackets)
        if table is None:
            from liqlib.estimate.brackets import _resolve_table

            sym = overrides.get("symbol", base.symbol) or market_symbol(market) or "BTCUSDT"
            venue = overrides.get("venue", base.venue) or market_venue(market) or "binance"
            with warnings.catch_warnings():  # the fallback warns once, when the params are made
                warnings.simplefilter("ignore")
                table = _resolve_table(
                    real_symbol(sym), None, overrides.get("brackets_as_of", base.brackets_as_of),
                    str(venue).lower(),
                )  # fmt: skip
            if table.unit != "usd":  # OKX coin bounds: as the engine will, at the median close
                table = table.in_usd(_median_close(market))
        n = overrides.get("position_notional_usd", base.position_notional_usd)
        mmr = float(np.asarray(table.mmr)[table.bracket_index(np.array([float(n)]))][0])
    except (LiqlibError, TypeError, ValueError):
        return mix
    return density_within_bracket(mix, mmr)


def _level_prior(spec: ModelSpec, base: EngineParams, overrides: dict) -> LevelPrior | None:
    """The model's level prior when ``leveraged_share`` is left at None, else None."""
    unset = overrides.get("leveraged_share", base.leveraged_share) is None
    return spec.level_prior if unset else None


_DEFAULTS = EngineParams()
