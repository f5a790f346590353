"""Publicly reported figures about the case-study events: **cited context only**.

These numbers were typed from the sources named with them. They are never fitted to, never
used by a computation of liqlib, and notebooks show them apart from what liqlib computes, with
their source. Each entry: ``what`` (the claim, as reported), ``value``, ``unit``, ``window`` (the period
the figure covers, as the source states it, or "not stated"), ``source`` (who reported it,
quoting whom) and ``url``.

Reported long/short imbalances use ``(long - short) / short``; :func:`reconcile_imbalance`
puts each through that definition and through the long share liqlib reports, window by window,
so figures from different windows are not read as one.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CITED", "cited_table", "reconcile_imbalance"]

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
             value=100_000.0, unit="USD", window="4 Nov 2025", source="Coinspeaker",
             url=_COINSPEAKER),
        dict(what="crypto-market liquidations, 24 h to 4 Nov 2025 (all venues)",
             value=1.3e9, unit="USD", window="24 h to 4 Nov 2025",
             source="Coinspeaker quoting Coinglass", url=_COINSPEAKER),
        dict(what="of which BTC", value=445e6, unit="USD", window="24 h to 4 Nov 2025",
             source="Coinspeaker quoting Coinglass", url=_COINSPEAKER),
        dict(what="DOGE long liquidations, 6 Nov 2025", value=3.94e6, unit="USD",
             window="6 Nov 2025 (period not stated)",
             source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
        dict(what="DOGE short liquidations, 6 Nov 2025", value=961.79e3, unit="USD",
             window="6 Nov 2025 (period not stated)",
             source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
        dict(what="DOGE long/short liquidation imbalance as stated, 6 Nov 2025", value=12_129.0,
             unit="%", window="6 Nov 2025 (period not stated)",
             source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
        dict(what="DOGE long liquidations, the same post's summary line", value=242e3,
             unit="USD", window="not stated (the post's key takeaways)",
             source="Binance Square post quoting Coinglass", url=_BINANCE_SQUARE_DOGE),
    ],
    "oct-2025": [
        dict(what="crypto-market liquidations in 24 h, 10-11 Oct 2025 (all venues)",
             value=19e9, unit="USD", window="24 h, 10-11 Oct 2025",
             source="Yellow Research quoting Coinglass", url=_YELLOW),
        dict(what="trader accounts liquidated", value=1.6e6, unit="accounts",
             window="24 h, 10-11 Oct 2025", source="Yellow Research quoting Coinglass",
             url=_YELLOW),
        dict(what="BTC fell from about this price", value=122_000.0, unit="USD",
             window="10-11 Oct 2025", source="Yellow Research", url=_YELLOW),
        dict(what="to below this price", value=107_000.0, unit="USD", window="10-11 Oct 2025",
             source="Yellow Research", url=_YELLOW),
    ],
}  # fmt: skip


def cited_table(event: str) -> pd.DataFrame:
    """The cited figures of one event (``"nov-2025"``, ``"oct-2025"``) as a table."""
    from liqlib.errors import InputError

    if event not in CITED:
        raise InputError(f"event {event!r} has no cited context: use one of {sorted(CITED)}")
    return pd.DataFrame(CITED[event])


def reconcile_imbalance(event: str) -> pd.DataFrame:
    """Every cited long/short figure of an event through both definitions, with its window.

    One row per claim: a stated ``(long - short) / short`` (%), or a pair of long and short
    totals from the same source and window (whose imbalance is computed here). Columns:
    ``claim``, ``window``, ``source``, ``as reported`` (the imbalance %, stated or computed),
    ``long share %`` (``100 * long / (long + short)``, what liqlib reports) and ``how``.
    Two rows from one source that disagree are not the same window's figure.

    Examples
    --------
    >>> t = reconcile_imbalance("nov-2025")
    >>> [round(v, 1) for v in t["long share %"]]
    [80.4, 99.2]
    """
    from liqlib.stories.story import (
        long_share_from_reported_pct,
        long_share_pct,
        reported_imbalance_pct,
    )

    table = cited_table(event)
    rows = []
    stated = table[table["unit"].eq("%") & table["what"].str.contains("imbalance")]
    longs = table[table["what"].str.contains("long liquidations")]
    shorts = table[table["what"].str.contains("short liquidations")]
    for _, lo in longs.iterrows():
        match = shorts[(shorts["window"] == lo["window"]) & (shorts["source"] == lo["source"])]
        for _, sh in match.iterrows():
            rows.append(
                {
                    "claim": f"{lo['what']} / {sh['what']}",
                    "window": lo["window"],
                    "source": lo["source"],
                    "as reported": float(reported_imbalance_pct(lo["value"], sh["value"])),
                    "long share %": float(long_share_pct(lo["value"], sh["value"])),
                    "how": "computed here from the two totals",
                }
            )
    for _, st in stated.iterrows():
        rows.append(
            {
                "claim": st["what"],
                "window": st["window"],
                "source": st["source"],
                "as reported": float(st["value"]),
                "long share %": float(long_share_from_reported_pct(st["value"])),
                "how": "stated by the source",
            }
        )
    return pd.DataFrame(rows)
