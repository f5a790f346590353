"""Argument checks and constants shared by the validation metrics (one-line InputErrors)."""

from __future__ import annotations

import numpy as np

from liqlib.data.realized import SIDES, _fail

#: Default offset bins: -50 % .. +50 % of the price in 0.25 % steps (401 edges, 400 bins).
DEFAULT_OFFSET_EDGES = np.linspace(-50.0, 50.0, 401)


#: Share of bars in the "top decile" of :func:`per_bar_scores`.
TOP_SHARE = 0.10


#: Per-bar metrics, each computed for ``long``, ``short`` and ``total``.
PER_BAR_METRICS = (
    "spearman",
    "r2_pearson",
    "top_decile_hit",
    "pred_zero_share",
    "real_zero_share",
    "pred_real_ratio",
)


SCOPES = ("long", "short", "total")


#: Every metric name :func:`paired_ci` accepts: ``<metric>_<long|short|total>``.
METRICS = tuple(f"{m}_{s}" for m in PER_BAR_METRICS for s in SCOPES)


#: Names of the naive baselines of :func:`naive_baselines`.
BASELINES = ("range x OI", "|return| x OI", "OI fall")


_CHUNK_CELLS = 2_000_000  # bootstrap weights per chunk (replicates x bars)


def _check_sides(sides) -> tuple[str, ...]:
    """``"long"``, ``"short"`` or a sequence of them -> a tuple in the order of SIDES."""
    items = (sides,) if isinstance(sides, str) else tuple(sides)
    for side in items:
        if side not in SIDES:
            _fail(f"side {side!r} is unknown: use 'long', 'short' or both")
    if not items:
        _fail("sides is empty: use ('long', 'short')")
    return tuple(s for s in SIDES if s in items)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        _fail(f"metric {metric!r} is unknown: use one of {list(METRICS)}")
    return metric


def _check_boot(n_boot, level) -> tuple[int, float]:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        _fail(f"n_boot={n_boot!r} must be a positive integer: use e.g. 1000")
    if not isinstance(level, int | float) or not 0 < level < 1:
        _fail(f"level={level!r} must lie strictly between 0 and 1: use e.g. 0.95")
    return int(n_boot), float(level)


def _edges(values, name: str) -> np.ndarray:
    e = np.asarray(values, dtype=float)
    if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        _fail(f"{name} must be at least 2 finite, strictly increasing edges: e.g. np.linspace(...)")
    return e
