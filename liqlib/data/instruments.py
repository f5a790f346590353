"""One user symbol, each venue's instrument, and the one unit conversion between them.

A user names a market once (``"BTCUSDT"``, ``"PEPEUSDT"`` or ``"1000PEPEUSDT"``);
:func:`resolve_instrument` finds each venue's own instrument for it and how many tokens of the
base asset one unit of that instrument is:

=======  ===================  =========================================================
venue    instrument           unit
=======  ===================  =========================================================
binance  ``1000PEPEUSDT``     1,000 PEPE (sizes, volumes and open interest count lots of
                              1,000 tokens; prices are USD per 1,000 tokens)
bybit    ``1000PEPEUSDT``,    the same (a ``1000``/``10000``/``1000000`` prefix, or
         ``SHIB1000USDT``     Bybit's ``SHIB1000`` suffix)
okx      ``PEPE-USDT-SWAP``   1 PEPE: OKX counts sizes in contracts, but its candles
                              (``volCcy``) and open interest (``oiCcy``) are already in
                              coins of the base token, and its prices are USD per token
=======  ===================  =========================================================

:func:`to_base_units` is the **one** place a market frame is converted from its venue's unit
to coins of the base token and USD per coin (prices divided by the multiplier, sizes
multiplied by it, USD columns unchanged), so frames of several venues add up. It refuses a
frame already converted, so nothing is converted twice.

Which scaled names each venue uses is not published in one place. Binance's come from the
packaged symbol list (:func:`liqlib.data.sources.binance.symbols.known_symbols`); Bybit's
differ from Binance's only for the names in :data:`BYBIT_NAMES` (third-party code, dated
below, **unverified** against Bybit's ``instruments-info``), otherwise Bybit is assumed to
use Binance's name. When a venue does not list the name liqlib picks, the venue's own error
is raised naming the instrument; pass it explicitly, e.g.
``lq.load_market("SHIBUSDT", ..., venues={"binance": "1000SHIBUSDT", "bybit": "SHIB1000USDT",
"okx": "SHIB-USDT-SWAP"})``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import CorruptDataError, InputError

__all__ = [
    "BYBIT_NAMES",
    "Instrument",
    "check_units",
    "parse_symbol",
    "resolve_instrument",
    "to_base_units",
]

VENUES = ("binance", "bybit", "okx")
QUOTES = ("USDT", "USDC")

#: Prefixes (and Bybit's suffix) that mean "this many tokens per unit".
_SCALES = {"1000000": 1_000_000, "1M": 1_000_000, "100000": 100_000, "10000": 10_000,
           "1000": 1_000}  # fmt: skip
_PLAIN = re.compile(r"^(?P<base>[A-Z0-9]{1,30}?)(?P<quote>USDT|USDC)$")
_PREFIXED = re.compile(r"^(?P<scale>1000000|100000|10000|1000|1M)(?P<base>[A-Z][A-Z0-9]*?)"
                       r"(?P<quote>USDT|USDC)$")  # fmt: skip
_SUFFIXED = re.compile(r"^(?P<base>[A-Z][A-Z0-9]*?)(?P<scale>1000)(?P<quote>USDT|USDC)$")
_OKX = re.compile(r"^(?P<base>[A-Z0-9]{1,30})-(?P<quote>USDT|USDC)-SWAP$")

#: Bybit linear perpetuals whose name differs from Binance's, base token -> Bybit name.
#: Source: third-party code naming Bybit's instruments (GitHub, 2024-2026, e.g.
#: ``BYBIT_NAME["1000SHIBUSDT"] = "SHIB1000USDT"``); UNVERIFIED against Bybit's
#: ``/v5/market/instruments-info``. Other bases take Binance's name.
BYBIT_NAMES = {"SHIB": "SHIB1000USDT"}

#: Columns in USD per coin (divided by the multiplier) and in coins (multiplied by it).
PRICE_COLUMNS = C.PRICE_COLUMNS + C.MARK_COLUMNS
COIN_COLUMNS = (C.VOLUME, C.TAKER_BUY_VOLUME, C.OI_COIN)


@dataclass(frozen=True)
class Instrument:
    """One venue's instrument for a user symbol.

    Attributes
    ----------
    venue : str
        ``"binance"``, ``"bybit"`` or ``"okx"``.
    name : str
        The venue's instrument (``"1000PEPEUSDT"``, ``"SHIB1000USDT"``, ``"PEPE-USDT-SWAP"``).
    base, quote : str
        Base token (``"PEPE"``) and quote (``"USDT"``).
    multiplier : int
        Base tokens per unit of the venue's frames (1,000 for ``1000PEPEUSDT``; 1 for OKX,
        whose candle and open-interest fields are already in coins).
    """

    venue: str
    name: str
    base: str
    quote: str
    multiplier: int

    @property
    def unit(self) -> str:
        """The venue's unit in words, e.g. ``"1000 PEPE"``."""
        return self.base if self.multiplier == 1 else f"{self.multiplier} {self.base}"


