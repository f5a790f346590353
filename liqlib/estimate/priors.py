"""Documented priors of the default model: how positions are margined (shape) and how much of
the open interest is liquidatable (level), each with where its numbers come from.

**Shape: a margin mixture.** Real books hold two kinds of positions (Hyperliquid's public
account states, ``../shared/data/raw/hyperliquid-positions``, read with
:func:`liqlib.data.sources.hyperliquid.load_hyperliquid_positions`):

- *isolated* positions are liquidated at their own leverage setting's price: the exact bracket
  formula at the setting (:func:`liqlib.estimate.brackets.lp_factors`) applies;
- *cross-margin* positions draw on the whole account's equity, so they are liquidated where the
  account runs out: far from the price (their distance from entry to liquidation is 5x the
  setting's at the median). Their *effective* leverage is the one whose exact bracket price sits
  at the measured distance: ``1 / L = 1 - (1 - d) (1 - MMR)`` for a distance ``d`` from entry.

The model holds a *stock*: the live positions' liquidation prices as they stand, and positions
that survived past moves sit farther from the price than they were opened. So the default is
measured on the live book (:data:`HYPERLIQUID_BOOK`: every position at the effective leverage of
its distance from the *mark*); :data:`HYPERLIQUID_MIXTURE` keeps the opening view (cross from
entry, isolated at the setting), which put too much USD near the price (24 % of the map within
10 % of it, against 14.6 % of the real positions; measured in notebook 05).

:func:`margin_mixture_density` builds the USD share of each kind over cells of (effective)
leverage, weighted by the measured cross share, and hands it to the model as an ordinary
leverage density (:class:`TabulatedLeverageDensity`), so the turnover kernel is unchanged.
Positions that cannot be liquidated (no reachable liquidation price, or effective leverage
below :data:`MIN_LIQUIDATABLE_LEVERAGE`) are not in the density: they lower the level instead.

**Level: the leveraged share of open interest.** The model keeps
``leveraged_share * density * OI`` USD per side. :data:`DEFAULT_LEVEL` gives the share and a
band, derived from a year of realized liquidations and open interest on coins other than BTC
(ETH and SOL on Binance, ``coinglass-4h-alts``): the model run with share 1 on each month, the
share that makes its predicted liquidations match the realized ones; the central value is the
median over the coin-months, the band their 10th-90th percentiles. It was never fitted on
BTC. :func:`level_band` gives a heatmap's USD range from it.

Examples
--------
>>> d = margin_mixture_density()
>>> round(float(d.weights().sum()), 9), d.n_tiers
(1.0, 24)
>>> DEFAULT_LEVEL.low < DEFAULT_LEVEL.share < DEFAULT_LEVEL.high
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.config import LeverageDensity

__all__ = [
    "DEFAULT_LEVEL",
    "HYPERLIQUID_BOOK",
    "HYPERLIQUID_MIXTURE",
    "LevelPrior",
    "MarginMixture",
    "TabulatedLeverageDensity",
    "density_within_bracket",
    "effective_leverage",
    "level_band",
    "margin_mixture_density",
    "measure_margin_mixture",
    "smooth_cells",
]

#: Effective leverage below which a position is treated as never liquidated (its liquidation
#: price is over 90 % from entry).
MIN_LIQUIDATABLE_LEVERAGE = 1.1
#: The largest effective leverage of the cells (200x: levels stay >= 0.1 % from entry).
MAX_LEVERAGE = 200.0
#: Cells of the default density.
N_CELLS = 24
#: The maintenance-margin rate used to turn a measured distance into an effective leverage
#: (Binance BTCUSDT's first bracket, 0.4 %).
DEFAULT_MMR = 0.004


@dataclass(frozen=True)
class TabulatedLeverageDensity(LeverageDensity):
    """A leverage density given by its cells' USD shares (any shape), not a log-normal.

    Parameters
    ----------
    cell_weights : tuple of float
        USD share of each of ``n_tiers`` cells (equal steps in log leverage from
        ``min_leverage`` to ``max_leverage``), >= 0, any positive sum (normalised to 1).
    min_leverage, max_leverage, n_tiers
        As in :class:`~liqlib.config.LeverageDensity`; ``median`` and ``sigma`` are not used
        (kept for a calibration that starts from a log-normal).

    Examples
    --------
    >>> d = TabulatedLeverageDensity(min_leverage=2, max_leverage=8, n_tiers=2,
    ...                              cell_weights=(1.0, 3.0))
    >>> d.weights().tolist()
    [0.25, 0.75]
    """

    cell_weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        w = tuple(float(x) for x in self.cell_weights)
        object.__setattr__(self, "cell_weights", w)
        if len(w) != int(self.n_tiers):
            raise InputError(
                f"cell_weights has {len(w)} values for n_tiers={self.n_tiers}: give one per cell"
            )
        if any(not math.isfinite(x) or x < 0 for x in w) or math.fsum(w) <= 0:
            raise InputError("cell_weights must be finite, >= 0 and not all 0: fix the weights")
        super().__post_init__()

    def weights(self) -> np.ndarray:
        """Share of USD in each cell, summing to 1."""
        w = np.asarray(self.cell_weights, dtype=float)
        return w / w.sum()


def effective_leverage(distance, mmr: float = DEFAULT_MMR) -> np.ndarray:
    """Effective leverage whose exact liquidation price sits ``distance`` from entry.

    Inverts the long-side bracket formula ``LP = entry (1 - 1/L) / (1 - MMR)`` (no cum term):
    ``1 / L = 1 - (1 - d) (1 - MMR)``.

    Parameters
    ----------
    distance : array-like
        ``|LP - entry| / entry`` (fraction); ``inf`` or >= 1 gives leverage <= 1.
    mmr : float
        Maintenance-margin rate (fraction).

    Returns
    -------
    numpy.ndarray
        Leverage (x); values <= 1 mean "never liquidated by a move to zero".

    Examples
    --------
    >>> effective_leverage([1 - 0.9 / 0.996], mmr=0.004).round(6).tolist()
    [10.0]
    """
    d = np.asarray(distance, dtype=float)
    inv = 1.0 - np.clip(1.0 - d, 0.0, None) * (1.0 - mmr)
    with np.errstate(divide="ignore"):
        return np.where(inv > 0, 1.0 / inv, np.inf)


@dataclass(frozen=True)
class MarginMixture:
    """What a sample of real positions says about margining (USD-weighted shares).

    Attributes
    ----------
    cross_share : float
        Share of liquidatable USD held in cross margin (the mixture weight).
    unliquidatable_share : float
        Share of all USD that is never liquidated (no reachable price, or effective leverage
        below :data:`MIN_LIQUIDATABLE_LEVERAGE`).
    cross_cells, isolated_cells : tuple of float
        USD share of each leverage cell within each kind (each sums to 1).
    within_10pct : dict
        Share of USD whose liquidation price lies within 10 % of the mark, by kind
        ("cross", "isolated", "all").
    n_positions, n_cohorts : int
        Sample size.
    """

    cross_share: float
    unliquidatable_share: float
    cross_cells: tuple[float, ...]
    isolated_cells: tuple[float, ...]
    within_10pct: dict
    n_positions: int
    n_cohorts: int

    def cells(self) -> np.ndarray:
        """The mixture's USD share per cell (sums to 1)."""
        w = self.cross_share * np.asarray(self.cross_cells) + (1 - self.cross_share) * np.asarray(
            self.isolated_cells
        )
        return w / w.sum()


