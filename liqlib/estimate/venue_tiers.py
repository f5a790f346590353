"""Which margin-tier table a venue's market is estimated with (Bybit, OKX; Binance's own
brackets are :func:`liqlib.estimate.brackets.get_bracket_table`).

Candidates, per venue and symbol: the tables refreshed into the user cache
(``liqlib cache refresh-tiers``, dated by their fetch day) and the bundled ones
(:mod:`liqlib.data.venue_tiers`). Without ``as_of`` the newest dated table wins (a refresh is
preferred), else the bundled one; with ``as_of`` the newest dated table fetched on or before
that day, else an undated bundled one, else the oldest dated one.

A symbol the venue has no table for is **not** given another symbol's table: it falls back
to *Binance's* table (and formula) for the same symbol, with a :class:`VenueTiersWarning`
naming it, and the table's note (hence ``hm.brackets_note``) says so. A warning rather than an
error, because an aggregated heatmap of three venues should still run for the symbols the
bundled tables lack; a user who wants an error turns the warning into one
(``warnings.simplefilter("error", lq.VenueTiersWarning)``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import replace
from functools import cache

from liqlib.data.venue_tiers import (
    TIER_VENUES,
    bundled_tier_document,
    cached_tier_tables,
)
from liqlib.errors import InputError
from liqlib.estimate.brackets import (
    FORMULAS,
    BracketTable,
    _as_of_day,
    get_bracket_table,
    real_symbol,
)

__all__ = ["VenueTiersWarning", "get_tier_table", "table_from_document", "venue_tables"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: Name of each venue's tier table in notes.
TABLE_NAMES = {"binance": "brackets", "bybit": "risk limits", "okx": "position tiers"}


class VenueTiersWarning(UserWarning):
    """A venue has no tier table for a symbol, so Binance's table for it is used."""


def table_from_document(doc: dict) -> BracketTable:
    """A :class:`~liqlib.estimate.brackets.BracketTable` from one tier document.

    Examples
    --------
    >>> doc = {"venue": "bybit", "symbol": "XUSDT", "unit": "usd", "in_force": "2026-01-01/",
    ...        "source": "test", "tiers": [{"floor": 0, "cap": 1e6, "max_leverage": 50,
    ...        "mmr": 0.01, "deduction_usd": 0}]}
    >>> t = table_from_document(doc)
    >>> t.venue, t.caps_usd, t.mmr
    ('bybit', (1000000.0,), (0.01,))
    """
    tiers = doc["tiers"]
    extra = f" ({doc['kind']})" if doc.get("kind") else ""
    return BracketTable(
        symbol=str(doc["symbol"]),
        floors_usd=tuple(float(t["floor"]) for t in tiers),
        caps_usd=tuple(float(t["cap"]) for t in tiers),
        max_leverage=tuple(float(t["max_leverage"]) for t in tiers),
        mmr=tuple(float(t["mmr"]) for t in tiers),
        cum_usd=tuple(float(t.get("deduction_usd", 0.0)) for t in tiers),
        in_force=str(doc.get("in_force", "undated")),
        source=str(doc.get("source", "unknown")) + extra,
        note=str(doc.get("note", "")),
        venue=str(doc["venue"]),
        unit=str(doc.get("unit", "usd")),
    )


@cache
def _bundled(venue: str) -> tuple[BracketTable, ...]:
    return tuple(table_from_document(t) for t in bundled_tier_document(venue)["tables"])


def venue_tables(venue: str, symbol: str | None = None) -> tuple[BracketTable, ...]:
    """Every table of ``venue`` (``symbol``'s only, when given): cached refreshes, then bundled.

    Examples
    --------
    >>> [t.in_force for t in venue_tables("bybit", "BTCUSDT")][-1]
    'undated'
    """
    if venue not in TIER_VENUES:
        raise InputError(f"venue {venue!r} has no tier tables: use one of {list(TIER_VENUES)}")
    tables = [table_from_document(d) for d in cached_tier_tables(venue)] + list(_bundled(venue))
    if symbol is not None:
        tables = [t for t in tables if t.symbol == real_symbol(symbol)]
    return tuple(tables)


def _choose(tables: list[BracketTable], day: str | None) -> BracketTable:
    dated = sorted((t for t in tables if _DAY.match(t.in_force)), key=lambda t: t.in_force)
    undated = [t for t in tables if not _DAY.match(t.in_force)]
    if day is None:
        return dated[-1] if dated else undated[0]
    fits = [t for t in dated if t.in_force[:10] <= day]
    if fits:
        return fits[-1]
    return undated[0] if undated else dated[0]


def get_tier_table(venue: str, symbol: str, as_of: str | None = None) -> BracketTable:
    """The tier table ``venue``'s ``symbol`` market is estimated with (module docstring).

    Parameters
    ----------
    venue : {"binance", "bybit", "okx"}
        Whose published tiers (and liquidation formula) the table holds.
    symbol : str
        USDT perpetual as the venue names it, e.g. ``"BTCUSDT"`` or ``"1000PEPEUSDT"``
        (``SIM-`` symbols use the real one's table). Never matched to another name.
    as_of : str, optional
        ISO date (UTC) the table must be in force at; None: the newest.

    Returns
    -------
    BracketTable
        The venue's table (``venue`` set, so its formula applies), or Binance's for the same
        symbol with a :class:`VenueTiersWarning` when the venue has none.

    Raises
    ------
    InputError
        An unknown venue; a symbol neither the venue nor Binance has a table for.

    Examples
    --------
    >>> t = get_tier_table("bybit", "BTCUSDT")
    >>> t.venue, t.max_leverage[0], t.mmr[0]
    ('bybit', 100.0, 0.005)
    """
    v = venue.strip().lower() if isinstance(venue, str) else venue
    if v not in FORMULAS:
        raise InputError(f"venue {venue!r} is unknown: use one of {list(FORMULAS)}")
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol must be a non-empty string such as 'BTCUSDT', not {symbol!r}")
    day = _as_of_day(as_of)
    if v == "binance":
        return get_bracket_table(symbol, as_of)
    own = list(venue_tables(v, symbol.strip()))
    if own:
        return _choose(own, day)
    name = real_symbol(symbol.strip())
    fallback = get_bracket_table(name, as_of)  # raises if Binance has none either
    why = (
        f"no {v} {TABLE_NAMES[v]} table for {name} (bundled or refreshed): estimated with "
        f"Binance's {name} brackets and formula"
    )
    warnings.warn(
        f"{why}; run `liqlib cache refresh-tiers --venue {v} --symbols {name}` for {v}'s own",
        VenueTiersWarning,
        stacklevel=2,
    )
    note = f"{fallback.note}; {why}" if fallback.note else why
    return replace(fallback, note=note)
