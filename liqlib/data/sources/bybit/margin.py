"""Bybit USDT-contract isolated liquidation price (one-way mode), by risk-limit tier.

Bybit's help article "Liquidation Price (USDT Contract)" gives, with position value
PV = size x entry, IM = PV / leverage and MM = PV x MMR - mmDeduction::

    LP_long  = entry - (IM - MM) / size - extra_margin / size
    LP_short = entry + (IM - MM) / size + extra_margin / size

Its example (1 BTC at 20,000 USD, 50x, MMR 0.5 %) gives 19,700 (tested). The newer UTA
article adds an estimated closing fee to IM and MM; its exact text is UNVERIFIED and is not
modelled here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.errors import InputError


def tier_of(tiers: pd.DataFrame, notional_usd: float) -> pd.Series:
    """The risk-limit tier (a row of :func:`~.rest.parse_risk_limits`) holding a position value."""
    caps = tiers["notional_cap"].to_numpy(float)
    i = int(np.searchsorted(caps, notional_usd, side="left"))
    if i >= len(caps):
        raise InputError(
            f"a position of {notional_usd:,.0f} USD exceeds the largest risk limit "
            f"({caps[-1]:,.0f} USD): use a smaller size"
        )
    return tiers.iloc[i]


def liquidation_price(
    entry: float, leverage: float, side: str, size: float = 1.0, tiers: pd.DataFrame | None = None,
    *, mmr: float | None = None, mm_deduction: float = 0.0, extra_margin: float = 0.0,
) -> float:  # fmt: skip
    """Isolated liquidation price (USD) of a Bybit linear position.

    Parameters
    ----------
    entry : float
        Entry price (USD/coin).
    leverage : float
        Leverage set on the position (IM = value / leverage).
    side : {"long", "short"}
        Direction of the position.
    size : float
        Position size (coins).
    tiers : pandas.DataFrame, optional
        Risk-limit tiers (:func:`~.rest.fetch_risk_limits`); give either these or ``mmr``.
    mmr, mm_deduction : float, optional
        Maintenance margin rate and deduction (USD) when no ``tiers`` are given.
    extra_margin : float
        Margin added to the position (USD).

    Examples
    --------
    >>> liquidation_price(20_000, 50, "long", 1.0, mmr=0.005)
    19700.0
    """
    if side not in ("long", "short"):
        raise InputError(f"side={side!r}: use 'long' or 'short'")
    if not (entry > 0 and leverage > 0 and size > 0):
        raise InputError("entry, leverage and size must be positive: e.g. 20000, 50, 1.0")
    value = size * entry
    if tiers is not None:
        tier = tier_of(tiers, value)
        mmr, mm_deduction = float(tier["mmr"]), float(tier["mm_deduction"])
        if leverage > float(tier["max_leverage"]):
            raise InputError(
                f"leverage {leverage:g} exceeds the tier's maximum {float(tier['max_leverage']):g}"
                " for this position value: lower it"
            )
    if mmr is None:
        raise InputError("give the risk-limit tiers or mmr=, e.g. mmr=0.005")
    im = value / leverage
    mm = value * mmr - mm_deduction
    step = (im - mm) / size + extra_margin / size
    return float(entry - step if side == "long" else entry + step)
