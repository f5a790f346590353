"""One model-agnostic way to estimate a window of a market, for interactive tools.

The explorer re-estimates on every slider move: it validates the market once
(:func:`prepare_window`), then runs the chosen model up to any candle with columns only inside
the window and leverage bands re-weighted (:func:`run_window`). Every model goes through the
registry's :func:`~liqlib.estimate.registry.resolve_params` and its own kernel, so the explorer
shows the same numbers as ``lq.estimate_heatmap`` with the same model and arguments.

Leverage *bands* are what a user toggles: the tiers of a discrete mix, or, for a continuous
density ("turnover"), its cells grouped by the nearest band leverage (log scale).

Several venues (:func:`prepare_venue_windows`) are each validated once on the first venue's
price grid; each window is estimated per venue, and :func:`sum_venues` adds any subset of
them, so toggling a venue costs a sum, not an estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.aggregate import sum_heatmaps, venue_names, venue_overrides
from liqlib.estimate.config import EngineParams
from liqlib.estimate.heatmap import Heatmap, build_heatmap
from liqlib.estimate.inputs import EngineInputs, prepare_inputs
from liqlib.estimate.oi_flow import run_inputs
from liqlib.estimate.registry import resolve_params
from liqlib.estimate.turnover import TurnoverInputs, prepare_turnover, run_turnover

__all__ = ["WindowRun", "prepare_venue_windows", "prepare_window", "run_window", "sum_venues"]

#: Per-candle fields of each kind of prepared inputs (sliced to a window's end).
_PER_CANDLE = {
    EngineInputs: (
        "times", "entry_lo", "entry_hi", "sweep_lo", "sweep_hi", "close", "open_usd",
        "long_frac", "close_req", "oi_prev_usd",
    ),
    TurnoverInputs: ("times", "entry_lo", "entry_hi", "sweep_lo", "sweep_hi", "close", "target_usd", "survive"),
}  # fmt: skip


@dataclass(frozen=True, eq=False)
class WindowRun:
    """A market validated once for one model (see :func:`prepare_window`).

    Attributes
    ----------
    model : str
        The model's name (``lq.MODELS``).
    params : EngineParams
        The resolved parameters (``per_tier=True``).
    inputs : EngineInputs or TurnoverInputs
        The model's prepared arrays over the whole market.
    band_leverages : tuple of float
        The leverage of each band (x).
    band_of_tier : numpy.ndarray of int, shape (tiers,)
        The band each model tier belongs to.
    band_weights : numpy.ndarray, shape (bands,)
        The model's own share of USD per band (sums to 1): the sliders' starting values.
    """

    model: str
    params: EngineParams
    inputs: EngineInputs | TurnoverInputs
    band_leverages: tuple[float, ...]
    band_of_tier: np.ndarray
    band_weights: np.ndarray

    @property
    def times(self) -> pd.DatetimeIndex:
        """Every candle's open time (UTC)."""
        return self.inputs.times


def _tier_weights(inputs, params: EngineParams) -> np.ndarray:
    if isinstance(inputs, EngineInputs):
        return np.asarray(inputs.weights, dtype=float)
    return np.asarray(inputs.stock[0], dtype=float)


def prepare_window(
    market: pd.DataFrame,
    model: str,
    params: EngineParams | None = None,
    *,
    bands: Sequence[float] | None = None,
    **overrides,
) -> WindowRun:
    """Validate ``market`` once for ``model`` (arguments as ``lq.estimate_heatmap``'s).

    Parameters
    ----------
    market : pandas.DataFrame
        A market frame.
    model : str
        One of ``lq.MODELS``.
    params : EngineParams, optional
        Base parameters; ``overrides`` replace single fields.
    bands : sequence of float, optional
        Leverages of the bands to group tiers into (default: the model's own tiers).
    **overrides
        :class:`~liqlib.estimate.config.EngineParams` fields.

    Returns
    -------
    WindowRun

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(300)
    >>> run = prepare_window(m, "oi-flow", n_bins=50)
    >>> run_window(run, 300, [99, 199, 299]).long_usd.shape
    (3, 50)
    """
    p = resolve_params(market, model, params, **overrides)
    p = replace(p, per_tier=True)
    if p.flow == "turnover":
        inputs = prepare_turnover(market, p)
    else:
        inputs = prepare_inputs(market, p)
    tier_lev = np.asarray(p.resolved_mix().leverages, dtype=float)
    band_lev = np.asarray(tier_lev if bands is None else bands, dtype=float)
    if band_lev.ndim != 1 or band_lev.size == 0 or np.any(~(band_lev > 0)):
        raise InputError("bands must be positive leverages, e.g. (5, 10, 25, 50, 100)")
    dist = np.abs(np.log(tier_lev)[:, None] - np.log(band_lev)[None, :])
    band_of_tier = dist.argmin(axis=1)
    w = _tier_weights(inputs, p)
    band_w = np.bincount(band_of_tier, weights=w, minlength=band_lev.size)
    band_w = (
        band_w / band_w.sum() if band_w.sum() > 0 else np.full(band_lev.size, 1 / band_lev.size)
    )
    return WindowRun(model, p, inputs, tuple(band_lev.tolist()), band_of_tier, band_w)


def _truncate(inputs, n: int, col_end: np.ndarray):
    names = _PER_CANDLE[type(inputs)]
    cut = {name: getattr(inputs, name)[:n] for name in names}
    if isinstance(inputs, EngineInputs):  # numba wants the same (C) layout
        cut["calib_target"] = np.ascontiguousarray(inputs.calib_target[:, :n])
    return replace(inputs, col_end=np.asarray(col_end, dtype=np.int64), **cut)


