"""Fit the leverage mix (and the leveraged share of open interest) of the "turnover" model.

Every tier of the "turnover" model evolves on its own and linearly in its weight
(:mod:`liqlib.estimate.turnover`), so one run with every tier at weight 1 gives a *basis*: the USD each
tier alone would liquidate in every bar. Any mix's predicted liquidations are then a weighted
sum of the basis columns, and fitting a mix is a small regression with no further runs.

Two targets:

- **realized liquidations** (``realized`` given, e.g. Coinglass bars): long and short bars
  stacked, least squares on square roots (``sum (sqrt(y) - sqrt(alpha * x_w)) ** 2``: heavy
  cascades do not drown the ordinary bars), ``alpha`` in closed form for each shape;
- **open interest alone** (``realized=None``): the fall of open interest in each bar (coins
  times the close, so price moves do not count) against the predicted liquidations of both
  sides, by ordinary least squares with an intercept (the net opening and closing that is not
  liquidation is noise with a mean, the intercept), ``alpha >= 0``. The bars that sweep
  deep, where a large share of the book is destroyed, carry the fit; the basis already
  knows how often price reached each distance and what was left there. A liquidation
  destroys open interest only when its counterparty was closing, so the leveraged share
  found this way is a lower bound; the *shape* of the mix is what this recovers.

Two families of mixes:

- ``family="density"``: a :class:`~liqlib.estimate.config.LeverageDensity` (median, sigma) on the
  cells of ``density`` (grid search over median and sigma, refined once);
- ``family="tiers"``: free weights on given point ``leverages`` (non-negative least squares
  in the same loss for realized data; linear for open interest).

A fitted leveraged share never exceeds :data:`MAX_SHARE` (1: a side cannot hold more
liquidatable USD than the open interest); a shape that needs more is not a candidate, and
counts no shape can match below it are refused in words (usually a unit slip). Out of sample
(notebook 05) the shape fitted on one quiet week carries over worse than the share alone on
the default shape: fit ``"share"`` when the period is short.

``basis="opened"`` fits shares of newly *opened* USD instead of shares of open interest
(each tier's column is weighted by its expected lifetime), comparable with a simulator's
configuration.

Examples
--------
>>> import liqlib as lq
>>> m, truth = lq.simulate_market(1, days=1.0, live_positions=3_000, burn_in_days=1.0)
>>> cal = calibrate_leverage_mix(m, truth.realized("1h"), n_bins=300)
>>> sorted(cal.overrides())
['leveraged_share', 'mix', 'mix_basis']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.special import ndtr

from liqlib.data.realized import _alias, _bar_frame, check_bar_series
from liqlib.data.time import interval_arg
from liqlib.errors import InputError
from liqlib.estimate.config import EngineParams, LeverageDensity, LeverageMix
from liqlib.estimate.registry import MODELS
from liqlib.estimate.turnover import (
    expected_lifetime,
    oi_after_candle,
    prepare_turnover,
    run_turnover,
)

__all__ = ["MixCalibration", "calibrate_leverage_mix", "nnls"]

FAMILIES = ("density", "tiers")
BASES = ("stock", "opened")
FITS = ("shape", "share", "both")
#: The largest leveraged share a fit may return: each side's liquidatable USD is at most the
#: open interest.
MAX_SHARE = 1.0
#: Default grid of the density search: medians (x) and sigmas (log leverage).
MEDIANS = np.geomspace(1.6, 120.0, 41)
SIGMAS = np.geomspace(0.1, 2.0, 25)


@dataclass(frozen=True)
class MixCalibration:
    """A fitted leverage mix for the "turnover" model.

    Attributes
    ----------
    mix : LeverageDensity or LeverageMix
        The fitted mix (shares of open interest, or of opened USD, per ``mix_basis``).
    mix_basis : {"stock", "opened"}
    leveraged_share : float
        USD of modelled positions per side per USD of open interest (see
        :class:`~liqlib.estimate.config.EngineParams`); from open interest alone, a lower bound.
    target : {"realized", "open-interest"}
        What the mix was fitted to.
    loss : float
        The loss at the optimum (sqrt-USD squared for realized, USD squared for open interest).
    r2 : float
        Share of the target's variance (in the loss's space) the fit explains.
    n_bars : int
        Bars in the fit.
    bar : str
        Bar length of the fit.
    stock_shares : tuple of float
        Share of open interest per tier implied by the fit (whatever ``mix_basis``).
    tier_leverages : tuple of float
        Leverage (x) of each tier.
    scale : float
        The fitted scale: the leveraged share for a realized target, the open interest
        destroyed per USD of predicted liquidations for an open-interest target.
    """

    mix: LeverageDensity | LeverageMix
    mix_basis: str
    leveraged_share: float
    target: str
    loss: float
    r2: float
    n_bars: int
    bar: str
    stock_shares: tuple[float, ...] = field(default=())
    tier_leverages: tuple[float, ...] = field(default=())
    scale: float = float("nan")

    def overrides(self) -> dict:
        """Keyword arguments for ``lq.estimate_heatmap(market, "turnover", **overrides)``."""
        return {
            "mix": self.mix,
            "mix_basis": self.mix_basis,
            "leveraged_share": self.leveraged_share,
        }


def nnls(a: np.ndarray, b: np.ndarray, max_iter: int | None = None) -> np.ndarray:
    """Non-negative least squares, ``min |a x - b|`` with ``x >= 0``
    (:func:`scipy.optimize.nnls` on unit columns, so tiers whose USD differ by orders of
    magnitude stay visible to its tolerance).

    Parameters
    ----------
    a : numpy.ndarray, shape (m, n)
        The design (e.g. USD per bar and tier).
    b : numpy.ndarray, shape (m,)
        The target (e.g. USD per bar).
    max_iter : int, optional
        Iteration limit passed to scipy (default: its own, 3 n).

    Returns
    -------
    numpy.ndarray, shape (n,)
        The solution, every entry >= 0.

    Examples
    --------
    >>> nnls(np.eye(2), np.array([1.0, -1.0])).tolist()
    [1.0, 0.0]
    """
    from scipy.optimize import nnls as scipy_nnls

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    norms = np.sqrt((a * a).sum(axis=0))
    norms = np.where(norms > 0, norms, 1.0)
    x, _ = scipy_nnls(a / norms, b, maxiter=max_iter)
    return x / norms


def _bar_step(realized: pd.DataFrame | None, bar: pd.Timedelta | None) -> str:
    if bar is not None:
        return _alias(bar)
    if realized is not None:
        b = realized.attrs.get("bar")
        if isinstance(b, str):
            return b
        if len(realized.index) >= 2:
            step = pd.Timedelta(np.median(np.diff(realized.index.as_unit("ns").asi8)), "ns")
            return f"{int(step.total_seconds())}s"
    return "1h"


def _params(params: EngineParams | None, overrides: dict, density: LeverageDensity | None):
    spec = MODELS["turnover"]
    base = params if params is not None else EngineParams()
    if not isinstance(base, EngineParams):
        raise InputError("params must be an EngineParams: build one with lq.EngineParams(...)")
    settings = dict(flow=spec.flow, liquidation=spec.liquidation, sweep=spec.sweep)
    try:
        p = replace(base, **{**overrides, **settings})
    except TypeError as exc:
        raise InputError(f"{exc}: pass EngineParams fields only (n_bins, hold_hours...)") from None
    if density is not None:
        p = replace(p, mix=density)
    elif p.mix is None:
        p = replace(p, mix=spec.default_mix)
    if p.leveraged_share is None:
        share = spec.level_prior.share if spec.level_prior is not None else 1.0
        p = replace(p, leveraged_share=share)
    return replace(p, max_columns=1, per_tier=False, mix_basis="stock")


def _basis(market: pd.DataFrame, p: EngineParams, bar: str):
    """Per-bar liquidations of every tier alone (weight 1): (bars, 2 sides, T), and inputs."""
    inputs = prepare_turnover(market, p, stock_weights=np.ones(p.resolved_mix().n_tiers))
    _, tiers = run_turnover(inputs, record_tiers=True)
    nt = tiers.shape[1]
    frame = pd.DataFrame(
        tiers.reshape(2 * nt, -1).T, index=market.index, columns=range(2 * nt)
    ).resample(bar, label="left", closed="left")
    x = frame.sum()
    return x.index, x.to_numpy().reshape(-1, 2, nt), inputs


def _lifetimes(inputs) -> np.ndarray:
    lam = inputs.hazard_per_candle
    a = np.sqrt(2.0 * lam) / inputs.sigma_per_candle
    return expected_lifetime(inputs.ka, inputs.kb, lam, a)


def _sqrt_fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each column of predictions x (rows, G): alpha and loss of min |sqrt y - sqrt(alpha x)|."""
    sy = np.sqrt(y)[:, None]
    sx = np.sqrt(np.maximum(x, 0.0))
    den = x.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(den > 0, (sy * sx).sum(axis=0) / den, 0.0)
    loss = ((sy - beta * sx) ** 2).sum(axis=0)
    return beta**2, loss


