"""Figures of the stories (beginners' notebook, case studies, reports). Every function returns a
matplotlib ``Figure``, never calls ``show()``, and names its data in the title (SIMULATED or
SYNTHETIC data say so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from liqlib.data import columns as C
from liqlib.viz.plot import (
    LONG_COLOR,
    SHORT_COLOR,
    _data_label,
    _date_nums,
    _time_axis,
    _usd,
    plot_heatmap,
    plot_liquidation_map,
    usd_label,
)

__all__ = [
    "plot_hand_map",
    "plot_heatmap_with_zones",
    "plot_horizons",
    "plot_near_price",
    "plot_hourly_vs_oi",
    "plot_long_share",
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
    ax=None,
) -> Figure:
    """The liquidation map at the zones' time with its hot zones, the alert band and named
    price levels, all drawn **on the price axis** of the map (x; y is USD per price bin).

    Each hot zone is a vertical band over its prices (red: longs below the price, green:
    shorts above it), labelled with its USD and its distance from the price; the alert band
    (``within_pct`` % around the price) is orange; named levels (support, resistance...) are
    dotted vertical lines. The price axis is widened to hold every zone, level and the band.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap the zones came from.
    zones : pandas.DataFrame
        From :func:`liqlib.stories.zones.compute_hot_zones` (its ``attrs`` give the time and price).
    market : pandas.DataFrame, optional
        The frame the heatmap came from: names the data in the title.
    within_pct : float, optional
        Half-width of the alert band, % of the price.
    levels : dict of str to float, optional
        Named prices (USD/coin) to mark.
    title : str, optional
        Figure title; default names the time and data.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (a twin axes is added for the cumulative curves).

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: x liquidation price (USD), y USD per bin, the zones as ``axvspan`` patches.

    Examples
    --------
    >>> import liqlib as lq
    >>> from liqlib.stories.zones import compute_hot_zones
    >>> m = lq.make_synthetic_market(500)
    >>> hm = lq.estimate_heatmap(m, n_bins=80)
    >>> fig = plot_zones(hm, compute_hot_zones(hm, top_n=3), market=m, within_pct=2.0)
    >>> fig.axes[0].get_xlabel()
    'liquidation price (USD)'
    """
    px = float(zones.attrs["price"])
    levels = dict(levels or {})
    when = pd.Timestamp(zones.attrs["time"]).strftime("%Y-%m-%d %H:%M UTC")
    band = "" if within_pct is None else f", alert band ±{within_pct:g} %"
    kind = "bands" if zones.attrs.get("method") == "bands" else "peaks"
    default = (
        f"Liquidation map at {when} with {len(zones)} hot zones ({kind}, "
        f"{zones.attrs.get('zone_pct', float('nan')):g} % wide, within "
        f"{zones.attrs.get('max_distance_pct', float('nan')):g} % of the price){band}"
        f"\n{_data_label(market, hm)}"
    )
    own = ax is None
    fig = plot_liquidation_map(hm, zones.attrs["time"], market=market, title=title or default,
                               ax=ax)  # fmt: skip
    ax = fig.axes[0] if own else ax
    twins = [a for a in fig.axes if a is not ax and a.get_shared_x_axes().joined(a, ax)]
    extra = []
    for _, z in zones.iterrows():
        color = LONG_COLOR if z["side"] == "long" else SHORT_COLOR
        ax.axvspan(z["zone_lo"], z["zone_hi"], color=color, alpha=0.25, lw=0, zorder=0.5)
        ax.annotate(
            f"{_usd(z['usd'])} ({z['distance_pct']:+.1f} %)", (z["zone_mid"], 0.02),
            xycoords=("data", "axes fraction"), rotation=90, ha="center", va="bottom",
            fontsize=7, color="0.1", bbox={"facecolor": "white", "alpha": 0.6, "lw": 0, "pad": 1},
        )  # fmt: skip
    for side, color in (("long", LONG_COLOR), ("short", SHORT_COLOR)):
        n = int((zones["side"] == side).sum())
        if n:
            extra.append(Patch(color=color, alpha=0.25, label=f"{n} hot zone(s) of {side}s"))
    lo = [px, *zones["zone_lo"], *levels.values()]
    hi = [px, *zones["zone_hi"], *levels.values()]
    if within_pct is not None:
        a_lo, a_hi = px * (1 - within_pct / 100), px * (1 + within_pct / 100)
        extra.append(ax.axvspan(a_lo, a_hi, color="orange", alpha=0.15, lw=0, zorder=0.4,
                                label=f"alert band ±{within_pct:g} %"))  # fmt: skip
        lo.append(a_lo)
        hi.append(a_hi)
    for name, value in levels.items():
        extra.append(ax.axvline(value, color="tab:blue", lw=1.2, ls=":",
                                label=f"{name} {value:,.6g}"))  # fmt: skip
    # zoom the price axis on what the figure names, and fit both USD axes to what is visible
    lo_v, hi_v = min(lo), max(hi)
    pad = 0.08 * (hi_v - lo_v) + 1e-6 * px
    x0, x1 = lo_v - pad, hi_v + pad
    ax.set_xlim(x0, x1)
    lm = hm.liquidation_map(zones.attrs["time"])
    seen = (lm.index.to_numpy() >= x0) & (lm.index.to_numpy() <= x1)
    top = float((lm["long_usd"] + lm["short_usd"]).to_numpy()[seen].max(initial=0.0))
    ax.set_ylim(0, 1.45 * top if top > 0 else 1.0)
    cum = np.where(lm.index.to_numpy() < px, lm["cum_long_usd"], lm["cum_short_usd"])[seen]
    for t in twins:
        top_c = float(np.max(cum, initial=0.0))
        t.set_ylim(0, 1.45 * top_c if top_c > 0 else 1.0)
    # a compact legend: what the figure adds, the price and the cumulative curves
    handles = [h for h in ax.get_lines() if h.get_label().startswith("current price")]
    for t in twins:
        handles += [h for h in t.get_lines() if not h.get_label().startswith("_")]
    tiered = hm.long_usd_by_tier is not None
    handles.append(
        Patch(color="0.6", label="bars: USD per bin" + (", by leverage tier" if tiered else ""))
    )
    handles += extra
    ax.legend(handles, [h.get_label() for h in handles], loc="upper center", fontsize=7,
              framealpha=0.85, ncols=3)  # fmt: skip
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


def plot_long_share(hourly: pd.DataFrame, *, market: pd.DataFrame | None = None, ax=None) -> Figure:
    """The hourly long share of predicted liquidations, ``100 * long / (long + short)`` (%).

    Bars rise from the 50 % line: up (red) when more longs than shorts were swept, down
    (green) when more shorts; hours with nothing swept are left out. The scale is fixed at
    0-100 %, so one lopsided hour cannot stretch it.

    Parameters
    ----------
    hourly : pandas.DataFrame
        From :func:`liqlib.stories.story.hourly_liquidations` (``long_share_pct``).
    market : pandas.DataFrame, optional
        Names the data in the title.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: one bar per hour with liquidations, its top at the hour's long share.
    """
    own = ax is None
    if own:
        fig = Figure(figsize=(11, 3.8), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    share = hourly["long_share_pct"].dropna()
    vals = share.to_numpy()
    colors = np.where(vals >= 50.0, LONG_COLOR, SHORT_COLOR)
    ax.bar(_date_nums(share.index), vals - 50.0, bottom=50.0, width=1.0 / 24, align="edge",
           color=colors, lw=0)  # fmt: skip
    ax.axhline(50.0, color="0.4", lw=0.6)
    ax.set_ylim(0.0, 100.0)
    ax.set_ylabel("long share, %\nlong / (long + short)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:.0f} %"))
    ax.grid(True, axis="y", alpha=0.3)
    _time_axis(ax)
    lopsided = int(((vals >= 90) | (vals <= 10)).sum())
    text = (
        f"Long share of predicted liquidations per hour ({len(share)} hours with any; "
        f"{lopsided} with 90 % or more on one side)\n{_data_label(market)}"
    )
    if own:
        fig.suptitle(text)
    else:
        ax.set_title(text, fontsize=9, loc="left")
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


def plot_heatmap_with_zones(
    hm, zones: pd.DataFrame, market: pd.DataFrame | None = None, *, title: str | None = None
) -> Figure:
    """The heatmap (price on y) with the named hot zones as bands at the right edge, its price
    range widened to hold every zone it names.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    zones : pandas.DataFrame
        Hot zones to name (:func:`liqlib.stories.zones.compute_hot_zones`, or a subset of its rows).
    market : pandas.DataFrame, optional
        The market of the heatmap's window (price path, data label).
    title : str, optional
        Figure title; default names the model and data.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: the heatmap; y limits hold the price path and every zone.
    """
    fig = plot_heatmap(hm, market, title=title)
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    edge = x1 - 0.04 * (x1 - x0)
    for _, z in zones.iterrows():
        color = LONG_COLOR if z["side"] == "long" else SHORT_COLOR
        ax.fill_between([edge, x1], z["zone_lo"], z["zone_hi"], color=color, alpha=0.9, lw=0,
                        zorder=3)  # fmt: skip
        ax.annotate(f"{z['side']}s {_usd(z['usd'])} ({z['distance_pct']:+.1f} %)",
                    (edge, z["zone_mid"]), xytext=(-3, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=7, color="white",
                    bbox={"facecolor": color, "alpha": 0.7, "lw": 0, "pad": 1})  # fmt: skip
    if len(zones):
        lo, hi = ax.get_ylim()
        z_lo, z_hi = float(zones["zone_lo"].min()), float(zones["zone_hi"].max())
        pad = 0.03 * (max(hi, z_hi) - min(lo, z_lo))
        ax.set_ylim(min(lo, z_lo - pad), max(hi, z_hi + pad))
    ax.set_xlim(x0, x1)
    return fig


def plot_horizons(
    views: dict, market: pd.DataFrame | None = None, *, title: str | None = None
) -> Figure:
    """Small multiples: the same market's heatmap over several time ranges (12 h, 24 h, 3 d,
    7 d), each ending at the same time, each with its own colour scale.

    Parameters
    ----------
    views : dict of str to liqlib.Heatmap
        From :func:`liqlib.stories.views.horizon_heatmaps`.
    market : pandas.DataFrame, optional
        The market the views were cut from (price path and data label).
    title : str, optional
        Figure title; default names the views, their end (UTC) and the data.

    Returns
    -------
    matplotlib.figure.Figure
        One heatmap axes per view (time x, price y), two per row, and their colour bars.
    """
    items = list(views.items())
    if not items:
        from liqlib.errors import InputError

        raise InputError("views is empty: pass lq.views.horizon_heatmaps(market)")
    ncols = 2 if len(items) > 1 else 1
    nrows = -(-len(items) // ncols)
    fig = Figure(figsize=(13, 3.6 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, hm) in zip(axes, items, strict=False):
        part = None
        if market is not None:
            part = market.loc[market.index >= hm.times[0] - (hm.times[1] - hm.times[0])]
            part.attrs = dict(market.attrs)
        plot_heatmap(hm, part, ax=ax, title=f"{name}: {len(hm.times)} columns")
        ax.get_legend().remove()
        ax.set_xlabel("")
    for ax in axes[len(items) :]:
        ax.set_visible(False)
    end = pd.Timestamp(items[0][1].times[-1]).strftime("%Y-%m-%d %H:%M UTC")
    fig.suptitle(
        title
        or f"The same market over {', '.join(n for n, _ in items)}, all ending {end}"
        f"\n{_data_label(market, items[0][1])}"
    )
    return fig


def plot_near_price(
    near: pd.DataFrame, *, market: pd.DataFrame | None = None, hm=None, ax=None
) -> Figure:
    """USD stacking near the price over time: liquidation levels within ``±within_pct`` % of
    the price (longs below it in red, shorts above it in green, stacked), the price on a
    second axis.

    Parameters
    ----------
    near : pandas.DataFrame
        From :func:`liqlib.stories.views.usd_near_price`.
    market, hm : optional
        Name the data in the title.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: stacked USD (y) over time (x); axes 1 (twin): price (USD).
    """
    own = ax is None
    if own:
        fig = Figure(figsize=(11, 4.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    pct = near.attrs.get("within_pct", float("nan"))
    x = _date_nums(near.index)
    ax.stackplot(x, near["long_usd"].to_numpy(), near["short_usd"].to_numpy(),
                 colors=[LONG_COLOR, SHORT_COLOR], alpha=0.8, lw=0,
                 labels=[f"longs within {pct:g} % below the price",
                         f"shorts within {pct:g} % above the price"])  # fmt: skip
    ax.set_ylim(0, 1.15 * float(near["total_usd"].max()) if near["total_usd"].max() > 0 else 1)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel(f"USD within ±{pct:g} %\nof the price")
    ax.yaxis.set_major_formatter(FuncFormatter(usd_label))
    ax.grid(True, axis="y", alpha=0.3)
    tw = ax.twinx()
    tw.plot(x, near["price"].to_numpy(), color="0.15", lw=1.0, label="price (column close)")
    tw.set_ylabel("price (USD)")
    tw.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:,.6g}"))
    _time_axis(ax)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = tw.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8, framealpha=0.85)
    peak = near["total_usd"].idxmax()
    text = (
        f"Stacking near the price: USD that would be liquidated within ±{pct:g} % "
        f"(peak {_usd(float(near['total_usd'].max()))} at {peak:%Y-%m-%d %H:%M} UTC)"
        f"\n{_data_label(market, hm)}"
    )
    if own:
        fig.suptitle(text)
    else:
        ax.set_title(text, fontsize=9, loc="left")
    return fig
