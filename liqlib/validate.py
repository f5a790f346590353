"""The accuracy yardstick: how close a heatmap comes to the truth and to realized liquidations.

Three families of metrics, from the most to the least demanding of data:

1. **Density** (:func:`density_scores`; simulations only, where the live positions are known):
   the estimated and the true USD profiles, per side, both expressed in *offset space* (signed
   distance of a liquidation price from the price then, in %), compared by cosine similarity
   and earth-mover distance, and scored against a flat +-20 % profile.
2. **Per bar** (:func:`per_bar_scores`; works on real data): predicted vs realized USD
   liquidated per bar, by Spearman rank correlation, squared Pearson correlation, top-decile
   hit rate, zero shares and the total ratio. :func:`naive_baselines` gives one-line
   predictions a model must beat, :func:`scorecard` puts models and baselines side by side
   with day-block bootstrap intervals (:func:`block_bootstrap_ci`, :func:`paired_ci`).
3. **Zones** (:func:`zone_scores`): precision of the top price zones of each map, with a Wilson
   interval (:func:`wilson_interval`) and a reach-matched random baseline.

Conventions: amounts in USD notional, prices in USD/coin, offsets and distances in % of the
price (``emd_pct`` is in percentage points of price), times in UTC. A *bar frame* is a
DataFrame indexed by bar open time (UTC) with columns ``long_usd`` (USD of long positions
liquidated in the bar) and ``short_usd``; ``total`` means ``long_usd + short_usd``.

Example
-------
>>> import liqlib as lq
>>> market = lq.make_synthetic_market(2_000, interval="5min")
>>> hm = lq.estimate_heatmap(market, n_bins=200, max_columns=50)
>>> preds = {"oi-flow": to_bars(heatmap_predicted(hm), "1h"),
...          **naive_baselines(market, bar="1h")}
>>> realized = preds["OI fall"]  # stand-in: use truth.realized("1h") or Coinglass data
>>> card = scorecard(preds, realized, n_boot=50)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

import numpy as np
import pandas as pd

from liqlib.columns import CLOSE, HIGH, LOW, OI_COIN, OI_USD, OPEN, TIME
from liqlib.engine import Heatmap
from liqlib.errors import InputError
from liqlib.truth import MarketTruth

__all__ = [
    "BASELINES",
    "DEFAULT_OFFSET_EDGES",
    "METRICS",
    "SIDES",
    "block_bootstrap_ci",
    "density_scores",
    "heatmap_predicted",
    "naive_baselines",
    "paired_ci",
    "per_bar_scores",
    "rebin_to_offsets",
    "scorecard",
    "summarize_density",
    "to_bars",
    "wilson_interval",
    "zone_hits",
    "zone_scores",
]

SIDES = ("long", "short")
BAR_COLUMNS = ("long_usd", "short_usd")
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


def _fail(message: str) -> NoReturn:
    raise InputError(message)


# --------------------------------------------------------------------------------------------
# small validators
# --------------------------------------------------------------------------------------------


def _timedelta(value, name: str, example: str = "'30min', '1h' or '1D'") -> pd.Timedelta:
    """A positive time span from a string such as '4h' (or a Timedelta)."""
    if isinstance(value, pd.Timedelta):
        td = value
    elif isinstance(value, str):
        try:
            td = pd.Timedelta(value.strip())
        except (ValueError, TypeError):
            _fail(f"{name}={value!r} is not a time span: use e.g. {example}")
    else:
        _fail(f"{name}={value!r} is not a time string: use e.g. {example}")
    if pd.isna(td) or td <= pd.Timedelta(0):
        _fail(f"{name}={value!r} must be a positive time span: use e.g. {example}")
    return td


def _alias(td: pd.Timedelta) -> str:
    """A pandas alias for a time span: '30min', '1h', '1D', '15s'."""
    s = int(td.total_seconds())
    if s > 0 and s * 10**9 == td.value:
        for unit, size in (("D", 86_400), ("h", 3_600), ("min", 60)):
            if s % size == 0:
                return f"{s // size}{unit}"
        return f"{s}s"
    return f"{td.value}ns"


def _utc_index(obj, name: str) -> pd.DatetimeIndex:
    idx = obj.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        _fail(f"{name} must be indexed by a UTC DatetimeIndex: use {name}.tz_localize('UTC')")
    return idx


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8


def _bar_frame(frame, name: str) -> np.ndarray:
    """Check a bar frame (long_usd, short_usd; UTC; no NaN, no negatives) -> (n, 2) floats."""
    if not isinstance(frame, pd.DataFrame):
        _fail(
            f"{name} must be a DataFrame with columns long_usd and short_usd indexed by bar "
            f"time (UTC), not {type(frame).__name__}: build one with to_bars(...)"
        )
    for col in BAR_COLUMNS:
        if col not in frame.columns:
            _fail(
                f"{name} lacks column {col!r} (has {list(frame.columns)[:6]}): give it columns "
                "long_usd and short_usd (USD liquidated per bar)"
            )
    idx = _utc_index(frame, name)
    if len(idx) == 0:
        _fail(f"{name} has no bars: choose a window that holds some")
    values = frame[list(BAR_COLUMNS)].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        _fail(
            f"{name} has NaN or infinite {BAR_COLUMNS[col]} at {idx[row]} ({int(bad.sum())} "
            "values): drop those bars from both frames, or .fillna(0) if NaN means none"
        )
    neg = values < 0
    if neg.any():
        row, col = np.argwhere(neg)[0]
        _fail(
            f"{name} has a negative {BAR_COLUMNS[col]} at {idx[row]}: USD liquidated is >= 0; "
            "repair those bars"
        )
    return values


def _same_bars(a: pd.DataFrame, b: pd.DataFrame, name_a: str, name_b: str) -> None:
    if a.index.equals(b.index):
        return
    common = len(a.index.intersection(b.index))

    def span(idx: pd.DatetimeIndex) -> str:
        return f"{len(idx)} bars {idx[0]:%Y-%m-%d %H:%M}..{idx[-1]:%Y-%m-%d %H:%M}"

    _fail(
        f"{name_a} ({span(a.index)}) and {name_b} ({span(b.index)}) are not on the same bars "
        f"({common} in common): resample both to the same bars, e.g. to_bars(frame, '30min') "
        "or .resample('30min').sum(), then keep the common ones with frame.loc[common_index]"
    )


def _sorted_index(idx: pd.DatetimeIndex, name: str) -> None:
    if not idx.is_monotonic_increasing:
        _fail(f"{name} is not sorted in time: use {name}.sort_index()")


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


# --------------------------------------------------------------------------------------------
# 1. density: estimated vs true liquidation profiles (simulations)
# --------------------------------------------------------------------------------------------


def _edges(values, name: str) -> np.ndarray:
    e = np.asarray(values, dtype=float)
    if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        _fail(f"{name} must be at least 2 finite, strictly increasing edges: e.g. np.linspace(...)")
    return e


def rebin_to_offsets(
    usd: np.ndarray,
    price_edges: np.ndarray,
    price: float | np.ndarray,
    offset_edges: np.ndarray = DEFAULT_OFFSET_EDGES,
) -> np.ndarray:
    """Move a USD profile from price bins onto offset bins (% from the price).

    The offset of a liquidation price ``LP`` is ``(LP / price - 1) * 100`` (%): negative below
    the price (where longs are liquidated), positive above it. Each source bin's USD is
    assumed spread uniformly in **linear price** across the bin (so uniformly in offset too,
    offset being linear in price) and is shared among the offset bins in proportion to the
    overlap. USD whose price lies outside ``offset_edges`` is dropped (an overflow this
    function does not return): the sum of the result can be less than the sum of ``usd``.

    Parameters
    ----------
    usd : numpy.ndarray, shape (B,) or (S, B)
        USD per price bin (one profile, or one per row), >= 0.
    price_edges : numpy.ndarray, shape (B+1,)
        Price bin edges (USD/coin), strictly increasing.
    price : float or numpy.ndarray of shape (S,)
        Reference price (USD/coin), one per row.
    offset_edges : numpy.ndarray, shape (K+1,)
        Offset bin edges (%), strictly increasing, all > -100.

    Returns
    -------
    numpy.ndarray, shape (K,) or (S, K)
        USD per offset bin.

    Example
    -------
    >>> rebin_to_offsets(np.array([10.0, 30.0]), np.array([90.0, 100.0, 110.0]), 100.0,
    ...                  np.array([-10.0, -5.0, 0.0, 10.0])).tolist()
    [5.0, 5.0, 30.0]
    """
    edges = _edges(price_edges, "price_edges")
    off = _edges(offset_edges, "offset_edges")
    if off[0] <= -100.0:
        _fail("offset_edges must all be > -100 %: a price cannot fall by 100 % or more")
    u = np.asarray(usd, dtype=float)
    nb = edges.size - 1
    if u.ndim not in (1, 2) or u.shape[-1] != nb:
        _fail(f"usd has shape {u.shape}, expected (..., {nb}) to match price_edges: rebin per grid")
    if not np.all(np.isfinite(u)) or np.any(u < 0):
        _fail("usd has NaN, infinite or negative values: USD per bin must be finite and >= 0")
    rows = np.atleast_2d(u)
    p = np.asarray(price, dtype=float)
    p = np.full(rows.shape[0], float(p)) if p.ndim == 0 else p
    if p.shape != (rows.shape[0],) or not np.all(np.isfinite(p)) or np.any(p <= 0):
        _fail(f"price must be one positive price per row ({rows.shape[0]}): got shape {p.shape}")
    # USD below each offset edge: the piecewise-linear cumulative profile, read at those prices
    x = p[:, None] * (1.0 + off[None, :] / 100.0)
    cum = np.concatenate([np.zeros((rows.shape[0], 1)), np.cumsum(rows, axis=1)], axis=1)
    i = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, nb - 1)
    frac = np.clip((x - edges[i]) / (edges[i + 1] - edges[i]), 0.0, 1.0)
    r = np.arange(rows.shape[0])[:, None]
    below = cum[r, i] + frac * rows[r, i]
    out = np.maximum(np.diff(below, axis=1), 0.0)
    return out[0] if u.ndim == 1 else out


def _flat_profile(side: str, flat_width: float, off: np.ndarray) -> np.ndarray:
    """Uniform density over -w..0 % (long) or 0..+w % (short), on the offset bins."""
    w = 100.0 * flat_width
    lo, hi = (-w, 0.0) if side == "long" else (0.0, w)
    return np.diff(np.clip((off - lo) / (hi - lo), 0.0, 1.0))


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.clip(c, -1.0, 1.0)


def _emd(a: np.ndarray, b: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Wasserstein-1 between the normalised rows of a and b, masses at ``centers`` (%)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ca = np.cumsum(a / a.sum(axis=1, keepdims=True), axis=1)
        cb = np.cumsum(b / b.sum(axis=1, keepdims=True), axis=1)
    return np.sum(np.abs(ca - cb)[:, :-1] * np.diff(centers), axis=1)


def density_scores(
    hm: Heatmap,
    truth: MarketTruth,
    *,
    offset_edges: np.ndarray | None = None,
    flat_width: float = 0.20,
    sides: str | Sequence[str] = SIDES,
) -> pd.DataFrame:
    """Score a heatmap's liquidation profile against a simulation's true one, per snapshot.

    At each truth snapshot time ``t`` (snapshots before the heatmap's first column, or more
    than one column spacing after its last, are skipped) the heatmap column used is
    ``hm.column_at(t)``: the last column at or before ``t``. Per side, the estimated USD
    profile (``hm.long_usd[j]`` on ``hm.price_edges``) and the true one
    (``truth.side_usd(side)[s]``, summed over leverage buckets, on ``truth.price_edges``) are
    rebinned onto common offset bins with :func:`rebin_to_offsets`, both relative to the
    truth's price at the snapshot (``truth.price[s]``, USD/coin). USD outside the offset range
    (and each grid's own overflow) is ignored. Then, with ``e`` and ``q`` the two USD vectors
    over the offset bins:

    - ``cosine`` = e . q / (|e| |q|): 1 for proportional profiles, 0 for disjoint ones
      (dimensionless; insensitive to total USD, sensitive to exact bin placement).
    - ``emd_pct`` = earth-mover (Wasserstein-1) distance between e / sum(e) and q / sum(q),
      with each bin's mass at its centre ``c_k``:
      ``sum_k |E_k - Q_k| (c_{k+1} - c_k)``, ``E``, ``Q`` the cumulative shares (units: %
      of price). How far, on average, the estimate puts USD from where it truly is.
    - ``emd_flat_pct``: the same distance for a flat profile (uniform over
      ``-100 flat_width .. 0`` % for longs, ``0 .. +100 flat_width`` % for shorts) against q.
    - ``skill`` = 1 - emd_pct / emd_flat_pct: 1 for a perfect profile, 0 for one no better
      than the flat guess, negative when worse.

    Rows where either profile has no USD inside the offset range have NaN metrics (counted in
    ``attrs["empty_rows"]``); ``emd_flat_pct`` is NaN only when the truth is empty.

    Parameters
    ----------
    hm : Heatmap
        The estimate (e.g. ``lq.estimate_heatmap(market)`` on the simulated market).
    truth : MarketTruth
        The simulation's ground truth.
    offset_edges : numpy.ndarray, optional
        Offset bin edges (%); default :data:`DEFAULT_OFFSET_EDGES` (-50..+50 %, 0.25 % bins).
    flat_width : float
        Width of the flat reference profile as a fraction of price (0.20 = 20 %); must fit
        inside the offset range.
    sides : str or sequence of str
        ``"long"``, ``"short"`` or both (default).

    Returns
    -------
    pandas.DataFrame
        One row per (snapshot, side), sorted by time then side: ``time`` (UTC), ``side``,
        ``cosine``, ``emd_pct``, ``emd_flat_pct``, ``skill``, ``est_usd`` and ``true_usd``
        (USD inside the offset range). ``attrs``: ``skipped_snapshots``, ``empty_rows``
        (per side), ``offset_edges_pct`` (first, last, number of bins), ``flat_width``.

    Raises
    ------
    InputError
        On a non-Heatmap / non-MarketTruth input, bad edges, width or side, or when no truth
        snapshot falls within the heatmap's time span.
    """
    if not isinstance(hm, Heatmap):
        _fail(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    if not isinstance(truth, MarketTruth):
        _fail(f"truth must be a MarketTruth (from liqlib.sim), not {type(truth).__name__}")
    sides = _check_sides(sides)
    off = DEFAULT_OFFSET_EDGES if offset_edges is None else _edges(offset_edges, "offset_edges")
    if off[0] <= -100.0:
        _fail("offset_edges must all be > -100 %: a price cannot fall by 100 % or more")
    if not isinstance(flat_width, int | float) or not 0 < flat_width < 1:
        _fail(f"flat_width={flat_width!r} must be a fraction in (0, 1): use e.g. 0.20 (= 20 %)")
    if not (off[0] <= -100 * flat_width and off[-1] >= 100 * flat_width):
        _fail(
            f"flat_width={flat_width:g} (+-{100 * flat_width:g} %) does not fit in offset_edges "
            f"{off[0]:g}..{off[-1]:g} %: widen offset_edges or lower flat_width"
        )
    times = truth.times
    cols = hm.times
    spacing = cols[1:] - cols[:-1]
    step = spacing.median() if len(spacing) else pd.Timedelta(0)
    use = np.asarray((times >= cols[0]) & (times <= cols[-1] + step))
    if not use.any():
        _fail(
            f"truth snapshots ({times[0]:%Y-%m-%d %H:%M}..{times[-1]:%Y-%m-%d %H:%M}) and heatmap "
            f"columns ({cols[0]:%Y-%m-%d %H:%M}..{cols[-1]:%Y-%m-%d %H:%M}) do not overlap in "
            "time: estimate the heatmap on the simulated market itself"
        )
    s_idx = np.flatnonzero(use)
    # hm.column_at, vectorised: the last column at or before each snapshot
    j = cols.searchsorted(times[s_idx], side="right") - 1
    price = np.asarray(truth.price, dtype=float)[s_idx]
    centers = 0.5 * (off[:-1] + off[1:])
    parts, empty = [], {}
    for side in sides:
        est = rebin_to_offsets(getattr(hm, f"{side}_usd")[j], hm.price_edges, price, off)
        tru = rebin_to_offsets(truth.side_usd(side)[s_idx], truth.price_edges, price, off)
        flat = np.broadcast_to(_flat_profile(side, flat_width, off), tru.shape)
        e_usd, t_usd = est.sum(axis=1), tru.sum(axis=1)
        ok = (e_usd > 0) & (t_usd > 0)
        emd = np.where(ok, _emd(est, tru, centers), np.nan)
        emd_flat = np.where(t_usd > 0, _emd(flat, tru, centers), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            skill = np.where(ok & (emd_flat > 0), 1.0 - emd / emd_flat, np.nan)
        empty[side] = int((~ok).sum())
        parts.append(
            pd.DataFrame(
                {
                    TIME: times[s_idx],
                    "side": side,
                    "cosine": np.where(ok, _cosine(est, tru), np.nan),
                    "emd_pct": emd,
                    "emd_flat_pct": emd_flat,
                    "skill": skill,
                    "est_usd": e_usd,
                    "true_usd": t_usd,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values([TIME, "side"], kind="stable", ignore_index=True)
    out.attrs = {
        "skipped_snapshots": int((~use).sum()),
        "empty_rows": empty,
        "offset_edges_pct": (float(off[0]), float(off[-1]), int(off.size - 1)),
        "flat_width": float(flat_width),
        "synthetic": bool(truth.attrs.get("synthetic", True)),
    }
    return out


def summarize_density(df: pd.DataFrame) -> pd.DataFrame:
    """Summarise :func:`density_scores`: means and medians, overall and per side.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`density_scores`.

    Returns
    -------
    pandas.DataFrame
        Index ``all``, ``long``, ``short``; columns ``n_rows``, ``n_scored`` (rows with both
        profiles non-empty), ``n_empty``, then ``<metric>_mean`` and ``<metric>_median`` for
        ``cosine``, ``emd_pct`` (%), ``emd_flat_pct`` (%) and ``skill``, and
        ``skill_pooled`` = 1 - sum(emd_pct) / sum(emd_flat_pct) over scored rows (robust to
        snapshots where the flat profile happens to be nearly right). NaN rows are left out
        of means and medians.
    """
    need = ("side", "cosine", "emd_pct", "emd_flat_pct", "skill")
    if not isinstance(df, pd.DataFrame) or any(c not in df.columns for c in need):
        _fail("df must be the output of density_scores(hm, truth): it lacks its columns")
    rows = {}
    for name in ("all", *SIDES):
        part = df if name == "all" else df[df["side"] == name]
        scored = part["cosine"].notna() & part["emd_pct"].notna()
        row = {"n_rows": len(part), "n_scored": int(scored.sum()), "n_empty": int((~scored).sum())}
        for col in ("cosine", "emd_pct", "emd_flat_pct", "skill"):
            row[f"{col}_mean"] = float(part[col].mean()) if len(part) else np.nan
            row[f"{col}_median"] = float(part[col].median()) if len(part) else np.nan
        ok = scored & part["emd_flat_pct"].notna()
        flat_sum = float(part.loc[ok, "emd_flat_pct"].sum())
        row["skill_pooled"] = (
            1.0 - float(part.loc[ok, "emd_pct"].sum()) / flat_sum if flat_sum > 0 else np.nan
        )
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "side"
    return out


# --------------------------------------------------------------------------------------------
# 2. per bar: predicted vs realized USD liquidated per bar
# --------------------------------------------------------------------------------------------


def to_bars(series_or_frame: pd.Series | pd.DataFrame, bar: str) -> pd.Series | pd.DataFrame:
    """Sum per-candle USD into bars: ``resample(bar, label="left", closed="left").sum()``.

    Parameters
    ----------
    series_or_frame : pandas.Series or pandas.DataFrame
        USD per candle, indexed by candle open time (UTC).
    bar : str
        Bar length, e.g. ``"30min"``, ``"1h"``, ``"1D"``. Bars start at multiples of the bar
        length from midnight UTC; a bar is labelled by its open time and holds the candles
        that open in ``[open, open + bar)``. Bars without candles sum to 0.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Same columns, one row per bar (index ``time``); ``attrs["bar"]`` is the bar alias.

    Example
    -------
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="15min", tz="UTC")
    >>> to_bars(pd.Series([1.0, 2.0, 3.0, 4.0], index=idx), "30min").tolist()
    [3.0, 7.0]
    """
    if not isinstance(series_or_frame, pd.Series | pd.DataFrame):
        _fail(f"to_bars needs a pandas Series or DataFrame, not {type(series_or_frame).__name__}")
    td = _timedelta(bar, "bar")
    _utc_index(series_or_frame, "series_or_frame")
    out = series_or_frame.resample(td, label="left", closed="left").sum()
    out.index.name = TIME
    out.attrs = {**series_or_frame.attrs, "bar": _alias(td)}
    return out


def heatmap_predicted(hm: Heatmap) -> pd.DataFrame:
    """The heatmap's predicted liquidations per candle as a bar frame.

    Returns
    -------
    pandas.DataFrame
        ``long_usd`` = ``hm.predicted_long_usd``, ``short_usd`` = ``hm.predicted_short_usd``
        (USD swept per candle), indexed by candle open time (UTC). Sum into bars with
        :func:`to_bars`.
    """
    if not isinstance(hm, Heatmap):
        _fail(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    out = pd.DataFrame(
        {
            "long_usd": hm.predicted_long_usd.to_numpy(dtype=float),
            "short_usd": hm.predicted_short_usd.to_numpy(dtype=float),
        },
        index=hm.predicted_long_usd.index.rename(TIME),
    )
    out.attrs = {"prediction": f"heatmap model {hm.model!r}", **hm.source}
    return out


class _Vec:
    """One USD vector sorted once: order, tie groups, last sorted position of each group."""

    __slots__ = ("gid", "last", "order", "x")

    def __init__(self, x: np.ndarray):
        n = x.size
        self.x = x
        self.order = np.argsort(x, kind="stable")
        xs = x[self.order]
        new = np.empty(n, dtype=bool)
        new[0] = True
        new[1:] = xs[1:] != xs[:-1]
        self.gid = np.cumsum(new) - 1
        self.last = np.append(np.flatnonzero(new)[1:] - 1, n - 1)

    def groups(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per replicate: weight up to and including each tie group, and each group's weight."""
        cend = np.cumsum(w[:, self.order], axis=1)[:, self.last]
        return cend, np.diff(cend, axis=1, prepend=0.0)

    def scatter(self, per_group: np.ndarray) -> np.ndarray:
        out = np.empty((per_group.shape[0], self.x.size))
        out[:, self.order] = per_group[:, self.gid]
        return out