def _cell_edges(n_cells: int = N_CELLS) -> np.ndarray:
    return np.geomspace(MIN_LIQUIDATABLE_LEVERAGE, MAX_LEVERAGE, n_cells + 1)


def measure_margin_mixture(
    positions: pd.DataFrame,
    *,
    n_cells: int = N_CELLS,
    mmr: float = DEFAULT_MMR,
    basis: str = "entry",
) -> MarginMixture:
    """Measure the margin mixture from real positions (USD-weighted, each cohort weighing 1).

    Cross positions enter at their effective leverage (:func:`effective_leverage` of the
    venue's distance from entry to liquidation); isolated ones at their leverage *setting*
    (the model applies the exact bracket formula to it).

    Parameters
    ----------
    positions : pandas.DataFrame
        From :func:`liqlib.data.sources.hyperliquid.load_hyperliquid_positions`.
    n_cells : int
        Leverage cells from 1.1x to 200x (equal steps in log leverage).
    mmr : float
        Maintenance-margin rate used by :func:`effective_leverage` (fraction).
    basis : {"entry", "mark"}
        "entry": cross positions at the effective leverage of their distance from *entry*,
        isolated ones at their setting (how positions are opened). "mark": every position at
        the effective leverage of its distance from the *mark*: the live book as it stands
        (survivors of past moves sit farther from the price than they were opened).

    Returns
    -------
    MarginMixture

    Raises
    ------
    InputError
        When the frame holds no liquidatable position of either kind.
    """
    need = {"cohort", "margin", "position_usd", "entry_distance", "mark_distance"}
    if not need <= set(positions.columns):
        raise InputError(
            "positions need the columns of load_hyperliquid_positions: read them with "
            "lq.load_hyperliquid_positions(folder)"
        )
    p = positions[positions["margin"].isin(("cross", "isolated"))]
    w = p["position_usd"] / p.groupby("cohort")["position_usd"].transform("sum")
    cross = (p["margin"] == "cross").to_numpy()
    if basis not in ("entry", "mark"):
        raise InputError(f"basis={basis!r} is unknown: use 'entry' or 'mark'")
    if basis == "mark":
        lev = effective_leverage(p["mark_distance"].to_numpy(), mmr)
        ok = np.isfinite(lev) & (lev >= MIN_LIQUIDATABLE_LEVERAGE)
        ok &= np.isfinite(p["mark_distance"].to_numpy())
    else:
        lev = np.where(
            cross,
            effective_leverage(p["entry_distance"].to_numpy(), mmr),
            p["leverage_setting"].to_numpy(dtype=float),
        )
        ok = np.isfinite(lev) & (lev >= MIN_LIQUIDATABLE_LEVERAGE)
        # an isolated setting's own formula; a cross position's distance beyond reach = never
        ok &= np.where(cross, np.isfinite(p["entry_distance"].to_numpy()), True)
    edges = _cell_edges(n_cells)
    levc = np.clip(np.where(ok, lev, edges[0]), edges[0], edges[-1] * (1 - 1e-12))
    wv = w.to_numpy()
    cells = {}
    for kind, mask in (("cross", cross), ("isolated", ~cross)):
        h, _ = np.histogram(levc[mask & ok], edges, weights=wv[mask & ok])
        if h.sum() <= 0:
            raise InputError(f"no liquidatable {kind} position in the sample: give a larger one")
        cells[kind] = tuple(h / h.sum())
    liq_usd = wv[ok].sum()
    md = p["mark_distance"].to_numpy()
    within = {
        kind: float(wv[m & (md <= 0.10)].sum() / wv[m].sum())
        for kind, m in (("cross", cross), ("isolated", ~cross), ("all", np.ones_like(cross)))
    }
    return MarginMixture(
        cross_share=float(wv[cross & ok].sum() / liq_usd),
        unliquidatable_share=float(1 - liq_usd / wv.sum()),
        cross_cells=cells["cross"],
        isolated_cells=cells["isolated"],
        within_10pct=within,
        n_positions=int(len(p)),
        n_cohorts=int(p["cohort"].nunique()),
    )


