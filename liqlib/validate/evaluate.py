"""Every model against the truth: the tables of notebook 05 and the README, computed once.

Two kinds of truth:

- **simulated markets** (:func:`liqlib.sim.market.simulate_market`, SIMULATED): every live position is
  known, so the estimated liquidation-level *density* can be scored (cosine, earth-mover
  distance and skill against a flat ±20 % guess, :func:`liqlib.validate.density_scores`) as
  well as the predicted liquidations per bar;
- **realized liquidations** of a real market (e.g. the Coinglass 30-minute BTC window,
  :func:`liqlib.data.sources.coinglass.load_coinglass_regime_csv`): only per-bar scores.

Every table puts the naive one-line baselines of :func:`liqlib.validate.naive_baselines`
beside the models, with day-block bootstrap confidence intervals.

- :func:`evaluate_market` / :func:`evaluate_scenarios`: every model (told the true mix) on a
  market with truth, or on simulated scenarios (tables of notebook 05);
- :func:`model_predictions`: run named models (and configured variants) on a market and sum
  their predicted liquidations into bars;
- :func:`compare_on_realized`: a scorecard of those predictions and the baselines against
  realized liquidations;
- :func:`out_of_sample`: calibrate the "turnover" mix on the first part of a window, score every
  model on the rest (nothing calibrated is scored on the bars it was fitted on);
- :func:`compare_on_simulation`: density and per-bar scores of every model on one simulated
  market (**SIMULATED**);
- :func:`split_period`: the time split both use.

Examples
--------
>>> s = SCENARIOS["low leverage (tiers)"]
>>> told_mix(s.leverage).leverages
(2.0, 3.0, 5.0, 10.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlib import validate as lv
from liqlib.data.columns import QUOTE_VOLUME, TAKER_BUY_QUOTE_VOLUME, TAKER_BUY_VOLUME, VOLUME
from liqlib.data.realized import _alias
from liqlib.data.time import interval_arg, to_utc
from liqlib.errors import InputError
from liqlib.estimate.calibrate import MixCalibration, calibrate_leverage_mix
from liqlib.estimate.config import LeverageDensity, LeverageMix
from liqlib.estimate.registry import MODELS, estimate_heatmap
from liqlib.sim.market import LogNormalLeverage, SimConfig, simulate_market
from liqlib.sim.truth import MarketTruth
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
    "DENSITY_COLUMNS",
    "SCENARIOS",
    "Scenario",
    "compare_on_realized",
    "compare_on_simulation",
    "evaluate_market",
    "evaluate_scenarios",
    "model_predictions",
    "out_of_sample",
    "split_period",
    "told_density",
    "told_kw",
    "told_mix",
]

#: The leverages a continuous distribution is discretised on when a model is "told" it.
TOLD_TIERS = (2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 25.0, 35.0, 50.0, 75.0, 100.0)
DENSITY_COLUMNS = ("cosine", "emd_pct", "skill")


@dataclass(frozen=True)
class Scenario:
    """A simulated market to score on: its leverage distribution and burn-in (days)."""

    leverage: LeverageMix | LogNormalLeverage
    burn_in_days: float = 6.0
    description: str = ""


SCENARIOS: dict[str, Scenario] = {
    "high leverage (tiers)": Scenario(
        LeverageMix((10.0, 25.0, 50.0, 100.0), (0.25, 0.30, 0.30, 0.15)),
        description="traders at 10-100x, four discrete tiers",
    ),
    "low leverage (tiers)": Scenario(
        LeverageMix((2.0, 3.0, 5.0, 10.0), (0.30, 0.30, 0.25, 0.15)),
        description="traders at 2-10x, four discrete tiers",
    ),
    "continuous (default)": Scenario(
        LogNormalLeverage(8.0, 1.0),
        description="log-normal leverage, median 8x (the simulator's default)",
    ),
    "continuous, no burn-in": Scenario(
        LogNormalLeverage(8.0, 1.0),
        burn_in_days=0.0,
        description="the same market opening empty (no positions before the window)",
    ),
}


def told_mix(
    leverage: LeverageMix | LogNormalLeverage, size_leverage_exponent: float = 1.0
) -> LeverageMix:
    """The mix a model is given when it is *told* the simulator's leverage distribution.

    Discrete tiers are passed as they are. A continuous distribution (over positions) is
    discretised on :data:`TOLD_TIERS`; since the simulator gives a position of leverage L a
    size proportional to ``(10 / L) ** size_leverage_exponent``, each tier's share of opened
    USD is ``pdf(L) * width(L) * (10 / L) ** exponent``, normalised.
    """
    if isinstance(leverage, LeverageMix):
        return leverage
    if not isinstance(leverage, LogNormalLeverage):
        raise InputError("leverage must be a LeverageMix or a LogNormalLeverage")
    tiers = np.asarray(TOLD_TIERS)
    edges = np.sqrt(tiers[:-1] * tiers[1:])
    edges = np.concatenate([[leverage.min_leverage], edges, [150.0]])
    z = (np.log(edges) - np.log(leverage.median)) / leverage.sigma
    from math import erf, sqrt

    cdf = np.array([0.5 * (1.0 + erf(v / sqrt(2.0))) for v in z])
    count = np.diff(cdf)
    usd = count * (10.0 / tiers) ** size_leverage_exponent
    w = usd / usd.sum()
    w[-1] = 1.0 - w[:-1].sum()
    return LeverageMix(tuple(tiers), tuple(float(x) for x in w))


def told_density(
    leverage: LogNormalLeverage, size_leverage_exponent: float = 1.0
) -> LeverageDensity:
    """The simulator's continuous leverage distribution as the USD density of *opened*
    positions, for the turnover model (``mix_basis="opened"``).

    Sizes scale like ``(10 / L) ** e``, so the USD density is the count density times
    ``L ** -e``: a log-normal with the same sigma and the median moved to
    ``median * exp(-e * sigma**2)``.
    """
    if not isinstance(leverage, LogNormalLeverage):
        raise InputError("leverage must be a LogNormalLeverage")
    median = leverage.median * float(np.exp(-size_leverage_exponent * leverage.sigma**2))
    return LeverageDensity(
        median=max(median, leverage.min_leverage * 1.01), sigma=leverage.sigma,
        min_leverage=leverage.min_leverage, max_leverage=150.0,
    )  # fmt: skip


@dataclass
class Evaluation:
    """Scores of several models on one market: density (simulated only) and per bar."""

    density: pd.DataFrame  # index model, columns <metric>_<side> (medians over snapshots)
    per_bar: pd.DataFrame  # validate.scorecard: models and baselines, with CIs
    heatmaps: dict = field(default_factory=dict)


def _density_table(heatmaps: Mapping, truth: MarketTruth) -> pd.DataFrame:
    rows = {}
    for name, hm in heatmaps.items():
        summary = lv.summarize_density(lv.density_scores(hm, truth))
        row = {}
        for side in ("long", "short"):
            for col in DENSITY_COLUMNS:
                row[f"{col}_{side}"] = summary.loc[side, f"{col}_median"]
        row["skill_pooled"] = summary.loc["all", "skill_pooled"]
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")


def evaluate_market(
    market: pd.DataFrame,
    realized: pd.DataFrame,
    *,
    truth: MarketTruth | None = None,
    models: Iterable[str] = tuple(MODELS),
    interval: str | pd.Timedelta | None = None,
    score_from: str | pd.Timestamp | None = None,
    n_boot: int = 500,
    seed: int = 0,
    keep_heatmaps: bool = False,
    model_kw: Mapping[str, dict] | None = None,
    bar: str | pd.Timedelta | None = None,
    **estimate_kw,
) -> Evaluation:
    """Estimate with every model and score it against the truth, beside the naive baselines.

    Parameters
    ----------
    market : pandas.DataFrame
        The market (columns of ``lq.load_market``).
    realized : pandas.DataFrame
        Realized liquidations (``long_usd``, ``short_usd``, USD) per candle or per bar.
    truth : MarketTruth, optional
        The live levels (simulated markets): adds the density scores.
    models : iterable of str
        Names from ``lq.MODELS``.
    interval : str or pandas.Timedelta, default "1h"
        Bars the per-bar scores use (predictions and realized are summed into them).
    score_from : time, optional
        Score only bars (and snapshots) from this time (UTC): a warm-up before it is
        estimated but not scored, and anything fitted before it is scored out of sample.
    n_boot, seed
        Day-block bootstrap replicates and seed of the CIs.
    keep_heatmaps : bool
        Keep each model's heatmap in ``Evaluation.heatmaps`` (memory); False keeps none.
    model_kw : dict of model -> dict, optional
        Settings for one model only, over ``estimate_kw`` (e.g. the turnover model's density).
    **estimate_kw
        Passed to :func:`liqlib.estimate_heatmap` (``mix``, ``n_bins``, ``split``...).
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).
    """
    td = interval_arg(interval, bar, where="evaluate_market", default="1h")
    start = None if score_from is None else to_utc(score_from, "score_from")
    extra = dict(model_kw or {})
    heatmaps = {
        name: estimate_heatmap(
            market, model=name, **{**_for_model(name, estimate_kw, models), **extra.get(name, {})}
        )
        for name in models
    }
    predictions = {name: lv.to_bars(lv.heatmap_predicted(hm), td) for name, hm in heatmaps.items()}
    predictions.update(lv.naive_baselines(market, td))
    real = lv.to_bars(realized[["long_usd", "short_usd"]], td)
    index = real.index if start is None else real.index[real.index >= start]
    predictions = {k: v.reindex(index, fill_value=0.0) for k, v in predictions.items()}
    per_bar = lv.scorecard(predictions, real.loc[index], n_boot=n_boot, seed=seed)
    density = pd.DataFrame()
    if truth is not None:
        if start is not None:
            keep = truth.times >= start
            truth = MarketTruth(
                times=truth.times[keep], price=truth.price[keep],
                price_edges=truth.price_edges, leverage_edges=truth.leverage_edges,
                long_usd=truth.long_usd[keep], short_usd=truth.short_usd[keep],
                liquidations=truth.liquidations,
                overflow_long_usd=truth.overflow_long_usd[keep],
                overflow_short_usd=truth.overflow_short_usd[keep], attrs=truth.attrs,
            )  # fmt: skip
        density = _density_table(heatmaps, truth)
    return Evaluation(density, per_bar, heatmaps if keep_heatmaps else {})


def told_kw(leverage) -> dict:
    """Per-model settings when told the truth: the turnover model takes a density, and reads
    the told mix as one of *opened* positions (``mix_basis="opened"``), as the simulator's is."""
    if isinstance(leverage, LogNormalLeverage):
        return {"turnover": {"mix": told_density(leverage), "mix_basis": "opened"}}
    return {"turnover": {"mix_basis": "opened"}}