class _Prepared:
    """The three vectors (long, short, total) of one bar frame, sorted once."""

    def __init__(self, values: np.ndarray):
        self.vecs = [_Vec(values[:, 0]), _Vec(values[:, 1]), _Vec(values[:, 0] + values[:, 1])]

    def features(self, w: np.ndarray, n_w: np.ndarray, k: np.ndarray) -> list[dict]:
        """Weighted average ranks and top-decile membership of each vector, per replicate.

        With integer weights (multiplicities) these equal the ranks and the membership
        probabilities in the sample where row i appears w_i times.
        """
        out = []
        for v in self.vecs:
            cend, g = v.groups(w)
            rank = cend - (g - 1.0) / 2.0  # weight below the group + its average position
            above = n_w[:, None] - cend
            with np.errstate(invalid="ignore", divide="ignore"):
                top = np.where(g > 0, np.clip((k[:, None] - above) / g, 0.0, 1.0), 0.0)
            out.append({"rank": v.scatter(rank), "top": v.scatter(top)})
        return out


def _wpearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    sw = w.sum(axis=1)
    mx = (w * x).sum(axis=1) / sw
    my = (w * y).sum(axis=1) / sw
    dx = x - mx[:, None]
    dy = y - my[:, None]
    vx = (w * dx * dx).sum(axis=1)
    vy = (w * dy * dy).sum(axis=1)
    sx = (w * x * x).sum(axis=1)
    sy = (w * y * y).sum(axis=1)
    ok = (vx > 1e-12 * sx) & (vy > 1e-12 * sy)  # a constant vector has no correlation
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (w * dx * dy).sum(axis=1) / np.sqrt(vx * vy)
    return np.where(ok, np.clip(r, -1.0, 1.0), np.nan)


