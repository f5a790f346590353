"""Publicly reported figures about the case-study events: **cited context only**.

These numbers were typed from the sources named with them. They are never fitted to, never
used by a computation of liqlib, and notebooks show them apart from what liqlib computes, with
their source. Each entry: ``event``, ``what`` (the claim, as reported), ``value``, ``unit``,
``source`` (who reported it, quoting whom) and ``url``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CITED", "cited_table"]

_COINSPEAKER = (
    "https://www.coinspeaker.com/bitcoin-price-falls-below-100k-liquidations-hit-1-3-billion"
)
_BINANCE_SQUARE_DOGE = "https://www.binance.bh/en/square/post/32025658066657"
_YELLOW = (
    "https://yellow.com/research/"
    "trump-100-china-tariff-how-one-announcement-liquidated-dollar19-billion-in-crypto"
)

CITED: dict[str, list[dict]] = {
    "nov-2025": [
        dict(what="BTC fell below this price on 4 Nov 2025, first time in three months",
             value=100_000.0, unit="USD", source="Coinspeaker", url=_COINSPEAKER),
        dict(what="crypto-market liquidations, 24 h to 4 Nov 2025 (all venues)",
             value=1.3e9, unit="USD", source="Coinspeaker quoting Coinglass", url=_COINSPEAKER),
        dict(what="of which BTC", value=445e6, unit="USD", source="Coinspeaker quoting Coinglass",
             url=_COINSPEAKER),
        dict(what="DOGE long liquidations, 6 Nov 2025", value=3.94e6, unit="USD",
             source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
        dict(what="DOGE short liquidations, 6 Nov 2025", value=961.79e3, unit="USD",
             source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
        dict(what="DOGE long/short liquidation imbalance as stated, 6 Nov 2025", value=12_129.0,
             unit="%", source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
    ],
    "oct-2025": [
        dict(what="crypto-market liquidations in 24 h, 10-11 Oct 2025 (all venues)",
             value=19e9, unit="USD", source="Yellow Research quoting Coinglass", url=_YELLOW),
        dict(what="trader accounts liquidated", value=1.6e6, unit="accounts",
             source="Yellow Research quoting Coinglass", url=_YELLOW),
        dict(what="BTC fell from about this price", value=122_000.0, unit="USD",
             source="Yellow Research", url=_YELLOW),
        dict(what="to below this price", value=107_000.0, unit="USD", source="Yellow Research",
             url=_YELLOW),
    ],
}  # fmt: skip


def cited_table(event: str) -> pd.DataFrame:
    """The cited figures of one event (``"nov-2025"``, ``"oct-2025"``) as a table."""
    from liqlib.errors import InputError

    if event not in CITED:
        raise InputError(f"event {event!r} has no cited context: use one of {sorted(CITED)}")
    return pd.DataFrame(CITED[event])
