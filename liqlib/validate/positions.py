"""How a map's book compares with a real one: USD by distance from the price to liquidation.

A liquidation map says where positions would be liquidated; a sample of real positions with
the venue's own liquidation prices (``lq.load_hyperliquid_positions``) says where they were.
Both are reduced to the same *distance profile*: the share of USD whose liquidation price lies
``|LP - price| / price`` away, in bins of :data:`DISTANCE_EDGES` (2 % wide to 50 %, then one
bin for everything farther, unreachable or off the map's grid), both sides together. Two
scores compare profiles: the share of USD within 10 % of the price, and the cosine of the two
profiles (1 = the same shape).

Examples
--------
>>> import numpy as np
>>> p = distance_profile_of_positions(
...     np.array([0.05, 0.07, 0.3, np.inf]), np.array([1.0, 1.0, 1.0, 1.0]))
>>> float(p[:5].sum()), float(p[-1])
(0.5, 0.25)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap

__all__ = [
    "DISTANCE_EDGES",
    "compare_to_positions",
    "distance_profile",
    "distance_profile_of_positions",
    "profile_cosine",
]

#: Distance bins (fraction of price): 0-2 %, ..., 48-50 %, then >= 50 % (incl. unreachable).
DISTANCE_EDGES = np.concatenate([np.linspace(0.0, 0.5, 26), [np.inf]])


def distance_profile_of_positions(distance, usd) -> np.ndarray:
    """USD share per distance bin of positions (``inf`` = unreachable: the last bin).

    Parameters
    ----------
    distance : array-like
        ``|LP - mark| / mark`` per position (fraction, >= 0 or inf).
    usd : array-like
        Position value (USD, >= 0).

    Returns
    -------
    numpy.ndarray, shape (len(DISTANCE_EDGES) - 1,)
        Shares summing to 1.
    """
    d = np.asarray(distance, dtype=float)
    w = np.asarray(usd, dtype=float)
    if d.shape != w.shape or d.size == 0 or np.any(np.isnan(d)) or np.any(w < 0):
        raise InputError("distance and usd must be equal-length, non-empty, >= 0 and not NaN")
    idx = np.clip(np.searchsorted(DISTANCE_EDGES, d, side="right") - 1, 0, DISTANCE_EDGES.size - 2)
    h = np.bincount(idx, weights=w, minlength=DISTANCE_EDGES.size - 1)
    if h.sum() <= 0:
        raise InputError("the positions hold no USD: give positions with a value > 0")
    return h / h.sum()


def distance_profile(hm: Heatmap, column: int = -1) -> np.ndarray:
    """USD share per distance bin of a heatmap column (both sides; overflow in the last bin).

    Parameters
    ----------
    hm : Heatmap
        An estimate.
    column : int
        Which column (time) of the map.

    Returns
    -------
    numpy.ndarray, shape (len(DISTANCE_EDGES) - 1,)
        Shares summing to 1 (all zero when the column holds no USD).
    """
    p = float(hm.price[column])
    d = np.abs(hm.bin_centers / p - 1.0)
    usd = hm.long_usd[column] + hm.short_usd[column]
    idx = np.clip(np.searchsorted(DISTANCE_EDGES, d, side="right") - 1, 0, DISTANCE_EDGES.size - 2)
    h = np.bincount(idx, weights=usd, minlength=DISTANCE_EDGES.size - 1)
    h[-1] += float(hm.overflow_long_usd[column] + hm.overflow_short_usd[column])
    total = h.sum()
    return h / total if total > 0 else h


def profile_cosine(a, b) -> float:
    """Cosine similarity of two distance profiles (1 = the same shape; NaN if one is empty)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else float("nan")


def _within(profile: np.ndarray, distance: float) -> float:
    k = int(np.searchsorted(DISTANCE_EDGES, distance, side="right") - 1)
    return float(np.asarray(profile)[:k].sum())


def compare_to_positions(
    heatmaps: dict[str, Heatmap],
    positions: pd.DataFrame,
    *,
    columns: slice | None = None,
    within: float = 0.10,
) -> pd.DataFrame:
    """Every map's distance profile against a real position sample's.

    Parameters
    ----------
    heatmaps : dict of str -> Heatmap
        The maps to compare (e.g. one per model on the same market).
    positions : pandas.DataFrame
        ``lq.load_hyperliquid_positions`` output (``mark_distance``, ``position_usd``,
        ``cohort``; each cohort weighs 1).
    columns : slice, optional
        The map columns to average over (default all); each column's scores are averaged.
    within : float
        The distance of the "share within" score (fraction, a multiple of 0.02 up to 0.5).

    Returns
    -------
    pandas.DataFrame
        One row per map plus a row ``"real positions"``: ``share_within`` (USD share within
        ``within`` of the price), ``cosine`` (mean over columns of the profile cosine with the
        positions'; 1 for the positions themselves).
    """
    if not {"mark_distance", "position_usd", "cohort"} <= set(positions.columns):
        raise InputError("positions need lq.load_hyperliquid_positions columns: read them so")
    w = positions["position_usd"] / positions.groupby("cohort")["position_usd"].transform("sum")
    real = distance_profile_of_positions(positions["mark_distance"].to_numpy(), w.to_numpy())
    rows = {"real positions": {"share_within": _within(real, within), "cosine": 1.0}}
    for name, hm in heatmaps.items():
        cols = range(len(hm.times))[columns or slice(None)]
        profs = [distance_profile(hm, c) for c in cols]
        profs = [p for p in profs if p.sum() > 0]
        if not profs:
            rows[name] = {"share_within": np.nan, "cosine": np.nan}
            continue
        rows[name] = {
            "share_within": float(np.mean([_within(p, within) for p in profs])),
            "cosine": float(np.mean([profile_cosine(p, real) for p in profs])),
        }
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("map")
    out.attrs["within"] = within
    return out