def _top_k(n_w: np.ndarray) -> np.ndarray:
    return np.maximum(np.ceil(np.round(TOP_SHARE * n_w, 9)), 1.0)


def _scores(
    pred: _Prepared,
    real: _Prepared,
    w: np.ndarray,
    wanted: Sequence[str] = METRICS,
    real_feats: list[dict] | None = None,
) -> dict[str, np.ndarray]:
    """Per-bar metrics for replicate weights ``w`` (replicates, bars) -> {metric: (replicates,)}."""
    n_w = w.sum(axis=1)
    k = _top_k(n_w)
    need_feats = any(m.startswith(("spearman", "top_decile")) for m in wanted)
    pf = pred.features(w, n_w, k) if need_feats else None
    rf = real_feats if real_feats is not None or not need_feats else real.features(w, n_w, k)
    out = {}
    for s, scope in enumerate(SCOPES):
        px, rx = pred.vecs[s].x, real.vecs[s].x
        for metric in PER_BAR_METRICS:
            name = f"{metric}_{scope}"
            if name not in wanted:
                continue
            if metric == "spearman":
                value = _wpearson(pf[s]["rank"], rf[s]["rank"], w)
            elif metric == "r2_pearson":
                value = _wpearson(np.broadcast_to(px, w.shape), np.broadcast_to(rx, w.shape), w)
                value = value**2
            elif metric == "top_decile_hit":
                value = (w * pf[s]["top"] * rf[s]["top"]).sum(axis=1) / k
            elif metric == "pred_zero_share":
                value = (w * (px == 0)).sum(axis=1) / n_w
            elif metric == "real_zero_share":
                value = (w * (rx == 0)).sum(axis=1) / n_w
            else:
                den = (w * rx).sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    value = np.where(den > 0, (w * px).sum(axis=1) / den, np.nan)
            out[name] = value
    return out


