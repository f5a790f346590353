"""The level of a map: the leveraged share of open interest, from realized liquidations or from
open-interest drops alone.

Every USD figure of a "turnover" map, and every predicted liquidation, is linear in
``leveraged_share`` (each tier's stock is ``leveraged_share * w * OI``, and sweeps, closes and
refills all scale with it). So a run at share 1 gives *unit predictions* ``p_t`` and any share
``s`` predicts ``s p_t``:

- :func:`implied_share`: with realized liquidations ``r_t``, the share that matches their sum
  over a period, ``sum r / sum p`` (per period: months, days);
- :func:`fit_share_from_oi_drops`: without them, a likelihood fit of the fall in open interest
  on the unit predictions, ``-dOI_t = s p_t + e_t`` with Student-t errors (voluntary opens and
  closes are the noise);
- :func:`fit_level_curve`: with realized liquidations, a calibration that carries over to
  another regime: ``r = c * p ** b`` (:class:`LevelCurve`). The model's predictions grow
  faster with the price's excursion than realized liquidations do (``b`` < 1 on every real
  window held: 0.3-0.6 on ETH and SOL 4-hour bars, 0.8 on BTC 30-minute bars), so a single
  share fitted in a quiet period over-predicts a volatile one; the curve's effective share
  over a period, :meth:`LevelCurve.share_for`, needs only that period's unit predictions
  (prices and open interest), not its realized counts;
- :func:`derive_level_prior`: the documented default (:data:`liqlib.estimate.priors.DEFAULT_LEVEL`)
  from per-period shares of two kinds of realized counts.

Examples
--------
>>> idx = pd.date_range("2025-01-01", periods=4, freq="1h", tz="UTC")
>>> p = pd.Series([10.0, 0.0, 30.0, 0.0], index=idx)
>>> r = pd.Series([0.2, 0.0, 0.2, 0.0], index=idx)
>>> implied_share(p, r).round(3).tolist()
[0.01]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqlib.data.time import interval_arg
from liqlib.errors import InputError
from liqlib.estimate.priors import LevelPrior
from liqlib.estimate.registry import estimate_heatmap
from liqlib.estimate.turnover import oi_after_candle

__all__ = [
    "LevelCurve",
    "derive_level_prior",
    "fit_level_curve",
    "fit_share_from_oi_drops",
    "implied_share",
    "oi_drop_usd",
    "period_shares",
    "unit_predictions",
]


def _aligned(a: pd.Series, b: pd.Series, what: str) -> pd.DataFrame:
    if not isinstance(a, pd.Series) or not isinstance(b, pd.Series):
        raise InputError(f"{what} must be pandas Series indexed by UTC time")
    j = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    if j.empty:
        raise InputError(f"{what} share no time: resample both to the same bars first")
    return j


def implied_share(
    unit_predicted: pd.Series, realized: pd.Series, freq: str | None = None
) -> pd.Series:
    """The leveraged share that makes predicted liquidations sum to the realized ones.

    Parameters
    ----------
    unit_predicted : pandas.Series
        Predicted liquidations per bar (USD, both sides) of a run with ``leveraged_share=1``,
        on the bars of ``realized`` (resample them first).
    realized : pandas.Series
        Realized liquidations per bar (USD, both sides).
    freq : str, optional
        A pandas frequency ("MS", "D") to give one share per period; None: one share overall.

    Returns
    -------
    pandas.Series
        ``sum(realized) / sum(unit_predicted)`` per period (NaN where nothing was predicted).
    """
    j = _aligned(unit_predicted, realized, "unit_predicted and realized")
    if (j.to_numpy() < 0).any():
        raise InputError("liquidations must be >= 0: fix the negative values")
    if freq is None:
        pred = j["a"].sum()
        return pd.Series([j["b"].sum() / pred if pred > 0 else np.nan], name="share")
    g = j.resample(freq).sum()
    out = (g["b"] / g["a"].where(g["a"] > 0)).rename("share")
    return out[g["a"] > 0]


#: The range the exponent of :func:`fit_level_curve` is kept in.
CURVE_EXPONENT_RANGE = (0.2, 1.5)


@dataclass(frozen=True)
class LevelCurve:
    """Realized liquidations per bar as ``scale * unit ** exponent`` (USD; ``unit`` the
    model's prediction at ``leveraged_share=1``, USD), from :func:`fit_level_curve`.

    Examples
    --------
    >>> c = LevelCurve(scale=0.5, exponent=1.0)
    >>> c.share_for(pd.Series([2.0, 4.0]))
    0.5
    """

    scale: float
    exponent: float

    def predict(self, unit: pd.Series) -> pd.Series:
        """Predicted liquidations per bar (USD) from unit predictions (USD)."""
        u = pd.Series(unit, dtype=float)
        if (u < 0).any():
            raise InputError("unit predictions must be >= 0: give a run at leveraged_share=1")
        return self.scale * u**self.exponent

    def share_for(self, unit: pd.Series) -> float:
        """The leveraged share that gives the curve's total over these bars: the share to
        run a map of that period at (USD figures are linear in it)."""
        u = pd.Series(unit, dtype=float)
        total = float(u.sum())
        if total <= 0:
            raise InputError("no unit prediction > 0 in these bars: a share needs some")
        return float(self.predict(u).sum()) / total


def fit_level_curve(unit_predicted: pd.Series, realized: pd.Series) -> LevelCurve:
    """Fit ``realized = scale * unit ** exponent`` per bar (a level that carries over regimes).

    The exponent is the slope of ``log realized`` on ``log unit`` over bars where both are
    > 0 (ordinary least squares, clipped to :data:`CURVE_EXPONENT_RANGE`); the scale then
    makes the curve's sum over all bars equal the realized sum (as :func:`implied_share`).
    Score it out of sample: fit on one period, :meth:`LevelCurve.share_for` on the next.

    Parameters
    ----------
    unit_predicted : pandas.Series
        Predicted liquidations per bar at ``leveraged_share=1`` (USD, both sides).
    realized : pandas.Series
        Realized liquidations per bar (USD, both sides), same bars.

    Returns
    -------
    LevelCurve

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=50, freq="1h", tz="UTC")
    >>> u = pd.Series(np.linspace(1.0, 100.0, 50), index=idx)
    >>> c = fit_level_curve(u, 0.1 * u**0.5)
    >>> round(c.exponent, 6), round(c.scale, 6)
    (0.5, 0.1)
    """
    j = _aligned(unit_predicted, realized, "unit_predicted and realized")
    if (j.to_numpy() < 0).any():
        raise InputError("liquidations must be >= 0: fix the negative values")
    ok = (j["a"] > 0) & (j["b"] > 0)
    if ok.sum() < 10:
        raise InputError("fewer than 10 bars with both predicted and realized > 0: give more bars")
    b = float(np.polyfit(np.log(j.loc[ok, "a"]), np.log(j.loc[ok, "b"]), 1)[0])
    b = float(np.clip(b, *CURVE_EXPONENT_RANGE))
    scale = float(j["b"].sum() / (j["a"] ** b).sum())
    return LevelCurve(scale=scale, exponent=b)


def fit_share_from_oi_drops(
    unit_predicted: pd.Series,
    oi_drop_usd: pd.Series,
    *,
    dof: float = 3.0,
    grid: np.ndarray | None = None,
) -> float:
    """Maximum-likelihood leveraged share from falls in open interest (no realized data).

    Model: ``oi_drop_t = s * unit_predicted_t + e_t``, ``e_t`` Student-t with ``dof`` degrees of
    freedom and a scale re-estimated (median absolute residual) at every ``s``; ``s`` is chosen
    on a log grid (1e-4 .. 10 by default).

    Parameters
    ----------
    unit_predicted : pandas.Series
        Predicted liquidations per bar at ``leveraged_share=1`` (USD).
    oi_drop_usd : pandas.Series
        Open interest at the bar's open minus at its close (USD; positive = a fall).
    dof : float
        Degrees of freedom of the errors (> 0; 3 = heavy tails).
    grid : numpy.ndarray, optional
        Candidate shares (> 0).

    Returns
    -------
    float
        The share of highest likelihood.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> idx = pd.date_range("2025-01-01", periods=2000, freq="1h", tz="UTC")
    >>> p = pd.Series(rng.exponential(1.0, 2000), index=idx)
    >>> drop = 0.05 * p + pd.Series(rng.standard_t(3, 2000) * 0.01, index=idx)
    >>> round(fit_share_from_oi_drops(p, drop), 2)
    0.05
    """
    j = _aligned(unit_predicted, oi_drop_usd, "unit_predicted and oi_drop_usd")
    if not (math.isfinite(dof) and dof > 0):
        raise InputError(f"dof={dof!r} must be > 0: use e.g. 3")
    x = j["a"].to_numpy(float)
    y = j["b"].to_numpy(float)
    s_grid = np.geomspace(1e-4, 10.0, 500) if grid is None else np.asarray(grid, float)
    if s_grid.size == 0 or np.any(~np.isfinite(s_grid)) or np.any(s_grid <= 0):
        raise InputError("grid must hold shares > 0: e.g. np.geomspace(1e-4, 10, 500)")
    resid = y[None, :] - s_grid[:, None] * x[None, :]
    scale = np.median(np.abs(resid), axis=1) / 0.6745 + 1e-12
    ll = -(dof + 1) / 2 * np.log1p((resid / scale[:, None]) ** 2 / dof).sum(axis=1)
    ll -= x.size * np.log(scale)
    return float(s_grid[int(np.argmax(ll))])


def derive_level_prior(
    lower_bound_shares: pd.Series,
    aggregate_shares: pd.Series,
    *,
    basis: str = "",
) -> LevelPrior:
    """The default level prior from per-period shares of two kinds of realized counts.

    Rule: ``share`` is the geometric mean of the two medians (the point equally far, in
    ratio, from both counts); ``low`` / ``high`` are the lower-bound median times the 10th
    percentile, and the aggregate median times the 90th percentile, of every period's ratio to
    its own source's median (the month-to-month spread).

    Parameters
    ----------
    lower_bound_shares : pandas.Series
        Implied shares per period from counts known to miss liquidations (Binance-only:
        Binance publishes at most one liquidation per second per symbol).
    aggregate_shares : pandas.Series
        Implied shares per period from counts summed over more venues than the open interest
        they are divided by (the shared BTC window: Binance, Bybit and OKX liquidations on
        Binance's open interest, measured by :func:`liqlib.validate.level.compare_open_interest`),
        so biased up. The two sources err in opposite directions: hence their geometric mean.
    basis : str
        The one-line provenance shown in figures.

    Returns
    -------
    LevelPrior

    Examples
    --------
    >>> lo = pd.Series([0.01, 0.012, 0.008]); hi = pd.Series([0.1, 0.09, 0.12])
    >>> p = derive_level_prior(lo, hi, basis="demo")
    >>> round(p.share, 4), bool(p.low < 0.01 < 0.1 < p.high)
    (0.0316, True)
    """
    a = pd.Series(lower_bound_shares, dtype=float).dropna()
    b = pd.Series(aggregate_shares, dtype=float).dropna()
    if a.empty or b.empty or (a <= 0).any() or (b <= 0).any():
        raise InputError("both share series need values > 0: give per-period implied shares")
    ma, mb = float(a.median()), float(b.median())
    dev = np.concatenate([np.log(a.to_numpy() / ma), np.log(b.to_numpy() / mb)])
    lo_f, hi_f = np.exp(np.quantile(dev, [0.1, 0.9]))
    share = math.sqrt(ma * mb)
    low = min(ma, mb) * min(float(lo_f), 1.0)
    high = max(ma, mb) * max(float(hi_f), 1.0)
    return LevelPrior(share=share, low=low, high=high, basis=basis or "derive_level_prior")


def unit_predictions(
    market: pd.DataFrame,
    interval: str | pd.Timedelta | None = None,
    *,
    bar: str | pd.Timedelta | None = None,
    **estimate_kw,
) -> pd.Series:
    """Predicted liquidations per bar (USD, both sides) of the default model at share 1.

    Parameters
    ----------
    market : pandas.DataFrame
        A market frame with open interest.
    interval : str or pandas.Timedelta
        Bars to sum candles into ("4h", "30m"/"30min"...), labelled by their open time.
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).
    **estimate_kw
        More settings for ``lq.estimate_heatmap`` (``symbol``, ``split``, ``n_bins``...).

    Returns
    -------
    pandas.Series
        USD per bar at ``leveraged_share=1``; any share ``s`` predicts ``s`` times it.
    """
    td = interval_arg(interval, bar, where="unit_predictions", required=True)
    kw = {"max_columns": 20, **estimate_kw, "leveraged_share": 1.0}
    hm = estimate_heatmap(market, **kw)
    pred = hm.predicted_long_usd + hm.predicted_short_usd
    return pred.resample(td, label="left", closed="left").sum()


def oi_drop_usd(
    market: pd.DataFrame,
    interval: str | pd.Timedelta | None = None,
    *,
    bar: str | pd.Timedelta | None = None,
) -> pd.Series:
    """Fall in open interest per bar (USD at the close; positive = a fall).

    Parameters
    ----------
    market : pandas.DataFrame
        A market frame with ``oi_coin`` or ``oi_usd`` (timing as ``attrs["oi_timing"]``).
    interval : str or pandas.Timedelta
        Bars to sum candles into ("4h", "30m"/"30min"...), labelled by their open time.
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).

    Returns
    -------
    pandas.Series
        ``(OI before the candle - OI after it) x close``, summed per bar (USD).
    """
    td = interval_arg(interval, bar, where="oi_drop_usd", required=True)
    oi = oi_after_candle(market)
    before = np.concatenate(([oi[0]], oi[:-1]))
    fall = pd.Series((before - oi) * market["close"].to_numpy(float), index=market.index)
    return fall.resample(td, label="left", closed="left").sum()


def period_shares(
    unit: pd.Series, realized: pd.Series, oi_drop: pd.Series, freq: str, *, min_bars: int = 20
) -> pd.DataFrame:
    """Per period: the share realized liquidations imply, and the one open interest alone gives.

    Parameters
    ----------
    unit : pandas.Series
        :func:`unit_predictions` on the bars of ``realized``.
    realized : pandas.Series
        Realized liquidations per bar (USD, both sides).
    oi_drop : pandas.Series
        :func:`oi_drop_usd` on the same bars.
    freq : str
        Periods ("MS" months, "D" days).
    min_bars : int
        Periods with fewer bars are left out.

    Returns
    -------
    pandas.DataFrame
        Index period start; ``bars``, ``share_realized`` (:func:`implied_share`),
        ``share_oi`` (:func:`fit_share_from_oi_drops`) and ``oi_over_realized``.
    """
    j = pd.concat([unit.rename("u"), realized.rename("r"), oi_drop.rename("d")], axis=1).dropna()
    rows = {}
    for start, g in j.groupby(pd.Grouper(freq=freq)):
        if len(g) < min_bars or g["u"].sum() <= 0:
            continue
        s_real = float(g["r"].sum() / g["u"].sum())
        s_oi = fit_share_from_oi_drops(g["u"], g["d"])
        rows[start] = {"bars": len(g), "share_realized": s_real, "share_oi": s_oi}
    out = pd.DataFrame.from_dict(rows, orient="index")
    if not out.empty:
        out["oi_over_realized"] = out["share_oi"] / out["share_realized"]
    return out
