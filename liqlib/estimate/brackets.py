"""Maintenance-margin tier tables and exact liquidation prices (isolated, one-way), per venue.

A bracket table maps a position's notional (USD) to its maintenance-margin ratio ``MMR``, its
maintenance amount ``cum`` (USD) and the highest leverage allowed at that size. The bracket is
chosen by the position's notional, never by the leverage; the leverage must then be at most
the bracket's maximum.

Isolated margin, one-way mode, liquidation on the mark price::

    long  LP = (EP * (1 - 1/L) - cum/Q) / (1 - MMR)
    short LP = (EP * (1 + 1/L) + cum/Q) / (1 + MMR)

with ``EP`` the entry price (USD/coin), ``L`` the leverage, ``Q`` the quantity (coins) and
``EP * Q`` the notional (USD). For a fixed notional ``N`` (hence a fixed bracket) ``LP = k * EP``
with ``k_long = (1 - 1/L - cum/N) / (1 - MMR)`` and ``k_short = (1 + 1/L + cum/N) / (1 + MMR)``,
which is what the estimation engine uses (:func:`lp_factors`).

The same table form holds every venue's tiers (``BracketTable.venue``): Bybit's risk limits
(``cum`` = its ``mmDeduction``) and OKX's position tiers (no deduction; bounds in coins until
converted with :meth:`BracketTable.in_usd`). Each venue has its own formula, applied by
:func:`k_factors`:

* ``"binance"``: the two lines above (maintenance margin at the liquidation price);
* ``"bybit"``: maintenance margin at the *entry* value, ``LP = EP - (IM - MM) / Q`` with
  ``IM = N / L`` and ``MM = N * MMR - cum`` (Bybit's help "Liquidation Price (USDT
  Contract)"), so ``k_long = 1 - 1/L + MMR - cum/N`` and ``k_short = 1 + 1/L - MMR + cum/N``;
* ``"okx"``: derived, UNVERIFIED (:mod:`liqlib.data.sources.okx.margin`): ``k_long =
  (1 - 1/L) / (1 - MMR - fee)``, ``k_short = (1 + 1/L) / (1 + MMR + fee)``, fee = the taker
  rate.

The built-in tables (``liqlib/data/sources/binance/resources/brackets_binance_um.json``) are dated snapshots of
``GET /fapi/v1/leverageBracket`` with their source; Binance changes them from time to time, so
load a current response with :func:`load_leverage_brackets` when it matters.

Examples
--------
>>> round(float(liquidation_price(67_000.0, 10, "long", 1.0, symbol="BTCUSDT")), 2)
60542.17
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from os import PathLike
from typing import Any

import numpy as np

from liqlib.data.columns import SIM_PREFIX
from liqlib.errors import InputError

__all__ = [
    "FORMULAS",
    "BracketTable",
    "bracket_tables",
    "get_bracket_table",
    "k_factors",
    "liquidation_price",
    "load_leverage_brackets",
    "lp_factors",
]

_RESOURCE = "brackets_binance_um.json"
SIDES = ("long", "short")
#: The venues whose liquidation formula :func:`k_factors` knows.
FORMULAS = ("binance", "bybit", "okx")
#: Units a table's bounds may be in: position value (USD) or size (coins, OKX).
UNITS = ("usd", "coin")


@dataclass(frozen=True)
class BracketTable:
    """One symbol's maintenance-margin brackets, as in force at a given time.

    Attributes
    ----------
    symbol : str
        Binance USD-M symbol, e.g. ``"BTCUSDT"``.
    floors_usd, caps_usd : tuple[float, ...]
        Notional range of each bracket (USD): bracket ``i`` holds ``floor_i < N <= cap_i``
        (a zero notional falls in the first bracket).
    max_leverage : tuple[float, ...]
        Highest leverage allowed in each bracket (``initialLeverage``).
    mmr : tuple[float, ...]
        Maintenance-margin ratio of each bracket (fraction, 0.004 = 0.4 %).
    cum_usd : tuple[float, ...]
        Maintenance amount of each bracket (USD); Binance defines
        ``cum_i = cum_{i-1} + floor_i * (mmr_i - mmr_{i-1})``.
    in_force : str
        When the table applied: an ISO date or interval (``"2024-06-28/2024-09-27"``).
    source : str
        Where the numbers come from (URL, or ``repo: path @ commit``).
    note : str
        Anything else a reader should know.
    venue : {"binance", "bybit", "okx"}
        Whose tiers these are; it also picks the liquidation formula (:func:`k_factors`).
    unit : {"usd", "coin"}
        Unit of ``floors_usd`` / ``caps_usd``: position value (USD), or size in coins (OKX's
        tiers, converted to USD at a price with :meth:`in_usd` before use).

    Examples
    --------
    >>> t = get_bracket_table("BTCUSDT")
    >>> int(t.bracket_index(10_000.0)), t.mmr[0], t.max_leverage[0]
    (0, 0.004, 150.0)
    """

    symbol: str
    floors_usd: tuple[float, ...]
    caps_usd: tuple[float, ...]
    max_leverage: tuple[float, ...]
    mmr: tuple[float, ...]
    cum_usd: tuple[float, ...]
    in_force: str = "unknown"
    source: str = "unknown"
    note: str = ""
    venue: str = "binance"
    unit: str = "usd"

    def __post_init__(self) -> None:
        if self.venue not in FORMULAS:
            raise InputError(
                f"tier table venue {self.venue!r} is unknown: use one of {list(FORMULAS)}"
            )
        if self.unit not in UNITS:
            raise InputError(f"tier table unit {self.unit!r} is unknown: use 'usd' or 'coin'")
        n = len(self.floors_usd)
        lengths = {
            len(self.caps_usd),
            len(self.max_leverage),
            len(self.mmr),
            len(self.cum_usd),
        }
        if n == 0 or lengths != {n}:
            raise InputError(
                f"bracket table for {self.symbol!r} has columns of different lengths or no "
                "bracket: give one floor, cap, max leverage, MMR and cum per bracket"
            )
        floors = np.asarray(self.floors_usd, dtype=float)
        caps = np.asarray(self.caps_usd, dtype=float)
        mmr = np.asarray(self.mmr, dtype=float)
        lev = np.asarray(self.max_leverage, dtype=float)
        if not (np.all(np.isfinite(floors)) and np.all(caps > floors)):
            raise InputError(
                f"bracket table for {self.symbol!r} has a cap not above its floor: "
                "check notionalFloor < notionalCap in every bracket"
            )
        if np.any(floors[1:] != caps[:-1]):
            raise InputError(
                f"bracket table for {self.symbol!r} has gaps between brackets: "
                "each notionalFloor must equal the previous notionalCap"
            )
        if np.any((mmr <= 0) | (mmr >= 1)) or np.any(lev < 1):
            raise InputError(
                f"bracket table for {self.symbol!r} has an MMR outside (0, 1) or a max leverage "
                "below 1: check maintMarginRatio and initialLeverage"
            )

    @property
    def n_brackets(self) -> int:
        """Number of brackets."""
        return len(self.floors_usd)

    def in_usd(self, price_usd: float) -> BracketTable:
        """This table with coin bounds turned into USD at ``price_usd`` (USD/coin).

        OKX bounds its tiers by size (contracts, hence coins), not value: at a given price a
        size is a value, so the engine converts once, at the market's median close.

        Parameters
        ----------
        price_usd : float
            Price (USD/coin) at which a coin bound becomes a USD bound, > 0.

        Returns
        -------
        BracketTable
            ``unit="usd"``; the note records the price. A USD table is returned unchanged.

        Examples
        --------
        >>> t = BracketTable("X", (0.0, 10.0), (10.0, 20.0), (50.0, 20.0), (0.01, 0.02),
        ...                  (0.0, 0.0), venue="okx", unit="coin")
        >>> t.in_usd(100.0).caps_usd
        (1000.0, 2000.0)
        """
        if self.unit == "usd":
            return self
        if not (isinstance(price_usd, int | float | np.number) and np.isfinite(price_usd)
                and price_usd > 0):  # fmt: skip
            raise InputError(
                f"price {price_usd!r} must be a finite price > 0 USD to convert the {self.venue} "
                f"{self.symbol} tiers from coins to USD"
            )
        p = float(price_usd)
        note = f"{self.note}; " if self.note else ""
        return replace(
            self,
            floors_usd=tuple(f * p for f in self.floors_usd),
            caps_usd=tuple(c * p for c in self.caps_usd),
            unit="usd",
            note=f"{note}coin bounds converted to USD at {p:,.6g} USD/coin",
        )

    def bracket_index(self, notional_usd: float | np.ndarray) -> np.ndarray:
        """Index (0-based) of the bracket holding each notional (USD).

        Raises
        ------
        InputError
            If a notional is negative, not finite or above the last cap, or the table's
            bounds are in coins (convert with :meth:`in_usd` first).
        """
        if self.unit != "usd":
            raise InputError(
                f"the {self.venue} {self.symbol} tiers are bounded in coins: convert them with "
                "table.in_usd(price) (lq.estimate_heatmap does, at the market's median close)"
            )
        n = np.asarray(notional_usd, dtype=float)
        if np.any(~np.isfinite(n)) or np.any(n < 0):
            raise InputError(
                "position notional must be a finite number >= 0 USD: check entry and qty"
            )
        caps = np.asarray(self.caps_usd)
        if np.any(n > caps[-1]):
            raise InputError(
                f"position notional {float(np.max(n)):,.0f} USD exceeds the largest "
                f"{self.symbol} bracket cap {caps[-1]:,.0f} USD: choose a smaller position"
            )
        return np.searchsorted(caps, n, side="left")

    def continuity_errors(self) -> np.ndarray:
        """``cum_i - (cum_{i-1} + floor_i (mmr_i - mmr_{i-1}))`` per bracket (USD, first is cum_0)."""
        cum = np.asarray(self.cum_usd, dtype=float)
        mmr = np.asarray(self.mmr, dtype=float)
        floors = np.asarray(self.floors_usd, dtype=float)
        expected = np.concatenate([[0.0], cum[:-1] + floors[1:] * np.diff(mmr)])
        return cum - expected


def _table_from_brackets(
    symbol: str, brackets: list[dict[str, Any]], *, in_force: str, source: str, note: str = ""
) -> BracketTable:
    try:
        rows = sorted(brackets, key=lambda b: float(b["notionalFloor"]))
        return BracketTable(
            symbol=str(symbol),
            floors_usd=tuple(float(b["notionalFloor"]) for b in rows),
            caps_usd=tuple(float(b["notionalCap"]) for b in rows),
            max_leverage=tuple(float(b["initialLeverage"]) for b in rows),
            mmr=tuple(float(b["maintMarginRatio"]) for b in rows),
            cum_usd=tuple(float(b["cum"]) for b in rows),
            in_force=in_force,
            source=source,
            note=note,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"bracket JSON for {symbol!r} lacks or mangles field {exc}: give the body of "
            "GET /fapi/v1/leverageBracket (notionalFloor, notionalCap, initialLeverage, "
            "maintMarginRatio, cum per bracket)"
        ) from None


def load_leverage_brackets(
    data: str | PathLike | list | dict, *, in_force: str = "unknown", source: str | None = None
) -> dict[str, BracketTable]:
    """Read the JSON that ``GET /fapi/v1/leverageBracket`` returns.

    Parameters
    ----------
    data : path, JSON text, list or dict
        A file holding the response, the response text, or the parsed response: a list of
        ``{"symbol", "brackets": [...]}`` or a single such object (the response for one symbol).
    in_force : str
        When the response was fetched (ISO date, UTC), recorded in each table.
    source : str, optional
        Where it came from; defaults to the file name or ``"GET /fapi/v1/leverageBracket"``.

    Returns
    -------
    dict[str, BracketTable]
        One table per symbol.

    Examples
    --------
    >>> body = '{"symbol": "XUSDT", "brackets": [{"bracket": 1, "initialLeverage": 20,'
    >>> body += ' "notionalCap": 5000, "notionalFloor": 0, "maintMarginRatio": 0.025, "cum": 0}]}'
    >>> load_leverage_brackets(body, in_force="2025-01-01")["XUSDT"].mmr
    (0.025,)
    """
    default_source = "GET /fapi/v1/leverageBracket"
    if isinstance(data, str | PathLike) and not str(data).lstrip().startswith(("[", "{")):
        default_source = str(data)
        try:
            with open(data, encoding="utf-8") as fh:
                data = fh.read()
        except OSError as exc:
            raise InputError(
                f"cannot read bracket file {str(default_source)!r} ({exc.strerror}): "
                "give an existing JSON file"
            ) from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"bracket data is not valid JSON ({exc.msg} at char {exc.pos}): "
                "give the body of GET /fapi/v1/leverageBracket"
            ) from None
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and "brackets" in i and "symbol" in i for i in items
    ):
        raise InputError(
            "bracket data must be a list of {'symbol', 'brackets'} objects or one such object: "
            "give the body of GET /fapi/v1/leverageBracket"
        )
    src = source or default_source
    return {
        str(i["symbol"]): _table_from_brackets(
            i["symbol"], i["brackets"], in_force=in_force, source=src
        )
        for i in items
    }


@cache
def _builtin() -> tuple[BracketTable, ...]:
    text = (resources.files("liqlib.data.sources.binance") / "resources" / _RESOURCE).read_text(
        encoding="utf-8"
    )
    doc = json.loads(text)
    return tuple(
        _table_from_brackets(
            t["symbol"],
            t["brackets"],
            in_force=t["in_force"],
            source=t["source"],
            note=t.get("note", ""),
        )
        for t in doc["tables"]
    )


def bracket_tables() -> tuple[BracketTable, ...]:
    """Every built-in (dated) bracket table, oldest first per symbol.

    Examples
    --------
    >>> {"BTCUSDT", "DOGEUSDT", "ETHUSDT"} <= {t.symbol for t in bracket_tables()}
    True
    """
    return _builtin()


#: Prefix of simulated instruments (:mod:`liqlib.sim.market`): never mistaken for a real symbol.


def real_symbol(symbol: str) -> str:
    """The real symbol a simulated one imitates (``"SIM-BTCUSDT"`` -> ``"BTCUSDT"``), else itself.

    Examples
    --------
    >>> real_symbol("sim-ethusdt"), real_symbol("BTCUSDT")
    ('ETHUSDT', 'BTCUSDT')
    """
    return str(symbol).upper().removeprefix(SIM_PREFIX)


def get_bracket_table(symbol: str, as_of: str | None = None) -> BracketTable:
    """The built-in bracket table of ``symbol`` in force at ``as_of`` (ISO date, UTC).

    With several dated tables for a symbol, the latest whose ``in_force`` starts on or before
    ``as_of`` is returned (the latest overall when ``as_of`` is None, the earliest when
    ``as_of`` precedes them all).

    Parameters
    ----------
    symbol : str
        Binance USD-M symbol, e.g. ``"ETHUSDT"`` (``SIM-`` symbols use the real one's table).
    as_of : str, optional
        ISO date (UTC) the table must be in force at; None: the latest.

    Returns
    -------
    BracketTable
        Notional brackets (USD) with their maximum leverage and maintenance margin rate.

    Examples
    --------
    >>> get_bracket_table("ETHUSDT", as_of="2024-07-01").in_force
    '2024-06-28/2024-09-27'

    A simulated symbol (``SIM-BTCUSDT``, see :mod:`liqlib.sim.market`) uses the table of the real
    symbol it imitates:

    >>> get_bracket_table("SIM-BTCUSDT").symbol
    'BTCUSDT'
    """
    day = _as_of_day(as_of)
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol must be a non-empty string such as 'BTCUSDT', not {symbol!r}")
    want = real_symbol(symbol.strip())
    tables = [t for t in _builtin() if t.symbol == want]
    if not tables:
        n_known = len({t.symbol for t in _builtin()})
        raise InputError(
            f"no bundled bracket table for {symbol!r} ({n_known} symbols have one, e.g. "
            "'BTCUSDT', 'SOLUSDT'): load its own with lq.load_leverage_brackets(...) and pass "
            "brackets=, or pass symbol= of a similar contract to borrow its table (named in "
            "the heatmap's source)"
        )
    tables.sort(key=lambda t: t.in_force)
    if day is None:
        return tables[-1]
    chosen = [t for t in tables if t.in_force[:10] <= day]
    return chosen[-1] if chosen else tables[0]


def _as_of_day(as_of) -> str | None:
    """``as_of`` as an ISO day ``YYYY-MM-DD`` (UTC), or None; refuses what is not a date."""
    if as_of is None:
        return None
    from liqlib.data.time import to_utc  # late: keeps this module free of pandas at import

    return f"{to_utc(as_of, 'as_of'):%Y-%m-%d}"


def _resolve_table(
    symbol: str, brackets: BracketTable | None, as_of: str | None, venue: str = "binance"
) -> BracketTable:
    if brackets is not None:
        if not isinstance(brackets, BracketTable):
            raise InputError(
                f"brackets must be a BracketTable, not {type(brackets).__name__}: build one "
                "with lq.load_leverage_brackets(...)[symbol], or leave brackets=None"
            )
        _as_of_day(as_of)  # still refuse a bad as_of
        return brackets
    if venue == "binance":
        return get_bracket_table(symbol, as_of)
    from liqlib.estimate.venue_tiers import get_tier_table  # late: it imports this module

    return get_tier_table(venue, symbol, as_of)


def k_factors(
    venue: str, leverage: np.ndarray, mmr: np.ndarray, cum_over_notional: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """LP / entry of longs and shorts by the venue's isolated one-way formula (module docstring).

    Parameters
    ----------
    venue : {"binance", "bybit", "okx"}
        Whose formula.
    leverage : array
        Leverage (x), >= 1.
    mmr : array
        Maintenance-margin rate of each position's tier (fraction).
    cum_over_notional : array
        The tier's maintenance amount or deduction (USD) over the position's value (USD).

    Returns
    -------
    tuple of numpy.ndarray
        ``(k_long, k_short)``: the liquidation price is ``k * entry``.

    Examples
    --------
    Bybit's worked example, 50x with MMR 0.5 % and no deduction: 20,000 -> 19,700.

    >>> k_long, k_short = k_factors("bybit", np.array([50.0]), np.array([0.005]), np.zeros(1))
    >>> round(float(k_long[0] * 20_000), 6), round(float(k_short[0] * 20_000), 6)
    (19700.0, 20300.0)
    """
    lev = np.asarray(leverage, dtype=float)
    m = np.asarray(mmr, dtype=float)
    c = np.asarray(cum_over_notional, dtype=float)
    if venue == "binance":
        return (1.0 - 1.0 / lev - c) / (1.0 - m), (1.0 + 1.0 / lev + c) / (1.0 + m)
    if venue == "bybit":
        return 1.0 - 1.0 / lev + m - c, 1.0 + 1.0 / lev - m + c
    if venue == "okx":
        from liqlib.data.sources.okx.margin import DEFAULT_TAKER_FEE as fee

        return (1.0 - 1.0 / lev) / (1.0 - m - fee), (1.0 + 1.0 / lev) / (1.0 + m + fee)
    raise InputError(f"venue {venue!r} has no liquidation formula: use one of {list(FORMULAS)}")


def _numbers(name: str, value, unit: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            f"{name}={value!r} is not a number: pass {unit} as a float or an array of floats"
        ) from None


def _check_leverage(
    table: BracketTable, leverage: np.ndarray, idx: np.ndarray, notional: np.ndarray
):
    if np.any(~np.isfinite(leverage)) or np.any(leverage < 1):
        bad = leverage[~(np.isfinite(leverage) & (leverage >= 1))].flat[0]
        raise InputError(f"leverage {bad:g} is below 1x: choose leverage >= 1")
    max_lev = np.asarray(table.max_leverage)[idx]
    over = leverage > max_lev
    if np.any(over):
        i = np.flatnonzero(over.ravel())[0]
        lev = leverage.ravel()[i]
        mx = max_lev.ravel()[i]
        n = notional.ravel()[i]
        raise InputError(
            f"leverage {lev:g} exceeds the maximum {mx:g}x of the {table.symbol} bracket for a "
            f"{n:,.0f} USD position: choose leverage <= {mx:g}"
        )


def liquidation_price(
    entry: float | np.ndarray,
    leverage: float | np.ndarray,
    side: str | np.ndarray,
    qty: float | np.ndarray,
    *,
    symbol: str = "BTCUSDT",
    as_of: str | None = None,
    brackets: BracketTable | None = None,
    venue: str = "binance",
) -> np.ndarray:
    """Exact liquidation price of isolated one-way positions, vectorised, by the venue's formula.

    Parameters
    ----------
    entry : float or array
        Entry price (USD/coin), > 0.
    leverage : float or array
        Leverage (x), >= 1 and <= the maximum of the position's notional bracket.
    side : {"long", "short"} or array of them
        Direction of each position.
    qty : float or array
        Position size (coins), > 0. The notional ``entry * qty`` (USD) picks the bracket.
    symbol : str
        Symbol of the built-in table to use (ignored when ``brackets`` is given).
    as_of : str, optional
        ISO date (UTC) selecting among dated built-in tables (anything else is refused).
    brackets : BracketTable, optional
        A table of your own, e.g. from :func:`load_leverage_brackets`; its ``venue`` picks
        the formula.
    venue : {"binance", "bybit", "okx"}
        Whose built-in table (and formula) to use when ``brackets`` is None.

    Returns
    -------
    numpy.ndarray
        Liquidation price (USD/coin), broadcast over the inputs. A long whose formula gives a
        price <= 0 cannot be liquidated: it is returned as 0.0.

    Raises
    ------
    InputError
        On a non-positive or non-finite entry or qty, an unknown side, a leverage below 1 or
        above the bracket's maximum, or a notional beyond the last bracket.

    Examples
    --------
    1 BTC long at 67,000 USD with 10x, bracket 1 (MMR 0.4 %, cum 0):

    >>> round(float(liquidation_price(67_000.0, 10, "long", 1.0)), 2)
    60542.17

    Bybit's worked example (1 BTC at 20,000 USD, 50x, tier 1 MMR 0.5 %):

    >>> round(float(liquidation_price(20_000.0, 50, "long", 1.0, venue="bybit")), 6)
    19700.0
    """
    table = _resolve_table(symbol, brackets, as_of, venue)
    try:
        ep, lev, q, sd = np.broadcast_arrays(
            _numbers("entry", entry, "the entry price (USD)"),
            _numbers("leverage", leverage, "the leverage (e.g. 10 for 10x)"),
            _numbers("qty", qty, "the size (coins)"),
            np.asarray(side),
        )
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"entry, leverage, side and qty have shapes that do not broadcast ({exc}): pass "
            "scalars or arrays of one length"
        ) from None
    if np.any(~np.isfinite(ep)) or np.any(ep <= 0):
        raise InputError("entry must be a finite price > 0 USD: drop or fix the bad entries")
    if np.any(~np.isfinite(q)) or np.any(q <= 0):
        raise InputError("qty must be a finite size > 0 coins: drop or fix the bad quantities")
    is_long = sd == "long"
    if not np.all(is_long | (sd == "short")):
        bad = sd[~(is_long | (sd == "short"))].flat[0]
        raise InputError(
            f"side must be 'long' or 'short', got {str(bad)!r}: pass side='long' or side='short'"
        )
    notional = ep * q
    idx = table.bracket_index(notional)
    _check_leverage(table, lev, idx, notional)
    mmr = np.asarray(table.mmr)[idx]
    cum = np.asarray(table.cum_usd)[idx]
    k_long, k_short = k_factors(table.venue, lev, mmr, cum / notional)
    return np.where(is_long, np.maximum(ep * k_long, 0.0), ep * k_short)


def lp_factors(
    leverages: np.ndarray | tuple[float, ...],
    notional_usd: float,
    *,
    symbol: str = "BTCUSDT",
    as_of: str | None = None,
    brackets: BracketTable | None = None,
    effective: bool = False,
    venue: str = "binance",
) -> np.ndarray:
    """Liquidation-price factors ``k`` (LP = k * entry) for a fixed position notional.

    Parameters
    ----------
    leverages : sequence of float
        One leverage per tier (x).
    notional_usd : float
        The representative position notional (USD) that picks the bracket.
    symbol : str
        Symbol of the built-in table to use (ignored when ``brackets`` is given).
    as_of : str, optional
        ISO date (UTC) selecting among dated built-in tables.
    brackets : BracketTable, optional
        A table of your own, e.g. from :func:`load_leverage_brackets`.
    effective : bool
        Read the leverages as *effective* leverage (notional / margin left), which
        cross-margined positions and positions that lost margin reach beyond the bracket's
        maximum: skip the maximum check (the formula holds up to ``1 / MMR``, where the
        liquidation price meets the entry). False: a leverage above the maximum fails.
    venue : {"binance", "bybit", "okx"}
        Whose built-in table and formula when ``brackets`` is None (a given table's own
        ``venue`` picks the formula).

    Returns
    -------
    numpy.ndarray, shape (2, n_tiers)
        Row 0 long factors (< 1), row 1 short factors (> 1).

    Examples
    --------
    >>> k = lp_factors((10,), 67_000.0)
    >>> round(float(k[0, 0] * 67_000.0), 2)
    60542.17
    """
    table = _resolve_table(symbol, brackets, as_of, venue)
    lev = _numbers("leverages", leverages, "the leverages (x)")
    n = np.full(lev.shape, float(_numbers("notional_usd", notional_usd, "a notional (USD)")))
    idx = table.bracket_index(n)
    if not effective:
        _check_leverage(table, lev, idx, n)
    elif np.any(~np.isfinite(lev)) or np.any(lev < 1):
        raise InputError("effective leverage must be a finite number >= 1: fix the leverages")
    mmr = np.asarray(table.mmr)[idx]
    cum = np.asarray(table.cum_usd)[idx]
    k_long, k_short = k_factors(table.venue, lev, mmr, cum / n)
    return np.vstack([k_long, k_short])
