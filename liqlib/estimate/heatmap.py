"""The result type of every model: :class:`Heatmap` (time x price USD per side, flows,
predicted liquidations), and :func:`build_heatmap` that wraps a kernel's outputs into one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlib.data.time import to_utc
from liqlib.errors import InputError, LiqlibError
from liqlib.estimate.config import EngineParams
from liqlib.estimate.inputs import FLOW_NAMES, SIDE_NAMES, EngineInputs, EngineOutputs


@dataclass(frozen=True, eq=False)
class Heatmap:
    """An estimated liquidation heatmap.

    Attributes
    ----------
    times : pandas.DatetimeIndex
        One per column (UTC): the open time of the column's last candle; the column is the
        inventory after that candle closed.
    price_edges : numpy.ndarray, shape (B+1,)
        Bin edges (USD/coin).
    long_usd, short_usd : numpy.ndarray, shape (columns, B)
        USD of long / short positions whose liquidation price lies in each bin.
    long_usd_by_tier, short_usd_by_tier : numpy.ndarray (columns, tiers, B) or None
        The same per leverage tier, when ``per_tier=True``.
    overflow_long_usd, overflow_short_usd : numpy.ndarray, shape (columns,)
        USD whose liquidation price falls outside the grid (kept so USD is conserved).
    price : numpy.ndarray, shape (columns,)
        Trade close (USD/coin) of each column's last candle.
    predicted_long_usd, predicted_short_usd : pandas.Series
        The model's predicted liquidations per candle (USD), indexed by candle time.
    flows : pandas.DataFrame
        Per candle and side, USD liquidated, opened, closed, faded and added by calibration
        (columns ``liquidated_long_usd`` ...): opened - closed - liquidated - faded +
        calibrated = what remains.
    leverages : tuple of float
        The tiers' leverages.
    model : str
        Name of the model (``lq.MODELS``).
    params : EngineParams
        Every parameter used.
    source : dict
        What the market frame said of its data (``symbol``, ``interval``, ``source``,
        ``synthetic``, ``start``, ``end``, ``archive_url``), so figures can name it.
    """

    times: pd.DatetimeIndex
    price_edges: np.ndarray
    long_usd: np.ndarray
    short_usd: np.ndarray
    overflow_long_usd: np.ndarray
    overflow_short_usd: np.ndarray
    price: np.ndarray
    predicted_long_usd: pd.Series
    predicted_short_usd: pd.Series
    flows: pd.DataFrame
    leverages: tuple[float, ...]
    model: str
    params: EngineParams
    long_usd_by_tier: np.ndarray | None = None
    short_usd_by_tier: np.ndarray | None = None
    source: dict = field(default_factory=dict)
    #: venue -> that venue's own Heatmap, when this one sums several venues (else empty)
    venues: dict = field(default_factory=dict)

    @property
    def bin_centers(self) -> np.ndarray:
        """Bin centres (USD/coin): geometric when the edges are evenly spaced in log price
        (the default grid, or a venue summed on another venue's log grid), else arithmetic."""
        from liqlib.estimate.book import is_log_grid

        e = self.price_edges
        if is_log_grid(np.asarray(e, dtype=float)):
            return np.sqrt(e[:-1] * e[1:])
        return 0.5 * (e[:-1] + e[1:])

    def column_at(self, at) -> int:
        """Index of the last column at or before ``at`` (str or Timestamp, UTC)."""
        ts = to_utc(at, "at")
        j = int(self.times.searchsorted(ts, side="right")) - 1
        if j < 0:
            raise InputError(
                f"at={ts} precedes the heatmap, which starts {self.times[0]}: choose a later time"
            )
        candles = self.predicted_long_usd.index
        step = candles[-1] - candles[-2] if len(candles) > 1 else pd.Timedelta(0)
        if ts >= candles[-1] + step and step > pd.Timedelta(0):
            raise InputError(
                f"at={ts} is after the heatmap's data, which ends {candles[-1] + step}: choose "
                "an earlier time, or estimate a market that reaches it"
            )
        return j

    def liquidation_map(self, at=None) -> pd.DataFrame:
        """The 1-D liquidation profile at one time.

        Parameters
        ----------
        at : str or pandas.Timestamp, optional
            Time (UTC); the last column at or before it is used. None = the last column.

        Returns
        -------
        pandas.DataFrame
            Indexed by bin centre (``price``, USD/coin), columns ``long_usd``, ``short_usd``,
            ``cum_long_usd`` (long USD liquidated if price falls to that level: cumulative
            from the current price downwards, 0 above it) and ``cum_short_usd`` (from the
            current price upwards, 0 below it). ``attrs["price"]`` is the current price.

        Examples
        --------
        >>> import liqlib as lq
        >>> hm = lq.estimate_heatmap(lq.make_synthetic_market(500), n_bins=100)
        >>> list(hm.liquidation_map().columns)
        ['long_usd', 'short_usd', 'cum_long_usd', 'cum_short_usd']
        """
        j = len(self.times) - 1 if at is None else self.column_at(at)
        px = float(self.price[j])
        centers = self.bin_centers
        below = centers < px
        above = centers > px
        lg = np.where(below, self.long_usd[j], 0.0)
        sh = np.where(above, self.short_usd[j], 0.0)
        cum_long = np.where(below, lg[::-1].cumsum()[::-1], 0.0)
        cum_short = np.where(above, sh.cumsum(), 0.0)
        df = pd.DataFrame(
            {
                "long_usd": self.long_usd[j],
                "short_usd": self.short_usd[j],
                "cum_long_usd": cum_long,
                "cum_short_usd": cum_short,
            },
            index=pd.Index(centers, name="price"),
        )
        df.attrs["price"] = px
        df.attrs["time"] = self.times[j]
        return df

    def to_xarray(self):
        """The heatmap as an :class:`xarray.Dataset`, to ``.sel``, resample and save.

        Returns
        -------
        xarray.Dataset
            Dims ``side`` (``"long"``, ``"short"``) x ``time`` x ``price`` [x ``tier``]:

            - ``usd`` (side, time, price): USD whose liquidation price lies in the bin;
            - ``usd_by_tier`` (side, time, tier, price), when estimated with ``per_tier=True``;
            - ``overflow_usd`` (side, time): USD whose liquidation price is off the grid;
            - ``close`` (time): trade close of each column's last candle (USD/coin);
            - ``usd_by_venue`` (venue, side, time, price), when the heatmap sums venues.

            Coordinates: ``time`` (UTC, stored timezone-naive: ``attrs["time_zone"]`` says
            UTC), ``price`` (bin centre, USD/coin) with ``price_lower`` / ``price_upper`` (bin
            edges), ``tier`` (leverage, x). Attributes are netCDF-safe (str, int, float):
            model, units, bracket symbol and the data source (``synthetic`` is 1 for
            SYNTHETIC data).

        Examples
        --------
        >>> import liqlib as lq
        >>> hm = lq.estimate_heatmap(lq.make_synthetic_market(500), n_bins=50, max_columns=20)
        >>> ds = hm.to_xarray()
        >>> dict(ds["usd"].sizes)
        {'side': 2, 'time': 20, 'price': 50}
        """
        import xarray as xr  # late: xarray is only needed here

        time = self.times.tz_convert("UTC").tz_localize(None)
        coords = {
            "side": list(SIDE_NAMES),
            "time": ("time", time, {"time_zone": "UTC", "long_name": "column end (UTC)"}),
            "price": ("price", self.bin_centers, {"units": "USD/coin", "long_name": "bin centre"}),
            "price_lower": ("price", self.price_edges[:-1], {"units": "USD/coin"}),
            "price_upper": ("price", self.price_edges[1:], {"units": "USD/coin"}),
        }
        usd_attrs = {"units": "USD", "long_name": "USD whose liquidation price is in the bin"}
        data = {
            "usd": (
                ("side", "time", "price"),
                np.stack([self.long_usd, self.short_usd]),
                usd_attrs,
            ),
            "overflow_usd": (
                ("side", "time"),
                np.stack([self.overflow_long_usd, self.overflow_short_usd]),
                {"units": "USD", "long_name": "USD whose liquidation price is off the grid"},
            ),
            "close": ("time", np.asarray(self.price, dtype=float), {"units": "USD/coin"}),
        }
        if self.long_usd_by_tier is not None and self.short_usd_by_tier is not None:
            coords["tier"] = ("tier", np.asarray(self.leverages), {"units": "x (leverage)"})
            data["usd_by_tier"] = (
                ("side", "time", "tier", "price"),
                np.stack([self.long_usd_by_tier, self.short_usd_by_tier]),
                usd_attrs,
            )
        if self.venues:
            coords["venue"] = list(self.venues)
            data["usd_by_venue"] = (
                ("venue", "side", "time", "price"),
                np.stack([np.stack([h.long_usd, h.short_usd]) for h in self.venues.values()]),
                usd_attrs,
            )
        attrs = {
            "title": "liqlib estimated liquidation heatmap",
            "model": self.model,
            "bracket_symbol": self.params.bracket_symbol,
            "bracket_venue": self.params.bracket_venue,
            "brackets": self.brackets_note,
            "calibrated": int(self.params.calibrate),
            "time_zone": "UTC",
            "synthetic": int(bool(self.source.get("synthetic", False))),
        }
        for key in ("symbol", "interval", "source", "start", "end", "archive_url"):
            if self.source.get(key) is not None:
                attrs[f"data_{key}"] = str(self.source[key])
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def _summary(self) -> list[tuple[str, str]]:
        """(label, value) rows shared by ``repr`` and the notebook's HTML view."""
        label = self.source.get("symbol") or self.params.symbol
        if self.source.get("synthetic") and not any(
            w in str(label).upper() for w in ("SIM", "SYNTHETIC")
        ):
            label = f"{label} (synthetic)"
        e = self.price_edges
        lev = self.leverages
        n = len(self.times)
        span = (
            f"{self.times[0]:%Y-%m-%d %H:%M} .. {self.times[-1]:%Y-%m-%d %H:%M} UTC" if n else "-"
        )
        long_now = float(self.long_usd[-1].sum() + self.overflow_long_usd[-1]) if n else 0.0
        short_now = float(self.short_usd[-1].sum() + self.overflow_short_usd[-1]) if n else 0.0
        return [
            ("model", self.model),
            ("market", str(label)),
            ("columns", f"{n} ({span})"),
            (
                "price bins",
                f"{len(e) - 1} ({e[0]:,.2f} .. {e[-1]:,.2f} USD/coin, {self.params.grid})",
            ),
            ("tiers", f"{len(lev)} ({min(lev):.3g}-{max(lev):.3g}x)" if lev else "-"),
            ("last column", f"long {long_now:,.0f} USD, short {short_now:,.0f} USD"),
        ]

    def __repr__(self) -> str:
        rows = self._summary()
        return "<Heatmap " + "; ".join(f"{k}: {v}" for k, v in rows) + ">"

    def _repr_html_(self) -> str:
        import html

        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self._summary()
        )
        return f"<div><b>liqlib Heatmap</b><table>{body}</table></div>"

    @property
    def brackets_note(self) -> str:
        """Which venue's maintenance-margin table placed the levels, its date and its source.

        Examples
        --------
        >>> import liqlib as lq
        >>> hm = lq.estimate_heatmap(lq.make_synthetic_market(200), "oi-flow", n_bins=20)
        >>> hm.brackets_note.split(" (")[0]
        'BTCUSDT brackets in force 2025-08-19/'
        """
        if self.venues:  # a heatmap summed over venues: each venue's own table
            return " | ".join(f"{name}: {hm.brackets_note}" for name, hm in self.venues.items())
        try:
            table = self.params.bracket_table()
        except LiqlibError:  # a custom table that no longer resolves: say what we know
            return f"{self.params.bracket_symbol} brackets"
        origin = table.source.split(" (")[0].split(":")[0][:60] if table.source else "user table"
        own = self.params.symbol is not None
        if table.venue == "binance":
            note = f"{table.symbol} brackets in force {table.in_force} ({origin})"
        else:
            names = {"bybit": "Bybit risk limits", "okx": "OKX position tiers"}
            note = f"{names[table.venue]} of {table.symbol} in force {table.in_force} ({origin})"
            if "converted to USD" in table.note:
                note += "; " + table.note.split("; ")[-1]
        venue = self.params.bracket_venue
        if venue != table.venue:
            note += f"; no {venue} table for {table.symbol}, so Binance's brackets and formula"
        return note if own else note + "; the market names no symbol, so BTCUSDT's are used"

    def totals(self) -> pd.DataFrame:
        """USD per side at each column (in the grid plus overflow)."""
        return pd.DataFrame(
            {
                "long_usd": self.long_usd.sum(axis=1) + self.overflow_long_usd,
                "short_usd": self.short_usd.sum(axis=1) + self.overflow_short_usd,
            },
            index=self.times,
        )


