"""Static figures. Every function returns a matplotlib ``Figure`` and never calls ``show()``.

Every ``plot_*`` function composes: one-panel figures accept ``ax=`` (draw into that axes and
return its figure), multi-panel ones ``fig=`` (draw into that figure, which must be empty).
Without them a new :class:`~matplotlib.figure.Figure` is made (no pyplot state).
"""

from __future__ import annotations

import functools

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import LinearSegmentedColormap, PowerNorm, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.viz.units import format_usd, usd_tick


def synthetic_label(attrs: dict) -> str | None:
    """How to label non-real data: ``"SIMULATED"`` (agent-based, :mod:`liqlib.sim.market`),
    ``"SYNTHETIC"`` (random walk, :mod:`liqlib.sim.synthetic`), or None for real data."""
    if not attrs.get("synthetic"):
        return None
    return "SIMULATED" if "SIMULATED" in str(attrs.get("source", "")) else "SYNTHETIC"


def _source_label(market: pd.DataFrame | dict) -> str:
    attrs = market if isinstance(market, dict) else market.attrs
    label = synthetic_label(attrs)
    if label:
        source = str(attrs.get("source", "liqlib.sim.synthetic"))
        return source if source.startswith(label) else f"{label} data — {source}"
    name = attrs.get("symbol", "")
    return f"{name} · {attrs.get('source', 'unknown source')} · {attrs.get('interval', '')} bars"


def _shade_gaps(ax, series: pd.Series, color: str = "0.85") -> int:
    """Shade runs of missing values; returns how many runs were shaded."""
    missing = series.isna()
    if not missing.any():
        return 0
    run_id = (missing != missing.shift()).cumsum()[missing]
    step = series.index[1] - series.index[0] if len(series) > 1 else pd.Timedelta(0)
    runs = 0
    for _, idx in series.index[missing].to_series().groupby(run_id.values):
        ax.axvspan(idx.iloc[0], idx.iloc[-1] + step, color=color, lw=0, zorder=0)
        runs += 1
    return runs


def _no_data(ax, what: str, loaded: bool) -> None:
    why = "not available from the source in this window" if loaded else "not loaded (include=)"
    ax.text(
        0.5, 0.5, f"{what}: {why}", transform=ax.transAxes,
        ha="center", va="center", color="0.4",
    )  # fmt: skip


