"""Static figures. Every function returns a matplotlib ``Figure`` and never calls ``show()``."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from liqlib import columns as C


def _source_label(market: pd.DataFrame) -> str:
    attrs = market.attrs
    if attrs.get("synthetic"):
        return f"SYNTHETIC data — {attrs.get('source', 'liqlib.synthetic')}"
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


def plot_market(market: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Price, open interest and funding of a :func:`liqlib.load_market` frame, stacked.

    Panels whose data are absent say so instead of showing an empty axis; missing bars are
    shaded grey on the price panel (they are gaps in the source, not zero prices).

    Parameters
    ----------
    market : pandas.DataFrame
        Output of :func:`liqlib.load_market` (UTC index, :mod:`liqlib.columns` names).
    title : str, optional
        Figure title; default names the symbol, source and bar length.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(11, 7.5), layout="constrained")
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
