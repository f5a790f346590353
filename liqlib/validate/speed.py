"""How fast each model estimates a map: median wall and CPU time per run, in candles/s.

The full benchmark is ``make bench`` (``benchmarks/``); this is the same measure for one market,
small enough for notebook 05 to report it on the machine that runs it.

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> t = model_speed(make_synthetic_market(500), ["oi-flow"], runs=2, n_bins=100)
>>> list(t.columns)
['seconds', 'candles_per_s', 'cpu_seconds', 'cpu_candles_per_s', 'vs_default']
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.registry import DEFAULT_MODEL, MODELS, estimate_heatmap

__all__ = ["model_speed"]


def _median(fn, runs: int, clock) -> float:
    times = []
    for _ in range(runs):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def model_speed(
    market: pd.DataFrame,
    models: Sequence[str] | None = None,
    *,
    runs: int = 5,
    **estimate_kw,
) -> pd.DataFrame:
    """Median time of :func:`liqlib.estimate.registry.estimate_heatmap` per model, end to end.

    Each model is run once first (numba compiles or loads its cache then; not timed), then
    ``runs`` times on the wall clock and ``runs`` times on this process's CPU clock. CPU time
    is what other jobs on a shared machine inflate less, but it adds up every thread of a
    parallel kernel, so on a quiet machine wall time is the speed a user sees.

    Parameters
    ----------
    market : pandas.DataFrame
        The market every model estimates (its number of rows is the candle count).
    models : sequence of str, optional
        Names in ``lq.MODELS``; None = every model.
    runs : int
        Timed runs per clock (>= 1).
    **estimate_kw
        Passed to ``estimate_heatmap`` (``n_bins``, ``max_columns``...).

    Returns
    -------
    pandas.DataFrame
        Index ``model``; ``seconds`` and ``cpu_seconds`` (medians), ``candles_per_s`` and
        ``cpu_candles_per_s``, and ``vs_default`` (this model's wall speed over the default
        model's; NaN when the default is not among ``models``).

    Raises
    ------
    InputError
        ``runs`` < 1, an empty market, or a model name that is not registered.
    """
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InputError(f"runs={runs!r} must be an integer >= 1: use e.g. 5")
    if not isinstance(market, pd.DataFrame) or market.empty:
        raise InputError("market must be a non-empty market frame: use e.g. lq.load_demo()")
    names = list(MODELS) if models is None else list(models)
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        raise InputError(f"unknown model(s) {unknown}: use names from {list(MODELS)}")
    n = len(market)
    rows = {}
    for name in names:

        def run(name=name):
            estimate_heatmap(market, name, **estimate_kw)

        run()  # warm-up: compile or load the numba cache
        wall = _median(run, runs, time.perf_counter)
        cpu = _median(run, runs, time.process_time)
        rows[name] = {
            "seconds": wall,
            "candles_per_s": n / wall,
            "cpu_seconds": cpu,
            "cpu_candles_per_s": n / cpu,
        }
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("model")
    base = out["candles_per_s"].get(DEFAULT_MODEL)
    out["vs_default"] = out["candles_per_s"] / base if base is not None else float("nan")
    return out
