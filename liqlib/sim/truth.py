"""What a simulated market really held: the ground truth a heatmap estimate is scored against.

A :class:`MarketTruth` comes with every market :func:`liqlib.sim.market.simulate_market` makes. It
holds, at regular snapshots, the USD notional of every live position binned by its exact
liquidation price (per side and leverage bucket), and, for every candle, the USD notional the
simulator really liquidated. Everything in it is **SIMULATED**.

Units: prices in USD/coin, amounts in USD notional (quantity x liquidation price for
liquidations, quantity x mark price at the snapshot for live positions), times in UTC.

Examples
--------
>>> import numpy as np, pandas as pd
>>> t = MarketTruth(
...     times=pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC", name="time"),
...     price=np.array([100.0, 101.0]),
...     price_edges=np.geomspace(50, 200, 5),
...     leverage_edges=np.array([1.0, 10.0, 150.0]),
...     long_usd=np.zeros((2, 2, 4)),
...     short_usd=np.zeros((2, 2, 4)),
...     liquidations=pd.DataFrame(
...         {"long_usd": [0.0], "short_usd": [0.0]},
...         index=pd.DatetimeIndex(["2025-01-01"], tz="UTC", name="time"),
...     ),
... )
>>> t.tier_labels
('1-10x', '10-150x')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlib.data.time import interval_arg
from liqlib.errors import InputError

__all__ = ["DEFAULT_LEVERAGE_EDGES", "MarketTruth"]

#: Leverage buckets (x) in which the truth is reported: each common discrete tier (2, 5, 10,
#: 25, 50, 100/125x) falls in a bucket of its own.
DEFAULT_LEVERAGE_EDGES = (1.0, 3.0, 7.0, 15.0, 35.0, 75.0, 150.0)

LIQUIDATION_COLUMNS = ("long_usd", "short_usd")


@dataclass(frozen=True, eq=False)
class MarketTruth:
    """The real state of a simulated market.

    Attributes
    ----------
    times : pandas.DatetimeIndex, shape (S,)
        Snapshot times (UTC): the open time of the candle after whose close the snapshot
        was taken (the same convention as :attr:`liqlib.estimate.heatmap.Heatmap.times`).
    price : numpy.ndarray, shape (S,)
        Mark close (USD/coin) of that candle.
    price_edges : numpy.ndarray, shape (B+1,)
        Liquidation-price bin edges (USD/coin), strictly increasing.
    leverage_edges : numpy.ndarray, shape (T+1,)
        Leverage bucket edges (x); bucket ``t`` holds leverages in ``[edges[t], edges[t+1])``
        (the last bucket includes its upper edge).
    long_usd, short_usd : numpy.ndarray, shape (S, T, B)
        USD notional (quantity x mark price at the snapshot) of live long / short positions
        whose liquidation price lies in each bin, per leverage bucket. Positions whose
        liquidation price falls outside the grid are counted in ``overflow_*``.
    liquidations : pandas.DataFrame
        One row per candle (UTC index named ``time``): ``long_usd`` and ``short_usd``, the
        USD notional liquidated in that candle (quantity x liquidation price), and optionally
        ``long_count`` / ``short_count``.
    overflow_long_usd, overflow_short_usd : numpy.ndarray, shape (S,)
        USD of live positions whose liquidation price lies outside ``price_edges``.
    attrs : dict
        Provenance: ``synthetic`` (always True), ``source``, ``symbol``, ``seed`` and the
        simulator's configuration.
    """

    times: pd.DatetimeIndex
    price: np.ndarray
    price_edges: np.ndarray
    leverage_edges: np.ndarray
    long_usd: np.ndarray
    short_usd: np.ndarray
    liquidations: pd.DataFrame
    overflow_long_usd: np.ndarray | None = None
    overflow_short_usd: np.ndarray | None = None
    attrs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = len(self.times)
        nt = len(self.leverage_edges) - 1
        nb = len(self.price_edges) - 1
        if not isinstance(self.times, pd.DatetimeIndex) or self.times.tz is None:
            raise InputError("truth times must be a UTC DatetimeIndex: build it with tz='UTC'")
        for name in ("long_usd", "short_usd"):
            arr = getattr(self, name)
            if np.shape(arr) != (s, nt, nb):
                raise InputError(
                    f"truth {name} has shape {np.shape(arr)}, expected (snapshots, tiers, bins)"
                    f" = {(s, nt, nb)}: build it on the truth's own grids"
                )
        if np.shape(self.price) != (s,):
            raise InputError(f"truth price has shape {np.shape(self.price)}, expected ({s},)")
        missing = [c for c in LIQUIDATION_COLUMNS if c not in self.liquidations.columns]
        if missing:
            raise InputError(
                f"truth liquidations lack column {missing[0]!r}: give long_usd and short_usd"
            )
        for name in ("overflow_long_usd", "overflow_short_usd"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(s))

    @property
    def tier_labels(self) -> tuple[str, ...]:
        """One label per leverage bucket, e.g. ``'7-15x'``."""
        e = self.leverage_edges
        return tuple(f"{e[i]:g}-{e[i + 1]:g}x" for i in range(len(e) - 1))

    @property
    def bin_centers(self) -> np.ndarray:
        """Geometric bin centres (USD/coin)."""
        e = np.asarray(self.price_edges, dtype=float)
        return np.sqrt(e[:-1] * e[1:])

    def side_usd(self, side: str) -> np.ndarray:
        """USD per snapshot and price bin of ``side`` ("long" or "short"), summed over tiers."""
        if side not in ("long", "short"):
            raise InputError(f"side {side!r} is unknown: use 'long' or 'short'")
        return (self.long_usd if side == "long" else self.short_usd).sum(axis=1)

    def totals(self) -> pd.DataFrame:
        """USD of live positions per side at each snapshot (grid plus overflow)."""
        return pd.DataFrame(
            {
                "long_usd": self.long_usd.sum(axis=(1, 2)) + self.overflow_long_usd,
                "short_usd": self.short_usd.sum(axis=(1, 2)) + self.overflow_short_usd,
            },
            index=self.times,
        )

    def realized(
        self, interval: str | pd.Timedelta | None = None, *, bar: str | pd.Timedelta | None = None
    ) -> pd.DataFrame:
        """Realized liquidations (USD) per candle, or summed into bars of ``interval`` ("1h").

        ``bar=`` is the deprecated old name of ``interval=`` (warns; goes in liqlib 0.3).
        """
        td = interval_arg(interval, bar, where="MarketTruth.realized")
        liq = self.liquidations[list(LIQUIDATION_COLUMNS)]
        if td is None:
            return liq
        return liq.resample(td, label="left", closed="left").sum()

    def to_xarray(self):
        """The truth as an :class:`xarray.Dataset`, shaped like
        :meth:`liqlib.estimate.heatmap.Heatmap.to_xarray` so the two line up with ``.sel``.

        Returns
        -------
        xarray.Dataset
            Dims ``side`` (``"long"``, ``"short"``) x ``time`` x ``tier`` x ``price``:

            - ``usd_by_tier`` (side, time, tier, price): USD of live positions whose
              liquidation price lies in the bin, per leverage bucket (SIMULATED);
            - ``usd`` (side, time, price): the same summed over buckets;
            - ``overflow_usd`` (side, time): USD whose liquidation price is off the grid;
            - ``close`` (time): mark close at each snapshot (USD/coin);
            - ``liquidated_usd`` (side, candle): USD really liquidated per candle.

            Coordinates: ``time`` and ``candle`` (UTC, stored timezone-naive, netCDF-safe),
            ``price`` (geometric bin centre, USD/coin) with ``price_lower`` / ``price_upper``,
            ``tier`` (bucket label) with ``leverage_lower`` / ``leverage_upper`` (x).
            ``attrs["synthetic"]`` is 1: everything in a truth is simulated.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> t = MarketTruth(
        ...     times=pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC"),
        ...     price=np.array([100.0, 101.0]),
        ...     price_edges=np.geomspace(50, 200, 5),
        ...     leverage_edges=np.array([1.0, 10.0, 150.0]),
        ...     long_usd=np.ones((2, 2, 4)),
        ...     short_usd=np.zeros((2, 2, 4)),
        ...     liquidations=pd.DataFrame(
        ...         {"long_usd": [0.0], "short_usd": [0.0]},
        ...         index=pd.DatetimeIndex(["2025-01-01"], tz="UTC", name="time"),
        ...     ),
        ... )
        >>> ds = t.to_xarray()
        >>> dict(ds["usd_by_tier"].sizes)
        {'side': 2, 'time': 2, 'tier': 2, 'price': 4}
        >>> float(ds["usd"].sel(side="long").sum())
        16.0
        """
        import xarray as xr  # late: xarray is only needed here

        e = np.asarray(self.price_edges, dtype=float)
        le = np.asarray(self.leverage_edges, dtype=float)
        by_tier = np.stack([self.long_usd, self.short_usd])
        usd_attrs = {"units": "USD", "long_name": "USD whose liquidation price is in the bin"}
        liq = self.liquidations
        candle = pd.DatetimeIndex(liq.index).tz_convert("UTC").tz_localize(None)
        coords = {
            "side": ["long", "short"],
            "time": (
                "time",
                self.times.tz_convert("UTC").tz_localize(None),
                {"time_zone": "UTC", "long_name": "snapshot (UTC)"},
            ),
            "candle": ("candle", candle, {"time_zone": "UTC", "long_name": "candle open (UTC)"}),
            "price": ("price", self.bin_centers, {"units": "USD/coin", "long_name": "bin centre"}),
            "price_lower": ("price", e[:-1], {"units": "USD/coin"}),
            "price_upper": ("price", e[1:], {"units": "USD/coin"}),
            "tier": ("tier", list(self.tier_labels)),
            "leverage_lower": ("tier", le[:-1], {"units": "x (leverage)"}),
            "leverage_upper": ("tier", le[1:], {"units": "x (leverage)"}),
        }
        data = {
            "usd_by_tier": (("side", "time", "tier", "price"), by_tier, usd_attrs),
            "usd": (("side", "time", "price"), by_tier.sum(axis=2), usd_attrs),
            "overflow_usd": (
                ("side", "time"),
                np.stack([self.overflow_long_usd, self.overflow_short_usd]),
                {"units": "USD", "long_name": "USD whose liquidation price is off the grid"},
            ),
            "close": ("time", np.asarray(self.price, dtype=float), {"units": "USD/coin"}),
            "liquidated_usd": (
                ("side", "candle"),
                np.stack([liq["long_usd"].to_numpy(float), liq["short_usd"].to_numpy(float)]),
                {"units": "USD", "long_name": "USD liquidated in the candle (SIMULATED)"},
            ),
        }
        attrs = {
            "title": "liqlib simulated market truth (SIMULATED)",
            "time_zone": "UTC",
            "synthetic": 1,
        }
        for key, value in self.attrs.items():
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                attrs[key] = value
            elif isinstance(value, bool):
                attrs[key] = int(value)
        attrs["synthetic"] = 1
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def __repr__(self) -> str:
        n = len(self.times)
        span = (
            f"{self.times[0]:%Y-%m-%d %H:%M} .. {self.times[-1]:%Y-%m-%d %H:%M} UTC" if n else "-"
        )
        return (
            f"<MarketTruth SIMULATED {self.attrs.get('symbol', '')}: {n} snapshots ({span}), "
            f"{len(self.price_edges) - 1} price bins, tiers {', '.join(self.tier_labels)}, "
            f"{len(self.liquidations)} candles>"
        ).replace("SIMULATED : ", "SIMULATED: ")