def _new_figure(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """``fig`` when given (it must be empty), else a new constrained-layout Figure."""
    if fig is None:
        return Figure(figsize=figsize, layout="constrained")
    if not hasattr(fig, "add_subplot"):
        raise InputError(f"fig must be a matplotlib Figure, got {type(fig).__name__}: omit fig=")
    if fig.axes:
        raise InputError("fig already has axes: pass an empty Figure (or a SubFigure) as fig=")
    return fig


def _axes(ax, figsize: tuple[float, float]):
    """``(figure, axes)``: the given axes and its figure, or a new Figure with one axes."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    if not hasattr(ax, "figure") or not hasattr(ax, "plot"):
        raise InputError(f"ax must be a matplotlib Axes, got {type(ax).__name__}: omit ax=")
    return ax.figure, ax


def _set_title(fig, ax, own_figure: bool, text: str) -> None:
    """Suptitle on a figure of our own; the axes title when drawing into someone else's."""
    if own_figure:
        fig.suptitle(text)
    else:
        ax.set_title(text, fontsize=9, loc="left")


def _mark_synthetic(ax, hm=None, market=None) -> None:
    """A faint SYNTHETIC / SIMULATED watermark on axes that show non-real data."""
    attrs = market.attrs if market is not None else (hm.source if hm is not None else {})
    label = synthetic_label(attrs)
    if label:
        ax.text(
            0.99, 0.02, label, transform=ax.transAxes, ha="right", va="bottom",
            fontsize=11, fontweight="bold", color="white", alpha=0.55, zorder=10,
            bbox={"facecolor": "0.3", "alpha": 0.35, "lw": 0, "pad": 2},
        )  # fmt: skip


def _checks_first(kind: str):
    """Decorator: the figure function's first argument must be a ``kind`` ("heatmap" or
    "market"), else a one-line InputError instead of an AttributeError deep inside."""

    def wrap(fn):
        @functools.wraps(fn)
        def checked(first, *args, **kwargs):
            if kind == "heatmap" and not isinstance(first, Heatmap):
                raise InputError(
                    f"{fn.__name__} needs a Heatmap (from lq.estimate_heatmap), not "
                    f"{type(first).__name__}"
                )
            if kind == "market" and not isinstance(first, pd.DataFrame):
                raise InputError(
                    f"{fn.__name__} needs a market DataFrame (from lq.load_market or "
                    f"lq.load_demo), not {type(first).__name__}"
                )
            return fn(first, *args, **kwargs)

        return checked

    return wrap


@_checks_first("market")
def plot_market(
    market: pd.DataFrame, *, title: str | None = None, fig: Figure | None = None
) -> Figure:
    """Price, open interest and funding of a :func:`liqlib.load_market` frame, stacked.

    Panels whose data are absent say so instead of showing an empty axis; missing bars are
    shaded grey on the price panel (they are gaps in the source, not zero prices).

    Parameters
    ----------
    market : pandas.DataFrame
        Output of :func:`liqlib.load_market` (UTC index, :mod:`liqlib.data.columns` names).
    title : str, optional
        Figure title; default names the symbol, source and bar length.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw the three panels into.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _new_figure(fig, (11, 7.5))
    ax_p, ax_oi, ax_f = fig.subplots(3, 1, sharex=True, height_ratios=(3, 1.6, 1.2))

    drawn = False
    for col, label, style in (
        (C.CLOSE, "trade close", {"color": "C0", "lw": 1.0}),
        (C.MARK_CLOSE, "mark close (liquidations trigger on it)", {"color": "C1", "lw": 1.0}),
    ):
        if col in market and market[col].notna().any():
            ax_p.plot(market.index, market[col], label=label, **style)
            drawn = True
    if C.MARK_LOW in market and market[C.MARK_LOW].notna().any():
        ax_p.fill_between(
            market.index, market[C.MARK_LOW], market[C.MARK_HIGH], color="C1", alpha=0.2,
            lw=0, label="mark low–high",
        )  # fmt: skip
    if drawn:
        ref = market[C.MARK_CLOSE] if C.MARK_CLOSE in market else market[C.CLOSE]
        handles, _ = ax_p.get_legend_handles_labels()
        if _shade_gaps(ax_p, ref):
            handles.append(Patch(color="0.85", label="no data (gap)"))
        ax_p.legend(handles=handles, loc="upper left", fontsize=8)
    else:
        _no_data(ax_p, "price", C.CLOSE in market or C.MARK_CLOSE in market)
    ax_p.set_ylabel("price (USD)")

    if C.OI_USD in market and market[C.OI_USD].notna().any():
        ax_oi.plot(market.index, market[C.OI_USD] / 1e9, color="C2", lw=1.0)
    else:
        _no_data(ax_oi, "open interest (Binance metrics)", C.OI_USD in market)
    ax_oi.set_ylabel("open interest\n(billion USD)")

    if C.FUNDING_RATE in market and market[C.FUNDING_RATE].notna().any():
        ax_f.step(market.index, market[C.FUNDING_RATE] * 100, where="post", color="C3", lw=1.0)
        ax_f.axhline(0, color="0.5", lw=0.6)
    else:
        _no_data(ax_f, "funding rate", C.FUNDING_RATE in market)
    ax_f.set_ylabel("funding (%)")
    ax_f.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax_f.xaxis.get_major_locator()))
    ax_f.set_xlabel("time (UTC)")
    fig.suptitle(title or _source_label(market))
    return fig


# --------------------------------------------------------------------------------------------
# liquidation heatmaps (notebook 02); fast enough to redraw on a slider move
# --------------------------------------------------------------------------------------------

LONG_COLOR = "#d62728"  # longs are liquidated when price falls: red
SHORT_COLOR = "#2ca02c"  # shorts are liquidated when price rises: green
#: Heat colour maps by name (colour stops, low -> high). "coinglass": dark purple -> teal ->
#: yellow, as on Coinglass; "green-yellow-red": the seed project's map; "inferno": perceptually
#: uniform (matplotlib's). Any matplotlib colormap name works too.
HEAT_CMAPS: dict[str, tuple[str, ...]] = {
    "coinglass": ("#12001f", "#3b0f6f", "#2c3d8f", "#1f7a8c", "#25b07a", "#a6d93a", "#fde725"),
    "green-yellow-red": ("#0b3d0b", "#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"),
    "inferno": tuple(to_hex(colormaps["inferno"](x)) for x in np.linspace(0, 1, 9)),
}
HEAT_CMAP = "coinglass"
PRICE_COLOR = "#ff4d6d"  # the price line over the heat: visible on dark and yellow cells
#: Leverage-tier colours, low -> high leverage (cool -> hot), for up to 8 tiers.
TIER_COLORS = (
    "#4e79a7",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#f28e2b",
    "#e15759",
    "#b07aa1",
    "#9c755f",
)


#: Venue colours (qualitative, none of them the long red / short green), in the venues' order.
VENUE_COLORS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
#: How the liquidation map's bars can be stacked (see :func:`plot_liquidation_map`).
MAP_STACKS = ("auto", "leverage", "venue", None)


def venue_colors(n: int) -> list[str]:
    """``n`` colours for venues (more than 7: from a colormap)."""
    if n <= len(VENUE_COLORS):
        return list(VENUE_COLORS[:n])
    cm = colormaps["tab20"]
    return [to_hex(cm(x)) for x in np.linspace(0, 1, n, endpoint=False)]


def tier_colors(n: int) -> list[str]:
    """``n`` colours for leverage tiers, low to high leverage (more than 8: from a colormap)."""
    if n <= len(TIER_COLORS):
        return list(TIER_COLORS[:n])
    cm = colormaps["turbo"]
    return [to_hex(cm(x)) for x in np.linspace(0.1, 0.9, n)]


HEAT_LABEL = "estimated USD liquidated at this price"


_usd = format_usd  # compact USD: 950, 12k, 3.4M, 1.2B
usd_label = usd_tick  # dollar tick label for colour bars and USD axes: $950, $12k, -$3.4M


def price_text(x: float, _pos=None) -> str:
    """A price (USD/coin) with the digits it needs: 98,072.34 for BTC, 0.2317 for DOGE.

    Examples
    --------
    >>> price_text(98072.3412), price_text(0.231734), price_text(3400.0)
    ('98,072.34', '0.2317', '3,400')
    """
    a = abs(x)
    if a >= 1000:
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{x:.4g}"


def _data_label(market: pd.DataFrame | None, hm=None) -> str:
    """Name the data: from the market frame, else from what the heatmap recorded of it."""
    if market is not None:
        return _source_label(market)
    if hm is not None and hm.source:
        return _source_label(hm.source)
    return "data source not given (pass market= to name it)"


def _date_nums(index: pd.DatetimeIndex) -> np.ndarray:
    """Matplotlib date numbers of a (UTC) DatetimeIndex."""
    idx = pd.DatetimeIndex(index)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return mdates.date2num(idx.to_numpy())


def _time_axis(ax) -> None:
    ax.xaxis_date()
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_xlabel("time (UTC)")


def _price_path(hm, market: pd.DataFrame | None) -> tuple[pd.DatetimeIndex, np.ndarray, str]:
    """Mark close when present, else trade close; the heatmap's own column closes otherwise."""
    if market is not None:
        for col, label in ((C.MARK_CLOSE, "mark close"), (C.CLOSE, "trade close")):
            if col in market and market[col].notna().any():
                s = market[col].dropna()
                return s.index, s.to_numpy(dtype=float), label
    return hm.times, np.asarray(hm.price, dtype=float), "trade close"


def heatmap_values(hm, side: str = "both") -> np.ndarray:
    """USD per (column, bin) of one side or both: the array :func:`plot_heatmap` draws.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap.
    side : {"both", "long", "short"}
        Which side's USD, or their sum.

    Returns
    -------
    numpy.ndarray, shape (columns, bins)
        USD whose liquidation price lies in each bin.
    """
    if side == "both":
        return hm.long_usd + hm.short_usd
    if side == "long":
        return hm.long_usd
    if side == "short":
        return hm.short_usd
    raise InputError(f"side {side!r} is unknown: use 'both', 'long' or 'short'")


def heat_norm(values: np.ndarray, vmax_quantile: float = 0.995, gamma: float = 0.5):
    """The colour scale of :func:`plot_heatmap`: a power norm clipped at a quantile.

    Parameters
    ----------
    values : numpy.ndarray
        USD per cell.
    vmax_quantile : float
        Cells above this quantile of the non-zero cells get the hottest colour (in (0, 1]).
    gamma : float
        Power of the norm (0.5 = square root: small levels stay visible, big ones stand out).
    """
    if not 0.0 < vmax_quantile <= 1.0:
        raise InputError(f"vmax_quantile {vmax_quantile!r} must be in (0, 1]: use e.g. 0.995")
    pos = values[values > 0]
    vmax = float(np.quantile(pos, vmax_quantile)) if pos.size else 1.0
    return PowerNorm(gamma=gamma, vmin=0.0, vmax=max(vmax, 1e-12), clip=True)


@_checks_first("heatmap")
def plot_heatmap(
    hm,
    market: pd.DataFrame | None = None,
    *,
    side: str = "both",
    title: str | None = None,
    vmax_quantile: float = 0.995,
    cmap: str | None = None,
    realized: pd.DataFrame | None = None,
    ax=None,
) -> Figure:
    """The liquidation heatmap: time on x, price on y, colour = estimated USD per cell.

    Each column is the model's inventory at the end of its block of candles: the USD of open
    positions whose liquidation price (mark price, USD/coin) lies in each price bin. The price
    path (mark close when the market has it, else trade close) is drawn on top.

    Parameters
    ----------
    hm : liqlib.Heatmap
        From :func:`liqlib.estimate_heatmap`.
    market : pandas.DataFrame, optional
        The frame the heatmap was estimated from: draws its full-resolution price path and
        names the data in the title (``SYNTHETIC`` when ``market.attrs["synthetic"]``).
    side : {"both", "long", "short"}
        Which positions to show.
    title : str, optional
        Figure title; default names the model, the bracket symbol and the data.
    vmax_quantile : float
        Colour-scale maximum as a quantile of the non-zero cells (square-root scale below it),
        so one huge cell does not wash out the rest.
    cmap : str, optional
        A name of :data:`HEAT_CMAPS` or any matplotlib colormap; default ``"coinglass"``
        (dark -> yellow, as the Coinglass heatmap).
    realized : pandas.DataFrame, optional
        Realized liquidations (``lq.load_liquidations``) drawn on top as dots: colour by the
        side liquidated, area by USD.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (its figure gets the colour bar) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with a ``QuadMesh`` (its array is ``heatmap_values(hm, side).T``) and a
        colour bar.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(500)
    >>> fig = plot_heatmap(lq.estimate_heatmap(m, n_bins=50, max_columns=50), m)
    >>> "SYNTHETIC" in fig.get_suptitle()
    True
    """
    own = ax is None
    fig, ax = _axes(ax, (11, 5.5))
    mesh = _draw_heatmap(ax, hm, market, side, vmax_quantile, cmap)
    _heat_colorbar(fig, mesh, ax, side)
    if realized is not None:
        from liqlib.viz.realized import draw_realized

        draw_realized(ax, realized)
    _time_axis(ax)
    _mark_synthetic(ax, hm, market)
    _set_title(
        fig,
        ax,
        own,
        title or f"Estimated liquidation heatmap · {_model_label(hm)}\n{_data_label(market, hm)}",
    )
    return fig


def _power_ticks(norm, n: int = 6) -> np.ndarray:
    """Ticks evenly spaced on the colour bar of a power norm, rounded down to 2 digits."""
    vmax = float(norm.vmax)
    raw = vmax * np.linspace(0.0, 1.0, n)[1:] ** (1.0 / float(getattr(norm, "gamma", 1.0)))
    scale = 10.0 ** (np.floor(np.log10(raw)) - 1)
    return np.unique(np.concatenate([[0.0], np.floor(raw / scale) * scale]))


def _model_label(hm) -> str:
    """``model oi-flow · BTCUSDT brackets`` (+ ``calibrated to open interest``; + the level
    prior's band when the USD level is the default's estimate, e.g. ``USD ×0.2–5.8``)."""
    extra = " · calibrated to open interest" if hm.params.calibrate else ""
    band = hm.source.get("level_prior") if isinstance(hm.source, dict) else None
    if isinstance(band, dict) and "low" in band and "high" in band:
        extra += f" · USD level estimated, ×{band['low']:.2g}–{band['high']:.2g} (prior band)"
    if getattr(hm, "venues", None):  # a sum over venues, each with its own tiers
        tiers = f"{hm.params.bracket_symbol} tiers of {', '.join(hm.venues)}"
    elif hm.params.bracket_venue != "binance":
        tiers = f"{hm.params.bracket_venue} {hm.params.bracket_symbol} tiers"
    else:
        tiers = f"{hm.params.bracket_symbol} brackets"
    return f"model {hm.model} · {tiers}{extra}"


def heat_cmap(name: str | None = None):
    """A colormap by name: one of :data:`HEAT_CMAPS` or any matplotlib colormap."""
    name = HEAT_CMAP if name is None else name
    if name in HEAT_CMAPS:
        return LinearSegmentedColormap.from_list(name, HEAT_CMAPS[name], N=256)
    if name in colormaps:
        return colormaps[name]
    raise InputError(
        f"cmap {name!r} is unknown: use one of {sorted(HEAT_CMAPS)} or a matplotlib colormap"
    )


def _draw_heatmap(ax, hm, market, side: str, vmax_quantile: float, cmap_name: str | None = None):
    values = heatmap_values(hm, side)
    t = _date_nums(hm.times)
    step = t[1] - t[0] if t.size > 1 else 1.0 / 1440
    x_edges = np.concatenate([[t[0] - step], t])
    cmap = heat_cmap(cmap_name)
    mesh = ax.pcolormesh(
        x_edges, hm.price_edges, values.T, cmap=cmap,
        norm=heat_norm(values, vmax_quantile), shading="flat", rasterized=True,
    )  # fmt: skip
    ax.set_facecolor(cmap(0.0))
    times, price, label = _price_path(hm, market)
    ax.plot(_date_nums(times), price, color=PRICE_COLOR, lw=0.9, label=label)
    ax.set_xlim(x_edges[0], x_edges[-1])
    lo, hi = np.nanmin(price), np.nanmax(price)
    pad = 0.25 * (hi - lo) + 0.02 * hi
    ax.set_ylim(max(hm.price_edges[0], lo - pad), min(hm.price_edges[-1], hi + pad))
    ax.set_ylabel("liquidation price (USD)")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.6)
    return mesh


