"""OKX USDT-swap isolated liquidation price (one-way mode): **derived, UNVERIFIED**.

OKX publishes no closed-form liquidation price for derivatives (only a per-position
estimate, ``liqPx``, on a private endpoint). Its help pages state the rule: a position is
liquidated when margin ratio = equity / (maintenance margin + liquidation fee) <= 100 %,
with maintenance margin = value x tier MMR and fee = value x taker rate, value at the mark
price. For an isolated position of ``q`` coins entered at ``E`` with margin ``q E / L``,
equity at mark ``P`` is ``q E / L + q (P - E)`` for a long, so the condition solves to::

    P_long  = E (1 - 1/L) / (1 - mmr - fee)
    P_short = E (1 + 1/L) / (1 + mmr + fee)

The tier is the one whose coin bounds hold ``q`` (:func:`~.rest.parse_position_tiers`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.errors import InputError

#: OKX's regular-user taker fee on USDT swaps (fraction), used as the liquidation fee rate
DEFAULT_TAKER_FEE = 0.0005


def liquidation_price(
    entry: float, leverage: float, side: str, qty: float = 1.0, tiers: pd.DataFrame | None = None,
    *, mmr: float | None = None, fee: float = DEFAULT_TAKER_FEE,
) -> float:  # fmt: skip
    """Isolated liquidation price (USD) of an OKX USDT-swap position (derived, see module).

    Parameters
    ----------
    entry : float
        Entry price (USD/coin).
    leverage : float
        Leverage set on the position (x), >= 1.
    side : {"long", "short"}
        Direction of the position.
    qty : float
        Position size in **coins** (contracts x contract value).
    tiers : pandas.DataFrame, optional
        Position tiers in coins (:func:`~.rest.fetch_position_tiers`); or give ``mmr``.
    mmr : float, optional
        Maintenance margin rate (fraction) when no ``tiers`` are given.
    fee : float
        Liquidation fee rate (the taker rate).

    Examples
    --------
    >>> round(liquidation_price(100.0, 10, "long", mmr=0.004, fee=0.0), 4)
    90.3614
    """
    if side not in ("long", "short"):
        raise InputError(f"side={side!r}: use 'long' or 'short'")
    if not (entry > 0 and leverage >= 1 and qty > 0):
        raise InputError("entry and qty must be positive and leverage >= 1: e.g. 100, 10, 1.0")
    if tiers is not None:
        caps = tiers["qty_cap"].to_numpy(float)
        i = int(np.searchsorted(caps, qty, side="left"))
        if i >= len(caps):
            raise InputError(f"{qty:g} coins exceed the largest position tier ({caps[-1]:g})")
        mmr = float(tiers["mmr"].iloc[i])
        if leverage > float(tiers["max_leverage"].iloc[i]):
            raise InputError(f"leverage {leverage:g} exceeds this tier's maximum: lower it")
    if mmr is None:
        raise InputError("give the position tiers or mmr=, e.g. mmr=0.004")
    if side == "long":
        return float(entry * (1 - 1 / leverage) / (1 - mmr - fee))
    return float(entry * (1 + 1 / leverage) / (1 + mmr + fee))
