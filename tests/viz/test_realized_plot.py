"""Realized liquidations drawn as dots, alone and over a heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError


def _liqs(market: pd.DataFrame) -> pd.DataFrame:
    """Three SYNTHETIC events at the market's prices (two longs, one short)."""
    t = market.index[[10, 200, 400]]
    price = market["close"].to_numpy()[[10, 200, 400]]
    return pd.DataFrame(
        {"venue": "binance", "symbol": "BTCUSDT", "side": ["long", "short", "long"],
         "price": price, "qty": [1.0, 2.0, 0.5], "usd": price * [1.0, 2.0, 0.5]},
        index=pd.DatetimeIndex(t, name="time"),
    )  # fmt: skip


def test_dots_sit_at_time_and_price_by_side():
    m = lq.make_synthetic_market(500)
    liqs = _liqs(m)
    fig = lq.plot_realized(liqs)
    ax = fig.axes[0]
    dots = ax.collections
    assert len(dots) == 2  # one scatter per side
    longs = dots[0].get_offsets()
    assert longs.shape == (2, 2)
    assert np.allclose(longs[:, 1], liqs.price[liqs.side == "long"])
    sizes = dots[0].get_sizes()
    assert sizes[0] > sizes[1]  # 1 coin at a similar price outweighs 0.5 coin


def test_heatmap_with_realized_dots():
    m = lq.make_synthetic_market(500)
    hm = lq.estimate_heatmap(m, n_bins=50, max_columns=50)
    fig = lq.plot_heatmap(hm, m, realized=_liqs(m))
    ax = fig.axes[0]
    offsets = np.concatenate([c.get_offsets() for c in ax.collections[1:]])
    assert len(offsets) == 3
    labels = ax.get_legend_handles_labels()[1] + [t.get_text() for t in ax.get_legend().texts]
    assert any("realized long" in label for label in labels)


def test_bad_frame_is_refused():
    with pytest.raises(InputError, match="load_liquidations"):
        lq.plot_realized(pd.DataFrame({"price": [1.0]}))
