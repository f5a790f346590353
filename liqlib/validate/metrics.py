"""Density scores (estimated vs true liquidation profiles, simulations) and per-bar scores
(predicted vs realized USD per bar, real data); see :mod:`liqlib.validate` for the family.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from liqlib.data.columns import TIME
from liqlib.data.realized import (
    SIDES,
    _alias,
    _bar_frame,
    _fail,
    _same_bars,
    _utc_index,
)
from liqlib.data.time import interval_arg
from liqlib.estimate.heatmap import Heatmap
from liqlib.sim.truth import MarketTruth
from liqlib.validate._checks import (
    DEFAULT_OFFSET_EDGES,
    METRICS,
    PER_BAR_METRICS,
    SCOPES,
    TOP_SHARE,
    _check_sides,
    _edges,
)


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

    Examples
    --------
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


def to_bars(
    series_or_frame: pd.Series | pd.DataFrame,
    interval: str | pd.Timedelta | None = None,
    *,
    bar: str | pd.Timedelta | None = None,
) -> pd.Series | pd.DataFrame:
    """Sum per-candle USD into bars: ``resample(interval, label="left", closed="left").sum()``.

    Parameters
    ----------
    series_or_frame : pandas.Series or pandas.DataFrame
        USD per candle, indexed by candle open time (UTC).
    interval : str or pandas.Timedelta
        Bar length, e.g. ``"30m"``/``"30min"``, ``"1h"``, ``"1d"``. Bars start at multiples of
        the bar length from midnight UTC; a bar is labelled by its open time and holds the
        candles that open in ``[open, open + interval)``. Bars without candles sum to 0.
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Same columns, one row per bar (index ``time``); ``attrs["bar"]`` is the bar alias.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="15min", tz="UTC")
    >>> to_bars(pd.Series([1.0, 2.0, 3.0, 4.0], index=idx), "30min").tolist()
    [3.0, 7.0]
    """
    if not isinstance(series_or_frame, pd.Series | pd.DataFrame):
        _fail(f"to_bars needs a pandas Series or DataFrame, not {type(series_or_frame).__name__}")
    td = interval_arg(interval, bar, where="to_bars", required=True)
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

    Examples
    --------
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