def smooth_cells(weights, width_cells: float = 1.0) -> np.ndarray:
    """Smooth cell shares with a Gaussian kernel in log leverage (edges absorb nothing).

    A small sample puts whole accounts in single cells (isolated settings sit at round
    numbers: 3x, 10x, 40x); the prior spreads each over its neighbours so that the map has no
    spike a few accounts made.

    Parameters
    ----------
    weights : array-like
        Shares per cell (>= 0).
    width_cells : float
        Kernel standard deviation in cells (> 0).

    Returns
    -------
    numpy.ndarray
        Smoothed shares summing to 1.

    Examples
    --------
    >>> smooth_cells([0, 1, 0], 1.0).round(3).tolist()
    [0.274, 0.452, 0.274]
    """
    w = np.asarray(weights, dtype=float)
    if not (math.isfinite(width_cells) and width_cells > 0):
        raise InputError(f"width_cells={width_cells!r} must be > 0: use e.g. 1.0")
    idx = np.arange(w.size)
    kern = np.exp(-0.5 * ((idx[:, None] - idx[None, :]) / width_cells) ** 2)
    kern /= kern.sum(axis=0, keepdims=True)  # each cell's USD stays in the range
    out = kern @ w
    return out / out.sum()


#: The margin mixture measured by :func:`measure_margin_mixture` on the shared Hyperliquid
#: samples (``hyperliquid-positions``: basedapp 2025-12-08 and 2025-12-10, insilico 2026-01-02,
#: mirrorly 2026-02-09; 11,977 positions, all coins, each cohort weighing 1). Kept here so the
#: default needs no data; ``tests/estimate/test_priors.py`` recomputes it from the files when
#: they are present. Of the liquidatable USD 83.7 % is cross-margined; 18.1 % of all USD can
#: never be liquidated; 9.2 % of cross and 48.1 % of isolated USD (14.6 % of all) lies within
#: 10 % of the mark.
HYPERLIQUID_MIXTURE = MarginMixture(
    cross_share=0.8367431916213943,
    unliquidatable_share=0.18137154507090125,
    cross_cells=(
        0.17426, 0.03583, 0.08666, 0.24617, 0.04505, 0.05675, 0.05661, 0.04055,
        0.01097, 0.06768, 0.02214, 0.03182, 0.01126, 0.00159, 0.0435, 0.03222,
        0.03026, 0.00332, 0.00311, 4e-05, 8e-05, 6e-05, 5e-05, 0.0,
    ),
    isolated_cells=(
        0.0, 0.0, 0.11842, 0.0, 0.17459, 0.01567, 0.1085, 0.00566,
        0.00311, 0.01599, 0.11682, 0.00988, 0.01239, 0.01714, 0.03098, 0.00396,
        0.3669, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    ),
    within_10pct={"cross": 0.09197690596697848, "isolated": 0.4808002954647064,
                  "all": 0.14555812640206592},
    n_positions=11977,
    n_cohorts=4,
)  # fmt: skip


