"""The Binance USD-M perpetuals liqlib knows: the packaged symbol registry with listing
dates, symbols registered at run time, symbol validation, and the ``exchangeInfo`` list of
what Binance lists now.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import re
from functools import lru_cache
from importlib import resources

import pandas as pd

from liqlib.errors import CorruptDataError, InputError, UnknownSymbolError

_EXTRA_SYMBOLS: dict[str, dt.date] = {}


@lru_cache(maxsize=1)
def _packaged_table() -> pd.DataFrame:
    """The packaged registry (read once): index ``symbol``; ``onboard_date``, ``source``."""
    text = (
        resources.files("liqlib.data.sources.binance")
        .joinpath("resources/binance_um_symbols.csv")
        .read_text()
    )
    frame = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True)
    frame = frame.apply(lambda col: col.str.strip()).set_index("symbol")
    # an empty date: the symbol is known to be listed (dated snapshot) but not since when
    frame["onboard_date"] = [
        dt.date.fromisoformat(d) if isinstance(d, str) and d else None
        for d in frame["onboard_date"]
    ]
    return frame


def _packaged_symbols() -> dict[str, dt.date]:
    return dict(_packaged_table()["onboard_date"])


def known_symbols() -> pd.DataFrame:
    """The USD-M perpetuals liqlib knows: packaged ones plus any :func:`register_symbol` added.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``onboard_date`` (``datetime.date``, UTC day trading opened)
        and ``source`` (where that date comes from).
    """
    frame = _packaged_table()
    extra = pd.DataFrame(
        {"onboard_date": list(_EXTRA_SYMBOLS.values()), "source": "register_symbol()"},
        index=pd.Index(list(_EXTRA_SYMBOLS), name="symbol"),
    )
    return pd.concat([frame[~frame.index.isin(extra.index)], extra])


def register_symbol(symbol: str, onboard_date: dt.date | str) -> str:
    """Teach liqlib a USD-M perpetual the packaged list lacks (for this Python process).

    Parameters
    ----------
    symbol : str
        E.g. ``"SOLUSDT"``; upper-cased.
    onboard_date : datetime.date or str
        The UTC day trading opened (``onboardDate`` of ``fetch_symbols()``), ``YYYY-MM-DD``.

    Returns
    -------
    str
        The normalised symbol.
    """
    sym = _normalise_symbol(symbol)
    try:
        day = (
            onboard_date
            if isinstance(onboard_date, dt.date)
            else dt.date.fromisoformat(str(onboard_date).strip())
        )
    except ValueError:
        raise InputError(
            f"onboard_date={onboard_date!r} for {sym} is not a date: pass 'YYYY-MM-DD'"
        ) from None
    _EXTRA_SYMBOLS[sym] = day
    return sym


def _all_symbols() -> dict[str, dt.date]:
    return {**_packaged_symbols(), **_EXTRA_SYMBOLS}


def _normalise_symbol(symbol: str) -> str:
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol must be a non-empty string such as 'BTCUSDT', not {symbol!r}")
    sym = symbol.strip().upper()
    if re.search(r"[\s/\\:?#]", sym):
        raise InputError(
            f"symbol {symbol!r} is not a Binance symbol (no spaces, '/' or ':'): write it like "
            "'BTCUSDT'"
        )
    return sym


#: What a USD-M perpetual's name looks like: base asset, then the USDT or USDC quote.
_PERPETUAL = re.compile(r"^[A-Z0-9]{2,30}(USDT|USDC)$")


def validate_symbol(symbol: str) -> str:
    """Normalise a symbol and check it is named like a Binance USD-M perpetual.

    Any well-formed ``<BASE>USDT`` / ``<BASE>USDC`` name is accepted, whether or not the bundled
    snapshot lists it (a symbol the archive lacks is answered by the archive with a
    :class:`~liqlib.errors.DataNotFoundError`, not refused here).

    Parameters
    ----------
    symbol : str
        Any case, e.g. ``"btcusdt"``.

    Returns
    -------
    str
        The upper-case symbol.

    Raises
    ------
    UnknownSymbolError
        The name is not a USD-M perpetual's (it must end in USDT or USDC).

    Examples
    --------
    >>> validate_symbol("btcusdt")
    'BTCUSDT'
    """
    sym = _normalise_symbol(symbol)
    known = _all_symbols()
    if sym in known or _PERPETUAL.match(sym):
        return sym
    close = difflib.get_close_matches(sym, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UnknownSymbolError(
        f"unknown symbol {sym!r}: a Binance USD-M perpetual is named <BASE>USDT or <BASE>USDC; "
        f"{hint}check the spelling (a symbol liqlib does not list can be taught with "
        f"liqlib.data.sources.binance.archive.register_symbol({sym!r}, 'YYYY-MM-DD'))"
    )


def listing_date(symbol: str) -> dt.date | None:
    """The UTC day a USD-M perpetual started trading (no archive data exists before it).

    None when liqlib does not know it (a symbol only the dated snapshot lists, or one it does
    not list at all): the archive then answers for the days it lacks.

    Examples
    --------
    >>> listing_date("BTCUSDT")
    datetime.date(2019, 9, 8)
    """
    return _all_symbols().get(validate_symbol(symbol))


def parse_exchange_info(raw: bytes | str) -> pd.DataFrame:
    """The perpetual contracts of an ``exchangeInfo`` JSON document.

    Returns
    -------
    pandas.DataFrame
        Index ``symbol``; columns ``onboard_date`` (``datetime.date``, UTC), ``status``,
        ``quote_asset``, ``margin_asset``. Sorted by symbol.
    """
    try:
        doc = json.loads(raw)
        rows = [s for s in doc["symbols"] if s.get("contractType") == "PERPETUAL"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptDataError(
            f"exchangeInfo is not the expected JSON ({type(exc).__name__}: {exc}); retry later "
            "or report the response"
        ) from exc
    onboard = pd.to_datetime([r.get("onboardDate", 0) for r in rows], unit="ms", utc=True)
    frame = pd.DataFrame(
        {
            "onboard_date": [t.date() for t in onboard],
            "status": [r.get("status", "") for r in rows],
            "quote_asset": [r.get("quoteAsset", "") for r in rows],
            "margin_asset": [r.get("marginAsset", "") for r in rows],
        },
        index=pd.Index([r["symbol"] for r in rows], name="symbol"),
    )
    return frame.sort_index()
