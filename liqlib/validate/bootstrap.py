"""Day-block bootstrap intervals, paired differences and the scorecard of models vs baselines."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from liqlib.data.realized import (
    _bar_frame,
    _fail,
    _ns,
    _same_bars,
    _sorted_index,
    _timedelta,
    _utc_index,
)
from liqlib.validate._checks import _CHUNK_CELLS, SCOPES, _check_boot, _check_metric
from liqlib.validate.metrics import (
    _Prepared,
    _scores,
    _top_k,
)


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
    if starts.size < 2:
        _fail(
            f"the bars fall in {starts.size} block of {block}: a block bootstrap needs at least "
            "2 (one block gives a zero-width interval); use a shorter block or a longer window"
        )
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

    Examples
    --------
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
        **naive_baselines(market, interval="30min")}``, all on ``realized``'s bars.
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
            "**naive_baselines(market, interval) to predictions, or pass baseline=None"
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