def _heat_colorbar(fig, mesh, ax, side: str, label: str = HEAT_LABEL):
    which = {"both": "longs + shorts", "long": "longs", "short": "shorts"}[side]
    cb = fig.colorbar(mesh, ax=ax, pad=0.01, format=FuncFormatter(usd_label))
    cb.set_ticks(_power_ticks(mesh.norm))
    cb.set_label(f"{label}\n(USD per price bin, {which})")
    return cb


def plot_heatmap_grid(
    heatmaps,
    market: pd.DataFrame | None = None,
    *,
    side: str = "both",
    title: str | None = None,
    vmax_quantile: float = 0.995,
    fig: Figure | None = None,
) -> Figure:
    """Several heatmaps of the same market stacked on shared axes, one colour bar each.

    Each panel has its own colour scale (models differ in total USD by orders of magnitude);
    compare *where* USD sits across panels, and read totals from the colour bars.

    Parameters
    ----------
    heatmaps : mapping of str to liqlib.Heatmap
        Panel name -> heatmap, e.g. ``{"oi-flow": hm1, "volume": hm2}``; same market.
    market : pandas.DataFrame, optional
        The frame they were estimated from (price path and ``SYNTHETIC`` label).
    side : {"both", "long", "short"}
        Which side's USD each panel draws, or their sum.
    title : str, optional
        Figure title; default names the bracket symbols and the data.
    vmax_quantile : float
        As in :func:`plot_heatmap`, per panel.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw the panels into.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per heatmap (time x, liquidation price y), each with a ``QuadMesh``.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(500)
    >>> hms = {k: lq.estimate_heatmap(m, k, n_bins=50) for k in ("oi-flow", "fixed-offset")}
    >>> len(plot_heatmap_grid(hms, m).axes)
    4
    """
    items = list(dict(heatmaps).items())
    if not items:
        raise InputError("heatmaps is empty: pass {name: heatmap} with at least one heatmap")
    fig = _new_figure(fig, (11, 2.2 + 2.6 * len(items)))
    axes = fig.subplots(len(items), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, (name, hm) in zip(axes, items, strict=True):
        mesh = _draw_heatmap(ax, hm, market, side, vmax_quantile)
        _heat_colorbar(fig, mesh, ax, side, label="estimated USD")
        cal = " · calibrated to open interest" if hm.params.calibrate else ""
        ax.set_title(f"{name}{cal}", fontsize=10, loc="left")
        ax.set_ylabel("liquidation price\n(USD)")
        _mark_synthetic(ax, hm, market)
    _time_axis(axes[-1])
    symbols = sorted({hm.params.bracket_symbol for _, hm in items})
    fig.suptitle(
        title
        or f"Liquidation heatmaps compared · {', '.join(symbols)} brackets\n{_data_label(market, items[0][1])}"
    )
    return fig


def _column(hm, at) -> int:
    return len(hm.times) - 1 if at is None else hm.column_at(at)


def _band_labels(leverages, bands) -> tuple[np.ndarray, list[str]]:
    """The band of each tier and the bands' labels, for band upper edges ``bands`` (x)."""
    edges = np.asarray(sorted(float(b) for b in bands), dtype=float)
    if edges.ndim != 1 or edges.size == 0 or np.any(~(edges > 0)):
        raise InputError("bands must be positive leverages, e.g. (5, 10, 25, 50, 100)")
    which = np.searchsorted(edges, np.asarray(leverages, dtype=float), side="left")
    names = [f"<={edges[0]:g}x"]
    names += [f"{lo:g}-{hi:g}x" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    names += [f">{edges[-1]:g}x"]
    used = np.unique(which)
    return np.searchsorted(used, which), [names[i] for i in used]


#: Leverage bands (upper edges, x) the map uses when venues with different tiers are added up.
DEFAULT_BANDS = (5, 10, 25, 50, 100)


def liquidation_map_by_tier(hm, at=None, bands=None) -> pd.DataFrame:
    """USD per price bin and leverage tier at one time (longs + shorts): the map's bars.

    Parameters
    ----------
    hm : liqlib.Heatmap
        Estimated with ``per_tier=True``.
    at : str or pandas.Timestamp, optional
        Time (UTC); the last column at or before it. None = the last column.
    bands : sequence of float, optional
        Upper leverage edges of bands to group the tiers into, e.g. ``(5, 10, 25, 50, 100)``
        gives ``"<=5x"``, ``"5-10x"`` ... ``">100x"`` (only the bands holding a tier). None =
        one column per tier; for a heatmap summed over venues whose tiers differ (each its
        own table), :data:`DEFAULT_BANDS`.

    Returns
    -------
    pandas.DataFrame
        Indexed by bin centre (``price``, USD/coin), one column per tier (``"10x"``...) or
        band, USD. The columns add up to ``long_usd + short_usd`` of
        :meth:`liqlib.Heatmap.liquidation_map`.

    Raises
    ------
    InputError
        When the heatmap (or one of its venues) holds no per-tier arrays.
    """
    j = _column(hm, at)
    if hm.long_usd_by_tier is None or hm.short_usd_by_tier is None:
        parts = list(hm.venues.values())
        if parts and all(v.long_usd_by_tier is not None for v in parts):
            # venues with tiers of their own: added up in common leverage bands
            edges = DEFAULT_BANDS if bands is None else bands
            frames = [liquidation_map_by_tier(v, hm.times[j], edges) for v in parts]
            names = _band_labels(_all_levels(edges), edges)[1]
            names = [n for n in names if any(n in f.columns for f in frames)]
            usd = sum(f.reindex(columns=names, fill_value=0.0).to_numpy() for f in frames)
            # positions, not labels: each venue's bins are the total's (centres may be
            # computed differently for the venue that set the grid)
            return pd.DataFrame(usd, index=pd.Index(hm.bin_centers, name="price"), columns=names)
        raise InputError(
            "this heatmap has no per-tier USD: estimate it with "
            "lq.estimate_heatmap(market, per_tier=True)"
        )
    both = hm.long_usd_by_tier[j] + hm.short_usd_by_tier[j]  # (tiers, bins)
    names = [f"{lev:g}x" for lev in hm.leverages]
    if bands is not None:
        band_of_tier, names = _band_labels(hm.leverages, bands)
        grouped = np.zeros((len(names), both.shape[1]))
        np.add.at(grouped, band_of_tier, both)
        both = grouped
    return pd.DataFrame(both.T, index=pd.Index(hm.bin_centers, name="price"), columns=names)


def _all_levels(bands) -> list[float]:
    """One leverage inside every band of ``bands`` (its edges and one beyond the last)."""
    edges = sorted(float(b) for b in bands)
    return [*edges, 2 * edges[-1]]


def liquidation_map_by_venue(hm, at=None) -> pd.DataFrame:
    """USD per price bin and venue at one time (longs + shorts): the map's bars by venue.

    Parameters
    ----------
    hm : liqlib.Heatmap
        A heatmap summed over venues (``lq.estimate_heatmap({"binance": m1, "bybit": m2})``).
    at : str or pandas.Timestamp, optional
        Time (UTC); the last column at or before it. None = the last column.

    Returns
    -------
    pandas.DataFrame
        Indexed by bin centre (``price``, USD/coin), one column per venue, USD. The columns
        add up to ``long_usd + short_usd`` of :meth:`liqlib.Heatmap.liquidation_map`.

    Raises
    ------
    InputError
        When the heatmap does not sum venues, or a venue's columns are not the heatmap's.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(500)
    >>> hm = lq.estimate_heatmap({"a": m, "b": m}, n_bins=50)
    >>> list(liquidation_map_by_venue(hm).columns)
    ['a', 'b']
    """
    if not hm.venues:
        raise InputError(
            "this heatmap sums no venues: estimate it with lq.estimate_heatmap({'binance': "
            "frame, 'bybit': frame}), or draw it with stack='leverage'"
        )
    j = _column(hm, at)
    t = hm.times[j]
    cols = {}
    for name, v in hm.venues.items():
        jv = int(v.times.searchsorted(t))
        if jv >= len(v.times) or v.times[jv] != t or v.long_usd.shape[1] != hm.long_usd.shape[1]:
            raise InputError(
                f"venue {name!r} has no column at {t} on this price grid: slice the venues "
                "with the total (estimate them together)"
            )
        cols[name] = v.long_usd[jv] + v.short_usd[jv]
    return pd.DataFrame(cols, index=pd.Index(hm.bin_centers, name="price"))


def _resolve_stack(hm, stack) -> str | None:
    if stack not in MAP_STACKS:
        raise InputError(f"stack {stack!r} is unknown: use one of {list(MAP_STACKS)}")
    if stack == "auto":
        tiers = hm.long_usd_by_tier is not None or (
            bool(hm.venues) and all(v.long_usd_by_tier is not None for v in hm.venues.values())
        )
        return "leverage" if tiers else None
    return stack


@_checks_first("heatmap")
def plot_liquidation_map(
    hm,
    at=None,
    *,
    market: pd.DataFrame | None = None,
    stack: str | None = "auto",
    bands=None,
    title: str | None = None,
    ax=None,
) -> Figure:
    """The liquidation map at one time, in the Coinglass form: price on x, USD per price bin.

    Bars: USD whose liquidation price lies in each price bin (longs below the price, shorts
    above it for a sweeping model), **stacked and coloured** by leverage tier
    (``stack="leverage"``), by venue (``stack="venue"``, for a heatmap summed over venues), or
    not stacked (``stack=None``: longs red, shorts green). The stacks add up to the unstacked
    total. Lines (right axis): cumulative USD of longs liquidated if the price falls from the
    current price to a level (left of the price), and of shorts if it rises to it (right of
    the price): ``cum_long_usd`` / ``cum_short_usd`` of
    :meth:`liqlib.Heatmap.liquidation_map`. The current price is the dashed vertical line.
    A sweeping model holds no long above and no short below the price; a non-sweeping one
    (``fixed-offset``) may.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    at : str or pandas.Timestamp, optional
        Time (UTC); the last column at or before it. None = the last column.
    market : pandas.DataFrame, optional
        The frame the heatmap came from: names the data in the title (``SYNTHETIC``...).
    stack : {"auto", "leverage", "venue", None}
        What the bars are stacked by; ``"auto"``: by leverage tier when the heatmap was
        estimated with ``per_tier=True``, else not stacked.
    bands : sequence of float, optional
        With ``stack="leverage"``: upper leverage edges of bands to group the tiers into,
        e.g. ``(5, 10, 25, 50, 100)`` (see :func:`liquidation_map_by_tier`).
    title : str, optional
        Figure title; default names the time, model and data.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (a twin axes is added for the cumulative curves).

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0: bars (x liquidation price in USD, y USD per bin); axes 1: its twin with the
        cumulative curves (y cumulative USD).

    Raises
    ------
    InputError
        An unknown ``stack``; ``"leverage"`` without per-tier USD; ``"venue"`` on a heatmap
        of one venue.

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(500)
    >>> fig = plot_liquidation_map(lq.estimate_heatmap(m, n_bins=50, per_tier=True), market=m)
    >>> fig.axes[0].get_xlabel()
    'liquidation price (USD)'
    >>> hm = lq.estimate_heatmap({"binance": m, "bybit": m}, n_bins=50)
    >>> fig = plot_liquidation_map(hm, stack="venue")
    >>> [t.get_text().split(":")[0] for t in fig.axes[0].get_legend().get_texts()][:2]
    ['binance', 'bybit']
    """
    how = _resolve_stack(hm, stack)
    lm = hm.liquidation_map(at)
    px = lm.attrs["price"]
    edges = hm.price_edges
    own = ax is None
    fig, ax = _axes(ax, (11, 5.2))
    if how is not None:
        if how == "venue":
            parts = liquidation_map_by_venue(hm, at)
            colours = venue_colors(parts.shape[1])
        else:
            parts = liquidation_map_by_tier(hm, at, bands)
            colours = tier_colors(parts.shape[1])
        bottom = np.zeros(len(parts))
        for name, color in zip(parts.columns, colours, strict=True):
            top_ = bottom + parts[name].to_numpy()
            ax.stairs(top_, edges, baseline=bottom, fill=True, color=color, lw=0,
                      label=f"{name}: {_usd(parts[name].sum())} USD")  # fmt: skip
            bottom = top_
        occupied_usd = bottom
    else:
        ax.stairs(lm["long_usd"].to_numpy(), edges, fill=True, color=LONG_COLOR, alpha=0.75,
                  label="longs: USD per bin")  # fmt: skip
        ax.stairs(lm["short_usd"].to_numpy(), edges, fill=True, color=SHORT_COLOR, alpha=0.75,
                  label="shorts: USD per bin")  # fmt: skip
        occupied_usd = lm["long_usd"].to_numpy() + lm["short_usd"].to_numpy()
    ax.axvline(px, color="0.15", lw=1.2, ls="--", label=f"current price {price_text(px)}")
    ax.set_xlabel("liquidation price (USD)")
    ax.set_ylabel("USD per price bin")
    ax.yaxis.set_major_formatter(FuncFormatter(usd_label))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, p: price_text(v)))
    ax.set_ylim(bottom=0)
    ax.grid(True, axis="y", alpha=0.25)
    cum = ax.twinx()
    x = lm.index.to_numpy()
    below, above = x < px, x > px
    cum.plot(x[below], lm["cum_long_usd"].to_numpy()[below], color=LONG_COLOR, lw=2,
             label="cumulative longs liquidated if price falls to here")  # fmt: skip
    cum.plot(x[above], lm["cum_short_usd"].to_numpy()[above], color=SHORT_COLOR, lw=2,
             label="cumulative shorts liquidated if price rises to here")  # fmt: skip
    cum.set_ylabel("cumulative USD from the current price")
    cum.yaxis.set_major_formatter(FuncFormatter(usd_label))
    cum.set_ylim(bottom=0)
    occupied = np.flatnonzero(occupied_usd > 0)
    if occupied.size:
        lo, hi = edges[occupied[0]], edges[occupied[-1] + 1]
        pad = 0.03 * (hi - lo) + 1e-6 * px
        ax.set_xlim(min(lo, px) - pad, max(hi, px) + pad)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = cum.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", fontsize=8, framealpha=0.85, ncols=2)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.35)  # room for the legend above the bars
    cum.set_ylim(top=cum.get_ylim()[1] * 1.35)
    _mark_synthetic(ax, hm, market)
    when = pd.Timestamp(lm.attrs["time"]).strftime("%Y-%m-%d %H:%M UTC")
    by = "bars by venue · " if how == "venue" else ""
    _set_title(
        fig,
        ax,
        own,
        title or f"Liquidation map at {when} · {_model_label(hm)}\n{by}{_data_label(market, hm)}",
    )
    return fig


