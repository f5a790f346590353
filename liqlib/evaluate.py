"""Every model against the truth and the naive baselines, in one call each (for notebook 05).

- :func:`model_predictions`: run named models (and configured variants) on a market and sum
  their predicted liquidations into bars;
- :func:`compare_on_realized`: a :func:`liqlib.validate.scorecard` of those predictions and
  the naive baselines against realized liquidations (day-block bootstrap intervals, paired
  differences against the baseline);
- :func:`out_of_sample`: calibrate the "turnover" mix on the first part of a window, score every
  model on the rest (nothing calibrated is scored on the bars it was fitted on);
- :func:`compare_on_simulation`: density and per-bar scores of every model on a simulated
  market with known positions (**SIMULATED**);
- :func:`split_period`: the time split both use.

Example
-------
>>> import liqlib as lq
>>> m, truth = lq.simulate_market(1, days=1.0, live_positions=2_000, burn_in_days=0.5)
>>> table = compare_on_simulation(m, truth, models=("turnover", "oi-flow"), n_bins=300)
>>> list(table.index)
['turnover', 'oi-flow']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from liqlib.calibrate import MixCalibration, calibrate_leverage_mix
from liqlib.columns import QUOTE_VOLUME, TAKER_BUY_QUOTE_VOLUME, TAKER_BUY_VOLUME, VOLUME
from liqlib.errors import InputError
from liqlib.models import MODELS, estimate_heatmap
from liqlib.truth import MarketTruth
from liqlib.validate import (
    density_scores,
    heatmap_predicted,
    naive_baselines,
    per_bar_scores,
    scorecard,
    summarize_density,
    to_bars,
)

__all__ = [
    "compare_on_realized",
    "compare_on_simulation",
    "model_predictions",
    "out_of_sample",
    "split_period",
]

#: Label of the calibrated "turnover" variant in :func:`out_of_sample`.
CALIBRATED = "turnover (calibrated)"


def split_period(frame: pd.DataFrame, at=None, fraction: float = 0.5) -> pd.Timestamp:
    """The time that splits ``frame`` into a fit part (before) and a score part (from it on).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame on a sorted UTC index (a market or realized bars).
    at : str or pandas.Timestamp, optional
        The split time (UTC); default the index value at ``fraction`` of the rows.
    fraction : float
        Share of the rows before the split, in (0, 1).

    Example
    -------
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="1h", tz="UTC")
    >>> split_period(pd.DataFrame(index=idx)).hour
    2
    """
    if not isinstance(frame, pd.DataFrame | pd.Series) or len(frame) < 2:
        raise InputError("frame must be a DataFrame with at least 2 rows: pass the market")
    if at is not None:
        ts = pd.Timestamp(at)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise InputError(f"fraction={fraction!r} must lie strictly between 0 and 1: e.g. 0.5")
    return frame.index[int(len(frame) * fraction)]


def _split_for(market: pd.DataFrame) -> dict:
    """split="even" when the market has no taker columns (e.g. Coinglass bars)."""
    pairs = ((TAKER_BUY_QUOTE_VOLUME, QUOTE_VOLUME), (TAKER_BUY_VOLUME, VOLUME))
    has = any(a in market.columns and b in market.columns for a, b in pairs)
    return {} if has else {"split": "even"}


def _runnable(market: pd.DataFrame, models: Iterable[str] | None) -> tuple[str, ...]:
    """The models asked for; by default every model the market has the columns for."""
    if models is not None:
        return tuple(models)
    has_volume = any(c in market.columns for c in (QUOTE_VOLUME, VOLUME))
    return tuple(m for m in MODELS if has_volume or MODELS[m].flow != "volume")


def _configs(models: Iterable[str] | None, configs: Mapping[str, dict] | None) -> dict:
    names = tuple(MODELS) if models is None else tuple(models)
    out = {}
    for name in names:
        if name not in MODELS:
            raise InputError(f"model {name!r} is unknown: use one of {sorted(MODELS)}")
        out[name] = {"model": name}
    for label, kw in (configs or {}).items():
        if not isinstance(kw, Mapping) or "model" not in kw:
            raise InputError(
                f"configs[{label!r}] must be a dict with a 'model' key: "
                "e.g. {'turnover 5x': dict(model='turnover', mix={5: 1.0})}"
            )
        out[str(label)] = dict(kw)
    if not out:
        raise InputError("no model to run: pass models=('turnover', ...) or configs")
    return out


def model_predictions(
    market: pd.DataFrame,
    models: Iterable[str] | None = None,
    *,
    bar: str,
    configs: Mapping[str, dict] | None = None,
    **common,
) -> dict[str, pd.DataFrame]:
    """Predicted liquidations per bar of named models and configured variants.

    Parameters
    ----------
    market : pandas.DataFrame
        The market (``lq.load_market``, ``lq.simulate_market``, the Coinglass loader...).
    models : iterable of str, optional
        Names from ``lq.MODELS`` (default: all of them, with their defaults, except "volume"
        on a market without volume columns).
    bar : str
        Bar length of the sums (``"30min"``, ``"1h"``...).
    configs : dict of str to dict, optional
        Extra variants: ``{label: dict(model=..., **overrides)}``.
    **common
        Overrides for every run (``n_bins``, ``max_columns``...). ``split="even"`` is added
        when the market has no taker columns and no ``split`` is given.

    Returns
    -------
    dict of str to pandas.DataFrame
        Bar frames (``long_usd``, ``short_usd``, USD) per label, in run order.
    """
    base = {**_split_for(market), **common}
    out = {}
    for label, kw in _configs(_runnable(market, models), configs).items():
        kw = dict(kw)
        model = kw.pop("model")
        hm = estimate_heatmap(market, model, **{**base, **kw})
        out[label] = to_bars(heatmap_predicted(hm), bar)
    return out


def compare_on_realized(
    market: pd.DataFrame,
    realized: pd.DataFrame,
    models: Iterable[str] | None = None,
    *,
    configs: Mapping[str, dict] | None = None,
    score_from=None,
    baseline: str = "range x OI",
    n_boot: int = 1000,
    seed: int = 0,
    **common,
) -> pd.DataFrame:
    """Scorecard of models and naive baselines against realized liquidations.

    Every model runs on the whole ``market`` (so its book is warm); only bars at or after
    ``score_from`` are scored (the realized bars define the bar length and the index).

    Parameters
    ----------
    market : pandas.DataFrame
        The market.
    realized : pandas.DataFrame
        Realized liquidations per bar (``long_usd``, ``short_usd``, USD; UTC bar index, with
        ``attrs["bar"]`` or a regular step).
    models, configs, **common
        As :func:`model_predictions`.
    score_from : str or pandas.Timestamp, optional
        First bar scored (UTC); default the first bar.
    baseline, n_boot, seed
        As :func:`liqlib.validate.scorecard` (``"range x OI"``: the one-line naive model).

    Returns
    -------
    pandas.DataFrame
        :func:`liqlib.validate.scorecard` output: one row per model, variant and naive
        baseline.
    """
    bar = realized.attrs.get("bar") if isinstance(realized, pd.DataFrame) else None
    if not isinstance(bar, str):
        if not isinstance(realized, pd.DataFrame) or len(realized) < 2:
            raise InputError("realized must be a bar frame with >= 2 bars or attrs['bar']")
        step = pd.Timedelta(int(np.median(np.diff(realized.index.as_unit("ns").asi8))), "ns")
        bar = f"{int(step.total_seconds())}s"
    preds = model_predictions(market, models, bar=bar, configs=configs, **common)
    preds.update(naive_baselines(market, bar=bar))
    idx = realized.index
    if score_from is not None:
        idx = idx[idx >= split_period(realized, at=score_from)]
    if len(idx) < 2:
        raise InputError("fewer than 2 realized bars to score: move score_from earlier")
    aligned = {k: v.reindex(idx, fill_value=0.0) for k, v in preds.items()}
    return scorecard(aligned, realized.loc[idx], baseline=baseline, n_boot=n_boot, seed=seed)


def out_of_sample(
    market: pd.DataFrame,
    realized: pd.DataFrame,
    models: Iterable[str] | None = None,
    *,
    split=None,
    fraction: float = 0.5,
    fit: str = "both",
    calibrate_kwargs: dict | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    **common,
) -> tuple[pd.DataFrame, MixCalibration]:
    """Calibrate the "turnover" mix on the first part, score every model on the rest.

    The calibration sees only the market and realized bars before ``split``; the scorecard
    holds only bars from ``split`` on. Every model runs over the whole market (its book
    carries over the split, as it would in use), the calibrated variant with the fitted
    mix and share.

    Parameters
    ----------
    market, realized : pandas.DataFrame
        As :func:`compare_on_realized`.
    models : iterable of str, optional
        Uncalibrated models to score alongside (default: all of ``lq.MODELS``).
    split : str or pandas.Timestamp, optional
        The split time; default the realized bar at ``fraction`` of the bars.
    fraction : float
        Share of the bars used for the fit when ``split`` is None.
    fit : {"shape", "share", "both"}
        What :func:`liqlib.calibrate.calibrate_leverage_mix` fits (default "both": the mix
        and the leveraged share; real open interest is not all liquidatable at these prices).
    calibrate_kwargs : dict, optional
        More arguments for the calibration (``family``, ``bar``, ``warmup``...).
    n_boot, seed, **common
        As :func:`compare_on_realized`; ``common`` also reaches the calibration.

    Returns
    -------
    card : pandas.DataFrame
        The scorecard on the held-out bars (``attrs["split"]`` = the split time).
    calibration : MixCalibration
        What was fitted.
    """
    at = split_period(realized, at=split, fraction=fraction)
    fit_market = market[market.index < at]
    fit_real = realized[realized.index < at]
    if len(fit_market) < 2 or len(fit_real) < 3:
        raise InputError(f"split {at} leaves too few bars to fit on: move it later")
    kw = {**_split_for(market), **common, **(calibrate_kwargs or {})}
    cal = calibrate_leverage_mix(fit_market, fit_real, fit=fit, **kw)
    configs = {CALIBRATED: {"model": "turnover", **cal.overrides()}}
    card = compare_on_realized(
        market,
        realized,
        models,
        configs=configs,
        score_from=at,
        n_boot=n_boot,
        seed=seed,
        **common,
    )
    card.attrs["split"] = at.isoformat()
    return card, cal


def compare_on_simulation(
    market: pd.DataFrame,
    truth: MarketTruth,
    models: Iterable[str] | None = None,
    *,
    configs: Mapping[str, dict] | None = None,
    bar: str = "1h",
    score_from=None,
    **common,
) -> pd.DataFrame:
    """Density and per-bar scores of every model on a **SIMULATED** market.

    Parameters
    ----------
    market : pandas.DataFrame
        A market from ``lq.simulate_market``.
    truth : MarketTruth
        Its truth.
    models, configs, **common
        As :func:`model_predictions`.
    bar : str
        Bars of the per-bar scores.
    score_from : str or pandas.Timestamp, optional
        Snapshots and bars before it are not scored (e.g. a mix calibrated before it).

    Returns
    -------
    pandas.DataFrame
        One row per model (index ``model``): ``cosine_long``, ``cosine_short`` (mean over
        snapshots), ``emd_pct`` (mean, % of price), ``skill`` (pooled over both sides, vs a
        flat +-20 % profile), ``spearman_total``, ``r2_pearson_total``,
        ``pred_zero_share_total``, ``real_zero_share_total``, ``pred_real_ratio_total``
        (see :mod:`liqlib.validate`). ``attrs["synthetic"]`` is True.
    """
    if not isinstance(truth, MarketTruth):
        raise InputError(f"truth must be a MarketTruth (lq.simulate_market), not {type(truth)}")
    realized = truth.realized(bar)
    start = split_period(realized, at=score_from) if score_from is not None else None
    rows = {}
    base = {**_split_for(market), **common}
    for label, kw in _configs(_runnable(market, models), configs).items():
        kw = dict(kw)
        model = kw.pop("model")
        hm = estimate_heatmap(market, model, **{**base, **kw})
        dens = density_scores(hm, truth)
        if start is not None:
            dens = dens[dens["time"] >= start]
        summary = summarize_density(dens)
        pred = to_bars(heatmap_predicted(hm), bar).reindex(realized.index, fill_value=0.0)
        keep = realized.index >= start if start is not None else slice(None)
        bars = per_bar_scores(pred[keep], realized[keep])
        rows[label] = {
            "cosine_long": summary.loc["long", "cosine_mean"],
            "cosine_short": summary.loc["short", "cosine_mean"],
            "emd_pct": summary.loc["all", "emd_pct_mean"],
            "skill": summary.loc["all", "skill_pooled"],
            **{
                f"{m}_total": bars.loc["total", m]
                for m in (
                    "spearman",
                    "r2_pearson",
                    "pred_zero_share",
                    "real_zero_share",
                    "pred_real_ratio",
                )
            },
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    out.attrs = {"synthetic": True, "source": truth.attrs.get("source", "SIMULATED"), "bar": bar}
    return out
