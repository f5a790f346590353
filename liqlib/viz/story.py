"""Figures of the stories (beginners' notebook, case studies, reports). Every function returns a
matplotlib ``Figure``, never calls ``show()``, and names its data in the title (SIMULATED or
SYNTHETIC data say so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from liqlib.data import columns as C
from liqlib.viz.plot import (
    LONG_COLOR,
    SHORT_COLOR,
    _data_label,
    _date_nums,
    _time_axis,
    _usd,
    plot_liquidation_map,
)

__all__ = [
    "plot_hand_map",
    "plot_hourly_vs_oi",
    "plot_imbalance",
    "plot_liquidation_odds",
    "plot_price_with_zones",
    "plot_zones",
]


def plot_hand_map(hmap: pd.DataFrame, bin_usd: float, price_usd: float | None = None) -> Figure:
    """A liquidation map built by hand (:func:`liqlib.stories.calculator.hand_map`): USD per price bin,
    longs red, shorts green, the current price dashed.

    Examples
    --------
    >>> df = pd.DataFrame({"long_usd": [5.0], "short_usd": [0.0]}, index=[90.0])
    >>> plot_hand_map(df, 10.0).axes[0].get_ylabel()
    'liquidation price (USD)'
    """
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    y = hmap.index.to_numpy(dtype=float)
    ax.barh(y, hmap["long_usd"], height=bin_usd, align="edge", color=LONG_COLOR,
            label="longs (liquidated if price falls here)")  # fmt: skip
    ax.barh(y, hmap["short_usd"], height=bin_usd, align="edge", left=hmap["long_usd"],
            color=SHORT_COLOR, label="shorts (liquidated if price rises here)")  # fmt: skip
    if price_usd is not None:
        ax.axhline(price_usd, color="0.2", ls="--", lw=1, label=f"price {price_usd:,.0f}")
    ax.set_xlabel("USD that would be liquidated in the bin")
    ax.set_ylabel("liquidation price (USD)")
    ax.xaxis.set_major_formatter(FuncFormatter(_usd))
    ax.legend(fontsize=8)
    fig.suptitle(f"A liquidation map built by hand from {len(hmap)} price bins (example positions)")
    return fig


def plot_zones(
    hm,
    zones: pd.DataFrame,
    *,
    market: pd.DataFrame | None = None,
    within_pct: float | None = None,
    levels: dict[str, float] | None = None,
    title: str | None = None,
) -> Figure:
    """The liquidation map at the zones' time, with the hot zones shaded, the alert band
    (``within_pct`` % around the price) and named price levels (support, resistance...).
    """
    fig = plot_liquidation_map(hm, zones.attrs["time"], market=market, title=title)
    ax = fig.axes[0]
    px = zones.attrs["price"]
    for _, z in zones.iterrows():
        color = LONG_COLOR if z["side"] == "long" else SHORT_COLOR
        ax.axhspan(z["zone_lo"], z["zone_hi"], color=color, alpha=0.18, lw=0)
        ax.annotate(f"{_usd(z['usd'])} ({z['distance_pct']:+.1f} %)", (1.0, z["zone_mid"]),
                    xycoords=("axes fraction", "data"), ha="right", va="center", fontsize=7)  # fmt: skip
    if within_pct is not None:
        ax.axhspan(px * (1 - within_pct / 100), px * (1 + within_pct / 100), color="orange",
                   alpha=0.12, lw=0, label=f"alert band ±{within_pct:g} %")  # fmt: skip
    for name, value in (levels or {}).items():
        ax.axhline(value, color="tab:blue", lw=1, ls=":", label=f"{name} {value:,.6g}")
    lo = min([px, *zones["zone_lo"], *(levels or {}).values()])
    hi = max([px, *zones["zone_hi"], *(levels or {}).values()])
    pad = 0.05 * (hi - lo) + 0.002 * px
    ax.set_ylim(lo - pad, hi + pad)
    ax.legend(loc="center right", fontsize=7, framealpha=0.8)
    return fig


def plot_price_with_zones(
    market: pd.DataFrame, swept: pd.DataFrame, *, title: str | None = None
) -> Figure:
    """Price after the map's time with each hot zone's band, and a dot where price reached it
    (``swept`` from :func:`liqlib.stories.zones.zone_sweeps`)."""
    t0 = pd.Timestamp(swept.attrs["time"])
    seg = market.loc[market.index >= t0]
    px = seg[C.MARK_CLOSE].fillna(seg[C.CLOSE]) if C.MARK_CLOSE in seg else seg[C.CLOSE]
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(_date_nums(px.index), px.to_numpy(), color="0.2", lw=0.9, label="price")
    for _, z in swept.iterrows():
        color = LONG_COLOR if z["side"] == "long" else SHORT_COLOR
        ax.axhspan(z["zone_lo"], z["zone_hi"], color=color, alpha=0.18, lw=0)
        if pd.notna(z["swept_at"]):
            ax.plot(_date_nums(pd.DatetimeIndex([z["swept_at"]])), [z["zone_mid"]], "o",
                    color=color, ms=6)  # fmt: skip
    ax.set_ylabel("price (USD)")
    ax.grid(True, alpha=0.3)
    _time_axis(ax)
    n = int(swept["swept_at"].notna().sum())
    fig.suptitle(
        title
        or f"Which hot zones price reached after {t0:%Y-%m-%d %H:%M} UTC: {n} of {len(swept)}"
        f"\n{_data_label(market)}"
    )
    return fig


def plot_hourly_vs_oi(
    hourly: pd.DataFrame, oi_change: pd.Series, *, market: pd.DataFrame | None = None
) -> Figure:
    """Predicted liquidations per hour (longs down, shorts up) above the hour's change of open
    interest (USD); a panel without open interest says so."""
    fig = Figure(figsize=(11, 6), layout="constrained")
    ax_l, ax_o = fig.subplots(2, 1, sharex=True)
    x = _date_nums(hourly.index)
    width = 1.0 / 24
    ax_l.bar(x, hourly["short_usd"], width=width, align="edge", color=SHORT_COLOR, label="shorts")
    ax_l.bar(x, -hourly["long_usd"], width=width, align="edge", color=LONG_COLOR, label="longs")
    ax_l.yaxis.set_major_formatter(FuncFormatter(lambda v, p: _usd(abs(v))))
    ax_l.set_ylabel("predicted liquidations\n(USD per hour)")
    ax_l.legend(fontsize=8)
    if oi_change.notna().any():
        xo = _date_nums(oi_change.index)
        colors = np.where(oi_change.to_numpy() < 0, "tab:purple", "0.6")
        ax_o.bar(xo, oi_change.fillna(0).to_numpy(), width=width, align="edge", color=colors)
        ax_o.yaxis.set_major_formatter(FuncFormatter(_usd))
    else:
        ax_o.text(0.5, 0.5, "open interest: not in this data", transform=ax_o.transAxes,
                  ha="center", va="center", color="0.4")  # fmt: skip
    ax_o.set_ylabel("change of open interest\n(USD per hour; drops purple)")
    for ax in (ax_l, ax_o):
        ax.axhline(0, color="0.4", lw=0.6)
        ax.grid(True, axis="y", alpha=0.3)
    _time_axis(ax_o)
    fig.suptitle(
        f"Predicted liquidations and open-interest changes per hour\n{_data_label(market)}"
    )
    return fig


def plot_imbalance(hourly: pd.DataFrame, *, market: pd.DataFrame | None = None) -> Figure:
    """The hourly long/short imbalance ``(long - short) / short`` on a symmetric log scale."""
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax = fig.add_subplot()
    imb = hourly["imbalance"].dropna()
    colors = np.where(imb.to_numpy() > 0, LONG_COLOR, SHORT_COLOR)
    ax.bar(_date_nums(imb.index), imb.to_numpy(), width=1.0 / 24, align="edge", color=colors)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.axhline(0, color="0.4", lw=0.6)
    ax.set_ylabel("(long − short) / short\n(red: more longs)")
    ax.grid(True, axis="y", alpha=0.3)
    _time_axis(ax)
    fig.suptitle(
        f"Hourly long/short imbalance of predicted liquidations ({len(imb)} hours with shorts "
        f"swept)\n{_data_label(market)}"
    )
    return fig


def plot_liquidation_odds(odds: pd.DataFrame, horizon: str, market: pd.DataFrame) -> Figure:
    """Share of entries liquidated within ``horizon``, per leverage (from
    :func:`liqlib.stories.calculator.liquidation_odds`)."""
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(odds.index, odds["long_pct"], "o-", color=LONG_COLOR, label="longs")
    ax.plot(odds.index, odds["short_pct"], "o-", color=SHORT_COLOR, label="shorts")
    ax.set_xscale("log")
    ax.set_xticks(odds.index, [f"{v:g}x" for v in odds.index])
    ax.set_xlabel("leverage")
    ax.set_ylabel(f"% of entries liquidated\nwithin {horizon}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(f"How often each leverage was liquidated\n{_data_label(market)}")
    return fig
