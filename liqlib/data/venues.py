"""Market frames of several venues on one time axis (``lq.load_market(..., venues=...)``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from liqlib.errors import InputError

VENUES = ("binance", "bybit", "okx")


def _venue_names(venues) -> list[str]:
    if isinstance(venues, str):
        venues = [v.strip() for v in venues.split(",")]
    names = [str(v).strip().lower() for v in venues]
    unknown = [v for v in names if v not in VENUES]
    if not names or unknown:
        raise InputError(
            f"venues={list(venues)!r}: choose from {', '.join(VENUES)}, e.g. "
            "venues=('binance', 'bybit', 'okx')"
        )
    if len(set(names)) != len(names):
        raise InputError(f"venues={list(venues)!r} names a venue twice: list each once")
    return names


def venue_instruments(symbol: str, venues) -> dict:
    """``{venue: Instrument}`` for ``symbol`` (see :mod:`liqlib.data.instruments`).

    ``venues`` is a sequence of venue names (each instrument resolved from ``symbol``) or a
    mapping ``{venue: the venue's own instrument name}`` (taken as given).

    Examples
    --------
    >>> {v: i.name for v, i in venue_instruments("PEPEUSDT", ("binance", "okx")).items()}
    {'binance': '1000PEPEUSDT', 'okx': 'PEPE-USDT-SWAP'}
    """
    from liqlib.data.instruments import explicit_instrument, resolve_instrument

    if isinstance(venues, Mapping):
        names = _venue_names(list(venues))
        given = {str(k).strip().lower(): v for k, v in venues.items()}
        out = {
            n: explicit_instrument(given[n], n)
            if given[n] not in (None, "")
            else resolve_instrument(symbol, n)
            for n in names
        }
    else:
        out = {n: resolve_instrument(symbol, n) for n in _venue_names(venues)}
    bases = {(i.base, i.quote) for i in out.values()}
    if len(bases) > 1:
        listing = ", ".join(f"{v}: {i.name}" for v, i in out.items())
        raise InputError(
            f"the venues' instruments are not one market ({listing}): name the same base token "
            "and quote for every venue"
        )
    return out


def load_venue_markets(
    symbol: str, start, end, interval: str, venues: Sequence[str] | Mapping[str, str],
    load_binance: Callable[..., pd.DataFrame], *, cache_dir=None, refresh: bool = False,
    **binance_kw,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """``{venue: market frame}`` for one market in ``[start, end)``, all on the first venue's
    bar grid and in **one unit: coins of the base token and USD per coin**.

    Binance comes from its archive and cache (``load_binance``, i.e. ``lq.load_market``);
    Bybit and OKX from their REST APIs (``$LIQLIB_BYBIT_REST_URL``, ``$LIQLIB_OKX_REST_URL``)
    through the same contract and day cache (:mod:`liqlib.data.venue_cache`), with the columns
    they do not publish left NaN (trades, taker volumes, long/short ratios). Each frame is
    converted from its venue's unit once, by :func:`liqlib.data.instruments.to_base_units`
    (``1000PEPEUSDT``'s prices / 1,000, its sizes x 1,000).

    Parameters
    ----------
    symbol : str
        One user symbol (``"BTCUSDT"``, ``"PEPEUSDT"`` or ``"1000PEPEUSDT"``).
    start, end : str or datetime-like
        Half-open UTC window ``[start, end)``.
    interval : str
        Bar length (``"5m"``...), the same on every venue.
    venues : sequence of str, or mapping of str to str
        Venue names, or ``{venue: the venue's own instrument}`` for names liqlib does not
        derive (e.g. ``{"bybit": "SHIB1000USDT"}``).
    load_binance : callable
        Loads the Binance frame (``lq.load_market``), called as
        ``load_binance(symbol, start, end, interval, cache_dir=, refresh=, **binance_kw)``.
    cache_dir, refresh
        As ``lq.load_market``.
    **binance_kw
        Passed to ``load_binance`` only (the other venues ignore them).

    Returns
    -------
    dict of str to pandas.DataFrame
        Every frame on the first venue's time index, checked to be in one unit
        (:func:`liqlib.data.instruments.check_units`: USD = coins x price in each frame,
        venues' prices alike; a wrong multiplier raises). ``attrs``: ``symbol`` (Binance's name
        of the market, which picks the bracket table), ``venue_symbol`` (the venue's own),
        ``base``, ``unit``, ``unit_multiplier``, ``venue``.
    """
    from liqlib.data.instruments import check_units, resolve_instrument, to_base_units
    from liqlib.data.venue_cache import load_venue_market

    instruments = venue_instruments(symbol, venues)
    names = list(instruments)
    binance = instruments.get("binance") or resolve_instrument(symbol, "binance")
    out: dict[str, pd.DataFrame] = {}
    for name, inst in instruments.items():
        if name == "binance":
            raw = load_binance(inst.name, start, end, interval, cache_dir=cache_dir,
                               refresh=refresh, **binance_kw)  # fmt: skip
        else:
            raw = load_venue_market(inst, start, end, interval, cache_dir=cache_dir,
                                    refresh=refresh)  # fmt: skip
        frame = to_base_units(raw, inst)
        frame.attrs.update(venue=name, symbol=binance.name)
        out[name] = frame
    grid = out[names[0]].index
    for name in names[1:]:
        frame = out[name].reindex(grid)
        frame.attrs = dict(out[name].attrs)
        out[name] = frame
    check_units(out)  # a wrong multiplier or contract size would be off by 10x or more
    return out
