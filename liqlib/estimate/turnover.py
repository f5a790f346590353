"""The "turnover" estimator: a warm-started, churning inventory with leverage as a distribution.

Real open interest is mostly older than any window you load, it is *net* (positions open and
close all the time, gross turnover being many times the net change) and it is spread over a
continuum of leverages. This model follows all three:

- **stock, not flow**: the mix gives each leverage tier's share of the open interest; each
  side (long, short) of tier ``t`` holds ``leveraged_share * w_t * OI`` USD at all times
  (every contract has a long and a short, so both sides hold a share of the same OI);
- **leverage as a distribution**: a :class:`~liqlib.estimate.config.LeverageDensity` is cut into cells
  of equal width in log leverage; a cell's positions are spread over the exact bracket
  liquidation prices of every leverage inside it (``LP`` from ``k`` at the cell's two ends,
  bracket by ``position_notional_usd``), so small moves liquidate a little and large ones a
  lot. A :class:`~liqlib.estimate.config.LeverageMix` gives point tiers instead;
- **churn**: positions close at random (a constant hazard: mean holding time
  ``hold_hours * (10 / L) ** hold_leverage_exponent``) and the book is refilled to its target
  at the candle's prices, so fresh high-leverage levels always sit next to the price;
- **warm start**: the book starts from the *stationary* inventory of positions opened before
  the window (below), not empty.

Per candle ``i``, for each side and tier, in this order:

1. **hazard closes**: the tier keeps ``exp(-a_i dt / hold)`` of its USD (``faded`` flow), with
   ``a_i`` the candle's traded volume over its trailing mean (:func:`turnover_activity`; 1
   without volume), so busy candles replace more of the book at their own prices;
2. **sweep**: levels the candle reached are liquidated and removed at their exact price: a
   long when the low reaches its LP (``LP >= low``), a short when the high does (``LP <=
   high``), mark-price low/high when present, else trade price. A level that shares a price
   bin with the low but lies below it stays, so a flat market liquidates nothing and the
   result does not depend on where the price sits inside a bin (the book of
   :mod:`liqlib.estimate.book`);
3. **back to target**: the difference ``leveraged_share * w_t * OI_i - inventory`` is opened
   (``opened``) when positive, spread uniformly over the LPs ``[k_a low, k_b high]`` of the
   candle's trade range (or of the middle of its OHLC path, :func:`entry_range`), or closed proportionally (``closed``) when negative. A share
   ``intrabar_exposure`` of the new USD is opened *before* the candle's extremes, and the
   part of it whose LP the extreme reaches is liquidated at once (an entry at the high with
   100x is liquidated by a 1 % fall inside the same candle); the rest after them. ``OI_i``
   is the open interest after the candle (USD at the close; see *Timing*);
4. **snapshot** at the end of each block of candles: only there is the book turned into USD
   per bin (a deposit writes two entries of a difference array however many bins it spans).

Each (side, tier) book depends on nothing but its own state and the candles, so the kernel
runs them **book by book** rather than candle by candle (the same numbers, bit for bit: the
flows and snapshots are summed over the tiers in the same order): each side's tiers in turn
over the candles of :data:`COLUMN_BLOCK` columns, so one book's arrays stay in the core's
cache while the candles stream past; the two sides on two threads (:data:`KERNEL_THREADS`).

The USD swept in steps 2 and 3 is the candle's predicted liquidations. Each tier evolves on its
own and linearly in its weight, so the liquidations of any mix over the same tiers are the
weighted sum of the tiers' own (:func:`run_turnover` can record them; this is how
:func:`liqlib.estimate.calibrate.calibrate_leverage_mix` fits a mix).

**Warm start.** For a tier with log distance ``D = |log k|`` between entry and LP, hazard
``lambda`` per candle and a driftless log price with volatility ``sigma`` per candle, the
positions alive today were opened ``tau`` candles ago with weight ``exp(-lambda tau)`` and
survive only if the price has not touched their LP since. With ``u`` the log distance of the
LP from today's price (method of images, then the Laplace transform over ``tau``), their
density is ``g(u) ~ exp(-a |u - D|) - exp(-a (u + D))`` for ``u > 0``, ``a = sqrt(2 lambda) /
sigma``: zero at the price (just swept), a peak at ``u = D``, exponential tails. Cells
average ``g`` over their range of ``D``. ``sigma`` is the Parkinson estimate
``mean(log(high / low) ** 2) / (4 log 2)`` over the first day of candles (at least 10 of
them). The first candle's open price and open interest anchor it.

**Timing.** Open interest in a row of ``lq.load_market`` or ``lq.simulate_market`` is the state
at the candle's *open* (``oi_timing="open"``): the state after candle ``i`` is then the row
``i + 1``. The Coinglass regime loader gives the state after the candle (``"close"``). The
default ``"auto"`` reads ``market.attrs["oi_timing"]`` (set by the Coinglass loader) and
otherwise assumes "open". Missing values in between are interpolated linearly in time
(five-minute metrics on one-minute candles), the last value carried forward at the end.

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> from liqlib.estimate.config import EngineParams, LeverageDensity
>>> p = EngineParams(flow="turnover", mix=LeverageDensity(n_tiers=8), n_bins=200, max_columns=20)
>>> hm = estimate_turnover(make_synthetic_market(1_000), p)
>>> hm.long_usd.shape, bool(hm.predicted_long_usd.sum() > 0)
((20, 200), True)
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from liqlib.data.columns import (
    CLOSE,
    MARK_CLOSE,
    OI_COIN,
    OI_USD,
    QUOTE_VOLUME,
    VOLUME,
)
from liqlib.errors import InputError
from liqlib.estimate.book import (
    _clear,
    _deposit,
    _locate,
    _materialise,
    _renorm,
    _snapshot_book,
    _sweep_book,
    grid_coordinates,
)
from liqlib.estimate.brackets import lp_factors
from liqlib.estimate.config import EngineParams
from liqlib.estimate.heatmap import Heatmap, build_heatmap
from liqlib.estimate.inputs import EngineOutputs, _fail, _grid, _when, checked_prices
from liqlib.estimate.kernels import _RENORM_LOW

__all__ = [
    "TurnoverInputs",
    "estimate_turnover",
    "expected_lifetime",
    "oi_after_candle",
    "prepare_turnover",
    "run_turnover",
    "stationary_inventory",
    "turnover_activity",
    "entry_range",
]

#: Candles of the first day (at least this many) used for the warm start's volatility.
MIN_VOL_CANDLES = 10
#: Points per cell at which the stationary profile is averaged over the cell's distances.
CELL_SAMPLES = 9


@dataclass(frozen=True, eq=False)
class TurnoverInputs:
    """Validated arrays of one "turnover" run. Prices USD/coin, amounts USD.

    ``ka``, ``kb`` (2, T): smallest and largest ``LP / entry`` of each side's tier (equal for
    point tiers); ``stock`` (2, T): target USD per USD of open interest; ``survive`` (n, T):
    share kept in each candle by the hazard (``hazard_per_candle`` = lambda, the mean, times
    :func:`turnover_activity`); ``entry_lo``, ``entry_hi`` (n,): the prices a candle's new
    positions are spread over (:func:`entry_range`); ``target_usd`` (n,):
    open interest after each candle (USD); ``init_*``: the warm-start inventory, which lies
    beyond ``anchor`` (the first candle's open, USD/coin: longs below it, shorts above).
    """

    times: pd.DatetimeIndex
    edges: np.ndarray
    ka: np.ndarray
    kb: np.ndarray
    stock: np.ndarray
    survive: np.ndarray
    entry_lo: np.ndarray
    entry_hi: np.ndarray
    sweep_lo: np.ndarray
    sweep_hi: np.ndarray
    close: np.ndarray
    target_usd: np.ndarray
    exposure: float
    init_raw: np.ndarray  # (2, T, B)
    init_ovf_lo: np.ndarray  # (2, T)
    init_ovf_hi: np.ndarray  # (2, T)
    col_end: np.ndarray
    per_tier: bool
    sigma_per_candle: float
    candle_hours: float
    oi_timing: str
    hazard_per_candle: np.ndarray  # (T,) lambda
    anchor: float  # first open (USD/coin): the warm book lies beyond it

    @property
    def n_candles(self) -> int:
        return int(self.entry_lo.size)

    @property
    def n_tiers(self) -> int:
        return int(self.survive.shape[1])


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------


def _candle_hours(times: pd.DatetimeIndex, market: pd.DataFrame) -> float:
    if len(times) >= 2:
        step = np.median(np.diff(times.as_unit("ns").asi8)) / 3.6e12
        if step > 0:
            return float(step)
    interval = market.attrs.get("interval")
    try:
        return pd.Timedelta(str(interval).replace("m", "min")).total_seconds() / 3600.0
    except (ValueError, TypeError):
        _fail("market has one row and no attrs['interval']: give it at least two candles")


def oi_after_candle(market: pd.DataFrame, timing: str = "auto") -> np.ndarray:
    """Open interest after each candle's close, in coins (interpolated, see module *Timing*).

    Parameters
    ----------
    market : pandas.DataFrame
        With ``oi_coin`` or ``oi_usd`` (then divided by the mark close, else the close).
    timing : {"auto", "open", "close"}
        Where a row's open interest sits in its candle (see :data:`liqlib.estimate.config.OI_TIMINGS`).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Coins; ``[0]`` of the row before shifting is the state before the first candle.

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="1min", tz="UTC")
    >>> m = pd.DataFrame({"close": 1.0, "oi_coin": [10.0, np.nan, 12.0, np.nan]}, index=idx)
    >>> oi_after_candle(m, "open").tolist()
    [11.0, 12.0, 12.0, 12.0]
    """
    t = resolve_timing(market, timing)
    close = market[CLOSE].to_numpy(dtype=float)
    x = None
    col = OI_COIN
    if OI_COIN in market.columns and market[OI_COIN].notna().any():
        x = market[OI_COIN].to_numpy(dtype=float)
    elif OI_USD in market.columns and market[OI_USD].notna().any():
        col = OI_USD
        px = close
        if MARK_CLOSE in market.columns:
            mc = market[MARK_CLOSE].to_numpy(dtype=float)
            px = np.where(np.isfinite(mc) & (mc > 0), mc, close)
        x = market[OI_USD].to_numpy(dtype=float) / px
    if x is None:
        _fail(
            f"model 'turnover' needs open interest but market has no {OI_COIN!r} or {OI_USD!r} "
            "values: load a market with metrics, or use model='volume'"
        )
    bad = (x < 0) | np.isinf(x)
    if np.any(bad):
        _fail(
            f"market column {col!r} has negative or infinite open interest "
            f"({_when(market.index, bad)}): drop or repair those rows"
        )
    s = pd.Series(x).interpolate(limit_area="inside")  # on the timeline of the states
    if t == "open":
        s = s.shift(-1)
    s = s.ffill().bfill()
    return s.to_numpy(dtype=float)


def resolve_timing(market: pd.DataFrame, timing: str) -> str:
    """``"open"`` or ``"close"``: ``timing``, or for "auto" ``market.attrs["oi_timing"]``."""
    if timing == "auto":
        timing = str(market.attrs.get("oi_timing", "open"))
    if timing not in ("open", "close"):
        _fail(f"oi_timing {timing!r} is unknown: use 'open', 'close' or 'auto'")
    return timing


def _oi_before_first(market: pd.DataFrame) -> float:
    for col in (OI_COIN, OI_USD):
        if col in market.columns:
            v = market[col].dropna()
            if len(v):
                x = float(v.iloc[0])
                if col == OI_USD:
                    x /= float(market[CLOSE].iloc[0])
                return x
    return float("nan")


def _sigma_per_candle(h: np.ndarray, lo: np.ndarray, c: np.ndarray, per_day: int) -> float:
    """Parkinson volatility (log, per candle) over the first day (>= MIN_VOL_CANDLES candles)."""
    m = min(h.size, max(per_day, MIN_VOL_CANDLES))
    r = np.log(h[:m] / lo[:m])
    s2 = float(np.mean(r * r)) / (4.0 * math.log(2.0))
    if s2 > 0:
        return math.sqrt(s2)
    d = np.diff(np.log(c[: m + 1]))
    s = float(np.std(d)) if d.size else 0.0
    return s if s > 0 else 1e-4


#: Candles of the trailing mean that a candle's volume is compared with (30 days of 1h).
ACTIVITY_WINDOW = 720
#: Largest pace of churn one candle may get (times the trailing mean's).
MAX_ACTIVITY = 20.0


def turnover_activity(market: pd.DataFrame, how: str = "volume") -> np.ndarray:
    """Each candle's pace of churn: its traded volume over the trailing mean (1 = average).

    Gross opening and closing is what trading volume counts, so a candle that trades twice
    the usual volume replaces twice the usual share of the book at its own prices (the
    hazard of closes is multiplied by this, and the target refills what they free). The
    trailing mean covers up to :data:`ACTIVITY_WINDOW` candles (fewer at the start), so a
    slow change in volume does not change the mean holding time; values are clipped to
    ``[0, MAX_ACTIVITY]``.

    Parameters
    ----------
    market : pandas.DataFrame
        With ``quote_volume`` (USD) or ``volume`` (coins; times the close).
    how : {"volume", "flat"}
        "flat" (or a market with no usable volume): all ones.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Pace per candle (>= 0).

    Examples
    --------
    >>> idx = pd.date_range("2025-01-01", periods=4, freq="1h", tz="UTC")
    >>> m = pd.DataFrame({"close": 1.0, "quote_volume": [1.0, 1.0, 4.0, 0.0]}, index=idx)
    >>> turnover_activity(m).round(2).tolist()
    [1.0, 1.0, 2.0, 0.0]
    """
    n = len(market)
    flat = np.ones(n)
    if how == "flat":
        return flat
    v = None
    if QUOTE_VOLUME in market.columns:
        v = market[QUOTE_VOLUME].to_numpy(dtype=float)
    elif VOLUME in market.columns:
        v = market[VOLUME].to_numpy(dtype=float) * market[CLOSE].to_numpy(dtype=float)
    if v is None:
        return flat
    v = np.where(np.isfinite(v) & (v >= 0), v, np.nan)
    if not np.any(v > 0) or np.mean(np.isnan(v)) > 0.5:
        return flat  # no volume (mark-price or Coinglass candles): the same pace everywhere
    s = pd.Series(v)
    mean = s.rolling(ACTIVITY_WINDOW, min_periods=1).mean().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        act = np.where(mean > 0, v / mean, 1.0)
    act = np.where(np.isfinite(act), act, 1.0)
    return np.clip(act, 0.0, MAX_ACTIVITY)


def entry_range(o, h, lo, c, how: str = "range") -> tuple[np.ndarray, np.ndarray]:
    """The prices (USD/coin) a candle's new positions are spread over, uniformly.

    "range": the candle's low to high. "path": the middle half (quartiles) of the time the
    OHLC path spends at each price (open to the nearer extreme, to the other extreme, to
    the close; each leg a third of the time, uniform along it): the body, crossed by all
    three legs, is where most is traded; the wicks, crossed once, are thin.

    Parameters
    ----------
    o, h, lo, c : numpy.ndarray, shape (n,)
        Each candle's open, high, low and close (USD/coin).
    how : {"range", "path"}
        The profile (``EngineParams.entry_profile``).

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        The range of each candle's new positions (USD/coin), inside its low-high range.

    Examples
    --------
    >>> a, b = entry_range(np.array([100.0]), np.array([110.0]), np.array([90.0]),
    ...                    np.array([100.0]), "path")
    >>> a.round(6).tolist(), b.round(6).tolist()
    ([95.0], [105.0])
    """
    if how == "range":
        return lo, h
    first = np.where(np.abs(o - lo) <= np.abs(h - o), lo, h)  # the nearer extreme first
    second = np.where(first == lo, h, lo)
    legs = [
        (np.minimum(x, y), np.maximum(x, y)) for x, y in ((o, first), (first, second), (second, c))
    ]

    def cdf(x):
        f = np.zeros_like(x)
        for a, b in legs:
            w = b - a
            with np.errstate(invalid="ignore", divide="ignore"):
                f += np.where(w > 0, np.clip((x - a) / w, 0.0, 1.0), (x >= a).astype(float))
        return f / 3.0

    out = []
    for q in (0.25, 0.75):
        a, b = lo.astype(float).copy(), h.astype(float).copy()
        for _ in range(40):  # bisection: a 1e-12 share of the range
            mid = 0.5 * (a + b)
            below = cdf(mid) < q
            a = np.where(below, mid, a)
            b = np.where(below, b, mid)
        out.append(0.5 * (a + b))
    return np.minimum(out[0], out[1]), np.maximum(out[0], out[1])


def _stationary_g(u: np.ndarray, dist, a: float) -> np.ndarray:
    """Integral over [0, u] of exp(-a|v - dist|) - exp(-a(v + dist)) (u >= 0), times a.

    ``dist`` may be a column (k, 1) of distances: then one row per distance (or (T, k, 1)
    with ``a`` (T, 1, 1): one block of rows per tier).
    """
    u = np.maximum(u, 0.0)
    x = np.subtract(dist, u)  # (in place from here: the arrays of every tier are large)
    np.abs(x, out=x)
    np.multiply(-a, x, out=x)
    np.exp(x, out=x)  # exp(-a (dist - u)) below dist, exp(-a (u - dist)) above
    np.subtract(2.0, x, out=x, where=~(u < dist))  # h
    e = np.exp(-a * np.asarray(dist, dtype=float))
    x -= e
    x -= e * (1.0 - np.exp(-a * u))
    return x


def stationary_inventory(
    edges: np.ndarray,
    price: float,
    ka: np.ndarray,
    kb: np.ndarray,
    a: np.ndarray,
    usd: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The warm-start book: the stationary density of live positions, per side and tier.

    Parameters
    ----------
    edges : numpy.ndarray, shape (B+1,)
        Price bin edges (USD/coin).
    price : float
        Current price (USD/coin).
    ka, kb : numpy.ndarray, shape (2, T)
        Smallest and largest ``LP / entry`` of each side's tier.
    a : numpy.ndarray, shape (T,)
        ``sqrt(2 lambda) / sigma`` of each tier (1 / log price).
    usd : numpy.ndarray, shape (2, T)
        USD each side's tier holds.

    Returns
    -------
    raw : numpy.ndarray, shape (2, T, B)
        USD per price bin.
    ovf_lo, ovf_hi : numpy.ndarray, shape (2, T)
        USD below / above the grid.

    Examples
    --------
    >>> e = np.geomspace(50.0, 200.0, 401)
    >>> k = np.array([[0.9], [1.1]])
    >>> raw, lo, hi = stationary_inventory(e, 100.0, k, k, np.array([30.0]), np.ones((2, 1)))
    >>> round(float(raw.sum() + lo.sum() + hi.sum()), 9)
    2.0
    """
    nt = ka.shape[1]
    nb = edges.size - 1
    raw = np.zeros((2, nt, nb))
    ovf_lo = np.zeros((2, nt))
    ovf_hi = np.zeros((2, nt))
    log_e = np.log(edges)
    lp = math.log(price)
    for s in range(2):
        u = (lp - log_e) if s == 0 else (log_e - lp)  # log distance of each edge from price
        dists = [_cell_distances(ka, kb, s, t) for t in range(nt)]
        same = len({d.size for d in dists}) == 1
        if same:  # every tier at once: (T, samples, B + 1), the samples summed in order
            cums = _stationary_g(u, np.stack(dists)[:, :, None], a[:, None, None]).sum(axis=1)
        for t in range(nt):
            # the rows summed in order, as a loop over the distances would
            if same:
                cum = cums[t]
            else:
                cum = _stationary_g(u, dists[t][:, None], float(a[t])).sum(axis=0)
            total = 0.0
            for dist in dists[t]:
                total += 2.0 * (1.0 - math.exp(-a[t] * dist))
            if total <= 0.0:
                continue
            cum *= usd[s, t] / total
            full = usd[s, t]
            if s == 0:  # u falls with the edge index: bin b holds cum[b] - cum[b+1]
                raw[s, t] = np.maximum(cum[:-1] - cum[1:], 0.0)
                ovf_lo[s, t] = max(full - cum[0], 0.0)
            else:
                raw[s, t] = np.maximum(cum[1:] - cum[:-1], 0.0)
                ovf_hi[s, t] = max(full - cum[-1], 0.0)
    return raw, ovf_lo, ovf_hi


