"""Market frames of several venues on one time axis (``lq.load_market(..., venues=...)``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from liqlib.errors import InputError

VENUES = ("binance", "bybit", "okx")


def load_venue_markets(
    symbol: str, start, end, interval: str, venues: Sequence[str],
    load_binance: Callable[..., pd.DataFrame], **binance_kw,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """``{venue: market frame}`` for ``symbol`` in ``[start, end)``, all on the first venue's
    bar grid.

    Binance comes from its archive and cache (``load_binance``, i.e. ``lq.load_market``);
    Bybit and OKX from their REST APIs (``$LIQLIB_BYBIT_REST_URL``, ``$LIQLIB_OKX_REST_URL``),
    not cached, with the columns they do not publish left NaN (trades, taker volumes,
    long/short ratios).
    """
    if isinstance(venues, str):
        venues = [v.strip() for v in venues.split(",")]
    names = [str(v).lower() for v in venues]
    unknown = [v for v in names if v not in VENUES]
    if not names or unknown:
        raise InputError(
            f"venues={list(venues)!r}: choose from {', '.join(VENUES)}, e.g. "
            "venues=('binance', 'bybit', 'okx')"
        )
    if len(set(names)) != len(names):
        raise InputError(f"venues={list(venues)!r} names a venue twice: list each once")
    out: dict[str, pd.DataFrame] = {}
    for name in names:
        if name == "binance":
            out[name] = load_binance(symbol, start, end, interval, **binance_kw)
        elif name == "bybit":
            from liqlib.data.sources.bybit import fetch_market

            out[name] = fetch_market(symbol, start, end, interval)
        else:
            from liqlib.data.sources.okx import fetch_market

            out[name] = fetch_market(symbol, start, end, interval)
    grid = out[names[0]].index
    for name in names[1:]:
        frame = out[name].reindex(grid)
        frame.attrs = dict(out[name].attrs)
        out[name] = frame
    return out
