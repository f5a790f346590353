"""Figures of the teaching notebooks that explain a model rather than show a result.

:func:`plot_book_vs_open_interest` draws what notebook 02 says about the default ``turnover``
model: each side of its book holds a share of the open interest (so both sides together can
hold up to twice it), the warm start fills the book from the first candle, and the warm book's
levels sit away from the price (the levels nearest it were just swept).

Examples
--------
>>> import liqlib as lq
>>> m = lq.make_synthetic_market(1_500, seed=3)
>>> warm = lq.estimate_heatmap(m, model="turnover", n_bins=80, max_columns=40)
>>> cold = lq.estimate_heatmap(m, model="turnover", n_bins=80, max_columns=40, warm_start=False)
>>> len(plot_book_vs_open_interest(warm, cold, m).axes)
2
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.viz.plot import (
    LONG_COLOR,
    SHORT_COLOR,
    _data_label,
    _date_nums,
    _mark_synthetic,
    _new_figure,
    _time_axis,
    _usd,
)

__all__ = ["open_interest_usd", "plot_book_vs_open_interest"]


def open_interest_usd(market: pd.DataFrame) -> pd.Series:
    """Open interest in USD (coins x close, last value carried forward), NaN where unknown."""
    if C.OI_COIN not in market:
        raise InputError("the market has no open interest (oi_coin): load it with lq.load_market")
    return (market[C.OI_COIN].ffill() * market[C.CLOSE]).rename("open_interest_usd")


def plot_book_vs_open_interest(
    warm,
    cold,
    market: pd.DataFrame,
    *,
    title: str | None = None,
    fig: Figure | None = None,
) -> Figure:
    """The turnover model's book against open interest, with and without the warm start.

    Parameters
    ----------
    warm, cold : liqlib.Heatmap
        The same market estimated by the ``turnover`` model with ``warm_start=True`` and
        ``warm_start=False``.
    market : pandas.DataFrame
        The market both came from (open interest, price, label).
    title : str, optional
        Figure title; default names the data.
    fig : matplotlib.figure.Figure or SubFigure, optional
        An empty figure to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Left: USD held by the longs, the shorts and both sides of the warm book over time
        (UTC), with the open interest and twice it (USD). Right: the first column of both
        books, USD by distance of the level from the price (%): the warm start's stationary
        book (no level at the price, a peak further out) against the empty start's, where
        the whole open interest sits at the levels of the first candle.
    """
    if warm.price_edges.size != cold.price_edges.size or len(warm.times) != len(cold.times):
        raise InputError("warm and cold must be estimated on the same grid: pass the same params")
    oi = open_interest_usd(market)
    fig = _new_figure(fig, (12, 4.6))
    ax, ax_p = fig.subplots(1, 2, width_ratios=(1.7, 1))
    x = _date_nums(warm.times)
    tot = warm.totals()
    both = tot["long_usd"] + tot["short_usd"]
    ax.plot(x, both, color="#6a3d9a", lw=1.6, label="longs + shorts")
    ax.plot(x, tot["long_usd"], color=LONG_COLOR, lw=1.4, label="longs")
    ax.plot(x, tot["short_usd"], ":", color=SHORT_COLOR, lw=1.8, label="shorts")
    xo = _date_nums(oi.index)
    ax.plot(xo, oi.to_numpy(), color="0.1", lw=0.9, label="open interest")
    ax.plot(xo, 2 * oi.to_numpy(), "--", color="0.4", lw=0.9, label="2 × open interest")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, p: _usd(v)))
    ax.set_ylabel("USD")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right", ncols=3)
    ax.set_title("USD held by each side of the book (warm start) vs open interest", fontsize=10)
    _time_axis(ax)
    _mark_synthetic(ax, warm, market)

    centres = warm.bin_centers() if callable(warm.bin_centers) else warm.bin_centers
    dist = centres / float(warm.price[0]) - 1.0
    ax_p.fill_between(dist, warm.long_usd[0], step="mid", color=LONG_COLOR, lw=0,
                      label="longs (below the price)")  # fmt: skip
    ax_p.fill_between(dist, warm.short_usd[0], step="mid", color=SHORT_COLOR, lw=0,
                      label="shorts (above the price)")  # fmt: skip
    cold_usd = cold.long_usd[0] + cold.short_usd[0]
    ax_p.step(dist, cold_usd, where="mid", color="0.15", lw=1.0,
              label="empty start: all at the first candle's levels")  # fmt: skip
    ax_p.axvline(0, color="0.2", lw=0.8, ls="--")
    ax_p.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_p.yaxis.set_major_formatter(FuncFormatter(lambda v, p: _usd(v)))
    ax_p.set_xlabel("liquidation level vs the price (%)")
    ax_p.set_ylabel("USD per price bin")
    ax_p.set_xlim(-0.3, 0.3)
    ax_p.legend(fontsize=8)
    ax_p.grid(True, alpha=0.3)
    ax_p.set_title(
        f"both books at their first column, {warm.times[0]:%Y-%m-%d %H:%M} UTC", fontsize=10
    )
    fig.suptitle(title or f"The turnover model's book · {_data_label(market, warm)}")
    return fig