def _fix() -> str:
    return (
        "name it like 'BTCUSDT' or '1000PEPEUSDT', or give each venue's own instrument: "
        "venues={'binance': '1000PEPEUSDT', 'bybit': '1000PEPEUSDT', 'okx': 'PEPE-USDT-SWAP'}"
    )


def parse_symbol(symbol: str) -> tuple[str, str, int]:
    """Base token, quote and multiplier of a symbol in any venue's spelling.

    Parameters
    ----------
    symbol : str
        ``"BTCUSDT"``, ``"1000PEPEUSDT"``, ``"SHIB1000USDT"`` (Bybit), ``"1MBABYDOGEUSDT"``
        (Binance: one million), ``"PEPE-USDT-SWAP"`` (OKX); any case.

    Returns
    -------
    (str, str, int)
        Base token, quote, base tokens per unit.

    Raises
    ------
    InputError
        The name is not a USDT/USDC perpetual's.

    Examples
    --------
    >>> parse_symbol("1000pepeusdt")
    ('PEPE', 'USDT', 1000)
    >>> parse_symbol("SHIB1000USDT"), parse_symbol("PEPE-USDT-SWAP"), parse_symbol("1INCHUSDT")
    (('SHIB', 'USDT', 1000), ('PEPE', 'USDT', 1), ('1INCH', 'USDT', 1))
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol must be a non-empty string such as 'BTCUSDT', not {symbol!r}")
    sym = symbol.strip().upper()
    for rx in (_OKX, _PREFIXED, _SUFFIXED, _PLAIN):
        m = rx.match(sym)
        if m:
            scale = _SCALES[m["scale"]] if "scale" in rx.groupindex else 1
            return m["base"], m["quote"], scale
    raise InputError(f"{symbol!r} is not a USDT or USDC perpetual: {_fix()}")


def _binance_name(sym: str, base: str, quote: str, scale: int) -> tuple[str, int]:
    """Binance's instrument: the name as given when Binance lists it (or nothing it lists
    matches), else the one listed name of the same base and quote at another scale."""
    from liqlib.data.sources.binance.symbols import known_symbols

    known = set(known_symbols().index)
    if sym in known:
        return sym, scale
    spellings = [(p + base + quote, n) for p, n in _SCALES.items()] + [(base + quote, 1)]
    listed = [(name, n) for name, n in spellings if name in known]
    if len(listed) > 1:
        names = " and ".join(name for name, _ in listed)
        raise InputError(
            f"{sym} is ambiguous on Binance, which lists {names}: pass the one you mean, e.g. "
            f"symbol={listed[0][0]!r}"
        )
    if listed:
        return listed[0]
    return (sym if "-" not in sym else base + quote), scale


def resolve_instrument(symbol: str, venue: str) -> Instrument:
    """The instrument of ``venue`` for a user ``symbol`` (see the module table).

    The user's symbol may be any venue's spelling; a name with a scale (``1000PEPEUSDT``)
    and one without (``PEPEUSDT``) resolve to the same instruments.

    Parameters
    ----------
    symbol : str
        E.g. ``"BTCUSDT"``, ``"PEPEUSDT"``, ``"1000PEPEUSDT"``, ``"PEPE-USDT-SWAP"``.
    venue : str
        ``"binance"``, ``"bybit"`` or ``"okx"``.

    Returns
    -------
    Instrument

    Raises
    ------
    InputError
        An unknown venue, a name that is not a perpetual's, or one Binance lists at two scales.

    Examples
    --------
    >>> [resolve_instrument("PEPEUSDT", v).name for v in ("binance", "bybit", "okx")]
    ['1000PEPEUSDT', '1000PEPEUSDT', 'PEPE-USDT-SWAP']
    >>> resolve_instrument("1000SHIBUSDT", "bybit")
    Instrument(venue='bybit', name='SHIB1000USDT', base='SHIB', quote='USDT', multiplier=1000)
    """
    venue = str(venue).strip().lower()
    if venue not in VENUES:
        raise InputError(f"venue {venue!r} is not one of {', '.join(VENUES)}")
    base, quote, scale = parse_symbol(symbol)
    sym = symbol.strip().upper()
    if venue != "binance" and quote != "USDT":
        raise InputError(
            f"{symbol!r}: liqlib reads {venue}'s USDT perpetuals only; use a USDT symbol such "
            f"as {base}USDT, or venues=('binance',) for {base}{quote}"
        )
    if venue == "okx":
        return Instrument("okx", f"{base}-{quote}-SWAP", base, quote, 1)
    name, scale = _binance_name(sym, base, quote, scale)
    if venue == "bybit":
        if base in BYBIT_NAMES and quote == "USDT" and not _venue_spelling(sym, "bybit"):
            name = BYBIT_NAMES[base]
            scale = parse_symbol(name)[2]
        elif _venue_spelling(sym, "bybit"):
            name, scale = sym, parse_symbol(sym)[2]
    return Instrument(venue, name, base, quote, scale)


def _venue_spelling(sym: str, venue: str) -> bool:
    """True when ``sym`` is spelled the way only ``venue`` spells it (Bybit's suffix)."""
    return venue == "bybit" and bool(_SUFFIXED.match(sym)) and not _PREFIXED.match(sym)


def explicit_instrument(name: str, venue: str) -> Instrument:
    """The instrument a user named for one venue (``venues={"bybit": "SHIB1000USDT"}``): taken
    as given, its unit read from the name (an OKX name must be ``<BASE>-<QUOTE>-SWAP``).

    Examples
    --------
    >>> explicit_instrument("shib1000usdt", "bybit").multiplier
    1000
    """
    venue = str(venue).strip().lower()
    if venue not in VENUES:
        raise InputError(f"venue {venue!r} is not one of {', '.join(VENUES)}")
    base, quote, scale = parse_symbol(name)
    sym = name.strip().upper()
    if venue == "okx":
        if not _OKX.match(sym):
            raise InputError(f"{name!r} is not an OKX swap: write it like 'PEPE-USDT-SWAP'")
        return Instrument("okx", sym, base, quote, 1)
    if "-" in sym:
        raise InputError(f"{name!r} is an OKX name, not a {venue} one: write it like 'BTCUSDT'")
    return Instrument(venue, sym, base, quote, scale)


def to_base_units(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """A market frame of ``instrument`` in coins of the base token and USD per coin.

    The one conversion from a venue's unit: price columns (trade and mark OHLC) are divided by
    ``instrument.multiplier``, coin columns (``volume``, ``taker_buy_volume``, ``oi_coin``)
    multiplied by it; USD columns, counts, ratios and funding are unchanged, so
    ``oi_coin x mark_close`` stays the same USD.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame in ``lq.load_market``'s columns (any subset), in the venue's unit.
    instrument : Instrument
        What the frame holds.

    Returns
    -------
    pandas.DataFrame
        A new frame; ``attrs`` gain ``base`` (token), ``unit`` (``"coins of PEPE; USD per
        PEPE"``), ``unit_multiplier`` (what was applied) and ``venue_symbol``.

    Raises
    ------
    InputError
        The frame says it is already in base units (``attrs["unit_multiplier"]``).

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2026-04-03"], tz="UTC", name="time")
    >>> raw = pd.DataFrame({"close": [0.0123], "volume": [5.0], "oi_coin": [2.0]}, index=idx)
    >>> out = to_base_units(raw, Instrument("binance", "1000PEPEUSDT", "PEPE", "USDT", 1000))
    >>> out.iloc[0].tolist(), out.attrs["unit"]
    ([1.23e-05, 5000.0, 2000.0], 'coins of PEPE; USD per PEPE')
    """
    if "unit_multiplier" in frame.attrs:
        raise InputError(
            f"this {instrument.venue} frame is already in coins of "
            f"{frame.attrs.get('base', instrument.base)} (converted once): pass the venue's "
            "raw frame"
        )
    out = frame.copy()
    m = float(instrument.multiplier)
    if m != 1.0:
        for col in PRICE_COLUMNS:
            if col in out.columns:
                out[col] = out[col] / m
        for col in COIN_COLUMNS:
            if col in out.columns:
                out[col] = out[col] * m
    out.attrs = {
        **frame.attrs,
        "base": instrument.base,
        "unit": f"coins of {instrument.base}; USD per {instrument.base}",
        "unit_multiplier": instrument.multiplier,
        "venue_symbol": instrument.name,
    }
    return out


#: How far a unit check's median ratio may stray from 1 (a wrong unit is off by 10x or more;
#: a bar's average price differs from its close, venues' prices from each other, by far less).
UNIT_BAND = (0.5, 2.0)


def _median_ratio(a, b) -> float | None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    return float(np.median(a[ok] / b[ok])) if ok.any() else None


def check_units(markets) -> None:
    """Raise unless frames converted by :func:`to_base_units` are in one unit.

    Within each frame, the USD columns must be the coin columns times the price
    (``quote_volume`` ~ ``volume`` x ``close``, ``oi_usd`` ~ ``oi_coin`` x ``mark_close``); across
    frames, every venue's median ``close`` must be the first venue's. Each median ratio must lie
    in :data:`UNIT_BAND`: a wrong contract size or ``1000`` multiplier is off by 10x or more.

    Parameters
    ----------
    markets : mapping of str to pandas.DataFrame
        ``{venue: frame}`` on one time axis (``lq.load_market(..., venues=...)``).

    Raises
    ------
    CorruptDataError
        Naming the venue, the ratio and the fix.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2026-04-03"], tz="UTC", name="time")
    >>> a = pd.DataFrame({"close": [1.2e-5], "volume": [1e6], "quote_volume": [12.0]}, index=idx)
    >>> check_units({"binance": a, "okx": a * [1000, 0.001, 1]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    liqlib.errors.CorruptDataError: okx: its median close is 1,000x binance's ...
    """
    lo, hi = UNIT_BAND
    names = list(markets)
    fix = "pass each venue's instrument explicitly, e.g. venues={{{!r}: '<its instrument>'}}"

    def bad(ratio):
        return ratio is not None and not lo <= ratio <= hi

    for name, m in markets.items():
        pairs = ((C.QUOTE_VOLUME, C.VOLUME, C.CLOSE), (C.OI_USD, C.OI_COIN, C.MARK_CLOSE))
        for usd, coins, price in pairs:
            if {usd, coins, price} <= set(m.columns):
                r = _median_ratio(m[usd], m[coins] * m[price])
                if bad(r):
                    raise CorruptDataError(
                        f"{name}: {usd} is {r:,.4g}x {coins} x {price} (median): its sizes and "
                        f"prices are not in one unit; {fix.format(name)}"
                    )
    first = markets[names[0]]
    for name in names[1:]:
        if C.CLOSE in first.columns and C.CLOSE in markets[name].columns:
            r = _median_ratio(markets[name][C.CLOSE], first[C.CLOSE])
            if bad(r):
                raise CorruptDataError(
                    f"{name}: its median close is {r:,.4g}x {names[0]}'s once both are in coins "
                    f"of {first.attrs.get('base', 'the base token')}, so one of them is not the "
                    f"market or unit liqlib assumed; {fix.format(name)}"
                )
