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


def _sum(arrays):
    return np.sum(np.stack(arrays), axis=0)


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
    if not markets:
        raise InputError("markets is empty: pass {'binance': frame, 'bybit': frame, ...}")
    if "venue" in overrides:
        raise InputError(
            "venue= cannot be given with {venue: frame}: the keys name the venues "
            "(e.g. {'bybit': frame})"
        )
    names = list(markets)
    index = markets[names[0]].index
    for name in names[1:]:
        if not markets[name].index.equals(index):
            raise InputError(
                f"the {name} market is not on the {names[0]} time axis: load both with the same "
                "start, end and interval (lq.load_market(..., venues=...) aligns them)"
            )

    def venue_of(name) -> dict:  # a key that is a known venue picks its tiers and formula
        key = str(name).strip().lower()
        return {"venue": key} if key in FORMULAS else {}

    first = estimate_one(markets[names[0]], **overrides, **venue_of(names[0]))
    edges = tuple(float(e) for e in first.price_edges)
    parts = {names[0]: first}
    for name in names[1:]:
        parts[name] = estimate_one(
            markets[name], **{**overrides, "price_edges": edges, **venue_of(name)}
        )
    hms = list(parts.values())
    if any(not h.times.equals(first.times) for h in hms):
        raise InputError("the venues' heatmaps have different columns: give them the same bars")
    by_tier = all(h.long_usd_by_tier is not None for h in hms) and all(
        h.leverages == first.leverages for h in hms
    )
    total = replace(
        first,
        long_usd=_sum([h.long_usd for h in hms]),
        short_usd=_sum([h.short_usd for h in hms]),
        overflow_long_usd=_sum([h.overflow_long_usd for h in hms]),
        overflow_short_usd=_sum([h.overflow_short_usd for h in hms]),
        predicted_long_usd=sum((h.predicted_long_usd for h in hms[1:]), first.predicted_long_usd),
        predicted_short_usd=sum(
            (h.predicted_short_usd for h in hms[1:]), first.predicted_short_usd
        ),
        flows=sum((h.flows for h in hms[1:]), first.flows),
        long_usd_by_tier=_sum([h.long_usd_by_tier for h in hms]) if by_tier else None,
        short_usd_by_tier=_sum([h.short_usd_by_tier for h in hms]) if by_tier else None,
        source={**first.source, "source": "+".join(names), "venues": tuple(names)},
        venues=parts,
    )
    return total