#: The live book of the same samples: every position at the effective leverage of its
#: distance from the *mark* (:func:`measure_margin_mixture` with ``basis="mark"``). Positions
#: that survived past moves sit farther from the price than they were opened, so this, not
#: the opening mixture above, is the stock the "turnover" model holds (its default, through
#: :func:`margin_mixture_density`). Of the liquidatable USD 83.4 % is cross-margined; 20.1 %
#: of all USD can never be liquidated (liquidation price over 90 % from the mark).
HYPERLIQUID_BOOK = MarginMixture(
    cross_share=0.8338291188375417,
    unliquidatable_share=0.2013170278051286,
    cross_cells=(
        0.16573, 0.05389, 0.05236, 0.04686, 0.09778, 0.26681, 0.04581, 0.03814,
        0.04333, 0.0702, 0.0053, 0.00543, 0.02797, 0.00357, 0.04644, 0.01659,
        0.01112, 0.00112, 0.00072, 0.00014, 0.00067, 0.0, 0.0, 0.0,
    ),
    isolated_cells=(
        0.01744, 0.00215, 0.20203, 0.01836, 0.01813, 0.04835, 0.03904, 0.05765,
        0.0564, 0.04077, 0.05542, 0.0278, 0.00783, 0.02019, 0.02053, 0.12835,
        0.00124, 0.00153, 0.23442, 0.00096, 0.00136, 4e-05, 0.0, 0.0,
    ),
    within_10pct={"cross": 0.09197690596697848, "isolated": 0.4808002954647064,
                  "all": 0.14555812640206592},
    n_positions=11977,
    n_cohorts=4,
)  # fmt: skip