_NICE_BLOCKS = ("1min", "5min", "15min", "30min", "1h", "2h", "4h", "6h", "12h", "1D", "7D")


def _block_rule(index: pd.DatetimeIndex, max_bars: int) -> str | None:
    """The shortest nice block giving at most ``max_bars`` bars (None = one bar per candle)."""
    if len(index) <= max_bars:
        return None
    span = index[-1] - index[0]
    step = index[1] - index[0]
    for rule in _NICE_BLOCKS:
        td = pd.Timedelta(rule)
        if td >= step and span / td < max_bars:
            return rule
    return _NICE_BLOCKS[-1]


def _duration(td: pd.Timedelta) -> str:
    s = int(td.total_seconds())
    for unit, name in ((86400, "d"), (3600, "h"), (60, "min")):
        if s % unit == 0 and s >= unit:
            return f"{s // unit} {name}"
    return f"{s} s"


@_checks_first("heatmap")
def plot_predicted_liquidations(
    hm,
    *,
    market: pd.DataFrame | None = None,
    title: str | None = None,
    max_bars: int = 400,
    fig: Figure | None = None,
) -> Figure:
    """Predicted liquidations over time: longs down (negative), shorts up, with the price.

    The series are the USD the model removed when price swept a level
    (``hm.predicted_long_usd`` / ``hm.predicted_short_usd``). With more candles than
    ``max_bars`` they are summed into blocks of a round length (5 min, 15 min, 1 h, ...; the
    axis label says which), so bars stay readable.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (its predicted liquidations, USD).
    market : pandas.DataFrame, optional
        The frame the heatmap came from: its price path and its label (``SYNTHETIC``...).
    title : str, optional
        Figure title; default names the model and data.
    max_bars : int
        At most this many bars per side.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw the two panels into.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes sharing time: price (top) and predicted liquidations in USD per block
        (bottom; shorts as positive bars, longs as negative bars).

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(500)
    >>> fig = plot_predicted_liquidations(lq.estimate_heatmap(m, n_bins=50), market=m)
    >>> len(fig.axes)
    2
    """
    if not isinstance(max_bars, int | np.integer) or max_bars < 1:
        raise InputError(f"max_bars {max_bars!r} is not a positive integer: use e.g. 400")
    longs = hm.predicted_long_usd
    shorts = hm.predicted_short_usd
    rule = _block_rule(longs.index, int(max_bars))
    if rule is not None:
        longs = longs.resample(rule).sum()
        shorts = shorts.resample(rule).sum()
        width_td = pd.Timedelta(rule)
    else:
        width_td = longs.index[1] - longs.index[0] if len(longs) > 1 else pd.Timedelta("1min")
    x = _date_nums(longs.index)
    width = width_td / pd.Timedelta(days=1)
    lg, sh = longs.to_numpy(), shorts.to_numpy()
    fig = _new_figure(fig, (11, 6))
    ax_p, ax_l = fig.subplots(2, 1, sharex=True, height_ratios=(1.3, 2))
    times, price, label = _price_path(hm, market)
    ax_p.plot(_date_nums(times), price, color="0.2", lw=0.8)
    ax_p.set_ylabel(f"{label} (USD)")
    ax_p.grid(True, alpha=0.3)
    ax_l.bar(x, sh, width=width, align="edge", color=SHORT_COLOR, lw=0,
             label=f"shorts liquidated (price rose): {_usd(sh.sum())} USD in total")  # fmt: skip
    ax_l.bar(x, -lg, width=width, align="edge", color=LONG_COLOR, lw=0,
             label=f"longs liquidated (price fell): {_usd(lg.sum())} USD in total")  # fmt: skip
    ax_l.axhline(0, color="0.4", lw=0.6)
    ax_l.yaxis.set_major_formatter(FuncFormatter(lambda v, p: _usd(abs(v))))
    ax_l.set_ylabel(
        f"predicted liquidations\n(USD per {_duration(width_td)};\nlongs down, shorts up)"
    )
    ax_l.legend(loc="lower left", fontsize=8)
    ax_l.grid(True, axis="y", alpha=0.3)
    ax_l.set_xlim(x[0], x[-1] + width)
    _time_axis(ax_l)
    fig.suptitle(title or f"Predicted liquidations · {_model_label(hm)}\n{_data_label(market, hm)}")
    return fig


