"""Every model against the truth: the tables of notebook 05 and the README, computed once.

Two kinds of truth:

- **simulated markets** (:func:`liqlib.sim.simulate_market`, SIMULATED): every live position is
  known, so the estimated liquidation-level *density* can be scored (cosine, earth-mover
  distance and skill against a flat ±20 % guess, :func:`liqlib.validate.density_scores`) as
  well as the predicted liquidations per bar;
- **realized liquidations** of a real market (e.g. the Coinglass 30-minute BTC window,
  :func:`liqlib.sources.coinglass.load_coinglass_regime_csv`): only per-bar scores.

Every table puts the naive one-line baselines of :func:`liqlib.validate.naive_baselines`
beside the models, with day-block bootstrap confidence intervals.

Example
-------
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
from liqlib.config import LeverageMix
from liqlib.errors import InputError
from liqlib.models import MODELS, estimate_heatmap
from liqlib.sim import LogNormalLeverage, SimConfig, simulate_market
from liqlib.truth import MarketTruth

__all__ = [
    "DENSITY_COLUMNS",
    "SCENARIOS",
    "Scenario",
    "evaluate_market",
    "evaluate_scenarios",
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
    bar: str = "1h",
    score_from: str | pd.Timestamp | None = None,
    n_boot: int = 500,
    seed: int = 0,
    keep_heatmaps: bool = False,
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
    bar : str
        Bars the per-bar scores use (predictions and realized are summed into them).
    score_from : time, optional
        Score only bars (and snapshots) from this time (UTC): a warm-up before it is
        estimated but not scored, and anything fitted before it is scored out of sample.
    n_boot, seed
        Day-block bootstrap replicates and seed of the CIs.
    **estimate_kw
        Passed to :func:`liqlib.estimate_heatmap` (``mix``, ``n_bins``, ``split``...).
    """
    start = None if score_from is None else pd.Timestamp(score_from)
    if start is not None and start.tzinfo is None:
        start = start.tz_localize("UTC")
    heatmaps = {name: estimate_heatmap(market, model=name, **estimate_kw) for name in models}
    predictions = {name: lv.to_bars(lv.heatmap_predicted(hm), bar) for name, hm in heatmaps.items()}
    predictions.update(lv.naive_baselines(market, bar))
    real = lv.to_bars(realized[["long_usd", "short_usd"]], bar)
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


def evaluate_scenarios(
    scenarios: Mapping[str, Scenario],
    seeds: Iterable[int],
    *,
    days: float = 4.0,
    live_positions: int = 20_000,
    models: Iterable[str] = tuple(MODELS),
    bar: str = "1h",
    n_bins: int = 400,
    max_columns: int = 400,
    n_boot: int = 200,
) -> pd.DataFrame:
    """Every model on every simulated scenario and seed, told the true leverage mix.

    Returns one row per (scenario, seed, model or baseline) with the density medians
    (models only), Spearman of the per-bar totals with its CI, the paired CI against the
    ``range x OI`` baseline, the share of bars predicted zero and predicted / realized.
    """
    rows = []
    models = tuple(models)
    for name, sc in scenarios.items():
        for seed in seeds:
            cfg = SimConfig(days=days, live_positions=live_positions, leverage=sc.leverage,
                            burn_in_days=sc.burn_in_days)  # fmt: skip
            market, truth = simulate_market(int(seed), config=cfg)
            ev = evaluate_market(
                market, truth.liquidations, truth=truth, models=models, bar=bar,
                n_boot=n_boot, seed=int(seed), mix=told_mix(sc.leverage),
                n_bins=n_bins, max_columns=max_columns, symbol=market.attrs["symbol"],
            )  # fmt: skip
            for pred, r in ev.per_bar.iterrows():
                row = {"scenario": name, "seed": int(seed), "prediction": pred}
                if pred in ev.density.index:
                    row.update(ev.density.loc[pred].to_dict())
                row.update(
                    spearman_total=r["spearman_total"],
                    spearman_total_lo=r["spearman_total_lo"],
                    spearman_total_hi=r["spearman_total_hi"],
                    d_spearman_vs_range=r.get("d_spearman_total", np.nan),
                    d_lo=r.get("d_spearman_total_lo", np.nan),
                    d_hi=r.get("d_spearman_total_hi", np.nan),
                    pred_zero_share=r["pred_zero_share_total"],
                    pred_real_ratio=r["pred_real_ratio_total"],
                )
                rows.append(row)
    return pd.DataFrame(rows).set_index(["scenario", "seed", "prediction"])
