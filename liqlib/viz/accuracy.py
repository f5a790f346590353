"""Figures of accuracy: estimated vs true liquidation-level density, predicted vs realized.

Functions return a matplotlib ``Figure``, accept ``ax=`` to draw into an existing axes, and
never call ``show()``. Simulated truth is labelled SIMULATED in every title.

Examples
--------
>>> import liqlib as lq  # doctest: +SKIP
>>> market, truth = lq.load_demo(truth=True)  # doctest: +SKIP
>>> hm = lq.estimate_heatmap(market, n_bins=400, symbol=market.attrs["symbol"])  # doctest: +SKIP
>>> plot_density_comparison(hm, truth)  # doctest: +SKIP
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from liqlib import validate as lv
from liqlib.data.time import to_utc
from liqlib.errors import InputError
from liqlib.sim.truth import MarketTruth

__all__ = ["plot_density_comparison", "plot_predicted_vs_realized"]


def _axes(ax, figsize) -> tuple[Figure, plt.Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_density_comparison(
    heatmaps, truth: MarketTruth, at=None, *, max_offset_pct: float = 30.0, ax=None
) -> Figure:
    """Estimated vs true liquidation-level density, in % from the price, at one snapshot.

    Parameters
    ----------
    heatmaps : Heatmap or dict of name -> Heatmap
        The estimate(s) to compare.
    truth : MarketTruth
        The simulated truth.
    at : time, optional
        The snapshot (UTC): the last one at or before it; default the last snapshot.
    max_offset_pct : float
        Half-width of the x axis (% of price).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Each curve is a share of its side's USD per offset bin (longs left of 0, shorts right),
    so shapes compare whatever the totals.
    """
    if not isinstance(heatmaps, dict):
        heatmaps = {heatmaps.model: heatmaps}
    if at is None:
        s = len(truth.times) - 1
    else:
        ts = to_utc(at, "at")
        s = int(truth.times.searchsorted(ts, side="right")) - 1
        if s < 0:
            raise InputError(f"at={at} precedes the truth's first snapshot: choose a later time")
    when = truth.times[s]
    price = float(truth.price[s])
    edges = np.linspace(-max_offset_pct, max_offset_pct, int(max_offset_pct * 4) + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])
    fig, ax = _axes(ax, (9, 3.8))

    def share(profile: np.ndarray, side: str) -> np.ndarray:
        keep = centers < 0 if side == "long" else centers > 0
        v = np.where(keep, profile, 0.0)
        return v / v.sum() if v.sum() > 0 else v

    for side, color in (("long", "tab:red"), ("short", "tab:green")):
        true = lv.rebin_to_offsets(truth.side_usd(side)[s], truth.price_edges, price, edges)
        ax.fill_between(centers, share(true, side), step="mid", color=color, alpha=0.3, lw=0,
                        label=f"true {side}s (SIMULATED)")  # fmt: skip
    styles = ("-", "--", ":", "-.")
    for i, (name, hm) in enumerate(heatmaps.items()):
        j = hm.column_at(when)
        for side, color in (("long", "tab:red"), ("short", "tab:green")):
            usd = hm.long_usd[j] if side == "long" else hm.short_usd[j]
            est = lv.rebin_to_offsets(usd, hm.price_edges, price, edges)
            ax.step(centers, share(est, side), where="mid", color=color,
                    ls=styles[i % len(styles)], lw=1.3, label=f"{name} {side}s")  # fmt: skip
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_xlim(-max_offset_pct, max_offset_pct)
    ax.set_xlabel("liquidation price, % from the price at the snapshot")
    ax.set_ylabel("share of the side's USD per 0.25 % bin")
    ax.set_title(
        f"Liquidation levels, estimated vs true · SIMULATED market · {when:%Y-%m-%d %H:%M} UTC",
        fontsize=10,
    )
    ax.legend(fontsize=8, ncol=2, frameon=False)
    return fig


def plot_predicted_vs_realized(
    predictions: dict[str, pd.DataFrame],
    realized: pd.DataFrame,
    *,
    label: str = "",
    ax=None,
) -> Figure:
    """Per-bar total liquidations, predicted (x) vs realized (y), log-log, one colour each.

    Parameters
    ----------
    predictions : dict of name -> DataFrame
        Per-bar ``long_usd`` and ``short_usd`` (USD) of each model or baseline, on the same
        bars as ``realized``.
    realized : pandas.DataFrame
        Realized ``long_usd`` and ``short_usd`` per bar (USD).
    label : str
        What the data is (shown in the title): say SIMULATED for simulated truth.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Bars with a zero on either axis are drawn at the axis floor (1 USD) so they stay visible.
    Each legend entry carries its Spearman rank correlation.
    """
    fig, ax = _axes(ax, (6, 5))
    real = (realized["long_usd"] + realized["short_usd"]).to_numpy(float)
    for name, pred in predictions.items():
        p = (pred["long_usd"] + pred["short_usd"]).reindex(realized.index).to_numpy(float)
        rho = lv.per_bar_scores(pred.reindex(realized.index), realized).loc["total", "spearman"]
        ax.scatter(np.maximum(p, 1.0), np.maximum(real, 1.0), s=8, alpha=0.5,
                   label=f"{name} (Spearman {rho:.2f})")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("predicted liquidations per bar (USD, scaled by each model)")
    ax.set_ylabel("realized liquidations per bar (USD)")
    ax.set_title(f"Predicted vs realized per bar · {label}".rstrip(" ·"), fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return fig