def per_bar_scores(predicted: pd.DataFrame, realized: pd.DataFrame) -> pd.DataFrame:
    """Score predicted against realized USD liquidated per bar.

    For each of ``long``, ``short`` and ``total`` (= long + short), over the n bars:

    - ``spearman``: Spearman rank correlation (Pearson correlation of the ranks, ties given
      their average rank); NaN when either side is constant. Does the model order the bars
      by how much is liquidated?
    - ``r2_pearson``: the **squared Pearson correlation** of realized and predicted USD, i.e.
      the R^2 of a least-squares fit *with intercept* of realized on predicted. Scale-free
      (a model predicting a tenth of every bar still scores 1), sensitive to the largest bars.
    - ``top_decile_hit``: of the realized top-decile bars (the k = ceil(0.1 n) bars with the
      most USD), the share that are also in the predicted top decile. Ties at the decile
      boundary count fractionally (the expected value under random tie-breaking), so a
      constant prediction scores k / n ~ 0.10, the value of a random guess.
    - ``pred_zero_share`` / ``real_zero_share``: share of bars predicted / realized exactly 0.
    - ``pred_real_ratio``: sum(predicted) / sum(realized) (USD / USD); NaN if nothing was
      realized.

    Parameters
    ----------
    predicted, realized : pandas.DataFrame
        Bar frames (columns ``long_usd``, ``short_usd``, USD) on the **same** bar index (UTC;
        duplicated stamps are allowed, as in bootstrap resamples). No NaN, no negatives.

    Returns
    -------
    pandas.DataFrame
        Index ``long``, ``short``, ``total`` (named ``side``); columns as listed above plus
        ``n_bars``.

    Example
    -------
    >>> idx = pd.date_range("2025-01-01", periods=20, freq="1h", tz="UTC")
    >>> real = pd.DataFrame({"long_usd": np.arange(20.0), "short_usd": np.arange(20.0)[::-1]},
    ...                     index=idx)
    >>> float(per_bar_scores(real ** 2, real).loc["long", "spearman"])
    1.0
    """
    p = _bar_frame(predicted, "predicted")
    r = _bar_frame(realized, "realized")
    _same_bars(predicted, realized, "predicted", "realized")
    w = np.ones((1, len(p)))
    values = _scores(_Prepared(p), _Prepared(r), w)
    out = pd.DataFrame(
        {m: [float(values[f"{m}_{s}"][0]) for s in SCOPES] for m in PER_BAR_METRICS},
        index=pd.Index(SCOPES, name="side"),
    )
    out["n_bars"] = len(p)
    return out


# --------------------------------------------------------------------------------------------
# naive baselines
# --------------------------------------------------------------------------------------------


def _market_frame(market, name: str = "market") -> pd.DataFrame:
    if not isinstance(market, pd.DataFrame):
        _fail(f"{name} must be a DataFrame (lq.load_market), not {type(market).__name__}")
    idx = _utc_index(market, name)
    if len(idx) == 0:
        _fail(f"{name} has no rows: widen the date range")
    if idx.has_duplicates:
        _fail(f"{name} index has duplicated times (first {idx[idx.duplicated()][0]}): drop them")
    _sorted_index(idx, name)
    return market


def _prices(market: pd.DataFrame, cols: Sequence[str]) -> dict[str, np.ndarray]:
    out = {}
    for col in cols:
        if col not in market.columns:
            _fail(f"market has no {col!r} column: pass a frame from lq.load_market")
        x = market[col].to_numpy(dtype=float)
        bad = ~np.isfinite(x) | (x <= 0)
        if bad.any():
            _fail(
                f"market column {col!r} has NaN or non-positive prices (first at "
                f"{market.index[np.argmax(bad)]}): drop or repair those rows"
            )
        out[col] = x
    return out


def _oi_usd(market: pd.DataFrame) -> pd.Series:
    if OI_USD in market.columns and market[OI_USD].notna().any():
        oi = market[OI_USD].astype(float)
    elif OI_COIN in market.columns and market[OI_COIN].notna().any():
        oi = market[OI_COIN].astype(float) * market[CLOSE].astype(float)
    else:
        _fail(
            f"market has no {OI_USD!r} or {OI_COIN!r} values: the baselines scale by open "
            "interest; load a market with metrics (lq.load_market) or add oi_usd"
        )
    if np.any(oi.to_numpy() < 0) or np.isinf(oi.to_numpy()).any():
        _fail("market open interest has negative or infinite values: repair those rows")
    return oi.ffill().bfill()


