"""A second venue's market made from one market (SIMULATED): the same bars at a small price
basis, with a share of its open interest and volume. Shared by the venue figure tests."""

from __future__ import annotations

import pandas as pd

PRICE_COLUMNS = ("open", "high", "low", "close", "mark_open", "mark_high", "mark_low", "mark_close")
SIZE_COLUMNS = ("oi_coin", "oi_usd", "volume", "quote_volume")


def other_venue(market: pd.DataFrame, share: float, basis: float) -> pd.DataFrame:
    """``market`` with prices x (1 + ``basis``) and sizes x ``share`` (fractions)."""
    out = market.copy()
    for col in PRICE_COLUMNS:
        if col in out:
            out[col] = market[col] * (1 + basis)
    for col in SIZE_COLUMNS:
        if col in out:
            out[col] = market[col] * share
    out.attrs = dict(market.attrs)
    return out
