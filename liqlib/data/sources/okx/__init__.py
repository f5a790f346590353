"""OKX USDT perpetual swaps: REST candles, open interest, funding, position tiers and contract
values (:mod:`.rest`, sizes converted from contracts to coins once there) and a derived
isolated liquidation price (:mod:`.margin`, UNVERIFIED: OKX publishes no formula). Liquidation
events are recorded by :mod:`liqlib.data.record` (``sell`` = a long was liquidated)."""

from liqlib.data.sources.okx.margin import liquidation_price
from liqlib.data.sources.okx.rest import (
    contracts_to_coins,
    fetch_contract_value,
    fetch_funding,
    fetch_klines,
    fetch_market,
    fetch_open_interest,
    fetch_position_tiers,
    inst_id,
    parse_contract_value,
    parse_funding,
    parse_klines,
    parse_open_interest,
    parse_position_tiers,
)

__all__ = [
    "contracts_to_coins",
    "fetch_contract_value",
    "fetch_funding",
    "fetch_klines",
    "fetch_market",
    "fetch_open_interest",
    "fetch_position_tiers",
    "inst_id",
    "liquidation_price",
    "parse_contract_value",
    "parse_funding",
    "parse_klines",
    "parse_open_interest",
    "parse_position_tiers",
]
