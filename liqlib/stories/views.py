"""The article's static views of a liquidation heatmap: the same market over 12 h / 24 h /
3 d / 7 d (small multiples), and how much USD stacks near the price over time.

Examples
--------
>>> import liqlib as lq
>>> m = lq.make_synthetic_market(3_000)
>>> views = horizon_heatmaps(m, ("12h", "24h"), warmup="6h", n_bins=60, max_columns=40)
>>> list(views)
['12h', '24h']
>>> near = usd_near_price(views["24h"], 2.0)
>>> list(near.columns)
['long_usd', 'short_usd', 'total_usd', 'price']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.estimate.registry import estimate_heatmap
from liqlib.stories.report_window import ReportConfig, load_report_market, slice_heatmap

__all__ = ["VIEWS", "horizon_heatmaps", "load_views_market", "usd_near_price"]

#: The time ranges heatmap sites offer (Coinglass: 12 hour, 24 hour, 3 day, 7 day).
VIEWS = ("12h", "24h", "3D", "7D")


def _span(text: str) -> pd.Timedelta:
    try:
        td = pd.Timedelta(text)
    except (TypeError, ValueError):
        td = pd.NaT
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise InputError(f"view {text!r} is not a positive duration: use e.g. '12h', '3D'")
    return td


def horizon_heatmaps(
    market: pd.DataFrame, views=VIEWS, *, warmup: str = "1D", model=None, **params
) -> dict[str, Heatmap]:
    """One heatmap per view, all ending at the market's last candle.

    Each view is estimated on its own span plus ``warmup`` before it (so the model holds
    positions when the view opens) and cut to the view, with the same number of columns:
    a 12 h view has finer columns than a 7 d one, as on heatmap sites.

    Parameters
    ----------
    market : pandas.DataFrame
        A market frame (:func:`liqlib.load_data`) covering ``warmup`` + the longest view.
    views : sequence of str
        Durations ("12h", "24h", "3D", "7D").
    warmup : str
        Duration loaded before each view.
    model : str, optional
        A model of :data:`liqlib.MODELS` (default: liqlib's default model).
    **params
        Passed to :func:`liqlib.estimate_heatmap` (``params=``, ``n_bins=``...).

    Returns
    -------
    dict of str to liqlib.Heatmap
        View name -> heatmap holding only that view's columns.

    Raises
    ------
    InputError
        When the market is shorter than ``warmup`` + the longest view.
    """
    spans = {v: _span(v) for v in views}
    if not spans:
        raise InputError("views is empty: pass e.g. ('12h', '24h', '3D', '7D')")
    warm = _span(warmup)
    step = market.index[1] - market.index[0]
    end = market.index[-1] + step
    held = end - market.index[0]
    need = max(spans.values()) + warm
    if held < need:
        raise InputError(
            f"the market holds {held} but the longest view needs {need} (view + warmup): "
            "load a longer window or drop the longest view"
        )
    out = {}
    for name, span in spans.items():
        part = market.loc[market.index >= end - span - warm]
        part.attrs = dict(market.attrs)
        hm = estimate_heatmap(part, **({} if model is None else {"model": model}), **params)
        out[name] = slice_heatmap(hm, end - span)
    return out


def load_views_market(cfg: ReportConfig, views=VIEWS, warmup: str = "1D") -> pd.DataFrame:
    """The report's market widened to ``warmup`` + the longest view, ending where it ends.

    Parameters
    ----------
    cfg : ReportConfig
        The report's checked parameters (data, symbol, end, interval, model).
    views : sequence of str
        Lookbacks ending at the report's end (``"12h"``, ``"3D"``...); the longest sets the span.
    warmup : str
        Extra history before the longest view, for the book to settle (``"1D"``).

    Returns
    -------
    pandas.DataFrame
        For :func:`horizon_heatmaps` (``attrs`` as :func:`load_report_market` sets them).
    """
    import dataclasses

    longest = max(_span(v) for v in views)
    return load_report_market(dataclasses.replace(cfg, window=longest, warmup=_span(warmup)))


def usd_near_price(hm: Heatmap, within_pct: float = 2.0) -> pd.DataFrame:
    """USD of liquidation levels within ``within_pct`` % of the price, column by column.

    Longs count when their liquidation price (bin centre) lies in
    ``[price * (1 - within_pct/100), price]``, shorts in ``[price, price * (1 + within_pct/100)]``,
    ``price`` being the column's close: "how much is stacking near the price" over time.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    within_pct : float
        Half-width of the band, % of the price.

    Returns
    -------
    pandas.DataFrame
        Index: the heatmap's column times (UTC); ``long_usd``, ``short_usd``, ``total_usd``
        (USD) and ``price`` (USD/coin). ``attrs["within_pct"]``.
    """
    if isinstance(within_pct, bool) or not isinstance(within_pct, int | float) or within_pct <= 0:
        raise InputError(f"within_pct={within_pct!r} must be a number > 0: use e.g. 2 (%)")
    px = np.asarray(hm.price, dtype=float)[:, None]
    centers = np.asarray(hm.bin_centers, dtype=float)[None, :]
    w = within_pct / 100.0
    below = (centers >= px * (1 - w)) & (centers <= px)
    above = (centers >= px) & (centers <= px * (1 + w))
    longs = np.where(below, hm.long_usd, 0.0).sum(axis=1)
    shorts = np.where(above, hm.short_usd, 0.0).sum(axis=1)
    out = pd.DataFrame(
        {"long_usd": longs, "short_usd": shorts, "total_usd": longs + shorts,
         "price": px[:, 0]},
        index=pd.DatetimeIndex(hm.times, name="time"),
    )  # fmt: skip
    out.attrs = {"within_pct": float(within_pct)}
    return out
