"""Bybit linear USDT perpetuals: REST candles, open interest, funding, risk-limit tiers
(:mod:`.rest`) and the isolated liquidation price (:mod:`.margin`). Liquidation events are
recorded by :mod:`liqlib.data.record` (``Buy`` = a long was liquidated)."""

from liqlib.data.sources.bybit.margin import liquidation_price, tier_of
from liqlib.data.sources.bybit.rest import (
    fetch_funding,
    fetch_klines,
    fetch_market,
    fetch_open_interest,
    fetch_risk_limits,
    parse_funding,
    parse_klines,
    parse_open_interest,
    parse_risk_limits,
)

__all__ = [
    "fetch_funding",
    "fetch_klines",
    "fetch_market",
    "fetch_open_interest",
    "fetch_risk_limits",
    "liquidation_price",
    "parse_funding",
    "parse_klines",
    "parse_open_interest",
    "parse_risk_limits",
    "tier_of",
]
