"""Configuration of the estimation engine: frozen dataclasses, validated once.

Example
-------
>>> mix = LeverageMix(leverages=(10, 25, 50), weights=(0.5, 0.3, 0.2))
>>> p = EngineParams(mix=mix, n_bins=500, calibrate=True)
>>> p.resolved_mix().leverages
(10.0, 25.0, 50.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from liqlib.brackets import BracketTable, get_bracket_table, lp_factors, real_symbol
from liqlib.columns import TOPTRADER_LS_POSITION
from liqlib.errors import InputError

__all__ = ["DEFAULT_MIXES", "EngineParams", "LeverageMix", "default_mix"]

GRIDS = ("log", "linear")
SPLITS = ("taker", "ratio", "even")
FLOWS = ("oi", "volume")
LIQUIDATIONS = ("binance", "fixed-offset")


@dataclass(frozen=True)
class LeverageMix:
    """How newly opened positions spread over leverage tiers.

    Parameters
    ----------
    leverages : tuple of float
        One leverage per tier (x), each > 1, distinct.
    weights : tuple of float
        Share of opened USD going to each tier, each >= 0, summing to 1 (within 1e-9).

    Example
    -------
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


DEFAULT_MIXES: dict[str, LeverageMix] = {
    "BTCUSDT": LeverageMix(),
    "ETHUSDT": LeverageMix(),
    "DOGEUSDT": LeverageMix((5.0, 10.0, 20.0, 50.0, 75.0), (0.15, 0.30, 0.25, 0.20, 0.10)),
}
"""Default leverage mixes: an explicit, documented assumption (no exchange publishes it)."""


def default_mix(symbol: str) -> LeverageMix:
    """The default mix of ``symbol`` (a conservative 2x-20x mix for unknown symbols).

    Example
    -------
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
    mix : LeverageMix, optional
        Leverage tiers and their weights; None takes :func:`default_mix` of ``symbol``.
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
    symbol : str
        Symbol whose bracket table and default mix are used.
    brackets : BracketTable, optional
        A bracket table of your own (e.g. ``lq.load_leverage_brackets(...)``).
    brackets_as_of : str, optional
        ISO date (UTC) choosing among the built-in dated tables; None = the latest.
    per_tier : bool
        Also return the USD per tier (memory: columns x tiers x bins per side).
    volume_open_fraction : float
        "volume" model only: fraction of each candle's quote volume (USD) taken as newly opened
        positions.
    flow, liquidation, sweep
        Set by the model (see ``lq.MODELS``): what opens positions ("oi" or "volume"), which
        liquidation formula ("binance" or "fixed-offset" = entry * (1 -/+ 1/L)), and whether
        price sweeps levels.

    Example
    -------
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
    symbol: str = "BTCUSDT"
    brackets: BracketTable | None = None
    brackets_as_of: str | None = None
    per_tier: bool = False
    volume_open_fraction: float = 0.05
    flow: str = "oi"
    liquidation: str = "binance"
    sweep: bool = True
    _k: np.ndarray = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise InputError(f"symbol must be a string such as 'BTCUSDT', not {self.symbol!r}")
        object.__setattr__(self, "symbol", self.symbol.strip().upper())
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
        if self.mix is not None and not isinstance(self.mix, LeverageMix):
            raise InputError(
                f"mix must be a LeverageMix, got {type(self.mix).__name__}: "
                "use LeverageMix(leverages=..., weights=...)"
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
        # leverages above the bracket maximum fail here, naming the bracket
        k = lp_factors(
            mix.leverages,
            float(n),
            symbol=self.symbol,
            as_of=self.brackets_as_of,
            brackets=self.brackets,
        )
        if self.liquidation == "fixed-offset":
            lev = np.asarray(mix.leverages)
            k = np.vstack([1.0 - 1.0 / lev, 1.0 + 1.0 / lev])
        if np.any(k[0] <= 0) or np.any(k[0] >= 1) or np.any(k[1] <= 1):
            raise InputError(
                "a tier's liquidation price is not strictly between 0 and its entry: "
                "raise the leverage above 1x or the position_notional_usd"
            )
        object.__setattr__(self, "_k", k)

    def resolved_mix(self) -> LeverageMix:
        """The mix in use (``mix`` or the symbol's default)."""
        return self.mix if self.mix is not None else default_mix(self.symbol)

    def lp_factors(self) -> np.ndarray:
        """LP / entry per side (rows long, short) and tier (columns)."""
        return self._k.copy()

    def bracket_table(self) -> BracketTable:
        """The bracket table in use."""
        if self.brackets is not None:
            return self.brackets
        return get_bracket_table(self.symbol, self.brackets_as_of)

    def fade_factors(self) -> np.ndarray:
        """Per-candle survival factor of each tier (1.0 = no fading)."""
        t = self.resolved_mix().n_tiers
        if self.fade_half_life_candles is None:
            return np.ones(t)
        return 0.5 ** (1.0 / np.asarray(self.fade_half_life_candles, dtype=float))

    def as_dict(self) -> dict:
        """The parameters as a plain dict (for reports)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