def _cell_distances(ka: np.ndarray, kb: np.ndarray, s: int, t: int) -> np.ndarray:
    d0, d1 = sorted((abs(math.log(ka[s, t])), abs(math.log(kb[s, t]))))
    return np.array([d0]) if d1 - d0 < 1e-12 else np.linspace(d0, d1, CELL_SAMPLES)


def expected_lifetime(ka: np.ndarray, kb: np.ndarray, lam: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Expected life (candles) of a position of each tier: ``(1 - exp(-a D)) / lambda``.

    A position closes at rate ``lambda`` per candle or is liquidated when the log price first
    falls by ``D`` (longs; the mean over both sides and over the cell's distances is taken),
    with a driftless log price of volatility ``sigma`` per candle (``a = sqrt(2 lambda) /
    sigma``). The stock a tier holds is its opening flow times this.

    Examples
    --------
    >>> k = np.array([[0.5], [1.5]])
    >>> float(expected_lifetime(k, k, np.array([0.01]), np.array([1e3]))[0])
    100.0
    """
    out = np.zeros(lam.size)
    for t in range(lam.size):
        life = 0.0
        for s in range(2):
            dist = _cell_distances(ka, kb, s, t)
            life += float(np.mean(1.0 - np.exp(-a[t] * dist))) / lam[t]
        out[t] = life / 2.0
    return out


def _k_ranges(params: EngineParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tier leverages and (ka, kb): the LP / entry range of each side's tier."""
    mix = params.resolved_mix()
    lev = np.asarray(mix.leverages, dtype=float)
    cells = params.leverage_cells()
    if cells is None:
        k = params.lp_factors()
        return lev, k.copy(), k.copy()
    ke = lp_factors(  # the venue's own tiers and formula (EngineParams.bracket_table)
        cells, float(params.position_notional_usd), brackets=params.bracket_table(), effective=True
    )
    ka = np.vstack([ke[0, :-1], ke[1, 1:]])
    kb = np.vstack([ke[0, 1:], ke[1, :-1]])
    return lev, ka, kb


def _grid_factors(ka: np.ndarray, kb: np.ndarray, reach: float | None) -> np.ndarray:
    """The grid's lowest and highest ``LP / price``: the leverage range's, or ``1 -/+ reach``
    when that is nearer (what lies beyond is each side's overflow, counted in every total)."""
    k = np.array([[float(ka[0].min())], [float(kb[1].max())]])
    if reach is not None:
        k[0, 0] = max(k[0, 0], 1.0 - float(reach))
        k[1, 0] = min(k[1, 0], 1.0 + float(reach))
    return k


def _hazard_survival(act: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """(n, T): the share of each tier kept in each candle, ``exp(-act_i lam_t)`` (the hazard
    paced by each candle's volume, :func:`turnover_activity`)."""
    survive = np.multiply.outer(act, -lam)
    np.exp(survive, out=survive)
    return survive


def prepare_turnover(
    market: pd.DataFrame, params: EngineParams, stock_weights: np.ndarray | None = None
) -> TurnoverInputs:
    """Validate ``market`` once and build the arrays of a "turnover" run (module docstring).

    ``stock_weights`` (T,), when given, replaces the mix's weights as each tier's USD per USD
    of open interest (before ``leveraged_share``; any values >= 0, e.g. all ones to record
    every tier's own liquidations for a calibration).

    Raises
    ------
    InputError
        Naming the column or parameter at fault (no open interest, bad prices...).
    """
    times, o, h, lo, c, mc, sweep_lo, sweep_hi = checked_prices(market, params)
    n = len(times)
    timing = resolve_timing(market, params.oi_timing)
    oi_after = oi_after_candle(market, timing)
    px_close = c if mc is None else np.where(np.isnan(mc), c, mc)
    target = oi_after * px_close

    lev, ka, kb = _k_ranges(params)
    hours = _candle_hours(times, market)
    hold = params.hold_hours * (10.0 / lev) ** params.hold_leverage_exponent
    lam = hours / hold
    act = turnover_activity(market, params.turnover_activity)
    # the survival array (n, T) on a second thread meanwhile: numpy's exp runs without the GIL
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(_hazard_survival, act, lam) if KERNEL_THREADS > 1 else None
        elo, ehi = entry_range(o, h, lo, c, params.entry_profile)
        sigma = _sigma_per_candle(h, lo, c, int(round(24.0 / hours)))
        a = np.sqrt(2.0 * lam) / sigma
        w = np.asarray(params.resolved_mix().weights, dtype=float)
        if stock_weights is not None:
            w = np.asarray(stock_weights, dtype=float)
            if w.shape != lev.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
                _fail(f"stock_weights must be {lev.size} finite numbers >= 0, one per tier")
        elif params.mix_basis == "opened":
            w = w * expected_lifetime(ka, kb, lam, a)
            w = w / w.sum()
        share = 1.0 if params.leveraged_share is None else float(params.leveraged_share)
        stock = np.vstack([w, w]) * share

        edges = _grid(params, _grid_factors(ka, kb, params.grid_reach), lo, h, sweep_lo, sweep_hi)
        nb = edges.size - 1
        if params.warm_start:
            oi0 = _oi_before_first(market)
            if not math.isfinite(oi0):
                oi0 = oi_after[0]
            init_raw, init_lo, init_hi = stationary_inventory(
                edges, float(o[0]), ka, kb, a, stock * oi0 * float(o[0])
            )
        else:
            nt = lev.size
            init_raw, init_lo, init_hi = np.zeros((2, nt, nb)), np.zeros((2, nt)), np.zeros((2, nt))
        survive = job.result() if job is not None else _hazard_survival(act, lam)
    ncols = min(int(params.max_columns), n)
    col_end = ((np.arange(ncols, dtype=np.int64) + 1) * n) // ncols - 1
    return TurnoverInputs(
        times=times,
        edges=edges,
        ka=np.ascontiguousarray(ka),
        kb=np.ascontiguousarray(kb),
        stock=np.ascontiguousarray(stock),
        survive=np.ascontiguousarray(survive),
        entry_lo=np.ascontiguousarray(elo),
        entry_hi=np.ascontiguousarray(ehi),
        sweep_lo=np.ascontiguousarray(sweep_lo, dtype=float),
        sweep_hi=np.ascontiguousarray(sweep_hi, dtype=float),
        close=np.ascontiguousarray(c),
        target_usd=np.ascontiguousarray(target, dtype=float),
        exposure=float(params.intrabar_exposure),
        init_raw=init_raw,
        init_ovf_lo=init_lo,
        init_ovf_hi=init_hi,
        col_end=col_end,
        per_tier=bool(params.per_tier),
        sigma_per_candle=sigma,
        candle_hours=hours,
        oi_timing=timing,
        hazard_per_candle=lam,
        anchor=float(o[0]),
    )


# --------------------------------------------------------------------------------------------
# kernel
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _warm_book(edges, raw, xlo, xhi, tot, lo, hi, front, anchor, i0):
    """Extents, totals and fronts of the warm-start book ``raw`` (positions opened before the
    window, all on the far side of the first open ``anchor``, in bin ``i0``)."""
    nb = edges.size - 1
    for s in range(2):
        for t in range(raw.shape[1]):
            front[s, t] = -np.inf if s == 0 else np.inf
            for b in range(nb):
                if raw[s, t, b] > 0.0:
                    lo[s, t] = min(lo[s, t], b)
                    hi[s, t] = b
                    tot[s, t] += raw[s, t, b]
                    xlo[s, t, b] = edges[b]
                    xhi[s, t, b] = edges[b + 1]
                    if b == i0 and s == 0:
                        xhi[s, t, b] = min(anchor, edges[b + 1])
                    elif b == i0:
                        xlo[s, t, b] = max(anchor, edges[b])
            if hi[s, t] >= lo[s, t]:
                front[s, t] = xhi[s, t, hi[s, t]] if s == 0 else xlo[s, t, lo[s, t]]


#: Output columns whose books are summed before they are turned into USD per bin: each
#: side's tiers run one after the other over the candles of this many columns (a tier's
#: book, ~36 KB at 1,000 bins, stays in the core's cache while its candles stream past),
#: with a work array of this many rows of B.
COLUMN_BLOCK = 32


@njit(cache=True)
def _run_book(
    s,
    t,
    i_start,
    i_end,
    j0,
    j_stop,
    edges,
    c0,
    inv,
    use_log,
    cka,
    ckb,
    ka,
    kb,
    stock,
    survive,
    entry_lo,
    entry_hi,
    sweep_p,
    cpi,
    ips,
    coords,
    target,
    exposure,
    raw,
    dd,
    dn,
    xlo,
    xhi,
    tot,
    ovf_lo,
    ovf_hi,
    scale,
    lo,
    hi,
    front,
    col_end,
    per_tier,
    tier_slot,
    out,
    td,
    span,
    out_tier,
    overflow,
    flows,
    tier_liq,
):
    """Candles ``i_start`` to ``i_end - 1`` (columns ``j0`` to ``j_stop - 1`` end among
    them) of side ``s`` tier ``t``: steps 1-3 of the module docstring on its own book
    (:mod:`liqlib.estimate.book`, its state held in local variables), its flows added to
    the side's, and at each column's last candle its snapshot (step 4) added to ``out[s, j]``
    and ``td[j - j0]`` (summed over the tiers, materialised by the caller)."""
    nb = edges.size - 1
    e0 = edges[0]
    en = edges[nb]
    record = tier_liq.shape[2] > 0
    r = raw[s, t]
    q = dd[s, t]
    cn = dn[s, t]
    xl = xlo[s, t]
    xh = xhi[s, t]
    tt = tot[s, t]
    ol = ovf_lo[s, t]
    oh = ovf_hi[s, t]
    scl = scale[s, t]
    l0 = lo[s, t]
    h0 = hi[s, t]
    fr = front[s, t]
    kas = ka[s, t]
    kbs = kb[s, t]
    ckas = cka[s, t]
    ckbs = ckb[s, t]
    stk = stock[s, t]
    j = j0
    for i in range(max(i_start, 0), i_end):  # (an index known to be >= 0 is cheaper)
        p = sweep_p[i]
        # 1. hazard closes (the tier's lazy scale); survive is (n, T): per candle
        f = survive[i, t]
        sc = scl
        m = (tt + ol + oh) * sc
        if f < 1.0 and m > 0.0:
            flows[3, s, i] += m * (1.0 - f)
            m *= f
            sc *= f
            scl = sc
            if sc < _RENORM_LOW:
                tt, ol, oh, scl, l0, h0, fr = _renorm(r, q, tt, ol, oh, scl, l0, h0, fr)
                sc = 1.0
        # 2. sweep the levels the candle's extreme reached (one comparison if none)
        liq = 0.0
        if (oh > 0.0 or fr >= p) if s == 0 else (ol > 0.0 or fr <= p):
            liq, tt, ol, oh, scl, l0, h0, fr = _sweep_book(
                edges, r, q, cn, xl, xh, s, p, ips[i], tt, ol, oh, scl, l0, h0, fr
            )
            sc = scl
            m = (tt + ol + oh) * sc
        # 3. back to the target: open, or close proportionally
        goal_oi = target[i]
        if goal_oi == goal_oi:
            goal = stk * goal_oi
            d = goal - m
            if d > 0.0:
                a = kas * entry_lo[i]
                b = kbs * entry_hi[i]
                ca = ckas + coords[0, i] if use_log else a
                cb = ckbs + coords[1, i] if use_log else b
                rest = d
                # the share `exposure` opened before the extreme: what it reached dies
                first = d * exposure
                hit = 0.0
                if s == 0 and b >= p:
                    hit = 1.0 if (b <= a or a >= p) else (b - p) / (b - a)
                elif s == 1 and a <= p:
                    hit = 1.0 if (b <= a or b <= p) else (p - a) / (b - a)
                if hit > 1.0 - 1e-12:  # (a rounding hair from all of it)
                    hit = 1.0
                if hit > 0.0 and first > 0.0:
                    liq += first * hit
                    rest = d - first
                    if rest <= 1e-12 * d:  # exposure 1 up to rounding: nothing after
                        rest = 0.0
                    if hit < 1.0:
                        v = first * (1.0 - hit) / sc
                        if s == 0:  # LPs in [a, p): opened below the low's reach
                            tt, ol, oh, scl, l0, h0, fr = _deposit(
                                edges, r, q, cn, xl, xh, s, v, a, p, ca, cpi[i], c0, inv,
                                tt, ol, oh, scl, l0, h0, fr,
                            )  # fmt: skip
                        else:
                            tt, ol, oh, scl, l0, h0, fr = _deposit(
                                edges, r, q, cn, xl, xh, s, v, p, b, cpi[i], cb, c0, inv,
                                tt, ol, oh, scl, l0, h0, fr,
                            )  # fmt: skip
                if rest <= 0.0:
                    pass
                elif a < b and a >= e0 and b <= en:
                    # the common deposit, inline: [a, b] on the grid, O(1)
                    rho = rest / (sc * (b - a))
                    ia = _locate(edges, a, ca, c0, inv, nb)
                    ib = _locate(edges, b, cb, c0, inv, nb)
                    if ib > ia and b == edges[ib]:
                        ib -= 1
                    tt += rho * (b - a)
                    if ia == ib:
                        r[ia] += rho * (b - a)
                        xl[ia] = min(xl[ia], a)
                        xh[ia] = max(xh[ia], b)
                    else:
                        e1 = edges[ia + 1]
                        r[ia] += (e1 - a) * rho
                        xl[ia] = min(xl[ia], a)
                        xh[ia] = max(xh[ia], e1)
                        e1 = edges[ib]
                        r[ib] += (b - e1) * rho
                        xl[ib] = min(xl[ib], e1)
                        xh[ib] = max(xh[ib], b)
                        if ib - ia >= 2 and s == 0:
                            q[ib - 1] += rho
                            q[ia] -= rho
                            cn[ib - 1] += 1
                            cn[ia] -= 1
                        elif ib - ia >= 2:
                            q[ia + 1] += rho
                            q[ib] -= rho
                            cn[ia + 1] += 1
                            cn[ib] -= 1
                    l0 = min(l0, ia)
                    h0 = max(h0, ib)
                    if s == 0:
                        fr = max(fr, b)
                    else:
                        fr = min(fr, a)
                elif a < b:
                    # past an end of the grid (the widest cells, every candle): as _deposit,
                    # inline. Both inline copies are deliberate (measured on bench_turnover,
                    # one thread): calling _deposit instead halves the kernel's speed (its
                    # arrays' reference counting), and one clipped block for both cases
                    # costs ~13 % (the common deposit above needs no clipping)
                    if s == 0:
                        fr = max(fr, b)
                    else:
                        fr = min(fr, a)
                    rho = (rest / sc) / (b - a)
                    if a < e0:
                        ol += (min(b, e0) - a) * rho
                    if b > en:
                        oh += (b - max(a, en)) * rho
                    x0 = max(a, e0)
                    x1 = min(b, en)
                    if x1 > x0:
                        ia = _locate(edges, x0, ca if a >= e0 else c0, c0, inv, nb)
                        ib = _locate(edges, x1, cb if b <= en else c0 + nb / inv, c0, inv, nb)
                        if ib > ia and x1 == edges[ib]:
                            ib -= 1
                        tt += (x1 - x0) * rho
                        if ia == ib:
                            r[ia] += (x1 - x0) * rho
                            xl[ia] = min(xl[ia], x0)
                            xh[ia] = max(xh[ia], x1)
                        else:
                            e1 = edges[ia + 1]
                            r[ia] += (e1 - x0) * rho
                            xl[ia] = min(xl[ia], x0)
                            xh[ia] = max(xh[ia], e1)
                            e1 = edges[ib]
                            r[ib] += (x1 - e1) * rho
                            xl[ib] = min(xl[ib], e1)
                            xh[ib] = max(xh[ib], x1)
                            if ib - ia >= 2 and s == 0:
                                q[ib - 1] += rho
                                q[ia] -= rho
                                cn[ib - 1] += 1
                                cn[ia] -= 1
                            elif ib - ia >= 2:
                                q[ia + 1] += rho
                                q[ib] -= rho
                                cn[ia + 1] += 1
                                cn[ib] -= 1
                        l0 = min(l0, ia)
                        h0 = max(h0, ib)
                else:  # a point
                    tt, ol, oh, scl, l0, h0, fr = _deposit(
                        edges, r, q, cn, xl, xh, s, rest / sc, a, b, ca, cb, c0, inv,
                        tt, ol, oh, scl, l0, h0, fr,
                    )  # fmt: skip
                flows[1, s, i] += d
            elif d < 0.0 and m > 0.0:
                flows[2, s, i] -= d
                if goal <= 0.0:
                    tt, ol, oh, scl, l0, h0, fr = _clear(r, q, cn, xl, xh, s, l0, h0, nb)
                else:
                    scl = sc * (goal / m)
                    if scl < _RENORM_LOW:
                        tt, ol, oh, scl, l0, h0, fr = _renorm(r, q, tt, ol, oh, scl, l0, h0, fr)
        flows[0, s, i] += liq
        if record:
            tier_liq[s, t, i] = liq
        # 4. snapshot: this book into column j (summed over the tiers)
        if j < j_stop and i == col_end[j]:
            k = j - j0
            row = out_tier[s, j, tier_slot[t]] if per_tier else td[k]
            overflow[s, j] += _snapshot_book(
                edges, r, q, ol, oh, scl, l0, h0, s, out[s, j], td[k], row, per_tier
            )
            if h0 >= l0:
                span[k, 0] = min(span[k, 0], l0)
                span[k, 1] = max(span[k, 1], h0)
            j += 1
    tot[s, t] = tt
    ovf_lo[s, t] = ol
    ovf_hi[s, t] = oh
    scale[s, t] = scl
    lo[s, t] = l0
    hi[s, t] = h0
    front[s, t] = fr


@njit(cache=True, nogil=True)
def _run_side(
    s,
    block,
    edges,
    c0,
    inv,
    use_log,
    cka,
    ckb,
    ka,
    kb,
    stock,
    survive,
    entry_lo,
    entry_hi,
    sweep_p,
    coords,
    target,
    exposure,
    raw,
    dd,
    dn,
    xlo,
    xhi,
    tot,
    ovf_lo,
    ovf_hi,
    scale,
    lo,
    hi,
    front,
    col_end,
    per_tier,
    tier_slot,
    out,
    out_tier,
    overflow,
    flows,
    tier_liq,
):
    """The candle loop (module docstring) of side ``s``, book-major: over the candles of
    ``block`` output columns at a time, each tier in turn (:func:`_run_book`), then those
    columns materialised. A tier's book depends on nothing but its own state and the
    candles, so this order gives the same numbers as candle by candle (the flows and the
    snapshots are summed over the tiers in the same order)."""
    nb = edges.size - 1
    nt = survive.shape[1]
    n = entry_lo.size
    ncols = col_end.size
    cpi = coords[2 + s]  # the grid coordinate of the side's extreme
    ips = np.empty(n, dtype=np.int64)  # the bin holding it
    for i in range(n):
        ips[i] = _locate(edges, sweep_p[i], cpi[i], c0, inv, nb)
    td = np.zeros((block, nb))
    span = np.empty((block, 2), dtype=np.int64)  # each column's bin range over the tiers
    j0 = 0
    i_start = 0
    while i_start < n:
        j1 = min(j0 + block, ncols)
        i_end = n if j1 == ncols else col_end[j1 - 1] + 1
        for k in range(j1 - j0):
            span[k, 0] = nb
            span[k, 1] = -1
        for t in range(nt):
            _run_book(
                s, t, i_start, i_end, j0, j1, edges, c0, inv, use_log, cka, ckb, ka, kb, stock,
                survive, entry_lo, entry_hi, sweep_p, cpi, ips, coords, target, exposure, raw,
                dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front, col_end, per_tier,
                tier_slot, out, td, span, out_tier, overflow, flows, tier_liq,
            )  # fmt: skip
        for j in range(j0, j1):  # the block's columns: difference arrays to USD per bin
            k = j - j0
            _materialise(edges, out[s, j], td[k], out[s, j], s, span[k, 0], span[k, 1])
        j0 = j1
        i_start = i_end


@njit(cache=True)
def _start_books(raw, edges, anchor, c0, inv, use_log):
    """Every book's arrays and state at the start (:mod:`liqlib.estimate.book`): the warm
    book ``raw`` (2, T, B) with its extents, totals and fronts; empty difference arrays."""
    nb = edges.size - 1
    nt = raw.shape[1]
    dd = np.zeros_like(raw)
    dn = np.zeros(raw.shape, dtype=np.int32)
    xlo = np.full_like(raw, np.inf)
    xhi = np.full_like(raw, -np.inf)
    tot = np.zeros((2, nt))
    scale = np.ones((2, nt))
    lo = np.full((2, nt), nb, dtype=np.int64)
    hi = np.full((2, nt), -1, dtype=np.int64)
    front = np.empty((2, nt))
    i0 = _locate(edges, anchor, math.log(anchor) if use_log else anchor, c0, inv, nb)
    _warm_book(edges, raw, xlo, xhi, tot, lo, hi, front, anchor, i0)
    return dd, dn, xlo, xhi, tot, scale, lo, hi, front


#: Threads the kernel runs the two sides on (they share no book): 2 where this process may
#: use two CPUs or more. numba-compiled code releases the GIL, so plain Python threads do; no
#: numba threading layer is involved (nothing to configure, nothing unsafe after a fork).
KERNEL_THREADS = min(
    2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)


def _run_kernel(
    inputs: TurnoverInputs, res: EngineOutputs, tier_liq: np.ndarray, tier_slot: np.ndarray
) -> None:
    """The candle loop over prepared inputs: both sides by :func:`_run_side`, on
    :data:`KERNEL_THREADS` threads. Sums into the outputs (zeros)."""
    use_log, c0, inv, *coords = grid_coordinates(
        inputs.edges, inputs.entry_lo, inputs.entry_hi, inputs.sweep_lo, inputs.sweep_hi
    )
    coords = np.vstack(coords)
    raw = inputs.init_raw.copy()
    ovf_lo, ovf_hi = inputs.init_ovf_lo.copy(), inputs.init_ovf_hi.copy()
    dd, dn, xlo, xhi, tot, scale, lo, hi, front = _start_books(
        raw, inputs.edges, inputs.anchor, c0, inv, use_log
    )
    ka, kb = inputs.ka, inputs.kb
    cka, ckb = (np.log(ka), np.log(kb)) if use_log else (ka, kb)
    block = max(min(COLUMN_BLOCK, inputs.col_end.size), 1)

    def side(s: int) -> None:
        _run_side(
            s, block, inputs.edges, c0, inv, use_log, cka, ckb, ka, kb, inputs.stock,
            inputs.survive, inputs.entry_lo, inputs.entry_hi,
            inputs.sweep_lo if s == 0 else inputs.sweep_hi, coords, inputs.target_usd,
            inputs.exposure, raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front,
            inputs.col_end, inputs.per_tier, tier_slot, res.out, res.out_tier, res.overflow,
            res.flows,
            tier_liq,
        )  # fmt: skip

    if KERNEL_THREADS > 1 and inputs.n_candles > 0:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(side, s) for s in (0, 1)]:
                done.result()
    else:
        side(0)
        side(1)


def run_turnover(
    inputs: TurnoverInputs, *, record_tiers: bool = False, tier_slot: np.ndarray | None = None
) -> tuple[EngineOutputs, np.ndarray | None]:
    """Run the kernel on prepared inputs.

    Parameters
    ----------
    inputs : TurnoverInputs
        From :func:`prepare_turnover`.
    record_tiers : bool
        Also return the USD liquidated per side, tier and candle.
    tier_slot : numpy.ndarray of int, optional
        With ``inputs.per_tier``: the row of ``out_tier`` each tier's USD is added to (tiers
        sharing a row are summed in the kernel, e.g. the explorer's leverage bands, which
        keeps ``out_tier`` small). Default: one row per tier.

    Returns
    -------
    outputs : EngineOutputs
        As :func:`liqlib.estimate.oi_flow.run_inputs` (``flows`` in the order of ``FLOW_NAMES``;
        "calibrated" stays 0; the warm-start book counts as opened in the first candle, so
        opened - closed - liquidated - faded = what remains).
    tier_liquidated : numpy.ndarray of shape (2, T, n), or None
        USD liquidated per side, tier and candle, when ``record_tiers``.
    """
    ncols = inputs.col_end.size
    nt, n = inputs.n_tiers, inputs.n_candles
    nb = inputs.edges.size - 1
    slot = np.arange(nt) if tier_slot is None else np.asarray(tier_slot, dtype=np.int64)
    if slot.shape != (nt,) or (nt and (slot.min() < 0)):
        raise InputError(f"tier_slot must give each of the {nt} tiers a row >= 0")
    n_rows = int(slot.max()) + 1 if nt else 0
    res = EngineOutputs(
        out=np.zeros((2, ncols, nb)),
        out_tier=np.zeros((2, ncols if inputs.per_tier else 0, n_rows, nb)),
        overflow=np.zeros((2, ncols)),
        flows=np.zeros((5, 2, n)),
    )
    tier_liq = np.zeros((2, nt, n if record_tiers else 0))
    _run_kernel(inputs, res, tier_liq, slot)
    if n:  # the warm start counts as opened in the first candle, so the flows add up
        warm = inputs.init_raw.sum(axis=2) + inputs.init_ovf_lo + inputs.init_ovf_hi
        res.flows[1, :, 0] += warm.sum(axis=1)
    return res, (tier_liq if record_tiers else None)


def estimate_turnover(
    market: pd.DataFrame, params: EngineParams, model: str = "turnover"
) -> Heatmap:
    """Validate, run the "turnover" kernel and wrap the result in a :class:`Heatmap`.

    Use :func:`liqlib.estimate.registry.estimate_heatmap` (``model="turnover"``) rather than this.
    """
    inputs = prepare_turnover(market, params)
    outputs, _ = run_turnover(inputs)
    return build_heatmap(inputs, outputs, params, model, dict(market.attrs))