def ranking_row(r: pd.Series) -> dict:
    """A scenario table's ranking columns from one :func:`scorecard` row: Spearman of the
    total with its CI, its paired difference to range x OI with CI (NaN for a baseline), the
    share of bars predicted zero and predicted / realized USD."""
    return {
        "spearman_total": r["spearman_total"],
        "spearman_total_lo": r["spearman_total_lo"],
        "spearman_total_hi": r["spearman_total_hi"],
        "d_spearman_vs_range": r.get("d_spearman_total", np.nan),
        "d_lo": r.get("d_spearman_total_lo", np.nan),
        "d_hi": r.get("d_spearman_total_hi", np.nan),
        "pred_zero_share": r["pred_zero_share_total"],
        "pred_real_ratio": r["pred_real_ratio_total"],
    }


def evaluate_scenarios(
    scenarios: Mapping[str, Scenario],
    seeds: Iterable[int],
    *,
    days: float = 4.0,
    live_positions: int = 20_000,
    models: Iterable[str] = tuple(MODELS),
    interval: str | pd.Timedelta | None = None,
    n_bins: int = 400,
    max_columns: int = 400,
    n_boot: int = 200,
    bar: str | pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Every model on every simulated scenario and seed, told the true leverage mix.

    The simulator's mix is a mix of *opened* positions (``mix_basis="opened"``: the turnover
    model converts it to the mix of the standing book, which holds low leverage longer).

    Returns one row per (scenario, seed, model or baseline) with the density medians
    (models only), Spearman of the per-bar totals with its CI, the paired CI against the
    ``range x OI`` baseline, the share of bars predicted zero and predicted / realized.
    ``interval`` (default "1h") is the bars of the per-bar scores; ``bar=`` is its deprecated
    old name (warns; goes in liqlib 0.3).
    """
    td = interval_arg(interval, bar, where="evaluate_scenarios", default="1h")
    rows = []
    models = tuple(models)
    for name, sc in scenarios.items():
        for seed in seeds:
            cfg = SimConfig(days=days, live_positions=live_positions, leverage=sc.leverage,
                            burn_in_days=sc.burn_in_days)  # fmt: skip
            market, truth = simulate_market(int(seed), config=cfg)
            ev = evaluate_market(
                market, truth.liquidations, truth=truth, models=models, interval=td,
                n_boot=n_boot, seed=int(seed), mix=told_mix(sc.leverage),
                model_kw=told_kw(sc.leverage),
                n_bins=n_bins, max_columns=max_columns, symbol=market.attrs["symbol"],
            )  # fmt: skip
            for pred, r in ev.per_bar.iterrows():
                row = {"scenario": name, "seed": int(seed), "prediction": pred}
                if pred in ev.density.index:
                    row.update(ev.density.loc[pred].to_dict())
                row.update(ranking_row(r))
                rows.append(row)
    return pd.DataFrame(rows).set_index(["scenario", "seed", "prediction"])


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

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="1h", tz="UTC")
    >>> split_period(pd.DataFrame(index=idx)).hour
    2
    """
    if not isinstance(frame, pd.DataFrame | pd.Series) or len(frame) < 2:
        raise InputError("frame must be a DataFrame with at least 2 rows: pass the market")
    if at is not None:
        return to_utc(at, "split time")
    if not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise InputError(f"fraction={fraction!r} must lie strictly between 0 and 1: e.g. 0.5")
    return frame.index[int(len(frame) * fraction)]