def naive_baselines(market: pd.DataFrame, bar: str | None = None) -> dict[str, pd.DataFrame]:
    """One-line predictions of USD liquidated per bar: the floor any model must beat.

    Each uses only the bar's OHLC and open interest; none knows where positions are. With
    ``OI0`` the open interest (USD) at the bar's start and ``OI1`` at its end:

    - ``"range x OI"``: longs ``(open - low) / open * OI0``, shorts
      ``(high - open) / open * OI0``: the deeper the wick, the more is liquidated.
    - ``"|return| x OI"``: ``|close / open - 1| * OI0``, all to longs when the bar fell
      (close < open), all to shorts when it rose (close > open), nothing when flat.
    - ``"OI fall"``: ``max(OI0 - OI1, 0)`` (a fall of open interest in USD, which includes the
      revaluation by the price move), split 50/50 between longs and shorts.

    Open interest is the ``oi_usd`` column, else ``oi_coin * close``, forward-filled (and
    back-filled before its first value). liqlib's engine reads the open interest of a row as
    the state *after* that candle, so ``OI0`` is the value of the row before the bar
    (the bar's own first value for the very first bar) and ``OI1`` the bar's last value.

    Parameters
    ----------
    market : pandas.DataFrame
        ``open``, ``high``, ``low``, ``close`` (USD/coin) and ``oi_usd`` or ``oi_coin``; UTC
        index, sorted, unique.
    bar : str, optional
        When given (``"30min"``, ``"1h"``...), candles are first resampled into bars (open
        first, high max, low min, close last, open interest last) and the baselines computed
        on the bars' OHLC; bars without candles predict 0. None: one row per candle.

    Returns
    -------
    dict of str to pandas.DataFrame
        Keys :data:`BASELINES`; each a bar frame (``long_usd``, ``short_usd``, USD).

    Example
    -------
    >>> idx = pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC")
    >>> m = pd.DataFrame({"open": [100.0, 100.0], "high": [110.0, 101.0], "low": [95.0, 90.0],
    ...                   "close": [100.0, 91.0], "oi_usd": [1000.0, 800.0]}, index=idx)
    >>> naive_baselines(m)["range x OI"]["long_usd"].tolist()
    [50.0, 100.0]
    """
    market = _market_frame(market)
    px = _prices(market, (OPEN, HIGH, LOW, CLOSE))
    oi_end = _oi_usd(market)
    oi_start = oi_end.shift(1)
    oi_start.iloc[0] = oi_end.iloc[0]
    frame = pd.DataFrame({**px, "oi_start": oi_start.to_numpy(), "oi_end": oi_end.to_numpy()})
    frame.index = market.index.rename(TIME)
    label = "candle"
    if bar is not None:
        td = _timedelta(bar, "bar")
        label = _alias(td)
        how = {OPEN: "first", HIGH: "max", LOW: "min", CLOSE: "last"}
        frame = frame.resample(td, label="left", closed="left").agg(
            {**how, "oi_start": "first", "oi_end": "last"}
        )
    o, h, lo, c = (frame[k].to_numpy() for k in (OPEN, HIGH, LOW, CLOSE))
    oi0, oi1 = frame["oi_start"].to_numpy(), frame["oi_end"].to_numpy()
    ret = c / o - 1.0
    fall = np.maximum(oi0 - oi1, 0.0)
    raw = {
        "range x OI": ((o - lo) / o * oi0, (h - o) / o * oi0),
        "|return| x OI": (np.where(ret < 0, -ret, 0.0) * oi0, np.where(ret > 0, ret, 0.0) * oi0),
        "OI fall": (fall / 2.0, fall / 2.0),
    }
    out = {}
    for name, (lg, sh) in raw.items():
        df = pd.DataFrame(
            {"long_usd": np.nan_to_num(lg, nan=0.0), "short_usd": np.nan_to_num(sh, nan=0.0)},
            index=frame.index,
        )
        df.attrs = {"prediction": f"naive baseline {name!r}", "bar": label}
        out[name] = df
    return out


# --------------------------------------------------------------------------------------------
# 3. zones: precision of the top price zones
# --------------------------------------------------------------------------------------------