def margin_mixture_density(
    mixture: MarginMixture | None = None,
    *,
    cross_share: float | None = None,
    smooth_width_cells: float = 1.0,
) -> TabulatedLeverageDensity:
    """The default model's leverage density: isolated and cross-margin positions mixed.

    Parameters
    ----------
    mixture : MarginMixture, optional
        Measured shares (:func:`measure_margin_mixture`); default :data:`HYPERLIQUID_BOOK`
        (the live book, distances from the mark).
    cross_share : float, optional
        Override of the mixture weight of cross-margin USD (0..1), e.g. for a venue whose
        users margin differently; default the measured one.
    smooth_width_cells : float
        Gaussian smoothing across cells (:func:`smooth_cells`).

    Returns
    -------
    TabulatedLeverageDensity
        1.1x-200x in 24 cells; hand it to the model as ``mix=``.

    Examples
    --------
    >>> iso = margin_mixture_density(cross_share=0.0)
    >>> cross = margin_mixture_density(cross_share=1.0)
    >>> bool(iso.weights()[-8:].sum() > cross.weights()[-8:].sum())  # isolated sit closer
    True
    """
    m = HYPERLIQUID_BOOK if mixture is None else mixture
    c = m.cross_share if cross_share is None else float(cross_share)
    if not (math.isfinite(c) and 0.0 <= c <= 1.0):
        raise InputError(f"cross_share={cross_share!r} must be within 0..1: use e.g. 0.84")
    w = c * np.asarray(m.cross_cells) + (1.0 - c) * np.asarray(m.isolated_cells)
    w = smooth_cells(w / w.sum(), smooth_width_cells)
    return TabulatedLeverageDensity(
        median=10.0,
        sigma=0.9,
        min_leverage=MIN_LIQUIDATABLE_LEVERAGE,
        max_leverage=MAX_LEVERAGE,
        n_tiers=len(w),
        cell_weights=tuple(float(x) for x in w),
    )


@dataclass(frozen=True)
class LevelPrior:
    """The leveraged share of open interest the model keeps per side, with its band.

    ``share`` is the model's ``leveraged_share``: the USD per side, as a share of open
    interest, whose liquidation price is *reached and liquidated* (positions closed, topped up
    or stopped out before their price is reached are not in it), so map USD and predicted
    liquidations come out at the level realized counts show.

    Attributes
    ----------
    share : float
        Central value (> 0).
    low, high : float
        The band (``low <= share <= high``).
    basis : str
        Where the numbers come from, in one line (shown in figures).

    Examples
    --------
    >>> LevelPrior(0.02, 0.01, 0.05, "demo").multipliers()
    (0.5, 2.5)
    """

    share: float
    low: float
    high: float
    basis: str

    def __post_init__(self) -> None:
        vals = (self.share, self.low, self.high)
        if not all(isinstance(v, int | float) and math.isfinite(v) and v > 0 for v in vals):
            raise InputError("a level prior's share, low and high must be numbers > 0")
        if not self.low <= self.share <= self.high:
            raise InputError(
                f"level band {self.low:g}..{self.high:g} does not hold the share {self.share:g}:"
                " order them low <= share <= high"
            )

    def multipliers(self) -> tuple[float, float]:
        """(low, high) as multiples of ``share``: multiply any USD figure of the map by them."""
        return (self.low / self.share, self.high / self.share)


