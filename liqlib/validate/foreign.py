"""Every model on the foreign-form scenarios of :mod:`liqlib.sim.scenarios` (**SIMULATED**),
each model at its own defaults: nothing about a scenario's mix, margining or hazards is told.

Examples
--------
>>> tab = evaluate_foreign_scenarios(  # doctest: +SKIP
...     ["cross margin"], [1], days=1.0, live_positions=3_000, n_boot=30)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from liqlib.data.time import interval_arg
from liqlib.errors import InputError
from liqlib.estimate.registry import MODELS
from liqlib.sim.scenarios import SCENARIOS, simulate_scenario
from liqlib.validate.evaluate import evaluate_market, ranking_row
from liqlib.validate.positions import distance_profile

__all__ = ["evaluate_foreign_scenarios"]


def _truth_near_share(truth, within: float = 0.10) -> float:
    c = truth.bin_centers
    near = np.abs(c[None, :] / truth.price[:, None] - 1) <= within
    usd = truth.long_usd.sum(axis=1) + truth.short_usd.sum(axis=1)
    total = usd.sum(axis=1) + truth.overflow_long_usd + truth.overflow_short_usd
    return float(np.mean((usd * near).sum(axis=1) / np.where(total > 0, total, np.nan)))


def evaluate_foreign_scenarios(
    scenarios: Iterable[str] = tuple(SCENARIOS),
    seeds: Iterable[int] = (1,),
    *,
    days: float = 4.0,
    burn_in_days: float = 4.0,
    live_positions: int = 20_000,
    models: Iterable[str] = tuple(MODELS),
    interval: str | pd.Timedelta | None = None,
    n_bins: int = 1000,
    max_columns: int = 400,
    n_boot: int = 200,
    bar: str | pd.Timedelta | None = None,
    **estimate_kw,
) -> pd.DataFrame:
    """Density, per-bar and level scores of every model on every scenario and seed.

    Parameters
    ----------
    scenarios : iterable of str
        Names of :data:`liqlib.sim.scenarios.SCENARIOS`.
    seeds : iterable of int
        One simulated market per scenario and seed.
    days, burn_in_days, live_positions
        As :func:`liqlib.sim.scenarios.simulate_scenario`.
    models : iterable of str
        Models, each at its defaults (``symbol`` the market's, ``n_bins``, ``max_columns``).
    interval, n_bins, max_columns, n_boot
        As :func:`liqlib.validate.evaluate.evaluate_market` (``interval`` default "1h").
    **estimate_kw
        More model settings (e.g. ``turnover_activity="flat"``), the same for every scenario:
        never a scenario's own mix.
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

    Returns
    -------
    pandas.DataFrame
        Index (scenario, seed, prediction); columns ``cosine_long``, ``cosine_short``,
        ``skill_long``, ``skill_short``, ``skill_pooled`` (models only), ``share_within_10``
        (the map's USD within 10 % of the price, mean over columns; the truth's in row
        ``"truth"``), ``spearman_total`` with ``_lo``/``_hi``, ``d_spearman_vs_range`` with
        ``d_lo``/``d_hi``, ``pred_zero_share``, ``pred_real_ratio``. ``attrs["synthetic"]``.
    """
    td = interval_arg(interval, bar, where="evaluate_foreign_scenarios", default="1h")
    models = tuple(models)
    rows = []
    for name in scenarios:
        if name not in SCENARIOS:
            raise InputError(f"scenario {name!r} is unknown: use one of {sorted(SCENARIOS)}")
        for seed in seeds:
            market, truth = simulate_scenario(
                name, int(seed), days=days, burn_in_days=burn_in_days,
                live_positions=live_positions,
            )  # fmt: skip
            ev = evaluate_market(
                market, truth.liquidations, truth=truth, models=models, interval=td, n_boot=n_boot,
                seed=int(seed), keep_heatmaps=True, n_bins=n_bins, max_columns=max_columns,
                symbol=market.attrs["symbol"], **estimate_kw,
            )  # fmt: skip
            rows.append(
                {
                    "scenario": name,
                    "seed": int(seed),
                    "prediction": "truth",
                    "share_within_10": _truth_near_share(truth),
                }  # fmt: skip
            )
            for pred, r in ev.per_bar.iterrows():
                row = {"scenario": name, "seed": int(seed), "prediction": pred}
                if pred in ev.density.index:
                    d = ev.density.loc[pred]
                    row.update({k: d[k] for k in d.index if k.startswith(("cosine", "skill"))})
                    hm = ev.heatmaps[pred]
                    near = [distance_profile(hm, c)[:5].sum() for c in range(len(hm.times))]
                    row["share_within_10"] = float(np.mean(near))
                row.update(ranking_row(r))
                rows.append(row)
    out = pd.DataFrame(rows).set_index(["scenario", "seed", "prediction"])
    out.attrs["synthetic"] = True
    return out