def wilson_interval(k, n, z: float = 1.96) -> tuple:
    """Wilson score interval of a binomial proportion ``k / n``.

    ``centre = (p + z^2 / 2n) / (1 + z^2 / n)``, ``half = z sqrt(p (1 - p) / n + z^2 / 4n^2)
    / (1 + z^2 / n)``, with ``p = k / n``; the interval is ``centre -+ half``. Unlike the
    normal approximation it stays inside [0, 1] and is honest for small n and p near 0 or 1.

    Parameters
    ----------
    k, n : int or array of int
        Successes and trials, ``0 <= k <= n``. ``n = 0`` gives NaN.
    z : float
        Standard-normal quantile: 1.96 for 95 %.

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray

    Example
    -------
    >>> lo, hi = wilson_interval(8, 10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.49, 0.943)
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if not isinstance(z, int | float) or not z > 0:
        _fail(f"z={z!r} must be a positive number: use 1.96 for a 95 % interval")
    if np.any(~np.isfinite(k_arr)) or np.any(~np.isfinite(n_arr)):
        _fail("k and n must be finite counts: e.g. wilson_interval(8, 10)")
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        _fail("k must satisfy 0 <= k <= n: pass hits and trials, e.g. wilson_interval(8, 10)")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        den = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / den
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr**2)) / den
        lo = np.where(k_arr == 0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact at the ends
        hi = np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
        lo = np.where(n_arr > 0, lo, np.nan)
        hi = np.where(n_arr > 0, hi, np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def _step_of(index: pd.DatetimeIndex, attrs: Mapping, name: str) -> pd.Timedelta:
    bar = attrs.get("bar")
    if isinstance(bar, str | pd.Timedelta):
        try:
            return _timedelta(bar, f"{name}.attrs['bar']")
        except InputError:
            pass
    if len(index) < 2:
        _fail(f"{name} has one row, so its bar length is unknown: set {name}.attrs['bar'] = '1h'")
    return pd.Timedelta(int(np.median(np.diff(_ns(index)))), "ns")


def zone_hits(
    hm: Heatmap,
    market: pd.DataFrame,
    realized: pd.DataFrame,
    *,
    top_pct: float = 5.0,
    horizon: str = "4h",
    max_distance: float = 0.10,
    band: float = 0.01,
    seed: int = 0,
    sides: str | Sequence[str] = SIDES,
) -> pd.DataFrame:
    """Every predicted zone of :func:`zone_scores`, with its outcome and its random twin.

    Parameters and definitions: see :func:`zone_scores`.

    Returns
    -------
    pandas.DataFrame
        One row per zone: ``time`` (heatmap column, UTC), ``side``, ``price`` (USD/coin),
        ``zone_lo``, ``zone_hi`` (bin edges, USD/coin), ``distance_pct`` (bin centre, % from
        price), ``est_usd``, ``hit`` (bool), ``random_lo``, ``random_hi``, ``random_hit`` and
        ``random_expected`` (share of hits among all eligible bins of the zone's band).
        ``attrs``: ``n_columns`` (scored columns), ``skipped_columns``, ``threshold_usd``
        (per side), and the parameters.
    """
    if not isinstance(hm, Heatmap):
        _fail(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    sides = _check_sides(sides)
    if isinstance(top_pct, bool) or not isinstance(top_pct, int | float) or not 0 < top_pct <= 100:
        _fail(f"top_pct={top_pct!r} must be a percentage in (0, 100]: use e.g. 5")
    h_td = _timedelta(horizon, "horizon", "'4h' or '30min'")
    if not isinstance(max_distance, int | float) or not 0 < max_distance < 1:
        _fail(f"max_distance={max_distance!r} must be a fraction in (0, 1): use e.g. 0.10 (10 %)")
    if not isinstance(band, int | float) or not 0 < band <= max_distance:
        _fail(f"band={band!r} must be a fraction in (0, max_distance]: use e.g. 0.01 (1 %)")
    market = _market_frame(market)
    px = _prices(market, (LOW, HIGH))
    real = _bar_frame(realized, "realized")
    _sorted_index(realized.index, "realized")
    if len(market) < 2:
        _fail("market has one candle: zones need the candles after each heatmap column")
    candle = _step_of(market.index, market.attrs, "market")
    bar_len = _step_of(realized.index, realized.attrs, "realized")

    # which candles fall in a "significant" realized bar, per side
    starts = _ns(realized.index)
    cand = _ns(market.index)
    lo_i = np.searchsorted(starts, cand - bar_len.value, side="right")
    hi_i = np.searchsorted(starts, cand + candle.value, side="left")
    sig_candle, threshold = {}, {}
    for s, side in enumerate(SIDES):
        vals = real[:, s]
        pos = vals[vals > 0]
        thr = float(np.median(pos)) if pos.size else np.inf
        threshold[side] = thr
        sig = (vals > 0) & (vals >= thr)
        csum = np.concatenate([[0], np.cumsum(sig)])
        sig_candle[side] = (csum[hi_i] - csum[lo_i]) > 0
    low_sig = np.where(sig_candle["long"], px[LOW], np.inf)
    high_sig = np.where(sig_candle["short"], px[HIGH], -np.inf)

    # columns whose whole horizon is covered by market and realized data
    col_ns = _ns(hm.times)
    first_ok = col_ns + candle.value >= starts[0]
    last_ok = (col_ns + h_td.value + candle.value <= starts[-1] + bar_len.value) & (
        col_ns + h_td.value <= cand[-1]
    )
    scored = np.flatnonzero(first_ok & last_ok & (col_ns >= cand[0]))
    if scored.size == 0:
        _fail(
            f"no heatmap column has {_alias(h_td)} of market and realized data after it "
            f"(heatmap {hm.times[0]:%Y-%m-%d %H:%M}..{hm.times[-1]:%Y-%m-%d %H:%M}, realized "
            f"{realized.index[0]:%Y-%m-%d %H:%M}..{realized.index[-1]:%Y-%m-%d %H:%M}): use a "
            "shorter horizon or realized data covering the heatmap"
        )
    edges = np.asarray(hm.price_edges, dtype=float)
    centers = hm.bin_centers
    rng = np.random.default_rng(seed)
    w0 = np.searchsorted(cand, col_ns[scored], side="right")
    w1 = np.searchsorted(cand, col_ns[scored] + h_td.value, side="right")
    parts = []
    for j, i0, i1 in zip(scored, w0, w1, strict=True):  # one iteration per heatmap column
        price = float(hm.price[j])
        dist = centers / price - 1.0
        for side in sides:
            if side == "long":
                elig = np.flatnonzero((edges[1:] <= price) & (dist >= -max_distance))
                reach = low_sig[i0:i1].min() if i1 > i0 else np.inf
                hit_all = edges[elig + 1] >= reach
            else:
                elig = np.flatnonzero((edges[:-1] >= price) & (dist <= max_distance))
                reach = high_sig[i0:i1].max() if i1 > i0 else -np.inf
                hit_all = edges[elig] <= reach
            if elig.size == 0:
                continue
            usd = getattr(hm, f"{side}_usd")[j, elig]
            d = np.abs(dist[elig])
            k = math.ceil(top_pct / 100.0 * elig.size - 1e-9)
            top = np.lexsort((d, -usd))[:k]  # most USD first; ties: nearer the price first
            top = top[usd[top] > 0]
            if top.size == 0:
                continue
            band_id = np.floor(d / band + 1e-9).astype(np.int64)
            by_band = np.argsort(band_id, kind="stable")
            sorted_band = band_id[by_band]
            first = np.searchsorted(sorted_band, band_id[top], side="left")
            count = np.searchsorted(sorted_band, band_id[top], side="right") - first
            twin = by_band[first + rng.integers(0, count)]
            n_band = np.bincount(band_id)
            hits_band = np.bincount(band_id, weights=hit_all.astype(float))
            parts.append(
                pd.DataFrame(
                    {
                        TIME: hm.times[j],
                        "side": side,
                        "price": price,
                        "zone_lo": edges[elig[top]],
                        "zone_hi": edges[elig[top] + 1],
                        "distance_pct": 100.0 * dist[elig[top]],
                        "est_usd": usd[top],
                        "hit": hit_all[top],
                        "random_lo": edges[elig[twin]],
                        "random_hi": edges[elig[twin] + 1],
                        "random_hit": hit_all[twin],
                        "random_expected": hits_band[band_id[top]] / n_band[band_id[top]],
                    }
                )
            )
    columns = [TIME, "side", "price", "zone_lo", "zone_hi", "distance_pct", "est_usd", "hit"]
    columns += ["random_lo", "random_hi", "random_hit", "random_expected"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out.attrs = {
        "n_columns": int(scored.size),
        "skipped_columns": int(len(hm.times) - scored.size),
        "threshold_usd": threshold,
        "top_pct": float(top_pct),
        "horizon": _alias(h_td),
        "max_distance": float(max_distance),
        "band": float(band),
        "seed": seed,
        "sides": sides,
    }
    return out


def zone_scores(
    hm: Heatmap,
    market: pd.DataFrame,
    realized: pd.DataFrame,
    *,
    top_pct: float = 5.0,
    horizon: str = "4h",
    max_distance: float = 0.10,
    band: float = 0.01,
    seed: int = 0,
    sides: str | Sequence[str] = SIDES,
) -> pd.DataFrame:
    """Precision of a heatmap's top price zones, against a reach-matched random baseline.

    **Zones.** At each heatmap column time ``t`` (price ``p`` = ``hm.price``), per side, the
    eligible bins are those wholly on that side of ``p`` (upper edge <= p for longs, lower
    edge >= p for shorts) whose centre lies within ``max_distance`` of ``p``. The predicted
    zones are the ``ceil(top_pct / 100 * eligible)`` eligible bins with the most estimated
    USD (ties: nearer the price first), keeping only bins with USD > 0.

    **Hit.** Realized bar ``b`` is *significant* on a side when its realized USD on that side
    is > 0 and >= the median of that side's positive realized bars (the median over the
    whole ``realized`` frame). A zone is **hit** when, among the candles opening in
    ``(t, t + horizon]``, one that overlaps a significant realized bar of its side reaches
    the zone: candle low <= zone upper edge (long zone), candle high >= zone lower edge
    (short zone). ``realized`` may have any bar length (5-minute simulated bars, 30-minute
    or hourly Coinglass bars): a candle overlaps bar ``b`` when their time spans intersect.
    Only columns whose whole horizon lies inside both the market and the realized data are
    scored; realized bars missing inside the window count as not significant.

    **Precision** = hits / zones, with a 95 % Wilson interval.

    **Reach-matched random baseline.** Each zone gets a random twin: an eligible bin of the
    same side and column drawn uniformly (seeded) from the zone's *distance band* (centres
    whose distance from ``p`` falls in the same ``band``-wide slice: 0-1 %, 1-2 %...). Twins
    are as far from the price as the zones, so they are as easy to reach; the model beats the
    baseline only by choosing *which* levels at that distance hold liquidations.
    ``random_expected`` is the exact expectation of that draw (the share of hit bins in
    each zone's band, averaged over zones), free of sampling noise.

    Parameters
    ----------
    hm : Heatmap
        The estimate; ``hm.price`` is the price at each column.
    market : pandas.DataFrame
        Candles (``low``, ``high``, USD/coin; UTC index) covering the columns and horizon.
    realized : pandas.DataFrame
        Bar frame of realized liquidations (``long_usd``, ``short_usd``, USD), sorted, bar
        length from ``attrs["bar"]`` or the median spacing.
    top_pct : float
        Share of eligible bins called zones, % (0, 100].
    horizon : str
        How long a zone has to be hit, a time span such as ``"4h"``.
    max_distance : float
        Farthest zone from the price, fraction of price (0.10 = 10 %).
    band : float
        Width of the distance bands of the random baseline, fraction of price.
    seed : int
        Seed of the random twins.
    sides : str or sequence of str
        ``"long"``, ``"short"`` or both (default).

    Returns
    -------
    pandas.DataFrame
        Index ``long``, ``short``, ``all`` (named ``side``); columns ``zones``, ``hits``,
        ``precision``, ``precision_lo``, ``precision_hi``, ``random_hits``,
        ``random_precision``, ``random_lo``, ``random_hi``, ``random_expected``. ``attrs``
        as in :func:`zone_hits`; the zones themselves come from :func:`zone_hits`.
    """
    zones = zone_hits(
        hm,
        market,
        realized,
        top_pct=top_pct,
        horizon=horizon,
        max_distance=max_distance,
        band=band,
        seed=seed,
        sides=sides,
    )
    rows = {}
    for name in (*zones.attrs["sides"], "all"):
        part = zones if name == "all" else zones[zones["side"] == name]
        n = len(part)
        k = int(part["hit"].sum()) if n else 0
        kr = int(part["random_hit"].sum()) if n else 0
        lo, hi = wilson_interval(k, n)
        rlo, rhi = wilson_interval(kr, n)
        rows[name] = {
            "zones": n,
            "hits": k,
            "precision": k / n if n else np.nan,
            "precision_lo": lo,
            "precision_hi": hi,
            "random_hits": kr,
            "random_precision": kr / n if n else np.nan,
            "random_lo": rlo,
            "random_hi": rhi,
            "random_expected": float(part["random_expected"].mean()) if n else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "side"
    out.attrs = dict(zones.attrs)
    return out


# --------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------


def _blocks(index: pd.DatetimeIndex, block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block id of each row, block starts and lengths (rows sorted; blocks from epoch)."""
    td = _timedelta(block, "block", "'1D' or '12h'")
    if not index.is_monotonic_increasing:
        _fail("the bars are not sorted in time: use frame.sort_index() on every frame")
    key = _ns(index) // td.value
    new = np.empty(key.size, dtype=bool)
    new[0] = True
    new[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, key.size))
    return np.cumsum(new) - 1, starts, lengths


