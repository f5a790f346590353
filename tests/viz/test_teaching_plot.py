"""Notebook 02's figure of the turnover book: its content, not only its title."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.viz.teaching import open_interest_usd, plot_book_vs_open_interest


@pytest.fixture(scope="module")
def books():
    market = lq.make_synthetic_market(2_000, seed=3)
    kw = dict(model="turnover", n_bins=120, max_columns=60)
    return (
        market,
        lq.estimate_heatmap(market, **kw),
        lq.estimate_heatmap(market, warm_start=False, **kw),
    )


def test_book_figure_shows_each_side_and_twice_the_open_interest(books):
    market, warm, cold = books
    fig = plot_book_vs_open_interest(warm, cold, market)
    ax, ax_p = fig.axes[:2]
    lines = {line.get_label(): line for line in ax.get_lines()}
    oi = open_interest_usd(market).to_numpy()
    assert np.allclose(lines["2 × open interest"].get_ydata(), 2 * oi, equal_nan=True)
    both = np.asarray(lines["longs + shorts"].get_ydata())
    tot = warm.totals()
    assert np.allclose(both, tot["long_usd"] + tot["short_usd"])
    # the y axis (USD) reaches the book's top, from zero
    lo, hi = ax.get_ylim()
    assert lo == 0 and hi >= both.max()
    # right: levels by distance from the price, longs below it and shorts above
    assert ax_p.get_xlim() == pytest.approx((-0.3, 0.3))
    long_fill, short_fill = ax_p.collections[:2]
    long_x = long_fill.get_paths()[0].vertices[:, 0]
    short_x = short_fill.get_paths()[0].vertices[:, 0]
    centres = warm.bin_centers() if callable(warm.bin_centers) else warm.bin_centers
    dist = centres / warm.price[0] - 1
    assert long_x.min() == pytest.approx(dist.min(), abs=0.02)
    longs, shorts = warm.long_usd[0], warm.short_usd[0]
    assert longs[dist < 0].sum() > 0.9 * longs.sum() and shorts[dist > 0].sum() > 0.9 * shorts.sum()
    assert short_x.max() == pytest.approx(dist.max(), abs=0.02)


def test_book_figure_refuses_books_on_different_grids(books):
    market, warm, _ = books
    other = lq.estimate_heatmap(market, model="turnover", n_bins=80, max_columns=60)
    with pytest.raises(InputError, match="same grid"):
        plot_book_vs_open_interest(warm, other, market)
