"""One heatmap over several venues: each venue estimated on its own market frame (its own open
interest, volumes and prices) with its own margin tiers and liquidation formula
(:mod:`liqlib.estimate.venue_tiers`), all on one price grid, then summed bin by bin.

The mapping's keys name the venues: ``{"binance": frame, "bybit": frame, "okx": frame}``
estimates the "bybit" frame with Bybit's risk limits and formula (a frame whose
``attrs["venue"]`` says otherwise is refused). A venue without a table for the symbol falls
back to Binance's, with a warning, and ``hm.brackets_note`` names each venue's table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.estimate.brackets import FORMULAS
from liqlib.estimate.heatmap import Heatmap


def venue_overrides(name) -> dict:
    """``{"venue": name}`` when ``name`` (a mapping key) is a venue with its own tiers and
    formula, else ``{}``: the keys of ``{venue: frame}`` name the venues."""
    key = str(name).strip().lower()
    return {"venue": key} if key in FORMULAS else {}


def venue_names(markets: Mapping[str, pd.DataFrame]) -> list[str]:
    """The venues of ``{venue: frame}``, first venue first, once their frames are checked to be
    on one time axis (one-line InputError otherwise, or when there is none)."""
    if not markets:
        raise InputError("markets is empty: pass {'binance': frame, 'bybit': frame, ...}")
    names = list(markets)
    index = markets[names[0]].index
    for name in names[1:]:
        if not markets[name].index.equals(index):
            raise InputError(
                f"the {name} market is not on the {names[0]} time axis: load both with the same "
                "start, end and interval (lq.load_market(..., venues=...) aligns them)"
            )
    return names


def _add(arrays: list):
    """Element-wise sum of equal-shaped arrays (None when any is None), in one new array."""
    if any(a is None for a in arrays):
        return None
    out = np.array(arrays[0], dtype=float, copy=True)
    for a in arrays[1:]:
        out += a
    return out


def sum_heatmaps(parts: Mapping[str, Heatmap], **source) -> Heatmap:
    """Add per-venue heatmaps of the same columns and price grid, bin by bin.

    Parameters
    ----------
    parts : mapping of str to Heatmap
        Venue -> its heatmap, all on the first one's columns and grid (the first gives the
        price path and the parameters).
    **source
        Entries added to the first heatmap's ``source`` (besides ``venues``, the names).

    Returns
    -------
    Heatmap
        USD (USD per bin), overflow, predicted liquidations (USD per candle) and flows
        summed; per-tier USD too when every part has it on the same leverages, else None.
        ``venues`` holds ``parts``.
    """
    hms = list(parts.values())
    first = hms[0]
    by_tier = all(h.leverages == first.leverages for h in hms)
    return replace(
        first,
        long_usd=_add([h.long_usd for h in hms]),
        short_usd=_add([h.short_usd for h in hms]),
        overflow_long_usd=_add([h.overflow_long_usd for h in hms]),
        overflow_short_usd=_add([h.overflow_short_usd for h in hms]),
        predicted_long_usd=sum((h.predicted_long_usd for h in hms[1:]), first.predicted_long_usd),
        predicted_short_usd=sum(
            (h.predicted_short_usd for h in hms[1:]), first.predicted_short_usd
        ),
        flows=sum((h.flows for h in hms[1:]), first.flows),
        long_usd_by_tier=_add([h.long_usd_by_tier for h in hms]) if by_tier else None,
        short_usd_by_tier=_add([h.short_usd_by_tier for h in hms]) if by_tier else None,
        source={**first.source, **source, "venues": tuple(parts)},
        venues=dict(parts),
    )


def estimate_by_venue(
    markets: Mapping[str, pd.DataFrame], estimate_one: Callable[..., Heatmap], **overrides
) -> Heatmap:
    """Sum per-venue heatmaps estimated on one price grid.

    Parameters
    ----------
    markets : mapping of str to pandas.DataFrame
        Venue -> market frame, all on the same time index (``lq.load_market(...,
        venues=...)`` aligns them). The first venue sets the price grid and the price path.
    estimate_one : callable
        ``estimate_one(market, **overrides) -> Heatmap`` (one venue).
    **overrides
        Passed to every venue's estimate (``price_edges`` is set from the first venue; ``venue``
        from each key that names a venue, so ``venue=`` itself is refused).

    Returns
    -------
    Heatmap
        USD summed over venues; ``venues`` holds each venue's own heatmap (and
        ``to_xarray()`` gains ``usd_by_venue`` with a ``venue`` dimension).
    """
    names = venue_names(markets)
    if "venue" in overrides:
        raise InputError(
            "venue= cannot be given with {venue: frame}: the keys name the venues "
            "(e.g. {'bybit': frame})"
        )

    first = estimate_one(markets[names[0]], **overrides, **venue_overrides(names[0]))
    edges = tuple(float(e) for e in first.price_edges)
    parts = {names[0]: first}
    for name in names[1:]:
        parts[name] = estimate_one(
            markets[name], **{**overrides, "price_edges": edges, **venue_overrides(name)}
        )
    hms = list(parts.values())
    if any(not h.times.equals(first.times) for h in hms):
        raise InputError("the venues' heatmaps have different columns: give them the same bars")
    return sum_heatmaps(parts, source="+".join(names))