def _ols_fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each column x: min |y - c - alpha x| with alpha >= 0 (c free); alpha and loss."""
    yc = y - y.mean()
    xc = x - x.mean(axis=0)
    sxx = (xc * xc).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(sxx > 0, np.maximum((xc * yc[:, None]).sum(axis=0) / sxx, 0.0), 0.0)
    loss = ((yc[:, None] - alpha * xc) ** 2).sum(axis=0)
    return alpha, loss


def _realized_bars(realized: pd.DataFrame, bar: pd.Timedelta | None) -> pd.DataFrame:
    """Bars of USD liquidated per side from what a user has: bar frames pass through (only
    their ``complete`` bars when :func:`liqlib.data.record.read.to_bars` flagged them), and
    recorded events (``lq.load_liquidations``) are summed per ``bar`` (default "1h") over
    the span of the events."""
    if not isinstance(realized, pd.DataFrame):
        return realized  # the bar-frame check names the problem
    cols = set(realized.columns)
    if {"side", "usd", "qty"} <= cols and not {"long_usd", "short_usd"} <= cols:
        from liqlib.data.record.read import to_bars

        realized = to_bars(realized, "1h" if bar is None else bar)
    if "complete" in realized.columns:  # bars a recorder gap or a pause may have emptied
        keep = realized["complete"].to_numpy(bool)
        if not keep.any():
            raise InputError(
                "realized has no complete bar (every bar overlaps a recorder gap or lies "
                "outside its runs): record longer, or pass bars without gaps"
            )
        bar_attr = realized.attrs.get("bar")
        realized = realized.loc[keep, ["long_usd", "short_usd"]]
        if bar_attr is not None:
            realized.attrs["bar"] = bar_attr
    return realized


def calibrate_leverage_mix(
    market: pd.DataFrame,
    realized: pd.DataFrame | None = None,
    *,
    family: str = "density",
    basis: str = "stock",
    leverages: tuple[float, ...] | None = None,
    density: LeverageDensity | None = None,
    interval: str | pd.Timedelta | None = None,
    warmup: str = "1D",
    fit: str = "shape",
    params: EngineParams | None = None,
    bar: str | pd.Timedelta | None = None,
    **overrides,
) -> MixCalibration:
    """Fit the "turnover" model's leverage mix to realized liquidations or to open interest.

    Fit on one period, score on another: a mix fitted to the bars it is then scored on
    flatters the model.

    Parameters
    ----------
    market : pandas.DataFrame
        The market to fit on (OHLC and open interest; see ``lq.estimate_heatmap``).
    realized : pandas.DataFrame, optional
        Realized liquidations per bar (``long_usd``, ``short_usd``, USD, UTC bar index), or
        recorded events (``lq.load_liquidations(DIR)``, summed per ``interval`` over their span;
        ``lq.to_bars(..., gaps=, coverage=)`` first keeps only complete bars, the others
        are left out of the fit); None fits to open interest alone (module docstring).
    family : {"density", "tiers"}
        A log-normal :class:`~liqlib.estimate.config.LeverageDensity`, or free weights on
        ``leverages``.
    basis : {"stock", "opened"}
        Fit shares of open interest, or of newly opened USD.
    leverages : tuple of float, optional
        ``family="tiers"``: the point tiers (x); default (2, 5, 10, 25, 50, 100).
    density : LeverageDensity, optional
        ``family="density"``: the cells (range and count) to fit on; default the model's.
    interval : str or pandas.Timedelta, optional
        Bars of the fit (``"1h"``, ``"30m"``/``"30min"``...); default the bars of ``realized``
        (``attrs["bar"]`` or the index step), else "1h".
    warmup : str
        Leading time left out of the loss (the book settles; "0h" for none). Ignored when it
        would leave fewer than half the bars.
    fit : {"shape", "share", "both"}
        Realized target only. "shape": fit the mix, holding ``leveraged_share`` at the value
        of ``params`` / ``overrides`` (default: the model's level prior,
        :data:`liqlib.estimate.priors.DEFAULT_LEVEL`); "share": fit ``leveraged_share``,
        holding the mix at ``density`` / the model default (``family="density"`` only);
        "both": fit both. Liquidations only reveal the part of
        the mix that price reached, so a free share trades off against the far tail: fix the
        share when you know it (a simulation), fit only the share when the data are too few
        to tell a shape.
    params : EngineParams, optional
        Base parameters; ``overrides`` replace fields (``hold_hours``, ``n_bins``...).
    bar : str, optional
        Deprecated old name of ``interval`` (warns; goes in liqlib 0.3).
    **overrides
        :class:`~liqlib.estimate.config.EngineParams` fields replaced in ``params``
        (``hold_hours``, ``n_bins``...).

    Returns
    -------
    MixCalibration
        ``cal.overrides()`` feeds ``lq.estimate_heatmap(market, "turnover", **...)``.

    Raises
    ------
    InputError
        On a bad family, basis, interval or frame (naming it), or when the fit has no signal (no
        liquidation predicted in any bar).
    """
    td = interval_arg(interval, bar, where="calibrate_leverage_mix")
    if fit not in FITS:
        raise InputError(f"fit {fit!r} is unknown: use one of {list(FITS)}")
    if fit == "share" and family != "density":
        raise InputError("fit='share' needs family='density' (the mix held fixed is a density)")
    if family not in FAMILIES:
        raise InputError(f"family {family!r} is unknown: use one of {list(FAMILIES)}")
    if basis not in BASES:
        raise InputError(f"basis {basis!r} is unknown: use one of {list(BASES)}")
    if density is not None and not isinstance(density, LeverageDensity):
        raise InputError("density must be a LeverageDensity: e.g. LeverageDensity(n_tiers=24)")
    if family == "tiers":
        lev = tuple(leverages) if leverages is not None else (2.0, 5.0, 10.0, 25.0, 50.0, 100.0)
        point = LeverageMix(lev, tuple(np.full(len(lev), 1.0 / len(lev))))
        p = replace(_params(params, overrides, None), mix=point)
    else:
        if leverages is not None:
            raise InputError("leverages is for family='tiers': pass density=... instead")
        p = _params(params, overrides, density)
        if not isinstance(p.mix, LeverageDensity):
            raise InputError(
                "family='density' needs a LeverageDensity mix: pass density=LeverageDensity()"
            )
    if realized is not None:
        realized = _realized_bars(realized, td)
    if realized is not None:  # checked before its bars' length is read from it
        _bar_frame(realized, "realized")
        check_bar_series(realized, "realized")
    step = _bar_step(realized, td)
    p_share = p.leveraged_share
    p = replace(p, leveraged_share=1.0)
    idx, x, inputs = _basis(market, p, step)  # x: (bars, 2, T)
    life = _lifetimes(inputs)
    nt = x.shape[2]
    keep = np.ones(len(idx), dtype=bool)
    if warmup:
        try:
            w_td = pd.Timedelta(warmup)
        except (ValueError, TypeError):
            raise InputError(f"warmup={warmup!r} is not a time span: use e.g. '1D'") from None
        cand = idx >= idx[0] + w_td
        if cand.sum() >= len(idx) / 2:
            keep = np.asarray(cand)
    if realized is not None:
        common = idx[keep].intersection(realized.index)
        if len(common) < 3:
            raise InputError(
                f"realized shares {len(common)} bars with the market's {step} bars after the "
                "warm-up: pass realized liquidations of the same period and bar length"
            )
        pos = idx.get_indexer(common)
        r = realized.loc[common]
        y = np.concatenate([r["long_usd"].to_numpy(float), r["short_usd"].to_numpy(float)])
        xs = np.concatenate([x[pos, 0, :], x[pos, 1, :]])  # (2 bars, T)
        target = "realized"
        n_bars = len(common)
    else:
        oi = oi_after_candle(market, p.oi_timing)
        px = market["close"].to_numpy(float)
        before = np.concatenate(([oi[0]], oi[:-1]))
        fall = pd.Series((before - oi) * px, index=market.index)
        y_all = fall.resample(step, label="left", closed="left").sum().to_numpy()
        pos = np.flatnonzero(keep)
        y = y_all[pos]
        xs = x[pos, 0, :] + x[pos, 1, :]
        target = "open-interest"
        n_bars = len(pos)
    if not np.any(xs > 0):
        raise InputError(
            "no tier predicts any liquidation in the fit period: use a longer or more volatile "
            "period, or other leverages"
        )
    phi = float(p_share)
    if family == "tiers":
        stock = _fit_tiers(y, xs, target, phi if fit == "shape" else None)
        scale = float(stock.sum())
        if scale <= 0:
            raise InputError("the fit found no leveraged positions: use another period or target")
        stock = stock / scale
        pred = xs @ stock
        alpha, loss = (_sqrt_fit if target == "realized" else _ols_fit)(y, pred[:, None])
        alpha, loss = float(alpha[0]), float(loss[0])
        if target == "realized" and fit == "shape":
            alpha, loss = phi, float(_sqrt_loss(y, phi * pred))
        if alpha > MAX_SHARE:
            raise InputError(
                f"the fitted tiers need a leveraged share of {alpha:.3g}, above {MAX_SHARE:g}, "
                "to match the realized liquidations: check their units (USD) and bar length"
            )
        weights = stock / life if basis == "opened" else stock
        mix = LeverageMix(lev, tuple(_renorm(weights)))
    else:
        d0 = p.mix
        hold_shape = fit == "share" and target == "realized"  # the given density, any form
        best = None
        for refine in (False, True):
            medians, sigmas = MEDIANS, SIGMAS
            if fit == "share" and target == "realized":
                if refine:
                    break
                medians, sigmas = [d0.median], [d0.sigma]
            elif refine:  # around the coarse optimum
                medians = best[2] * np.geomspace(0.85, 1.18, 15)
                sigmas = best[3] * np.geomspace(0.85, 1.18, 15)
            grid = [(m, sg) for m in medians for sg in sigmas]
            if hold_shape:
                w = np.array([d0.weights()])
            else:
                w = np.array([_density_weights(d0, m, sg) for m, sg in grid])
            if basis == "opened":
                w = w * life
            stocks = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
            preds = xs @ stocks.T
            if target == "realized" and fit == "shape":
                alphas = np.full(len(grid), phi)
                losses = _sqrt_loss(y[:, None], phi * preds)
            else:
                alphas, losses = (_sqrt_fit if target == "realized" else _ols_fit)(y, preds)
            losses = np.where(np.isfinite(losses), losses, np.inf)
            # a side cannot hold more liquidatable USD than the open interest: a shape that
            # needs a share above MAX_SHARE to match the counts is not a candidate
            losses = np.where(np.asarray(alphas) <= MAX_SHARE, losses, np.inf)
            if not np.isfinite(losses).any():
                raise InputError(
                    f"every leverage shape needs a leveraged share above {MAX_SHARE:g} to match "
                    "the realized liquidations: check their units (USD) and bar length"
                )
            g = int(np.argmin(losses))
            if best is None or losses[g] <= best[1]:
                best = (float(alphas[g]), float(losses[g]), grid[g][0], grid[g][1], stocks[g])
        alpha, loss, med, sig, stock = best
        mix = d0
        if not hold_shape:
            mix = LeverageDensity(
                median=float(med),
                sigma=float(sig),
                min_leverage=d0.min_leverage,
                max_leverage=d0.max_leverage,
                n_tiers=d0.n_tiers,
            )
    if target == "realized":
        base_loss = float(((np.sqrt(y) - np.sqrt(y).mean()) ** 2).sum())
        share = alpha
    else:
        base_loss = float(((y - y.mean()) ** 2).sum())
        share = phi  # open interest does not tell the leveraged share (module docstring)
    r2 = 1.0 - loss / base_loss if base_loss > 0 else float("nan")
    if share <= 0:
        raise InputError("the fit found no leveraged positions: use another period or target")
    tier_lev = p.resolved_mix().leverages
    return MixCalibration(
        mix=mix,
        mix_basis=basis,
        leveraged_share=float(share),
        target=target,
        loss=float(loss),
        r2=float(r2),
        n_bars=int(n_bars),
        bar=step,
        stock_shares=tuple(float(v) for v in stock),
        tier_leverages=tuple(float(v) for v in tier_lev[:nt]),
        scale=float(alpha),
    )


def _sqrt_loss(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return ((np.sqrt(y) - np.sqrt(np.maximum(pred, 0.0))) ** 2).sum(axis=0)


def _fit_tiers(y: np.ndarray, xs: np.ndarray, target: str, fixed: float | None) -> np.ndarray:
    """Stock weights >= 0 per tier (absolute: they sum to the scale)."""
    if target != "realized":
        return nnls(xs - xs.mean(axis=0), y - y.mean())
    return _tiers_sqrt(y, xs, fixed)


def _density_weights(d: LeverageDensity, median: float, sigma: float) -> np.ndarray:
    z = (np.log(d.cell_edges()) - math.log(median)) / sigma
    cdf = ndtr(z)
    w = np.diff(cdf)
    s = w.sum()
    return w / s if s > 1e-300 else np.zeros_like(w)


def _renorm(w: np.ndarray) -> np.ndarray:
    w = np.maximum(np.asarray(w, dtype=float), 0.0)
    return w / math.fsum(w)


def _tiers_sqrt(
    y: np.ndarray, xs: np.ndarray, fixed: float | None = None, iters: int = 60
) -> np.ndarray:
    """Weights w >= 0 minimising sum (sqrt y - sqrt(xs w)) ** 2, by iteratively reweighted NNLS.

    Each step solves the weighted linear problem ``(y - xs w) / (sqrt(y) + sqrt(xs w_prev))``
    (``sqrt(y) - sqrt(p) = (y - p) / (sqrt(y) + sqrt(p))``, exact at the fixed point).
    ``fixed``: the weights must sum to it (a heavily weighted extra row).
    """

    def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if fixed is None:
            return nnls(a, b)
        big = 1e3 * math.sqrt(float((b * b).sum()) + 1e-300) / max(fixed, 1e-300)
        return nnls(np.vstack([a, np.full(a.shape[1], big)]), np.append(b, big * fixed))

    w = solve(xs, y)
    if not np.any(w > 0):
        w = np.full(xs.shape[1], y.sum() / max(xs.sum(), 1e-300))
    floor = max(float(np.median(y[y > 0])) if np.any(y > 0) else 1.0, 1e-12) * 1e-3
    sy = np.sqrt(y)
    for _ in range(iters):
        pred = xs @ w
        s = 1.0 / (sy + np.sqrt(np.maximum(pred, 0.0)) + math.sqrt(floor))
        w_new = solve(xs * s[:, None], y * s)
        if np.allclose(w_new, w, rtol=1e-6, atol=1e-12 * max(w.max(), 1.0)):
            w = w_new
            break
        w = w_new
    return w