SOURCE_KEYS = ("symbol", "interval", "source", "synthetic", "start", "end", "archive_url")


def build_heatmap(
    inputs: EngineInputs,
    outputs: EngineOutputs,
    params: EngineParams,
    model: str,
    source: dict | None = None,
) -> Heatmap:
    """Wrap kernel outputs into a :class:`Heatmap`."""
    times = inputs.times
    cols = times[inputs.col_end]
    flows = pd.DataFrame(  # one (n, 10) block, a view of the kernel's array (no copy)
        outputs.flows.reshape(-1, len(times)).T,
        index=times,
        columns=[f"{name}_{side}_usd" for name in FLOW_NAMES for side in SIDE_NAMES],
    )
    return Heatmap(
        times=cols,
        price_edges=inputs.edges,
        long_usd=outputs.out[0],
        short_usd=outputs.out[1],
        overflow_long_usd=outputs.overflow[0],
        overflow_short_usd=outputs.overflow[1],
        price=inputs.close[inputs.col_end],
        predicted_long_usd=pd.Series(outputs.flows[0, 0], index=times, name="predicted_long_usd"),
        predicted_short_usd=pd.Series(outputs.flows[0, 1], index=times, name="predicted_short_usd"),
        flows=flows,
        leverages=params.resolved_mix().leverages,
        model=model,
        params=params,
        long_usd_by_tier=outputs.out_tier[0] if inputs.per_tier else None,
        short_usd_by_tier=outputs.out_tier[1] if inputs.per_tier else None,
        source={k: v for k, v in (source or {}).items() if k in SOURCE_KEYS},
    )