def _draws(n_blocks: int, n_boot: int, seed) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n_blocks, size=(n_boot, n_blocks))


def _weights(draws: np.ndarray, block_id: np.ndarray, n_blocks: int) -> np.ndarray:
    b = draws.shape[0]
    flat = (draws + n_blocks * np.arange(b)[:, None]).ravel()
    counts = np.bincount(flat, minlength=b * n_blocks).reshape(b, n_blocks)
    return counts[:, block_id].astype(float)


def _ci(values: np.ndarray, level: float) -> tuple[float, float, int]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return np.nan, np.nan, 0
    a = 100.0 * (1.0 - level) / 2.0
    lo, hi = np.percentile(v, [a, 100.0 - a])
    return float(lo), float(hi), int(v.size)


def block_bootstrap_ci(
    values_fn: Callable[..., float | pd.Series | Mapping[str, float]],
    *frames: pd.DataFrame | pd.Series,
    block: str = "1D",
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Day-block bootstrap percentile intervals of any metric computed over bars.

    The bars are grouped into blocks of ``block`` (calendar days in UTC by default, so the
    intraday dependence between bars stays inside a block). Each replicate draws as many
    blocks as there are, uniformly **with replacement** (seeded), concatenates their rows
    (``frame.iloc``, the same rows for every frame), and recomputes
    ``values_fn(*resampled_frames)``. The interval is the ``(1 - level) / 2`` and
    ``(1 + level) / 2`` percentiles of the finite replicate values.

    Parameters
    ----------
    values_fn : callable
        ``values_fn(*frames) -> float | Series | dict`` of metric values.
    *frames : pandas.DataFrame or pandas.Series
        Frames on the same sorted UTC bar index.
    block : str
        Block length (``"1D"``, ``"12h"``...), aligned to midnight UTC.
    n_boot : int
        Number of replicates.
    seed : int
        Seed: the same seed gives the same blocks, hence the same interval.
    level : float
        Coverage of the interval (0.95 = 95 %).

    Returns
    -------
    pandas.DataFrame
        Index: the metric names (``"value"`` for a scalar); columns ``estimate`` (on the
        original bars), ``ci_low``, ``ci_high``, ``n_valid`` (finite replicates). ``attrs``:
        ``n_boot``, ``seed``, ``block``, ``level``, ``n_blocks``.

    Example
    -------
    >>> idx = pd.date_range("2025-01-01", periods=96, freq="1h", tz="UTC")
    >>> s = pd.Series(np.arange(96.0), index=idx)
    >>> ci = block_bootstrap_ci(lambda x: x.mean(), s, n_boot=200, seed=1)
    >>> bool(ci.loc["value", "ci_low"] < 47.5 < ci.loc["value", "ci_high"])
    True
    """
    if not callable(values_fn):
        _fail("values_fn must be a function of the frames returning a number, dict or Series")
    if not frames:
        _fail("block_bootstrap_ci needs at least one frame: pass e.g. predicted, realized")
    n_boot, level = _check_boot(n_boot, level)
    for i, f in enumerate(frames):
        if not isinstance(f, pd.DataFrame | pd.Series):
            _fail(f"frame {i} is a {type(f).__name__}, not a pandas DataFrame or Series")
        _utc_index(f, f"frame {i}")
        if len(f) == 0:
            _fail(f"frame {i} has no rows: choose a window that holds some bars")
        if i and not f.index.equals(frames[0].index):
            _same_bars(frames[0], f, "frame 0", f"frame {i}")
    block_id, starts, lengths = _blocks(frames[0].index, block)
    n_blocks = starts.size

    def as_series(value) -> pd.Series:
        if isinstance(value, pd.Series):
            return value.astype(float)
        if isinstance(value, Mapping):
            return pd.Series(value, dtype=float)
        return pd.Series({"value": float(value)})

    estimate = as_series(values_fn(*frames))
    reps = np.full((n_boot, len(estimate)), np.nan)
    for b, d in enumerate(_draws(n_blocks, n_boot, seed)):  # one iteration per replicate
        lens = lengths[d]
        rows = np.repeat(starts[d] - (np.cumsum(lens) - lens), lens) + np.arange(lens.sum())
        value = as_series(values_fn(*(f.iloc[rows] for f in frames)))
        reps[b] = value.reindex(estimate.index).to_numpy(dtype=float)
    cis = [_ci(reps[:, i], level) for i in range(len(estimate))]
    out = pd.DataFrame(
        {
            "estimate": estimate.to_numpy(dtype=float),
            "ci_low": [c[0] for c in cis],
            "ci_high": [c[1] for c in cis],
            "n_valid": [c[2] for c in cis],
        },
        index=pd.Index(estimate.index, name="metric"),
    )
    out.attrs = {
        "n_boot": n_boot,
        "seed": seed,
        "block": str(block),
        "level": level,
        "n_blocks": n_blocks,
    }
    return out


def _replicates(
    preds: Mapping[str, _Prepared],
    real: _Prepared,
    wanted: Sequence[str],
    index: pd.DatetimeIndex,
    block: str,
    n_boot: int,
    seed: int,
) -> tuple[dict[str, dict[str, np.ndarray]], int]:
    """Metric values per prediction over the same bootstrap replicates."""
    block_id, starts, _ = _blocks(index, block)
    n_blocks = starts.size
    draws = _draws(n_blocks, n_boot, seed)
    n = block_id.size
    chunk = max(1, _CHUNK_CELLS // n)
    out = {name: {m: np.empty(n_boot) for m in wanted} for name in preds}
    for c0 in range(0, n_boot, chunk):  # chunks of replicates, vectorised inside
        w = _weights(draws[c0 : c0 + chunk], block_id, n_blocks)
        n_w = w.sum(axis=1)
        real_feats = real.features(w, n_w, _top_k(n_w))
        for name, prep in preds.items():
            values = _scores(prep, real, w, wanted, real_feats)
            for m in wanted:
                out[name][m][c0 : c0 + w.shape[0]] = values[m]
    return out, n_blocks


def paired_ci(
    model_pred: pd.DataFrame,
    baseline_pred: pd.DataFrame,
    realized: pd.DataFrame,
    metric: str = "spearman_total",
    *,
    block: str = "1D",
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.Series:
    """Interval of a model's advantage over a baseline, both scored on the same resamples.

    Each day-block replicate (as in :func:`block_bootstrap_ci`; the same seed gives the same
    blocks) scores model and baseline on the *same* resampled bars and takes the difference
    ``metric(model) - metric(baseline)``; the interval is the percentile interval of those
    differences. Pairing removes the part of the sampling noise the two share (a calm week
    is hard for both), so the difference is much better determined than either metric.

    Parameters
    ----------
    model_pred, baseline_pred, realized : pandas.DataFrame
        Bar frames (``long_usd``, ``short_usd``, USD) on the same sorted UTC bar index.
    metric : str
        One of :data:`METRICS`, e.g. ``"spearman_total"`` (see :func:`per_bar_scores`).
    block, n_boot, seed, level
        As in :func:`block_bootstrap_ci`.

    Returns
    -------
    pandas.Series
        ``estimate`` (difference on the original bars), ``ci_low``, ``ci_high``, ``model``,
        ``baseline`` (each metric on the original bars) and ``n_valid``.
    """
    _check_metric(metric)
    n_boot, level = _check_boot(n_boot, level)
    m = _bar_frame(model_pred, "model_pred")
    b = _bar_frame(baseline_pred, "baseline_pred")
    r = _bar_frame(realized, "realized")
    _same_bars(model_pred, realized, "model_pred", "realized")
    _same_bars(baseline_pred, realized, "baseline_pred", "realized")
    preds = {"model": _Prepared(m), "baseline": _Prepared(b)}
    real = _Prepared(r)
    ones = np.ones((1, len(r)))
    point = {k: float(_scores(p, real, ones, [metric])[metric][0]) for k, p in preds.items()}
    reps, _ = _replicates(preds, real, [metric], realized.index, block, n_boot, seed)
    lo, hi, n_valid = _ci(reps["model"][metric] - reps["baseline"][metric], level)
    return pd.Series(
        {
            "estimate": point["model"] - point["baseline"],
            "ci_low": lo,
            "ci_high": hi,
            "model": point["model"],
            "baseline": point["baseline"],
            "n_valid": n_valid,
        },
        name=metric,
    )


def scorecard(
    predictions: Mapping[str, pd.DataFrame],
    realized: pd.DataFrame,
    *,
    baseline: str | None = "range x OI",
    n_boot: int = 1000,
    seed: int = 0,
    block: str = "1D",
    level: float = 0.95,
) -> pd.DataFrame:
    """Models and baselines side by side, with day-block bootstrap intervals.

    Every prediction is scored against ``realized`` with :func:`per_bar_scores`; intervals
    come from one set of day-block replicates shared by all rows (so every comparison is
    paired; deterministic by ``seed``).

    Parameters
    ----------
    predictions : dict of str to pandas.DataFrame
        Bar frames, e.g. ``{"oi-flow": to_bars(heatmap_predicted(hm), "30min"),
        **naive_baselines(market, bar="30min")}``, all on ``realized``'s bars.
    realized : pandas.DataFrame
        Realized liquidations per bar (``long_usd``, ``short_usd``, USD), sorted UTC index.
    baseline : str or None
        Key of the reference row; every other row gets the paired interval of its Spearman
        total minus the reference's. None: no differences.
    n_boot, seed, block, level
        As in :func:`block_bootstrap_ci`.

    Returns
    -------
    pandas.DataFrame
        One row per prediction (index ``prediction``, in the given order): ``spearman_long``,
        ``spearman_long_lo``, ``spearman_long_hi``, the same for ``short`` and ``total``;
        ``r2_pearson_total``, ``top_decile_hit_total`` (random ~ 0.10),
        ``pred_zero_share_total``, ``pred_real_ratio_total``; ``d_spearman_total`` (minus
        the baseline's), ``d_spearman_total_lo``, ``d_spearman_total_hi`` (NaN on the
        baseline row); ``is_baseline``; ``n_bars``. ``attrs``: ``baseline``, ``n_boot``,
        ``seed``, ``block``, ``level``, ``n_blocks``, ``real_zero_share_total``.
    """
    if not isinstance(predictions, Mapping) or not predictions:
        _fail("predictions must be a non-empty dict {name: bar frame}: e.g. naive_baselines(...)")
    n_boot, level = _check_boot(n_boot, level)
    r = _bar_frame(realized, "realized")
    _sorted_index(realized.index, "realized")
    if baseline is not None and baseline not in predictions:
        _fail(
            f"baseline {baseline!r} is not among predictions {list(predictions)}: add "
            "**naive_baselines(market, bar) to predictions, or pass baseline=None"
        )
    preds = {}
    for name, frame in predictions.items():
        label = f"predictions[{name!r}]"
        preds[str(name)] = _Prepared(_bar_frame(frame, label))
        _same_bars(frame, realized, label, "realized")
    real = _Prepared(r)
    ones = np.ones((1, len(r)))
    point = {k: _scores(p, real, ones) for k, p in preds.items()}
    boot = [f"spearman_{s}" for s in SCOPES]
    reps, n_blocks = _replicates(preds, real, boot, realized.index, block, n_boot, seed)
    rows = {}
    for name in preds:
        row = {}
        for m in boot:
            lo, hi, _ = _ci(reps[name][m], level)
            row.update({m: float(point[name][m][0]), f"{m}_lo": lo, f"{m}_hi": hi})
        for m in ("r2_pearson", "top_decile_hit", "pred_zero_share", "pred_real_ratio"):
            row[f"{m}_total"] = float(point[name][f"{m}_total"][0])
        d, lo, hi = np.nan, np.nan, np.nan
        if baseline is not None and name != baseline:
            d = row["spearman_total"] - float(point[baseline]["spearman_total"][0])
            lo, hi, _ = _ci(reps[name]["spearman_total"] - reps[baseline]["spearman_total"], level)
        row.update({"d_spearman_total": d, "d_spearman_total_lo": lo, "d_spearman_total_hi": hi})
        row["is_baseline"] = name == baseline
        row["n_bars"] = len(r)
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "prediction"
    any_pred = next(iter(point.values()))
    out.attrs = {
        "baseline": baseline,
        "n_boot": n_boot,
        "seed": seed,
        "block": str(block),
        "level": level,
        "n_blocks": n_blocks,
        "real_zero_share_total": float(any_pred["real_zero_share_total"][0]),
    }
    return out
