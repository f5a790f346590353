"""Realized liquidations as dots: over a heatmap (``plot_heatmap(..., realized=liqs)``) or on
their own axes. Colour by the side liquidated, area by USD."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from liqlib.errors import InputError
from liqlib.viz.plot import _axes, _date_nums, _set_title, _time_axis, usd_label

#: Colours of the side whose positions were liquidated (distinct from the heat colormaps).
SIDE_COLORS = {"long": "#ff4d6d", "short": "#4dd2ff"}


def check_realized(liqs) -> pd.DataFrame:
    """``liqs`` checked (a time index, columns side, price, usd) and sorted by time.

    Raises
    ------
    InputError
        Not a frame of realized liquidations (one line, naming what is missing).
    """
    if not isinstance(liqs, pd.DataFrame):
        raise InputError(
            f"realized liquidations must be a DataFrame, not {type(liqs).__name__}: pass "
            "lq.load_liquidations(DIR)"
        )
    missing = {"side", "price", "usd"} - set(liqs.columns)
    if missing or not isinstance(liqs.index, pd.DatetimeIndex):
        raise InputError(
            f"realized liquidations need a time index and columns side, price, usd (missing "
            f"{sorted(missing)}): pass lq.load_liquidations(DIR)"
        )
    if liqs.index.tz is None:
        raise InputError(
            "realized liquidations need UTC times: use liqs.tz_localize('UTC') (or "
            "lq.load_liquidations, which gives them)"
        )
    bad = sorted(set(liqs["side"].unique()) - set(SIDE_COLORS))
    if bad:
        raise InputError(
            f"realized liquidations have side values {bad[:3]}: use 'long' (a long position "
            "was liquidated) or 'short', as lq.load_liquidations gives them"
        )
    if liqs.index.is_monotonic_increasing:
        return liqs
    out = liqs.sort_index(kind="stable")
    out.attrs = dict(liqs.attrs)
    return out


def draw_realized(ax, liqs: pd.DataFrame, *, max_size: float = 160.0, min_usd: float = 0.0):
    """Draw ``liqs`` (from ``lq.load_liquidations``) on ``ax`` at (time, price); returns the
    number of dots. Dot area grows with USD (square root, largest = ``max_size`` pt^2);
    events below ``min_usd`` are left out."""
    liqs = check_realized(liqs)
    shown = liqs[liqs["usd"] >= min_usd]
    if shown.empty:
        return 0
    top = float(shown["usd"].max())
    x = _date_nums(shown.index)
    for side, color in SIDE_COLORS.items():
        mask = (shown["side"] == side).to_numpy()
        if not mask.any():
            continue
        usd = shown["usd"].to_numpy(float)[mask]
        ax.scatter(
            x[mask], shown["price"].to_numpy(float)[mask], s=8 + max_size * np.sqrt(usd / top),
            color=color, edgecolors="white", linewidths=0.4, alpha=0.85, zorder=6,
        )  # fmt: skip
    handles = [
        Line2D([], [], ls="", marker="o", color=c, markeredgecolor="white",
               label=f"realized {s} liquidations")
        for s, c in SIDE_COLORS.items()
    ]  # fmt: skip
    ax.legend(
        handles=[*ax.get_legend_handles_labels()[0], *handles], loc="upper left", fontsize=8,
        framealpha=0.6, title=f"dot area ~ USD (largest {usd_label(top)})", title_fontsize=7,
    )  # fmt: skip
    return int(len(shown))


def plot_realized(liqs: pd.DataFrame, *, title: str | None = None, ax=None) -> Figure:
    """Realized liquidations by time and price (dots by side, area by USD).

    Parameters
    ----------
    liqs : pandas.DataFrame
        From ``lq.load_liquidations`` (index time UTC; columns side, price USD, usd).
    title : str, optional
        Title; default counts the events and names the data.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_realized(lq.load_liquidations("recordings"))  # doctest: +SKIP
    """
    own = ax is None
    fig, ax = _axes(ax, (11, 4.5))
    n = draw_realized(ax, liqs)
    ax.set_ylabel("price (USD)")
    _time_axis(ax)
    note = liqs.attrs.get("note", "")
    _set_title(fig, ax, own, title or f"Realized liquidations ({n} events)\n{note}".strip())
    return fig
