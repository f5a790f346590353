"""The level of a map against realized liquidations: predicted / realized with a day-block CI.

Examples
--------
>>> import pandas as pd
>>> idx = pd.date_range("2025-01-01", periods=96, freq="1h", tz="UTC")
>>> real = pd.Series(1.0, index=idx)
>>> level_ratio(2 * real, real, n_boot=50)["ratio"]
2.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.level import fit_level_curve
from liqlib.estimate.priors import DEFAULT_LEVEL
from liqlib.validate.bootstrap import block_bootstrap_ci

__all__ = ["compare_open_interest", "level_ratio", "rolling_level_scores", "summarize_level_scores"]


def level_ratio(
    predicted: pd.Series, realized: pd.Series, *, n_boot: int = 1000, seed: int = 0
) -> dict:
    """Predicted / realized USD summed over the bars, with a day-block bootstrap 95 % CI.

    Parameters
    ----------
    predicted, realized : pandas.Series
        USD per bar (both sides summed), on the same UTC bar index (bars missing in
        ``predicted`` count as 0).
    n_boot, seed
        Bootstrap replicates and seed (whole UTC days resampled).

    Returns
    -------
    dict
        ``ratio``, ``lo``, ``hi``, ``bars``.
    """
    if not isinstance(predicted, pd.Series) or not isinstance(realized, pd.Series):
        raise InputError("predicted and realized must be pandas Series of USD per bar")
    pred = predicted.reindex(realized.index, fill_value=0.0).astype(float)
    real = realized.astype(float)
    if real.sum() <= 0:
        raise InputError("no realized liquidation in these bars: a ratio needs some")

    def ratio(p: pd.Series, r: pd.Series) -> float:
        total = float(r.sum())
        return float(p.sum()) / total if total > 0 else np.nan

    ci = block_bootstrap_ci(ratio, pred, real, n_boot=n_boot, seed=seed)
    row = ci.iloc[0]
    return {
        "ratio": ratio(pred, real),
        "lo": float(row["ci_low"]),
        "hi": float(row["ci_high"]),
        "bars": len(real),
    }


def rolling_level_scores(
    unit: pd.Series, realized: pd.Series, freq: str = "MS", *, min_bars: int = 20
) -> pd.DataFrame:
    """Calibrations scored strictly out of sample: fit on one period, score the next.

    For each pair of consecutive periods (months by default) with at least ``min_bars``
    bars each, three levels are fitted on the first and their predicted / realized USD
    read on the second: ``share`` (one leveraged share, ``lq.implied_share``), ``curve``
    (``lq.fit_level_curve``: its effective share for the second period needs only that
    period's unit predictions) and ``prior`` (``lq.DEFAULT_LEVEL``, nothing fitted).

    Parameters
    ----------
    unit : pandas.Series
        Predicted liquidations per bar at ``leveraged_share=1`` (USD, ``lq.unit_predictions``).
    realized : pandas.Series
        Realized liquidations per bar (USD, both sides).
    freq : str
        Periods (a pandas frequency: "MS" months, "W" weeks, "D" days).
    min_bars : int
        Periods with fewer bars (or no realized USD) are skipped.

    Returns
    -------
    pandas.DataFrame
        One row per scored period (index: its start, UTC): ``fitted_on`` (the period
        before), ``share``, ``curve``, ``prior`` (predicted / realized), ``exponent`` (the
        curve's). ``attrs["summary"]``: per method, the median ratio, the share of periods
        within 0.8-1.25 and within 0.5-2, and the mean absolute log ratio.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=24 * 90, freq="1h", tz="UTC")
    >>> u = pd.Series(np.random.default_rng(0).exponential(1.0, idx.size), index=idx)
    >>> t = rolling_level_scores(u, 0.05 * u**0.8)
    >>> len(t), bool((t["curve"].sub(1).abs() < 0.05).all())
    (2, True)
    """
    if not isinstance(unit, pd.Series) or not isinstance(realized, pd.Series):
        raise InputError("unit and realized must be pandas Series of USD per bar")
    j = pd.concat([unit.rename("u"), realized.rename("r")], axis=1, join="inner").dropna()
    groups = [
        (k, g) for k, g in j.groupby(pd.Grouper(freq=freq)) if len(g) >= min_bars and g.r.sum() > 0
    ]
    rows = {}
    for (k1, a), (k2, b) in zip(groups[:-1], groups[1:], strict=False):
        if a.u.sum() <= 0 or b.u.sum() <= 0:
            continue
        curve = fit_level_curve(a.u, a.r)
        real = float(b.r.sum())
        rows[k2] = {
            "fitted_on": k1,
            "share": float(a.r.sum() / a.u.sum()) * float(b.u.sum()) / real,
            "curve": float(curve.predict(b.u).sum()) / real,
            "prior": DEFAULT_LEVEL.share * float(b.u.sum()) / real,
            "exponent": curve.exponent,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.attrs["summary"] = summarize_level_scores(out)
    return out


def summarize_level_scores(table: pd.DataFrame) -> dict:
    """Per method of a :func:`rolling_level_scores` table (or several concatenated): the
    median predicted / realized, the share of periods within 0.8-1.25 and within 0.5-2, the
    mean absolute log ratio, and the number of periods.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``share``, ``curve``, ``prior`` (predicted / realized per period); missing
        columns are left out.

    Returns
    -------
    dict
        Method -> ``median``, ``within_0.8_1.25``, ``within_2x``, ``mean_abs_log``,
        ``periods``.

    Examples
    --------
    >>> t = pd.DataFrame({"share": [1.0, 2.0], "curve": [1.0, 1.1], "prior": [3.0, 4.0]})
    >>> summarize_level_scores(t)["curve"]["within_0.8_1.25"]
    1.0
    """
    summary = {}
    for c in ("share", "curve", "prior"):
        if c not in table or table.empty:
            continue
        x = table[c].to_numpy(float)
        summary[c] = {
            "median": float(np.median(x)),
            "within_0.8_1.25": float(np.mean((x >= 0.8) & (x <= 1.25))),
            "within_2x": float(np.mean((x >= 0.5) & (x <= 2.0))),
            "mean_abs_log": float(np.mean(np.abs(np.log(x)))),
            "periods": int(x.size),
        }
    return summary


def compare_open_interest(oi: pd.Series, reference: pd.Series) -> dict:
    """How one open-interest series compares with another where their times meet.

    Used to find which venues an export's open interest covers: a series that is one venue's
    reads ~1x that venue's own, while several venues' would read well above it. A level
    scored against realized counts of more venues than the open interest covers is biased
    low by that scope alone (see :func:`liqlib.data.sources.coinglass.load_coinglass_regime_csv`).

    Parameters
    ----------
    oi, reference : pandas.Series
        Open interest (USD) indexed by UTC time.

    Returns
    -------
    dict
        ``n`` (shared times), ``median`` (of ``oi / reference``), ``q05`` and ``q95``.

    Raises
    ------
    InputError
        Fewer than 10 shared times, or a value that is not > 0.

    Examples
    --------
    >>> idx = pd.date_range("2026-06-07", periods=12, freq="30min", tz="UTC")
    >>> compare_open_interest(pd.Series(2.0, index=idx), pd.Series(1.0, index=idx))["median"]
    2.0
    """
    j = pd.concat(
        [pd.Series(oi, dtype=float), pd.Series(reference, dtype=float)], axis=1, join="inner"
    )
    j = j.dropna()
    if len(j) < 10:
        raise InputError(
            f"the two open-interest series share {len(j)} times (< 10): give series that overlap"
        )
    if (j.to_numpy() <= 0).any():
        raise InputError("open interest must be > 0 USD: drop the empty rows first")
    r = j.iloc[:, 0] / j.iloc[:, 1]
    return {
        "n": len(r),
        "median": float(r.median()),
        "q05": float(r.quantile(0.05)),
        "q95": float(r.quantile(0.95)),
    }