def _reweight(run: WindowRun, inputs, band_weights: np.ndarray):
    """Scale each band's USD by its new share over its own (the model's) share."""
    factor = np.divide(
        band_weights, run.band_weights, out=np.zeros_like(band_weights), where=run.band_weights > 0
    )
    f = factor[run.band_of_tier]  # per tier
    if isinstance(inputs, EngineInputs):
        w = np.asarray(inputs.weights, dtype=float) * f
        return replace(inputs, weights=w / w.sum() if w.sum() > 0 else w)
    return replace(
        inputs,
        stock=np.ascontiguousarray(inputs.stock * f[None, :]),
        init_raw=np.ascontiguousarray(inputs.init_raw * f[None, :, None]),
        init_ovf_lo=np.ascontiguousarray(inputs.init_ovf_lo * f[None, :]),
        init_ovf_hi=np.ascontiguousarray(inputs.init_ovf_hi * f[None, :]),
    )


def run_window(
    run: WindowRun,
    end: int,
    col_end: Sequence[int] | np.ndarray,
    band_weights: Sequence[float] | np.ndarray | None = None,
    source: dict | None = None,
) -> Heatmap:
    """Estimate candles ``0 .. end-1``, one column after each candle in ``col_end``.

    Parameters
    ----------
    run : WindowRun
        From :func:`prepare_window`.
    end : int
        Number of candles to run (the window's last candle + 1).
    col_end : sequence of int
        Increasing candle indices (< ``end``) after which a column is taken.
    band_weights : sequence of float, optional
        New shares of USD per band (any scale; default: the model's own).
    source : dict, optional
        What the market said of its data (``market.attrs``), kept on the heatmap.

    Returns
    -------
    Heatmap
        With ``leverages`` = the band leverages and ``*_by_tier`` summed per band.
    """
    n = run.inputs.n_candles
    cols = np.asarray(col_end, dtype=np.int64)
    if not 1 <= int(end) <= n:
        raise InputError(f"end={end} must be in 1..{n} (the market's candles)")
    if cols.size == 0 or np.any(np.diff(cols) <= 0) or cols[0] < 0 or cols[-1] >= int(end):
        raise InputError(f"col_end must be increasing candle indices below end={end}")
    inputs = _truncate(run.inputs, int(end), cols)
    if band_weights is not None:
        bw = np.asarray(band_weights, dtype=float)
        if bw.shape != run.band_weights.shape or np.any(~np.isfinite(bw)) or np.any(bw < 0):
            raise InputError(f"band_weights must be {run.band_weights.size} numbers >= 0")
        if not bw.sum() > 0:
            raise InputError("every band weight is 0: raise one of them")
        inputs = _reweight(run, inputs, bw / bw.sum())
    if isinstance(inputs, TurnoverInputs):  # the kernel sums the tiers into their bands
        outputs, _ = run_turnover(inputs, tier_slot=run.band_of_tier)
    else:  # (tiers -> bands as one matrix product: np.add.at took ~30 ms a side)
        outputs = run_inputs(inputs)
        onehot = np.eye(len(run.band_leverages))[run.band_of_tier]  # (tiers, bands)
        outputs = replace(outputs, out_tier=np.matmul(onehot.T, outputs.out_tier))
    hm = build_heatmap(inputs, outputs, run.params, run.model, source)
    return replace(hm, leverages=run.band_leverages)


def prepare_venue_windows(
    markets: Mapping[str, pd.DataFrame],
    model: str,
    params: EngineParams | None = None,
    *,
    bands: Sequence[float] | None = None,
    **overrides,
) -> dict[str, WindowRun]:
    """:func:`prepare_window` for each venue, all on the first venue's price grid and bands.

    Parameters
    ----------
    markets : mapping of str to pandas.DataFrame
        Venue -> market frame, all on one time index (``lq.load_market(..., venues=...)``).
    model, params, bands, **overrides
        As :func:`prepare_window` (the bands default to the first venue's tiers).

    Returns
    -------
    dict of str to WindowRun
        In the order of ``markets``; every run has the same price edges and bands.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(300)
    >>> runs = prepare_venue_windows({"a": m, "b": m}, "oi-flow", n_bins=50)
    >>> hm = sum_venues({k: run_window(r, 300, [299]) for k, r in runs.items()})
    >>> list(hm.venues), hm.long_usd.shape
    (['a', 'b'], (1, 50))
    """
    names = venue_names(markets)
    first = prepare_window(
        markets[names[0]], model, params, bands=bands, **overrides, **venue_overrides(names[0])
    )
    edges = tuple(float(e) for e in first.inputs.edges)
    runs = {names[0]: first}
    for name in names[1:]:
        runs[name] = prepare_window(
            markets[name], model, params, bands=first.band_leverages,
            **{**overrides, "price_edges": edges, **venue_overrides(name)},
        )  # fmt: skip
    return runs


def sum_venues(parts: Mapping[str, Heatmap]) -> Heatmap:
    """The sum of per-venue heatmaps of one window (same columns, grid and bands).

    Parameters
    ----------
    parts : mapping of str to Heatmap
        Venue -> its heatmap (from :func:`run_window` on :func:`prepare_venue_windows` runs).
        The first venue gives the price path.

    Returns
    -------
    Heatmap
        USD (per tier too) and predicted liquidations added venue by venue, in order;
        ``venues`` holds ``parts``.
    """
    if not parts:
        raise InputError("no venue is selected: tick at least one venue")
    hms = list(parts.values())
    first = hms[0]
    for name, h in parts.items():
        if not h.times.equals(first.times) or h.long_usd.shape != first.long_usd.shape:
            raise InputError(f"venue {name!r} has other columns or bins: estimate one window")
    if len(hms) == 1:
        return replace(first, venues=dict(parts))
    return sum_heatmaps(parts)
