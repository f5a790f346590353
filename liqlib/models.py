"""Named heatmap models, one interface: ``lq.estimate_heatmap(market, model=..., **params)``.

=============  ==========================================================================
model          what it does
=============  ==========================================================================
oi-flow        rises in open interest open positions (split by taker flow or a long/short
               ratio), placed at their exact Binance liquidation price; price sweeps levels;
               unexplained falls in open interest close positions proportionally
volume         the same, but positions are seeded from traded volume (a fraction of quote
               volume each candle) when no open interest is available; levels fade with a
               1,440-candle half-life unless told otherwise
fixed-offset   the common public baseline: liquidation at entry * (1 -/+ 1/L), no maintenance
               margin, no sweeping; a floor for every comparison
=============  ==========================================================================

Example
-------
>>> from liqlib.synthetic import make_synthetic_market
>>> hm = estimate_heatmap(make_synthetic_market(1_000), model="oi-flow", n_bins=100)
>>> hm.model
'oi-flow'
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import pandas as pd

from liqlib.config import EngineParams, LeverageMix
from liqlib.engine import Heatmap, estimate
from liqlib.errors import InputError

__all__ = ["MODELS", "ModelSpec", "estimate_heatmap"]

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


MODELS: dict[str, ModelSpec] = {
    "oi-flow": ModelSpec(
        "oi-flow",
        "open-interest flow: OI rises open positions at their exact liquidation price "
        "(bracket MMR and cum), price sweeps levels, unexplained OI falls close positions",
        flow="oi",
        liquidation="binance",
        sweep=True,
    ),
    "volume": ModelSpec(
        "volume",
        "volume-seeded: a fraction of each candle's quote volume opens positions (for windows "
        "without open interest); exact liquidation prices, sweeping, 1,440-candle fade",
        flow="volume",
        liquidation="binance",
        sweep=True,
        default_fade_half_life_candles=1440.0,
    ),
    "fixed-offset": ModelSpec(
        "fixed-offset",
        "public baseline: liquidation at entry*(1-/+1/L), no maintenance margin, no sweeping",
        flow="oi",
        liquidation="fixed-offset",
        sweep=False,
    ),
}


def _coerce_mix(mix) -> LeverageMix | None:
    if mix is None or isinstance(mix, LeverageMix):
        return mix
    if isinstance(mix, dict):
        return LeverageMix(tuple(mix), tuple(mix.values()))
    if isinstance(mix, tuple | list) and len(mix) == 2:
        return LeverageMix(tuple(mix[0]), tuple(mix[1]))
    raise InputError(
        "mix must be a LeverageMix, a {leverage: weight} dict or (leverages, weights): "
        "e.g. mix={10: 0.5, 25: 0.5}"
    )


def estimate_heatmap(
    market: pd.DataFrame,
    model: str = "oi-flow",
    params: EngineParams | None = None,
    **overrides,
) -> Heatmap:
    """Estimate a liquidation heatmap with a named model.

    Parameters
    ----------
    market : pandas.DataFrame
        A frame from ``lq.load_market`` (or :func:`liqlib.synthetic.make_synthetic_market`).
    model : str
        One of :data:`MODELS`.
    params : EngineParams, optional
        A full parameter set; ``overrides`` replace single fields of it.
    **overrides
        Any :class:`~liqlib.config.EngineParams` field (``n_bins``, ``mix``, ``calibrate``,
        ``split``, ``fade_half_life_candles``, ``position_notional_usd``, ``symbol``...).
        ``mix`` may also be a ``{leverage: weight}`` dict.

    Returns
    -------
    Heatmap

    Raises
    ------
    InputError
        On an unknown model or parameter, or any bad input (naming it).

    Example
    -------
    >>> from liqlib.synthetic import make_synthetic_market
    >>> m = make_synthetic_market(500)
    >>> hm = estimate_heatmap(m, "fixed-offset", mix={10: 0.6, 20: 0.4}, n_bins=50)
    >>> hm.leverages
    (10.0, 20.0)
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
    p = replace(base, **{**overrides, **settings})
    return estimate(market, p, model=spec.name)
