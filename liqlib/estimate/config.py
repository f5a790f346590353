"""Configuration of the estimation engine: frozen dataclasses, validated once.

Examples
--------
>>> mix = LeverageMix(leverages=(10, 25, 50), weights=(0.5, 0.3, 0.2))
>>> p = EngineParams(mix=mix, n_bins=500, calibrate=True)
>>> p.resolved_mix().leverages
(10.0, 25.0, 50.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from liqlib.data.columns import TOPTRADER_LS_POSITION
from liqlib.errors import InputError
from liqlib.estimate.brackets import FORMULAS, BracketTable, lp_factors, real_symbol

__all__ = [
    "DEFAULT_MIXES",
    "EngineParams",
    "LeverageDensity",
    "LeverageMix",
    "OI_TIMINGS",
    "default_mix",
]

GRIDS = ("log", "linear")
SPLITS = ("taker", "ratio", "even")
FLOWS = ("oi", "volume", "turnover")
LIQUIDATIONS = ("binance", "fixed-offset")
#: Where a row's open interest sits in its candle: "open" (the state when the candle opened,
#: as ``lq.load_market`` and ``lq.simulate_market`` give it), "close" (the state after the
#: candle, as the Coinglass regime loader gives it) or "auto" (``market.attrs["oi_timing"]``,
#: else "open").
OI_TIMINGS = ("auto", "open", "close")
#: What the weights of a "turnover" mix are shares of: open interest, or newly opened USD.
MIX_BASES = ("stock", "opened")
#: What paces a "turnover" book's churn from candle to candle (see ``turnover_activity``).
TURNOVER_ACTIVITIES = ("volume", "flat")
#: How a candle's new positions are spread over its prices (see ``entry_profile``).
ENTRY_PROFILES = ("range", "path")
#: The most tiers a :class:`LeverageDensity` may be cut into.
MAX_DENSITY_TIERS = 200


@dataclass(frozen=True)
class LeverageMix:
    """How newly opened positions spread over leverage tiers.

    Parameters
    ----------
    leverages : tuple of float
        One leverage per tier (x), each > 1, distinct.
    weights : tuple of float
        Share of opened USD going to each tier, each >= 0, summing to 1 (within 1e-9).

    Examples
    --------
    >>> LeverageMix((5, 10), (0.5, 0.5)).n_tiers
    2
    """

    leverages: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 100.0)
    weights: tuple[float, ...] = (0.15, 0.30, 0.25, 0.20, 0.10)

    def __post_init__(self) -> None:
        lev = tuple(float(x) for x in self.leverages)
        w = tuple(float(x) for x in self.weights)
        object.__setattr__(self, "leverages", lev)
        object.__setattr__(self, "weights", w)
        if len(lev) == 0 or len(lev) != len(w):
            raise InputError(
                f"mix has {len(lev)} leverages and {len(w)} weights: give one weight per leverage"
            )
        for x in lev:
            if not math.isfinite(x) or x <= 1:
                raise InputError(f"mix leverage {x:g} is not above 1x: choose leverages > 1")
        if len(set(lev)) != len(lev):
            raise InputError("mix leverages repeat: give each leverage once")
        if any(not math.isfinite(x) or x < 0 for x in w):
            raise InputError("mix weights must be finite and >= 0: fix the negative or NaN weight")
        total = math.fsum(w)
        if abs(total - 1.0) > 1e-9:
            raise InputError(
                f"mix weights sum to {total:.12g}, not 1: rescale them so they sum to 1"
            )

    @property
    def n_tiers(self) -> int:
        """Number of leverage tiers."""
        return len(self.leverages)


@dataclass(frozen=True)
class LeverageDensity:
    """A continuous leverage distribution: log-normal in leverage, truncated to a range.

    The share of USD at leverage ``L`` has density ``N(log L; log median, sigma)`` on
    ``[min_leverage, max_leverage]`` (renormalised to 1 there). The engine cuts the range into
    ``n_tiers`` cells of equal width in log leverage; each cell becomes one tier, and the
    "turnover" model spreads a cell's positions over the liquidation prices of every leverage
    inside it (exact bracket prices at the cell's ends), so the map is a density, not spikes.

    Parameters
    ----------
    median : float
        Median leverage (x), > 1.
    sigma : float
        Standard deviation of natural-log leverage, > 0 (0.9: the middle 68 % spans
        median / 2.5 .. median * 2.5).
    min_leverage, max_leverage : float
        The range (x), ``1 < min_leverage < max_leverage``; ``max_leverage`` must be allowed
        by the bracket of ``EngineParams.position_notional_usd``.
    n_tiers : int
        Number of cells (tiers), 1..200.

    Examples
    --------
    >>> d = LeverageDensity(median=10.0, sigma=0.9, n_tiers=24)
    >>> d.to_mix().n_tiers, round(sum(d.to_mix().weights), 9)
    (24, 1.0)
    """

    median: float = 10.0
    sigma: float = 0.9
    min_leverage: float = 1.5
    max_leverage: float = 125.0
    n_tiers: int = 24

    def __post_init__(self) -> None:
        for name in ("median", "sigma", "min_leverage", "max_leverage"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float | np.number):
                raise InputError(f"LeverageDensity {name}={v!r} is not a number: use e.g. 10")
            object.__setattr__(self, name, float(v))
        if not (math.isfinite(self.median) and self.median > 1):
            raise InputError(f"median leverage {self.median!r} must be > 1: use e.g. 10")
        if not (math.isfinite(self.sigma) and self.sigma > 0):
            raise InputError(f"leverage sigma {self.sigma!r} must be > 0: use e.g. 0.9")
        if not (
            math.isfinite(self.min_leverage)
            and math.isfinite(self.max_leverage)
            and 1 < self.min_leverage < self.max_leverage
        ):
            raise InputError(
                f"leverage range {self.min_leverage!r}..{self.max_leverage!r} is not "
                "1 < min_leverage < max_leverage: use e.g. 1.5..125"
            )
        n = self.n_tiers
        if (
            isinstance(n, bool)
            or not isinstance(n, int | np.integer)
            or not 1 <= n <= MAX_DENSITY_TIERS
        ):
            raise InputError(
                f"n_tiers={n!r} must be an integer in 1..{MAX_DENSITY_TIERS}: use e.g. 24"
            )
        if self.weights().sum() <= 0:
            raise InputError(
                f"LeverageDensity(median={self.median:g}, sigma={self.sigma:g}) puts no mass in "
                f"{self.min_leverage:g}..{self.max_leverage:g}x: move the median into the range"
            )

    def cell_edges(self) -> np.ndarray:
        """Leverage edges of the cells (x), shape (n_tiers + 1,), equal steps in log leverage."""
        return np.geomspace(self.min_leverage, self.max_leverage, int(self.n_tiers) + 1)

    def weights(self) -> np.ndarray:
        """Share of USD in each cell, summing to 1 (0 everywhere if the range holds no mass)."""
        z = (np.log(self.cell_edges()) - math.log(self.median)) / self.sigma
        from scipy.special import ndtr  # late: keeps importing the estimate stage light

        cdf = ndtr(z)
        w = np.diff(cdf)
        total = w.sum()
        return w / total if total > 1e-300 else np.zeros_like(w)

    def to_mix(self) -> LeverageMix:
        """The cells as a :class:`LeverageMix`: one tier per cell at its geometric centre."""
        e = self.cell_edges()
        w = self.weights()
        w = w / math.fsum(w)
        return LeverageMix(tuple(np.sqrt(e[:-1] * e[1:])), tuple(w))


DEFAULT_MIXES: dict[str, LeverageMix] = {
    "BTCUSDT": LeverageMix(),
    "ETHUSDT": LeverageMix(),
    "DOGEUSDT": LeverageMix((5.0, 10.0, 20.0, 50.0, 75.0), (0.15, 0.30, 0.25, 0.20, 0.10)),
}
"""Default leverage mixes: an explicit, documented assumption (no exchange publishes it)."""


#: Brackets used for a market that names no symbol (a synthetic random walk imitates BTC).
DEFAULT_BRACKET_SYMBOL = "BTCUSDT"


def default_mix(symbol: str) -> LeverageMix:
    """The default mix of ``symbol`` (a conservative 2x-20x mix for unknown symbols).

    Parameters
    ----------
    symbol : str
        Binance USD-M symbol, e.g. ``"BTCUSDT"``.

    Returns
    -------
    LeverageMix
        Leverage tiers (x) and the share of USD in each.

    Examples
    --------
    >>> default_mix("DOGEUSDT").leverages[-1]
    75.0
    """
    return DEFAULT_MIXES.get(
        real_symbol(symbol), LeverageMix((2.0, 3.0, 5.0, 10.0, 20.0), (0.1, 0.2, 0.3, 0.25, 0.15))
    )


@dataclass(frozen=True, eq=False)
class EngineParams:
    """Parameters of one heatmap estimate. Units: USD, candles (of the market's interval).

    Parameters
    ----------
    mix : LeverageMix or LeverageDensity, optional
        Leverage tiers and their weights, or a continuous distribution (cut into tiers);
        None takes the model's default (:func:`default_mix` of ``symbol`` for "oi-flow",
        "volume" and "fixed-offset"). For "oi-flow" and "volume" the weights are shares of
        newly *opened* USD; for "turnover" they are shares of the *open interest* (the live
        stock, what public leverage statistics report).
    n_bins : int
        Number of price bins of the default grid (ignored when ``price_edges`` is given).
    max_columns : int
        At most this many time columns in the output; each column is the state at the end of
        its block of candles.
    grid : {"log", "linear"}
        Spacing of the default grid.
    price_edges : tuple of float, optional
        Bin edges (USD/coin), increasing, covering every candle's low and high (trade and mark).
    fade_half_life_candles : float or tuple of float, optional
        Half-life (candles) after which a level keeps half its USD, one value or one per tier;
        None = no fading (the "volume" model then fades with a 1,440-candle half-life).
    calibrate : bool
        Rescale the inventory after every candle so it sums to the open interest (USD at the
        close): per side to its ratio-implied share with ``split="ratio"``, otherwise with one
        factor for both sides (the model's own long/short proportion is kept).
    split : {"taker", "ratio", "even"}
        How opened USD is split between longs and shorts: by the candle's taker buy share of
        quote volume, by the long/short ratio column ``ratio_column`` (long share r/(1+r)), or
        50/50. Missing values fall back to 50/50.
    ratio_column : str
        The long/short ratio column used with ``split="ratio"``.
    position_notional_usd : float
        Representative position size (USD) that picks the maintenance-margin bracket of every
        modelled position (LP = k * entry, with k from that bracket).
    symbol : str, optional
        Symbol whose bracket table and default mix are used. None (the default) takes the
        market's own (``market.attrs["symbol"]``, read by ``lq.estimate_heatmap``); a market
        without one (a synthetic walk) uses :data:`DEFAULT_BRACKET_SYMBOL`'s, and the heatmap's
        ``source["brackets"]`` says so.
    brackets : BracketTable, optional
        A bracket table of your own (e.g. ``lq.load_leverage_brackets(...)``); its ``venue``
        picks the liquidation formula and must match ``venue``.
    brackets_as_of : str, optional
        ISO date (UTC) choosing among the built-in dated tables; None = the latest.
    venue : {"binance", "bybit", "okx"}, optional
        Whose margin tiers and liquidation formula place the levels
        (:func:`liqlib.estimate.venue_tiers.get_tier_table`). None (the default) takes the
        market's own (``market.attrs["venue"]``, read by ``lq.estimate_heatmap``), else
        "binance".
    per_tier : bool
        Also return the USD per tier (memory: columns x tiers x bins per side).
    volume_open_fraction : float
        "volume" model only: fraction of each candle's quote volume (USD) taken as newly opened
        positions.
    flow, liquidation, sweep
        Set by the model (see ``lq.MODELS``): what opens positions ("oi", "volume" or
        "turnover"), which liquidation formula ("binance" or "fixed-offset" = entry *
        (1 -/+ 1/L)), and whether price sweeps levels.
    hold_hours : float
        "turnover" model only: mean holding time (hours) of a 10x position; positions close
        at random with that mean (a constant hazard) and are replaced by fresh ones at the
        candle's prices, so gross opens exceed the net change of open interest.
    hold_leverage_exponent : float
        "turnover" only: the mean holding time at leverage ``L`` is
        ``hold_hours * (10 / L) ** hold_leverage_exponent`` (>= 0; 0 = the same for all).
    leveraged_share : float, optional
        "turnover" only: USD of modelled (liquidatable) positions on *each* side as a share of
        the open interest (> 0). Every contract has a long and a short, so 1.0 means all of
        it; hedged, cross-margined and market-maker positions, and positions closed or topped
        up before their price is reached, are not liquidated at these prices, which a share
        below 1 accounts for (see ``lq.calibrate_leverage_mix``). None (the default): the
        model's level prior (``lq.DEFAULT_LEVEL``) through ``lq.estimate_heatmap``; 1.0 for a
        run of the turnover functions themselves.
    warm_start : bool
        "turnover" only: start from the stationary inventory of positions opened before the
        window (True) instead of an empty book (False).
    oi_timing : {"auto", "open", "close"}
        "turnover" only: whether a row's open interest is the state at the candle's open
        (``lq.load_market``, ``lq.simulate_market``) or after its close (the Coinglass regime
        loader); "auto" reads ``market.attrs["oi_timing"]`` and defaults to "open".
    intrabar_exposure : float
        "turnover" only: share (0..1) of a candle's new positions opened before the candle's
        extremes, hence exposed to its own sweep (the order of high and low inside a candle
        is unknown; 0.5 = half).
    mix_basis : {"stock", "opened"}
        "turnover" only: whether ``mix`` gives shares of the open interest ("stock", the
        default) or of newly opened USD ("opened", as for "oi-flow" and as a simulator is
        configured); "opened" shares are turned into stock shares by each tier's expected
        lifetime (closes and liquidations, see :mod:`liqlib.estimate.turnover`).
    turnover_activity : {"volume", "flat"}
        "turnover" only: "volume" scales each candle's hazard of closes (and so the USD
        reopened at its prices) by its traded volume relative to the trailing mean, so the
        prices where most was traded hold the most new positions; a market without volume
        falls back to "flat" (the same hazard in every candle).
    entry_profile : {"range", "path"}
        "turnover" only: "range" spreads a candle's new positions uniformly over its low-high
        range; "path" over the part of it where the OHLC path spends its time (a uniform
        with the mean and spread of the path open-low-high-close or open-high-low-close).
    grid_reach : float, optional
        "turnover" only: the default grid reaches this far (fraction of price) beyond the
        candles' low and high; liquidation prices farther out are kept, and counted, as
        each side's overflow (``Heatmap.overflow_*_usd``). The default, 0.5, keeps the bins
        where the density lives (the margin mixture reaches 1.1x, 91 % below the price: a grid
        that far makes bins near the price 2.4x coarser at the same count). None: as far as
        the leverage range.

    Examples
    --------
    >>> EngineParams(n_bins=200, max_columns=50).n_bins
    200
    """

    mix: LeverageMix | None = None
    n_bins: int = 1000
    max_columns: int = 1000
    grid: str = "log"
    price_edges: tuple[float, ...] | None = None
    fade_half_life_candles: float | tuple[float, ...] | None = None
    calibrate: bool = False
    split: str = "taker"
    ratio_column: str = TOPTRADER_LS_POSITION
    position_notional_usd: float = 10_000.0
    symbol: str | None = None
    brackets: BracketTable | None = None
    brackets_as_of: str | None = None
    venue: str | None = None
    per_tier: bool = False
    volume_open_fraction: float = 0.05
    flow: str = "oi"
    liquidation: str = "binance"
    sweep: bool = True
    hold_hours: float = 24.0
    hold_leverage_exponent: float = 0.5
    leveraged_share: float | None = None
    warm_start: bool = True
    oi_timing: str = "auto"
    intrabar_exposure: float = 0.5
    mix_basis: str = "stock"
    turnover_activity: str = "volume"
    entry_profile: str = "range"
    grid_reach: float | None = 0.5
    _k: np.ndarray = field(default=None, init=False, repr=False)
    _table: BracketTable = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.symbol is not None:
            if not isinstance(self.symbol, str) or not self.symbol.strip():
                raise InputError(
                    f"symbol must be a string such as 'BTCUSDT' (or None for the market's own), "
                    f"not {self.symbol!r}"
                )
            object.__setattr__(self, "symbol", self.symbol.strip().upper())
        if self.venue is not None:
            v = self.venue.strip().lower() if isinstance(self.venue, str) else self.venue
            if v not in FORMULAS:
                raise InputError(
                    f"venue {self.venue!r} is unknown: use one of {list(FORMULAS)} (or None for "
                    "the market's own)"
                )
            object.__setattr__(self, "venue", v)
        if self.brackets is not None and isinstance(self.brackets, BracketTable):
            if self.brackets.venue != self.bracket_venue:
                raise InputError(
                    f"brackets are {self.brackets.venue}'s but venue is {self.bracket_venue!r}: "
                    f"pass the {self.bracket_venue} table, or venue={self.brackets.venue!r}"
                )
        for name in ("calibrate", "per_tier", "sweep"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise InputError(f"{name} must be True or False, not {getattr(self, name)!r}")
        if isinstance(self.n_bins, bool) or isinstance(self.max_columns, bool):
            raise InputError("n_bins and max_columns must be integers, not True/False: e.g. 1000")
        if not isinstance(self.n_bins, int | np.integer) or self.n_bins < 1:
            raise InputError(f"n_bins {self.n_bins!r} is not a positive integer: use e.g. 1000")
        if not isinstance(self.max_columns, int | np.integer) or self.max_columns < 1:
            raise InputError(
                f"max_columns {self.max_columns!r} is not a positive integer: use e.g. 1000"
            )
        for name, value, allowed in (
            ("grid", self.grid, GRIDS),
            ("split", self.split, SPLITS),
            ("flow", self.flow, FLOWS),
            ("liquidation", self.liquidation, LIQUIDATIONS),
            ("oi_timing", self.oi_timing, OI_TIMINGS),
            ("mix_basis", self.mix_basis, MIX_BASES),
            ("turnover_activity", self.turnover_activity, TURNOVER_ACTIVITIES),
            ("entry_profile", self.entry_profile, ENTRY_PROFILES),
        ):
            if value not in allowed:
                raise InputError(f"{name} {value!r} is unknown: use one of {list(allowed)}")
        n = self.position_notional_usd
        if isinstance(n, bool) or not isinstance(n, int | float) or not math.isfinite(n) or n <= 0:
            raise InputError(
                f"position_notional_usd {n!r} is not a positive number: use e.g. 10000"
            )
        f = self.volume_open_fraction
        if not isinstance(f, int | float) or not math.isfinite(f) or f < 0:
            raise InputError(f"volume_open_fraction {f!r} must be a number >= 0: use e.g. 0.05")
        for name, lo, hi, example in (
            ("hold_hours", 0.0, math.inf, "24"),
            ("hold_leverage_exponent", None, math.inf, "0.5"),
            ("leveraged_share", 0.0, math.inf, "1.0"),
            ("intrabar_exposure", None, 1.0, "0.5"),
        ):
            v = getattr(self, name)
            if v is None and name == "leveraged_share":
                continue  # the model's level prior
            ok = isinstance(v, int | float | np.number) and not isinstance(v, bool)
            ok = ok and math.isfinite(v) and (v > lo if lo is not None else v >= 0) and v <= hi
            if not ok:
                rng = f"> {lo:g}" if lo is not None else ">= 0"
                rng += f" and <= {hi:g}" if math.isfinite(hi) else ""
                raise InputError(f"{name}={v!r} must be a number {rng}: use e.g. {example}")
        r = self.grid_reach
        if r is not None and (
            isinstance(r, bool)
            or not isinstance(r, int | float | np.number)
            or not (math.isfinite(r) and 0 < r < 1)
        ):
            raise InputError(f"grid_reach={r!r} must be a fraction in (0, 1) or None: e.g. 0.5")
        if not isinstance(self.warm_start, bool | np.bool_):
            raise InputError(f"warm_start={self.warm_start!r} must be True or False")
        if self.price_edges is not None:
            edges = np.asarray(self.price_edges, dtype=float)
            if (
                edges.ndim != 1
                or edges.size < 2
                or not np.all(np.isfinite(edges))
                or edges[0] <= 0
                or np.any(np.diff(edges) <= 0)
            ):
                raise InputError(
                    "price_edges must be >= 2 finite, positive, strictly increasing prices: "
                    "fix the edges or leave price_edges=None for the default grid"
                )
            object.__setattr__(self, "price_edges", tuple(float(e) for e in edges))
        if self.mix is not None and not isinstance(self.mix, LeverageMix | LeverageDensity):
            raise InputError(
                f"mix must be a LeverageMix or a LeverageDensity, got {type(self.mix).__name__}: "
                "use LeverageMix(leverages=..., weights=...) or LeverageDensity(median=10)"
            )
        mix = self.resolved_mix()
        hl = self.fade_half_life_candles
        if hl is not None:
            hls = (hl,) * mix.n_tiers if np.ndim(hl) == 0 else tuple(hl)
            if len(hls) != mix.n_tiers or any(
                not isinstance(h, int | float | np.number) or not (h > 0) for h in hls
            ):
                raise InputError(
                    f"fade_half_life_candles must be one number > 0 or {mix.n_tiers} of them "
                    "(one per tier): fix it or use None for no fading"
                )
            object.__setattr__(self, "fade_half_life_candles", tuple(float(h) for h in hls))
        # leverages above the bracket maximum fail here, naming the bracket; "turnover" reads
        # them as effective leverage (up to where the liquidation price meets the entry)
        effective = self.flow == "turnover"
        lp_table = self._resolve_table()
        object.__setattr__(self, "_table", lp_table)
        k = lp_factors(mix.leverages, float(n), brackets=lp_table, effective=effective)
        if isinstance(self.mix, LeverageDensity):  # the cells' ends must be allowed too
            ke = lp_factors(self.mix.cell_edges(), float(n), brackets=lp_table, effective=effective)
            k = np.hstack([k, ke])  # checked below with the tiers'
        if self.liquidation == "fixed-offset":
            lev = np.asarray(mix.leverages)
            k = np.vstack([1.0 - 1.0 / lev, 1.0 + 1.0 / lev])
        if np.any(k[0] <= 0) or np.any(k[0] >= 1) or np.any(k[1] <= 1):
            raise InputError(
                "a tier's liquidation price is not strictly between 0 and its entry: "
                "raise the leverage above 1x or the position_notional_usd, or keep effective "
                "leverage below 1 / MMR of the bracket"
            )
        object.__setattr__(self, "_k", k[:, : mix.n_tiers])

    @property
    def bracket_symbol(self) -> str:
        """The symbol whose brackets and default mix apply: ``symbol``, else
        :data:`DEFAULT_BRACKET_SYMBOL` (a market with no symbol of its own)."""
        return self.symbol or DEFAULT_BRACKET_SYMBOL

    def resolved_mix(self) -> LeverageMix:
        """The mix in use (``mix`` or the symbol's default); a density as its tiers."""
        if isinstance(self.mix, LeverageDensity):
            return self.mix.to_mix()
        return self.mix if self.mix is not None else default_mix(self.bracket_symbol)

    def leverage_cells(self) -> np.ndarray | None:
        """Leverage edges (x) of each tier's cell when ``mix`` is a density, else None."""
        return self.mix.cell_edges() if isinstance(self.mix, LeverageDensity) else None

    def lp_factors(self) -> np.ndarray:
        """LP / entry per side (rows long, short) and tier (columns)."""
        return self._k.copy()

    @property
    def bracket_venue(self) -> str:
        """The venue whose tiers and formula apply: ``venue``, else "binance"."""
        return self.venue or "binance"

    def _resolve_table(self) -> BracketTable:
        from liqlib.estimate.brackets import _resolve_table

        return _resolve_table(
            self.bracket_symbol, self.brackets, self.brackets_as_of, self.bracket_venue
        )

    def bracket_table(self) -> BracketTable:
        """The tier table in use (its ``venue`` says whose tiers and formula)."""
        if self._table is not None:
            return self._table
        return self._resolve_table()

    def fade_factors(self) -> np.ndarray:
        """Per-candle survival factor of each tier (1.0 = no fading)."""
        t = self.resolved_mix().n_tiers
        if self.fade_half_life_candles is None:
            return np.ones(t)
        return 0.5 ** (1.0 / np.asarray(self.fade_half_life_candles, dtype=float))

    def as_dict(self) -> dict:
        """The parameters as a plain dict (for reports)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