def _for_model(model: str, common: Mapping, models: Iterable[str]) -> dict:
    """The shared settings ``model`` reads: a setting meant for every model of a comparison
    goes only to the models that use it (``split`` to the flow models, ``mix_basis`` to
    "turnover"); one that none of ``models`` reads is an error, as in ``lq.estimate_heatmap``."""
    models = list(models)
    unread = [k for k in common if all(k in MODELS[m].ignores for m in models)]
    if unread:
        raise InputError(
            f"no model of {models} uses {unread[0]!r}: drop it, or add a model that reads it"
        )
    return {k: v for k, v in common.items() if k not in MODELS[model].ignores}


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
    interval: str | pd.Timedelta | None = None,
    configs: Mapping[str, dict] | None = None,
    bar: str | pd.Timedelta | None = None,
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
    interval : str or pandas.Timedelta
        Bar length of the sums (``"30m"``/``"30min"``, ``"1h"``...); required.
    configs : dict of str to dict, optional
        Extra variants: ``{label: dict(model=..., **overrides)}``.
    **common
        Overrides for every run (``n_bins``, ``max_columns``...). ``split="even"`` is added
        when the market has no taker columns and no ``split`` is given.
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

    Returns
    -------
    dict of str to pandas.DataFrame
        Bar frames (``long_usd``, ``short_usd``, USD) per label, in run order.
    """
    td = interval_arg(interval, bar, where="model_predictions", required=True)
    base = {**common}
    out = {}
    runs = _configs(_runnable(market, models), configs)
    names = sorted({kw["model"] for kw in runs.values()})
    for label, kw in runs.items():
        kw = dict(kw)
        model = kw.pop("model")
        split = {} if "split" in MODELS[model].ignores else _split_for(market)
        run = {**split, **_for_model(model, base, names), **kw}
        hm = estimate_heatmap(market, model, **run)
        out[label] = to_bars(heatmap_predicted(hm), td)
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
    preds = model_predictions(market, models, interval=bar, configs=configs, **common)
    preds.update(naive_baselines(market, interval=bar))
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
        What :func:`liqlib.estimate.calibrate.calibrate_leverage_mix` fits (default "both": the mix
        and the leveraged share; real open interest is not all liquidatable at these prices).
    calibrate_kwargs : dict, optional
        More arguments for the calibration (``family``, ``interval``, ``warmup``...
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
    interval: str | pd.Timedelta | None = None,
    score_from=None,
    bar: str | pd.Timedelta | None = None,
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
    interval : str or pandas.Timedelta, default "1h"
        Bars of the per-bar scores.
    score_from : str or pandas.Timestamp, optional
        Snapshots and bars before it are not scored (e.g. a mix calibrated before it).
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

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
    td = interval_arg(interval, bar, where="compare_on_simulation", default="1h")
    realized = truth.realized(td)
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
        pred = to_bars(heatmap_predicted(hm), td).reindex(realized.index, fill_value=0.0)
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
    out.attrs = {
        "synthetic": True,
        "source": truth.attrs.get("source", "SIMULATED"),
        "bar": _alias(td),
    }
    return out