#: The default level. Derived by :func:`liqlib.estimate.level.derive_level_prior` (see its
#: docstring for the sources and the rule; notebook 05 reruns it): the geometric mean of the
#: share implied by a year of Binance-only realized liquidations on ETH and SOL (a lower bound:
#: Binance publishes at most one liquidation per second per symbol) and the share implied by
#: BTC liquidations on the first half of the shared 30-minute window (Binance, Bybit and OKX
#: counts on Binance's open interest: biased up); the band spans the two, widened by their
#: month-to-month spread.
DEFAULT_LEVEL = LevelPrior(
    share=0.0352,
    low=0.00875,
    high=0.164,
    basis="level: prior from ETH+SOL 2025 (Binance) and BTC May 2026 (aggregate) realized liquidations",
)


def level_band(heatmap) -> tuple[float, float] | None:
    """The (low, high) multipliers of a heatmap's USD figures under the default level prior.

    Parameters
    ----------
    heatmap : Heatmap
        An estimate.

    Returns
    -------
    tuple of float or None
        ``DEFAULT_LEVEL.multipliers()`` when the heatmap used the default share
        (``heatmap.source["level_prior"]`` set by the registry), else None (a calibrated or
        user-given share has no prior band).

    Examples
    --------
    >>> class H:
    ...     source = {"level_prior": {"low": 0.5, "high": 2.0}}
    >>> level_band(H())
    (0.5, 2.0)
    """
    info = getattr(heatmap, "source", {}).get("level_prior")
    if not info:
        return None
    return (float(info["low"]), float(info["high"]))


def density_within_bracket(density: LeverageDensity, mmr: float, headroom: float = 0.9):
    """The density cut to leverages whose liquidation price stays off the entry.

    A bracket with maintenance-margin rate ``MMR`` puts the liquidation price on the entry at
    ``1 / MMR`` (200x at 0.5 %, 100x at 1 %): the density's top is lowered to
    ``headroom / MMR`` when it lies above, the USD above moving into the top cell (those
    positions sit next to the price either way). Unchanged when it already fits.

    Parameters
    ----------
    density : LeverageDensity or TabulatedLeverageDensity
        The density (1.1-200x for the default).
    mmr : float
        Maintenance-margin rate of the bracket the model uses (fraction, > 0).
    headroom : float
        Share of ``1 / MMR`` kept (0..1).

    Returns
    -------
    LeverageDensity or TabulatedLeverageDensity
        The same kind, same number of cells.

    Examples
    --------
    >>> d = density_within_bracket(margin_mixture_density(), mmr=0.01)
    >>> d.max_leverage, round(float(d.weights().sum()), 9)
    (90.0, 1.0)
    """
    if not (math.isfinite(mmr) and mmr > 0) or not 0 < headroom <= 1:
        raise InputError(f"mmr={mmr!r} must be > 0 and headroom within (0, 1]")
    top = headroom / mmr
    if density.max_leverage <= top:
        return density
    if top <= density.min_leverage * 1.01:
        raise InputError(
            f"a bracket with MMR {mmr:.2%} leaves no room above {density.min_leverage:g}x: "
            "use a smaller position_notional_usd"
        )
    if not isinstance(density, TabulatedLeverageDensity):
        return replace(density, max_leverage=top)
    old = np.log(density.cell_edges())
    cdf = np.concatenate([[0.0], np.cumsum(density.weights())])
    new = np.log(np.geomspace(density.min_leverage, top, density.n_tiers + 1))
    w = np.diff(np.interp(new, old, cdf))
    w[-1] += 1.0 - w.sum()  # the USD above the new top
    return replace(density, max_leverage=top, cell_weights=tuple(float(x) for x in w))