def plot_liquidation_price_vs_leverage(
    entry: float, leverages, qty: float, symbol: str = "BTCUSDT", *, fig: Figure | None = None
) -> Figure:
    """Exact liquidation price against leverage, and how much two common mistakes are off.

    Exact: the Binance USD-M isolated formula with the MMR and ``cum`` of the bracket that the
    notional ``entry * qty`` falls in (:func:`liqlib.liquidation_price`). Mistakes: "no
    maintenance margin", ``entry * (1 -/+ 1/L)``; and "MMR divided by leverage",
    ``entry * (1 -/+ (1 - MMR)/L)`` (maintenance margin taken on the margin instead of the
    notional). Both put the liquidation price too far from the entry.

    Parameters
    ----------
    entry : float
        Entry price (USD/coin).
    leverages : sequence of float
        Leverages to draw (x), >= 1; those above the bracket's maximum are left out (the title
        says so).
    qty : float
        Position size (coins); ``entry * qty`` (USD) picks the bracket.
    symbol : str
        Symbol of the built-in bracket table.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw the two panels into.

    Returns
    -------
    matplotlib.figure.Figure
        Left: liquidation price (USD) against leverage, exact and without maintenance margin.
        Right: distance from entry to liquidation (% of entry) for the exact formula and both
        mistakes, log-log, where the gap at high leverage is visible.

    Examples
    --------
    >>> fig = plot_liquidation_price_vs_leverage(67_000.0, [2, 5, 10, 20, 50, 100], 1.0)
    >>> fig.axes[0].get_xlabel()
    'leverage (x)'
    """
    from liqlib.estimate.brackets import get_bracket_table, liquidation_price

    table = get_bracket_table(symbol)
    notional = float(entry) * float(qty)
    b = int(table.bracket_index(notional))
    mmr, cum, max_lev = table.mmr[b], table.cum_usd[b], table.max_leverage[b]
    lev = np.unique(np.asarray(leverages, dtype=float))
    dropped = lev[lev > max_lev]
    lev = lev[(lev <= max_lev) & (lev >= 1)]
    if lev.size == 0:
        raise InputError(
            f"no leverage between 1x and the bracket maximum {max_lev:g}x to draw: "
            "choose smaller leverages or a smaller position"
        )
    fig = _new_figure(fig, (11, 4.8))
    ax, ax_d = fig.subplots(1, 2)
    for s, sign, color in (("long", -1.0, LONG_COLOR), ("short", 1.0, SHORT_COLOR)):
        exact = liquidation_price(entry, lev, s, qty, symbol=symbol)
        ax.plot(lev, exact, color=color, lw=2, marker="o", ms=3, label=f"{s}: exact")
        ax.plot(lev, entry * (1 + sign / lev), color=color, lw=1.2, ls="--",
                label=f"{s}: no maintenance margin")  # fmt: skip
        dist = np.abs(exact - entry) / entry * 100
        ax_d.plot(lev, dist, color=color, lw=2, marker="o", ms=3, label=f"{s}: exact")
    ax_d.plot(lev, 100 / lev, color="0.2", lw=1.2, ls="--", label="no maintenance margin: 1/L")
    ax_d.plot(lev, 100 * (1 - mmr) / lev, color="tab:blue", lw=1.6, ls=":",
              label="MMR divided by L: (1 - MMR)/L")  # fmt: skip
    ax.axhline(entry, color="0.5", lw=0.8, label=f"entry {entry:,.2f}")
    ax.set_ylabel("liquidation price (USD)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:,.0f}"))
    ax.legend(fontsize=8, loc="upper right")
    ax_d.set_yscale("log")
    ax_d.set_ylabel("distance from entry to liquidation (% of entry)")
    ax_d.yaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:g}"))
    ax_d.legend(fontsize=8, loc="lower left")
    ax_d.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ticks = [x for x in (1, 2, 3, 5, 10, 20, 50, 100, 150) if lev[0] <= x <= lev[-1]]
    for a in (ax, ax_d):
        a.set_xscale("log")
        a.set_xlabel("leverage (x)")
        a.xaxis.set_major_locator(FixedLocator(ticks or list(lev)))
        a.xaxis.set_major_formatter(FuncFormatter(lambda v, p: f"{v:g}"))
        a.xaxis.set_minor_formatter(NullFormatter())
        a.grid(True, which="major", alpha=0.3)
    note = f"; {dropped.size} leverage(s) above {max_lev:g}x left out" if dropped.size else ""
    fig.suptitle(
        f"Liquidation price vs leverage · {symbol}, entry {entry:,.2f} USD × {qty:g} coin "
        f"= {notional:,.0f} USD notional\n{symbol} bracket {b + 1}: MMR {mmr:.2%}, "
        f"cum {cum:,.0f} USD, max {max_lev:g}x{note}"
    )
    return fig
