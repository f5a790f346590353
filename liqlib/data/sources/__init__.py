"""Market-data sources, one module per venue.

``binance``          Binance USD-M futures: archive kinds, URLs and checksum-verified downloads
                     (data.binance.vision); re-exports the modules below.
``binance_parsers``  pure parsers of the archive's CSV files (klines, metrics, funding, ...).
``binance_rest``     REST endpoints for recent windows the archive has not published yet.
``binance_symbols``  the symbols liqlib knows and their listing dates.
``bybit``            Bybit linear USDT perpetuals: REST candles, open interest, funding,
                     risk-limit tiers, the isolated liquidation price, ``fetch_market``.
``okx``              OKX USDT swaps: the same, sizes converted from contracts to coins once
                     (its liquidation price is derived, UNVERIFIED).
``restjson``         the checked JSON GET and the newest-first pager Bybit and OKX share.
``venue_market``     a venue's REST pieces on one bar grid, in ``lq.load_market``'s columns
                     (the day cache and contract checks are :mod:`liqlib.data.venue_cache`;
                     one symbol to each venue's instrument and unit, :mod:`liqlib.data.instruments`).
``csvtable``         venue-neutral CSV reading, time parsing and one-line diagnostics.
``coinglass``        Coinglass realized liquidations (API, CSV/JSON exports, the 30-minute
                     regime export with price and open interest).

Every source returns frames with the column names of :mod:`liqlib.data.columns` and a UTC
``DatetimeIndex`` named ``time``. Functions named ``fetch_*`` touch the network; ``parse_*``
functions are pure and take the bytes or text of one file.
"""

from liqlib.data.sources.coinglass import (
    coinglass_oi_series,
    export_venues,
    fetch_coinglass_liquidations,
    load_coinglass_regime_csv,
    load_realized_liquidations,
    parse_coinglass_liquidations,
)

__all__ = [
    "coinglass_oi_series",
    "export_venues",
    "fetch_coinglass_liquidations",
    "load_coinglass_regime_csv",
    "load_realized_liquidations",
    "parse_coinglass_liquidations",
]
